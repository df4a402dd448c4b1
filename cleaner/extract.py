"""HTML to article text and metadata.

trafilatura runs with recall-oriented settings (comments and tables kept):
what goes is decided by our own stages, where every cut is recorded. When it
finds nothing, beautifulsoup4 gives the visible text of the page.
"""

from __future__ import annotations

import logging

import trafilatura
from bs4 import BeautifulSoup

_DROPPED_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")
_BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "article", "section")

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def html_to_text(html: str, url: str | None = None) -> tuple[str, dict[str, str | None], str]:
    """The text of an HTML page, its metadata (title, author, date, url) and the extractor used."""
    extracted = trafilatura.bare_extraction(
        html,
        url=url,
        favor_recall=True,
        include_comments=True,
        include_tables=True,
        with_metadata=True,
        deduplicate=False,
    )
    metadata: dict[str, str | None] = {}
    text = ""
    if extracted is not None:
        for key in ("title", "author", "date", "url"):
            value = getattr(extracted, key, None)
            if isinstance(value, str) and value.strip():
                metadata[key] = value.strip()
        parts = (getattr(extracted, "text", None), getattr(extracted, "comments", None))
        text = "\n".join(part for part in parts if isinstance(part, str) and part)
    if text.strip():
        return text.strip() + "\n", metadata, "trafilatura"
    return _visible_text(html), metadata, "beautifulsoup"


def _visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(list(_DROPPED_TAGS)):
        tag.decompose()
    for tag in soup.find_all(list(_BLOCK_TAGS)):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().split("\n"))
    text = "\n".join(line for line in lines if line)
    return text + "\n" if text else ""
