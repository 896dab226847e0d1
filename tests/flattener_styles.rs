//! One small original article (about a village bakery) written the way each
//! flattener of FORMAT.md §1.1 writes a page: the same three notes must come
//! back from every style, with no back-link token, caret or bracket left in
//! the text. These run without `../shared` (tests/flatteners.rs measures
//! the real tools on the corpus).

use refolio::ast::{Block, Inline, MarkerStyle, for_each_inlines};
use refolio::{ParseOptions, Parsed, parse_article};

fn parse(text: &str) -> Parsed {
    parse_article(
        "style.txt",
        text.as_bytes().to_vec(),
        Default::default(),
        &ParseOptions::default(),
    )
    .unwrap()
}

/// The cited numbers in reading order, and all inline text joined.
fn cites_and_text(p: &Parsed) -> (Vec<u32>, String) {
    let mut cites = Vec::new();
    let mut text = String::new();
    for_each_inlines(&p.document, &mut |inl| {
        for i in inl {
            match i {
                Inline::Cite { n, .. } => cites.push(*n),
                Inline::Text { text: t, .. } => {
                    text.push_str(t);
                    text.push('\n');
                }
                Inline::Link { url, .. } => text.push_str(url),
            }
        }
    });
    (cites, text)
}

/// Checks the article's three notes (cited 1, 2, 1, 3) and its references.
fn check(name: &str, text: &str, markers: MarkerStyle) {
    let p = parse(text);
    let (cites, body) = cites_and_text(&p);
    assert_eq!(cites, [1, 2, 1, 3], "{name}: citations\n{body}");
    let d = &p.document;
    assert_eq!(d.references.len(), 3, "{name}: references");
    let counts: Vec<usize> = d.references.iter().map(|r| r.backlinks.len()).collect();
    if d.style.backlink.is_some() {
        assert_eq!(counts, [2, 1, 1], "{name}: back-links");
    }
    for r in &d.references {
        for token in ["↩", "[]", "^", "[1]", "[^]"] {
            assert!(!r.raw.contains(token), "{name}: {token} in {:?}", r.raw);
        }
        assert!(r.raw.starts_with("The "), "{name}: {:?}", r.raw);
    }
    for token in ["^", "[1]", "[2]", "¹", "³"] {
        assert!(
            !body.contains(token),
            "{name}: {token} left in the text:\n{body}"
        );
    }
    assert_eq!(d.style.markers, markers, "{name}");
    assert!(
        !p.has_errors(),
        "{name}: {:?}",
        p.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    assert_eq!(d.title.text, "Bread on the hill", "{name}: title");
}

#[test]
fn seed_style_with_empty_link_backlinks() {
    check(
        "seed",
        "Bread on the hill\n\nThe oven was lit at four every morning1. Flour came by cart2.\n\n\
         Ovens\n\nThe oven held forty loaves1, and a second one was built in 19043.\n\n\
         1. The bakery ledger; Parish archive; 1901[][]\n\
         2. The miller's accounts; Parish archive; 1899[]\n\
         3. The builder's bill; Parish archive; 1904[]\n",
        MarkerStyle::Glued,
    );
}

#[test]
fn text_browser_carets_hard_wrapped_and_indented() {
    // lynx: everything indented by 3, hard-wrapped, carets, one caret
    // wrapped away from its number, numbers aligned on their right.
    check(
        "lynx",
        " Bread on the hill\n\n   The oven was lit at four every morning, long before the first\n   \
         cart came up the lane with its sacks.^1 Flour came from the mill by\n   \
         the river, two miles down the valley, in carts that the miller sent.^\n   \
         2\n\nOvens\n\n   The oven held forty loaves at a time, which was enough for the\n   \
         whole parish on most days of the week.^1 A second one was built in\n   \
         1904 when the school opened its kitchen beside the hall.^3\n\n   \
         _______________________________________________________________\n\n    \
         1. The bakery ledger, kept by the parish clerk from 1890 to 1912.↩︎\n       \
         ↩︎\n    2. The miller's accounts, bound in one volume.↩︎\n    \
         3. The builder's bill for the second oven.↩︎\n",
        MarkerStyle::Caret,
    );
}

#[test]
fn pandoc_plain_superscripts() {
    let text = "Bread on the hill\n\nThe oven was lit at four every morning, long before the\n\
         first cart came up the lane.¹ Flour came from the mill by the river,\n\
         in carts that the miller sent.² It covered 40 m² of floor.\n\n\
         Ovens\n\nThe oven held forty loaves at a time, which was enough for\n\
         the whole parish.¹ A second one was built in 1904 beside the\n\
         school kitchen.³\n\n--------------------------------------------------\n\n\
         1.  The bakery ledger, kept by the parish clerk.↩︎ ↩︎\n\n\
         2.  The miller's accounts, bound in one volume.↩︎\n\n\
         3.  The builder's bill for the second oven.↩︎\n";
    check("pandoc plain", text, MarkerStyle::Superscript);
    let (_, body) = cites_and_text(&parse(text));
    assert!(body.contains("40 m² of floor"), "a unit's exponent is text");
}

#[test]
fn browser_copy_paste_loses_the_list_numbers() {
    check(
        "browser",
        "Bread on the hill\n\nThe oven was lit at four every morning.1 Flour came by cart from the mill by the river.” 2\n\n\
         Ovens\n\nThe oven held forty loaves,1 and a second one was built beside the school kitchen.3\n\n\
         The bakery ledger, kept by the parish clerk. ↩︎ ↩︎\n\n\
         The miller's accounts, bound in one volume. ↩︎\n\n\
         The builder's bill for the second oven. ↩︎\n",
        MarkerStyle::Glued,
    );
}

#[test]
fn trafilatura_one_block_per_line_with_bullets() {
    let text = "Bread on the hill\nThe oven was lit at four every morning.1 Flour came by cart from the mill by the river.2\n\
         Ovens\nThe oven held forty loaves,1 and a second one was built beside the school kitchen.3\n\
         - The bakery ledger, kept by the parish clerk.↩︎↩︎\n\
         - The miller's accounts, bound in one volume.↩︎\n\
         - The builder's bill for the second oven.↩︎\n";
    check("trafilatura", text, MarkerStyle::Glued);
    let p = parse(text);
    assert!(p.document.style.line_blocks);
    assert_eq!(p.document.sections.len(), 1, "`Ovens` is a heading");
    assert!(matches!(
        p.document.blocks.as_slice(),
        [Block::Paragraph(_)]
    ));
}

/// trafilatura keeps a note's own line breaks: one entry spans three lines,
/// and its back-link stands alone on the last, after two short lines that
/// look like headings in a page of one block per line.
#[test]
fn trafilatura_note_with_its_line_breaks() {
    let text = "Bread on the hill\nThe oven was lit at four every morning.1 Flour came by cart from the mill by the river.2\n\
         Ovens\nThe oven held forty loaves,1 and a second one was built beside the school kitchen.3\n\
         The bakery ledger, kept by the parish clerk.↩︎↩︎\n\
         The miller's accounts,\n\
         bound in one volume\n\
         ↩︎\n\
         The builder's bill for the second oven.↩︎\n";
    check(
        "trafilatura, a note over three lines",
        text,
        MarkerStyle::Glued,
    );
    let p = parse(text);
    assert_eq!(
        p.document.references[1].raw,
        "The miller's accounts, bound in one volume"
    );
    assert_eq!(p.document.sections.len(), 1, "only `Ovens` is a heading");
}

#[test]
fn wikipedia_paste_brackets_and_letters() {
    check(
        "wikipedia",
        "Bread on the hill\n\nThe oven was lit at four every morning.[1] Flour came by cart from the mill by the river.[2]\n\n\
         Ovens\n\nThe oven held forty loaves,[1] and a second one was built beside the school kitchen.[3]\n\n\
         References\n\n\
         1. ^ a b The bakery ledger, kept by the parish clerk.\n\
         2. ^ The miller's accounts, bound in one volume.\n\
         3. ^ The builder's bill for the second oven.\n",
        MarkerStyle::Bracket,
    );
}

#[test]
fn a_list_that_asks_for_a_citation_the_text_lacks_is_an_error() {
    // Reference 2 has a back-link, but only a standalone number could
    // supply it: `77 loaves` is never 7 + citation 7.
    let p = parse(
        "Bread\n\nThe oven was lit at four.1 It baked 22 loaves a day.\n\n\
         1. The ledger; Archive; 1901[]\n2. The accounts; Archive; 1899[]\n",
    );
    let (cites, _) = cites_and_text(&p);
    assert_eq!(cites, [1]);
    assert!(
        p.diagnostics.iter().any(|d| d
            .message
            .contains("reference 2 has 1 back-link but 0 markers")),
        "{:?}",
        p.diagnostics
    );
}

#[test]
fn every_backlink_token_reaches_tei_as_written() {
    let p = parse(
        "Bread\n\nThe oven was lit at four.1 The flour came by cart.2\n\n\
         1. The ledger.[↩] [↩]\n2. The accounts.⤴\n",
    );
    let counts: Vec<usize> = p
        .document
        .references
        .iter()
        .map(|r| r.backlinks.len())
        .collect();
    // Two back-links for reference 1, but one marker: an error, and the
    // tokens are still kept.
    assert_eq!(counts, [2, 1]);
    let mut tei = Vec::new();
    refolio::write::write(&p.document, refolio::write::Format::Tei, &mut tei).unwrap();
    let tei = String::from_utf8(tei).unwrap();
    assert!(tei.contains(">[↩]</ref>"), "{tei}");
    assert!(tei.contains(">⤴</ref>"), "{tei}");
    assert!(
        !tei.contains("The ledger.[↩]"),
        "the token is not title text"
    );
}

/// The figures of a document: (alt text, caption), as plain text.
fn figures(p: &Parsed) -> Vec<(String, String)> {
    use refolio::ast::plain_text;
    let d = &p.document;
    d.lead_figure
        .iter()
        .chain(d.all_blocks().filter_map(|b| match b {
            Block::Figure(f) => Some(&**f),
            _ => None,
        }))
        .map(|f| {
            (
                plain_text(&f.alt),
                f.caption.as_deref().map(plain_text).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn figures_as_each_flattener_writes_them() {
    // pandoc plain: the caption in brackets, wrapped.
    let p = parse(
        "Bread on the hill\n\nThe oven was lit at four every morning, long before the\n\
         first cart came up the lane with its sacks of flour from the\n\
         mill by the river.¹\n\n[Figure 1. The oven door, with the\n\
         baker's mark of 1904.]\n\nFlour came from the mill by the river, in carts\n\
         that the miller sent up the valley every week, whatever\n\
         the weather.²\n\n1.  The bakery ledger.↩︎\n\n2.  The miller's accounts.↩︎\n",
    );
    assert_eq!(
        figures(&p),
        [(
            String::new(),
            "Figure 1. The oven door, with the baker's mark of 1904.".into()
        )]
    );
    // html2text: a Markdown image, wrapped; its address is dropped.
    let p = parse(
        "# Bread on the hill\n\nThe oven was lit at four every morning.1\n\n\
         ![A photo of the oven door with the baker's\nmark](/img/oven.jpg)\n\n\
         Flour came by cart.2\n\n1. The bakery ledger.↩︎\n\n2. The miller's accounts.↩︎\n",
    );
    assert_eq!(
        figures(&p),
        [(
            "A photo of the oven door with the baker's mark".into(),
            String::new()
        )]
    );
    // w3m: a labelled caption, hard-wrapped, is one caption.
    let p = parse(
        "Bread on the hill\n\nThe oven was lit at four every morning, long before the first\n\
         cart came up the lane with its sacks of flour from the mill by\n\
         the river, two miles down the valley.^1\n\n\
         Figure 1. The oven door, with the baker's mark of 1904 cut into\n\
         the lintel above it.\n\nFlour came from the mill by the river, two miles down the\n\
         valley, in carts that the miller sent up every week, whatever\n\
         the weather.^2\n\n\
         1. The bakery ledger.↩︎\n2. The miller's accounts.↩︎\n",
    );
    assert_eq!(
        figures(&p),
        [(
            String::new(),
            "Figure 1. The oven door, with the baker's mark of 1904 cut into the lintel above it."
                .into()
        )]
    );
}

#[test]
fn a_heading_right_under_the_title_is_a_heading() {
    // A browser sets the title and the first heading on adjacent lines.
    let p = parse(
        "Bread on the hill\nIntroduction\n\nThe oven was lit at four every morning.1\n\n\
         Ovens\n\nThe oven held forty loaves.2\n\n\
         The bakery ledger. ↩︎\n\nThe miller's accounts. ↩︎\n",
    );
    let d = &p.document;
    assert_eq!(d.title.text, "Bread on the hill");
    assert!(d.subtitle.is_none());
    let heads: Vec<String> = d
        .sections
        .iter()
        .map(|s| refolio::ast::plain_text(&s.heading.inlines))
        .collect();
    assert_eq!(heads, ["Introduction", "Ovens"]);
}
