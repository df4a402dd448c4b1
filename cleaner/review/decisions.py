"""Reviewers' decisions: an append-only JSONL file that later runs apply.

Each line records one verdict on one passage: ``keep`` (the text belongs in the
article), ``drop`` (confirm the cut) or ``undo`` (clear the verdict on that
passage, which is pending again). Nothing is ever rewritten, so the file can be committed and
diffed; when lines disagree, the later one wins.

A decision is matched to a span by document id and a hash of the passage text,
not by offsets alone, so it follows its passage when rule changes shift the
offsets. When several spans share the text, the closest offsets win.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, get_args

from cleaner.model import Action, Span

Verdict = Literal["keep", "drop"]
LineVerdict = Literal["keep", "drop", "undo"]
DEFAULT_PATH = Path("reviews/decisions.jsonl")

log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    """The passage key: sha256 (first 16 hex digits) of the text with whitespace runs collapsed.

    Collapsing whitespace keeps a decision attached when extraction only
    changes line breaks or spacing around the passage.
    """
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    """One line of the decisions file."""

    document: str
    action: Action
    start: int
    end: int
    text_hash: str
    rule: str
    decision: LineVerdict
    time: str
    text: str

    @property
    def key(self) -> tuple[str, str, str, int, int]:
        """What a later line must share to overrule this one."""
        return (self.document, self.action, self.text_hash, self.start, self.end)


def record(path: Path, document: str, span: Span, text: str, decision: LineVerdict) -> None:
    """Append a verdict on ``span`` (whose text is ``text``) and force it to disk.

    ``undo`` clears the verdict on the same passage (same action and offsets). The parent
    directories are created as needed.
    """
    if len(text) != span.end - span.start:
        raise ValueError(
            f"text has {len(text)} characters but span {span.start}..{span.end} covers "
            f"{span.end - span.start}: pass the passage text, not the document"
        )
    if decision not in get_args(LineVerdict):
        raise ValueError(f"decision must be one of {get_args(LineVerdict)}, not {decision!r}")
    line = Decision(
        document=document,
        action=span.action,
        start=span.start,
        end=span.end,
        text_hash=text_hash(text),
        rule=span.reason,
        decision=decision,
        time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        text=text,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(line), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _parse(raw: str) -> Decision:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("action") not in get_args(Action):
        raise ValueError(f"bad action {data.get('action')!r}")
    if data.get("decision") not in get_args(LineVerdict):
        raise ValueError(f"bad decision {data.get('decision')!r}")
    start, end = data.get("start"), data.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
        raise ValueError(f"bad offsets {start!r}..{end!r}")
    strings = [data.get(name) for name in ("document", "text_hash", "rule", "time", "text")]
    if not all(isinstance(value, str) for value in strings):
        raise ValueError("document, text_hash, rule, time and text must be strings")
    return Decision(
        document=data["document"],
        action=data["action"],
        start=start,
        end=end,
        text_hash=data["text_hash"],
        rule=data["rule"],
        decision=data["decision"],
        time=data["time"],
        text=data["text"],
    )


class Decisions:
    """The verdicts in force, read once per run from a decisions file."""

    def __init__(self, entries: Iterable[Decision] = ()) -> None:
        self.entries: list[Decision] = list(entries)
        self.warnings: list[str] = []
        self._by_document: dict[str, dict[str, list[Decision]]] = {}
        for entry in self.entries:
            self._by_document.setdefault(entry.document, {}).setdefault(entry.text_hash, []).append(entry)

    @classmethod
    def load(cls, path: Path) -> Decisions:
        """Read ``path``; a missing file means no decisions, bad lines are skipped (see ``warnings``)."""
        latest: dict[tuple[str, str, str, int, int], Decision] = {}
        problems: list[str] = []
        if path.exists():
            with path.open("rb") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        entry = _parse(line.decode("utf-8"))
                    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
                        problems.append(f"{path}:{number}: skipped bad decision line ({error})")
                        continue
                    latest.pop(entry.key, None)  # re-insert so dict order follows the latest line
                    if entry.decision != "undo":
                        latest[entry.key] = entry
        decisions = cls(latest.values())
        decisions.warnings = problems  # the caller reports them once: on its command line, or log_warnings
        return decisions

    def log_warnings(self) -> None:
        """Log the bad lines of the file read (for callers with no command line to print them on)."""
        for warning in self.warnings:
            log.warning(warning)

    def __len__(self) -> int:
        return len(self.entries)

    def version(self, documents: Iterable[str]) -> str | None:
        """What the verdicts in force on ``documents`` say, as a digest (None: no verdict): a
        document is cleaned again when its own verdicts change, not when others' do."""
        decided = {document for document in documents if document in self._by_document}
        named = sorted(
            (entry.document, entry.action, entry.start, entry.end, entry.text_hash, entry.decision)
            for document in decided
            for entries in self._by_document[document].values()
            for entry in entries
        )
        if not named:
            return None
        return "decisions-" + hashlib.sha256(json.dumps(named).encode("utf-8")).hexdigest()[:12]

    def match(self, document: str, text: str, spans: list[Span]) -> list[Decision | None]:
        """The decision that applies to each span of ``document`` (``None`` where there is none).

        Each decision settles at most one span and each span takes at most one
        decision; pairs are made greedily, same action first, then nearest offsets.
        """
        matched: list[Decision | None] = [None] * len(spans)
        by_hash = self._by_document.get(document)
        if not by_hash:
            return matched
        pairs: list[tuple[bool, int, int, int, Decision]] = []
        for index, span in enumerate(spans):
            candidates = by_hash.get(text_hash(text[span.start : span.end]), [])
            for order, entry in enumerate(candidates):
                distance = abs(entry.start - span.start) + abs(entry.end - span.end)
                pairs.append((entry.action != span.action, distance, index, order, entry))
        used: set[int] = set()
        for _, _, index, _, entry in sorted(pairs, key=lambda pair: pair[:4]):
            if matched[index] is None and id(entry) not in used:
                matched[index] = entry
                used.add(id(entry))
        return matched

    def apply(self, document: str, text: str, spans: list[Span]) -> list[Span]:
        """``spans`` with the reviewers' verdicts applied (same order, undecided spans unchanged).

        A flagged span becomes ``kept`` (its text returns) or ``dropped``. A
        removed span with ``keep`` overrules its rule: status ``kept`` and
        ``applied=False`` so :func:`cleaner.model.render` leaves the text in;
        ``drop`` on a removed span confirms the cut and changes nothing.
        """
        result = []
        for span, entry in zip(spans, self.match(document, text, spans), strict=True):
            if entry is None:
                result.append(span)
            elif span.action == "flagged":
                result.append(span.with_changes(status="kept" if entry.decision == "keep" else "dropped"))
            elif entry.decision == "keep":
                result.append(span.with_changes(status="kept", applied=False))
            else:
                result.append(span)
        return result
