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

mod bidi;
mod items;
mod render;
mod tokens;

pub use bidi::visual_order;
use bidi::*;
use items::*;
use render::*;
use tokens::*;

use super::fonts::{FontKind, Fonts, Shaped, ShapedGlyph, Variant};
use super::linebreak::{Break, Item, Params, break_lines};
use super::{Cluster, Glyph, Line, LinkSpan, LinkTarget, MissingGlyph, Run};
use crate::ast::SharedStr;
use std::borrow::Cow;
use std::sync::Arc;

/// Inline content of a paragraph, already in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// Text in a face; `src` is the byte offset of its first character in
    /// the input (for diagnostics).
    Text {
        /// The characters (shared with the document's text node, and so
        /// with the source: a paragraph noted for setting held a copy of
        /// its text, a one-paragraph article's 8 MB).
        text: SharedStr,
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
        /// The URL (shared with the document's link).
        url: SharedStr,
        /// Where it starts in the input.
        src: usize,
    },
    /// A back-link: text with a link to occurrence `k` of the marker of
    /// reference `n` ([`LinkTarget::Cite`]).
    Linked {
        /// The characters (a back-link's letter: a piece of one buffer
        /// for all of its entry's).
        text: SharedStr,
        /// The reference.
        n: u32,
        /// The occurrence of its marker.
        k: u32,
    },
}

// 32 bytes, where a back-link's `String` and `LinkTarget` made every atom
// 64: a one-paragraph article's atoms (two for each marker) took 8.8 MB
// of its PDF's peak.
const _: () = assert!(std::mem::size_of::<Atom>() <= 32);

impl Atom {
    /// Bytes of text it stands for (a marker counts as a few).
    pub fn text_len(&self) -> usize {
        match self {
            Atom::Text { text, .. } => text.len(),
            Atom::Linked { text, .. } => text.len(),
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
    /// The shaped text its glyphs `from..to` come from.
    shaped: Arc<Shaped>,
    from: usize,
    to: usize,
    width: f32,
    link: Option<LinkTarget>,
    marker: Option<(u32, u32)>,
    /// Resolved bidi level (odd: right to left, glyphs already in visual order).
    level: u8,
}

/// A box's share of a word: one of its pieces, or one glyph of a piece
/// (the last resort's break after every glyph of a piece too wide for any
/// line). Borrowed from the word, so a pass copies no glyphs.
#[derive(Debug, Clone, Copy)]
struct Part<'t> {
    piece: &'t Piece,
    glyph: Option<usize>,
}

impl Piece {
    /// Its shaped glyphs.
    fn shaped_glyphs(&self) -> &[ShapedGlyph] {
        &self.shaped.glyphs[self.from..self.to]
    }

    /// Its glyph `i` (counted from `from`) as drawn at its size.
    fn glyph(&self, i: usize) -> Glyph {
        let g = &self.shaped.glyphs[self.from + i];
        Glyph {
            gid: g.gid,
            text: g.text,
            advance: g.advance * self.size,
        }
    }
}

impl<'t> Part<'t> {
    /// The range of the piece's glyphs it draws.
    fn glyphs(&self) -> std::ops::Range<usize> {
        match self.glyph {
            Some(i) => i..i + 1,
            None => 0..self.piece.to - self.piece.from,
        }
    }

    /// Its width in points.
    fn width(&self) -> f32 {
        match self.glyph {
            Some(i) => self.piece.shaped_glyphs()[i].advance * self.piece.size,
            None => self.piece.width,
        }
    }
}

/// What an item draws.
#[derive(Debug, Clone)]
enum Content {
    /// A box: the parts `start..end` of the pass's part list.
    Parts(std::ops::Range<usize>),
    Space {
        font: FontKind,
        level: u8,
    },
    /// A hyphenation point: the face and bidi level of the hyphen it adds
    /// when the line ends there (shaped then, see [`hyphen_piece`]).
    Hyphen(Option<(FontKind, u8)>),
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
    /// A word: a range of the paragraph's word elements.
    Word(std::ops::Range<usize>),
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

/// True when `text` is ASCII letters and digits alone: UAX #14 allows no
/// break inside it (LB28 AL × AL, LB23 AL × NU and NU × AL, LB25 NU × NU).
fn letters_and_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The hyphen a line broken at a hyphenation point ends with, in `font`
/// at the paragraph's size.
fn hyphen_piece(fonts: &Fonts, font: FontKind, size: f32, level: u8) -> Piece {
    let h = fonts.shaped_hyphen(font);
    let width = glyphs_width(&h, size, 0, h.glyphs.len());
    Piece {
        font,
        size,
        rise: 0.0,
        to: h.glyphs.len(),
        shaped: h,
        from: 0,
        width,
        link: None,
        marker: None,
        level,
    }
}

/// The width of glyphs `from..to` of `shaped` at `size`: their advances
/// at that size, summed in order.
fn glyphs_width(shaped: &Shaped, size: f32, from: usize, to: usize) -> f32 {
    let mut w = 0.0;
    for g in &shaped.glyphs[from..to] {
        w += g.advance * size;
    }
    w
}

/// A word's text and what goes with it into the line.
struct WordText<'t> {
    text: &'t str,
    font: FontKind,
    /// Allowed break offsets inside `text` (bytes) and their kind.
    opps: &'t [(usize, Opp)],
    link: Option<LinkTarget>,
    /// Where `text` starts in the input, for missing-glyph warnings.
    src: Option<usize>,
}

impl Builder<'_, '_> {
    /// Shapes the word's text (one bidi level) and cuts it at the allowed
    /// byte offsets in `opps`.
    fn part(&mut self, out: &mut Vec<WordEl>, word: WordText<'_>, level: u8) {
        let WordText {
            text,
            font,
            opps,
            link,
            src,
        } = word;
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
        // Glyphs `from..to` of the shaped text as one piece of the word.
        let piece = |from: usize, to: usize, link: Option<LinkTarget>| {
            let width = glyphs_width(&shaped, size, from, to);
            WordEl::Piece(Piece {
                font,
                size,
                rise: 0.0,
                shaped: shaped.clone(),
                from,
                to,
                width,
                link,
                marker: None,
                level,
            })
        };
        let mut start = 0;
        // Right-to-left runs are not broken (their glyphs are in visual order).
        let opps = if shaped.rtl { &[][..] } else { opps };
        for &(at, opp) in opps {
            // Only at a glyph boundary (never inside a ligature).
            let Some(gi) = shaped.glyphs.iter().position(|g| g.cluster as usize == at) else {
                continue;
            };
            if gi == start || shaped.glyphs[gi - 1].cluster as usize >= at {
                continue;
            }
            out.push(piece(start, gi, link.clone()));
            out.push(WordEl::Break(opp, font));
            start = gi;
        }
        out.push(piece(start, shaped.glyphs.len(), link));
    }

    /// Sets a word (no breaking spaces inside) whose bytes have the bidi
    /// `levels`: one [`Self::part`] per run of one level, each shaped in its
    /// direction; a break opportunity on a run boundary is kept.
    fn word(&mut self, out: &mut Vec<WordEl>, word: WordText<'_>, levels: &[u8]) {
        let text = word.text;
        let level_at = |i: usize| levels.get(i).copied().unwrap_or(0);
        // Most words are one run: their opportunities are all inside it.
        let first = level_at(0);
        if text.char_indices().all(|(i, _)| level_at(i) == first) {
            self.part(out, word, first);
            return;
        }
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
                && let Some(&(_, opp)) = word.opps.iter().find(|o| o.0 == a)
            {
                out.push(WordEl::Break(opp, word.font));
            }
            let inner: Vec<(usize, Opp)> = word
                .opps
                .iter()
                .filter(|o| o.0 > a && o.0 < b)
                .map(|&(o, p)| (o - a, p))
                .collect();
            let part = WordText {
                text: &text[a..b],
                font: word.font,
                opps: &inner,
                link: word.link.clone(),
                src: word.src.map(|s| s + a),
            };
            self.part(out, part, l);
        }
    }

    /// A word of running text: its break opportunities found here.
    fn text_word(
        &mut self,
        out: &mut Vec<WordEl>,
        text: &str,
        font: FontKind,
        src: usize,
        levels: &[u8],
    ) {
        let opps = self.text_opps(text, font);
        let word = WordText {
            text,
            font,
            opps: &opps,
            link: None,
            src: Some(src),
        };
        self.word(out, word, levels);
    }

    fn text_opps(&mut self, text: &str, font: FontKind) -> Vec<(usize, Opp)> {
        let mut opps: Vec<(usize, Opp)> = Vec::new();
        let inner_breaks = if letters_and_digits(text) {
            // Most words are such: the rules are not run for them.
            None
        } else {
            Some(unicode_linebreak::linebreaks(text))
        };
        for (at, _) in inner_breaks.into_iter().flatten() {
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
            let mut chars = text.char_indices().peekable();
            while let Some((start, c)) = chars.next() {
                if !c.is_alphabetic() {
                    continue;
                }
                let mut count = 1;
                let mut end = text.len();
                while let Some(&(at, c)) = chars.peek() {
                    if !c.is_alphabetic() {
                        end = at;
                        break;
                    }
                    count += 1;
                    chars.next();
                }
                let word = &text[start..end];
                let all_caps = word.chars().all(|c| !c.is_lowercase());
                if count >= self.set.min_word.max(4) && !all_caps {
                    crate::ast::with_lowercase(word, |lower| {
                        if lower.len() == word.len() {
                            for &at in self.fonts.hyphenation_points(lower, lang) {
                                opps.push((start + at as usize, Opp::Hyphen));
                            }
                        }
                    });
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
        let width = glyphs_width(&shaped, msize, 0, shaped.glyphs.len());
        // A hair of space before a marker that follows a letter.
        out.push(WordEl::Piece(Piece {
            font,
            size: msize,
            rise,
            to: shaped.glyphs.len(),
            shaped,
            from: 0,
            width,
            link: target,
            marker,
            level,
        }));
    }
}

/// The text of a paragraph's window: a paragraph with more is set a window
/// at a time ([`set_paragraph`]).
const WINDOW_TEXT: usize = 64 * 1024;

/// Sets a paragraph into lines. Characters the fonts lack are added to
/// `missing`.
///
/// A paragraph of more than [`WINDOW_TEXT`] bytes of text (some 10,000
/// words; an article flattened into one line is one) is set a window of
/// about that much text at a time, each window cut at a space (or, in a
/// group of back-links, between two of them: a reference cited more than
/// some 15,000 times) and its lines chosen by Knuth–Plass on their own,
/// the last one justified like the others (only the paragraph's last
/// line is not). Set whole, such a paragraph's words, breakpoints and
/// lines took some 100 bytes of memory per byte of its text (a 3 MB
/// paragraph 300 MB; the seed ×6,920's entries cited 41,520 times, 18 MB).
pub fn set_paragraph(
    fonts: &mut Fonts,
    set: &Setting,
    atoms: &[Atom],
    missing: &mut Vec<MissingGlyph>,
) -> Vec<Line> {
    set_in_windows(fonts, set, atoms, missing, WINDOW_TEXT)
}

/// [`set_paragraph`], its lines given to `take` a window at a time (all
/// at once for a paragraph within one window), so that the caller need
/// not hold a long paragraph's lines all at once; its atoms are taken, a
/// long paragraph's text moved into its windows and freed with each.
pub fn set_paragraph_by_windows(
    fonts: &mut Fonts,
    set: &Setting,
    atoms: Vec<Atom>,
    missing: &mut Vec<MissingGlyph>,
    take: &mut dyn FnMut(Vec<Line>),
) {
    set_windows(fonts, set, Cow::Owned(atoms), missing, WINDOW_TEXT, take);
}

/// [`set_paragraph`] with windows of `window` bytes of text.
pub(super) fn set_in_windows(
    fonts: &mut Fonts,
    set: &Setting,
    atoms: &[Atom],
    missing: &mut Vec<MissingGlyph>,
    window: usize,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let atoms = Cow::Borrowed(atoms);
    set_windows(fonts, set, atoms, missing, window, &mut |mut set| {
        if lines.is_empty() {
            lines = set;
        } else {
            lines.append(&mut set);
        }
    });
    lines
}

/// Sets the paragraph a window of `window` bytes of text at a time, each
/// window's lines given to `take`.
fn set_windows(
    fonts: &mut Fonts,
    set: &Setting,
    atoms: Cow<'_, [Atom]>,
    missing: &mut Vec<MissingGlyph>,
    window: usize,
    take: &mut dyn FnMut(Vec<Line>),
) {
    // A paragraph within a window, or with nowhere to end its first one
    // (one word longer than a window), is set whole where it is: its atoms moved into a window of their own would
    // take their room twice while it is set.
    if !first_window_ends(&atoms, window) {
        take(set_window(fonts, set, &atoms, missing, true));
        return;
    }
    let mut windows = Windows {
        atoms: atoms.into_owned().into_iter(),
        rest: None,
        window,
    };
    let mut first = true;
    while let Some((atoms, last)) = windows.next_window() {
        // Only the paragraph's first line is indented.
        let later;
        let set = if first {
            set
        } else {
            later = Setting {
                indent: 0.0,
                ..set.clone()
            };
            &later
        };
        take(set_window(fonts, set, &atoms, missing, last));
        first = false;
    }
}

/// Whether the first window of `atoms` ends before the paragraph does
/// ([`Windows::next_window`]).
fn first_window_ends(atoms: &[Atom], window: usize) -> bool {
    let mut held = 0;
    for (i, atom) in atoms.iter().enumerate() {
        if let Atom::Text { text, .. } = atom
            && (window_end(text, held, window).is_some()
                || (held >= window && links_apart(text, i.checked_sub(1).map(|j| &atoms[j]))))
        {
            return true;
        }
        held += atom.text_len();
    }
    false
}

/// Whether `text`, after `before`, is the no-break space between two
/// back-links of a group (where a window may end once it is full: a
/// reference cited thousands of times has no other place).
fn links_apart(text: &str, before: Option<&Atom>) -> bool {
    matches!(before, Some(Atom::Linked { .. }))
        && !text.is_empty()
        && text.chars().all(|c| c == '\u{A0}')
}

/// A long paragraph's atoms, moved into its windows a window at a time
/// ([`set_windows`]).
struct Windows {
    atoms: std::vec::IntoIter<Atom>,
    /// The rest of the text atom the last window ended in.
    rest: Option<Atom>,
    window: usize,
}

impl Windows {
    /// The atoms of the next window (the text atom it ends in cut), and
    /// whether it is the paragraph's last.
    ///
    /// A window takes atoms until it holds `window` bytes of text, then
    /// ends at the first space of a text atom after that with text after
    /// it in the atom, and not between two digits (`250 000` stays
    /// together); a citation marker thus stays with the word before it.
    /// In a group of back-links joined by no-break spaces it ends at the
    /// first of those spaces after a back-link, which is dropped, as the
    /// spaces at a window's end are.
    fn next_window(&mut self) -> Option<(Vec<Atom>, bool)> {
        let mut out: Vec<Atom> = Vec::new();
        let mut held = 0;
        while let Some(atom) = self.rest.take().or_else(|| self.atoms.next()) {
            let Atom::Text { text, font, src } = atom else {
                held += atom.text_len();
                out.push(atom);
                continue;
            };
            if held >= self.window && links_apart(&text, out.last()) {
                return Some((out, false));
            }
            if let Some((end, next)) = window_end(&text, held, self.window) {
                self.rest = Some(Atom::Text {
                    text: text.piece(next..text.len()),
                    font,
                    src: src + next,
                });
                out.push(Atom::Text {
                    text: text.piece(0..end),
                    font,
                    src,
                });
                return Some((out, false));
            }
            held += text.len();
            out.push(Atom::Text { text, font, src });
        }
        (!out.is_empty()).then_some((out, true))
    }
}

/// Where a window of `window` bytes that holds `held` before the text
/// atom `text` ends in it ([`window_cut`]), if it does.
fn window_end(text: &str, held: usize, window: usize) -> Option<(usize, usize)> {
    (held + text.len() > window)
        .then(|| window_cut(text, window.saturating_sub(held)))
        .flatten()
}

/// Where a window ends in `text`, from `need` bytes on: the end of the
/// text before the cut, and the start of the text after it (the spaces
/// between dropped). `None` when no space there has text after it, or all
/// are between two digits, or there is no text before it.
pub(super) fn window_cut(text: &str, need: usize) -> Option<(usize, usize)> {
    let mut i = need.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    loop {
        let (at, c) = text[i..]
            .char_indices()
            .map(|(j, c)| (i + j, c))
            .find(|&(_, c)| tokens::is_break_space(c))?;
        let next = text[at..]
            .char_indices()
            .find(|&(_, c)| !tokens::is_break_space(c))
            .map(|(j, _)| at + j)?;
        let before = text[..at].chars().next_back();
        let after = text[next..].chars().next();
        let digits =
            before.is_some_and(|c| c.is_ascii_digit()) && after.is_some_and(|c| c.is_ascii_digit());
        if !digits && text[..at].chars().any(|c| !tokens::is_break_space(c)) {
            return Some((at, next));
        }
        i = at + c.len_utf8();
    }
}

/// Sets the paragraph, or a window of it (`end`: the paragraph's last).
fn set_window(
    fonts: &mut Fonts,
    set: &Setting,
    atoms: &[Atom],
    missing: &mut Vec<MissingGlyph>,
    end: bool,
) -> Vec<Line> {
    let mut b = Builder {
        fonts,
        set,
        missing,
    };
    let (toks, words) = tokens(&mut b, atoms);
    if toks.is_empty() {
        return Vec::new();
    }
    let measure = set.measure;
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
        let (its, contents, parts) = items(&mut b, &toks, &words, hyph, emergency, end);
        if let Some(breaks) = break_lines(&its, measure, &params) {
            return render(&mut b, &its, &contents, &parts, &breaks);
        }
    }
    unreachable!("the emergency pass always finds breaks")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ltr_characters_need_no_bidi_lookup() {
        use unicode_bidi::BidiClass::*;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
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

    /// The breaks UAX #14 allows inside `text` (not at its start or end).
    fn inner_breaks(text: &str) -> Vec<usize> {
        unicode_linebreak::linebreaks(text)
            .map(|(at, _)| at)
            .filter(|&at| at > 0 && at < text.len())
            .collect()
    }

    #[test]
    fn letters_and_digits_have_no_break_inside() {
        // Every pair of them: the rules that decide between ASCII letters
        // and digits (LB23, LB25, LB28) look at two characters, so the
        // pairs are every case a longer word meets.
        let alnum: Vec<char> = ('0'..='9').chain('a'..='z').chain('A'..='Z').collect();
        for &a in &alnum {
            for &b in &alnum {
                let pair = format!("{a}{b}");
                assert!(letters_and_digits(&pair));
                assert_eq!(inner_breaks(&pair), Vec::<usize>::new(), "{pair}");
            }
        }
        // Not letters and digits alone (but the empty word, which has
        // nothing inside): a break may come inside.
        for word in ["long-term", "a/b", "1.", "café", "中文", "x y", "", "(a)"] {
            assert_eq!(letters_and_digits(word), word.is_empty(), "{word}");
        }
    }

    proptest::proptest! {
        /// A word the rules of UAX #14 are not run for has no break inside:
        /// words of runs of ASCII letters and digits between dashes,
        /// slashes, stops, brackets, accented letters, ideographs and
        /// spaces, each checked against the rules.
        #[test]
        fn words_not_run_through_uax14_have_no_break_inside(
            pieces in proptest::collection::vec(
                proptest::prop_oneof!["[a-zA-Z0-9]{1,3}", "[\\-/.,()é中 ]"],
                1..6,
            )
        ) {
            let word = pieces.concat();
            if letters_and_digits(&word) {
                proptest::prop_assert_eq!(inner_breaks(&word), Vec::<usize>::new());
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
