"""The off-topic passage classifier: units, features, the shipped model, scoring, seeds."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cleaner.benchmarks import BenchmarkError
from cleaner.cli import main
from cleaner.model import line_ranges
from cleaner.offtopic import MODEL_NAME, find_offtopic, model_version
from cleaner.offtopic.data import LabelledDoc, Passage, as_the_pipeline_sees, load_intruders, removed_share
from cleaner.offtopic.features import FEATURES, INDEX, compute
from cleaner.offtopic.model import (
    MIN_ARTICLE_WORDS,
    MODEL_PATH,
    OfftopicModel,
    Trees,
    decision_scores,
    default_model,
    document_threshold,
    load,
)
from cleaner.offtopic.text import (
    Unit,
    article_view,
    blank_removed,
    introduced_list_items,
    paragraph_sentences,
    quote_pairs,
    sentences,
    units,
)
from cleaner.offtopic.train import (
    OTHER_RATES,
    DocScores,
    Scored,
    choose_thresholds,
    featurise,
    figures_at,
    keep_experiments,
    recall_curve,
    scores_at,
)
from cleaner.offtopic.vectors import VECTORS_PATH, from_glove_text

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

COHERENT = (
    "\n\n".join(
        (
            "City council approves new bike lanes on Main Street",
            "The city council voted 7-2 on Tuesday to build protected bike lanes along Main Street, ending a"
            " two-year debate over how to make the downtown corridor safer for cyclists.",
            "The plan removes one lane of car traffic between Fifth Avenue and the river and adds concrete "
            "barriers between cyclists and cars. Construction of the bike lanes is expected to start in the "
            "spring.",
            "Council member Ana Ruiz, who sponsored the plan, said crashes involving cyclists on Main Street"
            ' had doubled since 2019. "People are getting hurt on this street every month," Ruiz said before'
            " the vote.",
            "Business owners along Main Street were divided. Some said losing a traffic lane would keep "
            "shoppers away, while others said the bike lanes would bring more customers downtown.",
            "The council also approved $4.2 million from the transportation budget to pay for the barriers, "
            "new signals and repainting of the street.",
            "Ruiz said the city would study traffic on Main Street for a year after the bike lanes open and "
            "report the results to the council.",
        )
    )
    + "\n"
)

SPLICED_SENTENCE = (
    "Samsung unveiled a foldable smartphone with a larger hinge and a faster processor "
    "at its launch event in Seoul."
)
TEASER = "Apple plans to release a new 13-inch MacBook Pro with a faster chip and a"
OTHER_TEASER = "Astronomers say a newly found comet will pass close enough to Earth to be seen with"


def _with(text: str, after: str, insert: str, sep: str) -> str:
    at = text.index(after) + len(after)
    return text[:at] + sep + insert + text[at:]


def test_sentences_keep_abbreviations_numbers_and_quotes_together() -> None:
    text = 'Gov. Kristi Noem said on Jan. 5 that the U.S. plan cost $3.5 million. "Why?" she asked. It ended.'
    got = [text[s:e] for s, e in sentences(text, 0, len(text))]
    assert got == [
        "Gov. Kristi Noem said on Jan. 5 that the U.S. plan cost $3.5 million.",
        '"Why?" she asked.',
        "It ended.",
    ]


def test_initials_and_company_suffixes_end_a_sentence_before_a_word_that_opens_one() -> None:
    text = (
        "They met at 4 a.m. The deal with Acme Inc. The board backed it. "
        "Mr. The Rock and J. The Elder came at 9 a.m. Tuesday."
    )
    got = [text[s:e] for s, e in sentences(text, 0, len(text))]
    assert got == [
        "They met at 4 a.m.",
        "The deal with Acme Inc.",
        "The board backed it.",
        "Mr. The Rock and J. The Elder came at 9 a.m. Tuesday.",
    ]


def test_one_pass_split_matches_each_paragraph_split_on_its_own() -> None:
    # Stops that end a line (with and without quotes), blank lines, indented lines, abbreviations.
    text = (
        'He left.\n  "Why?"\nShe asked. Then she went.\n\nMr. Smith said so!\n'
        "Ends with Mr.\nThe U.S. team won 3.5 to 2. Fans cheered…  Later, rain.\n"
    )
    expected = [(s, e, sentences(text, s, e)) for s, e in line_ranges(text)]
    assert paragraph_sentences(text) == expected
    assert [len(sents) for _, _, sents in expected] == [1, 1, 2, 1, 1, 3]


def test_units_are_paragraphs_plus_sentences_of_longer_paragraphs() -> None:
    text = "One line.\nFirst sentence here. Second sentence here.\n\nLast line"
    paras, found, _, _ = units(text)
    assert [text[s:e] for s, e in paras] == [
        "One line.",
        "First sentence here. Second sentence here.",
        "Last line",
    ]
    assert [(text[u.start : u.end], u.is_sentence) for u in found] == [
        ("One line.", False),
        ("First sentence here. Second sentence here.", False),
        ("First sentence here.", True),
        ("Second sentence here.", True),
        ("Last line", False),
    ]


def test_blanking_keeps_offsets_and_newlines() -> None:
    text = "keep this\nDROP THIS LINE\nkeep that"
    start = text.index("DROP")
    blanked = blank_removed(text, [(start - 1, start + len("DROP THIS LINE"))])
    assert len(blanked) == len(text)
    assert blanked.split("\n") == ["keep this", " " * len("DROP THIS LINE"), "keep that"]


def test_the_title_line_is_read_as_the_title_not_as_a_passage() -> None:
    text = "Dam  opens on the river\nThe new dam opened on Monday.\nDam opens on the river, again."
    view = article_view(text, [], "Dam opens on the river")
    assert len(view) == len(text)
    assert view.split("\n") == [" " * len("Dam  opens on the river"), *text.split("\n")[1:]]
    assert article_view(text, [], "Dam opens") == text
    assert article_view(text, [], None) == text


def test_features_are_finite_and_one_row_per_unit() -> None:
    feats = compute(COHERENT, None, "en")
    assert feats.matrix.shape == (len(feats.units), len(FEATURES))
    assert np.isfinite(feats.matrix).all()


def test_coherent_article_gets_no_flag() -> None:
    assert find_offtopic(COHERENT, [], None, "en") == []


def test_spliced_sentence_on_its_own_line_is_flagged() -> None:
    text = _with(COHERENT, "customers downtown.", SPLICED_SENTENCE, "\n\n")
    spans = find_offtopic(text, [], None, "en")
    assert [text[s.start : s.end] for s in spans] == [SPLICED_SENTENCE]
    span = spans[0]
    assert span.action == "flagged" and span.reason == MODEL_NAME and span.category == "offtopic"
    assert span.score is not None and 0.5 < span.score <= 1.0 and span.score == round(span.score, 4)
    assert "Seoul" in span.detail


def test_spliced_sentence_inside_a_paragraph_is_flagged() -> None:
    text = _with(COHERENT, "expected to start in the spring.", SPLICED_SENTENCE, " ")
    spans = find_offtopic(text, [], None, "en")
    assert [text[s.start : s.end] for s in spans] == [SPLICED_SENTENCE]
    assert spans[0].score is not None and spans[0].score > 0.5


def test_teaser_headlines_on_their_own_lines_are_flagged() -> None:
    text = _with(COHERENT, "report the results to the council.", TEASER, "\n\n")
    text = _with(text, "customers downtown.", OTHER_TEASER, "\n\n")
    flagged = [text[s.start : s.end] for s in find_offtopic(text, [], None, "en")]
    assert flagged == [OTHER_TEASER, TEASER]


def test_an_article_too_short_to_compare_passages_gets_no_flag() -> None:
    short = "\n\n".join([*COHERENT.split("\n\n")[:3], SPLICED_SENTENCE]) + "\n"
    assert len(short.split()) < MIN_ARTICLE_WORDS
    model = default_model()
    scores = model.probabilities(compute(article_view(short, [], None), None, "en"))
    assert scores.max() >= model.threshold  # the trees alone would flag it
    assert find_offtopic(short, [], None, "en", model) == []


def test_flags_are_deterministic() -> None:
    text = _with(COHERENT, "customers downtown.", SPLICED_SENTENCE, " ")
    assert find_offtopic(text, [], None, "en") == find_offtopic(text, [], None, "en")


def test_spans_stay_in_bounds_and_out_of_removed_ranges() -> None:
    text = _with(COHERENT, "customers downtown.", TEASER, "\n\n")
    text = _with(text, "and repainting of the street.", OTHER_TEASER, "\n\n")
    first = text.index(TEASER)
    removed = [(first, first + len(TEASER)), (0, text.index("\n"))]
    spans = find_offtopic(text, removed, "City council approves new bike lanes", "en")
    assert spans, "the second teaser should still be flagged"
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert all(span.end <= r0 or span.start >= r1 for r0, r1 in removed)


def test_model_file_is_plain_json_and_loads_without_pickle() -> None:
    raw = MODEL_PATH.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert data["name"] == MODEL_NAME and data["features"] == list(FEATURES)
    model = load(MODEL_PATH)
    assert 0.0 < model.threshold < model.lone_threshold < 1.0
    assert OfftopicModel.from_json(model.to_json({})).lone_threshold == model.lone_threshold
    with np.load(VECTORS_PATH, allow_pickle=False) as vectors:
        assert vectors["vectors"].shape == (len(vectors["words"]), 50)
    assert re.fullmatch(r"offtopic-\d+\+[0-9a-f]{12}", model_version())
    assert model.sha == default_model().sha


def test_sentence_shift_raises_only_sentence_scores_and_round_trips() -> None:
    feats = compute(_with(COHERENT, "expected to start in the spring.", SPLICED_SENTENCE, " "), None, "en")
    base = replace(default_model(), sent_shift=0.0)
    shifted = replace(base, sent_shift=2.0)
    sentence = np.asarray([u.is_sentence for u in feats.units])
    before, after = base.probabilities(feats), shifted.probabilities(feats)
    assert np.array_equal(before[~sentence], after[~sentence])
    assert (after[sentence] > before[sentence]).all()
    assert OfftopicModel.from_json(shifted.to_json({})).sent_shift == 2.0


def test_zscores_and_ranks_are_taken_within_each_kind_of_unit() -> None:
    feats = compute(COHERENT, None, "en")
    sentence = np.asarray([u.is_sentence for u in feats.units])
    for kind in (False, True):
        rows = feats.matrix[sentence == kind]
        seen = rows[:, INDEX["seen_frac"]]
        z = (seen - seen.mean()) / (seen.std() + 0.05)
        assert np.allclose(rows[:, INDEX["z_seen"]], z)
        ranks = np.argsort(np.argsort(rows[:, INDEX["emb_rest"]], kind="stable"), kind="stable")
        assert np.allclose(rows[:, INDEX["rank_emb"]], ranks / (len(rows) - 1))


def _descend(trees: Trees, x: np.ndarray) -> np.ndarray:
    """Boosted margin by walking every tree node by node (the reference for the table lookup)."""
    out = np.full(len(x), trees.baseline)
    for row, values in enumerate(x):
        for root in range(0, len(trees.feature), trees.nodes):
            node = root
            while trees.left[node] != node:
                go_left = values[trees.feature[node]] <= trees.threshold[node]
                node = trees.left[node] if go_left else trees.right[node]
            out[row] += trees.value[node]
    return out


def test_tree_table_lookup_matches_walking_the_trees() -> None:
    model = default_model()
    feats = compute(_with(COHERENT, "expected to start in the spring.", SPLICED_SENTENCE, " "), None, "en")
    rng = np.random.default_rng(0)
    for trees in (model.para, model.sent):
        x = np.vstack(
            [feats.matrix, trees.normal_mean + rng.normal(size=(20, len(FEATURES))) * trees.normal_std]
        )
        assert np.allclose(trees.margin(x), _descend(trees, x))


def test_vectors_file_builds_from_glove_text(tmp_path: Path) -> None:
    source = tmp_path / "glove.txt"
    source.write_text("the 0.1 0.2\n, 0.3 0.4\nmissile 0.5 -0.5\nkh-101 1 1\nmoscow 0 1\n", encoding="utf-8")
    assert from_glove_text(source, tmp_path / "v.npz", limit=2) == 2
    with np.load(tmp_path / "v.npz", allow_pickle=False) as data:
        assert list(data["words"]) == ["the", "missile"]
        assert data["vectors"].dtype == np.float16


def test_scoring_counts_a_passage_withheld_when_half_is_covered() -> None:
    text = "Host paragraph one is here.\n\nIntruder line without a stop\n\nHost paragraph two is here."
    passages = [
        Passage(0, 27, False),
        Passage(29, 57, True, "headline"),
        Passage(59, len(text), False),
    ]
    featured = featurise(LabelledDoc("d-s1", "d", text, passages, lang="en"))
    assert list(featured.labels) == [0, 1, 0]
    taus = [
        Scored(0.9, True, "headline"),
        Scored(0.2, False, ""),
        Scored(0.6, False, ""),
        Scored(0.1, False, ""),
    ]
    report = scores_at(taus, [(0.9, True), (0.05, False)], 0.7)
    assert report["precision"] == 1.0 and report["recall"] == 1.0 and report["false_flag_rate"] == 0.0
    assert report["recall_headline"] == 1.0 and report["untouched_clean"] == 1.0


def _paragraphs(scores: list[float], intruders: set[int]) -> DocScores:
    """A scored document of one-line paragraphs, each a passage, with these scores."""
    units = [Unit(100 * k, 100 * k + 90, k, False) for k in range(len(scores))]
    passages = [
        Scored(score, k in intruders, "para" if k in intruders else "") for k, score in enumerate(scores)
    ]
    return DocScores(passages, units, np.asarray(scores), bool(intruders))


def test_a_paragraph_alone_must_reach_the_lone_threshold() -> None:
    units = [
        Unit(0, 90, 0, False),
        Unit(100, 190, 1, False),
        Unit(100, 140, 1, True),
        Unit(141, 190, 1, True),
        Unit(200, 290, 2, False),
    ]
    # Two paragraphs at 0.6: the document's flags are decided at the threshold.
    assert document_threshold(units, np.asarray([0.6, 0.1, 0.1, 0.1, 0.6]), 0.5, 0.8) == 0.5
    # One paragraph alone, with or without its sentences: at the lone one.
    assert document_threshold(units, np.asarray([0.6, 0.1, 0.1, 0.1, 0.1]), 0.5, 0.8) == 0.8
    assert document_threshold(units, np.asarray([0.1, 0.6, 0.6, 0.6, 0.1]), 0.5, 0.8) == 0.8
    # Sentences foreign to their own paragraph (touching: one span): at the threshold.
    assert document_threshold(units, np.asarray([0.1, 0.1, 0.6, 0.6, 0.1]), 0.5, 0.8) == 0.5
    assert document_threshold(units, np.asarray([0.1, 0.1, 0.6, 0.1, 0.1]), 0.5, 0.8) == 0.5
    # A lone threshold under the threshold leaves the threshold alone.
    assert document_threshold(units, np.asarray([0.6, 0.1, 0.1, 0.1, 0.1]), 0.5, 0.0) == 0.5


def test_thresholds_spare_a_lone_odd_passage_and_find_passages_spliced_together() -> None:
    spun = _paragraphs([0.1, 0.6, 0.65, 0.1, 0.1], {1, 2})
    coherent = _paragraphs([0.1, 0.7, 0.1, 0.1, 0.1], set())  # one odd original passage alone
    teaser = _paragraphs([0.1, 0.9, 0.1, 0.1], {1})
    scored = [spun, coherent, teaser]
    threshold, lone = choose_thresholds(scored, rate=0.1)
    assert threshold <= 0.6 and 0.7 < lone <= 0.9
    report = figures_at(scored, threshold, lone)
    assert report["recall"] == 1.0 and report["false_flag_rate"] == 0.0 and report["untouched_clean"] == 1.0
    # One threshold for all would have to stay above the odd passage: the spliced pair is lost.
    single = figures_at(scored, 0.7 + 1e-9, 0.0)
    assert single["recall"] == 1 / 3 and single["untouched_clean"] == 1.0


def test_recall_is_given_at_each_other_false_flag_rate() -> None:
    # 150 one-line originals and an intruder line scored below the two highest originals: only a
    # rate that allows both as false flags (2 of 150, 1.3%) finds it.
    originals = [f"Host paragraph number {k} is here." for k in range(150)]
    lines = [*originals[:75], "Intruder line without a stop", *originals[75:]]
    text = "\n\n".join(lines)
    passages, position = [], 0
    for line in lines:
        intruder = line.startswith("Intruder")
        passages.append(Passage(position, position + len(line), intruder, "headline" if intruder else ""))
        position += len(line) + 2
    featured = featurise(LabelledDoc("d-s1", "d", text, passages, lang="en"))
    probs = np.linspace(0.1, 0.5, len(lines))
    probs[75], probs[-2:] = 0.8, (0.85, 0.9)
    curve = recall_curve([featured], [probs])
    assert list(curve) == [f"recall_at_{rate}" for rate in OTHER_RATES]
    assert [curve[f"recall_at_{rate}"] for rate in OTHER_RATES] == [0.0, 0.0, 0.0, 0.0, 1.0]


def test_documents_are_taken_as_the_pipeline_sees_them() -> None:
    teaser = "- Trending Now: Apple plans a new MacBook Pro with a faster chip"
    text = _with(COHERENT, "the spring.", "\n\nADVERTISEMENT\n\n" + teaser, "")
    ad, line = text.index("ADVERTISEMENT"), text.index(teaser)
    passages = [
        Passage(0, ad - 2, False),
        Passage(ad, ad + len("ADVERTISEMENT"), False),
        Passage(line, line + len(teaser), True, "headline"),
        Passage(line + len(teaser) + 2, len(text) - 1, False),
    ]
    seen = as_the_pipeline_sees(LabelledDoc("d-s1", "d", text, passages))
    assert seen.lang == "en" and seen.title == "City council approves new bike lanes on Main Street"
    assert [removed_share(p, seen.removed) for p in passages] == [0.0, 1.0, 1.0, 0.0]
    scored = featurise(seen)
    assert all(text[u.start : u.end].strip() not in ("ADVERTISEMENT", teaser) for u in scored.feats.units)


def test_passages_cut_by_the_rules_are_neither_false_flags_nor_recall() -> None:
    passages = [
        Scored(0.9, True, "sent"),
        Scored(0.1, True, "sent"),
        Scored(-1.0, True, "headline", removed=True),
        Scored(0.2, False, ""),
        Scored(-1.0, False, "", removed=True),
    ]
    report = scores_at(passages, [(0.9, True)], 0.5)
    assert report["intruders"] == 2 and report["originals"] == 1
    assert report["removed_intruders"] == 1 and report["removed_originals"] == 1
    assert report["removed_intruders_headline"] == 1 and report["removed_intruders_sent"] == 0
    assert report["recall"] == 0.5 and report["recall_all"] == 2 / 3
    assert report["recall_headline"] == 0.0 and report["recall_all_headline"] == 1.0
    assert report["false_flag_rate"] == 0.0 and report["precision"] == 1.0


# --- seeds (need ../shared) ------------------------------------------------------------


def _seed(name: str) -> LabelledDoc:
    """A seed as the pipeline hands it to the classifier: language, title, ranges already cut."""
    path = SHARED / "seeds" / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared seeds live beside the project)")
    return as_the_pipeline_sees(LabelledDoc(name, name, path.read_text(encoding="utf-8"), []))


def _flags(seed: LabelledDoc) -> list[str]:
    return [seed.text[s.start : s.end] for s in find_offtopic(seed.text, seed.removed, seed.title, seed.lang)]


@pytest.mark.parametrize("name", ["000_53aae1e13c0c3859.txt", "001_3d3749909c7eb6cf.txt"])
def test_seed_article_bodies_get_no_flag(name: str) -> None:
    assert _flags(_seed(name)) == []


def test_seed_002_brics_sentences_are_flagged() -> None:
    flagged = " ".join(_flags(_seed("002_02769e26369bba51.txt")))
    assert "including the head of the BRICS group of emerging economies" in flagged
    assert "a meeting of the BRICS economic powers in Johannesburg" in flagged


def test_retraining_keeps_the_hand_written_experiments_of_the_card() -> None:
    previous = "# card\n\n## Metrics\nold figures\n\n## Experiments (by hand)\n| run | R |\n| a | 0.7 |\n"
    assert keep_experiments("# card\n\n## Metrics\nnew figures\n", previous) == (
        "# card\n\n## Metrics\nnew figures\n\n## Experiments (by hand)\n| run | R |\n| a | 0.7 |\n"
    )
    assert keep_experiments("# card\n", "# card\nno such section\n") == "# card\n"


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ("\n", r"intruders\.jsonl: no documents"),
        ('{"id": "a-s1", "text": "T."}\n', r"intruders\.jsonl:1: no 'passages' \(a document has id, text"),
        ('["a-s1"]\n', r"intruders\.jsonl:1: expected an object of id, text and passages"),
        ('\n{"id": "a-s1",\n', r"intruders\.jsonl:2: not a JSON document"),
        (
            '{"id": "a-s1", "text": "T.", "passages": [{"start": 0, "end": 9, "label": "original"}]}\n',
            r"intruders\.jsonl:1: .* passages offsets into the text",
        ),
    ],
)
def test_an_intruders_file_that_cant_be_read_is_an_error_naming_the_line(
    tmp_path: Path, lines: str, error: str
) -> None:
    (tmp_path / "intruders.jsonl").write_text(lines)
    with pytest.raises(BenchmarkError, match=error):
        load_intruders(tmp_path / "intruders.jsonl")
    outcome = CliRunner().invoke(main, ["eval", str(tmp_path), "--offtopic"])
    assert outcome.exit_code == 2 and re.search(error, outcome.output), outcome.output


def test_too_few_host_articles_for_the_folds_is_an_error(tmp_path: Path) -> None:
    text = "Storm closes the bridge.\n\nThe bridge was closed on Friday as winds reached 120 km/h."
    passages = [{"start": 0, "end": 24, "label": "original"}, {"start": 26, "end": 83, "label": "original"}]
    (tmp_path / "intruders.jsonl").write_text(json.dumps({"id": "a-s1", "text": text, "passages": passages}))
    outcome = CliRunner().invoke(main, ["eval", str(tmp_path), "--offtopic"])
    assert outcome.exit_code == 2 and "1 host articles: 5-fold cross-validation needs 5" in outcome.output


BUDGET_WITH_LIST = (
    "Harbour council approves budget after long debate over ferry fares\n\n"
    "The harbour council approved a $12 million budget early on Tuesday, ending a five-hour "
    "meeting dominated by residents "
    "who asked members not to raise ferry fares for the third year in a row.\n\n"
    "The final vote was 5-2. Two members said they could not support a budget that raised fares "
    "while setting money aside "
    "for a new terminal building at the north pier.\n\n"
    '"We are asking families to pay more for the same boat," one of them said shortly before the vote.\n\n'
    "The harbour master defended the plan, noting that fuel costs rose 9 percent last year and "
    "that the council faces higher "
    "pension contributions for its crews.\n\n"
    "Other highlights of the budget include:\n\n"
    "- A 3 percent raise for deckhands and pier staff, the first in two years\n\n"
    "- $650,000 for dredging the channel near Cedar and Fifth piers\n\n"
    "- A hiring freeze for office positions through December\n\n"
    "The terminal money drew criticism from several residents, who said the waiting room is "
    "rarely full outside the summer "
    "festival. The harbour master said the terminal is needed to attract a second ferry operator.\n\n"
    "The budget takes effect on July 1, and the council will revisit the fares in the autumn.\n"
)


def test_items_of_a_list_the_article_introduces_are_never_flagged() -> None:
    """ "The budget includes:" then bullet lines: the article's own words, though an item may look
    like a teaser headline (no final stop, names seen nowhere else)."""
    items = introduced_list_items(BUDGET_WITH_LIST)
    assert [BUDGET_WITH_LIST[s:e][:12] for s, e in items] == ["- A 3 percen", "- $650,000 f", "- A hiring f"]
    assert find_offtopic(BUDGET_WITH_LIST, [], None, "en") == []
    model, feats = default_model(), compute(BUDGET_WITH_LIST, None, "en")
    probs = model.probabilities(feats)
    texts = [BUDGET_WITH_LIST[u.start : u.end] for u in feats.units]
    (item,) = [n for n, text in enumerate(texts) if text.startswith("- $650,000")]
    assert probs[item] >= model.threshold  # the model alone would flag it beside another passage
    assert decision_scores(BUDGET_WITH_LIST, feats.units, probs)[item] == 0.0


def test_the_sentences_that_open_and_close_a_quotation_are_withheld_both_or_neither(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An obituary's quotation over two sentences: the model flagged the first alone, and the
    clean text kept the second with a closing quotation mark that matched none."""
    quote = (
        'Her daughter said Molly never lost her interest in people. "She would ask the nurses about '
        "their boyfriends and their mortgages. Even last week, she wanted to know if the doctor's "
        'daughter had got her results."'
    )
    text = BUDGET_WITH_LIST.replace(
        '"We are asking families to pay more for the same boat," one of them said', quote
    )
    found = units(text)[1]
    (pair,) = quote_pairs(text, found)
    opening, closing = (found[index] for index in pair)
    assert text[opening.start :].startswith('"She would') and text[closing.start :].startswith("Even last")
    german = "Er sagte: „Wir bauen die Brücke. Das dauert Jahre.“ Dann ging er. Es regnete."
    assert len(quote_pairs(german, units(german)[1])) == 1
    unclosed = 'The mayor spoke. "We will rebuild the bridge. It will take years.'
    assert quote_pairs(unclosed, units(unclosed)[1]) == []  # still open at the paragraph's end: no pair

    def withheld(opening_score: float, closing_score: float) -> list[str]:
        def probabilities(self: OfftopicModel, feats: object) -> np.ndarray:
            probs = np.zeros(len(found))
            probs[list(pair)] = opening_score, closing_score
            return probs

        monkeypatch.setattr(OfftopicModel, "probabilities", probabilities)
        return [text[span.start : span.end] for span in find_offtopic(text, [], None, "en")]

    threshold = default_model().threshold
    both = [text[opening.start : closing.end]]
    alone = threshold + 0.01  # over the threshold, but not the mean with a 0
    assert withheld(alone, 0.0) == [] and withheld(0.0, alone) == []  # one end alone: neither
    assert withheld(0.99, threshold - 0.01) == both  # the two scores' mean passes: both
    assert withheld(0.99, 0.99) == both
