//! The layout a flattener gave the text (FORMAT.md §1.1), detected once per
//! document before any block is read: uniform indentation, hard wrapping,
//! one block per line, and the blocks that follow from them.
//!
//! "Uniform indentation of the whole document (lynx) is not a quotation.
//! Without blank lines, each line is a block (trafilatura): detect it per
//! document, as hard wrapping is detected."

use super::block;
use super::lines::{Line, RawBlock};
use std::collections::VecDeque;

pub use super::lines::Shape;

/// Does the text hold at least two Unicode-superscript markers (not
/// exponents)? pandoc plain writes them so; its figure captions then stand
/// in brackets (`[Figure 1. Sites]`).
fn superscript_markers(lines: &[Line<'_>]) -> bool {
    use crate::markers::certain;
    let mut found = 0;
    for l in lines {
        // Superscript digits are encoded `C2 B2`, `C2 B3`, `C2 B9` and
        // `E2 81 B0`–`E2 82 89`: only the characters at those lead bytes
        // are looked at. A run of them counts once, at its first.
        for at in memchr::memchr2_iter(0xC2, 0xE2, l.text.as_bytes()) {
            let Some(c) = l.text[at..].chars().next() else {
                continue;
            };
            if !certain::is_superscript_digit(c) {
                continue;
            }
            let prev_sup = l.text[..at]
                .chars()
                .next_back()
                .is_some_and(certain::is_superscript_digit);
            if !prev_sup
                && certain::superscript(l.text, at, u32::MAX).is_some_and(|m| m.score > 0.0)
            {
                found += 1;
                if found >= 2 {
                    return true;
                }
            }
        }
    }
    false
}

/// The indentation most body lines share: the most common indentation of
/// the lines after the first, outside lists, when two thirds of eight such
/// lines at least have it (lynx indents paragraphs by 3 and
/// headings by less). Else 0.
fn base_indent(lines: &[Line<'_>]) -> usize {
    let mut counts = [0usize; 9];
    let mut total = 0usize;
    // Lists are indented by their own rule (`  1. …` in the seed), their
    // wrapped lines deeper still: only blocks that are not lists count.
    let body = super::lines::block_slices(lines.get(1..).unwrap_or_default());
    for l in body
        .filter(|b| block::list_marker(b[0].text).is_err())
        .flatten()
    {
        total += 1;
        if l.indent() < counts.len() {
            counts[l.indent()] += 1;
        }
    }
    let (indent, &n) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(i, &n)| (n, std::cmp::Reverse(i)))
        .unwrap_or((0, &0));
    // Two thirds of a page of some length: a few indented lines in a short
    // text are quotations, not a browser's margin.
    if total >= 8 && n * 3 >= total * 2 {
        indent
    } else {
        0
    }
}

/// Detects the shape of a document from its lines (the title line included).
pub fn detect(lines: &[Line<'_>]) -> Shape {
    let base_indent = base_indent(lines);
    let rest = lines.get(1..).unwrap_or_default();
    // The lines after the title, dedented: the lines themselves when there
    // is nothing to take off (most articles), with no copy of them all.
    let body: std::borrow::Cow<'_, [Line<'_>]> = if base_indent == 0 {
        rest.into()
    } else {
        rest.iter().map(|l| dedent(*l, base_indent)).collect()
    };
    let text_lines = body.iter().filter(|l| !l.is_blank()).count();
    let blank_lines = body
        .windows(2)
        .filter(|w| w[0].is_blank() && !w[1].is_blank())
        .count();
    // Without blank lines, a block would be the whole article: each line is
    // one (wrapping cannot be told from blocks then, nor undone). With a few
    // blank lines, the lines must also not be wrapped (a wrapped page has
    // many lines per blank line too).
    let wrapped = block::is_hard_wrapped(super::lines::block_slices(&body));
    let line_blocks =
        text_lines >= 4 && (blank_lines == 0 || (blank_lines * 10 < text_lines && !wrapped));
    let hard_wrapped = !line_blocks && wrapped;
    Shape {
        base_indent,
        hard_wrapped,
        line_blocks,
        superscript_markers: superscript_markers(&body),
    }
}

fn dedent(l: Line<'_>, by: usize) -> Line<'_> {
    l.dedented(by)
}

/// The blocks of a document of this shape: "a maximal run of non-blank
/// lines", its indentation less the base indentation; a rule line is a
/// block of its own ("a line of box-drawing or underscore characters under
/// a heading is a rule"); in a document without blank lines, every line is
/// a block but for a list's lines; adjacent list blocks that continue each
/// other are one list ("a reference list whose items are separated by blank
/// lines is still one list").
pub fn blocks<'a>(lines: &[Line<'a>], shape: &Shape) -> Vec<RawBlock<'a>> {
    // At most one block per line: room reserved, not touched, costs no memory.
    let mut out: Vec<RawBlock<'a>> = Vec::with_capacity(lines.len());
    let mut cur: RawBlock<'a> = Vec::new();
    // Each block is copied out at its exact size, and `cur`'s room is
    // reused: most blocks are one line, and a vector grown by pushing has
    // room for four.
    let flush = |cur: &mut RawBlock<'a>, out: &mut Vec<RawBlock<'a>>| {
        if !cur.is_empty() {
            out.push(cur.as_slice().to_vec());
            cur.clear();
        }
    };
    for (i, l) in lines.iter().enumerate() {
        if l.is_blank() {
            flush(&mut cur, &mut out);
            continue;
        }
        let l = dedent(*l, shape.base_indent);
        let is_rule = block::rule_line(l.text).is_ok();
        if is_rule && i > 0 {
            flush(&mut cur, &mut out);
            out.push(vec![l]);
            continue;
        }
        if opens_list_inside(&cur, &l) {
            flush(&mut cur, &mut out);
        }
        // "The title is the first line even when no blank line follows
        // it": in a document that is not hard-wrapped, the lines under it
        // in its block are blocks of their own too (a browser sets a
        // heading right under the title).
        let first_block = out.is_empty();
        if (shape.line_blocks || (first_block && !shape.hard_wrapped)) && i > 0 && !cur.is_empty() {
            // One block per line, but a list's item lines (and their
            // indented continuations) stay together.
            let in_list = block::list_marker(cur[0].text).is_ok();
            let continues =
                in_list && (block::list_marker(l.text).is_ok() || l.indent() > cur[0].indent());
            if !continues {
                flush(&mut cur, &mut out);
            }
        }
        cur.push(l);
    }
    flush(&mut cur, &mut out);
    merge_lists(out)
}

/// Does line `l` open a list right under the text lines `cur`, with no
/// blank line between (a text browser sets a list so)? It does when it
/// opens with a list marker, `cur` is not a list, and the marker stands at
/// another indentation than the line above or is a `1.` after a colon. A
/// wrapped paragraph line that happens to open with `1990. ` does neither.
fn opens_list_inside(cur: &[Line<'_>], l: &Line<'_>) -> bool {
    let (Some(above), Ok((_, marker))) = (cur.last(), block::list_marker(l.text)) else {
        return false;
    };
    if block::list_marker(cur[0].text).is_ok() {
        return false;
    }
    l.indent() != above.indent()
        || (marker == block::ListMarker::Number(1) && above.text.ends_with(':'))
}

/// Joins adjacent blocks that are one list split by blank lines: both are
/// ordered lists and the second one's numbers run on.
///
/// A note of several paragraphs sets its later paragraphs apart too: up to
/// [`MAX_ITEM_PARAGRAPHS`] blocks between two parts of one list belong to
/// the item above when each is indented under it or ends in back-links
/// (the last paragraph of a note carries them).
///
/// The blocks are merged in place (`blocks[..w]` is the result so far), and
/// each block is read as a list once, when it comes within reach: a large
/// article's blocks are not held twice, nor a table of them.
fn merge_lists(mut blocks: Vec<RawBlock<'_>>) -> Vec<RawBlock<'_>> {
    // The lists read from blocks i, i + 1, … as far as has been looked.
    let mut ahead: VecDeque<Option<ListEnds>> = VecDeque::with_capacity(MAX_ITEM_PARAGRAPHS + 1);
    // The list read from the last block of the result, when it is one.
    let mut last: Option<ListEnds> = None;
    let (mut w, mut i) = (0, 0);
    while i < blocks.len() {
        // The next list block within reach, and whether all blocks up to it
        // can be paragraphs of the last item.
        let reach = blocks.len().min(i + MAX_ITEM_PARAGRAPHS + 1);
        while i + ahead.len() < reach {
            ahead.push_back(ListEnds::of(&blocks[i + ahead.len()]));
        }
        let next_list = (i..reach).find(|&j| ahead[j - i].is_some());
        if let (Some(prev), Some(j)) = (last, next_list)
            && continues(prev, ahead[j - i].unwrap_or(prev))
            && blocks[i..j].iter().all(|b| item_paragraph(prev, b))
            && w > 0
        {
            for k in i..=j {
                let mut b = std::mem::take(&mut blocks[k]);
                blocks[w - 1].append(&mut b);
            }
            last = ListEnds::of(&blocks[w - 1]);
            ahead.drain(..=j - i);
            i = j + 1;
            continue;
        }
        last = ahead.pop_front().flatten();
        blocks.swap(w, i);
        w += 1;
        i += 1;
    }
    blocks.truncate(w);
    blocks
}

/// What merging needs of a block read as a list ([`block::list`]): its kind
/// and the ends of its numbering, not the tree.
#[derive(Debug, Clone, Copy)]
struct ListEnds {
    ordered: bool,
    /// The numbers of the first and last items.
    first: Option<u64>,
    last: Option<u64>,
    /// The indent of the last item's first line.
    last_item_indent: usize,
}

impl ListEnds {
    fn of(b: &[Line<'_>]) -> Option<ListEnds> {
        let list = block::list(b)?;
        Some(ListEnds {
            ordered: list.ordered,
            first: list.items.first().and_then(|i| i.number),
            last: list.items.last().and_then(|i| i.number),
            last_item_indent: list
                .items
                .last()
                .and_then(|it| it.lines(b).first())
                .map_or(0, |l| l.indent()),
        })
    }
}

/// Paragraphs of one note that may stand between two parts of a list.
const MAX_ITEM_PARAGRAPHS: usize = 3;

/// Can block `b` be a later paragraph of the last item of `list`?
fn item_paragraph(list: ListEnds, b: &RawBlock<'_>) -> bool {
    b.iter().all(|l| l.indent() > list.last_item_indent) || {
        let text: Vec<&str> = b.iter().map(|l| l.text).collect();
        super::reference::has_backlinks(&text.join(" "))
    }
}

/// Does list `next` carry on list `prev`? Only numbers say so: bullet
/// items apart are paragraphs that open with a bullet, as the page set them.
fn continues(prev: ListEnds, next: ListEnds) -> bool {
    if !prev.ordered || !next.ordered {
        return false;
    }
    matches!((prev.last, next.first), (Some(a), Some(b)) if b == a + 1)
}

#[cfg(test)]
mod tests {
    use super::super::lines::lines;
    use super::*;

    /// Superscript markers are counted once per run, at the run's first
    /// digit, only where `certain::superscript` takes them for markers,
    /// and among the other characters that share their lead bytes
    /// (`“`, `—`, `·`, `⁰`).
    #[test]
    fn two_superscript_markers_are_found_among_other_characters() {
        let found = |t: &str| superscript_markers(&lines(t, 0));
        assert!(found("The canal² opened — in 1890³ “at last”.\n"));
        assert!(found("First one·²\n\nand another ⁴ later¹⁵.\n"));
        // One run of two digits is one marker.
        assert!(!found("The canal²³ opened “at last”.\n"));
        assert!(!found("Only one — here¹ · “quoted”.\n"));
        assert!(!found("No markers at all.\n"));
    }

    fn texts(t: &str) -> Vec<Vec<String>> {
        let ls = lines(t, 0);
        let shape = detect(&ls);
        blocks(&ls, &shape)
            .iter()
            .map(|b| {
                b.iter()
                    .map(|l| format!("{}{}", " ".repeat(l.indent()), l.text))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn uniform_indentation_is_removed() {
        let t = "Title\n\nHeading\n\n   one line\n   two line\n\n   three\n   four\n   five\n   six\n   seven\n   eight\n\n       quoted line\n";
        let ls = lines(t, 0);
        assert_eq!(detect(&ls).base_indent, 3);
        let b = texts(t);
        assert_eq!(b[2], ["one line", "two line"]);
        assert_eq!(b[4], ["    quoted line"]);
        let short = lines("T\n\n    quoted\n\n    quoted\n\nplain\n", 0);
        assert_eq!(
            detect(&short).base_indent,
            0,
            "a few quotations are not a margin"
        );
    }

    #[test]
    fn lines_without_blank_lines_are_blocks() {
        let t = "Title\nA first paragraph.\nA heading\nA second paragraph.\n- one\n- two\nLast.\n";
        let ls = lines(t, 0);
        assert!(detect(&ls).line_blocks);
        let b = texts(t);
        assert_eq!(b.len(), 6);
        assert_eq!(b[4], ["- one", "- two"]);
    }

    #[test]
    fn list_items_split_by_blank_lines_are_one_list() {
        let b = texts("T\n\n1. one\n\n2. two\n   more\n\n3. three\n\nafter\n\n5. five\n");
        assert_eq!(b.len(), 4);
        assert_eq!(b[1].len(), 4);
    }

    #[test]
    fn a_list_right_under_a_paragraph_is_a_list() {
        let b = texts("T\n\nWe ask three questions:\n 1. one;\n 2. two\n\nIn\n1990. we\n");
        assert_eq!(b[1], ["We ask three questions:"]);
        assert_eq!(b[2], [" 1. one;", " 2. two"]);
        assert_eq!(b[3], ["In", "1990. we"]);
    }

    #[test]
    fn a_note_of_two_paragraphs_stays_one_item() {
        let t =
            "T\n\n 1. One.↩︎\n\n 2. Two begins\n\n    and goes on.↩︎\n\nThen ends.↩︎\n\n 3. Three.↩︎\n";
        let b = texts(t);
        assert_eq!(b.len(), 2, "{b:?}");
        let l = block::list(&blocks(&lines(t, 0), &detect(&lines(t, 0)))[1]).unwrap();
        assert_eq!(l.items.len(), 3);
    }

    #[test]
    fn a_rule_under_a_heading_is_a_rule() {
        let b = texts("T\n\nNotes\n━━━━━━━━\n\ntext\n");
        assert_eq!(b[1], ["Notes"]);
        assert_eq!(b[2], ["━━━━━━━━"]);
    }
}
