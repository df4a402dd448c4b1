"""The allowlist: lines the site-lines stage must never learn, so never cut.

A plain text file (by default ``rules/site-lines-allow.txt``), one entry a line::

    # a comment
    ^listen to this article$            a pattern, for every site
    @example.com ^from our archive:     a pattern for one site only (its host, or sub-folder)

A pattern is a regular expression (the ``regex`` package, case-insensitive) searched in
the line in its normal form (:func:`cleaner.sitelines.lines.normalise`: spaces collapsed,
case folded). The file's digest goes into the learned table, so a changed allowlist
re-cleans the files of the sites whose learned lines it changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import regex

ALLOW_NAME = "site-lines-allow.txt"
PATTERN_TIMEOUT_SECONDS = 1.0


class AllowlistError(ValueError):
    """An allowlist that can't be used; the message names the file and line."""


@dataclass(frozen=True)
class AllowEntry:
    """One allowlist line: a compiled pattern and the site it is limited to ("" for every site)."""

    site: str
    pattern: str
    compiled: regex.Pattern[str]


@dataclass(frozen=True)
class Allowlist:
    """The entries of an allowlist file and its version (None when there is no file)."""

    entries: tuple[AllowEntry, ...] = ()
    version: str | None = None

    @classmethod
    def load(cls, path: Path | None) -> Allowlist:
        """Read and compile ``path``; no path, or a missing default file, is an empty allowlist."""
        if path is None or not path.exists():
            return cls()
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise AllowlistError(f"{path}: can't read the site-lines allowlist: {error}") from None
        entries = []
        for number, raw in enumerate(content.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            site = ""
            if line.startswith("@"):
                site, _, line = line[1:].partition(" ")
                line = line.strip()
                if not site or not line:
                    raise AllowlistError(f"{path}:{number}: '@site' must be followed by a pattern")
            try:
                compiled = regex.compile(line, regex.IGNORECASE | regex.VERSION1)
            except regex.error as error:
                raise AllowlistError(f"{path}:{number}: bad pattern {line!r}: {error}") from None
            entries.append(AllowEntry(site.removeprefix("www.").lower(), line, compiled))
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:12]
        return cls(tuple(entries), f"allow-{digest}")

    def match(self, site: str, text: str) -> str | None:
        """The first pattern that allows ``text`` (a normalised line) on ``site``, or None.

        A pattern that runs past its time-out allows the line: when in doubt, keep the text.
        """
        for entry in self.entries:
            if entry.site and entry.site != site:
                continue
            try:
                if entry.compiled.search(text, timeout=PATTERN_TIMEOUT_SECONDS):
                    return entry.pattern
            except TimeoutError:
                return entry.pattern
        return None
