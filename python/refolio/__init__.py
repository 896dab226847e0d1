"""refolio: flattened, footnoted web articles to TEI P5, EPUB 3 and PDF.

The Python face of the Rust library (built with PyO3 and maturin)::

    import refolio

    doc = refolio.read(text, lang="en", meta={"author": "A. Writer"})
    doc.citations, doc.references, doc.diagnostics, doc.review()
    tei: str = doc.to_tei()
    epub: bytes = doc.to_epub()
    pdf: bytes = doc.to_pdf()

    report = refolio.convert_file("a.txt", "out", ["tei", "epub", "pdf"])

Parsing and rendering release the GIL, so threads convert in parallel; for
many machines see ``examples/dask_archive.py`` and
``examples/spark_archive.py``. The outputs are byte for byte those of
``refolio convert`` with the same input, metadata and
``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

from ._errors import (
    ArticleError,
    InputError,
    MetadataError,
    RefolioError,
    WriteError,
)
from ._refolio import (
    Citation,
    Diagnostic,
    Document,
    Reference,
    __version__,
    convert_file,
    read,
)

FORMATS = ("tei", "json", "epub", "pdf", "article")
"""Every output format, by its ``refolio convert -t`` name."""

EXTENSIONS = {
    "tei": "tei.xml",
    "json": "json",
    "epub": "epub",
    "pdf": "pdf",
    "article": "article.txt",
}
"""The file name ending of each format's output (after ``STEM.``)."""

__all__ = [
    "read",
    "convert_file",
    "Document",
    "Citation",
    "Reference",
    "Diagnostic",
    "RefolioError",
    "InputError",
    "MetadataError",
    "ArticleError",
    "WriteError",
    "FORMATS",
    "EXTENSIONS",
    "__version__",
]
