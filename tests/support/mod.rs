//! Shared helpers for integration tests: `mod support;` in a file under tests/.
//!
//! External validators (jing + the TEI P5 schema, later EPUBCheck, Ace, qpdf,
//! poppler) are installed by `scripts/install-validators.sh`. When one is
//! missing a test calls [`skip`], which prints a visible `SKIPPED` line, or
//! fails the test when `REFOLIO_REQUIRE_TOOLS=1` (as `.ci/run` sets), so CI
//! can never go green by silently skipping.
//!
//! Each test binary uses a subset of these helpers, hence the allow below.
#![allow(dead_code)]

use std::env;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// True when `REFOLIO_REQUIRE_TOOLS=1`: missing tools or data are failures.
pub fn require_tools() -> bool {
    env::var("REFOLIO_REQUIRE_TOOLS").as_deref() == Ok("1")
}

/// Report that `test` could not run because of `why`.
///
/// Prints `SKIPPED <test>: <why>` on the process's real stderr. libtest's
/// output capture only intercepts the `print!`/`eprint!` macros, so a direct
/// write on the `std::io::stderr()` handle shows up in plain `cargo test`
/// output (no `--nocapture` needed). With `REFOLIO_REQUIRE_TOOLS=1` it panics
/// instead, failing the test.
///
/// Call it and then `return` from the test.
#[track_caller]
pub fn skip(test: &str, why: &str) {
    if require_tools() {
        panic!("{test}: {why} (REFOLIO_REQUIRE_TOOLS=1, so this is a failure, not a skip)");
    }
    let line = format!("SKIPPED {test}: {why}\n");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
}

/// `../shared` beside the package (seed data and corpus), if present.
///
/// The project must pass its tests without it; tests that need it call
/// [`shared_or_skip`].
pub fn shared_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("shared");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// [`shared_dir`], or [`skip`] and `None`.
pub fn shared_or_skip(test: &str) -> Option<PathBuf> {
    let dir = shared_dir();
    if dir.is_none() {
        skip(test, "../shared (seed/corpus) not found beside the package");
    }
    dir
}

/// Where `scripts/install-validators.sh` puts downloaded tools.
pub fn tools_dir() -> Option<PathBuf> {
    if let Some(d) = env::var_os("REFOLIO_TOOLS_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(d));
    }
    env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("refolio-tools"))
}

/// Find an executable named `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = p.metadata() else { return false };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// The jing RELAX NG validator together with the TEI P5 `tei_all.rng` schema.
#[derive(Debug, Clone)]
pub struct Jing {
    /// The `jing` executable.
    pub exe: PathBuf,
    /// The TEI P5 schema (`tei_all.rng`, TEI 4.3.0).
    pub rng: PathBuf,
}

impl Jing {
    /// Locate jing (on PATH) and the schema: `$REFOLIO_TEI_RNG`, else
    /// `$REFOLIO_TOOLS_DIR/tei_all.rng`, else `~/.cache/refolio-tools/tei_all.rng`.
    pub fn find() -> Option<Jing> {
        Self::locate().ok()
    }

    /// Like [`Jing::find`], with the reason when something is missing.
    pub fn locate() -> Result<Jing, String> {
        let exe = which("jing").ok_or_else(|| {
            "jing not found on PATH (run scripts/install-validators.sh)".to_string()
        })?;
        let rng = match env::var_os("REFOLIO_TEI_RNG").filter(|v| !v.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                if !p.is_file() {
                    return Err(format!("REFOLIO_TEI_RNG={} does not exist", p.display()));
                }
                p
            }
            None => {
                let p = tools_dir()
                    .map(|d| d.join("tei_all.rng"))
                    .ok_or_else(|| "neither REFOLIO_TOOLS_DIR nor HOME is set".to_string())?;
                if !p.is_file() {
                    return Err(format!(
                        "{} not found (run scripts/install-validators.sh or set REFOLIO_TEI_RNG)",
                        p.display()
                    ));
                }
                p
            }
        };
        Ok(Jing { exe, rng })
    }

    /// [`Jing::locate`], or [`skip`] and `None`.
    pub fn find_or_skip(test: &str) -> Option<Jing> {
        match Self::locate() {
            Ok(j) => Some(j),
            Err(why) => {
                skip(test, &why);
                None
            }
        }
    }

    /// Validate all `files` against the TEI schema in ONE jing run
    /// (`jing RNG f1 f2 …`; the JVM start and schema load dominate, ~0.35 s).
    ///
    /// `Ok(())` only when jing exits 0 and reports nothing. Otherwise `Err`
    /// holds jing's report (`file:line:col: error: …` lines, one per problem,
    /// for every file) plus the exit status. Debian's wrapper noise on
    /// stderr (`[warning] /usr/bin/jing: Unable to locate xml-apis …`) and
    /// the JVM's `Picked up …_OPTIONS` lines are filtered out.
    pub fn validate(&self, files: &[PathBuf]) -> Result<(), String> {
        if files.is_empty() {
            return Ok(());
        }
        let out = Command::new(&self.exe)
            .arg(&self.rng)
            .args(files.iter().map(|f| f.as_os_str()))
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.exe.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let report: Vec<&str> = stdout
            .lines()
            .chain(stderr.lines().filter(|l| !is_jvm_noise(l)))
            .filter(|l| !l.trim().is_empty())
            .collect();
        if out.status.success() && report.is_empty() {
            return Ok(());
        }
        let mut msg = report.join("\n");
        if !msg.is_empty() {
            msg.push('\n');
        }
        msg.push_str(&format!(
            "jing {} on {} file(s): {}",
            self.rng.display(),
            files.len(),
            out.status
        ));
        Err(msg)
    }

    /// Validate one file.
    pub fn validate_one(&self, file: impl AsRef<Path>) -> Result<(), String> {
        self.validate(&[file.as_ref().to_path_buf()])
    }
}

/// Lines on jing's stderr that are not about the documents.
pub fn is_jvm_noise(line: &str) -> bool {
    // java-wrappers (Debian's /usr/bin/jing) complains about optional jars.
    (line.starts_with("[warning] ") && line.contains(": Unable to locate "))
        || line.starts_with("Picked up _JAVA_OPTIONS:")
        || line.starts_with("Picked up JAVA_TOOL_OPTIONS:")
        || line.starts_with("Picked up JDK_JAVA_OPTIONS:")
}
