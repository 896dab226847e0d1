//! The `refolio` command line: exit codes, standard input and output,
//! sidecar metadata, refusals, and that failures leave no files behind.
//!
//! The articles here are tiny and written for these tests.

mod support;
use support::tool;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A small article: three markers matching the back-link counts, one
/// section, a reference list under a "References" heading.
const ARTICLE: &str = "\
Harbour lights of the northern coast

The old lighthouse was rebuilt after the storm of the previous winter1 and reopened in spring.

Keepers and their logs

Every keeper wrote a daily log of weather and ships1 and the logs survive in the town archive2.

References

1. Logbooks of the coast; Town Archive; 2020-01-01[][]
2. A history of small harbours; Harbour Press; 2019[]
";

/// Reference 1 has two back-links but only one marker: an error diagnostic.
const DISAGREEING: &str = "\
A short note

Only one marker here1 for the first source.

References

1. The first source; Some Publisher; 2018[][]
";

fn refolio(args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_refolio"));
    cmd.args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("run refolio");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(bytes).expect("write stdin");
    }
    child.wait_with_output().expect("wait for refolio")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Names of the entries of `dir` (empty if it does not exist), sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => vec![],
    };
    v.sort();
    v
}

fn setup(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in files {
        let p = tmp.path().join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(p, bytes).expect("write fixture");
    }
    tmp
}

fn read(p: PathBuf) -> String {
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn convert_ok_exits_0_and_writes_tei_into_out() {
    let tmp = setup(&[("harbour.txt", ARTICLE.as_bytes())]);
    let o = refolio(&["convert", "harbour.txt"], tmp.path(), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The default formats include TEI and EPUB (tests/epub.rs checks the EPUB).
    let out = entries(&tmp.path().join("out"));
    assert!(out.contains(&"harbour.tei.xml".to_string()), "{out:?}");
    assert!(out.contains(&"harbour.epub".to_string()), "{out:?}");
    let tei = read(tmp.path().join("out/harbour.tei.xml"));
    assert!(tei.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-model href="));
    assert!(tei.contains("?>\n<TEI xmlns=\"http://www.tei-c.org/ns/1.0\" xml:lang=\"en\">"));
    assert!(
        tei.contains("<title type=\"main\">Harbour lights of the northern coast</title>"),
        "{tei}"
    );
    assert!(
        tei.contains(
            "winter<ref type=\"biblio\" target=\"#ref-1\" xml:id=\"cite-1-1\">1</ref> and"
        ),
        "{tei}"
    );
    assert!(
        tei.contains("archive<ref type=\"biblio\" target=\"#ref-2\" xml:id=\"cite-2-1\">2</ref>."),
        "{tei}"
    );
    assert!(tei.contains("<head>Keepers and their logs</head>"), "{tei}");
    assert!(tei.contains("<bibl xml:id=\"ref-1\" n=\"1\">"), "{tei}");
    assert!(
        tei.contains("<ref type=\"backlink\" target=\"#cite-1-2\">[]</ref>"),
        "{tei}"
    );
}

#[test]
fn converted_article_is_valid_tei() {
    let Some(jing) = support::Jing::find_or_skip("converted_article_is_valid_tei") else {
        return;
    };
    let tmp = setup(&[
        ("harbour.txt", ARTICLE.as_bytes()),
        ("note.txt", DISAGREEING.as_bytes()),
    ]);
    let o = refolio(
        &["convert", "harbour.txt", "note.txt", "-o", "tei"],
        tmp.path(),
        None,
    );
    assert!(code(&o) <= 1, "{}", stderr(&o));
    let files = vec![
        tmp.path().join("tei/harbour.tei.xml"),
        tmp.path().join("tei/note.tei.xml"),
    ];
    if let Err(report) = jing.validate(&files) {
        panic!("invalid TEI:\n{report}");
    }
}

#[test]
fn json_and_tei_together() {
    let tmp = setup(&[("harbour.txt", ARTICLE.as_bytes())]);
    let o = refolio(
        &["convert", "harbour.txt", "--to", "tei,json", "-o", "res"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        entries(&tmp.path().join("res")),
        ["harbour.json", "harbour.tei.xml"]
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(tmp.path().join("res/harbour.json"))).expect("JSON");
    assert_eq!(json["format"], 1);
    assert_eq!(
        json["document"]["title"]["text"],
        "Harbour lights of the northern coast"
    );
    assert_eq!(
        json["document"]["references"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn stdin_to_stdout() {
    let tmp = setup(&[]);
    let o = refolio(
        &["convert", "-", "-o", "-"],
        tmp.path(),
        Some(ARTICLE.as_bytes()),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("<?xml") && out.ends_with("</TEI>\n"),
        "{out}"
    );
    assert!(out.contains("xml:id=\"cite-1-2\""), "{out}");
    assert!(
        entries(tmp.path()).is_empty(),
        "nothing written to disk: {:?}",
        entries(tmp.path())
    );

    let o = refolio(
        &["convert", "-", "-o", "-", "-t", "json"],
        tmp.path(),
        Some(ARTICLE.as_bytes()),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["document"]["meta"]["lang"], "en");
}

#[test]
fn stdin_to_a_folder_is_named_stdin() {
    let tmp = setup(&[]);
    let o = refolio(
        &["convert", "-", "-o", "o", "-t", "tei"],
        tmp.path(),
        Some(ARTICLE.as_bytes()),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(entries(&tmp.path().join("o")), ["stdin.tei.xml"]);
}

#[test]
fn stdout_needs_one_input_and_one_format() {
    let tmp = setup(&[("a.txt", ARTICLE.as_bytes()), ("b.txt", ARTICLE.as_bytes())]);
    let o = refolio(
        &["convert", "a.txt", "-o", "-", "-t", "tei,json"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).starts_with("refolio: "), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let o = refolio(&["convert", "a.txt", "b.txt", "-o", "-"], tmp.path(), None);
    assert_eq!(code(&o), 2);
    assert!(o.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let tmp = setup(&[("a.txt", ARTICLE.as_bytes())]);
    for args in [
        &["convert"][..],
        &["convert", "a.txt", "--to", "docx"],
        &["convert", "a.txt", "--bogus"],
        &["frobnicate"],
        &["convert", "-", "-"],
        &["convert", "a.txt", "--lang", "en_GB"],
        &["convert", "a.txt", "--author", "bell\u{7}"],
    ] {
        let o = refolio(args, tmp.path(), Some(b""));
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
    }
    assert!(entries(&tmp.path().join("out")).is_empty());
    let o = refolio(
        &["convert", "a.txt", "--author", "bell\u{7}"],
        tmp.path(),
        None,
    );
    assert!(stderr(&o).contains("`author`"), "{}", stderr(&o));
}

#[test]
fn missing_input_exits_2_but_the_others_are_converted() {
    let tmp = setup(&[("a.txt", ARTICLE.as_bytes())]);
    let o = refolio(
        &["convert", "missing.txt", "a.txt", "-t", "tei"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("refolio: cannot read missing.txt"),
        "{}",
        stderr(&o)
    );
    assert_eq!(entries(&tmp.path().join("out")), ["a.tei.xml"]);
}

#[test]
fn help_documents_exit_codes() {
    let tmp = setup(&[]);
    for args in [
        &["--help"][..],
        &["convert", "--help"],
        &["check", "--help"],
    ] {
        let o = refolio(args, tmp.path(), None);
        assert_eq!(code(&o), 0);
        let out = stdout(&o);
        assert!(
            out.contains("Exit codes:") && out.contains("--strict"),
            "{args:?}: {out}"
        );
    }
}

#[test]
fn invalid_utf8_exits_1_naming_offset_and_line_and_writes_nothing() {
    let mut bytes = b"A title\n\nFine text.\n\nBad \xff byte here.\n".to_vec();
    bytes.extend_from_slice(b"More.\n");
    let tmp = setup(&[("bad.txt", &bytes)]);
    let o = refolio(&["convert", "bad.txt", "-t", "tei,json"], tmp.path(), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad.txt"), "{err}");
    assert!(err.contains("byte offset 25"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(
        entries(&tmp.path().join("out")).is_empty(),
        "{:?}",
        entries(&tmp.path().join("out"))
    );
}

#[test]
fn lossy_accepts_invalid_utf8_with_a_warning() {
    let tmp = setup(&[("bad.txt", b"A title\n\nBad \xff byte.\n")]);
    let o = refolio(&["convert", "bad.txt", "--lossy"], tmp.path(), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(read(tmp.path().join("out/bad.tei.xml")).contains('\u{FFFD}'));
    let o = refolio(
        &["convert", "bad.txt", "--lossy", "--strict"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

#[test]
fn empty_input_exits_1_and_writes_nothing() {
    let tmp = setup(&[("empty.txt", b""), ("blank.txt", b"  \n\n\t\n")]);
    for name in ["empty.txt", "blank.txt"] {
        let o = refolio(&["convert", name, "-t", "tei,json"], tmp.path(), None);
        assert_eq!(code(&o), 1, "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(name) && stderr(&o).contains("empty"),
            "{}",
            stderr(&o)
        );
        assert!(
            entries(&tmp.path().join("out")).is_empty(),
            "{:?}",
            entries(&tmp.path().join("out"))
        );
    }
}

#[test]
fn too_large_input_exits_1() {
    let tmp = setup(&[("a.txt", ARTICLE.as_bytes())]);
    let o = refolio(
        &["convert", "a.txt", "--max-input-bytes", "10"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-input-bytes"), "{}", stderr(&o));
    assert!(entries(&tmp.path().join("out")).is_empty());
    let o = refolio(
        &["convert", "-", "-o", "-", "--max-input-bytes", "10"],
        tmp.path(),
        Some(ARTICLE.as_bytes()),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_bad_input_does_not_stop_the_others() {
    let tmp = setup(&[("empty.txt", b""), ("good.txt", ARTICLE.as_bytes())]);
    let o = refolio(
        &["convert", "empty.txt", "good.txt", "-t", "tei"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(entries(&tmp.path().join("out")), ["good.tei.xml"]);
}

#[test]
fn error_diagnostics_exit_1_but_still_write_output() {
    let tmp = setup(&[("note.txt", DISAGREEING.as_bytes())]);
    let o = refolio(&["convert", "note.txt"], tmp.path(), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("note.txt:") && err.contains("error"), "{err}");
    let tei = read(tmp.path().join("out/note.tei.xml"));
    // The second back-link has no marker to point to: no @target.
    assert!(tei.contains("<ref type=\"backlink\">[]</ref>"), "{tei}");
}

#[test]
fn warnings_fail_only_with_strict() {
    // A control character is a warning, and never reaches the output.
    let text = ARTICLE.replace("rebuilt after", "rebuilt\u{1} after");
    let tmp = setup(&[("w.txt", text.as_bytes())]);
    let o = refolio(&["convert", "w.txt"], tmp.path(), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("w.txt:3:"),
        "diagnostic with line:column: {}",
        stderr(&o)
    );
    let tei = read(tmp.path().join("out/w.tei.xml"));
    assert!(
        !tei.contains('\u{1}') && tei.contains("rebuilt after"),
        "{tei}"
    );
    let o = refolio(&["convert", "w.txt", "--strict"], tmp.path(), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let o = refolio(&["check", "w.txt", "--strict"], tmp.path(), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

#[test]
fn sidecar_is_merged_under_the_flags() {
    let sidecar = "lang = \"cs\"\nauthor = \"Sidecar Author\"\ndate = \"2021-05-06\"\nsource-url = \"https://example.org/harbour\"\n";
    let tmp = setup(&[
        ("harbour.txt", ARTICLE.as_bytes()),
        ("harbour.toml", sidecar.as_bytes()),
    ]);
    let o = refolio(
        &["convert", "harbour.txt", "--author", "Flag Author"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tei = read(tmp.path().join("out/harbour.tei.xml"));
    assert!(tei.contains("xml:lang=\"cs\""), "{tei}");
    assert!(
        tei.contains("<author>Flag Author</author>") && !tei.contains("Sidecar Author"),
        "{tei}"
    );
    assert!(
        tei.contains("<date when=\"2021-05-06\">2021-05-06</date>"),
        "{tei}"
    );
    assert!(
        tei.contains("<ref target=\"https://example.org/harbour\">"),
        "{tei}"
    );
    let o = refolio(
        &["convert", "harbour.txt", "--lang", "de"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(read(tmp.path().join("out/harbour.tei.xml")).contains("xml:lang=\"de\""));
}

#[test]
fn sidecar_with_unknown_key_is_an_error_naming_it() {
    let tmp = setup(&[
        ("a.txt", ARTICLE.as_bytes()),
        ("a.toml", b"autor = \"Typo\"\n"),
        ("b.txt", ARTICLE.as_bytes()),
    ]);
    let o = refolio(
        &["convert", "a.txt", "b.txt", "-t", "tei"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("autor") && err.contains("a.toml"), "{err}");
    assert_eq!(
        entries(&tmp.path().join("out")),
        ["b.tei.xml"],
        "the other input is still converted"
    );
    let o = refolio(&["check", "a.txt"], tmp.path(), None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn output_path_equal_to_input_path_is_refused() {
    let tmp = setup(&[("same.json", ARTICLE.as_bytes())]);
    let o = refolio(
        &["convert", "same.json", "-t", "json", "-o", "."],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("refusing"), "{}", stderr(&o));
    assert_eq!(
        read(tmp.path().join("same.json")),
        ARTICLE,
        "the input is untouched"
    );
    assert_eq!(entries(tmp.path()), ["same.json"]);
}

#[test]
fn two_inputs_with_the_same_stem_do_not_overwrite_each_other() {
    let other = ARTICLE.replace("Harbour lights", "Harbour shadows");
    let tmp = setup(&[
        ("d1/x.txt", ARTICLE.as_bytes()),
        ("d2/x.txt", other.as_bytes()),
    ]);
    let o = refolio(&["convert", "d1/x.txt", "d2/x.txt"], tmp.path(), None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    // Decided before any work: an error naming both inputs, and nothing written.
    let err = stderr(&o);
    assert!(
        err.contains("collide") && err.contains("d1/x.txt") && err.contains("d2/x.txt"),
        "{err}"
    );
    assert!(
        entries(&tmp.path().join("out")).is_empty(),
        "{:?}",
        entries(&tmp.path().join("out"))
    );
    // Into different folders they convert.
    let o = refolio(&["convert", "d1/x.txt", "-o", "o1"], tmp.path(), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn check_prints_a_summary_and_no_files() {
    let tmp = setup(&[("harbour.txt", ARTICLE.as_bytes())]);
    let o = refolio(&["check", "harbour.txt"], tmp.path(), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "harbour.txt: 3 citations, 2 references, 1 section, 0 warnings, 0 errors\n\
         harbour.txt: style: markers glued to the text (word2), back-links []\n"
    );
    assert_eq!(entries(tmp.path()), ["harbour.txt"]);
}

#[test]
fn check_exit_codes() {
    let tmp = setup(&[
        ("note.txt", DISAGREEING.as_bytes()),
        ("bad.txt", b"T\n\n\xfe\n"),
        ("ok.txt", ARTICLE.as_bytes()),
    ]);
    let o = refolio(&["check", "note.txt"], tmp.path(), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("note.txt: 1 citation, 1 reference, "),
        "{}",
        stdout(&o)
    );
    let o = refolio(&["check", "bad.txt", "ok.txt"], tmp.path(), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("byte offset 3"), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("ok.txt: "), "{}", stdout(&o));
}

#[test]
fn broken_pipe_on_stdout_exits_0_quietly() {
    let tmp = setup(&[]);
    let mut big = String::from("A long article\n\n");
    for _ in 0..40_000 {
        big.push_str("A paragraph with some ordinary words in it, and nothing else.\n\n");
    }
    let path = tmp.path().join("big.txt");
    fs::write(&path, &big).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .args(["convert", "big.txt", "-o", "-"])
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 5];
    out.read_exact(&mut first).expect("read");
    drop(out);
    let o = child.wait_with_output().expect("wait");
    assert_eq!(&first, b"<?xml");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("refolio:"),
        "no error message: {}",
        stderr(&o)
    );
}

/// A page without a reference list: `40%2` is read as citation 2, but only
/// just (a citation after a per cent sign is likely, not sure).
const DOUBTFUL: &str = "\
The harbour in numbers

The harbour1 was busy. Tolls rose by 40%2 within a decade.
";

/// `check --json` lists every decision, each with its place, margin and
/// words, its keys in alphabetical order.
#[test]
fn check_json_lists_every_decision() {
    let dir = setup(&[("d.txt", DOUBTFUL.as_bytes())]);
    let o = refolio(&["check", "--json", "d.txt"], dir.path(), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let line = stdout(&o);
    assert!(
        line.starts_with("{\"decisions\":[{\"alternative\":"),
        "{line}"
    );
    let v: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON object");
    let doubtful = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["read"] == "\"40%\" + citation 2")
        .unwrap_or_else(|| panic!("{line}"));
    assert_eq!(doubtful["alternative"], "\"40%2\" as text");
    assert_eq!(doubtful["margin"], 1.0);
    assert_eq!(
        (&doubtful["at"]["line"], &doubtful["at"]["column"]),
        (&3.into(), &41.into())
    );
    assert_eq!(v["input"], "d.txt");
}

#[test]
fn review_lists_only_doubtful_decisions_with_their_place() {
    let dir = setup(&[
        ("a.txt", ARTICLE.as_bytes()),
        ("d.txt", DOUBTFUL.as_bytes()),
    ]);
    let clean = refolio(&["check", "--review", "a.txt"], dir.path(), None);
    assert_eq!(code(&clean), 0, "{}", stderr(&clean));
    assert!(!stdout(&clean).contains("review:"), "{}", stdout(&clean));
    let o = refolio(&["check", "--review", "d.txt"], dir.path(), None);
    let lines: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| l.contains(": review: "))
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 1, "{}", stdout(&o));
    assert!(
        lines[0].starts_with("d.txt:3:41: review: read \"40%\" + citation 2; alternative: \"40%2\" as text (margin 1.00)"),
        "{}",
        lines[0]
    );
    // A threshold of 0 lists nothing; convert lists the same lines.
    let none = refolio(
        &["check", "--review", "--review-below", "0", "d.txt"],
        dir.path(),
        None,
    );
    assert!(!stdout(&none).contains("review:"));
    let conv = refolio(
        &["convert", "--review", "-t", "tei", "d.txt"],
        dir.path(),
        None,
    );
    assert_eq!(code(&conv), 0, "{}", stderr(&conv));
    assert!(
        stdout(&conv).contains("d.txt:3:41: review: "),
        "{}",
        stdout(&conv)
    );
    // ... and its TEI says how many decisions were doubtful.
    let tei = std::fs::read_to_string(dir.path().join("out/d.tei.xml")).unwrap();
    assert!(
        tei.contains("that had an alternative, 1 had a margin below 2 (log-odds)"),
        "{tei}"
    );
    let plain = refolio(
        &["convert", "-t", "tei", "-o", "plain", "d.txt"],
        dir.path(),
        None,
    );
    assert_eq!(code(&plain), 0);
    let tei = std::fs::read_to_string(dir.path().join("plain/d.tei.xml")).unwrap();
    assert!(!tei.contains("had a margin below"), "{tei}");
}

#[test]
fn diagnostics_of_one_kind_are_capped_and_counted() {
    // 30 references with a back-link each, none cited: 30 errors of one kind.
    let mut text =
        String::from("A list nobody cites\n\nThere is no citation in this text.\n\nReferences\n\n");
    for i in 1..=30 {
        text.push_str(&format!("{i}. Source number {i}; Some Press; 2001[]\n"));
    }
    let dir = setup(&[("many.txt", text.as_bytes())]);
    let count = |o: &Output| {
        stderr(o)
            .lines()
            .filter(|l| l.contains(": error: ") && !l.contains("more like this"))
            .count()
    };
    let o = refolio(&["check", "many.txt"], dir.path(), None);
    assert_eq!(code(&o), 1);
    assert_eq!(count(&o), 20, "{}", stderr(&o));
    assert!(stderr(&o).contains("many.txt: … and 10 more like this: error: reference N has N back-link but N markers were found"), "{}", stderr(&o));
    let o = refolio(
        &["check", "--max-diagnostics", "3", "many.txt"],
        dir.path(),
        None,
    );
    assert_eq!(count(&o), 3);
    assert!(
        stderr(&o).contains("… and 27 more like this"),
        "{}",
        stderr(&o)
    );
    // The JSON report keeps them all.
    let o = refolio(&["check", "--json", "many.txt"], dir.path(), None);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON object");
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(30));
    assert_eq!(v["diagnostics"][0]["at"]["line"], 7);
}

#[test]
fn lang_decides_how_numbers_are_read() {
    let text = "Die Brücke\n\nIm Jahr kamen etwa 18.2004. Besucher über die neue Brücke.\n";
    let dir = setup(&[("b.txt", text.as_bytes())]);
    let de = refolio(&["check", "--lang", "de", "b.txt"], dir.path(), None);
    assert!(
        stdout(&de).contains("b.txt: 1 citation,"),
        "{}",
        stdout(&de)
    );
    let en = refolio(&["check", "b.txt"], dir.path(), None);
    assert!(
        stdout(&en).contains("b.txt: 0 citations,"),
        "{}",
        stdout(&en)
    );
}

/// Whether the PDF is made last (of the article given up once laid out),
/// before another format, or to standard output: the same warning, once.
#[test]
fn characters_the_pdf_fonts_lack_are_warned_about_with_their_place() {
    let dir = setup(&[(
        "g.txt",
        "Glyphs\n\nA rare sign \u{1F0A1} here.\n".as_bytes(),
    )]);
    let warning = "g.txt:3:13: warning: the PDF fonts have no glyph for '\u{1F0A1}' (U+1F0A1); it is drawn as a blank box";
    for args in [
        &["convert", "-t", "pdf", "g.txt"][..],
        &["convert", "-t", "pdf,tei", "g.txt"],
        &["convert", "-t", "tei,pdf", "g.txt"],
        &["convert", "-t", "pdf", "-o", "-", "g.txt"],
    ] {
        let o = refolio(args, dir.path(), None);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(
            stderr(&o).matches(warning).count(),
            1,
            "{args:?}: {}",
            stderr(&o)
        );
        if args.contains(&"-") {
            assert!(o.stdout.starts_with(b"%PDF-1.7"));
        }
    }
}

/// A PDF asked for before other formats is made after them (of the
/// article given up): an article too long for a PDF still gets the
/// formats asked after it, and `--verbose` lists the files in the order
/// asked.
#[test]
fn a_pdf_asked_first_is_made_last() {
    let mut text = String::from("Sluices\n\n");
    while text.len() < 3000 {
        text.push_str("The sluice was opened at dawn and closed at dusk1. ");
    }
    text.push_str("\n\n  1. Sluices; Canal Office; 1901[]\n");
    let dir = setup(&[("s.txt", text.as_bytes())]);
    let too_long = [
        "convert",
        "-t",
        "pdf,tei,markdown",
        "--max-pdf-input-bytes",
        "2000",
        "-o",
        "short",
        "s.txt",
    ];
    let o = refolio(&too_long, dir.path(), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no PDF: the article is"),
        "{}",
        stderr(&o)
    );
    assert_eq!(entries(&dir.path().join("short")), ["s.md", "s.tei.xml"]);
    let args = [
        "convert",
        "-t",
        "pdf,tei,markdown",
        "-v",
        "-o",
        "all",
        "s.txt",
    ];
    let o = refolio(&args, dir.path(), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let said = stderr(&o);
    let wrote: Vec<&str> = said
        .lines()
        .filter_map(|l| l.trim().strip_prefix("wrote "))
        .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p))
        .collect();
    assert_eq!(wrote, ["s.pdf", "s.tei.xml", "s.md"], "{said}");
}

/// An article of more than 1 MiB, whose PDF is made with its text and
/// document put away in a temporary file while it is laid out, still has
/// its characters without a glyph warned about at their place (the text
/// comes back for them), its notes at the end or at the foot of the page
/// (pages handed out with their notes, their glyphs kept in a file); with
/// pdftotext, every page that cites a reference has its note at its foot.
#[test]
fn a_long_article_put_away_warns_at_its_place() {
    let test = "a_long_article_put_away_warns_at_its_place";
    let mut text = String::from("A long chronicle\n\n");
    let (mut i, mut cited) = (0, [0usize; 2]);
    while text.len() < (1 << 20) + 4096 {
        // Every fiftieth entry cites one of two ledgers.
        let cite = match i % 50 {
            0 => "1",
            25 => "2",
            _ => "",
        };
        if let Ok(n) = cite.parse::<usize>() {
            cited[n - 1] += 1;
        }
        text.push_str(&format!(
            "Entry {i}: the barges waited below the weir while the keepers counted \
             the turns of the sluice and wrote them in the ledger, until the water \
             reached the mark on the lock wall{cite}.\n\n"
        ));
        i += 1;
    }
    let line = text.lines().count() + 1;
    text.push_str("At the end, a rare sign \u{1F0A1} here.\n\n");
    for (n, name) in ["Upper lock ledger", "Lower weir diary"].iter().enumerate() {
        let back = "[]".repeat(cited[n]);
        text.push_str(&format!("  {}. {name}; Canal Office; 1901{back}\n", n + 1));
    }
    let dir = setup(&[("g.txt", text.as_bytes())]);
    for notes in ["end", "foot"] {
        let o = refolio(
            &[
                "convert", "-t", "pdf", "--notes", notes, "-o", notes, "g.txt",
            ],
            dir.path(),
            None,
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let warning = format!(
            "g.txt:{line}:25: warning: the PDF fonts have no glyph for '\u{1F0A1}' (U+1F0A1)"
        );
        assert_eq!(stderr(&o).matches(&warning).count(), 1, "{}", stderr(&o));
        let path = dir.path().join(notes).join("g.pdf");
        let pdf = fs::read(&path).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF"));
        if notes == "end" {
            continue;
        }
        let Some(pdftotext) = tool(test, "pdftotext") else {
            return;
        };
        let o = Command::new(&pdftotext)
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        assert!(o.status.success());
        let all = String::from_utf8(o.stdout).unwrap();
        let pages: Vec<&str> = all
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert!(pages.len() > 300, "{} pages", pages.len());
        for (n, name) in ["Upper lock ledger", "Lower weir diary"].iter().enumerate() {
            let marker = format!("lock wall{}.", n + 1);
            let citing = pages.iter().filter(|p| p.contains(&marker)).count();
            let with_note = pages
                .iter()
                .filter(|p| p.contains(&marker) && p.contains(name))
                .count();
            assert!(citing > 100, "{name}: cited on {citing} pages");
            assert_eq!(with_note, citing, "{name}: pages without their note");
        }
    }
}

/// `refolio book` with a manifest on the bundled articles: the front
/// matter (title page with the subtitle, licence on its verso, contents
/// with the page each chapter starts on), roman then arabic page labels,
/// the outline under the book's title; qpdf-clean, fonts embedded.
#[test]
fn pdf_book_has_front_matter_contents_with_page_numbers_and_page_labels() {
    let test = "pdf_book_has_front_matter_contents_with_page_numbers_and_page_labels";
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs: Vec<PathBuf> = fs::read_dir(root.join("input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    inputs.sort();
    let list: Vec<String> = inputs.iter().map(|p| format!("{p:?}")).collect();
    let manifest = format!(
        "title = \"Harbours, canals & trams\"\nsubtitle = \"Three studies\"\n\
         author = \"The Editors\"\npublisher = \"Town Archive Press\"\ndate = \"2026-12-01\"\n\
         licence = \"CC BY 4.0\"\nrecto = true\narticles = [{}]\n",
        list.join(", ")
    );
    let tmp = setup(&[("book.toml", manifest.as_bytes())]);
    let o = refolio(
        &["book", "book.toml", "-o", "book.pdf", "-q"],
        tmp.path(),
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = tmp.path().join("book.pdf");
    let doc = lopdf::Document::load(&pdf).unwrap();
    let pages = doc.get_pages().len();
    // Page labels: i, ii, iii, iv (a blank page: page 1 is a right-hand page), then 1, 2…
    let catalog = doc.catalog().unwrap();
    let labels = catalog.get(b"PageLabels").unwrap().as_dict().unwrap();
    let nums = labels.get(b"Nums").unwrap().as_array().unwrap();
    let style = |i: usize| {
        nums[i]
            .as_dict()
            .unwrap()
            .get(b"S")
            .unwrap()
            .as_name()
            .unwrap()
            .to_vec()
    };
    assert_eq!(nums.len(), 4, "{nums:?}");
    assert_eq!((nums[0].as_i64().unwrap(), style(1)), (0, b"r".to_vec()));
    assert_eq!((nums[2].as_i64().unwrap(), style(3)), (4, b"D".to_vec()));
    let front = 4;
    // The outline: the book's title, holding the contents and the chapters.
    let item = |o: &lopdf::Object| doc.get_dictionary(o.as_reference().unwrap()).unwrap();
    let title =
        |d: &lopdf::Dictionary| support::pdf_text(d.get(b"Title").unwrap().as_str().unwrap());
    let root_item = item(catalog.get(b"Outlines").unwrap());
    assert_eq!(
        root_item.get(b"First").ok(),
        root_item.get(b"Last").ok(),
        "one top item"
    );
    let top = item(root_item.get(b"First").unwrap());
    assert_eq!(title(top), "Harbours, canals & trams");
    let mut kids = vec![];
    let mut next = top.get(b"First").ok().map(item);
    while let Some(d) = next {
        kids.push((title(d), d.get(b"First").is_ok()));
        next = d.get(b"Next").ok().map(item);
    }
    assert_eq!(kids.len(), 1 + inputs.len(), "{kids:?}");
    assert_eq!(kids[0], ("Contents".to_string(), false));
    assert!(
        kids[1..].iter().all(|k| k.1),
        "sections inside chapters: {kids:?}"
    );

    let (Some(qpdf), Some(pdffonts), Some(pdftotext)) = (
        tool(test, "qpdf"),
        tool(test, "pdffonts"),
        tool(test, "pdftotext"),
    ) else {
        return;
    };
    let q = Command::new(qpdf)
        .arg("--check")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(q.status.success(), "{}", stdout(&q));
    let f = Command::new(pdffonts).arg(&pdf).output().unwrap();
    let fonts: Vec<String> = stdout(&f).lines().skip(2).map(str::to_string).collect();
    assert!(!fonts.is_empty());
    for l in &fonts {
        let cols: Vec<&str> = l.split_whitespace().collect();
        // name type… encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!(cols[n - 5..n - 2], ["yes", "yes", "yes"], "{l}");
    }
    let text = |first: usize, last: usize| {
        let o = Command::new(&pdftotext)
            .args(["-layout", "-f", &first.to_string(), "-l", &last.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        stdout(&o)
    };
    let all = text(1, pages);
    let by_page: Vec<&str> = all.split('\u{c}').collect();
    assert!(by_page[0].contains("Three studies") && by_page[0].contains("Town Archive Press"));
    assert!(by_page[1].contains("CC BY 4.0"), "{}", by_page[1]);
    let contents = text(3, 3);
    assert!(contents.trim_start().starts_with("Contents"), "{contents}");
    assert!(contents.trim_end().ends_with("iii"), "{contents}");
    for p in &inputs {
        let head: String = fs::read_to_string(p)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let at = (front..pages)
            .find(|&i| by_page[i].trim_start().starts_with(&head))
            .unwrap_or_else(|| panic!("{head}: no chapter page"));
        let line = contents
            .lines()
            .find(|l| l.trim_start().starts_with(&head))
            .unwrap_or_else(|| panic!("{head} not in the contents:\n{contents}"));
        let number = line.split_whitespace().last().unwrap();
        assert_eq!(number, (at - front + 1).to_string(), "{line}");
        assert_eq!(at % 2, 0, "{head}: a right-hand page");
    }
}

/// `--notes`: one option for every format, `foot` and `end` with the old
/// pandoc names as aliases; absent, PDF puts the references at the end and
/// pandoc makes footnotes.
#[test]
fn notes_option_defaults_per_format_and_keeps_its_aliases() {
    let tmp = setup(&[("a.txt", ARTICLE.as_bytes())]);
    let run = |out: &str, notes: &[&str]| -> (Vec<u8>, Vec<u8>) {
        let mut args = vec!["convert", "a.txt", "-q", "-t", "pdf,pandoc", "-o", out];
        args.extend_from_slice(notes);
        let o = refolio(&args, tmp.path(), None);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let dir = tmp.path().join(out);
        let pdf = fs::read(dir.join("a.pdf")).expect("pdf");
        let json = fs::read(dir.join("a.pandoc.json")).expect("pandoc");
        (pdf, json)
    };
    let default = run("d", &[]);
    let foot = run("f", &["--notes", "foot"]);
    let footnotes = run("fa", &["--notes", "footnotes"]);
    let end = run("e", &["--notes", "end"]);
    let endnotes = run("ea", &["--notes", "endnotes-list"]);
    assert_eq!(foot, footnotes, "footnotes is foot");
    assert_eq!(end, endnotes, "endnotes-list is end");
    assert_eq!(default.0, end.0, "PDF: end by default");
    assert_eq!(default.1, foot.1, "pandoc: footnotes by default");
    assert_ne!(foot.0, end.0);
    assert_ne!(foot.1, end.1);
    let o = refolio(&["convert", "a.txt", "--notes", "side"], tmp.path(), None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}
