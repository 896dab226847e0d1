//! Unit tests of the parent module.

use super::*;
use crate::markers::candidates::{Candidate, find};

fn cands(texts: &[&str], limit: u32) -> Vec<Candidate> {
    texts
        .iter()
        .enumerate()
        .flat_map(|(i, t)| find(i, t, limit))
        .collect()
}

fn markers(texts: &[&str], c: &[Candidate], s: &Solution) -> Vec<(usize, String, u32)> {
    c.iter()
        .zip(&s.choice)
        .filter_map(|(c, ch)| {
            let r = c.readings[usize::from((*ch)?)];
            Some((
                c.text,
                texts[c.text][r.marker_start..c.end].to_string(),
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
