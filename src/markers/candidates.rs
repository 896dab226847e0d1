//! Marker candidates (FORMAT.md §4): the digit runs that may hold a
//! flattened superscript, each with every reading it admits and how
//! plausible that reading is.
//!
//! "Candidates are the digit runs that touch a preceding non-space character
//! and are followed by whitespace, punctuation or the end of the block, plus a
//! space-separated digit run right after such a candidate. A candidate ending
//! a digit run may be split: `0003` → text `000` + marker `3`."

use super::certain::{self, WrittenMarker};
pub use super::plausibility::Reading;
use super::plausibility::{self, Context, Language};
use crate::bytes::{CHUNK, Chunk};
use std::num::NonZeroU32;

/// The candidates of a document (or of one text) in reading order, and
/// their readings in one vector beside them: 24 bytes a candidate and 16 a
/// reading, with no allocation per candidate. (With each candidate's
/// readings held in the candidate, a large article's candidates took 64
/// bytes each: the seed ×6,920's 10 MB.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidates {
    runs: Vec<Run>,
    readings: Vec<Reading>,
}

/// A candidate as [`Candidates`] holds it: its readings are
/// `readings[first..first + count]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    text: u32,
    start: u32,
    end: u32,
    first: u32,
    over_limit: Option<NonZeroU32>,
    count: u8,
}

const _: () = assert!(std::mem::size_of::<Run>() == 24);

/// A digit run that may be, or end in, a citation marker, with its
/// readings ([`Candidates::at`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate<'a> {
    /// Which logical text (block) it is in.
    pub text: u32,
    /// Byte range of the whole digit run in that logical text (32 bits:
    /// [`find_into`] scans no text longer than 4 GiB).
    pub start: u32,
    /// End of the digit run.
    pub end: u32,
    /// Every marker reading; reading the run as text is always possible too.
    pub readings: &'a [Reading],
    /// Set when the run reads strongly as a marker but its value is larger
    /// than the number of references (a marker > N).
    pub over_limit: Option<u32>,
}

impl Candidate<'_> {
    /// The best score of a marker reading that needs no neighbour.
    pub fn best_standalone_score(&self) -> f32 {
        self.readings
            .iter()
            .filter(|r| !r.needs_prev_marker)
            .map(|r| r.score)
            .fold(f32::NEG_INFINITY, f32::max)
    }
}

impl Candidates {
    /// Room for about `candidates` candidates, with a reading each.
    pub fn with_capacity(candidates: usize) -> Self {
        Candidates {
            runs: Vec::with_capacity(candidates),
            readings: Vec::with_capacity(candidates),
        }
    }

    /// How many candidates.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether there are none.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Candidate `i`.
    ///
    /// # Panics
    /// When there is no candidate `i`.
    pub fn at(&self, i: usize) -> Candidate<'_> {
        self.view(&self.runs[i])
    }

    /// Candidate `i`, if there is one.
    #[cfg(test)]
    pub fn get(&self, i: usize) -> Option<Candidate<'_>> {
        self.runs.get(i).map(|run| self.view(run))
    }

    fn view(&self, run: &Run) -> Candidate<'_> {
        let first = run.first as usize;
        Candidate {
            text: run.text,
            start: run.start,
            end: run.end,
            readings: &self.readings[first..first + usize::from(run.count)],
            over_limit: run.over_limit.map(NonZeroU32::get),
        }
    }

    /// Every candidate, in order.
    pub fn iter(&self) -> impl Iterator<Item = Candidate<'_>> + '_ {
        self.runs.iter().map(|run| self.view(run))
    }

    /// Candidates `from..to`, in order.
    pub fn range(&self, from: usize, to: usize) -> impl Iterator<Item = Candidate<'_>> + '_ {
        self.runs[from..to].iter().map(|run| self.view(run))
    }

    /// Appends a candidate with `readings` (at most 255 of them).
    pub fn push(
        &mut self,
        text: u32,
        start: u32,
        end: u32,
        readings: impl IntoIterator<Item = Reading>,
        over_limit: Option<u32>,
    ) {
        let first = self.readings.len();
        self.readings.extend(readings);
        self.push_run(text, start, end, first, over_limit);
    }

    /// Appends a candidate whose readings are `readings[first..]`.
    fn push_run(&mut self, text: u32, start: u32, end: u32, first: usize, over_limit: Option<u32>) {
        let count = self.readings.len() - first;
        self.runs.push(Run {
            text,
            start,
            end,
            first: u32::try_from(first).expect("fewer than 2^32 readings"),
            over_limit: over_limit.and_then(NonZeroU32::new),
            count: u8::try_from(count).expect("a candidate has a few readings"),
        });
    }

    /// The readings of candidates `from..`, which stand together at the
    /// end (for the resolver to renumber and score a text's).
    pub fn readings_from_mut(&mut self, from: usize) -> &mut [Reading] {
        let first = self
            .runs
            .get(from)
            .map_or(self.readings.len(), |r| r.first as usize);
        &mut self.readings[first..]
    }

    /// Every candidate's readings, in order.
    pub fn readings_mut(&mut self) -> &mut [Reading] {
        &mut self.readings
    }

    /// Keeps only the readings of candidates `from..` for which `keep` is
    /// true (the candidates stay, perhaps with none).
    pub fn retain_readings_from(&mut self, from: usize, mut keep: impl FnMut(&Reading) -> bool) {
        let Some(start) = self.runs.get(from).map(|r| r.first as usize) else {
            return;
        };
        let mut to = start;
        for run in &mut self.runs[from..] {
            let (a, b) = (
                run.first as usize,
                run.first as usize + usize::from(run.count),
            );
            run.first = to as u32;
            for i in a..b {
                if keep(&self.readings[i]) {
                    self.readings[to] = self.readings[i];
                    to += 1;
                }
            }
            run.count = (to - run.first as usize) as u8;
        }
        self.readings.truncate(to);
    }

    /// Gives back the room grown beyond what is held.
    pub fn shrink_to_fit(&mut self) {
        self.runs.shrink_to_fit();
        self.readings.shrink_to_fit();
    }
}

/// Largest marker value considered when the number of references is unknown.
pub const UNKNOWN_LIMIT: u32 = 9999;

/// Finds the candidates of one logical text. `limit` is the largest valid
/// marker (the number of references, or [`UNKNOWN_LIMIT`]).
pub fn find(text_index: usize, text: &str, limit: u32) -> Candidates {
    let mut out = Candidates::default();
    find_into(&mut out, text_index, text, limit, Language::default());
    out
}

/// Whether a candidate can start at byte `b`: a digit, `^`, `[`, or a lead
/// byte of the superscript digits (`²` is C2 B2, `⁴` is E2 81 B4).
fn opens_marker(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'^' | b'[' | 0xC2 | 0xE2)
}

/// The first byte at or after `from` where a candidate can start
/// ([`opens_marker`]). Most text has none for many bytes: a whole
/// [`Chunk`] is tested at once.
fn next_opener(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = bytes[i..].first_chunk::<CHUNK>() {
        let c = Chunk::new(chunk);
        let mask = c.in_range(b'0', b'9') | c.eq(b'^') | c.eq(b'[') | c.eq(0xC2) | c.eq(0xE2);
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += CHUNK;
    }
    bytes[i..]
        .iter()
        .position(|&b| opens_marker(b))
        .map(|k| i + k)
}

/// [`find`], appending to `out` (one set for a whole document: no
/// per-text vectors to copy, which matters when one text is most of a large
/// article). `language` is the article's.
/// Returns where this text's candidates start in `out`.
pub fn find_into(
    out: &mut Candidates,
    text_index: usize,
    text: &str,
    limit: u32,
    language: Language,
) -> usize {
    let first = out.len();
    // Offsets and the index are kept in 32 bits.
    let (Ok(text_index), Ok(_)) = (u32::try_from(text_index), u32::try_from(text.len())) else {
        return first;
    };
    let bytes = text.as_bytes();
    let mut last_run_end: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        // Straight to the next byte that can open a marker.
        match next_opener(bytes, i) {
            Some(k) => i = k,
            None => break,
        }
        // Markers written with certainty: `^2`, `²`, `[2]` (rule 5).
        let written = match bytes[i] {
            b'^' => certain::caret(text, i, limit).into_iter().collect(),
            b'[' => certain::bracket(text, i, limit),
            0xC2 | 0xE2 => certain::superscript(text, i, limit).into_iter().collect(),
            _ => Vec::new(),
        };
        if let Some(last) = written.last() {
            i = last.end;
            for w in &written {
                push_certain(out, text_index, w);
            }
            last_run_end = None;
            continue;
        }
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let end = i;
        let ctx = Context::new(text, start, end).in_language(language);
        // A run far longer than any marker plus number is text.
        if end - start > 40 || !ctx.followed_by_boundary() || ctx.in_url_like_token() {
            last_run_end = Some(end);
            continue;
        }
        // Adjacency counts only to the run just before, and only when that run
        // is a candidate itself (the solver reads "previous" as "previous candidate").
        let adjacent = out.runs[first..]
            .last()
            .map(|c| c.end as usize)
            .filter(|&e| last_run_end == Some(e) && ctx.adjacent_to_previous_run(e));
        last_run_end = Some(end);
        // The readings go straight to the end of the document's; a run
        // with none, and not over the limit, is no candidate.
        let from = out.readings.len();
        plausibility::readings_into(&ctx, limit, adjacent, &mut out.readings);
        let over_limit = plausibility::over_limit(&ctx, limit);
        if out.readings.len() > from || over_limit.is_some() {
            out.push_run(text_index, start as u32, end as u32, from, over_limit);
        }
    }
    first
}

/// Appends the candidate of a marker written with certainty: its one reading.
fn push_certain(out: &mut Candidates, text_index: u32, w: &WrittenMarker) {
    let reading = Reading {
        marker_start: w.start as u32,
        n: w.n,
        score: w.score,
        needs_prev_marker: w.needs_prev_marker,
        written: Some(w.written),
    };
    out.push(text_index, w.start as u32, w.end as u32, [reading], None);
}

/// True when `text` holds a digit run that reads better as a marker than as
/// text, judged on its own (used to tell headings and captions from
/// paragraphs: "carries no citation marker").
pub fn has_plausible_marker(text: &str) -> bool {
    find(0, text, UNKNOWN_LIMIT)
        .iter()
        .any(|c| c.best_standalone_score() > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chunked search finds what a byte-by-byte one finds, at every
    /// position of a chunk and in the tail after the last whole chunk, for
    /// every byte value (a near miss such as `/`, `:`, `]`, 0xC3 or 0xE3
    /// next to the digits and the other openers included).
    #[test]
    fn next_opener_finds_the_first_byte_that_can_open_a_marker() {
        let slow = |b: &[u8], from: usize| {
            b[from..]
                .iter()
                .position(|&x| opens_marker(x))
                .map(|k| from + k)
        };
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 40] {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    for from in [0, at / 2, at] {
                        assert_eq!(
                            next_opener(&bytes, from),
                            slow(&bytes, from),
                            "byte {byte:#04x} at {at} of {len}, from {from}"
                        );
                    }
                }
            }
        }
        let openers: Vec<u8> = (0..=255).filter(|&b| opens_marker(b)).collect();
        assert_eq!(openers, b"0123456789[^\xC2\xE2");
    }

    fn best(text: &str) -> Vec<(String, u32)> {
        // Best standalone reading per candidate with a positive score.
        find(0, text, 20)
            .iter()
            .filter_map(|c| {
                let r = c
                    .readings
                    .iter()
                    .filter(|r| r.score > 0.0)
                    .max_by(|a, b| a.score.total_cmp(&b.score))?;
                Some((
                    text[c.start as usize..r.marker_start as usize].to_string(),
                    r.n,
                ))
            })
            .collect()
    }

    #[test]
    fn glued_after_letter_and_closing_punctuation() {
        assert_eq!(best("the Party1. He said"), vec![(String::new(), 1)]);
        assert_eq!(best("a “face,”1 to"), vec![(String::new(), 1)]);
        assert_eq!(best("to the north3."), vec![(String::new(), 3)]);
    }

    #[test]
    fn split_after_digit_when_it_leaves_a_well_formed_number() {
        assert_eq!(
            best("August, 250 0003 Soviet"),
            vec![("000".to_string(), 3)]
        );
        assert_eq!(best("day at 14:404."), vec![("40".to_string(), 4)]);
    }

    #[test]
    fn designations_numbers_and_dates_are_text() {
        for t in [
            "1 220 T-62 tanks.",
            "credit: ČT24)",
            "Repatriating 75 000 troops",
            "2 505 BMP",
            "On 26 February 1990, it",
            "cost $20.00 each",
            "rose 1.25 points",
            "see Image 1.2. now",
            "in Section 3 we",
            "an MP3 file",
            "version v1.2.3 ships",
            "read report2.pdf today",
            "at https://example.org/2019/item42 today",
            "mail jo@example.org2",
            "an F-16 flew",
            "the 1990s were",
            "Accessed October 10 2018. Online",
            "Amendment: Section1: Neither",
            "the wage was .25 cents",
            "between \"500 to 2,000.\" Likewise",
        ] {
            assert_eq!(best(t), vec![], "{t}");
        }
    }

    /// The best standalone readings in an article in `lang`.
    fn best_in(lang: &str, text: &str) -> Vec<(String, u32)> {
        let mut out = Candidates::default();
        find_into(&mut out, 0, text, 20, Language::for_tag(lang));
        out.iter()
            .filter_map(|c| {
                let r = c
                    .readings
                    .iter()
                    .filter(|r| r.score > 0.0 && !r.needs_prev_marker)
                    .max_by(|a, b| a.score.total_cmp(&b.score))?;
                Some((
                    text[c.start as usize..r.marker_start as usize].to_string(),
                    r.n,
                ))
            })
            .collect()
    }

    #[test]
    fn locators_are_text() {
        for t in [
            "as he wrote (p.13) in",
            "see p. 7 for",
            "Annals, vol.3, no.5, pp.17–18.",
            "in ch.2 and art.7 of",
            "on fol. 12r and fig. 2.",
            "under §4 of the act",
            "vgl. Kap. 12 und S. 45, Bd. 2.",
            "voir t. 3, p. 9.",
            "viz s. 45, č. 4.",
        ] {
            assert_eq!(best(t), vec![], "{t}");
            // Nor a spaced marker after the locator's full stop.
            let spaced = find(0, t, 20)
                .iter()
                .flat_map(|c| c.readings)
                .any(|r| r.score > -3.0);
            assert!(!spaced, "{t}");
        }
        // A marker after `U.S.` is not a page of `S.`.
        assert_eq!(best("left the U.S.3 in"), vec![(String::new(), 3)]);
    }

    #[test]
    fn units_and_formulas_keep_their_exponents() {
        for t in [
            "an area of 12 km2 in",
            "some 40 m3 of",
            "emits CO2 and",
            "so E = mc2 holds",
            "then x2 grows",
        ] {
            assert_eq!(best(t), vec![], "{t}");
        }
        assert_eq!(best("held 40 m32 of water"), vec![("3".to_string(), 2)]);
        assert_eq!(best("more CO22 than"), vec![("2".to_string(), 2)]);
        assert_eq!(best("a walk of 40 km4 then"), vec![(String::new(), 4)]);
        // Single letters are designations as often as formulas.
        assert_eq!(best("took the N22 road"), vec![]);
    }

    #[test]
    fn eras_regnal_numerals_decades_and_ranges_take_markers() {
        assert_eq!(best("about 100 BC1 the"), vec![(String::new(), 1)]);
        assert_eq!(best("by 212 AD3, the"), vec![(String::new(), 3)]);
        assert_eq!(best("under Henry VIII1 the"), vec![(String::new(), 1)]);
        assert_eq!(best("when Pius IX6 died"), vec![(String::new(), 6)]);
        assert_eq!(best("after World War II2."), vec![(String::new(), 2)]);
        assert_eq!(best("in the 1950s2 the"), vec![(String::new(), 2)]);
        assert_eq!(best("in the '60s2 the"), vec![(String::new(), 2)]);
        assert_eq!(
            best("the war of 1939–453 ended"),
            vec![("45".to_string(), 3)]
        );
        for t in ["the 1939–45 war", "the ČT24 crew", "in the 1990s"] {
            assert_eq!(best(t), vec![], "{t}");
        }
    }

    #[test]
    fn software_words_are_whole_words() {
        assert_eq!(best_in("cs", "v balíku ggplot2 a"), vec![]);
        assert_eq!(best_in("de", "im Paket ggplot2 und"), vec![]);
        // English words that begin like them do not make a name of the next word.
        assert_eq!(best("a modular design2 was"), vec![(String::new(), 2)]);
        assert_eq!(best("the application form3 was"), vec![(String::new(), 3)]);
    }

    #[test]
    fn separators_follow_the_language() {
        assert_eq!(
            best_in("de", "etwa 18.2004. Dann"),
            vec![("200".to_string(), 4)]
        );
        assert_eq!(best_in("de", "genau 12,5 Prozent"), vec![]);
        assert_eq!(
            best_in("en", "about 1,5793 people"),
            vec![("579".to_string(), 3)]
        );
        assert_eq!(best_in("en", "about 18.2004. Then"), vec![]);
        assert_eq!(
            best_in("cs", "asi 1 5793 lidí"),
            vec![("579".to_string(), 3)]
        );
        assert_eq!(
            plausibility::DecimalMark::for_lang("de-CH"),
            plausibility::DecimalMark::Point
        );
        assert_eq!(
            plausibility::DecimalMark::for_lang("fr-CH"),
            plausibility::DecimalMark::Comma
        );
        assert_eq!(
            plausibility::DecimalMark::for_lang("en-GB"),
            plausibility::DecimalMark::Point
        );
    }

    #[test]
    fn year_then_punctuation_then_marker() {
        assert_eq!(
            best("and 1965–1968.10 Comparison"),
            vec![(String::new(), 10)]
        );
        assert_eq!(best("the Survey of 1842,4 then"), vec![(String::new(), 4)]);
    }

    #[test]
    fn adjacent_marker_needs_previous_marker() {
        let c = find(0, "repatriated4 7:", 10);
        assert_eq!(c.len(), 2);
        assert!(c.at(1).readings.iter().all(|r| r.needs_prev_marker));
        assert!(c.at(1).readings[0].score > 0.0);
    }

    #[test]
    fn comma_separated_markers() {
        let c = find(0, "claimed2,5 that", 10);
        assert_eq!(c.len(), 2);
        assert!(
            c.at(1)
                .readings
                .iter()
                .any(|r| r.needs_prev_marker && r.n == 5 && r.score > 0.0)
        );
    }

    #[test]
    fn spaced_markers_are_candidates_but_unlikely() {
        for (t, n) in [
            ("fill their pages.” 2 Whereas", 2),
            ("resigned in 1974. 5", 5),
            ("the Act of 1789 1” by", 1),
        ] {
            let c = find(0, t, 9);
            let r = c
                .iter()
                .flat_map(|c| c.readings)
                .find(|r| r.n == n)
                .unwrap_or_else(|| panic!("{t}"));
            assert!(r.score < 0.0, "{t}");
        }
        // A number standing alone is never split, nor a spaced marker.
        assert!(find(0, "flew 77 combat aircraft", 9).is_empty());
        assert!(find(0, "on 14 May", 9).is_empty());
    }

    /// The resolver renumbers and filters the readings of the texts found
    /// last (`from` on): those and no others change, every candidate stays,
    /// and a text without candidates has no readings.
    #[test]
    fn readings_of_the_last_texts_are_changed_alone() {
        let lang = Language::default();
        let mut c = Candidates::default();
        find_into(
            &mut c,
            0,
            "the Party1. and more3 here, 250 0002 in all",
            20,
            lang,
        );
        let from = c.len();
        assert!(from >= 3);
        assert_eq!(
            find_into(&mut c, 1, "a text with no marker at all", 20, lang),
            from
        );
        assert_eq!(c.len(), from);
        assert!(c.readings_from_mut(from).is_empty());
        find_into(
            &mut c,
            2,
            "then word2, other4 and x15 y; the 17893 Act",
            20,
            lang,
        );
        let all = |c: &Candidates| -> Vec<Vec<Reading>> {
            c.iter().map(|c| c.readings.to_vec()).collect()
        };
        let before = all(&c);
        assert!(before[from..].iter().flatten().any(|r| r.n < 4));
        c.retain_readings_from(from, |r| r.n >= 4);
        let mut want = before.clone();
        for readings in &mut want[from..] {
            readings.retain(|r| r.n >= 4);
        }
        assert_eq!(all(&c), want);
        for r in c.readings_from_mut(from) {
            r.n += 100;
        }
        for (i, (got, was)) in all(&c).iter().zip(&want).enumerate() {
            let added: Vec<u32> = was
                .iter()
                .map(|r| r.n + if i >= from { 100 } else { 0 })
                .collect();
            assert_eq!(
                got.iter().map(|r| r.n).collect::<Vec<_>>(),
                added,
                "candidate {i}"
            );
        }
    }

    #[test]
    fn heading_check() {
        assert!(!has_plausible_marker("Deployment or occupation?"));
        assert!(!has_plausible_marker("2. Findings in 1990"));
        assert!(has_plausible_marker("It ended there.3"));
    }
}
