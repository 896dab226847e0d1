//! The article grammar (FORMAT.md §2–3): from text to a [`Document`] whose
//! inline text is still plain. Citation markers are found afterwards by
//! [`crate::resolve`], which needs the whole document to decide.
//!
//! Stages: [`lines`] splits the text into lines and blocks; [`shape`] reads
//! how the document was flattened; [`block`] says what each block is; this
//! module assembles title, lead figure, sections and the reference list
//! (found by `ref_list`, its entries read by [`mod@reference`]); each inline container's lines are joined into a
//! [`crate::markers::text::LogicalText`], the text the resolver reads.

pub mod block;
pub mod lines;
pub mod markdown;
mod ref_list;
pub mod reference;
pub mod shape;

use crate::ParseOptions;
use crate::ast::{
    Backlink, Block, Document, Figure, Heading, Inline, List, ListItem, Meta, Paragraph, Quote,
    Reference, Rule, Section, SharedStr, SourceStyle, Span, Title,
};
use crate::diag::{Diagnostic, Severity};
use crate::error::InputError;
use crate::markers::text::{KeptTexts, LogicalText, clean, is_xml_char};
use crate::source::Source;
use block::{Kind, ListTree};
use lines::Line;
use ref_list::{RefEntry, find_references, item_has_backlinks};
use std::sync::Arc;

/// What the grammar makes of an article, before citation resolution.
#[derive(Debug, Clone)]
pub struct ParseOutput<'s> {
    /// The document; its inlines are one plain Text node per container.
    pub document: Document,
    /// The text of every inline container; each container's plain Text
    /// node starts where its text does ([`LogicalText::id`]).
    pub texts: Vec<LogicalText<'s>>,
    /// Warnings found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}

/// At most this many control-character warnings are listed one by one.
const MAX_CONTROL_WARNINGS: usize = 20;

/// Classifies a block, trying the rules in the order that resolves their overlaps.
fn classify<'a>(
    b: &[Line<'a>],
    src: &str,
    followed: bool,
    shape: &shape::Shape,
    opts: &ParseOptions,
) -> Kind {
    if block::rule(b) {
        return Kind::Rule;
    }
    if block::markdown_heading(b) {
        return Kind::Heading;
    }
    // "A numbered one-line block such as `2. Findings` is such a heading, not a one-item list."
    if block::numbered_heading(b, followed) {
        return Kind::Heading;
    }
    if let Some(tree) = block::list(b) {
        return Kind::List(Box::new(tree));
    }
    if block::quote(b) {
        return Kind::Quote;
    }
    if let Some(parts) = block::figure(b, src, shape, &opts.alt_phrases) {
        return Kind::Figure(Box::new(parts));
    }
    if block::heading(b, followed) {
        return Kind::Heading;
    }
    Kind::Paragraph
}

fn span_of(b: &[Line<'_>]) -> Span {
    Span::new(b[0].start(), b[b.len() - 1].end())
}

fn segments(b: &[Line<'_>]) -> Vec<(usize, usize)> {
    block::line_segments(b)
}

/// A heading's segments, without Markdown heading marks (`## Notes`).
fn heading_segments(b: &[Line<'_>]) -> Vec<(usize, usize)> {
    let mut v = segments(b);
    let first = b[0].text;
    let text = block::strip_atx(first);
    // `strip_atx` returns a sub-slice of the line: its offset there.
    let at = text.as_ptr() as usize - first.as_ptr() as usize;
    v[0] = (b[0].start() + at, b[0].start() + at + text.len());
    v.retain(|&(a, e)| a < e);
    v
}

/// The title's text: its lines joined, Markdown marks removed.
fn joined_title(lines: &[Line<'_>]) -> String {
    let v: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                block::strip_atx(l.text)
            } else {
                l.text
            }
        })
        .collect();
    v.join(" ")
}

/// Lines of the first block: (title, subtitle, body text).
///
/// "title: the first line of the document". In a document that is not
/// hard-wrapped the first block has one line (the lines under the title are
/// blocks: [`shape::blocks`]). In a hard-wrapped document one short line
/// under the title is a subtitle; a long first line is a title that
/// wrapped, so a short block is the title; and "the title is the first line
/// even when no blank line follows it": a longer block is the title and a
/// paragraph.
fn split_title<'b, 'a>(
    first: &'b [Line<'a>],
    shape: &shape::Shape,
) -> (&'b [Line<'a>], &'b [Line<'a>], &'b [Line<'a>]) {
    let one = &first[..1];
    let after = &first[1..];
    if !shape.hard_wrapped || after.is_empty() {
        return (one, after, &[]);
    }
    let wrapped = first[0].text.chars().count() >= 50;
    if first.len() <= 3 && (wrapped || block::atx_marks(first[0].text).is_ok()) {
        (first, &[], &[])
    } else if after.len() >= 2 {
        (one, &[], after)
    } else {
        (one, after, &[])
    }
}

/// Warnings for characters XML cannot carry; they are dropped from the output.
/// `xml_text` says the text has none ([`crate::ast::is_xml_text`]).
fn control_character_warnings(src: &Source, xml_text: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Most texts have none: one byte scan said so without decoding.
    if xml_text {
        return out;
    }
    let mut count = 0usize;
    let mut first = 0usize;
    for (i, c) in src.text[src.start..].char_indices() {
        if !is_xml_char(c) {
            let at = src.start + i;
            if count == 0 {
                first = at;
            }
            count += 1;
            if count <= MAX_CONTROL_WARNINGS {
                out.push(Diagnostic::new(
                    Severity::Warning,
                    Span::new(at, at + c.len_utf8()),
                    format!(
                        "character U+{:04X} is not allowed in XML; it was dropped",
                        c as u32
                    ),
                ));
            }
        }
    }
    if count > MAX_CONTROL_WARNINGS {
        out.push(Diagnostic::new(
            Severity::Warning,
            Span::new(first, first),
            format!("{count} characters not allowed in XML were dropped in all (first {MAX_CONTROL_WARNINGS} listed)"),
        ));
    }
    out
}

/// A figure that a text browser sets as two blocks: its alt text, then a
/// caption that repeats it (FORMAT.md §3: "the second is identical to the
/// first", with a blank line between). Joins each such pair of short
/// blocks into one figure block.
fn join_repeated_figures(blocks: &mut Vec<Vec<Line<'_>>>, kinds: &mut Vec<Kind>) {
    // In place: `..w` is the result so far, `i..` still to read.
    let (mut w, mut i) = (0, 0);
    while i < blocks.len() {
        let repeated = blocks.get(i + 1).is_some_and(|next| {
            blocks[i].len() <= 3
                && next.len() <= 3
                && matches!(
                    kinds[i],
                    Kind::Paragraph | Kind::Heading | Kind::Figure(_) | Kind::Quote
                )
                && lines::same_joined(&blocks[i], next)
        });
        if repeated {
            let next = std::mem::take(&mut blocks[i + 1]);
            let mut block = std::mem::take(&mut blocks[i]);
            let parts = block::FigureParts {
                alt: segments(&block),
                caption: segments(&next),
            };
            block.extend(next);
            blocks[w] = block;
            kinds[w] = Kind::Figure(Box::new(parts));
            i += 2;
        } else {
            blocks.swap(w, i);
            kinds.swap(w, i);
            i += 1;
        }
        w += 1;
    }
    blocks.truncate(w);
    kinds.truncate(w);
}

/// Builds AST nodes and records each inline container's text in order.
struct Builder<'s> {
    /// The source's text.
    src: &'s Arc<String>,
    /// The texts made ([`Inlines::Plain`]).
    texts: Vec<LogicalText<'s>>,
    /// The texts to be made ([`Inlines::Empty`]).
    pending: PendingTexts,
    /// Inside a section headed like a reference list (a bibliography in prose).
    in_bibliography: bool,
    /// What goes in the containers.
    inlines: Inlines,
    /// The source (from its start) has no character XML cannot carry.
    xml_text: bool,
}

impl Builder<'_> {
    fn inlines(&mut self, segs: &[(usize, usize)], scan: bool) -> Vec<Inline> {
        if self.inlines == Inlines::Empty {
            // A text of one piece XML can carry as it stands (most of
            // them) is kept as that piece; any other waits.
            let piece = match *segs {
                [(a, b)] => (self.xml_text || crate::ast::is_xml_text(&self.src[a..b]))
                    .then_some((a, b - a)),
                _ => None,
            };
            let bibliography = self.in_bibliography;
            if !piece.is_some_and(|p| self.pending.kept.push_piece(p, scan, bibliography)) {
                self.pending.push(segs, scan, bibliography);
            }
            return Vec::new();
        }
        let mut lt = LogicalText::from_segments(self.src, segs, scan);
        lt.bibliography = self.in_bibliography;
        let v = lt.plain();
        self.texts.push(lt);
        v
    }

    /// The list read as `t` from `block`.
    fn list(&mut self, t: &ListTree, block: &[Line<'_>]) -> List {
        let (a, b) = t.span(block);
        let mut items = Vec::with_capacity(t.items.len());
        for it in &t.items {
            let inlines = self.inlines(&it.segments(block), true);
            let children: Vec<List> = it.children.iter().map(|c| self.list(c, block)).collect();
            let lines = it.lines(block);
            let first = lines[0].start();
            let end = children
                .last()
                .map_or(0, |c| c.span.end as usize)
                .max(lines[lines.len() - 1].end());
            items.push(ListItem {
                inlines,
                children,
                span: Span::new(first, end),
            });
        }
        let start = t.items.first().and_then(|i| i.number).unwrap_or(1);
        List {
            ordered: t.ordered,
            start,
            items,
            span: Span::new(a, b),
        }
    }

    fn figure(&mut self, b: &[Line<'_>], parts: &block::FigureParts) -> Figure {
        let alt = self.inlines(&parts.alt, true);
        let caption = (!parts.caption.is_empty()).then(|| self.inlines(&parts.caption, true));
        Figure {
            alt,
            caption,
            span: span_of(b),
        }
    }

    fn heading(&mut self, b: &[Line<'_>]) -> Heading {
        Heading {
            inlines: self.inlines(&heading_segments(b), false),
            span: span_of(b),
        }
    }

    fn block(&mut self, b: &[Line<'_>], kind: &Kind) -> Block {
        match kind {
            Kind::Rule => Block::Rule(Rule { span: span_of(b) }),
            Kind::Figure(parts) => Block::Figure(Box::new(self.figure(b, parts))),
            Kind::List(t) => Block::List(Box::new(self.list(t, b))),
            Kind::Quote => Block::Quote(Quote {
                inlines: self.inlines(&segments(b), true),
                span: span_of(b),
            }),
            Kind::Heading | Kind::Paragraph => Block::Paragraph(Paragraph {
                inlines: self.inlines(&segments(b), true),
                span: span_of(b),
            }),
        }
    }
}

/// The reference `n` read from `entry`, its fields not yet recognised
/// ([`recognise_fields`]); its back-link tokens share `src`.
fn reference(src: &Arc<String>, entry: &RefEntry, n: u32) -> Reference {
    let lt = LogicalText::from_segments(src, &entry.segments, false);
    let split = reference::split_backlinks(&lt.text);
    let body = &lt.text[split.body.0..split.body.1];
    // The source's own characters when the entry is one line of it.
    let at = lt.span(split.body.0, split.body.1);
    let raw = if src.get(at.range()) == Some(body) {
        SharedStr::slice(src, at.range())
    } else {
        SharedStr::from(body)
    };
    let backlinks = split
        .tokens
        .iter()
        .map(|&(a, b)| {
            let span = lt.span(a, b);
            let token = &lt.text[a..b];
            // The source's own characters (nearly always), shared.
            let token = if src.get(span.range()) == Some(token) {
                SharedStr::slice(src, span.range())
            } else {
                SharedStr::from(token)
            };
            Backlink { span, token }
        })
        .collect();
    Reference {
        n,
        raw,
        fields: Box::default(),
        backlinks,
        span: entry.span,
    }
}

/// Parses a decoded article.
pub fn parse<'s>(
    src: &'s Source,
    meta: Meta,
    opts: &ParseOptions,
) -> Result<ParseOutput<'s>, InputError> {
    parse_with(src, meta, opts, Inlines::Plain)
}

/// What the parser puts in each inline container before resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inlines {
    /// Its text, as one plain Text node ([`parse()`]: the document reads
    /// as text before it is resolved).
    Plain,
    /// Nothing: an empty vector, which costs no memory
    /// ([`crate::parse_article`], which resolves at once and matches the
    /// containers with their texts in the order of the walk, which is the
    /// parser's: a large article's text is then not held twice while it
    /// is parsed, nor a node per container that the resolver replaces).
    Empty,
}

/// [`parse()`], with the inline containers filled as `inlines` says.
pub(crate) fn parse_with<'s>(
    src: &'s Source,
    meta: Meta,
    opts: &ParseOptions,
    inlines: Inlines,
) -> Result<ParseOutput<'s>, InputError> {
    let (blocks, texts) = read_blocks(src, meta, opts, inlines)?;
    Ok(blocks.finish(src, texts))
}

/// The texts of [`Inlines::Empty`]: kept as they are read, those of one
/// piece of the source as that piece; the others wait, their lines as
/// ranges of the source, until the line ends between them may be joined
/// in place ([`Blocks::join_lines_in_place`]).
#[derive(Debug, Default)]
struct PendingTexts {
    /// Every text, in order (kept before the source is borrowed for
    /// long: the waiting ones as places).
    kept: KeptTexts<'static>,
    /// The waiting texts, in order.
    texts: Vec<Pending>,
    /// Their pieces of the source, one text after another.
    segments: Vec<(u32, u32)>,
}

/// A text waiting to be made.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Its place in [`PendingTexts::kept`].
    place: u32,
    /// Where its pieces end in [`PendingTexts::segments`].
    end: u32,
    /// [`LogicalText::scan`].
    scan: bool,
    /// [`LogicalText::bibliography`].
    bibliography: bool,
    /// Whether and how its lines were joined in the source.
    joined: Joined,
}

/// How a waiting text's lines were joined in the source
/// ([`Blocks::join_lines_in_place`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joined {
    /// Not: its text is made of its lines.
    No,
    /// Its line feeds are spaces now ([`Source::join_lines_at`]).
    LineFeeds,
    /// Its lines were moved ([`Source::join_lines_moving`]).
    Moved,
}

impl PendingTexts {
    /// Keeps a place for the text of `segs`, which waits.
    fn push(&mut self, segs: &[(usize, usize)], scan: bool, bibliography: bool) {
        let place = self.kept.len() as u32;
        self.kept.push_place();
        // Offsets fit in 32 bits: an article is at most `MAX_INPUT_BYTES`.
        self.segments
            .extend(segs.iter().map(|&(a, b)| (a as u32, b as u32)));
        self.texts.push(Pending {
            place,
            end: self.segments.len() as u32,
            scan,
            bibliography,
            joined: Joined::No,
        });
    }

    /// The pieces of waiting text `k`.
    fn segments_of(&self, k: usize) -> &[(u32, u32)] {
        let from = k.checked_sub(1).map_or(0, |j| self.texts[j].end as usize);
        &self.segments[from..self.texts[k].end as usize]
    }

    /// Each waiting text with its pieces.
    fn iter(&self) -> impl Iterator<Item = (Pending, &[(u32, u32)])> {
        let mut from = 0;
        self.texts.iter().map(move |&p| {
            let segs = &self.segments[from..p.end as usize];
            from = p.end as usize;
            (p, segs)
        })
    }
}

/// An article read into blocks, its texts not yet made: what
/// [`read_blocks`] gives, [`Blocks::finish`] completes.
pub(crate) struct Blocks {
    document: Document,
    pending: PendingTexts,
    refs: Option<ref_list::RefList>,
    diagnostics: Vec<Diagnostic>,
    article_is_only_title: bool,
    containers: usize,
    /// The source (from its start) has no character XML cannot carry.
    xml_text: bool,
}

/// Reads `src`'s blocks into a document whose containers are filled as
/// `inlines` says: the texts made ([`Inlines::Plain`], returned), or
/// waiting in the [`Blocks`] ([`Inlines::Empty`]). The reference list is
/// read by [`Blocks::finish`].
pub(crate) fn read_blocks<'s>(
    src: &'s Source,
    meta: Meta,
    opts: &ParseOptions,
    inlines: Inlines,
) -> Result<(Blocks, Vec<LogicalText<'s>>), InputError> {
    // Most texts have no character XML cannot carry: one scan says so for
    // every piece of them.
    let xml_text = crate::ast::is_xml_text(&src.text[src.start..]);
    let mut diagnostics = control_character_warnings(src, xml_text);
    let all_lines = lines::lines_at(&src.text, src.start);
    let shape = shape::detect(&all_lines);
    let mut blocks = shape::blocks(&all_lines, &shape);
    drop(all_lines);
    if blocks.is_empty() {
        return Err(InputError::Empty {
            name: src.name.clone(),
        });
    }
    let first = blocks.remove(0);
    let (title_lines, subtitle_lines, body_lines) = split_title(&first, &shape);
    if !body_lines.is_empty() {
        blocks.insert(0, body_lines.to_vec());
    }
    let title = Title {
        text: clean(&joined_title(title_lines)),
        span: span_of(title_lines),
    };
    let subtitle = (!subtitle_lines.is_empty()).then(|| {
        let lt = LogicalText::from_segments(&src.text, &segments(subtitle_lines), false);
        Title {
            text: lt.text.into_owned(),
            span: span_of(subtitle_lines),
        }
    });
    let hard_wrapped = shape.hard_wrapped;
    let mut kinds: Vec<Kind> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| classify(b, &src.text, i + 1 < blocks.len(), &shape, opts))
        .collect();
    join_repeated_figures(&mut blocks, &mut kinds);
    let rest = &blocks[..];
    let refs = find_references(rest, &kinds);
    for (i, (b, k)) in rest.iter().zip(&kinds).enumerate() {
        if let Kind::List(t) = k
            && refs.as_ref().is_none_or(|r| !r.holds(i))
            && t.items.iter().any(|it| item_has_backlinks(it, b))
        {
            diagnostics.push(
                Diagnostic::new(
                    Severity::Warning,
                    span_of(b),
                    "this list has back-links but does not end the article, so it was read as a list, not as the reference list",
                )
                .with_help("move the reference list to the end, or put a heading such as `References` before it"),
            );
        }
    }

    let article_is_only_title = blocks.is_empty();
    let containers = kinds
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            refs.as_ref()
                .is_none_or(|r| Some(*i) != r.heading && !r.holds(*i))
        })
        .map(|(_, k)| k.containers())
        .sum();
    let mut bld = Builder {
        src: &src.text,
        texts: Vec::new(),
        pending: PendingTexts::default(),
        in_bibliography: false,
        inlines,
        xml_text,
    };
    match inlines {
        Inlines::Plain => bld.texts.reserve_exact(containers),
        Inlines::Empty => bld.pending.kept = KeptTexts::with_capacity(containers),
    }
    let mut doc = Document {
        meta,
        title,
        subtitle,
        lead_figure: None,
        blocks: Vec::new(),
        sections: Vec::new(),
        references_heading: None,
        references: Vec::new(),
        hard_wrapped,
        style: SourceStyle {
            indent: shape.base_indent,
            line_blocks: shape.line_blocks,
            ..SourceStyle::default()
        },
    };
    // Each block's lines (and its list's tree) are freed once its node is
    // made: they and the document are not all held at once.
    for (i, (b, kind)) in blocks.into_iter().zip(kinds).enumerate() {
        let (b, kind) = (&b[..], &kind);
        if let Some(r) = &refs {
            if Some(i) == r.heading {
                doc.references_heading = Some(Heading {
                    inlines: LogicalText::from_segments(&src.text, &heading_segments(b), false)
                        .plain(),
                    span: span_of(b),
                });
                continue;
            }
            if r.holds(i) {
                continue;
            }
        }
        if i == 0
            && let Kind::Figure(parts) = kind
        {
            doc.lead_figure = Some(bld.figure(b, parts));
            continue;
        }
        if matches!(kind, Kind::Heading) {
            bld.in_bibliography = block::is_references_heading(block::strip_atx(b[0].text));
            let heading = bld.heading(b);
            let span = heading.span;
            doc.sections.push(Section {
                heading,
                blocks: Vec::new(),
                span,
            });
            continue;
        }
        let node = bld.block(b, kind);
        match doc.sections.last_mut() {
            Some(s) => {
                s.span = s.span.join(node.span());
                s.blocks.push(node);
            }
            None => doc.blocks.push(node),
        }
    }
    Ok((
        Blocks {
            document: doc,
            pending: bld.pending,
            refs,
            diagnostics,
            article_is_only_title,
            containers,
            xml_text,
        },
        bld.texts,
    ))
}

impl Blocks {
    /// Joins in place the lines of each text whose lines are one line
    /// feed apart ([`Source::join_lines_at`]), or a line end and the next
    /// line's indentation apart ([`Source::join_lines_moving`]), their
    /// pieces as they stand: a hard-wrapped paragraph is then a piece of
    /// the source, not a copy of its lines. Nothing is joined when the
    /// source is shared.
    pub(crate) fn join_lines_in_place(&mut self, source: &mut Source) {
        let text = source.text.as_bytes();
        let mut at = Vec::new();
        let mut feeds = Vec::new();
        let mut moved = Vec::new();
        for (k, (_, segs)) in self.pending.iter().enumerate() {
            if segs.len() < 2
                || !(self.xml_text
                    || segs.iter().all(|&(a, b)| {
                        crate::ast::is_xml_text(&source.text[a as usize..b as usize])
                    }))
            {
                continue;
            }
            let gaps = || {
                segs.windows(2)
                    .map(|w| text.get(w[0].1 as usize..w[1].0 as usize))
            };
            if gaps().all(|g| g == Some(b"\n")) {
                at.extend(segs[..segs.len() - 1].iter().map(|&(_, b)| b));
                feeds.push(k);
            } else if gaps().all(|g| g.is_some_and(crate::source::joinable_gap))
                && segs.iter().all(|&(a, b)| a < b)
            {
                moved.push(k);
            }
        }
        if !at.is_empty() && source.join_lines_at(at) {
            for k in feeds {
                self.pending.texts[k].joined = Joined::LineFeeds;
            }
        }
        let chosen = moved.iter().map(|&k| self.pending.segments_of(k));
        if !moved.is_empty() && source.join_lines_moving(chosen) {
            for k in moved {
                self.pending.texts[k].joined = Joined::Moved;
            }
        }
    }

    /// The parse's output with the texts made ([`Inlines::Plain`]).
    pub(crate) fn finish<'s>(
        self,
        src: &'s Source,
        mut texts: Vec<LogicalText<'s>>,
    ) -> ParseOutput<'s> {
        debug_assert!(self.pending.kept.len() == 0, "no text kept");
        debug_assert_eq!(texts.len(), self.containers, "texts counted ahead");
        let (mut document, diagnostics) = self.complete(src);
        recognise_fields(&mut document);
        // The resolver holds these through its whole run: no spare room.
        texts.shrink_to_fit();
        ParseOutput {
            document,
            texts,
            diagnostics,
        }
    }

    /// The parse's output with the texts kept ([`Inlines::Empty`]): the
    /// waiting ones made (lines joined in place as the pieces of the
    /// source they now are). The references' fields are left to
    /// [`recognise_fields`].
    pub(crate) fn finish_kept(mut self, src: &Source) -> KeptParse<'_> {
        let mut pending = std::mem::take(&mut self.pending);
        let mut kept = std::mem::take(&mut pending.kept)
            .with_joins(src.joined_line_ends(), src.moved_line_ends());
        let mut pieces = Vec::new();
        // The texts joined in place take their joins in turn.
        let mut feeds = src.joined_line_ends();
        let mut moved = src.moved_line_ends();
        for (p, segs) in pending.iter() {
            // A joined text has two lines or more.
            let joins = segs.len().saturating_sub(1);
            let from = segs.first().map_or(0, |&(a, _)| a as usize);
            let mut lt = match p.joined {
                Joined::LineFeeds => {
                    let (joins, rest) = feeds.split_at(joins);
                    feeds = rest;
                    let to = segs[joins.len()].1 as usize;
                    LogicalText::joined_in_place(&src.text, (from, to), joins, p.scan)
                }
                Joined::Moved => {
                    let (joins, rest) = moved.split_at(joins);
                    moved = rest;
                    // Its lines and a space between each two.
                    let len =
                        segs.iter().map(|&(a, b)| (b - a) as usize).sum::<usize>() + joins.len();
                    LogicalText::moved_in_place(&src.text, (from, from + len), joins, p.scan)
                }
                Joined::No => {
                    pieces.clear();
                    pieces.extend(segs.iter().map(|&(a, b)| (a as usize, b as usize)));
                    LogicalText::from_segments(&src.text, &pieces, p.scan)
                }
            };
            lt.bibliography = p.bibliography;
            kept.fill(p.place as usize, lt, &src.text);
        }
        debug_assert_eq!(kept.len(), self.containers, "texts counted ahead");
        let (document, diagnostics) = self.complete(src);
        KeptParse {
            document,
            texts: kept,
            diagnostics,
        }
    }

    /// The document with its reference list read (the entries' fields
    /// not yet recognised), and the diagnostics.
    fn complete(self, src: &Source) -> (Document, Vec<Diagnostic>) {
        let Blocks {
            document: mut doc,
            refs,
            mut diagnostics,
            article_is_only_title,
            ..
        } = self;
        if let Some(r) = &refs {
            doc.references = r
                .entries
                .iter()
                .map(|e| reference(&src.text, e, e.number.min(u32::MAX as u64) as u32))
                .collect();
        }
        // The style's back-link token: Wikipedia's `^ a` shows as its mark.
        doc.style.backlink = doc
            .references
            .iter()
            .flat_map(|r| r.backlinks.first())
            .next()
            .map(|b| b.token.split(' ').next().unwrap_or_default().to_string());
        if let Some(r) = doc.references.first()
            && r.n != 1
        {
            diagnostics.push(
                Diagnostic::new(
                    Severity::Warning,
                    r.span,
                    format!("the reference list starts at {} instead of 1", r.n),
                )
                .with_help("markers are matched to the numbers as written"),
            );
        }
        if article_is_only_title {
            diagnostics.push(Diagnostic::new(
                Severity::Warning,
                doc.title.span,
                "the article has only a title: there is no text after it",
            ));
        }
        // The document is held for as long as it lives: no spare room.
        doc.blocks.shrink_to_fit();
        doc.sections.shrink_to_fit();
        for s in &mut doc.sections {
            s.blocks.shrink_to_fit();
        }
        (doc, diagnostics)
    }
}

/// Recognises the fields of every reference of `doc`: at once for
/// [`parse()`], after the citations are resolved for
/// [`crate::parse_article`] (the resolver does not read them, and a long
/// reference list's fields are then not held beside its tables).
pub(crate) fn recognise_fields(doc: &mut Document) {
    for r in &mut doc.references {
        r.fields = reference::fields(&r.raw);
    }
}

/// What the grammar makes of an article for [`crate::parse_article`]: the
/// document, its containers empty, and their texts kept.
pub(crate) struct KeptParse<'s> {
    pub(crate) document: Document,
    pub(crate) texts: KeptTexts<'s>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}
