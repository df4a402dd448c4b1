"""Cross-document provenance: a passage that another article of the same run holds more.

Spun and aggregated pages are stitched from other articles. When the article a
passage was taken from is among the run's inputs, the copy gives the passage
away better than any feature of the page itself. Every passage (a paragraph, or
a sentence of one) of :data:`MIN_WORDS` words or more is fingerprinted by its
first :data:`PREFIX_WORDS` words, lower-cased (so a headline cut short still
matches). Sharing alone says nothing of direction, so two rules decide it:

- two documents that share at least half their fingerprints are near-duplicates
  (one article, copied or republished); a document's *cluster* is itself and its
  near-duplicates; fingerprints held by more than :data:`MAX_HOLDERS` documents (a
  newsletter appeal, a standard disclaimer) are left to the other stages;
- *cut copy*: a passage of document A with no final stop (a teaser line) whose
  opening words open a longer passage of a document B outside A's cluster was cut
  from B: withheld when the off-topic model scores it at least :data:`CUT_MIN_SCORE`
  in A (the direction is plain, so only a passage the model is sure of stays);
- *share*: a passage of A also held by a document B outside A's cluster, in at
  least as large a share of B's cluster as of A's, was taken from B: withheld when
  the model scores it at least :data:`MIN_SCORE` in A (where each article is there
  once, a donor and its taker hold a passage alike; in the donor, and in a series of
  articles repeating a background paragraph, it reads as the article's own and stays).

The survey pass of a run gives every record's fingerprints (:func:`text_prints`);
the site-lines store finds, for each record, the fingerprints the rules give to
another record (:func:`group_sources`); the cleaning pass hands them to
:func:`cleaner.offtopic.find_offtopic`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import islice
from typing import NamedTuple, TypeVar

from cleaner.offtopic.text import paragraph_sentences

MODEL_NAME = "provenance"
PREFIX_WORDS = 8
MIN_WORDS = 6
MAX_HOLDERS = 40
NEAR_SHARE = 0.5
MIN_SCORE = 0.2
CUT_MIN_SCORE = 0.01

_WORD = re.compile(r"\w+")
_FINAL_STOP = re.compile(r"""[.!?…]['"’”»)\]]*\s*$""")
_STOP_REACH = 16  # a final stop is looked for among a passage's last characters
Record = TypeVar("Record")


class Print(NamedTuple):
    """A fingerprint as one document holds it: the most words of a passage it opens there, and
    the fewest of a passage with no final stop it opens (None: none)."""

    value: int
    words: int
    cut: int | None


class Source(NamedTuple):
    """Where a document's passage came from: the other document's id, and whether it was cut
    from a longer passage there (else it is held in a larger share there)."""

    donor: str
    cut: bool

    @property
    def min_score(self) -> float:
        """The off-topic score the passage must reach to be withheld."""
        return CUT_MIN_SCORE if self.cut else MIN_SCORE

    @property
    def detail(self) -> str:
        """The reason, in words."""
        if self.cut:
            return f"cut from a longer passage of {self.donor}, another article of this run"
        return f"also in {self.donor}, another article of this run"


# Of one document: the fingerprints of its passages another document holds more, with their source.
Sources = dict[int, Source]


def fingerprint(text: str, start: int = 0, end: int | None = None) -> int | None:
    """The fingerprint of the passage ``text[start:end]`` (a signed 64-bit integer), or None
    under :data:`MIN_WORDS` words (spaces too few for them: a short line costs no more)."""
    end = len(text) if end is None else end
    if text.count(" ", start, end) < MIN_WORDS - 1:
        return None
    words = [match.group().lower() for match in islice(_WORD.finditer(text, start, end), PREFIX_WORDS)]
    if len(words) < MIN_WORDS:
        return None
    digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def text_prints(text: str) -> tuple[Print, ...]:
    """The fingerprints of the passages of ``text`` (paragraphs and their sentences), sorted; a
    passage's words are counted by its spaces."""
    found: dict[int, Print] = {}
    for start, end, sentences in paragraph_sentences(text):
        for piece_start, piece_end in [(start, end), *sentences] if len(sentences) > 1 else [(start, end)]:
            value = fingerprint(text, piece_start, piece_end)
            if value is None:
                continue
            words = text.count(" ", piece_start, piece_end) + 1
            cut = (
                None
                if _FINAL_STOP.search(text, max(piece_start, piece_end - _STOP_REACH), piece_end)
                else words
            )
            known = found.get(value)
            if known is not None:
                cuts = [count for count in (known.cut, cut) if count is not None]
                words, cut = max(words, known.words), min(cuts, default=None)
            found[value] = Print(value, words, cut)
    return tuple(sorted(found.values()))


def near_duplicates(common: int, size: int, other_size: int) -> bool:
    """Whether documents of ``size`` and ``other_size`` fingerprints, ``common`` shared, are one article."""
    return common >= NEAR_SHARE * max(1, min(size, other_size))


def group_sources(
    holders: Sequence[tuple[Record, int, int | None]], near: Mapping[Record, set[Record]]
) -> Iterator[tuple[Record, Record, bool]]:
    """(record, donor, cut) for each holder of one fingerprint that took it from another (``cut``:
    by the cut-copy rule, else by the share rule).

    ``holders`` are the records holding it with their :class:`Print`'s words and cut, in the
    order that breaks ties between donors (input order); ``near`` gives each holder's
    near-duplicates, all of them (its cluster's size counts them all).
    """
    members = {record for record, _, _ in holders}

    def share(record: Record) -> float:
        cluster = near.get(record, set())
        return (1 + len(cluster & members)) / (1 + len(cluster))

    shares = {record: share(record) for record in members}
    for record, words, cut in holders:
        cluster = near.get(record, set())
        others = [holder for holder in holders if holder[0] != record and holder[0] not in cluster]
        longer = [(length, other) for other, length, _ in others if cut is not None and length > cut]
        if longer:
            yield record, max(longer, key=lambda found: found[0])[1], True  # the first of the longest
            continue
        # A document that cut the passage short from this one's longer passage is no donor of it.
        donors = [
            other
            for other, _, other_cut in others
            if shares[other] >= shares[record] and (other_cut is None or other_cut >= words)
        ]
        if donors:
            yield record, max(donors, key=lambda other: shares[other]), False  # the first of the best


def corpus_sources(prints: Sequence[Sequence[Print]], key: Callable[[int], str] = str) -> list[Sources]:
    """For documents given by their fingerprints (in memory), the fingerprints each took from
    another, with its source: what the site-lines store finds on disk for a run."""
    holders: dict[int, list[tuple[int, int, int | None]]] = {}
    for number, held in enumerate(prints):
        for value, words, cut in held:
            holders.setdefault(value, []).append((number, words, cut))
    shared = {value: found for value, found in holders.items() if 2 <= len(found) <= MAX_HOLDERS}
    common: dict[tuple[int, int], int] = {}
    for group in shared.values():
        for first, _, _ in group:
            for second, _, _ in group:
                if first != second:
                    common[first, second] = common.get((first, second), 0) + 1
    near: dict[int, set[int]] = {}
    for (first, second), count in common.items():
        if near_duplicates(count, len(prints[first]), len(prints[second])):
            near.setdefault(first, set()).add(second)
    found_sources: list[Sources] = [{} for _ in prints]
    for value, group in shared.items():
        for record, donor, cut in group_sources(group, near):
            found_sources[record][value] = Source(key(donor), cut)
    return found_sources
