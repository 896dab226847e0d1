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
    let mut lines = Vec::new();
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
                    push_run(&mut line, p.font, p.size, p.rise, x, glyphs);
                    x += width;
                }
                El::Space { font, width } => {
                    if let Some(gid) = b.fonts.glyph(*font, ' ') {
                        let g = Glyph {
                            gid,
                            text: space_text.clone(),
                            advance: *width,
                        };
                        push_run(&mut line, *font, size, 0.0, x, [g]);
                    }
                    x += width;
                }
                El::Skip(w) => x += w,
            }
        }
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

pub(super) fn push_run(
    line: &mut Line,
    font: FontKind,
    size: f32,
    rise: f32,
    x: f32,
    glyphs: impl IntoIterator<Item = Glyph>,
) {
    if let Some(r) = line.runs.last_mut()
        && r.font == font
        && r.size == size
        && r.rise == rise
        && (r.x + r.width() - x).abs() < 0.001
    {
        r.glyphs.extend(glyphs);
        return;
    }
    line.runs.push(Run {
        font,
        size,
        rise,
        x,
        glyphs: glyphs.into_iter().collect(),
    });
}
