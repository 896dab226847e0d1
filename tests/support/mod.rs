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

/// Every file under `dir` (at any depth) whose name ends in `.{ext}`.
pub fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, ext, out);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, ext, &mut out);
    out
}

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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared");
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

/// A PDF text string as text: UTF-16BE after its byte-order mark, else
/// the bytes as UTF-8 (refolio writes only these two forms).
pub fn pdf_text(s: &[u8]) -> String {
    if let Some(utf16) = s.strip_prefix(&[0xfe, 0xff]) {
        let u: Vec<u16> = utf16
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&u).unwrap()
    } else {
        String::from_utf8(s.to_vec()).unwrap()
    }
}

/// [`which`], or a visible [`skip`] of `test` (a failure with
/// `REFOLIO_REQUIRE_TOOLS=1`) when the tool is not on `PATH`.
pub fn tool(test: &str, name: &str) -> Option<PathBuf> {
    let t = which(name);
    if t.is_none() {
        skip(
            test,
            &format!("{name} not found on PATH (run scripts/install-validators.sh)"),
        );
    }
    t
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

impl Jing {
    /// The same jing with another schema.
    pub fn with_schema(&self, rng: PathBuf) -> Jing {
        Jing {
            exe: self.exe.clone(),
            rng,
        }
    }

    /// jing with each of the TEI profiles refolio's TEI must also pass: TEI
    /// Lite and TEI Simple Print, from `../shared/schemas` (or [`skip`] and
    /// an empty list when `../shared` is absent).
    pub fn profiles_or_skip(&self, test: &str) -> Vec<Jing> {
        let Some(shared) = shared_or_skip(test) else {
            return Vec::new();
        };
        let schemas =
            ["tei_lite.rng", "tei_simplePrint.rng"].map(|name| shared.join("schemas").join(name));
        for s in &schemas {
            if !s.is_file() {
                skip(test, &format!("{} not found", s.display()));
                return Vec::new();
            }
        }
        schemas.into_iter().map(|s| self.with_schema(s)).collect()
    }

    /// [`Jing::validate`] against tei_all and every profile of
    /// [`Jing::profiles_or_skip`]: one jing run per schema.
    pub fn validate_all_profiles(&self, test: &str, files: &[PathBuf]) -> Result<(), String> {
        self.validate(files)?;
        for profile in self.profiles_or_skip(test) {
            profile.validate(files)?;
        }
        Ok(())
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

// ------------------------------------------------------------------ EPUB
// EPUBCheck 5 and Ace by DAISY, installed by scripts/install-validators.sh.

/// Where the installer puts a tool, unless `env` names it.
fn tool_path(env_var: &str, relative: &str) -> Result<PathBuf, String> {
    match env::var_os(env_var).filter(|v| !v.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.is_file() {
                Ok(p)
            } else {
                Err(format!("{env_var}={} does not exist", p.display()))
            }
        }
        None => {
            let p = tools_dir()
                .map(|d| d.join(relative))
                .ok_or_else(|| "neither REFOLIO_TOOLS_DIR nor HOME is set".to_string())?;
            if p.is_file() {
                Ok(p)
            } else {
                Err(format!(
                    "{} not found (run scripts/install-validators.sh or set {env_var})",
                    p.display()
                ))
            }
        }
    }
}

/// EPUBCheck 5 (the official jar) and the Java that runs it.
#[derive(Debug, Clone)]
pub struct EpubCheck {
    /// The `java` executable.
    pub java: PathBuf,
    /// `epubcheck.jar` (its `lib/` folder beside it).
    pub jar: PathBuf,
}

/// EPUBCheck's verdict on one file.
#[derive(Debug, Clone, Default)]
pub struct EpubCheckResult {
    /// The file checked.
    pub file: PathBuf,
    /// Counts by severity.
    pub fatals: u32,
    /// Errors.
    pub errors: u32,
    /// Warnings.
    pub warnings: u32,
    /// Usage notes (`-u`), when asked for.
    pub usages: u32,
    /// EPUBCheck's messages about this file (`ERROR(RSC-005): …`).
    pub messages: Vec<String>,
}

impl EpubCheckResult {
    /// No fatal error, error, warning or usage note.
    pub fn is_clean(&self) -> bool {
        self.fatals == 0 && self.errors == 0 && self.warnings == 0 && self.usages == 0
    }
}

impl EpubCheck {
    /// Locate java (on PATH) and the jar: `$REFOLIO_EPUBCHECK_JAR`, else
    /// `$REFOLIO_TOOLS_DIR/epubcheck-5.3.0/epubcheck.jar`.
    pub fn locate() -> Result<EpubCheck, String> {
        let java = which("java").ok_or("java not found on PATH")?;
        let jar = tool_path("REFOLIO_EPUBCHECK_JAR", "epubcheck-5.3.0/epubcheck.jar")?;
        Ok(EpubCheck { java, jar })
    }

    /// [`EpubCheck::locate`], or [`skip`] and `None`.
    pub fn find_or_skip(test: &str) -> Option<EpubCheck> {
        match Self::locate() {
            Ok(e) => Some(e),
            Err(why) => {
                skip(test, &why);
                None
            }
        }
    }

    /// Check all `files` in ONE JVM (tests/support/EpubCheckBatch.java, run
    /// by Java's source launcher with the jar on the class path), with usage
    /// notes when `usage` (EPUBCheck's `-u`). One result per file, in order;
    /// `Err` if the batch itself failed.
    pub fn check(&self, files: &[PathBuf], usage: bool) -> Result<Vec<EpubCheckResult>, String> {
        if files.is_empty() {
            return Ok(vec![]);
        }
        let batch = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/EpubCheckBatch.java");
        let mut cmd = Command::new(&self.java);
        cmd.arg("-cp").arg(&self.jar).arg(&batch);
        if usage {
            cmd.arg("--usage");
        }
        let out = cmd
            .args(files)
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.java.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut results = Vec::new();
        let mut pending: Vec<String> = Vec::new();
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("EPUBCHECK-RESULT\t") {
                let f: Vec<&str> = rest.splitn(5, '\t').collect();
                let num = |i: usize| f.get(i).and_then(|v| v.parse::<u32>().ok());
                let (Some(fatals), Some(errors), Some(warnings), Some(usages), Some(file)) =
                    (num(0), num(1), num(2), num(3), f.get(4))
                else {
                    return Err(format!("unreadable result line: {line}"));
                };
                results.push(EpubCheckResult {
                    file: PathBuf::from(file),
                    fatals,
                    errors,
                    warnings,
                    usages,
                    messages: std::mem::take(&mut pending),
                });
            } else if !line.trim().is_empty() && !line.starts_with("Validating using EPUB version")
            {
                pending.push(line.to_string());
            }
        }
        if !out.status.success() || results.len() != files.len() {
            return Err(format!(
                "EPUBCheck batch failed ({}; {} of {} results)\nstdout:\n{stdout}\nstderr:\n{stderr}",
                out.status,
                results.len(),
                files.len()
            ));
        }
        Ok(results)
    }
}

/// Ace by DAISY (`ace-puppeteer`) and the Chromium it drives.
#[derive(Debug, Clone)]
pub struct Ace {
    /// The `ace-puppeteer` executable.
    pub exe: PathBuf,
    /// The browser (`$PUPPETEER_EXECUTABLE_PATH`, else `chromium` on PATH).
    pub chromium: PathBuf,
}

/// One violation Ace reports.
#[derive(Debug, Clone)]
pub struct AceViolation {
    /// The document it is about.
    pub file: String,
    /// The rule (`html-has-lang`, `metadata-accessmode`, …).
    pub rule: String,
    /// `critical`, `serious`, `moderate` or `minor`.
    pub impact: String,
    /// What is wrong.
    pub description: String,
}

impl Ace {
    /// Locate `ace-puppeteer` (`$REFOLIO_ACE`, else
    /// `$REFOLIO_TOOLS_DIR/ace-1.4.6/node_modules/.bin/ace-puppeteer`) and
    /// Chromium.
    pub fn locate() -> Result<Ace, String> {
        let exe = tool_path("REFOLIO_ACE", "ace-1.4.6/node_modules/.bin/ace-puppeteer")?;
        which("node").ok_or("node not found on PATH")?;
        let chromium = match env::var_os("PUPPETEER_EXECUTABLE_PATH").filter(|v| !v.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => which("chromium").ok_or("chromium not found on PATH")?,
        };
        Ok(Ace { exe, chromium })
    }

    /// [`Ace::locate`], or [`skip`] and `None`.
    pub fn find_or_skip(test: &str) -> Option<Ace> {
        match Self::locate() {
            Ok(a) => Some(a),
            Err(why) => {
                skip(test, &why);
                None
            }
        }
    }

    /// Run Ace on `epub`, writing its reports into `outdir`; the violations
    /// of its JSON report (empty when it passes). `Err` if Ace did not run.
    pub fn check(&self, epub: &Path, outdir: &Path) -> Result<Vec<AceViolation>, String> {
        // Its own folder for the unpacked book and temporary reports, so
        // that runs at the same time share nothing on disk.
        let tempdir = outdir.with_extension("ace-tmp");
        let run = || {
            let _ = std::fs::create_dir_all(&tempdir);
            Command::new(&self.exe)
                .args(["-f", "-s", "-o"])
                .arg(outdir)
                .arg("-t")
                .arg(&tempdir)
                .arg(epub)
                .env("PUPPETEER_EXECUTABLE_PATH", &self.chromium)
                .env("PUPPETEER_SKIP_DOWNLOAD", "1")
                .output()
                .map_err(|e| format!("could not run {}: {e}", self.exe.display()))
        };
        let report = outdir.join("report.json");
        let mut out = run()?;
        // Ace writes a report whatever it finds; none means its Chromium did
        // not start or timed out (seen under load). Up to twice more, after a
        // pause, visibly.
        for attempt in 2..=3 {
            if report.is_file() {
                break;
            }
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "ace: no report for {} ({}); attempt {attempt} of 3",
                epub.display(),
                out.status
            );
            drop(err);
            std::thread::sleep(std::time::Duration::from_secs(2));
            out = run()?;
        }
        let text = std::fs::read_to_string(&report).map_err(|e| {
            format!(
                "Ace wrote no {} ({e}; {}):\n{}{}",
                report.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", report.display()))?;
        let mut violations = Vec::new();
        for subject in json["assertions"].as_array().into_iter().flatten() {
            let file = subject["earl:testSubject"]["url"]
                .as_str()
                .unwrap_or("?")
                .to_string();
            for a in subject["assertions"].as_array().into_iter().flatten() {
                violations.push(AceViolation {
                    file: file.clone(),
                    rule: a["earl:test"]["dct:title"]
                        .as_str()
                        .unwrap_or("?")
                        .to_string(),
                    impact: a["earl:test"]["earl:impact"]
                        .as_str()
                        .unwrap_or("?")
                        .to_string(),
                    description: a["earl:result"]["dct:description"]
                        .as_str()
                        .unwrap_or("?")
                        .to_string(),
                });
            }
        }
        let outcome = json["earl:result"]["earl:outcome"].as_str().unwrap_or("?");
        if violations.is_empty() && outcome != "pass" {
            return Err(format!(
                "Ace's outcome is {outcome:?} without violations listed"
            ));
        }
        Ok(violations)
    }
}

/// A module folder of the tools: `$ENV_VAR`, else `relative` inside
/// [`tools_dir`]; it must hold `marker`.
fn tool_dir(env_var: &str, relative: &str, marker: &str) -> Result<PathBuf, String> {
    let dir = match env::var_os(env_var).filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => tools_dir()
            .map(|d| d.join(relative))
            .ok_or_else(|| "neither REFOLIO_TOOLS_DIR nor HOME is set".to_string())?,
    };
    if dir.join(marker).is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "{} not found (run scripts/install-validators.sh or set {env_var})",
            dir.join(marker).display()
        ))
    }
}

/// foliate-js (Foliate 3's engine) in headless Chromium, driven by
/// puppeteer-core through `tests/foliate/popup.js`.
#[derive(Debug, Clone)]
pub struct Foliate {
    /// The `foliate-js` module folder (`$REFOLIO_FOLIATE_JS`, else
    /// `$REFOLIO_TOOLS_DIR/foliate-js-1.0.1/node_modules/foliate-js`).
    pub module: PathBuf,
    /// The `puppeteer-core` module folder (`$REFOLIO_PUPPETEER_CORE`, else
    /// `$REFOLIO_TOOLS_DIR/puppeteer-core-24.43.1/node_modules/puppeteer-core`).
    pub puppeteer: PathBuf,
    /// The browser (`$PUPPETEER_EXECUTABLE_PATH`, else `chromium` on PATH).
    pub chromium: PathBuf,
}

impl Foliate {
    /// Locate node, Chromium and puppeteer-core ([`Browser::locate`]), and
    /// foliate-js.
    pub fn locate() -> Result<Foliate, String> {
        let Browser {
            puppeteer,
            chromium,
        } = Browser::locate()?;
        let module = tool_dir(
            "REFOLIO_FOLIATE_JS",
            "foliate-js-1.0.1/node_modules/foliate-js",
            "footnotes.js",
        )?;
        Ok(Foliate {
            module,
            puppeteer,
            chromium,
        })
    }

    /// [`Foliate::locate`], or [`skip`] and `None`.
    pub fn find_or_skip(test: &str) -> Option<Foliate> {
        match Self::locate() {
            Ok(f) => Some(f),
            Err(why) => {
                skip(test, &why);
                None
            }
        }
    }

    /// Opens `epub` in foliate-js, clicks the citation `cite_id`, then the
    /// back-link to it in the pop-up; the harness's JSON report.
    pub fn popup(&self, epub: &Path, cite_id: &str) -> Result<serde_json::Value, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/foliate/popup.js");
        let out = Command::new("node")
            .arg(script)
            .arg(&self.puppeteer)
            .arg(&self.chromium)
            .arg(&self.module)
            .arg(epub)
            .arg(cite_id)
            .output()
            .map_err(|e| format!("cannot run node: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "popup.js failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "popup.js printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Lays out every chapter of each of `epubs` in ONE headless Chromium
    /// at each of `widths` (px) and measures where its lines start
    /// (`tests/foliate/lines.js`); the script's JSON report, one result per
    /// book, width and chapter.
    pub fn lines(&self, epubs: &[PathBuf], widths: &[u32]) -> Result<serde_json::Value, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/foliate/lines.js");
        let mut cmd = Command::new("node");
        cmd.arg(script)
            .arg(&self.puppeteer)
            .arg(&self.chromium)
            .args(epubs);
        for w in widths {
            cmd.arg("--width").arg(w.to_string());
        }
        let out = cmd.output().map_err(|e| format!("cannot run node: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "lines.js failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "lines.js printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// `python` running the corpus scorer (`corpus/score.py`) through
/// `tests/support/score.py`, which gives it cydifflib's SequenceMatcher
/// (the same reports, some 12 times faster); its arguments follow.
pub fn score_py(python: &Path, corpus: &Path) -> Command {
    let mut c = Command::new(python);
    c.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/score.py"))
        .arg(corpus.join("score.py"));
    c
}

/// A number field of a `score.py --json` record.
pub fn score_num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("score.py JSON: no number `{key}` in {v}"))
}

/// A count field of a `score.py --json` record.
pub fn score_count(v: &serde_json::Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("score.py JSON: no count `{key}` in {v}"))
}

/// The values of attribute `attr` (by its full name, `xml:id`) on every
/// element of `xml`, unescaped.
pub fn attrs(xml: &str, attr: &str) -> Vec<String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut v = vec![];
    loop {
        match r.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                for a in e.attributes() {
                    let a = a.unwrap();
                    if a.key.0 == attr {
                        v.push(quick_xml::escape::unescape(&a.value).unwrap().into_owned());
                    }
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    v
}

/// The W3C Nu Html Checker (`vnu.jar` of npm `vnu-jar`), run with the
/// machine's Java.
#[derive(Debug, Clone)]
pub struct Vnu {
    /// `$REFOLIO_VNU_JAR`, else
    /// `$REFOLIO_TOOLS_DIR/vnu-jar-26.9.27/node_modules/vnu-jar/build/dist/vnu.jar`.
    pub jar: PathBuf,
}

impl Vnu {
    /// Locate java and vnu.jar.
    pub fn locate() -> Result<Vnu, String> {
        which("java").ok_or("java not found on PATH")?;
        let dir = tool_dir(
            "REFOLIO_VNU_DIR",
            "vnu-jar-26.9.27/node_modules/vnu-jar/build/dist",
            "vnu.jar",
        )?;
        Ok(Vnu {
            jar: dir.join("vnu.jar"),
        })
    }

    /// [`Vnu::locate`], or [`skip`] and `None`.
    pub fn find_or_skip(test: &str) -> Option<Vnu> {
        match Self::locate() {
            Ok(v) => Some(v),
            Err(why) => {
                skip(test, &why);
                None
            }
        }
    }

    /// Checks every file in one run; the errors and warnings (`--format
    /// gnu` lines; info messages left out), empty when all pass.
    pub fn check(&self, files: &[PathBuf]) -> Result<Vec<String>, String> {
        let out = Command::new("java")
            .arg("-jar")
            .arg(&self.jar)
            .args(["--format", "gnu", "--also-check-css"])
            .args(files)
            .output()
            .map_err(|e| format!("cannot run java: {e}"))?;
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.contains(": info:") && !is_jvm_noise(l))
            .map(String::from)
            .collect())
    }
}

/// Headless Chromium driven by puppeteer-core, for the Node harnesses that
/// need no reading system (`tests/html/notes.js`).
#[derive(Debug, Clone)]
pub struct Browser {
    /// The `puppeteer-core` module folder.
    pub puppeteer: PathBuf,
    /// The browser.
    pub chromium: PathBuf,
}

impl Browser {
    /// Locate node, Chromium and puppeteer-core.
    pub fn locate() -> Result<Browser, String> {
        which("node").ok_or("node not found on PATH")?;
        let puppeteer = tool_dir(
            "REFOLIO_PUPPETEER_CORE",
            "puppeteer-core-24.43.1/node_modules/puppeteer-core",
            "package.json",
        )?;
        let chromium = match env::var_os("PUPPETEER_EXECUTABLE_PATH").filter(|v| !v.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => which("chromium").ok_or("chromium not found on PATH")?,
        };
        Ok(Browser {
            puppeteer,
            chromium,
        })
    }

    /// [`Browser::locate`], or [`skip`] and `None`.
    pub fn find_or_skip(test: &str) -> Option<Browser> {
        match Self::locate() {
            Ok(b) => Some(b),
            Err(why) => {
                skip(test, &why);
                None
            }
        }
    }
}
