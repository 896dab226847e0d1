//! The one walk over a document body in reading order.
//!
//! Every reader of the model that goes through the body (the inline passes
//! of the resolver and of the link checks, the content identifier of the
//! EPUB, and the TEI, XHTML, article and PDF-layout writers) implements
//! [`Visit`] and lets the `walk_*` functions decide the order, in the
//! manner of `syn::visit`: a visitor overrides the nodes it cares about and
//! calls the matching `walk_*` function to go on into their children.
//!
//! The order, once for everyone: the lead figure, the blocks before the
//! first heading, then each section (its heading, then its blocks); inside
//! a list, each item's text and then the lists nested under it; inside a
//! figure, its alt text and then its caption. The title, the byline and the
//! reference list are not part of the body: a writer places them itself.

use super::Section;
use super::{Block, Document, Figure, Heading, Inline, List, ListItem, Paragraph, Quote, Rule};

/// A reader of the document body. Every method has a default that goes on
/// into the node's children (or does nothing for leaves); `Error` is the
/// visitor's failure type ([`std::convert::Infallible`] for visitors that
/// cannot fail).
pub trait Visit<'a> {
    /// What stops the walk.
    type Error;

    /// The figure that stands above the text (FORMAT.md §2), by default as
    /// any other figure.
    fn visit_lead_figure(&mut self, f: &'a Figure) -> Result<(), Self::Error> {
        self.visit_figure(f)
    }
    /// A section: the heading, then its blocks.
    fn visit_section(&mut self, index: usize, s: &'a Section) -> Result<(), Self::Error> {
        let _ = index;
        walk_section(self, s)
    }
    /// A section's heading.
    fn visit_heading(&mut self, h: &'a Heading) -> Result<(), Self::Error> {
        self.visit_inlines(&h.inlines)
    }
    /// Any block; by default dispatched on its kind.
    fn visit_block(&mut self, b: &'a Block) -> Result<(), Self::Error> {
        walk_block(self, b)
    }
    /// A paragraph.
    fn visit_paragraph(&mut self, p: &'a Paragraph) -> Result<(), Self::Error> {
        self.visit_inlines(&p.inlines)
    }
    /// A block quotation.
    fn visit_quote(&mut self, q: &'a Quote) -> Result<(), Self::Error> {
        self.visit_inlines(&q.inlines)
    }
    /// A thematic break.
    fn visit_rule(&mut self, r: &'a Rule) -> Result<(), Self::Error> {
        let _ = r;
        Ok(())
    }
    /// A list (top-level or nested): its items in order.
    fn visit_list(&mut self, l: &'a List) -> Result<(), Self::Error> {
        walk_list(self, l)
    }
    /// The `index`-th item of `list`: its text, then its nested lists.
    fn visit_item(
        &mut self,
        list: &'a List,
        index: usize,
        item: &'a ListItem,
    ) -> Result<(), Self::Error> {
        let _ = (list, index);
        walk_item(self, item)
    }
    /// A figure: alt text, then caption.
    fn visit_figure(&mut self, f: &'a Figure) -> Result<(), Self::Error> {
        walk_figure(self, f)
    }
    /// A run of inline content (a paragraph's, a heading's, an item's …).
    fn visit_inlines(&mut self, inlines: &'a [Inline]) -> Result<(), Self::Error> {
        let _ = inlines;
        Ok(())
    }
}

/// The whole body: the lead figure, then [`walk_body`].
pub fn walk_document<'a, V: Visit<'a> + ?Sized>(
    v: &mut V,
    doc: &'a Document,
) -> Result<(), V::Error> {
    if let Some(f) = &doc.lead_figure {
        v.visit_lead_figure(f)?;
    }
    walk_body(v, doc)
}

/// The blocks before the first heading, then each section.
pub fn walk_body<'a, V: Visit<'a> + ?Sized>(v: &mut V, doc: &'a Document) -> Result<(), V::Error> {
    for b in &doc.blocks {
        v.visit_block(b)?;
    }
    for (i, s) in doc.sections.iter().enumerate() {
        v.visit_section(i, s)?;
    }
    Ok(())
}

/// A section's heading, then its blocks.
pub fn walk_section<'a, V: Visit<'a> + ?Sized>(v: &mut V, s: &'a Section) -> Result<(), V::Error> {
    v.visit_heading(&s.heading)?;
    for b in &s.blocks {
        v.visit_block(b)?;
    }
    Ok(())
}

/// Dispatches a block to the visitor method of its kind.
pub fn walk_block<'a, V: Visit<'a> + ?Sized>(v: &mut V, b: &'a Block) -> Result<(), V::Error> {
    match b {
        Block::Paragraph(p) => v.visit_paragraph(p),
        Block::List(l) => v.visit_list(l),
        Block::Figure(f) => v.visit_figure(f),
        Block::Quote(q) => v.visit_quote(q),
        Block::Rule(r) => v.visit_rule(r),
    }
}

/// A list's items, in order.
pub fn walk_list<'a, V: Visit<'a> + ?Sized>(v: &mut V, l: &'a List) -> Result<(), V::Error> {
    for (i, item) in l.items.iter().enumerate() {
        v.visit_item(l, i, item)?;
    }
    Ok(())
}

/// An item's text, then the lists nested under it.
pub fn walk_item<'a, V: Visit<'a> + ?Sized>(v: &mut V, item: &'a ListItem) -> Result<(), V::Error> {
    v.visit_inlines(&item.inlines)?;
    walk_children(v, item)
}

/// Only the lists nested under an item (for visitors that write the item's
/// own text themselves).
pub fn walk_children<'a, V: Visit<'a> + ?Sized>(
    v: &mut V,
    item: &'a ListItem,
) -> Result<(), V::Error> {
    for c in &item.children {
        v.visit_list(c)?;
    }
    Ok(())
}

/// A figure's alt text, then its caption.
pub fn walk_figure<'a, V: Visit<'a> + ?Sized>(v: &mut V, f: &'a Figure) -> Result<(), V::Error> {
    v.visit_inlines(&f.alt)?;
    if let Some(c) = &f.caption {
        v.visit_inlines(c)?;
    }
    Ok(())
}

/// Calls `f` on every inline sequence of the body, in the order of
/// [`walk_document`].
pub fn for_each_inlines<'a>(doc: &'a Document, f: &mut dyn FnMut(&'a [Inline])) {
    struct Each<'f, 'a>(&'f mut dyn FnMut(&'a [Inline]));
    impl<'a> Visit<'a> for Each<'_, 'a> {
        type Error = std::convert::Infallible;
        fn visit_inlines(&mut self, inlines: &'a [Inline]) -> Result<(), Self::Error> {
            (self.0)(inlines);
            Ok(())
        }
    }
    let Ok(()) = walk_document(&mut Each(f), doc);
}

/// Like [`for_each_inlines`], with mutable access, in the same order (the
/// resolver rewrites the inlines in place). Shared references and mutable
/// ones cannot share one walk in Rust without a macro; the test
/// `mutable_walk_keeps_the_order` holds the two to the same order.
pub fn for_each_inlines_mut(doc: &mut Document, f: &mut dyn FnMut(&mut Vec<Inline>)) {
    fn list(l: &mut List, f: &mut dyn FnMut(&mut Vec<Inline>)) {
        for item in &mut l.items {
            f(&mut item.inlines);
            for c in &mut item.children {
                list(c, f);
            }
        }
    }
    fn figure(fig: &mut Figure, f: &mut dyn FnMut(&mut Vec<Inline>)) {
        f(&mut fig.alt);
        if let Some(c) = &mut fig.caption {
            f(c);
        }
    }
    fn block(b: &mut Block, f: &mut dyn FnMut(&mut Vec<Inline>)) {
        match b {
            Block::Paragraph(p) => f(&mut p.inlines),
            Block::Quote(q) => f(&mut q.inlines),
            Block::List(l) => list(l, f),
            Block::Figure(fig) => figure(fig, f),
            Block::Rule(_) => {}
        }
    }
    if let Some(fig) = &mut doc.lead_figure {
        figure(fig, f);
    }
    for b in &mut doc.blocks {
        block(b, f);
    }
    for s in &mut doc.sections {
        f(&mut s.heading.inlines);
        for b in &mut s.blocks {
            block(b, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Span, plain_text};

    /// A body with every kind of node, each inline run's text naming it.
    fn every_node() -> Document {
        let t = |s: &str| vec![Inline::text(s)];
        let fig = |a: &str, c: &str| Figure {
            alt: t(a),
            caption: Some(t(c)),
            span: Span::default(),
        };
        let item = |s: &str, children: Vec<List>| ListItem {
            inlines: t(s),
            children,
            span: Span::default(),
        };
        let list = |items| List {
            ordered: false,
            start: 1,
            items,
            span: Span::default(),
        };
        let mut d = Document::new("title");
        d.lead_figure = Some(fig("lead alt", "lead caption"));
        d.blocks = vec![
            Block::paragraph(t("p1")),
            Block::List(Box::new(list(vec![
                item("i1", vec![list(vec![item("i1.1", vec![])])]),
                item("i2", vec![]),
            ]))),
            Block::Rule(Rule {
                span: Span::default(),
            }),
        ];
        d.sections = vec![Section {
            heading: Heading {
                inlines: t("h1"),
                span: Span::default(),
            },
            blocks: vec![
                Block::Figure(Box::new(fig("alt", "caption"))),
                Block::Quote(Quote {
                    inlines: t("q"),
                    span: Span::default(),
                }),
            ],
            span: Span::default(),
        }];
        d
    }

    #[test]
    fn reading_order() {
        let d = every_node();
        let mut seen = Vec::new();
        for_each_inlines(&d, &mut |i| seen.push(plain_text(i)));
        let want = [
            "lead alt",
            "lead caption",
            "p1",
            "i1",
            "i1.1",
            "i2",
            "h1",
            "alt",
            "caption",
            "q",
        ];
        assert_eq!(seen, want);
    }

    #[test]
    fn mutable_walk_keeps_the_order() {
        let mut d = every_node();
        let mut shared = Vec::new();
        for_each_inlines(&d, &mut |i| shared.push(plain_text(i)));
        let mut mutable = Vec::new();
        for_each_inlines_mut(&mut d, &mut |i| mutable.push(plain_text(i)));
        assert_eq!(shared, mutable);
    }
}
