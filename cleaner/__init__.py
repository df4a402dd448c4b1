"""cleaner: raw scraped news articles in, clean text with an audit trail out.

The library: ``cleaner.clean(text)`` cleans one article in memory and
``cleaner.read_clean(folder)`` reads back what ``cleaner run`` wrote (``cleaner.api``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from cleaner.model import Document, Span, render

if TYPE_CHECKING:
    from cleaner.api import Cleaned, clean, read_clean
    from cleaner.pipeline import Settings

__version__ = "0.2.0"
__all__ = ["Cleaned", "Document", "Settings", "Span", "__version__", "clean", "read_clean", "render"]

# Imported on first use: the pipeline pulls in trafilatura and the models' code, which a
# program that only reads the data model or the outputs never needs.
_LAZY = {
    "Cleaned": "cleaner.api",
    "clean": "cleaner.api",
    "read_clean": "cleaner.api",
    "Settings": "cleaner.pipeline",
}


def __getattr__(name: str) -> object:
    """The library's functions and classes, imported from their modules when first asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cleaner' has no attribute {name!r}")
