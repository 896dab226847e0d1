//! The input text: decoding, and turning byte offsets into `line:column`.

use crate::diag::{Diagnostic, Severity};
use crate::error::InputError;
use std::sync::Arc;

/// A decoded article: the text as given (BOM included) plus where parsing starts.
#[derive(Debug, Clone)]
pub struct Source {
    /// A name for messages: the file path, or `<stdin>`.
    pub name: String,
    /// The text. Byte offsets in spans index into this string. Shared:
    /// a parsed document's text nodes are pieces of it
    /// ([`crate::ast::SharedStr`]). It is the text as read, but for the
    /// line ends the parser joined in place ([`Source::join_lines_at`]):
    /// a paragraph's lines joined with one space are then its own bytes,
    /// not a copy. [`Source::original_text`] gives the text as read.
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

    /// The line ends written over by [`Source::join_lines_at`].
    pub fn joined_line_ends(&self) -> &[u32] {
        &self.joined
    }

    /// The text as read: [`Source::text`] with its joined line ends
    /// given back (a copy only when there are any).
    pub fn original_text(&self) -> std::borrow::Cow<'_, str> {
        if self.joined.is_empty() {
            return std::borrow::Cow::Borrowed(&self.text);
        }
        let mut bytes = self.text.as_bytes().to_vec();
        for &i in &self.joined {
            bytes[i as usize] = b'\n';
        }
        // Spaces back to line feeds: ASCII for ASCII, still UTF-8.
        std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_default())
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
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[ls..end].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte offsets where each line starts.
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let found = line_starts(&self.text);
            if self.joined.is_empty() {
                return found;
            }
            merged(found, self.joined.iter().map(|&i| i as usize + 1))
        })
    }
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

        let mut start = (self.span.start as usize).min(src.text.len());
        while !src.text.is_char_boundary(start) {
            start -= 1;
        }
        // Keep the label on one line, and short, so huge spans stay readable.
        let joined_end = src
            .joined
            .get(src.joined.partition_point(|&i| (i as usize) < start));
        let line_end = src.text[start..]
            .find(['\n', '\r'])
            .map(|i| start + i)
            .unwrap_or(src.text.len())
            .min(joined_end.map_or(usize::MAX, |&i| i as usize));
        let mut end = (self.span.end as usize)
            .clamp(start, line_end)
            .min(start + 200);
        while !src.text.is_char_boundary(end) {
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
        let report = if src.joined.is_empty() {
            let file = SimpleFile::new(src.name.as_str(), src.text.as_str());
            term::emit_into_string(&Config::default(), &file, &d)
        } else {
            term::emit_into_string(&Config::default(), &JoinedFile::new(src), &d)
        };
        report.unwrap_or_else(|_| self.render_short(src))
    }
}

/// A source whose line ends were joined ([`Source::join_lines_at`]) as
/// codespan-reporting reads a file: its lines are the text's as read (a
/// [`codespan_reporting::files::SimpleFile`] of the text as read, without
/// the copy).
struct JoinedFile<'a> {
    name: &'a str,
    text: &'a str,
    /// Where each line starts (after each line feed, as the simple file
    /// has it, joined ones included).
    starts: Vec<usize>,
    joined: &'a [u32],
}

impl<'a> JoinedFile<'a> {
    fn new(src: &'a Source) -> Self {
        let found = codespan_reporting::files::line_starts(&src.text).collect();
        JoinedFile {
            name: &src.name,
            text: &src.text,
            starts: merged(found, src.joined.iter().map(|&i| i as usize + 1)),
            joined: &src.joined,
        }
    }

    /// As the simple file's: the text's end after the last line.
    fn line_start(&self, line: usize) -> Result<usize, codespan_reporting::files::Error> {
        match line.cmp(&self.starts.len()) {
            std::cmp::Ordering::Less => Ok(self.starts[line]),
            std::cmp::Ordering::Equal => Ok(self.text.len()),
            std::cmp::Ordering::Greater => Err(codespan_reporting::files::Error::LineTooLarge {
                given: line,
                max: self.starts.len() - 1,
            }),
        }
    }
}

impl<'a> codespan_reporting::files::Files<'a> for JoinedFile<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.text)
    }

    fn line_index(&'a self, (): (), at: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self
            .starts
            .binary_search(&at)
            .unwrap_or_else(|next| next - 1))
    }

    fn line_range(
        &'a self,
        (): (),
        line: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        let start = self.line_start(line)?;
        let next = self.line_start(line + 1)?;
        // A joined line end is a space now: left out, as the report
        // trims a line feed.
        let joined = next > start && self.joined.binary_search(&((next - 1) as u32)).is_ok();
        Ok(start..if joined { next - 1 } else { next })
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
            proptest::prop_assert_eq!(joined.line_starts(), read.line_starts());
            for i in 0..=text.len() {
                proptest::prop_assert_eq!(joined.line_col(i), read.line_col(i));
            }
            let at = at.min(text.len());
            let d = Diagnostic::new(Severity::Warning, crate::ast::Span::new(at, text.len()), "here")
                .with_help("there");
            proptest::prop_assert_eq!(d.render_rich(&joined), d.render_rich(&read));
            proptest::prop_assert_eq!(d.render_short(&joined), d.render_short(&read));
        }
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
