"""The review queue and the `review` / `report` commands for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from review_fixture import ELECTION

from cleaner.review.commands import report, review
from cleaner.review.decisions import Decisions
from cleaner.review.queue import context, decide, load_queue

NEWSLETTER = "Sign up for our newsletter to get the best deals on garden furniture."
HOROSCOPE = "Our horoscope for Sunday: Leo will meet an old friend."


def _span_id(document: str, text: str, needle: str, suffix: str = "") -> str:
    start = text.index(needle)
    return f"{document}:{start}-{start + len(needle)}{suffix}"


def test_queue_lists_pending_flags_from_json_and_jsonl_outputs(clean_dir: Path) -> None:
    items = load_queue(clean_dir, Decisions())
    assert [(item.document, item.span.action) for item in items] == [
        ("bridge", "flagged"),
        ("hostile", "flagged"),
        ("news/election", "flagged"),
        ("news/election", "flagged"),
    ]
    newsletter = items[2]
    assert newsletter.id == _span_id("news/election", ELECTION, NEWSLETTER)
    assert (newsletter.text, newsletter.span.score, newsletter.reason) == (NEWSLETTER, 0.91, "promo words")
    assert newsletter.span.reason == "offtopic-lr-1"
    assert newsletter.title == "County election: polls close at eight"


def test_queue_can_include_the_rules_cuts(clean_dir: Path) -> None:
    items = load_queue(clean_dir, Decisions(), include_removed=True)
    removed = [item for item in items if item.span.action == "removed"]
    assert [(item.document, item.span.reason) for item in removed] == [
        ("hostile", "social.share-this"),
        ("news/election", "ads.advertisement-line"),
    ]
    assert removed[1].id == _span_id("news/election", ELECTION, "Advertisement", ":removed")


def test_context_is_the_passage_paragraphs_plus_one_each_side() -> None:
    start = ELECTION.index(NEWSLETTER)
    before, after = context(ELECTION, start, start + len(NEWSLETTER))
    assert before == "Advertisement\n\n"
    assert after == "\n\nThe count is expected to finish before midnight."
    before, after = context(ELECTION, 0, 5)
    assert before == "" and after.startswith(" close at eight") and after.endswith("officials said.")
    before, _ = context(ELECTION, start, start + 3, limit=10)
    assert before == "…tisement\n\n"


def test_decide_records_and_removes_the_item_from_the_queue(clean_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "reviews" / "decisions.jsonl"
    wanted = _span_id("news/election", ELECTION, HOROSCOPE)
    (item,) = decide(clean_dir, wanted, "drop", path)
    assert item.text == HOROSCOPE
    remaining = [i.id for i in load_queue(clean_dir, Decisions.load(path))]
    assert wanted not in remaining and len(remaining) == 3
    decided = load_queue(clean_dir, Decisions.load(path), include_decided=True)
    assert [i.decision for i in decided if i.id == wanted] == ["drop"]
    with pytest.raises(LookupError, match="no passage 'nope:1-2'"):
        decide(clean_dir, "nope:1-2", "keep", path)
    decide(clean_dir, wanted, "undo", path)  # pending again
    assert wanted in [i.id for i in load_queue(clean_dir, Decisions.load(path))]


def test_a_verdict_covers_documents_sharing_an_id_only_where_their_passage_is_the_same(
    clean_dir: Path, tmp_path: Path
) -> None:
    """Decisions name documents by id: two records "bridge" in two files share their verdicts."""
    bridge = json.loads((clean_dir / "batch.jsonl").read_text().splitlines()[0])
    copy = clean_dir / "copy.jsonl"
    copy.write_text(json.dumps({**bridge, "source": "raw/copy.jsonl"}) + "\n")
    path, runner = tmp_path / "decisions.jsonl", CliRunner()
    wanted = next(item.id for item in load_queue(clean_dir, Decisions()) if item.document == "bridge")
    decided = runner.invoke(review, [str(clean_dir), "--decide", wanted, "keep", "--decisions", str(path)])
    assert decided.exit_code == 0 and len(path.read_text().splitlines()) == 1
    assert "2 documents have the id 'bridge' (raw/bridge.html, raw/copy.jsonl)" in decided.output
    assert not [item for item in load_queue(clean_dir, Decisions.load(path)) if item.document == "bridge"]
    # Another passage at the same offsets: one verdict can't name it apart from the first.
    text = bridge["text_before"].replace("ten bridges", "six bridges")
    copy.write_text(json.dumps({**bridge, "source": "raw/copy.jsonl", "text_before": text}) + "\n")
    with pytest.raises(LookupError, match=r"different passages of 2 documents \(raw/bridge.html, raw/copy"):
        decide(clean_dir, wanted, "drop", path)


def test_cli_list_json_and_decide(clean_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    runner = CliRunner()
    listed = runner.invoke(review, [str(clean_dir), "--list", "--json", "--decisions", str(path)])
    assert listed.exit_code == 0, listed.output
    records = [json.loads(line) for line in listed.output.splitlines()]
    assert len(records) == 4
    assert all({"id", "document", "text", "score", "reason"} <= set(r) for r in records)
    target = next(r for r in records if r["text"] == NEWSLETTER)

    decided = runner.invoke(
        review, [str(clean_dir), "--decide", target["id"], "keep", "--decisions", str(path)]
    )
    assert decided.exit_code == 0, decided.output
    assert json.loads(path.read_text())["decision"] == "keep"
    again = runner.invoke(review, [str(clean_dir), "--list", "--json", "--decisions", str(path)])
    assert target["id"] not in again.output and len(again.output.splitlines()) == 3

    unknown = runner.invoke(
        review, [str(clean_dir), "--decide", "nope:1-2", "drop", "--decisions", str(path)]
    )
    assert unknown.exit_code == 1 and "no passage 'nope:1-2'" in unknown.output
    bad_verdict = runner.invoke(review, [str(clean_dir), "--decide", target["id"], "maybe"])
    assert bad_verdict.exit_code == 2


def test_cli_plain_list_is_one_line_per_item_without_control_characters(
    clean_dir: Path, tmp_path: Path
) -> None:
    sidecar_path = clean_dir / "hostile.json"
    sidecar = json.loads(sidecar_path.read_text())
    sidecar["flagged"][0]["reason"] = "spam\x1b]0;owned\x07 with\nnewline"
    sidecar_path.write_text(json.dumps(sidecar))
    result = CliRunner().invoke(review, [str(clean_dir), "--list", "--decisions", str(tmp_path / "d.jsonl")])
    lines = result.output.splitlines()
    assert len(lines) == 4 and "\x1b" not in result.output and "\x07" not in result.output
    assert lines[1].split("\t")[1:3] == ["0.950", "spam ]0;owned  with newline"]


def test_cli_report_prints_the_report_path(clean_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(report, [str(clean_dir), "--decisions", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(clean_dir / "report.html")
    assert (clean_dir / "report.html").stat().st_size > 0


def test_the_reviewer_without_a_terminal_says_what_to_use_instead(clean_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(review, [str(clean_dir), "--decisions", str(tmp_path / "d.jsonl")])
    assert result.exit_code == 2 and "needs a terminal" in result.output and "--decide" in result.output


@pytest.mark.parametrize("command", [report, review])
def test_a_folder_no_run_wrote_is_refused(tmp_path: Path, command: click.Command) -> None:
    """A report written into a scrape folder would be cleaned as an article by the next run."""
    (tmp_path / "story.html").write_text("<p>Story</p>")
    outcome = CliRunner().invoke(command, [str(tmp_path), "--decisions", str(tmp_path / "d.jsonl")])
    assert outcome.exit_code == 2 and "not the output folder of a cleaner run (no index" in outcome.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.html"]


def test_review_and_report_take_no_decisions_file_and_name_a_bad_one(clean_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(review, [str(clean_dir), "--list", "--decisions", ""])
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 4
    assert runner.invoke(report, [str(clean_dir), "--decisions", ""]).exit_code == 0
    wanted = load_queue(clean_dir, Decisions())[0].id
    unrecorded = runner.invoke(review, [str(clean_dir), "--decide", wanted, "keep", "--decisions", ""])
    assert unrecorded.exit_code == 2 and "name one with --decisions" in unrecorded.output
    (tmp_path / "file").write_text("")
    under_a_file = str(tmp_path / "file" / "d.jsonl")
    blocked = runner.invoke(review, [str(clean_dir), "--decide", wanted, "keep", "--decisions", under_a_file])
    assert blocked.exit_code == 1 and "can't record the verdict in" in blocked.output


def test_listed_ids_are_printable_and_decide_takes_them(clean_dir: Path, tmp_path: Path) -> None:
    """A scraped id may hold escape sequences, tabs and line breaks."""
    bridge = json.loads((clean_dir / "batch.jsonl").read_text().splitlines()[0])
    hostile_id = "x\tfake\x1b[2J\x1b[31mRED\nsecond line"
    (clean_dir / "batch.jsonl").write_text(json.dumps({**bridge, "id": hostile_id}) + "\n")
    path, runner = tmp_path / "decisions.jsonl", CliRunner()
    listed = runner.invoke(review, [str(clean_dir), "--list", "--decisions", str(path)])
    (line,) = [line for line in listed.output.splitlines() if "fake" in line]
    shown = line.split("\t")[0]
    assert shown.startswith("x fake [2J [31mRED second line:") and "\x1b" not in listed.output
    decided = runner.invoke(review, [str(clean_dir), "--decide", shown, "drop", "--decisions", str(path)])
    assert decided.exit_code == 0, decided.output
    assert json.loads(path.read_text())["document"] == hostile_id


def test_decide_with_list_options_is_a_usage_error(clean_dir: Path, tmp_path: Path) -> None:
    wanted = load_queue(clean_dir, Decisions())[0].id
    path = tmp_path / "decisions.jsonl"
    args = [str(clean_dir), "--decide", wanted, "keep", "--list", "--decisions", str(path)]
    outcome = CliRunner().invoke(review, args)
    assert outcome.exit_code == 2 and "do not apply to --decide" in outcome.output and not path.exists()


def test_cli_prints_a_bad_decision_line_once(
    clean_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("{not json\n")
    result = CliRunner().invoke(review, [str(clean_dir), "--list", "--decisions", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped bad decision line") == 1 and not caplog.records
    assert f"warning: {path}:1: skipped bad decision line" in result.output
