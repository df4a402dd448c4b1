"""The sample scrapes in raw/, cleaned once by the real CLI and held to tests/cases/raw_samples.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from cleaner.cli import main
from tests.conftest import ROOT

CASES: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "cases" / "raw_samples.yaml").read_text())
Cleaned = dict[str, dict[str, Any]]


def squash(text: str) -> str:
    return " ".join(text.split())


def case_id(case: dict[str, Any]) -> str:
    return str(case.get("record") or Path(case["file"]).name.split(".")[0])


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory: pytest.TempPathFactory) -> Cleaned:
    """Every sample's sidecar (with its clean text under "text"), keyed by the case id."""
    out = tmp_path_factory.mktemp("clean-raw")
    result = CliRunner().invoke(main, ["run", str(ROOT / "raw"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    found: Cleaned = {}
    for case in CASES:
        relative = Path(case["file"]).relative_to("raw")
        stem = relative.name.split(".")[0]
        if "record" in case:
            lines = (out / relative.parent / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()
            records = [json.loads(line) for line in lines]
            found[case_id(case)] = next(r for r in records if r["id"] == case["record"])
        else:
            sidecar = json.loads((out / relative.parent / f"{stem}.json").read_text(encoding="utf-8"))
            sidecar["text"] = (out / relative.parent / f"{stem}.txt").read_text(encoding="utf-8")
            found[case_id(case)] = sidecar
    return found


def with_key(key: str) -> list[Any]:
    return [pytest.param(case, id=case_id(case)) for case in CASES if key in case]


@pytest.mark.parametrize("case", with_key("removed"))
def test_boilerplate_is_removed(cleaned: Cleaned, case: dict[str, Any]) -> None:
    text = squash(cleaned[case_id(case)]["text"])
    left = [snippet for snippet in case["removed"] if squash(snippet) in text]
    assert not left, f"still in the clean text: {left}"


@pytest.mark.parametrize("case", with_key("kept"))
def test_article_text_is_kept(cleaned: Cleaned, case: dict[str, Any]) -> None:
    sidecar = cleaned[case_id(case)]
    text = squash(sidecar["text"])
    flagged = [squash(flag["text"]) for flag in sidecar["flagged"]]
    lost = [
        snippet
        for snippet in case["kept"]
        if squash(snippet) not in text or any(squash(snippet) in flag for flag in flagged)
    ]
    assert not lost, f"missing from the clean text, or flagged: {lost}"


@pytest.mark.parametrize("case", with_key("title"))
def test_headline_goes_to_metadata_not_the_text(cleaned: Cleaned, case: dict[str, Any]) -> None:
    sidecar = cleaned[case_id(case)]
    assert case["title"] in str(sidecar["metadata"]["title"])
    assert squash(case["title"]) not in squash(sidecar["text"])


@pytest.mark.parametrize("case", with_key("author"))
def test_author_goes_to_metadata(cleaned: Cleaned, case: dict[str, Any]) -> None:
    assert case["author"] in str(cleaned[case_id(case)]["metadata"]["author"])


@pytest.mark.parametrize("case", with_key("flagged"))
def test_off_topic_passages_are_flagged(cleaned: Cleaned, case: dict[str, Any]) -> None:
    sidecar = cleaned[case_id(case)]
    text = squash(sidecar["text"])
    flagged = [squash(flag["text"]) for flag in sidecar["flagged"]]
    for snippet in case["flagged"]:
        assert squash(snippet) not in text
        assert any(squash(snippet) in flag for flag in flagged)


@pytest.mark.parametrize("case", with_key("flagged_by"))
def test_flags_name_what_flagged_them(cleaned: Cleaned, case: dict[str, Any]) -> None:
    assert {flag["model"] for flag in cleaned[case_id(case)]["flagged"]} == {case["flagged_by"]}
