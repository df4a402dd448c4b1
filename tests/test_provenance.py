"""Provenance: a passage that another article of the same run holds more is withheld, naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.ingest import RawRecord
from cleaner.offtopic import find_offtopic
from cleaner.offtopic.data import LabelledDoc, Passage
from cleaner.offtopic.provenance import (
    MIN_WORDS,
    Print,
    Source,
    corpus_sources,
    fingerprint,
    group_sources,
    near_duplicates,
    text_prints,
)
from cleaner.offtopic.train import _passages, featurise, figures_at, provenance_report
from cleaner.pipeline import SURVEY_VERSION, survey
from cleaner.sitelines import SiteLineStore
from cleaner.write import rebuild_clean_text
from tests.conftest import ROOT
from tests.test_scale import outputs

SCHEMA = json.loads((ROOT / "cleaner" / "sidecar.schema.json").read_text())

FERRY = [
    "Harbour council approves new winter ferry service to the northern islands",
    "The harbour council voted on Tuesday evening to fund a winter ferry service between Halvard Bay and "
    "the three northern islands, ending a decade in which islanders had no crossing from November to March.",
    "The service will run twice a day on weekdays and once on Saturdays, using a leased vessel that can "
    "carry forty passengers and six cars. Councillors said the first sailings would leave the old pier in "
    "the second week of November, weather permitting.",
    "Island residents have campaigned for a winter crossing since the last operator withdrew, saying that "
    "families were cut off from the hospital, the secondary school and the supermarket for months at a "
    "time. Several of them travelled to the mainland for the vote and applauded when the result was read "
    "out.",
    "The council will pay the operator a fixed sum for the first two winters and review the service after "
    "that, depending on how many passengers use it. Fares will be the same as in summer, with free travel "
    "for pupils and patients going to hospital appointments.",
    "Opposition councillors supported the plan but warned that the old pier needs repairs before it can "
    "take a larger boat. The harbour master said engineers would inspect the pier in October and that "
    "temporary works could be finished before the first sailing.",
]
CHAIRMAN = (
    "The club's chairman told supporters at a packed meeting that the move would allow the team to compete "
    "with bigger rivals and would bring concerts and international matches to the city."
)
SALE = (
    "The current ground would be sold for housing, with part of the money going towards the construction "
    "costs."
)
SUBMISSION = (
    "The club hopes to submit a planning application in the spring and to play its first match in the new "
    f"ground within four seasons. {SALE}"
)
STADIUM = [
    "City football club unveils plans for a larger stadium on the old rail yards",
    "The city's football club presented plans on Monday for a thirty-thousand-seat stadium on the disused "
    "rail yards east of the centre, doubling the capacity of its current ground.",
    f"{CHAIRMAN} The design includes a roof over every stand, a fan zone and a new tram stop beside the "
    "main entrance.",
    "Residents of the streets around the rail yards raised concerns about traffic and noise on match days, "
    "and asked whether the club would pay for the road changes. Planning officers said a full transport "
    "study would be published before any decision.",
    SUBMISSION,
]


TEASER = "City football club unveils plans for a larger stadium"  # the headline, cut short


def spun(teaser: bool = False) -> str:
    """The ferry article as a content farm spins it: a sentence of the stadium article spliced
    into its third paragraph, and the stadium article's last paragraph among its own (with
    ``teaser``, the stadium article's headline cut short instead)."""
    paragraphs = list(FERRY)
    paragraphs[2] = paragraphs[2].replace(" Councillors said", f" {CHAIRMAN} Councillors said")
    paragraphs.insert(4, TEASER if teaser else SUBMISSION)
    return "\n\n".join(paragraphs) + "\n"


def share(donor: str) -> Source:
    return Source(donor, cut=False)


def article(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs) + "\n"


# ---------------------------------------------------------------- fingerprints and the rule


def test_a_fingerprint_is_the_first_eight_words_whatever_the_case_and_punctuation() -> None:
    assert fingerprint("Too short to say anything.") is None  # five words
    assert MIN_WORDS == 6 and fingerprint("Six words are enough to say") is not None
    headline = "City football club unveils plans for a larger stadium on the old rail yards"
    assert fingerprint(headline) == fingerprint("CITY FOOTBALL CLUB — unveils plans, for a larger stadium!")
    assert fingerprint(headline) != fingerprint("City football club unveils plans for the larger stadium")
    prints = {found.value: found for found in text_prints(article(STADIUM))}
    # A sentence and its paragraph open alike: the print keeps the longer's words; a line with no
    # final stop (the headline) is a cut one.
    assert prints[fingerprint(CHAIRMAN)] == Print(fingerprint(CHAIRMAN), len(STADIUM[2].split()), None)
    assert prints[fingerprint(TEASER)] == Print(fingerprint(TEASER), 14, 14)
    assert list(prints) == sorted(prints)


def test_the_rule_points_from_the_spun_page_to_the_article_it_took_from() -> None:
    ferry, stadium, copy = article(FERRY), article(STADIUM), spun()
    sources = corpus_sources(
        [text_prints(text) for text in (ferry, stadium, copy)], ["ferry", "stadium", "spun"].__getitem__
    )
    # The spun page and the ferry article are one article (near-duplicates): their shared passages
    # say nothing; the stadium article holds the spliced passages in a larger share of its cluster.
    assert sources[0] == {} and sources[1] == {}
    assert sources[2] == dict.fromkeys(map(fingerprint, (CHAIRMAN, SUBMISSION, SALE)), share("stadium"))
    # The headline cut short on a line of its own: cut from the stadium article's longer headline.
    teased = corpus_sources([text_prints(text) for text in (ferry, stadium, spun(teaser=True))])
    assert teased[2][fingerprint(TEASER)] == Source("1", cut=True) and teased[1] == {}

    # Two unrelated articles sharing a passage hold it in all of their clusters: each points at the other.
    assert list(group_sources([("a", 20, None), ("b", 20, None)], {})) == [
        ("a", "b", False),
        ("b", "a", False),
    ]
    # Unless one holds it cut short (no final stop, fewer words): that one cut it from the other.
    assert list(group_sources([("a", 20, None), ("b", 9, 9)], {})) == [("b", "a", True)]
    # One of three copies of an article holds a passage all of another article's cluster holds: the
    # copy took it; when all three hold it, it is as much theirs.
    near = {"a1": {"a2", "a3"}, "a2": {"a1", "a3"}, "a3": {"a1", "a2"}}
    assert list(group_sources([("a1", 20, None), ("b", 20, None)], near)) == [("a1", "b", False)]
    holders = [(name, 20, None) for name in ("a1", "a2", "a3", "b")]
    assert [(record, donor) for record, donor, _ in group_sources(holders, near)] == [
        ("a1", "b"),
        ("a2", "b"),
        ("a3", "b"),
        ("b", "a1"),
    ]
    assert near_duplicates(5, 10, 12) and not near_duplicates(4, 10, 12) and near_duplicates(1, 0, 3)


def test_a_copied_passage_the_model_finds_at_home_is_kept() -> None:
    text = spun()
    own = FERRY[1]  # the ferry article's lead: the model scores it near 0 here
    found = {own: share("ferry-copy"), CHAIRMAN: share("stadium"), FERRY[4]: Source("other", cut=True)}
    sources = {value: source for passage, source in found.items() if (value := fingerprint(passage))}
    flags = find_offtopic(text, [], FERRY[0], "en", sources=sources)
    assert [(text[span.start : span.end], span.reason) for span in flags] == [
        (CHAIRMAN, "provenance"),
    ]
    assert flags[0].detail.startswith("also in stadium, another article of this run; ")
    without = find_offtopic(text, [], FERRY[0], "en")
    assert [(text[span.start : span.end], span.reason) for span in without] == [(CHAIRMAN, "offtopic")]
    assert without[0].score == flags[0].score  # the model's own score, whoever flags it


# ---------------------------------------------------------------- the store


def test_the_store_finds_sources_per_record_and_a_file_changed_changes_only_its_digests() -> None:
    store = SiteLineStore(":memory:", SURVEY_VERSION)

    def add(path: str, texts: list[str]) -> None:
        records = [
            survey(RawRecord(f"{path}#{n}", path, text, False, "", {})) for n, text in enumerate(texts)
        ]
        store.add(path, records)
        store.commit(path, path)

    add("ferry.txt", [article(FERRY)])
    add("feed.jsonl", [spun(), "A record too short to fingerprint.", spun().replace("Harbour", "Harbor")])
    assert store.find_sources() == {}  # no donor yet: the spun copies are near-duplicates of the ferry story
    add("stadium.txt", [article(STADIUM)])
    digests = store.find_sources()
    assert sorted(digests) == ["feed.jsonl"]
    expected = dict.fromkeys(map(fingerprint, (CHAIRMAN, SUBMISSION, SALE)), share("stadium.txt#0"))
    assert store.sources("feed.jsonl", 0, 3) == [expected, {}, expected]
    assert store.sources("feed.jsonl", 2, 1) == [expected] and store.sources("ferry.txt", 0, 1) == [{}]
    add("stadium.txt", [article(STADIUM[:4])])  # surveyed again without its last paragraph
    assert store.find_sources()["feed.jsonl"] != digests["feed.jsonl"]
    assert store.sources("feed.jsonl", 0, 1) == [{fingerprint(CHAIRMAN): share("stadium.txt#0")}]
    store.drop("stadium.txt")
    assert store.find_sources() == {}
    store.close()


# ---------------------------------------------------------------- runs


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args, "--decisions", ""])
    return result.exit_code, result.output


def flags(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(item["text"], item["model"], item["reason"].split(";")[0]) for item in record["flagged"]]


def test_a_donor_added_in_a_later_run_recleans_the_spun_page_and_names_itself(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "ferry.txt").write_text(article(FERRY))
    (raw / "spun.txt").write_text(spun())
    code, output = cli(str(raw), "--out", str(out), "--workers", "1")
    assert code == 0, output
    record = json.loads((out / "spun.json").read_text())
    # The model alone finds the sentence, not the paragraph (a lone paragraph must score higher).
    assert [item[:2] for item in flags(record)] == [(CHAIRMAN, "offtopic")]
    assert record["versions"]["model"]["offtopic"]

    (raw / "stadium.txt").write_text(article(STADIUM))
    code, output = cli(str(raw), "--out", str(out), "--workers", "1")
    assert code == 0 and output.startswith("2 documents cleaned (1 files unchanged"), output
    record = json.loads((out / "spun.json").read_text())
    jsonschema.validate(record, SCHEMA)
    assert flags(record) == [
        (CHAIRMAN, "provenance", "also in stadium, another article of this run"),
        (SUBMISSION, "provenance", "also in stadium, another article of this run"),
    ]
    clean = (out / "spun.txt").read_text()
    assert CHAIRMAN not in clean and SUBMISSION not in clean and FERRY[3] in clean
    assert rebuild_clean_text(record) == clean
    for name in ("ferry", "stadium"):
        assert json.loads((out / f"{name}.json").read_text())["flagged"] == []
    code, output = cli(str(raw), "--out", str(out), "--workers", "1")
    assert output.startswith("0 documents cleaned (3 files unchanged"), output


def test_jsonl_records_get_their_sources_and_one_or_two_workers_write_the_same_bytes(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    records = [{"id": "ferry-1", "text": article(FERRY)}]
    records += [{"id": f"filler-{n}", "text": f"Short note number {n} of the feed."} for n in range(40)]
    records += [{"id": "stadium-1", "text": article(STADIUM)}, {"id": "spun-1", "text": spun(teaser=True)}]
    (raw / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (raw / "spun.txt").write_text(spun())
    results = []
    for workers in ("1", "2"):
        out = tmp_path / f"clean-{workers}"
        code, output = cli(str(raw), "--out", str(out), "--workers", workers)
        assert code == 0, output
        results.append(outputs(out))
    assert results[0] == results[1]
    out = tmp_path / "clean-1"
    feed = {r["id"]: r for r in map(json.loads, (out / "feed.jsonl").read_text().splitlines())}
    expected = [
        (CHAIRMAN, "provenance", "also in stadium-1, another article of this run"),
        (SUBMISSION, "provenance", "also in stadium-1, another article of this run"),
    ]
    # The record past the first batch and the file beside the feed: both took from the feed's record
    # (the record its headline, cut short, instead of a paragraph).
    teaser = (TEASER, "provenance", "cut from a longer passage of stadium-1, another article of this run")
    assert flags(feed["spun-1"]) == [expected[0], teaser]
    assert flags(json.loads((out / "spun.json").read_text())) == expected
    assert flags(feed["ferry-1"]) == [] and flags(feed["stadium-1"]) == []


# ---------------------------------------------------------------- evaluation


def test_the_evaluation_scores_a_set_of_documents_as_one_run() -> None:
    paragraphs = [*FERRY[:3], CHAIRMAN, *FERRY[3:]]
    host, donor = article(paragraphs), article(STADIUM)
    passages = []
    for paragraph in paragraphs:
        begin, intruder = host.index(paragraph), paragraph == CHAIRMAN
        passages.append(Passage(begin, begin + len(paragraph), intruder, "para" if intruder else ""))
    docs = [
        featurise(LabelledDoc("host-s1", "host", host, passages, lang="en")),
        featurise(LabelledDoc("donor-s1", "donor", donor, [Passage(0, len(donor), False)], lang="en")),
    ]
    # The model finds the intruder only somewhat foreign (under its threshold, over the share
    # rule's floor), and the passage at home not at all.
    units = docs[0].feats.units
    host_probs = np.full(len(units), 0.05)
    host_probs[[docs[0].view[u.start : u.end].strip() == CHAIRMAN for u in units]] = 0.3
    probs = [host_probs, np.full(len(docs[1].feats.units), 0.05)]
    assert figures_at(_passages(docs, probs, 0.0), 0.5, 0.5)["recall"] == 0.0
    found = provenance_report(docs, probs, {"sent_shift": 0.0, "threshold": 0.5, "lone_threshold": 0.5})
    assert found["provenance_recall"] == 1.0 and found["provenance_false_flag_rate"] == 0.0
