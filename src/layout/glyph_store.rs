//! The glyphs of a long article's lines, kept in a temporary file
//! ([`TempFile`]) from the moment its paragraphs are set until pagination
//! places the lines on a page: the one part of a laid-out article that
//! grows with every character (10 bytes a glyph), and that is not needed
//! while the pages are filled, which only reads the lines' sizes, links
//! and markers.
//!
//! Every glyph must be known before a PDF's first page is drawn (a page's
//! glyph codes are ranks in the fonts' subsets), so a long article was
//! held whole, set, until pagination began: the peak of its PDF. With the
//! glyphs in the file, the article's lines are held without them, and
//! each page's glyphs are read back twice: once, in page order, for the
//! inventory of the glyphs used, and once when the page is filled and
//! drawn.
//!
//! The lines themselves, packed, wait in the same file between the flow's
//! two passes, a stretch of paragraphs a block ([`GlyphStore::put_aside`],
//! `flow::SetStretch`).
//!
//! A block of glyphs the file refuses (a full disk) is kept in memory; a
//! line that cannot be read back is an I/O error, which the [`PageSink`]
//! gets.

use super::*;
use crate::temp_file::TempFile;

/// Where a line's glyphs are in the file: a record of `bytes` bytes at
/// `offset`, for each of the line's runs the number of its glyphs (4
/// bytes) and then the glyphs (10 bytes each, [`Glyph::to_bytes`]).
/// Both in 8 bytes, as every row of a long article holds one (and `None`
/// in 8 bytes too): the offset in 40 bits, the length in 24.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StoredAt(std::num::NonZeroU64);

/// A line's record is at most this long (some 1.6 million glyphs); a
/// paragraph with a longer one keeps its glyphs in memory.
const MAX_RECORD: usize = (1 << 24) - 1;

/// The file is at most this long (a terabyte: never, as an input is at
/// most 4 GiB).
const MAX_OFFSET: u64 = (1 << 40) - 2;

impl StoredAt {
    fn new(offset: u64, bytes: usize) -> Option<Self> {
        if offset > MAX_OFFSET || bytes > MAX_RECORD {
            return None;
        }
        std::num::NonZeroU64::new(((offset + 1) << 24) | bytes as u64).map(StoredAt)
    }

    fn offset(self) -> u64 {
        (self.0.get() >> 24) - 1
    }

    pub(super) fn bytes(self) -> usize {
        (self.0.get() & MAX_RECORD as u64) as usize
    }

    /// Its 8 bytes, as [`StoredAt::from_bits`] reads them (a row that
    /// waits in a file itself, `rows.rs`, holds them).
    pub(super) fn to_bits(self) -> u64 {
        self.0.get()
    }

    /// The place of [`StoredAt::to_bits`], or `None` for bits no place has.
    pub(super) fn from_bits(bits: u64) -> Option<Self> {
        let offset = (bits >> 24).checked_sub(1)?;
        if offset > MAX_OFFSET {
            return None;
        }
        std::num::NonZeroU64::new(bits).map(StoredAt)
    }
}

/// The bytes a [`GlyphWriter`] gathers before it writes them, and a
/// [`GlyphReader`] reads at a time: a write or a read per line cost a
/// third of a long PDF's time in system calls.
const BLOCK: usize = 1 << 20;

/// The temporary file, shared by the threads that set paragraphs: each
/// writes its paragraphs' lines in blocks of its own, at offsets it
/// reserves. A block the file refuses (a full disk) is kept in memory
/// instead, so that nothing written is lost. A clone is the same store
/// (a book's chapters, flowed one after the other, share one).
#[derive(Clone)]
pub(super) struct GlyphStore {
    file: std::sync::Arc<TempFile>,
    /// The blocks written, by offset.
    blocks: std::sync::Arc<std::sync::Mutex<Vec<(u64, Block)>>>,
}

/// A block a writer wrote, at its offset.
///
/// A writer reserves a whole block and writes what it gathered, often far
/// less (a book's short chapter, each thread's last block), so the file
/// is full of holes: a reader reads up to the end of the block it reads
/// in, never a hole. Read, a hole is a page of zeros the system makes and
/// keeps in its cache: a PDF book of 2,880 short articles, read a block
/// at a time across its holes, grew the system's cache by 4.7 GB and
/// spent 18% of its samples zeroing those pages.
enum Block {
    /// In the file, up to this offset.
    InFile { end: u64 },
    /// Refused by the file, kept in memory.
    Kept(Vec<u8>),
}

impl GlyphStore {
    /// A store in `file`, new and empty.
    pub(super) fn in_file(file: TempFile) -> Self {
        GlyphStore {
            file: std::sync::Arc::new(file),
            blocks: Default::default(),
        }
    }

    /// A writer of paragraphs, for one thread.
    pub(super) fn writer(&self) -> GlyphWriter<'_> {
        GlyphWriter {
            store: self,
            at: None,
            buf: Vec::new(),
        }
    }

    /// A reader of lines, best used in the order they were written.
    pub(super) fn reader(&self) -> GlyphReader<'_> {
        self.reader_of(BLOCK)
    }

    /// A reader that reads `window` bytes at a time (or a whole record):
    /// less than a block for the lines of one page.
    pub(super) fn reader_of(&self, window: usize) -> GlyphReader<'_> {
        GlyphReader {
            store: self,
            at: 0,
            window: Vec::new(),
            size: window,
            valid: 0,
        }
    }

    /// `bytes` (other than glyphs) put in the file too: where they went,
    /// or `None` when it refuses them (the caller keeps them).
    pub(super) fn put_aside(&self, bytes: &[u8]) -> Option<crate::temp_file::Place> {
        self.file.append(bytes).ok()
    }

    /// The text of `pieces` (`len` bytes in all) put in the file, trimmed
    /// of white space at both ends (as `str::trim`): `Some(Some(text))`,
    /// the text to be read back from there; `Some(None)` when it is all
    /// white space; `None` when the file refuses it, or `len` is not the
    /// pieces' length. The pieces are gathered a block at a time, so that
    /// the text is never held whole.
    pub(super) fn put_text_aside<'t>(
        &self,
        pieces: impl Iterator<Item = &'t str>,
        len: usize,
    ) -> Option<Option<AsideText>> {
        self.put_text_aside_by(pieces, len, BLOCK)
    }

    /// [`GlyphStore::put_text_aside`], gathered `block` bytes at a time.
    fn put_text_aside_by<'t>(
        &self,
        pieces: impl Iterator<Item = &'t str>,
        len: usize,
        block: usize,
    ) -> Option<Option<AsideText>> {
        let base = self.file.reserve(len as u64);
        let mut buf = Vec::with_capacity(block.min(len));
        // Where the text is in the pieces once trimmed: its first
        // character that is not white space, and the end of its last.
        let (mut start, mut end) = (None, 0);
        let mut at = 0;
        for piece in pieces {
            let rest = piece.trim_start();
            if start.is_none() && !rest.is_empty() {
                start = Some(at + piece.len() - rest.len());
            }
            let kept = piece.trim_end().len();
            if kept > 0 {
                end = at + kept;
            }
            // (Never past the room reserved.)
            if at + piece.len() > len {
                return None;
            }
            for part in piece.as_bytes().chunks(block) {
                if buf.len() + part.len() > block {
                    self.file
                        .write_at(&buf, base + (at - buf.len()) as u64)
                        .ok()?;
                    buf.clear();
                }
                buf.extend_from_slice(part);
                at += part.len();
            }
        }
        if at != len {
            return None;
        }
        self.file
            .write_at(&buf, base + (at - buf.len()) as u64)
            .ok()?;
        Some(start.map(|start| {
            let place = crate::temp_file::Place {
                offset: base + start as u64,
                len: end - start,
            };
            AsideText::new(self.file.clone(), place)
        }))
    }

    /// The bytes put aside at `place`, in `out` (emptied first).
    pub(super) fn read_aside(
        &self,
        out: &mut Vec<u8>,
        place: crate::temp_file::Place,
    ) -> std::io::Result<()> {
        out.clear();
        self.file.read_into(out, place)
    }

    fn blocks(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Block)>> {
        self.blocks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Writes paragraphs' glyphs into a [`GlyphStore`] a block at a time.
pub(super) struct GlyphWriter<'s> {
    store: &'s GlyphStore,
    /// Where the block being gathered goes, once one is reserved.
    at: Option<u64>,
    buf: Vec<u8>,
}

impl<'s> GlyphWriter<'s> {
    /// The store it writes into.
    pub(super) fn store(&self) -> &'s GlyphStore {
        self.store
    }

    /// Moves the glyphs of `lines` (a paragraph's) into the store, each
    /// line's runs left without glyphs: where each line's went.
    pub(super) fn put(&mut self, lines: &mut [Line]) -> Vec<Option<StoredAt>> {
        let record = |l: &Line| {
            l.runs
                .iter()
                .map(|r| 4 + 10 * r.glyphs.len())
                .sum::<usize>()
        };
        if lines.iter().any(|l| record(l) > MAX_RECORD) {
            return vec![None; lines.len()];
        }
        let bytes: usize = lines.iter().map(record).sum();
        if self.at.is_none() || self.buf.len() + bytes > self.buf.capacity() {
            self.flush();
            let block = BLOCK.max(bytes);
            self.at = Some(self.store.file.reserve(block as u64));
            self.buf = Vec::with_capacity(block);
        }
        debug_assert!(self.buf.len() + bytes <= self.buf.capacity());
        let base = self.at.unwrap_or_default();
        if base + (self.buf.len() + bytes) as u64 > MAX_OFFSET {
            return vec![None; lines.len()];
        }
        let mut out = Vec::with_capacity(lines.len());
        for line in lines.iter_mut() {
            let start = self.buf.len();
            for run in &mut line.runs {
                let glyphs = std::mem::take(&mut run.glyphs);
                self.buf
                    .extend_from_slice(&(glyphs.len() as u32).to_le_bytes());
                for g in glyphs {
                    self.buf.extend_from_slice(&g.to_bytes());
                }
            }
            out.push(StoredAt::new(base + start as u64, self.buf.len() - start));
        }
        out
    }

    /// Writes the block gathered, or keeps it in memory when the file
    /// refuses it.
    fn flush(&mut self) {
        let (Some(at), buf) = (self.at.take(), std::mem::take(&mut self.buf)) else {
            return;
        };
        if buf.is_empty() {
            return;
        }
        let block = match self.store.file.write_at(&buf, at) {
            Ok(()) => Block::InFile {
                end: at + buf.len() as u64,
            },
            Err(_) => Block::Kept(buf),
        };
        let mut blocks = self.store.blocks();
        let i = blocks.partition_point(|(o, _)| *o < at);
        blocks.insert(i, (at, block));
    }
}

impl Drop for GlyphWriter<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Reads lines' glyphs back from a [`GlyphStore`], a block at a time.
pub(super) struct GlyphReader<'s> {
    store: &'s GlyphStore,
    /// The offset of the window's first byte.
    at: u64,
    window: Vec<u8>,
    /// How much to read at a time.
    size: usize,
    /// How many bytes of the window were read.
    valid: usize,
}

impl GlyphReader<'_> {
    /// The runs written at `at`, in order, each as the bytes
    /// [`Glyph::to_bytes`] wrote for its glyphs (read them with
    /// [`glyphs`]).
    pub(super) fn runs(
        &mut self,
        at: StoredAt,
    ) -> std::io::Result<smallvec::SmallVec<[&[[u8; 10]]; 4]>> {
        let mut runs = smallvec::SmallVec::new();
        let mut rest = self.record(at)?;
        while let Some((n, after)) = rest.split_first_chunk::<4>() {
            let n = u32::from_le_bytes(*n) as usize;
            let (run, after) = n
                .checked_mul(10)
                .and_then(|bytes| after.split_at_checked(bytes))
                .ok_or_else(garbled)?;
            runs.push(run.as_chunks::<10>().0);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(garbled());
        }
        Ok(runs)
    }

    /// Gives `line` back the glyphs written for it at `at`.
    pub(super) fn restore(&mut self, line: &mut Line, at: StoredAt) -> std::io::Result<()> {
        let runs = self.runs(at)?;
        let first = first_stored(line, runs.len())?;
        for (run, stored) in line.runs[first..].iter_mut().zip(runs) {
            run.glyphs = glyphs(stored).collect();
        }
        Ok(())
    }

    /// The bytes of the record at `at`: from the window, else from a block
    /// kept in memory, else from the file, read from there on a block's
    /// worth (or to its end).
    fn record(&mut self, at: StoredAt) -> std::io::Result<&[u8]> {
        let (start, len) = (at.offset(), at.bytes());
        let inside =
            |from: u64, bytes: usize| start >= from && (start - from) as usize + len <= bytes;
        if !inside(self.at, self.valid) {
            let blocks = self.store.blocks();
            let i = blocks.partition_point(|(o, _)| *o <= start);
            match i.checked_sub(1).map(|i| &blocks[i]) {
                Some((from, Block::Kept(block))) if inside(*from, block.len()) => {
                    self.window.clear();
                    self.window.extend_from_slice(block);
                    self.valid = block.len();
                    self.at = *from;
                }
                found => {
                    // Up to the end of the block written there (never
                    // into a hole after it); the record alone when no
                    // block is known to hold it.
                    let end = match found {
                        Some(&(_, Block::InFile { end })) if start < end => end,
                        _ => start + len as u64,
                    };
                    drop(blocks);
                    let room = self
                        .size
                        .max(len)
                        .min(usize::try_from(end - start).unwrap_or(BLOCK));
                    // Grown (and zeroed) only when a record needs more.
                    if self.window.len() < room {
                        self.window.resize(room, 0);
                    }
                    self.valid = 0;
                    let n = self.store.file.read_at(&mut self.window[..room], start)?;
                    self.valid = n;
                    self.at = start;
                    if n < len {
                        return Err(garbled());
                    }
                }
            }
        }
        let from = (start - self.at) as usize;
        Ok(&self.window[from..from + len])
    }
}

/// The first of the `stored` runs of `line` whose glyphs were put in a
/// store: its last (a label added in front of the line since is not).
pub(super) fn first_stored(line: &Line, stored: usize) -> std::io::Result<usize> {
    line.runs.len().checked_sub(stored).ok_or_else(garbled)
}

/// The glyphs of a run as [`GlyphReader::runs`] gives them.
pub(super) fn glyphs(run: &[[u8; 10]]) -> impl ExactSizeIterator<Item = Glyph> + '_ {
    run.iter().map(|b| Glyph::from_bytes(*b))
}

/// A record read back that does not hold what was written.
fn garbled() -> std::io::Error {
    std::io::Error::other("the glyphs read back from the temporary file are not those written")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(runs: &[&str]) -> Line {
        Line {
            runs: runs
                .iter()
                .enumerate()
                .map(|(i, t)| Run {
                    font: FontKind::Regular,
                    size: 10.0,
                    rise: 0.0,
                    x: i as f32,
                    glyphs: t
                        .chars()
                        .enumerate()
                        .map(|(k, c)| Glyph {
                            gid: c as u16,
                            text: Cluster::from(c.to_string().as_str()),
                            advance: k as f32 * 0.37 + 1.0 / 3.0,
                        })
                        .collect(),
                })
                .collect(),
            ..Line::default()
        }
    }

    /// Lines put in the store come back the same, with a label added in
    /// front since, longer clusters and empty runs; a record that does not
    /// match the line is an error, not a wrong line.
    #[test]
    fn glyphs_come_back_as_they_went() {
        let Some(store) = TempFile::new().map(GlyphStore::in_file) else {
            eprintln!("SKIP glyphs_come_back_as_they_went: no temporary file on this system");
            return;
        };
        let mut fi = line(&["ab"]);
        fi.runs[0].glyphs[1].text = Cluster::from("ffi");
        let original = vec![line(&["Hello, ", "wörld", ""]), fi, line(&[])];
        let mut lines = original.clone();
        let (mut one, mut two) = (store.writer(), store.writer());
        let at = one.put(&mut lines);
        assert!(
            lines
                .iter()
                .flat_map(|l| &l.runs)
                .all(|r| r.glyphs.is_empty())
        );
        let mut second = vec![line(&["€→"])];
        let at2 = two.put(&mut second);
        let mut labelled = line(&["x"]);
        let label = labelled.runs[0].clone();
        let at3 = one.put(std::slice::from_mut(&mut labelled));
        drop((one, two));
        let mut store_reader = store.reader();
        for (line, at) in lines.iter_mut().zip(&at) {
            store_reader.restore(line, at.unwrap()).unwrap();
        }
        assert_eq!(lines, original);
        assert_eq!(&*lines[1].runs[0].glyphs[1].text, "ffi");
        // A label in front of a line, added after it was put.
        store_reader
            .restore(&mut second[0], at2[0].unwrap())
            .unwrap();
        labelled.runs.insert(0, label.clone());
        store_reader
            .restore(&mut labelled, at3[0].unwrap())
            .unwrap();
        assert_eq!(labelled.runs, vec![label.clone(), label]);
        assert_eq!(second, vec![line(&["€→"])]);
        // A line with fewer runs than its record: an error.
        let mut short = Line::default();
        assert!(store_reader.restore(&mut short, at[0].unwrap()).is_err());
    }

    /// A reader reads up to the end of the block written there, never
    /// into the hole after it that the writer reserved and did not fill
    /// (nor into a block reserved and not yet written), and a window
    /// still serves the records after the first.
    #[test]
    fn a_reader_never_reads_a_hole() {
        let Some(store) = TempFile::new().map(GlyphStore::in_file) else {
            eprintln!("SKIP a_reader_never_reads_a_hole: no temporary file on this system");
            return;
        };
        let original = vec![line(&["short"]), line(&["lines", "here"])];
        let (mut one, mut two, mut three) = (store.writer(), store.writer(), store.writer());
        let mut lines = original.clone();
        let at = one.put(&mut lines);
        let mut second = vec![line(&["after the hole"])];
        let at2 = two.put(&mut second);
        // Reserved past the second block, not yet written.
        let mut third = vec![line(&["unwritten"])];
        let at3 = three.put(&mut third);
        drop((one, two));
        let first_block: usize = at.iter().map(|a| a.unwrap().bytes()).sum();
        let mut reader = store.reader();
        for (line, at) in lines.iter_mut().zip(&at) {
            reader.restore(line, at.unwrap()).unwrap();
            assert_eq!(
                (reader.at, reader.valid),
                (0, first_block),
                "the window is the first block, read once"
            );
        }
        assert_eq!(lines, original);
        reader.restore(&mut second[0], at2[0].unwrap()).unwrap();
        assert_eq!(reader.at, BLOCK as u64);
        assert_eq!(reader.valid, at2[0].unwrap().bytes());
        assert_eq!(second, vec![line(&["after the hole"])]);
        // Not written yet: no block holds it, so the record alone is read
        // (and is not there).
        assert!(reader.restore(&mut third[0], at3[0].unwrap()).is_err());
        drop(three);
        reader.restore(&mut third[0], at3[0].unwrap()).unwrap();
        assert_eq!(third, vec![line(&["unwritten"])]);
    }

    /// Bytes a glyph store did not write make a glyph with no text or
    /// some character, never an invalid string.
    #[test]
    fn foreign_bytes_make_valid_glyphs() {
        for first in 0..=255u8 {
            for b in [[first, 0x80, 0x80, 0x80], [first, 0xFF, 0x41, 0x00]] {
                let g = Glyph::from_bytes([1, 0, b[0], b[1], b[2], b[3], 0, 0, 128, 63]);
                let text: &str = &g.text;
                assert!(
                    text.chars().count() <= 1 || first == 0xFF,
                    "{first:#x}: {text:?}"
                );
                assert_eq!({ g.advance }, 1.0);
            }
        }
    }

    /// When the file refuses the blocks (a full disk), they are kept in
    /// memory, and read back from there.
    #[test]
    fn blocks_the_file_refuses_are_kept_in_memory() {
        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(named.path()).unwrap();
        let store = GlyphStore::in_file(TempFile::in_file(read_only));
        let original: Vec<Line> = (0..300)
            .map(|i| line(&["some words ".repeat(i % 40 + 1).as_str(), "x"]))
            .collect();
        let (mut lines, mut more) = (original.clone(), original.clone());
        let (mut one, mut two) = (store.writer(), store.writer());
        // Several blocks from each writer, interleaved.
        let mut at = Vec::new();
        for _ in 0..40 {
            at.push((0, one.put(&mut lines.clone())));
            at.push((1, two.put(&mut more.clone())));
        }
        let (a, b) = (one.put(&mut lines), two.put(&mut more));
        drop((one, two));
        let kept = (store.blocks().iter())
            .filter(|(_, b)| matches!(b, Block::Kept(_)))
            .count();
        assert!(kept > 2, "blocks kept: {kept}");
        let mut reader = store.reader();
        for (line, at) in lines.iter_mut().zip(a).chain(more.iter_mut().zip(b)) {
            reader.restore(line, at.unwrap()).unwrap();
        }
        assert_eq!(lines, original);
        assert_eq!(more, original);
        for (_, ats) in at.iter().rev() {
            let mut copy = original.clone();
            for l in &mut copy {
                for r in &mut l.runs {
                    r.glyphs.clear();
                }
            }
            for (line, at) in copy.iter_mut().zip(ats) {
                reader.restore(line, at.unwrap()).unwrap();
            }
            assert_eq!(copy, original);
        }
    }

    proptest::proptest! {
        /// A text put aside in pieces reads back, in pieces of any size,
        /// as the pieces' text trimmed (none when that is all white
        /// space), whatever the size of the blocks it was gathered in; the
        /// text given a wrong length is refused, and nothing is written
        /// past it.
        #[test]
        fn a_text_put_aside_reads_back_trimmed(
            pieces in proptest::collection::vec("( |a|\\.|\u{A0}|é|\u{1D11E}|\n){0,6}", 0..6),
            block in 1usize..12,
            piece in 4usize..12,
        ) {
            let Some(store) = TempFile::new().map(GlyphStore::in_file) else {
                return Ok(());
            };
            let whole = pieces.concat();
            let aside = store
                .put_text_aside_by(pieces.iter().map(String::as_str), whole.len(), block)
                .unwrap();
            let mut back = String::new();
            if let Some(aside) = &aside {
                aside
                    .pieces_of(piece, &mut |p| {
                        assert!(p.len() <= piece);
                        back.push_str(p);
                        Ok(())
                    })
                    .unwrap();
            }
            proptest::prop_assert_eq!(aside.is_some(), !whole.trim().is_empty());
            proptest::prop_assert_eq!(back.as_str(), whole.trim());
            if !whole.is_empty() {
                let end = store.file.reserve(0);
                for len in [whole.len() + 1, whole.len() - 1] {
                    proptest::prop_assert!(
                        store.put_text_aside_by(pieces.iter().map(String::as_str), len, block).is_none()
                    );
                }
                // Nothing past the room reserved for the short one.
                let past = end + 2 * whole.len() as u64;
                proptest::prop_assert_eq!(store.file.reserve(0), past);
                proptest::prop_assert_eq!(store.file.read_at(&mut [0; 8], past).unwrap(), 0);
            }
        }
    }

    /// A place is 8 bytes, with or without one, and reads back as given.
    #[test]
    fn places_are_eight_bytes() {
        assert_eq!(std::mem::size_of::<Option<StoredAt>>(), 8);
        for (offset, bytes) in [
            (0, 0),
            (0, 4),
            (1, MAX_RECORD),
            (MAX_OFFSET, 14),
            (12345678, 0),
        ] {
            let at = StoredAt::new(offset, bytes).unwrap();
            assert_eq!((at.offset(), at.bytes()), (offset, bytes));
        }
        assert!(StoredAt::new(MAX_OFFSET + 1, 0).is_none());
        assert!(StoredAt::new(0, MAX_RECORD + 1).is_none());
    }
}
