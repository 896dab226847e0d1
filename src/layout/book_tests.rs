//! A book's layout ([`layout_book`]) checked on the layout model: the
//! contents list every chapter with the label of the page it starts on and
//! link there; the front matter is numbered in roman, the chapters in
//! arabic from 1; with `recto` every chapter starts on an odd, right-hand
//! page; the outline nests the contents, the chapters and their sections
//! under the book's title.

use super::fonts::{FontSource, Fonts};
use super::style::Style;
use super::*;
use crate::ast::Meta;

/// A chapter: `title`, then `sections` sections of `paras` paragraphs,
/// each citing a reference; by `author` when given.
fn chapter(title: &str, author: Option<&str>, sections: usize, paras: usize) -> Document {
    let mut text = format!("{title}\n\n");
    let mut n = 0;
    let names = ["Surveys and plans", "Building the works", "Later years"];
    for s in 1..=sections {
        text.push_str(&format!("{}\n\n", names[s - 1]));
        for p in 0..paras {
            n += 1;
            text.push_str(&format!(
                "Paragraph {p} of section {s} tells how the harbour was dredged, \
                 how the quays were rebuilt in stone after the flood, and what the \
                 town council said of the cost, which was more than twice the \
                 estimate and paid over thirty years{n}.\n\n"
            ));
        }
    }
    for k in 1..=n {
        text.push_str(&format!(
            "  {k}. Harbour board minutes, volume {k}; 1890[]\n"
        ));
    }
    let meta = Meta {
        author: author.map(str::to_string),
        ..Meta::default()
    };
    crate::parse_article("t", text.into_bytes(), meta, &Default::default())
        .unwrap()
        .document
}

/// A book's cover document (what `write::BookMeta::cover` makes): its
/// title, subtitle and metadata, no text.
fn cover(title: &str, author: Option<&str>) -> Document {
    let mut d = chapter(title, None, 0, 0);
    d.subtitle = Some(crate::ast::Title {
        text: "Studies of a coast".into(),
        span: Default::default(),
    });
    d.meta = Meta {
        author: author.map(str::to_string),
        publisher: Some("Town Archive Press".into()),
        date: Some("2026".into()),
        license: Some("CC BY 4.0".into()),
        ..Meta::default()
    };
    d.blocks.clear();
    d.sections.clear();
    d
}

fn book(chapters: &[Document], recto: bool) -> Layout {
    book_in(chapters, recto, NotePlacement::End)
}

/// [`book`] with the notes where `placement` puts them.
fn book_in(chapters: &[Document], recto: bool, placement: NotePlacement) -> Layout {
    let style = Style::default();
    let src = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    let refs: Vec<&Document> = chapters.iter().collect();
    layout_book(
        &cover("A book", Some("The Editors")),
        &refs,
        &style,
        &mut fonts,
        recto,
        placement,
    )
}

/// Three chapters: a long one, one with a title that takes two lines of
/// the contents, one by another author.
fn three() -> Vec<Document> {
    vec![
        chapter("Dredging the harbour", Some("The Editors"), 3, 6),
        chapter(
            "Quays, cranes and warehouses: the rebuilding of the waterfront after the \
             great flood of 1872, and what it cost the town",
            None,
            1,
            2,
        ),
        chapter("Lighthouse keepers", Some("A. Keeper"), 2, 3),
    ]
}

/// The page each chapter starts on, found by its title (a Title line that
/// begins it, on a page after the front matter).
fn starts(l: &Layout, chapters: &[Document], front: usize) -> Vec<usize> {
    chapters
        .iter()
        .map(|d| {
            (front..l.pages.len())
                .find(|&p| {
                    l.pages[p].lines.iter().any(|pl| {
                        let t = pl.line.text();
                        pl.role == Role::Title
                            && !t.trim().is_empty()
                            && (d.title.text == t.trim()
                                || d.title.text.starts_with(&format!("{} ", t.trim())))
                    })
                })
                .unwrap_or_else(|| panic!("no page starts {}", d.title.text))
        })
        .collect()
}

/// The front matter's length: the page labelled 1.
fn front(l: &Layout) -> usize {
    let arabic = l
        .page_labels
        .iter()
        .find(|p| p.style == Numbering::Arabic)
        .expect("an arabic range");
    assert_eq!(arabic.first, 1);
    arabic.start
}

fn footer(p: &Page) -> Option<String> {
    p.lines
        .iter()
        .find(|pl| pl.role == Role::Footer)
        .map(|pl| pl.line.text())
}

#[test]
fn contents_list_every_chapter_with_the_label_of_its_first_page_and_link_there() {
    let chapters = three();
    let modes = [false, true].into_iter().flat_map(|recto| {
        [NotePlacement::End, NotePlacement::Foot].map(|placement| (recto, placement))
    });
    for (recto, placement) in modes {
        let l = book_in(&chapters, recto, placement);
        let n = front(&l);
        let at = starts(&l, &chapters, n);
        assert!(at[0] < at[1] && at[1] < at[2], "{at:?}");
        assert_eq!(at[0], n, "the first chapter is page 1");
        let contents = &l.pages[2];
        let text: Vec<String> = contents.lines.iter().map(|pl| pl.line.text()).collect();
        assert_eq!(text[0].trim(), "Contents");
        for (i, d) in chapters.iter().enumerate() {
            let label = l.page_label(at[i]);
            // The entry's number stands alone, right-aligned, on the line
            // of its title's last line (after the leaders).
            let first = d.title.text.split(' ').next().unwrap();
            let title_line = contents
                .lines
                .iter()
                .position(|pl| pl.line.text().starts_with(first))
                .unwrap_or_else(|| panic!("{first} not in the contents: {text:?}"));
            let number = contents.lines[title_line..]
                .iter()
                .find(|pl| {
                    pl.line.runs.len() == 1 && pl.line.text().chars().all(|c| c.is_ascii_digit())
                })
                .unwrap();
            assert_eq!(number.line.text(), label, "{first}");
            let right = number.x + number.line.width;
            let measure_end = Style::default().page.margin_inner + Style::default().measure();
            assert!((right - measure_end).abs() < 0.01, "{first}: right-aligned");
            // The link: to the chapter's first page, at its title.
            let link = contents
                .links
                .iter()
                .find(|k| k.target == LinkTarget::Chapter(i))
                .unwrap();
            let LinkTo::Dest(dest) = link.to else {
                panic!("{link:?}")
            };
            assert_eq!(dest.page, at[i], "{first}");
            let title_top = l.pages[at[i]]
                .lines
                .iter()
                .find(|pl| pl.role == Role::Title)
                .unwrap()
                .top;
            assert_eq!(dest.y, title_top);
            // Where the outline's entry for the chapter goes.
            let entry = l.outline.iter().filter(|o| o.level == 1).nth(i + 1);
            assert_eq!(Some(dest), entry.map(|o| o.dest), "{first}");
            // The link covers the entry's title and its number.
            assert!(link.rect[1] <= contents.lines[title_line].top);
            assert!(link.rect[3] >= number.baseline && link.rect[2] >= right);
        }
        // The long title takes two lines; the other author is named, the
        // book's own is not.
        let quays = text.iter().position(|t| t.starts_with("Quays")).unwrap();
        assert!(text[quays + 1].starts_with("great") || text[quays + 1].contains("flood"));
        assert!(text.iter().any(|t| t == "A. Keeper"), "{text:?}");
        assert!(!text.iter().any(|t| t.contains("The Editors")), "{text:?}");
    }
}

#[test]
fn front_matter_is_numbered_in_roman_and_the_chapters_from_one() {
    let chapters = three();
    let l = book(&chapters, false);
    let n = front(&l);
    assert_eq!(n, 3, "title page, its verso, one contents page");
    assert_eq!(
        (0..n + 2).map(|p| l.page_label(p)).collect::<Vec<_>>(),
        ["i", "ii", "iii", "1", "2"]
    );
    // The title page and its verso bear no number; the contents do.
    assert_eq!(footer(&l.pages[0]), None);
    assert_eq!(footer(&l.pages[1]), None);
    assert_eq!(footer(&l.pages[2]).as_deref(), Some("iii"));
    for p in n..l.pages.len() {
        if let Some(f) = footer(&l.pages[p]) {
            assert_eq!(f, (p - n + 1).to_string());
        }
    }
    // The title page: title, subtitle, author in its upper third; the
    // publisher and the date at its foot; the licence on the verso.
    let style = Style::default();
    let third = style.page.height / 3.0;
    let lines: Vec<(String, f32)> = l.pages[0]
        .lines
        .iter()
        .map(|pl| (pl.line.text(), pl.baseline))
        .collect();
    let y = |t: &str| lines.iter().find(|(s, _)| s == t).unwrap().1;
    assert!(y("A book") < y("Studies of a coast") && y("Studies of a coast") < y("The Editors"));
    assert!(y("The Editors") < third, "{lines:?}");
    assert!(y("Town Archive Press") > 2.0 * third && y("2026") > y("Town Archive Press"));
    assert_eq!(l.pages[1].lines[0].line.text(), "CC BY 4.0");
    assert!(l.pages[1].lines[0].baseline > 2.0 * third);
    // Roman numerals.
    assert_eq!(
        [1, 4, 9, 14, 40, 1999].map(roman),
        ["i", "iv", "ix", "xiv", "xl", "mcmxcix"]
    );
}

#[test]
fn recto_chapters_start_on_odd_pages_and_page_one_is_a_right_hand_page() {
    let chapters = three();
    let l = book(&chapters, true);
    let n = front(&l);
    assert!(
        n.is_multiple_of(2),
        "the front matter ends on a left-hand page"
    );
    for (d, p) in chapters.iter().zip(starts(&l, &chapters, n)) {
        let label: u32 = l.page_label(p).parse().unwrap();
        assert_eq!(label % 2, 1, "{} starts on page {label}", d.title.text);
        assert_eq!(p % 2, 0, "a right-hand page is the PDF's 1st, 3rd, 5th…");
    }
    // Without recto chapters follow at once, and nothing pads the front matter.
    let plain = book(&chapters, false);
    assert_eq!(front(&plain), 3);
    assert!(plain.pages.len() <= l.pages.len());
}

#[test]
fn outline_nests_the_contents_and_the_chapters_with_their_sections_under_the_title() {
    let chapters = three();
    let l = book(&chapters, true);
    let n = front(&l);
    let at = starts(&l, &chapters, n);
    let o = &l.outline;
    assert_eq!(
        (o[0].title.as_str(), o[0].level, o[0].dest.page),
        ("A book", 0, 0)
    );
    assert_eq!(
        (o[1].title.as_str(), o[1].level, o[1].dest.page),
        ("Contents", 1, 2)
    );
    assert!(o[1..].iter().all(|i| i.level >= 1), "one top-level item");
    let tops: Vec<&OutlineItem> = o.iter().filter(|i| i.level == 1).skip(1).collect();
    assert_eq!(tops.len(), chapters.len());
    for (i, (item, d)) in tops.iter().zip(&chapters).enumerate() {
        assert_eq!(item.title, d.title.text);
        assert_eq!(item.dest.page, at[i]);
        // Its sections follow it at level 2, on its pages.
        let pos = o.iter().position(|x| std::ptr::eq(x, *item)).unwrap();
        let end = at.get(i + 1).copied().unwrap_or(l.pages.len());
        let sections: Vec<&OutlineItem> =
            o[pos + 1..].iter().take_while(|x| x.level == 2).collect();
        // Every section, then References.
        assert!(!d.sections.is_empty(), "{}: sections parsed", d.title.text);
        assert_eq!(sections.len(), d.sections.len() + 1, "{}", d.title.text);
        assert_eq!(sections[0].title, "Surveys and plans", "{sections:?}");
        for s in sections {
            assert!(s.dest.page >= at[i] && s.dest.page < end, "{}", s.title);
        }
    }
}

#[test]
fn long_contents_run_over_pages_numbered_in_roman() {
    let titles: Vec<String> = (1..=60)
        .map(|i| format!("Harbour study number {i}"))
        .collect();
    let chapters: Vec<Document> = titles.iter().map(|t| chapter(t, None, 1, 1)).collect();
    let l = book(&chapters, true);
    let n = front(&l);
    assert!(n >= 4 && n.is_multiple_of(2), "{n}");
    let at = starts(&l, &chapters, n);
    // Each chapter on its own odd page: 1, 3, 5…
    for (i, p) in at.iter().enumerate() {
        assert_eq!(l.page_label(*p), (2 * i + 1).to_string());
    }
    // The contents pages: iii, iv…; every chapter has a link from them.
    let contents: Vec<usize> = (2..n).filter(|&p| !l.pages[p].lines.is_empty()).collect();
    assert!(contents.len() >= 2, "{contents:?}");
    for &p in &contents {
        assert_eq!(footer(&l.pages[p]), Some(roman(p as u32 + 1)));
    }
    let mut linked: Vec<usize> = contents
        .iter()
        .flat_map(|&p| &l.pages[p].links)
        .map(|k| match (&k.target, &k.to) {
            (LinkTarget::Chapter(i), LinkTo::Dest(d)) => {
                assert_eq!(d.page, at[*i]);
                *i
            }
            other => panic!("{other:?}"),
        })
        .collect();
    linked.dedup();
    assert_eq!(linked, (0..60).collect::<Vec<_>>());
}

#[test]
fn a_chapter_without_a_title_has_no_entry_and_the_others_keep_theirs() {
    let mut chapters = three();
    chapters[1].title.text.clear();
    let l = book(&chapters, false);
    let n = front(&l);
    let at = starts(&l, &[chapters[0].clone(), chapters[2].clone()], n);
    let links: Vec<(LinkTarget, usize)> = l.pages[2]
        .links
        .iter()
        .map(|k| match k.to {
            LinkTo::Dest(d) => (k.target.clone(), d.page),
            LinkTo::Uri(_) => panic!("{k:?}"),
        })
        .collect();
    assert_eq!(
        links,
        [
            (LinkTarget::Chapter(0), at[0]),
            (LinkTarget::Chapter(2), at[1])
        ]
    );
}

/// A sink that takes a book's pages a run at a time and keeps them in the
/// layout, but for those of `emptied`, which it takes everything from:
/// what it heard.
#[derive(Default)]
struct Taken {
    pages: usize,
    run: usize,
    runs: Vec<usize>,
    glyphs: usize,
    /// The text it was asked a glyph file for (it gives none), by chapter.
    asked: Vec<usize>,
    emptied: std::ops::Range<usize>,
}

impl PageSink for Taken {
    fn begin(&mut self, pages: usize) -> Option<usize> {
        self.pages = pages;
        Some(self.run)
    }
    fn glyphs(&mut self, _: &Run) {
        self.glyphs += 1;
    }
    fn pages(&mut self, pages: &mut [Page], _: &[StructNode]) {
        let first: usize = self.runs.iter().sum();
        for (pi, page) in (first..).zip(pages.iter_mut()) {
            if self.emptied.contains(&pi) {
                *page = Page::default();
            }
        }
        self.runs.push(pages.len());
    }
    fn glyph_file(&mut self, text: usize) -> Option<crate::temp_file::TempFile> {
        self.asked.push(text);
        None
    }
}

/// A book asks its sink for a glyph file with the text its chapters would
/// hold at the average of those so far, never less than they hold: a book
/// of one chapter four times is asked with its whole text from the first
/// chapter on (its first 1 MiB of chapters kept their glyphs in memory
/// when it was asked with the text so far); a book whose last chapter is
/// its longest, with the text so far at the last.
#[test]
fn a_book_asks_for_a_glyph_file_with_its_text_at_the_chapters_average() {
    let style = Style::default();
    let src = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    let cover = cover("A book", Some("The Editors"));
    let mut asked = |chapters: &[Document]| {
        let mut taken = Taken {
            run: 1,
            ..Taken::default()
        };
        layout_book_into(
            &cover,
            chapters.iter().map(BookChapter::from),
            &style,
            &mut fonts,
            false,
            NotePlacement::End,
            Some(&mut taken),
        );
        taken.asked
    };
    let chapters = three();
    let (long, short) = (&chapters[0], &chapters[1]);
    let one = asked(std::slice::from_ref(short))[0];
    let alike = asked(&[short.clone(), short.clone(), short.clone(), short.clone()]);
    assert_eq!(alike, [4 * one; 4]);
    let whole = asked(std::slice::from_ref(long))[0];
    assert!(whole > 2 * one, "{whole} against {one}");
    let longest_last = asked(&[short.clone(), short.clone(), long.clone()]);
    assert_eq!(longest_last, [3 * one, 3 * one, 2 * one + whole]);
}

/// `chapters` laid out as a book (the one [`book_in`] lays out whole),
/// handed to `taken` as its pages are filled.
fn handed_out(
    chapters: &[Document],
    recto: bool,
    placement: NotePlacement,
    taken: &mut Taken,
) -> Layout {
    let style = Style::default();
    let src = FontSource::load(&style).unwrap();
    let mut fonts = Fonts::new(&src).unwrap();
    layout_book_into(
        &cover("A book", Some("The Editors")),
        chapters.iter().map(BookChapter::from),
        &style,
        &mut fonts,
        recto,
        placement,
        Some(taken),
    )
}

/// A book handed out as its pages are filled: the sink hears how many
/// pages the whole book has, is given every glyph run first, then the
/// front matter's pages a run at a time, then the chapters' (a blank verso
/// before a right-hand chapter in its run, as any page); the layout is the
/// book laid out whole (but where the markers first landed, which a sink
/// does not read), with the notes at the end or at the foot.
#[test]
fn a_book_is_handed_out_a_run_at_a_time_the_front_matter_first() {
    let chapters = three();
    for (placement, recto, run) in [
        (NotePlacement::End, true, 1),
        (NotePlacement::End, false, 2),
        (NotePlacement::Foot, true, 3),
        (NotePlacement::Foot, false, 1),
    ] {
        let whole = book_in(&chapters, recto, placement);
        let mut taken = Taken {
            run,
            ..Taken::default()
        };
        let lay = handed_out(&chapters, recto, placement, &mut taken);
        let said = format!("{placement:?}, recto {recto}, {run} at a time");
        let front = front(&whole);
        let body = whole.pages.len() - front;
        assert_eq!(taken.pages, whole.pages.len(), "{said}");
        // The front matter's pages a run at a time, then the chapters'.
        let in_runs = |pages: usize| {
            let mut runs = vec![run; pages / run];
            if !pages.is_multiple_of(run) {
                runs.push(pages % run);
            }
            runs
        };
        let mut runs = in_runs(front);
        runs.extend(in_runs(body));
        assert_eq!(taken.runs, runs, "{said}");
        let blank = |p: &Page| p.lines.is_empty();
        assert_eq!(
            whole.pages[front..].iter().any(blank),
            recto,
            "blank versos: {said}"
        );
        let all_runs = whole.pages.iter().flat_map(|p| &p.lines);
        assert_eq!(
            taken.glyphs,
            all_runs.map(|l| l.line.runs.len()).sum::<usize>(),
            "{said}"
        );
        assert_eq!(lay.pages, whole.pages, "{said}");
        assert_eq!(lay.outline, whole.outline, "{said}");
        assert_eq!(lay.structure, whole.structure, "{said}");
        assert_eq!(lay.page_labels, whole.page_labels, "{said}");
        assert_eq!(lay.missing, whole.missing, "{said}");
    }
}

/// Pages a sink takes everything from are not kept while it leaves every
/// page so: when it leaves them all so, the book has no pages; when it
/// leaves something in one, in the front matter or in the chapters, before
/// or after those it emptied, the book has all its pages, those emptied
/// empty, the others as a layout without a sink has them.
#[test]
fn pages_a_sink_empties_are_not_kept_unless_others_are() {
    let chapters = three();
    let whole = book_in(&chapters, false, NotePlacement::Foot);
    let (front, all) = (front(&whole), whole.pages.len());
    assert!(front >= 2 && all >= front + 4, "{front} of {all}");
    for (emptied, run) in [
        (0..all, 1),
        (0..all, 3),
        (0..front - 1, 1),
        (0..front, 2),
        (0..front + 2, 1),
        (0..all - 1, 2),
        (1..all, 1),
        (front..all, 2),
        (front + 1..all - 1, 1),
    ] {
        let mut taken = Taken {
            run,
            emptied: emptied.clone(),
            ..Taken::default()
        };
        let lay = handed_out(&chapters, false, NotePlacement::Foot, &mut taken);
        let said = format!("{emptied:?} emptied of {all}, {run} at a time");
        assert_eq!(taken.pages, all, "{said}");
        if emptied == (0..all) {
            assert!(lay.pages.is_empty(), "{said}");
        } else {
            assert_eq!(lay.pages.len(), all, "{said}");
            for (pi, (page, kept)) in lay.pages.iter().zip(&whole.pages).enumerate() {
                if emptied.contains(&pi) {
                    assert!(page.is_empty(), "page {pi}: {said}");
                } else {
                    assert_eq!(page, kept, "page {pi}: {said}");
                }
            }
        }
        assert_eq!(lay.outline, whole.outline, "{said}");
        assert_eq!(lay.page_labels, whole.page_labels, "{said}");
    }
}

/// A book whose chapters hold [`FORGET_WORDS_FROM`] bytes of text or
/// more forgets the words its chapters' setting shaped before its pages
/// are filled (the thread then holds fewer shaped words than after a
/// short book, whose words stay for the next layout), and its structure
/// keeps no room beyond its nodes.
#[test]
fn a_long_book_forgets_its_words_before_its_pages_and_its_structure_is_at_its_size() {
    let style = Style::default();
    let src = FontSource::load(&style).unwrap();
    let cover = cover("A book", Some("The Editors"));
    let lay = |chapters: &[Document]| {
        let mut fonts = Fonts::new(&src).unwrap();
        fonts.forget_words();
        let refs: Vec<&Document> = chapters.iter().collect();
        let text: usize = chapters.iter().map(plain_text_len).sum();
        let l = layout_book(&cover, &refs, &style, &mut fonts, false, NotePlacement::End);
        let words = fonts.cached_words();
        fonts.forget_words();
        (l, words, text)
    };
    let short = three();
    let long: Vec<Document> = (0..6).flat_map(|_| three()).collect();
    let (_, short_words, short_text) = lay(&short);
    let (l, long_words, long_text) = lay(&long);
    assert!(short_text < FORGET_WORDS_FROM, "{short_text}");
    assert!(long_text >= FORGET_WORDS_FROM, "{long_text}");
    assert!(
        long_words < short_words,
        "{long_words} words kept after the long book, {short_words} after the short"
    );
    assert_eq!(l.structure.capacity(), l.structure.len());
}

/// The bytes of text of `d`'s paragraphs (what the layout counts as it
/// sets them, near enough for the test's two books).
fn plain_text_len(d: &Document) -> usize {
    let mut n = 0;
    crate::ast::walk::for_each_inlines(d, &mut |inlines| {
        n += inlines
            .iter()
            .map(|i| match i {
                crate::ast::Inline::Text { text, .. } => text.len(),
                _ => 0,
            })
            .sum::<usize>();
    });
    n
}
