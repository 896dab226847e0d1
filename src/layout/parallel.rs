//! Setting the paragraphs of a pass: on one thread for a short article, else
//! cut into one stretch of about equal text per thread, each thread with its
//! own shaping state. The result is the same either way (a unit test of
//! `layout` sets one article on 1, 2 and 3 threads).

use super::rows::PackedLines;
use super::*;

/// Paragraphs with less text than this in all are set on one thread.
pub(super) const PARALLEL_TEXT_BYTES: usize = 16 * 1024;

/// A paragraph set: its lines and the characters without a glyph.
pub(super) type SetParagraph = (SetLines, Vec<MissingGlyph>);

/// A paragraph's lines, set: as they are, or, when their glyphs wait in a
/// [`GlyphStore`], packed until the second pass takes them (a long
/// article's lines are all held at once: 200 bytes a line as [`Line`]s,
/// some 60 packed).
#[derive(Debug)]
pub(super) enum SetLines {
    /// The lines, their glyphs in them.
    Held(Vec<Line>),
    /// The lines and where each one's glyphs went.
    Packed(PackedLines),
    /// A long paragraph's packed lines, put aside in the store's file a
    /// piece at a time as its windows are set ([`ASIDE`]), and read back
    /// a piece at a time: a one-paragraph article's were held whole (the
    /// 7.9 MB one's 8 MB of packed lines, gathered in a buffer that grew
    /// to 16 MB, and copied out).
    Pieces(Vec<LinesPiece>),
}

/// A piece of a long paragraph's packed lines ([`SetLines::Pieces`]).
#[derive(Debug)]
pub(super) enum LinesPiece {
    /// In the store's file: where, and how many lines.
    Aside(crate::temp_file::Place, usize),
    /// Here, where the file refused them.
    Here(PackedLines),
}

/// How many bytes of a paragraph's packed lines are gathered before they
/// are put aside as a piece ([`SetLines::Pieces`]).
pub(super) const ASIDE: usize = 1 << 20;

/// The packed lines in `scratch`, `count` of them, put aside in `store`
/// (or kept, when it refuses them).
fn piece(store: &GlyphStore, scratch: &[u8], count: usize) -> LinesPiece {
    match store.put_aside(scratch) {
        Some(place) => LinesPiece::Aside(place, count),
        None => LinesPiece::Here(PackedLines::packed(scratch, count)),
    }
}

impl Default for SetLines {
    fn default() -> Self {
        SetLines::Held(Vec::new())
    }
}

impl SetLines {
    /// How many lines.
    pub(super) fn len(&self) -> usize {
        match self {
            SetLines::Held(lines) => lines.len(),
            SetLines::Packed(packed) => packed.len(),
            SetLines::Pieces(pieces) => pieces
                .iter()
                .map(|p| match p {
                    LinesPiece::Aside(_, count) => *count,
                    LinesPiece::Here(packed) => packed.len(),
                })
                .sum(),
        }
    }

    /// The bytes of its packed lines held here in one block (none when
    /// held as lines or in pieces).
    pub(super) fn packed_bytes(&self) -> usize {
        match self {
            SetLines::Held(_) | SetLines::Pieces(_) => 0,
            SetLines::Packed(packed) => packed.byte_len(),
        }
    }

    /// The lines in order, each with where its glyphs went when they are
    /// not in it; pieces put aside are read back from `store` as they are
    /// reached (a piece that cannot be read gives no lines, and its error
    /// is kept in the iterator).
    pub(super) fn into_lines(self, store: Option<&GlyphStore>) -> LinesOf<'_> {
        let (held, current, pieces) = match self {
            SetLines::Held(lines) => (lines, None, Vec::new()),
            SetLines::Packed(packed) => (Vec::new(), Some(packed.unpack()), Vec::new()),
            SetLines::Pieces(pieces) => (Vec::new(), None, pieces),
        };
        LinesOf {
            held: held.into_iter(),
            current,
            pieces: pieces.into_iter(),
            store,
            error: None,
        }
    }
}

/// The lines of a paragraph set ([`SetLines::into_lines`]).
pub(super) struct LinesOf<'s> {
    held: std::vec::IntoIter<Line>,
    current: Option<super::rows::Unpacked>,
    pieces: std::vec::IntoIter<LinesPiece>,
    store: Option<&'s GlyphStore>,
    /// Why a piece put aside could not be read back.
    pub(super) error: Option<std::io::Error>,
}

impl Iterator for LinesOf<'_> {
    type Item = (Line, Option<StoredAt>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(line) = self.held.next() {
            return Some((line, None));
        }
        loop {
            if let Some(line) = self.current.as_mut().and_then(Iterator::next) {
                return Some(line);
            }
            self.current = match self.pieces.next()? {
                LinesPiece::Here(packed) => Some(packed.unpack()),
                LinesPiece::Aside(place, count) => {
                    let mut bytes = Vec::new();
                    let read = match self.store {
                        Some(store) => store.read_aside(&mut bytes, place),
                        None => Err(std::io::Error::other("lines put aside without a file")),
                    };
                    match read {
                        Ok(()) => Some(PackedLines::from_parts(bytes.into(), count).unpack()),
                        Err(e) => {
                            self.error.get_or_insert(e);
                            None
                        }
                    }
                }
            };
        }
    }
}

/// Sets the paragraphs of `jobs`, in order, each one's glyphs moved into
/// `store` as soon as it is set when there is one, and its atoms (a copy
/// of its text) freed (all held until the last was set, a long article's
/// took some 5 MB at the peak of its PDF). With enough text and
/// more than one thread, they are cut into one stretch of about equal text
/// per thread, each set with `fonts` when it is free, else with a
/// [`Fonts`] of its own. `long`: they are (a stretch of) a long article's,
/// from [`crate::allocator::RETURN_FREED_FROM`] bytes of text, whose freed
/// memory is handed back as they are set.
pub(super) fn set_all(
    fonts: &mut Fonts,
    jobs: &mut [(Vec<Atom>, Setting)],
    store: Option<&GlyphStore>,
    long: bool,
) -> Vec<SetParagraph> {
    set_all_aside(fonts, jobs, store, long, ASIDE)
}

/// [`set_all`], a paragraph's packed lines put aside in pieces of `aside`
/// bytes (smaller in a test).
fn set_all_aside(
    fonts: &mut Fonts,
    jobs: &mut [(Vec<Atom>, Setting)],
    store: Option<&GlyphStore>,
    long: bool,
    aside: usize,
) -> Vec<SetParagraph> {
    let set_one = |fonts: &mut Fonts,
                   writer: &mut Option<(GlyphWriter, Vec<u8>)>,
                   (atoms, set): &mut (Vec<Atom>, Setting)| {
        let mut missing = Vec::new();
        let atoms = std::mem::take(atoms);
        match writer {
            // A long paragraph's lines packed a window at a time, their
            // glyphs put away, not all held at once.
            Some((w, scratch)) => {
                let store = w.store();
                scratch.clear();
                let mut count = 0;
                let mut pieces = Vec::new();
                set_paragraph_by_windows(fonts, set, atoms, &mut missing, &mut |mut lines| {
                    let stored = w.put(&mut lines);
                    PackedLines::encode(&lines, &stored, scratch);
                    count += lines.len();
                    if scratch.len() >= aside {
                        pieces.push(piece(store, scratch, count));
                        scratch.clear();
                        count = 0;
                    }
                });
                if pieces.is_empty() {
                    return (
                        SetLines::Packed(PackedLines::packed(scratch, count)),
                        missing,
                    );
                }
                if count > 0 {
                    pieces.push(piece(store, scratch, count));
                }
                (SetLines::Pieces(pieces), missing)
            }
            None => {
                let lines = set_paragraph(fonts, set, &atoms, &mut missing);
                (SetLines::Held(lines), missing)
            }
        }
    };
    // Each stretch of paragraphs with a writer of its own.
    let set_stretch = |fonts: &mut Fonts, stretch: &mut [(Vec<Atom>, Setting)]| -> Vec<_> {
        // A writer of glyphs, and room to pack the lines in.
        let mut writer = store.map(|s| (s.writer(), Vec::new()));
        stretch
            .iter_mut()
            .map(|j| set_one(fonts, &mut writer, j))
            .collect()
    };
    let size =
        |(atoms, _): &(Vec<Atom>, Setting)| -> usize { atoms.iter().map(Atom::text_len).sum() };
    let total: usize = jobs.iter().map(size).sum();
    let threads = rayon::current_num_threads()
        .min(total / (PARALLEL_TEXT_BYTES / 2))
        .max(1);
    if total < PARALLEL_TEXT_BYTES || threads == 1 {
        return set_stretch(fonts, jobs);
    }
    // Cut after the paragraph that reaches each k/threads of the text.
    let mut ends = Vec::with_capacity(threads);
    let mut seen = 0;
    for (i, j) in jobs.iter().enumerate() {
        seen += size(j);
        if seen * threads >= total * (ends.len() + 1) || i + 1 == jobs.len() {
            ends.push(i + 1);
        }
    }
    let count = jobs.len();
    let mut stretches: Vec<&mut [(Vec<Atom>, Setting)]> = Vec::with_capacity(ends.len());
    let (mut rest, mut from) = (jobs, 0);
    for end in ends {
        let (stretch, after) = rest.split_at_mut(end - from);
        stretches.push(stretch);
        (rest, from) = (after, end);
    }
    let source = fonts.source();
    // Every stretch takes `fonts` when it is free, with the words earlier
    // stretches and layouts on this thread shaped (the first stretch, and
    // any other that no thread took and so runs here after it); one that
    // runs while another holds it makes its own. No thread waits for it.
    let shared = std::sync::Mutex::new(&mut *fonts);
    let set = |stretch: &mut [(Vec<Atom>, Setting)]| -> Option<Vec<_>> {
        match shared.try_lock() {
            Ok(mut f) => Some(set_stretch(&mut f, stretch)),
            Err(_) => Some(set_stretch(&mut Fonts::new(source).ok()?, stretch)),
        }
    };
    use rayon::prelude::*;
    let mut set_every = || -> Vec<Option<Vec<_>>> {
        stretches
            .par_iter_mut()
            .map(|stretch| set(stretch))
            .collect()
    };
    // The atoms freed by the pool's threads are handed back as they go
    // (see `returning_freed_memory`), from a thread that is not the pool's
    // (in a batch, the other threads set other articles).
    let sets = if long && rayon::current_thread_index().is_none() {
        crate::allocator::returning_freed_memory(set_every)
    } else {
        set_every()
    };
    let mut out = Vec::with_capacity(count);
    for (stretch, set) in stretches.into_iter().zip(sets) {
        // `Fonts::new` cannot fail for a source it already accepted; if it
        // did, the stretch is set here.
        let set = set.unwrap_or_else(|| set_stretch(fonts, stretch));
        out.extend(set);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fonts::{FontKind, FontSource};
    use crate::layout::style::Style;
    use crate::temp_file::TempFile;

    /// A long paragraph's lines put aside in pieces (several windows,
    /// several pieces) come back, their glyphs restored, as the lines set
    /// without a store; kept here when the file refuses them; and none,
    /// with the error, when they cannot be read back.
    #[test]
    fn a_long_paragraph_s_lines_come_back_from_their_pieces() {
        let Some(file) = TempFile::new() else {
            eprintln!(
                "SKIP a_long_paragraph_s_lines_come_back_from_their_pieces: no temporary file"
            );
            return;
        };
        let store = GlyphStore::in_file(file);
        let src = FontSource::load(&Style::default()).unwrap();
        let mut fonts = Fonts::new(&src).unwrap();
        let set = crate::layout::rule_tests::justified_setting();
        let atoms: Vec<Atom> = (0..4000)
            .flat_map(|i| {
                [
                    Atom::Text {
                        text: format!(
                            "The ferry of crossing {i} carried slate past the lighthouse"
                        )
                        .into(),
                        font: FontKind::Regular,
                        src: 0,
                    },
                    Atom::Cite { n: 7, k: i + 1 },
                    Atom::Text {
                        text: ". ".into(),
                        font: FontKind::Regular,
                        src: 0,
                    },
                ]
            })
            .collect();
        let job = || vec![(atoms.clone(), set.clone())];
        let [(SetLines::Held(held), _)] = &set_all(&mut fonts, &mut job(), None, false)[..] else {
            panic!("held without a store");
        };
        let restored = |lines: LinesOf, store: &GlyphStore| -> Vec<Line> {
            let mut reader = store.reader();
            lines
                .map(|(mut line, at)| {
                    if let Some(at) = at {
                        reader.restore(&mut line, at).unwrap();
                    }
                    line
                })
                .collect()
        };

        // A piece a window, a piece every few windows and one for the rest.
        for aside in [4 * 1024, 100 * 1024, 150 * 1024] {
            let [(lines, _)] = <[_; 1]>::try_from(set_all_aside(
                &mut fonts,
                &mut job(),
                Some(&store),
                false,
                aside,
            ))
            .unwrap();
            let SetLines::Pieces(pieces) = &lines else {
                panic!("in pieces");
            };
            assert!(pieces.len() > 1, "{} pieces", pieces.len());
            assert!(pieces.iter().all(|p| matches!(p, LinesPiece::Aside(..))));
            assert_eq!(lines.len(), held.len());
            assert_eq!(&restored(lines.into_lines(Some(&store)), &store), held);
        }

        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(named.path()).unwrap();
        let refused = GlyphStore::in_file(TempFile::in_file(read_only));
        let [(lines, _)] = <[_; 1]>::try_from(set_all_aside(
            &mut fonts,
            &mut job(),
            Some(&refused),
            false,
            16 * 1024,
        ))
        .unwrap();
        let SetLines::Pieces(pieces) = &lines else {
            panic!("in pieces");
        };
        assert!(pieces.iter().all(|p| matches!(p, LinesPiece::Here(..))));
        assert_eq!(&restored(lines.into_lines(Some(&refused)), &refused), held);

        let [(lines, _)] = <[_; 1]>::try_from(set_all_aside(
            &mut fonts,
            &mut job(),
            Some(&store),
            false,
            16 * 1024,
        ))
        .unwrap();
        let mut unread = lines.into_lines(None);
        assert_eq!(unread.by_ref().count(), 0);
        assert!(unread.error.is_some());
    }
}
