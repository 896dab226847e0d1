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

/// Bytes written, and sought in, as in a file: held in memory until they
/// pass `limit`, then in the system's temporary file (through a 64 KiB
/// buffer), or still in memory where there is none or it takes nothing. Read out whole with
/// [`Spill::copy_into`].
///
/// A zip archive is written so (its writer goes back to each entry's
/// header once the entry's data is written): an EPUB's archive made in
/// memory was held whole until it was copied into its destination, on top
/// of the article (4.4 MB for the seed ×6,920's).
#[derive(Debug)]
pub(crate) struct Spill {
    memory: io::Cursor<Vec<u8>>,
    file: Option<io::BufWriter<std::fs::File>>,
    limit: usize,
    /// A temporary file was asked for and there was none, or it took nothing.
    no_file: bool,
}

impl Spill {
    /// An empty buffer that moves to a temporary file past `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Spill {
            memory: io::Cursor::new(Vec::new()),
            file: None,
            limit,
            no_file: !cfg!(unix),
        }
    }

    /// Whether the bytes are in the temporary file.
    #[cfg(test)]
    pub(crate) fn in_file(&self) -> bool {
        self.file.is_some()
    }

    /// Moves the bytes into the temporary file, when there is one that
    /// takes them; else they stay in memory.
    fn move_to_file(&mut self) {
        let moved = tempfile::tempfile().and_then(|file| {
            let mut file = io::BufWriter::with_capacity(1 << 16, file);
            io::Write::write_all(&mut file, self.memory.get_ref())?;
            io::Seek::seek(&mut file, io::SeekFrom::Start(self.memory.position()))?;
            Ok(file)
        });
        match moved {
            Ok(file) => {
                self.file = Some(file);
                self.memory = io::Cursor::new(Vec::new());
            }
            Err(_) => self.no_file = true,
        }
    }

    /// Writes every byte into `out`, from the start.
    pub(crate) fn copy_into(self, out: &mut dyn io::Write) -> io::Result<()> {
        match self.file {
            Some(file) => {
                let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                io::Seek::seek(&mut file, io::SeekFrom::Start(0))?;
                io::copy(&mut file, out)?;
                Ok(())
            }
            None => out.write_all(self.memory.get_ref()),
        }
    }
}

impl io::Write for Spill {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The bytes held once `buf` is written where the cursor stands.
        let held = (self.memory.position() as usize)
            .saturating_add(buf.len())
            .max(self.memory.get_ref().len());
        if self.file.is_none() && !self.no_file && held > self.limit {
            self.move_to_file();
        }
        match &mut self.file {
            Some(file) => file.write(buf),
            None => self.memory.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl io::Seek for Spill {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        match &mut self.file {
            Some(file) => file.seek(pos),
            None => self.memory.seek(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    /// A write or a seek.
    #[derive(Debug, Clone)]
    enum Step {
        Write(Vec<u8>),
        Start(u64),
        Back(i64),
        End(i64),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            3 => proptest::collection::vec(any::<u8>(), 1..40).prop_map(Step::Write),
            1 => (0u64..120).prop_map(Step::Start),
            1 => (-30i64..5).prop_map(Step::Back),
            1 => (-30i64..0).prop_map(Step::End),
        ]
    }

    proptest::proptest! {
        /// Whether its bytes stay in memory or move to the temporary file,
        /// a spill reads out as a cursor over a vector given the same writes
        /// and seeks, each seek landing at the same place.
        #[test]
        fn a_spill_is_written_as_a_cursor_is(
            steps in proptest::collection::vec(step(), 0..40),
            limit in 0usize..100,
        ) {
            let mut spill = Spill::new(limit);
            let mut cursor = io::Cursor::new(Vec::new());
            for s in &steps {
                let pos = match s {
                    Step::Write(b) => {
                        spill.write_all(b).unwrap();
                        cursor.write_all(b).unwrap();
                        continue;
                    }
                    Step::Start(at) => SeekFrom::Start(*at),
                    Step::Back(by) => SeekFrom::Current(*by),
                    Step::End(by) => SeekFrom::End(*by),
                };
                let (a, b) = (spill.seek(pos), cursor.seek(pos));
                proptest::prop_assert_eq!(a.is_ok(), b.is_ok());
                if let (Ok(a), Ok(b)) = (a, b) {
                    proptest::prop_assert_eq!(a, b);
                }
            }
            let len = cursor.get_ref().len();
            proptest::prop_assert_eq!(spill.in_file(), cfg!(unix) && len > limit);
            let mut out = Vec::new();
            spill.copy_into(&mut out).unwrap();
            proptest::prop_assert_eq!(&out, cursor.get_ref());
        }
    }
}
