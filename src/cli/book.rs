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
    run_reading_again_from(args, READ_AGAIN_FROM)
}

/// [`run`], a book's chapters read again from `read_again_from` bytes
/// of input (a test lowers it).
fn run_reading_again_from(args: &BookArgs, read_again_from: u64) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let format = book_format(&args.output)?;
    let manifest = match args.read.inputs.as_slice() {
        [one] if one.extension() == Some(OsStr::new("toml")) => Some(Manifest::load(one)?),
        _ => None,
    };
    let manifest_path = manifest.is_some().then(|| args.read.inputs[0].clone());
    let mut m = manifest.unwrap_or_default();
    // The manifest's articles are taken, not copied; they become the
    // inputs, and only those are kept (each list held a path a chapter
    // until the book was written: 1.6 MB of a book of 14,400).
    let paths: Vec<PathBuf> = if m.articles.is_empty() {
        args.read.inputs.clone()
    } else {
        std::mem::take(&mut m.articles)
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
    drop(paths);
    let out_abs = std::path::absolute(&args.output).unwrap_or_else(|_| args.output.clone());
    for i in &inputs {
        if let Some(p) = &i.path
            && std::path::absolute(p).ok().as_deref() == Some(out_abs.as_path())
        {
            bail!(
                "refusing to write {}: it is the input {}",
                args.output.display(),
                i.name()
            );
        }
    }

    // Read and parse in parallel: every article must be readable before
    // anything is written. A book of files of [`READ_AGAIN_FROM`] bytes
    // or more, in a bag or not, keeps only their heads (title and
    // metadata; for an EPUB its contents too: `ChapterHead`) and a digest of
    // their bytes, and reads each file again when the writer reaches it (a
    // file changed since fails the book): its chapters are never all held
    // at once.
    let again = reads_again(format, &inputs, read_again_from);
    let given_identifier = args.identifier.clone().or(m.identifier.clone());
    let progress = Progress::new(inputs.len(), &args.run);
    let opts = refolio::ParseOptions {
        lossy: args.read.lossy,
        max_input_bytes: args.read.max_input_bytes,
        alt_phrases: style.alt_phrases.clone(),
        margins: args.read.review,
        decisions: args.read.review,
    };
    let head_maker = refolio::write::HeadMaker::default();
    // A TEI corpus read again carries its chapters' content identifier in
    // its header, before the first, and a bag's `bag-info.txt` names it
    // when no identifier is given: it is made here, the chapters in their
    // order, each as soon as those before it are (the chapters are handed
    // to the threads in order, so few wait).
    let identify =
        again && (format == Format::Tei || (args.bag.is_some() && given_identifier.is_none()));
    let in_order = std::sync::Mutex::new(InOrder::default());
    let parse = |(index, input): (usize, &Input)| -> (Outcome, Result<(Read, Exit), Failure>) {
        let mut o = Outcome {
            name: input.name().into_owned(),
            warnings: 0,
            errors: 0,
            failure: None,
            written: vec![],
            article: None,
        };
        let r = (|| -> Result<(refolio::Parsed, _), Failure> {
            let bytes = input.read(args.read.max_input_bytes)?;
            let meta = input::metadata(input, &flags)?;
            let was = again.then(|| digest(&bytes));
            let parsed = refolio::parse_article(&input.name(), bytes, meta, &opts)
                .map_err(Failure::input)?;
            let kept = was.map(|digest| Kept {
                digest,
                text_len: parsed.source.text.len(),
            });
            Ok((parsed, kept))
        })();
        let r = r.map(|(parsed, kept)| {
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
            // Its diagnostics are printed: only the document is kept (here,
            // so that the articles' sources are never all held at once),
            // or its head when it is read again.
            let read = match kept {
                Some(kept) => {
                    let head = head_maker.head(&parsed.document, format);
                    if identify {
                        lock(&in_order).identify(index, Some(parsed.document));
                    }
                    Read::Head(head, kept)
                }
                None => Read::Whole(parsed.document),
            };
            (read, status)
        });
        if identify && r.is_err() {
            lock(&in_order).identify(index, None);
        }
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
    // The chapters are handed to the threads in their order (`par_bridge`),
    // and what each thread makes of a chapter is put in the chapter's place
    // in its table: its exit (or its failure's), and its document, or its
    // head and what is kept to read it again (only the tables of the one
    // or the other are made); its outcome is added to the tally (what the
    // summary says of it) and not kept. Each table then becomes a `Vec` of
    // what it holds in place (`into_iter`, `filter_map` and `collect` reuse
    // a `Vec`'s memory), so nothing is copied. (Collected from
    // `par_bridge`, the chapters' outcomes, some 870 bytes each, were
    // gathered in each thread's table, grown by doubling, copied into one,
    // then split into new tables: a TEI book of 28,800 short chapters
    // peaked at 66 MB, 45 MB so.)
    let n = inputs.len();
    let held = |read_again: bool| if again == read_again { n } else { 0 };
    let exits = places(n);
    let (docs, heads, kept) = (places(held(false)), places(held(true)), places(held(true)));
    let tally = std::sync::Mutex::new(progress::Tally::default());
    pool.install(|| {
        inputs
            .iter()
            .enumerate()
            .par_bridge()
            .for_each(|(i, input)| {
                let (o, r) = parse((i, input));
                lock(&tally).add(i, &o);
                let _ = exits[i].set(match r {
                    Ok((read, status)) => {
                        match read {
                            Read::Whole(doc) => {
                                let _ = docs[i].set(doc);
                            }
                            Read::Head(head, k) => {
                                let _ = heads[i].set(head);
                                let _ = kept[i].set(k);
                            }
                        }
                        Ok(status)
                    }
                    Err(f) => Err(f.exit),
                });
            })
    });
    // The articles were parsed, and their documents (or all but their
    // heads) freed, on the pool's threads: mimalloc keeps what a thread
    // freed in that thread's heap, and this pool's threads are not
    // rayon's global ones, which the writers hand freed memory back on.
    // Without this, a chapter read again on another thread than the one
    // that first read it took new memory beside it: a PDF book of the
    // three examples and the seed ×16,000 peaked at 218 MB in two runs of
    // five, 162–164 MB in the others (162.6–163.6 MB in four of four with
    // it).
    refolio::allocator::return_freed_memory_in(&pool);
    let tally = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    if tally.inputs != inputs.len() {
        bail!("internal error: an article of the book was not read");
    }
    drop(head_maker);
    let mut docs: Vec<refolio::ast::Document> = filled(docs);
    let heads: Vec<refolio::write::ChapterHead> = filled(heads);
    let mut kept: Vec<Kept> = filled(kept);
    progress.finish();
    let identifier = identify.then(|| {
        let in_order = in_order.into_inner().unwrap_or_else(|e| e.into_inner());
        in_order.identifier.uuid()
    });

    let mut exit = Exit::Ok;
    let mut failed = Exit::Ok;
    for e in filled(exits) {
        match e {
            Ok(status) => exit = exit.max(status),
            Err(e) => failed = failed.max(e),
        }
    }
    if failed > Exit::Ok {
        if !args.run.quiet {
            let s = tally.summary(started.elapsed().as_secs_f64());
            let _ = std::io::stderr().lock().write_all(s.as_bytes());
        }
        report(&anyhow::anyhow!(
            "{} not written: {} of {} articles could not be read",
            args.output.display(),
            tally.failed(),
            tally.inputs
        ));
        return Ok(failed.max(exit));
    }

    // Every writer's options, filled here and only here.
    let write_options = WriteOptions {
        tei: refolio::write::TeiOptions {
            profile: args.tei_profile,
            review: None,
        },
        timestamp: super::convert::source_date_epoch()?,
        epub: refolio::write::EpubOptions {
            identifier: given_identifier,
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
    let chapters = n;
    // What the bag says of the book, read before the chapters go (of
    // their documents, or their heads when they are read again).
    let bag_info = args.bag.as_ref().map(|_| {
        let refs: Vec<&refolio::ast::Document> = docs.iter().collect();
        let metas = refs.iter().map(|d| &d.meta).chain(heads.iter().map(|h| &*h.meta));
        let date = bag::bagging_date(
            write_options.timestamp,
            write_options.book.iter().map(|b| &b.meta)
                .chain(metas)
                .filter_map(|m| m.date.as_deref()),
        );
        // The chapters' content identifier: made as they were first read
        // when they are read again (their heads are not the chapters).
        let identifier = match (&write_options.epub.identifier, identifier) {
            (Some(id), _) => id.trim().to_string(),
            (None, Some(made)) => refolio::write::identifier_urn(made),
            (None, None) => refolio::write::content_identifier(&refs),
        };
        let title = write_options.book.as_ref().map_or("", |b| b.title.as_str());
        bag::BagInfo {
            date,
            identifiers: vec![identifier],
            description: format!(
                "\"{title}\", a book of {chapters} articles converted by refolio from text flattened \
                 from web pages into {}, with the original texts",
                format.name()
            ),
        }
    });
    // The book is written into its file as it is made (a book read again
    // frees each chapter once it is written): never held whole in memory.
    let mut diagnostics = Vec::new();
    let cannot = || format!("cannot write the book {}", args.output.display());
    let mut fill = |out: &mut dyn Write| -> Result<(), Failure> {
        let docs = std::mem::take(&mut docs);
        if !again {
            diagnostics = refolio::write::render_into_giving_up(docs, format, &write_options, out)
                .with_context(cannot)
                .map_err(Failure::usage)?;
            return Ok(());
        }
        // Each chapter read again, as it was the first time: a PDF's one at
        // a time (its layout takes most of the time, and a chapter's
        // document is large); the other formats' as many at once as there
        // are threads, each handed on in order.
        let unread = std::cell::RefCell::new(None);
        let ahead = if format == Format::Pdf {
            1
        } else {
            pool.current_num_threads()
        };
        let todo = std::mem::take(&mut kept)
            .into_iter()
            .zip(inputs.iter().zip(&heads))
            .map(|(kept, (input, head))| (kept, input, head));
        let chapters = ReadAgain {
            todo,
            ready: std::collections::VecDeque::new(),
            ahead,
            here_from: (format == Format::Pdf).then_some(refolio::write::PDF_PUT_AWAY_FROM),
            pool: &pool,
            opts: &opts,
            unread: &unread,
        };
        diagnostics = refolio::write::render_book_into(
            &heads,
            chapters,
            identifier,
            format,
            &write_options,
            out,
        )
        .with_context(cannot)
        .map_err(Failure::usage)?;
        match unread.into_inner() {
            Some(f) => Err(f),
            None => Ok(()),
        }
    };
    let name = args
        .output
        .file_name()
        .context("the output has no file name")?;
    let written = match (&args.bag, bag_info) {
        (Some(target), Some(info)) => {
            write_bag(
                target,
                name,
                &mut fill,
                &inputs,
                manifest_path.as_deref(),
                &info,
            )?;
            None
        }
        _ => {
            let dir = match args.output.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            let path = super::output::write_atomic_with(&dir, name, fill).map_err(|f| f.error)?;
            Some(std::fs::metadata(&path).map_or(0, |m| m.len()))
        }
    };
    if !diagnostics.is_empty() && !args.run.quiet {
        if format == Format::Pdf {
            report(&anyhow::anyhow!(
                "warning: the PDF fonts have no glyph for {} character(s); drawn as blank boxes",
                diagnostics.len()
            ));
        } else {
            // The spans are in several sources; each message names its chapter.
            for d in &diagnostics {
                report(&anyhow::anyhow!("warning: {}", d.message));
            }
        }
    }
    if !args.run.quiet && (args.run.verbose || tally.inputs > 1) {
        let s = tally.summary(started.elapsed().as_secs_f64());
        let _ = std::io::stderr().lock().write_all(s.as_bytes());
        let wrote = match (&args.bag, written) {
            (Some(target), _) => format!("the bag {} ({chapters} chapters)", target.display()),
            (None, bytes) => format!(
                "{} ({chapters} chapters, {} bytes)",
                args.output.display(),
                bytes.unwrap_or(0)
            ),
        };
        let _ = writeln!(std::io::stderr().lock(), "refolio: wrote {wrote}");
    }
    Ok(exit)
}

/// From how many bytes of input a book reads its chapters
/// again as its writer reaches them, rather than holding them all (their
/// documents take some 2.3 bytes of memory per byte of text; reading them
/// again, some 6% more time for a PDF: the seed ×10, 7.3 MB, 57 → 44 MB
/// and 1.94 → 2.06 s).
const READ_AGAIN_FROM: u64 = 4 << 20;

/// Whether a book in `format` of `inputs` reads its chapters again as its
/// writer reaches them: a book (in any format) of files that hold `from`
/// bytes or more.
fn reads_again(format: Format, inputs: &[Input], from: u64) -> bool {
    let size = |i: &Input| Some(std::fs::metadata(i.path.as_ref()?).ok()?.len());
    !matches!(format, Format::Json | Format::Article)
        && inputs.iter().all(|i| i.path.is_some())
        && inputs.iter().filter_map(size).sum::<u64>() >= from
}

/// A book's chapters read again ([`read_again`]), `ahead` at a time on
/// the pool's threads, handed on in their order; a chapter that cannot be
/// read is put in `unread` (the book fails) and its head's stand-in
/// ([`refolio::write::ChapterHead::stand_in`]) takes its place.
struct ReadAgain<'a, I> {
    todo: I,
    ready: std::collections::VecDeque<refolio::write::Chapter<'a>>,
    ahead: usize,
    /// From how many bytes of text a chapter is read on the calling
    /// thread, not on the pool (a PDF's: [`refolio::write::PDF_PUT_AWAY_FROM`]).
    here_from: Option<usize>,
    pool: &'a rayon::ThreadPool,
    opts: &'a refolio::ParseOptions,
    unread: &'a std::cell::RefCell<Option<Failure>>,
}

/// What a book read again keeps of a chapter's first reading, besides its
/// head. Its metadata is its head's: the metadata it was read with, and
/// for a Markdown article what its front matter filled in, which reading
/// it again with them fills in alike. (A copy of it here took 192 of the
/// 232 bytes this held of a chapter, and its strings: this was 3.3 MB of
/// the peak of a book of 14,400 chapters.)
struct Kept {
    /// Its bytes' digest.
    digest: Digest,
    /// How many bytes of text it had.
    text_len: usize,
}

/// What a book holds of a chapter once it is read: its document, or its
/// head and what it needs to read it again. (Handed once from the thread
/// that read it to its place: the document is not boxed for that.)
#[allow(clippy::large_enum_variant)]
enum Read {
    /// The chapter's document.
    Whole(refolio::ast::Document),
    /// Its head, and what was kept to read it again.
    Head(refolio::write::ChapterHead, Kept),
}

/// What [`ReadAgain`] reads a chapter again from: what was kept of it,
/// its file and its head.
type Again<'a> = (Kept, &'a Input, &'a refolio::write::ChapterHead);

impl<'a, I: ExactSizeIterator<Item = Again<'a>>> Iterator for ReadAgain<'a, I> {
    type Item = refolio::write::Chapter<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() {
            let batch: Vec<Again<'a>> = self.todo.by_ref().take(self.ahead).collect();
            let opts = self.opts;
            let again = |(kept, input, head): &Again<'a>| {
                read_again(
                    input,
                    kept.digest,
                    refolio::ast::Meta::clone(&head.meta),
                    opts,
                )
            };
            // A chapter the writer puts away as soon as it has it (a PDF's
            // long one) is read on this thread, which frees its document
            // then: mimalloc gives a block freed on another thread than
            // the one that made it back to that thread's heap, which takes
            // it back only when it next works, and the pool's threads wait
            // meanwhile. The book of the three examples and the seed
            // ×16,000 laid out its chapter beside that chapter's freed
            // document when it was read on the pool (160 MB at its peak,
            // 114 MB so). A short chapter is read on the pool: here, its
            // document, freed once it is laid out, left holes between the
            // book's rows (a PDF book of 360 corpus articles, 7.3 MB,
            // peaked at 44.3–46.1 MB, 40.6–44.3 on the pool).
            let here = self
                .here_from
                .is_some_and(|from| batch.iter().all(|(kept, ..)| kept.text_len >= from));
            let read: Vec<_> = if here {
                batch.iter().map(again).collect()
            } else {
                self.pool.install(|| batch.par_iter().map(again).collect())
            };
            for (r, (.., head)) in read.into_iter().zip(batch) {
                self.ready.push_back(match r {
                    Ok(parsed) => parsed.into(),
                    Err(f) => {
                        self.unread.borrow_mut().get_or_insert(f);
                        refolio::write::Chapter::Document(std::borrow::Cow::Owned(head.stand_in()))
                    }
                });
            }
        }
        self.ready.pop_front()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.ready.len() + self.todo.len();
        (n, Some(n))
    }
}

impl<'a, I: ExactSizeIterator<Item = Again<'a>>> ExactSizeIterator for ReadAgain<'a, I> {}

/// The content identifier of a book's chapters, made as they are read:
/// each chapter waits here until those before it are in it.
#[derive(Default)]
struct InOrder {
    /// The chapters in it so far.
    identifier: refolio::write::ContentIdentifier,
    /// The next chapter's index.
    next: usize,
    /// Chapters read before their turn (none for one that failed).
    waiting: std::collections::BTreeMap<usize, Option<refolio::ast::Document>>,
}

impl InOrder {
    /// Chapter `index`, read (`None`: it failed, and the book with it).
    fn identify(&mut self, index: usize, doc: Option<refolio::ast::Document>) {
        self.waiting.insert(index, doc);
        while let Some(doc) = self.waiting.remove(&self.next) {
            if let Some(doc) = doc {
                self.identifier.add(&doc);
            }
            self.next += 1;
        }
    }
}

/// `m` locked, even if a thread panicked while it held it.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `n` empty places, each to be filled once, from any thread.
fn places<T>(n: usize) -> Vec<std::sync::OnceLock<T>> {
    std::iter::repeat_with(std::sync::OnceLock::new)
        .take(n)
        .collect()
}

/// What the filled `places` hold, in their order, in the places' memory
/// (`collect` over a `Vec`'s `into_iter` reuses it), cut to its length.
fn filled<T>(places: Vec<std::sync::OnceLock<T>>) -> Vec<T> {
    let mut v: Vec<T> = places
        .into_iter()
        .filter_map(std::sync::OnceLock::into_inner)
        .collect();
    v.shrink_to_fit();
    v
}

/// A chapter's bytes as first read, to know them again.
type Digest = [u8; 32];

/// The [`Digest`] of `bytes` (SHA-256).
fn digest(bytes: &[u8]) -> Digest {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

/// The article `input` read and parsed again, as it was when its bytes
/// had the digest `was` (with `meta`, and `opts`); or why it cannot be.
fn read_again(
    input: &Input,
    was: Digest,
    meta: refolio::ast::Meta,
    opts: &refolio::ParseOptions,
) -> Result<refolio::Parsed, Failure> {
    let bytes = input.read(opts.max_input_bytes)?;
    if digest(&bytes) != was {
        return Err(Failure::input(anyhow::anyhow!(
            "{}: the file changed while the book was made",
            input.name()
        )));
    }
    refolio::parse_article(&input.name(), bytes, meta, opts).map_err(Failure::input)
}

/// The book and its sources as a bag at `target` (see [`bag`]): nothing is
/// left behind when any step fails.
fn write_bag(
    target: &Path,
    name: &OsStr,
    fill: &mut dyn FnMut(&mut dyn Write) -> Result<(), Failure>,
    inputs: &[Input],
    manifest: Option<&Path>,
    info: &bag::BagInfo,
) -> anyhow::Result<()> {
    let staging = bag::stage(target)?;
    let filled = (|| -> anyhow::Result<()> {
        let path = staging.join("data").join(name);
        let cannot = || format!("cannot write {} into the bag", Path::new(name).display());
        let file = std::fs::File::create(&path).with_context(cannot)?;
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, file);
        fill(&mut out).map_err(|f| f.error)?;
        out.flush().with_context(cannot)?;
        bag::copy_originals(&staging, inputs, manifest)
    })();
    if let Err(e) = filled {
        bag::abandon(&staging);
        return Err(e);
    }
    bag::finish(&staging, target, info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// What the places hold comes out in their order, without the empty
    /// ones, and holds no more room than that.
    #[test]
    fn filled_places_keep_their_order_and_only_what_they_hold() {
        let p: Vec<std::sync::OnceLock<String>> = places(5);
        for i in [3, 0, 4] {
            p[i].set(format!("chapter {i}")).unwrap();
        }
        let v = filled(p);
        assert_eq!(v, ["chapter 0", "chapter 3", "chapter 4"]);
        assert_eq!(v.capacity(), v.len());
    }

    /// The arguments of `refolio book ARGS`.
    fn book_args(args: &[&str]) -> BookArgs {
        let all = ["refolio", "book"].iter().chain(args);
        match super::super::Cli::try_parse_from(all).unwrap().command {
            super::super::Command::Book(b) => b,
            _ => unreachable!("a book"),
        }
    }

    /// A book whose chapters are read again as its writer reaches them is
    /// the book made of them read once, in every format: the same bytes, a
    /// PDF with the notes at the end or at the foot, on right-hand pages or
    /// not; an EPUB with its own identifier (made of the chapters) or one
    /// given; a TEI corpus with its identifier made as they are first read;
    /// HTML, Markdown and pandoc JSON.
    #[test]
    fn a_book_read_again_is_the_book_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let input = |name: &str| format!("{}/input/{name}", env!("CARGO_MANIFEST_DIR"));
        let (canal, nova, skerry) = (
            input("canal-and-locks.txt"),
            input("nova-ves-tramway.txt"),
            input("skerry-point-keepers.txt"),
        );
        let cases: [(&str, &[&str]); 8] = [
            ("pdf", &[]),
            ("pdf", &["--notes", "foot", "--recto"]),
            ("epub", &[]),
            ("epub", &["--identifier", "urn:isbn:0-000 & <1>"]),
            ("tei.xml", &[]),
            ("html", &[]),
            ("md", &["--notes", "end"]),
            ("pandoc.json", &[]),
        ];
        for (ext, extra) in cases {
            let mut made = Vec::new();
            for (from, name) in [(u64::MAX, "once"), (0, "again")] {
                let out = dir.path().join(format!("{name}.{ext}"));
                let out = out.to_str().unwrap();
                let mut args = vec!["-q", "--title", "Three", "-o", out];
                args.extend(extra);
                args.extend([canal.as_str(), &nova, &skerry]);
                let exit = run_reading_again_from(&book_args(&args), from).unwrap();
                assert_eq!(exit, Exit::Ok, "{extra:?}");
                made.push(std::fs::read(out).unwrap());
            }
            let magic: &[u8] = match ext {
                "pdf" => b"%PDF-",
                "epub" => b"PK",
                "html" => b"<!DOCTYPE html>",
                "md" => b"---",
                "pandoc.json" => b"{\"pandoc-api-version\"",
                _ => b"<?xml",
            };
            assert!(made[0].starts_with(magic), "{ext}");
            assert!(
                made[0] == made[1],
                "the same book read again: {ext} {extra:?}"
            );
        }
        // A bag: the same book, the same originals, and the same tag files
        // (its identifier, when none is given, made as the chapters were
        // first read).
        let bag_cases: [(&str, &[&str]); 4] = [
            ("epub", &[]),
            ("pdf", &[]),
            ("tei.xml", &[]),
            ("md", &["--identifier", "urn:isbn:0-000"]),
        ];
        for (ext, extra) in bag_cases {
            let mut made = Vec::new();
            for (from, name) in [(u64::MAX, "once"), (0, "again")] {
                let bag = dir.path().join(format!("{name}-{ext}-bag"));
                let out = format!("book.{ext}");
                let mut args = vec!["-q", "--title", "Three", "-o", &out];
                args.extend(["--bag", bag.to_str().unwrap()]);
                args.extend(extra);
                args.extend([canal.as_str(), &nova, &skerry]);
                let exit = run_reading_again_from(&book_args(&args), from).unwrap();
                assert_eq!(exit, Exit::Ok, "{ext} in a bag");
                let files: Vec<(String, Vec<u8>)> = bag::payload_files(&bag)
                    .unwrap()
                    .into_iter()
                    .map(|(rel, p)| (rel, std::fs::read(p).unwrap()))
                    .collect();
                made.push(files);
            }
            assert!(made[0].len() >= 7, "{ext}: {:?}", made[0].len());
            let info = made[0].iter().find(|(p, _)| p == "bag-info.txt");
            let info = String::from_utf8_lossy(&info.expect("bag-info.txt").1).into_owned();
            let id = if extra.is_empty() {
                "urn:uuid:"
            } else {
                "urn:isbn:0-000"
            };
            assert!(
                info.contains(&format!("External-Identifier: {id}")),
                "{info}"
            );
            assert!(made[0] == made[1], "the same bag read again: {ext}");
        }
    }

    /// Markdown chapters read again carry what their front matter filled
    /// into their metadata (author, date, language) as they did when first
    /// read: read again with their heads' metadata, the book is the same,
    /// whether the language is given or taken from the front matter.
    #[test]
    fn markdown_chapters_read_again_keep_what_their_front_matter_filled_in() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p.to_str().unwrap().to_string()
        };
        let first = write(
            "first.md",
            "---\ntitle: Lock keepers\nauthor: Ana Novak\ndate: 2024-05-01\nlang: cs\n---\n\n\
             Voda stoupá.[^1]\n\n[^1]: Kniha o kanálech.\n",
        );
        let second = write(
            "second.md",
            "---\ntitle: The weir\n---\n\nThe weir holds.[^1]\n\n[^1]: A note.\n",
        );
        for ext in ["tei.xml", "epub", "html"] {
            for lang in [None, Some("de")] {
                let mut made = Vec::new();
                for (from, name) in [(u64::MAX, "once"), (0, "again")] {
                    let out = dir.path().join(format!("{name}.{ext}"));
                    let out = out.to_str().unwrap();
                    let mut args = vec!["-q", "--title", "Two", "-o", out];
                    if let Some(l) = lang {
                        args.extend(["--lang", l]);
                    }
                    args.extend([first.as_str(), &second]);
                    let exit = run_reading_again_from(&book_args(&args), from).unwrap();
                    assert_eq!(exit, Exit::Ok, "{ext} {lang:?}");
                    made.push(std::fs::read(out).unwrap());
                }
                assert!(made[0] == made[1], "{ext} {lang:?} read again");
                if ext == "tei.xml" {
                    let tei = String::from_utf8(made[0].clone()).unwrap();
                    assert!(tei.contains("Ana Novak"), "{tei}");
                    let cs = if lang.is_none() { "\"cs\"" } else { "\"de\"" };
                    assert!(tei.contains(cs), "{lang:?}: {tei}");
                }
            }
        }
    }

    /// A book of files reads its chapters again from the size given, in
    /// every format that makes a book, not from standard input.
    #[test]
    fn a_pdf_book_of_files_from_a_size_reads_its_chapters_again() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        std::fs::write(&a, [b'a'; 600]).unwrap();
        std::fs::write(&b, [b'b'; 400]).unwrap();
        let files = [Input::new(&a), Input::new(&b)];
        for format in [
            Format::Pdf,
            Format::Epub,
            Format::Tei,
            Format::Html,
            Format::Markdown,
            Format::Pandoc,
        ] {
            assert!(reads_again(format, &files, 1000));
            assert!(!reads_again(format, &files, 1001));
        }
        assert!(!reads_again(Format::Json, &files, 0), "no book");
        let stdin = [Input::new(Path::new("-"))];
        assert!(!reads_again(Format::Pdf, &stdin, 0), "standard input");
    }

    /// The chapters' identifier is made in their order, whatever the
    /// order they are read in, a failed one left out.
    #[test]
    fn chapters_are_identified_in_their_order() {
        let doc = |t: &str| {
            let text = format!("{t}\n\nSome text about {t}.\n");
            refolio::parse_article(
                t,
                text.into_bytes(),
                Default::default(),
                &Default::default(),
            )
            .unwrap()
            .document
        };
        let (a, b, c) = (doc("A"), doc("B"), doc("C"));
        let want = {
            let mut id = refolio::write::ContentIdentifier::new();
            for d in [&a, &b, &c] {
                id.add(d);
            }
            id.uuid()
        };
        let mut got = InOrder::default();
        got.identify(3, Some(c.clone()));
        got.identify(1, None);
        got.identify(2, Some(b.clone()));
        assert_eq!(
            (got.next, got.waiting.len()),
            (0, 3),
            "all wait for the first"
        );
        got.identify(0, Some(a.clone()));
        assert_eq!((got.next, got.waiting.len()), (4, 0));
        assert_eq!(got.identifier.uuid(), want);
        let mut reversed = InOrder::default();
        for (i, d) in [a, b, c].into_iter().enumerate().rev() {
            reversed.identify(i, Some(d));
        }
        assert_eq!(reversed.identifier.uuid(), want);
    }

    /// A chapter whose file changed between its two readings fails the
    /// book, and one that did not is read as it was.
    #[test]
    fn a_chapter_changed_while_the_book_is_made_fails_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(
            &path,
            "A title\n\nSome text that cites a source1.\n\n  1. Source; 2020[]\n",
        )
        .unwrap();
        let input = Input::new(&path);
        let opts = refolio::ParseOptions::default();
        let was = digest(&std::fs::read(&path).unwrap());
        let meta = refolio::ast::Meta::default();
        let parsed = read_again(&input, was, meta.clone(), &opts).unwrap();
        assert_eq!(parsed.document.title.text, "A title");
        std::fs::write(&path, "Another title\n\nOther text.\n").unwrap();
        let Err(f) = read_again(&input, was, meta, &opts) else {
            panic!("a changed file read as it was");
        };
        assert_eq!(f.exit, Exit::Input);
        assert!(
            f.error
                .to_string()
                .ends_with("a.txt: the file changed while the book was made"),
            "{:#}",
            f.error
        );
    }
}
