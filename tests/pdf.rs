//! PDF output: validity (qpdf), fonts (pdffonts), text extraction in reading
//! order (pdftotext), links and outline (lopdf), determinism and size.
//!
//! qpdf and poppler-utils come from `scripts/install-validators.sh`; without
//! them the tests that need them print SKIPPED (or fail under
//! REFOLIO_REQUIRE_TOOLS=1). The seed and the corpus are read from
//! ../shared at run time.

mod support;
use support::tool;

use lopdf::{Document as Pdf, Object};
use refolio::ast::{Document, Inline, Meta, for_each_inlines};
use refolio::write::{Format, PdfOptions, Style, WriteOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn parse(path: &Path) -> Document {
    let bytes = std::fs::read(path).unwrap();
    let parsed = refolio::parse_article(
        &path.display().to_string(),
        bytes,
        Meta::default(),
        &Default::default(),
    )
    .unwrap();
    parsed.document
}

fn render(doc: &Document) -> Vec<u8> {
    render_pdf(doc, Style::default(), None)
}

/// The PDF of `doc` in `style`, dated `timestamp`, through the one entrance.
fn render_pdf(doc: &Document, style: Style, timestamp: Option<i64>) -> Vec<u8> {
    let options = WriteOptions {
        timestamp,
        pdf: PdfOptions {
            style: Some(style),
            ..PdfOptions::default()
        },
        ..WriteOptions::default()
    };
    refolio::write::render(&[doc], Format::Pdf, &options)
        .unwrap()
        .bytes
}

fn write_tmp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The words of the document as the PDF should show them: the text in
/// reading order, markers glued to the word before (consecutive ones joined
/// by a comma), reference entries' raw text. Hyphens are removed, because
/// pdftotext joins words broken at a line-end hyphen (dropping the hyphen).
fn expected_words(doc: &Document) -> Vec<String> {
    let mut text = String::new();
    text.push_str(&doc.title.text);
    text.push('\n');
    if let Some(s) = &doc.subtitle {
        text.push_str(&s.text);
        text.push('\n');
    }
    let mut push = |inlines: &[Inline]| {
        let mut prev_cite = false;
        for (i, inl) in inlines.iter().enumerate() {
            match inl {
                Inline::Text { text: t, .. } => {
                    let between = prev_cite
                        && t.chars().all(|c| c.is_whitespace() || c == ',')
                        && matches!(inlines.get(i + 1), Some(Inline::Cite { .. }));
                    if !between {
                        text.push_str(t);
                        prev_cite = false;
                    }
                }
                Inline::Link { url, .. } => {
                    text.push_str(url);
                    prev_cite = false;
                }
                Inline::Cite { n, .. } => {
                    if prev_cite {
                        text.push(',');
                    } else if text.ends_with(' ') {
                        text.pop();
                    }
                    text.push_str(&n.to_string());
                    prev_cite = true;
                }
            }
        }
        text.push('\n');
    };
    // Headings are visited by for_each_inlines in reading order.
    for_each_inlines(doc, &mut push);
    if let Some(h) = &doc.references_heading {
        push(&h.inlines);
    }
    for r in &doc.references {
        text.push_str(&r.raw);
        text.push('\n');
    }
    words(&text)
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| !matches!(c, '-' | '\u{AD}' | '\u{2010}'))
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// How many of `want` appear in `got` in the same order: a longest common
/// subsequence, computed in a band around the diagonal (the PDF adds a few
/// words per page: page numbers, list labels, back-links). Extra words in
/// `got` cost nothing; missing or reordered words do. Also returns the
/// unmatched words.
fn in_order(want: &[String], got: &[String]) -> (usize, Vec<String>) {
    // A word broken at a line end without a hyphen (a URL) comes back as
    // several tokens: join them when only the join is a word of `want`.
    let wanted: std::collections::HashSet<&str> = want.iter().map(String::as_str).collect();
    let mut joined: Vec<String> = Vec::new();
    let mut k = 0;
    while k < got.len() {
        let mut s = got[k].clone();
        let mut take = 1;
        if !wanted.contains(s.as_str()) {
            let mut t = s.clone();
            for m in 1..6 {
                let Some(g) = got.get(k + m) else { break };
                t.push_str(g);
                if wanted.contains(t.as_str()) {
                    s = t.clone();
                    take = m + 1;
                    break;
                }
            }
        }
        joined.push(s);
        k += take;
    }
    let got = &joined;
    let (n, m) = (want.len(), got.len());
    let extra = m.saturating_sub(n) + 400;
    let mut prev = vec![0u32; m + 1];
    let mut cur = vec![0u32; m + 1];
    // Back-pointers would cost n × band; record matches per row instead.
    let mut matched_row = vec![false; n];
    for i in 0..n {
        let lo = i.saturating_sub(400);
        let hi = (i + extra).min(m);
        cur[lo] = prev[lo];
        for j in lo..hi {
            cur[j + 1] = if want[i] == got[j] {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        for j in hi..m {
            cur[j + 1] = cur[j].max(prev[j + 1]);
        }
        matched_row[i] = cur[m] > prev[m];
        std::mem::swap(&mut prev, &mut cur);
    }
    let total = prev[m] as usize;
    let missing = want
        .iter()
        .zip(&matched_row)
        .filter(|(_, ok)| !**ok)
        .map(|(w, _)| w.clone())
        .collect();
    (total, missing)
}

/// pdftotext's text in logical order. pdftotext has its own, simplified
/// bidi step: in a left-to-right line it reverses every stretch that starts
/// at a right-to-left character and runs to the next left-to-right letter or
/// digit (neutrals such as a closing quote and a space included) and wraps
/// it in RLE … PDF (U+202B, U+202C). Undoing that reversal gives the line as
/// drawn, in visual order; the Unicode bidi algorithm applied to it (what a
/// conforming extractor does) gives the logical text back.
fn logical(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut visual = String::with_capacity(line.len());
        let mut rtl: Vec<char> = Vec::new();
        let mut inside = false;
        for c in line.chars() {
            match c {
                '\u{202B}' => inside = true,
                '\u{202C}' if inside => {
                    visual.extend(rtl.drain(..).rev());
                    inside = false;
                }
                '\u{202A}'..='\u{202E}' => {}
                c if inside => rtl.push(c),
                c => visual.push(c),
            }
        }
        visual.extend(rtl.drain(..).rev());
        let info = unicode_bidi::ParagraphBidiInfo::new(&visual, Some(unicode_bidi::Level::ltr()));
        out.push_str(&info.reorder_line(0..visual.len()));
    }
    out
}

fn pdftotext(exe: &Path, pdf: &Path) -> String {
    let out = Command::new(exe)
        .arg("-enc")
        .arg("UTF-8")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn qpdf_check(exe: &Path, pdf: &Path) -> Result<(), String> {
    let out = Command::new(exe).arg("--check").arg(pdf).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success()
        && text.contains("No syntax or stream encoding errors")
        && !text.contains("WARNING")
    {
        Ok(())
    } else {
        Err(text)
    }
}

fn pdffonts_check(exe: &Path, pdf: &Path) -> Result<usize, String> {
    let out = Command::new(exe).arg(pdf).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rows: Vec<&str> = text
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    if rows.is_empty() {
        return Err(format!("no fonts:\n{text}"));
    }
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        // name type… encoding emb sub uni objnum gen
        let n = cols.len();
        if n < 6 || cols[n - 5] != "yes" || cols[n - 4] != "yes" || cols[n - 3] != "yes" {
            return Err(format!("font not embedded+subset+unicode:\n{text}"));
        }
        if !cols[0].contains('+') {
            return Err(format!("subset font without a tag:\n{text}"));
        }
    }
    Ok(rows.len())
}

/// Checks one document end to end; returns the word-order score.
fn check_all(test: &str, name: &str, doc: &Document) -> Option<f64> {
    let bytes = render(doc);
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_tmp(&dir, &format!("{name}.pdf"), &bytes);
    let (Some(qpdf), Some(fonts), Some(text)) = (
        tool(test, "qpdf"),
        tool(test, "pdffonts"),
        tool(test, "pdftotext"),
    ) else {
        return None;
    };
    qpdf_check(&qpdf, &pdf).unwrap_or_else(|e| panic!("{name}: qpdf --check:\n{e}"));
    pdffonts_check(&fonts, &pdf).unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = expected_words(doc);
    let extracted = pdftotext(&text, &pdf);
    let got = words(&logical(&extracted));
    let (matched, missing) = in_order(&want, &got);
    let score = matched as f64 / want.len().max(1) as f64;
    if extracted.contains('\u{202B}') {
        // pdftotext's own order, for the record (its bidi step moves the
        // neutrals after a right-to-left stretch in front of it).
        let naive = words(&extracted.replace(|c| ('\u{202A}'..='\u{202E}').contains(&c), " "));
        let (m, _) = in_order(&want, &naive);
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "{name}: right-to-left text; words in order {:.3} % (pdftotext as is: {:.3} %)\n",
                score * 100.0,
                m as f64 / want.len().max(1) as f64 * 100.0
            )
            .as_bytes(),
        );
    }
    if score < 0.999 {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "{name}: words not found in order: {:?}\n",
                &missing[..missing.len().min(40)]
            )
            .as_bytes(),
        );
    }
    Some(score)
}

#[test]
fn bundled_inputs_are_valid_pdfs_with_all_words_in_order() {
    let test = "bundled_inputs_are_valid_pdfs_with_all_words_in_order";
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let doc = parse(&f);
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let Some(score) = check_all(test, &name, &doc) else {
            return;
        };
        assert!(
            score >= 0.999,
            "{name}: only {:.2} % of the words in order",
            score * 100.0
        );
    }
}

#[test]
fn corpus_articles_are_valid_pdfs_with_all_words_in_order() {
    let test = "corpus_articles_are_valid_pdfs_with_all_words_in_order";
    let Some(shared) = support::shared_or_skip(test) else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared.join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut worst = (1.0f64, String::new());
    for f in &files {
        let doc = parse(f);
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let Some(score) = check_all(test, &name, &doc) else {
            return;
        };
        if score < worst.0 {
            worst = (score, name.clone());
        }
        assert!(
            score >= 0.999,
            "{name}: only {:.3} % of the words in order",
            score * 100.0
        );
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "corpus: {} PDFs, worst word order {:.3} % ({})\n",
            files.len(),
            worst.0 * 100.0,
            worst.1
        )
        .as_bytes(),
    );
}

fn seed(test: &str) -> Option<Document> {
    let shared = support::shared_or_skip(test)?;
    Some(parse(&shared.join("seed").join("temporary-deployment.txt")))
}

#[test]
fn seed_pdf_is_small_deterministic_and_valid() {
    let test = "seed_pdf_is_small_deterministic_and_valid";
    let Some(doc) = seed(test) else { return };
    let a = render(&doc);
    let b = render(&doc);
    assert!(a == b, "two renderings differ");
    assert!(
        a.starts_with(b"%PDF-1.7"),
        "header {:?}",
        String::from_utf8_lossy(&a[..8])
    );
    assert!(a.len() <= 60 * 1024, "seed PDF is {} bytes", a.len());
    let Some(score) = check_all(test, "seed", &doc) else {
        return;
    };
    assert!(
        score >= 0.999,
        "only {:.2} % of the words in order",
        score * 100.0
    );
}

/// A link annotation: page, rect [x0 y0 x1 y1] (PDF coordinates), destination.
#[derive(Debug, Clone)]
struct Annot {
    page: usize,
    rect: [f32; 4],
    dest: Option<(usize, f32, f32)>,
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        o => panic!("not a number: {o:?}"),
    }
}

fn links(pdf: &Pdf) -> Vec<Annot> {
    let pages: Vec<lopdf::ObjectId> = pdf.get_pages().into_values().collect();
    let mut out = Vec::new();
    for (pi, pid) in pages.iter().enumerate() {
        let page = pdf.get_dictionary(*pid).unwrap();
        let Ok(annots) = page.get(b"Annots") else {
            continue;
        };
        for a in annots.as_array().unwrap() {
            let d = pdf.get_dictionary(a.as_reference().unwrap()).unwrap();
            assert_eq!(d.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
            let border: Vec<f32> = d
                .get(b"Border")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(num)
                .collect();
            assert_eq!(
                border,
                vec![0.0, 0.0, 0.0],
                "links must have no visible border"
            );
            let r: Vec<f32> = d
                .get(b"Rect")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(num)
                .collect();
            let dest = d.get(b"Dest").ok().map(|dest| {
                let arr = dest.as_array().unwrap();
                let target = arr[0].as_reference().unwrap();
                assert_eq!(arr[1].as_name().unwrap(), b"XYZ");
                let tp = pages
                    .iter()
                    .position(|p| *p == target)
                    .expect("dest is a page");
                (tp, num(&arr[2]), num(&arr[3]))
            });
            out.push(Annot {
                page: pi,
                rect: [r[0], r[1], r[2], r[3]],
                dest,
            });
        }
    }
    out
}

/// A `pdftotext -bbox` word: (page, xMin, yMin, xMax, yMax, text), y from the top.
type BoxWord = (usize, f32, f32, f32, f32, String);

fn bbox_words(exe: &Path, pdf: &Path) -> (f32, Vec<BoxWord>) {
    let out = Command::new(exe)
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let mut page = 0usize;
    let mut height = 0.0;
    let mut words = Vec::new();
    let attr = |l: &str, k: &str| -> f32 {
        let i = l.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
        l[i..].split('"').next().unwrap().parse().unwrap()
    };
    for l in html.lines() {
        let l = l.trim();
        if l.starts_with("<page ") {
            page += 1;
            height = attr(l, "height");
        } else if l.starts_with("<word ") {
            let text = l
                .split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string();
            words.push((
                page - 1,
                attr(l, "xMin"),
                attr(l, "yMin"),
                attr(l, "xMax"),
                attr(l, "yMax"),
                text,
            ));
        }
    }
    (height, words)
}

#[test]
fn seed_markers_and_backlinks_land_on_their_targets() {
    let test = "seed_markers_and_backlinks_land_on_their_targets";
    let Some(doc) = seed(test) else { return };
    let bytes = render(&doc);
    let pdf = Pdf::load_mem(&bytes).unwrap();
    let all = links(&pdf);
    assert_eq!(all.len(), 40, "20 marker links and 20 back-links: {all:#?}");
    assert!(all.iter().all(|a| a.dest.is_some()));

    // Outline: title, then the two sections and References under it.
    let cat = pdf.catalog().unwrap();
    assert_eq!(
        cat.get(b"PageMode").unwrap().as_name().unwrap(),
        b"UseOutlines"
    );
    let outlines = pdf
        .get_dictionary(cat.get(b"Outlines").unwrap().as_reference().unwrap())
        .unwrap();
    let first = pdf
        .get_dictionary(outlines.get(b"First").unwrap().as_reference().unwrap())
        .unwrap();
    let title =
        |d: &lopdf::Dictionary| support::pdf_text(d.get(b"Title").unwrap().as_str().unwrap());
    assert_eq!(title(first), doc.title.text);
    let mut kids = Vec::new();
    let mut cur = first.get(b"First").ok().map(|r| r.as_reference().unwrap());
    while let Some(id) = cur {
        let d = pdf.get_dictionary(id).unwrap();
        kids.push(title(d));
        cur = d.get(b"Next").ok().map(|r| r.as_reference().unwrap());
    }
    assert_eq!(
        kids,
        vec!["Deployment or occupation?", "Pulling out", "References"]
    );

    let Some(exe) = tool(test, "pdftotext") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write_tmp(&dir, "seed.pdf", &bytes);
    let (page_h, words) = bbox_words(&exe, &path);
    // Reference entries: the last "N." words of the document.
    let mut entries = Vec::new();
    for n in 1..=doc.references.len() {
        let label = format!("{n}.");
        let w = words
            .iter()
            .rev()
            .find(|w| w.5 == label)
            .unwrap_or_else(|| panic!("no entry {label}"));
        entries.push((w.0, w.2, w.4));
    }
    let line = 15.0; // a line's height, generously
    // Back-links are the links inside the reference list (which ends the document).
    let (p0, t0) = (entries[0].0, entries[0].1);
    let (mut markers, mut backs): (Vec<Annot>, Vec<Annot>) = all
        .into_iter()
        .partition(|a| a.page < p0 || (a.page == p0 && page_h - a.rect[3] < t0 - 2.0));
    assert_eq!(markers.len(), 20, "{markers:#?}");
    assert_eq!(backs.len(), 20, "{backs:#?}");
    let order = |a: &Annot| {
        (
            a.page,
            ((page_h - a.rect[3]) * 10.0) as i64,
            (a.rect[0] * 10.0) as i64,
        )
    };
    markers.sort_by_key(order);
    backs.sort_by_key(order);
    // Each marker link lands on its entry's page within a line of its top.
    let mut per_ref: Vec<Vec<Annot>> = vec![Vec::new(); doc.references.len()];
    for m in &markers {
        let (p, _x, y) = m.dest.unwrap();
        let top = page_h - y;
        let n = (0..entries.len())
            .filter(|&i| entries[i].0 == p)
            .min_by(|&a, &b| {
                (top - entries[a].1)
                    .abs()
                    .total_cmp(&(top - entries[b].1).abs())
            })
            .filter(|&i| (top - entries[i].1).abs() <= line)
            .unwrap_or_else(|| panic!("marker link {m:?} lands on no reference entry"));
        per_ref[n].push(m.clone());
    }
    let counts: Vec<usize> = per_ref.iter().map(Vec::len).collect();
    assert_eq!(counts, vec![5, 3, 2, 6, 2, 1, 1], "markers per reference");
    // Back-links of entry n, in order, land on its markers, in order.
    for (n, e) in entries.iter().enumerate() {
        let next_top = entries
            .get(n + 1)
            .filter(|x| x.0 == e.0)
            .map_or(f32::INFINITY, |x| x.1);
        let mine: Vec<&Annot> = backs
            .iter()
            .filter(|b| {
                b.page == e.0
                    && page_h - b.rect[3] >= e.1 - 2.0
                    && page_h - b.rect[3] < next_top - 2.0
            })
            .collect();
        assert_eq!(
            mine.len(),
            per_ref[n].len(),
            "back-links of reference {}",
            n + 1
        );
        for (b, m) in mine.iter().zip(&per_ref[n]) {
            let (p, x, y) = b.dest.unwrap();
            assert_eq!(
                p,
                m.page,
                "back-link of reference {} goes to the wrong page",
                n + 1
            );
            assert!(
                (x - m.rect[0]).abs() <= 1.0,
                "back-link x {x} vs marker {:?}",
                m.rect
            );
            assert!(
                (y - m.rect[3]).abs() <= line,
                "back-link y {y} vs marker {:?}",
                m.rect
            );
        }
    }
}

#[test]
fn metadata_is_complete_and_dates_are_never_now() {
    let test = "metadata_is_complete_and_dates_are_never_now";
    let _ = test;
    let text = "A title\n\nFirst section\n\nSome text with a citation1.\n\n1. A source; Publisher; 2020-01-01[]\n";
    let meta = Meta {
        author: Some("Jiří Novák".into()),
        date: Some("2021-06-30".into()),
        lang: "cs".into(),
        ..Meta::default()
    };
    let doc = refolio::parse_article("t.txt", text.as_bytes().to_vec(), meta, &Default::default())
        .unwrap()
        .document;
    let render_at = |ts: Option<i64>| render_pdf(&doc, Style::default(), ts);
    let pdf = Pdf::load_mem(&render_at(None)).unwrap();
    let info = pdf
        .get_dictionary(pdf.trailer.get(b"Info").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"A title");
    assert!(info.get(b"Author").is_ok());
    assert!(
        info.get(b"Creator")
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with(b"refolio ")
    );
    assert_eq!(
        info.get(b"CreationDate").unwrap().as_str().unwrap(),
        b"D:20210630000000Z"
    );
    assert!(info.get(b"GTS_PDFXVersion").is_err());
    let cat = pdf.catalog().unwrap();
    assert_eq!(cat.get(b"Lang").unwrap().as_str().unwrap(), b"cs");
    assert!(pdf.trailer.get(b"ID").is_ok());
    let at = Pdf::load_mem(&render_at(Some(86400))).unwrap();
    let info = at
        .get_dictionary(at.trailer.get(b"Info").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(
        info.get(b"CreationDate").unwrap().as_str().unwrap(),
        b"D:19700102000000Z"
    );
    // Without a date anywhere, no date at all.
    let mut undated = doc.clone();
    undated.meta.date = None;
    let bytes = render_pdf(&undated, Style::default(), None);
    let u = Pdf::load_mem(&bytes).unwrap();
    let info = u
        .get_dictionary(u.trailer.get(b"Info").unwrap().as_reference().unwrap())
        .unwrap();
    assert!(info.get(b"CreationDate").is_err());
}

#[test]
fn shipped_styles_set_the_page_size() {
    let test = "shipped_styles_set_the_page_size";
    let _ = test;
    let text = "A title\n\nA paragraph of some length that will be set in the style's measure.\n";
    let doc = refolio::parse_article(
        "t.txt",
        text.as_bytes().to_vec(),
        Meta::default(),
        &Default::default(),
    )
    .unwrap()
    .document;
    for (name, w, h) in [
        ("default", 595.28, 841.89),
        ("a5", 419.53, 595.28),
        ("letter", 612.0, 792.0),
    ] {
        let style = Style::load(name).unwrap();
        let bytes = render_pdf(&doc, style, None);
        let pdf = Pdf::load_mem(&bytes).unwrap();
        let page = pdf
            .get_dictionary(*pdf.get_pages().values().next().unwrap())
            .unwrap();
        let mb: Vec<f32> = page
            .get(b"MediaBox")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect();
        assert!(
            (mb[2] - w).abs() < 0.1 && (mb[3] - h).abs() < 0.1,
            "{name}: {mb:?}"
        );
    }
}

/// `--notes foot` and `--notes end`: both valid, fonts embedded, and every
/// word of the article (the references' text included, at the feet of the
/// pages) extracted as often as the article has it, but for the few that
/// pdftotext cannot give back in either mode (a URL broken over two lines)
/// and the references' heading, which the foot PDF has no use for when
/// every reference is cited. The foot PDF differs from the end PDF, and
/// the end PDF is what the default options give.
#[test]
fn both_note_placements_are_valid_with_every_word() {
    use refolio::write::NotePlacement;
    use std::collections::HashMap;
    let test = "both_note_placements_are_valid_with_every_word";
    let (Some(qpdf), Some(fonts), Some(text)) = (
        tool(test, "qpdf"),
        tool(test, "pdffonts"),
        tool(test, "pdftotext"),
    ) else {
        return;
    };
    let mut files = vec![
        Path::new(env!("CARGO_MANIFEST_DIR")).join("input/canal-and-locks.txt"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("input/nova-ves-tramway.txt"),
    ];
    match support::shared_dir() {
        Some(shared) => files.push(shared.join("seed").join("temporary-deployment.txt")),
        None => support::skip(test, "../shared missing: the seed is not checked"),
    }
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let doc = parse(&f);
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let default = render(&doc);
        let mut pages = Vec::new();
        let mut lost: Vec<Vec<String>> = Vec::new();
        for notes in [NotePlacement::Foot, NotePlacement::End] {
            let options = WriteOptions {
                pdf: PdfOptions {
                    notes,
                    ..PdfOptions::default()
                },
                ..WriteOptions::default()
            };
            let bytes = refolio::write::render(&[&doc], Format::Pdf, &options)
                .unwrap()
                .bytes;
            if notes == NotePlacement::End {
                assert!(bytes == default, "{name}: --notes end is not the default");
            } else {
                assert!(bytes != default, "{name}: the foot PDF is the end PDF");
            }
            let pdf = write_tmp(&dir, &format!("{name}-{notes:?}.pdf"), &bytes);
            qpdf_check(&qpdf, &pdf).unwrap_or_else(|e| panic!("{name} {notes:?}: qpdf:\n{e}"));
            pdffonts_check(&fonts, &pdf).unwrap_or_else(|e| panic!("{name} {notes:?}: {e}"));
            let mut got: HashMap<String, usize> = HashMap::new();
            for w in words(&logical(&pdftotext(&text, &pdf))) {
                *got.entry(w).or_default() += 1;
            }
            let mut want: HashMap<String, usize> = HashMap::new();
            for w in expected_words(&doc) {
                *want.entry(w).or_default() += 1;
            }
            let mut missing: Vec<String> = want
                .iter()
                .filter(|(w, c)| got.get(*w).copied().unwrap_or(0) < **c)
                .map(|(w, _)| w.clone())
                .collect();
            missing.sort();
            assert!(
                missing.len() * 200 <= want.values().sum::<usize>(),
                "{name} {notes:?}: words missing: {missing:?}"
            );
            lost.push(missing);
            pages.push(Pdf::load_mem(&bytes).unwrap().get_pages().len());
        }
        assert!(pages[0] >= 1 && pages[1] >= 1, "{name}: {pages:?}");
        let heading: Vec<String> = match &doc.references_heading {
            Some(h) => words(&refolio::ast::plain_text(&h.inlines)),
            None => vec!["References".to_string()],
        };
        let foot_only: Vec<&String> = lost[0]
            .iter()
            .filter(|w| !lost[1].contains(w) && !heading.contains(w))
            .collect();
        assert!(
            foot_only.is_empty(),
            "{name}: lost in the foot PDF: {foot_only:?}"
        );
    }
}

/// An article given up once laid out (`render_pdf_giving_up`, what the
/// command line does when a PDF is the last format made) makes the same
/// file as the article borrowed, short or long enough (over 200 pages)
/// for its pages to be drawn as they are filled, metadata included; the
/// caller hears once, with the article, the warnings `render` gives (a
/// character no face has). With a book asked for, the same book.
#[test]
fn an_article_given_up_once_laid_out_makes_the_same_pdf() {
    let mut long = String::from(
        "Keepers of the reach\n\nA sign no face draws, \u{13000}, and a citation1.\n\n",
    );
    for i in 0..10_000 {
        long.push_str(&format!("Entry {i} of the ledger{}.\n\n", i % 2 + 1));
    }
    long.push_str("  1. Canal Office; 1901[][][][]\n  2. Lock ledger; 1902[][][][]\n");
    let short = "A title\n\nA subtitle\n\nA sign no face draws, \u{13000}, cited1.\n\n1. A source; 2020[]\n";
    let meta = Meta {
        author: Some("Jiří Novák".into()),
        date: Some("2021-06-30".into()),
        lang: "cs".into(),
        ..Meta::default()
    };
    let parse = |text: &str| {
        refolio::parse_article(
            "a.txt",
            text.as_bytes().to_vec(),
            meta.clone(),
            &Default::default(),
        )
        .unwrap()
    };
    let book = WriteOptions {
        book: Some(refolio::write::BookMeta {
            title: "A book".into(),
            ..Default::default()
        }),
        ..WriteOptions::default()
    };
    for (text, options) in [
        (short, WriteOptions::default()),
        (long.as_str(), WriteOptions::default()),
        (short, book),
    ] {
        let borrowed = parse(text);
        let expected =
            refolio::write::render(&[&borrowed.document], Format::Pdf, &options).unwrap();
        assert_eq!(expected.diagnostics.len(), 1, "{:?}", expected.diagnostics);
        let mut bytes = Vec::new();
        let mut heard = Vec::new();
        refolio::write::render_pdf_giving_up(parse(text), &options, &mut bytes, &mut |p, d| {
            heard.push((p.document.title.text.clone(), d));
        })
        .unwrap();
        assert!(bytes == expected.bytes, "the same file");
        assert_eq!(
            heard,
            [(borrowed.document.title.text.clone(), expected.diagnostics)]
        );
    }
    let pdf = Pdf::load_mem(&render_pdf(&parse(&long).document, Style::default(), None)).unwrap();
    assert!(
        pdf.get_pages().len() > 200,
        "{} pages",
        pdf.get_pages().len()
    );
    let info = pdf
        .get_dictionary(pdf.trailer.get(b"Info").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(
        info.get(b"Title").unwrap().as_str().unwrap(),
        b"Keepers of the reach"
    );
    assert!(info.get(b"Author").is_ok());
}
