//! The input text: decoding, and turning byte offsets into `line:column`.

use crate::ast::MovedJoin;
use crate::diag::{Diagnostic, Severity};
use crate::error::InputError;
use std::sync::Arc;

/// A decoded article: the text as given (BOM included) plus where parsing starts.
#[derive(Debug, Clone)]
pub struct Source {
    /// A name for messages: the file path, or `<stdin>`.
    pub name: String,
    /// The text. Shared: a parsed document's text nodes are pieces of it
    /// ([`crate::ast::SharedStr`]). It is the text as read, but for the
    /// lines the parser joined in place, so that a paragraph's lines
    /// joined with one space are its own bytes, not a copy: their line
    /// feeds written over by spaces ([`Source::join_lines_at`]), or, when
    /// the lines end in CR LF or are indented, each line moved to follow
    /// the one before (the line ends and indentation kept after the
    /// paragraph, in its range). Byte offsets in spans are offsets in the
    /// text as read ([`Source::original_text`]): they index into this
    /// string too but in a paragraph whose lines were moved.
    pub text: Arc<String>,
    /// Where the article starts: 3 when the text begins with a BOM, else 0.
    pub start: usize,
    /// Where each line starts, found when first asked for (a diagnostic's
    /// `line:column`): the parser reads the lines without it, and a large
    /// article with nothing to report never holds it (8 bytes a line).
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// Where the parser wrote a space over a line feed
    /// ([`Source::join_lines_at`]), in order: line ends still, for
    /// `line:column` and the lines of a report.
    joined: Vec<u32>,
    /// The line ends joined by moving the line after them
    /// ([`Source::join_lines_moving`]), in order.
    moved: Vec<MovedJoin>,
    /// The texts whose lines were moved, in order.
    moved_texts: Vec<MovedText>,
}

/// A text whose lines [`Source::join_lines_moving`] moved: its lines
/// joined stand in `from..end`, the bytes the joins left out in
/// `end..to`, its range as read.
#[derive(Debug, Clone, Copy)]
struct MovedText {
    from: u32,
    end: u32,
    to: u32,
}

/// The bytes between two lines that [`Source::join_lines_moving`] joins:
/// a line end (LF or CR LF) and what stands before the next line's text
/// (the indentation the parser leaves out of a line), with no other line
/// end.
pub(crate) fn joinable_gap(gap: &[u8]) -> bool {
    let gap = gap.strip_prefix(b"\r").unwrap_or(gap);
    gap.first() == Some(&b'\n') && !gap[1..].iter().any(|&c| c == b'\n' || c == b'\r')
}

impl Source {
    /// Decodes `bytes` as UTF-8. Invalid UTF-8 is an error naming the byte
    /// offset and line, unless `lossy` is set: then each bad sequence becomes
    /// U+FFFD and a warning says where (the warnings are returned).
    pub fn decode(
        name: &str,
        bytes: Vec<u8>,
        lossy: bool,
    ) -> Result<(Source, Vec<Diagnostic>), InputError> {
        let mut warnings = Vec::new();
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let bytes = e.into_bytes();
                let first_bad = std::str::from_utf8(&bytes).unwrap_err().valid_up_to();
                let line = 1 + bytes[..first_bad].iter().filter(|&&b| b == b'\n').count();
                if !lossy {
                    return Err(InputError::InvalidUtf8 {
                        name: name.to_string(),
                        offset: first_bad,
                        line,
                    });
                }
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let src = Source::new(name, text.clone());
                for (i, _) in text.match_indices('\u{FFFD}') {
                    warnings.push(Diagnostic::new(
                        Severity::Warning,
                        crate::ast::Span::new(i, i + 3),
                        "invalid UTF-8 replaced by U+FFFD (--lossy)",
                    ));
                }
                return Ok((src, warnings));
            }
        };
        Ok((Source::new(name, text), warnings))
    }

    /// A source from text that is already decoded.
    pub fn new(name: &str, text: String) -> Source {
        let start = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
        Source {
            name: name.to_string(),
            text: Arc::new(text),
            start,
            line_starts: std::sync::OnceLock::new(),
            joined: Vec::new(),
            moved: Vec::new(),
            moved_texts: Vec::new(),
        }
    }

    /// Writes a space over the line feed at each offset of `at` (in
    /// increasing order): the lines around each are then one text in the
    /// source's own bytes, as a paragraph's lines joined with one space
    /// are (the parser joins a hard-wrapped paragraph so). They stay line
    /// ends for [`Source::line_col`], [`Source::line_starts`] and the
    /// reports. Changes nothing and returns `false` when the text is
    /// shared (a document's nodes are pieces of it), an offset is not a
    /// line feed (or is a CR LF's), or the offsets are not in order.
    pub fn join_lines_at(&mut self, at: Vec<u32>) -> bool {
        let Some(text) = Arc::get_mut(&mut self.text) else {
            return false;
        };
        let in_order = at.windows(2).all(|w| w[0] < w[1])
            && self
                .joined
                .last()
                .zip(at.first())
                .is_none_or(|(l, f)| l < f);
        // A line feed on its own: a CR LF's would leave its CR a line end.
        let lone_feed = |i: usize| {
            text.as_bytes().get(i) == Some(&b'\n') && (i == 0 || text.as_bytes()[i - 1] != b'\r')
        };
        if !in_order || !at.iter().all(|&i| lone_feed(i as usize)) {
            return false;
        }
        for &i in &at {
            let i = i as usize;
            // One ASCII byte for another: the text stays UTF-8, and no
            // byte after it moves.
            text.replace_range(i..i + 1, " ");
        }
        // Line starts found before this are the text's as read, and stay.
        if self.joined.is_empty() {
            self.joined = at;
        } else {
            self.joined.extend(at);
        }
        true
    }

    /// Joins the lines of each text of `texts` (its lines' byte ranges;
    /// the texts in order, after those joined so far) with one space, as
    /// a paragraph's lines joined are, where the lines are a line end
    /// (LF or CR LF) and what stands before the next line's text (its
    /// indentation) apart: a hard-wrapped paragraph whose lines end in
    /// CR LF, or are indented as lynx writes them. Each line after the
    /// first is moved to follow the space after the one before it; the
    /// bytes between the lines but their line feeds follow the text, so
    /// that its range holds the bytes it held, in another order. Offsets outside the
    /// texts do not move. The lines stay lines for [`Source::line_col`],
    /// [`Source::line_starts`] and the reports, which read them as read
    /// (put back a line at a time, or all at once by
    /// [`Source::original_text`]).
    ///
    /// Changes nothing and returns `false` when the text is shared, a
    /// line is empty, two lines are not so apart, or the texts are not
    /// in order.
    pub(crate) fn join_lines_moving<'a>(
        &mut self,
        texts: impl Iterator<Item = &'a [(u32, u32)]> + Clone,
    ) -> bool {
        let Some(text) = Arc::get_mut(&mut self.text) else {
            return false;
        };
        let bytes = text.as_bytes();
        let mut last = self.moved_texts.last().map_or(0, |t| t.to as usize);
        let (mut count, mut joins) = (0, 0);
        for segs in texts.clone() {
            count += 1;
            joins += segs.len().saturating_sub(1);
            for (i, &(a, b)) in segs.iter().enumerate() {
                let (a, b) = (a as usize, b as usize);
                let gap = if i == 0 {
                    a >= last
                } else {
                    a >= last && joinable_gap(&bytes[last..a])
                };
                if !gap
                    || a >= b
                    || b > bytes.len()
                    || !text.is_char_boundary(a)
                    || !text.is_char_boundary(b)
                {
                    return false;
                }
                last = b;
            }
        }
        // A large article's lists, held as long as the source: no spare room.
        self.moved.reserve_exact(joins);
        self.moved_texts.reserve_exact(count);
        // The text's bytes, written a paragraph at a time (`replace_range`
        // writes a byte at a time), then the text again: every piece
        // moved was cut at character boundaries, so it is UTF-8 still.
        let mut bytes = std::mem::take(text).into_bytes();
        let mut joined = Vec::new();
        let mut between = Vec::new();
        for segs in texts {
            let (Some(&(from, _)), Some(&(_, to))) = (segs.first(), segs.last()) else {
                continue;
            };
            let (from, to) = (from as usize, to as usize);
            joined.clear();
            between.clear();
            let mut last = from;
            for (i, &(a, b)) in segs.iter().enumerate() {
                let (a, b) = (a as usize, b as usize);
                if i > 0 {
                    self.moved.push(MovedJoin {
                        space: (from + joined.len()) as u32,
                        after: a as u32,
                    });
                    joined.push(b' ');
                    // The line end and indentation but the line feed.
                    between.extend(bytes[last..a].iter().filter(|&&c| c != b'\n'));
                }
                joined.extend_from_slice(&bytes[a..b]);
                last = b;
            }
            self.moved_texts.push(MovedText {
                from: from as u32,
                end: (from + joined.len()) as u32,
                to: to as u32,
            });
            joined.extend_from_slice(&between);
            // As many bytes as the range: nothing after it moves.
            bytes[from..to].copy_from_slice(&joined);
        }
        *text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        true
    }

    /// The line ends joined by [`Source::join_lines_moving`], in order.
    pub(crate) fn moved_line_ends(&self) -> &[MovedJoin] {
        &self.moved
    }

    /// The line ends written over by [`Source::join_lines_at`].
    pub fn joined_line_ends(&self) -> &[u32] {
        &self.joined
    }

    /// The text as read: [`Source::text`] with its joined line ends
    /// given back and its moved lines put back (a copy only when there
    /// are any).
    pub fn original_text(&self) -> std::borrow::Cow<'_, str> {
        self.read_range(0..self.text.len())
    }

    /// The text as read in `range` (offsets as read, on its character
    /// boundaries): a piece of [`Source::text`] when no line in it was
    /// joined, else a copy.
    fn read_range(&self, range: std::ops::Range<usize>) -> std::borrow::Cow<'_, str> {
        self.read_range_with(range, true)
    }

    /// [`Source::read_range`], its line feeds written over given back,
    /// or left spaces when `feeds_back` is not set (a space counts as one
    /// character, as a line feed does, and ends no character).
    fn read_range_with(
        &self,
        range: std::ops::Range<usize>,
        feeds_back: bool,
    ) -> std::borrow::Cow<'_, str> {
        let (from, to) = (range.start, range.end);
        let first = self
            .moved_texts
            .partition_point(|t| (t.to as usize) <= from);
        let moved = self.moved_texts[first..]
            .iter()
            .take_while(|t| (t.from as usize) < to);
        let feed = |x: usize| self.joined.partition_point(|&j| (j as usize) < x);
        let feeds = if feeds_back {
            &self.joined[feed(from)..feed(to)]
        } else {
            &[]
        };
        if feeds.is_empty() && moved.clone().next().is_none() {
            return std::borrow::Cow::Borrowed(&self.text[range]);
        }
        let t = self.text.as_bytes();
        let mut out = Vec::with_capacity(to - from);
        let mut at = from;
        for moved in moved {
            let (a, b) = (moved.from as usize, moved.to as usize);
            out.extend_from_slice(&t[at..a.max(at)]);
            self.moved_text_as_read(*moved, at.max(a)..to, &mut out);
            at = to.min(b);
        }
        out.extend_from_slice(&t[at..to]);
        for &j in feeds {
            // Spaces back to line feeds: ASCII for ASCII.
            out[j as usize - from] = b'\n';
        }
        std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_default())
    }

    /// Appends to `out` the bytes of a text whose lines were moved, as
    /// read, in `range` (offsets as read): its lines, and between each
    /// two the line end and the indentation kept after the text. Only
    /// the lines in the range are put back.
    fn moved_text_as_read(
        &self,
        text: MovedText,
        range: std::ops::Range<usize>,
        out: &mut Vec<u8>,
    ) {
        let t = self.text.as_bytes();
        let (from, end) = (text.from as usize, text.end as usize);
        let (lo, hi) = (range.start.max(from), range.end.min(text.to as usize));
        if lo >= hi {
            return;
        }
        let at = |x: usize| self.moved.partition_point(|m| (m.space as usize) < x);
        let joins = &self.moved[at(from)..at(end)];
        // From the line the range starts on: where it stands now, where
        // as read, and where the next join's bytes wait after the text
        // (as many before them as the lines before moved).
        let first = joins.partition_point(|m| (m.after as usize) <= lo);
        let (mut at, mut read, mut kept) = match first.checked_sub(1).map(|k| joins[k]) {
            None => (from, from, end),
            Some(m) => {
                let moved = (m.after - m.space - 1) as usize;
                (m.space as usize + 1, m.after as usize, end + moved)
            }
        };
        let (base, start) = (out.len(), read);
        for m in &joins[first..] {
            if read >= hi {
                break;
            }
            let space = m.space as usize;
            out.extend_from_slice(&t[at..space]);
            read += space - at;
            // The join's bytes, as read up to the next line, but the
            // line feed.
            let len = (m.after as usize).saturating_sub(read + 1);
            let bytes = &t[kept..kept + len];
            let cr = usize::from(bytes.first() == Some(&b'\r'));
            out.extend_from_slice(&bytes[..cr]);
            out.push(b'\n');
            out.extend_from_slice(&bytes[cr..]);
            kept += len;
            (read, at) = (m.after as usize, space + 1);
        }
        if read < hi {
            out.extend_from_slice(&t[at..end]);
        }
        out.truncate(base + (hi - start));
        out.drain(base..base + (lo - start));
    }

    /// 1-based line and column (in characters) of byte offset `offset`.
    /// A BOM does not count as a column.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let mut ls = starts[line];
        if line == 0 {
            ls = ls.max(self.start.min(offset));
        }
        // The line as read, to its end (a line end joined is a space
        // still: one character).
        let next = starts.get(line + 1).map_or(self.text.len(), |&n| n.max(ls));
        let text = self.read_range_with(ls..next, false);
        let mut end = offset - ls;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = text[..end].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte offsets where each line starts.
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            if self.joined.is_empty() && self.moved_texts.is_empty() {
                return line_starts(&self.text);
            }
            self.starts_as_read(line_starts_iter)
        })
    }

    /// Where each line of the text as read starts, as `starts` finds
    /// them in a piece of it (0 first, then the starts after it), without
    /// a copy of the text: pieces of the text but the texts whose lines
    /// were moved, those as read, and the line feeds written over.
    fn starts_as_read<'t, I: Iterator<Item = usize>>(
        &'t self,
        starts: impl Fn(&'t str) -> I,
    ) -> Vec<usize> {
        let mut found = Vec::with_capacity(line_count_hint(&self.text) + self.moved.len());
        found.push(0);
        let mut at = 0;
        let mut lines = Vec::new();
        for moved in &self.moved_texts {
            let (from, to) = (moved.from as usize, moved.to as usize);
            found.extend(starts(&self.text[at..from]).skip(1).map(|s| s + at));
            lines.clear();
            self.moved_text_as_read(*moved, from..to, &mut lines);
            // Its line starts: one after each line end it holds.
            let read = std::str::from_utf8(&lines).unwrap_or_default();
            found.extend(line_feeds_after(read).map(|s| s + from));
            at = to;
        }
        found.extend(starts(&self.text[at..]).skip(1).map(|s| s + at));
        merged(found, self.joined.iter().map(|&i| i as usize + 1))
    }
}

/// Where a line starts after each line feed of `text` (the line ends of
/// a text whose lines were moved: a line feed, after a CR or not).
fn line_feeds_after(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)
}

/// Two increasing sequences of offsets as one.
fn merged(a: Vec<usize>, b: impl ExactSizeIterator<Item = usize>) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    for x in b {
        while let Some(y) = a.next_if(|&y| y < x) {
            out.push(y);
        }
        out.push(x);
    }
    out.extend(a);
    out
}

/// Byte offsets where each line of `text` starts: 0, and after every line
/// end (LF, CRLF or a lone CR). One search through the whole text, which
/// skips every other byte in whole words.
pub fn line_starts(text: &str) -> Vec<usize> {
    // Room for a line per line feed (a count that vector code makes at
    // little cost): no copying as the vector grows.
    let mut starts = Vec::with_capacity(line_count_hint(text));
    starts.extend(line_starts_iter(text));
    starts
}

/// At least as many lines as `text` has, but for those that end in a lone
/// CR: one more than its line feeds.
pub fn line_count_hint(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1
}

/// The offsets of [`line_starts`], found as they are read.
pub fn line_starts_iter(text: &str) -> impl Iterator<Item = usize> + '_ {
    let b = text.as_bytes();
    std::iter::once(0).chain(memchr::memchr2_iter(b'\n', b'\r', b).filter_map(move |i| {
        let crlf = b[i] == b'\r' && b.get(i + 1) == Some(&b'\n');
        (!crlf).then_some(i + 1)
    }))
}

/// Diagnostics rendered against the source they point into.
impl Diagnostic {
    /// `NAME:LINE:COL: warning: MESSAGE` (plus `  help: …`), one line per part.
    pub fn render_short(&self, src: &Source) -> String {
        let (line, col) = src.line_col(self.span.start as usize);
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let mut s = format!("{}:{}:{}: {}: {}", src.name, line, col, sev, self.message);
        if let Some(h) = &self.help {
            s.push_str("\n  help: ");
            s.push_str(h);
        }
        s
    }

    /// A rustc-style report with the source line and a caret, via codespan-reporting.
    pub fn render_rich(&self, src: &Source) -> String {
        use codespan_reporting::diagnostic::{Diagnostic as CsDiag, Label};
        use codespan_reporting::files::SimpleFile;
        use codespan_reporting::term::{self, Config};

        // The text of the report: the source's when no line was joined;
        // else the line of the span as read (the report shows no other),
        // a line as the report reads lines (a lone CR ends none).
        let (text, line) = if src.joined.is_empty() && src.moved_texts.is_empty() {
            (std::borrow::Cow::Borrowed(src.text.as_str()), None)
        } else {
            let starts = src.starts_as_read(codespan_reporting::files::line_starts);
            let at = (self.span.start as usize).min(src.text.len());
            let line = starts.partition_point(|&s| s <= at).saturating_sub(1);
            let from = starts[line];
            let to = starts.get(line + 1).map_or(src.text.len(), |&n| n);
            (src.read_range(from..to), Some((line, from)))
        };
        let base = line.map_or(0, |(_, from)| from);
        let mut start = (self.span.start as usize)
            .saturating_sub(base)
            .min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        // Keep the label on one line, and short, so huge spans stay readable.
        let line_end = text[start..]
            .find(['\n', '\r'])
            .map(|i| start + i)
            .unwrap_or(text.len());
        let mut end = (self.span.end as usize)
            .saturating_sub(base)
            .clamp(start, line_end)
            .min(start + 200);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let base = match self.severity {
            Severity::Warning => CsDiag::warning(),
            Severity::Error => CsDiag::error(),
        };
        let mut d = base
            .with_message(&self.message)
            .with_labels(vec![Label::primary((), start..end)]);
        if let Some(h) = &self.help {
            d = d.with_notes(vec![format!("help: {h}")]);
        }
        let report = match line {
            None => {
                let file = SimpleFile::new(src.name.as_str(), &*text);
                term::emit_into_string(&Config::default(), &file, &d)
            }
            Some((line, _)) => {
                let file = LineFile {
                    name: &src.name,
                    text: &text,
                    line,
                };
                term::emit_into_string(&Config::default(), &file, &d)
            }
        };
        report.unwrap_or_else(|_| self.render_short(src))
    }
}

/// One line of a source as codespan-reporting reads a file, as the
/// report of a span on it shows it (its label on that line, no line
/// around it): the line as read, when the parser joined lines in the
/// source ([`Source::join_lines_at`], [`Source::join_lines_moving`]).
/// Offsets are the line's; its number is its number in the source.
struct LineFile<'a> {
    name: &'a str,
    /// The line as read, its line end included.
    text: &'a str,
    /// Its index in the source.
    line: usize,
}

impl<'a> codespan_reporting::files::Files<'a> for LineFile<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.text)
    }

    fn line_index(&'a self, (): (), _: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.line)
    }

    fn line_range(
        &'a self,
        (): (),
        line: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        if line == self.line {
            Ok(0..self.text.len())
        } else {
            Err(codespan_reporting::files::Error::LineTooLarge {
                given: line,
                max: self.line,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_all_line_ends() {
        let s = Source::new("t", "ab\r\nčd\re\nf".to_string());
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(4), (2, 1));
        assert_eq!(s.line_col(6), (2, 2)); // after the two-byte č
        assert_eq!(s.line_col(8), (3, 1));
        assert_eq!(s.line_col(10), (4, 1));
    }

    /// `joined` reads as `read`, the same text read: every offset's
    /// `line:column`, the line starts and the reports of a span from
    /// `at` to the end.
    fn reads_as_read(
        joined: &Source,
        read: &Source,
        at: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let len = read.text.len();
        proptest::prop_assert_eq!(joined.line_starts(), read.line_starts());
        for i in 0..=len {
            proptest::prop_assert_eq!(joined.line_col(i), read.line_col(i));
        }
        let d = Diagnostic::new(
            Severity::Warning,
            crate::ast::Span::new(at.min(len), len),
            "here",
        )
        .with_help("there");
        proptest::prop_assert_eq!(d.render_rich(joined), d.render_rich(read));
        proptest::prop_assert_eq!(d.render_short(joined), d.render_short(read));
        Ok(())
    }

    proptest::proptest! {
        /// Line ends joined in place are line ends still: every offset's
        /// `line:column`, the line starts, the text as read and the
        /// reports are those of the text as it was read.
        #[test]
        fn joined_line_ends_are_line_ends_still(
            lines in proptest::collection::vec(("[ab č1]{0,6}", 0usize..4), 1..7),
            pick in proptest::collection::vec(proptest::bool::ANY, 7),
            at in 0usize..60,
        ) {
            let ends = ["\n", "\r\n", "\r", "\n"];
            let text: String = lines.iter().map(|(l, e)| format!("{l}{}", ends[*e])).collect();
            let read = Source::new("t", text.clone());
            let mut joined = Source::new("t", text.clone());
            let feeds: Vec<u32> = text
                .match_indices('\n')
                .map(|(i, _)| i as u32)
                .filter(|&i| i == 0 || text.as_bytes()[i as usize - 1] != b'\r')
                .enumerate()
                .filter(|&(k, _)| pick[k % pick.len()])
                .map(|(_, i)| i)
                .collect();
            proptest::prop_assert!(joined.join_lines_at(feeds.clone()));
            proptest::prop_assert_eq!(joined.joined_line_ends(), &feeds[..]);
            for &i in &feeds {
                proptest::prop_assert_eq!(joined.text.as_bytes()[i as usize], b' ');
            }
            proptest::prop_assert_eq!(&*joined.original_text(), &text);
            reads_as_read(&joined, &read, at)?;
        }
    }

    proptest::proptest! {
        /// Lines joined by moving them (their line ends CR LF, the next
        /// line indented or quoted; others by writing over their line
        /// feeds, as the parser does) are lines still: every
        /// offset's `line:column`, the line starts, the text as read and
        /// the reports are those of the text as read; each joined text is
        /// its lines joined with one space, where it started.
        #[test]
        fn moved_lines_are_lines_still(
            texts in proptest::collection::vec(
                proptest::collection::vec(("[ab č1]{1,6}", 0usize..6), 1..5),
                1..4,
            ),
            at in 0usize..80,
        ) {
            let gaps = ["\n", "\r\n", "\n  ", "\r\n\t", "\n> ", "\r\n\u{a0}"];
            let mut text = String::new();
            let mut segs = Vec::new();
            for lines in &texts {
                let mut these = Vec::new();
                for (i, (line, gap)) in lines.iter().enumerate() {
                    if i > 0 {
                        text.push_str(gaps[*gap]);
                    }
                    these.push((text.len() as u32, (text.len() + line.len()) as u32));
                    text.push_str(line);
                }
                text.push_str("\n\n");
                segs.push(these);
            }
            let read = Source::new("t", text.clone());
            let mut joined = Source::new("t", text.clone());
            // Lines a line feed apart written over, the others moved.
            let feeds_only = |t: &&Vec<(u32, u32)>| {
                t.windows(2).all(|w| &text[w[0].1 as usize..w[1].0 as usize] == "\n")
            };
            let feeds: Vec<u32> = segs
                .iter()
                .filter(feeds_only)
                .flat_map(|t| t[..t.len() - 1].iter().map(|&(_, b)| b))
                .collect();
            proptest::prop_assert!(joined.join_lines_at(feeds));
            let moved = segs.iter().filter(|t| t.len() > 1 && !feeds_only(t));
            proptest::prop_assert!(joined.join_lines_moving(moved.clone().map(|t| &t[..])));
            proptest::prop_assert_eq!(joined.text.len(), text.len());
            for t in moved {
                let from = t[0].0 as usize;
                let lines: Vec<&str> = t.iter().map(|&(a, b)| &text[a as usize..b as usize]).collect();
                let one = lines.join(" ");
                proptest::prop_assert_eq!(&joined.text[from..from + one.len()], &one[..]);
            }
            proptest::prop_assert_eq!(&*joined.original_text(), &text);
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            for &a in &bounds {
                for &b in bounds.iter().filter(|&&b| b >= a) {
                    proptest::prop_assert_eq!(&*joined.read_range(a..b), &text[a..b]);
                }
            }
            reads_as_read(&joined, &read, at)?;
        }
    }

    /// Lines with white space before a line end, empty lines,
    /// texts out of order and a shared text are not moved, and nothing
    /// is changed.
    #[test]
    fn moves_that_cannot_be_made_change_nothing() {
        let text = "ab\r\n cd\n\nef \ngh\n\nij\n\nkl\r\nmn";
        let mut s = Source::new("t", text.to_string());
        let shared = Arc::clone(&s.text);
        assert!(!s.join_lines_moving([&[(0, 2), (5, 7)][..]].into_iter()));
        drop(shared);
        let refused: [&[&[(u32, u32)]]; 3] = [
            &[&[(9, 11), (13, 15)]],
            &[&[(0, 2), (5, 5)]],
            &[&[(21, 23), (25, 27)], &[(0, 2), (5, 7)]],
        ];
        for texts in refused {
            assert!(!s.join_lines_moving(texts.iter().copied()), "{texts:?}");
        }
        assert_eq!(*s.text, text);
        assert!(s.moved_line_ends().is_empty());
        assert!(s.join_lines_moving([&[(21, 23), (25, 27)][..]].into_iter()));
        assert!(
            !s.join_lines_moving([&[(0, 2), (5, 7)][..]].into_iter()),
            "before lines moved already"
        );
        assert_eq!(&s.text[21..], "kl mn\r");
        assert_eq!(s.original_text(), text);
    }

    /// A shared text, an offset that is not a line feed and offsets out of
    /// order are refused, and nothing is changed.
    #[test]
    fn joins_that_cannot_be_made_change_nothing() {
        let mut s = Source::new("t", "ab\ncd\r\nef\ngh".to_string());
        let shared = Arc::clone(&s.text);
        assert!(!s.join_lines_at(vec![2]));
        drop(shared);
        assert!(!s.join_lines_at(vec![6]), "a CR LF's LF");
        assert!(!s.join_lines_at(vec![1]), "not a line end");
        assert!(!s.join_lines_at(vec![9, 2]), "out of order");
        assert_eq!(*s.text, "ab\ncd\r\nef\ngh");
        assert!(s.joined_line_ends().is_empty());
        assert!(s.join_lines_at(vec![9]));
        assert!(
            !s.join_lines_at(vec![2]),
            "before a line end joined already"
        );
        assert!(s.join_lines_at(vec![]));
        assert_eq!(*s.text, "ab\ncd\r\nef gh");
        assert_eq!(s.original_text(), "ab\ncd\r\nef\ngh");
    }

    #[test]
    fn bom_is_not_a_column() {
        let s = Source::new("t", "\u{FEFF}Title".to_string());
        assert_eq!(s.start, 3);
        assert_eq!(s.line_col(3), (1, 1));
        assert_eq!(s.line_col(4), (1, 2));
    }

    #[test]
    fn invalid_utf8_names_offset_and_line() {
        let bytes = b"Title\n\nok \xff here".to_vec();
        let err = Source::decode("x.txt", bytes, false).unwrap_err();
        match err {
            InputError::InvalidUtf8 { offset, line, .. } => {
                assert_eq!(offset, 10);
                assert_eq!(line, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn lossy_replaces_and_warns() {
        let (s, w) = Source::decode("x", b"T\n\na\xffb".to_vec(), true).unwrap();
        assert!(s.text.contains('\u{FFFD}'));
        assert_eq!(w.len(), 1);
    }
}
