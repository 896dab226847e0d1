//! How the process ends: on an interrupt (SIGINT, SIGTERM or SIGHUP), the
//! temporary files being written are removed and the exit code is 130; at
//! the end of a run, [`finish`] exits without the exit handlers.
//!
//! The names of the files being written are kept where a signal handler can
//! read them without locking or allocating: a list of slots, each an atomic
//! pointer to a C string, that only ever grows (a slot is reused once its
//! file is done, so there are as many slots as files were ever written at
//! the same time). The handler marks the run as interrupted, unlinks every
//! name in the list and calls `_exit`. Nothing here starts a thread: a
//! second thread would make every later page fault and unmapping of a
//! one-article run dearer (on the 2-core VM, ctrlc's watcher thread cost
//! 0.6 ms of a 6 ms conversion).
//!
//! A name leaves its slot in two steps, swap then free, and the handler
//! works in the opposite order, mark then read; with sequentially
//! consistent atomics one of the two always sees the other, so the handler
//! never reads a freed name: a name taken out after the mark is left
//! allocated (the process is ending).

use std::ffi::{CString, c_char, c_int};
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering::SeqCst};

/// One place for a name. `next` never changes once the slot is in the list.
struct Slot {
    name: AtomicPtr<c_char>,
    next: *mut Slot,
}

/// The first slot of the list (slots are never freed).
static SLOTS: AtomicPtr<Slot> = AtomicPtr::new(ptr::null_mut());
/// Set by the handler before it reads the slots.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A temporary file's name, held in a slot until this is dropped (once the
/// file is renamed or removed).
pub struct Registration(&'static Slot);

// SAFETY: a slot is only ever touched through its atomic pointer.
unsafe impl Sync for Slot {}

/// Holds `tmp`'s name where an interrupt will find it and remove the file.
/// A name that cannot be a C string (a NUL byte: no such file can be
/// created; off Unix, also a name that is not UTF-8) is not held.
pub fn register(tmp: &Path) -> Option<Registration> {
    let name = c_name(tmp)?.into_raw();
    // A free slot first.
    let mut at = SLOTS.load(SeqCst);
    while !at.is_null() {
        // SAFETY: slots are leaked, so they live for the rest of the run.
        let slot: &'static Slot = unsafe { &*at };
        if slot
            .name
            .compare_exchange(ptr::null_mut(), name, SeqCst, SeqCst)
            .is_ok()
        {
            return Some(Registration(slot));
        }
        at = slot.next;
    }
    // Every slot is taken: add one at the front.
    let slot: &'static mut Slot = Box::leak(Box::new(Slot {
        name: AtomicPtr::new(name),
        next: ptr::null_mut(),
    }));
    let mut head = SLOTS.load(SeqCst);
    loop {
        slot.next = head;
        match SLOTS.compare_exchange(head, slot, SeqCst, SeqCst) {
            Ok(_) => return Some(Registration(slot)),
            Err(now) => head = now,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let name = self.0.name.swap(ptr::null_mut(), SeqCst);
        if !name.is_null() && !INTERRUPTED.load(SeqCst) {
            // SAFETY: `name` came from `CString::into_raw` in `register`,
            // and the handler has not started, so it will find the slot empty.
            drop(unsafe { CString::from_raw(name) });
        }
    }
}

#[cfg(unix)]
fn c_name(path: &Path) -> Option<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).ok()
}

#[cfg(not(unix))]
fn c_name(path: &Path) -> Option<CString> {
    CString::new(path.to_str()?).ok()
}

/// Every name held now, for the handler.
fn for_each_name(mut f: impl FnMut(*const c_char)) {
    let mut at = SLOTS.load(SeqCst);
    while !at.is_null() {
        // SAFETY: slots are leaked; see the module docs for the names.
        let slot = unsafe { &*at };
        let name = slot.name.load(SeqCst);
        if !name.is_null() {
            f(name);
        }
        at = slot.next;
    }
}

#[cfg(unix)]
mod os {
    use super::{INTERRUPTED, SeqCst, c_char, c_int, for_each_name};

    unsafe extern "C" {
        fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
        fn unlink(path: *const c_char) -> c_int;
        /// Also used by [`super::finish`].
        pub fn _exit(status: c_int) -> !;
    }

    /// SIGHUP, SIGINT and SIGTERM (the same numbers on every Unix).
    const SIGNALS: [c_int; 3] = [1, 2, 15];

    /// Only async-signal-safe work: atomics, `unlink`, `_exit`.
    extern "C" fn on_signal(_: c_int) {
        INTERRUPTED.store(true, SeqCst);
        // SAFETY: the names are NUL-terminated and not freed once the
        // mark is set.
        for_each_name(|name| unsafe {
            unlink(name);
        });
        // SAFETY: ends the process without running anything else.
        unsafe { _exit(130) }
    }

    pub fn install() {
        for s in SIGNALS {
            // SAFETY: installs a handler that is async-signal-safe.
            unsafe { signal(s, on_signal) };
        }
    }
}

#[cfg(not(unix))]
mod os {
    use super::{INTERRUPTED, SeqCst, for_each_name};

    /// ctrlc's watcher thread does the same as the Unix handler.
    pub fn install() {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, SeqCst);
            for_each_name(|name| {
                // SAFETY: the names are NUL-terminated and not freed once
                // the mark is set.
                let name = unsafe { std::ffi::CStr::from_ptr(name) };
                if let Ok(path) = name.to_str() {
                    let _ = std::fs::remove_file(path);
                }
            });
            std::process::exit(130);
        });
    }
}

/// On SIGINT, SIGTERM or SIGHUP: remove the temporary files being written,
/// then exit with 130. Finished outputs stay; no partial output is ever left
/// behind.
pub fn clean_up_on_interrupt() {
    os::install();
}

/// Ends the process with `code` once standard output is flushed, without
/// the exit handlers: they would only hand memory back to the system
/// (mimalloc's `mi_process_done`) and unload the shared libraries, 0.3 ms
/// of a 6 ms conversion on the 2-core VM. Every output is complete and
/// closed by then.
pub fn finish(code: u8) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    #[cfg(unix)]
    // SAFETY: nothing is left to run; standard output is flushed and
    // standard error is not buffered.
    unsafe {
        os::_exit(c_int::from(code))
    }
    #[cfg(not(unix))]
    std::process::exit(i32::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_held_until_dropped() {
        let mark = "/nonexistent/interrupt-test";
        let name = |s: &str| format!("{mark}-{s}");
        // Other tests may hold names at the same time: look at ours only.
        let mine = || -> Vec<String> {
            let mut v = Vec::new();
            for_each_name(|n| {
                // SAFETY: held names are valid C strings.
                let n = unsafe { std::ffi::CStr::from_ptr(n) }.to_string_lossy();
                if n.starts_with(mark) {
                    v.push(n.into_owned());
                }
            });
            v.sort();
            v
        };
        let a = register(Path::new(&name("a"))).unwrap();
        let b = register(Path::new(&name("b"))).unwrap();
        assert_eq!(mine(), [name("a"), name("b")]);
        drop(a);
        assert_eq!(mine(), [name("b")]);
        let c = register(Path::new(&name("c"))).unwrap();
        assert_eq!(mine(), [name("b"), name("c")]);
        drop((b, c));
        assert_eq!(mine(), Vec::<String>::new());
        assert!(register(Path::new("nul\0byte")).is_none());
    }
}
