//! Self-test of the validator plumbing in tests/support: jing + tei_all.rng
//! accept a minimal hand-written TEI document and reject invalid ones, so a
//! test that validates refolio's output really can fail.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::Jing;

const VALID_TEI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <teiHeader>
    <fileDesc>
      <titleStmt><title>Minimal</title></titleStmt>
      <publicationStmt><p>Unpublished test document.</p></publicationStmt>
      <sourceDesc><p>Written by hand for refolio's validator self-test.</p></sourceDesc>
    </fileDesc>
  </teiHeader>
  <text>
    <body>
      <p>Hello, <hi rend="italic">TEI</hi>.</p>
    </body>
  </text>
</TEI>
"#;

/// Well-formed XML, but `<p>` may not stand directly in `<TEI>`.
const INVALID_TEI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <p>A paragraph directly in TEI.</p>
</TEI>
"#;

/// Not even well-formed.
const MALFORMED_TEI: &str = r#"<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader>"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn jing_accepts_minimal_valid_tei() {
    let Some(jing) = Jing::find_or_skip("jing_accepts_minimal_valid_tei") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "valid.xml", VALID_TEI);
    if let Err(e) = jing.validate(&[f]) {
        panic!("minimal valid TEI rejected:\n{e}");
    }
}

#[test]
fn jing_rejects_p_directly_in_tei() {
    let Some(jing) = Jing::find_or_skip("jing_rejects_p_directly_in_tei") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "invalid.xml", INVALID_TEI);
    let err = jing.validate(&[f]).expect_err("invalid TEI was accepted");
    assert!(
        err.contains("invalid.xml:3:"),
        "report names file and line:\n{err}"
    );
    assert!(
        err.contains(r#"element "p" not allowed here"#),
        "unexpected report:\n{err}"
    );
    assert!(
        !err.contains("[warning]"),
        "JVM wrapper noise not filtered:\n{err}"
    );
}

#[test]
fn jing_rejects_malformed_xml() {
    let Some(jing) = Jing::find_or_skip("jing_rejects_malformed_xml") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "malformed.xml", MALFORMED_TEI);
    let err = jing.validate(&[f]).expect_err("malformed XML was accepted");
    assert!(
        err.contains("malformed.xml:1:"),
        "unexpected report:\n{err}"
    );
}

#[test]
fn jing_batch_reports_only_the_bad_files() {
    let Some(jing) = Jing::find_or_skip("jing_batch_reports_only_the_bad_files") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = (0..40)
        .map(|i| write(tmp.path(), &format!("ok{i:02}.xml"), VALID_TEI))
        .collect();
    jing.validate(&files)
        .unwrap_or_else(|e| panic!("40 valid files rejected:\n{e}"));

    // Bad files first and last: jing keeps going after an error.
    files.insert(0, write(tmp.path(), "bad-first.xml", INVALID_TEI));
    files.push(write(tmp.path(), "bad-last.xml", MALFORMED_TEI));
    let err = jing
        .validate(&files)
        .expect_err("batch with bad files was accepted");
    assert!(err.contains("bad-first.xml:"), "{err}");
    assert!(err.contains("bad-last.xml:"), "{err}");
    assert!(!err.contains("/ok"), "valid files reported:\n{err}");
}

#[test]
fn jing_missing_file_is_an_error() {
    let Some(jing) = Jing::find_or_skip("jing_missing_file_is_an_error") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let err = jing
        .validate(&[tmp.path().join("nope.xml")])
        .expect_err("missing file passed");
    assert!(err.contains("nope.xml"), "{err}");
}

#[test]
fn jing_noise_filter() {
    assert!(support::is_jvm_noise(
        "[warning] /usr/bin/jing: Unable to locate batik-all in /usr/share/java"
    ));
    assert!(support::is_jvm_noise("Picked up JAVA_TOOL_OPTIONS: -Xmx1g"));
    assert!(!support::is_jvm_noise(
        "/tmp/a.xml:3:6: error: element \"p\" not allowed here"
    ));
    assert!(!support::is_jvm_noise(
        "[warning] /usr/bin/jing: No java runtime was found"
    ));
}
