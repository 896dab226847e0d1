"""examples/spark_archive.py: its partition function without Spark, and the
whole recipe in PySpark's local mode (200 articles) when pyspark is
installed (scripts/install-validators.sh --python-env installs it)."""

from __future__ import annotations

import collections
import csv
import importlib.util
import os
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO, make_batch
from refolio.archive import REPORT_COLUMNS


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_partition_function_without_spark(tmp_path):
    """The function ``mapPartitions`` runs, fed rows as Spark would: paths,
    and names with texts (bytes, one of them not UTF-8)."""
    spark_archive = load_example("spark_archive")
    paths = make_batch(tmp_path / "in", 8, bad=1)
    run = spark_archive.partition_function(str(tmp_path / "out"), ["tei", "epub"])
    PathRow = collections.namedtuple("PathRow", "path")
    rows = list(run(PathRow(str(p)) for p in paths))
    assert [len(r) for r in rows] == [len(REPORT_COLUMNS)] * 8
    status = [dict(zip(REPORT_COLUMNS, r))["status"] for r in rows]
    assert status == ["ok"] * 7 + ["failed"]
    assert len(list((tmp_path / "out").glob("*.tei.xml"))) == 7

    TextRow = collections.namedtuple("TextRow", "name text")
    run = spark_archive.partition_function(str(tmp_path / "out2"), ["tei"])
    rows = [dict(zip(REPORT_COLUMNS, r)) for r in run(TextRow(p.name, bytearray(p.read_bytes())) for p in paths)]
    assert [r["status"] for r in rows] == ["ok"] * 7 + ["failed"]
    bad = rows[-1]
    assert "invalid UTF-8" in bad["error"] and (bad["line"], bad["column"]) == (3, 11)
    out2 = sorted(p.name for p in (tmp_path / "out2").iterdir())
    assert out2 == sorted(f"{p.stem}.tei.xml" for p in paths[:-1])
    for p in paths[:-1]:
        ET.parse(tmp_path / "out2" / f"{p.stem}.tei.xml")
    # Texts without sidecars: the first example's metadata is not there.
    assert rows[0]["citations"] > 0


def test_spark_local_mode_200_articles(tmp_path):
    pyspark = pytest.importorskip("pyspark")
    if not shutil.which("java"):
        pytest.skip("no java")
    spark_archive = load_example("spark_archive")
    paths = make_batch(tmp_path / "in", 200, bad=1)
    out = tmp_path / "out"
    report = tmp_path / "report.csv"
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    started = time.perf_counter()
    code = spark_archive.main([str(tmp_path / "in"), "-o", str(out), "--report", str(report),
                               "--master", "local[2]", "--partitions", "8"])
    elapsed = time.perf_counter() - started
    print(f"Spark {pyspark.__version__} local[2]: 200 articles to TEI + EPUB + PDF in {elapsed:.1f} s "
          "(JVM start included)")
    assert code == 1  # the bad article
    with report.open(newline="", encoding="utf-8") as f:
        table = {r["file"]: r for r in csv.DictReader(f)}
    assert len(table) == 200
    bad = table[str(paths[-1])]
    assert bad["status"] == "failed" and "invalid UTF-8" in bad["error"]
    assert [table[str(p)]["status"] for p in paths[:-1]] == ["ok"] * 199
    names = {p.name for p in out.iterdir()}
    assert len(names) == 199 * 3 and not [n for n in names if paths[-1].stem in n]
