"""General English word vectors and frequency ranks, loaded once per process.

The file holds the commonest alphabetic words of GloVe 6B (50 dimensions,
public domain, PDDL 1.0) in frequency order, as float16. A word's rank gives
its weight (rare words say more about a topic than common ones, as in smooth
inverse frequency) and its vector lets passages on the same subject match
without sharing a word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from cleaner.rowtable import RowTable

VECTORS_PATH = Path(__file__).resolve().parent.parent / "models" / "wordvectors.npz"
# Smooth inverse frequency: weight a / (a + p(w)), with p(w) from Zipf's law on the rank.
_SIF_A = 1e-4
_ZIPF = 0.1
_COMMON = 20000


class TokenTable(RowTable):
    """What the tokeniser learnt about each token it met: a row of integer facts per token
    (which facts is the tokeniser's business, cleaner.offtopic.features).

    ``ids`` numbers the stems and numbers met, so that documents and titles share them.
    """

    def __init__(self) -> None:
        super().__init__(np.intp)
        self.ids: dict[str, int] = {}

    def clear(self) -> None:
        """Forget every token (the rows and ids start again from 0)."""
        super().clear()
        self.ids.clear()


@dataclass(frozen=True)
class WordVectors:
    index: dict[str, int]
    weighted: np.ndarray  # (words + 1, dim) each vector times its weight; the last row (unknown words) zeros
    weights: np.ndarray  # (words + 1,) SIF weight; 1.0 for unknown words
    unknown: int  # the row of unknown words
    # What the tokeniser learnt about each token it met (filled as documents come).
    tokens: TokenTable = field(default_factory=TokenTable, compare=False, repr=False)


def load(path: Path = VECTORS_PATH) -> WordVectors:
    """Read the word list and vectors (an npz of plain arrays, no pickle)."""
    with np.load(path, allow_pickle=False) as data:
        words = [str(w) for w in data["words"]]
        vectors = data["vectors"].astype(np.float32)
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    weights = _SIF_A / (_SIF_A + _ZIPF / ranks)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
    # Remove the direction all common words share, so that cosines tell subjects apart.
    vectors -= vectors[:_COMMON].mean(axis=0)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
    # Weighted once here (in float64) rather than for every token of every document.
    weighted = np.vstack([vectors * weights[:, None], np.zeros((1, vectors.shape[1]))])
    return WordVectors({w: i for i, w in enumerate(words)}, weighted, np.append(weights, 1.0), len(words))


@lru_cache(maxsize=1)
def default_vectors() -> WordVectors:
    """The vectors shipped in the package, loaded once per process."""
    return load(VECTORS_PATH)


def from_glove_text(source: Path, out: Path, limit: int = 50_000) -> int:
    """Write the vectors file from GloVe's text format (``word v1 v2 ...`` a line, commonest first).

    Keeps the first ``limit`` purely alphabetic words, as float16, in a
    compressed npz. Returns the number of words written.
    """
    words: list[str] = []
    rows: list[np.ndarray] = []
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, numbers = line.rstrip("\n").partition(" ")
            if word.isalpha():
                words.append(word)
                rows.append(np.array(numbers.split(), dtype=np.float32))
                if len(words) >= limit:
                    break
    np.savez_compressed(out, words=np.array(words), vectors=np.vstack(rows).astype(np.float16))
    return len(words)
