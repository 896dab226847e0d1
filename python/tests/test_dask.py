"""examples/dask_archive.py on a real distributed LocalCluster (2 worker
processes): 1,000 articles, one of them not UTF-8."""

from __future__ import annotations

import csv
import importlib.util
import io
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, make_batch, require

distributed = require("distributed")
pypdf = require("pypdf")
require("dask.bag")

N = 1000


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_outputs(out: Path, good, bad) -> None:
    """Every output of every good article exists and is valid; nothing of
    the bad one, and no temporary file anywhere."""
    names = {p.name for p in out.iterdir()}
    assert not [n for n in names if n.endswith(".tmp")], "temporary files left"
    for p in bad:
        assert not [n for n in names if n.startswith(p.stem + ".")], f"outputs of {p.name} written"
    for p in good:
        tei = out / f"{p.stem}.tei.xml"
        root = ET.parse(tei).getroot()
        assert root.tag == "{http://www.tei-c.org/ns/1.0}TEI"
        with zipfile.ZipFile(out / f"{p.stem}.epub") as z:
            assert z.namelist()[0] == "mimetype" and z.read("mimetype") == b"application/epub+zip"
            assert "META-INF/container.xml" in z.namelist()
            assert z.testzip() is None
        reader = pypdf.PdfReader(io.BytesIO((out / f"{p.stem}.pdf").read_bytes()), strict=True)
        assert len(reader.pages) >= 1


def test_dask_cluster_converts_1000_articles(tmp_path):
    dask_archive = load_example("dask_archive")
    paths = make_batch(tmp_path / "in", N, bad=1)
    good, bad = paths[:-1], paths[-1:]
    out = tmp_path / "out"
    report = tmp_path / "report.csv"
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        assert len(client.scheduler_info()["workers"]) == 2
        started = time.perf_counter()
        rows = dask_archive.convert_archive([str(p) for p in paths], str(out), str(report))
        elapsed = time.perf_counter() - started
    finally:
        client.close()
        cluster.close()
    print(f"Dask: {N} articles to TEI + EPUB + PDF in {elapsed:.1f} s on 2 worker processes "
          f"({N / elapsed:.1f} articles/s, {N / elapsed / 2:.1f} per worker)")

    assert len(rows) == N
    with report.open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert len(table) == N
    assert list(table[0]) == ["file", "status", "citations", "references", "errors", "warnings",
                              "review_lines", "review", "error", "line", "column", "outputs"]
    by_file = {r["file"]: r for r in table}
    failed = by_file[str(bad[0])]
    assert failed["status"] == "failed"
    assert "InputError" in failed["error"] and "invalid UTF-8" in failed["error"]
    assert (failed["line"], failed["column"]) == ("3", "11")
    assert failed["outputs"] == "0"
    for p in good:
        r = by_file[str(p)]
        assert r["status"] == "ok" and r["outputs"] == "3", r
        assert int(r["citations"]) > 0 and int(r["references"]) > 0
        assert r["errors"] == "0"
    # The same article gives the same counts wherever it was converted.
    for stem in {p.stem.split("-", 1)[1] for p in good}:
        counts = {(r["citations"], r["references"], r["warnings"], r["review_lines"])
                  for f, r in by_file.items() if f.endswith(f"-{stem}.txt") and r["status"] == "ok"}
        assert len(counts) == 1, (stem, counts)
    check_outputs(out, good, bad)


def test_dask_command_line(tmp_path):
    """The recipe's command: a folder in, a report out, exit 1 for the bad
    article."""
    dask_archive = load_example("dask_archive")
    paths = make_batch(tmp_path / "in", 6, bad=1)
    out = tmp_path / "out"
    code = dask_archive.main([str(tmp_path / "in"), "-o", str(out), "--workers", "1", "-t", "tei"])
    assert code == 1
    with (out / "report.csv").open(newline="") as f:
        statuses = [r["status"] for r in csv.DictReader(f)]
    assert statuses.count("ok") == 5 and statuses.count("failed") == 1
    assert len(list(out.glob("*.tei.xml"))) == 5
    assert len(paths) == 6
