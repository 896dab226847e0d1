//! EPUB 3 output (FORMAT.md §5): one XHTML chapter per article
//! ([`super::xhtml`]), a navigation document with each article's sections
//! and reference list, the style's CSS, and package metadata (title,
//! language, author, source, date, licence, a stable identifier,
//! `dcterms:modified`, schema.org accessibility metadata).
//!
//! The archive is assembled by epub-builder 0.8.3 and then normalised by
//! one small post-pass ([`post_pass`]) that rewrites the finished zip.
//!
//! # Routing around epub-builder 0.8.3
//!
//! Found by probing it; worth reporting upstream (each would let the
//! matching step of the post-pass go):
//!
//! | defect | what refolio does |
//! |---|---|
//! | `dc:language` and `dc:creator` both get `id="epub-creator-N"` (duplicate ids, EPUBCheck RSC-005) | post-pass renames the language ids to `epub-language-N` |
//! | empty landmarks `<nav>` (an empty `ol` is invalid) when no content has a reference type | the first chapter is added with `ReferenceType::Text` (landmark `bodymatter`) |
//! | no `xml:lang` on `<package>`; no `lang` on the nav document's `<html>`, no `role="doc-toc"` on its toc `<nav>` (Ace) | post-pass adds them |
//! | chapter XHTML is passed through unchanged | the chapters declare `xmlns:epub` themselves ([`super::xhtml`]) |
//! | `<meta property>` values (`MetadataOpfV3::content`) are written unescaped; only a UUID can be the identifier | values are escaped here before they are handed over; a user identifier replaces a placeholder UUID in the post-pass, escaped |
//! | `dcterms:modified` is "now" unless set | always set: `SOURCE_DATE_EPOCH`, else the article's date, else 1980-01-01 |
//! | zip entries are stamped "now" (no API to set them) | post-pass rewrites the archive: `mimetype` first and stored, every entry with the same timestamp (the `dcterms:modified` time) and permissions `0644`, in epub-builder's order |
//!
//! Every patch of the post-pass must apply exactly as often as expected, or
//! the write fails with an internal error (so an upgrade of epub-builder
//! that changes its templates cannot silently produce a broken book; the
//! dependency is pinned with `=0.8.3`).
//!
//! # Reproducibility
//!
//! The same documents and options always give the same bytes: the
//! identifier is a UUID v5 of the articles' content (text and structure,
//! not metadata or spans), so changing one character changes it; nothing
//! depends on the clock.

use super::links::present;
use crate::ast::{Block, Document, Figure, Inline, List, Reference, plain_text};
use crate::error::WriteError;
use crate::write::xhtml::{
    self, XhtmlOptions, has_references_section, language, references_heading_text, section_id,
};
use crate::write::xml::{check_chars, is_w3c_date};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use epub_builder::{
    EpubBuilder, EpubContent, EpubVersion, MetadataOpfV3, ReferenceType, TocElement, ZipLibrary,
};
use std::io::{Cursor, Read, Write};
use uuid::Uuid;

/// The stylesheet of the default style (`styles/default/epub.css`), built in
/// so that the binary works from anywhere.
pub const DEFAULT_STYLESHEET: &str = include_str!("../../../styles/default/epub.css");

/// The file name of the stylesheet inside the book (epub-builder's choice).
pub const STYLESHEET_HREF: &str = "stylesheet.css";

/// The name of the navigation document's table of contents.
pub const TOC_NAME: &str = "Contents";

/// The namespace of refolio's content-derived identifiers (UUID v5).
pub const IDENTIFIER_NAMESPACE: Uuid = Uuid::from_u128(0x6d1c_4f0e_8a52_5b7e_9c3d_2f41_a0e8_b7c5);

/// The time used for `dcterms:modified` and the zip entries when neither
/// `SOURCE_DATE_EPOCH` nor a metadata date gives one: 1980-01-01T00:00:00Z,
/// the earliest time a zip entry can carry.
pub const FALLBACK_MODIFIED: i64 = 315_532_800;

/// The accessibility summary written into every book.
pub const ACCESSIBILITY_SUMMARY: &str = "A text-only publication; no formal conformance \
    claim is made. The images of the original web article were lost when it was flattened \
    to text: each is represented by its description, shown in its place. Citation markers \
    link to the endnotes, and each endnote links back to every place that cites it. \
    Sections have headings and are listed in the table of contents.";

/// How to build the book.
#[derive(Debug, Clone)]
pub struct EpubOptions {
    /// The book's `dc:identifier`; by default `urn:uuid:` + a UUID v5 of the
    /// articles' content ([`content_identifier`]).
    pub identifier: Option<String>,
    /// The CSS of the book.
    pub stylesheet: String,
    /// `dcterms:modified` as seconds since the Unix epoch (the caller reads
    /// `SOURCE_DATE_EPOCH`); by default the first article's metadata date,
    /// else [`FALLBACK_MODIFIED`].
    pub modified: Option<i64>,
    /// The book title; by default the first article's title.
    pub title: Option<String>,
}

impl Default for EpubOptions {
    fn default() -> Self {
        EpubOptions {
            identifier: None,
            stylesheet: DEFAULT_STYLESHEET.to_string(),
            modified: None,
            title: None,
        }
    }
}

/// The name of the `i`-th (0-based) chapter file inside the book.
pub fn chapter_name(i: usize) -> String {
    format!("chapter-{}.xhtml", i + 1)
}

/// Writes `docs` as one EPUB 3 book, one chapter per article, to `out`.
///
/// The whole archive is built in memory and written at once. Fails with
/// [`WriteError::Request`] when there is no article, an empty identifier or
/// an out-of-range modified time, [`WriteError::Meta`] or [`WriteError::Char`] when a metadata value or the
/// identifier cannot be written (a character XML 1.0 does not allow, a
/// `lang` that is not a language tag, an empty identifier), or the modified
/// time is out of range; with [`WriteError::Io`] when `out` fails.
pub fn write_book(
    docs: &[&Document],
    opts: &EpubOptions,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let Some(first) = docs.first() else {
        return Err(WriteError::Request(
            "an EPUB needs at least one article".into(),
        ));
    };
    for d in docs {
        d.meta.validate()?;
    }
    let identifier = match &opts.identifier {
        Some(id) => {
            check_chars("the identifier", id)?;
            if id.trim().is_empty() {
                return Err(WriteError::Request("the identifier is empty".into()));
            }
            Some(id.trim().to_string())
        }
        None => None,
    };
    if let Some(t) = &opts.title {
        check_chars("the book title", t)?;
    }
    check_chars("the stylesheet", &opts.stylesheet)?;
    let modified = modified_time(first, opts.modified)?;
    let lang = language(first).to_string();

    let mut chapters = Vec::with_capacity(docs.len());
    let xopts = XhtmlOptions {
        stylesheet: Some(STYLESHEET_HREF.to_string()),
        epub: true,
    };
    for d in docs {
        let mut buf = Vec::new();
        xhtml::write_xhtml(d, &xopts, &mut buf)?;
        chapters.push(buf);
    }

    let mut b =
        EpubBuilder::new(ZipLibrary::new().map_err(builder_error)?).map_err(builder_error)?;
    b.epub_version(EpubVersion::V33);
    b.escape_html(true);
    let title = opts
        .title
        .clone()
        .unwrap_or_else(|| first.title.text.clone());
    b.set_title(title);
    for author in distinct(docs.iter().filter_map(|d| present(&d.meta.author))) {
        b.add_author(author);
    }
    for l in distinct(docs.iter().map(|d| language(d))) {
        b.add_language(l);
    }
    b.set_generator(format!("refolio {}", env!("CARGO_PKG_VERSION")));
    b.set_toc_name(TOC_NAME);
    let uuid = content_identifier(docs);
    // A user identifier replaces this placeholder in the post-pass.
    b.set_uuid(if identifier.is_some() {
        PLACEHOLDER_UUID
    } else {
        uuid
    });
    b.set_modified_date(modified);
    if let Some(licence) = distinct(docs.iter().filter_map(|d| present(&d.meta.license))).first() {
        b.set_license(*licence);
    }
    let mut metas: Vec<(&str, String)> = Vec::new();
    if let Some(date) = present(&first.meta.date) {
        match full_date(date) {
            Some(day) => b.set_publication_date(day),
            None => metas.push(("dcterms:date", date.to_string())),
        }
    }
    for url in distinct(docs.iter().filter_map(|d| present(&d.meta.source_url))) {
        metas.push(("dcterms:source", url.to_string()));
    }
    metas.extend([
        ("schema:accessMode", "textual".to_string()),
        ("schema:accessModeSufficient", "textual".to_string()),
        (
            "schema:accessibilityFeature",
            "structuralNavigation".to_string(),
        ),
        ("schema:accessibilityFeature", "tableOfContents".to_string()),
        ("schema:accessibilityFeature", "readingOrder".to_string()),
        (
            "schema:accessibilityFeature",
            "displayTransformability".to_string(),
        ),
        ("schema:accessibilityHazard", "none".to_string()),
        (
            "schema:accessibilitySummary",
            ACCESSIBILITY_SUMMARY.to_string(),
        ),
    ]);
    for (property, content) in metas {
        // epub-builder writes `content` as it is: escape it here.
        let escaped = quick_xml::escape::escape(content.as_str()).into_owned();
        b.add_metadata_opf(Box::new(MetadataOpfV3::new(property.to_string(), escaped)));
    }
    b.stylesheet(opts.stylesheet.as_bytes())
        .map_err(builder_error)?;

    for (i, (d, bytes)) in docs.iter().zip(&chapters).enumerate() {
        let name = chapter_name(i);
        let mut content = EpubContent::new(name.clone(), bytes.as_slice()).title(&d.title.text);
        if i == 0 {
            // Without a reference type the landmarks nav would be empty (invalid).
            content = content.reftype(ReferenceType::Text);
        }
        for (j, s) in d.sections.iter().enumerate() {
            let label = plain_text(&s.heading.inlines);
            let label = if label.trim().is_empty() {
                format!("Section {}", j + 1)
            } else {
                label.trim().to_string()
            };
            content = content.child(TocElement::new(format!("{name}#{}", section_id(j)), label));
        }
        if has_references_section(d) {
            let href = format!("{name}#{}", xhtml::REFERENCES_ID);
            content = content.child(TocElement::new(href, references_heading_text(d).trim()));
        }
        b.add_content(content).map_err(builder_error)?;
    }

    let mut raw = Vec::new();
    b.generate(&mut raw).map_err(builder_error)?;
    let fixes = Fixes {
        lang: &lang,
        identifier: identifier.as_deref(),
        modified,
    };
    let book = post_pass(&raw, &fixes)?;
    out.write_all(&book)?;
    out.flush()?;
    Ok(())
}

/// The placeholder that a user identifier replaces (never in a finished book).
const PLACEHOLDER_UUID: Uuid = Uuid::from_u128(0);

fn builder_error(e: epub_builder::Error) -> WriteError {
    WriteError::Assembly {
        stage: "epub-builder",
        detail: e.to_string(),
    }
}

/// The values in first-seen order, without repeats.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// `YYYY-MM-DD` as midnight UTC; `None` for anything else.
fn full_date(date: &str) -> Option<DateTime<Utc>> {
    if !is_w3c_date(date) || date.len() != 10 {
        return None;
    }
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

/// `dcterms:modified`: the given epoch seconds, else the metadata date
/// (`YYYY`, `YYYY-MM` and `YYYY-MM-DD` count, from their first day), else
/// [`FALLBACK_MODIFIED`].
fn modified_time(doc: &Document, given: Option<i64>) -> Result<DateTime<Utc>, WriteError> {
    if let Some(secs) = given {
        // Zip timestamps end in 2107; refuse what cannot be represented.
        if !(0..=4_354_819_199).contains(&secs) {
            return Err(WriteError::Request(format!(
                "the modification time {secs} (SOURCE_DATE_EPOCH) is out of range \
                 (0 to 4354819199, i.e. up to 2107-12-31)"
            )));
        }
        return DateTime::from_timestamp(secs, 0).ok_or_else(|| {
            WriteError::Request(format!("the modification time {secs} is out of range"))
        });
    }
    if let Some(date) = present(&doc.meta.date).filter(|d| is_w3c_date(d)) {
        let padded = match date.len() {
            4 => format!("{date}-01-01"),
            7 => format!("{date}-01"),
            _ => date.to_string(),
        };
        if let Some(t) = full_date(&padded) {
            return Ok(t);
        }
    }
    Ok(DateTime::from_timestamp(FALLBACK_MODIFIED, 0).unwrap_or_default())
}

/// The content-derived identifier of `docs`: a UUID v5 in
/// [`IDENTIFIER_NAMESPACE`] of their text and structure (titles, blocks,
/// headings, markers, URLs, references), without metadata or source
/// positions, so that re-encoding the input (CRLF, BOM) keeps it and
/// changing any character of the text changes it.
pub fn content_identifier(docs: &[&Document]) -> Uuid {
    let mut c = Canon::default();
    c.tag("refolio-epub-content/1");
    for d in docs {
        c.tag("doc");
        c.field("title", &d.title.text);
        if let Some(s) = &d.subtitle {
            c.field("subtitle", &s.text);
        }
        if let Some(f) = &d.lead_figure {
            c.tag("lead");
            c.figure(f);
        }
        for b in &d.blocks {
            c.block(b);
        }
        for s in &d.sections {
            c.tag("section");
            c.inlines(&s.heading.inlines);
            for b in &s.blocks {
                c.block(b);
            }
        }
        if let Some(h) = &d.references_heading {
            c.tag("references-heading");
            c.inlines(&h.inlines);
        }
        for r in &d.references {
            c.reference(r);
        }
    }
    Uuid::new_v5(&IDENTIFIER_NAMESPACE, &c.bytes)
}

/// An unambiguous serialisation of a document's content. Fields are
/// separated by U+001F and ended by U+001E, characters that never occur in
/// the model's text (the parser drops control characters).
#[derive(Default)]
struct Canon {
    bytes: Vec<u8>,
}

impl Canon {
    fn tag(&mut self, t: &str) {
        self.bytes.extend_from_slice(t.as_bytes());
        self.bytes.push(0x1E);
    }
    fn field(&mut self, name: &str, value: &str) {
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0x1F);
        self.bytes.extend_from_slice(value.as_bytes());
        self.bytes.push(0x1E);
    }
    fn inlines(&mut self, inlines: &[Inline]) {
        for i in inlines {
            match i {
                Inline::Text { text, .. } => self.field("t", text),
                Inline::Cite { n, occurrence, .. } => self.field("c", &format!("{n}.{occurrence}")),
                Inline::Link { url, .. } => self.field("l", url),
            }
        }
        self.tag("/");
    }
    fn figure(&mut self, f: &Figure) {
        self.tag("figure");
        self.inlines(&f.alt);
        if let Some(c) = &f.caption {
            self.tag("caption");
            self.inlines(c);
        }
    }
    fn list(&mut self, l: &List) {
        self.field(if l.ordered { "ol" } else { "ul" }, &l.start.to_string());
        for item in &l.items {
            self.tag("li");
            self.inlines(&item.inlines);
            for c in &item.children {
                self.list(c);
            }
        }
        self.tag("/list");
    }
    fn block(&mut self, b: &Block) {
        match b {
            Block::Paragraph(p) => {
                self.tag("p");
                self.inlines(&p.inlines);
            }
            Block::List(l) => self.list(l),
            Block::Figure(f) => self.figure(f),
            Block::Quote(q) => {
                self.tag("quote");
                self.inlines(&q.inlines);
            }
            Block::Rule(_) => self.tag("rule"),
        }
    }
    fn reference(&mut self, r: &Reference) {
        self.field("ref", &r.n.to_string());
        self.field("raw", &r.raw);
        self.field("backlinks", &r.backlinks.len().to_string());
    }
}

// ------------------------------------------------------------- post-pass

/// What the post-pass fixes in epub-builder's archive.
#[derive(Debug, Clone, Copy)]
pub struct Fixes<'a> {
    /// The book's language (`xml:lang` of `package` and the nav document).
    pub lang: &'a str,
    /// A user identifier to put in place of the placeholder UUID.
    pub identifier: Option<&'a str>,
    /// The timestamp of every zip entry.
    pub modified: DateTime<Utc>,
}

/// Where epub-builder puts the package document and the navigation document.
pub const OPF_PATH: &str = "OEBPS/content.opf";
/// See [`OPF_PATH`].
pub const NAV_PATH: &str = "OEBPS/nav.xhtml";

/// The post-pass over epub-builder 0.8.3's finished archive (see the
/// [module docs](self) for why each step exists):
///
/// 1. `content.opf`: `xml:lang` on `package`; `dc:language` ids renamed so
///    they no longer collide with `dc:creator`'s; the user identifier, if any;
/// 2. `nav.xhtml`: `lang`/`xml:lang` on `html`, `role="doc-toc"` on the toc
///    `nav`, `hidden` on the landmarks `nav` (for reading systems only);
/// 3. the zip is written anew: `mimetype` first and stored, everything else
///    deflated in the original order, all with the timestamp `modified` and
///    permissions 0644, no extra fields, no comment.
pub fn post_pass(archive: &[u8], fixes: &Fixes) -> Result<Vec<u8>, WriteError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).map_err(zip_error)?;
    let mut entries: Vec<(String, Vec<u8>)> = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(zip_error)?;
        let mut data = Vec::new();
        f.read_to_end(&mut data)?;
        entries.push((f.name().to_string(), data));
    }
    let mut patched = (false, false);
    for (name, data) in &mut entries {
        if name == OPF_PATH {
            *data = patch_opf(utf8(name, data)?, fixes)?.into_bytes();
            patched.0 = true;
        } else if name == NAV_PATH {
            *data = patch_nav(utf8(name, data)?, fixes.lang)?.into_bytes();
            patched.1 = true;
        }
    }
    if patched != (true, true) {
        return Err(WriteError::Internal(format!(
            "epub-builder wrote no {OPF_PATH} or no {NAV_PATH}"
        )));
    }
    let Some(mimetype) = entries.iter().position(|(n, _)| n == "mimetype") else {
        return Err(WriteError::Internal(
            "epub-builder wrote no mimetype".into(),
        ));
    };
    let mimetype = entries.remove(mimetype);

    let time = zip_time(fixes.modified);
    let base = zip::write::SimpleFileOptions::default()
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file(
        "mimetype",
        base.compression_method(zip::CompressionMethod::Stored),
    )
    .map_err(zip_error)?;
    w.write_all(&mimetype.1)?;
    let deflated = base
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, data) in &entries {
        w.start_file(name.as_str(), deflated).map_err(zip_error)?;
        w.write_all(data)?;
    }
    Ok(w.finish().map_err(zip_error)?.into_inner())
}

fn zip_error(e: zip::result::ZipError) -> WriteError {
    WriteError::Assembly {
        stage: "zip",
        detail: e.to_string(),
    }
}

fn utf8<'a>(name: &str, data: &'a [u8]) -> Result<&'a str, WriteError> {
    std::str::from_utf8(data).map_err(|e| WriteError::Internal(format!("{name} is not UTF-8: {e}")))
}

/// The zip timestamp of `t` (zip time has no zone and two-second steps;
/// clamped to 1980–2107).
fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    let year = t.year().clamp(1980, 2107) as u16;
    zip::DateTime::from_date_and_time(
        year,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

/// Replaces `from` by `to` where it occurs, which must be exactly `count`
/// times (`None`: at least once).
fn patch(
    text: &str,
    file: &str,
    from: &str,
    to: &str,
    count: Option<usize>,
) -> Result<String, WriteError> {
    let found = text.matches(from).count();
    let ok = match count {
        Some(n) => found == n,
        None => found > 0,
    };
    if !ok {
        return Err(WriteError::Internal(format!(
            "{file} as written by epub-builder has `{from}` {found} times, \
             expected {}; has epub-builder changed?",
            count.map_or("at least once".to_string(), |n| format!("{n} times"))
        )));
    }
    Ok(text.replace(from, to))
}

fn patch_opf(opf: &str, fixes: &Fixes) -> Result<String, WriteError> {
    let lang = quick_xml::escape::escape(fixes.lang);
    let package = r#"<package version="3.0" xmlns="http://www.idpf.org/2007/opf" unique-identifier="epub-id-1">"#;
    let with_lang = format!(
        r#"<package version="3.0" xmlns="http://www.idpf.org/2007/opf" unique-identifier="epub-id-1" xml:lang="{lang}">"#
    );
    let mut opf = patch(opf, OPF_PATH, package, &with_lang, Some(1))?;
    opf = patch(
        &opf,
        OPF_PATH,
        r#"<dc:language id="epub-creator-"#,
        r#"<dc:language id="epub-language-"#,
        None,
    )?;
    if let Some(id) = fixes.identifier {
        let from = format!(
            r#"<dc:identifier id="epub-id-1">{}</dc:identifier>"#,
            uuid::fmt::Urn::from_uuid(PLACEHOLDER_UUID)
        );
        let to = format!(
            r#"<dc:identifier id="epub-id-1">{}</dc:identifier>"#,
            quick_xml::escape::escape(id)
        );
        opf = patch(&opf, OPF_PATH, &from, &to, Some(1))?;
    }
    Ok(opf)
}

fn patch_nav(nav: &str, lang: &str) -> Result<String, WriteError> {
    let lang = quick_xml::escape::escape(lang);
    let html =
        r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">"#;
    let with_lang = format!(
        r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{lang}" xml:lang="{lang}">"#
    );
    let mut nav = patch(nav, NAV_PATH, html, &with_lang, Some(1))?;
    nav = patch(
        &nav,
        NAV_PATH,
        r#"<nav epub:type = "toc" id="toc">"#,
        r#"<nav epub:type="toc" role="doc-toc" id="toc" aria-labelledby="toc-title">"#,
        Some(1),
    )?;
    nav = patch(
        &nav,
        NAV_PATH,
        r#"<nav epub:type = "landmarks">"#,
        r#"<nav epub:type="landmarks" hidden="hidden">"#,
        Some(1),
    )?;
    Ok(nav)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::*;

    fn doc(title: &str, text: &str) -> Document {
        let mut d = Document::new(title);
        d.blocks.push(Block::paragraph(vec![Inline::text(text)]));
        d
    }
    fn book(d: &Document, opts: &EpubOptions) -> Vec<u8> {
        let mut buf = Vec::new();
        write_book(&[d], opts, &mut buf).expect("write_book");
        buf
    }
    fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>, zip::CompressionMethod, Option<u32>)> {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut d = Vec::new();
                f.read_to_end(&mut d).unwrap();
                (f.name().to_string(), d, f.compression(), f.unix_mode())
            })
            .collect()
    }
    fn text_of(bytes: &[u8], name: &str) -> String {
        let e = entries(bytes);
        let (_, d, _, _) = e.iter().find(|(n, ..)| n == name).unwrap();
        String::from_utf8(d.clone()).unwrap()
    }

    #[test]
    fn archive_layout_mimetype_first_stored_fixed_times() {
        let bytes = book(&doc("T", "x"), &EpubOptions::default());
        assert_eq!(
            &bytes[30..38],
            b"mimetype",
            "first local header is mimetype"
        );
        assert_eq!(
            &bytes[38..58],
            b"application/epub+zip",
            "stored, no extra field"
        );
        let e = entries(&bytes);
        assert_eq!(e[0].0, "mimetype");
        assert_eq!(e[0].2, zip::CompressionMethod::Stored);
        let names: Vec<&str> = e.iter().map(|x| x.0.as_str()).collect();
        for want in [
            OPF_PATH,
            NAV_PATH,
            "OEBPS/chapter-1.xhtml",
            "OEBPS/stylesheet.css",
            "META-INF/container.xml",
        ] {
            assert!(names.contains(&want), "{names:?}");
        }
        for (name, _, method, mode) in &e[1..] {
            assert_eq!(*method, zip::CompressionMethod::Deflated, "{name}");
            assert_eq!(mode.map(|m| m & 0o777), Some(0o644), "{name}");
        }
        let mut z = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        for i in 0..z.len() {
            let f = z.by_index(i).unwrap();
            let t = f.last_modified().unwrap();
            assert_eq!(
                (t.year(), t.month(), t.day(), t.hour()),
                (1980, 1, 1, 0),
                "{}",
                f.name()
            );
        }
    }

    #[test]
    fn reproducible_and_identifier_follows_content() {
        let d = doc("T", "Some text.");
        let a = book(&d, &EpubOptions::default());
        assert_eq!(a, book(&d, &EpubOptions::default()));
        let id = content_identifier(&[&d]);
        assert_eq!(id.get_version_num(), 5);
        assert!(text_of(&a, OPF_PATH).contains(&format!(
            "<dc:identifier id=\"epub-id-1\">urn:uuid:{id}</dc:identifier>"
        )));
        let changed = doc("T", "Some text,");
        assert_ne!(content_identifier(&[&changed]), id);
        let mut meta_only = d.clone();
        meta_only.meta.author = Some("X".into());
        assert_eq!(
            content_identifier(&[&meta_only]),
            id,
            "metadata is not content"
        );
    }

    #[test]
    fn modified_from_epoch_then_date_then_fallback() {
        let mut d = doc("T", "x");
        let opf = |d: &Document, m| {
            text_of(
                &book(
                    d,
                    &EpubOptions {
                        modified: m,
                        ..EpubOptions::default()
                    },
                ),
                OPF_PATH,
            )
        };
        assert!(
            opf(&d, None)
                .contains("<meta property=\"dcterms:modified\">1980-01-01T00:00:00Z</meta>")
        );
        d.meta.date = Some("2018-03".into());
        assert!(opf(&d, None).contains(">2018-03-01T00:00:00Z</meta>"));
        assert!(opf(&d, None).contains("<meta property=\"dcterms:date\">2018-03</meta>"));
        d.meta.date = Some("2018-03-07".into());
        let o = opf(&d, Some(1_700_000_000));
        assert!(o.contains(">2023-11-14T22:13:20Z</meta>"), "{o}");
        assert!(o.contains("<dc:date>2018-03-07T00:00:00Z</dc:date>"), "{o}");
        let mut buf = Vec::new();
        let e = write_book(
            &[&d],
            &EpubOptions {
                modified: Some(-1),
                ..EpubOptions::default()
            },
            &mut buf,
        );
        assert!(e.unwrap_err().to_string().contains("SOURCE_DATE_EPOCH"));
        assert!(buf.is_empty());
    }

    #[test]
    fn metadata_is_escaped_and_ids_are_unique() {
        let mut d = doc("A <T> & \"q\"", "x");
        d.meta.author = Some("Jan & <Co> \"x\" ]]>".into());
        d.meta.source_url = Some("https://ex.org/?a=1&b=<2>".into());
        d.meta.license = Some("CC <BY> & co".into());
        d.meta.date = Some("Winter & <1993>".into());
        let opts = EpubOptions {
            identifier: Some("isbn:<978> & \"x\"".into()),
            ..EpubOptions::default()
        };
        let bytes = book(&d, &opts);
        let opf = text_of(&bytes, OPF_PATH);
        assert!(
            opf.contains("<dc:title>A &lt;T&gt; &amp; \"q\"</dc:title>"),
            "{opf}"
        );
        assert!(
            opf.contains(
                "<dc:creator id=\"epub-creator-0\">Jan &amp; &lt;Co&gt; \"x\" ]]&gt;</dc:creator>"
            ),
            "{opf}"
        );
        assert!(
            opf.contains("<dc:language id=\"epub-language-0\">en</dc:language>"),
            "{opf}"
        );
        assert!(
            opf.contains("<dc:rights>CC &lt;BY&gt; &amp; co</dc:rights>"),
            "{opf}"
        );
        assert!(
            opf.contains(
                "<meta property=\"dcterms:source\">https://ex.org/?a=1&amp;b=&lt;2&gt;</meta>"
            ),
            "{opf}"
        );
        assert!(
            opf.contains("<meta property=\"dcterms:date\">Winter &amp; &lt;1993&gt;</meta>"),
            "{opf}"
        );
        assert!(opf.contains("<dc:identifier id=\"epub-id-1\">isbn:&lt;978&gt; &amp; &quot;x&quot;</dc:identifier>"), "{opf}");
        assert!(!opf.contains("urn:uuid:00000000"), "{opf}");
        assert!(
            opf.contains("unique-identifier=\"epub-id-1\" xml:lang=\"en\">"),
            "{opf}"
        );
        assert_eq!(opf.matches("id=\"epub-creator-0\"").count(), 1, "{opf}");
        // Every document in the archive is well-formed XML.
        for (name, data, ..) in entries(&bytes) {
            if name.ends_with(".xhtml")
                || name.ends_with(".opf")
                || name.ends_with(".xml")
                || name.ends_with(".ncx")
            {
                let mut r = quick_xml::Reader::from_reader(data.as_slice());
                let mut buf = Vec::new();
                loop {
                    match r.read_event_into(&mut buf) {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("{name}: {e}"),
                    }
                    buf.clear();
                }
            }
        }
    }

    #[test]
    fn bad_values_are_rejected_before_anything_is_written() {
        let d = doc("T", "x");
        for (opts, what) in [
            (
                EpubOptions {
                    identifier: Some("a\u{1}b".into()),
                    ..EpubOptions::default()
                },
                "identifier",
            ),
            (
                EpubOptions {
                    identifier: Some("  ".into()),
                    ..EpubOptions::default()
                },
                "identifier",
            ),
            (
                EpubOptions {
                    title: Some("\u{FFFF}".into()),
                    ..EpubOptions::default()
                },
                "title",
            ),
        ] {
            let mut buf = Vec::new();
            let e = write_book(&[&d], &opts, &mut buf).unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
            assert!(buf.is_empty());
        }
        let mut bad = d.clone();
        bad.meta.license = Some("\u{7}".into());
        let e = write_book(&[&bad], &EpubOptions::default(), &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("`license`"), "{e}");
        assert!(write_book(&[], &EpubOptions::default(), &mut Vec::new()).is_err());
    }

    #[test]
    fn nav_has_language_roles_sections_and_references() {
        let mut d = doc("T", "x");
        d.meta.lang = "cs".into();
        let span = Span::default();
        d.sections = vec![Section {
            heading: Heading {
                inlines: vec![Inline::text("První & <druhá>")],
                span,
            },
            blocks: vec![],
            span,
        }];
        d.references = vec![Reference::new(1, "R", vec![], 0)];
        d.references_heading = Some(Heading {
            inlines: vec![Inline::text("Poznámky")],
            span,
        });
        let nav = text_of(&book(&d, &EpubOptions::default()), NAV_PATH);
        assert!(nav.contains("lang=\"cs\" xml:lang=\"cs\">"), "{nav}");
        assert!(
            nav.contains("<nav epub:type=\"toc\" role=\"doc-toc\""),
            "{nav}"
        );
        assert!(
            nav.contains("<a href=\"chapter-1.xhtml#sec-1\">První &amp; &lt;druhá&gt;</a>"),
            "{nav}"
        );
        assert!(
            nav.contains("<a href=\"chapter-1.xhtml#references\">Poznámky</a>"),
            "{nav}"
        );
        assert!(
            nav.contains("<a epub:type=\"bodymatter\" href=\"chapter-1.xhtml\">"),
            "{nav}"
        );
    }

    #[test]
    fn several_articles_make_one_book() {
        let a = doc("First", "one");
        let mut b = doc("Second", "two");
        b.meta.lang = "de".into();
        let mut buf = Vec::new();
        let opts = EpubOptions {
            title: Some("Both".into()),
            ..EpubOptions::default()
        };
        write_book(&[&a, &b], &opts, &mut buf).unwrap();
        let opf = text_of(&buf, OPF_PATH);
        assert!(opf.contains("<dc:title>Both</dc:title>"), "{opf}");
        assert!(
            opf.contains("<itemref idref=\"id_chapter-1.xhtml\"/>")
                && opf.contains("<itemref idref=\"id_chapter-2.xhtml\"/>"),
            "{opf}"
        );
        assert!(
            opf.contains("<dc:language id=\"epub-language-1\">de</dc:language>"),
            "{opf}"
        );
        assert!(text_of(&buf, "OEBPS/chapter-2.xhtml").contains("lang=\"de\" xml:lang=\"de\""));
        assert_ne!(content_identifier(&[&a, &b]), content_identifier(&[&b, &a]));
    }

    #[test]
    fn patches_fail_loudly_when_the_template_differs() {
        let fixes = Fixes {
            lang: "en",
            identifier: None,
            modified: Utc::now(),
        };
        let e = patch_opf("<package version=\"3.1\">", &fixes)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("internal error") && e.contains("epub-builder"),
            "{e}"
        );
        assert!(patch_nav("<html>", "en").is_err());
        assert!(post_pass(b"not a zip", &fixes).is_err());
    }
}
