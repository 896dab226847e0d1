//! The document model: the contract between the parser and every writer.
//!
//! Writers read only this model; they never look at the source text again.
//! Every node carries a [`Span`] of byte offsets into the original input
//! (a leading BOM included), so a diagnostic about any node can point at
//! `line:column` in the file the user gave us.
//!
//! The JSON writer serialises this model as it is, so field names here are a
//! public format: change them only with a version bump (see `README.md`).

use serde::Serialize;

pub(crate) mod put_away;
pub mod shared_str;
pub mod walk;
pub use shared_str::SharedStr;
pub use walk::{Visit, for_each_inlines, for_each_inlines_mut};

/// A half-open byte range `start..end` in the original input.
///
/// Offsets are 32-bit: an input is at most 4 GiB (`parse_article` refuses a
/// larger one), and every node of a document carries a span, so a large
/// article's nodes are smaller by 8 bytes each (issue 15: TEI memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the node.
    pub start: u32,
    /// One past the last byte of the node.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (an offset beyond 32 bits, which no
    /// parsed input has, is taken as `u32::MAX`).
    pub fn new(start: usize, end: usize) -> Self {
        let at = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Span {
            start: at(start),
            end: at(end),
        }
    }

    /// The byte range, to slice the source with.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A line end the parser joined by moving the line after it to follow the
/// one before (`Source::join_lines_moving`): where the space that joins
/// the lines stands now, and where the next line's text started as read.
/// Here, beside [`Span`], because the source keeps these and a text's
/// offsets map back through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MovedJoin {
    /// Where the space that joins the lines stands now.
    pub(crate) space: u32,
    /// Where the next line's text started in the text as read.
    pub(crate) after: u32,
}

/// A whole article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// Metadata from the command line or a sidecar file, never from the text.
    pub meta: Meta,
    /// The first line of the document.
    pub title: Title,
    /// Further lines of the title's block, if the first block has more than one line.
    pub subtitle: Option<Title>,
    /// A figure standing right after the title, before any other block.
    pub lead_figure: Option<Figure>,
    /// Blocks before the first heading.
    pub blocks: Vec<Block>,
    /// One section per level-2 heading, running to the next heading.
    pub sections: Vec<Section>,
    /// The heading in front of the reference list ("References", "Notes", …), if any.
    pub references_heading: Option<Heading>,
    /// The reference list, in number order (empty when the page has none).
    pub references: Vec<Reference>,
    /// True when paragraph lines were broken near a fixed width in the source.
    pub hard_wrapped: bool,
    /// How the flattener that made the text wrote it, as detected.
    pub style: SourceStyle,
}

/// How the flattener that made the text wrote it (FORMAT.md §1.1), as
/// detected once per document; `refolio check` prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceStyle {
    /// Indentation every body line shares (lynx: 3), removed before blocks are read.
    pub indent: usize,
    /// The page had no blank lines: every line is a block (trafilatura).
    pub line_blocks: bool,
    /// How the citation markers were written.
    pub markers: MarkerStyle,
    /// The back-link token of the reference list as written (`[]`, `↩︎`,
    /// `^`, …; Wikipedia's `^ a b` shows as `^`), if it has back-links.
    pub backlink: Option<String>,
}

/// How citation markers were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerStyle {
    /// No marker was found.
    #[default]
    None,
    /// Superscripts flattened to digits glued to the text (`Party1`).
    Glued,
    /// A caret before the number (`tribes.^2`), as text browsers write.
    Caret,
    /// Unicode superscript digits (`tribes.²`), as `pandoc -t plain` writes.
    Superscript,
    /// Brackets (`Party[1]`), as a pasted Wikipedia page has them.
    Bracket,
}

impl std::fmt::Display for SourceStyle {
    /// `markers written with a caret (^2), back-links ↩︎, hard-wrapped, indented by 3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let markers = match self.markers {
            MarkerStyle::None => "no markers",
            MarkerStyle::Glued => "markers glued to the text (word2)",
            MarkerStyle::Caret => "markers written with a caret (^2)",
            MarkerStyle::Superscript => "markers written as superscripts (²)",
            MarkerStyle::Bracket => "markers written in brackets ([2])",
        };
        write!(f, "{markers}")?;
        match &self.backlink {
            Some(t) => write!(f, ", back-links {t}")?,
            None => write!(f, ", no back-links")?,
        }
        if self.line_blocks {
            write!(f, ", one block per line")?;
        }
        if self.indent > 0 {
            write!(f, ", indented by {}", self.indent)?;
        }
        Ok(())
    }
}

/// `f(&word.to_lowercase())`, lower-cased on the stack when the word is
/// short ASCII (most words), so that no string is allocated (the word-list
/// lookups of the marker rules and the PDF's hyphenation lookups).
pub(crate) fn with_lowercase<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 48];
    match buf.get_mut(..word.len()) {
        Some(b) if word.is_ascii() => {
            b.copy_from_slice(word.as_bytes());
            b.make_ascii_lowercase();
            // SAFETY: the bytes were ASCII (`is_ascii`), and ASCII bytes
            // lower-cased are ASCII still: a `str`. (Checking it again
            // cost a call of some 70 instructions a word.)
            f(unsafe { std::str::from_utf8_unchecked(b) })
        }
        _ => f(&word.to_lowercase()),
    }
}

/// True if `c` may appear in an XML 1.0 document (the `Char` production):
/// every output's text is made of these ("characters not allowed in XML 1.0
/// … are reported as warnings with their position and dropped").
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// True if every character of `s` is an [`is_xml_char`]: one pass over the
/// bytes, no decoding (the only characters a `str` can hold that XML 1.0
/// does not allow are the C0 controls other than TAB, LF and CR, and
/// U+FFFE and U+FFFF, encoded `EF BF BE` and `EF BF BF`).
pub fn is_xml_text(s: &str) -> bool {
    let b = s.as_bytes();
    // One pass for the controls and the `EF` lead byte, a chunk at a time;
    // only a text with an `EF` (U+F000–U+FFFF: rare outside variation
    // selectors and the BOM) is searched for `EF BF BE` and `EF BF BF`.
    let (mut lead, mut control) = (false, false);
    crate::bytes::each_chunk(b, b' ', |_, c, own| {
        control = xml_controls(c) & own != 0;
        lead |= c.eq(0xEF) & own != 0;
        !control
    });
    !control
        && (!lead
            || !memchr::memchr_iter(0xEF, b)
                .any(|i| b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF))))
}

/// The bytes of `c` that are control characters XML 1.0 does not allow
/// (all below U+0020 but TAB, LF and CR).
pub(crate) fn xml_controls(c: crate::bytes::Chunk) -> crate::bytes::Mask {
    let below_space = c.in_range(0, 0x1F);
    // Most chunks have none (not even a line end): no more tests for them.
    if below_space == 0 {
        return 0;
    }
    below_space & !(c.eq(b'\t') | c.eq(b'\n') | c.eq(b'\r'))
}

/// The first character of `s` that XML 1.0 does not allow, with its
/// 0-based character index.
pub fn first_invalid_char(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|&(_, c)| !is_xml_char(c))
}

/// True if `tag` matches the `xsd:language` pattern
/// (`[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`) that TEI and XHTML require of
/// `xml:lang` values. Every well-formed BCP 47 tag does.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A metadata value that the outputs cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("metadata field `{field}` {reason}")]
pub struct MetaError {
    /// The field, by its command-line and sidecar key (`lang`, `author`,
    /// `source-url`, `date`, `license`).
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl Meta {
    /// Checks that every output can carry the metadata: no value holds a
    /// character XML 1.0 does not allow, and a non-empty `lang` is a
    /// language tag ([`is_language_tag`]).
    pub fn validate(&self) -> Result<(), MetaError> {
        let fields = [
            ("lang", Some(&self.lang)),
            ("author", self.author.as_ref()),
            ("source-url", self.source_url.as_ref()),
            ("date", self.date.as_ref()),
            ("license", self.license.as_ref()),
            ("publisher", self.publisher.as_ref()),
            ("accessed", self.accessed.as_ref()),
            ("source-title", self.source_title.as_ref()),
        ];
        for (field, value) in fields {
            if let Some((i, c)) = value.and_then(|v| first_invalid_char(v)) {
                return Err(MetaError {
                    field,
                    reason: format!(
                        "contains U+{:04X} at character {}, which XML 1.0 does not allow; remove it",
                        c as u32,
                        i + 1
                    ),
                });
            }
        }
        if !self.lang.is_empty() && !is_language_tag(&self.lang) {
            return Err(MetaError {
                field: "lang",
                reason: format!(
                    "is {:?}, which is not a language tag (expected e.g. `en`, `cs`, `en-GB`)",
                    self.lang
                ),
            });
        }
        Ok(())
    }
}

/// Metadata that does not come from the article text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Meta {
    /// BCP 47 language tag, `en` by default.
    pub lang: String,
    /// The article's author(s), as given.
    pub author: Option<String>,
    /// Where the article was published.
    pub source_url: Option<String>,
    /// Publication date, as given (ISO 8601 recommended).
    pub date: Option<String>,
    /// Licence statement, e.g. `CC BY 4.0`.
    pub license: Option<String>,
    /// Who publishes this edition (the TEI's `publicationStmt/publisher`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// When the source was read (ISO 8601), for the TEI's source description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessed: Option<String>,
    /// The title of the site or publication the article appeared in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_title: Option<String>,
}

impl Default for Meta {
    /// English, and nothing else known.
    fn default() -> Self {
        Meta {
            lang: "en".to_string(),
            author: None,
            source_url: None,
            date: None,
            license: None,
            publisher: None,
            accessed: None,
            source_title: None,
        }
    }
}

/// The document title (or subtitle): plain text, never carries markers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Title {
    /// Title text with white space normalised.
    pub text: String,
    /// Where it stands in the source.
    pub span: Span,
}

/// A section: a level-2 heading and the blocks up to the next heading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// The heading that opens the section.
    pub heading: Heading,
    /// The section's blocks, in order.
    pub blocks: Vec<Block>,
    /// From the heading to the end of the last block.
    pub span: Span,
}

/// A level-2 heading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heading {
    /// Heading text (headings never carry citation markers).
    pub inlines: Vec<Inline>,
    /// Where it stands in the source.
    pub span: Span,
}

/// A block of the article body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Running text; the source lines joined with one space.
    Paragraph(Paragraph),
    /// A bulleted or numbered list, possibly nested (boxed, as the
    /// figure: a large article has a block per paragraph, which then takes
    /// 32 bytes rather than 56).
    List(Box<List>),
    /// An image that the flattening left as alt text and caption.
    Figure(Box<Figure>),
    /// A block quotation (every source line indented by 4+ spaces).
    Quote(Quote),
    /// A thematic break (`* * *`, `---`, …).
    Rule(Rule),
}

impl Block {
    /// Where the block stands in the source.
    pub fn span(&self) -> Span {
        match self {
            Block::Paragraph(p) => p.span,
            Block::List(l) => l.span,
            Block::Figure(f) => f.span,
            Block::Quote(q) => q.span,
            Block::Rule(r) => r.span,
        }
    }
}

/// A paragraph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paragraph {
    /// Its text, markers and links.
    pub inlines: Vec<Inline>,
    /// Where it stands in the source.
    pub span: Span,
}

/// A list: bulleted or ordered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct List {
    /// True for `1.` / `1)` lists, false for bullets.
    pub ordered: bool,
    /// The number of the first item of an ordered list (1 for bullets).
    pub start: u64,
    /// The items, in order.
    pub items: Vec<ListItem>,
    /// Where it stands in the source.
    pub span: Span,
}

/// One list item: its own text, then any lists nested under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListItem {
    /// The item text without its bullet or number (continuation lines joined).
    pub inlines: Vec<Inline>,
    /// Lists opened by deeper-indented markers under this item.
    pub children: Vec<List>,
    /// Where it stands in the source (its lines, children included).
    pub span: Span,
}

/// A figure: the alt text of an image, and its caption when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// The image's alt text (first line of the block).
    pub alt: Vec<Inline>,
    /// The caption (second line), if any.
    pub caption: Option<Vec<Inline>>,
    /// Where it stands in the source.
    pub span: Span,
}

/// A block quotation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// Its text (lines joined with one space).
    pub inlines: Vec<Inline>,
    /// Where it stands in the source.
    pub span: Span,
}

/// A thematic break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Where it stands in the source.
    pub span: Span,
}

/// Inline content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inline {
    /// Plain text (characters not allowed in XML already removed).
    Text {
        /// The characters (most often a piece of the source's own buffer:
        /// see [`SharedStr`]).
        text: SharedStr,
        /// Where they stand in the source.
        span: Span,
    },
    /// A citation marker: a superscript reference number in the original page.
    Cite {
        /// The reference number.
        n: u32,
        /// 1 for the first marker of reference `n`, 2 for the second, …
        occurrence: u32,
        /// Where the digits stand in the source.
        span: Span,
        /// How sure the resolver was (FORMAT.md §4, "every decision has a
        /// margin").
        margin: Margin,
    },
    /// A bare `http://` or `https://` URL in the text.
    Link {
        /// The URL, which is also the link text (a piece of the text's
        /// buffer: see [`SharedStr`]).
        url: SharedStr,
        /// Where it stands in the source.
        span: Span,
    },
}

/// How much more plausible a resolver's decision was than the best reading
/// that differs in it, in log-odds (FORMAT.md §4). `None` when nothing else
/// was possible (and in documents built by hand). Serialised rounded to two
/// decimals, `null` for `None`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Margin(pub Option<f32>);

impl PartialEq for Margin {
    fn eq(&self, other: &Self) -> bool {
        self.0.map(f32::to_bits) == other.0.map(f32::to_bits)
    }
}

impl Eq for Margin {}

impl Serialize for Margin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(m) if m.is_finite() => s.serialize_some(&((f64::from(m) * 100.0).round() / 100.0)),
            _ => s.serialize_none(),
        }
    }
}

/// One entry of the reference list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// Its number (1-based, consecutive).
    pub n: u32,
    /// The entry text exactly as in the source, without number and
    /// back-links: the source's own characters when the entry is one line
    /// of it ([`SharedStr`]).
    pub raw: SharedStr,
    /// Structure recognised in `raw`: non-overlapping ranges, in order.
    /// Text between fields (such as the `"; "` separators) belongs to no field.
    /// (A boxed slice, held at its length: a long reference list holds one
    /// an entry.)
    pub fields: Box<[RefField]>,
    /// One per back-link token (`[]`, `↩︎`, `^ a`, …), in order: their
    /// number is the back-link count.
    pub backlinks: Box<[Backlink]>,
    /// Where the whole entry stands in the source.
    pub span: Span,
}

/// One back-link of a reference entry, as the source wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backlink {
    /// Where it stands in the source.
    #[serde(flatten)]
    pub span: Span,
    /// The token exactly as in the source (`[]`, `↩︎`, `[^]`, Wikipedia's
    /// `^ a`): the source's own characters when parsed ([`SharedStr`]).
    pub token: SharedStr,
}

/// A recognised part of a reference entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefField {
    /// What the part is.
    pub kind: RefFieldKind,
    /// Byte range within [`Reference::raw`] (32-bit, as a [`Span`]'s
    /// offsets are: [`RefField::range`]).
    pub start: u32,
    /// End of the byte range within [`Reference::raw`].
    pub end: u32,
    /// For dates: the ISO 8601 value (`1990-02-26`, `1990-02`, `1990`) when the
    /// date can be read as one.
    pub iso: Option<IsoDate>,
}

// A field in 20 bytes (its ISO date was a string of its own, 48 bytes
// and a block on the heap; its offsets were 64-bit, 32 bytes; its date
// took a byte more when absent, 24), and an entry in 64 (its fields and
// back-links were vectors, 80).
const _: () = assert!(std::mem::size_of::<RefField>() == 20);
const _: () = assert!(std::mem::size_of::<Reference>() == 64);

/// A date's ISO 8601 value, `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, held in
/// the room of its ten characters (a reference list of thousands of
/// entries holds one an entry). Reads, compares, prints and serialises as
/// its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IsoDate {
    text: [u8; 10],
    /// 4, 7 or 10, never 0: an absent date takes no more room than one
    /// (`Option<IsoDate>` is 11 bytes, a field 20).
    len: std::num::NonZeroU8,
}

impl IsoDate {
    /// The date `text` when it is `YYYY-MM-DD`, `YYYY-MM` or `YYYY`
    /// written with ASCII digits (its numbers are not checked).
    pub fn parse(text: &str) -> Option<IsoDate> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let shaped = match b.len() {
            4 => digits(0..4),
            7 => digits(0..4) && b[4] == b'-' && digits(5..7),
            10 => digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
            _ => false,
        };
        shaped.then(|| {
            let mut text = [0; 10];
            text[..b.len()].copy_from_slice(b);
            IsoDate::of(text, b.len())
        })
    }

    /// The date of year `y`, month `m` and day `d` (`y` below 10,000, `m`
    /// and `d` below 100; a day only with a month), written as
    /// `format!("{y:04}-{m:02}-{d:02}")` would.
    pub fn from_parts(y: u32, m: Option<u32>, d: Option<u32>) -> Option<IsoDate> {
        if y > 9999
            || m.is_some_and(|m| m > 99)
            || d.is_some_and(|d| d > 99)
            || (d.is_some() && m.is_none())
        {
            return None;
        }
        let (mut text, mut len) = ([0; 10], 0);
        // `before`, then `n` in `width` digits.
        let mut push = |before: Option<u8>, n: u32, width: u32| {
            let bytes = before.into_iter().chain(
                (0..width)
                    .rev()
                    .map(|k| b'0' + (n / 10u32.pow(k) % 10) as u8),
            );
            for b in bytes {
                text[len] = b;
                len += 1;
            }
        };
        push(None, y, 4);
        for part in [m, d].into_iter().flatten() {
            push(Some(b'-'), part, 2);
        }
        Some(IsoDate::of(text, len))
    }

    /// The date of the first `len` bytes of `text` (4, 7 or 10).
    fn of(text: [u8; 10], len: usize) -> IsoDate {
        IsoDate {
            text,
            len: std::num::NonZeroU8::new(len as u8).expect("a date has four characters or more"),
        }
    }

    /// The date as text.
    pub fn as_str(&self) -> &str {
        // ASCII digits and hyphens only (`parse`).
        std::str::from_utf8(&self.text[..usize::from(self.len.get())]).unwrap_or_default()
    }
}

impl std::ops::Deref for IsoDate {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for IsoDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for IsoDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IsoDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The kinds of reference fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefFieldKind {
    /// The work's title.
    Title,
    /// The person who wrote it.
    Author,
    /// The site, publisher, newspaper or organisation that published it.
    Publisher,
    /// When it was published.
    Date,
}

/// Building documents in code (tests, other front ends): nodes whose spans
/// are empty (`Span::default()`), which every writer accepts like parsed ones.
impl Document {
    /// A document with only a title, in English.
    pub fn new(title: impl Into<String>) -> Document {
        Document {
            meta: Meta::default(),
            title: Title {
                text: title.into(),
                span: Span::default(),
            },
            subtitle: None,
            lead_figure: None,
            blocks: Vec::new(),
            sections: Vec::new(),
            references_heading: None,
            references: Vec::new(),
            hard_wrapped: false,
            style: SourceStyle::default(),
        }
    }
}

impl Inline {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Inline {
        Inline::Text {
            text: SharedStr::from(text.into()),
            span: Span::default(),
        }
    }
    /// Occurrence `occurrence` of a marker of reference `n`.
    pub fn cite(n: u32, occurrence: u32) -> Inline {
        Inline::Cite {
            n,
            occurrence,
            span: Span::default(),
            margin: Margin::default(),
        }
    }
    /// A bare URL.
    pub fn link(url: impl Into<String>) -> Inline {
        Inline::Link {
            url: SharedStr::from(url.into()),
            span: Span::default(),
        }
    }
}

impl Block {
    /// A paragraph of `inlines`.
    pub fn paragraph(inlines: Vec<Inline>) -> Block {
        Block::Paragraph(Paragraph {
            inlines,
            span: Span::default(),
        })
    }
}

impl Reference {
    /// Entry `n` with its text, fields and number of back-links.
    pub fn new(
        n: u32,
        raw: impl Into<SharedStr>,
        fields: Vec<RefField>,
        backlinks: usize,
    ) -> Reference {
        Reference {
            n,
            raw: raw.into(),
            fields: fields.into_boxed_slice(),
            backlinks: vec![
                Backlink {
                    span: Span::default(),
                    token: "[]".into(),
                };
                backlinks
            ]
            .into_boxed_slice(),
            span: Span::default(),
        }
    }
}

impl RefField {
    /// A field over `start..end` of the entry text; `iso` for dates (kept
    /// when it is an ISO 8601 date: [`IsoDate::parse`]). Offsets past
    /// 4 GiB − 1 are taken as 4 GiB − 1 (no entry is so long: an article
    /// is at most [`crate::MAX_INPUT_BYTES`]).
    pub fn new(kind: RefFieldKind, start: usize, end: usize, iso: Option<&str>) -> RefField {
        let offset = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
        RefField {
            kind,
            start: offset(start),
            end: offset(end),
            iso: iso.and_then(IsoDate::parse),
        }
    }

    /// The byte range within [`Reference::raw`].
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl Document {
    /// Every body block in reading order: the blocks before the first
    /// heading, then each section's blocks (the lead figure is not included).
    pub fn all_blocks(&self) -> impl Iterator<Item = &Block> {
        self.blocks
            .iter()
            .chain(self.sections.iter().flat_map(|s| s.blocks.iter()))
    }
}

/// A piece of a reference's `raw` text: plain text, or one recognised field
/// with its text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawPart<'a> {
    /// Text outside any field (possibly empty).
    Text(&'a str),
    /// A recognised field and the text it covers.
    Field(&'a RefField, &'a str),
}

impl Reference {
    /// `raw` cut into plain text and its recognised fields, in order: text,
    /// field, text, field, …, text. Fields that are out of order,
    /// overlapping, empty or not on character boundaries stay plain text,
    /// so the parts always join to `raw` exactly.
    pub fn raw_parts(&self) -> Vec<RawPart<'_>> {
        let raw: &str = &self.raw;
        let mut parts = Vec::with_capacity(2 * self.fields.len() + 1);
        let mut pos = 0;
        for f in &self.fields {
            let (start, end) = (f.start as usize, f.end as usize);
            let usable = pos <= start
                && start < end
                && end <= raw.len()
                && raw.is_char_boundary(start)
                && raw.is_char_boundary(end);
            if !usable {
                continue;
            }
            parts.push(RawPart::Text(&raw[pos..start]));
            parts.push(RawPart::Field(f, &raw[start..end]));
            pos = end;
        }
        parts.push(RawPart::Text(&raw[pos..]));
        parts
    }
}

/// The last character of [`plain_text`] but white space, without making
/// it (a paragraph's text, 8 MB for an article on one line).
pub fn plain_text_last(inlines: &[Inline]) -> Option<char> {
    inlines.iter().rev().find_map(|i| match i {
        Inline::Text { text, .. } => text.trim_end().chars().next_back(),
        Inline::Link { url, .. } => url.trim_end().chars().next_back(),
        Inline::Cite { .. } => None,
    })
}

/// The plain text of inlines (markers left out), as the article reads
/// without them, in a string of its size (pushed a piece at a time, a long
/// figure description's grew to twice its size).
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut s = String::with_capacity(plain_text_pieces(inlines).map(str::len).sum());
    plain_text_pieces(inlines).for_each(|t| s.push_str(t));
    s
}

/// The pieces of [`plain_text`], in order, without making it.
pub fn plain_text_pieces(inlines: &[Inline]) -> impl Iterator<Item = &str> {
    inlines.iter().filter_map(|i| match i {
        Inline::Text { text, .. } => Some(text.as_str()),
        Inline::Link { url, .. } => Some(url.as_str()),
        Inline::Cite { .. } => None,
    })
}

#[cfg(test)]
mod plain_text_tests {
    use super::{Inline, plain_text, plain_text_last};

    /// The last character but white space is that of the plain text made
    /// whole: after markers, blank pieces, links, at the end of a piece
    /// with white space after it, and none at all.
    #[test]
    fn the_last_character_is_that_of_the_whole_plain_text() {
        let cases: Vec<Vec<Inline>> = vec![
            vec![],
            vec![Inline::text("as follows: ")],
            vec![Inline::text("as follows:"), Inline::cite(1, 1)],
            vec![
                Inline::text("listed:"),
                Inline::text(" \n "),
                Inline::cite(2, 1),
            ],
            vec![Inline::text("see "), Inline::link("http://example.org/a:")],
            vec![Inline::text("  "), Inline::cite(3, 1)],
            vec![Inline::text("déjà vu é\u{3000}")],
        ];
        for inlines in &cases {
            assert_eq!(
                plain_text_last(inlines),
                plain_text(inlines).trim_end().chars().next_back(),
                "{inlines:?}"
            );
        }
        assert_eq!(plain_text_last(&cases[3]), Some(':'));
    }
}

#[cfg(test)]
mod iso_date_tests {
    use super::IsoDate;

    proptest::proptest! {
        /// A date made of its numbers is the date written as
        /// `format!("{y:04}-{m:02}-{d:02}")` writes it, read back; it
        /// prints and serialises as that text.
        #[test]
        fn a_date_is_its_text(
            y in 0u32..10_000,
            m in proptest::option::of(0u32..100),
            d in 0u32..100,
            with_day in proptest::bool::ANY,
        ) {
            let d = (with_day && m.is_some()).then_some(d);
            let text = match (m, d) {
                (Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
                (Some(m), None) => format!("{y:04}-{m:02}"),
                _ => format!("{y:04}"),
            };
            let date = IsoDate::from_parts(y, m, d).unwrap();
            proptest::prop_assert_eq!(date.as_str(), &text);
            proptest::prop_assert_eq!(Some(date), IsoDate::parse(&text));
            proptest::prop_assert_eq!(date.to_string(), text.clone());
            proptest::prop_assert_eq!(format!("{date:?}"), format!("{text:?}"));
            proptest::prop_assert_eq!(serde_json::to_string(&date).unwrap(), format!("{text:?}"));
        }
    }

    /// Only the three shapes, in ASCII digits, are dates; numbers too
    /// large for them are not.
    #[test]
    fn other_texts_are_not_dates() {
        for text in [
            "",
            "199",
            "19900",
            "1990-2",
            "1990-02-2",
            "1990/02/26",
            "１９９０",
            "1990-02-26 ",
            "abcd",
        ] {
            assert_eq!(IsoDate::parse(text), None, "{text:?}");
        }
        assert_eq!(IsoDate::from_parts(10_000, None, None), None);
        assert_eq!(IsoDate::from_parts(1990, Some(100), None), None);
        assert_eq!(IsoDate::from_parts(1990, None, Some(2)), None);
    }
}

#[cfg(test)]
mod ref_field_tests {
    use super::{RawPart, RefField, RefFieldKind, Reference};

    /// A field's 32-bit offsets are those it was made with, as a range of
    /// the entry's text; offsets past 4 GiB − 1 are taken as 4 GiB − 1,
    /// and such a field stays plain text (out of range).
    #[test]
    fn a_field_covers_the_range_it_was_made_with() {
        let raw = "A title; Harbour board; 1880";
        let f = RefField::new(RefFieldKind::Publisher, 9, 22, None);
        assert_eq!(f.range(), 9..22);
        assert_eq!(&raw[f.range()], "Harbour board");
        let far = RefField::new(RefFieldKind::Date, usize::MAX - 1, usize::MAX, Some("1880"));
        assert_eq!((far.start, far.end), (u32::MAX, u32::MAX));
        let r = Reference::new(1, raw, vec![f.clone(), far], 0);
        assert_eq!(
            r.raw_parts(),
            [
                RawPart::Text("A title; "),
                RawPart::Field(&f, "Harbour board"),
                RawPart::Text("; 1880"),
            ]
        );
        // Compared and serialised as the numbers they are.
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            serde_json::json!({"kind": "publisher", "start": 9, "end": 22, "iso": null})
        );
    }
}
