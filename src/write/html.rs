//! One self-contained HTML5 page (`-t html`, `.html`): the EPUB's chapter
//! (`src/write/xhtml.rs`) in the HTML syntax, with the style's stylesheet
//! inline in a `style` element and no scripts, for publishing on the web
//! and for the browser's print-to-PDF. The notes have the same semantic
//! structure as in the EPUB (`doc-noteref` links to `doc-footnote` notes,
//! `doc-backlink` links back), without `epub:type`, which is not HTML.
//!
//! A book is one page: the book's title, a table of contents, and each
//! article as the EPUB's chapter `section`, its ids prefixed `aK-`.

use crate::ast::Document;
use crate::diag::Diagnostic;
use crate::error::WriteError;
use crate::write::BookMeta;
use crate::write::epub::EpubOptions;
use crate::write::links::present;
use crate::write::xhtml::{XhtmlOptions, article_section, page_head, write_xhtml};
use crate::write::xml::XmlWriter;
use std::io::Write;

/// Added to the style's stylesheet: in a browser, the note or the citation
/// that a link led to is marked (a reading system does this itself).
const TARGET_CSS: &str = "\n/* -t html: the note or citation a link led to */\n\
[role~=\"doc-footnote\"]:target, a:target { background: #fff3b8; }\n";

/// Writes `docs` as an HTML5 page with the stylesheet of `epub` inline:
/// one article, or a book (a header with the book's title and author, a
/// table of contents, then each article's `section` with its ids and
/// fragments prefixed `aK-`); returns the XHTML writer's warnings.
pub fn write_html(
    docs: &[&Document],
    book: Option<&BookMeta>,
    epub: &EpubOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let book = match (docs, book) {
        ([doc], None) => return write_xhtml(doc, &html_options(epub), out),
        (_, Some(book)) if !docs.is_empty() => book,
        _ => {
            return Err(WriteError::Request(format!(
                "html writes one article or a book, not {} articles without a book",
                docs.len()
            )));
        }
    };
    let heads = crate::write::head::heads_of(docs, crate::write::Format::Html);
    let chapters = docs.iter().map(|d| std::borrow::Cow::Borrowed(*d));
    write_html_book(&heads, chapters, book, epub, out)
}

/// [`write_html`] of a book whose chapters are given one at a time (see
/// [`crate::write::render_book_into`]): `heads` are the chapters as far as
/// their titles and metadata.
pub(crate) fn write_html_book<'d>(
    heads: &[crate::write::ChapterHead],
    chapters: impl Iterator<Item = std::borrow::Cow<'d, Document>>,
    book: &BookMeta,
    epub: &EpubOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    let opts = &html_options(epub);
    let docs = heads;
    book.meta.validate()?;
    let mut w = XmlWriter::new(out);
    page_head(
        &mut w,
        opts,
        book.language(docs.first().map(|h| &*h.meta)),
        &book.title,
    )?;
    w.start("body", &[])?;
    w.start("header", &[("class", "book")])?;
    w.text_element("h1", &[("id", "book-title")], &book.title)?;
    if let Some(s) = present(&book.subtitle) {
        w.text_element("p", &[("class", "subtitle")], s)?;
    }
    if let Some(a) = present(&book.meta.author) {
        w.start_mixed("p", &[("class", "byline")])?;
        w.text_element("span", &[("class", "author")], a)?;
        w.end()?;
    }
    w.end()?; // header
    w.start(
        "nav",
        &[("role", "doc-toc"), ("aria-labelledby", "toc-title")],
    )?;
    w.text_element("h2", &[("id", "toc-title")], "Contents")?;
    w.start("ol", &[])?;
    for (i, doc) in docs.iter().enumerate() {
        let href = format!("#a{}-article", i + 1);
        w.start_mixed("li", &[])?;
        w.text_element("a", &[("href", &href)], &doc.title)?;
        w.end()?;
    }
    w.end()?; // ol
    w.end()?; // nav
    let mut warnings = Vec::new();
    for (i, doc) in chapters.enumerate() {
        warnings.extend(article_section(
            &mut w,
            &doc,
            opts,
            &format!("a{}-", i + 1),
        )?);
    }
    w.end()?; // body
    w.end()?; // html
    w.finish()?;
    Ok(warnings)
}

/// The XHTML writer's options for an HTML page: the EPUB's stylesheet
/// inline, with [`TARGET_CSS`].
fn html_options(epub: &EpubOptions) -> XhtmlOptions {
    XhtmlOptions {
        stylesheet: None,
        epub: false,
        backlinks: epub.backlinks,
        html_css: Some(format!("{}{TARGET_CSS}", epub.stylesheet)),
    }
}
