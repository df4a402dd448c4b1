"""The learned table: per site, the lines that repeat in many of its documents, and the cuts it makes.

It is what learning produces (:mod:`cleaner.sitelines.store`) and what cleaning applies,
written as ``<out>/_site_lines.json`` (readable, sorted, the same bytes for the same
statistics) and loaded once per worker. Each site's entry has its own version: it goes
into the sidecars of that site's documents, so new statistics for one site re-clean
that site's files and no others.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.model import Span, touches_any
from cleaner.sitelines.lines import MAX_CHARS, eligible_lines, hash_hex

TABLE_NAME = "_site_lines.json"
FORMAT = 1
REASON = "site-lines"
CATEGORY = "site-repeated"


@dataclass(frozen=True)
class SiteLineParams:
    """When a line is boilerplate for its site.

    A line is learned when it appears in at least ``min_docs`` distinct documents of its
    site and in at least ``min_share`` of them; a site with fewer than ``min_site_docs``
    documents learns nothing. ``allow`` names the allowlist file (None: the rules
    folder's ``site-lines-allow.txt`` when there is one).

    Why these defaults: a site template (menu, footer, prompts) repeats in nearly every
    page, so the share rarely binds for it; content repeats in few documents (a story
    series shares a background line in two to four articles), so five documents keep
    series out; eight documents per site, because with fewer a line in five of them
    could still be a series; a quarter, so that a large site's section furniture (a
    sports menu on the sport pages) is learned while a phrase a few dozen of its
    thousands of articles share is not.
    """

    min_docs: int = 5
    min_share: float = 0.25
    min_site_docs: int = 8
    allow: Path | None = None

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ValueError("min_docs must be at least 2: a line in one document is not repeated")
        if not 0 < self.min_share <= 1:
            raise ValueError("min_share must be in (0, 1]")
        if self.min_site_docs < self.min_docs:
            raise ValueError("min_site_docs must be at least min_docs")

    def needed(self, documents: int) -> int:
        """How many of a site's ``documents`` a line must appear in to be learned."""
        share = -(-round(self.min_share * documents * 1_000_000) // 1_000_000)  # ceil without float noise
        return max(self.min_docs, share)

    def as_dict(self) -> dict[str, Any]:
        return {
            "min_docs": self.min_docs,
            "min_share": self.min_share,
            "min_site_docs": self.min_site_docs,
            "max_chars": MAX_CHARS,
        }


@dataclass(frozen=True)
class LearnedLine:
    """A line learned for a site: its hash, how many of the site's documents hold it, its normal form."""

    hash: int
    documents: int
    text: str


@dataclass(frozen=True)
class Allowed:
    """A line that repeats enough to be learned but that the allowlist keeps, with the pattern that did."""

    line: LearnedLine
    pattern: str


@dataclass(frozen=True)
class SiteEntry:
    """What was learned for one site."""

    site: str
    documents: int
    lines: tuple[LearnedLine, ...]
    allowed: tuple[Allowed, ...] = ()
    by_hash: dict[int, LearnedLine] = field(init=False, repr=False, compare=False)
    # Changes with anything that changes this site's cuts or their details.
    version: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_hash", {line.hash: line for line in self.lines})
        material = [FORMAT, self.site, self.documents, [[hash_hex(x.hash), x.documents] for x in self.lines]]
        object.__setattr__(self, "version", "site-lines-" + _digest(material))

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "version": self.version,
            "lines": [_line_dict(line) for line in self.lines],
            "allowed": [_line_dict(item.line) | {"pattern": item.pattern} for item in self.allowed],
        }


def _line_dict(line: LearnedLine) -> dict[str, Any]:
    return {"hash": hash_hex(line.hash), "documents": line.documents, "text": line.text}


def _digest(material: object) -> str:
    canonical = json.dumps(material, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


class SiteLines:
    """The learned table: sites with at least one learned line, and totals over all sites seen."""

    def __init__(
        self,
        params: SiteLineParams,
        sites: Iterable[SiteEntry],
        allow_version: str | None = None,
        totals: dict[str, int] | None = None,
    ) -> None:
        self.params = params
        self.allow_version = allow_version
        self.sites = {entry.site: entry for entry in sorted(sites, key=lambda entry: entry.site)}
        self.totals = totals or {}
        self.version = "site-lines-" + _digest(
            [FORMAT, params.as_dict(), allow_version, {site: e.version for site, e in self.sites.items()}]
        )

    def site_version(self, site: str) -> str | None:
        """The version of what ``site`` learned (None when it learned nothing)."""
        entry = self.sites.get(site)
        return entry.version if entry else None

    def sites_version(self, sites: Iterable[str]) -> str | None:
        """One version for a file holding documents of ``sites`` (None when none of them learned anything)."""
        versions = sorted({v for v in (self.site_version(site) for site in sites) if v})
        if not versions:
            return None
        return versions[0] if len(versions) == 1 else "site-lines-" + _digest(versions)

    def find(self, text: str, site: str, protected: Sequence[tuple[int, int]] = ()) -> list[Span]:
        """A removed span for each line of ``text`` learned for ``site``, except lines touching ``protected``.

        The span's score is the share of the site's documents that hold the line; its
        detail says how many of how many.
        """
        entry = self.sites.get(site)
        if entry is None:
            return []
        spans = []
        for line in eligible_lines(text):
            learned = entry.by_hash.get(line.hash)
            if learned is None or touches_any(line.start, line.end, protected):
                continue
            spans.append(
                Span(
                    start=line.start,
                    end=line.end,
                    action="removed",
                    reason=REASON,
                    category=CATEGORY,
                    score=round(learned.documents / entry.documents, 4),
                    detail=f"in {learned.documents} of {entry.documents} documents of {site}",
                )
            )
        return spans

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "params": self.params.as_dict(),
            "allow": self.allow_version,
            "totals": self.totals,
            "sites": {site: entry.as_dict() for site, entry in self.sites.items()},
        }

    def dumps(self) -> str:
        """The table as the JSON text of ``_site_lines.json``: indented, sorted, deterministic."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def load(cls, path: Path) -> SiteLines:
        """Read a table written by :meth:`dumps`; a damaged or foreign file raises ValueError."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            params = data["params"]
            table = cls(
                SiteLineParams(params["min_docs"], params["min_share"], params["min_site_docs"]),
                [_entry(site, value) for site, value in data["sites"].items()],
                data["allow"],
                data["totals"],
            )
        except (OSError, KeyError, TypeError, AttributeError, ValueError) as error:
            raise ValueError(f"{path}: not a usable site-lines table: {error}") from None
        if table.version != data["version"]:
            raise ValueError(f"{path}: its content does not match its version; learn again (--relearn)")
        return table


def _entry(site: str, value: dict[str, Any]) -> SiteEntry:
    def line(item: dict[str, Any]) -> LearnedLine:
        value = int.from_bytes(bytes.fromhex(item["hash"]), "big", signed=True)
        return LearnedLine(value, item["documents"], item["text"])

    return SiteEntry(
        site,
        value["documents"],
        tuple(line(item) for item in value["lines"]),
        tuple(Allowed(line(item), item["pattern"]) for item in value["allowed"]),
    )
