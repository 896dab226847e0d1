//! `refolio check`.

use super::input::{self, Input};
use super::{
    BrokenPipe, CheckArgs, Exit, Failure, MetaArgs, diagnostics_exit, is_broken_pipe,
    print_diagnostics, report,
};
use refolio::ast::{Inline, for_each_inlines};
use refolio::diag::Severity;
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
    };
    let parsed = refolio::parse_article(&input.name, bytes, meta, &opts).map_err(Failure::input)?;
    let stdout_failure = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::usage(BrokenPipe)
        } else {
            Failure::usage(anyhow::Error::new(e).context("cannot write to standard output"))
        }
    };
    if args.json {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", report_json(&input.name, &parsed))
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
        summary(&input.name, &parsed),
        input.name,
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
/// and every decision with its margin, each with line and column.
fn report_json(name: &str, parsed: &refolio::Parsed) -> String {
    let at = |span: refolio::ast::Span| {
        let (line, column) = parsed.source.line_col(span.start as usize);
        serde_json::json!({"line": line, "column": column, "start": span.start, "end": span.end})
    };
    let diagnostics: Vec<_> = parsed
        .diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "severity": d.severity,
                "at": at(d.span),
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    let decisions: Vec<_> = parsed
        .decisions
        .iter()
        .map(|d| {
            serde_json::json!({
                "at": at(d.span),
                "read": d.read,
                "alternative": d.alternative,
                "elsewhere": d.elsewhere.map(at),
                "margin": (f64::from(d.margin) * 100.0).round() / 100.0,
            })
        })
        .collect();
    serde_json::json!({
        "input": name,
        "style": parsed.document.style.to_string(),
        "diagnostics": diagnostics,
        "decisions": decisions,
    })
    .to_string()
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
