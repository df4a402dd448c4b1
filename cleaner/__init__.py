"""cleaner: raw scraped news articles in, clean text with an audit trail out."""

from cleaner.model import Document, Span, render

__version__ = "0.2.0"
__all__ = ["Document", "Span", "__version__", "render"]
