//! Batches (`refolio convert` over many inputs, in parallel) and books
//! (`refolio book`): one bad input never stops the others, output names
//! never collide, and every book validates (EPUBCheck, jing + tei_all.rng,
//! qpdf) with ids that are unique and links that resolve.

mod support;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn refolio(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_refolio"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdin(Stdio::null())
        .output()
        .expect("run refolio")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    v.sort();
    v
}

/// Copies the examples (and their sidecars) into `dir`; their file names.
fn copy_examples(dir: &Path) -> Vec<String> {
    let mut names = vec![];
    for p in examples() {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        fs::copy(&p, dir.join(&name)).unwrap();
        let side = p.with_extension("toml");
        if side.is_file() {
            fs::copy(&side, dir.join(side.file_name().unwrap())).unwrap();
        }
        names.push(name);
    }
    names
}

#[test]
fn a_batch_with_one_invalid_utf8_input_converts_the_rest_and_reports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut names = copy_examples(tmp.path());
    fs::write(
        tmp.path().join("broken.txt"),
        b"A title\n\nSome text \xff\xfe here.\n",
    )
    .unwrap();
    names.insert(1, "broken.txt".into());
    let mut args = vec!["convert", "--jobs", "2", "-t", "tei,epub,pdf", "-o", "out"];
    args.extend(names.iter().map(String::as_str));
    let o = refolio(&args, tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("broken.txt") && err.contains("invalid UTF-8"),
        "{err}"
    );
    // The summary counts and names the failure.
    let n = names.len();
    assert!(
        err.contains(&format!("{n} inputs")) && err.contains(&format!("{} converted", n - 1)),
        "{err}"
    );
    assert!(
        err.contains("1 failed") && err.contains("failed: broken.txt"),
        "{err}"
    );
    // Plain progress lines (standard error is not a terminal here).
    assert!(err.contains(&format!("/{n}] broken.txt: FAILED")), "{err}");
    let out = tmp.path().join("out");
    for name in names.iter().filter(|n| *n != "broken.txt") {
        let stem = name.trim_end_matches(".txt");
        for ext in ["tei.xml", "epub", "pdf"] {
            assert!(
                out.join(format!("{stem}.{ext}")).is_file(),
                "{stem}.{ext} missing: {err}"
            );
        }
    }
    assert!(!out.join("broken.tei.xml").exists());
    let leftovers: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // --quiet: only the error; no progress, no summary.
    let mut q = vec!["convert", "-q", "-t", "tei", "-o", "outq"];
    q.extend(names.iter().map(String::as_str));
    let o = refolio(&q, tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("invalid UTF-8") && !err.contains("converted") && !err.contains("] "),
        "{err}"
    );
}

#[test]
fn parallel_output_is_the_same_as_sequential() {
    let tmp = tempfile::tempdir().unwrap();
    let names = copy_examples(tmp.path());
    for (jobs, out) in [("1", "o1"), ("2", "o2")] {
        let mut a = vec!["convert", "-j", jobs, "-q", "-o", out];
        a.extend(names.iter().map(String::as_str));
        let o = refolio(&a, tmp.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    for e in fs::read_dir(tmp.path().join("o1")).unwrap() {
        let name = e.unwrap().file_name();
        assert_eq!(
            fs::read(tmp.path().join("o1").join(&name)).unwrap(),
            fs::read(tmp.path().join("o2").join(&name)).unwrap(),
            "{name:?}"
        );
    }
}

#[test]
fn colliding_output_names_are_an_error_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let art = fs::read(root().join("input/skerry-point-keepers.txt")).unwrap();
    for d in ["a", "b", "c"] {
        fs::create_dir(tmp.path().join(d)).unwrap();
        fs::write(tmp.path().join(d).join("same.txt"), &art).unwrap();
    }
    fs::write(tmp.path().join("other.txt"), &art).unwrap();
    let o = refolio(
        &[
            "convert",
            "a/same.txt",
            "other.txt",
            "b/same.txt",
            "c/same.txt",
            "-o",
            "out",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("collide") && err.contains("b/same.txt") && err.contains("c/same.txt"),
        "{err}"
    );
    let out = tmp.path().join("out");
    let written: Vec<_> = fs::read_dir(&out).map(|r| r.count()).into_iter().collect();
    assert!(
        written.iter().all(|&n| n == 0),
        "nothing may be written: {written:?}"
    );
}

// ------------------------------------------------------------------ books

/// The examples as one book in each format (built once).
fn books() -> &'static (PathBuf, PathBuf, PathBuf) {
    static BOOKS: std::sync::OnceLock<(PathBuf, PathBuf, PathBuf)> = std::sync::OnceLock::new();
    BOOKS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("books");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let inputs: Vec<String> = examples().iter().map(|p| p.display().to_string()).collect();
        let mut out = vec![];
        for name in ["examples.epub", "examples.tei.xml", "examples.pdf"] {
            let target = dir.join(name);
            let mut a: Vec<&str> = vec!["book"];
            a.extend(inputs.iter().map(String::as_str));
            a.extend([
                "--title",
                "Harbours, canals & trams",
                "--author",
                "The Editors",
                "--recto",
                "-o",
            ]);
            a.push(target.to_str().unwrap());
            let o = refolio(&a, root());
            assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
            out.push(target);
        }
        (out[0].clone(), out[1].clone(), out[2].clone())
    })
}

fn unzip(path: &Path) -> Vec<(String, String)> {
    let bytes = fs::read(path).unwrap();
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..z.len())
        .filter_map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).ok()?;
            Some((f.name().to_string(), s))
        })
        .collect()
}

#[test]
fn epub_book_has_a_chapter_per_article_unique_ids_and_links_that_resolve() {
    let (epub, _, _) = books();
    let entries = unzip(epub);
    let chapters: Vec<&(String, String)> = entries
        .iter()
        .filter(|(n, _)| n.starts_with("OEBPS/chapter-"))
        .collect();
    assert_eq!(chapters.len(), examples().len());
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    for (name, text) in &entries {
        if name.ends_with(".xhtml") {
            let list = support::attrs(text, "id");
            let set: HashSet<String> = list.iter().cloned().collect();
            assert_eq!(set.len(), list.len(), "{name}: duplicate ids");
            ids.insert(name.trim_start_matches("OEBPS/").to_string(), set);
        }
    }
    let mut checked = 0;
    for (name, text) in &entries {
        if !name.ends_with(".xhtml") {
            continue;
        }
        let me = name.trim_start_matches("OEBPS/");
        for href in support::attrs(text, "href") {
            if href.contains("://") || href.ends_with(".css") {
                continue;
            }
            let (file, frag) = href.split_once('#').unwrap_or((href.as_str(), ""));
            let file = if file.is_empty() { me } else { file };
            let target = ids
                .get(file)
                .unwrap_or_else(|| panic!("{me}: {href}: no such file"));
            assert!(
                frag.is_empty() || target.contains(frag),
                "{me}: {href} does not resolve"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
    let nav = &entries
        .iter()
        .find(|(n, _)| n == "OEBPS/nav.xhtml")
        .unwrap()
        .1;
    assert!(
        nav.contains("chapter-3.xhtml#sec-1"),
        "sections under their chapter: {nav}"
    );
    let opf = &entries
        .iter()
        .find(|(n, _)| n == "OEBPS/content.opf")
        .unwrap()
        .1;
    assert!(
        opf.contains("<dc:title>Harbours, canals &amp; trams</dc:title>"),
        "{opf}"
    );
}

#[test]
fn epub_book_passes_epubcheck() {
    let test = "epub_book_passes_epubcheck";
    let Some(checker) = support::EpubCheck::find_or_skip(test) else {
        return;
    };
    let (epub, _, _) = books();
    let results = checker
        .check(std::slice::from_ref(epub), true)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(results[0].is_clean(), "{:?}", results[0]);
}

#[test]
fn tei_corpus_has_unique_ids_resolving_targets_and_validates() {
    let (_, tei, _) = books();
    let xml = fs::read_to_string(tei).unwrap();
    assert!(
        xml.contains("<teiCorpus xmlns=\"http://www.tei-c.org/ns/1.0\""),
        "{}",
        &xml[..300]
    );
    let ids = support::attrs(&xml, "xml:id");
    let set: HashSet<&String> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "duplicate xml:id");
    for a in 1..=examples().len() {
        assert!(set.contains(&format!("a{a}")), "TEI a{a}");
    }
    assert!(
        ids.iter().any(|i| i == "a2-ref-1") && ids.iter().any(|i| i == "a1-cite-1-1"),
        "{ids:?}"
    );
    let mut internal = 0;
    for t in support::attrs(&xml, "target") {
        if let Some(id) = t.strip_prefix('#') {
            assert!(set.contains(&id.to_string()), "#{id} does not resolve");
            internal += 1;
        }
    }
    assert!(internal > 50, "{internal}");
    assert_eq!(xml.matches("<TEI ").count(), examples().len());
    let test = "tei_corpus_validates";
    let Some(jing) = support::Jing::find_or_skip(test) else {
        return;
    };
    jing.validate_all_profiles(test, &[tei.to_path_buf()])
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn pdf_book_passes_qpdf_with_chapters_on_recto_pages_running_heads_and_nested_outline() {
    let (_, _, pdf) = books();
    let doc = lopdf::Document::load(pdf).unwrap();
    // The outline: the book's title at the top; in it the contents and
    // one item per chapter, sections inside.
    let catalog = doc.catalog().unwrap();
    let root = doc
        .get_dictionary(catalog.get(b"Outlines").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(
        root.get(b"First").ok(),
        root.get(b"Last").ok(),
        "one top-level item"
    );
    let book = doc
        .get_dictionary(root.get(b"First").unwrap().as_reference().unwrap())
        .unwrap();
    let mut item = book.get(b"First").unwrap().as_reference().ok();
    let mut top = 0;
    let mut with_kids = 0;
    while let Some(id) = item {
        let d = doc.get_dictionary(id).unwrap();
        top += 1;
        if d.get(b"First").is_ok() {
            with_kids += 1;
        }
        item = d.get(b"Next").ok().and_then(|n| n.as_reference().ok());
    }
    assert_eq!(
        top,
        1 + examples().len(),
        "the contents and one item per chapter"
    );
    assert!(with_kids >= 2, "sections nested under chapters");
    let test = "pdf_book_qpdf";
    let Some(qpdf) = support::which("qpdf") else {
        return support::skip(test, "qpdf not found");
    };
    let o = Command::new(qpdf).arg("--check").arg(pdf).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let Some(pdftotext) = support::which("pdftotext") else {
        return support::skip(test, "pdftotext not found");
    };
    let o = Command::new(pdftotext).arg(pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(
        pages[0].contains("Harbours, canals & trams"),
        "title page: {}",
        pages[0]
    );
    // Each chapter's title opens an odd-numbered page (index even).
    let mut starts = vec![];
    for p in examples() {
        let article = fs::read_to_string(&p).unwrap();
        let title: String = article
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let at = pages
            .iter()
            .position(|pg| pg.trim_start().starts_with(&title))
            .unwrap_or_else(|| panic!("{title}"));
        assert_eq!(at % 2, 0, "{title} starts on page {}", at + 1);
        // The running head: the chapter's title atop its next page, if it has one.
        if let Some(next) = pages.get(at + 1).filter(|p| p.trim().len() > 200) {
            assert!(
                next.trim_start().starts_with(&title),
                "running head {title}: {next}"
            );
        }
        starts.push(at);
    }
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
}

#[test]
fn a_manifest_makes_the_same_book() {
    let tmp = tempfile::tempdir().unwrap();
    let names = copy_examples(tmp.path());
    let list: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    fs::write(
        tmp.path().join("book.toml"),
        format!(
            "title = \"From a manifest\"\nauthor = \"Ed\"\nlanguage = \"en\"\narticles = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let o = refolio(&["book", "book.toml", "-o", "m.tei.xml"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = fs::read_to_string(tmp.path().join("m.tei.xml")).unwrap();
    assert!(
        xml.contains("<title type=\"main\">From a manifest</title>")
            && xml.contains("<author>Ed</author>")
    );
    assert_eq!(xml.matches("<TEI ").count(), names.len());
    // No title: an error, nothing written.
    let o = refolio(&["book", &names[0], "-o", "x.epub"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("title"), "{}", stderr(&o));
    // A bad article fails the book: nothing written.
    fs::write(tmp.path().join("bad.txt"), b"T\n\n\xff\n").unwrap();
    let o = refolio(
        &["book", &names[0], "bad.txt", "--title", "T", "-o", "y.epub"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!tmp.path().join("y.epub").exists());
}
