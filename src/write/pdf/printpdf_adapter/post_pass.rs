//! The lopdf post-pass over printpdf's document: link annotations, the
//! outline, the catalog's `/PageMode`, `/Lang` and viewer preferences, the
//! structure tree of the tagged PDF, the PDF version, the Info dictionary;
//! then every stream deflated. Why each
//! step exists: the defect table in the [adapter's docs](super).

use super::drawn_links::{DrawnLinks, End};
use super::page_words::PageWords;
use super::save::{self, ChunkWriter};
use crate::ast::Document;
use crate::error::WriteError;
use crate::layout::{AltText, Layout};
use crate::write::pdf::PdfOptions;
use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use rayon::prelude::*;

/// A PDF text string: PDFDocEncoding-safe ASCII as is, else UTF-16BE with a BOM.
pub(super) fn text_string(s: &str) -> Object {
    if is_literal(s) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut v = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(v, StringFormat::Hexadecimal)
    }
}

/// [`text_string`] written in PDF syntax into `out` (the same bytes as
/// `save::write_object` of it), without the string's UTF-16 copy: a
/// figure's `/Alt` can be a whole article's text (a line of 8 MB read as a
/// figure's description took 17 MB as UTF-16 and 64 MB of room for its
/// 32 MB of hex digits, most of its PDF's peak). (The writer writes
/// [`TextValue`]s: [`write_text_value`].)
#[cfg(test)]
pub(super) fn write_text_string(out: &mut Vec<u8>, s: &str) {
    let form = text_form(TextValue::Str(s));
    out.reserve(form.len);
    let _ = write_text_value(out, TextValue::Str(s), form, &mut |_| Ok(()));
}

/// How many bytes [`text_string`] of `s` takes in PDF syntax.
#[cfg(test)]
pub(super) fn text_string_len(s: &str) -> usize {
    text_form(TextValue::Str(s)).len
}

/// [`TextValue::form`] of a value in memory.
#[cfg(test)]
fn text_form(value: TextValue) -> TextForm {
    value
        .form()
        .expect("a text in memory is read without error")
}

/// A spill: takes what a buffer holds out of it (into the temporary
/// file), or the error that stopped it.
pub(super) type Spill<'a> = dyn FnMut(&mut Vec<u8>) -> std::io::Result<()> + 'a;

/// A text string's value: a string, or a text alternative the layout may
/// have put aside in its temporary file (read back a piece at a time,
/// never whole).
#[derive(Clone, Copy)]
pub(super) enum TextValue<'a> {
    Str(&'a str),
    Alt(&'a AltText),
}

/// How [`text_string`] writes a value: as a literal string (printable
/// ASCII only) or as hex digits of UTF-16 with a BOM, in `len` bytes.
#[derive(Clone, Copy)]
pub(super) struct TextForm {
    literal: bool,
    pub(super) len: usize,
}

impl TextValue<'_> {
    /// Its form, from one reading of its text.
    pub(super) fn form(self) -> std::io::Result<TextForm> {
        let (mut literal, mut bytes, mut escaped, mut units) = (true, 0, 0, 0);
        self.pieces(&mut |s| {
            literal &= is_literal(s);
            bytes += s.len();
            escaped += s
                .bytes()
                .filter(|b| matches!(b, b'(' | b')' | b'\\'))
                .count();
            units += s.chars().map(char::len_utf16).sum::<usize>();
            Ok(())
        })?;
        let len = if literal {
            bytes + escaped + 2
        } else {
            6 + 4 * units
        };
        Ok(TextForm { literal, len })
    }

    /// Its text, in order, a piece at a time (each whole characters): the
    /// first error `each` or reading it back gives stops it.
    fn pieces(self, each: &mut dyn FnMut(&str) -> std::io::Result<()>) -> std::io::Result<()> {
        match self {
            TextValue::Str(s) => each(s),
            TextValue::Alt(a) => a.pieces(each),
        }
    }
}

/// [`text_string`] of `value`, whose form is `form`, in PDF syntax into
/// `out`, without making room for the whole string: whenever `out` holds
/// [`save::PIECE`] bytes or more, they go to `spill`.
pub(super) fn write_text_value(
    out: &mut Vec<u8>,
    value: TextValue,
    form: TextForm,
    spill: &mut Spill,
) -> std::io::Result<()> {
    if form.literal {
        out.push(b'(');
        value.pieces(&mut |s| {
            for piece in s.as_bytes().chunks(save::PIECE) {
                save::escape_literal(out, piece);
                if out.len() >= save::PIECE {
                    spill(out)?;
                }
            }
            Ok(())
        })?;
        out.push(b')');
    } else {
        out.extend_from_slice(b"<FEFF");
        value.pieces(&mut |s| {
            let mut units = [0u16; 2];
            for c in s.chars() {
                for u in c.encode_utf16(&mut units) {
                    save::push_hex(out, &u.to_be_bytes());
                }
                if out.len() >= save::PIECE {
                    spill(out)?;
                }
            }
            Ok(())
        })?;
        out.push(b'>');
    }
    Ok(())
}

/// Whether [`text_string`] writes `s` as a literal string.
fn is_literal(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

pub(super) fn pdf_date(secs: i64) -> Option<String> {
    let dt = chrono::DateTime::from_timestamp(secs, 0)?;
    Some(dt.format("D:%Y%m%d%H%M%SZ").to_string())
}

pub(super) fn meta_date(date: &str) -> Option<String> {
    let d = date.trim();
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
    {
        let date = chrono::NaiveDate::parse_from_str(&d[..10], "%Y-%m-%d").ok()?;
        return Some(date.format("D:%Y%m%d000000Z").to_string());
    }
    None
}

fn round2(v: f32) -> Object {
    Object::Real((v * 100.0).round() / 100.0)
}

/// What drawing the pages leaves for the structure tree, by page: the
/// element that owns each marked-content sequence (by MCID, from the
/// content writer), and the element each link's text belongs to (the
/// parent of its `Link` element), read before the lines could go.
pub(super) struct Drawn {
    pub(super) owners: PageWords,
    pub(super) link_parents: PageWords,
    /// printpdf's pages, held as one when they are alike.
    pub(super) alike: Option<AlikePages>,
    /// Every page's links, until their annotations are written.
    pub(super) links: DrawnLinks,
}

/// What the file says of its article besides its pages: the title (the
/// Info dictionary's and printpdf's document's), the author, the subject
/// (the subtitle, else the source), the keywords (the section headings),
/// the language and the date. Read from the document before it is laid
/// out, so that the document may go once it is
/// ([`crate::write::render_pdf_giving_up`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DocInfo {
    pub(crate) title: String,
    author: Option<String>,
    subject: Option<String>,
    keywords: Vec<String>,
    lang: String,
    date: Option<String>,
}

impl DocInfo {
    /// `doc`'s.
    pub(crate) fn of(doc: &Document) -> DocInfo {
        DocInfo {
            title: doc.title.text.clone(),
            author: doc.meta.author.clone(),
            subject: subject(doc),
            keywords: doc
                .sections
                .iter()
                .map(|s| crate::ast::plain_text(&s.heading.inlines))
                .collect(),
            lang: doc.meta.lang.clone(),
            date: doc.meta.date.clone(),
        }
    }
}

/// How many bytes of outline items are written before they are put away
/// (in the temporary file, when there is one): a book of 2,880 articles'
/// 19,922 items were written whole into one buffer of 5.1 MB, the peak of
/// its heap under the system allocator.
const OUTLINE_RUN: usize = 1 << 16;

/// Writes into `lo` (and `serialized`) what printpdf cannot write, or
/// writes wrongly (the [adapter's](super) table): link annotations, the
/// outline, the catalog's entries, the structure tree and the Info
/// dictionary.
pub(super) fn post_pass(
    lo: &mut lopdf::Document,
    serialized: &mut save::Serialized,
    doc: &DocInfo,
    lay: &mut Layout,
    page_ids: &[ObjectId],
    drawn: &mut Drawn,
    opts: &PdfOptions,
) -> Result<(), WriteError> {
    let links = std::mem::take(&mut drawn.links);
    let bad = |e: lopdf::Error| WriteError::Assembly {
        stage: "PDF post-pass",
        detail: e.to_string(),
    };
    lo.version = "1.7".to_string();
    // What goes into `serialized`: the annotations, the outline's items,
    // the structure's elements and a link element at most per annotation,
    // the pages and their resources, the parent tree.
    if links.pages() != page_ids.len() {
        return Err(WriteError::Assembly {
            stage: "PDF annotations",
            detail: "a page's links were not drawn".into(),
        });
    }
    let annotations: usize = links.counts().sum();
    serialized.reserve(
        2 * annotations + lay.outline.len() + lay.structure.len() + 2 * page_ids.len() + 1,
    );
    let h = lay.height;
    let dest = |d: &crate::layout::Dest| {
        Object::Array(vec![
            Object::Reference(page_ids[d.page]),
            Object::Name(b"XYZ".to_vec()),
            round2(d.x),
            round2(h - d.y),
            Object::Null,
        ])
    };
    // Links: each annotation made and written in PDF syntax on its own (in
    // parallel), its `/StructParent` the parent tree's key that the
    // structure tree gives it: the next after the pages', in page order
    // (`AnnotIds::key`).
    // Each page's annotations numbered in order (the pages' `/Annots`
    // arrays are written with the pages: see `structure_tree`), then
    // written one after another into one buffer a page.
    let annot_ids = AnnotIds::number(lo, links.counts())?;
    write_pages(serialized, page_ids, &annot_ids, drawn)?;
    let long = page_ids.len() >= super::FREE_LINES_FROM_PAGES;
    // What the pool's threads freed writing the pages (8.3 MB of the seed
    // ×3,460's) goes back before the annotations are made.
    if long {
        crate::allocator::return_freed_memory_everywhere();
    }
    // A run of pages at a time, each run's annotations added as soon as
    // they are written.
    let page_count = page_ids.len();
    for pages in runs(links.counts(), PAGES_AT_ONCE, LINKS_AT_ONCE) {
        // The run's links (a long document's read back from the file),
        // every one going somewhere.
        let run_links = links.run(pages.clone(), serialized.file())?;
        if let Some(pi) = pages.clone().find(|&pi| {
            run_links.page(pi).iter().any(|l| match l.end {
                End::At { page, .. } => page as usize >= page_ids.len(),
                End::Uri(_) => false,
                End::Reference(_) | End::Cite(..) | End::Chapter(_) => true,
            })
        }) {
            return Err(WriteError::Assembly {
                stage: "PDF annotations",
                detail: format!("a link of page {pi} goes nowhere"),
            });
        }
        let stash = &*serialized;
        let annot_ids = &annot_ids;
        let links = &links;
        let run_links = &run_links;
        let annotations: Vec<save::Stashed> = pages
            .into_par_iter()
            .map(|pi| {
                let page = run_links.page(pi);
                let ids = annot_ids.page(pi);
                let mut out = ChunkWriter {
                    bytes: Vec::with_capacity(page.len() * 160),
                    objects: Vec::with_capacity(page.len()),
                };
                for (l, id) in page.iter().zip(ids) {
                    let [x0, t, x1, b] = l.rect;
                    let mut a = Dictionary::new();
                    a.set("Type", Object::Name(b"Annot".to_vec()));
                    a.set("Subtype", Object::Name(b"Link".to_vec()));
                    a.set(
                        "Rect",
                        Object::Array(vec![round2(x0), round2(h - b), round2(x1), round2(h - t)]),
                    );
                    a.set("Border", Object::Array(vec![0.into(), 0.into(), 0.into()]));
                    a.set("P", Object::Reference(page_ids[pi]));
                    match l.end {
                        End::Uri(i) => {
                            let mut act = Dictionary::new();
                            act.set("S", Object::Name(b"URI".to_vec()));
                            act.set(
                                "URI",
                                Object::String(
                                    links.uri(i).as_bytes().to_vec(),
                                    StringFormat::Literal,
                                ),
                            );
                            a.set("A", Object::Dictionary(act));
                        }
                        // (Every other end was found: checked above.)
                        End::At { page, x, y } => a.set(
                            "Dest",
                            dest(&crate::layout::Dest {
                                page: page as usize,
                                x,
                                y,
                            }),
                        ),
                        End::Reference(_) | End::Cite(..) | End::Chapter(_) => {}
                    }
                    a.set(
                        "StructParent",
                        Object::Integer(annot_ids.key(id, page_count)),
                    );
                    out.object(id, |bytes| {
                        save::write_object(bytes, &Object::Dictionary(a))
                    });
                }
                stash.stash(out)
            })
            .collect();
        for page_annotations in annotations {
            serialized.add_stashed(page_annotations);
        }
    }
    drop(links);
    // Outline: each item inside the nearest earlier item of a lower level.
    let tree = OutlineTree::of(lay.outline.iter().map(|o| o.level));
    // (An outline has items at the top when it has any: its first.)
    let outline_root = if let Some((first, last)) = tree.top {
        let root = lo.new_object_id();
        let ids: Vec<ObjectId> = lay.outline.iter().map(|_| lo.new_object_id()).collect();
        // Written in PDF syntax as each is made (as lopdf dictionaries, a
        // long article's 3,000 items held 3 MB until the file was packed),
        // and put away [`OUTLINE_RUN`] bytes at a time.
        let mut items = ChunkWriter::default();
        for (i, item) in lay.outline.iter().enumerate() {
            let mut d = Dictionary::new();
            d.set("Title", text_string(&item.title));
            d.set(
                "Parent",
                Object::Reference(tree.parent[i].map_or(root, |p| ids[p])),
            );
            d.set("Dest", dest(&item.dest));
            if let Some(p) = tree.prev[i] {
                d.set("Prev", Object::Reference(ids[p]));
            }
            if let Some(n) = tree.next[i] {
                d.set("Next", Object::Reference(ids[n]));
            }
            if let Some((f, l)) = tree.kids[i] {
                d.set("First", Object::Reference(ids[f]));
                d.set("Last", Object::Reference(ids[l]));
                // Open: the count of every item below it (a book's title
                // holds its chapters and their sections).
                d.set("Count", Object::Integer(tree.below[i] as i64));
            }
            items.object(ids[i], |bytes| {
                save::write_object(bytes, &Object::Dictionary(d))
            });
            if items.bytes.len() >= OUTLINE_RUN {
                std::mem::take(&mut items).add_to(serialized);
            }
        }
        items.add_to(serialized);
        let mut r = Dictionary::new();
        r.set("Type", Object::Name(b"Outlines".to_vec()));
        r.set("First", Object::Reference(ids[first]));
        r.set("Last", Object::Reference(ids[last]));
        r.set("Count", Object::Integer(lay.outline.len() as i64));
        lo.objects.insert(root, Object::Dictionary(r));
        Some(root)
    } else {
        None
    };
    // Catalog.
    let lang = if doc.lang.trim().is_empty() {
        "und"
    } else {
        doc.lang.trim()
    };
    {
        let cat = lo.catalog_mut().map_err(bad)?;
        cat.remove(b"PageMode");
        if let Some(root) = outline_root {
            cat.set("Outlines", Object::Reference(root));
            cat.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        }
        cat.set("Lang", text_string(lang));
        if !lay.page_labels.is_empty() {
            cat.set("PageLabels", page_labels(&lay.page_labels));
        }
        let mut vp = Dictionary::new();
        vp.set("DisplayDocTitle", Object::Boolean(true));
        cat.set("ViewerPreferences", Object::Dictionary(vp));
    }
    super::structure_tree::write(lo, serialized, lay, page_ids, &annot_ids, drawn)?;
    // Info.
    let mut info = Dictionary::new();
    info.set("Title", text_string(&doc.title));
    if let Some(a) = doc.author.as_deref().filter(|a| !a.trim().is_empty()) {
        info.set("Author", text_string(a.trim()));
    }
    if let Some(s) = &doc.subject {
        info.set("Subject", text_string(s));
    }
    if !doc.keywords.is_empty() {
        info.set("Keywords", text_string(&doc.keywords.join("; ")));
    }
    info.set(
        "Creator",
        text_string(&format!("refolio {}", env!("CARGO_PKG_VERSION"))),
    );
    info.set(
        "Producer",
        text_string("refolio (printpdf 0.12.8, lopdf 0.44)"),
    );
    let date = opts
        .timestamp
        .and_then(pdf_date)
        .or_else(|| doc.date.as_deref().and_then(meta_date));
    if let Some(d) = date {
        info.set(
            "CreationDate",
            Object::String(d.clone().into_bytes(), StringFormat::Literal),
        );
        info.set(
            "ModDate",
            Object::String(d.into_bytes(), StringFormat::Literal),
        );
    }
    // In place of printpdf's Info; every object written here is referenced,
    // so no pruning (nor renumbering: no gaps are made) is needed.
    let info_id = match lo.trailer.get(b"Info") {
        Ok(Object::Reference(old)) => *old,
        _ => lo.new_object_id(),
    };
    lo.objects.insert(info_id, Object::Dictionary(info));
    lo.trailer.set("Info", Object::Reference(info_id));
    lo.trailer.remove(b"ID");
    Ok(())
}

/// The outline's items as a tree, found from their levels alone: an item
/// is inside the nearest earlier item of a lower level. Made in one pass
/// with a stack of the items still open, so that a long book's tens of
/// thousands of items cost their number, not its square (searching the
/// items for each one's parent and siblings took 13% of the seed
/// ×16,000's PDF).
#[derive(Debug, PartialEq)]
struct OutlineTree {
    /// Each item's parent; `None` at the top.
    parent: Vec<Option<usize>>,
    /// Each item's previous sibling.
    prev: Vec<Option<usize>>,
    /// Each item's next sibling.
    next: Vec<Option<usize>>,
    /// Each item's first and last child.
    kids: Vec<Option<(usize, usize)>>,
    /// How many items are below each (its children, theirs, and so on):
    /// those after it up to the next of its level or lower.
    below: Vec<usize>,
    /// The first and last item at the top.
    top: Option<(usize, usize)>,
}

impl OutlineTree {
    fn of(levels: impl ExactSizeIterator<Item = u8>) -> OutlineTree {
        let n = levels.len();
        let mut t = OutlineTree {
            parent: vec![None; n],
            prev: vec![None; n],
            next: vec![None; n],
            kids: vec![None; n],
            below: vec![0; n],
            top: None,
        };
        // The open items, of rising levels: the nearest earlier item of a
        // lower level than the next is the last of them below its level.
        let mut open: Vec<(usize, u8)> = Vec::new();
        for (i, level) in levels.enumerate() {
            while let Some(&(j, _)) = open.last().filter(|&&(_, l)| l >= level) {
                // Closed by `i`: every item between them is below it.
                t.below[j] = i - j - 1;
                open.pop();
            }
            let parent = open.last().map(|&(j, _)| j);
            t.parent[i] = parent;
            let siblings = match parent {
                Some(p) => &mut t.kids[p],
                None => &mut t.top,
            };
            match siblings {
                Some((_, last)) => {
                    t.prev[i] = Some(*last);
                    t.next[*last] = Some(i);
                    *last = i;
                }
                None => *siblings = Some((i, i)),
            }
            open.push((i, level));
        }
        for (j, _) in open {
            t.below[j] = n - j - 1;
        }
        t
    }
}

/// The catalog's `/PageLabels` number tree (one flat `/Nums` array): `/r`
/// for roman, `/D` for arabic, `/St` when a range does not start at 1.
fn page_labels(labels: &[crate::layout::PageLabel]) -> Object {
    let mut nums = Vec::with_capacity(labels.len() * 2);
    for l in labels {
        let mut d = Dictionary::new();
        let style: &[u8] = match l.style {
            crate::layout::Numbering::Roman => b"r",
            crate::layout::Numbering::Arabic => b"D",
        };
        d.set("S", Object::Name(style.to_vec()));
        if l.first != 1 {
            d.set("St", Object::Integer(i64::from(l.first)));
        }
        nums.push(Object::Integer(l.start as i64));
        nums.push(Object::Dictionary(d));
    }
    let mut tree = Dictionary::new();
    tree.set("Nums", Object::Array(nums));
    Object::Dictionary(tree)
}

/// The numbers of the pages' link annotations: one run of numbers from
/// `first`, page after page, as `new_object_id` would give them a link at
/// a time (4 bytes a page, where a list of each page's numbers took 8 a
/// link and 24 a page: 1.2 MB of the seed ×3,460's, held until its
/// structure tree was written).
pub(super) struct AnnotIds {
    first: u32,
    /// Where each page's numbers start, counted from `first`; one more at
    /// the end.
    starts: Vec<u32>,
}

impl AnnotIds {
    /// Numbers for `counts[pi]` annotations of each page `pi`, taken from
    /// `lo`.
    pub(super) fn number(
        lo: &mut lopdf::Document,
        counts: impl ExactSizeIterator<Item = usize>,
    ) -> Result<Self, WriteError> {
        let too_many = || WriteError::Assembly {
            stage: "PDF annotations",
            detail: "more objects than a PDF's numbers hold".into(),
        };
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut at = 0u32;
        starts.push(at);
        for n in counts {
            at = u32::try_from(n)
                .ok()
                .and_then(|n| at.checked_add(n))
                .ok_or_else(too_many)?;
            starts.push(at);
        }
        let first = lo.max_id.checked_add(1).ok_or_else(too_many)?;
        lo.max_id = lo.max_id.checked_add(at).ok_or_else(too_many)?;
        Ok(AnnotIds { first, starts })
    }

    /// The numbers of page `pi`'s annotations, in order (none past the
    /// last page).
    pub(super) fn page(&self, pi: usize) -> impl ExactSizeIterator<Item = ObjectId> + use<> {
        let (a, b) = match (self.starts.get(pi), self.starts.get(pi + 1)) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0, 0),
        };
        let first = self.first;
        (a..b).map(move |k| (first + k, 0))
    }

    /// How many annotations page `pi` has.
    pub(super) fn count(&self, pi: usize) -> usize {
        self.page(pi).len()
    }

    /// How many annotations there are.
    pub(super) fn total(&self) -> usize {
        self.starts.last().map_or(0, |&n| n as usize)
    }

    /// The parent tree's key of annotation `id` in a document of `pages`
    /// pages: the pages' keys come first, then the annotations' in order.
    pub(super) fn key(&self, id: ObjectId, pages: usize) -> i64 {
        pages as i64 + i64::from(id.0) - i64::from(self.first)
    }
}

/// Pages written at once: each run of them is made, written in parallel
/// and put away before the next.
const PAGES_AT_ONCE: usize = 256;

/// Links whose pages, or annotations, are written at once (a run of pages
/// may be shorter than [`PAGES_AT_ONCE`] so as not to pass them, but has
/// one page at least): the pages at the end of a long article, its
/// reference list with thousands of back-links each, held their
/// `/Annots` arrays as lopdf objects, some 60 bytes a link (8.7 MB of the
/// seed ×3,460's heap).
const LINKS_AT_ONCE: usize = 16_384;

/// The pages, `counts[pi]` links each, in runs of at most `pages` pages
/// and, unless a run is one page, `links` links.
fn runs(
    counts: impl Iterator<Item = usize>,
    pages: usize,
    links: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut end, mut held) = (0, 0, 0);
    for n in counts {
        if end > start && (end - start == pages || held + n > links) {
            runs.push(start..end);
            (start, held) = (end, 0);
        }
        held += n;
        end += 1;
    }
    if end > start {
        runs.push(start..end);
    }
    runs
}

/// Each page, complete with its annotations (`/Annots`) and, when it has
/// marked content, its key in the parent tree (`/StructParents`, with
/// `/Tabs /S`: annotations in structure order), made from `drawn.alike`
/// and written into `serialized` in PDF syntax with its resource
/// dictionary, before the rest of the post-pass is made: as lopdf
/// dictionaries (a page's three boxes, its resources) a long article's
/// pages held some 6 KB each until the structure tree was written, 10 MB
/// for 1,650 pages at its PDF's peak.
fn write_pages(
    serialized: &mut save::Serialized,
    page_ids: &[ObjectId],
    annot_ids: &AnnotIds,
    drawn: &Drawn,
) -> Result<(), WriteError> {
    let counts = (0..page_ids.len()).map(|pi| annot_ids.count(pi));
    for run in runs(counts, PAGES_AT_ONCE, LINKS_AT_ONCE) {
        let mut made = Vec::with_capacity(run.len());
        for (pi, &id) in run.clone().zip(&page_ids[run]) {
            let mut page = drawn
                .alike
                .as_ref()
                .and_then(|a| a.page(pi, id))
                .ok_or_else(|| WriteError::Assembly {
                    stage: "PDF pages",
                    detail: format!("page {pi} was not made"),
                })?;
            let p = &mut page.dict;
            match annot_ids.page(pi) {
                annots if annots.len() == 0 => {
                    p.remove(b"Annots");
                }
                annots => p.set(
                    "Annots",
                    Object::Array(annots.map(Object::Reference).collect()),
                ),
            }
            if drawn.owners.len(pi) > 0 {
                p.set("StructParents", Object::Integer(pi as i64));
                p.set("Tabs", Object::Name(b"S".to_vec()));
            }
            made.push(page);
        }
        let stash = &*serialized;
        let written: Vec<save::Stashed> = made
            .par_chunks(16)
            .map(|run| {
                let mut out = ChunkWriter::default();
                for page in run {
                    let (resources, r) = &page.resources;
                    out.object(*resources, |bytes| save::write_dictionary(bytes, r));
                    out.object(page.id, |bytes| save::write_dictionary(bytes, &page.dict));
                }
                stash.stash(out)
            })
            .collect();
        drop(made);
        for pages in written {
            serialized.add_stashed(pages);
        }
    }
    Ok(())
}

/// A page made again ([`AlikePages::page`]): its number, its dictionary,
/// and its resource dictionary with that one's number.
pub(super) struct MadePage<'a> {
    pub(super) id: ObjectId,
    pub(super) dict: Dictionary,
    pub(super) resources: (ObjectId, &'a Dictionary),
}

/// The pages printpdf would make, all alike but for their resource
/// dictionary's and content stream's numbers (and those dictionaries all
/// alike too), held as one page and one resource dictionary until they are
/// written ([`write_pages`] makes each): printpdf makes only the first
/// ([`spread`](Self::spread)). As lopdf objects, made by printpdf all at
/// once, the pages took some 5 KB each at the PDF's peak (8.8 MB of the
/// seed ×1,500's heap of 37.9 MB), and some 900 bytes each once made.
pub(super) struct AlikePages {
    /// The first page, its `/Resources` and `/Contents` set to 0 0 R.
    page: Dictionary,
    resources: Dictionary,
    /// The first page's number.
    first: u32,
    /// How many pages there are.
    count: u32,
}

impl AlikePages {
    /// The `pages` pages printpdf would make, from `lo`, printpdf's
    /// document of one page, numbered as printpdf numbers a document of
    /// `pages` pages, and the pages' numbers in order. printpdf numbers the
    /// pages one after another from the first (`p`), then each page's
    /// resource dictionary and contents in turn (`p + pages + 2i` and the
    /// next), then the catalog and the Info dictionary last; the objects
    /// before the pages (the fonts) do not depend on empty pages. So the
    /// one page and its resource dictionary are taken out of `lo` as every
    /// page's, its contents (the glyph inventory, which the drawn page
    /// replaces) dropped, the catalog and the Info dictionary moved to
    /// their numbers after every page's, and the page tree given every
    /// page. `None`, and `lo` as it was, when `lo` is not numbered so.
    pub(super) fn spread(lo: &mut lopdf::Document, pages: usize) -> Option<(Self, Vec<ObjectId>)> {
        let count = u32::try_from(pages).ok()?;
        let first = lo.page_iter().next()?;
        let page = lo.objects.get(&first)?.as_dict().ok()?;
        let tree = page.get(b"Parent").ok()?.as_reference().ok()?;
        let trailer = |key: &[u8]| lo.trailer.get(key).ok()?.as_reference().ok();
        let (catalog, info) = (trailer(b"Root")?, trailer(b"Info")?);
        let p = first.0;
        let (resources, contents) = ((p + 1, 0), (p + 2, 0));
        // The one page's numbers, as above.
        let numbered = first.1 == 0
            && page.get(b"Resources").ok()?.as_reference().ok()? == resources
            && page.get(b"Contents").ok()?.as_reference().ok()? == contents
            && catalog == (p + 3, 0)
            && info == (p + 4, 0)
            && lo.max_id == p + 4
            && lo.objects.get(&resources)?.as_dict().is_ok()
            && lo.objects.contains_key(&contents)
            && lo.objects.contains_key(&catalog)
            && lo.objects.contains_key(&info)
            && lo.objects.get(&tree)?.as_dict().ok()?.get(b"Count").ok()? == &Object::Integer(1);
        let last = count.checked_mul(3)?.checked_add(p + 1)?;
        if !numbered || count == 0 {
            return None;
        }
        let blank = Object::Reference((0, 0));
        let mut page = page.clone();
        page.set("Resources", blank.clone());
        page.set("Contents", blank);
        // Each is there (checked above).
        let taken = [first, contents, resources, catalog, info].map(|id| lo.objects.remove(&id));
        let [
            _,
            _,
            Some(Object::Dictionary(resources)),
            Some(catalog),
            Some(info),
        ] = taken
        else {
            return None;
        };
        lo.objects.insert((last - 1, 0), catalog);
        lo.objects.insert((last, 0), info);
        lo.trailer.set("Root", Object::Reference((last - 1, 0)));
        lo.trailer.set("Info", Object::Reference((last, 0)));
        lo.max_id = last;
        let page_ids: Vec<ObjectId> = (p..p + count).map(|n| (n, 0)).collect();
        if let Ok(tree) = lo.get_object_mut(tree).and_then(Object::as_dict_mut) {
            tree.set("Count", Object::Integer(i64::from(count)));
            tree.set(
                "Kids",
                Object::Array(page_ids.iter().map(|&id| Object::Reference(id)).collect()),
            );
        }
        let alike = AlikePages {
            page,
            resources,
            first: p,
            count,
        };
        Some((alike, page_ids))
    }

    /// The number of the pages' tree (their `/Parent`).
    pub(super) fn tree(&self) -> Option<ObjectId> {
        self.page.get(b"Parent").ok()?.as_reference().ok()
    }

    /// Page `pi`'s number, its resource dictionary's and its contents'.
    fn numbers(&self, pi: usize) -> Option<(ObjectId, ObjectId, ObjectId)> {
        let i = u32::try_from(pi).ok().filter(|&i| i < self.count)?;
        let r = self.first + self.count + 2 * i;
        Some(((self.first + i, 0), (r, 0), (r + 1, 0)))
    }

    /// The contents' number of page `pi`.
    pub(super) fn contents(&self, pi: usize) -> Option<ObjectId> {
        self.numbers(pi).map(|(_, _, c)| c)
    }

    /// Page `pi` (numbered `id`), made again as printpdf made it.
    pub(super) fn page(&self, pi: usize, id: ObjectId) -> Option<MadePage<'_>> {
        let (number, r, c) = self.numbers(pi)?;
        if number != id {
            return None;
        }
        let mut dict = self.page.clone();
        dict.set("Resources", Object::Reference(r));
        dict.set("Contents", Object::Reference(c));
        Some(MadePage {
            id,
            dict,
            resources: (r, &self.resources),
        })
    }
}

/// The subtitle, or the source, as the document's subject.
fn subject(doc: &Document) -> Option<String> {
    if let Some(s) = &doc.subtitle {
        return Some(s.text.clone());
    }
    doc.meta
        .source_url
        .as_ref()
        .map(|u| format!("Article from {u}"))
}

/// Deflates every stream that has no filter yet, at zlib's default level.
/// (lopdf's own `compress` uses the best level, which took about an eighth
/// of the whole PDF time for a few per cent of size.) In parallel: the page
/// contents are most of them.
pub(super) fn compress_streams(lo: &mut lopdf::Document) {
    let streams: Vec<&mut lopdf::Stream> = lo
        .objects
        .values_mut()
        .filter_map(|object| match object {
            Object::Stream(s) if s.dict.get(b"Filter").is_err() && s.allows_compression => Some(s),
            _ => None,
        })
        .collect();
    streams.into_par_iter().for_each(compress_stream);
}

/// `stream` deflated at zlib's default level, unless that saves too little
/// to pay for its `/Filter` entry.
pub(super) fn compress_stream(stream: &mut lopdf::Stream) {
    let mut compressed = deflate(&stream.content, Level::Default);
    if compressed.len() + 19 < stream.content.len() {
        // Kept until the file is written (made with room for half the
        // content, a page's contents take a fifth or less).
        compressed.shrink_to_fit();
        stream.dict.set("Filter", "FlateDecode");
        stream.set_content(compressed);
    }
}

/// A zlib compression level refolio uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    /// zlib's default (6): page contents, fonts.
    Default,
    /// Level 2: object streams and the cross-reference stream, deflated
    /// as pieces ([`deflate_pieces`]); whole only to compare, in tests.
    #[cfg(test)]
    Fast,
}

thread_local! {
    /// One compressor per thread and level, reset between streams, for the
    /// life of the thread: setting one up (zeroing its window and hash
    /// tables) cost about as much as compressing a page, and a batch
    /// (`convert -j N` over many articles) would pay it for every file.
    static COMPRESSORS: std::cell::RefCell<[Option<flate2::Compress>; 2]> =
        const { std::cell::RefCell::new([None, None]) };
}

/// Pieces deflated (zlib format) at level 2 as one stream, the same bytes
/// as [`deflate`] of them joined at `Level::Fast`: `feed` hands them, in
/// order, to the function it is given (an object stream's objects, where
/// they are, not copied into one buffer first: a figure's 32 MB `/Alt` was
/// copied twice; the cross-reference stream's entries, as they are made).
/// `total`: how long they are, to make room for what they deflate to.
///
/// Object streams and the cross-reference stream are deflated so: at
/// level 2, on the seed 1.5 % larger a file than at the default level
/// (6), in about a third of the time; level 1 costs 7 %.
///
/// Only at that level: zlib-rs sets level 2 with zlib's classic fast
/// strategy, whose output does not depend on how its input is cut, but
/// the default level (6) with zlib-ng's medium strategy, whose output
/// does (`pieces_deflate_as_the_whole` found it so).
pub(super) fn deflate_pieces<E>(
    total: usize,
    feed: impl FnOnce(&mut dyn FnMut(&[u8])) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    COMPRESSORS.with_borrow_mut(|slots| {
        let d = slots[1].get_or_insert_with(|| Compress::new(Compression::new(2), true));
        d.reset();
        let mut out = Vec::with_capacity(total / 2 + 64);
        let mut compress = |mut piece: &[u8]| {
            while !piece.is_empty() {
                let (read, wrote) = (d.total_in(), d.total_out());
                let _ = d.compress_vec(piece, &mut out, FlushCompress::None);
                piece = &piece[(d.total_in() - read) as usize..];
                // Out of room, or no way on without more.
                if out.len() == out.capacity() || (d.total_in(), d.total_out()) == (read, wrote) {
                    out.reserve(out.capacity().max(64));
                }
            }
        };
        // Short pieces (most objects: a structure element, a link) are
        // gathered and handed to zlib together: a call for each cost the
        // seed ×1,500's PDF some 3% of its time.
        let mut staged = Vec::with_capacity(STAGED.min(total));
        feed(&mut |piece: &[u8]| {
            if staged.len() + piece.len() > STAGED {
                compress(&staged);
                staged.clear();
            }
            if piece.len() >= STAGED {
                compress(piece);
            } else {
                staged.extend_from_slice(piece);
            }
        })?;
        compress(&staged);
        loop {
            match d.compress_vec(&[], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => break,
                _ => out.reserve(out.capacity().max(64)),
            }
        }
        Ok(out)
    })
}

/// How many bytes of short pieces [`deflate_pieces`] gathers before it
/// hands them to zlib.
const STAGED: usize = 64 * 1024;

/// `data` deflated (zlib format) at `level`.
pub(super) fn deflate(data: &[u8], level: Level) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    COMPRESSORS.with_borrow_mut(|slots| {
        let (slot, zlib_level) = match level {
            Level::Default => (&mut slots[0], Compression::default()),
            #[cfg(test)]
            Level::Fast => (&mut slots[1], Compression::new(2)),
        };
        let d = slot.get_or_insert_with(|| Compress::new(zlib_level, true));
        d.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let read = d.total_in() as usize;
            match d.compress_vec(&data[read..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => break,
                // Only a buffer error, which more room mends.
                _ => out.reserve(out.capacity().max(64)),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::{AnnotIds, OutlineTree, runs};
    use proptest::prelude::*;

    /// The outline's tree as its definition reads, searching every item
    /// for each item's parent, siblings and children.
    fn outline_tree_searched(levels: &[u8]) -> OutlineTree {
        let n = levels.len();
        let parent: Vec<Option<usize>> = (0..n)
            .map(|i| (0..i).rev().find(|&j| levels[j] < levels[i]))
            .collect();
        let children =
            |p: Option<usize>| -> Vec<usize> { (0..n).filter(|&i| parent[i] == p).collect() };
        let ends = |v: Vec<usize>| Some((*v.first()?, *v.last()?));
        let sibling = |i: usize, step: isize| {
            let sibs = children(parent[i]);
            let pos = sibs.iter().position(|&s| s == i).unwrap() as isize;
            sibs.get(usize::try_from(pos + step).ok()?).copied()
        };
        OutlineTree {
            prev: (0..n).map(|i| sibling(i, -1)).collect(),
            next: (0..n).map(|i| sibling(i, 1)).collect(),
            kids: (0..n).map(|i| ends(children(Some(i)))).collect(),
            below: (0..n)
                .map(|i| {
                    levels[i + 1..]
                        .iter()
                        .take_while(|&&l| l > levels[i])
                        .count()
                })
                .collect(),
            top: ends(children(None)),
            parent,
        }
    }

    proptest! {
        /// The tree made in one pass is the tree searched for, whatever
        /// the levels: rising by more than one, falling below the first,
        /// repeated.
        #[test]
        fn the_outline_tree_made_in_one_pass_is_the_tree_searched_for(
            levels in proptest::collection::vec(0u8..5, 0..40)
        ) {
            prop_assert_eq!(
                OutlineTree::of(levels.iter().copied()),
                outline_tree_searched(&levels)
            );
        }
    }

    /// The annotations' numbers are those `new_object_id` gives a link at
    /// a time, page after page, and the document's next number follows
    /// them.
    #[test]
    fn annotation_numbers_are_new_object_ids_in_page_order() {
        let counts = [3, 0, 2, 1, 0];
        let mut lo = lopdf::Document::with_version("1.7");
        lo.max_id = 40;
        let mut one_by_one = lo.clone();
        let expected: Vec<Vec<lopdf::ObjectId>> = counts
            .iter()
            .map(|&n| (0..n).map(|_| one_by_one.new_object_id()).collect())
            .collect();
        let ids = AnnotIds::number(&mut lo, counts.iter().copied()).unwrap();
        for (pi, page) in expected.iter().enumerate() {
            assert_eq!(&ids.page(pi).collect::<Vec<_>>(), page);
            assert_eq!(ids.count(pi), page.len());
        }
        assert_eq!(ids.page(counts.len()).len(), 0);
        assert_eq!(ids.total(), 6);
        // Keys after the pages' (5), in page order.
        let keys: Vec<i64> = (0..counts.len())
            .flat_map(|pi| ids.page(pi))
            .map(|id| ids.key(id, counts.len()))
            .collect();
        assert_eq!(keys, [5, 6, 7, 8, 9, 10]);
        assert_eq!(lo.new_object_id(), one_by_one.new_object_id());
        // Numbers past a PDF's are refused, not wrapped.
        lo.max_id = u32::MAX - 1;
        assert!(AnnotIds::number(&mut lo, [1, 1].into_iter()).is_err());
        assert_eq!(lo.max_id, u32::MAX - 1);
    }

    /// Runs of pages: at most so many pages, and so many links unless a
    /// page alone has more; every page in one run, in order.
    #[test]
    fn pages_run_by_pages_and_by_links() {
        let cut = |counts: &[usize], pages, links| runs(counts.iter().copied(), pages, links);
        assert!(cut(&[], 4, 10).is_empty());
        assert_eq!(cut(&[0; 9], 4, 10), [0..4, 4..8, 8..9]);
        assert_eq!(cut(&[3, 3, 3, 3, 3], 4, 10), [0..3, 3..5]);
        assert_eq!(cut(&[2, 30, 1, 10, 0], 4, 10), [0..1, 1..2, 2..3, 3..5]);
        assert_eq!(cut(&[10, 10], 4, 10), [0..1, 1..2]);
        assert_eq!(cut(&[5, 5, 0], 8, 10), vec![0..3]);
    }
}
