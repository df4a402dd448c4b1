"""Site-repeated lines: what is learned, how it is stored and reused, and how it cuts."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.ingest import RawRecord
from cleaner.pipeline import SURVEY_VERSION, Cleaner, Settings, survey
from cleaner.review.decisions import record as record_decision
from cleaner.review.sidecars import removed_span
from cleaner.sitelines import Allowlist, AllowlistError, SiteLineParams, SiteLines, SiteLineStore, Surveyed
from cleaner.sitelines.lines import MAX_CHARS, document_lines, eligible_lines
from cleaner.write import rebuild_clean_text
from tests.conftest import ROOT
from tests.test_scale import outputs, write_warc

SCHEMA = json.loads((ROOT / "cleaner" / "sidecar.schema.json").read_text())

TAGLINE = "Coastal Gazette — your town, every tide"
MENU = "Harbour · Council · Schools · Letters"
FOOTER = "The Gazette is printed on recycled paper at our works in Halvard Bay."
LISTEN = "Listen to this story"  # a rule cuts it: the rule wins
SERIES = "Part of our series on the coast in winter."  # in only four documents: not learned
WIRE = (  # a long paragraph every story quotes: content, never learned
    "The regional assembly, which meets in Halvard Bay twice a year, approved the coastal plan in March "
    "after two years of hearings, setting aside money for sea defences, harbour works and new ferry "
    "routes along the whole of the northern shore."
)
TOPICS = ["dredging", "ferries", "fish prices", "the lighthouse", "the marina", "storm damage", "the regatta"]
TOPICS += ["pier lighting", "tidal flooding", "the school roof", "bus routes", "the library"]


def story(n: int, site_lines: bool = True) -> str:
    """An article of the fake site: its own headline and body, the site's shared lines around it."""
    topic = TOPICS[n]
    body = [
        f"Council weighs new plan for {topic} after a long public meeting",
        f"The town council discussed {topic} on evening {n}, after residents raised concerns about cost.",
        LISTEN,
        f"Officials said a decision on {topic} would follow in {n + 2} weeks, once engineers reported back.",
        WIRE,
        f"Several residents spoke in favour of the {topic} plan, while others asked for a smaller one.",
    ]
    if n < 4:
        body.insert(2, SERIES)
    head, foot = ([TAGLINE, MENU], [FOOTER]) if site_lines else ([], [])
    return "\n\n".join(head + body + foot) + "\n"


def surveyed(text: str, site: str) -> Surveyed:
    return survey(RawRecord("d", "test", text, False, "", {}), site)


def learn(documents: list[tuple[str, str, str]], params: SiteLineParams | None = None) -> SiteLines:
    """Learn from (file, site, text) triples, one document a file, in the order given."""
    store = SiteLineStore(":memory:", SURVEY_VERSION)
    for path, site, text in documents:
        store.add(path, [survey(RawRecord(path, "test", text, False, "", {}), site)])
        store.commit(path, path)
    return store.learn(params or SiteLineParams(), Allowlist())


def corpus(count: int = 9, site: str = "coastal") -> list[tuple[str, str, str]]:
    return [(f"{site}/story-{n}", site, story(n)) for n in range(count)]


def learned_texts(table: SiteLines, site: str) -> set[str]:
    entry = table.sites.get(site)
    return {line.text for line in entry.lines} if entry else set()


# ---------------------------------------------------------------- what is learned


def test_eligible_lines_are_short_with_a_letter_normalised_and_counted_once() -> None:
    text = "  Home  |  NEWS \n---\n17\n\n" + "x" * (MAX_CHARS + 1) + "\nHome | news\nＡ ｂ\n"
    lines = list(eligible_lines(text))
    assert [line.text for line in lines] == ["home | news", "home | news", "a b"]
    assert text[lines[0].start : lines[0].end] == "Home  |  NEWS"  # offsets without the spaces around
    assert lines[0].hash == lines[1].hash
    assert [line.text for line in document_lines(text)] == ["home | news", "a b"]


def test_lines_in_enough_documents_and_share_of_their_site_are_learned() -> None:
    other = [("other/one", "other.example", story(0))]  # the same shared lines, but another site
    table = learn(corpus(9) + other)
    assert learned_texts(table, "coastal") == {
        TAGLINE.casefold(),
        MENU.casefold(),
        FOOTER.casefold(),
        LISTEN.casefold(),
    }  # not the series line (4 documents), not the long paragraph, not any body line
    entry = table.sites["coastal"]
    assert entry.documents == 9 and {line.documents for line in entry.lines} == {9}
    assert "other.example" not in table.sites
    assert table.totals == {"files": 10, "documents": 10, "sites": 2, "sites_learned": 1, "lines_learned": 4}
    # Seven documents are too few to learn anything; a higher share or count asks more.
    assert learn(corpus(7)).sites == {}
    assert learned_texts(learn(corpus(9), SiteLineParams(min_docs=4, min_site_docs=8)), "coastal") >= {
        SERIES.casefold()
    }
    assert learn(corpus(9), SiteLineParams(min_docs=10, min_site_docs=10)).sites == {}


def test_learning_is_exact_whatever_the_order_the_runs_and_the_copies() -> None:
    documents = corpus(12)
    reference = learn(documents).dumps()
    shuffled = documents[:]
    random.Random(7).shuffle(shuffled)
    assert learn(shuffled).dumps() == reference
    copies = documents + [(f"copy/{path}", site, text) for path, site, text in documents[:5]]
    with_copies = learn(copies)  # exact copies of a document count once
    assert with_copies.version == learn(documents).version and with_copies.totals["files"] == 17

    store = SiteLineStore(":memory:", SURVEY_VERSION)
    for path, site, text in documents[:6]:  # a first run, then a later one with the rest
        store.add(path, [surveyed(text, site)])
        store.commit(path, "v1")
    assert store.learn(SiteLineParams(), Allowlist()).sites == {}  # six documents: too few yet
    for path, site, text in documents[6:]:
        store.add(path, [surveyed(text, site)])
        store.commit(path, "v1")
    assert store.learn(SiteLineParams(), Allowlist()).dumps() == reference
    # A file that changed is counted anew: its old lines leave the counts.
    path, site, _ = documents[0]
    store.add(path, [surveyed(story(0, site_lines=False), site)])
    store.commit(path, "v2")
    changed = store.learn(SiteLineParams(), Allowlist())
    assert store.sha256(path) == "v2"
    assert {line.documents for line in changed.sites["coastal"].lines if line.text == FOOTER.casefold()} == {
        11
    }


def test_the_store_persists_on_disk_and_a_new_survey_version_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    store = SiteLineStore(path, "survey-a")
    for name, site, text in corpus(9):
        store.add(name, [surveyed(text, site)])
        store.commit(name, "sha")
    store.close()
    again = SiteLineStore(path, "survey-a")
    assert again.sha256("coastal/story-3") == "sha" and again.sites_of("coastal/story-3") == ["coastal"]
    assert learned_texts(again.learn(SiteLineParams(), Allowlist()), "coastal")
    again.add("coastal/story-9", [surveyed(story(9), "coastal")])  # a survey cut short
    again.close()
    again = SiteLineStore(path, "survey-a")
    assert again.sha256("coastal/story-9") is None
    assert again.learn(SiteLineParams(), Allowlist()).sites["coastal"].documents == 9
    again.close()
    other = SiteLineStore(path, "survey-b")
    assert other.sha256("coastal/story-3") is None and other.learn(SiteLineParams(), Allowlist()).sites == {}
    other.close()


def test_documents_without_a_site_are_not_counted() -> None:
    assert surveyed(story(0), "").site == ""
    assert learn([(f"loose/{n}", "", story(n)) for n in range(9)]).totals["documents"] == 0


# ---------------------------------------------------------------- how it cuts


@pytest.fixture(scope="module")
def plain() -> Cleaner:
    """A cleaner without site lines; each test gives it the table it learned."""
    return Cleaner(Settings(decisions_path=None))


def test_the_cleaner_cuts_learned_lines_with_their_statistic_and_rules_win(plain: Cleaner) -> None:
    cleaner = plain.with_site_lines(learn(corpus(9)))
    document = cleaner.clean(RawRecord("d", "test", story(2), False, "", {}), site_hint="coastal")
    cut = {document.text[s.start : s.end]: s for s in document.removed if s.reason == "site-lines"}
    assert set(cut) == {TAGLINE, MENU, FOOTER}  # LISTEN is a rule's: the rule wins
    assert {s.reason for s in document.removed if document.text[s.start : s.end] == LISTEN} == {
        "listen-prompt-line"
    }
    span = cut[FOOTER]
    assert (span.category, span.score, span.detail) == (
        "site-repeated",
        1.0,
        "in 9 of 9 documents of coastal",
    )
    # The masthead above it is the site's, so the headline is the story's first line.
    assert (
        document.metadata["title"] == f"Council weighs new plan for {TOPICS[2]} after a long public meeting"
    )
    clean = cleaner.clean_text(document)
    assert TAGLINE not in clean and FOOTER not in clean
    assert not {document.text[s.start : s.end] for s in document.removed} & {WIRE, SERIES}
    assert cleaner.site_lines is not None
    assert cleaner.document_versions(document)["site_lines"] == cleaner.site_lines.site_version("coastal")
    # Another site's document keeps the same lines, and its versions name no site lines.
    elsewhere = cleaner.clean(RawRecord("e", "test", story(2), False, "", {}), site_hint="other.example")
    assert not any(s.reason == "site-lines" for s in elsewhere.spans)
    assert cleaner.document_versions(elsewhere)["site_lines"] is None


def test_the_guard_keeps_a_document_that_site_lines_would_gut(plain: Cleaner) -> None:
    lines = [f"Site furniture line number {n} of the coastal template" for n in range(6)]
    documents = [(f"p{n}", "coastal", "\n".join([*lines, f"Story {n} is short."]) + "\n") for n in range(9)]
    cleaner = plain.with_site_lines(learn(documents))
    document = cleaner.clean(RawRecord("d", "test", documents[0][2], False, "", {}), site_hint="coastal")
    assert document.guard and not any(s.applied for s in document.removed)
    assert cleaner.clean_text(document) == documents[0][2]


def test_the_allowlist_keeps_lines_and_names_its_pattern(tmp_path: Path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text(f"# keep the menu everywhere\n^harbour · council\n@elsewhere.example {FOOTER[:20]}\n")
    store = SiteLineStore(":memory:", SURVEY_VERSION)
    for name, site, text in corpus(9):
        store.add(name, [surveyed(text, site)])
        store.commit(name, "")
    allowlist = Allowlist.load(allow)
    table = store.learn(SiteLineParams(), allowlist)
    entry = table.sites["coastal"]
    assert [(a.line.text, a.pattern) for a in entry.allowed] == [(MENU.casefold(), "^harbour · council")]
    assert FOOTER.casefold() in learned_texts(table, "coastal")  # scoped to another site
    assert table.allow_version == allowlist.version and allowlist.version
    assert store.learn(SiteLineParams(), Allowlist()).version != table.version

    allow.write_text("fine\n@coastal [unclosed\n")
    with pytest.raises(AllowlistError, match=r"allow.txt:2: bad pattern '\[unclosed'"):
        Allowlist.load(allow)


def test_a_written_table_loads_back_and_a_tampered_one_is_refused(tmp_path: Path) -> None:
    table = learn(corpus(9))
    path = tmp_path / "_site_lines.json"
    path.write_text(table.dumps())
    loaded = SiteLines.load(path)
    assert loaded.version == table.version and loaded.dumps() == table.dumps()
    data = json.loads(table.dumps())
    data["sites"]["coastal"]["lines"][0]["documents"] = 8
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="does not match its version"):
        SiteLines.load(path)


# ---------------------------------------------------------------- end to end

# Low thresholds keep these runs small: a line in 2 documents of a site with at least 3. One
# worker unless said otherwise: the models stay loaded from one run to the next.
SMALL = ("--site-lines-min-docs", "2", "--site-lines-min-site-docs", "3", "--workers", "1")


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *SMALL, *args, "--decisions", ""])
    return result.exit_code, result.output


def sidecar(out: Path, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / f"{rel}.json").read_text())
    return data


def site_cuts(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in record["removed"] if item["rule"] == "site-lines"]


def write_corpus(folder: Path, numbers: range, site: str = "coastal") -> None:
    """Stories without the series line (numbers from 4), one a file, in ``folder/site/``."""
    (folder / site).mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (folder / site / f"story-{n}.txt").write_text(story(n))


def test_runs_learn_persist_build_on_earlier_statistics_and_reclean_only_affected_files(
    tmp_path: Path,
) -> None:
    out = tmp_path / "clean"
    monday, tuesday, wednesday = (tmp_path / day for day in ("monday", "tuesday", "wednesday"))
    write_corpus(monday, range(4, 6))
    (monday / "elsewhere").mkdir()
    (monday / "elsewhere" / "one.txt").write_text(story(4))
    code, output = cli(str(monday), "--out", str(out))
    assert code == 0 and "site lines: 0 learned for 0 sites" in output
    assert not site_cuts(sidecar(out, "coastal/story-4"))

    # A third document: the site learns, its files are cleaned again, the other site's is not.
    write_corpus(tuesday, range(6, 7))
    code, output = cli(str(monday), str(tuesday), "--out", str(out))
    assert output.startswith("3 documents cleaned (1 files unchanged"), output
    assert "site lines: 4 learned for 1 sites" in output
    record = sidecar(out, "coastal/story-4")
    jsonschema.validate(record, SCHEMA)
    cuts = site_cuts(record)
    assert {item["text"] for item in cuts} == {TAGLINE, MENU, FOOTER}
    assert {(item["detail"], item["score"], item["status"]) for item in cuts} == {
        ("in 3 of 3 documents of coastal", 1.0, "applied")
    }
    assert rebuild_clean_text(record) == (out / "coastal" / "story-4.txt").read_text()
    assert not site_cuts(sidecar(out, "elsewhere/one"))
    table = json.loads((out / "_site_lines.json").read_text())
    assert table["sites"]["coastal"]["documents"] == 3 and table["params"]["min_docs"] == 2
    assert record["versions"]["site_lines"] == table["sites"]["coastal"]["version"]
    stats = json.loads((out / "_stats.json").read_text())
    assert stats["site_lines"]["lines_learned"] == 4 and stats["removed_by_category"]["site-repeated"] == 9

    # Wednesday's file alone: the earlier runs' three documents still count.
    write_corpus(wednesday, range(7, 8))
    code, output = cli(str(wednesday), "--out", str(out))
    assert code == 0 and output.startswith("1 documents cleaned")
    assert site_cuts(sidecar(out, "coastal/story-7"))[0]["detail"] == "in 4 of 4 documents of coastal"

    code, output = cli(str(wednesday), "--out", str(out), "--no-site-lines")
    assert output.startswith("1 documents cleaned") and "site lines" not in output
    assert not site_cuts(sidecar(out, "coastal/story-7"))
    assert sidecar(out, "coastal/story-7")["versions"]["site_lines"] is None

    # A damaged statistics file stops the run with a hint; --relearn starts afresh from the
    # inputs: one document learns nothing.
    (out / "_site_lines.sqlite").write_bytes(b"not a database" * 100)
    code, output = cli(str(wednesday), "--out", str(out))
    assert code == 2 and "_site_lines.sqlite: can't use these site-lines statistics" in output
    code, output = cli(str(wednesday), "--out", str(out), "--relearn")
    assert code == 0 and "site lines: 0 learned" in output
    assert json.loads((out / "_site_lines.json").read_text())["totals"]["documents"] == 1


def test_a_reviewer_keeps_a_site_line_and_the_next_run_puts_it_back(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "clean"
    write_corpus(raw, range(4, 7))
    decisions = tmp_path / "decisions.jsonl"
    command = ["run", *SMALL, str(raw), "--out", str(out), "--decisions", str(decisions)]
    CliRunner().invoke(main, command)
    record = sidecar(out, "coastal/story-5")
    footer = next(item for item in site_cuts(record) if item["text"] == FOOTER)
    record_decision(decisions, "coastal/story-5", removed_span(footer), FOOTER, "keep")
    CliRunner().invoke(main, command)
    record = sidecar(out, "coastal/story-5")
    assert [item["status"] for item in site_cuts(record) if item["text"] == FOOTER] == ["kept"]
    assert FOOTER in (out / "coastal" / "story-5.txt").read_text()
    assert rebuild_clean_text(record) == (out / "coastal" / "story-5.txt").read_text()


def test_jsonl_and_warc_sites_come_from_urls_and_one_or_two_workers_write_the_same_bytes(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    records = [
        {"id": f"g{n}", "url": f"https://www.gazette.example/{n}", "text": story(n)} for n in range(4, 7)
    ]
    records += [{"id": "lone", "url": "https://lone.example/1", "text": story(7)}]
    (raw / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    pages = [
        (
            f"https://harbour.example/news/{n}",
            "text/html",
            f"<html><body><article><h1>Story {n} of the harbour</h1><p>{TAGLINE}</p>"
            + "".join(f"<p>{line}</p>" for line in story(n, site_lines=False).split("\n\n")[1:])
            + f"<p>{FOOTER}</p></article></body></html>",
        )
        for n in range(4, 7)
    ]
    write_warc(raw / "crawl.warc.gz", [(url, kind, body.encode()) for url, kind, body in pages])
    results = []
    for workers in ("1", "2"):
        out = tmp_path / f"clean-{workers}"
        code, output = cli(str(raw), "--out", str(out), "--workers", workers)
        assert code == 0, output
        results.append(outputs(out))
    assert results[0] == results[1]
    out = tmp_path / "clean-1"
    table = json.loads((out / "_site_lines.json").read_text())
    assert sorted(table["sites"]) == ["gazette.example", "harbour.example"]  # not lone.example
    feed = {r["id"]: r for r in map(json.loads, (out / "feed.jsonl").read_text().splitlines())}
    assert {i["text"] for i in site_cuts(feed["g5"])} == {TAGLINE, MENU, FOOTER}
    assert not site_cuts(feed["lone"]) and FOOTER in feed["lone"]["text"]
    crawl = [json.loads(line) for line in (out / "crawl.jsonl").read_text().splitlines()]
    assert len(crawl) == 3
    for record in crawl:
        assert {i["text"] for i in site_cuts(record)} == {TAGLINE, FOOTER} and TAGLINE not in record["text"]


def test_bad_site_lines_options_are_usage_errors(tmp_path: Path) -> None:
    write_corpus(tmp_path / "raw", range(4, 5))
    code, output = cli(str(tmp_path / "raw"), "--out", str(tmp_path / "o"), "--site-lines-min-site-docs", "1")
    assert code == 2 and "--site-lines-min-site-docs" in output
    code, output = cli(str(tmp_path / "raw"), "--out", str(tmp_path / "o"), "--site-lines-min-docs", "4")
    assert code == 2 and "min_site_docs must be at least min_docs" in output
    bad = tmp_path / "allow.txt"
    bad.write_text("(\n")
    code, output = cli(str(tmp_path / "raw"), "--out", str(tmp_path / "o"), "--site-lines-allow", str(bad))
    assert code == 2 and "allow.txt:1: bad pattern" in output


def test_files_gone_leave_the_counts_and_a_path_named_otherwise_counts_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "clean"
    write_corpus(raw, range(4, 7))
    code, output = cli(str(raw), "--out", str(out))
    assert code == 0 and "site lines: 4 learned for 1 sites" in output
    monkeypatch.chdir(tmp_path)
    code, output = cli("raw", "--out", "clean")
    assert output.startswith("0 documents cleaned (3 files unchanged")
    assert json.loads((out / "_site_lines.json").read_text())["totals"]["files"] == 3
    # Two of the three stories deleted: one document is too few to learn from, and it is cleaned
    # again without the site's lines.
    for n in (5, 6):
        (raw / "coastal" / f"story-{n}.txt").unlink()
    code, output = cli("raw", "--out", "clean")
    assert output.startswith("1 documents cleaned") and "site lines: 0 learned" in output
    assert not site_cuts(sidecar(out, "coastal/story-4"))
    assert sorted(p.name for p in (out / "coastal").iterdir()) == ["story-4.json", "story-4.txt"]
