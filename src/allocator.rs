//! The program's global allocator: small blocks from mimalloc, medium and
//! large ones from the system allocator. `main.rs` installs it, and so do the
//! benchmarks, so that they measure what the program runs.

use std::alloc::{GlobalAlloc, Layout, System};

/// Small blocks from mimalloc, medium and large ones from the system
/// allocator (`is_system`).
///
/// mimalloc (built without transparent huge pages) serves the many small
/// strings, vectors and tables of a conversion from per-thread pages: a
/// batch of 10,000 articles took 10% less time than with glibc's allocator
/// alone, a single TEI conversion 14% less. But it keeps freed memory for a
/// while, and a 50 MB article's TEI then peaked at 335 MB instead of 230 MB.
/// Blocks of `LARGE` (512 KiB) or more (the input, the joined text, the
/// solver's tables, page and file buffers) therefore come from the system
/// allocator, whose large blocks are mapped and returned to the system on
/// their own; so do medium blocks (`MEDIUM`), which cost mimalloc page
/// faults a young process need not pay. A block is freed by the allocator
/// that made it: `dealloc` and `realloc` get the size it was made with, so
/// its side is known.
///
/// mimalloc is its version 2 (`libmimalloc-sys`'s `v2` feature): version 3
/// sets up its arena bitmaps when the process starts, some 40 page faults
/// in every run. With version 2 the canal ×50 (186 KB) converted to TEI in
/// 5.7 ms instead of 6.1, to EPUB in 8.1 instead of 8.9 and to PDF in 45.2
/// instead of 49.1 (hyperfine, 60 runs each); the seed ×500's PDF peaked at
/// 142.3 MB instead of 145.9 and a 10,000-article batch at 73 MB instead of
/// 76, in the same time.
pub struct Allocator;

/// The size from which a block is the system allocator's.
///
/// zlib's deflate state (some 330 KB: window, hash chains and buffers),
/// made anew for every entry of an EPUB's zip, stays under it: mimalloc
/// hands the same pages to the next entry, where the system allocator
/// gave fresh ones, each a page fault. At 256 KiB, the canal ×50 EPUB took
/// 1,724 page faults; at 512 KiB 1,236 (the seed ×500's PDF 8,484 against
/// 8,610, its peak RSS 142.6 against 146.2 MB).
pub(crate) const LARGE: usize = 512 * 1024;

/// The medium blocks that are the system allocator's too: from 1 KiB up to
/// 128 KiB (glibc's threshold for mapping a block on its own).
///
/// A fresh mimalloc page of a size class is made ready by writing a link
/// into each of its first blocks, at least four of them, and every size
/// class starts a page of its own: for blocks of a kilobyte and more that
/// touches pages nothing uses yet, each a page fault when the process is
/// young, as a single conversion always is. glibc's allocator carves these
/// blocks from one heap and touches only what it hands out. Page faults of
/// the canal ×50: TEI 745 → 574, EPUB 1,130 → 831, PDF 6,264 → 5,417; a
/// three-line article's TEI 284 → 219 (perf, 30 runs each; 1 KiB did
/// better than 512 B, 2 KiB, 4 KiB and 16 KiB).
const MEDIUM: std::ops::Range<usize> = 1024..128 * 1024;

/// Is a block of `size` bytes the system allocator's?
#[inline]
fn is_system(size: usize) -> bool {
    size >= LARGE || MEDIUM.contains(&size)
}

/// The alignment every block of mimalloc's plain `mi_malloc` has (its
/// blocks are at least word-aligned). Layouts that ask for no more, nearly
/// all of them, skip the aligned entry points, which first look for a block
/// at the right alignment: `check` on a 243 KB article made 28,754 such
/// calls, at some 68 instructions each.
const MI_MIN_ALIGN: usize = std::mem::size_of::<usize>();

// SAFETY: every method hands a block to exactly one of two sound
// allocators, chosen by the block's size (`is_system`); a block's size is
// the same when it is freed as when it was made (the `GlobalAlloc`
// contract), so it is freed by the allocator that made it. A `realloc`
// across a line makes the new block first, copies the smaller of the two
// sizes and then frees the old.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if is_system(layout.size()) {
                System.alloc(layout)
            } else if layout.align() <= MI_MIN_ALIGN {
                libmimalloc_sys::mi_malloc(layout.size()).cast()
            } else {
                mimalloc::MiMalloc.alloc(layout)
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if is_system(layout.size()) {
                System.alloc_zeroed(layout)
            } else if layout.align() <= MI_MIN_ALIGN {
                libmimalloc_sys::mi_zalloc(layout.size()).cast()
            } else {
                mimalloc::MiMalloc.alloc_zeroed(layout)
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was made by `alloc` with this layout, so by the
        // allocator its size chooses.
        unsafe {
            if is_system(layout.size()) {
                System.dealloc(ptr, layout)
            } else {
                mimalloc::MiMalloc.dealloc(ptr, layout)
            }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; a block that changes sides is made anew
        // (with the caller's valid size and alignment), copied, then freed.
        unsafe {
            match (is_system(layout.size()), is_system(new_size)) {
                (true, true) => System.realloc(ptr, layout, new_size),
                (false, false) if layout.align() <= MI_MIN_ALIGN => {
                    libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
                }
                (false, false) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
                _ => {
                    let new = Layout::from_size_align_unchecked(new_size, layout.align());
                    let block = self.alloc(new);
                    if !block.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, block, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    block
                }
            }
        }
    }
}

/// Keeps glibc's large blocks (from 128 KiB) mapped each on its own, as
/// glibc does for a young process, for the whole run. The program calls
/// it first (`main.rs`); harmless where glibc is not the system allocator.
///
/// glibc raises the size from which it maps a block on its own to that of
/// each such block freed (up to 32 MiB): once a long article's first large
/// buffers had come and gone, its later large blocks (a PDF's object
/// index, its structure, page buffers) were carved from the heap, and the
/// heap's holes between them, handed back by `malloc_trim` and touched
/// again as they were reused, kept the process 40 MB above what it held:
/// the seed ×3,460's PDF peaked at 112.4 MB with 54.5 MB in use at the
/// end, 97.9 MB with the size kept. A block mapped on its own goes back to
/// the system as soon as it is freed.
pub fn keep_large_blocks_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets one of glibc's tunables; any value is
    // valid for it.
    unsafe {
        /// glibc's `M_MMAP_THRESHOLD`.
        const M_MMAP_THRESHOLD: i32 = -3;
        mallopt(M_MMAP_THRESHOLD, MEDIUM.end as i32);
    }
}

/// Hands the memory that is free again back to the system: mimalloc's
/// free pages (`mi_collect`) and, with glibc, the free parts of its heap
/// (`malloc_trim`). Harmless where either allocator is not the program's.
///
/// [`crate::parse_article`] calls it between its stages for a large
/// article (from [`RETURN_FREED_FROM`] bytes): each stage frees what the
/// next does not need, but both allocators keep freed small and medium
/// blocks for reuse, and the next stage's blocks are of other sizes, so
/// without it the stages' peaks add up. The TEI of the seed ×16000
/// (38.8 MB) peaked at 207.7 MB without it, 178.4 MB with it after the
/// parse, 174 MB with it after the resolution too, in the same time.
pub fn return_freed_memory() {
    // SAFETY: neither function takes anything that could be wrong; each
    // only walks its allocator's own free lists.
    unsafe {
        mi_collect(true);
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        malloc_trim(0);
    }
}

/// [`return_freed_memory`], and mimalloc's free pages on every thread of
/// rayon's pool too: mimalloc keeps a heap per thread and `mi_collect`
/// frees the calling thread's pages only, so what the pool's threads made
/// (a long article's paragraphs are set and its pages drawn there) and
/// freed again stays theirs otherwise: the seed ×1,500's PDF peaked at
/// 187 MB with the calling thread's pages freed, 156 MB with every
/// thread's. From a thread of the pool (a batch converts an article on
/// each) the calling thread's only: the others are busy with their own
/// articles, and waiting for each to take its turn would hold this one.
pub fn return_freed_memory_everywhere() {
    if rayon::current_thread_index().is_none() {
        // SAFETY: as in `return_freed_memory`.
        rayon::broadcast(|_| unsafe { mi_collect(true) });
    }
    return_freed_memory();
}

/// [`return_freed_memory`], and mimalloc's free pages on every thread of
/// `pool` too (a pool of the program's own, not rayon's global one, whose
/// threads [`return_freed_memory_everywhere`] reaches).
pub fn return_freed_memory_in(pool: &rayon::ThreadPool) {
    // SAFETY: as in `return_freed_memory`.
    pool.broadcast(|_| unsafe { mi_collect(true) });
    return_freed_memory();
}

/// Runs `work` on a thread of its own while this one, which would only wait
/// for it, hands back every 20 ms what is freed
/// ([`return_freed_memory`]), and returns what `work` returns (a panic in
/// it goes on here). When the system gives no new thread, `work` runs
/// here, without the hand-backs.
///
/// For work that rayon's pool does with blocks this thread made: freed on
/// the pool's threads, such a block goes back to this thread's mimalloc
/// heap (and a medium one to glibc's arena of this thread), which takes it
/// back only when this thread collects; waiting in the pool, it never
/// does. A long article's paragraphs are set so: their atoms (a copy of
/// their text, made by the walk on this thread) are freed as each is set,
/// but their memory stayed until the last was, beside every line set. The
/// seed ×1,500's setting peaked at 62.5 MB that way, 51–53 MB so; the
/// seed ×3,460's at 126 MB, 96 MB so.
pub fn returning_freed_memory<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    use std::sync::atomic::{AtomicBool, Ordering};
    /// Tells the waiting thread that the work is over, even if it panicked.
    struct Over<'a>(&'a AtomicBool, std::thread::Thread);
    impl Drop for Over<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Release);
            self.1.unpark();
        }
    }
    let over = AtomicBool::new(false);
    let here = std::thread::current();
    // Taken by the thread that runs it: the new one, or this one when the
    // system gives no new thread.
    let work = std::sync::Mutex::new(Some(work));
    let take = || {
        work.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    };
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new().spawn_scoped(scope, || {
            let _over = Over(&over, here);
            take().map(|work| work())
        });
        let Ok(worker) = spawned else {
            let work = take().expect("the work is run once, here when no thread took it");
            return work();
        };
        while !over.load(Ordering::Acquire) {
            std::thread::park_timeout(RETURN_EVERY);
            if !over.load(Ordering::Acquire) {
                return_freed_memory();
            }
        }
        match worker.join() {
            Ok(Some(done)) => done,
            Ok(None) => unreachable!("the new thread always takes the work"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// How often [`returning_freed_memory`] hands freed memory back.
const RETURN_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// [`return_freed_memory`] for an article of `input_len` bytes: only from
/// [`RETURN_FREED_FROM`].
pub fn return_freed_memory_of(input_len: usize) {
    if input_len >= RETURN_FREED_FROM {
        return_freed_memory();
    }
}

/// The input size from which [`crate::parse_article`] returns freed memory
/// between its stages: below it a conversion's memory is small whatever
/// the allocators keep, and the walk would only cost time (a batch
/// converts thousands of small articles).
pub const RETURN_FREED_FROM: usize = 1 << 20;

unsafe extern "C" {
    /// mimalloc's (`libmimalloc-sys` declares it only with its `extended`
    /// feature): frees what it can of the pages it keeps.
    fn mi_collect(force: bool);
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    /// glibc's: returns the free memory of its heaps to the system.
    fn malloc_trim(pad: usize) -> i32;
    /// glibc's: sets one of its tunables.
    fn mallopt(param: i32, value: i32) -> i32;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The work's result comes back, whether it is over at once or after
    /// several hand-backs; a block made here and freed by the work is
    /// fine; a panic in the work goes on in the caller, which does not
    /// wait for ever.
    #[test]
    fn work_runs_while_freed_memory_is_handed_back() {
        assert_eq!(returning_freed_memory(|| 41 + 1), 42);
        let made_here = vec![7u8; 3000];
        let slow = returning_freed_memory(move || {
            std::thread::sleep(RETURN_EVERY * 3);
            let sum: usize = made_here.iter().map(|&b| usize::from(b)).sum();
            drop(made_here);
            sum
        });
        assert_eq!(slow, 21_000);
        let panicked =
            std::panic::catch_unwind(|| returning_freed_memory(|| panic!("in the work")));
        assert!(panicked.is_err());
    }

    /// Every block is aligned as asked, keeps its bytes through `realloc`
    /// (within mimalloc, within the system allocator, and across each line
    /// both ways) and is freed by the allocator that made it.
    #[test]
    fn blocks_keep_alignment_and_contents() {
        let a = Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            let lines = [MEDIUM.start, MEDIUM.end, LARGE];
            for size in [1, 7, 8, 24, 100, 4000, 3 * LARGE]
                .into_iter()
                .chain(lines.iter().flat_map(|&l| [l - 1, l]))
            {
                let size = size.max(align);
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero size and a valid layout; each block is
                // written within its size and freed once with its layout.
                unsafe {
                    let zeroed = a.alloc_zeroed(layout);
                    assert!(!zeroed.is_null());
                    assert_eq!(zeroed as usize % align, 0, "{size} bytes at {align}");
                    assert!(
                        std::slice::from_raw_parts(zeroed, size)
                            .iter()
                            .all(|&b| b == 0)
                    );
                    a.dealloc(zeroed, layout);

                    let p = a.alloc(layout);
                    assert_eq!(p as usize % align, 0, "{size} bytes at {align}");
                    for i in 0..size {
                        *p.add(i) = i as u8;
                    }
                    let mut block = (p, layout);
                    // Bytes that every realloc so far has kept.
                    let mut kept = size;
                    let across = lines.map(|l| if size < l { l } else { l - 1 }.max(align));
                    for new_size in [size + 1, size * 2 + LARGE, size.div_ceil(2).max(align)]
                        .into_iter()
                        .chain(across)
                    {
                        let q = a.realloc(block.0, block.1, new_size);
                        assert!(!q.is_null());
                        assert_eq!(q as usize % align, 0, "{size} → {new_size} at {align}");
                        kept = kept.min(new_size);
                        for i in 0..kept {
                            assert_eq!(*q.add(i), i as u8, "byte {i}, {size} → {new_size}");
                        }
                        block = (q, Layout::from_size_align(new_size, align).unwrap());
                    }
                    a.dealloc(block.0, block.1);
                }
            }
        }
    }
}
