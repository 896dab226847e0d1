//! A vector read once from its front, whose items are freed as they are
//! read ([`Chunked`]).

use crate::allocator::LARGE;

/// A vector of a known length in blocks of [`LARGE`] bytes (the last one
/// shorter), which the program's allocator takes from the system, each
/// mapped on its own and handed back when it is freed: a reader that goes
/// from front to back frees the blocks it has passed
/// ([`Chunked::free_before`]) while it makes what replaces them.
///
/// The resolver's placed markers, the texts it keeps and where each
/// text's markers start are read so while it rewrites the document's
/// inlines; held whole, they stood on top of the new inlines at the
/// resolution's end, a long article's peak (3.4 MB of the seed ×6,920's
/// 55). A short article's vector is one block of its exact size, as a
/// `Vec` would be.
#[derive(Debug)]
pub(crate) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
    /// The blocks before this one are freed.
    freed: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
            freed: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Items a block.
    const PER: usize = if std::mem::size_of::<T>() == 0 {
        usize::MAX
    } else {
        let n = LARGE / std::mem::size_of::<T>();
        if n == 0 { 1 } else { n }
    };

    /// Room for `n` items, in blocks of their exact sizes (room not yet
    /// written costs no memory).
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut chunks = Vec::with_capacity(n.div_ceil(Self::PER));
        let mut left = n;
        while left > 0 {
            let k = left.min(Self::PER);
            chunks.push(Vec::with_capacity(k));
            left -= k;
        }
        Chunked {
            chunks,
            len: 0,
            freed: 0,
        }
    }

    /// Appends `x` (beyond the room made, in blocks of up to [`Self::PER`]).
    pub(crate) fn push(&mut self, x: T) {
        let (c, _) = self.at(self.len);
        if c == self.chunks.len() {
            self.chunks.push(Vec::new());
        }
        let chunk = &mut self.chunks[c];
        if chunk.len() == chunk.capacity() {
            // A block grows as a `Vec` does, up to its full size: a few
            // items take a small block.
            let room = (chunk.capacity() * 2).clamp(4, Self::PER);
            chunk.reserve_exact(room - chunk.len());
        }
        chunk.push(x);
        self.len += 1;
    }

    /// How many items were pushed (freed ones included).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Item `i`'s block and place in it.
    fn at(&self, i: usize) -> (usize, usize) {
        (i / Self::PER, i % Self::PER)
    }

    /// Item `i`, which must not have been freed.
    pub(crate) fn get(&self, i: usize) -> &T {
        let (c, k) = self.at(i);
        &self.chunks[c][k]
    }

    /// Item `i`, which must not have been freed.
    pub(crate) fn get_mut(&mut self, i: usize) -> &mut T {
        let (c, k) = self.at(i);
        &mut self.chunks[c][k]
    }

    /// Frees every block whose items are all before `i`: items before `i`
    /// are read no more.
    pub(crate) fn free_before(&mut self, i: usize) {
        let until = self.at(i.min(self.len)).0;
        for c in &mut self.chunks[self.freed.min(until)..until] {
            *c = Vec::new();
        }
        self.freed = self.freed.max(until);
    }
}

impl<T: Clone> Chunked<T> {
    /// `n` copies of `x`.
    pub(crate) fn from_elem(x: T, n: usize) -> Self {
        let mut v = Chunked::with_capacity(n);
        for c in &mut v.chunks {
            c.resize(c.capacity(), x.clone());
        }
        v.len = n;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A chunked vector holds what a `Vec` does, in blocks of
        /// [`LARGE`] bytes, and frees exactly the blocks read.
        #[test]
        fn holds_what_a_vec_does_and_frees_what_was_read(
            n in 0usize..300_000,
            extra in 0usize..70_000,
            read in proptest::collection::vec(0usize..400_000, 0..6),
        ) {
            let mut v: Chunked<u64> = Chunked::with_capacity(n);
            let all: Vec<u64> = (0..(n + extra) as u64).map(|x| x * 3 + 1).collect();
            for &x in &all {
                v.push(x);
            }
            proptest::prop_assert_eq!(v.len(), all.len());
            let per = LARGE / 8;
            for c in &v.chunks {
                proptest::prop_assert!(c.capacity() <= per && !c.is_empty());
            }
            let mut read = read;
            read.sort_unstable();
            for r in read {
                v.free_before(r);
                let passed = r.min(all.len());
                for (c, chunk) in v.chunks.iter().enumerate() {
                    // Freed exactly when all its items are before `r`.
                    proptest::prop_assert_eq!(chunk.capacity() == 0, (c + 1) * per <= passed);
                }
                for (i, x) in all.iter().enumerate().skip((passed / per) * per) {
                    proptest::prop_assert_eq!(v.get(i), x);
                }
            }
        }
    }

    #[test]
    fn copies_of_one_item() {
        let mut v = Chunked::from_elem(7u32, LARGE / 4 + 3);
        assert_eq!(v.len(), LARGE / 4 + 3);
        assert_eq!((v.chunks[0].len(), v.chunks[1].len()), (LARGE / 4, 3));
        *v.get_mut(LARGE / 4 + 1) += 1;
        assert_eq!((*v.get(LARGE / 4), *v.get(LARGE / 4 + 1)), (7, 8));
        v.free_before(LARGE / 4 + 1);
        assert_eq!(v.chunks[0].capacity(), 0);
        assert_eq!(*v.get(LARGE / 4 + 2), 7);
    }
}
