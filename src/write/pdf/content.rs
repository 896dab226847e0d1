//! Page content streams, written directly from the layout.
//!
//! The operators a page needs are few and fixed (text objects with `Tf`,
//! `Tm` and `TJ`; lines for rules and frames), so this module writes them
//! straight into the stream's bytes. The glyph codes and the fonts'
//! resource names come from the adapter that has the fonts embedded (the
//! PDF module's `printpdf_adapter`, which explains why the streams are not
//! written through the generator), so the content and the fonts cannot
//! disagree.

use super::tags::{self, Owner};
use crate::layout::fonts::FontKind;
use crate::layout::{Cluster, Layout, Page, Role, Run, StructNode};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// For each face, each glyph id the layout uses, with the text of its first use.
pub type GlyphInventory = BTreeMap<FontKind, BTreeMap<u16, Cluster>>;

/// For each face, the Identity-H code of each glyph id of the layout,
/// indexed by the id (0 for an id the layout does not use: a face has a
/// few thousand glyphs, and every glyph drawn looks its code up).
pub type GlyphCodes = BTreeMap<FontKind, Vec<u16>>;

/// Every glyph of `lay`, by face.
pub fn inventory(lay: &Layout) -> GlyphInventory {
    let mut seen = InventoryBuilder::default();
    for page in &lay.pages {
        for l in &page.lines {
            for r in &l.line.runs {
                seen.add(r);
            }
        }
    }
    seen.finish()
}

/// A [`GlyphInventory`] made from runs given in the order of the pages
/// (the text of a glyph is that of its first use).
#[derive(Debug, Default)]
pub struct InventoryBuilder {
    // Per face, the text of each glyph id seen first, indexed by the id
    // (a face has a few thousand glyphs; a tree lookup per drawn glyph
    // cost more than the rest of this).
    seen: BTreeMap<FontKind, Vec<Option<Cluster>>>,
}

impl InventoryBuilder {
    /// The glyphs of `run`, the next run of the pages.
    pub fn add(&mut self, run: &Run) {
        let glyphs = self.seen.entry(run.font).or_default();
        for g in &run.glyphs {
            let i = usize::from(g.gid);
            if glyphs.len() <= i {
                glyphs.resize(i + 1, None);
            }
            if glyphs[i].is_none() {
                glyphs[i] = Some(g.text);
            }
        }
    }

    /// The inventory of the runs given.
    pub fn finish(self) -> GlyphInventory {
        self.seen
            .into_iter()
            .map(|(font, glyphs)| {
                let by_id = glyphs
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, t)| Some((u16::try_from(i).ok()?, t?)))
                    .collect();
                (font, by_id)
            })
            .collect()
    }
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
    /// The glyphs' widths in the embedded fonts, in 1/1000 em: by face
    /// (`FontKind as usize`), then by glyph id (0 for a glyph not there).
    pub widths: &'a [Vec<f32>],
}

impl ContentWriter<'_> {
    /// The content stream of `page` (uncompressed), every text run marked
    /// as the element of `structure` it belongs to, and what each MCID
    /// (the index) belongs to. Page numbers, running heads, rules and
    /// frames are marked as artifacts.
    pub fn page(&self, page: &Page, structure: &[StructNode]) -> (Vec<u8>, Vec<Owner>) {
        let mut out = Vec::with_capacity(64 + page.lines.len() * 640);
        let mut owners = Vec::new();
        out.extend_from_slice(b"0 g\n");
        // The annotation of each linked span: (line, span) → link index.
        let annots: FxHashMap<(usize, usize), usize> = page
            .links
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Some((l.source?, i)))
            .collect();
        for (li, l) in page.lines.iter().enumerate() {
            let artifact = match tags::role_tag(l.role) {
                Some(_) => None,
                None if l.role == Role::Header => {
                    Some(&b"/Artifact <</Type /Pagination /Subtype /Header>> BDC\n"[..])
                }
                None => Some(&b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"[..]),
            };
            if let Some(a) = artifact {
                out.extend_from_slice(a);
            }
            out.extend_from_slice(b"BT\n");
            let mut mark = Marks {
                out: &mut out,
                owners: &mut owners,
                structure,
                current: None,
                tj: false,
            };
            for (ri, r) in l.line.runs.iter().enumerate() {
                let codes = &self.codes[&r.font];
                let widths = self
                    .widths
                    .get(r.font as usize)
                    .map_or(&[][..], Vec::as_slice);
                mark.close_tj();
                let out = &mut *mark.out;
                out.push(b'/');
                out.extend_from_slice(self.names[&r.font].as_bytes());
                out.push(b' ');
                number(out, r.size);
                out.extend_from_slice(b" Tf\n1 0 0 1 ");
                number(out, l.x + r.x);
                out.push(b' ');
                number(out, self.height - l.baseline + r.rise);
                out.extend_from_slice(b" Tm\n");
                let mut gx = r.x;
                for g in &r.glyphs {
                    // The hyphen added at a line end, and dot leaders, are
                    // no part of the text: artifacts between the line's
                    // sequences.
                    let soft = l.line.soft_hyphen.is_some_and(|h| (h - gx).abs() < 0.01)
                        || l.line.leaders.is_some_and(|from| gx >= from - 0.01);
                    // A ligature (one glyph for several letters) is a
                    // sequence of its own with its letters as /ActualText.
                    let ligature = g.text.has_several_chars();
                    if artifact.is_none() {
                        let owner = if ri == 0
                            && let Some(label) = l.label
                        {
                            Owner::node(label)
                        } else {
                            l.line
                                .links
                                .iter()
                                .enumerate()
                                .find(|(_, s)| s.x0 - 0.01 <= gx && gx < s.x1 - 0.01)
                                .and_then(|(si, _)| annots.get(&(li, si)))
                                .map_or(Owner::node(l.node), |&a| Owner::link(a))
                        };
                        if soft {
                            mark.artifact();
                        } else if ligature {
                            mark.actual_text(owner, &g.text);
                        } else {
                            mark.to(owner);
                        }
                    }
                    mark.open_tj();
                    let out = &mut *mark.out;
                    glyph_code(out, codes.get(usize::from(g.gid)).copied().unwrap_or(0));
                    // TJ offsets move the pen left by offset/1000 em.
                    let width = widths.get(usize::from(g.gid)).copied().unwrap_or(0.0);
                    let off = width - g.advance * 1000.0 / r.size;
                    let off = round_f32(off * 100.0) / 100.0;
                    if off != 0.0 {
                        number(out, off);
                    }
                    if (soft || ligature) && artifact.is_none() {
                        mark.end();
                    }
                    gx += g.advance;
                }
            }
            mark.end();
            out.extend_from_slice(b"ET\n");
            if artifact.is_some() {
                out.extend_from_slice(b"EMC\n");
            }
        }
        if !page.rules.is_empty() || !page.frames.is_empty() {
            out.extend_from_slice(b"/Artifact <</Type /Layout>> BDC\nq\n0 G\n");
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
            out.extend_from_slice(b"Q\nEMC\n");
        }
        // Kept until the structure tree is written: at its size.
        owners.shrink_to_fit();
        (out, owners)
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

/// The marked-content sequences of one text line: one open at a time,
/// a new one (with the next MCID) whenever the owner changes.
struct Marks<'o> {
    out: &'o mut Vec<u8>,
    owners: &'o mut Vec<Owner>,
    structure: &'o [StructNode],
    /// The owner of the open sequence.
    current: Option<Owner>,
    /// A `TJ` array is open.
    tj: bool,
}

impl Marks<'_> {
    fn open_tj(&mut self) {
        if !self.tj {
            self.out.push(b'[');
            self.tj = true;
        }
    }
    fn close_tj(&mut self) {
        if self.tj {
            self.out.extend_from_slice(b"] TJ\n");
            self.tj = false;
        }
    }
    /// Ends the open sequence, if any.
    fn end(&mut self) {
        self.close_tj();
        if self.current.take().is_some() {
            self.out.extend_from_slice(b"EMC\n");
        }
    }
    /// Opens a sequence tagged `tag`, with the next MCID, for `owner`;
    /// `extra` goes into its property list.
    fn open(&mut self, tag: &str, owner: Owner, extra: &[u8]) {
        self.end();
        self.out.push(b'/');
        self.out.extend_from_slice(tag.as_bytes());
        self.out.extend_from_slice(b" <</MCID ");
        number(self.out, self.owners.len() as f32);
        self.out.extend_from_slice(extra);
        self.out.extend_from_slice(b">> BDC\n");
        self.owners.push(owner);
        self.current = Some(owner);
    }
    /// Makes sure the glyphs that follow are marked as `owner`'s.
    fn to(&mut self, owner: Owner) {
        if self.current == Some(owner) {
            return;
        }
        let tag = match owner {
            Owner::Node(n) => self
                .structure
                .get(n as usize)
                .map_or("P", |n| tags::kind_tag(n.kind)),
            Owner::Link(_) => "Link",
        };
        self.open(tag, owner, b"");
    }
    /// A sequence of `owner`'s standing for `text` (a `Span` with
    /// `/ActualText`: poppler reads the actual text of `Span`s only). Not
    /// nested in the line's sequence: poppler's structure text reader
    /// (22.12) ends the outer sequence at the inner one's `EMC`.
    fn actual_text(&mut self, owner: Owner, text: &str) {
        let mut extra = b" /ActualText <feff".to_vec();
        for u in text.encode_utf16() {
            hex4(&mut extra, u);
        }
        extra.push(b'>');
        self.open("Span", owner, &extra);
    }
    /// An artifact sequence (no MCID: not in the structure tree).
    fn artifact(&mut self) {
        self.end();
        self.out.extend_from_slice(b"/Artifact BMC\n");
        // An open sequence that no glyph's owner is: the next glyph of
        // the text opens its own after this one's EMC.
        self.current = Some(Owner::Node(u32::MAX));
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Four hexadecimal digits.
fn hex4(out: &mut Vec<u8>, code: u16) {
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((code >> shift) & 0xf) as usize]);
    }
}

/// The two bytes of a glyph code inside a literal string: as they are,
/// but `(`, `)` and `\\` escaped, and the line ends (a reader would turn a
/// bare carriage return into a line feed).
fn code_bytes(out: &mut Vec<u8>, code: u16) {
    for b in code.to_be_bytes() {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

/// A glyph's code as the next element of the open `TJ` array, in a literal
/// string of two bytes per glyph (half of the four hexadecimal digits a
/// hexadecimal string takes, so half as much to write and deflate). Glyphs
/// with no offset between them share one string. Inside an open array the
/// last byte is `[`, an offset's last digit, or the `)` that closed the
/// string the previous glyph ended (an escaped `)` inside it is always
/// followed by that one).
fn glyph_code(out: &mut Vec<u8>, code: u16) {
    let [hi, lo] = code.to_be_bytes();
    let plain = |b: u8| !matches!(b, b'(' | b')' | b'\\' | b'\r' | b'\n');
    if plain(hi) && plain(lo) {
        // The usual glyph, its two bytes as they are (one store each way).
        match out.last_mut() {
            Some(last) if *last == b')' => {
                *last = hi;
                out.extend_from_slice(&[lo, b')']);
            }
            _ => out.extend_from_slice(&[b'(', hi, lo, b')']),
        }
        return;
    }
    if out.last() == Some(&b')') {
        out.pop();
    } else {
        out.push(b'(');
    }
    code_bytes(out, code);
    out.push(b')');
}

/// A number rounded to 1/1000, without trailing zeros ("12", "-3.5", "0.125").
fn number(out: &mut Vec<u8>, v: f32) {
    let milli = round_to_i64(v as f64 * 1000.0);
    // Put together from its last byte back, and appended at once (the
    // sign, at most 16 digits before the point and 3 after it).
    let mut buf = [0u8; 24];
    let mut at = buf.len();
    let (mut int, mut frac) = (milli.unsigned_abs() / 1000, milli.unsigned_abs() % 1000);
    if frac != 0 {
        let mut places = 3;
        while frac % 10 == 0 {
            frac /= 10;
            places -= 1;
        }
        for _ in 0..places {
            at -= 1;
            buf[at] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        at -= 1;
        buf[at] = b'.';
    }
    loop {
        at -= 1;
        buf[at] = b'0' + (int % 10) as u8;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    if milli < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    out.extend_from_slice(&buf[at..]);
}

/// `x.round() as i64` (halves away from zero; saturating, NaN to 0)
/// without a call: on x86-64 without SSE4.1 `round` is a library
/// function, and every glyph's offset and every number of a page is
/// rounded.
#[inline]
fn round_to_i64(x: f64) -> i64 {
    // Truncated toward zero (saturating, NaN to 0); below 2^53 the
    // truncation is exact and so is what it leaves, and from there `x` is
    // whole (or past `i64`'s range, where the step saturates too).
    let t = x as i64;
    let left = x - t as f64;
    if left >= 0.5 {
        t.saturating_add(1)
    } else if left <= -0.5 {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// `x.round()` (halves away from zero, the sign of zero kept) without a
/// call, as [`round_to_i64`].
#[inline]
fn round_f32(x: f32) -> f32 {
    // From 2^23 every `f32` is whole; NaN and the infinities are their
    // own rounding.
    if x.is_nan() || x.abs() >= 8_388_608.0 {
        return x;
    }
    let t = x as i32 as f32;
    let left = x - t;
    let r = if left >= 0.5 {
        t + 1.0
    } else if left <= -0.5 {
        t - 1.0
    } else {
        t
    };
    r.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Values where rounding is decided: halves, the edges of the ranges,
    /// zeros, the infinities and NaN, and their neighbours.
    fn edges_f64() -> Vec<f64> {
        let mut v = vec![0.0, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        for x in [
            0.5f64,
            1.5,
            2.5,
            4_503_599_627_370_495.5,
            9.223_372_036_854_775e18,
        ] {
            for y in [x, -x] {
                v.extend([y, y.next_up(), y.next_down()]);
            }
        }
        v.extend([
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            2f64.powi(53),
            2f64.powi(63),
        ]);
        v
    }

    fn edges_f32() -> Vec<f32> {
        let mut v = vec![0.0, -0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        for x in [0.5f32, 1.5, 2.5, 8_388_607.5, 8_388_608.0, 0.499_999_97] {
            for y in [x, -x] {
                v.extend([y, y.next_up(), y.next_down()]);
            }
        }
        v.extend([f32::MAX, f32::MIN, f32::MIN_POSITIVE, 2f32.powi(31)]);
        v
    }

    #[test]
    fn rounding_without_a_call_matches_round_at_the_edges() {
        for x in edges_f64() {
            assert_eq!(round_to_i64(x), x.round() as i64, "{x:e}");
        }
        for x in edges_f32() {
            let (got, want) = (round_f32(x), x.round());
            assert!(
                got.to_bits() == want.to_bits() || got.is_nan() && want.is_nan(),
                "{x:e}"
            );
        }
    }

    proptest! {
        #[test]
        fn rounding_without_a_call_matches_round(bits64 in any::<u64>(), bits32 in any::<u32>(), small in -1e7f64..1e7) {
            for x in [f64::from_bits(bits64), small, small * 1000.0] {
                prop_assert_eq!(round_to_i64(x), x.round() as i64, "{:e}", x);
            }
            for x in [f32::from_bits(bits32), small as f32, (small * 100.0) as f32] {
                let (got, want) = (round_f32(x), x.round());
                prop_assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{:e}", x);
            }
        }
    }

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
        // Past `i64`'s thousandths, saturated (the longest there are).
        assert_eq!(num(f32::MAX), "9223372036854775.807");
        assert_eq!(num(f32::MIN), "-9223372036854775.808");
        assert_eq!(num(f32::NAN), "0");
    }

    proptest! {
        #[test]
        fn numbers_are_the_thousandths_rounded_and_trimmed(bits in any::<u32>(), small in -1e6f32..1e6) {
            for v in [f32::from_bits(bits), small] {
                let milli = (v as f64 * 1000.0).round() as i64;
                let m = milli.unsigned_abs();
                let sign = if milli < 0 { "-" } else { "" };
                let fixed = format!("{sign}{}.{:03}", m / 1000, m % 1000);
                let want = fixed.trim_end_matches('0').trim_end_matches('.');
                prop_assert_eq!(num(v), want, "{:e}", v);
            }
        }
    }

    #[test]
    fn codes_are_two_bytes_with_parentheses_backslashes_and_line_ends_escaped() {
        let mut out = Vec::new();
        for code in [0x0b, 0xfffe, 0x2829, 0x5c0d, 0x0a41] {
            code_bytes(&mut out, code);
        }
        assert_eq!(out, b"\x00\x0b\xff\xfe\\(\\)\\\\\\r\\nA".to_vec());
    }

    #[test]
    fn glyphs_without_offsets_between_them_share_a_string() {
        let mut out = b"[".to_vec();
        glyph_code(&mut out, 0x2e);
        glyph_code(&mut out, 0x30);
        number(&mut out, -71.59);
        glyph_code(&mut out, 0x41);
        glyph_code(&mut out, 0x1);
        glyph_code(&mut out, 0x29);
        number(&mut out, 5.0);
        glyph_code(&mut out, 0x5c29);
        glyph_code(&mut out, 0x2);
        assert_eq!(
            out,
            b"[(\x00.\x000)-71.59(\x00A\x00\x01\x00\\))5(\\\\\\)\x00\x02)".to_vec()
        );
        // Read back as PDF: the codes of every glyph, in order.
        assert_eq!(
            codes_read_back(&out),
            [0x2e, 0x30, 0x41, 0x1, 0x29, 0x5c29, 0x2]
        );
    }

    /// The codes of the glyphs of a `TJ` array, read back by lopdf.
    fn codes_read_back(array: &[u8]) -> Vec<u16> {
        let mut content = array.to_vec();
        content.extend_from_slice(b"] TJ");
        let ops = lopdf::content::Content::decode(&content)
            .unwrap()
            .operations;
        let strings: Vec<u8> = match &ops[0].operands[0] {
            lopdf::Object::Array(items) => items
                .iter()
                .filter_map(|o| o.as_str().ok())
                .flatten()
                .copied()
                .collect(),
            o => panic!("not an array: {o:?}"),
        };
        strings
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    proptest! {
        #[test]
        fn any_codes_and_offsets_read_back_as_the_codes(
            glyphs in proptest::collection::vec(
                (
                    prop_oneof![any::<u16>(), Just(0x0a29), Just(0x285c), Just(0x0d0d), 0u16..0x80],
                    proptest::option::of(-999.0f32..999.0),
                ),
                0..40,
            ),
        ) {
            let mut out = b"[".to_vec();
            for &(code, offset) in &glyphs {
                glyph_code(&mut out, code);
                if let Some(offset) = offset.filter(|&o| number_is_nonzero(o)) {
                    number(&mut out, offset);
                }
            }
            let codes: Vec<u16> = glyphs.iter().map(|g| g.0).collect();
            prop_assert_eq!(codes_read_back(&out), codes);
        }
    }

    /// Whether `number` writes something other than 0 for `v`.
    fn number_is_nonzero(v: f32) -> bool {
        let mut out = Vec::new();
        number(&mut out, v);
        out != b"0"
    }
}
