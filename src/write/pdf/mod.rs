//! PDF output (FORMAT.md §5): the only module that talks to printpdf.
//!
//! [`crate::layout`] decides where every glyph goes. printpdf 0.12.8 writes
//! the document and embeds the fonts: it is shown every glyph once with its
//! source text (the glyph inventory), so it subsets the fonts and writes
//! `/ToUnicode` maps that give back the exact characters, ligatures
//! included. The page content streams are written by `pdf/content.rs` straight
//! from the layout, with the codes printpdf chose for each glyph (read back
//! from the inventory); all streams are deflated in parallel; printpdf's own operator
//! translation allocated per glyph and took a third of the PDF time. A small
//! lopdf post-pass then writes what printpdf cannot write, or writes wrongly:
//!
//! - link annotations with no border and exact `/XYZ` destinations (printpdf's
//!   links have visible cyan borders and page-only destinations);
//! - a nested outline in document order (printpdf's bookmarks are flat,
//!   re-sorted by page and name, and one past the last page panics);
//! - `/PageMode /UseOutlines` as a name (printpdf writes a string), `/Lang`,
//!   and the PDF 1.7 header (printpdf says 1.3);
//! - the Info dictionary, without printpdf's empty `/GTS_PDFXVersion`, with
//!   dates only from `SOURCE_DATE_EPOCH` or the article's date (never "now");
//! - a deterministic `/ID` (a UUID v5 of the file's bytes), and
//!   deterministic font resource names and subset tags (printpdf's are random).
//!
//! XMP and PDF/A settings of printpdf are not used (their output is malformed).
//! Justification is done with TJ glyph offsets, since `Tw` word spacing does
//! nothing with Identity-H fonts.

use crate::ast::Document;
use crate::error::{FontError, WriteError};
use crate::layout::fonts::{FontKind, FontSource, Fonts};
use crate::layout::style::Style;
use crate::layout::{Layout, LinkTo, MissingGlyph, layout};
use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use printpdf::{FontId, Mm, ParsedFont, PdfDocument, PdfPage, PdfSaveOptions};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

mod content;

/// How to render a PDF.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// Page geometry, fonts and sizes.
    pub style: Style,
    /// Creation date as seconds since 1970 (`SOURCE_DATE_EPOCH`); without it
    /// the article's `date` metadata is used, and without that no date.
    pub timestamp: Option<i64>,
}

impl Default for PdfOptions {
    /// The default style, no timestamp (the library never reads the
    /// environment: the command line fills [`crate::write::WriteOptions`]).
    fn default() -> Self {
        PdfOptions {
            style: Style::default(),
            timestamp: None,
        }
    }
}

/// A rendered PDF.
#[derive(Debug, Clone)]
pub struct PdfOutput {
    /// The file.
    pub bytes: Vec<u8>,
    /// Characters the fonts have no glyph for (drawn as .notdef): warn about them.
    pub missing: Vec<MissingGlyph>,
    /// Number of pages.
    pub pages: usize,
}

/// Lays out and renders `doc`.
pub fn render_pdf(doc: &Document, opts: &PdfOptions) -> Result<PdfOutput, WriteError> {
    let source = FontSource::load(&opts.style)?;
    let mut fonts = Fonts::new(&source)?;
    let lay = layout(doc, &opts.style, &mut fonts);
    let bytes = draw(doc, &lay, &source, opts)?;
    Ok(PdfOutput {
        bytes,
        missing: lay.missing.clone(),
        pages: lay.pages.len(),
    })
}

/// Lays out and renders `docs` as one book ([`crate::layout::layout_book`]):
/// a title page from `book`, then a chapter per article, each on a new page
/// (a right-hand page when `recto`), running heads with the chapter title,
/// an outline with a top-level entry per chapter and its sections inside.
/// The document information (title, author, language, date) is the book's.
pub fn render_book(
    docs: &[&Document],
    book: &crate::write::BookMeta,
    opts: &PdfOptions,
    recto: bool,
) -> Result<PdfOutput, WriteError> {
    if docs.is_empty() {
        return Err(WriteError::Request(
            "a PDF book needs at least one article".into(),
        ));
    }
    crate::write::xml::check_chars("the book title", &book.title)?;
    let cover = book.cover(docs);
    let source = FontSource::load(&opts.style)?;
    let mut fonts = Fonts::new(&source)?;
    let lay = crate::layout::layout_book(&cover, docs, &opts.style, &mut fonts, recto);
    let bytes = draw(&cover, &lay, &source, opts)?;
    Ok(PdfOutput {
        bytes,
        missing: lay.missing.clone(),
        pages: lay.pages.len(),
    })
}

fn pt_to_mm(v: f32) -> Mm {
    Mm(v * 25.4 / 72.0)
}

/// A stable 6-letter subset tag.
fn subset_tag(seed: &str, glyphs: &BTreeSet<u16>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    };
    seed.bytes().for_each(&mut feed);
    for g in glyphs {
        g.to_be_bytes().into_iter().for_each(&mut feed);
    }
    (0..6)
        .map(|i| (b'A' + ((h >> (i * 8)) % 26) as u8) as char)
        .collect()
}

/// Subsets a font to `glyphs` with the `subsetter` crate (which also drops
/// unused subroutines, unlike allsorts: 6× smaller for Libertinus). Returns
/// the font and the old → new glyph ids.
fn subset_font(
    bytes: &[u8],
    glyphs: &BTreeSet<u16>,
) -> Result<(Vec<u8>, BTreeMap<u16, u16>), String> {
    let mut mapper = subsetter::GlyphRemapper::new();
    for &g in glyphs {
        mapper.remap(g);
    }
    let sub = subsetter::subset(bytes, 0, &mapper).map_err(|e| format!("{e:?}"))?;
    let map = glyphs
        .iter()
        .map(|&g| (g, mapper.get(g).unwrap_or(0)))
        .collect();
    Ok((sub, map))
}

fn pdf_width(face: &rustybuzz::ttf_parser::Face, gid: u16) -> f32 {
    // As printpdf computes the /W entries (truncated to 1/1000 em).
    let upem = face.units_per_em() as f32;
    let w = face
        .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(gid))
        .unwrap_or(0);
    ((w as f32 * 1000.0 / upem) as i64) as f32
}

fn draw(
    doc: &Document,
    lay: &Layout,
    source: &FontSource,
    opts: &PdfOptions,
) -> Result<Vec<u8>, WriteError> {
    let mut pdf = PdfDocument::new(&doc.title.text);
    // Fonts, under deterministic ids (they become resource names and subset tags).
    let used = content::inventory(lay);
    let mut ids: BTreeMap<FontKind, FontId> = BTreeMap::new();
    let mut faces = BTreeMap::new();
    let mut subset: BTreeMap<FontKind, BTreeMap<u16, u16>> = BTreeMap::new();
    for (kind, glyphs) in &used {
        let glyphs: BTreeSet<u16> = glyphs.keys().copied().collect();
        let i = FontKind::ALL.iter().position(|k| k == kind).unwrap_or(0);
        let bytes = &source.faces[i];
        let font_error = |message: String| FontError {
            name: source.names[i].clone(),
            message,
        };
        let (sub, map) =
            subset_font(bytes, &glyphs).map_err(|e| font_error(format!("cannot subset: {e}")))?;
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&sub, 0, &mut warnings)
            .ok_or_else(|| font_error("printpdf cannot read its subset".into()))?;
        subset.insert(*kind, map);
        let tmp = pdf.add_font(&parsed);
        let font = pdf
            .resources
            .fonts
            .map
            .remove(&tmp)
            .expect("font just added");
        let id = FontId(subset_tag(&source.names[i], &glyphs));
        pdf.resources.fonts.map.insert(id.clone(), font);
        ids.insert(*kind, id);
        let face =
            rustybuzz::ttf_parser::Face::parse(bytes, 0).map_err(|e| font_error(e.to_string()))?;
        faces.insert(*kind, face);
    }
    // printpdf writes the document and the fonts; the first page shows the
    // glyph inventory, from which the codes are read back, and then every
    // page gets its real content (see the `content` module).
    let mut inventory = Some(content::inventory_ops(&used, &ids, &subset));
    let pages = lay
        .pages
        .iter()
        .map(|_| {
            let ops = inventory.take().unwrap_or_default();
            PdfPage::new(pt_to_mm(lay.width), pt_to_mm(lay.height), ops)
        })
        .collect();
    pdf.with_pages(pages);
    let save = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = pdf.to_lopdf_document(&save, &mut warnings);
    let bad = |e: lopdf::Error| WriteError::Assembly {
        stage: "PDF pages",
        detail: e.to_string(),
    };
    let page_ids: Vec<ObjectId> = lo.get_pages().into_values().collect();
    if page_ids.len() != lay.pages.len() {
        return Err(WriteError::Assembly {
            stage: "PDF pages",
            detail: "page count mismatch".into(),
        });
    }
    let codes = match page_ids.first() {
        Some(&first) => content::read_codes(&lo.get_page_content(first), &used, &ids)?,
        None => content::GlyphCodes::new(),
    };
    let width = |kind: FontKind, gid: u16| pdf_width(&faces[&kind], gid);
    let writer = content::ContentWriter {
        codes: &codes,
        names: &ids,
        height: lay.height,
        width: &width,
    };
    // Uncompressed here; `compress_streams` deflates them with the rest.
    for (&page, p) in page_ids.iter().zip(&lay.pages) {
        let stream = Object::Stream(lopdf::Stream::new(Dictionary::new(), writer.page(p)));
        // In place of printpdf's stream when it is one object (it is), so
        // that object numbers stay dense without renumbering.
        let old = lo.get_page_contents(page);
        let id = match old[..] {
            [id] => id,
            _ => lo.new_object_id(),
        };
        lo.objects.insert(id, stream);
        lo.get_object_mut(page)
            .and_then(Object::as_dict_mut)
            .map_err(bad)?
            .set("Contents", Object::Reference(id));
        for o in old.into_iter().filter(|&o| o != id) {
            lo.objects.remove(&o);
        }
    }
    // Subset fonts are named TAG+PostScriptName (printpdf names them by the tag alone).
    let names: BTreeMap<Vec<u8>, String> = ids
        .iter()
        .map(|(k, id)| {
            let i = FontKind::ALL.iter().position(|x| x == k).unwrap_or(0);
            (
                id.0.as_bytes().to_vec(),
                format!("{}+{}", id.0, source.names[i]),
            )
        })
        .collect();
    for obj in lo.objects.values_mut() {
        if let Object::Dictionary(d) = obj {
            for key in [&b"BaseFont"[..], &b"FontName"[..]] {
                if let Ok(Object::Name(n)) = d.get(key)
                    && let Some(full) = names.get(n)
                {
                    d.set(key, Object::Name(full.clone().into_bytes()));
                }
            }
        }
    }
    post_pass(&mut lo, doc, lay, &page_ids, opts)?;
    compress_streams(&mut lo)?;
    with_id(&mut lo)
}

/// Saves `lo` with a deterministic `/ID`: a UUID v5 of the file's own bytes,
/// computed with a zero placeholder in the trailer and then written over it
/// (same length, so no offset moves).
fn with_id(lo: &mut lopdf::Document) -> Result<Vec<u8>, WriteError> {
    let zero = vec![0u8; 16];
    lo.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(zero.clone(), StringFormat::Hexadecimal),
            Object::String(zero, StringFormat::Hexadecimal),
        ]),
    );
    let mut out = Vec::new();
    lo.save_to(&mut out)?;
    let placeholder = format!("<{}>", "0".repeat(32));
    let placeholder = placeholder.as_bytes();
    // In the trailer: after the file's last `trailer` keyword (the article's
    // own text, which may hold the same characters, is all before it).
    let tail = out
        .windows(b"trailer".len())
        .rposition(|w| w == b"trailer")
        .unwrap_or(0);
    let at: Vec<usize> = out[tail..]
        .windows(placeholder.len())
        .enumerate()
        .filter(|(_, w)| *w == placeholder)
        .map(|(i, _)| tail + i)
        .collect();
    if at.len() != 2 {
        return Err(WriteError::Assembly {
            stage: "PDF",
            detail: "cannot find the /ID placeholder".into(),
        });
    }
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &out);
    let hex: String = id.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
    for i in at {
        out[i + 1..i + 33].copy_from_slice(hex.as_bytes());
    }
    Ok(out)
}

/// A PDF text string: PDFDocEncoding-safe ASCII as is, else UTF-16BE with a BOM.
fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut v = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(v, StringFormat::Hexadecimal)
    }
}

fn pdf_date(secs: i64) -> Option<String> {
    let dt = chrono::DateTime::from_timestamp(secs, 0)?;
    Some(dt.format("D:%Y%m%d%H%M%SZ").to_string())
}

fn meta_date(date: &str) -> Option<String> {
    let d = date.trim();
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
    {
        let date = chrono::NaiveDate::parse_from_str(&d[..10], "%Y-%m-%d").ok()?;
        return Some(date.format("D:%Y%m%d000000Z").to_string());
    }
    None
}

fn round2(v: f32) -> Object {
    Object::Real((v * 100.0).round() / 100.0)
}

fn post_pass(
    lo: &mut lopdf::Document,
    doc: &Document,
    lay: &Layout,
    page_ids: &[ObjectId],
    opts: &PdfOptions,
) -> Result<(), WriteError> {
    let bad = |e: lopdf::Error| WriteError::Assembly {
        stage: "PDF post-pass",
        detail: e.to_string(),
    };
    lo.version = "1.7".to_string();
    let h = lay.height;
    let dest = |d: &crate::layout::Dest| {
        Object::Array(vec![
            Object::Reference(page_ids[d.page]),
            Object::Name(b"XYZ".to_vec()),
            round2(d.x),
            round2(h - d.y),
            Object::Null,
        ])
    };
    // Links.
    for (pi, page) in lay.pages.iter().enumerate() {
        let mut annots = Vec::new();
        for l in &page.links {
            let [x0, t, x1, b] = l.rect;
            let mut a = Dictionary::new();
            a.set("Type", Object::Name(b"Annot".to_vec()));
            a.set("Subtype", Object::Name(b"Link".to_vec()));
            a.set(
                "Rect",
                Object::Array(vec![round2(x0), round2(h - b), round2(x1), round2(h - t)]),
            );
            a.set("Border", Object::Array(vec![0.into(), 0.into(), 0.into()]));
            a.set("P", Object::Reference(page_ids[pi]));
            match &l.to {
                LinkTo::Dest(d) => a.set("Dest", dest(d)),
                LinkTo::Uri(u) => {
                    let mut act = Dictionary::new();
                    act.set("S", Object::Name(b"URI".to_vec()));
                    act.set(
                        "URI",
                        Object::String(u.as_bytes().to_vec(), StringFormat::Literal),
                    );
                    a.set("A", Object::Dictionary(act));
                }
            }
            annots.push(Object::Reference(lo.add_object(Object::Dictionary(a))));
        }
        let p = lo
            .get_object_mut(page_ids[pi])
            .and_then(Object::as_dict_mut)
            .map_err(bad)?;
        if annots.is_empty() {
            p.remove(b"Annots");
        } else {
            p.set("Annots", Object::Array(annots));
        }
        // printpdf writes empty resource dictionaries for every page; harmless.
    }
    // Outline: level-0 items with their level-1 children.
    let outline_root = if lay.outline.is_empty() {
        None
    } else {
        let root = lo.new_object_id();
        let ids: Vec<ObjectId> = lay.outline.iter().map(|_| lo.new_object_id()).collect();
        // Parent of each item: the nearest earlier item of a lower level.
        let parent: Vec<Option<usize>> = (0..lay.outline.len())
            .map(|i| {
                (0..i)
                    .rev()
                    .find(|&j| lay.outline[j].level < lay.outline[i].level)
            })
            .collect();
        let children = |p: Option<usize>| -> Vec<usize> {
            (0..lay.outline.len()).filter(|&i| parent[i] == p).collect()
        };
        for (i, item) in lay.outline.iter().enumerate() {
            let mut d = Dictionary::new();
            d.set("Title", text_string(&item.title));
            d.set(
                "Parent",
                Object::Reference(parent[i].map_or(root, |p| ids[p])),
            );
            d.set("Dest", dest(&item.dest));
            let sibs = children(parent[i]);
            let pos = sibs
                .iter()
                .position(|&s| s == i)
                .expect("an item is its parent's child");
            if pos > 0 {
                d.set("Prev", Object::Reference(ids[sibs[pos - 1]]));
            }
            if pos + 1 < sibs.len() {
                d.set("Next", Object::Reference(ids[sibs[pos + 1]]));
            }
            let kids = children(Some(i));
            if let (Some(f), Some(l)) = (kids.first(), kids.last()) {
                d.set("First", Object::Reference(ids[*f]));
                d.set("Last", Object::Reference(ids[*l]));
                d.set("Count", Object::Integer(kids.len() as i64));
            }
            lo.objects.insert(ids[i], Object::Dictionary(d));
        }
        let top = children(None);
        let mut r = Dictionary::new();
        r.set("Type", Object::Name(b"Outlines".to_vec()));
        r.set("First", Object::Reference(ids[top[0]]));
        r.set(
            "Last",
            Object::Reference(ids[*top.last().expect("non-empty")]),
        );
        r.set("Count", Object::Integer(lay.outline.len() as i64));
        lo.objects.insert(root, Object::Dictionary(r));
        Some(root)
    };
    // Catalog.
    let lang = if doc.meta.lang.trim().is_empty() {
        "und"
    } else {
        doc.meta.lang.trim()
    };
    {
        let cat = lo.catalog_mut().map_err(bad)?;
        cat.remove(b"PageMode");
        if let Some(root) = outline_root {
            cat.set("Outlines", Object::Reference(root));
            cat.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        }
        cat.set("Lang", text_string(lang));
        let mut vp = Dictionary::new();
        vp.set("DisplayDocTitle", Object::Boolean(true));
        cat.set("ViewerPreferences", Object::Dictionary(vp));
    }
    // Info.
    let mut info = Dictionary::new();
    info.set("Title", text_string(&doc.title.text));
    if let Some(a) = doc.meta.author.as_deref().filter(|a| !a.trim().is_empty()) {
        info.set("Author", text_string(a.trim()));
    }
    if let Some(s) = subject(doc) {
        info.set("Subject", text_string(&s));
    }
    let keywords: Vec<String> = doc
        .sections
        .iter()
        .map(|s| crate::ast::plain_text(&s.heading.inlines))
        .collect();
    if !keywords.is_empty() {
        info.set("Keywords", text_string(&keywords.join("; ")));
    }
    info.set(
        "Creator",
        text_string(&format!("refolio {}", env!("CARGO_PKG_VERSION"))),
    );
    info.set(
        "Producer",
        text_string("refolio (printpdf 0.12.8, lopdf 0.44)"),
    );
    let date = opts
        .timestamp
        .and_then(pdf_date)
        .or_else(|| doc.meta.date.as_deref().and_then(meta_date));
    if let Some(d) = date {
        info.set(
            "CreationDate",
            Object::String(d.clone().into_bytes(), StringFormat::Literal),
        );
        info.set(
            "ModDate",
            Object::String(d.into_bytes(), StringFormat::Literal),
        );
    }
    // In place of printpdf's Info; every object written here is referenced,
    // so no pruning (nor renumbering: no gaps are made) is needed.
    let info_id = match lo.trailer.get(b"Info") {
        Ok(Object::Reference(old)) => *old,
        _ => lo.new_object_id(),
    };
    lo.objects.insert(info_id, Object::Dictionary(info));
    lo.trailer.set("Info", Object::Reference(info_id));
    lo.trailer.remove(b"ID");
    Ok(())
}

/// The subtitle, or the source, as the document's subject.
fn subject(doc: &Document) -> Option<String> {
    if let Some(s) = &doc.subtitle {
        return Some(s.text.clone());
    }
    doc.meta
        .source_url
        .as_ref()
        .map(|u| format!("Article from {u}"))
}

/// Deflates every stream that has no filter yet, at zlib's default level.
/// (lopdf's own `compress` uses the best level, which took about an eighth
/// of the whole PDF time for a few per cent of size.) In parallel: the page
/// contents are most of them.
fn compress_streams(lo: &mut lopdf::Document) -> Result<(), WriteError> {
    let streams: Vec<&mut lopdf::Stream> = lo
        .objects
        .values_mut()
        .filter_map(|object| match object {
            Object::Stream(s) if s.dict.get(b"Filter").is_err() && s.allows_compression => Some(s),
            _ => None,
        })
        .collect();
    streams.into_par_iter().try_for_each(|stream| {
        use flate2::{Compression, write::ZlibEncoder};
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(&stream.content)?;
        let compressed = encoder.finish()?;
        if compressed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `/ID` is the UUID v5 of the file with the `/ID` strings zeroed,
    /// and both strings are it.
    #[test]
    fn id_is_the_hash_of_the_file_itself() {
        id_is_the_hash_of(
            "A title\n\nSome text that cites a source1.\n\n  1. Source; Press; 2001[]\n",
        );
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
        let doc = crate::parse_article(
            "t",
            text.as_bytes().to_vec(),
            Default::default(),
            &Default::default(),
        )
        .unwrap()
        .document;
        let opts = PdfOptions {
            timestamp: None,
            ..PdfOptions::default()
        };
        let bytes = render_pdf(&doc, &opts).unwrap().bytes;
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
}
