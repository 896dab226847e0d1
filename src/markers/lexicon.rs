//! The words and characters the plausibility rules of FORMAT.md §4 look
//! up: short words per language, software, label, locator and unit words,
//! formulas, eras, Roman numerals, punctuation classes, and each language's
//! decimal mark. Data and small predicates only; the rules that weigh them
//! are in [`super::plausibility`].

/// One- and two-letter English words, after which a marker is as likely as
/// after any word (unlike `mp3`, `h2`).
pub(super) const SHORT_WORDS: &[&str] = &[
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
pub(super) const SHORT_WORDS_BY_LANGUAGE: &[(&str, &[&str])] = &[
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
pub(super) const LABEL_WORDS: &[&str] = &[
    "section", "chapter", "figure", "fig", "table", "vol", "volume", "image", "plate", "appendix",
];

/// Words after which a lowercase name with a number is software, not a cited word.
pub(super) const SOFTWARE_WORDS: &[&str] = &[
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
pub(super) const SOFTWARE_WORDS_ELSEWHERE: &[&str] = &[
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

/// Is `w` (lowercase) one of [`SOFTWARE_WORDS`] or
/// [`SOFTWARE_WORDS_ELSEWHERE`]? One hash lookup in a set made on first
/// use: this is asked of most digit runs glued to a word, and comparing
/// with some seventy words one by one was a tenth of reading an article.
pub(super) fn is_software_word(w: &str) -> bool {
    static SET: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            SOFTWARE_WORDS
                .iter()
                .chain(SOFTWARE_WORDS_ELSEWHERE)
                .copied()
                .collect()
        });
    SET.contains(w)
}

/// Locator abbreviations, lower case, in the languages refolio's users write
/// (page, volume, issue, folio, chapter, article, figure, section, column,
/// edition): `(p.103)`, `p. 7`, `pp.17–18`, `vol.3`, `fol. 12r`, `ch.2`,
/// `fig. 2`, German `S. 45`, `Kap. 12`, `Bd. 2`, `Nr. 3`, `Abb. 4`, French
/// `t. 3`, `chap. 2`, Czech `s. 45`, `č. 4`, `sv. 2`, `obr. 3`, Spanish and
/// Italian `pág. 4`, `cap. 2`, Dutch `blz. 7`.
///
/// Decision: the abbreviation must be a whole word ending in a full stop, so
/// `U.S.3` (a marker after `U.S.`) is not `S.` + a page.
pub(super) const LOCATORS: &[&str] = &[
    "p", "pp", "pg", "pgs", "pag", "pág", "págs", "s", "ss", "str", "bl", "blz", "vol", "vols",
    "bd", "bde", "t", "tt", "tom", "sv", "hft", "nos", "nr", "nrn", "n", "nn", "č", "čís", "fol",
    "fols", "f", "ff", "ch", "chap", "chaps", "kap", "arts", "fig", "figs", "abb", "obr", "sect",
    "odst", "abs", "cols", "sp", "ed", "éd", "eds", "aufl", "vyd", "rn", "anm",
];

/// Locator abbreviations that are also words of prose: a number glued after
/// them is a locator less surely (`the state of the art.7`).
pub(super) const LOCATOR_WORDS: &[&str] = &[
    "no", "art", "cap", "par", "col", "sec", "tab", "fig", "line",
];

/// Units that take a flattened exponent (`km2`, `m3`, `cm3`).
pub(super) const UNITS: &[&str] = &[
    "m", "km", "cm", "mm", "dm", "µm", "μm", "nm", "ft", "yd", "mi", "s", "sec",
];

/// Chemical formulas whose subscript may be glued to a marker (`CO22` =
/// CO₂ + marker 2). Not single letters: `N22` and `H22` are a road and an
/// engine as often as N₂ or H₂ with a marker.
pub(super) const FORMULAS: &[&str] = &["CO", "NO", "SO", "NH", "CH", "SiO"];

/// Eras after a year (`100 BC1`, `212 AD3`, `400 CE4`).
pub(super) const ERAS: &[&str] = &["BC", "AD", "BCE", "CE", "BP", "AH", "AUC"];

/// The value of a Roman numeral written in its one canonical form
/// (`VIII`, `IX`, `XIV`; not `IIII` or `VX`), up to 3999.
pub(super) fn roman_value(s: &str) -> Option<u32> {
    pub(super) fn digit(c: char) -> Option<u32> {
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
pub(super) fn to_roman(mut n: u32) -> String {
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
pub(super) fn is_closing_punct(c: char) -> bool {
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

pub(super) fn is_opening_punct(c: char) -> bool {
    matches!(c, '(' | '[' | '{' | '“' | '‘' | '«' | '‹' | '„')
}

pub(super) fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–')
}

pub(super) fn is_group_separator(c: char) -> bool {
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
pub(super) const DECIMAL_COMMA_LANGUAGES: &[&str] = &[
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
    pub(super) fn decimal(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }

    /// The mark that groups thousands besides spaces (`1,579` / `1.579`).
    pub(super) fn thousands(self) -> char {
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
    pub(super) fn is_short_word(&self, word: &str) -> bool {
        SHORT_WORDS.contains(&word) || self.short_words.contains(&word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_words_are_the_lists() {
        for w in SOFTWARE_WORDS.iter().chain(SOFTWARE_WORDS_ELSEWHERE) {
            assert!(is_software_word(w), "{w}");
        }
        for w in ["", "packag", "packagess", "party", "Package"] {
            assert!(!is_software_word(w), "{w}");
        }
    }
}
