"""The lines the site-lines stage looks at: which lines count, how they are normalised and hashed.

Learning and cutting call the same functions, so a line learned in one document is
recognised in another whatever its case, spacing or Unicode form.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# A line longer than this (after normalising) is never learned nor cut: a real paragraph
# quoted in several articles (a wire story republished, a background paragraph repeated
# in a follow-up) is content. Menus, footers, prompts and appeals stay well under it
# (the longest trailer of the samples in raw/ is 163 characters).
MAX_CHARS = 200
# At most this many distinct lines of one document are counted, which bounds what a
# huge page dump can add to the statistics.
MAX_LINES_PER_DOCUMENT = 1000

_LINE = re.compile(r"[^\n]+")
# A line without a letter (a number, a score, a table cell, a rule of dashes) says little
# about a template and is often content: "1", "17" and "2,339" recur in any standings table.
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Line:
    """One eligible line of a text: its offsets (stripped of surrounding spaces), normal form and hash."""

    start: int
    end: int
    text: str
    hash: int


def normalise(line: str) -> str:
    """The form lines are compared in: NFKC, case-folded, whitespace runs as one space, stripped."""
    if not line.isascii():
        line = unicodedata.normalize("NFKC", line)
    return " ".join(line.split()).casefold()


def line_hash(normalised: str) -> int:
    """A signed 64-bit hash of a normalised line (fits an SQLite integer), the same in every process."""
    digest = hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def hash_hex(value: int) -> str:
    """A line hash as 16 hex digits, as the learned table writes it."""
    return (value & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "big").hex()


def eligible_lines(text: str) -> Iterator[Line]:
    """Every line of ``text`` that may be learned or cut: with a letter, at most MAX_CHARS long."""
    for match in _LINE.finditer(text):
        raw = match.group()
        if not _LETTER.search(raw):
            continue
        normal = normalise(raw)
        if not normal or len(normal) > MAX_CHARS:
            continue
        start = match.start() + len(raw) - len(raw.lstrip())
        end = match.end() - len(raw) + len(raw.rstrip())
        yield Line(start, end, normal, line_hash(normal))


def document_lines(text: str) -> list[Line]:
    """The distinct eligible lines of a document (first occurrence of each), at most MAX_LINES_PER_DOCUMENT.

    A line counts once per document however often it repeats there.
    """
    seen: set[int] = set()
    found: list[Line] = []
    for line in eligible_lines(text):
        if line.hash in seen:
            continue
        seen.add(line.hash)
        found.append(line)
        if len(found) >= MAX_LINES_PER_DOCUMENT:
            break
    return found


def content_digest(text: str) -> str:
    """Identifies a document's text (whitespace collapsed), so that exact copies count once per site."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:32]
