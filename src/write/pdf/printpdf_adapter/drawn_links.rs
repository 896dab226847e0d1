//! A PDF's links once their pages are drawn: where each is on its page and
//! where it goes, a page's after the one before's, until their
//! annotations are written ([`post_pass`](super::post_pass)).
//!
//! They leave their pages as the pages are drawn, 32 bytes a link: held in
//! the pages as [`PageLink`]s (88 bytes each, an internal link's target
//! beside its destination, a URL twice) until the annotations were written,
//! they were the largest part of a long article's heap from the end of
//! its pagination to its annotations (12.2 MB of the seed ×3,460's, for
//! 138,400 links).

use crate::layout::{LinkTarget, LinkTo, PageLink};

/// Where a drawn link goes: a place on a page, a URL (its index in
/// [`DrawnLinks::uri`]); or, for a page drawn before every destination was
/// known, what it goes to until [`DrawnLinks::resolve`] finds where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum End {
    /// A place: a page (0-based) and a point on it, from its top left.
    At { page: u32, x: f32, y: f32 },
    /// A URL, by its index.
    Uri(u32),
    /// The entry of reference `n`, not yet placed.
    Reference(u32),
    /// Occurrence `k` of reference `n`'s marker, not yet placed.
    Cite(u32, u32),
    /// The first page of a chapter, not yet placed.
    Chapter(u32),
}

/// A drawn link: its rectangle (`[x0, top, x1, bottom]`, as
/// [`PageLink::rect`]) and where it goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct DrawnLink {
    pub(super) rect: [f32; 4],
    pub(super) end: End,
}

const _: () = assert!(std::mem::size_of::<DrawnLink>() == 32);

/// Every drawn page's links, in the order of the pages and of the links on
/// each (the order of their annotations).
#[derive(Debug, Default, PartialEq)]
pub(super) struct DrawnLinks {
    /// Where each page's links start in `links`; one more at the end.
    starts: Vec<u32>,
    links: Vec<DrawnLink>,
    uris: Uris,
}

/// The URLs of the links, their text one after another in one string: a
/// `String` each took 24 bytes and an allocation of its own (some 1.9 MB
/// of a long book's 55,000 URLs at the end of its pagination). A link of
/// the same URL as the link before (a URL set over two lines is two
/// links) shares its text.
#[derive(Debug, Default, PartialEq)]
struct Uris {
    text: String,
    /// Where each URL ends in `text`.
    ends: Vec<u32>,
}

impl Uris {
    /// URL `i` (empty past the last).
    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before).copied(),
            None => Some(0),
        };
        match (start, self.ends.get(i)) {
            (Some(a), Some(&b)) => &self.text[a as usize..b as usize],
            _ => "",
        }
    }

    /// A link's end at URL `u`, the last URL's index when it is the same
    /// (`None` past the URLs or bytes a `u32` counts).
    fn end(&mut self, u: &str) -> Option<End> {
        if let Some(last) = self.ends.len().checked_sub(1) {
            let last = u32::try_from(last).ok()?;
            if self.get(last) == u {
                return Some(End::Uri(last));
            }
        }
        let i = u32::try_from(self.ends.len()).ok()?;
        self.text.push_str(u);
        self.ends.push(u32::try_from(self.text.len()).ok()?);
        Some(End::Uri(i))
    }
}

/// Where a link goes, when the layout says where it goes in the page's
/// links: for a page handed out as it was filled, what it goes to
/// (`Target`), its destination to be found once every page is made; else
/// where it goes (`Known`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ends {
    Known,
    Target,
}

impl DrawnLinks {
    /// The links of the next page, taken from it: each goes where its
    /// `to` says, or, with `Ends::Target`, to its `target` (its `to` is not
    /// known yet). `None` when there are more links or pages than a PDF
    /// numbers.
    pub(super) fn push_page(&mut self, links: Vec<PageLink>, ends: Ends) -> Option<()> {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.links.reserve_exact(links.len());
        for l in links {
            let end = match (ends, l.to, l.target) {
                (Ends::Known, LinkTo::Dest(d), _) => at(d)?,
                (Ends::Known, LinkTo::Uri(u), _) | (Ends::Target, _, LinkTarget::Uri(u)) => {
                    self.uris.end(&u)?
                }
                (Ends::Target, _, LinkTarget::Reference(n)) => End::Reference(n),
                (Ends::Target, _, LinkTarget::Cite(n, k)) => End::Cite(n, k),
                (Ends::Target, _, LinkTarget::Chapter(c)) => End::Chapter(u32::try_from(c).ok()?),
            };
            self.links.push(DrawnLink { rect: l.rect, end });
        }
        self.starts.push(u32::try_from(self.links.len()).ok()?);
        Some(())
    }

    /// Each link still waiting for its destination given it by `to` (page,
    /// what it goes to), or, when it finds none, the top of its own page
    /// (as the layout leaves such a link). `None` when a destination is
    /// past the pages a PDF numbers.
    pub(super) fn resolve(
        &mut self,
        to: &dyn Fn(usize, &LinkTarget) -> Option<LinkTo>,
    ) -> Option<()> {
        for pi in 0..self.pages() {
            let (a, b) = self.range(pi);
            for l in &mut self.links[a..b] {
                let target = match l.end {
                    End::At { .. } | End::Uri(_) => continue,
                    End::Reference(n) => LinkTarget::Reference(n),
                    End::Cite(n, k) => LinkTarget::Cite(n, k),
                    End::Chapter(c) => LinkTarget::Chapter(c as usize),
                };
                l.end = match to(pi, &target) {
                    Some(LinkTo::Dest(d)) => at(d)?,
                    Some(LinkTo::Uri(u)) => self.uris.end(&u)?,
                    None => End::At {
                        page: u32::try_from(pi).ok()?,
                        x: 0.0,
                        y: 0.0,
                    },
                };
            }
        }
        Some(())
    }

    /// How many pages have given their links.
    pub(super) fn pages(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Where page `pi`'s links are in `links` (none past the last page).
    fn range(&self, pi: usize) -> (usize, usize) {
        match (self.starts.get(pi), self.starts.get(pi + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => (0, 0),
        }
    }

    /// Page `pi`'s links, in order.
    pub(super) fn page(&self, pi: usize) -> &[DrawnLink] {
        let (a, b) = self.range(pi);
        &self.links[a..b]
    }

    /// How many links each page has, in order.
    pub(super) fn counts(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.starts.windows(2).map(|w| (w[1] - w[0]) as usize)
    }

    /// URL `i`.
    pub(super) fn uri(&self, i: u32) -> &str {
        self.uris.get(i)
    }
}

/// `d` as a drawn link's end (`None` past the pages a PDF numbers).
fn at(d: crate::layout::Dest) -> Option<End> {
    Some(End::At {
        page: u32::try_from(d.page).ok()?,
        x: d.x,
        y: d.y,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Dest;

    fn link(x: f32, to: LinkTo, target: LinkTarget) -> PageLink {
        PageLink {
            rect: [x, 1.0, x + 2.0, 3.0],
            to,
            target,
            source: None,
        }
    }

    fn dest(page: usize, x: f32) -> LinkTo {
        LinkTo::Dest(Dest { page, x, y: 5.0 })
    }

    /// Links known where they go keep their places and URLs; links handed
    /// out before are given theirs by `resolve`, by their page and
    /// target, or the top of their page when they find none; a page
    /// without links counts none.
    #[test]
    fn links_go_where_they_are_sent() {
        let placeholder = dest(9, 0.0);
        let mut links = DrawnLinks::default();
        links
            .push_page(
                vec![
                    link(1.0, dest(3, 7.0), LinkTarget::Reference(1)),
                    link(
                        2.0,
                        LinkTo::Uri("https://a.example/".into()),
                        LinkTarget::Chapter(0),
                    ),
                ],
                Ends::Known,
            )
            .unwrap();
        links.push_page(Vec::new(), Ends::Target).unwrap();
        links
            .push_page(
                vec![
                    link(3.0, placeholder.clone(), LinkTarget::Reference(4)),
                    link(4.0, placeholder.clone(), LinkTarget::Cite(4, 2)),
                    link(
                        5.0,
                        placeholder.clone(),
                        LinkTarget::Uri("https://b.example/".into()),
                    ),
                    link(6.0, placeholder, LinkTarget::Chapter(1)),
                ],
                Ends::Target,
            )
            .unwrap();
        assert_eq!(links.pages(), 3);
        assert_eq!(links.counts().collect::<Vec<_>>(), [2, 0, 4]);
        assert_eq!(links.page(2)[0].end, End::Reference(4));
        links
            .resolve(&|pi, target| match target {
                LinkTarget::Reference(n) => Some(dest(pi + *n as usize, 1.5)),
                LinkTarget::Cite(n, k) => Some(LinkTo::Uri(format!("{n}-{k}"))),
                _ => None,
            })
            .unwrap();
        let ends = |pi: usize| links.page(pi).iter().map(|l| l.end).collect::<Vec<_>>();
        let at = |page: u32, x: f32, y: f32| End::At { page, x, y };
        assert_eq!(ends(0), [at(3, 7.0, 5.0), End::Uri(0)]);
        assert_eq!(links.uri(0), "https://a.example/");
        assert!(ends(1).is_empty());
        assert_eq!(
            ends(2),
            [at(6, 1.5, 5.0), End::Uri(2), End::Uri(1), at(2, 0.0, 0.0)]
        );
        assert_eq!(links.uri(1), "https://b.example/");
        assert_eq!(links.uri(2), "4-2");
        assert_eq!(links.page(2)[3].rect, [6.0, 1.0, 8.0, 3.0]);
        assert!(links.page(3).is_empty(), "no page past the last");
    }

    /// The URLs' text is kept once for links of the same URL one after
    /// another (a URL set over two lines), and again when another URL
    /// came between; an empty URL is a URL too.
    #[test]
    fn a_url_twice_in_a_row_is_kept_once() {
        let uri = |u: &str| LinkTo::Uri(u.into());
        let mut links = DrawnLinks::default();
        let page = [
            "https://a.example/x",
            "https://a.example/x",
            "",
            "",
            "https://b.example/",
            "https://a.example/x",
        ]
        .iter()
        .enumerate()
        .map(|(i, u)| link(i as f32, uri(u), LinkTarget::Chapter(0)))
        .collect();
        links.push_page(page, Ends::Known).unwrap();
        let ends: Vec<_> = links.page(0).iter().map(|l| l.end).collect();
        use End::Uri;
        assert_eq!(ends, [Uri(0), Uri(0), Uri(1), Uri(1), Uri(2), Uri(3)]);
        let urls: Vec<_> = (0..5).map(|i| links.uri(i)).collect();
        assert_eq!(
            urls,
            [
                "https://a.example/x",
                "",
                "https://b.example/",
                "https://a.example/x",
                ""
            ],
            "the last is past the URLs"
        );
        assert_eq!(links.uris.text.len(), 2 * 19 + 18);
    }
}
