"""The library: clean one article in memory, or read back what ``cleaner run`` wrote.

``clean`` runs the same stages as ``cleaner run`` on a string (text, or HTML with
``html=True``) and returns the clean text with the document and its spans, so a
caller gets the same audit trail as the sidecar files. ``read_clean`` walks an
output folder and yields each document as ``cleaner run`` wrote it, in the shape
datatrove and dolma read (``id``, ``text``, ``metadata``, then the sidecar).

Two things the library leaves to ``cleaner run``, which need a whole corpus: site-repeated
lines (a single article has no site statistics) and provenance (passages another article
of the run holds more). Reviewers' decisions apply only when ``settings`` names a decisions file.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.ingest import decode_article, record_from_json
from cleaner.model import Document
from cleaner.pipeline import Cleaner, Settings
from cleaner.review.sidecars import iter_documents
from cleaner.write import sidecar


@dataclass(frozen=True)
class Cleaned:
    """One cleaned article: its clean text, the document with every span, and what made them."""

    text: str
    document: Document
    versions: dict[str, object]

    def sidecar(self) -> dict[str, Any]:
        """The audit record ``cleaner run`` writes beside the text (``cleaner/sidecar.schema.json``)."""
        return sidecar(self.document, self.versions)


@functools.lru_cache(maxsize=4)
def _cleaner(settings: Settings) -> Cleaner:
    return Cleaner(settings)  # loading the rules takes seconds: once per process and settings


def clean(
    content: str | bytes,
    *,
    html: bool = False,
    doc_id: str = "document",
    title: str | None = None,
    url: str | None = None,
    author: str | None = None,
    date: str | None = None,
    settings: Settings | None = None,
) -> Cleaned:
    """Clean one article given as plain text (or as a page's HTML with ``html=True``).

    ``content`` as bytes is decoded as a file would be (a byte-order mark, the page's
    declared charset, UTF-8, else detection; a guess is noted in the document's
    warnings); line ends are normalised either way. The metadata is what a JSON
    record would carry: the title helps the off-topic stage (without one, the text's
    first line serves) and the url names the site. The rules and models load on the
    first call and are kept for the next ones. Raises
    :class:`cleaner.ingest.InputError` for an empty or binary article, TypeError for
    anything but text or bytes.
    """
    if not isinstance(content, str | bytes):
        raise TypeError(f"clean() takes the article as str or bytes, not {type(content).__name__}")
    cleaner = _cleaner(settings or Settings())
    if isinstance(content, bytes):
        digest = hashlib.sha256(content).hexdigest()
        text, note = decode_article(content, html)
    else:
        digest = hashlib.sha256(content.encode("utf-8", errors="surrogatepass")).hexdigest()
        text, note = content, None
    fields = {"id": doc_id, "title": title, "url": url, "author": author, "date": date}
    record = record_from_json({"html" if html else "text": text, **fields}, doc_id, "<memory>", digest)
    record.warnings.extend([note] if note else [])
    document = cleaner.clean(record)
    return Cleaned(cleaner.clean_text(document), document, cleaner.document_versions(document))


def read_clean(clean_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Every document of a ``cleaner run`` output folder, in path order (JSONL files in line order).

    Each is a dict: ``id``, ``text`` (the clean text as written), then the sidecar's
    fields (``metadata``, ``removed``, ``flagged``, ``text_before``...). Unreadable
    files (and lines) are logged and skipped; a folder that isn't there is FileNotFoundError.
    """
    folder = Path(clean_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    return iter_documents(folder)
