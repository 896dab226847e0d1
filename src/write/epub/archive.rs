//! The EPUB's zip archive, written entry by entry into a seekable output,
//! byte for byte as the zip crate 6.0.0's `ZipWriter` writes it with the
//! options the post-pass gives (`mimetype` stored, the rest deflated at one
//! level; one timestamp; permissions 0644; no extra fields but ZIP64's, no
//! comment), but holding some 32 bytes and its name for each entry where
//! the zip crate held some 480 (its `ZipFileData` and the map of names
//! over them: 6.9 MB of the EPUB of 14,400 chapters at its peak, which is
//! the archive's end).
//!
//! What it writes, as the zip crate does:
//! - each entry's local header with a zero CRC and sizes, its name, a ZIP64
//!   extra field only when the header starts at 4 GiB or more (the offset
//!   alone), then the data, then the CRC and sizes written into the header
//!   (no data descriptor: the output is seekable);
//! - the central directory in the entries' order, "made by" Unix with the
//!   version needed (1.0 stored, 2.0 deflated), external attributes
//!   `0o100644 << 16`, the UTF-8 flag for a name that is not ASCII;
//! - the ZIP64 end of central directory record and its locator when there
//!   are more than 65,535 entries or the directory starts or runs past
//!   4 GiB, then the end of central directory record.
//!
//! An entry of 4 GiB or more is refused, as the zip crate refuses it
//! without its `large_file` option, and so is a name written twice.
//! `archive_tests` compares its bytes with the zip crate's.

use crate::error::WriteError;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::{self, Seek, SeekFrom, Write};

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    /// As it is (`mimetype`).
    Stored,
    /// Deflated at this level (1–9).
    Deflated(u32),
}

impl Method {
    /// The method's number in the headers.
    fn number(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated(_) => 8,
        }
    }

    /// The version needed to extract an entry so stored (APPNOTE 4.4.3.2):
    /// 1.0, or 2.0 for deflate.
    fn version_needed(self) -> u16 {
        match self {
            Method::Stored => 10,
            Method::Deflated(_) => 20,
        }
    }
}

/// The largest size or offset a header holds without ZIP64.
const ZIP64_BYTES: u64 = u32::MAX as u64;

/// The most entries the end of central directory record counts.
const ZIP64_ENTRIES: usize = u16::MAX as usize;

/// What the central directory needs of a written entry.
#[derive(Debug, Clone, Copy)]
struct Written {
    /// Where its name starts in [`Archive::names`].
    name_at: usize,
    /// Its name's length in bytes.
    name_len: u16,
    /// Its method.
    method: Method,
    /// The CRC-32 of its data.
    crc: u32,
    /// Its data's size as written.
    compressed: u32,
    /// Its data's size.
    size: u32,
    /// Where its local header starts.
    header_at: u64,
}

/// The entry being written.
struct Open {
    /// What the central directory will need of it, its CRC and sizes not
    /// yet known.
    entry: Written,
    /// Where its data starts.
    data_at: u64,
    /// The CRC-32 of its data so far.
    crc: crc32fast::Hasher,
    /// Its data's size so far.
    size: u64,
}

/// The output, counting what is written into it.
struct Counted<W> {
    out: W,
    /// Its position.
    at: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Where the data goes: into the output, or through a deflater into it.
enum Sink<W: Write> {
    Plain(Counted<W>),
    Deflating(DeflateEncoder<Counted<W>>),
    /// Between the two, or after a failure.
    Gone,
}

/// A zip archive being written into `W` (see the [module docs](self)).
pub(super) struct Archive<W: Write + Seek> {
    sink: Sink<W>,
    /// The written entries, in order.
    written: Vec<Written>,
    /// Their names, one after another.
    names: String,
    /// The timestamp of every entry: its MS-DOS time and date parts.
    time: u16,
    date: u16,
    open: Option<Open>,
}

impl<W: Write + Seek> Archive<W> {
    /// An archive written into `out` from where it stands, every entry
    /// stamped `modified`.
    pub(super) fn new(mut out: W, modified: zip::DateTime) -> io::Result<Self> {
        let at = out.stream_position()?;
        Ok(Archive {
            sink: Sink::Plain(Counted { out, at }),
            written: Vec::new(),
            names: String::new(),
            time: modified.timepart(),
            date: modified.datepart(),
            open: None,
        })
    }

    /// The output, when no entry's data is being deflated.
    fn plain(&mut self) -> Result<&mut Counted<W>, WriteError> {
        match &mut self.sink {
            Sink::Plain(out) => Ok(out),
            _ => Err(failed("the archive's output is not at hand")),
        }
    }

    /// Ends the entry being written, if any, and starts `name`, whose data
    /// is then written into the archive.
    pub(super) fn start(&mut self, name: &str, method: Method) -> Result<(), WriteError> {
        self.finish_entry()?;
        let name_len = u16::try_from(name.len())
            .map_err(|_| failed(format!("an entry's name is {} bytes long", name.len())))?;
        let name_at = self.names.len();
        self.names.push_str(name);
        let (time, date) = (self.time, self.date);
        let out = self.plain()?;
        let header_at = out.at;
        let mut header = Vec::with_capacity(30 + name.len() + 12);
        put32(&mut header, 0x0403_4b50);
        put16(&mut header, method.version_needed());
        put16(&mut header, flags(name.as_bytes()));
        put16(&mut header, method.number());
        put16(&mut header, time);
        put16(&mut header, date);
        header.extend_from_slice(&[0; 12]);
        put16(&mut header, name_len);
        let extra = zip64_extra(header_at);
        put16(&mut header, extra.len() as u16);
        header.extend_from_slice(name.as_bytes());
        header.extend_from_slice(&extra);
        out.write_all(&header)?;
        let data_at = out.at;
        if let Method::Deflated(level) = method {
            let Sink::Plain(out) = std::mem::replace(&mut self.sink, Sink::Gone) else {
                unreachable!("the output was at hand")
            };
            self.sink = Sink::Deflating(DeflateEncoder::new(out, Compression::new(level)));
        }
        self.open = Some(Open {
            entry: Written {
                name_at,
                name_len,
                method,
                crc: 0,
                compressed: 0,
                size: 0,
                header_at,
            },
            data_at,
            crc: crc32fast::Hasher::new(),
            size: 0,
        });
        Ok(())
    }

    /// Ends the entry being written: its data finished, its CRC and sizes
    /// written into its local header.
    fn finish_entry(&mut self) -> Result<(), WriteError> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        self.sink = match std::mem::replace(&mut self.sink, Sink::Gone) {
            Sink::Deflating(d) => Sink::Plain(d.finish()?),
            other => other,
        };
        let out = self.plain()?;
        let end = out.at;
        let compressed = end - open.data_at;
        if compressed > ZIP64_BYTES || open.size > ZIP64_BYTES {
            return Err(failed("an entry of 4 GiB or more"));
        }
        let crc = open.crc.finalize();
        let mut sizes = Vec::with_capacity(12);
        put32(&mut sizes, crc);
        put32(&mut sizes, compressed as u32);
        put32(&mut sizes, open.size as u32);
        out.out.seek(SeekFrom::Start(open.entry.header_at + 14))?;
        out.out.write_all(&sizes)?;
        out.out.seek(SeekFrom::Start(end))?;
        self.written.push(Written {
            crc,
            compressed: compressed as u32,
            size: open.size as u32,
            ..open.entry
        });
        Ok(())
    }

    /// Ends the last entry, writes the central directory and the end
    /// records, and gives the output back.
    pub(super) fn finish(mut self) -> Result<W, WriteError> {
        self.finish_entry()?;
        self.no_name_twice()?;
        let Sink::Plain(mut out) = std::mem::replace(&mut self.sink, Sink::Gone) else {
            return Err(failed("the archive's output is not at hand"));
        };
        let start = out.at;
        let mut version_needed = 10;
        let mut header = Vec::with_capacity(46 + 64 + 12);
        for w in &self.written {
            let name = self.name_of(w).as_bytes();
            let needed = w.method.version_needed();
            version_needed = version_needed.max(needed);
            let extra = zip64_extra(w.header_at);
            header.clear();
            put32(&mut header, 0x0201_4b50);
            // Made by Unix (3), with the version needed.
            put16(&mut header, 3 << 8 | needed);
            put16(&mut header, needed);
            put16(&mut header, flags(name));
            put16(&mut header, w.method.number());
            put16(&mut header, self.time);
            put16(&mut header, self.date);
            put32(&mut header, w.crc);
            put32(&mut header, w.compressed);
            put32(&mut header, w.size);
            put16(&mut header, w.name_len);
            put16(&mut header, extra.len() as u16);
            // No comment, disk 0, no internal attributes.
            header.extend_from_slice(&[0; 6]);
            put32(&mut header, 0o100644 << 16);
            put32(&mut header, w.header_at.min(ZIP64_BYTES) as u32);
            header.extend_from_slice(name);
            header.extend_from_slice(&extra);
            out.write_all(&header)?;
        }
        let size = out.at - start;
        let entries = self.written.len();
        let mut end = Vec::with_capacity(56 + 20 + 22);
        if entries > ZIP64_ENTRIES || size.max(start) > ZIP64_BYTES {
            put32(&mut end, 0x0606_4b50);
            put64(&mut end, 44);
            put16(&mut end, version_needed);
            put16(&mut end, version_needed);
            put32(&mut end, 0);
            put32(&mut end, 0);
            put64(&mut end, entries as u64);
            put64(&mut end, entries as u64);
            put64(&mut end, size);
            put64(&mut end, start);
            put32(&mut end, 0x0706_4b50);
            put32(&mut end, 0);
            put64(&mut end, start + size);
            put32(&mut end, 1);
        }
        let counted = entries.min(ZIP64_ENTRIES) as u16;
        put32(&mut end, 0x0605_4b50);
        put32(&mut end, 0);
        put16(&mut end, counted);
        put16(&mut end, counted);
        put32(&mut end, size.min(ZIP64_BYTES) as u32);
        put32(&mut end, start.min(ZIP64_BYTES) as u32);
        put16(&mut end, 0);
        out.write_all(&end)?;
        Ok(out.out)
    }

    /// The name of the written entry `w`.
    fn name_of(&self, w: &Written) -> &str {
        &self.names[w.name_at..w.name_at + usize::from(w.name_len)]
    }

    /// Fails when two entries have one name (the zip crate refuses the
    /// second as it is started).
    fn no_name_twice(&self) -> Result<(), WriteError> {
        let name = |i: u32| self.name_of(&self.written[i as usize]);
        let mut order: Vec<u32> = (0..self.written.len() as u32).collect();
        order.sort_unstable_by_key(|&i| name(i));
        for pair in order.windows(2) {
            let [a, b] = [pair[0], pair[1]].map(name);
            if a == b {
                return Err(failed(format!("the entry {a} is written twice")));
            }
        }
        Ok(())
    }
}

impl<W: Write + Seek> Write for Archive<W> {
    /// Writes into the entry being written (an error when none is).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(open) = &mut self.open else {
            return Err(io::Error::other("no entry of the archive has been started"));
        };
        let n = match &mut self.sink {
            Sink::Plain(out) => out.write(buf)?,
            Sink::Deflating(d) => d.write(buf)?,
            Sink::Gone => return Err(io::Error::other("the archive's output is not at hand")),
        };
        open.crc.update(&buf[..n]);
        open.size += n as u64;
        if open.size > ZIP64_BYTES {
            return Err(io::Error::other("an entry of 4 GiB or more"));
        }
        Ok(n)
    }

    /// Does nothing: an entry is finished when the next starts (flushing
    /// the deflater would end its block there, with an empty block to mark
    /// the place: bytes that reading the entry does not need), and the
    /// output when the archive is.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The general purpose flags of an entry named `name`: UTF-8 (bit 11)
/// when it is not ASCII.
fn flags(name: &[u8]) -> u16 {
    if name.is_ascii() { 0 } else { 1 << 11 }
}

/// The ZIP64 extra field of an entry whose local header starts at
/// `header_at`: its offset, when the headers cannot hold it.
fn zip64_extra(header_at: u64) -> Vec<u8> {
    let mut extra = Vec::new();
    if header_at >= ZIP64_BYTES {
        put16(&mut extra, 1);
        put16(&mut extra, 8);
        put64(&mut extra, header_at);
    }
    extra
}

fn put16(v: &mut Vec<u8>, n: u16) {
    v.extend_from_slice(&n.to_le_bytes());
}

fn put32(v: &mut Vec<u8>, n: u32) {
    v.extend_from_slice(&n.to_le_bytes());
}

fn put64(v: &mut Vec<u8>, n: u64) {
    v.extend_from_slice(&n.to_le_bytes());
}

fn failed(detail: impl Into<String>) -> WriteError {
    WriteError::Assembly {
        stage: "zip",
        detail: detail.into(),
    }
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod archive_tests;
