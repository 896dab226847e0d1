//! The matter around an article's body: the title block above it (title,
//! subtitle, byline) and the reference list below it, each entry with its
//! number in the margin and its back-links.

use super::flow::{Ctx, ParaStyle, Parting, Row};
use super::*;
use crate::ast::SharedStr;

impl Ctx<'_, '_, '_> {
    /// A new item of the list [`Ctx::parent`], with its label and its
    /// body; returns (label, body).
    pub(super) fn item_nodes(&mut self) -> (usize, usize) {
        let item = self.node(StructKind::Item);
        (
            self.node_in(StructKind::Label, item),
            self.node_in(StructKind::ItemBody, item),
        )
    }

    /// The title (in the outline at level 0), the subtitle and the byline
    /// (author · date), centred.
    pub(super) fn title_block(&mut self, doc: &Document) {
        let (style, x0, measure) = (self.style, self.x, self.measure);
        // A line of the title block: centred, ragged, in the outline's role.
        let centred = |size: f32, leading: f32, space_before: f32| ParaStyle {
            size,
            leading,
            x: x0,
            measure,
            indent: 0.0,
            ragged: true,
            center: true,
            role: Role::Title,
            space_before,
            frame: None,
            parting: Parting::Lines,
        };
        let t = &style.title;
        let title_atoms = vec![Atom::Text {
            text: doc.title.text.clone().into(),
            font: FontKind::Bold,
            src: doc.title.span.start as usize,
        }];
        self.into = Some(self.node(StructKind::Title));
        let r = self.para(|| title_atoms, centred(t.size, t.leading, 0.0));
        if let Some(first) = r.clone().next() {
            self.rows[first].outline = Some(Box::new((doc.title.text.clone(), 0)));
        }
        self.keep = true;
        if let Some(sub) = &doc.subtitle {
            let s = &style.subtitle;
            let a = vec![Atom::Text {
                text: sub.text.clone().into(),
                font: FontKind::Italic,
                src: sub.span.start as usize,
            }];
            self.into = Some(self.node(StructKind::Block(Role::Body)));
            self.para(|| a, centred(s.size, s.leading, 4.0));
            self.keep = true;
        }
        let byline: Vec<&str> = [doc.meta.author.as_deref(), doc.meta.date.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if !byline.is_empty() {
            let b = &style.byline;
            let a = vec![Atom::Text {
                text: byline.join(" · ").into(),
                font: FontKind::Italic,
                src: 0,
            }];
            self.into = Some(self.node(StructKind::Block(Role::Body)));
            self.para(|| a, centred(b.size, b.size * 1.3, t.space_after));
            self.keep = true;
        }
        let after_title = if byline.is_empty() {
            t.space_after
        } else {
            style.byline.space_after
        };
        if let Some(last) = self.rows.last_mut() {
            last.space_after = after_title;
        }
    }

    /// The reference list under its heading (the source's, or
    /// "References"): each entry's text, then its back-links (↩ or ↑, then
    /// a b c … when there are several); the references `cited` become
    /// notes for the foot of the page instead. The entries are read one
    /// at a time (from the file, when the article was put away).
    pub(super) fn references(
        &mut self,
        article: Reading<'_>,
        cited: &std::collections::HashSet<u32>,
    ) -> std::io::Result<()> {
        let doc = article.doc;
        if !cited.is_empty() {
            article.each_reference(&mut |r| {
                if cited.contains(&r.n) {
                    let full = self.note_rows(&r.raw, r.span.start as usize);
                    let shorter =
                        short_form(&r.raw).map(|text| self.note_rows(&text, r.span.start as usize));
                    self.notes.insert(r.n, full, shorter);
                }
            })?;
        }
        // The list's heading, the back-link sign and the list of the
        // structure, once an entry is listed; the parent to go back to.
        let mut opened: Option<(String, usize)> = None;
        article.each_reference(&mut |r| {
            if !cited.contains(&r.n) {
                let (back, _) = opened.get_or_insert_with(|| self.open_references(doc));
                self.reference_entry(r, back);
            }
        })?;
        if let Some((_, outer)) = opened {
            self.parent = outer;
        }
        Ok(())
    }

    /// The reference list's heading; the back-link sign (↩ when the font
    /// has it, Libertinus has not, else ↑), and the parent the list of the
    /// structure it opens goes in.
    fn open_references(&mut self, doc: &Document) -> (String, usize) {
        let title = doc
            .references_heading
            .as_ref()
            .map(|hd| crate::ast::plain_text(&hd.inlines))
            .unwrap_or_else(|| "References".to_string());
        self.heading(
            vec![Atom::Text {
                text: title.clone().into(),
                font: FontKind::Bold,
                src: 0,
            }],
            title,
        );
        let back = ['↩', '↑']
            .into_iter()
            .find(|&c| self.fonts.glyph(FontKind::Regular, c).is_some())
            .map_or("^".to_string(), String::from);
        // The list is a list of the structure; each entry an item with
        // its number as the label.
        let outer = self.parent;
        self.parent = self.node(StructKind::List);
        (back, outer)
    }

    /// An entry of the reference list: its text, then its back-links.
    fn reference_entry(&mut self, r: &crate::ast::Reference, back: &str) {
        let (style, x0, measure) = (self.style, self.x, self.measure);
        let rs = &style.references;
        let count = r.backlinks.len();
        // The entry, then " ↑" and a letter after a space for each
        // back-link (a reference cited thousands of times has as
        // many atoms: grown one at a time, they had up to twice
        // their room).
        let mut a = Vec::with_capacity(2 + 2 * count);
        a.push(Atom::Text {
            text: r.raw.clone(),
            font: FontKind::Regular,
            src: r.span.start as usize,
        });
        if count == 1 {
            a.push(Atom::Text {
                text: " ".into(),
                font: FontKind::Regular,
                src: 0,
            });
            a.push(Atom::Linked {
                text: back.into(),
                n: r.n,
                k: 1,
            });
        } else if count > 1 {
            a.push(Atom::Text {
                text: format!(" {back}").into(),
                font: FontKind::Regular,
                src: 0,
            });
            // Every space and letter a piece of one buffer: allocated
            // one by one, a reference cited 20,760 times (the seed
            // ×3,460's) held 2.5 MB of them.
            let mut letters = String::from("\u{A0}");
            let mut ends = Vec::with_capacity(count);
            for k in 1..=count {
                letters.push_str(&letter(k));
                ends.push(letters.len());
            }
            let letters = std::sync::Arc::new(letters);
            let space = SharedStr::slice(&letters, 0..'\u{A0}'.len_utf8());
            let mut start = space.len();
            for (k, end) in (1..=count).zip(ends) {
                // The group "↑ a b c" is never broken.
                a.push(Atom::Text {
                    text: space.clone(),
                    font: FontKind::Regular,
                    src: 0,
                });
                a.push(Atom::Linked {
                    text: SharedStr::slice(&letters, start..end),
                    n: r.n,
                    k: k as u32,
                });
                start = end;
            }
        }
        let (label_node, item_body) = self.item_nodes();
        self.into = Some(item_body);
        let rows = self.para(
            || a,
            ParaStyle {
                size: rs.size,
                leading: rs.leading,
                x: x0 + rs.indent,
                measure: measure - rs.indent,
                indent: 0.0,
                ragged: true,
                center: false,
                role: Role::Reference,
                space_before: rs.entry_space,
                frame: None,
                parting: Parting::Lines,
            },
        );
        if let Some(first) = rows.clone().next() {
            self.rows[first].reference = Some(r.n);
            self.label(first, &format!("{}.", r.n), rs.size, rs.size * 0.45);
            self.rows[first].label = Some(label_node);
        }
    }

    /// A note's text set for the foot of the page, taken out of the rows.
    fn note_rows(&mut self, text: &str, src: usize) -> Vec<Row> {
        let ns = &self.style.notes;
        let atoms = vec![Atom::Text {
            text: text.into(),
            font: FontKind::Regular,
            src,
        }];
        let rows = self.para(
            || atoms,
            ParaStyle {
                size: ns.size,
                leading: ns.leading,
                x: self.x + ns.indent,
                measure: self.measure - ns.indent,
                indent: 0.0,
                ragged: true,
                center: false,
                role: Role::Note,
                space_before: ns.entry_space,
                frame: None,
                parting: Parting::Lines,
            },
        );
        self.rows_taken_from(rows.start)
    }
}

/// The short form of a reference repeated on a later page: its first
/// words, up to the first full stop after a word of two letters or more
/// (at most twelve words), then `…`; `None` when that is the whole text.
pub(super) fn short_form(raw: &str) -> Option<String> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let mut end = words.len().min(12);
    for (i, w) in words.iter().enumerate().take(12) {
        let letters = w.trim_end_matches('.').chars().count();
        if w.ends_with('.') && letters >= 2 {
            end = i + 1;
            break;
        }
    }
    if end >= words.len() {
        return None;
    }
    let text = words[..end].join(" ");
    let text = text.trim_end_matches(['.', ',', ';', ':']);
    Some(format!("{text}…"))
}
