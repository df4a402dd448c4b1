"""Bad files never stop a run: each gets a one-line error naming it, the rest is cleaned."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = (
    "Trains resume after the storm.\n\nRail services restarted on Monday after crews cleared fallen trees.\n"
)

# name -> (bytes, expected error fragment or None when the file must be cleaned)
BAD_FILES: dict[str, tuple[bytes, str | None]] = {
    "empty.txt": (b"", "empty file"),
    "blank.txt": (b"\n \n\t\n", "empty file"),
    "garbage.txt": (bytes(range(256)) * 40, "binary content"),
    "latin1.txt": ("Le marché ouvre à huit heures pour les clients du quartier.\n".encode("latin-1"), None),
    "wrong-charset.html": (
        '<meta charset="utf-8"><p>Müller und Söhne öffnen früh am Morgen für alle Kunden.</p>'.encode(
            "cp1252"
        ),
        None,
    ),
    "corrupt.txt.gz": (b"\x1f\x8b\x08\x00not gzip at all", "corrupt gzip file"),
    "truncated.txt.gz": (gzip.compress(GOOD.encode(), mtime=0)[:-12], "corrupt gzip file"),
    "cut-off.html": (b"<html><body><article><p>This article stops in the middle of a sente", None),
    "nested.html": (
        (
            "<html><body>"
            + "<div>" * 3000
            + "<p>Deep inside the page sits the only paragraph.</p>"
            + "</div>" * 3000
            + "</body></html>"
        ).encode(),
        None,
    ),
    "broken.json": (b'{"text": "unterminated', "invalid JSON"),
    "feed.jsonl": (
        (
            json.dumps({"id": "ok-1", "text": GOOD})
            + "\n{nope\n"
            + json.dumps([1])
            + "\n"
            + json.dumps({"id": "ok-2", "text": GOOD})
            + "\n"
        ).encode(),
        None,
    ),
    "huge-one-line.txt": (b"word " * 20_000_000, "exceeded the 10,000,000 bytes size limit"),  # 100 MB
    "file with spaces.txt": (GOOD.encode(), None),
    "ünïcødé名.txt": (GOOD.encode(), None),
    "-rf.txt": (GOOD.encode(), None),
    "--help.txt": (GOOD.encode(), None),
}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    raw = tmp_path_factory.mktemp("bad") / "raw"
    raw.mkdir()
    for name, (data, _) in BAD_FILES.items():
        (raw / name).write_bytes(data)
    (raw / "good.txt").write_text(GOOD)
    out = raw.parent / "clean"
    done = subprocess.run(
        [sys.executable, "-m", "cleaner", "run", "--out", str(out), "--workers", "2", "--", str(raw)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done, raw, out


def test_exit_code_is_one_and_no_traceback(
    bad_run: tuple[subprocess.CompletedProcess[str], Path, Path],
) -> None:
    done, _, _ = bad_run
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("name", [n for n, (_, error) in BAD_FILES.items() if error])
def test_each_bad_file_gets_a_one_line_error_naming_it(
    bad_run: tuple[subprocess.CompletedProcess[str], Path, Path], name: str
) -> None:
    done, raw, out = bad_run
    expected = BAD_FILES[name][1]
    assert expected is not None
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ") and name in line]
    assert len(lines) == 1 and expected in lines[0], done.stderr
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    errors = [e for e in index if e["status"] == "error" and str(raw / name) in e["error"]]
    assert len(errors) == 1 and expected in errors[0]["error"] and "\n" not in errors[0]["error"]


def test_broken_jsonl_lines_are_reported_with_their_line_numbers(
    bad_run: tuple[subprocess.CompletedProcess[str], Path, Path],
) -> None:
    done, _, out = bad_run
    assert "feed.jsonl: line 2: invalid JSON" in done.stderr
    assert "feed.jsonl: line 3: a record must be a JSON object" in done.stderr
    records = [json.loads(line) for line in (out / "feed.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ["ok-1", "ok-2"]


@pytest.mark.parametrize(
    "name", [n for n, (_, error) in BAD_FILES.items() if error is None and n != "feed.jsonl"]
)
def test_every_other_file_is_still_cleaned(
    bad_run: tuple[subprocess.CompletedProcess[str], Path, Path], name: str
) -> None:
    _, _, out = bad_run
    stem = name.split(".")[0]
    clean = (out / f"{stem}.txt").read_text()
    assert clean.strip(), f"{name} gave an empty clean text"
    assert json.loads((out / f"{stem}.json").read_text())["id"] == stem


def test_misdecoded_text_is_recovered_and_the_guess_recorded(
    bad_run: tuple[subprocess.CompletedProcess[str], Path, Path],
) -> None:
    _, _, out = bad_run
    assert "Le marché ouvre à huit heures" in (out / "latin1.txt").read_text()
    assert "Müller und Söhne öffnen früh" in (out / "wrong-charset.txt").read_text()
    warnings = json.loads((out / "latin1.json").read_text())["warnings"]
    assert any("not valid UTF-8" in w for w in warnings)


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from cleaner.cli import main
    from cleaner.pipeline import Cleaner

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(GOOD)
    (raw / "b.txt").write_text(GOOD)
    real_clean = Cleaner.clean

    def failing_clean(self: Cleaner, record: object, *args: object) -> object:
        if getattr(record, "id", "") == "a":  # fault injection: no real input makes the core crash
            raise RuntimeError("boom")
        return real_clean(self, record, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Cleaner, "clean", failing_clean)
    quiet = CliRunner().invoke(main, ["run", str(raw), "--out", str(tmp_path / "o1"), "--workers", "1"])
    assert quiet.exit_code == 1
    assert "a.txt: internal error: RuntimeError: boom" in quiet.output and "Traceback" not in quiet.output
    assert (tmp_path / "o1" / "b.txt").exists()
    loud = CliRunner().invoke(
        main, ["run", str(raw), "--out", str(tmp_path / "o2"), "--workers", "1", "--debug"]
    )
    assert loud.exit_code == 1 and "Traceback" in loud.output and "boom" in loud.output
