//! The structure tree of the tagged PDF (PDF 1.7 §14.7–14.8), written in
//! PDF syntax as the pages are walked in order: one element per element of
//! the layout's structure that has content, one `Link` element per link
//! annotation, and the parent tree that maps each page's marked-content
//! sequences and each annotation back to its element.
//!
//! An element is written as soon as no page to come can give it a kid: a
//! `Link` element at the end of its page, an element of the layout at the
//! end of the last page with its content or with a kid of its (computed
//! before the walk, [`last_pages`]). A long article's elements, with their
//! kids, were all held until the last page (some 10 MB for 1,650 pages);
//! now only those still open are. The parent tree goes to the temporary
//! file as it grows, when there is one.

use super::page_words;
use super::post_pass::{AnnotIds, Drawn, Spill, TextForm, TextValue, write_text_value};
use super::save::{self, ChunkWriter, Serialized, Spool};
use crate::error::WriteError;
use crate::layout::{AltText, Layout, StructNode, Structure};
use crate::temp_file::TempFile;
use crate::write::pdf::tags::{self, Owner};
use lopdf::{Dictionary, Object, ObjectId};
use rayon::prelude::*;

/// Elements written at once, in parallel, once this many are complete.
const READY_AT_ONCE: usize = 4096;

/// Elements written by one task into one buffer.
const RUN: usize = 256;

/// The parent tree goes to the temporary file whenever this much of it
/// is in memory.
const SPOOL_FROM: usize = 64 * 1024;

/// "No page": a node that nothing on a page gives a kid, or whose element
/// waits for the end (see [`last_pages`]).
const NO_PAGE: u32 = u32::MAX;

/// Writes the structure tree of `lay` into `serialized` (its elements, the
/// `Link` elements, the parent tree) and `lo` (its root, `/MarkInfo` and
/// `/StructTreeRoot` in the catalog). Each annotation of page `pi` is
/// `annot_ids.page(pi)`'s `k`th, its key in the parent tree the next after the
/// pages', in page order; `drawn` says which element owns each page's
/// marked-content sequences, by MCID, and which element each link's text
/// belongs to. The pages' own entries (`/StructParents`, `/Tabs`) are
/// written with the pages.
pub(super) fn write(
    lo: &mut lopdf::Document,
    serialized: &mut Serialized,
    lay: &Layout,
    page_ids: &[ObjectId],
    annot_ids: &AnnotIds,
    drawn: &Drawn,
) -> Result<(), WriteError> {
    let bad = |e: lopdf::Error| WriteError::Assembly {
        stage: "PDF structure tree",
        detail: e.to_string(),
    };
    let structure = &lay.structure;
    let nodes = structure.nodes();
    let root_id = lo.new_object_id();
    // (The layout's pages may be gone: the pages are those drawn.)
    let pages = page_ids.len();
    let closing = Closing::new(
        &last_pages(lay, pages, annot_ids, drawn, serialized.file())?,
        pages,
    );
    let mut tree = Tree::new(nodes);
    if !nodes.is_empty() {
        tree.attach(0, lo)?;
    }
    let sequences = drawn.owners.total() as usize;
    let annotations = annot_ids.total();
    let mut nums = ParentTreeNums::new();
    // Its longest: a page's key and an element for each of its marked
    // sequences, a key and an element for each annotation, each with a
    // separator; numbers at their longest (an element's number is at most
    // one more per node and per annotation). In memory, it is given that
    // room at once (grown by doubling from a shorter guess, it took twice
    // its room); with a temporary file, that room is reserved there.
    let digits = |n: usize| n.checked_ilog10().unwrap_or(0) as usize + 1;
    let reference = digits(lo.max_id as usize + nodes.len() + annotations + 2) + 5;
    let key = digits(pages + annotations) + 1;
    let longest = b"<</Nums [".len()
        + (key + 2) * pages
        + reference * sequences
        + (key + reference) * annotations
        + b"]>>".len();
    nums.spool = serialized.spool(longest);
    if nums.spool.is_some() {
        // What waits between two spills: under `SPOOL_FROM`, and a page's
        // entries (a page with more grows it).
        nums.out.reserve(2 * SPOOL_FROM);
    } else {
        nums.out.reserve(longest);
    }
    // Each annotation's `Link` element, in the order of their keys (one
    // after another from the pages'), until every page's entry is written:
    // its number (`new_object_id` gives generation 0), 4 bytes where the
    // key and the reference took 16 (2.2 MB of the seed ×3,460's heap).
    let mut annot_links: Vec<u32> = Vec::with_capacity(annotations);
    let mut ready: Vec<Ready> = Vec::new();
    let (mut parents_read, mut owners_read) =
        (page_words::Reader::default(), page_words::Reader::default());
    for pi in 0..pages {
        // The page's links: one annotation each.
        let page_annotations = annot_ids.page(pi);
        // This page's link elements: each with the node it is part of.
        let mut links: Vec<(usize, Element)> = Vec::new();
        let mut page_links: Vec<Option<usize>> = vec![None; annot_ids.count(pi)];
        let link_parents = drawn
            .link_parents
            .read(pi, &mut parents_read, serialized.file())?;
        let mut link_of = |k: usize,
                           links: &mut Vec<(usize, Element)>,
                           tree: &mut Tree,
                           lo: &mut lopdf::Document|
         -> Result<usize, WriteError> {
            if let Some(i) = page_links[k] {
                return Ok(i);
            }
            let parent = link_parent(link_parents, k, nodes.len());
            let id = lo.new_object_id();
            if !nodes.is_empty() {
                tree.attach(parent, lo)?;
                tree.open(parent)?.kids.push(Kid::Element(id));
            }
            links.push((parent, Element::new(id, Some(pi as u32))));
            page_links[k] = Some(links.len() - 1);
            Ok(links.len() - 1)
        };
        let marked = drawn.owners.read(pi, &mut owners_read, serialized.file())?;
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
        for (mcid, owner) in (0u32..).zip(marked.iter().map(|&w| Owner::from_word(w))) {
            let el = match owner {
                Owner::Node(n) if (n as usize) < nodes.len() => {
                    let id = tree.attach(n as usize, lo)?;
                    tree.open(n as usize)?.mcid(pi, mcid, page_ids);
                    id
                }
                Owner::Link(k) if (k as usize) < page_annotations.len() => {
                    let i = link_of(k as usize, &mut links, &mut tree, lo)?;
                    links[i].1.mcid(pi, mcid, page_ids);
                    links[i].1.id
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
        for (k, annot) in page_annotations.enumerate() {
            let i = link_of(k, &mut links, &mut tree, lo)?;
            links[i].1.kids.push(Kid::Annotation {
                annot,
                page: page_ids[pi],
            });
            let (number, 0) = links[i].1.id else {
                return Err(WriteError::Assembly {
                    stage: "PDF structure tree",
                    detail: format!("page {pi}: a link element of generation other than 0"),
                });
            };
            annot_links.push(number);
        }
        // The page gives no kid to its link elements any more, nor to the
        // elements whose last page it is.
        for (parent, element) in links {
            let parent = tree.id(parent).unwrap_or(root_id);
            ready.push(Ready {
                element,
                parent,
                node: None,
            });
        }
        for &n in closing.after(pi) {
            tree.close_into(n as usize, root_id, &mut ready);
        }
        if ready.len() >= READY_AT_ONCE {
            write_ready(&mut ready, structure, serialized, page_ids)?;
        }
        nums.spill(serialized)?;
    }
    for (key, number) in (pages as i64..).zip(annot_links) {
        nums.key(key);
        nums.reference((number, 0));
        nums.spill(serialized)?;
    }
    // The elements still open: those whose kids no page gave, and those
    // that wait for their parent's number.
    for n in 0..nodes.len() {
        tree.close_into(n, root_id, &mut ready);
    }
    write_ready(&mut ready, structure, serialized, page_ids)?;
    let parent_tree = lo.new_object_id();
    nums.finish(parent_tree, serialized)?;
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
    if let Some(top) = tree.id(0) {
        root.set("K", Object::Reference(top));
    }
    root.set("ParentTree", Object::Reference(parent_tree));
    root.set(
        "ParentTreeNextKey",
        Object::Integer((pages + annotations) as i64),
    );
    lo.objects.insert(root_id, Object::Dictionary(root));
    let cat = lo.catalog_mut().map_err(bad)?;
    let mut mark = Dictionary::new();
    mark.set("Marked", Object::Boolean(true));
    cat.set("MarkInfo", Object::Dictionary(mark));
    cat.set("StructTreeRoot", Object::Reference(root_id));
    Ok(())
}

/// The node that link `k` of a page is part of (the parent of its `Link`
/// element): the element its text belongs to, or the last node.
fn link_parent(link_parents: &[u32], k: usize, nodes: usize) -> usize {
    link_parents
        .get(k)
        .map_or(0, |&p| p as usize)
        .min(nodes.saturating_sub(1))
}

/// For each node of the layout's structure, the last page that gives its
/// element a kid, or [`NO_PAGE`] to write it at the end: its own marked
/// content; a `Link` element for a link whose text belongs to it; a child
/// element, which becomes its kid on the page of the child's first kid
/// (so the children's last pages count too). A node whose parent comes
/// after it (which the layout does not make) waits for the end, when its
/// parent's number is known.
fn last_pages(
    lay: &Layout,
    pages: usize,
    annot_ids: &AnnotIds,
    drawn: &Drawn,
    file: Option<&TempFile>,
) -> std::io::Result<Vec<u32>> {
    let nodes = lay.structure.nodes();
    let mut last = vec![NO_PAGE; nodes.len()];
    let mut touch = |n: usize, pi: usize| {
        let l = &mut last[n];
        let pi = pi as u32;
        if *l == NO_PAGE || *l < pi {
            *l = pi;
        }
    };
    let (mut parents_read, mut owners_read) =
        (page_words::Reader::default(), page_words::Reader::default());
    for pi in 0..pages {
        if nodes.is_empty() {
            break;
        }
        let link_parents = drawn.link_parents.read(pi, &mut parents_read, file)?;
        let owners = drawn.owners.read(pi, &mut owners_read, file)?;
        for owner in owners.iter().map(|&w| Owner::from_word(w)) {
            if let Owner::Node(n) = owner
                && (n as usize) < nodes.len()
            {
                touch(n as usize, pi);
            }
        }
        // Every link of the page has a `Link` element (its annotation is
        // one of its kids), whether or not its text is marked.
        for k in 0..annot_ids.count(pi) {
            touch(link_parent(link_parents, k, nodes.len()), pi);
        }
    }
    for n in (0..nodes.len()).rev() {
        if let Some(p) = nodes[n].parent().filter(|&p| p < n)
            && last[n] != NO_PAGE
            && (last[p] == NO_PAGE || last[p] < last[n])
        {
            last[p] = last[n];
        }
    }
    for (n, node) in nodes.iter().enumerate() {
        if node.parent().is_some_and(|p| p >= n) {
            last[n] = NO_PAGE;
        }
    }
    Ok(last)
}

/// The nodes whose elements each page closes, by page (a counting sort of
/// [`last_pages`]).
struct Closing {
    nodes: Vec<u32>,
    /// Where each page's nodes start in `nodes`; one more at the end.
    starts: Vec<u32>,
}

impl Closing {
    fn new(last: &[u32], pages: usize) -> Self {
        let mut starts = vec![0u32; pages + 1];
        for &l in last {
            if (l as usize) < pages {
                starts[l as usize + 1] += 1;
            }
        }
        for i in 0..pages {
            starts[i + 1] += starts[i];
        }
        let mut at: Vec<u32> = starts[..pages].to_vec();
        let mut nodes = vec![0u32; starts[pages] as usize];
        for (n, &l) in last.iter().enumerate() {
            if (l as usize) < pages {
                nodes[at[l as usize] as usize] = n as u32;
                at[l as usize] += 1;
            }
        }
        Closing { nodes, starts }
    }

    /// The nodes whose last page is `pi`, in order.
    fn after(&self, pi: usize) -> &[u32] {
        match (self.starts.get(pi), self.starts.get(pi + 1)) {
            (Some(&a), Some(&b)) => &self.nodes[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// The layout's nodes as elements of the structure tree while it is
/// written: each node's number once it is part of the tree, and the
/// elements not yet written (in slots reused as elements close).
struct Tree<'a> {
    nodes: &'a [StructNode],
    /// By node: 0 until it is part of the tree; then its element's slot in
    /// `open`, with [`OPEN`], until the element is written; then its
    /// object number. (A number and a slot a node, in two tables, took
    /// 2.1 MB of a book of 2,880 corpus articles' 270,000 nodes.)
    states: Vec<u32>,
    open: Vec<Element>,
    /// Slots of `open` free again.
    free: Vec<u32>,
}

/// The bit of a node's state in [`Tree`] that says its element is open:
/// the rest is its slot. (An object number has it clear: a document of 2
/// billion objects is refused.)
const OPEN: u32 = 1 << 31;

impl<'a> Tree<'a> {
    fn new(nodes: &'a [StructNode]) -> Self {
        Tree {
            nodes,
            states: vec![0; nodes.len()],
            open: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Node `n`'s element's number, once it is part of the tree.
    fn id(&self, n: usize) -> Option<ObjectId> {
        match self.states.get(n).copied()? {
            0 => None,
            open if open & OPEN != 0 => self.open.get((open & !OPEN) as usize).map(|e| e.id),
            number => Some((number, 0)),
        }
    }

    /// The number of node `n`'s parent's element, when there is one.
    fn parent_id(&self, n: usize) -> Option<ObjectId> {
        self.nodes[n].parent().and_then(|p| self.id(p))
    }

    /// Makes node `n` (and its ancestors) part of the tree, each the last
    /// child of its parent so far (elements come in reading order): its
    /// number.
    fn attach(&mut self, n: usize, lo: &mut lopdf::Document) -> Result<ObjectId, WriteError> {
        if let Some(id) = self.id(n) {
            return Ok(id);
        }
        let id = lo.new_object_id();
        if id.0 & OPEN != 0 {
            return Err(WriteError::Assembly {
                stage: "PDF structure tree",
                detail: "more objects than the structure tree numbers".into(),
            });
        }
        let element = Element::new(id, None);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.open[slot as usize] = element;
                slot
            }
            None => {
                self.open.push(element);
                (self.open.len() - 1) as u32
            }
        };
        self.states[n] = OPEN | slot;
        if let Some(p) = self.nodes[n].parent().filter(|&p| p < n) {
            self.attach(p, lo)?;
            self.open(p)?.kids.push(Kid::Element(id));
        }
        Ok(id)
    }

    /// Node `n`'s element, to give it a kid: an error once it is written
    /// (its last page was wrongly computed).
    fn open(&mut self, n: usize) -> Result<&mut Element, WriteError> {
        match self.states[n] {
            open if open & OPEN != 0 => Ok(&mut self.open[(open & !OPEN) as usize]),
            _ => Err(WriteError::Assembly {
                stage: "PDF structure tree",
                detail: format!("element {n} given a kid after it was written"),
            }),
        }
    }

    /// Node `n`'s element, if it is part of the tree and not yet written,
    /// added to `ready` (its parent the root's `root` when it has none).
    fn close_into(&mut self, n: usize, root: ObjectId, ready: &mut Vec<Ready>) {
        if let Some(element) = self.close(n) {
            ready.push(Ready {
                element,
                parent: self.parent_id(n).unwrap_or(root),
                node: Some(n),
            });
        }
    }

    /// Node `n`'s element, taken to be written, if it is part of the tree
    /// and not yet written: from now on, the node's state is its number.
    fn close(&mut self, n: usize) -> Option<Element> {
        let state = self.states[n];
        if state & OPEN == 0 {
            return None;
        }
        let slot = state & !OPEN;
        self.free.push(slot);
        let taken = std::mem::replace(&mut self.open[slot as usize], Element::new((0, 0), None));
        self.states[n] = taken.id.0;
        Some(taken)
    }
}

/// An element complete, to be written: its parent's number, and the node
/// it stands for (`None` for a `Link` element).
struct Ready {
    element: Element,
    parent: ObjectId,
    node: Option<usize>,
}

/// The elements `ready` written in PDF syntax, in parallel runs each into
/// one buffer, and put away in `serialized`.
fn write_ready(
    ready: &mut Vec<Ready>,
    nodes: &Structure,
    serialized: &mut Serialized,
    page_ids: &[ObjectId],
) -> std::io::Result<()> {
    // An element that may take more than a piece, with a long text string
    // (a figure's `/Alt` that is a whole article's text: 32 MB of hex
    // digits) or many kids (a paragraph that is a whole article: 67 MB of
    // them, the peak of its PDF), goes to the temporary file a piece at a
    // time, not whole into a buffer.
    let mut spooled = Ok(());
    ready.retain(|r| {
        // (As hex digits a text string takes up to four bytes per byte; a
        // kid at most 48, its `/OBJR` dictionary, and a space.)
        let texts = r.node.map_or(0, |n| {
            nodes.alt(n).map_or(0, AltText::len) + nodes.lang(n).map_or(0, str::len)
        });
        if 4 * texts + 49 * r.element.kids.len() <= save::PIECE || spooled.is_err() {
            return true;
        }
        match spool_element(r, nodes, page_ids, serialized) {
            Ok(spooled) => !spooled,
            Err(e) => {
                spooled = Err(e);
                true
            }
        }
    });
    spooled?;
    let stash = &*serialized;
    let runs: Vec<std::io::Result<save::Stashed>> = ready
        .par_chunks(RUN)
        .map(|run| {
            let mut out = ChunkWriter::default();
            for r in run {
                let (tag, page, extra) = element_parts(r, nodes, page_ids);
                let mut written = Ok(());
                out.object(r.element.id, |bytes| {
                    written = element_bytes(bytes, tag, r.parent, page, &r.element.kids, &extra);
                });
                written?;
            }
            Ok(stash.stash(out))
        })
        .collect();
    ready.clear();
    for run in runs {
        serialized.add_stashed(run?);
    }
    Ok(())
}

/// Element `r`'s tag, page and text strings (`/Alt`, `/Lang`).
fn element_parts<'n>(
    r: &Ready,
    nodes: &'n Structure,
    page_ids: &[ObjectId],
) -> (
    &'static str,
    Option<ObjectId>,
    Vec<(&'static str, TextValue<'n>)>,
) {
    let page = r.element.page.map(|p| page_ids[p as usize]);
    match r.node {
        None => ("Link", page, Vec::new()),
        Some(n) => {
            let mut extra = Vec::new();
            if let Some(alt) = nodes.alt(n) {
                extra.push(("Alt", TextValue::Alt(alt)));
            }
            if let Some(lang) = nodes.lang(n) {
                extra.push(("Lang", TextValue::Str(lang)));
            }
            (tags::kind_tag(nodes[n].kind), page, extra)
        }
    }
}

/// Element `r` written into the temporary file a piece at a time, as an
/// object of its own: whether it was (not without a file, nor when the
/// file refuses it; then it is written in memory with the others), or
/// why a text put aside could not be read back.
fn spool_element(
    r: &Ready,
    nodes: &Structure,
    page_ids: &[ObjectId],
    serialized: &mut Serialized,
) -> std::io::Result<bool> {
    let (tag, page, extra) = element_parts(r, nodes, page_ids);
    let kids = &r.element.kids;
    // The head's length, counted as it is written a piece at a time.
    let mut head_len = 0;
    let mut head = Vec::new();
    element_head(&mut head, tag, r.parent, page, kids, &mut |buf| {
        head_len += buf.len();
        buf.clear();
        Ok(())
    })?;
    head_len += head.len();
    head.clear();
    let (forms, len) = extra_forms(&extra)?;
    let room = head_len + len;
    let Some(mut spool) = serialized.spool(room) else {
        return Ok(false);
    };
    let file = &*serialized;
    // (An error of the file's is its refusal; any other, a text put aside
    // that could not be read back.)
    let mut refused = false;
    let mut spill = |buf: &mut Vec<u8>| {
        file.write_spooled(&mut spool, buf)
            .inspect_err(|_| refused = true)?;
        buf.clear();
        Ok(())
    };
    let written = element_head(&mut head, tag, r.parent, page, kids, &mut spill)
        .and_then(|()| write_extra(&mut head, &extra, &forms, Some(&mut spill)))
        .and_then(|()| spill(&mut head));
    match written {
        Ok(()) => {}
        Err(_) if refused => return Ok(false),
        Err(e) => return Err(e),
    }
    serialized.add_spooled(r.element.id, spool);
    Ok(true)
}

/// The parent tree, `<</Nums [key value …]>>`, written in PDF syntax as
/// it grows: a page's key and the array of the elements that own its
/// marked-content sequences (by MCID), then each link annotation's key and
/// its `Link` element. As lopdf objects, an array entry for every marked
/// sequence held some 25 MB for 1,650 pages until the file was written.
/// Byte for byte what [`save`] writes for the same dictionary (a unit test
/// compares them). With a temporary file, what is written goes there
/// whenever [`SPOOL_FROM`] bytes wait.
struct ParentTreeNums {
    out: Vec<u8>,
    /// No separator goes before the next entry (the first of an array).
    first: bool,
    /// Where what is written goes, while the file takes it.
    spool: Option<Spool>,
}

impl ParentTreeNums {
    fn new() -> Self {
        ParentTreeNums {
            out: b"<</Nums [".to_vec(),
            first: true,
            spool: None,
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

    /// What waits in memory, written to the file once it is
    /// [`SPOOL_FROM`] bytes.
    fn spill(&mut self, serialized: &Serialized) -> Result<(), WriteError> {
        if self.out.len() >= SPOOL_FROM {
            self.write_out(serialized)?;
        }
        Ok(())
    }

    /// What waits in memory, written to the file. When the file refuses
    /// it, what it holds is read back and the rest is written in memory
    /// (an error only when that cannot be read).
    fn write_out(&mut self, serialized: &Serialized) -> Result<(), WriteError> {
        let Some(spool) = &mut self.spool else {
            return Ok(());
        };
        if serialized.write_spooled(spool, &self.out).is_ok() {
            self.out.clear();
            return Ok(());
        }
        let mut written = serialized.read_spooled(spool)?;
        written.append(&mut self.out);
        self.out = written;
        self.spool = None;
        Ok(())
    }

    /// The dictionary, complete, as object `id` of `serialized`.
    fn finish(mut self, id: ObjectId, serialized: &mut Serialized) -> Result<(), WriteError> {
        self.out.extend_from_slice(b"]>>");
        self.write_out(serialized)?;
        match self.spool {
            Some(spool) => serialized.add_spooled(id, spool),
            None => serialized.insert(id, self.out),
        }
        Ok(())
    }
}

/// An element of the structure tree not yet written. Most have one or two
/// kids (a link's text and its annotation), held in place: a vector of
/// its own for each of a long article's 60,000 link elements held 6 MB.
struct Element {
    id: ObjectId,
    kids: smallvec::SmallVec<[Kid; 2]>,
    /// The page of its first marked content.
    page: Option<u32>,
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
    fn new(id: ObjectId, page: Option<u32>) -> Self {
        Element {
            id,
            kids: smallvec::SmallVec::new(),
            page,
        }
    }

    /// A marked-content sequence of page `pi`: its MCID alone on the
    /// element's page, with its page on another.
    fn mcid(&mut self, pi: usize, mcid: u32, page_ids: &[ObjectId]) {
        let page = *self.page.get_or_insert(pi as u32);
        if page as usize == pi {
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
    extra: &[(&str, TextValue)],
) -> std::io::Result<()> {
    element_head(out, tag, parent, page, kids, &mut |_| Ok(()))?;
    // Room for the rest at once: a figure's `/Alt` can be a whole
    // article's text (32 MB of hex digits; the `>>` after it, pushed
    // into a buffer made at its size, doubled the buffer).
    let (forms, len) = extra_forms(extra)?;
    out.reserve(len);
    write_extra(out, extra, &forms, None)
}

/// An element's dictionary up to its kids, `<</S … /K […]`; what `out`
/// holds handed to `spill` whenever it reaches a piece ([`save::PIECE`])
/// among the kids (a paragraph of a whole article has millions).
fn element_head(
    out: &mut Vec<u8>,
    tag: &str,
    parent: ObjectId,
    page: Option<ObjectId>,
    kids: &[Kid],
    spill: &mut dyn FnMut(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
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
        if out.len() >= save::PIECE {
            spill(out)?;
        }
    }
    out.push(b']');
    Ok(())
}

/// The forms of an element's text strings ([`TextValue::form`], each read
/// once), and how many bytes they and the element's end take
/// ([`write_extra`]).
fn extra_forms(extra: &[(&str, TextValue)]) -> std::io::Result<(Vec<TextForm>, usize)> {
    let mut forms = Vec::with_capacity(extra.len());
    let mut len = 2;
    for (key, text) in extra {
        let form = text.form()?;
        len += key.len() + 3 + form.len;
        forms.push(form);
    }
    Ok((forms, len))
}

/// An element's text strings (`/Alt (…)`) in their `forms`, and its end,
/// `>>`; with a spill, what `out` holds goes to it a piece at a time.
fn write_extra(
    out: &mut Vec<u8>,
    extra: &[(&str, TextValue)],
    forms: &[TextForm],
    mut spill: Option<&mut Spill>,
) -> std::io::Result<()> {
    for ((key, text), &form) in extra.iter().zip(forms) {
        out.push(b' ');
        save::write_name(out, key.as_bytes());
        out.push(b' ');
        match spill.as_deref_mut() {
            Some(spill) => write_text_value(out, *text, form, spill)?,
            None => write_text_value(out, *text, form, &mut |_| Ok(()))?,
        }
    }
    out.extend_from_slice(b">>");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::AsideText;
    use crate::write::pdf::printpdf_adapter::post_pass::text_string;

    /// The lopdf dictionary an element's bytes stand for, as the structure
    /// tree was written before [`element_bytes`].
    fn as_dictionary(
        tag: &str,
        parent: ObjectId,
        page: Option<ObjectId>,
        kids: &[Kid],
        extra: &[(&str, &str)],
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
        for (key, text) in extra {
            d.set(*key, text_string(text));
        }
        Object::Dictionary(d)
    }

    /// A node's element is part of the tree once attached (its parent
    /// with it), open to kids until it is closed, and known by its number
    /// after; its slot is used again; a node never attached has none.
    #[test]
    fn a_nodes_element_is_open_until_closed_and_numbered_after() {
        use crate::layout::StructKind;
        let nodes = [
            StructNode::root(),
            StructNode::new(StructKind::Chapter, 0),
            StructNode::new(StructKind::Figure, 1),
            StructNode::new(StructKind::Figure, 1),
            StructNode::new(StructKind::Figure, 1),
        ];
        let mut lo = lopdf::Document::with_version("1.7");
        lo.max_id = 40;
        let mut tree = Tree::new(&nodes);
        let figure = tree.attach(2, &mut lo).unwrap();
        assert_eq!(figure, (41, 0));
        assert_eq!(tree.id(1), Some((42, 0)), "its parent attached with it");
        assert_eq!(tree.id(0), Some((43, 0)));
        assert_eq!(tree.parent_id(2), Some((42, 0)));
        assert_eq!(tree.id(3), None, "never attached");
        assert!(tree.open(3).is_err());
        tree.open(2).unwrap().kids.push(Kid::Mcid(5));
        let closed = tree.close(2).unwrap();
        assert_eq!((closed.id, &closed.kids[..]), (figure, &[Kid::Mcid(5)][..]));
        assert_eq!(tree.id(2), Some(figure), "numbered once closed");
        assert!(tree.open(2).is_err(), "no kid once written");
        assert!(tree.close(2).is_none(), "closed once");
        assert_eq!(tree.attach(2, &mut lo).unwrap(), figure, "not made again");
        let slots = tree.open.len();
        assert_eq!(tree.attach(4, &mut lo).unwrap(), (44, 0));
        assert_eq!(tree.open.len(), slots, "its slot used again");
        let chapter = tree.open(1).unwrap();
        assert_eq!(
            chapter.kids[..],
            [Kid::Element(figure), Kid::Element((44, 0))]
        );
        assert_eq!(tree.close(1).unwrap().id, (42, 0));
        assert_eq!(
            tree.parent_id(4),
            Some((42, 0)),
            "a parent closed keeps its number"
        );
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
        let extra = [("Alt", "A lock gate (1901)"), ("Lang", "français")];
        type Case<'a> = (
            &'a str,
            ObjectId,
            Option<ObjectId>,
            &'a [Kid],
            &'a [(&'a str, &'a str)],
        );
        let cases: [Case; 4] = [
            ("P", (3, 0), Some((9, 0)), &kids, &[]),
            ("Link", (5, 0), None, &[], &[]),
            ("H 1#", (1, 0), Some((2, 0)), &kids[..1], &extra),
            ("Figure", (7, 0), Some((8, 0)), &kids[3..], &extra[..1]),
        ];
        for (tag, parent, page, kids, extra) in cases {
            let expected = save::serialized(&as_dictionary(tag, parent, page, kids, extra));
            let values: Vec<_> = extra.iter().map(|&(k, v)| (k, TextValue::Str(v))).collect();
            assert_eq!(
                String::from_utf8_lossy(&{
                    let mut out = Vec::new();
                    element_bytes(&mut out, tag, parent, page, kids, &values).unwrap();
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
        let written = finished(nums, &mut Serialized::new());
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&dictionary(objects))
        );
        assert_eq!(
            written,
            b"<</Nums [0 [7 0 R 8 0 R 7 0 R] 2 [12 3 R] 3 20 0 R 4 21 0 R]>>"
        );
        assert_eq!(
            finished(ParentTreeNums::new(), &mut Serialized::new()),
            dictionary(Vec::new())
        );
    }

    /// The parent tree's bytes, once finished into `serialized`.
    fn finished(nums: ParentTreeNums, serialized: &mut Serialized) -> Vec<u8> {
        let id = (90, 0);
        nums.finish(id, serialized).unwrap();
        serialized.object_bytes(id).unwrap()
    }

    /// A long parent tree, its entries for `pages` pages of 40 marked
    /// sequences, written into `nums`: the bytes it should make.
    fn long_tree(nums: &mut ParentTreeNums, serialized: &Serialized, pages: i64) -> Vec<u8> {
        let mut expected = b"<</Nums [".to_vec();
        for page in 0..pages {
            nums.key(page);
            nums.open_array();
            expected.extend_from_slice(
                format!("{}{page} [", if page > 0 { " " } else { "" }).as_bytes(),
            );
            for k in 0..40 {
                nums.reference((1000 + k, 0));
                let sep = if k > 0 { " " } else { "" };
                expected.extend_from_slice(format!("{sep}{} 0 R", 1000 + k).as_bytes());
            }
            nums.close_array();
            expected.push(b']');
            nums.spill(serialized).unwrap();
        }
        expected.extend_from_slice(b"]>>");
        expected
    }

    /// With a temporary file, the parent tree goes there as it grows and
    /// comes back whole; when the file refuses it (read-only), or when it
    /// outgrows its room after part of it went there, it goes on in memory
    /// with the part written read back (and is then put away as any other
    /// object): the same bytes every way.
    #[test]
    fn a_parent_tree_spooled_to_the_file_comes_back_whole() {
        let pages = 1000;
        let mut spooled = Serialized::in_temp_file();
        let mut nums = ParentTreeNums::new();
        nums.spool = spooled.spool(1 << 20);
        let expected = long_tree(&mut nums, &spooled, pages);
        assert!(expected.len() > 4 * SPOOL_FROM, "{}", expected.len());
        if nums.spool.is_some() {
            assert!(nums.out.len() < SPOOL_FROM, "spilled as it grew");
        }
        assert_eq!(finished(nums, &mut spooled), expected);
        assert_eq!(spooled.waits_in_file((90, 0)), cfg!(unix));

        // Room for a little more than one spill: the rest in memory.
        let mut outgrown = Serialized::in_temp_file();
        let mut nums = ParentTreeNums::new();
        nums.spool = outgrown.spool(SPOOL_FROM + 4096);
        assert_eq!(long_tree(&mut nums, &outgrown, pages), expected);
        assert!(nums.spool.is_none() || !cfg!(unix));
        assert!(nums.out.len() > 4 * SPOOL_FROM);
        assert_eq!(finished(nums, &mut outgrown), expected);

        // A file that refuses every write.
        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(named.path()).unwrap();
        let mut refused = Serialized::in_file(crate::temp_file::TempFile::in_file(read_only));
        let mut nums = ParentTreeNums::new();
        nums.spool = refused.spool(1 << 20);
        assert!(nums.spool.is_some());
        assert_eq!(long_tree(&mut nums, &refused, pages), expected);
        assert!(nums.spool.is_none());
        assert_eq!(finished(nums, &mut refused), expected);
        assert!(!refused.waits_in_file((90, 0)));
    }

    /// An element with more kids than a piece holds (a paragraph that is
    /// a whole article) is written to the temporary file a piece at a
    /// time, as the same bytes as in memory; in memory when the file
    /// refuses it, or without a file.
    #[test]
    fn an_element_with_many_kids_is_written_a_piece_at_a_time() {
        let kids: Vec<Kid> = (0..100_000u32)
            .map(|i| match i % 4 {
                0 => Kid::Mcid(i),
                1 => Kid::Mcr {
                    page: (i, 0),
                    mcid: i / 2,
                },
                2 => Kid::Element((i, 1)),
                _ => Kid::Annotation {
                    annot: (i, 0),
                    page: (i + 1, 0),
                },
            })
            .collect();
        let ready = || Ready {
            element: Element {
                id: (7, 0),
                kids: kids.iter().copied().collect(),
                page: Some(0),
            },
            parent: (3, 0),
            node: Some(0),
        };
        let page_ids = [(9, 0)];
        let mut nodes = Structure::default();
        nodes.push(StructNode::new(crate::layout::StructKind::Figure, 0));
        let mut expected = Vec::new();
        element_bytes(&mut expected, "Figure", (3, 0), Some((9, 0)), &kids, &[]).unwrap();
        assert!(expected.len() > 2 * save::PIECE, "{}", expected.len());
        // Its kids handed on as they reach a piece, not held all at once.
        let (mut head, mut largest, mut written) = (Vec::new(), 0, Vec::new());
        element_head(&mut head, "Figure", (3, 0), Some((9, 0)), &kids, &mut |b| {
            largest = largest.max(b.len());
            written.append(b);
            Ok(())
        })
        .unwrap();
        assert!(largest.max(head.len()) < save::PIECE + 64, "{largest}");
        written.append(&mut head);
        assert!(expected.starts_with(&written) && written.len() + 2 == expected.len());

        let mut spooled = Serialized::in_temp_file();
        write_ready(&mut vec![ready()], &nodes, &mut spooled, &page_ids).unwrap();
        assert_eq!(spooled.object_bytes((7, 0)).as_ref(), Some(&expected));
        let mut spooled = Serialized::in_temp_file();
        assert_eq!(
            spool_element(&ready(), &nodes, &page_ids, &mut spooled).unwrap(),
            cfg!(unix)
        );
        assert_eq!(spooled.waits_in_file((7, 0)), cfg!(unix));
        assert_eq!(
            spooled.object_bytes((7, 0)),
            cfg!(unix).then(|| expected.clone())
        );

        let named = tempfile::NamedTempFile::new().unwrap();
        let read_only = std::fs::File::open(named.path()).unwrap();
        let mut refused = Serialized::in_file(crate::temp_file::TempFile::in_file(read_only));
        let mut none = Serialized::new();
        for serialized in [&mut refused, &mut none] {
            write_ready(&mut vec![ready()], &nodes, serialized, &page_ids).unwrap();
            assert!(!serialized.waits_in_file((7, 0)));
            assert_eq!(serialized.object_bytes((7, 0)).as_ref(), Some(&expected));
        }
    }

    /// An element whose `/Alt` is longer than a piece (hex digits of
    /// UTF-16, and a literal with characters to escape), held or put aside
    /// in the layout's temporary file, is written to the temporary file a
    /// piece at a time, as the same bytes as in memory; and in memory when
    /// the file refuses it, or without a file. An `/Alt` put aside that
    /// cannot be read back is an error.
    #[test]
    fn an_element_with_a_long_alt_is_written_a_piece_at_a_time() {
        for alt in ["é".repeat(300_000) + "x", "a (b) \\ ".repeat(130_000)] {
            let ready = || Ready {
                element: Element {
                    id: (7, 0),
                    kids: [Kid::Mcid(0), Kid::Mcid(1)].into_iter().collect(),
                    page: Some(0),
                },
                parent: (3, 0),
                node: Some(0),
            };
            let page_ids = [(9, 0)];
            let mut expected = Vec::new();
            element_bytes(
                &mut expected,
                "Figure",
                (3, 0),
                Some((9, 0)),
                &ready().element.kids,
                &[("Alt", TextValue::Str(&alt))],
            )
            .unwrap();
            assert!(expected.len() > save::PIECE + 1000, "{}", expected.len());

            let aside = AsideText::written(&alt);
            assert_eq!(aside.is_some(), cfg!(unix));
            let alts = std::iter::once(AltText::Held(alt.clone())).chain(aside.map(AltText::Aside));
            for alt in alts {
                let mut nodes = Structure::default();
                nodes.push(StructNode::new(crate::layout::StructKind::Figure, 0));
                nodes.set_alt(0, Some(alt.clone()));
                let mut spooled = Serialized::in_temp_file();
                assert_eq!(
                    spool_element(&ready(), &nodes, &page_ids, &mut spooled).unwrap(),
                    cfg!(unix)
                );
                assert_eq!(
                    spooled.object_bytes((7, 0)),
                    cfg!(unix).then(|| expected.clone())
                );

                let named = tempfile::NamedTempFile::new().unwrap();
                let read_only = std::fs::File::open(named.path()).unwrap();
                let mut refused =
                    Serialized::in_file(crate::temp_file::TempFile::in_file(read_only));
                let mut none = Serialized::new();
                for serialized in [&mut refused, &mut none] {
                    write_ready(&mut vec![ready()], &nodes, serialized, &page_ids).unwrap();
                    assert_eq!(serialized.object_bytes((7, 0)).as_ref(), Some(&expected));
                }

                if let AltText::Aside(aside) = alt {
                    nodes.set_alt(0, Some(AltText::Aside(aside.cut_short())));
                    for mut serialized in [Serialized::in_temp_file(), Serialized::new()] {
                        let e = write_ready(&mut vec![ready()], &nodes, &mut serialized, &page_ids)
                            .unwrap_err();
                        assert!(e.to_string().contains("cut short"), "{e}");
                    }
                }
            }
        }
    }
}
