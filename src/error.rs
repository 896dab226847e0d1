//! Concrete error types of the library (the CLI wraps them with anyhow).

use thiserror::Error;

/// The input cannot be read as an article at all.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum InputError {
    /// The bytes are not UTF-8.
    #[error(
        "{name}: invalid UTF-8 at byte offset {offset} (line {line}); re-encode the file as UTF-8, or pass --lossy to replace bad bytes with U+FFFD"
    )]
    InvalidUtf8 {
        /// The input's name.
        name: String,
        /// Offset of the first byte that is not UTF-8.
        offset: usize,
        /// 1-based line of that byte.
        line: usize,
    },
    /// The input has no text at all (empty, or only white space).
    #[error("{name}: the input is empty; an article needs at least a title line")]
    Empty {
        /// The input's name.
        name: String,
    },
    /// The input is larger than the configured limit.
    #[error(
        "{name}: the input is {size} bytes, more than the limit of {limit} bytes (--max-input-bytes)"
    )]
    TooLarge {
        /// The input's name.
        name: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// A font that cannot be loaded or used.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("font {name}: {message}")]
pub struct FontError {
    /// As the style names it (or its PostScript name once loaded).
    pub name: String,
    /// What is wrong.
    pub message: String,
}

/// A character that XML 1.0 does not allow, in a value about to be written.
#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "{what} contains U+{code:04X} at character {index}, which XML 1.0 does not allow; remove it{}",
    .span.map(|s| format!(" (input bytes {}..{})", s.start, s.end)).unwrap_or_default()
)]
pub struct InvalidChar {
    /// The value, as the message names it (``"metadata field `author`"``,
    /// ``"text in <p>"``).
    pub what: String,
    /// The character's code point.
    pub code: u32,
    /// Its 1-based position among the value's characters.
    pub index: usize,
    /// Where the value comes from in the input, when it comes from the input.
    pub span: Option<crate::ast::Span>,
}

/// A writer could not produce its output.
#[derive(Debug, Error)]
pub enum WriteError {
    /// An I/O error of the underlying sink.
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising JSON failed.
    #[error("JSON serialisation failed: {0}")]
    Json(#[from] serde_json::Error),
    /// A metadata value cannot be written.
    #[error(transparent)]
    Meta(#[from] crate::ast::MetaError),
    /// A font of the style cannot be loaded, shaped or subset.
    #[error(transparent)]
    Font(#[from] FontError),
    /// Text or a value holds a character that XML 1.0 does not allow.
    #[error(transparent)]
    Char(#[from] InvalidChar),
    /// What was asked cannot be written: no article, several articles for a
    /// format that writes one, an option value out of range.
    #[error("{0}")]
    Request(String),
    /// A generator the writers build on (epub-builder, zip, printpdf,
    /// lopdf) failed or produced something refolio cannot finish; `stage`
    /// names the step (`"PDF post-pass"`, `"zip"` …).
    #[error("{stage}: {detail}")]
    Assembly {
        /// The step that failed.
        stage: &'static str,
        /// What the library said.
        detail: String,
    },
    /// An invariant of refolio itself does not hold: a bug, to be reported.
    #[error("internal error: {0}")]
    Internal(String),
}

impl WriteError {
    /// Places a text error at `span` of the input (other errors are returned
    /// unchanged): the writers know where each inline came from, the XML
    /// writer that finds the bad character does not.
    pub fn at(self, span: crate::ast::Span) -> WriteError {
        match self {
            WriteError::Char(c) if c.span.is_none() => WriteError::Char(InvalidChar {
                span: Some(span),
                ..c
            }),
            other => other,
        }
    }
}
