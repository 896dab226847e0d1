//! Writes the finished document as a PDF 1.5+ file: the streams (page
//! contents, fonts) as objects of their own, every other object (pages,
//! fonts' dictionaries, annotations, the outline, the structure tree …)
//! packed into deflated object streams, and a cross-reference stream.
//!
//! lopdf can save object streams too, but it serializes every packed object
//! three times and deflates the object streams one after another: for the
//! seed that cost a fifth of the whole PDF time. Here each object is
//! serialized once, and the object streams are built and deflated in
//! parallel.

use crate::error::WriteError;
use crate::temp_file::{Place, TempFile};
use crate::write::identifier::UuidV5;
use crate::write::pdf::Destination;
use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use rayon::prelude::*;
use std::io::Write;

/// Objects in one object stream: about a page's worth of annotations and
/// structure elements (more compress a little better, but a reader must
/// inflate the whole stream to read one of them).
const OBJECTS_PER_STREAM: usize = 200;

/// Objects (not streams) already in PDF syntax: the structure tree's
/// elements, the link annotations, the parent tree, and the pages with
/// their resource dictionaries. As lopdf objects the annotations and
/// elements took some 1.5 KB each until the file was written (a third of a
/// long article's peak memory), serialized a tenth of that; and each held
/// as a vector of its own (grown as it was written, with up to twice its
/// bytes' room) in a map by number, they still took three times their
/// bytes. So they are kept in chunks, each written by one task (a page's
/// annotations, a run of elements) and kept at its size, with each
/// object's number and place in its chunk; for a long article, in a
/// temporary file ([`Serialized::in_temp_file`]). [`save`] packs them
/// with the rest, in order of number.
#[derive(Default)]
pub(super) struct Serialized {
    chunks: Vec<Chunk>,
    /// By chunk: its first object's index in `objects`, and its length.
    spans: Vec<Span>,
    /// Each object, in the order they were added: its number and where
    /// its bytes start in its chunk (they end where the next object's
    /// start, or with the chunk). [`Serialized::entry`] makes an object's
    /// whole entry when the file is packed. With a temporary file, the
    /// first of them wait there, put away once [`OBJECTS_AWAY`] are held,
    /// until then.
    objects: Vec<Added>,
    /// Where each run of objects put away went, in order: they are the
    /// first objects added, before those of `objects`.
    objects_away: Vec<Place>,
    /// How many objects were put away.
    away: usize,
    /// The file refused a run of objects: the rest stay in memory.
    objects_stay: bool,
    /// The first object that an entry cannot hold (a generation other
    /// than 0, or a place past 4 GiB in its chunk): refused when the file
    /// is packed.
    unfit: Option<ObjectId>,
    /// Where the chunks go, when not in memory.
    file: Option<TempFile>,
    /// The pages' contents that wait in the file, each written as a
    /// stream object of its own by [`save`] (not in the document: as lopdf
    /// streams, emptied, their dictionaries took some 700 bytes a page,
    /// 2.7 MB of the seed ×3,460's from their drawing to the end).
    contents: Vec<FileContent>,
}

/// A page's content once drawn: a stream, or where it waits in the
/// temporary file ([`Serialized::stash_content`]). The stream is boxed: a
/// long document's pages wait in the file, and each page's entry, with its
/// owners, took 136 bytes for an lopdf stream's 120 (2.5 MB of a book of
/// 18,678 pages, until the file was packed; 40 bytes now).
pub(super) enum PageContent {
    Stream(Box<lopdf::Stream>),
    InFile {
        place: Place,
        /// Whether it is deflated (`/Filter /FlateDecode`).
        deflated: bool,
    },
}

const _: () = assert!(std::mem::size_of::<PageContent>() == 24);

/// A page's content in the temporary file, at its number.
#[derive(Debug, Clone, Copy)]
struct FileContent {
    number: u32,
    place: Place,
    deflated: bool,
}

impl FileContent {
    /// Its stream dictionary, as lopdf's stream with this content had it
    /// (`/Length` first, then `/Filter` when it is deflated).
    fn dict(&self) -> Dictionary {
        let mut dict = Dictionary::new();
        dict.set("Length", Object::Integer(self.place.len as i64));
        if self.deflated {
            dict.set("Filter", "FlateDecode");
        }
        dict
    }
}

/// An object of [`Serialized`] as it is added, in 8 bytes: its number (of
/// generation 0) and where its bytes start in its chunk. As a whole
/// [`Entry`], 16 bytes, the table took 9.4 MB of a book of 2,880
/// articles' 585,368 objects, the peak of its PDF (its structure tree's
/// walk).
#[derive(Debug, Clone, Copy)]
struct Added {
    number: u32,
    start: u32,
}

/// How many objects' [`Added`] go to the temporary file at a time, at
/// least (64 KiB). Held until the file was packed, a book of 2,880 articles'
/// 585,368 took 4.7 MB at the peak of its PDF, its structure tree's walk.
/// (Tests put away a few at a time, so that the files they make from a
/// temporary file read their objects back from there.)
const OBJECTS_AWAY: usize = if cfg!(test) { 64 } else { 8192 };

impl Added {
    const BYTES: usize = 8;

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.number.to_le_bytes());
        out.extend_from_slice(&self.start.to_le_bytes());
    }

    fn decode(bytes: &[u8]) -> Self {
        let word =
            |k: usize| u32::from_le_bytes([bytes[k], bytes[k + 1], bytes[k + 2], bytes[k + 3]]);
        Added {
            number: word(0),
            start: word(4),
        }
    }
}

/// A chunk's objects: the first's index in [`Serialized::objects`], and
/// the chunk's length in bytes (where its last object ends).
#[derive(Debug, Clone, Copy)]
struct Span {
    first: u32,
    len: u32,
}

/// An object of [`Serialized`] when the file is packed, in 16 bytes (a long
/// article's 170,000 took 5.6 MB in 32): its number (of generation 0), its
/// chunk, and its bytes' place in the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    number: u32,
    chunk: u32,
    start: u32,
    len: u32,
}

impl Entry {
    fn id(&self) -> ObjectId {
        (self.number, 0)
    }

    fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// A chunk of serialized objects put away ([`Serialized::stash`]), with
/// each object's number and place in it.
pub(super) struct Stashed {
    chunk: Chunk,
    objects: Vec<(ObjectId, std::ops::Range<usize>)>,
}

/// A chunk of serialized objects: in memory, or at `offset` of the
/// temporary file.
enum Chunk {
    Memory(Vec<u8>),
    File { offset: u64 },
}

impl Serialized {
    pub(super) fn new() -> Self {
        Serialized::default()
    }

    /// Objects whose chunks wait in a temporary file until the file is
    /// packed (those of a long article: 29 MB of the seed ×1,500's, at
    /// its PDF's peak); a chunk the file refuses, or all when the system
    /// gives no temporary file, stays in memory.
    pub(super) fn in_temp_file() -> Self {
        Serialized {
            file: TempFile::new(),
            ..Serialized::default()
        }
    }

    /// Objects whose chunks go to `file` (a test gives one that refuses
    /// writes or reads).
    #[cfg(test)]
    pub(super) fn in_file(file: TempFile) -> Self {
        Serialized {
            file: Some(file),
            ..Serialized::default()
        }
    }

    /// The temporary file the chunks go to, if any.
    pub(super) fn file(&self) -> Option<&TempFile> {
        self.file.as_ref()
    }

    /// Room for `objects` more objects in the index (grown by doubling, a
    /// long article's took twice its room); with a temporary file, for
    /// those held until they are put away.
    pub(super) fn reserve(&mut self, objects: usize) {
        let room = match self.file {
            Some(_) if !self.objects_stay => {
                objects.min(OBJECTS_AWAY.saturating_sub(self.objects.len()))
            }
            _ => objects,
        };
        self.objects.reserve_exact(room);
    }

    /// How many objects were added.
    fn added(&self) -> usize {
        self.away + self.objects.len()
    }

    /// The objects held, put away in the temporary file once they are
    /// [`OBJECTS_AWAY`] or more; kept when there is none, or when it
    /// refuses them (and from then on).
    fn put_objects_away(&mut self) {
        let Some(file) = &self.file else { return };
        if self.objects_stay || self.objects.len() < OBJECTS_AWAY {
            return;
        }
        let mut bytes = Vec::with_capacity(self.objects.len() * Added::BYTES);
        for o in &self.objects {
            o.encode(&mut bytes);
        }
        match file.append(&bytes) {
            Ok(place) => {
                self.objects_away.push(place);
                self.away += self.objects.len();
                self.objects.clear();
            }
            Err(_) => self.objects_stay = true,
        }
    }

    /// Every object added, in order, those put away read back.
    fn all_objects(&self) -> std::io::Result<Vec<Added>> {
        let mut all = Vec::with_capacity(self.added());
        let mut bytes = Vec::new();
        for &place in &self.objects_away {
            let file = self.file.as_ref().ok_or_else(|| {
                std::io::Error::other("objects put away in a temporary file that is gone")
            })?;
            bytes.clear();
            file.read_into(&mut bytes, place)?;
            all.extend(bytes.chunks_exact(Added::BYTES).map(Added::decode));
        }
        all.extend_from_slice(&self.objects);
        Ok(all)
    }

    /// The objects put away in the temporary file back in memory, all of
    /// them, to pack the file.
    fn bring_objects_back(&mut self) -> std::io::Result<()> {
        if !self.objects_away.is_empty() {
            self.objects = self.all_objects()?;
            self.objects_away = Vec::new();
            self.away = 0;
        }
        Ok(())
    }

    /// The objects written in `bytes`, each with its number and its bytes'
    /// place there, as one chunk (kept at its size).
    pub(super) fn add(
        &mut self,
        bytes: Vec<u8>,
        objects: impl IntoIterator<Item = (ObjectId, std::ops::Range<usize>)>,
    ) {
        let stashed = self.stash(ChunkWriter {
            bytes,
            objects: objects.into_iter().collect(),
        });
        self.add_stashed(stashed);
    }

    /// The chunk `written` put away, in the temporary file if there is one
    /// (from any thread, as soon as it is written), to add in its turn
    /// ([`Serialized::add_stashed`]).
    pub(super) fn stash(&self, written: ChunkWriter) -> Stashed {
        let ChunkWriter { mut bytes, objects } = written;
        let chunk = match self.file.as_ref().map(|f| f.append(&bytes)) {
            Some(Ok(place)) => Chunk::File {
                offset: place.offset,
            },
            _ => {
                bytes.shrink_to_fit();
                Chunk::Memory(bytes)
            }
        };
        Stashed { chunk, objects }
    }

    /// Puts the content of `stream` (a page's, deflated) in the temporary
    /// file, from any thread: where it went, to give
    /// [`Serialized::add_content`] with the stream's number. Without a
    /// file, or when it refuses the content, the stream itself.
    pub(super) fn stash_content(&self, stream: lopdf::Stream) -> PageContent {
        let Some(Ok(place)) = self.file.as_ref().map(|f| f.append(&stream.content)) else {
            return PageContent::Stream(Box::new(stream));
        };
        PageContent::InFile {
            place,
            deflated: stream.dict.has(b"Filter"),
        }
    }

    /// Object `id` is the page content `content`: kept here when it waits
    /// in the file, else given back, a stream for the document.
    pub(super) fn add_content(
        &mut self,
        id: ObjectId,
        content: PageContent,
    ) -> Option<lopdf::Stream> {
        match content {
            PageContent::Stream(stream) => Some(*stream),
            PageContent::InFile { place, deflated } => {
                if id.1 != 0 {
                    self.unfit.get_or_insert(id);
                } else {
                    self.contents.push(FileContent {
                        number: id.0,
                        place,
                        deflated,
                    });
                }
                None
            }
        }
    }

    /// A chunk put away by [`Serialized::stash`].
    pub(super) fn add_stashed(&mut self, stashed: Stashed) {
        self.add_chunk(stashed.chunk, stashed.objects);
    }

    /// `chunk`, holding `objects` one after another from its start (as a
    /// [`ChunkWriter`] writes them), in the index. An object that is not
    /// where the one before ends, past 4 GiB in its chunk, or of a
    /// generation other than 0, is unfit.
    fn add_chunk(
        &mut self,
        chunk: Chunk,
        objects: impl IntoIterator<Item = (ObjectId, std::ops::Range<usize>)>,
    ) {
        let Ok(first) = u32::try_from(self.added()) else {
            self.unfit.get_or_insert((0, 0));
            return;
        };
        let mut end = 0;
        for (id, range) in objects {
            let fits = range.start == end && id.1 == 0;
            match (fits, u32::try_from(range.start), u32::try_from(range.end)) {
                (true, Ok(start), Ok(_)) => self.objects.push(Added {
                    number: id.0,
                    start,
                }),
                _ => {
                    self.unfit.get_or_insert(id);
                }
            }
            end = range.end;
        }
        let len = u32::try_from(end).unwrap_or(u32::MAX);
        self.spans.push(Span { first, len });
        self.chunks.push(chunk);
        self.put_objects_away();
    }

    /// Object `i`'s whole entry (`i` in the order they were added), every
    /// object held (none put away): see [`Serialized::entry_in`].
    fn entry(&self, i: usize) -> Entry {
        self.entry_in(&self.objects, i)
    }

    /// Object `i`'s whole entry among `objects`, every object added: its
    /// chunk is the last that starts at it or before, and it ends where
    /// the next object of its chunk starts, or with its chunk.
    fn entry_in(&self, objects: &[Added], i: usize) -> Entry {
        let o = objects[i];
        let k = self.spans.partition_point(|s| s.first as usize <= i) - 1;
        let span = self.spans[k];
        let last = self
            .spans
            .get(k + 1)
            .map_or(objects.len(), |s| s.first as usize);
        let end = match objects.get(i + 1) {
            Some(next) if i + 1 < last => next.start,
            _ => span.len,
        };
        Entry {
            number: o.number,
            chunk: k as u32,
            start: o.start,
            len: end - o.start,
        }
    }

    /// The objects' indices (in the order they were added), in order of
    /// number.
    fn by_number(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.objects.len() as u32).collect();
        order.sort_unstable_by_key(|&i| self.objects[i as usize].number);
        order
    }

    /// Every object's whole entry, in the order they were added (those
    /// put away read back; none when they cannot be).
    #[cfg(test)]
    fn entries(&self) -> Vec<Entry> {
        let all = self.all_objects().unwrap_or_default();
        (0..all.len()).map(|i| self.entry_in(&all, i)).collect()
    }

    /// Room for one object of at most `room` bytes in the temporary file,
    /// written there in pieces as it grows ([`Serialized::write_spooled`])
    /// and then added ([`Serialized::add_spooled`]); `None` without a
    /// file.
    pub(super) fn spool(&self, room: usize) -> Option<Spool> {
        let file = self.file.as_ref()?;
        Some(Spool {
            offset: file.reserve(room as u64),
            room: room as u64,
            written: 0,
        })
    }

    /// `bytes`, the next of the object being spooled, written after the
    /// rest; an error when the file refuses them, or when they would pass
    /// the room reserved.
    pub(super) fn write_spooled(&self, spool: &mut Spool, bytes: &[u8]) -> std::io::Result<()> {
        let file = self.file.as_ref().ok_or_else(|| {
            std::io::Error::other("no temporary file for the object being written")
        })?;
        let end = spool.written + bytes.len() as u64;
        if end > spool.room {
            return Err(std::io::Error::other(
                "an object outgrew the room reserved for it in the temporary file",
            ));
        }
        file.write_at(bytes, spool.offset + spool.written)?;
        spool.written = end;
        Ok(())
    }

    /// What was written of the object being spooled, read back (to go on
    /// in memory when the file refuses more).
    pub(super) fn read_spooled(&self, spool: &Spool) -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        if let Some(file) = &self.file {
            file.read_into(
                &mut bytes,
                Place {
                    offset: spool.offset,
                    len: spool.written as usize,
                },
            )?;
        }
        Ok(bytes)
    }

    /// The object spooled, number `id`, as a chunk of its own.
    pub(super) fn add_spooled(&mut self, id: ObjectId, spool: Spool) {
        let chunk = Chunk::File {
            offset: spool.offset,
        };
        self.add_chunk(chunk, [(id, 0..spool.written as usize)]);
    }

    /// One object, `bytes` in PDF syntax, as a chunk of its own.
    pub(super) fn insert(&mut self, id: ObjectId, bytes: Vec<u8>) {
        let n = bytes.len();
        self.add(bytes, [(id, 0..n)]);
    }

    /// The bytes of object `id`, wherever they wait.
    #[cfg(test)]
    pub(super) fn object_bytes(&self, id: ObjectId) -> Option<Vec<u8>> {
        let entry = self.entries().into_iter().find(|e| e.id() == id)?;
        match &self.chunks[entry.chunk as usize] {
            Chunk::Memory(bytes) => Some(bytes[entry.range()].to_vec()),
            Chunk::File { offset } => {
                let mut bytes = Vec::new();
                let place = Place {
                    offset: offset + u64::from(entry.start),
                    len: entry.len as usize,
                };
                self.file.as_ref()?.read_into(&mut bytes, place).ok()?;
                Some(bytes)
            }
        }
    }

    /// Whether object `id` waits in the temporary file.
    #[cfg(test)]
    pub(super) fn waits_in_file(&self, id: ObjectId) -> bool {
        self.entries()
            .iter()
            .any(|e| e.id() == id && matches!(self.chunks[e.chunk as usize], Chunk::File { .. }))
    }
}

/// Room reserved in the temporary file for one object written in pieces
/// ([`Serialized::spool`]), and how much of it is written.
#[derive(Debug)]
pub(super) struct Spool {
    offset: u64,
    room: u64,
    written: u64,
}

/// An object read back from the temporary file a piece at a time as it is
/// deflated, not with the others of its stream ([`ReadBack`]): one of more
/// than a piece ([`PIECE`]), a figure's `/Alt` of a whole article's text.
fn in_pieces(entry: &Entry) -> bool {
    entry.len as usize > PIECE
}

/// The most of an object read back from the temporary file at once.
pub(super) const PIECE: usize = 1 << 20;

/// Where an object of an object stream is as it is deflated.
enum Piece<'a> {
    Here(&'a [u8]),
    /// In the temporary file, read a piece at a time ([`in_pieces`]).
    InFile(Place),
}

impl Piece<'_> {
    fn len(&self) -> usize {
        match self {
            Piece::Here(b) => b.len(),
            Piece::InFile(place) => place.len,
        }
    }
}

/// The serialized objects of one object stream that wait in the temporary
/// file, read at once: the stretches of the file they are in (objects
/// written one after another are read together), and each object's place
/// in what was read.
struct ReadBack {
    bytes: Vec<u8>,
    /// By object (its index in the stream): where its bytes are in `bytes`.
    places: Vec<Option<std::ops::Range<usize>>>,
}

impl ReadBack {
    /// Reads the objects of `stream` that are in the file.
    fn read(serialized: &Serialized, stream: &[(ObjectId, Packed)]) -> std::io::Result<Self> {
        /// Stretches of the file closer than this are read as one.
        const GAP: u64 = 4096;
        let mut wanted: Vec<(u64, u64, usize)> = stream
            .iter()
            .enumerate()
            .filter_map(|(i, (_, o))| match o {
                Packed::Serialized(entry) => match &serialized.chunks[entry.chunk as usize] {
                    Chunk::File { .. } if in_pieces(entry) => None,
                    Chunk::File { offset } => {
                        let start = offset + u64::from(entry.start);
                        Some((start, start + u64::from(entry.len), i))
                    }
                    Chunk::Memory(_) => None,
                },
                Packed::Object(_) => None,
            })
            .collect();
        let mut places = vec![None; stream.len()];
        let Some(file) = &serialized.file else {
            return Ok(ReadBack {
                bytes: Vec::new(),
                places,
            });
        };
        wanted.sort_unstable();
        let mut bytes = Vec::new();
        let mut i = 0;
        while i < wanted.len() {
            let (start, mut end) = (wanted[i].0, wanted[i].1);
            let mut j = i + 1;
            while j < wanted.len() && wanted[j].0 <= end + GAP {
                end = end.max(wanted[j].1);
                j += 1;
            }
            let at = bytes.len();
            let len = (end - start) as usize;
            file.read_into(&mut bytes, Place { offset: start, len })?;
            for &(s, e, k) in &wanted[i..j] {
                let from = at + (s - start) as usize;
                places[k] = Some(from..from + (e - s) as usize);
            }
            i = j;
        }
        Ok(ReadBack { bytes, places })
    }
}

/// Objects written one after another into one buffer, each with its number
/// and its bytes' place: a chunk for [`Serialized::add`].
#[derive(Debug, Default)]
pub(super) struct ChunkWriter {
    pub(super) bytes: Vec<u8>,
    pub(super) objects: Vec<(ObjectId, std::ops::Range<usize>)>,
}

impl ChunkWriter {
    /// Object `id`, written by `write` at the end of the buffer.
    pub(super) fn object(&mut self, id: ObjectId, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        write(&mut self.bytes);
        self.objects.push((id, start..self.bytes.len()));
    }

    /// The chunk, added to `serialized`.
    pub(super) fn add_to(self, serialized: &mut Serialized) {
        let stashed = serialized.stash(self);
        serialized.add_stashed(stashed);
    }
}

/// `o` in PDF syntax, as [`save`] writes it in an object stream.
pub(super) fn serialized(o: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    write_object(&mut out, o);
    out
}

/// An object stream, deflated, with its dictionary: in memory, or `len`
/// bytes at `offset` of the temporary file.
enum PackedStream {
    Memory(Vec<u8>),
    File(Place),
}

impl PackedStream {
    fn len(&self) -> usize {
        match self {
            PackedStream::Memory(b) => b.len(),
            PackedStream::File(place) => place.len,
        }
    }
}

/// An object to pack into an object stream.
enum Packed<'a> {
    Object(&'a Object),
    /// Bytes of a chunk of [`Serialized`].
    Serialized(Entry),
}

/// A stream object of the file: the document's, or a page's content that
/// waits in the temporary file.
enum StreamObject<'a> {
    Document(&'a lopdf::Stream),
    File(&'a FileContent),
}

/// Writes the file of `lo` and the `serialized` objects into `to` as it is
/// packed, with the entries of its trailer (`/Root`, `/Info` and `/ID`) in
/// the cross-reference stream's dictionary. The `/ID` is a UUID v5 of the
/// file's own bytes, hashed as they are written with zeros in its place,
/// then written over them (same length, so no offset moves): the same
/// document always gives the same file, and another document another
/// `/ID`.
///
/// On an error `to` may hold the start of the file.
pub(super) fn save(
    lo: &lopdf::Document,
    serialized: &mut Serialized,
    to: Destination<'_>,
) -> Result<(), WriteError> {
    let bad = |detail: String| WriteError::Assembly {
        stage: "PDF file",
        detail,
    };
    let (streams, objects): (Vec<_>, Vec<_>) = lo
        .objects
        .iter()
        .partition(|(id, o)| matches!(o, Object::Stream(_)) || id.1 != 0);
    if let Some(id) = serialized.unfit {
        return Err(bad(format!("object {id:?} cannot be written")));
    }
    serialized.bring_objects_back()?;
    if let Some(o) = serialized
        .objects
        .iter()
        .find(|o| lo.objects.contains_key(&(o.number, 0)))
    {
        return Err(bad(format!("object {:?} is given twice", (o.number, 0))));
    }
    // Both, in order of number: lopdf's objects are (its map is ordered),
    // the serialized ones by their indices, sorted (4 bytes an object),
    // each one's whole entry made as it is read ([`Serialized::entry`]:
    // the entries, 16 bytes an object, took 9.4 MB of a book of 2,880
    // articles' file while it was packed). Each object stream's objects
    // are merged from both when it is made (all of them in one list took
    // 32 bytes an object, 13 MB of the seed ×3,460's 408,000 while the
    // file was packed): here only where each stream starts in both is
    // kept.
    let order = serialized.by_number();
    serialized.contents.sort_unstable_by_key(|c| c.number);
    let serialized = &*serialized;
    let number = |i: &u32| serialized.objects[*i as usize].number;
    // The stream objects in order of number: lopdf's, and the pages'
    // contents that wait in the file.
    let mut file_streams: Vec<(ObjectId, StreamObject)> = streams
        .iter()
        .filter_map(|(id, o)| match o {
            Object::Stream(s) => Some((**id, StreamObject::Document(s))),
            _ => None,
        })
        .chain(
            serialized
                .contents
                .iter()
                .map(|c| ((c.number, 0), StreamObject::File(c))),
        )
        .collect();
    file_streams.sort_by_key(|(id, _)| *id);
    if let Some(id) = file_streams
        .windows(2)
        .find(|w| w[0].0 == w[1].0)
        .map(|w| w[0].0)
        .or_else(|| {
            serialized
                .contents
                .iter()
                .map(|c| (c.number, 0))
                .find(|id| {
                    lo.objects.contains_key(id) || order.binary_search_by_key(&id.0, number).is_ok()
                })
        })
    {
        return Err(bad(format!("object {id:?} is given twice")));
    }
    let total = objects.len() + order.len();
    let mut starts = Vec::with_capacity(total.div_ceil(OBJECTS_PER_STREAM));
    // The next object in order of number from `a` in lopdf's and `b` in
    // the index, moving past it.
    let next = |a: &mut usize, b: &mut usize| -> Option<(ObjectId, Packed)> {
        let entry = order.get(*b).map(|&i| serialized.entry(i as usize));
        match (objects.get(*a), entry) {
            (Some((x, _)), Some(e)) if **x >= e.id() => {
                *b += 1;
                Some((e.id(), Packed::Serialized(e)))
            }
            (None, Some(e)) => {
                *b += 1;
                Some((e.id(), Packed::Serialized(e)))
            }
            (Some((x, o)), _) => {
                *a += 1;
                Some((**x, Packed::Object(o)))
            }
            (None, None) => None,
        }
    };
    let (mut a, mut b, mut last) = (0, 0, None);
    for n in 0..total {
        if n % OBJECTS_PER_STREAM == 0 {
            starts.push((a, b));
        }
        let Some((id, _)) = next(&mut a, &mut b) else {
            break;
        };
        if last == Some(id) {
            return Err(bad(format!("object {id:?} is given twice")));
        }
        last = Some(id);
    }
    // Object stream `k`'s objects, in order of number.
    let stream_objects = |k: usize| -> Vec<(ObjectId, Packed)> {
        let (mut a, mut b) = starts[k];
        let n = OBJECTS_PER_STREAM.min(total - k * OBJECTS_PER_STREAM);
        (0..n).map_while(|_| next(&mut a, &mut b)).collect()
    };
    let first_free = last
        .map(|id| id.0)
        .into_iter()
        .chain(lo.objects.keys().map(|id| id.0))
        .max()
        .unwrap_or(0)
        .max(lo.max_id)
        + 1;
    // The object streams, built and deflated in parallel.
    // With a temporary file, each goes there once deflated, until the file
    // is assembled (a long article's took some 5 MB beside the file).
    let object_streams: Vec<PackedStream> = (0..starts.len())
        .into_par_iter()
        .map(|k| {
            let chunk = &stream_objects(k)[..];
            let read = ReadBack::read(serialized, chunk)?;
            // lopdf's objects (few and short) in PDF syntax; the rest are
            // where they were read, or in memory.
            let mut written = Vec::new();
            let mut spans = Vec::with_capacity(chunk.len());
            for (_, o) in chunk {
                let start = written.len();
                if let Packed::Object(o) = o {
                    write_object(&mut written, o);
                }
                spans.push(start..written.len());
            }
            let mut pieces: Vec<Piece> = Vec::with_capacity(chunk.len());
            for (k, (_, o)) in chunk.iter().enumerate() {
                pieces.push(match (o, &read.places[k]) {
                    (Packed::Object(_), _) => Piece::Here(&written[spans[k].clone()]),
                    (_, Some(place)) => Piece::Here(&read.bytes[place.clone()]),
                    (Packed::Serialized(entry), None) => {
                        match &serialized.chunks[entry.chunk as usize] {
                            Chunk::Memory(b) => Piece::Here(&b[entry.range()]),
                            Chunk::File { offset } if in_pieces(entry) => Piece::InFile(Place {
                                offset: offset + u64::from(entry.start),
                                len: entry.len as usize,
                            }),
                            Chunk::File { .. } => {
                                return Err(bad("an object was not read back".into()));
                            }
                        }
                    }
                });
            }
            // The offsets before the objects, each object on a line; all
            // deflated as they are, without a copy of the objects joined
            // (it took twice the parent tree's megabytes, and a figure's
            // 32 MB `/Alt` twice).
            let mut head = Vec::with_capacity(16 * chunk.len());
            let mut offset = 0;
            for ((id, _), piece) in chunk.iter().zip(&pieces) {
                let _ = write!(head, "{} {offset} ", id.0);
                offset += piece.len() + 1;
            }
            let first = head.len();
            let data = super::post_pass::deflate_pieces(first + offset, |put| {
                put(&head);
                let mut buf = Vec::new();
                for piece in &pieces {
                    match piece {
                        Piece::Here(bytes) => put(bytes),
                        Piece::InFile(place) => {
                            let file = serialized.file.as_ref().ok_or_else(|| {
                                bad("an object's temporary file is gone".into())
                            })?;
                            let mut at = 0;
                            while at < place.len {
                                let len = PIECE.min(place.len - at);
                                buf.clear();
                                file.read_into(
                                    &mut buf,
                                    Place {
                                        offset: place.offset + at as u64,
                                        len,
                                    },
                                )?;
                                put(&buf);
                                at += len;
                            }
                        }
                    }
                    put(b"\n");
                }
                Ok::<(), WriteError>(())
            })?;
            drop(read);
            let mut out = Vec::with_capacity(data.len() + 96);
            out.extend_from_slice(
                format!(
                    "<</Type /ObjStm /N {} /First {first} /Filter /FlateDecode /Length {}>>\nstream\n",
                    chunk.len(),
                    data.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&data);
            out.extend_from_slice(b"\nendstream");
            Ok(match serialized.file.as_ref().map(|f| f.append(&out)) {
                Some(Ok(place)) => PackedStream::File(place),
                _ => PackedStream::Memory(out),
            })
        })
        .collect::<Result<_, WriteError>>()?;
    let xref_id = first_free + object_streams.len() as u32;
    let numbers = xref_id as usize + 1;
    // The file's size, nearly: the streams with their dictionaries, the
    // object streams and the cross-reference stream (a long article's file
    // grown by doubling held half as much again, and for a moment the old
    // and the new buffer both).
    let capacity = 1024
        + file_streams
            .iter()
            .map(|(_, o)| match o {
                StreamObject::Document(s) => s.content.len() + 64 + 32 * s.dict.len(),
                StreamObject::File(c) => c.place.len + 64 + 32 * (1 + usize::from(c.deflated)),
            })
            .sum::<usize>()
        + object_streams.iter().map(|s| s.len() + 32).sum::<usize>()
        + numbers * 7;
    let mut out = FileWriter::new(to, capacity);
    // Dictionaries and small pieces, written here first; what is read
    // back from the temporary file too.
    let mut piece = Vec::new();
    // Where each stream object and each object stream starts, in order
    // of number (as a table of every number's entry, 8 bytes a number,
    // they took 4.7 MB of a book of 2,880 articles' file while its
    // cross-reference stream was made, the peak of its PDF).
    let mut stream_offsets = Vec::with_capacity(file_streams.len());
    let mut container_offsets = Vec::with_capacity(object_streams.len());
    out.put(b"%PDF-")?;
    out.put(lo.version.as_bytes())?;
    out.put(b"\n%\xe2\xe3\xcf\xd3\n")?;
    for (id, o) in &file_streams {
        if id.1 != 0 || id.0 >= first_free {
            return Err(bad(format!("object {id:?} cannot be written")));
        }
        stream_offsets.push((id.0, out.offset()?));
        let dict = match o {
            StreamObject::Document(s) => {
                let mut dict = s.dict.clone();
                dict.set("Length", Object::Integer(s.content.len() as i64));
                dict
            }
            StreamObject::File(c) => c.dict(),
        };
        piece.clear();
        let _ = writeln!(piece, "{} 0 obj", id.0);
        write_dictionary(&mut piece, &dict);
        piece.extend_from_slice(b"\nstream\n");
        out.put(&piece)?;
        match (o, &serialized.file) {
            (StreamObject::File(c), Some(file)) => {
                piece.clear();
                file.read_into(&mut piece, c.place)?;
                out.put(&piece)?;
            }
            (StreamObject::File(_), None) => {
                return Err(bad(format!("object {id:?} has no content")));
            }
            (StreamObject::Document(s), _) => out.put(&s.content)?,
        }
        out.put(b"\nendstream\nendobj\n")?;
    }
    for (i, stream) in object_streams.iter().enumerate() {
        let container = first_free + i as u32;
        container_offsets.push(out.offset()?);
        out.put(format!("{container} 0 obj\n").as_bytes())?;
        match (stream, &serialized.file) {
            (PackedStream::Memory(bytes), _) => out.put(bytes)?,
            (PackedStream::File(place), Some(file)) => {
                piece.clear();
                file.read_into(&mut piece, *place)?;
                out.put(&piece)?;
            }
            (PackedStream::File { .. }, None) => {
                return Err(bad(format!("object stream {container} is missing")));
            }
        }
        out.put(b"\nendobj\n")?;
    }
    // The cross-reference stream: fields of 1, 4 and 2 bytes, each number's
    // made in its turn and deflated as they come (whole, they took 7
    // bytes a number: 4.1 MB of the book of 2,880 articles').
    let xref_at = out.offset()?;
    // The stream objects, and the objects in object streams, each in order
    // of number: number `n` is the next of either, an object stream, the
    // cross-reference stream or free.
    let mut streams_at = stream_offsets.into_iter().peekable();
    let (mut x, mut y) = (0, 0);
    let mut packed = std::iter::from_fn(|| next(&mut x, &mut y).map(|(id, _)| id.0))
        .enumerate()
        .peekable();
    let mut entry = |n: u32| -> (u8, u32, u16) {
        if let Some((_, at)) = streams_at.next_if(|&(number, _)| number == n) {
            (1, at, 0)
        } else if let Some((k, _)) = packed.next_if(|&(_, number)| number == n) {
            let container = first_free + (k / OBJECTS_PER_STREAM) as u32;
            (2, container, (k % OBJECTS_PER_STREAM) as u16)
        } else if n == xref_id {
            (1, xref_at, 0)
        } else if n >= first_free {
            (1, container_offsets[(n - first_free) as usize], 0)
        } else if n == 0 {
            (0, 0, 0xffff)
        } else {
            (0, 0, 0)
        }
    };
    let table = super::post_pass::deflate_pieces(numbers * 7, |put| {
        for n in 0..=xref_id {
            let (kind, field2, field3) = entry(n);
            let mut row = [kind, 0, 0, 0, 0, 0, 0];
            row[1..5].copy_from_slice(&field2.to_be_bytes());
            row[5..].copy_from_slice(&field3.to_be_bytes());
            put(&row);
        }
        Ok::<(), WriteError>(())
    })?;
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XRef".to_vec()));
    dict.set("Size", Object::Integer(numbers as i64));
    dict.set("W", Object::Array(vec![1.into(), 4.into(), 2.into()]));
    for key in [&b"Root"[..], b"Info"] {
        if let Ok(v) = lo.trailer.get(key) {
            dict.set(key, v.clone());
        }
    }
    let zero = || Object::String(vec![0; 16], StringFormat::Hexadecimal);
    dict.set("ID", Object::Array(vec![zero(), zero()]));
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    dict.set("Length", Object::Integer(table.len() as i64));
    // The file's last object, with the `/ID` in its head.
    let mut head = Vec::with_capacity(256);
    head.extend_from_slice(format!("{xref_id} 0 obj\n").as_bytes());
    write_dictionary(&mut head, &dict);
    head.extend_from_slice(b"\nstream\n");
    let end = format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF");
    out.seal(head, &[&table, end.as_bytes()])
}

/// Where [`save`] writes a file, counting its bytes (the objects' offsets)
/// and hashing them (its `/ID`). Small pieces gather in a buffer first:
/// hashing and writing many short ones one by one costs more than copying
/// them.
struct FileWriter<'a> {
    to: Destination<'a>,
    /// Bytes written, `pending` included.
    len: u64,
    /// A UUID v5 of the bytes written before `pending`.
    id: UuidV5,
    pending: Vec<u8>,
}

/// How many bytes [`FileWriter`] gathers before it writes them.
const PENDING: usize = 64 * 1024;

impl<'a> FileWriter<'a> {
    /// Writes into `to`, made ready for `size` bytes (nearly the file's).
    fn new(mut to: Destination<'a>, size: usize) -> Self {
        if let Destination::Bytes(bytes) = &mut to {
            bytes.reserve_exact(size);
        }
        FileWriter {
            to,
            len: 0,
            id: UuidV5::new(&uuid::Uuid::NAMESPACE_OID),
            pending: Vec::with_capacity(PENDING),
        }
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.len += bytes.len() as u64;
        if self.pending.len() + bytes.len() > PENDING {
            self.flush()?;
            if bytes.len() > PENDING {
                return self.write(bytes);
            }
        }
        self.pending.extend_from_slice(bytes);
        Ok(())
    }

    /// Where the next byte goes: a cross-reference stream's field of four
    /// bytes.
    fn offset(&self) -> Result<u32, WriteError> {
        u32::try_from(self.len).map_err(|_| WriteError::Assembly {
            stage: "PDF file",
            detail: "the file would pass 4 GiB".into(),
        })
    }

    fn flush(&mut self) -> Result<(), WriteError> {
        let pending = std::mem::take(&mut self.pending);
        let written = self.write(&pending);
        self.pending = pending;
        self.pending.clear();
        written
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.id.update(bytes);
        match &mut self.to {
            Destination::Bytes(out) => out.extend_from_slice(bytes),
            Destination::Writer(out) => out.write_all(bytes)?,
        }
        Ok(())
    }

    /// Writes `head` and then `rest`, the end of the file, with the `/ID`
    /// (zeros in `head`) written over: the hash of the whole file.
    fn seal(mut self, mut head: Vec<u8>, rest: &[&[u8]]) -> Result<(), WriteError> {
        let placeholder = format!("<{}>", "0".repeat(32));
        let placeholder = placeholder.as_bytes();
        let at: Vec<usize> = head
            .windows(placeholder.len())
            .enumerate()
            .filter(|(_, w)| *w == placeholder)
            .map(|(i, _)| i)
            .collect();
        if at.len() != 2 {
            return Err(WriteError::Assembly {
                stage: "PDF",
                detail: "cannot find the /ID placeholder".into(),
            });
        }
        self.flush()?;
        self.id.update(&head);
        for piece in rest {
            self.id.update(piece);
        }
        let id = self.id.finish();
        let hex: String = id.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
        for i in at {
            head[i + 1..i + 33].copy_from_slice(hex.as_bytes());
        }
        for piece in std::iter::once(&head[..]).chain(rest.iter().copied()) {
            match &mut self.to {
                Destination::Bytes(out) => out.extend_from_slice(piece),
                Destination::Writer(out) => out.write_all(piece)?,
            }
        }
        Ok(())
    }
}

pub(super) fn write_dictionary(out: &mut Vec<u8>, d: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (i, (k, v)) in d.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_name(out, k);
        out.push(b' ');
        write_object(out, v);
    }
    out.extend_from_slice(b">>");
}

pub(super) fn write_name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        let regular = (0x21..0x7f).contains(&b) && !b"()<>[]{}/%#".contains(&b);
        if regular {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// `bytes` as upper-case hexadecimal digits, two to a byte.
pub(super) fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0xf)]);
    }
}

/// A literal string, `(…)`: `(`, `)` and `\\` escaped, bytes outside
/// printable ASCII as octal escapes.
pub(super) fn write_literal(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'(');
    escape_literal(out, s);
    out.push(b')');
}

/// The inside of a literal string ([`write_literal`]).
pub(super) fn escape_literal(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            0x20..=0x7e => out.push(b),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
}

/// One object in PDF syntax (a stream only inside an object of its own,
/// which [`save`] writes).
pub(super) fn write_object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        // The shortest decimal that reads back as the same value (Rust
        // never writes an exponent); none for what PDF has no number for.
        Object::Real(r) if r.is_finite() && *r != 0.0 => {
            let _ = write!(out, "{r}");
        }
        Object::Real(_) => out.push(b'0'),
        Object::Name(n) => write_name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => {
            out.reserve(2 + 2 * s.len());
            out.push(b'<');
            push_hex(out, s);
            out.push(b'>');
        }
        Object::String(s, StringFormat::Literal) => write_literal(out, s),
        Object::Array(a) => {
            out.push(b'[');
            for (i, o) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, o);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => write_dictionary(out, d),
        Object::Stream(s) => write_dictionary(out, &s.dict),
        Object::Reference((id, g)) => {
            let _ = write!(out, "{id} {g} R");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(o: &Object) -> String {
        let mut out = Vec::new();
        write_object(&mut out, o);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn objects_are_written_in_pdf_syntax() {
        assert_eq!(text(&Object::Real(0.5)), "0.5");
        assert_eq!(text(&Object::Real(-12.0)), "-12");
        assert_eq!(text(&Object::Real(-0.0)), "0");
        assert_eq!(text(&Object::Real(0.001)), "0.001");
        assert_eq!(text(&Object::Name(b"A B#(".to_vec())), "/A#20B#23#28");
        assert_eq!(
            text(&Object::String(b"a(b)\\\n".to_vec(), StringFormat::Literal)),
            "(a\\(b\\)\\\\\\012)"
        );
        assert_eq!(
            text(&Object::String(vec![0xfe, 0xff], StringFormat::Hexadecimal)),
            "<FEFF>"
        );
        let mut d = Dictionary::new();
        d.set(
            "K",
            Object::Array(vec![1.into(), Object::Reference((7, 0))]),
        );
        d.set("Marked", true);
        assert_eq!(
            text(&Object::Dictionary(d)),
            "<</K [1 7 0 R] /Marked true>>"
        );
    }

    /// The file [`save`] writes, as bytes.
    fn saved(lo: &lopdf::Document, serialized: &mut Serialized) -> Result<Vec<u8>, WriteError> {
        let mut bytes = Vec::new();
        save(lo, serialized, Destination::Bytes(&mut bytes))?;
        Ok(bytes)
    }

    /// Objects written one after another into their chunks give their
    /// whole entries back (each ends where the next starts, the last with
    /// its chunk; an empty chunk between holds none), in the order they
    /// were added, and their order by number; an object that does not
    /// start where the one before ends is unfit.
    #[test]
    fn objects_added_one_after_another_give_their_entries() {
        let mut s = Serialized::new();
        let mut chunk = ChunkWriter::default();
        chunk.object((5, 0), |b| b.extend_from_slice(b"<<>>"));
        chunk.object((3, 0), |b| b.extend_from_slice(b"[1 2 3]"));
        chunk.add_to(&mut s);
        ChunkWriter::default().add_to(&mut s);
        s.insert((9, 0), b"42".to_vec());
        let entries: Vec<(u32, u32, u32, u32)> = s
            .entries()
            .iter()
            .map(|e| (e.number, e.chunk, e.start, e.len))
            .collect();
        assert_eq!(entries, [(5, 0, 0, 4), (3, 0, 4, 7), (9, 2, 0, 2)]);
        assert_eq!(s.by_number(), [1, 0, 2]);
        assert_eq!(s.object_bytes((3, 0)).unwrap(), b"[1 2 3]");
        assert_eq!(s.unfit, None);
        s.add(b"abcdef".to_vec(), [((11, 0), 0..2), ((12, 0), 3..6)]);
        assert_eq!(s.unfit, Some((12, 0)));
    }

    #[test]
    fn serialized_objects_are_packed_as_the_objects_would_be() {
        let mut lo = lopdf::Document::with_version("1.7");
        let dict = |tag: &str, n: i64| {
            let mut d = Dictionary::new();
            d.set("S", Object::Name(tag.as_bytes().to_vec()));
            d.set("K", Object::Array(vec![n.into(), (n + 1).into()]));
            Object::Dictionary(d)
        };
        let first = lo.add_object(dict("P", 0));
        let element = lo.new_object_id();
        lo.add_object(dict("H1", 2));
        lo.trailer.set("Root", Object::Reference(first));
        let mut whole = lo.clone();
        whole.objects.insert(element, dict("Link", 4));
        let mut serialized = Serialized::new();
        serialized.insert(element, super::serialized(&dict("Link", 4)));
        let expected = saved(&whole, &mut Serialized::new()).unwrap();
        assert_eq!(saved(&lo, &mut serialized).unwrap(), expected);
        assert!(String::from_utf8_lossy(&expected).contains("/ObjStm"));
        assert!(
            saved(&whole, &mut serialized).is_err(),
            "an object given twice"
        );
        // Objects written into one chunk are packed as the objects would
        // be, in order of number whatever their order in the chunk; an
        // object given twice in the serialized ones is refused too.
        let mut chunk = ChunkWriter::default();
        let other = lo.new_object_id();
        whole.objects.insert(other, dict("Figure", 6));
        chunk.object(other, |b| write_object(b, &dict("Figure", 6)));
        chunk.object(element, |b| write_object(b, &dict("Link", 4)));
        let mut serialized = Serialized::new();
        chunk.add_to(&mut serialized);
        let expected = saved(&whole, &mut Serialized::new()).unwrap();
        assert_eq!(saved(&lo, &mut serialized).unwrap(), expected);
        // The same from a temporary file, with objects in memory beside
        // (a chunk the file refused), and many objects read back together.
        let mut in_file = Serialized::in_temp_file();
        let mut many = whole.clone();
        let mut big = ChunkWriter::default();
        for n in 0..2 * OBJECTS_PER_STREAM as i64 + 7 {
            let id = lo.new_object_id();
            many.objects.insert(id, dict("Span", n));
            big.object(id, |b| write_object(b, &dict("Span", n)));
        }
        let mut small = ChunkWriter::default();
        small.object(other, |b| write_object(b, &dict("Figure", 6)));
        small.object(element, |b| write_object(b, &dict("Link", 4)));
        small.add_to(&mut in_file);
        big.add_to(&mut in_file);
        in_file.chunks[0] = match &in_file.chunks[0] {
            Chunk::File { .. } => {
                let mut b = Vec::new();
                write_object(&mut b, &dict("Figure", 6));
                write_object(&mut b, &dict("Link", 4));
                Chunk::Memory(b)
            }
            Chunk::Memory(b) => Chunk::Memory(b.clone()),
        };
        if in_file.file.is_some() {
            assert!(matches!(in_file.chunks[1], Chunk::File { .. }));
        }
        let expected = saved(&many, &mut Serialized::new()).unwrap();
        assert_eq!(saved(&lo, &mut in_file).unwrap(), expected);
        // Objects that cannot be read back make an error, not a file
        // without them.
        let named = tempfile::NamedTempFile::new().unwrap();
        let write_only = std::fs::OpenOptions::new()
            .write(true)
            .open(named.path())
            .unwrap();
        let mut unreadable = Serialized {
            file: Some(TempFile::in_file(write_only)),
            ..Serialized::default()
        };
        unreadable.insert(element, super::serialized(&dict("Link", 4)));
        assert!(matches!(unreadable.chunks[0], Chunk::File { .. }));
        assert!(matches!(
            saved(&lo, &mut unreadable),
            Err(WriteError::Io(_))
        ));
        serialized.insert(other, super::serialized(&dict("Figure", 6)));
        assert!(
            saved(&lo, &mut serialized).is_err(),
            "an object serialized twice"
        );
    }

    /// Objects put away in the temporary file as they are added come back
    /// in their order to be packed: their entries and the file are those
    /// of objects held in memory, and only the last few are held. A file
    /// that refuses them leaves them all held, alike; one that cannot read
    /// them back makes an error, not a file without them.
    #[test]
    fn objects_put_away_come_back_alike() {
        let count = 2 * OBJECTS_AWAY + 300;
        // Numbers out of order (a multiple mod a prime past `count`), in
        // chunks of 1 to 300 objects.
        let prime = 16_703u32;
        assert!(prime as usize > count);
        let mut numbers = (1..=count as u32).map(|k| k * 37 % prime);
        let mut chunks = Vec::new();
        let mut size = 0;
        while chunks
            .iter()
            .map(|c: &Vec<(u32, Vec<u8>)>| c.len())
            .sum::<usize>()
            < count
        {
            size = size % 300 + 1;
            let chunk: Vec<(u32, Vec<u8>)> = numbers
                .by_ref()
                .take(size)
                .map(|n| (n, format!("<</N {n}>>").into_bytes()))
                .collect();
            chunks.push(chunk);
        }
        let add = |s: &mut Serialized| {
            s.reserve(count);
            if s.file.is_some() && !s.objects_stay {
                assert!(
                    s.objects.capacity() <= OBJECTS_AWAY,
                    "room for those held only"
                );
            }
            for chunk in &chunks {
                let mut out = ChunkWriter::default();
                for (n, bytes) in chunk {
                    out.object((*n, 0), |b| b.extend_from_slice(bytes));
                }
                out.add_to(s);
            }
        };
        let lo = lopdf::Document::with_version("1.7");
        let mut held = Serialized::new();
        add(&mut held);
        let expected = held.entries();
        assert_eq!(expected.len(), count);
        let file = saved(&lo, &mut held).unwrap();

        let mut away = Serialized::in_temp_file();
        add(&mut away);
        if away.file.is_some() {
            assert!(away.away >= 2 * OBJECTS_AWAY, "{} put away", away.away);
            assert!(
                away.objects.len() < OBJECTS_AWAY,
                "{} held",
                away.objects.len()
            );
        }
        assert_eq!(away.entries(), expected);
        assert_eq!(saved(&lo, &mut away).unwrap(), file);

        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(named.path()).unwrap();
        let mut refused = Serialized::in_file(TempFile::in_file(read_only));
        add(&mut refused);
        assert_eq!((refused.away, refused.objects.len()), (0, count));
        assert_eq!(refused.entries(), expected);
        assert_eq!(saved(&lo, &mut refused).unwrap(), file);

        let write_only = std::fs::OpenOptions::new()
            .write(true)
            .open(named.path())
            .unwrap();
        let mut unreadable = Serialized::in_file(TempFile::in_file(write_only));
        add(&mut unreadable);
        assert!(unreadable.away > 0);
        assert!(matches!(
            saved(&lo, &mut unreadable),
            Err(WriteError::Io(_))
        ));
    }
}
