//! Pagination: the rows of the flow filled into pages with widow and
//! orphan control and headings kept with what follows; running heads,
//! links and the outline placed.

use super::notes::NoteRow;
use super::*;
/// The running head of a book page: `title` in italics, centred above the
/// text block, shortened with `…` to fit the measure.
pub(super) fn running_head(title: &str, style: &Style, fonts: &mut Fonts) -> PlacedLine {
    let p = &style.page;
    let size = style.footer.size;
    let measure = style.measure();
    let shape = |fonts: &mut Fonts, text: &str| sized_glyphs(fonts, FontKind::Italic, text, size);
    let mut glyphs = shape(fonts, title);
    if glyphs.iter().map(|g| g.advance).sum::<f32>() > measure {
        let ellipsis = shape(fonts, "…");
        let room = measure - ellipsis.iter().map(|g| g.advance).sum::<f32>();
        let mut w = 0.0;
        let keep = glyphs
            .iter()
            .take_while(|g| {
                w += g.advance;
                w <= room
            })
            .count();
        glyphs.truncate(keep);
        glyphs.extend(ellipsis);
    }
    let line = single_run_line(FontKind::Italic, size, glyphs);
    let baseline = p.margin_top - (p.footer_offset * 0.6).max(size * 1.5);
    PlacedLine {
        x: p.margin_inner + (measure - line.width) / 2.0,
        baseline,
        top: baseline - size,
        line,
        role: Role::Header,
        block: 0,
        node: 0,
        label: None,
    }
}

/// The page number `label` centred at the foot of the page (a chapter's
/// page or the front matter's).
pub(super) fn folio(label: &str, style: &Style, fonts: &mut Fonts) -> PlacedLine {
    let p = &style.page;
    let size = style.footer.size;
    let glyphs = sized_glyphs_uncached(fonts, FontKind::Regular, label, size);
    let line = single_run_line(FontKind::Regular, size, glyphs);
    let baseline = p.height - p.margin_bottom + p.footer_offset;
    PlacedLine {
        x: p.margin_inner + (style.measure() - line.width) / 2.0,
        baseline,
        top: baseline - size,
        line,
        role: Role::Footer,
        block: 0,
        node: 0,
        label: None,
    }
}

pub(super) fn baseline_in(leading: f32, size: f32) -> f32 {
    (leading - size) / 2.0 + size * 0.8
}

/// A link of a page, until every destination is known.
pub(super) struct Pending {
    /// Its page.
    pub(super) page: usize,
    /// The chapter it is in (0 outside books).
    pub(super) chapter: usize,
    /// Its rectangle.
    pub(super) rect: [f32; 4],
    /// Where it goes.
    pub(super) target: LinkTarget,
    /// Its text: the line's index on the page, the span's in the line.
    pub(super) source: (usize, usize),
}

/// What pagination takes from the flow: the rows, the characters without a
/// glyph, and the logical structure the rows point into.
pub(super) struct Flowed {
    pub(super) rows: Rows,
    pub(super) missing: Vec<MissingGlyph>,
    pub(super) structure: Structure,
    /// Where the rows' glyphs wait, when they are not in the rows.
    pub(super) store: Option<GlyphStore>,
}

/// Where the markers that links go to landed.
enum MarkerEnds {
    /// Every marker's, by chapter: `(chapter, n, k)` (a layout kept
    /// whole, or a book's).
    All(HashMap<(usize, u32, u32), Dest>),
    /// Pages handed out as they are filled: only the markers some
    /// back-link of the rows goes to (`wanted`: by chapter, `(n, k)`,
    /// sorted; [`HandOut::new`]), each one's place at its index in `dests`.
    /// Every marker's, in a map, took 4.3 MB of the seed ×3,460's body
    /// alone, which has no back-links.
    Wanted {
        wanted: Vec<Vec<(u32, u32)>>,
        dests: Vec<Vec<Option<Dest>>>,
    },
}

impl MarkerEnds {
    /// Marker `(n, k)` of `chapter` landed at `d` (a later landing of the
    /// same marker replaces it).
    fn landed(&mut self, chapter: usize, n: u32, k: u32, d: Dest) {
        match self {
            MarkerEnds::All(ends) => {
                ends.insert((chapter, n, k), d);
            }
            MarkerEnds::Wanted { wanted, dests } => {
                if let Some(i) = MarkerEnds::at(wanted, chapter, n, k) {
                    dests[chapter][i] = Some(d);
                }
            }
        }
    }

    /// Whether where marker `(n, k)` of `chapter` lands is kept, for a
    /// back-link to find.
    fn kept(&self, chapter: usize, n: u32, k: u32) -> bool {
        match self {
            MarkerEnds::All(_) => true,
            MarkerEnds::Wanted { wanted, .. } => MarkerEnds::at(wanted, chapter, n, k).is_some(),
        }
    }

    /// Where marker `(n, k)` of `chapter` landed, if it did.
    fn get(&self, chapter: usize, n: u32, k: u32) -> Option<Dest> {
        match self {
            MarkerEnds::All(ends) => ends.get(&(chapter, n, k)).copied(),
            MarkerEnds::Wanted { wanted, dests } => {
                MarkerEnds::at(wanted, chapter, n, k).and_then(|i| dests[chapter][i])
            }
        }
    }

    /// The index of marker `(n, k)` of `chapter` among those `wanted`.
    fn at(wanted: &[Vec<(u32, u32)>], chapter: usize, n: u32, k: u32) -> Option<usize> {
        wanted.get(chapter)?.binary_search(&(n, k)).ok()
    }
}

/// The list of `chapter` among `lists`, one per chapter (an article has
/// one), made when there is none yet.
fn of_chapter<T>(lists: &mut Vec<Vec<T>>, chapter: usize) -> &mut Vec<T> {
    if lists.len() <= chapter {
        lists.resize_with(chapter + 1, Vec::new);
    }
    &mut lists[chapter]
}

/// Where each note at the foot of a page starts, page after page: a link
/// to a reference goes to its note on the link's page (kept in a table by
/// page, chapter and reference, 40,000 notes took 2.7 MB).
#[derive(Default)]
struct NoteDests(Vec<NoteDest>);

/// A note's start on page `page`: reference `n` of `chapter`.
struct NoteDest {
    page: u32,
    chapter: u32,
    n: u32,
    x: f32,
    y: f32,
}

impl NoteDests {
    /// Note `n` of `chapter` starts at `d` (on a page after or among the
    /// last's).
    fn push(&mut self, chapter: usize, n: u32, d: Dest) {
        debug_assert!(self.0.last().is_none_or(|l| l.page as usize <= d.page));
        self.0.push(NoteDest {
            page: d.page as u32,
            chapter: chapter as u32,
            n,
            x: d.x,
            y: d.y,
        });
    }

    /// Where note `n` of `chapter` starts on page `page`, if it does.
    fn get(&self, page: usize, chapter: usize, n: u32) -> Option<Dest> {
        let from = self.0.partition_point(|d| (d.page as usize) < page);
        self.0[from..]
            .iter()
            .take_while(|d| d.page as usize == page)
            .find(|d| (d.chapter as usize, d.n) == (chapter, n))
            .map(|d| Dest {
                page,
                x: d.x,
                y: d.y,
            })
    }
}

/// Where each chapter's reference entries are, for the links to them:
/// each landing in turn (a reference's row, which replaces an earlier
/// landing of its number; the start of its note at the foot of a page,
/// kept only when it has none yet), then, once every page is filled,
/// sorted by chapter and number, one each ([`RefEnds::settle`]). In a
/// hash map by chapter and number they took 2.2 MB of a book of 2,880
/// articles' pages.
struct RefEnds(Vec<RefEnd>);

/// Reference `n` of `chapter` landed at a place of page `page`; whether
/// it replaces an earlier landing.
struct RefEnd {
    chapter: u32,
    n: u32,
    page: u32,
    x: f32,
    y: f32,
    replaces: bool,
}

impl RefEnds {
    /// Reference `n` of `chapter` landed at `d`: replacing an earlier
    /// landing, or only when there is none (`replaces`).
    fn landed(&mut self, chapter: usize, n: u32, d: Dest, replaces: bool) {
        self.0.push(RefEnd {
            chapter: chapter as u32,
            n,
            page: d.page as u32,
            x: d.x,
            y: d.y,
            replaces,
        });
    }

    /// Once every landing is in: one entry a reference, where its landings
    /// leave it, sorted by chapter and number.
    fn settle(&mut self) {
        // (Stable: a reference's landings stay in their order.)
        self.0.sort_by_key(|e| (e.chapter, e.n));
        self.0.dedup_by(|later, kept| {
            let same = (later.chapter, later.n) == (kept.chapter, kept.n);
            if same && later.replaces {
                (kept.page, kept.x, kept.y) = (later.page, later.x, later.y);
            }
            same
        });
        self.0.shrink_to_fit();
    }

    /// Where reference `n` of `chapter` is, once settled.
    fn get(&self, chapter: usize, n: u32) -> Option<Dest> {
        let key = (u32::try_from(chapter).ok()?, n);
        let i = self
            .0
            .binary_search_by_key(&key, |e| (e.chapter, e.n))
            .ok()?;
        let e = &self.0[i];
        Some(Dest {
            page: e.page as usize,
            x: e.x,
            y: e.y,
        })
    }
}

/// A [`PageSink`] taking the pages as they are filled, and what
/// pagination knows for it before the first page: which references have a
/// row in which chapter (with the markers' ends, the targets a link can
/// find).
struct HandOut<'s> {
    sink: &'s mut dyn PageSink,
    /// Where the rows' glyphs wait, when they are not in the rows.
    store: Option<&'s GlyphStore>,
    /// Pages handed out at a time.
    run: usize,
    pages: usize,
    handed_out: usize,
    /// The first pages handed out, which the sink left empty: no longer
    /// in the pages' vector, which holds those after them (18,678 empty
    /// pages of 96 bytes took 1.8 MB of a book of 2,880 corpus articles to
    /// the end of its pagination, its peak).
    gone: usize,
    /// The references with a row, or a note that starts on a page:
    /// (chapter, n), sorted (a set of 40,000 references took 1.1 MB).
    references: Vec<(u32, u32)>,
    /// Lines of the pages not yet handed out whose glyphs wait in the
    /// store: (page, line on the page, where).
    waiting: Vec<(usize, usize, StoredAt)>,
}

/// The markers `links` go back to: (reference, occurrence).
fn cites(links: &[LinkSpan]) -> impl Iterator<Item = (u32, u32)> + '_ {
    links.iter().filter_map(|l| match l.target {
        LinkTarget::Cite(n, k) => Some((n, k)),
        _ => None,
    })
}

/// How many bytes of the notes' glyphs are read from the file at a time,
/// for the glyph set (their lines, read back one after another, are
/// mostly near each other in the file).
const NOTES_READ_AT_ONCE: usize = 64 * 1024;

/// Whether the page of the rows `range` with the notes `notes` is the
/// blank verso before a chapter of a book that starts on a right-hand
/// page: nothing is drawn on it, not even its number.
fn blank_verso(range: &std::ops::Range<usize>, marks: &[ChapterMark], notes: &[NoteRow]) -> bool {
    range.is_empty() && !marks.is_empty() && notes.is_empty()
}

/// What fills each page: the rows `ranges`, and at its foot the lines of
/// notes `foot` (none when they are not at the foot), whose rows are in
/// `notes`; `marks` where a book's chapters start (none for an article).
struct Plan<'p> {
    ranges: &'p [std::ops::Range<usize>],
    foot: &'p [Vec<NoteRow>],
    notes: &'p [NoteSet],
    marks: &'p [ChapterMark],
}

impl<'s> HandOut<'s> {
    /// Gives `sink` every glyph run of the pages of `plan` made of `rows`,
    /// in their order (a book page's running head, the page's rows, its
    /// notes, then its number), those that wait in `store` read from
    /// there; and the ends of the markers with a row that a back-link of
    /// the rows or the notes goes to, to fill.
    fn new(
        sink: &'s mut dyn PageSink,
        run: usize,
        rows: &Rows,
        plan: Plan<'_>,
        store: Option<&'s GlyphStore>,
        style: &Style,
        fonts: &mut Fonts,
    ) -> (Self, MarkerEnds) {
        let (ranges, marks) = (plan.ranges, plan.marks);
        let mut reader = store.map(GlyphStore::reader);
        // A run's glyphs read back, in one buffer for all.
        let mut glyphs = Vec::new();
        // The references with a row, or a note that starts on a page.
        let mut references = Vec::new();
        // Every marker with a row, and every marker a back-link goes to, by
        // chapter.
        let (mut citations, mut wanted) = (Vec::new(), Vec::new());
        for page in plan.foot {
            let read = notes::each_row(page, plan.notes, |nr, row, labelled| {
                if nr.first {
                    references.push((nr.chapter as u32, nr.n));
                }
                if labelled {
                    of_chapter(&mut wanted, nr.chapter).push((nr.n, nr.k));
                }
                of_chapter(&mut wanted, nr.chapter).extend(cites(&row.line.links));
            });
            if let Err(e) = read {
                sink.failed(e);
            }
        }
        let foot_of = |pi: usize| plan.foot.get(pi).map_or(&[][..], Vec::as_slice);
        // A book page's running head, before its rows.
        let start_of = |sink: &mut dyn PageSink, pi: usize, fonts: &mut Fonts| {
            let range = &ranges[pi];
            // (A blank verso's rows start a chapter: it has none.)
            if chapter_starts(marks, range.start) {
                return;
            }
            if let Some(title) = marks
                .get(chapter_of(marks, range.start))
                .and_then(|m| m.head.as_deref())
            {
                for run in &running_head(title, style, fonts).line.runs {
                    sink.glyphs(run);
                }
            }
        };
        // A page's notes and its number, after its rows. (The notes' lines
        // whose glyphs wait in the file are read back with a reader of
        // their own, a copy of each line at a time.)
        let mut note_reader = store.map(|s| s.reader_of(NOTES_READ_AT_ONCE));
        let mut end_of = |sink: &mut dyn PageSink, pi: usize, fonts: &mut Fonts| {
            let lines = foot_of(pi);
            if blank_verso(&ranges[pi], marks, lines) {
                return;
            }
            let read = notes::each_row(lines, plan.notes, |nr, row, labelled| {
                if labelled {
                    sink.glyphs(&notes::label(nr, row.size, fonts).0);
                }
                if let (Some(at), Some(reader)) = (row.stored, &mut note_reader) {
                    let mut line = row.line.clone();
                    match reader.restore(&mut line, at) {
                        Ok(()) => line.runs.iter().for_each(|run| sink.glyphs(run)),
                        Err(e) => sink.failed(e),
                    }
                    return;
                }
                for run in &row.line.runs {
                    sink.glyphs(run);
                }
            });
            if let Err(e) = read {
                sink.failed(e);
            }
            for run in &folio(&(pi + 1).to_string(), style, fonts).line.runs {
                sink.glyphs(run);
            }
        };
        // The page of the rows to come: the pages before it have had all
        // their glyphs, this one its running head.
        let mut page = 0;
        if !ranges.is_empty() {
            start_of(sink, 0, fonts);
        }
        // The rows in order (those that wait in a file read back a chunk
        // at a time), each page's number after its rows.
        let visited = rows.visit(|i, r| {
            while ranges.get(page).is_some_and(|range| i >= range.end) {
                end_of(sink, page, fonts);
                page += 1;
                if page < ranges.len() {
                    start_of(sink, page, fonts);
                }
            }
            let chapter = chapter_of(marks, i);
            references.extend(r.reference.map(|n| (chapter as u32, n)));
            of_chapter(&mut citations, chapter)
                .extend(r.line.markers.iter().map(|&(_, n, k)| (n, k)));
            of_chapter(&mut wanted, chapter).extend(cites(&r.line.links));
            let (Some(reader), Some(at)) = (&mut reader, r.stored) else {
                for run in &r.line.runs {
                    sink.glyphs(run);
                }
                return;
            };
            let read = reader.runs(at).and_then(|stored| {
                let first = first_stored(&r.line, stored.len())?;
                for run in &r.line.runs[..first] {
                    sink.glyphs(run);
                }
                for (run, stored) in r.line.runs[first..].iter().zip(stored) {
                    glyphs.clear();
                    glyphs.extend(super::glyph_store::glyphs(stored));
                    let full = Run {
                        glyphs: std::mem::take(&mut glyphs),
                        ..run.clone()
                    };
                    sink.glyphs(&full);
                    glyphs = full.glyphs;
                }
                Ok(())
            });
            if let Err(e) = read {
                sink.failed(e);
            }
        });
        if let Err(e) = visited {
            sink.failed(e);
        }
        for pi in page..ranges.len() {
            if pi > page {
                start_of(sink, pi, fonts);
            }
            end_of(sink, pi, fonts);
        }
        wanted.resize_with(citations.len().max(wanted.len()), Vec::new);
        for (chapter, wanted) in wanted.iter_mut().enumerate() {
            let citations = of_chapter(&mut citations, chapter);
            citations.sort_unstable();
            wanted.sort_unstable();
            wanted.dedup();
            wanted.retain(|c| citations.binary_search(c).is_ok());
        }
        references.sort_unstable();
        references.dedup();
        references.shrink_to_fit();
        let out = HandOut {
            sink,
            store,
            run: run.max(1),
            pages: ranges.len(),
            handed_out: 0,
            gone: 0,
            waiting: Vec::new(),
            references,
        };
        let ends = MarkerEnds::Wanted {
            dests: wanted.iter().map(|w| vec![None; w.len()]).collect(),
            wanted,
        };
        (out, ends)
    }

    /// Whether a link of `chapter` to `target` finds a destination (links
    /// stay in their chapter), its markers' ends `markers`.
    fn finds(&self, target: &LinkTarget, chapter: usize, markers: &MarkerEnds) -> bool {
        match target {
            LinkTarget::Reference(n) => {
                self.references.binary_search(&(chapter as u32, *n)).is_ok()
            }
            LinkTarget::Cite(n, k) => markers.kept(chapter, *n, *k),
            LinkTarget::Uri(_) => true,
            LinkTarget::Chapter(_) => false,
        }
    }

    /// Hands the pages filled since the last run out when a run is
    /// complete, or the last page is, with the glyphs of their lines read
    /// back from the store first (the pages in parallel). `pages` holds
    /// the pages from the first not [`HandOut::gone`]: while the sink
    /// leaves every page it is handed empty, they go.
    fn filled(&mut self, pages: &mut Vec<Page>, structure: &[StructNode]) {
        let filled = self.gone + pages.len();
        if filled - self.handed_out != self.run && filled != self.pages {
            return;
        }
        let first = self.handed_out - self.gone;
        if let Some(store) = self.store
            && !self.waiting.is_empty()
        {
            use rayon::prelude::*;
            let mut by_page = vec![Vec::new(); pages.len() - first];
            for (pi, li, at) in self.waiting.drain(..) {
                by_page[pi - self.handed_out].push((li, at));
            }
            // A page's lines were mostly written one after another: each
            // worker reads 64 KiB at a time.
            let failed: Option<std::io::Error> = pages[first..]
                .par_iter_mut()
                .zip(by_page)
                .map_init(
                    || store.reader_of(64 * 1024),
                    |reader, (page, lines)| {
                        lines.into_iter().find_map(|(li, at)| {
                            let line = &mut page.lines.get_mut(li)?.line;
                            reader.restore(line, at).err()
                        })
                    },
                )
                .find_any(Option::is_some)
                .flatten();
            if let Some(e) = failed {
                self.sink.failed(e);
            }
        }
        self.sink.pages(&mut pages[first..], structure);
        self.handed_out = filled;
        // (Pages handed out before these are still here when the sink left
        // something in one: from it on, every page is kept.)
        if first == 0 && pages.iter().all(Page::is_empty) {
            self.gone += pages.len();
            pages.clear();
        }
    }
}

/// Rows that could not be read back from their file leave the pages
/// incomplete: the sink hears of it, whether it takes the pages or not.
fn unreadable(
    e: std::io::Error,
    sink: &mut Option<HandOut>,
    declined: &mut Option<&mut dyn PageSink>,
) {
    match (sink, declined) {
        (Some(out), _) => out.sink.failed(e),
        (None, Some(s)) => s.failed(e),
        (None, None) => {}
    }
}

/// Which rows fill each page, and at its foot which lines of notes (none
/// when the notes are not at the foot): decided from what stays in memory
/// of the rows (their sizes, and their markers when there are notes to
/// place), before any page is filled, so that a book knows where its
/// chapters start before its front matter is set.
pub(super) struct PagePlan {
    pub(super) ranges: Vec<std::ops::Range<usize>>,
    pub(super) foot: Option<Vec<Vec<NoteRow>>>,
}

impl PagePlan {
    /// The page where row `row` is placed, if any.
    pub(super) fn page_of(&self, row: usize) -> Option<usize> {
        let pi = self.ranges.partition_point(|r| r.end <= row);
        self.ranges.get(pi)?.contains(&row).then_some(pi)
    }
}

/// The chapter of row `i` among `marks` (0 outside books).
fn chapter_of(marks: &[ChapterMark], i: usize) -> usize {
    marks.partition_point(|m| m.start <= i).saturating_sub(1)
}

/// Whether a chapter of `marks` starts at row `i`. The marks are in the
/// order of their rows (`chapter_of` reads them so too): searched, not
/// scanned, as this is asked of every row (scanned, a book of 2,880
/// chapters spent some 4% of its time here).
fn chapter_starts(marks: &[ChapterMark], i: usize) -> bool {
    marks.binary_search_by(|m| m.start.cmp(&i)).is_ok()
}

/// The pages `rows` fill (see [`PagePlan`]): each chapter of `marks` starts
/// a page (with `recto`, an odd-numbered one); `notes` go at the foot of
/// the page when there are any.
pub(super) fn plan_pages(
    rows: &Rows,
    style: &Style,
    marks: &[ChapterMark],
    recto: bool,
    notes: &[NoteSet],
) -> PagePlan {
    let p = &style.page;
    let chapter_of = |i: usize| chapter_of(marks, i);
    let chapter_starts = |i: usize| chapter_starts(marks, i);
    let body_h = p.height - p.margin_top - p.margin_bottom;
    // Split rows into pages.
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut y = 0.0;
    let mut i = 0;
    while i < rows.len() {
        if i != start && chapter_starts(i) {
            // A chapter starts a page; with `recto` an odd-numbered one.
            ranges.push(start..i);
            if recto && ranges.len() % 2 == 1 {
                ranges.push(i..i);
            }
            start = i;
            y = 0.0;
        }
        let r = rows.size(i);
        let sb = if i == start {
            0.0
        } else {
            r.space_before.max(rows.size(i - 1).space_after)
        };
        if i == start || y + sb + r.leading <= body_h + 0.01 {
            y += sb + r.leading;
            i += 1;
            continue;
        }
        let j = (start + 1..=i)
            .rev()
            .find(|&j| rows.size(j).break_before)
            .unwrap_or(i);
        ranges.push(start..j);
        start = j;
        i = j;
        y = 0.0;
    }
    if start < rows.len() || ranges.is_empty() {
        ranges.push(start..rows.len());
    }
    // Notes at the foot of the page: the pages are filled again, with the
    // notes' space reserved (`notes.rs`; from what stays in memory of the
    // rows that wait in a file).
    let mut foot = None;
    if notes.iter().any(|n| !n.is_empty()) {
        let f = notes::foot_pages(rows, notes, style, &chapter_of, &chapter_starts, recto);
        ranges = f.ranges;
        foot = Some(f.notes);
    }
    PagePlan { ranges, foot }
}

/// Fills the pages of `plan` with the rows of `flowed` (see
/// [`plan_pages`]), handing them to `sink` as they are filled when it
/// takes them.
#[allow(clippy::too_many_arguments)]
pub(super) fn paginate(
    flowed: Flowed,
    plan: PagePlan,
    style: &Style,
    fonts: &mut Fonts,
    marks: &[ChapterMark],
    notes: &[NoteSet],
    sink: Option<&mut dyn PageSink>,
) -> Layout {
    let Flowed {
        mut rows,
        missing,
        structure,
        store,
    } = flowed;
    let p = &style.page;
    let chapter_of = |i: usize| chapter_of(marks, i);
    let chapter_starts = |i: usize| chapter_starts(marks, i);
    let PagePlan { ranges, mut foot } = plan;
    // The chapter of each page, for the links of a book handed out.
    let page_chapters: Vec<usize> = if marks.is_empty() {
        Vec::new()
    } else {
        ranges.iter().map(|r| chapter_of(r.start)).collect()
    };
    // A sink takes the pages as they are filled. It is given every glyph
    // first, in the pages' order; and each page's links as soon as the
    // page is filled, which are those whose reference or citation has a
    // row or a note in their chapter (the rest find no destination, below).
    // A sink that does not take them still hears of glyphs that could not
    // be read back.
    let mut declined = None;
    let mut reader = store.as_ref().map(GlyphStore::reader);
    // Markers' link ends by chapter: (chapter, n, k) (with a sink, only
    // those its back-links go to).
    let mut chapter_markers = MarkerEnds::All(HashMap::new());
    let mut sink = match sink {
        Some(s) => match s.begin(ranges.len()) {
            Some(run) => {
                let plan = Plan {
                    ranges: &ranges,
                    foot: foot.as_deref().unwrap_or_default(),
                    notes,
                    marks,
                };
                let (out, ends) = HandOut::new(s, run, &rows, plan, store.as_ref(), style, fonts);
                chapter_markers = ends;
                Some(out)
            }
            None => {
                declined = Some(s);
                None
            }
        },
        None => None,
    };
    // Rows that wait in a file (`rows.rs`) come back whole for a layout
    // kept whole; they are read a page at a time only by a sink.
    if sink.is_none()
        && let Err(e) = rows.load(0..rows.len())
    {
        unreadable(e, &mut sink, &mut declined);
    }
    // Where each note starts, page after page.
    let mut note_dests = NoteDests::default();
    // One page a range (grown a page at a time, a book of 18,678 pages
    // had room for 32,768: 1.3 MB more); with a sink, a run of pages,
    // until it leaves one with something in it (`HandOut::gone`).
    let mut pages = Vec::with_capacity(sink.as_ref().map_or(ranges.len(), |out| out.run));
    let mut outline = Vec::new();
    // Where each marker and reference first landed, for the layout
    // (`Layout::markers`): not with a sink, whose PDF does not read them
    // (a long article's took 3.3 MB until its file was written).
    let first_ends = sink.is_none();
    let mut markers = HashMap::new();
    let mut references = HashMap::new();
    // References' link ends by chapter: room for one landing each of
    // those a sink found.
    let found = sink.as_ref().map_or(0, |out| out.references.len());
    let mut chapter_refs = RefEnds(Vec::with_capacity(found));
    // Room for every link of the rows (the notes at the foot of the page
    // may add more). With a sink, a page's links go into the page as it is
    // filled, and only that page's wait here (all of a long article's
    // took 4.3 MB of the seed ×1,500's peak, beside the same links in the
    // pages).
    let mut pending_links: Vec<Pending> = if sink.is_some() {
        Vec::new()
    } else {
        Vec::with_capacity(rows.iter().map(|r| r.line.links.len()).sum())
    };
    // The first row that the pages from each on read (a page reads its
    // rows, and the row before its first): the rows before it are freed
    // once the page before is filled.
    let mut first_read: Vec<usize> = ranges.iter().map(|r| r.start.saturating_sub(1)).collect();
    for pi in (1..first_read.len()).rev() {
        first_read[pi - 1] = first_read[pi - 1].min(first_read[pi]);
    }
    for (pi, range) in ranges.into_iter().enumerate() {
        rows.free_before(first_read[pi]);
        if let Err(e) = rows.load(range.start.saturating_sub(1)..range.end) {
            unreadable(e, &mut sink, &mut declined);
        }
        // Room for its rows' lines, a running head and the page number (a
        // page's vector grown a line at a time held a third more).
        let mut page = Page {
            lines: Vec::with_capacity(range.len() + 2),
            ..Page::default()
        };
        let page_notes = foot
            .as_mut()
            .map(|f| std::mem::take(&mut f[pi]))
            .unwrap_or_default();
        if blank_verso(&range, marks, &page_notes) {
            // The blank verso before a recto chapter: no number, no head.
            pages.push(page);
            if let Some(out) = &mut sink {
                out.filled(&mut pages, structure.nodes());
            }
            continue;
        }
        let chapter = chapter_of(range.start);
        if let Some(title) = marks.get(chapter).and_then(|m| m.head.as_deref())
            && !chapter_starts(range.start)
        {
            page.lines.push(running_head(title, style, fonts));
        }
        let mut y = p.margin_top;
        let first_pending = pending_links.len();
        let mut frames: Vec<(usize, f32, f32, f32, f32)> = Vec::new();
        for i in range.clone() {
            let r = &rows[i];
            if i != range.start {
                y += r.space_before.max(rows[i - 1].space_after);
            }
            let top = y;
            let baseline = top + baseline_in(r.leading, r.size);
            if let Some((title, level)) = r.outline.as_deref() {
                outline.push(OutlineItem {
                    title: title.clone(),
                    level: *level,
                    dest: Dest {
                        page: pi,
                        x: r.x,
                        y: top,
                    },
                });
            }
            let ch = chapter_of(i);
            if let Some(n) = r.reference {
                let d = Dest {
                    page: pi,
                    x: r.x,
                    y: top,
                };
                if first_ends {
                    references.entry(n).or_insert(d);
                }
                chapter_refs.landed(ch, n, d, true);
            }
            for &(mx, n, k) in &r.line.markers {
                let d = Dest {
                    page: pi,
                    x: r.x + mx,
                    y: top,
                };
                if first_ends {
                    markers.entry((n, k)).or_insert(d);
                }
                chapter_markers.landed(ch, n, k, d);
            }
            // The line's index on the page, once it is placed below.
            let li = page.lines.len();
            for (si, l) in r.line.links.iter().enumerate() {
                let rect = [r.x + l.x0, top, r.x + l.x1, top + r.leading];
                pending_links.push(Pending {
                    page: pi,
                    chapter: ch,
                    rect,
                    target: l.target.clone(),
                    source: (li, si),
                });
            }
            if let Some((a, b)) = r.rule {
                page.rules.push(RuleLine {
                    x0: a,
                    x1: b,
                    y: top + r.leading / 2.0,
                    width: 0.4,
                });
            }
            if let Some(f) = r.frame {
                match frames.iter_mut().find(|fr| fr.0 == f) {
                    Some(fr) => fr.4 = top + r.leading,
                    None => frames.push((f, r.x, r.x + r.line.measure, top, top + r.leading)),
                }
            }
            let (x, role, block, leading) = (r.x, r.role, r.block, r.leading);
            let (node, label) = (r.node, r.label);
            // Pages handed out get their lines' glyphs back as they go,
            // the others now.
            if let Some(at) = rows[i].stored.take() {
                match (&mut sink, &mut reader) {
                    // (A line without runs is not placed, and has no glyphs.)
                    (Some(out), _) if !rows[i].line.runs.is_empty() => {
                        out.waiting.push((pi, page.lines.len(), at))
                    }
                    (Some(_), _) => {}
                    (None, Some(reader)) => {
                        if let (Err(e), Some(s)) =
                            (reader.restore(&mut rows[i].line, at), &mut declined)
                        {
                            s.failed(e);
                        }
                    }
                    (None, None) => {}
                }
            }
            if !rows[i].line.runs.is_empty() {
                // Moved, not copied: a row's line is placed once.
                let line = std::mem::take(&mut rows[i].line);
                page.lines.push(PlacedLine {
                    x,
                    baseline,
                    top,
                    line,
                    role,
                    block,
                    node,
                    label,
                });
            }
            y = top + leading;
        }
        // A note's line whose glyphs wait in the file gets them back as
        // the page's other lines do.
        let mut stored_note =
            |li: usize, line: &mut Line, at: StoredAt| match (&mut sink, &mut reader) {
                (Some(out), _) => out.waiting.push((pi, li, at)),
                (None, Some(reader)) => {
                    if let (Err(e), Some(s)) = (reader.restore(line, at), &mut declined) {
                        s.failed(e);
                    }
                }
                (None, None) => {}
            };
        let (starts, read) = notes::place(
            &mut page,
            pi,
            page_notes,
            notes,
            style,
            fonts,
            &mut pending_links,
            &mut stored_note,
        );
        if let Err(e) = read {
            unreadable(e, &mut sink, &mut declined);
        }
        for ((ch, n), d) in starts {
            note_dests.push(ch, n, d);
            if first_ends {
                references.entry(n).or_insert(d);
            }
            chapter_refs.landed(ch, n, d, false);
        }
        let pad = style.figure.padding;
        for (_, x0, x1, t, b) in frames {
            page.frames.push(Frame {
                rect: [x0 - pad, t - pad, x1 + pad, b + pad],
                width: style.figure.frame,
            });
        }
        // Page number.
        page.lines.push(folio(&(pi + 1).to_string(), style, fonts));
        if let Some(out) = &mut sink {
            let found = |l: &&Pending| out.finds(&l.target, l.chapter, &chapter_markers);
            let links = &pending_links[first_pending..];
            page.links
                .reserve_exact(links.iter().filter(|l| found(l)).count());
            for l in links.iter().filter(found) {
                page.links.push(PageLink {
                    rect: l.rect,
                    // Set below, once every destination is known.
                    to: LinkTo::Dest(Dest {
                        page: pi,
                        x: 0.0,
                        y: 0.0,
                    }),
                    target: l.target.clone(),
                    source: Some(l.source),
                });
            }
            pending_links.clear();
            pages.push(page);
            out.filled(&mut pages, structure.nodes());
            continue;
        }
        pages.push(page);
    }
    // The rows (their lines moved into the pages) are not read again: their
    // room goes before the pages' links are made.
    drop(rows);
    // Pages gone before a page the sink left something in come back,
    // empty, so that the layout's pages are all its pages, or none.
    if let Some(out) = &sink
        && out.gone > 0
        && !pages.is_empty()
    {
        pages.splice(0..0, std::iter::repeat_with(Page::default).take(out.gone));
    }
    chapter_refs.settle();
    // Where a link of `page` in `chapter` to `target` goes, if anywhere.
    let destination = |page: usize, chapter: usize, target: &LinkTarget| match target {
        LinkTarget::Reference(n) => note_dests
            .get(page, chapter, *n)
            .or_else(|| chapter_refs.get(chapter, *n))
            .map(LinkTo::Dest),
        LinkTarget::Cite(n, k) => chapter_markers.get(chapter, *n, *k).map(LinkTo::Dest),
        LinkTarget::Uri(u) => Some(LinkTo::Uri(u.clone())),
        LinkTarget::Chapter(_) => None,
    };
    if let Some(out) = &mut sink {
        // The pages hold their links already (those that find a
        // destination, `HandOut::finds`), or the sink took them.
        let chapter = |pi: usize| page_chapters.get(pi).copied().unwrap_or(0);
        for (pi, page) in pages.iter_mut().enumerate() {
            for link in &mut page.links {
                if let Some(to) = destination(pi, chapter(pi), &link.target) {
                    link.to = to;
                }
            }
        }
        out.sink
            .link_ends(&|pi, target| destination(pi, chapter(pi), target));
    } else {
        // Each page's links at their number (grown a link at a time, a
        // long article's held half as much again).
        let mut per_page = vec![0usize; pages.len()];
        for l in &pending_links {
            per_page[l.page] += 1;
        }
        for (page, n) in pages.iter_mut().zip(per_page) {
            page.links.reserve_exact(n);
        }
        for Pending {
            page: pi,
            chapter: ch,
            rect,
            target,
            source,
        } in pending_links
        {
            if let Some(to) = destination(pi, ch, &target) {
                pages[pi].links.push(PageLink {
                    rect,
                    to,
                    target,
                    source: Some(source),
                });
            }
        }
    }
    Layout {
        width: p.width,
        height: p.height,
        pages,
        outline,
        missing,
        markers,
        references,
        page_labels: Vec::new(),
        structure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reference's row replaces where it landed before, its note's start
    /// does not; each chapter's references are their own; a reference
    /// that never landed is nowhere.
    #[test]
    fn a_reference_is_where_its_landings_leave_it() {
        let at = |page: usize, x: f32| Dest { page, x, y: 7.5 };
        let mut ends = RefEnds(Vec::new());
        ends.landed(1, 1, at(4, 1.0), false);
        ends.landed(0, 2, at(0, 2.0), false);
        ends.landed(0, 1, at(1, 3.0), true);
        ends.landed(0, 1, at(2, 4.0), false);
        ends.landed(0, 2, at(3, 5.0), true);
        ends.landed(1, 1, at(5, 6.0), false);
        ends.landed(0, 2, at(6, 8.0), false);
        ends.settle();
        assert_eq!(ends.0.len(), 3);
        assert_eq!(ends.get(0, 1), Some(at(1, 3.0)));
        assert_eq!(ends.get(0, 2), Some(at(3, 5.0)));
        assert_eq!(ends.get(1, 1), Some(at(4, 1.0)));
        assert_eq!(ends.get(0, 3), None);
        assert_eq!(ends.get(2, 1), None);
    }

    /// A chapter starts at every row a mark gives, and nowhere else:
    /// with a chapter of no rows (two marks at one row), at the first row
    /// and at the last.
    #[test]
    fn chapter_starts_where_a_mark_is() {
        for starts in [&[][..], &[0], &[0, 3, 3, 7], &[2, 4, 9], &[0, 1, 2, 3]] {
            let marks: Vec<ChapterMark> = starts
                .iter()
                .map(|&start| ChapterMark { start, head: None })
                .collect();
            for i in 0..11 {
                assert_eq!(
                    chapter_starts(&marks, i),
                    starts.contains(&i),
                    "{starts:?} {i}"
                );
            }
        }
    }
}
