"""The library: `cleaner.clean` gives in memory what `cleaner run` writes; `cleaner.read_clean` reads it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import cleaner
from cleaner.cli import main
from cleaner.ingest import InputError
from cleaner.pipeline import DEFAULT_RULES_DIR
from cleaner.review.decisions import record
from tests.test_pipeline import SPLICED_REPORT
from tests.test_run import ARTICLE, HTML, SCHEMA


def test_clean_cuts_boilerplate_and_records_why() -> None:
    result = cleaner.clean(ARTICLE, doc_id="strike")
    assert "ADVERTISEMENT" not in result.text
    assert "show your support" not in result.text
    assert "four percent this year" in result.text
    rules = {span.reason for span in result.document.removed}
    assert {"ad-label-line", "support-appeal"} <= rules
    record = result.sidecar()
    jsonschema.validate(record, SCHEMA)
    assert record["id"] == "strike"
    assert record["versions"]["decisions"] is None  # no decisions file unless settings name one


def test_clean_html_takes_the_title_and_author_from_the_page() -> None:
    result = cleaner.clean(HTML, html=True, url="https://news.example.com/budget")
    assert result.document.metadata["title"] == "Council backs budget"
    assert result.document.metadata["author"] == "Sam Reyes"
    assert "Home | News | Sport" not in result.text
    assert "approved a budget of 40 million" in result.text
    assert result.document.site == "news.example.com"


def test_clean_gives_the_same_text_and_spans_as_cleaner_run(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    data = (
        ARTICLE.replace("\n\n", "\r\n\r\n").replace("four percent", "four per cent – Größe").encode("cp1252")
    )
    (raw / "strike.txt").write_bytes(data)
    out = tmp_path / "clean"
    outcome = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--decisions", ""])
    assert outcome.exit_code == 0, outcome.output
    written = json.loads((out / "strike.json").read_text())
    assert "Größe" in written["text_before"] and written["warnings"]  # decoded by detection, and said so
    from_bytes = cleaner.clean(data, doc_id="strike")
    from_text = cleaner.clean(data.decode("cp1252"), doc_id="strike")
    assert from_bytes.text == from_text.text == (out / "strike.txt").read_text()
    for key in ("id", "sha256", "lang", "metadata", "text_before", "removed", "flagged", "warnings"):
        assert from_bytes.sidecar()[key] == written[key], key
    assert from_text.sidecar()["removed"] == written["removed"] and not from_text.document.warnings


def test_an_empty_or_binary_article_is_an_input_error() -> None:
    with pytest.raises(InputError, match="non-empty"):
        cleaner.clean(" \n ")
    with pytest.raises(InputError, match="binary content"):
        cleaner.clean(b"\x00\x01PK\x03\x04" * 10)


def test_read_clean_yields_every_document_with_its_clean_text(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a-strike.txt").write_text(ARTICLE)
    records = [{"id": "r1", "title": "Strike ends", "text": ARTICLE}, {"id": "r2", "html": HTML}]
    (raw / "b-feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "clean"
    assert CliRunner().invoke(main, ["run", str(raw), "--out", str(out)]).exit_code == 0
    (out / "c-lost.json").write_text((out / "a-strike.json").read_text())  # a sidecar without its text
    second = (out / "b-feed.jsonl").read_bytes().splitlines()[1]
    with (out / "b-feed.jsonl").open("ab") as feed:  # a bad line between good ones is skipped alone
        feed.write(b"{cut short\n\xff\xfe not UTF-8\n" + second + b"\n")

    documents = list(cleaner.read_clean(out))

    assert [doc["id"] for doc in documents] == ["a-strike", "r1", "r2", "r2"]
    assert all(list(doc)[:2] == ["id", "text"] for doc in documents)
    assert documents[0]["text"] == (out / "a-strike.txt").read_text()
    assert [cut["rule"] for cut in documents[0]["removed"]][:2] == ["ad-label-line", "support-appeal"]
    assert documents[1]["text"] == documents[0]["text"]
    assert "approved a budget" in documents[2]["text"]


def test_importing_cleaner_leaves_the_pipeline_unloaded() -> None:
    code = "import sys, cleaner; print('cleaner.pipeline' in sys.modules, callable(cleaner.clean))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "True"]


@pytest.mark.parametrize("content", [None, 5, ["text"]])
def test_clean_names_what_it_takes(content: object) -> None:
    with pytest.raises(TypeError, match="str or bytes"):
        cleaner.clean(content)  # type: ignore[arg-type]


def test_read_clean_of_a_folder_that_is_not_there_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        cleaner.read_clean(tmp_path / "absent")


def test_settings_never_read_the_working_directorys_decisions_unless_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings given for another reason (a text mode) took reviews/decisions.jsonl from the cwd."""
    first = cleaner.clean(SPLICED_REPORT, doc_id="strike")
    flagged = first.document.flagged[0]
    monkeypatch.chdir(tmp_path)
    passage = SPLICED_REPORT[flagged.start : flagged.end]
    record(Path("reviews/decisions.jsonl"), "strike", flagged, passage, "keep")
    unnamed = cleaner.clean(SPLICED_REPORT, doc_id="strike", settings=cleaner.Settings(text_mode="article"))
    assert [span.status for span in unnamed.document.flagged] == ["pending"]
    named = cleaner.Settings(decisions_path="reviews/decisions.jsonl", rules_dir=str(DEFAULT_RULES_DIR))
    kept = cleaner.clean(SPLICED_REPORT, doc_id="strike", settings=named)
    assert [span.status for span in kept.document.flagged] == ["kept"]
    with pytest.raises(ValueError, match="text_mode must be one of auto, page, article, not 'bogus'"):
        cleaner.Settings(text_mode="bogus")  # type: ignore[arg-type]
