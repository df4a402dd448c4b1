"""Atomic outputs, output paths and the manifest's group commits."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from cleaner import write
from cleaner.write import Manifest, atomic_writer, output_path, output_root, write_atomic


def test_an_atomic_write_replaces_the_file_whole_with_the_umask_mode_and_leaves_no_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "new" / "folder" / "a.txt"
    write_atomic(target, "first\n", durable=False)
    write_atomic(target, "second é\n")
    assert target.read_bytes() == "second é\n".encode()
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("half")
        raise RuntimeError("stopped")
    assert target.read_text() == "second é\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]


def test_a_temporary_left_by_a_killed_process_with_the_same_pid_is_stepped_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write, "_NUMBERS", itertools.count(7))
    left = tmp_path / f".a.txt.{os.getpid()}.7.tmp"
    left.write_text("left over")
    write_atomic(tmp_path / "a.txt", "new")
    assert (tmp_path / "a.txt").read_text() == "new" and left.read_text() == "left over"
    assert write.remove_stale_temporaries(tmp_path) == 1


def test_output_paths_stay_in_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "site").mkdir(parents=True)
    assert output_path(out, "site/a", ".txt") == output_root(out) / "site" / "a.txt"
    with pytest.raises(ValueError, match="escapes"):
        output_path(out, "../a", ".txt")
    (tmp_path / "elsewhere").mkdir()
    (out / "linked").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="escapes"):
        output_path(out, "linked/a", ".txt")


def test_the_manifest_journals_finished_files_in_groups_and_compacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = Manifest(tmp_path)
    manifest.record({"path": "a", "sha256": "1"})
    manifest.record({"path": "b", "sha256": "2"})
    assert not manifest.path.exists()  # noted, not committed yet
    manifest.commit()
    assert list(Manifest(tmp_path).entries) == ["a", "b"]
    monkeypatch.setattr(write, "COMMIT_SECONDS", 0.0)
    manifest.record({"path": "a", "sha256": "3"})  # commits at once: its time has come
    assert Manifest(tmp_path).entries["a"]["sha256"] == "3"
    assert len(manifest.path.read_text().splitlines()) == 3
    manifest.compact(["a"])
    assert manifest.path.read_text().splitlines() == ['{"path": "a", "sha256": "3"}']


def test_a_name_near_the_filesystem_limit_still_gets_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / ("a" * 240 + ".json")
    write_atomic(target, "{}")
    assert target.read_text() == "{}" and [p.name for p in tmp_path.iterdir()] == [target.name]
