//! `refolio convert`.

use super::bag;
use super::input::{self, Input};
use super::output;
use super::progress::{self, ArticleFacts, Outcome, Progress};
use super::style::{self, Style};
use super::{
    ConvertArgs, Exit, Failure, diagnostics_exit, is_broken_pipe, print_diagnostics, report,
};
use anyhow::{Context, bail};
use rayon::prelude::*;
use refolio::write::EpubOptions;
use refolio::write::{Format, WriteOptions};
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
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
    if to_stdout {
        vec![Format::Tei]
    } else {
        vec![Format::Tei, Format::Epub, Format::Pdf]
    }
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

/// Converts every input, in parallel (`--jobs`); a failing input is
/// reported and never stops the others. Output names are planned before any
/// work: two inputs that would write the same file (the same stem in
/// different folders), or an output that would replace an input, are an
/// error (exit 2) before anything is read or written.
pub fn run(args: &ConvertArgs) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let to_stdout = args.output == Path::new("-");
    let requested: Vec<Format> = match &args.to {
        Some(to) => to.clone(),
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
    args.meta
        .as_meta()
        .validate()
        .context("invalid metadata option")?;
    let style = style::load(&args.read.style)?;
    let epub = if formats.contains(&Format::Epub) || formats.contains(&Format::Html) {
        if args.identifier.is_some() && inputs.len() > 1 {
            bail!(
                "--identifier names one book, but {} inputs make {} books; convert them one at a time",
                inputs.len(),
                inputs.len()
            );
        }
        if let Some(id) = &args.identifier {
            refolio::write::check_chars("--identifier", id)?;
            if id.trim().is_empty() {
                bail!("--identifier is empty");
            }
        }
        EpubOptions {
            identifier: args.identifier.clone(),
            stylesheet: style.epub_css.clone(),
            modified: None,
            title: None,
            backlinks: args.epub_notes,
        }
    } else {
        EpubOptions::default()
    };
    // Every writer's options, filled here and only here.
    let write_options = WriteOptions {
        tei: refolio::write::TeiOptions {
            profile: args.tei_profile,
            review: None,
        },
        timestamp: source_date_epoch()?,
        epub,
        pdf: refolio::write::PdfOptions {
            style: style.pdf.clone(),
            timestamp: None,
            notes: args.pandoc.pdf_notes(),
        },
        book: None,
        recto: false,
        pandoc: args.pandoc.options(),
    };
    // A bag: the outputs go into a staging folder's data/, made whole later.
    let staging = match &args.bag {
        Some(target) => {
            if inputs.iter().any(Input::is_stdin) {
                bail!("--bag keeps the original input files: give files, not `-`");
            }
            Some(bag::stage(target)?)
        }
        None => None,
    };
    let dest = if let Some(staging) = &staging {
        let data = staging.join("data").canonicalize().with_context(|| {
            format!("cannot open the bag's staging folder {}", staging.display())
        })?;
        Destination::Dir(data)
    } else if to_stdout {
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
    let plans = match plan_outputs(&inputs, &formats, &dest) {
        Ok(p) => p,
        Err(e) => {
            if let Some(staging) = &staging {
                bag::abandon(staging);
            }
            return Err(e);
        }
    };

    let progress = Progress::new(inputs.len(), &args.run);
    let job = Job {
        style: &style,
        write: &write_options,
        progress: &progress,
        alone: inputs.len() == 1,
    };
    let work = |(input, targets): (&Input, &Vec<(Format, OsString)>)| -> (Exit, Outcome, bool) {
        let mut outcome = Outcome {
            name: input.name().into_owned(),
            warnings: 0,
            errors: 0,
            failure: None,
            written: Vec::new(),
            article: None,
        };
        match convert_one(args, &job, input, targets, &dest, &mut outcome) {
            Ok(e) => (e, outcome, false),
            Err(f) if is_broken_pipe(&f.error) => (Exit::Ok, outcome, true),
            Err(f) => {
                if !progress.quiet() || f.exit >= Exit::Input {
                    progress.print(|| report(&f.error));
                }
                outcome.failure = Some(format!("{:#}", f.error));
                (f.exit, outcome, false)
            }
        }
    };
    let pairs: Vec<(&Input, &Vec<(Format, OsString)>)> = inputs.iter().zip(&plans).collect();
    let results: Vec<(Exit, Outcome, bool)> = if pairs.len() <= 1 {
        pairs.into_iter().map(&work).collect()
    } else {
        let mut pool = rayon::ThreadPoolBuilder::new();
        if let Some(n) = args.run.jobs {
            pool = pool.num_threads(usize::from(n));
        }
        let pool = pool.build().context("cannot start the worker threads")?;
        pool.install(|| {
            pairs
                .into_par_iter()
                .map(|p| {
                    let r = work(p);
                    progress.finished(&r.1);
                    r
                })
                .collect()
        })
    };
    progress.finish();
    let mut exit = Exit::Ok;
    let mut outcomes = Vec::with_capacity(results.len());
    for (e, o, broken_pipe) in results {
        if broken_pipe {
            return Ok(exit);
        }
        exit = exit.max(e);
        outcomes.push(o);
    }
    if let (Some(staging), Some(target)) = (&staging, &args.bag) {
        finish_bag(
            staging,
            target,
            &inputs,
            &outcomes,
            write_options.timestamp,
            &formats,
        )?;
    }
    if outcomes.len() == 1 && args.run.verbose {
        progress.finished(&outcomes[0]);
    }
    if !args.run.quiet && (outcomes.len() > 1 || args.run.verbose) {
        let s = progress::summary(&outcomes, started.elapsed().as_secs_f64());
        let _ = std::io::stderr().lock().write_all(s.as_bytes());
    }
    Ok(exit)
}

/// Makes the bag whole when every input converted (their outputs are in
/// `staging/data/`): copies the original inputs (and their sidecar
/// metadata) beside them and writes the tag files. Any failure leaves no
/// bag.
fn finish_bag(
    staging: &Path,
    target: &Path,
    inputs: &[Input],
    outcomes: &[Outcome],
    timestamp: Option<i64>,
    formats: &[Format],
) -> anyhow::Result<()> {
    if outcomes.iter().any(|o| o.failure.is_some()) {
        bag::abandon(staging);
        bail!(
            "no bag written to {}: not every input converted (see above)",
            target.display()
        );
    }
    if let Err(e) = bag::copy_originals(staging, inputs, None) {
        bag::abandon(staging);
        return Err(e);
    }
    let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
    let titles: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| o.article.as_ref().map(|a| a.title.as_str()))
        .collect();
    let what = match titles.as_slice() {
        [one] => format!("\"{one}\""),
        many => format!("{} articles", many.len()),
    };
    let info = bag::BagInfo {
        date: bag::bagging_date(
            timestamp,
            outcomes
                .iter()
                .filter_map(|o| o.article.as_ref()?.date.as_deref()),
        ),
        identifiers: outcomes
            .iter()
            .filter_map(|o| o.article.as_ref().map(|a| a.identifier.clone()))
            .collect(),
        description: format!(
            "{what}, converted by refolio from text flattened from web pages into {}, \
             with the original text",
            names.join(", ")
        ),
    };
    bag::finish(staging, target, &info)
}

/// The output file names of every input, decided before any work. Two
/// inputs that would write the same file, or an output that would replace
/// an input, are an error naming every clash.
fn plan_outputs(
    inputs: &[Input],
    formats: &[Format],
    dest: &Destination,
) -> anyhow::Result<Vec<Vec<(Format, OsString)>>> {
    let Destination::Dir(dir) = dest else {
        return Ok(inputs
            .iter()
            .map(|_| formats.iter().map(|&f| (f, OsString::new())).collect())
            .collect());
    };
    // Canonical paths of the inputs, which no output may replace.
    let input_paths: HashMap<PathBuf, std::borrow::Cow<str>> = inputs
        .iter()
        .filter_map(|i| Some((i.path.as_ref()?.canonicalize().ok()?, i.name())))
        .collect();
    let mut claimed: HashMap<PathBuf, std::borrow::Cow<str>> = HashMap::new();
    let mut clashes: Vec<String> = Vec::new();
    let mut plans = Vec::with_capacity(inputs.len());
    for input in inputs {
        let mut targets = Vec::with_capacity(formats.len());
        for &format in formats {
            let name = input.output_name(format.extension());
            let target = dir.join(&name);
            if let Some(other) = input_paths.get(&target) {
                clashes.push(format!(
                    "{}: refusing to write {}: it is the input {other}",
                    input.name(),
                    target.display()
                ));
            } else if let Some(other) = claimed.get(&target) {
                clashes.push(format!(
                    "{} and {other} would both write {} (two inputs with the same stem)",
                    input.name(),
                    target.display()
                ));
            } else {
                claimed.insert(target, input.name());
            }
            targets.push((format, name));
        }
        plans.push(targets);
    }
    if !clashes.is_empty() {
        let shown = clashes
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ");
        let more = if clashes.len() > 20 {
            format!("\n  … and {} more", clashes.len() - 20)
        } else {
            String::new()
        };
        bail!(
            "output names collide; nothing was converted (rename the inputs, or convert them \
             into different folders with -o):\n  {shown}{more}"
        );
    }
    Ok(plans)
}

/// What is the same for every input.
struct Job<'a> {
    style: &'a Style,
    write: &'a WriteOptions,
    progress: &'a Progress,
    /// The run converts this one article and ends: its memory is left to
    /// the process's end, which returns it all at once, instead of being
    /// freed piece by piece.
    alone: bool,
}

fn convert_one(
    args: &ConvertArgs,
    job: &Job,
    input: &Input,
    targets: &[(Format, OsString)],
    dest: &Destination,
    outcome: &mut Outcome,
) -> Result<Exit, Failure> {
    let bytes = input.read(args.read.max_input_bytes)?;
    let meta = input::metadata(input, &args.meta)?;
    let opts = refolio::ParseOptions {
        lossy: args.read.lossy,
        max_input_bytes: args.read.max_input_bytes,
        alt_phrases: job.style.alt_phrases.clone(),
        margins: args.read.review || targets.iter().any(|(f, _)| *f == Format::Json),
        decisions: args.read.review,
    };
    let parsed =
        refolio::parse_article(&input.name(), bytes, meta, &opts).map_err(Failure::input)?;
    let (errors, warnings) = diagnostic_counts(&parsed);
    // Only a bag's `bag-info.txt` needs these; the content identifier
    // hashes the whole article, so it is not made otherwise.
    if args.bag.is_some() {
        let identifier = match &args.identifier {
            Some(id) => id.trim().to_string(),
            None => refolio::write::content_identifier(&[&parsed.document]),
        };
        outcome.article = Some(ArticleFacts {
            identifier,
            title: parsed.document.title.text.clone(),
            date: parsed.document.meta.date.clone(),
        });
    }
    outcome.errors = errors;
    outcome.warnings = warnings;
    if !job.progress.quiet() || errors > 0 {
        job.progress
            .print(|| print_diagnostics(&parsed, args.read.max_diagnostics));
    }
    if args.read.review {
        // A closed standard output must not stop the conversion.
        let _ = job
            .progress
            .print(|| super::print_review(&parsed, args.read.review_below));
    }
    let status = diagnostics_exit(&parsed, args.read.strict);

    // The writers' warnings (a PDF's characters without a glyph), each at
    // its place in the article.
    let print_warnings = |parsed: &refolio::Parsed, diagnostics: &[refolio::diag::Diagnostic]| {
        if !diagnostics.is_empty() && !job.progress.quiet() {
            job.progress.print(|| {
                let mut err = std::io::stderr().lock();
                for d in diagnostics {
                    let _ = writeln!(err, "{}", d.render_short(&parsed.source));
                }
            });
        }
    };
    let pdf_fits = |size: usize| -> Result<(), Failure> {
        let size = size as u64;
        if size > args.max_pdf_input_bytes {
            return Err(Failure::input(anyhow::anyhow!(
                "{}: no PDF: the article is {size} bytes, more than --max-pdf-input-bytes ({}); \
                 its other formats were written",
                input.name(),
                args.max_pdf_input_bytes
            )));
        }
        Ok(())
    };
    // Every format but the PDF (made last, below).
    let render = |format: Format, out: &mut dyn Write| -> Result<(), Failure> {
        // With --review, the TEI header says how many decisions were doubtful.
        let reviewed;
        let options = if args.read.review && format == Format::Tei {
            let mut o = job.write.clone();
            let below = args.read.review_below;
            o.tei.review = Some(refolio::write::ReviewSummary {
                decisions: parsed.decisions.len(),
                doubtful: parsed.decisions.iter().filter(|d| d.margin < below).count(),
                below,
            });
            reviewed = o;
            &reviewed
        } else {
            job.write
        };
        let diagnostics = refolio::write::render_into(&[&parsed.document], format, options, out)
            .with_context(|| format!("{}: cannot write {}", input.name(), format.name()))
            .map_err(Failure::usage)?;
        print_warnings(&parsed, &diagnostics);
        Ok(())
    };
    // The PDF is made last, whatever the order asked, of the article
    // given up: freed once laid out, so that its pages and file are made
    // without its text and document (`render_pdf_giving_up`); the other
    // formats first. (Made first, as `-t pdf,tei` once did, the PDF of the
    // seed ×6,920 held the article beside its layout: 100.7 MB against
    // 56.5 MB; and an article too long for a PDF stopped the formats after
    // it.) `--verbose` still lists the files in the order asked.
    let pdf_at = targets.iter().position(|(f, _)| *f == Format::Pdf);
    let last_pdf = pdf_at.map(|i| &targets[i]);
    let before: Vec<&(Format, OsString)> =
        targets.iter().filter(|(f, _)| *f != Format::Pdf).collect();
    match dest {
        Destination::Stdout => {
            // Whole, then written: a failed conversion prints nothing.
            for (format, _) in &before {
                let mut bytes = Vec::new();
                render(*format, &mut bytes)?;
                output::write_stdout(&bytes).map_err(Failure::usage)?;
            }
        }
        Destination::Dir(dir) => {
            // Streamed into the temporary file, renamed once complete.
            for (format, name) in &before {
                let path = output::write_atomic_with(dir, name, |out| render(*format, out))?;
                outcome.written.push(path.display().to_string());
            }
        }
    }
    let Some((_, name)) = last_pdf else {
        if job.alone {
            std::mem::forget(parsed);
        }
        return Ok(status);
    };
    pdf_fits(parsed.source.text.len())?;
    let give_up = |out: &mut dyn Write| -> Result<(), Failure> {
        let mut laid_out =
            |parsed: &refolio::Parsed, diagnostics: Vec<refolio::diag::Diagnostic>| {
                print_warnings(parsed, &diagnostics);
            };
        refolio::write::render_pdf_giving_up(parsed, job.write, out, &mut laid_out)
            .with_context(|| format!("{}: cannot write {}", input.name(), Format::Pdf.name()))
            .map_err(Failure::usage)
    };
    match dest {
        Destination::Stdout => {
            let mut bytes = Vec::new();
            give_up(&mut bytes)?;
            output::write_stdout(&bytes).map_err(Failure::usage)?;
        }
        Destination::Dir(dir) => {
            let path = output::write_atomic_with(dir, name, give_up)?;
            let at = pdf_at.map_or(outcome.written.len(), |i| i.min(outcome.written.len()));
            outcome.written.insert(at, path.display().to_string());
        }
    }
    Ok(status)
}

/// (errors, warnings) among the diagnostics.
pub fn diagnostic_counts(parsed: &refolio::Parsed) -> (usize, usize) {
    use refolio::diag::Severity;
    let errors = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (errors, parsed.diagnostics.len() - errors)
}
