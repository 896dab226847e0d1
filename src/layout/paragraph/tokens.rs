//! The paragraph's atoms cut into tokens: words (split at direction
//! changes), spaces, markers, links and break opportunities.

use super::*;

pub(super) fn is_break_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{202F}' | '\u{2007}')
}

/// The paragraph's tokens, and the elements of all its words, word after
/// word (a word token is a range of them).
pub(super) fn tokens(b: &mut Builder, atoms: &[Atom]) -> (Vec<Tok>, Vec<WordEl>) {
    let lv = bidi_levels(atoms, b.set.rtl);
    // Drop white space between two markers: consecutive markers become "4,7".
    let mut toks: Vec<Tok> = Vec::new();
    // The word being gathered is `cur[start..]`.
    let mut cur: Vec<WordEl> = Vec::new();
    let mut start = 0;
    let flush = |cur: &Vec<WordEl>, start: &mut usize, toks: &mut Vec<Tok>| {
        if cur.len() > *start {
            toks.push(Tok::Word(*start..cur.len()));
            *start = cur.len();
        }
    };
    for (ai, atom) in atoms.iter().enumerate() {
        match atom {
            Atom::Text { text, font, src } => {
                let between_cites = text.chars().all(|c| c.is_whitespace() || c == ',')
                    && ai > 0
                    && matches!(atoms[ai - 1], Atom::Cite { .. })
                    && matches!(atoms.get(ai + 1), Some(Atom::Cite { .. }));
                if between_cites {
                    continue;
                }
                let mut word_start: Option<usize> = None;
                for (i, c) in text.char_indices() {
                    if is_break_space(c) {
                        if let Some(s) = word_start.take() {
                            let levels = lv.of(ai, s, i - s);
                            b.text_word(&mut cur, &text[s..i], *font, src + s, levels);
                        }
                        flush(&cur, &mut start, &mut toks);
                        if !matches!(toks.last(), Some(Tok::Space { .. }) | None) {
                            toks.push(Tok::Space {
                                font: *font,
                                breakable: true,
                                level: lv.at(ai, i),
                            });
                        }
                    } else if word_start.is_none() {
                        word_start = Some(i);
                    }
                }
                if let Some(s) = word_start {
                    let levels = lv.of(ai, s, text.len() - s);
                    b.text_word(&mut cur, &text[s..], *font, src + s, levels);
                }
            }
            Atom::Cite { n, k } => {
                // The isolate's level, as seen from the text around it.
                let level = lv.at(ai, 0);
                // A marker never starts a line: glue it to the word before.
                if cur.len() == start {
                    if let Some(Tok::Space { .. }) = toks.last() {
                        toks.pop();
                    }
                    // (The last word's elements are the last ones.)
                    if let Some(Tok::Word(w)) = toks.pop() {
                        start = w.start;
                    }
                }
                if matches!(
                    cur[start..].last(),
                    Some(WordEl::Piece(Piece {
                        marker: Some(_),
                        ..
                    }))
                ) {
                    b.marker(&mut cur, ",", None, None, level);
                }
                b.marker(
                    &mut cur,
                    &n.to_string(),
                    Some(LinkTarget::Reference(*n)),
                    Some((*n, *k)),
                    level,
                );
            }
            Atom::Url { url, src } => {
                let opps = Builder::url_opps(url);
                let word = WordText {
                    text: url,
                    font: FontKind::Regular,
                    opps: &opps,
                    link: Some(LinkTarget::Uri(url.to_string())),
                    src: Some(*src),
                };
                b.word(&mut cur, word, lv.of(ai, 0, url.len()));
            }
            Atom::Linked { text, n, k } => {
                let word = WordText {
                    text,
                    font: FontKind::Regular,
                    opps: &[],
                    link: Some(LinkTarget::Cite(*n, *k)),
                    src: None,
                };
                b.word(&mut cur, word, lv.of(ai, 0, text.len()));
            }
        }
    }
    flush(&cur, &mut start, &mut toks);
    while matches!(toks.last(), Some(Tok::Space { .. })) {
        toks.pop();
    }
    // Digit groups stay together: "250 000", "15 July" is free to break.
    for i in 1..toks.len().saturating_sub(1) {
        let prev_digit = matches!(&toks[i - 1], Tok::Word(w) if last_char(&cur[w.clone()]).is_some_and(|c| c.is_ascii_digit()));
        let next_digit = matches!(&toks[i + 1], Tok::Word(w) if first_char(&cur[w.clone()]).is_some_and(|c| c.is_ascii_digit()));
        if let Tok::Space { breakable, .. } = &mut toks[i]
            && prev_digit
            && next_digit
        {
            *breakable = false;
        }
    }
    (toks, cur)
}

pub(super) fn last_char(w: &[WordEl]) -> Option<char> {
    w.iter().rev().find_map(|e| match e {
        WordEl::Piece(p) if p.marker.is_none() => p
            .shaped_glyphs()
            .iter()
            .rev()
            .find_map(|g| g.text.chars().next_back()),
        WordEl::Piece(_) => Some('x'),
        _ => None,
    })
}

pub(super) fn first_char(w: &[WordEl]) -> Option<char> {
    w.iter().find_map(|e| match e {
        WordEl::Piece(p) => p.shaped_glyphs().iter().find_map(|g| g.text.chars().next()),
        _ => None,
    })
}
