//! What the XML-based writers (TEI, XHTML) share about links and errors:
//! which link ends exist, so that every `#target` / `href="#…"` points at an
//! id that is also written, and each id is written once; the ids themselves
//! (`ref-N`, `cite-N-K`), and the digits of numbers made without `format!`.

use crate::ast::{Document, Inline, Span, for_each_inlines};
use crate::error::WriteError;
use rustc_hash::FxHashSet as HashSet;

/// The link ends of one document.
pub(crate) struct Links {
    /// Reference numbers whose entry carries the id `ref-N`.
    refs: HashSet<u32>,
    /// `(n, k)` of the markers whose reference exists (they carry `cite-N-K`).
    cited: HashSet<(u32, u32)>,
    /// The `cite-N-K` ids written so far.
    written: HashSet<(u32, u32)>,
    /// Put before every id and target of this document (`a3-` for the third
    /// article of a TEI corpus), so that ids never collide in one file.
    pub(crate) prefix: String,
}

impl Links {
    /// Collects the link ends of `doc` (every inline sequence that a writer
    /// writes is visited here).
    pub(crate) fn new(doc: &Document) -> Links {
        let refs: HashSet<u32> = doc.references.iter().map(|r| r.n).collect();
        // About one marker per back-link: room for them up front, so that
        // the sets are not rehashed as they grow.
        let markers: usize = doc.references.iter().map(|r| r.backlinks.len()).sum();
        let mut cited = HashSet::with_capacity_and_hasher(markers, Default::default());
        for_each_inlines(doc, &mut |inlines| {
            for i in inlines {
                if let Inline::Cite { n, occurrence, .. } = i
                    && refs.contains(n)
                {
                    cited.insert((*n, *occurrence));
                }
            }
        });
        Links {
            refs,
            cited,
            written: HashSet::with_capacity_and_hasher(markers, Default::default()),
            prefix: String::new(),
        }
    }

    /// Does reference `n` exist (so a marker can link to `ref-N`)?
    pub(crate) fn has_reference(&self, n: u32) -> bool {
        self.refs.contains(&n)
    }

    /// Should marker `(n, k)` carry the id `cite-N-K`? True once per marker
    /// whose reference exists; false for repeats, which would duplicate it.
    pub(crate) fn claim_marker_id(&mut self, n: u32, k: u32) -> bool {
        self.cited.contains(&(n, k)) && self.written.insert((n, k))
    }

    /// Can back-link `k` of reference `n` point at a marker `cite-N-K`?
    pub(crate) fn has_marker(&self, n: u32, k: u32) -> bool {
        self.cited.contains(&(n, k))
    }

    /// Appends the id of reference `n`'s entry, `ref-N` after the prefix.
    pub(crate) fn push_ref_id(&self, out: &mut String, n: u32) {
        out.push_str(&self.prefix);
        out.push_str("ref-");
        push_decimal(out, n.into());
    }

    /// Appends the id of marker `(n, k)`, `cite-N-K` after the prefix.
    pub(crate) fn push_cite_id(&self, out: &mut String, n: u32, k: u32) {
        out.push_str(&self.prefix);
        out.push_str("cite-");
        push_decimal(out, n.into());
        out.push('-');
        push_decimal(out, k.into());
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

/// The decimal digits of a number, made on the stack: ids, numbers and
/// the content identifier's fields are written without `format!`, which
/// cost more than the rest of writing a marker.
pub(crate) struct Digits {
    buf: [u8; 20],
    from: usize,
}

impl Digits {
    /// The digits of `n`.
    pub(crate) fn of(mut n: u64) -> Digits {
        let mut d = Digits {
            buf: [0; 20],
            from: 20,
        };
        loop {
            d.from -= 1;
            d.buf[d.from] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                return d;
            }
        }
    }

    /// The digits, as bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.from..]
    }
}

/// Appends the decimal digits of `n` to `out`.
pub(crate) fn push_decimal(out: &mut String, n: u64) {
    out.extend(Digits::of(n).as_bytes().iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits_as_format_writes_them() {
        for n in [0, 7, 10, 99, 1_000_003, u64::from(u32::MAX), u64::MAX] {
            let mut s = String::from("cite-");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("cite-{n}"));
        }
    }
}
