//! pandoc-flavoured Markdown with footnotes (`-t markdown`, `.md`): the
//! unambiguous, human-editable form of an article, which refolio reads back
//! (`src/parse/markdown.rs`) and pandoc reads as the same document as the
//! `pandoc` output (`tests/pandoc.rs` compares them).
//!
//! ```text
//! ---
//! title: 'The title'            YAML: title, subtitle, author, date, lang,
//! lang: 'en'                    source-url, notes-title (single-quoted)
//! ---
//!
//! ![Caption](data:…){fig-alt="Alt text"}     a figure (`![Alt](data:…)` without caption)
//!
//! A paragraph on one line, with a citation.[^1] Again.[^1]
//!
//! ## A heading {#sec-1}
//!
//! - an item
//!     - a nested item
//! 3. an ordered item
//!
//! > a quotation
//!
//! * * *
//!
//! [^1]: The reference's text; Site; 2020
//! ```
//!
//! Each citation is a footnote reference `[^N]` to its reference's
//! definition: the K-th `[^N]` is citation K of reference N, so every
//! repeated citation repeats the note in pandoc's reading, as in the
//! `footnotes` pandoc output. A citation of a reference that does not exist
//! is `^N^` (a superscript). Text is escaped so that nothing in it reads as
//! Markdown: `\` before ASCII punctuation that could (`*`, `_`, `[`, `'`,
//! `"` for pandoc's smart quotes, `--` and `...`, a `1.` opening a
//! block, …). A book is one file: the book's metadata, then per article
//! `# Title {#aK .chapter}` and its body, with labels and ids prefixed
//! `aK-`.

use crate::ast::walk::{walk_children, walk_document, walk_list};
use crate::ast::{
    Document, Figure, Heading, Inline, List, ListItem, Meta, Paragraph, Quote, Rule, Section,
    Visit, plain_text,
};
use crate::error::WriteError;
use crate::write::BookMeta;
use crate::write::links::present;
use crate::write::pandoc::PLACEHOLDER_IMAGE;
use crate::write::text_out::TextOut;
use std::collections::HashSet;
use std::convert::Infallible;
use std::io::Write;

/// Writes `docs` as Markdown: one article, or a book of them.
pub fn write_markdown(
    docs: &[&Document],
    book: Option<&BookMeta>,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    // Written as it is made: a long article's Markdown is never held whole.
    let mut s = TextOut::new(out);
    match (book, docs) {
        (None, [doc]) => {
            let mut fields = vec![("title", Some(doc.title.text.clone()))];
            fields.push(("subtitle", doc.subtitle.as_ref().map(|t| t.text.clone())));
            meta_fields(&doc.meta, &mut fields);
            let notes = doc
                .references_heading
                .as_ref()
                .map(|h| plain_text(&h.inlines))
                .filter(|t| !t.trim().is_empty());
            fields.push(("notes-title", notes));
            front_matter(&fields, &mut s);
            article(doc, "", &mut s);
        }
        _ => {
            let chapters = docs.iter().map(|d| std::borrow::Cow::Borrowed(*d));
            return write_markdown_book_of(docs.first().map(|d| &d.meta), chapters, book, s);
        }
    }
    s.finish()?;
    Ok(())
}

/// A book's Markdown: its metadata (and its language, else the first
/// chapter's, whose metadata is `first`), then each of `chapters`, given
/// one at a time, under a level-1 heading.
fn write_markdown_book_of<'d>(
    first: Option<&Meta>,
    chapters: impl Iterator<Item = std::borrow::Cow<'d, Document>>,
    book: Option<&BookMeta>,
    mut s: TextOut<'_>,
) -> Result<(), WriteError> {
    let mut fields = vec![("title", book.map(|b| b.title.clone()))];
    if let Some(b) = book {
        meta_fields(&b.meta, &mut fields);
        fields.retain(|(k, _)| *k != "lang");
        fields.push(("lang", Some(b.language(first).to_string())));
    }
    front_matter(&fields, &mut s);
    for (i, doc) in chapters.enumerate() {
        let heading = format!(
            "# {} {{#a{} .chapter}}",
            escape(&doc.title.text, true),
            i + 1
        );
        s.block(&heading);
        article(&doc, &format!("a{}-", i + 1), &mut s);
    }
    s.finish()?;
    Ok(())
}

/// [`write_markdown`] of a book whose chapters are given one at a time
/// (see [`crate::write::render_book_into`]).
pub(crate) fn write_markdown_book<'d>(
    heads: &[crate::write::ChapterHead],
    chapters: impl Iterator<Item = std::borrow::Cow<'d, Document>>,
    book: &BookMeta,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let first = heads.first().map(|h| &*h.meta);
    write_markdown_book_of(first, chapters, Some(book), TextOut::new(out))
}

/// `author`, `date`, `source-url` and `lang`.
fn meta_fields(m: &Meta, fields: &mut Vec<(&'static str, Option<String>)>) {
    fields.push(("author", present(&m.author).map(String::from)));
    fields.push(("date", present(&m.date).map(String::from)));
    fields.push((
        "lang",
        Some(m.lang.trim().to_string()).filter(|l| !l.is_empty()),
    ));
    fields.push(("source-url", present(&m.source_url).map(String::from)));
}

/// The YAML block: each given field as a single-quoted string of Markdown.
fn front_matter(fields: &[(&str, Option<String>)], s: &mut TextOut<'_>) {
    s.push_str("---\n");
    for (key, value) in fields {
        if let Some(v) = value {
            let v = escape(&one_line(v), false).replace('\'', "''");
            s.push_str(&format!("{key}: '{v}'\n"));
        }
    }
    s.push_str("---\n");
}

/// One article's body and its footnote definitions.
fn article(doc: &Document, prefix: &str, s: &mut TextOut<'_>) {
    let refs: HashSet<u32> = doc.references.iter().map(|r| r.n).collect();
    let mut body = Md {
        blocks: s,
        lines: Vec::new(),
        depth: 0,
        refs: &refs,
        prefix,
        section: 0,
    };
    let Ok(()) = walk_document(&mut body, doc);
    let mut defined = HashSet::new();
    for r in &doc.references {
        if defined.insert(r.n) {
            s.block(&format!(
                "[^{prefix}{}]: {}",
                r.n,
                escape(&one_line(&r.raw), true)
            ));
        }
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ").trim().to_string()
}

/// `text` with every character that Markdown could read as syntax
/// escaped; `block_start` when it opens a block (where `1.`, `-`, `+`, `:`
/// and `%` would start something).
pub fn escape(text: &str, block_start: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let digits = if block_start {
        chars.iter().take_while(|c| c.is_ascii_digit()).count()
    } else {
        0
    };
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let esc = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '$' | '~' | '^' | '|' | '@'
            | '"' | '\'' | '{' | '}' | '&' => true,
            // Smart punctuation: `--` and `...`.
            '-' => next == Some('-') || prev == Some('-') || (block_start && i == 0),
            '.' => {
                next == Some('.') || prev == Some('.') || (block_start && digits > 0 && i == digits)
            }
            ')' => block_start && digits > 0 && i == digits,
            '+' | ':' | '%' | '=' => block_start && i == 0,
            _ => false,
        };
        if esc {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The body's blocks as Markdown, in the order of [`crate::ast::walk`].
struct Md<'a, 'w> {
    /// Where each block is written as it is made.
    blocks: &'a mut TextOut<'w>,
    /// The lines of the list being written, and how deep in it the walk is.
    lines: Vec<String>,
    depth: usize,
    refs: &'a HashSet<u32>,
    prefix: &'a str,
    section: usize,
}

impl Md<'_, '_> {
    /// Inline content on one line.
    fn inlines(&self, v: &[Inline]) -> String {
        let mut s = String::new();
        for (i, inline) in v.iter().enumerate() {
            match inline {
                Inline::Text { text, .. } => {
                    let start = s.is_empty();
                    let mut t = escape(&one_line_keep(text), start);
                    // `[^1](…)` would read as a link.
                    if t.starts_with('(') && s.ends_with(']') {
                        t.insert(0, '\\');
                    }
                    s.push_str(&t);
                }
                Inline::Link { url, .. } => s.push_str(&format!("<{url}>")),
                Inline::Cite { n, .. } => s.push_str(&self.cite(*n)),
            }
            let _ = i;
        }
        s.trim().to_string()
    }
}

impl Md<'_, '_> {
    /// A citation: `[^N]`, or `^N^` when reference N does not exist.
    fn cite(&self, n: u32) -> String {
        if self.refs.contains(&n) {
            format!("[^{}{n}]", self.prefix)
        } else {
            format!("^{n}^")
        }
    }

    /// The alt text as the value of `fig-alt`: its citations as `[^N]`,
    /// and `\`, `"`, `[`, `^` and `<` escaped, so that the reader finds
    /// them again.
    fn attribute(&self, v: &[Inline]) -> String {
        let mut s = String::new();
        for i in v {
            match i {
                Inline::Text { text, .. } => {
                    for c in one_line_keep(text).chars() {
                        if matches!(c, '\\' | '"' | '[' | '^' | '<') {
                            s.push('\\');
                        }
                        s.push(c);
                    }
                }
                Inline::Link { url, .. } => s.push_str(&format!("<{url}>")),
                Inline::Cite { n, .. } => s.push_str(&self.cite(*n)),
            }
        }
        s.trim().to_string()
    }
}

/// Line ends in text become spaces; other spaces stay as they are.
fn one_line_keep(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

impl Visit<'_> for Md<'_, '_> {
    type Error = Infallible;

    fn visit_section(&mut self, i: usize, s: &Section) -> Result<(), Infallible> {
        self.section = i;
        crate::ast::walk::walk_section(self, s)
    }
    fn visit_heading(&mut self, h: &Heading) -> Result<(), Infallible> {
        let id = crate::write::xhtml::section_id(self.section);
        let text = self.inlines(&h.inlines);
        self.blocks
            .block(&format!("## {text} {{#{}{id}}}", self.prefix));
        Ok(())
    }
    fn visit_paragraph(&mut self, p: &Paragraph) -> Result<(), Infallible> {
        let t = self.inlines(&p.inlines);
        self.blocks.block(&t);
        Ok(())
    }
    fn visit_quote(&mut self, q: &Quote) -> Result<(), Infallible> {
        let t = self.inlines(&q.inlines);
        self.blocks.block(&format!("> {t}"));
        Ok(())
    }
    fn visit_rule(&mut self, _: &Rule) -> Result<(), Infallible> {
        self.blocks.block("* * *");
        Ok(())
    }
    fn visit_figure(&mut self, f: &Figure) -> Result<(), Infallible> {
        let fig = match &f.caption {
            // The alt text's citations also follow the caption, where
            // pandoc reads them as notes (an attribute holds none).
            Some(c) => {
                let mut caption = self.inlines(c);
                for i in &f.alt {
                    if let Inline::Cite { n, .. } = i {
                        caption.push_str(&self.cite(*n));
                    }
                }
                format!(
                    "![{caption}]({PLACEHOLDER_IMAGE}){{fig-alt=\"{}\"}}",
                    self.attribute(&f.alt)
                )
            }
            None => format!("![{}]({PLACEHOLDER_IMAGE})", self.inlines(&f.alt)),
        };
        self.blocks.block(&fig);
        Ok(())
    }
    /// A list is one block; nested lists add lines to it, indented by four
    /// spaces a level.
    fn visit_list(&mut self, l: &List) -> Result<(), Infallible> {
        if l.items.is_empty() {
            return Ok(());
        }
        walk_list(self, l)?;
        if self.depth == 0 {
            self.blocks.block(&self.lines.join("\n"));
            self.lines.clear();
        }
        Ok(())
    }
    fn visit_item(&mut self, l: &List, i: usize, item: &ListItem) -> Result<(), Infallible> {
        let indent = "    ".repeat(self.depth);
        let marker = if l.ordered {
            format!("{}.", l.start + i as u64)
        } else {
            "-".to_string()
        };
        let text = self.inlines(&item.inlines);
        self.lines.push(format!("{indent}{marker} {text}"));
        self.depth += 1;
        walk_children(self, item)?;
        self.depth -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_what_markdown_would_read() {
        assert_eq!(escape("1. not a list", true), "1\\. not a list");
        assert_eq!(
            escape("it's -- *so*...", false),
            "it\\'s \\-\\- \\*so\\*\\.\\.\\."
        );
        assert_eq!(escape("a-b 2.5 T-62", false), "a-b 2.5 T-62");
    }
}
