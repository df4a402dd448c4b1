"""Run the cleaner over input files: incremental, streaming, parallel, the same bytes on any engine.

The parent reads the inputs one record at a time. A JSONL or WARC file is cut
into batches of records; a one-document file (.txt, .html, .json) travels as its
path and the worker reads it. Units of work go to an engine (this process, a pool
of worker processes, or a Dask cluster) with a bounded number in flight, and
their results are taken back in input order, so memory stays flat however big
the corpus. A worker writes the outputs of a one-document file itself; the
parent appends the records of a JSONL or WARC file to its output as their
batches come back. A file is recorded in the manifest only after all its
outputs are in place, and the index and run stats are written in input order:
the outputs are the same bytes whatever the engine and the number of workers.

When the site-lines stage is on, a survey pass goes first over the same engine: the
files new or changed since the last run are read and their documents' short lines
counted per site (cleaner/sitelines), the table of lines learned as site boilerplate is
written to the output folder, and workers load it once. A file's manifest versions
include those of its sites' learned lines, so new statistics for a site re-clean that
site's files. The survey keeps each HTML page's extraction on disk for the cleaning
pass (cleaner/extraction_cache.py), so a page is extracted once per run.

The survey also fingerprints every record's passages; the store then finds, for each
record, the passages another record of the run holds more (cleaner/offtopic/provenance.py).
The parent reads a unit's findings from the store as it makes the unit, and a digest of
a file's findings joins its manifest versions, so a source article added later re-cleans
the pages that took from it.
"""

from __future__ import annotations

import fcntl
import math
import multiprocessing
import os
import shutil
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TextIO

from tqdm import tqdm

from cleaner.extraction_cache import CACHE_NAME, ExtractionCache
from cleaner.ingest import (
    MULTI_RECORD_KINDS,
    InputError,
    InputFile,
    RawRecord,
    RecordStream,
    Unparsed,
    discover,
    file_digest,
    file_origin,
    gone,
    name_problem,
)
from cleaner.limits import DocumentTimeout, Limits, time_limit, timeout_message
from cleaner.model import Document
from cleaner.offtopic.provenance import Sources
from cleaner.pipeline import SURVEY_VERSION, Cleaner, Extracted, Settings, extract, survey
from cleaner.review.decisions import Decisions
from cleaner.review.report import REPORT_NAME
from cleaner.review.sidecars import index_rows
from cleaner.sitelines import STORE_NAME, TABLE_NAME, Allowlist, SiteLines, SiteLineStore, Surveyed
from cleaner.write import (
    INDEX_NAME,
    INDEX_PARTS,
    MANIFEST_NAME,
    STATS_NAME,
    Manifest,
    atomic_writer,
    dumps,
    error_entry,
    index_entry,
    jsonl_record,
    output_path,
    output_root,
    remove_stale_temporaries,
    sidecar,
    write_atomic,
)

LOCK_NAME = ".lock"
# Sources of ``count`` records of a file from the ``first``: SiteLineStore.sources.
SourceLookup = Callable[[str, int, int], list[Sources]]
# A file's index lines as the manifest keeps them: inline, or the file under the output folder holding them.
Index = list[dict[str, Any]] | str
# The run's own files beside the outputs, which no input's output may overwrite.
_RUN_FILES = frozenset({INDEX_NAME, MANIFEST_NAME, STATS_NAME, TABLE_NAME, REPORT_NAME})
# A unit of work: at most this many documents, or this many bytes of them.
BATCH_DOCS = 32
BATCH_BYTES = 4 << 20


class OutputLocked(RuntimeError):
    """Another run is writing to the same output folder."""


@dataclass(frozen=True)
class Job:
    """What every unit of work needs besides its documents."""

    settings: Settings
    versions: dict[str, object]
    out: Path
    limits: Limits = field(default_factory=Limits)
    debug: bool = False
    survey: bool = False  # the survey pass of the site-lines stage rather than cleaning
    # Where the survey pass keeps its HTML extractions for the cleaning pass (None: not kept).
    extractions: Path | None = None
    # Origins of the records the survey pass stopped at the time limit: the cleaning pass reports
    # them without trying again (the next run does).
    survey_timeouts: frozenset[str] = frozenset()

    @property
    def cache(self) -> ExtractionCache | None:
        """The survey pass's HTML records and extractions, when the run keeps them."""
        return ExtractionCache(self.extractions) if self.extractions else None


@dataclass(frozen=True)
class FileUnit:
    """A one-document file: the worker reads it, cleans it and writes its outputs."""

    item: InputFile
    sources: Sources = field(default_factory=dict)  # its passages other articles hold more


@dataclass(frozen=True)
class RecordBatch:
    """Consecutive records of a JSONL or WARC file, as the parent read them (the worker parses them)."""

    item: InputFile
    records: list[Unparsed]
    sources: list[Sources] = field(default_factory=list)  # per record (none: an empty list)


Unit = FileUnit | RecordBatch


@dataclass(frozen=True)
class FileEnd:
    """The parent's note that a JSONL or WARC file has no more records."""

    item: InputFile
    sha256: str
    skipped: int
    error: str | None


@dataclass
class Outcome:
    """What cleaning one unit produced, sent back to the parent."""

    index: list[dict[str, Any]] = field(default_factory=list)
    records: bytes = b""  # output lines of a JSONL or WARC batch, UTF-8, ready to append
    outputs: list[str] = field(default_factory=list)  # files written for a one-document file
    sha256: str = ""  # of a one-document file
    removed_by_category: Counter[str] = field(default_factory=Counter)
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    # False when a document failed in a way the next run may not repeat (a time limit, an
    # internal or OS error): the file is cleaned again. An input error (bytes that are no
    # record) repeats on the same bytes, so its file is complete with its error lines.
    complete: bool = True
    surveyed: list[Surveyed | None] = field(default_factory=list)  # the survey pass's result, per record
    timed_out: list[str] = field(default_factory=list)  # origins of records the survey pass stopped


@dataclass
class RunSummary:
    """Figures of a whole run, for the one-line summary and ``_stats.json``."""

    documents: int = 0
    unchanged_files: int = 0
    skipped_files: int = 0
    skipped_records: int = 0
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
    site_lines: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "unchanged_files": self.unchanged_files,
            "skipped_files": self.skipped_files,
            "skipped_records": self.skipped_records,
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
            "site_lines": self.site_lines,
        }

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        removed = ", ".join(f"{name} {count}" for name, count in self.removed_by_category.most_common())
        skipped_records = (
            f", {self.skipped_records} WARC records not 2xx HTML" if self.skipped_records else ""
        )
        return (
            f"{self.documents} documents cleaned ({self.unchanged_files} files unchanged, "
            f"{self.skipped_files} skipped{skipped_records}, {self.errors} errors, {self.guarded} guarded); "
            f"chars {self.chars_in:,} -> {self.chars_out:,}; "
            f"removed {sum(self.removed_by_category.values())}"
            + (f" ({removed})" if removed else "")
            + f"; flagged {self.flagged}"
            + (
                f"; site lines: {self.site_lines['lines_learned']} learned "
                f"for {self.site_lines['sites_learned']} sites"
                if self.site_lines
                else ""
            )
            + f"; {self.seconds:.1f}s"
        )


# ---------------------------------------------------------------- the worker side


_CLEANERS: dict[Settings, Cleaner] = {}


def cleaner_for(job: Job) -> Cleaner:
    """This process's cleaner for the job, made on first use: rules and models load once."""
    cleaner = _CLEANERS.get(job.settings)
    if cleaner is None or cleaner.versions != job.versions:
        cleaner = _CLEANERS[job.settings] = Cleaner(job.settings)
        if cleaner.versions != job.versions:
            raise RuntimeError(
                f"this worker's rules or models ({cleaner.versions}) differ from the run's ({job.versions})"
            )
    return cleaner


def process(job: Job, units: list[Unit]) -> list[Outcome]:
    """Clean (or survey) some units of work: the function every engine runs, in the parent or a worker."""
    if job.survey:
        return [_survey(job, unit) for unit in units]
    cleaner = cleaner_for(job)
    return [
        _clean_file(cleaner, job, unit) if isinstance(unit, FileUnit) else _clean_batch(cleaner, job, unit)
        for unit in units
    ]


def _clean_file(cleaner: Cleaner, job: Job, unit: FileUnit) -> Outcome:
    """Read, clean and write a one-document file; a problem becomes its index line."""
    item = unit.item
    outcome = Outcome()
    stream = RecordStream(item, job.limits.max_doc_bytes)
    try:
        (record,) = stream
        outcome.sha256 = stream.digest()
        cache, extracted, timed_out = job.cache, None, False
        if isinstance(record, RawRecord) and (cache or job.survey_timeouts):
            origin = file_origin(record)
            timed_out = origin in job.survey_timeouts
            kept = cache.get(origin) if cache and record.is_html else None
            extracted = kept[1] if kept else None
        cleaned = _clean_one(cleaner, job, record, item, outcome, extracted, timed_out, unit.sources)
        if cleaned is not None:
            document, text = cleaned
            text_path = output_path(job.out, item.rel, ".txt")
            side_path = output_path(job.out, item.rel, ".json")
            # Not flushed one by one: the parent's manifest commits them in groups (cleaner/write.py).
            sidecar_json = dumps(sidecar(document, cleaner.document_versions(document)))
            write_atomic(side_path, sidecar_json + "\n", durable=False)
            write_atomic(text_path, text, durable=False)
            root = output_root(job.out)
            outcome.outputs += [p.relative_to(root).as_posix() for p in (text_path, side_path)]
    except (InputError, OSError, ValueError) as error:
        outcome.sha256 = outcome.sha256 or getattr(error, "sha256", "") or _digest_or_blank(item.path)
        outcome.index.append(error_entry(item.rel, str(item.path), f"{item.path}: {error}", outcome.sha256))
        outcome.complete = not isinstance(error, OSError)
    return outcome


def _clean_batch(cleaner: Cleaner, job: Job, batch: RecordBatch) -> Outcome:
    """Clean a batch of records of one JSONL or WARC file into output lines, in order."""
    outcome = Outcome()
    lines = []
    cache = job.cache
    for number, unparsed in enumerate(batch.records):
        record, extracted = _read(unparsed, cache)
        timed_out = not isinstance(unparsed, InputError) and unparsed.origin in job.survey_timeouts
        sources = batch.sources[number] if batch.sources else None
        cleaned = _clean_one(cleaner, job, record, batch.item, outcome, extracted, timed_out, sources)
        if cleaned is not None:
            document, text = cleaned
            lines.append(dumps(jsonl_record(document, text, cleaner.document_versions(document))) + "\n")
    outcome.records = "".join(lines).encode("utf-8")
    return outcome


def _read(
    unparsed: Unparsed, cache: ExtractionCache | None
) -> tuple[RawRecord | InputError, Extracted | None]:
    """A record of a batch as parsed, or as the survey pass kept it, with its extraction."""
    if isinstance(unparsed, InputError):
        return unparsed, None
    kept = cache.get(unparsed.origin) if cache else None
    return kept or (unparsed.parse(), None)


def _clean_one(
    cleaner: Cleaner,
    job: Job,
    record: RawRecord | InputError,
    item: InputFile,
    outcome: Outcome,
    extracted: Extracted | None,
    timed_out: bool = False,
    sources: Sources | None = None,
) -> tuple[Document, str] | None:
    """Clean one record (``extracted``: its extraction, when kept; ``sources``: its passages other
    articles hold more) within the time limit; an error becomes its index line. ``timed_out``:
    the survey pass stopped it at the limit already."""
    if isinstance(record, InputError):
        doc_id = record.doc_id or item.rel
        outcome.index.append(error_entry(doc_id, str(item.path), f"{item.path}: {record}", record.sha256))
        return None
    # Named as input errors name them: "feed.jsonl: line 3: ...", "crawl.warc: record <id>: ...".
    where = f"{item.path}" + (f": line {record.line}" if record.line else "")
    where += f": record {record.id}" if item.kind == "warc" else ""
    try:
        if timed_out:
            raise DocumentTimeout  # not tried a second time in this run
        with time_limit(job.limits.doc_timeout):
            document = cleaner.clean(record, item.rel.rpartition("/")[0], extracted, sources)
            text = cleaner.clean_text(document)
    except DocumentTimeout:
        message = f"{where}: {timeout_message(job.limits.doc_timeout or 0)}"
    except Exception as error:  # one broken document must not stop the run
        message = f"{where}: internal error: {type(error).__name__}: {error}"
        if job.debug:
            message += "\n" + traceback.format_exc()
    else:
        outcome.index.append(index_entry(document, len(text)))
        for span in document.removed:
            if span.applied and span.status != "kept":
                outcome.removed_by_category[span.category] += 1
                outcome.removed_by_rule[span.reason] += 1
        return document, text
    outcome.index.append(error_entry(record.id, record.source, message, record.sha256))
    outcome.complete = False
    return None


def _survey(job: Job, unit: Unit) -> Outcome:
    """Each record's site and distinct short lines; a record that can't be read or takes too long is None.

    The cleaning pass reports those records' problems; here they just don't count.
    """
    outcome = Outcome()
    records: list[tuple[RawRecord | InputError, str]]  # each with its origin
    if isinstance(unit, FileUnit):
        stream = RecordStream(unit.item, job.limits.max_doc_bytes)
        try:
            records = [
                (record, file_origin(record) if isinstance(record, RawRecord) else "") for record in stream
            ]
            outcome.sha256 = stream.digest()
        except (InputError, OSError, ValueError) as error:
            records = []
            outcome.sha256 = getattr(error, "sha256", "") or _digest_or_blank(unit.item.path)
    else:
        records = [
            (record, "") if isinstance(record, InputError) else (record.parse(), record.origin)
            for record in unit.records
        ]
    hint = unit.item.rel.rpartition("/")[0]
    cache = job.cache
    for record, origin in records:
        found = None
        if not isinstance(record, InputError):
            extracted: Extracted | None = None
            try:
                with time_limit(job.limits.doc_timeout):
                    extracted = extract(record) if record.is_html else None
                    found = survey(record, hint, extracted)
            except DocumentTimeout:
                outcome.timed_out.append(origin)
            except Exception:
                found = None
            if cache and extracted is not None:
                with suppress(OSError):  # not kept: the cleaning pass extracts the page again
                    cache.put(origin, record, extracted)
        outcome.surveyed.append(found)
    return outcome


def _digest_or_blank(path: Path) -> str:
    try:
        return file_digest(path)
    except OSError:
        return ""


# ---------------------------------------------------------------- engines


class Engine(Protocol):
    """Runs :func:`process` on units of work; ``submit`` returns a function that waits for the result."""

    @property
    def slots(self) -> int:
        """How many units of work to keep in flight."""
        ...

    def submit(self, job: Job, units: list[Unit]) -> Callable[[], list[Outcome]]: ...


class InProcess:
    """Cleans in this process, one unit at a time."""

    slots = 0

    def submit(self, job: Job, units: list[Unit]) -> Callable[[], list[Outcome]]:
        outcomes = process(job, units)
        return lambda: outcomes


class WorkerDied(RuntimeError):
    """A worker process died (killed, or crashed in a C library) and took its work with it."""


class PoolEngine:
    """Cleans in a pool of forked worker processes (they inherit the loaded rules)."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int) -> None:
        self.pool = pool
        self.slots = 3 * workers

    def submit(self, job: Job, units: list[Unit]) -> Callable[[], list[Outcome]]:
        future = self.pool.submit(process, job, units)

        def result() -> list[Outcome]:
            try:
                return future.result()
            except BrokenProcessPool:
                first = units[0].item.path if units else "?"
                raise WorkerDied(
                    f"a worker process died and the work in flight with it (from {first} on); files "
                    "finished before are recorded: run again to go on (--workers 1 shows the document)"
                ) from None

        return result


@contextmanager
def local_engine(workers: int) -> Iterator[Engine]:
    """This process for one worker, else a pool of ``workers`` processes."""
    if workers <= 1:
        yield InProcess()
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield PoolEngine(pool, workers)


# ---------------------------------------------------------------- the parent side


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder, or raise :class:`OutputLocked`.

    A folder made here is removed again when the run fails before writing anything in it.
    """
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    lock = out / LOCK_NAME
    with lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputLocked(f"{out} is in use by another cleaner run; wait for it to finish") from None
        try:
            yield
        except BaseException:
            if made and [path.name for path in out.iterdir()] == [LOCK_NAME]:
                lock.unlink()
                out.rmdir()
            raise
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
    limits: Limits | None = None,
    engine: Engine | None = None,
    relearn: bool = False,
    cleaner: Cleaner | None = None,
) -> RunSummary:
    """Clean every new or changed input file into ``out``; see the module docstring.

    ``engine`` runs the work (default: this process or a local pool of ``workers``
    processes, all cores when None). ``relearn`` forgets the site-lines statistics of
    earlier runs and learns from these inputs alone. ``cleaner``: one already loaded
    with ``settings``, for runs one after another in a process (its rules and models
    are not loaded again).
    """
    started = time.perf_counter()
    # The allowlist is read first, so that a bad one stops the run before any work.
    allowlist = Allowlist.load(settings.site_lines_allow) if settings.site_lines else None
    if cleaner is not None and cleaner.settings != settings:
        raise ValueError("the cleaner given was made with other settings than the run's")
    with output_lock(out):
        manifest = Manifest(out)
        files, skipped = discover(inputs, out, _RUN_FILES, manifest.names(), manifest.owners())
        cleaner = cleaner or Cleaner(settings)
        extractions = out / CACHE_NAME if allowlist is not None else None
        job = Job(settings, cleaner.versions, out, limits or Limits(), debug, extractions=extractions)
        # A file skipped for its name is an error of the run, not a file of a kind it doesn't read.
        problems = [problem for problem in map(name_problem, skipped) if problem is not None]
        summary = RunSummary(
            skipped_files=len(skipped) - len(problems), errors=len(problems), error_messages=problems
        )
        remove_stale_temporaries(out)
        digests = {item.key: file_digest(item.path) for item in files}
        site_versions: dict[str, str | None] = {}
        provenance: dict[str, str] = {}
        find_sources: SourceLookup | None = None
        with ExitStack() as stack:  # the site-lines store, the engine, the progress bar
            if allowlist is not None:
                store = stack.enter_context(closing(_open_store(out, relearn)))
                learned = _learn(store, files, digests, job, allowlist, engine, workers, progress)
                table, site_versions, survey_timeouts = learned
                job = replace(job, survey_timeouts=survey_timeouts)
                cleaner = cleaner.with_site_lines(table, out / TABLE_NAME)
                summary.site_lines = table.totals
                if settings.offtopic:
                    provenance, find_sources = store.find_sources(), store.sources
            _CLEANERS[cleaner.settings] = cleaner
            job = replace(job, settings=cleaner.settings, versions=cleaner.versions)
            summary.versions = job.versions

            def versions_of(item: InputFile, index: Index) -> dict[str, object]:
                decisions = _decisions_version(cleaner.decisions, out, index)
                return {
                    **job.versions,
                    "decisions": decisions,
                    "site_lines": site_versions.get(item.key),
                    "provenance": provenance.get(item.key),
                }

            todo = [
                item
                for item in files
                if force
                or item.key not in manifest.entries
                or not manifest.is_current(
                    item.key, digests[item.key], versions_of(item, manifest.entries[item.key]["index"]), out
                )
            ]
            summary.unchanged_files = len(files) - len(todo)
            count, per_task = _plan(todo, workers)
            if engine is None:
                engine = stack.enter_context(local_engine(count))
            collector = _Collector(job, manifest, summary, versions_of)
            bar = stack.enter_context(tqdm(unit="doc", disable=not progress, leave=False))
            try:
                for piece, outcomes in _in_order(engine, job, _work(todo, job, per_task, find_sources)):
                    collector.take(piece, outcomes)
                    bar.update(sum(len(outcome.index) for outcome in outcomes))
            finally:
                collector.abort()
                manifest.commit()  # the files finished so far are not cleaned again
        others = _other_inputs(files, manifest)
        _write_index(out, files, manifest, others)
        ExtractionCache(out / CACHE_NAME).clear()
        manifest.compact([item.key for item in files] + others)
        summary.seconds = time.perf_counter() - started
        write_atomic(out / STATS_NAME, dumps(summary.as_dict()) + "\n")
    return summary


def _plan(items: list[InputFile], workers: int | None) -> tuple[int, int]:
    """How many local workers suit ``items``, and how many one-document files go in a unit of work."""
    one_document = sum(item.kind not in MULTI_RECORD_KINDS for item in items)
    count = workers or os.cpu_count() or 1
    if one_document == len(items):
        count = min(count, max(one_document, 1))
    return count, max(1, min(BATCH_DOCS, math.ceil(one_document / max(4 * count, 1))))


def _open_store(out: Path, relearn: bool) -> SiteLineStore:
    """The survey's statistics kept in ``out``; ``relearn``: forget those of earlier runs."""
    path = out / STORE_NAME
    if relearn:  # start from an empty file: this also gets past a damaged one
        for stale in (path, path.with_name(path.name + "-wal")):
            stale.unlink(missing_ok=True)
    return SiteLineStore(path, SURVEY_VERSION)


def _learn(
    store: SiteLineStore,
    files: list[InputFile],
    digests: dict[str, str],
    job: Job,
    allowlist: Allowlist,
    engine: Engine | None,
    workers: int | None,
    progress: bool,
) -> tuple[SiteLines, dict[str, str | None], frozenset[str]]:
    """The survey pass: count the lines of files new or changed since the store last saw them, learn.

    Writes the learned table to ``<out>/_site_lines.json``; returns it with the
    site-lines version of each input file (None for a file whose sites learned nothing)
    and the origins of the records it stopped at the time limit.
    """
    params = job.settings.site_lines
    assert params is not None
    given = {item.key for item in files}
    for surveyed in store.paths():
        if surveyed not in given and gone(surveyed, given):
            store.drop(surveyed)  # its documents count no more
    todo = [item for item in files if store.sha256(item.key) != digests[item.key]]
    count, per_task = _plan(todo, workers)
    survey_job = replace(job, survey=True)
    timed_out: set[str] = set()
    with ExitStack() as stack:
        if engine is None:
            engine = stack.enter_context(local_engine(count))
        bar = stack.enter_context(tqdm(unit="doc", desc="site lines", disable=not progress, leave=False))
        # A survey cut short loses what it counted since the last flush: those files are
        # surveyed again next time.
        stack.callback(store.rollback)
        for piece, outcomes in _in_order(engine, survey_job, _work(todo, survey_job, per_task)):
            if isinstance(piece, FileEnd):
                store.commit(piece.item.key, piece.sha256)
                continue
            for unit, outcome in zip(piece, outcomes, strict=True):
                store.add(unit.item.key, outcome.surveyed)
                timed_out.update(outcome.timed_out)
                if isinstance(unit, FileUnit):
                    store.commit(unit.item.key, outcome.sha256)
                bar.update(len(outcome.surveyed))
        store.flush()
    table = store.learn(params, allowlist)
    versions = {item.key: table.sites_version(store.sites_of(item.key)) for item in files}
    write_atomic(job.out / TABLE_NAME, table.dumps())
    return table, versions, frozenset(timed_out)


def _work(
    todo: list[InputFile], job: Job, files_per_task: int, find_sources: SourceLookup | None = None
) -> Iterator[list[Unit] | FileEnd]:
    """Units of work in input order, read lazily, each JSONL or WARC file closed by a FileEnd,
    with their records' sources when ``find_sources`` finds them."""
    files: list[Unit] = []
    for item in todo:
        if item.kind not in MULTI_RECORD_KINDS:
            files.append(FileUnit(item, find_sources(item.key, 0, 1)[0] if find_sources else {}))
            if len(files) >= files_per_task:
                yield files
                files = []
            continue
        if files:
            yield files
            files = []
        stream = RecordStream(item, job.limits.max_doc_bytes)
        batch: list[Unparsed] = []
        size = first = 0  # bytes in the batch, number of its first record
        error = None
        try:
            for record in stream.unparsed():
                batch.append(record)
                size += 0 if isinstance(record, InputError) else record.size
                if len(batch) >= BATCH_DOCS or size >= BATCH_BYTES:
                    yield [_batch(item, batch, first, find_sources)]
                    batch, size, first = [], 0, first + len(batch)
        except (InputError, OSError, ValueError) as problem:
            error = f"{item.path}: {problem}"
        if batch:
            yield [_batch(item, batch, first, find_sources)]
        yield FileEnd(item, _digest_or_blank(item.path) if error else stream.digest(), stream.skipped, error)
    if files:
        yield files


def _batch(
    item: InputFile, records: list[Unparsed], first: int, find_sources: SourceLookup | None
) -> RecordBatch:
    """A batch of records of ``item`` from its record number ``first``, with their sources."""
    found = find_sources(item.key, first, len(records)) if find_sources else []
    return RecordBatch(item, records, found if any(found) else [])


def _in_order(
    engine: Engine, job: Job, work: Iterable[list[Unit] | FileEnd]
) -> Iterator[tuple[list[Unit] | FileEnd, list[Outcome]]]:
    """Submit the work with at most ``engine.slots`` pieces in flight; results in input order."""
    pending: deque[tuple[list[Unit] | FileEnd, Callable[[], list[Outcome]]]] = deque()
    for piece in work:
        waiting = (lambda: []) if isinstance(piece, FileEnd) else engine.submit(job, piece)
        pending.append((piece, waiting))
        while len(pending) > engine.slots:
            done, result = pending.popleft()
            yield done, result()
    while pending:
        done, result = pending.popleft()
        yield done, result()


class _Collector:
    """Takes results in input order: appends records to their file, records finished files."""

    def __init__(
        self,
        job: Job,
        manifest: Manifest,
        summary: RunSummary,
        versions_of: Callable[[InputFile, Index], dict[str, object]],
    ) -> None:
        self.job = job
        self.manifest = manifest
        self.summary = summary
        self.versions_of = versions_of
        self.open: _RecordsFile | None = None

    def take(self, piece: list[Unit] | FileEnd, outcomes: list[Outcome]) -> None:
        """Handle the results of one piece of work (or the end of a JSONL or WARC file)."""
        if isinstance(piece, FileEnd):
            self._finish(piece)
            return
        for unit, outcome in zip(piece, outcomes, strict=True):
            self._tally(outcome)
            if isinstance(unit, FileUnit):
                self._record(unit.item, outcome.sha256, outcome.complete, outcome.outputs, outcome.index)
                continue
            if self.open is None:
                self.open = _RecordsFile(self.job.out, unit.item)
            self.open.add(outcome)

    def _finish(self, end: FileEnd) -> None:
        records = self.open or _RecordsFile(self.job.out, end.item)
        self.open = None
        if end.error:
            entry = error_entry(end.item.rel, str(end.item.path), end.error, end.sha256)
            failed = Outcome(index=[entry], complete=False)
            self._tally(failed)
            records.add(failed)
        outputs = records.commit()
        self.summary.skipped_records += end.skipped
        self._record(end.item, end.sha256, records.complete, outputs, outputs[-1])

    def _tally(self, outcome: Outcome) -> None:
        self.summary.removed_by_category.update(outcome.removed_by_category)
        self.summary.removed_by_rule.update(outcome.removed_by_rule)
        _count(self.summary, outcome.index)

    def _record(
        self,
        item: InputFile,
        sha256: str,
        complete: bool,
        outputs: list[str],
        index: Index,
    ) -> None:
        """Note a finished file in the manifest: its outputs are in place by now."""
        self.manifest.record(
            {
                "path": item.key,
                "rel": item.rel,
                "sha256": sha256,
                "versions": self.versions_of(item, index),
                "complete": complete,
                "outputs": outputs,
                "index": index,
            }
        )

    def abort(self) -> None:
        """Drop a half-written file (the run stopped in the middle of it)."""
        if self.open is not None:
            self.open.abort()
            self.open = None


class _RecordsFile:
    """A JSONL or WARC file's output and index lines, appended in order, renamed into place at the end.

    The index lines go to ``<out>/.index/<rel>.jsonl`` rather than the manifest, so
    neither the manifest nor the parent's memory grows with the number of records.
    """

    def __init__(self, out: Path, item: InputFile) -> None:
        self.root = output_root(out)
        self.target = output_path(out, item.rel, ".jsonl")
        self.part = output_path(out, f"{INDEX_PARTS}/{item.rel}", ".jsonl")
        self.stack = ExitStack()
        self.records: TextIO = self.stack.enter_context(atomic_writer(self.target, durable=False))
        self.index: TextIO = self.stack.enter_context(atomic_writer(self.part, durable=False))
        self.complete = True

    def add(self, outcome: Outcome) -> None:
        self.records.buffer.write(outcome.records)  # the text layer is never written to
        self.index.writelines(dumps(entry) + "\n" for entry in outcome.index)
        self.complete = self.complete and outcome.complete

    def commit(self) -> list[str]:
        """Put both files in place; their names relative to the output folder, the index last."""
        self.stack.close()
        return [path.relative_to(self.root).as_posix() for path in (self.target, self.part)]

    def abort(self) -> None:
        stopped = RuntimeError("the run stopped")
        self.stack.__exit__(RuntimeError, stopped, None)


def _decisions_version(decisions: Decisions, out: Path, index: Index) -> str | None:
    """The version of the reviewers' verdicts on the documents of a file (``index``: its index
    lines, or the file under ``out`` holding them): a verdict re-cleans only its own file."""
    if not len(decisions):
        return None
    rows = index_rows(out / index) if isinstance(index, str) else iter(index)
    with suppress(OSError):  # the file's index is gone: the file is cleaned again anyway
        return decisions.version(str(row.get("id")) for row in rows)
    return None


def _other_inputs(files: list[InputFile], manifest: Manifest) -> list[str]:
    """The manifest's files cleaned by earlier runs and not given to this one that are still
    there, in path order: they keep their outputs and stay in the index. Those that are gone
    leave the manifest, and their outputs are deleted (unless a file of this run wrote the
    same names).
    """

    def outputs(key: str) -> set[str]:
        return set(manifest.entries.get(key, {}).get("outputs", []))

    given = {item.key for item in files}
    written = set().union(*map(outputs, given))
    kept: list[str] = []
    departed: list[str] = []
    for key in sorted(manifest.entries.keys() - given):
        (departed if gone(key, given) or not written.isdisjoint(outputs(key)) else kept).append(key)
    claimed = written.union(*map(outputs, kept))
    root = output_root(manifest.path.parent)
    for key in departed:
        for name in sorted(outputs(key) - claimed):
            (root / name).unlink(missing_ok=True)
            for folder in (root / name).parents:  # and the folders that leaves empty
                if folder == root or any(folder.iterdir()):
                    break
                folder.rmdir()
    return kept


def _write_index(out: Path, files: list[InputFile], manifest: Manifest, others: list[str]) -> None:
    """``index.jsonl``: the index lines of every input file in input order, then those of the
    ``others`` (files of earlier runs still there), streamed."""
    with atomic_writer(out / INDEX_NAME) as handle:
        for key in [*(item.key for item in files), *others]:
            index = manifest.entries[key]["index"]
            if isinstance(index, str):
                with (out / index).open(encoding="utf-8") as part:
                    shutil.copyfileobj(part, handle)
            else:
                handle.writelines(dumps(entry) + "\n" for entry in index)


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
