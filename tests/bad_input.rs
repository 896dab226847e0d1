//! Bad and hostile input at the library level: every case gives a clear
//! diagnostic with a position, never a panic, and nothing XML cannot carry
//! reaches the TEI. (The CLI side — exit codes, no partial files — is in
//! `tests/cli.rs`.)

use refolio::ast::{Inline, for_each_inlines};
use refolio::diag::Severity;
use refolio::error::InputError;
use refolio::write::{Format, write};
use refolio::{ParseOptions, Parsed, parse_article};
use std::path::Path;

fn parse(text: &[u8]) -> Result<Parsed, InputError> {
    parse_article(
        "t.txt",
        text.to_vec(),
        Default::default(),
        &ParseOptions::default(),
    )
}

fn tei(p: &Parsed) -> String {
    let mut out = Vec::new();
    write(&p.document, Format::Tei, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn rendered(p: &Parsed) -> Vec<String> {
    p.diagnostics
        .iter()
        .map(|d| d.render_short(&p.source))
        .collect()
}

fn cites(p: &Parsed) -> Vec<u32> {
    let mut v = Vec::new();
    for_each_inlines(&p.document, &mut |inl| {
        for i in inl {
            if let Inline::Cite { n, .. } = i {
                v.push(*n);
            }
        }
    });
    v
}

#[test]
fn invalid_utf8_names_offset_and_line() {
    let err = parse(b"Title\n\nGood text.\n\nBad \xC3\x28 here.\n").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("byte offset 23") && msg.contains("line 5"),
        "{msg}"
    );
}

#[test]
fn lossy_reads_invalid_utf8_with_a_warning() {
    let opts = ParseOptions {
        lossy: true,
        ..Default::default()
    };
    let p = parse_article(
        "t",
        b"Title\n\nBad \xFF here.\n".to_vec(),
        Default::default(),
        &opts,
    )
    .unwrap();
    assert_eq!(
        rendered(&p),
        vec!["t:3:5: warning: invalid UTF-8 replaced by U+FFFD (--lossy)"]
    );
}

#[test]
fn empty_and_blank_inputs_are_errors() {
    for input in [&b""[..], b"\n\n   \n", b"\xEF\xBB\xBF", b"\r\n\t\r\n"] {
        assert!(
            matches!(parse(input), Err(InputError::Empty { .. })),
            "{input:?}"
        );
    }
}

#[test]
fn title_only_warns_and_still_makes_valid_structure() {
    let p = parse(b"Only a title\n").unwrap();
    assert_eq!(p.document.title.text, "Only a title");
    assert!(rendered(&p)[0].contains("only a title"));
    assert!(tei(&p).contains("<body>"));
}

#[test]
fn markers_without_reference_list_warn() {
    let p = parse(b"Title\n\nThe canal opened1. It closed later2.\n").unwrap();
    assert_eq!(cites(&p), vec![1, 2]);
    let r = rendered(&p);
    assert!(
        r.iter()
            .any(|m| m.starts_with("t.txt:1:1: warning: no reference list found")),
        "{r:?}"
    );
}

#[test]
fn marker_larger_than_the_list_is_text_with_a_warning() {
    let p = parse(b"Title\n\nFirst claim1. A second claim9.\n\n  1. A source; Press; 2020[]\n")
        .unwrap();
    assert_eq!(cites(&p), vec![1]);
    let r = rendered(&p);
    assert!(
        r.iter()
            .any(|m| m.starts_with("t.txt:3:29: warning: `9` looks like a citation marker")),
        "{r:?}"
    );
}

#[test]
fn backlink_mismatch_is_an_error_at_the_reference() {
    let text = b"Title\n\nFirst claim1. Second claim2.\n\n  1. A; B; 2020[][]\n  2. C; D; 2021[]\n";
    let p = parse(text).unwrap();
    assert!(p.has_errors());
    let r = rendered(&p);
    assert!(
        r.iter().any(|m| m
            .starts_with("t.txt:5:16: error: reference 1 has 2 back-links but 1 marker was found")),
        "{r:?}"
    );
    // The output still carries the most plausible reading.
    assert_eq!(cites(&p), vec![1, 2]);
    assert!(tei(&p).contains("xml:id=\"ref-2\""));
}

#[test]
fn control_characters_are_dropped_with_warnings() {
    let p = parse(b"Ti\x01tle\n\nText\x00 with\x1B controls1.\n\n  1. A\x0B; B; 2020[]\n").unwrap();
    let r = rendered(&p);
    assert_eq!(
        r.iter()
            .filter(|m| m.contains("not allowed in XML"))
            .count(),
        4,
        "{r:?}"
    );
    assert!(r[0].starts_with("t.txt:1:3: warning: character U+0001"));
    let xml = tei(&p);
    assert!(
        !xml.chars()
            .any(|c| c < ' ' && c != '\n' && c != '\t' && c != '\r')
    );
    assert!(xml.contains("Title") && xml.contains("Text with controls"));
    assert_eq!(cites(&p), vec![1]);
}

#[test]
fn bom_crlf_and_lone_cr_read_like_lf() {
    let plain = parse(b"Title\n\nA claim1.\n\n  1. A; B; 2020[]\n").unwrap();
    let mixed = parse(b"\xEF\xBB\xBFTitle\r\n\r\nA claim1.\r\r  1. A; B; 2020[]\r\n");
    let mixed = mixed.unwrap();
    assert_eq!(mixed.document.title.text, "Title");
    assert_eq!(cites(&mixed), cites(&plain));
    assert_eq!(mixed.diagnostics.len(), plain.diagnostics.len());
}

#[test]
fn twenty_megabyte_single_line_paragraph() {
    let mut text = String::from("A very long page\n\n");
    let sentence = "The convoy left the depot at dawn and reached the border by noon1. ";
    while text.len() < 20 * 1024 * 1024 {
        text.push_str(sentence);
    }
    text.push_str("\n\n  1. A source; Press; 2020[]\n");
    let p = parse(text.as_bytes()).unwrap();
    // 300,000 plausible markers but one back-link: the hard rule wins, and
    // the first occurrence is the one kept.
    assert_eq!(cites(&p), vec![1]);
    assert!(!p.diagnostics.iter().any(|d| d.severity == Severity::Error));
    let mut xml = Vec::new();
    write(&p.document, Format::Tei, &mut xml).unwrap();
    assert!(xml.len() > 20 * 1024 * 1024);
}

/// Every prefix of every example (cut at each line end and at every 97th
/// character) parses without a panic and yields well-formed TEI.
#[test]
fn no_panic_on_any_prefix_of_the_examples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("input");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cuts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        cuts.extend(text.char_indices().map(|(i, _)| i).step_by(97));
        for cut in cuts {
            match parse(&text.as_bytes()[..cut]) {
                Ok(p) => {
                    let xml = tei(&p);
                    assert!(
                        xml.ends_with("</TEI>\n"),
                        "{}: cut at {cut}",
                        path.display()
                    );
                }
                Err(InputError::Empty { .. }) => {}
                Err(e) => panic!("{}: cut at {cut}: {e}", path.display()),
            }
        }
    }
}

/// Found by fuzzing: a reference list numbered from 0.
#[test]
fn reference_list_starting_at_zero() {
    let p =
        parse(b"T\n\nA claim1.\n\n  0. Zero; Press; 2020[]\n  1. One; Press; 2021[]\n").unwrap();
    assert_eq!(cites(&p), vec![1]);
    assert!(
        rendered(&p)
            .iter()
            .any(|m| m.contains("starts at 0 instead of 1"))
    );
}

/// A reference list that starts at 3: only 3 and 4 can be cited.
#[test]
fn reference_list_starting_late() {
    let p = parse(b"T\n\nFirst claim1. Second claim3. Third claim4.\n\n  3. C; Press; 2020[]\n  4. D; Press; 2021[]\n").unwrap();
    assert_eq!(cites(&p), vec![3, 4]);
    assert!(
        !rendered(&p).iter().any(|m| m.contains("appears before")),
        "{:?}",
        rendered(&p)
    );
}

/// Found by fuzzing (`parse` target): a line that ends in a no-break space,
/// joined to the next line, gave the join space a span that split the
/// no-break space in two.
#[test]
fn spans_stay_on_character_boundaries_after_a_trimmed_no_break_space() {
    // The join space stands alone between two markers: `leaked1 2.`
    let text = "Title\n\nThe gate leaked1\u{a0}\n2. The wall held.\n\n  1. Leaks; Canal Office; 1901[]\n  2. Walls; Canal Office; 1902[]\n";
    let p = parse(text.as_bytes()).unwrap();
    let mut spans = Vec::new();
    for_each_inlines(&p.document, &mut |inl| {
        for i in inl {
            spans.push(match i {
                Inline::Text { span, .. }
                | Inline::Cite { span, .. }
                | Inline::Link { span, .. } => *span,
            });
        }
    });
    assert!(spans.len() >= 3);
    for s in spans {
        assert!(
            text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize),
            "{s:?}"
        );
    }
    assert_eq!(cites(&p), vec![1, 2]);
}

/// Found by fuzzing (`parse` target, a timeout): a reference list numbered
/// from 123456789 made the resolver allocate arrays indexed by reference
/// number — gigabytes, and minutes of page faults. Numbers are now mapped to
/// compact indices.
#[test]
fn huge_reference_numbers_cost_nothing() {
    let p = parse(b"T\n\nA claim123456789. Another claim123456790.\n\n  123456789. A; B; 2020[]\n  123456790. C; D; 2021[]\n").unwrap();
    assert_eq!(cites(&p), vec![123456789, 123456790]);
    assert!(!p.has_errors(), "{:?}", rendered(&p));
    assert!(tei(&p).contains("target=\"#ref-123456790\""));
}

/// Found by fuzzing (`parse` target; the target's own check was wrong):
/// spans are offsets in the text as read (`Source::original_text`), not
/// in the source's text, whose indented or CR LF hard-wrapped lines are
/// moved when they are joined. Every inline's and every diagnostic's span
/// lies on that text's character boundaries; a citation's covers its
/// digit there, and the lossy warning's the U+FFFD.
#[test]
fn spans_are_offsets_in_the_text_as_read_when_lines_were_moved() {
    let check = |p: &Parsed| {
        let read = p.source.original_text();
        let on_boundaries = |s: refolio::ast::Span| {
            let (a, b) = (s.start as usize, s.end as usize);
            a <= b && b <= read.len() && read.is_char_boundary(a) && read.is_char_boundary(b)
        };
        let mut cited = Vec::new();
        for_each_inlines(&p.document, &mut |inl| {
            for i in inl {
                let span = match i {
                    Inline::Text { span, .. } | Inline::Link { span, .. } => *span,
                    Inline::Cite { span, .. } => {
                        cited.push(&read[span.start as usize..span.end as usize]);
                        *span
                    }
                };
                assert!(on_boundaries(span), "{i:?} in {read:?}");
            }
        });
        for d in &p.diagnostics {
            assert!(on_boundaries(d.span), "{:?} in {read:?}", d.span);
        }
        (
            read.to_string(),
            cited.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        )
    };
    let text =
        "Locks\n\nThe keeper wrote:\n\n1. The gate was\n  shut at dusk3\u{201d}\n\nThat was all.\n";
    let p = parse(text.as_bytes()).unwrap();
    assert_ne!(&p.source.text[..], text, "the continuation line is moved");
    let (read, cited) = check(&p);
    assert_eq!(read, text);
    assert_eq!(cited, ["3"]);

    let bytes = b"s\n1\ne\n \xbe";
    let opts = ParseOptions {
        lossy: true,
        ..ParseOptions::default()
    };
    let p = parse_article("t.txt", bytes.to_vec(), Default::default(), &opts).unwrap();
    assert_ne!(
        &p.source.text[..],
        p.source.original_text(),
        "lines are moved"
    );
    let (read, _) = check(&p);
    let lossy = p
        .diagnostics
        .iter()
        .find(|d| d.render_short(&p.source).contains("invalid UTF-8"))
        .expect("the lossy warning");
    assert_eq!(
        &read[lossy.span.start as usize..lossy.span.end as usize],
        "\u{fffd}"
    );
    assert!(lossy.render_short(&p.source).starts_with("t.txt:4:2:"));
}
