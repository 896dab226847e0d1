//! The flattener harness (issue 10): the corpus as web pages, flattened by
//! the tools people use, read back by refolio and scored.
//!
//! `tests/flatteners/flatten.py` renders `../shared/corpus/raw/*.md` with
//! pandoc (as `corpus/render/` does) and makes multi-use-note pages from the
//! seed-style articles (`tests/flatteners/multiuse.py`); it flattens every
//! page with Chromium's `innerText`, `w3m -dump`, `lynx -dump`, `html2text`,
//! `trafilatura` and `pandoc -t plain`, one folder per variant with the truth
//! beside each text. Each folder is converted to TEI with the binary and
//! scored with `../shared/corpus/score.py`; the table is printed on the real
//! stderr before the thresholds below are checked, all at once.
//!
//! The tools come from `scripts/install-validators.sh`. Without `../shared`,
//! python3 or a tool the test skips visibly (a failure under
//! `REFOLIO_REQUIRE_TOOLS=1`). score.py dominates the run time (with
//! cydifflib, `tests/support/score.py`, some 10 CPU-seconds a variant; two
//! CPU-minutes with difflib); `REFOLIO_FLATTENERS=w3m,multiuse-lynx` runs
//! only the variants named. To look at the texts: `python3
//! tests/flatteners/flatten.py --out /tmp/flat`.

mod support;

use support::{score_count as count, score_num as num};

use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Per variant (a folder flatten.py writes): the least citation F1, the
/// least number of articles whose reference list is recognised (see
/// [`Row::refs_recognised`]), and the least block-kind accuracy.
///
/// These are the figures measured on this code (2026-12-01; the README's
/// table), less a small margin, so that a regression fails. They are not
/// yet all the targets (F1 ≥ 0.98 with carets and superscripts,
/// ≥ 0.96 with glued digits; 35/36 lists and block kind ≥ 0.90
/// everywhere): block kind is short everywhere (figures: text browsers set
/// alt text and caption as separate blocks, the browser and pandoc plain
/// show only the caption, trafilatura drops them), and trafilatura drops
/// notes and headings of the pandoc pages.
const THRESHOLDS: &[(&str, f64, usize, f64)] = &[
    ("browser", 0.985, 35, 0.84),
    ("w3m", 0.985, 34, 0.875),
    ("lynx", 0.99, 35, 0.83),
    ("html2text", 0.975, 35, 0.83),
    ("trafilatura", 0.925, 28, 0.70),
    ("pandoc-plain", 0.985, 35, 0.83),
    ("multiuse-browser", 0.985, 35, 0.84),
    ("multiuse-w3m", 0.99, 35, 0.875),
    ("multiuse-lynx", 0.99, 35, 0.835),
    ("multiuse-html2text", 0.985, 35, 0.84),
    ("multiuse-trafilatura", 0.98, 35, 0.835),
    ("multiuse-pandoc-plain", 0.985, 35, 0.84),
];

/// The rows of [`THRESHOLDS`] to run: all of them, or those named in
/// `REFOLIO_FLATTENERS` (comma-separated variants: a quicker run while
/// tuning).
fn selected() -> Vec<(&'static str, f64, usize, f64)> {
    let only = std::env::var("REFOLIO_FLATTENERS").unwrap_or_default();
    let names: Vec<&str> = only
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let rows: Vec<_> = THRESHOLDS
        .iter()
        .copied()
        .filter(|(v, ..)| names.is_empty() || names.contains(v))
        .collect();
    assert!(
        !rows.is_empty(),
        "REFOLIO_FLATTENERS={only} names no variant of THRESHOLDS"
    );
    rows
}

/// A variant's name and its scores, or why it could not be scored.
type Scored = (String, Result<Row, String>);

/// One variant's scores.
struct Row {
    variant: String,
    articles: usize,
    f1: f64,
    precision: f64,
    recall: f64,
    /// Articles with a predicted reference count > 0 and within ±1 of the truth.
    refs_recognised: usize,
    kind_acc: f64,
    tp: u64,
    fp: u64,
    fn_: u64,
}

/// Writes on the real stderr (libtest captures only the print macros).
fn say(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// The `*.txt` files of `dir`, sorted.
fn texts(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    v
}

/// Convert one variant folder with the binary and score it. Exit 1 (error
/// diagnostics) is accepted: the TEI is still written and scored.
fn score_variant(python: &Path, corpus: &Path, dir: &Path, out: &Path) -> Result<Row, String> {
    let variant = dir.file_name().unwrap().to_string_lossy().into_owned();
    let inputs = texts(dir);
    let tei = out.join(&variant);
    let o = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .arg("convert")
        .args(&inputs)
        .args(["--to", "tei", "-o"])
        .arg(&tei)
        .output()
        .map_err(|e| format!("run refolio: {e}"))?;
    let code = o.status.code();
    if !matches!(code, Some(0 | 1)) {
        let err = String::from_utf8_lossy(&o.stderr);
        let tail: String = err.lines().rev().take(20).collect::<Vec<_>>().join("\n");
        return Err(format!("refolio convert exited {:?}:\n{tail}", o.status));
    }
    let json = out.join(format!("{variant}.score.json"));
    let o = support::score_py(python, corpus)
        .arg("--truth")
        .arg(dir)
        .arg("--pred")
        .arg(&tei)
        .arg("--json")
        .arg(&json)
        .arg("-q")
        .output()
        .map_err(|e| format!("run score.py: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "score.py failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    let text = fs::read_to_string(&json).map_err(|e| format!("{}: {e}", json.display()))?;
    let report: Value = serde_json::from_str(&text).map_err(|e| format!("score JSON: {e}"))?;
    let t = &report["total"];
    let articles = report["articles"]
        .as_array()
        .expect("score.py JSON: articles");
    let refs_recognised = articles
        .iter()
        .filter(|a| {
            let (p, want) = (count(a, "pred_refs"), count(a, "true_refs"));
            p > 0 && p.abs_diff(want) <= 1
        })
        .count();
    Ok(Row {
        variant,
        articles: articles.len(),
        f1: num(t, "f1"),
        precision: num(t, "precision"),
        recall: num(t, "recall"),
        refs_recognised,
        kind_acc: num(t, "kind_acc"),
        tp: count(t, "tp"),
        fp: count(t, "fp"),
        fn_: count(t, "fn"),
    })
}

/// The table, one line per variant (failed runs say why).
fn table(rows: &[Scored]) -> String {
    let mut s = format!(
        "\nflattener harness (tests/flatteners.rs)\n{:<22} {:>6} {:>6} {:>6} {:>9} {:>6}  tp/fp/fn\n",
        "flattener", "F1", "P", "R", "refs", "kind"
    );
    for (variant, r) in rows {
        match r {
            Ok(r) => s.push_str(&format!(
                "{:<22} {:>6.3} {:>6.3} {:>6.3} {:>9} {:>6.3}  {}/{}/{}\n",
                r.variant,
                r.f1,
                r.precision,
                r.recall,
                format!("{}/{}", r.refs_recognised, r.articles),
                r.kind_acc,
                r.tp,
                r.fp,
                r.fn_
            )),
            Err(e) => s.push_str(&format!("{variant:<22} FAILED: {e}\n")),
        }
    }
    s
}

#[test]
fn flattened_pages_meet_the_thresholds() {
    const TEST: &str = "flattened_pages_meet_the_thresholds";
    let Some(shared) = support::shared_or_skip(TEST) else {
        return;
    };
    let corpus = shared.join("corpus");
    let Some(python) = support::which("python3") else {
        support::skip(TEST, "python3 not found on PATH");
        return;
    };
    let wanted = selected();
    let mut tools: Vec<&str> = wanted
        .iter()
        .map(|(v, ..)| v.trim_start_matches("multiuse-"))
        .collect();
    tools.sort_unstable();
    tools.dedup();
    let tools = tools.join(",");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flatteners/flatten.py");
    let check = Command::new(&python)
        .arg(&script)
        .args(["--check", "--tools", &tools])
        .output()
        .expect("run flatten.py --check");
    if check.status.code() == Some(3) {
        let why = String::from_utf8_lossy(&check.stderr);
        let why = why.trim().trim_start_matches("missing: ");
        support::skip(
            TEST,
            &format!("flatteners missing: {why} (run scripts/install-validators.sh)"),
        );
        return;
    }
    assert!(
        check.status.success(),
        "flatten.py --check failed ({}): {}",
        check.status,
        String::from_utf8_lossy(&check.stderr)
    );

    let tmp = tempfile::tempdir().unwrap();
    let flat = tmp.path().join("flat");
    let o = Command::new(&python)
        .arg(&script)
        .arg("--corpus")
        .arg(&corpus)
        .arg("--out")
        .arg(&flat)
        .args(["--tools", &tools])
        .output()
        .expect("run flatten.py");
    assert!(
        o.status.success(),
        "flatten.py failed ({}):\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    say(&String::from_utf8_lossy(&o.stderr));

    // Convert and score the variants on every core: score.py's block
    // alignment is slow on texts split into many blocks.
    let out = tmp.path().join("tei");
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<(usize, Scored)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers.min(wanted.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(variant, ..)) = wanted.get(i) else {
                        break;
                    };
                    let r = score_variant(&python, &corpus, &flat.join(variant), &out);
                    rows.lock().unwrap().push((i, (variant.to_string(), r)));
                }
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by_key(|r| r.0);
    let rows: Vec<Scored> = rows.into_iter().map(|(_, r)| r).collect();
    let table = table(&rows);
    say(&table);

    let mut failures = Vec::new();
    for ((variant, r), &(_, min_f1, min_refs, min_kind)) in rows.iter().zip(&wanted) {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{variant}: {}", e.lines().next().unwrap_or("")));
                continue;
            }
        };
        if r.f1 < min_f1 {
            failures.push(format!("{variant}: citation F1 {:.3} < {min_f1}", r.f1));
        }
        if r.refs_recognised < min_refs {
            failures.push(format!(
                "{variant}: reference lists recognised {}/{} < {min_refs}",
                r.refs_recognised, r.articles
            ));
        }
        if r.kind_acc < min_kind {
            failures.push(format!(
                "{variant}: block-kind accuracy {:.3} < {min_kind}",
                r.kind_acc
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} threshold(s) missed:\n  {}\n{table}",
        failures.len(),
        failures.join("\n  ")
    );
}
