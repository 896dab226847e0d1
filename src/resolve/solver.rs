//! The global choice of one reading per candidate (FORMAT.md §4).
//!
//! One cohesive algorithm (a beam-limited dynamic programme with its
//! margins and swaps), kept in one file of about 680 lines; its tests are
//! in `solver/tests.rs`.
//!
//! Hard rules: (1) every marker is in 1..=N; (2) with back-links, reference
//! k gets exactly as many markers as it has `[]` groups; (3) first
//! occurrences run 1, 2, 3, … (or k, k+1, … on an excerpt without a
//! reference list). Among readings that satisfy them the most plausible wins.
//!
//! # Method and complexity
//!
//! Rule 1 is applied when candidates are made. Rule 3 is a left-to-right
//! dynamic programme whose state is *(highest reference cited so far, was
//! the previous candidate a marker)*; the second half of the state serves
//! adjacent markers (`repatriated4 7`). The programme keeps at most
//! [`beam_width`] states per candidate, so one pass costs
//! O(C · B · R) for C candidates with at most R readings each and beam B.
//!
//! Rule 2 couples all candidates; it is handled by Lagrangian relaxation: a
//! price λ_k is added to every reading of reference k, and after each pass
//! the prices of references with too few (too many) markers are raised
//! (lowered) by exactly the margin that admits (drops) the missing (extra)
//! markers. At most [`MAX_ROUNDS`] passes run, so the whole search is
//! O(MAX_ROUNDS · C · B · R): linear in the number of candidates, never
//! exponential. In practice the first or second pass already satisfies the
//! counts. When no pass satisfies them, the pass with the fewest
//! disagreements is kept and the caller reports each disagreement.
//!
//! When rule 2 cannot be met with rule 3 hard, the search is repeated with
//! rule 3 as a penalty ("hard when satisfiable").

use crate::groups::Groups;
use crate::markers::candidates::{Candidate, Candidates, Reading};

/// Rounds of price adjustment at most.
pub const MAX_ROUNDS: usize = 40;
/// Failed switches tried per reference during repair, at most.
const MAX_REPAIR_FAILURES: usize = 64;
/// Penalty for a first occurrence out of order when order is soft.
const ORDER_PENALTY: f64 = 6.0;
/// Penalty for an excerpt whose first marker is k > 1 (no reference list).
const LATE_START_PENALTY: f64 = 1.0;

/// Beam width for `c` candidates: wide for articles, narrower for huge inputs
/// so that memory stays bounded (about 2 million states in all).
pub fn beam_width(c: usize) -> usize {
    (2_000_000 / c.max(1)).clamp(2, MAX_BEAM)
}

/// The widest beam (the trail stores back pointers in 8 bits).
const MAX_BEAM: usize = 24;
const _: () = assert!(MAX_BEAM <= u8::MAX as usize);

/// How rule 3 is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// First occurrences must run in order.
    Hard,
    /// Out-of-order first occurrences cost a penalty (6 in log-odds).
    Soft,
}

/// What the solver is asked.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    /// All candidates of the document, in reading order.
    pub candidates: &'a Candidates,
    /// `counts[k-1]` = back-links of reference k, when the list has back-links.
    pub counts: Option<Vec<u32>>,
    /// Whether the first marker may be k > 1 (no reference list: an excerpt).
    pub free_start: bool,
}

/// The chosen reading of every candidate (`None` = the digits are text).
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Index into `candidates[i].readings`, or None.
    /// (Reading indices fit a byte: a marker has at most 9 digits; one byte
    /// a candidate keeps the solver's copies of a solution small.)
    pub choice: Vec<Option<u8>>,
    /// Sum of the chosen readings' plausibility (without prices).
    pub plausibility: f64,
    /// Whether rule 3 had to be relaxed.
    pub order: Order,
    /// The prices (rule 2's Lagrange multipliers, by reference) the
    /// solution was found with; empty without back-links.
    pub price: Vec<f64>,
}

#[derive(Clone, Copy)]
struct Node {
    /// The first reference cited (0 before any): on an excerpt, first
    /// occurrences run first, first + 1, …, so nothing below it may follow.
    first: u32,
    max: u32,
    last_marker: bool,
    score: f64,
    plaus: f64,
    back: u32,
    choice: i32,
}

/// What the programme remembers of a path: the state of rule 3 and of
/// adjacency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    first: u32,
    max: u32,
    last_marker: bool,
}

impl Node {
    fn key(&self) -> Key {
        Key {
            first: self.first,
            max: self.max,
            last_marker: self.last_marker,
        }
    }
}

/// Where each state of the step being built stands in its vector: open
/// addressing over a power-of-two table of (stamp, position). A new stamp
/// empties the table, so a step costs nothing to start; a state is found
/// in a probe or two, where a search through the step's nodes cost up to
/// a beam's width of comparisons for each of them.
#[derive(Default)]
struct KeyIndex {
    slots: Vec<(u32, u32)>,
    stamp: u32,
}

impl KeyIndex {
    /// Empties the table, with room for `states` states at most.
    fn clear(&mut self, states: usize) {
        let size = (states * 2).next_power_of_two().max(16);
        self.stamp = self.stamp.wrapping_add(1);
        if size > self.slots.len() || self.stamp == 0 {
            self.slots = vec![(0, 0); size.max(self.slots.len())];
            self.stamp = 1;
        }
    }

    /// The position of state `k` when it is in the table; else records it
    /// at position `len` (the caller appends it there) and returns `None`.
    fn find_or_add(&mut self, k: Key, len: usize, key_at: impl Fn(usize) -> Key) -> Option<usize> {
        let mask = self.slots.len() - 1;
        // The high half of the product is the well-mixed one: the flag goes
        // in with `max` (added as a low bit, it was shifted out, and the two
        // states of each (first, max) always met in one slot).
        let hash = (u64::from(k.max) << 1 | u64::from(k.last_marker))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(k.first).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        let mut i = (hash >> 32) as usize & mask;
        loop {
            let (stamp, at) = self.slots[i];
            if stamp != self.stamp {
                self.slots[i] = (self.stamp, len as u32);
                return None;
            }
            if key_at(at as usize) == k {
                return Some(at as usize);
            }
            i = (i + 1) & mask;
        }
    }
}

/// Taking reading `r` in state `s`: the next state and the gain
/// (plausibility less any order penalty), or `None` when the rules forbid it.
fn transition(p: &Problem<'_>, s: Key, r: &Reading, order: Order) -> Option<(Key, f64)> {
    if r.needs_prev_marker && !s.last_marker {
        return None;
    }
    let mut penalty = 0.0;
    // Below an excerpt's first reference: cited before its time.
    let before_first = p.free_start && s.max > 0 && r.n < s.first;
    if r.n > s.max + 1 || before_first {
        if s.max == 0 && p.free_start && !before_first {
            penalty = LATE_START_PENALTY;
        } else if order == Order::Hard {
            return None;
        } else {
            penalty = ORDER_PENALTY;
        }
    }
    let next = Key {
        first: if s.max == 0 { r.n } else { s.first.min(r.n) },
        max: s.max.max(r.n),
        last_marker: true,
    };
    Some((next, r.score as f64 - penalty))
}

/// Reading the candidate as text in state `s`.
fn as_text(s: Key) -> Key {
    Key {
        last_marker: false,
        ..s
    }
}

/// A decision's margin and the best other option (`None` = as text).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margin {
    /// Plausibility lead of the choice over the best other option.
    pub margin: f32,
    /// That option: a reading index, or `None` for the digits as text.
    pub alternative: Option<u8>,
}

/// Every candidate's margin under `price` and `order`: how much more
/// plausible the best reading of the whole document that makes `choice[i]`
/// is than the best one that reads candidate i otherwise (FORMAT.md §4,
/// "every decision has a margin"). `f32::INFINITY` when there is no other
/// reading; 0 when the choice is not the programme's own (a repair).
///
/// A forward pass keeps every step's states with their best prefix scores,
/// a backward pass their best suffix scores; the best path through an
/// option is prefix + gain + suffix. Same beam as a solve.
///
/// The forward pass keeps the states of every k-th step only (k about
/// √n for n candidates, at least 64); the backward pass makes a segment's again from its first step's
/// as it reaches it. A large article's steps are never all held (some
/// two million states of 24 bytes at the widest beam), for a second
/// forward pass in time.
pub fn margins(p: &Problem<'_>, price: &[f64], order: Order, choice: &[Option<u8>]) -> Vec<Margin> {
    margins_in_segments(p, price, order, choice, margin_segment(p.candidates.len()))
}

/// How many steps of [`margins`]' forward pass are held at once, for `n`
/// candidates: about √n (the steps kept between segments and a segment's
/// are then about as many), at least 64.
fn margin_segment(n: usize) -> usize {
    (n as f64).sqrt().ceil().max(64.0) as usize
}

/// One step of [`margins`]' forward pass: into `next`, the states after
/// candidate `cand` from `before`, the states before it, each with its
/// best prefix score; the `beam` best, in the order they are first made.
fn margin_step(
    p: &Problem<'_>,
    cand: Candidate<'_>,
    before: &[(Key, f64)],
    price: &[f64],
    order: Order,
    beam: usize,
    next: &mut Vec<(Key, f64)>,
) {
    let lambda = |r: &Reading| price.get(r.n as usize).copied().unwrap_or(0.0);
    next.clear();
    let mut push = |k: Key, v: f64| match next.iter_mut().find(|(o, _)| *o == k) {
        Some(o) => o.1 = o.1.max(v),
        None => next.push((k, v)),
    };
    for &(s, v) in before {
        push(as_text(s), v);
        for r in cand.readings {
            if let Some((k, g)) = transition(p, s, r, order) {
                push(k, v + g + lambda(r));
            }
        }
    }
    if next.len() > beam {
        next.sort_by(|a, b| b.1.total_cmp(&a.1));
        next.truncate(beam);
    }
}

/// [`margins`], holding the forward pass's steps `segment` at a time
/// (the margins are the same for any `segment` of at least 1).
fn margins_in_segments(
    p: &Problem<'_>,
    price: &[f64],
    order: Order,
    choice: &[Option<u8>],
    segment: usize,
) -> Vec<Margin> {
    let n = p.candidates.len();
    let segment = segment.max(1);
    let beam = beam_width(n);
    let lambda = |r: &Reading| price.get(r.n as usize).copied().unwrap_or(0.0);
    let start = Key {
        first: 0,
        max: 0,
        last_marker: false,
    };
    // The forward pass: the states before candidate k·segment are
    // kept[kept_starts[k]..kept_starts[k + 1]]; `current` ends as the
    // states after the last candidate.
    let mut kept: Vec<(Key, f64)> = Vec::new();
    let mut kept_starts: Vec<u32> = Vec::with_capacity(n / segment + 2);
    let mut current: Vec<(Key, f64)> = vec![(start, 0.0)];
    let mut next: Vec<(Key, f64)> = Vec::new();
    for (i, cand) in p.candidates.iter().enumerate() {
        if i % segment == 0 {
            kept_starts.push(kept.len() as u32);
            kept.extend_from_slice(&current);
        }
        margin_step(p, cand, &current, price, order, beam, &mut next);
        std::mem::swap(&mut current, &mut next);
    }
    kept_starts.push(kept.len() as u32);
    // Best suffix score of each state, last step first; `after` holds those
    // of the states after candidate i, `here` those before it.
    let mut after: Vec<f64> = vec![0.0; current.len()];
    drop(current);
    let mut here: Vec<f64> = Vec::new();
    let mut through: Vec<f64> = Vec::new();
    let mut out = vec![
        Margin {
            margin: f32::INFINITY,
            alternative: None,
        };
        n
    ];
    // A segment's steps made again: the states before candidate
    // `from + j` are states[starts[j]..starts[j + 1]], one flat vector.
    let mut states: Vec<(Key, f64)> = Vec::new();
    let mut starts: Vec<u32> = Vec::with_capacity(segment + 2);
    for k in (0..n.div_ceil(segment)).rev() {
        let from = k * segment;
        let to = (from + segment).min(n);
        states.clear();
        starts.clear();
        starts.push(0);
        states.extend_from_slice(&kept[kept_starts[k] as usize..kept_starts[k + 1] as usize]);
        for cand in p.candidates.range(from, to) {
            let last = *starts.last().unwrap_or(&0) as usize;
            margin_step(p, cand, &states[last..], price, order, beam, &mut next);
            starts.push(states.len() as u32);
            states.extend_from_slice(&next);
        }
        starts.push(states.len() as u32);
        for i in (from..to).rev() {
            let j = i - from;
            let cand = p.candidates.at(i);
            let before = &states[starts[j] as usize..starts[j + 1] as usize];
            let following = &states[starts[j + 1] as usize..starts[j + 2] as usize];
            let suffix = |k: Key| {
                following
                    .iter()
                    .position(|(o, _)| *o == k)
                    .map(|j| after[j])
            };
            // Best whole path through each option (text first, then readings).
            through.clear();
            through.resize(cand.readings.len() + 1, f64::NEG_INFINITY);
            here.clear();
            here.resize(before.len(), f64::NEG_INFINITY);
            for (si, &(s, v)) in before.iter().enumerate() {
                if let Some(rest) = suffix(as_text(s)) {
                    through[0] = through[0].max(v + rest);
                    here[si] = here[si].max(rest);
                }
                for (ri, r) in cand.readings.iter().enumerate() {
                    if let Some((k, g)) = transition(p, s, r, order)
                        && let Some(rest) = suffix(k)
                    {
                        let gain = g + lambda(r);
                        through[ri + 1] = through[ri + 1].max(v + gain + rest);
                        here[si] = here[si].max(gain + rest);
                    }
                }
            }
            let chosen = choice[i].map_or(0, |r| r as usize + 1);
            let other = through
                .iter()
                .enumerate()
                .filter(|&(o, &t)| o != chosen && t > f64::NEG_INFINITY)
                .max_by(|a, b| a.1.total_cmp(b.1));
            if let Some((o, &t)) = other {
                out[i] = Margin {
                    margin: ((through[chosen] - t).max(0.0)) as f32,
                    alternative: o.checked_sub(1).map(|r| r as u8),
                };
            }
            std::mem::swap(&mut after, &mut here);
        }
    }
    out
}

/// A change elsewhere: a candidate and its new option (`None` = text).
pub type Partner = (usize, Option<u8>);

/// The cheapest other reading of candidate i that keeps every reference's
/// number of markers (rule 2): a change at i, plus at most one change
/// elsewhere that gives back the marker i gave up (a candidate read as text
/// takes it) or drops the one i took (a marker of that reference becomes
/// text). Order (rule 3) is not checked, so this is a bound from below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Swap {
    /// Plausibility lost by the whole change.
    pub margin: f32,
    /// The other option at i (`None` = text).
    pub alternative: Option<u8>,
    /// The change elsewhere.
    pub partner: Option<Partner>,
}

/// [`Swap`] of every candidate under the solution `choice`; `None` where no
/// other reading keeps the counts. Needs back-link counts.
pub fn swaps(p: &Problem<'_>, choice: &[Option<u8>]) -> Vec<Option<Swap>> {
    let len = p.counts.as_ref().map_or(0, |c| c.len() + 1);
    let cands = p.candidates;
    // Cheapest way to give reference k one more marker (a candidate read as
    // text takes a reading of k) and to take one away.
    let mut add: Vec<Option<(f64, usize, u8)>> = vec![None; len];
    let mut drop: Vec<Option<(f64, usize)>> = vec![None; len];
    for (j, (c, ch)) in cands.iter().zip(choice).enumerate() {
        match ch {
            None => {
                for (ri, r) in c.readings.iter().enumerate() {
                    let k = r.n as usize;
                    let cost = -f64::from(r.score);
                    if k < len && !r.needs_prev_marker && add[k].is_none_or(|a| cost < a.0) {
                        add[k] = Some((cost, j, ri as u8));
                    }
                }
            }
            Some(ri) => {
                let r = &c.readings[*ri as usize];
                let k = r.n as usize;
                let cost = f64::from(r.score);
                if k < len && drop[k].is_none_or(|d| cost < d.0) {
                    drop[k] = Some((cost, j));
                }
            }
        }
    }
    cands
        .iter()
        .zip(choice)
        .map(|(c, ch)| {
            let value = |o: Option<u8>| o.map_or(0.0, |r| f64::from(c.readings[r as usize].score));
            let n_of = |o: Option<u8>| o.map(|r| c.readings[r as usize].n as usize);
            let (have, v) = (n_of(*ch), value(*ch));
            let options = std::iter::once(None).chain((0..c.readings.len()).map(|r| Some(r as u8)));
            options
                .filter(|&o| o != *ch)
                .filter_map(|o| {
                    let mut cost = v - value(o);
                    let mut partner = None;
                    let want = n_of(o);
                    if have != want {
                        if let Some(k) = have.filter(|&k| k < len) {
                            let (c_add, j, r) = add[k]?;
                            cost += c_add;
                            partner = Some((j, Some(r)));
                        }
                        if let Some(k) = want.filter(|&k| k < len) {
                            let (c_drop, j) = drop[k]?;
                            cost += c_drop;
                            partner = partner.or(Some((j, None)));
                        }
                    }
                    Some(Swap {
                        margin: cost.max(0.0) as f32,
                        alternative: o,
                        partner,
                    })
                })
                .min_by(|a, b| a.margin.total_cmp(&b.margin))
        })
        .collect()
}

/// One dynamic-programming pass with prices `price[k]`.
fn pass(p: &Problem<'_>, price: &[f64], order: Order) -> Solution {
    let n = p.candidates.len();
    let beam = beam_width(n);
    // (back pointer, choice) of every kept node, step after step; step i's
    // nodes start at starts[i]. One flat vector: no allocation per step, and
    // 8 bits each (the beam is at most MAX_BEAM wide, a candidate has a few
    // readings: a marker has at most 9 digits).
    // Room for full beams: memory is only used as nodes are written.
    let mut trail: Vec<(u8, i8)> = Vec::with_capacity(n * beam);
    let mut starts: Vec<u32> = Vec::with_capacity(n);
    let mut frontier = vec![Node {
        first: 0,
        max: 0,
        last_marker: false,
        score: 0.0,
        plaus: 0.0,
        back: 0,
        choice: -1,
    }];
    let mut next: Vec<Node> = Vec::new();
    let mut index = KeyIndex::default();
    for cand in p.candidates.iter() {
        next.clear();
        index.clear(frontier.len() * (cand.readings.len() + 1));
        for (si, s) in frontier.iter().enumerate() {
            // One node per state: a better path to a state replaces the
            // node in its place.
            let mut push = |node: Node, next: &mut Vec<Node>| match index.find_or_add(
                node.key(),
                next.len(),
                |i| next[i].key(),
            ) {
                Some(i) => {
                    if node.score > next[i].score {
                        next[i] = node;
                    }
                }
                None => next.push(node),
            };
            push(
                Node {
                    first: s.first,
                    max: s.max,
                    last_marker: false,
                    score: s.score,
                    plaus: s.plaus,
                    back: si as u32,
                    choice: -1,
                },
                &mut next,
            );
            for (ri, r) in cand.readings.iter().enumerate() {
                let Some((key, gain)) = transition(p, s.key(), r, order) else {
                    continue;
                };
                let lambda = price.get(r.n as usize).copied().unwrap_or(0.0);
                push(
                    Node {
                        first: key.first,
                        max: key.max,
                        last_marker: true,
                        score: s.score + gain + lambda,
                        plaus: s.plaus + gain,
                        back: si as u32,
                        choice: ri as i32,
                    },
                    &mut next,
                );
            }
        }
        if order == Order::Hard && !p.free_start {
            drop_dominated(&mut next);
        }
        if next.len() > beam {
            next.sort_by(|a, b| b.score.total_cmp(&a.score));
            next.truncate(beam);
        }
        starts.push(trail.len() as u32);
        trail.extend(next.iter().map(|nd| (nd.back as u8, nd.choice as i8)));
        std::mem::swap(&mut frontier, &mut next);
    }
    // Best final node, then follow the back pointers.
    let (mut idx, best) = frontier
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.score.total_cmp(&b.1.score))
        .map(|(i, nd)| (i, *nd))
        .expect("the frontier always holds the all-text path");
    let mut choice = vec![None; n];
    for step in (0..n).rev() {
        let (back, c) = trail[starts[step] as usize + idx];
        choice[step] = (c >= 0).then_some(c as u8);
        idx = back as usize;
    }
    Solution {
        choice,
        plausibility: best.plaus,
        order,
        price: Vec::new(),
    }
}

/// Drops the nodes that another node dominates: the same last-marker
/// flag, as high a `max` or higher, and a strictly better score. With
/// first occurrences in hard order and a reference list (no free start), a
/// state allows every reading that a state with a lower `max` allows, at
/// the same gain, and leads to a `max` as high: every way on from the
/// dominated node is open to its dominator and scores more there, so the
/// programme's best path never goes through it. (A long article cites
/// its references again and again; without this, the states that lag
/// behind in `max` lived on to its end, and filled the beam.) The order of
/// the nodes that stay is kept.
fn drop_dominated(next: &mut Vec<Node>) {
    if next.len() < 2 {
        return;
    }
    let dominated = |n: &Node, all: &[Node]| {
        all.iter()
            .any(|o| o.last_marker == n.last_marker && o.max >= n.max && o.score > n.score)
    };
    let keep: smallvec::SmallVec<[bool; 64]> = next.iter().map(|n| !dominated(n, next)).collect();
    let mut i = 0;
    next.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// Markers per reference in a solution (index k = reference k).
pub fn counts_of(p: &Problem<'_>, s: &Solution, len: usize) -> Vec<u32> {
    let mut c = vec![0u32; len];
    for (cand, ch) in p.candidates.iter().zip(&s.choice) {
        if let Some(r) = ch {
            let n = cand.readings[*r as usize].n as usize;
            if n < len {
                c[n] += 1;
            }
        }
    }
    c
}

/// Score of candidate i's chosen option under `price`.
fn chosen_value(c: Candidate<'_>, ch: Option<u8>, price: &[f64]) -> f64 {
    match ch {
        None => 0.0,
        Some(r) => {
            let r = &c.readings[r as usize];
            r.score as f64 + price.get(r.n as usize).copied().unwrap_or(0.0)
        }
    }
}

/// Runs the price-adjustment rounds for one order mode; returns the best
/// solution and its number of count disagreements.
fn with_counts(p: &Problem<'_>, want: &[u32], order: Order) -> (Solution, u32) {
    let len = want.len() + 1;
    let mut price = vec![0.0f64; len];
    let by_ref = readings_by_reference(p, len);
    let mut best: Option<(u32, Solution)> = None;
    for round in 0..MAX_ROUNDS {
        let mut sol = pass(p, &price, order);
        sol.price.clone_from(&price);
        let got = counts_of(p, &sol, len);
        let off: u32 = (1..len).map(|k| got[k].abs_diff(want[k - 1])).sum();
        let better = match &best {
            None => true,
            Some((b_off, b)) => {
                off < *b_off || (off == *b_off && sol.plausibility > b.plausibility)
            }
        };
        if better {
            best = Some((off, sol.clone()));
        }
        if off == 0 {
            break;
        }
        let nudge = 0.01 + 0.05 * round as f64;
        for k in 1..len {
            let (have, need) = (got[k], want[k - 1]);
            if have == need {
                continue;
            }
            let margins = |adding: bool| -> Vec<f64> {
                let m: Vec<f64> = by_ref
                    .get(k)
                    .iter()
                    .filter_map(|&(ci, ri)| {
                        let (ci, ri) = (ci as usize, usize::from(ri));
                        let c = p.candidates.at(ci);
                        let ch = sol.choice[ci];
                        let own = c.readings[ri].score as f64 + price[k];
                        if adding {
                            // What it takes to prefer this unchosen reading of k.
                            (ch != Some(ri as u8)).then(|| chosen_value(c, ch, &price) - own)
                        } else {
                            // How far this chosen reading of k leads its best alternative.
                            (ch == Some(ri as u8)).then(|| {
                                let alt = c
                                    .readings
                                    .iter()
                                    .filter(|o| o.n as usize != k)
                                    .map(|o| {
                                        o.score as f64
                                            + price.get(o.n as usize).copied().unwrap_or(0.0)
                                    })
                                    .fold(0.0f64, f64::max);
                                own - alt
                            })
                        }
                    })
                    .collect();
                m
            };
            // The i-th smallest margin (or the largest, when there are
            // fewer): a selection, not a sort, so no buffer and O(n).
            let nth = |mut m: Vec<f64>, i: usize| -> Option<f64> {
                let i = i.min(m.len().checked_sub(1)?);
                Some(*m.select_nth_unstable_by(i, f64::total_cmp).1)
            };
            if have < need {
                if let Some(x) = nth(margins(true), (need - have) as usize - 1) {
                    price[k] += x.max(0.0) + nudge;
                }
            } else if let Some(x) = nth(margins(false), (have - need) as usize - 1) {
                price[k] -= x.max(0.0) + nudge;
            }
        }
    }
    let (off, sol) = best.expect("at least one round runs");
    if off == 0 {
        return (sol, 0);
    }
    // Prices cannot separate readings of equal plausibility; finish by hand.
    let sol = repair(p, &by_ref, sol, want, order);
    let got = counts_of(p, &sol, len);
    let off = (1..len).map(|k| got[k].abs_diff(want[k - 1])).sum();
    (sol, off)
}

/// Every reading of reference k < `len`, as (candidate, reading) indices,
/// in one vector of 8 bytes a reading (on a large article this is the
/// solver's largest table).
fn readings_by_reference(p: &Problem<'_>, len: usize) -> Groups<(u32, u8)> {
    Groups::new(len, |each| {
        for (ci, c) in p.candidates.iter().enumerate() {
            for (ri, r) in c.readings.iter().enumerate() {
                each(r.n as usize, (ci as u32, ri as u8));
            }
        }
    })
}

/// Does `choice` respect adjacency and (when hard) first-occurrence order?
fn valid(p: &Problem<'_>, choice: &[Option<u8>], order: Order) -> bool {
    let mut max = 0u32;
    let mut first = 0u32;
    let mut last_marker = false;
    for (c, ch) in p.candidates.iter().zip(choice) {
        match ch {
            None => last_marker = false,
            Some(r) => {
                let r = &c.readings[*r as usize];
                if r.needs_prev_marker && !last_marker {
                    return false;
                }
                let late = r.n > max + 1 && !(max == 0 && p.free_start);
                let before_first = p.free_start && max > 0 && r.n < first;
                if order == Order::Hard && (late || before_first) {
                    return false;
                }
                if max == 0 {
                    first = r.n;
                }
                max = max.max(r.n);
                last_marker = true;
            }
        }
    }
    true
}

/// Switches single candidates, cheapest first, until every reference has the
/// wanted number of markers or no valid switch is left. Each reference gets
/// its needed switches plus at most [`MAX_REPAIR_FAILURES`] failed tries, each
/// checked in O(C).
fn repair(
    p: &Problem<'_>,
    by_ref: &Groups<(u32, u8)>,
    sol: Solution,
    want: &[u32],
    order: Order,
) -> Solution {
    // Each switch is checked where it can break a rule, not by a pass over
    // every candidate (a pass a switch made a long article's repair
    // quadratic: dropping 5,000 markers of 159,000 candidates took most of
    // a second).
    let switches = Switches::new(p, &sol.choice, order);
    repair_with(p, by_ref, sol, want, order, switches)
}

/// [`repair`], each switch checked by `switches`, or by [`valid`] when
/// there are none.
fn repair_with(
    p: &Problem<'_>,
    by_ref: &Groups<(u32, u8)>,
    mut sol: Solution,
    want: &[u32],
    order: Order,
    mut switches: Option<Switches>,
) -> Solution {
    let len = want.len() + 1;
    let no_price: [f64; 0] = [];
    // The markers of each reference, kept up to date as switches are made.
    let mut got = counts_of(p, &sol, len);
    for k in 1..len {
        let (have, need) = (got[k], want[k - 1]);
        if have == need {
            continue;
        }
        // (cost of the switch, candidate, new choice or -1 for none): 16
        // bytes an option, as there may be one per candidate. Only the
        // candidates with a reading of k have one.
        let mut options: Vec<(f64, u32, i32)> = Vec::new();
        for &(ci, ri) in by_ref.get(k) {
            let c = p.candidates.at(ci as usize);
            let ch = sol.choice[ci as usize];
            let cur = chosen_value(c, ch, &no_price);
            let cur_n = ch.map(|r| c.readings[r as usize].n as usize);
            if have < need && cur_n != Some(k) {
                // Take a marker away from another reference only where it has too many.
                if cur_n.is_some_and(|j| j < len && got[j] <= want[j - 1]) {
                    continue;
                }
                options.push((cur - c.readings[ri as usize].score as f64, ci, ri as i32));
            } else if have > need && ch == Some(ri) {
                options.push((cur, ci, -1));
            }
        }
        // Cheapest first; ties in candidate and reading order (what a
        // stable sort of the pushed order gives, without its buffer).
        options
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut diff = have.abs_diff(need);
        let mut failures = 0;
        for (_, ci, new) in options {
            let (ci, new) = (ci as usize, u8::try_from(new).ok());
            if diff == 0 || failures > MAX_REPAIR_FAILURES {
                break;
            }
            let old = sol.choice[ci];
            sol.choice[ci] = new;
            let still_valid = match &mut switches {
                Some(s) => s.switch(p, &sol.choice, ci, old),
                None => valid(p, &sol.choice, order),
            };
            if still_valid {
                diff -= 1;
                let c = p.candidates.at(ci);
                let n_of = |ch: Option<u8>| ch.map(|r| c.readings[r as usize].n as usize);
                if let Some(j) = n_of(old).filter(|&j| j < len) {
                    got[j] -= 1;
                }
                if let Some(j) = n_of(new).filter(|&j| j < len) {
                    got[j] += 1;
                }
            } else {
                sol.choice[ci] = old;
                failures += 1;
            }
        }
    }
    debug_assert_eq!(got, counts_of(p, &sol, len));
    sol.plausibility = p
        .candidates
        .iter()
        .zip(&sol.choice)
        .map(|(c, ch)| chosen_value(c, *ch, &no_price))
        .sum();
    sol
}

/// What a switch of one candidate's choice can break, kept up to date
/// through a repair: the [`valid`] of the choice after the switch, given
/// that it was valid before, found from the switch's neighbours and the
/// references it moves a marker between.
///
/// Adjacency (a reading that needs the candidate before it to be a marker)
/// involves the switched candidate and the one after it. With first
/// occurrences in hard order, from reference 1: the choice is in order
/// exactly when the references cited are 1..=m and each one's first
/// marker comes after the first marker of the one before (at the first
/// marker of k the highest reference so far must be k − 1, and that one's
/// first marker is then before it); a switch moves the first markers of
/// at most two references, so only their pairs with their neighbours are
/// looked at.
struct Switches {
    order: Order,
    /// The candidates where each reference is chosen, with hard order.
    at: Vec<std::collections::BTreeSet<u32>>,
}

impl Switches {
    /// The state of `choice`; `None` when it is not valid (every switch
    /// is then checked by [`valid`]) or an excerpt's free start applies.
    fn new(p: &Problem<'_>, choice: &[Option<u8>], order: Order) -> Option<Switches> {
        if (order == Order::Hard && p.free_start) || !valid(p, choice, order) {
            return None;
        }
        let mut at = Vec::new();
        if order == Order::Hard {
            let top = p
                .candidates
                .iter()
                .flat_map(|c| c.readings.iter().map(|r| r.n as usize))
                .max()
                .unwrap_or(0);
            at = vec![std::collections::BTreeSet::new(); top + 2];
            for (ci, (c, ch)) in p.candidates.iter().zip(choice).enumerate() {
                if let Some(r) = ch {
                    at[c.readings[*r as usize].n as usize].insert(ci as u32);
                }
            }
        }
        Some(Switches { order, at })
    }

    /// Candidate `ci` now reads `choice[ci]`, not `old`: whether the
    /// choice is still valid. When it is not, nothing here changed.
    fn switch(
        &mut self,
        p: &Problem<'_>,
        choice: &[Option<u8>],
        ci: usize,
        old: Option<u8>,
    ) -> bool {
        let c = p.candidates.at(ci);
        let new = choice[ci];
        let needs_prev = |i: usize, ch: Option<u8>| {
            ch.is_some_and(|r| p.candidates.at(i).readings[r as usize].needs_prev_marker)
        };
        if needs_prev(ci, new) && (ci == 0 || choice[ci - 1].is_none()) {
            return false;
        }
        if new.is_none() && ci + 1 < choice.len() && needs_prev(ci + 1, choice[ci + 1]) {
            return false;
        }
        if self.order == Order::Soft {
            return true;
        }
        let n_of = |ch: Option<u8>| ch.map(|r| c.readings[r as usize].n as usize);
        let (a, b) = (n_of(old), n_of(new));
        if a == b {
            return true;
        }
        let at = ci as u32;
        if let Some(a) = a {
            self.at[a].remove(&at);
        }
        if let Some(b) = b {
            self.at[b].insert(at);
        }
        let in_order = [a, a.map(|a| a + 1), b, b.map(|b| b + 1)]
            .into_iter()
            .flatten()
            .all(|x| self.after_the_one_before(x));
        if !in_order {
            if let Some(b) = b {
                self.at[b].remove(&at);
            }
            if let Some(a) = a {
                self.at[a].insert(at);
            }
        }
        in_order
    }

    /// Reference `x` is not cited, or is cited first after reference
    /// x − 1 is (any reference below 2 may be cited).
    fn after_the_one_before(&self, x: usize) -> bool {
        let first = |k: usize| self.at.get(k).and_then(|s| s.first().copied());
        match first(x) {
            None => true,
            Some(_) if x < 2 => true,
            Some(fx) => first(x - 1).is_some_and(|f| f < fx),
        }
    }
}

/// Solves the problem: hard order first, soft order if the counts need it.
pub fn solve(p: &Problem<'_>) -> Solution {
    match &p.counts {
        None => pass(p, &[], Order::Hard),
        Some(want) => {
            let (hard, off) = with_counts(p, want, Order::Hard);
            if off == 0 {
                return hard;
            }
            let (soft, soft_off) = with_counts(p, want, Order::Soft);
            if soft_off < off { soft } else { hard }
        }
    }
}

#[cfg(test)]
mod tests;
