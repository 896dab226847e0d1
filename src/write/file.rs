//! Writing an output file so that nobody ever sees it half written.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `dir/name` atomically: into a new temporary file in
/// `dir` (`.refolio-PID-N.tmp`, created exclusively, never a file someone
/// else put there), renamed into place once complete. A failure leaves no
/// partial file, and the old file, if any, untouched.
///
/// `track` is told the temporary file's path before it is created (`true`)
/// and once it is renamed or removed (`false`), so that a caller can remove
/// it if the process is interrupted in between (`refolio convert` does, on
/// Ctrl-C). Returns the path written.
pub fn write_atomic(
    dir: &Path,
    name: &OsStr,
    bytes: &[u8],
    track: impl FnMut(&Path, bool),
) -> std::io::Result<PathBuf> {
    write_atomic_with(dir, name, |out| out.write_all(bytes), track)
}

/// [`write_atomic`], with the content written by `fill` into the temporary
/// file (through a 64 KiB buffer) as it is made, so that it is never held
/// whole in memory: `fill` is typically [`super::render_into`]. When `fill`
/// fails, the temporary file is removed and its error returned.
pub fn write_atomic_with<E: From<std::io::Error>>(
    dir: &Path,
    name: &OsStr,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    mut track: impl FnMut(&Path, bool),
) -> Result<PathBuf, E> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let target = dir.join(name);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".refolio-{}-{n}.tmp", std::process::id()));
    track(&tmp, true);
    let result = (|| -> Result<(), E> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, file);
        fill(&mut out)?;
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, &target)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    track(&tmp, false);
    result.map(|()| target)
}
