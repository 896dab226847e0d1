//! A parsed article's text, body and reference list put away in a
//! temporary file, and read back a block (or an entry) at a time.
//!
//! A PDF's layout reads the body twice in reading order (a pass to note
//! and set the paragraphs, a pass to make the rows) and the reference list
//! at the end of each; nothing else needs the article's text and nodes
//! meanwhile. Put away, a long article's layout holds one block of it at a
//! time instead of all of it beside its own work (issue 15: the seed
//! ×3,460's body alone held 8.2 MB of text and 10.5 MB of document through
//! the flow). The source's text waits there too, read back only when a
//! diagnostic found by the layout must say its `line:column`.
//!
//! The file is the system's temporary file ([`TempFile`]): what the system
//! caches of it is not the process's memory. Each item is one record:
//!
//! ```text
//! record  = kind:u8  nodes-length:u32  text-length:u32  nodes  text
//! ```
//!
//! `nodes` is the item's tree in the order of its fields (integers little
//! endian; a string is its start and end in the record's `text`); the
//! item's strings are read back as pieces of one buffer, the record's text
//! ([`SharedStr`]), as they were pieces of the source.

use std::io;
use std::sync::Arc;

use super::walk::Visit;
use super::{
    Backlink, Block, Figure, Heading, Inline, List, ListItem, Margin, Paragraph, Quote, RefField,
    RefFieldKind, Reference, Rule, SharedStr, Span,
};
use crate::temp_file::{Place, TempFile};

/// What a record holds.
const LEAD_FIGURE: u8 = 0;
const HEADING: u8 = 1;
const BLOCK: u8 = 2;
const REFERENCE: u8 = 3;

/// How much is written or read at a time.
const CHUNK: usize = 256 * 1024;

/// An article put away ([`PutAway::take`]): where its text, its body and
/// its reference list wait.
pub(crate) struct PutAway {
    file: TempFile,
    /// The source's text.
    text: Place,
    /// The body's records: the lead figure, the blocks before the first
    /// heading, then each section's heading and blocks.
    body: Place,
    /// The reference list's records, one per entry.
    references: Place,
}

impl PutAway {
    /// Puts away `parsed`'s text, body and reference list in `file`, and
    /// takes them out of it: its document keeps its title, subtitle,
    /// metadata and the reference list's heading (its own copy), its
    /// source its name (the text is empty until [`PutAway::text`]). When
    /// the file cannot be written, `parsed` is left whole and the error
    /// returned.
    pub(crate) fn take(parsed: &mut crate::Parsed, file: TempFile) -> io::Result<PutAway> {
        let doc = &parsed.document;
        let mut w = Writer::new(&file);
        let from = file.reserve(0);
        w.raw(parsed.source.text.as_bytes())?;
        let text = w.since(from)?;
        let from = text.offset + text.len as u64;
        if let Some(f) = &doc.lead_figure {
            w.record(LEAD_FIGURE, |e| e.figure(f))?;
        }
        for b in &doc.blocks {
            w.record(BLOCK, |e| e.block(b))?;
        }
        for s in &doc.sections {
            w.record(HEADING, |e| e.heading(&s.heading))?;
            for b in &s.blocks {
                w.record(BLOCK, |e| e.block(b))?;
            }
        }
        let body = w.since(from)?;
        let from = body.offset + body.len as u64;
        for r in &doc.references {
            w.record(REFERENCE, |e| e.reference(r))?;
        }
        let references = w.since(from)?;
        drop(w);
        let doc = &mut parsed.document;
        doc.lead_figure = None;
        doc.blocks = Vec::new();
        doc.sections = Vec::new();
        doc.references = Vec::new();
        if let Some(h) = &mut doc.references_heading {
            for i in &mut h.inlines {
                match i {
                    Inline::Text { text, .. } | Inline::Link { url: text, .. } => {
                        *text = SharedStr::from(text.as_str());
                    }
                    Inline::Cite { .. } => {}
                }
            }
        }
        parsed.source.text = Arc::default();
        Ok(PutAway {
            file,
            text,
            body,
            references,
        })
    }

    /// The source's text, read back.
    pub(crate) fn text(&self) -> io::Result<String> {
        let mut bytes = Vec::new();
        self.file.read_into(&mut bytes, self.text)?;
        String::from_utf8(bytes).map_err(|_| corrupt())
    }

    /// The body read back a block at a time, in the order of
    /// [`super::walk::walk_document`], each given to `v` (whose
    /// `visit_section` is not called: its heading and blocks are).
    pub(crate) fn walk_body<V: VisitOwned>(&self, v: &mut V) -> io::Result<()> {
        let mut records = Records::new(&self.file, self.body);
        while let Some((kind, mut d)) = records.next()? {
            // (What was read goes before the block is laid out.)
            let Ok(()) = match kind {
                LEAD_FIGURE => {
                    let f = d.figure()?;
                    drop(d);
                    v.visit_owned_lead_figure(f);
                    Ok(())
                }
                HEADING => {
                    let h = d.heading()?;
                    drop(d);
                    v.visit_heading(&h)
                }
                BLOCK => {
                    let b = d.block()?;
                    drop(d);
                    v.visit_owned_block(b);
                    Ok(())
                }
                _ => return Err(corrupt()),
            };
        }
        Ok(())
    }

    /// Each entry of the reference list read back, in order, given to `f`.
    pub(crate) fn each_reference(&self, f: &mut dyn FnMut(&Reference)) -> io::Result<()> {
        let mut records = Records::new(&self.file, self.references);
        while let Some((kind, mut d)) = records.next()? {
            if kind != REFERENCE {
                return Err(corrupt());
            }
            let r = d.reference()?;
            drop(d);
            f(&r);
        }
        Ok(())
    }
}

/// A visitor of a body read back ([`PutAway::walk_body`]), which may take
/// each block whole.
pub(crate) trait VisitOwned: for<'b> Visit<'b, Error = std::convert::Infallible> {
    /// A block read back, given to keep or to take apart: by default
    /// visited as any other ([`Visit::visit_block`]). The layout takes a
    /// paragraph's (and a figure's description's) inlines into the atoms
    /// it sets, so that a long one's are not held twice.
    fn visit_owned_block(&mut self, b: Block) {
        let Ok(()) = self.visit_block(&b);
    }
    /// The lead figure read back, likewise ([`Visit::visit_lead_figure`]).
    fn visit_owned_lead_figure(&mut self, f: Figure) {
        let Ok(()) = self.visit_lead_figure(&f);
    }
}

/// What is read back is not what was written.
fn corrupt() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the article put away in the temporary file does not read back",
    )
}

/// Records written to the file a chunk at a time.
struct Writer<'f> {
    file: &'f TempFile,
    /// Written, not yet in the file.
    out: Vec<u8>,
}

impl<'f> Writer<'f> {
    fn new(file: &'f TempFile) -> Self {
        Writer {
            file,
            out: Vec::with_capacity(CHUNK),
        }
    }

    /// Everything written so far in the file: where the bytes from
    /// `from` stand.
    fn since(&mut self, from: u64) -> io::Result<Place> {
        self.flush()?;
        let end = self.file.reserve(0);
        Ok(Place {
            offset: from,
            len: usize::try_from(end - from).map_err(io::Error::other)?,
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.file.append(&self.out)?;
            self.out.clear();
        }
        Ok(())
    }

    /// `bytes` as they are (the source's text, a record's nodes or a
    /// piece of its text): through the buffer, or straight to the file
    /// when they would fill it.
    fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.out.len() + bytes.len() < CHUNK {
            self.out.extend_from_slice(bytes);
            return Ok(());
        }
        self.flush()?;
        if bytes.len() < CHUNK {
            self.out.extend_from_slice(bytes);
            return Ok(());
        }
        self.file.append(bytes)?;
        Ok(())
    }

    /// A record of `kind` made by `make`, which is called three times:
    /// to count the nodes' and the text's bytes, to write the nodes, and
    /// to write the text's pieces where they are; so that a long block
    /// is not copied into memory first (a 66 MB paragraph's text and 37
    /// MB of its nodes were the peak of its PDF, taken beside the whole
    /// article).
    fn record(&mut self, kind: u8, make: impl Fn(&mut Encoder)) -> io::Result<()> {
        let mut e = Encoder::new(self, Pass::Count);
        make(&mut e);
        let len = |n: usize| u32::try_from(n).map_err(io::Error::other);
        let (nodes, text) = (len(e.nodes_len)?, len(e.text_len)?);
        let mut head = [kind; 9];
        head[1..5].copy_from_slice(&nodes.to_le_bytes());
        head[5..9].copy_from_slice(&text.to_le_bytes());
        self.raw(&head)?;
        for pass in [Pass::Nodes, Pass::Text] {
            let mut e = Encoder::new(self, pass);
            make(&mut e);
            if let Some(error) = e.error {
                return Err(error);
            }
        }
        if self.out.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }
}

/// What a call of a record's `make` does ([`Writer::record`]).
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    /// Counts the bytes of the nodes and of the text.
    Count,
    /// Writes the nodes.
    Nodes,
    /// Writes the text.
    Text,
}

/// One record's nodes and text being counted or written.
struct Encoder<'w, 'f> {
    writer: &'w mut Writer<'f>,
    pass: Pass,
    nodes_len: usize,
    /// The length of the text so far (a string's place in it is a node).
    text_len: usize,
    /// The first error met writing.
    error: Option<io::Error>,
}

impl<'w, 'f> Encoder<'w, 'f> {
    fn new(writer: &'w mut Writer<'f>, pass: Pass) -> Self {
        Encoder {
            writer,
            pass,
            nodes_len: 0,
            text_len: 0,
            error: None,
        }
    }

    /// `bytes` written when this pass writes what they are part of.
    fn write(&mut self, bytes: &[u8], of: Pass) {
        if self.pass == of
            && self.error.is_none()
            && let Err(e) = self.writer.raw(bytes)
        {
            self.error = Some(e);
        }
    }
    fn node(&mut self, bytes: &[u8]) {
        self.nodes_len += bytes.len();
        self.write(bytes, Pass::Nodes);
    }
    fn u8(&mut self, v: u8) {
        self.node(&[v]);
    }
    fn u32(&mut self, v: u32) {
        self.node(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.node(&v.to_le_bytes());
    }
    /// A count of items (an article is at most 4 GiB: they fit 32 bits).
    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    fn span(&mut self, s: Span) {
        self.u32(s.start);
        self.u32(s.end);
    }
    fn str(&mut self, s: &str) {
        let start = self.text_len;
        self.text_len += s.len();
        self.write(s.as_bytes(), Pass::Text);
        self.len(start);
        self.len(self.text_len);
    }
    fn margin(&mut self, m: Margin) {
        match m.0 {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u32(v.to_bits());
            }
        }
    }
    fn inlines(&mut self, inlines: &[Inline]) {
        self.len(inlines.len());
        for i in inlines {
            match i {
                Inline::Text { text, span } => {
                    self.u8(0);
                    self.str(text);
                    self.span(*span);
                }
                Inline::Cite {
                    n,
                    occurrence,
                    span,
                    margin,
                } => {
                    self.u8(1);
                    self.u32(*n);
                    self.u32(*occurrence);
                    self.span(*span);
                    self.margin(*margin);
                }
                Inline::Link { url, span } => {
                    self.u8(2);
                    self.str(url);
                    self.span(*span);
                }
            }
        }
    }
    fn heading(&mut self, h: &Heading) {
        self.inlines(&h.inlines);
        self.span(h.span);
    }
    fn figure(&mut self, f: &Figure) {
        self.inlines(&f.alt);
        match &f.caption {
            None => self.u8(0),
            Some(c) => {
                self.u8(1);
                self.inlines(c);
            }
        }
        self.span(f.span);
    }
    fn list(&mut self, l: &List) {
        self.u8(u8::from(l.ordered));
        self.u64(l.start);
        self.len(l.items.len());
        for item in &l.items {
            self.inlines(&item.inlines);
            self.len(item.children.len());
            for c in &item.children {
                self.list(c);
            }
            self.span(item.span);
        }
        self.span(l.span);
    }
    fn block(&mut self, b: &Block) {
        match b {
            Block::Paragraph(p) => {
                self.u8(0);
                self.inlines(&p.inlines);
                self.span(p.span);
            }
            Block::List(l) => {
                self.u8(1);
                self.list(l);
            }
            Block::Figure(f) => {
                self.u8(2);
                self.figure(f);
            }
            Block::Quote(q) => {
                self.u8(3);
                self.inlines(&q.inlines);
                self.span(q.span);
            }
            Block::Rule(r) => {
                self.u8(4);
                self.span(r.span);
            }
        }
    }
    fn reference(&mut self, r: &Reference) {
        self.u32(r.n);
        self.str(&r.raw);
        self.len(r.fields.len());
        for f in &r.fields {
            self.u8(match f.kind {
                RefFieldKind::Title => 0,
                RefFieldKind::Author => 1,
                RefFieldKind::Publisher => 2,
                RefFieldKind::Date => 3,
            });
            self.u32(f.start);
            self.u32(f.end);
            match &f.iso {
                None => self.u8(0),
                Some(iso) => {
                    self.u8(1);
                    self.str(iso);
                }
            }
        }
        self.len(r.backlinks.len());
        for b in &r.backlinks {
            self.span(b.span);
            self.str(&b.token);
        }
        self.span(r.span);
    }
}

/// The records of a part of the file, read a chunk at a time.
struct Records<'f> {
    file: &'f TempFile,
    /// Where the next read starts, and where the part ends.
    at: u64,
    end: u64,
    /// Read, and how much of it is used.
    buf: Vec<u8>,
    used: usize,
}

impl<'f> Records<'f> {
    fn new(file: &'f TempFile, part: Place) -> Self {
        Records {
            file,
            at: part.offset,
            end: part.offset + part.len as u64,
            buf: Vec::new(),
            used: 0,
        }
    }

    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.buf.len() - self.used < n {
            self.buf.drain(..self.used);
            self.used = 0;
            let len = ((n - self.buf.len()).max(CHUNK) as u64).min(self.end - self.at) as usize;
            self.read(len)?;
            if self.buf.len() < n {
                return Err(corrupt());
            }
        }
        let bytes = &self.buf[self.used..self.used + n];
        self.used += n;
        Ok(bytes)
    }

    /// `len` more bytes of the part read into the buffer.
    fn read(&mut self, len: usize) -> io::Result<()> {
        let place = Place {
            offset: self.at,
            len,
        };
        self.file.read_into(&mut self.buf, place)?;
        self.at += len as u64;
        Ok(())
    }

    /// The next `n` bytes, as a vector of their own: a long block's are
    /// read straight into it, not through the buffer.
    fn take_owned(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let have = self.buf.len() - self.used;
        if n <= CHUNK || n <= have {
            return Ok(self.take(n)?.to_vec());
        }
        if self.end - self.at < (n - have) as u64 {
            return Err(corrupt());
        }
        // The buffer becomes the block's: what it holds of it, then the
        // rest read after that.
        self.buf.drain(..self.used);
        self.used = 0;
        self.read(n - have)?;
        Ok(std::mem::take(&mut self.buf))
    }

    /// The next record's kind and nodes, or `None` at the part's end.
    fn next(&mut self) -> io::Result<Option<(u8, Decoder)>> {
        if self.used == self.buf.len() && self.at == self.end {
            return Ok(None);
        }
        let head = self.take(9)?;
        let kind = head[0];
        let len = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let (nodes, text) = (len(&head[1..5]), len(&head[5..9]));
        let nodes = self.take_owned(nodes)?;
        let text = String::from_utf8(self.take_owned(text)?).map_err(|_| corrupt())?;
        Ok(Some((
            kind,
            Decoder {
                nodes,
                at: 0,
                text: Arc::new(text),
            },
        )))
    }
}

/// One record's nodes read back, its strings pieces of its text.
struct Decoder {
    nodes: Vec<u8>,
    at: usize,
    text: Arc<String>,
}

impl Decoder {
    fn bytes<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let b = self.nodes.get(self.at..self.at + N).ok_or_else(corrupt)?;
        self.at += N;
        b.try_into().map_err(|_| corrupt())
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.bytes::<1>()?[0])
    }
    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }
    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }
    fn len(&mut self) -> io::Result<usize> {
        Ok(self.u32()? as usize)
    }
    fn flag(&mut self) -> io::Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt()),
        }
    }
    fn span(&mut self) -> io::Result<Span> {
        Ok(Span {
            start: self.u32()?,
            end: self.u32()?,
        })
    }
    fn str(&mut self) -> io::Result<SharedStr> {
        let (start, end) = (self.len()?, self.len()?);
        if self.text.get(start..end).is_none() {
            return Err(corrupt());
        }
        Ok(if start == end {
            SharedStr::default()
        } else {
            SharedStr::slice(&self.text, start..end)
        })
    }
    fn string(&mut self) -> io::Result<String> {
        Ok(self.str()?.as_str().to_string())
    }
    /// `n` items, each read by `item`, with room made for no more than
    /// the record can hold.
    fn items<T>(&mut self, item: impl Fn(&mut Self) -> io::Result<T>) -> io::Result<Vec<T>> {
        let n = self.len()?;
        let mut v = Vec::with_capacity(n.min(self.nodes.len() - self.at));
        for _ in 0..n {
            v.push(item(self)?);
        }
        Ok(v)
    }
    fn margin(&mut self) -> io::Result<Margin> {
        Ok(Margin(if self.flag()? {
            Some(f32::from_bits(self.u32()?))
        } else {
            None
        }))
    }
    fn inlines(&mut self) -> io::Result<Vec<Inline>> {
        self.items(|d| {
            Ok(match d.u8()? {
                0 => Inline::Text {
                    text: d.str()?,
                    span: d.span()?,
                },
                1 => Inline::Cite {
                    n: d.u32()?,
                    occurrence: d.u32()?,
                    span: d.span()?,
                    margin: d.margin()?,
                },
                2 => Inline::Link {
                    url: d.str()?,
                    span: d.span()?,
                },
                _ => return Err(corrupt()),
            })
        })
    }
    fn heading(&mut self) -> io::Result<Heading> {
        Ok(Heading {
            inlines: self.inlines()?,
            span: self.span()?,
        })
    }
    fn figure(&mut self) -> io::Result<Figure> {
        Ok(Figure {
            alt: self.inlines()?,
            caption: if self.flag()? {
                Some(self.inlines()?)
            } else {
                None
            },
            span: self.span()?,
        })
    }
    fn list(&mut self) -> io::Result<List> {
        Ok(List {
            ordered: self.flag()?,
            start: self.u64()?,
            items: self.items(|d| {
                Ok(ListItem {
                    inlines: d.inlines()?,
                    children: d.items(Self::list)?,
                    span: d.span()?,
                })
            })?,
            span: self.span()?,
        })
    }
    fn block(&mut self) -> io::Result<Block> {
        Ok(match self.u8()? {
            0 => Block::Paragraph(Paragraph {
                inlines: self.inlines()?,
                span: self.span()?,
            }),
            1 => Block::List(Box::new(self.list()?)),
            2 => Block::Figure(Box::new(self.figure()?)),
            3 => Block::Quote(Quote {
                inlines: self.inlines()?,
                span: self.span()?,
            }),
            4 => Block::Rule(Rule { span: self.span()? }),
            _ => return Err(corrupt()),
        })
    }
    fn reference(&mut self) -> io::Result<Reference> {
        Ok(Reference {
            n: self.u32()?,
            raw: self.string()?.into(),
            fields: self
                .items(|d| {
                    Ok(RefField {
                        kind: match d.u8()? {
                            0 => RefFieldKind::Title,
                            1 => RefFieldKind::Author,
                            2 => RefFieldKind::Publisher,
                            3 => RefFieldKind::Date,
                            _ => return Err(corrupt()),
                        },
                        start: d.u32()?,
                        end: d.u32()?,
                        iso: if d.flag()? {
                            Some(crate::ast::IsoDate::parse(&d.string()?).ok_or_else(corrupt)?)
                        } else {
                            None
                        },
                    })
                })?
                .into_boxed_slice(),
            backlinks: self
                .items(|d| {
                    Ok(Backlink {
                        span: d.span()?,
                        token: d.str()?,
                    })
                })?
                .into_boxed_slice(),
            span: self.span()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Document, Section};
    use crate::{ParseOptions, Parsed};

    /// What a walk over a body meets, in order.
    #[derive(Debug, PartialEq)]
    enum Met {
        LeadFigure(Figure),
        Heading(Heading),
        Block(Block),
    }

    struct Meet(Vec<Met>);

    impl VisitOwned for Meet {}

    impl Visit<'_> for Meet {
        type Error = std::convert::Infallible;
        fn visit_lead_figure(&mut self, f: &Figure) -> Result<(), Self::Error> {
            self.0.push(Met::LeadFigure(f.clone()));
            Ok(())
        }
        fn visit_heading(&mut self, h: &Heading) -> Result<(), Self::Error> {
            self.0.push(Met::Heading(h.clone()));
            Ok(())
        }
        fn visit_block(&mut self, b: &Block) -> Result<(), Self::Error> {
            self.0.push(Met::Block(b.clone()));
            Ok(())
        }
    }

    fn met(doc: &Document) -> Vec<Met> {
        let mut m = Meet(Vec::new());
        let Ok(()) = crate::ast::walk::walk_document(&mut m, doc);
        m.0
    }

    fn parsed(text: &str) -> Parsed {
        let opts = ParseOptions::default();
        crate::parse_article("a.txt", text.as_bytes().to_vec(), Default::default(), &opts).unwrap()
    }

    /// A document with every kind of node and field: margins and none,
    /// links, empty and non-ASCII text, nested lists, a figure without a
    /// caption, reference fields with and without a date's value, and
    /// a paragraph whose text, and one whose nodes, take more than a chunk
    /// of the file.
    fn every_node() -> Document {
        let span = |a: u32| Span::new(a as usize, a as usize + 3);
        let text = |s: &str, a: u32| Inline::Text {
            text: SharedStr::from(s),
            span: span(a),
        };
        let inlines = |s: &str| {
            vec![
                text(s, 1),
                Inline::Cite {
                    n: 2,
                    occurrence: 3,
                    span: span(4),
                    margin: Margin(Some(1.25)),
                },
                Inline::Cite {
                    n: 7,
                    occurrence: 1,
                    span: span(5),
                    margin: Margin(None),
                },
                Inline::Link {
                    url: SharedStr::from("https://example.org/ř"),
                    span: span(6),
                },
                text("", 7),
            ]
        };
        let figure = |caption: Option<&str>| Figure {
            alt: inlines("alt"),
            caption: caption.map(inlines),
            span: span(8),
        };
        let item = |s: &str, children: Vec<List>| ListItem {
            inlines: inlines(s),
            children,
            span: span(9),
        };
        let list = |ordered, items| List {
            ordered,
            start: 1 << 40,
            items,
            span: span(10),
        };
        let mut d = Document::new("Title");
        d.lead_figure = Some(figure(Some("lead caption")));
        d.blocks = vec![
            Block::paragraph(inlines("první odstavec")),
            Block::List(Box::new(list(
                true,
                vec![
                    item("i1", vec![list(false, vec![item("i1.1", vec![])])]),
                    item("i2", vec![]),
                ],
            ))),
            Block::Rule(Rule { span: span(11) }),
            Block::paragraph(inlines(&"long ".repeat(CHUNK / 2))),
            // Nodes of more than a chunk.
            Block::paragraph(
                (0..CHUNK / 64)
                    .flat_map(|i| inlines(&format!("word {i} ")))
                    .collect(),
            ),
        ];
        d.sections = vec![
            Section {
                heading: Heading {
                    inlines: inlines("h1"),
                    span: span(12),
                },
                blocks: vec![
                    Block::Figure(Box::new(figure(None))),
                    Block::Quote(Quote {
                        inlines: inlines("q"),
                        span: span(13),
                    }),
                ],
                span: span(14),
            },
            Section {
                heading: Heading {
                    inlines: inlines("empty section"),
                    span: span(15),
                },
                blocks: Vec::new(),
                span: span(16),
            },
        ];
        d.references = (1..=3)
            .map(|n| Reference {
                n,
                raw: format!("Entry {n}; Author; 1990-02-26").into(),
                fields: vec![
                    RefField {
                        kind: RefFieldKind::Author,
                        start: 9,
                        end: 15,
                        iso: None,
                    },
                    RefField {
                        kind: RefFieldKind::Date,
                        start: 17,
                        end: 27,
                        iso: crate::ast::IsoDate::parse("1990-02-26"),
                    },
                ]
                .into(),
                backlinks: (0..n)
                    .map(|k| Backlink {
                        span: span(20 + k),
                        token: SharedStr::from("↩︎"),
                    })
                    .collect(),
                span: span(30),
            })
            .collect();
        d
    }

    /// Put away and read back: the same body, in the same order, the same
    /// entries and the same text; nothing of it left in the article but
    /// its title and metadata, and nothing left holding its text.
    #[test]
    fn an_article_comes_back_as_it_went() {
        // Each article parsed twice: the one put away shares its text with
        // no other.
        let hand_made = || {
            let mut p = parsed("A title\n\nSome text.\n");
            p.document = every_node();
            // A heading of the list that is a piece of the source.
            let text = SharedStr::slice(&p.source.text, 2..7);
            let span = Span::new(2, 7);
            let inlines = vec![Inline::Text { text, span }];
            p.document.references_heading = Some(Heading { inlines, span });
            p
        };
        let examples = [
            include_str!("../../input/canal-and-locks.txt"),
            include_str!("../../input/nova-ves-tramway.txt"),
            include_str!("../../input/skerry-point-keepers.txt"),
        ];
        let twice = examples
            .map(|t| (parsed(t), parsed(t)))
            .into_iter()
            .chain([(hand_made(), hand_made())]);
        for (original, mut p) in twice {
            let text = std::sync::Arc::downgrade(&p.source.text);
            let away = PutAway::take(&mut p, TempFile::new().unwrap()).unwrap();
            assert!(text.upgrade().is_none(), "the text is held still");
            assert!(p.source.text.is_empty());
            let mut kept = original.document.clone();
            kept.lead_figure = None;
            kept.blocks.clear();
            kept.sections.clear();
            kept.references.clear();
            assert_eq!(p.document, kept);

            let mut m = Meet(Vec::new());
            away.walk_body(&mut m).unwrap();
            assert_eq!(m.0, met(&original.document));
            let mut references = Vec::new();
            away.each_reference(&mut |r| references.push(r.clone()))
                .unwrap();
            assert_eq!(references, original.document.references);
            assert_eq!(away.text().unwrap(), *original.source.text);
        }
    }

    /// A file that cannot be written leaves the article whole; one cut
    /// short or overwritten reads back as an error, not a panic.
    #[test]
    fn a_broken_file_is_an_error() {
        let original = parsed(include_str!("../../input/canal-and-locks.txt"));
        let mut p = original.clone();
        let read_only = std::fs::File::open("Cargo.toml").unwrap();
        assert!(PutAway::take(&mut p, TempFile::in_file(read_only)).is_err());
        assert_eq!(p.document, original.document);
        assert_eq!(p.source.text, original.source.text);

        let away = PutAway::take(&mut p, TempFile::new().unwrap()).unwrap();
        let end = away.references.offset + away.references.len as u64;
        let walk = |away: &PutAway| {
            let body = away.walk_body(&mut Meet(Vec::new()));
            let references = away.each_reference(&mut |_| {});
            body.and(references)
        };
        walk(&away).unwrap();
        // Every byte of the body and the list, in turn, made 0xFF: a
        // length runs past the part's end, a kind is unknown, or the
        // record reads as other nodes (each of which is a valid value).
        let mut broken = 0;
        for at in away.body.offset..end {
            let mut byte = [0];
            away.file.read_at(&mut byte, at).unwrap();
            away.file.write_at(&[0xFF], at).unwrap();
            broken += usize::from(walk(&away).is_err());
            away.file.write_at(&byte, at).unwrap();
        }
        assert!(broken > 0);
        walk(&away).unwrap();
        // Cut short: the last record is not whole.
        let short = PutAway {
            references: Place {
                len: away.references.len - 1,
                ..away.references
            },
            ..away
        };
        assert!(short.each_reference(&mut |_| {}).is_err());
    }
}
