"""Find input files and turn their bytes into raw records, one per article.

A record is still raw: HTML stays HTML (``extract`` turns it into text). Each
problem is reported as an :class:`InputError` naming the file (and line), so a
run can go on with the other files.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import os
import re
import zlib
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import charset_normalizer

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html"}
RECORD_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".warc": "warc"}
MULTI_RECORD_KINDS = frozenset({"jsonl", "warc"})
DEFAULT_MAX_DOC_BYTES = 10_000_000
HTML_TYPES = ("text/html", "application/xhtml+xml")


class _LineSource(Protocol):
    def readline(self, size: int | None = -1, /) -> bytes: ...


class _GzipEndNoted:
    """A gzip stream whose early end (a cut file) reads as the end of its data and is noted in
    ``cut_short``: warcio takes an EOFError for the end of its records and would drop it."""

    def __init__(self, stream: gzip.GzipFile) -> None:
        self.stream = stream
        self.cut_short: EOFError | None = None

    def read(self, size: int | None = -1, /) -> bytes:
        return self._noted(self.stream.read, size)

    def readline(self, size: int | None = -1, /) -> bytes:
        return self._noted(self.stream.readline, size)

    def peek(self, size: int, /) -> bytes:
        return self._noted(self.stream.peek, size)

    def _noted(self, method: Any, size: int | None) -> bytes:
        try:
            return bytes(method(-1 if size is None else size))
        except EOFError as error:
            self.cut_short = error
            return b""


class _PeekableSource(Protocol):
    def peek(self, size: int, /) -> bytes: ...

    def read(self, size: int | None = -1, /) -> bytes: ...


class InputError(Exception):
    """A file (or one record of it) that can't be read; the message names the problem.

    ``doc_id`` names the record when it is known (a WARC record's id), ``sha256`` its bytes.
    """

    def __init__(self, message: str, doc_id: str | None = None, sha256: str = "") -> None:
        super().__init__(message)
        self.doc_id = doc_id
        self.sha256 = sha256


def size_error(limit: int) -> str:
    """The message of a document over the size limit."""
    return f"exceeded the {limit:,} bytes size limit"


@dataclass(frozen=True)
class InputFile:
    """A file to clean: where it is, how it is named in outputs, what kind it is."""

    path: Path
    rel: str  # path relative to its input root, without the .gz and kind suffixes
    kind: str  # text | html | json | jsonl | warc
    root: Path
    # Its real path (symlinks followed): names it in the manifest and the site-lines statistics
    # however the path was given (``raw/a.txt``, ``./raw/a.txt``, an absolute path).
    key: str


@dataclass
class RawRecord:
    """One article as read from disk: text or HTML plus what the file says about it."""

    id: str
    source: str
    content: str
    is_html: bool
    sha256: str
    metadata: dict[str, str | None] = field(default_factory=dict)
    line: int | None = None  # line number inside a JSONL file
    warnings: list[str] = field(default_factory=list)


def kind_of(path: Path) -> tuple[str, str] | None:
    """The input kind and the name without its suffixes, or None for files we don't read."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return None
    kind = TEXT_SUFFIXES.get("." + suffix.lower()) or RECORD_SUFFIXES.get("." + suffix.lower())
    return (kind, stem) if kind else None


class OutputClash(ValueError):
    """Two input files would write the same output file (or one would overwrite a run's own file)."""


# File names are at most 255 bytes; outputs add up to this much to an input's name.
_NAME_BYTES, _LONGEST_SUFFIX = 255, len(".jsonl")


def _fitting(stem: str) -> str:
    """``stem``, or when an output named after it would be too long for a file name (a page
    title as the name), its start and a hash of it: ``<start>-<sha256 of stem, 8 digits>``."""
    encoded = stem.encode("utf-8", "surrogateescape")
    if len(encoded) + _LONGEST_SUFFIX <= _NAME_BYTES:
        return stem
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    start = encoded[: _NAME_BYTES - _LONGEST_SUFFIX - len(digest) - 1]
    return start.decode("utf-8", "ignore") + "-" + digest  # "ignore": a character cut in two goes


def _output_names(item: InputFile) -> tuple[str, ...]:
    """The files an input writes in the output folder, relative to it."""
    if item.kind in MULTI_RECORD_KINDS:
        return (f"{item.rel}.jsonl",)
    return (f"{item.rel}.txt", f"{item.rel}.json")


def discover(
    inputs: list[Path],
    out: Path | None = None,
    reserved: frozenset[str] = frozenset(),
    earlier: Mapping[str, str] | None = None,
    owners: Mapping[str, str] | None = None,
) -> tuple[list[InputFile], list[Path]]:
    """Files to clean under ``inputs`` (files or folders, recursively) and the files skipped.

    Hidden files and symlinks that lead out of their input folder are skipped,
    so a scrape folder can't make the run read (or name outputs after) files elsewhere,
    and so are files whose name is not valid UTF-8 (see :func:`name_problem`);
    so is the output folder ``out`` when it lies inside an input folder, as long as it holds
    only a run's files (``reserved``, ``owners``, names starting with ``_``). A file is named
    (``rel``) after its path in its input folder, unless ``earlier`` (by key: the names
    earlier runs into ``out`` gave their files) named it: see :func:`_named_as_before`.
    Raises :class:`OutputClash` when two inputs would write the same output (``a.txt``
    and ``a.html``, or ``a.txt`` in two input folders), one would write a file of
    ``reserved`` (the run's own files, such as ``index.jsonl``) or one of ``owners`` (by
    output name: the files that wrote them in earlier runs) that is still there, and when
    an input lies in ``out`` (it would not be cleaned, and could be overwritten).
    """
    found: list[InputFile] = []
    skipped: list[Path] = []
    real_out = out.resolve() if out is not None else None
    for given in inputs:
        if real_out is not None and given.resolve().is_relative_to(real_out):
            raise OutputClash(f"{given} is in the output folder {out}: clean it into a folder of its own")
        if given.is_file():
            root, candidates = given.parent, [given]
        elif given.is_dir():
            root = given
            candidates = sorted(p for p in given.rglob("*") if p.is_file() or p.is_symlink())
        else:
            raise FileNotFoundError(f"{given}: no such file or folder")
        real_root = root.resolve()
        real_folders: dict[Path, Path] = {}  # one resolve a folder, not one a file
        for path in candidates:
            rel_parts = path.relative_to(root).parts
            if any(part.startswith(".") for part in rel_parts):
                continue
            real = _real(path, real_folders)
            if real_out is not None and real.is_relative_to(real_out):
                name = real.relative_to(real_out).as_posix()
                if name in reserved or name in (owners or {}) or name.startswith("_"):
                    continue  # the run's own files, not inputs
                raise OutputClash(
                    f"{path} is in the output folder {out} but is no output of a run: it would not be "
                    "cleaned, and could be overwritten; move it, or clean into a folder of its own"
                )
            known = kind_of(path)
            if (
                known is None
                or not real.is_relative_to(real_root)
                or not path.is_file()
                or name_problem(path) is not None
            ):
                skipped.append(path)
                continue
            kind, stem = known
            rel = "/".join((*rel_parts[:-1], _fitting(stem)))
            found.append(InputFile(path=path, rel=rel, kind=kind, root=root, key=str(real)))
    found = _named_as_before(found, earlier or {})
    found.sort(key=lambda f: (f.rel, str(f.path)))
    writers: dict[str, Path] = {}
    for item in found:
        for name in _output_names(item):
            if name in reserved:
                raise OutputClash(f"{item.path}: its output {name} would overwrite the run's own {name}")
            if name in writers:
                raise OutputClash(
                    f"{writers[name]} and {item.path} would both write {name} in the output folder: "
                    "rename one, or clean them into different folders"
                )
            writers[name] = item.path
            owner = (owners or {}).get(name, item.key)
            if owner != item.key and not gone(owner, {item.key}):
                raise OutputClash(
                    f"{item.path} would write {name}, the output of {owner} (cleaned into this folder "
                    "by an earlier run): clean it into another folder"
                )
    return found, skipped


def name_problem(path: Path) -> str | None:
    """Why ``path`` can't be cleaned under its name, or None: a name that is not valid UTF-8
    (bytes of another encoding) can't name outputs, nor be written in the index."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        return f"{shown}: its name is not valid UTF-8: rename it to clean it"
    return None


def gone(key: str, given: Container[str]) -> bool:
    """Whether the file an earlier run knew as ``key`` is gone: deleted since, or one of the
    ``given`` keys named otherwise (as files were named before they were keyed by their real path)."""
    path = Path(key)
    return not path.is_file() or str(path.resolve()) in given


def _named_as_before(found: list[InputFile], earlier: Mapping[str, str]) -> list[InputFile]:
    """``found``, named as earlier runs into the same output folder named them.

    A run on part of the inputs (``cleaner run raw/site`` after ``cleaner run raw``) reads
    ``raw/site/a.txt`` as ``a``, where the earlier run named it ``site/a``: a file keeps
    its name (its outputs, its id, its site). A file new to the folder takes the prefix the
    known files of its input folder all took (``site/``), as it would in a run on ``raw``.
    """
    prefixes: dict[Path, set[str | None]] = {}  # of the known files of each input folder
    for item in found:
        if item.key in earlier:
            known = earlier[item.key]
            start = known[: len(known) - len(item.rel)]
            moved = known.endswith(item.rel) and start in ("", start.rstrip("/") + "/")
            prefixes.setdefault(item.root, set()).add(start if moved else None)
    named = []
    for item in found:
        shared = prefixes.get(item.root, {""})
        prefix = next(iter(shared)) if len(shared) == 1 else None
        rel = earlier.get(item.key) or (item.rel if prefix is None else prefix + item.rel)
        named.append(item if rel == item.rel else replace(item, rel=rel))
    return named


def read_bytes(path: Path, limit: int = DEFAULT_MAX_DOC_BYTES) -> tuple[bytes, str]:
    """The file's bytes, gunzipped when it ends in .gz, and the sha256 of the stored bytes.

    More than ``limit`` bytes (after gunzipping) is an error.
    """
    if path.stat().st_size > limit and not path.name.lower().endswith(".gz"):
        raise InputError(size_error(limit))
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if path.name.lower().endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(limit + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise InputError(f"corrupt gzip file: {error}") from None
    if len(data) > limit:
        raise InputError(size_error(limit), sha256=digest)
    return data, digest


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes, is_html: bool, charset: str | None = None) -> tuple[str, str, str | None]:
    """Text, the encoding used and a note when it was a guess.

    A BOM wins, then a declared charset that fits the bytes, then UTF-8, then detection.
    ``charset`` is what the HTTP header declared (for a WARC record); an HTML page's
    own declaration comes after it.
    """
    note = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _normalise(data.decode(encoding, errors="replace")), encoding, None
    if is_html:
        declared = _META_CHARSET.search(data[:4096])
        names = [(charset.encode("ascii", "replace"), False)] if charset else []
        names += [(declared.group(1), True)] if declared else []
        for found, in_page in names:
            name = found.decode("ascii").strip().lower()
            try:
                codecs.lookup(name)
            except LookupError:
                name = ""
            if name:
                # Browsers read latin-1 declarations as windows-1252, and a page that declares
                # UTF-16 in its own ASCII bytes as UTF-8 (HTML's encoding sniffing); so do we.
                name = "cp1252" if name in {"iso-8859-1", "latin-1", "latin1", "us-ascii"} else name
                name = "utf-8" if in_page and codecs.lookup(name).name.startswith("utf-16") else name
                try:
                    return _normalise(data.decode(name)), name, None
                except UnicodeDecodeError:
                    note = f"declared charset {name} does not fit the bytes"
    try:
        return _normalise(data.decode("utf-8")), "utf-8", note
    except UnicodeDecodeError:
        note = note or "not valid UTF-8"
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise InputError("binary content: no text encoding fits")
    # Where windows-1252 reads the bytes as well as the best guess (Spanish or French Latin-1
    # text, whose bytes cp1250 reads too, "ñ" as "ń"), take it: it is the web's commonest.
    best = next(
        (
            match
            for match in matches
            if match.encoding == "cp1252" and (match.chaos, match.coherence) == (best.chaos, best.coherence)
        ),
        best,
    )
    return _normalise(str(best)), best.encoding, f"{note}; decoded as {best.encoding} (detected)"


def decode_article(data: bytes, is_html: bool) -> tuple[str, str | None]:
    """The text of an article file's bytes (see :func:`decode`) and a note when its encoding was
    a guess; raises :class:`InputError` for an empty or binary file."""
    if not data.strip():
        raise InputError("empty file")
    if _looks_binary(data):
        raise InputError("binary content, not text")
    text, _, note = decode(data, is_html)
    if not text.strip():  # only a byte-order mark, or whitespace in another encoding
        detail = f"; {note}" if note else ""
        raise InputError(f"empty file (no text once decoded{detail})")
    return text, note


def _normalise(text: str) -> str:
    # Each replace copies the text: a search (much faster) first.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "") if "\x00" in text else text


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


class _Bytes:
    """A record's bytes as read (``data``), before they are parsed: their size and sha256."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @cached_property
    def digest(self) -> str:
        """sha256 of the bytes."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class JsonLine(_Bytes):
    """A JSONL line as read: split off by the reader, parsed into a record by whoever cleans it."""

    source: str
    rel: str
    number: int
    data: bytes

    @property
    def origin(self) -> str:
        """Names these bytes and where they were read: the same origin, the same record."""
        return f"{self.source}\0line {self.number}\0{self.digest}"

    def parse(self) -> RawRecord | InputError:
        """The record on this line, or the error that names the line."""
        digest = self.digest
        doc_id = f"{self.rel}#{self.number}"  # the id a record without one gets
        try:
            try:
                text = self.data.decode("utf-8")
            except UnicodeDecodeError:
                text, _, _ = decode(self.data, False)
            value = json.loads(text)
            return record_from_json(value, doc_id, self.source, digest, self.number)
        except json.JSONDecodeError as error:
            return InputError(f"line {self.number}: invalid JSON: {error.msg}", doc_id, digest)
        except RecursionError:
            return InputError(f"line {self.number}: {_TOO_DEEP}", doc_id, digest)
        except InputError as error:
            return InputError(f"line {self.number}: {error}", doc_id, digest)


@dataclass(frozen=True)
class WarcPayload(_Bytes):
    """An HTML response of a WARC file as read, decoded into a record by whoever cleans it."""

    source: str
    record_id: str
    url: str | None
    data: bytes
    charset: str | None

    @property
    def origin(self) -> str:
        """Names these bytes and what the headers say of them: the same origin, the same record."""
        headers = f"record {self.record_id}\0{self.url or ''}\0{self.charset or ''}"
        return f"{self.source}\0{headers}\0{self.digest}"

    def parse(self) -> RawRecord | InputError:
        """The record: the decoded page, its id and url from the WARC headers; or the error."""
        digest = self.digest
        try:
            html, _, note = decode(self.data, True, self.charset)
        except InputError as error:
            return InputError(f"record {self.record_id}: {error}", self.record_id, digest)
        return RawRecord(
            id=self.record_id,
            source=self.source,
            content=html,
            is_html=True,
            sha256=digest,
            metadata={"url": self.url} if self.url else {},
            warnings=[note] if note else [],
        )


Unparsed = JsonLine | WarcPayload | InputError


def file_origin(record: RawRecord) -> str:
    """Names the bytes of a one-document file's record and where they were read (as ``JsonLine.origin``)."""
    return f"{record.source}\0file\0{record.sha256}"


class RecordStream:
    """The records of one input file, read one at a time in bounded memory.

    A JSONL file is read line by line and a WARC file record by record (gzipped or
    not), so a file of any size streams through; a one-document file is read whole,
    up to ``max_doc_bytes``. A broken record is yielded as an :class:`InputError` and
    reading goes on; a file that can't be read raises it. The file's sha256 is taken
    while reading (:meth:`digest`); ``skipped`` counts WARC records that aren't HTML
    responses. :meth:`unparsed` yields the records of a JSONL or WARC file as read,
    before the costlier parsing, so that the parsing can happen in a worker.
    """

    def __init__(self, item: InputFile, max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES) -> None:
        self.item = item
        self.limit = max_doc_bytes
        self.skipped = 0
        self._sha256: str | None = None

    def __iter__(self) -> Iterator[RawRecord | InputError]:
        if self.item.kind not in MULTI_RECORD_KINDS:
            yield self._single()
            return
        for record in self.unparsed():
            yield record if isinstance(record, InputError) else record.parse()

    def unparsed(self) -> Iterator[Unparsed]:
        """The records of a JSONL or WARC file as read, one at a time."""
        with _HashingFile(self.item.path) as raw:
            stream = io.BufferedReader(raw, 1 << 16)
            read = self._warc if self.item.kind == "warc" else self._jsonl
            if self.item.path.name.lower().endswith(".gz"):
                # Gzip members are read one after another, so a WARC gzipped record by record
                # (the usual way) and one gzipped whole read alike.
                unzipped = _GzipEndNoted(gzip.GzipFile(fileobj=stream, mode="rb"))
                try:
                    yield from read(unzipped)
                except (EOFError, zlib.error, gzip.BadGzipFile) as error:
                    raise InputError(f"corrupt gzip file: {error}") from None
                if unzipped.cut_short:
                    raise InputError(f"corrupt gzip file: {unzipped.cut_short}")
            else:
                yield from read(stream)
            raw.drain()
            self._sha256 = raw.hexdigest()

    def digest(self) -> str:
        """sha256 of the file's stored bytes (taken while reading when it was read to the end)."""
        return self._sha256 or file_digest(self.item.path)

    def _single(self) -> RawRecord:
        item = self.item
        data, digest = read_bytes(item.path, self.limit)
        self._sha256 = digest
        source = str(item.path)
        if item.kind in {"text", "html"}:
            is_html = item.kind == "html"
            text, note = decode_article(data, is_html)
            return RawRecord(
                id=item.rel,
                source=source,
                content=text,
                is_html=is_html,
                sha256=digest,
                warnings=[note] if note else [],
            )
        text, _, _ = decode(data, False)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"invalid JSON: {error}") from None
        except RecursionError:
            raise InputError(_TOO_DEEP) from None
        return record_from_json(value, item.rel, source, digest, None)

    def _jsonl(self, stream: _LineSource) -> Iterator[JsonLine | InputError]:
        source = str(self.item.path)
        for number, line in _lines(stream, self.limit):
            if line is None:
                yield InputError(f"line {number}: {size_error(self.limit)}", f"{self.item.rel}#{number}")
                continue
            if number == 1:
                # (UTF-32 LE's byte-order mark begins as UTF-16 LE's)
                if line.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
                    # Its lines can't be split on a newline byte; JSON Lines are UTF-8 by definition.
                    raise InputError("JSON Lines must be UTF-8: this file is UTF-16 or UTF-32 (its BOM)")
                line = line.removeprefix(codecs.BOM_UTF8)
            if line.strip():
                yield JsonLine(source, self.item.rel, number, line)

    def _warc(self, stream: _PeekableSource) -> Iterator[WarcPayload | InputError]:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed

        source = str(self.item.path)
        start = stream.peek(16)[:16].lstrip()
        if not start:
            raise InputError("empty file")
        if not start.startswith((b"WARC/", b"filedesc:")):
            raise InputError("not a WARC file: it does not begin with a WARC/1.x header")
        number = 0  # the records read so far
        try:
            for number, record in enumerate(ArchiveIterator(stream), start=1):
                if record.rec_type != "response":
                    continue
                http = record.http_headers
                record_id = record.rec_headers.get_header("WARC-Record-ID") or f"{self.item.rel}#{number}"
                content_type = (http.get_header("Content-Type") or "") if http else ""
                identified = record.rec_headers.get_header("WARC-Identified-Payload-Type") or ""
                if (
                    http is None
                    or not http.get_statuscode().startswith("2")
                    or not any(kind in f"{content_type} {identified}".lower() for kind in HTML_TYPES)
                ):
                    self.skipped += 1
                    continue
                try:
                    payload = record.content_stream().read(self.limit + 1)
                except (OSError, ValueError, zlib.error) as error:
                    yield InputError(f"record {record_id}: unreadable payload: {error}", record_id)
                    continue
                if len(payload) > self.limit:
                    digest = hashlib.sha256(payload).hexdigest()
                    yield InputError(f"record {record_id}: {size_error(self.limit)}", record_id, digest)
                    continue
                if getattr(record.raw_stream, "limit", 0) > 0:  # the file ended inside the record
                    digest = hashlib.sha256(payload).hexdigest()
                    yield InputError(
                        f"record {record_id}: truncated (the file ends inside it)", record_id, digest
                    )
                    continue
                charset = _CHARSET.search(content_type)
                url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip() or None
                yield WarcPayload(source, record_id, url, payload, charset.group(1) if charset else None)
        except ArchiveLoadFailed as error:
            raise InputError(f"not a valid WARC file: {' '.join(str(error).split())}") from None
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
            # warcio reads a malformed record (a response without WARC-Target-URI, bad headers)
            # into errors of its own code: the rest of the file can't be trusted.
            raise InputError(
                f"malformed WARC record (record {number + 1} of the file: {type(error).__name__}: {error})"
            ) from None


_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_TOO_DEEP = "invalid JSON: nested too deeply"
# A JSON escape of half a surrogate pair ("\\udfff") decodes to a string no encoder writes.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def read_records(
    item: InputFile, max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES
) -> Iterator[RawRecord | InputError]:
    """The records of one input file, one at a time (see :class:`RecordStream`)."""
    return iter(RecordStream(item, max_doc_bytes))


def _lines(stream: _LineSource, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines without their line end; a line over ``limit`` bytes is skipped, as None."""
    number = 0
    while line := stream.readline(limit + 3):
        number += 1
        if not line.endswith(b"\n") and len(line) == limit + 3:
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        line = line.removesuffix(b"\n").removesuffix(b"\r")
        yield number, None if len(line) > limit else line


class _HashingFile(io.RawIOBase):
    """A file opened for reading that feeds every byte read to a sha256."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb", buffering=0)
        self._hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._file.readinto(buffer)
        if count:
            self._hash.update(memoryview(buffer)[:count])
        return count or 0

    def drain(self) -> None:
        """Read (and hash) whatever is left of the file."""
        while block := self._file.read(1 << 20):
            self._hash.update(block)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def close(self) -> None:
        self._file.close()
        super().close()


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes as stored (before gunzipping)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _real(path: Path, folders: dict[Path, Path]) -> Path:
    """``path`` resolved; its folder's resolution is looked up in (or added to) ``folders``."""
    if path.is_symlink():
        return path.resolve()
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = path.parent.resolve()
    return folder / path.name


def record_from_json(
    value: object, fallback_id: str, source: str, digest: str, line: int | None = None
) -> RawRecord:
    """The record a JSON value holds (``text`` or ``html``, ``id``, metadata at the top or under
    ``metadata``); raises :class:`InputError` when it holds no article."""
    if not isinstance(value, dict):
        raise InputError("a record must be a JSON object")
    value = {key: _without_surrogates(item) for key, item in value.items()}
    nested = value.get("metadata")
    if isinstance(nested, dict):
        value["metadata"] = {key: _without_surrogates(item) for key, item in nested.items()}
    html, text = value.get("html"), value.get("text")
    content = text if isinstance(text, str) and text.strip() else html
    if not isinstance(content, str) or not content.strip():
        raise InputError('a record needs a non-empty "text" or "html" field')
    given_id = value.get("id")
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    meta: dict[str, str | None] = {}
    for key in ("title", "url", "author", "date"):
        found = value.get(key, metadata.get(key))
        if isinstance(found, str) and found.strip():
            meta[key] = found.strip()
    return RawRecord(
        id=str(given_id) if isinstance(given_id, str | int) and str(given_id).strip() else fallback_id,
        source=source,
        content=_normalise(content),
        is_html=content is html,
        sha256=digest,
        metadata=meta,
        line=line,
    )


def _without_surrogates(value: object) -> object:
    """A string with each lone surrogate replaced by U+FFFD (anything else as it is)."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")  # fails only on a lone surrogate: several times faster than a search
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", value)
    return value
