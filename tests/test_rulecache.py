"""The rule cache: a file loaded once loads again without compiling, and finds the same."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import regex

import cleaner.rulecache
import cleaner.rules
from cleaner.rulecache import cache_folder, entry_key
from cleaner.rules import RuleError, load_rule_file

RULES = """\
category: navigation
defines: {label: 'home|menu'}
rules:
  - id: nav-test
    kind: line
    patterns: ['^[^\\w\\n]*(?&label)[^\\w\\n]*$', 'back to top']
    examples: {match: ["Home", "Back to top"], no_match: ["Home is where the heart is."]}
"""
TEXT = "Home\nThe story, with a line about home.\nBack to top\n- MENU -"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(folder))
    return folder / "rules"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "navigation.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def compiles_during(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The patterns ``cleaner.rules`` compiles from now on."""
    compiled: list[str] = []
    real = regex.compile

    def counting(pattern: str, *args: object, **kwargs: object) -> regex.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cleaner.rules.regex, "compile", counting)
    return compiled


def spans(path: Path) -> list[tuple[int, int, str]]:
    (rule,) = load_rule_file(path)
    return [(f.span.start, f.span.end, f.span.reason) for f in rule.find(TEXT)]


def test_a_second_load_reads_the_cache_compiles_nothing_and_finds_the_same(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, RULES)
    first = spans(path)
    assert len(list(cache.glob("*.json"))) == 1
    compiled = compiles_during(monkeypatch)
    (rule,) = load_rule_file(path)
    assert compiled == []  # nothing compiled while loading
    assert [(f.span.start, f.span.end, f.span.reason) for f in rule.find(TEXT)] == first
    assert len(first) == 3 and compiled  # compiled when a text first needed them


def test_a_changed_file_is_checked_in_full(tmp_path: Path, cache: Path) -> None:
    path = write(tmp_path, RULES)
    load_rule_file(path)
    write(tmp_path, RULES.replace("back to top", "back to (top"))
    with pytest.raises(RuleError, match=r"rule 'nav-test': field 'patterns\[1\]'"):
        load_rule_file(path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: "not json",
        lambda entry: '{"rules": [[{"source": 1}]]}',
        lambda entry: json.dumps({**entry, "rules": []}),
        lambda entry: json.dumps(entry).replace('"home"', '"hone"'),  # a changed literal
    ],
)
def test_an_entry_that_does_not_fit_its_file_is_ignored_and_written_again(
    tmp_path: Path, cache: Path, damage: Callable[[dict[str, object]], str]
) -> None:
    path = write(tmp_path, RULES)
    expected = spans(path)
    (entry,) = cache.glob("*.json")
    written = entry.read_text(encoding="utf-8")
    damaged = damage(json.loads(written))
    assert damaged != written
    entry.write_text(damaged, encoding="utf-8")
    assert spans(path) == expected
    assert entry.read_text(encoding="utf-8") == written


def test_an_empty_cache_setting_keeps_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEANER_CACHE_DIR", "")
    assert cache_folder() is None
    path = write(tmp_path, RULES)
    assert spans(path) == spans(path)


def test_the_cache_is_in_the_user_cache_folder_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEANER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_folder() == Path("/somewhere/cleaner/rules")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "cleaner" / "rules"


def test_a_cache_folder_that_cannot_be_written_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(blocker))  # a file: no folder can be made in it
    path = write(tmp_path, RULES)
    assert len(spans(path)) == 3


def test_the_entries_used_longest_ago_go_when_there_are_too_many(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cleaner.rulecache, "MAX_ENTRIES", 4)
    cache.mkdir(parents=True)
    for number in range(4):
        old = cache / f"old{number}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (number, number))
    path = write(tmp_path, RULES)
    spans(path)  # a fifth entry: half of the most are kept, the newest
    kept = {entry.name for entry in cache.glob("*.json")}
    assert kept == {"old3.json", f"{entry_key(path.read_bytes())}.json"}
