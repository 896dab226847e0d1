//! Items grouped by a small key, in one vector: a counting sort. The
//! solver's readings of each reference and the writers' markers of each
//! reference are held so, 4 to 8 bytes an item, where a vector per key (or
//! a hash set of pairs) took 16 to 34 and an allocation each.

/// Items grouped by key: group `k` is `items[starts[k]..starts[k + 1]]`,
/// its items in the order they were visited.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Groups<T> {
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy + Default> Groups<T> {
    /// Groups the items that `visit` hands to its callback as (key, item),
    /// with keys below `keys` (others are left out). `visit` is called
    /// twice and must hand over the same items both times: once to count
    /// each group, once to put the items in their places.
    pub(crate) fn new(keys: usize, visit: impl Fn(&mut dyn FnMut(usize, T))) -> Groups<T> {
        let mut starts = vec![0u32; keys + 1];
        visit(&mut |k, _| {
            if k < keys {
                starts[k + 1] += 1;
            }
        });
        for k in 0..keys {
            starts[k + 1] += starts[k];
        }
        let mut items = vec![T::default(); starts[keys] as usize];
        let mut next = starts.clone();
        visit(&mut |k, item| {
            if k < keys {
                items[next[k] as usize] = item;
                next[k] += 1;
            }
        });
        Groups { starts, items }
    }

    /// Where group `k` starts among all the items.
    pub(crate) fn start(&self, k: usize) -> usize {
        self.starts[k] as usize
    }

    /// The items of group `k`.
    pub(crate) fn get(&self, k: usize) -> &[T] {
        &self.items[self.starts[k] as usize..self.starts[k + 1] as usize]
    }

    /// The items of group `k`, to reorder.
    pub(crate) fn get_mut(&mut self, k: usize) -> &mut [T] {
        &mut self.items[self.starts[k] as usize..self.starts[k + 1] as usize]
    }

    /// How many items in all.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Each group holds its key's items in the order visited, and
        /// nothing else; keys out of range are left out.
        #[test]
        fn each_group_holds_its_items_in_order(
            keys in 0usize..6,
            items in proptest::collection::vec((0usize..8, proptest::num::u16::ANY), 0..40),
        ) {
            let g = Groups::new(keys, |each| {
                for &(k, item) in &items {
                    each(k, item);
                }
            });
            let mut start = 0;
            for k in 0..keys {
                let want: Vec<u16> = items.iter().filter(|(key, _)| *key == k).map(|&(_, i)| i).collect();
                proptest::prop_assert_eq!(g.get(k), &want[..]);
                proptest::prop_assert_eq!(g.start(k), start);
                start += want.len();
            }
            proptest::prop_assert_eq!(g.len(), start);
        }
    }
}
