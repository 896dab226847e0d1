"""Whole-archive helpers shared by the Dask and Spark recipes.

Everything a worker needs is here, inside the installed package, so a
cluster needs only ``pip install refolio`` on its workers (no example module
to ship). One article never stops a batch: :func:`convert_path` and
:func:`convert_text` return a report row whatever happens, with
``status="failed"`` and the error's message, line and column when the
article could not be converted, and nothing written for it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

from . import EXTENSIONS, RefolioError, convert_file, read

DEFAULT_FORMATS = ("tei", "epub", "pdf")
"""What ``refolio convert`` writes without ``-t``."""

REPORT_COLUMNS = (
    "file",
    "status",
    "citations",
    "references",
    "errors",
    "warnings",
    "review_lines",
    "review",
    "error",
    "line",
    "column",
    "outputs",
)
"""The report's columns, in order. ``review`` holds the ``--review`` lines
(joined by newlines), ``error`` the failure's message (``error_kind: …``),
``line``/``column`` its place, ``outputs`` how many files were written."""

Row = Dict[str, Any]


def _ok(file: str, report: Mapping[str, Any], outputs: int) -> Row:
    return {
        "file": file,
        "status": "ok",
        "citations": report["citations"],
        "references": report["references"],
        "errors": report["errors"],
        "warnings": report["warnings"],
        "review_lines": len(report["review"]),
        "review": "\n".join(report["review"]),
        "error": "",
        "line": None,
        "column": None,
        "outputs": outputs,
    }


def _failed(file: str, exc: BaseException) -> Row:
    return {
        "file": file,
        "status": "failed",
        "citations": None,
        "references": None,
        "errors": None,
        "warnings": None,
        "review_lines": None,
        "review": "",
        "error": f"{type(exc).__name__}: {exc}",
        "line": getattr(exc, "line", None),
        "column": getattr(exc, "column", None),
        "outputs": 0,
    }


def convert_path(
    path: Union[str, os.PathLike],
    out_dir: Union[str, os.PathLike],
    formats: Sequence[str] = DEFAULT_FORMATS,
    **options: Any,
) -> Row:
    """Converts one file with :func:`refolio.convert_file` (its sidecar
    ``STEM.toml`` included) and returns its report row. Never raises for a
    bad article or an unreadable file: the row says ``failed``."""
    file = os.fspath(path)
    try:
        report = convert_file(file, os.fspath(out_dir), list(formats), **options)
    except (RefolioError, OSError, ValueError) as exc:
        return _failed(file, exc)
    return _ok(file, report, len(report["written"]))


def _write_atomic(directory: Path, name: str, data: bytes) -> None:
    """A temporary file in ``directory``, renamed into place when complete."""
    fd, tmp = tempfile.mkstemp(prefix=".refolio-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, directory / name)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def convert_text(
    name: str,
    text: Union[str, bytes],
    out_dir: Union[str, os.PathLike],
    formats: Sequence[str] = DEFAULT_FORMATS,
    meta: Optional[Mapping[str, Optional[str]]] = None,
    **options: Any,
) -> Row:
    """Converts an article held in memory (``text``: str, or bytes that must
    be UTF-8) into ``out_dir/STEM.*``, ``STEM`` being ``name``'s file stem.
    Every format is rendered before any file is written, each written
    atomically; returns the report row and never raises for a bad article."""
    stem = Path(name).stem or "article"
    try:
        doc = read(text, name=name, meta=dict(meta) if meta else None, **options)
        rendered = []
        for fmt in formats:
            if fmt == "tei":
                data = doc.to_tei().encode()
            elif fmt == "json":
                data = doc.to_json().encode()
            elif fmt == "article":
                data = doc.to_article().encode()
            elif fmt == "epub":
                data = doc.to_epub()
            elif fmt == "pdf":
                data = doc.to_pdf()
            else:
                raise ValueError(f"unknown format {fmt!r} (tei, json, epub, pdf, article)")
            rendered.append((f"{stem}.{EXTENSIONS[fmt]}", data))
        directory = Path(out_dir)
        directory.mkdir(parents=True, exist_ok=True)
        for file_name, data in rendered:
            _write_atomic(directory, file_name, data)
    except (RefolioError, OSError, ValueError, TypeError) as exc:
        return _failed(name, exc)
    review = doc.review()
    return _ok(
        name,
        {
            "citations": len(doc.citations),
            "references": len(doc.references),
            "errors": doc.errors,
            "warnings": doc.warnings,
            "review": review,
        },
        len(rendered),
    )


def convert_rows(
    rows: Iterable[Any],
    out_dir: Union[str, os.PathLike],
    formats: Sequence[str] = DEFAULT_FORMATS,
    **options: Any,
) -> Iterator[Row]:
    """The partition function of ``examples/spark_archive.py``: for each row
    with a ``path`` (a file to convert) or a ``name`` and a ``text``, yields
    its report row. Rows may be mappings or objects with those attributes
    (Spark's ``Row``); runs the same with or without Spark."""
    for row in rows:
        get = row.get if isinstance(row, Mapping) else (lambda k, r=row: getattr(r, k, None))
        if row_path := _field(get, "path"):
            yield convert_path(row_path, out_dir, formats, **options)
        else:
            yield convert_text(_field(get, "name") or "article", get("text"), out_dir, formats, **options)


def _field(get: Any, key: str) -> Optional[str]:
    try:
        return get(key)
    except (KeyError, AttributeError, ValueError):
        return None


def write_report(rows: Iterable[Row], path: Union[str, os.PathLike]) -> Path:
    """Writes the report rows as CSV, or as Parquet when ``path`` ends in
    ``.parquet`` (which needs pandas and pyarrow), in ``REPORT_COLUMNS``
    order, sorted by file; atomically."""
    path = Path(path)
    rows = sorted(rows, key=lambda r: r["file"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        import pandas  # optional: only for Parquet reports

        frame = pandas.DataFrame(rows, columns=list(REPORT_COLUMNS))
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        return path
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(REPORT_COLUMNS))
            writer.writeheader()
            for r in rows:
                writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in REPORT_COLUMNS})
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def summary(rows: Sequence[Row]) -> str:
    """One line: inputs, converted, failed, citations, errors, warnings."""
    ok = [r for r in rows if r["status"] == "ok"]
    return (
        f"{len(rows)} inputs, {len(ok)} converted, {len(rows) - len(ok)} failed; "
        f"{sum(r['citations'] for r in ok)} citations, "
        f"{sum(r['errors'] for r in ok)} errors, {sum(r['warnings'] for r in ok)} warnings, "
        f"{sum(r['review_lines'] for r in ok)} review lines"
    )


def list_inputs(sources: Iterable[Union[str, os.PathLike]]) -> List[str]:
    """The ``*.txt`` files of each folder in ``sources`` (sorted), and each
    file as given."""
    out: List[str] = []
    for s in sources:
        p = Path(s)
        if p.is_dir():
            out.extend(sorted(os.fspath(f) for f in p.glob("*.txt")))
        else:
            out.append(os.fspath(p))
    return out


__all__ = [
    "DEFAULT_FORMATS",
    "REPORT_COLUMNS",
    "convert_path",
    "convert_text",
    "convert_rows",
    "write_report",
    "summary",
    "list_inputs",
]
