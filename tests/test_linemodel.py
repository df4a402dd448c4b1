"""The boilerplate line model: features, the stored ensemble, spans, labels and training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cleaner import linemodel_train as lt
from cleaner.cli import main
from cleaner.ingest import RawRecord
from cleaner.linemodel import (
    FEATURE_NAMES,
    MODEL_NAME,
    LineModel,
    TreeEnsemble,
    detect_mode,
    find_boilerplate,
    line_features,
    load_model,
    model_version,
    paragraph_break_share,
    score_lines,
    split_lines,
)
from cleaner.model import render
from cleaner.pipeline import Cleaner, Settings, TextMode
from cleaner.stopwords import STOPWORDS, best_stoplist

PARAGRAPHS = [
    "The city council approved the new budget on Tuesday evening after a debate that lasted "
    "more than four hours, with most members saying that the schools could not wait any longer.",
    "Under the plan, the money for the repair of the old bridge will be spent over the next three "
    "years, while the bus lines in the north of the city will be extended by the end of the summer.",
    "Critics of the budget said that it was built on hopes rather than figures, and that the "
    "council had not explained where the money for the new sports hall would come from.",
    "The mayor answered that the figures had been checked twice by an outside firm and that the "
    "city had never been in a better position to invest in its future than it is today.",
    "A final vote on the details of the plan is expected next month, when the council will also "
    "decide whether the price of a monthly bus pass should rise for the first time in ten years.",
]
MENU = ["Home", "News", "Politics", "Business", "Sport", "Culture", "Weather", "Video", "Podcasts", "Login"]
FOOTER = [
    "Most read",
    "Police name suspect",
    "Storm warning for Friday",
    "Local team wins cup",
    "About us",
    "Contact",
    "Privacy policy",
    "Terms of use",
    "© 2024 Example Media Ltd",
]
PAGE = "\n".join(
    [*MENU, "Council approves budget", "By Jane Smith", "12.03.2024 10:15", *PARAGRAPHS, *FOOTER, *MENU]
)
ARTICLE = "\n\n".join(PARAGRAPHS)


def test_split_lines_offsets() -> None:
    text = "  Menu \n\nHello world.\r\n\t last"
    lines = split_lines(text)
    assert [line.text for line in lines] == ["Menu", "Hello world.", "last"]
    assert all(text[line.start : line.end] == line.text for line in lines)


def test_detect_mode() -> None:
    assert detect_mode(PAGE) == "page"
    assert detect_mode(ARTICLE) == "article"
    assert detect_mode("") == "article"


def test_detect_mode_reads_blank_line_paragraphs_as_extracted_text() -> None:
    # A recipe article split into paragraphs by an extractor: short list items and
    # subheadings, yet every line stands apart. The same lines adjacent read as a dump.
    steps = [
        "Pre-Workout Meal",
        "Eat 60 minutes before your workout",
        "Asparagus and Eggs",
        "Portion Fix Containers: 1 Green, 1 Red",
        "This plan gives you the energy you need and keeps the prep simple for the week ahead.",
    ]
    lines = steps * 6
    assert detect_mode("\n".join(lines)) == "page"
    assert detect_mode("\n\n".join(lines)) == "article"
    # One adjacent pair in ten breaks is still extracted text; a dump with every
    # third break a blank line is not.
    assert paragraph_break_share("a\n\nb\nc", split_lines("a\n\nb\nc")) == 0.5
    mixed = "".join(line + ("\n\n" if i % 3 == 0 else "\n") for i, line in enumerate(lines))
    assert detect_mode(mixed) == "page"


def test_detect_mode_counts_cjk_text_by_characters() -> None:
    # Japanese prose has no spaces: each sentence is one or two \w runs, yet it is no menu.
    sentences = [
        "今回はデスクトップアプリの設定を変更する方法について説明します。",
        "まずスタートメニューからプログラムを探して右クリックします。",
        "表示されるメニューからファイルの場所を開くを選びます。",
    ]
    assert detect_mode("\n".join(sentences * 10)) == "article"
    menu = ["ホーム", "ニュース", "政治", "経済", "スポーツ", "天気", "動画", "ログイン"]
    assert detect_mode("\n".join(menu * 3 + sentences * 2)) == "page"


def test_best_stoplist() -> None:
    german = ["der", "die", "und", "ist", "nicht", "mit", "dem", "für", "auf", "eine"]
    assert best_stoplist(german) is STOPWORDS["de"]
    assert best_stoplist(german, "en-US") is STOPWORDS["en"]
    assert best_stoplist(["東京", "大阪"], "ja") == frozenset()
    assert {"en", "de", "fr", "es", "it", "nl", "pt"} <= set(STOPWORDS)


def _column(features: np.ndarray, name: str) -> np.ndarray:
    return features[:, FEATURE_NAMES.index(name)]


def test_line_features_shape_and_context() -> None:
    lines = split_lines(PAGE)
    features = line_features(lines, "en", "page")
    assert features.shape == (len(lines), len(FEATURE_NAMES))
    assert np.isfinite(features).all()
    paragraph_rows = [i for i, line in enumerate(lines) if line.text in PARAGRAPHS]
    menu_rows = [i for i, line in enumerate(lines) if line.text in MENU]
    in_block = _column(features, "in_largest_block")
    assert in_block[paragraph_rows].all() and not in_block[menu_rows].any()
    assert (_column(features, "stop_ratio")[paragraph_rows] > 0.2).all()
    assert _column(features, "log_repeats")[menu_rows].min() > 0  # the menu comes twice
    assert (_column(features, "mode_page") == 1).all()


@pytest.mark.parametrize("text", ["", "one line only", "Home\nNews\nSport", PARAGRAPHS[0]])
def test_line_features_edge_documents(text: str) -> None:
    lines = split_lines(text)
    features = line_features(lines, None, "article")
    assert features.shape == (len(lines), len(FEATURE_NAMES))
    assert np.isfinite(features).all()


def _synthetic_pages(n_pages: int = 6) -> list[lt.PageData]:
    pages = []
    for k in range(n_pages):
        text = "\n".join([*MENU[k % 3 :], *PARAGRAPHS[: 2 + k % 3], *FOOTER])
        lines = split_lines(text)
        labels = np.array([0.0 if line.text in PARAGRAPHS else 1.0 for line in lines])
        weights = np.full(len(lines), 1.0 / len(lines))
        pages.append(
            lt.PageData(
                Path("bench"), f"p{k}", f"site{k % 3}", "raw-page", "en", lines,
                line_features(lines, "en", "page"), labels, weights,
            )
        )  # fmt: skip
    return pages


def test_exported_trees_match_sklearn_and_attribute() -> None:
    pages = _synthetic_pages()
    config = lt.TrainConfig(max_iter=8, max_leaf_nodes=4, min_samples_leaf=2)
    features, clf = lt._fit_sklearn(pages, config)
    spec = lt._export(clf, features)
    ensemble = TreeEnsemble(json.loads(json.dumps(spec)))
    expected = clf.decision_function(features)
    assert np.allclose(ensemble.log_odds(features), expected, atol=1e-6)
    contributions = ensemble.contributions(features)
    assert np.allclose(contributions.sum(axis=1), expected - ensemble.bias, atol=1e-6)
    assert (ensemble.log_odds(pages[0].features)[[0, -1]] > 0).all()  # menu and footer lines


def test_grouped_folds_keep_sites_together() -> None:
    pages = _synthetic_pages(9)
    folds = lt.grouped_folds(pages, 3)
    assert folds == lt.grouped_folds(pages, 3)
    by_site: dict[str, set[int]] = {}
    for page, fold in zip(pages, folds, strict=True):
        by_site.setdefault(page.site, set()).add(fold)
    assert all(len(f) == 1 for f in by_site.values())
    assert len(set(folds)) == 3


def test_aligned_share_and_snippet_lines() -> None:
    text = "Home\nThe council approved the new budget on Tuesday.\nShare this\nIt was a long debate."
    lines = split_lines(text)
    body = "The council approved the new budget on Tuesday. It was a long debate."
    assert lt._aligned_share(lines, text, body).tolist() == [0.0, 1.0, 0.0, 1.0]
    assert lt._snippet_lines(lines, ["Tuesday.  Share", "debate"]) == {1, 2, 3}
    assert lt._snippet_lines(lines, ["Tuesday. It was", ""]) == set()


def _write_benchmarks(root: Path) -> list[Path]:
    extraction = root / "extraction"
    snippets = root / "snippets"
    page = "\n".join([*MENU, *PARAGRAPHS[:3], *FOOTER])
    recall = "\n".join(PARAGRAPHS[:3])
    for bench, truth_name in ((extraction, "ground-truth.json"), (snippets, "cases.json")):
        for sub in ("raw-page", "raw-recall"):
            (bench / sub).mkdir(parents=True)
        truth: dict[str, dict[str, object]] = {}
        for k in range(4):
            key = f"k{k}"
            (bench / "raw-page" / f"{key}.txt").write_text(page, encoding="utf-8")
            (bench / "raw-recall" / f"{key}.txt").write_text(recall + "\nShare this", encoding="utf-8")
            entry: dict[str, object] = {"url": f"https://site{k % 2}.example/{key}"}
            if truth_name == "ground-truth.json":
                entry["articleBody"] = recall
            else:
                entry["with"] = [PARAGRAPHS[0][:30]]
                entry["without"] = ["Share this", "Privacy policy"]
            truth[key] = entry
        (bench / truth_name).write_text(json.dumps(truth), encoding="utf-8")
    return [extraction, snippets]


def test_label_page_both_layouts(tmp_path: Path) -> None:
    extraction, snippets = _write_benchmarks(tmp_path)
    text = (extraction / "raw-recall" / "k0.txt").read_text(encoding="utf-8")
    lines = split_lines(text)
    labels, weights = lt.label_page(extraction, "extraction", "k0", "raw-recall", text, lines)
    assert labels.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert weights.sum() == pytest.approx(1.0) and weights[0] > weights[-1]
    # snippets raw-recall: only the snippet lines are labelled (the rest weighs nothing).
    labels, weights = lt.label_page(snippets, "snippets", "k0", "raw-recall", text, lines)
    assert labels[0] == 0.0 and labels[-1] == 1.0
    assert weights[1] == weights[2] == 0.0
    page = (snippets / "raw-page" / "k0.txt").read_text(encoding="utf-8")
    page_lines = split_lines(page)
    labels, weights = lt.label_page(snippets, "snippets", "k0", "raw-page", page, page_lines)
    assert labels[[line.text == "Home" for line in page_lines]].tolist() == [1.0]  # weak, from raw-recall
    assert (weights > 0).all()


def test_train_writes_a_loadable_model(tmp_path: Path) -> None:
    benches = _write_benchmarks(tmp_path / "data")
    out = tmp_path / "model.json"
    config = lt.TrainConfig(max_iter=5, max_leaf_nodes=4, min_samples_leaf=2)
    report = lt.train(benches, out=out, config=config, n_folds=2, log=lambda _: None)
    assert report.pages == 16 and set(report.thresholds) == {"page", "article"}
    expected = {f"{bench}/{input}" for bench in ("extraction", "snippets") for input in lt.TEXT_INPUTS}
    assert set(report.cross_validated) == expected
    stored = json.loads(out.read_text(encoding="utf-8"))
    assert stored["name"] == MODEL_NAME and stored["version"] == report.version
    model = load_model(out)
    assert model.version == report.version and model.feature_names == FEATURE_NAMES
    # The page threshold is the whole pipeline's pick on the page dumps, fold models scoring.
    assert report.thresholds["page"] in lt.PAGE_GRID
    assert set(report.page_threshold_means) == {str(t) for t in lt.PAGE_GRID}
    assert report.page_threshold_means[str(report.thresholds["page"])] == max(
        report.page_threshold_means.values()
    )
    assert set(report.pipeline_cross_validated) == {"extraction/raw-page", "snippets/raw-page"}


def test_a_cleaner_cuts_lines_with_the_model_it_is_given() -> None:
    stored = load_model()
    record = RawRecord("page", "test", PAGE, False, "", {})
    cleaner = Cleaner(Settings(site_lines=None, offtopic=False))

    def cut_lines(model: LineModel) -> list[str]:
        document = cleaner.with_line_model(model).clean(record)
        return [document.text[s.start : s.end] for s in document.spans if s.reason == MODEL_NAME]

    eager = LineModel(stored.ensemble, FEATURE_NAMES, {"page": 0.0, "article": 0.0}, "eager")
    never = LineModel(stored.ensemble, FEATURE_NAMES, {"page": 1.5, "article": 1.5}, "never-cuts")
    assert cut_lines(eager) and not cut_lines(never)
    assert cleaner.with_line_model(never).versions["model"]["boilerplate"] == "never-cuts"  # type: ignore[index]
    assert cleaner.line_model is None  # the original keeps the stored model


# The stored model itself.


def test_stored_model_loads() -> None:
    model = load_model()
    assert model_version() == model.version
    assert set(model.thresholds) == {"page", "article"}
    assert all(0.0 < t <= 1.0 for t in model.thresholds.values())


def test_score_lines_ranks_menus_above_prose() -> None:
    scored = score_lines(PAGE, "en")
    by_text = {PAGE[s:e]: p for s, e, p in scored}
    assert len(scored) == len(split_lines(PAGE))
    furniture = ("Home", "Privacy policy", "Terms of use")
    assert max(by_text[p] for p in PARAGRAPHS) < min(by_text[m] for m in furniture)
    assert all(0.0 <= p <= 1.0 for _, _, p in scored)


def test_find_boilerplate_spans_on_a_page() -> None:
    spans = find_boilerplate(PAGE, "en")
    cut = {PAGE[s.start : s.end] for s in spans}
    assert not cut & set(PARAGRAPHS)
    assert {"Home", "Privacy policy", "Terms of use"} <= cut
    for span in spans:
        assert (span.action, span.reason, span.category) == ("removed", MODEL_NAME, "boilerplate")
        assert span.score is not None and span.score == round(span.score, 4)
        assert span.detail.startswith("page mode, P=") and "(+" in span.detail
    clean = render(PAGE, spans)
    assert all(p in clean for p in PARAGRAPHS)


def test_find_boilerplate_honours_protected_and_threshold() -> None:
    home = PAGE.index("Home")
    spans = find_boilerplate(PAGE, "en", protected=[(home, home + 2)])
    assert all(not (s.start <= home < s.end) for s in spans)
    assert find_boilerplate(PAGE, "en", threshold=1.01) == []
    everything = find_boilerplate(PAGE, "en", threshold=0.0)
    assert len(everything) == len(split_lines(PAGE))


def test_article_text_keeps_its_paragraphs() -> None:
    text = ARTICLE + "\n\nShare this article"
    spans = find_boilerplate(text, None)
    assert not {text[s.start : s.end] for s in spans} & set(PARAGRAPHS)
    assert all(s.detail.startswith("article mode") for s in spans)


def test_the_text_mode_setting_overrides_detection(tmp_path: Path) -> None:
    # A dump written with a blank line between its blocks reads as extracted text: the
    # user who knows it is a dump says so, and the line model cuts what no rule names.
    menu = ["Motoring", "Property", "Gardening", "Travel deals", "Horoscopes", "Family notices"]
    teasers = ["Ferry timetable changes from May", "Bakery wins regional award", "Library opening hours"]
    dump = "\n\n".join([*menu, *PARAGRAPHS, *teasers, *menu])
    record = RawRecord("dump", "test", dump, False, "", {})

    def cut_lines(mode: TextMode) -> set[str]:
        document = Cleaner(Settings(site_lines=None, offtopic=False, text_mode=mode)).clean(record)
        return {dump[s.start : s.end] for s in document.spans if s.reason == MODEL_NAME and s.applied}

    assert detect_mode(dump) == "article" and not cut_lines("auto") and not cut_lines("article")
    assert {"Gardening", "Travel deals", "Family notices"} <= cut_lines("page")
    assert not cut_lines("page") & set(PARAGRAPHS)
    # The command line takes it, and every sidecar records a named mode.
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "dump.txt").write_text(dump, encoding="utf-8")
    out = tmp_path / "clean"
    args = ["run", str(tmp_path / "raw"), "--out", str(out), "--text-mode", "page"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    sidecar = json.loads((out / "dump.json").read_text(encoding="utf-8"))
    assert sidecar["versions"]["text_mode"] == "page"
    assert "Family notices" not in (out / "dump.txt").read_text(encoding="utf-8")
    assert "text_mode" not in Cleaner(Settings(site_lines=None)).versions
