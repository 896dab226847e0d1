//! Page content streams, written directly from the layout.
//!
//! The operators a page needs are few and fixed (text objects with `Tf`,
//! `Tm` and `TJ`; lines for rules and frames), so this module writes them
//! straight into the stream's bytes. The glyph codes and the fonts'
//! resource names come from the adapter that has the fonts embedded (the
//! PDF module's `printpdf_adapter`, which explains why the streams are not
//! written through the generator), so the content and the fonts cannot
//! disagree.

use crate::layout::fonts::FontKind;
use crate::layout::{Layout, Page};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::sync::Arc;

/// For each face, each glyph id the layout uses, with the text of its first use.
pub type GlyphInventory = BTreeMap<FontKind, BTreeMap<u16, Arc<str>>>;

/// For each face, the Identity-H code of each glyph id of the layout.
pub type GlyphCodes = BTreeMap<FontKind, FxHashMap<u16, u16>>;

/// Every glyph of `lay`, by face.
pub fn inventory(lay: &Layout) -> GlyphInventory {
    let mut used = GlyphInventory::new();
    for page in &lay.pages {
        for l in &page.lines {
            for r in &l.line.runs {
                let glyphs = used.entry(r.font).or_default();
                for g in &r.glyphs {
                    glyphs.entry(g.gid).or_insert_with(|| g.text.clone());
                }
            }
        }
    }
    used
}

/// What a page's content needs besides the page: the codes, the resource
/// name of each face, the page height (PDF's y axis points up), and the TJ
/// offset that turns each glyph's own width into its laid-out advance.
pub struct ContentWriter<'a> {
    /// Codes of the glyphs.
    pub codes: &'a GlyphCodes,
    /// Resource names of the faces.
    pub names: &'a BTreeMap<FontKind, String>,
    /// Page height in points.
    pub height: f32,
    /// A glyph's width in the embedded font, in 1/1000 em.
    pub width: &'a dyn Fn(FontKind, u16) -> f32,
}

impl ContentWriter<'_> {
    /// The content stream of `page` (uncompressed).
    pub fn page(&self, page: &Page) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + page.lines.len() * 600);
        out.extend_from_slice(b"0 g\n");
        for l in &page.lines {
            out.extend_from_slice(b"BT\n");
            for r in &l.line.runs {
                let codes = &self.codes[&r.font];
                out.push(b'/');
                out.extend_from_slice(self.names[&r.font].as_bytes());
                out.push(b' ');
                number(&mut out, r.size);
                out.extend_from_slice(b" Tf\n1 0 0 1 ");
                number(&mut out, l.x + r.x);
                out.push(b' ');
                number(&mut out, self.height - l.baseline + r.rise);
                out.extend_from_slice(b" Tm\n[");
                for g in &r.glyphs {
                    hex_code(&mut out, codes.get(&g.gid).copied().unwrap_or(0));
                    // TJ offsets move the pen left by offset/1000 em.
                    let off = (self.width)(r.font, g.gid) - g.advance * 1000.0 / r.size;
                    let off = (off * 100.0).round() / 100.0;
                    if off != 0.0 {
                        number(&mut out, off);
                    }
                }
                out.extend_from_slice(b"] TJ\n");
            }
            out.extend_from_slice(b"ET\n");
        }
        if !page.rules.is_empty() || !page.frames.is_empty() {
            out.extend_from_slice(b"q\n0 G\n");
            let h = self.height;
            for r in &page.rules {
                self.stroke(
                    &mut out,
                    r.width,
                    &[(r.x0, h - r.y), (r.x1, h - r.y)],
                    false,
                );
            }
            for f in &page.frames {
                let [x0, t, x1, b] = f.rect;
                let corners = [(x0, h - t), (x1, h - t), (x1, h - b), (x0, h - b)];
                self.stroke(&mut out, f.width, &corners, true);
            }
            out.extend_from_slice(b"Q\n");
        }
        out
    }

    fn stroke(&self, out: &mut Vec<u8>, width: f32, points: &[(f32, f32)], closed: bool) {
        number(out, width);
        out.extend_from_slice(b" w\n");
        for (i, &(x, y)) in points.iter().enumerate() {
            number(out, x);
            out.push(b' ');
            number(out, y);
            out.extend_from_slice(if i == 0 { b" m\n" } else { b" l\n" });
        }
        out.extend_from_slice(if closed { b"h S\n" } else { b"S\n" });
    }
}

/// A glyph code as a two-byte hexadecimal string.
fn hex_code(out: &mut Vec<u8>, code: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'<');
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((code >> shift) & 0xf) as usize]);
    }
    out.push(b'>');
}

/// A number rounded to 1/1000, without trailing zeros ("12", "-3.5", "0.125").
fn number(out: &mut Vec<u8>, v: f32) {
    let milli = (v as f64 * 1000.0).round() as i64;
    if milli < 0 {
        out.push(b'-');
    }
    let milli = milli.unsigned_abs();
    let (int, mut frac) = (milli / 1000, milli % 1000);
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut i = int;
    loop {
        digits[n] = b'0' + (i % 10) as u8;
        n += 1;
        i /= 10;
        if i == 0 {
            break;
        }
    }
    out.extend(digits[..n].iter().rev());
    if frac != 0 {
        out.push(b'.');
        let mut places = 3;
        while frac % 10 == 0 {
            frac /= 10;
            places -= 1;
        }
        let mut buf = [b'0'; 3];
        for p in (0..places).rev() {
            buf[p] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.extend_from_slice(&buf[..places]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: f32) -> String {
        let mut out = Vec::new();
        number(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_are_short_and_exact_to_a_thousandth() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-3.5), "-3.5");
        assert_eq!(num(0.125), "0.125");
        assert_eq!(num(0.05), "0.05");
        assert_eq!(num(745.09), "745.09");
        assert_eq!(num(-0.0004), "0");
        assert_eq!(num(51.48), "51.48");
        assert_eq!(num(1234567.0), "1234567");
    }

    #[test]
    fn codes_are_four_hex_digits() {
        let mut out = Vec::new();
        hex_code(&mut out, 0x0b);
        hex_code(&mut out, 0xfffe);
        assert_eq!(out, b"<000b><fffe>");
    }
}
