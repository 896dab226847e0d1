//! The chosen breaks to lines: each line's pieces put in visual order and
//! positioned as glyph runs, spaces stretched for justification.

use super::*;

/// One element of a set line, in logical order.
pub(super) enum El<'p> {
    Piece(Part<'p>),
    Space { font: FontKind, width: f32 },
    Skip(f32),
}

pub(super) fn render(
    b: &mut Builder,
    items: &[Item],
    contents: &[Content],
    parts: &[Part],
    breaks: &[Break],
) -> Vec<Line> {
    let size = b.set.size;
    let para_level = u8::from(b.set.rtl);
    // The text of every space glyph (one string for the paragraph).
    let space_text = Cluster::from(" ");
    let mut runs = RunBuilder::default();
    // A line a break: grown a line at a time, a long article's lines had
    // up to twice their room while they waited to become rows.
    let mut lines = Vec::with_capacity(breaks.len());
    let mut start = 0;
    for (li, brk) in breaks.iter().enumerate() {
        // Skip discardable items at the line start (not the indent box).
        while start < brk.at && !matches!(items[start], Item::Box { .. }) {
            start += 1;
        }
        let mut line = Line {
            measure: b.set.measure,
            hyphen: brk.hyphen,
            ..Line::default()
        };
        // The hyphen it ends with, if it ends at a hyphenation point.
        let hyphen = match (&items[brk.at], &contents[brk.at]) {
            (Item::Penalty { .. }, Content::Hyphen(Some((font, level)))) => {
                Some(hyphen_piece(b.fonts, *font, size, *level))
            }
            _ => None,
        };
        // The line's elements in logical order, with their levels.
        let mut els: Vec<(El, u8)> = Vec::new();
        // The last glue before the break is not set.
        let end = brk.at;
        for i in start..end {
            match (&items[i], &contents[i]) {
                (Item::Box { .. }, Content::Parts(r)) => {
                    els.extend(
                        parts[r.clone()]
                            .iter()
                            .map(|p| (El::Piece(*p), p.piece.level)),
                    );
                }
                (Item::Box { width }, _) => els.push((El::Skip(*width), para_level)),
                (
                    Item::Glue {
                        width,
                        stretch,
                        shrink,
                    },
                    Content::Space { font, level },
                ) => {
                    let w = if brk.ratio >= 0.0 {
                        width + brk.ratio * stretch
                    } else {
                        width + brk.ratio * shrink
                    };
                    let last = items[i + 1..end]
                        .iter()
                        .all(|it| !matches!(it, Item::Box { .. }));
                    if !last {
                        els.push((
                            El::Space {
                                font: *font,
                                width: w,
                            },
                            *level,
                        ));
                    }
                }
                _ => {}
            }
        }
        let mut added_hyphen = None;
        if let Some(h) = &hyphen {
            added_hyphen = Some(els.len());
            els.push((
                El::Piece(Part {
                    piece: h,
                    glyph: None,
                }),
                h.level,
            ));
        }
        line.starts_with_marker = els.iter().find_map(|(e, _)| match e {
            El::Piece(p) => Some(p.piece.marker.is_some()),
            _ => None,
        }) == Some(true);
        // Rule L2: position the elements in visual order (the logical
        // order when no level is odd).
        let order = if els.iter().any(|e| e.1 % 2 == 1) {
            let levels: Vec<u8> = els.iter().map(|e| e.1).collect();
            visual_order(&levels)
        } else {
            Vec::new()
        };
        let mut x = 0.0;
        for k in 0..els.len() {
            let i = order.get(k).copied().unwrap_or(k);
            match &els[i].0 {
                El::Piece(part) => {
                    let (p, width) = (part.piece, part.width());
                    if added_hyphen == Some(i) {
                        line.soft_hyphen = Some(x);
                    }
                    if let Some((n, k)) = p.marker {
                        line.markers.push((x, n, k));
                    }
                    if let Some(t) = &p.link {
                        match line.links.last_mut() {
                            Some(l) if l.target == *t && (l.x1 - x).abs() < 0.01 => {
                                l.x1 = x + width
                            }
                            _ => line.links.push(LinkSpan {
                                x0: x,
                                x1: x + width,
                                target: t.clone(),
                            }),
                        }
                    }
                    let glyphs = part.glyphs().map(|i| p.glyph(i));
                    runs.push(p.font, p.size, p.rise, x, glyphs);
                    x += width;
                }
                El::Space { font, width } => {
                    if let Some(gid) = b.fonts.space_glyph(*font) {
                        let g = Glyph {
                            gid,
                            text: space_text,
                            advance: *width,
                        };
                        runs.push(*font, size, 0.0, x, [g]);
                    }
                    x += width;
                }
                El::Skip(w) => x += w,
            }
        }
        line.runs = runs.finish();
        // Most lines have a link or a marker or two: at their size, not
        // in the room for four that pushing the first one made.
        line.links.shrink_to_fit();
        line.markers.shrink_to_fit();
        line.width = x;
        line.index = li;
        lines.push(line);
        start = brk.at + 1;
    }
    let n = lines.len();
    for l in &mut lines {
        l.count = n;
    }
    lines
}

/// A line's glyph runs as they are set: the glyphs of all its runs in one
/// buffer, kept from line to line, each run copied out at its exact size
/// when the line is done ([`RunBuilder::finish`]). Runs grown a word at a
/// time held some 40% more room than glyphs: for a long article, a tenth
/// of its PDF's peak memory.
#[derive(Default)]
pub(super) struct RunBuilder {
    glyphs: Vec<Glyph>,
    runs: Vec<PendingRun>,
}

/// A run being set: its glyphs are the next `len` of the builder's.
struct PendingRun {
    font: FontKind,
    size: f32,
    rise: f32,
    x: f32,
    /// The sum of its glyphs' advances so far.
    width: f32,
    len: usize,
}

impl RunBuilder {
    /// Adds `glyphs` drawn from `x` to the line: to its last run when they
    /// continue it (same face, size and rise, starting where it ends),
    /// else as a new run.
    pub(super) fn push(
        &mut self,
        font: FontKind,
        size: f32,
        rise: f32,
        x: f32,
        glyphs: impl IntoIterator<Item = Glyph>,
    ) {
        let continues = self.runs.last().is_some_and(|r| {
            r.font == font && r.size == size && r.rise == rise && (r.x + r.width - x).abs() < 0.001
        });
        if !continues {
            self.runs.push(PendingRun {
                font,
                size,
                rise,
                x,
                width: 0.0,
                len: 0,
            });
        }
        let run = self.runs.last_mut().expect("a run was just made");
        for g in glyphs {
            run.width += g.advance;
            run.len += 1;
            self.glyphs.push(g);
        }
    }

    /// The line's runs, each holding exactly its glyphs; the builder is
    /// then ready for the next line.
    pub(super) fn finish(&mut self) -> Vec<Run> {
        let RunBuilder { glyphs, runs } = self;
        let mut glyphs = glyphs.drain(..);
        runs.drain(..)
            .map(|r| Run {
                font: r.font,
                size: r.size,
                rise: r.rise,
                x: r.x,
                glyphs: glyphs.by_ref().take(r.len).collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(advances: &[f32]) -> Vec<Glyph> {
        advances
            .iter()
            .map(|&advance| Glyph {
                gid: 3,
                text: Cluster::from("a"),
                advance,
            })
            .collect()
    }

    /// Glyphs that continue the last run (same face, size and rise, from
    /// where it ends) join it; a gap, another face or another rise starts
    /// a run; each run holds exactly its glyphs, and the builder starts
    /// the next line empty.
    #[test]
    fn runs_are_joined_where_they_continue_and_made_at_exact_size() {
        let mut b = RunBuilder::default();
        b.push(FontKind::Regular, 10.0, 0.0, 0.0, glyphs(&[1.0, 2.0]));
        b.push(FontKind::Regular, 10.0, 0.0, 3.0, glyphs(&[1.5]));
        b.push(FontKind::Regular, 10.0, 0.0, 4.5, glyphs(&[]));
        b.push(FontKind::Regular, 10.0, 0.0, 5.0, glyphs(&[1.0]));
        b.push(FontKind::Italic, 10.0, 0.0, 6.0, glyphs(&[1.0; 5]));
        b.push(FontKind::Italic, 10.0, 4.0, 11.0, glyphs(&[1.0]));
        let runs = b.finish();
        let shape: Vec<(FontKind, f32, f32, usize)> = runs
            .iter()
            .map(|r| (r.font, r.x, r.rise, r.glyphs.len()))
            .collect();
        assert_eq!(
            shape,
            [
                (FontKind::Regular, 0.0, 0.0, 3),
                (FontKind::Regular, 5.0, 0.0, 1),
                (FontKind::Italic, 6.0, 0.0, 5),
                (FontKind::Italic, 11.0, 4.0, 1),
            ]
        );
        assert!(runs.iter().all(|r| r.glyphs.capacity() == r.glyphs.len()));
        assert_eq!(runs.capacity(), runs.len());
        b.push(FontKind::Bold, 9.0, 0.0, 0.0, glyphs(&[2.0]));
        let next = b.finish();
        assert_eq!(next.len(), 1);
        assert_eq!((next[0].font, next[0].glyphs.len()), (FontKind::Bold, 1));
    }
}
