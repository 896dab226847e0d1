"""Type stubs of the compiled module ``refolio._refolio`` (re-exported by
``refolio``)."""

from os import PathLike
from typing import Dict, List, Mapping, Optional, Sequence, Union

__version__: str

_Path = Union[str, "PathLike[str]"]

class Diagnostic:
    """A warning or error about the input, with its place."""

    severity: str
    """``"error"`` or ``"warning"``."""
    message: str
    help: Optional[str]
    line: int
    """1-based line of the span's start."""
    column: int
    """1-based column (characters) of the span's start."""
    start: int
    """Byte offset of the span's start in the input."""
    end: int
    def __str__(self) -> str:
        """``NAME:LINE:COL: error: MESSAGE`` (and ``  help: …``), as the CLI prints it."""

class Citation:
    """A citation marker found in the text."""

    number: int
    """The reference it points to."""
    occurrence: int
    """1 for the first marker of that reference, 2 for the second, …"""
    line: int
    column: int
    start: int
    end: int
    margin: Optional[float]
    """How sure the resolver was (log-odds); ``None`` when no other reading existed."""

class Reference:
    """An entry of the reference list."""

    number: int
    text: str
    """The entry as in the source, without its number and back-links."""
    backlinks: int
    """How many back-links (``[]``, ``↩︎``, …) it has."""
    citations: int
    """How many citations of it were found."""
    title: Optional[str]
    author: Optional[str]
    publisher: Optional[str]
    date: Optional[str]
    date_iso: Optional[str]
    line: int
    column: int

class Document:
    """A parsed and resolved article; see :func:`read`."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def citations(self) -> List[Citation]:
        """Every citation marker, in reading order."""
    @property
    def references(self) -> List[Reference]: ...
    @property
    def diagnostics(self) -> List[Diagnostic]:
        """Warnings and errors, in source order."""
    @property
    def errors(self) -> int: ...
    @property
    def warnings(self) -> int: ...
    @property
    def identifier(self) -> str:
        """The EPUB's default ``dc:identifier`` (``urn:uuid:…`` of the text)."""
    def review(self, below: float = 2.0) -> List[str]:
        """The decisions whose margin is below ``below``, as ``refolio check
        --review`` prints them, smallest margin first."""
    def to_tei(
        self, *, profile: str = "portable", review_below: Optional[float] = None, timestamp: Optional[int] = None
    ) -> str:
        """TEI P5 XML. ``profile``: ``"portable"`` or ``"all"`` (``--tei-profile``);
        ``review_below``: as ``--review --review-below``; ``timestamp``: seconds
        since 1970, else ``SOURCE_DATE_EPOCH`` from the environment."""
    def to_json(self) -> str:
        """The document model as JSON (with margins)."""
    def to_article(self) -> str:
        """The article format, in canonical form."""
    def to_epub(
        self, *, notes: str = "after", identifier: Optional[str] = None, timestamp: Optional[int] = None
    ) -> bytes:
        """An EPUB 3 book. ``notes``: ``"after"`` or ``"first"`` (``--epub-notes``)."""
    def to_pdf(self, *, timestamp: Optional[int] = None, max_input_bytes: int = 16777216) -> bytes:
        """A typeset PDF; an article longer than ``max_input_bytes`` raises
        :class:`refolio.WriteError`."""

def read(
    text: Union[str, bytes, bytearray],
    *,
    lang: Optional[str] = None,
    meta: Optional[Mapping[str, Optional[str]]] = None,
    name: str = "<string>",
    lossy: bool = False,
    strict: bool = False,
    max_input_bytes: int = 268435456,
) -> Document:
    """Reads one article. ``meta`` keys are those of a sidecar ``STEM.toml``
    (``lang``, ``author``, ``source-url``, ``date``, ``license``,
    ``publisher``, ``accessed``, ``source-title``; ``_`` for ``-`` accepted);
    ``lang=`` wins over ``meta["lang"]``, English by default. The GIL is
    released while refolio works.

    Raises :class:`refolio.InputError` (invalid UTF-8, empty, too large),
    :class:`refolio.MetadataError`, and with ``strict`` :class:`refolio.ArticleError`."""

def convert_file(
    path: _Path,
    out_dir: _Path,
    formats: Optional[Sequence[str]] = None,
    *,
    lang: Optional[str] = None,
    meta: Optional[Mapping[str, Optional[str]]] = None,
    lossy: bool = False,
    strict: bool = False,
    review: bool = False,
    review_below: float = 2.0,
    tei_profile: str = "portable",
    epub_notes: str = "after",
    timestamp: Optional[int] = None,
    max_input_bytes: int = 268435456,
    max_pdf_input_bytes: int = 16777216,
) -> Dict[str, object]:
    """Converts one file as ``refolio convert PATH -o OUT_DIR -t FORMATS``
    does (default tei, epub, pdf): the sidecar ``STEM.toml`` under ``lang``
    and ``meta``, ``SOURCE_DATE_EPOCH``, each output written to a temporary
    file and renamed into place. Every format is rendered before any file is
    written, so a failing article leaves nothing. Returns the report: file,
    title, citations, references, errors, warnings, review (lines),
    diagnostics (lines), identifier, written (paths)."""
