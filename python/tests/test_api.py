"""The Python API: reading, every output kind, errors, threads."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

import refolio

TEI = "{http://www.tei-c.org/ns/1.0}"

ARTICLE = """The mills of the lower valley

The first mill opened in 1825.1 By 1850 there were twelve,2 and the river
was lined with them.1

  1. The mills of Alder Fork; Valley Press; 2001-03-04[][]
  2. Water power in the valley; Alder Courier; 1999[]
"""

# Two readings in doubt: "40%2" and "CO22" (one of them holds citation 2).
DOUBTFUL = """Rates and mills

The rate rose to 40%2 in a year, says one source.1 Another puts it at CO22 levels.3

  1. A source; Somewhere; 2020[]
  2. Another; Elsewhere; 2021[]
  3. Third; Press; 2022[]
"""

# Reference 1 has two back-links but only one marker in the text.
DISAGREES = """A short note

Only one citation here.1 And some more text without any.

  1. A source; Somewhere; 2020[][]
"""


@pytest.fixture(scope="module")
def doc(examples):
    return refolio.read(examples[0].read_text(encoding="utf-8"), name=examples[0].name)


def test_read_gives_citations_references_and_diagnostics(doc):
    assert doc.title
    assert doc.errors == 0 and doc.diagnostics == []
    assert len(doc.references) >= 5
    numbers = [c.number for c in doc.citations]
    # Rule 3: first citations in order 1, 2, 3, …
    firsts = [c.number for c in doc.citations if c.occurrence == 1]
    assert firsts == list(range(1, len(doc.references) + 1))
    for r in doc.references:
        assert r.citations == r.backlinks == numbers.count(r.number)
        assert r.line >= 1 and r.column >= 1
    c = doc.citations[0]
    assert c.line >= 1 and c.column >= 1 and c.end > c.start
    assert repr(doc).startswith("<refolio.Document")


def test_small_article_fields():
    d = refolio.read(ARTICLE, meta={"author": "A. Writer"})
    assert [(c.number, c.occurrence) for c in d.citations] == [(1, 1), (2, 1), (1, 2)]
    assert [(c.line, c.column) for c in d.citations][0] == (3, 31)
    r1 = d.references[0]
    assert (r1.number, r1.backlinks, r1.title, r1.date_iso) == (1, 2, "The mills of Alder Fork", "2001-03-04")
    assert refolio.read(ARTICLE.encode()).to_tei() == refolio.read(ARTICLE).to_tei()


def test_every_output_kind(doc):
    tei = doc.to_tei()
    assert isinstance(tei, str)
    root = ET.fromstring(tei.encode())
    assert root.tag == TEI + "TEI"
    assert len(root.findall(f".//{TEI}ref[@type='biblio']")) == len(doc.citations)

    data = json.loads(doc.to_json())
    assert data["format"] == 1 and "document" in data

    article = doc.to_article()
    again = refolio.read(article)
    assert [(c.number, c.occurrence) for c in again.citations] == [(c.number, c.occurrence) for c in doc.citations]

    epub = doc.to_epub()
    assert isinstance(epub, bytes)
    with zipfile.ZipFile(io.BytesIO(epub)) as z:
        assert z.testzip() is None
        assert z.namelist()[0] == "mimetype" and z.read("mimetype") == b"application/epub+zip"
        assert "META-INF/container.xml" in z.namelist()
    assert doc.to_epub(notes="first") != epub
    assert doc.to_epub(identifier="urn:isbn:9780000000002") != epub

    pdf = doc.to_pdf()
    assert isinstance(pdf, bytes)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")

    assert "biblStruct" in doc.to_tei(profile="all")
    assert "listed for review" in doc.to_tei(review_below=2.0)


def test_timestamps_are_reproducible(doc, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = doc.to_epub(timestamp=1700000000)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert doc.to_epub() == a
    assert doc.to_pdf() == doc.to_pdf(timestamp=1700000000)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        doc.to_pdf()


def test_review_lines():
    d = refolio.read(DOUBTFUL)
    lines = d.review(below=10.0)
    assert len(lines) == 2 and lines[0].startswith('<string>:3:21: review: read "40%2" as text; ')
    assert all(": review: read " in line and "(margin " in line for line in lines)
    assert lines[0].startswith("<string>:")
    assert d.review() == lines[:1]
    assert d.review() == [line for line in lines if float(line.rsplit("margin ", 1)[1][:-1]) < 2.0]


def test_error_diagnostics_carry_line_and_column():
    d = refolio.read(DISAGREES, name="note.txt")
    assert d.errors >= 1
    err = next(x for x in d.diagnostics if x.severity == "error")
    assert (err.line, err.column) == (5, 31)
    assert str(err).startswith("note.txt:5:31: error: reference 1 has 2 back-links")
    with pytest.raises(refolio.ArticleError) as info:
        refolio.read(DISAGREES, name="note.txt", strict=True)
    e = info.value
    assert (e.name, e.line, e.column) == ("note.txt", 5, 31)
    assert e.location == "note.txt:5:31"
    assert any(x.severity == "error" for x in e.diagnostics)
    assert isinstance(e, refolio.RefolioError)


def test_invalid_utf8_is_an_input_error_with_its_place():
    with pytest.raises(refolio.InputError) as info:
        refolio.read(b"Title\n\nfirst line\nab\xc3\xa9cd\xff more\n", name="bad.txt")
    e = info.value
    assert (e.name, e.line, e.column) == ("bad.txt", 4, 6)
    assert "invalid UTF-8 at byte offset 24 (line 4)" in str(e)
    assert isinstance(e, ValueError)
    lossy = refolio.read(b"Title\n\nab\xff more\n", lossy=True)
    assert lossy.warnings == 1 and lossy.diagnostics[0].line == 3


def test_other_input_and_metadata_errors(doc):
    with pytest.raises(refolio.InputError) as info:
        refolio.read("  \n", name="empty.txt")
    assert (info.value.line, info.value.column) == (1, 1)
    with pytest.raises(refolio.InputError, match="more than the limit"):
        refolio.read(ARTICLE, max_input_bytes=10)
    with pytest.raises(refolio.MetadataError) as info:
        refolio.read(ARTICLE, lang="not a tag")
    assert info.value.field == "lang"
    with pytest.raises(refolio.MetadataError, match="not a metadata key"):
        refolio.read(ARTICLE, meta={"colour": "red"})
    with pytest.raises(refolio.MetadataError, match="U\\+0001"):
        refolio.read(ARTICLE, meta={"author": "A\x01B"})
    with pytest.raises(refolio.WriteError, match="no PDF"):
        doc.to_pdf(max_input_bytes=100)
    with pytest.raises(ValueError):
        doc.to_tei(profile="lite")
    with pytest.raises(TypeError):
        refolio.read(42)


def test_metadata_reaches_the_outputs():
    d = refolio.read(ARTICLE, lang="de", meta={"author": "A. Writer", "source_url": "https://example.org/x"})
    tei = d.to_tei()
    assert d.lang == "de" and 'xml:lang="de"' in tei
    assert "A. Writer" in tei and "https://example.org/x" in tei


def test_convert_file_writes_atomically_and_reports(tmp_path, examples):
    out = tmp_path / "new" / "out"
    report = refolio.convert_file(examples[0], out, ["tei", "json", "epub", "pdf", "article"])
    stem = examples[0].stem
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{stem}.{refolio.EXTENSIONS[f]}" for f in refolio.FORMATS)
    assert report["file"] == str(examples[0])
    assert report["citations"] > 0 and report["references"] > 0
    assert report["errors"] == 0 and report["review"] == []
    assert sorted(Path(p).name for p in report["written"]) == names

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Title\n\nok\n\xff\n")
    with pytest.raises(refolio.InputError) as info:
        refolio.convert_file(bad, tmp_path / "b")
    assert (info.value.line, info.value.column) == (4, 1)
    assert not (tmp_path / "b").exists() or list((tmp_path / "b").iterdir()) == []

    (tmp_path / "side.txt").write_text(ARTICLE)
    (tmp_path / "side.toml").write_text('colour = "red"\n')
    with pytest.raises(refolio.MetadataError, match="invalid sidecar"):
        refolio.convert_file(tmp_path / "side.txt", tmp_path / "c")
    with pytest.raises(FileNotFoundError):
        refolio.convert_file(tmp_path / "missing.txt", tmp_path / "d")
    (tmp_path / "x.json").write_text(ARTICLE)
    with pytest.raises(ValueError, match="refusing to write"):
        refolio.convert_file(tmp_path / "x.json", tmp_path, ["json"])
    assert (tmp_path / "x.json").read_text() == ARTICLE


def _work(text: str, rounds: int) -> None:
    for _ in range(rounds):
        d = refolio.read(text)
        d.to_tei()
        d.to_epub()


def _long_text(examples, times: int) -> str:
    """The first example's body ``times`` over (no reference list): calls
    long enough that the GIL changes hands rarely."""
    text = examples[0].read_text(encoding="utf-8")
    head, _, rest = text.partition("\n\n")
    return head + "\n\n" + "\n\n".join([rest.split("\n\n  1.")[0]] * times)


def test_gil_is_released_during_conversion(examples):
    """While one thread renders a long PDF, another runs Python code: with
    the GIL held for the whole call, it would stall for the call's length."""
    doc = refolio.read(_long_text(examples, 40))
    t = time.perf_counter()
    doc.to_pdf()
    call = time.perf_counter() - t
    done = threading.Event()
    worker = threading.Thread(target=lambda: (doc.to_pdf(), doc.to_pdf(), done.set()))
    longest = 0.0
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    worker.join()
    print(f"GIL: a PDF call takes {call:.3f} s; the other thread's longest stall {longest:.3f} s")
    assert longest < call / 2


def _speedup(work, rounds: int) -> float:
    """How much faster 4 threads do 4 shares of ``work`` than 1 thread all
    of it (best of 2 each)."""

    def one_thread() -> float:
        t = time.perf_counter()
        work(4 * rounds)
        return time.perf_counter() - t

    def four_threads() -> float:
        threads = [threading.Thread(target=work, args=(rounds,)) for _ in range(4)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return time.perf_counter() - t

    serial = min(one_thread() for _ in range(2))
    parallel = min(four_threads() for _ in range(2))
    return serial / parallel


def _rounds_for(work, seconds: float) -> int:
    t = time.perf_counter()
    work(4)
    return max(1, int(seconds / ((time.perf_counter() - t) / 4)) // 4)


def test_threads_convert_in_parallel(examples):
    """4 threads doing 4 shares of the work finish well before 1 thread
    doing all of it (CI has 2 cores to itself): more than 1.3x. The machine
    may be shared (a developer's builds), so each try also measures what a
    workload known to release the GIL gains (hashlib on large buffers); when
    even that gains less than 1.6x, the cores are busy and refolio must gain
    at least 80 % of what it gains."""
    text = _long_text(examples, 20)

    def refolio_work(n: int) -> None:
        _work(text, n)

    block = bytes(range(256)) * 16384  # 4 MiB: hashlib releases the GIL

    def hash_work(n: int) -> None:
        for _ in range(n):
            hashlib.sha256(block).digest()

    rounds = _rounds_for(refolio_work, 0.6)
    hash_rounds = _rounds_for(hash_work, 0.6)
    tries = []
    for _ in range(5):
        ours, baseline = _speedup(refolio_work, rounds), _speedup(hash_work, hash_rounds)
        tries.append((ours, baseline))
        if ours > 1.3 or (baseline < 1.6 and ours >= 0.8 * baseline):
            break
    print("GIL: 4 threads against 1, long articles read + TEI + EPUB: speedup "
          + ", ".join(f"{o:.2f} (hashlib {b:.2f})" for o, b in tries))
    ours, baseline = tries[-1]
    assert ours > 1.3 or (baseline < 1.6 and ours >= 0.8 * baseline), (
        f"4 threads were {ours:.2f}x faster than 1 (hashlib: {baseline:.2f}x)"
    )
