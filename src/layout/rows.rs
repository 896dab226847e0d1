//! The rows of the flow (`flow.rs`) until they are paginated, in chunks of
//! [`CHUNK`] rows, so that pagination frees each chunk once it has placed
//! the lines of its rows ([`Rows::free_before`]). In one vector, a long
//! article's rows (232 bytes each) were all held until its last page was
//! filled: 18 MB of the seed ×1,500's, at its PDF's peak.
//!
//! A long article's chunks go further: once the flow will not change their
//! rows again ([`Rows::settle_before`]), they wait in a temporary file
//! ([`Rows::spilling`]), the rows in a compact form of their own
//! ([`encode`]), and only what pagination needs to break the pages
//! ([`RowSize`], 16 bytes a row) stays in memory. Pagination reads a
//! chunk back when it fills the first page that holds one of its rows
//! ([`Rows::load`]), and frees it once it has passed it: the rows of an
//! article are then never all held at once. A chunk the file refuses stays
//! in memory; a chunk that cannot be read back is an I/O error, which the
//! caller passes on (its rows come back as empty lines of the right
//! sizes, so that pagination goes on and nothing panics).

use super::flow::Row;
use super::glyph_store::StoredAt;
use super::{FontKind, Glyph, Line, LinkSpan, LinkTarget, Role, Run};
use crate::temp_file::{Place, TempFile};
use rustc_hash::FxHashMap as HashMap;

/// Rows in a chunk (some 950 KB of them: blocks that the system allocator
/// maps on their own and gives back as soon as they are freed). The tests
/// take chunks of 8 rows, so that every layout they make has many.
#[cfg(not(test))]
const CHUNK_BITS: u32 = 12;
#[cfg(test)]
const CHUNK_BITS: u32 = 3;
const CHUNK: usize = 1 << CHUNK_BITS;

/// What pagination reads of a row to break the pages: its height and the
/// space around it, and whether a page may end before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RowSize {
    pub(super) leading: f32,
    pub(super) space_before: f32,
    pub(super) space_after: f32,
    pub(super) break_before: bool,
}

impl RowSize {
    fn of(row: &Row) -> Self {
        RowSize {
            leading: row.leading,
            space_before: row.space_before,
            space_after: row.space_after,
            break_before: row.break_before,
        }
    }

    /// Its bits, to be looked up (two sizes are the same when every bit
    /// is: `-0.0` is not `0.0`).
    fn bits(self) -> SizeBits {
        (
            self.leading.to_bits(),
            self.space_before.to_bits(),
            self.space_after.to_bits(),
            self.break_before,
        )
    }
}

/// The sizes of the rows that wait in the file, by chunk: each row's an
/// index into one table of the sizes met, for the rows of a book share a
/// few kinds of size (a line of the body's, of a note's, a heading's, a
/// paragraph's first and last). Held whole, 16 bytes a row, they were the
/// most of what a long book's layout grew by: 5.8 MB of the 1,440 corpus
/// articles' before their pages were filled. A chunk met once the table
/// holds as many sizes as a `u16` numbers keeps its sizes whole.
#[derive(Default)]
struct WaitingSizes {
    /// Each size met, once, at its index.
    table: Vec<RowSize>,
    /// The index of each size in `table`, by its bits.
    index: HashMap<SizeBits, u16>,
    /// By chunk: its rows' sizes.
    chunks: Vec<ChunkSizes>,
}

/// A [`RowSize`] as bits ([`RowSize::bits`]).
type SizeBits = (u32, u32, u32, bool);

/// The sizes of a chunk's rows ([`WaitingSizes`]).
enum ChunkSizes {
    /// Their indices in the table.
    Indexed(Box<[u16]>),
    /// The sizes themselves.
    Whole(Box<[RowSize]>),
}

impl Default for ChunkSizes {
    fn default() -> Self {
        ChunkSizes::Indexed(Box::default())
    }
}

impl WaitingSizes {
    /// Room for chunks up to `n` (those not put yet hold no rows).
    fn resize(&mut self, n: usize) {
        self.chunks.resize_with(n, ChunkSizes::default);
    }

    /// The sizes of chunk `c`'s rows, `rows`.
    fn put(&mut self, c: usize, rows: &[Row]) {
        let mut indices = Vec::with_capacity(rows.len());
        for row in rows {
            let size = RowSize::of(row);
            let bits = size.bits();
            let next = self.table.len();
            let i = match self.index.get(&bits) {
                Some(&i) => i,
                None => match u16::try_from(next) {
                    Ok(i) => {
                        self.index.insert(bits, i);
                        self.table.push(size);
                        i
                    }
                    Err(_) => {
                        self.chunks[c] = ChunkSizes::Whole(rows.iter().map(RowSize::of).collect());
                        return;
                    }
                },
            };
            indices.push(i);
        }
        self.chunks[c] = ChunkSizes::Indexed(indices.into_boxed_slice());
    }

    /// The size of row `j` of chunk `c`.
    fn get(&self, c: usize, j: usize) -> RowSize {
        match &self.chunks[c] {
            ChunkSizes::Indexed(indices) => self.table[usize::from(indices[j])],
            ChunkSizes::Whole(sizes) => sizes[j],
        }
    }

    /// How many rows chunk `c` holds.
    fn len(&self, c: usize) -> usize {
        match &self.chunks[c] {
            ChunkSizes::Indexed(indices) => indices.len(),
            ChunkSizes::Whole(sizes) => sizes.len(),
        }
    }

    /// The sizes of chunk `c`'s rows, in order.
    fn each(&self, c: usize) -> impl Iterator<Item = RowSize> + '_ {
        (0..self.len(c)).map(move |j| self.get(c, j))
    }

    /// Chunk `c`'s sizes are not needed again.
    fn free(&mut self, c: usize) {
        self.chunks[c] = ChunkSizes::default();
    }
}

/// The rows of an article or a book, indexed as one vector.
#[derive(Debug, Default)]
pub(super) struct Rows {
    chunks: Vec<Vec<Row>>,
    len: usize,
    /// How many rows there will be, when known: a chunk is made at the
    /// size it will have (the rest of a short article in one chunk grown
    /// row by row had up to twice their room).
    expected: usize,
    /// The file the settled chunks wait in, when they do.
    away: Option<Away>,
}

/// The chunks that wait in a file.
struct Away {
    file: TempFile,
    /// By chunk: where it waits, when it does.
    places: Vec<Option<Place>>,
    /// By chunk: the sizes of its rows while it waits.
    sizes: WaitingSizes,
    /// By chunk: the markers of its rows while it waits, in order (the
    /// row in the chunk, the reference, the occurrence), for the notes at
    /// the foot of the page; `None` when there are none to place (the
    /// seed ×6,920's, with its notes at the end, took 5 MB).
    markers: Option<Vec<Vec<(u16, u32, u32)>>>,
    /// Chunks passed over while a long paragraph's rows were settled
    /// ([`Rows::settle_within`]), to offer again.
    passed: Vec<usize>,
}

impl std::fmt::Debug for Away {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Away")
            .field("places", &self.places)
            .finish_non_exhaustive()
    }
}

impl Rows {
    /// No rows yet, `expected` of them to come.
    pub(super) fn with_capacity(expected: usize) -> Self {
        Rows {
            chunks: Vec::with_capacity(expected.div_ceil(CHUNK)),
            len: 0,
            expected,
            away: None,
        }
    }

    /// [`Rows::with_capacity`], the chunks settled waiting in `file`;
    /// with `markers`, what [`Rows::markers`] reads of them kept here.
    pub(super) fn spilling(expected: usize, file: TempFile, markers: bool) -> Self {
        let mut rows = Rows::with_capacity(expected);
        rows.spill(file, markers);
        rows
    }

    /// From now on, the chunks settled wait in `file` (see
    /// [`Rows::spilling`]; rows that spill already keep their file).
    pub(super) fn spill(&mut self, file: TempFile, markers: bool) {
        self.away.get_or_insert_with(|| Away {
            file,
            places: Vec::new(),
            sizes: WaitingSizes::default(),
            markers: markers.then(Vec::new),
            passed: Vec::new(),
        });
    }

    /// Whether the chunks settled wait in a file.
    pub(super) fn spills(&self) -> bool {
        self.away.is_some()
    }

    /// Every row, in order, given to `take` (those in the file read back a
    /// chunk at a time). A chunk that cannot be read back gives rows of
    /// the right sizes with empty lines, and the error is returned.
    pub(super) fn into_each(self, mut take: impl FnMut(Row)) -> std::io::Result<()> {
        let mut result = Ok(());
        let Rows { chunks, away, .. } = self;
        for (c, chunk) in chunks.into_iter().enumerate() {
            let place = away.as_ref().and_then(|a| Some((a, (*a.places.get(c)?)?)));
            match place {
                Some((a, place)) => match read_chunk(&a.file, place, a.sizes.len(c)) {
                    Ok(rows) => rows.into_iter().for_each(&mut take),
                    Err(e) => {
                        a.sizes.each(c).map(blank).for_each(&mut take);
                        result = result.and(Err(e));
                    }
                },
                None => chunk.into_iter().for_each(&mut take),
            }
        }
        result
    }

    /// The rows before row `i` will not change again: their whole chunks
    /// go to the file, if the rows have one (see the module docs). The flow
    /// settles the rows before the last at each new paragraph (it changes
    /// only a paragraph's rows after setting it, and the row before it).
    pub(super) fn settle_before(&mut self, i: usize) {
        self.settle(i, 0..0);
    }

    /// [`Rows::settle_before`] in a paragraph of many rows, whose first
    /// row is `first`: the chunks that hold it and the row before it stay
    /// (the flow may still change them: a list item's or a reference's
    /// label, a heading's outline entry), to be offered again by the next
    /// [`Rows::settle_before`]. The rows of a paragraph were all held
    /// until the next (a one-paragraph article's 76,000 rows: some 45 MB).
    pub(super) fn settle_within(&mut self, i: usize, first: usize) {
        let kept = first.saturating_sub(1) >> CHUNK_BITS..(first >> CHUNK_BITS) + 1;
        if i >> CHUNK_BITS > kept.end {
            self.settle(i, kept);
        }
    }

    /// The whole chunks before row `i`'s go to the file, but for the
    /// chunks `kept`.
    fn settle(&mut self, i: usize, kept: std::ops::Range<usize>) {
        let Some(away) = &mut self.away else { return };
        // The chunks before `places.len()` were offered before (a chunk
        // the file refused is not offered again), but for those passed
        // over, which are offered once they are not kept.
        let (from, settled) = (away.places.len(), (i >> CHUNK_BITS).min(self.chunks.len()));
        let again: Vec<usize> = away
            .passed
            .extract_if(.., |c| *c < settled && !kept.contains(c))
            .collect();
        if from >= settled && again.is_empty() {
            return;
        }
        if from < settled {
            away.places.resize(settled, None);
            away.sizes.resize(settled);
            if let Some(markers) = &mut away.markers {
                markers.resize_with(settled, Vec::new);
            }
        }
        let mut bytes = Vec::new();
        for c in again.into_iter().chain(from..settled) {
            if kept.contains(&c) {
                away.passed.push(c);
                continue;
            }
            let chunk = &mut self.chunks[c];
            bytes.clear();
            encode_rows(chunk, &mut bytes);
            // A chunk the file refuses stays here.
            if let Ok(place) = away.file.append(&bytes) {
                away.places[c] = Some(place);
                away.sizes.put(c, chunk);
                if let Some(markers) = &mut away.markers {
                    markers[c] = markers_of(chunk);
                }
                *chunk = Vec::new();
            }
        }
    }

    /// What pagination reads of row `i` to break the pages, whether the
    /// row is here or waits in the file.
    pub(super) fn size(&self, i: usize) -> RowSize {
        let c = i >> CHUNK_BITS;
        match &self.away {
            Some(away) if away.places.get(c).is_some_and(Option::is_some) => {
                away.sizes.get(c, i & (CHUNK - 1))
            }
            _ => RowSize::of(&self[i]),
        }
    }

    /// The markers of row `i` (reference, occurrence), in order, whether
    /// the row is here or waits in the file (rows made to keep them:
    /// [`Rows::spilling`]; a row whose markers were not kept has none).
    pub(super) fn markers(&self, i: usize) -> smallvec::SmallVec<[(u32, u32); 4]> {
        let c = i >> CHUNK_BITS;
        match &self.away {
            Some(away) if away.places.get(c).is_some_and(Option::is_some) => {
                debug_assert!(away.markers.is_some(), "markers read but not kept");
                let j = (i & (CHUNK - 1)) as u16;
                let Some(all) = away.markers.as_ref().and_then(|m| m.get(c)) else {
                    return smallvec::SmallVec::new();
                };
                let from = all.partition_point(|m| m.0 < j);
                all[from..]
                    .iter()
                    .take_while(|m| m.0 == j)
                    .map(|&(_, n, k)| (n, k))
                    .collect()
            }
            _ => self[i]
                .line
                .markers
                .iter()
                .map(|&(_, n, k)| (n, k))
                .collect(),
        }
    }

    /// Brings back from the file the chunks that hold rows `range`. A
    /// chunk that cannot be read back comes back as rows of the right
    /// sizes with empty lines, and the error is returned.
    pub(super) fn load(&mut self, range: std::ops::Range<usize>) -> std::io::Result<()> {
        let Some(away) = &mut self.away else {
            return Ok(());
        };
        let mut result = Ok(());
        if range.is_empty() {
            return result;
        }
        let last = ((range.end - 1) >> CHUNK_BITS).min(away.places.len().saturating_sub(1));
        for c in range.start >> CHUNK_BITS..=last {
            let Some(place) = away.places.get_mut(c).and_then(Option::take) else {
                continue;
            };
            if let Some(markers) = &mut away.markers {
                markers[c] = Vec::new();
            }
            match read_chunk(&away.file, place, away.sizes.len(c)) {
                Ok(rows) => self.chunks[c] = rows,
                Err(e) => {
                    self.chunks[c] = away.sizes.each(c).map(blank).collect();
                    result = result.and(Err(e));
                }
            }
            away.sizes.free(c);
        }
        result
    }

    /// No chunk waits in the file.
    pub(super) fn all_here(&self) -> bool {
        self.away
            .as_ref()
            .is_none_or(|a| a.places.iter().all(Option::is_none))
    }

    /// Every row, in order, whether here or in the file (read back a chunk
    /// at a time, and not kept): `visit` gets each with its index.
    pub(super) fn visit(&self, mut visit: impl FnMut(usize, &Row)) -> std::io::Result<()> {
        for (c, chunk) in self.chunks.iter().enumerate() {
            let mut i = c << CHUNK_BITS;
            let place = self
                .away
                .as_ref()
                .and_then(|a| Some((&a.file, (*a.places.get(c)?)?, a.sizes.len(c))));
            match place {
                Some((file, place, n)) => {
                    for row in &read_chunk(file, place, n)? {
                        visit(i, row);
                        i += 1;
                    }
                }
                None => {
                    for row in chunk {
                        visit(i, row);
                        i += 1;
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn push(&mut self, row: Row) {
        if self.len.is_multiple_of(CHUNK) {
            let room = self.expected.saturating_sub(self.len).min(CHUNK);
            self.chunks.push(Vec::with_capacity(room));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(row);
            self.len += 1;
        }
    }

    pub(super) fn get(&self, i: usize) -> Option<&Row> {
        self.chunks.get(i >> CHUNK_BITS)?.get(i & (CHUNK - 1))
    }

    pub(super) fn last(&self) -> Option<&Row> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    pub(super) fn last_mut(&mut self) -> Option<&mut Row> {
        let i = self.len.checked_sub(1)?;
        self.chunks
            .get_mut(i >> CHUNK_BITS)?
            .get_mut(i & (CHUNK - 1))
    }

    /// Every row not yet freed, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Row> {
        debug_assert!(self.all_here(), "rows read while some wait in the file");
        self.chunks.iter().flatten()
    }

    /// The rows from `at` on, taken out.
    pub(super) fn split_off(&mut self, at: usize) -> Vec<Row> {
        let mut tail = Vec::with_capacity(self.len.saturating_sub(at));
        while self.len > at {
            let Some(chunk) = self.chunks.last_mut() else {
                break;
            };
            let from = chunk.len().saturating_sub(self.len - at);
            let mut part = chunk.split_off(from);
            self.len -= part.len();
            part.append(&mut tail);
            tail = part;
            if chunk.is_empty() {
                self.chunks.pop();
            }
        }
        tail
    }

    /// Frees the chunks whose rows all come before row `i`: pagination
    /// reads no row before the page it fills (and the row before it). The
    /// rows freed are not read again; reading one is an error in the
    /// program, and panics.
    pub(super) fn free_before(&mut self, i: usize) {
        for chunk in self.chunks.iter_mut().take(i >> CHUNK_BITS) {
            if chunk.capacity() > 0 {
                *chunk = Vec::new();
            }
        }
        if let Some(away) = &mut self.away {
            let freed = (i >> CHUNK_BITS).min(away.places.len());
            for c in 0..freed {
                away.places[c] = None;
                away.sizes.free(c);
                if let Some(markers) = &mut away.markers {
                    markers[c] = Vec::new();
                }
            }
        }
    }
}

impl std::ops::Index<usize> for Rows {
    type Output = Row;

    fn index(&self, i: usize) -> &Row {
        &self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl std::ops::IndexMut<usize> for Rows {
    fn index_mut(&mut self, i: usize) -> &mut Row {
        &mut self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl Extend<Row> for Rows {
    fn extend<I: IntoIterator<Item = Row>>(&mut self, rows: I) {
        for row in rows {
            self.push(row);
        }
    }
}

impl IntoIterator for Rows {
    type Item = Row;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<Row>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

/// A paragraph's lines, set, while they wait for the flow's second pass
/// ([`super::parallel::set_all`]) in a long article: in the compact form of
/// a row's line ([`encode_line`]), each with where its glyphs went
/// ([`StoredAt`], 0 for none). A line whose glyphs wait in the file holds
/// some 200 bytes as a [`Line`] (its fields, its runs, its lists of links
/// and markers), some 60 here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PackedLines {
    bytes: Box<[u8]>,
    count: usize,
}

impl PackedLines {
    /// The lines of a paragraph, and where each one's glyphs went:
    /// [`PackedLines::encode`] into an emptied `scratch`, then
    /// [`PackedLines::packed`].
    #[cfg(test)]
    pub(super) fn pack(lines: &[Line], stored: &[Option<StoredAt>], scratch: &mut Vec<u8>) -> Self {
        scratch.clear();
        PackedLines::encode(lines, stored, scratch);
        PackedLines::packed(scratch, lines.len())
    }

    /// Encodes `lines`, and where each one's glyphs went (none for a line
    /// not in `stored`), after those already in `scratch` (reused from
    /// paragraph to paragraph; a long paragraph's lines come a window at a
    /// time).
    pub(super) fn encode(lines: &[Line], stored: &[Option<StoredAt>], scratch: &mut Vec<u8>) {
        for (i, line) in lines.iter().enumerate() {
            let at = stored.get(i).copied().flatten();
            put_u64(scratch, at.map_or(0, StoredAt::to_bits));
            encode_line(line, scratch);
        }
    }

    /// The `count` lines encoded in `scratch` ([`PackedLines::encode`]),
    /// copied into a block of their size: grown from nothing, a
    /// paragraph's bytes took some seven blocks, and a block made larger
    /// and then shrunk may keep its room.
    pub(super) fn packed(scratch: &[u8], count: usize) -> Self {
        PackedLines {
            bytes: Box::from(scratch),
            count,
        }
    }

    /// How many lines.
    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// How many bytes its lines take.
    pub(super) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Its bytes and how many lines they hold, to be put away.
    pub(super) fn into_parts(self) -> (Box<[u8]>, usize) {
        (self.bytes, self.count)
    }

    /// The lines of `bytes` ([`PackedLines::into_parts`]), `count` of them.
    pub(super) fn from_parts(bytes: Box<[u8]>, count: usize) -> Self {
        PackedLines { bytes, count }
    }

    /// The lines, each with where its glyphs went, as they were packed.
    pub(super) fn unpack(self) -> Unpacked {
        Unpacked {
            left: self.count,
            bytes: self.bytes,
            at: 0,
        }
    }
}

/// The lines of [`PackedLines::unpack`], read as they are taken.
#[derive(Debug)]
pub(super) struct Unpacked {
    bytes: Box<[u8]>,
    /// The next line's first byte.
    at: usize,
    left: usize,
}

impl Iterator for Unpacked {
    type Item = (Line, Option<StoredAt>);

    /// Bytes this process wrote are always read back; if they were not,
    /// the rest would be empty lines (a bug, never a panic).
    fn next(&mut self) -> Option<Self::Item> {
        self.left = self.left.checked_sub(1)?;
        let mut at = Reader(self.bytes.get(self.at..).unwrap_or_default());
        let line = at
            .u64()
            .and_then(|bits| Some((decode_line(&mut at)?, StoredAt::from_bits(bits))));
        debug_assert!(line.is_some(), "packed lines read back");
        self.at = self.bytes.len() - at.0.len();
        Some(line.unwrap_or_default())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Unpacked {}

/// The markers of the rows of `chunk` ([`Away::markers`]).
fn markers_of(chunk: &[Row]) -> Vec<(u16, u32, u32)> {
    let mut all = Vec::with_capacity(chunk.iter().map(|r| r.line.markers.len()).sum());
    for (j, row) in chunk.iter().enumerate() {
        // (A chunk has at most `CHUNK` rows: its index fits.)
        let j = j as u16;
        all.extend(row.line.markers.iter().map(|&(_, n, k)| (j, n, k)));
    }
    all
}

/// A row with an empty line, of `size`: what pagination gets of a row that
/// could not be read back (the error goes to the caller).
fn blank(size: RowSize) -> Row {
    Row {
        line: Line::default(),
        x: 0.0,
        leading: size.leading,
        size: 0.0,
        space_before: size.space_before,
        space_after: size.space_after,
        break_before: size.break_before,
        role: Role::Body,
        block: 0,
        frame: None,
        rule: None,
        outline: None,
        reference: None,
        node: 0,
        stored: None,
        label: None,
    }
}

/// The `n` rows written at `place` by [`encode`].
fn read_chunk(file: &TempFile, place: Place, n: usize) -> std::io::Result<Vec<Row>> {
    let mut bytes = Vec::with_capacity(place.len);
    file.read_into(&mut bytes, place)?;
    decode_rows(&bytes, n)
}

/// `rows`, one after another, appended to `out` as a chunk of rows is
/// written to the file ([`decode_rows`] reads them back).
pub(super) fn encode_rows(rows: &[Row], out: &mut Vec<u8>) {
    for row in rows {
        encode(row, out);
    }
}

/// The `n` rows [`encode_rows`] wrote in `bytes` (all of them); an error
/// when they are not such rows.
pub(super) fn decode_rows(bytes: &[u8], n: usize) -> std::io::Result<Vec<Row>> {
    let mut at = Reader(bytes);
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        rows.push(decode(&mut at).ok_or_else(garbled)?);
    }
    if !at.0.is_empty() {
        return Err(garbled());
    }
    Ok(rows)
}

/// Rows read back that are not those written.
fn garbled() -> std::io::Error {
    std::io::Error::other("the rows read back from the temporary file are not those written")
}

/// Which of a row's optional parts follow it.
const BREAK_BEFORE: u8 = 1;
const FRAME: u8 = 2;
const RULE: u8 = 4;
const OUTLINE: u8 = 8;
const REFERENCE: u8 = 16;
const STORED: u8 = 32;
const LABEL: u8 = 64;
/// Which of a line's flags and optional parts follow it.
const HYPHEN: u8 = 1;
const STARTS_WITH_MARKER: u8 = 2;
const SOFT_HYPHEN: u8 = 4;
const LEADERS: u8 = 8;

/// Appends `row` to `out`: numbers little-endian, floats by their bits,
/// what a row may lack flagged in a byte, lists after their length
/// (the glyphs as [`Glyph::to_bytes`] writes them). [`decode`] reads it
/// back; every field is named here, so that a field added to a row or a
/// line cannot be forgotten.
fn encode(row: &Row, out: &mut Vec<u8>) {
    let Row {
        line,
        x,
        leading,
        size,
        space_before,
        space_after,
        break_before,
        role,
        block,
        frame,
        rule,
        outline,
        reference,
        node,
        stored,
        label,
    } = row;
    out.push(flags(&[
        (*break_before, BREAK_BEFORE),
        (frame.is_some(), FRAME),
        (rule.is_some(), RULE),
        (outline.is_some(), OUTLINE),
        (reference.is_some(), REFERENCE),
        (stored.is_some(), STORED),
        (label.is_some(), LABEL),
    ]));
    out.push(role_code(*role));
    for f in [x, leading, size, space_before, space_after] {
        put_f32(out, *f);
    }
    put_u64(out, *block as u64);
    put_u64(out, *node as u64);
    if let Some(frame) = frame {
        put_u64(out, *frame as u64);
    }
    if let Some((a, b)) = rule {
        put_f32(out, *a);
        put_f32(out, *b);
    }
    if let Some(outline) = outline {
        let (title, level) = &**outline;
        out.push(*level);
        put_str(out, title);
    }
    if let Some(n) = reference {
        put_u32(out, *n);
    }
    if let Some(at) = stored {
        put_u64(out, at.to_bits());
    }
    if let Some(label) = label {
        put_u64(out, *label as u64);
    }
    encode_line(line, out);
}

/// Appends `line` to `out`, as [`encode`] writes a row's line (and
/// [`PackedLines`] a paragraph's): [`decode_line`] reads it back.
fn encode_line(line: &Line, out: &mut Vec<u8>) {
    let Line {
        runs,
        width,
        measure,
        hyphen,
        starts_with_marker,
        links,
        markers,
        soft_hyphen,
        leaders,
        index,
        count,
    } = line;
    out.push(flags(&[
        (*hyphen, HYPHEN),
        (*starts_with_marker, STARTS_WITH_MARKER),
        (soft_hyphen.is_some(), SOFT_HYPHEN),
        (leaders.is_some(), LEADERS),
    ]));
    put_f32(out, *width);
    put_f32(out, *measure);
    if let Some(x) = soft_hyphen {
        put_f32(out, *x);
    }
    if let Some(x) = leaders {
        put_f32(out, *x);
    }
    put_len(out, *index);
    put_len(out, *count);
    put_len(out, runs.len());
    for Run {
        font,
        size,
        rise,
        x,
        glyphs,
    } in runs
    {
        out.push(*font as u8);
        put_f32(out, *size);
        put_f32(out, *rise);
        put_f32(out, *x);
        put_len(out, glyphs.len());
        for g in glyphs {
            out.extend_from_slice(&g.to_bytes());
        }
    }
    put_len(out, links.len());
    for LinkSpan { x0, x1, target } in links {
        put_f32(out, *x0);
        put_f32(out, *x1);
        match target {
            LinkTarget::Reference(n) => {
                out.push(0);
                put_u32(out, *n);
            }
            LinkTarget::Cite(n, k) => {
                out.push(1);
                put_u32(out, *n);
                put_u32(out, *k);
            }
            LinkTarget::Uri(uri) => {
                out.push(2);
                put_str(out, uri);
            }
            LinkTarget::Chapter(i) => {
                out.push(3);
                put_u64(out, *i as u64);
            }
        }
    }
    put_len(out, markers.len());
    for (x, n, k) in markers {
        put_f32(out, *x);
        put_u32(out, *n);
        put_u32(out, *k);
    }
}

/// The row [`encode`] wrote at the start of `at`, which moves past it; or
/// `None` when the bytes are not such a row.
fn decode(at: &mut Reader) -> Option<Row> {
    let flags = at.u8()?;
    let role = role_of(at.u8()?)?;
    let [x, leading, size, space_before, space_after] =
        [at.f32()?, at.f32()?, at.f32()?, at.f32()?, at.f32()?];
    let block = at.usize()?;
    let node = at.usize()?;
    let on = |bit: u8| flags & bit != 0;
    let frame = if on(FRAME) { Some(at.usize()?) } else { None };
    let rule = if on(RULE) {
        Some((at.f32()?, at.f32()?))
    } else {
        None
    };
    let outline = if on(OUTLINE) {
        let level = at.u8()?;
        Some(Box::new((at.string()?, level)))
    } else {
        None
    };
    let reference = if on(REFERENCE) { Some(at.u32()?) } else { None };
    let stored = if on(STORED) {
        Some(StoredAt::from_bits(at.u64()?)?)
    } else {
        None
    };
    let label = if on(LABEL) { Some(at.usize()?) } else { None };
    let line = decode_line(at)?;
    Some(Row {
        line,
        x,
        leading,
        size,
        space_before,
        space_after,
        break_before: on(BREAK_BEFORE),
        role,
        block,
        frame,
        rule,
        outline,
        reference,
        node,
        stored,
        label,
    })
}

/// The line [`encode_line`] wrote at the start of `at`, which moves past
/// it; or `None` when the bytes are not such a line.
fn decode_line(at: &mut Reader) -> Option<Line> {
    let line_flags = at.u8()?;
    let line_on = |bit: u8| line_flags & bit != 0;
    let width = at.f32()?;
    let measure = at.f32()?;
    let soft_hyphen = if line_on(SOFT_HYPHEN) {
        Some(at.f32()?)
    } else {
        None
    };
    let leaders = if line_on(LEADERS) {
        Some(at.f32()?)
    } else {
        None
    };
    let index = at.u32()? as usize;
    let count = at.u32()? as usize;
    let mut runs = Vec::with_capacity(at.len(14)?);
    for _ in 0..runs.capacity() {
        let font = font_of(at.u8()?)?;
        let (size, rise, x) = (at.f32()?, at.f32()?, at.f32()?);
        let n = at.len(10)?;
        let glyphs = (0..n)
            .map(|_| Some(Glyph::from_bytes(*at.take(10)?.first_chunk::<10>()?)))
            .collect::<Option<Vec<Glyph>>>()?;
        runs.push(Run {
            font,
            size,
            rise,
            x,
            glyphs,
        });
    }
    let mut links = Vec::with_capacity(at.len(9)?);
    for _ in 0..links.capacity() {
        let (x0, x1) = (at.f32()?, at.f32()?);
        let target = match at.u8()? {
            0 => LinkTarget::Reference(at.u32()?),
            1 => LinkTarget::Cite(at.u32()?, at.u32()?),
            2 => LinkTarget::Uri(at.string()?),
            3 => LinkTarget::Chapter(at.usize()?),
            _ => return None,
        };
        links.push(LinkSpan { x0, x1, target });
    }
    let mut markers = Vec::with_capacity(at.len(12)?);
    for _ in 0..markers.capacity() {
        markers.push((at.f32()?, at.u32()?, at.u32()?));
    }
    Some(Line {
        runs,
        width,
        measure,
        hyphen: line_on(HYPHEN),
        starts_with_marker: line_on(STARTS_WITH_MARKER),
        links,
        markers,
        soft_hyphen,
        leaders,
        index,
        count,
    })
}

/// The byte of the bits that are on.
fn flags(bits: &[(bool, u8)]) -> u8 {
    bits.iter()
        .filter(|(on, _)| *on)
        .fold(0, |f, (_, bit)| f | bit)
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_f32(out: &mut Vec<u8>, f: f32) {
    put_u32(out, f.to_bits());
}

/// A list's length or a place in one (a line's runs, a run's glyphs, a
/// line's number in its paragraph …: far below 4 billion, as an input is
/// at most 4 GiB).
fn put_len(out: &mut Vec<u8>, n: usize) {
    put_u32(out, n as u32);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// The bytes of a chunk, read from the front.
struct Reader<'b>(&'b [u8]);

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(*self.take(4)?.first_chunk()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(*self.take(8)?.first_chunk()?))
    }

    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    fn f32(&mut self) -> Option<f32> {
        Some(f32::from_bits(self.u32()?))
    }

    /// A list's length, when what is left could hold that many items of
    /// at least `item` bytes (garbled bytes make no huge allocation).
    fn len(&mut self, item: usize) -> Option<usize> {
        let n = self.u32()? as usize;
        (n.checked_mul(item)? <= self.0.len()).then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.len(1)?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

fn role_code(role: Role) -> u8 {
    match role {
        Role::Title => 0,
        Role::Heading => 1,
        Role::Body => 2,
        Role::ListItem => 3,
        Role::Quote => 4,
        Role::FigureAlt => 5,
        Role::Caption => 6,
        Role::Reference => 7,
        Role::Note => 8,
        Role::Footer => 9,
        Role::Header => 10,
    }
}

fn role_of(code: u8) -> Option<Role> {
    Some(match code {
        0 => Role::Title,
        1 => Role::Heading,
        2 => Role::Body,
        3 => Role::ListItem,
        4 => Role::Quote,
        5 => Role::FigureAlt,
        6 => Role::Caption,
        7 => Role::Reference,
        8 => Role::Note,
        9 => Role::Footer,
        10 => Role::Header,
        _ => return None,
    })
}

fn font_of(code: u8) -> Option<FontKind> {
    [
        FontKind::Regular,
        FontKind::Italic,
        FontKind::Bold,
        FontKind::Fallback,
    ]
    .into_iter()
    .find(|k| *k as u8 == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize) -> Row {
        Row {
            line: Default::default(),
            x: 0.0,
            leading: 12.0,
            size: 10.0,
            space_before: 0.0,
            space_after: 0.0,
            break_before: true,
            role: crate::layout::Role::Body,
            block: n,
            frame: None,
            rule: None,
            outline: None,
            reference: None,
            node: 0,
            stored: None,
            label: None,
        }
    }

    /// Rows across several chunks index, iterate and split as one vector
    /// would, and freeing the chunks before a row keeps it and the rows
    /// after it.
    #[test]
    fn rows_in_chunks_are_one_vector() {
        let n = 2 * CHUNK + CHUNK / 2;
        let mut rows = Rows::with_capacity(n);
        let mut plain = Vec::new();
        for i in 0..n {
            rows.push(row(i));
            plain.push(i);
        }
        assert_eq!(rows.len(), n);
        assert_eq!(rows.chunks.len(), 3);
        assert_eq!(
            rows.chunks[2].capacity(),
            CHUNK / 2,
            "the last chunk at its size"
        );
        assert!((0..n).all(|i| rows[i].block == i && rows.get(i).is_some()));
        assert!(rows.get(n).is_none());
        assert_eq!(rows.last().map(|r| r.block), Some(n - 1));
        rows.last_mut().unwrap().block = 7;
        rows[n - 1].block = n - 1;
        assert!(rows.iter().map(|r| r.block).eq(plain.iter().copied()));
        // A tail that spans a chunk's end, then one inside a chunk.
        let tail = rows.split_off(CHUNK - 3);
        assert_eq!(tail.len(), n - (CHUNK - 3));
        assert!(tail.iter().map(|r| r.block).eq(CHUNK - 3..n));
        assert_eq!(rows.len(), CHUNK - 3);
        assert_eq!(rows.chunks.len(), 1);
        rows.extend(tail);
        assert!(rows.iter().map(|r| r.block).eq(0..n));
        let inner = rows.split_off(n - 10);
        assert!(inner.iter().map(|r| r.block).eq(n - 10..n));
        rows.extend(inner);
        // Freed: the whole chunks before row CHUNK + 5, not that row's.
        rows.free_before(CHUNK + 5);
        assert_eq!(rows.chunks[0].capacity(), 0);
        assert!((CHUNK..n).all(|i| rows[i].block == i));
        rows.free_before(n);
        assert_eq!(rows[n - 1].block, n - 1);
        assert!(rows.into_iter().map(|r| r.block).eq(2 * CHUNK..n));
        // A short article's rows in one chunk of their size.
        let mut short = Rows::with_capacity(5);
        short.extend((0..5).map(row));
        assert_eq!(short.chunks[0].capacity(), 5);
        assert!(Rows::default().last().is_none() && Rows::default().len() == 0);
    }
    /// Row `n` with every part a row and its line may have, some of them
    /// left out by `n` (and floats that are not round numbers).
    fn full_row(n: usize) -> Row {
        let text = ["fi", "é", "x", "\u{1F600}"];
        let runs = (0..n % 3 + 1)
            .map(|r| Run {
                font: [
                    FontKind::Regular,
                    FontKind::Italic,
                    FontKind::Bold,
                    FontKind::Fallback,
                ][(n + r) % 4],
                size: 10.0 + n as f32 / 7.0,
                rise: -(r as f32) / 3.0,
                x: r as f32 * 11.3,
                glyphs: (0..(n + r) % 5)
                    .map(|k| Glyph {
                        gid: (n * 31 + k) as u16,
                        text: super::super::Cluster::from(text[k % 4]),
                        advance: k as f32 * 0.37 + 1.0 / 3.0,
                    })
                    .collect(),
            })
            .collect();
        let targets = [
            LinkTarget::Reference(n as u32),
            LinkTarget::Cite(n as u32, 3),
            LinkTarget::Uri(format!("https://example.org/{n}?q=é")),
            LinkTarget::Chapter(n),
        ];
        let some = |k: usize| n.is_multiple_of(k);
        Row {
            line: Line {
                runs,
                width: n as f32 / 9.0,
                measure: 300.5,
                hyphen: some(2),
                starts_with_marker: some(3),
                links: (0..n % 5)
                    .map(|k| LinkSpan {
                        x0: k as f32,
                        x1: k as f32 + 0.5,
                        target: targets[(n + k) % 4].clone(),
                    })
                    .collect(),
                markers: (0..n % 4)
                    .map(|k| (k as f32 / 3.0, n as u32, k as u32))
                    .collect(),
                soft_hyphen: some(4).then_some(280.25),
                leaders: some(5).then_some(f32::MIN_POSITIVE),
                index: n % 7,
                count: 7,
            },
            x: 72.0 + n as f32 / 13.0,
            leading: 12.0 + (n % 3) as f32,
            size: 10.0,
            space_before: (n % 2) as f32 * 6.5,
            space_after: (n % 5) as f32 / 3.0,
            break_before: some(2),
            role: role_of((n % 11) as u8).unwrap(),
            block: n / 3,
            frame: some(6).then_some(n / 6),
            rule: some(7).then_some((1.5, 2.25)),
            outline: some(8).then(|| Box::new((format!("Section {n} — ü"), (n % 4) as u8))),
            reference: some(9).then_some(n as u32),
            node: n * 2,
            stored: some(10).then(|| StoredAt::from_bits(((n as u64 + 1) << 24) | 40).unwrap()),
            label: some(11).then_some(n + 1),
        }
    }

    fn bytes_of(row: &Row) -> Vec<u8> {
        let mut b = Vec::new();
        encode(row, &mut b);
        b
    }

    /// The sizes of waiting rows come back to the bit (a size of `-0.0`
    /// is not one of `0.0`), each size met kept once; once a `u16` numbers
    /// no more sizes, a chunk with a new one keeps its sizes whole, and a
    /// chunk of known sizes is still indexed.
    #[test]
    fn waiting_sizes_come_back_to_the_bit_each_kept_once() {
        let sized = |leading: f32, before: f32, after: f32, brk: bool| Row {
            leading,
            space_before: before,
            space_after: after,
            break_before: brk,
            ..row(0)
        };
        let bits = RowSize::bits;
        let first = [
            sized(12.0, 0.0, 0.0, true),
            sized(12.0, -0.0, 0.0, true),
            sized(12.0, 0.0, 0.0, false),
            sized(12.0, 0.0, 0.0, true),
            sized(14.5, 6.0, 3.0, true),
            sized(12.0, 0.0, -0.0, true),
        ];
        let mut sizes = WaitingSizes::default();
        sizes.resize(2);
        sizes.put(0, &first);
        assert_eq!(sizes.table.len(), 5, "the repeated size kept once");
        assert_eq!(sizes.len(0), first.len());
        for (j, r) in first.iter().enumerate() {
            assert_eq!(bits(sizes.get(0, j)), bits(RowSize::of(r)), "row {j}");
        }
        assert!(
            sizes
                .each(0)
                .map(bits)
                .eq(first.iter().map(|r| bits(RowSize::of(r))))
        );
        // As many sizes as a u16 numbers.
        let many: Vec<Row> = (0..=u32::from(u16::MAX) - 5)
            .map(|k| sized(k as f32 + 100.0, 0.0, 0.0, true))
            .collect();
        sizes.put(1, &many);
        assert_eq!(sizes.table.len(), usize::from(u16::MAX) + 1);
        assert!(matches!(sizes.chunks[1], ChunkSizes::Indexed(_)));
        assert!((0..many.len()).all(|j| bits(sizes.get(1, j)) == bits(RowSize::of(&many[j]))));
        // One more is kept whole, with its chunk; known ones are indexed.
        sizes.resize(4);
        let new = [sized(12.0, 0.0, 0.0, true), sized(7.25, 1.0, 2.0, false)];
        sizes.put(2, &new);
        assert!(matches!(sizes.chunks[2], ChunkSizes::Whole(_)));
        assert_eq!(sizes.table.len(), usize::from(u16::MAX) + 1);
        assert!(
            sizes
                .each(2)
                .map(bits)
                .eq(new.iter().map(|r| bits(RowSize::of(r))))
        );
        sizes.put(3, &first[..2]);
        assert!(matches!(sizes.chunks[3], ChunkSizes::Indexed(_)));
        assert_eq!(bits(sizes.get(3, 1)), bits(RowSize::of(&first[1])));
        sizes.free(1);
        assert_eq!(sizes.len(1), 0);
    }

    /// Rows settled into a file come back as they went (every part, every
    /// float to the bit), in their order, whether read back a chunk at a
    /// time or visited; their sizes and markers are known while they wait; the rows
    /// not settled stay here; and freed rows are forgotten in the file too.
    #[test]
    fn rows_settled_in_a_file_come_back_as_they_went() {
        let n = 3 * CHUNK + 5;
        let Some(file) = TempFile::new() else {
            eprintln!("skipped: this system gives no temporary file");
            return;
        };
        let want: Vec<Vec<u8>> = (0..n).map(|i| bytes_of(&full_row(i))).collect();
        let mut rows = Rows::spilling(n, file, true);
        for i in 0..n {
            rows.push(full_row(i));
            // As the flow does: settled up to the row before the last.
            rows.settle_before(rows.len().saturating_sub(1));
        }
        let away = rows.away.as_ref().unwrap();
        assert_eq!(away.places.len(), 3, "the three whole chunks");
        assert!(away.places.iter().all(Option::is_some));
        assert!(rows.chunks[..3].iter().all(|c| c.capacity() == 0));
        assert_eq!(rows.chunks[3].len(), 5, "the last chunk stays");
        assert!(!rows.all_here());
        for i in 0..n {
            assert_eq!(rows.size(i), RowSize::of(&full_row(i)), "row {i}");
            let markers = full_row(i).line.markers;
            assert!(
                rows.markers(i)
                    .into_iter()
                    .eq(markers.iter().map(|m| (m.1, m.2))),
                "row {i}'s markers"
            );
        }
        let mut seen = Vec::new();
        rows.visit(|i, r| seen.push((i, bytes_of(r)))).unwrap();
        assert!(seen.iter().map(|(i, _)| *i).eq(0..n));
        assert!(seen.iter().map(|(_, b)| b).eq(want.iter()));
        assert!(!rows.all_here(), "visiting keeps nothing");
        // Rows CHUNK - 1 .. CHUNK + 2: the first two chunks come back.
        rows.load(CHUNK - 1..CHUNK + 2).unwrap();
        assert!((0..2 * CHUNK).all(|i| bytes_of(&rows[i]) == want[i]));
        assert!(rows.chunks[2].is_empty(), "the third still waits");
        rows.free_before(2 * CHUNK + 1);
        assert!(rows.chunks[..2].iter().all(|c| c.capacity() == 0));
        assert!(
            rows.away.as_ref().unwrap().places[..2]
                .iter()
                .all(Option::is_none)
        );
        rows.load(2 * CHUNK..n).unwrap();
        assert!(rows.all_here());
        assert!((2 * CHUNK..n).all(|i| bytes_of(&rows[i]) == want[i]));
        // Bytes that are not rows are refused, never read as rows.
        let mut b = want[1].clone();
        b.truncate(b.len() - 1);
        assert!(decode(&mut Reader(&b)).is_none());
        let mut huge = want[0].clone();
        huge[1] = 200;
        assert!(decode(&mut Reader(&huge)).is_none(), "no such role");
    }

    /// A paragraph of many rows settles its rows as they come but for the
    /// chunks of its first row and the row before it, which its caller
    /// may still change; those go at the next paragraph. Read back, every
    /// row is as it went, the changes made after settling included.
    #[test]
    fn a_long_paragraph_settles_its_rows_but_its_first() {
        let Some(file) = TempFile::new() else {
            eprintln!("skipped: this system gives no temporary file");
            return;
        };
        // A paragraph from row CHUNK + 3 (the row before it in the same
        // chunk) to 5 * CHUNK + 2, then a paragraph of one row.
        let (first, end) = (CHUNK + 3, 5 * CHUNK + 3);
        let mut rows = Rows::spilling(end + 1, file, true);
        let mut want: Vec<Row> = (0..=end).map(full_row).collect();
        for i in 0..end {
            if i == first || i == end {
                rows.settle_before(rows.len().saturating_sub(1));
            }
            if i > first {
                rows.settle_within(rows.len().saturating_sub(1), first);
            }
            rows.push(full_row(i));
        }
        let away = rows.away.as_ref().unwrap();
        let here: Vec<bool> = away.places.iter().map(Option::is_none).collect();
        assert_eq!(
            here,
            [false, true, false, false, false],
            "the first row's chunk stays"
        );
        assert_eq!(away.passed, [1]);
        // The caller labels the paragraph's first row, and changes the one
        // before it.
        rows[first].label = Some(7);
        rows[first - 1].space_after = 3.5;
        want[first].label = Some(7);
        want[first - 1].space_after = 3.5;
        rows.settle_before(rows.len().saturating_sub(1));
        rows.push(full_row(end));
        let away = rows.away.as_ref().unwrap();
        assert!(away.places.iter().all(Option::is_some), "offered again");
        assert!(away.passed.is_empty());
        rows.load(0..end + 1).unwrap();
        assert!((0..=end).all(|i| bytes_of(&rows[i]) == bytes_of(&want[i])));
    }

    /// A file that refuses the rows keeps them here; rows that cannot be
    /// read back come back empty, of their sizes, with the error.
    #[test]
    fn rows_a_file_refuses_or_loses_stay_whole_or_come_back_blank() {
        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(named.path()).unwrap();
        let mut rows = Rows::spilling(2 * CHUNK, TempFile::in_file(read_only), true);
        rows.extend((0..2 * CHUNK).map(full_row));
        rows.settle_before(2 * CHUNK);
        assert!(rows.all_here(), "refused: kept here");
        assert!((0..2 * CHUNK).all(|i| bytes_of(&rows[i]) == bytes_of(&full_row(i))));
        let write_only = std::fs::OpenOptions::new()
            .write(true)
            .open(named.path())
            .unwrap();
        let mut rows = Rows::spilling(2 * CHUNK, TempFile::in_file(write_only), true);
        rows.extend((0..2 * CHUNK).map(full_row));
        rows.settle_before(CHUNK);
        assert!(!rows.all_here(), "written");
        assert!(rows.visit(|_, _| {}).is_err());
        assert!(rows.load(0..1).is_err());
        assert!(rows.all_here());
        for i in 0..CHUNK {
            assert_eq!(rows.size(i), RowSize::of(&full_row(i)));
            assert!(rows[i].line.runs.is_empty());
        }
    }

    /// A paragraph's lines packed come back as they went, every part and
    /// every float to the bit, each with where its glyphs went (or none),
    /// in their order; and they take far less room than the lines.
    #[test]
    fn packed_lines_come_back_as_they_went() {
        for n in [0, 1, 2, 13, 60] {
            let lines: Vec<Line> = (0..n).map(|i| full_row(i).line).collect();
            let stored: Vec<Option<StoredAt>> = (0..n)
                .map(|i| {
                    (i % 3 != 1).then(|| StoredAt::from_bits(((i as u64 + 2) << 24) | 9).unwrap())
                })
                .collect();
            // Fewer places than lines: the rest have none.
            let packed = PackedLines::pack(&lines, &stored[..n / 2], &mut vec![7; 3]);
            assert_eq!(packed.len(), n);
            let back = packed.unpack();
            assert_eq!(back.len(), n);
            let back: Vec<(Line, Option<StoredAt>)> = back.collect();
            assert_eq!(back.len(), n);
            for (i, (line, at)) in back.iter().enumerate() {
                let mut want = Vec::new();
                encode_line(&lines[i], &mut want);
                let mut got = Vec::new();
                encode_line(line, &mut got);
                assert_eq!(got, want, "line {i} of {n}");
                assert_eq!(*line, lines[i]);
                assert_eq!(*at, if i < n / 2 { stored[i] } else { None }, "line {i}");
            }
        }
        // A line of a long article as it waits: one run, its glyphs away.
        let mut line = full_row(3).line;
        line.runs.truncate(1);
        line.runs[0].glyphs.clear();
        line.links.clear();
        line.markers.clear();
        let packed = PackedLines::pack(std::slice::from_ref(&line), &[None], &mut Vec::new());
        assert!(packed.bytes.len() < 60, "{} bytes", packed.bytes.len());
    }
}
