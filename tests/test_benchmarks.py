"""The benchmark loaders and metrics, on tiny handwritten folders of both layouts."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.benchmarks import (
    BenchmarkError,
    detect_benchmark,
    evaluate_text,
    load_pages,
    score,
    shingle_match,
    shingles,
    site_of,
)
from cleaner.cli import main

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"

EN_BODY = (
    "The council approved the new budget on Tuesday after a long debate about the schools. "
    "Most members said that the money for the roads would have to wait until next year."
)
DE_BODY = (
    "Der Stadtrat hat am Dienstag nach einer langen Debatte über die Schulen den neuen Haushalt "
    "beschlossen. Die meisten Mitglieder sagten, dass das Geld für die Straßen warten müsse."
)


def _write_layout(root: Path, truth_name: str, truth: dict[str, dict[str, object]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / truth_name).write_text(json.dumps(truth), encoding="utf-8")
    for sub in ("html", "raw-recall", "raw-page"):
        (root / sub).mkdir()
    for key in truth:
        (root / "html" / f"{key}.html.gz").write_bytes(gzip.compress(f"<p>{key}</p>".encode()))
        (root / "raw-recall" / f"{key}.txt").write_text(f"recall {key}\n", encoding="utf-8")
        (root / "raw-page" / f"{key}.txt").write_text(f"Menu\npage {key}\n", encoding="utf-8")
    return root


@pytest.fixture
def extraction(tmp_path: Path) -> Path:
    truth = {
        "b": {"articleBody": "one two three four five six", "url": "https://www.example.com/b"},
        "a": {"articleBody": EN_BODY, "url": "https://news.example.org/a"},
    }
    return _write_layout(tmp_path / "extraction", "ground-truth.json", truth)


@pytest.fixture
def snippets(tmp_path: Path) -> Path:
    truth = {
        "en1": {
            "url": "https://a.example/1",
            "with": [EN_BODY[:40], "next  year"],
            "without": ["Share this"],
        },
        "de1": {
            "url": "https://b.example/2",
            "with": [DE_BODY[:40]],
            "without": ["Mehr zum Thema", "Teilen"],
        },
    }
    root = _write_layout(tmp_path / "snippets", "cases.json", truth)
    (root / "raw-recall" / "en1.txt").write_text(EN_BODY + "\nShare this\n", encoding="utf-8")
    (root / "raw-recall" / "de1.txt").write_text(DE_BODY + "\nMehr zum Thema\n", encoding="utf-8")
    return root


def test_detect_benchmark(extraction: Path, snippets: Path, tmp_path: Path) -> None:
    assert detect_benchmark(extraction) == "extraction"
    assert detect_benchmark(snippets) == "snippets"
    with pytest.raises(ValueError, match="not a benchmark folder"):
        detect_benchmark(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("ground-truth.json", "not json", r"ground-truth\.json: can't read it: Expecting value"),
        ("ground-truth.json", "{}", r"ground-truth\.json: no pages"),
        ("ground-truth.json", '{"a": {"url": "u"}}', r"ground-truth\.json: page 'a': no 'articleBody' str"),
        ("cases.json", '{"a": {"with": ["x"]}}', r"cases\.json: page 'a': no 'without' list"),
    ],
)
def test_a_ground_truth_file_that_cant_be_scored_is_an_error_naming_it(
    tmp_path: Path, name: str, content: str, error: str
) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(BenchmarkError, match=error):
        list(load_pages(tmp_path, "raw-page"))
    outcome = CliRunner().invoke(main, ["eval", str(tmp_path)])
    assert outcome.exit_code == 2 and re.search(error, outcome.output), outcome.output


def test_load_pages_kinds_and_order(extraction: Path) -> None:
    html = list(load_pages(extraction, "html"))
    assert [p.key for p in html] == ["a", "b"]
    assert html[0].raw == b"<p>a</p>"
    page = list(load_pages(extraction, "raw-page"))[1]
    assert page.raw == "Menu\npage b\n"
    assert page.url == "https://www.example.com/b" and page.site == "example.com"
    with pytest.raises(ValueError, match="unknown input"):
        list(load_pages(extraction, "pdf"))  # type: ignore[arg-type]
    (extraction / "raw-recall" / "b.txt").unlink()
    with pytest.raises(BenchmarkError, match=r"b\.txt: missing raw-recall input for page b"):
        list(load_pages(extraction, "raw-recall"))


def test_site_of() -> None:
    assert site_of("https://www.nytimes.com/2019/x.html") == "nytimes.com"
    assert site_of("hard::dw.com.colonial.html") == "hard::dw.com.colonial.html"


def test_shingles_short_text_is_one_shingle() -> None:
    assert shingles("Hello, world") == {("Hello", "world"): 1}
    assert shingles("") == {}
    assert sum(shingles("a b c d e").values()) == 2


def test_shingle_match_normalises_per_page() -> None:
    # 3 true shingles all found, 2 extra ones predicted.
    assert shingle_match("a b c d e f", "a b c d e f x y") == pytest.approx((0.6, 0.4, 0.0))
    assert shingle_match("a b c d", "") == (0.0, 0.0, 1.0)
    assert shingle_match("", "") == (0.0, 0.0, 0.0)


def test_score_extraction_means_over_pages(extraction: Path) -> None:
    # Page b: precision 0.6, recall 1; page a: empty output, so recall 0 and no precision.
    result = score(extraction, {"b": "one two three four five six seven eight"})
    by_key = {p.key: p for p in result.per_page}
    assert by_key["b"].precision == pytest.approx(0.6)
    assert by_key["a"].recall == 0.0
    assert result.precision == pytest.approx(0.6)  # page a has no predicted shingle
    assert result.recall == pytest.approx(0.5)
    assert result.f1 == pytest.approx(2 * 0.6 * 0.5 / 1.1)
    assert result.worst(1)[0].key == "a"
    assert by_key["a"].lang == "en"
    assert sum(s.pages for s in result.per_language.values()) == 2


def test_score_rejects_unknown_keys(extraction: Path) -> None:
    with pytest.raises(ValueError, match="not in"):
        score(extraction, {"zzz": "text"})


def test_score_snippets_counts_and_languages(snippets: Path) -> None:
    outputs = {
        "en1": EN_BODY.replace("next year", "next\n year") + "\nShare this",
        "de1": DE_BODY[:40],
    }
    result = score(snippets, outputs)
    # en1: 2 found, 1 leak; de1: 1 found, no leak.
    assert (result.precision, result.recall) == (pytest.approx(3 / 4), 1.0)
    assert result.f1 == pytest.approx(2 * 0.75 / 1.75)
    assert result.per_language["de"].precision == 1.0
    assert result.per_language["en"].precision == pytest.approx(2 / 3)
    assert result.per_language["en"].pages == 1
    assert json.loads(json.dumps(result.as_dict()))["per_language"]["de"]["recall"] == 1.0


def test_evaluate_text_runs_the_function(snippets: Path) -> None:
    as_is = evaluate_text(snippets, "raw-recall", lambda text: text)
    assert as_is.recall == 1.0 and as_is.precision == pytest.approx(3 / 5)
    first_lines = evaluate_text(snippets, "raw-recall", lambda text: text.split("\n")[0])
    assert first_lines.precision == 1.0


@pytest.mark.parametrize(
    ("bench", "input", "expected"),
    [
        ("extraction-dev", "raw-recall", (0.945, 0.924, 0.967)),
        ("extraction-dev", "raw-page", (0.697, 0.538, 0.992)),
        ("snippets-dev", "raw-recall", (0.917, 0.889, 0.947)),
        ("snippets-dev", "raw-page", (0.689, 0.528, 0.990)),
    ],
)
def test_as_is_figures_match_the_readmes(
    bench: str, input: str, expected: tuple[float, float, float]
) -> None:
    if not (SHARED / bench).is_dir():
        pytest.skip(f"{SHARED / bench} absent: the dev benchmarks live beside the project root")
    result = evaluate_text(SHARED / bench, input, lambda text: text)  # type: ignore[arg-type]
    assert (round(result.f1, 3), round(result.precision, 3), round(result.recall, 3)) == expected


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--input", "html", "--semantic", "--copies", "5"], "--semantic, --copies do not apply to a bench"),
        (["--offtopic", "--spliced"], "--offtopic and --spliced are two evaluations"),
        (["--offtopic", "--input", "html", "--no-site-lines"], "--input, --site-lines do not apply to --off"),
        (["--spliced", "--worst", "3"], "--worst does not apply to --spliced"),
    ],
)
def test_options_the_evaluation_would_not_read_are_usage_errors(
    extraction: Path, args: list[str], error: str
) -> None:
    """A user adding --semantic to a benchmark's evaluation would believe the semantic model scored."""
    outcome = CliRunner().invoke(main, ["eval", str(extraction), *args])
    assert outcome.exit_code == 2 and error in outcome.output, outcome.output
