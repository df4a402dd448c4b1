"""Common page furniture, one line at a time inside an article: cut, and the article kept."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

import cleaner
from tests.conftest import ROOT

CASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (ROOT / "tests" / "cases" / "furniture_lines.yaml").read_text(encoding="utf-8")
)
# After the headline and two paragraphs: a comment heading there is not the start of a comment
# section (its tail rule cuts only the last half of a text), so each line is judged alone.
POSITION = 3


@pytest.mark.parametrize("lang", sorted(CASES))
def test_furniture_lines_are_cut_and_the_article_kept(lang: str) -> None:
    article: list[str] = CASES[lang]["article"]
    survivors, damaged = [], []
    for line in CASES[lang]["lines"]:
        text = cleaner.clean("\n\n".join([*article[:POSITION], line, *article[POSITION:]])).text
        if line in text:
            survivors.append(line)
        if any(paragraph not in text for paragraph in article):
            damaged.append(line)
    assert not survivors, f"{lang}: furniture lines kept: {survivors}"
    assert not damaged, f"{lang}: the article lost text beside: {damaged}"
