//! `refolio`: converts flattened web articles into TEI P5 XML, EPUB 3 and PDF.
//!
//! This file only parses the arguments and turns the outcome into an exit
//! code; the commands live in `cli`.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// See [`refolio::allocator::Allocator`].
#[global_allocator]
static GLOBAL: refolio::allocator::Allocator = refolio::allocator::Allocator;

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
