"""Run the cleaner over input files: incremental, parallel, one output set per file.

Workers read, clean and write the outputs of one file each and hand back its
index lines; the parent records a file in the manifest only after its outputs
are written, and writes the index and run stats in input order, so the outputs
are the same bytes whatever the number of workers.
"""

from __future__ import annotations

import fcntl
import hashlib
import multiprocessing
import os
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from cleaner.ingest import InputError, InputFile, RawRecord, discover, read_records
from cleaner.model import Document
from cleaner.pipeline import Cleaner, Settings
from cleaner.write import (
    INDEX_NAME,
    STATS_NAME,
    Manifest,
    atomic_writer,
    dumps,
    error_entry,
    index_entry,
    output_path,
    remove_stale_temporaries,
    sidecar,
    write_atomic,
)

LOCK_NAME = ".lock"


class OutputLocked(RuntimeError):
    """Another run is writing to the same output folder."""


@dataclass
class FileResult:
    """What cleaning one input file produced, sent back from a worker."""

    key: str
    sha256: str
    outputs: list[str]
    index: list[dict[str, Any]]
    removed_by_category: Counter[str] = field(default_factory=Counter)
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    complete: bool = True


@dataclass
class RunSummary:
    """Figures of a whole run, for the one-line summary and ``_stats.json``."""

    documents: int = 0
    unchanged_files: int = 0
    skipped_files: int = 0
    errors: int = 0
    guarded: int = 0
    chars_in: int = 0
    chars_out: int = 0
    flagged: int = 0
    removed_by_category: Counter[str] = field(default_factory=Counter)
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    error_messages: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    versions: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "unchanged_files": self.unchanged_files,
            "skipped_files": self.skipped_files,
            "errors": self.errors,
            "guarded": self.guarded,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "flagged": self.flagged,
            "removed_by_category": dict(sorted(self.removed_by_category.items())),
            "removed_by_rule": dict(sorted(self.removed_by_rule.items())),
            "error_messages": self.error_messages,
            "seconds": round(self.seconds, 3),
            "versions": self.versions,
        }

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        removed = ", ".join(f"{name} {count}" for name, count in self.removed_by_category.most_common())
        return (
            f"{self.documents} documents cleaned ({self.unchanged_files} files unchanged, "
            f"{self.skipped_files} skipped, {self.errors} errors, {self.guarded} guarded); "
            f"chars {self.chars_in:,} -> {self.chars_out:,}; "
            f"removed {sum(self.removed_by_category.values())}"
            + (f" ({removed})" if removed else "")
            + f"; flagged {self.flagged}; {self.seconds:.1f}s"
        )


_WORKER: tuple[Cleaner, Path, bool] | None = None


def _init_worker(settings: Settings, out: Path, debug: bool) -> None:
    global _WORKER
    _WORKER = (Cleaner(settings), out, debug)


def _process(item: InputFile) -> FileResult:
    assert _WORKER is not None, "worker not initialised"
    cleaner, out, debug = _WORKER
    return clean_file(cleaner, item, out, debug)


def clean_file(cleaner: Cleaner, item: InputFile, out: Path, debug: bool = False) -> FileResult:
    """Clean every record of one input file and write its outputs; errors become index lines."""
    key = str(item.path)
    result = FileResult(key=key, sha256=file_digest(item.path), outputs=[], index=[])
    versions = cleaner.versions
    try:
        records = read_records(item)
        if item.kind == "jsonl":
            target = output_path(out, item.rel, ".jsonl")
            with atomic_writer(target) as handle:
                for record in records:
                    cleaned = _clean_one(cleaner, record, item, result, debug)
                    if cleaned is not None:
                        document, text = cleaned
                        handle.write(dumps({**sidecar(document, versions), "text": text}) + "\n")
            result.outputs.append(target.relative_to(out.resolve()).as_posix())
        else:
            for record in records:
                cleaned = _clean_one(cleaner, record, item, result, debug)
                if cleaned is not None:
                    document, text = cleaned
                    text_path = output_path(out, item.rel, ".txt")
                    side_path = output_path(out, item.rel, ".json")
                    write_atomic(side_path, dumps(sidecar(document, versions)) + "\n")
                    write_atomic(text_path, text)
                    root = out.resolve()
                    result.outputs += [p.relative_to(root).as_posix() for p in (text_path, side_path)]
    except (InputError, OSError, ValueError) as error:
        result.index.append(error_entry(item.rel, key, f"{item.path}: {error}", result.sha256))
        result.complete = False
    return result


def _clean_one(
    cleaner: Cleaner, record: RawRecord | InputError, item: InputFile, result: FileResult, debug: bool
) -> tuple[Document, str] | None:
    if isinstance(record, InputError):
        result.index.append(error_entry(item.rel, str(item.path), f"{item.path}: {record}", result.sha256))
        result.complete = False
        return None
    try:
        document = cleaner.clean(record, site_hint=item.rel.rpartition("/")[0])
        text = cleaner.clean_text(document)
    except Exception as error:  # one broken document must not stop the run
        where = f"{item.path}" + (f" line {record.line}" if record.line else "")
        message = f"{where}: internal error: {type(error).__name__}: {error}"
        if debug:
            message += "\n" + traceback.format_exc()
        result.index.append(error_entry(record.id, record.source, message, record.sha256))
        result.complete = False
        return None
    result.index.append(index_entry(document, len(text)))
    for span in document.removed:
        if span.applied and span.status != "kept":
            result.removed_by_category[span.category] += 1
            result.removed_by_rule[span.reason] += 1
    return document, text


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes as stored (before gunzipping)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder, or raise :class:`OutputLocked`."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / LOCK_NAME).open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputLocked(f"{out} is in use by another cleaner run; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(
    inputs: list[Path],
    out: Path,
    settings: Settings,
    workers: int | None = None,
    force: bool = False,
    progress: bool = False,
    debug: bool = False,
) -> RunSummary:
    """Clean every new or changed input file into ``out``; see the module docstring."""
    started = time.perf_counter()
    files, skipped = discover(inputs)
    cleaner = Cleaner(settings)
    versions = cleaner.versions
    summary = RunSummary(skipped_files=len(skipped), versions=versions)
    with output_lock(out):
        remove_stale_temporaries(out)
        manifest = Manifest(out)
        todo = [
            f
            for f in files
            if force or not manifest.is_current(str(f.path), file_digest(f.path), versions, out)
        ]
        summary.unchanged_files = len(files) - len(todo)
        fresh: dict[str, FileResult] = {}
        for result in tqdm(
            _results(cleaner, todo, out, settings, workers, debug),
            total=len(todo),
            unit="file",
            disable=not progress,
            leave=False,
        ):
            fresh[result.key] = result
            summary.removed_by_category.update(result.removed_by_category)
            summary.removed_by_rule.update(result.removed_by_rule)
            manifest.record(
                {
                    "path": result.key,
                    "sha256": result.sha256,
                    "versions": versions,
                    "complete": result.complete,
                    "outputs": result.outputs,
                    "index": result.index,
                }
            )
        index: list[dict[str, Any]] = []
        for item in files:
            key = str(item.path)
            entries = fresh[key].index if key in fresh else manifest.entries[key]["index"]
            index.extend(entries)
            if key in fresh:
                _count(summary, entries)
        write_atomic(out / INDEX_NAME, "".join(dumps(entry) + "\n" for entry in index))
        manifest.compact([str(item.path) for item in files])
        summary.seconds = time.perf_counter() - started
        write_atomic(out / STATS_NAME, dumps(summary.as_dict()) + "\n")
    return summary


def _count(summary: RunSummary, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        if entry["status"] == "error":
            summary.errors += 1
            first, _, trace = entry["error"].partition("\n")
            summary.error_messages.append(first)
            if trace:
                summary.tracebacks.append(trace)
            continue
        summary.documents += 1
        summary.guarded += entry["status"] == "guarded"
        summary.chars_in += entry["chars_in"]
        summary.chars_out += entry["chars_out"]
        summary.flagged += entry["flagged"]


def _results(
    cleaner: Cleaner, todo: list[InputFile], out: Path, settings: Settings, workers: int | None, debug: bool
) -> Iterator[FileResult]:
    count = min(workers or os.cpu_count() or 1, max(len(todo), 1))
    if count <= 1:
        for item in todo:
            yield clean_file(cleaner, item, out, debug)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(count, initializer=_init_worker, initargs=(settings, out, debug)) as pool:
        yield from pool.imap(_process, todo, chunksize=1)
