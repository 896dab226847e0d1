//! `refolio book`: many articles, one publication (EPUB, PDF or TEI corpus).

use super::bag;
use super::input::{self, Input};
use super::progress::{self, Outcome, Progress};
use super::{BookArgs, Exit, Failure, MetaArgs, diagnostics_exit, print_diagnostics, report};
use anyhow::{Context, bail};
use rayon::prelude::*;
use refolio::write::{BookMeta, Format, WriteOptions};
use serde::Deserialize;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A book manifest (`book.toml`).
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The book's title.
    pub title: Option<String>,
    /// Its subtitle.
    pub subtitle: Option<String>,
    /// Its author or editor.
    pub author: Option<String>,
    /// Its date.
    pub date: Option<String>,
    /// Its language (BCP 47).
    #[serde(alias = "lang")]
    pub language: Option<String>,
    /// Its licence.
    #[serde(alias = "license")]
    pub licence: Option<String>,
    /// Who publishes it.
    pub publisher: Option<String>,
    /// PDF: chapters on right-hand pages.
    #[serde(default)]
    pub recto: bool,
    /// The EPUB identifier.
    pub identifier: Option<String>,
    /// The articles, in order, relative to the manifest's folder.
    pub articles: Vec<PathBuf>,
}

impl Manifest {
    /// Reads a manifest; article paths become relative to the current folder.
    pub fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the manifest {}", path.display()))?;
        let mut m: Manifest = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
            .with_context(|| format!("invalid manifest {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        for a in &mut m.articles {
            if a.is_relative() {
                *a = base.join(&*a);
            }
        }
        Ok(m)
    }
}

/// The book's format, from the output's extension: EPUB, PDF, TEI, pandoc
/// JSON, Markdown or HTML.
fn book_format(path: &Path) -> anyhow::Result<Format> {
    let name = path
        .file_name()
        .and_then(OsStr::to_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".epub") {
        Ok(Format::Epub)
    } else if name.ends_with(".pdf") {
        Ok(Format::Pdf)
    } else if name.ends_with(".tei.xml") || name.ends_with(".xml") {
        Ok(Format::Tei)
    } else if name.ends_with(".pandoc.json") {
        Ok(Format::Pandoc)
    } else if name.ends_with(".md") {
        Ok(Format::Markdown)
    } else if name.ends_with(".html") {
        Ok(Format::Html)
    } else {
        bail!(
            "cannot tell the book's format from {}: use a name ending in .epub, .pdf, .tei.xml, \
             .pandoc.json, .md or .html",
            path.display()
        )
    }
}

/// Makes the book. Every article must be readable: one that is not fails
/// the book (exit 1 or 2) and nothing is written; all of them are reported.
pub fn run(args: &BookArgs) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let format = book_format(&args.output)?;
    let manifest = match args.read.inputs.as_slice() {
        [one] if one.extension() == Some(OsStr::new("toml")) => Some(Manifest::load(one)?),
        _ => None,
    };
    let manifest_path = manifest.is_some().then(|| args.read.inputs[0].clone());
    let m = manifest.unwrap_or_default();
    let paths: Vec<PathBuf> = if m.articles.is_empty() {
        args.read.inputs.clone()
    } else {
        m.articles.clone()
    };
    if paths.is_empty() {
        bail!("the book has no articles");
    }
    if let Some(target) = &args.bag {
        if target.exists() {
            bail!(
                "refusing to write the bag {}: it exists (a bag is written whole, into a new folder)",
                target.display()
            );
        }
        if paths.iter().any(|p| p == Path::new("-")) {
            bail!("--bag keeps the original input files: give files, not `-`");
        }
    }
    if paths.iter().any(|p| p == Path::new("-")) && paths.len() > 1 {
        bail!("`-` (standard input) can only be the one article of a book");
    }
    let title = args
        .title
        .clone()
        .or(m.title.clone())
        .filter(|t| !t.trim().is_empty());
    let Some(title) = title else {
        bail!("a book needs a title: --title T (or `title` in the manifest)");
    };
    // The book's metadata applies to every chapter, over its sidecar.
    let flags = MetaArgs {
        lang: args.meta.lang.clone().or(m.language.clone()),
        author: args.meta.author.clone().or(m.author.clone()),
        source_url: args.meta.source_url.clone(),
        date: args.meta.date.clone().or(m.date.clone()),
        license: args.meta.license.clone().or(m.licence.clone()),
        publisher: args.meta.publisher.clone().or(m.publisher.clone()),
        accessed: args.meta.accessed.clone(),
        source_title: args.meta.source_title.clone(),
    };
    flags.as_meta().validate().context("invalid metadata")?;
    refolio::write::check_chars("--title", &title)?;
    let subtitle = args
        .subtitle
        .clone()
        .or(m.subtitle.clone())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(s) = &subtitle {
        refolio::write::check_chars("--subtitle", s)?;
    }
    let book = BookMeta {
        title: title.trim().to_string(),
        subtitle,
        meta: refolio::ast::Meta {
            lang: flags.lang.clone().unwrap_or_default(),
            source_url: None,
            ..flags.as_meta()
        },
    };
    let style = super::style::load(&args.read.style)?;
    let inputs: Vec<Input> = paths.iter().map(|p| Input::new(p)).collect();
    let out_abs = std::path::absolute(&args.output).unwrap_or_else(|_| args.output.clone());
    for i in &inputs {
        if let Some(p) = &i.path
            && std::path::absolute(p).ok().as_deref() == Some(out_abs.as_path())
        {
            bail!(
                "refusing to write {}: it is the input {}",
                args.output.display(),
                i.name
            );
        }
    }

    // Read and parse in parallel; the book needs every document at once.
    let progress = Progress::new(inputs.len(), &args.run);
    let opts = refolio::ParseOptions {
        lossy: args.read.lossy,
        max_input_bytes: args.read.max_input_bytes,
        alt_phrases: style.alt_phrases.clone(),
        margins: args.read.review,
    };
    let parse = |input: &Input| -> (Outcome, Result<(refolio::Parsed, Exit), Failure>) {
        let mut o = Outcome {
            name: input.name.clone(),
            warnings: 0,
            errors: 0,
            failure: None,
            written: vec![],
            article: None,
        };
        let r = (|| -> Result<refolio::Parsed, Failure> {
            let bytes = input.read(args.read.max_input_bytes)?;
            let meta = input::metadata(input, &flags)?;
            let parsed =
                refolio::parse_article(&input.name, bytes, meta, &opts).map_err(Failure::input)?;
            Ok(parsed)
        })();
        let r = r.map(|parsed| {
            let (e, w) = super::convert::diagnostic_counts(&parsed);
            o.errors = e;
            o.warnings = w;
            if !progress.quiet() || e > 0 {
                progress.print(|| print_diagnostics(&parsed, args.read.max_diagnostics));
            }
            if args.read.review {
                let _ = progress.print(|| super::print_review(&parsed, args.read.review_below));
            }
            let status = diagnostics_exit(&parsed, args.read.strict);
            (parsed, status)
        });
        if let Err(f) = &r {
            progress.print(|| report(&f.error));
            o.failure = Some(format!("{:#}", f.error));
        }
        progress.finished(&o);
        (o, r)
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.run.jobs {
        pool = pool.num_threads(usize::from(n));
    }
    let pool = pool.build().context("cannot start the worker threads")?;
    let results: Vec<_> = pool.install(|| inputs.par_iter().map(parse).collect());
    progress.finish();

    let mut exit = Exit::Ok;
    let mut docs = Vec::with_capacity(results.len());
    let mut outcomes = Vec::with_capacity(results.len());
    let mut failed = Exit::Ok;
    for (o, r) in results {
        match r {
            Ok((parsed, status)) => {
                exit = exit.max(status);
                docs.push(parsed);
            }
            Err(f) => failed = failed.max(f.exit),
        }
        outcomes.push(o);
    }
    if failed > Exit::Ok {
        if !args.run.quiet {
            let s = progress::summary(&outcomes, started.elapsed().as_secs_f64());
            let _ = std::io::stderr().lock().write_all(s.as_bytes());
        }
        report(&anyhow::anyhow!(
            "{} not written: {} of {} articles could not be read",
            args.output.display(),
            outcomes.iter().filter(|o| o.failure.is_some()).count(),
            outcomes.len()
        ));
        return Ok(failed.max(exit));
    }

    let refs: Vec<&refolio::ast::Document> = docs.iter().map(|p| &p.document).collect();
    // Every writer's options, filled here and only here.
    let write_options = WriteOptions {
        tei: refolio::write::TeiOptions {
            profile: args.tei_profile,
            review: None,
        },
        timestamp: super::convert::source_date_epoch()?,
        epub: refolio::write::EpubOptions {
            identifier: args.identifier.clone().or(m.identifier.clone()),
            stylesheet: style.epub_css.clone(),
            modified: None,
            title: Some(book.title.clone()),
            backlinks: args.epub_notes,
        },
        pdf: refolio::write::PdfOptions {
            style: style.pdf.clone(),
            timestamp: None,
            notes: args.pandoc.pdf_notes(),
        },
        book: Some(book),
        recto: args.recto || m.recto,
        pandoc: args.pandoc.options(),
    };
    let rendered = refolio::write::render(&refs, format, &write_options)
        .with_context(|| format!("cannot write the book {}", args.output.display()))?;
    if !rendered.diagnostics.is_empty() && !args.run.quiet {
        if format == Format::Pdf {
            report(&anyhow::anyhow!(
                "warning: the PDF fonts have no glyph for {} character(s); drawn as blank boxes",
                rendered.diagnostics.len()
            ));
        } else {
            // The spans are in several sources; each message names its chapter.
            for d in &rendered.diagnostics {
                report(&anyhow::anyhow!("warning: {}", d.message));
            }
        }
    }
    let bytes = rendered.bytes;
    if let Some(target) = &args.bag {
        let date = bag::bagging_date(
            write_options.timestamp,
            write_options
                .book
                .iter()
                .filter_map(|b| b.meta.date.as_deref())
                .chain(refs.iter().filter_map(|d| d.meta.date.as_deref())),
        );
        let identifier = match &write_options.epub.identifier {
            Some(id) => id.trim().to_string(),
            None => refolio::write::content_identifier(&refs),
        };
        let title = write_options.book.as_ref().map_or("", |b| b.title.as_str());
        let info = bag::BagInfo {
            date,
            identifiers: vec![identifier],
            description: format!(
                "\"{title}\", a book of {} articles converted by refolio from text flattened \
                 from web pages into {}, with the original texts",
                refs.len(),
                format.name()
            ),
        };
        write_bag(
            target,
            &args.output,
            &bytes,
            &inputs,
            manifest_path.as_deref(),
            &info,
        )?;
        if !args.run.quiet && (args.run.verbose || outcomes.len() > 1) {
            let s = progress::summary(&outcomes, started.elapsed().as_secs_f64());
            let _ = std::io::stderr().lock().write_all(s.as_bytes());
            let _ = writeln!(
                std::io::stderr().lock(),
                "refolio: wrote the bag {} ({} chapters)",
                target.display(),
                refs.len()
            );
        }
        return Ok(exit);
    }
    let dir = match args.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let name = args
        .output
        .file_name()
        .context("the output has no file name")?;
    super::output::write_atomic(&dir, name, &bytes)?;
    if !args.run.quiet && (args.run.verbose || outcomes.len() > 1) {
        let s = progress::summary(&outcomes, started.elapsed().as_secs_f64());
        let _ = std::io::stderr().lock().write_all(s.as_bytes());
        let _ = writeln!(
            std::io::stderr().lock(),
            "refolio: wrote {} ({} chapters, {} bytes)",
            args.output.display(),
            refs.len(),
            bytes.len()
        );
    }
    Ok(exit)
}

/// The book and its sources as a bag at `target` (see [`bag`]): nothing is
/// left behind when any step fails.
fn write_bag(
    target: &Path,
    output: &Path,
    bytes: &[u8],
    inputs: &[Input],
    manifest: Option<&Path>,
    info: &bag::BagInfo,
) -> anyhow::Result<()> {
    let staging = bag::stage(target)?;
    let filled = (|| -> anyhow::Result<()> {
        let name = output.file_name().context("the output has no file name")?;
        std::fs::write(staging.join("data").join(name), bytes)
            .with_context(|| format!("cannot write {} into the bag", output.display()))?;
        bag::copy_originals(&staging, inputs, manifest)
    })();
    if let Err(e) = filled {
        bag::abandon(&staging);
        return Err(e);
    }
    bag::finish(&staging, target, info)
}
