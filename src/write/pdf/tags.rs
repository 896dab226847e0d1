//! The tagged PDF's vocabulary: which standard structure type (PDF 1.7
//! §14.8.4) each element of the layout's structure is, and which lines are
//! artifacts (page numbers, running heads) rather than text.
//!
//! The page contents mark every text run with the type of the element it
//! belongs to (`content`); the structure tree is written by the adapter's
//! post-pass from the same layout model.

use crate::layout::{Role, StructKind};

/// The structure type of a block of lines of `role`, or `None` when such
/// lines are not part of the text (they are marked as pagination
/// artifacts). The one place where a line's role becomes a tag.
pub fn role_tag(role: Role) -> Option<&'static str> {
    Some(match role {
        Role::Title => "H1",
        Role::Heading => "H2",
        Role::Body => "P",
        Role::ListItem => "LBody",
        Role::Quote => "BlockQuote",
        Role::FigureAlt => "Figure",
        Role::Caption => "Caption",
        Role::Reference => "LBody",
        Role::Note => "Note",
        Role::Footer | Role::Header => return None,
    })
}

/// The structure type of an element of the layout's structure.
pub fn kind_tag(kind: StructKind) -> &'static str {
    match kind {
        StructKind::Document => "Document",
        StructKind::Chapter => "Part",
        StructKind::List => "L",
        StructKind::Item => "LI",
        StructKind::Label => "Lbl",
        StructKind::ItemBody => "LBody",
        StructKind::Figure => "Figure",
        StructKind::Title => "H1",
        StructKind::Contents => "TOC",
        StructKind::ContentsEntry => "TOCI",
        StructKind::Block(role) => role_tag(role).unwrap_or("P"),
    }
}

/// What a marked-content sequence of a page belongs to (its MCID is its
/// index in the page's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// An element of the layout's structure.
    Node(u32),
    /// The link annotation of this index in the page's links (a `Link`
    /// element made for it).
    Link(u32),
}

impl Owner {
    /// Node `n`'s (`u32::MAX`, which no node is, past that: a long
    /// article's 300,000 owners took 16 bytes each with `usize`).
    pub fn node(n: usize) -> Self {
        Owner::Node(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The link annotation `k`'s.
    pub fn link(k: usize) -> Self {
        Owner::Link(u32::try_from(k).unwrap_or(u32::MAX))
    }

    /// The top bit of an owner's word: a link's.
    const LINK: u32 = 1 << 31;

    /// It as 4 bytes, where a page's owners wait until the structure tree
    /// is written (`printpdf_adapter/page_words.rs`): a link's index with
    /// the top bit set, a node's without (an [`Owner`] takes 8; the seed
    /// ×3,460's 463,000 took 3.7 MB from their pages' drawing to the end
    /// of its PDF). A node or link past 2³¹ − 1, which no page has, is
    /// kept as that, a node or link no page has either.
    pub fn word(self) -> u32 {
        let low = |n: u32| n.min(Owner::LINK - 1);
        match self {
            Owner::Node(n) => low(n),
            Owner::Link(k) => low(k) | Owner::LINK,
        }
    }

    /// The owner of `word` ([`Owner::word`]).
    pub fn from_word(word: u32) -> Self {
        match word & Owner::LINK {
            0 => Owner::Node(word),
            _ => Owner::Link(word & !Owner::LINK),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_come_back_as_they_went() {
        let list = [
            Owner::Node(0),
            Owner::Link(0),
            Owner::Node(7),
            Owner::Link(3),
            Owner::Node(Owner::LINK - 1),
        ];
        let words: Vec<u32> = list.iter().map(|o| o.word()).collect();
        assert_eq!(
            words
                .iter()
                .map(|&w| Owner::from_word(w))
                .collect::<Vec<_>>(),
            list
        );
        // Past 2^31 - 1: still a node or a link, never the other.
        let far =
            [Owner::Node(u32::MAX), Owner::Link(u32::MAX)].map(|o| Owner::from_word(o.word()));
        assert_eq!(
            far,
            [Owner::Node(Owner::LINK - 1), Owner::Link(Owner::LINK - 1)]
        );
    }

    #[test]
    fn page_furniture_is_no_text_and_the_rest_is_tagged() {
        assert_eq!(role_tag(Role::Footer), None);
        assert_eq!(role_tag(Role::Header), None);
        assert_eq!(role_tag(Role::Heading), Some("H2"));
        assert_eq!(kind_tag(StructKind::Title), "H1");
        assert_eq!(kind_tag(StructKind::Block(Role::Body)), "P");
        assert_eq!(kind_tag(StructKind::Block(Role::Quote)), "BlockQuote");
        assert_eq!(kind_tag(StructKind::Item), "LI");
    }
}
