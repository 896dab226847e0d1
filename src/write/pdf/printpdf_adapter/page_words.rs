//! Per page, a list of 4-byte words that the structure tree reads page
//! after page: the owners of each page's marked-content sequences (by
//! MCID, [`crate::write::pdf::tags::Owner::word`]) and the element each of
//! its links' text belongs to. Held from the pages' drawing to the
//! structure tree, a book of 2,880 corpus articles' 1,306,162 owners took
//! 5.2 MB, with a box for each of its 18,678 pages, at the end of its
//! pagination and in its structure tree's walk, the peaks of its PDF. So a
//! long document's wait in its temporary file, a run of whole pages at a
//! time, until they are read.

use crate::temp_file::{Place, TempFile};

/// How many words, at least, go to the temporary file at a time (64 KiB):
/// those of the pages held once they are this many. (Tests put away runs
/// of a few pages, so that the files they make from a temporary file
/// read their words back from there.)
const AWAY_FROM: usize = if cfg!(test) { 64 } else { 16 * 1024 };

/// Each page's words, in page order: the first pages' in the temporary
/// file, the others held.
#[derive(Default)]
pub(super) struct PageWords {
    /// Where each page's words end, counted over every page's.
    ends: Vec<u64>,
    /// The words of the pages not put away: from word `held_from` on.
    held: Vec<u32>,
    held_from: u64,
    /// Each run of pages' words put away: its first word, and its place
    /// in the file.
    away: Vec<(u64, Place)>,
    /// The file refused a run: the rest stay here.
    stay: bool,
}

/// Where [`PageWords::read`] reads: the words of the run put away that it
/// read last (or of the page held it read last), from word `first`.
#[derive(Default)]
pub(super) struct Reader {
    words: Vec<u32>,
    first: u64,
    bytes: Vec<u8>,
}

impl PageWords {
    /// Room for `pages` pages.
    pub(super) fn with_pages(pages: usize) -> Self {
        PageWords {
            ends: Vec::with_capacity(pages),
            ..PageWords::default()
        }
    }

    /// The next page's words. With a `file`, the words held go there once
    /// they are [`AWAY_FROM`] or more; they stay when it refuses them (and
    /// from then on).
    pub(super) fn push_page(
        &mut self,
        words: impl IntoIterator<Item = u32>,
        file: Option<&TempFile>,
    ) {
        self.held.extend(words);
        self.ends.push(self.held_from + self.held.len() as u64);
        let Some(file) = file else { return };
        if self.stay || self.held.len() < AWAY_FROM {
            return;
        }
        let mut bytes = Vec::with_capacity(4 * self.held.len());
        for w in &self.held {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        match file.append(&bytes) {
            Ok(place) => {
                self.away.push((self.held_from, place));
                self.held_from += self.held.len() as u64;
                self.held.clear();
            }
            Err(_) => self.stay = true,
        }
    }

    /// How many pages there are.
    #[cfg(test)]
    pub(super) fn pages(&self) -> usize {
        self.ends.len()
    }

    /// Page `pi`'s words: where they start and end among every page's.
    fn range(&self, pi: usize) -> std::ops::Range<u64> {
        match self.ends.get(pi) {
            None => self.total()..self.total(),
            Some(&end) => pi.checked_sub(1).map_or(0, |p| self.ends[p])..end,
        }
    }

    /// How many words page `pi` has (none past the last page).
    pub(super) fn len(&self, pi: usize) -> usize {
        let r = self.range(pi);
        (r.end - r.start) as usize
    }

    /// How many words every page has.
    pub(super) fn total(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Page `pi`'s words (none past the last page), read with `reader`
    /// from `file` when they were put away there: read page after page,
    /// each run is read once.
    pub(super) fn read<'r>(
        &self,
        pi: usize,
        reader: &'r mut Reader,
        file: Option<&TempFile>,
    ) -> std::io::Result<&'r [u32]> {
        let range = self.range(pi);
        let within = |reader: &Reader| {
            reader.first <= range.start && range.end <= reader.first + reader.words.len() as u64
        };
        if range.start >= self.held_from {
            let held =
                (range.start - self.held_from) as usize..(range.end - self.held_from) as usize;
            reader.words.clear();
            reader.words.extend_from_slice(&self.held[held]);
            reader.first = range.start;
        } else if !within(reader) {
            // (Runs hold whole pages: the page is in one.)
            let k = self
                .away
                .partition_point(|(first, _)| *first <= range.start)
                - 1;
            let (first, place) = self.away[k];
            let file = file.ok_or_else(|| {
                std::io::Error::other("words put away in a temporary file that is gone")
            })?;
            reader.bytes.clear();
            file.read_into(&mut reader.bytes, place)?;
            reader.words.clear();
            reader.words.extend(
                reader
                    .bytes
                    .chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            reader.first = first;
            if !within(reader) {
                return Err(std::io::Error::other(
                    "words put away in the temporary file are cut short there",
                ));
            }
        }
        let at = (range.start - reader.first) as usize;
        Ok(&reader.words[at..at + (range.end - range.start) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of 90 pages of up to half a run's words each (a page of
    /// more than a run's among them).
    fn pages() -> Vec<Vec<u32>> {
        (0..90u32)
            .map(|pi| {
                let n = match pi {
                    40 => 3 * AWAY_FROM as u32,
                    _ => pi * 7919 % (AWAY_FROM as u32 / 2 + 1),
                };
                (0..n).map(|k| pi.wrapping_mul(1_000_003) ^ k).collect()
            })
            .collect()
    }

    /// Pages' words put away in a real temporary file come back as they
    /// were pushed, read page after page or in any order, and so do
    /// those held beside them; a file that refuses them leaves them all
    /// held, alike. Read without their file, or from a file that cannot
    /// give them back, they are an error.
    #[test]
    fn words_put_away_come_back_alike() {
        let pages = pages();
        let fill = |file: Option<&TempFile>| {
            let mut words = PageWords::with_pages(pages.len());
            for p in &pages {
                words.push_page(p.iter().copied(), file);
            }
            words
        };
        let check = |words: &PageWords, file: Option<&TempFile>| {
            assert_eq!(words.pages(), pages.len());
            let total: usize = pages.iter().map(Vec::len).sum();
            assert_eq!(words.total(), total as u64);
            let mut reader = Reader::default();
            for (pi, p) in pages.iter().enumerate() {
                assert_eq!(words.len(pi), p.len());
                assert_eq!(
                    words.read(pi, &mut reader, file).unwrap(),
                    &p[..],
                    "page {pi}"
                );
            }
            for pi in [89, 3, 40, 0, 41, 39, 88] {
                assert_eq!(words.read(pi, &mut reader, file).unwrap(), &pages[pi][..]);
            }
            assert_eq!(words.len(pages.len()), 0);
            assert!(
                words
                    .read(pages.len(), &mut reader, file)
                    .unwrap()
                    .is_empty()
            );
        };
        check(&fill(None), None);
        if let Some(file) = TempFile::new() {
            let words = fill(Some(&file));
            assert!(words.away.len() >= 3, "{} runs put away", words.away.len());
            assert!(words.held.len() < AWAY_FROM, "{} held", words.held.len());
            check(&words, Some(&file));
            // Without their file, those put away are an error, but for
            // those of the run read last.
            let mut reader = Reader::default();
            assert!(words.read(1, &mut reader, None).is_err());
            words.read(1, &mut reader, Some(&file)).unwrap();
            assert_eq!(words.read(2, &mut reader, None).unwrap(), &pages[2][..]);
        }
        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = TempFile::in_file(std::fs::File::open(named.path()).unwrap());
        let words = fill(Some(&read_only));
        assert!(words.away.is_empty());
        check(&words, Some(&read_only));
        let write_only = std::fs::OpenOptions::new()
            .write(true)
            .open(named.path())
            .unwrap();
        let write_only = TempFile::in_file(write_only);
        let words = fill(Some(&write_only));
        assert!(!words.away.is_empty());
        let mut reader = Reader::default();
        assert!(words.read(1, &mut reader, Some(&write_only)).is_err());
    }
}
