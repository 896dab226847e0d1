//! `refolio convert`.

use super::input::{self, Input};
use super::output;
use super::{
    ConvertArgs, Exit, Failure, diagnostics_exit, is_broken_pipe, print_diagnostics, report,
};
use anyhow::{Context, bail};
use refolio::write::Format;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the outputs go.
enum Destination {
    Stdout,
    /// The output folder, canonical.
    Dir(PathBuf),
}

/// Converts every input; a failing input is reported and skipped.
pub fn run(args: &ConvertArgs) -> anyhow::Result<Exit> {
    let mut formats: Vec<Format> = Vec::new();
    for f in args.to.iter().map(|&f| Format::from(f)) {
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let inputs: Vec<Input> = args.read.inputs.iter().map(|p| Input::new(p)).collect();
    if inputs.iter().filter(|i| i.is_stdin()).count() > 1 {
        bail!("`-` (standard input) can be given only once");
    }
    refolio::write::xml::check_meta(&args.meta.as_meta()).context("invalid metadata option")?;
    let dest = if args.output == Path::new("-") {
        if inputs.len() != 1 || formats.len() != 1 {
            bail!(
                "`-o -` writes to standard output, which takes exactly one input and one format \
                 (got {} inputs and {} formats)",
                inputs.len(),
                formats.len()
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
    for input in &inputs {
        match convert_one(args, input, &formats, &dest, &input_paths, &mut claimed) {
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

fn convert_one(
    args: &ConvertArgs,
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
        ..refolio::ParseOptions::default()
    };
    let parsed = refolio::parse_article(&input.name, bytes, meta, &opts).map_err(Failure::input)?;
    print_diagnostics(&parsed);
    let status = diagnostics_exit(&parsed, args.read.strict);

    let render = |format: Format| -> Result<Vec<u8>, Failure> {
        let mut buf = Vec::new();
        refolio::write::write(&parsed.document, format, &mut buf)
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
