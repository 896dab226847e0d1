//! Golden files: for every bundled example `input/STEM.txt` (found by listing
//! `input/`, so a new example is covered automatically), the TEI and JSON that
//! `refolio convert` writes (with the example's sidecar metadata) and the
//! short-rendered diagnostics must equal the checked-in
//!
//!   tests/golden/STEM.tei.xml
//!   tests/golden/STEM.json
//!   tests/golden/STEM.diagnostics.txt   (one `render_short` per diagnostic; may be empty)
//!   tests/golden/STEM.pandoc.json       (pandoc's JSON AST, issue 16)
//!   tests/golden/STEM.md                (Markdown with footnotes)
//!   tests/golden/STEM.html              (the standalone HTML page)
//!
//! On a mismatch the test shows a diff of the first differing lines. After an
//! intended change, regenerate and review:
//!
//!   BLESS=1 cargo test --test golden
//!   git diff tests/golden
//!
//! BLESS also removes golden files whose example is gone. The package version
//! is written as `@VERSION@` in the golden files, so a version bump alone
//! does not need a bless.

use refolio::{ParseOptions, parse_article};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Kinds of golden file, by the suffix after the stem.
const KINDS: [&str; 6] = [
    "tei.xml",
    "json",
    "diagnostics.txt",
    "pandoc.json",
    "md",
    "html",
];
/// The formats written, and their files' suffixes.
const WRITTEN: [(&str, &str); 5] = [
    ("tei", "tei.xml"),
    ("json", "json"),
    ("pandoc", "pandoc.json"),
    ("markdown", "md"),
    ("html", "html"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Stems of `input/*.txt`, sorted.
fn example_stems() -> Vec<String> {
    let dir = root().join("input");
    let mut v: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.is_file())
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The version-independent form that the golden files hold.
fn normalize(text: &str) -> String {
    text.replace(&format!("\"{VERSION}\""), "\"@VERSION@\"")
        .replace(&format!("refolio {VERSION}"), "refolio @VERSION@")
}

/// Everything the golden files compare, keyed by file name.
fn actual_outputs(stems: &[String]) -> Vec<(String, String)> {
    let tmp = tempfile::tempdir().unwrap();
    // The real command line, from the package root, so the sidecars are read
    // as a user's would be and the input names are `input/STEM.txt`.
    let inputs: Vec<String> = stems.iter().map(|s| format!("input/{s}.txt")).collect();
    let o = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .current_dir(root())
        .arg("convert")
        .args(&inputs)
        .arg("-t")
        .arg(WRITTEN.map(|(f, _)| f).join(","))
        .arg("-o")
        .arg(tmp.path())
        .output()
        .expect("run refolio");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let code = o.status.code().expect("exit code");
    assert!(code <= 1, "refolio convert exited {code}:\n{stderr}");

    let mut out = Vec::new();
    for (stem, input) in stems.iter().zip(&inputs) {
        for (_, ext) in WRITTEN {
            let p = tmp.path().join(format!("{stem}.{ext}"));
            let text = fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("{} (exit {code}): {e}\n{stderr}", p.display()));
            // pandoc JSON is one line: the golden file holds the version,
            // the metadata and each block on a line of its own, so that a
            // diff shows which block changed.
            let text = if ext == "pandoc.json" {
                let v: serde_json::Value = serde_json::from_str(&text).expect("pandoc JSON");
                let mut lines = vec![v["pandoc-api-version"].to_string(), v["meta"].to_string()];
                lines.extend(
                    v["blocks"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|b| b.to_string()),
                );
                lines.join("\n") + "\n"
            } else {
                text
            };
            out.push((format!("{stem}.{ext}"), normalize(&text)));
        }
        // The diagnostics, rendered as the CLI prints them when stderr is
        // not a terminal (metadata does not affect them).
        let bytes = fs::read(root().join(input)).unwrap();
        let parsed = parse_article(input, bytes, Default::default(), &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        let mut diags = String::new();
        for d in &parsed.diagnostics {
            let line = d.render_short(&parsed.source);
            assert!(
                stderr.contains(&line),
                "the CLI did not print `{line}`:\n{stderr}"
            );
            diags.push_str(&line);
            diags.push('\n');
        }
        out.push((format!("{stem}.diagnostics.txt"), diags));
    }
    out
}

/// One line of an edit script: kept, removed (expected only) or added (actual only).
#[derive(Clone, Copy, PartialEq)]
enum Op {
    Keep,
    Del,
    Add,
}

/// A line diff (longest common subsequence of the lines that differ, after
/// trimming the common head and tail): the ops with their line indexes in
/// `e` and `a`.
fn edit_script(e: &[&str], a: &[&str]) -> Vec<(Op, usize, usize)> {
    let head = e.iter().zip(a).take_while(|(x, y)| x == y).count();
    let tail = e[head..]
        .iter()
        .rev()
        .zip(a[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (em, am) = (&e[head..e.len() - tail], &a[head..a.len() - tail]);
    let mut ops: Vec<(Op, usize, usize)> = (0..head).map(|k| (Op::Keep, k, k)).collect();
    if em.len().saturating_mul(am.len()) > 4_000_000 {
        // Too big to align: every middle line is removed, then re-added.
        ops.extend((0..em.len()).map(|i| (Op::Del, head + i, head)));
        ops.extend((0..am.len()).map(|j| (Op::Add, head + em.len(), head + j)));
    } else {
        // lcs[i][j] = LCS length of em[i..] and am[j..].
        let mut lcs = vec![vec![0u32; am.len() + 1]; em.len() + 1];
        for i in (0..em.len()).rev() {
            for j in (0..am.len()).rev() {
                lcs[i][j] = if em[i] == am[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < em.len() || j < am.len() {
            if i < em.len() && j < am.len() && em[i] == am[j] {
                ops.push((Op::Keep, head + i, head + j));
                i += 1;
                j += 1;
            } else if i < em.len() && (j == am.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
                ops.push((Op::Del, head + i, head + j));
                i += 1;
            } else {
                ops.push((Op::Add, head + i, head + j));
                j += 1;
            }
        }
    }
    ops.extend((0..tail).map(|k| (Op::Keep, e.len() - tail + k, a.len() - tail + k)));
    ops
}

/// A unified diff of the first few hunks (line numbers 1-based), with the
/// column of the first differing character.
fn diff(expected: &str, actual: &str) -> String {
    const CONTEXT: usize = 3;
    const MAX_HUNKS: usize = 3;
    const MAX_CHANGED_LINES: usize = 40;
    let e: Vec<&str> = expected.split_inclusive('\n').collect();
    let a: Vec<&str> = actual.split_inclusive('\n').collect();
    let ops = edit_script(&e, &a);
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != Op::Keep).collect();
    let Some(&first) = changed.first() else {
        return "(no difference)\n".into();
    };

    let mut s = String::new();
    let (_, fe, fa) = ops[first];
    let col = match (e.get(fe), a.get(fa)) {
        (Some(x), Some(y)) => x.chars().zip(y.chars()).take_while(|(p, q)| p == q).count() + 1,
        _ => 1,
    };
    let _ = writeln!(
        s,
        "first difference: expected line {}, actual line {}, column {col}",
        fe + 1,
        fa + 1
    );

    // Group the changes into hunks: changes closer than 2*CONTEXT lines share one.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &k in &changed {
        match hunks.last_mut() {
            Some((_, end)) if k <= *end + 2 * CONTEXT => *end = k,
            _ => hunks.push((k, k)),
        }
    }
    let mut shown = 0;
    for &(lo, hi) in hunks.iter().take(MAX_HUNKS) {
        let (lo, hi) = (
            lo.saturating_sub(CONTEXT),
            (hi + CONTEXT).min(ops.len() - 1),
        );
        let count = |op: Op| {
            ops[lo..=hi]
                .iter()
                .filter(|o| o.0 == Op::Keep || o.0 == op)
                .count()
        };
        let _ = writeln!(
            s,
            "@@ -{},{} +{},{} @@",
            ops[lo].1 + 1,
            count(Op::Del),
            ops[lo].2 + 1,
            count(Op::Add)
        );
        for &(op, i, j) in &ops[lo..=hi] {
            let (sign, line) = match op {
                Op::Keep => (' ', e[i]),
                Op::Del => ('-', e[i]),
                Op::Add => ('+', a[j]),
            };
            if op != Op::Keep {
                shown += 1;
                if shown > MAX_CHANGED_LINES {
                    let _ = writeln!(s, "… (diff cut after {MAX_CHANGED_LINES} changed lines)");
                    return s;
                }
            }
            let line = line
                .strip_suffix('\n')
                .map_or_else(|| format!("{line}⏎ (no newline at end)"), str::to_string);
            let _ = writeln!(s, "{sign}{line}");
        }
    }
    if hunks.len() > MAX_HUNKS {
        let _ = writeln!(s, "… and {} more hunk(s)", hunks.len() - MAX_HUNKS);
    }
    s
}

fn say(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{msg}");
}

#[test]
fn examples_match_their_golden_files() {
    let stems = example_stems();
    assert!(!stems.is_empty(), "no input/*.txt");
    let dir = root().join("tests").join("golden");
    let actual = actual_outputs(&stems);
    let bless = bless();
    if bless {
        fs::create_dir_all(&dir).unwrap();
    }

    let mut problems = Vec::new();
    for (name, text) in &actual {
        let path = dir.join(name);
        let expected = match fs::read(&path) {
            Ok(b) => {
                Some(String::from_utf8(b).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        if expected.as_deref() == Some(text.as_str()) {
            continue;
        }
        if bless {
            fs::write(&path, text).unwrap();
            say(&format!("BLESS: wrote tests/golden/{name}"));
            continue;
        }
        problems.push(match expected {
            None => format!("tests/golden/{name} is missing"),
            Some(exp) => {
                format!(
                    "tests/golden/{name} differs from the output:\n{}",
                    diff(&exp, text)
                )
            }
        });
    }

    // Golden files of examples that no longer exist.
    let wanted: BTreeSet<&str> = actual.iter().map(|(n, _)| n.as_str()).collect();
    if let Ok(rd) = fs::read_dir(&dir) {
        let mut stale: Vec<PathBuf> = rd
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                KINDS.iter().any(|k| n.ends_with(&format!(".{k}"))) && !wanted.contains(&*n)
            })
            .collect();
        stale.sort();
        for p in stale {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            if bless {
                fs::remove_file(&p).unwrap();
                say(&format!(
                    "BLESS: removed tests/golden/{n} (no input/ example)"
                ));
            } else {
                problems.push(format!(
                    "tests/golden/{n} belongs to no input/*.txt example"
                ));
            }
        }
    }

    assert!(
        problems.is_empty(),
        "{} golden mismatch(es); if the change is intended, run `BLESS=1 cargo test --test golden` \
         and review `git diff tests/golden`.\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn diff_shows_the_first_differing_lines() {
    let exp = "a\nb\nc\nd\ne\nf\ng\n";
    let act = "a\nb\nc\nd\nX\nf\ng\n";
    let d = diff(exp, act);
    assert!(
        d.starts_with(
            "first difference: expected line 5, actual line 5, column 1\n@@ -2,6 +2,6 @@\n"
        ),
        "{d}"
    );
    assert!(d.ends_with(" b\n c\n d\n-e\n+X\n f\n g\n"), "{d}");
    // Only the changed line, not everything between two changes.
    let exp: String = (0..40).map(|i| format!("line {i}\n")).collect();
    let act = exp
        .replace("line 5\n", "line five\n")
        .replace("line 30\n", "");
    let d = diff(&exp, &act);
    assert!(d.contains("-line 5\n+line five\n"), "{d}");
    assert!(
        d.contains("@@ -28,7 +28,6 @@\n line 27\n line 28\n line 29\n-line 30\n line 31\n"),
        "{d}"
    );
    assert!(!d.contains("line 15"), "{d}");
    let d = diff("a\n", "a\nb");
    assert!(d.contains("+b⏎ (no newline at end)"), "{d}");
    let d = diff("a\nb\n", "a\n");
    assert!(d.contains("\n-b\n") && !d.contains("\n+"), "{d}");
    assert!(diff("same\n", "same\n").contains("no difference"));
}
