"""The survey pass hands its HTML extractions to the cleaning pass: each page is extracted once a run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import cleaner.pipeline
from cleaner.extract import html_to_text
from cleaner.extraction_cache import CACHE_NAME, ExtractionCache
from cleaner.ingest import InputError, JsonLine, RawRecord, RecordStream, discover, file_origin
from cleaner.pipeline import Cleaner, Extracted, Settings, extract
from cleaner.runner import run
from cleaner.sitelines import SiteLineParams
from tests.test_scale import outputs

PAGE = (
    "<html><head><title>Harbour story {n}</title></head><body><nav>Home | News</nav><article>"
    "<h1>Harbour story {n}</h1><p>The Harbour Times, read along the whole coast</p><p>The harbour board "
    "met on day {n} to discuss dredging, ferry timetables and the cost of repairs to the old pier.</p>"
    "<p>Members said a decision would follow once the engineers had reported back in {n} weeks.</p>"
    "</article></body></html>"
)
SETTINGS = Settings(decisions_path=None, site_lines=SiteLineParams(min_docs=2, min_site_docs=3))


@pytest.fixture(scope="module")
def loaded() -> Cleaner:
    return Cleaner(SETTINGS)


def page(n: int, url: str | None = None) -> RawRecord:
    return RawRecord(f"p{n}", "test", PAGE.format(n=n), True, "", {"url": url} if url else {})


def corpus(folder: Path) -> Path:
    """Three HTML files of one site and a JSONL file of three HTML records of another, one repeated."""
    (folder / "harbour").mkdir(parents=True)
    for n in range(3):
        (folder / "harbour" / f"story-{n}.html").write_text(PAGE.format(n=n))
    records = [
        {"id": f"r{n}", "url": f"https://times.example/{n}", "html": PAGE.format(n=n)} for n in range(3)
    ]
    lines = [json.dumps(record) + "\n" for record in [*records, records[0]]]
    (folder / "feed.jsonl").write_text("".join(lines))
    return folder


def test_a_record_comes_back_as_kept_with_its_extraction_and_only_from_its_origin(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "cache")
    line = JsonLine("feed.jsonl", "feed", 3, json.dumps({"id": "r1", "html": PAGE.format(n=1)}).encode())
    record = line.parse()
    assert isinstance(record, RawRecord)
    assert cache.get(line.origin) is None
    kept = Extracted("Text with a lone \ud800 surrogate\n", {"title": "T", "date": None})
    cache.put(line.origin, record, kept)
    assert cache.get(line.origin) == (replace(record, content=""), kept)  # the HTML is not kept
    # The origin names the file, the place in it and the bytes: any other is another record.
    assert cache.get(replace(line, number=4).origin) is None
    assert cache.get(replace(line, data=line.data.replace(b"r1", b"r2")).origin) is None
    cache.path(line.origin).write_bytes(b'{"record": {"id": "r1", "sou')  # a damaged entry is read again
    assert cache.get(line.origin) is None
    cache.clear()
    assert not cache.root.exists()


def test_a_run_extracts_each_page_once_and_writes_what_extracting_twice_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: Cleaner
) -> None:
    raw = corpus(tmp_path / "raw")
    calls: list[str | None] = []

    def counted(html: str, url: str | None = None) -> tuple[str, dict[str, str | None], str]:
        calls.append(url)
        return html_to_text(html, url)

    monkeypatch.setattr(cleaner.pipeline, "html_to_text", counted)
    once = run([raw], tmp_path / "once", SETTINGS, workers=1, cleaner=loaded)
    assert once.documents == 7 and once.site_lines["lines_learned"] > 0
    assert len(calls) == 7  # all in the survey pass
    assert not (tmp_path / "once" / CACHE_NAME).exists()

    calls.clear()
    monkeypatch.setattr(ExtractionCache, "get", lambda self, origin: None)
    run([raw], tmp_path / "twice", SETTINGS, workers=1, cleaner=loaded)
    assert len(calls) == 14
    assert outputs(tmp_path / "once") == outputs(tmp_path / "twice")


def test_extractions_left_by_a_stopped_run_are_used_by_the_next(tmp_path: Path, loaded: Cleaner) -> None:
    raw = corpus(tmp_path / "raw")
    out = tmp_path / "clean"
    run([raw], out, SETTINGS, workers=1, cleaner=loaded)
    # As if a run had stopped after its survey: the next run surveys nothing (the files are
    # known) and cleans with what the stopped one extracted.
    (item,) = [item for item in discover([raw])[0] if item.rel == "harbour/story-1"]
    (record,) = RecordStream(item)
    assert isinstance(record, RawRecord)
    kept = extract(record)
    cache = ExtractionCache(out / CACHE_NAME)
    cache.put(file_origin(record), record, Extracted(kept.text + "Kept by the stopped run.\n", {}))
    run([raw], out, SETTINGS, workers=1, force=True, cleaner=loaded)
    assert (out / "harbour" / "story-1.txt").read_text().endswith("Kept by the stopped run.\n")
    assert not (out / CACHE_NAME).exists()


def test_the_cleaning_pass_parses_no_record_the_survey_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: Cleaner
) -> None:
    raw = corpus(tmp_path / "raw")
    parsed: list[int] = []
    parse = JsonLine.parse

    def counted(line: JsonLine) -> RawRecord | InputError:
        parsed.append(line.number)
        return parse(line)

    monkeypatch.setattr(JsonLine, "parse", counted)
    run([raw], tmp_path / "out", SETTINGS, workers=1, cleaner=loaded)
    assert parsed == [1, 2, 3, 4]  # by the survey pass only
