//! The TEI writer's output is valid against `tei_all.rng` (jing) for
//! hand-built documents that exercise every element mapping and the edge
//! cases of the shape: a title-only body, a body of figures and rules only,
//! empty sections, markers without references, back-links without markers,
//! non-ISO dates, odd URLs and full metadata. Independent of the parser.

mod support;

use refolio::ast::*;
use refolio::write::{Format, write};
use std::path::PathBuf;
use support::Jing;

fn sp() -> Span {
    Span::default()
}
fn t(s: &str) -> Inline {
    Inline::text(s)
}
fn cite(n: u32, occurrence: u32) -> Inline {
    Inline::cite(n, occurrence)
}
fn link(url: &str) -> Inline {
    Inline::link(url)
}
fn para(inlines: Vec<Inline>) -> Block {
    Block::paragraph(inlines)
}
fn item(inlines: Vec<Inline>, children: Vec<List>) -> ListItem {
    ListItem {
        inlines,
        children,
        span: sp(),
    }
}
fn list(ordered: bool, items: Vec<ListItem>) -> List {
    List {
        ordered,
        start: 1,
        items,
        span: sp(),
    }
}
fn figure(alt: Vec<Inline>, caption: Option<Vec<Inline>>) -> Figure {
    Figure {
        alt,
        caption,
        span: sp(),
    }
}
fn section(heading: &str, blocks: Vec<Block>) -> Section {
    Section {
        heading: Heading {
            inlines: vec![t(heading)],
            span: sp(),
        },
        blocks,
        span: sp(),
    }
}
fn field(kind: RefFieldKind, start: usize, end: usize, iso: Option<&str>) -> RefField {
    RefField::new(kind, start, end, iso)
}

fn bare(title: &str) -> Document {
    Document::new(title)
}

fn kitchen_sink() -> Document {
    let mut d = bare("Deployment or occupation? A <test> & “quotes”");
    d.subtitle = Some(Title {
        text: "A subtitle".into(),
        span: sp(),
    });
    d.meta = Meta {
        lang: "en-GB".into(),
        author: Some("Jane Doe & John ]]> Roe".into()),
        source_url: Some("https://example.org/path with space/{x}?a=1&b=%zz".into()),
        date: Some("2018-03-07".into()),
        license: Some("https://creativecommons.org/licenses/by/4.0/".into()),
        publisher: Some("Archive of <Small> Presses & Co".into()),
        accessed: Some("2024-05-01".into()),
        source_title: Some("The Hollis & Ridge Review".into()),
    };
    d.lead_figure = Some(figure(
        vec![t("A photo of a tank"), cite(1, 1)],
        Some(vec![t("(Photo credit: someone)")]),
    ));
    d.blocks = vec![
        para(vec![
            t("Intro with a marker"),
            cite(1, 2),
            t(" and a URL "),
            link("https://ex.org/a?b=1&c=<d>"),
            t("."),
        ]),
        Block::Figure(Box::new(figure(
            vec![],
            Some(vec![t("Caption only"), cite(2, 1)]),
        ))),
        Block::Rule(Rule { span: sp() }),
    ];
    d.sections = vec![
        section(
            "Lists",
            vec![
                Block::List(Box::new(list(
                    false,
                    vec![
                        item(
                            vec![t("one"), cite(1, 3)],
                            vec![list(true, vec![item(vec![t("nested")], vec![])])],
                        ),
                        item(vec![t("two")], vec![]),
                    ],
                ))),
                Block::List(Box::new(List {
                    ordered: true,
                    start: 4,
                    items: vec![item(vec![t("four")], vec![])],
                    span: sp(),
                })),
                Block::Quote(Quote {
                    inlines: vec![t("A quotation"), cite(2, 2)],
                    span: sp(),
                }),
                Block::Figure(Box::new(figure(vec![t("A map of a place")], None))),
                Block::Rule(Rule { span: sp() }),
            ],
        ),
        section("Empty section", vec![]),
        section(
            "Figures only",
            vec![Block::Figure(Box::new(figure(
                vec![t("An image of x")],
                None,
            )))],
        ),
        section(
            "Unknown markers",
            vec![para(vec![t("text"), cite(9, 1), cite(1, 1)])],
        ),
    ];
    d.references_heading = Some(Heading {
        inlines: vec![t("Notes")],
        span: sp(),
    });
    let raw1 = "A title; with semicolon; Some Site; 2018-03-07";
    let raw2 = "Author Name; Winter 1993/1994";
    d.references = vec![
        Reference {
            n: 1,
            raw: raw1.into(),
            fields: vec![
                field(RefFieldKind::Title, 0, 23, None),
                field(RefFieldKind::Publisher, 25, 34, None),
                field(RefFieldKind::Date, 36, raw1.len(), Some("2018-03-07")),
            ]
            .into(),
            // Four back-links, markers 1..3 occur (1 twice): the fourth has no target.
            backlinks: vec![backlink("[]"); 4].into(),
            span: sp(),
        },
        Reference {
            n: 2,
            raw: raw2.into(),
            fields: vec![
                field(RefFieldKind::Author, 0, 11, None),
                field(RefFieldKind::Date, 13, raw2.len(), Some("1993/1994")),
            ]
            .into(),
            backlinks: vec![backlink("↩\u{FE0E}"); 2].into(),
            span: sp(),
        },
        Reference {
            n: 3,
            raw: "No markers at all".into(),
            fields: Box::default(),
            backlinks: vec![backlink("^ a")].into(),
            span: sp(),
        },
    ];
    d
}

/// A back-link written as `token`.
fn backlink(token: &str) -> Backlink {
    Backlink {
        span: sp(),
        token: token.into(),
    }
}

fn documents() -> Vec<(&'static str, Document)> {
    let mut figures_and_rules = bare("Only figures");
    figures_and_rules.blocks = vec![
        Block::Figure(Box::new(figure(vec![t("A photo of x")], None))),
        Block::Rule(Rule { span: sp() }),
    ];
    let mut rules_then_sections = bare("Rule then sections");
    rules_then_sections.blocks = vec![Block::Rule(Rule { span: sp() })];
    rules_then_sections.sections = vec![section("Only heading", vec![])];
    let mut markers_without_list = bare("Truncated page");
    markers_without_list.blocks = vec![para(vec![t("x"), cite(3, 1), t(" y"), cite(4, 1)])];
    let mut heading_without_refs = bare("Heading without references");
    heading_without_refs.meta = Meta {
        lang: String::new(),
        date: Some("26 Feb 1990".into()),
        ..Meta::default()
    };
    heading_without_refs.references_heading = Some(Heading {
        inlines: vec![t("References")],
        span: sp(),
    });
    let mut empty_items = bare("Empty things");
    empty_items.blocks = vec![
        Block::List(Box::new(List {
            ordered: false,
            start: 1,
            items: vec![],
            span: sp(),
        })),
        para(vec![]),
        Block::Figure(Box::new(figure(vec![], None))),
    ];
    vec![
        ("kitchen-sink", kitchen_sink()),
        ("title-only", bare("Just a title")),
        ("figures-and-rules", figures_and_rules),
        ("rules-then-sections", rules_then_sections),
        ("markers-without-list", markers_without_list),
        ("heading-without-refs", heading_without_refs),
        ("empty-things", empty_items),
    ]
}

#[test]
fn tei_output_is_valid_against_tei_all() {
    let Some(jing) = Jing::find_or_skip("tei_output_is_valid_against_tei_all") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut files: Vec<PathBuf> = Vec::new();
    for (name, doc) in documents() {
        let mut buf = Vec::new();
        write(&doc, Format::Tei, &mut buf).unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = tmp.path().join(format!("{name}.tei.xml"));
        std::fs::write(&path, &buf).expect("write");
        files.push(path);
    }
    if let Err(report) = jing.validate_all_profiles("tei_output_is_valid_against_tei_all", &files) {
        let mut shown = String::new();
        for f in &files {
            if report.contains(&*f.to_string_lossy()) {
                shown.push_str(&format!(
                    "--- {}\n{}\n",
                    f.display(),
                    std::fs::read_to_string(f).unwrap_or_default()
                ));
            }
        }
        panic!("TEI output is not valid:\n{report}\n{shown}");
    }
}

#[test]
fn all_profile_output_is_valid_against_tei_all() {
    let Some(jing) = Jing::find_or_skip("all_profile_output_is_valid_against_tei_all") else {
        return;
    };
    let options = refolio::write::WriteOptions {
        tei: refolio::write::TeiOptions {
            profile: refolio::write::TeiProfile::All,
            review: None,
        },
        timestamp: Some(1_700_000_000),
        ..Default::default()
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut structs = 0;
    for (name, doc) in documents() {
        let tei = refolio::write::render(&[&doc], Format::Tei, &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        structs += String::from_utf8_lossy(&tei.bytes)
            .matches("<biblStruct")
            .count();
        let path = tmp.path().join(format!("{name}.tei.xml"));
        std::fs::write(&path, &tei.bytes).expect("write");
        files.push(path);
    }
    assert!(structs > 0, "no biblStruct written");
    if let Err(report) = jing.validate(&files) {
        panic!("all-profile TEI output is not valid against tei_all:\n{report}");
    }
}
