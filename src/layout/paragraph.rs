//! Setting one paragraph: words → shaped boxes, spaces → glue, break
//! opportunities (UAX #14, hyphenation, URL breaks) → penalties, then
//! Knuth–Plass, then positioned glyph runs per line.

use super::fonts::{FontKind, Fonts, Shaped, Variant};
use super::linebreak::{Break, Item, Params, break_lines};
use super::{Glyph, Line, LinkSpan, LinkTarget, MissingGlyph, Run};
use std::rc::Rc;

/// Inline content of a paragraph, already in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// Text in a face; `src` is the byte offset of its first character in
    /// the input (for diagnostics).
    Text {
        /// The characters.
        text: String,
        /// Face.
        font: FontKind,
        /// Where the text starts in the input.
        src: usize,
    },
    /// A citation marker (reference `n`, occurrence `k`).
    Cite {
        /// Reference number.
        n: u32,
        /// Occurrence.
        k: u32,
    },
    /// A URL, set as text with a link.
    Url {
        /// The URL.
        url: String,
        /// Where it starts in the input.
        src: usize,
    },
    /// Text with a link to somewhere in the document (back-links).
    Linked {
        /// The characters.
        text: String,
        /// Where it goes.
        target: LinkTarget,
    },
}

/// How to set a paragraph.
#[derive(Debug, Clone)]
pub struct Setting {
    /// Type size.
    pub size: f32,
    /// Line width.
    pub measure: f32,
    /// First-line indent (eats into the first line).
    pub indent: f32,
    /// Ragged right instead of justified.
    pub ragged: bool,
    /// Hyphenation language, if any.
    pub lang: Option<hypher::Lang>,
    /// Shortest hyphenatable word, in characters.
    pub min_word: usize,
}

#[derive(Debug, Clone)]
struct Piece {
    font: FontKind,
    size: f32,
    rise: f32,
    glyphs: Vec<Glyph>,
    width: f32,
    link: Option<LinkTarget>,
    marker: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
enum Content {
    Pieces(Vec<Piece>),
    Space { font: FontKind },
    Hyphen(Option<Piece>),
    Nothing,
}

/// Break opportunity kinds inside a word.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Opp {
    /// Hyphenation point (adds a hyphen).
    Hyphen,
    /// After an explicit hyphen or dash (no added glyph, counts as hyphenated).
    Explicit,
    /// Other UAX #14 opportunity or URL break.
    Plain(f32),
}

#[derive(Debug, Clone)]
enum WordEl {
    Piece(Piece),
    Break(Opp, FontKind),
}

#[derive(Debug, Clone)]
enum Tok {
    Word(Vec<WordEl>),
    Space { font: FontKind, breakable: bool },
}

struct Builder<'f, 'a> {
    fonts: &'f mut Fonts<'a>,
    set: &'f Setting,
    missing: &'f mut Vec<MissingGlyph>,
}

fn to_glyphs(shaped: &Shaped, size: f32, from: usize, to: usize) -> (Vec<Glyph>, f32) {
    let mut w = 0.0;
    let glyphs = shaped.glyphs[from..to]
        .iter()
        .map(|g| {
            let adv = g.advance * size;
            w += adv;
            Glyph {
                gid: g.gid,
                text: g.text.clone(),
                advance: adv,
            }
        })
        .collect();
    (glyphs, w)
}

impl Builder<'_, '_> {
    /// Shapes `text` and cuts it at the allowed byte offsets in `opps`.
    fn part(
        &mut self,
        out: &mut Vec<WordEl>,
        text: &str,
        font: FontKind,
        opps: &[(usize, Opp)],
        link: Option<LinkTarget>,
        src: Option<usize>,
    ) {
        let size = self.set.size;
        let shaped = self.fonts.shape(font, Variant::Text, text);
        if let Some(src) = src {
            for &(off, c) in &shaped.missing {
                self.missing.push(MissingGlyph {
                    offset: src + off,
                    c,
                });
            }
        }
        let mut start = 0;
        // Right-to-left words are not broken (their glyphs are in visual order).
        let opps = if shaped.rtl { &[][..] } else { opps };
        for &(at, opp) in opps {
            // Only at a glyph boundary (never inside a ligature).
            let Some(gi) = shaped.glyphs.iter().position(|g| g.cluster == at) else {
                continue;
            };
            if gi == start || shaped.glyphs[gi - 1].cluster >= at {
                continue;
            }
            let (glyphs, width) = to_glyphs(&shaped, size, start, gi);
            out.push(WordEl::Piece(Piece {
                font,
                size,
                rise: 0.0,
                glyphs,
                width,
                link: link.clone(),
                marker: None,
            }));
            out.push(WordEl::Break(opp, font));
            start = gi;
        }
        let (glyphs, width) = to_glyphs(&shaped, size, start, shaped.glyphs.len());
        out.push(WordEl::Piece(Piece {
            font,
            size,
            rise: 0.0,
            glyphs,
            width,
            link,
            marker: None,
        }));
    }

    fn text_opps(&self, text: &str, font: FontKind) -> Vec<(usize, Opp)> {
        let mut opps: Vec<(usize, Opp)> = Vec::new();
        for (at, _) in unicode_linebreak::linebreaks(text) {
            if at == 0 || at >= text.len() {
                continue;
            }
            let before = text[..at].chars().next_back().unwrap_or(' ');
            let after = text[at..].chars().next().unwrap_or(' ');
            // Never inside a number (14:40, 1.25, 250-300 stays whole too).
            if before.is_ascii_digit() && after.is_ascii_digit() {
                continue;
            }
            let opp = if matches!(before, '-' | '\u{2010}' | '\u{2013}' | '\u{2014}') {
                Opp::Explicit
            } else {
                Opp::Plain(50.0)
            };
            opps.push((at, opp));
        }
        if let (Some(lang), FontKind::Regular | FontKind::Italic) = (self.set.lang, font) {
            // Hyphenate each maximal run of letters.
            let mut i = 0;
            let bytes: Vec<(usize, char)> = text.char_indices().collect();
            while i < bytes.len() {
                if !bytes[i].1.is_alphabetic() {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < bytes.len() && bytes[i].1.is_alphabetic() {
                    i += 1;
                }
                let start = bytes[s].0;
                let end = if i < bytes.len() {
                    bytes[i].0
                } else {
                    text.len()
                };
                let word = &text[start..end];
                let chars = i - s;
                let all_caps = word.chars().all(|c| !c.is_lowercase());
                if chars >= self.set.min_word.max(4) && !all_caps {
                    let lower = word.to_lowercase();
                    if lower.len() == word.len() {
                        let mut off = 0;
                        let syl: Vec<&str> = hypher::hyphenate(&lower, lang).collect();
                        for (j, sy) in syl.iter().enumerate() {
                            off += sy.len();
                            if j + 1 < syl.len() {
                                opps.push((start + off, Opp::Hyphen));
                            }
                        }
                    }
                }
            }
        }
        opps.sort_by_key(|o| o.0);
        opps.dedup_by_key(|o| o.0);
        opps
    }

    fn url_opps(url: &str) -> Vec<(usize, Opp)> {
        let mut v = Vec::new();
        let b = url.as_bytes();
        for i in 1..b.len() {
            let prev = b[i - 1];
            if matches!(prev, b'/' | b'.' | b'-' | b'_' | b'?' | b'&' | b'=' | b'#')
                && b[i] != b'/'
                && url.is_char_boundary(i)
                && i >= 8
            {
                v.push((i, Opp::Plain(100.0)));
            }
        }
        v
    }

    fn marker(
        &mut self,
        out: &mut Vec<WordEl>,
        text: &str,
        target: Option<LinkTarget>,
        marker: Option<(u32, u32)>,
    ) {
        let size = self.set.size;
        let font = FontKind::Regular;
        let (variant, msize, rise) = if self.fonts.has_superiors(font) {
            (Variant::Superior, size, 0.0)
        } else {
            (Variant::Text, size * 0.62, size * 0.36)
        };
        let shaped = self.fonts.shape(font, variant, text);
        let (glyphs, width) = to_glyphs(&shaped, msize, 0, shaped.glyphs.len());
        // A hair of space before a marker that follows a letter.
        out.push(WordEl::Piece(Piece {
            font,
            size: msize,
            rise,
            glyphs,
            width,
            link: target,
            marker,
        }));
    }
}

fn is_break_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{202F}' | '\u{2007}')
}

fn tokens(b: &mut Builder, atoms: &[Atom]) -> Vec<Tok> {
    // Drop white space between two markers: consecutive markers become "4,7".
    let mut toks: Vec<Tok> = Vec::new();
    let mut cur: Vec<WordEl> = Vec::new();
    let flush = |cur: &mut Vec<WordEl>, toks: &mut Vec<Tok>| {
        if !cur.is_empty() {
            toks.push(Tok::Word(std::mem::take(cur)));
        }
    };
    for (ai, atom) in atoms.iter().enumerate() {
        match atom {
            Atom::Text { text, font, src } => {
                let between_cites = text.chars().all(|c| c.is_whitespace() || c == ',')
                    && ai > 0
                    && matches!(atoms[ai - 1], Atom::Cite { .. })
                    && matches!(atoms.get(ai + 1), Some(Atom::Cite { .. }));
                if between_cites {
                    continue;
                }
                let mut word_start: Option<usize> = None;
                for (i, c) in text.char_indices() {
                    if is_break_space(c) {
                        if let Some(s) = word_start.take() {
                            let w = &text[s..i];
                            let opps = b.text_opps(w, *font);
                            b.part(&mut cur, w, *font, &opps, None, Some(src + s));
                        }
                        flush(&mut cur, &mut toks);
                        if !matches!(toks.last(), Some(Tok::Space { .. }) | None) {
                            toks.push(Tok::Space {
                                font: *font,
                                breakable: true,
                            });
                        }
                    } else if word_start.is_none() {
                        word_start = Some(i);
                    }
                }
                if let Some(s) = word_start {
                    let w = &text[s..];
                    let opps = b.text_opps(w, *font);
                    b.part(&mut cur, w, *font, &opps, None, Some(src + s));
                }
            }
            Atom::Cite { n, k } => {
                // A marker never starts a line: glue it to the word before.
                if cur.is_empty() {
                    if let Some(Tok::Space { .. }) = toks.last() {
                        toks.pop();
                    }
                    if let Some(Tok::Word(w)) = toks.pop() {
                        cur = w;
                    }
                }
                if matches!(
                    cur.last(),
                    Some(WordEl::Piece(Piece {
                        marker: Some(_),
                        ..
                    }))
                ) {
                    b.marker(&mut cur, ",", None, None);
                }
                b.marker(
                    &mut cur,
                    &n.to_string(),
                    Some(LinkTarget::Reference(*n)),
                    Some((*n, *k)),
                );
            }
            Atom::Url { url, src } => {
                let opps = Builder::url_opps(url);
                b.part(
                    &mut cur,
                    url,
                    FontKind::Regular,
                    &opps,
                    Some(LinkTarget::Uri(url.clone())),
                    Some(*src),
                );
            }
            Atom::Linked { text, target } => {
                b.part(
                    &mut cur,
                    text,
                    FontKind::Regular,
                    &[],
                    Some(target.clone()),
                    None,
                );
            }
        }
    }
    flush(&mut cur, &mut toks);
    while matches!(toks.last(), Some(Tok::Space { .. })) {
        toks.pop();
    }
    // Digit groups stay together: "250 000", "15 July" is free to break.
    for i in 1..toks.len().saturating_sub(1) {
        let prev_digit = matches!(&toks[i - 1], Tok::Word(w) if last_char(w).is_some_and(|c| c.is_ascii_digit()));
        let next_digit = matches!(&toks[i + 1], Tok::Word(w) if first_char(w).is_some_and(|c| c.is_ascii_digit()));
        if let Tok::Space { breakable, .. } = &mut toks[i]
            && prev_digit
            && next_digit
        {
            *breakable = false;
        }
    }
    toks
}

fn last_char(w: &[WordEl]) -> Option<char> {
    w.iter().rev().find_map(|e| match e {
        WordEl::Piece(p) if p.marker.is_none() => p
            .glyphs
            .iter()
            .rev()
            .find_map(|g| g.text.chars().next_back()),
        WordEl::Piece(_) => Some('x'),
        _ => None,
    })
}

fn first_char(w: &[WordEl]) -> Option<char> {
    w.iter().find_map(|e| match e {
        WordEl::Piece(p) => p.glyphs.iter().find_map(|g| g.text.chars().next()),
        _ => None,
    })
}

/// The items of one pass.
fn items(
    b: &mut Builder,
    toks: &[Tok],
    hyphenate: bool,
    emergency: bool,
) -> (Vec<Item>, Vec<Content>) {
    let size = b.set.size;
    let mut items = Vec::new();
    let mut contents = Vec::new();
    if b.set.indent > 0.0 {
        items.push(Item::Box {
            width: b.set.indent,
        });
        contents.push(Content::Nothing);
    }
    let measure = b.set.measure;
    for tok in toks {
        match tok {
            Tok::Space { font, breakable } => {
                let space = b.fonts.shape(*font, Variant::Text, " ").width() * size;
                let (stretch, shrink) = if b.set.ragged {
                    (0.0, 0.0)
                } else {
                    (space * 0.6, space * 0.3)
                };
                if !breakable {
                    items.push(Item::Penalty {
                        width: 0.0,
                        cost: f32::INFINITY,
                        flagged: false,
                    });
                    contents.push(Content::Nothing);
                }
                items.push(Item::Glue {
                    width: space,
                    stretch,
                    shrink,
                });
                contents.push(Content::Space { font: *font });
            }
            Tok::Word(els) => {
                let mut pieces: Vec<Piece> = Vec::new();
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
                let push_box = |pieces: &mut Vec<Piece>,
                                items: &mut Vec<Item>,
                                contents: &mut Vec<Content>| {
                    if !pieces.is_empty() {
                        let w = pieces.iter().map(|p| p.width).sum();
                        items.push(Item::Box { width: w });
                        contents.push(Content::Pieces(std::mem::take(pieces)));
                    }
                };
                for e in els {
                    match e {
                        WordEl::Piece(p) => {
                            if emergency && p.width > measure * 0.25 && p.marker.is_none() {
                                // Too wide for any line: allow a break after every glyph.
                                for g in &p.glyphs {
                                    let mut q = p.clone();
                                    q.glyphs = vec![g.clone()];
                                    q.width = g.advance;
                                    pieces.push(q);
                                    push_box(&mut pieces, &mut items, &mut contents);
                                    items.push(Item::Penalty {
                                        width: 0.0,
                                        cost: 1000.0,
                                        flagged: false,
                                    });
                                    contents.push(Content::Nothing);
                                }
                                items.pop();
                                contents.pop();
                            } else {
                                pieces.push(p.clone());
                            }
                        }
                        WordEl::Break(opp, font) => {
                            let (width, cost, flagged, hyphen) = match opp {
                                Opp::Hyphen if hyphenate && word_width > 0.0 => {
                                    let h = b.fonts.shape(*font, Variant::Text, "-");
                                    let (glyphs, w) = to_glyphs(&h, size, 0, h.glyphs.len());
                                    let piece = Piece {
                                        font: *font,
                                        size,
                                        rise: 0.0,
                                        glyphs,
                                        width: w,
                                        link: None,
                                        marker: None,
                                    };
                                    (w, 50.0, true, Some(piece))
                                }
                                // The last resort does not count explicit hyphens
                                // (long URL-like strings are full of them).
                                Opp::Explicit => (0.0, 50.0, !emergency, None),
                                Opp::Plain(c) => (0.0, *c, false, None),
                                _ => continue,
                            };
                            push_box(&mut pieces, &mut items, &mut contents);
                            items.push(Item::Penalty {
                                width,
                                cost,
                                flagged,
                            });
                            contents.push(Content::Hyphen(hyphen));
                        }
                    }
                }
                push_box(&mut pieces, &mut items, &mut contents);
            }
        }
    }
    items.push(Item::Penalty {
        width: 0.0,
        cost: f32::INFINITY,
        flagged: false,
    });
    contents.push(Content::Nothing);
    items.push(Item::Glue {
        width: 0.0,
        stretch: 1e7,
        shrink: 0.0,
    });
    contents.push(Content::Nothing);
    items.push(Item::Penalty {
        width: 0.0,
        cost: f32::NEG_INFINITY,
        flagged: false,
    });
    contents.push(Content::Nothing);
    (items, contents)
}

/// Sets a paragraph into lines. Characters the fonts lack are added to `missing`.
pub fn set_paragraph(
    fonts: &mut Fonts,
    set: &Setting,
    atoms: &[Atom],
    missing: &mut Vec<MissingGlyph>,
) -> Vec<Line> {
    let mut b = Builder {
        fonts,
        set,
        missing,
    };
    let toks = tokens(&mut b, atoms);
    if toks.is_empty() {
        return Vec::new();
    }
    let measure = set.measure;
    let indent = set.indent;
    let width = move |_line: usize| measure;
    let ragged = if set.ragged { set.size * 3.0 } else { 0.0 };
    let passes = [
        (
            false,
            false,
            Params {
                tolerance: 1.0,
                ragged_stretch: ragged,
                ..Params::default()
            },
        ),
        (
            true,
            false,
            Params {
                tolerance: 2.5,
                ragged_stretch: ragged,
                ..Params::default()
            },
        ),
        (
            true,
            true,
            Params {
                tolerance: 2.5,
                ragged_stretch: ragged,
                emergency: true,
                ..Params::default()
            },
        ),
    ];
    for (hyph, emergency, params) in passes {
        if hyph && set.lang.is_none() && !emergency {
            continue;
        }
        let (its, contents) = items(&mut b, &toks, hyph, emergency);
        if let Some(breaks) = break_lines(&its, &width, &params) {
            let _ = indent;
            return render(&mut b, &its, &contents, &breaks);
        }
    }
    unreachable!("the emergency pass always finds breaks")
}

fn render(b: &mut Builder, items: &[Item], contents: &[Content], breaks: &[Break]) -> Vec<Line> {
    let size = b.set.size;
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
        let mut x = 0.0;
        let mut first_content = true;
        let mut place = |line: &mut Line, p: &Piece, x: &mut f32| {
            if first_content {
                line.starts_with_marker = p.marker.is_some();
                first_content = false;
            }
            if let Some((n, k)) = p.marker {
                line.markers.push((*x, n, k));
            }
            if let Some(t) = &p.link {
                match line.links.last_mut() {
                    Some(l) if l.target == *t && (l.x1 - *x).abs() < 0.01 => l.x1 = *x + p.width,
                    _ => line.links.push(LinkSpan {
                        x0: *x,
                        x1: *x + p.width,
                        target: t.clone(),
                    }),
                }
            }
            push_run(line, p.font, p.size, p.rise, *x, &p.glyphs);
            *x += p.width;
        };
        // The last glue before the break is not set.
        let end = brk.at;
        for i in start..end {
            match (&items[i], &contents[i]) {
                (Item::Box { width }, Content::Pieces(ps)) => {
                    let _ = width;
                    for p in ps {
                        place(&mut line, p, &mut x);
                    }
                }
                (Item::Box { width }, _) => x += width,
                (
                    Item::Glue {
                        width,
                        stretch,
                        shrink,
                    },
                    Content::Space { font },
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
                        if let Some(gid) = b.fonts.glyph(*font, ' ') {
                            let g = Glyph {
                                gid,
                                text: Rc::from(" "),
                                advance: w,
                            };
                            push_run(&mut line, *font, size, 0.0, x, &[g]);
                        }
                        x += w;
                    }
                }
                _ => {}
            }
        }
        if let (Item::Penalty { .. }, Content::Hyphen(Some(h))) =
            (&items[brk.at], &contents[brk.at])
        {
            place(&mut line, h, &mut x);
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

fn push_run(line: &mut Line, font: FontKind, size: f32, rise: f32, x: f32, glyphs: &[Glyph]) {
    if let Some(r) = line.runs.last_mut()
        && r.font == font
        && r.size == size
        && r.rise == rise
        && (r.x + r.width() - x).abs() < 0.001
    {
        r.glyphs.extend_from_slice(glyphs);
        return;
    }
    line.runs.push(Run {
        font,
        size,
        rise,
        x,
        glyphs: glyphs.to_vec(),
    });
}
