//! Diagnostics: warnings and errors about the input, each pointing at a span.
//! They are rendered against their [`crate::source::Source`] (`line:column`
//! and the source line) by `Diagnostic::render_short` and
//! `Diagnostic::render_rich`, which live in `source.rs` so that this module
//! stays below it.

use crate::ast::Span;
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
}
