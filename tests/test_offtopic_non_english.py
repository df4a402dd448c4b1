"""The off-topic model for other languages than English: chosen by language, trained on spliced articles."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import main
from cleaner.offtopic.features import FEATURES
from cleaner.offtopic.model import (
    NON_ENGLISH_MODEL_NAME,
    default_model,
    find_offtopic,
    load,
    model_for,
    non_english_model,
    semantic_model,
)
from cleaner.offtopic.train import train_non_english
from cleaner.pipeline import Cleaner, Settings
from tests.synthetic import synthetic_article

TOPICS = [
    (
        "Hafen",
        "die Hafenarbeiter",
        "die Kräne",
        "die Container",
        "die Reedereien",
        "die Hafenbehörde",
        "die Liegeplätze",
    ),
    (
        "Vulkan",
        "die Geologen",
        "die Lavaströme",
        "die Aschewolken",
        "der Kraterrand",
        "das Observatorium",
        "das Magma",
    ),
    (
        "Obstbau",
        "die Apfelbauern",
        "die Blüten",
        "die Frostschäden",
        "die Mostereien",
        "die Genossenschaft",
        "die Erntekisten",
    ),
    (
        "Bibliothek",
        "die Bibliothekare",
        "die Handschriften",
        "die Lesesäle",
        "der Archivflügel",
        "der Kreistag",
        "die alten Atlanten",
    ),
    (
        "Marathon",
        "die Läufer",
        "die Wasserstationen",
        "die Ziellinie",
        "die Streckenposten",
        "der Leichtathletikverein",
        "die Zwischenzeiten",
    ),
    (
        "Klinik",
        "die Pflegekräfte",
        "die Notaufnahme",
        "die Rettungswagen",
        "die Chirurgen",
        "der Klinikverbund",
        "die Wartelisten",
    ),
    (
        "Bahn",
        "die Lokführer",
        "die Stellwerke",
        "der Fahrplan",
        "die Bahnübergänge",
        "das Bahnunternehmen",
        "die Waggons",
    ),
    (
        "Weinbau",
        "die Winzer",
        "die Rebstöcke",
        "die Eichenfässer",
        "der Probierkeller",
        "der Weinbauverband",
        "der Jahrgang",
    ),
    (
        "Gletscher",
        "die Klimaforscher",
        "das Schmelzwasser",
        "die Eisbohrkerne",
        "die Moräne",
        "das Polarinstitut",
        "die Gletscherspalten",
    ),
    (
        "Bäckerei",
        "die Bäcker",
        "die Sauerteigbrote",
        "die Mehlpreise",
        "die Backöfen",
        "die Bäckerinnung",
        "die Kuchenbestellungen",
    ),
    (
        "Sternwarte",
        "die Astronomen",
        "die Teleskope",
        "ein Komet",
        "der Nachthimmel",
        "die Raumfahrtagentur",
        "die Sternkarten",
    ),
    (
        "Fischerei",
        "die Fischer",
        "die Dorschbestände",
        "die Fangquoten",
        "der Fischmarkt",
        "der Meeresrat",
        "die Netze",
    ),
]

TEMPLATES = [
    "Am Montag sagten {b}, dass sich {c} in diesem Frühjahr stärker verändert hätten als je zuvor.",
    "In der ganzen Region bestimmen {d} den Alltag, und {b} erwarten, dass {e} im Herbst wichtiger wird.",
    "Ein Bericht über {f} ergab, dass {g} stark belastet seien, wobei {b} immer wieder auf {c} verwiesen.",
    "Die Verantwortlichen versprachen Mittel für {e}, doch {b} glauben nicht, dass das Geld schnell ankommt.",
    "Mehrere Leute schilderten lange Schichten, in denen {b} {g} prüften, während andere {d} beobachteten.",
    "Der Streit um {c} spaltet {f}, wo die Mitglieder bis spät in den Abend über {e} diskutierten.",
    "Familien aus der Gegend, die von {g} leben, wollen die Entscheidungen genau verfolgen.",
    "Bis zum Ende der Woche hoffen {b}, dass sich {d} und {e} beruhigen.",
    "Besuchern wurde mitgeteilt, dass {c} in dieser Saison nicht garantiert werden könnten.",
    "In einer Erklärung dankte {f} allen Beteiligten für ihre Geduld und kündigte an, {g} im Juni zu prüfen.",
    "Ältere Anwohner erinnern sich an eine Zeit, in der {d} einfacher waren und {c} kaum Beachtung fanden.",
    "Weitere Treffen sind geplant, und {f} will seine Ergebnisse noch vor dem Winter veröffentlichen.",
]


def article(number: int) -> str:
    """A four-paragraph German article on one subject of ``TOPICS`` (the same sentences, its own words)."""
    return synthetic_article(TOPICS[number], TEMPLATES, number, "{a}: {b} vor einer schwierigen Saison")


def test_documents_in_other_languages_get_the_non_english_model() -> None:
    model = non_english_model()
    assert model.name == NON_ENGLISH_MODEL_NAME and model.features == FEATURES
    assert model_for("de", default_model()) is model
    assert model_for("pl", semantic_model()) is model
    assert model_for("en", default_model()) is default_model()
    assert model_for(None, semantic_model()) is semantic_model()
    versions = Cleaner(Settings(decisions_path=None)).versions["model"]
    assert isinstance(versions, dict) and versions["offtopic_non_english"].startswith(
        "offtopic-non-english-1+"
    )


STRAY = (
    "Die Zentralbank hat den Leitzins überraschend um einen halben Prozentpunkt angehoben. "
    "Analysten hatten mit einer Pause gerechnet, weil die Inflation zuletzt gesunken war. "
    "An der Börse gaben die Aktien von Banken und Versicherern daraufhin deutlich nach."
)


def test_a_german_paragraph_on_another_subject_is_flagged_by_the_non_english_model() -> None:
    paragraphs = article(0).split("\n\n")
    text = "\n\n".join([*paragraphs[:3], STRAY, *paragraphs[3:]])
    spans = find_offtopic(text, [], None, "de")
    assert [text[s.start : s.end] for s in spans] == [STRAY]
    assert spans[0].reason == NON_ENGLISH_MODEL_NAME


def test_training_on_spliced_articles_writes_a_model_and_its_card(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    for number in range(len(TOPICS)):
        (hosts / f"a{number:02d}.txt").write_text(article(number))
    out = tmp_path / "model.json"

    report = train_non_english([hosts], out=out, copies=2)

    model = load(out)
    assert model.name == NON_ENGLISH_MODEL_NAME and 0 < model.threshold < 1
    assert report["de_articles"] == len(TOPICS) and report["documents"] == 2 * len(TOPICS)
    assert report["recall"] > 0 and report["false_flag_rate"] <= report["target_rate"]
    stored = json.loads(out.read_text())
    assert stored["training"]["languages"] == ["de"]
    card = out.with_suffix(".md").read_text()
    assert card.startswith("# offtopic-non-english model card") and "| de | 12 | 24 |" in card


def test_training_without_enough_articles_is_a_usage_error(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    (hosts / "one.txt").write_text(article(0))
    intruders = tmp_path / "intruders"
    intruders.mkdir()
    outcome = CliRunner().invoke(
        main, ["train", "offtopic", str(intruders), "--non-english", "--hosts", str(hosts)]
    )
    assert outcome.exit_code == 2
    assert "no language other than English has 10 articles" in outcome.output
