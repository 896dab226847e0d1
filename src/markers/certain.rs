//! Markers written with certainty (FORMAT.md §4 rule 5): "Markers written
//! in brackets (`Party[1].`, `[1][2]`, `[1, 2]`, `[4]:`, as a Wikipedia page
//! pastes), with a caret (`^2`, as text browsers write superscripts) or as
//! Unicode superscript digits (`²`, `¹⁵`) are markers with certainty: they
//! take part in rules 1–3, and the brackets and carets are not text. A
//! superscript digit that is not a marker (`km²`, `m³`, `E = mc²`) stays
//! text: units and formulas."
//!
//! Each function here reads one written marker at a byte offset and says
//! where it stands, what number it carries and how plausible it is; the
//! solver then treats it like any other candidate.

use super::lexicon;
use crate::ast::MarkerStyle;

/// One marker read at a position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrittenMarker {
    /// Byte range of the marker with its caret, brackets or separator.
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// The number it carries.
    pub n: u32,
    /// How plausible it is (log-odds against text).
    pub score: f32,
    /// A later number of one bracket (`[1, 2]`): only with the one before.
    pub needs_prev_marker: bool,
    /// How it was written: `Caret`, `Superscript` or `Bracket`.
    pub written: MarkerStyle,
}

/// Score of a marker written with certainty.
pub const CERTAIN: f32 = 12.0;
/// Score of a bracketed number after a space (`text [3]`): still a marker.
const BRACKET_AFTER_SPACE: f32 = 6.0;
/// Score of a superscript that reads as an exponent or unit (`km²`, `mc²`).
const EXPONENT: f32 = -6.0;
/// A superscript after a digit: an exponent (`10²`) or a marker after a
/// number (`250 000³`); the counts and the order decide.
const AFTER_DIGIT: f32 = 1.0;

/// Units that take an exponent (`km²`, `m³`, `ft²`).
const UNITS: &[&str] = &[
    "m", "km", "cm", "mm", "dm", "µm", "nm", "ft", "yd", "mi", "in", "sq", "s", "ha",
];

/// The value of a superscript digit.
fn superscript_digit(c: char) -> Option<u32> {
    match c {
        '⁰' => Some(0),
        '¹' => Some(1),
        '²' => Some(2),
        '³' => Some(3),
        '⁴'..='⁹' => Some(c as u32 - '⁴' as u32 + 4),
        _ => None,
    }
}

/// Is `c` a superscript digit?
pub fn is_superscript_digit(c: char) -> bool {
    superscript_digit(c).is_some()
}

/// A number of 1 to 9 digits without a leading zero, within `limit`.
fn value(digits: impl Iterator<Item = u32>, limit: u32) -> Option<u32> {
    let mut n: u64 = 0;
    for (i, d) in digits.enumerate() {
        if (i == 0 && d == 0) || i >= 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    u32::try_from(n).ok().filter(|&n| n >= 1 && n <= limit)
}

/// How plausible an exponent-shaped marker (caret or superscript) is,
/// from what stands before it: "units and formulas" stay text.
fn exponent_score(text: &str, start: usize, n: u32) -> f32 {
    let before = &text[..start];
    let Some(p) = before.chars().next_back() else {
        return CERTAIN;
    };
    if p.is_ascii_digit() {
        return AFTER_DIGIT;
    }
    let stem: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let lower = stem.to_lowercase();
    let short = stem.chars().count() <= 2 && !lexicon::is_short_word(&lower);
    if n <= 3 && (UNITS.contains(&lower.as_str()) || (short && !stem.is_empty())) {
        EXPONENT
    } else {
        CERTAIN
    }
}

/// `caret_marker = "^" " "? digit+`, not opening the text — a text
/// browser's superscript; the space is a line the browser wrapped between
/// the caret and its number (`removal.^` / `5`).
pub fn caret(text: &str, at: usize, limit: u32) -> Option<WrittenMarker> {
    let rest = text.get(at..)?.strip_prefix('^')?;
    // After a space too: an author who typed a space before the note
    // (`pages.” ^2`); the caret still says superscript.
    text[..at].chars().next_back()?;
    let digits_at = usize::from(rest.starts_with(' '));
    let digits = &rest[digits_at..];
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 {
        return None;
    }
    let end = at + 1 + digits_at + len;
    if text[end..].starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    let n = value(digits[..len].bytes().map(|b| u32::from(b - b'0')), limit)?;
    Some(WrittenMarker {
        start: at,
        end,
        n,
        score: exponent_score(text, at, n),
        needs_prev_marker: false,
        written: MarkerStyle::Caret,
    })
}

/// `superscript_marker = superscript_digit+` — `²`, `¹⁵`.
pub fn superscript(text: &str, at: usize, limit: u32) -> Option<WrittenMarker> {
    let rest = text.get(at..)?;
    let len: usize = rest
        .chars()
        .take_while(|&c| is_superscript_digit(c))
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let n = value(rest[..len].chars().filter_map(superscript_digit), limit)?;
    Some(WrittenMarker {
        start: at,
        end: at + len,
        n,
        score: exponent_score(text, at, n),
        needs_prev_marker: false,
        written: MarkerStyle::Superscript,
    })
}

/// `bracket_marker = "[" number ((", " | ",") number)* "]"` — `[1]`,
/// `[1, 2]`. Each number is one marker; the first holds the opening
/// bracket, each later one its separator, the last the closing bracket.
pub fn bracket(text: &str, at: usize, limit: u32) -> Vec<WrittenMarker> {
    let mut out = Vec::new();
    let Some(rest) = text.get(at..).and_then(|r| r.strip_prefix('[')) else {
        return out;
    };
    // The numbers and where each ends, up to the closing bracket.
    let mut pos = 0;
    let mut numbers = Vec::new();
    loop {
        let len = rest[pos..].bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 || len > 9 {
            return out;
        }
        numbers.push((pos, pos + len));
        pos += len;
        if rest[pos..].starts_with(']') {
            break;
        }
        let sep = if rest[pos..].starts_with(", ") {
            2
        } else if rest[pos..].starts_with(',') {
            1
        } else {
            return out;
        };
        pos += sep;
    }
    let close = at + 1 + pos + 1;
    let before = text[..at].chars().next_back();
    let score = match before {
        None => return out, // `[1] Smith …` opening a block is a label
        Some(c) if c.is_whitespace() => BRACKET_AFTER_SPACE,
        Some(_) => CERTAIN,
    };
    let mut prev_end = at;
    for (k, &(a, b)) in numbers.iter().enumerate() {
        let digits = &rest[a..b];
        let Some(n) = value(digits.bytes().map(|d| u32::from(d - b'0')), limit) else {
            return Vec::new();
        };
        let end = if k + 1 == numbers.len() {
            close
        } else {
            at + 1 + b
        };
        out.push(WrittenMarker {
            start: prev_end,
            end,
            n,
            score,
            needs_prev_marker: k > 0,
            written: MarkerStyle::Bracket,
        });
        prev_end = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets() {
        let t = "the tribes.^2 And removal.^ 5 then";
        let a = caret(t, t.find('^').unwrap(), 10).unwrap();
        assert_eq!((a.n, &t[a.start..a.end]), (2, "^2"));
        assert_eq!(a.score, CERTAIN);
        let at = t.rfind('^').unwrap();
        assert_eq!(caret(t, at, 10).unwrap().n, 5);
        assert_eq!(caret("pages.” ^2", 10, 10).unwrap().n, 2);
        assert!(caret("^2 opens", 0, 10).is_none());
        assert!(caret("area 3 km^2 wide", 9, 10).unwrap().score < 0.0);
    }

    #[test]
    fn superscripts() {
        let t = "tribes.¹⁵ and";
        let s = superscript(t, t.find('¹').unwrap(), 20).unwrap();
        assert_eq!(s.n, 15);
        assert_eq!(&t[s.start..s.end], "¹⁵");
        for unit in ["40 m³", "12 km²", "E = mc²"] {
            let at = unit.char_indices().last().unwrap().0;
            assert!(superscript(unit, at, 20).unwrap().score < 0.0, "{unit}");
        }
        assert!(
            superscript("the vote.² Then", 9, 1).is_none(),
            "over the limit"
        );
    }

    #[test]
    fn brackets() {
        let t = "the Party[1]. and [2, 3] then[4][5]";
        let one = bracket(t, t.find("[1]").unwrap(), 9);
        assert_eq!(one.len(), 1);
        assert_eq!(&t[one[0].start..one[0].end], "[1]");
        let two = bracket(t, t.find("[2").unwrap(), 9);
        assert_eq!(two.len(), 2);
        assert_eq!(&t[two[0].start..two[0].end], "[2");
        assert_eq!(&t[two[1].start..two[1].end], ", 3]");
        assert!(two[1].needs_prev_marker);
        assert!(bracket("[1] Smith", 0, 9).is_empty());
        assert!(bracket("a [sic] b", 2, 9).is_empty());
        assert!(bracket("a[1990]", 1, 9).is_empty());
    }
}
