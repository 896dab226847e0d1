//! parse + resolve on arbitrary bytes: never a panic, and the document's
//! invariants hold (spans inside the input and on character boundaries,
//! citations within the reference list, occurrences counted from 1).
#![no_main]

use libfuzzer_sys::fuzz_target;
use refolio::ast::{Inline, Span, for_each_inlines};
use refolio::{ParseOptions, parse_article};

/// A span is of the text as read ([`refolio::source::Source::original_text`]:
/// hard-wrapped lines joined or moved in the source are given back).
fn check_span(text: &str, s: Span) {
    let (start, end) = (s.start as usize, s.end as usize);
    assert!(start <= end && end <= text.len(), "span {s:?} outside 0..{}", text.len());
    assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "span {s:?} splits a character");
}

fuzz_target!(|data: &[u8]| {
    for lossy in [false, true] {
        let opts = ParseOptions { lossy, ..ParseOptions::default() };
        let Ok(p) = parse_article("fuzz", data.to_vec(), Default::default(), &opts) else { continue };
        let read = p.source.original_text();
        let text = read.as_ref();
        let numbers: std::collections::HashSet<u32> = p.document.references.iter().map(|r| r.n).collect();
        let mut seen = std::collections::HashMap::<u32, u32>::new();
        for_each_inlines(&p.document, &mut |inl| {
            for i in inl {
                match i {
                    Inline::Text { span, text: t } => {
                        check_span(text, *span);
                        assert!(!t.is_empty());
                    }
                    Inline::Link { span, .. } => check_span(text, *span),
                    Inline::Cite { n, occurrence, span, .. } => {
                        check_span(text, *span);
                        assert!(*n >= 1);
                        if !numbers.is_empty() {
                            assert!(numbers.contains(n), "citation {n} has no reference");
                        }
                        let k = seen.entry(*n).or_insert(0);
                        *k += 1;
                        assert_eq!(*k, *occurrence);
                    }
                }
            }
        });
        for d in &p.diagnostics {
            check_span(text, d.span);
            let _ = d.render_short(&p.source);
        }
    }
});
