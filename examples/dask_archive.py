#!/usr/bin/env python3
"""Convert a whole archive of flattened articles with Dask.

Each article is one element of a ``dask.bag``; a worker converts it with the
``refolio`` package (``refolio.archive.convert_path``: the CLI's conversion,
sidecar metadata and atomic writes) and returns one report row. A bad
article (invalid UTF-8, unreadable, …) is a ``failed`` row, never a stopped
job, and leaves no file behind. The rows are gathered into one report (CSV,
or Parquet for a ``.parquet`` path).

One machine, a local cluster of worker processes::

    python examples/dask_archive.py input/ -o out --report out/report.csv --workers 2

A running cluster (every worker needs ``pip install ./python`` and must see
the input and output folders, e.g. on a shared file system)::

    dask scheduler &            # on one machine
    dask worker tcp://HOST:8786 --nworkers 8 --nthreads 1   # on each machine
    python examples/dask_archive.py /archive/txt -o /archive/out \\
        --report /archive/report.parquet --scheduler tcp://HOST:8786
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List, Optional, Sequence

import dask.bag as db
from distributed import Client, LocalCluster

from refolio.archive import (
    DEFAULT_FORMATS,
    Row,
    convert_path,
    list_inputs,
    summary,
    write_report,
)


def convert_archive(
    paths: Sequence[str],
    out_dir: str,
    report: Optional[str] = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    npartitions: Optional[int] = None,
    **options,
) -> List[Row]:
    """Converts ``paths`` on the current Dask scheduler (the active
    ``distributed.Client``, if any) and returns the report rows, one per
    path; writes them to ``report`` when given. Output names must not
    collide: two inputs with the same stem would write the same files."""
    stems = {}
    for p in paths:
        stem = os.path.splitext(os.path.basename(p))[0]
        if stem in stems:
            raise ValueError(f"{p} and {stems[stem]} would both write {stem}.*")
        stems[stem] = p
    if not paths:
        rows: List[Row] = []
    else:
        # A few partitions per worker thread: even load, little overhead.
        n = npartitions or min(len(paths), 64)
        bag = db.from_sequence(list(paths), npartitions=n)
        rows = bag.map(convert_path, out_dir, list(formats), **options).compute()
    if report:
        write_report(rows, report)
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="article files, or folders of *.txt")
    ap.add_argument("-o", "--out", default="out", help="output folder (default: out)")
    ap.add_argument("--report", help="report file (.csv or .parquet); default OUT/report.csv")
    ap.add_argument("-t", "--to", default=",".join(DEFAULT_FORMATS), help="formats (tei,epub,pdf,json,article)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local worker processes")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster)")
    args = ap.parse_args(argv)

    paths = list_inputs(args.inputs)
    report = args.report or os.path.join(args.out, "report.csv")
    started = time.perf_counter()
    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    try:
        rows = convert_archive(paths, args.out, report, args.to.split(","))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    elapsed = time.perf_counter() - started
    print(f"{summary(rows)}; {elapsed:.1f} s; report {report}", file=sys.stderr)
    return 1 if any(r["status"] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
