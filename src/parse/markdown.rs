//! Reading refolio's Markdown back (`src/write/markdown.rs` writes it):
//! the unambiguous form of an article, in which every citation is written
//! as a footnote reference, so nothing is left to resolve.
//!
//! What is read: a YAML front matter of `key: 'value'` lines (`title`,
//! `subtitle`, `author`, `date`, `lang`, `source-url`, `notes-title`); then
//! blocks separated by blank lines: `## heading {#id}` (any level; a `#`
//! heading before any text is the title when the front matter has none),
//! `* * *` rules, `> ` quotations, `-` / `*` / `+` and `N.` / `N)` lists
//! (nested by indentation), a figure `![caption](src){fig-alt="alt"}` alone
//! in its block (the alt text's citations are `[^N]` in `fig-alt`, and
//! again after the caption, for pandoc, where they are dropped; without
//! `fig-alt`, the text is the alt text and there is
//! no caption), footnote definitions `[^label]: text` (the references, in
//! the order of their numbers) and paragraphs, whose lines are joined with
//! one space. Inline: `\` escapes, `[^label]` citations, `^N^` a citation
//! of a reference that does not exist, `<https://…>` links; everything
//! else is text.
//!
//! The K-th `[^N]` is citation K of reference N, and each reference gets one
//! back-link per citation (so back-link counts that disagreed with the
//! markers in the original, and the back-link tokens as written, are not
//! kept; `[]` stands for each).

use crate::ast::{
    Backlink, Block, Document, Figure, Heading, Inline, List, ListItem, Meta, Paragraph, Quote,
    Reference, Rule, Section, SourceStyle, Span, Title, for_each_inlines_mut, is_xml_char,
};
use crate::diag::{Diagnostic, Severity};
use crate::source::Source;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_until, take_while1};
use nom::character::complete::{char, digit1, satisfy};
use nom::combinator::{map, recognize};
use nom::sequence::delimited;
use nom::{IResult, Parser};
use std::collections::HashMap;

/// True when `name` ends in `.md` or `.markdown`, or the text opens with a
/// YAML front matter that has a `title:`, or has a footnote definition
/// line (`[^1]: …`) — neither of which a flattened page has.
pub fn looks_like_markdown(name: &str, text: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        return true;
    }
    let text = text.trim_start_matches('\u{FEFF}');
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    if lines.next() == Some("---") {
        for l in lines.by_ref() {
            if l == "---" || l == "..." {
                break;
            }
            if l.starts_with("title:") {
                return true;
            }
        }
    }
    // A definition opens its line with `[^`: look only where that pair
    // stands (one substring search, not a parse of every line).
    let b = text.as_bytes();
    memchr::memmem::find_iter(b, b"[^").any(|at| {
        if at > 0 && b[at - 1] != b'\n' {
            return false;
        }
        let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |e| at + e);
        let line = &text[at..end];
        footnote_definition(line.strip_suffix('\r').unwrap_or(line)).is_ok()
    })
}

/// One line with its byte offset in the source.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    start: usize,
}

impl Line<'_> {
    fn span(&self) -> Span {
        Span::new(self.start, self.start + self.text.len())
    }
}

/// A `[^label]` footnote reference: the label.
fn note_ref(input: &str) -> IResult<&str, &str> {
    delimited(
        tag("[^"),
        take_while1(|c: char| c != ']' && c != '['),
        char(']'),
    )
    .parse(input)
}

/// A footnote definition line, `[^label]: text`: the label and the text.
fn footnote_definition(input: &str) -> IResult<&str, (&str, &str)> {
    let (rest, label) = note_ref(input)?;
    let (rest, _) = char(':').parse(rest)?;
    Ok(("", (label, rest.trim())))
}

/// `^N^`: a citation of reference N, which does not exist.
fn unresolved(input: &str) -> IResult<&str, u32> {
    map(delimited(char('^'), digit1, char('^')), |d: &str| {
        d.parse().unwrap_or(u32::MAX)
    })
    .parse(input)
}

/// `<http://…>` or `<https://…>`: an automatic link; the URL.
fn autolink(input: &str) -> IResult<&str, &str> {
    delimited(
        char('<'),
        recognize((
            alt((tag("https://"), tag("http://"))),
            take_while1(|c: char| c != '>' && !c.is_whitespace()),
        )),
        char('>'),
    )
    .parse(input)
}

/// A backslash escape of ASCII punctuation: the character.
fn escaped(input: &str) -> IResult<&str, char> {
    let (rest, _) = char('\\').parse(input)?;
    satisfy(|c| c.is_ascii_punctuation()).parse(rest)
}

/// One inline token of the Markdown this module reads.
enum Token<'a> {
    Text(char),
    Note(&'a str),
    Unresolved(u32),
    Url(&'a str),
}

/// The next inline token.
fn token(input: &str) -> IResult<&str, Token<'_>> {
    alt((
        map(escaped, Token::Text),
        map(note_ref, Token::Note),
        map(unresolved, Token::Unresolved),
        map(autolink, Token::Url),
        map(satisfy(|_| true), Token::Text),
    ))
    .parse(input)
}

/// What the inline reader found for a `[^label]`: the label's number.
struct Labels {
    numbers: HashMap<String, u32>,
}

impl Labels {
    /// The reference number of `label`: its digits (after an `aK-` book
    /// prefix), else the number given to it in order of definition.
    fn number(&mut self, label: &str) -> u32 {
        if let Some(n) = self.numbers.get(label) {
            return *n;
        }
        let digits = label.rsplit('-').next().unwrap_or(label);
        let n = digits
            .parse()
            .unwrap_or_else(|_| self.numbers.values().max().copied().unwrap_or(0) + 1);
        self.numbers.insert(label.to_string(), n);
        n
    }
}

/// Inline content: text, citations (occurrences filled in later) and links.
fn inlines(text: &str, labels: &mut Labels) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut rest = text;
    let flush = |buf: &mut String, out: &mut Vec<Inline>| {
        if !buf.is_empty() {
            out.push(Inline::text(std::mem::take(buf)));
        }
    };
    while !rest.is_empty() {
        let Ok((r, t)) = token(rest) else { break };
        rest = r;
        match t {
            Token::Text(c) => buf.push(c),
            Token::Note(label) => {
                flush(&mut buf, &mut out);
                out.push(Inline::cite(labels.number(label), 0));
            }
            Token::Unresolved(n) => {
                flush(&mut buf, &mut out);
                out.push(Inline::cite(n, 0));
            }
            Token::Url(u) => {
                flush(&mut buf, &mut out);
                out.push(Inline::link(u));
            }
        }
    }
    flush(&mut buf, &mut out);
    out
}

/// Removes Markdown escapes from plain text (metadata values, alt text).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        match escaped(rest) {
            Ok((r, c)) => {
                out.push(c);
                rest = r;
            }
            Err(_) => {
                let c = rest.chars().next().unwrap_or(' ');
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// A YAML scalar as refolio writes it: single-quoted (`''` is a quote),
/// double-quoted, or plain.
fn yaml_scalar(v: &str) -> String {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else if let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        inner.replace("\\\"", "\"").replace("\\\\", "\\")
    } else {
        v.to_string()
    }
}

/// `## text {#id}`: the level and the text (the attribute dropped).
fn heading(input: &str) -> IResult<&str, (usize, &str)> {
    let (rest, hashes) = take_while1(|c| c == '#').parse(input)?;
    let (rest, _) = char(' ').parse(rest)?;
    let text = rest.trim_end();
    let text = match text.rfind(" {#") {
        Some(i) if text.ends_with('}') => &text[..i],
        _ => text,
    };
    Ok(("", (hashes.len(), text.trim())))
}

/// A rule: three or more `*`, `-` or `_`, spaces between allowed.
fn rule(input: &str) -> bool {
    let t: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    t.len() >= 3
        && ["*", "-", "_"]
            .iter()
            .any(|m| t.chars().all(|c| c.to_string() == *m))
}

/// A list marker at the start of `input`: ordered or not, the start
/// number, and the text after the marker.
fn list_marker(input: &str) -> IResult<&str, (bool, u64)> {
    alt((
        map((alt((char('-'), char('*'), char('+'))), char(' ')), |_| {
            (false, 1)
        }),
        map(
            (digit1, alt((char('.'), char(')'))), char(' ')),
            |(d, _, _): (&str, char, char)| (true, d.parse().unwrap_or(1)),
        ),
    ))
    .parse(input)
}

/// A figure alone in its block: `![text](src)` and an optional
/// `{fig-alt="…"}`: the text and the alt attribute.
fn figure(input: &str) -> IResult<&str, (&str, Option<String>)> {
    let (rest, _) = tag("![").parse(input)?;
    // The text ends at the `](` that is not escaped.
    let mut end = None;
    let b = rest.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' if depth > 0 => depth -= 1,
            b']' if b.get(i + 1) == Some(&b'(') => {
                end = Some(i);
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let Some(end) = end else {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Tag,
        )));
    };
    let text = &rest[..end];
    let (rest, _) = (tag("]("), take_until(")"), char(')')).parse(&rest[end..])?;
    let rest = rest.trim_end();
    if rest.is_empty() {
        return Ok(("", (text, None)));
    }
    let (after, alt_text) = delimited(tag("{fig-alt=\""), quoted, tag("\"}")).parse(rest)?;
    if !after.trim().is_empty() {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Eof,
        )));
    }
    Ok(("", (text, Some(alt_text))))
}

/// The inside of a double-quoted attribute value, as written (its
/// escapes are read with the inline syntax).
fn quoted(input: &str) -> IResult<&str, String> {
    let mut it = input.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => return Ok((&input[i..], input[..i].to_string())),
            '\\' => {
                it.next();
            }
            _ => {}
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        input,
        nom::error::ErrorKind::Char,
    )))
}

/// The body as it is read, before the references are known.
enum Part {
    Block(Block),
    Heading(usize, Heading),
}

/// Reads a list block: items by marker, nested by indentation; unmarked
/// lines continue the item above.
fn list(lines: &[Line], labels: &mut Labels) -> Option<List> {
    let indent = |l: &Line| l.text.len() - l.text.trim_start().len();
    let first = lines.first()?;
    let base = indent(first);
    let (_, (ordered, start)) = list_marker(first.text.trim_start()).ok()?;
    let mut items: Vec<(Vec<String>, Vec<Line>, Span)> = Vec::new();
    for l in lines {
        let t = l.text.trim_start();
        match list_marker(t) {
            Ok((text, _)) if indent(l) <= base => {
                items.push((vec![text.to_string()], Vec::new(), l.span()))
            }
            _ => {
                let item = items.last_mut()?;
                item.2 = item.2.join(l.span());
                if indent(l) > base && (list_marker(t).is_ok() || !item.1.is_empty()) {
                    item.1.push(*l);
                } else {
                    item.0.push(t.to_string());
                }
            }
        }
    }
    let span = lines.iter().fold(first.span(), |s, l| s.join(l.span()));
    let items = items
        .into_iter()
        .map(|(text, children, span)| ListItem {
            inlines: inlines(&text.join(" "), labels),
            children: if children.is_empty() {
                Vec::new()
            } else {
                list(&children, labels).into_iter().collect()
            },
            span,
        })
        .collect();
    Some(List {
        ordered,
        start,
        items,
        span,
    })
}

/// Reads one block (a run of non-blank lines).
fn block(lines: &[Line], labels: &mut Labels) -> Part {
    let span = lines[0].span().join(lines[lines.len() - 1].span());
    let joined = lines
        .iter()
        .map(|l| l.text.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let first = lines[0].text;
    if lines.len() == 1
        && let Ok((_, (level, text))) = heading(first)
    {
        let h = Heading {
            inlines: inlines(text, labels),
            span,
        };
        return Part::Heading(level, h);
    }
    if lines.len() == 1 && rule(first) {
        return Part::Block(Block::Rule(Rule { span }));
    }
    if lines.iter().all(|l| l.text.starts_with('>')) {
        let text = lines
            .iter()
            .map(|l| l.text[1..].trim())
            .collect::<Vec<_>>()
            .join(" ");
        return Part::Block(Block::Quote(Quote {
            inlines: inlines(&text, labels),
            span,
        }));
    }
    if list_marker(first.trim_start()).is_ok()
        && let Some(l) = list(lines, labels)
    {
        return Part::Block(Block::List(Box::new(l)));
    }
    if let Ok((_, (text, alt_attr))) = figure(&joined) {
        let f = match alt_attr {
            Some(a) => {
                let alt = inlines(&a, labels);
                let mut caption = inlines(text, labels);
                // The alt text's citations were also written after the
                // caption (for pandoc): they are the alt's.
                let cites = alt
                    .iter()
                    .filter(|i| matches!(i, Inline::Cite { .. }))
                    .count();
                for _ in 0..cites {
                    if matches!(caption.last(), Some(Inline::Cite { .. })) {
                        caption.pop();
                    }
                }
                Figure {
                    alt,
                    caption: Some(caption),
                    span,
                }
            }
            None => Figure {
                alt: inlines(text, labels),
                caption: None,
                span,
            },
        };
        return Part::Block(Block::Figure(Box::new(f)));
    }
    Part::Block(Block::Paragraph(Paragraph {
        inlines: inlines(&joined, labels),
        span,
    }))
}

/// Drops the characters XML 1.0 does not allow, with a warning each.
fn clean(src: &Source, diagnostics: &mut Vec<Diagnostic>) -> String {
    let mut out = String::with_capacity(src.text.len());
    for (i, c) in src.text[src.start..].char_indices() {
        if is_xml_char(c) {
            out.push(c);
        } else {
            // Keep offsets: a space in its place.
            out.push_str(&" ".repeat(c.len_utf8()));
            diagnostics.push(Diagnostic::new(
                Severity::Warning,
                Span::new(src.start + i, src.start + i + c.len_utf8()),
                format!(
                    "control character U+{:04X} dropped (XML 1.0 does not allow it)",
                    c as u32
                ),
            ));
        }
    }
    out
}

/// Reads refolio's Markdown into a document. `meta` comes from the command
/// line and the sidecar; the front matter fills what it does not give (and
/// its `lang` wins over the default `en`).
pub fn read(src: &Source, meta: Meta) -> (Document, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let text = clean(src, &mut diagnostics);
    let mut lines: Vec<Line> = Vec::new();
    let mut pos = src.start;
    for l in text.split_inclusive('\n') {
        let t = l.trim_end_matches(['\n', '\r']).trim_end();
        lines.push(Line {
            text: t,
            start: pos,
        });
        pos += l.len();
    }
    // The front matter.
    let mut yaml: HashMap<String, String> = HashMap::new();
    let mut body_from = 0;
    if lines.first().map(|l| l.text) == Some("---")
        && let Some(end) = lines[1..]
            .iter()
            .position(|l| l.text == "---" || l.text == "...")
    {
        for l in &lines[1..=end] {
            if let Some((k, v)) = l.text.split_once(':') {
                yaml.insert(k.trim().to_string(), unescape(&yaml_scalar(v)));
            }
        }
        body_from = end + 2;
    }
    let mut labels = Labels {
        numbers: HashMap::new(),
    };
    // Footnote definitions first, so that labels are numbered by them.
    let mut definitions: Vec<(String, String, Span)> = Vec::new();
    let mut parts = Vec::new();
    let mut i = body_from;
    while i < lines.len() {
        if lines[i].text.trim().is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !lines[i].text.trim().is_empty() {
            i += 1;
        }
        let run = &lines[start..i];
        if let Ok((_, (label, first))) = footnote_definition(run[0].text) {
            let mut t = first.to_string();
            for l in &run[1..] {
                t.push(' ');
                t.push_str(l.text.trim());
            }
            let span = run[0].span().join(run[run.len() - 1].span());
            definitions.push((label.to_string(), t, span));
        } else {
            parts.push(run);
        }
    }
    for (label, _, _) in &definitions {
        labels.number(label);
    }
    let mut title = yaml.get("title").cloned();
    let mut title_span = Span::default();
    let mut doc_blocks = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    for (k, run) in parts.into_iter().enumerate() {
        // Without a front matter title or a `#` heading, a first block of
        // one line is the title, as in the article format.
        if k == 0
            && title.is_none()
            && run.len() == 1
            && heading(run[0].text).is_err()
            && figure(run[0].text).is_err()
        {
            title = Some(unescape(run[0].text.trim()));
            title_span = run[0].span();
            continue;
        }
        match block(run, &mut labels) {
            Part::Heading(1, h)
                if title.is_none() && doc_blocks.is_empty() && sections.is_empty() =>
            {
                title = Some(crate::ast::plain_text(&h.inlines));
                title_span = h.span;
            }
            Part::Heading(_, h) => sections.push(Section {
                span: h.span,
                heading: h,
                blocks: Vec::new(),
            }),
            Part::Block(b) => match sections.last_mut() {
                Some(s) => {
                    s.span = s.span.join(b.span());
                    s.blocks.push(b);
                }
                None => doc_blocks.push(b),
            },
        }
    }
    let mut doc = Document::new(title.unwrap_or_default());
    doc.title.span = title_span;
    doc.subtitle = yaml.get("subtitle").map(|s| Title {
        text: s.clone(),
        span: Span::default(),
    });
    if matches!(doc_blocks.first(), Some(Block::Figure(_)))
        && let Block::Figure(f) = doc_blocks.remove(0)
    {
        doc.lead_figure = Some(*f);
    }
    doc.blocks = doc_blocks;
    doc.sections = sections;
    doc.meta = meta;
    let fill = |field: &mut Option<String>, key: &str| {
        if field.is_none() {
            *field = yaml.get(key).cloned().filter(|v| !v.trim().is_empty());
        }
    };
    fill(&mut doc.meta.author, "author");
    fill(&mut doc.meta.date, "date");
    fill(&mut doc.meta.source_url, "source-url");
    if let Some(l) = yaml.get("lang").filter(|l| !l.trim().is_empty())
        && (doc.meta.lang.is_empty() || doc.meta.lang == "en")
    {
        doc.meta.lang = l.trim().to_string();
    }
    // Occurrences, in reading order, and the back-links they make.
    let mut count: HashMap<u32, u32> = HashMap::new();
    for_each_inlines_mut(&mut doc, &mut |v| {
        for i in v.iter_mut() {
            if let Inline::Cite { n, occurrence, .. } = i {
                let c = count.entry(*n).or_insert(0);
                *c += 1;
                *occurrence = *c;
            }
        }
    });
    let mut refs: Vec<Reference> = definitions
        .into_iter()
        .map(|(label, text, span)| {
            let n = labels.number(&label);
            let raw = unescape(&text);
            let backlinks = vec![
                Backlink {
                    span: Span::default(),
                    token: "[]".into(),
                };
                count.get(&n).copied().unwrap_or(0) as usize
            ]
            .into_boxed_slice();
            Reference {
                n,
                fields: crate::parse::reference::fields(&raw),
                raw: raw.into(),
                backlinks,
                span,
            }
        })
        .collect();
    refs.sort_by_key(|r| r.n);
    // A citation whose footnote has no definition.
    let defined: std::collections::HashSet<u32> = refs.iter().map(|r| r.n).collect();
    let mut undefined: Vec<u32> = count
        .keys()
        .copied()
        .filter(|n| !defined.contains(n))
        .collect();
    undefined.sort_unstable();
    for n in undefined {
        diagnostics.push(
            Diagnostic::new(
                Severity::Warning,
                Span::new(src.start, src.start),
                format!("citation {n} has no footnote definition ([^{n}]: …); it links nowhere"),
            )
            .with_help("add the reference as a footnote definition line, `[^N]: text`"),
        );
    }
    doc.references = refs;
    doc.references_heading = yaml.get("notes-title").map(|t| Heading {
        inlines: vec![Inline::text(t.clone())],
        span: Span::default(),
    });
    doc.style = SourceStyle::default();
    (doc, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_line_is_the_title_without_front_matter() {
        let md = "A title\n\nText[^1].\n\n[^1]: Source\n";
        let (doc, d) = read(&Source::new("x.md", md.into()), Meta::default());
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(doc.title.text, "A title");
        assert_eq!(doc.blocks.len(), 1);
        assert_eq!(doc.references[0].backlinks.len(), 1);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_markdown("x.md", "anything"));
        assert!(looks_like_markdown(
            "x.txt",
            "---\ntitle: 'T'\n---\n\nText\n"
        ));
        assert!(looks_like_markdown(
            "x.txt",
            "T\n\nText[^1]\n\n[^1]: A source\n"
        ));
        assert!(!looks_like_markdown(
            "x.txt",
            "T\n\nText1\n\n  1. A source[][]\n"
        ));
    }

    proptest::proptest! {
        /// The substring search finds a definition line exactly when
        /// parsing every line does.
        #[test]
        fn sniffing_finds_the_definition_lines(
            text in "([a-z \\r\\n:\\]\\[^]|\\[\\^|\\[\\^1\\]:|\\n\\[\\^x\\]:)*"
        ) {
            let every_line = text.lines().any(|l| footnote_definition(l).is_ok());
            // (No `-` in the text: the front matter test does not answer.)
            proptest::prop_assert_eq!(looks_like_markdown("x.txt", &text), every_line);
        }
    }

    #[test]
    fn reads_notes_and_escapes() {
        let md = "---\ntitle: 'A \\*title\\*'\n---\n\nSaid it\\'s so.[^1] Again[^1] ^9^ <https://ex.org>\n\n[^1]: A source; Site; 2020\n";
        let (doc, d) = read(&Source::new("x.md", md.into()), Meta::default());
        // Citation 9 has no definition.
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("citation 9"), "{d:?}");
        assert_eq!(doc.title.text, "A *title*");
        let Block::Paragraph(p) = &doc.blocks[0] else {
            panic!()
        };
        assert_eq!(p.inlines[0], Inline::text("Said it's so."));
        assert!(matches!(
            p.inlines[1],
            Inline::Cite {
                n: 1,
                occurrence: 1,
                ..
            }
        ));
        assert!(matches!(
            p.inlines[3],
            Inline::Cite {
                n: 1,
                occurrence: 2,
                ..
            }
        ));
        assert!(matches!(p.inlines[5], Inline::Cite { n: 9, .. }));
        assert_eq!(doc.references[0].backlinks.len(), 2);
        assert_eq!(doc.references[0].fields.len(), 3);
    }
}
