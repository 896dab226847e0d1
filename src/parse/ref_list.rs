//! Where the reference list is (FORMAT.md §3): a numbered list whose
//! entries end in back-links, an unnumbered run of notes with back-links
//! (the number implied by order), or a numbered list without back-links
//! that the text cites; with its heading and a rule drawn above it.

use super::block::{self, Kind, ListTree};
use super::lines::{Line, joined};
use super::reference;
use crate::ast::Span;
use crate::markers::candidates;

/// Is this ordered list, without back-links, cited in the text? True when at
/// least half of its numbers stand glued to the text as plausible markers.
fn is_cited(tree: &ListTree, blocks: &[Vec<Line<'_>>], kinds: &[Kind]) -> bool {
    let n = tree.items.len() as u32;
    let mut seen = vec![false; n as usize + 1];
    for (b, k) in blocks.iter().zip(kinds) {
        if matches!(k, Kind::Heading | Kind::Rule) {
            continue;
        }
        let text: Vec<&str> = b.iter().map(|l| l.text).collect();
        for c in candidates::find(0, &text.join(" "), n).iter() {
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

/// One entry of the reference list, before its text is read.
pub(super) struct RefEntry {
    /// Its number: as written, or implied by order in an unnumbered list.
    pub(super) number: u64,
    /// Source byte ranges of its text (after any number or bullet).
    pub(super) segments: Vec<(usize, usize)>,
    /// Where its lines start and end in the source.
    pub(super) span: Span,
}

/// The reference list: which blocks hold it, its heading, its entries.
pub(super) struct RefList {
    /// The blocks of the list (and a rule drawn above it), `first..=last`.
    pub(super) first: usize,
    /// The last block of the list.
    pub(super) last: usize,
    /// The block of its own heading (`Notes`, `References`, …).
    pub(super) heading: Option<usize>,
    pub(super) entries: Vec<RefEntry>,
}

impl RefList {
    /// Is block `i` one of the list's own (`first..=last`)?
    pub(super) fn holds(&self, i: usize) -> bool {
        (self.first..=self.last).contains(&i)
    }
}

/// Does the item, in the block its list was read from, end in back-links?
pub(super) fn item_has_backlinks(item: &block::ItemTree, block: &[Line<'_>]) -> bool {
    reference::has_backlinks(&joined(item.lines(block)))
}

fn entries_of_list(t: &ListTree, block: &[Line<'_>], implied_from: Option<u64>) -> Vec<RefEntry> {
    t.items
        .iter()
        .enumerate()
        .map(|(k, it)| RefEntry {
            number: implied_from.map_or(it.number.unwrap_or(1), |f| f + k as u64),
            segments: it.segments(block),
            span: super::span_of(it.lines(block)),
        })
        .collect()
}

/// The entries of a final run of blocks that end in back-link tokens: an
/// unnumbered list ("numbers are then implied by order: the k-th entry is
/// reference k"), one block per note (a browser's copy-paste) or bullet
/// items (trafilatura). Returns the first block of the run and its entries.
fn unnumbered_entries<'a>(
    blocks: &[Vec<Line<'a>>],
    kinds: &[Kind],
) -> Option<(usize, Vec<RefEntry>)> {
    let ends_in_backlinks = |j: usize| match &kinds[j] {
        Kind::List(t) => t.items.iter().all(|it| item_has_backlinks(it, &blocks[j])),
        Kind::Rule => false,
        _ => reference::has_backlinks(&joined(&blocks[j])),
    };
    // A note of several paragraphs: only its last carries the back-links,
    // so up to MAX_NOTE_PARAGRAPHS blocks without them may stand between
    // two entries (never a heading or a rule).
    const MAX_NOTE_PARAGRAPHS: usize = 3;
    let inner = |j: usize| matches!(kinds[j], Kind::Paragraph | Kind::Quote | Kind::Figure(_));
    // Back-links alone on their line: the entry's text is on the lines
    // before, whatever they look like (a page that keeps the line breaks of
    // a note, one block per line, makes its short lines look like headings).
    let backlinks_only = |j: usize| {
        let text = joined(&blocks[j]);
        let b = reference::split_backlinks(&text);
        !b.tokens.is_empty() && b.body.0 == b.body.1
    };
    let mut first = blocks.len();
    while first > 0 {
        if ends_in_backlinks(first - 1) {
            first -= 1;
            continue;
        }
        let orphan = first < blocks.len() && backlinks_only(first);
        let gap = (1..=MAX_NOTE_PARAGRAPHS).find(|&k| {
            first > k
                && ends_in_backlinks(first - 1 - k)
                && (first - k..first).all(|j| {
                    inner(j) || (orphan && matches!(kinds[j], Kind::Heading | Kind::Paragraph))
                })
        });
        match gap {
            Some(k) if first < blocks.len() => first -= k,
            _ => break,
        }
    }
    if first == blocks.len() {
        return None;
    }
    let mut entries = Vec::new();
    // Lines of an entry not yet closed by its back-links.
    let mut pending: Vec<Line<'a>> = Vec::new();
    let close = |pending: &mut Vec<Line<'a>>, entries: &mut Vec<RefEntry>| {
        let e = std::mem::take(pending);
        // A numbered entry keeps its text after the number.
        let text_start =
            block::number_marker(e[0].text).map_or(0, |(rest, _)| e[0].text.len() - rest.len());
        let mut segments = block::line_segments(&e);
        segments[0].0 += text_start;
        entries.push(RefEntry {
            number: entries.len() as u64 + 1,
            segments,
            span: super::span_of(&e),
        });
    };
    for j in first..blocks.len() {
        match &kinds[j] {
            Kind::List(t) if pending.is_empty() && (!t.ordered || t.items.len() > 1) => {
                entries.extend(entries_of_list(
                    t,
                    &blocks[j],
                    Some(entries.len() as u64 + 1),
                ));
            }
            _ => {
                // An entry ends with each line that ends in back-links (notes
                // set one per line, with no blank line between them); the
                // lines before it are its wrapped beginning or its earlier
                // paragraphs.
                let b = &blocks[j];
                for (k, l) in b.iter().enumerate() {
                    pending.push(*l);
                    let last = k + 1 == b.len();
                    if reference::has_backlinks(l.text) || (last && ends_in_backlinks(j)) {
                        close(&mut pending, &mut entries);
                    }
                }
            }
        }
    }
    Some((first, entries))
}

/// Finds the reference list.
///
/// "an ordered list that ends the document and whose items end in back-link
/// groups `[]`… (or any back-link style), or the last ordered list when it
/// follows a heading named References, Notes, …; also an unnumbered or
/// bulleted run of entries that each end in back-link tokens". Also, a
/// final ordered list without back-links whose numbers are cited in the
/// text (a page whose back-links were lost).
pub(super) fn find_references(blocks: &[Vec<Line<'_>>], kinds: &[Kind]) -> Option<RefList> {
    let heading_before = |j: usize| -> Option<usize> {
        (0..j)
            .rev()
            .find(|&h| matches!(kinds[h], Kind::Heading))
            .filter(|&h| block::is_references_heading(block::strip_atx(blocks[h][0].text)))
    };
    // A rule drawn right above the list belongs to it (pandoc draws one
    // above its notes); the heading right before the two is the list's own
    // heading; one further up heads a section of its own (a bibliography
    // in prose, say).
    let with_furniture = |first: usize, last: usize, entries: Vec<RefEntry>| {
        let first = if first > 0 && matches!(kinds[first - 1], Kind::Rule) {
            first - 1
        } else {
            first
        };
        RefList {
            first,
            last,
            heading: heading_before(first).filter(|&h| h + 1 == first),
            entries,
        }
    };
    // Markdown abbreviation and link definitions (`*[NYC]: New York City`,
    // html2text) may follow the list: it still ends the article.
    let last = (0..kinds.len())
        .rev()
        .find(|&j| !block::markdown_definitions(&blocks[j]))?;
    if let Kind::List(t) = &kinds[last]
        && t.ordered
        && t.items
            .iter()
            .any(|it| item_has_backlinks(it, &blocks[last]))
    {
        return Some(with_furniture(
            last,
            last,
            entries_of_list(t, &blocks[last], None),
        ));
    }
    if let Some((first, entries)) = unnumbered_entries(&blocks[..=last], &kinds[..=last]) {
        return Some(with_furniture(first, last, entries));
    }
    let ordered = |k: &Kind| matches!(k, Kind::List(t) if t.ordered);
    if let Some(j) = (0..kinds.len()).rev().find(|&j| ordered(&kinds[j]))
        && heading_before(j).is_some()
        && let Kind::List(t) = &kinds[j]
    {
        return Some(with_furniture(j, j, entries_of_list(t, &blocks[j], None)));
    }
    if let Kind::List(t) = &kinds[last]
        && t.ordered
        && t.items.iter().all(|i| i.children.is_empty())
        && is_cited(t, &blocks[..last], &kinds[..last])
    {
        return Some(with_furniture(
            last,
            last,
            entries_of_list(t, &blocks[last], None),
        ));
    }
    None
}
