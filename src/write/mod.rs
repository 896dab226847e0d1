//! Output formats. Each writer reads only the [`Document`]; none re-parses text.

use crate::ast::Document;
use crate::diag::Diagnostic;
use crate::error::WriteError;
use std::io::Write;

pub(crate) mod article;
pub(crate) mod epub;
mod file;
mod head;
pub(crate) mod html;
mod identifier;
pub(crate) mod json;
mod links;
pub(crate) mod markdown;
pub mod pandoc;
pub(crate) mod pdf;
pub(crate) mod tei;
mod text_out;
pub(crate) mod xhtml;
pub(crate) mod xml;

pub use crate::layout::style::{NotePlacement, NoteRepeat, Style, StyleError};
pub use epub::{DEFAULT_STYLESHEET, EpubOptions};
pub use file::{write_atomic, write_atomic_with};
pub use head::{ChapterHead, HeadMaker};
pub use identifier::ContentIdentifier;
pub use pandoc::{NoteStyle, PandocApi, PandocOptions};
pub use pdf::{PUT_AWAY_FROM as PDF_PUT_AWAY_FROM, PdfOptions};
pub use tei::TeiProfile;
pub use xhtml::{BacklinkPlacement, POPUP_NOTE_CHARS};
pub use xml::check_chars;

/// An output format: the one list of formats, also the values of the
/// command line's `--to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// TEI P5 XML for archival deposit (`.tei.xml`).
    Tei,
    /// The document model as JSON (`.json`).
    Json,
    /// An EPUB 3 e-book (`.epub`), a zip archive.
    Epub,
    /// A print PDF (`.pdf`), typeset by refolio: shaped, justified and
    /// hyphenated, with tagged structure.
    Pdf,
    /// The article format itself, in canonical form (`.article.txt`).
    Article,
    /// pandoc's JSON AST (`.pandoc.json`), for `pandoc -f json -t docx` and
    /// every other format pandoc writes.
    Pandoc,
    /// pandoc-flavoured Markdown with footnotes (`.md`), which refolio
    /// reads back.
    Markdown,
    /// One self-contained HTML5 page (`.html`): the EPUB's chapter with its
    /// stylesheet inline.
    Html,
}

impl Format {
    /// Every format, in the order `convert` writes them.
    pub const ALL: [Format; 8] = [
        Format::Tei,
        Format::Json,
        Format::Epub,
        Format::Pdf,
        Format::Article,
        Format::Pandoc,
        Format::Markdown,
        Format::Html,
    ];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Tei => "tei",
            Format::Json => "json",
            Format::Epub => "epub",
            Format::Pdf => "pdf",
            Format::Article => "article",
            Format::Pandoc => "pandoc",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// The file name extension (after the stem) of this format's output.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Tei => "tei.xml",
            Format::Json => "json",
            Format::Epub => "epub",
            Format::Pdf => "pdf",
            Format::Article => "article.txt",
            Format::Pandoc => "pandoc.json",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }

    /// True for formats whose output is binary (not text).
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Epub | Format::Pdf)
    }

    /// Looks a format up by its command-line name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Everything a writer may be told, for every format at once. Filled in one
/// place: the command line reads the environment and the style files into
/// it; a library user fills it by hand. The default is the built-in style,
/// no timestamp and one article per output.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The one timestamp of the outputs that record one (the EPUB's
    /// `dcterms:modified`, the PDF's creation date), in seconds since 1970
    /// (the command line takes `SOURCE_DATE_EPOCH`). Without it the first
    /// article's `date` metadata is used, else a fixed date (EPUB) or none
    /// (PDF). It overrides the per-format fields of the same meaning.
    pub timestamp: Option<i64>,
    /// TEI: the customisation kept to.
    pub tei: TeiOptions,
    /// EPUB: identifier, stylesheet, title.
    pub epub: epub::EpubOptions,
    /// PDF: page, fonts and sizes.
    pub pdf: pdf::PdfOptions,
    /// Set when the articles make one book: TEI writes a `teiCorpus` and
    /// PDF a book with a title page, from this metadata. EPUB makes one
    /// book of the articles either way.
    pub book: Option<BookMeta>,
    /// A PDF book starts every chapter on a right-hand page.
    pub recto: bool,
    /// pandoc JSON: the API version and how citations are written.
    pub pandoc: PandocOptions,
}

/// How to write TEI.
#[derive(Debug, Clone, Copy, Default)]
pub struct TeiOptions {
    /// `portable` (the default: valid against `tei_all`, TEI Lite and TEI
    /// Simple Print) or `all` (`tei_all` only, with `biblStruct` references).
    pub profile: TeiProfile,
    /// For a single article read with its margins (`--review`): how many of
    /// the resolver's decisions were doubtful, said in the header's
    /// `editorialDecl`.
    pub review: Option<ReviewSummary>,
}

/// How sure the resolver was of an article's citations, for the TEI header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewSummary {
    /// Readings that had an alternative.
    pub decisions: usize,
    /// Those whose margin was below `below` (the ones `--review` lists).
    pub doubtful: usize,
    /// The margin under which a decision is doubtful.
    pub below: f32,
}

/// What a writer made: the bytes, and what it noticed on the way.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The output file.
    pub bytes: Vec<u8>,
    /// Warnings about the output, with spans in their article's source:
    /// characters the PDF's fonts have no glyph for (drawn as a blank box);
    /// EPUB notes whose length Kobo's readers will not pop up
    /// ([`POPUP_NOTE_CHARS`]).
    pub diagnostics: Vec<crate::diag::Diagnostic>,
}

/// The stable identifier of `docs`, as the EPUB carries it in
/// `dc:identifier` unless one is given: `urn:uuid:` and a UUID v5 of their
/// text and structure (not their metadata), so that the same articles always
/// get the same identifier and a changed character a new one.
pub fn content_identifier(docs: &[&Document]) -> String {
    identifier_urn(identifier::content_identifier(docs))
}

/// A content identifier ([`ContentIdentifier::uuid`]) as
/// [`content_identifier`] writes it: `urn:uuid:` and the UUID.
pub fn identifier_urn(uuid: uuid::Uuid) -> String {
    format!("urn:uuid:{uuid}")
}

/// The warning for a licence given by a name refolio knows no URL for (it
/// stays prose in the TEI, without `licence/@target`).
fn unknown_licence(licence: &str) -> Option<crate::diag::Diagnostic> {
    let l = licence.trim();
    if l.is_empty()
        || l.starts_with("http://")
        || l.starts_with("https://")
        || tei::licence_url(l).is_some()
    {
        return None;
    }
    Some(
        crate::diag::Diagnostic::new(
            crate::diag::Severity::Warning,
            crate::ast::Span::default(),
            format!(
                "metadata field `license`: refolio knows no URL for {l:?}; the TEI keeps it as \
                 prose, without licence/@target"
            ),
        )
        .with_help(
            "give the licence's URL, or a Creative Commons name such as `CC BY 4.0`, \
             `CC BY-NC-SA 3.0` or `CC0 1.0`",
        ),
    )
}

/// The warning for a character the PDF fonts cannot draw.
fn missing_glyph(m: &crate::layout::MissingGlyph) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic::new(
        crate::diag::Severity::Warning,
        crate::ast::Span::new(m.offset, m.offset + m.c.len_utf8()),
        format!(
            "the PDF fonts have no glyph for {:?} (U+{:04X}); it is drawn as a blank box",
            m.c, m.c as u32
        ),
    )
}

/// The one entrance to every writer: `docs` in `format` (a single article is
/// a slice of one), as bytes. [`render_into`] writes the same bytes into a
/// sink as they are made.
///
/// Several articles are one book: EPUB always, TEI, PDF, pandoc JSON,
/// Markdown and HTML when [`WriteOptions::book`] is set. JSON and the
/// article format write one article. Fails with [`WriteError::Request`] when there is no article, or
/// several without a book where the format needs one.
pub fn render(
    docs: &[&Document],
    format: Format,
    options: &WriteOptions,
) -> Result<Rendered, WriteError> {
    if format == Format::Pdf {
        // The file straight into bytes made at its size (through a writer
        // they would grow by doubling).
        let mut bytes = Vec::new();
        let missing = render_pdf_format(docs, options, pdf::Destination::Bytes(&mut bytes))?;
        return Ok(Rendered {
            bytes,
            diagnostics: missing.iter().map(missing_glyph).collect(),
        });
    }
    let mut bytes = Vec::new();
    let diagnostics = render_into(docs, format, options, &mut bytes)?;
    Ok(Rendered { bytes, diagnostics })
}

/// [`render`], writing into `out` as the writer goes, so that a large
/// article's output is never held whole in memory (TEI, JSON, the article
/// format, pandoc JSON, Markdown and HTML stream; an EPUB is written into
/// `out` once zipped; a PDF as its file is packed, once every page is
/// drawn). Returns the writer's warnings.
///
/// On an error `out` may hold part of the output: write into a temporary
/// file and rename it only on success ([`write_atomic_with`]).
pub fn render_into(
    docs: &[&Document],
    format: Format,
    options: &WriteOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let one = || one_article(docs, format, options);
    match format {
        Format::Tei => {
            let tei_settings = tei_settings(options);
            match &options.book {
                Some(book) => tei::write_tei_corpus(docs, book, tei_settings, out)?,
                None => tei::write_tei(one()?, tei_settings, out)?,
            }
            Ok(tei_warnings(docs.iter().map(|d| &d.meta), options))
        }
        Format::Json => {
            json::write_json(one()?, out)?;
            Ok(Vec::new())
        }
        Format::Article => {
            article::write_article(one()?, out)?;
            Ok(Vec::new())
        }
        Format::Pandoc | Format::Markdown | Format::Html => {
            if options.book.is_none() {
                one()?;
            } else if docs.is_empty() {
                return Err(WriteError::Request(format!(
                    "{} needs an article",
                    format.name()
                )));
            }
            let book = options.book.as_ref();
            match format {
                Format::Pandoc => {
                    pandoc::write_pandoc(docs, book, options.pandoc, out)?;
                    Ok(Vec::new())
                }
                Format::Markdown => {
                    markdown::write_markdown(docs, book, out)?;
                    Ok(Vec::new())
                }
                _ => html::write_html(docs, book, &options.epub, out),
            }
        }
        Format::Epub => {
            let opts = epub::EpubOptions {
                modified: options.timestamp,
                ..options.epub.clone()
            };
            epub::write_book(docs, &opts, out)
        }
        Format::Pdf => {
            let missing = render_pdf_format(docs, options, pdf::Destination::Writer(out))?;
            Ok(missing.iter().map(missing_glyph).collect())
        }
    }
}

/// The TEI's warnings: licences given by a name refolio knows no URL for.
fn tei_warnings<'a>(
    metas: impl Iterator<Item = &'a crate::ast::Meta>,
    options: &WriteOptions,
) -> Vec<Diagnostic> {
    let licences = metas.map(|m| &m.license);
    let book_licence = options.book.iter().map(|b| &b.meta.license);
    licences
        .chain(book_licence)
        .filter_map(|l| unknown_licence(l.as_deref()?))
        .collect()
}

/// The TEI writer's settings in `options`.
fn tei_settings(options: &WriteOptions) -> tei::TeiSettings {
    tei::TeiSettings {
        timestamp: options.timestamp,
        profile: options.tei.profile,
        review: options.tei.review,
    }
}

/// [`render_into`] of `docs`, given up: a PDF book (with
/// [`WriteOptions::book`] set) frees each chapter as soon as it is laid
/// out, so that its pages and file are made without the chapters'
/// documents; the other formats read them all, then free them.
pub fn render_into_giving_up(
    docs: Vec<Document>,
    format: Format,
    options: &WriteOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    match (&options.book, format) {
        (Some(book), Format::Pdf) => {
            let cover = pdf::book_cover(docs.first().map(|d| &d.meta), book)?;
            let chapters = docs
                .into_iter()
                .map(|d| Chapter::Document(std::borrow::Cow::Owned(d)));
            render_pdf_chapters(&cover, chapters, options, out)
        }
        _ => {
            let all: Vec<&Document> = docs.iter().collect();
            render_into(&all, format, options, out)
        }
    }
}

/// A chapter of a book as [`render_book_into`] is given it: a document,
/// borrowed, or owned and freed once it is written; or an article as it
/// was parsed, which a PDF book puts away in a temporary file while it
/// lays it out when it is long (from 1 MiB of text), read back a block at
/// a time, as a single article's PDF does (the other formats write its
/// document).
pub enum Chapter<'d> {
    /// A document.
    Document(std::borrow::Cow<'d, Document>),
    /// An article as it was parsed.
    Parsed(crate::Parsed),
}

impl<'d> Chapter<'d> {
    /// The chapter's document (an article's, its source let go).
    pub fn into_document(self) -> std::borrow::Cow<'d, Document> {
        match self {
            Chapter::Document(doc) => doc,
            Chapter::Parsed(parsed) => std::borrow::Cow::Owned(parsed.document),
        }
    }
}

impl<'d> From<std::borrow::Cow<'d, Document>> for Chapter<'d> {
    fn from(doc: std::borrow::Cow<'d, Document>) -> Self {
        Chapter::Document(doc)
    }
}

impl<'d> From<&'d Document> for Chapter<'d> {
    fn from(doc: &'d Document) -> Self {
        Chapter::Document(std::borrow::Cow::Borrowed(doc))
    }
}

impl From<crate::Parsed> for Chapter<'_> {
    fn from(parsed: crate::Parsed) -> Self {
        Chapter::Parsed(parsed)
    }
}

/// The book of `chapters` in `format` into `out`, each made and freed one
/// at a time as the writer reaches it (each given owned is freed once
/// written; a PDF puts a long one given as parsed away while it lays it
/// out: [`Chapter`]), so that its chapters are never all held at once;
/// `heads` are the same chapters as far as the book reads them before its
/// chapters are written ([`ChapterHead`]: those a [`HeadMaker`] made for
/// `format`). Formats that make no book (JSON, the article format) read
/// every chapter first. For
/// [`WriteOptions::book`] set; as many chapters as heads.
///
/// `identifier` is the chapters' content identifier
/// ([`ContentIdentifier`]), when it is known: a TEI corpus needs it (its
/// header comes before the chapters: without it the corpus is not
/// written); an EPUB makes it as it writes the chapters.
pub fn render_book_into<'d>(
    heads: &[ChapterHead],
    chapters: impl ExactSizeIterator<Item = Chapter<'d>>,
    identifier: Option<uuid::Uuid>,
    format: Format,
    options: &WriteOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let Some(book) = &options.book else {
        return Err(WriteError::Request(format!(
            "a book in {} needs the book's title and metadata",
            format.name()
        )));
    };
    if chapters.len() != heads.len() || heads.is_empty() {
        return Err(WriteError::Request(format!(
            "a book of {} chapters given {} heads",
            chapters.len(),
            heads.len()
        )));
    }
    // A PDF takes the chapters as given (it puts a long parsed one away);
    // the other formats their documents.
    let documents = Chapter::into_document;
    match format {
        Format::Pdf => {
            let cover = pdf::book_cover(heads.first().map(|h| &*h.meta), book)?;
            render_pdf_chapters(&cover, chapters, options, out)
        }
        Format::Epub => {
            let opts = epub::EpubOptions {
                modified: options.timestamp,
                ..options.epub.clone()
            };
            epub::write_book_of(heads, chapters.map(documents), &opts, out)
        }
        Format::Tei => {
            let Some(identifier) = identifier else {
                return Err(WriteError::Request(
                    "a TEI corpus of chapters given one at a time needs their content identifier"
                        .into(),
                ));
            };
            let settings = tei_settings(options);
            let chapters = chapters.map(documents);
            tei::write_tei_corpus_of(heads, identifier, chapters, book, settings, out)?;
            Ok(tei_warnings(heads.iter().map(|h| &*h.meta), options))
        }
        Format::Html => {
            html::write_html_book(heads, chapters.map(documents), book, &options.epub, out)
        }
        Format::Markdown => {
            markdown::write_markdown_book(heads, chapters.map(documents), book, out)?;
            Ok(Vec::new())
        }
        Format::Pandoc => {
            let chapters = chapters.map(documents);
            pandoc::write_pandoc_book(heads, chapters, book, options.pandoc, out)?;
            Ok(Vec::new())
        }
        Format::Json | Format::Article => {
            let chapters: Vec<_> = chapters.map(documents).collect();
            let docs: Vec<&Document> = chapters.iter().map(|c| c.as_ref()).collect();
            render_into(&docs, format, options, out)
        }
    }
}

/// The PDF book of `cover` and `chapters` into `out`.
fn render_pdf_chapters<'d>(
    cover: &Document,
    chapters: impl ExactSizeIterator<Item = Chapter<'d>>,
    options: &WriteOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let to = pdf::Destination::Writer(out);
    let pdf_options = pdf_options(options);
    let missing = pdf::render_chapters_to(cover, chapters, &pdf_options, options.recto, to)?;
    Ok(missing.iter().map(missing_glyph).collect())
}

/// The PDF of the one article `parsed` into `out`, as [`render_into`]
/// writes it, the article given up (freed) as soon as it is laid out, so
/// that its pages and file are made without its text and document:
/// `laid_out` hears first, with the article, the writer's warnings (the
/// characters the fonts have no glyph for; the layout finds no other).
/// For an article whose PDF is the last thing made of it. With a book
/// asked for, the book of that one article, given up once written.
///
/// An article of 1 MiB of text or more waits in a temporary file while
/// it is laid out, read back a block at a time: the article `laid_out`
/// hears with then holds its title, subtitle, metadata and source name,
/// not its body or reference list, and its source's text only when there
/// are warnings to place in it.
pub fn render_pdf_giving_up(
    parsed: crate::Parsed,
    options: &WriteOptions,
    out: &mut dyn Write,
    laid_out: &mut dyn FnMut(&crate::Parsed, Vec<Diagnostic>),
) -> Result<(), WriteError> {
    if options.book.is_some() {
        let diagnostics = render_into(&[&parsed.document], Format::Pdf, options, out)?;
        laid_out(&parsed, diagnostics);
        return Ok(());
    }
    let pdf_options = pdf_options(options);
    let mut heard = |parsed: &crate::Parsed, missing: &[crate::layout::MissingGlyph]| {
        laid_out(parsed, missing.iter().map(missing_glyph).collect());
    };
    let article = pdf::Article::GivenUp(Box::new(parsed), &mut heard);
    pdf::render_article_to(article, &pdf_options, pdf::Destination::Writer(out))?;
    Ok(())
}

/// The PDF of `docs` into `to`: one article, or a book when
/// [`WriteOptions::book`] is set. Returns the characters without a glyph.
fn render_pdf_format(
    docs: &[&Document],
    options: &WriteOptions,
    to: pdf::Destination<'_>,
) -> Result<Vec<crate::layout::MissingGlyph>, WriteError> {
    let pdf_options = pdf_options(options);
    match &options.book {
        Some(book) => pdf::render_book_to(docs, book, &pdf_options, options.recto, to),
        None => pdf::render_pdf_to(one_article(docs, Format::Pdf, options)?, &pdf_options, to),
    }
}

/// The PDF's options of `options`: its own, dated by `options.timestamp`.
fn pdf_options(options: &WriteOptions) -> pdf::PdfOptions {
    pdf::PdfOptions {
        timestamp: options.timestamp,
        ..options.pdf.clone()
    }
}

/// The one article of `docs` for a format that writes one (no book
/// asked for), or why there is none.
fn one_article<'a>(
    docs: &[&'a Document],
    format: Format,
    options: &WriteOptions,
) -> Result<&'a Document, WriteError> {
    match (docs, &options.book) {
        ([doc], None) => Ok(doc),
        ([], _) => Err(WriteError::Request(format!(
            "{} needs an article",
            format.name()
        ))),
        _ => Err(WriteError::Request(format!(
            "{} writes one article, not a book of {}",
            format.name(),
            docs.len()
        ))),
    }
}

/// Writes `doc` in `format` to `out` with the default options
/// ([`render_into`] with [`WriteOptions::default`]: the output goes
/// straight into `out`, and the writers' warnings are dropped). On an
/// error `out` may hold part of the output.
pub fn write(doc: &Document, format: Format, out: &mut dyn Write) -> Result<(), WriteError> {
    render_into(&[doc], format, &WriteOptions::default(), out)?;
    out.flush()?;
    Ok(())
}

/// What a book (many articles in one publication) says about itself: a
/// title, an optional subtitle and the same metadata an article has
/// ([`crate::ast::Meta`]; an empty `lang` means the first article's,
/// `source_url` is not used). The articles keep their own metadata as
/// chapters. A PDF book's front matter shows the title, subtitle, author,
/// publisher and date on its title page and the licence on its verso.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookMeta {
    /// The book's title.
    pub title: String,
    /// Its subtitle: under the title on a PDF book's title page, in the
    /// PDF's `/Subject`, TEI's `<title type="sub">` and the HTML book's
    /// header (EPUB and pandoc JSON, Markdown do not use it).
    pub subtitle: Option<String>,
    /// Its author or editor, language, date and licence.
    pub meta: crate::ast::Meta,
}

impl BookMeta {
    /// The book's language: its own, else the first article's (whose
    /// metadata is `first`), else `und`.
    pub fn language<'a>(&'a self, first: Option<&'a crate::ast::Meta>) -> &'a str {
        let own = self.meta.lang.trim();
        if !own.is_empty() {
            return own;
        }
        first
            .map(|m| m.lang.trim())
            .filter(|l| !l.is_empty())
            .unwrap_or("und")
    }

    /// A document with only the book's title and metadata: the title page
    /// of a PDF book, and what its document information says (`first`:
    /// the first article's metadata, for its language).
    pub fn cover(&self, first: Option<&crate::ast::Meta>) -> Document {
        Document {
            meta: crate::ast::Meta {
                lang: self.language(first).to_string(),
                source_url: None,
                ..self.meta.clone()
            },
            title: crate::ast::Title {
                text: self.title.clone(),
                span: Default::default(),
            },
            subtitle: self
                .subtitle
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| crate::ast::Title {
                    text: s.to_string(),
                    span: Default::default(),
                }),
            lead_figure: None,
            blocks: vec![],
            sections: vec![],
            references_heading: None,
            references: vec![],
            hard_wrapped: false,
            style: crate::ast::SourceStyle::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn parsed(name: &str) -> crate::Parsed {
        let path = format!("{}/input/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(path).unwrap();
        crate::parse_article(name, bytes, Default::default(), &Default::default()).unwrap()
    }

    /// Whether any text of `inlines` shares `buf`.
    fn share(inlines: &[crate::ast::Inline], buf: &std::sync::Arc<String>) -> bool {
        use crate::ast::Inline;
        inlines.iter().any(|i| match i {
            Inline::Text { text, .. } => text.shares(buf),
            Inline::Link { url, .. } => url.shares(buf),
            Inline::Cite { .. } => false,
        })
    }

    /// A head keeps what its format's book reads before the chapters (the
    /// title and metadata; an EPUB's contents entries too), nothing of the
    /// source's buffer, and one metadata for the chapters that have the
    /// same; a book of the heads and the chapters given one at a time is
    /// the book of the chapters, in every format that makes one.
    #[test]
    fn a_book_head_keeps_what_the_book_reads_first_and_frees_the_source() {
        let names = ["canal-and-locks.txt", "skerry-point-keepers.txt"];
        let read: Vec<crate::Parsed> = names.iter().map(|n| parsed(n)).collect();
        for p in &read {
            assert!(!p.document.sections.is_empty() && !p.document.references.is_empty());
            assert!(
                p.document
                    .sections
                    .iter()
                    .any(|s| share(&s.heading.inlines, &p.source.text))
            );
        }
        let maker = HeadMaker::default();
        let head = |p: &crate::Parsed, format| maker.head(&p.document, format);
        let no_contents = [
            Format::Pdf,
            Format::Tei,
            Format::Html,
            Format::Markdown,
            Format::Pandoc,
        ];
        for p in &read {
            for format in no_contents {
                let small = head(p, format);
                assert_eq!(
                    (&*small.title, &*small.meta),
                    (p.document.title.text.as_str(), &p.document.meta)
                );
                assert!(small.sections.is_empty() && small.references.is_none());
            }
            let epub = head(p, Format::Epub);
            let labels: Vec<String> = p
                .document
                .sections
                .iter()
                .map(|s| {
                    crate::ast::plain_text(&s.heading.inlines)
                        .trim()
                        .to_string()
                })
                .collect();
            assert!(labels.iter().all(|l| !l.is_empty()));
            let kept: Vec<&str> = epub.sections.iter().map(|s| &**s).collect();
            assert_eq!(kept, labels);
            let references = xhtml::references_heading_text(&p.document);
            assert_eq!(epub.references.as_deref(), Some(references.trim()));
            let stand_in = epub.stand_in();
            assert_eq!(
                (&stand_in.title.text, &stand_in.meta),
                (&p.document.title.text, &p.document.meta)
            );
            assert!(stand_in.sections.is_empty() && stand_in.blocks.is_empty());
        }
        // The two articles' metadata are the same: one is kept for both.
        let (one, two) = (head(&read[0], Format::Tei), head(&read[1], Format::Tei));
        assert!(std::sync::Arc::ptr_eq(&one.meta, &two.meta));
        let mut other = read[1].document.clone();
        other.meta.author = Some("Another".into());
        assert!(!std::sync::Arc::ptr_eq(
            &one.meta,
            &maker.head(&other, Format::Tei).meta
        ));
        // A metadata met before, not last: found among those kept.
        let again = head(&read[0], Format::Pdf);
        assert!(std::sync::Arc::ptr_eq(&one.meta, &again.meta));
        // Nothing of a head holds the source's buffer: it is freed with
        // the article, the heads kept.
        for name in names {
            let p = parsed(name);
            let text = std::sync::Arc::downgrade(&p.source.text);
            let heads = [Format::Epub, Format::Pdf].map(|f| head(&p, f));
            drop(p);
            assert!(text.upgrade().is_none(), "{name}: a head holds the source");
            drop(heads);
        }
        let docs: Vec<&Document> = read.iter().map(|p| &p.document).collect();
        let options = WriteOptions {
            book: Some(BookMeta {
                title: "Two".into(),
                subtitle: None,
                meta: Default::default(),
            }),
            ..Default::default()
        };
        let mut id = ContentIdentifier::new();
        docs.iter().for_each(|d| id.add(d));
        let id = Some(id.uuid());
        let heads_for =
            |format| -> Vec<ChapterHead> { read.iter().map(|p| head(p, format)).collect() };
        for format in [
            Format::Epub,
            Format::Tei,
            Format::Pdf,
            Format::Html,
            Format::Markdown,
            Format::Pandoc,
        ] {
            let mut whole = Vec::new();
            render_into(&docs, format, &options, &mut whole).unwrap();
            let mut again = Vec::new();
            let chapters = read
                .iter()
                .map(|p| Chapter::from(Cow::Owned(p.document.clone())));
            let heads = heads_for(format);
            render_book_into(&heads, chapters, id, format, &options, &mut again).unwrap();
            assert!(whole == again, "the same {format:?} book");
        }
        let heads = heads_for(Format::Tei);
        let chapters = read.iter().map(|p| Chapter::from(&p.document));
        let e = render_book_into(
            &heads,
            chapters,
            None,
            Format::Tei,
            &options,
            &mut Vec::new(),
        );
        assert!(
            matches!(e, Err(WriteError::Request(_))),
            "no identifier: {e:?}"
        );
        for format in [Format::Epub, Format::Tei] {
            let one = [Chapter::from(docs[0])];
            let e = render_book_into(
                &heads,
                one.into_iter(),
                id,
                format,
                &options,
                &mut Vec::new(),
            );
            assert!(matches!(e, Err(WriteError::Request(_))), "{e:?}");
        }
    }
}
