//! The notes of an article or a chapter set for the foot of the page
//! (`--notes foot`): each cited reference's note in full and, when it has
//! one, in a shorter form for the pages after the first that cites it.
//!
//! Pagination reads only the sizes of their lines, which stay here
//! ([`NoteSet::lines`]); the pages read their rows ([`NoteSet::rows`]).
//! A long article's notes, whose glyphs wait in the [`GlyphStore`]'s
//! file, put their rows aside there too as they are set, a form a record:
//! held until the end, the notes of 40,000 references took 13 MB of
//! their PDF's 49.

use super::flow::Row;
use super::glyph_store::GlyphStore;
use super::rows::{decode_rows, encode_rows};
use crate::temp_file::Place;
use std::borrow::Cow;
use std::collections::HashMap;

/// What pagination reads of a line of a note: its height, and the space
/// before it (on a note's first line, the space between two notes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct NoteLine {
    pub(super) leading: f32,
    pub(super) space_before: f32,
}

/// One form of a note: the sizes of its lines (`first..first + len` in
/// [`Notes::lines`]), and where its rows are.
#[derive(Debug)]
struct Form {
    first: u32,
    len: u32,
    rows: FormRows,
}

#[derive(Debug)]
enum FormRows {
    /// In [`Notes::held`], from this index on.
    Held(u32),
    /// Put aside in the store's file.
    Aside(Place),
}

/// A reference's note: its forms, by their index in [`Notes::forms`].
#[derive(Debug, Clone, Copy)]
struct Note {
    full: u32,
    /// `None` when the reference has no shorter form: the full one
    /// serves.
    shorter: Option<u32>,
}

/// The notes of one article (or one chapter of a book), by reference
/// number. A set without notes (every chapter's when the notes are not at
/// the foot of the page) holds no table: 24 bytes, where its tables took
/// 160 bytes a chapter of a book.
pub(super) struct NoteSet {
    /// Where the forms' rows are put aside, when they are.
    store: Option<GlyphStore>,
    /// The notes, once there is one.
    notes: Option<Box<Notes>>,
}

/// The notes of a [`NoteSet`] that has any.
#[derive(Default)]
struct Notes {
    notes: HashMap<u32, Note>,
    forms: Vec<Form>,
    /// Every form's lines' sizes, form after form.
    lines: Vec<NoteLine>,
    /// The rows of the forms not put aside, form after form.
    held: Vec<Row>,
    /// A form's rows written out, before they go to the file.
    scratch: Vec<u8>,
}

impl std::fmt::Debug for NoteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSet")
            .field("notes", &self.notes.as_ref().map_or(0, |s| s.notes.len()))
            .field("aside", &self.store.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for NoteSet {
    /// No notes, none put aside.
    fn default() -> Self {
        NoteSet::new(None)
    }
}

impl NoteSet {
    /// No notes yet; with `store`, their rows are put aside in its file
    /// as they come (a form the file refuses is held).
    pub(super) fn new(store: Option<GlyphStore>) -> Self {
        NoteSet { store, notes: None }
    }

    /// Reference `n`'s note: its `full` rows, and its `shorter` ones when
    /// it has a shorter form.
    pub(super) fn insert(&mut self, n: u32, full: Vec<Row>, shorter: Option<Vec<Row>>) {
        let store = self.store.as_ref();
        let set = self.notes.get_or_insert_with(Box::default);
        let full = set.form(full, store);
        let shorter = shorter.map(|rows| set.form(rows, store));
        set.notes.insert(n, Note { full, shorter });
    }

    /// Every note is set: what they hold at their size (grown a note at a
    /// time, 40,000 notes' forms had room for 65,536).
    pub(super) fn shrink_to_fit(&mut self) {
        if let Some(set) = &mut self.notes {
            set.notes.shrink_to_fit();
            set.forms.shrink_to_fit();
            set.lines.shrink_to_fit();
            set.held.shrink_to_fit();
            set.scratch = Vec::new();
        }
    }

    /// Whether reference `n` has a note.
    pub(super) fn contains(&self, n: u32) -> bool {
        self.notes
            .as_ref()
            .is_some_and(|s| s.notes.contains_key(&n))
    }

    /// Whether there is no note.
    pub(super) fn is_empty(&self) -> bool {
        self.notes.as_ref().is_none_or(|s| s.notes.is_empty())
    }

    /// Note `n`'s form, with the notes it is one of: its shorter one with
    /// `short` when it has one, else its full one.
    fn form_of(&self, n: u32, short: bool) -> Option<(&Notes, &Form)> {
        let set = self.notes.as_deref()?;
        let note = set.notes.get(&n)?;
        let i = match note.shorter {
            Some(i) if short => i,
            _ => note.full,
        };
        Some((set, set.forms.get(i as usize)?))
    }

    /// The sizes of the lines of note `n`'s form (see [`NoteSet::rows`]);
    /// none when it has no note.
    pub(super) fn lines(&self, n: u32, short: bool) -> &[NoteLine] {
        self.form_of(n, short).map_or(&[], |(set, form)| {
            &set.lines[form.first as usize..(form.first + form.len) as usize]
        })
    }

    /// The rows of note `n`'s form, its shorter one with `short` when it
    /// has one (read back from the file when put aside); none when it has
    /// no note.
    pub(super) fn rows(&self, n: u32, short: bool) -> std::io::Result<Cow<'_, [Row]>> {
        let Some((set, form)) = self.form_of(n, short) else {
            return Ok(Cow::Borrowed(&[]));
        };
        match (&form.rows, &self.store) {
            (&FormRows::Held(at), _) => {
                let at = at as usize;
                Ok(Cow::Borrowed(&set.held[at..at + form.len as usize]))
            }
            (&FormRows::Aside(place), Some(store)) => {
                let mut bytes = Vec::with_capacity(place.len);
                store.read_aside(&mut bytes, place)?;
                decode_rows(&bytes, form.len as usize).map(Cow::Owned)
            }
            // (A form is put aside only with a store.)
            (FormRows::Aside(_), None) => Ok(Cow::Borrowed(&[])),
        }
    }

    /// Every note, by number: its full rows and its shorter ones (read
    /// back from the file when put aside), as the tests compare them.
    #[cfg(test)]
    pub(super) fn all(
        &self,
    ) -> std::io::Result<std::collections::BTreeMap<u32, (String, Option<String>)>> {
        let mut all = std::collections::BTreeMap::new();
        for (&n, note) in self.notes.iter().flat_map(|s| &s.notes) {
            let full = format!("{:?}", self.rows(n, false)?);
            let shorter = match note.shorter {
                Some(_) => Some(format!("{:?}", self.rows(n, true)?)),
                None => None,
            };
            all.insert(n, (full, shorter));
        }
        Ok(all)
    }

    /// How many rows are held (not put aside).
    #[cfg(test)]
    pub(super) fn held(&self) -> usize {
        self.notes.as_ref().map_or(0, |s| s.held.len())
    }
}

impl Notes {
    /// A new form of `rows` (put aside in `store` when there is one): its
    /// index.
    fn form(&mut self, rows: Vec<Row>, store: Option<&GlyphStore>) -> u32 {
        let first = self.lines.len() as u32;
        self.lines.extend(rows.iter().map(|r| NoteLine {
            leading: r.leading,
            space_before: r.space_before,
        }));
        let put = store.and_then(|store| {
            self.scratch.clear();
            encode_rows(&rows, &mut self.scratch);
            store.put_aside(&self.scratch)
        });
        let at = match put {
            Some(place) => FormRows::Aside(place),
            None => {
                let at = self.held.len() as u32;
                self.held.extend(rows);
                FormRows::Held(at)
            }
        };
        self.forms.push(Form {
            first,
            len: (self.lines.len() as u32) - first,
            rows: at,
        });
        (self.forms.len() - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Line, Role};
    use crate::temp_file::TempFile;

    fn row(i: usize) -> Row {
        Row {
            line: Line {
                width: i as f32,
                ..Line::default()
            },
            x: 1.0,
            leading: 11.0 + i as f32,
            size: 9.0,
            space_before: i as f32 / 2.0,
            space_after: 0.0,
            break_before: i.is_multiple_of(2),
            role: Role::Note,
            block: i,
            frame: None,
            rule: None,
            outline: None,
            reference: None,
            node: i + 1,
            stored: None,
            label: None,
        }
    }

    /// Notes of one, two and three lines, the second with a shorter form.
    fn filled(store: Option<GlyphStore>) -> NoteSet {
        let mut set = NoteSet::new(store);
        set.insert(4, vec![row(0)], None);
        set.insert(9, vec![row(1), row(2)], Some(vec![row(3)]));
        set.insert(2, (4..7).map(row).collect(), None);
        set
    }

    /// A set without notes (every chapter's of a book whose notes are not
    /// at the foot of the page) holds no table and has no note; its first
    /// note makes them.
    #[test]
    fn a_set_without_notes_holds_no_table() {
        assert!(std::mem::size_of::<NoteSet>() <= 24);
        let mut set = NoteSet::new(None);
        assert!(set.is_empty() && set.notes.is_none());
        assert!(!set.contains(4) && set.lines(4, false).is_empty());
        assert!(set.rows(4, true).unwrap().is_empty());
        set.shrink_to_fit();
        assert!(set.notes.is_none());
        set.insert(4, vec![row(0)], None);
        assert!(!set.is_empty() && set.contains(4) && !set.contains(5));
        assert_eq!(set.lines(4, true).len(), 1);
    }

    /// A note's rows put aside in the store's file come back as they went
    /// (its sizes stay here); a file that refuses them keeps them here,
    /// the same; one that cannot give them back makes an error.
    #[test]
    fn notes_put_aside_come_back_as_they_went() {
        let held = filled(None);
        assert_eq!(held.held(), 7);
        let expected = held.all().unwrap();
        assert_eq!(expected.len(), 3);
        // The forms asked for: a note without a shorter one gives its full.
        assert_eq!(held.rows(9, true).unwrap()[0].block, 3);
        assert_eq!(held.rows(4, true).unwrap()[0].block, 0);
        assert!(held.rows(5, false).unwrap().is_empty() && !held.contains(5));
        let sizes = |set: &NoteSet, n, short| -> Vec<(f32, f32)> {
            set.lines(n, short)
                .iter()
                .map(|l| (l.leading, l.space_before))
                .collect()
        };
        assert_eq!(
            sizes(&held, 2, false),
            [(15.0, 2.0), (16.0, 2.5), (17.0, 3.0)]
        );
        assert_eq!(sizes(&held, 9, true), [(14.0, 1.5)]);

        let named = tempfile::NamedTempFile::new().unwrap();
        let store = |read: bool, write: bool| {
            let file = std::fs::OpenOptions::new()
                .read(read)
                .write(write)
                .open(named.path())
                .unwrap();
            Some(GlyphStore::in_file(TempFile::in_file(file)))
        };
        let aside = filled(store(true, true));
        assert_eq!(aside.held(), 0, "all put aside");
        assert_eq!(aside.all().unwrap(), expected);
        assert_eq!(sizes(&aside, 2, false), sizes(&held, 2, false));
        let refused = filled(store(true, false));
        assert_eq!(refused.held(), 7, "held when the file refuses them");
        assert_eq!(refused.all().unwrap(), expected);
        let unreadable = filled(store(false, true));
        assert_eq!(unreadable.held(), 0);
        assert!(unreadable.rows(9, false).is_err());
        assert_eq!(sizes(&unreadable, 9, false).len(), 2);
    }
}
