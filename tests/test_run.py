"""End to end: the CLI over a small raw folder, the outputs, the sidecar schema, undo, incremental runs."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
import types
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import cleaner.__main__
from cleaner.cli import main
from cleaner.pipeline import DEFAULT_RULES_DIR
from cleaner.write import rebuild_clean_text
from tests.test_scale import outputs

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "cleaner" / "sidecar.schema.json").read_text())

ARTICLE = (
    "Harbour workers end three-day strike\n\n"
    "Dock workers in the port returned to work on Thursday after the union accepted a new pay offer.\n\n"
    "- ADVERTISEMENT - CONTINUE READING BELOW -\n\n"
    "The agreement raises wages by four percent this year and three percent next year, the union said.\n\n"
    "If you would like to show your support for what we are doing, here's where to do it.\n\n"
    "Shipping lines said the backlog of containers would take a week to clear.\n\n"
    "By Marta Lindqvist"
)
HTML = """<html><head><title>Council backs budget</title><meta name="author" content="Sam Reyes"></head>
<body><nav>Home | News | Sport</nav><article><h1>Council backs budget</h1>
<p>The city council approved a budget of 40 million on Tuesday evening after a four-hour debate.</p>
<p>The plan funds road repairs, two new schools and a larger fire service, officials said.</p>
<p>ADVERTISEMENT</p>
<p>Opposition members said the plan left too little for public transport and housing.</p>
</article><footer>Copyright 2026</footer></body></html>"""


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    (folder / "site").mkdir(parents=True)
    (folder / "strike.txt").write_text(ARTICLE)
    (folder / "site" / "budget.html").write_text(HTML)
    (folder / "zipped.txt.gz").write_bytes(
        gzip.compress(ARTICLE.replace("Harbour", "Port").encode(), mtime=0)
    )
    records = [
        {"id": "r1", "url": "https://news.example.com/r1", "title": "Strike ends", "text": ARTICLE},
        {"id": "r2", "html": HTML},
    ]
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n{broken\n")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    return folder


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args])
    return result.exit_code, result.output


def test_run_writes_clean_text_sidecars_index_and_stats(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    code, output = run(str(raw), "--out", str(out), "--workers", "1")
    assert code == 1, output  # the broken JSONL line is an error; everything else is cleaned
    assert "5 documents cleaned" in output and "1 skipped" in output and "1 errors" in output
    assert "feed.jsonl: line 3: invalid JSON" in output

    clean = (out / "strike.txt").read_text()
    assert "ADVERTISEMENT" not in clean and "show your support" not in clean and "By Marta" not in clean
    assert clean.startswith("Harbour workers end three-day strike\n\nDock workers")
    assert "would take a week to clear.\n" in clean
    side = json.loads((out / "strike.json").read_text())
    assert side["metadata"]["author"] == "Marta Lindqvist"
    assert {item["rule"] for item in side["removed"]} == {"ad-label-line", "support-appeal", "byline-line"}

    html_clean = (out / "site" / "budget.txt").read_text()
    assert "approved a budget of 40 million" in html_clean and "ADVERTISEMENT" not in html_clean
    assert (
        json.loads((out / "site" / "budget.json").read_text())["metadata"]["title"] == "Council backs budget"
    )
    assert "Port workers" in (out / "zipped.txt").read_text()

    feed = [json.loads(line) for line in (out / "feed.jsonl").read_text().splitlines()]
    assert [r["id"] for r in feed] == ["r1", "r2"]
    assert (
        feed[0]["metadata"]["url"] == "https://news.example.com/r1" and "ADVERTISEMENT" not in feed[0]["text"]
    )

    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert [(e["id"], e["status"]) for e in index] == [
        ("r1", "ok"),
        ("r2", "ok"),
        ("feed#3", "error"),  # named as a record without an id on that line would be
        ("site/budget", "ok"),
        ("strike", "ok"),
        ("zipped", "ok"),
    ]
    stats = json.loads((out / "_stats.json").read_text())
    assert (
        stats["documents"] == 5
        and stats["errors"] == 1
        and stats["removed_by_category"]["advertisement"] == 5
    )


def test_sidecars_follow_the_schema_and_rebuild_the_clean_text(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    run(str(raw), "--out", str(out))
    sidecars = [json.loads(p.read_text()) for p in out.rglob("*.json") if not p.name.startswith("_")]
    sidecars += [json.loads(line) for line in (out / "feed.jsonl").read_text().splitlines()]
    assert len(sidecars) == 5
    for record in sidecars:
        jsonschema.validate(record, SCHEMA)
        clean = record.pop("text", None) or (out / (record["id"] + ".txt")).read_text()
        assert rebuild_clean_text(record) == clean
        for span in record["removed"]:  # every cut is undoable: its text is where the offsets say
            assert record["text_before"][span["start"] : span["end"]] == span["text"]
    strike = json.loads((out / "strike.json").read_text())
    assert strike["text_before"] == ARTICLE  # plain text: undoing every cut gives the input back


def test_second_run_processes_nothing_and_a_rule_change_recleans(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    run(str(raw), "--out", str(out))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "_stats.json"}
    _code, output = run(str(raw), "--out", str(out))
    # The JSONL's broken line is broken again on the same bytes: its file is not cleaned again.
    assert "0 documents cleaned (4 files unchanged" in output
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "_stats.json"}
    assert before.keys() == after.keys()
    assert {p for p in before if before[p] != after[p]} == set()

    (raw / "strike.txt").write_text(ARTICLE + "\n\nOne more line.")
    _, output = run(str(raw), "--out", str(out))
    assert "1 documents cleaned (3 files unchanged" in output

    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "en" / "advertisement.yaml").write_text((rules / "en" / "advertisement.yaml").read_text() + "\n")
    _, output = run(str(raw), "--out", str(out), "--rules", str(rules))
    assert "5 documents cleaned (0 files unchanged" in output


def test_output_is_identical_with_one_or_two_workers(raw: Path, tmp_path: Path) -> None:
    results = []
    for workers in ("1", "2"):
        out = tmp_path / f"clean-{workers}"
        run(str(raw), "--out", str(out), "--workers", workers)
        results.append(outputs(out))
    assert results[0] == results[1]


def test_flagged_keep_and_usage_errors(raw: Path, tmp_path: Path) -> None:
    code, output = run(str(raw), "--out", str(tmp_path / "c"), "--flagged", "maybe")
    assert code == 2 and "Invalid value for '--flagged'" in output
    code, output = run(str(tmp_path / "missing"))
    assert code == 2
    bad_rules = tmp_path / "bad-rules"
    bad_rules.mkdir()
    (bad_rules / "x.yaml").write_text("category: x\nrules:\n  - id: a\n    kind: nope\n    patterns: ['a']\n")
    code, output = run(str(raw), "--out", str(tmp_path / "c"), "--rules", str(bad_rules))
    assert code == 2 and "x.yaml: rule 'a': field 'kind'" in output
    code, output = run(str(raw), "--out", str(tmp_path / "c"), "--decisions", str(bad_rules))
    assert code == 2 and "is a folder, not a decisions file" in output
    code, output = run(str(raw), "--out", str(tmp_path / "c"), "--decisions", "/dev/zero")
    assert code == 2 and "/dev/zero is not a regular file" in output  # its one line never ends
    assert not (tmp_path / "c").exists()  # the output folder made for the run is gone again


def test_a_second_run_on_a_locked_output_folder_is_refused(raw: Path, tmp_path: Path) -> None:
    from cleaner.runner import output_lock

    out = tmp_path / "clean"
    with output_lock(out):
        code, output = run(str(raw), "--out", str(out))
        assert code == 2 and "in use by another cleaner run" in output
        # The lock is taken before the rules load: a busy folder is reported first.
        bad_rules = tmp_path / "bad-rules"
        bad_rules.mkdir()
        (bad_rules / "x.yaml").write_text("category: x\nrules:\n  - id: a\n    kind: nope\n")
        code, output = run(str(raw), "--out", str(out), "--rules", str(bad_rules))
        assert code == 2 and "in use by another cleaner run" in output, output
    assert out.exists()


def test_python_dash_m_runs_the_same_cli(raw: Path, tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "cleaner", "run", str(raw / "strike.txt"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 documents cleaned")


def test_a_run_on_part_of_the_inputs_names_files_as_the_runs_before_it(raw: Path, tmp_path: Path) -> None:
    """``cleaner run raw/site`` reads ``raw/site/budget.html`` as ``budget``; the run on ``raw``
    named it ``site/budget``: it keeps that name (outputs, id, site, decisions), and a new
    file of the folder is named as a run on ``raw`` would name it."""
    out = tmp_path / "clean"
    run(str(raw), "--out", str(out))
    everything = index_ids(out)
    (raw / "site" / "budget.html").write_text(HTML.replace("40 million", "41 million"))
    (raw / "site" / "roads.html").write_text(HTML.replace("Council backs budget", "Roads plan agreed"))
    code, output = run(str(raw / "site"), "--out", str(out))
    assert code == 0 and output.startswith("2 documents cleaned"), output
    assert sorted(index_ids(out)) == sorted([*everything, "site/roads"])
    assert "41 million" in (out / "site" / "budget.txt").read_text()
    assert not (out / "budget.txt").exists() and not (out / "roads.txt").exists()
    _, output = run(str(raw), "--out", str(out))
    assert output.startswith("0 documents cleaned (5 files unchanged"), output
    # A file the names of the folder's known files can't place may not take another's outputs.
    (raw / "fresh").mkdir()
    (raw / "fresh" / "strike.txt").write_text(ARTICLE.replace("Harbour", "Airport"))
    code, output = run(str(raw / "fresh"), "--out", str(out))
    assert code == 2 and "would write strike.txt, the output of" in output
    assert (out / "strike.txt").read_text().startswith("Harbour")


def test_ctrl_c_while_the_command_line_loads_ends_as_an_abort(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not with a traceback of the imports under way (loading takes a second)."""
    loading = types.ModuleType("cleaner.cli")

    def interrupted(name: str) -> object:
        raise KeyboardInterrupt

    loading.__getattr__ = interrupted  # type: ignore[method-assign]
    monkeypatch.setitem(sys.modules, "cleaner.cli", loading)
    with pytest.raises(SystemExit) as ended:
        cleaner.__main__.main()
    assert ended.value.code == "\nAborted!"


def index_ids(out: Path) -> list[str]:
    return [json.loads(line)["id"] for line in (out / "index.jsonl").read_text().splitlines()]


def test_a_deleted_input_takes_its_outputs_along_and_a_subset_run_keeps_the_others(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "clean"
    run(str(raw), "--out", str(out))
    everything = index_ids(out)
    # The same inputs named another way are the same files: nothing is cleaned again.
    monkeypatch.chdir(tmp_path)
    _, output = run("raw", "--out", "clean")
    assert output.startswith("0 documents cleaned (4 files unchanged")
    # A run on part of the inputs leaves the others' outputs and index lines in place.
    _, output = run("raw/site", "--out", "clean")
    assert output.startswith("0 documents cleaned (1 files unchanged")
    assert sorted(index_ids(out)) == sorted(everything)
    # An input deleted since: its outputs go (its folder too, left empty), and its index line.
    (raw / "site" / "budget.html").unlink()
    _, output = run("raw", "--out", "clean")
    assert output.startswith("0 documents cleaned (3 files unchanged")
    assert not (out / "site").exists() and "site/budget" not in index_ids(out)
    assert sorted(index_ids(out)) == sorted(i for i in everything if i != "site/budget")
    manifest = [json.loads(line)["path"] for line in (out / "_manifest.jsonl").read_text().splitlines()]
    assert manifest == sorted(str(p.resolve()) for p in raw.rglob("*") if p.is_file() and p.suffix != ".pdf")


def test_a_file_whose_name_is_not_utf8_is_an_error_and_the_run_goes_on(raw: Path, tmp_path: Path) -> None:
    bad_name = os.fsencode(raw) + b"/caf\xe9.txt"  # a Latin-1 name, as old systems write them
    with open(bad_name, "wb") as handle:
        handle.write(ARTICLE.encode())
    out = tmp_path / "clean"
    code, output = run(str(raw), "--out", str(out), "--workers", "1")
    assert code == 1, output
    assert "caf\\xe9.txt: its name is not valid UTF-8: rename it to clean it" in output
    assert "5 documents cleaned" in output and "1 skipped" in output and "2 errors" in output
    stats = json.loads((out / "_stats.json").read_text())
    assert stats["errors"] == 2 and any("not valid UTF-8" in message for message in stats["error_messages"])
    assert (out / "strike.txt").exists()
