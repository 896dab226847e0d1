//! The document model as JSON.
//!
//! The output is one pretty-printed object followed by a newline:
//!
//! ```json
//! {
//!   "refolio": "0.1.0",
//!   "format": 1,
//!   "document": { … }
//! }
//! ```
//!
//! - `refolio` — the version of refolio that wrote the file;
//! - `format` — the version of this JSON format ([`FORMAT_VERSION`]); it
//!   changes whenever a field below is renamed, removed or changes meaning
//!   (adding a field does not change it);
//! - `document` — the [`Document`] as serde serialises it. The field names
//!   are the Rust field names of `crate::ast`, and they are stable:
//!   - document: `meta` {`lang`, `author`, `source_url`, `date`, `license`},
//!     `title` and `subtitle` ({`text`, `span`} or `null`), `lead_figure`,
//!     `blocks`, `sections` [{`heading`, `blocks`, `span`}],
//!     `references_heading` ({`inlines`, `span`} or `null`), `references`,
//!     `hard_wrapped`;
//!   - a block is an object with `"kind"`: `paragraph` {`inlines`}, `list`
//!     {`ordered`, `start`, `items` [{`inlines`, `children`, `span`}]},
//!     `figure` {`alt`, `caption`}, `quote` {`inlines`}, `rule`; each with
//!     its `span`;
//!   - an inline is an object with `"kind"`: `text` {`text`}, `cite` {`n`,
//!     `occurrence`}, `link` {`url`}; each with its `span`;
//!   - a reference is {`n`, `raw`, `fields` [{`kind`: `title` | `author` |
//!     `publisher` | `date`, `start`, `end`, `iso`}], `backlinks` [{`start`, `end`, `token`}…] (the token as written: `[]`, `↩︎`, …),
//!     `span`};
//!   - a span is {`start`, `end`}: byte offsets into the input file as
//!     given (a BOM included); field `start`/`end` are byte offsets into
//!     the reference's `raw`.
//!
//! Absent optional values are `null`, never left out.

use crate::ast::Document;
use crate::error::WriteError;
use serde::Serialize;
use std::io::Write;

/// The version of the JSON format.
pub const FORMAT_VERSION: u32 = 1;

/// The top-level JSON object.
#[derive(Serialize)]
struct Envelope<'a> {
    refolio: &'static str,
    format: u32,
    document: &'a Document,
}

/// Writes `doc` as pretty-printed JSON followed by a newline (see the
/// [module docs](self) for the fields).
pub fn write_json(doc: &Document, out: &mut dyn Write) -> Result<(), WriteError> {
    let envelope = Envelope {
        refolio: env!("CARGO_PKG_VERSION"),
        format: FORMAT_VERSION,
        document: doc,
    };
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, &envelope)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::*;
    use serde_json::{Value, json};

    fn sample() -> Document {
        let s = |a, b| Span::new(a, b);
        Document {
            meta: Meta {
                lang: "en".into(),
                author: Some("A \"B\"".into()),
                ..Meta::default()
            },
            title: Title {
                text: "Title".into(),
                span: s(0, 5),
            },
            subtitle: None,
            lead_figure: None,
            blocks: vec![Block::Paragraph(Paragraph {
                inlines: vec![
                    Inline::Text {
                        text: "Text".into(),
                        span: s(7, 11),
                    },
                    Inline::Cite {
                        n: 1,
                        occurrence: 1,
                        span: s(11, 12),
                        margin: crate::ast::Margin(Some(0.404)),
                    },
                    Inline::Link {
                        url: "https://ex.org".into(),
                        span: s(13, 27),
                    },
                ],
                span: s(7, 27),
            })],
            sections: vec![Section {
                heading: Heading {
                    inlines: vec![Inline::Text {
                        text: "H".into(),
                        span: s(29, 30),
                    }],
                    span: s(29, 30),
                },
                blocks: vec![
                    Block::Rule(Rule { span: s(32, 35) }),
                    Block::List(Box::new(List {
                        ordered: true,
                        start: 2,
                        items: vec![],
                        span: s(36, 40),
                    })),
                ],
                span: s(29, 40),
            }],
            references_heading: None,
            references: vec![Reference {
                n: 1,
                raw: "R; 2020".into(),
                fields: vec![RefField {
                    kind: RefFieldKind::Date,
                    start: 3,
                    end: 7,
                    iso: crate::ast::IsoDate::parse("2020"),
                }]
                .into(),
                backlinks: vec![Backlink {
                    span: s(50, 52),
                    token: "[]".into(),
                }]
                .into(),
                span: s(42, 52),
            }],
            hard_wrapped: false,
            style: SourceStyle::default(),
        }
    }

    fn json_of(d: &Document) -> String {
        let mut buf = Vec::new();
        write_json(d, &mut buf).expect("write_json");
        String::from_utf8(buf).expect("UTF-8")
    }

    #[test]
    fn envelope_and_stable_field_names() {
        let text = json_of(&sample());
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        assert!(
            text.starts_with("{\n  \"refolio\": "),
            "pretty-printed: {text}"
        );
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["refolio"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["format"], 1);
        let d = &v["document"];
        assert_eq!(
            d["meta"],
            json!({"lang": "en", "author": "A \"B\"", "source_url": null, "date": null, "license": null})
        );
        assert_eq!(
            d["title"],
            json!({"text": "Title", "span": {"start": 0, "end": 5}})
        );
        assert_eq!(d["subtitle"], Value::Null);
        assert_eq!(d["hard_wrapped"], false);
        let p = &d["blocks"][0];
        assert_eq!(p["kind"], "paragraph");
        assert_eq!(
            p["inlines"][0],
            json!({"kind": "text", "text": "Text", "span": {"start": 7, "end": 11}})
        );
        assert_eq!(
            p["inlines"][1],
            json!({"kind": "cite", "n": 1, "occurrence": 1, "span": {"start": 11, "end": 12}, "margin": 0.4})
        );
        assert_eq!(p["inlines"][2]["kind"], "link");
        assert_eq!(p["inlines"][2]["url"], "https://ex.org");
        let sec = &d["sections"][0];
        assert_eq!(sec["heading"]["inlines"][0]["text"], "H");
        assert_eq!(
            sec["blocks"][0],
            json!({"kind": "rule", "span": {"start": 32, "end": 35}})
        );
        assert_eq!(sec["blocks"][1]["kind"], "list");
        assert_eq!(sec["blocks"][1]["ordered"], true);
        assert_eq!(sec["blocks"][1]["start"], 2);
        let r = &d["references"][0];
        assert_eq!(r["raw"], "R; 2020");
        assert_eq!(
            r["fields"][0],
            json!({"kind": "date", "start": 3, "end": 7, "iso": "2020"})
        );
        assert_eq!(
            r["backlinks"],
            json!([{"start": 50, "end": 52, "token": "[]"}])
        );
    }

    #[test]
    fn deterministic() {
        let d = sample();
        assert_eq!(json_of(&d), json_of(&d));
    }
}
