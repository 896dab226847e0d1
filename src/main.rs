//! `refolio`: converts flattened web articles into TEI P5 XML, EPUB 3 and PDF.
//!
//! This file only parses the arguments and turns the outcome into an exit
//! code; the commands live in `cli`.

mod cli;

use clap::Parser;
use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;

/// Small blocks from mimalloc, large ones from the system allocator.
///
/// mimalloc (built without transparent huge pages) serves the many small
/// strings, vectors and tables of a conversion from per-thread pages: a
/// batch of 10,000 articles took 10% less time than with glibc's allocator
/// alone, a single TEI conversion 14% less. But it keeps freed memory for a
/// while, and a 50 MB article's TEI then peaked at 335 MB instead of 230 MB.
/// Blocks of [`LARGE`] bytes or more (the input, the joined text, the
/// solver's tables, page and file buffers) therefore come from the system
/// allocator, whose large blocks are mapped and returned to the system on
/// their own. A block is freed by the allocator that made it: `dealloc` and
/// `realloc` get the size it was made with, so its side is known.
struct Allocator;

/// The size from which a block is the system allocator's.
const LARGE: usize = 256 * 1024;

// SAFETY: every method hands a block to exactly one of two sound
// allocators, chosen by the block's size; a block's size is the same when it
// is freed as when it was made (the `GlobalAlloc` contract), so it is freed
// by the allocator that made it. A `realloc` across the line makes the new
// block first, copies the smaller of the two sizes and then frees the old.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if layout.size() >= LARGE {
                System.alloc(layout)
            } else {
                mimalloc::MiMalloc.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if layout.size() >= LARGE {
                System.alloc_zeroed(layout)
            } else {
                mimalloc::MiMalloc.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was made by `alloc` with this layout, so by the
        // allocator its size chooses.
        unsafe {
            if layout.size() >= LARGE {
                System.dealloc(ptr, layout)
            } else {
                mimalloc::MiMalloc.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; a block that changes sides is made anew
        // (with the caller's valid size and alignment), copied, then freed.
        unsafe {
            match (layout.size() >= LARGE, new_size >= LARGE) {
                (true, true) => System.realloc(ptr, layout, new_size),
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

#[global_allocator]
static GLOBAL: Allocator = Allocator;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // --help and --version print to stdout and exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    cli::clean_up_on_interrupt();
    match cli::run(args) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            cli::report(&e);
            ExitCode::from(cli::Exit::Usage as u8)
        }
    }
}
