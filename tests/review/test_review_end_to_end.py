"""Review for real: `cleaner run`, decisions made in the terminal reviewer, `cleaner run` again."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import main
from cleaner.review.decisions import Decisions
from cleaner.review.queue import decide, load_queue
from cleaner.review.tui import ReviewApp

ARTICLE = (
    "Ferry timetable changes from June\n\n"
    "The island ferry will sail six times a day from June, the operator said on Monday.\n\n"
    "- ADVERTISEMENT - CONTINUE READING BELOW -\n\n"
    "Fares stay the same until the end of the year, and a night sailing is planned for August.\n\n"
    "If you would like to show your support for what we are doing, here's where to do it.\n"
)


def test_decisions_from_the_reviewer_apply_on_the_next_run(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ferry.txt").write_text(ARTICLE)
    out = tmp_path / "clean"
    decisions_path = tmp_path / "reviews" / "decisions.jsonl"
    args = ["run", str(raw), "--out", str(out), "--decisions", str(decisions_path)]
    assert CliRunner().invoke(main, args).exit_code == 0
    items = load_queue(out, Decisions.load(decisions_path), include_removed=True)
    assert [item.text for item in items] == [
        "- ADVERTISEMENT - CONTINUE READING BELOW -",
        "If you would like to show your support for what we are doing, here's where to do it.",
    ]

    async def session() -> None:
        app = ReviewApp(items, decisions_path)
        async with app.run_test() as pilot:
            await pilot.press("k", "d", "q")  # overrule the ad rule (keep), confirm the appeal (drop)

    asyncio.run(session())
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and result.output.startswith("1 documents cleaned")  # decisions re-clean
    clean = (out / "ferry.txt").read_text()
    assert "- ADVERTISEMENT - CONTINUE READING BELOW -" in clean
    assert "show your support" not in clean
    statuses = {
        item["rule"]: item["status"] for item in json.loads((out / "ferry.json").read_text())["removed"]
    }
    assert statuses == {"ad-label-line": "kept", "support-appeal": "applied"}
    assert load_queue(out, Decisions.load(decisions_path), include_removed=True) == []


SAMPLE = Path(__file__).resolve().parents[2] / "raw" / "pitchside" / "nunes-transfer.txt"


def test_flag_decisions_from_the_reviewer_apply_on_the_next_run(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(SAMPLE.read_bytes())
    (raw / "b.txt").write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "clean"
    decisions_path = tmp_path / "reviews" / "decisions.jsonl"
    args = ["run", str(raw), "--out", str(out), "--decisions", str(decisions_path)]
    assert CliRunner().invoke(main, args).exit_code == 0
    items = load_queue(out, Decisions.load(decisions_path))
    assert [item.document for item in items] == ["a", "b"]  # the spliced egg-price sentence, twice
    passage = items[0].text
    assert "egg prices" in passage and passage not in (out / "a.txt").read_text()

    async def session() -> None:
        app = ReviewApp(items, decisions_path)
        async with app.run_test() as pilot:
            await pilot.press("k", "d")  # a: keep it after all; b: confirm the flag

    asyncio.run(session())
    assert CliRunner().invoke(main, args).exit_code == 0
    assert passage in (out / "a.txt").read_text()
    assert passage not in (out / "b.txt").read_text()
    statuses = [json.loads((out / f"{name}.json").read_text())["flagged"][0]["status"] for name in "ab"]
    assert statuses == ["kept", "dropped"]
    assert load_queue(out, Decisions.load(decisions_path)) == []
    # The index counts the flags in force, as it counts the cuts: the kept passage no more.
    index = {entry["id"]: entry for entry in map(json.loads, (out / "index.jsonl").read_text().splitlines())}
    assert (index["a"]["flagged"], index["b"]["flagged"]) == (0, 1)


def test_a_verdict_re_cleans_only_the_file_of_its_document(tmp_path: Path) -> None:
    """Not the whole corpus: each file's version holds the verdicts on its own documents."""
    raw = tmp_path / "raw"
    raw.mkdir()
    sample = SAMPLE.read_text()
    for name in "abc":
        (raw / f"{name}.txt").write_text(sample)
    records = [{"id": f"r{n}", "text": sample.replace("Nunes", f"Nunes{n}")} for n in range(2)]
    (raw / "feed.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    out, decisions_path = tmp_path / "clean", tmp_path / "decisions.jsonl"
    args = ["run", str(raw), "--out", str(out), "--decisions", str(decisions_path)]
    assert CliRunner().invoke(main, args).output.startswith("5 documents cleaned")
    queue = {item.document: item.id for item in load_queue(out, Decisions())}
    assert sorted(queue) == ["a", "b", "c", "r0", "r1"]
    for document, cleaned in (("b", "1 documents cleaned (3 files"), ("r1", "2 documents cleaned (3 files")):
        decide(out, queue[document], "keep", decisions_path)
        assert CliRunner().invoke(main, args).output.startswith(cleaned)
    kept = json.loads((out / "b.json").read_text())
    assert kept["flagged"][0]["status"] == "kept" and kept["versions"]["decisions"].startswith("decisions-")
    assert json.loads((out / "a.json").read_text())["versions"]["decisions"] is None
    decide(out, queue["b"], "undo", decisions_path)
    assert CliRunner().invoke(main, args).output.startswith("1 documents cleaned (3 files")
    assert json.loads((out / "b.json").read_text())["flagged"][0]["status"] == "pending"
