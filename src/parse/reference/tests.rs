//! Unit tests of the parent module.

use super::*;

fn show(raw: &str) -> Vec<(RefFieldKind, String, Option<String>)> {
    fields(raw)
        .into_iter()
        .map(|f| {
            (
                f.kind,
                raw[f.range()].to_string(),
                f.iso.map(|d| d.to_string()),
            )
        })
        .collect()
}

/// (body, tokens) as strings.
fn split(text: &str) -> (&str, Vec<&str>) {
    let b = split_backlinks(text);
    (
        &text[b.body.0..b.body.1],
        b.tokens.iter().map(|&(x, y)| &text[x..y]).collect(),
    )
}

#[test]
fn backlinks_are_counted_and_stripped() {
    assert_eq!(
        split("A; B; 2018-03-07[][][]"),
        ("A; B; 2018-03-07", vec!["[]", "[]", "[]"])
    );
    assert_eq!(split("No links"), ("No links", vec![]));
    assert_eq!(split("x [] []").1.len(), 2);
    assert_eq!(split("[]"), ("", vec!["[]"]));
}

#[test]
fn every_backlink_style_is_read() {
    for (text, n) in [
        ("A source.↩", 1),
        ("A source.↩\u{FE0E}", 1),
        ("A source. ↩\u{FE0E} ↩\u{FE0E}", 2),
        ("A source. ↩ \u{FE0E}", 1),
        ("A source. ↑", 1),
        ("A source.^ ^ ^", 3),
        ("A source. [^] [^]", 2),
        ("A source. [↩] [↩]", 2),
        ("A source. [↩\u{FE0E}]", 1),
        ("A source.⤴⮐", 2),
    ] {
        let (body, tokens) = split(text);
        assert_eq!(body, "A source.", "{text:?}");
        assert_eq!(tokens.len(), n, "{text:?}");
    }
}

#[test]
fn wikipedia_leading_marks() {
    assert_eq!(
        split("^ a b c Canal history. Valley Press."),
        ("Canal history. Valley Press.", vec!["^ a", "b", "c"])
    );
    assert_eq!(split("^ Canal history."), ("Canal history.", vec!["^"]));
    assert_eq!(
        split("^ a history of the canal"),
        ("a history of the canal", vec!["^"])
    );
    assert_eq!(split("↑ a b Dějiny."), ("Dějiny.", vec!["↑ a", "b"]));
}

#[test]
fn a_caret_inside_the_text_is_text() {
    assert_eq!(split("x^2 grows").1.len(), 0);
    assert_eq!(split("see [1]").1.len(), 0);
}

#[test]
fn title_source_date() {
    let f = show("Canal history; Valley Press; 2018-03-07");
    assert_eq!(f[0], (RefFieldKind::Title, "Canal history".into(), None));
    assert_eq!(f[1], (RefFieldKind::Publisher, "Valley Press".into(), None));
    assert_eq!(
        f[2],
        (
            RefFieldKind::Date,
            "2018-03-07".into(),
            Some("2018-03-07".into())
        )
    );
}

#[test]
fn title_keeps_its_semicolon_and_date_inside_a_field() {
    let f = show("Locks; or, the ridge; Anna Berg; Quarterly Winter 1996/1997");
    assert_eq!(f[0].1, "Locks; or, the ridge");
    assert_eq!(f[1].0, RefFieldKind::Author);
    assert_eq!(f[2].1, "Winter 1996/1997");
    assert_eq!(f[2].2, None);
}

#[test]
fn date_forms() {
    assert_eq!(
        date("26 Feb 1990").unwrap().1.as_deref(),
        Some("1990-02-26")
    );
    assert_eq!(
        date("February 26, 1990").unwrap().1.as_deref(),
        Some("1990-02-26")
    );
    assert_eq!(date("March 1871").unwrap().1.as_deref(), Some("1871-03"));
    assert_eq!(date("1990").unwrap().1.as_deref(), Some("1990"));
    assert!(trailing_date("page 12").is_none());
    assert!(date("2018-13-01").unwrap().1.as_deref() == Some("2018"));
}

#[test]
fn no_date_no_structure() {
    assert!(fields("Smith, J. The Canal (London: Dock, 1901), 66.").is_empty());
    assert!(fields("One; Two; Three").is_empty());
}

#[test]
fn persons_and_organisations() {
    assert!(looks_like_person("Jana Nováková"));
    assert!(!looks_like_person("Associated Press"));
    assert!(!looks_like_person("Britannica.com"));
    assert!(!looks_like_person("Los Angeles Times"));
    assert!(!looks_like_person("Alder Valley Courier"));
    assert!(!looks_like_person("Zpravodaj Nové Vsi"));
    assert!(looks_like_person("Mary A. Smith"));
    assert!(looks_like_person("Ludwig van Beethoven"));
}

#[test]
fn spaces_and_selectors_are_trimmed_as_characters() {
    for text in [
        "",
        " ",
        "a ",
        "[] \u{FE0E}",
        "↩\u{FE0F}  \u{FE0E}",
        "é\u{FE0E}",
        "\u{FE0F}",
        "\u{FE0D}",
        "x\u{FF0E}",
    ] {
        assert_eq!(
            trim_end_spacing(text),
            text.trim_end_matches([' ', '\u{FE0E}', '\u{FE0F}']),
            "{text:?}"
        );
    }
    assert_eq!(
        split("A source. [] []\u{FE0F} ↩ \u{FE0E}[]  "),
        ("A source.", vec!["[]", "[]\u{FE0F}", "↩ \u{FE0E}", "[]"])
    );
}

proptest::proptest! {
    #[test]
    fn trimming_matches_the_library(
        chars in proptest::collection::vec(
            proptest::sample::select(vec![' ', '\u{FE0E}', '\u{FE0F}', '\u{FE0D}', 'a', '[', ']', '↩', 'é']),
            0..12,
        )
    ) {
        let text: String = chars.into_iter().collect();
        proptest::prop_assert_eq!(
            trim_end_spacing(&text),
            text.trim_end_matches([' ', '\u{FE0E}', '\u{FE0F}'])
        );
    }
}

#[test]
fn a_run_of_empty_links_is_read_as_the_rule_reads_it() {
    for n in 1..6 {
        let run = "[]".repeat(n);
        assert_eq!(backlink_tail(&run), backlink_tail_by_rule(&run), "{run}");
        assert_eq!(backlink_tail(&run).unwrap().1.len(), n);
    }
    // Not a run of `[]` alone: the rule reads them.
    for text in ["[][", "[] []", "[]]", "[][]\u{FE0E}", "[][] "] {
        assert_eq!(backlink_tail(text), backlink_tail_by_rule(text), "{text:?}");
    }
}

#[test]
fn every_token_ends_in_a_byte_the_walk_back_looks_for() {
    for t in BACKLINK_TOKENS {
        assert!(may_end_token(*t.as_bytes().last().unwrap()), "{t}");
    }
    assert!(!may_end_token(b'.'));
    assert!(!may_end_token(b'a'));
}
