//! Unit tests of the parent module.

use super::*;
use crate::ast::*;
use quick_xml::Reader;
use quick_xml::events::Event;

fn sp() -> Span {
    Span::default()
}
fn t(s: &str) -> Inline {
    Inline::text(s)
}

fn tei(d: &Document) -> String {
    let mut buf = Vec::new();
    write_tei(d, TeiSettings::default(), &mut buf).expect("write_tei");
    String::from_utf8(buf).expect("UTF-8")
}
/// The part of `xml` from the first `<body>` to `</body>`.
fn section<'a>(xml: &'a str, open: &str, close: &str) -> &'a str {
    let s = xml
        .find(open)
        .unwrap_or_else(|| panic!("no {open} in\n{xml}"));
    let e = xml[s..]
        .find(close)
        .unwrap_or_else(|| panic!("no {close} in\n{xml}"))
        + s
        + close.len();
    &xml[s..e]
}
/// String values (unescaped text, descendants included) of every element named `name`.
fn string_values(xml: &str, name: &str) -> Vec<String> {
    let mut r = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut depth = 0usize; // > 0 inside a matching element
    let mut cur = String::new();
    loop {
        match r.read_event().expect("well-formed") {
            Event::Start(e) if e.name().as_ref() == name => {
                depth += 1;
            }
            Event::Start(_) if depth > 0 => depth += 1,
            Event::End(_) if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(std::mem::take(&mut cur));
                }
            }
            Event::Empty(e) if depth == 0 && e.name().as_ref() == name => out.push(String::new()),
            Event::Text(e) if depth > 0 => cur.push_str(&e.xml10_content()),
            Event::GeneralRef(e) if depth > 0 => {
                let ch = e.resolve_char_ref().expect("char ref");
                match ch {
                    Some(c) => cur.push(c),
                    None => cur.push_str(match e.as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unknown entity {other:?}"),
                    }),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn title_only_document_exact_output() {
    let doc = Document::new("A & B");
    let xml = tei(&doc);
    let version = application_version();
    let id = crate::write::identifier::content_identifier(&[&doc]);
    let expected = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<?{XML_MODEL}?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader>
    <fileDesc>
      <titleStmt>
        <title type="main">A &amp; B</title>
        <respStmt>
          <resp>conversion of the flattened text to TEI</resp>
          <name>refolio</name>
        </respStmt>
      </titleStmt>
      <publicationStmt>
        <p>Converted by refolio from a flattened web article; not published by refolio. Identifier: <idno type="UUID">{id}</idno></p>
      </publicationStmt>
      <sourceDesc>
        <bibl><title level="a">A &amp; B</title></bibl>
      </sourceDesc>
    </fileDesc>
    <encodingDesc>
      <editorialDecl>
        <p>Converted by refolio {version} from an article flattened to plain text: citation numbers that the flattening had glued to the text were recovered and written as ref elements pointing into the reference list, whose back-links are kept as they stood.</p>
      </editorialDecl>
    </encodingDesc>
    <profileDesc>
      <langUsage>
        <language ident="en"/>
      </langUsage>
    </profileDesc>
    <revisionDesc>
      <change>Converted from the flattened text by refolio {version}.</change>
    </revisionDesc>
  </teiHeader>
  <text>
    <front>
      <docTitle>
        <titlePart type="main">A &amp; B</titlePart>
      </docTitle>
    </front>
    <body>
      <p/>
    </body>
  </text>
</TEI>
"#
    );
    assert_eq!(xml, expected);
}

#[test]
fn paragraph_with_markers_links_and_escaping() {
    let mut d = Document::new("T");
    d.references = vec![Reference::new(1, "Src", vec![], 2)];
    d.blocks = vec![Block::paragraph(vec![
        t("a < b && c ]]> “q” 'x'"),
        Inline::cite(1, 1),
        t(" see "),
        Inline::Link {
            url: "https://ex.org/?a=1&b=2".into(),
            span: sp(),
        },
        t(" again"),
        Inline::cite(1, 2),
        t("."),
    ])];
    let xml = tei(&d);
    assert!(xml.contains(
            "<p>a &lt; b &amp;&amp; c ]]&gt; “q” 'x'<ref type=\"biblio\" target=\"#ref-1\" xml:id=\"cite-1-1\">1</ref> see \
             <ref target=\"https://ex.org/?a=1&amp;b=2\">https://ex.org/?a=1&amp;b=2</ref> again\
             <ref type=\"biblio\" target=\"#ref-1\" xml:id=\"cite-1-2\">1</ref>.</p>"
        ), "{xml}");
    assert!(
        !xml.contains("<q>"),
        "quotation marks in a paragraph stay characters"
    );
    assert_eq!(
        string_values(&xml, "p")[2],
        "a < b && c ]]> “q” 'x'1 see https://ex.org/?a=1&b=2 again1."
    );
}

#[test]
fn blocks_before_headings_then_sections() {
    let mut d = Document::new("T");
    d.blocks = vec![Block::paragraph(vec![t("intro")])];
    d.sections = vec![
        Section {
            heading: Heading {
                inlines: vec![t("First")],
                span: sp(),
            },
            blocks: vec![
                Block::paragraph(vec![t("one")]),
                Block::Rule(Rule { span: sp() }),
            ],
            span: sp(),
        },
        Section {
            heading: Heading {
                inlines: vec![t("Empty")],
                span: sp(),
            },
            blocks: vec![],
            span: sp(),
        },
    ];
    let body = section(&tei(&d), "<body>", "</body>").to_string();
    assert_eq!(
        body,
        "<body>\n      <p>intro</p>\n      <div type=\"section\">\n        <head>First</head>\n        <p>one</p>\n        \
             <milestone unit=\"section\"/>\n      </div>\n      <div type=\"section\">\n        <head>Empty</head>\n      </div>\n    </body>"
    );
}

#[test]
fn lists_bulleted_numbered_and_nested() {
    let mut d = Document::new("T");
    let nested = List {
        ordered: false,
        start: 1,
        items: vec![ListItem {
            inlines: vec![t("inner")],
            children: vec![],
            span: sp(),
        }],
        span: sp(),
    };
    d.blocks = vec![
        Block::List(Box::new(List {
            ordered: false,
            start: 1,
            items: vec![
                ListItem {
                    inlines: vec![t("a")],
                    children: vec![nested],
                    span: sp(),
                },
                ListItem {
                    inlines: vec![t("b")],
                    children: vec![],
                    span: sp(),
                },
            ],
            span: sp(),
        })),
        Block::List(Box::new(List {
            ordered: true,
            start: 3,
            items: vec![
                ListItem {
                    inlines: vec![t("three")],
                    children: vec![],
                    span: sp(),
                },
                ListItem {
                    inlines: vec![t("four")],
                    children: vec![],
                    span: sp(),
                },
            ],
            span: sp(),
        })),
        Block::List(Box::new(List {
            ordered: true,
            start: 1,
            items: vec![],
            span: sp(),
        })),
    ];
    let xml = tei(&d);
    let body = section(&xml, "<body>", "</body>");
    assert!(body.contains(
            "<list type=\"bulleted\">\n        <item>a<list type=\"bulleted\"><item>inner</item></list></item>\n        <item>b</item>\n      </list>"
        ), "{body}");
    assert!(body.contains(
            "<list type=\"ordered\">\n        <item n=\"3\">three</item>\n        <item n=\"4\">four</item>\n      </list>"
        ), "{body}");
    assert_eq!(
        body.matches("<list").count(),
        3,
        "the empty list is left out: {body}"
    );
}

#[test]
fn figures_quotes_and_lead_figure() {
    let mut d = Document::new("T");
    d.lead_figure = Some(Figure {
        alt: vec![t("A photo of a lead")],
        caption: Some(vec![t("Lead caption")]),
        span: sp(),
    });
    d.blocks = vec![
        Block::Figure(Box::new(Figure {
            alt: vec![t("A map of <here>")],
            caption: None,
            span: sp(),
        })),
        Block::Figure(Box::new(Figure {
            alt: vec![],
            caption: Some(vec![t("Caption only")]),
            span: sp(),
        })),
        Block::Quote(Quote {
            inlines: vec![t("Quoted & said")],
            span: sp(),
        }),
    ];
    let xml = tei(&d);
    let front = section(&xml, "<front>", "</front>");
    assert!(front.contains(
            "<figure>\n        <figDesc>A photo of a lead</figDesc>\n        <head>Lead caption</head>\n      </figure>"
        ), "{front}");
    let body = section(&xml, "<body>", "</body>");
    assert!(
        body.contains(
            "<figure>\n        <figDesc>A map of &lt;here&gt;</figDesc>\n      </figure>"
        ),
        "{body}"
    );
    assert!(
        body.contains("<figure>\n        <head>Caption only</head>\n      </figure>"),
        "{body}"
    );
    assert!(body.contains("<q>Quoted &amp; said</q>"), "{body}");
    assert!(!body.contains("<p/>"), "a quote is paragraph-level: {body}");
}

#[test]
fn body_of_figures_and_rules_only_gets_an_empty_p() {
    let mut d = Document::new("T");
    d.blocks = vec![
        Block::Figure(Box::new(Figure {
            alt: vec![t("A photo of x")],
            caption: None,
            span: sp(),
        })),
        Block::Rule(Rule { span: sp() }),
    ];
    let body = section(&tei(&d), "<body>", "</body>").to_string();
    assert!(
        body.ends_with("<milestone unit=\"section\"/>\n      <p/>\n    </body>"),
        "{body}"
    );
}

#[test]
fn references_fields_backlinks_and_honest_links() {
    let mut d = Document::new("T");
    let raw = "A title; with semicolon; Some Site; 7 Mar 2018";
    d.references = vec![
        Reference::new(
            1,
            raw,
            vec![
                RefField::new(RefFieldKind::Title, 0, 23, None),
                RefField::new(RefFieldKind::Publisher, 25, 34, None),
                RefField::new(RefFieldKind::Date, 36, raw.len(), Some("2018-03-07")),
            ],
            3,
        ),
        Reference::new(
            2,
            "Winter 1993/1994 & <more>",
            vec![RefField::new(RefFieldKind::Date, 0, 16, Some("1993/1994"))],
            1,
        ),
    ];
    // Reference 1 has three back-links but only markers 1 and 3 occur;
    // marker 9 has no reference.
    d.blocks = vec![Block::paragraph(vec![
        t("x"),
        Inline::cite(1, 1),
        t(" y"),
        Inline::cite(2, 1),
        Inline::cite(1, 3),
        t(" z"),
        Inline::cite(9, 1),
    ])];
    d.references_heading = Some(Heading {
        inlines: vec![t("Notes")],
        span: sp(),
    });
    let xml = tei(&d);
    let back = section(&xml, "<back>", "</back>");
    assert!(
        back.contains("<div type=\"bibliogr\">\n        <head>Notes</head>\n        <listBibl>"),
        "{back}"
    );
    assert!(back.contains(
            "<bibl xml:id=\"ref-1\" n=\"1\"><title>A title; with semicolon</title>; <publisher>Some Site</publisher>; \
             <date when=\"2018-03-07\">7 Mar 2018</date><ref type=\"backlink\" target=\"#cite-1-1\">[]</ref>\
             <ref type=\"backlink\">[]</ref><ref type=\"backlink\" target=\"#cite-1-3\">[]</ref></bibl>"
        ), "{back}");
    assert!(
        back.contains(
            "<bibl xml:id=\"ref-2\" n=\"2\"><date>Winter 1993/1994</date> &amp; &lt;more&gt;\
             <ref type=\"backlink\" target=\"#cite-2-1\">[]</ref></bibl>"
        ),
        "{back}"
    );
    assert!(xml.contains(" z<ref type=\"biblio\">9</ref></p>"), "{xml}");
    // Every character of raw survives, followed by one [] per back-link.
    let bibls = string_values(&xml, "bibl");
    assert_eq!(bibls[1], format!("{raw}[][][]"));
    assert_eq!(bibls[2], "Winter 1993/1994 & <more>[]");
}

#[test]
fn a_heading_marked_supplied_and_no_back_without_references() {
    let mut d = Document::new("T");
    assert!(!tei(&d).contains("<back>"));
    d.references = vec![Reference::new(1, "R", vec![], 0)];
    let xml = tei(&d);
    // Without the source's heading, one marked as refolio's own.
    assert!(
        xml.contains("<div type=\"bibliogr\">\n        <head type=\"supplied\">References</head>"),
        "{xml}"
    );
    // Without markers, a reference's marker ends point nowhere: no @target.
    assert!(
        xml.contains("<bibl xml:id=\"ref-1\" n=\"1\">R</bibl>"),
        "{xml}"
    );
}

#[test]
fn markers_without_any_reference_list_have_no_target() {
    let mut d = Document::new("T");
    d.blocks = vec![Block::paragraph(vec![t("a"), Inline::cite(4, 1)])];
    let xml = tei(&d);
    assert!(
        xml.contains("<p>a<ref type=\"biblio\">4</ref></p>"),
        "{xml}"
    );
    assert!(!xml.contains("xml:id=\"cite"));
}

#[test]
fn broken_fields_never_lose_raw_text() {
    let mut d = Document::new("T");
    let raw = "Čapek; Kniha; 1990";
    d.references = vec![Reference::new(
        1,
        raw,
        vec![
            RefField::new(RefFieldKind::Author, 0, 6, None), // "Čapek" (Č is 2 bytes)
            RefField::new(RefFieldKind::Title, 3, 9, None),  // overlaps: skipped
            RefField::new(RefFieldKind::Title, 1, 1, None),  // empty / backwards: skipped
            RefField::new(RefFieldKind::Date, 15, 99, None), // out of range: skipped
            RefField::new(RefFieldKind::Publisher, 9, 8, None), // reversed: skipped
            RefField::new(RefFieldKind::Date, 15, 19, Some("1990")),
        ],
        0,
    )];
    let xml = tei(&d);
    assert!(xml.contains("<bibl xml:id=\"ref-1\" n=\"1\"><author>Čapek</author>; Kniha; <date when=\"1990\">1990</date></bibl>"), "{xml}");
    assert_eq!(string_values(&xml, "bibl")[1], raw);
    // A field ending inside a multi-byte character is skipped too.
    d.references[0].fields = vec![RefField::new(RefFieldKind::Author, 0, 1, None)].into();
    assert_eq!(string_values(&tei(&d), "bibl")[1], raw);
}

#[test]
fn ids_are_unique() {
    let mut d = Document::new("T");
    d.references = vec![
        Reference::new(1, "A", vec![], 1),
        Reference::new(1, "dup", vec![], 0),
    ];
    d.blocks = vec![Block::paragraph(vec![
        Inline::cite(1, 1),
        Inline::cite(1, 1),
    ])];
    let xml = tei(&d);
    assert_eq!(xml.matches("xml:id=\"cite-1-1\"").count(), 1, "{xml}");
    assert_eq!(xml.matches("xml:id=\"ref-1\"").count(), 1, "{xml}");
    assert!(xml.contains("<bibl n=\"1\">dup</bibl>"), "{xml}");
}

#[test]
fn metadata_in_header_escaped() {
    let mut d = Document::new("Deployment or occupation?");
    d.subtitle = Some(Title {
        text: "A <sub> & title".into(),
        span: sp(),
    });
    d.meta = Meta {
        lang: "cs".into(),
        author: Some("Jan ]]> Novák & <co>".into()),
        source_url: Some("https://ex.org/a b?x=1&y=\"2\"".into()),
        date: Some("2018-03-07".into()),
        license: Some("CC BY 4.0 <https://creativecommons.org/licenses/by/4.0/>".into()),
        ..Meta::default()
    };
    let xml = tei(&d);
    assert!(xml.contains("<TEI xmlns=\"http://www.tei-c.org/ns/1.0\" xml:lang=\"cs\">"));
    let title_stmt = section(&xml, "<titleStmt>", "</titleStmt>");
    assert!(title_stmt.contains("<title type=\"main\">Deployment or occupation?</title>"));
    assert!(title_stmt.contains("<title type=\"sub\">A &lt;sub&gt; &amp; title</title>"));
    assert!(
        title_stmt.contains("<author>Jan ]]&gt; Novák &amp; &lt;co&gt;</author>"),
        "{title_stmt}"
    );
    let pub_stmt = section(&xml, "<publicationStmt>", "</publicationStmt>");
    assert!(pub_stmt.contains(
            "<p>Licence of the source: CC BY 4.0 &lt;https://creativecommons.org/licenses/by/4.0/&gt;</p>"
        ), "{pub_stmt}");
    let src = section(&xml, "<sourceDesc>", "</sourceDesc>");
    assert!(src.contains(
            "<bibl><title level=\"a\">Deployment or occupation?</title> <title level=\"a\" type=\"sub\">A &lt;sub&gt; &amp; title</title>. \
             <author>Jan ]]&gt; Novák &amp; &lt;co&gt;</author>. <date when=\"2018-03-07\">2018-03-07</date>. \
             <ref target=\"https://ex.org/a%20b?x=1&amp;y=%222%22\">https://ex.org/a b?x=1&amp;y=\"2\"</ref>\
             <availability><licence>CC BY 4.0 &lt;https://creativecommons.org/licenses/by/4.0/&gt;</licence></availability></bibl>"
        ), "{src}");
    assert!(xml.contains("<language ident=\"cs\"/>"));
    let front = section(&xml, "<docTitle>", "</docTitle>");
    assert!(
        front.contains("<titlePart type=\"sub\">A &lt;sub&gt; &amp; title</titlePart>"),
        "{front}"
    );
}

#[test]
fn non_iso_date_has_no_when_and_url_licence_is_a_target() {
    let mut d = Document::new("T");
    d.meta.date = Some("Winter 1993".into());
    d.meta.license = Some("https://creativecommons.org/licenses/by/4.0/".into());
    let xml = tei(&d);
    assert!(xml.contains("<date>Winter 1993</date>"), "{xml}");
    assert!(xml.contains(
            "<licence target=\"https://creativecommons.org/licenses/by/4.0/\">https://creativecommons.org/licenses/by/4.0/</licence>"
        ), "{xml}");
}

#[test]
fn invalid_metadata_is_rejected_naming_the_field() {
    let mut d = Document::new("T");
    d.meta.author = Some("bell\u{7}".into());
    let mut buf = Vec::new();
    let e = write_tei(&d, TeiSettings::default(), &mut buf).unwrap_err();
    assert!(
        matches!(&e, WriteError::Meta(m) if m.field == "author"),
        "{e:?}"
    );
    assert!(e.to_string().contains("`author`"), "{e}");
    assert!(
        buf.is_empty(),
        "nothing is written before metadata is checked"
    );
    d.meta.author = None;
    d.meta.lang = "en GB".into();
    assert!(
        write_tei(&d, TeiSettings::default(), &mut Vec::new())
            .unwrap_err()
            .to_string()
            .contains("`lang`")
    );
}

#[test]
fn invalid_text_is_an_error_with_its_position() {
    let mut d = Document::new("T");
    d.blocks = vec![Block::paragraph(vec![Inline::Text {
        text: "a\u{1}".into(),
        span: Span::new(10, 12),
    }])];
    let e = write_tei(&d, TeiSettings::default(), &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("U+0001") && e.contains("10..12"), "{e}");
}

#[test]
fn empty_lang_is_undetermined() {
    let mut d = Document::new("T");
    d.meta.lang = String::new();
    let xml = tei(&d);
    assert!(
        xml.contains("xml:lang=\"und\"") && xml.contains("<language ident=\"und\"/>"),
        "{xml}"
    );
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
    let a = tei(&d);
    for _ in 0..5 {
        assert_eq!(tei(&d), a);
    }
}

#[test]
fn version_is_a_tei_version() {
    let v = application_version();
    assert!(
        !v.is_empty()
            && v.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
        "{v}"
    );
}

#[test]
fn licence_names_map_to_their_urls() {
    let by = Some("https://creativecommons.org/licenses/by/4.0/".to_string());
    assert_eq!(licence_url("CC BY 4.0"), by);
    assert_eq!(licence_url("cc-by-4.0"), by);
    assert_eq!(licence_url(" CC  BY 4.0 "), by);
    assert_eq!(
        licence_url("CC BY-NC-SA 3.0").as_deref(),
        Some("https://creativecommons.org/licenses/by-nc-sa/3.0/")
    );
    assert_eq!(
        licence_url("CC0 1.0").as_deref(),
        Some("https://creativecommons.org/publicdomain/zero/1.0/")
    );
    assert_eq!(licence_url("CC0"), licence_url("CC0 1.0"));
    for unknown in [
        "All rights reserved",
        "CC BY",
        "CC BY 5.0",
        "CC SA 4.0",
        "GPL-3.0",
        "",
    ] {
        assert_eq!(licence_url(unknown), None, "{unknown}");
    }
}

#[test]
fn header_names_main_title_conversion_and_schema() {
    let mut d = Document::new("Main");
    d.meta.license = Some("CC BY-SA 4.0".into());
    let xml = tei(&d);
    assert!(xml.contains(&format!("<?{XML_MODEL}?>\n<TEI ")), "{xml}");
    assert!(xml.contains(r#"<title type="main">Main</title>"#), "{xml}");
    assert!(xml.contains("<respStmt>\n          <resp>conversion of the flattened text to TEI</resp>\n          <name>refolio</name>\n        </respStmt>"), "{xml}");
    assert!(
        xml.contains(r#"<licence target="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</licence>"#),
        "{xml}"
    );
}

#[test]
fn an_unknown_licence_stays_prose_with_a_warning() {
    let render = |licence: &str| {
        let mut d = Document::new("T");
        d.meta.license = Some(licence.into());
        crate::write::render(&[&d], crate::write::Format::Tei, &Default::default()).unwrap()
    };
    let known = render("CC BY 4.0");
    assert!(known.diagnostics.is_empty(), "{:?}", known.diagnostics);
    let unknown = render("All rights reserved");
    assert_eq!(unknown.diagnostics.len(), 1);
    assert!(
        unknown.diagnostics[0]
            .message
            .contains("\"All rights reserved\"")
    );
    let xml = String::from_utf8(unknown.bytes).unwrap();
    assert!(
        xml.contains("<licence>All rights reserved</licence>"),
        "{xml}"
    );
    assert!(render("https://example.org/terms").diagnostics.is_empty());
}

#[test]
fn publisher_makes_a_structured_publication_statement() {
    let mut d = Document::new("An article");
    d.meta.publisher = Some("Small & Co Archive".into());
    d.meta.license = Some("CC0 1.0".into());
    d.meta.source_title = Some("The Review".into());
    d.meta.accessed = Some("2024-05-01".into());
    d.meta.source_url = Some("https://ex.org/a".into());
    let mut buf = Vec::new();
    write_tei(
        &d,
        TeiSettings {
            timestamp: Some(1_700_000_000),
            ..TeiSettings::default()
        },
        &mut buf,
    )
    .unwrap();
    let xml = String::from_utf8(buf).unwrap();
    let id = crate::write::identifier::content_identifier(&[&d]);
    let pub_stmt = section(&xml, "<publicationStmt>", "</publicationStmt>");
    assert_eq!(
        pub_stmt,
        format!(
            "<publicationStmt>\n        <publisher>Small &amp; Co Archive</publisher>\n        \
             <date when=\"2023-11-14\">2023-11-14</date>\n        <idno type=\"UUID\">{id}</idno>\n        \
             <availability>\n          <licence target=\"https://creativecommons.org/publicdomain/zero/1.0/\">CC0 1.0</licence>\n        \
             </availability>\n      </publicationStmt>"
        )
    );
    let src = section(&xml, "<sourceDesc>", "</sourceDesc>");
    assert!(
        src.contains(
            "<title level=\"a\">An article</title>. <title level=\"m\">The Review</title>. \
             <ref target=\"https://ex.org/a\">https://ex.org/a</ref>. \
             <date type=\"accessed\" when=\"2024-05-01\">accessed 2024-05-01</date>"
        ),
        "{src}"
    );
    assert!(
        xml.contains("<change when=\"2023-11-14\">Converted from the flattened text by refolio"),
        "{xml}"
    );
    // Without the time of the conversion: no date, never the clock's.
    let mut buf = Vec::new();
    write_tei(&d, TeiSettings::default(), &mut buf).unwrap();
    let undated = String::from_utf8(buf).unwrap();
    assert!(!undated.contains("when=\"2023-11-14\""), "{undated}");
    assert!(undated.contains("<change>Converted"), "{undated}");
}

#[test]
fn all_profile_writes_biblstruct_in_grobid_shape() {
    let mut d = Document::new("T");
    let raw = "Lamps of the north; Anna van der Berg; Coast Office; Winter 1993/1994";
    let field = |kind, a: &str, iso: Option<&str>| {
        let start = raw.find(a).unwrap();
        RefField::new(kind, start, start + a.len(), iso)
    };
    d.references = vec![
        Reference::new(
            1,
            raw,
            vec![
                field(RefFieldKind::Title, "Lamps of the north", None),
                field(RefFieldKind::Author, "Anna van der Berg", None),
                field(RefFieldKind::Publisher, "Coast Office", None),
                field(RefFieldKind::Date, "Winter 1993/1994", None),
            ],
            0,
        ),
        Reference::new(2, "A note with no fields at all.", vec![], 0),
    ];
    let mut buf = Vec::new();
    let settings = TeiSettings {
        profile: TeiProfile::All,
        ..TeiSettings::default()
    };
    write_tei(&d, settings, &mut buf).unwrap();
    let xml = String::from_utf8(buf).unwrap();
    let entry = section(&xml, "<biblStruct", "</biblStruct>");
    for want in [
        "<title level=\"a\" type=\"main\">Lamps of the north</title>",
        "<persName><forename type=\"first\">Anna</forename> <surname>van der Berg</surname></persName>",
        "<publisher>Coast Office</publisher>",
        "<date type=\"published\" from=\"1993\" to=\"1994\">Winter 1993/1994</date>",
        &format!("<note type=\"raw_reference\">{raw}</note>"),
    ] {
        assert!(entry.contains(want), "{want}\n{entry}");
    }
    // Citation markers carry TEI Simple's superscript rendition.
    d.sections = vec![];
    d.blocks = vec![Block::paragraph(vec![t("Lamps"), Inline::cite(1, 1)])];
    let mut buf = Vec::new();
    write_tei(&d, settings, &mut buf).unwrap();
    let xml = String::from_utf8(buf).unwrap();
    assert!(
        xml.contains("<ref type=\"biblio\" target=\"#ref-1\" xml:id=\"cite-1-1\" rendition=\"simple:superscript\">1</ref>"),
        "{xml}"
    );
    assert!(
        !tei(&d).contains("rendition"),
        "the portable profile has no @rendition"
    );
    // No recognised field: the plain `bibl`.
    assert!(
        xml.contains("<bibl xml:id=\"ref-2\" n=\"2\">A note with no fields at all.</bibl>"),
        "{xml}"
    );
}

#[test]
fn authors_are_persons_or_organisations() {
    let write = |author: &str| {
        let mut buf = Vec::new();
        let mut w = XmlWriter::new(&mut buf);
        author_element(&mut w, author).unwrap();
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    };
    assert!(write("Margaret Ellery").contains(
        "<persName><forename type=\"first\">Margaret</forename> <surname>Ellery</surname></persName>"
    ));
    assert!(write("Jan Amos Komenský").contains("<forename type=\"middle\">Amos</forename>"));
    for org in [
        "Pennsylvania Canal Society",
        "Canal Office",
        "BBC",
        "The 1922 Committee",
        "Ministry of Defence of the Czech Republic",
    ] {
        assert!(
            write(org).contains(&format!("<orgName>{org}</orgName>")),
            "{org}: {}",
            write(org)
        );
    }
}

#[test]
fn years_of_dates_that_are_not_iso() {
    assert_eq!(years("Spring 1988"), Some(("1988".into(), None)));
    assert_eq!(
        years("Winter 1993/1994"),
        Some(("1993".into(), Some("1994".into())))
    );
    assert_eq!(
        years("1993–1994"),
        Some(("1993".into(), Some("1994".into())))
    );
    assert_eq!(years("no date"), None);
    assert_eq!(years("1994/1993"), None);
    assert_eq!(years("12345"), None);
}

#[test]
fn a_review_summary_is_said_in_the_editorial_declaration() {
    let d = Document::new("T");
    let settings = TeiSettings {
        review: Some(crate::write::ReviewSummary {
            decisions: 12,
            doubtful: 3,
            below: 2.0,
        }),
        ..TeiSettings::default()
    };
    let mut buf = Vec::new();
    write_tei(&d, settings, &mut buf).unwrap();
    let xml = String::from_utf8(buf).unwrap();
    let decl = section(&xml, "<editorialDecl>", "</editorialDecl>");
    assert!(
        decl.contains("Of the 12 readings that had an alternative, 3 had a margin below 2 (log-odds) and were listed for review."),
        "{decl}"
    );
    assert!(
        !tei(&d).contains("Of the "),
        "no summary without review data"
    );
}

#[test]
fn corpus_header_has_the_book_subtitle() {
    let d = crate::parse_article(
        "t",
        b"A title\n\nSome text.\n".to_vec(),
        Meta::default(),
        &Default::default(),
    )
    .unwrap()
    .document;
    let corpus = |subtitle: Option<&str>| {
        let book = crate::write::BookMeta {
            title: "A book".into(),
            subtitle: subtitle.map(str::to_string),
            ..Default::default()
        };
        let mut buf = Vec::new();
        write_tei_corpus(&[&d], &book, TeiSettings::default(), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    };
    let xml = corpus(Some("Studies & essays"));
    let head = section(&xml, "<titleStmt>", "</titleStmt>");
    assert!(
        head.contains("<title type=\"sub\">Studies &amp; essays</title>")
            && head.find("type=\"main\"") < head.find("type=\"sub\""),
        "{head}"
    );
    assert!(!corpus(None).contains("type=\"sub\""));
}
