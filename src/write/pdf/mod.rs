//! PDF output (FORMAT.md §5).
//!
//! [`crate::layout`] decides where every glyph goes; this module loads the
//! style's fonts, lays the article (or the book) out and hands the layout
//! to the `printpdf_adapter` submodule, the only code that uses printpdf
//! (a long article's or book's pages, 200 or more, are handed to it as
//! pagination fills them, and drawn 200 at a time, so that its laid-out
//! pages are never all held at once; the file is the same).
//! There printpdf writes the document and embeds the fonts (subset, with
//! `/ToUnicode` maps that give back the exact characters, ligatures
//! included); the page content streams are written straight from the
//! layout by the `content` submodule; and a small lopdf post-pass writes
//! what printpdf cannot write, or writes wrongly. The adapter's module docs
//! list printpdf's defects and what is done about each, with the test that
//! covers it.
//!
//! The same document and options always give the same bytes: nothing
//! depends on the clock or on chance, and the file's `/ID` is a hash of the
//! file itself.

use crate::ast::Document;
use crate::ast::put_away::PutAway;
use crate::error::WriteError;
use crate::layout::fonts::{FontSource, Fonts};
use crate::layout::style::{NotePlacement, Style};
use crate::layout::{BookChapter, MissingGlyph, Reading, flow_into, paginate_into};
use crate::write::Chapter;
use std::borrow::Cow;

mod content;
mod printpdf_adapter;
mod tags;

/// How to render a PDF.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// Page geometry, fonts and sizes; `None` is the default style
    /// (`styles/default/pdf.toml`, built in), read only when a PDF is
    /// made: a run that writes no PDF never parses it ([`PdfOptions::style`]).
    pub style: Option<Style>,
    /// Creation date as seconds since 1970 (`SOURCE_DATE_EPOCH`); without it
    /// the article's `date` metadata is used, and without that no date.
    pub timestamp: Option<i64>,
    /// Where the references go: at the foot of the pages that cite them,
    /// or in a list at the end (the default).
    pub notes: NotePlacement,
}

impl Default for PdfOptions {
    /// The default style, no timestamp (the library never reads the
    /// environment: the command line fills [`crate::write::WriteOptions`]).
    fn default() -> Self {
        PdfOptions {
            style: None,
            timestamp: None,
            notes: NotePlacement::End,
        }
    }
}

impl PdfOptions {
    /// The style to set the PDF in: the one given, else the default.
    pub fn style(&self) -> Cow<'_, Style> {
        match &self.style {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(Style::default()),
        }
    }
}

/// A rendered PDF (the tests').
#[cfg(test)]
#[derive(Debug, Clone)]
pub struct PdfOutput {
    /// The file.
    pub bytes: Vec<u8>,
}

/// Where a PDF's file goes as it is packed, once every page is drawn:
/// into bytes (made at the file's size, nearly), or into a writer (the
/// temporary file of the output), so that the file is never held whole
/// in memory (a 10 MB file for the seed ×1,500). On an error the
/// destination may hold the start of the file.
pub(crate) enum Destination<'a> {
    Bytes(&'a mut Vec<u8>),
    Writer(&'a mut dyn std::io::Write),
}

/// Lays out and renders `doc`.
#[cfg(test)]
pub fn render_pdf(doc: &Document, opts: &PdfOptions) -> Result<PdfOutput, WriteError> {
    let mut bytes = Vec::new();
    render_pdf_to(doc, opts, Destination::Bytes(&mut bytes))?;
    Ok(PdfOutput { bytes })
}

/// Lays out and renders `doc` into `to`: the characters the fonts have
/// no glyph for (drawn as .notdef).
pub(crate) fn render_pdf_to(
    doc: &Document,
    opts: &PdfOptions,
    to: Destination<'_>,
) -> Result<Vec<MissingGlyph>, WriteError> {
    render_article_to(Article::Borrowed(doc), opts, to)
}

/// The article a PDF is made of: borrowed, or given up once laid out.
pub(crate) enum Article<'a> {
    Borrowed(&'a Document),
    /// An article parsed, freed as soon as it is laid out (before its
    /// pages are made), once `laid_out` has heard, with the article, the
    /// characters the fonts have no glyph for.
    GivenUp(
        Box<crate::Parsed>,
        &'a mut dyn FnMut(&crate::Parsed, &[MissingGlyph]),
    ),
}

/// [`render_pdf_to`] of `article`. Once the article is laid out, the PDF
/// reads nothing of it but what its Info dictionary says (`DocInfo`): an article
/// given up goes then, and its pages and file are made without its text
/// and document (for the seed ×3,460's body alone, 8.2 MB of text and 11
/// MB of document, held until the file was written). An article given up
/// of [`PUT_AWAY_FROM`] bytes or more is put away before it is laid out
/// ([`PutAway`]): the layout reads it back a block at a time.
pub(crate) fn render_article_to(
    article: Article<'_>,
    opts: &PdfOptions,
    to: Destination<'_>,
) -> Result<Vec<MissingGlyph>, WriteError> {
    render_article_putting_away(article, opts, to, PUT_AWAY_FROM)
}

/// From how many bytes of text an article given up, or a book's chapter
/// given as parsed, is put away until it is laid out (the size from which
/// its glyphs wait in a file too).
pub const PUT_AWAY_FROM: usize = printpdf_adapter::STORE_GLYPHS_FROM;

/// [`render_article_to`], an article given up put away from `put_away_from` bytes.
fn render_article_putting_away(
    mut article: Article<'_>,
    opts: &PdfOptions,
    to: Destination<'_>,
    put_away_from: usize,
) -> Result<Vec<MissingGlyph>, WriteError> {
    let style = opts.style();
    let source = FontSource::load(&style)?;
    let mut fonts = Fonts::new(&source)?;
    let (info, away) = match &mut article {
        Article::Borrowed(doc) => (printpdf_adapter::DocInfo::of(doc), None),
        Article::GivenUp(parsed, _) => (
            printpdf_adapter::DocInfo::of(&parsed.document),
            put_away(parsed, put_away_from),
        ),
    };
    let reading = match &article {
        Article::Borrowed(doc) => Reading::from(*doc),
        Article::GivenUp(parsed, _) => Reading {
            doc: &parsed.document,
            away: away.as_ref(),
        },
    };
    // A long article's pages are drawn as they are filled; a short one is
    // laid out whole, then drawn.
    let mut sink = printpdf_adapter::DrawingSink::new(&info, &style, &source);
    let flowing = flow_into(reading, &style, &mut fonts, opts.notes, &mut sink);
    if let Article::GivenUp(mut parsed, laid_out) = article {
        // The warnings say where in the text they are: a text put away
        // comes back for them.
        if let Some(away) = away
            && !flowing.missing().is_empty()
        {
            parsed.source.text = std::sync::Arc::new(away.text()?);
        }
        laid_out(&parsed, flowing.missing());
        // Freed here, not on another thread (`drop_later`): the pages are
        // made in its room. (The seed ×3,460's body alone: 1.483 ± 0.051
        // s so, 1.527 ± 0.067 s freed on another thread, 1.451 ± 0.042 s
        // kept; the same peak either way.)
        drop(parsed);
    }
    let lay = paginate_into(flowing, &style, &mut fonts, &mut sink);
    finish(sink, &info, lay, &source, opts, to)
}

/// `parsed` put away ([`PutAway::take`]) when it has `from` bytes of text
/// or more; when no file can be had or written, it stays as it is.
fn put_away(parsed: &mut crate::Parsed, from: usize) -> Option<PutAway> {
    if parsed.source.text.len() < from {
        return None;
    }
    PutAway::take(parsed, crate::temp_file::TempFile::new()?).ok()
}

/// Frees `value` off the way of the file being written: on a worker thread
/// when the caller is not one (a single conversion: a long article's
/// laid-out pages, a glyph list per run, and the PDF's objects took as
/// long to free as a fifth of the time it took to write the structure
/// tree; when the program ends first, the system frees them), else here
/// and now. A worker of a batch frees at once: there the other workers
/// are busy with their own articles, and a spawned job would wait for
/// this worker's whole share of the batch, holding every article's pages
/// until then (3.5 GB for 10,000 articles).
pub(crate) fn drop_later<T: Send + 'static>(value: T) {
    if rayon::current_thread_index().is_some() {
        drop(value);
    } else {
        rayon::spawn(move || drop(value));
    }
}

/// Lays out and renders `docs` as one book ([`crate::layout::layout_book_into`]):
/// front matter from `book` (a title page, the licence on its verso, a
/// linked contents page with page numbers; numbered i, ii, iii…), then a
/// chapter per article numbered from 1, each on a new page (a right-hand
/// page when `recto`), running heads with the chapter title, `/PageLabels`
/// for the two numberings, and an outline with the book's title at the
/// top, the contents and the chapters in it, and each chapter's sections
/// inside the chapter. The document information (title, subtitle as the
/// subject, author, language, date) is the book's.
#[cfg(test)]
pub fn render_book(
    docs: &[&Document],
    book: &crate::write::BookMeta,
    opts: &PdfOptions,
    recto: bool,
) -> Result<PdfOutput, WriteError> {
    let mut bytes = Vec::new();
    render_book_to(docs, book, opts, recto, Destination::Bytes(&mut bytes))?;
    Ok(PdfOutput { bytes })
}

/// [`render_book`] into `to`: the characters the fonts have no glyph for.
pub(crate) fn render_book_to(
    docs: &[&Document],
    book: &crate::write::BookMeta,
    opts: &PdfOptions,
    recto: bool,
    to: Destination<'_>,
) -> Result<Vec<MissingGlyph>, WriteError> {
    let cover = book_cover(docs.first().map(|d| &d.meta), book)?;
    let chapters = docs.iter().map(|d| Chapter::from(*d));
    render_chapters_to(&cover, chapters, opts, recto, to)
}

/// The document the front matter and the file's information are made of,
/// from the book's metadata and its first chapter's (`first`, for its
/// language; `None`: no chapter); or why there is no book.
pub(crate) fn book_cover(
    first: Option<&crate::ast::Meta>,
    book: &crate::write::BookMeta,
) -> Result<Document, WriteError> {
    if first.is_none() {
        return Err(WriteError::Request(
            "a PDF book needs at least one article".into(),
        ));
    }
    crate::write::xml::check_chars("the book title", &book.title)?;
    if let Some(s) = &book.subtitle {
        crate::write::xml::check_chars("the book subtitle", s)?;
    }
    Ok(book.cover(first))
}

/// The PDF of the book of `cover` and `chapters` into `to` (a chapter
/// given owned freed as soon as it is flowed).
pub(crate) fn render_chapters_to<'d>(
    cover: &Document,
    chapters: impl ExactSizeIterator<Item = Chapter<'d>>,
    opts: &PdfOptions,
    recto: bool,
    to: Destination<'_>,
) -> Result<Vec<MissingGlyph>, WriteError> {
    render_chapters_putting_away(cover, chapters, opts, recto, to, PUT_AWAY_FROM)
}

/// [`render_chapters_to`], a chapter given as parsed put away from
/// `put_away_from` bytes of text.
fn render_chapters_putting_away<'d>(
    cover: &Document,
    chapters: impl ExactSizeIterator<Item = Chapter<'d>>,
    opts: &PdfOptions,
    recto: bool,
    to: Destination<'_>,
    put_away_from: usize,
) -> Result<Vec<MissingGlyph>, WriteError> {
    // Each as the layout asks for it: the chapters come one at a time.
    let chapters = chapters.map(|c| book_chapter(c, put_away_from));
    let style = opts.style();
    let source = FontSource::load(&style)?;
    let mut fonts = Fonts::new(&source)?;
    let info = printpdf_adapter::DocInfo::of(cover);
    // A long book's pages are drawn as they are filled, the front
    // matter's first; a short one is laid out whole, then drawn.
    let mut sink = printpdf_adapter::DrawingSink::new(&info, &style, &source);
    let lay = crate::layout::layout_book_into(
        cover,
        chapters,
        &style,
        &mut fonts,
        recto,
        opts.notes,
        Some(&mut sink),
    );
    finish(sink, &info, lay, &source, opts, to)
}

/// `chapter` as a book's layout reads it: a chapter given as parsed is
/// put away ([`put_away`]) when it has `from` bytes of text or more, as an
/// article given up is, so that its document is not held beside its
/// layout (a PDF book of the three examples, the seed ×6,920 and a 2.4 MB
/// article peaked at 94–117 MB with its chapters held, 60 MB so).
fn book_chapter(chapter: Chapter<'_>, from: usize) -> BookChapter<'_> {
    match chapter {
        Chapter::Document(doc) => BookChapter::from(doc),
        Chapter::Parsed(mut parsed) => {
            let away = put_away(&mut parsed, from);
            BookChapter {
                doc: Cow::Owned(parsed.document),
                away,
            }
        }
    }
}

/// The file of the layout `lay`, into `to`: packed from the pages `sink`
/// drew as they were filled, or drawn now when it left them to the layout;
/// the characters the fonts have no glyph for.
fn finish(
    sink: printpdf_adapter::DrawingSink<'_, '_>,
    info: &printpdf_adapter::DocInfo,
    mut lay: crate::layout::Layout,
    source: &FontSource,
    opts: &PdfOptions,
    to: Destination<'_>,
) -> Result<Vec<MissingGlyph>, WriteError> {
    match sink.into_file()? {
        Some(file) => {
            // The layout (its pages, its structure, its outline) goes
            // before the file is packed.
            let assembled = file.assemble(info, &mut lay, opts)?;
            let missing = std::mem::take(&mut lay.missing);
            drop_later(lay);
            assembled.save(to)?;
            Ok(missing)
        }
        None => {
            printpdf_adapter::write(info, &mut lay, source, opts, to)?;
            let missing = std::mem::take(&mut lay.missing);
            drop_later(lay);
            Ok(missing)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PdfOptions, Style, drop_later};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Flag(Arc<AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// On a worker thread (a batch), a value is freed at once, not queued
    /// behind the worker's share of the batch; elsewhere it is freed on a
    /// worker, soon.
    #[test]
    fn drop_later_frees_at_once_on_a_worker() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = Flag(dropped.clone());
        let seen = pool.install(|| {
            drop_later(flag);
            dropped.load(Ordering::SeqCst)
        });
        assert!(seen, "freed before the worker went on");
        let dropped = Arc::new(AtomicBool::new(false));
        drop_later(Flag(dropped.clone()));
        let start = std::time::Instant::now();
        while !dropped.load(Ordering::SeqCst) {
            assert!(start.elapsed().as_secs() < 60, "never freed");
            std::thread::yield_now();
        }
    }

    /// An article given up and put away before it is laid out makes the
    /// PDF it makes borrowed, and the warnings `laid_out` hears point where
    /// they did: the text put away came back for them (its notes at the
    /// end, or at the foot of the page).
    #[test]
    fn an_article_put_away_makes_the_same_pdf() {
        use super::{Article, Destination, render_article_putting_away, render_article_to};
        // (No face has a glyph for a hieroglyph.)
        let mut text = String::from("Put away\n\nA first paragraph, cited1.\n\n");
        for i in 0..30 {
            text.push_str(&format!(
                "Paragraph {i} of the ledger, cited{}.\n\n",
                i % 2 + 1
            ));
        }
        text.push_str("A sign no face draws: \u{13000}.\n\n");
        text.push_str("  1. Canal Office; 1901[]\n  2. Lock ledger; 1902[]\n");
        let parse = |text: &str| {
            let opts = crate::ParseOptions::default();
            crate::parse_article("a.txt", text.as_bytes().to_vec(), Default::default(), &opts)
                .unwrap()
        };
        use crate::layout::style::NotePlacement;
        let placements = [NotePlacement::End, NotePlacement::Foot];
        let texts = [text.clone(), text.replace('\u{13000}', "a lock")];
        for (text, notes) in texts.iter().flat_map(|t| placements.map(|p| (t, p))) {
            let opts = PdfOptions {
                notes,
                ..PdfOptions::default()
            };
            let whole = parse(text);
            let mut expected = Vec::new();
            let missing = render_article_to(
                Article::Borrowed(&whole.document),
                &opts,
                Destination::Bytes(&mut expected),
            )
            .unwrap();
            assert_eq!(missing.len(), usize::from(text.contains('\u{13000}')));
            let mut heard = Vec::new();
            let mut laid_out = |p: &crate::Parsed, m: &[crate::layout::MissingGlyph]| {
                let said: Vec<_> = m
                    .iter()
                    .map(|m| crate::write::missing_glyph(m).render_short(&p.source))
                    .collect();
                heard.push((said, p.document.blocks.is_empty()));
            };
            let mut bytes = Vec::new();
            let article = Article::GivenUp(Box::new(parse(text)), &mut laid_out);
            let again =
                render_article_putting_away(article, &opts, Destination::Bytes(&mut bytes), 0)
                    .unwrap();
            assert!(bytes == expected, "the same file ({notes:?})");
            assert_eq!(again, missing);
            let said: Vec<_> = missing
                .iter()
                .map(|m| crate::write::missing_glyph(m).render_short(&whole.source))
                .collect();
            assert_eq!(heard, [(said, true)], "put away, and heard where it was");
        }
    }

    /// A book whose chapters are given as parsed, put away while they are
    /// laid out, is the book of their documents; a chapter is put away
    /// from the size asked, and only when it is given as parsed.
    #[test]
    fn chapters_put_away_make_the_same_book() {
        use super::{Destination, book_chapter, render_chapters_putting_away};
        use crate::write::Chapter;
        let texts = [
            include_str!("../../../input/canal-and-locks.txt"),
            include_str!("../../../input/nova-ves-tramway.txt"),
            include_str!("../../../input/skerry-point-keepers.txt"),
        ];
        let parse = |text: &str| {
            let opts = crate::ParseOptions::default();
            crate::parse_article("a.txt", text.as_bytes().to_vec(), Default::default(), &opts)
                .unwrap()
        };
        let book = crate::write::BookMeta {
            title: "Three".into(),
            subtitle: None,
            meta: Default::default(),
        };
        let whole: Vec<crate::Parsed> = texts.iter().map(|t| parse(t)).collect();
        let docs: Vec<&crate::ast::Document> = whole.iter().map(|p| &p.document).collect();
        use crate::layout::style::NotePlacement;
        for notes in [NotePlacement::End, NotePlacement::Foot] {
            let opts = PdfOptions {
                notes,
                ..PdfOptions::default()
            };
            let mut expected = Vec::new();
            super::render_book_to(&docs, &book, &opts, true, Destination::Bytes(&mut expected))
                .unwrap();
            let cover = super::book_cover(docs.first().map(|d| &d.meta), &book).unwrap();
            let chapters = texts.iter().map(|t| Chapter::from(parse(t)));
            let mut bytes = Vec::new();
            let to = Destination::Bytes(&mut bytes);
            render_chapters_putting_away(&cover, chapters, &opts, true, to, 0).unwrap();
            assert!(bytes == expected, "the same book ({notes:?})");
        }
        let len = texts[0].len();
        let away = book_chapter(Chapter::from(parse(texts[0])), len);
        assert!(
            away.away.is_some() && away.doc.blocks.is_empty(),
            "put away"
        );
        let kept = book_chapter(Chapter::from(parse(texts[0])), len + 1);
        assert!(kept.away.is_none() && !kept.doc.blocks.is_empty(), "short");
        let borrowed = book_chapter(Chapter::from(docs[0]), 0);
        assert!(borrowed.away.is_none(), "a document is not put away");
    }

    /// The default options hold no style (nothing is parsed until a PDF is
    /// made); they render in the default style, and a given style wins.
    #[test]
    fn default_style_is_read_when_needed() {
        let opts = PdfOptions::default();
        assert!(opts.style.is_none());
        assert_eq!(*opts.style(), Style::default());
        let a5 = Style::load("a5").unwrap();
        let opts = PdfOptions {
            style: Some(a5.clone()),
            ..PdfOptions::default()
        };
        assert_eq!(*opts.style(), a5);
        assert_ne!(a5, Style::default());
    }
}
