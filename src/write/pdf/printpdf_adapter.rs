//! The adapter around printpdf 0.12.8: the only module that uses it.
//!
//! [`write()`] turns a layout into the PDF file. printpdf writes the
//! document's skeleton and embeds the fonts: it is shown every glyph of the
//! layout once with its source text (the *glyph inventory*,
//! [`inventory_ops`]), so it writes the font programs, widths and
//! `/ToUnicode` maps that give back the exact characters, ligatures
//! included; the codes it chose for each glyph are read back from that
//! inventory ([`read_codes`]). The page content streams are then written
//! straight from the layout with those codes (the PDF module's `content`
//! submodule), and a small lopdf post-pass (the `post_pass` submodule)
//! writes what printpdf cannot write, or writes wrongly. The file is
//! packed into the caller's [`Destination`] (`save::save`), its `/ID` the
//! hash of its own bytes, written in last. printpdf makes the first page
//! alone (the inventory's); the others, all alike, are made from it in
//! printpdf's numbering (`post_pass::AlikePages`). A long article's pages
//! are drawn while the layout fills them ([`DrawingSink`], a
//! [`FileInProgress`]); the file is byte for byte [`write()`]'s.
//!
//! # Routing around printpdf 0.12.8
//!
//! Each row has a test in this module's `tests` that fails when its
//! workaround is taken away:
//!
//! | defect | what refolio does | test |
//! |---|---|---|
//! | link annotations have visible (cyan) borders and destinations that name only a page | the post-pass writes the annotations: `/Border [0 0 0]`, an exact `/XYZ` destination (or a URI action) | `links_have_no_border_and_exact_destinations` |
//! | bookmarks are flat, re-sorted by page and name, and one past the last page panics | printpdf gets no bookmarks; the post-pass writes the outline, nested (sections inside their article) and in document order | `outline_is_nested_in_document_order` |
//! | `/PageMode /UseOutlines` is written as a string | the post-pass writes it as a name (and only when there is an outline) | `page_mode_is_a_name` |
//! | no `/Lang` in the catalog | the post-pass writes the article's language (`und` without one) | `catalog_has_the_language` |
//! | the header says `%PDF-1.3` | the post-pass sets the version to 1.7 | `header_says_pdf_1_7` |
//! | the Info dictionary has an empty `/GTS_PDFXVersion` | the post-pass writes the Info dictionary anew in its place | `info_has_no_gts_pdfx_version` |
//! | the Info dates are "now" | dates only from `SOURCE_DATE_EPOCH` or the article's date, else none | `dates_come_only_from_the_timestamp_or_the_metadata` |
//! | the `/ID` is random | a UUID v5 of the file's own bytes, hashed as it is written and written over zeros (`save::save`) | `id_is_the_hash_of_the_file_itself`, `same_input_same_bytes_other_text_other_id` |
//! | font resource names and subset tags are random | each font is added under a tag hashed from its PostScript name and glyph set ([`subset_tag`]) | `font_resource_names_are_stable_tags` |
//! | a subset font's `/BaseFont` and `/FontName` are the tag alone | the Type0 font's `/BaseFont` and the descriptor's `/FontName` are renamed `TAG+PostScriptName` (not yet the descendant CIDFont's `/BaseFont`, which is inline in the Type0 font and keeps the tag alone) | `subset_fonts_are_named_tag_plus_postscript_name` |
//! | its own subsetting (allsorts) keeps unused subroutines: 6× larger for Libertinus | fonts are subset with the `subsetter` crate before printpdf sees them ([`subset_font`]) | `fonts_are_subset_before_printpdf_sees_them` |
//! | `ShowText` makes a lopdf object per glyph and formats them back (a third of the PDF time) | only the inventory goes through printpdf; every page's content stream is written directly from the layout, in place of printpdf's | `page_content_is_written_from_the_layout`, `codes_are_read_back_in_inventory_order_and_checked` |
//! | `Tw` word spacing does nothing with Identity-H fonts | justification with `TJ` glyph offsets, from the widths as printpdf writes them (`/W`, truncated to 1/1000 em: [`pdf_width`]) | `justification_uses_tj_offsets_not_tw` |
//! | its `optimize` option deflates with lopdf's best level (an eighth of the PDF time for a few per cent) | off; the post-pass deflates every stream at zlib's default level, in parallel | `streams_are_deflated` |
//! | no page labels (`/PageLabels`): viewers number a book's pages 1, 2, 3… from its title page | the post-pass writes the catalog's `/PageLabels` from the layout's ranges (a book: roman front matter, arabic from its first chapter; none for an article) | `page_labels_number_the_front_matter_in_roman` |
//! | (not a defect: a choice) every dictionary written as its own object, uncompressed | the file is written by the `save` submodule (not lopdf's writer, whose object streams serialize each object three times) with deflated object streams and a cross-reference stream (PDF 1.5); the tagged PDF's structure tree is paid for by it | `dictionaries_are_in_deflated_object_streams` |
//! | its XMP and PDF/A output is malformed | not used: no `/Metadata` | `no_xmp_metadata` |
//! | no tagged PDF: no marked content in the pages, no structure tree | the content writer marks every text run with an MCID (page furniture, rules and added hyphens as artifacts, ligatures as `Span`s with `/ActualText`); the post-pass writes the structure tree from the layout's structure, the parent tree, `Link` elements with `OBJR`s, `/MarkInfo` | `tagged_pdf_structure_tree_matches_the_marked_content`, `tagged_pdf_book_has_a_part_per_chapter_with_its_language`, `page_furniture_and_added_hyphens_are_artifacts_and_ligatures_have_actual_text` |
//!
//! printpdf also writes an empty resource dictionary for every page; that
//! is harmless and left alone.

use super::content::{self, GlyphCodes, GlyphInventory};
use super::{Destination, PdfOptions};
use crate::error::{FontError, WriteError};
use crate::layout::Layout;
use crate::layout::fonts::{FontKind, FontSource};
use crate::layout::style::Style;
use crate::temp_file::TempFile;
use lopdf::{Dictionary, Object, ObjectId};
pub(super) use post_pass::DocInfo;
use printpdf::{
    Codepoint, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt,
    TextItem,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod drawn_links;
mod page_words;
mod post_pass;
mod save;
mod structure_tree;
#[cfg(test)]
mod tests;

fn pt_to_mm(v: f32) -> Mm {
    Mm(v * 25.4 / 72.0)
}

/// A stable 6-letter subset tag.
fn subset_tag(seed: &str, glyphs: &BTreeSet<u16>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    };
    seed.bytes().for_each(&mut feed);
    for g in glyphs {
        g.to_be_bytes().into_iter().for_each(&mut feed);
    }
    (0..6)
        .map(|i| (b'A' + ((h >> (i * 8)) % 26) as u8) as char)
        .collect()
}

/// Subsets a font to `glyphs` with the `subsetter` crate (which also drops
/// unused subroutines, unlike allsorts: 6× smaller for Libertinus). Returns
/// the font and the old → new glyph ids.
fn subset_font(
    bytes: &[u8],
    glyphs: &BTreeSet<u16>,
) -> Result<(Vec<u8>, BTreeMap<u16, u16>), String> {
    let mut mapper = subsetter::GlyphRemapper::new();
    for &g in glyphs {
        mapper.remap(g);
    }
    let sub = subsetter::subset(bytes, 0, &mapper).map_err(|e| format!("{e:?}"))?;
    let map = glyphs
        .iter()
        .map(|&g| (g, mapper.get(g).unwrap_or(0)))
        .collect();
    Ok((sub, map))
}

fn pdf_width(face: &rustybuzz::ttf_parser::Face, gid: u16) -> f32 {
    // As printpdf computes the /W entries (truncated to 1/1000 em).
    let upem = face.units_per_em() as f32;
    let w = face
        .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(gid))
        .unwrap_or(0);
    ((w as f32 * 1000.0 / upem) as i64) as f32
}

/// From how many pages the lines are freed once drawn (some 40 KB of
/// glyphs a page: 200 pages hold about 8 MB).
pub(super) const FREE_LINES_FROM_PAGES: usize = 200;

/// In a long document, the pages drawn between two hand-backs of the
/// memory their lines held: their glyphs are read back and they are drawn
/// a run at a time. At 200 a run held some 8 MB of lines and glyphs (the
/// seed ×3,460's PDF peaked 2 MB higher, in the same time); at 64, a book
/// of 2,880 corpus articles peaked in its last runs, 1 MB higher than at
/// 32, in the same time.
pub(super) const DRAWN_BETWEEN_RETURNS: usize = 32;

/// From how many bytes of paragraph text (some 450 pages of the default
/// style) an article's glyphs wait in a temporary file until their page
/// is drawn (`layout/glyph_store.rs`), rather than in memory: 10 bytes a
/// glyph, more than a third of such an article's memory until then.
pub(super) const STORE_GLYPHS_FROM: usize = 1 << 20;

/// Writes the PDF of `lay` (laid out from `doc`) with the fonts of
/// `source`: printpdf embeds the fonts and writes the document's skeleton,
/// the page contents come from [`content::ContentWriter`], and the post-pass
/// and [`with_id`] finish the file (see the [module docs](self)). The
/// lines of a long document (from [`FREE_LINES_FROM_PAGES`]) are taken
/// from `lay` once drawn.
pub(super) fn write(
    doc: &DocInfo,
    lay: &mut Layout,
    source: &FontSource,
    opts: &PdfOptions,
    to: Destination<'_>,
) -> Result<(), WriteError> {
    write_freeing_from(
        doc,
        lay,
        source,
        opts,
        FREE_LINES_FROM_PAGES,
        DRAWN_BETWEEN_RETURNS,
        to,
    )
}

/// [`write`], freeing the lines once drawn when the document has
/// `free_lines_from` pages or more, and handing their memory back after
/// every `run` pages drawn.
fn write_freeing_from(
    doc: &DocInfo,
    lay: &mut Layout,
    source: &FontSource,
    opts: &PdfOptions,
    free_lines_from: usize,
    run: usize,
    to: Destination<'_>,
) -> Result<(), WriteError> {
    let used = content::inventory(lay);
    let mut file = FileInProgress::new(
        &doc.title,
        used,
        lay.pages.len(),
        (lay.width, lay.height),
        source,
    )?;
    // Every page's content written and deflated on its own (in parallel,
    // as `compress_streams` would deflate it). In a long document each
    // page's lines go as soon as they are drawn, by the thread that drew
    // them (nothing after this reads them), and the memory they held is
    // handed back after every [`DRAWN_BETWEEN_RETURNS`] pages, so that
    // neither the drawing nor the rest of the file is made on top of the
    // whole laid-out article: the seed ×1,500's PDF peaked at 309 MB with
    // its pages held, 212 MB with them freed at the end of the drawing,
    // and the drawing, which grew from 129 to 138 MB when the pages were
    // drawn at once, falls from 132 MB drawn so. A short document keeps
    // them: its layout is never freed before the process ends, and freeing
    // the canal ×50's (186 KB) glyph runs here cost 7% more time.
    let known = drawn_links::Ends::Known;
    if lay.pages.len() >= free_lines_from {
        for pages in lay.pages.chunks_mut(run.max(1)) {
            file.draw(pages, lay.structure.nodes(), true, known)?;
        }
    } else {
        file.draw(&mut lay.pages, lay.structure.nodes(), false, known)?;
    }
    file.finish(doc, lay, opts, to)
}

/// The pages of a long article (from [`FREE_LINES_FROM_PAGES`]) drawn as
/// the layout fills them, [`DRAWN_BETWEEN_RETURNS`] at a time, their lines
/// freed as they are drawn ([`crate::layout::paginate_into`]): the laid-out
/// pages are never all held at once. The file is the same as [`write`]'s
/// for the same layout (a test holds them equal).
pub(super) struct DrawingSink<'s, 't> {
    title: &'t str,
    size: (f32, f32),
    source: &'s FontSource,
    pages: usize,
    inventory: content::InventoryBuilder,
    file: Option<FileInProgress<'s>>,
    error: Option<WriteError>,
    /// The pages from which the sink takes them (a test lowers it).
    from_pages: usize,
    run: usize,
    /// The text from which the glyphs wait in a file (a test lowers it).
    store_from: usize,
    /// The file they wait in, when a test gives one.
    #[cfg(test)]
    glyph_file: Option<TempFile>,
    /// The glyphs wait in a file: the file's objects will too.
    stored: bool,
}

impl<'s, 't> DrawingSink<'s, 't> {
    /// A sink for the PDF of `doc` in `style` with the fonts of `source`.
    pub(super) fn new(doc: &'t DocInfo, style: &Style, source: &'s FontSource) -> Self {
        DrawingSink {
            title: &doc.title,
            size: (style.page.width, style.page.height),
            source,
            pages: 0,
            inventory: content::InventoryBuilder::default(),
            file: None,
            error: None,
            from_pages: FREE_LINES_FROM_PAGES,
            run: DRAWN_BETWEEN_RETURNS,
            store_from: STORE_GLYPHS_FROM,
            #[cfg(test)]
            glyph_file: None,
            stored: false,
        }
    }

    /// The file in progress, every page drawn, when the sink took the
    /// pages; `None` when it left them to the layout (a short article).
    pub(super) fn into_file(self) -> Result<Option<FileInProgress<'s>>, WriteError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.file),
        }
    }
}

impl crate::layout::PageSink for DrawingSink<'_, '_> {
    fn begin(&mut self, pages: usize) -> Option<usize> {
        self.pages = pages;
        (pages >= self.from_pages).then_some(self.run)
    }

    fn glyphs(&mut self, run: &crate::layout::Run) {
        self.inventory.add(run);
    }

    fn glyph_file(&mut self, text: usize) -> Option<TempFile> {
        if text < self.store_from {
            return None;
        }
        #[cfg(test)]
        let given = self.glyph_file.take();
        #[cfg(not(test))]
        let given = None;
        let file = given.or_else(TempFile::new);
        self.stored = file.is_some();
        file
    }

    fn failed(&mut self, error: std::io::Error) {
        self.error.get_or_insert(WriteError::Io(error));
    }

    fn link_ends(
        &mut self,
        to: &dyn Fn(usize, &crate::layout::LinkTarget) -> Option<crate::layout::LinkTo>,
    ) {
        if self.error.is_none()
            && let Some(file) = &mut self.file
            && let Err(e) = file.resolve_links(to)
        {
            self.error = Some(e);
        }
    }

    fn pages(
        &mut self,
        pages: &mut [crate::layout::Page],
        structure: &[crate::layout::StructNode],
    ) {
        if self.error.is_some() {
            return;
        }
        if self.file.is_none() {
            let used = std::mem::take(&mut self.inventory).finish();
            match FileInProgress::new(self.title, used, self.pages, self.size, self.source) {
                Ok(mut file) => {
                    if self.stored {
                        file.serialized = save::Serialized::in_temp_file();
                    }
                    self.file = Some(file);
                }
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            }
        }
        if let Some(file) = &mut self.file
            && let Err(e) = file.draw(pages, structure, true, drawn_links::Ends::Target)
        {
            self.error = Some(e);
        }
    }
}

/// A PDF being made page by page: printpdf's document with its fonts
/// embedded and one page, the codes of the glyphs, and what each page drawn
/// so far left (its deflated content; its links; the owners of its marked
/// sequences and the elements its links' texts belong to, for the
/// structure tree).
pub(super) struct FileInProgress<'s> {
    /// printpdf's document of one page (none for a document without
    /// pages), the glyph inventory's: the others are made from it once
    /// every page is drawn ([`post_pass::AlikePages::spread`]).
    lo: lopdf::Document,
    /// The glyphs shown (a test compares them with the whole layout's).
    #[cfg(test)]
    used: GlyphInventory,
    size: (f32, f32),
    pages: usize,
    ids: BTreeMap<FontKind, FontId>,
    codes: GlyphCodes,
    /// The embedded width of every glyph used, by face and glyph id.
    widths: [Vec<f32>; 4],
    resource_names: BTreeMap<FontKind, String>,
    source: &'s FontSource,
    /// Each page drawn: its content, or where it waits.
    drawn: Vec<save::PageContent>,
    /// Each page's owners of its marked sequences, by MCID
    /// ([`super::tags::Owner::word`]), and the element each of its links'
    /// text belongs to: with the objects, in their temporary file.
    owners: page_words::PageWords,
    link_parents: page_words::PageWords,
    /// Each page's links, taken from it once drawn.
    links: drawn_links::DrawnLinks,
    /// The objects written in PDF syntax, and the pages' contents once
    /// drawn: in a temporary file for a long article
    /// ([`save::Serialized::in_temp_file`]).
    serialized: save::Serialized,
}

/// printpdf's document of `pages` pages of `size` (points), the first
/// showing the glyph inventory ([`inventory_ops`]); refolio asks for one
/// (none for a document without pages) and makes the others itself.
fn skeleton(
    pdf: &mut PdfDocument,
    inventory: Vec<Op>,
    pages: usize,
    (width, height): (f32, f32),
) -> Result<(lopdf::Document, Vec<ObjectId>), WriteError> {
    let mut inventory = Some(inventory);
    let page_list = (0..pages)
        .map(|_| {
            let ops = inventory.take().unwrap_or_default();
            PdfPage::new(pt_to_mm(width), pt_to_mm(height), ops)
        })
        .collect();
    pdf.with_pages(page_list);
    let save = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let lo = pdf.to_lopdf_document(&save, &mut warnings);
    pdf.pages = Vec::new();
    let page_ids: Vec<ObjectId> = lo.get_pages().into_values().collect();
    if page_ids.len() != pages {
        return Err(WriteError::Assembly {
            stage: "PDF pages",
            detail: "page count mismatch".into(),
        });
    }
    Ok((lo, page_ids))
}

/// printpdf's document titled `title` with the fonts of `source` that
/// `used` uses, each subset to its glyphs and named by its [`subset_tag`];
/// by face, the subset's glyph ids and the face as parsed by rustybuzz.
struct WithFonts<'s> {
    pdf: PdfDocument,
    ids: BTreeMap<FontKind, FontId>,
    subset: BTreeMap<FontKind, BTreeMap<u16, u16>>,
    faces: BTreeMap<FontKind, rustybuzz::ttf_parser::Face<'s>>,
}

/// [`WithFonts`] for `title`, `used` and `source`.
fn with_fonts<'s>(
    title: &str,
    used: &GlyphInventory,
    source: &'s FontSource,
) -> Result<WithFonts<'s>, WriteError> {
    let mut pdf = PdfDocument::new(title);
    // Fonts, under deterministic ids (they become resource names and subset tags).
    let mut ids: BTreeMap<FontKind, FontId> = BTreeMap::new();
    let mut faces = BTreeMap::new();
    let mut subset: BTreeMap<FontKind, BTreeMap<u16, u16>> = BTreeMap::new();
    for (kind, glyphs) in used {
        let glyphs: BTreeSet<u16> = glyphs.keys().copied().collect();
        let i = FontKind::ALL.iter().position(|k| k == kind).unwrap_or(0);
        let bytes = &source.faces[i];
        let font_error = |message: String| FontError {
            name: source.names[i].clone(),
            message,
        };
        let (sub, map) =
            subset_font(bytes, &glyphs).map_err(|e| font_error(format!("cannot subset: {e}")))?;
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&sub, 0, &mut warnings)
            .ok_or_else(|| font_error("printpdf cannot read its subset".into()))?;
        subset.insert(*kind, map);
        let tmp = pdf.add_font(&parsed);
        let font = pdf
            .resources
            .fonts
            .map
            .remove(&tmp)
            .expect("font just added");
        let id = FontId(subset_tag(&source.names[i], &glyphs));
        pdf.resources.fonts.map.insert(id.clone(), font);
        ids.insert(*kind, id);
        let face =
            rustybuzz::ttf_parser::Face::parse(bytes, 0).map_err(|e| font_error(e.to_string()))?;
        faces.insert(*kind, face);
    }
    Ok(WithFonts {
        pdf,
        ids,
        subset,
        faces,
    })
}

impl<'s> FileInProgress<'s> {
    /// The document of `pages` pages of `size` (points), its fonts subset
    /// to the glyphs `used`. printpdf makes its first page alone: made by
    /// printpdf, every page (lopdf dictionaries, some 5 KB a page, all
    /// made at once) was the peak of a long article's heap, 8.8 MB of the
    /// seed ×1,500's 37.9 MB.
    pub(super) fn new(
        title: &str,
        used: GlyphInventory,
        pages: usize,
        size: (f32, f32),
        source: &'s FontSource,
    ) -> Result<Self, WriteError> {
        let WithFonts {
            mut pdf,
            ids,
            subset,
            faces,
        } = with_fonts(title, &used, source)?;
        // printpdf writes the document and the fonts; the first page shows the
        // glyph inventory, from which the codes are read back, and then every
        // page gets its real content (see the `content` module).
        let (lo, page_ids) = skeleton(
            &mut pdf,
            inventory_ops(&used, &ids, &subset),
            pages.min(1),
            size,
        )?;
        drop(pdf);
        let codes = match page_ids.first() {
            Some(&first) => read_codes(&lo.get_page_content(first), &used, &ids)?,
            None => content::GlyphCodes::new(),
        };
        // The embedded width of every glyph drawn, by face and glyph id,
        // looked up once here rather than in the font for every glyph drawn.
        let mut widths: [Vec<f32>; 4] = Default::default();
        for (kind, glyphs) in &used {
            let table = &mut widths[*kind as usize];
            for &gid in glyphs.keys() {
                let i = usize::from(gid);
                if table.len() <= i {
                    table.resize(i + 1, 0.0);
                }
                table[i] = pdf_width(&faces[kind], gid);
            }
        }
        let resource_names: BTreeMap<FontKind, String> =
            ids.iter().map(|(k, id)| (*k, id.0.clone())).collect();
        Ok(FileInProgress {
            lo,
            #[cfg(test)]
            used,
            size,
            pages,
            ids,
            codes,
            widths,
            resource_names,
            source,
            drawn: Vec::with_capacity(pages),
            owners: page_words::PageWords::with_pages(pages),
            link_parents: page_words::PageWords::with_pages(pages),
            links: drawn_links::DrawnLinks::default(),
            serialized: save::Serialized::new(),
        })
    }

    /// Draws `pages`, the next of the document, in parallel; with `free`,
    /// frees their lines and hands the memory back. The element each
    /// link's text belongs to (the parent of its `Link` structure element)
    /// is read first; the links are taken from the pages once drawn, each
    /// going where `ends` says. An error when there are more links than a
    /// PDF numbers.
    fn draw(
        &mut self,
        pages: &mut [crate::layout::Page],
        structure: &[crate::layout::StructNode],
        free: bool,
        ends: drawn_links::Ends,
    ) -> Result<(), WriteError> {
        use rayon::prelude::*;
        for p in pages.iter() {
            let parents = p.links.iter().map(|l| {
                l.source
                    .and_then(|(li, _)| p.lines.get(li))
                    // (A node past 4 billion, which no layout has, is
                    // the last node's: `link_parent`.)
                    .map_or(0, |line| u32::try_from(line.node).unwrap_or(u32::MAX))
            });
            self.link_parents.push_page(parents, self.serialized.file());
        }
        let writer = content::ContentWriter {
            codes: &self.codes,
            names: &self.resource_names,
            height: self.size.1,
            widths: &self.widths,
        };
        let serialized = &self.serialized;
        let drawn: Vec<_> = pages
            .par_iter_mut()
            .map(|p| {
                let (bytes, marked) = writer.page(p, structure);
                if free {
                    p.lines = Vec::new();
                    // (Its rules and frames too: a long book's, held to the
                    // end, were some 0.5 MB.)
                    p.rules = Vec::new();
                    p.frames = Vec::new();
                }
                let mut stream = lopdf::Stream::new(Dictionary::new(), bytes);
                post_pass::compress_stream(&mut stream);
                (serialized.stash_content(stream), marked)
            })
            .collect();
        for (content, marked) in drawn {
            self.drawn.push(content);
            self.owners
                .push_page(marked.iter().map(|o| o.word()), self.serialized.file());
        }
        for p in pages.iter_mut() {
            self.links
                .push_page(std::mem::take(&mut p.links), ends, self.serialized.file())
                .ok_or_else(|| WriteError::Assembly {
                    stage: "PDF annotations",
                    detail: "more links than a PDF's numbers hold".into(),
                })?;
        }
        if free {
            crate::allocator::return_freed_memory_everywhere();
        }
        Ok(())
    }

    /// Every page drawn: where each link waiting for its destination goes
    /// (`to`, by page and target).
    fn resolve_links(
        &mut self,
        to: &dyn Fn(usize, &crate::layout::LinkTarget) -> Option<crate::layout::LinkTo>,
    ) -> Result<(), WriteError> {
        self.links.resolve(to, self.serialized.file())
    }

    /// The file, once every page of `lay` is drawn.
    pub(super) fn finish(
        self,
        doc: &DocInfo,
        lay: &mut Layout,
        opts: &PdfOptions,
        to: Destination<'_>,
    ) -> Result<(), WriteError> {
        self.assemble(doc, lay, opts)?.save(to)
    }

    /// Every object of the file, once every page of `lay` is drawn: the
    /// layout is not read again (a long article's is freed before the
    /// file is packed; the links, taken from the pages as they were drawn,
    /// go once their annotations are written).
    pub(super) fn assemble(
        self,
        doc: &DocInfo,
        lay: &mut Layout,
        opts: &PdfOptions,
    ) -> Result<Assembled, WriteError> {
        let FileInProgress {
            mut lo,
            pages,
            ids,
            source,
            drawn,
            owners,
            link_parents,
            links,
            mut serialized,
            ..
        } = self;
        // Every page, as one page and their numbers until they are written.
        let (alike, page_ids) = match pages {
            0 => (None, Vec::new()),
            _ => match post_pass::AlikePages::spread(&mut lo, pages) {
                Some((alike, page_ids)) => (Some(alike), page_ids),
                None => {
                    return Err(WriteError::Assembly {
                        stage: "PDF pages",
                        detail: "printpdf numbered its document otherwise".into(),
                    });
                }
            },
        };
        if drawn.len() != page_ids.len() {
            return Err(WriteError::Assembly {
                stage: "PDF pages",
                detail: "a page was not drawn".into(),
            });
        }
        // The pages' tree, whose kids are every page, written in PDF syntax
        // now: as an lopdf array, 120 bytes a kid (2.2 MB of a book of
        // 18,678 pages) waited until the file was packed.
        if let Some(tree) = alike.as_ref().and_then(post_pass::AlikePages::tree)
            && let Some(root) = lo.objects.remove(&tree)
        {
            serialized.insert(tree, save::serialized(&root));
        }
        // A long document's pages, emptied as they were drawn, go: what
        // follows counts the pages drawn. (Each page's four empty vectors
        // took 96 bytes: 1.8 MB of a book of 18,678 pages, to its end.)
        if lay.pages.iter().all(|p| p.lines.is_empty()) {
            lay.pages = Vec::new();
        }
        // Each page's content in place of printpdf's, at the number printpdf
        // gives it.
        for (pi, content) in drawn.into_iter().enumerate() {
            let id = alike.as_ref().and_then(|a| a.contents(pi)).ok_or_else(|| {
                WriteError::Assembly {
                    stage: "PDF pages",
                    detail: format!("page {pi} has no contents' number"),
                }
            })?;
            if let Some(stream) = serialized.add_content(id, content) {
                lo.objects.insert(id, Object::Stream(stream));
            }
        }
        // What drawing left behind (the list of drawn pages, the glyph
        // inventory's page) is handed back before the annotations and the
        // structure tree are made (the seed ×3,460 peaked at 105.9–106.5 MB
        // with this, 106.2–107.0 without: within the noise, but not above).
        if page_ids.len() >= FREE_LINES_FROM_PAGES {
            crate::allocator::return_freed_memory_everywhere();
        }
        // Subset fonts are named TAG+PostScriptName (printpdf names them by the tag alone).
        let names: BTreeMap<Vec<u8>, String> = ids
            .iter()
            .map(|(k, id)| {
                let i = FontKind::ALL.iter().position(|x| x == k).unwrap_or(0);
                (
                    id.0.as_bytes().to_vec(),
                    format!("{}+{}", id.0, source.names[i]),
                )
            })
            .collect();
        for obj in lo.objects.values_mut() {
            if let Object::Dictionary(d) = obj {
                for key in [&b"BaseFont"[..], &b"FontName"[..]] {
                    if let Ok(Object::Name(n)) = d.get(key)
                        && let Some(full) = names.get(n)
                    {
                        d.set(key, Object::Name(full.clone().into_bytes()));
                    }
                }
            }
        }
        let long = page_ids.len() >= FREE_LINES_FROM_PAGES;
        post_pass::post_pass(
            &mut lo,
            &mut serialized,
            doc,
            lay,
            &page_ids,
            &mut post_pass::Drawn {
                owners,
                link_parents,
                alike,
                links,
            },
            opts,
        )?;
        post_pass::compress_streams(&mut lo);
        // The structure tree's working tables are gone too: their memory is
        // handed back before the file is packed (the seed ×1,500's peak was
        // 180–199 MB without this, from run to run, and 178 MB with it).
        if long {
            crate::allocator::return_freed_memory_everywhere();
        }
        Ok(Assembled { lo, serialized })
    }
}

/// The objects of a PDF, ready to be packed into its file.
pub(super) struct Assembled {
    lo: lopdf::Document,
    serialized: save::Serialized,
}

impl Assembled {
    /// Writes the file into `to` as it is packed.
    pub(super) fn save(self, to: Destination<'_>) -> Result<(), WriteError> {
        let Assembled { lo, mut serialized } = self;
        // Every dictionary that is not a stream's (pages, fonts,
        // annotations, the outline, the structure tree …) in deflated
        // object streams, with a cross-reference stream (PDF 1.5): the
        // structure tree of the tagged PDF would otherwise add a third to
        // the file.
        let saved = save::save(&lo, &mut serialized, to);
        super::drop_later((lo, serialized));
        saved
    }
}

/// printpdf operations that show each glyph of `used` once, one text object
/// per face, in the order of `used` (face, then glyph id). `subset` maps a
/// layout glyph id to its id in the subset font given to printpdf.
fn inventory_ops(
    used: &GlyphInventory,
    ids: &BTreeMap<FontKind, FontId>,
    subset: &BTreeMap<FontKind, BTreeMap<u16, u16>>,
) -> Vec<Op> {
    let mut ops = Vec::new();
    for (kind, glyphs) in used {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(ids[kind].clone()),
            size: Pt(10.0),
        });
        let cps = glyphs
            .iter()
            .map(|(gid, text)| {
                let g = subset[kind].get(gid).copied().unwrap_or(0);
                Codepoint::with_cid(g, 0.0, text.to_string())
            })
            .collect();
        ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(cps)],
        });
        ops.push(Op::EndTextSection);
    }
    ops
}

/// Reads the codes printpdf wrote for the inventory (the decoded content of
/// the page that held [`inventory_ops`]): each `Tf` names a face, each `TJ`
/// lists its glyphs' codes in inventory order.
fn read_codes(
    content: &[u8],
    used: &GlyphInventory,
    ids: &BTreeMap<FontKind, FontId>,
) -> Result<GlyphCodes, WriteError> {
    let bad = |what: &str| WriteError::Assembly {
        stage: "PDF glyph inventory",
        detail: what.to_string(),
    };
    let ops = lopdf::content::Content::decode(content)
        .map_err(|e| bad(&e.to_string()))?
        .operations;
    let by_name: HashMap<&[u8], FontKind> =
        ids.iter().map(|(k, id)| (id.0.as_bytes(), *k)).collect();
    let mut codes = GlyphCodes::new();
    let mut face = None;
    for op in ops {
        match (op.operator.as_str(), op.operands.first()) {
            ("Tf", Some(lopdf::Object::Name(n))) => face = by_name.get(n.as_slice()).copied(),
            ("TJ", Some(lopdf::Object::Array(items))) => {
                let kind = face.ok_or_else(|| bad("glyphs before a font"))?;
                let bytes: Vec<u8> = items
                    .iter()
                    .filter_map(|o| match o {
                        lopdf::Object::String(s, _) => Some(s.as_slice()),
                        _ => None,
                    })
                    .flatten()
                    .copied()
                    .collect();
                let gids = used.get(&kind).ok_or_else(|| bad("an unused face"))?;
                if bytes.len() != 2 * gids.len() {
                    return Err(bad("printpdf wrote a different number of glyphs"));
                }
                let len = gids
                    .last_key_value()
                    .map_or(0, |(&g, _)| usize::from(g) + 1);
                let mut by_id = vec![0; len];
                for (&gid, c) in gids.keys().zip(bytes.chunks_exact(2)) {
                    by_id[usize::from(gid)] = u16::from_be_bytes([c[0], c[1]]);
                }
                codes.insert(kind, by_id);
            }
            _ => {}
        }
    }
    if codes.len() != used.len() {
        return Err(bad("a face is missing"));
    }
    Ok(codes)
}
