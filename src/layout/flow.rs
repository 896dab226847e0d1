//! The flow: one walk over an article turns its blocks into rows (lines
//! with their spacing and page-break rules). A first pass notes every
//! paragraph to set, [`set_all`] sets them (in parallel when there is
//! enough text), a second pass builds the rows.

use super::*;
use crate::ast::walk::{walk_children, walk_document};
use crate::ast::{Heading, ListItem, Visit};
use std::convert::Infallible;

#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) line: Line,
    pub(super) x: f32,
    pub(super) leading: f32,
    pub(super) size: f32,
    pub(super) space_before: f32,
    pub(super) space_after: f32,
    /// A page may end before this row.
    pub(super) break_before: bool,
    pub(super) role: Role,
    pub(super) block: usize,
    pub(super) frame: Option<usize>,
    pub(super) rule: Option<(f32, f32)>,
    pub(super) outline: Option<(String, u8)>,
    pub(super) reference: Option<u32>,
}

/// Where [`Ctx::para`] gets the lines of a paragraph.
pub(super) enum Lines<'j> {
    /// Only note what would be set: the first of two passes over an article.
    Record(&'j mut Vec<(Vec<Atom>, Setting)>),
    /// The lines set in advance, in the order of the first pass.
    Replay(std::vec::IntoIter<(Vec<Line>, Vec<MissingGlyph>)>),
}

/// How one paragraph is set and where it goes.
#[derive(Debug, Clone, Copy)]
pub(super) struct ParaStyle {
    /// Font size, points.
    pub(super) size: f32,
    /// Baseline to baseline, points.
    pub(super) leading: f32,
    /// Left edge of the lines.
    pub(super) x: f32,
    /// Width of the lines.
    pub(super) measure: f32,
    /// First-line indent.
    pub(super) indent: f32,
    /// Set ragged right instead of justified.
    pub(super) ragged: bool,
    /// Centre every line.
    pub(super) center: bool,
    /// What the lines are part of.
    pub(super) role: Role,
    /// Space above the paragraph.
    pub(super) space_before: f32,
}

pub(super) struct Ctx<'f, 'a> {
    pub(super) fonts: &'f mut Fonts<'a>,
    pub(super) lines: Lines<'f>,
    pub(super) style: &'f Style,
    pub(super) lang: Option<hypher::Lang>,
    /// Paragraphs start at bidi level 1 (a right-to-left document language).
    pub(super) rtl: bool,
    pub(super) rows: Vec<Row>,
    pub(super) block: usize,
    pub(super) frames: usize,
    pub(super) missing: Vec<MissingGlyph>,
    /// Set after a heading or title: the next row may not start a page.
    pub(super) keep: bool,
    pub(super) prev_paragraph: bool,
    /// Left edge and width of the text block.
    pub(super) x: f32,
    pub(super) measure: f32,
    /// Where the list being walked stands (see [`Visit::visit_item`]).
    pub(super) list: ListFrame,
}

/// The place of a list in the walk: its left edge and width, its depth
/// (0 for a top-level list), and the space above its first item.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ListFrame {
    x: f32,
    measure: f32,
    depth: usize,
    before: f32,
}

pub(super) fn atoms(inlines: &[Inline], font: FontKind) -> Vec<Atom> {
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

impl Ctx<'_, '_> {
    fn para(&mut self, atoms: &[Atom], style: ParaStyle) -> std::ops::Range<usize> {
        let ParaStyle {
            size,
            leading,
            x,
            measure,
            indent,
            ragged,
            center,
            role,
            space_before,
        } = style;
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
                    ParaStyle {
                        size: body.size,
                        leading: body.leading,
                        x,
                        measure,
                        indent,
                        ragged: false,
                        center: false,
                        role: Role::Body,
                        space_before: 0.0,
                    },
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
                    ParaStyle {
                        size: st.quote.size,
                        leading: st.quote.leading,
                        x: x + ind,
                        measure: measure - 2.0 * ind,
                        indent: 0.0,
                        ragged: false,
                        center: false,
                        role: Role::Quote,
                        space_before: st.block.space,
                    },
                );
                self.space_after(st.block.space);
                self.prev_paragraph = false;
            }
            Block::List(l) => {
                self.list = ListFrame {
                    x,
                    measure,
                    depth: 0,
                    before: st.block.space,
                };
                let Ok(()) = self.visit_list(l);
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

    /// A section heading (or the references' heading), in the outline at
    /// level 1, kept with what follows.
    fn heading(&mut self, text: &[Atom], title: String) {
        let h = &self.style.heading;
        let r = self.para(
            text,
            ParaStyle {
                size: h.size,
                leading: h.leading,
                x: self.x,
                measure: self.measure,
                indent: 0.0,
                ragged: true,
                center: false,
                role: Role::Heading,
                space_before: h.space_before,
            },
        );
        if let Some(first) = r.clone().next() {
            self.rows[first].outline = Some((title, 1));
        }
        self.space_after(h.space_after);
        self.keep = true;
        self.prev_paragraph = false;
    }

    fn space_after(&mut self, s: f32) {
        if let Some(r) = self.rows.last_mut() {
            r.space_after = r.space_after.max(s);
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
            ParaStyle {
                size: fs.size,
                leading: fs.leading,
                x: x + pad,
                measure: measure - 2.0 * pad,
                indent: 0.0,
                ragged: true,
                center: false,
                role: Role::FigureAlt,
                space_before: st.block.space + pad,
            },
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
                ParaStyle {
                    size: fs.caption_size,
                    leading: fs.caption_leading,
                    x,
                    measure,
                    indent: 0.0,
                    ragged: true,
                    center: false,
                    role: Role::Caption,
                    space_before: pad + fs.caption_gap,
                },
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

/// The body in the order of [`crate::ast::walk`]: blocks in the text block
/// ([`Ctx::x`], [`Ctx::measure`]), lists in their [`ListFrame`].
impl Visit<'_> for Ctx<'_, '_> {
    type Error = Infallible;

    fn visit_lead_figure(&mut self, f: &Figure) -> Result<(), Infallible> {
        self.figure(f, self.x, self.measure);
        Ok(())
    }
    fn visit_heading(&mut self, h: &Heading) -> Result<(), Infallible> {
        let a = atoms(&h.inlines, FontKind::Bold);
        self.heading(&a, crate::ast::plain_text(&h.inlines));
        Ok(())
    }
    fn visit_block(&mut self, b: &Block) -> Result<(), Infallible> {
        self.block(b, self.x, self.measure);
        Ok(())
    }
    /// An item set like the lines of a paragraph, with its label in the
    /// margin; the lists under it are indented one step more.
    fn visit_item(&mut self, l: &List, i: usize, item: &ListItem) -> Result<(), Infallible> {
        let st = self.style;
        let ListFrame {
            x,
            measure,
            depth,
            before,
        } = self.list;
        let ind = if depth == 0 {
            st.list.indent
        } else {
            st.list.nested_indent
        };
        let body = &st.body;
        let n = l.items.len();
        let sb = if i == 0 { before } else { st.list.item_space };
        // Like lines of a paragraph: no single item alone at a page's
        // top or bottom.
        if i > 0 && (i < 2 || n - i < 2) {
            self.keep = true;
        }
        let rows = self.para(
            &atoms(&item.inlines, FontKind::Regular),
            ParaStyle {
                size: body.size,
                leading: body.leading,
                x: x + ind,
                measure: measure - ind,
                indent: 0.0,
                ragged: false,
                center: false,
                role: Role::ListItem,
                space_before: sb,
            },
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
        self.list = ListFrame {
            x: x + ind,
            measure: measure - ind,
            depth: depth + 1,
            before: st.list.item_space,
        };
        walk_children(self, item)?;
        self.list = ListFrame {
            x,
            measure,
            depth,
            before,
        };
        Ok(())
    }
}

/// The rows of one article, before pagination: a first pass over the
/// article notes every paragraph to set, [`set_all`] sets them (in parallel
/// when there is enough text), a second pass builds the rows.
pub(super) fn article_rows(
    doc: &Document,
    style: &Style,
    fonts: &mut Fonts,
) -> (Vec<Row>, Vec<MissingGlyph>) {
    let mut jobs = Vec::new();
    walk_article(doc, style, fonts, Lines::Record(&mut jobs));
    let set = set_all(fonts, &jobs);
    walk_article(doc, style, fonts, Lines::Replay(set.into_iter()))
}

/// Paragraphs with less text than this in all are set on one thread.
pub(super) const PARALLEL_TEXT_BYTES: usize = 16 * 1024;

/// Sets the paragraphs of `jobs`, in order. With enough text and more than
/// one thread, they are cut into one stretch of about equal text per
/// thread, each set with its own [`Fonts`] (the first with `fonts`).
pub(super) fn set_all(
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
pub(super) fn walk_article(
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
        x: x0,
        measure,
        list: ListFrame::default(),
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
        ParaStyle {
            size: t.size,
            leading: t.leading,
            x: x0,
            measure,
            indent: 0.0,
            ragged: true,
            center: true,
            role: Role::Title,
            space_before: 0.0,
        },
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
            ParaStyle {
                size: s.size,
                leading: s.leading,
                x: x0,
                measure,
                indent: 0.0,
                ragged: true,
                center: true,
                role: Role::Title,
                space_before: 4.0,
            },
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
            ParaStyle {
                size: b.size,
                leading: b.size * 1.3,
                x: x0,
                measure,
                indent: 0.0,
                ragged: true,
                center: true,
                role: Role::Title,
                space_before: t.space_after,
            },
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
    let Ok(()) = walk_document(&mut cx, doc);
    if !doc.references.is_empty() {
        let title = doc
            .references_heading
            .as_ref()
            .map(|hd| crate::ast::plain_text(&hd.inlines))
            .unwrap_or_else(|| "References".to_string());
        cx.heading(
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
                ParaStyle {
                    size: rs.size,
                    leading: rs.leading,
                    x: x0 + rs.indent,
                    measure: measure - rs.indent,
                    indent: 0.0,
                    ragged: true,
                    center: false,
                    role: Role::Reference,
                    space_before: rs.entry_space,
                },
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
pub(super) fn single_run_line(font: FontKind, size: f32, glyphs: Vec<Glyph>) -> Line {
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
pub(super) fn sized_glyphs(fonts: &mut Fonts, kind: FontKind, text: &str, size: f32) -> Vec<Glyph> {
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

/// Back-link letters: a … z, then aa, ab, …
pub(super) fn letter(k: usize) -> String {
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
