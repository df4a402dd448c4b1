"""Killed runs, concurrent runs and repeated runs never corrupt or change the outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner.write import rebuild_clean_text

PARAGRAPH = "The committee met again on {day} to discuss the harbour budget and the repair of the old pier. "
JUNK = "\n\n- ADVERTISEMENT - CONTINUE READING BELOW -\n\n"


def make_raw(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for number in range(count):
        body = (
            PARAGRAPH.format(day=f"day {number}") * 6 + JUNK
        ) * 4 + f"By Writer Number{chr(65 + number % 26)}"
        (folder / f"article-{number:04}.txt").write_text(f"Harbour report {number}\n\n{body}")
    return folder


def outputs(out: Path) -> dict[str, bytes]:
    """Every output file but the run's own timing stats."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in {"_stats.json", ".lock"}
    }


def command(raw: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cleaner", "run", str(raw), "--out", str(out), "--decisions", "", *extra]


def test_kill_9_mid_run_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    # The manifest commits finished files in groups (at most every 2 s), so the corpus
    # must take several of those windows to clean: the kill comes after the first commit.
    count = 2000
    raw = make_raw(tmp_path / "raw", count)
    reference = tmp_path / "reference"
    subprocess.run(command(raw, reference, "--workers", "2"), check=True, capture_output=True)

    out = tmp_path / "killed"
    process = subprocess.Popen(
        command(raw, out, "--workers", "2"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    manifest = out / "_manifest.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not manifest.exists() or manifest.read_text().count("\n") < 1):
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = manifest.read_text().count("\n")
    assert 1 <= done_before < count, "the run should have been killed half-way"

    # Whatever a killed run left visible is complete: every sidecar parses and rebuilds its text.
    for sidecar in out.glob("*.json"):
        record = json.loads(sidecar.read_text())
        text_file = sidecar.with_suffix(".txt")
        if text_file.exists():
            assert rebuild_clean_text(record) == text_file.read_text()

    rerun = subprocess.run(command(raw, out, "--workers", "2"), check=True, capture_output=True, text=True)
    assert f"{count - done_before} documents cleaned ({done_before} files unchanged" in rerun.stdout
    assert not list(out.rglob(".*.tmp"))
    assert outputs(out) == outputs(reference)


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    # The second run meets the lock before it loads rules and models, but the manifest appears
    # only at the first group commit: the first run must outlast that and the second's imports.
    raw = make_raw(tmp_path / "raw", 2000)
    out = tmp_path / "clean"
    first = subprocess.Popen(command(raw, out, "--workers", "1"), stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / "_manifest.jsonl").exists():
        time.sleep(0.01)
    second = subprocess.run(command(raw, out), capture_output=True, text=True, check=False)
    still_running = first.poll() is None
    first_output, _ = first.communicate()
    assert still_running, "the first run ended before the second tried: nothing was tested"
    assert first.returncode == 0 and "2000 documents cleaned" in first_output
    assert second.returncode == 2 and "in use by another cleaner run" in second.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_same_input_gives_the_same_bytes_run_after_run(tmp_path: Path, workers: str) -> None:
    raw = make_raw(tmp_path / "raw", 20)
    first, second = tmp_path / "a", tmp_path / "b"
    subprocess.run(command(raw, first, "--workers", workers), check=True, capture_output=True)
    subprocess.run(
        command(raw, second, "--workers", "2" if workers == "1" else "1"), check=True, capture_output=True
    )
    manifests = [outputs(first).pop("_manifest.jsonl"), outputs(second).pop("_manifest.jsonl")]
    assert manifests[0] == manifests[1]
    assert outputs(first) == outputs(second)
