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

/// For each face, the Identity-H code of each glyph id of the layout.
pub type GlyphCodes = BTreeMap<FontKind, FxHashMap<u16, u16>>;

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
    /// A glyph's width in the embedded font, in 1/1000 em.
    pub width: &'a (dyn Fn(FontKind, u16) -> f32 + Sync),
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
                    let ligature = g.text.chars().nth(1).is_some();
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
                    glyph_code(out, codes.get(&g.gid).copied().unwrap_or(0));
                    // TJ offsets move the pen left by offset/1000 em.
                    let off = (self.width)(r.font, g.gid) - g.advance * 1000.0 / r.size;
                    let off = (off * 100.0).round() / 100.0;
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
        out.extend_from_slice(b"] TJ");
        let ops = lopdf::content::Content::decode(&out).unwrap().operations;
        let strings: Vec<u8> = match &ops[0].operands[0] {
            lopdf::Object::Array(items) => items
                .iter()
                .filter_map(|o| o.as_str().ok())
                .flatten()
                .copied()
                .collect(),
            o => panic!("not an array: {o:?}"),
        };
        let codes: Vec<u16> = strings
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(codes, [0x2e, 0x30, 0x41, 0x1, 0x29, 0x5c29, 0x2]);
    }
}
