//! Small XML output helpers shared by the XML-based writers (TEI now, EPUB
//! XHTML later), built on quick-xml: its writer holds the output buffer and
//! writes the declaration and processing instructions; tags and text go
//! into that buffer as the very bytes quick-xml's writer makes of their
//! events (a property test compares the two), without an event for each.
//!
//! [`XmlWriter`] distinguishes two kinds of content:
//!
//! - *structural* (element-only) content, such as TEI `body`, `div`, `list`:
//!   each child starts on a new line, indented by two spaces per level;
//! - *mixed* content, such as `p`, `head`, `item`, `bibl`: opened with
//!   [`XmlWriter::start_mixed`], everything inside is written without any added
//!   white space, because white space there would change the text.
//!
//! Every text and attribute value is checked: characters that XML 1.0 does
//! not allow are never written; the writer fails with [`WriteError::Char`]
//! instead. Metadata values from the user are checked up front by
//! [`crate::ast::Meta::validate`], whose errors name the offending field.

use crate::bytes::{Chunk, Mask};
use crate::error::WriteError;
use quick_xml::events::{BytesDecl, BytesPI, Event};
use std::borrow::Cow;
use std::io::Write;

/// How many bytes [`XmlWriter`] gathers before it writes them out.
const FLUSH_AT: usize = 64 * 1024;

/// One indentation level of structural content.
const INDENT: &[u8] = b"  ";

#[cfg(test)]
use crate::ast::is_xml_char;
pub use crate::ast::{first_invalid_char, is_xml_text};

/// Fails with [`WriteError::Char`] if `value` contains a character that
/// XML 1.0 does not allow; `what` names the value in the message
/// (e.g. ``"metadata field `author`"``).
pub fn check_chars(what: &str, value: &str) -> Result<(), WriteError> {
    check_chars_with(|| what.to_string(), value)
}

/// [`check_chars`] that builds the description only when it is needed.
fn check_chars_with(what: impl FnOnce() -> String, value: &str) -> Result<(), WriteError> {
    if is_xml_text(value) {
        return Ok(());
    }
    match first_invalid_char(value) {
        None => Ok(()),
        Some((i, c)) => Err(WriteError::Char(crate::error::InvalidChar {
            what: what(),
            code: c as u32,
            index: i + 1,
            span: None,
        })),
    }
}

/// True if `s` is a W3C date usable in TEI `@when`: `YYYY`, `YYYY-MM` or
/// `YYYY-MM-DD` (a real calendar day; year 0000 is not allowed).
pub fn is_w3c_date(s: &str) -> bool {
    fn num(p: &str, len: usize) -> Option<u32> {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    }
    let parts: Vec<&str> = s.split('-').collect();
    let Some(year) = parts.first().and_then(|p| num(p, 4)) else {
        return false;
    };
    if year == 0 {
        return false;
    }
    let month = match parts.get(1) {
        None => return parts.len() == 1,
        Some(p) => match num(p, 2) {
            Some(m @ 1..=12) => m,
            _ => return false,
        },
    };
    let day = match parts.get(2) {
        None => return parts.len() == 2,
        Some(p) => match num(p, 2) {
            Some(d) => d,
            None => return false,
        },
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    parts.len() == 3 && (1..=days).contains(&day)
}

/// Makes `url` usable as a URI-reference attribute value (`xsd:anyURI`):
/// percent-encodes white space, controls, the characters `"<>\^`{|}` and a
/// `%` that does not start a `%XX` escape. Everything else (including
/// non-ASCII characters, as in an IRI) is kept. The link *text* should stay
/// the original string.
pub fn uri_attr(url: &str) -> Cow<'_, str> {
    let b = url.as_bytes();
    let needs = |i: usize, c: u8| -> bool {
        match c {
            0..=0x20 | 0x7F | b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => true,
            b'%' => {
                !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            }
            _ => false,
        }
    };
    if !b.iter().enumerate().any(|(i, &c)| needs(i, c)) {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len() + 8);
    for (i, ch) in url.char_indices() {
        if ch.is_ascii() && needs(i, ch as u8) {
            out.push_str(&format!("%{:02X}", ch as u32));
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Which bytes an escape replaces: `<`, `>`, `&` and CR in text (what
/// quick-xml's `partial_escape` replaces); in attribute values also the
/// quotes, TAB and LF (its attribute escape), which attribute-value
/// normalisation would otherwise turn into spaces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    Text,
    Attribute,
}

impl Escape {
    /// The bytes of `c` to replace.
    fn mask(self, c: Chunk) -> Mask {
        let text = c.eq(b'<') | c.eq(b'>') | c.eq(b'&') | c.eq(b'\r');
        match self {
            Escape::Text => text,
            Escape::Attribute => text | c.eq(b'\'') | c.eq(b'"') | c.eq(b'\n') | c.eq(b'\t'),
        }
    }

    /// Where the first byte to replace is, if any.
    fn first(self, s: &[u8]) -> Option<usize> {
        let mut first = None;
        crate::bytes::each_chunk(s, b' ', |at, c, own| {
            let m = self.mask(c) & own;
            if m != 0 {
                first = Some(at + m.trailing_zeros() as usize);
            }
            m == 0
        });
        first
    }

    /// What the writer needs to know of `s`, from one pass over its bytes.
    fn scan(self, s: &str) -> Scan {
        if s.len() < SHORT {
            return self.scan_short(s);
        }
        self.scan_chunks(s)
    }

    /// [`Escape::scan`] a chunk at a time.
    fn scan_chunks(self, s: &str) -> Scan {
        let mut odd = 0;
        let mut escape = None;
        let mut continuation = 0;
        crate::bytes::each_chunk(s.as_bytes(), b' ', |at, c, own| {
            odd |= (crate::ast::xml_controls(c) | c.eq(0xEF)) & own;
            if escape.is_none() {
                let m = self.mask(c) & own;
                if m != 0 {
                    escape = Some(at + m.trailing_zeros() as usize);
                }
            }
            // Counted only when there is one to count: the build targets
            // every x86-64, which has no popcount instruction, and most
            // chunks of most texts are ASCII.
            let m = c.in_range(0x80, 0xBF) & own;
            if m != 0 {
                continuation += m.count_ones() as usize;
            }
            true
        });
        Scan {
            plain: odd == 0,
            escape,
            chars: s.len() - continuation,
        }
    }

    /// [`Escape::scan`] a byte at a time, from a table ([`CLASSES`]): most
    /// texts and attribute values the writers write are a few bytes (an id,
    /// a number, a type), and making them into a chunk cost more than
    /// looking at each.
    fn scan_short(self, s: &str) -> Scan {
        let escape_class = match self {
            Escape::Text => TEXT_ESCAPE,
            Escape::Attribute => ATTRIBUTE_ESCAPE,
        };
        // Every byte's classes together, and the continuation bytes
        // counted (the highest class, a bit that shifts down to 1), with no
        // branch; the first byte to escape is looked for only when there is
        // one.
        let (mut all, mut continuation) = (0, 0);
        for &b in s.as_bytes() {
            let class = CLASSES[usize::from(b)];
            all |= class;
            continuation += usize::from(class >> CONTINUATION.trailing_zeros());
        }
        let escape = (all & escape_class != 0)
            .then(|| {
                s.bytes()
                    .position(|b| CLASSES[usize::from(b)] & escape_class != 0)
            })
            .flatten();
        Scan {
            plain: all & ODD == 0,
            escape,
            chars: s.len() - continuation,
        }
    }
}

/// Strings shorter than this are scanned a byte at a time
/// ([`Escape::scan_short`]).
const SHORT: usize = crate::bytes::CHUNK;

/// The classes of a byte for [`Escape::scan_short`]: what the chunk scan
/// finds of it ([`crate::ast::xml_controls`], the `EF` lead byte,
/// [`Escape::mask`], UTF-8 continuation bytes).
static CLASSES: [u8; 256] = byte_classes();

/// A control XML does not allow, or `EF` (the lead byte of U+FFFE, U+FFFF).
const ODD: u8 = 1;
/// Replaced in text.
const TEXT_ESCAPE: u8 = 2;
/// Replaced in an attribute value.
const ATTRIBUTE_ESCAPE: u8 = 4;
/// A UTF-8 continuation byte (the highest class: [`Escape::scan_short`]
/// counts them by shifting it down).
const CONTINUATION: u8 = 8;

const fn byte_classes() -> [u8; 256] {
    let mut table = [0; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        if (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF {
            class |= ODD;
        }
        if matches!(b, b'<' | b'>' | b'&' | b'\r') {
            class |= TEXT_ESCAPE | ATTRIBUTE_ESCAPE;
        }
        if matches!(b, b'\'' | b'"' | b'\n' | b'\t') {
            class |= ATTRIBUTE_ESCAPE;
        }
        if matches!(b, 0x80..=0xBF) {
            class |= CONTINUATION;
        }
        table[i] = class;
        i += 1;
    }
    table
}

/// Appends `s` to `out`, escaped as `how` says, with the same entity
/// references as quick-xml's escapes (`&lt;` `&gt;` `&amp;` `&apos;`
/// `&quot;` `&#9;` `&#10;` `&#13;`). `first` is where the first byte to
/// replace is ([`Escape::first`], or the writer's [`Escape::scan`]).
fn escape_into(out: &mut impl Sink, s: &str, how: Escape, first: Option<usize>) {
    let b = s.as_bytes();
    let mut done = 0;
    let mut next = first;
    while let Some(at) = next {
        out.put(&s[done..at]);
        out.put(match b[at] {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'\'' => "&apos;",
            b'"' => "&quot;",
            b'\t' => "&#9;",
            b'\n' => "&#10;",
            _ => "&#13;",
        });
        done = at + 1;
        next = how.first(&b[done..]).map(|i| done + i);
    }
    out.put(&s[done..]);
}

/// Where [`escape_into`] appends: a string, or the writer's byte buffer.
trait Sink {
    /// Appends `s`.
    fn put(&mut self, s: &str);
}

impl Sink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

impl Sink for Vec<u8> {
    /// See [`crate::bytes::append`].
    #[inline]
    fn put(&mut self, s: &str) {
        crate::bytes::append(self, s.as_bytes());
    }
}

/// A piece of an attribute value or a text that the writer puts together
/// as it writes it ([`XmlWriter::start_mixed_pieces`],
/// [`XmlWriter::text_element_pieces`]): the ids, targets and numbers of citation
/// markers and back-links (`#ref-3`, `cite-3-2`, `3`), thousands in an
/// article, are written from their parts, with no string made for them and
/// no scan of the parts the program made itself.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Piece<'a> {
    /// A literal of the program's own that neither needs escaping nor
    /// holds a character XML forbids: ASCII letters, digits and `#-_.:`
    /// ([`is_plain`], asserted in debug builds).
    Plain(&'static str),
    /// A number's decimal digits.
    Number(u64),
    /// Any other text (an id prefix), checked and escaped as every value is.
    Text(&'a str),
}

/// Made only of ASCII letters, digits and `#-_.:`, which no escape replaces
/// and XML allows everywhere ([`Piece::Plain`]).
fn is_plain(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'#' | b'-' | b'_' | b'.' | b':'))
}

/// Appends `pieces` to `out`, escaped as `how` says, and returns how many
/// characters they hold: the bytes that [`escape_into`] makes of their
/// concatenation. A character XML forbids fails as in
/// [`check_chars_with`], its position counted in the whole value; `what`
/// names the value.
fn put_pieces(
    out: &mut Vec<u8>,
    pieces: &[Piece<'_>],
    how: Escape,
    what: impl Fn() -> String,
) -> Result<usize, WriteError> {
    let mut chars = 0;
    for piece in pieces {
        match *piece {
            Piece::Plain(s) => {
                debug_assert!(is_plain(s), "{s:?} is not plain");
                out.put(s);
                chars += s.len();
            }
            Piece::Number(n) => {
                let before = out.len();
                crate::bytes::append_decimal(out, n);
                chars += out.len() - before;
            }
            Piece::Text(s) => {
                if s.is_empty() {
                    continue;
                }
                let scan = how.scan(s);
                if !scan.plain {
                    check_chars_with(&what, s).map_err(|e| match e {
                        WriteError::Char(mut c) => {
                            c.index += chars;
                            WriteError::Char(c)
                        }
                        other => other,
                    })?;
                }
                escape_into(out, s, how, scan.escape);
                chars += scan.chars;
            }
        }
    }
    Ok(chars)
}

/// What the writer needs to know of a text or an attribute value
/// ([`Escape::scan`]).
struct Scan {
    /// No control character and no `EF` lead byte: XML allows every
    /// character ([`check_chars_with`] looks closer at the others).
    plain: bool,
    /// The first byte to escape.
    escape: Option<usize>,
    /// The number of characters: the bytes less the UTF-8 continuation
    /// bytes.
    chars: usize,
}

/// Writes [`XmlWriter`]'s buffer to its output and empties it (a free
/// function, so that text borrowed from the writer's scratch buffer can be
/// written after it).
fn hand_on(buffer: &mut quick_xml::Writer<Vec<u8>>, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(buffer.get_ref())?;
    buffer.get_mut().clear();
    Ok(())
}

/// An open element on the writer's stack.
#[derive(Debug)]
struct Frame {
    name: &'static str,
    /// Something was written inside it.
    has_children: bool,
}

/// A streaming XML writer that pretty-prints structural content and never
/// adds white space inside mixed content. See the [module docs](self).
///
/// Attribute values and text are escaped (`<`, `>`, `&`, CR; in attributes
/// also quotes, TAB and LF), so `]]>` is always written as `]]&gt;`.
pub struct XmlWriter<'w> {
    /// quick-xml's writer, into a buffer that is handed to `out` every
    /// [`FLUSH_AT`] bytes and at [`XmlWriter::finish`] (one call through
    /// `dyn Write` per 64 KB, not three per element).
    inner: quick_xml::Writer<Vec<u8>>,
    out: &'w mut dyn Write,
    stack: Vec<Frame>,
    /// Stack depth at which mixed content began (the element opened by
    /// `start_mixed` is at index `depth - 1`), if inside mixed content.
    mixed_from: Option<usize>,
    /// Whether anything has been written yet (no leading newline before it).
    started: bool,
    /// Characters of text written so far (see [`XmlWriter::text_chars`]).
    text_chars: usize,
    /// The escaped text being made (one buffer for the whole
    /// document: no allocation per element).
    scratch: String,
}

impl<'w> XmlWriter<'w> {
    /// A writer into `out`. Nothing is written until the first call.
    pub fn new(out: &'w mut dyn Write) -> Self {
        XmlWriter {
            inner: quick_xml::Writer::new(Vec::with_capacity(FLUSH_AT + 4096)),
            out,
            stack: Vec::new(),
            mixed_from: None,
            started: false,
            text_chars: 0,
            scratch: String::new(),
        }
    }

    /// How many characters of text (unescaped, as [`XmlWriter::text`] was
    /// given them) have been written: the difference between two calls is
    /// the text content of what was written between them.
    pub fn text_chars(&self) -> usize {
        self.text_chars
    }

    /// True inside mixed content.
    pub fn in_mixed(&self) -> bool {
        self.mixed_from.is_some()
    }

    /// Writes `<?xml version="1.0" encoding="UTF-8"?>`.
    pub fn declaration(&mut self) -> Result<(), WriteError> {
        self.inner
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        self.started = true;
        Ok(())
    }

    /// A processing instruction on its own line before the root element
    /// (`<?xml-model …?>`); `content` is the target and its pseudo-attributes.
    pub fn processing_instruction(&mut self, content: &str) -> Result<(), WriteError> {
        if self.started {
            self.newline(0)?;
        }
        self.inner.write_event(Event::PI(BytesPI::new(content)))?;
        self.started = true;
        Ok(())
    }

    /// Newline and indentation before a structural child, and bookkeeping.
    fn before_child(&mut self) -> Result<(), WriteError> {
        if let Some(parent) = self.stack.last_mut() {
            parent.has_children = true;
        }
        if !self.in_mixed() {
            if self.started {
                self.newline(self.stack.len())?;
            }
            self.started = true;
        }
        Ok(())
    }

    fn newline(&mut self, depth: usize) -> Result<(), WriteError> {
        let out = self.inner.get_mut();
        out.write_all(b"\n")?;
        for _ in 0..depth {
            out.write_all(INDENT)?;
        }
        Ok(())
    }

    /// Writes the tag `<name attrs…` and then `close` (`>` or `/>`): the
    /// name, then ` key="value"` for each attribute, its value escaped
    /// (what quick-xml's writer makes of a `BytesStart` event whose
    /// attributes `push_attribute` added, written straight into the buffer
    /// rather than through an event and a buffer per tag).
    fn tag(
        &mut self,
        name: &'static str,
        attrs: &[(&str, &str)],
        close: &str,
    ) -> Result<(), WriteError> {
        let out = self.inner.get_mut();
        out.push(b'<');
        out.put(name);
        for &(key, value) in attrs {
            let scan = Escape::Attribute.scan(value);
            if !scan.plain {
                check_chars_with(|| format!("attribute `{key}` of <{name}>"), value)?;
            }
            out.push(b' ');
            out.put(key);
            out.put("=\"");
            escape_into(out, value, Escape::Attribute, scan.escape);
            out.push(b'"');
        }
        out.put(close);
        Ok(())
    }

    /// Opens element `name`. In structural content it starts on a new line;
    /// inside mixed content it is written inline.
    pub fn start(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> Result<(), WriteError> {
        self.before_child()?;
        self.tag(name, attrs, ">")?;
        self.stack.push(Frame {
            name,
            has_children: false,
        });
        Ok(())
    }

    /// Opens element `name` whose content is mixed: no white space is added
    /// anywhere inside it, down to its matching [`end`](Self::end).
    pub fn start_mixed(
        &mut self,
        name: &'static str,
        attrs: &[(&str, &str)],
    ) -> Result<(), WriteError> {
        self.start(name, attrs)?;
        if self.mixed_from.is_none() {
            self.mixed_from = Some(self.stack.len());
        }
        Ok(())
    }

    /// Opens element `name` with mixed content, as
    /// [`XmlWriter::start_mixed`] does, each attribute value put together
    /// from its pieces ([`Piece`]): the same bytes as for the values they
    /// make.
    pub(crate) fn start_mixed_pieces(
        &mut self,
        name: &'static str,
        attrs: &[(&'static str, &[Piece<'_>])],
    ) -> Result<(), WriteError> {
        self.before_child()?;
        self.tag_pieces(name, attrs)?;
        self.stack.push(Frame {
            name,
            has_children: false,
        });
        if self.mixed_from.is_none() {
            self.mixed_from = Some(self.stack.len());
        }
        Ok(())
    }

    /// Writes the start tag `<name attrs…>`, each attribute value put
    /// together from its pieces.
    fn tag_pieces(
        &mut self,
        name: &'static str,
        attrs: &[(&'static str, &[Piece<'_>])],
    ) -> Result<(), WriteError> {
        let out = self.inner.get_mut();
        out.push(b'<');
        out.put(name);
        for &(key, value) in attrs {
            out.push(b' ');
            out.put(key);
            out.put("=\"");
            put_pieces(out, value, Escape::Attribute, || {
                format!("attribute `{key}` of <{name}>")
            })?;
            out.push(b'"');
        }
        out.push(b'>');
        Ok(())
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) -> Result<(), WriteError> {
        let frame = self
            .stack
            .pop()
            .ok_or_else(|| WriteError::Internal("end tag without open element".into()))?;
        let depth = self.stack.len();
        if self.mixed_from == Some(depth + 1) {
            self.mixed_from = None;
        } else if !self.in_mixed() && frame.has_children {
            self.newline(depth)?;
        }
        // What quick-xml's writer makes of an end event.
        let out = self.inner.get_mut();
        out.put("</");
        out.put(frame.name);
        out.push(b'>');
        if self.inner.get_ref().len() >= FLUSH_AT {
            hand_on(&mut self.inner, self.out)?;
        }
        Ok(())
    }

    /// Writes an empty element `<name …/>`.
    pub fn empty(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> Result<(), WriteError> {
        self.before_child()?;
        self.tag(name, attrs, "/>")
    }

    /// Writes escaped character data. Only allowed inside mixed content.
    pub fn text(&mut self, text: &str) -> Result<(), WriteError> {
        let parent = self.stack.last().map_or("document", |f| f.name);
        if !self.in_mixed() {
            return Err(WriteError::Internal(format!(
                "text written in the element-only content of <{parent}>"
            )));
        }
        let scan = Escape::Text.scan(text);
        if !scan.plain {
            check_chars_with(|| format!("text in <{parent}>"), text)?;
        }
        if text.is_empty() {
            return Ok(());
        }
        if let Some(f) = self.stack.last_mut() {
            f.has_children = true;
        }
        self.text_chars += scan.chars;
        let escaped = match scan.escape {
            None => text,
            Some(_) => {
                self.scratch.clear();
                escape_into(&mut self.scratch, text, Escape::Text, scan.escape);
                self.scratch.as_str()
            }
        };
        // A long text goes out on its own: the buffer never holds more
        // than [`FLUSH_AT`] bytes and one element's tags.
        if self.inner.get_ref().len() + escaped.len() > FLUSH_AT {
            hand_on(&mut self.inner, self.out)?;
            if escaped.len() >= FLUSH_AT {
                self.out.write_all(escaped.as_bytes())?;
                return Ok(());
            }
        }
        // What quick-xml's writer does with a text event when it does not
        // indent (and this one never does: the structure's line breaks are
        // the writer's own): the escaped bytes, as they are.
        self.inner.get_mut().extend_from_slice(escaped.as_bytes());
        Ok(())
    }

    /// Writes `<name …>text</name>` as mixed content, its attribute values
    /// and its text put together from their pieces: what
    /// [`XmlWriter::text_element`] writes for the strings they make.
    pub(crate) fn text_element_pieces(
        &mut self,
        name: &'static str,
        attrs: &[(&'static str, &[Piece<'_>])],
        text: &[Piece<'_>],
    ) -> Result<(), WriteError> {
        // What `start_mixed_pieces`, `text` of the pieces' string and `end`
        // write, with no frame pushed and popped: the element is whole here.
        self.before_child()?;
        self.tag_pieces(name, attrs)?;
        let out = self.inner.get_mut();
        self.text_chars += put_pieces(out, text, Escape::Text, || format!("text in <{name}>"))?;
        out.put("</");
        out.put(name);
        out.push(b'>');
        if out.len() >= FLUSH_AT {
            hand_on(&mut self.inner, self.out)?;
        }
        Ok(())
    }

    /// Writes `text` as it is before the root element (an XML declaration,
    /// a doctype).
    pub fn raw_prolog(&mut self, text: &str) -> Result<(), WriteError> {
        self.inner.get_mut().write_all(text.as_bytes())?;
        Ok(())
    }

    /// Writes `text` unescaped (the raw text of an HTML `style` element);
    /// only allowed inside mixed content.
    pub fn raw_text(&mut self, text: &str) -> Result<(), WriteError> {
        if !self.in_mixed() {
            return Err(WriteError::Internal(
                "raw text outside mixed content".into(),
            ));
        }
        check_chars_with(|| "raw text".to_string(), text)?;
        if let Some(f) = self.stack.last_mut() {
            f.has_children = true;
        }
        self.inner.get_mut().write_all(text.as_bytes())?;
        Ok(())
    }

    /// Writes `<name …>text</name>` as mixed content.
    pub fn text_element(
        &mut self,
        name: &'static str,
        attrs: &[(&str, &str)],
        text: &str,
    ) -> Result<(), WriteError> {
        self.start_mixed(name, attrs)?;
        self.text(text)?;
        self.end()
    }

    /// Ends the document with a newline and flushes; fails if an element is
    /// still open.
    pub fn finish(mut self) -> Result<(), WriteError> {
        if let Some(f) = self.stack.last() {
            return Err(WriteError::Internal(format!("<{}> was not closed", f.name)));
        }
        self.inner.get_mut().push(b'\n');
        hand_on(&mut self.inner, self.out)?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::is_language_tag;
    use quick_xml::events::{BytesEnd, BytesStart, BytesText};

    fn render(
        f: impl FnOnce(&mut XmlWriter) -> Result<(), WriteError>,
    ) -> Result<String, WriteError> {
        let mut buf = Vec::new();
        let mut w = XmlWriter::new(&mut buf);
        f(&mut w)?;
        w.finish()?;
        Ok(String::from_utf8(buf).expect("writer produces UTF-8"))
    }

    #[test]
    fn xml_chars() {
        assert!(is_xml_char('\t') && is_xml_char('\n') && is_xml_char('\r') && is_xml_char(' '));
        assert!(is_xml_char('č') && is_xml_char('\u{FFFD}') && is_xml_char('\u{1F600}'));
        assert!(is_xml_char('\u{85}'), "C1 controls are allowed in XML 1.0");
        for c in [
            '\0', '\u{1}', '\u{8}', '\u{B}', '\u{C}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
        ] {
            assert!(!is_xml_char(c), "{c:?}");
        }
        assert_eq!(first_invalid_char("ab\u{7}c"), Some((2, '\u{7}')));
        assert_eq!(first_invalid_char("abc"), None);
        for s in ["", "abc", "a\u{FFFD}\u{EFFF}\u{FFFC}b", "\t\n\r \u{10FFFF}"] {
            assert!(is_xml_text(s), "{s:?}");
        }
        for s in ["\u{0}", "ab\u{B}", "x\u{FFFE}", "\u{FFFF}y"] {
            assert!(!is_xml_text(s), "{s:?}");
        }
    }

    /// Output longer than the buffer comes out whole and in order: tags
    /// between long texts, a long text with escapes, many short elements.
    #[test]
    fn long_output_is_written_in_order() {
        let long = "a".repeat(FLUSH_AT + 10);
        let escaped_long = "<&".repeat(FLUSH_AT / 2);
        let out = render(|w| {
            w.start("body", &[])?;
            for i in 0..3000 {
                w.text_element("p", &[("n", &i.to_string())], "x")?;
            }
            w.start_mixed("p", &[])?;
            w.text("start ")?;
            w.text(&long)?;
            w.text_element("hi", &[], "mid")?;
            w.text(&escaped_long)?;
            w.end()?;
            w.end()
        })
        .unwrap();
        let mut want = String::from("<body>");
        for i in 0..3000 {
            want.push_str(&format!("\n  <p n=\"{i}\">x</p>"));
        }
        want.push_str(&format!(
            "\n  <p>start {long}<hi>mid</hi>{}</p>\n</body>\n",
            "&lt;&amp;".repeat(FLUSH_AT / 2)
        ));
        assert_eq!(out, want);
    }

    /// A piece as a test makes it: a [`Piece`] that owns its text.
    #[derive(Clone, Debug)]
    enum OwnedPiece {
        Plain(&'static str),
        Number(u64),
        Text(String),
    }

    impl OwnedPiece {
        fn piece(&self) -> Piece<'_> {
            match self {
                OwnedPiece::Plain(s) => Piece::Plain(s),
                OwnedPiece::Number(n) => Piece::Number(*n),
                OwnedPiece::Text(s) => Piece::Text(s),
            }
        }
    }

    fn owned_piece() -> impl proptest::strategy::Strategy<Value = OwnedPiece> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::sample::select(vec![
                "#",
                "ref-",
                "cite-",
                "-",
                "simple:superscript",
                "a_b.c"
            ])
            .prop_map(OwnedPiece::Plain),
            any::<u64>().prop_map(OwnedPiece::Number),
            "(\\PC|[<>&'\"\t\n\r\x00-\x1F\u{FFFE}])*".prop_map(OwnedPiece::Text),
        ]
    }

    proptest::proptest! {
        /// An element written from pieces is the element written from
        /// the strings they make: the same bytes and characters counted,
        /// or the same error (naming the character's place in the whole
        /// value).
        #[test]
        fn pieces_write_what_their_strings_write(
            values in proptest::collection::vec(proptest::collection::vec(owned_piece(), 0..5), 0..4),
            text in proptest::collection::vec(owned_piece(), 0..5),
        ) {
            let keys = ["type", "target", "xml:id", "n"];
            let joined = |ps: &[OwnedPiece]| -> String {
                ps.iter()
                    .map(|p| match p {
                        OwnedPiece::Plain(s) => s.to_string(),
                        OwnedPiece::Number(n) => n.to_string(),
                        OwnedPiece::Text(s) => s.clone(),
                    })
                    .collect()
            };
            let strings: Vec<String> = values.iter().map(|v| joined(v)).collect();
            let attrs: Vec<(&str, &str)> =
                keys.iter().zip(&strings).map(|(k, v)| (*k, v.as_str())).collect();
            let pieces: Vec<Vec<Piece>> =
                values.iter().map(|v| v.iter().map(OwnedPiece::piece).collect()).collect();
            let piece_attrs: Vec<(&'static str, &[Piece])> =
                keys.iter().zip(&pieces).map(|(k, v)| (*k, v.as_slice())).collect();
            let text_pieces: Vec<Piece> = text.iter().map(OwnedPiece::piece).collect();
            let text_string = joined(&text);
            let (mut ours_chars, mut theirs_chars) = (0, 0);
            let ours = render(|w| {
                w.start_mixed("p", &[])?;
                w.text("a")?;
                w.text_element_pieces("ref", &piece_attrs, &text_pieces)?;
                ours_chars = w.text_chars();
                w.end()
            });
            let theirs = render(|w| {
                w.start_mixed("p", &[])?;
                w.text("a")?;
                w.text_element("ref", &attrs, &text_string)?;
                theirs_chars = w.text_chars();
                w.end()
            });
            proptest::prop_assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
            proptest::prop_assert_eq!(ours_chars, theirs_chars);
            // From structural content too (a new line and indentation).
            let theirs = render(|w| {
                w.start("div", &[])?;
                w.text_element("ref", &attrs, &text_string)?;
                w.end()
            });
            let ours = render(|w| {
                w.start("div", &[])?;
                w.text_element_pieces("ref", &piece_attrs, &text_pieces)?;
                w.end()
            });
            proptest::prop_assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
            // The start tag alone, the text then written as a string.
            let ours = render(|w| {
                w.start("div", &[])?;
                w.start_mixed_pieces("ref", &piece_attrs)?;
                w.text(&text_string)?;
                w.end()?;
                w.end()
            });
            proptest::prop_assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        }

        /// The writer's escapes are quick-xml's: text as `partial_escape`
        /// makes it, attribute values as `push_attribute` does; the text
        /// scan's character count is the decoded one and its first escape
        /// the first `<`, `>`, `&` or CR (any text, with every byte that is
        /// escaped, over several chunks).
        #[test]
        fn escapes_are_quick_xmls(s in "(\\PC|[<>&'\"\t\n\r])*", key in "[a-z]{1,8}") {
            let mut text = String::new();
            escape_into(&mut text, &s, Escape::Text, Escape::Text.first(s.as_bytes()));
            proptest::prop_assert_eq!(&text, &quick_xml::escape::partial_escape(s.as_str()));
            // An element with the value in an attribute, and one with it
            // as text, as quick-xml's writer writes their events.
            let attrs = [(key.as_str(), s.as_str()), ("b", "1")];
            let mut ours = Vec::new();
            let mut w = XmlWriter::new(&mut ours);
            w.empty("e", &attrs).unwrap();
            w.start_mixed("t", &[]).unwrap();
            w.text(&s).unwrap();
            w.end().unwrap();
            w.finish().unwrap();
            let mut theirs = quick_xml::Writer::new(Vec::new());
            let mut e = BytesStart::new("e");
            e.push_attribute(attrs[0]);
            e.push_attribute(attrs[1]);
            theirs.write_event(Event::Empty(e)).unwrap();
            theirs.get_mut().push(b'\n');
            theirs.write_event(Event::Start(BytesStart::new("t"))).unwrap();
            let escaped = quick_xml::escape::partial_escape(s.as_str());
            theirs.write_event(Event::Text(BytesText::from_escaped(escaped))).unwrap();
            theirs.write_event(Event::End(BytesEnd::new("t"))).unwrap();
            theirs.get_mut().push(b'\n');
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs.into_inner()).unwrap());
            let scan = Escape::Text.scan(&s);
            proptest::prop_assert_eq!(scan.chars, s.chars().count());
            proptest::prop_assert_eq!(scan.escape, s.find(['<', '>', '&', '\r']));
        }

        /// A short string's scan a byte at a time is the chunk scan's, in
        /// text and in attribute values.
        #[test]
        fn short_scans_are_the_chunk_scans(s in "(\\PC|[<>&'\"\t\n\r\x00-\x1F\u{FFFE}\u{FFFF}\u{EFBF}])*") {
            for how in [Escape::Text, Escape::Attribute] {
                let (short, chunks) = (how.scan_short(&s), how.scan_chunks(&s));
                proptest::prop_assert_eq!(short.plain, chunks.plain);
                proptest::prop_assert_eq!(short.escape, chunks.escape);
                proptest::prop_assert_eq!(short.chars, chunks.chars);
            }
        }

        /// The byte scans agree with the character test on any text, and
        /// the text scan finds its odd bytes (controls, `EF`).
        #[test]
        fn xml_text_is_all_xml_chars(s in "(\\PC|[\\x00-\\x1F\u{FFFE}\u{FFFF}\u{FFFD}\u{EFBF}])*") {
            proptest::prop_assert_eq!(is_xml_text(&s), s.chars().all(is_xml_char));
            let odd = s.bytes().any(|b| b == 0xEF || (b < 0x20 && !b"\t\n\r".contains(&b)));
            proptest::prop_assert_eq!(Escape::Text.scan(&s).plain, !odd);
            proptest::prop_assert_eq!(Escape::Text.scan(&s).chars, s.chars().count());
        }
    }

    #[test]
    fn pretty_structure_but_no_whitespace_in_mixed_content() {
        let s = render(|w| {
            w.declaration()?;
            w.start("a", &[("k", "v")])?;
            w.start("b", &[])?;
            w.start_mixed("p", &[])?;
            w.text("x ")?;
            w.start("list", &[])?; // inside mixed content: inline
            w.text_element("item", &[], "y")?;
            w.end()?;
            w.text(" z")?;
            w.end()?;
            w.empty("e", &[])?;
            w.end()?;
            w.start("c", &[])?;
            w.end()?;
            w.end()
        })
        .unwrap();
        assert_eq!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a k=\"v\">\n  <b>\n    <p>x <list><item>y</item></list> z</p>\n    <e/>\n  </b>\n  <c></c>\n</a>\n"
        );
    }

    #[test]
    fn escapes_text_and_attributes() {
        let s = render(|w| {
            w.start_mixed("p", &[("a", "<&\"'\t\n]]>")])?;
            w.text("1 < 2 && ]]> \"q\" 'a' \r")?;
            w.end()
        })
        .unwrap();
        assert_eq!(
            s,
            "<p a=\"&lt;&amp;&quot;&apos;&#9;&#10;]]&gt;\">1 &lt; 2 &amp;&amp; ]]&gt; \"q\" 'a' &#13;</p>\n"
        );
    }

    #[test]
    fn rejects_invalid_characters_in_text_and_attributes() {
        let e = render(|w| w.text_element("p", &[], "a\u{0}b")).unwrap_err();
        assert!(
            e.to_string().contains("U+0000") && e.to_string().contains("<p>"),
            "{e}"
        );
        let e = render(|w| w.empty("ptr", &[("target", "x\u{FFFF}")])).unwrap_err();
        assert!(e.to_string().contains("attribute `target`"), "{e}");
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() {
        assert!(render(|w| w.text("loose")).is_err());
        assert!(render(|w| w.end()).is_err());
        assert!(render(|w| w.start("open", &[])).is_err());
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "cs", "en-GB", "zh-Hant-TW", "de-CH-1996", "x-klingon"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "en_GB",
            "en-",
            "-en",
            "toolonglang",
            "e n",
            "1en",
            "cs-ČR",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn w3c_dates() {
        for ok in ["2018", "2018-03", "2018-03-07", "2000-02-29", "1990-12-31"] {
            assert!(is_w3c_date(ok), "{ok}");
        }
        for bad in [
            "",
            "0000",
            "18",
            "2018-3",
            "2018-13",
            "2018-00",
            "1900-02-29",
            "2018-04-31",
            "2018-03-07T10:00",
            "1993/1994",
            "26 Feb 1990",
            "２０１８",
        ] {
            assert!(!is_w3c_date(bad), "{bad}");
        }
    }

    #[test]
    fn uri_attributes() {
        assert_eq!(
            uri_attr("https://example.org/a?b=1&c=%20"),
            "https://example.org/a?b=1&c=%20"
        );
        assert_eq!(
            uri_attr("https://ex.org/a b\"<{x}>|%zz%"),
            "https://ex.org/a%20b%22%3C%7Bx%7D%3E%7C%25zz%25"
        );
        assert_eq!(uri_attr("https://ex.org/čř"), "https://ex.org/čř");
    }

    #[test]
    fn meta_checks_name_the_field() {
        use crate::ast::Meta;
        let mut m = Meta {
            lang: "en".into(),
            ..Meta::default()
        };
        assert!(m.validate().is_ok());
        m.author = Some("A\u{7}B".into());
        let e = m.validate().unwrap_err();
        assert_eq!(e.field, "author");
        let e = e.to_string();
        assert!(e.contains("`author`") && e.contains("U+0007"), "{e}");
        m.author = None;
        m.license = Some("\u{FFFE}".into());
        assert!(m.validate().unwrap_err().to_string().contains("`license`"));
        m.license = None;
        m.lang = "en_GB".into();
        assert!(m.validate().unwrap_err().to_string().contains("`lang`"));
        m.lang = String::new();
        assert!(m.validate().is_ok(), "empty lang means unknown");
    }
}
