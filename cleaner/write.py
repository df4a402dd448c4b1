"""Outputs: clean text, sidecars, the index, run stats and the manifest, all written atomically.

A file appears complete or not at all: it is written to a temporary name in
the same folder, flushed to disk and renamed over the target.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from cleaner.model import Document, Span, render
from cleaner.review.sidecars import flagged_span, removed_span

MANIFEST_NAME = "_manifest.jsonl"
INDEX_NAME = "index.jsonl"
STATS_NAME = "_stats.json"
INDEX_PARTS = ".index"  # index lines of each JSONL or WARC input, kept out of the manifest


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """A text file handle whose content replaces ``path`` only when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(out: Path) -> int:
    """Delete temporary files a killed run left in ``out``; returns how many went."""
    stale = [p for p in out.rglob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def write_atomic(path: Path, content: str) -> None:
    """Replace ``path`` with ``content`` atomically."""
    with atomic_writer(path) as handle:
        handle.write(content)


def dumps(value: object) -> str:
    """Canonical JSON: the same value always gives the same bytes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(", ", ": "))


def sidecar(document: Document, versions: dict[str, object]) -> dict[str, Any]:
    """The audit record of one document: its text before cleaning and every span on it."""
    text = document.text
    return {
        "id": document.id,
        "source": document.source,
        "sha256": document.sha256,
        "lang": document.lang,
        "metadata": {key: document.metadata.get(key) for key in ("title", "author", "date", "url")},
        "text_before": text,
        "removed": [
            {
                "start": span.start,
                "end": span.end,
                "text": text[span.start : span.end],
                "rule": span.reason,
                "category": span.category,
                "score": span.score,
                "detail": span.detail,
                "status": "kept" if span.status == "kept" else ("applied" if span.applied else "guarded"),
            }
            for span in document.removed
        ],
        "flagged": [
            {
                "start": span.start,
                "end": span.end,
                "text": text[span.start : span.end],
                "score": span.score,
                "reason": span.detail,
                "model": span.reason,
                "status": span.status,
            }
            for span in document.flagged
        ],
        "versions": versions,
        "guard": document.guard or None,
        "warnings": document.warnings,
    }


def jsonl_record(document: Document, text: str, versions: dict[str, object]) -> dict[str, Any]:
    """A cleaned document as a line of a JSONL output: ``id`` and ``text`` first, then the sidecar.

    The shape datatrove and dolma read: ``id``, ``text`` and ``metadata`` (title,
    author, date, url) at the top level; the other fields are extra metadata to them.
    """
    record = sidecar(document, versions)
    return {"id": record.pop("id"), "text": text, **record}


def index_entry(document: Document, chars_out: int) -> dict[str, Any]:
    """One line of ``index.jsonl`` for a cleaned document."""
    return {
        "id": document.id,
        "source": document.source,
        "sha256": document.sha256,
        "lang": document.lang,
        "chars_in": len(document.text),
        "chars_out": chars_out,
        "removed": sum(1 for s in document.removed if s.applied and s.status != "kept"),
        "flagged": len(document.flagged),
        "status": "guarded" if document.guard else "ok",
        "error": None,
    }


def error_entry(doc_id: str, source: str, message: str, sha256: str = "") -> dict[str, Any]:
    """One line of ``index.jsonl`` for a document or file that could not be cleaned."""
    return {
        "id": doc_id,
        "source": source,
        "sha256": sha256,
        "lang": None,
        "chars_in": 0,
        "chars_out": 0,
        "removed": 0,
        "flagged": 0,
        "status": "error",
        "error": message,
    }


def output_path(out: Path, rel: str, suffix: str) -> Path:
    """``out/<rel><suffix>``, refusing any path that would leave ``out``."""
    target = (out / (rel + suffix)).resolve()
    if not target.is_relative_to(out.resolve()):
        raise ValueError(f"output path {rel + suffix!r} escapes {out}")
    return target


class Manifest:
    """What earlier runs produced: per input file, its hash, the versions used and its index lines.

    The index lines are kept inline for a one-document file; for a JSONL or WARC
    file ``index`` names the file under the output folder that holds them.

    Kept as an append-only journal, one line per finished file, appended only after
    that file's outputs are in place; a run killed half-way leaves at worst a torn
    last line, which is ignored. ``compact`` rewrites it atomically at the end.
    """

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST_NAME
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    self.entries[entry["path"]] = entry

    def is_current(self, key: str, sha256: str, versions: dict[str, object], out: Path) -> bool:
        """Whether the file was cleaned before, unchanged, with the same rules and models."""
        entry = self.entries.get(key)
        return (
            entry is not None
            and entry.get("complete") is True
            and entry.get("sha256") == sha256
            and entry.get("versions") == versions
            and all((out / name).exists() for name in entry.get("outputs", []))
        )

    def record(self, entry: dict[str, Any]) -> None:
        """Append a finished file's entry (after its outputs were written)."""
        self.entries[entry["path"]] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def compact(self, keep: list[str]) -> None:
        """Rewrite the journal with one line per file still among the inputs."""
        lines = [dumps(self.entries[key]) + "\n" for key in sorted(keep) if key in self.entries]
        write_atomic(self.path, "".join(lines))


def spans_from_sidecar(record: dict[str, Any]) -> list[Span]:
    """The spans a sidecar records, ready for :func:`cleaner.model.render`."""
    return [removed_span(item) for item in record["removed"]] + [
        flagged_span(item) for item in record["flagged"]
    ]


def rebuild_clean_text(record: dict[str, Any], withhold_flagged: bool = True) -> str:
    """The clean text, rebuilt from a sidecar alone (``text_before`` and its spans)."""
    return render(record["text_before"], spans_from_sidecar(record), withhold_flagged)
