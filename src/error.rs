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
    /// A value cannot be written (explained in the message).
    #[error("{0}")]
    Invalid(String),
}
