"""The one data model: a document and the spans found in it.

Stages only *find* spans; :func:`render` alone decides what the clean text is.
A span's offsets index ``Document.text`` (the text before cleaning), so the
sidecar (text plus spans) is enough to rebuild the clean text or undo any cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

Action = Literal["removed", "flagged"]
FlagStatus = Literal["pending", "kept", "dropped"]


@dataclass(frozen=True)
class Span:
    """A stretch of ``Document.text`` that a stage wants cut (removed) or withheld (flagged).

    ``reason`` is the rule id or the model name; ``detail`` says why in words
    (a flag's strongest features, a site statistic). ``applied`` is false when
    a guard kept the text in spite of the span.
    """

    start: int
    end: int
    action: Action
    reason: str
    category: str
    score: float | None = None
    detail: str = ""
    status: FlagStatus = "pending"
    applied: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span offsets {self.start}..{self.end}")

    def with_changes(self, **changes: object) -> Span:
        return replace(self, **changes)  # type: ignore[arg-type]


def touches_any(start: int, end: int, ranges: Iterable[tuple[int, int]]) -> bool:
    """Whether ``start..end`` overlaps any of ``ranges`` (the stages' test for text another one owns)."""
    return any(s < end and start < e for s, e in ranges)


def line_ranges(text: str) -> list[tuple[int, int]]:
    """The non-blank lines of ``text`` as (start, end), stripped of surrounding blanks."""
    ranges: list[tuple[int, int]] = []
    position = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = position + line.index(stripped[0])
            ranges.append((start, start + len(stripped)))
        position += len(line) + 1
    return ranges


@dataclass
class Document:
    """One article: its text before cleaning, metadata and the spans found so far."""

    id: str
    source: str
    text: str
    sha256: str = ""
    metadata: dict[str, str | None] = field(default_factory=dict)
    lang: str | None = None
    site: str = ""
    spans: list[Span] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    guard: str = ""

    @property
    def removed(self) -> list[Span]:
        return sorted((s for s in self.spans if s.action == "removed"), key=_span_key)

    @property
    def flagged(self) -> list[Span]:
        return sorted((s for s in self.spans if s.action == "flagged"), key=_span_key)

    def covered(self, start: int, end: int) -> bool:
        """Whether [start, end) already lies inside an applied span."""
        return any(s.applied and s.start <= start and end <= s.end for s in self.spans)


def _span_key(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.reason)


def cut_ranges(spans: Iterable[Span], withhold_flagged: bool = True) -> list[tuple[int, int]]:
    """Merged, sorted character ranges that the clean text leaves out."""
    ranges = sorted(
        (s.start, s.end)
        for s in spans
        if s.applied and (s.action == "removed" or (withhold_flagged and s.status != "kept"))
    )
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def render(text: str, spans: Iterable[Span], withhold_flagged: bool = True) -> str:
    """The clean text: ``text`` without the cut ranges, tidied line by line.

    Lines emptied by a cut vanish, paragraphs stay separated by one blank line,
    and spaces left around a phrase cut collapse. Pure and deterministic: the
    same text and spans always give the same string.
    """
    pieces: list[str] = []
    position = 0
    for start, end in cut_ranges(spans, withhold_flagged):
        pieces.append(text[position:start])
        # Mark a cut so a line that only held cut text disappears entirely.
        pieces.append("\x00")
        position = end
    pieces.append(text[position:])
    lines = []
    for line in "".join(pieces).split("\n"):
        had_cut = "\x00" in line
        line = re.sub(r"[ \t]*\x00[ \t]*", " ", line) if had_cut else line
        line = line.strip() if had_cut else line.rstrip()
        if had_cut and not line:
            continue
        lines.append(line)
    clean = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
    return clean + "\n" if clean else ""
