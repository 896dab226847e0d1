//! pandoc's JSON AST (`-t pandoc`, `.pandoc.json`): the way to every format
//! pandoc writes (DOCX with real footnotes, ODT, LaTeX, JATS, …) without
//! refolio writing them itself: `pandoc -f json -t docx x.pandoc.json`.
//!
//! The shape, by default that of `pandoc-api-version` 1.22 (pandoc 2.11 to
//! 2.19, Debian's 2.17 among them; [`PandocApi`]):
//!
//! ```text
//! meta     title, subtitle, author, date, lang, source-url (MetaInlines),
//!          notes-title (the reference list's heading, when the source has one)
//! blocks   the lead figure, the blocks before the first heading, then per
//!          section Header 2 ("sec-N"), its blocks
//! ```
//!
//! Blocks: paragraph → `Para`; list → `BulletList` / `OrderedList` (start,
//! `Decimal`, `Period`) of tight items (`Plain`, nested lists after it);
//! quote → `BlockQuote [Para]`; rule → `HorizontalRule`; figure → in 1.22
//! the image-paragraph idiom `Para [Image attr CAPTION (src, "fig:")]` with
//! the alt text as the image's `fig-alt` attribute (the caption, or the alt
//! text when there is none, is the image's text), in 1.23 a real
//! `Figure attr (Nothing, [Plain CAPTION]) [Plain [Image attr ALT (src, "")]]`.
//! In 1.22 an attribute cannot hold notes: the citations of an alt text
//! that has a caption follow the caption, so that none is lost.
//! The image itself was lost in the flattening: its source is a 1×1
//! transparent GIF as a `data:` URI ([`PLACEHOLDER_IMAGE`]), so that every
//! pandoc writer has an image to embed and none goes looking for a file.
//!
//! Citations ([`NoteStyle`], `--notes foot|end`):
//! - `footnotes` (`--notes foot`, the default): each marker is
//!   `Span ("cite-N-K", ["cite"], [("reference", "N")]) [Note [Para REF]]`,
//!   a footnote holding the reference's text, so that every editor gets real
//!   footnotes; the K-th citation of a reference repeats its note. The span
//!   keeps the id a back-link would point at and the reference's number.
//! - `endnotes-list` (`--notes end`): each marker is
//!   `Superscript [Link ("cite-N-K", ["cite"], []) [Str "N"] ("#ref-N", "")]`,
//!   and the reference list follows the body: `Header 2 ("references")`,
//!   then an `OrderedList` whose items are
//!   `Plain [Span ("ref-N", ["reference"], []) REF, Space, Span ("", ["backlinks"], []) […]]`
//!   with one `Link ("", ["backlink"], []) (#cite-N-K)` per back-link of
//!   the source (`↩` for one, `↩ a b c` for several), as in the EPUB.
//!
//! A marker whose reference does not exist is
//! `Span ("", ["cite", "unresolved"], [("reference", "N")]) [Superscript [Str "N"]]`.
//! A bare URL is `Link ("", ["uri"], []) [Str URL] (URL, "")`, as pandoc's
//! Markdown reader makes of `<URL>`. Text is split into `Str` and `Space`
//! as pandoc's readers split it.
//!
//! A book is one document: the book's metadata, then per article a
//! `Header 1 ("aK", ["chapter"])` with its title, its body with every id
//! prefixed `aK-` and its headings as in an article, and (endnotes-list)
//! its own reference list.

pub mod model;

use crate::ast::walk::{walk_children, walk_document, walk_section};
use crate::ast::{
    Document, Figure, Heading, Inline, List, ListItem, Paragraph, Quote, Rule, Section, Visit,
    plain_text,
};
use crate::write::BookMeta;
use crate::write::links::{Links, present};
use model::{
    Block, Inline as P, ListAttributes, ListNumberDelim, ListNumberStyle, MetaValue, Pandoc, attr,
};
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

/// The image of a figure, whose file the flattening lost: a 1×1
/// transparent GIF.
pub const PLACEHOLDER_IMAGE: &str =
    "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

/// The `pandoc-api-version` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum PandocApi {
    /// pandoc-types 1.22 (pandoc 2.11 to 2.19; Debian 12's pandoc 2.17):
    /// figures as an image alone in a paragraph, titled `fig:`.
    #[default]
    #[value(name = "1.22")]
    V1_22,
    /// pandoc-types 1.23 (pandoc 3): figures as `Figure` blocks.
    #[value(name = "1.23")]
    V1_23,
}

impl PandocApi {
    /// The version numbers written as `pandoc-api-version`.
    pub fn version(self) -> Vec<u32> {
        match self {
            PandocApi::V1_22 => vec![1, 22, 2, 1],
            PandocApi::V1_23 => vec![1, 23, 1],
        }
    }
}

/// How citations are written in the pandoc output (`--notes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum NoteStyle {
    /// Each citation is a footnote holding its reference's text.
    #[default]
    Footnotes,
    /// Each citation links to an ordered reference list after the body,
    /// which links back.
    EndnotesList,
}

/// How to write pandoc's AST.
#[derive(Debug, Clone, Copy, Default)]
pub struct PandocOptions {
    /// The `pandoc-api-version`.
    pub api: PandocApi,
    /// Footnotes or a reference list.
    pub notes: NoteStyle,
}

/// `docs` as one pandoc document: one article, or a book of them.
pub fn pandoc_document(docs: &[&Document], book: Option<&BookMeta>, opts: PandocOptions) -> Pandoc {
    let mut blocks = Vec::new();
    document_blocks(docs, book, opts, &mut blocks, None);
    Pandoc {
        api_version: opts.api.version(),
        meta: document_meta(docs, book),
        blocks,
    }
}

/// The metadata of [`pandoc_document`].
fn document_meta(docs: &[&Document], book: Option<&BookMeta>) -> BTreeMap<String, MetaValue> {
    match (book, docs) {
        (None, [doc]) => article_meta(doc),
        _ => book_meta(book, docs.first().map(|d| &d.meta)),
    }
}

/// The metadata of a book, `book` (none without it), whose first
/// chapter's metadata is `first`.
fn book_meta(
    book: Option<&BookMeta>,
    first: Option<&crate::ast::Meta>,
) -> BTreeMap<String, MetaValue> {
    let mut meta = BTreeMap::new();
    if let Some(b) = book {
        meta.insert("title".into(), meta_text(&b.title));
        meta_fields(&b.meta, &mut meta);
        meta.insert("lang".into(), meta_text(b.language(first)));
    }
    meta
}

/// The blocks of [`pandoc_document`], into `out`, or, with `streamed`,
/// written there one top-level block at a time (`out` then only holds
/// the block being made).
fn document_blocks(
    docs: &[&Document],
    book: Option<&BookMeta>,
    opts: PandocOptions,
    out: &mut Vec<Block>,
    streamed: Option<&mut Streamed<'_>>,
) {
    let chapters = docs.iter().map(|d| std::borrow::Cow::Borrowed(*d));
    match (book, docs) {
        (None, [doc]) => article_blocks(doc, "", opts, out, streamed),
        _ => chapter_blocks(chapters, opts, out, streamed),
    }
}

/// A book's blocks: each of `chapters`, given one at a time, under a
/// level-1 heading.
fn chapter_blocks<'d>(
    chapters: impl Iterator<Item = std::borrow::Cow<'d, Document>>,
    opts: PandocOptions,
    out: &mut Vec<Block>,
    mut streamed: Option<&mut Streamed<'_>>,
) {
    for (i, doc) in chapters.enumerate() {
        let prefix = format!("a{}-", i + 1);
        out.push(Block::Header(
            1,
            attr(&format!("a{}", i + 1), &["chapter"], &[]),
            text(&doc.title.text),
        ));
        if let Some(s) = streamed.as_deref_mut() {
            s.write(out);
        }
        article_blocks(&doc, &prefix, opts, out, streamed.as_deref_mut());
    }
}

/// Top-level blocks written as they are made: `[`, the blocks separated
/// by commas, `]`, as `serde_json` writes a vector of them.
struct Streamed<'w> {
    out: &'w mut dyn std::io::Write,
    /// Whether a block was written.
    any: bool,
    /// The first failure, after which nothing more is written.
    failed: Option<serde_json::Error>,
}

impl Streamed<'_> {
    /// Writes an ordered list of `items` as [`Streamed::write`] writes the
    /// block `Block::OrderedList(list, items)`, each item serialised as it
    /// is made.
    fn write_list(&mut self, list: ListAttributes, items: impl Iterator<Item = Vec<Block>>) {
        if self.failed.is_some() {
            return;
        }
        // The block with no item, `…,[]]}`, around the items.
        let empty = match serde_json::to_string(&Block::OrderedList(list, Vec::new())) {
            Ok(empty) => empty,
            Err(e) => {
                self.failed = Some(e);
                return;
            }
        };
        let Some(open) = empty.strip_suffix("]]}") else {
            // Not the shape expected: the block whole.
            let items = items.collect();
            return self.write(&mut vec![Block::OrderedList(list, items)]);
        };
        let written = || -> Result<(), serde_json::Error> {
            self.separate()?;
            let io = serde_json::Error::io;
            let out = &mut *self.out;
            out.write_all(open.as_bytes()).map_err(io)?;
            for (k, item) in items.enumerate() {
                if k > 0 {
                    out.write_all(b",").map_err(io)?;
                }
                serde_json::to_writer(&mut *out, &item)?;
            }
            out.write_all(b"]]}").map_err(io)
        };
        if let Err(e) = written() {
            self.failed = Some(e);
        }
    }

    /// Writes the blocks in `blocks` and empties it.
    fn write(&mut self, blocks: &mut Vec<Block>) {
        for b in blocks.drain(..) {
            if self.failed.is_some() {
                continue;
            }
            if let Err(e) = self
                .separate()
                .and_then(|()| serde_json::to_writer(&mut *self.out, &b))
            {
                self.failed = Some(e);
            }
        }
    }

    /// Puts the comma before a block, unless it is the first.
    fn separate(&mut self) -> Result<(), serde_json::Error> {
        if std::mem::replace(&mut self.any, true) {
            self.out.write_all(b",").map_err(serde_json::Error::io)?;
        }
        Ok(())
    }
}

/// An article's metadata.
fn article_meta(doc: &Document) -> BTreeMap<String, MetaValue> {
    let mut meta = BTreeMap::new();
    meta.insert("title".into(), meta_text(&doc.title.text));
    if let Some(s) = &doc.subtitle {
        meta.insert("subtitle".into(), meta_text(&s.text));
    }
    meta_fields(&doc.meta, &mut meta);
    if let Some(h) = &doc.references_heading {
        let t = plain_text(&h.inlines);
        if !t.trim().is_empty() {
            meta.insert("notes-title".into(), meta_text(&t));
        }
    }
    meta
}

/// `author`, `date`, `lang` and `source-url`, those that are given.
fn meta_fields(m: &crate::ast::Meta, meta: &mut BTreeMap<String, MetaValue>) {
    for (key, value) in [
        ("author", present(&m.author)),
        ("date", present(&m.date)),
        ("source-url", present(&m.source_url)),
        ("lang", Some(m.lang.trim()).filter(|l| !l.is_empty())),
    ] {
        if let Some(v) = value {
            meta.insert(key.into(), meta_text(v));
        }
    }
}

fn meta_text(s: &str) -> MetaValue {
    MetaValue::MetaInlines(text(s))
}

/// Plain text as pandoc inlines, without leading or trailing space.
pub fn text(s: &str) -> Vec<P> {
    let mut v = Vec::new();
    model::words(s, &mut v);
    model::trim(v)
}

/// An article's body (and, for `endnotes-list`, its reference list),
/// into `out` or written into `streamed` block by block.
fn article_blocks(
    doc: &Document,
    prefix: &str,
    opts: PandocOptions,
    out: &mut Vec<Block>,
    mut streamed: Option<&mut Streamed<'_>>,
) {
    let mut links = Links::new(doc);
    let refs: HashMap<u32, &str> = doc
        .references
        .iter()
        .rev()
        .map(|r| (r.n, r.raw.as_str()))
        .collect();
    let mut body = Body {
        ctx: Ctx {
            links: &mut links,
            refs: &refs,
            prefix,
            opts,
        },
        out,
        section: 0,
        streamed: streamed.as_deref_mut(),
    };
    let Ok(()) = walk_document(&mut body, doc);
    if opts.notes == NoteStyle::EndnotesList && !doc.references.is_empty() {
        reference_list(doc, &links, prefix, out, streamed);
    }
}

/// What the inline conversion needs.
struct Ctx<'a, 'l> {
    links: &'l mut Links,
    refs: &'a HashMap<u32, &'a str>,
    prefix: &'a str,
    opts: PandocOptions,
}

impl Ctx<'_, '_> {
    /// Inlines as pandoc inlines, trimmed as a reader trims a paragraph.
    fn inlines(&mut self, v: &[Inline]) -> Vec<P> {
        let mut out = Vec::new();
        for i in v {
            match i {
                Inline::Text { text, .. } => model::words(text, &mut out),
                Inline::Link { url, .. } => out.push(P::Link(
                    attr("", &["uri"], &[]),
                    vec![P::Str(url.to_string())],
                    (url.to_string(), String::new()),
                )),
                Inline::Cite { n, occurrence, .. } => out.push(self.cite(*n, *occurrence)),
            }
        }
        model::trim(out)
    }

    fn cite(&mut self, n: u32, k: u32) -> P {
        let number = n.to_string();
        let Some(raw) = self.refs.get(&n).filter(|_| self.links.has_reference(n)) else {
            return P::Span(
                attr("", &["cite", "unresolved"], &[("reference", &number)]),
                vec![P::Superscript(vec![P::Str(number.clone())])],
            );
        };
        let id = if self.links.claim_marker_id(n, k) {
            format!("{}cite-{n}-{k}", self.prefix)
        } else {
            String::new()
        };
        match self.opts.notes {
            NoteStyle::Footnotes => P::Span(
                attr(&id, &["cite"], &[("reference", &number)]),
                vec![P::Note(vec![Block::Para(text(raw))])],
            ),
            NoteStyle::EndnotesList => P::Superscript(vec![P::Link(
                attr(&id, &["cite"], &[]),
                vec![P::Str(number)],
                (format!("#{}ref-{n}", self.prefix), String::new()),
            )]),
        }
    }
}

/// The body's blocks, in the order of [`crate::ast::walk`].
struct Body<'o, 'a, 'l, 'w> {
    ctx: Ctx<'a, 'l>,
    out: &'o mut Vec<Block>,
    /// The index of the section being written.
    section: usize,
    /// Where the top-level blocks are written as they are made.
    streamed: Option<&'o mut Streamed<'w>>,
}

impl Body<'_, '_, '_, '_> {
    /// Adds `b`, written at once when the blocks are streamed.
    fn push(&mut self, b: Block) {
        self.out.push(b);
        if let Some(s) = self.streamed.as_deref_mut() {
            s.write(self.out);
        }
    }

    /// The blocks a nested walk makes (a list item's children).
    fn nested(&mut self, f: impl FnOnce(&mut Body) -> Result<(), Infallible>) -> Vec<Block> {
        let mut out = Vec::new();
        let mut sub = Body {
            ctx: Ctx {
                links: self.ctx.links,
                refs: self.ctx.refs,
                prefix: self.ctx.prefix,
                opts: self.ctx.opts,
            },
            out: &mut out,
            section: self.section,
            streamed: None,
        };
        let Ok(()) = f(&mut sub);
        out
    }
}

impl<'d> Visit<'d> for Body<'_, '_, '_, '_> {
    type Error = Infallible;

    fn visit_section(&mut self, i: usize, s: &'d Section) -> Result<(), Infallible> {
        self.section = i;
        walk_section(self, s)
    }
    fn visit_heading(&mut self, h: &'d Heading) -> Result<(), Infallible> {
        // The id of the XHTML's section.
        let id = format!(
            "{}{}",
            self.ctx.prefix,
            crate::write::xhtml::section_id(self.section)
        );
        let inl = self.ctx.inlines(&h.inlines);
        self.push(Block::Header(2, attr(&id, &[], &[]), inl));
        Ok(())
    }
    fn visit_paragraph(&mut self, p: &'d Paragraph) -> Result<(), Infallible> {
        let inl = self.ctx.inlines(&p.inlines);
        self.push(Block::Para(inl));
        Ok(())
    }
    fn visit_quote(&mut self, q: &'d Quote) -> Result<(), Infallible> {
        let inl = self.ctx.inlines(&q.inlines);
        self.push(Block::BlockQuote(vec![Block::Para(inl)]));
        Ok(())
    }
    fn visit_rule(&mut self, _: &'d Rule) -> Result<(), Infallible> {
        self.push(Block::HorizontalRule);
        Ok(())
    }
    fn visit_list(&mut self, l: &'d List) -> Result<(), Infallible> {
        if l.items.is_empty() {
            return Ok(());
        }
        let mut items = Vec::with_capacity(l.items.len());
        for item in &l.items {
            items.push(self.item(item));
        }
        self.push(if l.ordered {
            Block::OrderedList(
                (
                    i64::try_from(l.start).unwrap_or(i64::MAX),
                    ListNumberStyle::Decimal,
                    ListNumberDelim::Period,
                ),
                items,
            )
        } else {
            Block::BulletList(items)
        });
        Ok(())
    }
    fn visit_figure(&mut self, f: &'d Figure) -> Result<(), Infallible> {
        let fig = self.figure(f);
        self.push(fig);
        Ok(())
    }
}

impl Body<'_, '_, '_, '_> {
    /// An item: its text as `Plain`, then its nested lists.
    fn item(&mut self, item: &ListItem) -> Vec<Block> {
        let mut blocks = vec![Block::Plain(self.ctx.inlines(&item.inlines))];
        blocks.extend(self.nested(|sub| walk_children(sub, item)));
        blocks
    }

    fn figure(&mut self, f: &Figure) -> Block {
        let alt_text = plain_text(&f.alt).trim().to_string();
        let target = (PLACEHOLDER_IMAGE.to_string(), String::new());
        match (self.ctx.opts.api, &f.caption) {
            // The caption is the image's text; the alt text an attribute,
            // which cannot hold notes: its citations follow the caption.
            (PandocApi::V1_22, Some(c)) => {
                let alt_notes: Vec<P> = f
                    .alt
                    .iter()
                    .filter_map(|i| match i {
                        Inline::Cite { n, occurrence, .. } => Some(self.ctx.cite(*n, *occurrence)),
                        _ => None,
                    })
                    .collect();
                let mut text = self.ctx.inlines(c);
                text.extend(alt_notes);
                Block::Para(vec![P::Image(
                    attr("", &[], &[("fig-alt", &alt_text)]),
                    text,
                    (PLACEHOLDER_IMAGE.to_string(), "fig:".to_string()),
                )])
            }
            (PandocApi::V1_22, None) => Block::Para(vec![P::Image(
                attr("", &[], &[]),
                self.ctx.inlines(&f.alt),
                (PLACEHOLDER_IMAGE.to_string(), "fig:".to_string()),
            )]),
            (PandocApi::V1_23, caption) => {
                let alt = self.ctx.inlines(&f.alt);
                let caption = caption
                    .as_ref()
                    .map(|c| vec![Block::Plain(self.ctx.inlines(c))])
                    .unwrap_or_default();
                Block::Figure(
                    attr("", &[], &[]),
                    (None, caption),
                    vec![Block::Plain(vec![P::Image(
                        attr("", &[], &[]),
                        alt,
                        target,
                    )])],
                )
            }
        }
    }
}

/// `endnotes-list`: the references heading and the ordered list of
/// references, each with its back-links.
fn reference_list(
    doc: &Document,
    links: &Links,
    prefix: &str,
    out: &mut Vec<Block>,
    streamed: Option<&mut Streamed<'_>>,
) {
    let heading = crate::write::xhtml::references_heading_text(doc);
    out.push(Block::Header(
        2,
        attr(&format!("{prefix}references"), &["references"], &[]),
        text(&heading),
    ));
    let mut seen = std::collections::HashSet::new();
    let items = doc.references.iter().map(|r| {
        let first = seen.insert(r.n);
        let id = if first {
            format!("{prefix}ref-{}", r.n)
        } else {
            String::new()
        };
        let mut inl = vec![P::Span(
            attr(&id, &["reference"], &[("n", &r.n.to_string())]),
            text(&r.raw),
        )];
        let count = r.backlinks.len();
        if count > 0 {
            let mut back = Vec::new();
            if count > 1 {
                back.push(P::Str("\u{21A9}\u{FE0E}".into()));
            }
            for k in 1..=count {
                if k > 1 || count > 1 {
                    back.push(P::Space);
                }
                let label = if count == 1 {
                    "\u{21A9}\u{FE0E}".to_string()
                } else {
                    crate::write::xhtml::backlink_letter(k)
                };
                let k32 = u32::try_from(k).unwrap_or(u32::MAX);
                if first && links.has_marker(r.n, k32) {
                    back.push(P::Link(
                        attr("", &["backlink"], &[]),
                        vec![P::Str(label)],
                        (format!("#{prefix}cite-{}-{k}", r.n), String::new()),
                    ));
                } else {
                    back.push(P::Span(
                        attr("", &["backlink-missing"], &[]),
                        vec![P::Str(label)],
                    ));
                }
            }
            inl.push(P::Space);
            inl.push(P::Span(attr("", &["backlinks"], &[]), back));
        }
        vec![Block::Plain(inl)]
    });
    let start = doc.references.first().map_or(1, |r| i64::from(r.n));
    let list = (start, ListNumberStyle::Decimal, ListNumberDelim::Period);
    match streamed {
        // A long list's items written one at a time.
        Some(s) => {
            s.write(out);
            s.write_list(list, items);
        }
        None => out.push(Block::OrderedList(list, items.collect())),
    }
}

/// Writes `docs` as pandoc JSON (one line, as pandoc writes it, and a
/// final newline).
pub fn write_pandoc(
    docs: &[&Document],
    book: Option<&BookMeta>,
    opts: PandocOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), crate::error::WriteError> {
    write_pandoc_with(&document_meta(docs, book), opts, out, |s| {
        document_blocks(docs, book, opts, &mut Vec::new(), Some(s))
    })
}

/// The pandoc JSON of the metadata `meta` and the blocks `blocks` writes.
fn write_pandoc_with(
    meta: &BTreeMap<String, MetaValue>,
    opts: PandocOptions,
    out: &mut dyn std::io::Write,
    blocks: impl FnOnce(&mut Streamed<'_>),
) -> Result<(), crate::error::WriteError> {
    // As `serde_json` writes a `Pandoc`, its blocks written as they are
    // made: a long article's pandoc AST is never held whole.
    let failed = |e: serde_json::Error| match e.io_error_kind() {
        Some(kind) => crate::error::WriteError::Io(std::io::Error::new(kind, e)),
        None => crate::error::WriteError::Internal(format!("pandoc JSON: {e}")),
    };
    out.write_all(b"{\"pandoc-api-version\":")?;
    serde_json::to_writer(&mut *out, &opts.api.version()).map_err(failed)?;
    out.write_all(b",\"meta\":")?;
    serde_json::to_writer(&mut *out, meta).map_err(failed)?;
    out.write_all(b",\"blocks\":[")?;
    let mut streamed = Streamed {
        out,
        any: false,
        failed: None,
    };
    blocks(&mut streamed);
    if let Some(e) = streamed.failed {
        return Err(failed(e));
    }
    out.write_all(b"]}\n")?;
    Ok(())
}

/// [`write_pandoc`] of a book whose chapters are given one at a time (see
/// [`crate::write::render_book_into`]): `heads` are the chapters as far as
/// their metadata.
pub(crate) fn write_pandoc_book<'d>(
    heads: &[crate::write::ChapterHead],
    chapters: impl Iterator<Item = std::borrow::Cow<'d, Document>>,
    book: &BookMeta,
    opts: PandocOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), crate::error::WriteError> {
    let meta = book_meta(Some(book), heads.first().map(|h| &*h.meta));
    write_pandoc_with(&meta, opts, out, |s| {
        chapter_blocks(chapters, opts, &mut Vec::new(), Some(s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Block as B, Reference};

    fn doc() -> Document {
        let mut d = Document::new("A title");
        d.blocks = vec![B::paragraph(vec![
            Inline::text("Said "),
            Inline::cite(1, 1),
            Inline::text(" and "),
            Inline::cite(1, 2),
            Inline::text("."),
        ])];
        d.references = vec![Reference::new(1, "A source; Site; 2020", vec![], 2)];
        d
    }

    #[test]
    fn footnotes_repeat_the_reference() {
        let p = pandoc_document(&[&doc()], None, PandocOptions::default());
        let j = serde_json::to_string(&p.blocks).unwrap();
        assert_eq!(j.matches(r#""t":"Note""#).count(), 2, "{j}");
        assert!(
            j.contains(r#"["cite-1-2",["cite"],[["reference","1"]]]"#),
            "{j}"
        );
        assert_eq!(p.api_version, vec![1, 22, 2, 1]);
    }

    /// The pandoc JSON written block by block is the document's AST as
    /// `serde_json` writes it, for an article and a book, with footnotes
    /// or a reference list, in both API versions.
    #[test]
    fn written_as_made_is_the_document_serialised() {
        let read = |name: &str| {
            let path = format!("{}/input/{name}", env!("CARGO_MANIFEST_DIR"));
            let bytes = std::fs::read(path).unwrap();
            crate::parse_article(name, bytes, Default::default(), &Default::default())
                .unwrap()
                .document
        };
        let (a, b) = (
            read("canal-and-locks.txt"),
            read("skerry-point-keepers.txt"),
        );
        let book = BookMeta {
            title: "Two".into(),
            subtitle: None,
            meta: Default::default(),
        };
        let mut written = 0;
        for (docs, book) in [(vec![&a], None), (vec![&a, &b], Some(&book))] {
            for notes in [NoteStyle::Footnotes, NoteStyle::EndnotesList] {
                for api in [PandocApi::V1_22, PandocApi::V1_23] {
                    let opts = PandocOptions { api, notes };
                    let whole = pandoc_document(&docs, book, opts);
                    let want = format!("{}\n", serde_json::to_string(&whole).unwrap());
                    let mut got = Vec::new();
                    write_pandoc(&docs, book, opts, &mut got).unwrap();
                    assert_eq!(String::from_utf8(got).unwrap(), want);
                    written += whole.blocks.len();
                }
            }
        }
        assert!(written > 100, "{written} blocks");
        // A writer that fails amid the blocks fails the write.
        struct Full(usize);
        impl std::io::Write for Full {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                if self.0 < b.len() {
                    return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "full"));
                }
                self.0 -= b.len();
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let e = write_pandoc(&[&a], None, PandocOptions::default(), &mut Full(2000)).unwrap_err();
        assert!(matches!(e, crate::error::WriteError::Io(_)), "{e:?}");
    }

    #[test]
    fn endnotes_list_links_both_ways() {
        let opts = PandocOptions {
            notes: NoteStyle::EndnotesList,
            ..Default::default()
        };
        let j = serde_json::to_string(&pandoc_document(&[&doc()], None, opts)).unwrap();
        assert!(j.contains(r##"["#ref-1",""]"##), "{j}");
        assert!(j.contains(r##"["#cite-1-2",""]"##), "{j}");
        assert!(!j.contains("Note"), "{j}");
    }
}
