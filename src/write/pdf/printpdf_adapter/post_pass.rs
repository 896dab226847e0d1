//! The lopdf post-pass over printpdf's document: link annotations, the
//! outline, the catalog's `/PageMode`, `/Lang` and viewer preferences, the
//! structure tree of the tagged PDF, the PDF version, the Info dictionary;
//! then every stream deflated. Why each
//! step exists: the defect table in the [adapter's docs](super).

use super::save::{self, ChunkWriter};
use crate::ast::Document;
use crate::error::WriteError;
use crate::layout::{Layout, LinkTo};
use crate::write::pdf::PdfOptions;
use crate::write::pdf::tags::{self, Owner};
use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use rayon::prelude::*;

/// A PDF text string: PDFDocEncoding-safe ASCII as is, else UTF-16BE with a BOM.
pub(super) fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut v = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(v, StringFormat::Hexadecimal)
    }
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
    pub(super) owners: Vec<Vec<Owner>>,
    pub(super) link_parents: Vec<Vec<usize>>,
}

/// Writes into `lo` (and `serialized`) what printpdf cannot write, or
/// writes wrongly (the [adapter's](super) table): link annotations, the
/// outline, the catalog's entries, the structure tree and the Info
/// dictionary.
pub(super) fn post_pass(
    lo: &mut lopdf::Document,
    serialized: &mut save::Serialized,
    doc: &Document,
    lay: &Layout,
    page_ids: &[ObjectId],
    drawn: &Drawn,
    opts: &PdfOptions,
) -> Result<(), WriteError> {
    let bad = |e: lopdf::Error| WriteError::Assembly {
        stage: "PDF post-pass",
        detail: e.to_string(),
    };
    lo.version = "1.7".to_string();
    // What goes into `serialized`: the annotations, the outline's items,
    // the structure's elements and a link element at most per annotation,
    // the pages and their resources, the parent tree.
    let annotations: usize = lay.pages.iter().map(|p| p.links.len()).sum();
    serialized.reserve(
        2 * annotations + lay.outline.len() + lay.structure.len() + 2 * lay.pages.len() + 1,
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
    // structure tree gives it: the next after the pages', in page order.
    let first_keys: Vec<i64> = lay
        .pages
        .iter()
        .scan(lay.pages.len() as i64, |key, page| {
            let first = *key;
            *key += page.links.len() as i64;
            Some(first)
        })
        .collect();
    // Each page's annotations numbered in order (the pages' `/Annots`
    // arrays are written with the pages: see `structure_tree`), then
    // written one after another into one buffer a page.
    let annot_ids: Vec<Vec<ObjectId>> = lay
        .pages
        .iter()
        .map(|page| page.links.iter().map(|_| lo.new_object_id()).collect())
        .collect();
    let stash = &*serialized;
    let annotations: Vec<save::Stashed> = lay
        .pages
        .par_iter()
        .zip(&first_keys)
        .zip(&annot_ids)
        .enumerate()
        .map(|(pi, ((page, &first_key), ids))| {
            let mut out = ChunkWriter {
                bytes: Vec::with_capacity(page.links.len() * 160),
                objects: Vec::with_capacity(page.links.len()),
            };
            for (k, (l, &id)) in page.links.iter().zip(ids).enumerate() {
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
                match &l.to {
                    LinkTo::Dest(d) => a.set("Dest", dest(d)),
                    LinkTo::Uri(u) => {
                        let mut act = Dictionary::new();
                        act.set("S", Object::Name(b"URI".to_vec()));
                        act.set(
                            "URI",
                            Object::String(u.as_bytes().to_vec(), StringFormat::Literal),
                        );
                        a.set("A", Object::Dictionary(act));
                    }
                }
                a.set("StructParent", Object::Integer(first_key + k as i64));
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
    // Outline: each item inside the nearest earlier item of a lower level.
    let outline_root = if lay.outline.is_empty() {
        None
    } else {
        let root = lo.new_object_id();
        let ids: Vec<ObjectId> = lay.outline.iter().map(|_| lo.new_object_id()).collect();
        // Parent of each item: the nearest earlier item of a lower level.
        let parent: Vec<Option<usize>> = (0..lay.outline.len())
            .map(|i| {
                (0..i)
                    .rev()
                    .find(|&j| lay.outline[j].level < lay.outline[i].level)
            })
            .collect();
        let children = |p: Option<usize>| -> Vec<usize> {
            (0..lay.outline.len()).filter(|&i| parent[i] == p).collect()
        };
        // Written in PDF syntax as each is made (as lopdf dictionaries, a
        // long article's 3,000 items held 3 MB until the file was packed).
        let mut items = ChunkWriter::default();
        for (i, item) in lay.outline.iter().enumerate() {
            let mut d = Dictionary::new();
            d.set("Title", text_string(&item.title));
            d.set(
                "Parent",
                Object::Reference(parent[i].map_or(root, |p| ids[p])),
            );
            d.set("Dest", dest(&item.dest));
            let sibs = children(parent[i]);
            let pos = sibs
                .iter()
                .position(|&s| s == i)
                .expect("an item is its parent's child");
            if pos > 0 {
                d.set("Prev", Object::Reference(ids[sibs[pos - 1]]));
            }
            if pos + 1 < sibs.len() {
                d.set("Next", Object::Reference(ids[sibs[pos + 1]]));
            }
            let kids = children(Some(i));
            if let (Some(f), Some(l)) = (kids.first(), kids.last()) {
                d.set("First", Object::Reference(ids[*f]));
                d.set("Last", Object::Reference(ids[*l]));
                // Open: the count of every item below it (a book's title
                // holds its chapters and their sections).
                let below = lay.outline[i + 1..]
                    .iter()
                    .take_while(|o| o.level > item.level)
                    .count();
                d.set("Count", Object::Integer(below as i64));
            }
            items.object(ids[i], |bytes| {
                save::write_object(bytes, &Object::Dictionary(d))
            });
        }
        items.add_to(serialized);
        let top = children(None);
        let mut r = Dictionary::new();
        r.set("Type", Object::Name(b"Outlines".to_vec()));
        r.set("First", Object::Reference(ids[top[0]]));
        r.set(
            "Last",
            Object::Reference(ids[*top.last().expect("non-empty")]),
        );
        r.set("Count", Object::Integer(lay.outline.len() as i64));
        lo.objects.insert(root, Object::Dictionary(r));
        Some(root)
    };
    // Catalog.
    let lang = if doc.meta.lang.trim().is_empty() {
        "und"
    } else {
        doc.meta.lang.trim()
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
    structure_tree(lo, serialized, lay, page_ids, &annot_ids, drawn)?;
    // Info.
    let mut info = Dictionary::new();
    info.set("Title", text_string(&doc.title.text));
    if let Some(a) = doc.meta.author.as_deref().filter(|a| !a.trim().is_empty()) {
        info.set("Author", text_string(a.trim()));
    }
    if let Some(s) = subject(doc) {
        info.set("Subject", text_string(&s));
    }
    let keywords: Vec<String> = doc
        .sections
        .iter()
        .map(|s| crate::ast::plain_text(&s.heading.inlines))
        .collect();
    if !keywords.is_empty() {
        info.set("Keywords", text_string(&keywords.join("; ")));
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
        .or_else(|| doc.meta.date.as_deref().and_then(meta_date));
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

/// The parent tree, `<</Nums [key value …]>>`, written in PDF syntax as
/// it grows: a page's key and the array of the elements that own its
/// marked-content sequences (by MCID), then each link annotation's key and
/// its `Link` element. As lopdf objects, an array entry for every marked
/// sequence held some 25 MB for 1,650 pages until the file was written.
/// Byte for byte what [`save`] writes for the same dictionary (a unit test
/// compares them).
struct ParentTreeNums {
    out: Vec<u8>,
    /// No separator goes before the next entry (the first of an array).
    first: bool,
}

impl ParentTreeNums {
    fn new() -> Self {
        ParentTreeNums {
            out: b"<</Nums [".to_vec(),
            first: true,
        }
    }

    fn separate(&mut self) {
        if !self.first {
            self.out.push(b' ');
        }
        self.first = false;
    }

    fn key(&mut self, key: i64) {
        self.separate();
        save::write_object(&mut self.out, &Object::Integer(key));
    }

    fn reference(&mut self, id: ObjectId) {
        self.separate();
        save::write_object(&mut self.out, &Object::Reference(id));
    }

    fn open_array(&mut self) {
        self.separate();
        self.out.push(b'[');
        self.first = true;
    }

    fn close_array(&mut self) {
        self.out.push(b']');
        self.first = false;
    }

    fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"]>>");
        self.out
    }
}

/// An element of the structure tree being written. Most have one or two
/// kids (a link's text and its annotation), held in place: a vector of
/// its own for each of a long article's 60,000 link elements held 6 MB.
#[derive(Default)]
struct Element {
    id: Option<ObjectId>,
    kids: smallvec::SmallVec<[Kid; 2]>,
    /// The page of its first content.
    page: Option<usize>,
}

/// One entry of a structure element's `/K` array, in 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kid {
    /// A marked-content sequence on the element's page: its MCID.
    Mcid(u32),
    /// A marked-content sequence on another page: a `/MCR` dictionary.
    Mcr { page: ObjectId, mcid: u32 },
    /// A child element.
    Element(ObjectId),
    /// A link annotation: an `/OBJR` dictionary.
    Annotation { annot: ObjectId, page: ObjectId },
}

impl Element {
    /// A marked-content sequence of page `pi`: its MCID alone on the
    /// element's page, with its page on another.
    fn mcid(&mut self, pi: usize, mcid: u32, page_ids: &[ObjectId]) {
        let page = *self.page.get_or_insert(pi);
        if page == pi {
            self.kids.push(Kid::Mcid(mcid));
        } else {
            self.kids.push(Kid::Mcr {
                page: page_ids[pi],
                mcid,
            });
        }
    }
}

/// A structure element in PDF syntax, written straight from its parts:
/// `<</S /tag /P parent /Pg page /K [kids] /Alt (…) /Lang (…)>>`, byte for
/// byte what the same lopdf dictionary gives (a unit test compares them),
/// without building one (a dictionary per element and per kid was most of
/// the structure tree's time).
fn element_bytes(
    out: &mut Vec<u8>,
    tag: &str,
    parent: ObjectId,
    page: Option<ObjectId>,
    kids: &[Kid],
    extra: &[(&str, Object)],
) {
    use std::io::Write;
    out.extend_from_slice(b"<</S ");
    save::write_name(out, tag.as_bytes());
    let _ = write!(out, " /P {} {} R", parent.0, parent.1);
    if let Some(p) = page {
        let _ = write!(out, " /Pg {} {} R", p.0, p.1);
    }
    out.extend_from_slice(b" /K [");
    for (i, kid) in kids.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        let _ = match *kid {
            Kid::Mcid(m) => write!(out, "{m}"),
            Kid::Mcr { page, mcid } => write!(
                out,
                "<</Type /MCR /Pg {} {} R /MCID {mcid}>>",
                page.0, page.1
            ),
            Kid::Element(id) => write!(out, "{} {} R", id.0, id.1),
            Kid::Annotation { annot, page } => write!(
                out,
                "<</Type /OBJR /Obj {} {} R /Pg {} {} R>>",
                annot.0, annot.1, page.0, page.1
            ),
        };
    }
    out.push(b']');
    for (key, value) in extra {
        out.push(b' ');
        save::write_name(out, key.as_bytes());
        out.push(b' ');
        save::write_object(out, value);
    }
    out.extend_from_slice(b">>");
}

/// The structure tree: one element per element of the layout's structure
/// that has content, and one `Link` element per link annotation (holding
/// the linked text's marked content and the annotation, as an `OBJR`),
/// children in reading order; the parent tree that maps each page's MCIDs
/// ([`Owner`]s, from the content writer) and each annotation back to its
/// element; `/StructParents` and `/Tabs /S` on the pages, `/StructParent`
/// on the annotations, `/MarkInfo` and `/StructTreeRoot` in the catalog.
fn structure_tree(
    lo: &mut lopdf::Document,
    serialized: &mut save::Serialized,
    lay: &Layout,
    page_ids: &[ObjectId],
    annot_ids: &[Vec<ObjectId>],
    drawn: &Drawn,
) -> Result<(), WriteError> {
    let bad = |e: lopdf::Error| WriteError::Assembly {
        stage: "PDF structure tree",
        detail: e.to_string(),
    };
    let nodes = &lay.structure;
    let root_id = lo.new_object_id();
    let mut els: Vec<Element> = nodes.iter().map(|_| Element::default()).collect();
    // Makes element `n` (and its ancestors) part of the tree, each the last
    // child of its parent so far: elements come in reading order.
    fn attach(n: usize, lay: &Layout, els: &mut [Element], lo: &mut lopdf::Document) -> ObjectId {
        if let Some(id) = els[n].id {
            return id;
        }
        let id = lo.new_object_id();
        els[n].id = Some(id);
        if let Some(p) = lay.structure[n].parent.filter(|&p| p < n) {
            attach(p, lay, els, lo);
            els[p].kids.push(Kid::Element(id));
        }
        id
    }
    if !nodes.is_empty() {
        attach(0, lay, &mut els, lo);
    }
    // Link elements: (id, parent node, element).
    let sequences: usize = drawn.owners.iter().map(Vec::len).sum();
    let annotations: usize = annot_ids.iter().map(Vec::len).sum();
    // A link element at most per annotation.
    let mut links: Vec<(usize, Element)> = Vec::with_capacity(annotations);
    let mut nums = ParentTreeNums::new();
    // Room for its entries: a page's key and an element for each of its
    // marked sequences, a key and an element for each annotation, each
    // with a separator; numbers at their longest (an element's number is
    // at most one more per node and per annotation). Grown by doubling
    // from a shorter guess, it took twice its room.
    let digits = |n: usize| n.checked_ilog10().unwrap_or(0) as usize + 1;
    let reference = digits(lo.max_id as usize + nodes.len() + annotations + 2) + 5;
    let key = digits(lay.pages.len() + annotations) + 1;
    nums.out.reserve(
        (key + 2) * lay.pages.len() + reference * sequences + (key + reference) * annotations,
    );
    let mut next_key = lay.pages.len() as i64;
    let mut annot_keys = Vec::new();
    let mut pages = ChunkWriter::default();
    for (pi, page) in lay.pages.iter().enumerate() {
        let mut page_links: Vec<Option<usize>> = vec![None; page.links.len()];
        let mut link_of = |k: usize,
                           links: &mut Vec<(usize, Element)>,
                           els: &mut [Element],
                           lo: &mut lopdf::Document| {
            if let Some(i) = page_links[k] {
                return i;
            }
            let parent = drawn.link_parents[pi][k].min(nodes.len().saturating_sub(1));
            let id = lo.new_object_id();
            if !nodes.is_empty() {
                attach(parent, lay, els, lo);
                els[parent].kids.push(Kid::Element(id));
            }
            links.push((
                parent,
                Element {
                    id: Some(id),
                    kids: Default::default(),
                    page: Some(pi),
                },
            ));
            page_links[k] = Some(links.len() - 1);
            links.len() - 1
        };
        let marked = drawn.owners.get(pi).map_or(&[][..], Vec::as_slice);
        if !marked.is_empty() {
            nums.key(pi as i64);
            nums.open_array();
        }
        if u32::try_from(marked.len()).is_err() {
            return Err(WriteError::Assembly {
                stage: "PDF structure tree",
                detail: format!("page {pi}: more marked sequences than a number holds"),
            });
        }
        for (mcid, owner) in (0u32..).zip(marked) {
            let el = match *owner {
                Owner::Node(n) if n < nodes.len() => {
                    let id = attach(n, lay, &mut els, lo);
                    els[n].mcid(pi, mcid, page_ids);
                    id
                }
                Owner::Link(k) if k < page.links.len() => {
                    let i = link_of(k, &mut links, &mut els, lo);
                    links[i].1.mcid(pi, mcid, page_ids);
                    links[i].1.id.unwrap_or(root_id)
                }
                _ => {
                    return Err(WriteError::Assembly {
                        stage: "PDF structure tree",
                        detail: format!("page {pi}: marked content of nothing ({owner:?})"),
                    });
                }
            };
            nums.reference(el);
        }
        if !marked.is_empty() {
            nums.close_array();
        }
        // The page is complete once it has its annotations and its entries
        // for the structure tree: it is written now, with its resources.
        let p = lo
            .get_object_mut(page_ids[pi])
            .and_then(Object::as_dict_mut)
            .map_err(bad)?;
        if annot_ids[pi].is_empty() {
            p.remove(b"Annots");
        } else {
            p.set(
                "Annots",
                Object::Array(
                    annot_ids[pi]
                        .iter()
                        .map(|&id| Object::Reference(id))
                        .collect(),
                ),
            );
        }
        if !marked.is_empty() {
            p.set("StructParents", Object::Integer(pi as i64));
            p.set("Tabs", Object::Name(b"S".to_vec()));
        }
        write_page(lo, page_ids[pi], &mut pages);
        for (k, &annot) in annot_ids[pi].iter().enumerate() {
            let i = link_of(k, &mut links, &mut els, lo);
            links[i].1.kids.push(Kid::Annotation {
                annot,
                page: page_ids[pi],
            });
            annot_keys.push((next_key, links[i].1.id.unwrap_or(root_id)));
            next_key += 1;
        }
    }
    pages.add_to(serialized);
    for (key, id) in annot_keys {
        nums.key(key);
        nums.reference(id);
    }
    // The elements, written in parallel.
    let node_ids: Vec<Option<ObjectId>> = els.iter().map(|e| e.id).collect();
    let parent_id = |n: usize| {
        nodes[n]
            .parent
            .and_then(|p| node_ids.get(p).copied().flatten())
            .unwrap_or(root_id)
    };
    let page_id = |e: &Element| e.page.map(|p| page_ids[p]);
    // Each element's kids go once it is written: a long article's kids
    // and their bytes were otherwise both held, the peak of its PDF.
    // Written in runs of elements, each into one buffer.
    const RUN: usize = 256;
    let stash = &*serialized;
    let link_elements: Vec<save::Stashed> = links
        .par_chunks_mut(RUN)
        .map(|run| {
            let mut out = ChunkWriter::default();
            for (parent, e) in run {
                let parent = node_ids[*parent].unwrap_or(root_id);
                let kids = std::mem::take(&mut e.kids);
                if let Some(id) = e.id {
                    out.object(id, |bytes| {
                        element_bytes(bytes, "Link", parent, page_id(e), &kids, &[])
                    });
                }
            }
            stash.stash(out)
        })
        .collect();
    let node_elements: Vec<save::Stashed> = els
        .par_chunks_mut(RUN)
        .enumerate()
        .map(|(r, run)| {
            let mut out = ChunkWriter::default();
            for (i, e) in run.iter_mut().enumerate() {
                let n = r * RUN + i;
                let kids = std::mem::take(&mut e.kids);
                let Some(id) = e.id else { continue };
                let node = &nodes[n];
                let mut extra = Vec::new();
                if let Some(alt) = &node.alt {
                    extra.push(("Alt", text_string(alt)));
                }
                if let Some(lang) = &node.lang {
                    extra.push(("Lang", text_string(lang)));
                }
                let tag = tags::kind_tag(node.kind);
                out.object(id, |bytes| {
                    element_bytes(bytes, tag, parent_id(n), page_id(e), &kids, &extra)
                });
            }
            stash.stash(out)
        })
        .collect();
    // In a long document, the memory of the kids (freed as the elements
    // were written, on every thread) goes back before the elements' bytes
    // are kept at their size: the seed ×1,500's PDF peaked here, at
    // 128 MB, 123 MB so.
    if lay.pages.len() >= super::FREE_LINES_FROM_PAGES {
        crate::allocator::return_freed_memory_everywhere();
    }
    for run in link_elements.into_iter().chain(node_elements) {
        serialized.add_stashed(run);
    }
    let parent_tree = lo.new_object_id();
    serialized.insert(parent_tree, nums.finish());
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
    if let Some(top) = node_ids.first().copied().flatten() {
        root.set("K", Object::Reference(top));
    }
    root.set("ParentTree", Object::Reference(parent_tree));
    root.set("ParentTreeNextKey", Object::Integer(next_key));
    lo.objects.insert(root_id, Object::Dictionary(root));
    let cat = lo.catalog_mut().map_err(bad)?;
    let mut mark = Dictionary::new();
    mark.set("Marked", Object::Boolean(true));
    cat.set("MarkInfo", Object::Dictionary(mark));
    cat.set("StructTreeRoot", Object::Reference(root_id));
    Ok(())
}

/// Page `id` and its resource dictionary, when that is an object of its
/// own, moved from `lo` into `out` in PDF syntax: as lopdf dictionaries
/// (a page's three boxes, its resources) they held some 9 MB for 1,650
/// pages until the file was written, and the pages' `/Annots` arrays of
/// lopdf objects 7 MB more.
fn write_page(lo: &mut lopdf::Document, id: ObjectId, out: &mut ChunkWriter) {
    if id.1 != 0 {
        return;
    }
    let Some(page) = lo.objects.remove(&id) else {
        return;
    };
    if let Ok(&Object::Reference(resources)) = page.as_dict().and_then(|d| d.get(b"Resources"))
        && resources.1 == 0
        && let Some(r) = lo.objects.remove(&resources)
    {
        if matches!(r, Object::Dictionary(_)) {
            out.object(resources, |bytes| save::write_object(bytes, &r));
        } else {
            lo.objects.insert(resources, r);
        }
    }
    out.object(id, |bytes| save::write_object(bytes, &page));
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
    /// Level 2: object streams and the cross-reference stream (see `save`).
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

/// `data` deflated (zlib format) at `level`.
pub(super) fn deflate(data: &[u8], level: Level) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    COMPRESSORS.with_borrow_mut(|slots| {
        let (slot, zlib_level) = match level {
            Level::Default => (&mut slots[0], Compression::default()),
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
    use super::*;

    /// The lopdf dictionary an element's bytes stand for, as the structure
    /// tree was written before [`element_bytes`].
    fn as_dictionary(
        tag: &str,
        parent: ObjectId,
        page: Option<ObjectId>,
        kids: &[Kid],
        extra: &[(&str, Object)],
    ) -> Object {
        let kids = kids
            .iter()
            .map(|kid| match *kid {
                Kid::Mcid(m) => Object::Integer(m as i64),
                Kid::Mcr { page, mcid } => {
                    let mut r = Dictionary::new();
                    r.set("Type", Object::Name(b"MCR".to_vec()));
                    r.set("Pg", Object::Reference(page));
                    r.set("MCID", Object::Integer(mcid as i64));
                    Object::Dictionary(r)
                }
                Kid::Element(id) => Object::Reference(id),
                Kid::Annotation { annot, page } => {
                    let mut r = Dictionary::new();
                    r.set("Type", Object::Name(b"OBJR".to_vec()));
                    r.set("Obj", Object::Reference(annot));
                    r.set("Pg", Object::Reference(page));
                    Object::Dictionary(r)
                }
            })
            .collect();
        let mut d = Dictionary::new();
        d.set("S", Object::Name(tag.as_bytes().to_vec()));
        d.set("P", Object::Reference(parent));
        if let Some(p) = page {
            d.set("Pg", Object::Reference(p));
        }
        d.set("K", Object::Array(kids));
        for (key, value) in extra {
            d.set(*key, value.clone());
        }
        Object::Dictionary(d)
    }

    /// Elements written straight from their parts are byte for byte the
    /// lopdf dictionaries they replace: every kind of kid, no page, no
    /// kids, a tag that needs escaping, and `/Alt` and `/Lang` in both
    /// string forms.
    #[test]
    fn element_bytes_are_the_dictionary_serialized() {
        let kids = [
            Kid::Mcid(0),
            Kid::Mcid(17),
            Kid::Mcr {
                page: (12, 0),
                mcid: 3,
            },
            Kid::Element((40, 0)),
            Kid::Annotation {
                annot: (41, 0),
                page: (9, 2),
            },
        ];
        let extra = [
            ("Alt", text_string("A lock gate (1901)")),
            ("Lang", text_string("français")),
        ];
        type Case<'a> = (
            &'a str,
            ObjectId,
            Option<ObjectId>,
            &'a [Kid],
            &'a [(&'a str, Object)],
        );
        let cases: [Case; 4] = [
            ("P", (3, 0), Some((9, 0)), &kids, &[]),
            ("Link", (5, 0), None, &[], &[]),
            ("H 1#", (1, 0), Some((2, 0)), &kids[..1], &extra),
            ("Figure", (7, 0), Some((8, 0)), &kids[3..], &extra[..1]),
        ];
        for (tag, parent, page, kids, extra) in cases {
            let expected = save::serialized(&as_dictionary(tag, parent, page, kids, extra));
            assert_eq!(
                String::from_utf8_lossy(&{
                    let mut out = Vec::new();
                    element_bytes(&mut out, tag, parent, page, kids, extra);
                    out
                }),
                String::from_utf8_lossy(&expected),
                "{tag}"
            );
        }
    }
    /// The parent tree written as it grows is byte for byte the lopdf
    /// dictionary it replaces: pages with marked content (one of a single
    /// element), a page without (no entry), then annotation keys; and an
    /// empty tree.
    #[test]
    fn parent_tree_nums_are_the_dictionary_serialized() {
        let mut nums = ParentTreeNums::new();
        let mut objects = Vec::new();
        for (page, owners) in [
            (0i64, &[(7u32, 0u16), (8, 0), (7, 0)][..]),
            (1, &[]),
            (2, &[(12, 3)]),
        ] {
            if owners.is_empty() {
                continue;
            }
            nums.key(page);
            nums.open_array();
            for &id in owners {
                nums.reference(id);
            }
            nums.close_array();
            objects.push(Object::Integer(page));
            objects.push(Object::Array(
                owners.iter().map(|&id| Object::Reference(id)).collect(),
            ));
        }
        for (key, id) in [(3i64, (20u32, 0u16)), (4, (21, 0))] {
            nums.key(key);
            nums.reference(id);
            objects.push(Object::Integer(key));
            objects.push(Object::Reference(id));
        }
        let dictionary = |nums: Vec<Object>| {
            let mut d = Dictionary::new();
            d.set("Nums", Object::Array(nums));
            save::serialized(&Object::Dictionary(d))
        };
        let written = nums.finish();
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&dictionary(objects))
        );
        assert_eq!(
            written,
            b"<</Nums [0 [7 0 R 8 0 R 7 0 R] 2 [12 3 R] 3 20 0 R 4 21 0 R]>>"
        );
        assert_eq!(ParentTreeNums::new().finish(), dictionary(Vec::new()));
    }
}
