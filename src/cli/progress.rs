//! Progress of a run over many inputs: a progress bar (indicatif) when
//! standard error is a terminal, plain lines otherwise, nothing with
//! `--quiet`; and the summary at the end.

use super::RunArgs;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What became of one input.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The input's name.
    pub name: String,
    /// Warnings about it.
    pub warnings: usize,
    /// Error diagnostics about it (its outputs were still written).
    pub errors: usize,
    /// Why it failed (nothing, or not everything, was written).
    pub failure: Option<String>,
    /// The files written.
    pub written: Vec<String>,
    /// What a bag's `bag-info.txt` says of the article, once it is read
    /// (only made when the outputs go into a bag).
    pub article: Option<ArticleFacts>,
}

/// An article's identifier, title and date metadata.
#[derive(Debug, Clone)]
pub struct ArticleFacts {
    /// Its content identifier (or the one given with `--identifier`).
    pub identifier: String,
    /// Its title.
    pub title: String,
    /// Its `date` metadata, as given.
    pub date: Option<String>,
}

/// Reports progress; shared by the worker threads.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    verbose: bool,
    quiet: bool,
    total: usize,
    done: AtomicUsize,
    /// Serialises plain lines and diagnostics.
    lock: Mutex<()>,
}

impl Progress {
    /// A reporter for `total` inputs: a bar on a terminal (more than one
    /// input), plain lines when standard error is not a terminal (more than
    /// one input, or `--verbose`), nothing with `--quiet`.
    pub fn new(total: usize, run: &RunArgs) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let bar = (tty && !run.quiet && total > 1).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} [{elapsed_precise}, {eta} left] {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            plain: !tty && !run.quiet && (total > 1 || run.verbose),
            bar,
            verbose: run.verbose,
            quiet: run.quiet,
            total,
            done: AtomicUsize::new(0),
            lock: Mutex::new(()),
        }
    }

    /// True with `--quiet`.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Runs `f` (which prints to standard error) without tearing the bar
    /// or interleaving with other threads' output.
    pub fn print<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// One input is done.
    pub fn finished(&self, o: &Outcome) {
        let k = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let status = match (&o.failure, o.errors, o.warnings) {
            (Some(why), ..) => format!("FAILED: {why}"),
            (None, 0, 0) => "ok".to_string(),
            (None, e, w) => format!("ok ({})", counts(e, w)),
        };
        if let Some(bar) = &self.bar {
            bar.set_message(o.name.clone());
            bar.inc(1);
            if self.verbose {
                let line = self.line(k, o, &status);
                self.print(|| bar.println(line.trim_end()));
            }
        } else if self.plain || (self.verbose && !self.quiet) {
            let line = self.line(k, o, &status);
            self.print(|| {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            });
        }
    }

    fn line(&self, k: usize, o: &Outcome, status: &str) -> String {
        let mut line = format!("refolio: [{k}/{}] {}: {status}\n", self.total, o.name);
        if self.verbose {
            for w in &o.written {
                line.push_str(&format!("  wrote {w}\n"));
            }
        }
        line
    }

    /// Removes the bar (before the summary).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// The summary of a run, e.g. `refolio: 3 inputs: 2 converted (1 with
/// warnings: 4 warnings), 1 failed` and one line per failure.
pub fn summary(outcomes: &[Outcome], seconds: f64) -> String {
    Tally::of(outcomes).summary(seconds)
}

/// What the [`summary`] of a run says of its outcomes, kept without them:
/// a book adds each chapter's outcome to this as the chapter is read, and
/// keeps no outcome (some 200 bytes each, with its name: 5.8 MB for
/// 28,800 chapters, held while they were read).
#[derive(Debug, Default)]
pub struct Tally {
    /// How many inputs.
    pub inputs: usize,
    /// Those converted with diagnostics, and how many warnings and errors
    /// they have in all.
    noted: usize,
    warnings: usize,
    errors: usize,
    /// Each failure: the input's index, its name and why.
    failed: Vec<(usize, String, String)>,
}

impl Tally {
    /// The tally of `outcomes`.
    pub fn of(outcomes: &[Outcome]) -> Tally {
        let mut t = Tally::default();
        for (i, o) in outcomes.iter().enumerate() {
            t.add(i, o);
        }
        t
    }

    /// Adds `o`, the outcome of the input at `index` (the inputs may be
    /// added in any order: the failures are named in theirs).
    pub fn add(&mut self, index: usize, o: &Outcome) {
        self.inputs += 1;
        match &o.failure {
            Some(why) => self.failed.push((index, o.name.clone(), why.clone())),
            None if o.warnings > 0 || o.errors > 0 => {
                self.noted += 1;
                self.warnings += o.warnings;
                self.errors += o.errors;
            }
            None => {}
        }
    }

    /// How many inputs failed.
    pub fn failed(&self) -> usize {
        self.failed.len()
    }

    /// The summary of the run, which took `seconds` (see [`summary`]).
    pub fn summary(&self, seconds: f64) -> String {
        let converted = self.inputs - self.failed.len();
        let mut s = format!(
            "refolio: {} input{} in {seconds:.2} s: {converted} converted",
            self.inputs,
            if self.inputs == 1 { "" } else { "s" }
        );
        if self.noted > 0 {
            s.push_str(&format!(
                " ({} with diagnostics: {})",
                self.noted,
                counts(self.errors, self.warnings)
            ));
        }
        s.push_str(&format!(", {} failed\n", self.failed.len()));
        let mut failed: Vec<_> = self.failed.iter().collect();
        failed.sort_unstable_by_key(|f| f.0);
        for (_, name, why) in failed {
            s.push_str(&format!("  failed: {name}: {why}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, warnings: usize, errors: usize, failure: Option<&str>) -> Outcome {
        Outcome {
            name: name.into(),
            warnings,
            errors,
            failure: failure.map(str::to_string),
            written: Vec::new(),
            article: None,
        }
    }

    /// The summary counts the inputs, those converted and those with
    /// diagnostics (their warnings and errors summed, a failed input's
    /// not), and names each failure with its reason, in order.
    #[test]
    fn the_summary_counts_and_names_what_became_of_the_inputs() {
        let outcomes = [
            outcome("a.txt", 2, 1, None),
            outcome("b.txt", 5, 0, Some("cannot read b.txt")),
            outcome("c.txt", 0, 0, None),
            outcome("d.txt", 3, 0, None),
            outcome("e.txt", 0, 0, Some("invalid UTF-8 at 1:4")),
        ];
        assert_eq!(
            summary(&outcomes, 1.234),
            "refolio: 5 inputs in 1.23 s: 3 converted (2 with diagnostics: 1 error, \
             5 warnings), 2 failed\n  failed: b.txt: cannot read b.txt\n  \
             failed: e.txt: invalid UTF-8 at 1:4\n"
        );
        assert_eq!(
            summary(&outcomes[2..3], 0.5),
            "refolio: 1 input in 0.50 s: 1 converted, 0 failed\n"
        );
    }

    /// Outcomes added in another order than the inputs' (as a book's
    /// threads finish them) make the same summary: the failures are named
    /// in the inputs' order.
    #[test]
    fn a_tally_added_to_in_any_order_names_the_failures_in_order() {
        let outcomes = [
            outcome("a.txt", 0, 0, Some("cannot read a.txt")),
            outcome("b.txt", 1, 0, None),
            outcome("c.txt", 0, 0, Some("empty")),
            outcome("d.txt", 0, 2, None),
            outcome("e.txt", 0, 0, Some("too large")),
        ];
        let in_order = summary(&outcomes, 2.0);
        for order in [[4, 3, 2, 1, 0], [2, 0, 4, 1, 3], [1, 4, 0, 3, 2]] {
            let mut t = Tally::default();
            for i in order {
                t.add(i, &outcomes[i]);
            }
            assert_eq!(t.failed(), 3);
            assert_eq!(t.summary(2.0), in_order, "{order:?}");
        }
        assert!(in_order.contains(
            "  failed: a.txt: cannot read a.txt\n  failed: c.txt: empty\n  failed: e.txt: too large\n"
        ));
    }
}
