//! EPUB 3 output, end to end through the `refolio` command line:
//!
//! - EPUBCheck 5 (with usage notes, `-u`) reports nothing — no fatal error,
//!   error, warning or usage note — for every `input/` example, a book with
//!   hostile metadata and, when `../shared` exists, the seed and every corpus
//!   article; all in ONE JVM run. A deliberately broken book in the same run
//!   must be reported, so the check can fail.
//! - Ace by DAISY reports no violation for the `input/` examples and the
//!   seed (a book without `lang` must be reported). Both validators also
//!   check the three `input/` articles made into ONE book and a book made
//!   with `--epub-notes first`.
//! - The rules reading systems use to pop notes up, one test each (README,
//!   "E-book readers"): `noteref` on every citation link, `footnote` on its
//!   target, the note after its citation in the same file, typed
//!   back-links, the note's length within Kobo's 9–5,000 characters or a
//!   warning; `--epub-notes first` puts the back-links first. Each rule
//!   also runs over a control chapter that breaks it.
//! - foliate-js, a real reading system's engine, in headless Chromium: a
//!   citation pops up its note and the note's back-link returns to it.
//! - Chromium's layout at 320 px (`tests/foliate/lines.js`): no line starts
//!   with the `000` of a broken `250 000` or with a lone marker of a group;
//!   a control with ordinary spaces instead of U+00A0 must break.
//! - Every `href` inside every book resolves inside the archive; every
//!   marker links to its entry and every back-link to its marker.
//! - Rebuilds are byte-identical; SOURCE_DATE_EPOCH sets the time; changing
//!   one character of the text changes the identifier.
//! - Metadata is escaped or rejected; bad input leaves no `.epub` behind.
//! - Golden text of the OPF, nav and chapter XHTML of each `input/` example
//!   in `tests/golden/epub/STEM/`. After an intended change:
//!
//!       BLESS=1 cargo test --test epub golden
//!       git diff tests/golden/epub
//!
//! Missing tools or `../shared` are skipped with a visible `SKIPPED` line
//! (a failure under `REFOLIO_REQUIRE_TOOLS=1`).

mod support;

use refolio::ast::{Inline, for_each_inlines};
use refolio::{ParseOptions, parse_article};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One Chromium-driving test of this file at a time (Ace, foliate-js's
/// pop-ups, the line test). Started together on a 2-core machine, their
/// Chromiums timed out: Ace then wrote no report, twice in a row in one CI
/// run.
fn one_chromium_at_a_time() -> MutexGuard<'static, ()> {
    static CHROMIUM: Mutex<()> = Mutex::new(());
    CHROMIUM
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `refolio ARGS` in `dir` with SOURCE_DATE_EPOCH unset unless given.
fn refolio(args: &[&str], dir: &Path, epoch: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_refolio"));
    cmd.args(args).current_dir(dir).stdin(Stdio::null());
    match epoch {
        Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
        None => cmd.env_remove("SOURCE_DATE_EPOCH"),
    };
    cmd.output().expect("run refolio")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Prints a line on the real stderr (visible in `cargo test` output).
fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// `input/*.txt`, sorted.
fn input_articles() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("input"))
        .expect("input/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    v
}

/// The seed and every corpus article of `../shared`, sorted.
fn shared_articles(shared: &Path) -> Vec<PathBuf> {
    let mut v = vec![shared.join("seed/temporary-deployment.txt")];
    let mut corpus: Vec<PathBuf> = fs::read_dir(shared.join("corpus"))
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    corpus.retain(|p| p.extension().is_some_and(|x| x == "txt"));
    corpus.sort();
    v.extend(corpus);
    v
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// A built book: the article it came from and the `.epub`.
#[derive(Debug, Clone)]
struct Book {
    article: PathBuf,
    epub: PathBuf,
}

/// Hostile metadata for the escaping book (also validated by EPUBCheck).
const HOSTILE: [&str; 10] = [
    "--author",
    "Ann & <Bob> \"Cy\" 'D' ]]>",
    "--license",
    "CC <BY> & \"friends\"",
    "--source-url",
    "https://example.org/a b?x=1&y=<2>#\"z\"",
    "--date",
    "Winter & <1993>",
    "--identifier",
    "urn:x-test:<&>\"'",
];

/// Every book, built once per test run into the target's temp folder:
/// the `input/` examples, then (when `../shared` exists) the seed and the
/// corpus, all in one `refolio convert` run; plus the hostile-metadata book.
fn books() -> &'static (Vec<Book>, Book) {
    static BOOKS: OnceLock<(Vec<Book>, Book)> = OnceLock::new();
    BOOKS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("epub-books");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let mut articles = input_articles();
        if let Some(shared) = support::shared_dir() {
            articles.extend(shared_articles(&shared));
        }
        let mut args: Vec<String> = vec!["convert".into()];
        args.extend(articles.iter().map(|p| p.display().to_string()));
        args.extend([
            "-t".into(),
            "epub".into(),
            "-o".into(),
            dir.display().to_string(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = refolio(&args, root(), None);
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "refolio convert failed:\n{}",
            stderr(&o)
        );
        let books: Vec<Book> = articles
            .iter()
            .map(|a| {
                let epub = dir.join(format!("{}.epub", stem(a)));
                assert!(
                    epub.is_file(),
                    "{} was not written:\n{}",
                    epub.display(),
                    stderr(&o)
                );
                Book {
                    article: a.clone(),
                    epub,
                }
            })
            .collect();

        let hostile_dir = dir.join("hostile");
        let article = root().join("input/skerry-point-keepers.txt");
        let mut args = vec!["convert", article.to_str().unwrap(), "-t", "epub", "-o"];
        args.push(hostile_dir.to_str().unwrap());
        args.extend(HOSTILE);
        let o = refolio(&args, root(), None);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let hostile = Book {
            article,
            epub: hostile_dir.join("skerry-point-keepers.epub"),
        };
        (books, hostile)
    })
}

/// The books beside the one-article ones, built once: the three `input/`
/// articles as ONE book (`refolio book`), and `canal-and-locks` with
/// `--epub-notes first`. Each `article` is the book's first article.
fn extra_books() -> &'static [Book] {
    static EXTRA: OnceLock<Vec<Book>> = OnceLock::new();
    EXTRA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("epub-extra-books");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let articles = input_articles();
        assert_eq!(articles.len(), 3, "the 3-article book needs input/*.txt");
        let three = dir.join("three-articles.epub");
        let mut args: Vec<String> = vec!["book".into()];
        args.extend(articles.iter().map(|p| p.display().to_string()));
        args.extend([
            "--title".into(),
            "Three articles".into(),
            "-o".into(),
            three.display().to_string(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = refolio(&args, root(), None);
        assert_eq!(o.status.code(), Some(0), "refolio book: {}", stderr(&o));
        let canal = root().join("input/canal-and-locks.txt");
        let first_dir = dir.join("first");
        let o = refolio(
            &[
                "convert",
                canal.to_str().unwrap(),
                "-t",
                "epub",
                "--epub-notes",
                "first",
                "-o",
                first_dir.to_str().unwrap(),
            ],
            root(),
            None,
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "--epub-notes first: {}",
            stderr(&o)
        );
        vec![
            Book {
                article: articles[0].clone(),
                epub: three,
            },
            Book {
                article: canal,
                epub: first_dir.join("canal-and-locks.epub"),
            },
        ]
    })
}

/// The entries of a zip, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_string(), data)
        })
        .collect()
}

fn entry_text(entries: &[(String, Vec<u8>)], name: &str) -> String {
    let (_, data) = entries
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in the archive"));
    String::from_utf8(data.clone()).expect("UTF-8")
}

/// The same archive with one entry's text changed (for broken controls).
fn rewrite_entry(epub: &[u8], name: &str, f: impl Fn(&str) -> String) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut changed = false;
    for (n, data) in unzip(epub) {
        let method = if n == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            n.as_str(),
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        if n == name {
            let new = f(std::str::from_utf8(&data).unwrap());
            assert_ne!(new.as_bytes(), &data[..], "the control must differ");
            w.write_all(new.as_bytes()).unwrap();
            changed = true;
        } else {
            w.write_all(&data).unwrap();
        }
    }
    assert!(changed, "no {name}");
    w.finish().unwrap().into_inner()
}

// ------------------------------------------------------------ validators

#[test]
fn epubcheck_reports_nothing_on_any_book() {
    let test = "epubcheck_reports_nothing_on_any_book";
    let Some(checker) = support::EpubCheck::find_or_skip(test) else {
        return;
    };
    if support::shared_dir().is_none() {
        support::skip(
            test,
            "../shared not found: the seed and the corpus are not checked",
        );
    }
    let (books, hostile) = books();
    // A control that EPUBCheck must reject: a marker pointing at no entry.
    let tmp = tempfile::tempdir().unwrap();
    let control = tmp.path().join("control-broken-link.epub");
    let good = fs::read(&books[0].epub).unwrap();
    fs::write(
        &control,
        rewrite_entry(&good, "OEBPS/chapter-1.xhtml", |t| {
            t.replacen("href=\"#ref-1\"", "href=\"#ref-0\"", 1)
        }),
    )
    .unwrap();

    let mut files = vec![control.clone()];
    files.extend(books.iter().map(|b| b.epub.clone()));
    files.push(hostile.epub.clone());
    files.extend(extra_books().iter().map(|b| b.epub.clone()));
    let start = Instant::now();
    let results = checker
        .check(&files, true)
        .unwrap_or_else(|e| panic!("{e}"));
    say(&format!(
        "epubcheck: {} books (+1 control) in one JVM run: {:.1} s",
        files.len() - 1,
        start.elapsed().as_secs_f64()
    ));

    let c = &results[0];
    assert!(
        c.errors >= 1 && c.messages.iter().any(|m| m.contains("RSC-012")),
        "EPUBCheck did not report the broken control: {c:?}"
    );
    let dirty: Vec<String> = results[1..]
        .iter()
        .filter(|r| !r.is_clean())
        .map(|r| {
            format!(
                "{}: {} fatal, {} errors, {} warnings, {} usages\n  {}",
                r.file.display(),
                r.fatals,
                r.errors,
                r.warnings,
                r.usages,
                r.messages.join("\n  ")
            )
        })
        .collect();
    assert!(
        dirty.is_empty(),
        "EPUBCheck findings:\n{}",
        dirty.join("\n")
    );
}

/// The books of the bundled examples, and of the seed when `../shared` is
/// there (else a visible skip of that part).
fn input_and_seed_books(test: &str) -> Vec<&'static Book> {
    let (books, _) = books();
    let mut checked: Vec<&Book> = books
        .iter()
        .filter(|b| b.article.starts_with(root().join("input")))
        .collect();
    match support::shared_dir() {
        Some(shared) => {
            let seed = shared.join("seed/temporary-deployment.txt");
            checked.extend(books.iter().filter(|b| b.article == seed));
        }
        None => support::skip(test, "../shared not found: the seed is not checked"),
    }
    checked
}

#[test]
fn ace_reports_no_violations() {
    let test = "ace_reports_no_violations";
    let _chromium = one_chromium_at_a_time();
    let Some(ace) = support::Ace::find_or_skip(test) else {
        return;
    };
    let mut checked = input_and_seed_books(test);
    let tmp = tempfile::tempdir().unwrap();
    // A control that Ace must reject: a chapter without a language.
    let control = tmp.path().join("control-no-lang.epub");
    let good = fs::read(&checked[0].epub).unwrap();
    fs::write(
        &control,
        rewrite_entry(&good, "OEBPS/chapter-1.xhtml", |t| {
            t.replacen(" lang=\"en\" xml:lang=\"en\"", "", 1)
        }),
    )
    .unwrap();
    checked.extend(extra_books());
    let mut epubs = vec![control];
    epubs.extend(checked.iter().map(|b| b.epub.clone()));

    let start = Instant::now();
    // Two Ace runs at a time (each starts a Chromium; the other Chromium
    // tests of this file wait): more at once on a 2-core machine made
    // Chromium time out.
    let mut results: Vec<Result<Vec<support::AceViolation>, String>> = Vec::new();
    for (c, chunk) in epubs.chunks(2).enumerate() {
        results.extend(std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(i, epub)| {
                    let out = tmp.path().join(format!("report-{}", 2 * c + i));
                    let ace = &ace;
                    s.spawn(move || ace.check(epub, &out))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("Ace thread"))
                .collect::<Vec<_>>()
        }));
    }
    say(&format!(
        "ace: {} books (+1 control): {:.1} s",
        checked.len(),
        start.elapsed().as_secs_f64()
    ));

    let control = results[0]
        .as_ref()
        .unwrap_or_else(|e| panic!("Ace on the control: {e}"));
    assert!(
        control.iter().any(|v| v.rule.contains("lang")),
        "Ace did not report the chapter without a language: {control:?}"
    );
    let mut problems = Vec::new();
    for (epub, r) in epubs[1..].iter().zip(&results[1..]) {
        match r {
            Err(e) => problems.push(format!("{}: {e}", epub.display())),
            Ok(v) => problems.extend(v.iter().map(|x| {
                format!(
                    "{}: {} [{}] {}: {}",
                    epub.display(),
                    x.file,
                    x.impact,
                    x.rule,
                    x.description
                )
            })),
        }
    }
    assert!(
        problems.is_empty(),
        "Ace violations:\n{}",
        problems.join("\n")
    );
}

// ----------------------------------------------------------------- links

/// One element of interest in an XHTML document.
#[derive(Debug, Clone, Default)]
struct Elem {
    name: String,
    attrs: BTreeMap<String, String>,
    /// The `id` of the nearest enclosing note (`role="doc-footnote"`), if any.
    in_note: Option<String>,
    /// Inside the `section` with role `doc-endnotes`.
    in_endnotes: bool,
    /// Its text content (for `a` elements and notes).
    text: String,
}

/// Parses an XHTML document: every element with its attributes and context.
fn elements(name: &str, text: &str) -> Vec<Elem> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Elem> = Vec::new();
    let mut out: Vec<Elem> = Vec::new();
    // The elements whose text is collected (`a`, notes), and for each open
    // element whether it is one of them.
    let mut open_a: Vec<usize> = Vec::new();
    let mut collecting: Vec<bool> = Vec::new();
    let read = |e: &quick_xml::events::BytesStart, stack: &[Elem]| -> Elem {
        let attrs: BTreeMap<String, String> = e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("attribute value")
                        .into_owned(),
                )
            })
            .collect();
        let tag = e.name().as_ref().to_string();
        let parent = stack.last();
        let in_note = if attrs.get("role").is_some_and(|r| r == "doc-footnote") {
            attrs.get("id").cloned()
        } else {
            parent.and_then(|p| p.in_note.clone())
        };
        let in_endnotes = parent.is_some_and(|p| p.in_endnotes)
            || attrs.get("role").is_some_and(|r| r == "doc-endnotes");
        Elem {
            name: tag,
            attrs,
            in_note,
            in_endnotes,
            text: String::new(),
        }
    };
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => {
                let el = read(&e, &stack);
                let collect =
                    el.name == "a" || el.attrs.get("role").is_some_and(|r| r == "doc-footnote");
                if collect {
                    open_a.push(out.len());
                }
                collecting.push(collect);
                out.push(el.clone());
                stack.push(el);
            }
            Ok(Event::Empty(e)) => {
                let el = read(&e, &stack);
                out.push(el);
            }
            Ok(Event::End(_)) => {
                if collecting.pop() == Some(true) {
                    open_a.pop();
                }
                stack.pop();
            }
            Ok(Event::Text(t)) => {
                let s = t.xml10_content().into_owned();
                for &i in &open_a {
                    out[i].text.push_str(&s);
                }
            }
            Ok(Event::GeneralRef(g)) => {
                let s = match g.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => match g.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("{name}: unknown entity {other:?}"),
                    }
                    .to_string(),
                };
                for &i in &open_a {
                    out[i].text.push_str(&s);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name}: not well-formed: {e}"),
        }
    }
    out
}

/// Resolves `href` (relative to `OEBPS/`) to (zip path, fragment).
fn resolve(href: &str) -> (String, Option<String>) {
    let (path, frag) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (href, None),
    };
    (format!("OEBPS/{path}"), frag)
}

/// Checks one book's links; returns the problems found.
fn check_links(book: &Book) -> Vec<String> {
    let mut problems = Vec::new();
    let name = book.epub.display().to_string();
    let entries = unzip(&fs::read(&book.epub).unwrap());
    let files: HashSet<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();

    // The manifest lists every file of the book, and every listed file exists.
    let opf = entry_text(&entries, "OEBPS/content.opf");
    let mut manifest = HashSet::new();
    for e in elements("content.opf", &opf) {
        if e.name == "item" {
            let href = e.attrs.get("href").cloned().unwrap_or_default();
            let (path, _) = resolve(&href);
            if !files.contains(path.as_str()) {
                problems.push(format!(
                    "{name}: manifest item {href} is not in the archive"
                ));
            }
            manifest.insert(path);
        }
    }
    for f in &files {
        let extra = *f != "mimetype" && !f.starts_with("META-INF/") && *f != "OEBPS/content.opf";
        if extra && !manifest.contains(*f) {
            problems.push(format!("{name}: {f} is not in the manifest"));
        }
    }

    // Every document's ids, then every local href.
    let docs: Vec<(String, Vec<Elem>)> = entries
        .iter()
        .filter(|(n, _)| n.ends_with(".xhtml"))
        .map(|(n, d)| (n.clone(), elements(n, std::str::from_utf8(d).unwrap())))
        .collect();
    let ids: HashMap<&str, HashMap<&str, &Elem>> = docs
        .iter()
        .map(|(n, els)| {
            let mut m = HashMap::new();
            for e in els {
                if let Some(id) = e.attrs.get("id")
                    && m.insert(id.as_str(), e).is_some()
                {
                    problems.push(format!("{name}: {n}: duplicate id {id}"));
                }
            }
            (n.as_str(), m)
        })
        .collect();
    let target = |doc: &str, href: &str| -> Option<&Elem> {
        let (path, frag) = if let Some(frag) = href.strip_prefix('#') {
            (doc.to_string(), Some(frag.to_string()))
        } else {
            resolve(href)
        };
        let in_doc = ids.get(path.as_str())?;
        match frag {
            Some(f) => in_doc.get(f.as_str()).copied(),
            // The document itself: any element stands for it.
            None => in_doc.values().next().copied().or(Some(&DOC)),
        }
    };
    for (doc, els) in &docs {
        for e in els.iter().filter(|e| e.name == "a") {
            let Some(href) = e.attrs.get("href") else {
                continue;
            };
            if href.starts_with("http://") || href.starts_with("https://") {
                continue;
            }
            if target(doc, href).is_none() {
                problems.push(format!("{name}: {doc}: href {href} resolves to nothing"));
            }
        }
    }

    // Markers and back-links, chapter by chapter.
    let text = fs::read(&book.article).unwrap();
    let parsed = parse_article("a", text, Default::default(), &ParseOptions::default()).unwrap();
    let doc = &parsed.document;
    let refs: HashSet<u32> = doc.references.iter().map(|r| r.n).collect();
    let mut markers = 0;
    for_each_inlines(doc, &mut |inlines| {
        markers += inlines
            .iter()
            .filter(|i| matches!(i, Inline::Cite { n, .. } if refs.contains(n)))
            .count();
    });
    let (chapter, els) = docs
        .iter()
        .find(|(n, _)| n == "OEBPS/chapter-1.xhtml")
        .expect("chapter");
    let noterefs: Vec<&Elem> = els
        .iter()
        .filter(|e| e.attrs.get("role").is_some_and(|r| r == "doc-noteref"))
        .collect();
    if noterefs.len() != markers {
        problems.push(format!(
            "{name}: {} noterefs for {markers} markers",
            noterefs.len()
        ));
    }
    for a in &noterefs {
        let href = a.attrs.get("href").cloned().unwrap_or_default();
        let Some(t) = target(chapter, &href) else {
            continue;
        };
        if !(t.name == "div" && t.in_endnotes && t.in_note.as_deref() == href.strip_prefix('#')) {
            problems.push(format!(
                "{name}: noteref {href} points at a {}, not a note of the reference list",
                t.name
            ));
        }
        if a.attrs.get("epub:type").map(String::as_str) != Some("noteref") {
            problems.push(format!("{name}: noteref {href} has no epub:type=noteref"));
        }
        if t.attrs.get("id").map(|id| id.trim_start_matches("ref-")) != Some(a.text.as_str()) {
            problems.push(format!(
                "{name}: noteref text {:?} is not its entry's number",
                a.text
            ));
        }
        // A noteref with an id has a back-link to it from its entry.
        if let Some(id) = a.attrs.get("id") {
            let back = format!("#{id}");
            let found = els.iter().any(|b| {
                b.attrs.get("role").is_some_and(|r| r == "doc-backlink")
                    && b.attrs.get("href") == Some(&back)
                    && b.in_note.as_deref() == href.strip_prefix('#')
            });
            if !found {
                problems.push(format!("{name}: no back-link to {id} in entry {href}"));
            }
        }
    }
    let mut backlinks_per_entry: HashMap<String, usize> = HashMap::new();
    for b in els.iter().filter(|e| {
        e.attrs.get("role").is_some_and(|r| r == "doc-backlink")
            || e.attrs
                .get("class")
                .is_some_and(|c| c == "backlink-missing")
    }) {
        *backlinks_per_entry
            .entry(b.in_note.clone().unwrap_or_default())
            .or_default() += 1;
        let Some(href) = b.attrs.get("href") else {
            continue;
        };
        match target(chapter, href) {
            Some(t) if t.attrs.get("role").is_some_and(|r| r == "doc-noteref") => {
                let entry = format!("#{}", b.in_note.clone().unwrap_or_default());
                if t.attrs.get("href") != Some(&entry) {
                    problems.push(format!(
                        "{name}: back-link {href} returns to a marker of another entry"
                    ));
                }
            }
            _ => problems.push(format!(
                "{name}: back-link {href} does not point at a marker"
            )),
        }
    }
    for r in &doc.references {
        let got = backlinks_per_entry
            .get(&format!("ref-{}", r.n))
            .copied()
            .unwrap_or(0);
        if got != r.backlinks.len() {
            problems.push(format!(
                "{name}: entry {} has {got} back-links, the source has {} `[]` groups",
                r.n,
                r.backlinks.len()
            ));
        }
    }
    if !parsed.has_errors()
        && els.iter().any(|e| {
            e.attrs
                .get("class")
                .is_some_and(|c| c == "backlink-missing")
        })
    {
        problems.push(format!(
            "{name}: a consistent article has a back-link without marker"
        ));
    }
    problems
}

/// Stands for a document without elements in [`check_links`].
static DOC: Elem = Elem {
    name: String::new(),
    attrs: BTreeMap::new(),
    in_note: None,
    in_endnotes: false,
    text: String::new(),
};

#[test]
fn every_href_resolves_and_notes_link_both_ways() {
    let test = "every_href_resolves_and_notes_link_both_ways";
    if support::shared_dir().is_none() {
        support::skip(
            test,
            "../shared not found: only input/ examples are checked",
        );
    }
    let (books, hostile) = books();
    let mut problems = Vec::new();
    for b in books.iter().chain([hostile]).chain(extra_books()) {
        problems.extend(check_links(b));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The examples do exercise the check.
    let canal = books
        .iter()
        .find(|b| stem(&b.article) == "canal-and-locks")
        .unwrap();
    let chapter = entry_text(
        &unzip(&fs::read(&canal.epub).unwrap()),
        "OEBPS/chapter-1.xhtml",
    );
    assert_eq!(chapter.matches("role=\"doc-noteref\"").count(), 22);
    assert_eq!(chapter.matches("role=\"doc-backlink\"").count(), 22);
}

// ---------------------------------------------------------- reader rules
//
// One test per documented rule of a reading system (README, "E-book
// readers", gives each rule's source). Each rule is a function over one
// chapter's XHTML that returns the places breaking it; each test runs it
// over every book and over a control that breaks the rule, so it can fail.

/// The chapters (`OEBPS/chapter-*.xhtml`) of a book: (name, text).
fn chapters(book: &Book) -> Vec<(String, String)> {
    unzip(&fs::read(&book.epub).unwrap())
        .into_iter()
        .filter(|(n, _)| n.starts_with("OEBPS/chapter-") && n.ends_with(".xhtml"))
        .map(|(n, d)| (n, String::from_utf8(d).expect("UTF-8")))
        .collect()
}

/// Every book: the one-article ones, the hostile one, the 3-article book
/// and the `--epub-notes first` one.
fn every_book() -> Vec<&'static Book> {
    let (books, hostile) = books();
    books.iter().chain([hostile]).chain(extra_books()).collect()
}

fn types(e: &Elem) -> Vec<&str> {
    e.attrs
        .get("epub:type")
        .map(|t| t.split_whitespace().collect())
        .unwrap_or_default()
}

fn has_role(e: &Elem, role: &str) -> bool {
    e.attrs
        .get("role")
        .is_some_and(|r| r.split_whitespace().any(|x| x == role))
}

/// (index in document order, element) of the element with `id`.
fn by_id<'a>(els: &'a [Elem], id: &str) -> Option<(usize, &'a Elem)> {
    els.iter()
        .enumerate()
        .find(|(_, e)| e.attrs.get("id").is_some_and(|i| i == id))
}

/// The notes of a chapter: elements with `role="doc-footnote"`.
fn notes(els: &[Elem]) -> impl Iterator<Item = (usize, &Elem)> {
    els.iter()
        .enumerate()
        .filter(|(_, e)| has_role(e, "doc-footnote"))
}

/// Runs `rule` over every chapter of every book, and over `control` (a
/// chapter made to break the rule), which must be reported.
fn check_rule(rule: fn(&str, &str) -> Vec<String>, control: &str) {
    let control_problems = rule("control", control);
    assert!(
        !control_problems.is_empty(),
        "the rule does not catch its control:\n{control}"
    );
    let mut problems = Vec::new();
    let mut chapters_seen = 0;
    for b in every_book() {
        for (name, text) in chapters(b) {
            chapters_seen += 1;
            problems.extend(rule(&format!("{}: {name}", b.epub.display()), &text));
        }
    }
    assert!(chapters_seen >= 6, "only {chapters_seen} chapters checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The chapter of the canal example's book.
fn canal_text() -> String {
    let (books, _) = books();
    let canal = books
        .iter()
        .find(|b| stem(&b.article) == "canal-and-locks")
        .unwrap();
    entry_text(
        &unzip(&fs::read(&canal.epub).unwrap()),
        "OEBPS/chapter-1.xhtml",
    )
}

/// The canal chapter with `f` applied (the controls).
fn canal_chapter(f: impl Fn(&str) -> String) -> String {
    let text = canal_text();
    let changed = f(&text);
    assert_ne!(changed, text, "the control must differ");
    changed
}

/// foliate-js (`isFootnoteReference`: role `doc-noteref` or epub:type
/// `noteref`), Calibre (`is_footnote_link`), KOReader (cre.cpp: a trusted
/// source with epub:type `noteref` is a footnote), Readium
/// (`popupFootNote`: `noteref` in epub:type or role), Apple Books: every
/// link to a note is typed `noteref` AND has the role `doc-noteref`.
fn rule_noteref(name: &str, text: &str) -> Vec<String> {
    let els = elements(name, text);
    let note_ids: HashSet<&str> = notes(&els)
        .filter_map(|(_, e)| e.attrs.get("id").map(String::as_str))
        .collect();
    let mut problems = Vec::new();
    let mut links = 0;
    for a in els.iter().filter(|e| e.name == "a") {
        let Some(href) = a.attrs.get("href") else {
            continue;
        };
        let frag = href.rsplit_once('#').map_or("", |(_, f)| f);
        let to_note = note_ids.contains(frag) || frag.starts_with("ref-");
        if !to_note {
            continue;
        }
        links += 1;
        if !types(a).contains(&"noteref") || !has_role(a, "doc-noteref") {
            problems.push(format!(
                "{name}: link {href} is not typed noteref/doc-noteref"
            ));
        }
    }
    if links == 0 && !note_ids.is_empty() {
        problems.push(format!("{name}: notes but no links to them"));
    }
    problems
}

#[test]
fn reader_rule_noteref_on_every_citation_link() {
    check_rule(
        rule_noteref,
        &canal_chapter(|t| t.replacen("epub:type=\"noteref\" ", "", 1)),
    );
}

/// Apple Books pops up a note typed `footnote`; Calibre's
/// `is_epub_footnote` and KOReader's cre.cpp trust `footnote` /
/// `doc-footnote` on the target; foliate-js's `getReferencedType` names it
/// a footnote. It must not be an `aside` (hidden in the reading view by
/// Readium's CSS) nor an `li` (the typed `li` fails Ace and EPUBCheck).
fn rule_footnote_target(name: &str, text: &str) -> Vec<String> {
    let els = elements(name, text);
    let mut problems = Vec::new();
    for a in els.iter().filter(|e| has_role(e, "doc-noteref")) {
        let href = a.attrs.get("href").cloned().unwrap_or_default();
        let Some((_, t)) = by_id(&els, href.trim_start_matches('#')) else {
            problems.push(format!("{name}: noteref {href} has no target here"));
            continue;
        };
        let typed = types(t).contains(&"footnote") && has_role(t, "doc-footnote");
        if !typed || t.name != "div" || !t.in_endnotes {
            problems.push(format!(
                "{name}: {href} points at <{} epub:type={:?} role={:?}>, not a \
                 div[epub:type=footnote][role=doc-footnote] of the reference list",
                t.name,
                t.attrs.get("epub:type"),
                t.attrs.get("role")
            ));
        }
    }
    if els.iter().any(|e| e.name == "aside") {
        problems.push(format!("{name}: has an aside"));
    }
    problems
}

#[test]
fn reader_rule_footnote_on_every_target() {
    check_rule(
        rule_footnote_target,
        &canal_chapter(|t| t.replacen("epub:type=\"footnote\" ", "", 1)),
    );
}

/// Apple Books pops up a note in the same file as its citation (the noteref
/// is a fragment-only link); Kobo (epub-spec, pop-up criterion 4) and
/// KOReader (flag 0x0020, "target must come after source") want the note
/// after the link in reading order.
fn rule_after_and_same_file(name: &str, text: &str) -> Vec<String> {
    let els = elements(name, text);
    let mut problems = Vec::new();
    for (i, a) in els
        .iter()
        .enumerate()
        .filter(|(_, e)| has_role(e, "doc-noteref"))
    {
        let href = a.attrs.get("href").cloned().unwrap_or_default();
        let Some(frag) = href.strip_prefix('#') else {
            problems.push(format!("{name}: noteref {href} leaves the file"));
            continue;
        };
        match by_id(&els, frag) {
            Some((j, _)) if j > i => {}
            Some(_) => problems.push(format!("{name}: note {href} stands before its citation")),
            None => problems.push(format!("{name}: note {href} is not in the file")),
        }
    }
    problems
}

#[test]
fn reader_rule_note_after_its_citation_in_the_same_file() {
    // The control: the reference list moved before the text.
    let before = canal_chapter(|t| {
        let start = t.find("<section id=\"references\"").unwrap();
        let end = t[start..].find("</section>").unwrap() + start + "</section>".len();
        let list = &t[start..end];
        let header = t.find("<header>").unwrap();
        format!("{}{list}{}{}", &t[..header], &t[header..start], &t[end..])
    });
    assert!(!rule_after_and_same_file("control", &before).is_empty());
    check_rule(
        rule_after_and_same_file,
        &canal_chapter(|t| t.replacen("href=\"#ref-1\"", "href=\"nav.xhtml#ref-1\"", 1)),
    );
}

/// foliate-js (`maybe`: not a back-link) and Readium (its pop-up hides
/// `a[epub|type~="backlink"]`, `a[role~="doc-backlink"]`): every link from
/// a note back to a citation is typed `backlink` AND `doc-backlink`, and
/// stands inside its note.
fn rule_backlink(name: &str, text: &str) -> Vec<String> {
    let els = elements(name, text);
    let cites: HashSet<&str> = els
        .iter()
        .filter(|e| has_role(e, "doc-noteref"))
        .filter_map(|e| e.attrs.get("id").map(String::as_str))
        .collect();
    let mut problems = Vec::new();
    for a in els.iter().filter(|e| e.name == "a") {
        let Some(href) = a.attrs.get("href") else {
            continue;
        };
        if !cites.contains(href.trim_start_matches('#')) {
            continue;
        }
        if !types(a).contains(&"backlink") || !has_role(a, "doc-backlink") {
            problems.push(format!(
                "{name}: back-link {href} is not typed backlink/doc-backlink"
            ));
        }
        if a.in_note.is_none() {
            problems.push(format!("{name}: back-link {href} is outside any note"));
        }
    }
    problems
}

#[test]
fn reader_rule_backlinks_are_typed() {
    check_rule(
        rule_backlink,
        &canal_chapter(|t| t.replacen("epub:type=\"backlink\" ", "", 1)),
    );
}

/// Kobo (epub-spec, pop-up criteria 2 and 3): a note has 9 to 5,000
/// characters of text. A linked note outside that range must be reported
/// by refolio (a warning naming the reference and its length).
#[test]
fn reader_rule_note_length_within_kobo_range_or_reported() {
    let kobo = 9..=5000;
    let mut problems = Vec::new();
    let (mut measured, mut reported) = (0, 0);
    for b in every_book() {
        let mut outside = Vec::new();
        for (name, text) in chapters(b) {
            let els = elements(&name, &text);
            for (_, n) in notes(&els) {
                let Some(id) = n.attrs.get("id") else {
                    continue;
                };
                measured += 1;
                let chars = n.text.chars().count();
                if !kobo.contains(&chars) {
                    outside.push((id.trim_start_matches("ref-").to_string(), chars));
                }
            }
        }
        if outside.is_empty() {
            continue;
        }
        if chapters(b).len() > 1 {
            problems.push(format!(
                "{}: notes outside the range in a book; this test reads the warnings of one article",
                b.epub.display()
            ));
            continue;
        }
        // Only one-article books here: convert again and read the warnings.
        let tmp = tempfile::tempdir().unwrap();
        let o = refolio(
            &[
                "convert",
                b.article.to_str().unwrap(),
                "-t",
                "epub",
                "-o",
                tmp.path().to_str().unwrap(),
            ],
            root(),
            None,
        );
        let err = stderr(&o);
        for (n, chars) in outside {
            reported += 1;
            let want = format!("the EPUB note of reference {n} has {chars} characters");
            if !err.contains(&want) {
                problems.push(format!(
                    "{}: note {n} has {chars} characters and no warning",
                    b.epub.display()
                ));
            }
        }
    }
    say(&format!(
        "note lengths: {measured} linked notes measured, {reported} outside Kobo's 9–5000 characters"
    ));
    assert!(measured > 30, "only {measured} notes measured");
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The control: an article with a 5-character note gets its warning,
    // with the length the EPUB really has ("Ibid. ↩︎" = 8 characters).
    let tmp = tempfile::tempdir().unwrap();
    let article = tmp.path().join("short.txt");
    fs::write(
        &article,
        "Short notes\n\nThe canal opened in 1825.1 It closed in 1931.2\n\n\
         1. Ibid. []\n2. A much longer reference, 2019. []\n",
    )
    .unwrap();
    let o = refolio(
        &["convert", "short.txt", "-t", "epub", "-o", "out"],
        tmp.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("short.txt:5:1: warning: the EPUB note of reference 1 has 8 characters; Kobo's readers pop up only notes of 9 to 5000 characters"),
        "{err}"
    );
    assert!(!err.contains("reference 2 has"), "{err}");
    let chapter = entry_text(
        &unzip(&fs::read(tmp.path().join("out/short.epub")).unwrap()),
        "OEBPS/chapter-1.xhtml",
    );
    let els = elements("short", &chapter);
    let (_, note) = by_id(&els, "ref-1").expect("note 1");
    assert_eq!(note.text.chars().count(), 8, "{:?}", note.text);
}

/// `--epub-notes first` puts each note's back-links at its start (Kindle);
/// the default puts them at its end. Nothing else changes.
#[test]
fn epub_notes_first_puts_backlinks_first() {
    let first = chapters(&extra_books()[1]).remove(0).1;
    let after = canal_text();
    let open = "role=\"doc-footnote\">";
    let notes_first: Vec<&str> = first.split(open).skip(1).collect();
    let notes_after: Vec<&str> = after.split(open).skip(1).collect();
    assert_eq!(notes_first.len(), 9);
    assert_eq!(notes_first.len(), notes_after.len());
    for (f, a) in notes_first.iter().zip(&notes_after) {
        let f = &f[..f.find("</div>").unwrap()];
        let a = &a[..a.find("</div>").unwrap()];
        assert!(f.starts_with("<span class=\"backlinks\">"), "{f}");
        assert!(!a.starts_with("<span class=\"backlinks\">"), "{a}");
        assert!(
            a.ends_with("</span>") && a.contains(" <span class=\"backlinks\">"),
            "{a}"
        );
        // The same pieces, moved: back-links then a space then the text.
        let links = &a[a.find(" <span class=\"backlinks\">").unwrap() + 1..];
        let text = &a[..a.find(" <span class=\"backlinks\">").unwrap()];
        assert_eq!(*f, format!("{links} {text}"));
    }
}

/// foliate-js (Foliate 3's engine, npm `foliate-js`) in headless Chromium,
/// as a reader uses it (`tests/foliate/popup.js`): clicking a citation pops
/// up its note (typed `footnote`, not hidden, with the reference's text and
/// nothing else), and clicking the note's back-link opens no second pop-up
/// but returns the view to the citation, which was off screen before. Run
/// on the canal example, the `--epub-notes first` book and the seed; a
/// control book whose notes lack `footnote` must be reported as untyped.
#[test]
fn foliate_js_pops_up_a_note_and_its_backlink_returns() {
    let test = "foliate_js_pops_up_a_note_and_its_backlink_returns";
    let _chromium = one_chromium_at_a_time();
    let Some(foliate) = support::Foliate::find_or_skip(test) else {
        return;
    };
    let (books, _) = books();
    let mut checked: Vec<&Book> = books
        .iter()
        .filter(|b| stem(&b.article) == "canal-and-locks")
        .collect();
    checked.push(&extra_books()[1]);
    match support::shared_dir() {
        Some(shared) => {
            let seed = shared.join("seed/temporary-deployment.txt");
            checked.extend(books.iter().filter(|b| b.article == seed));
        }
        None => support::skip(test, "../shared not found: the seed is not checked"),
    }
    let start = Instant::now();
    let mut problems = Vec::new();
    for b in &checked {
        let parsed = parse_article(
            "a",
            fs::read(&b.article).unwrap(),
            Default::default(),
            &ParseOptions::default(),
        )
        .unwrap();
        let chapter = &chapters(b)[0].1;
        // The second reference cited (the first when there is one), by its
        // first citation.
        let cited: Vec<&refolio::ast::Reference> = parsed
            .document
            .references
            .iter()
            .filter(|r| chapter.contains(&format!("id=\"cite-{}-1\"", r.n)))
            .collect();
        let r = cited.get(1).or(cited.first()).expect("a cited reference");
        let cite = format!("cite-{}-1", r.n);
        let report = match foliate.popup(&b.epub, &cite) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{}: {e}", b.epub.display()));
                continue;
            }
        };
        let name = b.epub.display();
        let text = report["popupText"]
            .as_str()
            .unwrap_or("")
            .replace('\u{A0}', " ");
        let raw = r.raw.trim();
        let expect = [
            (
                report["type"] == "footnote",
                "the pop-up's type is footnote",
            ),
            (report["hidden"] == false, "the note is not hidden"),
            (
                report["popups"] == 1,
                "one pop-up: the back-link opened none",
            ),
            (
                report["backlinkType"] == "backlink",
                "the back-link is typed",
            ),
            (
                report["backlinkFollowed"] == true,
                "the back-link was followed",
            ),
            (
                report["citeVisibleBefore"] == false,
                "the citation was off screen",
            ),
            (
                report["citeVisibleAfter"] == true,
                "the back-link returned to it",
            ),
            (
                report["pageErrors"] == serde_json::json!([]),
                "no page errors",
            ),
            (text.contains(raw), "the pop-up shows the reference's text"),
            (
                !text.contains("References"),
                "the pop-up shows only the note",
            ),
        ];
        for (ok, what) in expect {
            if !ok {
                problems.push(format!("{name}: {cite}: not so: {what}\n  {report}"));
            }
        }
    }
    say(&format!(
        "foliate-js: {} books, pop-up and back-link: {:.1} s",
        checked.len(),
        start.elapsed().as_secs_f64()
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The control: notes without `footnote` are not typed by foliate-js.
    let tmp = tempfile::tempdir().unwrap();
    let control = tmp.path().join("control-untyped-notes.epub");
    fs::write(
        &control,
        rewrite_entry(
            &fs::read(&checked[0].epub).unwrap(),
            "OEBPS/chapter-1.xhtml",
            |t| t.replace(" epub:type=\"footnote\" role=\"doc-footnote\"", ""),
        ),
    )
    .unwrap();
    let report = foliate
        .popup(&control, "cite-2-1")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["type"], serde_json::Value::Null, "{report}");
}

/// The width of the line-start check (issue 13: "a screenshot test at 320
/// px"), and two more narrow screens checked beside it.
const LINE_WIDTHS: [u32; 3] = [320, 300, 360];

/// The bad starts of one `lines.js` result, by kind.
fn bad_starts(result: &serde_json::Value, kind: &str) -> usize {
    result["bad"]
        .as_array()
        .map(|b| b.iter().filter(|x| x["kind"] == kind).count())
        .unwrap_or(0)
}

/// Numbers and marker groups never break in a browser's layout
/// (`tests/foliate/lines.js`): every chapter of the `input/` books and the
/// seed, laid out by headless Chromium at 320 px (and 300 and 360 px), has
/// measured lines and no line that starts with the `000` of a broken
/// `250 000` or with the second marker of a `<sup>` group (`4 7`). The
/// control, the canal, tramway and (when present) seed chapters with every
/// U+00A0 made an ordinary space, must break a digit group at 320 px, and a marker group
/// at one of the widths.
#[test]
fn numbers_and_marker_groups_never_start_a_line_at_320_px() {
    let test = "numbers_and_marker_groups_never_start_a_line_at_320_px";
    let _chromium = one_chromium_at_a_time();
    let Some(foliate) = support::Foliate::find_or_skip(test) else {
        return;
    };
    let checked = input_and_seed_books(test);
    assert!(checked.len() >= 3, "only {} books", checked.len());
    let start = Instant::now();
    let epubs: Vec<PathBuf> = checked.iter().map(|b| b.epub.clone()).collect();
    let report = lines_report(&foliate, &epubs);
    let mut problems = Vec::new();
    for r in report["results"].as_array().unwrap() {
        let (book, width, file) = (&r["book"], &r["width"], &r["file"]);
        let lines = r["lines"].as_u64().unwrap_or(0);
        say(&format!(
            "lines at {width} px: {book} {file}: {lines} lines, {} bad starts",
            r["bad"].as_array().map_or(0, Vec::len)
        ));
        if lines == 0 {
            problems.push(format!("{book} {file} at {width} px: no line measured"));
        }
        for b in r["bad"].as_array().into_iter().flatten() {
            problems.push(format!("{book} {file} at {width} px: {b}"));
        }
    }
    for book in &epubs {
        for w in LINE_WIDTHS {
            let seen = report["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["book"] == book.to_str().unwrap() && r["width"] == w)
                .count();
            if seen == 0 {
                problems.push(format!("{}: no chapter measured at {w} px", book.display()));
            }
        }
    }
    say(&format!(
        "lines: {} books at {LINE_WIDTHS:?} px: {:.1} s",
        epubs.len(),
        start.elapsed().as_secs_f64()
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The control: ordinary spaces where refolio writes U+00A0.
    let tmp = tempfile::tempdir().unwrap();
    let mut stems = vec!["canal-and-locks", "nova-ves-tramway"];
    if checked
        .iter()
        .any(|b| stem(&b.article) == "temporary-deployment")
    {
        stems.push("temporary-deployment");
    }
    let controls: Vec<PathBuf> = stems
        .iter()
        .map(|s| {
            let b = checked.iter().find(|b| stem(&b.article) == *s).unwrap();
            let control = tmp.path().join(format!("control-{s}.epub"));
            fs::write(
                &control,
                rewrite_entry(&fs::read(&b.epub).unwrap(), "OEBPS/chapter-1.xhtml", |t| {
                    t.replace('\u{A0}', " ")
                }),
            )
            .unwrap();
            control
        })
        .collect();
    let report = lines_report(&foliate, &controls);
    let results = report["results"].as_array().unwrap();
    let count = |kind: &str, width: Option<u32>| -> usize {
        results
            .iter()
            .filter(|r| width.is_none_or(|w| r["width"] == w))
            .map(|r| bad_starts(r, kind))
            .sum()
    };
    for r in results {
        say(&format!(
            "control at {} px: {} {}: {} lines, bad starts {}",
            r["width"], r["book"], r["file"], r["lines"], r["bad"]
        ));
    }
    assert!(
        count("digit-group", Some(320)) > 0,
        "the control breaks no digit group at 320 px: {report}"
    );
    assert!(
        count("marker-group", None) > 0,
        "the control breaks no marker group at {LINE_WIDTHS:?} px: {report}"
    );
}

/// `lines.js` on `epubs` at [`LINE_WIDTHS`], with no page error.
fn lines_report(foliate: &support::Foliate, epubs: &[PathBuf]) -> serde_json::Value {
    let report = foliate
        .lines(epubs, &LINE_WIDTHS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["pageErrors"], serde_json::json!([]), "{report}");
    report
}

// ------------------------------------------------------ reproducibility

#[test]
fn rebuilds_are_byte_identical_and_follow_source_date_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("input/canal-and-locks.txt");
    let build = |out: &str, epoch: Option<&str>| -> Vec<u8> {
        let o = refolio(
            &["convert", input.to_str().unwrap(), "-t", "epub", "-o", out],
            tmp.path(),
            epoch,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        fs::read(tmp.path().join(out).join("canal-and-locks.epub")).unwrap()
    };
    let a = build("a", None);
    // Long enough for a clock-dependent zip timestamp (2 s steps) to change.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let b = build("b", None);
    assert!(a == b, "two builds of the same input differ");
    let opf = entry_text(&unzip(&a), "OEBPS/content.opf");
    // The sidecar's date is the modification time without SOURCE_DATE_EPOCH.
    assert!(
        opf.contains("<meta property=\"dcterms:modified\">2023-05-14T00:00:00Z</meta>"),
        "{opf}"
    );

    let c = build("c", Some("1700000000"));
    assert_ne!(a, c);
    assert_eq!(c, build("d", Some("1700000000")));
    let opf = entry_text(&unzip(&c), "OEBPS/content.opf");
    assert!(
        opf.contains("<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>"),
        "{opf}"
    );
    let mut z = zip::ZipArchive::new(Cursor::new(&c[..])).unwrap();
    for i in 0..z.len() {
        let f = z.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2023, 11, 14, 22, 13, 20),
            "{}",
            f.name()
        );
    }
    let o = refolio(
        &["convert", input.to_str().unwrap(), "-t", "epub", "-o", "e"],
        tmp.path(),
        Some("soon"),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("SOURCE_DATE_EPOCH"), "{}", stderr(&o));
}

fn identifier_of(epub: &[u8]) -> String {
    let opf = entry_text(&unzip(epub), "OEBPS/content.opf");
    let start = opf
        .find("<dc:identifier id=\"epub-id-1\">")
        .expect("dc:identifier")
        + 30;
    let end = start + opf[start..].find("</dc:identifier>").unwrap();
    opf[start..end].to_string()
}

#[test]
fn identifier_follows_the_text() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(root().join("input/canal-and-locks.txt")).unwrap();
    let one_char = text.replacen("cheapest way", "cheapest wax", 1);
    assert_ne!(text, one_char);
    let crlf = text.replace('\n', "\r\n");
    for (name, body) in [("a.txt", &text), ("b.txt", &one_char), ("c.txt", &crlf)] {
        fs::write(tmp.path().join(name), body).unwrap();
    }
    let o = refolio(
        &["convert", "a.txt", "b.txt", "c.txt", "-t", "epub"],
        tmp.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let id = |s: &str| identifier_of(&fs::read(tmp.path().join("out").join(s)).unwrap());
    let (a, b, c) = (id("a.epub"), id("b.epub"), id("c.epub"));
    assert!(a.starts_with("urn:uuid:") && a.len() == 45, "{a}");
    assert_eq!(&a[23..24], "5", "a version-5 UUID: {a}");
    assert_ne!(a, b, "one changed character must change the identifier");
    assert_eq!(a, c, "line ends are not content");

    let o = refolio(
        &[
            "convert",
            "a.txt",
            "-t",
            "epub",
            "-o",
            "x",
            "--identifier",
            "urn:isbn:9780000000002",
        ],
        tmp.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(id("../x/a.epub"), "urn:isbn:9780000000002");
    let o = refolio(
        &[
            "convert",
            "a.txt",
            "b.txt",
            "-t",
            "epub",
            "--identifier",
            "urn:x:1",
        ],
        tmp.path(),
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "one identifier for two books is refused"
    );
    assert!(stderr(&o).contains("--identifier"), "{}", stderr(&o));
}

// -------------------------------------------------------- metadata, CLI

#[test]
fn metadata_is_escaped() {
    let (_, hostile) = books();
    let entries = unzip(&fs::read(&hostile.epub).unwrap());
    let opf = entry_text(&entries, "OEBPS/content.opf");
    for want in [
        "<dc:creator id=\"epub-creator-0\">Ann &amp; &lt;Bob&gt; \"Cy\" 'D' ]]&gt;</dc:creator>",
        "<dc:rights>CC &lt;BY&gt; &amp; \"friends\"</dc:rights>",
        "<meta property=\"dcterms:source\">https://example.org/a b?x=1&amp;y=&lt;2&gt;#&quot;z&quot;</meta>",
        "<meta property=\"dcterms:date\">Winter &amp; &lt;1993&gt;</meta>",
        "<dc:identifier id=\"epub-id-1\">urn:x-test:&lt;&amp;&gt;&quot;&apos;</dc:identifier>",
    ] {
        assert!(opf.contains(want), "missing {want}\n{opf}");
    }
    let chapter = entry_text(&entries, "OEBPS/chapter-1.xhtml");
    assert!(
        chapter.contains("<span class=\"author\">Ann &amp; &lt;Bob&gt; \"Cy\" 'D' ]]&gt;</span>"),
        "{chapter}"
    );
    assert!(
        chapter.contains("<a href=\"https://example.org/a%20b?x=1&amp;y=%3C2%3E#%22z%22\">"),
        "{chapter}"
    );
    // Parsed back, the values are the originals.
    let creator = elements("opf", &opf)
        .into_iter()
        .find(|e| e.name == "dc:creator")
        .unwrap();
    assert_eq!(creator.attrs["id"], "epub-creator-0");
}

#[test]
fn bad_metadata_or_input_leaves_no_epub() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a.txt"), "A title\n\nSome text.\n").unwrap();
    fs::write(tmp.path().join("empty.txt"), "").unwrap();
    for (args, code) in [
        (
            vec!["convert", "a.txt", "-t", "epub", "--author", "bell\u{7}"],
            2,
        ),
        (
            vec!["convert", "a.txt", "-t", "epub", "--identifier", "x\u{1}"],
            2,
        ),
        (
            vec!["convert", "a.txt", "-t", "epub", "--identifier", " "],
            2,
        ),
        (vec!["convert", "a.txt", "-t", "epub", "--lang", "en GB"], 2),
        (
            vec!["convert", "a.txt", "-t", "epub", "--style", "no-such-style"],
            2,
        ),
        (vec!["convert", "empty.txt", "-t", "epub"], 1),
    ] {
        let o = refolio(&args, tmp.path(), None);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        let out = tmp.path().join("out");
        let left: Vec<_> = fs::read_dir(&out)
            .map(|rd| rd.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
    let o = refolio(
        &["convert", "a.txt", "-t", "epub", "--author", "bell\u{7}"],
        tmp.path(),
        None,
    );
    assert!(stderr(&o).contains("`author`"), "{}", stderr(&o));
}

#[test]
fn default_convert_writes_tei_and_epub_and_epub_to_a_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("input/nova-ves-tramway.txt"),
        tmp.path().join("n.txt"),
    )
    .unwrap();
    let o = refolio(&["convert", "n.txt"], tmp.path(), None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let names: Vec<String> = fs::read_dir(tmp.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // (Other formats may be defaults too; these two must be.)
    assert!(
        names.iter().any(|n| n == "n.epub") && names.iter().any(|n| n == "n.tei.xml"),
        "{names:?}"
    );
    let epub = fs::read(tmp.path().join("out/n.epub")).unwrap();
    assert_eq!(&epub[..4], b"PK\x03\x04");
    assert_eq!(&epub[30..58], b"mimetypeapplication/epub+zip");

    // To standard output: TEI by default, EPUB when asked (into a pipe).
    let o = refolio(&["convert", "n.txt", "-o", "-"], tmp.path(), None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"<?xml"));
    let o = refolio(
        &["convert", "n.txt", "-o", "-", "-t", "epub"],
        tmp.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, epub, "the same bytes on standard output");
}

#[test]
fn style_folder_gives_the_stylesheet() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a.txt"), "A title\n\nSome text.\n").unwrap();
    fs::create_dir(tmp.path().join("mystyle")).unwrap();
    fs::write(
        tmp.path().join("mystyle/epub.css"),
        "body { color: #123456 }\n",
    )
    .unwrap();
    let o = refolio(
        &["convert", "a.txt", "-t", "epub", "--style", "./mystyle"],
        tmp.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = unzip(&fs::read(tmp.path().join("out/a.epub")).unwrap());
    assert_eq!(
        entry_text(&e, "OEBPS/stylesheet.css"),
        "body { color: #123456 }\n"
    );
    // The default style by name, from anywhere (here: a folder without styles/).
    let o = refolio(
        &[
            "convert", "a.txt", "-t", "epub", "-o", "d", "--style", "default",
        ],
        tmp.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = unzip(&fs::read(tmp.path().join("d/a.epub")).unwrap());
    assert_eq!(
        entry_text(&e, "OEBPS/stylesheet.css"),
        fs::read_to_string(root().join("styles/default/epub.css")).unwrap()
    );
}

// ---------------------------------------------------------------- golden

#[test]
fn golden_opf_nav_and_chapters() {
    const FILES: [(&str, &str); 3] = [
        ("OEBPS/content.opf", "content.opf"),
        ("OEBPS/nav.xhtml", "nav.xhtml"),
        ("OEBPS/chapter-1.xhtml", "chapter-1.xhtml"),
    ];
    let bless = std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    let (books, _) = books();
    let golden = root().join("tests/golden/epub");
    let mut problems = Vec::new();
    for b in books
        .iter()
        .filter(|b| b.article.starts_with(root().join("input")))
    {
        let entries = unzip(&fs::read(&b.epub).unwrap());
        let dir = golden.join(stem(&b.article));
        for (entry, file) in FILES {
            let actual = entry_text(&entries, entry)
                .replace(&format!("refolio {VERSION}"), "refolio @VERSION@");
            let path = dir.join(file);
            if bless {
                fs::create_dir_all(&dir).unwrap();
                if fs::read_to_string(&path).ok().as_deref() != Some(actual.as_str()) {
                    fs::write(&path, &actual).unwrap();
                    say(&format!(
                        "BLESS: wrote {}",
                        path.strip_prefix(root()).unwrap().display()
                    ));
                }
                continue;
            }
            match fs::read_to_string(&path) {
                Err(e) => problems.push(format!(
                    "{}: {e} (run BLESS=1 cargo test --test epub golden)",
                    path.display()
                )),
                Ok(expected) if expected != actual => {
                    let (i, (e, a)) = expected
                        .lines()
                        .chain(std::iter::repeat(""))
                        .zip(actual.lines().chain(std::iter::repeat("")))
                        .enumerate()
                        .find(|(_, (e, a))| e != a)
                        .unwrap();
                    problems.push(format!(
                        "{} differs at line {}:\n  expected: {e}\n  actual:   {a}",
                        path.strip_prefix(root()).unwrap().display(),
                        i + 1
                    ));
                }
                Ok(_) => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nIf the change is intended: BLESS=1 cargo test --test epub golden; git diff tests/golden/epub",
        problems.join("\n")
    );
}
