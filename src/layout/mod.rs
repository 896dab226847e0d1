//! Page layout for print: the document model in, positioned glyph runs out.
//!
//! Pure: no PDF here. [`layout`] shapes every word (rustybuzz, with the
//! style's fonts), breaks paragraphs with Knuth–Plass ([`linebreak`]) using
//! UAX #14 opportunities and hyphenation patterns (hypher, from the
//! document's language), and fills pages with widow/orphan control and
//! headings kept with what follows. The result, a [`Layout`], is what
//! `write::pdf` draws and what the layout tests inspect.
//!
//! Coordinates are PostScript points with the origin at the top-left corner
//! of the page and y growing downwards; a line's runs are placed relative to
//! the line's origin on its baseline.
//!
//! Stages, one file each: `flow.rs` walks an article once into rows (every
//! paragraph set by [`paragraph`] and [`linebreak`], by `parallel.rs` on
//! several threads when there is enough text), `paginate.rs` fills pages
//! with them, and `model.rs` holds what comes out: lines, glyph runs,
//! pages, links, the outline. `labels.rs` sets the short one-line texts
//! (labels, page numbers, running heads).

mod flow;
pub mod fonts;
mod labels;
pub mod linebreak;
mod matter;
mod model;
mod paginate;
pub mod paragraph;
mod parallel;
pub mod style;

use flow::*;
use labels::*;
pub use model::*;
use paginate::*;
use parallel::*;

use crate::ast::{Block, Document, Figure, Inline, List};
use fonts::{FontKind, Fonts, Variant};
use paragraph::{Atom, Setting, set_paragraph};
use std::collections::HashMap;
use std::sync::Arc;
use style::Style;

/// Language → hyphenation patterns (the primary subtag of a BCP 47 tag).
pub fn hyphenation_lang(tag: &str) -> Option<hypher::Lang> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    let b = primary.as_bytes();
    if b.len() != 2 {
        return None;
    }
    hypher::Lang::from_iso([b[0], b[1]])
}

/// Lays `doc` out in `style` with `fonts`.
pub fn layout(doc: &Document, style: &Style, fonts: &mut Fonts) -> Layout {
    let (rows, missing, structure) = article_rows(doc, style, fonts);
    paginate(rows, style, fonts, missing, &[], false, structure)
}

/// Where a chapter of a book begins in the rows, and its running head.
struct ChapterMark {
    start: usize,
    head: Option<String>,
}

/// Lays a book out: a title page from `cover` (its title, author and date),
/// then one chapter per document, each starting on a new page (a right-hand,
/// odd-numbered one when `recto`, with a blank page before it if needed),
/// with the chapter's title as the running head of its other pages. The
/// outline has one top-level entry per chapter with its sections inside.
/// Links stay inside their chapter.
pub fn layout_book(
    cover: &Document,
    chapters: &[&Document],
    style: &Style,
    fonts: &mut Fonts,
    recto: bool,
) -> Layout {
    let (mut rows, mut missing, mut structure) = article_rows(cover, style, fonts);
    for r in &mut rows {
        r.outline = None;
    }
    let mut marks = vec![ChapterMark {
        start: 0,
        head: None,
    }];
    for d in chapters {
        let (mut more, miss, nodes) = article_rows(d, style, fonts);
        marks.push(ChapterMark {
            start: rows.len(),
            head: Some(d.title.text.clone()),
        });
        // The chapter's structure goes into the book's: its root becomes
        // a chapter element of the book's root, with its own language when
        // it is not the book's.
        let base = structure.len();
        let lang = d.meta.lang.trim();
        for (i, mut n) in nodes.into_iter().enumerate() {
            if i == 0 {
                n.kind = StructKind::Chapter;
                n.parent = Some(0);
                n.lang =
                    (!lang.is_empty() && lang != cover.meta.lang.trim()).then(|| lang.to_string());
            } else {
                n.parent = n.parent.map(|p| p + base);
            }
            structure.push(n);
        }
        for r in &mut more {
            r.node += base;
            r.label = r.label.map(|l| l + base);
        }
        rows.extend(more);
        missing.extend(miss);
    }
    paginate(rows, style, fonts, missing, &marks, recto, structure)
}

#[cfg(test)]
mod rule_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(letter(1), "a");
        assert_eq!(letter(26), "z");
        assert_eq!(letter(27), "aa");
    }

    /// Paragraphs set on several threads (more than [`PARALLEL_TEXT_BYTES`]
    /// of text) come out exactly as when set on one.
    #[test]
    fn parallel_setting_changes_nothing() {
        let mut text = String::from("Many paragraphs\n\n");
        for i in 0..200 {
            text.push_str(&format!(
                "Paragraph {i} tells how the lock keepers of the upper reach opened \
                 the sluices before dawn, so that the flotilla could pass the summit \
                 pound without waiting for the afternoon water1.\n\n"
            ));
        }
        text.push_str("  1. Keepers; Canal Office; 1901[]\n");
        let parsed = crate::parse_article(
            "t",
            text.into_bytes(),
            Default::default(),
            &Default::default(),
        )
        .unwrap();
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let lay = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut f = Fonts::new(&source).unwrap();
                layout(&parsed.document, &style, &mut f)
            })
        };
        let one = lay(1);
        assert!(one.pages.len() > 3);
        assert_eq!(one, lay(2));
        assert_eq!(one, lay(3));
    }

    /// The structure of the layout: every line points to an element (the
    /// root for page furniture), every element's parent comes before it,
    /// a block's lines all have the block's role, labels sit in items, every
    /// link names the line and span it came from, figures carry their alt
    /// text; in a book each chapter is an element of its own, with its
    /// language when it is not the book's.
    #[test]
    fn lines_point_into_the_structure() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/input/canal-and-locks.txt");
        let parse = |text: String, lang: &str| {
            let mut d = crate::parse_article(
                "t",
                text.into_bytes(),
                Default::default(),
                &Default::default(),
            )
            .unwrap()
            .document;
            d.meta.lang = lang.into();
            d
        };
        let doc = parse(std::fs::read_to_string(path).unwrap(), "en");
        let style = Style::default();
        let source = fonts::FontSource::load(&style).unwrap();
        let mut f = Fonts::new(&source).unwrap();
        let check = |lay: &Layout| {
            let s = &lay.structure;
            assert_eq!(s[0].kind, StructKind::Document);
            assert!(
                s.iter()
                    .enumerate()
                    .skip(1)
                    .all(|(i, n)| n.parent.is_some_and(|p| p < i))
            );
            for page in &lay.pages {
                for l in &page.lines {
                    match l.role {
                        Role::Footer | Role::Header => assert_eq!(l.node, 0),
                        role => match s[l.node].kind {
                            StructKind::Block(r) => assert_eq!(r, role),
                            StructKind::Figure => assert_eq!(role, Role::FigureAlt),
                            StructKind::ItemBody => {
                                assert!(matches!(role, Role::ListItem | Role::Reference))
                            }
                            StructKind::Title => assert_eq!(role, Role::Title),
                            k => panic!("a line in a {k:?}"),
                        },
                    }
                    if let Some(label) = l.label {
                        assert_eq!(s[label].kind, StructKind::Label);
                        assert_eq!(
                            s[label].parent, s[l.node].parent,
                            "label and body of one item"
                        );
                    }
                }
                for link in &page.links {
                    let (li, si) = link.source.unwrap();
                    assert_eq!(page.lines[li].line.links[si].target, link.target);
                }
            }
            let figures: Vec<&StructNode> =
                s.iter().filter(|n| n.kind == StructKind::Figure).collect();
            assert!(!figures.is_empty());
            assert!(
                figures
                    .iter()
                    .all(|n| n.alt.as_deref().is_some_and(|a| a.len() > 10))
            );
        };
        let lay = layout(&doc, &style, &mut f);
        check(&lay);
        let items = lay
            .structure
            .iter()
            .filter(|n| n.kind == StructKind::Item)
            .count();
        assert_eq!(items, 6 + doc.references.len());
        let other = parse("Un titre\n\nUn paragraphe.\n".into(), "fr");
        let cover = parse("A book\n\nx\n".into(), "en");
        let book = layout_book(&cover, &[&doc, &other], &style, &mut f, false);
        check(&book);
        let chapters: Vec<&StructNode> = book
            .structure
            .iter()
            .filter(|n| n.kind == StructKind::Chapter)
            .collect();
        assert_eq!(chapters.len(), 2);
        assert!(chapters.iter().all(|c| c.parent == Some(0)));
        assert_eq!(chapters[0].lang, None);
        assert_eq!(chapters[1].lang.as_deref(), Some("fr"));
    }

    #[test]
    fn languages() {
        assert!(hyphenation_lang("en").is_some());
        assert!(hyphenation_lang("cs-CZ").is_some());
        assert!(hyphenation_lang("und").is_none());
    }
}
