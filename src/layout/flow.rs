//! The flow: one walk over an article turns its blocks into rows (lines
//! with their spacing and page-break rules). A first pass notes every
//! paragraph to set, `set_all` (in `parallel.rs`) sets them (in parallel when there is
//! enough text), a second pass builds the rows.

use super::rows::PackedLines;
use super::*;
use crate::ast::walk::{walk_children, walk_list};
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
    /// An outline item here: its title and level (boxed: few rows have
    /// one, and every row of a long article holds the option).
    pub(super) outline: Option<Box<(String, u8)>>,
    pub(super) reference: Option<u32>,
    /// Its element in the structure ([`Ctx::structure`]).
    pub(super) node: usize,
    /// Where its line's glyphs wait, when they are not in it
    /// ([`GlyphStore`]).
    pub(super) stored: Option<StoredAt>,
    /// The element of its label in the margin, if it has one.
    pub(super) label: Option<usize>,
}

/// Where [`Ctx::para`] gets the lines of a paragraph.
pub(super) enum Lines<'j, 'g> {
    /// Only note what would be set: the first of two passes over an article.
    Record(&'j mut Recorder<'g>),
    /// The lines set in advance, in the order of the first pass.
    Replay(&'j mut Replay<'g>),
}

/// A stretch of paragraphs the first pass set: held, or, when their
/// glyphs wait in a [`GlyphStore`], their packed lines there too, one
/// block a stretch (the seed ×3,460's took some 10 MB until the second
/// pass took them).
enum SetStretch {
    Held(Vec<SetParagraph>),
    Away {
        place: crate::temp_file::Place,
        paragraphs: Vec<AwayParagraph>,
    },
}

/// A paragraph of a stretch put away: where its lines' bytes end in the
/// stretch's (they start where the paragraph before's end), how many lines
/// it has, and what few paragraphs have. 16 bytes: with its range, its
/// count and its lists inline it took 72, held for every paragraph until
/// the second pass (4.8 MB of the seed ×3,460's heap at its peak).
struct AwayParagraph {
    end: u32,
    lines: u32,
    rare: Option<Box<Rare>>,
}

const _: () = assert!(std::mem::size_of::<AwayParagraph>() == 16);

/// What few paragraphs put away have: characters without a glyph, or
/// lines put aside a piece at a time on their own (a long paragraph's).
struct Rare {
    missing: Vec<MissingGlyph>,
    pieces: Option<Vec<LinesPiece>>,
}

impl SetStretch {
    /// `set`, put away in `store` when there is one, it takes the bytes,
    /// and every paragraph's lines are packed; else held.
    fn new(set: Vec<SetParagraph>, store: Option<&GlyphStore>) -> Self {
        let Some(store) = store else {
            return SetStretch::Held(set);
        };
        if !set
            .iter()
            .all(|(l, _)| matches!(l, SetLines::Packed(_) | SetLines::Pieces(_)))
        {
            return SetStretch::Held(set);
        }
        let size: usize = set.iter().map(|(l, _)| l.packed_bytes()).sum();
        // (Past 4 GiB of lines, or of a paragraph's, it is held.)
        if u32::try_from(size).is_err() || set.iter().any(|(l, _)| u32::try_from(l.len()).is_err())
        {
            return SetStretch::Held(set);
        }
        let mut block = Vec::with_capacity(size);
        let mut paragraphs = Vec::with_capacity(set.len());
        for (lines, missing) in set {
            let count = lines.len() as u32;
            let pieces = match lines {
                SetLines::Packed(p) => {
                    block.extend_from_slice(&p.into_parts().0);
                    None
                }
                SetLines::Pieces(pieces) => Some(pieces),
                SetLines::Held(_) => None,
            };
            let rare = (!missing.is_empty() || pieces.is_some())
                .then(|| Box::new(Rare { missing, pieces }));
            paragraphs.push(AwayParagraph {
                end: block.len() as u32,
                lines: count,
                rare,
            });
        }
        match store.put_aside(&block) {
            Some(place) => SetStretch::Away { place, paragraphs },
            // Kept, as they were.
            None => SetStretch::Held(unpacked_from(&block, paragraphs)),
        }
    }

    /// How many lines its paragraphs have.
    fn lines(&self) -> usize {
        match self {
            SetStretch::Held(set) => set.iter().map(|(l, _)| l.len()).sum(),
            SetStretch::Away { paragraphs, .. } => {
                paragraphs.iter().map(|p| p.lines as usize).sum()
            }
        }
    }
}

/// The paragraphs the first pass set, in order, for the second: a stretch
/// at a time, one put away read back whole and each of its paragraphs
/// unpacked from it as it comes (all unpacked at once, their copies took
/// half as much again as the block, 1.7 MB of the seed ×3,460's body
/// alone at its peak). A stretch that cannot be read back gives
/// paragraphs without lines, and its error.
pub(super) struct Replay<'s> {
    stretches: std::vec::IntoIter<SetStretch>,
    current: Current,
    store: Option<&'s GlyphStore>,
    /// The block of the stretch put away being replayed.
    block: Vec<u8>,
    error: Option<std::io::Error>,
}

/// The paragraphs of the stretch being replayed.
enum Current {
    Held(std::vec::IntoIter<SetParagraph>),
    /// Put away, their block read back: each unpacked as it comes, from
    /// `start` on in the block.
    Away {
        paragraphs: std::vec::IntoIter<AwayParagraph>,
        start: usize,
    },
}

impl<'s> Replay<'s> {
    fn new(stretches: Vec<SetStretch>, store: Option<&'s GlyphStore>) -> Self {
        Replay {
            stretches: stretches.into_iter(),
            current: Current::Held(Vec::new().into_iter()),
            store,
            block: Vec::new(),
            error: None,
        }
    }

    /// The next stretch's paragraphs, read back if they were put away.
    fn take(&mut self, stretch: SetStretch) -> Current {
        let (place, paragraphs) = match stretch {
            SetStretch::Held(set) => return Current::Held(set.into_iter()),
            SetStretch::Away { place, paragraphs } => (place, paragraphs),
        };
        let read = match self.store {
            Some(store) => store.read_aside(&mut self.block, place),
            None => Err(std::io::Error::other("lines put away without a file")),
        };
        if let Err(e) = read {
            self.error.get_or_insert(e);
            self.block.clear();
        }
        Current::Away {
            paragraphs: paragraphs.into_iter(),
            start: 0,
        }
    }
}

/// The paragraphs whose packed lines are in `block` (none for those it
/// does not hold: a block not read back).
fn unpacked_from(block: &[u8], paragraphs: Vec<AwayParagraph>) -> Vec<SetParagraph> {
    let mut start = 0;
    paragraphs
        .into_iter()
        .map(|p| unpacked(block, &mut start, p))
        .collect()
}

/// Paragraph `p`, whose packed lines are in `block` from `start` on (none
/// when it does not hold them); `start` moved past them.
fn unpacked(block: &[u8], start: &mut usize, p: AwayParagraph) -> SetParagraph {
    let bytes = *start..p.end as usize;
    *start = bytes.end;
    let (missing, pieces) = p.rare.map_or((Vec::new(), None), |r| (r.missing, r.pieces));
    let lines = match (pieces, block.get(bytes)) {
        (Some(pieces), _) => SetLines::Pieces(pieces),
        (None, Some(bytes)) => {
            SetLines::Packed(PackedLines::from_parts(bytes.into(), p.lines as usize))
        }
        (None, None) => SetLines::default(),
    };
    (lines, missing)
}

impl Iterator for Replay<'_> {
    type Item = SetParagraph;

    fn next(&mut self) -> Option<SetParagraph> {
        loop {
            match &mut self.current {
                Current::Held(set) => {
                    if let Some(p) = set.next() {
                        return Some(p);
                    }
                }
                Current::Away { paragraphs, start } => {
                    if let Some(p) = paragraphs.next() {
                        return Some(unpacked(&self.block, start, p));
                    }
                }
            }
            let stretch = self.stretches.next()?;
            self.current = self.take(stretch);
        }
    }
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
    /// The frame drawn around the rows (a figure's), if any.
    pub(super) frame: Option<usize>,
    /// Where a page may break among the rows.
    pub(super) parting: Parting,
}

/// Where a page may break among a paragraph's rows: set on each row as it
/// is made, so that the rows of a long paragraph can go to the file as
/// they come, whatever they are part of.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Parting {
    /// As between a paragraph's lines: at least two lines on each side of
    /// a break, never a break after a hyphen, and before the first line
    /// unless what came before is kept with it.
    Lines,
    /// Never inside the rows, and before the first only when `first`: a
    /// figure's frame (never broken across pages), a caption (kept with
    /// its figure, and whole).
    Whole {
        /// A page may break before the first row.
        first: bool,
    },
}

pub(super) struct Ctx<'f, 'a, 'g> {
    pub(super) fonts: &'f mut Fonts<'a>,
    pub(super) lines: Lines<'f, 'g>,
    pub(super) style: &'f Style,
    pub(super) lang: Option<hypher::Lang>,
    /// Paragraphs start at bidi level 1 (a right-to-left document language).
    pub(super) rtl: bool,
    pub(super) rows: Rows,
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
    /// With [`NotePlacement::Foot`]: each cited reference's note, set.
    pub(super) notes: NoteSet,
    /// The logical structure built so far (see [`Layout::structure`]).
    pub(super) structure: Structure,
    /// The element new blocks go into.
    pub(super) parent: usize,
    /// The element the next paragraph's lines go into, when it is not a
    /// new block of their role (a figure, a list item's body, the title).
    pub(super) into: Option<usize>,
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
    inlines.iter().map(|i| atom(i.clone(), font)).collect()
}

/// Whether a paragraph announces what follows it ("…repatriated:"), and
/// so stays with it.
fn announces_what_follows(inlines: &[Inline]) -> bool {
    crate::ast::plain_text_last(inlines) == Some(':')
}

/// [`atoms`] of inlines taken, their texts moved and their vector's
/// memory reused (an inline and an atom are of one size).
fn atoms_taken(inlines: Vec<Inline>, font: FontKind) -> Vec<Atom> {
    inlines.into_iter().map(|i| atom(i, font)).collect()
}

/// The atom an inline is set as, in `font`.
fn atom(inline: Inline, font: FontKind) -> Atom {
    match inline {
        Inline::Text { text, span } => Atom::Text {
            text,
            font,
            src: span.start as usize,
        },
        Inline::Cite { n, occurrence, .. } => Atom::Cite { n, k: occurrence },
        Inline::Link { url, span } => Atom::Url {
            url,
            src: span.start as usize,
        },
    }
}

impl Ctx<'_, '_, '_> {
    /// The rows from `start` on, taken out of the rows whole (a note's,
    /// which the pages at whose foot it goes read as often as they need).
    /// Their glyphs stay where they wait, if they wait in the file: the
    /// pages read them back as they draw them (read back here, the
    /// glyphs of 40,000 references' notes were held until the end: their
    /// PDF took 74 MB instead of 49).
    pub(super) fn rows_taken_from(&mut self, start: usize) -> Vec<Row> {
        // (A note of thousands of lines may have had some settled.)
        let loaded = self.rows.load(start..self.rows.len());
        let rows = self.rows.split_off(start);
        // Lines that could not be read back: the pages will lack them,
        // and the sink is told (as for a paragraph's). (Only the second
        // pass has rows.)
        if let (Lines::Replay(replay), Err(e)) = (&mut self.lines, loaded) {
            replay.error.get_or_insert(e);
        }
        rows
    }

    /// A new element of the structure, of `kind`, in [`Ctx::parent`].
    pub(super) fn node(&mut self, kind: StructKind) -> usize {
        self.structure.push(StructNode::new(kind, self.parent))
    }

    /// A new element of `kind` under `parent`.
    pub(super) fn node_in(&mut self, kind: StructKind, parent: usize) -> usize {
        self.structure.push(StructNode::new(kind, parent))
    }

    /// Sets a paragraph of `atoms` (made only when the first pass notes
    /// it: the second takes its lines, and made again there, a
    /// one-paragraph article's 8 MB of text were copied for nothing, its
    /// peak).
    pub(super) fn para(
        &mut self,
        atoms: impl FnOnce() -> Vec<Atom>,
        style: ParaStyle,
    ) -> std::ops::Range<usize> {
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
            frame,
            parting,
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
        let node = match self.into.take() {
            Some(n) => n,
            None => self.node(StructKind::Block(role)),
        };
        // The rows before the last are not changed again (a paragraph's
        // rows are changed only until the next is set, and the row before
        // it): they may go to the file.
        self.rows.settle_before(self.rows.len().saturating_sub(1));
        let start = self.rows.len();
        let mut lines = match &mut self.lines {
            Lines::Record(recorder) => {
                recorder.note(self.fonts, atoms(), set);
                return start..start;
            }
            Lines::Replay(set) => {
                let (lines, missing) = set.next().unwrap_or_default();
                self.missing.extend(missing);
                lines.into_lines(set.store)
            }
        };
        for (line, stored) in &mut lines {
            let first = line.index == 0;
            let n = line.count;
            // Widows and orphans: at least two lines on each side of a page
            // break; and never a page break after a hyphen.
            let after_hyphen = self.rows.last().is_some_and(|r| r.line.hyphen);
            let break_before = match parting {
                Parting::Lines if first => !self.keep && !after_hyphen,
                Parting::Lines => line.index >= 2 && n - line.index >= 2 && !after_hyphen,
                // (A long paragraph's windows each have a first line.)
                Parting::Whole { first: may } => self.rows.len() == start && may,
            };
            let dx = if center {
                ((measure - line.width) / 2.0).max(0.0)
            } else {
                0.0
            };
            // A long paragraph's rows go to the file as they come (but its
            // first, which its caller may still label).
            self.rows
                .settle_within(self.rows.len().saturating_sub(1), start);
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
                frame,
                rule: None,
                outline: None,
                reference: None,
                node,
                label: None,
                stored,
            });
        }
        // Lines put aside that could not be read back: the pages will
        // lack them, and the sink is told (as for a stretch).
        if let (Some(e), Lines::Replay(set)) = (lines.error.take(), &mut self.lines) {
            set.error.get_or_insert(e);
        }
        if self.rows.len() > start {
            self.keep = false;
        }
        start..self.rows.len()
    }

    pub(super) fn label(&mut self, row: usize, text: &str, size: f32, gap: f32) {
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

    /// A paragraph of `atoms`; one that `announces` what follows
    /// ([`announces_what_follows`]) stays with it.
    fn paragraph(
        &mut self,
        atoms: impl FnOnce() -> Vec<Atom>,
        announces: bool,
        x: f32,
        measure: f32,
    ) {
        let body = &self.style.body;
        let indent = if self.prev_paragraph {
            body.indent
        } else {
            0.0
        };
        // Paragraphs follow each other without space (indented instead);
        // space after display blocks comes from their `space_after`.
        self.para(
            atoms,
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
                frame: None,
                parting: Parting::Lines,
            },
        );
        self.prev_paragraph = true;
        if announces {
            self.keep = true;
        }
    }

    fn block(&mut self, b: &Block, x: f32, measure: f32) {
        let st = self.style;
        let body = &st.body;
        match b {
            Block::Paragraph(p) => {
                let announces = announces_what_follows(&p.inlines);
                self.paragraph(
                    || atoms(&p.inlines, FontKind::Regular),
                    announces,
                    x,
                    measure,
                );
            }
            Block::Quote(q) => {
                let ind = st.quote.indent;
                self.para(
                    || atoms(&q.inlines, FontKind::Regular),
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
                        frame: None,
                        parting: Parting::Lines,
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
                    node: self.parent,
                    label: None,
                    stored: None,
                });
                self.prev_paragraph = false;
            }
        }
    }

    /// A section heading (or the references' heading), in the outline at
    /// level 1, kept with what follows.
    pub(super) fn heading(&mut self, text: Vec<Atom>, title: String) {
        let h = &self.style.heading;
        let r = self.para(
            || text,
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
                frame: None,
                parting: Parting::Lines,
            },
        );
        if let Some(first) = r.clone().next() {
            self.rows[first].outline = Some(Box::new((title, 1)));
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
        let fig = self.figure_description(|| atoms(&f.alt, FontKind::Italic), x, measure);
        // Made once the description is set: the copy and the setting's
        // own work were held at once (an 8 MB line read as a figure's
        // description: 4.5 MB more at the peak). Only the second pass's
        // structure is kept.
        if let Lines::Replay(replay) = &self.lines {
            self.structure
                .set_alt(fig, figure_alt(&f.alt, replay.store));
        }
        self.figure_caption(f.caption.as_deref(), x, measure);
    }

    /// [`Ctx::figure`] of a figure taken: in the first pass (which makes
    /// no `/Alt`), its description's inlines taken into the atoms set.
    fn figure_taken(&mut self, f: Figure, x: f32, measure: f32) {
        if !matches!(self.lines, Lines::Record(_)) {
            return self.figure(&f, x, measure);
        }
        let Figure { alt, caption, .. } = f;
        self.figure_description(move || atoms_taken(alt, FontKind::Italic), x, measure);
        self.figure_caption(caption.as_deref(), x, measure);
    }

    /// A figure's frame and its description, set from `atoms`: the
    /// figure's structure node.
    fn figure_description(
        &mut self,
        atoms: impl FnOnce() -> Vec<Atom>,
        x: f32,
        measure: f32,
    ) -> usize {
        let st = self.style;
        let fs = &st.figure;
        let pad = fs.padding;
        self.frames += 1;
        let frame = self.frames;
        let keep = self.keep;
        let fig = self.node_in(StructKind::Figure, self.parent);
        self.into = Some(fig);
        self.para(
            atoms,
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
                frame: Some(frame),
                // The frame is never broken across pages.
                parting: Parting::Whole { first: !keep },
            },
        );
        fig
    }

    /// The space after a figure's frame, then its caption, if it has one.
    fn figure_caption(&mut self, caption: Option<&[Inline]>, x: f32, measure: f32) {
        let st = self.style;
        let fs = &st.figure;
        let pad = fs.padding;
        self.space_after(pad);
        if let Some(c) = caption {
            // The caption follows its figure (a sibling, not a child: a
            // reader that speaks the figure's /Alt skips its children).
            self.para(
                || atoms(c, FontKind::Regular),
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
                    frame: None,
                    // The caption stays with its figure, and whole.
                    parting: Parting::Whole { first: false },
                },
            );
            self.space_after(st.block.space);
        } else {
            self.space_after(pad + st.block.space);
        }
    }
}

/// A figure's text alternative of at least this many bytes is put aside
/// in the layout's temporary file, when it has one (a long article or
/// book), until its structure element is written: from there the PDF
/// writer writes an element a piece at a time (`structure_tree.rs`: 4
/// bytes of hex digits a byte of text past a piece of 1 MiB). Shorter,
/// it is held: put aside, a text takes no room in memory beyond the 24
/// bytes either takes, but a write and a read of the file. (From 256 KiB
/// until the forty-seventh round, a book of 2,880 corpus articles held
/// some 0.9 MB of its figures' texts to its end.)
const ALT_ASIDE_FROM: usize = 64;

/// [`alt_text`], put aside in `store` when it is long
/// ([`ALT_ASIDE_FROM`]) and the store takes it, without being made in
/// memory.
fn figure_alt(inlines: &[Inline], store: Option<&GlyphStore>) -> Option<AltText> {
    figure_alt_from(inlines, store, ALT_ASIDE_FROM)
}

/// [`figure_alt`], put aside from `from` bytes.
fn figure_alt_from(inlines: &[Inline], store: Option<&GlyphStore>, from: usize) -> Option<AltText> {
    let len: usize = crate::ast::plain_text_pieces(inlines).map(str::len).sum();
    if len >= from
        && let Some(store) = store
        && let Some(aside) = store.put_text_aside(crate::ast::plain_text_pieces(inlines), len)
    {
        return aside.map(AltText::Aside);
    }
    alt_text(inlines).map(AltText::Held)
}

/// A figure's text alternative (its `/Alt`): its description's plain
/// text (its citations left out), trimmed, in a string of its size;
/// `None` when it is empty.
fn alt_text(inlines: &[Inline]) -> Option<String> {
    // Trimmed where it is: a copy of a long description was held whole
    // with its white space.
    let mut alt = crate::ast::plain_text(inlines);
    alt.truncate(alt.trim_end().len());
    alt.drain(..alt.len() - alt.trim_start().len());
    (!alt.is_empty()).then_some(alt)
}

/// A body read back from the temporary file: a paragraph's inlines, and
/// in the first pass a figure's description's, taken into the atoms set
/// (a 66 MB paragraph's 35 MB of inlines were held beside its atoms while
/// it was set), any other block visited.
impl VisitOwned for Ctx<'_, '_, '_> {
    fn visit_owned_lead_figure(&mut self, f: Figure) {
        self.figure_taken(f, self.x, self.measure);
    }
    fn visit_owned_block(&mut self, b: Block) {
        match b {
            Block::Figure(f) => {
                self.figure_taken(*f, self.x, self.measure);
                self.prev_paragraph = false;
            }
            Block::Paragraph(p) => {
                let announces = announces_what_follows(&p.inlines);
                let (x, measure) = (self.x, self.measure);
                let inlines = p.inlines;
                self.paragraph(
                    || atoms_taken(inlines, FontKind::Regular),
                    announces,
                    x,
                    measure,
                );
            }
            b => self.block(&b, self.x, self.measure),
        }
    }
}

/// The body in the order of [`crate::ast::walk`]: blocks in the text block
/// ([`Ctx::x`], [`Ctx::measure`]), lists in their [`ListFrame`].
impl Visit<'_> for Ctx<'_, '_, '_> {
    type Error = Infallible;

    fn visit_lead_figure(&mut self, f: &Figure) -> Result<(), Infallible> {
        self.figure(f, self.x, self.measure);
        Ok(())
    }
    fn visit_heading(&mut self, h: &Heading) -> Result<(), Infallible> {
        let a = atoms(&h.inlines, FontKind::Bold);
        self.heading(a, crate::ast::plain_text(&h.inlines));
        Ok(())
    }
    fn visit_block(&mut self, b: &Block) -> Result<(), Infallible> {
        self.block(b, self.x, self.measure);
        Ok(())
    }
    /// A list element around the items (nested lists go into the body of
    /// their item).
    fn visit_list(&mut self, l: &List) -> Result<(), Infallible> {
        let outer = self.parent;
        self.parent = self.node(StructKind::List);
        walk_list(self, l)?;
        self.parent = outer;
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
        let (label_node, item_body) = self.item_nodes();
        self.into = Some(item_body);
        let rows = self.para(
            || atoms(&item.inlines, FontKind::Regular),
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
                frame: None,
                parting: Parting::Lines,
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
            self.rows[rows.start].label = Some(label_node);
        }
        self.list = ListFrame {
            x: x + ind,
            measure: measure - ind,
            depth: depth + 1,
            before: st.list.item_space,
        };
        let outer = self.parent;
        self.parent = item_body;
        walk_children(self, item)?;
        self.parent = outer;
        self.list = ListFrame {
            x,
            measure,
            depth,
            before,
        };
        Ok(())
    }
}

/// The text (in bytes) from which the words shaped to set an article's
/// paragraphs are forgotten once they are set
/// ([`forget_words_everywhere`](super::fonts::forget_words_everywhere)),
/// and those shaped to set a book's chapters once they are all set
/// ([`super::layout_book_into`]): a batch's articles, under it, keep a
/// thread's common words from one to the next.
#[cfg(not(test))]
pub(super) const FORGET_WORDS_FROM: usize = 1 << 20;
/// The tests' articles and books forget their words from 16 KiB, so that
/// a book of a few short chapters is long enough to.
#[cfg(test)]
pub(super) const FORGET_WORDS_FROM: usize = 16 << 10;

/// `text` bytes of paragraphs are set (an article's, or every chapter's of
/// a book): when they are long, their words are not shaped again, and
/// those their setting shaped go, on this thread and the pool's; with
/// them, what the threads that set the paragraphs freed (the shaping
/// caches of those that made their own) goes back: 7 MB of the seed
/// ×1,500's peak.
pub(super) fn paragraphs_set(fonts: &mut Fonts, text: usize) {
    if text >= FORGET_WORDS_FROM {
        super::fonts::forget_words_everywhere(fonts);
    }
    if text >= crate::allocator::RETURN_FREED_FROM {
        crate::allocator::return_freed_memory_everywhere();
    }
}

/// The text (in bytes) from which the first pass over an article sets its
/// paragraphs as it goes, [`SET_AT_ONCE`] at a time, instead of noting
/// them all first: each paragraph noted holds a copy of its text in
/// atoms, and all of the seed ×3,460's took 23 MB before the first was
/// set.
const SET_AS_NOTED_FROM: usize = 1 << 20;

/// The text (in bytes) of the paragraphs set at a time once an article
/// has [`SET_AS_NOTED_FROM`]. At 256 KiB the seed ×3,460 body alone (no
/// reference list, 8.2 MB) peaked at 55.5–55.8 MB and took 2.33 s, at
/// 1 MiB 54.1–54.5 MB and 2.22 s (all noted first: 61.7–61.8 MB, 2.15
/// s); the seed ×1,500, whose few references each hold thousands of
/// back-links, 44.2–45.3 MB against 41.3–41.6 (41.3–43.3): more stretches
/// set two such entries side by side.
const SET_AT_ONCE: usize = 1 << 20;

/// What the first pass over an article does with its paragraphs: notes
/// each (its atoms and how to set it) and, once they hold
/// [`SET_AS_NOTED_FROM`] bytes of text, sets those noted
/// ([`set_all`]) whenever they hold [`SET_AT_ONCE`] more. Set so in
/// order, a stretch after another, they come out as if set all at once.
pub(super) struct Recorder<'g> {
    /// The text from which paragraphs are set as they are noted, and how
    /// much of it at a time ([`SET_AS_NOTED_FROM`], [`SET_AT_ONCE`]).
    from: usize,
    at_once: usize,
    /// The paragraphs noted and not set yet.
    jobs: Vec<(Vec<Atom>, Setting)>,
    /// Their text.
    waiting: usize,
    /// The text of every paragraph noted.
    text: usize,
    /// The paragraphs set, in order, by stretch (each list at its size:
    /// one list grown by doubling held up to twice the seed ×3,460's
    /// 110,000, of 64 bytes each), put away when the glyphs are.
    set: Vec<SetStretch>,
    /// Where their glyphs go, if anywhere (asked of `glyph_file` once,
    /// before the first is set).
    store: Option<GlyphStore>,
    asked: bool,
    glyph_file: &'g mut dyn FnMut(usize) -> Option<GlyphStore>,
}

impl<'g> Recorder<'g> {
    fn new(
        glyph_file: &'g mut dyn FnMut(usize) -> Option<GlyphStore>,
        (from, at_once): (usize, usize),
    ) -> Self {
        Recorder {
            from,
            at_once,
            jobs: Vec::new(),
            waiting: 0,
            text: 0,
            set: Vec::new(),
            store: None,
            asked: false,
            glyph_file,
        }
    }

    /// Notes paragraph `atoms`, to be set so; sets those noted when they
    /// are enough.
    fn note(&mut self, fonts: &mut Fonts, atoms: Vec<Atom>, set: Setting) {
        let len: usize = atoms.iter().map(Atom::text_len).sum();
        self.jobs.push((atoms, set));
        self.waiting += len;
        self.text += len;
        if self.text >= self.from && self.waiting >= self.at_once {
            self.set_noted(fonts);
        }
    }

    /// Sets the paragraphs noted, after those set before.
    fn set_noted(&mut self, fonts: &mut Fonts) {
        if !self.asked {
            self.asked = true;
            self.store = (self.glyph_file)(self.text);
        }
        let long = self.text >= crate::allocator::RETURN_FREED_FROM;
        let set = set_all(fonts, &mut self.jobs, self.store.as_ref(), long);
        self.set.push(SetStretch::new(set, self.store.as_ref()));
        // Their atoms went as each was set; the list keeps its room for
        // the next stretch.
        self.jobs.clear();
        self.waiting = 0;
    }

    /// Every paragraph set, in order, where their glyphs went, and the
    /// text they hold.
    fn finish(mut self, fonts: &mut Fonts) -> (Vec<SetStretch>, Option<GlyphStore>, usize) {
        if !self.jobs.is_empty() || !self.asked {
            self.set_noted(fonts);
        }
        (self.set, self.store, self.text)
    }
}

/// The rows of one article, before pagination: a first pass over the
/// article notes every paragraph to set, [`set_all`] sets them (in parallel
/// when there is enough text; in a long article, a stretch at a time as
/// they are noted: [`Recorder`]), a second pass builds the rows. When
/// `glyph_file` gives a store for the bytes of text its paragraphs hold
/// (asked once they hold [`SET_AS_NOTED_FROM`], or all of them), the
/// lines' glyphs wait there ([`GlyphStore`], returned), not in the rows.
pub(super) fn article_rows(
    doc: Reading<'_>,
    style: &Style,
    fonts: &mut Fonts,
    placement: NotePlacement,
    glyph_file: &mut dyn FnMut(usize) -> Option<GlyphStore>,
) -> ArticleRows {
    let stretches = (SET_AS_NOTED_FROM, SET_AT_ONCE);
    article_rows_setting(doc, style, fonts, placement, glyph_file, stretches)
}

/// What [`article_rows`] makes: the rows, the characters without a glyph,
/// the notes, the logical structure, where the glyphs wait, and why lines
/// put away there could not be read back (the rows are then incomplete).
pub(super) type ArticleRows = (
    Rows,
    Vec<MissingGlyph>,
    NoteSet,
    Structure,
    Option<GlyphStore>,
    Option<std::io::Error>,
);

/// [`article_rows`], its paragraphs set as they are noted from `from`
/// bytes of text, `at_once` bytes at a time.
pub(super) fn article_rows_setting(
    doc: Reading<'_>,
    style: &Style,
    fonts: &mut Fonts,
    placement: NotePlacement,
    glyph_file: &mut dyn FnMut(usize) -> Option<GlyphStore>,
    (from, at_once): (usize, usize),
) -> ArticleRows {
    let mut recorder = Recorder::new(glyph_file, (from, at_once));
    // The references whose notes go to the foot of the page, found once
    // for both passes.
    let (cited, uncited) = match placement {
        NotePlacement::Foot => match doc.cited() {
            Ok(cited) => (cited, None),
            Err(e) => (Default::default(), Some(e)),
        },
        NotePlacement::End => (Default::default(), None),
    };
    // The first pass makes the rows that are not lines of a paragraph (rules).
    let (others, _, _, _, first) = walk_article(
        doc,
        &cited,
        style,
        fonts,
        Lines::Record(&mut recorder),
        (Rows::default(), NoteSet::default()),
    );
    let (set, store, text) = recorder.finish(fonts);
    // Before the rows are made.
    paragraphs_set(fonts, text);
    // Room for every row: the lines set and the others (grown a row at a
    // time, the rows of a long article had up to twice their room). When
    // the glyphs wait in a file, the rows settled do too (`rows.rs`).
    let expected = others.len() + set.iter().map(SetStretch::lines).sum::<usize>();
    let rows = match store
        .as_ref()
        .and_then(|_| crate::temp_file::TempFile::new())
    {
        // (The notes at the foot are placed by the rows' markers.)
        Some(file) => Rows::spilling(expected, file, !cited.is_empty()),
        None => Rows::with_capacity(expected),
    };
    // The notes' rows are put aside with the glyphs, when they are.
    let notes = NoteSet::new(store.clone().filter(|_| !cited.is_empty()));
    let mut replay = Replay::new(set, store.as_ref());
    let (rows, missing, notes, structure, second) = walk_article(
        doc,
        &cited,
        style,
        fonts,
        Lines::Replay(&mut replay),
        (rows, notes),
    );
    // (A pass that could not read the article put away back leaves rows
    // out, as lines that cannot be read back do.)
    let unread = uncited
        .or(first.err())
        .or(second.err())
        .or(replay.error.take());
    drop(replay);
    // And what the second pass freed (the lines set, moved into the rows,
    // and the vector that held them) before pagination starts: the seed
    // ×1,500's peak, at the first pages drawn, fell from 73.1 to 70.6 MB.
    if text >= crate::allocator::RETURN_FREED_FROM {
        crate::allocator::return_freed_memory_everywhere();
    }
    (rows, missing, notes, structure, store, unread)
}

/// One pass over an article (see [`article_rows`]), its rows made into
/// `rows` and its notes into `notes` (both empty); the references `cited`
/// go to the foot of the page.
pub(super) fn walk_article(
    article: Reading<'_>,
    cited: &std::collections::HashSet<u32>,
    style: &Style,
    fonts: &mut Fonts,
    lines: Lines,
    (rows, notes): (Rows, NoteSet),
) -> (
    Rows,
    Vec<MissingGlyph>,
    NoteSet,
    Structure,
    std::io::Result<()>,
) {
    let doc = article.doc;
    let lang = hyphenation_lang(&doc.meta.lang);
    let measure = style.measure();
    let x0 = style.page.margin_inner;
    let mut cx = Ctx {
        fonts,
        lines,
        style,
        lang,
        rtl: paragraph::rtl_language(&doc.meta.lang),
        rows,
        block: 0,
        frames: 0,
        missing: Vec::new(),
        keep: true,
        prev_paragraph: false,
        x: x0,
        measure,
        list: ListFrame::default(),
        notes,
        structure: Structure::with_root(),
        parent: 0,
        into: None,
    };
    cx.title_block(doc);
    cx.keep = false;
    let read = article
        .walk_body(&mut cx)
        .and_then(|()| cx.references(article, cited));
    // Kept to the end of the file: at their size.
    cx.structure.shrink_to_fit();
    cx.notes.shrink_to_fit();
    (cx.rows, cx.missing, cx.notes, cx.structure, read)
}

#[cfg(test)]
mod tests {
    use super::{AltText, GlyphStore, alt_text, atoms, atoms_taken, figure_alt_from};
    use crate::ast::{Inline, SharedStr, Span, plain_text};
    use crate::layout::fonts::FontKind;

    /// Inlines taken are the atoms their borrowed copies make, in the
    /// inlines' own memory (not a second vector of a long paragraph's).
    #[test]
    fn inlines_taken_are_atoms_in_their_own_memory() {
        let inlines = vec![
            text("a word"),
            cite(),
            Inline::Link {
                url: SharedStr::from("https://example.org/a"),
                span: Span::new(3, 24),
            },
            text(""),
        ];
        let expected = atoms(&inlines, FontKind::Italic);
        let at = inlines.as_ptr() as usize;
        let taken = atoms_taken(inlines, FontKind::Italic);
        assert_eq!(taken, expected);
        assert_eq!(taken.as_ptr() as usize, at);
    }

    fn text(s: &str) -> Inline {
        Inline::Text {
            text: SharedStr::from(s),
            span: Span::new(0, 0),
        }
    }

    fn cite() -> Inline {
        Inline::Cite {
            n: 1,
            occurrence: 1,
            span: Span::new(0, 0),
            margin: Default::default(),
        }
    }

    proptest::proptest! {
        /// The text alternative is the description's plain text, trimmed
        /// (none when that is empty), in a string of its size; put aside
        /// in the layout's file, it reads back the same.
        #[test]
        fn a_figures_alt_is_its_descriptions_plain_text_trimmed(
            pieces in proptest::collection::vec(
                proptest::option::of("( |a|\\.|\u{A0}|é|\n){0,4}"),
                0..6,
            )
        ) {
            let inlines: Vec<Inline> = pieces
                .iter()
                .map(|p| p.as_deref().map_or_else(cite, text))
                .collect();
            let want = plain_text(&inlines).trim().to_string();
            let got = alt_text(&inlines);
            proptest::prop_assert_eq!(got.as_deref(), (!want.is_empty()).then_some(want.as_str()));
            let room: usize = pieces.iter().flatten().map(String::len).sum();
            proptest::prop_assert!(got.as_ref().is_none_or(|a| a.capacity() == room));
            // Put aside (from any length), it reads back the same; held
            // without a store, or under the length.
            let store = crate::temp_file::TempFile::new().map(GlyphStore::in_file);
            let aside = figure_alt_from(&inlines, store.as_ref(), 0);
            let mut back = None::<String>;
            if let Some(a) = &aside {
                proptest::prop_assert_eq!(matches!(a, AltText::Aside(_)), store.is_some());
                a.pieces(&mut |p| {
                    back.get_or_insert_default().push_str(p);
                    Ok(())
                })
                .unwrap();
            }
            proptest::prop_assert_eq!(&back, &got);
            let held = got.map(AltText::Held);
            proptest::prop_assert_eq!(&figure_alt_from(&inlines, None, 0), &held);
            proptest::prop_assert_eq!(&figure_alt_from(&inlines, store.as_ref(), room + 1), &held);
        }
    }
}
