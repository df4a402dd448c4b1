"""Outputs: clean text, sidecars, the index, run stats and the manifest, all written atomically.

A file appears complete or not at all: it is written to a temporary name in
the same folder and renamed over the target. The files of single documents are
not flushed to disk one by one (an fsync each would cost more than cleaning a
short article); the manifest commits them in groups instead: one flush of the
output folder's filesystem, then the journal lines naming them
(:meth:`Manifest.commit`). So after a crash or a power cut, a file the manifest
names is on disk whole, and a file it doesn't name is cleaned again.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from cleaner.model import Document, Span, render
from cleaner.review.sidecars import flagged_span, removed_span

MANIFEST_NAME = "_manifest.jsonl"
INDEX_NAME = "index.jsonl"
STATS_NAME = "_stats.json"
INDEX_PARTS = ".index"  # index lines of each JSONL or WARC input, kept out of the manifest


# The manifest flushes the output folder and commits the files finished since at most this often.
COMMIT_SECONDS = 2.0
_NUMBERS = itertools.count()


def _temporary(path: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside ``path`` (its folder made when missing), open for writing.

    Named ``.<name>.<pid>.<n>.tmp``: unique within the process, and its mode follows
    the umask as a file made in place would. A long name is cut to its first 64 characters
    there, so that any name the folder takes takes its temporary too.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    made_folder = False
    while True:
        temporary = path.parent / f".{path.name[:64]}.{os.getpid()}.{next(_NUMBERS)}.tmp"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue  # left by a killed process that had the same pid
        except FileNotFoundError:
            if made_folder:
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
            made_folder = True


@contextmanager
def _replacing(path: Path, mode: str, durable: bool) -> Iterator[Any]:
    descriptor, temporary = _temporary(path)
    try:
        with open(descriptor, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_writer(path: Path, durable: bool = True) -> AbstractContextManager[TextIO]:
    """A text file handle whose content replaces ``path`` only when the block succeeds.

    ``durable``: flushed to disk before the rename; else left to a later :func:`sync_folder`.
    """
    return _replacing(path, "w", durable)


def remove_stale_temporaries(out: Path) -> int:
    """Delete temporary files a killed run left in ``out``; returns how many went."""
    stale = [p for p in out.rglob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def write_atomic(path: Path, content: str, durable: bool = True) -> None:
    """Replace ``path`` with ``content`` atomically (``durable`` as for :func:`atomic_writer`)."""
    handle: BinaryIO
    with _replacing(path, "wb", durable) as handle:
        handle.write(content.encode("utf-8"))


def _load_syncfs() -> Callable[[int], int] | None:
    try:
        function: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None
    return function


_SYNCFS = _load_syncfs()


def sync_folder(folder: Path) -> None:
    """Flush everything written to the filesystem holding ``folder`` to disk (all of them without syncfs)."""
    if _SYNCFS is None:
        os.sync()
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        if _SYNCFS(descriptor) != 0:
            number = ctypes.get_errno()
            raise OSError(number, f"can't flush {folder} to disk: {os.strerror(number)}")
    finally:
        os.close(descriptor)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def dumps(value: object) -> str:
    """Canonical JSON: the same value always gives the same bytes."""
    return _ENCODER.encode(value)


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
        # Both in force: a cut the guard withdrew or a reviewer kept counts in neither.
        "removed": sum(1 for s in document.removed if s.applied and s.status != "kept"),
        "flagged": sum(1 for s in document.flagged if s.status != "kept"),
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
    """``out/<rel><suffix>`` with its folder resolved, refusing any path that would leave ``out``.

    The file itself is never followed: it is replaced, not written through.
    """
    folder, _, name = (rel + suffix).rpartition("/")
    parent = _resolved(os.path.abspath(out), folder)
    if not name or name == ".." or not parent.is_relative_to(output_root(out)):
        raise ValueError(f"output path {rel + suffix!r} escapes {out}")
    return parent / name


def output_root(out: Path) -> Path:
    """The output folder, resolved (output paths are relative to it)."""
    return _resolved(os.path.abspath(out), "")


@lru_cache(maxsize=4096)
def _resolved(out: str, folder: str) -> Path:
    # The documents of one folder come one after another: one resolve a folder, not one a file.
    return Path(out, folder).resolve()


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
        self.pending: list[str] = []  # journal lines of files whose outputs may not be on disk yet
        self.committed = time.monotonic()
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

    def names(self) -> dict[str, str]:
        """The name (``rel``) each file was cleaned under, by key (from its outputs, in an entry
        written before entries recorded it)."""
        names = {}
        for key, entry in self.entries.items():
            rel, outputs = entry.get("rel"), entry.get("outputs") or [""]
            if not isinstance(rel, str) and outputs[0].endswith((".txt", ".jsonl")):
                rel = outputs[0].rsplit(".", 1)[0]
            if isinstance(rel, str):
                names[key] = rel
        return names

    def owners(self) -> dict[str, str]:
        """The file (its key) that wrote each output."""
        return {name: key for key, entry in self.entries.items() for name in entry.get("outputs", [])}

    def record(self, entry: dict[str, Any]) -> None:
        """Note a finished file's entry (after its outputs were written); committed in groups."""
        self.entries[entry["path"]] = entry
        self.pending.append(dumps(entry) + "\n")
        if time.monotonic() - self.committed >= COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        """Flush the output folder to disk, then append the entries noted since the last commit."""
        if self.pending:
            sync_folder(self.path.parent)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.writelines(self.pending)
            self.pending.clear()
        self.committed = time.monotonic()

    def compact(self, keep: list[str]) -> None:
        """Rewrite the journal with one line per file still among the inputs (all outputs on disk)."""
        sync_folder(self.path.parent)
        self.pending.clear()
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
