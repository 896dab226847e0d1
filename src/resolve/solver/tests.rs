//! Unit tests of the parent module.

use super::*;
use crate::markers::candidates::{Candidates, find_into};
use crate::markers::plausibility::Language;

fn cands(texts: &[&str], limit: u32) -> Candidates {
    let mut c = Candidates::default();
    for (i, t) in texts.iter().enumerate() {
        find_into(&mut c, i, t, limit, Language::default());
    }
    c
}

fn markers(texts: &[&str], c: &Candidates, s: &Solution) -> Vec<(usize, String, u32)> {
    c.iter()
        .zip(&s.choice)
        .filter_map(|(c, ch)| {
            let r = c.readings[usize::from((*ch)?)];
            Some((
                c.text as usize,
                texts[c.text as usize][r.marker_start as usize..c.end as usize].to_string(),
                r.n,
            ))
        })
        .collect()
}

#[test]
fn order_rejects_a_marker_before_its_time() {
    // "word3" cannot be a first occurrence before 1 and 2 were cited.
    let t = ["One word3 then Alpha1 and Beta2."];
    let c = cands(&t, 3);
    let s = solve(&Problem {
        candidates: &c,
        counts: None,
        free_start: false,
    });
    let got: Vec<u32> = markers(&t, &c, &s).iter().map(|m| m.2).collect();
    assert_eq!(got, vec![1, 2]);
}

#[test]
fn counts_pull_in_an_unlikely_marker() {
    // Reference 1 has two back-links: the second must be the MP3-like one.
    let t = ["First claim1. Then the ABC1 report."];
    let c = cands(&t, 1);
    let free = solve(&Problem {
        candidates: &c,
        counts: None,
        free_start: false,
    });
    assert_eq!(markers(&t, &c, &free).len(), 1);
    let forced = solve(&Problem {
        candidates: &c,
        counts: Some(vec![2]),
        free_start: false,
    });
    assert_eq!(markers(&t, &c, &forced).len(), 2);
}

#[test]
fn counts_push_out_a_likely_marker() {
    let t = ["Alpha1 and beta1 and gamma1."];
    let c = cands(&t, 1);
    let s = solve(&Problem {
        candidates: &c,
        counts: Some(vec![2]),
        free_start: false,
    });
    assert_eq!(markers(&t, &c, &s).len(), 2);
}

#[test]
fn adjacent_markers() {
    let t = ["Alpha1 beta2 gamma3 delta4 and so on5 6:"];
    let c = cands(&t, 6);
    let s = solve(&Problem {
        candidates: &c,
        counts: None,
        free_start: false,
    });
    let got: Vec<u32> = markers(&t, &c, &s).iter().map(|m| m.2).collect();
    assert_eq!(got, vec![1, 2, 3, 4, 5, 6]);
}

/// The markers read in `text` as a page without a reference list.
fn excerpt_markers(text: &str) -> Vec<u32> {
    let t = [text];
    let c = cands(&t, crate::markers::candidates::UNKNOWN_LIMIT);
    let s = solve(&Problem {
        candidates: &c,
        counts: None,
        free_start: true,
    });
    markers(&t, &c, &s).iter().map(|m| m.2).collect()
}

#[test]
fn excerpt_may_start_late() {
    assert_eq!(
        excerpt_markers("Alpha14 beta15 and gamma14."),
        vec![14, 15, 14]
    );
}

#[test]
fn one_early_candidate_does_not_set_an_excerpts_start() {
    // "one implausible early candidate (a page mark such as `(p.57)`)
    // must not set k and turn the real sequence 14, 15, 16 … into text."
    assert_eq!(
        excerpt_markers("Alpha57 then beta14 gamma15, delta16 and eps14."),
        vec![14, 15, 16, 14]
    );
}

#[test]
fn unsatisfiable_counts_keep_the_closest_reading() {
    let t = ["Alpha1 and beta2."];
    let c = cands(&t, 2);
    let s = solve(&Problem {
        candidates: &c,
        counts: Some(vec![3, 1]),
        free_start: false,
    });
    let got: Vec<u32> = markers(&t, &c, &s).iter().map(|m| m.2).collect();
    assert_eq!(got, vec![1, 2]);
}

#[test]
fn linear_on_many_candidates() {
    // 30,000 candidates resolve (the beam keeps it bounded); correctness
    // of the count is what is asserted, speed is for the benchmarks.
    let text: String = (0..30_000).map(|_| "word1 ").collect();
    let t = [text.as_str()];
    let c = cands(&t, 1);
    let s = solve(&Problem {
        candidates: &c,
        counts: Some(vec![30_000]),
        free_start: false,
    });
    assert_eq!(markers(&t, &c, &s).len(), 30_000);
}

/// The state index finds every state it was given, at its position, and
/// nothing after a clear; it grows when a step needs more room.
#[test]
fn key_index_finds_states_until_cleared() {
    let key = |i: u32| Key {
        first: i % 3,
        max: i,
        last_marker: i.is_multiple_of(2),
    };
    let mut index = KeyIndex::default();
    for round in 0..3u32 {
        let states = 10 + 40 * round as usize;
        index.clear(states);
        let mut kept: Vec<Key> = Vec::new();
        for i in 0..states as u32 {
            let k = key(i * 7 + round);
            assert_eq!(index.find_or_add(k, kept.len(), |j| kept[j]), None);
            kept.push(k);
        }
        for (j, &k) in kept.iter().enumerate() {
            assert_eq!(index.find_or_add(k, kept.len(), |j| kept[j]), Some(j));
        }
    }
    index.clear(4);
    let k = key(7);
    assert_eq!(index.find_or_add(k, 0, |_| unreachable!()), None);
}

/// The best total score of any choice for `c` that keeps first occurrences
/// in order (rule 3, hard; a reference list, so no free start), by trying
/// every choice.
fn best_by_brute_force(p: &Problem<'_>) -> f64 {
    fn go(p: &Problem<'_>, i: usize, key: Key, score: f64) -> f64 {
        let Some(c) = p.candidates.get(i) else {
            return score;
        };
        let mut best = go(p, i + 1, as_text(key), score);
        for r in c.readings {
            if let Some((next, gain)) = transition(p, key, r, Order::Hard) {
                best = best.max(go(p, i + 1, next, score + gain));
            }
        }
        best
    }
    let start = Key {
        first: 0,
        max: 0,
        last_marker: false,
    };
    go(p, 0, start, 0.0)
}

/// The score of `s`, replayed through the rules (which it must keep).
fn replayed_score(p: &Problem<'_>, s: &Solution) -> f64 {
    let mut key = Key {
        first: 0,
        max: 0,
        last_marker: false,
    };
    let mut score = 0.0;
    for (c, ch) in p.candidates.iter().zip(&s.choice) {
        match ch {
            None => key = as_text(key),
            Some(r) => {
                let (next, gain) = transition(p, key, &c.readings[usize::from(*r)], Order::Hard)
                    .expect("the programme's choice keeps the order");
                key = next;
                score += gain;
            }
        }
    }
    score
}

/// Candidates one after the other, each with its readings (reference,
/// score, whether it needs a marker before it).
fn candidates_of(runs: &[Vec<(u32, f32, bool)>]) -> Candidates {
    let mut c = Candidates::default();
    for (i, readings) in runs.iter().enumerate() {
        let readings = readings
            .iter()
            .map(|&(n, score, needs_prev_marker)| Reading {
                marker_start: 10 * i as u32,
                n,
                score,
                needs_prev_marker,
                written: None,
            });
        c.push(0, 10 * i as u32, 10 * i as u32 + 2, readings, None);
    }
    c
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    /// With nodes dropped when another dominates them, one pass still finds
    /// the best choice there is: a reference list (no free start), first
    /// occurrences in hard order, references cited again and again (the
    /// states that lag in `max` are the ones dropped).
    #[test]
    fn dropping_dominated_nodes_keeps_the_best_path(
        runs in proptest::collection::vec(
            proptest::collection::vec((1u32..=4, -6.0f32..6.0, proptest::bool::weighted(0.5)), 1..=2),
            1..=8,
        ),
    ) {
        let c = candidates_of(&runs);
        let p = Problem {
            candidates: &c,
            counts: None,
            free_start: false,
        };
        let s = pass(&p, &[], Order::Hard);
        let (got, want) = (replayed_score(&p, &s), best_by_brute_force(&p));
        proptest::prop_assert!((got - want).abs() < 1e-9, "{} against {}", got, want);
    }
}

/// Texts with many doubtful digit runs: glued markers, years, thousands
/// and times, `refs` references cited in a scrambled but mostly rising order.
fn doubtful_texts(count: usize, refs: u32) -> Vec<String> {
    let mut x: u32 = 12345;
    let mut next = move |m: u32| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) % m
    };
    (0..count)
        .map(|i| {
            let n = (i as u32 * refs / count as u32 + next(3)).clamp(1, refs);
            let m = (n + next(2)).min(refs);
            format!(
                "In 19{}{} the Party{n} met. About 250 000{m} came at 14:4{}{}, and ABC{} said so{}.",
                50 + next(40),
                next(4) + 1,
                next(6),
                n,
                next(9) + 1,
                m
            )
        })
        .collect()
}

#[test]
fn margins_are_the_same_whatever_the_segment_held() {
    for (count, refs) in [(1, 3), (9, 4), (70, 20)] {
        let owned = doubtful_texts(count, refs);
        let t: Vec<&str> = owned.iter().map(|s| s.as_str()).collect();
        let c = cands(&t, refs);
        let free = solve(&Problem {
            candidates: &c,
            counts: None,
            free_start: false,
        });
        // Counts as the free solution cites, so that prices are not all 0.
        let mut counts = vec![0u32; refs as usize];
        for m in markers(&t, &c, &free) {
            counts[m.2 as usize - 1] += 1;
        }
        for counts in [None, Some(counts)] {
            let p = Problem {
                candidates: &c,
                counts,
                free_start: false,
            };
            let s = solve(&p);
            let n = c.len();
            // One segment holds every step: the margins as first defined.
            let whole = margins_in_segments(&p, &s.price, s.order, &s.choice, n.max(1));
            assert!(
                count < 9
                    || whole
                        .iter()
                        .filter(|m| m.margin.is_finite() && m.margin > 0.0)
                        .count()
                        > n / 4,
                "the texts have doubtful runs: {whole:?}"
            );
            for segment in [1, 2, 3, 5, 8, 13, n.saturating_sub(1), n + 7] {
                assert_eq!(
                    margins_in_segments(&p, &s.price, s.order, &s.choice, segment),
                    whole,
                    "{count} texts, segment {segment}"
                );
            }
            assert_eq!(margins(&p, &s.price, s.order, &s.choice), whole);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// A repair that checks each switch where it can break a rule makes
    /// the same switches as one that checks the whole choice after each:
    /// references cited again and again, readings that need a marker
    /// before them, counts out of reach, both orders, from the choice of
    /// a pass under random prices.
    #[test]
    fn switches_are_checked_as_a_whole_pass_checks_them(
        runs in proptest::collection::vec(
            proptest::collection::vec((1u32..=5, -6.0f32..6.0, proptest::bool::weighted(0.3)), 1..=3),
            1..=14,
        ),
        want in proptest::collection::vec(0u32..4, 5),
        prices in proptest::collection::vec(-4.0f64..4.0, 6),
        soft in proptest::bool::ANY,
    ) {
        let c = candidates_of(&runs);
        let p = Problem {
            candidates: &c,
            counts: Some(want.clone()),
            free_start: false,
        };
        let order = if soft { Order::Soft } else { Order::Hard };
        let by_ref = readings_by_reference(&p, want.len() + 1);
        let start = pass(&p, &prices, order);
        let switches = Switches::new(&p, &start.choice, order);
        proptest::prop_assert!(switches.is_some(), "a pass's choice is valid");
        let by_switches = repair_with(&p, &by_ref, start.clone(), &want, order, switches);
        let by_passes = repair_with(&p, &by_ref, start, &want, order, None);
        proptest::prop_assert_eq!(&by_switches.choice, &by_passes.choice);
        proptest::prop_assert!(valid(&p, &by_switches.choice, order));
    }
}
