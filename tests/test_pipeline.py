from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from langdetect import detector_factory

from cleaner.extract import html_to_text
from cleaner.ingest import RawRecord
from cleaner.lang import detect_language
from cleaner.linemodel import MODEL_NAME as LINE_MODEL_NAME
from cleaner.linemodel import load_model as load_line_model
from cleaner.model import Document, Span
from cleaner.offtopic.model import default_model as default_offtopic_model
from cleaner.offtopic.vectors import default_vectors
from cleaner.pipeline import Cleaner, Settings, site_of

CLEANER = Cleaner(Settings(decisions_path=None))

# Seed 002's shape: a sentence about another subject spliced into a report.
SPLICED_REPORT = (
    "Ukraine fired long-range missiles toward Moscow overnight, officials said on Tuesday.\n\n"
    "Air defences shot down most of the missiles over the region, the ministry said. "
    "The head of the BRICS business council praised trade ties at a meeting in Johannesburg. "
    "Debris fell on a village south of the capital and damaged two houses.\n\n"
    "The missiles were launched from the Bryansk region, the ministry added.\n\n"
    "Residents of the village said they were woken by loud explosions shortly after midnight "
    "and saw fires burning in the fields near the railway line.\n\n"
    "Regional officials said no one was hurt and that emergency crews had cleared the debris "
    "from the road by the morning.\n\n"
    "Moscow said the strike used missiles supplied by Western countries and warned of a response, "
    "while officials in Kyiv declined to comment on the attack.\n"
)


def record(text: str, is_html: bool = False, **metadata: str) -> RawRecord:
    return RawRecord("doc", "test", text, is_html, hashlib.sha256(text.encode()).hexdigest(), dict(metadata))


def test_html_gives_article_text_and_metadata() -> None:
    html = (
        "<html><head><title>Dam opens | Valley News</title><meta name='author' content='Ana Ruiz'>"
        "<meta property='article:published_time' content='2026-03-02'></head><body><nav>Home</nav>"
        "<article><h1>Dam opens</h1><p>The new dam on the river opened on Monday after six years of work "
        "and will supply water to forty thousand homes in the valley.</p><p>Engineers said the reservoir "
        "would take a year to fill.</p></article><footer>Contact us</footer></body></html>"
    )
    text, metadata, extractor = html_to_text(html, "https://valley.example/dam")
    assert extractor == "trafilatura"
    assert "The new dam on the river opened on Monday" in text and "Contact us" not in text
    assert metadata["author"] == "Ana Ruiz" and metadata["date"] == "2026-03-02"
    assert metadata["url"] == "https://valley.example/dam"


def test_html_without_an_article_falls_back_to_the_visible_text() -> None:
    text, _, extractor = html_to_text("<p>Hi</p>")  # too short for trafilatura
    assert extractor == "beautifulsoup" and text == "Hi\n"


def test_language_detection_is_deterministic_and_abstains_on_too_little_text() -> None:
    german = (
        "Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr mit großer Mehrheit beschlossen."
    )
    assert {detect_language(german) for _ in range(5)} == {"de"}
    assert detect_language("OK 12") is None


def test_the_guard_keeps_a_document_that_rules_would_gut() -> None:
    junk = "- ADVERTISEMENT -\nTRENDING NOW\nSpotted an error? Let us know.\n"
    document = CLEANER.clean(record(junk + "Short line here.\n"))
    assert document.guard.startswith("rules, site lines and the line model would remove")
    assert document.removed and not any(span.applied for span in document.removed)
    assert CLEANER.clean_text(document) == junk + "Short line here.\n"


@pytest.mark.parametrize(
    ("rule_end", "kept"),
    [(30, {"ad-label"}), (70, set())],  # rules alone under the limit / over it
)
def test_the_guard_withdraws_the_line_model_first(rule_end: int, kept: set[str]) -> None:
    text = "x" * 100
    document = Document(id="d", source="d.txt", text=text)
    document.spans = [
        Span(0, rule_end, "removed", "ad-label", "ad"),
        Span(rule_end, 90, "removed", LINE_MODEL_NAME, "boilerplate", score=0.9),
    ]
    CLEANER._guard(document, limit=0.6)
    assert {span.reason for span in document.spans if span.applied} == kept
    assert "would remove 90% of the text" in document.guard
    assert ("line model's cuts withdrawn" in document.guard) == bool(kept)


@pytest.mark.parametrize(("head", "guarded"), [(500, False), (300, True)])
def test_the_guard_measures_the_article_before_a_closing_comment_section(head: int, guarded: bool) -> None:
    text = "a" * head + "\n" + "c" * 2000
    document = Document(id="d", source="d.txt", text=text)
    document.spans = [
        Span(0, 100, "removed", "ad-label", "ad"),
        Span(head + 1, len(text), "removed", "comment-thread-tail", "comments"),
    ]
    CLEANER._guard(document)
    assert bool(document.guard) == guarded
    assert all(span.applied for span in document.spans) != guarded


def test_the_comment_thread_rule_cuts_a_thread_longer_than_the_article() -> None:
    article = (
        "The council approved the budget on Tuesday after a long debate about roads and schools in the city. "
        "The mayor said the vote showed the city could plan for the next ten years with confidence.\n"
    ) * 3
    thread = "".join(
        f"Reader{n}\nNovember {n + 1}, 2019 at 3:14 pm\nI think the council got this one right, at last.\n"
        for n in range(30)
    )
    document = CLEANER.clean(record(article + "12 Comments\n" + thread))
    assert not document.guard
    assert CLEANER.clean_text(document) == article
    assert {span.reason for span in document.removed} == {"comment-thread-tail"}


def test_rules_follow_the_document_language(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "de.yaml").write_text(
        "category: ad\nlang: [de]\nrules:\n  - id: anzeige\n    kind: line\n    patterns: ['^Anzeige$']\n"
    )
    cleaner = Cleaner(Settings(rules_dir=rules, decisions_path=None))
    german = "Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr beschlossen.\nAnzeige\n" * 3
    english = "The council approved the budget for next year on Tuesday after a long debate.\nAnzeige\n" * 3
    assert cleaner.clean(record(german)).lang == "de" and cleaner.clean(record(german)).removed
    assert cleaner.clean(record(english)).removed == []


def test_site_is_the_url_host_or_the_folder() -> None:
    assert site_of("https://www.example.com/a/b", "folder") == "example.com"
    assert site_of(None, "folder") == "folder"
    assert site_of("not a url", "folder") == "folder"


def test_record_metadata_wins_over_extracted_metadata() -> None:
    html = (
        "<html><head><title>Extracted</title></head><body><p>"
        + "Words in a paragraph. " * 20
        + "</p></body></html>"
    )
    document = CLEANER.clean(record(html, is_html=True, title="Given"))
    assert document.metadata["title"] == "Given"


def test_the_headline_is_found_by_title_by_byline_or_as_the_first_line() -> None:
    from cleaner.model import Span
    from cleaner.pipeline import find_headline

    text = "Menu\nVilleneuve-sur-Aure\nDrought: water price to rise by 12%\nBy Ana Ruiz\nThe price rises.\n"
    by_title = find_headline(text, "Drought: water price to rise by 12% | Valley News", [], "page")
    assert by_title is not None and text[by_title[0] : by_title[1]] == "Drought: water price to rise by 12%"
    byline = Span(text.index("By Ana"), text.index("By Ana") + 11, "removed", "byline-line", "byline")
    by_byline = find_headline(text, None, [byline], "page")
    assert by_byline == by_title
    assert find_headline(text, None, [], "page") is None
    first = find_headline("Council backs the budget plan\nThe council met.\n", None, [], "article")
    assert first == (0, len("Council backs the budget plan"))
    assert find_headline("The council met on Tuesday evening.\nMore.\n", None, [], "article") is None


def test_the_headline_is_no_line_a_rule_cut_and_sits_above_the_first_byline_or_stamp() -> None:
    """A breadcrumb a rule cut between the headline and a stamp was taken for the headline,
    and the line model then cut the real one in a page dump."""
    from cleaner.model import Span
    from cleaner.pipeline import find_headline

    text = (
        "Council approves budget after late-night debate\nHome > News > Local\n"
        "Published 6:42 a.m. March 4, 2025\nBy Karen Whitfield\nThe council met.\n"
    )

    def cut(line: str, rule: str, category: str) -> Span:
        return Span(text.index(line), text.index(line) + len(line), "removed", rule, category)

    spans = [
        cut("By Karen Whitfield", "byline-line", "byline"),  # the rules' spans come in kind order
        cut("Home > News > Local", "breadcrumb-line", "navigation"),
        cut("Published 6:42 a.m. March 4, 2025", "dateline-stamp", "byline"),
    ]
    headline = find_headline(text, None, spans, "page")
    assert headline is not None and text[headline[0] : headline[1]] == text.split("\n")[0]
    # In extracted text, the first line no rule cut.
    crumbs = "Home > News > Local\nCouncil backs the budget plan\nThe council met.\n"
    crumb = Span(0, len("Home > News > Local"), "removed", "breadcrumb-line", "navigation")
    assert find_headline(crumbs, None, [crumb], "article") == (20, 20 + len("Council backs the budget plan"))


def test_the_headline_is_looked_for_past_a_writer_s_name_above_the_byline() -> None:
    """A page dump's headline, then a name no rule cut, then role and stamp: the name was taken
    for no headline (too short), and the line model cut the real one."""
    from cleaner.model import Span
    from cleaner.pipeline import find_headline

    def first_byline(text: str, line: str) -> list[Span]:
        return [Span(text.index(line), text.index(line) + len(line), "removed", "role-line", "byline")]

    headline = "Number of people in emergency accommodation passes 15,000"
    text = f"Menu\n{headline}\nJack Power\nSocial Affairs Correspondent\nThe number rose.\n"
    found = find_headline(text, None, first_byline(text, "Social Affairs Correspondent"), "page")
    assert found is not None and text[found[0] : found[1]] == headline
    text = "Ask the GP: is it too late for the flu jab?\nDr Nuala O'Connor\nMon Jan 13 2025\nQ: I am 67.\n"
    found = find_headline(text, None, first_byline(text, "Mon Jan 13 2025"), "article")
    assert found is not None and text[found[0] : found[1]].startswith("Ask the GP")
    # Only a name is looked past: not a button ("GET IT"), nor a line of another shape.
    for between in ("GET IT", "Ihre E-Mail", "Edit profile"):
        text = f"Get the best of news in your inbox everyday\n{between}\nUpdated 3:26 pm IST\nBody.\n"
        assert find_headline(text, None, first_byline(text, "Updated 3:26 pm IST"), "page") is None


def test_the_headline_is_told_from_its_standfirst_and_the_byline_s_leftovers() -> None:
    """Extracted text: headline, standfirst, then what a byline rule left (a name, a role, an
    outlet, "Recipe by ..."), then a stamp. The line above the stamp was taken for the headline."""
    from cleaner.pipeline import find_headline

    def headline(
        lines: list[str], stamp: str = "Updated March 19, 2025 8:47 p.m.", mode: str = "article"
    ) -> str | None:
        text = "\n".join([*lines, stamp, "The body of the story starts here."]) + "\n"
        start = text.index(stamp)
        found = find_headline(
            text, None, [Span(start, start + len(stamp), "removed", "stamp", "byline")], mode
        )
        return None if found is None else text[found[0] : found[1]]

    title = "Harris County commissioners back $1.1 billion drainage plan"
    standfirst = "A fight over which neighborhoods go first delayed the vote for six weeks"
    assert headline([title, standfirst, "Jordan Ellery", "Staff writer"]) == title
    sentences = f"{standfirst}. Residents say they cannot wait."  # a standfirst written as sentences
    assert headline([title, sentences]) == title
    assert headline(["Climate & Environment", title, "By Nadine Ashworth"]) == title
    assert headline(["Recipes › Dinner", title, "Recipe by Anjali Mehra-Stone"]) == title
    assert headline([title, "Jackson Ferreira-Watts", "and Sophie Lanigan"]) == title
    assert headline([title, "ESPN News Services"]) == title  # an outlet under the headline
    assert headline(["Houston › Politics › Harris County", title]) == title  # no breadcrumb for a headline
    # A date line the rules cut anchors it as a byline does, but not in a page dump (dates stand
    # in its menus and teaser lists too).
    date = Span(0, 0, "removed", "date-line", "date")
    text = f"{title}\n{standfirst}\nMarch 19, 2025\nThe body.\n"
    stamp = date.with_changes(start=text.index("March 19"), end=text.index("March 19") + 14)
    found = find_headline(text, None, [stamp], "article")
    assert found is not None and text[found[0] : found[1]] == title
    assert find_headline(text, None, [stamp], "page") is None
    # Two sentences of a body over a byline at its end: no headline.
    assert (
        headline(["The council met on Tuesday.", "It voted to approve the plan after a long debate."]) is None
    )


def test_a_writer_s_name_between_headline_and_stamp_is_cut_as_a_byline() -> None:
    """A bare name no rule cut, under the headline and over the stamp: a byline, and the author."""
    body = (
        "Harris County commissioners voted 4-1 on Tuesday to approve a drainage plan that "
        "engineers say will protect 40,000 homes. Jordan Ellery said the plan was late.\n"
    )
    text = (
        "Harris County commissioners back $1.1 billion drainage plan\n"
        "Jordan Ellery\nand Sophie Lanigan\n"
        "Updated March 19, 2025 8:47 p.m.\n" + body
    )
    document = CLEANER.clean(RawRecord("a", "a.txt", text, False, ""))
    writers = [span for span in document.removed if span.reason == "writer-line"]
    assert [text[span.start : span.end] for span in writers] == ["Jordan Ellery", "and Sophie Lanigan"]
    assert all(span.category == "byline" for span in writers)
    assert document.metadata["author"] == "Jordan Ellery, Sophie Lanigan"
    assert CLEANER.clean_text(document).startswith("Harris County commissioners back")
    assert "Jordan Ellery said" in CLEANER.clean_text(document)  # the name in the body stays
    # A name under the stamp is the body's (a one-line quote's speaker, a list of names).
    below = text.replace("Jordan Ellery\nand Sophie Lanigan\n", "") + "Jordan Ellery\n"
    assert not [
        s
        for s in CLEANER.clean(RawRecord("b", "b.txt", below, False, "")).removed
        if s.reason == "writer-line"
    ]


def test_short_labels_above_the_headline_are_cut_as_navigation() -> None:
    """A section, a kicker, a breadcrumb's last step over the headline of extracted text go;
    a longer line, or one written as a sentence, stays; so does all of it when the headline
    stands too far down the text for its top to be the page's."""
    body = "The council approved the budget on Tuesday after a five-hour meeting, the longest this year.\n"
    top = "Our reporters cover the valley every weekday.\nLocal News\nWATER CRISIS\n"
    text = top + "Council approves budget after late-night debate\nUpdated March 19, 2025 8:47 p.m.\n" + body
    document = Cleaner(Settings(offtopic=False)).clean(RawRecord("a", "a.txt", text, False, ""))
    labels = [span for span in document.removed if span.reason == "header-label"]
    assert [text[span.start : span.end] for span in labels] == ["Local News", "WATER CRISIS"]
    assert {span.category for span in labels} == {"navigation"}
    assert document.metadata["title"] == "Council approves budget after late-night debate"
    deep = "Local News\n" + "".join(f"Paragraph {n} of an earlier piece, as prose.\n" for n in range(8))
    far = Cleaner(Settings(offtopic=False)).clean(RawRecord("b", "b.txt", deep + text, False, ""))
    assert not [span for span in far.removed if span.reason == "header-label"]


def test_the_date_is_read_off_the_first_stamp_under_the_headline() -> None:
    from cleaner.pipeline import find_date

    text = (
        "Council approves budget after late-night debate\n"
        "By Karen Whitfield | Riverside Courier\n"
        "Published 6:42 a.m. ET March 4, 2025 | Updated 9:15 a.m. ET March 5, 2025\n"
        "The council approved the budget on Tuesday after a five-hour meeting.\n"
    )
    document = Cleaner(Settings(offtopic=False)).clean(RawRecord("a", "a.txt", text, False, ""))
    assert document.metadata["date"] == "2025-03-04"  # the first date of the stamp: published
    assert document.metadata["author"] == "Karen Whitfield"
    dutch = "Utrecht wil autovrije binnenstad\n12 maart 2025, 19:04\nDe gemeente wil de auto weren.\n"
    dated = Cleaner(Settings(offtopic=False)).clean(RawRecord("b", "b.txt", dutch, False, ""))
    assert dated.metadata["date"] == "2025-03-12"  # htmldate's extensive search reads Dutch months
    for line, date in (
        ("Published: 6:13 PM CST January 14, 2025", "2025-01-14"),  # a time first: each date in it
        ("Published on: 18/02/2025 - 09:41Modified: 18/02/2025 - 11:02", "2025-02-18"),
    ):
        whole = Span(0, len(line), "removed", "dateline-stamp", "byline")
        assert find_date(line, [whole], None, "article") == date
    stamp = Span(0, 16, "removed", "date-line", "date")
    assert find_date("March 27th, 2025\nText.", [stamp], None, "article") == "2025-03-27"
    assert find_date("March 27th, 2025\nText.", [stamp], None, "page") is None  # a teaser's, maybe
    below = "Headline of the story here\n" + "Body text. " * 200 + "\nMarch 27th, 2025\n"
    far = Span(below.index("March"), below.index("March") + 16, "removed", "date-line", "date")
    assert find_date(below, [far], (0, 26), "article") is None  # far below the headline: another story's
    byline = Span(0, 11, "removed", "byline-line", "byline")
    assert find_date("By Jane Doe\nText.", [byline], None, "article") is None  # no digit: no date


def test_the_offtopic_stage_can_be_turned_off() -> None:
    text = SPLICED_REPORT
    without = Cleaner(Settings(decisions_path=None, offtopic=False))
    off = without.clean(record(text))
    assert off.flagged == []
    models_off, models_on = without.versions["model"], CLEANER.versions["model"]
    assert isinstance(models_off, dict) and isinstance(models_on, dict)
    assert "offtopic" not in models_off and "offtopic" in models_on
    on = CLEANER.clean(record(text))
    assert [text[span.start : span.end] for span in on.flagged] == [
        "The head of the BRICS business council praised trade ties at a meeting in Johannesburg."
    ]
    assert on.removed == off.removed


def test_a_polish_article_gets_the_polish_pack() -> None:
    """Polish boilerplate goes (stamp, related marker, credit, appeal, comments); the article stays."""
    body = [
        "Rada miasta przyjęła w czwartek budżet na przyszły rok po długiej debacie radnych.",
        "Prezydent miasta powiedział, że pozwoli to wreszcie zaplanować remonty szkół i przedszkoli, "
        "które od lat czekają na nowe dachy i okna.",
        "Opozycja krytykowała przede wszystkim wyższe opłaty za parkowanie w centrum miasta, "
        "które wejdą w życie od marca.",
    ]
    text = "\n".join(
        [
            "Budżet miasta przyjęty po burzliwej sesji",
            "opublikowano: 2021-04-29 17:13",
            body[0],
            "Czytaj także: Radni chcą nowych ścieżek rowerowych w centrum",
            body[1],
            "Fot. Anna Nowak / Agencja Gazeta",
            body[2],
            "Źródło: PAP",
            "Wesprzyj nas darowizną lub przekaż nam 1% podatku.",
            "Komentarze (3)",
            "Marek: Nareszcie!",
        ]
    )
    document = CLEANER.clean(record(text))
    clean = CLEANER.clean_text(document)
    assert document.lang == "pl"
    assert all(sentence in clean for sentence in body)
    gone = ["opublikowano", "Czytaj także", "Agencja Gazeta", "Źródło", "Wesprzyj nas", "Komentarze"]
    assert [snippet for snippet in gone if snippet in clean] == []
    reasons = {span.reason for span in document.removed}
    assert {"pl-dateline-stamp", "pl-related-inline-teaser", "pl-support-appeal"} <= reasons


def test_load_models_loads_what_cleaning_would_load_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    cleaner = Cleaner(Settings(decisions_path=None))
    loaders = (load_line_model, default_offtopic_model, default_vectors)
    for cached in loaders:
        cached.cache_clear()
    monkeypatch.setattr(detector_factory, "_factory", None)
    cleaner.load_models()
    assert all(cached.cache_info().currsize == 1 for cached in loaders)
    assert detector_factory._factory is not None and detector_factory._factory.langlist


def test_keeping_flagged_passages_is_a_version_so_a_change_re_cleans() -> None:
    assert "flagged" not in CLEANER.versions
    keeping = Cleaner(Settings(decisions_path=None, withhold_flagged=False))
    assert keeping.versions["flagged"] == "keep"


def test_a_page_without_article_text_says_so() -> None:
    page = RawRecord("empty", "empty.html", "<html><body><script>var x = 1;</script></body></html>", True, "")
    document = CLEANER.clean(page)
    assert document.text.strip() == "" and document.warnings == ["no article text found in the page"]


def test_the_cleaner_version_names_the_code_and_the_extractor() -> None:
    version = CLEANER.versions["cleaner"]
    assert isinstance(version, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-f]{12}/trafilatura-\S+", version), version
