//! Setting one paragraph: words → shaped boxes, spaces → glue, break
//! opportunities (UAX #14, hyphenation, URL breaks) → penalties, then
//! Knuth–Plass, then positioned glyph runs per line.
//!
//! Mixed directions follow the Unicode Bidirectional Algorithm (UAX #9,
//! the `unicode-bidi` crate): the paragraph's embedding levels are resolved
//! on its logical text (a citation marker is an isolate, a neutral unit to
//! the text around it), every word is cut into runs of one level and each run
//! is shaped in its direction; lines are broken on the logical order, and
//! each line's pieces and spaces are then put in visual order (rule L2)
//! before they are positioned, so justification still stretches the
//! inter-word spaces and markers and links sit where they are drawn.

use super::fonts::{FontKind, Fonts, Shaped, Variant};
use super::linebreak::{Break, Item, Params, break_lines};
use super::{Glyph, Line, LinkSpan, LinkTarget, MissingGlyph, Run};
use std::sync::Arc;

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

impl Atom {
    /// Bytes of text it stands for (a marker counts as a few).
    pub fn text_len(&self) -> usize {
        match self {
            Atom::Text { text, .. } | Atom::Linked { text, .. } => text.len(),
            Atom::Url { url, .. } => url.len(),
            Atom::Cite { .. } => 2,
        }
    }
}

/// True for a language written right to left (the primary subtag of a
/// BCP 47 tag): its paragraphs get embedding level 1.
pub fn rtl_language(tag: &str) -> bool {
    let primary = tag.split(['-', '_']).next().unwrap_or("");
    [
        "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ps", "sd", "syr", "ug", "ur", "yi",
    ]
    .iter()
    .any(|l| primary.eq_ignore_ascii_case(l))
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
    /// Right-to-left paragraph embedding level (UAX #9 level 1); else 0.
    pub rtl: bool,
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
    /// Resolved bidi level (odd: right to left, glyphs already in visual order).
    level: u8,
}

#[derive(Debug, Clone)]
enum Content {
    Pieces(Vec<Piece>),
    Space { font: FontKind, level: u8 },
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
    Space {
        font: FontKind,
        breakable: bool,
        level: u8,
    },
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
    /// Shapes `text` (one bidi level) and cuts it at the allowed byte
    /// offsets in `opps`.
    #[allow(clippy::too_many_arguments)]
    fn part(
        &mut self,
        out: &mut Vec<WordEl>,
        text: &str,
        font: FontKind,
        opps: &[(usize, Opp)],
        link: Option<LinkTarget>,
        src: Option<usize>,
        level: u8,
    ) {
        let size = self.set.size;
        let rtl = level % 2 == 1;
        let mut font = font;
        let mut shaped = self.fonts.shape_dir(font, Variant::Text, text, rtl);
        if !shaped.missing.is_empty() {
            // A run the face cannot draw (Arabic in Libertinus): the fallback
            // face, when it has every character of the run.
            let fb = self
                .fonts
                .shape_dir(FontKind::Fallback, Variant::Text, text, rtl);
            if fb.missing.is_empty() {
                font = FontKind::Fallback;
                shaped = fb;
            }
        }
        if let Some(src) = src {
            for &(off, c) in &shaped.missing {
                self.missing.push(MissingGlyph {
                    offset: src + off,
                    c,
                });
            }
        }
        let mut start = 0;
        // Right-to-left runs are not broken (their glyphs are in visual order).
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
                level,
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
            level,
        }));
    }

    /// Sets a word (no breaking spaces inside) whose bytes have the bidi
    /// `levels`: one [`Self::part`] per run of one level, each shaped in its
    /// direction; a break opportunity on a run boundary is kept.
    #[allow(clippy::too_many_arguments)]
    fn word(
        &mut self,
        out: &mut Vec<WordEl>,
        text: &str,
        font: FontKind,
        opps: &[(usize, Opp)],
        link: Option<LinkTarget>,
        src: Option<usize>,
        levels: &[u8],
    ) {
        let level_at = |i: usize| levels.get(i).copied().unwrap_or(0);
        let mut runs: Vec<(usize, u8)> = Vec::new();
        for (i, _) in text.char_indices() {
            let l = level_at(i);
            if runs.last().is_none_or(|r| r.1 != l) {
                runs.push((i, l));
            }
        }
        for (j, &(a, l)) in runs.iter().enumerate() {
            let b = runs.get(j + 1).map_or(text.len(), |r| r.0);
            if j > 0
                && let Some(&(_, opp)) = opps.iter().find(|o| o.0 == a)
            {
                out.push(WordEl::Break(opp, font));
            }
            let inner: Vec<(usize, Opp)> = opps
                .iter()
                .filter(|o| o.0 > a && o.0 < b)
                .map(|&(o, p)| (o - a, p))
                .collect();
            self.part(
                out,
                &text[a..b],
                font,
                &inner,
                link.clone(),
                src.map(|s| s + a),
                l,
            );
        }
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
        level: u8,
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
            level,
        }));
    }
}

fn is_break_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{202F}' | '\u{2007}')
}

/// The resolved UAX #9 levels of a paragraph: where each atom starts in the
/// analysed text, and the level of every byte of it.
struct Levels {
    starts: Vec<usize>,
    levels: Vec<u8>,
}

impl Levels {
    /// Levels of `len` bytes of atom `ai` from byte `at` of its text.
    fn of(&self, ai: usize, at: usize, len: usize) -> &[u8] {
        let s = self.starts[ai] + at;
        &self.levels[s..s + len]
    }
    /// Level of byte `at` of atom `ai`.
    fn at(&self, ai: usize, at: usize) -> u8 {
        self.levels[self.starts[ai] + at]
    }
}

/// True for a character below U+0590 that is not a paragraph separator: no
/// such character is right-to-left, an Arabic number or an explicit
/// embedding, so text made only of them needs no bidi class lookups.
fn plain_ltr(c: char) -> bool {
    (c as u32) < 0x590 && !matches!(c, '\n' | '\r' | '\u{1C}'..='\u{1E}' | '\u{85}')
}

/// Text of an atom as the bidi algorithm sees it: a paragraph separator
/// inside it (there should be none) becomes spaces of the same byte length.
fn push_bidi(out: &mut String, text: &str) {
    for c in text.chars() {
        if matches!(unicode_bidi::bidi_class(c), unicode_bidi::BidiClass::B) {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
}

/// Resolves the embedding levels of a paragraph (rules P2–I2 of UAX #9)
/// with the given paragraph level.
fn bidi_levels(atoms: &[Atom], rtl: bool) -> Levels {
    use unicode_bidi::BidiClass::{AL, AN, FSI, LRE, LRI, LRO, R, RLE, RLI, RLO};
    let mut text = String::new();
    let mut starts = Vec::with_capacity(atoms.len());
    let mut mixed = rtl;
    for a in atoms {
        starts.push(text.len());
        let t = match a {
            Atom::Text { text, .. } | Atom::Linked { text, .. } => text.as_str(),
            Atom::Url { url, .. } => url.as_str(),
            Atom::Cite { n, .. } => {
                // An isolate: the marker is one neutral unit to its neighbours.
                text.push('\u{2066}');
                text.push_str(&n.to_string());
                text.push('\u{2069}');
                continue;
            }
        };
        if t.chars().all(plain_ltr) {
            text.push_str(t);
            continue;
        }
        mixed |= t.chars().any(|c| {
            matches!(
                unicode_bidi::bidi_class(c),
                R | AL | AN | RLE | RLO | RLI | FSI | LRE | LRO | LRI
            )
        });
        push_bidi(&mut text, t);
    }
    // Left-to-right text without explicit embeddings is all level 0.
    let levels = if mixed {
        let para = if rtl {
            unicode_bidi::Level::rtl()
        } else {
            unicode_bidi::Level::ltr()
        };
        let info = unicode_bidi::ParagraphBidiInfo::new(&text, Some(para));
        info.levels.iter().map(|l| l.number()).collect()
    } else {
        vec![0; text.len()]
    };
    Levels { starts, levels }
}

fn tokens(b: &mut Builder, atoms: &[Atom]) -> Vec<Tok> {
    let lv = bidi_levels(atoms, b.set.rtl);
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
                            let levels = lv.of(ai, s, w.len());
                            b.word(&mut cur, w, *font, &opps, None, Some(src + s), levels);
                        }
                        flush(&mut cur, &mut toks);
                        if !matches!(toks.last(), Some(Tok::Space { .. }) | None) {
                            toks.push(Tok::Space {
                                font: *font,
                                breakable: true,
                                level: lv.at(ai, i),
                            });
                        }
                    } else if word_start.is_none() {
                        word_start = Some(i);
                    }
                }
                if let Some(s) = word_start {
                    let w = &text[s..];
                    let opps = b.text_opps(w, *font);
                    let levels = lv.of(ai, s, w.len());
                    b.word(&mut cur, w, *font, &opps, None, Some(src + s), levels);
                }
            }
            Atom::Cite { n, k } => {
                // The isolate's level, as seen from the text around it.
                let level = lv.at(ai, 0);
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
                    b.marker(&mut cur, ",", None, None, level);
                }
                b.marker(
                    &mut cur,
                    &n.to_string(),
                    Some(LinkTarget::Reference(*n)),
                    Some((*n, *k)),
                    level,
                );
            }
            Atom::Url { url, src } => {
                let opps = Builder::url_opps(url);
                b.word(
                    &mut cur,
                    url,
                    FontKind::Regular,
                    &opps,
                    Some(LinkTarget::Uri(url.clone())),
                    Some(*src),
                    lv.of(ai, 0, url.len()),
                );
            }
            Atom::Linked { text, target } => {
                b.word(
                    &mut cur,
                    text,
                    FontKind::Regular,
                    &[],
                    Some(target.clone()),
                    None,
                    lv.of(ai, 0, text.len()),
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
            Tok::Space {
                font,
                breakable,
                level,
            } => {
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
                contents.push(Content::Space {
                    font: *font,
                    level: *level,
                });
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
                                && !pieces.is_empty()
                                && p.marker.is_none()
                                && !p.glyphs.first().is_some_and(|g| g.text.starts_with(' '))
                                && !matches!(els.get(ei.wrapping_sub(1)), Some(WordEl::Break(..)))
                            {
                                push_box(&mut pieces, &mut items, &mut contents);
                                items.push(Item::Penalty {
                                    width: 0.0,
                                    cost: 1000.0,
                                    flagged: false,
                                });
                                contents.push(Content::Nothing);
                            }
                            level = p.level;
                            // (Right-to-left runs keep their glyphs together.)
                            if emergency
                                && p.width > measure * 0.25
                                && p.marker.is_none()
                                && p.level % 2 == 0
                            {
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
                                        level,
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

/// One element of a set line, in logical order.
enum El<'p> {
    Piece(&'p Piece),
    Space { font: FontKind, width: f32 },
    Skip(f32),
}

/// Rule L2 of UAX #9: the visual order of elements with these levels
/// (from the highest level down to the lowest odd one, every maximal run at
/// that level or higher is reversed).
pub fn visual_order(levels: &[u8]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..levels.len()).collect();
    let (Some(&max), Some(min_odd)) = (
        levels.iter().max(),
        levels.iter().filter(|l| *l % 2 == 1).min(),
    ) else {
        return order;
    };
    let mut lvl = max;
    while lvl >= *min_odd {
        let mut i = 0;
        while i < order.len() {
            if levels[order[i]] >= lvl {
                let s = i;
                while i < order.len() && levels[order[i]] >= lvl {
                    i += 1;
                }
                order[s..i].reverse();
            } else {
                i += 1;
            }
        }
        if lvl == 0 {
            break;
        }
        lvl -= 1;
    }
    order
}

fn render(b: &mut Builder, items: &[Item], contents: &[Content], breaks: &[Break]) -> Vec<Line> {
    let size = b.set.size;
    let para_level = u8::from(b.set.rtl);
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
        // The line's elements in logical order, with their levels.
        let mut els: Vec<(El, u8)> = Vec::new();
        // The last glue before the break is not set.
        let end = brk.at;
        for i in start..end {
            match (&items[i], &contents[i]) {
                (Item::Box { .. }, Content::Pieces(ps)) => {
                    els.extend(ps.iter().map(|p| (El::Piece(p), p.level)));
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
        if let (Item::Penalty { .. }, Content::Hyphen(Some(h))) =
            (&items[brk.at], &contents[brk.at])
        {
            els.push((El::Piece(h), h.level));
        }
        line.starts_with_marker = els.iter().find_map(|(e, _)| match e {
            El::Piece(p) => Some(p.marker.is_some()),
            _ => None,
        }) == Some(true);
        // Rule L2: position the elements in visual order.
        let levels: Vec<u8> = els.iter().map(|e| e.1).collect();
        let mut x = 0.0;
        for i in visual_order(&levels) {
            match &els[i].0 {
                El::Piece(p) => {
                    if let Some((n, k)) = p.marker {
                        line.markers.push((x, n, k));
                    }
                    if let Some(t) = &p.link {
                        match line.links.last_mut() {
                            Some(l) if l.target == *t && (l.x1 - x).abs() < 0.01 => {
                                l.x1 = x + p.width
                            }
                            _ => line.links.push(LinkSpan {
                                x0: x,
                                x1: x + p.width,
                                target: t.clone(),
                            }),
                        }
                    }
                    push_run(&mut line, p.font, p.size, p.rise, x, &p.glyphs);
                    x += p.width;
                }
                El::Space { font, width } => {
                    if let Some(gid) = b.fonts.glyph(*font, ' ') {
                        let g = Glyph {
                            gid,
                            text: Arc::from(" "),
                            advance: *width,
                        };
                        push_run(&mut line, *font, size, 0.0, x, &[g]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ltr_characters_need_no_bidi_lookup() {
        use unicode_bidi::BidiClass::*;
        for c in (0..0x600u32).filter_map(char::from_u32) {
            let class = unicode_bidi::bidi_class(c);
            let special = matches!(
                class,
                R | AL | AN | RLE | RLO | RLI | FSI | LRE | LRO | LRI | B
            );
            if plain_ltr(c) {
                assert!(!special, "{c:?} is {class:?}");
            } else if (c as u32) < 0x590 {
                assert_eq!(class, B, "{c:?}");
            }
        }
    }

    #[test]
    fn rule_l2_reverses_runs_from_the_highest_level_down() {
        assert_eq!(visual_order(&[0, 0, 0]), vec![0, 1, 2]);
        // English, two Hebrew words with a space between, English.
        assert_eq!(visual_order(&[0, 1, 1, 1, 0]), vec![0, 3, 2, 1, 4]);
        // A number (level 2) inside a right-to-left run keeps its own order.
        assert_eq!(visual_order(&[0, 1, 2, 2, 1, 0]), vec![0, 4, 2, 3, 1, 5]);
        // A right-to-left paragraph with an English word inside.
        assert_eq!(visual_order(&[1, 1, 2, 1]), vec![3, 2, 1, 0]);
    }

    #[test]
    fn levels_of_mixed_text_and_markers() {
        let atoms = [
            Atom::Text {
                text: "a שלום b".into(),
                font: FontKind::Regular,
                src: 0,
            },
            Atom::Cite { n: 12, k: 1 },
        ];
        let lv = bidi_levels(&atoms, false);
        assert_eq!(lv.at(0, 0), 0);
        assert_eq!(lv.at(0, 2), 1);
        assert_eq!(lv.at(0, 1), 0, "space between L and R: paragraph level");
        // The marker is an isolate after an L: level 0 from outside.
        assert_eq!(lv.at(1, 0), 0);
        assert!(rtl_language("he") && rtl_language("ar-EG") && !rtl_language("en"));
    }
}
