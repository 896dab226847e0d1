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

pub mod fonts;
pub mod linebreak;
pub mod paragraph;
pub mod style;

use crate::ast::{Block, Document, Figure, Inline, List};
use fonts::{FontKind, Fonts, Variant};
use paragraph::{Atom, Setting, set_paragraph};
use std::collections::HashMap;
use std::sync::Arc;
use style::Style;

/// One glyph to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Glyph id in its font.
    pub gid: u16,
    /// The characters it stands for (for text extraction).
    pub text: Arc<str>,
    /// Distance to the next glyph, in points (kerning and justification included).
    pub advance: f32,
}

/// Glyphs of one face, size and baseline, drawn from `x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Face.
    pub font: FontKind,
    /// Size in points.
    pub size: f32,
    /// Raise above the baseline (fallback superscripts).
    pub rise: f32,
    /// Start, relative to the line origin.
    pub x: f32,
    /// The glyphs.
    pub glyphs: Vec<Glyph>,
}

impl Run {
    /// Sum of the advances.
    pub fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum()
    }
    /// The text the run stands for.
    pub fn text(&self) -> String {
        self.glyphs.iter().map(|g| &*g.text).collect()
    }
}

/// Where a link goes, before pages are known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    /// A marker's link: the entry of reference `n`.
    Reference(u32),
    /// A back-link: occurrence `k` of the marker of reference `n`.
    Cite(u32, u32),
    /// An external URL.
    Uri(String),
}

/// A linked stretch of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSpan {
    /// Start, relative to the line origin.
    pub x0: f32,
    /// End.
    pub x1: f32,
    /// Where it goes.
    pub target: LinkTarget,
}

/// A set line of a paragraph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    /// What to draw.
    pub runs: Vec<Run>,
    /// Width of the set material.
    pub width: f32,
    /// Width available.
    pub measure: f32,
    /// Ends with a hyphen (added or explicit).
    pub hyphen: bool,
    /// Its first material is a citation marker.
    pub starts_with_marker: bool,
    /// Linked stretches.
    pub links: Vec<LinkSpan>,
    /// Markers on the line: (x, n, k).
    pub markers: Vec<(f32, u32, u32)>,
    /// Line number within its paragraph (0-based).
    pub index: usize,
    /// Lines in its paragraph.
    pub count: usize,
}

impl Line {
    /// The line's text as drawn (labels included).
    pub fn text(&self) -> String {
        self.runs.iter().map(Run::text).collect()
    }
}

/// A character that no face of the style can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingGlyph {
    /// Byte offset in the input.
    pub offset: usize,
    /// The character.
    pub c: char,
}

/// What a line is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The title block (title, subtitle, byline).
    Title,
    /// A section heading (or the References heading).
    Heading,
    /// A paragraph.
    Body,
    /// A list item.
    ListItem,
    /// A block quotation.
    Quote,
    /// A figure's alt text, inside its frame.
    FigureAlt,
    /// A figure's caption.
    Caption,
    /// An entry of the reference list.
    Reference,
    /// The page number.
    Footer,
    /// The running head of a book page (its chapter's title).
    Header,
}

/// A line on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedLine {
    /// Left end of the line's origin.
    pub x: f32,
    /// Baseline.
    pub baseline: f32,
    /// Top of the line's slot (baseline minus the ascent share of the leading).
    pub top: f32,
    /// The line.
    pub line: Line,
    /// What it belongs to.
    pub role: Role,
    /// Which paragraph (a counter over the document).
    pub block: usize,
}

/// A place in the document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dest {
    /// 0-based page.
    pub page: usize,
    /// x from the left edge.
    pub x: f32,
    /// y from the top edge (top of the line).
    pub y: f32,
}

/// A link annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct PageLink {
    /// `[x0, top, x1, bottom]`.
    pub rect: [f32; 4],
    /// Internal destination or URL.
    pub to: LinkTo,
    /// What kind of link it is.
    pub target: LinkTarget,
}

/// Where a link annotation goes.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkTo {
    /// A place in the document.
    Dest(Dest),
    /// A URL.
    Uri(String),
}

/// A straight line to stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleLine {
    /// Start x.
    pub x0: f32,
    /// End x.
    pub x1: f32,
    /// y.
    pub y: f32,
    /// Stroke width.
    pub width: f32,
}

/// A rectangle to stroke (a figure's frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// `[x0, top, x1, bottom]`.
    pub rect: [f32; 4],
    /// Stroke width.
    pub width: f32,
}

/// One page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Text lines, in reading order (the footer last).
    pub lines: Vec<PlacedLine>,
    /// Rules.
    pub rules: Vec<RuleLine>,
    /// Frames.
    pub frames: Vec<Frame>,
    /// Link annotations.
    pub links: Vec<PageLink>,
}

/// An outline (bookmark) entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineItem {
    /// Its text.
    pub title: String,
    /// 0 for the title, 1 for sections and References.
    pub level: u8,
    /// Where it goes.
    pub dest: Dest,
}

/// A laid-out document.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Page width in points.
    pub width: f32,
    /// Page height in points.
    pub height: f32,
    /// The pages.
    pub pages: Vec<Page>,
    /// Bookmarks in document order.
    pub outline: Vec<OutlineItem>,
    /// Characters without a glyph.
    pub missing: Vec<MissingGlyph>,
    /// Where each marker (n, k) landed.
    pub markers: HashMap<(u32, u32), Dest>,
    /// Where each reference entry landed.
    pub references: HashMap<u32, Dest>,
}

#[derive(Debug, Clone)]
struct Row {
    line: Line,
    x: f32,
    leading: f32,
    size: f32,
    space_before: f32,
    space_after: f32,
    /// A page may end before this row.
    break_before: bool,
    role: Role,
    block: usize,
    frame: Option<usize>,
    rule: Option<(f32, f32)>,
    outline: Option<(String, u8)>,
    reference: Option<u32>,
}

/// Where [`Ctx::para`] gets the lines of a paragraph.
enum Lines<'j> {
    /// Only note what would be set: the first of two passes over an article.
    Record(&'j mut Vec<(Vec<Atom>, Setting)>),
    /// The lines set in advance, in the order of the first pass.
    Replay(std::vec::IntoIter<(Vec<Line>, Vec<MissingGlyph>)>),
}

struct Ctx<'f, 'a> {
    fonts: &'f mut Fonts<'a>,
    lines: Lines<'f>,
    style: &'f Style,
    lang: Option<hypher::Lang>,
    /// Paragraphs start at bidi level 1 (a right-to-left document language).
    rtl: bool,
    rows: Vec<Row>,
    block: usize,
    frames: usize,
    missing: Vec<MissingGlyph>,
    /// Set after a heading or title: the next row may not start a page.
    keep: bool,
    prev_paragraph: bool,
}

fn atoms(inlines: &[Inline], font: FontKind) -> Vec<Atom> {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text { text, span } => Atom::Text {
                text: text.clone(),
                font,
                src: span.start,
            },
            Inline::Cite { n, occurrence, .. } => Atom::Cite {
                n: *n,
                k: *occurrence,
            },
            Inline::Link { url, span } => Atom::Url {
                url: url.clone(),
                src: span.start,
            },
        })
        .collect()
}

/// Language → hyphenation patterns (the primary subtag of a BCP 47 tag).
pub fn hyphenation_lang(tag: &str) -> Option<hypher::Lang> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    let b = primary.as_bytes();
    if b.len() != 2 {
        return None;
    }
    hypher::Lang::from_iso([b[0], b[1]])
}

impl Ctx<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    fn para(
        &mut self,
        atoms: &[Atom],
        size: f32,
        leading: f32,
        x: f32,
        measure: f32,
        indent: f32,
        ragged: bool,
        center: bool,
        role: Role,
        space_before: f32,
    ) -> std::ops::Range<usize> {
        let set = Setting {
            size,
            measure,
            indent,
            ragged,
            lang: if self.style.body.hyphenate && !center {
                self.lang
            } else {
                None
            },
            min_word: self.style.body.min_word,
            rtl: self.rtl,
        };
        self.block += 1;
        let start = self.rows.len();
        let lines = match &mut self.lines {
            Lines::Record(jobs) => {
                jobs.push((atoms.to_vec(), set));
                return start..start;
            }
            Lines::Replay(set) => {
                let (lines, missing) = set.next().unwrap_or_default();
                self.missing.extend(missing);
                lines
            }
        };
        for line in lines {
            let first = line.index == 0;
            let n = line.count;
            // Widows and orphans: at least two lines on each side of a page
            // break; and never a page break after a hyphen.
            let after_hyphen = self.rows.last().is_some_and(|r| r.line.hyphen);
            let break_before = if first {
                !self.keep && !after_hyphen
            } else {
                line.index >= 2 && n - line.index >= 2 && !after_hyphen
            };
            let dx = if center {
                ((measure - line.width) / 2.0).max(0.0)
            } else {
                0.0
            };
            self.rows.push(Row {
                line,
                x: x + dx,
                leading,
                size,
                space_before: if first { space_before } else { 0.0 },
                space_after: 0.0,
                break_before,
                role,
                block: self.block,
                frame: None,
                rule: None,
                outline: None,
                reference: None,
            });
        }
        if self.rows.len() > start {
            self.keep = false;
        }
        start..self.rows.len()
    }

    fn label(&mut self, row: usize, text: &str, size: f32, gap: f32) {
        let glyphs = sized_glyphs(self.fonts, FontKind::Regular, text, size);
        let w: f32 = glyphs.iter().map(|g| g.advance).sum();
        let line = &mut self.rows[row].line;
        line.runs.insert(
            0,
            Run {
                font: FontKind::Regular,
                size,
                rise: 0.0,
                x: -w - gap,
                glyphs,
            },
        );
    }

    fn block(&mut self, b: &Block, x: f32, measure: f32) {
        let st = self.style;
        let body = &st.body;
        match b {
            Block::Paragraph(p) => {
                let indent = if self.prev_paragraph {
                    body.indent
                } else {
                    0.0
                };
                // Paragraphs follow each other without space (indented instead);
                // space after display blocks comes from their `space_after`.
                self.para(
                    &atoms(&p.inlines, FontKind::Regular),
                    body.size,
                    body.leading,
                    x,
                    measure,
                    indent,
                    false,
                    false,
                    Role::Body,
                    0.0,
                );
                self.prev_paragraph = true;
                // A paragraph that announces what follows ("…repatriated:")
                // stays with it.
                if crate::ast::plain_text(&p.inlines).trim_end().ends_with(':') {
                    self.keep = true;
                }
            }
            Block::Quote(q) => {
                let ind = st.quote.indent;
                self.para(
                    &atoms(&q.inlines, FontKind::Regular),
                    st.quote.size,
                    st.quote.leading,
                    x + ind,
                    measure - 2.0 * ind,
                    0.0,
                    false,
                    false,
                    Role::Quote,
                    st.block.space,
                );
                self.space_after(st.block.space);
                self.prev_paragraph = false;
            }
            Block::List(l) => {
                self.list(l, x, measure, 0, st.block.space);
                self.space_after(st.block.space);
                self.prev_paragraph = false;
            }
            Block::Figure(f) => {
                self.figure(f, x, measure);
                self.prev_paragraph = false;
            }
            Block::Rule(_) => {
                self.block += 1;
                let w = measure / 4.0;
                let keep = self.keep;
                self.rows.push(Row {
                    line: Line {
                        measure,
                        count: 1,
                        ..Line::default()
                    },
                    x,
                    leading: body.leading,
                    size: body.size,
                    space_before: st.block.space,
                    space_after: st.block.space,
                    break_before: !keep,
                    role: Role::Body,
                    block: self.block,
                    frame: None,
                    rule: Some((x + (measure - w) / 2.0, x + (measure + w) / 2.0)),
                    outline: None,
                    reference: None,
                });
                self.prev_paragraph = false;
            }
        }
    }

    fn space_after(&mut self, s: f32) {
        if let Some(r) = self.rows.last_mut() {
            r.space_after = r.space_after.max(s);
        }
    }

    fn list(&mut self, l: &List, x: f32, measure: f32, depth: usize, before: f32) {
        let st = self.style;
        let ind = if depth == 0 {
            st.list.indent
        } else {
            st.list.nested_indent
        };
        let body = &st.body;
        let n = l.items.len();
        for (i, item) in l.items.iter().enumerate() {
            let sb = if i == 0 { before } else { st.list.item_space };
            // Like lines of a paragraph: no single item alone at a page's
            // top or bottom.
            if i > 0 && (i < 2 || n - i < 2) {
                self.keep = true;
            }
            let rows = self.para(
                &atoms(&item.inlines, FontKind::Regular),
                body.size,
                body.leading,
                x + ind,
                measure - ind,
                0.0,
                false,
                false,
                Role::ListItem,
                sb,
            );
            if !rows.is_empty() {
                let label = if l.ordered {
                    format!("{}.", l.start + i as u64)
                } else if depth.is_multiple_of(2) {
                    "•".to_string()
                } else {
                    "–".to_string()
                };
                self.label(rows.start, &label, body.size, body.size * 0.4);
            }
            for c in &item.children {
                self.list(c, x + ind, measure - ind, depth + 1, st.list.item_space);
            }
        }
    }

    fn figure(&mut self, f: &Figure, x: f32, measure: f32) {
        let st = self.style;
        let fs = &st.figure;
        let pad = fs.padding;
        self.frames += 1;
        let frame = self.frames;
        let keep = self.keep;
        let rows = self.para(
            &atoms(&f.alt, FontKind::Italic),
            fs.size,
            fs.leading,
            x + pad,
            measure - 2.0 * pad,
            0.0,
            true,
            false,
            Role::FigureAlt,
            st.block.space + pad,
        );
        for (j, r) in rows.clone().enumerate() {
            self.rows[r].frame = Some(frame);
            // The frame is never broken across pages.
            self.rows[r].break_before = j == 0 && !keep;
        }
        self.space_after(pad);
        if let Some(c) = &f.caption {
            let crow = self.para(
                &atoms(c, FontKind::Regular),
                fs.caption_size,
                fs.caption_leading,
                x,
                measure,
                0.0,
                true,
                false,
                Role::Caption,
                pad + fs.caption_gap,
            );
            for r in crow.clone() {
                // The caption stays with its figure, and whole.
                self.rows[r].break_before = false;
            }
            self.space_after(st.block.space);
        } else {
            self.space_after(pad + st.block.space);
        }
    }
}

/// Lays `doc` out in `style` with `fonts`.
pub fn layout(doc: &Document, style: &Style, fonts: &mut Fonts) -> Layout {
    let (rows, missing) = article_rows(doc, style, fonts);
    paginate(rows, style, fonts, missing, &[], false)
}

/// Where a chapter of a book begins in the rows, and its running head.
struct ChapterMark {
    start: usize,
    head: Option<String>,
}

/// Lays a book out: a title page from `cover` (its title, author and date),
/// then one chapter per document, each starting on a new page (a right-hand,
/// odd-numbered one when `recto`, with a blank page before it if needed),
/// with the chapter's title as the running head of its other pages. The
/// outline has one top-level entry per chapter with its sections inside.
/// Links stay inside their chapter.
pub fn layout_book(
    cover: &Document,
    chapters: &[&Document],
    style: &Style,
    fonts: &mut Fonts,
    recto: bool,
) -> Layout {
    let (mut rows, mut missing) = article_rows(cover, style, fonts);
    for r in &mut rows {
        r.outline = None;
    }
    let mut marks = vec![ChapterMark {
        start: 0,
        head: None,
    }];
    for d in chapters {
        let (more, miss) = article_rows(d, style, fonts);
        marks.push(ChapterMark {
            start: rows.len(),
            head: Some(d.title.text.clone()),
        });
        rows.extend(more);
        missing.extend(miss);
    }
    paginate(rows, style, fonts, missing, &marks, recto)
}

/// The rows of one article, before pagination: a first pass over the
/// article notes every paragraph to set, [`set_all`] sets them (in parallel
/// when there is enough text), a second pass builds the rows.
fn article_rows(doc: &Document, style: &Style, fonts: &mut Fonts) -> (Vec<Row>, Vec<MissingGlyph>) {
    let mut jobs = Vec::new();
    walk_article(doc, style, fonts, Lines::Record(&mut jobs));
    let set = set_all(fonts, &jobs);
    walk_article(doc, style, fonts, Lines::Replay(set.into_iter()))
}

/// Paragraphs with less text than this in all are set on one thread.
const PARALLEL_TEXT_BYTES: usize = 16 * 1024;

/// Sets the paragraphs of `jobs`, in order. With enough text and more than
/// one thread, they are cut into one stretch of about equal text per
/// thread, each set with its own [`Fonts`] (the first with `fonts`).
fn set_all(
    fonts: &mut Fonts,
    jobs: &[(Vec<Atom>, Setting)],
) -> Vec<(Vec<Line>, Vec<MissingGlyph>)> {
    let set_one = |fonts: &mut Fonts, (atoms, set): &(Vec<Atom>, Setting)| {
        let mut missing = Vec::new();
        let lines = set_paragraph(fonts, set, atoms, &mut missing);
        (lines, missing)
    };
    let size =
        |(atoms, _): &(Vec<Atom>, Setting)| -> usize { atoms.iter().map(Atom::text_len).sum() };
    let total: usize = jobs.iter().map(size).sum();
    let threads = rayon::current_num_threads()
        .min(total / (PARALLEL_TEXT_BYTES / 2))
        .max(1);
    if total < PARALLEL_TEXT_BYTES || threads == 1 {
        return jobs.iter().map(|j| set_one(fonts, j)).collect();
    }
    // Cut after the paragraph that reaches each k/threads of the text.
    let mut stretches = Vec::with_capacity(threads);
    let (mut from, mut seen) = (0, 0);
    for (i, j) in jobs.iter().enumerate() {
        seen += size(j);
        if seen * threads >= total * (stretches.len() + 1) || i + 1 == jobs.len() {
            stretches.push(&jobs[from..=i]);
            from = i + 1;
        }
    }
    let (first, rest) = stretches.split_first().expect("text means a stretch");
    let source = fonts.source();
    let (mut out, rest_set) = rayon::join(
        || first.iter().map(|j| set_one(fonts, j)).collect::<Vec<_>>(),
        || {
            use rayon::prelude::*;
            rest.par_iter()
                .map(|stretch| {
                    let mut f = Fonts::new(source).ok()?;
                    Some(
                        stretch
                            .iter()
                            .map(|j| set_one(&mut f, j))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        },
    );
    for (stretch, set) in rest.iter().zip(rest_set) {
        // `Fonts::new` cannot fail for a source it already accepted; if it
        // did, the stretch is set here.
        let set = set.unwrap_or_else(|| stretch.iter().map(|j| set_one(fonts, j)).collect());
        out.extend(set);
    }
    out
}

/// One pass over an article (see [`article_rows`]).
fn walk_article(
    doc: &Document,
    style: &Style,
    fonts: &mut Fonts,
    lines: Lines,
) -> (Vec<Row>, Vec<MissingGlyph>) {
    let lang = hyphenation_lang(&doc.meta.lang);
    let measure = style.measure();
    let x0 = style.page.margin_inner;
    let mut cx = Ctx {
        fonts,
        lines,
        style,
        lang,
        rtl: paragraph::rtl_language(&doc.meta.lang),
        rows: Vec::new(),
        block: 0,
        frames: 0,
        missing: Vec::new(),
        keep: true,
        prev_paragraph: false,
    };
    // Title block.
    let t = &style.title;
    let title_atoms = [Atom::Text {
        text: doc.title.text.clone(),
        font: FontKind::Bold,
        src: doc.title.span.start,
    }];
    let r = cx.para(
        &title_atoms,
        t.size,
        t.leading,
        x0,
        measure,
        0.0,
        true,
        true,
        Role::Title,
        0.0,
    );
    if let Some(first) = r.clone().next() {
        cx.rows[first].outline = Some((doc.title.text.clone(), 0));
    }
    cx.keep = true;
    if let Some(sub) = &doc.subtitle {
        let s = &style.subtitle;
        let a = [Atom::Text {
            text: sub.text.clone(),
            font: FontKind::Italic,
            src: sub.span.start,
        }];
        cx.para(
            &a,
            s.size,
            s.leading,
            x0,
            measure,
            0.0,
            true,
            true,
            Role::Title,
            4.0,
        );
        cx.keep = true;
    }
    let byline: Vec<&str> = [doc.meta.author.as_deref(), doc.meta.date.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if !byline.is_empty() {
        let b = &style.byline;
        let a = [Atom::Text {
            text: byline.join(" · "),
            font: FontKind::Italic,
            src: 0,
        }];
        cx.para(
            &a,
            b.size,
            b.size * 1.3,
            x0,
            measure,
            0.0,
            true,
            true,
            Role::Title,
            t.space_after,
        );
        cx.keep = true;
    }
    let after_title = if byline.is_empty() {
        t.space_after
    } else {
        style.byline.space_after
    };
    if let Some(last) = cx.rows.last_mut() {
        last.space_after = after_title;
    }
    cx.keep = false;
    if let Some(f) = &doc.lead_figure {
        cx.figure(f, x0, measure);
    }
    for b in &doc.blocks {
        cx.block(b, x0, measure);
    }
    let h = &style.heading;
    let heading = |cx: &mut Ctx, text: &[Atom], title: String| {
        let r = cx.para(
            text,
            h.size,
            h.leading,
            x0,
            measure,
            0.0,
            true,
            false,
            Role::Heading,
            h.space_before,
        );
        if let Some(first) = r.clone().next() {
            cx.rows[first].outline = Some((title, 1));
        }
        cx.space_after(h.space_after);
        cx.keep = true;
        cx.prev_paragraph = false;
    };
    for s in &doc.sections {
        let a = atoms(&s.heading.inlines, FontKind::Bold);
        heading(&mut cx, &a, crate::ast::plain_text(&s.heading.inlines));
        for b in &s.blocks {
            cx.block(b, x0, measure);
        }
    }
    if !doc.references.is_empty() {
        let title = doc
            .references_heading
            .as_ref()
            .map(|hd| crate::ast::plain_text(&hd.inlines))
            .unwrap_or_else(|| "References".to_string());
        heading(
            &mut cx,
            &[Atom::Text {
                text: title.clone(),
                font: FontKind::Bold,
                src: 0,
            }],
            title,
        );
        let rs = &style.references;
        // The back-link sign: ↩ when the font has it (Libertinus has not), else ↑.
        let back = ['↩', '↑']
            .into_iter()
            .find(|&c| cx.fonts.glyph(FontKind::Regular, c).is_some())
            .map_or("^".to_string(), String::from);
        let back = back.as_str();
        for r in &doc.references {
            let mut a = vec![Atom::Text {
                text: r.raw.clone(),
                font: FontKind::Regular,
                src: r.span.start,
            }];
            let count = r.backlinks.len();
            if count == 1 {
                a.push(Atom::Text {
                    text: " ".into(),
                    font: FontKind::Regular,
                    src: 0,
                });
                a.push(Atom::Linked {
                    text: back.into(),
                    target: LinkTarget::Cite(r.n, 1),
                });
            } else if count > 1 {
                a.push(Atom::Text {
                    text: format!(" {back}"),
                    font: FontKind::Regular,
                    src: 0,
                });
                for k in 1..=count {
                    // The group "↑ a b c" is never broken.
                    a.push(Atom::Text {
                        text: "\u{A0}".into(),
                        font: FontKind::Regular,
                        src: 0,
                    });
                    a.push(Atom::Linked {
                        text: letter(k),
                        target: LinkTarget::Cite(r.n, k as u32),
                    });
                }
            }
            let rows = cx.para(
                &a,
                rs.size,
                rs.leading,
                x0 + rs.indent,
                measure - rs.indent,
                0.0,
                true,
                false,
                Role::Reference,
                rs.entry_space,
            );
            if let Some(first) = rows.clone().next() {
                cx.rows[first].reference = Some(r.n);
                cx.label(first, &format!("{}.", r.n), rs.size, rs.size * 0.45);
            }
        }
    }
    (cx.rows, cx.missing)
}

/// A line of one run of `glyphs`, exactly as wide as they are.
fn single_run_line(font: FontKind, size: f32, glyphs: Vec<Glyph>) -> Line {
    let w: f32 = glyphs.iter().map(|g| g.advance).sum();
    Line {
        runs: vec![Run {
            font,
            size,
            rise: 0.0,
            x: 0.0,
            glyphs,
        }],
        width: w,
        measure: w,
        count: 1,
        ..Line::default()
    }
}

/// `text` shaped in `kind` at `size` points, as positioned-ready glyphs
/// (labels, page numbers, running heads: short strings set on one line).
fn sized_glyphs(fonts: &mut Fonts, kind: FontKind, text: &str, size: f32) -> Vec<Glyph> {
    fonts
        .shape(kind, Variant::Text, text)
        .glyphs
        .iter()
        .map(|g| Glyph {
            gid: g.gid,
            text: g.text.clone(),
            advance: g.advance * size,
        })
        .collect()
}

/// The running head of a book page: `title` in italics, centred above the
/// text block, shortened with `…` to fit the measure.
fn running_head(title: &str, style: &Style, fonts: &mut Fonts) -> PlacedLine {
    let p = &style.page;
    let size = style.footer.size;
    let measure = style.measure();
    let shape = |fonts: &mut Fonts, text: &str| sized_glyphs(fonts, FontKind::Italic, text, size);
    let mut glyphs = shape(fonts, title);
    if glyphs.iter().map(|g| g.advance).sum::<f32>() > measure {
        let ellipsis = shape(fonts, "…");
        let room = measure - ellipsis.iter().map(|g| g.advance).sum::<f32>();
        let mut w = 0.0;
        let keep = glyphs
            .iter()
            .take_while(|g| {
                w += g.advance;
                w <= room
            })
            .count();
        glyphs.truncate(keep);
        glyphs.extend(ellipsis);
    }
    let line = single_run_line(FontKind::Italic, size, glyphs);
    let baseline = p.margin_top - (p.footer_offset * 0.6).max(size * 1.5);
    PlacedLine {
        x: p.margin_inner + (measure - line.width) / 2.0,
        baseline,
        top: baseline - size,
        line,
        role: Role::Header,
        block: 0,
    }
}

/// Back-link letters: a … z, then aa, ab, …
fn letter(k: usize) -> String {
    let mut k = k - 1;
    let mut s = String::new();
    loop {
        s.insert(0, (b'a' + (k % 26) as u8) as char);
        if k < 26 {
            break;
        }
        k = k / 26 - 1;
    }
    s
}

fn baseline_in(leading: f32, size: f32) -> f32 {
    (leading - size) / 2.0 + size * 0.8
}

fn paginate(
    mut rows: Vec<Row>,
    style: &Style,
    fonts: &mut Fonts,
    missing: Vec<MissingGlyph>,
    marks: &[ChapterMark],
    recto: bool,
) -> Layout {
    let p = &style.page;
    // The chapter of row `i` (0 outside books).
    let chapter_of = |i: usize| marks.partition_point(|m| m.start <= i).saturating_sub(1);
    let chapter_starts = |i: usize| i > 0 && marks.iter().any(|m| m.start == i);
    let body_h = p.height - p.margin_top - p.margin_bottom;
    // Split rows into pages.
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut y = 0.0;
    let mut i = 0;
    while i < rows.len() {
        if i != start && chapter_starts(i) {
            // A chapter starts a page; with `recto` an odd-numbered one.
            ranges.push(start..i);
            if recto && ranges.len() % 2 == 1 {
                ranges.push(i..i);
            }
            start = i;
            y = 0.0;
        }
        let r = &rows[i];
        let sb = if i == start {
            0.0
        } else {
            r.space_before.max(rows[i - 1].space_after)
        };
        if i == start || y + sb + r.leading <= body_h + 0.01 {
            y += sb + r.leading;
            i += 1;
            continue;
        }
        let j = (start + 1..=i)
            .rev()
            .find(|&j| rows[j].break_before)
            .unwrap_or(i);
        ranges.push(start..j);
        start = j;
        i = j;
        y = 0.0;
    }
    if start < rows.len() || ranges.is_empty() {
        ranges.push(start..rows.len());
    }
    let mut pages = Vec::new();
    let mut outline = Vec::new();
    let mut markers = HashMap::new();
    let mut references = HashMap::new();
    // Link ends by chapter: (chapter, n, k) and (chapter, n).
    let mut chapter_markers: HashMap<(usize, u32, u32), Dest> = HashMap::new();
    let mut chapter_refs: HashMap<(usize, u32), Dest> = HashMap::new();
    let mut pending_links: Vec<(usize, usize, [f32; 4], LinkTarget)> = Vec::new();
    for (pi, range) in ranges.into_iter().enumerate() {
        let mut page = Page::default();
        if range.is_empty() && !marks.is_empty() {
            // The blank verso before a recto chapter: no number, no head.
            pages.push(page);
            continue;
        }
        let chapter = chapter_of(range.start);
        if let Some(title) = marks.get(chapter).and_then(|m| m.head.as_deref())
            && !chapter_starts(range.start)
        {
            page.lines.push(running_head(title, style, fonts));
        }
        let mut y = p.margin_top;
        let mut frames: Vec<(usize, f32, f32, f32, f32)> = Vec::new();
        for i in range.clone() {
            let r = &rows[i];
            if i != range.start {
                y += r.space_before.max(rows[i - 1].space_after);
            }
            let top = y;
            let baseline = top + baseline_in(r.leading, r.size);
            if let Some((title, level)) = &r.outline {
                outline.push(OutlineItem {
                    title: title.clone(),
                    level: *level,
                    dest: Dest {
                        page: pi,
                        x: r.x,
                        y: top,
                    },
                });
            }
            let ch = chapter_of(i);
            if let Some(n) = r.reference {
                let d = Dest {
                    page: pi,
                    x: r.x,
                    y: top,
                };
                references.entry(n).or_insert(d);
                chapter_refs.insert((ch, n), d);
            }
            for &(mx, n, k) in &r.line.markers {
                let d = Dest {
                    page: pi,
                    x: r.x + mx,
                    y: top,
                };
                markers.entry((n, k)).or_insert(d);
                chapter_markers.insert((ch, n, k), d);
            }
            for l in &r.line.links {
                let rect = [r.x + l.x0, top, r.x + l.x1, top + r.leading];
                pending_links.push((pi, ch, rect, l.target.clone()));
            }
            if let Some((a, b)) = r.rule {
                page.rules.push(RuleLine {
                    x0: a,
                    x1: b,
                    y: top + r.leading / 2.0,
                    width: 0.4,
                });
            }
            if let Some(f) = r.frame {
                match frames.iter_mut().find(|fr| fr.0 == f) {
                    Some(fr) => fr.4 = top + r.leading,
                    None => frames.push((f, r.x, r.x + r.line.measure, top, top + r.leading)),
                }
            }
            let (x, role, block, leading) = (r.x, r.role, r.block, r.leading);
            if !rows[i].line.runs.is_empty() {
                // Moved, not copied: a row's line is placed once.
                let line = std::mem::take(&mut rows[i].line);
                page.lines.push(PlacedLine {
                    x,
                    baseline,
                    top,
                    line,
                    role,
                    block,
                });
            }
            y = top + leading;
        }
        let pad = style.figure.padding;
        for (_, x0, x1, t, b) in frames {
            page.frames.push(Frame {
                rect: [x0 - pad, t - pad, x1 + pad, b + pad],
                width: style.figure.frame,
            });
        }
        // Page number.
        let size = style.footer.size;
        let glyphs = sized_glyphs(fonts, FontKind::Regular, &(pi + 1).to_string(), size);
        let measure = style.measure();
        let line = single_run_line(FontKind::Regular, size, glyphs);
        let baseline = p.height - p.margin_bottom + p.footer_offset;
        page.lines.push(PlacedLine {
            x: p.margin_inner + (measure - line.width) / 2.0,
            baseline,
            top: baseline - size,
            line,
            role: Role::Footer,
            block: 0,
        });
        pages.push(page);
    }
    for (pi, ch, rect, target) in pending_links {
        let to = match &target {
            LinkTarget::Reference(n) => chapter_refs.get(&(ch, *n)).map(|d| LinkTo::Dest(*d)),
            LinkTarget::Cite(n, k) => chapter_markers.get(&(ch, *n, *k)).map(|d| LinkTo::Dest(*d)),
            LinkTarget::Uri(u) => Some(LinkTo::Uri(u.clone())),
        };
        if let Some(to) = to {
            pages[pi].links.push(PageLink { rect, to, target });
        }
    }
    Layout {
        width: p.width,
        height: p.height,
        pages,
        outline,
        missing,
        markers,
        references,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let parsed = crate::parse_article(
            "t",
            text.into_bytes(),
            Default::default(),
            &Default::default(),
        )
        .unwrap();
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let lay = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut f = Fonts::new(&source).unwrap();
                layout(&parsed.document, &style, &mut f)
            })
        };
        let one = lay(1);
        assert!(one.pages.len() > 3);
        assert_eq!(one, lay(2));
        assert_eq!(one, lay(3));
    }

    #[test]
    fn languages() {
        assert!(hyphenation_lang("en").is_some());
        assert!(hyphenation_lang("cs-CZ").is_some());
        assert!(hyphenation_lang("und").is_none());
    }
}
