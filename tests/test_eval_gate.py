"""The eval gate: F1 on the dev benchmarks may not drop below pinned floors.

Floors sit a little under the figures `cleaner eval` printed when they were pinned
(see the README's figures); raise them when the cleaner gets better. These pages trained
the line model, so its raw-page floors sit where a model tuned for sites it never saw
scores them (cleaner/models/boilerplate.md), not where a model fitted to them would.
"""

from __future__ import annotations

import pytest

from cleaner.benchmarks import InputKind
from cleaner.evaluate import evaluate
from cleaner.pipeline import Cleaner, Settings
from tests.conftest import shared_path

FLOORS: dict[tuple[str, InputKind], float] = {
    ("extraction-dev", "raw-recall"): 0.962,
    # 0.941 until the retrained off-topic model (its card's Experiments, 2026-11-27) traded
    # 0.0011 of it for recall and fewer flags on untouched intruders-dev documents.
    ("extraction-dev", "raw-page"): 0.938,
    ("extraction-dev", "html"): 0.974,
    ("snippets-dev", "raw-recall"): 0.948,
    ("snippets-dev", "raw-page"): 0.932,
    ("snippets-dev", "html"): 0.955,
}


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner(Settings(decisions_path=None))


@pytest.mark.parametrize(("bench", "input"), list(FLOORS), ids=[f"{b}/{i}" for b, i in FLOORS])
def test_f1_stays_above_its_floor(cleaner: Cleaner, bench: str, input: InputKind) -> None:
    folder = shared_path("data", bench)
    evaluation = evaluate(folder, input, cleaner)
    assert evaluation.result.f1 >= FLOORS[(bench, input)], evaluation.report(worst=5)
