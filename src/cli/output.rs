//! Writing outputs safely: a temporary file in the destination folder,
//! renamed into place only once it is complete.

use super::{BrokenPipe, Failure};
use anyhow::Context;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Holds the temporary file `tmp` while it is open (`open`), so that an
/// interrupt removes it ([`super::interrupt`]).
fn track(held: &mut Option<super::interrupt::Registration>, tmp: &Path, open: bool) {
    *held = if open {
        super::interrupt::register(tmp)
    } else {
        None
    };
}

/// Writes `dir/name` atomically ([`refolio::write::write_atomic_with`]):
/// the content written by `fill` straight into a temporary file, renamed
/// into place once complete, so that a large output is never held whole
/// in memory and a failure leaves no partial file (and the old file, if
/// any, untouched). The temporary file is registered before it is
/// created, so an interrupt at any moment removes it. A failure of `fill`
/// is returned as it is; one of the file itself names the file.
pub fn write_atomic_with(
    dir: &Path,
    name: &OsStr,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), Failure>,
) -> Result<PathBuf, Failure> {
    /// What went wrong: the file, or what was written into it.
    enum Step {
        File(std::io::Error),
        Fill(Failure),
    }
    impl From<std::io::Error> for Step {
        fn from(e: std::io::Error) -> Step {
            Step::File(e)
        }
    }
    let mut held = None;
    let written = refolio::write::write_atomic_with(
        dir,
        name,
        |out| fill(out).map_err(Step::Fill),
        |tmp, open| track(&mut held, tmp, open),
    );
    match written {
        Ok(path) => Ok(path),
        Err(Step::Fill(failure)) => Err(failure),
        Err(Step::File(e)) => Err(Failure::usage(
            anyhow::Error::new(e).context(format!("cannot write {}", dir.join(name).display())),
        )),
    }
}

/// Writes `bytes` to standard output; a closed pipe is [`BrokenPipe`].
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `bytes` written to `dir/name` through [`write_atomic_with`].
    fn write_atomic(dir: &Path, name: &OsStr, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        write_atomic_with(dir, name, |out| {
            out.write_all(bytes).map_err(Failure::usage)
        })
        .map_err(|f| f.error)
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_atomic(dir.path(), OsStr::new("a.json"), b"one").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_atomic(dir.path(), OsStr::new("a.json"), b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![OsStr::new("a.json").to_owned()],
            "no temporary file left"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            std::fs::write(&plain, b"").unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode(&p), mode(&plain), "same permissions as any new file");
        }
    }

    #[test]
    fn failure_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: the rename fails.
        std::fs::create_dir(dir.path().join("x.json")).unwrap();
        std::fs::write(dir.path().join("x.json").join("keep"), b"").unwrap();
        assert!(write_atomic(dir.path(), OsStr::new("x.json"), b"data").is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsStr::new("x.json").to_owned()]);
    }

    #[test]
    fn a_writer_failing_half_way_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_atomic(dir.path(), OsStr::new("a.tei.xml"), b"old").unwrap();
        let failed = write_atomic_with(dir.path(), OsStr::new("a.tei.xml"), |out| {
            out.write_all(&[b'x'; 200_000]).unwrap();
            Err(Failure::input(anyhow::anyhow!("the writer gave up")))
        });
        let failure = failed.unwrap_err();
        assert_eq!(
            failure.exit,
            super::super::Exit::Input,
            "the writer's own failure"
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsStr::new("a.tei.xml").to_owned()]);
        // And a writer that succeeds replaces it, streamed through the buffer.
        write_atomic_with(dir.path(), OsStr::new("a.tei.xml"), |out| {
            for _ in 0..100 {
                out.write_all(&[b'y'; 1000]).unwrap();
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), vec![b'y'; 100_000]);
    }
}
