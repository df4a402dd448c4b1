"""`cleaner eval --spliced`: a run's own articles spliced into each other, scored through the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.offtopic.data import splice
from cleaner.offtopic.model import load
from cleaner.offtopic.spliced import articles_by_language
from cleaner.offtopic.train import default_hosts, train
from tests.synthetic import synthetic_article

TOPICS = [
    ("Harbour", "dock workers", "cranes", "containers", "shipping lines", "the port authority", "berths"),
    ("Volcano", "geologists", "lava flows", "ash clouds", "the crater rim", "the observatory", "magma"),
    (
        "Orchard",
        "apple growers",
        "blossoms",
        "frost damage",
        "cider presses",
        "the cooperative",
        "harvest crates",
    ),
    (
        "Library",
        "librarians",
        "manuscripts",
        "reading rooms",
        "the archive wing",
        "the county board",
        "rare atlases",
    ),
    (
        "Marathon",
        "runners",
        "water stations",
        "the finish line",
        "race marshals",
        "the athletics club",
        "split times",
    ),
    (
        "Hospital",
        "nurses",
        "the emergency ward",
        "ambulances",
        "surgeons",
        "the health trust",
        "waiting lists",
    ),
    (
        "Railway",
        "train drivers",
        "signal boxes",
        "the timetable",
        "level crossings",
        "the rail operator",
        "carriages",
    ),
    (
        "Vineyard",
        "winemakers",
        "grape vines",
        "oak barrels",
        "the tasting cellar",
        "the appellation council",
        "the vintage",
    ),
    (
        "Glacier",
        "climate scientists",
        "meltwater",
        "ice cores",
        "the moraine",
        "the polar institute",
        "crevasses",
    ),
    (
        "Bakery",
        "bakers",
        "sourdough loaves",
        "flour prices",
        "the ovens",
        "the guild of bakers",
        "pastry orders",
    ),
    (
        "Observatory",
        "astronomers",
        "telescopes",
        "a comet",
        "the night sky",
        "the space agency",
        "star charts",
    ),
    (
        "Fishery",
        "trawler crews",
        "cod stocks",
        "fishing quotas",
        "the fish market",
        "the marine council",
        "nets",
    ),
]
TEMPLATES = [
    "{b} said on Monday that {c} had changed more this spring than in any year they could remember.",
    "Across the region, {d} now shape daily work, and {b} expect {e} to matter even more by the autumn.",
    "A report from {f} found that {g} were under strain, with {c} cited again and again by {b}.",
    "Officials at {f} promised new funding for {e}, though {b} said the money would not arrive quickly.",
    "Several {b} described long shifts spent checking {g}, while others kept watch over {d}.",
    "The debate over {c} has divided {f}, where members argued late into the evening about {e}.",
    "Local families who depend on {g} said they would follow the decisions of {f} closely.",
    "By the end of the week, {b} hoped that {d} and {e} would settle into a steadier pattern.",
    "Visitors who came to see {e} were told that {c} could not be guaranteed this season.",
    "In a statement, {f} thanked {b} for their patience and said {g} would be reviewed in June.",
    "Older {b} recalled a time when {d} were simpler to manage and {c} drew little attention.",
    "Further meetings about {g} are planned, and {f} will publish its findings before the winter.",
]


def article(number: int) -> str:
    """A four-paragraph article on one subject of ``TOPICS`` (the same sentences, its own words)."""
    return synthetic_article(TOPICS[number], TEMPLATES, number, "{a} news: {b} face a changing season")


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    for number in range(len(TOPICS)):
        (raw / f"a{number:02d}.txt").write_text(article(number))
    (raw / "short.txt").write_text("Council backs budget\n\nThe council approved the budget on Tuesday.\n")
    out = raw.parent / "clean"
    assert CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--decisions", ""]).exit_code == 0
    return out


def test_long_articles_are_grouped_by_language_a_paragraph_a_line(clean_dir: Path) -> None:
    found = articles_by_language(clean_dir)
    assert list(found) == ["en"]
    assert sorted(found["en"]) == [f"a{number:02d}" for number in range(len(TOPICS))]  # not the short one
    assert found["en"]["a00"].count("\n\n") == 4  # the headline line and four paragraphs


def test_spliced_articles_are_scored_per_language(clean_dir: Path) -> None:
    outcome = CliRunner().invoke(main, ["eval", str(clean_dir), "--spliced", "--json"])
    assert outcome.exit_code == 0, outcome.output
    figures = json.loads(outcome.stdout)["en"]
    assert figures["articles"] == len(TOPICS)
    assert figures["documents"] == 2 * len(TOPICS)  # two spliced copies of each
    assert figures["intruders"] > len(TOPICS)  # 1-3 intruders in most documents
    assert figures["originals"] >= 4 * figures["documents"]
    # The subjects share no word but the sentences' frame: some intruders are found, nothing else.
    assert figures["recall"] > 0
    assert figures["false_flag_rate"] == 0
    table = CliRunner().invoke(main, ["eval", str(clean_dir), "--spliced", "--copies", "1"]).stdout
    assert table.splitlines()[1].split()[:3] == ["en", str(len(TOPICS)), str(len(TOPICS))]


def test_a_folder_without_enough_long_articles_is_a_usage_error(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    for number in range(3):
        (raw / f"a{number}.txt").write_text(article(number))
    assert CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--decisions", ""]).exit_code == 0
    outcome = CliRunner().invoke(main, ["eval", str(out), "--spliced"])
    assert outcome.exit_code == 2
    assert "en: 3 articles of 150+ words, fewer than 10: left out" in outcome.output
    assert "no language has enough long clean articles" in outcome.output


def _articles() -> dict[str, str]:
    return {f"a{number:02d}": article(number) for number in range(len(TOPICS))}


def test_spliced_teasers_in_title_case_are_short_headline_cuts() -> None:
    articles = _articles()
    assert splice(articles, articles, 2, 5, title_case_share=0.0) == splice(articles, articles, 2, 5)
    docs = splice(articles, articles, 4, 5, title_case_share=1.0)
    teasers = [doc.text[p.start : p.end] for doc in docs for p in doc.passages if p.kind == "headline"]
    assert teasers
    for teaser in teasers:
        first, *rest = teaser.split()
        assert 1 + len(rest) <= 14 and not teaser.endswith((".", ","))
        # Capitalised words, and short minor ones (of, the, into) in lower case but never last.
        assert first[0].isupper() and all(word[0].isupper() or len(word) <= 4 for word in rest)
        assert rest[-1][0].isupper()


def _intruders_file(folder: Path) -> Path:
    """intruders.jsonl of spliced synthetic articles, in the intruders set's layout."""
    articles = _articles()
    lines = []
    for doc in splice(articles, articles, 2, 7):
        labels = [("intruder" if p.intruder else "original", p) for p in doc.passages]
        passages = [{"start": p.start, "end": p.end, "label": label, "kind": p.kind} for label, p in labels]
        copy = doc.id.rsplit("-", 1)[1]
        lines.append(json.dumps({"id": f"{doc.group}-s{copy}", "text": doc.text, "passages": passages}))
    folder.mkdir()
    path = folder / "intruders.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_english_host_articles_are_spliced_into_the_english_models_training(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    for key, text in _articles().items():
        (hosts / f"{key}.txt").write_text(text)
    intruders = _intruders_file(tmp_path / "intruders-dev")
    out = tmp_path / "offtopic.json"

    train(intruders, out=out, copies=2, hosts=[hosts])

    training = json.loads(out.read_text())["training"]
    assert training["host_documents"] == 2 * len(TOPICS) and training["hosts"] == [f"{tmp_path.name}/hosts"]
    assert training["intruder_documents"] == 2 * len(TOPICS) and training["spliced_documents"] == 0
    card = out.with_suffix(".md").read_text()
    assert "24 documents spliced the same way from the English articles of" in card
    assert 0 < load(out).threshold < 1


def test_the_default_hosts_are_the_snippets_pages_beside_the_intruders(tmp_path: Path) -> None:
    intruders = tmp_path / "intruders-dev"
    intruders.mkdir()
    assert default_hosts(intruders) == ()
    pages = tmp_path / "snippets-dev" / "html"
    pages.mkdir(parents=True)
    assert default_hosts(intruders) == default_hosts(intruders / "intruders.jsonl") == (pages.resolve(),)
