//! The adapter around epub-builder 0.8.3: the only module that uses it.
//!
//! [`assemble`] takes a book that the writer ([`super`]) has already
//! decided on — metadata, chapters, table of contents, all validated and
//! unescaped — has epub-builder build the archive, and normalises it with
//! one small post-pass ([`post_pass`]) that rewrites the finished zip.
//!
//! # Routing around epub-builder 0.8.3
//!
//! Found by probing it; worth reporting upstream (each would let the
//! matching step of the post-pass go). Each row but one (a speed choice) has a test in this module
//! that fails when its workaround is taken away:
//!
//! | defect | what refolio does | test |
//! |---|---|---|
//! | `dc:language` and `dc:creator` both get `id="epub-creator-N"` (duplicate ids, EPUBCheck RSC-005) | post-pass renames the language ids to `epub-language-N` | `language_ids_do_not_collide_with_creator_ids` |
//! | empty landmarks `<nav>` (an empty `ol` is invalid) when no content has a reference type | the first chapter is added with `ReferenceType::Text` (landmark `bodymatter`) | `first_chapter_is_the_bodymatter_landmark` |
//! | the landmarks `<nav>` is shown to readers as a second list of contents | post-pass marks it `hidden` (it is for reading systems only) | `landmarks_nav_is_hidden` |
//! | no `xml:lang` on `<package>`; no `lang` on the nav document's `<html>`, no `role="doc-toc"` on its toc `<nav>` (Ace) | post-pass adds them | `package_and_nav_carry_the_language_and_toc_role` |
//! | chapter XHTML is passed through unchanged (nothing declares `xmlns:epub` for it) | the chapters declare `xmlns:epub` themselves ([`crate::write::xhtml`]) | `chapters_declare_the_epub_namespace` |
//! | `<meta property>` values (`MetadataOpfV3::content`) are written unescaped | values are escaped here before they are handed over | `meta_values_are_escaped` |
//! | only a UUID can be the identifier | a user identifier replaces a placeholder UUID in the post-pass, escaped | `user_identifier_replaces_the_placeholder_escaped` |
//! | `dcterms:modified` is "now" unless set | always set, to the time the writer chose (`SOURCE_DATE_EPOCH`, else the article's date, else 1980-01-01) | `modified_is_the_given_time_not_now` |
//! | the archive can only be made by its `ZipLibrary`, deflated at the default level (the `Zip` trait is private), so the post-pass inflates every entry and deflates it again | epub-builder gets the stylesheet and the chapters empty, and the post-pass puts their bodies in, deflated once at a fast level ([`DEFLATE_LEVEL`]) | `chapter_and_stylesheet_bodies_are_put_in_whole` (the speed is measured by `benches/pipeline.rs` `write-epub`) |
//! | the table of contents is rendered a string per entry, each chapter's entries copied again to indent them (some 17 MB of strings for a long article's 13,841 sections) | epub-builder gets the first chapter's title alone (`given_titles`; all of them took 12 MB of strings in a book of 14,400 chapters); the post-pass writes every title and entry where it listed it, as epub-builder renders them, straight into the archive ([`toc_is_ours`]; a title or label with a line break, or an empty label, keeps epub-builder's) | `the_table_of_contents_written_is_epub_builders` |
//! | every chapter added holds an entry of its archive's table (some 480 bytes as it grows) and its package document's items in strings until the archive is made | epub-builder gets the first chapter alone when the table of contents is refolio's and the chapters' names are plain (`plain_name`); the post-pass adds the other chapters' entries and manifest and spine items after it, as epub-builder writes them ([`ChaptersAdded`]) | `the_table_of_contents_written_is_epub_builders` |
//! | zip entries are stamped "now" (no API to set them) | post-pass rewrites the archive: `mimetype` first and stored, every entry with the same timestamp (the `dcterms:modified` time) and permissions `0644`, in epub-builder's order | `archive_layout_mimetype_first_stored_fixed_times` |
//!
//! Every patch of the post-pass must apply exactly as often as expected, or
//! the write fails with an internal error (so an upgrade of epub-builder
//! that changes its templates cannot silently produce a broken book; the
//! dependency is pinned with `=0.8.3`): tested by
//! `patches_fail_loudly_when_the_template_differs`.

use super::archive::{Archive, Method};
use crate::error::WriteError;
use crate::temp_file::Spill;
use chrono::{DateTime, Datelike, Timelike, Utc};
use epub_builder::{
    EpubBuilder, EpubContent, EpubVersion, MetadataOpfV3, ReferenceType, TocElement, ZipLibrary,
};
use std::io::{Cursor, Read, Write};
use uuid::Uuid;

/// A book as the writer hands it over: every value decided, validated and
/// unescaped.
#[derive(Debug, Clone)]
pub struct Book<'a> {
    /// `dc:title`.
    pub title: String,
    /// The `dc:creator`s, in order.
    pub authors: Vec<&'a str>,
    /// The `dc:language`s, in order.
    pub languages: Vec<&'a str>,
    /// The book's language (`xml:lang` of `package` and the nav document).
    pub lang: &'a str,
    /// The `generator` meta.
    pub generator: String,
    /// The heading of the navigation document's table of contents.
    pub toc_name: &'a str,
    /// `dcterms:modified`, and the timestamp of every zip entry.
    pub modified: DateTime<Utc>,
    /// `dc:rights`.
    pub license: Option<&'a str>,
    /// `dc:date` (a full day).
    pub published: Option<DateTime<Utc>>,
    /// Further `<meta property>` elements: property and (unescaped) value.
    pub metas: Vec<(&'a str, String)>,
    /// The stylesheet ([`super::STYLESHEET_HREF`]).
    pub stylesheet: &'a [u8],
    /// The chapters, in reading order.
    pub chapters: Vec<Chapter<'a>>,
}

/// The book's identifier (`dc:identifier`).
#[derive(Debug, Clone, Copy)]
pub enum Identifier<'a> {
    /// Written as `urn:uuid:…`.
    Uuid(Uuid),
    /// Written as it is (escaped).
    User(&'a str),
}

/// One chapter: its file name in the book, its title, and its entries in
/// the table of contents (`href` and label). Its XHTML is written into the
/// archive when its turn comes ([`assemble`]).
#[derive(Debug, Clone)]
pub struct Chapter<'a> {
    /// The file name inside the book ([`super::chapter_name`]).
    pub name: String,
    /// The title in the table of contents.
    pub title: &'a str,
    /// Entries nested under the chapter's title: `href` and label.
    pub toc: Vec<(String, &'a str)>,
}

/// What the archive is given as it is written: the chapters' XHTML, one
/// at a time in order, and then the book's identifier (which may be made
/// of the chapters).
pub trait Chapters {
    /// Writes chapter `i`'s XHTML into the archive's entry `out`.
    fn write(&mut self, i: usize, out: &mut dyn Write) -> Result<(), WriteError>;
    /// The book's identifier, asked for once every chapter is written.
    fn identifier(&mut self) -> Identifier<'_>;
}

/// Builds `book` with epub-builder and runs the [`post_pass`] over it,
/// writing the finished archive into `out`. Each chapter's XHTML is
/// written by `chapters` straight into its entry, deflated as it comes:
/// only the archive is held (deflated), never a chapter's XHTML whole.
/// Nothing is written into `out` unless the whole archive is made.
pub fn assemble(
    book: &Book,
    chapters: &mut dyn Chapters,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    assemble_with(book, chapters, out, toc_is_ours(&book.chapters))
}

/// [`assemble`], the table of contents written by the post-pass (`ours`)
/// or by epub-builder.
fn assemble_with(
    book: &Book,
    chapters: &mut dyn Chapters,
    out: &mut dyn Write,
    ours: bool,
) -> Result<(), WriteError> {
    let mut b =
        EpubBuilder::new(ZipLibrary::new().map_err(builder_error)?).map_err(builder_error)?;
    b.epub_version(EpubVersion::V33);
    b.escape_html(true);
    b.set_title(book.title.clone());
    for author in &book.authors {
        b.add_author(*author);
    }
    for l in &book.languages {
        b.add_language(*l);
    }
    b.set_generator(book.generator.clone());
    b.set_toc_name(book.toc_name);
    // The identifier replaces this placeholder in the post-pass, once the
    // chapters are written.
    b.set_uuid(PLACEHOLDER_UUID);
    b.set_modified_date(book.modified);
    if let Some(licence) = book.license {
        b.set_license(licence);
    }
    if let Some(day) = book.published {
        b.set_publication_date(day);
    }
    for (property, content) in &book.metas {
        // epub-builder writes `content` as it is: escape it here.
        let escaped = quick_xml::escape::escape(content.as_str()).into_owned();
        b.add_metadata_opf(Box::new(MetadataOpfV3::new(property.to_string(), escaped)));
    }
    // epub-builder is handed empty bodies: it only stores them (deflated at
    // its default level, which the post-pass would undo), so the post-pass
    // puts the real ones into the archive it writes anyway.
    let mut bodies = vec![(
        format!("OEBPS/{}", super::STYLESHEET_HREF),
        Body::Bytes(book.stylesheet),
    )];
    b.stylesheet(&[][..]).map_err(builder_error)?;

    // The table of contents is written by the post-pass when it can
    // ([`toc_is_ours`]): epub-builder is then given the first chapter's
    // title alone ([`given_titles`]), which it renders where the post-pass
    // writes every chapter's. And when the chapters' names are plain
    // ([`plain_name`]), epub-builder is given the first chapter alone:
    // the post-pass adds the others to the archive and to the package
    // document after it ([`ChaptersAdded`]).
    let titled = if ours {
        given_titles(&book.chapters).len()
    } else {
        book.chapters.len()
    };
    let given = if ours && book.chapters.iter().all(|c| plain_name(&c.name)) {
        titled
    } else {
        book.chapters.len()
    };
    // The chapters added after epub-builder's are put in by the post-pass
    // without a body named here ([`ChaptersAdded`]).
    for (i, chapter) in book.chapters.iter().enumerate().take(given) {
        bodies.push((format!("OEBPS/{}", chapter.name), Body::Chapter(i)));
        let title = if i < titled { chapter.title } else { "" };
        let mut content = EpubContent::new(chapter.name.clone(), &[][..]).title(title);
        if i == 0 {
            // Without a reference type the landmarks nav would be empty (invalid).
            content = content.reftype(ReferenceType::Text);
        }
        if !ours {
            for (href, label) in &chapter.toc {
                content = content.child(TocElement::new(href.clone(), label.to_string()));
            }
        }
        b.add_content(content).map_err(builder_error)?;
    }

    let mut raw = Vec::new();
    b.generate(&mut raw).map_err(builder_error)?;
    let fixes = Fixes {
        lang: book.lang,
        modified: book.modified,
    };
    let toc = ours.then_some(&book.chapters[..]);
    let added = ChaptersAdded::of(&book.chapters, given);
    let archive = post_pass(&raw, &fixes, &bodies, toc, added, chapters)?;
    archive.copy_into(out)?;
    Ok(())
}

/// Whether epub-builder writes a chapter's `name` as it is, in its
/// archive and in the package document (`href` and `id`, after `id_`):
/// ASCII letters, digits, `-`, `_` and `.`, as refolio names its chapters
/// (`chapter-1.xhtml`).
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The chapters that the post-pass adds to epub-builder's archive and
/// package document, after the last chapter epub-builder was given.
/// (Given them all, epub-builder held an entry of its archive for each,
/// some 480 bytes as its table grew, and its package document's items in
/// strings: the EPUB book of 28,800 chapters peaked at 102 MB, 84 MB
/// so, and took 3.5 s, 2.9 s so.)
#[derive(Clone, Copy)]
struct ChaptersAdded<'c, 'b> {
    /// The last chapter epub-builder was given, when any is added after it.
    after: Option<&'c Chapter<'b>>,
    /// The chapters added after it, in their order.
    added: &'c [Chapter<'b>],
    /// The first added chapter's index among the book's chapters.
    first: usize,
}

impl<'c, 'b> ChaptersAdded<'c, 'b> {
    /// `chapters` of which epub-builder was given the first `given`.
    fn of(chapters: &'c [Chapter<'b>], given: usize) -> Self {
        let given = given.min(chapters.len());
        ChaptersAdded {
            after: given
                .checked_sub(1)
                .filter(|_| given < chapters.len())
                .map(|i| &chapters[i]),
            added: &chapters[given..],
            first: given,
        }
    }

    /// Nothing added.
    #[cfg(test)]
    const NONE: ChaptersAdded<'static, 'static> = ChaptersAdded {
        after: None,
        added: &[],
        first: 0,
    };

    /// The name in the archive of the `k`th added chapter, in `buf`.
    fn entry_name<'n>(&self, k: usize, buf: &'n mut String) -> &'n str {
        buf.clear();
        buf.push_str("OEBPS/");
        buf.push_str(&self.added[k].name);
        buf
    }

    /// The package document's manifest item for the chapter `name`, as
    /// epub-builder 0.8.3 writes it.
    fn item(name: &str) -> String {
        format!(r#"<item media-type="application/xhtml+xml" id="id_{name}" href="{name}"/>"#)
    }

    /// Its spine item, as epub-builder 0.8.3 writes it.
    fn itemref(name: &str) -> String {
        format!(r#"<itemref idref="id_{name}"/>"#)
    }

    /// Writes the package document `opf` to `out` with `identifier` in
    /// place of the placeholder, and the added chapters' manifest and spine
    /// items after the last given chapter's, each on a line of its own,
    /// indented as epub-builder indents them. What is replaced, and the last
    /// given chapter's items, must be there once each (as a [`patch`]
    /// checks). The items are written one by one: the package document of
    /// a book of 14,400 chapters, held whole and copied to put the
    /// identifier in, was 5 MB of the EPUB's peak.
    fn write_opf(
        self,
        opf: &str,
        identifier: Identifier<'_>,
        out: &mut impl Write,
    ) -> Result<(), WriteError> {
        let (placeholder, id) = identifier_elements(identifier);
        let at = once(opf, OPF_PATH, &placeholder)?;
        // What goes where: (start, end, what) with `what` the identifier
        // or the items that `make` makes of the added chapters.
        let mut cuts: Vec<(usize, usize, Option<MakeItem>)> =
            vec![(at, at + placeholder.len(), None)];
        if let Some(after) = self.after {
            for make in [Self::item, Self::itemref] {
                let last = make(&after.name);
                let end = once(opf, OPF_PATH, &last)? + last.len();
                cuts.push((end, end, Some(make)));
            }
        }
        cuts.sort_unstable_by_key(|c| c.0);
        let mut from = 0;
        for (start, end, what) in cuts {
            out.write_all(&opf.as_bytes()[from..start])?;
            match what {
                None => out.write_all(id.as_bytes())?,
                Some(make) => {
                    for c in self.added {
                        out.write_all(b"\n    ")?;
                        out.write_all(make(&c.name).as_bytes())?;
                    }
                }
            }
            from = end;
        }
        out.write_all(&opf.as_bytes()[from..])?;
        Ok(())
    }
}

/// How the package document's item of a chapter is made of its name
/// ([`ChaptersAdded::item`], [`ChaptersAdded::itemref`]).
type MakeItem = fn(&str) -> String;

/// What goes into an entry that epub-builder was given empty.
#[derive(Debug, Clone, Copy)]
enum Body<'b> {
    /// These bytes.
    Bytes(&'b [u8]),
    /// Chapter i's XHTML, written when the entry is.
    Chapter(usize),
}

/// An entry of the rewritten archive.
enum Entry<'b> {
    /// As epub-builder wrote it, or patched.
    Kept(Vec<u8>),
    /// One of the bodies.
    Body(Body<'b>),
    /// The `k`th chapter added after epub-builder's ([`ChaptersAdded`]).
    /// Its name in the entries is left empty: it is `OEBPS/` and the
    /// chapter's name, made as it is written (named and given a body
    /// here, each added chapter held 200 bytes until the archive was
    /// finished: 2.3 MB of a book of 14,400).
    Added(usize),
    /// The navigation document or the NCX, patched, with the whole table
    /// of contents written where epub-builder wrote the chapters' titles.
    Toc {
        /// Everything before the table of contents.
        head: Vec<u8>,
        /// Which it is.
        kind: TocKind,
        /// Everything after it.
        tail: Vec<u8>,
    },
}

/// The placeholder that the identifier replaces (never in a finished book).
const PLACEHOLDER_UUID: Uuid = Uuid::from_u128(0);

fn builder_error(e: epub_builder::Error) -> WriteError {
    WriteError::Assembly {
        stage: "epub-builder",
        detail: e.to_string(),
    }
}

/// What the post-pass fixes in epub-builder's archive.
#[derive(Debug, Clone, Copy)]
struct Fixes<'a> {
    /// The book's language (`xml:lang` of `package` and the nav document).
    pub lang: &'a str,
    /// The timestamp of every zip entry.
    pub modified: DateTime<Utc>,
}

/// Where epub-builder puts the package document and the navigation document.
pub const OPF_PATH: &str = "OEBPS/content.opf";
/// See [`OPF_PATH`].
pub const NAV_PATH: &str = "OEBPS/nav.xhtml";
/// See [`OPF_PATH`].
pub const NCX_PATH: &str = "OEBPS/toc.ncx";

/// The post-pass over epub-builder 0.8.3's finished archive (see the
/// [module docs](self) for why each step exists):
///
/// 1. `content.opf`: `xml:lang` on `package`; `dc:language` ids renamed so
///    they no longer collide with `dc:creator`'s; the user identifier, if any;
/// 2. `nav.xhtml`: `lang`/`xml:lang` on `html`, `role="doc-toc"` on the toc
///    `nav`, `hidden` on the landmarks `nav` (for reading systems only);
/// 3. the entries named in `bodies` (epub-builder was given them empty) get
///    their contents (a chapter's written by `chapters` into the entry);
///    the chapters `added` (epub-builder was not given them) get entries
///    after the last it was given, their contents written so too;
/// 4. with `toc` (the chapters, when the table of contents is refolio's:
///    [`toc_is_ours`]), `nav.xhtml` and `toc.ncx` get every chapter's
///    entries where epub-builder listed the chapters' titles alone,
///    written into their entries as they are made;
/// 5. the zip is written anew ([`Archive`]): `mimetype` first and stored,
///    everything else deflated at [`DEFLATE_LEVEL`] in the original order,
///    all with the timestamp `modified` and permissions 0644, no extra
///    fields, no comment.
fn post_pass<'b>(
    archive: &[u8],
    fixes: &Fixes,
    bodies: &[(String, Body<'b>)],
    toc: Option<&[Chapter<'_>]>,
    added: ChaptersAdded<'_, '_>,
    chapters: &mut dyn Chapters,
) -> Result<Spill, WriteError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).map_err(zip_error)?;
    // The bodies are borrowed, not copied into the archive's entry list.
    let mut entries: Vec<(String, Entry<'b>)> = Vec::with_capacity(zip.len() + added.added.len());
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(zip_error)?;
        let mut data = Vec::new();
        f.read_to_end(&mut data)?;
        entries.push((f.name().to_string(), Entry::Kept(data)));
    }
    // The chapters epub-builder was not given, empty (as it writes those it
    // was given) after the last it was given.
    if let Some(after) = added.after {
        let name = format!("OEBPS/{}", after.name);
        let Some(at) = entries.iter().position(|(n, _)| *n == name) else {
            return Err(WriteError::Internal(format!(
                "epub-builder wrote no {name}"
            )));
        };
        let more = (0..added.added.len()).map(|k| (String::new(), Entry::Added(k)));
        entries.splice(at + 1..at + 1, more);
    }
    let mut patched = (false, false, toc.is_none());
    for (name, entry) in &mut entries {
        let Entry::Kept(data) = entry else { continue };
        if name == OPF_PATH {
            *data = patch_opf(utf8(name, data)?, fixes)?.into_bytes();
            patched.0 = true;
        } else if name == NAV_PATH {
            let nav = patch_nav(utf8(name, data)?, fixes.lang)?;
            match toc {
                Some(toc) => *entry = split_at_toc(&nav, TocKind::Nav, toc)?,
                None => *data = nav.into_bytes(),
            }
            patched.1 = true;
        } else if name == NCX_PATH
            && let Some(toc) = toc
        {
            *entry = split_at_toc(utf8(name, data)?, TocKind::Ncx, toc)?;
            patched.2 = true;
        }
    }
    if patched != (true, true, true) {
        return Err(WriteError::Internal(format!(
            "epub-builder wrote no {OPF_PATH}, {NAV_PATH} or {NCX_PATH}"
        )));
    }
    // Each entry's place by name, and whether the name is written more
    // than once or given a body already: looked up, not searched for each
    // body (a book of 28,800 chapters spent a third of its time comparing
    // names).
    let mut places: rustc_hash::FxHashMap<&str, EntryPlace> = Default::default();
    places.reserve(entries.len());
    for (i, (name, entry)) in entries.iter().enumerate() {
        if matches!(entry, Entry::Added(_)) {
            continue;
        }
        places
            .entry(name.as_str())
            .and_modify(|p| p.once = false)
            .or_insert(EntryPlace {
                at: i,
                once: true,
                taken: false,
            });
    }
    let mut found = Vec::with_capacity(bodies.len());
    for (name, body) in bodies {
        match places.get_mut(name.as_str()) {
            Some(p)
                if p.once
                    && !p.taken
                    && matches!(&entries[p.at].1, Entry::Kept(d) if d.is_empty()) =>
            {
                p.taken = true;
                found.push((p.at, *body));
            }
            _ => {
                return Err(WriteError::Internal(format!(
                    "epub-builder wrote {name} other than once and empty"
                )));
            }
        }
    }
    drop(places);
    for (i, body) in found {
        entries[i].1 = Entry::Body(body);
    }
    let Some(mimetype) = entries.iter().position(|(n, _)| n == "mimetype") else {
        return Err(WriteError::Internal(
            "epub-builder wrote no mimetype".into(),
        ));
    };
    let (_, Entry::Kept(mimetype)) = entries.remove(mimetype) else {
        return Err(WriteError::Internal(
            "epub-builder wrote the mimetype empty".into(),
        ));
    };

    let mut w = Archive::new(Spill::new(SPILL_FROM), zip_time(fixes.modified))?;
    w.start("mimetype", Method::Stored)?;
    w.write_all(&mimetype)?;
    let deflated = Method::Deflated(DEFLATE_LEVEL);
    let mut unwritten = bodies
        .iter()
        .filter(|(_, b)| matches!(b, Body::Chapter(_)))
        .count()
        + added.added.len();
    let mut added_name = String::new();
    for (name, entry) in &entries {
        let name = match entry {
            Entry::Added(k) => added.entry_name(*k, &mut added_name),
            _ => name.as_str(),
        };
        w.start(name, deflated)?;
        match entry {
            Entry::Kept(data) if name == OPF_PATH => {
                // The identifier may be made of the chapters: they come first.
                if unwritten > 0 {
                    return Err(WriteError::Internal(format!(
                        "epub-builder wrote {OPF_PATH} before a chapter"
                    )));
                }
                let identifier = chapters.identifier();
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut w);
                added.write_opf(utf8(name, data)?, identifier, &mut out)?;
                out.flush()?;
            }
            Entry::Kept(data) => w.write_all(data)?,
            Entry::Toc { head, kind, tail } => {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut w);
                out.write_all(head)?;
                kind.write(toc.unwrap_or_default(), true, &mut out)?;
                out.write_all(tail)?;
                out.flush()?;
            }
            Entry::Body(Body::Bytes(data)) => w.write_all(data)?,
            Entry::Body(Body::Chapter(i)) => {
                chapters.write(*i, &mut w)?;
                unwritten -= 1;
            }
            Entry::Added(k) => {
                chapters.write(added.first + k, &mut w)?;
                unwritten -= 1;
            }
        }
    }
    w.finish()
}

/// Where an entry of epub-builder's archive is, for the post-pass to give
/// it its body.
struct EntryPlace {
    /// Its index among the entries.
    at: usize,
    /// Whether no other entry has its name.
    once: bool,
    /// Whether a body was given to it already.
    taken: bool,
}

/// The size from which the archive being written waits in a temporary
/// file rather than in memory ([`Spill`]): 1 MiB, as a long PDF's glyphs
/// do. A book of a few articles stays in memory.
const SPILL_FROM: usize = 1 << 20;

/// The deflate level of the rewritten archive: a fast one. An e-book's text
/// is a few kilobytes compressed at any level: the bundled example's book is
/// 9.4 KB at this level and 8.9 KB at level 9, the 36 corpus books 552 KB
/// against 506 KB; level 9 took a fifth of the whole EPUB time. (Level 1
/// is zlib-rs's quick strategy: 35% larger for 7% less time.)
const DEFLATE_LEVEL: u32 = 2;

fn zip_error(e: zip::result::ZipError) -> WriteError {
    WriteError::Assembly {
        stage: "zip",
        detail: e.to_string(),
    }
}

fn utf8<'a>(name: &str, data: &'a [u8]) -> Result<&'a str, WriteError> {
    std::str::from_utf8(data).map_err(|e| WriteError::Internal(format!("{name} is not UTF-8: {e}")))
}

/// The zip timestamp of `t` (zip time has no zone and two-second steps;
/// clamped to 1980–2107).
fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    let year = t.year().clamp(1980, 2107) as u16;
    zip::DateTime::from_date_and_time(
        year,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

/// Replaces `from` by `to` where it occurs, which must be exactly `count`
/// times (`None`: at least once).
fn patch(
    text: &str,
    file: &str,
    from: &str,
    to: &str,
    count: Option<usize>,
) -> Result<String, WriteError> {
    let found = text.matches(from).count();
    let ok = match count {
        Some(n) => found == n,
        None => found > 0,
    };
    if !ok {
        return Err(unexpected(file, from, found, count));
    }
    Ok(text.replace(from, to))
}

/// Where `from` is in `text`, which must hold it exactly once (see
/// [`patch`]).
fn once(text: &str, file: &str, from: &str) -> Result<usize, WriteError> {
    let mut found = text.match_indices(from);
    match (found.next(), found.next()) {
        (Some((at, _)), None) => Ok(at),
        _ => Err(unexpected(file, from, text.matches(from).count(), Some(1))),
    }
}

/// `file` holds `from` `found` times, not `count` (`None`: at least once).
fn unexpected(file: &str, from: &str, found: usize, count: Option<usize>) -> WriteError {
    WriteError::Internal(format!(
        "{file} as written by epub-builder has `{from}` {found} times, \
         expected {}; has epub-builder changed?",
        count.map_or("at least once".to_string(), |n| format!("{n} times"))
    ))
}

fn patch_opf(opf: &str, fixes: &Fixes) -> Result<String, WriteError> {
    let lang = quick_xml::escape::escape(fixes.lang);
    let package = r#"<package version="3.0" xmlns="http://www.idpf.org/2007/opf" unique-identifier="epub-id-1">"#;
    let with_lang = format!(
        r#"<package version="3.0" xmlns="http://www.idpf.org/2007/opf" unique-identifier="epub-id-1" xml:lang="{lang}">"#
    );
    let mut opf = patch(opf, OPF_PATH, package, &with_lang, Some(1))?;
    opf = patch(
        &opf,
        OPF_PATH,
        r#"<dc:language id="epub-creator-"#,
        r#"<dc:language id="epub-language-"#,
        None,
    )?;
    Ok(opf)
}

/// The package document's identifier element as epub-builder writes it
/// with the placeholder, and as it is with `identifier` (a UUID as
/// epub-builder writes one: its URN).
fn identifier_elements(identifier: Identifier<'_>) -> (String, String) {
    let from = format!(
        r#"<dc:identifier id="epub-id-1">{}</dc:identifier>"#,
        uuid::fmt::Urn::from_uuid(PLACEHOLDER_UUID)
    );
    let to = match identifier {
        Identifier::Uuid(uuid) => format!(
            r#"<dc:identifier id="epub-id-1">{}</dc:identifier>"#,
            uuid::fmt::Urn::from_uuid(uuid)
        ),
        Identifier::User(id) => format!(
            r#"<dc:identifier id="epub-id-1">{}</dc:identifier>"#,
            quick_xml::escape::escape(id)
        ),
    };
    (from, to)
}

fn patch_nav(nav: &str, lang: &str) -> Result<String, WriteError> {
    let lang = quick_xml::escape::escape(lang);
    let html =
        r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">"#;
    let with_lang = format!(
        r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{lang}" xml:lang="{lang}">"#
    );
    let mut nav = patch(nav, NAV_PATH, html, &with_lang, Some(1))?;
    nav = patch(
        &nav,
        NAV_PATH,
        r#"<nav epub:type = "toc" id="toc">"#,
        r#"<nav epub:type="toc" role="doc-toc" id="toc" aria-labelledby="toc-title">"#,
        Some(1),
    )?;
    nav = patch(
        &nav,
        NAV_PATH,
        r#"<nav epub:type = "landmarks">"#,
        r#"<nav epub:type="landmarks" hidden="hidden">"#,
        Some(1),
    )?;
    Ok(nav)
}

/// Whether the post-pass writes the table of contents ([`post_pass`],
/// step 4) rather than epub-builder: when every title and entry is one
/// line and every entry has a label, as a parsed article's always are.
/// (epub-builder 0.8.3 renders each entry into a string of its own, and
/// each chapter's entries again and again as it indents them: for a long
/// article's thousands of sections some 17 MB of strings, where the
/// post-pass writes the entries one by one into the archive. A line break
/// or an empty label would make epub-builder's indentation work
/// otherwise; those rare books keep its table of contents.)
fn toc_is_ours(chapters: &[Chapter<'_>]) -> bool {
    let one_line = |s: &str| !s.contains(['\n', '\r']);
    chapters.iter().all(|c| {
        one_line(&c.name)
            && one_line(c.title)
            && c.toc
                .iter()
                .all(|(href, label)| one_line(href) && one_line(label) && !label.is_empty())
    })
}

/// The chapters whose titles epub-builder is given when the table of
/// contents is refolio's ([`toc_is_ours`]): the first alone. It is enough
/// to find where epub-builder renders the table of contents, and to check
/// that it renders it as [`TocKind::write`] does. (Given every title,
/// epub-builder rendered them in strings, copied again to indent them:
/// 12 MB for an EPUB book of 14,400 chapters, at its peak.)
fn given_titles<'c, 'b>(chapters: &'c [Chapter<'b>]) -> &'c [Chapter<'b>] {
    &chapters[..chapters.len().min(1)]
}

/// The documents that hold a table of contents.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TocKind {
    /// The navigation document's `<nav epub:type="toc">`.
    Nav,
    /// The NCX's `<navMap>`.
    Ncx,
}

impl TocKind {
    /// What comes just before and just after the table of contents in the
    /// document as epub-builder 0.8.3 writes it.
    fn context(self) -> (&'static str, &'static str) {
        match self {
            TocKind::Nav => ("</h1>\n", "\n  </nav>"),
            TocKind::Ncx => ("<navMap>\n", "\n  </navMap>"),
        }
    }

    /// Writes the table of contents of `chapters` (`with_entries`: each
    /// chapter's entries under its title; else the titles alone) as
    /// epub-builder 0.8.3 renders its `Toc` into the document, indentation
    /// included (`Toc::render(true, true)` and `Toc::render_epub(true)`):
    /// a chapter without a title is left out, with its entries.
    fn write(
        self,
        chapters: &[Chapter<'_>],
        with_entries: bool,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let listed = chapters.iter().filter(|c| !c.title.is_empty());
        let entries = |c: &Chapter<'_>| if with_entries { c.toc.len() } else { 0 };
        match self {
            TocKind::Nav => {
                out.write_all(b"    <ol>")?;
                if listed.clone().next().is_none() {
                    out.write_all(b"\n")?;
                }
                for c in listed {
                    if entries(c) == 0 {
                        out.write_all(b"\n      ")?;
                        nav_item(out, &c.name, c.title)?;
                        continue;
                    }
                    out.write_all(b"\n      <li>\n        <a href=\"")?;
                    escaped(out, &c.name, true)?;
                    out.write_all(b"\">")?;
                    escaped(out, c.title, false)?;
                    out.write_all(b"</a>\n        <ol>")?;
                    for (href, label) in &c.toc {
                        out.write_all(b"\n          ")?;
                        nav_item(out, href, label)?;
                    }
                    out.write_all(b"\n        </ol>\n      </li>")?;
                }
                out.write_all(b"\n    </ol>")
            }
            TocKind::Ncx => {
                let mut order = 0;
                for (i, c) in listed.enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    order += 1;
                    nav_point(out, "    ", order, &c.name, c.title)?;
                    for (href, label) in &c.toc[..entries(c)] {
                        order += 1;
                        out.write_all(b"\n")?;
                        nav_point(out, "      ", order, href, label)?;
                        out.write_all(b"\n      </navPoint>")?;
                    }
                    out.write_all(b"\n    </navPoint>")?;
                }
                Ok(())
            }
        }
    }
}

/// `<li><a href="…">…</a></li>`.
fn nav_item(out: &mut dyn Write, href: &str, label: &str) -> std::io::Result<()> {
    out.write_all(b"<li><a href=\"")?;
    escaped(out, href, true)?;
    out.write_all(b"\">")?;
    escaped(out, label, false)?;
    out.write_all(b"</a></li>")
}

/// A `navPoint` up to its `content` element, each line after `indent`
/// (epub-builder trims the label, not the navigation document's).
fn nav_point(
    out: &mut dyn Write,
    indent: &str,
    order: u32,
    href: &str,
    label: &str,
) -> std::io::Result<()> {
    let mut digits = String::with_capacity(10);
    crate::write::links::push_decimal(&mut digits, order.into());
    let order = digits.as_bytes();
    for part in [
        indent.as_bytes(),
        b"<navPoint playOrder=\"",
        order,
        b"\" id=\"navPoint-",
        order,
        b"\">\n",
    ] {
        out.write_all(part)?;
    }
    for part in [indent, "  <navLabel>\n", indent, "   <text>"] {
        out.write_all(part.as_bytes())?;
    }
    escaped(out, label.trim(), false)?;
    for part in [
        "</text>\n",
        indent,
        "  </navLabel>\n",
        indent,
        "  <content src=\"",
    ] {
        out.write_all(part.as_bytes())?;
    }
    escaped(out, href, true)?;
    out.write_all(b"\"/>")
}

/// `text` with `&`, `<` and `>` escaped, and `"` too in an attribute (as
/// epub-builder's `html_escape` does).
fn escaped(out: &mut dyn Write, text: &str, attribute: bool) -> std::io::Result<()> {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' if attribute => b"&quot;",
            _ => continue,
        };
        out.write_all(&text.as_bytes()[from..i])?;
        out.write_all(entity)?;
        from = i + 1;
    }
    out.write_all(&text.as_bytes()[from..])
}

/// `document` (the navigation document or the NCX as epub-builder wrote
/// it for the first chapter's title alone, [`given_titles`]) in two, around that table of
/// contents: where the whole one goes. It must be there exactly once.
fn split_at_toc<'b>(
    document: &str,
    kind: TocKind,
    chapters: &[Chapter<'_>],
) -> Result<Entry<'b>, WriteError> {
    let file = match kind {
        TocKind::Nav => NAV_PATH,
        TocKind::Ncx => NCX_PATH,
    };
    let mut titles = Vec::new();
    kind.write(given_titles(chapters), false, &mut titles)?;
    let titles = utf8(file, &titles)?;
    let (before, after) = kind.context();
    let whole = format!("{before}{titles}{after}");
    let mut found = document.match_indices(&whole);
    let (Some((at, _)), None) = (found.next(), found.next()) else {
        return Err(WriteError::Internal(format!(
            "{file} as written by epub-builder does not hold the chapters' titles once \
             where refolio puts the table of contents; has epub-builder changed?"
        )));
    };
    let head = at + before.len();
    Ok(Entry::Toc {
        head: document.as_bytes()[..head].to_vec(),
        kind,
        tail: document.as_bytes()[head + titles.len()..].to_vec(),
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::ast::*;
    use crate::write::epub::{EpubOptions, write_book};

    pub(crate) fn doc(title: &str, text: &str) -> Document {
        let mut d = Document::new(title);
        d.blocks.push(Block::paragraph(vec![Inline::text(text)]));
        d
    }
    pub(crate) fn book(d: &Document, opts: &EpubOptions) -> Vec<u8> {
        let mut buf = Vec::new();
        write_book(&[d], opts, &mut buf).expect("write_book");
        buf
    }
    pub(crate) fn entries(
        bytes: &[u8],
    ) -> Vec<(String, Vec<u8>, zip::CompressionMethod, Option<u32>)> {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut d = Vec::new();
                f.read_to_end(&mut d).unwrap();
                (f.name().to_string(), d, f.compression(), f.unix_mode())
            })
            .collect()
    }
    pub(crate) fn text_of(bytes: &[u8], name: &str) -> String {
        let e = entries(bytes);
        let (_, d, _, _) = e.iter().find(|(n, ..)| n == name).unwrap();
        String::from_utf8(d.clone()).unwrap()
    }

    #[test]
    fn archive_layout_mimetype_first_stored_fixed_times() {
        let bytes = book(&doc("T", "x"), &EpubOptions::default());
        assert_eq!(
            &bytes[30..38],
            b"mimetype",
            "first local header is mimetype"
        );
        assert_eq!(
            &bytes[38..58],
            b"application/epub+zip",
            "stored, no extra field"
        );
        let e = entries(&bytes);
        assert_eq!(e[0].0, "mimetype");
        assert_eq!(e[0].2, zip::CompressionMethod::Stored);
        let names: Vec<&str> = e.iter().map(|x| x.0.as_str()).collect();
        for want in [
            OPF_PATH,
            NAV_PATH,
            "OEBPS/chapter-1.xhtml",
            "OEBPS/stylesheet.css",
            "META-INF/container.xml",
        ] {
            assert!(names.contains(&want), "{names:?}");
        }
        for (name, _, method, mode) in &e[1..] {
            assert_eq!(*method, zip::CompressionMethod::Deflated, "{name}");
            assert_eq!(mode.map(|m| m & 0o777), Some(0o644), "{name}");
        }
        let mut z = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        for i in 0..z.len() {
            let f = z.by_index(i).unwrap();
            let t = f.last_modified().unwrap();
            assert_eq!(
                (t.year(), t.month(), t.day(), t.hour()),
                (1980, 1, 1, 0),
                "{}",
                f.name()
            );
        }
    }

    #[test]
    fn language_ids_do_not_collide_with_creator_ids() {
        let mut a = doc("A", "x");
        a.meta.author = Some("Ann".into());
        let mut b = doc("B", "y");
        b.meta.author = Some("Bob".into());
        b.meta.lang = "de".into();
        let mut buf = Vec::new();
        write_book(&[&a, &b], &EpubOptions::default(), &mut buf).unwrap();
        let opf = text_of(&buf, OPF_PATH);
        for want in [
            "<dc:creator id=\"epub-creator-0\">Ann</dc:creator>",
            "<dc:creator id=\"epub-creator-1\">Bob</dc:creator>",
            "<dc:language id=\"epub-language-0\">en</dc:language>",
            "<dc:language id=\"epub-language-1\">de</dc:language>",
        ] {
            assert!(opf.contains(want), "{want}\n{opf}");
        }
        let mut ids: Vec<&str> = opf
            .split(" id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids in {opf}");
    }

    #[test]
    fn first_chapter_is_the_bodymatter_landmark() {
        let mut buf = Vec::new();
        let (a, b) = (doc("A", "x"), doc("B", "y"));
        write_book(&[&a, &b], &EpubOptions::default(), &mut buf).unwrap();
        let nav = text_of(&buf, NAV_PATH);
        let landmarks = &nav[nav.find("epub:type=\"landmarks\"").unwrap()..];
        assert!(
            landmarks.contains("<a epub:type=\"bodymatter\" href=\"chapter-1.xhtml\">"),
            "{nav}"
        );
        assert!(!landmarks.contains("chapter-2.xhtml"), "{nav}");
    }

    #[test]
    fn landmarks_nav_is_hidden() {
        let nav = text_of(&book(&doc("T", "x"), &EpubOptions::default()), NAV_PATH);
        assert!(
            nav.contains("<nav epub:type=\"landmarks\" hidden=\"hidden\">"),
            "{nav}"
        );
    }

    #[test]
    fn package_and_nav_carry_the_language_and_toc_role() {
        let mut d = doc("T", "x");
        d.meta.lang = "cs".into();
        let bytes = book(&d, &EpubOptions::default());
        let opf = text_of(&bytes, OPF_PATH);
        assert!(
            opf.contains("unique-identifier=\"epub-id-1\" xml:lang=\"cs\">"),
            "{opf}"
        );
        let nav = text_of(&bytes, NAV_PATH);
        assert!(nav.contains("lang=\"cs\" xml:lang=\"cs\">"), "{nav}");
        assert!(
            nav.contains(
                "<nav epub:type=\"toc\" role=\"doc-toc\" id=\"toc\" aria-labelledby=\"toc-title\">"
            ),
            "{nav}"
        );
    }

    #[test]
    fn chapter_and_stylesheet_bodies_are_put_in_whole() {
        let (a, b) = (doc("A", "alpha text"), doc("B", "beta text"));
        let opts = EpubOptions::default();
        let mut buf = Vec::new();
        write_book(&[&a, &b], &opts, &mut buf).unwrap();
        assert_eq!(text_of(&buf, "OEBPS/stylesheet.css"), opts.stylesheet);
        let one = text_of(&buf, "OEBPS/chapter-1.xhtml");
        let two = text_of(&buf, "OEBPS/chapter-2.xhtml");
        assert!(
            one.starts_with("<?xml") && one.contains("alpha text"),
            "{one}"
        );
        assert!(
            two.starts_with("<?xml") && two.contains("beta text"),
            "{two}"
        );
    }

    #[test]
    fn chapters_declare_the_epub_namespace() {
        let mut d = doc("T", "x");
        d.references = vec![Reference::new(1, "R", vec![], 0)];
        let chapter = text_of(&book(&d, &EpubOptions::default()), "OEBPS/chapter-1.xhtml");
        assert!(
            chapter.contains("xmlns:epub=\"http://www.idpf.org/2007/ops\""),
            "{chapter}"
        );
        assert!(chapter.contains("epub:type="), "{chapter}");
    }

    #[test]
    fn meta_values_are_escaped() {
        let mut d = doc("A <T> & \"q\"", "x");
        d.meta.author = Some("Jan & <Co> \"x\" ]]>".into());
        d.meta.source_url = Some("https://ex.org/?a=1&b=<2>".into());
        d.meta.license = Some("CC <BY> & co".into());
        d.meta.date = Some("Winter & <1993>".into());
        let bytes = book(&d, &EpubOptions::default());
        let opf = text_of(&bytes, OPF_PATH);
        assert!(
            opf.contains(
                "<meta property=\"dcterms:source\">https://ex.org/?a=1&amp;b=&lt;2&gt;</meta>"
            ),
            "{opf}"
        );
        assert!(
            opf.contains("<meta property=\"dcterms:date\">Winter &amp; &lt;1993&gt;</meta>"),
            "{opf}"
        );
        // What epub-builder escapes itself (with `escape_html(true)`).
        assert!(
            opf.contains("<dc:title>A &lt;T&gt; &amp; \"q\"</dc:title>"),
            "{opf}"
        );
        assert!(
            opf.contains(
                "<dc:creator id=\"epub-creator-0\">Jan &amp; &lt;Co&gt; \"x\" ]]&gt;</dc:creator>"
            ),
            "{opf}"
        );
        assert!(
            opf.contains("<dc:rights>CC &lt;BY&gt; &amp; co</dc:rights>"),
            "{opf}"
        );
        // Every document in the archive is well-formed XML.
        for (name, data, ..) in entries(&bytes) {
            if [".xhtml", ".opf", ".xml", ".ncx"]
                .iter()
                .any(|e| name.ends_with(e))
            {
                let mut r = quick_xml::Reader::from_reader(data.as_slice());
                let mut buf = Vec::new();
                while !matches!(
                    r.read_event_into(&mut buf)
                        .unwrap_or_else(|e| panic!("{name}: {e}")),
                    quick_xml::events::Event::Eof
                ) {
                    buf.clear();
                }
            }
        }
    }

    #[test]
    fn user_identifier_replaces_the_placeholder_escaped() {
        let opts = EpubOptions {
            identifier: Some("isbn:<978> & \"x\"".into()),
            ..EpubOptions::default()
        };
        let opf = text_of(&book(&doc("T", "x"), &opts), OPF_PATH);
        assert!(opf.contains("<dc:identifier id=\"epub-id-1\">isbn:&lt;978&gt; &amp; &quot;x&quot;</dc:identifier>"), "{opf}");
        assert!(!opf.contains("urn:uuid:"), "{opf}");
    }

    #[test]
    fn modified_is_the_given_time_not_now() {
        let opts = EpubOptions {
            modified: Some(1_700_000_000),
            ..EpubOptions::default()
        };
        let opf = text_of(&book(&doc("T", "x"), &opts), OPF_PATH);
        assert!(
            opf.contains("<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>"),
            "{opf}"
        );
        assert_eq!(opf.matches("dcterms:modified").count(), 1, "{opf}");
    }

    /// Chapters that write a line of XHTML each, and a fixed identifier.
    struct Lines;

    impl Chapters for Lines {
        fn write(&mut self, i: usize, out: &mut dyn Write) -> Result<(), WriteError> {
            Ok(writeln!(out, "<p>{i}</p>")?)
        }
        fn identifier(&mut self) -> Identifier<'_> {
            Identifier::Uuid(Uuid::nil())
        }
    }

    /// The table of contents that the post-pass writes is the one
    /// epub-builder renders, byte for byte: escaping (`&`, `<`, `>` and,
    /// in links, `"`), the NCX's trimmed labels and play order, chapters
    /// without a title left out with their entries, chapters without
    /// entries, and books whose chapters have no title at all.
    #[test]
    fn the_table_of_contents_written_is_epub_builders() {
        let entry = |href: &str, label: &'static str| (href.to_string(), label);
        let chapter = |name: &str, title: &'static str, toc: Vec<(String, &'static str)>| Chapter {
            name: name.to_string(),
            title,
            toc,
        };
        let full = vec![
            chapter(
                "c1.xhtml",
                "  A & <B> \"q\" 'x' é  ",
                vec![
                    entry("c1.xhtml#s-1", "One & <two> \"3\""),
                    entry("c1.xhtml#s-2&\"x\"", " Spaced label "),
                ],
            ),
            chapter(
                "c2.xhtml",
                "",
                vec![entry("c2.xhtml#s-1", "Gone with its chapter")],
            ),
            chapter("c3.xhtml", "Third", vec![]),
            chapter("c4.xhtml", "Fourth", vec![entry("c4.xhtml#refs", "Notes")]),
        ];
        let books = [
            full.clone(),
            full[2..3].to_vec(),
            full[1..2].to_vec(),
            // The first chapter, whose title alone epub-builder is given
            // (`given_titles`), has none: it renders an empty list there.
            full[1..3].to_vec(),
            // A name epub-builder writes otherwise (`plain_name`): it is
            // given every chapter.
            vec![
                chapter("c&1.xhtml", "Amp", vec![]),
                chapter("c2.xhtml", "Two", vec![entry("c2.xhtml#s-1", "One")]),
            ],
            vec![chapter("c.xhtml", "", vec![])],
        ];
        for chapters in books {
            assert!(toc_is_ours(&chapters));
            let book = Book {
                title: "T".into(),
                authors: vec![],
                languages: vec!["en"],
                lang: "en",
                generator: "g".into(),
                toc_name: "Contents",
                modified: Utc::now(),
                license: None,
                published: None,
                metas: vec![],
                stylesheet: b"p {}",
                chapters,
            };
            let made = |ours: bool| {
                let mut out = Vec::new();
                assemble_with(&book, &mut Lines, &mut out, ours).unwrap();
                out
            };
            let (ours, theirs) = (made(true), made(false));
            for name in [NAV_PATH, NCX_PATH] {
                assert_eq!(text_of(&ours, name), text_of(&theirs, name), "{name}");
            }
            assert_eq!(ours, theirs);
        }
        // A label that is a line break or nothing keeps epub-builder's.
        for label in ["two\nlines", "", "cr\r"] {
            assert!(!toc_is_ours(&[chapter(
                "c.xhtml",
                "T",
                vec![entry("c.xhtml#s", label)]
            )]));
        }
        assert!(!toc_is_ours(&[chapter("c.xhtml", "T\nU", vec![])]));
    }

    /// Chapters that must not be written.
    struct NoChapter;

    impl Chapters for NoChapter {
        fn write(&mut self, i: usize, _: &mut dyn Write) -> Result<(), WriteError> {
            panic!("chapter {i} written")
        }
        fn identifier(&mut self) -> Identifier<'_> {
            Identifier::Uuid(Uuid::nil())
        }
    }

    /// The chapters' entries come before the package document, whose
    /// identifier may be made of them: epub-builder's order, and an
    /// archive in another order fails.
    #[test]
    fn a_chapter_after_the_package_document_fails() {
        let raw = {
            let mut b = EpubBuilder::new(ZipLibrary::new().unwrap()).unwrap();
            b.epub_version(EpubVersion::V33);
            b.add_language("en");
            b.set_uuid(PLACEHOLDER_UUID);
            b.add_content(EpubContent::new("c.xhtml", &[][..]).reftype(ReferenceType::Text))
                .unwrap();
            let mut raw = Vec::new();
            b.generate(&mut raw).unwrap();
            raw
        };
        let fixes = Fixes {
            lang: "en",
            modified: Utc::now(),
        };
        struct One(usize);
        impl Chapters for One {
            fn write(&mut self, _: usize, out: &mut dyn Write) -> Result<(), WriteError> {
                self.0 += 1;
                Ok(out.write_all(b"<html/>")?)
            }
            fn identifier(&mut self) -> Identifier<'_> {
                assert_eq!(self.0, 1, "asked for once the chapter is written");
                Identifier::Uuid(Uuid::nil())
            }
        }
        let bodies = [("OEBPS/c.xhtml".to_string(), Body::Chapter(0))];
        let mut made = Vec::new();
        post_pass(
            &raw,
            &fixes,
            &bodies,
            None,
            ChaptersAdded::NONE,
            &mut One(0),
        )
        .unwrap()
        .copy_into(&mut made)
        .unwrap();
        assert_eq!(text_of(&made, "OEBPS/c.xhtml"), "<html/>");
        // Two bodies for the one entry fail.
        let twice = [bodies[0].clone(), bodies[0].clone()];
        let e = post_pass(&raw, &fixes, &twice, None, ChaptersAdded::NONE, &mut One(0))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("other than once"), "{e}");
        // The same archive with the chapter last.
        let mut z = zip::ZipArchive::new(Cursor::new(&raw[..])).unwrap();
        let mut names: Vec<String> = z.file_names().map(String::from).collect();
        names.sort_by_key(|n| n == "OEBPS/c.xhtml");
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for name in names {
            let mut data = Vec::new();
            z.by_name(&name).unwrap().read_to_end(&mut data).unwrap();
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(&data).unwrap();
        }
        let reordered = w.finish().unwrap().into_inner();
        let e = post_pass(
            &reordered,
            &fixes,
            &bodies,
            None,
            ChaptersAdded::NONE,
            &mut One(0),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("before a chapter"), "{e}");
    }

    #[test]
    fn patches_fail_loudly_when_the_template_differs() {
        let fixes = Fixes {
            lang: "en",
            modified: Utc::now(),
        };
        let e = patch_opf("<package version=\"3.1\">", &fixes)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("internal error") && e.contains("epub-builder"),
            "{e}"
        );
        assert!(patch_nav("<html>", "en").is_err());
        // The chapters' titles not where the table of contents goes.
        for kind in [TocKind::Nav, TocKind::Ncx] {
            let e = split_at_toc("<html/>", kind, &[])
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains("has epub-builder changed?"), "{e}");
        }
        let mut no_chapter = NoChapter;
        assert!(
            post_pass(
                b"not a zip",
                &fixes,
                &[],
                None,
                ChaptersAdded::NONE,
                &mut no_chapter
            )
            .is_err()
        );
        // A body for an entry epub-builder did not write fails too.
        let raw = {
            let mut b = EpubBuilder::new(ZipLibrary::new().unwrap()).unwrap();
            b.epub_version(EpubVersion::V33);
            b.add_language("en");
            b.add_content(
                EpubContent::new("c.xhtml", &b"<html/>"[..]).reftype(ReferenceType::Text),
            )
            .unwrap();
            let mut raw = Vec::new();
            b.generate(&mut raw).unwrap();
            raw
        };
        let e = post_pass(
            &raw,
            &fixes,
            &[("OEBPS/missing.xhtml".into(), Body::Bytes(b"x"))],
            None,
            ChaptersAdded::NONE,
            &mut no_chapter,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("OEBPS/missing.xhtml"), "{e}");
        // …and so does one for an entry that epub-builder did not leave empty.
        assert!(
            post_pass(
                &raw,
                &fixes,
                &[("OEBPS/c.xhtml".into(), Body::Chapter(0))],
                None,
                ChaptersAdded::NONE,
                &mut no_chapter
            )
            .is_err()
        );
        // A patch that applies more often than expected fails too.
        let twice = "<nav epub:type = \"landmarks\"><nav epub:type = \"landmarks\">";
        assert!(
            patch(
                twice,
                NAV_PATH,
                "<nav epub:type = \"landmarks\">",
                "",
                Some(1)
            )
            .is_err()
        );
    }
}
