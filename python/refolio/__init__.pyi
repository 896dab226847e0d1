from ._errors import (
    ArticleError as ArticleError,
    InputError as InputError,
    MetadataError as MetadataError,
    RefolioError as RefolioError,
    WriteError as WriteError,
)
from ._refolio import (
    Citation as Citation,
    Diagnostic as Diagnostic,
    Document as Document,
    Reference as Reference,
    __version__ as __version__,
    convert_file as convert_file,
    read as read,
)
from typing import Dict, Tuple

FORMATS: Tuple[str, ...]
EXTENSIONS: Dict[str, str]
