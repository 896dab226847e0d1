//! The content identifier every output of an article (or a book) shares:
//! the EPUB's `dc:identifier`, the TEI's `idno[@type=UUID]`, a bag's
//! `External-Identifier`.

use crate::ast::walk::{walk_document, walk_item, walk_list, walk_section};
use crate::ast::{
    Document, Figure, Inline, List, ListItem, Paragraph, Quote, Reference, Rule, Section, Visit,
};
use sha1::{Digest, Sha1};
use std::convert::Infallible;
use uuid::Uuid;

/// The namespace of refolio's content-derived identifiers (UUID v5).
pub const IDENTIFIER_NAMESPACE: Uuid = Uuid::from_u128(0x6d1c_4f0e_8a52_5b7e_9c3d_2f41_a0e8_b7c5);

/// The content-derived identifier of `docs`: a UUID v5 in
/// [`IDENTIFIER_NAMESPACE`] of their text and structure (titles, blocks,
/// headings, markers, URLs, references), without metadata or source
/// positions, so that re-encoding the input (CRLF, BOM) keeps it and
/// changing any character of the text changes it.
pub fn content_identifier(docs: &[&Document]) -> Uuid {
    let mut id = ContentIdentifier::new();
    for d in docs {
        id.add(d);
    }
    id.uuid()
}

/// The content identifier of documents given one at a time, in order
/// (the UUID in [`crate::write::content_identifier`]), so that they need
/// not all be held at once: a book's chapters as they are read.
pub struct ContentIdentifier(Canon);

impl Default for ContentIdentifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ContentIdentifier {
    /// No document yet.
    pub fn new() -> Self {
        let mut c = Canon::new();
        c.tag("refolio-epub-content/1");
        ContentIdentifier(c)
    }

    /// The next document.
    pub fn add(&mut self, d: &Document) {
        let c = &mut self.0;
        c.tag("doc");
        c.field("title", &d.title.text);
        if let Some(s) = &d.subtitle {
            c.field("subtitle", &s.text);
        }
        let Ok(()) = walk_document(c, d);
        if let Some(h) = &d.references_heading {
            c.tag("references-heading");
            let Ok(()) = c.visit_inlines(&h.inlines);
        }
        for r in &d.references {
            c.reference(r);
        }
    }

    /// The identifier of the documents given.
    pub fn uuid(self) -> Uuid {
        self.0.uuid()
    }
}

/// `Uuid::new_v5(namespace, name)` of a name given in pieces, hashed as
/// they come (RFC 9562 §5.5: SHA-1 of the namespace and the name), so that
/// the name is never held whole: a PDF's bytes as they are written. It is
/// computed with the `sha1` crate (SHA-NI where the processor has it)
/// instead of `uuid`'s own portable SHA-1: the PDF's `/ID` hashes the
/// whole file.
pub(crate) struct UuidV5(Sha1);

impl UuidV5 {
    pub(crate) fn new(namespace: &Uuid) -> Self {
        let mut sha1 = Sha1::new();
        sha1.update(namespace.as_bytes());
        UuidV5(sha1)
    }

    /// The next bytes of the name.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn finish(self) -> Uuid {
        let hash = self.0.finalize();
        let mut bytes = [0; 16];
        bytes.copy_from_slice(&hash[..16]);
        uuid::Builder::from_sha1_bytes(bytes).into_uuid()
    }
}

/// An unambiguous serialisation of a document's content, hashed as it is
/// made: it passes through a small buffer to the hash of a UUID v5, so the
/// whole serialisation is never held. Fields are separated by U+001F and
/// ended by U+001E, characters that never occur in the model's text (the
/// parser drops control characters).
struct Canon {
    /// The UUID v5 of the serialisation up to `pending` (the same UUID as
    /// `Uuid::new_v5` of the serialised bytes, which `uuid` computes with a
    /// slower SHA-1: a unit test holds them equal).
    id: UuidV5,
    /// Serialised bytes not hashed yet (hashing many short pieces one by
    /// one costs more than copying them).
    pending: Vec<u8>,
}

/// How many bytes [`Canon`] gathers before it hashes them.
const CANON_CHUNK: usize = 16 * 1024;

/// Pieces of this many bytes or more are hashed without being gathered.
const CANON_DIRECT: usize = 256;

impl Canon {
    fn new() -> Canon {
        Canon {
            id: UuidV5::new(&IDENTIFIER_NAMESPACE),
            pending: Vec::with_capacity(CANON_CHUNK + 64),
        }
    }
    fn uuid(mut self) -> Uuid {
        self.id.update(&self.pending);
        self.id.finish()
    }
    /// Appends `bytes`.
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        // A long piece (most texts of paragraphs) is hashed where it
        // stands, after what is pending: copying it first cost more than
        // the hash's call (the bytes hashed, and so the UUID, are the same).
        if bytes.len() >= CANON_DIRECT {
            self.hash_pending();
            self.id.update(bytes);
            return;
        }
        self.room(bytes.len());
        crate::bytes::append(&mut self.pending, bytes);
    }
    /// Makes room for `n` more bytes (fewer than [`CANON_DIRECT`]) in
    /// `pending`, hashing what it holds if they would take it past
    /// [`CANON_CHUNK`]: the short pieces of a field are then appended with
    /// one check between them.
    #[inline]
    fn room(&mut self, n: usize) {
        if self.pending.len() + n > CANON_CHUNK {
            self.hash_pending();
        }
    }
    /// Hashes the pending bytes.
    fn hash_pending(&mut self) {
        self.id.update(&self.pending);
        self.pending.clear();
    }
    fn tag(&mut self, t: &str) {
        self.put(t.as_bytes());
        self.put(&[0x1E]);
    }
    /// A field `name` (short) whose value is `value`.
    fn field(&mut self, name: &str, value: &str) {
        self.name(name);
        self.put(value.as_bytes());
        self.room(1);
        self.pending.push(0x1E);
    }
    /// A field's name and the separator after it.
    #[inline]
    fn name(&mut self, name: &str) {
        self.room(name.len() + 1);
        crate::bytes::append(&mut self.pending, name.as_bytes());
        self.pending.push(0x1F);
    }
    /// A field whose value is a number or two (`12`, `3.1`), formatted
    /// without an allocation.
    fn numbers(&mut self, name: &str, a: u64, b: Option<u64>) {
        self.name(name);
        // Two numbers of at most 20 digits, the dot and the end.
        self.room(42);
        crate::bytes::append_decimal(&mut self.pending, a);
        if let Some(b) = b {
            self.pending.push(b'.');
            crate::bytes::append_decimal(&mut self.pending, b);
        }
        self.pending.push(0x1E);
    }
    fn reference(&mut self, r: &Reference) {
        self.numbers("ref", r.n.into(), None);
        self.field("raw", &r.raw);
        self.numbers("backlinks", r.backlinks.len() as u64, None);
    }
}

/// The body in the order of [`walk_document`], each node tagged.
impl Visit<'_> for Canon {
    type Error = Infallible;
    fn visit_lead_figure(&mut self, f: &Figure) -> Result<(), Infallible> {
        self.tag("lead");
        self.visit_figure(f)
    }
    fn visit_section(&mut self, _: usize, s: &Section) -> Result<(), Infallible> {
        self.tag("section");
        walk_section(self, s)
    }
    fn visit_paragraph(&mut self, p: &Paragraph) -> Result<(), Infallible> {
        self.tag("p");
        self.visit_inlines(&p.inlines)
    }
    fn visit_quote(&mut self, q: &Quote) -> Result<(), Infallible> {
        self.tag("quote");
        self.visit_inlines(&q.inlines)
    }
    fn visit_rule(&mut self, _: &Rule) -> Result<(), Infallible> {
        self.tag("rule");
        Ok(())
    }
    fn visit_list(&mut self, l: &List) -> Result<(), Infallible> {
        self.numbers(if l.ordered { "ol" } else { "ul" }, l.start, None);
        walk_list(self, l)?;
        self.tag("/list");
        Ok(())
    }
    fn visit_item(&mut self, _: &List, _: usize, item: &ListItem) -> Result<(), Infallible> {
        self.tag("li");
        walk_item(self, item)
    }
    fn visit_figure(&mut self, f: &Figure) -> Result<(), Infallible> {
        self.tag("figure");
        self.visit_inlines(&f.alt)?;
        if let Some(c) = &f.caption {
            self.tag("caption");
            self.visit_inlines(c)?;
        }
        Ok(())
    }
    fn visit_inlines(&mut self, inlines: &[Inline]) -> Result<(), Infallible> {
        for i in inlines {
            match i {
                Inline::Text { text, .. } => self.field("t", text),
                Inline::Cite { n, occurrence, .. } => {
                    self.numbers("c", (*n).into(), Some((*occurrence).into()))
                }
                Inline::Link { url, .. } => self.field("l", url),
            }
        }
        self.tag("/");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed hash gives the UUID that `uuid`'s own v5 gives for the
    /// same bytes (fields, separators and all).
    #[test]
    fn streamed_hash_is_uuid_v5_of_the_serialisation() {
        let mut c = Canon::new();
        c.tag("doc");
        c.field("t", "Canal locks, 1790–1830");
        let mut bytes = b"doc\x1e".to_vec();
        bytes.extend_from_slice("t\x1fCanal locks, 1790–1830\x1e".as_bytes());
        assert_eq!(c.uuid(), Uuid::new_v5(&IDENTIFIER_NAMESPACE, &bytes));
        let empty = Canon::new();
        assert_eq!(empty.uuid(), Uuid::new_v5(&IDENTIFIER_NAMESPACE, b""));
        // Numbers, and more than one chunk.
        let mut c = Canon::new();
        c.numbers("c", 12, Some(3));
        c.numbers("ol", 0, None);
        c.numbers("n", u64::MAX, None);
        let long = "x".repeat(CANON_CHUNK + 5);
        c.field("t", &long);
        c.tag("/");
        // Pieces hashed where they stand among gathered ones.
        let medium = "y".repeat(CANON_DIRECT + 3);
        c.field("t", &medium);
        c.field("t", &medium[..CANON_DIRECT - 1]);
        c.field("t", &medium[..CANON_DIRECT]);
        let mut bytes = format!("c\x1f12.3\x1eol\x1f0\x1en\x1f{}\x1e", u64::MAX).into_bytes();
        bytes.extend_from_slice(format!("t\x1f{long}\x1e/\x1e").as_bytes());
        for piece in [
            &medium[..],
            &medium[..CANON_DIRECT - 1],
            &medium[..CANON_DIRECT],
        ] {
            bytes.extend_from_slice(format!("t\x1f{piece}\x1e").as_bytes());
        }
        assert_eq!(c.uuid(), Uuid::new_v5(&IDENTIFIER_NAMESPACE, &bytes));
    }

    /// Given whole or in pieces, the name hashes to `uuid`'s own v5.
    #[test]
    fn uuid_v5_is_uuids_own() {
        for name in [&b""[..], b"%PDF-1.7", &[7u8; 200_000]] {
            let mut whole = UuidV5::new(&Uuid::NAMESPACE_OID);
            whole.update(name);
            let mut pieces = UuidV5::new(&Uuid::NAMESPACE_OID);
            for piece in name.chunks(97) {
                pieces.update(piece);
            }
            let want = Uuid::new_v5(&Uuid::NAMESPACE_OID, name);
            assert_eq!(whole.finish(), want);
            assert_eq!(pieces.finish(), want);
        }
    }
}
