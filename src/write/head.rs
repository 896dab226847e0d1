//! A book's chapters as far as the book reads them before it writes them:
//! their heads ([`ChapterHead`]), made by a [`HeadMaker`].

use super::Format;
use super::xhtml;
use crate::ast::{Document, Meta, plain_text};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// A chapter of a book as far as the book reads it before its chapters
/// are written (for its title page, contents, header and package
/// document): its title and metadata, and for an EPUB the labels of its
/// contents entries. Nothing of its text, and nothing that shares its
/// source's buffer, so that a book reading its chapters again holds some
/// 60 bytes a chapter and its strings (the chapter's `Document`, which a
/// head was until the forty-fourth round, is 464 bytes), and a metadata
/// shared with the chapters that have the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterHead {
    /// Its title.
    pub title: Box<str>,
    /// Its metadata, one shared among the heads a [`HeadMaker`] made of
    /// chapters with the same.
    pub meta: Arc<Meta>,
    /// For an EPUB, each section's entry in the contents: its heading as
    /// plain text, trimmed (`Section n` when that is empty); empty for the
    /// other formats.
    pub sections: Box<[Box<str>]>,
    /// For an EPUB, the reference list's entry in the contents, when the
    /// chapter has a reference list: its heading as plain text, trimmed
    /// (`References` when it has none, as the chapter's XHTML writes it);
    /// `None` for the other formats.
    pub references: Option<Box<str>>,
}

impl ChapterHead {
    /// A document of the head's title and metadata, with no text: what a
    /// book writes in the place of a chapter that could not be read again
    /// (the book then fails, and what it wrote is thrown away).
    pub fn stand_in(&self) -> Document {
        Document {
            meta: Meta::clone(&self.meta),
            ..Document::new(&*self.title)
        }
    }
}

/// Makes a book's chapters' heads, on any thread, and shares one
/// metadata among the chapters that have the same (as those whose metadata
/// all comes from the command line do): dropped once the heads are made.
#[derive(Debug, Default)]
pub struct HeadMaker {
    /// Every metadata given so far, once, and the last one.
    metas: Mutex<Metas>,
}

/// The metadata a [`HeadMaker`] was given: each once, and the last (a
/// chapter's is most often its neighbour's, and compared with it first,
/// not hashed: hashing each took some 700 instructions a chapter).
#[derive(Debug, Default)]
struct Metas {
    all: HashSet<Arc<Meta>>,
    last: Option<Arc<Meta>>,
}

impl HeadMaker {
    /// The head of `doc` that a book in `format` reads ([`ChapterHead`]).
    pub fn head(&self, doc: &Document, format: Format) -> ChapterHead {
        let epub = format == Format::Epub;
        let sections = if epub {
            doc.sections
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    let label = plain_text(&s.heading.inlines);
                    if label.trim().is_empty() {
                        format!("Section {}", j + 1).into()
                    } else {
                        label.trim().into()
                    }
                })
                .collect()
        } else {
            Box::default()
        };
        let references = (epub && xhtml::has_references_section(doc))
            .then(|| xhtml::references_heading_text(doc).trim().into());
        ChapterHead {
            title: doc.title.text.as_str().into(),
            meta: self.shared(&doc.meta),
            sections,
            references,
        }
    }

    /// `meta`, shared with every head made before of the same.
    fn shared(&self, meta: &Meta) -> Arc<Meta> {
        let mut metas = self.metas.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(last) = metas.last.as_ref().filter(|m| ***m == *meta) {
            return Arc::clone(last);
        }
        let m = match metas.all.get(meta) {
            Some(m) => Arc::clone(m),
            None => {
                let m = Arc::new(meta.clone());
                metas.all.insert(Arc::clone(&m));
                m
            }
        };
        metas.last = Some(Arc::clone(&m));
        m
    }
}

/// The heads of `docs` that a book in `format` reads.
pub(crate) fn heads_of(docs: &[&Document], format: Format) -> Vec<ChapterHead> {
    let maker = HeadMaker::default();
    docs.iter().map(|d| maker.head(d, format)).collect()
}
