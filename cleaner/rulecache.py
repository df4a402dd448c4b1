"""What loading a rule file works out, kept on disk so that the next load skips the work.

Loading a rule compiles each pattern (which is how a bad one is reported, naming
the file, the rule and the pattern) and analyses it for the prefilter: about four
seconds of CPU for the shipped rules, paid by every run and every worker before the
first document. Both depend only on the file's bytes and on the code and the regex
package that read them. So once a file has loaded, the patterns as the engine runs
them and their prefilter requirements are written to a cache entry named by the
sha256 of all of those; a later load of the same bytes with the same code reads the
entry and compiles each pattern only when a document first needs it. A file that
changed, or code that did, finds no entry and is compiled and checked in full.

Entries live in a folder ``rules`` of ``$CLEANER_CACHE_DIR``, else of ``$XDG_CACHE_HOME/cleaner``,
else of ``~/.cache/cleaner`` (``CLEANER_CACHE_DIR=`` empty: no cache). An entry that can't be
read or doesn't fit its file is ignored; one that can't be written is not written.
Either way the rules load as without a cache. Past MAX_ENTRIES entries, the half used
longest ago are removed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from cleaner.prefilter import Heads, Requirement
from cleaner.write import write_atomic

FORMAT = 1
MAX_ENTRIES = 2000  # about 14 versions of the 144 shipped files


@dataclass(frozen=True)
class Prepared:
    """One pattern as loading works it out: its source as the engine runs it, the source of its
    line-start twin (None: it has none), and what the prefilter knows it needs."""

    source: str
    twin: str | None
    needs: Requirement

    def to_json(self) -> dict[str, Any]:
        needs = self.needs
        return {
            "source": self.source,
            "twin": self.twin,
            "clauses": [sorted(clause) for clause in needs.clauses],
            "one_line": needs.one_line,
            "heads": list(needs.heads.strings) if needs.heads is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prepared:
        heads = data["heads"]
        needs = Requirement(
            tuple(frozenset(clause) for clause in data["clauses"]),
            bool(data["one_line"]),
            Heads(heads) if heads is not None else None,
        )
        twin = data["twin"]
        if not isinstance(data["source"], str) or not (twin is None or isinstance(twin, str)):
            raise TypeError("a source is not a string")
        return cls(data["source"], twin, needs)


def cache_folder() -> Path | None:
    """Where rule cache entries live (None: nowhere, as ``CLEANER_CACHE_DIR=`` asks)."""
    chosen = os.environ.get("CLEANER_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) / "rules" if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cleaner" / "rules"


@functools.cache
def _code_digest() -> str:
    """What the entries depend on besides a file's bytes: the code that loads and analyses
    rules, the regex package and Python (worked out once per process)."""
    digest = hashlib.sha256()
    for module in ("cleaner.rules", "cleaner.prefilter", __name__):
        digest.update(Path(sys.modules[module].__file__ or "").read_bytes())
    digest.update(f"{regex.__version__}/{sys.version}/{FORMAT}".encode())
    return digest.hexdigest()


def entry_key(content: bytes) -> str:
    """The name of the entry of a rule file with these bytes."""
    return hashlib.sha256(_code_digest().encode() + b"\0" + content).hexdigest()


def read_entry(folder: Path | None, key: str, shape: list[int]) -> list[list[Prepared]] | None:
    """The prepared patterns of each rule of a file, when an entry for ``key`` is there and has
    ``shape`` (the number of patterns of each rule); else None."""
    if folder is None:
        return None
    try:
        entry = folder / f"{key}.json"
        data = json.loads(entry.read_text(encoding="utf-8"))
        if data["sha256"] != _checksum(data["rules"]):
            return None  # not as written (an entry is written whole, so: edited or damaged)
        prepared = [[Prepared.from_json(pattern) for pattern in rule] for rule in data["rules"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if [len(rule) for rule in prepared] != shape:
        return None
    with contextlib.suppress(OSError):
        entry.touch()  # used now (see _prune)
    return prepared


def _checksum(rules: object) -> str:
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()


def write_entry(folder: Path | None, key: str, prepared: list[list[Prepared]]) -> None:
    """Keep the prepared patterns of a file's rules under ``key`` (quietly not, when the
    folder can't be written)."""
    if folder is None:
        return
    rules = [[pattern.to_json() for pattern in rule] for rule in prepared]
    content = json.dumps({"format": FORMAT, "sha256": _checksum(rules), "rules": rules})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.json", content, durable=False)
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    """Remove the entries used longest ago when there are more than MAX_ENTRIES (old
    versions of edited files, or of the code, are never read again)."""
    entries = list(folder.glob("*.json"))
    if len(entries) <= MAX_ENTRIES:
        return
    by_age = sorted(entries, key=lambda entry: entry.stat().st_mtime)
    for entry in by_age[: len(entries) - MAX_ENTRIES // 2]:
        entry.unlink(missing_ok=True)
