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
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html"}
RECORD_SUFFIXES = {".json": "json", ".jsonl": "jsonl"}
MAX_FILE_BYTES = 200 * 1024 * 1024


class InputError(Exception):
    """A file (or one record of it) that can't be read; the message names the problem."""


@dataclass(frozen=True)
class InputFile:
    """A file to clean: where it is, how it is named in outputs, what kind it is."""

    path: Path
    rel: str  # path relative to its input root, without the .gz and kind suffixes
    kind: str  # text | html | json | jsonl
    root: Path


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


def discover(inputs: list[Path]) -> tuple[list[InputFile], list[Path]]:
    """Files to clean under ``inputs`` (files or folders, recursively) and the files skipped.

    Hidden files and symlinks that lead out of their input folder are skipped,
    so a scrape folder can't make the run read (or name outputs after) files elsewhere.
    """
    found: list[InputFile] = []
    skipped: list[Path] = []
    for given in inputs:
        if given.is_file():
            root, candidates = given.parent, [given]
        elif given.is_dir():
            root = given
            candidates = sorted(p for p in given.rglob("*") if p.is_file() or p.is_symlink())
        else:
            raise FileNotFoundError(f"{given}: no such file or folder")
        real_root = root.resolve()
        for path in candidates:
            rel_parts = path.relative_to(root).parts
            if any(part.startswith(".") for part in rel_parts):
                continue
            known = kind_of(path)
            if known is None or not path.resolve().is_relative_to(real_root) or not path.is_file():
                skipped.append(path)
                continue
            kind, stem = known
            rel = "/".join((*rel_parts[:-1], stem))
            found.append(InputFile(path=path, rel=rel, kind=kind, root=root))
    return sorted(found, key=lambda f: (f.rel, str(f.path))), skipped


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it ends in .gz."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(MAX_FILE_BYTES + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise InputError(f"corrupt gzip file: {error}") from None
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"gunzipped content exceeds {MAX_FILE_BYTES} bytes")
    return data


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes, is_html: bool) -> tuple[str, str, str | None]:
    """Text, the encoding used and a note when it was a guess.

    A BOM wins, then a declared HTML charset that fits the bytes, then UTF-8, then detection.
    """
    note = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _normalise(data.decode(encoding, errors="replace")), encoding, None
    if is_html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii").lower()
            try:
                codecs.lookup(name)
            except LookupError:
                name = ""
            if name:
                # Browsers read latin-1 declarations as windows-1252; so do we.
                name = "cp1252" if name in {"iso-8859-1", "latin-1", "latin1", "us-ascii"} else name
                try:
                    return _normalise(data.decode(name)), name, None
                except UnicodeDecodeError:
                    note = f"declared charset {name} does not fit the bytes"
    try:
        return _normalise(data.decode("utf-8")), "utf-8", note
    except UnicodeDecodeError:
        note = note or "not valid UTF-8"
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise InputError("binary content: no text encoding fits")
    return _normalise(str(best)), best.encoding, f"{note}; decoded as {best.encoding} (detected)"


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "")


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def read_records(item: InputFile) -> Iterator[RawRecord | InputError]:
    """The articles in one input file; a broken JSONL line yields an error and reading goes on."""
    data = read_bytes(item.path)
    digest = hashlib.sha256(data).hexdigest()
    source = str(item.path)
    if item.kind in {"text", "html"}:
        if not data.strip():
            raise InputError("empty file")
        if _looks_binary(data):
            raise InputError("binary content, not text")
        text, _, note = decode(data, item.kind == "html")
        yield RawRecord(
            id=item.rel,
            source=source,
            content=text,
            is_html=item.kind == "html",
            sha256=digest,
            warnings=[note] if note else [],
        )
        return
    text, _, _ = decode(data, False)
    if item.kind == "json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"invalid JSON: {error}") from None
        yield _record_from_json(value, item.rel, source, digest, None)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        line_digest = hashlib.sha256(line.encode("utf-8")).hexdigest()
        try:
            value = json.loads(line)
            yield _record_from_json(value, f"{item.rel}#{number}", source, line_digest, number)
        except json.JSONDecodeError as error:
            yield InputError(f"line {number}: invalid JSON: {error.msg}")
        except InputError as error:
            yield InputError(f"line {number}: {error}")


def _record_from_json(
    value: object, fallback_id: str, source: str, digest: str, line: int | None
) -> RawRecord:
    if not isinstance(value, dict):
        raise InputError("a record must be a JSON object")
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
