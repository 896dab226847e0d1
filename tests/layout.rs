//! Layout rules, checked on the layout model (no PDF): no line wider than
//! its measure, no widow or orphan, no heading last on a page, at most two
//! hyphenated lines in a row, no line that starts with a citation marker,
//! no page break after a hyphen, digit groups never broken.
//!
//! Run on the bundled inputs, the seed and every corpus article (from
//! ../shared when present), in the three shipped styles.

mod support;

use refolio::ast::{Document, Meta};
use refolio::layout::fonts::{FontSource, Fonts};
use refolio::layout::style::Style;
use refolio::layout::{Layout, Role, layout};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn parse_text(name: &str, text: &str) -> Document {
    refolio::parse_article(
        name,
        text.as_bytes().to_vec(),
        Meta::default(),
        &Default::default(),
    )
    .unwrap()
    .document
}

fn lay(doc: &Document, style: &Style) -> Layout {
    let src = FontSource::load(style).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    layout(doc, style, &mut fonts)
}

/// Every rule; returns the problems found.
fn problems(name: &str, l: &Layout) -> Vec<String> {
    let mut out = Vec::new();
    // Where each paragraph's lines went: block → [(page, line index, count)].
    let mut blocks: HashMap<usize, Vec<(usize, usize, usize)>> = HashMap::new();
    let mut hyphens = 0;
    for (pi, page) in l.pages.iter().enumerate() {
        let body: Vec<_> = page
            .lines
            .iter()
            .filter(|pl| pl.role != Role::Footer)
            .collect();
        for pl in &body {
            let line = &pl.line;
            if line.width > line.measure + 0.01 {
                out.push(format!(
                    "{name} p{}: overfull by {:.2} pt: {:?}",
                    pi + 1,
                    line.width - line.measure,
                    line.text()
                ));
            }
            if line.starts_with_marker {
                out.push(format!(
                    "{name} p{}: line starts with a marker: {:?}",
                    pi + 1,
                    line.text()
                ));
            }
            hyphens = if line.hyphen { hyphens + 1 } else { 0 };
            if hyphens > 2 {
                out.push(format!(
                    "{name} p{}: third hyphen in a row: {:?}",
                    pi + 1,
                    line.text()
                ));
            }
            blocks
                .entry(pl.block)
                .or_default()
                .push((pi, line.index, line.count));
        }
        if let Some(last) = body.last() {
            if last.role == Role::Heading
                && last.line.index + 1 == last.line.count
                && pi + 1 < l.pages.len()
            {
                out.push(format!(
                    "{name} p{}: heading last on the page: {:?}",
                    pi + 1,
                    last.line.text()
                ));
            }
            if last.line.hyphen && pi + 1 < l.pages.len() {
                out.push(format!(
                    "{name} p{}: page ends with a hyphen: {:?}",
                    pi + 1,
                    last.line.text()
                ));
            }
        }
        // Digit groups: a line ending in a number is not followed by a 3-digit group.
        for w in body.windows(2) {
            let a = w[0].line.text();
            let b = w[1].line.text();
            let a_end = a
                .trim_end()
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit());
            let b_group = b.len() >= 3
                && b.chars().take(3).all(|c| c.is_ascii_digit())
                && !b.chars().nth(3).is_some_and(|c| c.is_ascii_digit());
            if a_end && b_group && w[0].block == w[1].block {
                out.push(format!(
                    "{name} p{}: digit group broken: {a:?} / {b:?}",
                    pi + 1
                ));
            }
        }
    }
    for (block, lines) in blocks {
        let mut per_page: Vec<(usize, usize)> = Vec::new();
        for (p, _, _) in &lines {
            match per_page.last_mut() {
                Some((q, c)) if q == p => *c += 1,
                _ => per_page.push((*p, 1)),
            }
        }
        if per_page.len() > 1 {
            let (first, last) = (per_page[0].1, per_page[per_page.len() - 1].1);
            if first < 2 || last < 2 {
                out.push(format!(
                    "{name}: paragraph {block} split {per_page:?} (orphan or widow)"
                ));
            }
        }
    }
    out
}

fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("input"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
    if let Some(shared) = support::shared_dir() {
        v.push(shared.join("seed").join("temporary-deployment.txt"));
        if let Ok(rd) = std::fs::read_dir(shared.join("corpus")) {
            v.extend(
                rd.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "txt")),
            );
        }
    }
    v.sort();
    v
}

#[test]
fn layout_rules_hold_on_every_article_in_every_style() {
    let mut all = Vec::new();
    let mut count = 0;
    for style in ["default", "a5", "letter"] {
        let st = Style::load(style).unwrap();
        for f in files() {
            let text = std::fs::read_to_string(&f).unwrap();
            let doc = parse_text(&f.display().to_string(), &text);
            let l = lay(&doc, &st);
            let name = format!("{style}/{}", f.file_stem().unwrap().to_string_lossy());
            all.extend(problems(&name, &l));
            count += 1;
        }
    }
    assert!(count >= 9);
    assert!(
        all.is_empty(),
        "{} problems:\n{}",
        all.len(),
        all.join("\n")
    );
}

#[test]
fn the_rules_are_really_checked() {
    // A narrow page with long paragraphs, numbers and markers: the checks
    // above must find nothing here either, and must find a planted fault.
    let mut text = String::from("Title\n\nFirst heading\n\n");
    for i in 0..40 {
        text.push_str(&format!(
            "In {i} the company moved 250 000 crates1 at 14:40 through the notwithstanding \
             extraordinarily incomprehensible administrative arrangements of the \
             municipality2, reaching 1 220 tonnes. "
        ));
    }
    text.push_str(
        "\n\nSecond heading\n\nShort.\n\n1. One; Pub; 2020-01-01[]\n2. Two; Pub; 2020-01-02[]\n",
    );
    let doc = parse_text("synthetic.txt", &text);
    let mut st = Style::load("a5").unwrap();
    st.page.margin_inner = 120.0;
    st.page.margin_outer = 120.0;
    let mut l = lay(&doc, &st);
    assert!(l.pages.len() >= 3);
    assert_eq!(problems("synthetic", &l), Vec::<String>::new());
    assert!(
        l.pages
            .iter()
            .flat_map(|p| &p.lines)
            .any(|pl| pl.line.hyphen),
        "hyphenation happens"
    );
    // Plant faults and see them found.
    let line = &mut l.pages[0].lines[3].line;
    line.width = line.measure + 5.0;
    line.starts_with_marker = true;
    let found = problems("planted", &l);
    assert!(found.iter().any(|p| p.contains("overfull")), "{found:?}");
    assert!(
        found.iter().any(|p| p.contains("starts with a marker")),
        "{found:?}"
    );
}

#[test]
fn markers_are_superior_and_links_resolve() {
    let Some(shared) = support::shared_or_skip("markers_are_superior_and_links_resolve") else {
        return;
    };
    let text =
        std::fs::read_to_string(shared.join("seed").join("temporary-deployment.txt")).unwrap();
    let doc = parse_text("seed", &text);
    let l = lay(&doc, &Style::default());
    assert_eq!(l.markers.len(), 20);
    assert_eq!(l.references.len(), 7);
    let links: Vec<_> = l.pages.iter().flat_map(|p| &p.links).collect();
    assert_eq!(links.len(), 40);
    let titles: Vec<&str> = l.outline.iter().map(|o| o.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            doc.title.text.as_str(),
            "Deployment or occupation?",
            "Pulling out",
            "References"
        ]
    );
}
