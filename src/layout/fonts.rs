//! Fonts and shaping (rustybuzz: kerning, ligatures, superior figures).
//!
//! The three faces of a style, and a bundled fallback face for runs they
//! cannot draw (DejaVu Sans Mono, which has Arabic), are loaded once into a
//! [`FontSource`]; a [`Fonts`] borrows it for one layout and caches every
//! shaped run, shaped left to right or right to left as its bidi level says.
//! With the bundled faces, those caches go on to the next layout on the
//! same thread, in two generations of some 15,000 words ([`Generations`]),
//! so a batch shapes a common word once per thread rather than once per
//! article.

use super::Cluster;
use super::style::Style;
use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHashSet as HashSet;
use rustybuzz::ttf_parser;
use std::borrow::Cow;
use std::sync::Arc;

/// Which face of the style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontKind {
    /// Running text.
    Regular,
    /// Alt text, subtitle, byline.
    Italic,
    /// Title and headings.
    Bold,
    /// For runs the style's face cannot draw (Arabic: DejaVu Sans Mono,
    /// bundled in `typst-assets` like Libertinus).
    Fallback,
}

/// The bundled fallback face (PostScript name).
pub const FALLBACK: &str = "DejaVuSansMono";

impl FontKind {
    /// Every face, in a fixed order.
    pub const ALL: [FontKind; 4] = [
        FontKind::Regular,
        FontKind::Italic,
        FontKind::Bold,
        FontKind::Fallback,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

pub use crate::error::FontError;

/// The bytes of the three faces of a style, and the fallback face.
#[derive(Debug, Clone)]
pub struct FontSource {
    /// Regular, italic, bold, fallback (see [`FontKind`]).
    pub faces: [Cow<'static, [u8]>; 4],
    /// PostScript names, for the PDF.
    pub names: [String; 4],
}

fn postscript_name(face: &ttf_parser::Face) -> Option<String> {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
}

/// The PostScript names of the fonts bundled in the binary, in the order
/// `typst_assets::fonts` gives them (a test holds them to the fonts).
const BUNDLED: [&str; 17] = [
    "LibertinusSerif-Regular",
    "LibertinusSerif-Bold",
    "LibertinusSerif-Italic",
    "LibertinusSerif-BoldItalic",
    "LibertinusSerif-Semibold",
    "LibertinusSerif-SemiboldItalic",
    "NewCMMath-Bold",
    "NewCMMath-Book",
    "NewCMMath-Regular",
    "NewCM10-Regular",
    "NewCM10-Bold",
    "NewCM10-Italic",
    "NewCM10-BoldItalic",
    "DejaVuSansMono-Bold",
    "DejaVuSansMono-BoldOblique",
    "DejaVuSansMono-Oblique",
    "DejaVuSansMono",
];

/// A font bundled in the binary (Libertinus Serif from `typst-assets`), by
/// PostScript name: the one at its place in [`BUNDLED`], when its name
/// says it is (else the first whose name is, as a newer `typst-assets`
/// may order them otherwise). Only that font is read: every font read to
/// find its name is mapped into memory around the places read (the
/// kernel maps 64 KB around each page read from the binary), and finding
/// the fallback face last of seventeen put 5.9 MB of the binary's fonts
/// into the memory of every PDF made, a third of a short article's.
pub fn builtin(name: &str) -> Option<&'static [u8]> {
    let named = |bytes: &[u8]| {
        ttf_parser::Face::parse(bytes, 0)
            .ok()
            .and_then(|f| postscript_name(&f))
            .is_some_and(|n| n == name)
    };
    if let Some(i) = BUNDLED.iter().position(|&n| n == name)
        && let Some(bytes) = typst_assets::fonts().nth(i)
        && named(bytes)
    {
        return Some(bytes);
    }
    typst_assets::fonts().find(|bytes| named(bytes))
}

impl FontSource {
    /// Loads the faces a style names.
    pub fn load(style: &Style) -> Result<FontSource, FontError> {
        let fallback = format!("builtin:{FALLBACK}");
        let specs = [
            &style.fonts.regular,
            &style.fonts.italic,
            &style.fonts.bold,
            &fallback,
        ];
        let mut faces: Vec<Cow<'static, [u8]>> = Vec::new();
        let mut names = Vec::new();
        for spec in specs {
            let err = |m: String| FontError {
                name: spec.clone(),
                message: m,
            };
            let bytes: Cow<'static, [u8]> = if let Some(name) = spec.strip_prefix("builtin:") {
                Cow::Borrowed(
                    builtin(name).ok_or_else(|| err("no bundled font has this name".into()))?,
                )
            } else {
                let path = match &style.base_dir {
                    Some(d) => d.join(spec),
                    None => std::path::PathBuf::from(spec),
                };
                Cow::Owned(
                    std::fs::read(&path).map_err(|e| err(format!("{}: {e}", path.display())))?,
                )
            };
            let face = ttf_parser::Face::parse(&bytes, 0)
                .map_err(|e| err(format!("not a TrueType/OpenType font: {e}")))?;
            let name = postscript_name(&face).unwrap_or_else(|| "Font".to_string());
            // A PDF name: printable ASCII without delimiters.
            let name: String = name
                .chars()
                .filter(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(*c))
                .collect();
            names.push(name);
            faces.push(bytes);
        }
        let faces: [Cow<'static, [u8]>; 4] = faces.try_into().expect("four faces");
        let names: [String; 4] = names.try_into().expect("four names");
        Ok(FontSource { faces, names })
    }
}

/// One shaped glyph.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapedGlyph {
    /// Glyph id in its font.
    pub gid: u16,
    /// Advance in em (kerning included).
    pub advance: f32,
    /// Byte offset in the shaped text where the glyph's cluster starts
    /// (32 bits, as the shaper gives it).
    pub cluster: u32,
    /// The source characters this glyph stands for (a ligature has several,
    /// the later glyphs of a multi-glyph cluster none).
    pub text: Cluster,
}

// Every glyph of every cached word is one: 16 bytes (24 with a 64-bit
// offset).
const _: () = assert!(std::mem::size_of::<ShapedGlyph>() == 16);

/// A shaped piece of text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shaped {
    /// The glyphs in visual order (reversed for a right-to-left run).
    pub glyphs: Box<[ShapedGlyph]>,
    /// Characters that the font has no glyph for (byte offset, char).
    pub missing: Box<[(usize, char)]>,
    /// Set right to left (glyphs in visual order).
    pub rtl: bool,
}

impl Shaped {
    /// Total advance in em.
    pub fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum()
    }
}

/// Shaping features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// Kerning and standard ligatures.
    Text,
    /// Also superior figures (`sups`), for citation markers.
    Superior,
}

struct Face<'a> {
    rb: rustybuzz::Face<'a>,
    upem: f32,
    plan_text: rustybuzz::ShapePlan,
    plan_sups: rustybuzz::ShapePlan,
    has_sups: bool,
    /// The glyph of a space, if the face has one (looked up once: from
    /// the character map, that took some 460 instructions, and the
    /// spaces of every line drawn asked for it).
    space: Option<u16>,
    /// A space and a hyphen shaped (as [`Fonts::shape`] shapes them),
    /// once: every space of a paragraph is a glue of the space's width,
    /// and every place a word may be hyphenated measures the hyphen, in
    /// each pass; looked up in the cache of words, they were two thirds
    /// of its lookups.
    shaped_space: Arc<Shaped>,
    shaped_hyphen: Arc<Shaped>,
}

/// The faces of a style, ready to shape, with a cache of shaped words.
pub struct Fonts<'a> {
    source: &'a FontSource,
    faces: Vec<Face<'a>>,
    /// Shaped words by (face, variant, right to left), then by text: two
    /// levels, so that a lookup needs no owned key. (Fx hashing: these maps
    /// are looked up once a word and never iterated into the output.)
    cache: HashMap<(FontKind, Variant, bool), Generations<Arc<Shaped>>>,
    /// Hyphenation points of lower-case words, by language then word: a
    /// word recurs many times in an article, and its patterns cost more than
    /// a lookup. Byte offsets inside the word, in order.
    hyphens: HashMap<hypher::Lang, Generations<Box<[u32]>>>,
    /// What shaping reuses from word to word.
    scratch: Scratch,
    /// The bundled faces this layout shapes with, when all four are
    /// bundled: the caches above then go on to the next layout on this
    /// thread ([`Kept`]).
    bundled: Option<BundledFaces>,
}

/// The address and length of each of four bundled faces (`'static` data,
/// so the same address is the same font).
type BundledFaces = [(usize, usize); 4];

/// Shaped words, hyphenation points and cluster strings, kept on a thread
/// from one layout to the next when both use the same bundled faces: the
/// articles of a batch share most of their words. Shaping depends on the
/// face and the text alone, so a word shaped for an earlier article is
/// the same word here; the output does not change.
struct Kept {
    faces: BundledFaces,
    cache: HashMap<(FontKind, Variant, bool), Generations<Arc<Shaped>>>,
    hyphens: HashMap<hypher::Lang, Generations<Box<[u32]>>>,
    clusters: HashSet<Cluster>,
}

/// The shaped words of a cache, both generations.
fn words_in(cache: &HashMap<(FontKind, Variant, bool), Generations<Arc<Shaped>>>) -> usize {
    cache.values().map(Generations::len).sum()
}

/// A cache's current generation holds at most this many words: when it
/// is full, the older one is dropped and the current one takes its place
/// ([`Generations`]). It is the most a table of 16,384 slots holds (seven
/// eighths of them): one more word would double the table, half empty
/// when the generation ends (at 15,000 words, the tables of a long
/// article's words took 4.8 MB, most of it empty slots).
const GENERATION_WORDS: usize = 14_336;

/// Words cached in two generations. A lookup that finds a word in the
/// older generation moves it to the current one. When a word is added to
/// a full current generation ([`GENERATION_WORDS`] words), the older one
/// is dropped and the current one takes its place, whether in one layout
/// or over several (a thread keeps its words from one layout to the next,
/// [`Kept`]). Words that recur (a language's common words, in an article
/// or over the articles of a batch) so stay, and the rest leave within two
/// generations: a cache holds at most twice [`GENERATION_WORDS`] words,
/// however long the article. (Until the thirty-third round the current
/// generation grew without bound within a layout: the 40,000 numbered
/// entries of a reference list, each with its own numbers, left some
/// 24 MB of shaped words at a long PDF's peak.)
struct Generations<V> {
    current: HashMap<Box<str>, V>,
    older: HashMap<Box<str>, V>,
    /// The hashes of words made once and not cached
    /// ([`Generations::get_or_make`]), at most [`SEEN_WORDS`].
    seen: HashSet<u64>,
    /// Words made in this layout (counted up to [`FREELY_CACHED`]).
    made: usize,
}

/// How many words a layout caches as soon as it makes them
/// ([`Generations::get_or_make`]): more than an article of the corpus
/// makes (at most some 2,000 words).
const FREELY_CACHED: usize = 4_096;

/// How many words made once [`Generations::get_or_make`] remembers (by
/// their hash) before it forgets them all: the most a table of 32,768
/// slots holds.
const SEEN_WORDS: usize = 2 * GENERATION_WORDS;

impl<V> Default for Generations<V> {
    fn default() -> Self {
        Generations {
            current: HashMap::default(),
            older: HashMap::default(),
            seen: HashSet::default(),
            made: 0,
        }
    }
}

impl<V> Generations<V> {
    /// The value of `word`, from either generation (moved to the current
    /// one), or made by `make`.
    fn get_or_insert_with(&mut self, word: &str, make: impl FnOnce() -> V) -> &V {
        if !self.current.contains_key(word) {
            let (key, value) = self
                .older
                .remove_entry(word)
                .unwrap_or_else(|| (word.into(), make()));
            self.insert(key, value);
        }
        &self.current[word]
    }

    /// `word`'s value into the current generation, which starts anew
    /// when it is full.
    fn insert(&mut self, word: Box<str>, value: V) {
        if self.current.len() >= GENERATION_WORDS {
            self.older = std::mem::take(&mut self.current);
        }
        self.current.insert(word, value);
    }

    /// The value of `word`, from either generation (moved to the current
    /// one), or made by `make` and cached. Once this layout has made
    /// [`FREELY_CACHED`] words (a long article, whose words would soon
    /// push each other out), a word made is cached only when it was made
    /// before: a word that comes once (a reference's number, page or
    /// date, a citation's marker) is made, given and forgotten, and its
    /// hash alone is kept for a while ([`SEEN_WORDS`]); a word that comes
    /// twice is made twice, then found. (Caching every word made, the
    /// 40,000 numbered entries of a reference list, each with numbers of
    /// its own, filled the caches of both threads that set them, two
    /// generations each: their PDF peaked at 41.4–42.4 MB, 32.1 MB now.
    /// Cached on a second making from the first word, the 36 articles of
    /// the corpus converted at once took 6.9% more instructions: a
    /// layout's first words are cached as they are made.)
    fn get_or_make(&mut self, word: &str, make: impl FnOnce() -> V) -> V
    where
        V: Clone,
    {
        if let Some(value) = self.current.get(word) {
            return value.clone();
        }
        if let Some((key, value)) = self.older.remove_entry(word) {
            self.insert(key, value.clone());
            return value;
        }
        let value = make();
        if self.made < FREELY_CACHED {
            self.made += 1;
            self.insert(word.into(), value.clone());
            return value;
        }
        let hash = std::hash::BuildHasher::hash_one(&rustc_hash::FxBuildHasher, word);
        if self.seen.remove(&hash) {
            self.insert(word.into(), value.clone());
        } else {
            if self.seen.len() >= SEEN_WORDS {
                self.seen.clear();
            }
            self.seen.insert(hash);
        }
        value
    }

    fn len(&self) -> usize {
        self.current.len() + self.older.len()
    }
}

thread_local! {
    static KEPT: std::cell::RefCell<Option<Kept>> = const { std::cell::RefCell::new(None) };
}

impl Drop for Fonts<'_> {
    fn drop(&mut self) {
        let Some(faces) = self.bundled else {
            return;
        };
        let kept = Kept {
            faces,
            cache: std::mem::take(&mut self.cache),
            hyphens: std::mem::take(&mut self.hyphens),
            clusters: std::mem::take(&mut self.scratch.clusters),
        };
        // A layout that started while another held this thread's words (a
        // long article's paragraphs, set on the thread of one that waits)
        // may end first: the larger of the two caches stays. (A thread
        // being torn down has no slot left: nothing is kept.)
        let _ = KEPT.try_with(|k| {
            let mut slot = k.borrow_mut();
            if slot.as_ref().is_none_or(|old| {
                old.faces != kept.faces || words_in(&old.cache) <= words_in(&kept.cache)
            }) {
                *slot = Some(kept);
            }
        });
    }
}

/// What shaping reuses from word to word: the shaper's buffer (its
/// vectors keep their room) and every cluster seen, so that a longer
/// cluster (`fi`) is looked up in the process's table ([`Cluster`]) once
/// per shaper rather than once per glyph.
#[derive(Default)]
struct Scratch {
    buffer: Option<rustybuzz::UnicodeBuffer>,
    clusters: HashSet<Cluster>,
}

impl Scratch {
    /// The cluster of `chars`.
    fn cluster(&mut self, chars: &str) -> Cluster {
        if let Some(a) = self.clusters.get(chars) {
            return *a;
        }
        let a = Cluster::from(chars);
        self.clusters.insert(a);
        a
    }
}

impl std::fmt::Debug for Fonts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("cached", &self.cached_words())
            .finish()
    }
}

fn plan(face: &rustybuzz::Face, features: &[rustybuzz::Feature]) -> rustybuzz::ShapePlan {
    rustybuzz::ShapePlan::new(
        face,
        rustybuzz::Direction::LeftToRight,
        Some(rustybuzz::script::LATIN),
        None,
        features,
    )
}

impl<'a> Fonts<'a> {
    /// Prepares the faces of `source` for shaping.
    pub fn new(source: &'a FontSource) -> Result<Fonts<'a>, FontError> {
        let mut faces = Vec::new();
        let mut scratch = Scratch::default();
        for (i, bytes) in source.faces.iter().enumerate() {
            let rb = rustybuzz::Face::from_slice(bytes, 0).ok_or_else(|| FontError {
                name: source.names[i].clone(),
                message: "cannot be shaped".into(),
            })?;
            let upem = rb.units_per_em() as f32;
            let tag = |s: &[u8; 4]| rustybuzz::ttf_parser::Tag::from_bytes(s);
            let text = [
                rustybuzz::Feature::new(tag(b"kern"), 1, ..),
                rustybuzz::Feature::new(tag(b"liga"), 1, ..),
            ];
            let sups = [
                rustybuzz::Feature::new(tag(b"kern"), 1, ..),
                rustybuzz::Feature::new(tag(b"sups"), 1, ..),
            ];
            let plan_text = plan(&rb, &text);
            let plan_sups = plan(&rb, &sups);
            let space = rb.glyph_index(' ').map(|g| g.0);
            let mut face = Face {
                rb,
                upem,
                plan_text,
                plan_sups,
                has_sups: false,
                space,
                shaped_space: Arc::default(),
                shaped_hyphen: Arc::default(),
            };
            // Superior figures exist when `sups` changes the glyph of "1".
            let plain = shape_raw(&face, Variant::Text, "1", false, &mut scratch);
            let sup = shape_raw(&face, Variant::Superior, "1", false, &mut scratch);
            face.has_sups = plain.glyphs[0].gid != sup.glyphs[0].gid && sup.missing.is_empty();
            face.shaped_space = Arc::new(shape_raw(&face, Variant::Text, " ", false, &mut scratch));
            face.shaped_hyphen =
                Arc::new(shape_raw(&face, Variant::Text, "-", false, &mut scratch));
            faces.push(face);
        }
        let bundled = bundled_faces(source);
        let mut fonts = Fonts {
            source,
            faces,
            cache: HashMap::default(),
            hyphens: HashMap::default(),
            scratch,
            bundled,
        };
        if let Some(faces) = bundled {
            let kept = KEPT
                .try_with(|k| k.borrow_mut().take())
                .ok()
                .flatten()
                .filter(|k| k.faces == faces);
            if let Some(mut k) = kept {
                // A new layout: every word it makes is cached until it
                // has made `FREELY_CACHED` of them.
                for words in k.cache.values_mut() {
                    words.made = 0;
                }
                fonts.cache = k.cache;
                fonts.hyphens = k.hyphens;
                fonts.scratch.clusters.extend(k.clusters);
            }
        }
        Ok(fonts)
    }

    /// Where `word` (lower case) may be hyphenated in `lang`: byte offsets
    /// inside it, in order (cached; hypher's patterns, which leave at least
    /// two letters before and three after a break).
    pub fn hyphenation_points(&mut self, word: &str, lang: hypher::Lang) -> &[u32] {
        self.hyphens
            .entry(lang)
            .or_default()
            .get_or_insert_with(word, || {
                let mut points = Vec::new();
                let mut off = 0;
                let mut syllables = hypher::hyphenate(word, lang).peekable();
                while let Some(syllable) = syllables.next() {
                    off += syllable.len();
                    if syllables.peek().is_some() {
                        points.push(u32::try_from(off).unwrap_or(u32::MAX));
                    }
                }
                points.into_boxed_slice()
            })
    }

    /// The fonts these faces come from (to make another [`Fonts`] for
    /// another thread).
    pub fn source(&self) -> &'a FontSource {
        self.source
    }

    /// True when the face has superior figures for markers.
    pub fn has_superiors(&self, kind: FontKind) -> bool {
        self.faces[kind.index()].has_sups
    }

    /// Shapes `text` (cached), right to left when it has a strong
    /// right-to-left character (for labels and other single-direction text).
    pub fn shape(&mut self, kind: FontKind, variant: Variant, text: &str) -> Arc<Shaped> {
        self.shape_dir(kind, variant, text, has_rtl(text))
    }

    /// Shapes one directional run of `text` (cached): right to left when
    /// `rtl` (an odd bidi level), glyphs in visual order either way.
    pub fn shape_dir(
        &mut self,
        kind: FontKind,
        variant: Variant,
        text: &str,
        rtl: bool,
    ) -> Arc<Shaped> {
        let words = self.cache.entry((kind, variant, rtl)).or_default();
        let face = &self.faces[kind.index()];
        let scratch = &mut self.scratch;
        words.get_or_make(text, || {
            Arc::new(shape_raw(face, variant, text, rtl, scratch))
        })
    }

    /// Shapes `text` as [`Fonts::shape`] does, without the cache: neither
    /// looked up nor kept. For text that recurs little and comes once a
    /// page: a page's number is shaped twice (for the glyphs the document
    /// uses, then for its page) and never again, so cached on its second
    /// shaping, the 18,678 numbers of a long book's pages held some 2.3 MB
    /// until its pages were filled.
    pub fn shape_uncached(&mut self, kind: FontKind, variant: Variant, text: &str) -> Shaped {
        let face = &self.faces[kind.index()];
        shape_raw(face, variant, text, has_rtl(text), &mut self.scratch)
    }

    /// Whether `text` is cached in `kind`'s face, for text set left to
    /// right.
    #[cfg(test)]
    pub(crate) fn is_cached(&self, kind: FontKind, variant: Variant, text: &str) -> bool {
        self.cache
            .get(&(kind, variant, false))
            .is_some_and(|g| g.current.contains_key(text) || g.older.contains_key(text))
    }

    /// How many shaped words are cached (some kept from an earlier layout
    /// on this thread).
    pub(crate) fn cached_words(&self) -> usize {
        words_in(&self.cache)
    }

    /// Forgets every word shaped and hyphenated so far, those kept from
    /// earlier layouts on this thread too: none of them is kept for a
    /// later layout (the thread's next starts with the words shaped after
    /// this, if any). For a long article once its paragraphs are set: what
    /// is shaped after them (page numbers, labels) is little, and its own
    /// words (every number of its references among them) were some 5 MB of
    /// the seed ×3,460's memory until its PDF was written.
    pub(crate) fn forget_words(&mut self) {
        self.cache = HashMap::default();
        self.hyphens = HashMap::default();
    }

    /// The glyph for one character, if the face has it.
    pub fn glyph(&self, kind: FontKind, c: char) -> Option<u16> {
        self.faces[kind.index()].rb.glyph_index(c).map(|g| g.0)
    }

    /// The glyph of a space, if the face has one ([`Fonts::glyph`] of
    /// `' '`).
    pub fn space_glyph(&self, kind: FontKind) -> Option<u16> {
        self.faces[kind.index()].space
    }

    /// A space shaped in `kind`'s face: [`Fonts::shape`] of `" "` in
    /// [`Variant::Text`], without a lookup.
    pub fn shaped_space(&self, kind: FontKind) -> &Shaped {
        &self.faces[kind.index()].shaped_space
    }

    /// A hyphen shaped in `kind`'s face: [`Fonts::shape`] of `"-"` in
    /// [`Variant::Text`], without a lookup.
    pub fn shaped_hyphen(&self, kind: FontKind) -> Arc<Shaped> {
        Arc::clone(&self.faces[kind.index()].shaped_hyphen)
    }
}

/// [`Fonts::forget_words`] for `fonts`, and the words every thread of the
/// pool keeps from the layouts it helped with (a long article's paragraphs
/// are set on them too), unless this is one of the pool's threads (a
/// batch's article: the others are busy with theirs).
pub(crate) fn forget_words_everywhere(fonts: &mut Fonts) {
    fonts.forget_words();
    if rayon::current_thread_index().is_none() {
        rayon::broadcast(|_| {
            let _ = KEPT.try_with(|k| k.borrow_mut().take());
        });
    }
}

/// Where the four faces of `source` are, when all four are bundled.
fn bundled_faces(source: &FontSource) -> Option<BundledFaces> {
    let mut out = [(0, 0); 4];
    for (o, face) in out.iter_mut().zip(&source.faces) {
        match face {
            Cow::Borrowed(b) => *o = (b.as_ptr() as usize, b.len()),
            Cow::Owned(_) => return None,
        }
    }
    Some(out)
}

/// True when `text` has a strong right-to-left character (Hebrew, Arabic, …).
pub fn has_rtl(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF))
}

fn shape_raw(
    face: &Face,
    variant: Variant,
    text: &str,
    rtl: bool,
    scratch: &mut Scratch,
) -> Shaped {
    let mut buf = scratch.buffer.take().unwrap_or_default();
    buf.push_str(text);
    let out = if rtl {
        // A right-to-left run (Hebrew, Arabic): the shaper picks the script
        // (joining forms, marks); glyphs come back in visual order.
        buf.guess_segment_properties();
        buf.set_direction(rustybuzz::Direction::RightToLeft);
        rustybuzz::shape(&face.rb, &[], buf)
    } else {
        buf.set_direction(rustybuzz::Direction::LeftToRight);
        buf.set_script(rustybuzz::script::LATIN);
        let plan = match variant {
            Variant::Text => &face.plan_text,
            Variant::Superior => &face.plan_sups,
        };
        rustybuzz::shape_with_plan(&face.rb, plan, buf)
    };
    let infos = out.glyph_infos();
    let pos = out.glyph_positions();
    let mut clusters: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    clusters.sort_unstable();
    clusters.dedup();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut missing = Vec::new();
    for (i, (info, p)) in infos.iter().zip(pos).enumerate() {
        let start = info.cluster as usize;
        let first_of_cluster = i == 0 || infos[i - 1].cluster != info.cluster;
        let end = clusters
            .iter()
            .copied()
            .find(|&c| c > start)
            .unwrap_or(text.len());
        let chars = if first_of_cluster {
            &text[start..end.max(start)]
        } else {
            ""
        };
        // A no-break space extracts as a plain space (copy, paste, search).
        let chars = if chars == "\u{A0}" { " " } else { chars };
        if info.glyph_id == 0 {
            for (off, c) in text[start..end.max(start)].char_indices() {
                missing.push((start + off, c));
            }
        }
        glyphs.push(ShapedGlyph {
            gid: info.glyph_id as u16,
            advance: p.x_advance as f32 / face.upem,
            cluster: info.cluster,
            text: scratch.cluster(chars),
        });
    }
    scratch.buffer = Some(out.clear());
    Shaped {
        glyphs: glyphs.into_boxed_slice(),
        missing: missing.into_boxed_slice(),
        rtl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> FontSource {
        FontSource::load(&Style::default()).unwrap()
    }

    /// The bundled fonts' names are those of the fonts, in their order;
    /// each is found by its name, and a name that is none of theirs finds
    /// none.
    #[test]
    fn bundled_fonts_are_found_by_name() {
        let names: Vec<String> = typst_assets::fonts()
            .map(|b| postscript_name(&ttf_parser::Face::parse(b, 0).unwrap()).unwrap())
            .collect();
        assert_eq!(names, BUNDLED);
        // (By their bytes: an optimised test build may hold a font twice,
        // once for each place its list is inlined into.)
        for (bytes, name) in typst_assets::fonts().zip(BUNDLED) {
            assert!(builtin(name).unwrap() == bytes, "{name}");
        }
        assert!(builtin("LibertinusSerif").is_none());
    }

    /// Each face's space glyph, looked up once, is the one its character
    /// map gives a space.
    #[test]
    fn a_faces_space_glyph_is_its_character_maps() {
        let src = source();
        let fonts = Fonts::new(&src).unwrap();
        for kind in FontKind::ALL {
            let space = fonts.space_glyph(kind);
            assert!(space.is_some(), "{kind:?}");
            assert_eq!(space, fonts.glyph(kind, ' '), "{kind:?}");
            assert_ne!(space, fonts.glyph(kind, 'a'), "{kind:?}");
        }
    }

    /// Each face's space and hyphen, shaped once, are what shaping them
    /// gives (and no other text's shape).
    #[test]
    fn a_faces_space_and_hyphen_are_shaped_as_any_text() {
        let src = source();
        let mut fonts = Fonts::new(&src).unwrap();
        for kind in FontKind::ALL {
            let space = fonts.shape(kind, Variant::Text, " ");
            let hyphen = fonts.shape(kind, Variant::Text, "-");
            assert_eq!(*fonts.shaped_space(kind), *space, "{kind:?}");
            assert_eq!(*fonts.shaped_hyphen(kind), *hyphen, "{kind:?}");
            assert_ne!(*space, *hyphen, "{kind:?}");
        }
    }

    #[test]
    fn words_used_again_survive_a_new_generation_and_the_rest_leave() {
        let mut g = Generations::<usize>::default();
        let made = std::cell::Cell::new(0);
        let get = |g: &mut Generations<usize>, w: &str| {
            *g.get_or_insert_with(w, || {
                made.set(made.get() + 1);
                w.len()
            })
        };
        assert_eq!(get(&mut g, "lock"), 4);
        assert_eq!(get(&mut g, "sluice"), 6);
        for i in 0..GENERATION_WORDS - 2 {
            get(&mut g, &format!("w{i}"));
        }
        assert_eq!((g.current.len(), g.older.len()), (GENERATION_WORDS, 0));
        // A full generation's table has no room to spare.
        assert_eq!(g.current.capacity(), GENERATION_WORDS);
        // A word more than a full generation starts a new one: the full
        // generation became the older one, "lock" and "sluice" with it.
        get(&mut g, "weir");
        assert_eq!((g.current.len(), g.older.len()), (1, GENERATION_WORDS));
        let before = made.get();
        assert_eq!(get(&mut g, "lock"), 4);
        assert_eq!(made.get(), before, "found in the older, not made again");
        assert!(g.current.contains_key("lock") && !g.older.contains_key("lock"));
        for i in 0..GENERATION_WORDS - 2 {
            get(&mut g, &format!("v{i}"));
        }
        assert_eq!(g.len(), 2 * GENERATION_WORDS - 1);
        // The next new word drops the older generation, "sluice" with it;
        // "lock", used in both, stays.
        get(&mut g, "lockkeeper");
        assert!(g.older.contains_key("lock"), "used in every generation");
        assert!(!g.older.contains_key("sluice") && !g.current.contains_key("sluice"));
        assert_eq!(g.len(), GENERATION_WORDS + 1);
        // However many words come, at most two generations are held.
        for i in 0..3 * GENERATION_WORDS + 7 {
            get(&mut g, &format!("x{i}"));
            assert!(g.current.len() <= GENERATION_WORDS);
        }
        assert!(g.len() <= 2 * GENERATION_WORDS);
        assert_eq!(g.current.len(), 7 + 1);
    }

    #[test]
    fn past_its_first_words_a_layout_caches_a_word_made_twice() {
        let mut g = Generations::<usize>::default();
        let made = std::cell::Cell::new(0);
        let get = |g: &mut Generations<usize>, w: &str| {
            g.get_or_make(w, || {
                made.set(made.get() + 1);
                w.len()
            })
        };
        for i in 0..FREELY_CACHED {
            get(&mut g, &format!("w{i}"));
        }
        assert_eq!(
            (g.len(), g.seen.len()),
            (FREELY_CACHED, 0),
            "cached as made"
        );
        // Past them, a word made once is given, not cached.
        assert_eq!(get(&mut g, "sluice"), 6);
        assert_eq!((g.len(), g.seen.len()), (FREELY_CACHED, 1));
        // Made again, it is cached; then found.
        assert_eq!(get(&mut g, "sluice"), 6);
        assert!(g.current.contains_key("sluice") && g.seen.is_empty());
        let before = made.get();
        assert_eq!(get(&mut g, "sluice"), 6);
        assert_eq!(made.get(), before, "found, not made again");
        // The words made once are remembered up to a bound.
        for i in 0..SEEN_WORDS + 5 {
            get(&mut g, &format!("n{i}"));
            assert!(g.seen.len() <= SEEN_WORDS);
        }
        assert_eq!(g.len(), FREELY_CACHED + 1, "no word made once was cached");
        assert_eq!(g.seen.len(), 5);
        // A new layout on this thread caches its first words as it makes
        // them again.
        std::thread::scope(|s| {
            s.spawn(|| {
                let src = source();
                let mut fonts = Fonts::new(&src).unwrap();
                for i in 0..FREELY_CACHED + 1 {
                    fonts.shape(FontKind::Regular, Variant::Text, &format!("{i}"));
                }
                assert_eq!(fonts.cached_words(), FREELY_CACHED);
                drop(fonts);
                let mut fonts = Fonts::new(&src).unwrap();
                assert_eq!(fonts.cached_words(), FREELY_CACHED, "kept");
                fonts.shape(FontKind::Regular, Variant::Text, "lock");
                assert_eq!(fonts.cached_words(), FREELY_CACHED + 1);
            });
        });
    }

    /// A text shaped without the cache is shaped as with it, and is
    /// neither cached nor found there.
    #[test]
    fn a_text_shaped_without_the_cache_is_not_kept() {
        std::thread::scope(|s| {
            s.spawn(|| {
                let src = source();
                let mut fonts = Fonts::new(&src).unwrap();
                let (kind, text) = (FontKind::Regular, Variant::Text);
                let uncached = fonts.shape_uncached(kind, text, "1,204");
                assert_eq!(fonts.cached_words(), 0);
                assert!(!fonts.is_cached(kind, text, "1,204"));
                let cached = fonts.shape(kind, text, "1,204");
                assert_eq!(fonts.cached_words(), 1);
                assert!(fonts.is_cached(kind, text, "1,204"));
                assert_eq!(uncached, *cached);
                let italic = fonts.shape_uncached(FontKind::Italic, text, "1,204");
                assert_ne!(italic.glyphs, cached.glyphs, "shaped in its own face");
                assert_eq!(fonts.cached_words(), 1);
            });
        });
    }

    #[test]
    fn libertinus_is_bundled_and_shapes_with_ligatures_and_kerning() {
        let src = source();
        assert!(
            src.names[0].starts_with("LibertinusSerif"),
            "{:?}",
            src.names
        );
        let mut fonts = Fonts::new(&src).unwrap();
        let fi = fonts.shape(FontKind::Regular, Variant::Text, "office");
        // "ffi" is one ligature glyph carrying the three letters.
        assert!(fi.glyphs.len() < 6, "{fi:?}");
        assert!(fi.glyphs.iter().any(|g| &*g.text == "ffi"), "{fi:?}");
        let text: String = fi.glyphs.iter().map(|g| &*g.text).collect();
        assert_eq!(text, "office");
        let av = fonts.shape(FontKind::Regular, Variant::Text, "AV");
        let a = fonts.shape(FontKind::Regular, Variant::Text, "A");
        assert!(av.glyphs[0].advance < a.glyphs[0].advance, "AV is kerned");
        assert!(fonts.has_superiors(FontKind::Regular));
        assert!(
            fonts
                .shape(FontKind::Regular, Variant::Text, "Dubček")
                .missing
                .is_empty()
        );
        assert_eq!(
            fonts
                .shape(FontKind::Regular, Variant::Text, "a\u{10FFFD}")
                .missing
                .len(),
            1
        );
    }
}
