//! `refolio`: converts flattened web articles into TEI P5 XML, EPUB 3 and PDF.
//!
//! This file only parses the arguments and turns the outcome into an exit
//! code; the commands live in `cli`.

mod cli;

use clap::Parser;

/// See [`refolio::allocator::Allocator`].
#[global_allocator]
static GLOBAL: refolio::allocator::Allocator = refolio::allocator::Allocator;

fn main() {
    refolio::allocator::keep_large_blocks_mapped();
    cli::finish(exit_code())
}

/// Runs the command line; the process's exit code.
fn exit_code() -> u8 {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // --help and --version print to stdout and exit 0; usage errors exit 2.
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    cli::clean_up_on_interrupt();
    match cli::run(args) {
        Ok(exit) => exit as u8,
        Err(e) if cli::is_broken_pipe(&e) => 0,
        Err(e) => {
            cli::report(&e);
            cli::Exit::Usage as u8
        }
    }
}
