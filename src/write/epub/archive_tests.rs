//! [`Archive`] writes the zip crate 6.0.0's bytes.

use super::*;
use std::io::Cursor;

/// An entry: its name, how it is stored, and its data in the pieces it is
/// written in.
type Entry<'a> = (&'a str, Method, Vec<&'a [u8]>);

/// The timestamp of the tests' entries.
fn stamp() -> zip::DateTime {
    zip::DateTime::from_date_and_time(2026, 12, 7, 9, 30, 14).unwrap()
}

/// `entries` written by the zip crate into `out`, as the post-pass wrote
/// them before [`Archive`].
fn by_the_zip_crate<W: Write + Seek>(out: W, entries: &[Entry]) -> W {
    let base = zip::write::SimpleFileOptions::default()
        .last_modified_time(stamp())
        .unix_permissions(0o644);
    let mut w = zip::ZipWriter::new(out);
    for (name, method, pieces) in entries {
        let options = match method {
            Method::Stored => base.compression_method(zip::CompressionMethod::Stored),
            Method::Deflated(level) => base
                .compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(i64::from(*level))),
        };
        w.start_file(*name, options).unwrap();
        for p in pieces {
            w.write_all(p).unwrap();
        }
    }
    w.finish().unwrap()
}

/// `entries` written by [`Archive`] into `out`.
fn by_refolio<W: Write + Seek>(out: W, entries: &[Entry]) -> Result<W, WriteError> {
    let mut a = Archive::new(out, stamp())?;
    for (name, method, pieces) in entries {
        a.start(name, *method)?;
        for p in pieces {
            a.write_all(p)?;
            a.flush()?;
        }
    }
    a.finish()
}

/// Some text that deflates, `n` lines of it.
fn text(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| {
            format!(
                "<p>Line {i} of the towpath's log, {} locks down.</p>\n",
                i % 17
            )
        })
        .collect::<String>()
        .into_bytes()
}

/// An EPUB's kind of entries (stored, deflated, empty, in many pieces, a
/// name that is not ASCII) make the same archive, at the level the
/// post-pass uses and at others.
#[test]
fn an_archive_is_the_zip_crates_byte_for_byte() {
    let long = text(5000);
    let short = text(3);
    for level in [1, 2, 6, 9] {
        let entries: Vec<Entry> = vec![
            ("mimetype", Method::Stored, vec![b"application/epub+zip"]),
            (
                "META-INF/container.xml",
                Method::Deflated(level),
                vec![&short],
            ),
            ("OEBPS/empty.css", Method::Deflated(level), vec![]),
            (
                "OEBPS/chapter-1.xhtml",
                Method::Deflated(level),
                long.chunks(777).collect(),
            ),
            (
                "OEBPS/Kapitola–č.xhtml",
                Method::Deflated(level),
                vec![&short, &long],
            ),
            (
                "OEBPS/stored.bin",
                Method::Stored,
                vec![&long[..100], &[], &long[100..]],
            ),
        ];
        let theirs = by_the_zip_crate(Cursor::new(Vec::new()), &entries).into_inner();
        let ours = by_refolio(Cursor::new(Vec::new()), &entries)
            .unwrap()
            .into_inner();
        assert_eq!(ours, theirs, "level {level}");
        let mut read = zip::ZipArchive::new(Cursor::new(&ours[..])).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut read.by_index(3).unwrap(), &mut data).unwrap();
        assert_eq!(data, long);
    }
}

/// More than 65,535 entries take the ZIP64 end records, as the zip crate
/// writes them; 65,535 do not.
#[test]
fn more_entries_than_the_end_record_counts_are_written_as_the_zip_crate_does() {
    for n in [ZIP64_ENTRIES, ZIP64_ENTRIES + 2] {
        let names: Vec<String> = (0..n).map(|i| format!("e{i}")).collect();
        let entries: Vec<Entry> = names
            .iter()
            .map(|name| (name.as_str(), Method::Stored, vec![&b"x"[..]]))
            .collect();
        let theirs = by_the_zip_crate(Cursor::new(Vec::new()), &entries).into_inner();
        let ours = by_refolio(Cursor::new(Vec::new()), &entries)
            .unwrap()
            .into_inner();
        assert!(ours == theirs, "{n} entries differ");
        let zip64 = ours.windows(4).any(|w| w == 0x0606_4b50u32.to_le_bytes());
        assert_eq!(zip64, n > ZIP64_ENTRIES, "{n} entries");
    }
}

/// An output that stands `base` bytes in, holding only what is written
/// after that: an archive that runs past 4 GiB, without writing 4 GiB.
#[derive(Default)]
struct FarIn {
    base: u64,
    at: u64,
    data: Vec<u8>,
}

impl Write for FarIn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let from = (self.at - self.base) as usize;
        let to = from + buf.len();
        if self.data.len() < to {
            self.data.resize(to, 0);
        }
        self.data[from..to].copy_from_slice(buf);
        self.at += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for FarIn {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let end = self.base + self.data.len() as u64;
        self.at = match pos {
            SeekFrom::Start(n) => n,
            SeekFrom::Current(d) => self.at.checked_add_signed(d).unwrap(),
            SeekFrom::End(d) => end.checked_add_signed(d).unwrap(),
        };
        assert!(self.at >= self.base, "sought before the start");
        Ok(self.at)
    }
}

/// Entries whose headers start at 4 GiB or past it carry their offset in
/// a ZIP64 extra field, and the directory past it takes the ZIP64 end
/// records: as the zip crate writes them.
#[test]
fn an_archive_past_four_gibibytes_is_written_as_the_zip_crate_does() {
    let long = text(40);
    let entries: Vec<Entry> = vec![
        ("mimetype", Method::Stored, vec![b"application/epub+zip"]),
        ("OEBPS/a.xhtml", Method::Deflated(2), vec![&long]),
        ("OEBPS/b.xhtml", Method::Deflated(2), vec![&long]),
        ("OEBPS/c.xhtml", Method::Stored, vec![&long]),
    ];
    for before in [2000, 1000, 60, 0] {
        let far = || FarIn {
            base: ZIP64_BYTES - before,
            at: ZIP64_BYTES - before,
            data: Vec::new(),
        };
        let theirs = by_the_zip_crate(far(), &entries).data;
        let ours = by_refolio(far(), &entries).unwrap().data;
        assert!(ours == theirs, "{before} bytes before 4 GiB");
    }
}

/// A name written twice fails the archive, as the zip crate refuses it;
/// so does data with no entry started.
#[test]
fn a_name_twice_or_data_before_an_entry_fails() {
    let twice: Vec<Entry> = vec![
        ("a", Method::Stored, vec![b"1"]),
        ("b", Method::Deflated(2), vec![b"2"]),
        ("a", Method::Deflated(2), vec![b"3"]),
    ];
    let e = by_refolio(Cursor::new(Vec::new()), &twice).err().unwrap();
    assert!(
        e.to_string().contains("the entry a is written twice"),
        "{e}"
    );
    let distinct = &twice[..2];
    assert!(by_refolio(Cursor::new(Vec::new()), distinct).is_ok());

    let mut a = Archive::new(Cursor::new(Vec::new()), stamp()).unwrap();
    assert!(a.write_all(b"data").is_err());
}
