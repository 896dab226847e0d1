//! Notes at the foot of the page (`--notes foot`).
//!
//! The page builder reserves the notes' space while it fills a page, as
//! TeX's insertions do: a body row is taken only if it fits together with
//! the notes of the references it cites that the page does not carry yet
//! (with the notes already on the page, and what a long note continued
//! from the page before). A row that does not fit goes to the next page
//! with its notes (the page breaks where the rows allow it: widows,
//! orphans, headings kept with what follows, as without notes). A long
//! note may split: when a row fits with at least [`MIN_SPLIT_LINES`] lines
//! of its last new note, the rest of that note continues at the top of the
//! next page's notes, its first line labelled `n (cont.)`.
//!
//! A page that cites a note continuing from the page before gives it
//! whole (in full form) and drops the continuation.
//!
//! Each page's notes sit at the foot of the text block under a short rule,
//! in the order of the first citation on the page; a reference cited again
//! on a later page is repeated there in full, or in its short form with
//! `[notes] repeat = "short"` ([`super::matter`]'s `short_form`).

use super::flow::Row;
use super::note_set::{NoteLine, NoteSet};
use super::style::NoteRepeat;
use super::*;
use std::collections::HashSet;
use std::ops::Range;

/// A note is split only if at least this many of its lines stay on the
/// page of its citation, and as many go to the next.
pub(super) const MIN_SPLIT_LINES: usize = 2;

/// One line of a note, for a page's foot: which line of which form of
/// which note, and the room it takes (its row stays in the [`NoteSet`]
/// until the page is filled: a clone of each row for every page that
/// carries it took most of a long article's memory).
#[derive(Debug, Clone)]
pub(super) struct NoteRow {
    /// Its line in the note's form.
    pub(super) line: usize,
    /// The note's short form (else its full form).
    pub(super) short: bool,
    /// Its row's height and the space before it.
    pub(super) leading: f32,
    pub(super) space_before: f32,
    /// The chapter (0 in an article).
    pub(super) chapter: usize,
    /// Its reference.
    pub(super) n: u32,
    /// The occurrence of the marker its number links back to.
    pub(super) k: u32,
    /// The note's first line; else a line of a note continued.
    pub(super) first: bool,
}

/// The height a line takes in the notes area (the entry space before a
/// note's first line included).
fn row_height(r: &NoteRow) -> f32 {
    r.leading + if r.first { r.space_before } else { 0.0 }
}

/// What continues from the page before takes at most this part of the
/// text block's height: the page's own text and notes get the rest.
const CARRY_SHARE: f32 = 0.5;

/// How many of `rows` fit one after the other in `room`.
fn fit(rows: &[NoteRow], room: f32) -> usize {
    let mut used = 0.0;
    rows.iter()
        .take_while(|r| {
            used += row_height(r);
            used <= room + 0.01
        })
        .count()
}

/// The height of a page's notes area holding lines `h` high in all: the
/// space above the rule and below it, then the lines.
fn area(style: &Style, h: f32) -> f32 {
    if h > 0.0 {
        style.notes.space_before + style.notes.space_after_rule + h
    } else {
        0.0
    }
}

/// The pages: the body rows of each, and the note lines at its foot.
pub(super) struct FootPages {
    pub(super) ranges: Vec<Range<usize>>,
    pub(super) notes: Vec<Vec<NoteRow>>,
}

/// Fills pages with `rows`, reserving the notes' space (see the module
/// docs). `chapter_of` and `chapter_starts` say where the chapters of a
/// book are; each starts a page (an odd-numbered one with `recto`), and a
/// note still continuing at a chapter's end gets pages of its own before it.
pub(super) fn foot_pages(
    rows: &Rows,
    notes: &[NoteSet],
    style: &Style,
    chapter_of: &dyn Fn(usize) -> usize,
    chapter_starts: &dyn Fn(usize) -> bool,
    recto: bool,
) -> FootPages {
    let p = &style.page;
    let body_h = p.height - p.margin_top - p.margin_bottom;
    let mut b = Builder {
        rows,
        notes,
        style,
        body_h,
        out: FootPages {
            ranges: Vec::new(),
            notes: Vec::new(),
        },
        seen: HashSet::new(),
        carry: Vec::new(),
    };
    // (The rows may wait in a file: what is read of them here stays in
    // memory, `Rows::size` and `Rows::markers`.)
    let space = |i: usize, start: usize| {
        if i == start {
            0.0
        } else {
            rows.size(i).space_before.max(rows.size(i - 1).space_after)
        }
    };
    let (mut start, mut i, mut y) = (0, 0, 0.0);
    // References whose notes the page carries so far, and their height
    // (with what continues from the page before).
    let mut on_page: Vec<u32> = Vec::new();
    let mut h = 0.0;
    while i < rows.len() {
        if i != start && chapter_starts(i) {
            b.finish(start..i, chapter_of(start));
            b.flush(chapter_of(start));
            if recto && b.out.ranges.len() % 2 == 1 {
                b.out.ranges.push(i..i);
                b.out.notes.push(Vec::new());
            }
            (start, y, h) = (i, 0.0, 0.0);
            on_page.clear();
        }
        let r = rows.size(i);
        let ch = chapter_of(i);
        let sb = space(i, start);
        let mut new: Vec<u32> = Vec::new();
        for (n, _) in rows.markers(i) {
            if !on_page.contains(&n) && !new.contains(&n) && b.has_note(ch, n) {
                new.push(n);
            }
        }
        let heights: Vec<f32> = new.iter().map(|&n| b.height(ch, n)).collect();
        let add: f32 = heights.iter().sum();
        if i == start || y + sb + r.leading + area(style, h + add) <= body_h + 0.01 {
            y += sb + r.leading;
            h += add;
            on_page.extend(new);
            i += 1;
            continue;
        }
        // The row fits with all but the end of its last new note, and the
        // page may end after it: the note is split.
        let may_end = i + 1 == rows.len() || rows.size(i + 1).break_before || chapter_starts(i + 1);
        if let (Some(&last), true) = (new.last(), may_end && i > start) {
            let lines = b.lines(ch, last);
            let before: f32 = heights[..heights.len() - 1].iter().sum();
            let head: f32 = lines
                .iter()
                .take(MIN_SPLIT_LINES)
                .enumerate()
                .map(|(j, l)| l.leading + if j == 0 { l.space_before } else { 0.0 })
                .sum();
            if lines.len() >= 2 * MIN_SPLIT_LINES
                && y + sb + r.leading + area(style, h + before + head) <= body_h + 0.01
            {
                b.finish(start..i + 1, ch);
                (start, i, y) = (i + 1, i + 1, 0.0);
                h = b.carry_height();
                on_page.clear();
                continue;
            }
        }
        let j = (start + 1..=i)
            .rev()
            .find(|&j| rows.size(j).break_before)
            .unwrap_or(i);
        b.finish(start..j, chapter_of(start));
        (start, i, y) = (j, j, 0.0);
        h = b.carry_height();
        on_page.clear();
    }
    if start < rows.len() || b.out.ranges.is_empty() {
        b.finish(start..rows.len(), chapter_of(start));
    }
    b.flush(chapter_of(start));
    b.out
}

/// The state of [`foot_pages`].
struct Builder<'r> {
    rows: &'r Rows,
    notes: &'r [NoteSet],
    style: &'r Style,
    body_h: f32,
    out: FootPages,
    /// Notes already given (chapter, n): later pages get the repeat form.
    seen: HashSet<(usize, u32)>,
    /// Lines of a note continued on the next page.
    carry: Vec<NoteRow>,
}

impl Builder<'_> {
    /// The most room what continues may take on a page.
    fn carry_room(&self) -> f32 {
        self.body_h * CARRY_SHARE
    }

    /// The height of what continues from the page before that the next
    /// page takes.
    fn carry_height(&self) -> f32 {
        let k = fit(&self.carry, self.carry_room());
        self.carry[..k].iter().map(row_height).sum()
    }

    /// Whether reference `n` of chapter `ch` has a note.
    fn has_note(&self, ch: usize, n: u32) -> bool {
        self.notes.get(ch).is_some_and(|set| set.contains(n))
    }

    /// The lines note `n` of chapter `ch` takes on the next page to finish.
    fn lines(&self, ch: usize, n: u32) -> &[NoteLine] {
        self.form(ch, n).0
    }

    /// [`Builder::lines`], and whether they are the note's short form.
    fn form(&self, ch: usize, n: u32) -> (&[NoteLine], bool) {
        let Some(set) = self.notes.get(ch) else {
            return (&[], false);
        };
        let short = self.seen.contains(&(ch, n)) && self.style.notes.repeat == NoteRepeat::Short;
        (set.lines(n, short), short)
    }

    fn height(&self, ch: usize, n: u32) -> f32 {
        self.lines(ch, n)
            .iter()
            .enumerate()
            .map(|(j, l)| l.leading + if j == 0 { l.space_before } else { 0.0 })
            .sum()
    }

    /// Ends a page with the body rows `range`: its notes are what continues
    /// from the page before, then the notes of the references cited in
    /// `range`, in the order of their first citation; what does not fit
    /// continues on the next page.
    fn finish(&mut self, range: Range<usize>, ch: usize) {
        let rows = self.rows;
        let mut body = 0.0;
        let mut order: Vec<(u32, u32)> = Vec::new();
        for i in range.clone() {
            if i != range.start {
                body += rows.size(i).space_before.max(rows.size(i - 1).space_after);
            }
            body += rows.size(i).leading;
            for (n, k) in rows.markers(i) {
                if !order.iter().any(|o| o.0 == n) && self.has_note(ch, n) {
                    order.push((n, k));
                }
            }
        }
        let mut fresh = Vec::new();
        // Notes given here in full: what would continue of them from the
        // page before is left out (the full note says it all).
        let mut whole = Vec::new();
        for (n, k) in order {
            let (lines, short) = self.form(ch, n);
            // (Every reference in `order` has a note.)
            if !short {
                whole.push(n);
            }
            for (j, row) in lines.iter().enumerate() {
                fresh.push(NoteRow {
                    line: j,
                    short,
                    leading: row.leading,
                    space_before: row.space_before,
                    chapter: ch,
                    n,
                    k,
                    first: j == 0,
                });
            }
            self.seen.insert((ch, n));
        }
        let mut carry = std::mem::take(&mut self.carry);
        carry.retain(|r| r.chapter != ch || !whole.contains(&r.n));
        let avail =
            self.body_h - body - self.style.notes.space_before - self.style.notes.space_after_rule;
        // Every new note keeps at least its first line here: the lines
        // continued from before give way first.
        let reserve: f32 = fresh.iter().filter(|r| r.first).map(row_height).sum();
        let kc = fit(&carry, (avail - reserve).min(self.carry_room()).max(0.0));
        let used: f32 = carry[..kc].iter().map(row_height).sum();
        let mut kf = fit(&fresh, avail - used);
        // A note split leaves two lines or more on each side when it can.
        if kf < fresh.len() && !fresh[kf].first {
            let n = fresh[kf].n;
            let start = fresh[..kf]
                .iter()
                .rposition(|r| r.first && r.n == n)
                .unwrap_or(0);
            let end = fresh[kf..]
                .iter()
                .position(|r| r.n != n)
                .map_or(fresh.len(), |e| kf + e);
            let (here, there) = (kf - start, end - kf);
            if there < MIN_SPLIT_LINES && here > MIN_SPLIT_LINES {
                kf -= (MIN_SPLIT_LINES - there).min(here - MIN_SPLIT_LINES);
            }
        }
        let mut page = Vec::with_capacity(kc + kf);
        let mut rest = Vec::new();
        for (j, r) in carry.into_iter().enumerate() {
            if j < kc { page.push(r) } else { rest.push(r) }
        }
        for (j, r) in fresh.into_iter().enumerate() {
            if j < kf { page.push(r) } else { rest.push(r) }
        }
        self.carry = rest;
        self.out.ranges.push(range);
        self.out.notes.push(page);
    }

    /// Pages of notes only, until nothing continues (at the end of a
    /// chapter or of the document).
    fn flush(&mut self, ch: usize) {
        while !self.carry.is_empty() {
            let at = self.out.ranges.last().map_or(0, |r| r.end);
            let before = self.carry.len();
            self.finish(at..at, ch);
            if self.carry.len() == before {
                // Not even one line fits on an empty page: give it one anyway.
                let r = self.carry.remove(0);
                if let Some(page) = self.out.notes.last_mut() {
                    page.push(r);
                }
            }
        }
    }
}

/// Where each note that starts on a page stands: its chapter and number,
/// and its place.
pub(super) type NoteStarts = Vec<((usize, u32), Dest)>;

/// Places a page's notes at the foot of its text block, under a short
/// rule; each note's first line gets its number (`n.`, or `n (cont.)` when
/// it continues from the page before), linked back to the marker. Returns
/// where each note that starts here stands, and queues the back-links with
/// `links` as the body's links are. A line whose glyphs wait in the file
/// is given to `stored` with its place among the page's lines. A note
/// whose rows cannot be read back leaves its lines out, and the error is
/// returned with the rest.
#[allow(clippy::too_many_arguments)]
pub(super) fn place(
    page: &mut Page,
    pi: usize,
    lines: Vec<NoteRow>,
    notes: &[NoteSet],
    style: &Style,
    fonts: &mut Fonts,
    links: &mut Vec<Pending>,
    stored: &mut dyn FnMut(usize, &mut Line, StoredAt),
) -> (NoteStarts, std::io::Result<()>) {
    let mut starts = Vec::new();
    if lines.is_empty() {
        return (starts, Ok(()));
    }
    let p = &style.page;
    let ns = &style.notes;
    let h: f32 = lines.iter().map(row_height).sum();
    let area_top = p.height - p.margin_bottom - area(style, h);
    let rule_y = area_top + ns.space_before;
    page.rules.push(RuleLine {
        x0: p.margin_inner,
        x1: p.margin_inner + style.measure() * ns.rule_length,
        y: rule_y,
        width: ns.rule_width,
    });
    let mut y = rule_y + ns.space_after_rule;
    let read = each_row(&lines, notes, |nr, r, labelled| {
        if nr.first {
            y += nr.space_before;
        }
        let top = y;
        let mut line = r.line.clone();
        if labelled {
            let (run, link) = label(nr, r.size, fonts);
            line.runs.insert(0, run);
            line.links.push(link);
        }
        if nr.first {
            starts.push((
                (nr.chapter, nr.n),
                Dest {
                    page: pi,
                    x: r.x,
                    y: top,
                },
            ));
        }
        let li = page.lines.len();
        if let Some(at) = r.stored {
            stored(li, &mut line, at);
        }
        for (si, l) in line.links.iter().enumerate() {
            let rect = [r.x + l.x0, top, r.x + l.x1, top + r.leading];
            links.push(Pending {
                page: pi,
                chapter: nr.chapter,
                rect,
                target: l.target.clone(),
                source: (li, si),
            });
        }
        page.lines.push(PlacedLine {
            x: r.x,
            baseline: top + baseline_in(r.leading, r.size),
            top,
            line,
            role: Role::Note,
            block: r.block,
            node: r.node,
            label: None,
        });
        y = top + r.leading;
    });
    (starts, read)
}

/// Gives `each` every line of a page's notes `lines` with its row in
/// `notes` (read back a form at a time when put aside), and whether it is
/// labelled: a note's first line, and the first of its lines continued
/// from the page before. A note whose rows cannot be read back gives none
/// of its lines, and the first such error is returned.
pub(super) fn each_row(
    lines: &[NoteRow],
    notes: &[NoteSet],
    mut each: impl FnMut(&NoteRow, &Row, bool),
) -> std::io::Result<()> {
    let mut result = Ok(());
    let mut prev = None;
    let same_form =
        |a: &NoteRow, b: &NoteRow| (a.chapter, a.n, a.short) == (b.chapter, b.n, b.short);
    for form in lines.chunk_by(same_form) {
        let Some(set) = notes.get(form[0].chapter) else {
            continue;
        };
        let rows = match set.rows(form[0].n, form[0].short) {
            Ok(rows) => rows,
            Err(e) => {
                result = result.and(Err(e));
                continue;
            }
        };
        for nr in form {
            let Some(row) = rows.get(nr.line) else {
                continue;
            };
            let labelled = nr.first || prev != Some((nr.chapter, nr.n));
            prev = Some((nr.chapter, nr.n));
            each(nr, row, labelled);
        }
    }
    result
}

/// The label of a note's line at `size` (`n.` on its first line, `n
/// (cont.)` on the first continued), a run to set before the line in the
/// margin, and its link back to the marker.
pub(super) fn label(nr: &NoteRow, size: f32, fonts: &mut Fonts) -> (Run, LinkSpan) {
    let text = if nr.first {
        format!("{}.", nr.n)
    } else {
        format!("{} (cont.)", nr.n)
    };
    let glyphs = sized_glyphs(fonts, FontKind::Regular, &text, size);
    let w: f32 = glyphs.iter().map(|g| g.advance).sum();
    let gap = size * 0.45;
    let run = Run {
        font: FontKind::Regular,
        size,
        rise: 0.0,
        x: -w - gap,
        glyphs,
    };
    let link = LinkSpan {
        x0: -w - gap,
        x1: -gap,
        target: LinkTarget::Cite(nr.n, nr.k),
    };
    (run, link)
}
