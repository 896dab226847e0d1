//! The `all` TEI profile (`--tei-profile all`) writes references as
//! GROBID-shaped `biblStruct`. It is valid against `tei_all.rng` (jing),
//! and a third-party TEI reader, `grobid-tei-xml` from PyPI, gets every
//! reference's title, author or publisher, and date from it (a date span
//! such as `Winter 1993/1994` is `@from`/`@to`, which that reader does not
//! read: the test checks those in the TEI itself).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::Jing;

fn txt_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    v
}

/// `refolio convert INPUTS -t tei --tei-profile all -o OUT`; the TEI files.
fn convert_all_profile(inputs: &[PathBuf], out: &Path) -> Vec<PathBuf> {
    let o = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .arg("convert")
        .args(inputs)
        .args(["-t", "tei", "--tei-profile", "all", "-q", "-o"])
        .arg(out)
        .output()
        .expect("run refolio");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    inputs
        .iter()
        .map(|i| {
            out.join(format!(
                "{}.tei.xml",
                i.file_stem().unwrap().to_string_lossy()
            ))
        })
        .collect()
}

/// How many `biblStruct` the files hold.
fn count_bibl_structs(files: &[PathBuf]) -> usize {
    files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .matches("<biblStruct ")
                .count()
        })
        .sum()
}

const READER: &str = r#"
import json, sys, grobid_tei_xml
for path in sys.argv[1:]:
    for r in grobid_tei_xml.parse_citation_list_xml(open(path, encoding="utf-8").read()):
        print(json.dumps({"file": path, "id": r.id, "title": r.title,
                          "authors": [a.full_name for a in r.authors],
                          "publisher": r.publisher, "date": r.date}))
"#;

#[test]
fn a_tei_reader_gets_title_author_or_publisher_and_date() {
    let test = "a_tei_reader_gets_title_author_or_publisher_and_date";
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs = txt_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("input"));
    if let Some(shared) = support::shared_or_skip(test) {
        inputs.extend(txt_files(&shared.join("seed")));
    }
    let tei = convert_all_profile(&inputs, tmp.path());
    let Some(jing) = Jing::find_or_skip(test) else {
        return;
    };
    jing.validate(&tei)
        .unwrap_or_else(|e| panic!("the all profile is not valid tei_all:\n{e}"));
    let has_reader = Command::new("python3")
        .args(["-c", "import grobid_tei_xml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_reader {
        support::skip(
            test,
            "python3 cannot import grobid_tei_xml (run scripts/install-validators.sh)",
        );
        return;
    }
    let o = Command::new("python3")
        .args(["-c", READER])
        .args(&tei)
        .output()
        .expect("run python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut read = 0;
    for line in String::from_utf8(o.stdout).unwrap().lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        read += 1;
        let file = r["file"].as_str().unwrap();
        let id = r["id"].as_str().unwrap_or("?");
        assert!(
            r["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{file} {id}: no title: {r}"
        );
        let authors = r["authors"].as_array().is_some_and(|a| !a.is_empty());
        assert!(
            authors || r["publisher"].is_string(),
            "{file} {id}: no author or publisher: {r}"
        );
        if !r["date"].is_string() {
            // A span: the TEI says it with @from and @to.
            let xml = std::fs::read_to_string(file).unwrap();
            let entry = &xml[xml.find(&format!("xml:id=\"{id}\"")).unwrap()..];
            let entry = &entry[..entry.find("</biblStruct>").unwrap()];
            assert!(
                entry.contains("from=\"") && entry.contains("to=\""),
                "{file} {id}: no date: {r}\n{entry}"
            );
        }
    }
    let structs = count_bibl_structs(&tei);
    assert_eq!(
        read, structs,
        "the reader found {read} of {structs} references"
    );
    assert!(read >= 23, "only {read} references read");
}

#[test]
fn the_corpus_in_the_all_profile_is_valid_tei_all() {
    let test = "the_corpus_in_the_all_profile_is_valid_tei_all";
    let Some(shared) = support::shared_or_skip(test) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let tei = convert_all_profile(&txt_files(&shared.join("corpus")), tmp.path());
    let Some(jing) = Jing::find_or_skip(test) else {
        return;
    };
    jing.validate(&tei)
        .unwrap_or_else(|e| panic!("the all profile is not valid tei_all:\n{e}"));
    let structs = count_bibl_structs(&tei);
    // Most corpus notes are discursive (Chicago-style notes, not entries):
    // no field is recognised and they stay `bibl`.
    assert!(structs >= 20, "only {structs} biblStruct in the corpus");
}
