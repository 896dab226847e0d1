//! Output formats. Each writer reads only the [`Document`]; none re-parses text.

use crate::ast::Document;
use crate::error::WriteError;
use std::io::Write;

pub mod article;
pub mod epub;
pub mod json;
mod links;
pub mod pdf;
pub mod tei;
pub mod xhtml;
pub mod xml;

/// An output format: the one list of formats, also the values of the
/// command line's `--to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// TEI P5 XML for archival deposit (`.tei.xml`).
    Tei,
    /// The document model as JSON (`.json`).
    Json,
    /// An EPUB 3 e-book (`.epub`), a zip archive.
    Epub,
    /// A print PDF (`.pdf`), typeset (laid out by `crate::layout`).
    Pdf,
    /// The article format itself, in canonical form (`.article.txt`).
    Article,
}

impl Format {
    /// Every format, in the order `convert` writes them.
    pub const ALL: [Format; 5] = [
        Format::Tei,
        Format::Json,
        Format::Epub,
        Format::Pdf,
        Format::Article,
    ];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Tei => "tei",
            Format::Json => "json",
            Format::Epub => "epub",
            Format::Pdf => "pdf",
            Format::Article => "article",
        }
    }

    /// The file name extension (after the stem) of this format's output.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Tei => "tei.xml",
            Format::Json => "json",
            Format::Epub => "epub",
            Format::Pdf => "pdf",
            Format::Article => "article.txt",
        }
    }

    /// True for formats whose output is binary (not text).
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Epub | Format::Pdf)
    }

    /// Looks a format up by its command-line name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Writes `doc` in `format` to `out`.
///
/// EPUB is written with [`epub::EpubOptions::default`] (the built-in style,
/// a content-derived identifier); use [`epub::write_book`] for other
/// options or several articles in one book. The EPUB writer builds the
/// whole archive in memory and writes it to `out` at once.
pub fn write(doc: &Document, format: Format, out: &mut dyn Write) -> Result<(), WriteError> {
    match format {
        Format::Tei => tei::write_tei(doc, out),
        Format::Json => json::write_json(doc, out),
        Format::Epub => epub::write_epub(doc, out),
        Format::Pdf => pdf::write_pdf(doc, out),
        Format::Article => article::write_article(doc, out),
    }
}

/// What a book (many articles in one publication) says about itself; the
/// articles keep their own metadata as chapters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookMeta {
    /// The book's title.
    pub title: String,
    /// Its author or editor.
    pub author: Option<String>,
    /// Its language (a BCP 47 tag); empty: the first article's.
    pub lang: String,
    /// Its date.
    pub date: Option<String>,
    /// Its licence statement.
    pub license: Option<String>,
}

impl BookMeta {
    /// The book's language: its own, else the first article's, else `und`.
    pub fn language<'a>(&'a self, docs: &[&'a Document]) -> &'a str {
        let own = self.lang.trim();
        if !own.is_empty() {
            return own;
        }
        docs.first()
            .map(|d| d.meta.lang.trim())
            .filter(|l| !l.is_empty())
            .unwrap_or("und")
    }

    /// A document with only the book's title and metadata: the title page
    /// of a PDF book, and what its document information says.
    pub fn cover(&self, docs: &[&Document]) -> Document {
        Document {
            meta: crate::ast::Meta {
                lang: self.language(docs).to_string(),
                author: self.author.clone(),
                source_url: None,
                date: self.date.clone(),
                license: self.license.clone(),
            },
            title: crate::ast::Title {
                text: self.title.clone(),
                span: Default::default(),
            },
            subtitle: None,
            lead_figure: None,
            blocks: vec![],
            sections: vec![],
            references_heading: None,
            references: vec![],
            hard_wrapped: false,
            style: crate::ast::SourceStyle::default(),
        }
    }
}
