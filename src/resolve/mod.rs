//! Global citation resolution (FORMAT.md §4): decides which digit runs are
//! flattened superscripts, then rewrites the document's inlines into text,
//! citations and links, and reports every disagreement with the source.

pub mod solver;

use crate::ast::{Document, Inline, Margin, MarkerStyle, SharedStr, Span, for_each_inlines_mut};
use crate::chunked::Chunked;
use crate::diag::{Diagnostic, Severity};
use crate::markers::candidates::{self, Candidate, Candidates, UNKNOWN_LIMIT};
use crate::markers::plausibility;
use crate::markers::text::{KeptTexts, LogicalText, PlacedMarker};
use solver::{Order, Problem};
use std::sync::Arc;

/// How the document writes its markers, when it writes them (rule 5): the
/// commonest way among the plausible written markers, if there are two or
/// more of them.
pub fn written_style(cands: &Candidates) -> Option<MarkerStyle> {
    let written = [
        MarkerStyle::Caret,
        MarkerStyle::Superscript,
        MarkerStyle::Bracket,
    ];
    let count = |style: &MarkerStyle| {
        cands
            .iter()
            .flat_map(|c| c.readings)
            .filter(|r| r.written == Some(*style) && r.score > 0.0)
            .count()
    };
    written
        .into_iter()
        .map(|style| (count(&style), style))
        .filter(|&(n, _)| n >= 2)
        .max_by_key(|&(n, _)| n)
        .map(|(_, style)| style)
}

/// One decision of the resolver: how a digit run was read, the best other
/// reading of it, and the margin between them (FORMAT.md §4). What
/// `--review` prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decision {
    /// The digit run (with its caret or brackets) in the source.
    pub span: Span,
    /// What was read, e.g. `"m3" + citation 2` or `"CO2" as text`.
    pub read: String,
    /// The best other reading, in the same words; with back-links, also
    /// the change elsewhere that keeps the counts (`… and "CO" + citation 2`).
    pub alternative: String,
    /// Where that change elsewhere is, if any.
    pub elsewhere: Option<Span>,
    /// How much more plausible the reading was (log-odds, ≥ 0).
    pub margin: f32,
}

/// What resolution found besides the rewritten document.
#[derive(Debug, Default)]
pub struct Resolution {
    /// Disagreements of the source with itself.
    pub diagnostics: Vec<Diagnostic>,
    /// Every decision that had an alternative, in reading order.
    pub decisions: Vec<Decision>,
}

/// Words for reading `reading` of candidate `c` in `text`: the token up to
/// the marker and the citation, or the token as text.
fn describe(text: &str, c: Candidate<'_>, reading: Option<&candidates::Reading>) -> String {
    // The whitespace-delimited token around the run, cut to 24 characters
    // before it.
    let token_start = |at: usize| {
        text[..at].rfind(char::is_whitespace).map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        })
    };
    let (start, end) = (c.start as usize, c.end as usize);
    let mut from = token_start(start);
    // A run that is a token of its own (`pages.” 2`) is shown with the
    // word before it.
    if from == start {
        let before = text[..from].trim_end();
        from = token_start(before.len());
    }
    let to = text[end..]
        .find(char::is_whitespace)
        .map_or(text.len(), |i| end + i);
    let clip = |s: &str| -> String {
        let n = s.chars().count();
        if n > 24 {
            format!("…{}", s.chars().skip(n - 24).collect::<String>())
        } else {
            s.to_string()
        }
    };
    match reading {
        Some(r) => format!(
            "\"{}\" + citation {}",
            clip(&text[from..r.marker_start as usize]),
            r.n
        ),
        None => format!("\"{}\" as text", clip(&text[from..to])),
    }
}

/// Every candidate's margin and, with back-links, the change elsewhere that
/// its best other reading needs to keep the counts: the larger of the
/// programme's margin ([`solver::margins`]) and the cheapest count-keeping
/// swap ([`solver::swaps`]), both bounds from below.
fn margins_and_partners(
    problem: &Problem<'_>,
    solution: &solver::Solution,
) -> (Vec<solver::Margin>, Vec<Option<solver::Partner>>) {
    let mut margins = solver::margins(problem, &solution.price, solution.order, &solution.choice);
    let mut partners = vec![None; margins.len()];
    if problem.counts.is_none() {
        return (margins, partners);
    }
    let swaps = solver::swaps(problem, &solution.choice);
    for ((m, partner), swap) in margins.iter_mut().zip(&mut partners).zip(swaps) {
        match swap {
            Some(s) if s.margin > m.margin || !m.margin.is_finite() => {
                *m = solver::Margin {
                    margin: s.margin,
                    alternative: s.alternative,
                };
                *partner = s.partner;
            }
            Some(_) => {}
            // No other reading keeps the counts.
            None => m.margin = f32::INFINITY,
        }
    }
    (margins, partners)
}

/// Resolves the markers of `doc`, whose inline containers hold the plain
/// inlines of the texts `texts` (in any order: each is found by its id).
/// Returns diagnostics, and with `with_margins` every decision with its
/// margin (which costs a second pass; without it, citations have no margin
/// and there are no decisions).
pub fn resolve(doc: &mut Document, texts: &[LogicalText], with_margins: bool) -> Resolution {
    let wanted = if with_margins {
        Wanted::Decisions
    } else {
        Wanted::Nothing
    };
    resolve_from(doc, texts, wanted)
}

/// What resolution works out besides the markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Wanted {
    /// Nothing: citations have no margin, there are no decisions.
    Nothing,
    /// Every citation's margin.
    Margins,
    /// The margins, and every decision in words ([`Decision`]).
    Decisions,
}

impl Wanted {
    /// What `margins` and `decisions` ask for (decisions need the margins).
    pub(crate) fn of(margins: bool, decisions: bool) -> Wanted {
        match (margins, decisions) {
            (_, true) => Wanted::Decisions,
            (true, false) => Wanted::Margins,
            (false, false) => Wanted::Nothing,
        }
    }
}

/// [`resolve()`] for a caller that is done with the texts
/// ([`crate::parse_article`]): each text is freed as soon as its container
/// is rewritten, so a large article's texts (those that do not borrow the
/// source's characters) and its new inlines are never all held at once.
/// The containers are empty ([`crate::parse::Inlines::Empty`]): the
/// walk meets them in the parser's order, which is the texts' order, and
/// the k-th container met is given text k.
///
/// `source` is the buffer the texts were parsed from: a text node that is
/// a piece of it shares it instead of copying its characters
/// ([`SharedStr`]), so the document does not hold the article's text a
/// second time; `joins` are where its lines were joined in place
/// ([`crate::source::Source::joined_line_ends`]).
pub(crate) fn resolve_owned(
    doc: &mut Document,
    texts: KeptTexts<'_>,
    source: &Arc<String>,
    wanted: Wanted,
) -> Resolution {
    let owned = Owned {
        kept: texts,
        source,
    };
    resolve_from(doc, owned, wanted)
}

/// Where the resolver reads the texts, and how the rewrite takes each
/// container's inlines from its text: borrowed, or owned and freed.
trait Texts {
    /// Every text, in the parser's order, when the containers hold text
    /// ([`Texts::containers_hold_text`]; else none).
    fn all(&self) -> &[LogicalText<'_>];
    /// How many texts there are.
    fn len(&self) -> usize;
    /// Text `i`'s characters, and whether it is a bibliography's entry,
    /// when markers may stand in it ([`LogicalText::scan`]).
    fn scanned(&self, i: usize) -> Option<(&str, bool)>;
    /// Called once the candidates are found: after it the texts are read
    /// with [`Texts::text`], [`Texts::span`] and [`Texts::rewrite`].
    fn keep(&mut self) {}
    /// Called when the solver's state is freed, before the first
    /// [`Texts::rewrite`].
    fn before_rewrite(&mut self) {}
    /// The characters of text `i`.
    fn text(&self, i: usize) -> &str;
    /// The source span of bytes `a..b` of text `i`.
    fn span(&self, i: usize, a: usize, b: usize) -> Span;
    /// The inlines of text `i` with `markers` placed; called once a text,
    /// after which it may read as empty.
    fn rewrite(&mut self, i: usize, markers: &[PlacedMarker]) -> Vec<Inline>;
    /// Whether the containers hold the parser's plain text (which the
    /// resolver drops before it solves, and whose span names the text),
    /// not nothing (the k-th container of the walk is then text k).
    fn containers_hold_text(&self) -> bool;
}

impl Texts for &[LogicalText<'_>] {
    fn all(&self) -> &[LogicalText<'_>] {
        self
    }
    fn len(&self) -> usize {
        <[LogicalText<'_>]>::len(self)
    }
    fn scanned(&self, i: usize) -> Option<(&str, bool)> {
        let t = &self[i];
        t.scan.then(|| (&*t.text, t.bibliography))
    }
    fn text(&self, i: usize) -> &str {
        &self[i].text
    }
    fn span(&self, i: usize, a: usize, b: usize) -> Span {
        self[i].span(a, b)
    }
    fn rewrite(&mut self, i: usize, markers: &[PlacedMarker]) -> Vec<Inline> {
        self[i].inlines(markers)
    }
    fn containers_hold_text(&self) -> bool {
        true
    }
}

/// The texts of [`resolve_owned`], kept as the parser made them
/// ([`KeptTexts`]: most of them 8 bytes, a piece of the source) through
/// the search for candidates, the solver and until each container is
/// rewritten.
struct Owned<'s, 'b> {
    kept: KeptTexts<'s>,
    source: &'b Arc<String>,
}

impl Texts for Owned<'_, '_> {
    fn all(&self) -> &[LogicalText<'_>] {
        &[]
    }
    fn len(&self) -> usize {
        self.kept.len()
    }
    fn scanned(&self, i: usize) -> Option<(&str, bool)> {
        self.kept.scanned(i, self.source)
    }
    fn keep(&mut self) {
        // The candidates' search is done with; the inlines made next are
        // small.
        crate::allocator::return_freed_memory_of(self.source.len());
    }
    fn before_rewrite(&mut self) {
        // Likewise the candidates' array.
        crate::allocator::return_freed_memory_of(self.source.len());
    }
    fn text(&self, i: usize) -> &str {
        self.kept.text(i, self.source)
    }
    fn span(&self, i: usize, a: usize, b: usize) -> Span {
        self.kept.span(i, a, b, self.source)
    }
    fn rewrite(&mut self, i: usize, markers: &[PlacedMarker]) -> Vec<Inline> {
        self.kept.give_up(i, markers, self.source)
    }
    fn containers_hold_text(&self) -> bool {
        false
    }
}

fn resolve_from(doc: &mut Document, mut owner: impl Texts, wanted: Wanted) -> Resolution {
    let with_margins = wanted >= Wanted::Margins;
    let texts = owner.all();
    let texts_len = owner.len();
    let mut diags = Vec::new();
    // The plain inlines the parser made are rewritten from `texts` below:
    // drop them now, so that they and the solver's state are never held at
    // once (for a large article that is a copy of its whole text).
    //
    // Each container is matched with its text by the text's id (where it
    // starts in the source), which its plain inline's span carries: not by
    // the order of the walk. The id stays; the characters go.
    //
    // The walk meets the texts in the parser's order, which is the
    // source's, but for a few (a lead figure): the text after the last
    // found is tried first. Only when it is not the one is an index by id
    // made (once), and searched.
    let after_last = std::cell::Cell::new(0);
    let by_id: std::cell::OnceCell<Vec<(usize, usize)>> = std::cell::OnceCell::new();
    let text_of = |texts: &[LogicalText<'_>], inl: &[Inline]| -> Option<usize> {
        let Some(Inline::Text { span, .. }) = inl.first() else {
            return None;
        };
        let next = after_last.get();
        let i = if texts.get(next).and_then(LogicalText::id) == Some(span.start as usize) {
            next
        } else {
            let by_id = by_id.get_or_init(|| {
                let mut v: Vec<(usize, usize)> = texts
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| t.id().map(|id| (id, i)))
                    .collect();
                v.sort_unstable();
                v
            });
            let k = by_id
                .binary_search_by_key(&(span.start as usize), |&(id, _)| id)
                .ok()?;
            by_id[k].1
        };
        after_last.set(i + 1);
        Some(i)
    };
    if owner.containers_hold_text() {
        for_each_inlines_mut(doc, &mut |inl| {
            if text_of(texts, inl).is_some() {
                inl.truncate(1);
                if let Some(Inline::Text { text, .. }) = inl.first_mut() {
                    *text = SharedStr::default();
                }
            }
        });
    }
    let n_refs = doc.references.iter().map(|r| r.n).max().unwrap_or(0);
    let limit = if doc.references.is_empty() {
        UNKNOWN_LIMIT
    } else {
        n_refs
    };
    // Reference numbers are the source's (a list may start at 5, or at
    // 123456789): the solver works on compact indices 1..=len instead, so
    // nothing is sized by a number from the input. The list parser makes
    // the numbers consecutive, so index = n - first + 1.
    let first_ref = doc.references.iter().map(|r| r.n).min().unwrap_or(1).max(1);
    let len = if doc.references.is_empty() {
        UNKNOWN_LIMIT
    } else {
        n_refs.saturating_sub(first_ref) + 1
    };
    let language = plausibility::Language::for_tag(&doc.meta.lang);
    // Room for a candidate every 64 bytes of text (an article has about one
    // every hundred): capacity that is never used costs no memory, but
    // growing copies every candidate made so far.
    let scanned: usize = (0..texts_len)
        .filter_map(|i| owner.scanned(i))
        .map(|(t, _)| t.len())
        .sum();
    let mut cands = Candidates::with_capacity(scanned / 64);
    for (i, (text, bibliography)) in (0..texts_len).filter_map(|i| Some((i, owner.scanned(i)?))) {
        let from = candidates::find_into(&mut cands, i, text, limit, language);
        // A list that starts at k > 1 has no references below k.
        if first_ref > 1 {
            cands.retain_readings_from(from, |r| r.n >= first_ref);
        }
        for r in cands.readings_from_mut(from) {
            r.n = r.n - first_ref + 1;
            if bibliography {
                r.score += plausibility::IN_BIBLIOGRAPHY;
            }
        }
    }
    cands.shrink_to_fit();
    // The candidates are found: from here on each text is read only for
    // a diagnostic's span, a decision's words and the rewrite.
    let by_order = !owner.containers_hold_text();
    owner.keep();
    let written = written_style(&cands);
    if written.is_some() {
        // The document writes its markers (`^2`, `²`, `[2]`): digits glued
        // to a word are then what they look like, text (`COVID-19`, `4G`).
        for r in cands.readings_mut() {
            if r.written.is_none() {
                r.score += plausibility::GLUED_IN_WRITTEN_DOCUMENT;
            }
        }
    }

    // Rule 2 applies when the list has back-links at all.
    let counts = doc
        .references
        .iter()
        .any(|r| !r.backlinks.is_empty())
        .then(|| {
            let mut c = vec![0u32; len as usize];
            // A reference numbered 0 (a list that starts at 0) can never be cited.
            for r in doc.references.iter().filter(|r| r.n >= first_ref) {
                c[(r.n - first_ref) as usize] = r.backlinks.len() as u32;
            }
            c
        });
    let problem = Problem {
        candidates: &cands,
        counts: counts.clone(),
        free_start: doc.references.is_empty(),
    };
    let solution = solver::solve(&problem);
    // Empty unless asked for: nothing is allocated on the common path.
    let (margins, partners) = if with_margins {
        margins_and_partners(&problem, &solution)
    } else {
        (Vec::new(), Vec::new())
    };

    // Chosen markers with occurrence numbers, in the candidates' order,
    // which is the texts' (text t's are placed[starts[t]..starts[t + 1]]):
    // one vector, not one per text. Their margins, when there are any, in
    // a vector beside it: without them (the default) a large article's
    // markers are 16 bytes each through the rewrite, not 24.
    let chosen = solution.choice.iter().filter(|c| c.is_some()).count();
    //
    // The rewrite reads the texts in order, so `placed` and `starts` are in
    // blocks it frees as it passes them ([`Chunked`]).
    let mut placed: Chunked<(u32, u32, u32, u32)> = Chunked::with_capacity(chosen);
    let mut placed_margins: Vec<Margin> = Vec::with_capacity(if with_margins { chosen } else { 0 });
    let mut starts = Chunked::from_elem(0u32, texts_len + 1);
    debug_assert!(
        cands
            .iter()
            .zip(cands.iter().skip(1))
            .all(|(a, b)| a.text <= b.text)
    );
    let mut decisions = Vec::new();
    // Indexed by compact index; numbers are mapped back when written.
    let mut seen = vec![0u32; len as usize + 1];
    let mut max_so_far = 0u32;
    let mut total = 0usize;
    // Numbers in the source's terms, not the solver's compact ones.
    let shown = |c: Candidate<'_>, o: Option<u8>| {
        o.map(|r| candidates::Reading {
            n: c.readings[r as usize].n + first_ref - 1,
            ..c.readings[r as usize]
        })
    };
    for (i, (c, ch)) in cands.iter().zip(&solution.choice).enumerate() {
        let m = margins.get(i).filter(|m| m.margin.is_finite());
        let (t, start, end) = (c.text as usize, c.start as usize, c.end as usize);
        if let Some(m) = m.filter(|_| wanted == Wanted::Decisions) {
            let text = owner.text(t);
            let mut alternative = describe(text, c, shown(c, m.alternative).as_ref());
            let mut elsewhere = None;
            if let Some((j, o)) = partners[i] {
                let other = cands.at(j);
                alternative.push_str(" and ");
                alternative.push_str(&describe(
                    owner.text(other.text as usize),
                    other,
                    shown(other, o).as_ref(),
                ));
                elsewhere = Some(owner.span(
                    other.text as usize,
                    other.start as usize,
                    other.end as usize,
                ));
            }
            decisions.push(Decision {
                span: owner.span(t, start, end),
                read: describe(text, c, shown(c, *ch).as_ref()),
                alternative,
                elsewhere,
                margin: m.margin,
            });
        }
        let Some(r) = ch.map(|r| c.readings[r as usize]) else {
            if let Some(v) = c.over_limit {
                let span = owner.span(t, start, end);
                diags.push(
                    Diagnostic::new(
                        Severity::Warning,
                        span,
                        format!(
                            "`{v}` looks like a citation marker, but the reference list has only {n_refs} {}",
                            if n_refs == 1 { "entry" } else { "entries" }
                        ),
                    )
                    .with_help("it was kept as text"),
                );
            }
            continue;
        };
        seen[r.n as usize] += 1;
        total += 1;
        // Back from the compact index to the source's number.
        let number = |index: u32| index + first_ref - 1;
        if r.n > max_so_far + 1
            && !(max_so_far == 0 && problem.free_start)
            && solution.order == Order::Soft
        {
            diags.push(Diagnostic::new(
                Severity::Warning,
                owner.span(t, r.marker_start as usize, end),
                format!(
                    "citation {} appears before the first citation of {}",
                    number(r.n),
                    number(max_so_far + 1)
                ),
            ));
        }
        max_so_far = max_so_far.max(r.n);
        placed.push((r.marker_start, c.end, number(r.n), seen[r.n as usize]));
        if with_margins {
            placed_margins.push(Margin(m.map(|m| m.margin)));
        }
        *starts.get_mut(t + 1) += 1;
    }
    for t in 0..texts_len {
        let before = *starts.get(t);
        *starts.get_mut(t + 1) += before;
    }
    // Text t's markers, with their margins, put in `markers`.
    let of_text = |t: usize,
                   markers: &mut Vec<PlacedMarker>,
                   placed: &Chunked<(u32, u32, u32, u32)>,
                   starts: &Chunked<u32>| {
        let range = *starts.get(t) as usize..*starts.get(t + 1) as usize;
        markers.clear();
        markers.extend(range.map(|k| {
            let &(a, b, n, o) = placed.get(k);
            (
                a,
                b,
                n,
                o,
                placed_margins.get(k).copied().unwrap_or_default(),
            )
        }));
    };
    let mut markers = Vec::new();
    // The solver's state is not needed for the rewrite: free it first.
    drop(problem);
    drop(solution);
    drop(cands);
    drop(margins);
    drop(partners);
    owner.before_rewrite();

    // Rewrite the inlines, each container from its own text: the one its
    // plain text names, or the next when the containers are empty.
    after_last.set(0);
    let mut walked = 0;
    for_each_inlines_mut(doc, &mut |inl| {
        let i = if by_order {
            walked += 1;
            Some(walked - 1).filter(|&i| i < texts_len)
        } else {
            text_of(owner.all(), inl)
        };
        if let Some(i) = i {
            of_text(i, &mut markers, &placed, &starts);
            *inl = owner.rewrite(i, &markers);
            if by_order {
                // Texts before the next are read no more.
                placed.free_before(*starts.get(i + 1) as usize);
                starts.free_before(i + 1);
            }
        }
    });
    debug_assert!(
        !by_order || walked == texts_len,
        "a text per container, in the walk's order"
    );

    if let Some(want) = &counts {
        for r in doc.references.iter().filter(|r| r.n >= first_ref) {
            let index = (r.n - first_ref) as usize;
            let (w, got) = (want[index], seen[index + 1]);
            if w != got {
                let span = r.backlinks.first().map_or(r.span, |b| b.span);
                diags.push(
                    Diagnostic::new(
                        Severity::Error,
                        span,
                        format!(
                            "reference {} has {} back-link{} but {} marker{} {} found",
                            r.n,
                            w,
                            if w == 1 { "" } else { "s" },
                            got,
                            if got == 1 { "" } else { "s" },
                            if got == 1 { "was" } else { "were" }
                        ),
                    )
                    .with_help("the most plausible reading was kept; check the markers of this reference in the text"),
                );
            }
        }
    }
    doc.style.markers = match written {
        Some(style) => style,
        None if total > 0 => MarkerStyle::Glued,
        None => MarkerStyle::None,
    };
    if doc.references.is_empty() && total > 0 {
        diags.push(
            Diagnostic::new(
                Severity::Warning,
                Span::new(doc.title.span.start as usize, doc.title.span.start as usize),
                format!(
                    "no reference list found: {total} citation marker{} inferred from order and plausibility alone",
                    if total == 1 { " was" } else { "s were" }
                ),
            )
            .with_help("a truncated page? the citations link to nothing"),
        );
    }
    Resolution {
        diagnostics: diags,
        decisions,
    }
}
