//! The architecture of issue 12, read from the sources:
//! - the two generators refolio builds on, epub-builder and printpdf, each
//!   sit behind one adapter module that owns every workaround for their
//!   defects (the adapters' module docs have the tables); no other file
//!   names either crate in code (comments may mention them);
//! - the stages depend downward only (README, "Architecture"): no module
//!   folder of `src/` uses one above it.

mod support;

use std::path::{Path, PathBuf};

/// The adapters: the only files allowed to use epub-builder or printpdf.
const ADAPTERS: [(&str, &str); 3] = [
    ("epub_builder", "src/write/epub/builder.rs"),
    ("printpdf", "src/write/pdf/printpdf_adapter.rs"),
    ("printpdf", "src/write/pdf/printpdf_adapter/"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    out.extend(support::files_with_extension(dir, "rs"));
}

/// Whether `code` (comments already cut off) names `krate` as a whole word.
fn names(code: &str, krate: &str) -> bool {
    code.match_indices(krate).any(|(i, _)| {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        !code[..i].chars().next_back().is_some_and(word)
            && !code[i + krate.len()..].chars().next().is_some_and(word)
    })
}

/// Issue 12: epub-builder and printpdf each sit behind one adapter
/// module; no other code (comments aside) names them.
#[test]
fn only_the_adapters_name_the_generators() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for krate in ["epub_builder", "printpdf"] {
                if names(code, krate) {
                    let allowed = ADAPTERS
                        .iter()
                        .any(|(k, path)| *k == krate && rel.starts_with(path));
                    found.push((rel.clone(), n + 1, krate, allowed));
                }
            }
        }
    }
    let outside: Vec<_> = found.iter().filter(|f| !f.3).collect();
    assert!(
        outside.is_empty(),
        "named outside the adapters: {outside:?}"
    );
    // The scan sees the adapters' own uses (it is not looking at nothing).
    for krate in ["epub_builder", "printpdf"] {
        assert!(found.iter().any(|f| f.2 == krate), "{krate} not found");
    }
    assert!(names("use printpdf::Op;", "printpdf"));
    assert!(!names("let printpdf_adapter = 1;", "printpdf"));
}

/// The module folders of `src/`, lowest first, and what each may use: the
/// stages depend downward only, so there is no import loop between them.
const LAYERS: [(&str, &[&str]); 12] = [
    ("bytes", &[]),
    ("groups", &[]),
    ("chunked", &[]),
    ("ast", &["bytes"]),
    ("error", &["ast"]),
    ("diag", &["ast"]),
    ("source", &["ast", "diag", "error"]),
    ("markers", &["ast", "bytes", "chunked"]),
    ("layout", &["ast", "error"]),
    ("parse", &["ast", "diag", "error", "source", "markers"]),
    ("resolve", &["ast", "diag", "markers", "groups", "chunked"]),
    (
        "write",
        &["ast", "bytes", "diag", "error", "layout", "groups"],
    ),
];

/// The module folder (`ast`, `write` …) that a file of `src/` belongs to.
fn layer_of(rel: &str) -> &str {
    let rest = rel.trim_start_matches("src/");
    let first = rest.split('/').next().unwrap_or(rest);
    first.trim_end_matches(".rs")
}

#[test]
fn stages_depend_downward_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut wrong = Vec::new();
    let mut seen = 0;
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Some((layer, allowed)) = LAYERS.iter().find(|(l, _)| *l == layer_of(&rel)) else {
            continue; // lib.rs, main.rs and the command line sit on top
        };
        let text = std::fs::read_to_string(file).unwrap();
        // Unit test modules may reach anywhere in the crate.
        let code = text.split("#[cfg(test)]\nmod ").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                let used: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !LAYERS.iter().any(|(l, _)| *l == used) || used == *layer {
                    continue;
                }
                seen += 1;
                if !allowed.contains(&used.as_str()) {
                    wrong.push(format!("{rel}:{}: {layer} uses {used}", n + 1));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "upward or sideways uses:\n{}",
        wrong.join("\n")
    );
    assert!(seen > 50, "the scan found only {seen} uses between stages");
}
