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

use crate::ast::MarkerStyle;

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
    pub marker_start: usize,
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

/// One- and two-letter words of other languages, by primary subtag: in a
/// German article `ab1` and `zu3` are a word and a marker, as `of1` is in
/// English; in an English one they read like `mp3`.
const SHORT_WORDS_BY_LANGUAGE: &[(&str, &[&str])] = &[
    (
        "de",
        &[
            "ab", "am", "an", "da", "du", "er", "es", "im", "in", "ja", "je", "ob", "so", "um",
            "wo", "zu",
        ],
    ),
    (
        "cs",
        &[
            "a", "i", "k", "o", "s", "u", "v", "z", "do", "na", "po", "za", "ke", "ve", "ze", "se",
            "si", "to", "ta", "je", "co", "až", "už", "by", "ho", "mu", "mi", "ti", "my", "vy",
            "on", "ji",
        ],
    ),
    (
        "sk",
        &[
            "a", "i", "k", "o", "s", "u", "v", "z", "do", "na", "po", "za", "ku", "vo", "zo", "sa",
            "si", "to", "je", "čo", "až", "už", "by", "mu", "mi", "ti", "my", "vy", "on",
        ],
    ),
    (
        "fr",
        &[
            "à", "a", "y", "ça", "de", "du", "en", "et", "il", "la", "le", "ne", "ni", "on", "ou",
            "où", "sa", "se", "si", "ta", "te", "tu", "un", "au", "ce", "me", "ma", "va", "vu",
            "eu",
        ],
    ),
    (
        "es",
        &[
            "a", "y", "o", "e", "u", "al", "de", "el", "en", "es", "la", "lo", "me", "mi", "ni",
            "no", "se", "si", "sí", "su", "te", "tu", "tú", "un", "ya", "yo",
        ],
    ),
    (
        "it",
        &[
            "a", "e", "è", "i", "o", "ad", "ai", "al", "da", "di", "ed", "il", "in", "la", "le",
            "lo", "ma", "mi", "ne", "no", "se", "si", "sì", "su", "un", "va",
        ],
    ),
    (
        "pt",
        &[
            "a", "à", "e", "é", "o", "ao", "as", "da", "de", "do", "em", "há", "já", "na", "no",
            "os", "se", "só", "um", "eu", "ia",
        ],
    ),
    (
        "nl",
        &[
            "al", "af", "en", "er", "ik", "in", "je", "na", "nu", "of", "om", "op", "te", "tot",
            "uw", "we", "ze", "zo",
        ],
    ),
    (
        "pl",
        &[
            "a", "i", "o", "u", "w", "z", "do", "na", "od", "po", "za", "we", "ze", "to", "ta",
            "są", "by", "go", "mu", "mi", "ci", "ją", "on", "my", "wy",
        ],
    ),
];

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

/// The same words in other languages, with their common inflections
/// (Czech `balíku`, German `Paketen`, French `bibliothèques`). Whole words,
/// not beginnings: English `modular` or `application` before a cited word
/// must not make it a software name.
const SOFTWARE_WORDS_ELSEWHERE: &[&str] = &[
    // Czech
    "balík",
    "balíku",
    "balíkem",
    "balíček",
    "balíčku",
    "balíčkem",
    "knihovna",
    "knihovny",
    "knihovně",
    "knihovnu",
    "knihovnou",
    "modul",
    "modulu",
    "modulem",
    "programu",
    "programem",
    "verze",
    "verzi",
    "aplikace",
    "aplikaci",
    // German
    "paket",
    "pakets",
    "paketen",
    "bibliothek",
    "programm",
    "programms",
    "programmen",
    "moduls",
    "modulen",
    "softwarepaket",
    // French, Spanish, Italian, Polish
    "paquet",
    "paquets",
    "bibliothèque",
    "bibliothèques",
    "logiciel",
    "logiciels",
    "paquete",
    "biblioteca",
    "pacchetto",
    "libreria",
    "pakiet",
    "pakietu",
    "biblioteka",
    "biblioteki",
];

/// Locator abbreviations, lower case, in the languages refolio's users write
/// (page, volume, issue, folio, chapter, article, figure, section, column,
/// edition): `(p.103)`, `p. 7`, `pp.17–18`, `vol.3`, `fol. 12r`, `ch.2`,
/// `fig. 2`, German `S. 45`, `Kap. 12`, `Bd. 2`, `Nr. 3`, `Abb. 4`, French
/// `t. 3`, `chap. 2`, Czech `s. 45`, `č. 4`, `sv. 2`, `obr. 3`, Spanish and
/// Italian `pág. 4`, `cap. 2`, Dutch `blz. 7`.
///
/// Decision: the abbreviation must be a whole word ending in a full stop, so
/// `U.S.3` (a marker after `U.S.`) is not `S.` + a page.
const LOCATORS: &[&str] = &[
    "p", "pp", "pg", "pgs", "pag", "pág", "págs", "s", "ss", "str", "bl", "blz", "vol", "vols",
    "bd", "bde", "t", "tt", "tom", "sv", "hft", "nos", "nr", "nrn", "n", "nn", "č", "čís", "fol",
    "fols", "f", "ff", "ch", "chap", "chaps", "kap", "arts", "fig", "figs", "abb", "obr", "sect",
    "odst", "abs", "cols", "sp", "ed", "éd", "eds", "aufl", "vyd", "rn", "anm",
];

/// Locator abbreviations that are also words of prose: a number glued after
/// them is a locator less surely (`the state of the art.7`).
const LOCATOR_WORDS: &[&str] = &[
    "no", "art", "cap", "par", "col", "sec", "tab", "fig", "line",
];

/// Units that take a flattened exponent (`km2`, `m3`, `cm3`).
const UNITS: &[&str] = &[
    "m", "km", "cm", "mm", "dm", "µm", "μm", "nm", "ft", "yd", "mi", "s", "sec",
];

/// Chemical formulas whose subscript may be glued to a marker (`CO22` =
/// CO₂ + marker 2). Not single letters: `N22` and `H22` are a road and an
/// engine as often as N₂ or H₂ with a marker.
const FORMULAS: &[&str] = &["CO", "NO", "SO", "NH", "CH", "SiO"];

/// Eras after a year (`100 BC1`, `212 AD3`, `400 CE4`).
const ERAS: &[&str] = &["BC", "AD", "BCE", "CE", "BP", "AH", "AUC"];

/// The value of a Roman numeral written in its one canonical form
/// (`VIII`, `IX`, `XIV`; not `IIII` or `VX`), up to 3999.
fn roman_value(s: &str) -> Option<u32> {
    fn digit(c: char) -> Option<u32> {
        Some(match c {
            'I' => 1,
            'V' => 5,
            'X' => 10,
            'L' => 50,
            'C' => 100,
            'D' => 500,
            'M' => 1000,
            _ => return None,
        })
    }
    let vals: Vec<i64> = s
        .chars()
        .map(|c| digit(c).map(i64::from))
        .collect::<Option<_>>()?;
    let total: i64 = vals
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if vals.get(i + 1).is_some_and(|&w| w > v) {
                -v
            } else {
                v
            }
        })
        .sum();
    let total = u32::try_from(total)
        .ok()
        .filter(|v| (1..4000).contains(v))?;
    (to_roman(total) == s).then_some(total)
}

/// The canonical Roman numeral of `n` (1..4000).
fn to_roman(mut n: u32) -> String {
    const TABLE: &[(u32, &str)] = &[
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for &(v, r) in TABLE {
        while n >= v {
            out.push_str(r);
            n -= v;
        }
    }
    out
}

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

/// How the article's language writes the decimal mark, and so which mark
/// groups thousands (FORMAT.md §4, "separators by language").
///
/// "with a German, Czech, French, Italian, Spanish, Polish or Dutch `lang`,
/// `1.579` and `18.200` are thousands and `12,5` is a decimal; with English,
/// `1,579` is a thousand and `1.5` a decimal; `1 579` (space or no-break
/// space) is a thousand everywhere."
///
/// Decision for languages the rule does not list: every language whose
/// standard (CLDR) decimal mark is a comma is read like German: the other
/// continental European languages, Russian, Ukrainian, Turkish, Portuguese,
/// Indonesian, … Everything else, and an unknown tag, is read like English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalMark {
    /// `1.5` is a decimal, `1,579` a thousand (English, Chinese, Japanese, …).
    #[default]
    Point,
    /// `12,5` is a decimal, `18.200` a thousand (German, Czech, French, …).
    Comma,
}

/// Primary language subtags whose decimal mark is a comma.
const DECIMAL_COMMA_LANGUAGES: &[&str] = &[
    "de", "cs", "sk", "fr", "it", "es", "pl", "nl", "pt", "ca", "gl", "eu", "ro", "hu", "hr", "sr",
    "bs", "sl", "bg", "mk", "ru", "uk", "be", "lt", "lv", "et", "fi", "sv", "da", "nb", "nn", "no",
    "is", "el", "tr", "id", "az", "kk", "ka", "sq", "af", "lb", "rm",
];

impl DecimalMark {
    /// The convention of a BCP 47 tag (`de`, `de-AT`, `cs-CZ`, `en-GB`).
    /// Swiss German and Swiss Italian write `1'579.5`: a point.
    pub fn for_lang(tag: &str) -> Self {
        let tag = tag.trim().to_ascii_lowercase();
        let mut parts = tag.split(['-', '_']);
        let primary = parts.next().unwrap_or("");
        let swiss = parts.any(|p| p == "ch");
        if DECIMAL_COMMA_LANGUAGES.contains(&primary) && !(swiss && primary != "fr") {
            DecimalMark::Comma
        } else {
            DecimalMark::Point
        }
    }

    /// The mark between the whole and the fractional part.
    fn decimal(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }

    /// The mark that groups thousands besides spaces (`1,579` / `1.579`).
    fn thousands(self) -> char {
        match self {
            DecimalMark::Point => ',',
            DecimalMark::Comma => '.',
        }
    }
}

/// What plausibility needs to know of the article's language: how it
/// writes numbers, and its short words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// The decimal mark, and so the thousands mark.
    pub decimal: DecimalMark,
    /// One- and two-letter words besides English ones.
    short_words: &'static [&'static str],
}

impl Default for Language {
    /// English.
    fn default() -> Self {
        Language {
            decimal: DecimalMark::Point,
            short_words: &[],
        }
    }
}

impl Language {
    /// The language of a BCP 47 tag (`de`, `cs-CZ`); unknown tags read as
    /// English.
    pub fn for_tag(tag: &str) -> Self {
        let primary = tag.trim().to_ascii_lowercase();
        let primary = primary.split(['-', '_']).next().unwrap_or("");
        Language {
            decimal: DecimalMark::for_lang(tag),
            short_words: SHORT_WORDS_BY_LANGUAGE
                .iter()
                .find(|(l, _)| *l == primary)
                .map_or(&[], |(_, w)| *w),
        }
    }

    /// Is `word` (lower case) a one- or two-letter word of this language
    /// (or of English, which every article quotes)?
    fn is_short_word(&self, word: &str) -> bool {
        SHORT_WORDS.contains(&word) || self.short_words.contains(&word)
    }
}

/// A digit run in its surroundings.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    language: Language,
}

impl<'a> Context<'a> {
    /// The digit run `text[start..end]`, in an English article.
    pub fn new(text: &'a str, start: usize, end: usize) -> Self {
        Context {
            text,
            start,
            end,
            language: Language::default(),
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
        let word = word.to_lowercase();
        SOFTWARE_WORDS.contains(&word.as_str()) || SOFTWARE_WORDS_ELSEWHERE.contains(&word.as_str())
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
        let word_before = before
            .strip_suffix([' ', '\u{A0}'])
            .map(|b| b.rsplit(char::is_whitespace).next().unwrap_or(""));
        if ERAS.contains(&stem) {
            return word_before
                .is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()));
        }
        if stem.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
            && roman_value(stem).is_some_and(|v| v <= 50)
        {
            return word_before.is_some_and(|w| {
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
                if stem.chars().count() <= 2 && !self.language.is_short_word(&stem.to_lowercase()) {
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
