"""The exceptions refolio raises.

Every one is a :class:`RefolioError` and carries the input's ``name`` and,
where the failure has a place in the input, its 1-based ``line`` and
``column`` (in characters), as refolio's diagnostics print them
(``article.txt:3:41: error: …``).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence


class RefolioError(Exception):
    """Base class of refolio's errors.

    Attributes:
        message: the message, as ``str(exc)``.
        name: the input's name (its path, or the ``name=`` given to
            :func:`refolio.read`).
        line: 1-based line of the place in the input, or ``None``.
        column: 1-based column (characters) of that place, or ``None``.
        diagnostics: the article's diagnostics (:class:`refolio.Diagnostic`),
            for :class:`ArticleError`; empty otherwise.
    """

    def __init__(
        self,
        message: str,
        *,
        name: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        diagnostics: Sequence[Any] = (),
        field: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.line = line
        self.column = column
        self.diagnostics = list(diagnostics)
        self.field = field

    @property
    def location(self) -> str:
        """``NAME:LINE:COLUMN`` (as much of it as is known)."""
        parts = [self.name or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class InputError(RefolioError, ValueError):
    """The input cannot be read as an article: invalid UTF-8 (``line`` and
    ``column`` of the first bad byte), empty (line 1, column 1), or larger
    than ``max_input_bytes`` (no place). Exit code 1 of ``refolio convert``."""


class MetadataError(RefolioError, ValueError):
    """A metadata value (``lang=``, ``meta=`` or the sidecar ``STEM.toml``)
    cannot be used; ``field`` names it. Exit code 2 of the CLI."""


class ArticleError(RefolioError):
    """Raised only with ``strict=True``: the article disagrees with itself
    (error diagnostics such as back-link counts) or has warnings, as with
    ``--strict``. ``line``/``column`` are those of the first error (else the
    first warning); ``diagnostics`` holds them all."""


class WriteError(RefolioError):
    """A writer could not produce its output (a metadata character the format
    cannot carry, an article too large for a PDF, …)."""


__all__ = ["RefolioError", "InputError", "MetadataError", "ArticleError", "WriteError"]
