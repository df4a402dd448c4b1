"""Features that say "this passage does not belong here", computed against the document itself.

Every feature compares a unit (a paragraph, or a sentence of a longer
paragraph) with the rest of its own document: word overlap with the rest, the
lead and the neighbours, names never seen elsewhere, how widespread its words
are in other paragraphs, closeness of its general word vectors to theirs, the
same figures as z-scores and ranks within the document, plus the unit's shape
(a cut-off headline), position, language and typography. No feature names a
word or a topic, so the model carries over to other sites and subjects.

The text is tokenised once; every figure comes from small per-document count
matrices (atoms x document vocabulary), where an atom is a sentence of a
paragraph and a unit is a sum of atoms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import regex
from langdetect import DetectorFactory, LangDetectException, detect_langs

from cleaner.offtopic.lexicon import FUNCTION_WORDS, LANGUAGES, LANGUAGES_OF, STOPWORDS, guess_language
from cleaner.offtopic.text import Unit, paragraphs, sentences
from cleaner.offtopic.vectors import WordVectors, default_vectors

DetectorFactory.seed = 0

_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
_NON_LATIN = regex.compile(r"[\p{L}--\p{Latin}]", regex.VERSION1)
_LETTER = regex.compile(r"\p{L}")
_STEM_LENGTH = 6
_END_PUNCT = frozenset(".!?…:;\"'’”»)]")
_OPEN_QUOTES = frozenset("\"'‘“«")
# Typographic habits of a source: (name, pattern of one habit, name and pattern of its rival).
_STYLES = (
    ("straight quotes", regex.compile(r"\""), "curly quotes", regex.compile(r"[“”]")),
    (
        "straight apostrophes",
        regex.compile(r"\p{L}'\p{L}"),
        "curly apostrophes",
        regex.compile(r"\p{L}’\p{L}"),
    ),
    ("double hyphens", regex.compile(r" -- "), "em dashes", regex.compile(r"—")),
)

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
)
INDEX = {name: i for i, name in enumerate(FEATURES)}
VECTOR_FEATURES = tuple(
    INDEX[n] for n in FEATURES if n.startswith(("emb_", "z_emb", "rank_emb", "vocab_", "gap_emb", "gap_lead"))
)


@dataclass
class DocFeatures:
    """The units of one document, their feature rows and what explains them."""

    units: list[Unit]
    matrix: np.ndarray  # (len(units), len(FEATURES))
    unseen_entities: list[list[str]]
    languages: list[str | None]
    styles: list[list[str]]
    lang: str | None

    @property
    def vectors_apply(self) -> bool:
        """The word vectors are English; for other languages the model ignores them."""
        return self.lang in (None, "en")


def _divide(num: np.ndarray, den: np.ndarray, default: float) -> np.ndarray:
    out = np.full(num.shape, default, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two (n, d) arrays; 0 where a row is empty."""
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return _divide(np.einsum("ij,ij->i", a, b), norms, 0.0)


def _zscores(values: np.ndarray) -> np.ndarray:
    if len(values) < 2:
        return np.zeros(len(values))
    return np.asarray((values - values.mean()) / (values.std() + 0.05))


def _ranks(values: np.ndarray) -> np.ndarray:
    if len(values) < 2:
        return np.full(len(values), 0.5)
    ranks = np.empty(len(values))
    ranks[np.argsort(values, kind="stable")] = np.arange(len(values))
    return ranks / (len(values) - 1)


def _atoms(text: str) -> tuple[list[tuple[int, int]], list[Unit], list[tuple[int, int]], list[list[int]]]:
    """Paragraphs, units, atoms and the atoms of each unit."""
    paras = paragraphs(text)
    units: list[Unit] = []
    atoms: list[tuple[int, int]] = []
    members: list[list[int]] = []
    for index, (start, end) in enumerate(paras):
        sents = sentences(text, start, end)
        first = len(atoms)
        if len(sents) > 1:
            atoms.extend(sents)
        else:
            atoms.append((start, end))
        units.append(Unit(start, end, index, False))
        members.append(list(range(first, len(atoms))))
        if len(sents) > 1:
            for k, (s, e) in enumerate(sents):
                units.append(Unit(s, e, index, True))
                members.append([first + k])
    return paras, units, atoms, members


@dataclass
class _Tokens:
    """Per-atom token statistics of one document."""

    stems: list[str]  # the document vocabulary V: stems of topic words
    counts: np.ndarray  # (atoms, V) topic-word stems
    entity_atoms: np.ndarray  # (atoms, V) capitalised mid-sentence occurrences
    numbers: np.ndarray  # (atoms, N) number tokens
    vectors: np.ndarray  # (atoms, dim) rarity-weighted word-vector sums
    weights: np.ndarray  # (V,) rarity weight of each stem
    known: np.ndarray  # (atoms,) topic words that have a vector
    words: np.ndarray  # (atoms,) all words
    capitals: np.ndarray  # (atoms,) capitalised words
    functions: np.ndarray  # (atoms,) function words
    languages: np.ndarray  # (atoms, languages) function-word hits
    surface: list[str]  # first capitalised form of each stem
    lower_words: list[list[str]]


def _tokenise(text: str, atoms: list[tuple[int, int]], wv: WordVectors) -> _Tokens:
    stems: dict[str, int] = {}
    numbers: dict[str, int] = {}
    surface: list[str] = []
    weights: list[float] = []
    cells: list[tuple[int, int]] = []
    entity_cells: list[tuple[int, int]] = []
    number_cells: list[tuple[int, int]] = []
    vector_rows: list[int] = []
    vector_atoms: list[int] = []
    n = len(atoms)
    known = [0] * n
    words = [0] * n
    capitals = [0] * n
    functions = [0] * n
    languages = [[0] * len(LANGUAGES) for _ in atoms]
    lower_words: list[list[str]] = []
    index, unknown, word_weights = wv.index, wv.unknown, wv.weights
    stopwords, languages_of, findall = STOPWORDS, LANGUAGES_OF, _TOKEN.findall
    for a, (start, end) in enumerate(atoms):
        found = findall(text, start, end)
        lowers = [t.lower() for t in found]
        lower_words.append(lowers)
        words[a] = len(found)
        hits = languages[a]
        for position, (token, lower) in enumerate(zip(found, lowers, strict=True)):
            if token[0].isdigit():
                number_cells.append((a, numbers.setdefault(token, len(numbers))))
                continue
            for lang in languages_of.get(lower, ()):
                hits[lang] += 1
            capital = token[0].isupper()
            capitals[a] += capital
            if lower in stopwords:
                functions[a] += 1
                continue
            if len(lower) < 2:
                continue
            stem = lower[:_STEM_LENGTH]
            sid = stems.get(stem)
            row = index.get(lower, unknown)
            if sid is None:
                sid = stems[stem] = len(stems)
                weights.append(float(word_weights[row]))
                surface.append(token)
            cells.append((a, sid))
            if row != unknown:
                known[a] += 1
                vector_rows.append(row)
                vector_atoms.append(a)
            if capital and position:
                entity_cells.append((a, sid))
                if not surface[sid][0].isupper():
                    surface[sid] = token
    counts = np.zeros((n, len(stems)))
    entity_atoms = np.zeros((n, len(stems)))
    number_counts = np.zeros((n, len(numbers)))
    for matrix, where in ((counts, cells), (entity_atoms, entity_cells), (number_counts, number_cells)):
        if where:
            rows, cols = zip(*where, strict=True)
            np.add.at(matrix, (np.asarray(rows), np.asarray(cols)), 1.0)
    vectors = np.zeros((n, wv.vectors.shape[1]))
    if vector_rows:
        rows_arr = np.asarray(vector_rows)
        np.add.at(vectors, np.asarray(vector_atoms), wv.vectors[rows_arr] * wv.weights[rows_arr, None])
    return _Tokens(
        list(stems),
        counts,
        entity_atoms,
        number_counts,
        vectors,
        np.asarray(weights),
        np.asarray(known, dtype=float),
        np.asarray(words, dtype=float),
        np.asarray(capitals, dtype=float),
        np.asarray(functions, dtype=float),
        np.asarray(languages, dtype=float).reshape(n, len(LANGUAGES)),
        surface,
        lower_words,
    )


def _is_latin(text: str) -> bool:
    """Whether most letters of ``text`` are Latin (true for a text without letters)."""
    if not _NON_LATIN.search(text):
        return True
    return len(_NON_LATIN.findall(text)) < 0.5 * len(_LETTER.findall(text))


def _language(
    text: str, hits: np.ndarray, words: float, doc_lang: str | None, doc_latin: bool, mixed: bool
) -> str | None:
    """The unit's language when it looks foreign (else None); langdetect is asked only then.

    A unit looks foreign when its script differs from the document's (checked
    only in a ``mixed`` document, one with some non-Latin letters) or when it
    has function words of another language and few of the document's own.
    """
    if words < 4:
        return None
    suspicious = mixed and _is_latin(text) != doc_latin
    if not suspicious and doc_lang in FUNCTION_WORDS:
        own = hits[LANGUAGES.index(doc_lang)]
        suspicious = own < 2 and hits.max() >= 3
    if not suspicious:
        return None
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return None
    return str(best.lang) if best.lang != doc_lang and best.prob > 0.8 else None


def _style_counts(text: str, atoms: list[tuple[int, int]]) -> np.ndarray:
    """(atoms, 2 * styles) counts of each typographic habit and its rival."""
    out = np.zeros((len(atoms), 2 * len(_STYLES)))
    starts = np.asarray([s for s, _ in atoms])
    for k, (_, habit, _, rival) in enumerate(_STYLES):
        for j, pattern in enumerate((habit, rival)):
            for match in pattern.finditer(text):
                a = int(np.searchsorted(starts, match.start(), side="right")) - 1
                if a >= 0 and match.start() < atoms[a][1]:
                    out[a, 2 * k + j] += 1
    return out


def compute(text: str, title: str | None, lang: str | None, wv: WordVectors | None = None) -> DocFeatures:
    """Units of ``text`` (removed ranges already blanked) and their feature rows."""
    wv = wv or default_vectors()
    paras, units, atoms, members = _atoms(text)
    n_units, n_paras = len(units), len(paras)
    rows = np.zeros((n_units, len(FEATURES)))
    if not units:
        return DocFeatures([], rows, [], [], [], lang)
    f = {name: rows[:, i] for i, name in enumerate(FEATURES)}  # column views

    tokens = _tokenise(text, atoms, wv)
    # Assignment matrices: units x atoms, paragraphs x atoms.
    assign = np.zeros((n_units, len(atoms)))
    for i, atom_ids in enumerate(members):
        assign[i, atom_ids] = 1.0
    para_units = [i for i, u in enumerate(units) if not u.is_sentence]
    para_of = np.asarray([u.paragraph for u in units])
    is_sentence = np.asarray([u.is_sentence for u in units])
    para_assign = assign[para_units]

    counts = assign @ tokens.counts
    present = counts > 0
    para_counts = para_assign @ tokens.counts
    total = para_counts.sum(axis=0)
    rest = total - counts
    types = present.sum(axis=1)
    seen = present & (rest > 0)
    f["seen_frac"][:] = _divide(seen.sum(axis=1), types, 1.0)
    n_tokens = counts.sum(axis=1)
    f["seen_tok_frac"][:] = _divide((counts * seen).sum(axis=1), n_tokens, 1.0)
    f["seen_weighted"][:] = _divide(seen @ tokens.weights, present @ tokens.weights, 1.0)
    outside = total - para_counts[para_of]
    f["seen_out"][:] = _divide((present & (outside > 0)).sum(axis=1), types, 1.0)
    # Square-root term frequencies: a vector's squared norm is its token count.
    dots = (np.sqrt(counts) * np.sqrt(rest)).sum(axis=1)
    f["cos_rest"][:] = _divide(dots, np.sqrt(n_tokens * (total.sum() - n_tokens)), 0.0)

    # Title and lead. Units of the first paragraph compare with the title, else the second paragraph.
    title_tokens = _tokenise(title, [(0, len(title))], wv) if title else None
    vocab = tokens.counts.shape[1]
    title_present = np.zeros(vocab, dtype=bool)
    title_vec = np.zeros(wv.vectors.shape[1])
    if title_tokens is not None:
        known_stems = {s: k for k, s in enumerate(tokens.stems)}
        for k, stem in enumerate(title_tokens.stems):
            if stem in known_stems and title_tokens.counts[0, k] > 0:
                title_present[known_stems[stem]] = True
        title_vec = title_tokens.vectors[0]
    para_present = para_counts > 0
    para_vecs = para_assign @ tokens.vectors
    lead_present = np.tile(title_present | para_present[0], (n_units, 1))
    lead_vecs = np.tile(title_vec + para_vecs[0], (n_units, 1))
    first = para_of == 0
    if title is not None:
        lead_present[first] = title_present
        lead_vecs[first] = title_vec
    elif n_paras > 1:
        lead_present[first] = para_present[1]
        lead_vecs[first] = para_vecs[1]
    f["lead_frac"][:] = _divide((present & lead_present).sum(axis=1), types, 1.0)
    unit_vecs = assign @ tokens.vectors
    total_vec = para_vecs.sum(axis=0)
    f["emb_lead"][:] = _cosines(unit_vecs, lead_vecs)
    f["emb_rest"][:] = _cosines(unit_vecs, total_vec - unit_vecs)
    f["emb_out"][:] = _cosines(unit_vecs, total_vec - para_vecs[para_of])
    own_para = para_present[para_of]
    df_outside = para_present.sum(axis=0) - own_para
    f["spread"][:] = _divide((np.log1p(df_outside) * present).sum(axis=1), types, 0.0)
    f["vocab_cover"][:] = _divide(assign @ tokens.known, n_tokens, 0.0)

    # Neighbours: adjacent sentences inside a paragraph, adjacent paragraphs for a paragraph.
    neighbours = np.zeros((n_units, len(atoms)))
    for i, u in enumerate(units):
        if u.is_sentence:
            atom = members[i][0]
            siblings = members[para_units[u.paragraph]]
            for a in (atom - 1, atom + 1):
                if a in siblings:
                    neighbours[i, a] = 1.0
        else:
            for p in (u.paragraph - 1, u.paragraph + 1):
                if 0 <= p < n_paras:
                    neighbours[i] += para_assign[p]
    f["nb_frac"][:] = _divide((present & (neighbours @ tokens.counts > 0)).sum(axis=1), types, 1.0)
    f["emb_nb"][:] = _cosines(unit_vecs, neighbours @ tokens.vectors)
    para_rest = para_counts[para_of] - counts
    f["para_frac"][:] = np.where(is_sentence, _divide((present & (para_rest > 0)).sum(axis=1), types, 1.0), 0)
    f["emb_para"][:] = np.where(is_sentence, _cosines(unit_vecs, para_vecs[para_of] - unit_vecs), 0)

    entities = (assign @ tokens.entity_atoms) > 0
    unseen = entities & (rest <= 0)
    n_entities = entities.sum(axis=1)
    f["ent_unseen"][:] = np.log1p(unseen.sum(axis=1))
    f["ent_unseen_frac"][:] = _divide(unseen.sum(axis=1), n_entities, 0.0)
    f["ent_seen"][:] = np.log1p(n_entities - unseen.sum(axis=1))
    unseen_out = (entities & (outside <= 0)).sum(axis=1)
    f["ent_unseen_out"][:] = np.log1p(unseen_out)
    f["ent_unseen_rate"][:] = _divide(unseen_out, types, 0.0)
    number_present = (assign @ tokens.numbers) > 0
    number_df = ((para_assign @ tokens.numbers) > 0).sum(axis=0)
    f["num_unseen"][:] = np.log1p((number_present & (number_df <= 1)).sum(axis=1))

    words = assign @ tokens.words
    f["log_words"][:] = np.log1p(words)
    f["log_content"][:] = np.log1p(n_tokens)
    f["no_content"][:] = types == 0
    f["title_case"][:] = _divide(assign @ tokens.capitals, words, 0.0)
    # (end_punct is set per unit below; these two are completed after it)
    function_share = _divide(assign @ tokens.functions, words, 0.0)
    f["rel_pos"][:] = para_of / max(1, n_paras - 1)
    f["is_first"][:] = first
    f["is_last"][:] = para_of == n_paras - 1
    f["log_paras"][:] = np.log1p(n_paras)

    doc_lang = (
        lang.split("-")[0].lower() if lang else guess_language([w for ws in tokens.lower_words for w in ws])
    )
    doc_latin = _is_latin(text)
    mixed = bool(_NON_LATIN.search(text))
    unit_hits = assign @ tokens.languages
    styles_atoms = _style_counts(text, atoms)
    unit_styles = assign @ styles_atoms
    style_rest = styles_atoms.sum(axis=0) - unit_styles
    languages: list[str | None] = []
    styles: list[list[str]] = []
    unseen_entities: list[list[str]] = []
    for i, u in enumerate(units):
        piece = text[u.start : u.end]
        last = piece[-1]
        f["end_punct"][i] = last in _END_PUNCT
        last_word = piece.rsplit(None, 1)[-1]
        f["cut_end"][i] = last.isalnum() and last_word[0].islower()
        f["ends_function_word"][i] = last.isalnum() and last_word.lower() in STOPWORDS
        f["starts_lower"][i] = piece[0].islower()
        f["starts_quote"][i] = piece[0] in _OPEN_QUOTES
        f["odd_quotes"][i] = piece.count('"') % 2 == 1 or piece.count("“") != piece.count("”")
        if u.is_sentence:
            siblings = members[para_units[u.paragraph]]
            f["sent_first"][i] = members[i][0] == siblings[0]
            f["sent_last"][i] = members[i][0] == siblings[-1]
        unit_lang = _language(piece, unit_hits[i], float(words[i]), doc_lang, doc_latin, mixed)
        languages.append(unit_lang)
        f["foreign"][i] = unit_lang is not None
        clashes = []
        for k, (habit_name, _, rival_name, _) in enumerate(_STYLES):
            own_habit, own_rival = unit_styles[i, 2 * k], unit_styles[i, 2 * k + 1]
            rest_habit, rest_rival = style_rest[i, 2 * k], style_rest[i, 2 * k + 1]
            if own_habit and rest_rival >= 2 and not rest_habit:
                clashes.append(habit_name)
            elif own_rival and rest_habit >= 2 and not rest_rival:
                clashes.append(rival_name)
        styles.append(clashes)
        f["style_clash"][i] = len(clashes)
        unseen_entities.append([tokens.surface[k] for k in np.flatnonzero(unseen[i])])

    no_end = 1.0 - f["end_punct"]
    f["prose_no_end"][:] = function_share * no_end
    f["long_no_end"][:] = f["log_words"] * no_end
    # A spliced sentence is an outlier in its own paragraph: compare with its siblings.
    sent_idx = np.flatnonzero(is_sentence)
    if len(sent_idx):
        sent_para = para_of[sent_idx]
        siblings = np.bincount(sent_para, minlength=n_paras)[sent_para] - 1.0
        for source, target in (("seen_out", "gap_seen"), ("emb_out", "gap_emb"), ("emb_lead", "gap_lead")):
            values = f[source][sent_idx]
            others = _divide(np.bincount(sent_para, values, n_paras)[sent_para] - values, siblings, 0.0)
            f[target][sent_idx] = others - values
            if source == "seen_out":
                f["para_seen"][sent_idx] = others
    for kind in (False, True):
        idx = np.flatnonzero(is_sentence == kind)
        for source, target in (
            ("seen_frac", "z_seen"),
            ("cos_rest", "z_cos"),
            ("spread", "z_spread"),
            ("emb_rest", "z_emb"),
            ("seen_out", "z_seen_out"),
            ("emb_out", "z_emb_out"),
        ):
            f[target][idx] = _zscores(f[source][idx])
        f["rank_seen"][idx] = _ranks(f["seen_frac"][idx])
        f["rank_emb"][idx] = _ranks(f["emb_rest"][idx])
    return DocFeatures(units, rows, unseen_entities, languages, styles, doc_lang)
