//! Mixed directions (UAX #9): the paragraph's embedding levels, resolved on
//! its logical text, and the visual order of a line's elements (rule L2).

use super::*;

/// The resolved UAX #9 levels of a paragraph: where each atom starts in the
/// analysed text, and the level of every byte of it.
pub(super) struct Levels {
    pub(super) starts: Vec<usize>,
    pub(super) levels: Vec<u8>,
}

impl Levels {
    /// Levels of `len` bytes of atom `ai` from byte `at` of its text.
    pub(super) fn of(&self, ai: usize, at: usize, len: usize) -> &[u8] {
        let s = self.starts[ai] + at;
        &self.levels[s..s + len]
    }
    /// Level of byte `at` of atom `ai`.
    pub(super) fn at(&self, ai: usize, at: usize) -> u8 {
        self.levels[self.starts[ai] + at]
    }
}

/// True for a character that is neither right-to-left, an Arabic number,
/// an explicit embedding, override or isolate, nor a paragraph separator:
/// text made only of them is all at level 0 in a left-to-right paragraph,
/// and needs no bidi class lookups. Below U+0590 (Latin, Greek, Cyrillic),
/// and the ranges of Latin Extended Additional to the CJK and Hangul blocks
/// where the Unicode data has no such character, minus the marks, embeddings
/// and separators among the general punctuation (U+200E–U+200F,
/// U+2028–U+202E, U+2066–U+2069): the typographic quotes, dashes and
/// ellipses of Latin-script text are in this set.
pub(super) fn plain_ltr(c: char) -> bool {
    let u = c as u32;
    if u < 0x590 {
        return !matches!(c, '\n' | '\r' | '\u{1C}'..='\u{1E}' | '\u{85}');
    }
    matches!(u, 0x1E00..=0x200D | 0x2010..=0x2027 | 0x202F..=0x2065 | 0x206A..=0xD7FF)
}

/// Resolves the embedding levels of a paragraph (rules P2–I2 of UAX #9)
/// with the given paragraph level.
pub(super) fn bidi_levels(atoms: &[Atom], rtl: bool) -> Levels {
    use unicode_bidi::BidiClass::{AL, AN, B, FSI, LRE, LRI, LRO, R, RLE, RLI, RLO};
    let mut text = String::new();
    let mut starts = Vec::with_capacity(atoms.len());
    let mut mixed = rtl;
    for a in atoms {
        starts.push(text.len());
        let t = match a {
            Atom::Text { text, .. } => text.as_str(),
            Atom::Linked { text, .. } => text,
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
        // A paragraph separator inside an atom (there should be none)
        // becomes spaces of the same byte length.
        for c in t.chars() {
            if plain_ltr(c) {
                text.push(c);
                continue;
            }
            match unicode_bidi::bidi_class(c) {
                B => text.extend(std::iter::repeat_n(' ', c.len_utf8())),
                class => {
                    mixed |= matches!(class, R | AL | AN | RLE | RLO | RLI | FSI | LRE | LRO | LRI);
                    text.push(c);
                }
            }
        }
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
