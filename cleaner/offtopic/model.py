"""The stored off-topic model: plain JSON, scored with numpy, explained in words.

Two small gradient-boosted tree ensembles over the same features, one for
whole paragraphs and one for sentences inside longer paragraphs, each followed
by Platt scaling so that its output is a calibrated probability. Two
thresholds on that probability decide the flags: a passage is flagged at
``threshold``, but a whole paragraph that is the only passage of its document
to reach it must reach the higher ``lone_threshold`` (see
:func:`document_threshold`). The trees are stored as plain arrays and
descended for all units and trees at once with numpy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from cleaner.model import Span, touches_any
from cleaner.offtopic.features import FEATURES, INDEX, VECTOR_FEATURES, DocFeatures, compute, reads_english
from cleaner.offtopic.provenance import CUT_MIN_SCORE, Source, fingerprint
from cleaner.offtopic.provenance import MODEL_NAME as PROVENANCE
from cleaner.offtopic.semantic import SEMANTIC_FEATURES, default_encoder, semantic_columns
from cleaner.offtopic.text import Unit, article_view, introduced_list_items, quote_pairs

MODEL_NAME = "offtopic"
MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "offtopic.json"
# The opt-in model: the same features plus the sentence encoder's (cleaner/offtopic/semantic.py).
SEMANTIC_MODEL_NAME = "offtopic-semantic"
SEMANTIC_MODEL_PATH = MODEL_PATH.with_name("offtopic-semantic.json")
# The model for documents in other languages than English: the same features, trained on
# articles of those languages (the word-vector columns, English only, take no part).
NON_ENGLISH_MODEL_NAME = "offtopic-non-english"
NON_ENGLISH_MODEL_PATH = MODEL_PATH.with_name("offtopic-non-english.json")
_NAMES = (MODEL_NAME, SEMANTIC_MODEL_NAME, NON_ENGLISH_MODEL_NAME)
FORMAT = 1
KINDS = ("para", "sent")
_MAX_DEPTH = 3
_BITS = (1 << np.arange(2**_MAX_DEPTH - 1)).astype(np.uint8)
_BLOCK = 2048  # rows scored at once
# An article shorter than this (in words, what the rules left) gets no flag: every feature
# compares a passage with the rest of its article, which is then too little to go by. The
# shortest training article has 174 words; the extraction benchmark's article bodies under
# 150 words lost 1.9% of their text to flags, longer ones 0.3%.
MIN_ARTICLE_WORDS = 120


def _floats(values: object) -> np.ndarray:
    return np.asarray(values, dtype=float)


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted trees as plain arrays, Platt-scaled into a probability.

    Every tree is padded to ``nodes`` nodes; a leaf points to itself, so
    ``depth`` steps of descent end on a leaf for every tree at once. Node
    ``k`` of tree ``t`` is row ``t * nodes + k`` of the flat arrays.
    """

    feature: np.ndarray  # split feature (0 at leaves)
    threshold: np.ndarray  # go left when x <= threshold (+inf at leaves)
    left: np.ndarray  # flat index of the left child (itself at leaves)
    right: np.ndarray  # flat index of the right child (itself at leaves)
    value: np.ndarray  # leaf value (0 inside)
    nodes: int
    depth: int
    baseline: float
    platt: tuple[float, float]
    # Per feature, for explanations: mean and spread over original units, and
    # the side (+1 or -1) on which off-topic units lie.
    normal_mean: np.ndarray
    normal_std: np.ndarray
    direction: np.ndarray

    @cached_property
    def _lookup(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every tree as its 7 decisions in heap order and a table from their outcomes to a leaf.

        Node ``k`` of the heap has children ``2k + 1`` and ``2k + 2``; a leaf
        above the last level stands in for its own children (it points to
        itself and its threshold is infinite), so each tree becomes 7 tests
        and the 7 outcomes, as bits, index a table of 128 leaf values. Trees
        share most of their tests (thresholds are histogram bin edges): each
        distinct (feature, threshold) test is given once, and ``tests`` says
        which one is decision ``k`` of tree ``t`` (at ``k * trees + t``).
        """
        if self.depth > _MAX_DEPTH:
            raise ValueError(f"trees deeper than {_MAX_DEPTH} levels are not supported")
        n_trees = len(self.feature) // self.nodes
        heap = np.empty((n_trees, 2 ** (_MAX_DEPTH + 1) - 1), dtype=np.intp)
        heap[:, 0] = np.arange(n_trees) * self.nodes
        for k in range(2**_MAX_DEPTH - 1):
            heap[:, 2 * k + 1] = self.left[heap[:, k]]
            heap[:, 2 * k + 2] = self.right[heap[:, k]]
        decisions = heap[:, : 2**_MAX_DEPTH - 1].T.ravel()
        codes = np.arange(2 ** (2**_MAX_DEPTH - 1))
        position = np.zeros(len(codes), dtype=np.intp)
        for _ in range(_MAX_DEPTH):
            position = 2 * position + 1 + ((codes >> position) & 1)
        table = self.value[heap[:, position]]  # (trees, 128)
        offsets = np.arange(n_trees) * len(codes)
        pairs = np.stack((self.feature[decisions], self.threshold[decisions]), axis=1)
        distinct, tests = np.unique(pairs, axis=0, return_inverse=True)
        return distinct[:, 0].astype(np.intp), distinct[:, 1], tests.ravel(), table.ravel(), offsets

    def margin(self, x: np.ndarray) -> np.ndarray:
        """Raw boosted score of each row of ``x`` (in blocks of rows, so that memory stays small)."""
        feature, threshold, tests, table, offsets = self._lookup
        out = np.empty(len(x))
        for start in range(0, len(x), _BLOCK):
            block = x[start : start + _BLOCK]
            outcomes = (block[:, feature] > threshold)[:, tests].view(np.uint8)
            codes = np.einsum("ikt,k->it", outcomes.reshape(len(block), -1, len(offsets)), _BITS)
            # C order, so that each row of leaf values is summed in the order a plain row sum takes.
            out[start : start + _BLOCK] = self.baseline + table[np.add(codes, offsets, order="C")].sum(axis=1)
        return out

    def probability(self, x: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return np.asarray(1.0 / (1.0 + np.exp(-(a * self.margin(x) + b))))

    def oddness(self, row: np.ndarray) -> np.ndarray:
        """How far each feature of ``row`` lies from original units, towards off-topic ones."""
        return np.asarray(self.direction * (row - self.normal_mean) / self.normal_std)

    def to_json(self) -> dict[str, object]:
        def numbers(values: np.ndarray) -> list[float]:
            return [round(float(v), 8) if np.isfinite(v) else 1e300 for v in values]

        return {
            "nodes": self.nodes,
            "depth": self.depth,
            "baseline": round(self.baseline, 8),
            "platt": [round(v, 8) for v in self.platt],
            "feature": [int(v) for v in self.feature],
            "threshold": numbers(self.threshold),
            "left": [int(v) for v in self.left],
            "right": [int(v) for v in self.right],
            "value": numbers(self.value),
            "normal_mean": numbers(self.normal_mean),
            "normal_std": numbers(self.normal_std),
            "direction": [int(v) for v in self.direction],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Trees:
        platt = _floats(data["platt"])
        return cls(
            np.asarray(data["feature"], dtype=np.intp),
            _floats(data["threshold"]),
            np.asarray(data["left"], dtype=np.intp),
            np.asarray(data["right"], dtype=np.intp),
            _floats(data["value"]),
            int(str(data["nodes"])),
            int(str(data["depth"])),
            float(str(data["baseline"])),
            (float(platt[0]), float(platt[1])),
            _floats(data["normal_mean"]),
            _floats(data["normal_std"]),
            _floats(data["direction"]),
        )


def shift_logit(probs: np.ndarray, shift: float) -> np.ndarray:
    """``probs`` moved by ``shift`` on the logit scale."""
    if not shift:
        return probs
    clipped = np.clip(probs, 1e-12, 1 - 1e-12)
    return np.asarray(1.0 / (1.0 + np.exp(-(np.log(clipped / (1 - clipped)) + shift))))


@dataclass(frozen=True)
class OfftopicModel:
    para: Trees
    sent: Trees
    threshold: float
    sent_shift: float = 0.0  # logit offset of sentence scores: the sentence model's own threshold
    sha: str = ""
    features: tuple[str, ...] = FEATURES  # the columns it reads: FEATURES, then SEMANTIC_FEATURES if semantic
    name: str = MODEL_NAME  # what spans and sidecars call it (one of _NAMES)
    # The threshold of a whole paragraph with no other passage of its document at ``threshold``
    # (see document_threshold; one under ``threshold`` leaves that alone).
    lone_threshold: float = 0.0

    @property
    def semantic(self) -> bool:
        """Whether it also reads the sentence encoder's features."""
        return len(self.features) > len(FEATURES)

    @property
    def english_only(self) -> list[int]:
        """The columns that only apply to English documents: the word-vector features and the
        sentence encoder's (both read English)."""
        return [*VECTOR_FEATURES, *range(len(FEATURES), len(self.features))]

    def probabilities(self, feats: DocFeatures) -> np.ndarray:
        """Calibrated probability that each unit is off-topic."""
        probs = np.zeros(len(feats.units))
        if not feats.units:
            return probs
        is_sentence = np.fromiter((u.is_sentence for u in feats.units), bool, len(feats.units))
        for trees, mask, shift in ((self.para, ~is_sentence, 0.0), (self.sent, is_sentence, self.sent_shift)):
            if mask.any():
                rows = feats.matrix[mask]
                if not feats.vectors_apply:
                    # English word vectors and encoder say nothing here: impute their usual value.
                    rows[:, self.english_only] = trees.normal_mean[self.english_only]
                probs[mask] = shift_logit(trees.probability(rows), shift)
        return probs

    def to_json(self, extra: dict[str, object]) -> dict[str, object]:
        return {
            "format": FORMAT,
            "name": self.name,
            "features": list(self.features),
            "threshold": round(self.threshold, 6),
            "lone_threshold": round(self.lone_threshold, 6),
            "sent_shift": self.sent_shift,
            "para": self.para.to_json(),
            "sent": self.sent.to_json(),
            **extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, object], sha: str = "") -> OfftopicModel:
        features = data.get("features")
        if data.get("format") != FORMAT or features not in (list(FEATURES), [*FEATURES, *SEMANTIC_FEATURES]):
            raise ValueError("offtopic model file does not match this code's features; retrain it")
        para, sent = data["para"], data["sent"]
        assert isinstance(para, dict) and isinstance(sent, dict)
        shift = float(str(data.get("sent_shift", 0.0)))
        threshold = float(str(data["threshold"]))
        lone = float(str(data.get("lone_threshold", 0.0)))
        name = str(data.get("name", MODEL_NAME))
        if name not in _NAMES:
            raise ValueError(f"unknown offtopic model name {name!r}")
        return cls(
            Trees.from_json(para), Trees.from_json(sent), threshold, shift, sha, tuple(features), name, lone
        )


def load(path: Path = MODEL_PATH) -> OfftopicModel:
    """Read a model file (plain JSON, no code is executed)."""
    raw = path.read_bytes()
    return OfftopicModel.from_json(json.loads(raw), hashlib.sha256(raw).hexdigest()[:12])


@lru_cache(maxsize=1)
def default_model() -> OfftopicModel:
    """The model shipped in the package, loaded once per process."""
    return load(MODEL_PATH)


@lru_cache(maxsize=1)
def semantic_model() -> OfftopicModel:
    """The opt-in semantic model shipped in the package, loaded once per process."""
    return load(SEMANTIC_MODEL_PATH)


@lru_cache(maxsize=1)
def non_english_model() -> OfftopicModel:
    """The model for documents in other languages than English, loaded once per process."""
    return load(NON_ENGLISH_MODEL_PATH)


def model_for(lang: str | None, english: OfftopicModel) -> OfftopicModel:
    """The model that reads a document of ``lang``: ``english`` (the default or the semantic
    model) for English, the non-English model for any other language."""
    return english if reads_english(lang) else non_english_model()


def model_version(model: OfftopicModel | None = None) -> str:
    """``<name>-<format>+<short sha of the model file>`` (the shipped model by default),
    written into every sidecar."""
    model = model or default_model()
    return f"{model.name}-{FORMAT}+{model.sha}"


def flagged_units(
    units: Sequence[Unit], probs: np.ndarray, threshold: float, apart: Collection[int] = ()
) -> list[tuple[int, int, float, int]]:
    """Merged (start, end, score, strongest unit) of units at or above ``threshold``.

    A flagged paragraph swallows its sentences; flagged sentences of one
    paragraph that touch merge into one span, unless one of them is in ``apart``
    and the other not (a passage flagged for another reason keeps its own span).
    """
    flagged = [int(i) for i in np.flatnonzero(probs >= threshold)]
    chosen = sorted((units[i].start, units[i].end, i) for i in flagged)
    merged: list[tuple[int, int, float, int]] = []
    for start, end, i in chosen:
        p = float(probs[i])
        last = merged[-1] if merged else None
        if (
            last is not None
            and units[i].paragraph == units[last[3]].paragraph
            and (start < last[1] or (start <= last[1] + 1 and (i in apart) == (last[3] in apart)))
        ):
            s0, e0, p0, i0 = merged[-1]
            merged[-1] = (s0, max(e0, end), max(p0, p), i0 if p0 >= p else i)
        else:
            merged.append((start, end, p, i))
    return merged


def document_threshold(units: Sequence[Unit], probs: np.ndarray, threshold: float, lone: float) -> float:
    """The threshold the flags of one document are decided at: ``lone`` when the only passage
    that reaches ``threshold`` (merged as :func:`flagged_units` merges them) holds a whole
    paragraph, else ``threshold``.

    Spun and aggregated pages splice passages in numbers (a run of teasers, two
    sentences of one story), and a sentence foreign to the rest of its own
    paragraph stands out surely; a single paragraph that only just looks foreign
    in an otherwise coherent article is most often the article's own (a new
    speaker late in the story, a digression), so alone it must score higher.
    """
    spans = flagged_units(units, probs, threshold)
    if len(spans) != 1:
        return threshold
    start, end = spans[0][:2]
    whole = any(
        not unit.is_sentence and start <= unit.start and unit.end <= end and probs[i] >= threshold
        for i, unit in enumerate(units)
    )
    return max(lone, threshold) if whole else threshold


_PHRASES = {
    "lead_frac": "no overlap with title and lead",
    "emb_lead": "unrelated to title and lead",
    "seen_frac": "its words unseen elsewhere",
    "seen_tok_frac": "its words unseen elsewhere",
    "seen_weighted": "its rare words unseen elsewhere",
    "seen_out": "its words found nowhere outside its paragraph",
    "cos_rest": "unlike the rest of the article",
    "z_cos": "unlike the rest of the article",
    "emb_rest": "off the subject of the rest of the article",
    "emb_out": "off the subject of the rest of the article",
    "z_emb": "further off the subject than any other passage",
    "rank_emb": "further off the subject than any other passage",
    "z_seen": "fewer shared words than any other passage",
    "rank_seen": "fewer shared words than any other passage",
    "spread": "its words appear in no other paragraph",
    "z_spread": "its words appear in no other paragraph",
    "nb_frac": "unrelated to its neighbours",
    "emb_nb": "unrelated to its neighbours",
    "para_frac": "unrelated to the rest of its paragraph",
    "gap_seen": "unlike the other sentences of its paragraph",
    "gap_emb": "unlike the other sentences of its paragraph",
    "z_seen_out": "fewer shared words than any other passage",
    "z_emb_out": "further off the subject than any other passage",
    "emb_para": "unrelated to the rest of its paragraph",
    "seen_strong": "its words rooted nowhere in the lead or the rest of the article",
    "seen_weak": "its words shared with one other passage only",
    "ent_weak": "names found in only one other passage",
    "pair_novel": "names found in only one other passage",
    "cut_end": "headline shape (cut off, no final stop)",
    "ends_function_word": "headline shape (cut off mid-sentence)",
    "long_no_end": "headline shape (no final stop)",
    "prose_no_end": "headline shape (no final stop)",
    "sem_rest": "its meaning far from the rest of the article",
    "z_sem_rest": "further in meaning from the article than any other passage",
    "sem_lead": "its meaning unrelated to title and lead",
    "sem_nb": "its meaning unrelated to its neighbours",
    "sem_best": "close in meaning to no other paragraph",
    "sem_para": "its meaning unlike the rest of its paragraph",
}


def explain(model: OfftopicModel, feats: DocFeatures, unit: int) -> str:
    """The strongest reasons a unit was flagged, in words.

    The features that lie furthest from those of original passages, on the
    off-topic side, named in plain words (at most three).
    """
    row = feats.matrix[unit]
    trees = model.sent if feats.units[unit].is_sentence else model.para
    oddness = trees.oddness(row)
    if not feats.vectors_apply:
        oddness[model.english_only] = 0.0
    reasons: list[str] = []
    entities = feats.unseen_entities(unit)
    for k in np.argsort(-oddness, kind="stable"):
        if oddness[k] < 1.0 or len(reasons) >= 3:
            break
        name = model.features[k]
        if name.startswith("ent_unseen") and entities:
            phrase = f"entities {', '.join(entities[:4])} unseen elsewhere"
        elif name in ("ent_weak", "pair_novel") and (shared := feats.weak_entities(unit)):
            phrase = f"entities {', '.join(shared[:4])} found in only one other passage"
        elif name == "foreign" and feats.languages[unit]:
            phrase = f"language {feats.languages[unit]}, document {feats.lang}"
        elif name == "style_clash" and feats.styles[unit]:
            phrase = f"{', '.join(feats.styles[unit])} unlike the rest"
        elif name == "lead_frac" and row[INDEX["lead_frac"]] > 0:
            phrase = "little overlap with title and lead"
        else:
            phrase = _PHRASES.get(name, "")
        if phrase and phrase not in reasons:
            reasons.append(phrase)
    return "; ".join(reasons) or "unlike the rest of the article"


def _subtract(start: int, end: int, removed: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces = [(start, end)]
    for r_start, r_end in removed:
        pieces = [
            piece
            for s, e in pieces
            for piece in ((s, min(e, r_start)), (max(s, r_end), e))
            if piece[1] > piece[0]
        ]
    return pieces


def semantic_features(text: str, feats: DocFeatures, title: str | None) -> np.ndarray:
    """The sentence encoder's columns for the units of ``feats`` (zeros outside English, where
    the model imputes their usual value instead)."""
    if not feats.vectors_apply:
        return np.zeros((len(feats.units), len(SEMANTIC_FEATURES)))
    return semantic_columns(text, feats.units, title, default_encoder())


def decision_scores(text: str, units: Sequence[Unit], probs: np.ndarray) -> np.ndarray:
    """The scores flags are decided on, from the model's ``probs`` of the ``units`` of ``text``.

    The sentences that open and close a quotation share their mean: they are
    withheld both or neither, whatever the threshold (one withheld alone would
    leave the other's quotation mark unmatched). A unit touching an item of a
    list the article introduces scores 0: the article's own words, however much
    an item looks like a teaser headline.
    """
    scores = np.array(probs, dtype=float)
    for ends in quote_pairs(text, units):
        scores[list(ends)] = scores[list(ends)].mean()
    listed = introduced_list_items(text)
    if listed:
        scores[[touches_any(unit.start, unit.end, listed) for unit in units]] = 0.0
    return scores


def find_offtopic(
    text: str,
    removed: Sequence[tuple[int, int]],
    title: str | None,
    lang: str | None,
    model: OfftopicModel | None = None,
    sources: Mapping[int, Source] | None = None,
) -> list[Span]:
    """Flag the passages of ``text`` that do not belong to the article.

    ``removed`` ranges (boilerplate already cut) take no part: the rest is the
    article. ``title`` may be None (the first line then serves as the lead);
    ``lang`` is the document's language (guessed from function words if None).
    ``model``: by default the shipped model for the language (:func:`model_for`).
    ``sources``: fingerprints of passages that another article of the run holds more,
    with where they came from (:mod:`cleaner.offtopic.provenance`); such a passage is
    flagged when the model scores it at least its source's ``min_score``.
    Returns flagged spans with a calibrated score and the strongest reasons.
    """
    model = model or model_for(lang, default_model())
    blanked = article_view(text, removed, title)
    if len(blanked.split(maxsplit=MIN_ARTICLE_WORDS)) < MIN_ARTICLE_WORDS:  # (stops counting there)
        return []
    feats = compute(blanked, title, lang)
    if model.semantic:
        feats.matrix = np.hstack([feats.matrix, semantic_features(blanked, feats, title)])
    probs = decision_scores(blanked, feats.units, model.probabilities(feats))
    copied = copied_units(blanked, feats.units, probs, sources or {})
    decided = probs.copy()
    decided[list(copied)] = 1.0  # withheld whatever the threshold
    threshold = document_threshold(feats.units, decided, model.threshold, model.lone_threshold)
    spans = []
    for start, end, _, unit in flagged_units(feats.units, decided, threshold, copied):
        score, name, detail = float(probs[unit]), model.name, explain(model, feats, unit)
        if unit in copied:
            name, detail = PROVENANCE, f"{copied[unit].detail}; {detail}"
        for s, e in _subtract(start, end, sorted(removed)):
            piece = blanked[s:e]
            s, e = s + len(piece) - len(piece.lstrip()), e - len(piece) + len(piece.rstrip())
            if e > s:
                spans.append(Span(s, e, "flagged", name, "offtopic", round(score, 4), detail))
    return spans


def copied_units(
    text: str, units: Sequence[Unit], scores: np.ndarray, sources: Mapping[int, Source]
) -> dict[int, Source]:
    """The units whose fingerprint is among ``sources`` and that score at least their source's
    floor, each with its source."""
    copied = {}
    for index in map(int, np.flatnonzero(scores >= CUT_MIN_SCORE)) if sources else ():
        value = fingerprint(text, units[index].start, units[index].end)
        source = sources.get(value) if value is not None else None
        if source is not None and scores[index] >= source.min_score:
            copied[index] = source
    return copied
