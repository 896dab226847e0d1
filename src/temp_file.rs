//! A temporary file that several threads write at offsets they reserve and
//! read back: where a long PDF's glyphs (`layout/glyph_store.rs`) and its
//! objects in PDF syntax (`write/pdf/printpdf_adapter/save.rs`) wait until
//! they are needed, instead of in memory. It is the system's temporary
//! file (`tempfile`: deleted when closed, on Linux never named); what the
//! system keeps of it in its cache is not the process's memory, and is
//! freed under pressure. On systems other than Unix there is none, and
//! everything stays in memory.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where bytes were written: `len` bytes at `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) offset: u64,
    pub(crate) len: usize,
}

/// The file and the offsets reserved in it so far.
pub(crate) struct TempFile {
    file: std::fs::File,
    reserved: AtomicU64,
}

impl TempFile {
    /// A new, empty file, or `None` when the system gives none.
    pub(crate) fn new() -> Option<Self> {
        if !cfg!(unix) {
            return None;
        }
        Some(TempFile::in_file(tempfile::tempfile().ok()?))
    }

    /// A store in `file` (a test gives one that refuses writes).
    pub(crate) fn in_file(file: std::fs::File) -> Self {
        TempFile {
            file,
            reserved: AtomicU64::new(0),
        }
    }

    /// The offset of `len` bytes no one else writes.
    pub(crate) fn reserve(&self, len: u64) -> u64 {
        self.reserved.fetch_add(len, Ordering::Relaxed)
    }

    /// Writes all of `buf` at `offset`.
    pub(crate) fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::write_all_at(&self.file, buf, offset)
        }
        #[cfg(not(unix))]
        {
            let _ = (buf, offset);
            Err(io::Error::other("no temporary file on this system"))
        }
    }

    /// `buf` written at a new offset: where, or the error.
    pub(crate) fn append(&self, buf: &[u8]) -> io::Result<Place> {
        let offset = self.reserve(buf.len() as u64);
        self.write_at(buf, offset)?;
        Ok(Place {
            offset,
            len: buf.len(),
        })
    }

    /// The bytes at `place`, added to the end of `out`; an error when the
    /// file ends before them.
    pub(crate) fn read_into(&self, out: &mut Vec<u8>, place: Place) -> io::Result<()> {
        let at = out.len();
        out.resize(at + place.len, 0);
        if self.read_at(&mut out[at..], place.offset)? < place.len {
            out.truncate(at);
            return Err(io::Error::other(
                "what was written to the temporary file is cut short there",
            ));
        }
        Ok(())
    }

    /// Reads into `buf` from `offset` until it is full or the file ends:
    /// the bytes read.
    pub(crate) fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        #[cfg(unix)]
        {
            let mut n = 0;
            while n < buf.len() {
                match std::os::unix::fs::FileExt::read_at(
                    &self.file,
                    &mut buf[n..],
                    offset + n as u64,
                ) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(n)
        }
        #[cfg(not(unix))]
        {
            let _ = (buf, offset);
            Err(io::Error::other("no temporary file on this system"))
        }
    }
}
