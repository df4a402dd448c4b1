"""Hostile data and rules: no escape from the output folder, runaway patterns stopped and named."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import main

ARTICLE = (
    "Storm closes the bridge.\n\nThe bridge was closed on Friday as winds reached 120 km/h, police said.\n"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args, "--decisions", ""])
    return result.exit_code, result.output


def files_under(folder: Path) -> set[Path]:
    return {p.resolve() for p in folder.rglob("*") if p.is_file()}


def test_ids_with_dot_dot_or_absolute_paths_stay_inside_the_output(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    ids = ["../../escaped", "/etc/passwd", "..", "a/../../b"]
    (raw / "feed.jsonl").write_text("".join(json.dumps({"id": i, "text": ARTICLE}) + "\n" for i in ids))
    (raw / "..hidden-dots.txt").write_text(ARTICLE)
    out = tmp_path / "deep" / "clean"
    before = files_under(tmp_path) - files_under(out.parent)
    code, output = run(str(raw), "--out", str(out))
    assert code == 0, output
    after = files_under(tmp_path) - files_under(out.parent)
    assert after == before  # nothing written outside the output folder
    records = [json.loads(line) for line in (out / "feed.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ids  # ids are kept as data, never used as paths


def test_symlinks_out_of_raw_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password: hunter2\n")
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "sub" / "leak.txt").symlink_to(secret)
    (raw / "escape").symlink_to(tmp_path, target_is_directory=True)
    (raw / "fine.txt").write_text(ARTICLE)
    out = tmp_path / "clean"
    code, output = run(str(raw), "--out", str(out))
    assert code == 0 and "1 documents cleaned" in output
    assert all("hunter2" not in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_a_runaway_rule_is_stopped_and_named_in_the_sidecar(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("a" * 40 + "!\n" + ARTICLE)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.yaml").write_text(
        "category: test\nrules:\n  - id: runaway\n    kind: phrase\n    patterns: ['(a|aa)+$']\n"
    )
    code, output = run(str(raw), "--out", str(tmp_path / "clean"), "--rules", str(rules))
    assert code == 0, output
    warnings = json.loads((tmp_path / "clean" / "a.json").read_text())["warnings"]
    assert any("rule 'runaway'" in w and "timed out" in w for w in warnings)
