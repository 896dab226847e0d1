//! Block rules (FORMAT.md §3): one named recogniser per kind of block.
//!
//! "Nothing else marks structure: blank lines, short lines, indentation and
//! a few conventional prefixes are all there is." Each function below takes
//! a block (its lines) and says whether it is that kind of block.

use super::lines::Line;
use crate::markers::candidates::has_plausible_marker;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_until, take_while_m_n};
use nom::character::complete::{char, digit1, one_of, satisfy, space0, space1};
use nom::combinator::{eof, map_res, recognize};
use nom::multi::many1;
use nom::{IResult, Parser};

/// A list marker at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMarker {
    /// `•`, `◦`, `▪`, `‣`, `-`, `*` or `–`.
    Bullet(char),
    /// `N.` or `N)`.
    Number(u64),
}

/// `bullet_marker = ("•" | "◦" | "▪" | "‣" | "-" | "*" | "–") " "+` — "every
/// line starts (after any indentation) with `•` `◦` `▪` `‣` `-` `*` or `–` and a space".
pub fn bullet_marker(input: &str) -> IResult<&str, ListMarker> {
    let (rest, c) = satisfy(is_bullet).parse(input)?;
    let (rest, _) = space1(rest)?;
    Ok((rest, ListMarker::Bullet(c)))
}

/// A bullet of `bullet_marker`. (A `match`, not nom's `one_of`, which
/// decodes its set of characters again for every line.)
fn is_bullet(c: char) -> bool {
    matches!(c, '•' | '◦' | '▪' | '‣' | '-' | '*' | '–')
}

/// `number_marker = digit{1,9} ("." | ")") " "+` — "every line starts with `N.` or `N)` and a space".
pub fn number_marker(input: &str) -> IResult<&str, ListMarker> {
    let (rest, n) = map_res(digit1, |d: &str| {
        if d.len() <= 9 {
            d.parse::<u64>()
        } else {
            "x".parse()
        }
    })
    .parse(input)?;
    let (rest, _) = one_of(".)").parse(rest)?;
    let (rest, _) = space1(rest)?;
    Ok((rest, ListMarker::Number(n)))
}

/// `list_marker = bullet_marker | number_marker`.
pub fn list_marker(input: &str) -> IResult<&str, ListMarker> {
    // Most lines open with neither: turned away before the parsers are set
    // up (with the error `alt` would give, its last alternative's).
    if !input.starts_with(|c: char| is_bullet(c) || c.is_ascii_digit()) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Digit,
        )));
    }
    alt((bullet_marker, number_marker)).parse(input)
}

/// `rule = (("*" | "-" | "_" | "—" | "·" | "━" | "─" | "═") " "*){3,}` — "a
/// line of only `*`, `-`, `_`, `—` or `·` characters (3+), with optional
/// spaces", and the box-drawing lines text browsers draw for `<hr>` (§1.1).
pub fn rule_line(input: &str) -> IResult<&str, &str> {
    // Every line is asked, and nearly none opens with a rule character:
    // turned away before the parser is set up (with the error it would give).
    if !input.starts_with(is_rule_char) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Satisfy,
        )));
    }
    let (rest, r) = recognize(many1((satisfy(is_rule_char), space0))).parse(input)?;
    let (rest, _) = eof(rest)?;
    if r.chars().filter(|c| !c.is_whitespace()).count() < 3 {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Many1,
        )));
    }
    Ok((rest, r))
}

/// A character of `rule`.
fn is_rule_char(c: char) -> bool {
    matches!(c, '*' | '-' | '_' | '—' | '·' | '━' | '─' | '═')
}

/// `figure_label = ("Figure" | "Fig.") " " digit+ ("." digit+)* (":" | ".") " "` —
/// the `Figure N:` alt prefix, and its common variants `Figure N.` and `Fig. N:`.
pub fn figure_label(input: &str) -> IResult<&str, &str> {
    recognize((
        alt((tag("Figure"), tag("Fig."))),
        char(' '),
        digit1,
        nom::multi::many0((char('.'), digit1)),
        one_of(":."),
        char(' '),
    ))
    .parse(input)
}

/// Does `line` start with one of the alt-text phrases (or `Figure N:` and
/// no sentence going on, as `labelled_caption` reads it)?
pub fn alt_phrase(line: &str, phrases: &[String]) -> bool {
    let first = line.as_bytes().first();
    labelled_caption(line)
        || phrases.iter().any(|p| {
            // The first byte rules out most phrases without a comparison call.
            p.as_bytes().first().is_none_or(|b| first == Some(b))
                && line.starts_with(p.as_str())
                && (p.ends_with(':') || line[p.len()..].starts_with(' ') || line.len() == p.len())
        })
}

/// Does a caption line carry a credit? "`(Photo credit: …)`, `(Photo: …)`, `(Source: …)`, `©`".
pub fn credit(line: &str) -> bool {
    line.contains("(Photo credit:")
        || line.contains("(Photo:")
        || line.contains("(Source:")
        || line.contains('©')
}

/// Where a figure's text stands in the source: byte ranges of its alt text
/// and of its caption (either may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FigureParts {
    /// The image's alt text.
    pub alt: Vec<(usize, usize)>,
    /// Its caption.
    pub caption: Vec<(usize, usize)>,
}

/// The source byte ranges of a block's lines.
pub fn line_segments(block: &[Line<'_>]) -> Vec<(usize, usize)> {
    block.iter().map(|l| (l.start(), l.end())).collect()
}

/// The parts of `segments` that fall within `from..to`.
fn clip(segments: &[(usize, usize)], from: usize, to: usize) -> Vec<(usize, usize)> {
    segments
        .iter()
        .filter_map(|&(a, e)| {
            let (a, e) = (a.max(from), e.min(to));
            (a < e).then_some((a, e))
        })
        .collect()
}

/// figure: "a block whose first line is image alt text … or the block has
/// exactly two lines and the second is identical to the first or carries a
/// credit, or — in a document that is not hard-wrapped — the block has
/// exactly two lines and the first carries no citation marker."
///
/// Flatteners (§1.1) add three shapes, tried first:
/// - a Markdown image, `![alt](src)` (html2text), possibly wrapped: its alt
///   text, the address dropped ([`markdown_image`]);
/// - in a document whose markers are Unicode superscripts (pandoc plain), a
///   block in square brackets, `[Figure 1. Sites]`: a caption, as pandoc's
///   plain writer sets it (`[]` alone is the empty one)
///   ([`bracketed_caption`]). Elsewhere such a block is an editor's aside
///   (`[A revised version appeared in …]`), a paragraph;
/// - in a hard-wrapped document, a block of up to [`MAX_WRAPPED_FIGURE_LINES`]
///   lines is one text, not alt and caption lines: opening with a figure
///   label (`Figure 1. Sites…`) it is a caption; with another alt phrase it
///   is alt text.
///
/// `src` is the text the lines' offsets point into.
pub fn figure(
    block: &[Line<'_>],
    src: &str,
    shape: &super::lines::Shape,
    phrases: &[String],
) -> Option<FigureParts> {
    let hard_wrapped = shape.hard_wrapped;
    let (first, last) = (block.first()?, block.last()?);
    let (start, end) = (first.start(), last.end());
    let text = src.get(start..end)?;
    // Made only for a figure: most blocks are not one.
    let segments = || line_segments(block);
    if let Ok((_, (alt, _))) = markdown_image(text) {
        let at = start + (alt.as_ptr() as usize - text.as_ptr() as usize);
        return Some(FigureParts {
            alt: clip(&segments(), at, at + alt.len()),
            caption: Vec::new(),
        });
    }
    if shape.superscript_markers
        && let Ok((_, inner)) = bracketed_caption(text)
    {
        let at = start + 1;
        return Some(FigureParts {
            alt: Vec::new(),
            caption: clip(&segments(), at, at + inner.len()),
        });
    }
    let whole = |alt: bool| {
        let (a, c) = if alt {
            (segments(), Vec::new())
        } else {
            (Vec::new(), segments())
        };
        Some(FigureParts { alt: a, caption: c })
    };
    if hard_wrapped && block.len() <= MAX_WRAPPED_FIGURE_LINES {
        if labelled_caption(first.text) {
            return whole(false);
        }
        if alt_phrase(first.text, phrases) {
            return whole(true);
        }
    }
    let alt_then_caption = || {
        let mut alt = segments();
        let caption = alt.split_off(1);
        Some(FigureParts { alt, caption })
    };
    match block {
        [one] if alt_phrase(one.text, phrases) => alt_then_caption(),
        [alt_line, caption]
            if alt_phrase(alt_line.text, phrases)
                || caption.text == alt_line.text
                || credit(caption.text)
                || (!hard_wrapped && !has_plausible_marker(alt_line.text)) =>
        {
            alt_then_caption()
        }
        _ => None,
    }
}

/// A hard-wrapped figure text (its alt text or its caption) is at most this
/// many lines long; a longer block is a paragraph that opens with the words.
pub const MAX_WRAPPED_FIGURE_LINES: usize = 4;

/// A caption that opens with a figure label and goes on with a capital, a
/// digit or a quotation mark (`Figure 1. Sites in Iowa`), not with the rest
/// of a sentence (`Figure 1. shows`).
fn labelled_caption(line: &str) -> bool {
    figure_label(line).is_ok_and(|(rest, _)| rest.chars().next().is_some_and(|c| !c.is_lowercase()))
}

/// `markdown_image = "![" alt "](" address ")"` — the whole block (an
/// html2text figure). Returns the alt text and the address; the alt text
/// must say something.
pub fn markdown_image(input: &str) -> IResult<&str, (&str, &str)> {
    let (rest, _) = tag("![")(input)?;
    let (rest, alt) = take_until("](")(rest)?;
    let (rest, _) = tag("](")(rest)?;
    let (rest, address) = take_till(|c: char| c == ')' || c.is_whitespace())(rest)?;
    let (rest, _) = (char(')'), eof).parse(rest)?;
    if !alt.chars().any(char::is_alphanumeric) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((rest, (alt, address)))
}

/// `bracketed_caption = "[" text "]"` — the whole block, its brackets
/// balanced so that the first closes at the very end, and the text holding
/// a letter (so `[1]` and `[↩]` are not captions). pandoc's plain writer
/// sets a figure's caption so. Returns the text.
pub fn bracketed_caption(input: &str) -> IResult<&str, &str> {
    let fail = || nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Verify));
    let (rest, _) = char('[')(input)?;
    let mut depth = 1usize;
    for (i, c) in rest.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    let (inner, after) = (&rest[..i], &rest[i + 1..]);
                    if !after.is_empty() || !inner.chars().any(char::is_alphabetic) {
                        return Err(fail());
                    }
                    return Ok((after, inner));
                }
            }
            _ => {}
        }
    }
    Err(fail())
}

/// heading: "a one-line block of at most 16 words that does not end in `.`
/// `,` `;` `:`, carries no citation marker, and is followed by another block."
///
/// Beyond the letter of the rule, a line that opens with a bracket or a
/// dash (an aside, `[Updated …]`, `-item`), consists of a URL, or is a
/// `|`-separated row of links reads as text, not as a heading.
pub fn heading(block: &[Line<'_>], followed_by_block: bool) -> bool {
    let [line] = block else { return false };
    // The tests are pure, so their order is only a matter of speed: the
    // ones that look at an end of the line first (they reject most
    // paragraphs), the ones that read the whole line last.
    followed_by_block
        && !line.text.ends_with(['.', ',', ';', ':'])
        && !line.text.starts_with(['(', '[', '{', '-', '–', '—'])
        && !line.text.starts_with("http://")
        && !line.text.starts_with("https://")
        && line.text.split_whitespace().nth(16).is_none()
        && !line.text.contains(" | ")
        && !has_plausible_marker(line.text)
}

/// `atx_marks = "#"{1,6} " "+` — a Markdown heading mark (html2text writes
/// `#` for the title and `##`, `###` for headings: "Markdown heading marks
/// (`#`) make headings"). Returns the number of marks.
pub fn atx_marks(input: &str) -> IResult<&str, usize> {
    let (rest, marks) = take_while_m_n(1, 6, |c| c == '#')(input)?;
    let (rest, _) = space1(rest)?;
    Ok((rest, marks.len()))
}

/// The text of a heading line without its Markdown marks (`## Notes ##` → `Notes`).
pub fn strip_atx(line: &str) -> &str {
    match atx_marks(line) {
        Ok((rest, _)) => {
            let t = rest.trim_end_matches('#');
            if t.len() < rest.len() && t.ends_with(' ') {
                t.trim_end()
            } else {
                rest
            }
        }
        Err(_) => line,
    }
}

/// Markdown heading: a block of at most three lines (a long heading wraps)
/// whose first line opens with [`atx_marks`].
pub fn markdown_heading(block: &[Line<'_>]) -> bool {
    block.len() <= 3 && atx_marks(block[0].text).is_ok()
}

/// Markdown abbreviation or link definitions, one per line (`*[NYC]: New
/// York City`, `[1]: https://…`), as html2text writes them at the end.
pub fn markdown_definitions(block: &[Line<'_>]) -> bool {
    // A definition may wrap (`*[V̇O2` / `max]: maximal …`).
    let first = block[0].text;
    let t = first.strip_prefix('*').unwrap_or(first);
    t.starts_with('[') && block.iter().any(|l| l.text.contains("]: "))
}

/// numbered heading: "A numbered one-line block such as `2. Findings` is such
/// a heading, not a one-item list" — also when it ends in a full stop
/// (`3. Break days help.`): a list of one item is not a list.
pub fn numbered_heading(block: &[Line<'_>], followed_by_block: bool) -> bool {
    let [line] = block else { return false };
    let Ok((rest, _)) = number_marker(line.text) else {
        return false;
    };
    followed_by_block
        && !rest.ends_with([',', ';', ':'])
        && !rest.ends_with("[]")
        && rest.split_whitespace().nth(16).is_none()
        && !has_plausible_marker(rest)
}

/// quote: "every line indented by four or more spaces and not a list".
pub fn quote(block: &[Line<'_>]) -> bool {
    block.iter().all(|l| l.indent() >= 4)
}

/// rule: a one-line block matching [`rule_line`].
pub fn rule(block: &[Line<'_>]) -> bool {
    matches!(block, [one] if rule_line(one.text).is_ok())
}

/// One item of a list block, with the lists nested under it.
///
/// The item's lines are a range of its block's (its first line, then its
/// continuation lines, which follow it in the block): the tree holds no
/// copy of them, nor of where its text stands ([`ItemTree::lines`],
/// [`ItemTree::segments`]). A long article's lists were the largest part
/// of its parse's working memory: a one-line item held its line in a
/// vector of four and its segment in a vector of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemTree {
    /// The item's number in an ordered list.
    pub number: Option<u64>,
    /// The item's lines in its block.
    lines: std::ops::Range<u32>,
    /// The length in bytes of its first line's list marker (and the spaces
    /// after it): the item's text starts there.
    marker_len: u32,
    /// Lists opened by deeper-indented markers.
    pub children: Vec<ListTree>,
}

impl ItemTree {
    /// The item's lines, in `block` (the block the tree was read from).
    pub fn lines<'b, 'a>(&self, block: &'b [Line<'a>]) -> &'b [Line<'a>] {
        &block[self.lines.start as usize..self.lines.end as usize]
    }

    /// Source byte ranges of the item's text: its first line after the
    /// marker, then its continuation lines.
    pub fn segments(&self, block: &[Line<'_>]) -> Vec<(usize, usize)> {
        let mut v = line_segments(self.lines(block));
        v[0].0 += self.marker_len as usize;
        v
    }
}

/// A list block as a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTree {
    /// Numbered rather than bulleted.
    pub ordered: bool,
    /// The items.
    pub items: Vec<ItemTree>,
}

impl ListTree {
    /// Byte range from the first to the last line of the list, in `block`
    /// (the block the tree was read from).
    pub fn span(&self, block: &[Line<'_>]) -> (usize, usize) {
        let first = self
            .items
            .first()
            .and_then(|i| i.lines(block).first())
            .map_or(0, |l| l.start());
        let last = self.items.last().map_or(first, |i| {
            let child_end = i.children.last().map(|c| c.span(block).1).unwrap_or(0);
            i.lines(block)
                .last()
                .map_or(first, |l| l.end())
                .max(child_end)
        });
        (first, last)
    }
}

struct Entry {
    indent: usize,
    /// The column where the item's text starts (after the marker): numbers
    /// aligned on their right (` 9.` over `10.`) share it.
    text_col: usize,
    marker: ListMarker,
    /// Its first line's place in the block.
    line: u32,
    marker_len: u32,
    /// How many continuation lines follow it.
    continuation: u32,
}

/// list (bulleted or ordered): every line starts with a list marker, or
/// continues the item above ("a line without a marker continues the item
/// above; a deeper-indented marker opens a nested list"); numbers in each
/// ordered list run consecutively. Returns None when the block is not a list.
///
/// A deeper-indented number that does not start a list (not `1`) is text
/// that wrapped onto a continuation line (`    2022) Encyclopedia↩︎`).
pub fn list(block: &[Line<'_>]) -> Option<ListTree> {
    let mut entries: Vec<Entry> = Vec::new();
    for (k, l) in block.iter().enumerate() {
        let marker = list_marker(l.text).ok().filter(|(_, m)| {
            !matches!(m, ListMarker::Number(n) if *n != 1
                && entries.last().is_some_and(|e| l.indent() > e.indent))
        });
        match marker {
            Some((rest, marker)) => {
                let marker_len = l.text.len() - rest.len();
                entries.push(Entry {
                    indent: l.indent(),
                    text_col: l.indent() + l.text[..marker_len].chars().count(),
                    marker,
                    line: k as u32,
                    marker_len: marker_len as u32,
                    continuation: 0,
                })
            }
            None => entries.last_mut()?.continuation += 1,
        }
    }
    let mut pos = 0;
    let tree = build(&entries, &mut pos, 1)?;
    (pos == entries.len()).then_some(tree)
}

/// Lists nest at most this deep; deeper markers stay at this depth, so
/// hostile input cannot exhaust the stack of any recursive reader.
pub const MAX_LIST_DEPTH: usize = 32;

fn build(entries: &[Entry], pos: &mut usize, depth: usize) -> Option<ListTree> {
    let first = entries.get(*pos)?;
    let (indent, text_col) = (first.indent, first.text_col);
    let ordered = matches!(first.marker, ListMarker::Number(_));
    let mut tree = ListTree {
        ordered,
        items: Vec::new(),
    };
    let mut expected: Option<u64> = None;
    while let Some(e) = entries.get(*pos) {
        // One level: the same indentation or the same text column.
        let same = e.indent == indent || e.text_col == text_col;
        if !same && (e.indent < indent || e.text_col < text_col) {
            break;
        }
        if !same && depth < MAX_LIST_DEPTH {
            let child = build(entries, pos, depth + 1)?;
            tree.items.last_mut()?.children.push(child);
            continue;
        }
        let number = match e.marker {
            ListMarker::Number(n) if ordered => {
                if expected.is_some_and(|x| x != n) {
                    return None;
                }
                expected = Some(n + 1);
                Some(n)
            }
            ListMarker::Bullet(_) if !ordered => None,
            _ => return None, // bullets and numbers mixed at one level
        };
        tree.items.push(ItemTree {
            number,
            lines: e.line..e.line + 1 + e.continuation,
            marker_len: e.marker_len,
            children: Vec::new(),
        });
        *pos += 1;
    }
    Some(tree)
}

/// Is the document hard-wrapped? "Some documents are hard-wrapped (paragraph
/// lines broken near a fixed width); most flattened pages are not (one line
/// per paragraph). Detect which, per document." A block of three or more
/// unindented lines, none over 100 characters and the first at least 40, is
/// wrapped; a line over 100 characters is a flattened paragraph. The
/// document is hard-wrapped when wrapped blocks outnumber long lines.
pub fn is_hard_wrapped<'s, 'a: 's>(blocks: impl IntoIterator<Item = &'s [Line<'a>]>) -> bool {
    // More than `k` characters (counting no further than needed).
    // (A character takes at most 4 bytes: a line of more than 4k bytes
    // needs no counting.)
    let over = |s: &str, k: usize| s.len() > 4 * k || (s.len() > k && s.chars().nth(k).is_some());
    let mut wrapped = 0usize;
    let mut long = 0usize;
    for b in blocks {
        if b.iter().any(|l| l.indent() >= 4) || list_marker(b[0].text).is_ok() {
            continue;
        }
        let long_here = b.iter().filter(|l| over(l.text, 100)).count();
        long += long_here;
        if b.len() >= 3 && long_here == 0 && over(b[0].text, 39) {
            wrapped += 1;
        }
    }
    wrapped > long
}

/// The heading names that introduce a reference list ("References, Notes,
/// Sources, Footnotes, Endnotes, Bibliography, Citations or Works cited (any case)").
pub fn is_references_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches(':').trim().to_lowercase();
    matches!(
        t.as_str(),
        "references"
            | "notes"
            | "sources"
            | "footnotes"
            | "endnotes"
            | "bibliography"
            | "citations"
            | "works cited"
    )
}

/// What one block (after the title) is. (Figures and lists are boxed:
/// there is a kind per block, held through the parse, and most blocks are
/// paragraphs.)
#[derive(Debug)]
pub(super) enum Kind {
    Rule,
    /// A figure: where its alt text and its caption stand.
    Figure(Box<FigureParts>),
    Heading,
    List(Box<ListTree>),
    Quote,
    Paragraph,
}

const _: () = assert!(std::mem::size_of::<Kind>() <= 16);

impl Kind {
    /// How many inline containers (texts) the block's node has.
    pub(super) fn containers(&self) -> usize {
        match self {
            Kind::Rule => 0,
            Kind::Figure(parts) => 1 + usize::from(!parts.caption.is_empty()),
            Kind::List(t) => t.containers(),
            Kind::Heading | Kind::Quote | Kind::Paragraph => 1,
        }
    }
}

impl ListTree {
    /// How many items the list has, at every depth.
    fn containers(&self) -> usize {
        self.items
            .iter()
            .map(|it| 1 + it.children.iter().map(ListTree::containers).sum::<usize>())
            .sum()
    }
}

#[cfg(test)]
mod tests;
