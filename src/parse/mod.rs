//! The article grammar (FORMAT.md §2–3): from text to a [`Document`] whose
//! inline text is still plain. Citation markers are found afterwards by
//! [`crate::resolve`], which needs the whole document to decide.
//!
//! Stages: [`lines`] splits the text into lines and blocks; [`block`] says
//! what each block is; this module assembles title, lead figure, sections and
//! the reference list ([`reference`]); [`inline`] joins each block's lines
//! into the text the resolver reads.

pub mod block;
pub mod inline;
pub mod lines;
pub mod reference;

use crate::ParseOptions;
use crate::ast::{
    Block, Document, Figure, Heading, Inline, List, ListItem, Meta, Paragraph, Quote, Reference,
    Rule, Section, Span, Title,
};
use crate::diag::{Diagnostic, Severity};
use crate::error::InputError;
use crate::resolve::candidates;
use crate::source::Source;
use block::ListTree;
use inline::{LogicalText, is_xml_char};
use lines::Line;

/// What the grammar makes of an article, before citation resolution.
#[derive(Debug, Clone)]
pub struct ParseOutput {
    /// The document; its inlines are one plain Text node per container.
    pub document: Document,
    /// The text of every inline container, in the order of
    /// [`crate::ast::for_each_inlines`].
    pub texts: Vec<LogicalText>,
    /// Warnings found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}

/// At most this many control-character warnings are listed one by one.
const MAX_CONTROL_WARNINGS: usize = 20;

/// What one block (after the title) is.
#[derive(Debug)]
enum Kind<'a> {
    Rule,
    Figure,
    Heading,
    List(ListTree<'a>),
    Quote,
    Paragraph,
}

/// Classifies a block, trying the rules in the order that resolves their overlaps.
fn classify<'a>(
    b: &[Line<'a>],
    followed: bool,
    hard_wrapped: bool,
    opts: &ParseOptions,
) -> Kind<'a> {
    if block::rule(b) {
        return Kind::Rule;
    }
    // "A numbered one-line block such as `2. Findings` is such a heading, not a one-item list."
    if block::numbered_heading(b, followed) {
        return Kind::Heading;
    }
    if let Some(tree) = block::list(b) {
        return Kind::List(tree);
    }
    if block::quote(b) {
        return Kind::Quote;
    }
    if block::figure(b, hard_wrapped, &opts.alt_phrases) {
        return Kind::Figure;
    }
    if block::heading(b, followed) {
        return Kind::Heading;
    }
    Kind::Paragraph
}

fn span_of(b: &[Line<'_>]) -> Span {
    Span::new(b[0].start, b[b.len() - 1].end())
}

fn segments(b: &[Line<'_>]) -> Vec<(usize, usize)> {
    b.iter().map(|l| (l.start, l.end())).collect()
}

/// Warnings for characters XML cannot carry; they are dropped from the output.
fn control_character_warnings(src: &Source) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut count = 0usize;
    let mut first = 0usize;
    for (i, c) in src.text[src.start..].char_indices() {
        if !is_xml_char(c) {
            let at = src.start + i;
            if count == 0 {
                first = at;
            }
            count += 1;
            if count <= MAX_CONTROL_WARNINGS {
                out.push(Diagnostic::new(
                    Severity::Warning,
                    Span::new(at, at + c.len_utf8()),
                    format!(
                        "character U+{:04X} is not allowed in XML; it was dropped",
                        c as u32
                    ),
                ));
            }
        }
    }
    if count > MAX_CONTROL_WARNINGS {
        out.push(Diagnostic::new(
            Severity::Warning,
            Span::new(first, first),
            format!("{count} characters not allowed in XML were dropped in all (first {MAX_CONTROL_WARNINGS} listed)"),
        ));
    }
    out
}

/// Is this ordered list, without back-links, cited in the text? True when at
/// least half of its numbers stand glued to the text as plausible markers.
fn is_cited(tree: &ListTree<'_>, blocks: &[Vec<Line<'_>>], kinds: &[Kind<'_>]) -> bool {
    let n = tree.items.len() as u32;
    let mut seen = vec![false; n as usize + 1];
    for (b, k) in blocks.iter().zip(kinds) {
        if matches!(k, Kind::Heading | Kind::Rule) {
            continue;
        }
        let text: Vec<&str> = b.iter().map(|l| l.text).collect();
        for c in candidates::find(0, &text.join(" "), n) {
            for r in c
                .readings
                .iter()
                .filter(|r| r.score > 0.0 && !r.needs_prev_marker)
            {
                seen[r.n as usize] = true;
            }
        }
    }
    let cited = seen.iter().filter(|&&s| s).count() as u32;
    cited >= n.div_ceil(2).max(1)
}

/// Finds the reference list: (index of the list block, index of its heading).
///
/// "an ordered list that ends the document and whose items end in back-link
/// groups `[]`…, or the last ordered list when it follows a heading named
/// References, Notes, …". Also, a final ordered list without back-links
/// whose numbers are cited in the text (a page whose back-links were lost).
fn find_references(blocks: &[Vec<Line<'_>>], kinds: &[Kind<'_>]) -> Option<(usize, Option<usize>)> {
    let ordered = |k: &Kind<'_>| matches!(k, Kind::List(t) if t.ordered);
    let heading_before = |j: usize| -> Option<usize> {
        (0..j)
            .rev()
            .find(|&h| matches!(kinds[h], Kind::Heading))
            .filter(|&h| {
                let text = blocks[h][0].text;
                block::is_references_heading(text)
            })
    };
    // The heading right before the list is the list's own heading; one
    // further up heads a section of its own (a bibliography in prose, say).
    let own_heading = |j: usize| heading_before(j).filter(|&h| h + 1 == j);
    let last = kinds.len().checked_sub(1)?;
    if let Kind::List(t) = &kinds[last]
        && t.ordered
        && t.items.iter().any(|i| {
            i.lines
                .last()
                .is_some_and(|l| !reference::split_backlinks(l.text).1.is_empty())
        })
    {
        return Some((last, own_heading(last)));
    }
    if let Some(j) = (0..kinds.len()).rev().find(|&j| ordered(&kinds[j]))
        && heading_before(j).is_some()
    {
        return Some((j, own_heading(j)));
    }
    if let Kind::List(t) = &kinds[last]
        && t.ordered
        && t.items.iter().all(|i| i.children.is_empty())
        && is_cited(t, &blocks[..last], &kinds[..last])
    {
        return Some((last, None));
    }
    None
}

/// Builds AST nodes and records each inline container's text in order.
struct Builder<'s> {
    src: &'s str,
    texts: Vec<LogicalText>,
    /// Inside a section headed like a reference list (a bibliography in prose).
    in_bibliography: bool,
}

impl Builder<'_> {
    fn inlines(&mut self, segs: &[(usize, usize)], scan: bool) -> Vec<Inline> {
        let mut lt = LogicalText::from_segments(self.src, segs, scan);
        lt.bibliography = self.in_bibliography;
        let v = lt.plain();
        self.texts.push(lt);
        v
    }

    fn list(&mut self, t: &ListTree<'_>) -> List {
        let (a, b) = t.span();
        let mut items = Vec::with_capacity(t.items.len());
        for it in &t.items {
            let inlines = self.inlines(&it.segments, true);
            let children: Vec<List> = it.children.iter().map(|c| self.list(c)).collect();
            let first = it.lines[0].start;
            let end = children
                .last()
                .map_or(0, |c| c.span.end)
                .max(it.lines[it.lines.len() - 1].end());
            items.push(ListItem {
                inlines,
                children,
                span: Span::new(first, end),
            });
        }
        let start = t.items.first().and_then(|i| i.number).unwrap_or(1);
        List {
            ordered: t.ordered,
            start,
            items,
            span: Span::new(a, b),
        }
    }

    fn figure(&mut self, b: &[Line<'_>]) -> Figure {
        let alt = self.inlines(&segments(&b[..1]), true);
        let caption = b.get(1).map(|l| self.inlines(&[(l.start, l.end())], true));
        Figure {
            alt,
            caption,
            span: span_of(b),
        }
    }

    fn heading(&mut self, b: &[Line<'_>]) -> Heading {
        Heading {
            inlines: self.inlines(&segments(b), false),
            span: span_of(b),
        }
    }

    fn block(&mut self, b: &[Line<'_>], kind: &Kind<'_>) -> Block {
        match kind {
            Kind::Rule => Block::Rule(Rule { span: span_of(b) }),
            Kind::Figure => Block::Figure(self.figure(b)),
            Kind::List(t) => Block::List(self.list(t)),
            Kind::Quote => Block::Quote(Quote {
                inlines: self.inlines(&segments(b), true),
                span: span_of(b),
            }),
            Kind::Heading | Kind::Paragraph => Block::Paragraph(Paragraph {
                inlines: self.inlines(&segments(b), true),
                span: span_of(b),
            }),
        }
    }

    fn reference(&self, item: &block::ItemTree<'_>, n: u32) -> Reference {
        let lt = LogicalText::from_segments(self.src, &item.segments, false);
        let (raw, groups) = reference::split_backlinks(&lt.text);
        let raw = raw.to_string();
        let backlinks = groups.iter().map(|&g| lt.span(g, g + 2)).collect();
        let fields = reference::fields(&raw);
        let first = item.lines[0].start;
        let last = item.lines[item.lines.len() - 1].end();
        Reference {
            n,
            raw,
            fields,
            backlinks,
            span: Span::new(first, last),
        }
    }
}

/// Parses a decoded article.
pub fn parse(src: &Source, meta: Meta, opts: &ParseOptions) -> Result<ParseOutput, InputError> {
    let mut diagnostics = control_character_warnings(src);
    let all_lines = lines::lines(&src.text, src.start);
    let blocks = lines::blocks(&all_lines);
    let Some((first, rest)) = blocks.split_first() else {
        return Err(InputError::Empty {
            name: src.name.clone(),
        });
    };
    // "title: the first line of the document"; further lines of its block are a subtitle.
    let title_line = first[0];
    let title = Title {
        text: inline::clean(title_line.text),
        span: Span::new(title_line.start, title_line.end()),
    };
    let subtitle = (first.len() > 1).then(|| {
        let lt = LogicalText::from_segments(&src.text, &segments(&first[1..]), false);
        Title {
            text: lt.text,
            span: span_of(&first[1..]),
        }
    });
    let hard_wrapped = block::is_hard_wrapped(rest);
    let kinds: Vec<Kind<'_>> = rest
        .iter()
        .enumerate()
        .map(|(i, b)| classify(b, i + 1 < rest.len(), hard_wrapped, opts))
        .collect();
    let refs = find_references(rest, &kinds);
    for (i, (b, k)) in rest.iter().zip(&kinds).enumerate() {
        if let Kind::List(t) = k
            && refs.is_none_or(|(j, _)| j != i)
            && t.items.iter().any(|it| {
                it.lines
                    .last()
                    .is_some_and(|l| !reference::split_backlinks(l.text).1.is_empty())
            })
        {
            diagnostics.push(
                Diagnostic::new(
                    Severity::Warning,
                    span_of(b),
                    "this list has `[]` back-links but does not end the article, so it was read as a list, not as the reference list",
                )
                .with_help("move the reference list to the end, or put a heading such as `References` before it"),
            );
        }
    }

    let mut bld = Builder {
        src: &src.text,
        texts: Vec::new(),
        in_bibliography: false,
    };
    let mut doc = Document {
        meta,
        title,
        subtitle,
        lead_figure: None,
        blocks: Vec::new(),
        sections: Vec::new(),
        references_heading: None,
        references: Vec::new(),
        hard_wrapped,
    };
    for (i, (b, kind)) in rest.iter().zip(&kinds).enumerate() {
        if let Some((list_at, heading_at)) = refs {
            if Some(i) == heading_at {
                doc.references_heading = Some(Heading {
                    inlines: LogicalText::from_segments(&src.text, &segments(b), false).plain(),
                    span: span_of(b),
                });
                continue;
            }
            if i == list_at
                && let Kind::List(t) = kind
            {
                doc.references = t
                    .items
                    .iter()
                    .map(|it| bld.reference(it, it.number.unwrap_or(1).min(u32::MAX as u64) as u32))
                    .collect();
                continue;
            }
        }
        if i == 0 && matches!(kind, Kind::Figure) {
            doc.lead_figure = Some(bld.figure(b));
            continue;
        }
        if matches!(kind, Kind::Heading) {
            bld.in_bibliography = block::is_references_heading(b[0].text);
            let heading = bld.heading(b);
            let span = heading.span;
            doc.sections.push(Section {
                heading,
                blocks: Vec::new(),
                span,
            });
            continue;
        }
        let node = bld.block(b, kind);
        match doc.sections.last_mut() {
            Some(s) => {
                s.span = s.span.join(node.span());
                s.blocks.push(node);
            }
            None => doc.blocks.push(node),
        }
    }
    if let Some(r) = doc.references.first()
        && r.n != 1
    {
        diagnostics.push(
            Diagnostic::new(
                Severity::Warning,
                r.span,
                format!("the reference list starts at {} instead of 1", r.n),
            )
            .with_help("markers are matched to the numbers as written"),
        );
    }
    if rest.is_empty() {
        diagnostics.push(Diagnostic::new(
            Severity::Warning,
            doc.title.span,
            "the article has only a title: there is no text after it",
        ));
    }
    Ok(ParseOutput {
        document: doc,
        texts: bld.texts,
        diagnostics,
    })
}
