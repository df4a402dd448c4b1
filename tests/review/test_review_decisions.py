"""The decisions file: recording, loading, and applying verdicts to spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.model import Span, render
from cleaner.pipeline import Cleaner, Settings
from cleaner.review.decisions import Decisions, record, text_hash

TEXT = "Lead paragraph.\n\nBuy now and save big!\n\nClosing paragraph.\n"
PROMO = "Buy now and save big!"


def flag(text: str, needle: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Span(start, start + len(needle), "flagged", "offtopic-lr-1", "offtopic", score=0.9)


def cut(text: str, needle: str) -> Span:
    start = text.index(needle)
    return Span(start, start + len(needle), "removed", "ads.buy-now", "ads")


def test_record_appends_one_complete_line_and_creates_parents(tmp_path: Path) -> None:
    path = tmp_path / "reviews" / "deep" / "decisions.jsonl"
    span = flag(TEXT, PROMO)
    record(path, "doc-1", span, PROMO, "keep")
    record(path, "doc-1", span, PROMO, "drop")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["decision"] for line in lines] == ["keep", "drop"]
    first = lines[0]
    assert set(first) == {
        "document",
        "action",
        "start",
        "end",
        "text_hash",
        "rule",
        "decision",
        "time",
        "text",
    }
    assert (first["document"], first["action"], first["rule"], first["text"]) == (
        "doc-1",
        "flagged",
        "offtopic-lr-1",
        PROMO,
    )
    assert (first["start"], first["end"]) == (span.start, span.end)
    assert first["text_hash"] == text_hash(PROMO) and len(first["text_hash"]) == 16
    assert first["time"].endswith("+00:00")


def test_record_refuses_the_whole_document_as_passage_text(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pass the passage text"):
        record(tmp_path / "d.jsonl", "doc-1", flag(TEXT, PROMO), TEXT, "keep")


def test_text_hash_ignores_whitespace_layout_only() -> None:
    assert text_hash("Buy now\nand  save") == text_hash("Buy now and save")
    assert text_hash("Buy now and save") != text_hash("Buy now and saved")


def test_missing_file_means_no_decisions(tmp_path: Path) -> None:
    decisions = Decisions.load(tmp_path / "absent.jsonl")
    assert len(decisions) == 0
    spans = [flag(TEXT, PROMO)]
    assert decisions.apply("doc-1", TEXT, spans) == spans


def test_later_lines_win_and_undo_clears(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    span = flag(TEXT, PROMO)
    record(path, "doc-1", span, PROMO, "keep")
    record(path, "doc-1", span, PROMO, "drop")
    assert Decisions.load(path).apply("doc-1", TEXT, [span])[0].status == "dropped"
    record(path, "doc-1", span, PROMO, "undo")
    assert Decisions.load(path).apply("doc-1", TEXT, [span]) == [span]
    record(path, "doc-1", span, PROMO, "keep")
    assert Decisions.load(path).apply("doc-1", TEXT, [span])[0].status == "kept"
    assert len(path.read_text().splitlines()) == 4  # append-only


def test_bad_lines_are_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "d.jsonl"
    record(path, "doc-1", flag(TEXT, PROMO), PROMO, "keep")
    with path.open("a") as handle:
        handle.write("{not json\n")
        handle.write(json.dumps({"document": "doc-1", "action": "flagged", "decision": "maybe"}) + "\n")
        handle.write("\n")
    with path.open("ab") as binary:
        binary.write(b"\xb2\xff not UTF-8\n")
    decisions = Decisions.load(path)
    assert len(decisions) == 1
    assert [w.split(": skipped")[0] for w in decisions.warnings] == [f"{path}:2", f"{path}:3", f"{path}:5"]
    assert "bad decision 'maybe'" in decisions.warnings[1]
    assert "can't decode" in decisions.warnings[2]
    # Loading reports nothing itself (a command prints them once); a run's cleaner logs each once.
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    Cleaner(Settings(decisions_path=path))
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == decisions.warnings


def test_keep_brings_a_flagged_passage_back_and_drop_keeps_it_out(tmp_path: Path) -> None:
    text = TEXT + "\nVisit our shop today!\n"
    promo, shop = flag(text, PROMO), flag(text, "Visit our shop today!")
    path = tmp_path / "d.jsonl"
    record(path, "doc-1", promo, PROMO, "keep")
    record(path, "doc-1", shop, "Visit our shop today!", "drop")
    record(path, "doc-2", shop, "Visit our shop today!", "keep")  # another document: no effect
    applied = Decisions.load(path).apply("doc-1", text, [promo, shop])
    assert [s.status for s in applied] == ["kept", "dropped"]
    clean = render(text, applied)
    assert PROMO in clean and "Visit our shop" not in clean
    assert "Visit our shop" not in render(text, [promo, shop])  # pending flags are withheld


def test_keep_on_a_removed_span_overrules_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    removed = cut(TEXT, PROMO)
    assert PROMO not in render(TEXT, [removed])
    record(path, "doc-1", removed, PROMO, "keep")
    (overruled,) = Decisions.load(path).apply("doc-1", TEXT, [removed])
    assert (overruled.status, overruled.applied) == ("kept", False)
    assert PROMO in render(TEXT, [overruled])
    record(path, "doc-1", removed, PROMO, "drop")
    assert Decisions.load(path).apply("doc-1", TEXT, [removed]) == [removed]


def test_a_decision_follows_its_passage_when_offsets_shift(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    record(path, "doc-1", flag(TEXT, PROMO), PROMO, "keep")
    shifted = "A new first paragraph that a rule change now keeps.\n\n" + TEXT.replace(
        PROMO, "Buy now\nand save big!"
    )
    span = flag(shifted, "Buy now\nand save big!")
    (applied,) = Decisions.load(path).apply("doc-1", shifted, [span])
    assert applied.status == "kept"


def test_when_passages_share_text_the_closest_offsets_win(tmp_path: Path) -> None:
    text = "Subscribe!\n\nStory one.\n\nSubscribe!\n\nStory two.\n\nSubscribe!\n"
    spans = [flag(text, "Subscribe!", n) for n in range(3)]
    path = tmp_path / "d.jsonl"
    record(path, "doc-1", spans[1], "Subscribe!", "keep")
    record(path, "doc-1", spans[2], "Subscribe!", "drop")
    # A rule change adds five characters in front: the decisions keep their passages.
    moved = "Hi.\n\n" + text
    moved_spans = [flag(moved, "Subscribe!", n) for n in range(3)]
    statuses = [s.status for s in Decisions.load(path).apply("doc-1", moved, moved_spans)]
    assert statuses == ["pending", "kept", "dropped"]


def test_a_decision_prefers_a_span_of_its_own_action(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    flagged = flag(TEXT, PROMO)
    removed = cut(TEXT, PROMO)
    record(path, "doc-1", flagged, PROMO, "keep")
    applied = Decisions.load(path).apply("doc-1", TEXT, [removed, flagged])
    assert applied == [removed, flagged.with_changes(status="kept")]
