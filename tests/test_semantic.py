"""The opt-in semantic off-topic model: its sentence encoder, its features, and runs that choose it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.offtopic.features import FEATURES, compute
from cleaner.offtopic.model import SEMANTIC_MODEL_NAME, model_version, semantic_model
from cleaner.offtopic.semantic import (
    SEMANTIC_FEATURES,
    MissingExtra,
    default_encoder,
    require_extra,
    semantic_columns,
)
from tests.conftest import ROOT, shared_path

pytest.importorskip("onnxruntime", reason="the [semantic] extra (onnxruntime, tokenizers) is not installed")

ARTICLE = (
    "Storm Ciaran batters the south coast\n\n"
    "Storm Ciaran brought winds of 90 miles an hour to the south coast of England on Thursday, "
    "uprooting trees and cutting power to 150,000 homes.\n\n"
    "Ferries from Dover were cancelled and the coastguard warned people to stay away from the seafront. "
    "Network Rail closed several lines after trees fell across the tracks.\n\n"
    "The central bank kept its interest rate at 5.25 percent, saying inflation was still too high.\n\n"
    "Forecasters expect the storm to move into the North Sea by Friday evening, "
    "though heavy rain will keep falling on ground that is already flooded."
)
TITLE = "Storm Ciaran batters the south coast"


def test_the_same_text_gets_the_same_vector_whatever_is_encoded_with_it() -> None:
    texts = [
        "Ferries from Dover were cancelled.",
        "The central bank kept its rate.",
        "A storm hit the coast.",
    ]
    alone = default_encoder().encode(texts[:1])
    together = default_encoder().encode(texts)
    assert np.array_equal(alone[0], together[0])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0)


def test_a_paraphrase_is_closer_in_meaning_than_another_subject() -> None:
    storm, paraphrase, bank = default_encoder().encode(
        [
            "High winds knocked down trees and cut power on the coast.",
            "The gale uprooted trees and left seaside homes without electricity.",
            "The central bank left interest rates unchanged.",
        ]
    )
    assert storm @ paraphrase > storm @ bank + 0.2


def test_the_stray_paragraph_is_furthest_in_meaning_from_the_rest() -> None:
    text = ARTICLE.replace(TITLE + "\n\n", " " * len(TITLE) + "\n\n")  # the title is read as the title
    units = compute(text, TITLE, "en").units
    columns = semantic_columns(text, units, TITLE, default_encoder())
    assert columns.shape == (len(units), len(SEMANTIC_FEATURES))
    paragraphs = [i for i, u in enumerate(units) if not u.is_sentence]
    stray = next(i for i in paragraphs if "central bank" in text[units[i].start : units[i].end])
    rest, lead = columns[paragraphs, 0], columns[paragraphs, 1]
    assert columns[stray, 0] == rest.min() and columns[stray, 1] == lead.min()
    assert all(columns[i, 4] == 0.0 for i in paragraphs)  # the rest of its paragraph: sentences only


def test_the_semantic_model_reads_both_feature_sets_and_names_itself() -> None:
    model = semantic_model()
    assert model.features == (*FEATURES, *SEMANTIC_FEATURES) and model.semantic
    assert model.name == SEMANTIC_MODEL_NAME
    assert (
        model_version(model).startswith(f"{SEMANTIC_MODEL_NAME}-1+")
        and model_version(model) != model_version()
    )


def test_a_run_with_the_semantic_model_records_it_and_passes_the_seed_checks(tmp_path: Path) -> None:
    seeds = shared_path("seeds")
    checker = shared_path("tools", "check_seeds.py")
    out = tmp_path / "clean"
    result = CliRunner().invoke(main, ["run", str(seeds), "--out", str(out), "--offtopic-model", "semantic"])
    assert result.exit_code == 0, result.output
    done = subprocess.run(
        [sys.executable, str(checker), str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout
    sidecar = json.loads(next(out.glob("**/002_*.json")).read_text(encoding="utf-8"))
    jsonschema.validate(sidecar, json.loads((ROOT / "cleaner" / "sidecar.schema.json").read_text()))
    assert sidecar["versions"]["model"]["offtopic"] == model_version(semantic_model())
    assert {span["model"] for span in sidecar["flagged"]} == {SEMANTIC_MODEL_NAME}


def test_without_the_extra_the_run_stops_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    with pytest.raises(MissingExtra, match=r"pip install 'cleaner\[semantic\]'"):
        require_extra()
    (tmp_path / "a.txt").write_text("A short text.\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["run", str(tmp_path), "--out", str(tmp_path / "out"), "--offtopic-model", "semantic"]
    )
    assert result.exit_code == 2 and "cleaner[semantic]" in result.output
    assert not (tmp_path / "out").exists()
