//! What the XML-based writers (TEI, XHTML) share about links and errors:
//! which link ends exist, so that every `#target` / `href="#…"` points at an
//! id that is also written, and each id is written once; the ids themselves
//! (`ref-N`, `cite-N-K`), and the digits of numbers made without `format!`.

use crate::ast::{Document, Inline, Reference, Span, for_each_inlines};
use crate::error::WriteError;
use crate::groups::Groups;
use crate::write::xml::Piece;
use rustc_hash::FxHashMap as HashMap;

/// The link ends of one document.
pub(crate) struct Links {
    /// Each reference number whose entry carries the id `ref-N`, and its
    /// group in `cited`.
    refs: Slots,
    /// The occurrences `k` of the markers of each reference (they carry
    /// `cite-N-K`), sorted: 4 bytes a marker (two hash sets of `(n, k)`
    /// took some 34, 4.7 MB for the seed ×6,920's 138,400 markers).
    cited: Groups<u32>,
    /// Which of `cited` have had their id written, a bit each.
    written: Vec<u64>,
    /// Put before every id and target of this document (`a3-` for the third
    /// article of a TEI corpus), so that ids never collide in one file.
    pub(crate) prefix: String,
}

impl Links {
    /// Collects the link ends of `doc` (every inline sequence that a writer
    /// writes is visited here).
    pub(crate) fn new(doc: &Document) -> Links {
        let refs = Slots::new(&doc.references);
        // The markers' occurrences, by reference: no vector of every
        // marker's pair to sort.
        let mut cited = Groups::new(refs.len(), |each| {
            for_each_inlines(doc, &mut |inlines| {
                for i in inlines {
                    if let Inline::Cite { n, occurrence, .. } = i
                        && let Some(slot) = refs.get(*n)
                    {
                        each(slot as usize, *occurrence);
                    }
                }
            });
        });
        // Each reference's occurrences sorted (a resolved document numbers
        // them 1, 2, … in reading order: already so). A repeat, which only
        // a document made by hand has, is found like the first.
        for slot in 0..refs.len() {
            cited.get_mut(slot).sort_unstable();
        }
        Links {
            refs,
            written: vec![0; cited.len().div_ceil(64)],
            cited,
            prefix: String::new(),
        }
    }

    /// Where marker `(n, k)` is among all the markers in `cited`, if its
    /// reference exists and the document has it.
    fn marker(&self, n: u32, k: u32) -> Option<usize> {
        let slot = self.refs.get(n)? as usize;
        let own = self.cited.get(slot);
        // In a resolved document occurrence k is the k-th.
        let j = match k.checked_sub(1).and_then(|j| own.get(j as usize)) {
            Some(&at) if at == k => (k - 1) as usize,
            _ => own.binary_search(&k).ok()?,
        };
        Some(self.cited.start(slot) + j)
    }

    /// Does reference `n` exist (so a marker can link to `ref-N`)?
    pub(crate) fn has_reference(&self, n: u32) -> bool {
        self.refs.get(n).is_some()
    }

    /// Should marker `(n, k)` carry the id `cite-N-K`? True once per marker
    /// whose reference exists; false for repeats, which would duplicate it.
    pub(crate) fn claim_marker_id(&mut self, n: u32, k: u32) -> bool {
        let Some(i) = self.marker(n, k) else {
            return false;
        };
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        let first = self.written[word] & bit == 0;
        self.written[word] |= bit;
        first
    }

    /// Can back-link `k` of reference `n` point at a marker `cite-N-K`?
    pub(crate) fn has_marker(&self, n: u32, k: u32) -> bool {
        self.marker(n, k).is_some()
    }

    /// Appends the id of reference `n`'s entry, `ref-N` after the prefix.
    pub(crate) fn push_ref_id(&self, out: &mut String, n: u32) {
        out.push_str(&self.prefix);
        out.push_str("ref-");
        push_decimal(out, n.into());
    }

    /// The target of reference `n`'s entry, `#ref-N` with the prefix, as
    /// the writer's pieces ([`Piece`]).
    pub(crate) fn ref_target(&self, n: u32) -> [Piece<'_>; 4] {
        [
            Piece::Plain("#"),
            Piece::Text(&self.prefix),
            Piece::Plain("ref-"),
            Piece::Number(n.into()),
        ]
    }

    /// The id of marker `(n, k)`, `cite-N-K` after the prefix, as the
    /// writer's pieces.
    pub(crate) fn cite_id(&self, n: u32, k: u32) -> [Piece<'_>; 5] {
        [
            Piece::Text(&self.prefix),
            Piece::Plain("cite-"),
            Piece::Number(n.into()),
            Piece::Plain("-"),
            Piece::Number(k.into()),
        ]
    }

    /// The target of marker `(n, k)`, `#cite-N-K` with the prefix, as the
    /// writer's pieces.
    pub(crate) fn cite_target(&self, n: u32, k: u32) -> [Piece<'_>; 6] {
        let [prefix, cite, n, dash, k] = self.cite_id(n, k);
        [Piece::Plain("#"), prefix, cite, n, dash, k]
    }
}

/// The slot of each reference number: its first entry's place among the
/// entries of distinct numbers.
enum Slots {
    /// Numbered `first`, `first + 1`, … in order, as a parsed reference
    /// list always is: the slot is the number less `first`, and no table
    /// is made (a map took 15 bytes an entry, 0.6 MB of 40,000 entries).
    Consecutive { first: u32, len: u32 },
    /// Any other numbering (a document made by hand): a map.
    Map(HashMap<u32, u32>),
}

impl Slots {
    fn new(references: &[Reference]) -> Slots {
        let first = references.first().map_or(0, |r| r.n);
        let consecutive = references
            .iter()
            .enumerate()
            .all(|(i, r)| u32::try_from(i).ok().and_then(|i| first.checked_add(i)) == Some(r.n));
        if consecutive {
            return Slots::Consecutive {
                first,
                len: references.len() as u32,
            };
        }
        let mut refs: HashMap<u32, u32> = HashMap::default();
        refs.reserve(references.len());
        for r in references {
            let next = refs.len() as u32;
            refs.entry(r.n).or_insert(next);
        }
        Slots::Map(refs)
    }

    /// The slot of reference `n`, if it exists.
    fn get(&self, n: u32) -> Option<u32> {
        match self {
            Slots::Consecutive { first, len } => n.checked_sub(*first).filter(|i| i < len),
            Slots::Map(refs) => refs.get(&n).copied(),
        }
    }

    /// How many slots.
    fn len(&self) -> usize {
        match self {
            Slots::Consecutive { len, .. } => *len as usize,
            Slots::Map(refs) => refs.len(),
        }
    }
}

/// Adds where the offending text stands to a character error.
pub(crate) fn at(span: Span) -> impl FnOnce(WriteError) -> WriteError {
    move |e| e.at(span)
}

/// A metadata value that is given and not blank, trimmed.
pub(crate) fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Appends the decimal digits of `n` to `out`: ids, numbers and the
/// content identifier's fields are written without `format!`, which cost
/// more than the rest of writing a marker.
pub(crate) fn push_decimal(out: &mut String, n: u64) {
    // SAFETY: only ASCII digits are appended, so `out` stays UTF-8.
    crate::bytes::append_decimal(unsafe { out.as_mut_vec() }, n);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Block, Reference};
    use std::collections::HashSet;

    proptest::proptest! {
        /// The link ends are what sets of every reference and every
        /// marker say, whatever the markers' order, repeats and gaps, and
        /// markers of references that do not exist; each id is claimed once.
        #[test]
        fn link_ends_are_the_sets_of_references_and_markers(
            numbers in proptest::collection::vec(0u32..6, 0..5),
            consecutive in proptest::option::of((0u32..4, 0u32..5)),
            blocks in proptest::collection::vec(
                proptest::collection::vec((0u32..7, 0u32..6), 0..12),
                0..4,
            ),
            asked in proptest::collection::vec((0u32..7, 0u32..7), 0..40),
        ) {
            // Entries numbered first, first + 1, … (as parsed) or at random.
            let numbers: Vec<u32> = match consecutive {
                Some((first, len)) => (first..first + len).collect(),
                None => numbers,
            };
            let mut doc = Document::new("T");
            doc.references = numbers.iter().map(|&n| Reference::new(n, "x", vec![], 1)).collect();
            doc.blocks = blocks
                .iter()
                .map(|b| Block::paragraph(b.iter().map(|&(n, k)| Inline::cite(n, k)).collect()))
                .collect();
            let refs: HashSet<u32> = numbers.iter().copied().collect();
            let cited: HashSet<(u32, u32)> = blocks
                .iter()
                .flatten()
                .copied()
                .filter(|(n, _)| refs.contains(n))
                .collect();
            let mut written = HashSet::new();
            let mut links = Links::new(&doc);
            for &(n, k) in &asked {
                proptest::prop_assert_eq!(links.has_reference(n), refs.contains(&n));
                proptest::prop_assert_eq!(links.has_marker(n, k), cited.contains(&(n, k)));
                proptest::prop_assert_eq!(
                    links.claim_marker_id(n, k),
                    cited.contains(&(n, k)) && written.insert((n, k)),
                    "claim ({}, {})", n, k
                );
            }
        }
    }

    #[test]
    fn decimal_digits_as_format_writes_them() {
        let powers = (0..20).map(|e| 10u64.pow(e));
        let edges = powers.flat_map(|p| [p - 1, p, p + 1]);
        for n in edges.chain([7, 42, 1_000_003, u64::from(u32::MAX), u64::MAX]) {
            let mut s = String::from("cite-");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("cite-{n}"));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_numbers_digits_as_format_writes_them(n: u64, small in 0u64..100_000) {
            for n in [n, small] {
                let mut s = String::from("cite-");
                push_decimal(&mut s, n);
                proptest::prop_assert_eq!(s, format!("cite-{n}"));
            }
        }
    }
}
