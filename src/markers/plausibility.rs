//! How plausible each reading of a digit run is (FORMAT.md §4, rule 4).
//!
//! Scores are log-odds against reading the digits as text (which scores 0):
//! positive means "more likely a marker". They only rank readings; the hard
//! constraints (1..=N, back-link counts, first-occurrence order) are enforced
//! by the solver.
//!
//! "after a lowercase letter or closing punctuation a marker is likely; after
//! a digit, an uppercase abbreviation (`ČT24`, `MP3`) or a hyphenated
//! designation (`T-62`, `F-16`) it is unlikely; a split that leaves a
//! well-formed number (`250 000`, `14:40`, a year) beats one that doesn't.
//! Digits inside URLs, DOIs, e-mail addresses, version or package names
//! (`ggplot2`, `v1.2.3`), decimals and money (`1.25`, `$20.00`), section and
//! figure labels (`Image 1.2.`, `Section 3`) and file names (`mp3`) are text."
//!
//! The words and characters these rules look up are in `lexicon.rs`.

#[cfg(test)]
pub use super::lexicon::DecimalMark;
pub use super::lexicon::Language;
use super::lexicon::*;
use crate::ast::{MarkerStyle, with_lowercase};

/// Score of a marker glued to a lowercase word (`Party1`, `troops4`).
const AFTER_LOWERCASE: f32 = 3.0;
/// Score of a marker glued to closing punctuation (`face,”1`, `north.3`).
const AFTER_CLOSING_PUNCT: f32 = 3.5;
/// Base score of a marker split off a digit run (`250 0003`).
const AFTER_DIGIT: f32 = -3.0;
/// Bonus when the split turns a malformed number into a well-formed one.
const SPLIT_MAKES_WELL_FORMED: f32 = 5.5;
/// Penalty when the unsplit digits already form a well-formed number.
const SPLIT_BREAKS_WELL_FORMED: f32 = -4.0;
/// Score of a marker typed after a space that follows a sentence
/// (`pages.” 2`): "implausible unless the back-link counts or the
/// first-occurrence order ask for it".
const SPACED: f32 = -2.5;
/// Score of a second marker one space after a marker, before punctuation.
const ADJACENT_BEFORE_PUNCT: f32 = 2.0;
/// Score of a second marker one space after a marker, before a word.
const ADJACENT_BEFORE_WORD: f32 = -1.5;
/// Score of a second marker after a comma (`said2,5`).
const ADJACENT_AFTER_COMMA: f32 = 2.5;
/// Added to every reading in the entries of a bibliography in prose (a
/// section headed `Bibliography`, `Works cited`, …): such entries cite nothing,
/// and their titles are full of names like `ggplot2`.
pub const IN_BIBLIOGRAPHY: f32 = -3.0;
/// Added to every reading of flattened digits in a document that writes
/// its markers with carets, superscripts or brackets.
pub const GLUED_IN_WRITTEN_DOCUMENT: f32 = -6.0;
/// Score of a number after a locator (`(p.103)`, `vol.3`, `§4`, `S. 45`):
/// "locators … are text".
const LOCATOR: f32 = -6.0;
/// Score of a number glued after a locator abbreviation that is also a
/// word of prose (`no.5`, `art.7` — but `the state of the art.7`).
const LOCATOR_OR_WORD: f32 = -4.0;
/// Score of the digits of a unit's or a formula's exponent or subscript read
/// as a marker (`km2`, `m3`, `CO2`, `E = mc2`): "flattened superscripts and
/// subscripts that are not notes".
const EXPONENT: f32 = -5.0;
/// Score of a marker after an era (`100 BC1`), a regnal numeral
/// (`Henry VIII1`), a decade (`the 1950s2`) or a unit that takes no
/// exponent here (`40 km4`): "likely markers, though they look like
/// designations".
const AFTER_DESIGNATION_LIKE_WORD: f32 = 2.5;
/// One way to read a candidate as (text digits +) a marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Byte offset (within the logical text) where the marker digits start;
    /// the marker always runs to the end of the digit run.
    pub marker_start: u32,
    /// The marker's value.
    pub n: u32,
    /// Log-odds of this reading against reading the digits as text.
    pub score: f32,
    /// Only possible when the previous candidate is read as a marker
    /// (`repatriated4 7:` — "consecutive markers are separated by one space or a comma").
    pub needs_prev_marker: bool,
    /// Set for a marker written with certainty (caret, superscript,
    /// brackets); `None` for flattened digits.
    pub written: Option<MarkerStyle>,
}

/// Readings scoring below this are not worth considering at all.
const FLOOR: f32 = -8.0;

/// A digit run in its surroundings.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    language: Language,
    /// [`Self::token_range`], once it has been found (several rules ask).
    token: std::cell::Cell<Option<(usize, usize)>>,
}

impl<'a> Context<'a> {
    /// The digit run `text[start..end]`, in an English article.
    pub fn new(text: &'a str, start: usize, end: usize) -> Self {
        Context {
            text,
            start,
            end,
            language: Language::default(),
            token: std::cell::Cell::new(None),
        }
    }

    /// The same run in an article in `language`.
    pub fn in_language(self, language: Language) -> Self {
        Context { language, ..self }
    }

    fn run(&self) -> &'a str {
        &self.text[self.start..self.end]
    }

    /// The character right before byte offset `at`.
    fn char_before(&self, at: usize) -> Option<char> {
        self.text[..at].chars().next_back()
    }

    fn prev(&self) -> Option<char> {
        self.char_before(self.start)
    }

    fn next(&self) -> Option<char> {
        self.text[self.end..].chars().next()
    }

    fn after_next(&self) -> Option<char> {
        let mut it = self.text[self.end..].chars();
        it.next();
        it.next()
    }

    /// "followed by whitespace, punctuation or the end of the block" — but not
    /// by the punctuation inside a number, time, date, path or file name.
    pub fn followed_by_boundary(&self) -> bool {
        let Some(q) = self.next() else { return true };
        if q.is_whitespace() || q == ',' {
            return true;
        }
        let then_alnum = self.after_next().is_some_and(char::is_alphanumeric);
        match q {
            '.' | ':' => !then_alnum,
            '/' => false,
            c if is_hyphen(c) => !then_alnum,
            c if is_closing_punct(c) || is_opening_punct(c) || c == '—' => true,
            _ => false,
        }
    }

    /// Byte range of the white-space-delimited token around the run (at
    /// most 200 bytes each side).
    fn token_range(&self) -> (usize, usize) {
        if let Some(range) = self.token.get() {
            return range;
        }
        let range = self.find_token_range();
        self.token.set(Some(range));
        range
    }

    fn find_token_range(&self) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        // ASCII that is not white space is passed over byte by byte; the
        // characters from the first other byte on are decoded.
        let word = |c: u8| c.is_ascii() && !c.is_ascii_whitespace() && c != 0x0B;
        let lo = self.start.saturating_sub(200);
        let mut a = self.start;
        while a > lo && word(bytes[a - 1]) {
            a -= 1;
        }
        for (i, c) in self.text[..a].char_indices().rev() {
            if i < lo || c.is_whitespace() {
                break;
            }
            a = i;
        }
        let hi = (self.end + 200).min(self.text.len());
        let mut ascii_end = self.end;
        while ascii_end < hi && word(bytes[ascii_end]) {
            ascii_end += 1;
        }
        let mut b = ascii_end;
        for (i, c) in self.text[ascii_end..].char_indices() {
            if ascii_end + i >= hi || c.is_whitespace() {
                break;
            }
            b = ascii_end + i + c.len_utf8();
        }
        (a, b)
    }

    /// The white-space-delimited token around the run.
    fn token(&self) -> &'a str {
        let (a, b) = self.token_range();
        &self.text[a..b]
    }

    /// Digits inside URLs, DOIs, e-mail addresses and domain paths are text.
    pub fn in_url_like_token(&self) -> bool {
        let t = self.token();
        // `://`, `www.`, `@` or `doi:` anywhere in it, in one pass (a
        // substring search set up four times cost more than the token's
        // few bytes), noting its first slash on the way.
        let b = t.as_bytes();
        let mut first_slash = None;
        let marked = b.iter().enumerate().any(|(i, &c)| match c {
            b'@' => true,
            b':' => b[i + 1..].starts_with(b"//"),
            b'w' => b[i + 1..].starts_with(b"ww."),
            b'd' => b[i + 1..].starts_with(b"oi:"),
            b'/' => {
                first_slash = first_slash.or(Some(i));
                false
            }
            _ => false,
        });
        if marked {
            return true;
        }
        // example.org/2019/item42: a dotted host name before a slash.
        if let Some(slash) = first_slash {
            let host = &t[..slash];
            if let Some(dot) = host.rfind('.') {
                let before = host[..dot].chars().next_back();
                let after = host[dot + 1..].chars().next();
                return before.is_some_and(char::is_alphanumeric)
                    && after.is_some_and(char::is_alphabetic);
            }
        }
        false
    }

    /// True when the run stands one space or a comma after the end of the
    /// previous digit run (`repatriated4 7`, `said2,5`).
    pub fn adjacent_to_previous_run(&self, prev_end: usize) -> bool {
        prev_end <= self.start && matches!(&self.text[prev_end..self.start], " " | "," | ", ")
    }

    /// The letters directly before byte offset `at` (at most 64).
    fn stem_before(&self, at: usize) -> &'a str {
        let mut a = at;
        for (n, (i, c)) in self.text[..at].char_indices().rev().enumerate() {
            if n >= 64 || !c.is_alphabetic() {
                break;
            }
            a = i;
        }
        &self.text[a..at]
    }

    /// Do the digits ending at byte `at` form a year (four digits, 1000–2099,
    /// not part of a longer number)?
    fn year_before(&self, at: usize) -> bool {
        let head = &self.text[..at];
        let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        digits == 4
            && head[at - 4..]
                .parse::<u32>()
                .is_ok_and(|y| (1000..=2099).contains(&y))
            && !head[..at - 4].ends_with(['.', ',', ':'])
    }

    /// Is the token preceded by a word that introduces a software name
    /// ("the package ggplot2", "version v2")?
    fn after_software_word(&self) -> bool {
        let at = self.token_range().0;
        let before = self.text[self.text.floor_char_boundary(at.saturating_sub(40))..at].trim_end();
        with_lowercase(last_word(before), is_software_word)
    }

    /// The score of the run as a locator's number, when it is one: after a
    /// locator abbreviation and its full stop, glued or one space after
    /// (`(p.103)`, `p. 7`, `vol.3`), or after `§` or `¶` (`§4`, `§ 4`).
    fn locator(&self) -> Option<f32> {
        let mut at = self.start;
        if let Some(sp @ (' ' | '\u{A0}' | '\u{202F}')) = self.prev() {
            at -= sp.len_utf8();
        }
        let q = self.char_before(at)?;
        if matches!(q, '§' | '¶') {
            return Some(LOCATOR);
        }
        if q != '.' {
            return None;
        }
        let word_end = at - 1;
        let stem = self.stem_before(word_end);
        let whole_word = !stem.is_empty()
            && self
                .char_before(word_end - stem.len())
                .is_none_or(|c| c.is_whitespace() || is_opening_punct(c));
        if !whole_word {
            return None;
        }
        let lower = stem.to_lowercase();
        if LOCATOR_WORDS.contains(&lower.as_str()) {
            Some(LOCATOR_OR_WORD)
        } else if LOCATORS.contains(&lower.as_str()) {
            Some(LOCATOR)
        } else {
            None
        }
    }

    /// Is `stem` (the letters right before byte `at`) a unit after a number
    /// or after `/` (`40 m`, `250km`, `m/s`, `kg/m`)?
    fn unit_before(&self, at: usize, stem: &str) -> bool {
        if !UNITS.contains(&stem) {
            return false;
        }
        let before = &self.text[..at - stem.len()];
        // Seconds only in a compound unit (`m/s2`): `1950s` is a decade.
        let time = matches!(stem, "s" | "sec");
        before.ends_with('/')
            || !time
                && before
                    .trim_end_matches([' ', '\u{A0}', '\u{202F}'])
                    .ends_with(|c: char| c.is_ascii_digit())
    }

    /// Is the token part of an equation (`E = mc2`, `a2 + b2`), or a
    /// lone variable (`x2`, `y3`)?
    fn in_formula(&self, stem: &str) -> bool {
        let at = self.token_range().0;
        let before = self.text[self.text.floor_char_boundary(at.saturating_sub(6))..at].trim_end();
        let after = self.text[self.end
            ..self
                .text
                .ceil_char_boundary((self.end + 3).min(self.text.len()))]
            .trim_start();
        before.ends_with(['=', '+', '×', '−'])
            || after.starts_with(['=', '+', '×', '−'])
            || matches!(stem, "x" | "y" | "z")
    }

    /// Is `stem` a designation-like word after which a marker is likely: an
    /// era after a year (`100 BC`), a regnal numeral after a name (`Henry
    /// VIII`, `Pius IX`, `World War II`), a decade (`the 1950s`, `the '60s`)?
    fn designation_like(&self, at: usize, stem: &str) -> bool {
        let before = &self.text[..at - stem.len()];
        // Looked for only by the rules that need it (most stems are none).
        let word_before = || {
            before
                .strip_suffix([' ', '\u{A0}'])
                .map(|b| b.rsplit(char::is_whitespace).next().unwrap_or(""))
        };
        if ERAS.contains(&stem) {
            return word_before()
                .is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()));
        }
        if stem.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
            && roman_value(stem).is_some_and(|v| v <= 50)
        {
            return word_before().is_some_and(|w| {
                w.chars().next().is_some_and(char::is_uppercase)
                    && w.chars().any(char::is_lowercase)
            });
        }
        if matches!(stem, "s" | "er" | "ern" | "ers" | "erjahre" | "erjahren") {
            let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let decade = before.ends_with('0')
                && (digits == 4
                    || (digits == 2 && before[..before.len() - 2].ends_with(['\'', '’'])));
            return decade;
        }
        false
    }

    /// Score of the whole run as a marker glued to the character before it.
    fn unsplit_score(&self) -> Option<f32> {
        let p = self.prev()?;
        if p.is_whitespace() {
            return None;
        }
        if let Some(score) = self.locator() {
            return Some(score);
        }
        let before_p = self.char_before(self.start - p.len_utf8());
        let score = if p.is_alphabetic() {
            let stem = self.stem_before(self.start);
            let token_prefix = &self.text[self.token_range().0..self.start - stem.len()];
            let exponent = self.run().starts_with(['2', '3']);
            if self.unit_before(self.start, stem) {
                if exponent {
                    EXPONENT
                } else {
                    AFTER_DESIGNATION_LIKE_WORD
                }
            } else if exponent && p.is_lowercase() && self.in_formula(stem) {
                EXPONENT
            } else if self.designation_like(self.start, stem) {
                AFTER_DESIGNATION_LIKE_WORD
            } else if p.is_lowercase() {
                if stem.chars().count() <= 2
                    && !with_lowercase(stem, |w| self.language.is_short_word(w))
                {
                    -1.0 // mp3, h2, v8
                } else if with_lowercase(stem, |w| LABEL_WORDS.contains(&w))
                    || self.after_software_word()
                {
                    -3.0 // Section1, Figure2: labels; the R package ggplot2: a name
                } else if token_prefix.contains(['_', '.', '/'])
                    || token_prefix.contains(|c: char| c.is_ascii_digit())
                {
                    -2.0 // file_v2, pkg.name2
                } else {
                    AFTER_LOWERCASE
                }
            } else if p.is_uppercase() {
                if stem.chars().all(char::is_uppercase) {
                    if stem.chars().count() >= 2 {
                        -4.0
                    } else {
                        -3.0
                    } // ČT24, MP3, B2
                } else {
                    -2.0 // iOS7, FreeBSD10
                }
            } else {
                2.0 // letters of scripts without case
            }
        } else if is_closing_punct(p) && before_p.is_none_or(char::is_whitespace) {
            // `.25` is a decimal; `"500` opens a quotation.
            if p == '.' { -5.0 } else { -3.0 }
        } else if is_closing_punct(p) {
            if matches!(p, '.' | ',')
                && self.year_before(self.start - 1)
                && self.next().is_none_or(char::is_whitespace)
            {
                1.0 // in 1968.10 Comparison; the Survey of 1842,4 then
            } else if matches!(p, '.' | ',' | ':') && before_p.is_some_and(|c| c.is_ascii_digit()) {
                -5.0 // 1.25, $20.00, 1,000, 14:40, Image 1.2
            } else {
                AFTER_CLOSING_PUNCT
            }
        } else if is_hyphen(p) {
            if before_p.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()) {
                -5.0 // T-62, F-16, 1990–91
            } else {
                -3.0 // covid-19
            }
        } else {
            match p {
                '—' => -1.0,
                '%' | '‰' => 1.0,
                '$' | '£' | '€' | '¥' | '¢' => -6.0,
                '°' | '′' | '″' => -3.0,
                c if is_opening_punct(c) => -3.0,
                '/' | '\\' | '_' | '#' | '=' | '+' | '*' | '^' | '~' | '&' | '<' | '>' | '|'
                | '@' => -5.0,
                _ => -2.0,
            }
        };
        Some(score)
    }

    /// Score of reading `run[..s]` as text and `run[s..]` as a marker.
    fn split_score(&self, s: usize) -> f32 {
        let run = self.run();
        let (head, _) = run.split_at(s);
        let p = self.prev();
        let before_p = p.and_then(|p| self.char_before(self.start - p.len_utf8()));
        // Digits of the number part that ends right before the run's separator.
        let digits_before = |sep_len: usize| -> usize {
            self.text[..self.start - sep_len]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .count()
        };
        // (is the unsplit run a well-formed number, is the split one)
        let (wf_unsplit, wf_split, year_split) = match p {
            Some(c)
                if (is_group_separator(c) || c == self.language.decimal.thousands())
                    && before_p.is_some_and(|b| b.is_ascii_digit()) =>
            {
                let n_before = digits_before(c.len_utf8());
                let groups_ok = (1..=3).contains(&n_before);
                // A year after the separator may be a date (`14, 2004`,
                // German `5.2004` = May 2004), but not after a dot and a
                // number no month has (`18.2004.` = 18 200 + marker 4).
                let month_before = c != '.'
                    || self.text[self.start - 1 - n_before..self.start - 1]
                        .parse::<u32>()
                        .is_ok_and(|m| m <= 12);
                let year = month_before
                    && run.len() == 4
                    && run.parse::<u32>().is_ok_and(|y| (1000..=2099).contains(&y));
                if groups_ok && !year {
                    (run.len() == 3, s == 3, false)
                } else {
                    (true, true, false)
                }
            }
            Some(':') if before_p.is_some_and(|b| b.is_ascii_digit()) => {
                let minutes = |d: &str| d.len() == 2 && d.parse::<u32>().is_ok_and(|m| m <= 59);
                (minutes(run), minutes(head), false)
            }
            Some(c) if is_hyphen(c) && self.year_before(self.start - c.len_utf8()) => {
                // A range of years (`1939–453` = 1939–45 + marker 3): the
                // end year is two digits, or four not below the start.
                let from: u32 = self.text[self.start - c.len_utf8() - 4..self.start - c.len_utf8()]
                    .parse()
                    .unwrap_or(0);
                let end_year = |d: &str| {
                    d.len() == 2 || (d.len() == 4 && d.parse::<u32>().is_ok_and(|y| y >= from))
                };
                (end_year(run), end_year(head), false)
            }
            Some(c)
                if c.is_alphabetic() && s == 1 && head.starts_with(['2', '3']) && {
                    let stem = self.stem_before(self.start);
                    self.unit_before(self.start, stem)
                        || (c.is_lowercase() && self.in_formula(stem))
                } =>
            {
                // `40 m32` = 40 m³ + marker 2: an exponent, then the marker.
                (false, true, false)
            }
            Some(c)
                if c.is_alphabetic()
                    && s == 1
                    && FORMULAS.contains(&self.stem_before(self.start)) =>
            {
                // `CO22` = CO₂ + marker 2.
                (false, true, false)
            }
            Some(c)
                if c.is_alphabetic()
                    || c == '.'
                    || c == self.language.decimal.decimal()
                    || is_hyphen(c)
                    || c == '/' =>
            {
                (true, true, false)
            }
            _ => {
                // A standalone number: up to four digits is ordinary; five or
                // more without grouping is odd, unless a year stands in front.
                let is_year = head.len() == 4
                    && head
                        .parse::<u32>()
                        .is_ok_and(|y| (1000..=2099).contains(&y));
                (run.len() <= 4, is_year, is_year)
            }
        };
        let adjust = match (wf_unsplit, wf_split) {
            (true, _) => SPLIT_BREAKS_WELL_FORMED,
            (false, true) if year_split => 4.0,
            (false, true) => SPLIT_MAKES_WELL_FORMED,
            (false, false) => 0.0,
        };
        AFTER_DIGIT + adjust
    }

    /// "A digit run preceded by a space is also a candidate (never split)
    /// when it follows sentence-final or closing punctuation (`.` `!` `?`
    /// `”` `’` `)` `]` and one space) and is followed by whitespace, closing
    /// punctuation or the end of the block." Also before the closing mark
    /// of a quotation (`of 1789 1”`), where an author typed the same space.
    fn spaced_after_sentence(&self) -> bool {
        if self.prev() != Some(' ') || self.locator().is_some() {
            return false;
        }
        let punct = self.char_before(self.start - 1);
        // One space only, after sentence punctuation that follows a word or
        // a number (`pages.” 2`, `in 1974. 5`).
        // French sets `?`, `!`, `;`, `:` and `»` one (no-break) space after
        // the word (`le pont ? 2`).
        let word_before = punct.is_some_and(|p| {
            let at = self.start - 1 - p.len_utf8();
            match self.char_before(at) {
                Some(c) if !c.is_whitespace() => true,
                Some(sp @ (' ' | '\u{A0}' | '\u{202F}')) if matches!(p, '?' | '!' | '»') => self
                    .char_before(at - sp.len_utf8())
                    .is_some_and(|c| !c.is_whitespace()),
                _ => false,
            }
        });
        let after_sentence = matches!(punct, Some('.' | '!' | '?' | '”' | '’' | ')' | ']'))
            && word_before
            && self
                .next()
                .is_none_or(|q| q.is_whitespace() || is_closing_punct(q));
        // The same space typed inside a quotation, before its closing mark
        // (`the Act of 1789 1” by`): the number closes the quoted title.
        let before_closing_quote = matches!(self.next(), Some('”' | '’' | '»' | '"'))
            && punct.is_some_and(|p| !p.is_whitespace());
        after_sentence || before_closing_quote
    }

    /// Score of the run as a second marker right after a marker.
    fn adjacent_score(&self, prev_end: usize) -> f32 {
        if self.text[prev_end..self.start].contains(',') {
            return ADJACENT_AFTER_COMMA;
        }
        match self.next() {
            None => ADJACENT_BEFORE_PUNCT,
            Some(q) if q.is_whitespace() => {
                if self.after_next().is_some_and(|c| c.is_ascii_digit()) {
                    1.0
                } else {
                    ADJACENT_BEFORE_WORD
                }
            }
            Some(_) => ADJACENT_BEFORE_PUNCT,
        }
    }
}

fn value(digits: &str, limit: u32) -> Option<u32> {
    if digits.is_empty() || digits.starts_with('0') || digits.len() > 9 {
        return None;
    }
    digits.parse::<u32>().ok().filter(|&n| n >= 1 && n <= limit)
}

/// Every marker reading of the run with its score, appended to `out` (the
/// document's readings). `adjacent` is the end of the previous digit run
/// when the run stands one space or comma after it.
pub fn readings_into(
    ctx: &Context<'_>,
    limit: u32,
    adjacent: Option<usize>,
    out: &mut Vec<Reading>,
) {
    let mut push = |r: Reading| {
        if r.score >= FLOOR {
            out.push(r);
        }
    };
    let run = ctx.run();
    // The run's value, once; its score only when it has one (the score
    // reads the words around the run).
    let whole = value(run, limit);
    if let Some(n) = whole
        && let Some(score) = ctx.unsplit_score()
    {
        push(Reading {
            marker_start: ctx.start as u32,
            n,
            score,
            needs_prev_marker: false,
            written: None,
        });
    }
    if let (Some(prev_end), Some(n)) = (adjacent, whole) {
        let score = ctx.adjacent_score(prev_end);
        push(Reading {
            marker_start: ctx.start as u32,
            n,
            score,
            needs_prev_marker: true,
            written: None,
        });
    }
    // "a digit run preceded by a space is never split (`on 14 May` is
    // never `1` + marker 4)" — unless it continues a number's digit groups
    // (`250 0003`). One more exception, as an editor reads it: five or more
    // digits that open with a year are the year and a marker (`the Tariff
    // Act of 17891`, `in 18983.`): no standalone number is written so.
    let standalone = match ctx.prev() {
        None => true,
        Some(p) if p.is_whitespace() => !ctx
            .char_before(ctx.start - p.len_utf8())
            .is_some_and(|c| c.is_ascii_digit()),
        Some(_) => false,
    };
    if let Some(n) = whole
        && ctx.spaced_after_sentence()
    {
        push(Reading {
            marker_start: ctx.start as u32,
            n,
            score: SPACED,
            needs_prev_marker: false,
            written: None,
        });
    }
    let year_head = |s: usize| {
        s == 4
            && run.len() > 4
            && run[..4]
                .parse::<u32>()
                .is_ok_and(|y| (1000..=2099).contains(&y))
    };
    for s in (1..run.len()).filter(|&s| !standalone || year_head(s)) {
        if let Some(n) = value(&run[s..], limit) {
            let score = ctx.split_score(s);
            push(Reading {
                marker_start: (ctx.start + s) as u32,
                n,
                score,
                needs_prev_marker: false,
                written: None,
            });
        }
    }
}

/// The unsplit value of the run when it reads strongly as a marker but is
/// larger than `limit` (a marker > N): worth a warning.
pub fn over_limit(ctx: &Context<'_>, limit: u32) -> Option<u32> {
    let run = ctx.run();
    if run.starts_with('0') || run.len() > 9 {
        return None;
    }
    let n: u32 = run.parse().ok()?;
    // Four digits and more are years and amounts, not reference numbers.
    (n > limit && n < 1000 && ctx.unsplit_score()? >= AFTER_LOWERCASE).then_some(n)
}

/// The last white-space-delimited word of `s` (what
/// `s.rsplit(char::is_whitespace).next()` gives): ASCII bytes are passed
/// over one at a time, and only a text with another byte before its last
/// word is split by characters.
fn last_word(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut a = s.len();
    while a > 0 && bytes[a - 1].is_ascii() && !is_ascii_white_space(bytes[a - 1]) {
        a -= 1;
    }
    if a > 0 && !bytes[a - 1].is_ascii() {
        return s.rsplit(char::is_whitespace).next().unwrap_or("");
    }
    &s[a..]
}

/// The ASCII characters `char::is_whitespace` holds white space (TAB, LF,
/// VT, FF, CR, space; not the separators 0x1C–0x1F).
fn is_ascii_white_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

#[cfg(test)]
mod tests {
    use super::{Context, last_word};

    /// The token around a run, found character by character (what
    /// `find_token_range` did before it passed over ASCII bytes).
    fn token_by_chars(text: &str, start: usize, end: usize) -> (usize, usize) {
        let mut a = start;
        let lo = start.saturating_sub(200);
        for (i, c) in text[..start].char_indices().rev() {
            if i < lo || c.is_whitespace() {
                break;
            }
            a = i;
        }
        let mut b = end;
        let hi = (end + 200).min(text.len());
        for (i, c) in text[end..].char_indices() {
            if end + i >= hi || c.is_whitespace() {
                break;
            }
            b = end + i + c.len_utf8();
        }
        (a, b)
    }

    proptest::proptest! {
        /// The last word of a text is the one `rsplit` finds: ASCII and
        /// other letters, white space of every kind.
        #[test]
        fn last_words_are_found_as_by_characters(
            text in "(a|é|Ω|\\.|-| |\t|\u{B}|\u{C}|\u{1C}|\u{A0}|\u{3000}|x{0,70})*",
        ) {
            for at in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let head = &text[..at];
                proptest::prop_assert_eq!(last_word(head), head.rsplit(char::is_whitespace).next().unwrap_or(""));
            }
        }

        /// The token around any digit run is the one found character by
        /// character: ASCII white space of every kind, other spaces, long
        /// tokens (the 200-byte reach) and multi-byte letters around it.
        #[test]
        fn token_ranges_are_found_as_by_characters(
            before in "(a|é|\\.| |\t|\u{B}|\u{C}|\u{1C}|\u{A0}|\u{3000}|x{0,120})*",
            digits in "[0-9]{1,3}",
            after in "(a|é|,| |\n|\u{2009}|y{0,120})*",
        ) {
            let text = format!("{before}{digits}{after}");
            let (start, end) = (before.len(), before.len() + digits.len());
            let ctx = Context::new(&text, start, end);
            proptest::prop_assert_eq!(ctx.find_token_range(), token_by_chars(&text, start, end));
        }
    }

    /// The one-pass scan of a token for `://`, `www.`, `@` and `doi:`
    /// agrees with the four substring searches it replaced, on tokens
    /// with each of them at the start, the middle and the end, cut short,
    /// and with none.
    #[test]
    fn url_like_tokens_are_found_as_by_substring_search() {
        let tokens = [
            "http://x.org/a1",
            "see:1",
            "a:/1",
            "www.site1",
            "ww.site1",
            "wwwx1",
            "name@host1",
            "1@",
            "doi:10.1000/1",
            "do:1",
            "doi1:",
            "abc1",
            "example.org/20191",
            "e.1/2",
            "w1",
            "d1",
            "ΓΔ1w",
        ];
        for token in tokens {
            let text = format!("before {token} after");
            let start = text.find(token).unwrap() + token.find('1').unwrap();
            let ctx = Context::new(&text, start, start + 1);
            // As the rule was written before: four substring searches,
            // then the dotted host name before a slash.
            let before = ["://", "www.", "@", "doi:"]
                .iter()
                .any(|p| token.contains(p))
                || token.find('/').is_some_and(|slash| {
                    let host = &token[..slash];
                    host.rfind('.').is_some_and(|dot| {
                        host[..dot]
                            .chars()
                            .next_back()
                            .is_some_and(char::is_alphanumeric)
                            && host[dot + 1..]
                                .chars()
                                .next()
                                .is_some_and(char::is_alphabetic)
                    })
                });
            assert_eq!(ctx.in_url_like_token(), before, "{token}");
        }
    }
}
