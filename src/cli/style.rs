//! Styles (`--style NAME|DIR`): the figure alt-text phrases and the EPUB
//! stylesheet.
//!
//! A style is a folder with any of `epub.css` and `alt-phrases.txt`; a file
//! it lacks comes from the default style. `--style DIR` names the folder (a
//! value with a path separator, or `.`/`..`); `--style NAME` looks for
//! `styles/NAME` in refolio's crate folder, found from the executable
//! (`…/target/{debug,release}/refolio` → `…/styles`) and from where it was
//! built. The default style is also built into the binary, so
//! `--style default` works from anywhere.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// The files a style may have.
pub const STYLE_FILES: [&str; 3] = ["epub.css", "alt-phrases.txt", "pdf.toml"];

/// A loaded style.
#[derive(Debug, Clone)]
pub struct Style {
    /// Where it came from, for messages (`default (built in)` or a path).
    pub origin: String,
    /// The EPUB stylesheet.
    pub epub_css: String,
    /// The figure alt-text phrases.
    pub alt_phrases: Vec<String>,
    /// The PDF page geometry, fonts and sizes (`pdf.toml` over the
    /// default); `None` for the default, parsed only if a PDF is written.
    pub pdf: Option<refolio::write::Style>,
}

impl Style {
    /// The default style, built into the binary.
    pub fn builtin() -> Style {
        Style {
            origin: "default (built in)".into(),
            epub_css: refolio::write::DEFAULT_STYLESHEET.to_string(),
            alt_phrases: refolio::read_alt_phrases(refolio::DEFAULT_ALT_PHRASES),
            pdf: None,
        }
    }
}

/// The `styles` folders searched for a style NAME, in order.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        // target/{debug,release}/refolio, or target/debug/deps/… in tests.
        for dir in exe.ancestors().skip(1).take(4) {
            let candidate = dir.join("styles");
            if candidate.join("default").is_dir() {
                dirs.push(candidate);
                break;
            }
        }
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("styles");
    if built.is_dir() {
        dirs.push(built);
    }
    let mut seen = Vec::new();
    dirs.retain(|d| {
        let key = d.canonicalize().unwrap_or_else(|_| d.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    dirs
}

fn is_name(arg: &str) -> bool {
    !arg.is_empty()
        && arg != "."
        && arg != ".."
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Loads the style named by `--style`.
pub fn load(arg: &str) -> anyhow::Result<Style> {
    if arg == "default" {
        return Ok(Style::builtin());
    }
    let dir = if is_name(arg) {
        let dirs = search_dirs();
        match dirs.iter().map(|d| d.join(arg)).find(|d| d.is_dir()) {
            Some(d) => d,
            None => {
                let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                bail!(
                    "no style named `{arg}` (searched {}; give a folder with a path, e.g. ./{arg})",
                    if searched.is_empty() {
                        "no styles folder found".into()
                    } else {
                        searched.join(", ")
                    }
                );
            }
        }
    } else {
        let d = PathBuf::from(arg);
        if !d.is_dir() {
            bail!("the style folder {} does not exist", d.display());
        }
        d
    };
    from_dir(&dir)
}

/// Loads a style folder; files it lacks come from the default style.
pub fn from_dir(dir: &Path) -> anyhow::Result<Style> {
    let mut style = Style::builtin();
    style.origin = dir.display().to_string();
    let mut found = false;
    let read = |name: &str| -> anyhow::Result<Option<String>> {
        let p = dir.join(name);
        match std::fs::read_to_string(&p) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read the style file {}", p.display())),
        }
    };
    if let Some(css) = read("epub.css")? {
        refolio::write::check_chars(&format!("{}", dir.join("epub.css").display()), &css)?;
        style.epub_css = css;
        found = true;
    }
    if let Some(phrases) = read("alt-phrases.txt")? {
        style.alt_phrases = refolio::read_alt_phrases(&phrases);
        found = true;
    }
    if read("pdf.toml")?.is_some() {
        style.pdf = Some(refolio::write::Style::load(&dir.display().to_string())?);
        found = true;
    }
    if !found {
        bail!(
            "the style folder {} has none of {}",
            dir.display(),
            STYLE_FILES.join(", ")
        );
    }
    Ok(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_built_in() {
        let s = load("default").unwrap();
        assert_eq!(s.epub_css, refolio::write::DEFAULT_STYLESHEET);
        assert!(s.alt_phrases.iter().any(|p| p == "A photo of"));
    }

    #[test]
    fn a_folder_overrides_only_what_it_has() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("epub.css"), "body { color: red }\n").unwrap();
        let s = load(dir.path().to_str().unwrap()).unwrap();
        assert_eq!(s.epub_css, "body { color: red }\n");
        assert_eq!(s.alt_phrases, Style::builtin().alt_phrases);
        std::fs::write(dir.path().join("alt-phrases.txt"), "# c\nA sketch of\n").unwrap();
        assert_eq!(
            load(dir.path().to_str().unwrap()).unwrap().alt_phrases,
            ["A sketch of"]
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let e = load("no-such-style").unwrap_err().to_string();
        assert!(e.contains("no style named `no-such-style`"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        let e = load(empty.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("has none of epub.css, alt-phrases.txt"), "{e}");
        let e = load("./missing/dir").unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
        std::fs::write(empty.path().join("epub.css"), "a\u{1}").unwrap();
        assert!(load(empty.path().to_str().unwrap()).is_err());
    }

    #[test]
    fn names_are_found_in_the_crate_styles_folder() {
        assert!(!search_dirs().is_empty());
        let s = load("./styles/default").unwrap();
        assert_eq!(s.epub_css, refolio::write::DEFAULT_STYLESHEET);
    }
}
