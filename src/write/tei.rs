//! TEI P5 output (FORMAT.md §5), valid against `tei_all.rng` and against
//! the TEI Lite and TEI Simple Print schemas (one output for all three).
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
//!     encodingDesc/editorialDecl/p  how the text was made, with refolio's version
//!     profileDesc/langUsage/language[@ident]
//!   text
//!     front           docTitle/titlePart[@type=main|sub], lead figure?
//!     body            blocks before the first heading, then
//!                     div[@type=section] (head, blocks) per section
//!     back?           div[@type=bibliogr] (head, listBibl/bibl[@xml:id][@n])
//! ```
//!
//! Blocks: paragraph → `p`; list → `list[@type=bulleted|ordered]/item`
//! (ordered items carry their number in `@n`; a nested list stands inside
//! its item after the item's text); figure → `figure` with `figDesc` (alt)
//! and `head` (caption); quote → `q` (TEI Lite has no `quote`); rule →
//! `milestone[@unit=section]`.
//!
//! Inlines: text is escaped text (quotation marks stay characters);
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
//! `item`, `figDesc`, `q`, `bibl`, `title`, …) never gets added white
//! space. The same document always gives the same bytes.

use crate::ast::walk::{walk_body, walk_item, walk_list, walk_section};
use crate::ast::{
    Document, Figure, Heading, Inline, List, ListItem, Paragraph, Quote, RawPart, RefFieldKind,
    Reference, Rule, Section, Visit,
};
use crate::error::WriteError;
use crate::write::identifier;
use crate::write::links::{Links, at, present};
use crate::write::xml::{Piece, XmlWriter, is_w3c_date, uri_attr};
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
pub fn write_tei(
    doc: &Document,
    settings: TeiSettings,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    doc.meta.validate()?;
    let mut w = XmlWriter::new(out);
    w.declaration()?;
    w.processing_instruction(XML_MODEL)?;
    tei_element(&mut w, doc, None, settings)?;
    w.finish()
}

/// Which TEI customisation the output keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TeiProfile {
    /// One output valid against `tei_all`, TEI Lite and TEI Simple Print:
    /// references as `bibl` with their fields wrapped inside the text.
    #[default]
    Portable,
    /// `tei_all` only: references as GROBID-shaped `biblStruct` (neither
    /// TEI Lite nor TEI Simple Print has `biblStruct`), for the tools that
    /// read structure (the TEI→JATS crosswalk, GROBID-oriented readers).
    All,
}

/// What a TEI document is written with.
#[derive(Debug, Clone, Copy, Default)]
pub struct TeiSettings {
    /// The time of the conversion (`SOURCE_DATE_EPOCH`), for the header's
    /// `revisionDesc/change/@when` and publication date; without it they
    /// carry no date (never the clock's).
    pub timestamp: Option<i64>,
    /// The customisation.
    pub profile: TeiProfile,
    /// How doubtful the resolver's decisions were (one article only).
    pub review: Option<crate::write::ReviewSummary>,
}

/// The `xml-model` processing instruction that names the schema (TEI All;
/// the output also passes TEI Lite and TEI Simple Print).
pub const XML_MODEL: &str = "xml-model href=\"http://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng\" type=\"application/xml\" schematypens=\"http://relaxng.org/ns/structure/1.0\"";

/// The statement of responsibility for the conversion, in every title
/// statement refolio writes.
const CONVERSION_RESP: &str = "conversion of the flattened text to TEI";

/// The URL of a licence given by its name (`CC BY 4.0`, `CC-BY-SA-4.0`,
/// `CC0 1.0`, case and separators free), for `licence/@target`; `None` for
/// a name refolio does not know (the licence stays prose).
pub fn licence_url(name: &str) -> Option<String> {
    let key: String = name
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = key.split_whitespace().collect();
    let (first, rest) = words.split_first()?;
    if *first == "cc0" {
        return matches!(rest, [] | ["1.0"])
            .then(|| "https://creativecommons.org/publicdomain/zero/1.0/".to_string());
    }
    if *first != "cc" {
        return None;
    }
    let (version, kinds) = rest.split_last()?;
    if !matches!(*version, "4.0" | "3.0" | "2.5" | "2.0" | "1.0") {
        return None;
    }
    let kinds = kinds.join("-");
    let allowed = ["by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd"];
    allowed
        .contains(&kinds.as_str())
        .then(|| format!("https://creativecommons.org/licenses/{kinds}/{version}/"))
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
    settings: TeiSettings,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let identifier = identifier::content_identifier(docs);
    let heads = crate::write::head::heads_of(docs, crate::write::Format::Tei);
    let chapters = docs.iter().map(|d| std::borrow::Cow::Borrowed(*d));
    write_tei_corpus_of(&heads, identifier, chapters, book, settings, out)
}

/// [`write_tei_corpus`] of `chapters`, given one at a time as the writer
/// reaches them (each given owned is freed once written), so that they
/// need not all be held at once. `heads` are the same chapters as far as
/// the corpus header reads them (their metadata:
/// [`crate::write::ChapterHead`]), and
/// `identifier` their content identifier
/// ([`crate::write::ContentIdentifier`]), which the header carries before
/// the first is written; as many heads as chapters
/// ([`crate::write::render_book_into`] checks).
pub fn write_tei_corpus_of<'d>(
    heads: &[crate::write::ChapterHead],
    identifier: uuid::Uuid,
    chapters: impl ExactSizeIterator<Item = std::borrow::Cow<'d, Document>>,
    book: &crate::write::BookMeta,
    settings: TeiSettings,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let docs = heads;
    let timestamp = settings.timestamp;
    if docs.is_empty() {
        return Err(WriteError::Request(
            "a TEI corpus needs at least one article".into(),
        ));
    }
    crate::write::xml::check_chars("the book title", &book.title)?;
    let first = docs.first().map(|h| &*h.meta);
    let corpus_meta = book.cover(first).meta;
    corpus_meta.validate()?;
    for d in docs {
        d.meta.validate()?;
    }
    let lang = book.language(first);
    let mut w = XmlWriter::new(out);
    w.declaration()?;
    w.processing_instruction(XML_MODEL)?;
    w.start("teiCorpus", &[("xmlns", TEI_NS), ("xml:lang", lang)])?;
    w.start("teiHeader", &[])?;
    w.start("fileDesc", &[])?;
    w.start("titleStmt", &[])?;
    w.text_element("title", &[("type", "main")], &book.title)?;
    if let Some(sub) = present(&book.subtitle) {
        w.text_element("title", &[("type", "sub")], sub)?;
    }
    if let Some(author) = present(&book.meta.author) {
        w.text_element("author", &[], author)?;
    }
    resp_stmt(&mut w)?;
    w.end()?;
    w.start("publicationStmt", &[])?;
    w.start_mixed("p", &[])?;
    w.text(CORPUS_PUBLICATION_STATEMENT)?;
    w.text(" Identifier: ")?;
    w.text_element("idno", &[("type", "UUID")], &identifier.to_string())?;
    w.end()?;
    if let Some(date) = present(&book.meta.date) {
        w.start_mixed("p", &[])?;
        w.text("Date of the collection: ")?;
        if is_w3c_date(date) {
            w.text_element("date", &[("when", date)], date)?;
        } else {
            w.text_element("date", &[], date)?;
        }
        w.end()?;
    }
    if let Some(licence) = present(&book.meta.license) {
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
    encoding_and_profile(&mut w, lang, None)?;
    revision_desc(&mut w, timestamp)?;
    w.end()?; // teiHeader
    for (i, d) in chapters.enumerate() {
        tei_element(&mut w, &d, Some(&corpus_article_id(i)), settings)?;
    }
    w.end()?; // teiCorpus
    w.finish()
}

/// One `TEI` element: standalone (with the namespace), or the article with
/// id `id` of a corpus (ids and targets inside prefixed with `id-`).
fn tei_element(
    w: &mut XmlWriter,
    doc: &Document,
    id: Option<&str>,
    settings: TeiSettings,
) -> Result<(), WriteError> {
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
    header(w, doc, lang, settings)?;
    w.start("text", &[])?;
    front(w, &mut links, doc, settings.profile)?;
    body(w, &mut links, doc, settings.profile)?;
    back(w, &mut links, doc, settings.profile)?;
    w.end()?; // text
    w.end() // TEI
}

/// refolio's version in the form TEI's `application/@version` accepts
/// (`0.1.0`; a pre-release or build suffix is dropped).
pub fn application_version() -> &'static str {
    let v = env!("CARGO_PKG_VERSION");
    v.split(['-', '+']).next().unwrap_or(v)
}

fn header(
    w: &mut XmlWriter,
    doc: &Document,
    lang: &str,
    settings: TeiSettings,
) -> Result<(), WriteError> {
    let timestamp = settings.timestamp;
    let m = &doc.meta;
    w.start("teiHeader", &[])?;
    w.start("fileDesc", &[])?;

    w.start("titleStmt", &[])?;
    w.text_element("title", &[("type", "main")], &doc.title.text)
        .map_err(at(doc.title.span))?;
    if let Some(sub) = &doc.subtitle {
        w.text_element("title", &[("type", "sub")], &sub.text)
            .map_err(at(sub.span))?;
    }
    if let Some(author) = present(&m.author) {
        w.text_element("author", &[], author)?;
    }
    resp_stmt(w)?;
    w.end()?;

    let id = identifier::content_identifier(&[doc]);
    publication_stmt(w, present(&m.publisher), id, present(&m.license), timestamp)?;

    w.start("sourceDesc", &[])?;
    w.start_mixed("bibl", &[])?;
    let mut sep = Separator::default();
    sep.element(w, "title", &[("level", "a")], &doc.title.text)?;
    if let Some(sub) = &doc.subtitle {
        sep.element(w, "title", &[("level", "a"), ("type", "sub")], &sub.text)?;
    }
    if let Some(author) = present(&m.author) {
        sep.element(w, "author", &[], author)?;
    }
    if let Some(site) = present(&m.source_title) {
        sep.element(w, "title", &[("level", "m")], site)?;
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
    if let Some(accessed) = present(&m.accessed) {
        let label = format!("accessed {accessed}");
        match is_w3c_date(accessed) {
            true => sep.element(
                w,
                "date",
                &[("type", "accessed"), ("when", accessed)],
                &label,
            )?,
            false => sep.element(w, "date", &[("type", "accessed")], &label)?,
        }
    }
    if let Some(licence) = present(&m.license) {
        w.start("availability", &[])?;
        licence_element(w, licence)?;
        w.end()?;
    }
    w.end()?; // bibl
    w.end()?; // sourceDesc
    w.end()?; // fileDesc

    encoding_and_profile(w, lang, settings.review)?;
    revision_desc(w, timestamp)?;
    w.end() // teiHeader
}

/// `licence`, with `@target` when it is a URL or a Creative Commons name.
fn licence_element(w: &mut XmlWriter, licence: &str) -> Result<(), WriteError> {
    let l = licence.trim();
    if l.starts_with("http://") || l.starts_with("https://") {
        w.text_element("licence", &[("target", &uri_attr(l))], licence)
    } else if let Some(url) = licence_url(l) {
        w.text_element("licence", &[("target", &url)], licence)
    } else {
        w.text_element("licence", &[], licence)
    }
}

/// The day of `timestamp` (`YYYY-MM-DD`, UTC).
fn day(timestamp: Option<i64>) -> Option<String> {
    let t = chrono::DateTime::from_timestamp(timestamp?, 0)?;
    Some(t.format("%Y-%m-%d").to_string())
}

/// `publicationStmt`: with a publisher, the structured form (`publisher`,
/// the date of the conversion when known, `idno[@type=UUID]`,
/// `availability/licence`); without one, refolio's statement that it
/// converted and did not publish the text, the identifier inside it, and
/// the source's licence.
fn publication_stmt(
    w: &mut XmlWriter,
    publisher: Option<&str>,
    id: uuid::Uuid,
    licence: Option<&str>,
    timestamp: Option<i64>,
) -> Result<(), WriteError> {
    let id = id.to_string();
    w.start("publicationStmt", &[])?;
    match publisher {
        Some(publisher) => {
            w.text_element("publisher", &[], publisher)?;
            if let Some(day) = day(timestamp) {
                w.text_element("date", &[("when", &day)], &day)?;
            }
            w.text_element("idno", &[("type", "UUID")], &id)?;
            if let Some(licence) = licence {
                w.start("availability", &[])?;
                licence_element(w, licence)?;
                w.end()?;
            }
        }
        None => {
            w.start_mixed("p", &[])?;
            w.text(PUBLICATION_STATEMENT)?;
            w.text(" Identifier: ")?;
            w.text_element("idno", &[("type", "UUID")], &id)?;
            w.end()?;
            if let Some(licence) = licence {
                w.text_element("p", &[], &format!("Licence of the source: {licence}"))?;
            }
        }
    }
    w.end()
}

/// `revisionDesc`: one `change`, the conversion, dated when the time of
/// the conversion is known.
fn revision_desc(w: &mut XmlWriter, timestamp: Option<i64>) -> Result<(), WriteError> {
    w.start("revisionDesc", &[])?;
    let text = format!(
        "Converted from the flattened text by refolio {}.",
        application_version()
    );
    match day(timestamp) {
        Some(day) => w.text_element("change", &[("when", &day)], &text)?,
        None => w.text_element("change", &[], &text)?,
    }
    w.end()
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

fn front(
    w: &mut XmlWriter,
    links: &mut Links,
    doc: &Document,
    profile: TeiProfile,
) -> Result<(), WriteError> {
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
        TeiText::new(w, links, profile).visit_figure(fig)?;
    }
    w.end()
}

fn body(
    w: &mut XmlWriter,
    links: &mut Links,
    doc: &Document,
    profile: TeiProfile,
) -> Result<(), WriteError> {
    w.start("body", &[])?;
    let mut text = TeiText::new(w, links, profile);
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
    profile: TeiProfile,
    /// Whether a paragraph-level block (`model.common`: `p`, `quote`, a
    /// list with items) has been written.
    common: bool,
}

impl<'s, 'w> TeiText<'s, 'w> {
    fn new(w: &'s mut XmlWriter<'w>, links: &'s mut Links, profile: TeiProfile) -> Self {
        TeiText {
            w,
            links,
            profile,
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
        // `q`, not `quote`: TEI Lite has no `quote`.
        self.mixed("q", &q.inlines)
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
        // `@type`, not `@rend`: TEI Simple Print allows no `rend` here.
        let kind = if l.ordered { "ordered" } else { "bulleted" };
        self.w.start("list", &[("type", kind)])?;
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
        self::inlines(self.w, self.links, self.profile, inlines)
    }
}

fn has_content(inlines: &[Inline]) -> bool {
    inlines
        .iter()
        .any(|i| !matches!(i, Inline::Text { text, .. } if text.is_empty()))
}

/// Inline content. A citation marker is `ref[@type=biblio]`; in the `all`
/// profile it carries `rendition="simple:superscript"` (TEI Simple's
/// predefined rendition), the hint a renderer needs to raise it. The
/// portable output has none: TEI Lite allows only `@rend` there, TEI Simple
/// Print only `@rendition`.
fn inlines(
    w: &mut XmlWriter,
    links: &mut Links,
    profile: TeiProfile,
    inlines: &[Inline],
) -> Result<(), WriteError> {
    for inline in inlines {
        match inline {
            Inline::Text { text, span } => w.text(text).map_err(at(*span))?,
            Inline::Cite { n, occurrence, .. } => {
                let linked = links.has_reference(*n);
                let with_id = linked && links.claim_marker_id(*n, *occurrence);
                let (target, id) = (links.ref_target(*n), links.cite_id(*n, *occurrence));
                let mut attrs: [(&str, &[Piece]); 4] = [("type", &[Piece::Plain("biblio")]); 4];
                let mut len = 1;
                if linked {
                    attrs[len] = ("target", &target);
                    len += 1;
                }
                if with_id {
                    attrs[len] = ("xml:id", &id);
                    len += 1;
                }
                if profile == TeiProfile::All {
                    attrs[len] = ("rendition", &[Piece::Plain("simple:superscript")]);
                    len += 1;
                }
                w.text_element_pieces("ref", &attrs[..len], &[Piece::Number((*n).into())])?;
            }
            Inline::Link { url, span } => {
                w.text_element("ref", &[("target", &uri_attr(url))], url)
                    .map_err(at(*span))?;
            }
        }
    }
    Ok(())
}

fn back(
    w: &mut XmlWriter,
    links: &mut Links,
    doc: &Document,
    profile: TeiProfile,
) -> Result<(), WriteError> {
    if doc.references.is_empty() && doc.references_heading.is_none() {
        return Ok(());
    }
    w.start("back", &[])?;
    w.start("div", &[("type", "bibliogr")])?;
    // The source's heading; without one, a heading marked as supplied by
    // refolio (renderers otherwise title the section "Appendix A").
    match &doc.references_heading {
        Some(h) => {
            w.start_mixed("head", &[])?;
            inlines(w, links, profile, &h.inlines)?;
            w.end()?;
        }
        None => w.text_element(
            "head",
            &[("type", "supplied")],
            crate::write::xhtml::DEFAULT_REFERENCES_HEADING,
        )?,
    }
    if !doc.references.is_empty() {
        w.start("listBibl", &[])?;
        let mut ids = HashSet::new();
        for r in &doc.references {
            let with_id = ids.insert(r.n);
            match profile {
                TeiProfile::Portable => bibl(w, links, r, with_id),
                TeiProfile::All => bibl_struct(w, links, r, with_id),
            }
            .map_err(at(r.span))?;
        }
        w.end()?;
    }
    w.end()?;
    w.end()
}

/// One reference as `bibl`: its raw text exactly, recognised fields
/// wrapped (`title`, `author`, `publisher`, `date[@when]`), then the
/// back-links. Fields that are out of order, overlapping, empty or not on
/// character boundaries are written as plain text, so `raw` always
/// survives whole.
fn bibl(w: &mut XmlWriter, links: &Links, r: &Reference, with_id: bool) -> Result<(), WriteError> {
    let n = r.n.to_string();
    let mut id = String::new();
    links.push_ref_id(&mut id, r.n);
    if with_id {
        w.start_mixed("bibl", &[("xml:id", &id), ("n", &n)])?;
    } else {
        w.start_mixed("bibl", &[("n", &n)])?;
    }
    for part in r.raw_parts() {
        let (f, part) = match part {
            RawPart::Text(text) => {
                w.text(text)?;
                continue;
            }
            RawPart::Field(f, text) => (f, text),
        };
        match f.kind {
            RefFieldKind::Title => w.text_element("title", &[], part)?,
            RefFieldKind::Author => w.text_element("author", &[], part)?,
            RefFieldKind::Publisher => w.text_element("publisher", &[], part)?,
            RefFieldKind::Date => match f.iso.as_deref().filter(|d| is_w3c_date(d)) {
                Some(iso) => w.text_element("date", &[("when", iso)], part)?,
                None => w.text_element("date", &[], part)?,
            },
        }
    }
    backlinks(w, links, r)?;
    w.end()
}

/// One `<ref type="backlink">` per back-link; each keeps its token as the
/// source wrote it (`[]`, `↩︎`, …).
fn backlinks(w: &mut XmlWriter, links: &Links, r: &Reference) -> Result<(), WriteError> {
    for (k, b) in r.backlinks.iter().enumerate() {
        let k = u32::try_from(k + 1).unwrap_or(u32::MAX);
        let target = links.cite_target(r.n, k);
        let attrs: [(&str, &[Piece]); 2] =
            [("type", &[Piece::Plain("backlink")]), ("target", &target)];
        let len = if links.has_marker(r.n, k) { 2 } else { 1 };
        w.start_mixed_pieces("ref", &attrs[..len])?;
        w.text(&b.token)?;
        w.end()?;
    }
    Ok(())
}

/// One reference as a `biblStruct` (TEI Guidelines §3.12.2, in the shape
/// GROBID writes and its readers expect), for the `all` profile:
/// `analytic` with `title[@level=a][@type=main]` and the authors,
/// `monogr/imprint` with the publisher and `date[@type=published]`, the
/// entry's text whole in `note[@type=raw_reference]`, then the back-links.
/// The site or publication an entry names is its publisher: refolio cannot
/// tell a newspaper from a web site, so it writes no `monogr/title`.
/// An entry with no recognised field is a `bibl` (see [`bibl`]).
fn bibl_struct(
    w: &mut XmlWriter,
    links: &Links,
    r: &Reference,
    with_id: bool,
) -> Result<(), WriteError> {
    let parts = r.raw_parts();
    let fields: Vec<(&crate::ast::RefField, &str)> = parts
        .iter()
        .filter_map(|p| match p {
            RawPart::Field(f, text) => Some((*f, *text)),
            RawPart::Text(_) => None,
        })
        .collect();
    if fields.is_empty() {
        return bibl(w, links, r, with_id);
    }
    let n = r.n.to_string();
    let mut id = String::new();
    links.push_ref_id(&mut id, r.n);
    if with_id {
        w.start("biblStruct", &[("xml:id", &id), ("n", &n)])?;
    } else {
        w.start("biblStruct", &[("n", &n)])?;
    }
    let of = |kind: RefFieldKind| fields.iter().filter(move |(f, _)| f.kind == kind);
    if of(RefFieldKind::Title).next().is_some() || of(RefFieldKind::Author).next().is_some() {
        w.start("analytic", &[])?;
        for (_, title) in of(RefFieldKind::Title) {
            w.text_element("title", &[("level", "a"), ("type", "main")], title)?;
        }
        for (_, author) in of(RefFieldKind::Author) {
            author_element(w, author)?;
        }
        w.end()?;
    }
    w.start("monogr", &[])?;
    w.start("imprint", &[])?;
    let mut imprint = false;
    for (_, publisher) in of(RefFieldKind::Publisher) {
        w.text_element("publisher", &[], publisher)?;
        imprint = true;
    }
    for (f, date) in of(RefFieldKind::Date) {
        let published = ("type", "published");
        match (f.iso.as_deref().filter(|d| is_w3c_date(d)), years(date)) {
            (Some(iso), _) => w.text_element("date", &[published, ("when", iso)], date)?,
            (None, Some((year, None))) => {
                w.text_element("date", &[published, ("when", &year)], date)?
            }
            (None, Some((from, Some(to)))) => {
                w.text_element("date", &[published, ("from", &from), ("to", &to)], date)?
            }
            (None, None) => w.text_element("date", &[published], date)?,
        }
        imprint = true;
    }
    if !imprint {
        // `imprint` needs a child; an empty date says "not known".
        w.empty("date", &[])?;
    }
    w.end()?; // imprint
    w.end()?; // monogr
    w.text_element("note", &[("type", "raw_reference")], &r.raw)?;
    backlinks(w, links, r)?;
    w.end()
}

/// The year of a date that is not ISO (`Spring 1988` → 1988), or the two
/// years of a span (`Winter 1993/1994`, `1993–94` is not read) → from, to.
fn years(text: &str) -> Option<(String, Option<String>)> {
    let mut found: Vec<(usize, &str)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            if run.len() == 4 && matches!(bytes[start], b'1' | b'2') {
                found.push((start, run));
            }
        } else {
            i += 1;
        }
    }
    match found.as_slice() {
        [(_, y)] => Some((y.to_string(), None)),
        [(a, y1), (b, y2)] if y1 < y2 => {
            let between = text[a + 4..*b].trim();
            matches!(between, "/" | "-" | "–" | "—").then(|| (y1.to_string(), Some(y2.to_string())))
        }
        _ => None,
    }
}

/// Words that make an author field an organisation, not a person.
const ORGANISATION_WORDS: &[&str] = &[
    "agency",
    "archive",
    "archives",
    "association",
    "board",
    "bureau",
    "centre",
    "center",
    "college",
    "commission",
    "committee",
    "company",
    "council",
    "department",
    "foundation",
    "government",
    "inc",
    "institute",
    "library",
    "ltd",
    "ministry",
    "museum",
    "news",
    "office",
    "press",
    "service",
    "society",
    "staff",
    "team",
    "university",
];

/// An author: `persName` with `forename[@type=first|middle]` and `surname`
/// when the field reads as one person's name (two to four words, each
/// starting with a capital letter, or a lower-case particle such as `van`,
/// no digits, no organisation word), else `orgName`.
fn author_element(w: &mut XmlWriter, author: &str) -> Result<(), WriteError> {
    let words: Vec<&str> = author.split_whitespace().collect();
    let particle = |word: &str| {
        matches!(
            word,
            "van"
                | "von"
                | "de"
                | "der"
                | "den"
                | "da"
                | "del"
                | "della"
                | "di"
                | "du"
                | "la"
                | "le"
                | "ten"
                | "ter"
                | "zu"
        )
    };
    let capital = |word: &str| word.chars().next().is_some_and(char::is_uppercase);
    let person = (2..=4).contains(&words.len())
        && !author.chars().any(|c| c.is_ascii_digit())
        && words.iter().all(|word| capital(word) || particle(word))
        && capital(words[0])
        && capital(words[words.len() - 1])
        && !words.iter().any(|word| {
            let lower = word
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            ORGANISATION_WORDS.contains(&lower.as_str())
        });
    w.start("author", &[])?;
    if person {
        w.start_mixed("persName", &[])?;
        let (surname, forenames) = words.split_last().expect("two to four words");
        // Particles belong to the surname (`Ludwig van Beethoven`).
        let cut = forenames
            .iter()
            .position(|word| particle(word))
            .unwrap_or(forenames.len());
        for (i, name) in forenames[..cut].iter().enumerate() {
            let kind = if i == 0 { "first" } else { "middle" };
            w.text_element("forename", &[("type", kind)], name)?;
            w.text(" ")?;
        }
        let surname = forenames[cut..]
            .iter()
            .chain(std::iter::once(surname))
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        w.text_element("surname", &[], &surname)?;
        w.end()?;
    } else {
        w.text_element("orgName", &[], author.trim())?;
    }
    w.end()
}

/// The end of every header refolio writes: `encodingDesc` naming refolio
/// and its version, and `profileDesc` with the language.
/// `respStmt`: refolio made the TEI.
fn resp_stmt(w: &mut XmlWriter) -> Result<(), WriteError> {
    w.start("respStmt", &[])?;
    w.text_element("resp", &[], CONVERSION_RESP)?;
    w.text_element("name", &[], "refolio")?;
    w.end()
}

/// How the text was made, in one sentence of the header; with a review
/// summary, a second sentence on how sure the citations are.
fn editorial_statement(review: Option<crate::write::ReviewSummary>) -> String {
    let mut s = format!(
        "Converted by refolio {} from an article flattened to plain text: \
         citation numbers that the flattening had glued to the text were \
         recovered and written as ref elements pointing into the reference \
         list, whose back-links are kept as they stood.",
        application_version()
    );
    if let Some(r) = review {
        let readings = match r.decisions {
            1 => "1 reading".to_string(),
            n => format!("{n} readings"),
        };
        s.push_str(&format!(
            " Of the {readings} that had an alternative, {} had a margin below {} \
             (log-odds) and were listed for review.",
            r.doubtful, r.below
        ));
    }
    s
}

fn encoding_and_profile(
    w: &mut XmlWriter,
    lang: &str,
    review: Option<crate::write::ReviewSummary>,
) -> Result<(), WriteError> {
    // `editorialDecl`, not `appInfo`: TEI Lite and TEI Simple Print have
    // no `appInfo`, and one header passes all three schemas.
    w.start("encodingDesc", &[])?;
    w.start("editorialDecl", &[])?;
    w.text_element("p", &[], &editorial_statement(review))?;
    w.end()?;
    w.end()?;
    w.start("profileDesc", &[])?;
    w.start("langUsage", &[])?;
    w.empty("language", &[("ident", lang)])?;
    w.end()?;
    w.end()
}

#[cfg(test)]
mod tests;
