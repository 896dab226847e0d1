//! The acceptance figures on the real corpus (`../shared/corpus`): convert
//! every article with the binary, score the TEI with the corpus's own
//! `score.py` (python3, standard library only; run with cydifflib's
//! SequenceMatcher by `tests/support/score.py` when it is installed) and
//! hold the totals to the thresholds. Then again with every `[]` back-link removed from the
//! articles, when order and plausibility alone must find the markers.
//!
//! The measured totals are printed on the real stderr, so they show in plain
//! `cargo test` output and in CI logs. Without python3 or `../shared` the
//! tests skip visibly (failures under REFOLIO_REQUIRE_TOOLS=1).

mod support;

use support::{score_count as count, score_num as num};

use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Citation F1 over the corpus, with back-links.
const MIN_F1: f64 = 0.998;
/// Block-kind accuracy over the corpus.
const MIN_KIND_ACC: f64 = 0.94;
/// Citation F1 over the corpus with every `[]` removed.
const MIN_F1_STRIPPED: f64 = 0.99;

struct Setup {
    python: PathBuf,
    corpus: PathBuf,
}

fn setup(test: &str) -> Option<Setup> {
    let shared = support::shared_or_skip(test)?;
    let Some(python) = support::which("python3") else {
        support::skip(
            test,
            "python3 not found on PATH (needed for ../shared/corpus/score.py)",
        );
        return None;
    };
    Some(Setup {
        python,
        corpus: shared.join("corpus"),
    })
}

/// The `*.txt` articles of `dir`, sorted.
fn articles(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.is_file())
        .collect();
    v.sort();
    v
}

/// `refolio convert ARTICLES --to tei -o OUT`. Exit 1 (an article with error
/// diagnostics) is accepted: its output is still written and scored. Every
/// article must have its `.tei.xml`.
fn convert(inputs: &[PathBuf], out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .arg("convert")
        .args(inputs)
        .args(["--to", "tei", "-o"])
        .arg(out)
        .output()
        .expect("run refolio");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let code = o.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "refolio convert exited {code}:\n{stderr}"
    );
    let missing: Vec<String> = inputs
        .iter()
        .map(|i| {
            out.join(format!(
                "{}.tei.xml",
                i.file_stem().unwrap().to_string_lossy()
            ))
        })
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "not written (exit {code}): {missing:?}\n{stderr}"
    );
}

/// Runs score.py and returns its JSON report `{articles: [...], total: {...}}`.
fn score(s: &Setup, truth: &Path, pred: &Path, json: &Path) -> Value {
    let o = support::score_py(&s.python, &s.corpus)
        .arg("--truth")
        .arg(truth)
        .arg("--pred")
        .arg(pred)
        .arg("--json")
        .arg(json)
        .arg("-q")
        .output()
        .expect("run python3 score.py");
    assert!(
        o.status.success(),
        "score.py failed ({}):\n{}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = fs::read_to_string(json).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    serde_json::from_str(&text).expect("score.py JSON")
}

/// Names of the articles for which `pred` is false.
fn failing(report: &Value, pred: impl Fn(&Value) -> bool) -> Vec<String> {
    report["articles"]
        .as_array()
        .expect("score.py JSON: articles")
        .iter()
        .filter(|a| !pred(a))
        .map(|a| a["name"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// Articles with citation errors, as `name (tp/fp/fn)`.
fn citation_misses(report: &Value) -> Vec<String> {
    report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| count(a, "fp") + count(a, "fn") > 0)
        .map(|a| {
            format!(
                "{} ({}/{}/{})",
                a["name"].as_str().unwrap_or("?"),
                count(a, "tp"),
                count(a, "fp"),
                count(a, "fn")
            )
        })
        .collect()
}

/// One line of figures on the real stderr (libtest does not capture it).
fn print_totals(label: &str, report: &Value) {
    let t = &report["total"];
    let hard = if count(t, "true_hard") > 0 {
        format!(
            ", after-a-digit recall {}/{}",
            count(t, "hard_tp"),
            count(t, "true_hard")
        )
    } else {
        String::new()
    };
    let line = format!(
        "corpus score ({label}): {} articles, well-formed {}, titles {}, reference counts {}; \
         citations tp={} fp={} fn={} P={:.4} R={:.4} F1={:.4}; block-kind accuracy {:.4} ({}/{}){hard}\n",
        count(t, "articles"),
        count(t, "wellformed"),
        count(t, "title_match"),
        count(t, "refs_match"),
        count(t, "tp"),
        count(t, "fp"),
        count(t, "fn"),
        num(t, "precision"),
        num(t, "recall"),
        num(t, "f1"),
        num(t, "kind_acc"),
        count(t, "kind_correct"),
        count(t, "true_blocks"),
    );
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
}

#[test]
fn corpus_meets_the_acceptance_thresholds() {
    let Some(s) = setup("corpus_meets_the_acceptance_thresholds") else {
        return;
    };
    let inputs = articles(&s.corpus);
    assert!(inputs.len() >= 30, "only {} corpus articles", inputs.len());
    let tmp = tempfile::tempdir().unwrap();
    let pred = tmp.path().join("tei");
    convert(&inputs, &pred);
    let report = score(&s, &s.corpus, &pred, &tmp.path().join("score.json"));
    print_totals("with back-links", &report);

    let t = &report["total"];
    let n = count(t, "articles");
    assert_eq!(n as usize, inputs.len(), "score.py scored every article");
    let bad = failing(&report, |a| a["wellformed"] == true);
    assert!(bad.is_empty(), "TEI not well-formed: {bad:?}");
    let bad = failing(&report, |a| a["title_match"] == true);
    assert!(bad.is_empty(), "title differs from the truth: {bad:?}");
    let bad = failing(&report, |a| a["refs_match"] == true);
    assert!(
        bad.is_empty(),
        "reference count differs from the truth: {bad:?}"
    );
    let f1 = num(t, "f1");
    assert!(
        f1 >= MIN_F1,
        "citation F1 {f1:.4} < {MIN_F1}; articles with misses (tp/fp/fn): {:?}",
        citation_misses(&report)
    );
    let acc = num(t, "kind_acc");
    assert!(
        acc >= MIN_KIND_ACC,
        "block-kind accuracy {acc:.4} < {MIN_KIND_ACC}; worst: {:?}",
        failing(&report, |a| a["kind_acc"].as_f64().unwrap_or(0.0) >= 0.9)
    );
}

#[test]
fn corpus_without_backlinks_still_finds_the_markers() {
    let Some(s) = setup("corpus_without_backlinks_still_finds_the_markers") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let stripped = tmp.path().join("stripped");
    fs::create_dir(&stripped).unwrap();
    let mut inputs = Vec::new();
    for src in articles(&s.corpus) {
        let name = src.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        let dst = stripped.join(&name);
        fs::write(&dst, text.replace("[]", "")).unwrap();
        inputs.push(dst);
        let truth = format!("{}.truth.json", name.strip_suffix(".txt").unwrap());
        fs::copy(s.corpus.join(&truth), stripped.join(&truth))
            .unwrap_or_else(|e| panic!("{truth}: {e}"));
    }
    assert!(inputs.len() >= 30, "only {} corpus articles", inputs.len());
    let pred = tmp.path().join("tei");
    convert(&inputs, &pred);
    let report = score(&s, &stripped, &pred, &tmp.path().join("score.json"));
    print_totals("without back-links", &report);

    let t = &report["total"];
    assert_eq!(
        count(t, "articles") as usize,
        inputs.len(),
        "score.py scored every article"
    );
    let bad = failing(&report, |a| a["wellformed"] == true);
    assert!(bad.is_empty(), "TEI not well-formed: {bad:?}");
    let f1 = num(t, "f1");
    assert!(
        f1 >= MIN_F1_STRIPPED,
        "citation F1 without back-links {f1:.4} < {MIN_F1_STRIPPED}; articles with misses (tp/fp/fn): {:?}",
        citation_misses(&report)
    );
}
