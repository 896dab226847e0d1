//! Citation markers (FORMAT.md §4), below both the parser and the resolver:
//! the text of an inline container that markers stand in ([`text`]), the
//! digit runs that may hold a marker with every reading of each
//! ([`candidates`]), how plausible each reading is (rule 4,
//! [`plausibility`]) and the markers written with certainty — carets,
//! superscripts, brackets (rule 5, [`certain`]).
//!
//! The parser uses this module to tell headings from paragraphs ("carries no
//! citation marker") and to read the shape of a document; the resolver uses
//! it to make its candidates. Neither imports the other.

pub mod candidates;
pub mod certain;
mod lexicon;
pub mod plausibility;
pub mod text;
