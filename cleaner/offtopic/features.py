"""Features that say "this passage does not belong here", computed against the document itself.

Every feature compares a unit (a paragraph, or a sentence of a longer
paragraph) with the rest of its own document: word overlap with the rest, the
lead and the neighbours, names never seen elsewhere, words and names found
only in one other passage (two spliced sentences of one story share them) and
how rooted that passage is, how widespread its words are in other paragraphs,
closeness of its general word vectors to theirs, the same figures as z-scores
and ranks within the document, plus the unit's shape (a cut-off headline),
position, language and typography. No feature names a word or a topic, so the
model carries over to other sites and subjects.

The text is tokenised once, where an atom is a sentence of a paragraph and a
unit is a sum of atoms. Every figure comes from the (atom, stem) pairs that
occur, summed into (paragraph, stem) and (unit, stem) pairs, never from units x
vocabulary matrices: time and memory grow with the length of the text, not its square.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import chain

import numpy as np
import regex
from langdetect import LangDetectException

from cleaner.lang import detect_langs
from cleaner.offtopic.lexicon import FUNCTION_WORDS, LANGUAGES, LANGUAGES_OF, STOPWORDS, guess_language
from cleaner.offtopic.text import Unit
from cleaner.offtopic.text import units as split_units
from cleaner.offtopic.vectors import WordVectors, default_vectors

_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
# The same tokens in ASCII text, found faster: no Unicode look-up for each character.
_ASCII_TOKEN = re.compile(r"[A-Za-z]+|[0-9]+(?:[.,][0-9]+)*")
_NON_LATIN = regex.compile(r"[\p{L}--\p{Latin}]", regex.VERSION1)
_LETTER = regex.compile(r"\p{L}")
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
_STEM_LENGTH = 6
_END_PUNCT = frozenset(".!?…:;\"'’”»)]")
_OPEN_QUOTES = frozenset("\"'‘“«")
# Typographic habits of a source: (name of one habit, name of its rival), and the
# marks of each habit and its rival in the same order, numbered from 1: a straight
# quote, a curly quote, a straight apostrophe between letters, a curly one, " -- ", an em dash.
_STYLES = (
    ("straight quotes", "curly quotes"),
    ("straight apostrophes", "curly apostrophes"),
    ("double hyphens", "em dashes"),
)
_MARK_KINDS = {'"': 1, "“": 2, "”": 2, "'": 3, "’": 4, " -- ": 5, "—": 6}
_MARKS = re.compile("|".join(map(re.escape, sorted(_MARK_KINDS, key=len, reverse=True))))
_APOSTROPHES = (3, 4)
# Quoted stretches of a line: from an opening quote to its closing one, else to the end of the line.
_QUOTED = re.compile(r'“[^”\n]*”?|"[^"\n]*"?|«[^»\n]*»?')

FEATURES = (
    "seen_frac",  # share of its topic words that occur elsewhere in the document
    "seen_tok_frac",  # the same, counting tokens
    "seen_weighted",  # the same, each word weighted by its rarity in general English
    "seen_out",  # share of its topic words found outside its own paragraph
    "cos_rest",  # cosine of its topic words to the rest of the document
    "lead_frac",  # share of its topic words found in the title and the lead
    "spread",  # mean log number of other paragraphs that hold each of its words
    "z_seen",  # seen_frac as a z-score among the document's units of its kind
    "z_cos",  # cos_rest as a z-score
    "z_spread",  # spread as a z-score
    "rank_seen",  # rank of seen_frac in the document (0 = lowest), as a fraction
    "emb_rest",  # cosine of its word vectors to the rest of the document's
    "emb_out",  # the same against the document outside its own paragraph
    "emb_lead",  # against the title and the lead
    "emb_nb",  # against its neighbouring units
    "emb_para",  # sentence: against the rest of its paragraph
    "z_emb",  # emb_rest as a z-score among the document's units of its kind
    "rank_emb",  # rank of emb_rest in the document, as a fraction
    "vocab_cover",  # share of its topic words that have a vector
    # (the word-vector features above are replaced by their training mean outside English)
    "nb_frac",  # share of its topic words found in the neighbouring units
    "para_frac",  # sentence: share found in the rest of its paragraph
    "para_seen",  # sentence: mean seen_out of its paragraph's other sentences
    "gap_seen",  # sentence: seen_out below that of its paragraph's other sentences
    "gap_emb",  # sentence: emb_out below that of its paragraph's other sentences
    "gap_lead",  # sentence: emb_lead below that of its paragraph's other sentences
    "z_seen_out",  # seen_out as a z-score among the document's units of its kind
    "z_emb_out",  # emb_out as a z-score among the document's units of its kind
    "ent_unseen",  # names (capitalised words) never seen elsewhere, log count
    "ent_unseen_frac",  # share of its names never seen elsewhere
    "ent_unseen_out",  # names found nowhere outside its own paragraph, log count
    "ent_unseen_rate",  # those names per topic word
    "ent_seen",  # names seen elsewhere, log count
    "num_unseen",  # numbers found in no other paragraph, log count
    "seen_strong",  # share of its topic words found in the title or lead or in two other atoms or more
    "seen_weak",  # share found only in one other atom (a sentence, or a one-sentence paragraph) past the lead
    "ent_weak",  # names found only in one other atom past the lead, log count
    "pair_novel",  # 1 - seen_strong of the least-rooted atom that shares such a name with it (0: none)
    "log_words",
    "log_content",
    "no_content",  # no topic word at all
    "end_punct",  # ends with a full stop, quote or bracket
    "cut_end",  # ends on a lower-case word with no stop: a cut-off headline
    "ends_function_word",  # ends on a function word (in, of, the) with no stop: cut mid-sentence
    "prose_no_end",  # share of function words (prose, not a list item) when there is no stop
    "long_no_end",  # log word count when there is no stop
    "title_case",  # share of capitalised words
    "starts_lower",
    "starts_quote",
    "odd_quotes",  # unbalanced quotation marks
    "rel_pos",
    "is_first",
    "is_last",
    "sent_first",  # sentence: first of its paragraph
    "sent_last",  # sentence: last of its paragraph
    "log_paras",
    "foreign",  # detected language differs from the document's
    "style_clash",  # typographic habits the rest of the document never shows
    # The paragraphs before and after its own: lines of a list sit among lines of their shape,
    # quotes come in runs, a teaser sits among prose.
    "nb_no_end",  # the share of them that end with no stop
    "nb_words",  # their mean log word count
    "nb_quoted",  # their mean share of characters inside quotation marks
)
INDEX = {name: i for i, name in enumerate(FEATURES)}
VECTOR_FEATURES = tuple(
    INDEX[n] for n in FEATURES if n.startswith(("emb_", "z_emb", "rank_emb", "vocab_", "gap_emb", "gap_lead"))
)


def reads_english(lang: str | None) -> bool:
    """Whether a document of ``lang`` is read as English (an undetected language is): its word
    vectors apply, and the English models score it."""
    return lang in (None, "en")


@dataclass
class DocFeatures:
    """The units of one document, their feature rows and what explains them."""

    units: list[Unit]
    matrix: np.ndarray  # (len(units), len(FEATURES))
    # Names of a unit seen nowhere else: (unit, vocabulary column) pairs, sorted.
    unseen: np.ndarray  # (pairs, 2)
    surface: Callable[[], list[str]]  # a written form of each word of the vocabulary
    languages: list[str | None]
    styles: list[list[str]]
    lang: str | None
    # Names of a unit found only in one other atom past the lead: (unit, column) pairs, sorted.
    weak: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.intp))

    @property
    def vectors_apply(self) -> bool:
        """The word vectors are English; for other languages the model ignores them."""
        return reads_english(self.lang)

    def unseen_entities(self, unit: int) -> list[str]:
        """The names of ``unit`` seen nowhere else in the document."""
        return self._names(self.unseen, unit)

    def weak_entities(self, unit: int) -> list[str]:
        """The names of ``unit`` found only in one other passage (past the lead)."""
        return self._names(self.weak, unit)

    def _names(self, pairs: np.ndarray, unit: int) -> list[str]:
        surface = self.surface()
        low, high = np.searchsorted(pairs[:, 0], (unit, unit + 1))
        return [surface[k] for k in pairs[low:high, 1]]


def _isin(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is one of ``wanted`` (sorted): ``np.isin``, without its set-up cost."""
    if not len(wanted):
        return np.zeros(len(values), dtype=bool)
    return np.asarray(wanted[np.minimum(np.searchsorted(wanted, values), len(wanted) - 1)] == values)


def _divide(num: np.ndarray, den: np.ndarray, default: float | np.ndarray) -> np.ndarray:
    """``num / den``, and ``default`` (a number, or one a row) where ``den`` is not positive."""
    out = np.empty(num.shape)
    out[...] = default
    np.divide(num, den, out=out, where=den > 0)
    return out


@dataclass
class _Tokens:
    """Per-atom token statistics of one document.

    Counts are kept as (atom, column) pairs with a nonzero count, sorted, never
    as atoms x vocabulary matrices: their size grows with the text, not with its square.
    """

    stems: np.ndarray  # the document vocabulary V: ids of the stems of its topic words
    pairs: np.ndarray  # (pairs, 2) sorted (atom, stem column) pairs of the topic words
    counts: np.ndarray  # (pairs,) topic words of each pair
    entities: np.ndarray  # (pairs,) capitalised mid-sentence occurrences of each pair
    numbers: np.ndarray  # (numbers, 2) the atom and id of each number token
    vectors: np.ndarray  # (atoms, dim) rarity-weighted word-vector sums
    weights: np.ndarray  # (V,) rarity weight of each stem
    # (atoms + 1, 4 + languages) counts of the tokens before each atom (and of all, last): topic
    # words that have a vector, words, capitalised words, function words, hits by language.
    running: np.ndarray
    found: list[str]  # every token in order
    topic_at: np.ndarray  # the places of the topic words among them
    word_stems: np.ndarray  # the stem (column) of each topic word
    word_names: np.ndarray  # whether each topic word is a name (capitalised mid-sentence)

    @cached_property
    def surface(self) -> list[str]:
        """A written form of each stem: its first capitalised one, else its first
        (only explanations need it: computed when first asked for)."""
        out = [""] * len(self.stems)
        words = [self.found[i] for i in self.topic_at.tolist()]
        for word, stem, name in zip(words, self.word_stems.tolist(), self.word_names.tolist(), strict=True):
            if not out[stem] or (name and not out[stem][0].isupper()):
                out[stem] = word
        return out


# What a token is: a number, a function word, too short to count, or a topic word.
_NUMBER, _FUNCTION, _SHORT, _TOPIC = range(4)
_CACHE_LIMIT = 200_000
_NO_LANGUAGE = (0,) * len(LANGUAGES)
_FACTS = 3 + 4 + len(LANGUAGES)  # see _token_facts


def _token_facts(token: str, wv: WordVectors) -> tuple[int, ...]:
    """What one token is: its kind, the id of its stem or number, its vector row, then what it
    counts for in its atom: a topic word with a vector, a word, capitalised, a function word,
    a function word of each language.

    Ids are given once per process (in ``wv.tokens.ids``), so that documents
    and titles share them.
    """
    ids = wv.tokens.ids
    lower = token.lower()
    if token[0].isdigit():
        return (_NUMBER, ids.setdefault("#" + token, len(ids)), wv.unknown, 0, 1, 0, 0, *_NO_LANGUAGE)
    of = LANGUAGES_OF.get(lower, ())
    languages = tuple(int(k in of) for k in range(len(LANGUAGES)))
    capital = int(token[0].isupper())
    if lower in STOPWORDS:
        return (_FUNCTION, -1, wv.unknown, 0, 1, capital, 1, *languages)
    if len(lower) < 2:
        return (_SHORT, -1, wv.unknown, 0, 1, capital, 0, *languages)
    stem = ids.setdefault(lower[:_STEM_LENGTH], len(ids))
    row = wv.index.get(lower, wv.unknown)
    return (_TOPIC, stem, row, int(row != wv.unknown), 1, capital, 0, *languages)


def _facts(tokens: list[str], wv: WordVectors) -> np.ndarray:
    """The facts of each token (see :func:`_token_facts`), from the table of the tokens met before."""
    table = wv.tokens
    if not tokens:
        return np.zeros((0, _FACTS), dtype=np.intp)
    try:
        rows = np.fromiter(map(table.rows.__getitem__, tokens), np.intp, len(tokens))
    except KeyError:  # tokens never met: learn them, in order of appearance
        for token in tokens:
            if token not in table.rows:
                table.add(token, _token_facts(token, wv))
        rows = np.fromiter(map(table.rows.__getitem__, tokens), np.intp, len(tokens))
    return table.array[rows]


def _runs(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sums of consecutive runs of rows of ``values`` of the given ``lengths`` (zeros for an empty run).

    For floats; counts are summed faster as differences of running totals (see :meth:`_Layout.counts`).
    """
    out = np.zeros((len(lengths), *values.shape[1:]))
    filled = lengths > 0
    if len(values):
        out[filled] = np.add.reduceat(values, (np.cumsum(lengths) - lengths)[filled], axis=0)
    return out


def _columns(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``ids`` in order of first appearance, the column (index among them) of each,
    and where each first appears."""
    distinct, firsts, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(firsts)  # the distinct ids, in order of first appearance
    column_of = np.empty(len(order), dtype=np.intp)
    column_of[order] = np.arange(len(order))
    return distinct[order], column_of[inverse], firsts[order]


def _pairs(row: np.ndarray, column: np.ndarray, weights: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Distinct (row, column) pairs, sorted, as a (pairs, 2) array; the index of each input's
    pair; and the sum of each of ``weights`` over each pair."""
    width = int(column.max()) + 1 if len(column) else 1
    keys = row * width + column
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = np.empty(len(keys), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(len(keys), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    distinct = ordered[new]
    pairs = np.empty((len(distinct), 2), dtype=np.intp)
    np.divmod(distinct, width, out=(pairs[:, 0], pairs[:, 1]))
    return (pairs, inverse, *(np.bincount(inverse, w, len(distinct)) for w in weights))


@dataclass
class _UnitPairs:
    """The (unit, column) pairs of a document with a nonzero count.

    The first ``len(paragraphs)`` pairs are those of the paragraph units, the
    rest those of the sentence units.
    """

    unit: np.ndarray
    column: np.ndarray
    source: np.ndarray  # the paragraph of a paragraph unit's pair, the atom of a sentence unit's
    sums: list[np.ndarray]  # each weight summed over the unit
    para_sum: np.ndarray  # the first weight summed over the unit's paragraph
    paragraphs: np.ndarray  # (pairs, 2) the sorted (paragraph, column) pairs


class _Layout:
    """Where units lie among atoms: a paragraph unit is the sum of its atoms, a sentence unit one atom."""

    def __init__(self, units: list[Unit], para_sizes: list[int]) -> None:
        n = len(units)
        self.n_units = n
        starts, ends, para_of, is_sentence = zip(*units, strict=True)
        self.unit_bounds = np.array(starts, dtype=np.intp), np.array(ends, dtype=np.intp)
        self.para_of = np.array(para_of, dtype=np.intp)
        self.is_sentence = np.array(is_sentence, dtype=bool)
        self.para_units = np.flatnonzero(~self.is_sentence)
        self.para_sizes = np.asarray(para_sizes, dtype=np.intp)
        self.para_first = np.cumsum(self.para_sizes) - self.para_sizes  # the first atom of each paragraph
        self.atom_para = np.repeat(np.arange(len(para_sizes)), self.para_sizes)
        # Sentence units come in the order of their atoms, the atoms of paragraphs with several.
        self.sent_units = np.flatnonzero(self.is_sentence)
        self.sent_atoms = np.flatnonzero(self.para_sizes[self.atom_para] > 1)
        self.atom_sentence = np.full(len(self.atom_para), -1, dtype=np.intp)
        self.atom_sentence[self.sent_atoms] = self.sent_units
        # The atoms of each unit: unit_first to unit_stop (excluded).
        self.unit_first = np.empty(n, dtype=np.intp)
        self.unit_first[self.para_units] = self.para_first
        self.unit_first[self.sent_units] = self.sent_atoms
        self.unit_stop = self.unit_first + 1
        self.unit_stop[self.para_units] += self.para_sizes - 1
        # Whether each atom has another before it, and after it, in its paragraph.
        self.has_previous = np.ones(len(self.atom_para), dtype=bool)
        self.has_previous[self.para_first] = False
        self.has_next = np.ones(len(self.atom_para), dtype=bool)
        self.has_next[self.para_first + self.para_sizes - 1] = False

    def per_unit(self, per_atom: np.ndarray) -> np.ndarray:
        """Rows of ``per_atom`` summed over the atoms of each unit (as ``np.add.reduceat`` sums them)."""
        out = np.empty((self.n_units, *per_atom.shape[1:]))
        out[self.para_units] = np.add.reduceat(per_atom, self.para_first, axis=0)  # a paragraph has atoms
        out[self.sent_units] = per_atom[self.sent_atoms]
        return out

    def counts(self, running: np.ndarray) -> np.ndarray:
        """Integer counts summed over the atoms of each unit, as floats, from their running totals
        (``running[a]``: the counts of the atoms before atom ``a``): exact, and much faster than a
        sum of rows per unit."""
        return np.asarray(running[self.unit_stop] - running[self.unit_first], dtype=float)

    def unit_pairs(self, pairs: np.ndarray, weights: Sequence[np.ndarray]) -> _UnitPairs:
        """The (unit, column) pairs of the (atom, column) ``pairs``, with ``weights`` summed."""
        atom, column = pairs[:, 0], pairs[:, 1]
        paragraphs, inverse, *para_sums = _pairs(self.atom_para[atom], column, weights)
        inside = self.atom_sentence[atom] >= 0
        return _UnitPairs(
            np.concatenate((self.para_units[paragraphs[:, 0]], self.atom_sentence[atom[inside]])),
            np.concatenate((paragraphs[:, 1], column[inside])),
            np.concatenate((paragraphs[:, 0], atom[inside])),
            [np.concatenate((s, w[inside])) for s, w in zip(para_sums, weights, strict=True)],
            np.concatenate((para_sums[0], para_sums[0][inverse[inside]])),
            paragraphs,
        )


def _find_tokens(text: str) -> list[str]:
    """The words and numbers of ``text``."""
    return (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)


def _tokenise(text: str, atoms: list[tuple[int, int]], wv: WordVectors) -> _Tokens:
    """Token statistics of each atom, computed over token arrays (what a token is comes from a table)."""
    per_atom = [_find_tokens(text[start:end]) for start, end in atoms]
    n = len(atoms)
    lengths = np.fromiter(map(len, per_atom), np.intp, n)
    found = list(chain.from_iterable(per_atom))
    facts = _facts(found, wv)
    kinds, ids, rows, capitals = facts[:, 0], facts[:, 1], facts[:, 2], facts[:, 5]
    atom_of = np.repeat(np.arange(n), lengths)

    topic_at = np.flatnonzero(kinds == _TOPIC)
    # Stems numbered in order of first appearance; where each first appears.
    stems, t_stem, first_of_stem = _columns(ids[topic_at])
    t_atom, t_row = atom_of[topic_at], rows[topic_at]
    # A name: a capitalised word that is not the first token of its atom.
    entity = capitals[topic_at].astype(bool) & (topic_at != (np.cumsum(lengths) - lengths)[t_atom])
    pairs, _, counts, entities = _pairs(t_atom, t_stem, (np.ones(len(t_atom)), entity))
    number = kinds == _NUMBER
    has_vector = t_row != wv.unknown
    # Counts of the tokens before each atom: topic words with a vector, words, capitalised words,
    # function words, hits by language.
    running = np.zeros((len(found) + 1, _FACTS - 3), dtype=np.intp)
    np.cumsum(facts[:, 3:], axis=0, out=running[1:])
    vectors = _runs(wv.weighted[t_row[has_vector]], np.bincount(t_atom[has_vector], minlength=n))
    return _Tokens(
        stems,
        pairs,
        counts,
        entities,
        np.stack((atom_of[number], ids[number]), axis=1),
        vectors,
        # Each stem weighs as much as the first word that brought it in.
        wv.weights[t_row[first_of_stem]].astype(float),
        running[np.concatenate(([0], np.cumsum(lengths)))],
        found,
        topic_at,
        t_stem,
        entity,
    )


def _title_terms(title: str, wv: WordVectors) -> tuple[np.ndarray, np.ndarray]:
    """The stem ids of the title's topic words and the sum of their weighted word vectors."""
    kinds, ids, rows = _facts(_find_tokens(title), wv)[:, :3].T
    rows = rows[(kinds == _TOPIC) & (rows != wv.unknown)]
    return ids[kinds == _TOPIC], np.add.reduce(wv.weighted[rows], axis=0)


@lru_cache(maxsize=4096)
def _non_latin_letter(char: str) -> bool:
    return _NON_LATIN.match(char) is not None


def _has_non_latin(text: str) -> bool:
    """Whether ``text`` has a letter of another script than Latin (each distinct non-ASCII
    character checked once, a regular expression dropping the ASCII ones at C speed)."""
    return not text.isascii() and any(map(_non_latin_letter, set(_ASCII_RUN.sub("", text))))


def _mostly_latin(text: str) -> bool:
    """Whether most letters of ``text`` are Latin (true for a text without letters)."""
    return len(_NON_LATIN.findall(text)) < 0.5 * len(_LETTER.findall(text))


def _is_latin(text: str) -> bool:
    """:func:`_mostly_latin`, quicker for a text with no letter of another script."""
    return not _has_non_latin(text) or _mostly_latin(text)


def _languages(
    text: str, units: list[Unit], hits: np.ndarray, words: np.ndarray, doc_lang: str | None
) -> list[str | None]:
    """Each unit's language when it looks foreign (else None); langdetect is asked only then.

    A unit of four words or more looks foreign when its script differs from
    the document's (checked only in a document with some non-Latin letters)
    or when it has function words of another language and few of the
    document's own.
    """
    out: list[str | None] = [None] * len(units)
    suspicious = np.zeros(len(units), dtype=bool)
    if doc_lang in FUNCTION_WORDS:
        suspicious = (hits[:, LANGUAGES.index(doc_lang)] < 2) & (hits.max(axis=1) >= 3)
    if _has_non_latin(text):
        doc_latin = _mostly_latin(text)
        suspicious |= [_is_latin(text[u.start : u.end]) != doc_latin for u in units]
    found: dict[str, str | None] = {}  # a page may repeat a line: ask once
    for i in np.flatnonzero(suspicious & (words >= 4)):
        piece = text[units[i].start : units[i].end]
        if piece not in found:
            found[piece] = _foreign_language(piece, doc_lang)
        out[i] = found[piece]
    return out


def _foreign_language(piece: str, doc_lang: str | None) -> str | None:
    """The language langdetect gives ``piece`` when it is sure of it and it is not ``doc_lang``."""
    try:
        best = detect_langs(piece)[0]
    except LangDetectException:
        return None
    return str(best.lang) if best.lang != doc_lang and best.prob > 0.8 else None


def _style_marks(text: str) -> list[tuple[int, int]]:
    """(start, kind) of the typographic marks of ``text``, left to right, none overlapping another.

    An apostrophe counts only between two letters, and the match starts at the
    letter before it (the same as a regular expression with those six
    alternatives, found with a plain string search for the marks, many times faster).
    """
    out: list[tuple[int, int]] = []
    free = 0  # where the last mark ends
    letter = _LETTER.match
    for match in _MARKS.finditer(text):
        start, end, kind = match.start(), match.end(), _MARK_KINDS[match.group()]
        if kind in _APOSTROPHES:
            start, end = start - 1, end + 1
            if start < free or end > len(text) or not letter(text, start) or not letter(text, end - 1):
                continue
        elif start < free:
            continue
        out.append((start, kind))
        free = end
    return out


def _quoted_share(text: str, layout: _Layout) -> np.ndarray:
    """The share of each unit's characters inside quotation marks."""
    # Quoted stretches never overlap: +1 where one starts, -1 where it ends, summed twice, give
    # the quoted characters before each offset.
    edges = np.zeros(len(text) + 1, dtype=np.intp)
    for m in _QUOTED.finditer(text):
        edges[m.start()] += 1
        edges[m.end()] -= 1
    inside = np.zeros(len(text) + 1, dtype=np.intp)
    np.cumsum(np.cumsum(edges[:-1]), out=inside[1:])
    starts, ends = layout.unit_bounds
    return np.asarray((inside[ends] - inside[starts]) / np.maximum(ends - starts, 1))


def _styles(text: str, atoms: list[tuple[int, int]], layout: _Layout) -> list[list[str]]:
    """Per unit, the typographic habits it shows that the rest of the document never does
    (while showing their rival at least twice)."""
    marks = _style_marks(text)
    totals = Counter(kind for _, kind in marks)
    habit_rival = [(totals[k], totals[k + 1]) for k in range(1, 2 * len(_STYLES), 2)]
    if not any(min(pair) >= 1 and max(pair) >= 2 for pair in habit_rival):
        return [[] for _ in range(layout.n_units)]  # no habit clashes with its rival anywhere
    width = 2 * len(_STYLES)
    where, group = np.asarray(marks, dtype=np.intp).T
    starts, ends = np.asarray(atoms).T
    atom = np.searchsorted(starts, where, side="right") - 1
    inside = (atom >= 0) & (where < ends[np.maximum(atom, 0)])
    cells = np.bincount(atom[inside] * width + group[inside] - 1, minlength=len(atoms) * width)
    running = np.zeros((len(atoms) + 1, width), dtype=np.intp)
    np.cumsum(cells.reshape(len(atoms), width), axis=0, out=running[1:])
    own = layout.counts(running)
    rest = running[-1] - own
    habit, rival = own[:, 0::2] > 0, own[:, 1::2] > 0
    rest_habit, rest_rival = rest[:, 0::2], rest[:, 1::2]
    shows_habit = habit & (rest_rival >= 2) & (rest_habit <= 0)
    shows_rival = ~shows_habit & rival & (rest_habit >= 2) & (rest_rival <= 0)
    out: list[list[str]] = [[] for _ in range(layout.n_units)]
    for i, k in zip(*np.nonzero(shows_habit | shows_rival), strict=True):
        out[i].append(_STYLES[k][0] if shows_habit[i, k] else _STYLES[k][1])
    return out


def _shape(text: str, units: list[Unit], layout: _Layout, f: dict[str, np.ndarray]) -> None:
    """The shape columns: how a unit starts and ends, its quotes, its place in its paragraph."""
    n = len(units)
    end_punct, cut_end, function_end, starts_lower, starts_quote, odd_quotes = ([False] * n for _ in range(6))
    count = text.count
    for i, (start, end, _, _) in enumerate(units):
        last, first = text[end - 1], text[start]
        end_punct[i] = last in _END_PUNCT
        if last.isalnum():
            last_word = text[start:end].rsplit(None, 1)[-1]
            cut_end[i] = last_word[0].islower()
            function_end[i] = last_word.lower() in STOPWORDS
        starts_lower[i] = first.islower()
        starts_quote[i] = first in _OPEN_QUOTES
        odd_quotes[i] = count('"', start, end) % 2 == 1 or count("“", start, end) != count("”", start, end)
    f["end_punct"][:] = end_punct
    f["cut_end"][:] = cut_end
    f["ends_function_word"][:] = function_end
    f["starts_lower"][:] = starts_lower
    f["starts_quote"][:] = starts_quote
    f["odd_quotes"][:] = odd_quotes
    f["sent_first"][layout.sent_units] = ~layout.has_previous[layout.sent_atoms]
    f["sent_last"][layout.sent_units] = ~layout.has_next[layout.sent_atoms]


# Features given as z-scores and ranks among the document's units of one kind.
_ZSCORED = (
    ("seen_frac", "z_seen"),
    ("cos_rest", "z_cos"),
    ("spread", "z_spread"),
    ("emb_rest", "z_emb"),
    ("seen_out", "z_seen_out"),
    ("emb_out", "z_emb_out"),
)
_RANKED = (("seen_frac", "rank_seen"), ("emb_rest", "rank_emb"))
_GAPS = (("seen_out", "gap_seen"), ("emb_out", "gap_emb"), ("emb_lead", "gap_lead"))


_Z_SOURCES = np.asarray([INDEX[s] for s, _ in _ZSCORED])
_Z_TARGETS = np.asarray([INDEX[t] for _, t in _ZSCORED])
_RANK_SOURCES = np.asarray([INDEX[s] for s, _ in _RANKED])
_RANK_TARGETS = np.asarray([INDEX[t] for _, t in _RANKED])


def _within_kind(rows: np.ndarray, is_sentence: np.ndarray) -> None:
    """Fill the z-score and rank columns, each unit against the document's units of its kind."""
    by_kind = np.argsort(is_sentence, kind="stable")[:, None]  # paragraphs, then sentences, in order
    n_paras = len(is_sentence) - int(is_sentence.sum())
    zscores, ranks = rows[by_kind, _Z_SOURCES], rows[by_kind, _RANK_SOURCES]
    for kind, part in enumerate((slice(0, n_paras), slice(n_paras, len(is_sentence)))):
        size = part.stop - part.start
        if size < 2:
            zscores[part], ranks[part] = 0.0, 0.5
            continue
        centred = zscores[part] - zscores[part].sum(axis=0) / size  # the mean, as np.mean takes it
        zscores[part] = centred / (np.sqrt((centred**2).sum(axis=0) / size) + 0.05)
        # Sentences are ranked on their values plus 4 (values lie in [-1, 1]), as in one sort of all units.
        order = np.argsort(ranks[part] + 4.0 * kind, axis=0, kind="stable")
        ranks[part][order, np.arange(len(_RANKED))] = np.arange(size, dtype=float)[:, None] / (size - 1)
    rows[by_kind, _Z_TARGETS] = zscores
    rows[by_kind, _RANK_TARGETS] = ranks


def compute(text: str, title: str | None, lang: str | None, wv: WordVectors | None = None) -> DocFeatures:
    """Units of ``text`` (removed ranges already blanked) and their feature rows."""
    wv = wv or default_vectors()
    if len(wv.tokens.rows) > _CACHE_LIMIT:
        wv.tokens.clear()  # between documents, never between a document and its title
    return _compute(text, title, lang, wv)


def _lonely_numbers(numbers: np.ndarray, layout: _Layout) -> np.ndarray:
    """Per unit, how many distinct numbers it holds that no other paragraph holds
    (numbers are few: plain sets)."""
    out = np.zeros(layout.n_units)
    if not len(numbers):
        return out
    ids = numbers[:, 1].tolist()
    paras = layout.atom_para[numbers[:, 0]]
    holders: dict[int, set[int]] = {}
    for para, number in zip(paras.tolist(), ids, strict=True):
        holders.setdefault(number, set()).add(para)
    held: set[tuple[int, int]] = set()
    para_units = layout.para_units[paras].tolist()
    sentences = layout.atom_sentence[numbers[:, 0]].tolist()
    for para_unit, sentence, number in zip(para_units, sentences, ids, strict=True):
        if len(holders[number]) <= 1:
            held.add((para_unit, number))
            if sentence >= 0:
                held.add((sentence, number))
    if held:
        out += np.bincount([unit for unit, _ in held], minlength=layout.n_units)
    return out


def _neighbour_pairs(layout: _Layout, pairs: _UnitPairs, atom_pairs: np.ndarray) -> np.ndarray:
    """Whether the stem of each (unit, stem) pair is also in one of the unit's neighbours: an
    adjacent paragraph for a paragraph, an adjacent sentence of its paragraph for a sentence."""
    if not len(pairs.unit):
        return np.zeros(0, dtype=bool)
    in_paras = len(pairs.paragraphs)
    width = int(pairs.column.max()) + 1
    # One sorted key space: (paragraph, stem) pairs, then (atom, stem) pairs past a gap.
    offset = len(layout.para_sizes) + 2
    keys = np.concatenate(
        (
            pairs.paragraphs[:, 0] * width + pairs.paragraphs[:, 1],
            (atom_pairs[:, 0] + offset) * width + atom_pairs[:, 1],
        )
    )
    row = pairs.source.copy()
    row[in_paras:] += offset
    wanted = np.concatenate(((row - 1) * width + pairs.column, (row + 1) * width + pairs.column))
    found = _isin(wanted, keys).reshape(2, -1)
    atom = pairs.source[in_paras:]
    found[0, in_paras:] &= layout.has_previous[atom]
    found[1, in_paras:] &= layout.has_next[atom]
    return np.asarray(found[0] | found[1])


def _partners(
    tokens: _Tokens,
    layout: _Layout,
    pairs: _UnitPairs,
    df_atoms: np.ndarray,
    weak_names: np.ndarray,
    lead_first: np.ndarray,
    lead_set: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """How novel the least rooted other atom is that shares a weak name with each unit
    (1 - its share of strong words; 0 when there is none), and the sorted (unit, column)
    pairs of the weak names (``weak_names``: whether each of ``pairs`` is one)."""
    if not weak_names.any():
        return np.zeros(layout.n_units), np.zeros((0, 2), dtype=np.intp)
    # Each atom's own rooting, against the lead of its paragraph.
    atom, a_stem = tokens.pairs[:, 0], tokens.pairs[:, 1]
    n_atoms = len(layout.atom_para)
    a_lead = np.where(layout.atom_para[atom] == 0, lead_first[a_stem], lead_set[a_stem])
    a_strong = (df_atoms[a_stem] >= 3) | a_lead
    atom_rooted = _divide(np.bincount(atom, a_strong, n_atoms), np.bincount(atom, minlength=n_atoms), 1.0)
    # The other atom holding each weak name: among all the holders of its stem (each name
    # repeated once per holder), the one outside the unit.
    w_unit, w_stem, w_source = pairs.unit[weak_names], pairs.column[weak_names], pairs.source[weak_names]
    holders = df_atoms[w_stem]
    name = np.repeat(np.arange(len(w_unit)), holders)
    rank = np.arange(len(name)) - np.repeat(np.cumsum(holders) - holders, holders)
    by_stem = np.argsort(a_stem, kind="stable")
    holder = atom[by_stem[(np.cumsum(df_atoms) - df_atoms)[w_stem][name] + rank]]
    outside = np.where(
        layout.is_sentence[w_unit][name], holder != w_source[name], layout.atom_para[holder] != w_source[name]
    )
    partner_rooted = np.ones(len(w_unit))
    partner_rooted[name[outside]] = atom_rooted[holder[outside]]
    least = np.ones(layout.n_units)
    np.minimum.at(least, w_unit, partner_rooted)
    order = np.lexsort((w_stem, w_unit))
    return 1.0 - least, np.stack((w_unit[order], w_stem[order]), axis=1)


def _compute(text: str, title: str | None, lang: str | None, wv: WordVectors) -> DocFeatures:
    paras, units, atoms, para_sizes = split_units(text)
    n_units, n_paras = len(units), len(paras)
    if not units:
        empty = np.zeros((0, len(FEATURES)))
        return DocFeatures([], empty, np.zeros((0, 2), dtype=np.intp), list, [], [], lang)
    columns = np.zeros((len(FEATURES), n_units))  # filled a feature at a time, then transposed
    f = dict(zip(FEATURES, columns, strict=True))  # column views

    tokens = _tokenise(text, atoms, wv)
    layout = _Layout(units, para_sizes)
    para_of, is_sentence, para_units = layout.para_of, layout.is_sentence, layout.para_units
    vocab = len(tokens.stems)
    first = para_of == 0

    # Title and lead. Units of the first paragraph compare with the title, else the second paragraph.
    title_present = np.zeros(vocab, dtype=bool)
    title_vec = np.zeros(wv.weighted.shape[1])
    if title:
        title_stems, title_vec = _title_terms(title, wv)
        title_present[:] = _isin(tokens.stems, np.sort(title_stems))
    unit_vecs = layout.per_unit(tokens.vectors)
    counted = layout.counts(tokens.running)  # topic words with a vector, words, capitals, ...
    para_vecs = unit_vecs[para_units]
    lead_vecs = np.empty((n_units, len(title_vec)))
    lead_vecs[~first] = title_vec + para_vecs[0]
    pairs = layout.unit_pairs(tokens.pairs, (tokens.counts, tokens.entities, np.ones(len(tokens.pairs))))

    def in_paragraph(index: int) -> np.ndarray:
        out = np.zeros(vocab, dtype=bool)
        out[pairs.paragraphs[pairs.paragraphs[:, 0] == index, 1]] = True
        return out

    if title is not None:
        lead_first, lead_vecs[first] = title_present, title_vec
    elif n_paras > 1:
        lead_first, lead_vecs[first] = in_paragraph(1), para_vecs[1]
    else:
        lead_first, lead_vecs[first] = in_paragraph(0), para_vecs[0]

    # Every "share of its topic words that ..." is a sum over the unit's (unit, stem) pairs.
    unit, stem = pairs.unit, pairs.column
    (counts, entity_counts, atoms_held), own_para = pairs.sums, pairs.para_sum
    in_paras = len(pairs.paragraphs)
    total = np.bincount(stem[:in_paras], counts[:in_paras], vocab)
    rest = total[stem] - counts
    outside = total[stem] - own_para
    seen = rest > 0
    weights = tokens.weights[stem]
    entities = entity_counts > 0
    unseen = entities & ~seen
    # Paragraphs holding each stem, outside a unit's own paragraph (which holds all its stems).
    df_outside = np.bincount(stem[:in_paras], minlength=vocab)[stem] - 1
    lead_set = title_present | in_paragraph(0)
    in_lead = np.where(first[unit], lead_first[stem], lead_set[stem])
    # Rooting: a word is strong when found in the lead or in two other atoms at least, weak when
    # found in one other atom only, past the lead (two spliced sentences of one donor share
    # words with each other and with nothing else).
    df_atoms = np.bincount(tokens.pairs[:, 1], minlength=vocab)
    elsewhere = df_atoms[stem] - atoms_held  # atoms outside the unit that hold the stem
    weak = (elsewhere == 1) & ~in_lead
    weak_names = weak & entities
    # (np.array: the same as np.stack for arrays of one shape, without its checks, a lot cheaper here)
    per_pair = np.array(
        (
            seen,
            outside > 0,
            in_lead,
            _neighbour_pairs(layout, pairs, tokens.pairs),
            own_para - counts > 0,
            (elsewhere >= 2) | in_lead,
            weak,
            weak_names,
            counts * seen,
            weights * seen,
            weights,
            # Square-root term frequencies: a vector's squared norm is its token count.
            np.sqrt(counts) * np.sqrt(rest),
            counts,
            np.log1p(df_outside),
            entities,
            unseen,
            entities & (outside <= 0),
            np.ones(len(unit)),
        ),
        dtype=float,
    )
    # One sum per unit and row: each sum adds its pairs in the same order as a bincount of its own.
    bins = (unit + n_units * np.arange(len(per_pair))[:, None]).ravel()
    sums = np.bincount(bins, per_pair.ravel(), n_units * len(per_pair)).reshape(len(per_pair), n_units)
    seen_tok, seen_w, weight, dots, n_tokens, spread, n_entities, n_unseen, unseen_out, types = sums[8:]
    # Shares and rates: a numerator over a denominator, or a default where that is 0 (one division).
    ratios = (
        ("seen_frac", sums[0], types, 1.0),
        ("seen_out", sums[1], types, 1.0),
        ("lead_frac", sums[2], types, 1.0),
        ("nb_frac", sums[3], types, 1.0),
        ("para_frac", sums[4], types, 1.0),
        ("seen_strong", sums[5], types, 1.0),
        ("seen_weak", sums[6], types, 0.0),
        ("seen_tok_frac", seen_tok, n_tokens, 1.0),
        ("seen_weighted", seen_w, weight, 1.0),
        ("cos_rest", dots, np.sqrt(n_tokens * (total.sum() - n_tokens)), 0.0),
        ("spread", spread, types, 0.0),
        ("ent_unseen_frac", n_unseen, n_entities, 0.0),
        ("ent_unseen_rate", unseen_out, types, 0.0),
        ("vocab_cover", counted[:, 0], n_tokens, 0.0),
    )
    names, numerators, denominators, defaults = zip(*ratios, strict=True)
    columns[[INDEX[name] for name in names]] = _divide(
        np.array(numerators), np.array(denominators), np.array(defaults)[:, None]
    )
    f["para_frac"][~is_sentence] = 0.0
    f["ent_unseen"][:] = np.log1p(n_unseen)
    f["ent_seen"][:] = np.log1p(n_entities - n_unseen)
    f["ent_unseen_out"][:] = np.log1p(unseen_out)
    f["ent_weak"][:] = np.log1p(sums[7])
    f["num_unseen"][:] = np.log1p(_lonely_numbers(tokens.numbers, layout))
    f["pair_novel"][:], weak_pairs = _partners(
        tokens, layout, pairs, df_atoms, weak_names, lead_first, lead_set
    )

    # Word vectors: neighbours are a paragraph's adjacent paragraphs, a sentence's adjacent
    # sentences in its paragraph.
    padded = np.zeros((n_paras + 2, len(title_vec)))
    padded[1:-1] = para_vecs
    nb_vecs = np.zeros_like(unit_vecs)
    nb_vecs[para_units] = padded[:-2] + padded[2:]
    sent_units, sent_atoms = layout.sent_units, layout.sent_atoms
    for step, has in ((-1, layout.has_previous), (1, layout.has_next)):
        ok = has[sent_atoms]
        nb_vecs[sent_units[ok]] += tokens.vectors[sent_atoms[ok] + step]
    total_vec = para_vecs.sum(axis=0)
    own_para_vecs = para_vecs[para_of]
    # Cosines of each unit's vector with its lead, rest, outside, neighbours and rest of paragraph.
    others = np.array(
        (lead_vecs, total_vec - unit_vecs, total_vec - own_para_vecs, nb_vecs, own_para_vecs - unit_vecs)
    )
    # Euclidean norms, as np.linalg.norm takes them.
    norms = np.sqrt(np.add.reduce(others * others, axis=2)) * np.sqrt(
        np.add.reduce(unit_vecs * unit_vecs, axis=1)
    )
    cosines = _divide(np.einsum("kij,ij->ki", others, unit_vecs), norms, 0.0)
    f["emb_lead"][:], f["emb_rest"][:], f["emb_out"][:], f["emb_nb"][:] = cosines[:4]
    f["emb_para"][:] = np.where(is_sentence, cosines[4], 0)

    per_unit_atoms = counted[:, 1:]  # words, capitals, function words, language hits
    words = per_unit_atoms[:, 0]
    f["log_words"][:] = np.log1p(words)
    f["log_content"][:] = np.log1p(n_tokens)
    f["no_content"][:] = types == 0
    f["title_case"][:] = _divide(per_unit_atoms[:, 1], words, 0.0)
    function_share = _divide(per_unit_atoms[:, 2], words, 0.0)
    unit_hits = per_unit_atoms[:, 3:]
    f["rel_pos"][:] = para_of / max(1, n_paras - 1)
    f["is_first"][:] = first
    f["is_last"][:] = para_of == n_paras - 1
    f["log_paras"][:] = np.log1p(n_paras)

    doc_lang = lang.split("-")[0].lower() if lang else guess_language(unit_hits[para_units].sum(axis=0))
    languages = _languages(text, units, unit_hits, words, doc_lang)
    f["foreign"][:] = [unit_lang is not None for unit_lang in languages]
    styles = _styles(text, atoms, layout)
    f["style_clash"][:] = [len(clashes) for clashes in styles]
    _shape(text, units, layout, f)
    no_end = 1.0 - f["end_punct"]
    f["prose_no_end"][:] = function_share * no_end
    f["long_no_end"][:] = f["log_words"] * no_end
    padded = np.zeros((4, n_paras + 2))
    padded[:3, 1:-1] = no_end[para_units], f["log_words"][para_units], _quoted_share(text, layout)[para_units]
    padded[3, 1:-1] = 1.0
    beside = padded[:, para_of] + padded[:, para_of + 2]
    f["nb_no_end"][:], f["nb_words"][:], f["nb_quoted"][:] = _divide(beside[:3], beside[3], 0.0)
    # A spliced sentence is an outlier in its own paragraph: compare with its siblings.
    sent_idx = layout.sent_units
    if len(sent_idx):
        sent_para = para_of[sent_idx]
        siblings = np.bincount(sent_para, minlength=n_paras)[sent_para] - 1.0
        for source_name, target in _GAPS:
            values = f[source_name][sent_idx]
            others_mean = _divide(np.bincount(sent_para, values, n_paras)[sent_para] - values, siblings, 0.0)
            f[target][sent_idx] = others_mean - values
            if source_name == "seen_out":
                f["para_seen"][sent_idx] = others_mean
    rows = np.ascontiguousarray(columns.T)
    _within_kind(rows, is_sentence)
    order = np.lexsort((stem[unseen], unit[unseen]))
    unseen_pairs = np.stack((unit[unseen][order], stem[unseen][order]), axis=1)

    def surface() -> list[str]:  # read only when a unit is explained
        return tokens.surface

    return DocFeatures(units, rows, unseen_pairs, surface, languages, styles, doc_lang, weak_pairs)
