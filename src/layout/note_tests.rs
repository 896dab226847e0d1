//! Notes at the foot of the page (`--notes foot`), checked on the layout
//! model: every page carries the notes of the references cited on it, in
//! the order of their first citation there (a note continued from the page
//! before comes first, marked `n (cont.)`); nothing goes below the text
//! block; body and notes never overlap; markers link to the note on their
//! page and each note's number links back to a marker of it on that page.
//!
//! Run on a fixture of our own with dense, long notes, on the seed and on
//! the ten corpus articles with the most citations per kilobyte (from
//! ../shared, skipped visibly when it is missing).

use super::fonts::{FontSource, Fonts};
use super::style::{NotePlacement, NoteRepeat, Style};
use super::{Layout, LinkTarget, LinkTo, Role, layout, layout_book};
use crate::ast::{Document, Inline};
use std::path::PathBuf;

use super::rule_tests::parse_text;

fn lay(doc: &Document, style: &Style, placement: NotePlacement) -> Layout {
    let src = FontSource::load(style).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    layout(doc, style, &mut fonts, placement)
}

/// A note line's label: `(n, continued)` when the line starts a note
/// (`n.`) or continues one (`n (cont.)`).
fn label(l: &super::PlacedLine) -> Option<(u32, bool)> {
    // The label is the run set in the margin, left of the line's origin.
    let run = l.line.runs.first().filter(|r| r.x < 0.0)?;
    let first: String = run.glyphs.iter().map(|g| &*g.text).collect();
    if let Some(n) = first.strip_suffix(" (cont.)") {
        return Some((n.parse().ok()?, true));
    }
    Some((first.strip_suffix('.')?.parse().ok()?, false))
}

/// Every rule of the foot notes; returns the problems found. `style` is the
/// style the layout was made in.
fn problems(name: &str, l: &Layout, style: &Style) -> Vec<String> {
    let mut out = Vec::new();
    let p = &style.page;
    let bottom = p.height - p.margin_bottom;
    // The notes begun on the pages before (a note longer than half a page
    // may continue over several).
    let mut open: Vec<u32> = Vec::new();
    for (pi, page) in l.pages.iter().enumerate() {
        let pg = pi + 1;
        let body: Vec<_> = page
            .lines
            .iter()
            .filter(|pl| !matches!(pl.role, Role::Note | Role::Footer | Role::Header))
            .collect();
        let notes: Vec<_> = page
            .lines
            .iter()
            .filter(|pl| pl.role == Role::Note)
            .collect();
        // Reading order: body, then notes, then the footer.
        let roles: Vec<Role> = page.lines.iter().map(|pl| pl.role).collect();
        if let (Some(fnote), Some(lbody)) = (
            roles.iter().position(|r| *r == Role::Note),
            roles
                .iter()
                .rposition(|r| !matches!(r, Role::Note | Role::Footer | Role::Header)),
        ) && fnote < lbody
        {
            out.push(format!("{name} p{pg}: a note line before a body line"));
        }
        // The references cited on the page, in the order of first citation.
        let mut cited: Vec<u32> = Vec::new();
        for pl in &body {
            for &(_, n, _) in &pl.line.markers {
                if !cited.contains(&n) {
                    cited.push(n);
                }
            }
        }
        let mut starts: Vec<u32> = Vec::new();
        let mut continued: Vec<(usize, u32)> = Vec::new();
        for (j, pl) in notes.iter().enumerate() {
            match label(pl) {
                Some((n, false)) => starts.push(n),
                Some((n, true)) => continued.push((j, n)),
                // A line of another note than the line before has a label.
                None if j == 0 || notes[j - 1].block != pl.block => out.push(format!(
                    "{name} p{pg}: a note's first line here has no label: {:?}",
                    pl.line.text()
                )),
                None => {}
            }
        }
        if starts != cited {
            out.push(format!(
                "{name} p{pg}: notes {starts:?}, but the page cites {cited:?}"
            ));
        }
        // What continues comes first, before the page's own notes.
        let first_own = notes
            .iter()
            .position(|pl| label(pl).is_some_and(|(_, c)| !c))
            .unwrap_or(notes.len());
        for &(j, n) in &continued {
            if j > first_own || !open.contains(&n) {
                out.push(format!(
                    "{name} p{pg}: note {n} continued at line {j}, after the page's own notes \
                     or never begun"
                ));
            }
        }
        // A note given here in full is not also continued here.
        if style.notes.repeat == NoteRepeat::Full {
            for &(_, n) in &continued {
                if starts.contains(&n) {
                    out.push(format!(
                        "{name} p{pg}: note {n} both continued and given again"
                    ));
                }
            }
        }
        open.extend(starts.iter().copied());
        // Geometry: the notes under their rule, the body above it, all of
        // it inside the text block.
        let descent = |pl: &super::PlacedLine| {
            pl.line.runs.iter().map(|r| r.size).fold(0.0f32, f32::max) * 0.25
        };
        for pl in body.iter().chain(&notes) {
            if pl.baseline + descent(pl) > bottom + 0.01 {
                out.push(format!(
                    "{name} p{pg}: a line goes below the text block by {:.2} pt",
                    pl.baseline + descent(pl) - bottom
                ));
            }
        }
        if let Some(first) = notes.first() {
            let rule = page
                .rules
                .iter()
                .filter(|r| r.y <= first.top + 0.01)
                .map(|r| r.y)
                .fold(f32::MIN, f32::max);
            if rule == f32::MIN {
                out.push(format!("{name} p{pg}: notes without a rule above them"));
            }
            let body_bottom = body
                .iter()
                .map(|pl| pl.baseline + descent(pl))
                .fold(f32::MIN, f32::max);
            if body_bottom > rule {
                out.push(format!(
                    "{name} p{pg}: the body reaches {:.2} pt into the notes",
                    body_bottom - rule
                ));
            }
        }
        // Links: a marker goes to its note on the same page; a note's
        // number goes back to a marker of it on the same page (on the page
        // before, for a note continued).
        let is_note_link = |rect: &[f32; 4]| notes.iter().any(|pl| (pl.top - rect[1]).abs() < 0.01);
        for link in &page.links {
            match (&link.target, &link.to) {
                (LinkTarget::Reference(n), LinkTo::Dest(d)) => {
                    let ok = d.page == pi
                        && notes.iter().any(|pl| {
                            (pl.top - d.y).abs() < 0.01 && label(pl) == Some((*n, false))
                        });
                    if !ok {
                        out.push(format!(
                            "{name} p{pg}: the marker of {n} links to p{} y {:.1}, not its note here",
                            d.page + 1,
                            d.y
                        ));
                    }
                }
                (LinkTarget::Cite(n, _), LinkTo::Dest(d)) if is_note_link(&link.rect) => {
                    let cont = notes
                        .iter()
                        .find(|pl| (pl.top - link.rect[1]).abs() < 0.01)
                        .and_then(|pl| label(pl))
                        .is_some_and(|(_, c)| c);
                    let want_page = if cont { d.page < pi } else { d.page == pi };
                    let marker_there = l.pages[d.page].links.iter().any(|m| {
                        m.target == LinkTarget::Reference(*n)
                            && (m.rect[0] - d.x).abs() < 0.01
                            && (m.rect[1] - d.y).abs() < 0.01
                    });
                    if !want_page || !marker_there {
                        out.push(format!(
                            "{name} p{pg}: note {n} links back to p{} ({}), not a marker of it",
                            d.page + 1,
                            if marker_there {
                                "a marker"
                            } else {
                                "no marker"
                            }
                        ));
                    }
                }
                (LinkTarget::Reference(n), _) => {
                    out.push(format!("{name} p{pg}: the marker of {n} links nowhere"))
                }
                _ => {}
            }
        }
        let markers: usize = body.iter().map(|pl| pl.line.markers.len()).sum();
        let marker_links = page
            .links
            .iter()
            .filter(|k| matches!(k.target, LinkTarget::Reference(_)))
            .count();
        if markers != marker_links {
            out.push(format!(
                "{name} p{pg}: {markers} markers but {marker_links} marker links"
            ));
        }
        let note_starts = notes.iter().filter(|pl| label(pl).is_some()).count();
        let back = page
            .links
            .iter()
            .filter(|k| matches!(k.target, LinkTarget::Cite(..)) && is_note_link(&k.rect))
            .count();
        if note_starts != back {
            out.push(format!(
                "{name} p{pg}: {note_starts} labelled note lines but {back} back-links"
            ));
        }
    }
    out
}

/// An article of our own with dense, long notes: several citations in
/// most paragraphs, some notes of one line, some of a dozen, one longer
/// than a page, and references cited again pages later.
fn dense_fixture() -> String {
    let mut text = String::from("Ledgers of the lock keepers\n\n");
    // References are first cited in order (1, 2, 3 …), then again at random.
    let (mut next, mut counts) = (1u32, vec![0usize; 24]);
    let mut cite = |fresh: bool, i: u32| {
        let n = if fresh && next <= 23 {
            next += 1;
            next - 1
        } else {
            1 + (i * 7 + 3) % (next - 1).max(1)
        };
        counts[n as usize] += 1;
        n
    };
    for i in 0..36u32 {
        let (a, b, c) = (cite(true, i), cite(true, i + 5), cite(false, i + 11));
        text.push_str(&format!(
            "Entry {i}: the keeper of the summit lock wrote that the boats waited \
             for water through the whole of the morning{a}, while the flotilla from \
             the lower basin was held at the aqueduct until the sluices were \
             opened again{b}. The ledger for that week also records repairs to \
             the upper gates and the price of oakum bought at the basin{c}.\n\n"
        ));
    }
    for (n, &count) in counts.iter().enumerate().skip(1) {
        let words = match n {
            7 => 900,
            _ if n % 5 == 0 => 160,
            _ if n % 5 == 1 => 12,
            _ if n % 5 == 2 => 45,
            _ => 25,
        };
        let mut body = format!("Keeper's ledger number {n}. Canal Office papers, box {n}");
        for w in 0..words {
            body.push_str(if w % 9 == 0 { ", folio" } else { " entries" });
        }
        let back = "[]".repeat(count.max(1));
        text.push_str(&format!("  {n}. {body}; Alder Fork Archive; 1901{back}\n"));
    }
    text
}

/// The notes of the dense fixture not given to their end (the fixture's
/// end with its year, a short form with `…`) before they are given again,
/// or at all: (page, note). (A note continued is left unfinished only
/// when the page it continues on gives it again in full.)
fn cut_short(l: &Layout) -> Vec<(usize, u32)> {
    let ended = |text: &str| text.ends_with("1901") || text.ends_with('…');
    // Each note's last line so far, and the note of the line before.
    let mut last: std::collections::HashMap<u32, (usize, String)> = Default::default();
    let mut cut = Vec::new();
    for (pi, page) in l.pages.iter().enumerate() {
        let mut current = None;
        for pl in page.lines.iter().filter(|pl| pl.role == Role::Note) {
            if let Some((n, continued)) = label(pl) {
                if !continued
                    && let Some((p, text)) = last.get(&n)
                    && !ended(text)
                {
                    cut.push((*p, n));
                }
                current = Some(n);
            }
            if let Some(n) = current {
                last.insert(n, (pi + 1, pl.line.text()));
            }
        }
    }
    cut.extend(
        last.into_iter()
            .filter(|(_, (_, text))| !ended(text))
            .map(|(n, (p, _))| (p, n)),
    );
    cut
}

fn check(name: &str, doc: &Document, style: &Style) -> Layout {
    let l = lay(doc, style, NotePlacement::Foot);
    let mut found = problems(name, &l, style);
    // The body's own rules (widows, orphans, headings kept with what
    // follows …) hold with notes too.
    found.extend(super::rule_tests::problems(name, &l));
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
    l
}

#[test]
fn dense_long_notes_sit_at_the_foot_of_their_pages() {
    let doc = parse_text("dense.txt", &dense_fixture());
    let mut total_cont = 0;
    for style in ["default", "a5"] {
        for repeat in [NoteRepeat::Full, NoteRepeat::Short] {
            let mut st = Style::load(style).unwrap();
            st.notes.repeat = repeat;
            let l = check(&format!("dense/{style}/{repeat:?}"), &doc, &st);
            let notes: Vec<String> = l
                .pages
                .iter()
                .flat_map(|p| &p.lines)
                .filter(|pl| pl.role == Role::Note)
                .map(|pl| pl.line.text())
                .collect();
            total_cont += notes.iter().filter(|t| t.contains("(cont.)")).count();
            let short = notes.iter().filter(|t| t.ends_with('…')).count();
            match repeat {
                NoteRepeat::Full => assert_eq!(short, 0),
                NoteRepeat::Short => {
                    assert!(short > 10, "{short} short notes");
                    let cut = cut_short(&l);
                    assert!(cut.is_empty(), "notes cut short: {cut:?}");
                }
            }
            // No end list: every reference is cited.
            assert!(
                !l.pages
                    .iter()
                    .flat_map(|p| &p.lines)
                    .any(|pl| pl.role == Role::Reference)
            );
        }
    }
    assert!(total_cont >= 4, "the long note is continued: {total_cont}");
}

#[test]
fn the_note_rules_are_really_checked() {
    let doc = parse_text("dense.txt", &dense_fixture());
    let st = Style::default();
    let l = check("dense", &doc, &st);
    // A note moved to another page, a line pushed below the text block,
    // a marker link sent to the wrong page: each is found.
    let mut moved = l.clone();
    let (from, line) = moved
        .pages
        .iter()
        .enumerate()
        .find_map(|(i, p)| {
            p.lines
                .iter()
                .position(|pl| pl.role == Role::Note && label(pl).is_some_and(|(_, c)| !c))
                .map(|j| (i, j))
        })
        .unwrap();
    let note = moved.pages[from].lines.remove(line);
    moved.pages[from + 1].lines.insert(0, note);
    let found = problems("moved", &moved, &st);
    assert!(
        found.iter().any(|p| p.contains("but the page cites")),
        "{found:?}"
    );
    let mut low = l.clone();
    if let Some(pl) = low.pages[0]
        .lines
        .iter_mut()
        .rfind(|pl| pl.role == Role::Note)
    {
        pl.baseline += 60.0;
    }
    let found = problems("low", &low, &st);
    assert!(
        found.iter().any(|p| p.contains("below the text block")),
        "{found:?}"
    );
    let mut wrong = l.clone();
    for link in &mut wrong.pages[1].links {
        if let (LinkTarget::Reference(_), LinkTo::Dest(d)) = (&link.target, &mut link.to) {
            d.page = 0;
        }
    }
    let found = problems("wrong", &wrong, &st);
    assert!(
        found.iter().any(|p| p.contains("not its note here")),
        "{found:?}"
    );
}

#[test]
fn uncited_references_stay_in_the_end_list_and_end_mode_has_no_notes() {
    let text = "Title\n\nOne claim1 and another2.\n\n\
                1. First; Pub; 2020-01-01[]\n2. Second; Pub; 2020-01-02[]\n3. Third; Pub; 2020-01-03\n";
    let doc = parse_text("t.txt", text);
    let st = Style::default();
    let foot = check("uncited", &doc, &st);
    let refs: Vec<String> = foot
        .pages
        .iter()
        .flat_map(|p| &p.lines)
        .filter(|pl| pl.role == Role::Reference)
        .map(|pl| pl.line.text())
        .collect();
    assert_eq!(refs.len(), 1, "{refs:?}");
    assert!(refs[0].contains("Third"), "{refs:?}");
    let end = lay(&doc, &st, NotePlacement::End);
    assert!(
        !end.pages
            .iter()
            .flat_map(|p| &p.lines)
            .any(|pl| pl.role == Role::Note)
    );
}

#[test]
fn book_chapters_have_their_own_notes() {
    let doc = parse_text("dense.txt", &dense_fixture());

    let two = parse_text(
        "two.txt",
        "Second\n\nA claim1 and another2.\n\n1. A; B; 2020[]\n2. C; D; 2021[]\n",
    );
    // A title page, as `book` makes it: a title and nothing else.
    let mut cover = two.clone();
    cover.title.text = "A book".into();
    (cover.subtitle, cover.lead_figure, cover.references_heading) = (None, None, None);
    cover.blocks.clear();
    cover.sections.clear();
    cover.references.clear();
    let st = Style::load("a5").unwrap();
    let src = FontSource::load(&st).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    for recto in [false, true] {
        let l = layout_book(
            &cover,
            &[&doc, &two],
            &st,
            &mut fonts,
            recto,
            NotePlacement::Foot,
        );
        let found = problems("book", &l, &st);
        assert!(found.is_empty(), "{}", found.join("\n"));
        let last = l.pages.last().unwrap();
        let labels: Vec<_> = last
            .lines
            .iter()
            .filter(|pl| pl.role == Role::Note)
            .filter_map(label)
            .collect();
        assert_eq!(labels, vec![(1, false), (2, false)]);
    }
}

/// Citations per kilobyte of text.
fn density(doc: &Document, bytes: usize) -> f64 {
    let mut cites = 0;
    crate::ast::walk::for_each_inlines(doc, &mut |inl: &[Inline]| {
        cites += inl
            .iter()
            .filter(|i| matches!(i, Inline::Cite { .. }))
            .count();
    });
    cites as f64 * 1024.0 / bytes.max(1) as f64
}

#[test]
fn seed_and_the_most_note_dense_corpus_articles() {
    let Some(shared) =
        super::rule_tests::support::shared_or_skip("seed_and_the_most_note_dense_corpus_articles")
    else {
        return;
    };
    let st = Style::default();
    let seed = shared.join("seed").join("temporary-deployment.txt");
    let mut picked: Vec<(f64, PathBuf, Document)> = Vec::new();
    if let Ok(rd) = std::fs::read_dir(shared.join("corpus")) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_none_or(|x| x != "txt") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let doc = parse_text(&p.display().to_string(), &text);
            picked.push((density(&doc, text.len()), p, doc));
        }
    }
    picked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    picked.truncate(10);
    assert!(
        picked.len() == 10 || picked.is_empty(),
        "{} corpus articles",
        picked.len()
    );
    let text = std::fs::read_to_string(&seed).unwrap();
    let mut docs = vec![(0.0, seed, parse_text("seed", &text))];
    docs.extend(picked);
    let mut pages = 0;
    for (d, p, doc) in &docs {
        let name = p.file_stem().unwrap().to_string_lossy();
        let l = check(&name, doc, &st);
        assert!(
            l.pages
                .iter()
                .flat_map(|p| &p.lines)
                .any(|pl| pl.role == Role::Note),
            "{name} ({d:.1} citations/KB) has notes"
        );
        pages += l.pages.len();
        eprintln!("{name}: {d:.2} citations/KB, {} pages", l.pages.len());
    }
    eprintln!("foot notes: {} articles, {pages} pages checked", docs.len());
}
