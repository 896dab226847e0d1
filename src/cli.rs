//! The command line: argument definitions (clap) and the commands.
//!
//! The library knows nothing of this module; anyhow is used only here and in
//! `main.rs`.

mod bag;
mod book;
mod check;
mod convert;
mod input;
mod interrupt;
mod output;
mod progress;
mod style;

pub use interrupt::{clean_up_on_interrupt, finish};

use clap::{Args, Parser, Subcommand};
use refolio::write::{BacklinkPlacement, Format, NoteStyle, PandocApi, TeiProfile};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// The exit codes, documented in `--help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  an input has errors: it cannot be read as an article (invalid UTF-8,
     empty, too large), or it disagrees with itself (error diagnostics,
     e.g. back-link counts); with --strict, warnings count too. Outputs are
     still written for inputs that could be parsed.
  2  usage, metadata or I/O error: bad arguments, a bad sidecar file or
     metadata value, a file that cannot be read or written, an output that
     would overwrite an input.
Each input is handled on its own: a failing input never stops the others,
and the exit code is the highest one of any input.";

/// Convert flattened web articles into TEI P5 XML, EPUB 3 and PDF (and JSON, the article format written back, pandoc's JSON AST, Markdown with footnotes and standalone HTML).
#[derive(Debug, Parser)]
#[command(name = "refolio", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert articles to TEI, EPUB and PDF (or JSON, pandoc JSON, Markdown, HTML).
    #[command(
        long_about = "Convert articles to TEI, EPUB and PDF (or JSON, pandoc JSON, Markdown, HTML).\n\n\
            Writes DIR/STEM.tei.xml, DIR/STEM.epub, DIR/STEM.pdf and/or DIR/STEM.json for every INPUT, where \
            STEM is the input's file name without its extension (`stdin` for `-`); with -t \
            also DIR/STEM.article.txt (article), DIR/STEM.pandoc.json (pandoc: pandoc's JSON \
            AST, for `pandoc -f json -t docx|odt|latex|jats …`), DIR/STEM.md (markdown: \
            pandoc Markdown with footnotes, which refolio reads back) and DIR/STEM.html \
            (html: one self-contained HTML5 page). Every output \
            is written to a temporary file in DIR first and renamed into place only when \
            complete.\n\n\
            An INPUT ending in .md or .markdown, or whose text opens with a YAML front matter \
            holding a title or has footnote definitions ([^1]: …), is read as refolio's \
            Markdown: its citations are the footnote references, nothing is resolved.\n\n\
            The EPUB's dcterms:modified (and its zip timestamps) come from SOURCE_DATE_EPOCH \
            when set, else from the date metadata, else 1980-01-01: the same input always \
            gives the same bytes. The PDF's dates come from SOURCE_DATE_EPOCH, else from the \
            date metadata, else it has none; its page size, margins and fonts come from the \
            style's pdf.toml (--style a5, --style letter).\n\n\
            Metadata comes from the options below and from a sidecar file next to the input \
            with the same stem and the extension .toml (e.g. article.toml for article.txt), \
            with the keys lang, author, source-url, date, license, publisher, accessed, source-title (all strings). \
            Options win over the sidecar.",
        after_help = EXIT_CODES
    )]
    Convert(ConvertArgs),
    /// Make ONE book (EPUB, PDF, TEI corpus, pandoc JSON, Markdown or HTML) with a chapter per article.
    #[command(
        long_about = "Make ONE publication with a chapter per article, in the order given: \
            an EPUB (one XHTML file per chapter, a table of contents with the chapters and \
            their sections), a PDF (front matter numbered i, ii, iii…: a title page with the \
            title, subtitle, author, publisher and date, the licence on its verso, a linked \
            contents page with page numbers; then every chapter on a new page, numbered from \
            1, running heads, an outline by chapter), a TEI teiCorpus (a corpus header and one TEI per \
            article), or one pandoc JSON or Markdown file (the book's metadata, then a level-1 \
            heading per article) or HTML page (the book's title, a table of contents, then \
            each article). The format comes from the extension of -o: .epub, .pdf, \
            .tei.xml, .pandoc.json, .md or .html.\n\n\
            Instead of INPUTs, give one MANIFEST.toml with the keys title, subtitle, \
            author, date, language, licence, publisher, recto, identifier and articles (a list of paths relative to \
            the manifest); options win over the manifest.\n\n\
            Each article keeps its own references; ids are namespaced per chapter so links \
            never collide. The book's --lang, --author, --date and --license also apply to \
            every chapter (over its sidecar). Any article that cannot be read fails the \
            book: nothing is written.\n\n\
            The book is written into its file as it is made. A long PDF book's pages are \
            drawn as they are filled, the front matter's first; its chapters' glyphs and \
            rows wait in an unnamed temporary file in $TMPDIR from 1 MiB of text. An \
            EPUB book's chapters are deflated into the archive as they are written. From \
            4 MiB of input (files, in a --bag too) each chapter, in every format, is read \
            again when the writer reaches it and freed once written, so that the \
            chapters are never all held at once (a file changed in between fails the \
            book); a PDF book's chapter of 1 MiB of text or more then waits in the \
            temporary file too while it is laid out, as a long article's does.",
        after_help = EXIT_CODES
    )]
    Book(BookArgs),
    /// Check articles: print diagnostics and a one-line summary per input.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
}

/// Options that control reading and judging inputs.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Article files in the article format (or refolio's Markdown: `.md`,
    /// or sniffed); `-` reads standard input.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Exit with 1 when there are warnings (not only errors).
    #[arg(long)]
    pub strict: bool,
    /// Replace invalid UTF-8 with U+FFFD (with a warning) instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Refuse inputs larger than this many bytes (at most 4 GiB − 1).
    #[arg(long, value_name = "N", default_value_t = refolio::ParseOptions::default().max_input_bytes)]
    pub max_input_bytes: u64,
    /// Style: a NAME from refolio's styles/ folder, or a DIR holding
    /// epub.css, alt-phrases.txt and/or pdf.toml (missing files come from the
    /// default style). Gives the figure alt-text phrases, the EPUB stylesheet
    /// and the PDF's page, fonts and sizes (shipped: default = A4, a5, letter).
    #[arg(long, value_name = "NAME|DIR", default_value = "default")]
    pub style: String,
    /// Print the resolver's doubtful decisions on standard output, one line
    /// each, smallest margin first: `FILE:LINE:COL: review: read "…m3" +
    /// citation 2; alternative: "…m32" as text (margin 0.40)`. The margin is
    /// how much more plausible the reading was than the best other reading
    /// of those digits (log-odds). A clean article prints none.
    #[arg(long)]
    pub review: bool,
    /// With --review: list the decisions whose margin is below this.
    #[arg(long, value_name = "MARGIN", default_value_t = REVIEW_BELOW)]
    pub review_below: f32,
    /// Print at most N diagnostics of one kind per input, then one line
    /// counting the rest (the JSON output keeps them all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_diagnostics: usize,
}

/// The default `--review-below`, tuned on the corpus (see the README).
pub const REVIEW_BELOW: f32 = 2.0;

/// Arguments of `refolio convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Inputs and reading options.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output formats, comma-separated [default: tei,epub,pdf; with `-o -`: tei].
    ///
    /// Each article's PDF is made after its other formats, whatever the
    /// order given, so that the article is freed while its PDF is laid out.
    #[arg(
        short = 't',
        long = "to",
        value_name = "FORMATS",
        value_delimiter = ','
    )]
    pub to: Option<Vec<Format>>,
    /// Output folder (created if missing); `-` writes to standard output
    /// (one input and one format only).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        default_value = "out"
    )]
    pub output: PathBuf,
    /// Metadata options.
    #[command(flatten)]
    pub meta: MetaArgs,
    /// The EPUB's identifier (dc:identifier), e.g. `urn:isbn:…` (one input
    /// only) [default: urn:uuid: + a UUID v5 of the article's text, so it
    /// changes whenever the text does].
    #[arg(long, value_name = "ID")]
    pub identifier: Option<String>,
    /// EPUB: where a note's back-links stand: `after` its text, or `first`,
    /// at its start, before the text (where Kindle's guidelines put them).
    #[arg(long, value_name = "WHERE", value_enum, default_value_t = BacklinkPlacement::After)]
    pub epub_notes: BacklinkPlacement,
    /// Make no PDF of an article larger than this many bytes (a tagged PDF
    /// takes about 2.1 to 2.9 bytes of memory per byte of text while it is
    /// made, its notes at the end or at the foot, with a long article's
    /// text, document, glyphs, rows and PDF objects waiting in an unnamed
    /// temporary file in $TMPDIR; 64 MiB of text is 15,000 to 30,000
    /// pages, 140 to 188 MB of memory, about 30 s and up to 1.4 GB in
    /// $TMPDIR). The article's other formats are still written, and the
    /// exit code is 1.
    #[arg(long, value_name = "N", default_value_t = 64 * 1024 * 1024)]
    pub max_pdf_input_bytes: u64,
    /// TEI customisation: `portable`, valid against tei_all, TEI Lite and
    /// TEI Simple Print, or `all`, tei_all only, with references as
    /// GROBID-shaped biblStruct (neither TEI Lite nor TEI Simple Print has
    /// biblStruct).
    #[arg(long, value_name = "PROFILE", value_enum, default_value_t = TeiProfile::Portable)]
    pub tei_profile: TeiProfile,
    /// pandoc output options.
    #[command(flatten)]
    pub pandoc: PandocArgs,
    /// Write a BagIt 1.0 bag (RFC 8493) into the new folder DIR instead of
    /// -o: the outputs and the original input files in DIR/data/, with
    /// SHA-256 manifests and bag-info.txt (Bagging-Date from
    /// SOURCE_DATE_EPOCH or the date metadata, one External-Identifier per
    /// article). DIR must not exist; nothing is left when an input fails.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub bag: Option<PathBuf>,
    /// Progress and parallelism.
    #[command(flatten)]
    pub run: RunArgs,
}

/// How the pandoc JSON output (`-t pandoc`) is written.
#[derive(Debug, Args, Clone, Copy)]
pub struct PandocArgs {
    /// pandoc JSON: the pandoc-api-version to write: 1.22 (pandoc 2.11 to
    /// 2.19, e.g. Debian 12's 2.17; figures as an image alone in a
    /// paragraph) or 1.23 (pandoc 3; figures as Figure blocks).
    #[arg(long, value_name = "VERSION", value_enum, default_value_t = PandocApi::V1_22)]
    pub pandoc_api: PandocApi,
    /// Where the references go: `foot` (alias `footnotes`) or `end`
    /// (alias `endnotes-list`). PDF: at the foot of each page that cites
    /// them, or in one list after the text [default for PDF: end]. pandoc
    /// JSON and Markdown: each citation as a footnote holding its
    /// reference (Word, LibreOffice and LaTeX get real footnotes), or a
    /// link to an ordered reference list after the text, which links back
    /// [default for pandoc and Markdown: foot].
    #[arg(long, value_name = "WHERE", value_enum)]
    pub notes: Option<NotesArg>,
}

/// The values of `--notes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NotesArg {
    /// At the foot of the page (PDF), as footnotes (pandoc, Markdown).
    #[value(alias = "footnotes")]
    Foot,
    /// In a list after the text.
    #[value(alias = "endnotes-list")]
    End,
}

impl PandocArgs {
    /// The writer's options.
    pub fn options(&self) -> refolio::write::PandocOptions {
        refolio::write::PandocOptions {
            api: self.pandoc_api,
            notes: match self.notes {
                Some(NotesArg::Foot) | None => NoteStyle::Footnotes,
                Some(NotesArg::End) => NoteStyle::EndnotesList,
            },
        }
    }

    /// Where the PDF's references go.
    pub fn pdf_notes(&self) -> refolio::write::NotePlacement {
        match self.notes {
            Some(NotesArg::Foot) => refolio::write::NotePlacement::Foot,
            Some(NotesArg::End) | None => refolio::write::NotePlacement::End,
        }
    }
}

/// How a run of many inputs reports and uses the machine.
#[derive(Debug, Args, Clone, Copy)]
pub struct RunArgs {
    /// Convert up to N inputs at once [default: the number of CPUs].
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Print only errors: no warnings, progress or summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print a line for every input as it finishes (with the files written).
    #[arg(short, long)]
    pub verbose: bool,
}

/// Arguments of `refolio book`.
#[derive(Debug, Args)]
pub struct BookArgs {
    /// Inputs and reading options (or one MANIFEST.toml).
    #[command(flatten)]
    pub read: ReadArgs,
    /// The book file: `.epub`, `.pdf`, `.tei.xml`, `.pandoc.json`, `.md` or
    /// `.html` (the format comes from it).
    #[arg(short = 'o', long = "output", value_name = "FILE", required = true)]
    pub output: PathBuf,
    /// The book's title [required, here or in the manifest].
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    /// The book's subtitle (or `subtitle` in the manifest): under the title
    /// on a PDF book's title page; TEI and HTML books show it too.
    #[arg(long, value_name = "S")]
    pub subtitle: Option<String>,
    /// Book metadata (also applied to every chapter).
    #[command(flatten)]
    pub meta: MetaArgs,
    /// PDF: start every chapter on a right-hand (odd-numbered) page.
    #[arg(long)]
    pub recto: bool,
    /// TEI customisation: `portable`, valid against tei_all, TEI Lite and
    /// TEI Simple Print, or `all`, tei_all only, with references as
    /// GROBID-shaped biblStruct (neither TEI Lite nor TEI Simple Print has
    /// biblStruct).
    #[arg(long, value_name = "PROFILE", value_enum, default_value_t = TeiProfile::Portable)]
    pub tei_profile: TeiProfile,
    /// The EPUB's identifier [default: a UUID v5 of the articles' content].
    #[arg(long, value_name = "ID")]
    pub identifier: Option<String>,
    /// EPUB: where a note's back-links stand: `after` its text, or `first`,
    /// at its start, before the text (where Kindle's guidelines put them).
    #[arg(long, value_name = "WHERE", value_enum, default_value_t = BacklinkPlacement::After)]
    pub epub_notes: BacklinkPlacement,
    /// pandoc output options.
    #[command(flatten)]
    pub pandoc: PandocArgs,
    /// Write a BagIt 1.0 bag (RFC 8493) into the new folder DIR: the book
    /// (named after -o) and the original articles, their sidecars and the
    /// manifest in DIR/data/, with SHA-256 manifests and bag-info.txt.
    #[arg(long, value_name = "DIR")]
    pub bag: Option<PathBuf>,
    /// Progress and parallelism (articles are read and parsed in parallel).
    #[command(flatten)]
    pub run: RunArgs,
}

/// Metadata fields, each optional: the command line's options and, with the
/// same names in kebab-case, the keys of a sidecar file (one type, so the
/// two can never disagree). The options win over the sidecar's values.
#[derive(Debug, Args, Default, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetaArgs {
    /// Language of the articles, a BCP 47 tag such as `en` or `cs`
    /// [default: en]. It also decides how numbers are read: with `de`, `cs`,
    /// `fr` and other decimal-comma languages `18.2004.` is 18 200 +
    /// citation 4 and `12,5` a decimal.
    #[arg(long, value_name = "L")]
    pub lang: Option<String>,
    /// Author(s) of the articles.
    #[arg(long, value_name = "A")]
    pub author: Option<String>,
    /// Where the articles were published.
    #[arg(long, value_name = "U")]
    pub source_url: Option<String>,
    /// Publication date (ISO 8601 recommended, e.g. 2018-03-07).
    #[arg(long, value_name = "D")]
    pub date: Option<String>,
    /// Licence statement, e.g. `CC BY 4.0` (a Creative Commons name gets
    /// its URL in the TEI) or the licence's URL.
    #[arg(long, value_name = "L")]
    pub license: Option<String>,
    /// Who publishes this edition (TEI `publicationStmt/publisher`).
    #[arg(long, value_name = "P")]
    pub publisher: Option<String>,
    /// When the source was read, e.g. 2024-05-01 (TEI source description).
    #[arg(long, value_name = "D")]
    pub accessed: Option<String>,
    /// The site or publication the articles appeared in.
    #[arg(long, value_name = "T")]
    pub source_title: Option<String>,
}

/// Arguments of `refolio check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inputs and reading options.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Language of the articles, a BCP 47 tag such as `en` or `de`: it
    /// decides how numbers are read (`18.2004.` is 18 200 + citation 4 in
    /// German) [default: the sidecar's, else en].
    #[arg(long, value_name = "L")]
    pub lang: Option<String>,
    /// Print one JSON object per input on standard output instead of text:
    /// `input`, `style`, every diagnostic (none left out, whatever
    /// --max-diagnostics says) and every decision with its margin, each
    /// with line and column.
    #[arg(long)]
    pub json: bool,
}

/// The outcome of a run, ordered by severity; the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: everything went well.
    Ok = 0,
    /// 1: an input has errors (or warnings, with `--strict`).
    Input = 1,
    /// 2: usage, metadata or I/O error.
    Usage = 2,
}

/// Something that went wrong with one input, and how bad it is.
#[derive(Debug)]
pub struct Failure {
    /// The exit code it calls for.
    pub exit: Exit,
    /// The message.
    pub error: anyhow::Error,
}

impl Failure {
    /// A failure of the input itself (exit 1).
    pub fn input(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            exit: Exit::Input,
            error: error.into(),
        }
    }
    /// A usage, metadata or I/O failure (exit 2).
    pub fn usage(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            exit: Exit::Usage,
            error: error.into(),
        }
    }
}

/// Standard output went away (e.g. `refolio … | head`): stop quietly.
#[derive(Debug, thiserror::Error)]
#[error("standard output closed")]
pub struct BrokenPipe;

/// True if `e` is (or wraps) a broken pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<BrokenPipe>()
            || c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<refolio::error::WriteError>().is_some_and(|w| {
                matches!(w, refolio::error::WriteError::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}

/// Prints an error as `refolio: …` on standard error.
pub fn report(error: &anyhow::Error) {
    // Never panic when standard error is gone (eprintln! would).
    let _ = writeln!(std::io::stderr().lock(), "refolio: {error:#}");
}

/// Prints the diagnostics of a parsed input on standard error: with the
/// source line and a caret on a terminal, one line each otherwise. At most
/// `max` of one kind (the same message but for its numbers and quoted
/// parts); then one line says how many more there were.
pub fn print_diagnostics(parsed: &refolio::Parsed, max: usize) {
    let mut err = std::io::stderr().lock();
    let rich = err.is_terminal();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut kinds: Vec<String> = Vec::new();
    for d in &parsed.diagnostics {
        let kind = diagnostic_kind(d);
        let count = seen.entry(kind.clone()).or_insert(0);
        *count += 1;
        if *count == max + 1 {
            kinds.push(kind);
        }
        if *count > max {
            continue;
        }
        let _ = if rich {
            write!(err, "{}", d.render_rich(&parsed.source))
        } else {
            writeln!(err, "{}", d.render_short(&parsed.source))
        };
    }
    for kind in kinds {
        let more = seen[&kind] - max;
        let _ = writeln!(
            err,
            "{}: … and {} more like this: {}",
            parsed.source.name,
            thousands(more),
            kind.trim()
        );
    }
}

/// A diagnostic's kind: its severity and message without numbers and
/// without the parts in backquotes.
fn diagnostic_kind(d: &refolio::diag::Diagnostic) -> String {
    let mut out = format!("{:?}: ", d.severity).to_lowercase();
    let mut quoted = false;
    for c in d.message.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                if quoted {
                    out.push_str("`…`");
                }
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `99980` → `99,980`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Prints the decisions of a parsed input whose margin is below `below` on
/// standard output, smallest margin first (`--review`).
pub fn print_review(parsed: &refolio::Parsed, below: f32) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in parsed.review_lines(below) {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// The exit code that the diagnostics of a parsed input call for.
pub fn diagnostics_exit(parsed: &refolio::Parsed, strict: bool) -> Exit {
    let warnings = parsed
        .diagnostics
        .iter()
        .any(|d| d.severity == refolio::diag::Severity::Warning);
    if parsed.has_errors() || (strict && warnings) {
        Exit::Input
    } else {
        Exit::Ok
    }
}

/// Runs the command; the result is the exit code. An `Err` is a failure of
/// the whole run (exit 2, or 0 for a broken pipe).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Convert(args) => convert::run(&args),
        Command::Book(args) => book::run(&args),
        Command::Check(args) => check::run(&args),
    }
}
