"""Sentence-meaning features for the opt-in semantic off-topic model (the ``[semantic]`` extra).

Every unit of a document, and its title, is read by a small sentence encoder
(all-MiniLM-L6-v2, Apache-2.0, as an int8 ONNX graph in ``cleaner/models``,
run by onnxruntime on one thread); six features compare each unit's meaning
with the rest of its own document. Word-level features cannot tell a sentence
of a neighbouring story from one of the article; the encoder's reading of whole
sentences can (see the semantic model's card). It costs about half a second of
CPU an article, some 150 times the default model, so it runs only when asked
for (``cleaner run --offtopic-model semantic``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.offtopic.text import Unit

MODELS = Path(__file__).resolve().parent.parent / "models"
ENCODER_PATH = MODELS / "minilm-l6-v2-int8.onnx"
TOKENIZER_PATH = MODELS / "minilm-l6-v2-tokenizer.json"
MAX_TOKENS = 256  # the encoder's own limit (sentence-transformers' max_seq_length)
DIMENSIONS = 384
_CACHE_SIZE = 8192  # texts whose vectors are kept (3 KB each)

SEMANTIC_FEATURES = (
    "sem_rest",  # cosine of its meaning to the sum of the paragraphs outside its own
    "sem_lead",  # to the title and the lead (the first paragraph)
    "sem_nb",  # to its neighbours (adjacent paragraphs, or adjacent sentences of its paragraph)
    "sem_best",  # to the closest single paragraph outside its own
    "sem_para",  # sentence: to the other sentences of its paragraph
    "z_sem_rest",  # sem_rest as a z-score among the document's units of its kind
)


class MissingExtra(RuntimeError):
    """The semantic model needs packages of the ``[semantic]`` extra that are not installed."""


def require_extra() -> tuple[Any, Any]:
    """The onnxruntime module and the tokenizers ``Tokenizer`` class, or :class:`MissingExtra`."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as error:
        raise MissingExtra(
            f"the semantic off-topic model needs {error.name}: pip install 'cleaner[semantic]'"
        ) from error
    return onnxruntime, Tokenizer


class SentenceEncoder:
    """Unit-length sentence vectors: the encoder's token outputs averaged over the tokens."""

    def __init__(self, model: Path = ENCODER_PATH, tokenizer: Path = TOKENIZER_PATH) -> None:
        onnxruntime, tokenizer_class = require_extra()
        self.tokenizer: Any = tokenizer_class.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # (the file asks for padding to the longest text of a batch)
        options = onnxruntime.SessionOptions()
        # One thread: workers are processes, one a core; and the same input gives the same bytes.
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._seen: dict[str, np.ndarray] = {}
        self.session: Any = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """A unit vector for each of ``texts``.

        Texts are encoded one at a time: the int8 graph quantizes its activations
        with a scale taken over the whole batch, so in a padded batch a text's vector
        would depend on the others. A text met before (a repeated line, a copy of an
        article) is looked up.
        """
        out = np.zeros((len(texts), DIMENSIONS))
        for row, text in enumerate(texts):
            vector = self._seen.get(text)
            if vector is None:
                if len(self._seen) >= _CACHE_SIZE:
                    self._seen.clear()
                ids = np.array([self.tokenizer.encode(text).ids], dtype=np.int64)
                feed = {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.zeros_like(ids),
                }
                (states,) = self.session.run(None, feed)
                vector = states[0].mean(axis=0, dtype=np.float64)
                vector /= max(float(np.linalg.norm(vector)), 1e-12)
                self._seen[text] = vector
            out[row] = vector
        return out

    def forget(self) -> None:
        """Drop the vectors of the texts met so far (a timing then pays for every text)."""
        self._seen.clear()


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """The shipped encoder, loaded once per process (a clear error without the extra)."""
    return SentenceEncoder()


def _cosines(vectors: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Row-wise cosine of unit ``vectors`` with ``others`` (0 where a row of ``others`` is zero)."""
    norms = np.linalg.norm(others, axis=1)
    dots = np.einsum("ij,ij->i", vectors, others)
    return np.asarray(np.divide(dots, norms, out=np.zeros(len(dots)), where=norms > 1e-9))


def semantic_columns(text: str, units: list[Unit], title: str | None, encoder: SentenceEncoder) -> np.ndarray:
    """The :data:`SEMANTIC_FEATURES` of each unit of ``text``, a row a unit."""
    n = len(units)
    if not n:
        return np.zeros((0, len(SEMANTIC_FEATURES)))
    pieces = [" ".join(text[u.start : u.end].split()) for u in units]
    vectors = encoder.encode([*pieces, " ".join(title.split())] if title else pieces)
    units_v = vectors[:n]
    title_v = vectors[n] if title else np.zeros(vectors.shape[1])
    is_sentence = np.array([u.is_sentence for u in units])
    para_of = np.array([u.paragraph for u in units])
    paras = units_v[~is_sentence]  # paragraph units come in paragraph order
    n_paras = len(paras)
    rest = paras.sum(axis=0) - paras[para_of]
    # The lead: the title and the first paragraph; for the first paragraph itself, the title
    # (or the second paragraph when there is no title).
    fallback = title_v if title else (paras[1] if n_paras > 1 else np.zeros_like(title_v))
    lead = np.where((para_of == 0)[:, None], fallback, title_v + paras[0])
    # Neighbours: the paragraphs beside a paragraph; the sentences beside a sentence in its paragraph.
    padded = np.vstack([np.zeros_like(title_v), paras, np.zeros_like(title_v)])
    same_before = np.zeros(n, dtype=bool)
    same_before[1:] = is_sentence[1:] & is_sentence[:-1] & (para_of[1:] == para_of[:-1])
    before = np.vstack([np.zeros_like(title_v), units_v[:-1]]) * same_before[:, None]
    after = np.vstack([units_v[1:], np.zeros_like(title_v)]) * np.append(same_before[1:], False)[:, None]
    neighbours = np.where(is_sentence[:, None], before + after, padded[para_of] + padded[para_of + 2])
    sentence_sums = np.zeros((n_paras, units_v.shape[1]))
    np.add.at(sentence_sums, para_of[is_sentence], units_v[is_sentence])
    best = units_v @ paras.T
    best[np.arange(n), para_of] = -1.0
    columns = np.zeros((n, len(SEMANTIC_FEATURES)))
    columns[:, 0] = _cosines(units_v, rest)
    columns[:, 1] = _cosines(units_v, lead)
    columns[:, 2] = _cosines(units_v, neighbours)
    columns[:, 3] = np.where(n_paras > 1, best.max(axis=1), 0.0)
    columns[:, 4] = np.where(is_sentence, _cosines(units_v, sentence_sums[para_of] - units_v), 0.0)
    for kind in (False, True):
        chosen = is_sentence == kind
        values = columns[chosen, 0]
        if len(values) > 1:
            columns[chosen, 5] = (values - values.mean()) / (values.std() + 1e-6)
    return columns
