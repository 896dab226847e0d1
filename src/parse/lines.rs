//! Lexical rules (FORMAT.md §2): lines, line ends, indentation, blocks.

#[cfg(test)]
use nom::{IResult, Parser, branch::alt, bytes::complete::tag, combinator::opt};

/// One line of the source, with trailing white space removed: 24 bytes
/// (a hard-wrapped article has a line every 40 bytes or so, all read
/// before its blocks are made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line's text after its indentation, trailing white space removed.
    pub text: &'a str,
    /// Byte offset of `text` in the source (an article is at most
    /// [`crate::MAX_INPUT_BYTES`]).
    start: u32,
    /// Indentation width in columns (a tab advances to the next multiple of 4).
    indent: u32,
}

impl<'a> Line<'a> {
    /// The line `text`, at byte `start` of the source, indented by
    /// `indent` columns.
    pub fn new(text: &'a str, start: usize, indent: usize) -> Self {
        Line {
            text,
            start: start as u32,
            indent: indent.min(u32::MAX as usize) as u32,
        }
    }

    /// Byte offset of `text` in the source.
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Indentation width in columns.
    pub fn indent(&self) -> usize {
        self.indent as usize
    }

    /// The line indented `by` columns less (no less than none).
    pub fn dedented(self, by: usize) -> Self {
        Line::new(self.text, self.start(), self.indent().saturating_sub(by))
    }

    /// Byte offset one past the line's last non-space character.
    pub fn end(&self) -> usize {
        self.start() + self.text.len()
    }

    /// True for a line with no visible character.
    pub fn is_blank(&self) -> bool {
        self.text.is_empty()
    }
}

const _: () = assert!(std::mem::size_of::<Line<'_>>() == 24);

/// A maximal run of non-blank lines.
pub type RawBlock<'a> = Vec<Line<'a>>;

/// `line_end = "\r\n" | "\n" | "\r"` — "LF or CRLF line ends (a lone CR is a line end too)".
///
/// This rule and `raw_line` are what [`lines_at`] reads from the source's
/// line index; the tests read lines with them to check it.
#[cfg(test)]
pub fn line_end(input: &str) -> IResult<&str, &str> {
    alt((tag("\r\n"), tag("\n"), tag("\r"))).parse(input)
}

/// `raw_line = (any character but CR or LF)* line_end?` — one physical line.
#[cfg(test)]
pub fn raw_line(input: &str) -> IResult<&str, &str> {
    let (rest, content) = line_content(input)?;
    let (rest, _) = opt(line_end).parse(rest)?;
    Ok((rest, content))
}

/// `(any character but CR or LF)*`: `take_till` for the two line-end
/// bytes, found by a word-at-a-time search (both are ASCII, so the split
/// is always on a character boundary).
#[cfg(test)]
fn line_content(input: &str) -> IResult<&str, &str> {
    let at = memchr::memchr2(b'\n', b'\r', input.as_bytes()).unwrap_or(input.len());
    Ok((&input[at..], &input[..at]))
}

/// Measures indentation: "Tabs count as spaces for indentation" (a tab
/// advances to the next multiple of 4 columns). Returns (columns, bytes).
pub fn indentation(line: &str) -> (usize, usize) {
    let mut cols = 0;
    let mut bytes = 0;
    for c in line.chars() {
        match c {
            ' ' => cols += 1,
            '\t' => cols = (cols / 4 + 1) * 4,
            '\u{A0}' | '\u{2007}' | '\u{202F}' | '\u{3000}' => cols += 1,
            _ => break,
        }
        bytes += c.len_utf8();
    }
    (cols, bytes)
}

/// [`lines_at`] of a whole text.
#[cfg(test)]
pub fn lines(text: &str, start: usize) -> Vec<Line<'_>> {
    lines_at(text, start)
}

/// Splits `text[start..]` into lines ("trailing whitespace on a line is
/// insignificant"). The line starts are found in one search through the
/// whole text ([`crate::source::line_starts_iter`]; a search per line, as
/// `raw_line` reads them, paid its start-up cost on every line), and not
/// kept. Each line is what `raw_line` reads there: up to its line end (the
/// tests check it).
pub fn lines_at(text: &str, start: usize) -> Vec<Line<'_>> {
    let mut out = Vec::with_capacity(crate::source::line_count_hint(text));
    let mut starts = crate::source::line_starts_iter(text).peekable();
    while let Some(from) = starts.next() {
        // A BOM before the first line is not part of it.
        let line_start = from.max(start);
        if line_start >= text.len() {
            break;
        }
        // Less the line end's last byte (the CR of a CRLF goes with the
        // line's trailing white space).
        let end = starts.peek().map_or(text.len(), |&next| next - 1);
        let content = &text[line_start..end.max(line_start)];
        let (indent, ibytes) = indentation(content);
        let body = content[ibytes..].trim_end();
        // A line of only white space, invisible format characters (a stray
        // BOM, zero-width spaces) or characters XML cannot carry (which are
        // dropped) is blank, whatever its indentation.
        let blank = body.chars().all(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}'
                )
                || !crate::markers::text::is_xml_char(c)
        });
        let (indent, body) = if blank { (0, "") } else { (indent, body) };
        out.push(Line::new(body, line_start + ibytes, indent));
    }
    out
}

/// How the lines of a document make blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Indentation every body line shares (lynx indents by 3): it is
    /// removed before any rule reads indentation.
    pub base_indent: usize,
    /// "paragraph lines broken near a fixed width".
    pub hard_wrapped: bool,
    /// No blank lines between blocks: every line is a block (lists keep
    /// their item lines together).
    pub line_blocks: bool,
    /// The text writes its markers as Unicode superscripts (`tribes.²`),
    /// as pandoc plain does: at least two superscript digit runs that read
    /// as markers, not exponents (`km²`).
    pub superscript_markers: bool,
}

/// "A block is a maximal run of non-blank lines. Blocks are separated by one
/// or more blank lines." Each block is a slice of `lines` (no vector per block).
pub fn block_slices<'s, 'a>(lines: &'s [Line<'a>]) -> impl Iterator<Item = &'s [Line<'a>]> {
    lines.split(Line::is_blank).filter(|b| !b.is_empty())
}

/// The joined text of some lines.
pub fn joined(lines: &[Line<'_>]) -> String {
    let v: Vec<&str> = lines.iter().map(|l| l.text).collect();
    v.join(" ")
}

/// Whether two runs of lines have the same [`joined`] text, without
/// building either.
pub fn same_joined(a: &[Line<'_>], b: &[Line<'_>]) -> bool {
    fn len(ls: &[Line<'_>]) -> usize {
        ls.iter().map(|l| l.text.len() + 1).sum()
    }
    fn bytes<'s>(ls: &'s [Line<'_>]) -> impl Iterator<Item = u8> + 's {
        ls.iter().enumerate().flat_map(|(i, l)| {
            let space: &[u8] = if i > 0 { b" " } else { b"" };
            space.iter().chain(l.text.as_bytes()).copied()
        })
    }
    len(a) == len(b) && bytes(a).eq(bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_joined_is_joined_equality() {
        let t = "a b\nc\n\na\nb c\n\na b c\n\nab\nc\n\nb a c";
        let ls = lines(t, 0);
        let bs: Vec<&[Line<'_>]> = block_slices(&ls).collect();
        assert_eq!(bs.len(), 5);
        for x in &bs {
            for y in &bs {
                assert_eq!(same_joined(x, y), joined(x) == joined(y), "{x:?} {y:?}");
            }
        }
        assert_eq!(
            bs.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [2, 2, 1, 2, 1]
        );
    }

    proptest::proptest! {
        /// The lines found from the source's line index are the ones
        /// `raw_line` reads one after the other.
        #[test]
        fn lines_are_raw_lines(t in "(a|b| |\r|\n|\r\n|é)*", bom in proptest::bool::ANY) {
            let text = if bom { format!("\u{FEFF}{t}") } else { t };
            let start = if bom { 3 } else { 0 };
            let mut want = Vec::new();
            let mut input = &text[start..];
            while !input.is_empty() {
                let (rest, content) = raw_line(input).unwrap();
                let at = text.len() - input.len();
                let (_, ibytes) = indentation(content);
                let body = content[ibytes..].trim_end();
                want.push((at + ibytes, body));
                input = rest;
            }
            let got: Vec<_> = lines(&text, start).iter().map(|l| (l.start(), l.text)).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn every_line_end_kind_ends_a_line() {
        let t = "a\r\nb\rc\nd";
        let ls = lines(t, 0);
        let texts: Vec<_> = ls.iter().map(|l| l.text).collect();
        assert_eq!(texts, ["a", "b", "c", "d"]);
        assert_eq!(ls[1].start(), 3);
        assert_eq!(ls[2].start(), 5);
    }

    #[test]
    fn trailing_space_is_dropped_and_tabs_indent() {
        let ls = lines("\tx  \n  y\t\n", 0);
        assert_eq!(ls[0].text, "x");
        assert_eq!(ls[0].indent(), 4);
        assert_eq!(ls[1].text, "y");
        assert_eq!(ls[1].indent(), 2);
    }

    #[test]
    fn blank_lines_separate_blocks() {
        let t = "T\n\n\na\nb\n   \nc\n";
        let ls = lines(t, 0);
        let bs: Vec<_> = block_slices(&ls).collect();
        assert_eq!(bs.len(), 3);
        assert_eq!(bs[1].len(), 2);
    }

    #[test]
    fn a_line_of_control_characters_is_blank() {
        let ls = lines("\u{0}\u{1} \nx", 0);
        assert!(ls[0].is_blank());
    }

    /// Found by fuzzing (`writers` target): a line holding only a stray BOM
    /// became the title, which the article writer then wrote first, where a
    /// reader takes it for the file's BOM and finds an empty file.
    #[test]
    fn a_line_of_invisible_characters_is_blank() {
        let ls = lines("\n\u{FEFF}\t\n\u{200B}\nx", 0);
        assert!(ls[1].is_blank() && ls[2].is_blank() && !ls[3].is_blank());
    }

    #[test]
    fn bom_start_is_respected() {
        let t = "\u{FEFF}Title\n";
        let ls = lines(t, 3);
        assert_eq!(ls[0].text, "Title");
        assert_eq!(ls[0].start(), 3);
    }
}
