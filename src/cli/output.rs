//! Writing outputs safely: a temporary file in the destination folder,
//! renamed into place only once it is complete.

use super::BrokenPipe;
use anyhow::Context;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `dir/name` atomically: a failure leaves no partial file
/// (and the old file, if any, untouched).
pub fn write_atomic(dir: &Path, name: &OsStr, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let target = dir.join(name);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".refolio-").suffix(".tmp");
    #[cfg(unix)]
    let perms = {
        use std::os::unix::fs::PermissionsExt;
        // Like any new file: 0666 minus the umask (the tempfile default is 0600).
        std::fs::Permissions::from_mode(0o666)
    };
    #[cfg(unix)]
    builder.permissions(perms);
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .with_context(|| format!("cannot write {}", target.display()))?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
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
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![OsStr::new("a.json").to_owned()], "no temporary file left");
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
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![OsStr::new("x.json").to_owned()]);
    }
}
