//! EPUB 3 output (FORMAT.md §5): one XHTML chapter per article
//! ([`super::xhtml`]), a navigation document with each article's sections
//! and reference list, the style's CSS, and package metadata (title,
//! language, author, source, date, licence, a stable identifier,
//! `dcterms:modified`, schema.org accessibility metadata).
//!
//! This module decides what goes into the book and checks it; the
//! `builder` submodule, the adapter around epub-builder (the only code that
//! uses that crate), assembles the archive and routes around epub-builder's
//! defects (its module docs list them, each with the test that covers it).
//!
//! # Reproducibility
//!
//! The same documents and options always give the same bytes: the
//! identifier is a UUID v5 of the articles' content (text and structure,
//! not metadata or spans), so changing one character changes it; nothing
//! depends on the clock.

use super::links::present;
use crate::ast::{Document, Meta};
use crate::diag::Diagnostic;
use crate::error::WriteError;
use crate::write::ChapterHead;
use crate::write::identifier::ContentIdentifier;
use crate::write::xhtml::{self, BacklinkPlacement, XhtmlOptions, language, section_id};
use crate::write::xml::{check_chars, is_w3c_date};
use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;
use std::io::Write;

mod archive;
mod builder;

#[cfg(test)]
use super::identifier::content_identifier;
#[cfg(test)]
use builder::{NAV_PATH, OPF_PATH};

/// The stylesheet of the default style (`styles/default/epub.css`), built in
/// so that the binary works from anywhere.
pub const DEFAULT_STYLESHEET: &str = include_str!("../../../styles/default/epub.css");

/// The file name of the stylesheet inside the book (epub-builder's choice).
pub const STYLESHEET_HREF: &str = "stylesheet.css";

/// The name of the navigation document's table of contents.
pub const TOC_NAME: &str = "Contents";

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
    /// articles' text and structure (not their metadata).
    pub identifier: Option<String>,
    /// The CSS of the book.
    pub stylesheet: String,
    /// `dcterms:modified` as seconds since the Unix epoch (the caller reads
    /// `SOURCE_DATE_EPOCH`); by default the first article's metadata date,
    /// else 1980-01-01.
    pub modified: Option<i64>,
    /// The book title; by default the first article's title.
    pub title: Option<String>,
    /// Where a note's back-links stand (after its text by default).
    pub backlinks: BacklinkPlacement,
}

impl Default for EpubOptions {
    fn default() -> Self {
        EpubOptions {
            identifier: None,
            stylesheet: DEFAULT_STYLESHEET.to_string(),
            modified: None,
            title: None,
            backlinks: BacklinkPlacement::After,
        }
    }
}

/// The name of the `i`-th (0-based) chapter file inside the book.
pub fn chapter_name(i: usize) -> String {
    format!("chapter-{}.xhtml", i + 1)
}

/// Writes `docs` as one EPUB 3 book, one chapter per article, to `out`.
///
/// Each chapter's XHTML is written into the archive as it is deflated
/// (never held whole); the archive, deflated, is held and written into
/// `out` once made. Fails with
/// [`WriteError::Request`] when there is no article, an empty identifier or
/// an out-of-range modified time, [`WriteError::Meta`] or [`WriteError::Char`] when a metadata value or the
/// identifier cannot be written (a character XML 1.0 does not allow, a
/// `lang` that is not a language tag, an empty identifier), or the modified
/// time is out of range; with [`WriteError::Io`] when `out` fails.
///
/// Returns the warnings about the book: notes
/// whose length some reading system will not pop up, at their reference's
/// span in their article; in a book of several articles each message names
/// its chapter.
pub fn write_book(
    docs: &[&Document],
    opts: &EpubOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let heads = crate::write::head::heads_of(docs, crate::write::Format::Epub);
    let chapters = docs.iter().map(|d| Cow::Borrowed(*d));
    write_book_of(&heads, chapters, opts, out)
}

/// [`write_book`] of `chapters`, given one at a time as the archive
/// reaches them (each given owned is freed once written), so that they
/// need not all be held at once. `heads` are the same chapters as far as
/// the book's metadata and contents read them (their titles, metadata and
/// contents entries: [`ChapterHead`] made for an EPUB); as many as
/// `chapters` ([`crate::write::render_book_into`] checks). The
/// identifier, when no other is given, is made of `chapters` as they are
/// written.
pub fn write_book_of<'d>(
    heads: &[ChapterHead],
    chapters: impl ExactSizeIterator<Item = Cow<'d, Document>>,
    opts: &EpubOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let docs = heads;
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
    let modified = modified_time(&first.meta, opts.modified)?;
    let lang = language(&first.meta).to_string();

    let xopts = XhtmlOptions {
        stylesheet: Some(STYLESHEET_HREF.to_string()),
        epub: true,
        backlinks: opts.backlinks,
        ..Default::default()
    };
    let mut written = Written {
        chapters,
        next: 0,
        many: docs.len() > 1,
        xopts: &xopts,
        warnings: Vec::new(),
        user: identifier.as_deref(),
        content: identifier.is_none().then(ContentIdentifier::new),
        made: None,
    };

    let title = opts
        .title
        .clone()
        .unwrap_or_else(|| first.title.to_string());
    let mut published = None;
    let mut metas: Vec<(&str, String)> = Vec::new();
    if let Some(date) = present(&first.meta.date) {
        match full_date(date) {
            Some(day) => published = Some(day),
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
    let chapters = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let name = chapter_name(i);
            // Held until the navigation documents are written, after every
            // chapter: made to its size (grown from empty, a chapter's one
            // entry took room for four, 2.8 MB of a book of 14,400), its
            // labels the head's, not copies.
            let references = d.references.as_deref();
            let mut toc = Vec::with_capacity(d.sections.len() + usize::from(references.is_some()));
            for (j, label) in d.sections.iter().enumerate() {
                toc.push((format!("{name}#{}", section_id(j)), &**label));
            }
            if let Some(label) = references {
                let href = format!("{name}#{}", xhtml::REFERENCES_ID);
                toc.push((href, label));
            }
            builder::Chapter {
                name,
                title: &d.title,
                toc,
            }
        })
        .collect();
    let book = builder::Book {
        title,
        authors: distinct(docs.iter().filter_map(|d| present(&d.meta.author))),
        languages: distinct(docs.iter().map(|d| language(&d.meta))),
        lang: &lang,
        generator: format!("refolio {}", env!("CARGO_PKG_VERSION")),
        toc_name: TOC_NAME,
        modified,
        license: distinct(docs.iter().filter_map(|d| present(&d.meta.license)))
            .first()
            .copied(),
        published,
        metas,
        stylesheet: opts.stylesheet.as_bytes(),
        chapters,
    };
    builder::assemble(&book, &mut written, out)?;
    out.flush()?;
    Ok(written.warnings)
}

/// The chapters as the archive writes them ([`builder::Chapters`]), and
/// what is heard of them.
struct Written<'o, I> {
    /// The chapters not written yet.
    chapters: I,
    /// The index of the next one.
    next: usize,
    /// Whether the book has more than one (a warning then names its
    /// chapter).
    many: bool,
    xopts: &'o XhtmlOptions,
    /// The chapters' warnings, in order.
    warnings: Vec<Diagnostic>,
    /// The identifier the user gave, if any; else the content identifier
    /// of the chapters written so far, and once they all are, made.
    user: Option<&'o str>,
    content: Option<ContentIdentifier>,
    made: Option<uuid::Uuid>,
}

impl<'d, I: Iterator<Item = Cow<'d, Document>>> builder::Chapters for Written<'_, I> {
    fn write(&mut self, i: usize, out: &mut dyn Write) -> Result<(), WriteError> {
        let doc = match self.chapters.next() {
            Some(doc) if i == self.next => doc,
            _ => {
                return Err(WriteError::Internal(format!(
                    "chapter {} asked for where chapter {} comes",
                    i + 1,
                    self.next + 1
                )));
            }
        };
        self.next += 1;
        if let Some(id) = &mut self.content {
            id.add(&doc);
        }
        let mut heard = xhtml::write_xhtml(&doc, self.xopts, out)?;
        if self.many {
            for w in &mut heard {
                w.message = format!("chapter {}: {}", i + 1, w.message);
            }
        }
        self.warnings.append(&mut heard);
        Ok(())
    }

    fn identifier(&mut self) -> builder::Identifier<'_> {
        if let Some(id) = self.user {
            return builder::Identifier::User(id);
        }
        let content = &mut self.content;
        let made = self
            .made
            .get_or_insert_with(|| content.take().unwrap_or_default().uuid());
        builder::Identifier::Uuid(*made)
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
fn modified_time(meta: &Meta, given: Option<i64>) -> Result<DateTime<Utc>, WriteError> {
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
    if let Some(date) = present(&meta.date).filter(|d| is_w3c_date(d)) {
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

#[cfg(test)]
mod tests {
    use super::builder::tests::{book, doc, text_of};
    use super::*;
    use crate::ast::*;

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
    fn nav_lists_sections_and_references() {
        let mut d = doc("T", "x");
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
        assert!(
            nav.contains("<a href=\"chapter-1.xhtml#sec-1\">První &amp; &lt;druhá&gt;</a>"),
            "{nav}"
        );
        assert!(
            nav.contains("<a href=\"chapter-1.xhtml#references\">Poznámky</a>"),
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
    fn short_notes_are_reported_with_their_chapter() {
        let with_note = |text: &str| {
            let mut d = doc("T", "x");
            d.references = vec![crate::ast::Reference::new(1, text, vec![], 1)];
            d.blocks = vec![crate::ast::Block::paragraph(vec![
                Inline::text("x"),
                Inline::cite(1, 1),
            ])];
            d
        };
        let (long, short) = (with_note("A long enough note"), with_note("Ibid."));
        let warnings = |docs: &[&Document]| -> Vec<String> {
            write_book(docs, &EpubOptions::default(), &mut Vec::new())
                .unwrap()
                .into_iter()
                .map(|d| d.message)
                .collect()
        };
        assert_eq!(warnings(&[&long]), Vec::<String>::new());
        let one = warnings(&[&short]);
        assert_eq!(one.len(), 1);
        assert!(
            one[0].starts_with("the EPUB note of reference 1 has 8 characters"),
            "{one:?}"
        );
        let two = warnings(&[&long, &short]);
        assert_eq!(two, [format!("chapter 2: {}", one[0])]);
    }
}
