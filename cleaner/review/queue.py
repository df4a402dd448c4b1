"""The review queue: the passages of a clean directory that await a reviewer's verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.model import Span
from cleaner.review.decisions import Decision, Decisions, LineVerdict, Verdict, record, text_hash
from cleaner.review.sidecars import flagged_span, iter_sidecars, removed_span

CONTEXT_CHARS = 1200
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


@dataclass(frozen=True)
class Item:
    """One passage to review, with the paragraphs around it."""

    id: str
    document: str
    source: str  # the input file (and record) the document came from
    span: Span
    text: str
    title: str
    before: str
    after: str
    decision: Verdict | None = None

    @property
    def reason(self) -> str:
        """Why the passage was cut or flagged, in words (the rule id when there are none)."""
        return self.span.detail or self.span.reason

    def to_json(self) -> dict[str, Any]:
        """The item as one ``--list --json`` record."""
        return {
            "id": self.id,
            "document": self.document,
            "source": self.source,
            "action": self.span.action,
            "start": self.span.start,
            "end": self.span.end,
            "text": self.text,
            "score": self.span.score,
            "reason": self.reason,
            "rule": self.span.reason,
            "category": self.span.category,
            "title": self.title,
            "decision": self.decision,
            "context_before": self.before,
            "context_after": self.after,
        }


def printable(text: str) -> str:
    """One line with no control characters, so scraped text cannot drive the terminal."""
    return "".join(char if char.isprintable() else " " for char in " ".join(text.split()))


def item_id(document: str, span: Span) -> str:
    """A stable id: ``<document>:<start>-<end>``, with ``:removed`` for a rule's cut."""
    suffix = ":removed" if span.action == "removed" else ""
    return f"{document}:{span.start}-{span.end}{suffix}"


def context(text: str, start: int, end: int, limit: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The text around ``text[start:end]``: its own paragraphs plus one more on each side."""
    breaks = list(_PARAGRAPH_BREAK.finditer(text))
    starts = [0, *(match.end() for match in breaks if match.end() <= start)]
    ends = [*(match.start() for match in breaks if match.start() >= end), len(text)]
    begin = starts[-2] if len(starts) > 1 else starts[-1]
    finish = ends[1] if len(ends) > 1 else ends[0]
    before, after = text[begin:start], text[end:finish]
    if len(before) > limit:
        before = "…" + before[-limit:]
    if len(after) > limit:
        after = after[:limit] + "…"
    return before, after


def _spans(sidecar: dict[str, Any]) -> list[Span]:
    return [removed_span(entry) for entry in sidecar.get("removed", [])] + [
        flagged_span(entry) for entry in sidecar.get("flagged", [])
    ]


def _wanted(span: Span, include_removed: bool, include_decided: bool) -> bool:
    if span.action == "flagged":
        return include_decided or span.status == "pending"
    if not include_removed:
        return False
    return span.applied or (include_decided and span.status == "kept")


def load_queue(
    clean_dir: Path,
    decisions: Decisions,
    include_removed: bool = False,
    include_decided: bool = False,
) -> list[Item]:
    """The passages under ``clean_dir`` awaiting review, in path and offset order.

    By default: flagged passages still pending, without a verdict in
    ``decisions``. ``include_removed`` adds the rules' applied cuts (a reviewer
    may overrule them); ``include_decided`` keeps the passages already decided.
    """
    items = []
    for sidecar in iter_sidecars(clean_dir):
        document, text = sidecar["id"], sidecar["text_before"]
        title = str((sidecar.get("metadata") or {}).get("title") or "")
        spans = _spans(sidecar)
        matched: list[Decision | None] = decisions.match(document, text, spans)
        for span, decision in sorted(
            zip(spans, matched, strict=True), key=lambda pair: (pair[0].start, pair[0].end)
        ):
            if not _wanted(span, include_removed, include_decided):
                continue
            if decision is not None and not include_decided:
                continue
            before, after = context(text, span.start, span.end)
            items.append(
                Item(
                    id=item_id(document, span),
                    document=document,
                    source=str(sidecar.get("source") or ""),
                    span=span,
                    text=text[span.start : span.end],
                    title=title,
                    before=before,
                    after=after,
                    decision=None if decision is None or decision.decision == "undo" else decision.decision,
                )
            )
    return items


def decide(clean_dir: Path, wanted_id: str, verdict: LineVerdict, decisions_path: Path) -> list[Item]:
    """Record ``verdict`` on the passage ``wanted_id`` (decided or not, flagged or removed; its
    id, or the id as ``--list`` prints it: :func:`printable`); ``undo`` makes it pending again.

    Decisions name documents by id, so documents sharing an id share them: when the id names
    the same passage in several documents, the verdict is theirs (all are returned); when it
    names different passages, which one is meant can't be recorded, and LookupError says so.
    """
    decisions = Decisions.load(decisions_path)
    decisions.log_warnings()
    queue = load_queue(clean_dir, decisions, include_removed=True, include_decided=True)
    items = [item for item in queue if wanted_id in (item.id, printable(item.id))]
    if not items:
        raise LookupError(f"no passage {wanted_id!r} under {clean_dir} (see `cleaner review --list`)")
    if len({(item.document, text_hash(item.text)) for item in items}) > 1:
        raise LookupError(
            f"{wanted_id!r} names different passages of {len(items)} documents "
            f"({', '.join(item.source for item in items)}): a verdict can't tell them apart; "
            "give their records distinct ids"
        )
    record(decisions_path, items[0].document, items[0].span, items[0].text, verdict)
    return items
