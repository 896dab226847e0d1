//! A book's front matter, set after its chapters (whose page numbers it
//! shows): the title page, its verso (the licence: a copyright page) and
//! the contents, numbered in roman (i, ii, iii…; the title page and its
//! verso bear no number). With `recto` a blank page ends it when it would
//! otherwise end on a right-hand page, so that page 1 is a right-hand page.

use super::*;

/// What the contents says of one chapter.
pub(super) struct Entry {
    /// Which chapter (0-based).
    pub(super) chapter: usize,
    /// The chapter's title.
    pub(super) title: String,
    /// Its author, when it is not the book's.
    pub(super) author: Option<String>,
    /// Its page label (arabic).
    pub(super) label: String,
    /// Where it begins, among the chapters' pages (not yet shifted by the
    /// front matter's length).
    pub(super) dest: Dest,
}

/// The front matter's pages: links go to chapter-relative destinations.
pub(super) struct Front {
    pub(super) pages: Vec<Page>,
    /// The first contents page.
    pub(super) contents: usize,
    pub(super) missing: Vec<MissingGlyph>,
    /// Its elements of the logical structure: element 0 stands for the
    /// book's root, the others are the front matter's, in order; its lines
    /// point into this list.
    pub(super) structure: Vec<StructNode>,
}

/// Sets short paragraphs outside the flow, line by line.
struct Setter<'s, 'f, 'a> {
    style: &'s Style,
    fonts: &'f mut Fonts<'a>,
    rtl: bool,
    missing: Vec<MissingGlyph>,
    block: usize,
    /// The front matter's structure ([`Front::structure`]).
    structure: Vec<StructNode>,
    /// The element that placed lines go into.
    node: usize,
}

impl Setter<'_, '_, '_> {
    /// A new element of `kind` under `parent`, which the lines placed next
    /// go into; returns it.
    fn open(&mut self, kind: StructKind, parent: usize) -> usize {
        self.structure.push(StructNode::new(kind, parent));
        self.node = self.structure.len() - 1;
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
                node: self.node,
                label: None,
            });
            top += leading;
        }
        top
    }
}

/// The front matter of the book `cover` (its title, subtitle, author,
/// publisher, date and licence) with the contents `entries`.
pub(super) fn front_matter(
    cover: &Document,
    entries: &[Entry],
    style: &Style,
    fonts: &mut Fonts,
    recto: bool,
) -> Front {
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
        structure: vec![StructNode::root()],
        node: 0,
    };
    let meta = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let mut pages = Vec::new();

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
    pages.push(title_page);

    // Its verso: the licence at the foot of the text block.
    let mut verso = Page::default();
    if let Some(licence) = meta(&cover.meta.license) {
        let r = &style.references;
        let lines = s.lines(&licence, FontKind::Regular, r.size, measure);
        let top = body_bottom - lines.len() as f32 * r.leading;
        s.open(StructKind::Block(Role::Body), 0);
        s.place(&mut verso, lines, top, r.leading, r.size, false, Role::Body);
    }
    pages.push(verso);

    // The contents: each entry's title (and author), dot leaders and its
    // page number, right-aligned; the whole entry links to the chapter.
    let contents = pages.len();
    let mut page = Page::default();
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
    let numbers = entries
        .iter()
        .map(|e| {
            sized_glyphs(s.fonts, FontKind::Regular, &e.label, size)
                .iter()
                .map(|g| g.advance)
                .sum::<f32>()
        })
        .fold(0.0, f32::max);
    let text_measure = measure - numbers - 3.0 * gap;
    let dot = sized_glyphs(s.fonts, FontKind::Regular, ".", size);
    let step = size * 0.6;
    let right = p.margin_inner + measure;
    let entry_space = body.leading * 0.5;
    // The contents are a TOC of TOCIs; the linked text of each is the
    // first line of its title.
    let toc = s.open(StructKind::Contents, 0);
    for (i, e) in entries.iter().enumerate() {
        s.open(StructKind::ContentsEntry, toc);
        let title = s.lines(&e.title, FontKind::Regular, size, text_measure);
        let author = e
            .author
            .as_ref()
            .map(|a| s.lines(a, FontKind::Italic, size * 0.9, text_measure))
            .unwrap_or_default();
        let h = (title.len() + author.len()) as f32 * leading;
        if i > 0 && y + entry_space + h > body_bottom + 0.01 {
            page.lines
                .push(folio(&roman((pages.len() + 1) as u32), style, s.fonts));
            pages.push(std::mem::take(&mut page));
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
        let glyphs = sized_glyphs(s.fonts, FontKind::Regular, &e.label, size);
        let line = single_run_line(FontKind::Regular, size, glyphs);
        page.lines.push(PlacedLine {
            x: right - line.width,
            baseline: last_baseline,
            top: last_baseline - baseline_in(leading, size),
            line,
            role: Role::Body,
            block: s.block,
            node: s.node,
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
        .push(folio(&roman((pages.len() + 1) as u32), style, s.fonts));
    pages.push(page);
    if recto && pages.len() % 2 == 1 {
        pages.push(Page::default());
    }
    Front {
        pages,
        contents,
        missing: s.missing,
        structure: s.structure,
    }
}
