//! The conventions suite: small original articles, one file per family of
//! FORMAT.md §4 ("Citation markers: the hard part"), each case with its
//! expected markers written inline.
//!
//! A case file `tests/conventions/FAMILY.txt` holds cases like this:
//!
//! ```text
//! # comments start with '#' before the first case
//! === short case name
//! lang: de
//!
//! Title Of The Little Article
//!
//! Paragraph text with a marker glued{1} here, and a locator (S.45) that is text.
//!
//! References
//!
//! 1. An original made-up source. []
//! ```
//!
//! A case starts with `=== name`; optional `lang: xx` header lines follow
//! (BCP 47, `en` when absent), then one blank line, then the article up to
//! the next `===` line or the end of the file (trailing blank lines are
//! dropped, a final newline kept).
//!
//! Braces mark the expected markers: `glued{1}` means the input reads
//! `glued1` and the `1` must be read as a citation of reference 1;
//! `250 000{3}` is the input `250 0003`; `^{2}` a caret marker, `[{4}]` a
//! bracketed one; `{²}` a Unicode superscript (its value from the
//! superscript digits). The input is the case text with every `{` and `}`
//! deleted. Every citation refolio reads must be one of the braced ones:
//! any other digits must stay text. A cite matches an expected marker when
//! its span contains the braced byte range and its number is the value.
//!
//! All cases run; every failure is printed (the case's paragraphs as
//! expected and as read, in the same brace notation) before the test fails
//! with the count. A per-family summary is printed on the real stderr.

use refolio::ast::{Inline, Meta, for_each_inlines};
use refolio::{ParseOptions, Parsed, parse_article};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One case of a case file.
#[derive(Debug, Clone)]
struct Case {
    /// The family: the file name without `.txt`.
    family: String,
    /// The file name, for messages.
    file: String,
    /// The name after `===`.
    name: String,
    /// BCP 47 language tag.
    lang: String,
    /// 1-based line of the file where the article text starts.
    first_line: usize,
    /// The article text with the expected markers in braces.
    marked: String,
}

/// An expected marker: where its digits stand in the input, and its number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    range: Range<usize>,
    n: u32,
}

/// A case's input and the markers it must yield.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Input {
    text: String,
    expected: Vec<Expected>,
}

/// A citation refolio read: its span in the input and its number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Read {
    span: Range<usize>,
    n: u32,
}

fn superscript_value(c: char) -> Option<u32> {
    match c {
        '⁰' => Some(0),
        '¹' => Some(1),
        '²' => Some(2),
        '³' => Some(3),
        '⁴'..='⁹' => Some(c as u32 - '⁴' as u32 + 4),
        _ => None,
    }
}

fn digit_value(c: char) -> Option<u32> {
    c.to_digit(10)
        .filter(|_| c.is_ascii_digit())
        .or_else(|| superscript_value(c))
}

/// The value of the digits between a pair of braces: ASCII digits or
/// Unicode superscript digits, no leading zero.
fn marker_value(digits: &str) -> Result<u32, String> {
    let values: Vec<u32> = digits
        .chars()
        .map(|c| digit_value(c).ok_or_else(|| format!("`{c}` in braces is not a digit")))
        .collect::<Result<_, _>>()?;
    let ascii = digits.chars().all(|c| c.is_ascii_digit());
    let sup = digits.chars().all(|c| superscript_value(c).is_some());
    if values.is_empty() {
        return Err("empty braces".into());
    }
    if !ascii && !sup {
        return Err(format!("`{digits}` mixes digits and superscripts"));
    }
    if values[0] == 0 {
        return Err(format!("`{digits}` has a leading zero"));
    }
    if values.len() > 9 {
        return Err(format!("`{digits}` is too long for a marker"));
    }
    Ok(values.iter().fold(0, |n, d| n * 10 + d))
}

/// Deletes the braces of `marked` and records what they enclosed.
fn parse_braces(marked: &str) -> Result<Input, String> {
    let mut text = String::with_capacity(marked.len());
    let mut expected = Vec::new();
    let mut open: Option<usize> = None;
    for c in marked.chars() {
        match c {
            '{' => {
                if open.is_some() {
                    return Err(format!("nested `{{` at byte {}", text.len()));
                }
                open = Some(text.len());
            }
            '}' => {
                let start = open
                    .take()
                    .ok_or_else(|| format!("`}}` without `{{` at byte {}", text.len()))?;
                let n = marker_value(&text[start..])?;
                expected.push(Expected {
                    range: start..text.len(),
                    n,
                });
            }
            _ => text.push(c),
        }
    }
    if open.is_some() {
        return Err("unclosed `{`".into());
    }
    Ok(Input { text, expected })
}

/// Splits a case file into cases.
fn parse_cases(file: &str, content: &str) -> Result<Vec<Case>, String> {
    let family = file.trim_end_matches(".txt").to_string();
    let lines: Vec<&str> = content.lines().collect();
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() && !lines[i].starts_with("===") {
        let l = lines[i].trim();
        if !l.is_empty() && !l.starts_with('#') {
            return Err(format!(
                "{file}:{}: text before the first case must be a `#` comment",
                i + 1
            ));
        }
        i += 1;
    }
    while i < lines.len() {
        let name = lines[i]
            .strip_prefix("===")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{file}:{}: expected `=== name`", i + 1))?
            .to_string();
        let header_line = i + 1;
        i += 1;
        let mut lang = "en".to_string();
        while i < lines.len() && !lines[i].trim().is_empty() {
            let (key, value) = lines[i]
                .split_once(':')
                .ok_or_else(|| format!("{file}:{}: expected `key: value`", i + 1))?;
            match key.trim() {
                "lang" => lang = value.trim().to_string(),
                k => return Err(format!("{file}:{}: unknown header `{k}`", i + 1)),
            }
            i += 1;
        }
        if i >= lines.len() {
            return Err(format!("{file}:{header_line}: case `{name}` has no text"));
        }
        i += 1; // the blank line
        let first_line = i + 1;
        let start = i;
        while i < lines.len() && !lines[i].starts_with("===") {
            i += 1;
        }
        let mut body: Vec<&str> = lines[start..i].to_vec();
        while body.last().is_some_and(|l| l.trim().is_empty()) {
            body.pop();
        }
        if body.is_empty() {
            return Err(format!("{file}:{header_line}: case `{name}` has no text"));
        }
        let mut marked = body.join("\n");
        marked.push('\n');
        cases.push(Case {
            family: family.clone(),
            file: file.to_string(),
            name,
            lang,
            first_line,
            marked,
        });
    }
    Ok(cases)
}

fn conventions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conventions")
}

/// Every case of every file, files in name order.
fn all_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(conventions_dir())
        .expect("tests/conventions/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let content = std::fs::read_to_string(&path).unwrap();
        cases.extend(parse_cases(&file, &content).unwrap_or_else(|e| panic!("{e}")));
    }
    cases
}

/// The reference entries of a case as the case file writes them: lines
/// `N. text[][]…` (or `N) …`), with their number and back-link count.
fn backlink_lines(input: &str) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    for line in input.lines() {
        let t = line.trim();
        let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            continue;
        }
        let rest = &t[digits..];
        if !(rest.starts_with(". ") || rest.starts_with(") ")) {
            continue;
        }
        let mut body = rest.trim_end();
        let mut count = 0;
        while let Some(b) = body.strip_suffix("[]") {
            count += 1;
            body = b.trim_end();
        }
        if count > 0 {
            out.push((t[..digits].parse().unwrap(), count));
        }
    }
    out
}

/// Is a paragraph of the case hard-wrapped (three or more lines, the first
/// at least 40 characters, none over 100, not a list)?
fn is_hard_wrapped(input: &str) -> bool {
    input.split("\n\n").any(|block| {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        lines.len() >= 3
            && lines[0].chars().count() >= 40
            && lines.iter().all(|l| l.chars().count() <= 100)
            && !lines[0]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Checks that a case asks for something the rules can give: markers whose
/// first occurrences run k, k+1, … and, when the case has back-links,
/// exactly as many markers per reference as back-links.
fn lint(case: &Case, input: &Input) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    let mut next: Option<u32> = None;
    for e in &input.expected {
        if seen.insert(e.n) {
            if let Some(k) = next
                && e.n != k
            {
                return Err(format!(
                    "first occurrences must run in order: {} follows {}",
                    e.n,
                    k - 1
                ));
            }
            next = Some(e.n + 1);
        }
    }
    let refs = backlink_lines(&input.text);
    if !refs.is_empty() {
        let first = refs[0].0;
        for (i, (n, _)) in refs.iter().enumerate() {
            if *n != first + i as u32 {
                return Err(format!("reference {n} is out of sequence"));
            }
        }
        if let Some(min) = input.expected.iter().map(|e| e.n).min()
            && min != first
        {
            return Err(format!(
                "the first marker is {min}, the list starts at {first}"
            ));
        }
        for (n, count) in &refs {
            let got = input.expected.iter().filter(|e| e.n == *n).count();
            if got != *count {
                return Err(format!(
                    "reference {n} has {count} back-links but {got} braced markers"
                ));
            }
        }
        if let Some(e) = input
            .expected
            .iter()
            .find(|e| !refs.iter().any(|(n, _)| *n == e.n))
        {
            return Err(format!("marker {} has no reference entry", e.n));
        }
    }
    if case.marked.contains("{}") {
        return Err("empty braces".into());
    }
    Ok(())
}

fn parse(case: &Case, input: &Input) -> Result<Parsed, String> {
    let meta = Meta {
        lang: case.lang.clone(),
        ..Default::default()
    };
    parse_article(
        &format!("{}#{}", case.file, case.name),
        input.text.clone().into_bytes(),
        meta,
        &ParseOptions::default(),
    )
    .map_err(|e| format!("refolio refused the input: {e}"))
}

/// Every citation in the document, in reading order.
fn citations(p: &Parsed) -> Vec<Read> {
    let mut out = Vec::new();
    for_each_inlines(&p.document, &mut |inl| {
        for i in inl {
            if let Inline::Cite { n, span, .. } = i {
                out.push(Read {
                    span: span.range(),
                    n: *n,
                });
            }
        }
    });
    out
}

/// Pairs expected markers with citations: returns the expected markers
/// nothing read and the citations nothing expected.
fn compare<'a>(expected: &'a [Expected], read: &'a [Read]) -> (Vec<&'a Expected>, Vec<&'a Read>) {
    let mut used = vec![false; read.len()];
    let mut missing = Vec::new();
    for e in expected {
        let hit = read.iter().enumerate().position(|(j, r)| {
            !used[j] && r.n == e.n && r.span.start <= e.range.start && e.range.end <= r.span.end
        });
        match hit {
            Some(j) => used[j] = true,
            None => missing.push(e),
        }
    }
    let extra = read
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(r, _)| r)
        .collect();
    (missing, extra)
}

/// The digits of a citation's span (without its caret or brackets).
fn digits_of(text: &str, span: &Range<usize>) -> Range<usize> {
    let Some(s) = text.get(span.clone()) else {
        return span.clone();
    };
    let mut idx = s.char_indices().filter(|(_, c)| digit_value(*c).is_some());
    match idx.next() {
        None => span.clone(),
        Some((a, c0)) => {
            let (b, cb) = idx.next_back().unwrap_or((a, c0));
            span.start + a..span.start + b + cb.len_utf8()
        }
    }
}

/// `text[range]` with each marked range in braces; a label other than the
/// digits' own value is written after an `=`.
fn render(text: &str, range: Range<usize>, marks: &[(Range<usize>, u32)]) -> String {
    let mut marks: Vec<&(Range<usize>, u32)> = marks
        .iter()
        .filter(|(r, _)| r.start >= range.start && r.end <= range.end)
        .collect();
    marks.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::new();
    let mut at = range.start;
    for (r, n) in marks {
        if r.start < at {
            continue;
        }
        out.push_str(&text[at..r.start]);
        let digits = &text[r.clone()];
        out.push('{');
        out.push_str(digits);
        if marker_value(digits).ok() != Some(*n) {
            let _ = write!(out, "={n}");
        }
        out.push('}');
        at = r.end;
    }
    out.push_str(&text[at..range.end]);
    out
}

/// Byte ranges of the blank-line-separated blocks of `text`.
fn blocks(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let content_end = pos + line.trim_end_matches(['\n', '\r']).len();
        if line.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push(s..end);
            }
        } else {
            start.get_or_insert(pos);
            end = content_end;
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push(s..end);
    }
    out
}

fn indent(s: &str, prefix: &str) -> String {
    s.lines()
        .map(|l| format!("{prefix}{l}\n"))
        .collect::<String>()
}

/// Runs one case; `Err` holds the failure report.
fn run_case(case: &Case) -> Result<(), String> {
    let input = parse_braces(&case.marked).map_err(|e| format!("bad case: {e}"))?;
    lint(case, &input).map_err(|e| format!("bad case: {e}"))?;
    let parsed = parse(case, &input)?;
    let read = citations(&parsed);
    let (missing, extra) = compare(&input.expected, &read);
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let text = &input.text;
    let at = |offset: usize| {
        let (l, c) = parsed.source.line_col(offset);
        format!("{}:{}:{c}", case.file, case.first_line + l - 1)
    };
    let mut r = String::new();
    let _ = writeln!(
        r,
        "expected {} markers, read {}",
        input.expected.len(),
        read.len()
    );
    for e in &missing {
        let _ = writeln!(
            r,
            "  missing  {{{}}} (reference {}) at {}",
            &text[e.range.clone()],
            e.n,
            at(e.range.start)
        );
    }
    for x in &extra {
        let d = digits_of(text, &x.span);
        let _ = writeln!(
            r,
            "  extra    `{}` read as reference {} at {}",
            &text[x.span.clone()],
            x.n,
            at(d.start)
        );
    }
    let exp_marks: Vec<(Range<usize>, u32)> = input
        .expected
        .iter()
        .map(|e| (e.range.clone(), e.n))
        .collect();
    let read_marks: Vec<(Range<usize>, u32)> = read
        .iter()
        .map(|x| (digits_of(text, &x.span), x.n))
        .collect();
    for b in blocks(text) {
        let touches = |r: &Range<usize>| r.start >= b.start && r.end <= b.end;
        if !missing.iter().any(|e| touches(&e.range)) && !extra.iter().any(|x| touches(&x.span)) {
            continue;
        }
        let _ = writeln!(r, "  input (line {}):", at(b.start));
        r.push_str(&indent(&text[b.clone()], "    | "));
        let _ = writeln!(r, "  expected:");
        r.push_str(&indent(&render(text, b.clone(), &exp_marks), "    | "));
        let _ = writeln!(r, "  refolio read:");
        r.push_str(&indent(&render(text, b.clone(), &read_marks), "    | "));
    }
    let backlinks: Vec<String> = parsed
        .document
        .references
        .iter()
        .map(|x| format!("{}×{}", x.n, x.backlinks.len()))
        .collect();
    let _ = writeln!(
        r,
        "  references read: {}",
        if backlinks.is_empty() {
            "none".to_string()
        } else {
            backlinks.join(", ")
        }
    );
    for d in &parsed.diagnostics {
        if d.severity == refolio::diag::Severity::Error {
            let _ = writeln!(
                r,
                "  diagnostic: {} ({})",
                d.message,
                at(d.span.start as usize)
            );
        }
    }
    Err(r)
}

#[test]
fn conventions() {
    let cases = all_cases();
    assert!(!cases.is_empty(), "no cases under tests/conventions/");
    let mut per_family: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let entry = per_family.entry(&case.family).or_default();
        entry.1 += 1;
        match run_case(case) {
            Ok(()) => entry.0 += 1,
            Err(report) => failures.push(format!(
                "--- FAILED {} / {} (lang {}, line {})\n{report}",
                case.file, case.name, case.lang, case.first_line
            )),
        }
    }
    let mut summary = String::new();
    for (family, (passed, total)) in &per_family {
        let _ = writeln!(
            summary,
            "conventions: {family:<14} {passed:>2}/{total} passed"
        );
    }
    let _ = writeln!(
        summary,
        "conventions: {:<14} {:>2}/{} passed",
        "all",
        cases.len() - failures.len(),
        cases.len()
    );
    // The summary goes to the real stderr, so it shows without --nocapture.
    let _ = std::io::stderr().write_all(summary.as_bytes());
    if !failures.is_empty() {
        panic!(
            "\n{}\n{summary}{} of {} cases failed",
            failures.join("\n"),
            failures.len(),
            cases.len()
        );
    }
}

/// The case files hold what the suite promises: enough cases, families
/// and languages; in every family markers, cases with and without a
/// reference list, and a hard-wrapped case; every case well-formed.
#[test]
fn the_suite_covers_its_ground() {
    let cases = all_cases();
    let mut bad = Vec::new();
    for case in &cases {
        match parse_braces(&case.marked) {
            Ok(input) => {
                if let Err(e) = lint(case, &input) {
                    bad.push(format!("{} / {}: {e}", case.file, case.name));
                }
            }
            Err(e) => bad.push(format!("{} / {}: {e}", case.file, case.name)),
        }
    }
    assert!(bad.is_empty(), "bad cases:\n{}", bad.join("\n"));
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let langs: BTreeSet<&str> = cases.iter().map(|c| c.lang.as_str()).collect();
    assert!(langs.len() >= 3, "languages: {langs:?}");
    let families: BTreeSet<&str> = cases.iter().map(|c| c.family.as_str()).collect();
    assert!(families.len() >= 12, "families: {families:?}");
    for family in families {
        let of: Vec<Input> = cases
            .iter()
            .filter(|c| c.family == family)
            .map(|c| parse_braces(&c.marked).unwrap())
            .collect();
        assert!(
            of.iter().any(|i| !i.expected.is_empty()),
            "{family}: no case with markers"
        );
        assert!(
            of.iter().any(|i| !backlink_lines(&i.text).is_empty()),
            "{family}: no case with a reference list"
        );
        assert!(
            of.iter().any(|i| backlink_lines(&i.text).is_empty()),
            "{family}: no case without a reference list"
        );
        assert!(
            of.iter().any(|i| is_hard_wrapped(&i.text)),
            "{family}: no hard-wrapped case"
        );
    }
}

#[test]
fn brace_notation() {
    let i = parse_braces("a{1} b").unwrap();
    assert_eq!(i.text, "a1 b");
    assert_eq!(i.expected, vec![Expected { range: 1..2, n: 1 }]);
    let i = parse_braces("250 000{3} and 14:40{4}.").unwrap();
    assert_eq!(i.text, "250 0003 and 14:404.");
    assert_eq!(i.expected[0].range, 7..8);
    assert_eq!(
        i.expected[1],
        Expected {
            range: 18..19,
            n: 4
        }
    );
    let i = parse_braces("x^{2} Party[{1}][{12}] km² t.{¹⁵}").unwrap();
    assert_eq!(i.text, "x^2 Party[1][12] km² t.¹⁵");
    let ns: Vec<u32> = i.expected.iter().map(|e| e.n).collect();
    assert_eq!(ns, vec![2, 1, 12, 15]);
    assert_eq!(&i.text[i.expected[3].range.clone()], "¹⁵");
    for bad in ["a{", "a}", "a{{1}}", "a{}", "a{x}", "a{01}", "a{1²}"] {
        assert!(parse_braces(bad).is_err(), "{bad}");
    }
    let cases = parse_cases(
        "demo.txt",
        "# a comment\n\n=== one\nlang: de\n\nTitle\n\nText{1}.\n\n\n=== two\n\nT\n\nx\n",
    )
    .unwrap();
    assert_eq!(cases.len(), 2);
    assert_eq!(
        (cases[0].lang.as_str(), cases[0].marked.as_str()),
        ("de", "Title\n\nText{1}.\n")
    );
    assert_eq!(cases[0].first_line, 6);
    assert_eq!(
        (cases[1].lang.as_str(), cases[1].family.as_str()),
        ("en", "demo")
    );
    // Reporting: a read marker is shown in the same notation.
    let text = "a1 b^2";
    assert_eq!(render(text, 0..6, &[(1..2, 1), (5..6, 3)]), "a{1} b^{2=3}");
    assert_eq!(digits_of("x [12] y", &(2..6)), 3..5);
    assert_eq!(blocks("T\n\nA\nB\n\n\nC\n"), vec![0..1, 3..6, 9..10]);
}
