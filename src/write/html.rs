//! One self-contained HTML5 page (`-t html`, `.html`): the EPUB's chapter
//! (`src/write/xhtml.rs`) in the HTML syntax, with the style's stylesheet
//! inline in a `style` element and no scripts, for publishing on the web
//! and for the browser's print-to-PDF. The notes have the same semantic
//! structure as in the EPUB (`doc-noteref` links to `doc-footnote` notes,
//! `doc-backlink` links back), without `epub:type`, which is not HTML.
//!
//! A book is not written as one page yet: the XHTML writer's ids are those
//! of one article.

use crate::ast::Document;
use crate::diag::Diagnostic;
use crate::error::WriteError;
use crate::write::BookMeta;
use crate::write::epub::EpubOptions;
use crate::write::xhtml::{XhtmlOptions, write_xhtml};
use std::io::Write;

/// Added to the style's stylesheet: in a browser, the note or the citation
/// that a link led to is marked (a reading system does this itself).
const TARGET_CSS: &str = "\n/* -t html: the note or citation a link led to */\n\
[role~=\"doc-footnote\"]:target, a:target { background: #fff3b8; }\n";

/// Writes `docs` (one article) as an HTML5 page with the stylesheet of
/// `epub` inline; returns the XHTML writer's warnings.
pub fn write_html(
    docs: &[&Document],
    book: Option<&BookMeta>,
    epub: &EpubOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let doc = match (docs, book) {
        ([doc], None) => doc,
        _ => {
            return Err(WriteError::Request(format!(
                "html writes one article, not a book of {} (use .epub, .pdf, .pandoc.json or .md for a book)",
                docs.len()
            )));
        }
    };
    let opts = XhtmlOptions {
        stylesheet: None,
        epub: false,
        backlinks: epub.backlinks,
        html_css: Some(format!("{}{TARGET_CSS}", epub.stylesheet)),
    };
    write_xhtml(doc, &opts, out)
}
