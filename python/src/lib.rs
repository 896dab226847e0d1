//! `refolio._refolio`: the compiled half of the Python package `refolio`.
//!
//! A thin layer over refolio's public library API (`parse_article`,
//! `write::render`): it reads an article into a [`Document`], hands out its
//! citations, references and diagnostics as small frozen objects, renders
//! every output format, and converts files the way `refolio convert` does
//! (the sidecar `STEM.toml`, `SOURCE_DATE_EPOCH`, atomic writes). Every
//! parse and render runs with the GIL released (`Python::detach`, the
//! method PyO3 called `allow_threads` before 0.26), so threads convert in
//! parallel.
//!
//! Errors are the exception classes of `refolio/_errors.py`, raised with
//! the input's name, line and column where the failure has a place.

use pyo3::BoundObject;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use refolio::ast::{Inline, Meta, RefFieldKind};
use refolio::diag::Severity;
use refolio::error::InputError;
use refolio::write::{
    BacklinkPlacement, EpubOptions, Format, ReviewSummary, TeiOptions, TeiProfile, WriteOptions,
};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The default of `refolio convert --max-pdf-input-bytes` (64 MiB of text).
const MAX_PDF_INPUT_BYTES: u64 = 64 * 1024 * 1024;
/// The default of `--max-input-bytes` (256 MiB).
const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;
/// The default of `--review-below`.
const REVIEW_BELOW: f32 = 2.0;

// ------------------------------------------------------------------ errors

/// An exception of `refolio._errors` (`class`), built with `message` and
/// the keyword arguments `kwargs` (name, line, column, field, diagnostics).
fn raise(py: Python<'_>, class: &str, message: String, kwargs: &[(&str, Py<PyAny>)]) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let cls = py.import("refolio._errors")?.getattr(class)?;
        let kw = PyDict::new(py);
        for (k, v) in kwargs {
            kw.set_item(k, v)?;
        }
        Ok(PyErr::from_value(cls.call((message,), Some(&kw))?))
    })();
    made.unwrap_or_else(|e| e)
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    match v.into_pyobject(py) {
        Ok(o) => o.into_any().unbind(),
        Err(_) => py.None(),
    }
}

/// `InputError` for input that cannot be read as an article, with the
/// place of the first bad byte (`column`: in characters, worked out by the
/// caller, who still has the bytes).
fn input_error(py: Python<'_>, e: &InputError, column: Option<usize>) -> PyErr {
    let (name, line, column) = match e {
        InputError::InvalidUtf8 { name, line, .. } => (name.clone(), Some(*line), column),
        InputError::Empty { name } => (name.clone(), Some(1), Some(1)),
        InputError::TooLarge { name, .. } => (name.clone(), None, None),
    };
    raise(
        py,
        "InputError",
        e.to_string(),
        &[
            ("name", obj(py, name)),
            ("line", obj(py, line)),
            ("column", obj(py, column)),
        ],
    )
}

fn metadata_error(py: Python<'_>, name: &str, field: &str, reason: String) -> PyErr {
    raise(
        py,
        "MetadataError",
        format!("{name}: metadata field `{field}` {reason}"),
        &[("name", obj(py, name)), ("field", obj(py, field))],
    )
}

fn write_error(py: Python<'_>, name: &str, format: Format, e: impl std::fmt::Display) -> PyErr {
    raise(
        py,
        "WriteError",
        format!("{name}: cannot write {}: {e}", format.name()),
        &[("name", obj(py, name))],
    )
}

// ------------------------------------------------------------ metadata

/// The metadata keys, as the sidecar and the command line spell them.
const META_KEYS: [&str; 8] = [
    "lang",
    "author",
    "source-url",
    "date",
    "license",
    "publisher",
    "accessed",
    "source-title",
];

/// Metadata fields, each set or not (a sidecar, a `meta=` dict).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Fields {
    lang: Option<String>,
    author: Option<String>,
    source_url: Option<String>,
    date: Option<String>,
    license: Option<String>,
    publisher: Option<String>,
    accessed: Option<String>,
    source_title: Option<String>,
}

impl Fields {
    /// Each field of `self`, else of `under` (options over the sidecar).
    fn over(self, under: Fields) -> Fields {
        Fields {
            lang: self.lang.or(under.lang),
            author: self.author.or(under.author),
            source_url: self.source_url.or(under.source_url),
            date: self.date.or(under.date),
            license: self.license.or(under.license),
            publisher: self.publisher.or(under.publisher),
            accessed: self.accessed.or(under.accessed),
            source_title: self.source_title.or(under.source_title),
        }
    }

    fn set(&mut self, key: &str, value: Option<String>) -> bool {
        let slot = match key {
            "lang" => &mut self.lang,
            "author" => &mut self.author,
            "source-url" => &mut self.source_url,
            "date" => &mut self.date,
            "license" | "licence" => &mut self.license,
            "publisher" => &mut self.publisher,
            "accessed" => &mut self.accessed,
            "source-title" => &mut self.source_title,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// The metadata, English when no language is given (as the CLI).
    fn into_meta(self) -> Meta {
        Meta {
            lang: self
                .lang
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| "en".into()),
            author: self.author,
            source_url: self.source_url,
            date: self.date,
            license: self.license,
            publisher: self.publisher,
            accessed: self.accessed,
            source_title: self.source_title,
        }
    }
}

/// The `lang=` and `meta=` arguments (`meta` keys as in a sidecar, `_` for
/// `-` accepted; `lang=` wins over `meta["lang"]`).
fn fields_from_args(
    py: Python<'_>,
    name: &str,
    lang: Option<String>,
    meta: Option<&Bound<'_, PyDict>>,
) -> PyResult<Fields> {
    let mut f = Fields::default();
    if let Some(meta) = meta {
        for (k, v) in meta.iter() {
            let key: String = k.extract()?;
            let value: Option<String> = if v.is_none() {
                None
            } else {
                Some(
                    v.extract()
                        .map_err(|_| metadata_error(py, name, &key, "must be a string".into()))?,
                )
            };
            if !f.set(&key.replace('_', "-"), value) {
                return Err(metadata_error(
                    py,
                    name,
                    &key,
                    format!("is not a metadata key (known: {})", META_KEYS.join(", ")),
                ));
            }
        }
    }
    if lang.is_some() {
        f.lang = lang;
    }
    Ok(f)
}

fn validate(py: Python<'_>, name: &str, meta: &Meta) -> PyResult<()> {
    meta.validate()
        .map_err(|e| metadata_error(py, name, e.field, e.reason))
}

/// `SOURCE_DATE_EPOCH` as the CLI reads it, unless `timestamp` is given.
fn timestamp_or_env(timestamp: Option<i64>) -> PyResult<Option<i64>> {
    if timestamp.is_some() {
        return Ok(timestamp);
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e) => Err(PyValueError::new_err(format!("SOURCE_DATE_EPOCH: {e}"))),
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => match v.trim().parse::<i64>() {
            Ok(secs) if secs >= 0 => Ok(Some(secs)),
            _ => Err(PyValueError::new_err(format!(
                "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {v:?}"
            ))),
        },
    }
}

// ------------------------------------------------------------ documents

/// One diagnostic: a warning or error about the input, with its place.
#[pyclass(frozen, get_all, module = "refolio")]
struct Diagnostic {
    /// `"error"` or `"warning"`.
    severity: &'static str,
    /// What is wrong, in one sentence.
    message: String,
    /// What to do about it, if anything.
    help: Option<String>,
    /// 1-based line of its start.
    line: usize,
    /// 1-based column (in characters) of its start.
    column: usize,
    /// Byte offsets of its span in the input.
    start: usize,
    /// End byte offset (exclusive).
    end: usize,
    rendered: String,
}

#[pymethods]
impl Diagnostic {
    fn __str__(&self) -> String {
        self.rendered.clone()
    }
    fn __repr__(&self) -> String {
        format!(
            "Diagnostic({}, line={}, column={}, {:?})",
            self.severity, self.line, self.column, self.message
        )
    }
}

/// One citation marker found in the text.
#[pyclass(frozen, get_all, module = "refolio")]
struct Citation {
    /// The reference number it points to.
    number: u32,
    /// 1 for the first marker of that reference, 2 for the second, …
    occurrence: u32,
    /// 1-based line of the marker's digits.
    line: usize,
    /// 1-based column (characters).
    column: usize,
    /// Byte offsets of the digits in the input.
    start: usize,
    end: usize,
    /// The resolver's margin (log-odds), `None` when no other reading existed.
    margin: Option<f32>,
}

#[pymethods]
impl Citation {
    fn __repr__(&self) -> String {
        format!(
            "Citation({}, occurrence={}, line={}, column={})",
            self.number, self.occurrence, self.line, self.column
        )
    }
}

/// One entry of the reference list.
#[pyclass(frozen, get_all, module = "refolio")]
struct Reference {
    /// Its number (1-based).
    number: u32,
    /// The entry's text as in the source, without number and back-links.
    text: String,
    /// How many back-links it has (how often it should be cited).
    backlinks: usize,
    /// How many citations of it were found.
    citations: usize,
    /// Recognised fields, `None` when not recognised.
    title: Option<String>,
    author: Option<String>,
    publisher: Option<String>,
    date: Option<String>,
    /// The date as ISO 8601 when it can be read as one.
    date_iso: Option<String>,
    line: usize,
    column: usize,
}

#[pymethods]
impl Reference {
    fn __repr__(&self) -> String {
        format!(
            "Reference({}, backlinks={}, citations={}, {:?})",
            self.number, self.backlinks, self.citations, self.text
        )
    }
}

/// A parsed and resolved article (`refolio.read`).
#[pyclass(frozen, module = "refolio")]
struct Document {
    parsed: refolio::Parsed,
}

/// How one `Document` method renders (None = the CLI's default).
struct Render<'a> {
    tei_profile: TeiProfile,
    review_below: Option<f32>,
    epub_notes: BacklinkPlacement,
    identifier: Option<&'a str>,
    timestamp: Option<i64>,
    max_pdf_input_bytes: u64,
}

impl Default for Render<'_> {
    fn default() -> Self {
        Render {
            tei_profile: TeiProfile::Portable,
            review_below: None,
            epub_notes: BacklinkPlacement::After,
            identifier: None,
            timestamp: None,
            max_pdf_input_bytes: MAX_PDF_INPUT_BYTES,
        }
    }
}

/// Why a render failed, turned into a Python exception once the GIL is back.
enum RenderFailure {
    TooLargeForPdf(u64, u64),
    Write(refolio::error::WriteError),
}

impl Document {
    fn name(&self) -> &str {
        &self.parsed.source.name
    }

    /// Renders `format` as `refolio convert` does with the same options:
    /// no Python objects are touched, so it runs without the GIL.
    fn render_bytes(&self, format: Format, r: &Render<'_>) -> Result<Vec<u8>, RenderFailure> {
        let parsed = &self.parsed;
        if format == Format::Pdf {
            let size = parsed.source.text.len() as u64;
            if size > r.max_pdf_input_bytes {
                return Err(RenderFailure::TooLargeForPdf(size, r.max_pdf_input_bytes));
            }
        }
        let options = WriteOptions {
            timestamp: r.timestamp,
            tei: TeiOptions {
                profile: r.tei_profile,
                review: r.review_below.map(|below| ReviewSummary {
                    decisions: parsed.decisions.len(),
                    doubtful: parsed.decisions.iter().filter(|d| d.margin < below).count(),
                    below,
                }),
            },
            epub: EpubOptions {
                identifier: r.identifier.map(|s| s.trim().to_string()),
                backlinks: r.epub_notes,
                ..EpubOptions::default()
            },
            ..WriteOptions::default()
        };
        refolio::write::render(&[&parsed.document], format, &options)
            .map(|rendered| rendered.bytes)
            .map_err(RenderFailure::Write)
    }

    fn render_py(&self, py: Python<'_>, format: Format, r: &Render<'_>) -> PyResult<Vec<u8>> {
        py.detach(|| self.render_bytes(format, r))
            .map_err(|f| self.failure(py, format, f))
    }

    fn failure(&self, py: Python<'_>, format: Format, f: RenderFailure) -> PyErr {
        match f {
            RenderFailure::TooLargeForPdf(size, limit) => raise(
                py,
                "WriteError",
                format!(
                    "{}: no PDF: the article is {size} bytes, more than max_pdf_input_bytes ({limit})",
                    self.name()
                ),
                &[("name", obj(py, self.name()))],
            ),
            RenderFailure::Write(e) => write_error(py, self.name(), format, e),
        }
    }

    /// The lines `refolio check --review` prints, smallest margin first.
    fn review_lines(&self, below: f32) -> Vec<String> {
        self.parsed.review_lines(below)
    }

    fn citation_list(&self) -> Vec<Citation> {
        let src = &self.parsed.source;
        let mut out = Vec::new();
        refolio::ast::walk::for_each_inlines(&self.parsed.document, &mut |inlines| {
            for i in inlines {
                if let Inline::Cite {
                    n,
                    occurrence,
                    span,
                    margin,
                } = i
                {
                    let (line, column) = src.line_col(span.start as usize);
                    out.push(Citation {
                        number: *n,
                        occurrence: *occurrence,
                        line,
                        column,
                        start: span.start as usize,
                        end: span.end as usize,
                        margin: margin.0,
                    });
                }
            }
        });
        out
    }

    fn counts(&self) -> (usize, usize) {
        let errors = self
            .parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        (errors, self.parsed.diagnostics.len() - errors)
    }
}

fn parse_profile(profile: &str) -> PyResult<TeiProfile> {
    match profile {
        "portable" => Ok(TeiProfile::Portable),
        "all" => Ok(TeiProfile::All),
        other => Err(PyValueError::new_err(format!(
            "tei profile must be \"portable\" or \"all\", not {other:?}"
        ))),
    }
}

fn parse_notes(notes: &str) -> PyResult<BacklinkPlacement> {
    match notes {
        "after" => Ok(BacklinkPlacement::After),
        "first" => Ok(BacklinkPlacement::First),
        other => Err(PyValueError::new_err(format!(
            "epub notes must be \"after\" or \"first\", not {other:?}"
        ))),
    }
}

fn check_identifier(identifier: Option<&str>) -> PyResult<()> {
    if let Some(id) = identifier {
        refolio::write::check_chars("identifier", id)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        if id.trim().is_empty() {
            return Err(PyValueError::new_err("identifier is empty"));
        }
    }
    Ok(())
}

#[pymethods]
impl Document {
    /// The input's name, as given to `read` (the path for `convert_file`).
    #[getter(name)]
    fn name_py(&self) -> &str {
        self.name()
    }

    /// The article's title.
    #[getter]
    fn title(&self) -> &str {
        &self.parsed.document.title.text
    }

    /// The language tag the article was read with.
    #[getter]
    fn lang(&self) -> &str {
        &self.parsed.document.meta.lang
    }

    /// Every citation marker, in reading order.
    #[getter]
    fn citations(&self) -> Vec<Citation> {
        self.citation_list()
    }

    /// The reference list, in order.
    #[getter]
    fn references(&self) -> Vec<Reference> {
        let src = &self.parsed.source;
        let cited = self.citation_list();
        self.parsed
            .document
            .references
            .iter()
            .map(|r| {
                let field = |kind: RefFieldKind| {
                    r.fields
                        .iter()
                        .find(|f| f.kind == kind)
                        .map(|f| (r.raw[f.range()].to_string(), f.iso))
                };
                let (line, column) = src.line_col(r.span.start as usize);
                let date = field(RefFieldKind::Date);
                Reference {
                    number: r.n,
                    text: r.raw.to_string(),
                    backlinks: r.backlinks.len(),
                    citations: cited.iter().filter(|c| c.number == r.n).count(),
                    title: field(RefFieldKind::Title).map(|f| f.0),
                    author: field(RefFieldKind::Author).map(|f| f.0),
                    publisher: field(RefFieldKind::Publisher).map(|f| f.0),
                    date_iso: date.as_ref().and_then(|d| d.1.map(|iso| iso.to_string())),
                    date: date.map(|d| d.0),
                    line,
                    column,
                }
            })
            .collect()
    }

    /// Warnings and errors about the input, in source order.
    #[getter]
    fn diagnostics(&self) -> Vec<Diagnostic> {
        let src = &self.parsed.source;
        self.parsed
            .diagnostics
            .iter()
            .map(|d| {
                let (line, column) = src.line_col(d.span.start as usize);
                Diagnostic {
                    severity: match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                    message: d.message.clone(),
                    help: d.help.clone(),
                    line,
                    column,
                    start: d.span.start as usize,
                    end: d.span.end as usize,
                    rendered: d.render_short(src),
                }
            })
            .collect()
    }

    /// The number of error diagnostics.
    #[getter]
    fn errors(&self) -> usize {
        self.counts().0
    }

    /// The number of warning diagnostics.
    #[getter]
    fn warnings(&self) -> usize {
        self.counts().1
    }

    /// The EPUB's default identifier: `urn:uuid:` and a UUID of the text.
    #[getter]
    fn identifier(&self) -> String {
        refolio::write::content_identifier(&[&self.parsed.document])
    }

    /// The doubtful decisions, as `refolio check --review` prints them.
    #[pyo3(signature = (below = REVIEW_BELOW))]
    fn review(&self, below: f32) -> Vec<String> {
        self.review_lines(below)
    }

    /// TEI P5 XML.
    #[pyo3(signature = (*, profile = "portable", review_below = None, timestamp = None))]
    fn to_tei(
        &self,
        py: Python<'_>,
        profile: &str,
        review_below: Option<f32>,
        timestamp: Option<i64>,
    ) -> PyResult<String> {
        let r = Render {
            tei_profile: parse_profile(profile)?,
            review_below,
            timestamp: timestamp_or_env(timestamp)?,
            ..Render::default()
        };
        let bytes = self.render_py(py, Format::Tei, &r)?;
        String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The document model as JSON.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let bytes = self.render_py(py, Format::Json, &Render::default())?;
        String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The article format, written back in canonical form.
    fn to_article(&self, py: Python<'_>) -> PyResult<String> {
        let bytes = self.render_py(py, Format::Article, &Render::default())?;
        String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// An EPUB 3 book.
    #[pyo3(signature = (*, notes = "after", identifier = None, timestamp = None))]
    fn to_epub<'py>(
        &self,
        py: Python<'py>,
        notes: &str,
        identifier: Option<&str>,
        timestamp: Option<i64>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        check_identifier(identifier)?;
        let r = Render {
            epub_notes: parse_notes(notes)?,
            identifier,
            timestamp: timestamp_or_env(timestamp)?,
            ..Render::default()
        };
        let bytes = self.render_py(py, Format::Epub, &r)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A typeset PDF.
    #[pyo3(signature = (*, timestamp = None, max_input_bytes = MAX_PDF_INPUT_BYTES))]
    fn to_pdf<'py>(
        &self,
        py: Python<'py>,
        timestamp: Option<i64>,
        max_input_bytes: u64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let r = Render {
            timestamp: timestamp_or_env(timestamp)?,
            max_pdf_input_bytes: max_input_bytes,
            ..Render::default()
        };
        let bytes = self.render_py(py, Format::Pdf, &r)?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn __repr__(&self) -> String {
        format!(
            "<refolio.Document {:?}: {:?}, {} citations, {} references, {} errors, {} warnings>",
            self.name(),
            self.title(),
            self.citation_list().len(),
            self.parsed.document.references.len(),
            self.counts().0,
            self.counts().1
        )
    }
}

/// Decodes, parses and resolves with the GIL released; input errors come
/// back as Python's `InputError`, with the line and column of a bad byte.
fn parse_bytes(
    py: Python<'_>,
    name: &str,
    bytes: Vec<u8>,
    meta: Meta,
    lossy: bool,
    max_input_bytes: u64,
) -> PyResult<refolio::Parsed> {
    // The column of the first byte that is not UTF-8, found before the
    // bytes move into the parser (which reports its offset and line).
    let bad_column = if lossy {
        None
    } else {
        std::str::from_utf8(&bytes).err().map(|e| {
            let at = e.valid_up_to();
            let start = bytes[..at]
                .iter()
                .rposition(|&c| c == b'\n' || c == b'\r')
                .map_or(0, |i| i + 1);
            std::str::from_utf8(&bytes[start..at])
                .map_or(1, |s| s.trim_start_matches('\u{FEFF}').chars().count() + 1)
        })
    };
    let opts = refolio::ParseOptions {
        lossy,
        max_input_bytes,
        // Margins always: `review()`, the JSON and the report need them; the
        // other outputs are the same with or without.
        margins: true,
        decisions: true,
        ..refolio::ParseOptions::default()
    };
    py.detach(|| refolio::parse_article(name, bytes, meta, &opts))
        .map_err(|e| input_error(py, &e, bad_column))
}

/// `strict`: an error diagnostic (or, as with `--strict`, a warning) raises
/// `ArticleError` at the first one.
fn check_strict(py: Python<'_>, doc: Document, strict: bool) -> PyResult<Document> {
    if !strict || doc.parsed.diagnostics.is_empty() {
        return Ok(doc);
    }
    let diags = doc.diagnostics();
    let first = diags
        .iter()
        .find(|d| d.severity == "error")
        .or(diags.first())
        .expect("not empty");
    let (errors, warnings) = doc.counts();
    let message = format!(
        "{} ({errors} errors, {warnings} warnings; strict)",
        first.rendered.lines().next().unwrap_or_default()
    );
    let (line, column) = (first.line, first.column);
    let list = PyList::new(py, diags)?;
    Err(raise(
        py,
        "ArticleError",
        message,
        &[
            ("name", obj(py, doc.name())),
            ("line", obj(py, line)),
            ("column", obj(py, column)),
            ("diagnostics", list.into_any().unbind()),
        ],
    ))
}

/// Reads one article from `text` (str, or bytes that must be UTF-8).
#[pyfunction]
#[pyo3(signature = (text, *, lang = None, meta = None, name = "<string>", lossy = false, strict = false, max_input_bytes = MAX_INPUT_BYTES))]
#[allow(clippy::too_many_arguments)]
fn read(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    lang: Option<String>,
    meta: Option<&Bound<'_, PyDict>>,
    name: &str,
    lossy: bool,
    strict: bool,
    max_input_bytes: u64,
) -> PyResult<Document> {
    let bytes: Vec<u8> = if let Ok(s) = text.extract::<String>() {
        s.into_bytes()
    } else if let Ok(b) = text.extract::<Cow<'_, [u8]>>() {
        b.into_owned()
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "text must be str or bytes",
        ));
    };
    let meta = fields_from_args(py, name, lang, meta)?.into_meta();
    validate(py, name, &meta)?;
    let parsed = parse_bytes(py, name, bytes, meta, lossy, max_input_bytes)?;
    check_strict(py, Document { parsed }, strict)
}

// ------------------------------------------------------------ files

/// Writes `bytes` to `dir/name` atomically, as `refolio convert` does
/// ([`refolio::write::write_atomic`]): a failure leaves no partial file.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    refolio::write::write_atomic(dir, std::ffi::OsStr::new(name), bytes, |_, _| {})
}

fn os_error(what: String, e: std::io::Error) -> PyErr {
    PyOSError::new_err((e.raw_os_error().unwrap_or(0), format!("{what}: {e}")))
}

/// An output file's name and bytes.
type Output = (String, Vec<u8>);

/// Converts one file as `refolio convert PATH -o OUT_DIR -t FORMATS` does
/// and returns its report (a dict).
#[pyfunction]
#[pyo3(signature = (path, out_dir, formats = None, *, lang = None, meta = None, lossy = false, strict = false, review = false, review_below = REVIEW_BELOW, tei_profile = "portable", epub_notes = "after", timestamp = None, max_input_bytes = MAX_INPUT_BYTES, max_pdf_input_bytes = MAX_PDF_INPUT_BYTES))]
#[allow(clippy::too_many_arguments)]
fn convert_file<'py>(
    py: Python<'py>,
    path: PathBuf,
    out_dir: PathBuf,
    formats: Option<Vec<String>>,
    lang: Option<String>,
    meta: Option<&Bound<'py, PyDict>>,
    lossy: bool,
    strict: bool,
    review: bool,
    review_below: f32,
    tei_profile: &str,
    epub_notes: &str,
    timestamp: Option<i64>,
    max_input_bytes: u64,
    max_pdf_input_bytes: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let name = path.display().to_string();
    let mut wanted: Vec<Format> = Vec::new();
    let formats = formats.unwrap_or_else(|| vec!["tei".into(), "epub".into(), "pdf".into()]);
    for f in &formats {
        let format = Format::from_name(f).ok_or_else(|| {
            PyValueError::new_err(format!(
                "unknown format {f:?} (tei, json, epub, pdf, article)"
            ))
        })?;
        if !wanted.contains(&format) {
            wanted.push(format);
        }
    }
    let r = Render {
        tei_profile: parse_profile(tei_profile)?,
        review_below: review.then_some(review_below),
        epub_notes: parse_notes(epub_notes)?,
        identifier: None,
        timestamp: timestamp_or_env(timestamp)?,
        max_pdf_input_bytes,
    };
    // Metadata: the options over the sidecar STEM.toml, as the CLI merges them.
    let flags = fields_from_args(py, &name, lang, meta)?;
    let sidecar_path = path.with_extension("toml");
    let sidecar = if sidecar_path != path {
        match std::fs::read_to_string(&sidecar_path) {
            Ok(text) => toml::from_str::<Fields>(&text).map_err(|e| {
                raise(
                    py,
                    "MetadataError",
                    format!(
                        "invalid sidecar {}: {}",
                        sidecar_path.display(),
                        e.to_string().trim_end()
                    ),
                    &[("name", obj(py, sidecar_path.display().to_string()))],
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Fields::default(),
            Err(e) => {
                return Err(os_error(
                    format!("cannot read the sidecar {}", sidecar_path.display()),
                    e,
                ));
            }
        }
    } else {
        Fields::default()
    };
    validate(py, &name, &sidecar.clone().into_meta())?;
    let meta = flags.over(sidecar).into_meta();
    validate(py, &name, &meta)?;

    let stem = path.file_stem().filter(|s| !s.is_empty()).map_or_else(
        || "article".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let input_canonical = path.canonicalize().ok();
    std::fs::create_dir_all(&out_dir).map_err(|e| {
        os_error(
            format!("cannot create the output folder {}", out_dir.display()),
            e,
        )
    })?;
    let dir = out_dir.canonicalize().map_err(|e| {
        os_error(
            format!("cannot open the output folder {}", out_dir.display()),
            e,
        )
    })?;
    let targets: Vec<(Format, String)> = wanted
        .iter()
        .map(|&f| (f, format!("{stem}.{}", f.extension())))
        .collect();
    for (_, file) in &targets {
        if Some(dir.join(file)) == input_canonical {
            return Err(PyValueError::new_err(format!(
                "{name}: refusing to write {}: it is the input",
                dir.join(file).display()
            )));
        }
    }

    let len = std::fs::metadata(&path)
        .map_err(|e| os_error(format!("cannot read {name}"), e))?
        .len();
    if len > max_input_bytes {
        return Err(input_error(
            py,
            &InputError::TooLarge {
                name: name.clone(),
                size: len,
                limit: max_input_bytes,
            },
            None,
        ));
    }
    let bytes = py
        .detach(|| std::fs::read(&path))
        .map_err(|e| os_error(format!("cannot read {name}"), e))?;
    let parsed = parse_bytes(py, &name, bytes, meta, lossy, max_input_bytes)?;
    let doc = check_strict(py, Document { parsed }, strict)?;

    // Every output rendered before any is written: a failing format leaves
    // no file of this article behind.
    let rendered: Result<Vec<Output>, (Format, RenderFailure)> = py.detach(|| {
        targets
            .iter()
            .map(|(f, file)| {
                doc.render_bytes(*f, &r)
                    .map(|b| (file.clone(), b))
                    .map_err(|e| (*f, e))
            })
            .collect()
    });
    let rendered = rendered.map_err(|(f, e)| doc.failure(py, f, e))?;
    let written: Result<Vec<String>, std::io::Error> = py.detach(|| {
        rendered
            .iter()
            .map(|(file, bytes)| write_atomic(&dir, file, bytes).map(|p| p.display().to_string()))
            .collect()
    });
    let written = written.map_err(|e| os_error(format!("{name}: cannot write"), e))?;

    let (errors, warnings) = doc.counts();
    let report = PyDict::new(py);
    report.set_item("file", &name)?;
    report.set_item("title", doc.title())?;
    report.set_item("citations", doc.citation_list().len())?;
    report.set_item("references", doc.parsed.document.references.len())?;
    report.set_item("errors", errors)?;
    report.set_item("warnings", warnings)?;
    report.set_item("review", doc.review_lines(review_below))?;
    report.set_item(
        "diagnostics",
        doc.parsed
            .diagnostics
            .iter()
            .map(|d| d.render_short(&doc.parsed.source))
            .collect::<Vec<_>>(),
    )?;
    report.set_item("identifier", doc.identifier())?;
    report.set_item("written", written)?;
    Ok(report)
}

/// The compiled module; `refolio/__init__.py` re-exports it.
#[pymodule]
fn _refolio(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(convert_file, m)?)?;
    m.add_class::<Document>()?;
    m.add_class::<Citation>()?;
    m.add_class::<Reference>()?;
    m.add_class::<Diagnostic>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
