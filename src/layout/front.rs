//! A book's front matter, set after its chapters (whose page numbers it
//! shows): the title page, its verso (the licence: a copyright page) and
//! the contents, numbered in roman (i, ii, iii…; the title page and its
//! verso bear no number). With `recto` a blank page ends it when it would
//! otherwise end on a right-hand page, so that page 1 is a right-hand page.
//!
//! It is planned once ([`Front::plan`]: how many pages, its elements of
//! the structure, the glyphs it lacks) and its pages are set again each
//! time they are wanted ([`Front::pages`]), one after another, each handed
//! on as it is made: a book handed out as it is filled sets them once for
//! the glyph set and once more to draw them, and never holds them all
//! (the contents of 14,400 chapters held some 15 MB of lines and glyphs
//! while the chapters' glyphs were gathered).

use super::*;

/// What the contents says of one chapter.
pub(super) struct Entry<'b> {
    /// Which chapter (0-based).
    pub(super) chapter: usize,
    /// The chapter's title.
    pub(super) title: &'b str,
    /// Its author, when it is not the book's.
    pub(super) author: Option<&'b str>,
    /// Where it begins, among the chapters' pages (not yet shifted by the
    /// front matter's length).
    pub(super) dest: Dest,
}

impl Entry<'_> {
    /// Its page label (arabic).
    fn label(&self) -> String {
        (self.dest.page + 1).to_string()
    }
}

/// The front matter of a book, planned: what it says and how its pages
/// fall. Its pages' links go to chapter-relative destinations.
pub(super) struct Front<'b> {
    cover: &'b Document,
    entries: Vec<Entry<'b>>,
    recto: bool,
    /// The width of the widest page number of the contents.
    numbers: f32,
    /// How many pages it takes.
    pub(super) len: usize,
    /// The first contents page.
    pub(super) contents: usize,
    /// The first entry of each contents page.
    firsts: Vec<usize>,
}

/// What planning the front matter found besides its pages.
pub(super) struct Planned {
    /// The characters its fonts lack.
    pub(super) missing: Vec<MissingGlyph>,
    /// Its elements of the logical structure: element 0 stands for the
    /// book's root, the others are the front matter's, in order; its lines
    /// point into this list (moved by the `base` of [`Front::pages`]).
    pub(super) structure: Structure,
}

/// The front matter's element `k` in the book's structure, where its own
/// elements are moved by `base` and its element 0 is the book's root.
pub(super) fn in_book(k: usize, base: usize) -> usize {
    match k {
        0 => 0,
        k => k + base,
    }
}

/// Sets short paragraphs outside the flow, line by line.
struct Setter<'s, 'f, 'a> {
    style: &'s Style,
    fonts: &'f mut Fonts<'a>,
    rtl: bool,
    missing: Vec<MissingGlyph>,
    block: usize,
    /// The front matter's structure ([`Planned::structure`]), when it is
    /// being planned; else only the count of its elements.
    structure: Option<Structure>,
    elements: usize,
    /// The element that placed lines go into.
    node: usize,
    /// How far the elements of the book's structure are from the front
    /// matter's own (see [`Front::pages`]).
    base: usize,
}

impl Setter<'_, '_, '_> {
    /// A new element of `kind` under `parent`, which the lines placed next
    /// go into; returns it.
    fn open(&mut self, kind: StructKind, parent: usize) -> usize {
        if let Some(s) = &mut self.structure {
            s.push(StructNode::new(kind, parent));
        }
        self.node = self.elements;
        self.elements += 1;
        self.node
    }

    /// `text` in `font` at `size`, ragged and unhyphenated, broken to `measure`.
    fn lines(&mut self, text: &str, font: FontKind, size: f32, measure: f32) -> Vec<Line> {
        let set = Setting {
            size,
            measure,
            indent: 0.0,
            ragged: true,
            // Titles are not hyphenated.
            lang: None,
            min_word: self.style.body.min_word,
            rtl: self.rtl,
        };
        let atoms = [Atom::Text {
            text: text.into(),
            font,
            src: 0,
        }];
        self.block += 1;
        set_paragraph(self.fonts, &set, &atoms, &mut self.missing)
    }

    /// The element a placed line goes into, in the book's structure.
    fn book_node(&self) -> usize {
        in_book(self.node, self.base)
    }

    /// Places `lines` from `top` (each `leading` high) at `x`, or centred
    /// in the text block; returns the bottom of the last one.
    #[allow(clippy::too_many_arguments)]
    fn place(
        &self,
        page: &mut Page,
        lines: Vec<Line>,
        mut top: f32,
        leading: f32,
        size: f32,
        centre: bool,
        role: Role,
    ) -> f32 {
        let x0 = self.style.page.margin_inner;
        let measure = self.style.measure();
        for line in lines {
            let x = if centre {
                x0 + ((measure - line.width) / 2.0).max(0.0)
            } else {
                x0
            };
            page.lines.push(PlacedLine {
                x,
                baseline: top + baseline_in(leading, size),
                top,
                line,
                role,
                block: self.block,
                node: self.book_node(),
                label: None,
            });
            top += leading;
        }
        top
    }
}

impl<'b> Front<'b> {
    /// The front matter of the book `cover` (its title, subtitle, author,
    /// publisher, date and licence) with the contents `entries`, planned:
    /// its pages are set once here, and let go.
    pub(super) fn plan(
        cover: &'b Document,
        entries: Vec<Entry<'b>>,
        style: &Style,
        fonts: &mut Fonts,
        recto: bool,
    ) -> (Front<'b>, Planned) {
        let size = style.body.size;
        let numbers = entries
            .iter()
            .map(|e| {
                sized_glyphs(fonts, FontKind::Regular, &e.label(), size)
                    .iter()
                    .map(|g| g.advance)
                    .sum::<f32>()
            })
            .fold(0.0, f32::max);
        let mut front = Front {
            cover,
            entries,
            recto,
            numbers,
            len: 0,
            contents: 0,
            firsts: Vec::new(),
        };
        let (mut firsts, mut len, mut contents) = (Vec::new(), 0, None);
        let s = front.set(style, fonts, 0, true, |_, first| {
            if let Some(first) = first {
                contents.get_or_insert(len);
                firsts.push(first);
            }
            len += 1;
        });
        front.len = len;
        front.contents = contents.unwrap_or(len);
        front.firsts = firsts;
        let planned = Planned {
            missing: s.missing,
            structure: s.structure.unwrap_or_default(),
        };
        (front, planned)
    }

    /// Sets its pages one after another and hands each to `each` as it is
    /// made; their lines go into the book's elements of the structure,
    /// which are the front matter's own moved by `base` (its element 0 is
    /// the book's root, and stays).
    pub(super) fn pages(
        &self,
        style: &Style,
        fonts: &mut Fonts,
        base: usize,
        mut each: impl FnMut(Page),
    ) {
        self.set(style, fonts, base, false, |page, _| each(page));
    }

    /// Where the link of its page `pi` to `target` goes: the chapter's
    /// beginning, when that page's contents have its entry.
    pub(super) fn link_end(&self, pi: usize, target: &LinkTarget) -> Option<Dest> {
        let LinkTarget::Chapter(chapter) = target else {
            return None;
        };
        let k = pi.checked_sub(self.contents)?;
        let from = *self.firsts.get(k)?;
        let to = self
            .firsts
            .get(k + 1)
            .copied()
            .unwrap_or(self.entries.len());
        self.entries[from..to]
            .iter()
            .find(|e| e.chapter == *chapter)
            .map(|e| e.dest)
    }

    /// Sets every page, handing each to `each` with, for a contents page,
    /// its first entry; returns the setter, which holds the structure
    /// when `plan`.
    fn set<'s, 'f, 'a>(
        &self,
        style: &'s Style,
        fonts: &'f mut Fonts<'a>,
        base: usize,
        plan: bool,
        mut each: impl FnMut(Page, Option<usize>),
    ) -> Setter<'s, 'f, 'a> {
        let cover = self.cover;
        let p = &style.page;
        let measure = style.measure();
        let body_top = p.margin_top;
        let body_bottom = p.height - p.margin_bottom;
        let mut s = Setter {
            style,
            fonts,
            rtl: paragraph::rtl_language(&cover.meta.lang),
            missing: Vec::new(),
            block: 0,
            structure: plan.then(Structure::with_root),
            elements: 1,
            node: 0,
            base,
        };
        let meta = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        // Pages made so far.
        let mut made = 0;

        // The title page: the title block in the upper third, the publisher
        // and the date at the foot.
        let mut title_page = Page::default();
        let t = &style.title;
        let (size, leading) = (t.size * 1.4, t.leading * 1.4);
        let lines = s.lines(&cover.title.text, FontKind::Bold, size, measure);
        s.open(StructKind::Title, 0);
        let mut y = body_top + (body_bottom - body_top) * 0.1;
        y = s.place(&mut title_page, lines, y, leading, size, true, Role::Title);
        if let Some(sub) = &cover.subtitle {
            let st = &style.subtitle;
            let (size, leading) = (st.size * 1.2, st.leading * 1.2);
            let lines = s.lines(&sub.text, FontKind::Italic, size, measure);
            s.open(StructKind::Block(Role::Body), 0);
            y = s.place(
                &mut title_page,
                lines,
                y + 6.0,
                leading,
                size,
                true,
                Role::Title,
            );
        }
        if let Some(author) = meta(&cover.meta.author) {
            let st = &style.subtitle;
            let lines = s.lines(&author, FontKind::Regular, st.size, measure);
            s.open(StructKind::Block(Role::Body), 0);
            s.place(
                &mut title_page,
                lines,
                y + 2.5 * st.leading,
                st.leading,
                st.size,
                true,
                Role::Title,
            );
        }
        let b = &style.byline;
        let foot: Vec<(Vec<Line>, f32)> = [
            (meta(&cover.meta.publisher), FontKind::Regular),
            (meta(&cover.meta.date), FontKind::Italic),
        ]
        .into_iter()
        .filter_map(|(text, font)| Some((text?, font)))
        .map(|(text, font)| {
            let lines = s.lines(&text, font, b.size, measure);
            let h = lines.len() as f32 * b.size * 1.3;
            (lines, h)
        })
        .collect();
        let mut y = body_bottom - foot.iter().map(|(_, h)| h).sum::<f32>();
        for (lines, _) in foot {
            s.open(StructKind::Block(Role::Body), 0);
            y = s.place(
                &mut title_page,
                lines,
                y,
                b.size * 1.3,
                b.size,
                true,
                Role::Title,
            );
        }
        made += 1;
        each(title_page, None);

        // Its verso: the licence at the foot of the text block.
        let mut verso = Page::default();
        if let Some(licence) = meta(&cover.meta.license) {
            let r = &style.references;
            let lines = s.lines(&licence, FontKind::Regular, r.size, measure);
            let top = body_bottom - lines.len() as f32 * r.leading;
            s.open(StructKind::Block(Role::Body), 0);
            s.place(&mut verso, lines, top, r.leading, r.size, false, Role::Body);
        }
        made += 1;
        each(verso, None);

        // The contents: each entry's title (and author), dot leaders and its
        // page number, right-aligned; the whole entry links to the chapter.
        let mut page = Page::default();
        let mut first = 0;
        let head = "Contents";
        let lines = s.lines(head, FontKind::Bold, t.size, measure);
        s.open(StructKind::Block(Role::Heading), 0);
        let mut y = s.place(
            &mut page,
            lines,
            body_top,
            t.leading,
            t.size,
            true,
            Role::Heading,
        ) + t.space_after * 2.0;
        let body = &style.body;
        let (size, leading) = (body.size, body.leading);
        let gap = size;
        let numbers = self.numbers;
        let text_measure = measure - numbers - 3.0 * gap;
        let dot = sized_glyphs(s.fonts, FontKind::Regular, ".", size);
        let step = size * 0.6;
        let right = p.margin_inner + measure;
        let entry_space = body.leading * 0.5;
        // The contents are a TOC of TOCIs; the linked text of each is the
        // first line of its title.
        let toc = s.open(StructKind::Contents, 0);
        for (i, e) in self.entries.iter().enumerate() {
            s.open(StructKind::ContentsEntry, toc);
            let title = s.lines(e.title, FontKind::Regular, size, text_measure);
            let author = e
                .author
                .map(|a| s.lines(a, FontKind::Italic, size * 0.9, text_measure))
                .unwrap_or_default();
            let h = (title.len() + author.len()) as f32 * leading;
            if i > 0 && y + entry_space + h > body_bottom + 0.01 {
                page.lines
                    .push(folio(&roman((made + 1) as u32), style, s.fonts));
                made += 1;
                each(std::mem::take(&mut page), Some(first));
                first = i;
                y = body_top;
            } else if i > 0 {
                y += entry_space;
            }
            let top = y;
            let mut title = title;
            // Dot leaders on the title's last line, on a grid from the right
            // edge so that they line up from entry to entry.
            if let (Some(last), Some(g)) = (title.last_mut(), dot.first()) {
                let from = last.width + gap;
                let to = measure - numbers - gap;
                let count = ((to - from) / step).floor().max(0.0) as usize;
                if count >= 2 {
                    last.leaders = Some(to - count as f32 * step);
                    last.runs.push(Run {
                        font: FontKind::Regular,
                        size,
                        rise: 0.0,
                        x: to - count as f32 * step,
                        glyphs: vec![
                            Glyph {
                                advance: step,
                                ..*g
                            };
                            count
                        ],
                    });
                }
            }
            let last_baseline =
                y + (title.len().max(1) - 1) as f32 * leading + baseline_in(leading, size);
            if let Some(first) = title.first_mut() {
                first.links.push(LinkSpan {
                    x0: 0.0,
                    x1: first.width,
                    target: LinkTarget::Chapter(e.chapter),
                });
            }
            let first_line = page.lines.len();
            y = s.place(&mut page, title, y, leading, size, false, Role::Body);
            let glyphs = sized_glyphs(s.fonts, FontKind::Regular, &e.label(), size);
            let line = single_run_line(FontKind::Regular, size, glyphs);
            page.lines.push(PlacedLine {
                x: right - line.width,
                baseline: last_baseline,
                top: last_baseline - baseline_in(leading, size),
                line,
                role: Role::Body,
                block: s.block,
                node: s.book_node(),
                label: None,
            });
            y = s.place(&mut page, author, y, leading, size * 0.9, false, Role::Body);
            page.links.push(PageLink {
                rect: [p.margin_inner, top, right, y],
                to: LinkTo::Dest(e.dest),
                target: LinkTarget::Chapter(e.chapter),
                source: Some((first_line, 0)),
            });
        }
        page.lines
            .push(folio(&roman((made + 1) as u32), style, s.fonts));
        made += 1;
        each(page, Some(first));
        if self.recto && made % 2 == 1 {
            each(Page::default(), None);
        }
        s
    }
}
