//! Reference entries (FORMAT.md §3): "A reference item is `N. TEXT` followed
//! by zero or more `[]` groups … `TEXT` is split on `"; "` into fields. Keep
//! the raw text always; add structure only where it is unambiguous: the last
//! field is the date when it is (or contains) a date (`2018-03-07`, `Winter
//! 1993/1994`, `26 Feb 1990`), the field before it is the source (site,
//! publisher, newspaper, author), and all earlier fields, re-joined with
//! `"; "`, are the title."

use crate::ast::{IsoDate, RefField, RefFieldKind};
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while_m_n};
use nom::character::complete::{char, space0, space1};
use nom::combinator::{eof, map_res, opt, recognize};
use nom::multi::many1;
use nom::{IResult, Parser};

/// The back-link tokens of FORMAT.md §3, longest first: "`[]`" (an empty
/// link, the seed), "`↩` `↩︎` `↑` `^` `⤴` `⮐`" (the arrow or caret itself
/// survived), "`[↩]` `[↑]` `[^]`" (the arrow kept its link brackets). An
/// arrow may carry a variation selector (`↩︎` is U+21A9 U+FE0E), which a
/// text browser may wrap onto the next line (`↩` / `︎`, joined as `↩ ︎`).
const BACKLINK_TOKENS: &[&str] = &[
    "[↩\u{FE0E}]",
    "[↩\u{FE0F}]",
    "[↑\u{FE0E}]",
    "[↑\u{FE0F}]",
    "[]",
    "[↩]",
    "[↑]",
    "[^]",
    "↩",
    "↑",
    "^",
    "⤴",
    "⮐",
];

/// `variation_selector = " "? ("\u{FE0E}" | "\u{FE0F}")` — how an emoji or
/// text presentation of an arrow survives flattening.
fn variation_selector(input: &str) -> IResult<&str, &str> {
    recognize((opt(char(' ')), alt((char('\u{FE0E}'), char('\u{FE0F}'))))).parse(input)
}

/// `backlink_token = ("[]" | "[↩]" | "[↑]" | "[^]" | "↩" | "↑" | "^" | "⤴" | "⮐") variation_selector?`
/// (inside the brackets too: `[↩︎]`).
pub fn backlink_token(input: &str) -> IResult<&str, &str> {
    let bracketed = recognize((
        char('['),
        alt((char('↩'), char('↑'), char('^'))),
        opt(variation_selector),
        char(']'),
    ));
    let bare = recognize((
        alt((tag("[]"), tag("↩"), tag("↑"), tag("^"), tag("⤴"), tag("⮐"))),
        opt(variation_selector),
    ));
    alt((bracketed, bare)).parse(input)
}

/// `backlink_tail = (" "* backlink_token)+ " "* EOF` — the back-links at
/// the end of an item; returns the byte range of every token.
pub fn backlink_tail(input: &str) -> IResult<&str, Vec<(usize, usize)>> {
    // `[]` after `[]` and nothing else (the seed's way, hundreds of them
    // to an item) are these tokens by the rule: read without the parsers,
    // which took some 400 instructions a token.
    let b = input.as_bytes();
    if !b.is_empty() && b.len().is_multiple_of(2) && b.chunks_exact(2).all(|t| t == b"[]") {
        let tokens = (0..b.len()).step_by(2).map(|a| (a, a + 2)).collect();
        return Ok((&input[b.len()..], tokens));
    }
    backlink_tail_by_rule(input)
}

/// [`backlink_tail`] by its rule, for every input.
fn backlink_tail_by_rule(input: &str) -> IResult<&str, Vec<(usize, usize)>> {
    let whole = input.len();
    let (rest, tokens) = many1((space0, recognize(backlink_token))).parse(input)?;
    let (rest, _) = (space0, eof).parse(rest)?;
    // Offsets of each token within `input`, from the pieces nom handed back.
    let mut out = Vec::with_capacity(tokens.len());
    let mut at = 0;
    for (space, token) in tokens {
        at += space.len();
        out.push((at, at + token.len()));
        at += token.len();
    }
    debug_assert!(at <= whole);
    Ok((rest, out))
}

/// Wikipedia's leading back-links: "`^ a b c` at the start of the entry
/// (`N. ^ a b c TEXT`) … one letter per back-link, `^` alone = one". The
/// letters run a, b, c, … (two at least: one back-link has none); `↑` is
/// the same mark on other language editions. Returns the text after the
/// marks and the byte range of each back-link (the first one holds the
/// caret).
pub fn leading_backlinks(input: &str) -> Option<(usize, Vec<(usize, usize)>)> {
    let (rest, _) = (
        alt((char::<_, nom::error::Error<&str>>('^'), char('↑'))),
        space1,
    )
        .parse(input)
        .ok()?;
    let caret_end = input.len() - rest.len();
    let mut letters = Vec::new();
    let mut at = caret_end;
    for expected in 'a'..='z' {
        let r = &input[at..];
        let mut it = r.chars();
        if it.next() != Some(expected) {
            break;
        }
        let after = &r[1..];
        let spaces = after.len() - after.trim_start_matches(' ').len();
        if spaces == 0 {
            break;
        }
        letters.push((at, at + 1));
        at += 1 + spaces;
    }
    if letters.len() >= 2 {
        // "^ a" is the first back-link, then "b", "c", …
        letters[0].0 = 0;
        Some((at, letters))
    } else {
        Some((caret_end, vec![(0, caret_end - 1)]))
    }
}

/// Where an entry's text and its back-links stand, as byte ranges of the
/// entry's text (after its number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlinks {
    /// The entry's own text: no back-link token, no surrounding space.
    pub body: (usize, usize),
    /// One range per back-link token, in order.
    pub tokens: Vec<(usize, usize)>,
}

/// Splits an item's text into its body and back-link tokens: trailing
/// tokens ([`backlink_tail`]) or Wikipedia's leading ones
/// ([`leading_backlinks`]).
pub fn split_backlinks(text: &str) -> Backlinks {
    let none = Backlinks {
        body: (0, text.len()),
        tokens: Vec::new(),
    };
    if let Some((from, tokens)) = leading_backlinks(text) {
        let body = text[from..].trim();
        let start = from + (text[from..].len() - text[from..].trim_start().len());
        if body.is_empty() {
            return none;
        }
        return Backlinks {
            body: (start, start + body.len()),
            tokens,
        };
    }
    // Walk back over tokens and spaces, then check the grammar forward.
    let mut i = text.len();
    loop {
        let head = trim_end_spacing(&text[..i]);
        // `[]` first: a long list of them is the seed's way.
        if head.ends_with("[]") {
            i = head.len() - 2;
            continue;
        }
        if !head.as_bytes().last().copied().is_some_and(may_end_token) {
            break;
        }
        match BACKLINK_TOKENS.iter().find(|t| head.ends_with(*t)) {
            Some(t) => i = head.len() - t.len(),
            None => break,
        }
    }
    let start = i + (text[i..].len() - text[i..].trim_start().len());
    if start == text.len() {
        return none;
    }
    let Ok((_, tokens)) = backlink_tail(&text[start..]) else {
        return none;
    };
    let body_end = text[..start].trim_end().len();
    Backlinks {
        body: (0, body_end),
        tokens: tokens
            .iter()
            .map(|&(a, b)| (start + a, start + b))
            .collect(),
    }
}

/// Can a back-link token end in byte `b`? `]`, `^` or the last byte of an
/// arrow (`↩` `E2 86 A9`, `↑` `E2 86 91`, `⤴` `E2 A4 B4`, `⮐` `E2 AE 90`):
/// most items end in none, and need not be tried against every token.
fn may_end_token(b: u8) -> bool {
    matches!(b, b']' | b'^' | 0xA9 | 0x91 | 0xB4 | 0x90)
}

/// `text` without the spaces and variation selectors (U+FE0E, U+FE0F) it
/// ends in, byte by byte: a back-link list of thousands of tokens is
/// walked a token at a time.
fn trim_end_spacing(text: &str) -> &str {
    let mut b = text.as_bytes();
    while let [rest @ .., b' '] | [rest @ .., 0xEF, 0xB8, 0x8E | 0x8F] = b {
        b = rest;
    }
    // Only whole characters were taken off: still on a boundary.
    &text[..b.len()]
}

/// True when `text` (an item's last line, or its whole text) ends in, or
/// opens with, back-link tokens.
pub fn has_backlinks(text: &str) -> bool {
    !split_backlinks(text).tokens.is_empty()
}

fn year(input: &str) -> IResult<&str, u32> {
    map_res(
        take_while_m_n(4, 4, |c: char| c.is_ascii_digit()),
        str::parse,
    )
    .parse(input)
}

fn two_digits(input: &str) -> IResult<&str, u32> {
    map_res(
        take_while_m_n(2, 2, |c: char| c.is_ascii_digit()),
        str::parse,
    )
    .parse(input)
}

fn day(input: &str) -> IResult<&str, u32> {
    map_res(
        take_while_m_n(1, 2, |c: char| c.is_ascii_digit()),
        str::parse,
    )
    .parse(input)
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `month = English month name, or its three-letter abbreviation (with an optional ".")`.
fn month(input: &str) -> IResult<&str, u32> {
    for (i, name) in MONTHS.iter().enumerate() {
        if let Ok((rest, _)) = tag_no_case::<_, _, nom::error::Error<&str>>(*name).parse(input) {
            return Ok((rest, i as u32 + 1));
        }
    }
    for (i, name) in MONTHS.iter().enumerate() {
        if let Ok((rest, _)) = (
            tag_no_case::<_, _, nom::error::Error<&str>>(&name[..3]),
            opt(char('.')),
        )
            .parse(input)
        {
            // "Mar" but not "Marching": the abbreviation must end the word.
            if !rest.starts_with(char::is_alphabetic) {
                return Ok((rest, i as u32 + 1));
            }
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        input,
        nom::error::ErrorKind::Tag,
    )))
}

fn valid(y: u32, m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && (1..=31).contains(&d) && y >= 1
}

/// A date and its ISO 8601 value when it has one.
/// `date = iso_date | day_month_year | month_day_year | month_year | season_year | year`
pub fn date(input: &str) -> IResult<&str, Option<IsoDate>> {
    alt((
        // 2018-03-07, 2018-03
        map_res(
            (year, char('-'), two_digits, opt((char('-'), two_digits))),
            |(y, _, m, d)| match d {
                Some((_, d)) if valid(y, m, d) => Ok(IsoDate::from_parts(y, Some(m), Some(d))),
                None if (1..=12).contains(&m) => Ok(IsoDate::from_parts(y, Some(m), None)),
                _ => Err(()),
            },
        ),
        // 26 Feb 1990
        map_res((day, space1, month, space1, year), |(d, _, m, _, y)| {
            if valid(y, m, d) {
                Ok(IsoDate::from_parts(y, Some(m), Some(d)))
            } else {
                Err(())
            }
        }),
        // February 26, 1990
        map_res(
            (month, space1, day, opt(char(',')), space1, year),
            |(m, _, d, _, _, y)| {
                if valid(y, m, d) {
                    Ok(IsoDate::from_parts(y, Some(m), Some(d)))
                } else {
                    Err(())
                }
            },
        ),
        // February 1990
        (month, space1, year).map(|(m, _, y)| IsoDate::from_parts(y, Some(m), None)),
        // Winter 1993/1994, Spring 1988
        recognize((
            alt((
                tag_no_case("winter"),
                tag_no_case("spring"),
                tag_no_case("summer"),
                tag_no_case("autumn"),
                tag_no_case("fall"),
            )),
            space1,
            year,
            opt((char('/'), alt((year, two_digits)))),
        ))
        .map(|_| None),
        // 1990
        year.map(|y| IsoDate::from_parts(y, None, None)),
    ))
    .parse(input)
}

/// The date that ends `field`, if any: (byte offset where it starts, ISO value).
/// "the last field is the date when it is (or contains) a date".
pub fn trailing_date(field: &str) -> Option<(usize, Option<IsoDate>)> {
    let mut starts: Vec<usize> = vec![0];
    starts.extend(
        field
            .char_indices()
            .filter(|&(i, c)| i > 0 && field[..i].ends_with(' ') && !c.is_whitespace())
            .map(|(i, _)| i),
    );
    starts.into_iter().find_map(|i| match date(&field[i..]) {
        Ok((rest, iso)) if rest.trim_end_matches(['.', ')']).trim().is_empty() => Some((i, iso)),
        _ => None,
    })
}

/// Lower-case name particles.
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "del", "della", "di", "du", "la", "le", "bin", "ibn",
    "y",
];

/// Words that mark an organisation rather than a person.
const ORGANISATION_WORDS: &[&str] = &[
    "press",
    "times",
    "news",
    "radio",
    "agency",
    "university",
    "institute",
    "society",
    "museum",
    "library",
    "association",
    "journal",
    "magazine",
    "review",
    "post",
    "herald",
    "tribune",
    "guardian",
    "company",
    "inc",
    "ltd",
    "foundation",
    "council",
    "department",
    "office",
    "service",
    "centre",
    "center",
    "committee",
    "government",
    "ministry",
    "archive",
    "archives",
    "gazette",
    "daily",
    "weekly",
    "television",
    "broadcasting",
    "network",
    "group",
    "trust",
    "board",
    "bureau",
    "commission",
    "college",
    "school",
    "club",
    "books",
    "publishing",
    "publishers",
    "encyclopedia",
    "encyclopaedia",
    "wikipedia",
    "britannica",
    "record",
    "records",
    "courier",
    "chronicle",
    "observer",
    "telegraph",
    "express",
    "mirror",
    "standard",
    "register",
    "bulletin",
    "dispatch",
    "examiner",
    "inquirer",
    "ledger",
    "monitor",
    "reporter",
    "sentinel",
    "statesman",
    "globe",
    "historical",
    "quarterly",
    "annual",
    "digest",
    "media",
    "studio",
    "studios",
    "project",
    "institution",
    "national",
    "state",
    "city",
    "county",
    "federal",
    "royal",
];

/// Does the source field look like a person's name (author) rather than an
/// organisation or site (publisher)? Two to four capitalised words, no
/// digits, no domain, no organisation word.
pub fn looks_like_person(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    if !(2..=4).contains(&words.len()) {
        return false;
    }
    // Beyond two words, a name has an initial or a particle in the middle
    // (`Mary A. Smith`, `Ludwig van Beethoven`); `Zpravodaj Nové Vsi` is a title.
    let middle = &words[1..words.len() - 1];
    if !middle.is_empty()
        && !middle.iter().any(|w| {
            let initial = w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).count() <= 2;
            initial || PARTICLES.contains(w)
        })
    {
        return false;
    }
    words.iter().all(|w| {
        if PARTICLES.contains(w) {
            return true;
        }
        let w = w.trim_end_matches(',');
        let lower = w.to_lowercase();
        w.chars().next().is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '’'))
            && !(w.contains('.') && w.len() > 3 && !w.ends_with('.'))
            && !ORGANISATION_WORDS.contains(&lower.trim_end_matches('.'))
    })
}

/// Recognises the fields of a reference's raw text.
pub fn fields(raw: &str) -> Box<[RefField]> {
    // Byte ranges of the "; "-separated parts.
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in raw.match_indices("; ") {
        parts.push((start, i));
        start = i + 2;
    }
    parts.push((start, raw.len()));
    if parts.len() < 2 {
        return Box::default();
    }
    let (ls, le) = parts[parts.len() - 1];
    let Some((off, iso)) = trailing_date(&raw[ls..le]) else {
        return Box::default();
    };
    // An entry is a piece of an article, whose offsets are 32-bit
    // (`crate::MAX_INPUT_BYTES`).
    let field = |kind, (start, end): (usize, usize), iso| RefField {
        kind,
        start: start as u32,
        end: end as u32,
        iso,
    };
    let date = field(RefFieldKind::Date, (ls + off, le), iso);
    // At most three fields, held as long as the document: no spare room
    // (a vector grown by pushing has room for four).
    let mut out = Vec::with_capacity(3);
    if parts.len() >= 3 {
        let (ss, se) = parts[parts.len() - 2];
        let title_end = parts[parts.len() - 3].1;
        out.push(field(RefFieldKind::Title, (parts[0].0, title_end), None));
        let kind = if looks_like_person(&raw[ss..se]) {
            RefFieldKind::Author
        } else {
            RefFieldKind::Publisher
        };
        out.push(field(kind, (ss, se), None));
    } else {
        out.push(field(RefFieldKind::Title, parts[0], None));
    }
    out.push(date);
    out.retain(|f| f.start < f.end);
    out.into_boxed_slice()
}

#[cfg(test)]
mod tests;
