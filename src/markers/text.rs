//! The text of an inline container: a block's lines joined, without the
//! characters XML cannot carry, mapped back to the source; and, once the
//! markers are resolved, the inline nodes it becomes (text, citations,
//! bare URLs as links).

use std::borrow::Cow;
use std::sync::Arc;

use crate::ast::{Inline, Margin, MovedJoin, SharedStr, Span};
use crate::chunked::Chunked;

pub use crate::ast::is_xml_char;
use crate::ast::is_xml_text;

/// `s` without the characters XML cannot carry.
pub fn clean(s: &str) -> String {
    s.chars().filter(|&c| is_xml_char(c)).collect()
}

/// A resolved marker in a text: logical byte range `start..end`, reference
/// number, occurrence (1 for the reference's first marker) and margin.
/// (The range in 32 bits, as the candidates': a large article holds one
/// per citation through the rewrite, 24 bytes each rather than 32.)
pub type PlacedMarker = (u32, u32, u32, u32, Margin);

/// The text of one inline container (paragraph, list item, caption, …): its
/// source line pieces joined with one space, with a map back to the source.
///
/// A text of one piece that XML can carry as it stands (most paragraphs of
/// a page flattened one line to a paragraph) borrows its characters from
/// the source: a large article's text is then not held twice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogicalText<'s> {
    /// The joined text.
    pub text: Cow<'s, str>,
    /// Where its characters stand in the source.
    pieces: Pieces<'s>,
    /// Whether citation markers may stand in this text (not in headings).
    pub scan: bool,
    /// Whether the text is an entry of a bibliography in prose (a section
    /// headed `Bibliography`, `Works cited`, …), where markers are unlikely.
    pub bibliography: bool,
}

/// Where a text's characters stand in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pieces<'s> {
    /// One contiguous piece from this source offset, no line joined: the
    /// text is the source's bytes from there (most texts).
    One(usize),
    /// Any other text (kept apart: a text array of the whole article is
    /// held through resolution, and most texts need none of this).
    Many(Box<SourceMap>),
    /// Lines joined in place ([`LogicalText::joined_in_place`]): the
    /// source's bytes from this offset, the spaces at the source offsets
    /// of the slice (a piece of the source's own list of them) joining
    /// its lines.
    Joined(u32, &'s [u32]),
    /// Lines joined by moving them ([`LogicalText::moved_in_place`]): the
    /// source's bytes from this offset, its joins those of the slice (a
    /// piece of the source's own list of them).
    Moved(u32, &'s [MovedJoin]),
}

impl Default for Pieces<'_> {
    fn default() -> Self {
        Pieces::One(0)
    }
}

/// The map of a text that is not one piece, at its exact size: a
/// hard-wrapped article's texts all have one, held through the parse and
/// the search for candidates. Offsets are 32 bits, as a [`Span`]'s are (an
/// article is at most [`crate::MAX_INPUT_BYTES`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SourceMap {
    /// (logical offset, source offset) at the start of each contiguous piece.
    starts: Box<[(u32, u32)]>,
    /// Logical offsets of the spaces that join two lines (they stand for a
    /// line end and indentation in the source, not for a character there).
    joins: Box<[u32]>,
}

impl<'s> LogicalText<'s> {
    /// Joins the source pieces `segments` (byte ranges of `src`) with one space.
    pub fn from_segments(src: &'s str, segments: &[(usize, usize)], scan: bool) -> Self {
        if let &[(a, b)] = segments
            && is_xml_text(&src[a..b])
        {
            return LogicalText {
                text: Cow::Borrowed(&src[a..b]),
                pieces: Pieces::One(a),
                scan,
                bibliography: false,
            };
        }
        let joined: usize = segments.iter().map(|&(a, b)| b - a).sum::<usize>() + segments.len();
        let mut text = String::with_capacity(joined);
        // A piece a line, more only where characters are dropped.
        let mut map: Vec<(u32, u32)> = Vec::with_capacity(segments.len());
        let mut joins: Vec<u32> = Vec::with_capacity(segments.len().saturating_sub(1));
        for (i, &(a, b)) in segments.iter().enumerate() {
            if i > 0 {
                joins.push(text.len() as u32);
                text.push(' ');
            }
            let piece = &src[a..b];
            map.push((text.len() as u32, a as u32));
            if is_xml_text(piece) {
                text.push_str(piece);
                continue;
            }
            let mut fresh = false;
            for (j, c) in piece.char_indices() {
                if is_xml_char(c) {
                    if fresh {
                        map.push((text.len() as u32, (a + j) as u32));
                        fresh = false;
                    }
                    text.push(c);
                } else {
                    fresh = true;
                }
            }
        }
        let pieces = match (map.as_slice(), joins.as_slice()) {
            ([], _) => Pieces::One(0),
            (&[(0, from)], []) => Pieces::One(from as usize),
            _ => Pieces::Many(Box::new(SourceMap {
                starts: map.into_boxed_slice(),
                joins: joins.into_boxed_slice(),
            })),
        };
        LogicalText {
            text: Cow::Owned(text),
            pieces,
            scan,
            bibliography: false,
        }
    }

    /// The text of lines joined in place ([`crate::source::Source::join_lines_at`]):
    /// `src[from..to]`, whose bytes at the source offsets `joins` were line
    /// feeds, now the spaces that join the lines. The same text, spans and
    /// inlines as [`Self::from_segments`] of its lines, without a copy.
    pub(crate) fn joined_in_place(
        src: &'s str,
        (from, to): (usize, usize),
        joins: &'s [u32],
        scan: bool,
    ) -> Self {
        debug_assert!(joins.iter().all(|&j| src.as_bytes()[j as usize] == b' '));
        debug_assert!(joins.iter().all(|&j| (from..to).contains(&(j as usize))));
        LogicalText {
            text: Cow::Borrowed(&src[from..to]),
            pieces: Pieces::Joined(from as u32, joins),
            scan,
            bibliography: false,
        }
    }

    /// The text of lines joined by moving them
    /// ([`crate::source::Source::join_lines_moving`]): `src[from..to]`,
    /// whose joins are `joins`. The same text, spans and inlines as
    /// [`Self::from_segments`] of its lines as read, without a copy.
    pub(crate) fn moved_in_place(
        src: &'s str,
        (from, to): (usize, usize),
        joins: &'s [MovedJoin],
        scan: bool,
    ) -> Self {
        debug_assert!(
            joins
                .iter()
                .all(|j| src.as_bytes()[j.space as usize] == b' ')
        );
        debug_assert!(
            joins
                .iter()
                .all(|j| (from..to).contains(&(j.space as usize)))
        );
        LogicalText {
            text: Cow::Borrowed(&src[from..to]),
            pieces: Pieces::Moved(from as u32, joins),
            scan,
            bibliography: false,
        }
    }

    /// The text's id: where it starts in the source (`None` when it is
    /// empty). Texts cover disjoint parts of the source, so no two share an
    /// id; the plain inline of its container ([`Self::plain`]) starts there
    /// too, which is how the resolver finds a container's text.
    pub fn id(&self) -> Option<usize> {
        (!self.text.is_empty()).then(|| self.span(0, self.text.len()).start as usize)
    }

    /// The source offset of logical offset `at`.
    pub fn source_offset(&self, at: usize) -> usize {
        let map = match &self.pieces {
            Pieces::One(from) => return from + at,
            Pieces::Joined(from, _) => return *from as usize + at,
            Pieces::Moved(from, joins) => return moved_offset(joins, *from as usize + at),
            Pieces::Many(m) => &m.starts,
        };
        let i = match map.binary_search_by_key(&at, |&(l, _)| l as usize) {
            Ok(i) => i,
            Err(0) => return map.first().map_or(0, |&(_, s)| s as usize),
            Err(i) => i - 1,
        };
        let (l, s) = map[i];
        s as usize + (at - l as usize)
    }

    /// Source span of the logical range `a..b`.
    pub fn span(&self, a: usize, b: usize) -> Span {
        // One piece, no line joined: the text is the source's bytes from
        // where it starts (most paragraphs of a page flattened one line to
        // a paragraph).
        if let Pieces::One(from) = self.pieces {
            return Span::new(from + a, from + a.max(b));
        }
        self.mapped_span(a, b)
    }

    /// [`Self::span`] through the map, for any text.
    fn mapped_span(&self, a: usize, b: usize) -> Span {
        if a >= b {
            let s = self.source_offset(a);
            return Span::new(s, s);
        }
        // The end maps through the last character, so a join space or a
        // dropped character right after the range does not stretch it. A
        // join space at the end stands for no source character: the span
        // ends where the line's text ended.
        let last = self.text[..b].chars().next_back().map_or(1, char::len_utf8);
        let joined = match &self.pieces {
            Pieces::One(_) => false,
            Pieces::Joined(from, joins) => joins.binary_search(&(from + (b - last) as u32)).is_ok(),
            Pieces::Moved(from, joins) => joins
                .binary_search_by_key(&(from + (b - last) as u32), |j| j.space)
                .is_ok(),
            Pieces::Many(m) => m.joins.binary_search(&((b - last) as u32)).is_ok(),
        };
        let end = if joined {
            self.source_offset(b - last)
        } else {
            self.source_offset(b - last) + last
        };
        Span::new(self.source_offset(a), end)
    }

    /// The text as one plain Text node (none when empty).
    pub fn plain(&self) -> Vec<Inline> {
        if self.text.is_empty() {
            return Vec::new();
        }
        vec![Inline::Text {
            text: SharedStr::from(&*self.text),
            span: self.span(0, self.text.len()),
        }]
    }

    /// Inlines with the given markers (sorted, logical byte ranges) and
    /// bare URLs as links.
    pub fn inlines(&self, markers: &[PlacedMarker]) -> Vec<Inline> {
        self.inlines_sharing(markers, None)
    }

    /// Where the text starts in `buf`, when its characters are `buf`'s own
    /// bytes from there (borrowed from that very buffer: one piece, or
    /// lines joined in place, [`LogicalText::joined_in_place`]).
    fn offset_in(&self, buf: &Arc<String>) -> Option<usize> {
        let from = match self.pieces {
            Pieces::One(from) => from,
            Pieces::Joined(from, _) | Pieces::Moved(from, _) => from as usize,
            Pieces::Many(_) => return None,
        };
        match &self.text {
            Cow::Borrowed(t)
                if buf.as_bytes().get(from..).map(<[u8]>::as_ptr) == Some(t.as_ptr()) =>
            {
                Some(from)
            }
            _ => None,
        }
    }

    /// [`Self::inlines`], whose Text nodes share `source` (the buffer this
    /// text borrows its characters from, when it does) instead of copying
    /// their characters: see [`SharedStr`]. A text that does not borrow
    /// them from `source` (joined lines, characters removed) copies them.
    pub fn inlines_sharing(
        &self,
        markers: &[PlacedMarker],
        source: Option<&Arc<String>>,
    ) -> Vec<Inline> {
        // The buffer the Text nodes are pieces of, and the offset of the
        // text's first byte in it: `source`, when the text's characters
        // are its own bytes from there; else a copy of the text, one for
        // all its nodes.
        match source.and_then(|buf| Some((buf, self.offset_in(buf)?))) {
            Some(shared) => self.inlines_in(markers, shared),
            None => self.inlines_in(markers, (&Arc::new(self.text.to_string()), 0)),
        }
    }

    /// [`Self::inlines_sharing`] of a text given up: one that is not a
    /// piece of `source` gives its characters to its Text nodes instead of
    /// copying them (a hard-wrapped article's paragraphs are joined texts,
    /// whose copies, made while the texts were kept, held the article's
    /// text a second time at the end of the resolution).
    pub(crate) fn into_inlines(
        self,
        markers: &[PlacedMarker],
        source: &Arc<String>,
    ) -> Vec<Inline> {
        if let Some(from) = self.offset_in(source) {
            return self.inlines_in(markers, (source, from));
        }
        let buf = Arc::new(self.text.into_owned());
        let text = LogicalText {
            text: Cow::Borrowed(buf.as_str()),
            ..self
        };
        text.inlines_in(markers, (&buf, 0))
    }

    /// The inlines, their Text nodes pieces of `buf` from `from` (where
    /// the text's first byte stands in it).
    fn inlines_in(&self, markers: &[PlacedMarker], shared: (&Arc<String>, usize)) -> Vec<Inline> {
        // A text before each marker, the marker, and the text after the
        // last (links add more).
        let mut out = Vec::with_capacity(2 * markers.len() + 1);
        let mut pos = 0;
        // A bare URL has its scheme's `:`; most texts have none, and their
        // pieces are not searched for one (a search set up for each piece
        // cost more than the rest of making its node).
        let may_link = memchr::memchr(b':', self.text.as_bytes()).is_some();
        let text_until = |out: &mut Vec<Inline>, pos: usize, to: usize| {
            if to > pos {
                push_text_and_links(self, shared, pos, to, may_link, out);
            }
        };
        for &(a, b, n, occurrence, margin) in markers {
            let (a, b) = (a as usize, b as usize);
            text_until(&mut out, pos, a);
            out.push(Inline::Cite {
                n,
                occurrence,
                span: self.span(a, b),
                margin,
            });
            pos = b;
        }
        text_until(&mut out, pos, self.text.len());
        // The document keeps these for as long as it lives: no spare room.
        out.shrink_to_fit();
        out
    }
}

/// The texts of an article kept for the rest of its resolution once the
/// candidates are found (their spans, their words in a decision, and their
/// rewrite: [`LogicalText::inlines_sharing`]): a text that is one piece of
/// the source's buffer as 8 bytes (where it starts and how long it is; its
/// characters are the buffer's), any other as it was, apart. The texts of
/// a large article are held until its inlines are made: a sixth of the
/// [`LogicalText`]'s 48 bytes each.
#[derive(Debug, Default)]
pub(crate) struct KeptTexts<'s> {
    /// Per text: `from << 32 | len` for a piece `source[from..from + len]`
    /// (`len` below [`PIECE_LEN`]; with [`JOINED`] for lines joined in
    /// place, [`SCAN`] and [`BIBLIOGRAPHY`] as the text's flags), or
    /// [`WHOLE`] `| i` for `wholes[i]`.
    slots: Chunked<u64>,
    wholes: Chunked<LogicalText<'s>>,
    /// Where the source's lines were joined in place
    /// ([`crate::source::Source::joined_line_ends`]).
    joins: &'s [u32],
    /// Where they were joined by moving them
    /// ([`crate::source::Source::moved_line_ends`]).
    moved: &'s [MovedJoin],
}

/// The flag of a [`KeptTexts`] slot that is not a piece of the source.
const WHOLE: u64 = 1 << 31;

/// The flag of a [`KeptTexts`] slot whose piece is lines joined in place.
const JOINED: u64 = 1 << 30;

/// The flag of a [`KeptTexts`] slot whose piece is a bibliography's entry
/// ([`LogicalText::bibliography`]).
const BIBLIOGRAPHY: u64 = 1 << 29;

/// The flag of a [`KeptTexts`] slot whose piece may hold markers
/// ([`LogicalText::scan`]).
const SCAN: u64 = 1 << 28;

/// A [`KeptTexts`] slot's piece is shorter than this (256 MiB; a longer
/// text is kept whole).
const PIECE_LEN: u64 = 1 << 28;

/// A kept text: a piece of the source, or the text itself.
enum Kept {
    /// `source[from..from + len]`, its lines joined in place or not.
    Piece(usize, usize, bool),
    /// `wholes[k]`.
    Whole(usize),
}

impl<'s> KeptTexts<'s> {
    /// Room for `n` texts (of a source with no line joined in place: see
    /// [`Self::with_joins`]).
    pub(crate) fn with_capacity(n: usize) -> Self {
        KeptTexts {
            slots: Chunked::with_capacity(n),
            wholes: Chunked::default(),
            joins: &[],
            moved: &[],
        }
    }

    /// Keeps `text`, whose Text nodes will share `source`.
    #[cfg(test)]
    pub(crate) fn push(&mut self, text: LogicalText<'s>, source: &Arc<String>) {
        self.push_place();
        self.fill(self.len() - 1, text, source);
    }

    /// Keeps the text `source[from..from + len]` (when it is one piece of
    /// the source, without characters XML cannot carry): `false` when it
    /// is too long to be kept so.
    pub(crate) fn push_piece(
        &mut self,
        (from, len): (usize, usize),
        scan: bool,
        bibliography: bool,
    ) -> bool {
        piece_slot(from, len, scan, bibliography, false).is_some_and(|slot| {
            self.slots.push(slot);
            true
        })
    }

    /// Keeps a place for a text made later ([`Self::fill`]), in order.
    pub(crate) fn push_place(&mut self) {
        self.slots.push(WHOLE | u64::from(u32::MAX >> 1));
    }

    /// Makes text `i`, kept a place for by [`Self::push_place`]: `text`,
    /// kept as a piece of `source` when it is one. Places are filled in
    /// order.
    pub(crate) fn fill(&mut self, i: usize, text: LogicalText<'s>, source: &Arc<String>) {
        let joined = matches!(text.pieces, Pieces::Joined(..) | Pieces::Moved(..));
        // A text of many pieces is none of the source's (`offset_in`).
        let piece = text.offset_in(source).and_then(|from| {
            piece_slot(from, text.text.len(), text.scan, text.bibliography, joined)
        });
        *self.slots.get_mut(i) = match piece {
            Some(slot) => slot,
            None => {
                self.wholes.push(text);
                WHOLE | (self.wholes.len() - 1) as u64
            }
        };
    }

    /// Where the source's lines were joined in place: `joins`, the line
    /// feeds written over, and `moved`, the joins of lines moved (the
    /// texts kept before they were joined are kept without).
    pub(crate) fn with_joins<'t>(self, joins: &'t [u32], moved: &'t [MovedJoin]) -> KeptTexts<'t>
    where
        's: 't,
    {
        KeptTexts {
            joins,
            moved,
            ..self
        }
    }

    /// How many texts are kept.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Text `i`'s characters and whether it is a bibliography's entry,
    /// when markers may stand in it ([`LogicalText::scan`]).
    pub(crate) fn scanned<'a>(
        &'a self,
        i: usize,
        source: &'a Arc<String>,
    ) -> Option<(&'a str, bool)> {
        match self.get(i) {
            Kept::Piece(from, len, _) => {
                let slot = *self.slots.get(i);
                (slot & SCAN != 0).then(|| (&source[from..from + len], slot & BIBLIOGRAPHY != 0))
            }
            Kept::Whole(k) => {
                let t = self.wholes.get(k);
                t.scan.then(|| (&*t.text, t.bibliography))
            }
        }
    }

    fn get(&self, i: usize) -> Kept {
        let slot = *self.slots.get(i);
        if slot & WHOLE != 0 {
            Kept::Whole((slot & (WHOLE - 1)) as usize)
        } else {
            let len = (slot & (PIECE_LEN - 1)) as usize;
            Kept::Piece((slot >> 32) as usize, len, slot & JOINED != 0)
        }
    }

    /// Text `i` as it was, borrowing `source` (the buffer given to
    /// [`KeptTexts::push`]) when it is a piece of it.
    fn with<R>(&self, i: usize, source: &Arc<String>, f: impl FnOnce(&LogicalText<'_>) -> R) -> R {
        match self.get(i) {
            Kept::Piece(from, len, joined) => f(&LogicalText {
                text: Cow::Borrowed(&source[from..from + len]),
                pieces: if joined {
                    // Its joins: those of the source within it, of the
                    // one kind or the other.
                    let at = |x: usize| self.joins.partition_point(|&j| (j as usize) < x);
                    let feeds = &self.joins[at(from)..at(from + len)];
                    let at = |x: usize| self.moved.partition_point(|j| (j.space as usize) < x);
                    let moved = &self.moved[at(from)..at(from + len)];
                    if moved.is_empty() {
                        Pieces::Joined(from as u32, feeds)
                    } else {
                        Pieces::Moved(from as u32, moved)
                    }
                } else {
                    Pieces::One(from)
                },
                scan: false,
                bibliography: false,
            }),
            Kept::Whole(k) => f(self.wholes.get(k)),
        }
    }

    /// The characters of text `i` ([`LogicalText::text`]).
    pub(crate) fn text<'a>(&'a self, i: usize, source: &'a Arc<String>) -> &'a str {
        match self.get(i) {
            Kept::Piece(from, len, _) => &source[from..from + len],
            Kept::Whole(k) => &self.wholes.get(k).text,
        }
    }

    /// [`LogicalText::span`] of text `i`.
    pub(crate) fn span(&self, i: usize, a: usize, b: usize, source: &Arc<String>) -> Span {
        self.with(i, source, |t| t.span(a, b))
    }

    /// [`LogicalText::inlines_sharing`] of text `i`, sharing `source`;
    /// a text that is not a piece of it is given up to its inlines
    /// ([`LogicalText::into_inlines`]): after this, text `i` reads as empty.
    ///
    /// The texts are given up in order: what held the texts before `i`
    /// is freed.
    pub(crate) fn give_up(
        &mut self,
        i: usize,
        markers: &[PlacedMarker],
        source: &Arc<String>,
    ) -> Vec<Inline> {
        self.slots.free_before(i);
        match self.get(i) {
            Kept::Piece(..) => self.with(i, source, |t| t.inlines_sharing(markers, Some(source))),
            Kept::Whole(k) => {
                self.wholes.free_before(k);
                std::mem::take(self.wholes.get_mut(k)).into_inlines(markers, source)
            }
        }
    }
}

/// The [`KeptTexts`] slot of a piece `source[from..from + len]`, when it
/// can be one.
fn piece_slot(
    from: usize,
    len: usize,
    scan: bool,
    bibliography: bool,
    joined: bool,
) -> Option<u64> {
    let from = u32::try_from(from).ok()?;
    let len = len as u64;
    (len < PIECE_LEN).then(|| {
        let flag = |on: bool, bit: u64| if on { bit } else { 0 };
        u64::from(from) << 32
            | flag(joined, JOINED)
            | flag(scan, SCAN)
            | flag(bibliography, BIBLIOGRAPHY)
            | len
    })
}

/// The source offset, as read, of `at` in a text whose lines were moved
/// ([`LogicalText::moved_in_place`]), of joins `joins`.
fn moved_offset(joins: &[MovedJoin], at: usize) -> usize {
    let k = joins.partition_point(|j| (j.space as usize) <= at);
    let Some(join) = k.checked_sub(1).map(|k| joins[k]) else {
        // On the first line, which did not move.
        return at;
    };
    let line = |j: MovedJoin| j.after as usize + (at - j.space as usize - 1);
    if at > join.space as usize {
        return line(join);
    }
    // The joining space stands where the line before it ended.
    k.checked_sub(2).map_or(at, |k| line(joins[k]))
}

/// Pushes `text[a..b]` as Text nodes, with bare http(s) URLs as Link nodes.
/// `(buf, from)`: the buffer the text is a piece of, from that offset (see
/// [`LogicalText::inlines_sharing`]); `may_link`: false when the text
/// cannot hold a URL ([`find_url`] finds none), which is then not looked for.
fn push_text_and_links(
    lt: &LogicalText<'_>,
    (buf, from): (&Arc<String>, usize),
    a: usize,
    b: usize,
    may_link: bool,
    out: &mut Vec<Inline>,
) {
    let s = &lt.text[a..b];
    // The characters s[x..y].
    let chars = |x: usize, y: usize| SharedStr::slice(buf, from + a + x..from + a + y);
    let mut pos = 0;
    while let Some(found) = may_link.then(|| find_url(&s[pos..])).flatten() {
        let (ua, ub) = (pos + found.0, pos + found.1);
        if ua > pos {
            out.push(Inline::Text {
                text: chars(pos, ua),
                span: lt.span(a + pos, a + ua),
            });
        }
        out.push(Inline::Link {
            url: chars(ua, ub),
            span: lt.span(a + ua, a + ub),
        });
        pos = ub;
    }
    if pos < s.len() {
        out.push(Inline::Text {
            text: chars(pos, s.len()),
            span: lt.span(a + pos, b),
        });
    }
}

/// The first bare `http://` / `https://` URL in `s`, as a byte range. It runs
/// to white space; trailing sentence punctuation is not part of it (a closing
/// parenthesis is, when the URL opened one).
pub fn find_url(s: &str) -> Option<(usize, usize)> {
    // Made once: building a searcher costs more than most texts take to search.
    static HTTP: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"http"));
    let mut from = 0;
    while let Some(i) = HTTP.find(&s.as_bytes()[from..]) {
        let a = from + i;
        let rest = &s[a..];
        let scheme = if rest.starts_with("https://") {
            8
        } else if rest.starts_with("http://") {
            7
        } else {
            from = a + 4;
            continue;
        };
        let preceded_ok = s[..a]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let mut url = &rest[..len];
        while let Some(c) = url.chars().next_back() {
            let strip = match c {
                '.' | ',' | ';' | ':' | '!' | '?' | ']' | '}' | '”' | '’' | '"' | '\'' | '»'
                | '…' => true,
                ')' => url.matches('(').count() < url.matches(')').count(),
                _ => false,
            };
            if !strip {
                break;
            }
            url = &url[..url.len() - c.len_utf8()];
        }
        if preceded_ok && url.len() > scheme {
            return Some((a, a + url.len()));
        }
        from = a + 4;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text that is one piece of the source shares it: every Text node
    /// is a piece of the buffer, with the characters and span a copy
    /// would have. A text of joined lines, or one borrowed from another
    /// buffer, copies its characters.
    /// A kept text reads as the text it was kept from: its characters,
    /// its spans and its inlines, whether it is a piece of the source (8
    /// bytes) or kept whole (lines joined).
    #[test]
    fn kept_texts_read_as_the_texts_they_were() {
        let src = Arc::new("x Dubček wrote1 here\nand went on2.\n".to_string());
        let first = src.find('\n').unwrap();
        let piece = LogicalText::from_segments(&src, &[(2, first)], true);
        let joined =
            LogicalText::from_segments(&src, &[(2, first), (first + 1, src.len() - 1)], true);
        let texts = [piece.clone(), joined.clone()];
        let mut kept = KeptTexts::with_capacity(2);
        for t in texts.clone() {
            kept.push(t, &src);
        }
        assert_eq!((kept.slots.len(), kept.wholes.len()), (2, 1));
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(kept.text(i, &src), &*t.text);
            let one = t.text.find('1').unwrap();
            assert_eq!(kept.span(i, one, one + 1, &src), t.span(one, one + 1));
            assert_eq!(kept.span(i, 0, t.text.len(), &src), t.span(0, t.text.len()));
            let markers = [(one as u32, one as u32 + 1, 1, 1, Margin::default())];
            // Where a text kept whole holds its characters.
            let held = match kept.get(i) {
                Kept::Whole(k) => Some(kept.wholes.get(k).text.as_ptr()),
                Kept::Piece(..) => None,
            };
            let inlines = kept.give_up(i, &markers, &src);
            assert_eq!(inlines, t.inlines_sharing(&markers, Some(&src)));
            // It gives them to its inlines: its first Text node's
            // characters are those very bytes, not a copy.
            if let (Some(held), Some(Inline::Text { text, .. })) = (held, inlines.first()) {
                assert_eq!(text.as_ptr(), held);
                assert_eq!(kept.text(i, &src), "");
            }
            assert_eq!(held.is_some(), i == 1);
        }
    }

    #[test]
    fn text_nodes_of_one_piece_share_the_source() {
        let src = Arc::new(
            "x Dubček became secretary1. See https://a.example/b then2 done\nnext line".to_string(),
        );
        let end = src.find('\n').unwrap();
        let lt = LogicalText::from_segments(&src, &[(2, end)], true);
        let at = |s: &str| lt.text.find(s).unwrap() as u32;
        let markers = [
            (at("1."), at("1.") + 1, 1, 1, Margin::default()),
            (at("2 "), at("2 ") + 1, 2, 1, Margin::default()),
        ];
        let shared = lt.inlines_sharing(&markers, Some(&src));
        assert_eq!(shared, lt.inlines(&markers));
        let texts: Vec<_> = shared
            .iter()
            .filter_map(|i| match i {
                Inline::Text { text, span } => Some((text, span)),
                _ => None,
            })
            .collect();
        assert_eq!(texts.len(), 4);
        for (text, span) in texts {
            assert!(text.shares(&src), "{text:?}");
            assert_eq!(&**text, &src[span.range()]);
        }
        // Two lines joined: not one piece of the source. Its nodes share
        // one copy of the text.
        let word = 2 + "Dubček".len();
        let joined = LogicalText::from_segments(&src, &[(2, word), (end + 1, src.len())], true);
        let inl = joined.inlines_sharing(&[], Some(&src));
        assert!(
            matches!(&inl[..], [Inline::Text { text, .. }] if !text.shares(&src) && &**text == "Dubček next line")
        );
        let inl = joined.inlines_sharing(&[(2, 3, 1, 1, Margin::default())], Some(&src));
        let [
            Inline::Text { text: a, .. },
            Inline::Cite { .. },
            Inline::Text { text: b, .. },
        ] = &inl[..]
        else {
            panic!("{inl:?}")
        };
        assert!(a.is_shared() && b.is_shared() && !a.shares(&src));
        assert_eq!((&**a, &**b), ("Du", "ček next line"));
        // Borrowed from a copy of the buffer, not from the buffer given.
        let copy = src.to_string();
        let other = LogicalText::from_segments(&copy, &[(2, word)], true);
        let inl = other.inlines_sharing(&[], Some(&src));
        assert!(
            matches!(&inl[..], [Inline::Text { text, .. }] if !text.shares(&src) && &**text == "Dubček")
        );
    }

    proptest::proptest! {
        /// A one-piece text's span is the mapped one, for every range (and
        /// the texts with dropped characters or joins take the map).
        #[test]
        fn one_piece_spans_are_the_mapped_ones(
            line in "(a|é|1| |\u{1})*",
            lead in 0usize..4,
        ) {
            let src = format!("{}{line}", "x".repeat(lead));
            let lt = LogicalText::from_segments(&src, &[(lead, src.len())], true);
            // The same text through a map, as a text of many pieces has.
            let mapped = match &lt.pieces {
                &Pieces::One(from) => LogicalText {
                    pieces: Pieces::Many(Box::new(SourceMap {
                        starts: Box::new([(0, from as u32)]),
                        joins: Box::new([]),
                    })),
                    ..lt.clone()
                },
                Pieces::Many(_) | Pieces::Joined(..) | Pieces::Moved(..) => lt.clone(),
            };
            for a in (0..=lt.text.len()).filter(|&i| lt.text.is_char_boundary(i)) {
                for b in (0..=lt.text.len()).filter(|&i| lt.text.is_char_boundary(i)) {
                    proptest::prop_assert_eq!(lt.span(a, b), mapped.span(a, b), "{} {}", a, b);
                    proptest::prop_assert_eq!(lt.source_offset(a), mapped.source_offset(a));
                }
            }
        }
    }

    proptest::proptest! {
        /// Lines joined in place (their line feeds now spaces, or the lines
        /// moved: their line ends CR LF, the lines after indented) read as
        /// the lines joined into a text of their own: the same characters,
        /// the same span for every range (one that ends in a join space
        /// ends where its line did), the same source offsets and the same
        /// inlines; kept, the same again, in 8 bytes.
        #[test]
        fn lines_joined_in_place_read_as_the_lines_joined(
            lines in proptest::collection::vec("(a|é|1|2| |http://e[.]org/x|[.])+", 2..5),
            ends in proptest::collection::vec(0usize..7, 4),
            lead in 0usize..3,
            marks in proptest::collection::vec((0usize..64, 1usize..3), 0..4),
        ) {
            // Each line's end and the next line's indentation.
            let gaps = ["\n", "\r\n", "\n   ", "\r\n\t ", "\n", "\n> ", "\r\n>\u{a0}"];
            let mut src = "x".repeat(lead);
            let mut segs = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    src.push_str(gaps[ends[i - 1]]);
                }
                segs.push((src.len(), src.len() + l.len()));
                src.push_str(l);
            }
            src.push_str("\ntail");
            let apart = LogicalText::from_segments(&src, &segs, true);
            let mut source = crate::source::Source::new("t", src.clone());
            let feeds = ends[..lines.len() - 1].iter().all(|&e| gaps[e] == "\n");
            if feeds {
                let at = segs[..segs.len() - 1].iter().map(|&(_, b)| b as u32).collect();
                proptest::prop_assert!(source.join_lines_at(at));
            } else {
                let pieces: Vec<(u32, u32)> = segs.iter().map(|&(a, b)| (a as u32, b as u32)).collect();
                proptest::prop_assert!(source.join_lines_moving(std::iter::once(&pieces[..])));
            }
            proptest::prop_assert_eq!(source.original_text(), &src[..]);
            let joined_src = Arc::clone(&source.text);
            let (joins, moved) = (source.joined_line_ends(), source.moved_line_ends());
            let from = segs[0].0;
            let in_place = if feeds {
                LogicalText::joined_in_place(&joined_src, (from, segs[segs.len() - 1].1), joins, true)
            } else {
                let to = from + apart.text.len();
                LogicalText::moved_in_place(&joined_src, (from, to), moved, true)
            };
            proptest::prop_assert_eq!(&in_place.text, &apart.text);
            let t = &apart.text;
            for a in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                for b in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                    proptest::prop_assert_eq!(in_place.span(a, b), apart.span(a, b), "{} {}", a, b);
                }
                proptest::prop_assert_eq!(in_place.source_offset(a), apart.source_offset(a));
            }
            // Markers on character boundaries, in order, apart.
            let mut markers = Vec::new();
            let mut pos = 0;
            for (gap, len) in marks {
                let a = pos + gap;
                let b = a + len;
                if b > t.len() || !t.is_char_boundary(a) || !t.is_char_boundary(b) {
                    break;
                }
                markers.push((a as u32, b as u32, 1, 1, Margin::default()));
                pos = b;
            }
            let inlines = in_place.inlines_sharing(&markers, Some(&joined_src));
            proptest::prop_assert_eq!(&inlines, &apart.inlines(&markers));
            // Its Text nodes are pieces of the source.
            for i in &inlines {
                if let Inline::Text { text, .. } = i {
                    let at = text.as_ptr() as usize - joined_src.as_ptr() as usize;
                    proptest::prop_assert!(at < joined_src.len());
                }
            }
            let mut kept = KeptTexts::with_capacity(1).with_joins(joins, moved);
            kept.push(in_place.clone(), &joined_src);
            proptest::prop_assert_eq!((kept.wholes.len(), kept.text(0, &joined_src)), (0, &t[..]));
            for a in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                proptest::prop_assert_eq!(kept.span(0, a, t.len(), &joined_src), apart.span(a, t.len()));
                proptest::prop_assert_eq!(kept.span(0, 0, a, &joined_src), apart.span(0, a));
            }
            proptest::prop_assert_eq!(kept.give_up(0, &markers, &joined_src), inlines);
        }
    }

    #[test]
    fn joins_lines_and_maps_back() {
        let src = "one\ntwo three";
        let lt = LogicalText::from_segments(src, &[(0, 3), (4, 13)], true);
        assert_eq!(lt.text, "one two three");
        assert_eq!(lt.source_offset(4), 4);
        assert_eq!(lt.span(4, 7), Span::new(4, 7));
    }

    #[test]
    fn join_space_spans_stay_on_character_boundaries() {
        // The first line ends in a no-break space that trimming removed.
        let src = "ab\u{a0}\ncd";
        let lt = LogicalText::from_segments(src, &[(0, 2), (5, 7)], true);
        assert_eq!(lt.text, "ab cd");
        assert_eq!(lt.span(2, 3), Span::new(2, 2));
        assert_eq!(lt.span(0, 3), Span::new(0, 2));
        assert_eq!(lt.span(2, 5), Span::new(2, 7));
    }

    #[test]
    fn drops_control_characters() {
        let src = "a\u{1}b\u{0}c";
        let lt = LogicalText::from_segments(src, &[(0, src.len())], true);
        assert_eq!(lt.text, "abc");
        assert_eq!(lt.source_offset(1), 2);
        assert_eq!(lt.source_offset(2), 4);
    }

    #[test]
    fn urls_stop_before_sentence_punctuation() {
        let s = "see https://example.org/a_(b) and (https://x.org/y).";
        let (a, b) = find_url(s).unwrap();
        assert_eq!(&s[a..b], "https://example.org/a_(b)");
        let (c, d) = find_url(&s[b..]).unwrap();
        assert_eq!(&s[b + c..b + d], "https://x.org/y");
    }

    proptest::proptest! {
        /// What lets a text without `:` go unsearched: no URL is found in
        /// one, and one with a URL has a `:`.
        #[test]
        fn a_url_has_a_colon(parts in proptest::collection::vec(
            proptest::sample::select(vec!["http", "https", ":", "//", "/", ".", " ", "a", "é", "(", ")"]),
            0..12,
        )) {
            let s: String = parts.concat();
            if !s.contains(':') {
                proptest::prop_assert_eq!(find_url(&s), None);
            }
            if let Some((a, b)) = find_url(&s) {
                proptest::prop_assert!(s[a..b].contains(':'));
            }
        }
    }

    #[test]
    fn inlines_split_text_cites_and_links() {
        let src = "Word1 at https://e.org now";
        let lt = LogicalText::from_segments(src, &[(0, src.len())], true);
        let v = lt.inlines(&[(4, 5, 1, 1, Margin::default())]);
        assert_eq!(v.len(), 5);
        assert!(matches!(
            &v[1],
            Inline::Cite {
                n: 1,
                occurrence: 1,
                ..
            }
        ));
        assert!(matches!(&v[3], Inline::Link { url, .. } if url == "https://e.org"));
    }
}
