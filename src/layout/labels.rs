//! Short text set on one line, outside the paragraph setter: list labels,
//! reference numbers, page numbers, running heads, back-link letters.

use super::*;

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
    sized(&fonts.shape(kind, Variant::Text, text), size)
}

/// [`sized_glyphs`], shaped without the cache of shaped words
/// ([`Fonts::shape_uncached`]): for a page's number, which no other page
/// has.
pub(super) fn sized_glyphs_uncached(
    fonts: &mut Fonts,
    kind: FontKind,
    text: &str,
    size: f32,
) -> Vec<Glyph> {
    sized(&fonts.shape_uncached(kind, Variant::Text, text), size)
}

/// `shaped`'s glyphs at `size` points.
fn sized(shaped: &fonts::Shaped, size: f32) -> Vec<Glyph> {
    shaped
        .glyphs
        .iter()
        .map(|g| Glyph {
            gid: g.gid,
            text: g.text,
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
