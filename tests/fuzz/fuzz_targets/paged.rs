//! parse → EPUB and PDF on arbitrary input: the EPUB is a zip whose first
//! entry is the stored `mimetype` and whose XHTML and package files are
//! well-formed XML; the PDF loads with lopdf, has at least one page, and
//! every page's content stream decodes and shows only glyph codes the page's
//! fonts were given (the content is written by refolio, the fonts by
//! printpdf: they must agree).
#![no_main]

use libfuzzer_sys::fuzz_target;
use refolio::write::{Format, WriteOptions, render};
use refolio::write::write;
use refolio::{ParseOptions, parse_article};
use std::collections::HashSet;
use std::io::Read;

fn well_formed(name: &str, xml: &str) {
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed: {e}"),
        }
    }
}

fn check_epub(bytes: &[u8]) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("EPUB is a zip");
    {
        let first = zip.by_index(0).expect("an entry");
        assert_eq!(first.name(), "mimetype");
        assert_eq!(first.compression(), zip::CompressionMethod::Stored);
    }
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let name = f.name().to_string();
        if [".xhtml", ".opf", ".xml", ".ncx"].iter().any(|e| name.ends_with(e)) {
            let mut s = String::new();
            f.read_to_string(&mut s).expect("UTF-8 entry");
            well_formed(&name, &s);
        }
    }
}

/// The codes a Type 0 font has widths for (its descendant's `/W`): the
/// glyphs printpdf embedded.
fn widths(pdf: &lopdf::Document, font: &lopdf::Dictionary) -> HashSet<u16> {
    use lopdf::Object;
    let deref = |o: &Object| -> Object {
        match o {
            Object::Reference(id) => pdf.get_object(*id).expect("object").clone(),
            o => o.clone(),
        }
    };
    let mut codes = HashSet::new();
    let Ok(kids) = font.get(b"DescendantFonts").map(&deref) else {
        return codes;
    };
    let kids = kids.as_array().expect("DescendantFonts array").clone();
    let cid = deref(&kids[0]);
    let Ok(w) = cid.as_dict().expect("CIDFont").get(b"W").map(&deref) else {
        return codes;
    };
    let w = w.as_array().expect("W array").clone();
    let int = |o: &Object| deref(o).as_i64().expect("integer code");
    let mut i = 0;
    while i < w.len() {
        let first = int(&w[i]);
        match deref(&w[i + 1]) {
            Object::Array(list) => {
                codes.extend((0..list.len() as i64).map(|k| (first + k) as u16));
                i += 2;
            }
            _ => {
                let last = int(&w[i + 1]);
                codes.extend((first..=last).map(|c| c as u16));
                i += 3;
            }
        }
    }
    codes
}

fn check_pdf(bytes: &[u8]) {
    let pdf = lopdf::Document::load_mem(bytes).expect("lopdf loads the PDF");
    let pages = pdf.get_pages();
    assert!(!pages.is_empty(), "a PDF has pages");
    for (n, id) in pages {
        let content = pdf.get_page_content(id);
        let ops = lopdf::content::Content::decode(&content)
            .unwrap_or_else(|e| panic!("page {n}: content does not decode: {e}"))
            .operations;
        let fonts = pdf.get_page_fonts(id).expect("page fonts");
        let mut known: Option<HashSet<u16>> = None;
        for op in ops {
            match op.operator.as_str() {
                "Tf" => {
                    let lopdf::Object::Name(name) = &op.operands[0] else {
                        panic!("page {n}: Tf without a font name")
                    };
                    let font = fonts.get(name).unwrap_or_else(|| panic!("page {n}: unknown font"));
                    known = Some(widths(&pdf, font));
                }
                "TJ" => {
                    let known = known.as_ref().unwrap_or_else(|| panic!("page {n}: TJ before Tf"));
                    let lopdf::Object::Array(items) = &op.operands[0] else {
                        panic!("page {n}: TJ without an array")
                    };
                    for it in items {
                        if let lopdf::Object::String(s, _) = it {
                            for c in s.chunks(2) {
                                let code = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
                                assert!(known.contains(&code), "page {n}: code {code:#06x} is not in the font");
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(p) = parse_article("fuzz", data.to_vec(), Default::default(), &ParseOptions::default())
    else {
        return;
    };
    let mut epub = Vec::new();
    write(&p.document, refolio::write::Format::Epub, &mut epub).expect("EPUB writes");
    check_epub(&epub);
    let pdf = render(&[&p.document], Format::Pdf, &WriteOptions::default()).expect("PDF renders");
    check_pdf(&pdf.bytes);
});
