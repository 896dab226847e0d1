//! A small typed model of pandoc's JSON AST (the `pandoc-types` package),
//! just the part refolio writes and reads: serde gives the exact JSON shape
//! (`{"t": "Para", "c": […]}`), so the writer builds values and never
//! formats JSON by hand.
//!
//! The shape is that of `pandoc-types` 1.22 (pandoc 2.11–2.19) and 1.23
//! (pandoc 3): the two differ, for refolio, only in the [`Block::Figure`]
//! block that 1.23 added; a 1.22 figure is a paragraph holding one image
//! whose title starts with `fig:`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An element's identifier, classes and key-value attributes.
pub type Attr = (String, Vec<String>, Vec<(String, String)>);

/// A link's or an image's URL and title.
pub type Target = (String, String);

/// An attribute with only an identifier and classes.
pub fn attr(id: &str, classes: &[&str], pairs: &[(&str, &str)]) -> Attr {
    (
        id.to_string(),
        classes.iter().map(|c| c.to_string()).collect(),
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// A whole pandoc document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pandoc {
    /// The `pandoc-types` version, e.g. `[1, 22, 2, 1]`.
    #[serde(rename = "pandoc-api-version")]
    pub api_version: Vec<u32>,
    /// The document's metadata (title, author, …).
    pub meta: BTreeMap<String, MetaValue>,
    /// The body.
    pub blocks: Vec<Block>,
}

/// A metadata value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "c")]
pub enum MetaValue {
    /// A map of values.
    MetaMap(BTreeMap<String, MetaValue>),
    /// A list of values.
    MetaList(Vec<MetaValue>),
    /// A boolean.
    MetaBool(bool),
    /// A plain string.
    MetaString(String),
    /// Inline content (what pandoc's Markdown reader makes of a YAML string).
    MetaInlines(Vec<Inline>),
    /// Block content.
    MetaBlocks(Vec<Block>),
}

/// The numbering style of an ordered list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum ListNumberStyle {
    /// The writer's default.
    DefaultStyle,
    /// 1, 2, 3.
    Decimal,
    /// Any other style pandoc knows (roman, letters …), read only.
    #[serde(other)]
    Other,
}

/// The delimiter after an ordered list's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum ListNumberDelim {
    /// The writer's default.
    DefaultDelim,
    /// `1.`
    Period,
    /// `1)`
    OneParen,
    /// `(1)`
    TwoParens,
}

/// An ordered list's start number, style and delimiter.
pub type ListAttributes = (i64, ListNumberStyle, ListNumberDelim);

/// A caption (1.23): an optional short caption and the caption's blocks.
pub type Caption = (Option<Vec<Inline>>, Vec<Block>);

/// A block element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "c")]
pub enum Block {
    /// Inlines not in a paragraph (a tight list item).
    Plain(Vec<Inline>),
    /// A paragraph.
    Para(Vec<Inline>),
    /// A heading: level, attributes, text.
    Header(i64, Attr, Vec<Inline>),
    /// A bulleted list: each item is a list of blocks.
    BulletList(Vec<Vec<Block>>),
    /// A numbered list.
    OrderedList(ListAttributes, Vec<Vec<Block>>),
    /// A block quotation.
    BlockQuote(Vec<Block>),
    /// A thematic break.
    HorizontalRule,
    /// A generic container.
    Div(Attr, Vec<Block>),
    /// A figure (pandoc-types 1.23 and later): attributes, caption, content.
    Figure(Attr, Caption, Vec<Block>),
}

/// An inline element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "c")]
pub enum Inline {
    /// A word (text without spaces).
    Str(String),
    /// An inter-word space.
    Space,
    /// A line break in the source that is a space.
    SoftBreak,
    /// Emphasis (read only).
    Emph(Vec<Inline>),
    /// Strong emphasis (read only).
    Strong(Vec<Inline>),
    /// Superscript text.
    Superscript(Vec<Inline>),
    /// A link: attributes, text, target.
    Link(Attr, Vec<Inline>, Target),
    /// An image: attributes, alt text (1.22: the caption of a figure), target.
    Image(Attr, Vec<Inline>, Target),
    /// A footnote.
    Note(Vec<Block>),
    /// A generic inline container.
    Span(Attr, Vec<Inline>),
}

/// `text` as pandoc's readers tokenise it: words as [`Inline::Str`], each
/// run of spaces, tabs and line ends as one [`Inline::Space`]. A no-break
/// space is part of a word, as pandoc keeps it.
pub fn words(text: &str, out: &mut Vec<Inline>) {
    let mut word = String::new();
    let mut space = false;
    for c in text.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            space = true;
            continue;
        }
        if space {
            push_word(out, std::mem::take(&mut word));
            if !out.is_empty() && out.last() != Some(&Inline::Space) {
                out.push(Inline::Space);
            }
            space = false;
        }
        word.push(c);
    }
    push_word(out, word);
    if space && !out.is_empty() && out.last() != Some(&Inline::Space) {
        out.push(Inline::Space);
    }
}

/// Appends a word, joined to a `Str` right before it (pandoc merges them).
fn push_word(out: &mut Vec<Inline>, word: String) {
    if word.is_empty() {
        return;
    }
    if let Some(Inline::Str(prev)) = out.last_mut() {
        prev.push_str(&word);
    } else {
        out.push(Inline::Str(word));
    }
}

/// Removes a leading and a trailing [`Inline::Space`] (pandoc's readers
/// never start or end a paragraph with one).
pub fn trim(mut v: Vec<Inline>) -> Vec<Inline> {
    while v.last() == Some(&Inline::Space) {
        v.pop();
    }
    let lead = v.iter().take_while(|i| **i == Inline::Space).count();
    v.drain(..lead);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        let b = vec![
            Block::Para(vec![Inline::Str("a".into()), Inline::Space]),
            Block::HorizontalRule,
            Block::OrderedList(
                (3, ListNumberStyle::Decimal, ListNumberDelim::Period),
                vec![vec![Block::Plain(vec![])]],
            ),
        ];
        let j = serde_json::to_string(&b).unwrap();
        assert_eq!(
            j,
            r#"[{"t":"Para","c":[{"t":"Str","c":"a"},{"t":"Space"}]},{"t":"HorizontalRule"},{"t":"OrderedList","c":[[3,{"t":"Decimal"},{"t":"Period"}],[[{"t":"Plain","c":[]}]]]}]"#
        );
        let back: Vec<Block> = serde_json::from_str(&j).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn words_like_pandoc() {
        let mut v = Vec::new();
        words(" two  words\u{a0}kept ", &mut v);
        assert_eq!(
            v,
            vec![
                Inline::Str("two".into()),
                Inline::Space,
                Inline::Str("words\u{a0}kept".into()),
                Inline::Space
            ]
        );
    }
}
