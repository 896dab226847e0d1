//! A PDF's links once their pages are drawn: where each is on its page and
//! where it goes, a page's after the one before's, until their
//! annotations are written ([`post_pass`](super::post_pass)).
//!
//! They leave their pages as the pages are drawn, 32 bytes a link: held in
//! the pages as [`PageLink`]s (88 bytes each, an internal link's target
//! beside its destination, a URL twice) until the annotations were written,
//! they were the largest part of a long article's heap from the end of
//! its pagination to its annotations (12.2 MB of the seed ×3,460's, for
//! 138,400 links). A long document's go on to its temporary file
//! [`AWAY_RUN`] at a time (3.7 MB of a book of 2,880 corpus articles'
//! heap at the end of its pagination).

use crate::error::WriteError;
use crate::layout::{LinkTarget, LinkTo, PageLink};
use crate::temp_file::{Place, TempFile};
use std::borrow::Cow;
use std::ops::Range;

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
    /// Where each page's links start among them all; one more at the end.
    starts: Vec<u32>,
    /// The first links, put away in a temporary file: [`AWAY_RUN`] at
    /// each place, in order.
    away: Vec<Place>,
    /// Set when the file refused links: those after stay in memory.
    refused: bool,
    /// The links after those put away.
    links: Vec<DrawnLink>,
    uris: Uris,
}

/// With a temporary file, the links go there this many at a time (64 KiB).
const AWAY_RUN: usize = 2048;

/// A link's bytes in the file.
const LINK_BYTES: usize = 32;

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
    /// With `file`, the links go there [`AWAY_RUN`] at a time (those the
    /// file refuses, and all after them, stay in memory).
    pub(super) fn push_page(
        &mut self,
        links: Vec<PageLink>,
        ends: Ends,
        file: Option<&TempFile>,
    ) -> Option<()> {
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
        let count = self.away.len() * AWAY_RUN + self.links.len();
        self.starts.push(u32::try_from(count).ok()?);
        if let Some(file) = file {
            self.put_away(file);
        }
        Some(())
    }

    /// The links in memory into `file`, [`AWAY_RUN`] at a time, until
    /// fewer are left or the file refuses them.
    fn put_away(&mut self, file: &TempFile) {
        let mut bytes = Vec::new();
        while !self.refused && self.links.len() >= AWAY_RUN {
            bytes.clear();
            bytes.reserve_exact(AWAY_RUN * LINK_BYTES);
            self.links[..AWAY_RUN]
                .iter()
                .for_each(|l| encode(l, &mut bytes));
            match file.append(&bytes) {
                Ok(place) => {
                    self.away.push(place);
                    self.links.drain(..AWAY_RUN);
                }
                Err(_) => self.refused = true,
            }
        }
    }

    /// Each link still waiting for its destination given it by `to` (page,
    /// what it goes to), or, when it finds none, the top of its own page
    /// (as the layout leaves such a link); those put away are read from
    /// `file` and written back. An error when a destination is past the
    /// pages a PDF numbers, or when the file fails.
    pub(super) fn resolve(
        &mut self,
        to: &dyn Fn(usize, &LinkTarget) -> Option<LinkTo>,
        file: Option<&TempFile>,
    ) -> Result<(), WriteError> {
        let past = || WriteError::Assembly {
            stage: "PDF annotations",
            detail: "a link goes past the pages a PDF numbers".into(),
        };
        let DrawnLinks {
            starts,
            away,
            links,
            uris,
            ..
        } = self;
        // The page of each link, in order: the pages whose links start at
        // or before it, less one.
        let mut page = 0;
        let mut resolve = |i: usize, l: &mut DrawnLink| -> Option<bool> {
            while starts.get(page + 1).is_some_and(|&s| s as usize <= i) {
                page += 1;
            }
            let target = match l.end {
                End::At { .. } | End::Uri(_) => return Some(false),
                End::Reference(n) => LinkTarget::Reference(n),
                End::Cite(n, k) => LinkTarget::Cite(n, k),
                End::Chapter(c) => LinkTarget::Chapter(c as usize),
            };
            l.end = match to(page, &target) {
                Some(LinkTo::Dest(d)) => at(d)?,
                Some(LinkTo::Uri(u)) => uris.end(&u)?,
                None => End::At {
                    page: u32::try_from(page).ok()?,
                    x: 0.0,
                    y: 0.0,
                },
            };
            Some(true)
        };
        let mut bytes = Vec::new();
        let mut run = Vec::new();
        for (c, &place) in away.iter().enumerate() {
            let file = file.ok_or_else(gone)?;
            bytes.clear();
            file.read_into(&mut bytes, place)?;
            decode_into(&bytes, &mut run)?;
            let mut changed = false;
            for (j, l) in run.iter_mut().enumerate() {
                changed |= resolve(c * AWAY_RUN + j, l).ok_or_else(past)?;
            }
            if changed {
                bytes.clear();
                run.iter().for_each(|l| encode(l, &mut bytes));
                file.write_at(&bytes, place.offset)?;
            }
        }
        let first = away.len() * AWAY_RUN;
        for (j, l) in links.iter_mut().enumerate() {
            resolve(first + j, l).ok_or_else(past)?;
        }
        Ok(())
    }

    /// How many pages have given their links.
    pub(super) fn pages(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Where page `pi`'s links are among them all (none past the last
    /// page).
    fn range(&self, pi: usize) -> Range<usize> {
        match (self.starts.get(pi), self.starts.get(pi + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The links of `pages`, in order (those put away read from `file`).
    pub(super) fn run(
        &self,
        pages: Range<usize>,
        file: Option<&TempFile>,
    ) -> std::io::Result<RunLinks<'_>> {
        let first = self.range(pages.start).start;
        let last = if pages.is_empty() {
            first
        } else {
            self.range(pages.end - 1).end.max(first)
        };
        let wanted = first..last;
        let kept = self.away.len() * AWAY_RUN;
        if wanted.start >= kept {
            let links = &self.links[wanted.start - kept..wanted.end - kept];
            return Ok(RunLinks {
                links: Cow::Borrowed(links),
                first,
                starts: &self.starts,
            });
        }
        let file = file.ok_or_else(gone)?;
        let mut out = Vec::with_capacity(wanted.len());
        let (mut bytes, mut run) = (Vec::new(), Vec::new());
        for c in wanted.start / AWAY_RUN..wanted.end.min(kept).div_ceil(AWAY_RUN) {
            bytes.clear();
            file.read_into(&mut bytes, self.away[c])?;
            decode_into(&bytes, &mut run)?;
            let at = c * AWAY_RUN;
            let from = wanted.start.max(at) - at;
            let to = wanted.end.min(at + AWAY_RUN) - at;
            out.extend_from_slice(&run[from..to]);
        }
        if wanted.end > kept {
            out.extend_from_slice(&self.links[..wanted.end - kept]);
        }
        Ok(RunLinks {
            links: Cow::Owned(out),
            first,
            starts: &self.starts,
        })
    }

    /// How many links are put away in the file.
    #[cfg(test)]
    fn put_away_count(&self) -> usize {
        self.away.len() * AWAY_RUN
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

/// The links of a run of pages ([`DrawnLinks::run`]).
pub(super) struct RunLinks<'a> {
    links: Cow<'a, [DrawnLink]>,
    /// The index of the first among them all.
    first: usize,
    starts: &'a [u32],
}

impl RunLinks<'_> {
    /// Page `pi`'s links, in order (none for a page outside the run).
    pub(super) fn page(&self, pi: usize) -> &[DrawnLink] {
        let (Some(&a), Some(&b)) = (self.starts.get(pi), self.starts.get(pi + 1)) else {
            return &[];
        };
        let (a, b) = (a as usize, b as usize);
        match (a.checked_sub(self.first), b.checked_sub(self.first)) {
            (Some(a), Some(b)) if b <= self.links.len() => &self.links[a..b],
            _ => &[],
        }
    }
}

/// The error of links put away without a file to read them from (no
/// caller gives one and not the other).
fn gone() -> std::io::Error {
    std::io::Error::other("the links put away have no file")
}

/// `l` in [`LINK_BYTES`] bytes: its rectangle, then its end's kind and up
/// to three numbers (a float by its bits), little-endian.
fn encode(l: &DrawnLink, out: &mut Vec<u8>) {
    let (kind, a, b, c) = match l.end {
        End::At { page, x, y } => (0, page, x.to_bits(), y.to_bits()),
        End::Uri(i) => (1, i, 0, 0),
        End::Reference(n) => (2, n, 0, 0),
        End::Cite(n, k) => (3, n, k, 0),
        End::Chapter(c) => (4, c, 0, 0),
    };
    for v in l.rect.map(f32::to_bits).into_iter().chain([kind, a, b, c]) {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// The links `bytes` hold ([`encode`]) into `out`, emptied first; an error
/// when they are not whole links.
fn decode_into(bytes: &[u8], out: &mut Vec<DrawnLink>) -> std::io::Result<()> {
    let bad = || std::io::Error::other("the links read back from the temporary file are not whole");
    out.clear();
    for link in bytes.chunks(LINK_BYTES) {
        if link.len() != LINK_BYTES {
            return Err(bad());
        }
        let mut w = [0u32; 8];
        for (w, b) in w.iter_mut().zip(link.chunks_exact(4)) {
            *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        let [x0, t, x1, b, kind, p, q, r] = w;
        let end = match kind {
            0 => End::At {
                page: p,
                x: f32::from_bits(q),
                y: f32::from_bits(r),
            },
            1 => End::Uri(p),
            2 => End::Reference(p),
            3 => End::Cite(p, q),
            4 => End::Chapter(p),
            _ => return Err(bad()),
        };
        out.push(DrawnLink {
            rect: [x0, t, x1, b].map(f32::from_bits),
            end,
        });
    }
    Ok(())
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

    impl DrawnLinks {
        /// Page `pi`'s links, kept in memory.
        fn page(&self, pi: usize) -> Vec<DrawnLink> {
            self.run(pi..pi + 1, None).unwrap().page(pi).to_vec()
        }

        /// The ends of page `pi`'s links, some put away in `file`.
        fn page_via(&self, pi: usize, file: &TempFile) -> Vec<End> {
            let run = self.run(pi..pi + 1, Some(file)).unwrap();
            run.page(pi).iter().map(|l| l.end).collect()
        }
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
                None,
            )
            .unwrap();
        links.push_page(Vec::new(), Ends::Target, None).unwrap();
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
                None,
            )
            .unwrap();
        assert_eq!(links.pages(), 3);
        assert_eq!(links.counts().collect::<Vec<_>>(), [2, 0, 4]);
        assert_eq!(links.page(2)[0].end, End::Reference(4));
        links
            .resolve(
                &|pi, target| match target {
                    LinkTarget::Reference(n) => Some(dest(pi + *n as usize, 1.5)),
                    LinkTarget::Cite(n, k) => Some(LinkTo::Uri(format!("{n}-{k}"))),
                    _ => None,
                },
                None,
            )
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
        links.push_page(page, Ends::Known, None).unwrap();
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

    /// Links put away in a temporary file come back as those kept in
    /// memory, in any run of pages (across the places they were put), and
    /// are given their destinations alike; a file that refuses them
    /// leaves them in memory, alike too.
    #[test]
    fn links_put_away_come_back_alike() {
        let pages: Vec<Vec<PageLink>> = (0..60usize)
            .map(|pi| {
                (0..(pi * 37) % 211)
                    .map(|k| {
                        let target = match k % 4 {
                            0 => LinkTarget::Reference(k as u32),
                            1 => LinkTarget::Cite(k as u32, 2),
                            2 => LinkTarget::Uri(format!("https://e.example/{}", k / 8)),
                            _ => LinkTarget::Chapter(pi),
                        };
                        let to = match k % 3 {
                            0 => dest(pi + k, k as f32 / 4.0),
                            _ => LinkTo::Uri(format!("u{}", k / 2)),
                        };
                        link(k as f32 + 0.25, to, target)
                    })
                    .collect()
            })
            .collect();
        let total: usize = pages.iter().map(Vec::len).sum();
        assert!(total > 2 * AWAY_RUN + AWAY_RUN / 2, "{total}");
        let to = |pi: usize, target: &LinkTarget| match target {
            LinkTarget::Reference(n) => Some(dest(pi + *n as usize, 0.5)),
            LinkTarget::Cite(n, _) if n % 2 == 0 => Some(LinkTo::Uri(format!("c{n}"))),
            LinkTarget::Uri(u) => Some(LinkTo::Uri(u.clone())),
            _ => None,
        };
        let fill = |file: Option<&TempFile>| {
            let mut links = DrawnLinks::default();
            for (pi, page) in pages.iter().enumerate() {
                let ends = if pi % 5 == 2 {
                    Ends::Known
                } else {
                    Ends::Target
                };
                links.push_page(page.clone(), ends, file).unwrap();
            }
            links
        };
        let mut kept = fill(None);
        kept.resolve(&to, None).unwrap();
        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(named.path()).unwrap();
        let files = [
            TempFile::new().expect("a temporary file"),
            TempFile::in_file(read_only),
        ];
        for (file, refuses) in files.iter().zip([false, true]) {
            let mut links = fill(Some(file));
            if refuses {
                assert!(links.refused);
                assert_eq!(links.put_away_count(), 0);
            } else {
                assert_eq!(links.put_away_count(), total / AWAY_RUN * AWAY_RUN);
                assert!(links.links.len() < AWAY_RUN);
            }
            links.resolve(&to, Some(file)).unwrap();
            assert_eq!(
                links.counts().collect::<Vec<_>>(),
                kept.counts().collect::<Vec<_>>()
            );
            for run in [
                0..60,
                0..1,
                7..8,
                3..29,
                17..41,
                40..60,
                59..60,
                60..60,
                61..70,
            ] {
                let (a, b) = (
                    links.run(run.clone(), Some(file)).unwrap(),
                    kept.run(run.clone(), None).unwrap(),
                );
                for pi in run.start.saturating_sub(1)..run.end + 1 {
                    let outside = !run.contains(&pi);
                    assert_eq!(a.page(pi), b.page(pi), "page {pi} of {run:?}");
                    assert_eq!(
                        a.page(pi).is_empty(),
                        outside || pages.get(pi).is_none_or(Vec::is_empty)
                    );
                }
            }
            assert_eq!(links.uris, kept.uris);
            let ends: Vec<End> = (0..60).flat_map(|pi| links.page_via(pi, file)).collect();
            assert!(
                ends.iter()
                    .all(|e| matches!(e, End::At { .. } | End::Uri(_)))
            );
        }
        // Read without their file, the links put away are an error.
        let put = fill(Some(&files[0]));
        assert!(put.run(0..60, None).is_err());
        assert!(fill(Some(&files[0])).resolve(&to, None).is_err());
    }
}
