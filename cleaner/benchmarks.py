"""Loaders and scorers for the two dev benchmark layouts.

* ``extraction``: ``ground-truth.json`` (``{key: {"articleBody", "url"}}``), scored like
  scrapinghub/article-extraction-benchmark: token 4-gram shingles, per-page normalised
  true/false positives and negatives, mean precision and mean recall over pages, F1 of
  the two means.
* ``snippets``: ``cases.json`` (``{name: {"url", "with", "without"}}``), scored like the
  trafilatura evaluation: after collapsing whitespace, a "with" snippet found in the output
  is a true positive (missing: false negative), a "without" snippet found is a false
  positive (absent: true negative); precision, recall and F1 over all snippets.

Both layouts hold the inputs as ``html/<key>.html.gz``, ``raw-recall/<key>.txt`` and
``raw-page/<key>.txt``. The benchmarks name no language, so the per-language figures use
the language detected (deterministically) from the ground truth itself.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

BenchmarkKind = Literal["extraction", "snippets"]
InputKind = Literal["raw-recall", "raw-page", "html"]
INPUTS: tuple[InputKind, ...] = ("raw-recall", "raw-page", "html")

_TRUTH_FILES: dict[BenchmarkKind, str] = {"extraction": "ground-truth.json", "snippets": "cases.json"}
_SHINGLE_N = 4
# The benchmark's tokens: runs of word characters.
TOKEN_RE = re.compile(r"\w+")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Page:
    """One benchmark page: its key, its input (bytes for html, str for text) and its url."""

    key: str
    raw: bytes | str
    url: str
    input: InputKind

    @property
    def text(self) -> str:
        """The input as text (HTML bytes decoded as UTF-8, undecodable bytes replaced)."""
        return self.raw if isinstance(self.raw, str) else self.raw.decode("utf-8", errors="replace")

    @property
    def site(self) -> str:
        """The host the page came from (the url itself when it has no host)."""
        return site_of(self.url)


@dataclass(frozen=True)
class PageScore:
    """One page's figures; ``tp``/``fp``/``fn`` are normalised shares or snippet counts."""

    key: str
    precision: float
    recall: float
    f1: float
    tp: float
    fp: float
    fn: float
    lang: str


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 over a set of pages."""

    precision: float
    recall: float
    f1: float
    pages: int


@dataclass(frozen=True)
class Result:
    """A benchmark run: the overall figures, each page's, and the figures per language."""

    benchmark: BenchmarkKind
    precision: float
    recall: float
    f1: float
    per_page: list[PageScore]
    per_language: dict[str, Score] = field(default_factory=dict)

    def worst(self, n: int = 10) -> list[PageScore]:
        """The ``n`` pages with the lowest F1 (ties by key)."""
        return sorted(self.per_page, key=lambda p: (p.f1, p.key))[:n]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the result."""
        return {
            "benchmark": self.benchmark,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "per_language": {lang: vars(s) for lang, s in sorted(self.per_language.items())},
            "per_page": [vars(p) for p in self.per_page],
        }


def site_of(url: str) -> str:
    """The host of ``url`` without a leading ``www.``; the url itself when it has no host."""
    host = urlparse(url).hostname or url
    return host.removeprefix("www.")


class BenchmarkError(ValueError):
    """A benchmark folder that can't be used; the message names the file and the problem."""


def detect_benchmark(directory: str | Path) -> BenchmarkKind:
    """Which layout ``directory`` has, from its ground-truth file."""
    root = Path(directory)
    for kind, name in _TRUTH_FILES.items():
        if (root / name).is_file():
            return kind
    raise BenchmarkError(f"{root}: neither ground-truth.json nor cases.json found, not a benchmark folder")


# What each page of a ground-truth file must hold: a field and the type of its value.
_PAGE_FIELDS: dict[BenchmarkKind, tuple[tuple[str, type], ...]] = {
    "extraction": (("articleBody", str),),
    "snippets": (("with", list), ("without", list)),
}


@lru_cache(maxsize=8)
def _truth(root: Path) -> tuple[BenchmarkKind, dict[str, dict[str, Any]]]:
    kind = detect_benchmark(root)
    path = root / _TRUTH_FILES[kind]
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:  # ValueError: bad JSON, or bytes that are not UTF-8
        raise BenchmarkError(f"{path}: can't read it: {error}") from None
    if not isinstance(data, dict) or not data:
        raise BenchmarkError(f"{path}: no pages (expected a JSON object of pages by key)")
    for key, page in data.items():
        for name, kind_of_value in _PAGE_FIELDS[kind]:
            if not isinstance(page, dict) or not isinstance(page.get(name), kind_of_value):
                raise BenchmarkError(f"{path}: page {key!r}: no {name!r} {kind_of_value.__name__}")
    return kind, data


def ground_truth(directory: str | Path) -> dict[str, dict[str, Any]]:
    """The benchmark's ground truth, keyed by page."""
    return _truth(Path(directory).resolve())[1]


def input_path(directory: str | Path, key: str, input: InputKind) -> Path:
    """Where page ``key``'s input of kind ``input`` lives."""
    root = Path(directory)
    if input == "html":
        return root / "html" / f"{key}.html.gz"
    return root / input / f"{key}.txt"


def load_pages(directory: str | Path, input: InputKind) -> Iterator[Page]:
    """The benchmark's pages in key order, each with its raw input.

    HTML comes as the decompressed bytes (the page declares its own encoding); the raw
    texts as ``str``. A page whose input file is missing is an error, not a skip.
    """
    if input not in INPUTS:
        raise ValueError(f"unknown input {input!r}, expected one of {', '.join(INPUTS)}")
    truth = ground_truth(directory)
    for key in sorted(truth):
        path = input_path(directory, key, input)
        if not path.is_file():
            raise BenchmarkError(f"{path}: missing {input} input for page {key}")
        raw: bytes | str = (
            gzip.decompress(path.read_bytes()) if input == "html" else path.read_text(encoding="utf-8")
        )
        yield Page(key=key, raw=raw, url=str(truth[key].get("url", "")), input=input)


def tokens(text: str) -> list[str]:
    """The benchmark's tokens: runs of word characters."""
    return TOKEN_RE.findall(text)


def shingles(text: str, n: int = _SHINGLE_N) -> Counter[tuple[str, ...]]:
    """Token ``n``-gram shingles with counts; a text shorter than ``n`` tokens is one shingle."""
    toks = tokens(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


def shingle_match(true: str, pred: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) shares of the shingles of ``pred`` against ``true``."""
    true_sh, pred_sh = shingles(true), shingles(pred)
    tp = fp = fn = 0
    for key in true_sh.keys() | pred_sh.keys():
        t, p = true_sh.get(key, 0), pred_sh.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def f1_score(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _aggregate_extraction(pages: list[PageScore]) -> tuple[float, float]:
    precision = _mean([p.precision for p in pages if p.tp + p.fp > 0])
    recall = _mean([p.recall for p in pages if p.tp + p.fn > 0])
    return precision, recall


def _aggregate_snippets(pages: list[PageScore]) -> tuple[float, float]:
    tp, fp, fn = (sum(getattr(p, name) for p in pages) for name in ("tp", "fp", "fn"))
    return _precision(tp, fp, fn), _recall(tp, fp, fn)


def _collapse(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def _snippet_page(key: str, case: Mapping[str, Any], output: str, lang: str) -> PageScore:
    text = _collapse(output)
    found_with = [_collapse(s) in text for s in case.get("with", [])]
    found_without = [_collapse(s) in text for s in case.get("without", [])]
    tp, fn = sum(found_with), len(found_with) - sum(found_with)
    fp = sum(found_without)
    precision, recall = _precision(tp, fp, fn), _recall(tp, fp, fn)
    return PageScore(key, precision, recall, f1_score(precision, recall), tp, fp, fn, lang)


def _extraction_page(key: str, truth: Mapping[str, Any], output: str, lang: str) -> PageScore:
    tp, fp, fn = shingle_match(str(truth.get("articleBody") or ""), output)
    precision, recall = _precision(tp, fp, fn), _recall(tp, fp, fn)
    return PageScore(key, precision, recall, f1_score(precision, recall), tp, fp, fn, lang)


def score(directory: str | Path, outputs: Mapping[str, str]) -> Result:
    """Score ``outputs`` (cleaned text per page key) with the benchmark's own metric.

    A page without an output counts as an empty output; an output for a page the benchmark
    does not have is an error (a mixed-up folder should not score quietly).
    """
    root = Path(directory).resolve()
    kind, truth = _truth(root)
    unknown = sorted(set(outputs) - set(truth))
    if unknown:
        raise ValueError(f"{len(unknown)} outputs for pages not in {root.name}: {', '.join(unknown[:3])}")
    langs = page_languages(root)
    score_page = _extraction_page if kind == "extraction" else _snippet_page
    aggregate = _aggregate_extraction if kind == "extraction" else _aggregate_snippets
    pages = [score_page(key, truth[key], outputs.get(key, ""), langs[key]) for key in sorted(truth)]
    precision, recall = aggregate(pages)
    by_lang: dict[str, list[PageScore]] = {}
    for page in pages:
        by_lang.setdefault(page.lang, []).append(page)
    per_language = {}
    for lang, group in sorted(by_lang.items()):
        p, r = aggregate(group)
        per_language[lang] = Score(p, r, f1_score(p, r), len(group))
    return Result(kind, precision, recall, f1_score(precision, recall), pages, per_language)


def evaluate_text(
    directory: str | Path, input: InputKind, clean_fn: Callable[[str], str], keys: set[str] | None = None
) -> Result:
    """Run ``clean_fn`` over every page's raw text (html decoded as UTF-8) and score the outputs.

    With ``keys``, only those pages are cleaned; the others score as empty outputs, so pass
    ``keys`` only to collect outputs piecewise (see :func:`score`).
    """
    outputs = {}
    for page in load_pages(directory, input):
        if keys is not None and page.key not in keys:
            continue
        outputs[page.key] = clean_fn(page.text)
    return score(directory, outputs)


@lru_cache(maxsize=8)
def page_languages(root: Path) -> dict[str, str]:
    """Each page's language (ISO 639-1, or ``"unknown"``), as the ground truth gives it.

    An explicit ``lang``/``language`` field wins; otherwise the language is detected with a
    seeded langdetect from the ground-truth text (the article body, or the raw-recall text
    plus the snippets that must survive; the first 500 characters are plenty and keep it
    fast), so it never depends on the outputs scored.
    """
    kind, truth = _truth(root)
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    langs = {}
    for key, entry in truth.items():
        given = entry.get("lang") or entry.get("language")
        if given:
            langs[key] = str(given)
            continue
        if kind == "extraction":
            sample = str(entry.get("articleBody") or "")
        else:
            recall_path = input_path(root, key, "raw-recall")
            body = recall_path.read_text(encoding="utf-8") if recall_path.is_file() else ""
            sample = " ".join(entry.get("with", [])) + "\n" + body
        try:
            langs[key] = detect(sample[:500]) if sample.strip() else "unknown"
        except LangDetectException:
            langs[key] = "unknown"
    return langs
