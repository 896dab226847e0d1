//! `refolio check`.

use super::input::{self, Input};
use super::{
    BrokenPipe, CheckArgs, Exit, Failure, MetaArgs, diagnostics_exit, is_broken_pipe,
    print_diagnostics, report,
};
use refolio::ast::{Inline, for_each_inlines};
use refolio::diag::Severity;
use serde::Serialize;
use std::io::Write;

/// Checks every input; a failing input is reported and skipped.
pub fn run(args: &CheckArgs) -> anyhow::Result<Exit> {
    let inputs: Vec<Input> = args.read.inputs.iter().map(|p| Input::new(p)).collect();
    if inputs.iter().filter(|i| i.is_stdin()).count() > 1 {
        anyhow::bail!("`-` (standard input) can be given only once");
    }
    let style = super::style::load(&args.read.style)?;
    let mut exit = Exit::Ok;
    for input in &inputs {
        match check_one(args, input, &style.alt_phrases) {
            Ok(e) => exit = exit.max(e),
            Err(f) if is_broken_pipe(&f.error) => return Ok(exit),
            Err(f) => {
                report(&f.error);
                exit = exit.max(f.exit);
            }
        }
    }
    Ok(exit)
}

fn check_one(args: &CheckArgs, input: &Input, alt_phrases: &[String]) -> Result<Exit, Failure> {
    let bytes = input.read(args.read.max_input_bytes)?;
    let flags = MetaArgs {
        lang: args.lang.clone(),
        ..MetaArgs::default()
    };
    let meta = input::metadata(input, &flags)?;
    let opts = refolio::ParseOptions {
        lossy: args.read.lossy,
        max_input_bytes: args.read.max_input_bytes,
        alt_phrases: alt_phrases.to_vec(),
        margins: args.read.review || args.json,
        decisions: args.read.review || args.json,
    };
    let parsed =
        refolio::parse_article(&input.name(), bytes, meta, &opts).map_err(Failure::input)?;
    let stdout_failure = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::usage(BrokenPipe)
        } else {
            Failure::usage(anyhow::Error::new(e).context("cannot write to standard output"))
        }
    };
    if args.json {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut out, &Report::new(&input.name(), &parsed))
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush())
            .map_err(stdout_failure)?;
        return Ok(diagnostics_exit(&parsed, args.read.strict));
    }
    print_diagnostics(&parsed, args.read.max_diagnostics);
    if args.read.review {
        super::print_review(&parsed, args.read.review_below).map_err(stdout_failure)?;
    }
    let line = format!(
        "{}\n{}: style: {}{}\n",
        summary(&input.name(), &parsed),
        input.name(),
        parsed.document.style,
        if parsed.document.hard_wrapped {
            ", hard-wrapped"
        } else {
            ""
        }
    );
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::usage(BrokenPipe)
            } else {
                Failure::usage(anyhow::Error::new(e).context("cannot write to standard output"))
            }
        })?;
    Ok(diagnostics_exit(&parsed, args.read.strict))
}

/// `check --json`: one line per input with every diagnostic (none left out)
/// and every decision with its margin, each with line and column. Written
/// as it is serialised (a large article's decisions are never held as
/// JSON); the keys of each object in alphabetical order.
#[derive(Serialize)]
struct Report<'a> {
    decisions: Each<'a, refolio::Decision>,
    diagnostics: Each<'a, refolio::diag::Diagnostic>,
    input: &'a str,
    style: String,
}

impl<'a> Report<'a> {
    fn new(name: &'a str, parsed: &'a refolio::Parsed) -> Self {
        Report {
            decisions: Each(&parsed.decisions, parsed),
            diagnostics: Each(&parsed.diagnostics, parsed),
            input: name,
            style: parsed.document.style.to_string(),
        }
    }
}

/// A list of the report, each item written as its [`Item`] when the list
/// is.
struct Each<'a, T>(&'a [T], &'a refolio::Parsed);

impl<'a, T> Serialize for Each<'a, T>
where
    Item<'a, T>: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|item| Item(item, self.1)))
    }
}

/// One diagnostic or decision of the report, with the article it is in
/// (for its line and column).
struct Item<'a, T>(&'a T, &'a refolio::Parsed);

/// Where in the source: line, column and byte offsets.
#[derive(Serialize)]
struct At {
    column: usize,
    end: u32,
    line: usize,
    start: u32,
}

fn at(parsed: &refolio::Parsed, span: refolio::ast::Span) -> At {
    let (line, column) = parsed.source.line_col(span.start as usize);
    At {
        column,
        end: span.end,
        line,
        start: span.start,
    }
}

impl Serialize for Item<'_, refolio::diag::Diagnostic> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'d> {
            at: At,
            help: &'d Option<String>,
            message: &'d str,
            severity: Severity,
        }
        let Item(d, parsed) = self;
        Json {
            at: at(parsed, d.span),
            help: &d.help,
            message: &d.message,
            severity: d.severity,
        }
        .serialize(s)
    }
}

impl Serialize for Item<'_, refolio::Decision> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'d> {
            alternative: &'d str,
            at: At,
            elsewhere: Option<At>,
            margin: f64,
            read: &'d str,
        }
        let Item(d, parsed) = self;
        Json {
            alternative: &d.alternative,
            at: at(parsed, d.span),
            elsewhere: d.elsewhere.map(|e| at(parsed, e)),
            margin: (f64::from(d.margin) * 100.0).round() / 100.0,
            read: &d.read,
        }
        .serialize(s)
    }
}

/// `NAME: 20 citations, 7 references, 2 sections, 0 warnings, 0 errors`.
pub fn summary(name: &str, parsed: &refolio::Parsed) -> String {
    let doc = &parsed.document;
    let mut citations = 0;
    for_each_inlines(doc, &mut |inlines| {
        citations += inlines
            .iter()
            .filter(|i| matches!(i, Inline::Cite { .. }))
            .count();
    });
    let count = |s: Severity| {
        parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    format!(
        "{name}: {}, {}, {}, {}, {}",
        plural(citations, "citation"),
        plural(doc.references.len(), "reference"),
        plural(doc.sections.len(), "section"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Error), "error"),
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
