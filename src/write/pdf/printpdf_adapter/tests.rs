//! One test (at least) per row of the [adapter's](super) defect table, each
//! on a small rendered document read back with lopdf; and the adapter's
//! own helpers.

use super::post_pass::{meta_date, pdf_date, text_string, text_string_len, write_text_string};
use super::*;
use crate::ast::Document;
use crate::layout::Cluster;
use crate::layout::fonts::Fonts;
use crate::layout::style::{NotePlacement, NoteRepeat, Style};
use crate::write::pdf::render_pdf;
use lopdf::Document as Pdf;
use lopdf::StringFormat;

/// A title, two sections (the second sorts first by name), citations and
/// two references.
const ARTICLE: &str = "A title\n\nSome text that cites a source1.\n\nZulu section\n\n\
    More text that cites another2.\n\nAlpha section\n\nLast words.\n\n\
      1. Source; 2020[]\n  2. Other; 2021[]\n";

use crate::test_document as article;

fn render(doc: &Document, timestamp: Option<i64>) -> Vec<u8> {
    let opts = PdfOptions {
        timestamp,
        ..PdfOptions::default()
    };
    render_pdf(doc, &opts).unwrap().bytes
}

fn load(bytes: &[u8]) -> Pdf {
    Pdf::load_mem(bytes).unwrap()
}

fn info(pdf: &Pdf) -> &Dictionary {
    let id = pdf.trailer.get(b"Info").unwrap().as_reference().unwrap();
    pdf.get_dictionary(id).unwrap()
}

fn string(o: &Object) -> String {
    String::from_utf8(o.as_str().unwrap().to_vec()).unwrap()
}

/// Every font dictionary the pages use, by resource name.
fn fonts(pdf: &Pdf) -> BTreeMap<Vec<u8>, Dictionary> {
    let mut all = BTreeMap::new();
    for page in pdf.get_pages().into_values() {
        for (name, font) in pdf.get_page_fonts(page).unwrap() {
            all.insert(name, font.clone());
        }
    }
    all
}

#[test]
fn links_have_no_border_and_exact_destinations() {
    let pdf = load(&render(&article(ARTICLE), None));
    let pages: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    let mut dests = 0;
    let mut annots = 0;
    for &page in &pages {
        for a in pdf.get_page_annotations(page).unwrap() {
            annots += 1;
            assert_eq!(a.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
            let border: Vec<i64> = a
                .get(b"Border")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_i64().unwrap())
                .collect();
            assert_eq!(border, [0, 0, 0]);
            if let Ok(d) = a.get(b"Dest") {
                let d = d.as_array().unwrap();
                assert_eq!(d.len(), 5, "{d:?}");
                assert!(pages.contains(&d[0].as_reference().unwrap()));
                assert_eq!(d[1].as_name().unwrap(), b"XYZ");
                assert!(d[2].as_float().is_ok() && d[3].as_float().is_ok(), "{d:?}");
                dests += 1;
            }
        }
    }
    // A citation and its back-link.
    assert!(
        annots >= 2 && dests >= 2,
        "{annots} annotations, {dests} destinations"
    );
}

#[test]
fn outline_is_nested_in_document_order() {
    let pdf = load(&render(&article(ARTICLE), None));
    let pages: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    let dict = |o: &Object| pdf.get_dictionary(o.as_reference().unwrap()).unwrap();
    let root = dict(pdf.catalog().unwrap().get(b"Outlines").unwrap());
    let top = dict(root.get(b"First").unwrap());
    assert_eq!(
        root.get(b"First").unwrap(),
        root.get(b"Last").unwrap(),
        "one top-level entry: the article"
    );
    assert_eq!(string(top.get(b"Title").unwrap()), "A title");
    let mut titles = Vec::new();
    let mut item = Some(dict(top.get(b"First").unwrap()));
    while let Some(i) = item {
        titles.push(string(i.get(b"Title").unwrap()));
        let dest = i.get(b"Dest").unwrap().as_array().unwrap();
        assert!(pages.contains(&dest[0].as_reference().unwrap()));
        item = i.get(b"Next").ok().map(dict);
    }
    assert_eq!(titles[..2], ["Zulu section", "Alpha section"], "{titles:?}");
    assert_eq!(
        top.get(b"Count").unwrap().as_i64().unwrap(),
        titles.len() as i64
    );
}

#[test]
fn page_mode_is_a_name() {
    let pdf = load(&render(&article(ARTICLE), None));
    let mode = pdf.catalog().unwrap().get(b"PageMode").unwrap();
    assert_eq!(mode.as_name().unwrap(), b"UseOutlines", "{mode:?}");
}

#[test]
fn catalog_has_the_language() {
    let mut doc = article(ARTICLE);
    let pdf = load(&render(&doc, None));
    assert_eq!(string(pdf.catalog().unwrap().get(b"Lang").unwrap()), "en");
    doc.meta.lang = "cs".into();
    let pdf = load(&render(&doc, None));
    assert_eq!(string(pdf.catalog().unwrap().get(b"Lang").unwrap()), "cs");
}

#[test]
fn header_says_pdf_1_7() {
    let bytes = render(&article(ARTICLE), None);
    assert!(bytes.starts_with(b"%PDF-1.7\n"), "{:?}", &bytes[..9]);
}

#[test]
fn info_has_no_gts_pdfx_version() {
    let bytes = render(&article(ARTICLE), None);
    let pdf = load(&bytes);
    let info = info(&pdf);
    assert!(info.get(b"GTS_PDFXVersion").is_err(), "{info:?}");
    assert_eq!(string(info.get(b"Title").unwrap()), "A title");
    assert!(
        !bytes.windows(15).any(|w| w == b"GTS_PDFXVersion"),
        "nor anywhere else"
    );
}

#[test]
fn dates_come_only_from_the_timestamp_or_the_metadata() {
    let mut doc = article(ARTICLE);
    let pdf = load(&render(&doc, None));
    let i = info(&pdf);
    assert!(
        i.get(b"CreationDate").is_err() && i.get(b"ModDate").is_err(),
        "{i:?}"
    );
    let pdf = load(&render(&doc, Some(1_700_000_000)));
    let i = info(&pdf);
    assert_eq!(string(i.get(b"CreationDate").unwrap()), "D:20231114221320Z");
    assert_eq!(string(i.get(b"ModDate").unwrap()), "D:20231114221320Z");
    doc.meta.date = Some("2022-10-03".into());
    let pdf = load(&render(&doc, None));
    assert_eq!(
        string(info(&pdf).get(b"CreationDate").unwrap()),
        "D:20221003000000Z"
    );
}

#[test]
fn same_input_same_bytes_other_text_other_id() {
    let doc = article(ARTICLE);
    let a = render(&doc, None);
    assert_eq!(a, render(&doc, None));
    let other = render(&article(&ARTICLE.replace("Last words", "Last word")), None);
    let id = |b: &[u8]| load(b).trailer.get(b"ID").unwrap().clone();
    assert_ne!(id(&a), id(&other));
}

#[test]
fn font_resource_names_are_stable_tags() {
    let doc = article(ARTICLE);
    let names = |b: &[u8]| fonts(&load(b)).into_keys().collect::<Vec<_>>();
    let a = names(&render(&doc, None));
    assert!(!a.is_empty());
    for n in &a {
        assert!(
            n.len() == 6 && n.iter().all(u8::is_ascii_uppercase),
            "{}",
            String::from_utf8_lossy(n)
        );
    }
    assert_eq!(a, names(&render(&doc, None)), "the same on every run");
    // The tag follows the glyph set.
    let other = names(&render(
        &article("Quixotic jumbo wafer\n\nZzz qqq.\n"),
        None,
    ));
    assert_ne!(a, other);
}

#[test]
fn subset_fonts_are_named_tag_plus_postscript_name() {
    let pdf = load(&render(&article(ARTICLE), None));
    let source = FontSource::load(&PdfOptions::default().style()).unwrap();
    for (tag, font) in fonts(&pdf) {
        let tag = String::from_utf8(tag).unwrap();
        let base =
            String::from_utf8(font.get(b"BaseFont").unwrap().as_name().unwrap().to_vec()).unwrap();
        let (t, name) = base.split_once('+').expect("TAG+Name");
        assert_eq!(t, tag);
        assert!(source.names.iter().any(|n| n == name), "{base}");
        // The descendant CIDFont is inline in the Type0 font.
        let descendant = font.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]
            .as_dict()
            .unwrap();
        let descriptor = pdf
            .get_dictionary(
                descendant
                    .get(b"FontDescriptor")
                    .unwrap()
                    .as_reference()
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(
            descriptor.get(b"FontName").unwrap().as_name().unwrap(),
            base.as_bytes()
        );
    }
}

#[test]
fn fonts_are_subset_before_printpdf_sees_them() {
    let pdf = load(&render(&article(ARTICLE), None));
    let mut sizes = Vec::new();
    for o in pdf.objects.values() {
        if let Object::Dictionary(d) = o
            && d.get(b"Type").and_then(Object::as_name).ok() == Some(b"FontDescriptor".as_slice())
        {
            for key in [&b"FontFile2"[..], b"FontFile3"] {
                if let Ok(r) = d.get(key) {
                    let s = pdf
                        .get_object(r.as_reference().unwrap())
                        .unwrap()
                        .as_stream()
                        .unwrap();
                    sizes.push(
                        s.decompressed_content()
                            .unwrap_or_else(|_| s.content.clone())
                            .len(),
                    );
                }
            }
        }
    }
    // What `subsetter` makes of the same glyphs: printpdf's own subsetting
    // of the whole font (allsorts) would be some six times larger.
    let doc = article(ARTICLE);
    let opts = PdfOptions::default();
    let source = FontSource::load(&opts.style()).unwrap();
    let mut fonts = Fonts::new(&source).unwrap();
    let lay = crate::layout::layout(&doc, &opts.style(), &mut fonts, opts.notes);
    let ours: usize = content::inventory(&lay)
        .iter()
        .map(|(kind, glyphs)| {
            let i = FontKind::ALL.iter().position(|k| k == kind).unwrap();
            let glyphs: BTreeSet<u16> = glyphs.keys().copied().collect();
            subset_font(&source.faces[i], &glyphs).unwrap().0.len()
        })
        .sum();
    let embedded: usize = sizes.iter().sum();
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert!(embedded <= ours, "embedded {sizes:?}, subsetter {ours}");
}

#[test]
fn page_content_is_written_from_the_layout() {
    let doc = article(ARTICLE);
    let opts = PdfOptions::default();
    let source = FontSource::load(&opts.style()).unwrap();
    let mut fonts = Fonts::new(&source).unwrap();
    let lay = crate::layout::layout(&doc, &opts.style(), &mut fonts, opts.notes);
    let pdf = load(&render(&doc, None));
    let pages: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    assert_eq!(pages.len(), lay.pages.len());
    for (&page, laid) in pages.iter().zip(&lay.pages) {
        assert_eq!(pdf.get_page_contents(page).len(), 1, "one stream a page");
        let content = pdf.get_page_content(page);
        assert!(
            content.starts_with(b"0 g\nBT\n"),
            "{}",
            String::from_utf8_lossy(&content)
        );
        let ops = lopdf::content::Content::decode(&content)
            .unwrap()
            .operations;
        let count = |op: &str| ops.iter().filter(|o| o.operator == op).count();
        assert_eq!(count("BT"), laid.lines.len(), "a text object a line");
        let runs: usize = laid.lines.iter().map(|l| l.line.runs.len()).sum();
        assert_eq!((count("Tf"), count("Tm")), (runs, runs));
        // A run's TJ is split where its marked content changes (links,
        // ligatures, the added hyphen), never losing or adding a glyph.
        assert!(count("TJ") >= runs);
        let glyphs: usize = laid
            .lines
            .iter()
            .flat_map(|l| &l.line.runs)
            .map(|r| r.glyphs.len())
            .sum();
        let codes: usize = ops
            .iter()
            .filter(|o| o.operator == "TJ")
            .flat_map(|o| o.operands[0].as_array().unwrap())
            .filter_map(|o| o.as_str().ok())
            .map(|s| s.len() / 2)
            .sum();
        assert_eq!(codes, glyphs);
    }
}

#[test]
fn justification_uses_tj_offsets_not_tw() {
    let words = "justified lines stretch their spaces between the words of a long \
        paragraph that fills several lines of the page ";
    let text = format!("A title\n\n{}end.\n", words.repeat(12));
    let pdf = load(&render(&article(&text), None));
    let page = pdf.get_pages().into_values().next().unwrap();
    let ops = lopdf::content::Content::decode(&pdf.get_page_content(page))
        .unwrap()
        .operations;
    assert!(!ops.iter().any(|o| o.operator == "Tw"));
    let offsets: Vec<f32> = ops
        .iter()
        .filter(|o| o.operator == "TJ")
        .flat_map(|o| o.operands[0].as_array().unwrap())
        .filter_map(|o| o.as_float().ok())
        .collect();
    // A stretched (or shrunk) space: an offset far larger than any kerning.
    assert!(offsets.iter().any(|&o| o.abs() > 40.0), "{offsets:?}");
}

#[test]
fn streams_are_deflated() {
    let pdf = load(&render(&article(ARTICLE), None));
    for page in pdf.get_pages().into_values() {
        for id in pdf.get_page_contents(page) {
            let s = pdf.get_object(id).unwrap().as_stream().unwrap();
            assert_eq!(
                s.dict.get(b"Filter").unwrap().as_name().unwrap(),
                b"FlateDecode"
            );
        }
    }
}

#[test]
fn no_xmp_metadata() {
    let bytes = render(&article(ARTICLE), None);
    let pdf = load(&bytes);
    assert!(pdf.catalog().unwrap().get(b"Metadata").is_err());
    assert!(!bytes.windows(9).any(|w| w == b"x:xmpmeta"));
}

/// The `/ID` is the UUID v5 of the file with the `/ID` strings zeroed,
/// and both strings are it.
#[test]
fn id_is_the_hash_of_the_file_itself() {
    id_is_the_hash_of("A title\n\nSome text that cites a source1.\n\n  1. Source; Press; 2001[]\n");
}

/// Found by the `paged` fuzz target: text that looks like the `/ID`
/// placeholder (it reaches the Info dictionary near the end of the file)
/// made the placeholder ambiguous, and the PDF failed.
#[test]
fn placeholder_text_in_the_article_does_not_confuse_the_id() {
    id_is_the_hash_of(
        "<00000000000000000000000000000000>\n\n<00000000000000000000000000000000> again.\n",
    );
}

fn id_is_the_hash_of(text: &str) {
    let bytes = render(&article(text), None);
    let lo = lopdf::Document::load_mem(&bytes).unwrap();
    let Ok(Object::Array(ids)) = lo.trailer.get(b"ID") else {
        panic!("no /ID")
    };
    let id: Vec<&[u8]> = ids.iter().map(|o| o.as_str().unwrap()).collect();
    assert_eq!(id.len(), 2);
    assert_eq!(id[0], id[1]);
    let hex: String = id[0].iter().map(|b| format!("{b:02X}")).collect();
    let mut raw = bytes.clone();
    let at: Vec<usize> = raw
        .windows(hex.len())
        .enumerate()
        .filter(|(_, w)| *w == hex.as_bytes())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 2);
    for i in at {
        raw[i..i + 32].copy_from_slice("0".repeat(32).as_bytes());
    }
    let want_raw = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &raw);
    assert_eq!(id[0], want_raw.as_bytes());
}

#[test]
fn text_strings_and_dates() {
    assert_eq!(
        text_string("abc"),
        Object::String(b"abc".to_vec(), StringFormat::Literal)
    );
    match text_string("Dubček") {
        Object::String(v, StringFormat::Hexadecimal) => assert_eq!(&v[..2], &[0xfe, 0xff]),
        o => panic!("{o:?}"),
    }
    assert_eq!(pdf_date(0).unwrap(), "D:19700101000000Z");
    assert_eq!(meta_date("2022-10-03").unwrap(), "D:20221003000000Z");
    assert!(meta_date("Winter 1993").is_none());
    let g: BTreeSet<u16> = [1, 2, 3].into();
    let t = subset_tag("X", &g);
    assert_eq!(t.len(), 6);
    assert!(t.bytes().all(|b| b.is_ascii_uppercase()));
    assert_eq!(t, subset_tag("X", &g));
}

/// A text string written straight into PDF syntax is the bytes of the
/// string object it stands for: printable ASCII with the characters a
/// literal escapes, none at all, and UTF-16 with and without surrogate
/// pairs and a byte under 0x10 (the digits' zero padding).
#[test]
fn text_strings_are_written_as_their_objects() {
    for s in [
        "",
        "abc",
        "a (b) \\ c",
        "Dubček",
        "\u{1}\u{7f}",
        "ø 𝄞 \u{2028}",
        "日本語",
    ] {
        let mut want = Vec::new();
        save::write_object(&mut want, &text_string(s));
        let mut got = Vec::new();
        write_text_string(&mut got, s);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "{s:?}"
        );
        assert_eq!(text_string_len(s), want.len(), "{s:?}");
    }
    let mut got = Vec::new();
    write_text_string(&mut got, "\u{e9}\u{1d11e}");
    assert_eq!(got, b"<FEFF00E9D834DD1E>");
    got.clear();
    write_text_string(&mut got, "a (b) \\ c");
    assert_eq!(got, b"(a \\(b\\) \\\\ c)");
}

/// Pieces deflated as one stream are the bytes of the pieces joined and
/// deflated at once at the object streams' level, however they are cut
/// (none, empty pieces, single bytes, pieces longer than zlib's window,
/// cuts at random, an empty piece after each). (At the default level they
/// are not, cut at 1, 70,000 twice and 150,000: zlib-rs sets it with
/// zlib-ng's medium strategy.)
#[test]
fn pieces_deflate_as_the_whole() {
    use super::post_pass::{Level, deflate, deflate_pieces};
    let mut data = Vec::new();
    let mut x = 12345u32;
    let mut next = || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) as usize
    };
    while data.len() < 300_000 {
        let word = ["lock ", "gate ", "1901 ", "<FEFF00E9> ", "\n", "canal "][next() % 6];
        data.extend_from_slice(word.as_bytes());
    }
    let pieced = |cuts: &[usize]| {
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(data.len());
        deflate_pieces(data.len(), |put| {
            for w in bounds.windows(2) {
                put(&data[w[0]..w[1]]);
                put(b"");
            }
            Ok::<(), ()>(())
        })
        .unwrap()
    };
    let whole = deflate(&data, Level::Fast);
    let mut random: Vec<usize> = (0..200).map(|_| next() * 7 % data.len()).collect();
    random.sort_unstable();
    for cuts in [
        &[][..],
        &[0, 0, 1, 2, 3],
        &[1, 70_000, 70_000, 150_000],
        &random,
    ] {
        assert!(pieced(cuts) == whole, "{cuts:?}");
    }
}

#[test]
fn codes_are_read_back_in_inventory_order_and_checked() {
    let mut used = GlyphInventory::new();
    used.entry(FontKind::Regular)
        .or_default()
        .extend([(7u16, Cluster::from("a")), (3, Cluster::from("fi"))]);
    let ids: BTreeMap<FontKind, FontId> = [(FontKind::Regular, FontId("ABCDEF".into()))].into();
    // Glyph ids ascend in the inventory: 3 then 7.
    let codes = read_codes(b"BT /ABCDEF 10 Tf [<0011><0012>] TJ ET", &used, &ids).unwrap();
    assert_eq!(codes[&FontKind::Regular][3], 0x11);
    assert_eq!(codes[&FontKind::Regular][7], 0x12);
    // Indexed by the id, 0 for an id not used, up to the last used.
    assert_eq!(codes[&FontKind::Regular], [0, 0, 0, 0x11, 0, 0, 0, 0x12]);
    assert!(read_codes(b"BT /ABCDEF 10 Tf [<0011>] TJ ET", &used, &ids).is_err());
    assert!(read_codes(b"BT [<0011><0012>] TJ ET", &used, &ids).is_err());
    assert!(read_codes(b"", &used, &ids).is_err());
}

#[test]
fn page_labels_number_the_front_matter_in_roman() {
    let a = article(ARTICLE);
    let book = crate::write::BookMeta {
        title: "A book".into(),
        ..Default::default()
    };
    let bytes = crate::write::pdf::render_book(&[&a, &a], &book, &PdfOptions::default(), true)
        .unwrap()
        .bytes;
    let pdf = load(&bytes);
    let labels = pdf
        .catalog()
        .unwrap()
        .get(b"PageLabels")
        .and_then(Object::as_dict)
        .expect("a book has page labels");
    let nums = labels.get(b"Nums").unwrap().as_array().unwrap();
    assert_eq!(nums.len(), 4, "{nums:?}");
    let style = |o: &Object| {
        o.as_dict()
            .unwrap()
            .get(b"S")
            .unwrap()
            .as_name()
            .unwrap()
            .to_vec()
    };
    assert_eq!(nums[0].as_i64().unwrap(), 0);
    assert_eq!(style(&nums[1]), b"r");
    assert_eq!(style(&nums[3]), b"D");
    // The arabic range starts at the first chapter's page: its title's
    // outline item (inside the book's, after the contents).
    let first = nums[2].as_i64().unwrap() as usize;
    assert!(first >= 3 && first.is_multiple_of(2), "{first}");
    let pages: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    let text = pdf.extract_text(&[first as u32 + 1]).unwrap();
    assert!(text.trim_start().starts_with("A title"), "{text}");
    let before = pdf.extract_text(&[first as u32]).unwrap();
    assert!(!before.contains("Some text"), "{before}");
    assert!(pages.len() > first);
    // An article has none: its pages are numbered as they come.
    let article = load(&render(&a, None));
    assert!(article.catalog().unwrap().get(b"PageLabels").is_err());
}

/// The bundled article with every kind of block: figures with and without
/// a caption, a nested list, a quotation, a rule, citations and references.
fn canal() -> Document {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/input/canal-and-locks.txt");
    article(&std::fs::read_to_string(path).unwrap())
}

/// Checks the tagged structure of a PDF against its page contents: the
/// catalog's `/MarkInfo` and `/StructTreeRoot`; every MCID of a page used
/// once, held by exactly one element of the tree and mapped back to that
/// element by the parent tree; no MCID inside an artifact; every link
/// annotation's `/StructParent` leads to a `Link` element holding it as an
/// OBJR; every figure with a non-empty `/Alt`. Returns how many elements of
/// each type the tree has.
fn check_structure(bytes: &[u8]) -> BTreeMap<String, usize> {
    let pdf = load(bytes);
    let cat = pdf.catalog().unwrap();
    let mark = cat.get(b"MarkInfo").unwrap().as_dict().unwrap();
    assert!(mark.get(b"Marked").unwrap().as_bool().unwrap());
    let root_id = cat.get(b"StructTreeRoot").unwrap().as_reference().unwrap();
    let root = pdf.get_dictionary(root_id).unwrap();
    assert_eq!(
        root.get(b"Type").unwrap().as_name().unwrap(),
        b"StructTreeRoot"
    );
    let tree = pdf
        .get_dictionary(root.get(b"ParentTree").unwrap().as_reference().unwrap())
        .unwrap();
    let nums = tree.get(b"Nums").unwrap().as_array().unwrap();
    let parent_tree: HashMap<i64, &Object> = nums
        .chunks_exact(2)
        .map(|kv| (kv[0].as_i64().unwrap(), &kv[1]))
        .collect();
    let next = root.get(b"ParentTreeNextKey").unwrap().as_i64().unwrap();
    assert!(
        parent_tree.keys().all(|&k| k < next),
        "ParentTreeNextKey {next}"
    );
    // The tree: which element holds each (page, MCID) and each annotation.
    let mut content: HashMap<(ObjectId, i64), ObjectId> = HashMap::new();
    let mut objrs: HashMap<ObjectId, ObjectId> = HashMap::new();
    let mut tags: BTreeMap<String, usize> = BTreeMap::new();
    let mut todo = vec![(root.get(b"K").unwrap().as_reference().unwrap(), root_id)];
    while let Some((id, parent)) = todo.pop() {
        let el = pdf.get_dictionary(id).unwrap();
        assert_eq!(el.get(b"P").unwrap().as_reference().unwrap(), parent);
        let tag = String::from_utf8(el.get(b"S").unwrap().as_name().unwrap().to_vec()).unwrap();
        if tag == "Figure" {
            let alt = el.get(b"Alt").expect("a figure has /Alt");
            assert!(!alt.as_str().unwrap().is_empty());
        }
        *tags.entry(tag).or_default() += 1;
        let pg = el.get(b"Pg").ok().map(|p| p.as_reference().unwrap());
        let kids = match el.get(b"K").unwrap() {
            Object::Array(a) => a.clone(),
            k => vec![k.clone()],
        };
        for k in kids {
            match k {
                Object::Integer(mcid) => {
                    let old = content.insert((pg.expect("/Pg for an MCID"), mcid), id);
                    assert!(old.is_none(), "MCID {mcid} held twice");
                }
                Object::Reference(r) => todo.push((r, id)),
                Object::Dictionary(d) => match d.get(b"Type").unwrap().as_name().unwrap() {
                    b"MCR" => {
                        let page = d.get(b"Pg").unwrap().as_reference().unwrap();
                        let mcid = d.get(b"MCID").unwrap().as_i64().unwrap();
                        assert!(content.insert((page, mcid), id).is_none());
                    }
                    b"OBJR" => {
                        objrs.insert(d.get(b"Obj").unwrap().as_reference().unwrap(), id);
                    }
                    t => panic!("kid of type {t:?}"),
                },
                k => panic!("kid {k:?}"),
            }
        }
    }
    // The pages.
    let mut seen = 0;
    for page in pdf.get_pages().into_values() {
        let dict = pdf.get_dictionary(page).unwrap();
        let ops = lopdf::content::Content::decode(&pdf.get_page_content(page))
            .unwrap()
            .operations;
        let mut open: Vec<bool> = Vec::new(); // artifact?
        let mut mcids = Vec::new();
        for op in &ops {
            match op.operator.as_str() {
                "BDC" | "BMC" => {
                    let tag = op.operands[0].as_name().unwrap();
                    let artifact = tag == b"Artifact";
                    let mcid = match op.operands.get(1) {
                        Some(Object::Dictionary(d)) => d.get(b"MCID").ok(),
                        _ => None,
                    };
                    if let Some(m) = mcid {
                        assert!(!artifact && !open.contains(&true), "an MCID in an artifact");
                        mcids.push(m.as_i64().unwrap());
                    }
                    assert!(artifact || mcid.is_some(), "marked content without MCID");
                    open.push(artifact);
                }
                "EMC" => assert!(open.pop().is_some(), "EMC without BDC"),
                "TJ" | "Tj" => assert!(!open.is_empty(), "text outside marked content"),
                _ => {}
            }
        }
        assert!(open.is_empty());
        let unique: BTreeSet<i64> = mcids.iter().copied().collect();
        assert_eq!(unique.len(), mcids.len(), "an MCID used twice on a page");
        if !mcids.is_empty() {
            assert_eq!(dict.get(b"Tabs").unwrap().as_name().unwrap(), b"S");
            let key = dict.get(b"StructParents").unwrap().as_i64().unwrap();
            let arr = parent_tree[&key].as_array().unwrap();
            assert_eq!(arr.len(), mcids.len());
            for m in mcids {
                let holder = content.get(&(page, m)).expect("an MCID not in the tree");
                assert_eq!(arr[m as usize].as_reference().unwrap(), *holder);
                seen += 1;
            }
        }
        for a in pdf.get_page_annotations(page).unwrap() {
            let key = a.get(b"StructParent").unwrap().as_i64().unwrap();
            let link = parent_tree[&key].as_reference().unwrap();
            let el = pdf.get_dictionary(link).unwrap();
            assert_eq!(el.get(b"S").unwrap().as_name().unwrap(), b"Link");
            assert!(objrs.values().any(|&e| e == link));
        }
    }
    assert_eq!(seen, content.len(), "the tree holds MCIDs no page has");
    // Every OBJR is an annotation that points back to its element.
    for (annot, el) in &objrs {
        let a = pdf.get_dictionary(*annot).unwrap();
        let key = a.get(b"StructParent").unwrap().as_i64().unwrap();
        assert_eq!(parent_tree[&key].as_reference().unwrap(), *el);
    }
    tags
}

#[test]
fn tagged_pdf_structure_tree_matches_the_marked_content() {
    let doc = canal();
    let tags = check_structure(&render(&doc, None));
    let count = |t: &str| tags.get(t).copied().unwrap_or(0);
    assert_eq!(count("Document"), 1);
    assert_eq!(count("H1"), 1);
    assert_eq!(
        count("H2"),
        doc.sections.len() + 1,
        "sections and References"
    );
    assert_eq!(count("Figure"), 2);
    assert_eq!(count("Caption"), 1);
    assert_eq!(count("BlockQuote"), 1);
    // Two lists of the body (one nested) and the reference list.
    assert_eq!(count("L"), 3);
    assert_eq!(count("LI"), 4 + 2 + doc.references.len());
    assert_eq!(count("Lbl"), count("LI"));
    assert_eq!(count("LBody"), count("LI"));
    let cites: usize = doc.references.iter().map(|r| r.backlinks.len()).sum();
    assert_eq!(
        count("Link"),
        2 * cites,
        "a marker and a back-link a citation"
    );
}

#[test]
fn tagged_pdf_book_has_a_part_per_chapter_with_its_language() {
    let a = canal();
    let mut b = article(ARTICLE);
    b.meta.lang = "fr".into();
    let book = crate::write::BookMeta {
        title: "A book".into(),
        meta: crate::ast::Meta {
            lang: "en".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut c = a.clone();
    c.meta.lang = "en".into();
    let bytes = crate::write::pdf::render_book(&[&c, &b], &book, &PdfOptions::default(), true)
        .unwrap()
        .bytes;
    let tags = check_structure(&bytes);
    assert_eq!(tags["Part"], 2);
    assert_eq!(tags["H1"], 3, "the book's title and the chapters'");
    assert_eq!(tags["TOC"], 1, "the contents");
    assert_eq!(tags["TOCI"], 2, "an entry per chapter");
    let pdf = load(&bytes);
    let langs: Vec<String> = pdf
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| {
            d.get(b"S")
                .is_ok_and(|s| s.as_name().is_ok_and(|n| n == b"Part"))
        })
        .filter_map(|d| d.get(b"Lang").ok().map(string))
        .collect();
    assert_eq!(
        langs,
        ["fr"],
        "only the chapter in another language has its own"
    );
}

#[test]
fn page_furniture_and_added_hyphens_are_artifacts_and_ligatures_have_actual_text() {
    let doc = canal();
    let pdf = load(&render(&doc, None));
    let mut ligatures = 0;
    let mut footers = 0;
    let mut hyphens = 0;
    for page in pdf.get_pages().into_values() {
        let ops = lopdf::content::Content::decode(&pdf.get_page_content(page))
            .unwrap()
            .operations;
        for (i, op) in ops.iter().enumerate() {
            if !matches!(op.operator.as_str(), "BDC" | "BMC") {
                continue;
            }
            let props = match op.operands.get(1) {
                Some(Object::Dictionary(d)) => Some(d),
                _ => None,
            };
            let tj = ops[i + 1..]
                .iter()
                .find(|o| o.operator == "TJ" || o.operator == "EMC")
                .filter(|o| o.operator == "TJ");
            let glyphs = tj.map_or(0, |o| {
                o.operands[0]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|o| o.as_str().ok())
                    .map(|s| s.len() / 2)
                    .sum()
            });
            match (op.operands[0].as_name().unwrap(), props) {
                (b"Span", Some(p)) => {
                    let actual = p.get(b"ActualText").unwrap().as_str().unwrap();
                    assert!(actual.starts_with(&[0xfe, 0xff]) && actual.len() >= 6);
                    assert_eq!(glyphs, 1, "one ligature glyph a span");
                    ligatures += 1;
                }
                (b"Artifact", Some(p))
                    if p.get(b"Subtype")
                        .is_ok_and(|s| s.as_name().unwrap() == b"Footer") =>
                {
                    footers += 1;
                }
                (b"Artifact", None) => {
                    assert_eq!(glyphs, 1, "an added hyphen");
                    hyphens += 1;
                }
                _ => {}
            }
        }
    }
    let pages = pdf.get_pages().len();
    assert_eq!(footers, pages, "a page number a page");
    assert!(ligatures > 10, "{ligatures} ligatures");
    assert!(hyphens > 0, "no hyphenated line");
}

#[test]
fn dictionaries_are_in_deflated_object_streams() {
    let bytes = render(&canal(), None);
    let has = |s: &[u8]| bytes.windows(s.len()).any(|w| w == s);
    assert!(
        has(b"/ObjStm") && has(b"/XRef"),
        "object and cross-reference streams"
    );
    assert!(!has(b"trailer"), "no cross-reference table");
    // The structure tree, the annotations and the pages are all inside.
    for key in [&b"StructTreeRoot"[..], b"StructParent", b"/Annot", b"/Page"] {
        assert!(!has(key), "{} in the open", String::from_utf8_lossy(key));
    }
    let pdf = load(&bytes);
    assert!(pdf.catalog().unwrap().get(b"StructTreeRoot").is_ok());
}

#[test]
fn tagged_pdf_paragraph_over_a_page_break_is_one_element() {
    let long = "The keepers of the upper reach opened the sluices before dawn, so that \
        the flotilla could pass the summit pound without waiting for the water. "
        .repeat(60);
    let doc = article(&format!("A title\n\n{long}\n"));
    let bytes = render(&doc, None);
    let tags = check_structure(&bytes);
    assert_eq!(tags["P"], 1, "{tags:?}");
    let pdf = load(&bytes);
    assert!(pdf.get_pages().len() >= 2);
    let p = pdf
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| {
            d.get(b"S")
                .is_ok_and(|s| s.as_name().is_ok_and(|n| n == b"P"))
        })
        .unwrap();
    let kids = p.get(b"K").unwrap().as_array().unwrap();
    let on_own_page = kids.iter().filter(|k| k.as_i64().is_ok()).count();
    let elsewhere = kids.iter().filter(|k| k.as_dict().is_ok()).count();
    assert!(on_own_page > 0 && elsewhere > 0, "{kids:?}");
}

/// Freeing a long document's lines once drawn changes nothing in the file:
/// what comes after the page contents (the links' structure elements, whose
/// parents were read from the lines) is made without them, whether the
/// memory is handed back after every page, every other page or at the
/// end. Here every document is "long".
#[test]
fn freeing_drawn_lines_leaves_the_file_unchanged() {
    let text = format!(
        "{ARTICLE}\n\nLinks\n\nSee https://example.org/a-page and https://example.org/b for more.\n"
    );
    for doc in [article(ARTICLE), article(&text)] {
        let opts = PdfOptions::default();
        let source = FontSource::load(&opts.style()).unwrap();
        let mut fonts = Fonts::new(&source).unwrap();
        let mut file = |free_lines_from: usize, run: usize| {
            let mut lay = crate::layout::layout(&doc, &opts.style(), &mut fonts, opts.notes);
            let lines = lay.pages.iter().map(|p| p.lines.len()).sum::<usize>();
            let links = lay.pages.iter().map(|p| p.links.len()).sum::<usize>();
            let bytes = {
                let mut bytes = Vec::new();
                write_freeing_from(
                    &DocInfo::of(&doc),
                    &mut lay,
                    &source,
                    &opts,
                    free_lines_from,
                    run,
                    Destination::Bytes(&mut bytes),
                )
                .unwrap();
                bytes
            };
            let left = lay.pages.iter().map(|p| p.lines.len()).sum::<usize>();
            (bytes, lines, links, left, lay.pages.len())
        };
        let (kept, lines, links, left, pages) = file(usize::MAX, DRAWN_BETWEEN_RETURNS);
        assert_eq!(left, lines, "a short document keeps its lines");
        assert!(links > 0, "the article has links");
        assert!(pages > 0, "and its pages");
        for run in [1, 2, DRAWN_BETWEEN_RETURNS] {
            let (freed, _, _, left, pages) = file(1, run);
            assert_eq!((left, pages), (0, 0), "every line freed, and the pages");
            assert!(freed == kept, "the same file with the lines freed ({run})");
        }
    }
}

/// A long article's pages drawn as the layout fills them give the same
/// file as the article laid out whole and then drawn, whether the pages
/// are taken one, two or 200 at a time (here every article is "long"):
/// the glyph inventory gathered in the pages' order is the finished
/// layout's (the page numbers' digits included), every page's links are
/// taken from it, each going where the whole layout's goes (those with a
/// destination, one back-link here having none), and every line is freed
/// once drawn. The same again with the lines' glyphs
/// kept in a temporary file until their page is filled (and the rows).
/// A short article is left to the layout (its stored glyphs put back).
/// All of it with the notes at the end, and at the foot of the page (long
/// notes continued on the next page; repeated in full, or short).
#[test]
fn pages_drawn_as_they_are_filled_make_the_same_file() {
    let canal = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/input/canal-and-locks.txt"
    ))
    .unwrap();
    let links = format!(
        "{ARTICLE}\n\nLinks\n\nSee https://example.org/a-page and https://example.org/b for more.\n"
    );
    let orphan_backlink = ARTICLE.replace("2021[]", "2021[][]");
    // Its page number's digit is in no line of its text.
    let no_digits = "A title\n\nWords only, and no figures at all.\n";
    // Notes too long for the foot of one page, cited on many.
    let mut long_notes = String::from("Long notes\n\n");
    for i in 0..60 {
        long_notes.push_str(&format!(
            "Paragraph {i} tells of the keepers of the middle reach and of the \
             barges they let through the locks at night{}.\n\n",
            i % 3 + 1
        ));
    }
    for n in 1..=3 {
        let said = "The keepers' diaries, kept by the canal office. ".repeat(n * 20);
        long_notes.push_str(&format!("  {n}. {said}{}\n", "[]".repeat(20)));
    }
    for (notes, repeat) in [
        (NotePlacement::End, NoteRepeat::Full),
        (NotePlacement::Foot, NoteRepeat::Full),
        (NotePlacement::Foot, NoteRepeat::Short),
    ] {
        let mut style = Style::default();
        style.notes.repeat = repeat;
        let opts = PdfOptions {
            style: Some(style),
            notes,
            ..PdfOptions::default()
        };
        for text in [
            canal.as_str(),
            &links,
            &orphan_backlink,
            no_digits,
            &long_notes,
        ] {
            drawn_as_filled(text, &opts);
        }
    }
}

/// A figure whose description is long enough to be put aside in the
/// layout's temporary file with the glyphs (its `/Alt` written from there
/// a piece at a time) makes the file it makes held in memory, as
/// [`pages_drawn_as_they_are_filled_make_the_same_file`] draws it.
#[test]
fn a_long_figure_description_put_aside_makes_the_same_file() {
    let canal = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/input/canal-and-locks.txt"
    ))
    .unwrap();
    let (before, after) = canal.split_once("A photograph of").unwrap();
    let (_, after) = after.split_once('\n').unwrap();
    let long = "the keeper’s cottage at the summit lock (1901) \\ ".repeat(5_600);
    let text = format!("{before}A photograph of {long}\n{after}");
    let opts = PdfOptions::default();
    let style = opts.style();
    let source = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&source).unwrap();
    let doc = article(&text);
    let info = DocInfo::of(&doc);
    let mut sink = DrawingSink::new(&info, &style, &source);
    sink.from_pages = 1;
    sink.store_from = 0;
    let lay = crate::layout::layout_into(&doc, &style, &mut fonts, opts.notes, &mut sink);
    let s = &lay.structure;
    let alt = (0..s.len()).find_map(|n| s.alt(n)).unwrap();
    assert!(alt.len() > 256 * 1024, "{}", alt.len());
    assert_eq!(
        matches!(alt, crate::layout::AltText::Aside(_)),
        cfg!(unix),
        "put aside where there is a temporary file"
    );
    drawn_as_filled(&text, &opts);
}

/// [`pages_drawn_as_they_are_filled_make_the_same_file`] for `text`.
fn drawn_as_filled(text: &str, opts: &PdfOptions) {
    let style = opts.style();
    let source = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&source).unwrap();
    let doc = article(text);
    let info = DocInfo::of(&doc);
    let mut whole = crate::layout::layout(&doc, &style, &mut fonts, opts.notes);
    let inventory = content::inventory(&whole);
    // Writing takes the links out of the pages.
    let laid = whole.clone();
    let mut known = drawn_links::DrawnLinks::default();
    for page in &laid.pages {
        known
            .push_page(page.links.clone(), drawn_links::Ends::Known, None)
            .unwrap();
    }
    let mut expected = Vec::new();
    write(
        &DocInfo::of(&doc),
        &mut whole,
        &source,
        opts,
        Destination::Bytes(&mut expected),
    )
    .unwrap();
    for store_from in [STORE_GLYPHS_FROM, 0] {
        let mut declined = DrawingSink::new(&info, &style, &source);
        declined.store_from = store_from;
        let lay = crate::layout::layout_into(&doc, &style, &mut fonts, opts.notes, &mut declined);
        assert!(declined.into_file().unwrap().is_none(), "a short article");
        assert_eq!(lay, laid, "stored glyphs: {}", store_from == 0);
    }
    for (run, store_from) in [
        (1, STORE_GLYPHS_FROM),
        (2, STORE_GLYPHS_FROM),
        (DRAWN_BETWEEN_RETURNS, STORE_GLYPHS_FROM),
        (1, 0),
        (DRAWN_BETWEEN_RETURNS, 0),
    ] {
        let mut sink = DrawingSink::new(&info, &style, &source);
        sink.from_pages = 1;
        sink.run = run;
        sink.store_from = store_from;
        let mut lay = crate::layout::layout_into(&doc, &style, &mut fonts, opts.notes, &mut sink);
        // Every page's lines, links, rules and frames taken: no page kept.
        assert!(lay.pages.is_empty(), "{} pages kept", lay.pages.len());
        let file = sink.into_file().unwrap().expect("the pages were taken");
        assert_eq!(file.used, inventory);
        assert_eq!(file.links, known, "every page's links, where they go");
        // Packed through a writer (as into an output file), the same
        // bytes as packed into bytes.
        let mut bytes: Vec<u8> = Vec::new();
        let writer: &mut dyn std::io::Write = &mut bytes;
        file.finish(&info, &mut lay, opts, Destination::Writer(writer))
            .unwrap();
        assert!(
            bytes == expected,
            "the same file, {run} at a time, glyphs stored: {}",
            store_from == 0
        );
    }
}

/// A book's pages drawn as they are filled, the front matter's first, make
/// the file the book laid out whole makes: its chapters' glyphs and rows
/// kept in a file or not (from the first chapter, or from the second),
/// the pages taken 1, 2 or 200 at a time; with its chapters on any page or
/// on right-hand pages (blank versos between), the notes at the end or at
/// the foot of the page. The chapters given up (freed once flowed) make
/// the same file again.
#[test]
fn a_books_pages_drawn_as_they_are_filled_make_the_same_file() {
    let canal = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/input/canal-and-locks.txt"
    ))
    .unwrap();
    let chapters = [
        article(ARTICLE),
        article(&canal),
        article("No notes\n\nA chapter of words alone, citing nothing.\n"),
        article(&canal.replacen("\n", " (again)\n", 1)),
    ];
    let docs: Vec<&Document> = chapters.iter().collect();
    let book = crate::write::BookMeta {
        title: "A book of reaches".into(),
        ..Default::default()
    };
    let cover = book.cover(docs.first().map(|d| &d.meta));
    let info = DocInfo::of(&cover);
    let style = Style::default();
    let source = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&source).unwrap();
    // More than the book's text if every chapter held the first's (the
    // sink is asked with that), less than if they held the first two's on
    // average: the glyphs are given a file from the second chapter on.
    let first = chapters.len() * (ARTICLE.len() + 1);
    for (notes, recto) in [
        (NotePlacement::End, false),
        (NotePlacement::End, true),
        (NotePlacement::Foot, false),
        (NotePlacement::Foot, true),
    ] {
        let opts = PdfOptions {
            notes,
            ..PdfOptions::default()
        };
        let mut whole = crate::layout::layout_book(&cover, &docs, &style, &mut fonts, recto, notes);
        let inventory = content::inventory(&whole);
        let mut known = drawn_links::DrawnLinks::default();
        for page in &whole.pages {
            known
                .push_page(page.links.clone(), drawn_links::Ends::Known, None)
                .unwrap();
        }
        let pages = whole.pages.len();
        let mut expected = Vec::new();
        write(
            &info,
            &mut whole,
            &source,
            &opts,
            Destination::Bytes(&mut expected),
        )
        .unwrap();
        for (run, store_from) in [
            (1, STORE_GLYPHS_FROM),
            (2, first),
            (DRAWN_BETWEEN_RETURNS, 0),
            (1, 0),
        ] {
            let mut sink = DrawingSink::new(&info, &style, &source);
            sink.from_pages = 1;
            sink.run = run;
            sink.store_from = store_from;
            let chapters = docs.iter().map(|d| crate::layout::BookChapter::from(*d));
            let mut lay = crate::layout::layout_book_into(
                &cover,
                chapters,
                &style,
                &mut fonts,
                recto,
                notes,
                Some(&mut sink),
            );
            let said =
                format!("{notes:?}, recto {recto}, {run} at a time, stored from {store_from}");
            // Every page's lines, links, rules and frames taken, the
            // front matter's too: no page kept.
            assert!(lay.pages.is_empty(), "{said}");
            assert_eq!(sink.stored, store_from != STORE_GLYPHS_FROM, "{said}");
            let file = sink.into_file().unwrap().expect("the pages were taken");
            assert_eq!(file.used, inventory, "{said}");
            assert_eq!(
                file.links, known,
                "every page's links, where they go: {said}"
            );
            let mut bytes: Vec<u8> = Vec::new();
            let writer: &mut dyn std::io::Write = &mut bytes;
            file.finish(&info, &mut lay, &opts, Destination::Writer(writer))
                .unwrap();
            assert!(bytes == expected, "the same file: {said}");
        }
        // Given up, through the writer's own entry (whole: under 200 pages).
        assert!(pages < FREE_LINES_FROM_PAGES);
        let mut given_up = Vec::new();
        let options = crate::write::WriteOptions {
            pdf: opts.clone(),
            book: Some(book.clone()),
            recto,
            ..Default::default()
        };
        let format = crate::write::Format::Pdf;
        crate::write::render_into_giving_up(chapters.to_vec(), format, &options, &mut given_up)
            .unwrap();
        assert!(given_up == expected, "given up: {notes:?}, recto {recto}");
    }
}

/// Glyphs that cannot be read back from their temporary file make an I/O
/// error, not a PDF with pages missing text: here the file takes the
/// glyphs but cannot be read (the notes at the end or at the foot; an
/// article or a book).
#[test]
fn glyphs_that_cannot_be_read_back_are_an_error() {
    let named = tempfile::NamedTempFile::new().unwrap();
    let write_only = std::fs::OpenOptions::new()
        .write(true)
        .open(named.path())
        .unwrap();
    let doc = article(ARTICLE);
    let info = DocInfo::of(&doc);
    let style = Style::default();
    let source = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&source).unwrap();
    let placements = [NotePlacement::End, NotePlacement::Foot];
    for (from_pages, notes) in [1, usize::MAX]
        .into_iter()
        .flat_map(|f| placements.map(|p| (f, p)))
    {
        let opts = PdfOptions {
            notes,
            ..PdfOptions::default()
        };
        let mut sink = DrawingSink::new(&info, &style, &source);
        sink.from_pages = from_pages;
        sink.store_from = 0;
        sink.glyph_file = Some(TempFile::in_file(write_only.try_clone().unwrap()));
        let _ = crate::layout::layout_into(&doc, &style, &mut fonts, opts.notes, &mut sink);
        match sink.into_file() {
            Err(WriteError::Io(e)) => assert!(e.to_string().contains("Bad file"), "{e}"),
            Err(e) => panic!("another error: {e}"),
            Ok(_) => panic!("a file made without its glyphs (from {from_pages} pages, {notes:?})"),
        }
        // A book's chapters, their glyphs in one file.
        let mut sink = DrawingSink::new(&info, &style, &source);
        sink.from_pages = from_pages;
        sink.store_from = 0;
        sink.glyph_file = Some(TempFile::in_file(write_only.try_clone().unwrap()));
        let chapters = [&doc, &doc]
            .map(crate::layout::BookChapter::from)
            .into_iter();
        let _ = crate::layout::layout_book_into(
            &doc,
            chapters,
            &style,
            &mut fonts,
            false,
            notes,
            Some(&mut sink),
        );
        match sink.into_file() {
            Err(WriteError::Io(e)) => assert!(e.to_string().contains("Bad file"), "{e}"),
            Err(e) => panic!("another error: {e}"),
            Ok(_) => panic!("a book made without its glyphs (from {from_pages} pages, {notes:?})"),
        }
    }
}

/// printpdf's document of many pages is the spread of its document of one
/// page (`post_pass::AlikePages::spread`), object for object: the pages and
/// their resource dictionaries made again, the catalog and the Info
/// dictionary at printpdf's numbers, the page tree. Only the contents
/// differ (printpdf's are empty but the inventory's; the drawn pages
/// replace them all).
#[test]
fn pages_spread_from_one_page_are_printpdfs_own() {
    let opts = PdfOptions::default();
    let style = opts.style();
    let source = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&source).unwrap();
    let doc = article(ARTICLE);
    let lay = crate::layout::layout(&doc, &style, &mut fonts, opts.notes);
    let used = content::inventory(&lay);
    let made = |pages: usize| {
        let mut with = with_fonts("A title", &used, &source).unwrap();
        let ops = inventory_ops(&used, &with.ids, &with.subset);
        skeleton(&mut with.pdf, ops, pages, (lay.width, lay.height)).unwrap()
    };
    for pages in [1, 2, 3, 8] {
        let (mut spread, _) = made(1);
        let (alike, page_ids) = post_pass::AlikePages::spread(&mut spread, pages).unwrap();
        let (mut whole, whole_ids) = made(pages);
        assert_eq!(page_ids, whole_ids, "{pages} pages");
        for (pi, &id) in page_ids.iter().enumerate() {
            let page = alike.page(pi, id).unwrap();
            assert_eq!(
                whole.objects.remove(&id),
                Some(Object::Dictionary(page.dict))
            );
            let (r, resources) = page.resources;
            assert_eq!(
                whole.objects.remove(&r),
                Some(Object::Dictionary(resources.clone()))
            );
            let contents = alike.contents(pi).unwrap();
            assert!(matches!(
                whole.objects.remove(&contents),
                Some(Object::Stream(_))
            ));
        }
        assert!(alike.page(pages, (0, 0)).is_none());
        // The pages' tree, their parent, is printpdf's too.
        let tree = alike.tree().unwrap();
        let kids = |lo: &lopdf::Document| {
            lo.get_dictionary(tree)
                .unwrap()
                .get(b"Kids")
                .unwrap()
                .clone()
        };
        assert_eq!(kids(&spread).as_array().unwrap().len(), pages);
        assert_eq!(kids(&spread), kids(&whole));
        assert_eq!(spread.objects, whole.objects, "{pages} pages");
        assert_eq!(spread.max_id, whole.max_id);
        for key in [&b"Root"[..], b"Info"] {
            assert_eq!(spread.trailer.get(key).ok(), whole.trailer.get(key).ok());
        }
    }
    // A document numbered otherwise is left as it was.
    let (mut other, _) = made(2);
    let before = other.objects.clone();
    assert!(post_pass::AlikePages::spread(&mut other, 2).is_none());
    assert_eq!(other.objects, before);
}
