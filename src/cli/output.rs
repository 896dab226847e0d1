//! Writing outputs safely: a temporary file in the destination folder,
//! renamed into place only once it is complete.

use super::BrokenPipe;
use anyhow::Context;
use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files being written right now; removed if the run is interrupted.
static IN_FLIGHT: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn in_flight(f: impl FnOnce(&mut HashSet<PathBuf>)) {
    let mut guard = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(HashSet::new));
}

/// On SIGINT or SIGTERM: remove the temporary files being written, then exit
/// with 130. Finished outputs stay; no partial output is ever left behind.
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        in_flight(|files| {
            for f in files.drain() {
                let _ = std::fs::remove_file(f);
            }
        });
        std::process::exit(130);
    });
}

/// Writes `bytes` to `dir/name` atomically ([`refolio::write::write_atomic`]):
/// a failure leaves no partial file (and the old file, if any, untouched).
/// The temporary file is registered before it is created, so an interrupt
/// at any moment removes it.
pub fn write_atomic(dir: &Path, name: &OsStr, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    refolio::write::write_atomic(dir, name, bytes, |tmp, open| {
        in_flight(|f| {
            if open {
                f.insert(tmp.to_path_buf());
            } else {
                f.remove(tmp);
            }
        })
    })
    .with_context(|| format!("cannot write {}", dir.join(name).display()))
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
}
