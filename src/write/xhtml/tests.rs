//! Unit tests of the parent module.

use super::*;
use crate::ast::*;

fn sp() -> Span {
    Span::default()
}
fn t(s: &str) -> Inline {
    Inline::text(s)
}

fn xhtml(d: &Document, epub: bool) -> String {
    let mut buf = Vec::new();
    let opts = XhtmlOptions {
        stylesheet: Some("style.css".into()),
        epub,
        backlinks: BacklinkPlacement::After,
        ..Default::default()
    };
    write_xhtml(d, &opts, &mut buf).expect("write_xhtml");
    String::from_utf8(buf).expect("UTF-8")
}

#[test]
fn prolog_root_and_head() {
    let mut d = Document::new("A <b> & c");
    d.meta.lang = "cs".into();
    let x = xhtml(&d, true);
    assert!(x.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" \
             xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"cs\" xml:lang=\"cs\">\n  <head>\n    <meta charset=\"utf-8\"/>\n    \
             <title>A &lt;b&gt; &amp; c</title>\n    <link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/>\n  </head>"
        ), "{x}");
    assert!(
        x.contains("<h1 id=\"title\">A &lt;b&gt; &amp; c</h1>"),
        "{x}"
    );
    let plain = xhtml(&d, false);
    assert!(
        !plain.contains("epub:") && !plain.contains("xmlns:epub"),
        "{plain}"
    );
    d.meta.lang = String::new();
    assert!(xhtml(&d, true).contains("lang=\"und\" xml:lang=\"und\""));
}

#[test]
fn markers_link_both_ways() {
    let mut d = Document::new("T");
    d.references = vec![
        Reference::new(1, "One", vec![], 2),
        Reference::new(2, "Two", vec![], 1),
    ];
    d.blocks = vec![Block::paragraph(vec![
        t("a"),
        Inline::cite(1, 1),
        t(" b"),
        Inline::cite(2, 1),
        Inline::cite(1, 2),
        t("."),
    ])];
    let x = xhtml(&d, true);
    assert!(x.contains(
            "<p>a<sup><a epub:type=\"noteref\" role=\"doc-noteref\" id=\"cite-1-1\" href=\"#ref-1\">1</a></sup> b\
             <sup><a epub:type=\"noteref\" role=\"doc-noteref\" id=\"cite-2-1\" href=\"#ref-2\">2</a></sup>\
             <sup><a epub:type=\"noteref\" role=\"doc-noteref\" id=\"cite-1-2\" href=\"#ref-1\">1</a></sup>.</p>"
        ), "{x}");
    assert!(x.contains(
            "<section id=\"references\" epub:type=\"endnotes\" role=\"doc-endnotes\" aria-labelledby=\"references-title\">\n        \
             <h2 id=\"references-title\">References</h2>\n        <ol>"
        ), "{x}");
    assert!(x.contains(
            "<li><div id=\"ref-1\" epub:type=\"footnote\" role=\"doc-footnote\">One <span class=\"backlinks\">\
             <span aria-hidden=\"true\">↩\u{FE0E}</span>\u{A0}\
             <a href=\"#cite-1-1\" epub:type=\"backlink\" role=\"doc-backlink\" aria-label=\"Back to citation a\">a</a> \
             <a href=\"#cite-1-2\" epub:type=\"backlink\" role=\"doc-backlink\" aria-label=\"Back to citation b\">b</a>\
             </span></div></li>"
        ), "{x}");
    assert!(x.contains(
            "<li><div id=\"ref-2\" epub:type=\"footnote\" role=\"doc-footnote\">Two <span class=\"backlinks\">\
             <a href=\"#cite-2-1\" epub:type=\"backlink\" role=\"doc-backlink\" \
             aria-label=\"Back to the citation\">↩\u{FE0E}</a></span></div></li>"
        ), "{x}");
    assert!(!x.contains("doc-endnote\"") && !x.contains("doc-biblioentry"));
}

#[test]
fn backlinks_first_stand_at_the_start_of_the_note() {
    let mut d = Document::new("T");
    d.references = vec![
        Reference::new(1, "One", vec![], 1),
        Reference::new(2, "Two", vec![], 0),
    ];
    d.blocks = vec![Block::paragraph(vec![t("a"), Inline::cite(1, 1)])];
    let write = |backlinks| {
        let mut buf = Vec::new();
        let opts = XhtmlOptions {
            stylesheet: None,
            epub: true,
            backlinks,
            ..Default::default()
        };
        write_xhtml(&d, &opts, &mut buf).expect("write_xhtml");
        String::from_utf8(buf).expect("UTF-8")
    };
    let first = write(BacklinkPlacement::First);
    assert!(
            first.contains(
                "<div id=\"ref-1\" epub:type=\"footnote\" role=\"doc-footnote\"><span class=\"backlinks\">\
                 <a href=\"#cite-1-1\" epub:type=\"backlink\" role=\"doc-backlink\" \
                 aria-label=\"Back to the citation\">↩\u{FE0E}</a></span> One</div>"
            ),
            "{first}"
        );
    // A note without back-links gets no separator.
    assert!(
        first.contains("<div id=\"ref-2\" epub:type=\"footnote\" role=\"doc-footnote\">Two</div>"),
        "{first}"
    );
    let after = write(BacklinkPlacement::After);
    assert!(
        after.contains("role=\"doc-footnote\">One <span class=\"backlinks\">"),
        "{after}"
    );
    // Only the note changes.
    assert_eq!(
        first.replace("<span class=\"backlinks\">", "").len(),
        after.replace("<span class=\"backlinks\">", "").len()
    );
}

#[test]
fn honest_links_and_unique_ids() {
    let mut d = Document::new("T");
    // Reference 1 has three back-links but only occurrence 1 and 3 are cited;
    // marker 9 has no reference; occurrence 1 appears twice.
    d.references = vec![
        Reference::new(1, "One", vec![], 3),
        Reference::new(1, "dup", vec![], 0),
    ];
    d.blocks = vec![Block::paragraph(vec![
        Inline::cite(1, 1),
        Inline::cite(1, 3),
        Inline::cite(9, 1),
        Inline::cite(1, 1),
    ])];
    let x = xhtml(&d, false);
    assert_eq!(x.matches("id=\"cite-1-1\"").count(), 1, "{x}");
    assert_eq!(x.matches("id=\"ref-1\"").count(), 1, "{x}");
    assert!(
        x.contains("<sup><span class=\"unresolved\">9</span></sup>"),
        "{x}"
    );
    assert!(
        x.contains("<span class=\"backlink-missing\">b</span>"),
        "{x}"
    );
    assert!(
        x.contains("<li value=\"1\"><div role=\"doc-footnote\">dup</div></li>"),
        "{x}"
    );
}

#[test]
fn fields_are_wrapped_and_raw_survives() {
    let mut d = Document::new("T");
    let raw = "A title; with semicolon; Some Site; 7 Mar 2018";
    let f = |kind, start, end, iso: Option<&str>| RefField::new(kind, start, end, iso);
    d.references = vec![
        Reference::new(
            1,
            raw,
            vec![
                f(RefFieldKind::Title, 0, 23, None),
                f(RefFieldKind::Publisher, 25, 34, None),
                f(RefFieldKind::Date, 36, raw.len(), Some("2018-03-07")),
            ],
            0,
        ),
        Reference::new(
            2,
            "Winter 1993/1994",
            vec![f(RefFieldKind::Date, 0, 16, Some("1993/1994"))],
            0,
        ),
    ];
    let x = xhtml(&d, false);
    assert!(x.contains(
            "<li><div id=\"ref-1\" role=\"doc-footnote\"><cite>A title; with semicolon</cite>; \
             <span class=\"publisher\">Some Site</span>; <time datetime=\"2018-03-07\">7 Mar 2018</time></div></li>"
        ), "{x}");
    assert!(
            x.contains(
                "<li><div id=\"ref-2\" role=\"doc-footnote\"><span class=\"date\">Winter 1993/1994</span></div></li>"
            ),
            "{x}"
        );
}

#[test]
fn blocks_sections_figures() {
    let mut d = Document::new("T");
    d.subtitle = Some(Title {
        text: "Sub".into(),
        span: sp(),
    });
    d.meta.author = Some("A & B".into());
    d.meta.date = Some("2020-01-02".into());
    d.meta.source_url = Some("https://ex.org/a b".into());
    d.meta.license = Some("CC BY 4.0".into());
    d.lead_figure = Some(Figure {
        alt: vec![t("A photo of \"x\"")],
        caption: Some(vec![t("Cap")]),
        span: sp(),
    });
    d.references = vec![Reference::new(1, "R", vec![], 1)];
    d.blocks = vec![
        Block::Figure(Box::new(Figure {
            alt: vec![t("A map"), Inline::cite(1, 1)],
            caption: None,
            span: sp(),
        })),
        Block::Figure(Box::new(Figure {
            alt: vec![t("Same text")],
            caption: Some(vec![t("Same text ")]),
            span: sp(),
        })),
        Block::Quote(Quote {
            inlines: vec![t("q")],
            span: sp(),
        }),
        Block::Rule(Rule { span: sp() }),
        Block::List(Box::new(List {
            ordered: true,
            start: 3,
            items: vec![ListItem {
                inlines: vec![t("three")],
                children: vec![List {
                    ordered: false,
                    start: 1,
                    items: vec![ListItem {
                        inlines: vec![t("in")],
                        children: vec![],
                        span: sp(),
                    }],
                    span: sp(),
                }],
                span: sp(),
            }],
            span: sp(),
        })),
        Block::List(Box::new(List {
            ordered: false,
            start: 1,
            items: vec![],
            span: sp(),
        })),
    ];
    d.sections = vec![Section {
        heading: Heading {
            inlines: vec![t("H")],
            span: sp(),
        },
        blocks: vec![Block::paragraph(vec![t("p")])],
        span: sp(),
    }];
    let x = xhtml(&d, true);
    assert!(x.contains(
            "<header>\n        <h1 id=\"title\">T</h1>\n        <p class=\"subtitle\" role=\"doc-subtitle\">Sub</p>\n        \
             <p class=\"byline\"><span class=\"author\">A &amp; B</span> · <time datetime=\"2020-01-02\">2020-01-02</time></p>\n      </header>"
        ), "{x}");
    assert!(x.contains(
            "<figure>\n        <div class=\"figure-image\" role=\"img\" aria-label=\"A photo of &quot;x&quot;\">A photo of \"x\"</div>\n        \
             <figcaption>Cap</figcaption>\n      </figure>"
        ), "{x}");
    assert!(
        x.contains("<div class=\"figure-image\">A map<sup><a epub:type=\"noteref\""),
        "{x}"
    );
    assert!(
        x.contains("<figure>\n        <figcaption>Same text </figcaption>\n      </figure>"),
        "{x}"
    );
    assert!(
        x.contains("<blockquote>\n        <p>q</p>\n      </blockquote>\n      <hr/>"),
        "{x}"
    );
    assert!(
        x.contains("<ol start=\"3\">\n        <li>three<ul><li>in</li></ul></li>\n      </ol>"),
        "{x}"
    );
    assert_eq!(x.matches("<ul").count(), 1, "empty list left out: {x}");
    assert!(
        x.contains(
            "<section id=\"sec-1\">\n        <h2>H</h2>\n        <p>p</p>\n      </section>"
        ),
        "{x}"
    );
    assert!(x.contains(
            "<footer class=\"source\">\n        <p><a href=\"https://ex.org/a%20b\">https://ex.org/a b</a></p>\n        \
             <p class=\"licence\">CC BY 4.0</p>\n      </footer>"
        ), "{x}");
}

#[test]
fn consecutive_markers_share_one_superscript() {
    let mut d = Document::new("T");
    d.references = (1..=3).map(|n| Reference::new(n, "R", vec![], 1)).collect();
    d.blocks = vec![Block::paragraph(vec![
        t("hand"),
        Inline::cite(1, 1),
        t(","),
        Inline::cite(2, 1),
        t(". record"),
        Inline::cite(3, 1),
        t(" 7 and"),
    ])];
    let x = xhtml(&d, false);
    assert!(
        x.contains(
            "<p>hand<sup><a role=\"doc-noteref\" id=\"cite-1-1\" href=\"#ref-1\">1</a>,\
             <a role=\"doc-noteref\" id=\"cite-2-1\" href=\"#ref-2\">2</a></sup>. record\
             <sup><a role=\"doc-noteref\" id=\"cite-3-1\" href=\"#ref-3\">3</a></sup> 7 and</p>"
        ),
        "{x}"
    );
    assert!(is_marker_separator(", ") && is_marker_separator(" ") && !is_marker_separator(" 7"));
    assert!(!is_marker_separator("") && !is_marker_separator("    "));
}

#[test]
fn numbers_and_marker_groups_never_break() {
    assert_eq!(unbroken_numbers("250 000 crates"), "250\u{A0}000 crates");
    assert_eq!(unbroken_numbers("1 220 000."), "1\u{A0}220\u{A0}000.");
    assert_eq!(unbroken_numbers("(2 200)"), "(2\u{A0}200)");
    // Not digit groups: a year before a number, a date, a 4-digit run.
    for keep in ["1990 200", "15 July", "3 1000", "1 22", "a 000", "12  345"] {
        assert_eq!(unbroken_numbers(keep), keep);
        assert!(matches!(unbroken_numbers(keep), Cow::Borrowed(_)));
    }
    let mut d = Document::new("T");
    d.references = vec![
        Reference::new(1, "Counted 1 220 boats", vec![], 1),
        Reference::new(2, "R", vec![], 1),
        Reference::new(3, "R", vec![], 1),
    ];
    d.blocks = vec![Block::paragraph(vec![
        t("moved 250 000"),
        Inline::cite(1, 1),
        t(" crates"),
        Inline::cite(2, 1),
        t(" "),
        Inline::cite(3, 1),
        t(" in 1990 200 days."),
    ])];
    let x = xhtml(&d, true);
    assert!(
            x.contains(
                "<p>moved 250\u{A0}000<sup><a epub:type=\"noteref\" role=\"doc-noteref\" id=\"cite-1-1\" \
                 href=\"#ref-1\">1</a></sup> crates<sup><a epub:type=\"noteref\" role=\"doc-noteref\" \
                 id=\"cite-2-1\" href=\"#ref-2\">2</a>\u{A0}<a epub:type=\"noteref\" role=\"doc-noteref\" \
                 id=\"cite-3-1\" href=\"#ref-3\">3</a></sup> in 1990 200 days.</p>"
            ),
            "{x}"
        );
    assert!(x.contains(">Counted 1\u{A0}220 boats <span"), "{x}");
}

#[test]
fn notes_kobo_would_not_pop_up_are_reported() {
    let mut d = Document::new("T");
    let long = "x".repeat(5000);
    d.references = vec![
        Reference::new(1, "Ibid.", vec![], 1),
        Reference::new(2, "One", vec![], 2),
        Reference::new(3, &long, vec![], 0),
        Reference::new(4, "Ibid.", vec![], 0),
        Reference::new(4, "Ibid.", vec![], 0),
    ];
    d.references[0].span = Span::new(10, 15);
    let warnings = |d: &Document, backlinks| {
        let opts = XhtmlOptions {
            stylesheet: None,
            epub: true,
            backlinks,
            ..Default::default()
        };
        write_xhtml(d, &opts, &mut Vec::new()).expect("write_xhtml")
    };
    // "Ibid. ↩︎" is 8 characters, "One ↩︎ a b" 10, the long one 5,000;
    // "Ibid." (5) twice, but only the first is a link target.
    for placement in [BacklinkPlacement::After, BacklinkPlacement::First] {
        let w = warnings(&d, placement);
        let got: Vec<(&str, Span)> = w.iter().map(|d| (d.message.as_str(), d.span)).collect();
        assert_eq!(
            got,
            [
                (
                    "the EPUB note of reference 1 has 8 characters; Kobo's readers pop up only \
                         notes of 9 to 5000 characters and follow the link to the others",
                    Span::new(10, 15)
                ),
                (
                    "the EPUB note of reference 4 has 5 characters; Kobo's readers pop up only \
                         notes of 9 to 5000 characters and follow the link to the others",
                    Span::default()
                ),
            ]
        );
        assert!(w.iter().all(|d| d.severity == Severity::Warning));
    }
    d.references[2] = Reference::new(3, format!("{long}x"), vec![], 0);
    assert!(
        warnings(&d, BacklinkPlacement::After)
            .iter()
            .any(|w| w.message.contains("reference 3 has 5001 characters")),
    );
}

#[test]
fn letters() {
    let v: Vec<String> = [1, 2, 26, 27, 28, 52, 53, 702, 703]
        .iter()
        .map(|&k| backlink_letter(k))
        .collect();
    assert_eq!(v, ["a", "b", "z", "aa", "ab", "az", "ba", "zz", "aaa"]);
    // The largest index still fits the letter buffer (14 letters).
    assert_eq!(backlink_letter(usize::MAX).len(), 14);
}

#[test]
fn invalid_metadata_is_rejected() {
    let mut d = Document::new("T");
    d.meta.author = Some("x\u{0}".into());
    let e = write_xhtml(&d, &XhtmlOptions::default(), &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("`author`"), "{e}");
}

#[test]
fn deterministic() {
    let mut d = Document::new("T");
    d.references = (1..=30)
        .map(|n| Reference::new(n, "R", vec![], 2))
        .collect();
    d.blocks = vec![Block::paragraph(
        (1..=30)
            .flat_map(|n| [t("w"), Inline::cite(n, 1), Inline::cite(n, 2)])
            .collect(),
    )];
    assert_eq!(xhtml(&d, true), xhtml(&d, true));
}
