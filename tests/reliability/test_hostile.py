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


def test_inputs_named_up_to_the_filesystem_limit_get_outputs_named_within_it(tmp_path: Path) -> None:
    """A page title as a file name: 255 bytes with ".txt" (its ".json" would be 256 bytes).
    The output name (and the id) keeps the name's start and a hash of all of it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    long_title = ("Storm closes the bridge über den Fluss " * 7)[:240].replace(" ", "-")
    text_name = long_title + "x" * (251 - len(long_title.encode())) + ".txt"
    (raw / text_name).write_text(ARTICLE)
    (raw / (text_name[:-5] + "y.txt")).write_text(ARTICLE)  # the same start: a hash apart
    assert len(text_name.encode()) == 255
    out = tmp_path / "clean"
    code, output = run(str(raw), "--out", str(out))
    assert code == 0 and output.startswith("2 documents cleaned"), output
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert sorted(entry["source"] for entry in index) == sorted(str(p) for p in raw.iterdir())
    for entry in index:
        assert len(entry["id"].encode()) == 249 and entry["id"].startswith("Storm-closes-the-bridge-über")
        assert (out / f"{entry['id']}.txt").read_text().startswith("Storm closes the bridge.")
        assert json.loads((out / f"{entry['id']}.json").read_text())["id"] == entry["id"]
    assert len({entry["id"] for entry in index}) == 2


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
