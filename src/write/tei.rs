//! TEI P5 output (FORMAT.md §5), valid against `tei_all.rng`.
//!
//! The shape, element by element:
//!
//! ```text
//! TEI[@xml:lang]
//!   teiHeader
//!     fileDesc
//!       titleStmt     title, title[@type=sub]?, author?
//!       publicationStmt  p (a statement that refolio converted, not
//!                     published, the text), p (the source's licence)?
//!       sourceDesc    bibl: title, author?, date[@when]?, ref[@target]?,
//!                     availability/licence?
//!     encodingDesc/appInfo/application[@ident=refolio][@version]/label
//!     profileDesc/langUsage/language[@ident]
//!   text
//!     front           docTitle/titlePart[@type=main|sub], lead figure?
//!     body            blocks before the first heading, then
//!                     div[@type=section] (head, blocks) per section
//!     back?           div[@type=bibliogr] (head, listBibl/bibl[@xml:id][@n])
//! ```
//!
//! Blocks: paragraph → `p`; list → `list[@rend=bulleted|numbered]/item`
//! (ordered items carry their number in `@n`; a nested list stands inside
//! its item after the item's text); figure → `figure` with `figDesc` (alt)
//! and `head` (caption); quote → `quote`; rule → `milestone[@unit=section]`.
//!
//! Inlines: text is escaped text (quotes stay characters, never `q`);
//! a citation marker is `<ref type="biblio" target="#ref-N"
//! xml:id="cite-N-K">N</ref>`; a URL is `<ref target="URL">URL</ref>`.
//! Each reference keeps its raw text losslessly, with recognised fields
//! wrapped (`title`, `author`, `publisher`, `date[@when]`) and one
//! `<ref type="backlink" target="#cite-N-K">[]</ref>` per back-link.
//!
//! Links stay honest: a marker whose reference does not exist has no
//! `@target`; a back-link whose occurrence has no marker has no `@target`;
//! every `xml:id` is written at most once.
//!
//! Structure is indented by two spaces per level; mixed content (`p`, `head`,
//! `item`, `figDesc`, `quote`, `bibl`, `title`, …) never gets added white
//! space. The same document always gives the same bytes.

use crate::ast::walk::{walk_body, walk_item, walk_list, walk_section};
use crate::ast::{
    Document, Figure, Heading, Inline, List, ListItem, Paragraph, Quote, RefFieldKind, Reference,
    Rule, Section, Visit,
};
use crate::error::WriteError;
use crate::write::links::{Links, at, present};
use crate::write::xml::{XmlWriter, is_w3c_date, uri_attr};
use std::collections::HashSet;
use std::io::Write;

/// The TEI namespace.
pub const TEI_NS: &str = "http://www.tei-c.org/ns/1.0";

/// The publication statement of every TEI file refolio writes.
pub const PUBLICATION_STATEMENT: &str =
    "Converted by refolio from a flattened web article; not published by refolio.";

/// Writes `doc` as a TEI P5 document to `out`.
///
/// Fails with [`WriteError::Meta`] when a metadata value cannot be
/// written (a character XML 1.0 does not allow, a `lang` that is not a
/// language tag; see [`crate::ast::Meta::validate`]) or when text contains a character XML
/// 1.0 does not allow ([`WriteError::Char`]; the parser removes those, so that means a bug), and
/// with [`WriteError::Io`] when `out` fails. On failure, part of the document
/// may already have been written to `out`.
pub fn write_tei(doc: &Document, out: &mut dyn Write) -> Result<(), WriteError> {
    doc.meta.validate()?;
    let mut w = XmlWriter::new(out);
    w.declaration()?;
    tei_element(&mut w, doc, None)?;
    w.finish()
}

/// The publication statement of a TEI corpus (a book) refolio writes.
pub const CORPUS_PUBLICATION_STATEMENT: &str =
    "Converted by refolio from flattened web articles; not published by refolio.";

/// The `xml:id` of the `i`-th (0-based) article of a corpus; every id and
/// target inside it starts with this and `-` (`a3-ref-1`, `#a3-cite-1-2`).
pub fn corpus_article_id(i: usize) -> String {
    format!("a{}", i + 1)
}

/// Writes `docs` as one TEI P5 `teiCorpus`: a corpus header (the book's
/// title, author, date, licence, language, refolio) and one `TEI` per
/// article, in order, each with its own header and references. Ids are
/// namespaced per article ([`corpus_article_id`]), so links never collide.
///
/// Fails like [`write_tei`]; also when there is no article.
pub fn write_tei_corpus(
    docs: &[&Document],
    book: &crate::write::BookMeta,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    if docs.is_empty() {
        return Err(WriteError::Request(
            "a TEI corpus needs at least one article".into(),
        ));
    }
    crate::write::xml::check_chars("the book title", &book.title)?;
    let corpus_meta = book.cover(docs).meta;
    corpus_meta.validate()?;
    for d in docs {
        d.meta.validate()?;
    }
    let lang = book.language(docs);
    let mut w = XmlWriter::new(out);
    w.declaration()?;
    w.start("teiCorpus", &[("xmlns", TEI_NS), ("xml:lang", lang)])?;
    w.start("teiHeader", &[])?;
    w.start("fileDesc", &[])?;
    w.start("titleStmt", &[])?;
    w.text_element("title", &[], &book.title)?;
    if let Some(author) = present(&book.author) {
        w.text_element("author", &[], author)?;
    }
    w.end()?;
    w.start("publicationStmt", &[])?;
    w.text_element("p", &[], CORPUS_PUBLICATION_STATEMENT)?;
    if let Some(date) = present(&book.date) {
        w.start_mixed("p", &[])?;
        w.text("Date of the collection: ")?;
        if is_w3c_date(date) {
            w.text_element("date", &[("when", date)], date)?;
        } else {
            w.text_element("date", &[], date)?;
        }
        w.end()?;
    }
    if let Some(licence) = present(&book.license) {
        w.text_element("p", &[], &format!("Licence: {licence}"))?;
    }
    w.end()?;
    w.start("sourceDesc", &[])?;
    let n = docs.len();
    let what = if n == 1 {
        "1 article".to_string()
    } else {
        format!("{n} articles")
    };
    w.text_element(
        "p",
        &[],
        &format!("{what}; the header of each describes its source."),
    )?;
    w.end()?;
    w.end()?; // fileDesc
    encoding_and_profile(&mut w, lang)?;
    w.end()?; // teiHeader
    for (i, d) in docs.iter().enumerate() {
        tei_element(&mut w, d, Some(&corpus_article_id(i)))?;
    }
    w.end()?; // teiCorpus
    w.finish()
}

/// One `TEI` element: standalone (with the namespace), or the article with
/// id `id` of a corpus (ids and targets inside prefixed with `id-`).
fn tei_element(w: &mut XmlWriter, doc: &Document, id: Option<&str>) -> Result<(), WriteError> {
    let mut links = Links::new(doc);
    let lang = if doc.meta.lang.is_empty() {
        "und"
    } else {
        doc.meta.lang.as_str()
    };
    match id {
        None => w.start("TEI", &[("xmlns", TEI_NS), ("xml:lang", lang)])?,
        Some(id) => {
            links.prefix = format!("{id}-");
            w.start("TEI", &[("xml:id", id), ("xml:lang", lang)])?
        }
    }
    header(w, doc, lang)?;
    w.start("text", &[])?;
    front(w, &mut links, doc)?;
    body(w, &mut links, doc)?;
    back(w, &mut links, doc)?;
    w.end()?; // text
    w.end() // TEI
}

/// refolio's version in the form TEI's `application/@version` accepts
/// (`0.1.0`; a pre-release or build suffix is dropped).
pub fn application_version() -> &'static str {
    let v = env!("CARGO_PKG_VERSION");
    v.split(['-', '+']).next().unwrap_or(v)
}

fn header(w: &mut XmlWriter, doc: &Document, lang: &str) -> Result<(), WriteError> {
    let m = &doc.meta;
    w.start("teiHeader", &[])?;
    w.start("fileDesc", &[])?;

    w.start("titleStmt", &[])?;
    w.text_element("title", &[], &doc.title.text)
        .map_err(at(doc.title.span))?;
    if let Some(sub) = &doc.subtitle {
        w.text_element("title", &[("type", "sub")], &sub.text)
            .map_err(at(sub.span))?;
    }
    if let Some(author) = present(&m.author) {
        w.text_element("author", &[], author)?;
    }
    w.end()?;

    w.start("publicationStmt", &[])?;
    w.text_element("p", &[], PUBLICATION_STATEMENT)?;
    if let Some(licence) = present(&m.license) {
        w.text_element("p", &[], &format!("Licence of the source: {licence}"))?;
    }
    w.end()?;

    w.start("sourceDesc", &[])?;
    w.start_mixed("bibl", &[])?;
    let mut sep = Separator::default();
    sep.element(w, "title", &[], &doc.title.text)?;
    if let Some(sub) = &doc.subtitle {
        sep.element(w, "title", &[("type", "sub")], &sub.text)?;
    }
    if let Some(author) = present(&m.author) {
        sep.element(w, "author", &[], author)?;
    }
    if let Some(date) = present(&m.date) {
        if is_w3c_date(date.trim()) {
            sep.element(w, "date", &[("when", date.trim())], date)?;
        } else {
            sep.element(w, "date", &[], date)?;
        }
    }
    if let Some(url) = present(&m.source_url) {
        sep.element(w, "ref", &[("target", &uri_attr(url.trim()))], url)?;
    }
    if let Some(licence) = present(&m.license) {
        w.start("availability", &[])?;
        let l = licence.trim();
        if l.starts_with("http://") || l.starts_with("https://") {
            w.text_element("licence", &[("target", &uri_attr(l))], licence)?;
        } else {
            w.text_element("licence", &[], licence)?;
        }
        w.end()?;
    }
    w.end()?; // bibl
    w.end()?; // sourceDesc
    w.end()?; // fileDesc

    encoding_and_profile(w, lang)?;
    w.end() // teiHeader
}

/// Puts `. ` between the parts of a header `bibl` (just a space after a part
/// that already ends in `.`, `?` or `!`).
#[derive(Default)]
struct Separator {
    last: Option<char>,
}

impl Separator {
    fn element(
        &mut self,
        w: &mut XmlWriter,
        name: &'static str,
        attrs: &[(&str, &str)],
        text: &str,
    ) -> Result<(), WriteError> {
        match self.last {
            None => {}
            Some('.' | '?' | '!') => w.text(" ")?,
            Some(_) => w.text(". ")?,
        }
        w.text_element(name, attrs, text)?;
        self.last = text.trim_end().chars().last().or(self.last);
        Ok(())
    }
}

fn front(w: &mut XmlWriter, links: &mut Links, doc: &Document) -> Result<(), WriteError> {
    w.start("front", &[])?;
    w.start("docTitle", &[])?;
    w.text_element("titlePart", &[("type", "main")], &doc.title.text)
        .map_err(at(doc.title.span))?;
    if let Some(sub) = &doc.subtitle {
        w.text_element("titlePart", &[("type", "sub")], &sub.text)
            .map_err(at(sub.span))?;
    }
    w.end()?;
    if let Some(fig) = &doc.lead_figure {
        TeiText::new(w, links).visit_figure(fig)?;
    }
    w.end()
}

fn body(w: &mut XmlWriter, links: &mut Links, doc: &Document) -> Result<(), WriteError> {
    w.start("body", &[])?;
    let mut text = TeiText::new(w, links);
    walk_body(&mut text, doc)?;
    let common = text.common;
    // `body` needs a paragraph-level element or a `div`; figures and
    // milestones alone do not count. An empty `p` adds no text.
    if !common && doc.sections.is_empty() {
        w.empty("p", &[])?;
    }
    w.end()
}

/// The body's blocks as TEI, in the order of [`crate::ast::walk`].
struct TeiText<'s, 'w> {
    w: &'s mut XmlWriter<'w>,
    links: &'s mut Links,
    /// Whether a paragraph-level block (`model.common`: `p`, `quote`, a
    /// list with items) has been written.
    common: bool,
}

impl<'s, 'w> TeiText<'s, 'w> {
    fn new(w: &'s mut XmlWriter<'w>, links: &'s mut Links) -> Self {
        TeiText {
            w,
            links,
            common: false,
        }
    }

    /// `inlines` as the mixed content of a new `name` element.
    fn mixed(&mut self, name: &'static str, inlines: &[Inline]) -> Result<(), WriteError> {
        self.w.start_mixed(name, &[])?;
        self.visit_inlines(inlines)?;
        self.w.end()
    }
}

impl Visit<'_> for TeiText<'_, '_> {
    type Error = WriteError;

    fn visit_section(&mut self, _: usize, s: &Section) -> Result<(), WriteError> {
        self.w.start("div", &[("type", "section")])?;
        walk_section(self, s)?;
        self.w.end()
    }
    fn visit_heading(&mut self, h: &Heading) -> Result<(), WriteError> {
        self.mixed("head", &h.inlines)
    }
    fn visit_paragraph(&mut self, p: &Paragraph) -> Result<(), WriteError> {
        self.common = true;
        self.mixed("p", &p.inlines)
    }
    fn visit_quote(&mut self, q: &Quote) -> Result<(), WriteError> {
        self.common = true;
        self.mixed("quote", &q.inlines)
    }
    fn visit_rule(&mut self, _: &Rule) -> Result<(), WriteError> {
        self.w.empty("milestone", &[("unit", "section")])
    }
    /// A list without items (which TEI does not allow, and which has no
    /// text) is left out.
    fn visit_list(&mut self, l: &List) -> Result<(), WriteError> {
        if l.items.is_empty() {
            return Ok(());
        }
        self.common = true;
        let rend = if l.ordered { "numbered" } else { "bulleted" };
        self.w.start("list", &[("rend", rend)])?;
        walk_list(self, l)?;
        self.w.end()
    }
    fn visit_item(&mut self, l: &List, i: usize, item: &ListItem) -> Result<(), WriteError> {
        if l.ordered {
            let n = l.start.saturating_add(i as u64).to_string();
            self.w.start_mixed("item", &[("n", &n)])?;
        } else {
            self.w.start_mixed("item", &[])?;
        }
        walk_item(self, item)?;
        self.w.end()
    }
    fn visit_figure(&mut self, f: &Figure) -> Result<(), WriteError> {
        self.w.start("figure", &[])?;
        if has_content(&f.alt) {
            self.mixed("figDesc", &f.alt)?;
        }
        if let Some(caption) = f.caption.as_deref().filter(|c| has_content(c)) {
            self.mixed("head", caption)?;
        }
        self.w.end()
    }
    fn visit_inlines(&mut self, inlines: &[Inline]) -> Result<(), WriteError> {
        self::inlines(self.w, self.links, inlines)
    }
}

fn has_content(inlines: &[Inline]) -> bool {
    inlines
        .iter()
        .any(|i| !matches!(i, Inline::Text { text, .. } if text.is_empty()))
}

fn inlines(w: &mut XmlWriter, links: &mut Links, inlines: &[Inline]) -> Result<(), WriteError> {
    for inline in inlines {
        match inline {
            Inline::Text { text, span } => w.text(text).map_err(at(*span))?,
            Inline::Cite { n, occurrence, .. } => {
                let number = n.to_string();
                if links.has_reference(*n) {
                    let target = format!("#{}ref-{n}", links.prefix);
                    let key = (*n, *occurrence);
                    if links.claim_marker_id(key.0, key.1) {
                        let id = format!("{}cite-{n}-{occurrence}", links.prefix);
                        let attrs = [
                            ("type", "biblio"),
                            ("target", target.as_str()),
                            ("xml:id", id.as_str()),
                        ];
                        w.text_element("ref", &attrs, &number)?;
                    } else {
                        w.text_element("ref", &[("type", "biblio"), ("target", &target)], &number)?;
                    }
                } else {
                    w.text_element("ref", &[("type", "biblio")], &number)?;
                }
            }
            Inline::Link { url, span } => {
                w.text_element("ref", &[("target", &uri_attr(url))], url)
                    .map_err(at(*span))?;
            }
        }
    }
    Ok(())
}

fn back(w: &mut XmlWriter, links: &mut Links, doc: &Document) -> Result<(), WriteError> {
    if doc.references.is_empty() && doc.references_heading.is_none() {
        return Ok(());
    }
    w.start("back", &[])?;
    w.start("div", &[("type", "bibliogr")])?;
    // A heading only when the source has one: TEI keeps the article's text,
    // and adds none of its own.
    if let Some(h) = &doc.references_heading {
        w.start_mixed("head", &[])?;
        inlines(w, links, &h.inlines)?;
        w.end()?;
    }
    if !doc.references.is_empty() {
        w.start("listBibl", &[])?;
        let mut ids = HashSet::new();
        for r in &doc.references {
            let with_id = ids.insert(r.n);
            bibl(w, links, r, with_id).map_err(at(r.span))?;
        }
        w.end()?;
    }
    w.end()?;
    w.end()
}

/// One reference: `raw` exactly, recognised fields wrapped, then back-links.
/// Fields that are out of order, overlapping, empty or not on character
/// boundaries are written as plain text, so `raw` always survives whole.
fn bibl(w: &mut XmlWriter, links: &Links, r: &Reference, with_id: bool) -> Result<(), WriteError> {
    let n = r.n.to_string();
    let id = format!("{}ref-{n}", links.prefix);
    if with_id {
        w.start_mixed("bibl", &[("xml:id", &id), ("n", &n)])?;
    } else {
        w.start_mixed("bibl", &[("n", &n)])?;
    }
    let raw = r.raw.as_str();
    let mut pos = 0;
    for f in &r.fields {
        let usable = pos <= f.start
            && f.start < f.end
            && f.end <= raw.len()
            && raw.is_char_boundary(f.start)
            && raw.is_char_boundary(f.end);
        if !usable {
            continue;
        }
        w.text(&raw[pos..f.start])?;
        let part = &raw[f.start..f.end];
        match f.kind {
            RefFieldKind::Title => w.text_element("title", &[], part)?,
            RefFieldKind::Author => w.text_element("author", &[], part)?,
            RefFieldKind::Publisher => w.text_element("publisher", &[], part)?,
            RefFieldKind::Date => match f.iso.as_deref().filter(|d| is_w3c_date(d)) {
                Some(iso) => w.text_element("date", &[("when", iso)], part)?,
                None => w.text_element("date", &[], part)?,
            },
        }
        pos = f.end;
    }
    w.text(&raw[pos..])?;
    // Each back-link keeps its token as the source wrote it (`[]`, `↩︎`, …).
    for (k, b) in r.backlinks.iter().enumerate() {
        let k = u32::try_from(k + 1).unwrap_or(u32::MAX);
        if links.has_marker(r.n, k) {
            let target = format!("#{}cite-{n}-{k}", links.prefix);
            w.text_element(
                "ref",
                &[("type", "backlink"), ("target", &target)],
                &b.token,
            )?;
        } else {
            w.text_element("ref", &[("type", "backlink")], &b.token)?;
        }
    }
    w.end()
}

/// The end of every header refolio writes: `encodingDesc` naming refolio
/// and its version, and `profileDesc` with the language.
fn encoding_and_profile(w: &mut XmlWriter, lang: &str) -> Result<(), WriteError> {
    w.start("encodingDesc", &[])?;
    w.start("appInfo", &[])?;
    w.start(
        "application",
        &[("ident", "refolio"), ("version", application_version())],
    )?;
    w.text_element("label", &[], "refolio")?;
    w.end()?;
    w.end()?;
    w.end()?;
    w.start("profileDesc", &[])?;
    w.start("langUsage", &[])?;
    w.empty("language", &[("ident", lang)])?;
    w.end()?;
    w.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    fn sp() -> Span {
        Span::default()
    }
    fn t(s: &str) -> Inline {
        Inline::text(s)
    }

    fn tei(d: &Document) -> String {
        let mut buf = Vec::new();
        write_tei(d, &mut buf).expect("write_tei");
        String::from_utf8(buf).expect("UTF-8")
    }
    /// The part of `xml` from the first `<body>` to `</body>`.
    fn section<'a>(xml: &'a str, open: &str, close: &str) -> &'a str {
        let s = xml
            .find(open)
            .unwrap_or_else(|| panic!("no {open} in\n{xml}"));
        let e = xml[s..]
            .find(close)
            .unwrap_or_else(|| panic!("no {close} in\n{xml}"))
            + s
            + close.len();
        &xml[s..e]
    }
    /// String values (unescaped text, descendants included) of every element named `name`.
    fn string_values(xml: &str, name: &str) -> Vec<String> {
        let mut r = Reader::from_str(xml);
        let mut out = Vec::new();
        let mut depth = 0usize; // > 0 inside a matching element
        let mut cur = String::new();
        loop {
            match r.read_event().expect("well-formed") {
                Event::Start(e) if e.name().as_ref() == name => {
                    depth += 1;
                }
                Event::Start(_) if depth > 0 => depth += 1,
                Event::End(_) if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        out.push(std::mem::take(&mut cur));
                    }
                }
                Event::Empty(e) if depth == 0 && e.name().as_ref() == name => {
                    out.push(String::new())
                }
                Event::Text(e) if depth > 0 => cur.push_str(&e.xml10_content()),
                Event::GeneralRef(e) if depth > 0 => {
                    let ch = e.resolve_char_ref().expect("char ref");
                    match ch {
                        Some(c) => cur.push(c),
                        None => cur.push_str(match e.as_ref() {
                            "lt" => "<",
                            "gt" => ">",
                            "amp" => "&",
                            "quot" => "\"",
                            "apos" => "'",
                            other => panic!("unknown entity {other:?}"),
                        }),
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    #[test]
    fn title_only_document_exact_output() {
        let xml = tei(&Document::new("A & B"));
        let version = application_version();
        let expected = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader>
    <fileDesc>
      <titleStmt>
        <title>A &amp; B</title>
      </titleStmt>
      <publicationStmt>
        <p>Converted by refolio from a flattened web article; not published by refolio.</p>
      </publicationStmt>
      <sourceDesc>
        <bibl><title>A &amp; B</title></bibl>
      </sourceDesc>
    </fileDesc>
    <encodingDesc>
      <appInfo>
        <application ident="refolio" version="{version}">
          <label>refolio</label>
        </application>
      </appInfo>
    </encodingDesc>
    <profileDesc>
      <langUsage>
        <language ident="en"/>
      </langUsage>
    </profileDesc>
  </teiHeader>
  <text>
    <front>
      <docTitle>
        <titlePart type="main">A &amp; B</titlePart>
      </docTitle>
    </front>
    <body>
      <p/>
    </body>
  </text>
</TEI>
"#
        );
        assert_eq!(xml, expected);
    }

    #[test]
    fn paragraph_with_markers_links_and_escaping() {
        let mut d = Document::new("T");
        d.references = vec![Reference::new(1, "Src", vec![], 2)];
        d.blocks = vec![Block::paragraph(vec![
            t("a < b && c ]]> “q” 'x'"),
            Inline::cite(1, 1),
            t(" see "),
            Inline::Link {
                url: "https://ex.org/?a=1&b=2".into(),
                span: sp(),
            },
            t(" again"),
            Inline::cite(1, 2),
            t("."),
        ])];
        let xml = tei(&d);
        assert!(xml.contains(
            "<p>a &lt; b &amp;&amp; c ]]&gt; “q” 'x'<ref type=\"biblio\" target=\"#ref-1\" xml:id=\"cite-1-1\">1</ref> see \
             <ref target=\"https://ex.org/?a=1&amp;b=2\">https://ex.org/?a=1&amp;b=2</ref> again\
             <ref type=\"biblio\" target=\"#ref-1\" xml:id=\"cite-1-2\">1</ref>.</p>"
        ), "{xml}");
        assert!(!xml.contains("<q>"));
        assert_eq!(
            string_values(&xml, "p")[1],
            "a < b && c ]]> “q” 'x'1 see https://ex.org/?a=1&b=2 again1."
        );
    }

    #[test]
    fn blocks_before_headings_then_sections() {
        let mut d = Document::new("T");
        d.blocks = vec![Block::paragraph(vec![t("intro")])];
        d.sections = vec![
            Section {
                heading: Heading {
                    inlines: vec![t("First")],
                    span: sp(),
                },
                blocks: vec![
                    Block::paragraph(vec![t("one")]),
                    Block::Rule(Rule { span: sp() }),
                ],
                span: sp(),
            },
            Section {
                heading: Heading {
                    inlines: vec![t("Empty")],
                    span: sp(),
                },
                blocks: vec![],
                span: sp(),
            },
        ];
        let body = section(&tei(&d), "<body>", "</body>").to_string();
        assert_eq!(
            body,
            "<body>\n      <p>intro</p>\n      <div type=\"section\">\n        <head>First</head>\n        <p>one</p>\n        \
             <milestone unit=\"section\"/>\n      </div>\n      <div type=\"section\">\n        <head>Empty</head>\n      </div>\n    </body>"
        );
    }

    #[test]
    fn lists_bulleted_numbered_and_nested() {
        let mut d = Document::new("T");
        let nested = List {
            ordered: false,
            start: 1,
            items: vec![ListItem {
                inlines: vec![t("inner")],
                children: vec![],
                span: sp(),
            }],
            span: sp(),
        };
        d.blocks = vec![
            Block::List(List {
                ordered: false,
                start: 1,
                items: vec![
                    ListItem {
                        inlines: vec![t("a")],
                        children: vec![nested],
                        span: sp(),
                    },
                    ListItem {
                        inlines: vec![t("b")],
                        children: vec![],
                        span: sp(),
                    },
                ],
                span: sp(),
            }),
            Block::List(List {
                ordered: true,
                start: 3,
                items: vec![
                    ListItem {
                        inlines: vec![t("three")],
                        children: vec![],
                        span: sp(),
                    },
                    ListItem {
                        inlines: vec![t("four")],
                        children: vec![],
                        span: sp(),
                    },
                ],
                span: sp(),
            }),
            Block::List(List {
                ordered: true,
                start: 1,
                items: vec![],
                span: sp(),
            }),
        ];
        let xml = tei(&d);
        let body = section(&xml, "<body>", "</body>");
        assert!(body.contains(
            "<list rend=\"bulleted\">\n        <item>a<list rend=\"bulleted\"><item>inner</item></list></item>\n        <item>b</item>\n      </list>"
        ), "{body}");
        assert!(body.contains(
            "<list rend=\"numbered\">\n        <item n=\"3\">three</item>\n        <item n=\"4\">four</item>\n      </list>"
        ), "{body}");
        assert_eq!(
            body.matches("<list").count(),
            3,
            "the empty list is left out: {body}"
        );
    }

    #[test]
    fn figures_quotes_and_lead_figure() {
        let mut d = Document::new("T");
        d.lead_figure = Some(Figure {
            alt: vec![t("A photo of a lead")],
            caption: Some(vec![t("Lead caption")]),
            span: sp(),
        });
        d.blocks = vec![
            Block::Figure(Figure {
                alt: vec![t("A map of <here>")],
                caption: None,
                span: sp(),
            }),
            Block::Figure(Figure {
                alt: vec![],
                caption: Some(vec![t("Caption only")]),
                span: sp(),
            }),
            Block::Quote(Quote {
                inlines: vec![t("Quoted & said")],
                span: sp(),
            }),
        ];
        let xml = tei(&d);
        let front = section(&xml, "<front>", "</front>");
        assert!(front.contains(
            "<figure>\n        <figDesc>A photo of a lead</figDesc>\n        <head>Lead caption</head>\n      </figure>"
        ), "{front}");
        let body = section(&xml, "<body>", "</body>");
        assert!(
            body.contains(
                "<figure>\n        <figDesc>A map of &lt;here&gt;</figDesc>\n      </figure>"
            ),
            "{body}"
        );
        assert!(
            body.contains("<figure>\n        <head>Caption only</head>\n      </figure>"),
            "{body}"
        );
        assert!(body.contains("<quote>Quoted &amp; said</quote>"), "{body}");
        assert!(!body.contains("<p/>"), "a quote is paragraph-level: {body}");
    }

    #[test]
    fn body_of_figures_and_rules_only_gets_an_empty_p() {
        let mut d = Document::new("T");
        d.blocks = vec![
            Block::Figure(Figure {
                alt: vec![t("A photo of x")],
                caption: None,
                span: sp(),
            }),
            Block::Rule(Rule { span: sp() }),
        ];
        let body = section(&tei(&d), "<body>", "</body>").to_string();
        assert!(
            body.ends_with("<milestone unit=\"section\"/>\n      <p/>\n    </body>"),
            "{body}"
        );
    }

    #[test]
    fn references_fields_backlinks_and_honest_links() {
        let mut d = Document::new("T");
        let raw = "A title; with semicolon; Some Site; 7 Mar 2018";
        d.references = vec![
            Reference::new(
                1,
                raw,
                vec![
                    RefField::new(RefFieldKind::Title, 0, 23, None),
                    RefField::new(RefFieldKind::Publisher, 25, 34, None),
                    RefField::new(RefFieldKind::Date, 36, raw.len(), Some("2018-03-07")),
                ],
                3,
            ),
            Reference::new(
                2,
                "Winter 1993/1994 & <more>",
                vec![RefField::new(RefFieldKind::Date, 0, 16, Some("1993/1994"))],
                1,
            ),
        ];
        // Reference 1 has three back-links but only markers 1 and 3 occur;
        // marker 9 has no reference.
        d.blocks = vec![Block::paragraph(vec![
            t("x"),
            Inline::cite(1, 1),
            t(" y"),
            Inline::cite(2, 1),
            Inline::cite(1, 3),
            t(" z"),
            Inline::cite(9, 1),
        ])];
        d.references_heading = Some(Heading {
            inlines: vec![t("Notes")],
            span: sp(),
        });
        let xml = tei(&d);
        let back = section(&xml, "<back>", "</back>");
        assert!(
            back.contains(
                "<div type=\"bibliogr\">\n        <head>Notes</head>\n        <listBibl>"
            ),
            "{back}"
        );
        assert!(back.contains(
            "<bibl xml:id=\"ref-1\" n=\"1\"><title>A title; with semicolon</title>; <publisher>Some Site</publisher>; \
             <date when=\"2018-03-07\">7 Mar 2018</date><ref type=\"backlink\" target=\"#cite-1-1\">[]</ref>\
             <ref type=\"backlink\">[]</ref><ref type=\"backlink\" target=\"#cite-1-3\">[]</ref></bibl>"
        ), "{back}");
        assert!(
            back.contains(
                "<bibl xml:id=\"ref-2\" n=\"2\"><date>Winter 1993/1994</date> &amp; &lt;more&gt;\
             <ref type=\"backlink\" target=\"#cite-2-1\">[]</ref></bibl>"
            ),
            "{back}"
        );
        assert!(xml.contains(" z<ref type=\"biblio\">9</ref></p>"), "{xml}");
        // Every character of raw survives, followed by one [] per back-link.
        let bibls = string_values(&xml, "bibl");
        assert_eq!(bibls[1], format!("{raw}[][][]"));
        assert_eq!(bibls[2], "Winter 1993/1994 & <more>[]");
    }

    #[test]
    fn no_supplied_heading_and_no_back_without_references() {
        let mut d = Document::new("T");
        assert!(!tei(&d).contains("<back>"));
        d.references = vec![Reference::new(1, "R", vec![], 0)];
        let xml = tei(&d);
        assert!(
            !xml.contains("<head>"),
            "TEI adds no text of its own: {xml}"
        );
        // Without markers, a reference's marker ends point nowhere: no @target.
        assert!(
            xml.contains("<bibl xml:id=\"ref-1\" n=\"1\">R</bibl>"),
            "{xml}"
        );
    }

    #[test]
    fn markers_without_any_reference_list_have_no_target() {
        let mut d = Document::new("T");
        d.blocks = vec![Block::paragraph(vec![t("a"), Inline::cite(4, 1)])];
        let xml = tei(&d);
        assert!(
            xml.contains("<p>a<ref type=\"biblio\">4</ref></p>"),
            "{xml}"
        );
        assert!(!xml.contains("xml:id=\"cite"));
    }

    #[test]
    fn broken_fields_never_lose_raw_text() {
        let mut d = Document::new("T");
        let raw = "Čapek; Kniha; 1990";
        d.references = vec![Reference::new(
            1,
            raw,
            vec![
                RefField::new(RefFieldKind::Author, 0, 6, None), // "Čapek" (Č is 2 bytes)
                RefField::new(RefFieldKind::Title, 3, 9, None),  // overlaps: skipped
                RefField::new(RefFieldKind::Title, 1, 1, None),  // empty / backwards: skipped
                RefField::new(RefFieldKind::Date, 15, 99, None), // out of range: skipped
                RefField::new(RefFieldKind::Publisher, 9, 8, None), // reversed: skipped
                RefField::new(RefFieldKind::Date, 15, 19, Some("1990")),
            ],
            0,
        )];
        let xml = tei(&d);
        assert!(xml.contains("<bibl xml:id=\"ref-1\" n=\"1\"><author>Čapek</author>; Kniha; <date when=\"1990\">1990</date></bibl>"), "{xml}");
        assert_eq!(string_values(&xml, "bibl")[1], raw);
        // A field ending inside a multi-byte character is skipped too.
        d.references[0].fields = vec![RefField::new(RefFieldKind::Author, 0, 1, None)];
        assert_eq!(string_values(&tei(&d), "bibl")[1], raw);
    }

    #[test]
    fn ids_are_unique() {
        let mut d = Document::new("T");
        d.references = vec![
            Reference::new(1, "A", vec![], 1),
            Reference::new(1, "dup", vec![], 0),
        ];
        d.blocks = vec![Block::paragraph(vec![
            Inline::cite(1, 1),
            Inline::cite(1, 1),
        ])];
        let xml = tei(&d);
        assert_eq!(xml.matches("xml:id=\"cite-1-1\"").count(), 1, "{xml}");
        assert_eq!(xml.matches("xml:id=\"ref-1\"").count(), 1, "{xml}");
        assert!(xml.contains("<bibl n=\"1\">dup</bibl>"), "{xml}");
    }

    #[test]
    fn metadata_in_header_escaped() {
        let mut d = Document::new("Deployment or occupation?");
        d.subtitle = Some(Title {
            text: "A <sub> & title".into(),
            span: sp(),
        });
        d.meta = Meta {
            lang: "cs".into(),
            author: Some("Jan ]]> Novák & <co>".into()),
            source_url: Some("https://ex.org/a b?x=1&y=\"2\"".into()),
            date: Some("2018-03-07".into()),
            license: Some("CC BY 4.0 <https://creativecommons.org/licenses/by/4.0/>".into()),
        };
        let xml = tei(&d);
        assert!(xml.contains("<TEI xmlns=\"http://www.tei-c.org/ns/1.0\" xml:lang=\"cs\">"));
        let title_stmt = section(&xml, "<titleStmt>", "</titleStmt>");
        assert!(title_stmt.contains("<title>Deployment or occupation?</title>"));
        assert!(title_stmt.contains("<title type=\"sub\">A &lt;sub&gt; &amp; title</title>"));
        assert!(
            title_stmt.contains("<author>Jan ]]&gt; Novák &amp; &lt;co&gt;</author>"),
            "{title_stmt}"
        );
        let pub_stmt = section(&xml, "<publicationStmt>", "</publicationStmt>");
        assert!(pub_stmt.contains(
            "<p>Licence of the source: CC BY 4.0 &lt;https://creativecommons.org/licenses/by/4.0/&gt;</p>"
        ), "{pub_stmt}");
        let src = section(&xml, "<sourceDesc>", "</sourceDesc>");
        assert!(src.contains(
            "<bibl><title>Deployment or occupation?</title> <title type=\"sub\">A &lt;sub&gt; &amp; title</title>. \
             <author>Jan ]]&gt; Novák &amp; &lt;co&gt;</author>. <date when=\"2018-03-07\">2018-03-07</date>. \
             <ref target=\"https://ex.org/a%20b?x=1&amp;y=%222%22\">https://ex.org/a b?x=1&amp;y=\"2\"</ref>\
             <availability><licence>CC BY 4.0 &lt;https://creativecommons.org/licenses/by/4.0/&gt;</licence></availability></bibl>"
        ), "{src}");
        assert!(xml.contains("<language ident=\"cs\"/>"));
        let front = section(&xml, "<docTitle>", "</docTitle>");
        assert!(
            front.contains("<titlePart type=\"sub\">A &lt;sub&gt; &amp; title</titlePart>"),
            "{front}"
        );
    }

    #[test]
    fn non_iso_date_has_no_when_and_url_licence_is_a_target() {
        let mut d = Document::new("T");
        d.meta.date = Some("Winter 1993".into());
        d.meta.license = Some("https://creativecommons.org/licenses/by/4.0/".into());
        let xml = tei(&d);
        assert!(xml.contains("<date>Winter 1993</date>"), "{xml}");
        assert!(xml.contains(
            "<licence target=\"https://creativecommons.org/licenses/by/4.0/\">https://creativecommons.org/licenses/by/4.0/</licence>"
        ), "{xml}");
    }

    #[test]
    fn invalid_metadata_is_rejected_naming_the_field() {
        let mut d = Document::new("T");
        d.meta.author = Some("bell\u{7}".into());
        let mut buf = Vec::new();
        let e = write_tei(&d, &mut buf).unwrap_err();
        assert!(
            matches!(&e, WriteError::Meta(m) if m.field == "author"),
            "{e:?}"
        );
        assert!(e.to_string().contains("`author`"), "{e}");
        assert!(
            buf.is_empty(),
            "nothing is written before metadata is checked"
        );
        d.meta.author = None;
        d.meta.lang = "en GB".into();
        assert!(
            write_tei(&d, &mut Vec::new())
                .unwrap_err()
                .to_string()
                .contains("`lang`")
        );
    }

    #[test]
    fn invalid_text_is_an_error_with_its_position() {
        let mut d = Document::new("T");
        d.blocks = vec![Block::paragraph(vec![Inline::Text {
            text: "a\u{1}".into(),
            span: Span::new(10, 12),
        }])];
        let e = write_tei(&d, &mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("U+0001") && e.contains("10..12"), "{e}");
    }

    #[test]
    fn empty_lang_is_undetermined() {
        let mut d = Document::new("T");
        d.meta.lang = String::new();
        let xml = tei(&d);
        assert!(
            xml.contains("xml:lang=\"und\"") && xml.contains("<language ident=\"und\"/>"),
            "{xml}"
        );
    }

    #[test]
    fn deterministic() {
        let mut d = Document::new("T");
        d.references = (1..=30)
            .map(|n| Reference::new(n, "R", vec![], 2))
            .collect();
        d.blocks = vec![Block::paragraph(
            (1..=30)
                .flat_map(|n| [t("w"), Inline::cite(n, 1), Inline::cite(n, 2)])
                .collect(),
        )];
        let a = tei(&d);
        for _ in 0..5 {
            assert_eq!(tei(&d), a);
        }
    }

    #[test]
    fn version_is_a_tei_version() {
        let v = application_version();
        assert!(
            !v.is_empty()
                && v.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
            "{v}"
        );
    }
}
