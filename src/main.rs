//! `refolio`: converts flattened web articles into TEI P5 XML, EPUB 3 and PDF.
//!
//! This file only parses the arguments and turns the outcome into an exit
//! code; the commands live in `cli`.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc (built without transparent huge pages): a batch of 10,000
/// articles took 9% less time than with glibc's allocator, a single TEI
/// conversion 14% less; see README, "Performance". `MIMALLOC_PURGE_DELAY=0`
/// in the environment returns freed memory at once (a large article's peak
/// as with glibc, batches slower).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // --help and --version print to stdout and exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    cli::clean_up_on_interrupt();
    match cli::run(args) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            cli::report(&e);
            ExitCode::from(cli::Exit::Usage as u8)
        }
    }
}
