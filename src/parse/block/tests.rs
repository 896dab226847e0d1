//! Unit tests of the parent module.

use super::super::lines::{block_slices, lines};
use super::*;

fn block(t: &str) -> Vec<Line<'_>> {
    let ls = lines(t, 0);
    block_slices(&ls).next().unwrap_or_default().to_vec()
}

fn phrases() -> Vec<String> {
    crate::read_alt_phrases(crate::DEFAULT_ALT_PHRASES)
}

#[test]
fn markers() {
    assert_eq!(bullet_marker("• x").unwrap().1, ListMarker::Bullet('•'));
    assert!(bullet_marker("-x").is_err());
    assert_eq!(number_marker("12) x").unwrap().1, ListMarker::Number(12));
    assert!(number_marker("1.5 x").is_err());
    // Every bullet of the rule, and characters that are not one.
    for c in "•◦▪‣-*–".chars() {
        assert_eq!(
            bullet_marker(&format!("{c} x")).unwrap().1,
            ListMarker::Bullet(c)
        );
    }
    for c in "+·—>o".chars() {
        assert!(bullet_marker(&format!("{c} x")).is_err(), "{c}");
    }
}

#[test]
fn rules() {
    assert!(rule(&block("* * *")));
    assert!(rule(&block("———")));
    assert!(rule(&block("- - -")));
    assert!(!rule(&block("--")));
    assert!(!rule(&block("- item")));
    // Every character of the rule, and characters that are not one.
    for c in "*-_—·━─═".chars() {
        assert!(rule_line(&format!("{c}{c} {c}")).is_ok(), "{c}");
    }
    for c in "=~–•+".chars() {
        assert!(rule_line(&format!("{c}{c}{c}")).is_err(), "{c}");
    }
}

/// A document shape; its markers are superscripts (pandoc plain).
fn shape(hard_wrapped: bool) -> super::super::shape::Shape {
    super::super::shape::Shape {
        base_indent: 0,
        hard_wrapped,
        line_blocks: false,
        superscript_markers: true,
    }
}

fn is_figure(t: &str, hard_wrapped: bool) -> bool {
    figure(&block(t), t, &shape(hard_wrapped), &phrases()).is_some()
}

/// The alt text and caption a block gives, as text.
fn parts(t: &str, hard_wrapped: bool) -> (String, String) {
    let p = figure(&block(t), t, &shape(hard_wrapped), &phrases()).unwrap();
    let text = |s: &[(usize, usize)]| {
        s.iter()
            .map(|&(a, e)| &t[a..e])
            .collect::<Vec<_>>()
            .join(" ")
    };
    (text(&p.alt), text(&p.caption))
}

#[test]
fn figures() {
    assert!(is_figure("A map of the valley.", false));
    assert!(is_figure("Figure 2: Lock gates", false));
    assert!(is_figure("Figure 2. Lock gates at dawn.", false));
    assert!(!is_figure("Figure 2 shows the lock gates.", false));
    assert!(!is_figure("A mapping exercise.", false));
    assert!(is_figure("gates\nThe gates (Photo credit: Anna)", true));
    assert!(is_figure("gates\ngates", true));
    assert!(is_figure("Some alt text\nA caption", false));
    assert!(!is_figure("Some alt text\nA caption", true));
    assert!(!is_figure("It was cited here1.\nAnd more.", false));
}

#[test]
fn flattened_figures() {
    // html2text: a Markdown image, wrapped; the address is dropped.
    assert_eq!(
        parts("![A map of the lock\nkeepers' houses](img/map.png)", false),
        ("A map of the lock keepers' houses".into(), String::new())
    );
    assert!(!is_figure("![](img/map.png)", false));
    assert!(!is_figure("![A map](img/map.png) and more", false));
    // pandoc plain: a caption in brackets, wrapped.
    assert_eq!(
        parts(
            "[Figure 3. Tolls paid at the lower lock,\n1890–1910.]",
            true
        ),
        (
            String::new(),
            "Figure 3. Tolls paid at the lower lock, 1890–1910.".into()
        )
    );
    let glued = super::super::shape::Shape {
        superscript_markers: false,
        ..shape(true)
    };
    let aside = "[A revised version appeared in the parish magazine.]";
    assert!(figure(&block(aside), aside, &glued, &phrases()).is_none());
    assert!(!is_figure("[1]", false));
    assert!(!is_figure("[↩︎]", false));
    assert!(!is_figure("[a] then [b]", false));
    // A hard-wrapped labelled caption is one caption, not alt + caption.
    assert_eq!(
        parts(
            "Figure 1. Keepers' houses along the canal,\n1850–1900.",
            true
        ),
        (
            String::new(),
            "Figure 1. Keepers' houses along the canal, 1850–1900.".into()
        )
    );
    assert!(!is_figure(
        "Figure 1. shows the houses\nalong the canal.",
        true
    ));
    assert_eq!(
        parts("A photo of the lower lock in\nwinter, frozen.", true).0,
        "A photo of the lower lock in winter, frozen."
    );
    assert!(!is_figure("A photo of\nthe\nlower\nlock\nin winter.", true));
}

#[test]
fn headings() {
    assert!(heading(&block("Pulling out"), true));
    assert!(!heading(&block("Pulling out"), false));
    assert!(!heading(&block("It ended."), true));
    assert!(!heading(&block("It ended there3"), true));
    assert!(heading(&block("2. Findings"), true));
    assert!(numbered_heading(&block("3. Break days help."), true));
    assert!(!numbered_heading(&block("3. Break days help."), false));
    assert!(!heading(&block("(An aside in brackets)"), true));
    assert!(!heading(&block("Download: PNG | PDF"), true));
    let long = "word ".repeat(17);
    assert!(!heading(&block(long.trim()), true));
}

#[test]
fn nested_lists_and_continuations() {
    let t = "  • one\n  • two\n    ◦ two a\n    ◦ two b\n  • three\n    continued";
    let b = block(t);
    let l = list(&b).unwrap();
    assert!(!l.ordered);
    assert_eq!(l.items.len(), 3);
    assert_eq!(l.items[1].children[0].items.len(), 2);
    // Each item's text, after its marker, and its lines, in the block.
    let texts =
        |it: &ItemTree| -> Vec<&str> { it.segments(&b).iter().map(|&(a, e)| &t[a..e]).collect() };
    assert_eq!(texts(&l.items[0]), ["one"]);
    assert_eq!(texts(&l.items[1]), ["two"]);
    assert_eq!(texts(&l.items[1].children[0].items[1]), ["two b"]);
    assert_eq!(texts(&l.items[2]), ["three", "continued"]);
    let lines = |it: &ItemTree| -> Vec<&str> { it.lines(&b).iter().map(|l| l.text).collect() };
    assert_eq!(lines(&l.items[1]), ["• two"]);
    assert_eq!(lines(&l.items[1].children[0].items[0]), ["◦ two a"]);
    assert_eq!(lines(&l.items[2]), ["• three", "continued"]);
    assert_eq!(l.span(&b), (t.find('•').unwrap(), t.len()));
    assert_eq!(
        l.items[1].children[0].span(&b),
        (t.find('◦').unwrap(), t.find("\n  • three").unwrap())
    );
}

#[test]
fn nesting_is_capped() {
    let text: String = (0..200)
        .map(|i| format!("{}- level {i}\n", " ".repeat(i)))
        .collect();
    let mut l = list(&block(&text)).unwrap();
    let mut depth = 1;
    while let Some(child) = l.items.last().and_then(|i| i.children.first()).cloned() {
        l = child;
        depth += 1;
    }
    assert_eq!(depth, MAX_LIST_DEPTH);
    assert_eq!(l.items.len(), 200 - MAX_LIST_DEPTH + 1);
}

#[test]
fn ordered_lists_must_count_up() {
    assert!(list(&block("1. a\n2) b\n3. c")).unwrap().ordered);
    assert!(list(&block("1. a\n3. b")).is_none());
    assert!(list(&block("1. a\n• b")).is_none());
    assert!(list(&block("plain\n1. a")).is_none());
}

#[test]
fn quotes() {
    assert!(quote(&block("    quoted\n     more")));
    assert!(!quote(&block("    quoted\n  less")));
}

#[test]
fn reference_headings() {
    assert!(is_references_heading("Works Cited"));
    assert!(is_references_heading("NOTES:"));
    assert!(!is_references_heading("Notes on a canal"));
}
