//! Real articles through the real binary: every bundled example (`input/*.txt`,
//! with its sidecar metadata), the seed and every corpus article
//! (`../shared`) are converted by `refolio convert … -t tei`, the output is
//! validated against `tei_all.rng` in ONE jing run per test, and converting a
//! second time (a new process) gives byte-identical TEI and JSON.
//!
//! `input/` is covered without `../shared`; the seed and corpus test skips
//! visibly when `../shared` is absent (a failure under REFOLIO_REQUIRE_TOOLS=1).

mod support;

use refolio::write::{Format, write};
use refolio::{ParseOptions, parse_article};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::Jing;

/// The `*.txt` files of `dir`, sorted (found by listing, so new files are
/// covered automatically).
fn txt_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.is_file())
        .collect();
    v.sort();
    v
}

/// `refolio convert INPUTS -t FORMATS -o OUT`; panics unless the exit code is
/// allowed and every input has all its outputs. Returns the TEI files.
fn convert(inputs: &[PathBuf], formats: &str, out: &Path, allowed_exit: &[i32]) -> Vec<PathBuf> {
    assert!(!inputs.is_empty(), "no inputs to convert");
    let o = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .arg("convert")
        .args(inputs)
        .args(["-t", formats, "-o"])
        .arg(out)
        .output()
        .expect("run refolio");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let code = o.status.code().expect("exit code");
    assert!(
        allowed_exit.contains(&code),
        "refolio convert -t {formats} exited {code} (allowed {allowed_exit:?}):\n{stderr}"
    );
    let mut tei = Vec::new();
    for input in inputs {
        let stem = input.file_stem().unwrap().to_string_lossy();
        for ext in formats
            .split(',')
            .map(|f| if f == "tei" { "tei.xml" } else { f })
        {
            let p = out.join(format!("{stem}.{ext}"));
            assert!(
                p.is_file(),
                "{} was not written (exit {code}):\n{stderr}",
                p.display()
            );
            if ext == "tei.xml" {
                tei.push(p);
            }
        }
    }
    tei
}

/// Every file in `a` has a byte-identical twin in `b`, and vice versa.
fn assert_same_files(a: &Path, b: &Path) {
    let names = |d: &Path| {
        let mut v: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let (na, nb) = (names(a), names(b));
    assert_eq!(na, nb, "the two runs wrote different files");
    for n in na {
        let (x, y) = (fs::read(a.join(&n)).unwrap(), fs::read(b.join(&n)).unwrap());
        if x != y {
            let at = x
                .iter()
                .zip(&y)
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            let ctx = |v: &[u8]| {
                String::from_utf8_lossy(&v[at.saturating_sub(80)..(at + 80).min(v.len())])
                    .into_owned()
            };
            panic!(
                "{:?} is not deterministic: first difference at byte {at}\nrun 1: …{}…\nrun 2: …{}…",
                n,
                ctx(&x),
                ctx(&y)
            );
        }
    }
}

/// Converts each group into its own folder (so stems may repeat across
/// groups), twice, and checks the runs agree. Returns the TEI files of run 1.
fn convert_twice(tmp: &Path, groups: &[(&str, Vec<PathBuf>, &[i32])]) -> Vec<PathBuf> {
    let mut tei = Vec::new();
    for (name, inputs, allowed) in groups {
        let (a, b) = (tmp.join("run1").join(name), tmp.join("run2").join(name));
        tei.extend(convert(inputs, "tei,json", &a, allowed));
        convert(inputs, "tei,json", &b, allowed);
        assert_same_files(&a, &b);
    }
    tei
}

/// In one process, too: the library writes the same bytes for the same input
/// parsed twice.
fn assert_library_deterministic(files: &[PathBuf]) {
    for f in files {
        let bytes = fs::read(f).unwrap();
        let render = || {
            let p = parse_article(
                "x.txt",
                bytes.clone(),
                Default::default(),
                &ParseOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let mut out = Vec::new();
            write(&p.document, Format::Tei, &mut out).unwrap();
            out
        };
        assert!(
            render() == render(),
            "{}: TEI differs between two conversions",
            f.display()
        );
    }
}

/// Every `@target` that points into the file (`#id`) names an `xml:id`
/// of the file, and each file has such links (markers and back-links).
fn assert_targets_resolve(files: &[PathBuf]) {
    let mut internal = 0;
    for f in files {
        let xml = fs::read_to_string(f).unwrap();
        let ids: std::collections::HashSet<String> =
            support::attrs(&xml, "xml:id").into_iter().collect();
        for t in support::attrs(&xml, "target") {
            if let Some(id) = t.strip_prefix('#') {
                assert!(ids.contains(id), "{}: #{id} does not resolve", f.display());
                internal += 1;
            }
        }
    }
    assert!(
        internal > files.len(),
        "only {internal} internal links in {} files",
        files.len()
    );
}

fn validate(test: &str, jing: &Jing, files: &[PathBuf]) {
    if let Err(report) = jing.validate_all_profiles(test, files) {
        let bad: Vec<String> = files
            .iter()
            .filter(|f| report.contains(&*f.to_string_lossy()))
            .map(|f| f.display().to_string())
            .collect();
        panic!(
            "{} of {} TEI files are not valid against tei_all.rng, TEI Lite or TEI Simple Print ({}):\n{report}",
            bad.len(),
            files.len(),
            bad.join(", ")
        );
    }
}

fn input_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("input")
}

#[test]
fn examples_convert_deterministically_to_valid_tei() {
    let inputs = txt_files(&input_dir());
    assert!(inputs.len() >= 3, "input/ holds the bundled examples");
    assert_library_deterministic(&inputs);
    let tmp = tempfile::tempdir().unwrap();
    // The examples are clean: no error diagnostics, so exit 0.
    let tei = convert_twice(tmp.path(), &[("input", inputs.clone(), &[0])]);
    assert_eq!(tei.len(), inputs.len());
    assert_targets_resolve(&tei);
    let test = "examples_convert_deterministically_to_valid_tei";
    let Some(jing) = Jing::find_or_skip(test) else {
        return;
    };
    validate(test, &jing, &tei);
}

#[test]
fn seed_and_corpus_convert_deterministically_to_valid_tei() {
    let test = "seed_and_corpus_convert_deterministically_to_valid_tei";
    let Some(shared) = support::shared_or_skip(test) else {
        return;
    };
    let seed = txt_files(&shared.join("seed"));
    let corpus = txt_files(&shared.join("corpus"));
    assert!(
        !seed.is_empty(),
        "no seed article in {}",
        shared.join("seed").display()
    );
    assert!(corpus.len() >= 30, "only {} corpus articles", corpus.len());
    assert_library_deterministic(&seed);
    let tmp = tempfile::tempdir().unwrap();
    // Exit 1 (an article disagrees with itself) still writes the outputs;
    // the citation figures are judged in tests/corpus_score.rs.
    let tei = convert_twice(
        tmp.path(),
        &[
            ("input", txt_files(&input_dir()), &[0]),
            ("seed", seed, &[0]),
            ("corpus", corpus, &[0, 1]),
        ],
    );
    assert_targets_resolve(&tei);
    let Some(jing) = Jing::find_or_skip(test) else {
        return;
    };
    // Everything, examples included, in one jing run per schema.
    validate(test, &jing, &tei);
}
