//! The layout's model: glyphs, runs and lines, and the pages, links and
//! outline they are placed in — what [`super::layout`] returns and
//! `write::pdf` draws.

use super::*;

/// The characters a glyph stands for, in 4 bytes, so that a laid-out
/// glyph is 12 bytes (a laid-out article holds one per character until
/// its pages are drawn; with a shared string behind a pointer it was 16):
/// one character inline (its UTF-8 bytes), no character (the later
/// glyphs of a cluster drawn with several), or the number of a longer
/// cluster (`fi`, a letter and its combining marks) in a table of the
/// process, where each distinct one is kept once and for good. Reading
/// one takes no lock but for a longer cluster.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cluster([u8; 4]);

/// First bytes no UTF-8 text starts with: no character, and a longer
/// cluster (its number in the other three bytes).
const NO_CHARACTER: u8 = 0xFE;
const LONGER: u8 = 0xFF;

/// How many longer clusters the table holds at most (numbers of 24
/// bits). Past that, a new one keeps its first character only: a
/// process would have to meet sixteen million distinct ones first.
const MAX_LONGER: usize = 1 << 24;

/// The longer clusters of the process, by number and by text.
#[derive(Default)]
struct LongerClusters {
    texts: Vec<&'static str>,
    numbers: HashMap<&'static str, u32>,
}

fn longer_clusters() -> &'static std::sync::RwLock<LongerClusters> {
    static TABLE: std::sync::OnceLock<std::sync::RwLock<LongerClusters>> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(Default::default)
}

impl Cluster {
    /// One character, inline.
    fn character(c: char) -> Self {
        let mut bytes = [0; 4];
        c.encode_utf8(&mut bytes);
        Cluster(bytes)
    }

    /// True when the cluster has more than one character (a ligature's
    /// letters): what its text tells, without reading it.
    pub fn has_several_chars(&self) -> bool {
        // Only text of two characters or more is numbered (`From<&str>`);
        // past the table's room it keeps its first character.
        self.0[0] == LONGER
    }

    fn numbered(n: u32) -> Self {
        let [_, a, b, c] = n.to_be_bytes();
        Cluster([LONGER, a, b, c])
    }

    /// The number of the longer cluster `s`, given one if it has none.
    fn longer(s: &str) -> Self {
        use std::sync::PoisonError;
        let table = longer_clusters();
        let read = table.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(&n) = read.numbers.get(s) {
            return Cluster::numbered(n);
        }
        drop(read);
        let mut table = table.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&n) = table.numbers.get(s) {
            return Cluster::numbered(n);
        }
        if table.texts.len() >= MAX_LONGER {
            return Cluster::character(s.chars().next().unwrap_or_default());
        }
        let text: &'static str = Box::leak(s.to_owned().into_boxed_str());
        let n = table.texts.len() as u32;
        table.texts.push(text);
        table.numbers.insert(text, n);
        Cluster::numbered(n)
    }
}

impl std::ops::Deref for Cluster {
    type Target = str;
    fn deref(&self) -> &str {
        match self.0[0] {
            NO_CHARACTER => "",
            LONGER => {
                let [_, a, b, c] = self.0;
                let n = u32::from_be_bytes([0, a, b, c]) as usize;
                let table = longer_clusters()
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                table.texts.get(n).copied().unwrap_or("")
            }
            first => {
                let len = match first {
                    0..0x80 => 1,
                    0x80..0xE0 => 2,
                    0xE0..0xF0 => 3,
                    _ => 4,
                };
                // SAFETY: a cluster whose first byte is neither marker
                // holds the UTF-8 bytes of one character (`From<&str>`
                // alone makes one, and the bytes are private), and `len`
                // is that character's length, read from its first byte.
                // (Checking them again cost 2% of a PDF's instructions.)
                unsafe { std::str::from_utf8_unchecked(&self.0[..len]) }
            }
        }
    }
}

impl std::borrow::Borrow<str> for Cluster {
    fn borrow(&self) -> &str {
        self
    }
}

/// As its text hashes (a set of clusters is looked up by text).
impl std::hash::Hash for Cluster {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl From<&str> for Cluster {
    fn from(s: &str) -> Self {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (None, _) => Cluster([NO_CHARACTER, 0, 0, 0]),
            (Some(c), None) => Cluster::character(c),
            _ => Cluster::longer(s),
        }
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

/// One glyph to draw, in 10 bytes: its fields are packed on 2-byte
/// boundaries (the advance is read by value, never by reference), as a
/// long article's glyphs are most of its laid-out pages (12 bytes each
/// aligned on 4, 42 MB of the seed ×1,500's).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, packed(2))]
pub struct Glyph {
    /// Glyph id in its font.
    pub gid: u16,
    /// The characters it stands for (for text extraction).
    pub text: Cluster,
    /// Distance to the next glyph, in points (kerning and justification included).
    pub advance: f32,
}

impl Glyph {
    /// Its 10 bytes, as [`Glyph::from_bytes`] reads them (for the
    /// [`GlyphStore`]).
    pub(super) fn to_bytes(self) -> [u8; 10] {
        let mut b = [0; 10];
        b[..2].copy_from_slice(&{ self.gid }.to_le_bytes());
        b[2..6].copy_from_slice(&{ self.text }.0);
        b[6..].copy_from_slice(&{ self.advance }.to_bits().to_le_bytes());
        b
    }

    /// The glyph of [`Glyph::to_bytes`]: the same glyph for bytes it
    /// wrote in this process (a cluster's number is this process's), and
    /// for any other bytes a glyph whose text is at worst wrong, never
    /// invalid.
    pub(super) fn from_bytes(b: [u8; 10]) -> Self {
        let mut cluster = [b[2], b[3], b[4], b[5]];
        let len = match cluster[0] {
            NO_CHARACTER | LONGER | 0..0x80 => 0,
            0x80..0xE0 => 2,
            0xE0..0xF0 => 3,
            _ => 4,
        };
        // A longer cluster's number, no character and ASCII are valid as
        // they are.
        if len > 0 && std::str::from_utf8(&cluster[..len]).is_err() {
            cluster = [NO_CHARACTER, 0, 0, 0];
        }
        Glyph {
            gid: u16::from_le_bytes([b[0], b[1]]),
            text: Cluster(cluster),
            advance: f32::from_bits(u32::from_le_bytes([b[6], b[7], b[8], b[9]])),
        }
    }
}

/// Glyphs of one face, size and baseline, drawn from `x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Face.
    pub font: FontKind,
    /// Size in points.
    pub size: f32,
    /// Raise above the baseline (fallback superscripts).
    pub rise: f32,
    /// Start, relative to the line origin.
    pub x: f32,
    /// The glyphs.
    pub glyphs: Vec<Glyph>,
}

impl Run {
    #[cfg(test)]
    /// The text the run stands for.
    pub fn text(&self) -> String {
        self.glyphs.iter().map(|g| &*g.text).collect()
    }
}

/// Where a link goes, before pages are known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    /// A marker's link: the entry of reference `n`.
    Reference(u32),
    /// A back-link: occurrence `k` of the marker of reference `n`.
    Cite(u32, u32),
    /// An external URL.
    Uri(String),
    /// The first page of chapter `i` (0-based) of a book: a contents entry.
    Chapter(usize),
}

/// A linked stretch of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSpan {
    /// Start, relative to the line origin.
    pub x0: f32,
    /// End.
    pub x1: f32,
    /// Where it goes.
    pub target: LinkTarget,
}

/// A set line of a paragraph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    /// What to draw.
    pub runs: Vec<Run>,
    /// Width of the set material.
    pub width: f32,
    /// Width available.
    pub measure: f32,
    /// Ends with a hyphen (added or explicit).
    pub hyphen: bool,
    /// Its first material is a citation marker.
    pub starts_with_marker: bool,
    /// Linked stretches.
    pub links: Vec<LinkSpan>,
    /// Markers on the line: (x, n, k).
    pub markers: Vec<(f32, u32, u32)>,
    /// Where the hyphen added by hyphenation starts (relative to the line
    /// origin), when the line ends in one: not part of the text.
    pub soft_hyphen: Option<f32>,
    /// Where dot leaders start (a contents entry's), when the line has
    /// them: drawn, not text.
    pub leaders: Option<f32>,
    /// Line number within its paragraph (0-based).
    pub index: usize,
    /// Lines in its paragraph.
    pub count: usize,
}

impl Line {
    #[cfg(test)]
    /// The line's text as drawn (labels included).
    pub fn text(&self) -> String {
        self.runs.iter().map(Run::text).collect()
    }
}

/// A character that no face of the style can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingGlyph {
    /// Byte offset in the input.
    pub offset: usize,
    /// The character.
    pub c: char,
}

/// What a line is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The title block (title, subtitle, byline).
    Title,
    /// A section heading (or the References heading).
    Heading,
    /// A paragraph.
    Body,
    /// A list item.
    ListItem,
    /// A block quotation.
    Quote,
    /// A figure's alt text, inside its frame.
    FigureAlt,
    /// A figure's caption.
    Caption,
    /// An entry of the reference list.
    Reference,
    /// A note at the foot of the page (`--notes foot`), its number included.
    Note,
    /// The page number.
    Footer,
    /// The running head of a book page (its chapter's title).
    Header,
}

/// A line on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedLine {
    /// Left end of the line's origin.
    pub x: f32,
    /// Baseline.
    pub baseline: f32,
    /// Top of the line's slot (baseline minus the ascent share of the leading).
    pub top: f32,
    /// The line.
    pub line: Line,
    /// What it belongs to.
    pub role: Role,
    /// Which paragraph (a counter over the document).
    pub block: usize,
    /// Its element in [`Layout::structure`] (0, the root, for page
    /// numbers and running heads, which are not part of the text).
    pub node: usize,
    /// The element of its first run when that run is a label in the margin
    /// (a list item's bullet or number, a reference's number).
    pub label: Option<usize>,
}

/// A place in the document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dest {
    /// 0-based page.
    pub page: usize,
    /// x from the left edge.
    pub x: f32,
    /// y from the top edge (top of the line).
    pub y: f32,
}

/// A link annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct PageLink {
    /// `[x0, top, x1, bottom]`.
    pub rect: [f32; 4],
    /// Internal destination or URL.
    pub to: LinkTo,
    /// What kind of link it is.
    pub target: LinkTarget,
    /// The linked text: the index of its line in [`Page::lines`] and of the
    /// span in that line's [`Line::links`].
    pub source: Option<(usize, usize)>,
}

/// Where a link annotation goes.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkTo {
    /// A place in the document.
    Dest(Dest),
    /// A URL.
    Uri(String),
}

/// A straight line to stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleLine {
    /// Start x.
    pub x0: f32,
    /// End x.
    pub x1: f32,
    /// y.
    pub y: f32,
    /// Stroke width.
    pub width: f32,
}

/// A rectangle to stroke (a figure's frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// `[x0, top, x1, bottom]`.
    pub rect: [f32; 4],
    /// Stroke width.
    pub width: f32,
}

/// One page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Text lines, in reading order (the footer last).
    pub lines: Vec<PlacedLine>,
    /// Rules.
    pub rules: Vec<RuleLine>,
    /// Frames.
    pub frames: Vec<Frame>,
    /// Link annotations.
    pub links: Vec<PageLink>,
}

impl Page {
    /// Whether it has nothing on it (a page handed to a
    /// [`PageSink`](crate::layout::PageSink) that took everything).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
            && self.rules.is_empty()
            && self.frames.is_empty()
            && self.links.is_empty()
    }
}

/// An outline (bookmark) entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineItem {
    /// Its text.
    pub title: String,
    /// 0 for the title, 1 for sections and References.
    pub level: u8,
    /// Where it goes.
    pub dest: Dest,
}

/// A laid-out document.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Page width in points.
    pub width: f32,
    /// Page height in points.
    pub height: f32,
    /// The pages: none when every page was handed to a
    /// [`PageSink`](crate::layout::PageSink) that took everything from
    /// them.
    pub pages: Vec<Page>,
    /// Bookmarks in document order.
    pub outline: Vec<OutlineItem>,
    /// Characters without a glyph.
    pub missing: Vec<MissingGlyph>,
    /// Where each marker (n, k) first landed. Empty when the pages were
    /// handed to a [`PageSink`](crate::layout::PageSink) as they were
    /// filled (`paginate_into`, a PDF's): the PDF reads its links' ends
    /// from the pages.
    pub markers: HashMap<(u32, u32), Dest>,
    /// Where each reference entry first landed; empty as `markers` is.
    pub references: HashMap<u32, Dest>,
    /// How the pages are numbered, by ranges (a book's roman front matter,
    /// then arabic from its first chapter): the PDF's `/PageLabels`. Empty
    /// for an article, numbered 1, 2, 3… like its pages.
    pub page_labels: Vec<PageLabel>,
    /// The logical structure (the tagged PDF's structure tree): element 0
    /// is the root, every other element names its parent, which comes
    /// before it. Lines point into it ([`PlacedLine::node`]).
    pub structure: Structure,
}

/// The numbering of the pages from `start` to the next label's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLabel {
    /// The range's first page (0-based).
    pub start: usize,
    /// How its pages are numbered.
    pub style: Numbering,
    /// The number of its first page.
    pub first: u32,
}

/// A style of page numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// i, ii, iii, iv…
    Roman,
    /// 1, 2, 3…
    Arabic,
}

impl Numbering {
    /// Page number `n` (from 1) in this style.
    #[cfg(test)]
    pub fn format(self, n: u32) -> String {
        match self {
            Numbering::Arabic => n.to_string(),
            Numbering::Roman => roman(n),
        }
    }
}

/// `n` in lowercase roman numerals (0 gives an empty string).
pub fn roman(mut n: u32) -> String {
    const DIGITS: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut s = String::new();
    for (v, d) in DIGITS {
        while n >= v {
            s.push_str(d);
            n -= v;
        }
    }
    s
}

impl Layout {
    /// The label of page `page` (0-based) as a viewer shows it: from
    /// [`Layout::page_labels`], or its position from 1 without them.
    #[cfg(test)]
    pub fn page_label(&self, page: usize) -> String {
        match self.page_labels.iter().rev().find(|l| l.start <= page) {
            Some(l) => l.style.format(l.first + (page - l.start) as u32),
            None => (page + 1).to_string(),
        }
    }
}

/// What an element of the logical structure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructKind {
    /// The whole document (the root).
    Document,
    /// A chapter of a book.
    Chapter,
    /// A list (also the reference list).
    List,
    /// One item of a list.
    Item,
    /// An item's label (bullet, number).
    Label,
    /// An item's body: its text and its nested lists.
    ItemBody,
    /// A figure (its alt text is drawn in its frame).
    Figure,
    /// The document's title.
    Title,
    /// A book's contents.
    Contents,
    /// One entry of the contents.
    ContentsEntry,
    /// A block of text whose lines all have this role.
    Block(Role),
}

/// An element of the logical structure, in 8 bytes: what it is and the
/// element it is part of. Its texts, which few elements have, are kept
/// beside the elements ([`Structure::alt`], [`Structure::lang`]).
///
/// A long article has one for each paragraph, heading, list item, label
/// and reference, kept from the walk to the end of its PDF: the seed
/// ×3,460's 110,700 took 8.0 MB as 72-byte nodes (a parent of 16 bytes, an
/// alt text and a language of 24 each, which only figures and a book's
/// chapters have). So the parent is a 4-byte index. With the texts behind
/// a pointer in each node, `None` for nearly every one, a node took 16
/// bytes: 4.3 MB of a book of 2,880 corpus articles' 270,000, at both of
/// its PDF's peaks (the end of its pagination, its structure tree's walk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructNode {
    /// What it is.
    pub kind: StructKind,
    /// The element it is part of: its index, [`NO_PARENT`] for the root.
    parent: u32,
}

const _: () = assert!(std::mem::size_of::<StructNode>() == 8);

/// The parent of a [`StructNode`] that has none.
const NO_PARENT: u32 = u32::MAX;

/// A [`StructNode`]'s texts (rare: figures, a book's chapters).
#[derive(Debug, Clone, PartialEq, Default)]
struct NodeTexts {
    alt: Option<AltText>,
    lang: Option<String>,
}

/// The logical structure (the tagged PDF's structure tree): its elements
/// in order, element 0 the root, and the texts of those that have any.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structure {
    nodes: Vec<StructNode>,
    /// The texts, by their element's index, in its order; only elements
    /// with a text have an entry.
    texts: Vec<(usize, NodeTexts)>,
}

impl Structure {
    /// A structure of its root alone.
    pub fn with_root() -> Self {
        Structure {
            nodes: vec![StructNode::root()],
            texts: Vec::new(),
        }
    }

    /// Adds `node` after the others: its index.
    pub fn push(&mut self, node: StructNode) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// How many elements it has.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The elements, in order.
    pub fn nodes(&self) -> &[StructNode] {
        &self.nodes
    }

    /// Element `n`, to change.
    pub fn node_mut(&mut self, n: usize) -> &mut StructNode {
        &mut self.nodes[n]
    }

    /// Element `n`'s text alternative (a figure's alt text).
    pub fn alt(&self, n: usize) -> Option<&AltText> {
        self.texts(n)?.alt.as_ref()
    }

    /// Gives element `n` the text alternative `alt`, held or put aside.
    pub fn set_alt(&mut self, n: usize, alt: Option<AltText>) {
        self.change_texts(n, |t| t.alt = alt);
    }

    /// Element `n`'s language, when it differs from the document's.
    pub fn lang(&self, n: usize) -> Option<&str> {
        self.texts(n)?.lang.as_deref()
    }

    /// Gives element `n` the language `lang`.
    pub fn set_lang(&mut self, n: usize, lang: Option<String>) {
        self.change_texts(n, |t| t.lang = lang);
    }

    fn texts(&self, n: usize) -> Option<&NodeTexts> {
        let k = self.texts.binary_search_by_key(&n, |(i, _)| *i).ok()?;
        Some(&self.texts[k].1)
    }

    /// Changes element `n`'s texts by `change`: an element left without
    /// either has no entry, so that two structures alike compare equal.
    fn change_texts(&mut self, n: usize, change: impl FnOnce(&mut NodeTexts)) {
        let k = match self.texts.binary_search_by_key(&n, |(i, _)| *i) {
            Ok(k) => k,
            Err(k) => {
                self.texts.insert(k, (n, NodeTexts::default()));
                k
            }
        };
        change(&mut self.texts[k].1);
        if self.texts[k].1 == NodeTexts::default() {
            self.texts.remove(k);
        }
    }

    /// Adds `other`'s elements from its `from`th on after these, with
    /// their texts, each one's parent (in `other`) made one here by
    /// `parent`.
    pub fn append(
        &mut self,
        other: Structure,
        from: usize,
        parent: impl Fn(Option<usize>) -> Option<usize>,
    ) {
        let base = self.nodes.len();
        self.nodes
            .extend(other.nodes.into_iter().skip(from).map(|mut n| {
                n.set_parent(parent(n.parent()));
                n
            }));
        // Every text here is of an element before those added.
        self.texts.extend(
            other
                .texts
                .into_iter()
                .filter(|(i, _)| *i >= from)
                .map(|(i, t)| (base + (i - from), t)),
        );
    }

    /// Gives back the room it has beyond its elements.
    pub fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.texts.shrink_to_fit();
    }

    /// How many elements it has room for.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.nodes.capacity()
    }
}

impl std::ops::Index<usize> for Structure {
    type Output = StructNode;
    fn index(&self, n: usize) -> &StructNode {
        &self.nodes[n]
    }
}

/// A structure element's text alternative (a figure's `/Alt`): held, or,
/// when it is long and the layout has a temporary file, put aside there
/// from the moment it is made until its element is written (a 66 MB
/// figure description's was held whole until the end of its PDF). Two are
/// equal when their texts are (read back from the file to compare; one
/// that cannot be read back equals none but itself).
#[derive(Debug, Clone)]
pub enum AltText {
    /// In memory.
    Held(String),
    /// In the temporary file.
    Aside(AsideText),
}

impl AltText {
    /// Its length in bytes.
    pub fn len(&self) -> usize {
        match self {
            AltText::Held(s) => s.len(),
            AltText::Aside(a) => a.place.len,
        }
    }

    /// Its text, in order, a piece at a time (each whole characters, the
    /// held text in one piece): the first error `each` or reading the file
    /// back gives stops it.
    pub fn pieces(&self, each: &mut dyn FnMut(&str) -> std::io::Result<()>) -> std::io::Result<()> {
        match self {
            AltText::Held(s) => each(s),
            AltText::Aside(a) => a.pieces(each),
        }
    }
}

impl PartialEq for AltText {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (AltText::Held(a), AltText::Held(b)) => a == b,
            (AltText::Aside(a), AltText::Aside(b)) if a == b => true,
            _ => {
                let text = |alt: &AltText| {
                    let mut s = String::new();
                    alt.pieces(&mut |p| {
                        s.push_str(p);
                        Ok(())
                    })
                    .ok()
                    .map(|()| s)
                };
                self.len() == other.len() && text(self).is_some_and(|a| Some(a) == text(other))
            }
        }
    }
}

/// A text put aside in the layout's temporary file: the file (shared) and
/// where the text is in it.
#[derive(Clone)]
pub struct AsideText {
    file: std::sync::Arc<crate::temp_file::TempFile>,
    place: crate::temp_file::Place,
}

/// How much of a text put aside is read back at once.
const ASIDE_PIECE: usize = 1 << 20;

impl AsideText {
    /// The text at `place` of `file` (valid UTF-8 written there).
    pub(super) fn new(
        file: std::sync::Arc<crate::temp_file::TempFile>,
        place: crate::temp_file::Place,
    ) -> Self {
        AsideText { file, place }
    }

    /// See [`AltText::pieces`]: pieces of at most [`ASIDE_PIECE`] bytes.
    fn pieces(&self, each: &mut dyn FnMut(&str) -> std::io::Result<()>) -> std::io::Result<()> {
        self.pieces_of(ASIDE_PIECE, each)
    }

    /// [`AsideText::pieces`] read `piece` bytes at a time (at least 4: a
    /// character cut in two is carried to the next).
    pub(super) fn pieces_of(
        &self,
        piece: usize,
        each: &mut dyn FnMut(&str) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let crate::temp_file::Place { offset, len } = self.place;
        let mut buf = Vec::with_capacity(piece.min(len));
        let mut read = 0;
        while read < len {
            // What the piece before left of a character cut in two, then
            // as much again as a piece takes.
            let carried = buf.len();
            let want = (piece - carried).min(len - read);
            buf.resize(carried + want, 0);
            let got = self
                .file
                .read_at(&mut buf[carried..], offset + read as u64)?;
            if got < want {
                return Err(std::io::Error::other(
                    "a text put aside in the temporary file is cut short there",
                ));
            }
            read += want;
            let whole = match std::str::from_utf8(&buf) {
                Ok(s) => s.len(),
                // A character cut at the end of the piece: the next has it.
                Err(e) if e.error_len().is_none() && read < len => e.valid_up_to(),
                Err(_) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "a text put aside in the temporary file reads back as no text",
                    ));
                }
            };
            // SAFETY: `from_utf8` found the first `whole` bytes valid.
            each(unsafe { std::str::from_utf8_unchecked(&buf[..whole]) })?;
            buf.drain(..whole);
        }
        Ok(())
    }
}

#[cfg(test)]
impl AsideText {
    /// `text` put in a temporary file of its own, after a few other bytes;
    /// `None` without one.
    pub(crate) fn written(text: &str) -> Option<Self> {
        let file = std::sync::Arc::new(crate::temp_file::TempFile::new()?);
        file.append(b"before").ok()?;
        let place = file.append(text.as_bytes()).ok()?;
        Some(AsideText::new(file, place))
    }

    /// The same text with a byte more than the file holds.
    pub(crate) fn cut_short(mut self) -> Self {
        self.place.len += 1;
        self
    }
}

impl std::fmt::Debug for AsideText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsideText")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

/// The same place of the same file.
impl PartialEq for AsideText {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.file, &other.file) && self.place == other.place
    }
}

impl StructNode {
    /// An element of `kind` under `parent`.
    pub fn new(kind: StructKind, parent: usize) -> Self {
        let mut node = StructNode::root();
        node.kind = kind;
        node.set_parent(Some(parent));
        node
    }
    /// The root.
    pub fn root() -> Self {
        StructNode {
            kind: StructKind::Document,
            parent: NO_PARENT,
        }
    }
    /// The element it is part of (`None` for the root).
    pub fn parent(&self) -> Option<usize> {
        (self.parent != NO_PARENT).then_some(self.parent as usize)
    }
    /// Puts it in element `parent` (`None`: makes it a root). An index of
    /// 4 billion or more, which no layout has (each node is at least a
    /// byte of text, and the PDF refuses inputs of that size long before),
    /// is kept as the largest index short of none: a node past every other,
    /// which the structure tree treats as a parent it cannot find.
    pub fn set_parent(&mut self, parent: Option<usize>) {
        self.parent = match parent {
            None => NO_PARENT,
            Some(p) => u32::try_from(p).map_or(NO_PARENT - 1, |p| p.min(NO_PARENT - 1)),
        };
    }
}

#[cfg(test)]
mod struct_node_tests {
    use super::{AltText, StructKind, StructNode, Structure};

    #[test]
    fn a_node_gives_back_its_parent() {
        let root = StructNode::root();
        assert_eq!(root.parent(), None);
        let mut n = StructNode::new(StructKind::Figure, 7);
        assert_eq!((n.kind, n.parent()), (StructKind::Figure, Some(7)));
        n.set_parent(None);
        assert_eq!(n.parent(), None);
        n.set_parent(Some(0));
        assert_eq!(n.parent(), Some(0));
        // An index no layout reaches is kept as a node past every other,
        // never as none.
        n.set_parent(Some(usize::MAX));
        assert_eq!(n.parent(), Some(u32::MAX as usize - 1));
    }

    /// Texts given to elements in any order are each found at their own
    /// element, and at no other; an element's texts taken away leave the
    /// structure as it was made.
    #[test]
    fn a_structure_gives_back_each_elements_texts() {
        let mut s = Structure::with_root();
        for i in 1..8 {
            assert_eq!(s.push(StructNode::new(StructKind::Figure, i - 1)), i);
        }
        let made = s.clone();
        let alt = |t: &str| Some(AltText::Held(t.into()));
        s.set_alt(5, alt("five"));
        s.set_lang(2, Some("fr".into()));
        s.set_alt(2, alt("two"));
        s.set_lang(7, Some("de".into()));
        s.set_alt(3, alt("three"));
        let texts: Vec<_> = (0..s.len())
            .map(|n| (s.alt(n).cloned(), s.lang(n)))
            .collect();
        assert_eq!(
            texts,
            [
                (None, None),
                (None, None),
                (alt("two"), Some("fr")),
                (alt("three"), None),
                (None, None),
                (alt("five"), None),
                (None, None),
                (None, Some("de")),
            ]
        );
        assert_ne!(s, made);
        for n in [2, 3, 5, 7] {
            s.set_alt(n, None);
            s.set_lang(n, None);
        }
        assert_eq!(s, made);
    }

    /// Elements appended from another structure keep their kinds and
    /// texts, their parents mapped, those before the first taken left out.
    #[test]
    fn a_structure_appended_brings_its_texts_along() {
        let mut book = Structure::with_root();
        book.push(StructNode::new(StructKind::Chapter, 0));
        book.set_lang(1, Some("fr".into()));
        let mut other = Structure::with_root();
        other.set_lang(0, Some("left out".into()));
        other.push(StructNode::new(StructKind::List, 0));
        other.push(StructNode::new(StructKind::Figure, 1));
        other.set_alt(2, Some(AltText::Held("a map".into())));
        other.set_lang(1, Some("cy".into()));
        book.append(other.clone(), 1, |p| p.map(|p| p + 10));
        let kinds: Vec<_> = book.nodes().iter().map(|n| (n.kind, n.parent())).collect();
        assert_eq!(
            kinds,
            [
                (StructKind::Document, None),
                (StructKind::Chapter, Some(0)),
                (StructKind::List, Some(10)),
                (StructKind::Figure, Some(11)),
            ]
        );
        assert_eq!(
            (book.lang(0), book.lang(1), book.lang(2), book.lang(3)),
            (None, Some("fr"), Some("cy"), None)
        );
        assert_eq!(book.alt(3), Some(&AltText::Held("a map".into())));
        assert_eq!(book.alt(2), None);
        // From the first element on, its root comes too, with its text.
        let mut whole = Structure::default();
        whole.append(other, 0, |p| p);
        assert_eq!(whole.lang(0), Some("left out"));
        assert_eq!(whole.alt(2), Some(&AltText::Held("a map".into())));
    }
}

#[cfg(test)]
mod cluster_tests {
    use super::Cluster;
    use std::collections::HashSet;

    /// A cluster gives back its text: no character, one character of one
    /// to four bytes (inline), or a longer one (numbered once per text,
    /// and told from the others without its text);
    /// it is 4 bytes, a glyph 10; and it hashes as its text, so that a set
    /// of clusters is looked up by text.
    #[test]
    fn clusters_read_back_as_their_text() {
        let texts = [
            "", "a", "é", "ש", "€", "𝄞", "\u{0}", "fi", "ffi", "e\u{301}", "𝄞𝄞",
        ];
        let clusters: Vec<Cluster> = texts.iter().map(|&t| Cluster::from(t)).collect();
        for (t, c) in texts.iter().zip(&clusters) {
            assert_eq!(&**c, *t);
            assert_eq!(format!("{c:?}"), format!("{t:?}"));
            assert_eq!(c.has_several_chars(), t.chars().count() > 1, "{t:?}");
        }
        assert_eq!(Cluster::from("ffi"), Cluster::from("ffi"));
        assert_ne!(Cluster::from("ffi"), Cluster::from("fi"));
        assert_ne!(Cluster::from("a"), Cluster::from("é"));
        assert_eq!(std::mem::size_of::<Cluster>(), 4);
        assert_eq!(std::mem::size_of::<super::Glyph>(), 10);
        let set: HashSet<Cluster> = clusters.into_iter().collect();
        assert_eq!(set.len(), texts.len());
        for t in texts {
            assert_eq!(set.get(t).map(|c| &**c), Some(t));
        }
        assert!(!set.contains("fl"));
    }
}
