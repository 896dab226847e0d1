//! Diagnostics: warnings and errors about the input, each pointing at a span.

use crate::ast::Span;
use crate::source::Source;
use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The output was made, but something in the input looks wrong.
    Warning,
    /// The input disagrees with itself (e.g. back-link counts); the output
    /// follows the most plausible reading.
    Error,
}

/// One message about the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// Where in the source.
    pub span: Span,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What the user can do about it, if anything.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic without help text.
    pub fn new(severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            span,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `NAME:LINE:COL: warning: MESSAGE` (plus `  help: …`), one line per part.
    pub fn render_short(&self, src: &Source) -> String {
        let (line, col) = src.line_col(self.span.start);
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
        let mut start = self.span.start.min(src.text.len());
        while !src.text.is_char_boundary(start) {
            start -= 1;
        }
        // Keep the label on one line, and short, so huge spans stay readable.
        let line_end = src.text[start..]
            .find(['\n', '\r'])
            .map(|i| start + i)
            .unwrap_or(src.text.len());
        let mut end = self.span.end.clamp(start, line_end).min(start + 200);
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
