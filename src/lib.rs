//! refolio turns footnoted web articles, flattened to plain text, into TEI P5
//! XML, EPUB 3 and PDF (and JSON, and the article format written back).
//!
//! # The pipeline
//!
//! ```text
//! bytes ─ read ─▶ Source ─ parse ─▶ Document (plain inlines) + LogicalText
//!                                      │
//!                              resolve │ citations found, under the reference
//!                                      ▼ list's constraints
//!                                   Document (the model, `ast`)
//!                                      │
//!              render(docs, Format, WriteOptions) ─▶ Rendered { bytes, diagnostics }
//!               ├─ TEI, XHTML/EPUB, JSON, article: straight from the model
//!               └─ PDF: layout (paragraphs set, pages filled) ─▶ printpdf + post-pass
//! ```
//!
//! 1. **read**: [`source::Source`] decodes the bytes (UTF-8, BOM, line
//!    ends) and maps byte offsets to `line:column` for diagnostics;
//! 2. **parse**: [`parse()`], a nom grammar of FORMAT.md, recognises the
//!    blocks (title, figures, headings, lists, quotes, rules, paragraphs,
//!    the reference list) and builds an [`ast::Document`] whose inline text
//!    is still plain, with one [`LogicalText`] per run of text that may hold
//!    glued citation numbers;
//! 3. **resolve**: [`resolve()`] finds those numbers under the constraints
//!    of the reference list (`[]` back-link counts, first-occurrence order)
//!    and the number conventions of FORMAT.md §4, and rewrites the inlines
//!    into text, citations and links;
//! 4. **model**: the [`ast`] is the contract between the two halves; every
//!    writer reads only the model, through one walk ([`ast::walk`]);
//! 5. **writers**: [`write::render`] is the one entrance to every format;
//! 6. **layout and PDF**: the PDF writer sets the pages first (shaping,
//!    Knuth–Plass lines with hyphenation, pagination) and then writes them
//!    through printpdf.
//!
//! [`parse_article`] runs steps 1–3 at once. Everything not named here is
//! internal to the crate.
//!
//! ```
//! use refolio::write::{Format, WriteOptions, render};
//! let article = "A title\n\nSome text1.\n\n  1. A source; Publisher; 2020-01-01[]\n";
//! let parsed = refolio::parse_article("example.txt", article.as_bytes().to_vec(),
//!     refolio::ast::Meta::default(), &refolio::ParseOptions::default()).unwrap();
//! assert_eq!(parsed.document.references.len(), 1);
//! let tei = render(&[&parsed.document], Format::Tei, &WriteOptions::default()).unwrap();
//! let tei = String::from_utf8(tei.bytes).unwrap();
//! assert!(tei.contains(r##"<ref type="biblio" target="#ref-1" xml:id="cite-1-1">1</ref>"##));
//! ```
#![deny(missing_docs)]

pub mod allocator;
pub mod ast;
mod bytes;
mod chunked;
pub mod diag;
pub mod error;
mod groups;
mod layout;
mod markers;
mod parse;
mod resolve;
pub mod source;
mod temp_file;
pub mod write;

pub use markers::text::LogicalText;
pub use parse::{ParseOutput, parse};
pub use resolve::{Decision, Resolution, resolve};

use ast::{Document, Meta};
use diag::Diagnostic;
use error::InputError;
use source::Source;

/// How to read an article.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Replace invalid UTF-8 with U+FFFD (with a warning) instead of failing.
    pub lossy: bool,
    /// Phrases that open a figure's alt text (see `styles/default/alt-phrases.txt`).
    pub alt_phrases: Vec<String>,
    /// Inputs larger than this many bytes are refused (and any larger
    /// than 4 GiB: [`ast::Span`]s are 32-bit, see [`MAX_INPUT_BYTES`]).
    pub max_input_bytes: u64,
    /// Work out the margin of every decision (FORMAT.md §4): each
    /// citation's [`ast::Margin`]. It costs a second pass of the resolver
    /// (resolution takes about 1.6 times as long), so it is off unless
    /// asked for: the JSON output asks for it.
    pub margins: bool,
    /// Also describe every decision in words, with its margin
    /// ([`Parsed::decisions`]; implies `margins`): what `--review` and
    /// `check --json` print. Off unless asked for: a large article's
    /// decisions take some 100 bytes each.
    pub decisions: bool,
}

/// The alt-text phrases of the default style.
pub const DEFAULT_ALT_PHRASES: &str = include_str!("../styles/default/alt-phrases.txt");

/// Reads an alt-phrase list: one phrase per line, `#` comments, blank lines ignored.
pub fn read_alt_phrases(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            lossy: false,
            alt_phrases: read_alt_phrases(DEFAULT_ALT_PHRASES),
            max_input_bytes: 256 * 1024 * 1024,
            margins: false,
            decisions: false,
        }
    }
}

/// A parsed and resolved article with everything said about it.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The document, ready for any writer.
    pub document: Document,
    /// The decoded input, for rendering diagnostics. A hard-wrapped
    /// paragraph's lines are joined there with one space: its line feeds
    /// written over ([`Source::join_lines_at`]), or, when its lines end in
    /// CR LF or are indented, its lines moved (see [`Source::text`]):
    /// [`Source::original_text`] gives the text as read, the one spans
    /// point into.
    pub source: Source,
    /// Warnings and errors about the input, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The resolver's decisions with their margins, in reading order
    /// (what `--review` lists); empty unless [`ParseOptions::decisions`]
    /// was set.
    pub decisions: Vec<resolve::Decision>,
}

impl Parsed {
    /// The resolver's decisions whose margin is below `below`, smallest
    /// margin first, as `refolio check --review` prints them:
    /// `NAME:LINE:COL: review: read …; alternative: … (margin M)`.
    pub fn review_lines(&self, below: f32) -> Vec<String> {
        let mut doubtful: Vec<_> = self.decisions.iter().filter(|d| d.margin < below).collect();
        doubtful.sort_by(|a, b| {
            a.margin
                .total_cmp(&b.margin)
                .then(a.span.start.cmp(&b.span.start))
        });
        doubtful
            .into_iter()
            .map(|d| {
                let (line, col) = self.source.line_col(d.span.start as usize);
                let at = d.elsewhere.map_or(String::new(), |s| {
                    let (l, c) = self.source.line_col(s.start as usize);
                    format!(" at {l}:{c}")
                });
                format!(
                    "{}:{line}:{col}: review: read {}; alternative: {}{at} (margin {:.2})",
                    self.source.name, d.read, d.alternative, d.margin
                )
            })
            .collect()
    }

    /// True if any diagnostic is an error (the input disagrees with itself).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == diag::Severity::Error)
    }
}

/// The largest input [`parse_article`] reads, whatever
/// [`ParseOptions::max_input_bytes`] says: 4 GiB − 1, the last offset a
/// 32-bit [`ast::Span`] holds.
pub const MAX_INPUT_BYTES: u64 = u32::MAX as u64;

/// Decodes, parses and resolves one article.
///
/// refolio's own Markdown (`-t markdown`) is read as such, nothing to
/// resolve: a name ending in `.md` or `.markdown`, or a text that opens
/// with a YAML front matter holding a `title`, or has a footnote definition
/// line (`[^1]: …`).
///
/// Fails only when the input cannot be read as an article at all (invalid
/// UTF-8 without `lossy`, empty, too large); everything else is a diagnostic.
pub fn parse_article(
    name: &str,
    bytes: Vec<u8>,
    meta: Meta,
    opts: &ParseOptions,
) -> Result<Parsed, InputError> {
    let limit = opts.max_input_bytes.min(MAX_INPUT_BYTES);
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            name: name.to_string(),
            size: bytes.len() as u64,
            limit,
        });
    }
    let (mut source, mut diagnostics) = Source::decode(name, bytes, opts.lossy)?;
    if parse::markdown::looks_like_markdown(name, &source.text) {
        // refolio's Markdown: every citation is written out, nothing to resolve.
        let (document, mut more) = parse::markdown::read(&source, meta);
        diagnostics.append(&mut more);
        if document.title.text.trim().is_empty() && document.all_blocks().next().is_none() {
            return Err(InputError::Empty {
                name: name.to_string(),
            });
        }
        return Ok(Parsed {
            document,
            source,
            diagnostics,
            decisions: Vec::new(),
        });
    }
    // The blocks first, their texts kept as pieces of the source or
    // waiting; then a hard-wrapped paragraph's lines joined in the source
    // itself, so that its text is a piece of the source as a one-line
    // paragraph's is, not a copy.
    let (mut blocks, none) = parse::read_blocks(&source, meta, opts, parse::Inlines::Empty)?;
    debug_assert!(none.is_empty());
    drop(none);
    blocks.join_lines_in_place(&mut source);
    let mut parsed = blocks.finish_kept(&source);
    // The parser's line tables are freed; the solver's are of other sizes.
    allocator::return_freed_memory_of(source.text.len());
    diagnostics.append(&mut parsed.diagnostics);
    let mut document = parsed.document;
    let resolution = resolve::resolve_owned(
        &mut document,
        parsed.texts,
        &source.text,
        resolve::Wanted::of(opts.margins, opts.decisions),
    );
    // The solver's tables and the texts are freed; the writers' buffers
    // are of other sizes.
    allocator::return_freed_memory_of(source.text.len());
    // The references' fields, which the resolver does not read, now that
    // its tables are freed (a long reference list's are as large as they).
    parse::recognise_fields(&mut document);
    diagnostics.extend(resolution.diagnostics);
    diagnostics.sort_by_key(|d| (d.span.start, d.severity));
    Ok(Parsed {
        document,
        source,
        diagnostics,
        decisions: resolution.decisions,
    })
}

/// The document of `text`, read with the defaults (for unit tests).
#[cfg(test)]
pub(crate) fn test_document(text: &str) -> ast::Document {
    parse_article(
        "t",
        text.as_bytes().to_vec(),
        Default::default(),
        &Default::default(),
    )
    .unwrap()
    .document
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hard-wrapped article of my own: paragraphs whose lines are one
    /// line feed apart (joined in place), an indented quote and a list
    /// item continued on an indented line (joined in a copy), a link at a
    /// line's end, a reference of two lines and a back-link count that
    /// disagrees (a diagnostic).
    const WRAPPED: &str = "How the river ferry kept its timetable

The ferry across the estuary ran every forty minutes from the
stone slip below the mill, and for most of the nineteenth century
its keepers wrote down each crossing in a bound ledger1. The
ledgers survive in the county archive, though the earliest volume
lost its spine to damp2.

Crossings stopped only for fog and for the spring tides, when the
slip flooded to the third step and the ferryman moved the boat to
the upper landing3. In the winter of 1881 the ledger records
eleven days without a crossing, the longest gap in the series1.

    An indented paragraph, as some text browsers set them, whose
    lines are joined by moving them: its continuation lines start
    with spaces that the one space between them does not keep2.

  • The slip, rebuilt in 1862 after a storm had moved
    its lower steps.
  • The upper landing, used at spring tides.

The keepers were paid by the crossing until 1894, and by the week
afterwards, which is why the later ledgers stop recording the
fares4. The transcriptions are at
https://example.org/ferry
for anyone to read.

  1. Parish ledger of the estuary ferry, volume one; County
     Archive; 1850[][]
  2. Notes on damp and bindings; Archive bulletin; 1902[][][]
  3. Tide tables of the lower estuary; Harbour board; 1880[]
  4. Wages of the ferry keepers; County accounts; 1895[]
";

    /// A hard-wrapped paragraph's lines are joined in the source itself
    /// (with line feeds, or CR LF: every line moved): the document, its
    /// decisions, its diagnostics and their reports are those of its lines
    /// joined apart (the texts made by [`parse::parse`], resolved by
    /// [`resolve::resolve`]); the joined paragraphs' Text nodes are pieces
    /// of the source, which reads as the text it was.
    #[test]
    fn hard_wrapped_paragraphs_are_joined_in_place() {
        // Line feeds: the indented texts are moved, the others' line
        // feeds written over; CR LF: all moved.
        let crlf = WRAPPED.replace('\n', "\r\n");
        for (text, feeds, moved) in [
            (WRAPPED, 4 + 3 + 4, 2 + 1),
            (&crlf[..], 0, 4 + 3 + 4 + 2 + 1),
        ] {
            hard_wrapped_text_is_joined_in_place(text, feeds, moved);
        }
    }

    fn hard_wrapped_text_is_joined_in_place(text: &str, feeds: usize, moved: usize) {
        let opts = ParseOptions {
            margins: true,
            decisions: true,
            ..Default::default()
        };
        let parsed =
            parse_article("w", text.as_bytes().to_vec(), Default::default(), &opts).unwrap();
        let source = Source::new("w", text.to_string());
        let apart = parse::parse(&source, Default::default(), &opts).unwrap();
        let mut document = apart.document;
        let resolution = resolve::resolve(&mut document, &apart.texts, true);
        assert_eq!(parsed.document, document);
        assert_eq!(parsed.decisions, resolution.decisions);
        let mut diagnostics = apart.diagnostics;
        diagnostics.extend(resolution.diagnostics);
        diagnostics.sort_by_key(|d| (d.span.start, d.severity));
        assert!(!diagnostics.is_empty());
        let reports = |ds: &[Diagnostic], src: &Source| {
            ds.iter()
                .map(|d| d.render_rich(src) + &d.render_short(src))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            reports(&parsed.diagnostics, &parsed.source),
            reports(&diagnostics, &source)
        );
        // Paragraphs of five, four and five lines (the link on a line of
        // its own), the indented one of three and the list item of two.
        assert_eq!(parsed.source.joined_line_ends().len(), feeds);
        assert_eq!(parsed.source.moved_line_ends().len(), moved);
        assert_eq!(parsed.source.original_text(), text);
        // A reference of one line is a piece of the source; of two, a copy.
        let refs = &parsed.document.references;
        assert!(!refs[0].raw.shares(&parsed.source.text));
        assert!(refs[1..].iter().all(|r| r.raw.shares(&parsed.source.text)));
        // Each Text node's characters are in the source.
        let buf = parsed.source.text.as_bytes().as_ptr_range();
        let in_source = |inlines: &[ast::Inline]| {
            inlines
                .iter()
                .filter_map(|i| match i {
                    ast::Inline::Text { text, .. } => Some(buf.contains(&text.as_ptr())),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let kinds: Vec<_> = parsed
            .document
            .blocks
            .iter()
            .map(|b| match b {
                ast::Block::Paragraph(p) => ("paragraph", in_source(&p.inlines)),
                ast::Block::Quote(q) => ("quote", in_source(&q.inlines)),
                ast::Block::List(l) => ("list", in_source(&l.items[0].inlines)),
                _ => ("other", Vec::new()),
            })
            .collect();
        let all = [true; 3].to_vec();
        assert_eq!(
            kinds,
            [
                ("paragraph", all.clone()),
                ("paragraph", all.clone()),
                ("quote", vec![true, true]),
                ("list", vec![true]),
                ("paragraph", all),
            ]
        );
    }

    /// Margins without decisions: the citations' margins are the same as
    /// with them (what the JSON output holds), and no decision is
    /// described; decisions alone bring the margins too.
    #[test]
    fn margins_without_decisions_are_the_same_margins() {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/input/canal-and-locks.txt"
        ))
        .unwrap();
        let read = |margins, decisions| {
            let opts = ParseOptions {
                margins,
                decisions,
                ..Default::default()
            };
            parse_article("t", text.clone(), Default::default(), &opts).unwrap()
        };
        let margins_of = |p: &Parsed| {
            let mut all = Vec::new();
            ast::for_each_inlines(&p.document, &mut |inlines| {
                all.extend(inlines.iter().filter_map(|i| match i {
                    ast::Inline::Cite { margin, .. } => Some(*margin),
                    _ => None,
                }));
            });
            all
        };
        let (none, margins, both, decisions) = (
            read(false, false),
            read(true, false),
            read(true, true),
            read(false, true),
        );
        assert!(margins_of(&none).iter().all(|m| m.0.is_none()));
        assert!(margins_of(&both).iter().any(|m| m.0.is_some()));
        assert_eq!(margins_of(&margins), margins_of(&both));
        assert_eq!(margins_of(&decisions), margins_of(&both));
        assert!(none.decisions.is_empty() && margins.decisions.is_empty());
        assert!(!both.decisions.is_empty());
        assert_eq!(both.decisions.len(), decisions.decisions.len());
        assert_eq!(margins.document, both.document);
    }
}
