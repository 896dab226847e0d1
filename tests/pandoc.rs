//! Issue 16, with pandoc as the external judge: refolio's pandoc JSON, its
//! Markdown and its standalone HTML.
//!
//! - The seed's `.pandoc.json` → `pandoc -f json -t docx` has 20 footnotes,
//!   whose texts are the references (read back with `pandoc -f docx -t
//!   json`, and counted in the archive's `word/footnotes.xml`); → `latex`, `odt` and
//!   `jats` succeed without a warning, and the JATS keeps 20 citations. The
//!   same for the `input/` examples (their own counts), and for
//!   `--notes endnotes-list` and `--pandoc-api 1.23` (read by pandoc 2.17
//!   only in 1.22, so 1.23 is checked for shape here).
//! - `pandoc -f markdown -t json` on refolio's Markdown gives the same
//!   blocks, notes and metadata as refolio's own `.pandoc.json`, after
//!   normalising: a citation's `Span` (its id, which Markdown leaves
//!   implicit) is unwrapped, and pandoc's `Quoted` (its smart quotes make
//!   `‘…’` one) is written back as the quote characters.
//! - Markdown read back by refolio gives the same document as the article
//!   (seed, examples, corpus), spans and back-link tokens aside.
//! - The HTML of the examples and the seed passes the W3C Nu Html Checker
//!   (one run for all files): no error, no warning.
//! - In headless Chromium (JavaScript off), the HTML's first citation leads
//!   to its note and the note's back-link leads back (`tests/html/notes.js`).
//!
//! pandoc conversions run on parallel threads; missing tools are skipped
//! with a visible `SKIPPED` line (a failure under `REFOLIO_REQUIRE_TOOLS=1`).

mod support;

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn say(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

/// The articles the tests convert: the `input/` examples and the seed
/// (when `../shared` is there), with their expected citation counts.
fn articles() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    if let Some(shared) = support::shared_dir() {
        v.push(shared.join("seed/temporary-deployment.txt"));
    }
    v
}

/// Runs `refolio convert` on `inputs` into `dir` with `args`.
fn convert(inputs: &[PathBuf], dir: &Path, args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .arg("convert")
        .args(inputs)
        .args(args)
        .arg("-o")
        .arg(dir)
        .output()
        .expect("run refolio");
    assert!(
        o.status.code() == Some(0),
        "refolio convert failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The number of citations of an article, as refolio reads it.
fn citations(input: &Path) -> usize {
    let parsed = refolio::parse_article(
        &input.display().to_string(),
        fs::read(input).unwrap(),
        Default::default(),
        &Default::default(),
    )
    .unwrap();
    let mut n = 0;
    refolio::ast::for_each_inlines(&parsed.document, &mut |v| {
        n += v
            .iter()
            .filter(|i| matches!(i, refolio::ast::Inline::Cite { .. }))
            .count();
    });
    n
}

/// Runs pandoc; (stdout, stderr).
fn pandoc(args: &[&str]) -> (Vec<u8>, String) {
    let o = Command::new("pandoc").args(args).output().expect("pandoc");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "pandoc {args:?} failed: {err}");
    (o.stdout, err)
}

/// Every `Note` in a pandoc JSON value, as its text.
fn notes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if m.get("t") == Some(&Value::from("Note")) => {
            out.push(stringify(&m["c"]));
        }
        Value::Object(m) => m.values().for_each(|x| notes(x, out)),
        Value::Array(a) => a.iter().for_each(|x| notes(x, out)),
        _ => {}
    }
}

/// The text of a pandoc JSON value (`Str`s joined, `Space`s as spaces).
fn stringify(v: &Value) -> String {
    match v {
        Value::Object(m) => match m.get("t").and_then(Value::as_str) {
            Some("Str") => m["c"].as_str().unwrap_or("").to_string(),
            Some("Space") | Some("SoftBreak") => " ".into(),
            _ => m.get("c").map(stringify).unwrap_or_default(),
        },
        Value::Array(a) => a.iter().map(stringify).collect(),
        _ => String::new(),
    }
}

/// The references of an article by number: their raw text.
fn reference_texts(input: &Path) -> Vec<(u32, String)> {
    let parsed = refolio::parse_article(
        &input.display().to_string(),
        fs::read(input).unwrap(),
        Default::default(),
        &Default::default(),
    )
    .unwrap();
    parsed
        .document
        .references
        .iter()
        .map(|r| (r.n, r.raw.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect()
}

/// Issue 16's acceptance through pandoc 2.17: DOCX footnotes (counted two
/// ways, with the references' texts), LaTeX, ODT and JATS without
/// warnings, JATS with every citation; the `input/` examples and the seed,
/// for `--notes footnotes` (DOCX, LaTeX, ODT, JATS) and `endnotes-list`
/// (DOCX, JATS).
#[test]
fn pandoc_json_reaches_docx_latex_odt_and_jats() {
    let test = "pandoc_json_reaches_docx_latex_odt_and_jats";
    if support::which("pandoc").is_none() {
        support::skip(test, "pandoc not on PATH (apt-get install pandoc)");
        return;
    }
    let start = Instant::now();
    let inputs = articles();
    let tmp = tempfile::tempdir().unwrap();
    let foot = tmp.path().join("footnotes");
    let list = tmp.path().join("list");
    convert(&inputs, &foot, &["-t", "pandoc"]);
    convert(
        &inputs,
        &list,
        &["-t", "pandoc", "--notes", "endnotes-list"],
    );
    let problems: Vec<String> = std::thread::scope(|s| {
        let mut jobs = Vec::new();
        for input in &inputs {
            let name = stem(input);
            let cites = citations(input);
            let refs = reference_texts(input);
            let json = foot.join(format!("{name}.pandoc.json"));
            let listed = list.join(format!("{name}.pandoc.json"));
            let dir = tmp.path().to_path_buf();
            jobs.push(s.spawn(move || {
                let mut problems = Vec::new();
                let j = json.to_str().unwrap();
                // DOCX: the notes pandoc reads back, and Word's own file.
                let docx = dir.join(format!("{name}.docx"));
                let (_, err) = pandoc(&["-f", "json", "-t", "docx", j, "-o", docx.to_str().unwrap()]);
                if !err.trim().is_empty() {
                    problems.push(format!("{name}: docx: {err}"));
                }
                let (back, _) = pandoc(&["-f", "docx", "-t", "json", docx.to_str().unwrap()]);
                let back: Value = serde_json::from_slice(&back).unwrap();
                let mut texts = Vec::new();
                notes(&back, &mut texts);
                if texts.len() != cites {
                    problems.push(format!("{name}: docx has {} notes, not {cites}", texts.len()));
                }
                for t in &texts {
                    let t = t.trim();
                    if !refs.iter().any(|(_, r)| r == t) {
                        problems.push(format!("{name}: docx note {t:?} is no reference's text"));
                    }
                }
                let mut zip = zip::ZipArchive::new(fs::File::open(&docx).unwrap()).unwrap();
                let mut xml = String::new();
                std::io::Read::read_to_string(&mut zip.by_name("word/footnotes.xml").unwrap(), &mut xml)
                    .unwrap();
                // Two of Word's footnotes are the separators (types
                // separator and continuationSeparator).
                let real = xml.matches("<w:footnote ").count()
                    - xml.matches("w:type=\"separator\"").count()
                    - xml.matches("w:type=\"continuationSeparator\"").count();
                if real != cites {
                    problems.push(format!("{name}: word/footnotes.xml has {real} footnotes, not {cites}"));
                }
                for to in ["latex", "odt", "jats"] {
                    let out = dir.join(format!("{name}.{to}"));
                    let (_, err) = pandoc(&["-f", "json", "-t", to, j, "-o", out.to_str().unwrap()]);
                    if !err.trim().is_empty() {
                        problems.push(format!("{name}: {to}: {err}"));
                    }
                }
                let jats = fs::read_to_string(dir.join(format!("{name}.jats"))).unwrap();
                let fns = jats.matches("ref-type=\"fn\"").count();
                if fns != cites {
                    problems.push(format!("{name}: jats has {fns} footnote citations, not {cites}"));
                }
                // endnotes-list: no notes, links both ways, a list of the references.
                let l = listed.to_str().unwrap();
                let (jats, err) = pandoc(&["-f", "json", "-t", "jats", l]);
                let jats = String::from_utf8_lossy(&jats);
                if !err.trim().is_empty() {
                    problems.push(format!("{name}: endnotes-list jats: {err}"));
                }
                let to_refs = jats.matches("rid=\"ref-").count();
                if to_refs != cites {
                    problems.push(format!("{name}: endnotes-list jats links {to_refs} citations to references, not {cites}"));
                }
                let docx = dir.join(format!("{name}-list.docx"));
                let (_, err) = pandoc(&["-f", "json", "-t", "docx", l, "-o", docx.to_str().unwrap()]);
                if !err.trim().is_empty() {
                    problems.push(format!("{name}: endnotes-list docx: {err}"));
                }
                say(&format!("pandoc: {name}: {} docx notes, {real} in footnotes.xml, {fns} in jats (of {cites})", texts.len()));
                problems
            }));
        }
        jobs.into_iter().flat_map(|j| j.join().unwrap()).collect()
    });
    say(&format!(
        "pandoc conversions: {:.1} s",
        start.elapsed().as_secs_f64()
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// pandoc's reading of a document, normalised for comparison: citation
/// spans unwrapped, `Quoted` written as its quote characters, adjacent
/// `Str`s joined.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut out: Vec<Value> = Vec::new();
            for x in a {
                let t = x.get("t").and_then(Value::as_str);
                let expanded: Vec<Value> = match t {
                    Some("Span")
                        if x["c"][0][1]
                            .as_array()
                            .is_some_and(|c| c.iter().any(|c| c == "cite")) =>
                    {
                        x["c"][1]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(normalise)
                            .collect()
                    }
                    Some("Quoted") => {
                        let (open, close) = if x["c"][0]["t"] == "SingleQuote" {
                            ("\u{2018}", "\u{2019}")
                        } else {
                            ("\u{201C}", "\u{201D}")
                        };
                        let mut inner = vec![serde_json::json!({"t": "Str", "c": open})];
                        inner.extend(x["c"][1].as_array().unwrap().iter().map(normalise));
                        inner.push(serde_json::json!({"t": "Str", "c": close}));
                        inner
                    }
                    _ => vec![normalise(x)],
                };
                for e in expanded {
                    if let (Some(Value::Object(prev)), Some("Str")) =
                        (out.last_mut(), e.get("t").and_then(Value::as_str))
                        && prev.get("t") == Some(&Value::from("Str"))
                    {
                        let joined = format!(
                            "{}{}",
                            prev["c"].as_str().unwrap(),
                            e["c"].as_str().unwrap()
                        );
                        prev.insert("c".into(), Value::from(joined));
                        continue;
                    }
                    out.push(e);
                }
            }
            Value::Array(out)
        }
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        _ => v.clone(),
    }
}

/// The first place where two JSON values differ, as a path.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(p, q, &format!("{path}/{i}")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{path}: {} items against {}", x.len(), y.len()))
        }
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (p, q) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                if let Some(d) = first_difference(p, q, &format!("{path}/{k}")) {
                    return Some(d);
                }
            }
            None
        }
        _ => (a != b).then(|| format!("{path}: {a} against {b}")),
    }
}

/// `pandoc -f markdown -t json` on refolio's Markdown is refolio's own
/// pandoc JSON (normalised as [`normalise`] says), blocks, notes and
/// metadata, for the examples and the seed.
#[test]
fn pandoc_reads_the_markdown_as_the_pandoc_json() {
    let test = "pandoc_reads_the_markdown_as_the_pandoc_json";
    if support::which("pandoc").is_none() {
        support::skip(test, "pandoc not on PATH (apt-get install pandoc)");
        return;
    }
    let inputs = articles();
    let tmp = tempfile::tempdir().unwrap();
    convert(&inputs, tmp.path(), &["-t", "pandoc,markdown"]);
    let problems: Vec<String> = std::thread::scope(|s| {
        let jobs: Vec<_> = inputs
            .iter()
            .map(|input| {
                let name = stem(input);
                let dir = tmp.path();
                s.spawn(move || {
                    let md = dir.join(format!("{name}.md"));
                    let (read, err) =
                        pandoc(&["-f", "markdown", "-t", "json", md.to_str().unwrap()]);
                    let read: Value = serde_json::from_slice(&read).unwrap();
                    let ours: Value = serde_json::from_slice(
                        &fs::read(dir.join(format!("{name}.pandoc.json"))).unwrap(),
                    )
                    .unwrap();
                    let mut problems = Vec::new();
                    if !err.trim().is_empty() {
                        problems.push(format!("{name}: pandoc -f markdown: {err}"));
                    }
                    for key in ["blocks", "meta"] {
                        if let Some(d) =
                            first_difference(&normalise(&read[key]), &normalise(&ours[key]), key)
                        {
                            problems.push(format!(
                                "{name}.md read by pandoc differs from {name}.pandoc.json at {d}"
                            ));
                        }
                    }
                    let mut n = Vec::new();
                    notes(&read, &mut n);
                    say(&format!("markdown: {name}: pandoc reads {} notes", n.len()));
                    problems
                })
            })
            .collect();
        jobs.into_iter().flat_map(|j| j.join().unwrap()).collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The document as the comparisons see it: no spans, margins, source
/// style, wrapping, or back-link tokens and spans (Markdown keeps their
/// number only).
fn shape(doc: &refolio::ast::Document) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["span", "margin", "style", "hard_wrapped"] {
                    m.remove(k);
                }
                if let Some(Value::Array(b)) = m.get_mut("backlinks") {
                    for x in b.iter_mut() {
                        *x = Value::Null;
                    }
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(doc).unwrap();
    strip(&mut v);
    v
}

/// Markdown is the article again: every corpus article, the seed and the
/// examples, written as Markdown and read back by refolio, give the same
/// document (spans, back-link tokens and margins aside).
#[test]
fn markdown_reads_back_as_the_same_document() {
    let mut inputs = articles();
    if let Some(shared) = support::shared_dir() {
        let mut corpus: Vec<PathBuf> = fs::read_dir(shared.join("corpus"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        corpus.sort();
        inputs.extend(corpus);
    }
    let mut problems = Vec::new();
    for input in &inputs {
        let parsed = refolio::parse_article(
            &input.display().to_string(),
            fs::read(input).unwrap(),
            Default::default(),
            &Default::default(),
        )
        .unwrap();
        let md = refolio::write::render(
            &[&parsed.document],
            refolio::write::Format::Markdown,
            &Default::default(),
        )
        .unwrap()
        .bytes;
        let back =
            refolio::parse_article("x.md", md, Default::default(), &Default::default()).unwrap();
        if let Some(d) = first_difference(&shape(&back.document), &shape(&parsed.document), "") {
            problems.push(format!("{}: {d}", input.display()));
        }
    }
    say(&format!("markdown round trip: {} articles", inputs.len()));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The HTML of the examples and the seed (with the back-links after and
/// before the notes), and their HTML book, pass the Nu Html Checker: no
/// error and no warning (one run for every file).
#[test]
fn html_passes_the_nu_html_checker() {
    let test = "html_passes_the_nu_html_checker";
    let Some(vnu) = support::Vnu::find_or_skip(test) else {
        return;
    };
    let inputs = articles();
    let tmp = tempfile::tempdir().unwrap();
    convert(&inputs, tmp.path(), &["-t", "html"]);
    convert(
        &inputs,
        &tmp.path().join("first"),
        &["-t", "html", "--epub-notes", "first"],
    );
    let mut files: Vec<PathBuf> = inputs
        .iter()
        .map(|i| tmp.path().join(format!("{}.html", stem(i))))
        .collect();
    files.extend(
        inputs
            .iter()
            .map(|i| tmp.path().join("first").join(format!("{}.html", stem(i)))),
    );
    let book = tmp.path().join("book.html");
    refolio_book(&inputs, &book);
    files.push(book);
    let start = Instant::now();
    let messages = vnu.check(&files).unwrap();
    say(&format!(
        "vnu: {} HTML files, {} errors or warnings, {:.1} s",
        files.len(),
        messages.len(),
        start.elapsed().as_secs_f64()
    ));
    assert!(messages.is_empty(), "{}", messages.join("\n"));
}

/// In headless Chromium with JavaScript off, at 390 and 1280 px, the seed's
/// (else an example's) first citation leads to its note, on screen, and the
/// note's back-link leads back to the citation, on screen. Screenshots in
/// `REFOLIO_SHOTS` when set (else a temporary folder).
#[test]
fn html_notes_link_both_ways_in_chromium() {
    let test = "html_notes_link_both_ways_in_chromium";
    let Some(browser) = support::Browser::find_or_skip(test) else {
        return;
    };
    let input = articles().pop().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    convert(std::slice::from_ref(&input), tmp.path(), &["-t", "html"]);
    let page = tmp.path().join(format!("{}.html", stem(&input)));
    let shots = std::env::var_os("REFOLIO_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/html/notes.js"))
        .arg(&browser.puppeteer)
        .arg(&browser.chromium)
        .arg(&page)
        .arg(&shots)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "notes.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{report}");
    for r in results {
        let cite = r["cite"].as_str().unwrap();
        let n = cite.split('-').nth(1).unwrap();
        assert_eq!(r["note"]["hash"], format!("#ref-{n}"), "{r}");
        assert_eq!(r["note"]["role"], "doc-footnote", "{r}");
        assert_eq!(r["note"]["visible"], true, "{r}");
        assert_eq!(r["back"]["hash"], format!("#{cite}"), "{r}");
        assert_eq!(r["back"]["visible"], true, "{r}");
    }
    say(&format!("chromium: {report}"));
}

/// `--pandoc-api 1.23` writes `Figure` blocks and no `fig:` images; 1.22
/// the image-paragraph idiom.
#[test]
fn pandoc_api_versions_write_figures_their_way() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("input/canal-and-locks.txt");
    convert(
        std::slice::from_ref(&input),
        &tmp.path().join("a"),
        &["-t", "pandoc"],
    );
    convert(
        std::slice::from_ref(&input),
        &tmp.path().join("b"),
        &["-t", "pandoc", "--pandoc-api", "1.23"],
    );
    let a = fs::read_to_string(tmp.path().join("a/canal-and-locks.pandoc.json")).unwrap();
    let b = fs::read_to_string(tmp.path().join("b/canal-and-locks.pandoc.json")).unwrap();
    assert!(a.starts_with(r#"{"pandoc-api-version":[1,22,2,1],"#), "{a}");
    assert!(b.starts_with(r#"{"pandoc-api-version":[1,23,1],"#), "{b}");
    assert!(a.contains(r#""fig:"]"#) && !a.contains(r#""t":"Figure""#));
    assert!(b.contains(r#""t":"Figure""#) && !b.contains(r#""fig:"]"#));
}

/// `refolio book INPUTS --title … -o OUT`.
fn refolio_book(inputs: &[PathBuf], out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .arg("book")
        .args(inputs)
        .args([
            "--title",
            "Collected articles",
            "--author",
            "A. Editor",
            "-q",
            "-o",
        ])
        .arg(out)
        .output()
        .expect("run refolio");
    assert!(
        o.status.success(),
        "refolio book failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A book is one pandoc JSON, one Markdown and one HTML file: pandoc makes
/// a DOCX with every article's citations as footnotes from the JSON, reads
/// the Markdown as the same document, and the HTML's ids are unique and
/// every fragment link lands on one.
#[test]
fn books_are_one_pandoc_json_markdown_and_html_file() {
    let test = "books_are_one_pandoc_json_markdown_and_html_file";
    let inputs = articles();
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("book.pandoc.json");
    let md = tmp.path().join("book.md");
    let html = tmp.path().join("book.html");
    for out in [&json, &md, &html] {
        refolio_book(&inputs, out);
    }
    // HTML: unique ids, every #fragment resolves.
    let page = fs::read_to_string(&html).unwrap();
    let ids = support::attrs(&page, "id");
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in the HTML book");
    for href in support::attrs(&page, "href") {
        if let Some(f) = href.strip_prefix('#') {
            assert!(unique.contains(&f.to_string()), "#{f} points nowhere");
        }
    }
    let cites: usize = inputs.iter().map(|i| citations(i)).sum();
    let noterefs = support::attrs(&page, "role")
        .iter()
        .filter(|r| *r == "doc-noteref")
        .count();
    assert_eq!(noterefs, cites, "citations in the HTML book");
    if support::which("pandoc").is_none() {
        support::skip(test, "pandoc not on PATH (apt-get install pandoc)");
        return;
    }
    let docx = tmp.path().join("book.docx");
    let (_, err) = pandoc(&[
        "-f",
        "json",
        json.to_str().unwrap(),
        "-o",
        docx.to_str().unwrap(),
    ]);
    assert!(err.trim().is_empty(), "{err}");
    let (back, _) = pandoc(&["-f", "docx", "-t", "json", docx.to_str().unwrap()]);
    let mut n = Vec::new();
    notes(&serde_json::from_slice(&back).unwrap(), &mut n);
    assert_eq!(n.len(), cites, "footnotes in the book's DOCX");
    let (read, err) = pandoc(&["-f", "markdown", "-t", "json", md.to_str().unwrap()]);
    assert!(err.trim().is_empty(), "{err}");
    let read: Value = serde_json::from_slice(&read).unwrap();
    let ours: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    for key in ["blocks", "meta"] {
        assert_eq!(
            first_difference(&normalise(&read[key]), &normalise(&ours[key]), key),
            None,
            "book.md read by pandoc against book.pandoc.json"
        );
    }
    say(&format!(
        "book: {} articles, {cites} citations, {} DOCX footnotes",
        inputs.len(),
        n.len()
    ));
}

/// `convert` reads refolio's Markdown by its extension (`.md`) and by
/// sniffing (the same text as `.txt`, and on standard input): the three
/// give the article's TEI.
#[test]
fn markdown_input_is_found_by_extension_and_by_sniffing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("input/skerry-point-keepers.txt");
    convert(
        std::slice::from_ref(&input),
        tmp.path(),
        &["-t", "markdown,tei"],
    );
    let md = fs::read(tmp.path().join("skerry-point-keepers.md")).unwrap();
    let tei_of_text = fs::read_to_string(tmp.path().join("skerry-point-keepers.tei.xml")).unwrap();
    fs::write(tmp.path().join("sniffed.txt"), &md).unwrap();
    let out = tmp.path().join("out");
    convert(
        &[
            tmp.path().join("skerry-point-keepers.md"),
            tmp.path().join("sniffed.txt"),
        ],
        &out,
        &["-t", "tei"],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_refolio"))
        .args(["convert", "-", "-t", "tei", "-o", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &md).unwrap();
    let stdin_tei = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    // The TEI keeps every character of the references and their fields;
    // the back-link spans and the source's name are all that may differ.
    let citations = |tei: &str| tei.matches("type=\"biblio\"").count();
    for tei in [
        fs::read_to_string(out.join("skerry-point-keepers.tei.xml")).unwrap(),
        fs::read_to_string(out.join("sniffed.tei.xml")).unwrap(),
        stdin_tei,
    ] {
        assert_eq!(citations(&tei), citations(&tei_of_text));
        assert_eq!(
            support::attrs(&tei, "xml:id"),
            support::attrs(&tei_of_text, "xml:id")
        );
    }
}

/// Fuzz finding (target `writers`): a citation in the alt text of a figure
/// that has a caption was lost in the 1.22 pandoc JSON (the alt text is an
/// attribute there). Its note now follows the caption, and the Markdown
/// carries it in `fig-alt` and after the caption, reading back in place.
#[test]
fn a_citation_in_alt_text_keeps_its_note() {
    use refolio::ast::{Block, Document, Figure, Inline, Reference, Span};
    use refolio::write::{Format, WriteOptions, render};
    let mut d = Document::new("Harbour notes");
    d.lead_figure = Some(Figure {
        alt: vec![
            Inline::text("A photo of the quay [at] dawn"),
            Inline::cite(1, 1),
            Inline::text(" with \"boats\""),
        ],
        caption: Some(vec![Inline::text("The quay in 1900"), Inline::cite(2, 1)]),
        span: Span::default(),
    });
    d.blocks = vec![Block::paragraph(vec![
        Inline::text("Fishing stopped"),
        Inline::cite(1, 2),
        Inline::text("."),
    ])];
    d.references = vec![
        Reference::new(1, "Quay records; Harbour Trust; 1990", vec![], 2),
        Reference::new(2, "Old photographs; Town Museum; 2001", vec![], 1),
    ];
    let opts = WriteOptions::default();
    let json = render(&[&d], Format::Pandoc, &opts).unwrap().bytes;
    let json: Value = serde_json::from_slice(&json).unwrap();
    let mut n = Vec::new();
    notes(&json, &mut n);
    assert_eq!(n.len(), 3, "{json}");
    let md = render(&[&d], Format::Markdown, &opts).unwrap().bytes;
    let text = String::from_utf8(md.clone()).unwrap();
    let back = refolio::parse_article("x.md", md, Default::default(), &Default::default()).unwrap();
    let fig = back.document.lead_figure.as_ref().unwrap();
    let want = d.lead_figure.as_ref().unwrap();
    assert_eq!(
        refolio::ast::plain_text(&fig.alt),
        refolio::ast::plain_text(&want.alt),
        "{text}"
    );
    let cites = |v: &[Inline]| {
        v.iter()
            .filter_map(|i| match i {
                Inline::Cite { n, occurrence, .. } => Some((*n, *occurrence)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(cites(&fig.alt), vec![(1, 1)], "{text}");
    assert_eq!(cites(fig.caption.as_ref().unwrap()), vec![(2, 1)], "{text}");
    if support::which("pandoc").is_some() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.md");
        fs::write(&p, &text).unwrap();
        let (read, _) = pandoc(&["-f", "markdown", "-t", "json", p.to_str().unwrap()]);
        let mut n = Vec::new();
        notes(&serde_json::from_slice(&read).unwrap(), &mut n);
        assert_eq!(n.len(), 3, "pandoc's reading of:\n{text}");
    }
}
