//! Reference entries (FORMAT.md §3): "A reference item is `N. TEXT` followed
//! by zero or more `[]` groups … `TEXT` is split on `"; "` into fields. Keep
//! the raw text always; add structure only where it is unambiguous: the last
//! field is the date when it is (or contains) a date (`2018-03-07`, `Winter
//! 1993/1994`, `26 Feb 1990`), the field before it is the source (site,
//! publisher, newspaper, author), and all earlier fields, re-joined with
//! `"; "`, are the title."

use crate::ast::{RefField, RefFieldKind};
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while_m_n};
use nom::character::complete::{char, space0, space1};
use nom::combinator::{eof, map_res, opt, recognize};
use nom::multi::many1;
use nom::{IResult, Parser};

/// `backlink_groups = "[]"+ space* EOF` — the back-links at the end of an item.
pub fn backlink_groups(input: &str) -> IResult<&str, usize> {
    let (rest, groups) = many1((tag("[]"), space0)).parse(input)?;
    let (rest, _) = eof(rest)?;
    Ok((rest, groups.len()))
}

/// Splits an item's text into (text, byte offsets of each `[]` group).
pub fn split_backlinks(text: &str) -> (&str, Vec<usize>) {
    // Walk back over "[]" groups and spaces, then check the grammar forward.
    let bytes = text.as_bytes();
    let mut i = bytes.len();
    loop {
        while i > 0 && bytes[i - 1] == b' ' {
            i -= 1;
        }
        if i >= 2 && &bytes[i - 2..i] == b"[]" {
            i -= 2;
        } else {
            break;
        }
    }
    let tail = &text[i..];
    let tail = tail.trim_start();
    let start = text.len() - tail.len();
    if tail.is_empty() || backlink_groups(tail).is_err() {
        return (text, Vec::new());
    }
    let groups = tail.match_indices("[]").map(|(j, _)| start + j).collect();
    (text[..start].trim_end(), groups)
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
pub fn date(input: &str) -> IResult<&str, Option<String>> {
    alt((
        // 2018-03-07, 2018-03
        map_res(
            (year, char('-'), two_digits, opt((char('-'), two_digits))),
            |(y, _, m, d)| match d {
                Some((_, d)) if valid(y, m, d) => Ok(Some(format!("{y:04}-{m:02}-{d:02}"))),
                None if (1..=12).contains(&m) => Ok(Some(format!("{y:04}-{m:02}"))),
                _ => Err(()),
            },
        ),
        // 26 Feb 1990
        map_res((day, space1, month, space1, year), |(d, _, m, _, y)| {
            if valid(y, m, d) {
                Ok(Some(format!("{y:04}-{m:02}-{d:02}")))
            } else {
                Err(())
            }
        }),
        // February 26, 1990
        map_res(
            (month, space1, day, opt(char(',')), space1, year),
            |(m, _, d, _, _, y)| {
                if valid(y, m, d) {
                    Ok(Some(format!("{y:04}-{m:02}-{d:02}")))
                } else {
                    Err(())
                }
            },
        ),
        // February 1990
        (month, space1, year).map(|(m, _, y)| Some(format!("{y:04}-{m:02}"))),
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
        year.map(|y| Some(format!("{y:04}"))),
    ))
    .parse(input)
}

/// The date that ends `field`, if any: (byte offset where it starts, ISO value).
/// "the last field is the date when it is (or contains) a date".
pub fn trailing_date(field: &str) -> Option<(usize, Option<String>)> {
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
pub fn fields(raw: &str) -> Vec<RefField> {
    // Byte ranges of the "; "-separated parts.
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in raw.match_indices("; ") {
        parts.push((start, i));
        start = i + 2;
    }
    parts.push((start, raw.len()));
    if parts.len() < 2 {
        return Vec::new();
    }
    let (ls, le) = parts[parts.len() - 1];
    let Some((off, iso)) = trailing_date(&raw[ls..le]) else {
        return Vec::new();
    };
    let date = RefField {
        kind: RefFieldKind::Date,
        start: ls + off,
        end: le,
        iso,
    };
    let mut out = Vec::new();
    if parts.len() >= 3 {
        let (ss, se) = parts[parts.len() - 2];
        let title_end = parts[parts.len() - 3].1;
        out.push(RefField {
            kind: RefFieldKind::Title,
            start: parts[0].0,
            end: title_end,
            iso: None,
        });
        let kind = if looks_like_person(&raw[ss..se]) {
            RefFieldKind::Author
        } else {
            RefFieldKind::Publisher
        };
        out.push(RefField {
            kind,
            start: ss,
            end: se,
            iso: None,
        });
    } else {
        out.push(RefField {
            kind: RefFieldKind::Title,
            start: parts[0].0,
            end: parts[0].1,
            iso: None,
        });
    }
    out.push(date);
    out.retain(|f| f.start < f.end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(raw: &str) -> Vec<(RefFieldKind, String, Option<String>)> {
        fields(raw)
            .into_iter()
            .map(|f| (f.kind, raw[f.start..f.end].to_string(), f.iso))
            .collect()
    }

    #[test]
    fn backlinks_are_counted_and_stripped() {
        assert_eq!(
            split_backlinks("A; B; 2018-03-07[][][]"),
            ("A; B; 2018-03-07", vec![16, 18, 20])
        );
        assert_eq!(split_backlinks("No links"), ("No links", vec![]));
        assert_eq!(split_backlinks("x [] []").1.len(), 2);
        assert_eq!(split_backlinks("[]").1.len(), 1);
    }

    #[test]
    fn title_source_date() {
        let f = show("Canal history; Valley Press; 2018-03-07");
        assert_eq!(f[0], (RefFieldKind::Title, "Canal history".into(), None));
        assert_eq!(f[1], (RefFieldKind::Publisher, "Valley Press".into(), None));
        assert_eq!(
            f[2],
            (
                RefFieldKind::Date,
                "2018-03-07".into(),
                Some("2018-03-07".into())
            )
        );
    }

    #[test]
    fn title_keeps_its_semicolon_and_date_inside_a_field() {
        let f = show("Locks; or, the ridge; Anna Berg; Quarterly Winter 1996/1997");
        assert_eq!(f[0].1, "Locks; or, the ridge");
        assert_eq!(f[1].0, RefFieldKind::Author);
        assert_eq!(f[2].1, "Winter 1996/1997");
        assert_eq!(f[2].2, None);
    }

    #[test]
    fn date_forms() {
        assert_eq!(date("26 Feb 1990").unwrap().1, Some("1990-02-26".into()));
        assert_eq!(
            date("February 26, 1990").unwrap().1,
            Some("1990-02-26".into())
        );
        assert_eq!(date("March 1871").unwrap().1, Some("1871-03".into()));
        assert_eq!(date("1990").unwrap().1, Some("1990".into()));
        assert!(trailing_date("page 12").is_none());
        assert!(date("2018-13-01").unwrap().1 == Some("2018".into()));
    }

    #[test]
    fn no_date_no_structure() {
        assert!(fields("Smith, J. The Canal (London: Dock, 1901), 66.").is_empty());
        assert!(fields("One; Two; Three").is_empty());
    }

    #[test]
    fn persons_and_organisations() {
        assert!(looks_like_person("Jana Nováková"));
        assert!(!looks_like_person("Associated Press"));
        assert!(!looks_like_person("Britannica.com"));
        assert!(!looks_like_person("Los Angeles Times"));
        assert!(!looks_like_person("Alder Valley Courier"));
        assert!(!looks_like_person("Zpravodaj Nové Vsi"));
        assert!(looks_like_person("Mary A. Smith"));
        assert!(looks_like_person("Ludwig van Beethoven"));
    }
}
