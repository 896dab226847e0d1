//! [`SharedStr`]: the characters of a text node, shared with the article's
//! source when they are one piece of it.
//!
//! Most of an article's text nodes are pieces of its source exactly as
//! given (a paragraph flattened to one line, cut at its citation markers).
//! Such a node holds the source's buffer and where in it its characters
//! stand, not a copy of them: a large article's text is then held once, by
//! the source, instead of twice (issue 15: TEI peak memory). Any other
//! text (lines joined, characters XML cannot carry removed, a document
//! built by hand) holds a buffer of its own.
//!
//! Either way it reads as a `&str` ([`Deref`]), compares, hashes, prints
//! and serialises as its characters, so nothing that reads a document can
//! tell the two apart.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// The characters of a text node: a piece of a shared buffer (the
/// article's source), or a buffer of its own. Reads as a `&str`; 16 bytes,
/// two thirds of a `String`. The default is no characters.
#[derive(Clone, Default)]
pub struct SharedStr {
    /// The buffer; `None` for no characters.
    buf: Option<Arc<String>>,
    /// `buf[start..end]` (offsets of 32 bits: a buffer longer than that
    /// has its pieces copied), or all of `buf` when both are [`WHOLE`].
    start: u32,
    end: u32,
}

/// `start` and `end` of a [`SharedStr`] that is all of its buffer.
const WHOLE: u32 = u32::MAX;

// Two thirds of the `String` it replaces in every text node, link and
// back-link: an inline node is then 32 bytes.
const _: () = assert!(std::mem::size_of::<SharedStr>() == 16);

impl SharedStr {
    /// The characters `buf[range]`, sharing `buf` (copied instead when an
    /// end lies beyond 32 bits). Panics, as slicing a `str` does, if the
    /// range is out of bounds or not on character boundaries.
    pub fn slice(buf: &Arc<String>, range: Range<usize>) -> SharedStr {
        let piece = &buf[range.clone()];
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(start), Ok(end)) if end != WHOLE => SharedStr {
                buf: Some(Arc::clone(buf)),
                start,
                end,
            },
            _ => SharedStr::from(piece),
        }
    }

    /// The characters `self[range]`, sharing its buffer (copied instead
    /// when an end lies beyond 32 bits). Panics, as slicing a `str` does,
    /// if the range is out of bounds or not on character boundaries.
    pub fn piece(&self, range: Range<usize>) -> SharedStr {
        match &self.buf {
            None => SharedStr::from(&self.as_str()[range]),
            Some(buf) if self.start == WHOLE => SharedStr::slice(buf, range),
            Some(buf) => {
                let _ = &self.as_str()[range.clone()];
                let start = self.start as usize;
                SharedStr::slice(buf, start + range.start..start + range.end)
            }
        }
    }

    /// The characters.
    pub fn as_str(&self) -> &str {
        match &self.buf {
            None => "",
            Some(buf) if self.start == WHOLE => buf,
            // The range was checked when the piece was made, and the
            // buffer cannot change while it is shared.
            Some(buf) => &buf[self.start as usize..self.end as usize],
        }
    }

    /// Whether the characters are a piece of a shared buffer (not a copy).
    pub fn is_shared(&self) -> bool {
        self.buf.is_some() && self.start != WHOLE
    }

    /// Whether the characters are a piece of `buf` itself.
    pub fn shares(&self, buf: &Arc<String>) -> bool {
        self.is_shared() && self.buf.as_ref().is_some_and(|b| Arc::ptr_eq(b, buf))
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for SharedStr {
    fn from(mut s: String) -> Self {
        if s.is_empty() {
            return SharedStr::default();
        }
        s.shrink_to_fit();
        SharedStr {
            buf: Some(Arc::new(s)),
            start: WHOLE,
            end: WHOLE,
        }
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr::from(s.to_string())
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        SharedStr::from(s.as_str())
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        match s.buf {
            Some(buf) if s.start == WHOLE => Arc::try_unwrap(buf).unwrap_or_else(|b| (*b).clone()),
            _ => s.as_str().to_string(),
        }
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

/// As the characters, exactly as a `String` prints (`"…"`).
impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_piece_reads_as_its_characters() {
        let buf = Arc::new("ab é cd".to_string());
        let piece = SharedStr::slice(&buf, 2..5);
        assert!(piece.is_shared());
        assert_eq!(&*piece, " é");
        assert_eq!(piece, SharedStr::from(" é"));
        assert!(!SharedStr::from(" é").is_shared());
        assert!(piece.shares(&buf));
        assert!(!piece.shares(&Arc::new("ab é cd".to_string())));
        assert_eq!(format!("{piece:?}"), format!("{:?}", " é"));
        assert_eq!(String::from(piece.clone()), " é");
        assert_eq!(Arc::strong_count(&buf), 2);
        drop(piece);
        assert_eq!(Arc::strong_count(&buf), 1);
        assert_eq!(&*SharedStr::default(), "");
        assert_eq!(String::from(SharedStr::from("own")), "own");
        assert_eq!(&*SharedStr::from(String::new()), "");
    }

    /// A piece of a piece shares the source's buffer; a piece of text
    /// with a buffer of its own shares that; a piece of nothing is
    /// nothing.
    #[test]
    fn a_piece_of_a_piece_shares_the_buffer() {
        let buf = Arc::new("one two é three".to_string());
        let piece = SharedStr::slice(&buf, 4..15);
        let inner = piece.piece(4..7);
        assert_eq!(&*inner, "é ");
        assert!(inner.shares(&buf));
        assert_eq!(&*piece.piece(0..0), "");
        assert_eq!(&*piece.piece(8..11), "hre");
        let own = SharedStr::from("one two".to_string());
        assert_eq!(&*own.piece(4..7), "two");
        assert!(own.piece(4..7).is_shared());
        assert_eq!(&*SharedStr::default().piece(0..0), "");
    }

    #[test]
    #[should_panic]
    fn a_piece_of_a_piece_off_a_character_boundary_is_refused() {
        let buf = Arc::new("ab é".to_string());
        SharedStr::slice(&buf, 1..5).piece(0..3);
    }

    #[test]
    #[should_panic]
    fn a_piece_off_a_character_boundary_is_refused() {
        let buf = Arc::new("é".to_string());
        SharedStr::slice(&buf, 0..1);
    }
}
