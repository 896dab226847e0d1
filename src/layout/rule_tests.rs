//! Layout rules, checked on the layout model (no PDF): no line wider than
//! its measure, no widow or orphan, no heading last on a page, at most two
//! hyphenated lines in a row, no line that starts with a citation marker,
//! no page break after a hyphen, digit groups never broken.
//!
//! Run on the bundled inputs, the seed and every corpus article (from
//! ../shared when present), in the three shipped styles.

#[path = "../../tests/support/mod.rs"]
pub(super) mod support;

use super::fonts::{FontSource, Fonts};
use super::style::Style;
use super::{Layout, Role, layout};
use crate::ast::{Document, Meta};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `text` read as an article named `name` (shared with the note tests).
pub(super) fn parse_text(name: &str, text: &str) -> Document {
    crate::parse_article(
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
    layout(doc, style, &mut fonts, super::style::NotePlacement::End)
}

/// Every rule; returns the problems found (notes at the foot of the page
/// are left out: `note_tests.rs` checks them).
pub(super) fn problems(name: &str, l: &Layout) -> Vec<String> {
    let mut out = Vec::new();
    // Where each paragraph's lines went: block → [(page, line index, count)].
    let mut blocks: HashMap<usize, Vec<(usize, usize, usize)>> = HashMap::new();
    let mut hyphens = 0;
    for (pi, page) in l.pages.iter().enumerate() {
        let body: Vec<_> = page
            .lines
            .iter()
            .filter(|pl| !matches!(pl.role, Role::Footer | Role::Note))
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

/// Sets `atoms` as one justified paragraph in Libertinus (no hyphenation).
fn set(atoms: &[super::paragraph::Atom], measure: f32) -> Vec<super::Line> {
    use super::paragraph::{Setting, set_paragraph};
    let src = FontSource::load(&Style::default()).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    let set = Setting {
        size: 10.0,
        measure,
        indent: 0.0,
        ragged: false,
        lang: None,
        min_word: 5,
        rtl: false,
    };
    let mut missing = Vec::new();
    let lines = set_paragraph(&mut fonts, &set, atoms, &mut missing);
    assert!(missing.is_empty(), "{missing:?}");
    lines
}

/// Every glyph of a line with its x (line origin) and text, left to right.
fn glyph_xs(line: &super::Line) -> Vec<(f32, String)> {
    let mut out = Vec::new();
    for r in &line.runs {
        let mut x = r.x;
        for g in &r.glyphs {
            out.push((x, g.text.to_string()));
            x += g.advance;
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

#[test]
fn mixed_directions_are_drawn_in_visual_order() {
    use super::fonts::FontKind;
    use super::paragraph::Atom;
    let text = |t: &str| Atom::Text {
        text: t.into(),
        font: FontKind::Regular,
        src: 0,
    };
    // Two Hebrew words (logical order: alef-bet-gimel, then dalet-he-vav)
    // inside English, a citation marker after them.
    let atoms = [
        text("The words אבג דהו mean nothing"),
        Atom::Cite { n: 1, k: 1 },
        text(" at all."),
    ];
    let lines = set(&atoms, 400.0);
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    // The right-to-left run is reversed as a whole: the second word stands
    // left of the first, and each word's letters run right to left.
    assert_eq!(line.text(), "The words והד גבא mean nothing1 at all.");
    let xs = glyph_xs(line);
    let x_of = |s: &str| xs.iter().find(|g| g.1 == s).unwrap().0;
    assert!(x_of("ו") < x_of("ד") && x_of("ד") < x_of("ג") && x_of("ג") < x_of("א"));
    assert!(x_of("s") < x_of("ו") && x_of("א") < x_of("m"));
    // The marker and its link are where the marker is drawn.
    let (mx, n, k) = line.markers[0];
    assert_eq!((n, k), (1, 1));
    assert!((mx - x_of("1")).abs() < 0.01, "{mx} vs {}", x_of("1"));
    assert!(line.links.iter().any(|l| (l.x0 - mx).abs() < 0.01));
}

#[test]
fn right_to_left_runs_at_a_line_end_and_justification() {
    use super::fonts::FontKind;
    use super::paragraph::Atom;
    // A run of Hebrew words long enough to be broken over lines: every
    // line but the last is justified to the measure by its spaces, and the
    // words of each line are in visual order.
    let hebrew = "אבג דהו זחט יכל מנס עפצ קרש תאב גדה וזח טיכ למנ";
    let atoms = [Atom::Text {
        text: format!(
            "Some English words first, then {hebrew} and English again at the end of it."
        )
        .into(),
        font: FontKind::Regular,
        src: 0,
    }];
    let lines = set(&atoms, 150.0);
    assert!(lines.len() >= 3, "{}", lines.len());
    for l in &lines[..lines.len() - 1] {
        assert!(
            (l.width - l.measure).abs() < 0.05,
            "{} of {}: {:?}",
            l.width,
            l.measure,
            l.text()
        );
    }
    // Reading each line's Hebrew right to left, line after line, gives the
    // words in logical order.
    let mut words: Vec<String> = Vec::new();
    for l in &lines {
        let heb: String = l.text().chars().rev().collect();
        for w in heb.split(' ') {
            if w.chars().all(|c| ('\u{05D0}'..='\u{05EA}').contains(&c)) && !w.is_empty() {
                words.push(w.to_string());
            }
        }
    }
    let want: Vec<&str> = hebrew.split(' ').collect();
    assert_eq!(words, want);
}

#[test]
fn a_group_wider_than_the_measure_is_broken_not_overfull() {
    use super::fonts::FontKind;
    use super::paragraph::Atom;
    // A reference cited 300 times: "↑ a b c …" joined by no-break spaces.
    let mut atoms = vec![Atom::Text {
        text: "An entry; Somewhere; 2020-01-01 ↑".into(),
        font: FontKind::Regular,
        src: 0,
    }];
    for k in 1..=300u32 {
        atoms.push(Atom::Text {
            text: "\u{A0}".into(),
            font: FontKind::Regular,
            src: 0,
        });
        atoms.push(Atom::Linked {
            text: format!("x{k}").into(),
            n: 1,
            k,
        });
    }
    let lines = set(&atoms, 300.0);
    assert!(lines.len() > 5);
    for l in &lines {
        assert!(l.width <= l.measure + 0.01, "overfull: {}", l.width);
        assert!(!l.text().starts_with(' '), "{:?}", l.text());
    }
    let links: usize = lines.iter().map(|l| l.links.len()).sum();
    assert_eq!(links, 300);
}

/// Where a long paragraph's window ends: at a space with text after it in
/// its atom, not between two digits, nor a no-break space.
#[test]
fn a_window_ends_at_a_space_with_text_after_it() {
    use super::paragraph::window_cut;
    assert_eq!(window_cut("one two three", 2), Some((3, 4)));
    assert_eq!(window_cut("one two three", 3), Some((3, 4)));
    assert_eq!(window_cut("one two  three", 5), Some((7, 9)));
    // "250 000" stays together.
    assert_eq!(window_cut("pay 250 000 now", 5), Some((11, 12)));
    let nbsp = "two\u{A0}words later";
    let space = nbsp.find(' ').unwrap();
    assert_eq!(window_cut(nbsp, 0), Some((space, space + 1)));
    // No text after the space, or none before it.
    assert_eq!(window_cut("words   ", 0), None);
    assert_eq!(window_cut("  words", 0), None);
    assert_eq!(window_cut("words", 0), None);
}

/// A justified setting of 10 pt on a 300 pt measure, indented, without
/// hyphenation: the long-paragraph tests'.
pub(super) fn justified_setting() -> super::paragraph::Setting {
    super::paragraph::Setting {
        size: 10.0,
        measure: 300.0,
        indent: 15.0,
        ragged: false,
        lang: None,
        min_word: 5,
        rtl: false,
    }
}

/// A paragraph longer than a window is set a window at a time: every
/// character in order, each line but the paragraph's last justified to
/// the measure (those that end a window too) and none overfull, only the
/// first indented; and a paragraph within a window is set whole.
#[test]
fn a_long_paragraph_is_set_a_window_at_a_time() {
    use super::fonts::FontKind;
    use super::paragraph::{Atom, set_in_windows, set_paragraph};
    let src = FontSource::load(&Style::default()).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    let set = justified_setting();
    let text = |t: String| Atom::Text {
        text: t.into(),
        font: FontKind::Regular,
        src: 0,
    };
    let mut atoms = Vec::new();
    let mut expected = String::new();
    for i in 0..60 {
        let sentence = format!(
            "The ferry of crossing {i} carried 12 500 tonnes of slate past the \
             lighthouse, whose keeper wrote it down"
        );
        expected.extend(sentence.chars().filter(|c| !c.is_whitespace()));
        atoms.push(text(sentence));
        if i % 3 == 0 {
            atoms.push(Atom::Cite { n: 7, k: i + 1 });
            expected.push('7');
        }
        atoms.push(text(". ".to_string()));
        expected.push('.');
    }
    let mut missing = Vec::new();
    let total: usize = atoms.iter().map(Atom::text_len).sum();
    let whole = set_paragraph(&mut fonts, &set, &atoms, &mut missing);
    let same = set_in_windows(&mut fonts, &set, &atoms, &mut missing, total);
    assert_eq!(whole, same, "within one window: set whole");
    let lines = set_in_windows(&mut fonts, &set, &atoms, &mut missing, 700);
    assert!(missing.is_empty(), "{missing:?}");
    assert!(lines.len() > 20, "{} lines", lines.len());
    let chars: String = lines
        .iter()
        .flat_map(|l| l.runs.iter().flat_map(|r| r.glyphs.iter()))
        .flat_map(|g| {
            g.text
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(chars, expected);
    let first_x = |l: &super::Line| l.runs.iter().map(|r| r.x).fold(f32::MAX, f32::min);
    for (i, l) in lines.iter().enumerate() {
        assert!(l.width <= l.measure + 0.01, "line {i} overfull: {l:?}");
        if i + 1 < lines.len() {
            // (The width counts the indent.)
            assert!(
                (l.width - l.measure).abs() < 0.5,
                "line {i} not justified: {} of {}",
                l.width,
                l.measure
            );
        }
        let indent = if i == 0 { set.indent } else { 0.0 };
        assert!(
            (first_x(l) - indent).abs() < 0.01,
            "line {i} starts at {}",
            first_x(l)
        );
    }
    assert!(lines.last().unwrap().width < set.measure - 20.0);
    // Windows of 700 bytes: the paragraph's 7,000 make some ten, whose
    // ends are not where the whole paragraph's lines end.
    assert_ne!(lines, whole);
}

/// A reference cited thousands of times: its back-link group ("↑ a b c
/// …", the letters joined by no-break spaces) longer than a window is set
/// a window at a time, each window ending between two letters (the
/// no-break space there dropped): every back-link once, in order, no line
/// overfull or starting with the space; a group within one window is set
/// whole. (Set whole, the seed ×6,920's entries cited 41,520 times took
/// some 18 MB at its PDF's peak.)
#[test]
fn a_long_back_link_group_is_set_a_window_at_a_time() {
    use super::fonts::FontKind;
    use super::paragraph::{Atom, set_in_windows, set_paragraph};
    let src = FontSource::load(&Style::default()).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    let set = super::paragraph::Setting {
        ragged: true,
        indent: 0.0,
        ..justified_setting()
    };
    let text = |t: &str| Atom::Text {
        text: t.into(),
        font: FontKind::Regular,
        src: 0,
    };
    let mut atoms = vec![text("Keepers' ledger; Canal Office; 1901"), text(" ↑")];
    let count = 400;
    for k in 1..=count {
        atoms.push(text("\u{A0}"));
        atoms.push(Atom::Linked {
            text: super::letter(k as usize).into(),
            n: 3,
            k,
        });
    }
    let mut missing = Vec::new();
    let total: usize = atoms.iter().map(Atom::text_len).sum();
    let whole = set_paragraph(&mut fonts, &set, &atoms, &mut missing);
    let same = set_in_windows(&mut fonts, &set, &atoms, &mut missing, total);
    assert_eq!(whole, same, "within one window: set whole");
    let lines = set_in_windows(&mut fonts, &set, &atoms, &mut missing, 300);
    assert!(missing.is_empty(), "{missing:?}");
    let back: Vec<u32> = lines
        .iter()
        .flat_map(|l| &l.links)
        .filter_map(|l| match l.target {
            super::LinkTarget::Cite(3, k) => Some(k),
            _ => None,
        })
        .collect();
    assert!(back.iter().copied().eq(1..=count), "{back:?}");
    for (i, l) in lines.iter().enumerate() {
        assert!(l.width <= l.measure + 0.01, "line {i} overfull: {l:?}");
        let first = l.runs.iter().flat_map(|r| r.glyphs.first()).next();
        assert!(
            first.is_none_or(|g| !g.text.starts_with(char::is_whitespace)),
            "line {i} starts with the space"
        );
    }
    // Windows of 300 bytes: the group's 2,000 make several, whose ends
    // are not where the whole group's lines end.
    assert!(lines.len() > 10, "{} lines", lines.len());
    assert_ne!(lines, whole);
}
