"""Training and honest evaluation of the boilerplate line model (needs scikit-learn).

Labels come from the benchmark ground truth:

* extraction layout: the page's tokens are aligned with the article body's
  (``difflib``, blocks of at least ``_MIN_BLOCK`` tokens); a line is article when most of
  its tokens align.
* snippets layout: a line holding a "with" snippet is article, one holding a "without"
  snippet boilerplate (strong labels). Other page-dump lines get weak labels from the
  page's raw-recall text (aligned: article), at a lower weight.

Each page weighs the same in training, as in the benchmark's per-page metric, and within
a page a line weighs by its tokens. Cross-validation folds group pages by site, so every
figure it gives comes from sites the model never saw.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cleaner import benchmarks
from cleaner.benchmarks import BenchmarkKind, InputKind, Result
from cleaner.linemodel import (
    FEATURE_NAMES,
    MODEL_NAME,
    MODEL_PATH,
    FloatArray,
    Line,
    LineModel,
    Mode,
    TreeEnsemble,
    find_boilerplate,
    line_features,
    load_model,
    split_lines,
)
from cleaner.model import render

_MIN_BLOCK = 4
MODEL_FORMAT = "1"
_WEAK_WEIGHT = 0.3
_SPACE_RE = re.compile(r"\s+")
TEXT_INPUTS: tuple[InputKind, ...] = ("raw-recall", "raw-page")
MODE_OF_INPUT: dict[InputKind, Mode] = {"raw-recall": "article", "raw-page": "page"}


@dataclass
class PageData:
    """One page of one input kind: its lines, features, labels (1 = boilerplate), weights."""

    bench: Path
    key: str
    site: str
    input: InputKind
    lang: str
    lines: list[Line]
    features: FloatArray
    labels: FloatArray
    weights: FloatArray


def _token_spans(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in benchmarks.TOKEN_RE.finditer(text)]


def _aligned_share(lines: Sequence[Line], text: str, reference: str) -> FloatArray:
    """Per line, the share of its tokens that align with ``reference`` in long blocks."""
    spans = _token_spans(text)
    ref_tokens = benchmarks.tokens(reference)
    matcher = difflib.SequenceMatcher(None, [s[2] for s in spans], ref_tokens, autojunk=False)
    aligned = np.zeros(len(spans), dtype=bool)
    for block in matcher.get_matching_blocks():
        if block.size >= _MIN_BLOCK:
            aligned[block.a : block.a + block.size] = True
    starts = np.array([s[0] for s in spans], dtype=np.int64)
    share = np.zeros(len(lines))
    for i, line in enumerate(lines):
        lo, hi = np.searchsorted(starts, line.start), np.searchsorted(starts, line.end)
        if hi > lo:
            share[i] = aligned[lo:hi].mean()
    return share


def _snippet_lines(lines: Sequence[Line], snippets: Iterable[str]) -> set[int]:
    """Indices of the lines a snippet (whitespace collapsed) falls on."""
    pieces, offsets = [], []
    for i, line in enumerate(lines):
        collapsed = _SPACE_RE.sub(" ", line.text)
        pieces.append(collapsed)
        offsets.extend([i] * (len(collapsed) + 1))
    joined = " ".join(pieces)
    hits: set[int] = set()
    for snippet in snippets:
        needle = _SPACE_RE.sub(" ", snippet).strip()
        if not needle:
            continue
        start = joined.find(needle)
        while start >= 0:
            hits.update(offsets[start : start + len(needle)])
            start = joined.find(needle, start + 1)
    return hits


def label_page(
    bench: Path, kind: BenchmarkKind, key: str, input: InputKind, text: str, lines: Sequence[Line]
) -> tuple[FloatArray, FloatArray]:
    """Labels (1 = boilerplate) and weights for a page's lines, from the ground truth."""
    truth = benchmarks.ground_truth(bench)[key]
    n_tokens = np.array([len(benchmarks.tokens(line.text)) for line in lines], dtype=np.float64)
    weights = n_tokens + 1.0
    if kind == "extraction":
        share = _aligned_share(lines, text, str(truth.get("articleBody") or ""))
        labels = (share < 0.5).astype(np.float64)
    else:
        labels = np.zeros(len(lines))
        confidence = np.full(len(lines), _WEAK_WEIGHT)
        if input == "raw-page":
            recall_path = benchmarks.input_path(bench, key, "raw-recall")
            reference = recall_path.read_text(encoding="utf-8") if recall_path.is_file() else ""
            labels = (_aligned_share(lines, text, reference) < 0.5).astype(np.float64)
        else:
            confidence[:] = 0.0
        good = _snippet_lines(lines, truth.get("with", []))
        bad = _snippet_lines(lines, truth.get("without", [])) - good
        for i in good:
            labels[i], confidence[i] = 0.0, 1.0
        for i in bad:
            labels[i], confidence[i] = 1.0, 1.0
        weights *= confidence
    total = weights.sum()
    return labels, (weights / total if total > 0 else weights)


def load_dataset(
    bench_dirs: Sequence[str | Path], inputs: Sequence[InputKind] = TEXT_INPUTS
) -> list[PageData]:
    """Every page of every benchmark and input, with features and labels."""
    pages = []
    for directory in bench_dirs:
        bench = Path(directory).resolve()
        kind = benchmarks.detect_benchmark(bench)
        langs = benchmarks.page_languages(bench)
        for input in inputs:
            mode = MODE_OF_INPUT[input]
            for page in benchmarks.load_pages(bench, input):
                lines = split_lines(page.text)
                if not lines:
                    continue
                labels, weights = label_page(bench, kind, page.key, input, page.text, lines)
                # Features without the language: the stoplist is then chosen from the text,
                # as it is for a caller that knows no language.
                features = line_features(lines, None, mode)
                pages.append(
                    PageData(
                        bench, page.key, page.site, input, langs[page.key], lines, features, labels, weights
                    )
                )
    return pages


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of the tree ensemble (kept small: it must train in minutes).

    Small trees with big leaves: with few sites to learn from, they score sites they never
    saw better than deeper ones (when chosen, 15 leaves of 200 lines gave the pipeline's
    cross-validated raw-page F1 0.910 / 0.916, these 0.915 / 0.922; the card has today's).
    """

    max_iter: int = 150
    max_leaf_nodes: int = 7
    learning_rate: float = 0.15
    min_samples_leaf: int = 500
    l2_regularization: float = 5.0
    seed: int = 0


def fit(pages: Sequence[PageData], config: TrainConfig) -> TreeEnsemble:
    """Fit the ensemble on ``pages`` and return it in its stored (array) form."""
    features, clf = _fit_sklearn(pages, config)
    return TreeEnsemble(_export(clf, features))


def _fit_sklearn(pages: Sequence[PageData], config: TrainConfig) -> tuple[FloatArray, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    features = np.vstack([p.features for p in pages])
    labels = np.concatenate([p.labels for p in pages])
    weights = np.concatenate([p.weights for p in pages])
    keep = weights > 0
    clf = HistGradientBoostingClassifier(
        max_iter=config.max_iter,
        max_leaf_nodes=config.max_leaf_nodes,
        learning_rate=config.learning_rate,
        min_samples_leaf=config.min_samples_leaf,
        l2_regularization=config.l2_regularization,
        early_stopping=False,
        random_state=config.seed,
    )
    clf.fit(features[keep], labels[keep], sample_weight=weights[keep] * keep.sum())
    return features[keep], clf


def _export(clf: Any, features: FloatArray) -> dict[str, Any]:
    """The fitted ensemble as plain arrays, checked against sklearn's own predictions.

    scikit-learn keeps the fitted trees of ``HistGradientBoostingClassifier`` in
    ``_predictors`` (node records: feature, threshold, children, value, count). Inner-node
    values are recomputed as the count-weighted mean of their children, so the path
    attribution adds up. The export is refused unless it reproduces ``decision_function``
    on the training rows: a change inside scikit-learn then fails loudly, not silently.
    """
    trees = []
    for (predictor,) in clf._predictors:
        nodes = predictor.nodes
        value = nodes["value"].astype(np.float64).copy()
        count = nodes["count"].astype(np.float64)
        leaf = nodes["is_leaf"].astype(bool)
        left, right = nodes["left"].astype(np.int64), nodes["right"].astype(np.int64)
        for node in range(len(nodes) - 1, -1, -1):
            if not leaf[node]:
                lc, rc = count[left[node]], count[right[node]]
                value[node] = (lc * value[left[node]] + rc * value[right[node]]) / max(lc + rc, 1.0)
        trees.append(
            {
                "feature": np.where(leaf, -1, nodes["feature_idx"]).tolist(),
                "threshold": [float(t) for t in np.where(leaf, 0.0, nodes["num_threshold"])],
                "left": np.where(leaf, -1, left).tolist(),
                "right": np.where(leaf, -1, right).tolist(),
                "value": [float(v) for v in value],
            }
        )
    spec: dict[str, Any] = {"base": 0.0, "learning_rate": 1.0, "trees": trees}
    probe = features[:2000]
    spec["base"] = float(np.mean(clf.decision_function(probe) - TreeEnsemble(spec).log_odds(probe)))
    gap = np.abs(TreeEnsemble(spec).log_odds(features) - clf.decision_function(features)).max()
    if gap > 1e-6:
        raise RuntimeError(f"exported trees disagree with scikit-learn by {gap:.2e}: check its version")
    return spec


def predict_pages(ensemble: TreeEnsemble, pages: Sequence[PageData]) -> list[FloatArray]:
    """P(boilerplate) per line, for each page."""
    out = []
    for page in pages:
        log_odds = ensemble.log_odds(page.features)
        out.append(1.0 / (1.0 + np.exp(-log_odds)))
    return out


def drop_lines(page: PageData, proba: FloatArray, threshold: float) -> str:
    """The page text without the lines scored at or above ``threshold``."""
    return "\n".join(line.text for line, p in zip(page.lines, proba, strict=True) if p < threshold)


def score_outputs(pages: Sequence[PageData], outputs: Sequence[str]) -> dict[tuple[str, str], Result]:
    """Benchmark results per (benchmark folder name, input) for the given page outputs."""
    grouped: dict[tuple[Path, str], dict[str, str]] = {}
    for page, text in zip(pages, outputs, strict=True):
        grouped.setdefault((page.bench, page.input), {})[page.key] = text
    return {
        (bench.name, input): benchmarks.score(bench, out) for (bench, input), out in sorted(grouped.items())
    }


def grouped_folds(pages: Sequence[PageData], n_folds: int) -> list[int]:
    """A fold per page, whole sites to a fold, balanced by line count (deterministic)."""
    sizes: dict[str, int] = {}
    for page in pages:
        sizes[page.site] = sizes.get(page.site, 0) + len(page.lines)
    loads = [0] * n_folds
    fold_of: dict[str, int] = {}
    for site in sorted(sizes, key=lambda s: (-sizes[s], s)):
        fold = min(range(n_folds), key=lambda f: (loads[f], f))
        fold_of[site] = fold
        loads[fold] += sizes[site]
    return [fold_of[page.site] for page in pages]


def cross_val_proba(
    pages: Sequence[PageData], config: TrainConfig, n_folds: int = 5
) -> tuple[list[FloatArray], list[TreeEnsemble]]:
    """Out-of-fold P(boilerplate) per page, each from a model that never saw its site, and
    the fold models (fold ``k`` left out the pages :func:`grouped_folds` puts in fold ``k``)."""
    folds = grouped_folds(pages, n_folds)
    proba: list[FloatArray] = [np.zeros(0)] * len(pages)
    ensembles = []
    for fold in range(n_folds):
        train = [p for p, f in zip(pages, folds, strict=True) if f != fold]
        ensembles.append(fit(train, config))
        for i, page in enumerate(pages):
            if folds[i] == fold:
                proba[i] = predict_pages(ensembles[-1], [page])[0]
    return proba, ensembles


THRESHOLD_GRID = (*(round(0.05 * i, 2) for i in range(2, 20)), 0.97, 0.98, 0.99)


def _as_is(pages: Sequence[PageData]) -> list[str]:
    return ["\n".join(line.text for line in page.lines) for page in pages]


def tune_thresholds(pages: Sequence[PageData], proba: Sequence[FloatArray]) -> dict[Mode, float]:
    """The threshold per mode that maximises the mean F1 over the benchmarks of that mode.

    In ``article`` mode a threshold only counts when it keeps recall within 0.002 of the
    text as it came (the model must not cost article text there); when none does, the
    threshold is 1.0 and the model cuts nothing in that mode.
    """
    chosen: dict[Mode, float] = {}
    for input, mode in MODE_OF_INPUT.items():
        subset = [(p, q) for p, q in zip(pages, proba, strict=True) if p.input == input]
        if not subset:
            continue
        sub_pages = [p for p, _ in subset]
        baseline = score_outputs(sub_pages, _as_is(sub_pages))
        best_f1, best_threshold = -1.0, 1.0
        for threshold in THRESHOLD_GRID:
            results = score_outputs(sub_pages, [drop_lines(p, q, threshold) for p, q in subset])
            if mode == "article" and any(r.recall < baseline[k].recall - 0.002 for k, r in results.items()):
                continue
            mean_f1 = sum(r.f1 for r in results.values()) / len(results)
            if mean_f1 > best_f1:
                best_f1, best_threshold = mean_f1, threshold
        chosen[mode] = best_threshold
    return chosen


PAGE_GRID = tuple(round(0.5 + 0.05 * i, 2) for i in range(8))


def tune_page_threshold(
    bench_dirs: Sequence[str | Path],
    pages: Sequence[PageData],
    ensembles: Sequence[TreeEnsemble],
    thresholds: dict[Mode, float],
) -> tuple[float, dict[float, float], dict[tuple[str, str], Result]]:
    """The page-mode threshold at which the whole pipeline scores best on the page dumps.

    Rules cut first, so the model's best threshold alone is not the pipeline's. Every
    ``raw-page`` text is cleaned as ``cleaner run`` cleans it (site lines off: no dev site has
    enough pages), its lines cut by the fold model that never saw its site. Returns the
    threshold of :data:`PAGE_GRID` with the best mean F1 over the benchmarks, that mean at
    each threshold, and the results at the chosen one.
    """
    from cleaner.evaluate import page_record
    from cleaner.pipeline import Cleaner, Settings

    folds = grouped_folds(pages, len(ensembles))
    fold_of_site = {page.site: fold for page, fold in zip(pages, folds, strict=True)}
    base = Cleaner(Settings(site_lines=None))
    dumps = [
        (Path(directory).resolve(), page)
        for directory in bench_dirs
        for page in benchmarks.load_pages(directory, "raw-page")
    ]
    results: dict[float, dict[tuple[str, str], Result]] = {}
    for threshold in PAGE_GRID:
        cut = {str(mode): value for mode, value in thresholds.items()} | {"page": threshold}
        cleaners = [
            base.with_line_model(LineModel(ensemble, FEATURE_NAMES, cut, f"fold-{n}"))
            for n, ensemble in enumerate(ensembles)
        ]
        outputs: dict[Path, dict[str, str]] = {}
        for bench, page in dumps:
            cleaner = cleaners[fold_of_site[page.site]]
            document = cleaner.clean(page_record(bench, page), site_hint=page.site)
            outputs.setdefault(bench, {})[page.key] = cleaner.clean_text(document)
        results[threshold] = {
            (bench.name, "raw-page"): benchmarks.score(bench, out) for bench, out in outputs.items()
        }
    means = {threshold: float(np.mean([r.f1 for r in res.values()])) for threshold, res in results.items()}
    best = max(PAGE_GRID, key=lambda threshold: (means[threshold], -threshold))
    return best, means, results[best]


def dump_model(document: dict[str, Any]) -> str:
    """The model document as JSON for review: fields indented, one tree per line."""
    head = json.dumps({k: v for k, v in document.items() if k != "trees"}, indent=1, ensure_ascii=False)
    trees = ",\n".join("  " + json.dumps(tree, separators=(",", ":")) for tree in document["trees"])
    return head[:-2] + ',\n "trees": [\n' + trees + "\n ]\n}\n"


Figures = dict[str, dict[str, Any]]


def figures(results: dict[tuple[str, str], Result]) -> Figures:
    """Results as ``{"bench/input": {"f1", "precision", "recall", "per_language"}}``, rounded."""

    def rounded(score: Any) -> dict[str, Any]:
        return {name: round(getattr(score, name), 4) for name in ("f1", "precision", "recall")}

    return {
        f"{bench}/{input}": {
            **rounded(result),
            "per_language": {
                lang: {**rounded(score), "pages": score.pages} for lang, score in result.per_language.items()
            },
        }
        for (bench, input), result in results.items()
    }


@dataclass
class TrainReport:
    """What training measured: figures per ``bench/input`` as-is, cross-validated, in-sample."""

    version: str
    pages: int
    lines: int
    boilerplate_share: float
    folds: int
    config: dict[str, Any]
    thresholds: dict[str, float]
    as_is: Figures = field(default_factory=dict)
    cross_validated: Figures = field(default_factory=dict)
    in_sample: Figures = field(default_factory=dict)
    # The page threshold the model alone would take, and the pipeline's mean F1 at each one.
    page_threshold_alone: float = 0.0
    page_threshold_means: dict[str, float] = field(default_factory=dict)
    pipeline_cross_validated: Figures = field(default_factory=dict)
    seconds: float = 0.0


def train(
    bench_dirs: Sequence[str | Path],
    out: Path = MODEL_PATH,
    config: TrainConfig | None = None,
    n_folds: int = 5,
    log: Callable[[str], None] = print,
) -> TrainReport:
    """Train on the benchmark folders, measure, and write the model JSON to ``out``.

    The thresholds are tuned on out-of-fold predictions (folds grouped by site), the page
    threshold on the whole pipeline with the fold models (:func:`tune_page_threshold`), and
    the cross-validated figures use them; the stored model is then fitted on every page, and
    its in-sample figures are optimistic by construction.
    """
    config = config or TrainConfig()
    started = time.perf_counter()
    pages = load_dataset(bench_dirs)
    n_lines = sum(len(p.lines) for p in pages)
    log(f"{len(pages)} pages, {n_lines} lines from {', '.join(sorted({p.bench.name for p in pages}))}")
    oof, ensembles = cross_val_proba(pages, config, n_folds)
    thresholds = tune_thresholds(pages, oof)
    log(f"thresholds tuned on {n_folds}-fold site-grouped CV: {thresholds}")
    alone = thresholds["page"]
    page_threshold, page_means, pipeline_cv = tune_page_threshold(bench_dirs, pages, ensembles, thresholds)
    thresholds["page"] = page_threshold
    log(f"page threshold tuned on the whole pipeline: {thresholds['page']} (the model alone: {alone})")
    cut_of = {page.input: thresholds[MODE_OF_INPUT[page.input]] for page in pages}
    cv = score_outputs(pages, [drop_lines(p, q, cut_of[p.input]) for p, q in zip(pages, oof, strict=True)])
    features, clf = _fit_sklearn(pages, config)
    spec = _export(clf, features)
    final = predict_pages(TreeEnsemble(spec), pages)
    in_sample = score_outputs(
        pages, [drop_lines(p, q, cut_of[p.input]) for p, q in zip(pages, final, strict=True)]
    )
    body = {"features": list(FEATURE_NAMES), "thresholds": thresholds, **spec}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]
    version = f"{MODEL_FORMAT}+{digest}"
    document = {
        "name": MODEL_NAME,
        "version": version,
        "kind": "gradient-boosted regression trees on log-odds (scikit-learn HistGradientBoostingClassifier)",
        "training": {
            "benchmarks": sorted({p.bench.name for p in pages}),
            "pages": len(pages),
            "lines": n_lines,
            "config": asdict(config),
        },
        **body,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_model(document), encoding="utf-8")
    labels = np.concatenate([p.labels for p in pages])
    weights = np.concatenate([p.weights for p in pages])
    return TrainReport(
        version=version,
        pages=len(pages),
        lines=n_lines,
        boilerplate_share=round(float((labels * weights).sum() / weights.sum()), 4),
        folds=n_folds,
        config=asdict(config),
        thresholds={str(mode): value for mode, value in thresholds.items()},
        as_is=figures(score_outputs(pages, _as_is(pages))),
        cross_validated=figures(cv),
        in_sample=figures(in_sample),
        page_threshold_alone=alone,
        page_threshold_means={str(threshold): round(mean, 4) for threshold, mean in page_means.items()},
        pipeline_cross_validated=figures(pipeline_cv),
        seconds=round(time.perf_counter() - started, 1),
    )


def model_only(
    bench_dirs: Sequence[str | Path], detect: bool = False
) -> tuple[dict[tuple[str, str], Result], float]:
    """The stored model alone ("drop the lines it flags") on each benchmark and text input.

    Runs the public path (:func:`find_boilerplate` then :func:`render`) with no language
    given. The mode follows the input (raw-page: page, raw-recall: article), or with
    ``detect`` is read off each text. Returns the results and the milliseconds per page.
    """
    results: dict[tuple[str, str], Result] = {}
    pages = 0
    started = time.perf_counter()
    for directory in bench_dirs:
        for input in TEXT_INPUTS:
            mode: Mode | None = None if detect else MODE_OF_INPUT[input]

            def clean(text: str, mode: Mode | None = mode) -> str:
                return render(text, find_boilerplate(text, None, mode=mode))

            results[(Path(directory).name, input)] = benchmarks.evaluate_text(directory, input, clean)
            pages += len(benchmarks.ground_truth(directory))
    return results, 1000 * (time.perf_counter() - started) / max(pages, 1)


def _table(rows: Figures, with_languages: bool = False) -> list[str]:
    lines = ["| benchmark/input | F1 | precision | recall |", "|---|---|---|---|"]
    for name, fig in rows.items():
        lines.append(f"| {name} | {fig['f1']:.3f} | {fig['precision']:.3f} | {fig['recall']:.3f} |")
        if with_languages and name.startswith("snippets"):
            for lang, lf in sorted(fig["per_language"].items(), key=lambda kv: -kv[1]["pages"]):
                lines.append(
                    f"| &nbsp;&nbsp;{lang} ({lf['pages']} pages) | {lf['f1']:.3f} | {lf['precision']:.3f} "
                    f"| {lf['recall']:.3f} |"
                )
    return lines


def model_card(report: TrainReport, alone: Figures, alone_detected: Figures, ms_per_page: float) -> str:
    """The model card (markdown) for a training report and the stored model's own figures."""
    names = ", ".join(f"`{name}`" for name in FEATURE_NAMES)
    parts = [
        f"# {MODEL_NAME} (version {report.version})",
        "",
        "A line classifier for boilerplate (menus, teasers, footers, comment furniture) in scraped "
        "news text, above all in whole-page text dumps. Used by `cleaner.linemodel.find_boilerplate`; "
        "a rule always wins over it. File: `boilerplate.json` (plain JSON arrays, read with numpy; "
        "no pickle). Retrain with `cleaner train boilerplate BENCH_DIR...` (scikit-learn needed "
        "for training only).",
        "",
        "## Data and labels",
        "",
        f"- {report.pages} page texts, {report.lines} non-empty lines: the `raw-page` and `raw-recall` "
        "inputs of the dev benchmarks extraction-dev (103 pages, 71 sites, hand-checked article bodies) "
        "and snippets-dev (312 pages, about 70% German; snippets that must / must not survive).",
        "- extraction-dev: a line is article when most of its tokens align (difflib, blocks of 4+ "
        "tokens) with the article body.",
        '- snippets-dev: lines holding a "with" snippet are article, a "without" snippet '
        f"boilerplate (weight 1); other page-dump lines get weak labels (weight {_WEAK_WEIGHT}) from "
        "the page's raw-recall text (trafilatura favor_recall), other raw-recall lines no label.",
        "- Each page weighs the same (the benchmark metric averages pages); within a page a line "
        f"weighs by its tokens. Boilerplate share of the weighted lines: {report.boilerplate_share:.3f}.",
        "",
        "## Model",
        "",
        f"- Gradient-boosted regression trees on the log-odds (scikit-learn "
        f"HistGradientBoostingClassifier, exported and checked against scikit-learn's own "
        f"predictions): {json.dumps(report.config)}.",
        f"- Thresholds on P(boilerplate): {json.dumps(report.thresholds)}. `page` is for whole-page "
        "dumps, `article` for text an extractor already cut. Callers name the mode or let "
        "`detect_mode` read it off the text (25 lines or more, 35% of them short, make a dump, unless "
        "nearly all are set apart by blank lines: paragraphs an extractor split). `article` is tuned "
        "on the site-grouped out-of-fold "
        "predictions (a threshold only counts if recall stays within 0.002 of the text as it came). "
        "`page` is tuned on the whole pipeline, rules first, each page dump cleaned as `cleaner run` "
        "cleans it with the fold model that never saw its site: mean raw-page F1 of the two "
        f"benchmarks at each threshold {json.dumps(report.page_threshold_means)} (the model alone "
        f"would take {report.page_threshold_alone}: the rules already cut much of what it is unsure of).",
        f"- {len(FEATURE_NAMES)} features, none naming a site or a phrase: {names}. "
        "`@±k` is the line k before/after, `~k` the mean over the k lines either side.",
        "",
        "## Figures (the benchmarks' own metrics)",
        "",
        "The whole pipeline on the page dumps, each cleaned with the fold model that never saw its "
        "site (the honest estimate of `cleaner run` on other sites' page dumps):",
        "",
        *_table(report.pipeline_cross_validated, with_languages=True),
        "",
        "The model alone from here on (no rules).",
        "",
        f"Cross-validated, {report.folds} folds grouped by site (each page scored by a model that "
        "never saw its site): the honest estimate.",
        "",
        *_table(report.cross_validated, with_languages=True),
        "",
        "As-is (the text untouched):",
        "",
        *_table(report.as_is),
        "",
        "The stored model on its own training pages (in-sample, optimistic by construction):",
        "",
        *_table(report.in_sample),
        "",
        "The stored model through the public API (`find_boilerplate` + `render`, no language given, "
        "mode from the input kind), in-sample as well:",
        "",
        *_table(alone, with_languages=True),
        "",
        "The same with the mode detected from the text:",
        "",
        *_table(alone_detected),
        "",
        f"Time: {ms_per_page:.1f} ms per page (features, trees, spans and render; one core, shared).",
        "",
        "## Limits",
        "",
        "- Tables, fixture lists and recipe steps inside an article look like menus and are often cut "
        "in page mode (so an article whose lines are set apart by blank lines is never read as a dump); "
        "comment threads and prose teasers look like article text and often stay.",
        "- On raw-recall text the model can only remove: its recall ceiling is the text's own.",
        "- Not run on extracted text (the pipeline's article mode): on hand-written article scrapes "
        "(two probes of 40) it took few of the junk lines the rules miss (at its article threshold "
        "0.9: 13 and 1 more; at 0.7: 23 and 27) and cut original passages of intruders-dev's article "
        "bodies (whole-pipeline false flags 1.04% -> 1.19% at 0.9, 2.50% at 0.7).",
        "- No word features: a logistic regression over each line's hashed words and word pairs, "
        "alone or under these trees, fitted on the dev benchmarks' raw-recall and HTML lines (folds "
        "grouped by site), removed no junk the rules leave there (snippets-dev raw-recall and HTML F1 "
        "down 0.001-0.003 at thresholds 0.7-0.9, the same at 0.95) and, on three probes of "
        "hand-written scrapes, scored 10-13% of their junk lines above 0.8 (most of them lines the "
        "rules cut anyway) and one content line: too few pages to learn how junk is worded.",
        "- snippets-dev labels are partly weak (trafilatura's recall output); pages and sites are few, "
        "so expect the held-out figures near the cross-validated ones, not the in-sample ones.",
        "",
    ]
    return "\n".join(parts)


def train_and_document(benchmarks: Sequence[Path], out: Path = MODEL_PATH, folds: int = 5) -> str:
    """Train on benchmark folders, write the model and its card beside it; returns the card."""
    report = train(list(benchmarks), out=out, n_folds=folds)
    load_model.cache_clear()
    alone, ms_per_page = model_only(list(benchmarks)) if out == MODEL_PATH else ({}, 0.0)
    detected, _ = model_only(list(benchmarks), detect=True) if out == MODEL_PATH else ({}, 0.0)
    card = model_card(report, figures(alone), figures(detected), ms_per_page)
    out.with_suffix(".md").write_text(card, encoding="utf-8")
    return card
