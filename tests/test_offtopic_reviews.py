"""Reviewers' decisions become labelled passages for training the off-topic model."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import main
from cleaner.offtopic.data import load_reviews
from cleaner.review.decisions import Decisions, record
from cleaner.review.queue import load_queue

SAMPLE = Path(__file__).resolve().parents[1] / "raw" / "pitchside" / "nunes-transfer.txt"


def test_dropped_flags_are_positives_and_kept_cuts_negatives(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE, raw / "transfer.txt")
    clean = tmp_path / "clean"
    assert CliRunner().invoke(main, ["run", str(raw), "--out", str(clean), "--decisions", ""]).exit_code == 0
    decisions = tmp_path / "decisions.jsonl"
    items = load_queue(clean, Decisions(), include_removed=True)
    flag = next(item for item in items if item.span.action == "flagged")
    cut = next(item for item in items if item.span.action == "removed")
    confirmed = next(item for item in items if item.span.action == "removed" and item is not cut)
    record(decisions, flag.document, flag.span, flag.text, "drop")
    record(decisions, cut.document, cut.span, cut.text, "keep")
    record(decisions, confirmed.document, confirmed.span, confirmed.text, "drop")  # says nothing on topic

    (doc,) = load_reviews(decisions, clean)
    labels = sorted((p.start, p.end, p.intruder) for p in doc.passages)
    assert labels == sorted([(flag.span.start, flag.span.end, True), (cut.span.start, cut.span.end, False)])
    assert load_reviews(tmp_path / "missing.jsonl", clean) == []


def test_train_refuses_a_folder_as_decisions_before_training(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, ["train", "offtopic", str(tmp_path), "--decisions", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "is a folder, not a decisions file" in outcome.output
