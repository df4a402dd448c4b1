"""``cleaner eval``: run the whole pipeline over a benchmark folder and score it with its own metric."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.benchmarks import InputKind, Page, Result, load_pages, score
from cleaner.ingest import RawRecord, decode
from cleaner.offtopic.provenance import Sources
from cleaner.pipeline import SURVEY_VERSION, Cleaner, Settings, survey
from cleaner.sitelines import Allowlist, SiteLines, SiteLineStore


@dataclass(frozen=True)
class Evaluation:
    """A benchmark result and how long cleaning took."""

    input: InputKind
    result: Result
    pages: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "pages": self.pages,
            "ms_per_page": round(1000 * self.seconds / max(self.pages, 1), 2),
            **self.result.as_dict(),
        }

    def report(self, worst: int = 10) -> str:
        """The figures as a short text table: overall, per language, the pages that lose most."""
        result = self.result
        lines = [
            f"{result.benchmark} / {self.input}: {self.pages} pages, "
            f"{1000 * self.seconds / max(self.pages, 1):.1f} ms per page",
            f"  precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}",
        ]
        if len(result.per_language) > 1:
            lines.append("  per language:")
            for lang, figures in sorted(result.per_language.items(), key=lambda item: -item[1].pages):
                lines.append(
                    f"    {lang:8} {figures.pages:4} pages  precision {figures.precision:.3f}  "
                    f"recall {figures.recall:.3f}  F1 {figures.f1:.3f}"
                )
        lines.append(f"  the {worst} pages that lose most:")
        for page in result.worst(worst):
            lines.append(f"    F1 {page.f1:.3f}  P {page.precision:.3f}  R {page.recall:.3f}  {page.key}")
        return "\n".join(lines)


def evaluate(directory: Path, input: InputKind, cleaner: Cleaner) -> Evaluation:
    """Clean every page of a benchmark folder (``input`` picks the raw text or the HTML) and score it.

    With the site-lines stage on, its lines and the passages one page holds more than another
    (cleaner/offtopic/provenance.py) are first learned from the benchmark's own pages, as
    ``cleaner run`` learns them from its inputs (no labels are used); the time counts.
    """
    outputs: dict[str, str] = {}
    started = time.perf_counter()
    sources: dict[str, Sources] = {}
    if cleaner.settings.site_lines is not None:
        table, sources = learn_site_lines(directory, input, cleaner.settings)
        cleaner = cleaner.with_site_lines(table)
    seconds = time.perf_counter() - started
    for page in load_pages(directory, input):
        record = page_record(directory, page)
        started = time.perf_counter()
        document = cleaner.clean(record, page.site, sources=sources.get(page.key))
        outputs[page.key] = cleaner.clean_text(document)
        seconds += time.perf_counter() - started
    return Evaluation(input, score(directory, outputs), len(outputs), seconds)


def learn_site_lines(
    directory: Path, input: InputKind, settings: Settings
) -> tuple[SiteLines, dict[str, Sources]]:
    """The site lines learned from a benchmark folder's pages (statistics kept in memory), and
    the sources of each page's passages that another page holds more (none with no off-topic stage)."""
    assert settings.site_lines is not None
    allowlist = Allowlist.load(settings.site_lines_allow)
    store = SiteLineStore(":memory:", SURVEY_VERSION)
    try:
        keys = []
        for page in load_pages(directory, input):
            store.add(page.key, [survey(page_record(directory, page), page.site)])
            store.commit(page.key, "")
            keys.append(page.key)
        table = store.learn(settings.site_lines, allowlist)
        found = store.find_sources() if settings.offtopic else {}
        return table, {key: store.sources(key, 0, 1)[0] for key in keys if key in found}
    finally:
        store.close()


def page_record(directory: Path, page: Page) -> RawRecord:
    """A benchmark page as the record `cleaner run` would read (HTML decoded as a file is)."""
    if isinstance(page.raw, bytes):
        content, _, _ = decode(page.raw, is_html=True)
    else:
        content = page.raw
    return RawRecord(
        id=page.key,
        source=str(directory / page.input / page.key),
        content=content,
        is_html=page.input == "html",
        sha256="",
        metadata={"url": page.url} if page.url else {},
    )
