//! Output formats. Each writer reads only the [`Document`]; none re-parses text.

use crate::ast::Document;
use crate::error::WriteError;
use std::io::Write;

pub mod article;
pub mod json;
pub mod tei;
pub mod xml;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// TEI P5 XML for archival deposit (`.tei.xml`).
    Tei,
    /// The document model as JSON (`.json`).
    Json,
}

impl Format {
    /// Every format, in the order `convert` writes them.
    pub const ALL: [Format; 2] = [Format::Tei, Format::Json];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Tei => "tei",
            Format::Json => "json",
        }
    }

    /// The file name extension (after the stem) of this format's output.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Tei => "tei.xml",
            Format::Json => "json",
        }
    }

    /// Looks a format up by its command-line name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Writes `doc` in `format` to `out`.
pub fn write(doc: &Document, format: Format, out: &mut dyn Write) -> Result<(), WriteError> {
    match format {
        Format::Tei => tei::write_tei(doc, out),
        Format::Json => json::write_json(doc, out),
    }
}
