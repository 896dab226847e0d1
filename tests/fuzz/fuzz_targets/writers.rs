//! parse → every writer on arbitrary input: the TEI is well-formed XML with
//! unique ids whose every `#target` resolves, the JSON is valid, and the
//! article writer's output reads back as an article; the pandoc JSON
//! (issue 16) has one `Note` per citation of an existing reference, the
//! Markdown reads back with the same citations, and the HTML page is
//! well-formed with unique ids whose every `href="#…"` resolves.
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
    check_xml_links(xml, "xml:id", "target", "TEI");
}

/// `xml` is well-formed, its `id_key` values are unique, and every
/// `link_key` value `#x` names one of them.
fn check_xml_links(xml: &str, id_key: &str, link_key: &str, what: &str) {
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
                    if key == id_key {
                        assert!(ids.insert(v.clone()), "duplicate id {v}");
                    } else if key == link_key && v.starts_with('#') {
                        targets.push(v[1..].to_string());
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{what} not well-formed: {e}"),
        }
    }
    for t in targets {
        assert!(ids.contains(&t), "{link_key} #{t} points nowhere");
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
    check_pandoc(&p.document);
    check_markdown(&p.document);
    let mut html = Vec::new();
    write(&p.document, Format::Html, &mut html).expect("HTML writes");
    check_html(std::str::from_utf8(&html).expect("HTML is UTF-8"));
});

/// The citations of existing references, in reading order.
fn linked_cites(doc: &refolio::ast::Document) -> Vec<u32> {
    let refs: HashSet<u32> = doc.references.iter().map(|r| r.n).collect();
    let mut v = Vec::new();
    refolio::ast::for_each_inlines(doc, &mut |inl| {
        for i in inl {
            if let refolio::ast::Inline::Cite { n, .. } = i
                && refs.contains(n)
            {
                v.push(*n);
            }
        }
    });
    v
}

fn check_pandoc(doc: &refolio::ast::Document) {
    let mut out = Vec::new();
    write(doc, Format::Pandoc, &mut out).expect("pandoc JSON writes");
    let s = std::str::from_utf8(&out).expect("pandoc JSON is UTF-8");
    assert!(s.starts_with("{\"pandoc-api-version\":[1,22,2,1],"));
    assert_eq!(s.matches("{\"t\":\"Note\",").count(), linked_cites(doc).len());
}

fn check_markdown(doc: &refolio::ast::Document) {
    let mut md = Vec::new();
    write(doc, Format::Markdown, &mut md).expect("Markdown writes");
    let back = parse_article("fuzz.md", md, Default::default(), &ParseOptions::default())
        .expect("the Markdown reads back");
    assert_eq!(linked_cites(&back.document), linked_cites(doc), "citations survive Markdown");
}

fn check_html(html: &str) {
    let body = html.strip_prefix("<!DOCTYPE html>\n").expect("HTML5 doctype");
    check_xml_links(body, "id", "href", "HTML");
}

fn serde_json_check(bytes: &[u8]) {
    let s = std::str::from_utf8(bytes).expect("JSON is UTF-8");
    assert!(s.starts_with('{') && s.trim_end().ends_with('}'));
}
