//! XHTML5 output of one article: the chapter document that the EPUB writer
//! packs (FORMAT.md §5, EPUB 3), also usable as a standalone XHTML page.
//!
//! The shape:
//!
//! ```text
//! html[@lang][@xml:lang]
//!   head            meta charset, title, link[rel=stylesheet]?
//!   body
//!     section#article[epub:type=chapter][role=doc-chapter][aria-labelledby=title]
//!       header        h1#title, p.subtitle[role=doc-subtitle]?, p.byline?
//!       lead figure?
//!       blocks before the first heading
//!       section#sec-N (h2, blocks) per section
//!       section#references[epub:type=endnotes][role=doc-endnotes]?
//!                     h2#references-title,
//!                     ol/li/div#ref-N[epub:type=footnote][role=doc-footnote]
//!       footer.source?  the source URL and licence, when given
//! ```
//!
//! Blocks: paragraph → `p`; list → `ul` / `ol[@start]` with `li` (a nested
//! list stands inside its item after the item's text); figure → `figure`
//! with the alt text in `div.figure-image[role=img][aria-label]` (visible
//! too: there is no image file, only its description) and the caption in
//! `figcaption` (alone when it repeats the alt text); quote → `blockquote/p`; rule → `hr`.
//!
//! Inlines: a citation marker is
//! `<sup><a epub:type="noteref" role="doc-noteref" id="cite-N-K" href="#ref-N">N</a></sup>`
//! (consecutive markers such as `2,5` share one `sup`, separators
//! included, their spaces written as no-break spaces so that `4 7` never
//! breaks); a URL is `<a href="URL">URL</a>`. In text, the space between
//! two digit groups of a number (`250 000`) is written as a no-break space
//! (U+00A0). Each reference keeps its raw text
//! losslessly, with recognised fields wrapped (`cite`, `span.author`,
//! `span.publisher`, `time[@datetime]` or `span.date`), followed by one
//! `a[epub:type=backlink][role=doc-backlink]` per `[]` group of the source
//! (`↩` for a single one; `↩ a b c …` for several), each pointing at its
//! marker.
//!
//! # Notes that reading systems pop up
//!
//! Each list item wraps its note in
//! `<div id="ref-N" epub:type="footnote" role="doc-footnote">`: the marker
//! links to that `div`, so a reading system that pops notes up shows the
//! note alone (README, "E-book readers", gives each reader's rule and its
//! source). The shapes that look more obvious fail somewhere: an `aside`
//! note is hidden from the reading view (Readium's footnote CSS hides
//! `aside[epub|type~="footnote"]`; Foliate and Apple Books were seen to hide
//! it too), so the reference list would go empty; `epub:type="footnote"` on the
//! `li` fails Ace, `role="doc-footnote"` on the `li` fails EPUBCheck, and
//! `endnote` is deprecated by EPUBCheck 5.3. The back-links carry
//! `epub:type="backlink"` so that a reader follows them instead of popping
//! up the citation's paragraph. `epub:type` is written only for the EPUB
//! ([`XhtmlOptions::epub`]); the ARIA roles are HTML too and are written in
//! both, so the two outputs have the same elements and link targets.
//!
//! Links stay honest, as in the TEI writer: a marker whose reference does
//! not exist is a `span.unresolved` in its `sup`; a back-link whose occurrence has no marker is
//! a `span` without a link; every `id` is written at most once.
//!
//! Roles that EPUBCheck 5 reports as deprecated (`doc-endnote`,
//! `doc-biblioentry`) are not used. Structure is indented by two spaces per
//! level; mixed content (`p`, `h1`, `li`, …) never gets added white space.
//! The same document always gives the same bytes.

use crate::ast::walk::{walk_document, walk_item, walk_list, walk_section};
use crate::ast::{
    Document, Figure, Heading, Inline, List, ListItem, Meta, Paragraph, Quote, RawPart,
    RefFieldKind, Reference, Rule, Section, Visit, plain_text,
};
use crate::diag::{Diagnostic, Severity};
use crate::error::WriteError;
use crate::write::links::{Links, at, present};
use crate::write::xml::{Piece, XmlWriter, is_w3c_date, uri_attr};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;

/// The XHTML namespace.
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
/// The EPUB structural-semantics namespace (`epub:type`).
pub const EPUB_OPS_NS: &str = "http://www.idpf.org/2007/ops";
/// The `id` of the reference list's `section`.
pub const REFERENCES_ID: &str = "references";
/// The heading of the reference list when the source has none.
pub const DEFAULT_REFERENCES_HEADING: &str = "References";
/// The length (in characters of text) of a note that Kobo's readers pop up
/// when it is not recognised by its `epub:type`: 9 to 5,000 (kobolabs/epub-spec,
/// "Footnotes/Endnotes Are Fully Supported Across Kobo Platforms"). A linked
/// note outside it gets a warning.
pub const POPUP_NOTE_CHARS: std::ops::RangeInclusive<usize> = 9..=5000;

/// How to write the XHTML document.
#[derive(Debug, Clone, Default)]
pub struct XhtmlOptions {
    /// The `href` of a stylesheet to link from `head`, if any.
    pub stylesheet: Option<String>,
    /// Add EPUB structural semantics (`epub:type`) and declare their
    /// namespace on the root element.
    pub epub: bool,
    /// Where a note's back-links stand.
    pub backlinks: BacklinkPlacement,
    /// Write an HTML5 page in the HTML syntax (`-t html`): no XML
    /// declaration, and this stylesheet inline in a `style` element.
    pub html_css: Option<String>,
}

/// Where the back-links stand in a note of the reference list (the command
/// line's `--epub-notes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum BacklinkPlacement {
    /// After the note's text: `Title; Site; 2019 ↩ a b`.
    #[default]
    After,
    /// At the start of the note: `↩ a b Title; Site; 2019`, the place
    /// Kindle's guidelines give the back-link.
    First,
}

/// The `id` of the `section` of the `i`-th (0-based) section of a document.
pub fn section_id(i: usize) -> String {
    format!("sec-{}", i + 1)
}

/// True if the document gets a reference list section ([`REFERENCES_ID`]).
pub fn has_references_section(doc: &Document) -> bool {
    !doc.references.is_empty() || doc.references_heading.is_some()
}

/// The text of the reference list's heading: the source's, or
/// [`DEFAULT_REFERENCES_HEADING`].
pub fn references_heading_text(doc: &Document) -> String {
    match &doc.references_heading {
        Some(h) if !plain_text(&h.inlines).trim().is_empty() => plain_text(&h.inlines),
        _ => DEFAULT_REFERENCES_HEADING.to_string(),
    }
}

/// The language tag written on the root element (`und` when unknown).
pub fn language(meta: &Meta) -> &str {
    if meta.lang.is_empty() {
        "und"
    } else {
        meta.lang.as_str()
    }
}

/// Writes `doc` as an XHTML5 document (XML syntax, UTF-8) to `out`, and
/// returns the warnings about it: one per linked note whose text is outside
/// [`POPUP_NOTE_CHARS`], at its reference's span.
///
/// Fails with [`WriteError::Meta`] when a metadata value cannot be
/// written (see [`crate::ast::Meta::validate`]) or when text contains a character XML 1.0
/// does not allow ([`WriteError::Char`]; the parser removes those, so that means a bug), and with
/// [`WriteError::Io`] when `out` fails.
pub fn write_xhtml(
    doc: &Document,
    opts: &XhtmlOptions,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, WriteError> {
    doc.meta.validate()?;
    let mut w = XmlWriter::new(out);
    page_head(&mut w, opts, language(&doc.meta), &doc.title.text).map_err(at(doc.title.span))?;
    w.start("body", &[])?;
    let warnings = article_section(&mut w, doc, opts, "")?;
    w.end()?; // body
    w.end()?; // html
    w.finish()?;
    Ok(warnings)
}

/// The doctype, the root element and the `head` (left open: the root).
pub(crate) fn page_head(
    w: &mut XmlWriter,
    opts: &XhtmlOptions,
    lang: &str,
    title: &str,
) -> Result<(), WriteError> {
    // The XML declaration and the doctype, then the root on its own line.
    if opts.html_css.is_some() {
        w.raw_prolog("<!DOCTYPE html>\n")?;
    } else {
        w.raw_prolog("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n")?;
    }
    let mut root = vec![("xmlns", XHTML_NS)];
    if opts.epub {
        root.push(("xmlns:epub", EPUB_OPS_NS));
    }
    root.extend([("lang", lang), ("xml:lang", lang)]);
    w.start("html", &root)?;

    w.start("head", &[])?;
    w.empty("meta", &[("charset", "utf-8")])?;
    w.text_element("title", &[], title)?;
    if let Some(href) = &opts.stylesheet {
        w.empty(
            "link",
            &[("rel", "stylesheet"), ("type", "text/css"), ("href", href)],
        )?;
    }
    if let Some(css) = &opts.html_css {
        w.empty(
            "meta",
            &[
                ("name", "viewport"),
                ("content", "width=device-width, initial-scale=1"),
            ],
        )?;
        // A style element's content is raw text in HTML: nothing in it is
        // escaped, and nothing may close it early.
        w.start_mixed("style", &[])?;
        w.raw_text(&css.replace("</", "<\\/"))?;
        w.end()?;
    }
    w.end() // head
}

/// One article as a `section`, every id and fragment prefixed with
/// `prefix` (`a2-` for the second article of an HTML book; empty for one
/// article, and in the EPUB, whose chapters are files of their own).
pub(crate) fn article_section(
    w: &mut XmlWriter,
    doc: &Document,
    opts: &XhtmlOptions,
    prefix: &str,
) -> Result<Vec<Diagnostic>, WriteError> {
    doc.meta.validate()?;
    let mut links = Links::new(doc);
    links.prefix = prefix.to_string();
    let id = format!("{prefix}article");
    let title = format!("{prefix}title");
    let mut article = vec![("id", id.as_str())];
    if opts.epub {
        article.push(("epub:type", "chapter"));
    }
    article.extend([("role", "doc-chapter"), ("aria-labelledby", title.as_str())]);
    if !prefix.is_empty() && opts.html_css.is_some() {
        // A chapter of an HTML book: its h1 is a second-level heading.
        article.push(("headingoffset", "1"));
    }
    w.start("section", &article)?;
    header(w, doc, prefix)?;
    walk_document(
        &mut XhtmlText {
            w: &mut *w,
            links: &mut links,
            opts,
        },
        doc,
    )?;
    let warnings = references(w, &mut links, opts, doc)?;
    footer(w, doc)?;
    w.end()?; // section#article
    Ok(warnings)
}

fn header(w: &mut XmlWriter, doc: &Document, prefix: &str) -> Result<(), WriteError> {
    w.start("header", &[])?;
    let id = format!("{prefix}title");
    w.text_element("h1", &[("id", &id)], &unbroken_numbers(&doc.title.text))
        .map_err(at(doc.title.span))?;
    if let Some(sub) = &doc.subtitle {
        w.text_element(
            "p",
            &[("class", "subtitle"), ("role", "doc-subtitle")],
            &unbroken_numbers(&sub.text),
        )
        .map_err(at(sub.span))?;
    }
    let author = present(&doc.meta.author);
    let date = present(&doc.meta.date);
    if author.is_some() || date.is_some() {
        w.start_mixed("p", &[("class", "byline")])?;
        if let Some(a) = author {
            w.text_element("span", &[("class", "author")], a)?;
        }
        if let Some(d) = date {
            if author.is_some() {
                w.text(" · ")?;
            }
            if is_w3c_date(d) {
                w.text_element("time", &[("datetime", d)], d)?;
            } else {
                w.text_element("span", &[("class", "date")], d)?;
            }
        }
        w.end()?;
    }
    w.end()
}

/// The source URL and the licence, when given (metadata, not article text).
fn footer(w: &mut XmlWriter, doc: &Document) -> Result<(), WriteError> {
    let url = present(&doc.meta.source_url);
    let licence = present(&doc.meta.license);
    if url.is_none() && licence.is_none() {
        return Ok(());
    }
    w.start("footer", &[("class", "source")])?;
    if let Some(u) = url {
        w.start_mixed("p", &[])?;
        link(w, u)?;
        w.end()?;
    }
    if let Some(l) = licence {
        w.start_mixed("p", &[("class", "licence")])?;
        if l.starts_with("http://") || l.starts_with("https://") {
            link(w, l)?;
        } else {
            w.text(l)?;
        }
        w.end()?;
    }
    w.end()
}

fn link(w: &mut XmlWriter, url: &str) -> Result<(), WriteError> {
    w.text_element("a", &[("href", &uri_attr(url))], url)
}

/// The body's blocks as XHTML, in the order of [`crate::ast::walk`].
struct XhtmlText<'s, 'w> {
    w: &'s mut XmlWriter<'w>,
    links: &'s mut Links,
    opts: &'s XhtmlOptions,
}

impl XhtmlText<'_, '_> {
    /// `inlines` as the mixed content of a new `name` element.
    fn mixed(&mut self, name: &'static str, inlines: &[Inline]) -> Result<(), WriteError> {
        self.w.start_mixed(name, &[])?;
        self.visit_inlines(inlines)?;
        self.w.end()
    }
}

impl Visit<'_> for XhtmlText<'_, '_> {
    type Error = WriteError;

    fn visit_section(&mut self, i: usize, s: &Section) -> Result<(), WriteError> {
        let id = format!("{}{}", self.links.prefix, section_id(i));
        self.w.start("section", &[("id", &id)])?;
        walk_section(self, s)?;
        self.w.end()
    }
    fn visit_heading(&mut self, h: &Heading) -> Result<(), WriteError> {
        self.mixed("h2", &h.inlines)
    }
    fn visit_paragraph(&mut self, p: &Paragraph) -> Result<(), WriteError> {
        self.mixed("p", &p.inlines)
    }
    fn visit_quote(&mut self, q: &Quote) -> Result<(), WriteError> {
        self.w.start("blockquote", &[])?;
        self.mixed("p", &q.inlines)?;
        self.w.end()
    }
    fn visit_rule(&mut self, _: &Rule) -> Result<(), WriteError> {
        self.w.empty("hr", &[])
    }
    /// A list without items (which has no text) is left out.
    fn visit_list(&mut self, l: &List) -> Result<(), WriteError> {
        if l.items.is_empty() {
            return Ok(());
        }
        let start = l.start.to_string();
        match (l.ordered, l.start) {
            (false, _) => self.w.start("ul", &[])?,
            (true, 1) => self.w.start("ol", &[])?,
            (true, _) => self.w.start("ol", &[("start", &start)])?,
        }
        walk_list(self, l)?;
        self.w.end()
    }
    fn visit_item(&mut self, _: &List, _: usize, item: &ListItem) -> Result<(), WriteError> {
        self.w.start_mixed("li", &[])?;
        walk_item(self, item)?;
        self.w.end()
    }
    fn visit_figure(&mut self, f: &Figure) -> Result<(), WriteError> {
        figure(self.w, self.links, self.opts, f)
    }
    fn visit_inlines(&mut self, inlines: &[Inline]) -> Result<(), WriteError> {
        self::inlines(self.w, self.links, self.opts, inlines)
    }
}

fn has_content(inlines: &[Inline]) -> bool {
    inlines
        .iter()
        .any(|i| !matches!(i, Inline::Text { text, .. } if text.trim().is_empty()))
}

/// A figure. The image itself was lost in the flattening; its alt text is
/// shown in its place, and exposed to assistive technology as an image with
/// that description (`role="img"` + `aria-label`). When the alt text carries
/// citation markers, which must stay working links, it is written as plain
/// text instead: an `img` role would hide the links inside it. When the
/// caption merely repeats the alt text, only the caption is written.
fn figure(
    w: &mut XmlWriter,
    links: &mut Links,
    opts: &XhtmlOptions,
    f: &Figure,
) -> Result<(), WriteError> {
    w.start("figure", &[])?;
    let caption = f.caption.as_deref().filter(|c| has_content(c));
    // A caption that repeats the alt text (a common flattening) is shown
    // once, as the caption; the figure takes its accessible name from it.
    let repeated = caption.is_some_and(|c| plain_text(c).trim() == plain_text(&f.alt).trim())
        && !f.alt.iter().any(|i| matches!(i, Inline::Cite { .. }));
    if has_content(&f.alt) && !repeated {
        let has_markers = f.alt.iter().any(|i| matches!(i, Inline::Cite { .. }));
        if has_markers {
            w.start_mixed("div", &[("class", "figure-image")])?;
        } else {
            let label = plain_text(&f.alt);
            let label = label.trim();
            w.start_mixed(
                "div",
                &[
                    ("class", "figure-image"),
                    ("role", "img"),
                    ("aria-label", label),
                ],
            )?;
        }
        inlines(w, links, opts, &f.alt)?;
        w.end()?;
    }
    if let Some(caption) = caption {
        w.start_mixed("figcaption", &[])?;
        inlines(w, links, opts, caption)?;
        w.end()?;
    }
    w.end()
}

/// The no-break space that holds a number's digit groups together.
const NBSP: &str = "\u{A0}";

/// `text` with each space between two digit groups of one number (`250 000`,
/// `1 220 000`) written as a no-break space, so that a number never breaks
/// across lines. A space is such a separator when the digits before it are
/// a run of one to three and the digits after it a run of exactly three
/// (`1990 200` and `15 July` keep their space). The TEI keeps the source's
/// characters; this is the XHTML's rendering of them, like the PDF layout's
/// unbreakable space between digit groups.
fn unbroken_numbers(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let digits =
        |it: &mut dyn Iterator<Item = &u8>| it.take(4).take_while(|c| c.is_ascii_digit()).count();
    let run_before = |i: usize| digits(&mut b[..i].iter().rev());
    let run_after = |i: usize| digits(&mut b[i + 1..].iter());
    // (A space after a digit is rare: the counts run only there.)
    let joins = |i: usize| {
        b[i] == b' '
            && i > 0
            && b[i - 1].is_ascii_digit()
            && (1..=3).contains(&run_before(i))
            && run_after(i) == 3
    };
    if !(0..b.len()).any(joins) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 4);
    let mut last = 0;
    for i in (0..b.len()).filter(|&i| joins(i)) {
        out.push_str(&text[last..i]);
        out.push_str(NBSP);
        last = i + 1;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// True for the text between two markers that belong to one superscript
/// group, such as `2,5` or `6 7`: only commas, semicolons and spaces.
fn is_marker_separator(text: &str) -> bool {
    !text.is_empty() && text.len() <= 3 && text.chars().all(|c| matches!(c, ',' | ';' | ' '))
}

fn inlines(
    w: &mut XmlWriter,
    links: &mut Links,
    opts: &XhtmlOptions,
    inlines: &[Inline],
) -> Result<(), WriteError> {
    let mut i = 0;
    while i < inlines.len() {
        match &inlines[i] {
            Inline::Text { text, span } => w.text(&unbroken_numbers(text)).map_err(at(*span))?,
            Inline::Link { url, span } => link(w, url).map_err(at(*span))?,
            Inline::Cite { .. } => {
                // Consecutive markers (`2,5`, `6 7`) share one superscript,
                // separators included, as they stood in the original page.
                let mut end = i + 1;
                while let (Some(Inline::Text { text, .. }), Some(Inline::Cite { .. })) =
                    (inlines.get(end), inlines.get(end + 1))
                {
                    if !is_marker_separator(text) {
                        break;
                    }
                    end += 2;
                }
                w.start_mixed("sup", &[])?;
                for inline in &inlines[i..end] {
                    match inline {
                        Inline::Cite { n, occurrence, .. } => {
                            marker(w, links, opts, *n, *occurrence)?
                        }
                        // `4 7` must not break between the markers.
                        Inline::Text { text, span } => {
                            w.text(&text.replace(' ', NBSP)).map_err(at(*span))?
                        }
                        Inline::Link { url, span } => link(w, url).map_err(at(*span))?,
                    }
                }
                w.end()?;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Ok(())
}

/// One citation marker: a link to its reference, or just the number when
/// there is no reference to link to.
fn marker(
    w: &mut XmlWriter,
    links: &mut Links,
    opts: &XhtmlOptions,
    n: u32,
    occurrence: u32,
) -> Result<(), WriteError> {
    let number = [Piece::Number(n.into())];
    if !links.has_reference(n) {
        return w.text_element_pieces("span", &[("class", &[Piece::Plain("unresolved")])], &number);
    }
    let with_id = links.claim_marker_id(n, occurrence);
    let (href, id) = (links.ref_target(n), links.cite_id(n, occurrence));
    let noteref: &[Piece] = &[Piece::Plain("doc-noteref")];
    let mut attrs = [("role", noteref); 4];
    let mut len = 0;
    if opts.epub {
        attrs[len] = ("epub:type", &[Piece::Plain("noteref")]);
        len += 1;
    }
    attrs[len] = ("role", noteref);
    len += 1;
    if with_id {
        attrs[len] = ("id", &id);
        len += 1;
    }
    attrs[len] = ("href", &href);
    len += 1;
    w.text_element_pieces("a", &attrs[..len], &number)
}

/// The reference list; returns a warning per linked note whose length is
/// outside [`POPUP_NOTE_CHARS`].
fn references(
    w: &mut XmlWriter,
    links: &mut Links,
    opts: &XhtmlOptions,
    doc: &Document,
) -> Result<Vec<Diagnostic>, WriteError> {
    let mut warnings = Vec::new();
    if !has_references_section(doc) {
        return Ok(warnings);
    }
    let id = format!("{}{REFERENCES_ID}", links.prefix);
    let heading_id = format!("{}references-title", links.prefix);
    let mut attrs = vec![("id", id.as_str())];
    if opts.epub {
        attrs.push(("epub:type", "endnotes"));
    }
    attrs.extend([
        ("role", "doc-endnotes"),
        ("aria-labelledby", heading_id.as_str()),
    ]);
    w.start("section", &attrs)?;
    w.start_mixed("h2", &[("id", &heading_id)])?;
    match &doc.references_heading {
        Some(h) if has_content(&h.inlines) => inlines(w, links, opts, &h.inlines)?,
        _ => w.text(DEFAULT_REFERENCES_HEADING)?,
    }
    w.end()?;
    if !doc.references.is_empty() {
        w.start("ol", &[])?;
        let mut ids = HashSet::new();
        for (i, r) in doc.references.iter().enumerate() {
            let with_id = ids.insert(r.n);
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let chars = entry(w, links, opts, r, with_id, position).map_err(at(r.span))?;
            if with_id && !POPUP_NOTE_CHARS.contains(&chars) {
                warnings.push(note_length_warning(r, chars));
            }
        }
        w.end()?;
    }
    w.end()?;
    Ok(warnings)
}

/// The warning for a note whose text Kobo would not pop up.
fn note_length_warning(r: &Reference, chars: usize) -> Diagnostic {
    let (min, max) = (POPUP_NOTE_CHARS.start(), POPUP_NOTE_CHARS.end());
    Diagnostic::new(
        Severity::Warning,
        r.span,
        format!(
            "the EPUB note of reference {} has {chars} characters; Kobo's readers pop up \
             only notes of {min} to {max} characters and follow the link to the others",
            r.n
        ),
    )
}

/// `a`, `b`, … `z`, `aa`, `ab`, … for the `k`-th (1-based) back-link.
pub fn backlink_letter(k: usize) -> String {
    let mut s = String::new();
    push_backlink_letter(&mut s, k);
    s
}

/// Appends [`backlink_letter`]`(k)` to `out`.
fn push_backlink_letter(out: &mut String, k: usize) {
    let mut k = k.max(1);
    // 14 letters hold any usize (26^14 > 2^64).
    let mut letters = [0u8; 14];
    let mut from = letters.len();
    while k > 0 {
        k -= 1;
        from -= 1;
        letters[from] = b'a' + (k % 26) as u8;
        k /= 26;
    }
    for &l in &letters[from..] {
        out.push(char::from(l));
    }
}

/// The back-link arrow, with the text-presentation selector so that it is
/// never drawn as an emoji.
const BACK_ARROW: &str = "\u{21A9}\u{FE0E}";

/// One reference: `raw` exactly, recognised fields wrapped, then back-links.
/// Fields that are out of order, overlapping, empty or not on character
/// boundaries are written as plain text, so `raw` always survives whole.
/// Returns the number of characters of the note's text.
fn entry(
    w: &mut XmlWriter,
    links: &Links,
    opts: &XhtmlOptions,
    r: &Reference,
    with_id: bool,
    position: u32,
) -> Result<usize, WriteError> {
    let mut id = String::new();
    links.push_ref_id(&mut id, r.n);
    let value = r.n.to_string();
    let li: Vec<(&str, &str)> = if r.n != position {
        vec![("value", &value)]
    } else {
        Vec::new()
    };
    w.start_mixed("li", &li)?;
    // The note itself: the element a reading system pops up (see the
    // module docs). Only the first entry of a number is a link target.
    let mut note: Vec<(&str, &str)> = Vec::with_capacity(3);
    if with_id {
        note.push(("id", &id));
    }
    if opts.epub {
        note.push(("epub:type", "footnote"));
    }
    note.push(("role", "doc-footnote"));
    w.start_mixed("div", &note)?;
    let before = w.text_chars();
    if !r.backlinks.is_empty() && opts.backlinks == BacklinkPlacement::First {
        backlinks(w, links, opts, r, with_id)?;
        w.text(" ")?;
    }
    for part in r.raw_parts() {
        let (f, text) = match part {
            RawPart::Text(text) => {
                w.text(&unbroken_numbers(text))?;
                continue;
            }
            RawPart::Field(f, text) => (f, unbroken_numbers(text)),
        };
        let part = &text;
        match f.kind {
            RefFieldKind::Title => w.text_element("cite", &[], part)?,
            RefFieldKind::Author => w.text_element("span", &[("class", "author")], part)?,
            RefFieldKind::Publisher => w.text_element("span", &[("class", "publisher")], part)?,
            RefFieldKind::Date => match f.iso.as_deref().filter(|d| is_w3c_date(d)) {
                Some(iso) => w.text_element("time", &[("datetime", iso)], part)?,
                None => w.text_element("span", &[("class", "date")], part)?,
            },
        }
    }
    if !r.backlinks.is_empty() && opts.backlinks == BacklinkPlacement::After {
        w.text(" ")?;
        backlinks(w, links, opts, r, with_id)?;
    }
    let chars = w.text_chars() - before;
    w.end()?; // div[role=doc-footnote]
    w.end()?; // li
    Ok(chars)
}

/// The back-links of a reference: `↩` for one, `↩ a b c …` for several.
fn backlinks(
    w: &mut XmlWriter,
    links: &Links,
    opts: &XhtmlOptions,
    r: &Reference,
    with_id: bool,
) -> Result<(), WriteError> {
    let count = r.backlinks.len();
    w.start_mixed("span", &[("class", "backlinks")])?;
    if count > 1 {
        w.text_element("span", &[("aria-hidden", "true")], BACK_ARROW)?;
    }
    // One buffer each for the letter and the label.
    let (mut letter, mut label) = (String::new(), String::new());
    for k in 1..=count {
        // The arrow stays with the first letter; the letters may wrap.
        match k {
            _ if count == 1 => {}
            1 => w.text(NBSP)?,
            _ => w.text(" ")?,
        }
        let (text, label) = if count == 1 {
            (BACK_ARROW, "Back to the citation")
        } else {
            letter.clear();
            push_backlink_letter(&mut letter, k);
            label.clear();
            label.push_str("Back to citation ");
            label.push_str(&letter);
            (letter.as_str(), label.as_str())
        };
        let key = (r.n, u32::try_from(k).unwrap_or(u32::MAX));
        if with_id && links.has_marker(key.0, key.1) {
            let href = links.cite_target(key.0, key.1);
            let label = [Piece::Text(label)];
            let mut attrs: [(&str, &[Piece]); 4] = [("href", &href); 4];
            let mut len = 1;
            if opts.epub {
                attrs[len] = ("epub:type", &[Piece::Plain("backlink")]);
                len += 1;
            }
            attrs[len] = ("role", &[Piece::Plain("doc-backlink")]);
            attrs[len + 1] = ("aria-label", &label);
            w.start_mixed_pieces("a", &attrs[..len + 2])?;
            w.text(text)?;
            w.end()?;
        } else {
            // The source has this back-link, but no marker to return to.
            w.text_element("span", &[("class", "backlink-missing")], text)?;
        }
    }
    w.end()
}

#[cfg(test)]
mod tests;
