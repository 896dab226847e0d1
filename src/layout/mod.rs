//! Page layout for print: the document model in, positioned glyph runs out.
//!
//! Pure: no PDF here. [`layout`] shapes every word (rustybuzz, with the
//! style's fonts), breaks paragraphs with Knuth–Plass ([`linebreak`]) using
//! UAX #14 opportunities and hyphenation patterns (hypher, from the
//! document's language), and fills pages with widow/orphan control and
//! headings kept with what follows. The result, a [`Layout`], is what
//! `write::pdf` draws and what the layout tests inspect.
//!
//! Coordinates are PostScript points with the origin at the top-left corner
//! of the page and y growing downwards; a line's runs are placed relative to
//! the line's origin on its baseline.
//!
//! Stages, one file each: `flow.rs` walks an article once into rows (every
//! paragraph set by [`paragraph`] and [`linebreak`], by `parallel.rs` on
//! several threads when there is enough text), `paginate.rs` fills pages
//! with them (`notes.rs` when the notes go at the foot of the page,
//! reserving their space as it fills a page; `note_set.rs` keeps the
//! notes set, a long article's rows put aside in the glyphs' file), and
//! `model.rs` holds what comes out: lines, glyph runs,
//! pages, links, the outline. `labels.rs` sets the short one-line texts
//! (labels, page numbers, running heads). A book ([`layout_book_into`])
//! adds its front matter, set by `front.rs` once its chapters' pages are
//! planned. A writer can take an article's pages while pagination fills
//! them ([`flow_into`], then [`paginate_into`], with a [`PageSink`]), and
//! a book's (the front matter's first): the PDF writer draws a long
//! article's or book's pages so, freeing their lines, rather than after
//! the whole of it is laid out; and between the two, the article itself
//! may go (a book's chapters go as each is flowed).

mod flow;
pub mod fonts;
mod front;
mod glyph_store;
mod labels;
pub mod linebreak;
mod matter;
mod model;
mod note_set;
mod notes;
mod paginate;
pub mod paragraph;
mod parallel;
mod rows;
pub mod style;

use flow::*;
use glyph_store::*;
use labels::*;
pub use model::*;
use note_set::NoteSet;
use paginate::*;
use parallel::*;
use rows::Rows;

use crate::ast::put_away::{PutAway, VisitOwned};
use crate::ast::{Block, Document, Figure, Inline, List};
use fonts::{FontKind, Fonts, Variant};
use paragraph::{Atom, Setting, set_paragraph, set_paragraph_by_windows};
use std::collections::HashMap;
use style::{NotePlacement, Style};

/// Language → hyphenation patterns (the primary subtag of a BCP 47 tag).
pub fn hyphenation_lang(tag: &str) -> Option<hypher::Lang> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    let b = primary.as_bytes();
    if b.len() != 2 {
        return None;
    }
    hypher::Lang::from_iso([b[0], b[1]])
}

/// Lays `doc` out in `style` with `fonts`, its references where
/// `placement` puts them: the layout the tests inspect, and the one
/// [`flow_into`] and [`paginate_into`] make with its pages handed out.
#[cfg(test)]
pub fn layout(
    doc: &Document,
    style: &Style,
    fonts: &mut Fonts,
    placement: NotePlacement,
) -> Layout {
    layout_with(doc, style, fonts, placement, None)
}

/// What a writer does with the pages of a long article or book while they
/// are filled, rather than after: `write::pdf` draws each run of pages and
/// frees its lines, so that the laid-out pages are never all held at
/// once. An article hands its pages out so ([`paginate_into`]), its notes
/// at the end or at the foot of the page (each page's notes in it); and a
/// book ([`layout_book_into`]), its front matter's pages first.
pub trait PageSink {
    /// The number of pages, once known, before any is made: how many pages
    /// to take at a time, or `None` to leave them all to the layout.
    fn begin(&mut self, pages: usize) -> Option<usize>;
    /// Every glyph run of the pages, in the order the pages hold them (a
    /// page's lines in order, its page number last), before the first
    /// page is handed out.
    fn glyphs(&mut self, run: &Run);
    /// The next pages, filled: their lines, rules, frames and links, the
    /// links' destinations still to come (every link is there that the
    /// finished layout has, in its place, with its source; its `to` is
    /// not yet where it goes). What the sink leaves in them goes into the
    /// [`Layout`], the links' destinations set; while it leaves every page
    /// it is handed empty ([`Page::is_empty`]), they go, and when it leaves
    /// all of them so, the layout has no pages.
    fn pages(&mut self, pages: &mut [Page], structure: &[StructNode]);
    /// Every page handed out: where a link of page `pi` to `target` goes
    /// (`to(pi, target)`; `None`: nowhere, and the layout leaves it at the
    /// top of its page), for the links the sink took out of the pages.
    fn link_ends(&mut self, to: &dyn Fn(usize, &LinkTarget) -> Option<LinkTo>) {
        let _ = to;
    }
    /// For an article whose paragraphs hold `text` bytes (at least: asked
    /// before the first is set, once they hold 1 MiB or all are noted; for
    /// a book, what its chapters would hold at the average of those so
    /// far, until the sink gives a file): a temporary file to keep the
    /// glyphs of its lines in until their page is filled, rather than in
    /// memory (`glyph_store.rs`), or `None`.
    /// Asked only when the pages can be handed out. The layout is the same
    /// either way (the notes at the foot of the page keep their glyphs:
    /// each is set once and given on every page that cites it).
    fn glyph_file(&mut self, text: usize) -> Option<crate::temp_file::TempFile> {
        let _ = text;
        None
    }
    /// Glyphs kept in the temporary file could not be read back: the pages
    /// are not complete, and the sink must not make a file of them.
    fn failed(&mut self, error: std::io::Error) {
        let _ = error;
    }
}

/// [`layout`], handing the pages to `sink` while they are filled when it
/// takes them (see [`PageSink`]); the layout is the same, less what the
/// sink took out of its pages. (A PDF flows the article, then paginates
/// it: [`flow_into`], [`paginate_into`].)
#[cfg(test)]
pub fn layout_into(
    doc: &Document,
    style: &Style,
    fonts: &mut Fonts,
    placement: NotePlacement,
    sink: &mut dyn PageSink,
) -> Layout {
    layout_with(doc, style, fonts, placement, Some(sink))
}

#[cfg(test)]
fn layout_with(
    doc: &Document,
    style: &Style,
    fonts: &mut Fonts,
    placement: NotePlacement,
    mut sink: Option<&mut dyn PageSink>,
) -> Layout {
    let flowing = flow_with(
        doc.into(),
        style,
        fonts,
        placement,
        sink.as_mut().map(|s| &mut **s as &mut dyn PageSink),
    );
    paginate_with(flowing, style, fonts, sink)
}

/// The article the layout reads: its document and, when it was put away
/// ([`PutAway`]), where its body and reference list wait (the document
/// then holds neither); each pass reads them back a block at a time.
#[derive(Clone, Copy)]
pub struct Reading<'d> {
    pub(crate) doc: &'d Document,
    pub(crate) away: Option<&'d PutAway>,
}

impl<'d> From<&'d Document> for Reading<'d> {
    fn from(doc: &'d Document) -> Self {
        Reading { doc, away: None }
    }
}

impl Reading<'_> {
    /// The body, in the order of [`crate::ast::walk`], given to `v`.
    fn walk_body<V: VisitOwned>(&self, v: &mut V) -> std::io::Result<()> {
        match self.away {
            None => {
                let Ok(()) = crate::ast::walk::walk_document(v, self.doc);
                Ok(())
            }
            Some(away) => away.walk_body(v),
        }
    }

    /// The numbers of the references the body's markers cite.
    fn cited(&self) -> std::io::Result<std::collections::HashSet<u32>> {
        struct Cited(std::collections::HashSet<u32>);
        impl crate::ast::Visit<'_> for Cited {
            type Error = std::convert::Infallible;
            fn visit_inlines(&mut self, inlines: &[Inline]) -> Result<(), Self::Error> {
                for i in inlines {
                    if let Inline::Cite { n, .. } = i {
                        self.0.insert(*n);
                    }
                }
                Ok(())
            }
        }
        impl VisitOwned for Cited {}
        let mut cited = Cited(Default::default());
        self.walk_body(&mut cited)?;
        Ok(cited.0)
    }

    /// Each entry of the reference list, in order, given to `f`.
    fn each_reference(&self, f: &mut dyn FnMut(&crate::ast::Reference)) -> std::io::Result<()> {
        match self.away {
            None => {
                self.doc.references.iter().for_each(f);
                Ok(())
            }
            Some(away) => away.each_reference(f),
        }
    }
}

/// An article flowed into rows, not yet paginated ([`flow_into`]): it
/// holds nothing of the document, which may go before the pages are made
/// ([`paginate_into`]).
pub struct Flowing {
    flowed: Flowed,
    notes: NoteSet,
}

impl Flowing {
    /// The characters the fonts have no glyph for, in the order met (every
    /// one the layout will have).
    pub fn missing(&self) -> &[MissingGlyph] {
        &self.flowed.missing
    }
}

/// An article's layout, first half: `doc` flowed into rows, its
/// paragraphs set, with `sink` asked for a file to keep their glyphs in
/// (see [`PageSink::glyph_file`]).
pub fn flow_into(
    doc: Reading<'_>,
    style: &Style,
    fonts: &mut Fonts,
    placement: NotePlacement,
    sink: &mut dyn PageSink,
) -> Flowing {
    flow_with(doc, style, fonts, placement, Some(sink))
}

/// An article's layout, second half: the rows of `flowing` paginated,
/// the pages handed to `sink` while they are filled when it takes them;
/// the layout is the same as laid out whole, less what the sink took out
/// of its pages.
pub fn paginate_into(
    flowing: Flowing,
    style: &Style,
    fonts: &mut Fonts,
    sink: &mut dyn PageSink,
) -> Layout {
    paginate_with(flowing, style, fonts, Some(sink))
}

fn flow_with(
    doc: Reading<'_>,
    style: &Style,
    fonts: &mut Fonts,
    placement: NotePlacement,
    mut sink: Option<&mut dyn PageSink>,
) -> Flowing {
    let mut glyph_file = |text: usize| {
        sink.as_mut()
            .and_then(|s| s.glyph_file(text))
            .map(GlyphStore::in_file)
    };
    let (rows, missing, notes, structure, store, unread) =
        article_rows(doc, style, fonts, placement, &mut glyph_file);
    // Lines put away with the glyphs that could not be read back: the
    // pages will lack them, and the sink is told (as when glyphs cannot).
    if let (Some(e), Some(s)) = (unread, &mut sink) {
        s.failed(e);
    }
    let flowed = Flowed {
        rows,
        missing,
        structure,
        store,
    };
    Flowing { flowed, notes }
}

fn paginate_with(
    flowing: Flowing,
    style: &Style,
    fonts: &mut Fonts,
    sink: Option<&mut dyn PageSink>,
) -> Layout {
    let Flowing { flowed, notes } = flowing;
    let notes = [notes];
    let plan = plan_pages(&flowed.rows, style, &[], false, &notes);
    paginate(flowed, plan, style, fonts, &[], &notes, sink)
}

/// Where a chapter of a book begins in the rows, and its running head.
struct ChapterMark {
    start: usize,
    head: Option<String>,
}

/// Lays a book out: the front matter from `cover` (a title page with its
/// title, subtitle, author, publisher and date; its verso with the
/// licence; the contents), then one chapter per document, each starting on
/// a new page (a right-hand, odd-numbered one when `recto`, with a blank
/// page before it if needed), with the chapter's title as the running head
/// of its other pages. The front matter is numbered in roman, the chapters
/// in arabic from 1 ([`Layout::page_labels`]); with `recto` page 1 is a
/// right-hand page. The outline has the book's title at the top, and in it
/// the contents and the chapters, each with its sections inside. Links
/// stay inside their chapter; the contents link to every chapter. Each
/// chapter's references are its own (numbered per chapter), placed as
/// `placement` says.
///
/// The chapters are flowed first, and their pages planned: their pages do
/// not depend on the front matter (their numbers start at 1, and the front
/// matter has an even length with `recto`), so the contents are set once,
/// with the numbers known, and however many pages they take. The front
/// matter's pages then come first, the chapters' after them.
#[cfg(test)]
pub fn layout_book(
    cover: &Document,
    chapters: &[&Document],
    style: &Style,
    fonts: &mut Fonts,
    recto: bool,
    placement: NotePlacement,
) -> Layout {
    let chapters = chapters.iter().map(|d| BookChapter::from(*d));
    layout_book_into(cover, chapters, style, fonts, recto, placement, None)
}

/// A chapter as a book's layout reads it: its document (borrowed, or owned
/// and freed once it is flowed) and, when it was put away ([`PutAway`]),
/// where its body and reference list wait (the document then holds
/// neither, and the file goes with the chapter).
pub(crate) struct BookChapter<'d> {
    pub(crate) doc: std::borrow::Cow<'d, Document>,
    pub(crate) away: Option<PutAway>,
}

impl<'d> From<std::borrow::Cow<'d, Document>> for BookChapter<'d> {
    fn from(doc: std::borrow::Cow<'d, Document>) -> Self {
        BookChapter { doc, away: None }
    }
}

impl<'d> From<&'d Document> for BookChapter<'d> {
    fn from(doc: &'d Document) -> Self {
        std::borrow::Cow::Borrowed(doc).into()
    }
}

/// The text a book of `count` chapters holds if each holds what its first
/// `seen` hold, `text`, on average: what the sink is asked for a glyph
/// file with, so that a long book's glyphs wait in the file from its first
/// chapter. (Asked with the text so far, the first 1 MiB of chapters kept
/// their glyphs in memory until the file came: the peak of a book of 360
/// corpus articles.) The layout is the same either way.
fn book_text(text: usize, seen: usize, count: usize) -> usize {
    (text / seen.max(1)).saturating_mul(count).max(text)
}

/// [`layout_book`], the pages handed to `sink` while they are filled when
/// it takes them (see [`PageSink`]): the front matter's first, then the
/// chapters'. The layout is the same, less what the sink took out of its
/// pages. A chapter given owned, or put away, is freed as soon as it is
/// flowed: the pages are made without the chapters' documents.
pub(crate) fn layout_book_into<'d>(
    cover: &Document,
    chapters: impl ExactSizeIterator<Item = BookChapter<'d>>,
    style: &Style,
    fonts: &mut Fonts,
    recto: bool,
    placement: NotePlacement,
    sink: Option<&mut dyn PageSink>,
) -> Layout {
    let mut rows = Rows::default();
    let mut missing = Vec::new();
    let mut marks = Vec::with_capacity(chapters.len());
    let mut notes = Vec::with_capacity(chapters.len());
    // Where each chapter's first row starts across the page, when it is
    // its title (its one top-level outline item; a chapter without one, an
    // empty title: only from the library, has no contents entry).
    let mut titles = Vec::with_capacity(chapters.len());
    // Each chapter's author, for the contents (its title is its mark's).
    let mut authors = Vec::with_capacity(chapters.len());
    // The book's structure: its root, then one chapter element per document
    // (the front matter's elements go in after them once it is set).
    let mut structure = Structure::with_root();
    // Where the chapters' glyphs wait, one store for all (asked of the sink
    // when the chapters so far hold enough text: the chapters before keep
    // theirs in their rows), and why some could not be read back.
    let mut store: Option<GlyphStore> = None;
    let mut text = 0;
    let mut unread = None;
    let mut sink = sink;
    let count = chapters.len();
    for (i, chapter) in chapters.enumerate() {
        let d = &chapter.doc;
        let mut glyph_file = |more: usize| {
            if store.is_none()
                && let Some(s) = sink.as_mut()
            {
                let book = book_text(text + more, i + 1, count);
                store = s.glyph_file(book).map(GlyphStore::in_file);
            }
            text += more;
            store.clone()
        };
        let reading = Reading {
            doc: d,
            away: chapter.away.as_ref(),
        };
        let (more, miss, chapter_notes, nodes, _, failed) =
            article_rows(reading, style, fonts, placement, &mut glyph_file);
        unread = unread.or(failed);
        notes.push(chapter_notes);
        marks.push(ChapterMark {
            start: rows.len(),
            head: Some(d.title.text.clone()),
        });
        // The chapter's structure goes into the book's: its root becomes
        // a chapter element of the book's root, with its own language when
        // it is not the book's.
        let base = structure.len();
        let lang = d.meta.lang.trim();
        structure.append(nodes, 0, |p| p.map(|p| p + base));
        let root = structure.node_mut(base);
        root.kind = StructKind::Chapter;
        root.set_parent(Some(0));
        structure.set_lang(
            base,
            (!lang.is_empty() && lang != cover.meta.lang.trim()).then(|| lang.to_string()),
        );
        // Once the glyphs wait in a file, the book's rows do too, as they
        // are settled (the chapter's are read back from theirs, a chunk at
        // a time, into the book's).
        if store.is_some()
            && !rows.spills()
            && let Some(file) = crate::temp_file::TempFile::new()
        {
            rows.spill(file, placement == NotePlacement::Foot);
        }
        let start = rows.len();
        let mut title = None;
        let copied = more.into_each(|mut r| {
            if rows.len() == start {
                title = matches!(r.outline.as_deref(), Some((_, 0))).then_some(r.x);
            }
            r.node += base;
            r.label = r.label.map(|l| l + base);
            rows.push(r);
            rows.settle_before(rows.len() - 1);
        });
        unread = unread.or(copied.err());
        titles.push(title);
        missing.extend(miss);
        authors.push(d.meta.author.clone());
    }
    // Lines put away whose glyphs could not be read back: the pages will
    // lack them, and the sink is told.
    if let (Some(e), Some(s)) = (unread, &mut sink) {
        s.failed(e);
    }
    // With notes at the foot, a long book's words go before its pages are
    // planned too (the 2,880 corpus articles' book peaked there with them,
    // its notes placed page by page: 44.9–45.8 MB, now 42.7–42.8). With
    // notes at the end, that book's pagination then peaked 0.3–1 MB higher
    // (measured, not explained): its words go once its front matter is
    // planned (below), as before.
    if placement == NotePlacement::Foot {
        flow::paragraphs_set(fonts, text);
    }
    let plan = plan_pages(&rows, style, &marks, recto, &notes);
    // A chapter's title is at the top of the page where it starts.
    let book_author = cover.meta.author.as_deref().map(str::trim);
    let entries: Vec<front::Entry> = authors
        .iter()
        .zip(marks.iter().zip(&titles))
        .enumerate()
        .filter_map(|(chapter, (author, (m, title)))| {
            let dest = Dest {
                page: plan.page_of(m.start)?,
                x: (*title)?,
                y: style.page.margin_top,
            };
            Some(front::Entry {
                chapter,
                title: m.head.as_deref().unwrap_or_default(),
                author: author
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty() && Some(*a) != book_author),
                dest,
            })
        })
        .collect();
    let (front, planned) = front::Front::plan(cover, entries, style, fonts, recto);
    let body_pages = plan.ranges.len();
    // The front matter's elements go into the book's structure after the
    // chapters' (the tree's order is the reading order of the pages, not
    // that of this list); its lines are numbered to match as they are set.
    let base = structure.len() - 1;
    structure.append(planned.structure, 1, |p| p.map(|k| front::in_book(k, base)));
    // The structure grew a chapter at a time, its room doubling: what it
    // has beyond its nodes (up to as much again: 2.1 MB of the 1,440
    // corpus articles') goes back before the pages are filled.
    structure.shrink_to_fit();
    // Every chapter is set: a long book's words go, as a long article's do
    // (they were some 11 MB of the 1,440 corpus articles' peak while their
    // pages were filled); its running heads, page numbers and front matter
    // are shaped anew.
    flow::paragraphs_set(fonts, text);
    let flowed = Flowed {
        rows,
        missing,
        structure,
        store,
    };
    // The front matter's pages: those the sink was handed, as it left them,
    // or all of them set now.
    let (body, handed) = match sink {
        Some(sink) => {
            let mut book = BookSink::new(sink, &front, style, fonts.source(), base);
            let body = paginate(flowed, plan, style, fonts, &marks, &notes, Some(&mut book));
            (body, book.handed)
        }
        None => (
            paginate(flowed, plan, style, fonts, &marks, &notes, None),
            None,
        ),
    };
    let pages = handed.unwrap_or_else(|| {
        let mut pages = Vec::with_capacity(front.len);
        front.pages(style, fonts, base, |p| pages.push(p));
        pages
    });
    assemble_book(
        cover,
        pages,
        front.contents,
        planned.missing,
        body,
        body_pages,
    )
}

/// The [`PageSink`] of a book's chapters: it gives the sink the front
/// matter's pages before theirs (and their glyphs before theirs), the
/// chapters' pages numbered after them, and their links' ends moved by
/// the front matter's length. The front matter's pages are set as they
/// are given, a run at a time, with fonts of its own (the layout's are
/// the chapters' pages'): once for their glyphs, once more to be handed
/// out.
struct BookSink<'s, 'f, 'b, 'st, 'a> {
    sink: &'s mut dyn PageSink,
    front: &'f front::Front<'b>,
    style: &'st Style,
    /// Where the front matter's fonts are made from.
    source: &'a fonts::FontSource,
    /// The front matter's fonts, once the sink takes the pages (none when
    /// they could not be made: the sink is told).
    fonts: Option<Fonts<'a>>,
    /// How far the book's elements of the structure are from the front
    /// matter's own.
    base: usize,
    /// Pages handed out at a time.
    run: usize,
    /// The front matter's pages as the sink left them, once handed out.
    handed: Option<Vec<Page>>,
}

impl<'s, 'f, 'b, 'st, 'a> BookSink<'s, 'f, 'b, 'st, 'a> {
    fn new(
        sink: &'s mut dyn PageSink,
        front: &'f front::Front<'b>,
        style: &'st Style,
        source: &'a fonts::FontSource,
        base: usize,
    ) -> Self {
        BookSink {
            sink,
            front,
            style,
            source,
            fonts: None,
            base,
            run: 1,
            handed: None,
        }
    }

    /// Sets the front matter's pages one after another with its own fonts
    /// and hands each to `each` with the sink; `false` when it has no fonts
    /// (the sink has failed).
    fn each_front_page(&mut self, mut each: impl FnMut(&mut dyn PageSink, Page)) -> bool {
        let Some(fonts) = &mut self.fonts else {
            return false;
        };
        let sink = &mut *self.sink;
        self.front
            .pages(self.style, fonts, self.base, |page| each(sink, page));
        true
    }
}

/// `to` moved by `n` pages when it is a destination in the document.
fn shift_link(to: LinkTo, n: usize) -> LinkTo {
    match to {
        LinkTo::Dest(d) => LinkTo::Dest(Dest {
            page: d.page + n,
            ..d
        }),
        other => other,
    }
}

impl PageSink for BookSink<'_, '_, '_, '_, '_> {
    fn begin(&mut self, pages: usize) -> Option<usize> {
        let run = self.sink.begin(self.front.len + pages)?;
        self.run = run.max(1);
        self.fonts = Fonts::new(self.source)
            .map_err(|e| self.sink.failed(std::io::Error::other(e.to_string())))
            .ok();
        self.each_front_page(|sink, page| {
            for run in page.lines.iter().flat_map(|l| &l.line.runs) {
                sink.glyphs(run);
            }
        });
        Some(run)
    }

    fn glyphs(&mut self, run: &Run) {
        self.sink.glyphs(run);
    }

    fn pages(&mut self, pages: &mut [Page], structure: &[StructNode]) {
        if self.handed.is_none() {
            let run = self.run;
            let mut kept = Vec::with_capacity(self.front.len);
            let mut batch = Vec::with_capacity(run);
            let set = self.each_front_page(|sink, page| {
                batch.push(page);
                if batch.len() == run {
                    sink.pages(&mut batch, structure);
                    kept.append(&mut batch);
                }
            });
            if !batch.is_empty() {
                self.sink.pages(&mut batch, structure);
                kept.append(&mut batch);
            }
            // (Without fonts the sink has failed, and the layout sets the
            // front matter's pages itself.)
            if set {
                self.handed = Some(kept);
            }
        }
        self.sink.pages(pages, structure);
    }

    fn link_ends(&mut self, to: &dyn Fn(usize, &LinkTarget) -> Option<LinkTo>) {
        let front = self.front;
        let n = front.len;
        self.sink.link_ends(&|pi, target| match pi.checked_sub(n) {
            None => front
                .link_end(pi, target)
                .map(|d| shift_link(LinkTo::Dest(d), n)),
            Some(body) => to(body, target).map(|to| shift_link(to, n)),
        });
    }

    fn failed(&mut self, error: std::io::Error) {
        self.sink.failed(error);
    }
}

/// The front matter's pages before the chapters' (`body_pages` of them,
/// those of `body`, which has none when a sink took everything from
/// them); every destination in the chapters (and the contents' links into
/// them) moved by the front matter's length. (The front matter's elements
/// of the structure are in the chapters' already, [`layout_book_into`].)
fn assemble_book(
    cover: &Document,
    front: Vec<Page>,
    contents: usize,
    front_missing: Vec<MissingGlyph>,
    body: Layout,
    body_pages: usize,
) -> Layout {
    let n = front.len();
    let shift = |d: Dest| Dest {
        page: d.page + n,
        ..d
    };
    let structure = body.structure;
    let mut pages = front;
    if body.pages.len() == body_pages {
        pages.extend(body.pages);
    } else if pages.iter().all(Page::is_empty) {
        // The sink took everything from every page: the book keeps none.
        pages = Vec::new();
    } else {
        pages.resize_with(n + body_pages, Page::default);
    }
    for page in &mut pages {
        for l in &mut page.links {
            if let LinkTo::Dest(d) = &mut l.to {
                *d = shift(*d);
            }
        }
    }
    let top = |page: usize| Dest {
        page,
        x: 0.0,
        y: 0.0,
    };
    let mut outline = vec![
        OutlineItem {
            title: cover.title.text.clone(),
            level: 0,
            dest: top(0),
        },
        OutlineItem {
            title: "Contents".to_string(),
            level: 1,
            dest: top(contents),
        },
    ];
    outline.extend(body.outline.into_iter().map(|o| OutlineItem {
        level: o.level + 1,
        dest: shift(o.dest),
        ..o
    }));
    let mut missing = front_missing;
    missing.extend(body.missing);
    Layout {
        width: body.width,
        height: body.height,
        pages,
        outline,
        missing,
        markers: body
            .markers
            .into_iter()
            .map(|(k, d)| (k, shift(d)))
            .collect(),
        references: body
            .references
            .into_iter()
            .map(|(k, d)| (k, shift(d)))
            .collect(),
        structure,
        page_labels: vec![
            PageLabel {
                start: 0,
                style: Numbering::Roman,
                first: 1,
            },
            PageLabel {
                start: n,
                style: Numbering::Arabic,
                first: 1,
            },
        ],
    }
}

#[cfg(test)]
mod book_tests;
#[cfg(test)]
mod note_tests;
#[cfg(test)]
mod rule_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_document as document;

    /// `work`, done on a pool of `threads` threads.
    fn on_threads<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(work)
    }

    #[test]
    fn letters() {
        assert_eq!(letter(1), "a");
        assert_eq!(letter(26), "z");
        assert_eq!(letter(27), "aa");
    }

    /// Paragraphs set on several threads (more than [`PARALLEL_TEXT_BYTES`]
    /// of text) come out exactly as when set on one.
    #[test]
    fn parallel_setting_changes_nothing() {
        let mut text = String::from("Many paragraphs\n\n");
        for i in 0..200 {
            text.push_str(&format!(
                "Paragraph {i} tells how the lock keepers of the upper reach opened \
                 the sluices before dawn, so that the flotilla could pass the summit \
                 pound without waiting for the afternoon water1.\n\n"
            ));
        }
        text.push_str("  1. Keepers; Canal Office; 1901[]\n");
        let doc = document(&text);
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let lay = |threads: usize| {
            on_threads(threads, || {
                let mut f = Fonts::new(&source).unwrap();
                layout(&doc, &style, &mut f, NotePlacement::End)
            })
        };
        let one = lay(1);
        assert!(one.pages.len() > 3);
        assert_eq!(one, lay(2));
        assert_eq!(one, lay(3));
    }

    /// Paragraphs set a stretch at a time as the first pass notes them (a
    /// long article's: `flow::Recorder`) come out exactly as when all are
    /// noted first and set at once, in parallel or not.
    #[test]
    fn paragraphs_set_as_noted_change_nothing() {
        let mut text = String::from("Many paragraphs\n\n");
        for i in 0..120 {
            text.push_str(&format!(
                "Paragraph {i} tells how the keepers of the lower reach closed the \
                 gates at dusk, so that the barges moored below the weir{}.\n\n",
                i % 3 + 1
            ));
        }
        for n in 1..=3 {
            text.push_str(&format!(
                "  {n}. Keepers; Canal Office; 190{n}{}\n",
                "[]".repeat(40)
            ));
        }
        let doc = document(&text);
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let rows = |threads: usize, stretches: (usize, usize)| {
            on_threads(threads, || {
                let mut f = Fonts::new(&source).unwrap();
                let (rows, missing, notes, structure, ..) = flow::article_rows_setting(
                    (&doc).into(),
                    &style,
                    &mut f,
                    NotePlacement::End,
                    &mut |_| None,
                    stretches,
                );
                let rows: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
                (rows, missing, format!("{notes:?}"), structure)
            })
        };
        let at_once = rows(1, (usize::MAX, usize::MAX));
        assert!(at_once.0.len() > 100);
        for threads in [1, 2] {
            // From the first paragraph, a few paragraphs at a time (a
            // back-link group alone is a stretch).
            assert_eq!(rows(threads, (0, 1000)), at_once);
            assert_eq!(rows(threads, (5000, 1)), at_once);
        }
    }

    /// An article put away (`ast/put_away.rs`) and read back a block at
    /// a time is laid out as the article held whole: the same rows, notes,
    /// structure and characters without a glyph, its notes at the end or
    /// at the foot, with its paragraphs set as noted or all at once; its
    /// paragraphs and figures taken whole as they are read back.
    #[test]
    fn an_article_put_away_is_laid_out_the_same() {
        let mut text = String::from(
            "Put away\n\nA photograph of the upper landing at dawn, \
             with a cart waiting by the ramp.\n\n",
        );
        for i in 0..40 {
            if i % 10 == 5 {
                text.push_str(&format!("Section {i}\n\n"));
            }
            if i % 10 == 2 {
                text.push_str(&format!(
                    "A photograph of the ferry house {i}, with its bell on a post.\n\
                     The ferry house around 1910 (Photo credit: a river society)\n\n"
                ));
            }
            // (No face has a glyph for a hieroglyph.)
            let sign = if i % 7 == 3 { " \u{13000}" } else { "" };
            // A paragraph before a list announces it.
            let end = if i % 10 == 7 { ':' } else { '.' };
            text.push_str(&format!(
                "Paragraph {i}: the ferry left the upper landing at dawn{sign}{}{end}\n\n",
                i % 3 + 1
            ));
            if i % 10 == 7 {
                text.push_str("- a first item2\n- a second item\n\n");
            }
        }
        text.push_str("References\n\n");
        for n in 1..=4 {
            text.push_str(&format!("  {n}. Ferry log; 191{n}{}\n", "[]".repeat(n * 5)));
        }
        let parse = || {
            let opts = crate::ParseOptions::default();
            crate::parse_article("a.txt", text.as_bytes().to_vec(), Default::default(), &opts)
                .unwrap()
        };
        let whole = parse();
        let d = &whole.document;
        assert_eq!((d.sections.len(), d.references.len()), (4, 4));
        assert!(d.all_blocks().any(|b| matches!(b, Block::List(_))));
        assert!(d.lead_figure.is_some());
        assert!(
            d.all_blocks()
                .any(|b| matches!(b, Block::Figure(f) if f.caption.is_some()))
        );
        assert!(d.all_blocks().any(
            |b| matches!(b, Block::Paragraph(p) if crate::ast::plain_text_last(&p.inlines) == Some(':'))
        ));
        let mut put = parse();
        let away = crate::ast::put_away::PutAway::take(
            &mut put,
            crate::temp_file::TempFile::new().unwrap(),
        )
        .unwrap();
        assert!(put.document.sections.is_empty() && put.document.references.is_empty());
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let rows = |article: Reading, placement: NotePlacement, stretches: (usize, usize)| {
            on_threads(1, || {
                let mut f = Fonts::new(&source).unwrap();
                let (rows, missing, notes, structure, _, unread) = flow::article_rows_setting(
                    article,
                    &style,
                    &mut f,
                    placement,
                    &mut |_| None,
                    stretches,
                );
                assert!(unread.is_none());
                let rows: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
                (rows, missing, notes.all().unwrap(), structure)
            })
        };
        for placement in [NotePlacement::End, NotePlacement::Foot] {
            for stretches in [(0, 1000), (usize::MAX, usize::MAX)] {
                let held = rows(Reading::from(&whole.document), placement, stretches);
                assert!(held.0.len() > 50 && held.1.len() == 6);
                let notes = if placement == NotePlacement::Foot {
                    3
                } else {
                    0
                };
                assert_eq!(held.2.len(), notes);
                // "Ferry log; 1911" has no shorter form.
                assert!(held.2.values().all(|(_, shorter)| shorter.is_none()));
                let read_back = Reading {
                    doc: &put.document,
                    away: Some(&away),
                };
                assert!(
                    rows(read_back, placement, stretches) == held,
                    "{placement:?}"
                );
            }
        }
    }

    /// The packed lines of a long article's stretches, put away in the
    /// glyph file, come back as they went, with the characters their
    /// paragraphs have no glyph for, and so do the rows of its notes at
    /// the foot of the page; a file that refuses them keeps them in
    /// memory, the same; one that cannot give the lines back makes an
    /// error, not rows silently without lines.
    #[test]
    fn lines_put_away_come_back_as_they_went() {
        let mut text = String::from("Lines put away\n\n");
        for i in 0..80 {
            // (No face has a glyph for a hieroglyph.)
            let sign = if i % 7 == 3 { " \u{13000}" } else { "" };
            text.push_str(&format!(
                "Paragraph {i}: the ferry left the upper landing at dawn and \
                 crossed the reach twice before the mist lifted{sign}{}.\n\n",
                i % 2 + 1
            ));
        }
        text.push_str("  1. Ferry log; 1911[][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]\n");
        text.push_str("  2. Ferry log; 1912. Kept at the upper landing by the ferryman's widow, who wrote in it every crossing until the bridge was built[][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]\n");
        let doc = document(&text);
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let named = tempfile::NamedTempFile::new().unwrap();
        let file = |read: bool, write: bool| {
            std::fs::OpenOptions::new()
                .read(read)
                .write(write)
                .open(named.path())
                .unwrap()
        };
        for placement in [NotePlacement::End, NotePlacement::Foot] {
            // On one thread, so that the glyphs' places are the same each time.
            let set_rows = |given: Option<std::fs::File>| {
                on_threads(1, || {
                    let mut f = Fonts::new(&source).unwrap();
                    let stored = given.is_some();
                    let mut given = given.map(crate::temp_file::TempFile::in_file);
                    let (mut rows, missing, notes, _, store, unread) = flow::article_rows_setting(
                        (&doc).into(),
                        &style,
                        &mut f,
                        placement,
                        &mut |_| given.take().map(GlyphStore::in_file),
                        (0, 1000),
                    );
                    assert_eq!(store.is_some(), stored);
                    let all = 0..rows.len();
                    rows.load(all).unwrap();
                    let rows: Vec<String> = if stored {
                        rows.iter().map(|r| format!("{r:?}")).collect()
                    } else {
                        Vec::new()
                    };
                    let held = notes.held();
                    let notes = notes.all().map_err(|e| e.to_string());
                    (rows, unread.map(|e| e.to_string()), missing, notes, held)
                })
            };
            let foot = placement == NotePlacement::Foot;
            let held = set_rows(None);
            assert_eq!(held.2.len(), 11);
            // Both notes, the second with a shorter form.
            let notes = held.3.as_ref().unwrap();
            assert_eq!(notes.len(), if foot { 2 } else { 0 });
            assert_eq!(
                notes.values().filter(|n| n.1.is_some()).count(),
                notes.len() / 2
            );
            let rows = |given: std::fs::File| set_rows(Some(given));
            let away = rows(file(true, true));
            assert_eq!(away.1, None);
            assert!(away.0.len() > 60);
            assert_eq!(away.2, held.2, "the characters without a glyph");
            assert_eq!(away.3.as_ref().unwrap().len(), notes.len());
            assert_eq!(away.4, 0, "the notes' rows put aside");
            let refused = rows(file(true, false));
            assert_eq!(refused.4, held.4, "the notes' rows held");
            assert_eq!(
                (&refused.0, &refused.1, &refused.2, &refused.3),
                (&away.0, &away.1, &away.2, &away.3),
                "kept in memory when the file refuses them"
            );
            let (_, unread, ..) = rows(file(false, true));
            assert!(
                unread.is_some_and(|e| e.contains("Bad file")),
                "lines that cannot be read back are an error"
            );
        }
    }

    /// A page's number is set on its page without being kept among the
    /// shaped words: no other page has it (a long book's 18,678 numbers,
    /// each shaped twice, were cached on their second shaping).
    #[test]
    fn page_numbers_are_not_kept_among_the_shaped_words() {
        let body = "The keepers opened the sluices before dawn, and the flotilla \
                    passed the summit pound while the town slept. "
            .repeat(12);
        let text = format!("Lock keepers\n\n{}\n", [body.as_str(); 30].join("\n\n"));
        let doc = document(&text);
        std::thread::scope(|s| {
            s.spawn(|| {
                let style = Style::default();
                let source = fonts::FontSource::load(&style).unwrap();
                let mut f = Fonts::new(&source).unwrap();
                let lay = layout(&doc, &style, &mut f, NotePlacement::End);
                assert!(lay.pages.len() >= 3, "{} pages", lay.pages.len());
                let folio = |pi: usize| {
                    let last = lay.pages[pi].lines.last().unwrap();
                    assert_eq!(last.role, Role::Footer);
                    last.line.runs[0].glyphs.len()
                };
                assert_eq!(folio(1), 1, "page 2's number");
                for n in 1..=lay.pages.len() {
                    let n = n.to_string();
                    assert!(!f.is_cached(FontKind::Regular, Variant::Text, &n), "{n}");
                }
            });
        });
    }

    /// Shaped words kept on a thread from one layout to the next (bundled
    /// faces) change nothing: an article laid out after others, with the
    /// same faces or with other ones, comes out as on a fresh thread.
    #[test]
    fn words_kept_from_earlier_layouts_change_nothing() {
        let parse = document;
        let first = parse(
            "Lock keepers\n\nThe keepers opened the sluices before dawn, and the \
             flotilla passed the summit pound1.\n\n  1. Canal Office; 1901[]\n",
        );
        let second = parse(
            "The summit pound\n\nAt dawn the sluices of the summit pound were opened \
             by the keepers, and official boats passed first1.\n\n  1. Canal Office; 1902[]\n",
        );
        let default = Style::default();
        let mut mono = Style::default();
        mono.fonts.regular = format!("builtin:{}", fonts::FALLBACK);
        let lay = |doc: &Document, style: &Style| {
            let source = fonts::FontSource::load(style).unwrap();
            let mut f = Fonts::new(&source).unwrap();
            let kept = f.cached_words();
            (layout(doc, style, &mut f, NotePlacement::End), kept)
        };
        let fresh = |doc: &Document, style: &Style| {
            std::thread::scope(|s| s.spawn(|| lay(doc, style).0).join().unwrap())
        };
        lay(&first, &default);
        let (second_after_first, kept) = lay(&second, &default);
        assert!(kept > 0, "the first layout's words were kept");
        assert_eq!(second_after_first, fresh(&second, &default));
        let (mono_after, kept_for_mono) = lay(&second, &mono);
        assert_eq!(kept_for_mono, 0, "other faces start with nothing");
        assert_eq!(mono_after, fresh(&second, &mono));
        assert_ne!(mono_after, second_after_first);
        assert_eq!(lay(&first, &default).0, fresh(&first, &default));
        // Words forgotten (a long article's, once set) are shaped again
        // alike, and none is kept for the next layout.
        let source = fonts::FontSource::load(&default).unwrap();
        let mut f = Fonts::new(&source).unwrap();
        assert!(f.cached_words() > 0);
        f.forget_words();
        assert_eq!(f.cached_words(), 0);
        assert_eq!(
            layout(&second, &default, &mut f, NotePlacement::End),
            second_after_first
        );
        f.forget_words();
        drop(f);
        let (again, kept) = lay(&first, &default);
        assert_eq!(kept, 0, "words forgotten are not kept for the next layout");
        assert_eq!(again, fresh(&first, &default));
    }

    /// The structure of the layout: every line points to an element (the
    /// root for page furniture), every element's parent comes before it,
    /// a block's lines all have the block's role, labels sit in items, every
    /// link names the line and span it came from, figures carry their alt
    /// text; in a book each chapter is an element of its own, with its
    /// language when it is not the book's.
    #[test]
    fn lines_point_into_the_structure() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/input/canal-and-locks.txt");
        let parse = |text: String, lang: &str| {
            let mut d = crate::parse_article(
                "t",
                text.into_bytes(),
                Default::default(),
                &Default::default(),
            )
            .unwrap()
            .document;
            d.meta.lang = lang.into();
            d
        };
        let doc = parse(std::fs::read_to_string(path).unwrap(), "en");
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let mut f = Fonts::new(&source).unwrap();
        let check = |lay: &Layout| {
            let s = &lay.structure;
            assert_eq!(s[0].kind, StructKind::Document);
            assert!(
                s.nodes()
                    .iter()
                    .enumerate()
                    .skip(1)
                    .all(|(i, n)| n.parent().is_some_and(|p| p < i))
            );
            for page in &lay.pages {
                for l in &page.lines {
                    match l.role {
                        Role::Footer | Role::Header => assert_eq!(l.node, 0),
                        role => match s[l.node].kind {
                            // A subtitle or byline is a paragraph of the title block.
                            StructKind::Block(r) => assert!(
                                r == role || (r == Role::Body && role == Role::Title),
                                "{r:?} holds a line of {role:?}"
                            ),
                            StructKind::ContentsEntry => assert_eq!(role, Role::Body),
                            StructKind::Figure => assert_eq!(role, Role::FigureAlt),
                            StructKind::ItemBody => {
                                assert!(matches!(role, Role::ListItem | Role::Reference))
                            }
                            StructKind::Title => assert_eq!(role, Role::Title),
                            k => panic!("a line in a {k:?}"),
                        },
                    }
                    if let Some(label) = l.label {
                        assert_eq!(s[label].kind, StructKind::Label);
                        assert_eq!(
                            s[label].parent(),
                            s[l.node].parent(),
                            "label and body of one item"
                        );
                    }
                }
                for link in &page.links {
                    let (li, si) = link.source.unwrap();
                    assert_eq!(page.lines[li].line.links[si].target, link.target);
                }
            }
            let figures: Vec<usize> = (0..s.len())
                .filter(|&n| s[n].kind == StructKind::Figure)
                .collect();
            assert!(!figures.is_empty());
            assert!(
                figures
                    .iter()
                    .all(|&n| s.alt(n).is_some_and(|a| a.len() > 10))
            );
        };
        let lay = layout(&doc, &style, &mut f, NotePlacement::End);
        check(&lay);
        // Notes at the foot of the page point into the structure too.
        let foot = layout(&doc, &style, &mut f, NotePlacement::Foot);
        check(&foot);
        assert!(
            foot.pages
                .iter()
                .flat_map(|p| &p.lines)
                .any(|l| l.role == Role::Note && l.node != 0)
        );
        let items = lay
            .structure
            .nodes()
            .iter()
            .filter(|n| n.kind == StructKind::Item)
            .count();
        assert_eq!(items, 6 + doc.references.len());
        let other = parse("Un titre\n\nUn paragraphe.\n".into(), "fr");
        let cover = parse("A book\n\nx\n".into(), "en");
        let book = layout_book(
            &cover,
            &[&doc, &other],
            &style,
            &mut f,
            false,
            NotePlacement::End,
        );
        check(&book);
        let s = &book.structure;
        let chapters: Vec<usize> = (0..s.len())
            .filter(|&n| s[n].kind == StructKind::Chapter)
            .collect();
        assert_eq!(chapters.len(), 2);
        assert!(chapters.iter().all(|&c| s[c].parent() == Some(0)));
        assert_eq!(s.lang(chapters[0]), None);
        assert_eq!(s.lang(chapters[1]), Some("fr"));
    }

    #[test]
    fn languages() {
        assert!(hyphenation_lang("en").is_some());
        assert!(hyphenation_lang("cs-CZ").is_some());
        assert!(hyphenation_lang("und").is_none());
    }
}
