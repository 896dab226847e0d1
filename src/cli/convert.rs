//! `refolio convert`.

use super::input::{self, Input};
use super::output;
use super::style::{self, Style};
use super::{
    ConvertArgs, Exit, Failure, diagnostics_exit, is_broken_pipe, print_diagnostics, report,
};
use anyhow::{Context, bail};
use refolio::write::Format;
use refolio::write::epub::EpubOptions;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Where the outputs go.
enum Destination {
    Stdout,
    /// The output folder, canonical.
    Dir(PathBuf),
}

/// The formats `convert` writes without `-t`: TEI and EPUB into a folder,
/// TEI alone to standard output (`-o -`).
pub fn default_formats(to_stdout: bool) -> Vec<Format> {
    if to_stdout { vec![Format::Tei] } else { vec![Format::Tei, Format::Epub, Format::Pdf] }
}

/// Reads `SOURCE_DATE_EPOCH` (reproducible builds): seconds since the Unix
/// epoch, or `None` when unset or empty.
pub fn source_date_epoch() -> anyhow::Result<Option<i64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e) => bail!("SOURCE_DATE_EPOCH: {e}"),
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => match v.trim().parse::<i64>() {
            Ok(secs) if secs >= 0 => Ok(Some(secs)),
            _ => bail!("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {v:?}"),
        },
    }
}

/// Converts every input; a failing input is reported and skipped.
pub fn run(args: &ConvertArgs) -> anyhow::Result<Exit> {
    let to_stdout = args.output == Path::new("-");
    let requested: Vec<Format> = match &args.to {
        Some(to) => to.iter().map(|&f| Format::from(f)).collect(),
        None => default_formats(to_stdout),
    };
    let mut formats: Vec<Format> = Vec::new();
    for f in requested {
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let inputs: Vec<Input> = args.read.inputs.iter().map(|p| Input::new(p)).collect();
    if inputs.iter().filter(|i| i.is_stdin()).count() > 1 {
        bail!("`-` (standard input) can be given only once");
    }
    refolio::write::xml::check_meta(&args.meta.as_meta()).context("invalid metadata option")?;
    let style = style::load(&args.read.style)?;
    let epub = if formats.contains(&Format::Epub) {
        if args.identifier.is_some() && inputs.len() > 1 {
            bail!(
                "--identifier names one book, but {} inputs make {} books; convert them one at a time",
                inputs.len(),
                inputs.len()
            );
        }
        if let Some(id) = &args.identifier {
            refolio::write::xml::check_chars("--identifier", id)?;
            if id.trim().is_empty() {
                bail!("--identifier is empty");
            }
        }
        EpubOptions {
            identifier: args.identifier.clone(),
            stylesheet: style.epub_css.clone(),
            modified: source_date_epoch()?,
            title: None,
        }
    } else {
        EpubOptions::default()
    };
    let dest = if to_stdout {
        if inputs.len() != 1 || formats.len() != 1 {
            bail!(
                "`-o -` writes to standard output, which takes exactly one input and one format \
                 (got {} inputs and {} formats)",
                inputs.len(),
                formats.len()
            );
        }
        if formats[0].is_binary() && std::io::stdout().is_terminal() {
            bail!(
                "refusing to write {} (binary) to a terminal; redirect standard output or use -o DIR",
                formats[0].name()
            );
        }
        Destination::Stdout
    } else {
        std::fs::create_dir_all(&args.output).with_context(|| {
            format!("cannot create the output folder {}", args.output.display())
        })?;
        let dir = args
            .output
            .canonicalize()
            .with_context(|| format!("cannot open the output folder {}", args.output.display()))?;
        Destination::Dir(dir)
    };
    // Canonical paths of the inputs, which no output may replace.
    let input_paths: HashMap<PathBuf, &str> = inputs
        .iter()
        .filter_map(|i| Some((i.path.as_ref()?.canonicalize().ok()?, i.name.as_str())))
        .collect();
    let mut claimed: HashMap<PathBuf, String> = HashMap::new();
    let mut exit = Exit::Ok;
    let job = Job { style: &style, epub: &epub };
    for input in &inputs {
        match convert_one(args, &job, input, &formats, &dest, &input_paths, &mut claimed) {
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

/// What is the same for every input.
struct Job<'a> {
    style: &'a Style,
    epub: &'a EpubOptions,
}

fn convert_one(
    args: &ConvertArgs,
    job: &Job,
    input: &Input,
    formats: &[Format],
    dest: &Destination,
    input_paths: &HashMap<PathBuf, &str>,
    claimed: &mut HashMap<PathBuf, String>,
) -> Result<Exit, Failure> {
    // Plan the outputs first: refuse to replace an input or another input's output.
    let mut targets = Vec::new();
    if let Destination::Dir(dir) = dest {
        for &format in formats {
            let name = input.output_name(format.extension());
            let target = dir.join(&name);
            if let Some(other) = input_paths.get(&target) {
                return Err(Failure::usage(anyhow::anyhow!(
                    "{}: refusing to write {}: it is the input {other}",
                    input.name,
                    target.display()
                )));
            }
            if let Some(other) = claimed.get(&target) {
                return Err(Failure::usage(anyhow::anyhow!(
                    "{}: refusing to write {}: it is the output of {other} (two inputs with the same stem)",
                    input.name,
                    target.display()
                )));
            }
            targets.push((format, name));
        }
        for (_, name) in &targets {
            claimed.insert(dir.join(name), input.name.clone());
        }
    }

    let bytes = input.read(args.read.max_input_bytes)?;
    let meta = input::metadata(input, &args.meta)?;
    let opts = refolio::ParseOptions {
        lossy: args.read.lossy,
        max_input_bytes: args.read.max_input_bytes,
        alt_phrases: job.style.alt_phrases.clone(),
    };
    let parsed = refolio::parse_article(&input.name, bytes, meta, &opts).map_err(Failure::input)?;
    print_diagnostics(&parsed);
    let status = diagnostics_exit(&parsed, args.read.strict);

    let render = |format: Format| -> Result<Vec<u8>, Failure> {
        let mut buf = Vec::new();
        match format {
            Format::Epub => {
                refolio::write::epub::write_book(&[&parsed.document], job.epub, &mut buf)
            }
            Format::Pdf => {
                let opts = refolio::write::pdf::PdfOptions {
                    style: job.style.pdf.clone(),
                    timestamp: refolio::write::pdf::source_date_epoch(),
                };
                refolio::write::pdf::render_pdf(&parsed.document, &opts).map(|pdf| {
                    warn_missing_glyphs(&parsed, &pdf.missing);
                    buf = pdf.bytes;
                })
            }
            _ => refolio::write::write(&parsed.document, format, &mut buf),
        }
        .with_context(|| format!("{}: cannot write {}", input.name, format.name()))
        .map_err(Failure::usage)?;
        Ok(buf)
    };
    match dest {
        Destination::Stdout => {
            for &format in formats {
                output::write_stdout(&render(format)?).map_err(Failure::usage)?;
            }
        }
        Destination::Dir(dir) => {
            for (format, name) in &targets {
                output::write_atomic(dir, name, &render(*format)?).map_err(Failure::usage)?;
            }
        }
    }
    Ok(status)
}

/// Warns, with line:column, about characters the PDF fonts cannot draw.
fn warn_missing_glyphs(parsed: &refolio::Parsed, missing: &[refolio::layout::MissingGlyph]) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    for m in missing {
        let span = refolio::ast::Span::new(m.offset, m.offset + m.c.len_utf8());
        let d = refolio::diag::Diagnostic::new(
            refolio::diag::Severity::Warning,
            span,
            format!("the PDF fonts have no glyph for {:?} (U+{:04X}); it is drawn as a blank box", m.c, m.c as u32),
        );
        let _ = writeln!(err, "{}", d.render_short(&parsed.source));
    }
}
