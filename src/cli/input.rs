//! Reading inputs, and the metadata that goes with them (sidecar + options).

use super::{Failure, MetaArgs};
use anyhow::{Context, anyhow};
use refolio::ast::Meta;
use refolio::error::InputError;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The language used when neither an option nor a sidecar gives one.
pub const DEFAULT_LANG: &str = "en";

/// One input named on the command line: its path alone (a book holds one
/// for each of its chapters until it is written; with its name in
/// messages and its outputs' base name beside the path, each took three
/// strings, some 150 bytes: 4.3 MB of a book of 28,800 chapters).
#[derive(Debug, Clone)]
pub struct Input {
    /// The file, or `None` for standard input.
    pub path: Option<PathBuf>,
}

impl Input {
    /// The input for a command-line argument (`-` is standard input).
    pub fn new(arg: &Path) -> Input {
        Input {
            path: (arg != Path::new("-")).then(|| arg.to_path_buf()),
        }
    }

    /// The name in messages: the path as given (as `Path::display` shows
    /// it), or `<stdin>`.
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        match &self.path {
            Some(p) => p.to_string_lossy(),
            None => "<stdin>".into(),
        }
    }

    /// The base name of its outputs: the file name without its extension
    /// (`article` when it has none, `stdin` for standard input).
    pub fn stem(&self) -> &OsStr {
        match &self.path {
            Some(p) => p
                .file_stem()
                .filter(|s| !s.is_empty())
                .unwrap_or(OsStr::new("article")),
            None => OsStr::new("stdin"),
        }
    }

    /// True for standard input.
    pub fn is_stdin(&self) -> bool {
        self.path.is_none()
    }

    /// The output file name for an extension such as `tei.xml`.
    pub fn output_name(&self, extension: &str) -> OsString {
        let mut name = self.stem().to_owned();
        name.push(".");
        name.push(extension);
        name
    }

    /// Reads the whole input, refusing more than `limit` bytes.
    pub fn read(&self, limit: u64) -> Result<Vec<u8>, Failure> {
        let too_large = |size: u64| {
            Failure::input(InputError::TooLarge {
                name: self.name().into_owned(),
                size,
                limit,
            })
        };
        let mut bytes = Vec::new();
        match &self.path {
            None => {
                std::io::stdin()
                    .lock()
                    .take(limit.saturating_add(1))
                    .read_to_end(&mut bytes)
                    .context("cannot read standard input")
                    .map_err(Failure::usage)?;
                if bytes.len() as u64 > limit {
                    return Err(Failure::input(anyhow!(
                        "<stdin>: the input is more than the limit of {limit} bytes (--max-input-bytes)"
                    )));
                }
            }
            Some(path) => {
                let open = || -> std::io::Result<(std::fs::File, u64)> {
                    let file = std::fs::File::open(path)?;
                    let len = file.metadata()?.len();
                    Ok((file, len))
                };
                let (file, len) = open()
                    .with_context(|| format!("cannot read {}", self.name()))
                    .map_err(Failure::usage)?;
                if len > limit {
                    return Err(too_large(len));
                }
                // The file's size (and one byte to see the end): no doubling
                // slack, which for a large article is a sizeable part of the
                // peak memory.
                bytes.reserve_exact(len as usize + 1);
                file.take(limit.saturating_add(1))
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("cannot read {}", self.name()))
                    .map_err(Failure::usage)?;
                if bytes.len() as u64 > limit {
                    return Err(too_large(bytes.len() as u64));
                }
            }
        }
        Ok(bytes)
    }

    /// The sidecar metadata file: the input's path with the extension `.toml`.
    pub fn sidecar_path(&self) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        let sidecar = path.with_extension("toml");
        (sidecar != *path).then_some(sidecar)
    }
}

/// The keys of a sidecar file: the same fields as the metadata options.
pub type Sidecar = MetaArgs;

impl MetaArgs {
    /// Parses a sidecar file's text; unknown keys are an error naming the key.
    pub fn parse(text: &str) -> Result<Sidecar, toml::de::Error> {
        toml::from_str(text)
    }

    /// Reads `path`; a missing file is an empty sidecar.
    pub fn load(path: &Path) -> anyhow::Result<Sidecar> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Sidecar::default()),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read the sidecar {}", path.display()));
            }
        };
        // toml's messages end in a newline; keep ours one block.
        let sidecar = Sidecar::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
            .with_context(|| format!("invalid sidecar {}", path.display()))?;
        let meta = sidecar.as_meta();
        meta.validate()
            .with_context(|| format!("invalid sidecar {}", path.display()))?;
        Ok(sidecar)
    }

    /// The fields as metadata (an empty `lang` when not given).
    pub fn as_meta(&self) -> Meta {
        Meta {
            lang: self.lang.clone().unwrap_or_default(),
            author: self.author.clone(),
            source_url: self.source_url.clone(),
            date: self.date.clone(),
            license: self.license.clone(),
            publisher: self.publisher.clone(),
            accessed: self.accessed.clone(),
            source_title: self.source_title.clone(),
        }
    }
}

/// `flags` over `sidecar`, with the default language when neither has one:
/// the one merge of metadata.
pub fn merge(flags: &MetaArgs, sidecar: Sidecar) -> Meta {
    let mut meta = flags.over(sidecar).as_meta();
    if meta.lang.is_empty() {
        meta.lang = DEFAULT_LANG.to_string();
    }
    meta
}

impl MetaArgs {
    /// Each field of `self`, else of `under`.
    pub fn over(&self, under: MetaArgs) -> MetaArgs {
        MetaArgs {
            lang: self.lang.clone().or(under.lang),
            author: self.author.clone().or(under.author),
            source_url: self.source_url.clone().or(under.source_url),
            date: self.date.clone().or(under.date),
            license: self.license.clone().or(under.license),
            publisher: self.publisher.clone().or(under.publisher),
            accessed: self.accessed.clone().or(under.accessed),
            source_title: self.source_title.clone().or(under.source_title),
        }
    }
}

/// The metadata of `input`: its sidecar (if any) under the options.
pub fn metadata(input: &Input, flags: &MetaArgs) -> Result<Meta, Failure> {
    let sidecar = match input.sidecar_path() {
        Some(p) => Sidecar::load(&p).map_err(Failure::usage)?,
        None => Sidecar::default(),
    };
    Ok(merge(flags, sidecar))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_output_names() {
        let i = Input::new(Path::new("dir/article.txt"));
        assert_eq!(i.name(), "dir/article.txt");
        assert_eq!(i.output_name("tei.xml"), "article.tei.xml");
        assert_eq!(i.sidecar_path(), Some(PathBuf::from("dir/article.toml")));
        assert_eq!(
            Input::new(Path::new("noext")).output_name("json"),
            "noext.json"
        );
        assert_eq!(
            Input::new(Path::new("a.b.txt")).output_name("json"),
            "a.b.json"
        );
        let s = Input::new(Path::new("-"));
        assert!(s.is_stdin() && s.sidecar_path().is_none());
        assert_eq!(s.output_name("tei.xml"), "stdin.tei.xml");
        assert_eq!(
            Input::new(Path::new("x.toml")).sidecar_path(),
            None,
            "an input is never its own sidecar"
        );
    }

    #[test]
    fn sidecar_keys() {
        let s = Sidecar::parse(
            "lang = \"cs\"\nsource-url = \"https://ex.org\"\nlicense = \"CC BY 4.0\"\n",
        )
        .unwrap();
        assert_eq!(s.lang.as_deref(), Some("cs"));
        assert_eq!(s.source_url.as_deref(), Some("https://ex.org"));
        let e = Sidecar::parse("autor = \"X\"\n").unwrap_err().to_string();
        assert!(e.contains("autor"), "{e}");
        assert!(
            Sidecar::parse("source_url = \"x\"").is_err(),
            "keys are kebab-case"
        );
        assert!(
            Sidecar::parse("date = 2018-03-07").is_err(),
            "values are strings"
        );
    }

    #[test]
    fn flags_win_over_sidecar() {
        let flags = MetaArgs {
            author: Some("Flag".into()),
            ..MetaArgs::default()
        };
        let side = Sidecar {
            author: Some("Side".into()),
            date: Some("2020".into()),
            ..Sidecar::default()
        };
        let m = merge(&flags, side);
        assert_eq!(m.author.as_deref(), Some("Flag"));
        assert_eq!(m.date.as_deref(), Some("2020"));
        assert_eq!(m.lang, "en");
        let m = merge(
            &MetaArgs::default(),
            Sidecar {
                lang: Some("de".into()),
                ..Sidecar::default()
            },
        );
        assert_eq!(m.lang, "de");
    }
}
