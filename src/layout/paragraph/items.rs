//! Tokens to Knuth–Plass items: shaped boxes, glue for spaces, penalties
//! for break opportunities (UAX #14, hyphenation, URL breaks).

use super::*;

/// The items of one pass. `end`: the paragraph ends with them, its last
/// line filled with white space; else (a window of a long paragraph that
/// another follows) the last line is justified like the others.
pub(super) fn items<'t>(
    b: &mut Builder,
    toks: &[Tok],
    words: &'t [WordEl],
    hyphenate: bool,
    emergency: bool,
    end: bool,
) -> (Vec<Item>, Vec<Content>, Vec<Part<'t>>) {
    let size = b.set.size;
    // Room for the usual case: a box and a penalty per word element, a
    // penalty and a glue per space, the indent and the three at the end.
    let room = 2 * (toks.len() + words.len()) + 4;
    let mut items = Vec::with_capacity(room);
    let mut contents = Vec::with_capacity(room);
    // Every box's parts, box after box (a box's content is a range here).
    let mut parts: Vec<Part<'t>> = Vec::with_capacity(words.len());
    if b.set.indent > 0.0 {
        items.push(Item::Box {
            width: b.set.indent,
        });
        contents.push(Content::Nothing);
    }
    let measure = b.set.measure;
    for tok in toks {
        match tok {
            Tok::Space {
                font,
                breakable,
                level,
            } => {
                let space = b.fonts.shaped_space(*font).width() * size;
                let (stretch, shrink) = if b.set.ragged {
                    (0.0, 0.0)
                } else {
                    (space * 0.6, space * 0.3)
                };
                if !breakable {
                    penalty(&mut items, &mut contents, f32::INFINITY);
                }
                items.push(Item::Glue {
                    width: space,
                    stretch,
                    shrink,
                });
                contents.push(Content::Space {
                    font: *font,
                    level: *level,
                });
            }
            Tok::Word(range) => {
                let els = &words[range.clone()];
                // The parts of the box being gathered: `parts[start..]`.
                let mut start = parts.len();
                let word_width: f32 = els
                    .iter()
                    .map(|e| {
                        if let WordEl::Piece(p) = e {
                            p.width
                        } else {
                            0.0
                        }
                    })
                    .sum();
                let push_box = |start: &mut usize,
                                parts: &[Part],
                                items: &mut Vec<Item>,
                                contents: &mut Vec<Content>| {
                    if parts.len() > *start {
                        let w = parts[*start..].iter().map(Part::width).sum();
                        items.push(Item::Box { width: w });
                        contents.push(Content::Parts(*start..parts.len()));
                        *start = parts.len();
                    }
                };
                let mut level = 0;
                for (ei, e) in els.iter().enumerate() {
                    match e {
                        WordEl::Piece(p) => {
                            // A word wider than the measure made of several
                            // pieces (a long group of back-links joined by
                            // no-break spaces): the last resort may break it
                            // between pieces, never before a marker.
                            if emergency
                                && word_width > measure
                                && parts.len() > start
                                && p.marker.is_none()
                                && !p
                                    .shaped_glyphs()
                                    .first()
                                    .is_some_and(|g| g.text.starts_with(' '))
                                && !matches!(els.get(ei.wrapping_sub(1)), Some(WordEl::Break(..)))
                            {
                                push_box(&mut start, &parts, &mut items, &mut contents);
                                penalty(&mut items, &mut contents, 1000.0);
                            }
                            level = p.level;
                            // (Right-to-left runs keep their glyphs together.)
                            if emergency
                                && p.width > measure * 0.25
                                && p.marker.is_none()
                                && p.level % 2 == 0
                            {
                                // Too wide for any line: allow a break after every glyph.
                                for gi in 0..p.to - p.from {
                                    parts.push(Part {
                                        piece: p,
                                        glyph: Some(gi),
                                    });
                                    push_box(&mut start, &parts, &mut items, &mut contents);
                                    penalty(&mut items, &mut contents, 1000.0);
                                }
                                items.pop();
                                contents.pop();
                            } else {
                                parts.push(Part {
                                    piece: p,
                                    glyph: None,
                                });
                            }
                        }
                        WordEl::Break(opp, font) => {
                            let (width, cost, flagged, hyphen) = match opp {
                                Opp::Hyphen if hyphenate && word_width > 0.0 => {
                                    // (The hyphen is shaped once: this allocates nothing.)
                                    let w = hyphen_piece(b.fonts, *font, size, level).width;
                                    (w, 50.0, true, Some((*font, level)))
                                }
                                // The last resort does not count explicit hyphens
                                // (long URL-like strings are full of them).
                                Opp::Explicit => (0.0, 50.0, !emergency, None),
                                Opp::Plain(c) => (0.0, *c, false, None),
                                _ => continue,
                            };
                            push_box(&mut start, &parts, &mut items, &mut contents);
                            items.push(Item::Penalty {
                                width,
                                cost,
                                flagged,
                            });
                            contents.push(Content::Hyphen(hyphen));
                        }
                    }
                }
                push_box(&mut start, &parts, &mut items, &mut contents);
            }
        }
    }
    if end {
        penalty(&mut items, &mut contents, f32::INFINITY);
        items.push(Item::Glue {
            width: 0.0,
            stretch: 1e7,
            shrink: 0.0,
        });
        contents.push(Content::Nothing);
    }
    items.push(Item::Penalty {
        width: 0.0,
        cost: f32::NEG_INFINITY,
        flagged: false,
    });
    contents.push(Content::Nothing);
    (items, contents, parts)
}

/// A break allowed at `cost` (an infinite cost forbids a line to end at
/// the glue that follows), with nothing to draw.
fn penalty(items: &mut Vec<Item>, contents: &mut Vec<Content>, cost: f32) {
    items.push(Item::Penalty {
        width: 0.0,
        cost,
        flagged: false,
    });
    contents.push(Content::Nothing);
}
