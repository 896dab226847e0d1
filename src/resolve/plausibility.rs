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

use super::candidates::Reading;

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
/// Readings scoring below this are not worth considering at all.
const FLOOR: f32 = -8.0;

/// One- and two-letter English words, after which a marker is as likely as
/// after any word (unlike `mp3`, `h2`).
const SHORT_WORDS: &[&str] = &[
    "a", "i", "am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me",
    "my", "no", "of", "oh", "ok", "on", "or", "ox", "so", "to", "up", "us", "we",
];

/// Is `word` (lower case) a one- or two-letter English word?
pub fn is_short_word(word: &str) -> bool {
    SHORT_WORDS.contains(&word)
}

/// Label words that take a number (`Section1`, `Figure2`): the number is part of the label.
const LABEL_WORDS: &[&str] = &[
    "section", "chapter", "figure", "fig", "table", "vol", "volume", "image", "plate", "appendix",
];

/// Words after which a lowercase name with a number is software, not a cited word.
const SOFTWARE_WORDS: &[&str] = &[
    "package",
    "packages",
    "library",
    "libraries",
    "module",
    "crate",
    "version",
    "release",
    "plugin",
    "gem",
    "framework",
    "toolkit",
    "software",
    "program",
    "app",
    "firmware",
    "codec",
    "format",
];

/// Closing punctuation after which a marker is likely.
fn is_closing_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
            | '”'
            | '’'
            | '"'
            | '\''
            | '»'
            | '›'
            | '…'
    )
}

fn is_opening_punct(c: char) -> bool {
    matches!(c, '(' | '[' | '{' | '“' | '‘' | '«' | '‹' | '„')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–')
}

fn is_group_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{A0}' | '\u{202F}' | '\u{2009}')
}

/// A digit run in its surroundings.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

impl<'a> Context<'a> {
    /// The digit run `text[start..end]`.
    pub fn new(text: &'a str, start: usize, end: usize) -> Self {
        Context { text, start, end }
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
        let mut a = self.start;
        let lo = self.start.saturating_sub(200);
        for (i, c) in self.text[..self.start].char_indices().rev() {
            if i < lo || c.is_whitespace() {
                break;
            }
            a = i;
        }
        let mut b = self.end;
        let hi = (self.end + 200).min(self.text.len());
        for (i, c) in self.text[self.end..].char_indices() {
            if self.end + i >= hi || c.is_whitespace() {
                break;
            }
            b = self.end + i + c.len_utf8();
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
        if t.contains("://") || t.contains("www.") || t.contains('@') || t.contains("doi:") {
            return true;
        }
        // example.org/2019/item42: a dotted host name before a slash.
        if let Some(slash) = t.find('/') {
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
        let word = before.rsplit(char::is_whitespace).next().unwrap_or("");
        SOFTWARE_WORDS.contains(&word.to_lowercase().as_str())
    }

    /// Score of the whole run as a marker glued to the character before it.
    fn unsplit_score(&self) -> Option<f32> {
        let p = self.prev()?;
        if p.is_whitespace() {
            return None;
        }
        let before_p = self.char_before(self.start - p.len_utf8());
        let score = if p.is_alphabetic() {
            let stem = self.stem_before(self.start);
            let token_prefix = &self.text[self.token_range().0..self.start - stem.len()];
            if p.is_lowercase() {
                if stem.chars().count() <= 2 && !SHORT_WORDS.contains(&stem.to_lowercase().as_str())
                {
                    -1.0 // mp3, h2, v8
                } else if LABEL_WORDS.contains(&stem.to_lowercase().as_str())
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
                1.0 // in 1968.10 Comparison; the Sketch of 1842,4 then
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
                if (is_group_separator(c) || c == ',')
                    && before_p.is_some_and(|b| b.is_ascii_digit()) =>
            {
                let groups_ok = (1..=3).contains(&digits_before(c.len_utf8()));
                let year =
                    run.len() == 4 && run.parse::<u32>().is_ok_and(|y| (1000..=2099).contains(&y));
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
            Some(c) if c.is_alphabetic() || c == '.' || is_hyphen(c) || c == '/' => {
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
        if self.prev() != Some(' ') {
            return false;
        }
        let punct = self.char_before(self.start - 1);
        // One space only, after sentence punctuation that follows a word or
        // a number (`pages.” 2`, `in 1974. 5`).
        let word_before = punct
            .and_then(|p| self.char_before(self.start - 1 - p.len_utf8()))
            .is_some_and(|c| !c.is_whitespace());
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

/// Every marker reading of the run with its score. `adjacent` is the end of
/// the previous digit run when the run stands one space or comma after it.
pub fn readings(ctx: &Context<'_>, limit: u32, adjacent: Option<usize>) -> Vec<Reading> {
    let run = ctx.run();
    let mut out = Vec::new();
    if let (Some(n), Some(score)) = (value(run, limit), ctx.unsplit_score()) {
        out.push(Reading {
            marker_start: ctx.start,
            n,
            score,
            needs_prev_marker: false,
            written: None,
        });
    }
    if let (Some(prev_end), Some(n)) = (adjacent, value(run, limit)) {
        let score = ctx.adjacent_score(prev_end);
        out.push(Reading {
            marker_start: ctx.start,
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
    if let (Some(n), true) = (value(run, limit), ctx.spaced_after_sentence()) {
        out.push(Reading {
            marker_start: ctx.start,
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
            out.push(Reading {
                marker_start: ctx.start + s,
                n,
                score,
                needs_prev_marker: false,
                written: None,
            });
        }
    }
    out.retain(|r| r.score >= FLOOR);
    out
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
