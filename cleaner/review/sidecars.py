"""Reading a clean directory back: the sidecars, the index, and their spans.

A sidecar is ``<rel>.json`` beside ``<rel>.txt``; JSONL outputs hold one
sidecar-shaped record (plus ``text``) per line in ``<rel>.jsonl``. Files whose
names start with ``_`` and ``index.jsonl`` are the run's own bookkeeping.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeGuard

from cleaner.model import Span

Sidecar = dict[str, Any]
INDEX = "index.jsonl"

log = logging.getLogger(__name__)


def _is_sidecar(record: object) -> TypeGuard[Sidecar]:
    return (
        isinstance(record, dict)
        and isinstance(record.get("id"), str)
        and isinstance(record.get("text_before"), str)
    )


def _sidecar_files(clean_dir: Path) -> list[Path]:
    files = [
        path
        for pattern in ("*.json", "*.jsonl")
        for path in clean_dir.rglob(pattern)
        if path.is_file() and not path.name.startswith("_") and path.name != INDEX
    ]
    return sorted(files, key=lambda path: path.relative_to(clean_dir).as_posix())


def _json_lines(path: Path, handle: BinaryIO, what: str) -> Iterator[object]:
    """The JSON value of each non-blank line of ``handle`` (``path`` open as bytes, so a line
    that is not UTF-8 is that line's problem); a bad line is logged as a bad ``what`` and skipped."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as error:
            log.warning("%s:%d: skipped bad %s (%s)", path, number, what, error)
            continue
        yield value


def _file_records(path: Path) -> Iterator[Sidecar]:
    """The document records of one output file, read as they come (a JSONL one line at a time);
    an unreadable file or line is logged and skipped."""
    try:
        with path.open("rb") as handle:
            if path.suffix == ".json":
                try:
                    records: Iterable[object] = [json.load(handle)]
                except ValueError as error:
                    log.warning("%s: skipped unreadable file (%s)", path, error)
                    return
            else:
                records = _json_lines(path, handle, "line")
            yield from (record for record in records if _is_sidecar(record))
    except OSError as error:
        log.warning("%s: skipped unreadable file (%s)", path, error)


def iter_sidecars(clean_dir: Path) -> Iterator[Sidecar]:
    """Every document record under ``clean_dir``, in path order; unreadable files are logged and skipped."""
    for path in _sidecar_files(clean_dir):
        yield from _file_records(path)


def iter_documents(clean_dir: Path) -> Iterator[Sidecar]:
    """Every document under ``clean_dir`` with its clean text: ``id``, ``text``, then the sidecar.

    A JSONL output's records hold their text; a ``<rel>.json`` sidecar's text is the
    ``<rel>.txt`` beside it, as the run wrote it. A sidecar without its text file is
    logged and skipped, like an unreadable file.
    """
    for path in _sidecar_files(clean_dir):
        for record in _file_records(path):
            if path.suffix == ".jsonl":
                yield record
                continue
            try:
                text = path.with_suffix(".txt").read_text(encoding="utf-8")
            except (OSError, ValueError) as error:
                log.warning("%s: skipped, its clean text can't be read (%s)", path, error)
                continue
            yield {"id": record["id"], "text": text} | {k: v for k, v in record.items() if k != "id"}


def read_index(clean_dir: Path) -> list[dict[str, Any]]:
    """The rows of ``clean_dir/index.jsonl`` (empty when there is none); bad lines are logged and skipped."""
    path = clean_dir / INDEX
    return list(index_rows(path)) if path.exists() else []


def index_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of an index file (``index.jsonl``, or a JSONL input's part of it), read as they
    come; bad lines are logged and skipped."""
    with path.open("rb") as handle:
        yield from (row for row in _json_lines(path, handle, "index line") if isinstance(row, dict))


def removed_span(entry: dict[str, Any]) -> Span:
    """A sidecar ``removed`` entry as a span (``guarded`` and ``kept`` ones were not cut)."""
    status = entry.get("status", "applied")
    return Span(
        start=int(entry["start"]),
        end=int(entry["end"]),
        action="removed",
        reason=str(entry.get("rule", "")),
        category=str(entry.get("category", "")),
        score=entry.get("score"),
        detail=str(entry.get("detail", "")),
        status="kept" if status == "kept" else "pending",
        applied=status == "applied",
    )


def flagged_span(entry: dict[str, Any]) -> Span:
    """A sidecar ``flagged`` entry as a span: ``model`` is the span's reason, ``reason`` its detail."""
    status = entry.get("status", "pending")
    return Span(
        start=int(entry["start"]),
        end=int(entry["end"]),
        action="flagged",
        reason=str(entry.get("model", "")),
        category=str(entry.get("category", "flagged")),
        score=entry.get("score"),
        detail=str(entry.get("reason", "")),
        status=status if status in ("kept", "dropped") else "pending",
    )
