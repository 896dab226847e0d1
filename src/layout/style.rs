//! The PDF style: page geometry, fonts and type sizes (`styles/*/pdf.toml`).
//!
//! `styles/default/pdf.toml` lists every key; any other style lists only the
//! keys it changes and is laid over the default before it is read, so a
//! misspelt key is an error that names it.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The default style's text, compiled in.
pub const DEFAULT_PDF_STYLE: &str = include_str!("../../styles/default/pdf.toml");
/// The shipped A5 style (over the default).
pub const A5_PDF_STYLE: &str = include_str!("../../styles/a5/pdf.toml");
/// The shipped US Letter style (over the default).
pub const LETTER_PDF_STYLE: &str = include_str!("../../styles/letter/pdf.toml");

/// A complete PDF style.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct Style {
    pub page: PageStyle,
    pub fonts: FontStyle,
    pub body: BodyStyle,
    pub title: TextStyle,
    pub subtitle: TextStyle,
    pub byline: TextStyle,
    pub heading: TextStyle,
    pub block: BlockStyle,
    pub list: ListStyle,
    pub quote: QuoteStyle,
    pub figure: FigureStyle,
    pub references: ReferencesStyle,
    #[serde(default)]
    pub notes: NotesStyle,
    pub footer: TextStyle,
    /// Where relative font paths are found (the style's folder); not a key.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// Page size and margins, in points.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct PageStyle {
    pub width: f32,
    pub height: f32,
    pub margin_top: f32,
    pub margin_bottom: f32,
    pub margin_inner: f32,
    pub margin_outer: f32,
    pub footer_offset: f32,
}

/// The three faces: `builtin:NAME` or a font file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct FontStyle {
    pub regular: String,
    pub italic: String,
    pub bold: String,
}

/// Running text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct BodyStyle {
    pub size: f32,
    pub leading: f32,
    pub indent: f32,
    pub hyphenate: bool,
    pub min_word: usize,
}

/// A kind of display text; absent keys are not used by that kind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct TextStyle {
    pub size: f32,
    #[serde(default)]
    pub leading: f32,
    #[serde(default)]
    pub space_before: f32,
    #[serde(default)]
    pub space_after: f32,
}

/// Space around display blocks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct BlockStyle {
    pub space: f32,
}

/// Lists.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct ListStyle {
    pub indent: f32,
    pub nested_indent: f32,
    pub item_space: f32,
}

/// Block quotations.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct QuoteStyle {
    pub size: f32,
    pub leading: f32,
    pub indent: f32,
}

/// Figures: a framed box with the alt text, the caption beneath.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct FigureStyle {
    pub size: f32,
    pub leading: f32,
    pub padding: f32,
    pub frame: f32,
    pub caption_size: f32,
    pub caption_leading: f32,
    pub caption_gap: f32,
}

/// The reference list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct ReferencesStyle {
    pub size: f32,
    pub leading: f32,
    pub indent: f32,
    pub entry_space: f32,
}

/// Where the references go (`--notes`): at the foot of the page that
/// cites them, or in one list at the end of the article (or chapter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NotePlacement {
    /// At the foot of each page: the references cited on it, in the order
    /// of their first citation there.
    Foot,
    /// One reference list after the text.
    #[default]
    End,
}

/// How a reference cited again on a later page is repeated at its foot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteRepeat {
    /// The whole reference again.
    #[default]
    Full,
    /// Its first words, up to the first full stop (at most a dozen words), then `…`.
    Short,
}

/// Notes at the foot of the page (`--notes foot`): a short rule, then the
/// notes, set smaller, each with its number in the margin before it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
#[allow(missing_docs)]
pub struct NotesStyle {
    pub size: f32,
    pub leading: f32,
    /// Left indent of the note text; the number stands in it.
    pub indent: f32,
    pub entry_space: f32,
    /// Space between the last line of the text and the rule.
    pub space_before: f32,
    /// Space between the rule and the first note.
    pub space_after_rule: f32,
    /// Length of the rule as a fraction of the measure.
    pub rule_length: f32,
    /// Stroke width of the rule.
    pub rule_width: f32,
    /// A reference cited again on a later page: in `full` or `short`.
    pub repeat: NoteRepeat,
}

impl Default for NotesStyle {
    /// The values of `styles/default/pdf.toml`.
    fn default() -> Self {
        NotesStyle {
            size: 9.0,
            leading: 11.0,
            indent: 14.0,
            entry_space: 1.5,
            space_before: 10.0,
            space_after_rule: 5.0,
            rule_length: 0.3333,
            rule_width: 0.4,
            repeat: NoteRepeat::Full,
        }
    }
}

/// A style that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum StyleError {
    /// The TOML is malformed or has an unknown or mistyped key.
    #[error("{name}: {message}")]
    Invalid {
        /// Which style file.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The style file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A named style that is not shipped and is not a folder.
    #[error("unknown style `{0}`: use default, a5, letter, or a folder holding pdf.toml")]
    Unknown(String),
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

impl Style {
    /// Reads a style given as TOML text laid over the default style.
    pub fn from_toml(name: &str, text: &str) -> Result<Style, StyleError> {
        let invalid = |e: &dyn std::fmt::Display| StyleError::Invalid {
            name: name.to_string(),
            message: e.to_string(),
        };
        let mut base: toml::Table = DEFAULT_PDF_STYLE.parse().map_err(|e| invalid(&e))?;
        let over: toml::Table = text.parse().map_err(|e| invalid(&e))?;
        merge(&mut base, over);
        let style: Style = toml::Value::Table(base)
            .try_into()
            .map_err(|e| invalid(&e))?;
        style.check().map_err(|m| StyleError::Invalid {
            name: name.to_string(),
            message: m,
        })?;
        Ok(style)
    }

    /// A shipped style by name (`default`, `a5`, `letter`), or a folder
    /// holding `pdf.toml`.
    pub fn load(name_or_dir: &str) -> Result<Style, StyleError> {
        let shipped = match name_or_dir {
            "default" | "a4" => Some(""),
            "a5" => Some(A5_PDF_STYLE),
            "letter" => Some(LETTER_PDF_STYLE),
            _ => None,
        };
        if let Some(text) = shipped {
            return Style::from_toml(name_or_dir, text);
        }
        let dir = Path::new(name_or_dir);
        let file = dir.join("pdf.toml");
        if !dir.is_dir() {
            return Err(StyleError::Unknown(name_or_dir.to_string()));
        }
        let text = std::fs::read_to_string(&file).map_err(|source| StyleError::Io {
            path: file.display().to_string(),
            source,
        })?;
        let mut style = Style::from_toml(&file.display().to_string(), &text)?;
        style.base_dir = Some(dir.to_path_buf());
        Ok(style)
    }

    /// Geometry that leaves room for text.
    fn check(&self) -> Result<(), String> {
        let p = &self.page;
        let measure = p.width - p.margin_inner - p.margin_outer;
        let height = p.height - p.margin_top - p.margin_bottom;
        if !(measure >= 72.0 && height >= 144.0) {
            return Err(format!(
                "the text block is {measure:.0} × {height:.0} pt; it must be at least 72 × 144 pt"
            ));
        }
        for (what, size, leading) in [
            ("body", self.body.size, self.body.leading),
            ("quote", self.quote.size, self.quote.leading),
            ("figure", self.figure.size, self.figure.leading),
            ("references", self.references.size, self.references.leading),
            ("notes", self.notes.size, self.notes.leading),
        ] {
            if !((4.0..=72.0).contains(&size) && leading >= size) {
                return Err(format!("[{what}] needs 4 ≤ size ≤ 72 and leading ≥ size"));
            }
        }
        let n = &self.notes;
        if !((0.0..=1.0).contains(&n.rule_length)
            && n.rule_width >= 0.0
            && n.indent >= 0.0
            && n.entry_space >= 0.0
            && n.space_before >= 0.0
            && n.space_after_rule >= 0.0)
        {
            return Err(
                "[notes] needs 0 ≤ rule-length ≤ 1 and no negative width, indent or space".into(),
            );
        }
        Ok(())
    }

    /// The width of the text block.
    pub fn measure(&self) -> f32 {
        self.page.width - self.page.margin_inner - self.page.margin_outer
    }
}

impl Default for Style {
    /// `styles/default/pdf.toml`: A4.
    fn default() -> Self {
        Style::from_toml("styles/default/pdf.toml", "").expect("the default PDF style is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_styles_load() {
        let a4 = Style::load("default").unwrap();
        assert!((a4.page.width - 595.276).abs() < 0.01);
        let a5 = Style::load("a5").unwrap();
        assert!((a5.page.width - 419.528).abs() < 0.01);
        assert_eq!(a5.fonts, a4.fonts);
        let letter = Style::load("letter").unwrap();
        assert_eq!(letter.page.width, 612.0);
        assert!((letter.measure() - a4.measure()).abs() < 1.0);
    }

    #[test]
    fn notes_table_is_read_and_checked() {
        let d = Style::default();
        assert_eq!(d.notes.repeat, NoteRepeat::Full);
        assert_eq!((d.notes.size, d.notes.leading), (9.0, 11.0));
        let s = Style::from_toml("x", "[notes]\nrepeat = \"short\"\nsize = 8\n").unwrap();
        assert_eq!(s.notes.repeat, NoteRepeat::Short);
        assert_eq!((s.notes.size, s.notes.leading), (8.0, 11.0));
        for bad in [
            "[notes]\nrepeat = \"sometimes\"\n",
            "[notes]\nrule-length = 2\n",
            "[notes]\nsize = 12\n",
            "[notes]\nfoo = 1\n",
        ] {
            assert!(Style::from_toml("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Style::from_toml("x", "[page]\nwidht = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("widht"), "{e}");
        assert!(Style::load("no-such-style").is_err());
        assert!(Style::from_toml("x", "[page]\nwidth = 50\n").is_err());
    }
}
