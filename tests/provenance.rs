//! The copyright rule, checked: the repository holds only what the project
//! wrote. No run of eight words from the seed article or the corpus
//! (`../shared/seed`, `../shared/corpus`) may appear in any file of the
//! repository: sources, tests, fixtures, examples, styles, README. Tests read
//! those texts from `../shared`; they are never copied in.
//!
//! Words are runs of letters and digits, compared lowercased, so a copy
//! re-wrapped, re-punctuated or re-quoted is still found. Eight words is
//! long enough that common phrases ("at the end of the …") do not match,
//! and short enough that a copied sentence always does.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

const RUN: usize = 8;

/// Lowercased words of `text`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every run of [`RUN`] consecutive words, joined with one space.
fn runs(text: &str) -> Vec<String> {
    words(text).windows(RUN).map(|w| w.join(" ")).collect()
}

/// The `.txt` files directly in `dir`.
fn texts_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    out.sort();
    out
}

/// The repository's files: everything under the package but build output,
/// version control, installed packages and local fuzzing state (all
/// ignored by git).
fn repository_files(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
    const SKIP: [&str; 7] = [
        ".git",
        "target",
        "node_modules",
        "tests/fuzz/corpus",
        "tests/fuzz/artifacts",
        "tests/fuzz/coverage",
        "__pycache__",
    ];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy();
        let name = entry.file_name();
        if SKIP
            .iter()
            .any(|s| rel == *s || name.to_string_lossy() == *s)
        {
            continue;
        }
        if path.is_dir() {
            repository_files(&path, root, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn no_seed_or_corpus_text_in_the_repository() {
    let test = "no_seed_or_corpus_text_in_the_repository";
    let Some(shared) = support::shared_or_skip(test) else {
        return;
    };
    let mut sources = texts_in(&shared.join("seed"));
    sources.extend(texts_in(&shared.join("corpus")));
    assert!(sources.len() > 1, "no texts found in {}", shared.display());
    let mut theirs = HashSet::new();
    for p in &sources {
        let text = std::fs::read_to_string(p).unwrap();
        theirs.extend(runs(&text));
    }
    assert!(theirs.len() > 10_000, "only {} runs read", theirs.len());

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    repository_files(root, root, &mut files);
    assert!(files.iter().any(|f| f.ends_with("README.md")));
    let mut copied = Vec::new();
    for f in &files {
        // Text files only: binaries (images, fonts) hold no prose.
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let found: Vec<String> = runs(&text)
            .into_iter()
            .filter(|r| theirs.contains(r))
            .collect();
        if let Some(first) = found.first() {
            copied.push(format!(
                "{}: {} runs, first: \"{first}\"",
                f.strip_prefix(root).unwrap().display(),
                found.len()
            ));
        }
    }
    assert!(
        copied.is_empty(),
        "text of ../shared copied into the repository:\n{}",
        copied.join("\n")
    );
}

/// The check finds a copy: a sentence of a seed-like text, re-wrapped and
/// re-punctuated, still matches, and an unrelated one does not.
#[test]
fn runs_survive_rewrapping_and_punctuation() {
    let original = "The canal's summit pound was filled, for the first time, in February 1835.";
    let rewrapped = "the canal s summit pound\nwas filled for the first — time in";
    let theirs: HashSet<String> = runs(original).into_iter().collect();
    assert!(runs(rewrapped).iter().any(|r| theirs.contains(r)));
    let other = "A lighthouse keeper's log records the weather every four hours.";
    assert!(!runs(other).iter().any(|r| theirs.contains(r)));
}
