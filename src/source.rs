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
    /// ([`crate::ast::SharedStr`]).
    pub text: Arc<String>,
    /// Where the article starts: 3 when the text begins with a BOM, else 0.
    pub start: usize,
    /// Where each line starts, found when first asked for (a diagnostic's
    /// `line:column`): the parser reads the lines without it, and a large
    /// article with nothing to report never holds it (8 bytes a line).
    line_starts: std::sync::OnceLock<Vec<usize>>,
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
        }
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
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }
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

        let file = SimpleFile::new(src.name.as_str(), src.text.as_str());
        let mut start = (self.span.start as usize).min(src.text.len());
        while !src.text.is_char_boundary(start) {
            start -= 1;
        }
        // Keep the label on one line, and short, so huge spans stay readable.
        let line_end = src.text[start..]
            .find(['\n', '\r'])
            .map(|i| start + i)
            .unwrap_or(src.text.len());
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
        match term::emit_into_string(&Config::default(), &file, &d) {
            Ok(s) => s,
            Err(_) => self.render_short(src),
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
