"""The off-topic features summed over (unit, stem) pairs agree with plain per-unit counts."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from cleaner.offtopic import features
from cleaner.offtopic.features import INDEX, _style_marks, compute
from cleaner.offtopic.lexicon import ENGLISH_STOP_WORDS, STOPWORDS
from cleaner.offtopic.text import Unit

_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")

DOCS = [
    (
        "Mayor Ana Ruiz opened the new Harbor Bridge on Monday. The bridge cost 42 million dollars.\n\n"
        "Ruiz said the Harbor Bridge would cut traffic downtown. Drivers waited 30 minutes on the old one.\n"
        "Samsung unveiled a foldable phone in Seoul on Tuesday.\n"
        "\n"
        "Traffic engineers expect the bridge to carry 40,000 cars a day. Ruiz thanked the engineers. "
        "Bridge tolls start at 2.50 dollars.\n",
        "Harbor Bridge opens downtown",
    ),
    (
        "Storm closes schools across the county\n"
        "Heavy snow closed schools across the county on Friday, and the storm is expected to last.\n"
        "County officials said plows would clear main roads first. Officials asked drivers to stay home.\n"
        "Read more: Ten recipes for a cosy winter evening\n"
        "The storm brought 30 centimetres of snow to the county by noon, officials said.\n",
        None,
    ),
    ("One short line about nothing much", None),
    ("Alpha beta gamma. Delta epsilon zeta.\n\nAlpha delta! Theta iota kappa? Lambda mu.", "Kappa lambda"),
    (
        "Kyiv fired a missile toward Moscow on Friday, officials in Moscow said.\n"
        "The plan faced opposition from leaders of the BRICS group. Moscow and Kyiv traded blame. "
        "A meeting of the BRICS powers in Johannesburg discussed poverty.\n"
        "Officials in Kyiv said the Moscow strike followed Crimea drone raids near Sevastopol.\n"
        "Crimea and Sevastopol were quiet on Saturday, officials said.\n",
        None,
    ),
]


def _atoms_of(units: list[Unit]) -> list[list[tuple[int, int]]]:
    """For each unit the (start, end) of its atoms: a paragraph's sentences, else the unit itself."""
    sentences: dict[int, list[tuple[int, int]]] = {}
    for u in units:
        if u.is_sentence:
            sentences.setdefault(u.paragraph, []).append((u.start, u.end))
    return [
        [(u.start, u.end)] if u.is_sentence else sentences.get(u.paragraph, [(u.start, u.end)]) for u in units
    ]


def _terms(text: str, atoms: list[tuple[int, int]]) -> tuple[Counter[str], set[str], set[str]]:
    """Topic stems (counted), names (capitalised topic words not opening an atom) and numbers."""
    stems: Counter[str] = Counter()
    names: set[str] = set()
    numbers: set[str] = set()
    for start, end in atoms:
        for k, token in enumerate(_TOKEN.findall(text, start, end)):
            lower = token.lower()
            if token[0].isdigit():
                numbers.add(token)
            elif lower not in STOPWORDS and len(lower) >= 2:
                stems[lower[:6]] += 1
                if token[0].isupper() and k > 0:
                    names.add(lower[:6])
    return stems, names, numbers


def _share(chosen: int, out_of: int, default: float) -> float:
    return chosen / out_of if out_of else default


def _dense(text: str, title: str | None, units: list[Unit]) -> dict[str, list[float]]:
    """Pair-based features of each unit, counted unit by unit with plain Counters."""
    terms = [_terms(text, atoms) for atoms in _atoms_of(units)]
    paragraph = {u.paragraph: i for i, u in enumerate(units) if not u.is_sentence}
    para_stems = [terms[paragraph[p]][0] for p in range(len(paragraph))]
    total = sum(para_stems, Counter())
    holders = Counter(stem for stems in para_stems for stem in stems)
    number_holders = Counter(n for p in range(len(paragraph)) for n in terms[paragraph[p]][2])
    title_stems = set(_terms(title, [(0, len(title))])[0]) if title else set()

    def lead_of(paragraph: int) -> set[str]:
        if paragraph > 0:
            return title_stems | set(para_stems[0])
        if title is not None:
            return title_stems
        return set(para_stems[1 if len(para_stems) > 1 else 0])

    # Atoms: the sentences of a paragraph with several, else the paragraph; their stems.
    spans = _atoms_of(units)
    atom_para = {span: u.paragraph for u, unit_spans in zip(units, spans, strict=True) for span in unit_spans}
    atom_stems = {span: _terms(text, [span])[0] for span in atom_para}
    atom_df = Counter(stem for stems in atom_stems.values() for stem in stems)
    rooted = {
        span: _share(sum(atom_df[s] >= 3 or s in lead_of(atom_para[span]) for s in stems), len(stems), 1.0)
        for span, stems in atom_stems.items()
    }
    out: dict[str, list[float]] = {}
    for i, u in enumerate(units):
        stems, names, numbers = terms[i]
        own = para_stems[u.paragraph]
        lead = lead_of(u.paragraph)
        mine = spans[i]
        others = {s: atom_df[s] - sum(s in atom_stems[a] for a in mine) for s in stems}
        weak = {s for s in stems if others[s] == 1 and s not in lead}
        partners = [
            rooted[a] for s in weak & names for a, held in atom_stems.items() if s in held and a not in mine
        ]
        if u.is_sentence:
            near = [j for j in (i - 1, i + 1) if 0 <= j < len(units) and units[j].is_sentence]
            neighbours = {s for j in near if units[j].paragraph == u.paragraph for s in terms[j][0]}
        else:
            near = [p for p in (u.paragraph - 1, u.paragraph + 1) if 0 <= p < len(para_stems)]
            neighbours = {s for p in near for s in para_stems[p]}
        n, total_n = sum(stems.values()), sum(total.values())
        unseen = [s for s in names if total[s] - stems[s] <= 0]
        row = {
            "seen_frac": _share(sum(total[s] - c > 0 for s, c in stems.items()), len(stems), 1.0),
            "seen_out": _share(sum(total[s] - own[s] > 0 for s in stems), len(stems), 1.0),
            "lead_frac": _share(len(set(stems) & lead), len(stems), 1.0),
            "nb_frac": _share(len(set(stems) & neighbours), len(stems), 1.0),
            "para_frac": _share(sum(own[s] - c > 0 for s, c in stems.items()), len(stems), 1.0)
            if u.is_sentence
            else 0.0,
            "spread": _share(sum(math.log1p(holders[s] - 1) for s in stems), len(stems), 0.0),
            "cos_rest": _share(
                sum(math.sqrt(c * (total[s] - c)) for s, c in stems.items()),
                math.sqrt(n * (total_n - n)),
                0.0,
            ),
            "ent_unseen": math.log1p(len(unseen)),
            "ent_seen": math.log1p(len(names) - len(unseen)),
            "num_unseen": math.log1p(sum(number_holders[x] <= 1 for x in numbers)),
            "seen_strong": _share(sum(others[s] >= 2 or s in lead for s in stems), len(stems), 1.0),
            "seen_weak": _share(len(weak), len(stems), 0.0),
            "ent_weak": math.log1p(len(weak & names)),
            "pair_novel": 1.0 - min(partners, default=1.0),
        }
        for name, value in row.items():
            out.setdefault(name, []).append(value)
    return out


@pytest.mark.parametrize(("text", "title"), DOCS)
def test_pair_sums_match_plain_counts_per_unit(text: str, title: str | None) -> None:
    feats = compute(text, title, "en")
    for name, expected in _dense(text, title, feats.units).items():
        assert np.allclose(feats.matrix[:, INDEX[name]], expected, atol=1e-12), name


def test_unseen_names_are_listed_per_unit() -> None:
    text, title = DOCS[0]
    feats = compute(text, title, "en")
    listed = [(text[u.start : u.end][:12], feats.unseen_entities(i)) for i, u in enumerate(feats.units)]
    # Ruiz and Harbor Bridge recur; a line's first word (Mayor, Samsung) is no name.
    assert [(start, names) for start, names in listed if names] == [
        ("Mayor Ana Ru", ["Ana"]),  # the paragraph
        ("Mayor Ana Ru", ["Ana"]),  # its first sentence
        ("Samsung unve", ["Seoul"]),
    ]


def test_names_found_in_only_one_other_passage_are_listed_per_unit() -> None:
    text, title = DOCS[-1]
    feats = compute(text, title, "en")
    listed = [(text[u.start : u.end][:12], feats.weak_entities(i)) for i, u in enumerate(feats.units)]
    # The two BRICS sentences share BRICS with each other only; the paragraph holds both.
    assert [(start, names) for start, names in listed if names] == [
        ("The plan fac", ["BRICS"]),
        ("A meeting of", ["BRICS"]),
        ("Officials in", ["Crimea", "Sevastopol"]),
        ("Crimea and S", ["Sevastopol"]),
    ]


# The marks of the typographic habits, as one regular expression: the definition the
# plain string search must reproduce (matches left to right, none overlapping).
_STYLE_MARKS = regex.compile(r"""(")|([“”])|(\p{L}'\p{L})|(\p{L}’\p{L})|( -- )|(—)""")


@given(st.text(alphabet="ab'’\"“”- —1_Жé", max_size=30))
def test_style_marks_match_their_regular_expression(text: str) -> None:
    assert _style_marks(text) == [(m.start(), m.lastindex or 1) for m in _STYLE_MARKS.finditer(text)]


@given(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=40)
    | st.text(alphabet="aZ09_., '-²é", max_size=40)
)
def test_the_ascii_tokeniser_finds_the_tokens_of_the_unicode_one(text: str) -> None:
    assert features._find_tokens(text) == _TOKEN.findall(text)


@given(st.text(alphabet="aZ9 ’é—Жλ中", max_size=20))
def test_a_letter_of_another_script_is_found_wherever_it_is(text: str) -> None:
    assert features._has_non_latin(text) == any(features._NON_LATIN.match(c) for c in text)


def test_features_stay_the_same_when_the_token_table_is_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    text, title = DOCS[0]
    before = compute(text, title, "en").matrix
    monkeypatch.setattr(features, "_CACHE_LIMIT", 5)  # forget every token before each document
    for other_text, other_title in (*DOCS[1:], DOCS[0]):
        after = compute(other_text, other_title, "en")
    assert np.array_equal(after.matrix, before)


def test_the_english_stop_words_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as sklearn_words

    assert sklearn_words == ENGLISH_STOP_WORDS


def test_cleaning_does_not_import_scikit_learn() -> None:
    import subprocess
    import sys

    code = "import sys, cleaner.cli, cleaner.runner; print(any(m.startswith('sklearn') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
