"""A learned line model for boilerplate: what the rules cannot name, above all in page dumps.

Every non-empty line gets a probability of being boilerplate from a small gradient-boosted
tree ensemble over shape features: the line's length, words, stopwords, punctuation, case,
digits and link/menu look, the same over its neighbours, and where it sits in the document
relative to the densest block of prose. Nothing in it names a site or a phrase, so it
carries over to sites it never saw.

The ensemble lives in ``models/boilerplate.json`` (plain arrays, read with numpy only); it
is trained by :mod:`cleaner.linemodel_train`. Two input kinds are told apart:

* ``page``: a whole-page text dump (every visible block, one per line), mostly furniture;
* ``article``: text an extractor already cut down to the article.

The caller may name the mode; otherwise it is read off the text (see :func:`detect_mode`).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cleaner.model import Span, line_ranges, touches_any
from cleaner.stopwords import best_stoplist

MODEL_NAME = "boilerplate-lines"
MODEL_PATH = Path(__file__).resolve().parent / "models" / "boilerplate.json"

Mode = Literal["page", "article"]
# At least this share of line breaks being paragraph breaks marks extracted text (detect_mode).
PARAGRAPH_BREAK_SHARE = 0.9
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_WORD_RE = re.compile(r"\w+")
# Words for telling a line's length: Chinese, Japanese and Korean write no spaces, so there
# every three characters count as one word.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f"
_WORDISH_RE = re.compile(f"[^\\W{_CJK}]+|[{_CJK}]{{1,3}}")
# Closing quotes and brackets that may follow a sentence's final stop.
_CLOSERS = "\"'\u201d\u2019\u00bb)\\]"
_SENT_END_RE = re.compile("[.!?\u2026](?=[\\s" + _CLOSERS + "]|$)")
_TRAILING_CLOSERS = _CLOSERS.replace("\\", "") + "*"
_LINK_RE = re.compile(r"https?://|www\.|\S@\S|(?:^|\s)@\w|\.(?:com|org|net|de)\b", re.IGNORECASE)
# Menu and breadcrumb separators, list bullets, and quotation marks, as code points.
_SEPARATORS = frozenset("|/>\u2022\u00b7\u00bb\u203a\u00ab\u2039\u2192")
_BULLETS = frozenset("*+->|\u2022\u00b7\u2013\u2014\u25ba\u25b8")
_QUOTES = frozenset('"\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019')
_DATE_RE = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b(?:19|20)\d{2}\b",
)

# Window of lines on each side for the prose-density profile, and the largest gap (in
# lines) between two prose lines of the same main block.
_DENSITY_WINDOW = 5
_BLOCK_GAP = 6
_NEIGHBOURS = (-3, -2, -1, 1, 2, 3)
_WINDOWS = (5, 15)

_BASE_NAMES = (
    "log_chars",
    "log_words",
    "mean_word_len",
    "stop_ratio",
    "log_stopwords",
    "punct_ratio",
    "log_sentence_ends",
    "ends_sentence",
    "ends_colon",
    "commas_per_word",
    "upper_ratio",
    "title_ratio",
    "starts_upper",
    "starts_bullet_or_digit",
    "digit_ratio",
    "has_link",
    "log_separators",
    "log_repeats",
    "has_date",
    "has_copyright",
    "has_quote",
    "is_short",
    "chars_vs_longest",
    "chars_vs_p90",
    "length_rank",
)
_NEIGHBOUR_KEYS = ("log_words", "stop_ratio", "ends_sentence", "is_short")
_WINDOW_KEYS = (
    "log_words",
    "stop_ratio",
    "ends_sentence",
    "is_short",
    "is_prose",
    "digit_ratio",
    "title_ratio",
)
_CONTEXT_NAMES = (
    "line_position",
    "char_position",
    "log_lines_from_start",
    "log_lines_to_end",
    "is_prose",
    "density_vs_max",
    "in_main_block",
    "before_main_block",
    "after_main_block",
    "block_distance",
    "prose_before_share",
    "log_lines_since_prose",
    "log_lines_until_prose",
    "log_gap_run",
    "block_vs_largest",
    "prev_block_vs_largest",
    "next_block_vs_largest",
    "in_largest_block",
    "log_blocks_to_largest",
    "chars_to_largest_share",
    "doc_log_lines",
    "doc_short_share",
    "doc_log_longest",
    "doc_prose_share",
    "doc_block_share",
    "mode_page",
)
FEATURE_NAMES: tuple[str, ...] = (
    _BASE_NAMES
    + _CONTEXT_NAMES
    + tuple(f"{key}@{offset:+d}" for offset in _NEIGHBOURS for key in _NEIGHBOUR_KEYS)
    + tuple(f"{key}~{size}" for size in _WINDOWS for key in _WINDOW_KEYS)
)


@dataclass(frozen=True)
class Line:
    """A non-empty line: its offsets in the text (stripped of surrounding blanks) and text."""

    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    """The non-empty lines of ``text`` with their offsets, surrounding blanks left out."""
    return [Line(start, end, text[start:end]) for start, end in line_ranges(text)]


def detect_mode(text: str) -> Mode:
    """``page`` for a whole-page dump, ``article`` for already extracted text.

    A dump has many lines and most of them are short (menu items, buttons, teasers);
    extracted text is a few long paragraphs. In scripts without spaces three characters
    count as a word, so Japanese prose is not taken for a menu. Text whose lines are
    nearly all set apart by blank lines was split into paragraphs by an extractor (the
    datatrove and dolma shape), however short its list items and subheadings: a dump
    puts its blocks on adjacent lines.
    """
    lines = split_lines(text)
    if len(lines) < 25 or paragraph_break_share(text, lines) >= PARAGRAPH_BREAK_SHARE:
        return "article"
    short = sum(1 for line in lines if len(_WORDISH_RE.findall(line.text)) <= 4)
    return "page" if short / len(lines) >= 0.35 else "article"


def paragraph_break_share(text: str, lines: Sequence[Line]) -> float:
    """The share of consecutive non-empty ``lines`` with a blank line between them."""
    if len(lines) < 2:
        return 0.0
    breaks = sum(1 for before, after in pairwise(lines) if text.count("\n", before.end, after.start) > 1)
    return breaks / (len(lines) - 1)


def _base_features(text: str, stoplist: frozenset[str]) -> dict[str, float]:
    words = _WORD_RE.findall(text)
    n_words = len(words)
    chars = len(text)
    letters = sum(map(str.isalpha, text))
    stops = sum(1 for w in words if w.lower() in stoplist)
    punct = chars - sum(map(str.isalnum, text)) - sum(map(str.isspace, text))
    stripped_end = text.rstrip(_TRAILING_CLOSERS)
    last = stripped_end[-1:] if stripped_end else ""
    first_alpha = next((c for c in text if c.isalpha()), "")
    return {
        "log_chars": math.log1p(chars),
        "log_words": math.log1p(n_words),
        "mean_word_len": sum(map(len, words)) / n_words if n_words else 0.0,
        "stop_ratio": stops / n_words if n_words else 0.0,
        "log_stopwords": math.log1p(stops),
        "punct_ratio": punct / chars,
        "log_sentence_ends": math.log1p(len(_SENT_END_RE.findall(text))),
        "ends_sentence": float(last in ".!?\u2026"),
        "ends_colon": float(last == ":"),
        "commas_per_word": text.count(",") / n_words if n_words else 0.0,
        "upper_ratio": sum(map(str.isupper, text)) / letters if letters else 0.0,
        "title_ratio": sum(1 for w in words if w[0].isupper()) / n_words if n_words else 0.0,
        "starts_upper": float(first_alpha.isupper()),
        "starts_bullet_or_digit": float(text[0] in _BULLETS or text[0].isdigit()),
        "digit_ratio": sum(map(str.isdigit, text)) / chars,
        "has_link": float(bool(_LINK_RE.search(text))),
        "log_separators": math.log1p(sum(map(_SEPARATORS.__contains__, text))),
        "has_date": float(bool(_DATE_RE.search(text))),
        "has_copyright": float("\u00a9" in text or "(c)" in text.lower()),
        "has_quote": float(not _QUOTES.isdisjoint(text)),
        "is_short": float(n_words <= 3),
    }


def _is_prose(base: dict[str, float], has_stoplist: bool) -> bool:
    """A line that reads as running text: long enough, sentence-shaped, with stopwords."""
    if base["log_words"] < math.log1p(10):
        return False
    if has_stoplist and base["stop_ratio"] < 0.12:
        return False
    return base["ends_sentence"] > 0 or base["log_sentence_ends"] > 0


def _window_sum(values: FloatArray, size: int) -> FloatArray:
    """Sum of ``values`` over ``[i - size, i + size]`` for each ``i``, clipped at the ends."""
    padded = np.concatenate(([0.0], np.cumsum(values)))
    index = np.arange(len(values))
    upper = np.minimum(index + size + 1, len(values))
    lower = np.maximum(index - size, 0)
    return padded[upper] - padded[lower]


def _main_block(prose_chars: FloatArray) -> tuple[int, int, FloatArray]:
    """The main prose block ``(first, last)`` line indices and the density profile.

    The densest window of prose seeds the block; it grows over prose lines separated by
    at most ``_BLOCK_GAP`` lines. Without any prose line the block is empty (-1, -1).
    """
    density = _window_sum(prose_chars, _DENSITY_WINDOW)
    prose = np.flatnonzero(prose_chars > 0)
    if prose.size == 0:
        return -1, -1, density
    centre = int(np.argmax(density))
    seed = int(prose[np.argmin(np.abs(prose - centre))])
    position = int(np.searchsorted(prose, seed))
    lo = hi = position
    while lo > 0 and prose[lo] - prose[lo - 1] <= _BLOCK_GAP:
        lo -= 1
    while hi < prose.size - 1 and prose[hi + 1] - prose[hi] <= _BLOCK_GAP:
        hi += 1
    return int(prose[lo]), int(prose[hi]), density


def _prose_blocks(prose: FloatArray, chars: FloatArray) -> dict[str, FloatArray]:
    """Where each line stands among the blocks of prose (prose lines at most 2 apart).

    Comments, teasers and footers come as small prose blocks away from the largest one;
    a table inside an article sits between two large blocks.
    """
    n = len(prose)
    idx = np.flatnonzero(prose > 0)
    if idx.size == 0:
        far = np.full(n, math.log1p(n))
        zeros = np.zeros(n)
        return {
            "log_lines_since_prose": far,
            "log_lines_until_prose": far,
            "log_gap_run": np.full(n, math.log1p(n)),
            "block_vs_largest": zeros,
            "prev_block_vs_largest": zeros,
            "next_block_vs_largest": zeros,
            "in_largest_block": zeros,
            "log_blocks_to_largest": far,
            "chars_to_largest_share": np.ones(n),
        }
    breaks = np.flatnonzero(np.diff(idx) > 2)
    firsts = np.concatenate(([idx[0]], idx[breaks + 1]))
    lasts = np.concatenate((idx[breaks], [idx[-1]]))
    cum = np.concatenate(([0.0], np.cumsum(chars)))
    sizes = cum[lasts + 1] - cum[firsts]
    largest = int(np.argmax(sizes))
    rel = sizes / sizes[largest]
    line = np.arange(n)
    # Block at or before each line, and block at or after it (-1 / len when none).
    before = np.searchsorted(firsts, line, side="right") - 1
    after = np.searchsorted(lasts, line, side="left")
    inside = (before >= 0) & (lasts[np.clip(before, 0, None)] >= line)
    prev_block = np.where(before >= 0, rel[np.clip(before, 0, None)], 0.0)
    next_block = np.where(after < len(firsts), rel[np.clip(after, None, len(firsts) - 1)], 0.0)
    last_prose = np.searchsorted(idx, line, side="right") - 1
    next_prose = np.searchsorted(idx, line, side="left")
    since = np.where(last_prose >= 0, line - idx[np.clip(last_prose, 0, None)], n)
    until = np.where(next_prose < idx.size, idx[np.clip(next_prose, None, idx.size - 1)] - line, n)
    run = np.where(prose > 0, 0, np.minimum(since, n) + np.minimum(until, n) - 1)
    use_before = inside | ((since <= until) & (before >= 0))
    nearest = np.where(use_before, before, np.clip(after, None, len(firsts) - 1))
    nearest = np.where(nearest < 0, 0, nearest)
    lo, hi = firsts[largest], lasts[largest]
    between = np.where(line < lo, cum[lo] - cum[line + 1], np.where(line > hi, cum[line] - cum[hi + 1], 0.0))
    return {
        "log_lines_since_prose": np.log1p(since),
        "log_lines_until_prose": np.log1p(until),
        "log_gap_run": np.log1p(run),
        "block_vs_largest": rel[nearest],
        "prev_block_vs_largest": prev_block,
        "next_block_vs_largest": next_block,
        "in_largest_block": ((line >= lo) & (line <= hi)).astype(np.float64),
        "log_blocks_to_largest": np.log1p(np.abs(nearest - largest)),
        "chars_to_largest_share": np.maximum(between, 0.0) / cum[-1],
    }


def line_features(lines: Sequence[Line], lang: str | None, mode: Mode) -> FloatArray:
    """The feature matrix (one row per line, columns as :data:`FEATURE_NAMES`)."""
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    doc_words = [w.lower() for line in lines for w in _WORD_RE.findall(line.text)]
    stoplist = best_stoplist(doc_words, lang)
    bases = [_base_features(line.text, stoplist) for line in lines]
    chars = np.array([len(line.text) for line in lines], dtype=np.float64)
    repeats = Counter(line.text.lower() for line in lines)
    longest = float(chars.max())
    p90 = float(np.percentile(chars, 90))
    ranks = np.argsort(np.argsort(chars, kind="stable"), kind="stable") / max(n - 1, 1)
    for i, base in enumerate(bases):
        base["log_repeats"] = math.log1p(repeats[lines[i].text.lower()] - 1)
        base["chars_vs_longest"] = chars[i] / longest
        base["chars_vs_p90"] = min(chars[i] / p90, 5.0)
        base["length_rank"] = float(ranks[i])
    prose_mask = np.array([_is_prose(b, bool(stoplist)) for b in bases])
    prose_chars = np.where(prose_mask, chars, 0.0)
    first, last, density = _main_block(prose_chars)
    index = np.arange(n, dtype=np.float64)
    total_chars = float(chars.sum())
    total_prose = float(prose_chars.sum())
    block_chars = float(chars[first : last + 1].sum()) if first >= 0 else 0.0
    prose_before = np.cumsum(prose_chars) - prose_chars
    if first >= 0:
        distance = np.where(index < first, first - index, np.where(index > last, index - last, 0.0))
        before = (index < first).astype(np.float64)
        after = (index > last).astype(np.float64)
    else:
        distance, before, after = np.full(n, float(n)), np.zeros(n), np.zeros(n)
    short = np.array([b["is_short"] for b in bases])
    context = {
        "line_position": index / max(n - 1, 1),
        "char_position": (np.cumsum(chars) - chars) / total_chars,
        "log_lines_from_start": np.log1p(index),
        "log_lines_to_end": np.log1p(n - 1 - index),
        "is_prose": prose_mask.astype(np.float64),
        "density_vs_max": density / density.max() if density.max() > 0 else np.zeros(n),
        "in_main_block": 1.0 - before - after if first >= 0 else np.zeros(n),
        "before_main_block": before,
        "after_main_block": after,
        "block_distance": np.log1p(distance),
        "prose_before_share": prose_before / total_prose if total_prose else np.zeros(n),
        **_prose_blocks(prose_chars, chars),
        "doc_log_lines": np.full(n, math.log1p(n)),
        "doc_short_share": np.full(n, float(short.mean())),
        "doc_log_longest": np.full(n, math.log1p(longest)),
        "doc_prose_share": np.full(n, total_prose / total_chars),
        "doc_block_share": np.full(n, block_chars / total_chars),
        "mode_page": np.full(n, 1.0 if mode == "page" else 0.0),
    }
    base_matrix = np.array([[b[name] for name in _BASE_NAMES] for b in bases])
    columns = [base_matrix, np.column_stack([context[name] for name in _CONTEXT_NAMES])]
    per_key = {key: base_matrix[:, _BASE_NAMES.index(key)] for key in _BASE_NAMES}
    per_key["is_prose"] = context["is_prose"]
    for offset in _NEIGHBOURS:
        for key in _NEIGHBOUR_KEYS:
            shifted = np.zeros(n)
            if offset < 0:
                shifted[-offset:] = per_key[key][:offset]
            else:
                shifted[:-offset] = per_key[key][offset:]
            columns.append(shifted[:, None])
    for size in _WINDOWS:
        counts = _window_sum(np.ones(n), size)
        for key in _WINDOW_KEYS:
            columns.append((_window_sum(per_key[key], size) / counts)[:, None])
    return np.hstack(columns)


class TreeEnsemble:
    """A gradient-boosted ensemble of regression trees, read from plain arrays.

    Each tree is ``{"feature", "threshold", "left", "right", "value"}`` (node arrays, a
    leaf has ``feature == -1``, a row goes left when its feature is ``<= threshold``); the
    log-odds is ``base + learning_rate * sum(leaf values)``. Inner nodes keep a value too, so
    a prediction splits into per-feature contributions (the path attribution of Saabas).
    The trees are packed into one node table and walked together, level by level.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.base = float(spec["base"])
        self.rate = float(spec["learning_rate"])
        trees = spec["trees"]
        sizes = [len(tree["feature"]) for tree in trees]
        self.roots: IntArray = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        offsets = np.repeat(self.roots, sizes)

        def packed(name: str) -> list[float]:
            return [v for tree in trees for v in tree[name]]

        self.feature: IntArray = np.asarray(packed("feature"), dtype=np.int64)
        self.threshold: FloatArray = np.asarray(packed("threshold"), dtype=np.float64)
        inner = self.feature >= 0
        self.left: IntArray = np.where(inner, np.asarray(packed("left"), dtype=np.int64) + offsets, -1)
        self.right: IntArray = np.where(inner, np.asarray(packed("right"), dtype=np.int64) + offsets, -1)
        self.value: FloatArray = np.asarray(packed("value"), dtype=np.float64)

    @property
    def bias(self) -> float:
        """The log-odds before any split: the base plus every tree's root value."""
        return self.base + self.rate * float(self.value[self.roots].sum())

    def _walk(self, features: FloatArray, contributions: FloatArray | None) -> FloatArray:
        n = features.shape[0]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        rows = np.broadcast_to(np.arange(n)[:, None], node.shape)
        while True:
            split = self.feature[node]
            inner = split >= 0
            if not inner.any():
                break
            at, row, feat = node[inner], rows[inner], split[inner]
            child = np.where(features[row, feat] <= self.threshold[at], self.left[at], self.right[at])
            if contributions is not None:
                np.add.at(contributions, (row, feat), self.rate * (self.value[child] - self.value[at]))
            node[inner] = child
        total: FloatArray = self.base + self.rate * self.value[node].sum(axis=1)
        return total

    def log_odds(self, features: FloatArray) -> FloatArray:
        """The log-odds of boilerplate for each row of ``features``."""
        return self._walk(features, None)

    def contributions(self, features: FloatArray) -> FloatArray:
        """Each feature's share of each row's log-odds (rows x features); rows sum to log-odds - bias."""
        contributions = np.zeros(features.shape)
        self._walk(features, contributions)
        return contributions


@dataclass(frozen=True)
class LineModel:
    """The loaded model: the ensemble, its feature names, thresholds per mode, version."""

    ensemble: TreeEnsemble
    feature_names: tuple[str, ...]
    thresholds: dict[str, float]
    version: str


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> LineModel:
    """The model from its JSON file, read once per process."""
    with path.open(encoding="utf-8") as handle:
        spec = json.load(handle)
    names = tuple(spec["features"])
    if names != FEATURE_NAMES:
        raise ValueError(f"{path}: features differ from this code's; retrain the model")
    return LineModel(TreeEnsemble(spec), names, dict(spec["thresholds"]), str(spec["version"]))


def model_version() -> str:
    """The version of the stored model (goes into the sidecars)."""
    return load_model().version


def _predict(
    text: str, lang: str | None, mode: Mode, model: LineModel
) -> tuple[list[Line], FloatArray, FloatArray]:
    lines = split_lines(text)
    features = line_features(lines, lang, mode)
    if not lines:
        return lines, features, np.zeros(0)
    log_odds = model.ensemble.log_odds(features)
    return lines, features, 1.0 / (1.0 + np.exp(-log_odds))


def score_lines(text: str, lang: str | None, mode: Mode | None = None) -> list[tuple[int, int, float]]:
    """``(start, end, P(boilerplate))`` for each non-empty line of ``text``."""
    lines, _, proba = _predict(text, lang, mode or detect_mode(text), load_model())
    return [(line.start, line.end, float(p)) for line, p in zip(lines, proba, strict=True)]


def _explain(features: FloatArray, contributions: FloatArray, top: int = 3) -> str:
    order = np.argsort(-contributions, kind="stable")[:top]
    parts = [
        f"{FEATURE_NAMES[i]}={features[i]:.2f} (+{contributions[i]:.2f})"
        for i in order
        if contributions[i] > 0
    ]
    return ", ".join(parts) if parts else "no single strong feature"


def find_boilerplate(
    text: str,
    lang: str | None,
    protected: Sequence[tuple[int, int]] = (),
    threshold: float | None = None,
    mode: Mode | None = None,
    model: LineModel | None = None,
) -> list[Span]:
    """Spans for the lines the model takes for boilerplate.

    ``threshold`` defaults to the one tuned for the mode (given, or detected from the
    text); lines overlapping a ``protected`` range are never cut. Each span names the
    model, its score (rounded to 4 decimals) and the features that pushed it most.
    ``model``: the stored one unless given (training scores fold models this way).
    """
    model = model or load_model()
    mode = mode or detect_mode(text)
    cut = model.thresholds[mode] if threshold is None else threshold
    lines, features, proba = _predict(text, lang, mode, model)
    cut_rows = [
        i
        for i, line in enumerate(lines)
        if proba[i] >= cut and not touches_any(line.start, line.end, protected)
    ]
    if not cut_rows:
        return []
    contributions = model.ensemble.contributions(features[cut_rows])
    spans = []
    for row, i in enumerate(cut_rows):
        line = lines[i]
        detail = f"{mode} mode, P={proba[i]:.2f} >= {cut:.2f}; {_explain(features[i], contributions[row])}"
        spans.append(
            Span(
                start=line.start,
                end=line.end,
                action="removed",
                reason=MODEL_NAME,
                category="boilerplate",
                score=round(float(proba[i]), 4),
                detail=detail,
            )
        )
    return spans
