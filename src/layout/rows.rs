//! The rows of the flow (`flow.rs`) until they are paginated, in chunks of
//! [`CHUNK`] rows, so that pagination frees each chunk once it has placed
//! the lines of its rows ([`Rows::free_before`]). In one vector, a long
//! article's rows (232 bytes each) were all held until its last page was
//! filled: 18 MB of the seed ×1,500's, at its PDF's peak.

use super::flow::Row;

/// Rows in a chunk (some 950 KB of them: blocks that the system allocator
/// maps on their own and gives back as soon as they are freed).
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

/// The rows of an article or a book, indexed as one vector.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    chunks: Vec<Vec<Row>>,
    len: usize,
    /// How many rows there will be, when known: a chunk is made at the
    /// size it will have (the rest of a short article in one chunk grown
    /// row by row had up to twice its room).
    expected: usize,
}

impl Rows {
    /// No rows yet, `expected` of them to come.
    pub(super) fn with_capacity(expected: usize) -> Self {
        Rows {
            chunks: Vec::with_capacity(expected.div_ceil(CHUNK)),
            len: 0,
            expected,
        }
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
        self.chunks.iter().flatten()
    }

    /// Every row not yet freed, in order.
    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Row> {
        self.chunks.iter_mut().flatten()
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
        let n = 2 * CHUNK + 100;
        let mut rows = Rows::with_capacity(n);
        let mut plain = Vec::new();
        for i in 0..n {
            rows.push(row(i));
            plain.push(i);
        }
        assert_eq!(rows.len(), n);
        assert_eq!(rows.chunks.len(), 3);
        assert_eq!(rows.chunks[2].capacity(), 100, "the last chunk at its size");
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
}
