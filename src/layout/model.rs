//! The layout's model: glyphs, runs and lines, and the pages, links and
//! outline they are placed in — what [`super::layout`] returns and
//! `write::pdf` draws.

use super::*;

/// The characters a glyph stands for: one shared string per distinct
/// cluster (`e`, `fi`), behind a thin pointer, so that a glyph is 16 bytes
/// rather than 32 (a laid-out article holds one per character until its
/// pages are drawn).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cluster(Arc<String>);

impl std::ops::Deref for Cluster {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Cluster {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Cluster {
    fn from(s: &str) -> Self {
        Cluster(Arc::new(s.to_string()))
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self.0, f)
    }
}

/// One glyph to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Glyph id in its font.
    pub gid: u16,
    /// The characters it stands for (for text extraction).
    pub text: Cluster,
    /// Distance to the next glyph, in points (kerning and justification included).
    pub advance: f32,
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
    /// The pages.
    pub pages: Vec<Page>,
    /// Bookmarks in document order.
    pub outline: Vec<OutlineItem>,
    /// Characters without a glyph.
    pub missing: Vec<MissingGlyph>,
    /// Where each marker (n, k) landed.
    pub markers: HashMap<(u32, u32), Dest>,
    /// Where each reference entry landed.
    pub references: HashMap<u32, Dest>,
    /// How the pages are numbered, by ranges (a book's roman front matter,
    /// then arabic from its first chapter): the PDF's `/PageLabels`. Empty
    /// for an article, numbered 1, 2, 3… like its pages.
    pub page_labels: Vec<PageLabel>,
    /// The logical structure (the tagged PDF's structure tree): element 0
    /// is the root, every other element names its parent, which comes
    /// before it. Lines point into it ([`PlacedLine::node`]).
    pub structure: Vec<StructNode>,
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

/// An element of the logical structure.
#[derive(Debug, Clone, PartialEq)]
pub struct StructNode {
    /// What it is.
    pub kind: StructKind,
    /// The element it is part of (`None` for the root).
    pub parent: Option<usize>,
    /// A text alternative (a figure's alt text).
    pub alt: Option<String>,
    /// Its language, when it differs from the document's.
    pub lang: Option<String>,
}

impl StructNode {
    /// An element of `kind` under `parent`.
    pub fn new(kind: StructKind, parent: usize) -> Self {
        StructNode {
            kind,
            parent: Some(parent),
            alt: None,
            lang: None,
        }
    }
    /// The root.
    pub fn root() -> Self {
        StructNode {
            kind: StructKind::Document,
            parent: None,
            alt: None,
            lang: None,
        }
    }
}
