#!/usr/bin/env python3
"""Convert a whole archive of flattened articles with Spark.

The articles are rows of a DataFrame, either paths (``path``) or texts
(``name`` and ``text``); ``mapPartitions`` runs
``refolio.archive.convert_rows`` over each partition on the executors, which
converts each article with the ``refolio`` package and yields one report
row. A bad article is a ``failed`` row and writes nothing. The rows come
back as a DataFrame, written as one report (CSV or Parquet).

Local mode (one machine, Java 17)::

    python examples/spark_archive.py input/ -o out --report out/report.csv --master 'local[2]'

A cluster (every executor needs the refolio wheel, built once with
``maturin build --release -m python/Cargo.toml``; the input and output
folders must be on a file system every executor sees)::

    spark-submit --master spark://HOST:7077 --py-files refolio-*.whl \\
        examples/spark_archive.py /archive/txt -o /archive/out --report /archive/report.csv

(or ``--master yarn --deploy-mode cluster``, or install the wheel on every
executor with ``pip install``). With ``--texts`` the driver reads the files
into the DataFrame, for archives held as text columns (e.g. a Parquet table
of pages): use ``convert_rows`` on that table directly.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence

from refolio.archive import (
    DEFAULT_FORMATS,
    REPORT_COLUMNS,
    Row,
    convert_rows,
    list_inputs,
    summary,
    write_report,
)


def partition_function(out_dir: str, formats: Sequence[str]):
    """The function handed to ``mapPartitions``: rows in, report rows (as
    tuples in ``REPORT_COLUMNS`` order) out. Testable without Spark."""

    def run(rows: Iterable) -> Iterator[tuple]:
        for r in convert_rows(rows, out_dir, formats):
            yield tuple(r[c] for c in REPORT_COLUMNS)

    return run


def report_schema():
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    ints = {"citations", "references", "errors", "warnings", "review_lines", "line", "column", "outputs"}
    return StructType(
        [StructField(c, IntegerType() if c in ints else StringType(), True) for c in REPORT_COLUMNS]
    )


def convert_dataframe(df, out_dir: str, formats: Sequence[str] = DEFAULT_FORMATS):
    """A DataFrame with ``path`` (or ``name`` and ``text``) → the report
    DataFrame (one row per article)."""
    spark = df.sparkSession
    rdd = df.rdd.mapPartitions(partition_function(out_dir, list(formats)))
    return spark.createDataFrame(rdd, report_schema())


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="article files, or folders of *.txt")
    ap.add_argument("-o", "--out", default="out", help="output folder (default: out)")
    ap.add_argument("--report", help="report file (.csv or .parquet); default OUT/report.csv")
    ap.add_argument("-t", "--to", default=",".join(DEFAULT_FORMATS), help="formats (tei,epub,pdf,json,article)")
    ap.add_argument("--master", default=None, help="Spark master (default: spark-submit's, else local[*])")
    ap.add_argument("--partitions", type=int, default=None, help="partitions (default: 4 per core)")
    ap.add_argument("--texts", action="store_true", help="put the texts, not the paths, into the DataFrame")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("refolio-archive")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    started = time.perf_counter()
    try:
        paths = list_inputs(args.inputs)
        n = args.partitions or max(1, 4 * spark.sparkContext.defaultParallelism)
        if args.texts:
            # Bytes, not str: an article that is not UTF-8 must reach
            # refolio as it is, to be reported, not decoded by the driver.
            data = [(p, bytearray(Path(p).read_bytes())) for p in paths]
            df = spark.createDataFrame(data, "name string, text binary").repartition(n)
        else:
            df = spark.createDataFrame([(p,) for p in paths], ["path"]).repartition(n)
        out = os.path.abspath(args.out)
        rows: List[Row] = [r.asDict() for r in convert_dataframe(df, out, args.to.split(",")).collect()]
    finally:
        spark.stop()
    report = args.report or os.path.join(args.out, "report.csv")
    write_report(rows, report)
    elapsed = time.perf_counter() - started
    print(f"{summary(rows)}; {elapsed:.1f} s; report {report}", file=sys.stderr)
    return 1 if any(r["status"] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
