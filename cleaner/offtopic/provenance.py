"""Cross-document provenance: a passage that another article of the same run holds more.

Spun and aggregated pages are stitched from other articles. When the article a
passage was taken from is among the run's inputs, the copy gives the passage
away better than any feature of the page itself. Every passage (a paragraph, or
a sentence of one) of :data:`MIN_WORDS` words or more is fingerprinted by its
first :data:`PREFIX_WORDS` words, lower-cased (so a headline cut short still
matches). Sharing alone says nothing of direction, so the rule is:

- two documents that share at least half their fingerprints are near-duplicates
  (one article, copied or republished); a document's *cluster* is itself and its
  near-duplicates;
- a passage of document A whose fingerprint is also held by a document B outside
  A's cluster, in at least as large a share of B's cluster as of A's, was taken
  from B; fingerprints held by more than :data:`MAX_HOLDERS` documents (a
  newsletter appeal, a standard disclaimer) are left to the other stages;
- the passage is withheld when the off-topic model's own score for it here is at
  least :data:`MIN_SCORE` (an article's background paragraph reused in a series
  reads as the article's own and stays).

The survey pass of a run gives every record's fingerprints (:func:`text_prints`);
the site-lines store finds, for each record, the fingerprints the rule gives to
another record (:func:`group_sources`); the cleaning pass hands them to
:func:`cleaner.offtopic.find_offtopic`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TypeVar

from cleaner.offtopic.text import paragraph_sentences

MODEL_NAME = "provenance"
PREFIX_WORDS = 8
MIN_WORDS = 6
MAX_HOLDERS = 40
NEAR_SHARE = 0.5
MIN_SCORE = 0.1

_WORD = re.compile(r"\w+")
Record = TypeVar("Record")


def fingerprint(text: str, start: int = 0, end: int | None = None) -> int | None:
    """The fingerprint of the passage ``text[start:end]`` (a signed 64-bit integer), or None
    under :data:`MIN_WORDS` words."""
    found = islice(_WORD.finditer(text, start, len(text) if end is None else end), PREFIX_WORDS)
    words = [match.group().lower() for match in found]
    if len(words) < MIN_WORDS:
        return None
    digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def text_prints(text: str) -> tuple[int, ...]:
    """The distinct fingerprints of the passages of ``text`` (paragraphs and their sentences), sorted."""
    pieces: list[tuple[int, int]] = []
    for start, end, sentences in paragraph_sentences(text):
        pieces.append((start, end))
        if len(sentences) > 1:
            pieces.extend(sentences)
    prints = {fingerprint(text, start, end) for start, end in pieces}
    return tuple(sorted(value for value in prints if value is not None))


def near_duplicates(common: int, size: int, other_size: int) -> bool:
    """Whether documents of ``size`` and ``other_size`` fingerprints, ``common`` shared, are one article."""
    return common >= NEAR_SHARE * max(1, min(size, other_size))


def group_sources(
    holders: Sequence[Record], near: Mapping[Record, set[Record]]
) -> Iterator[tuple[Record, Record]]:
    """(record, donor) for each holder of one fingerprint that took it from another.

    ``holders`` are the records holding it, in the order that breaks ties between
    donors (input order); ``near`` gives each holder's near-duplicates, all of them
    (its cluster's size counts them all).
    """
    members = set(holders)

    def share(record: Record) -> float:
        cluster = near.get(record, set())
        return (1 + len(cluster & members)) / (1 + len(cluster))

    shares = {record: share(record) for record in holders}
    for record in holders:
        cluster = near.get(record, set())
        donors = [
            other
            for other in holders
            if other != record and other not in cluster and shares[other] >= shares[record]
        ]
        if donors:
            yield record, max(donors, key=lambda other: shares[other])  # the first of the best


def corpus_sources(prints: Sequence[Sequence[int]], key: Callable[[int], str] = str) -> list[dict[int, str]]:
    """For documents given by their fingerprints (in memory), the fingerprints each took from
    another, with that document's ``key``: what the site-lines store finds on disk for a run."""
    holders: dict[int, list[int]] = {}
    for number, values in enumerate(prints):
        for value in set(values):
            holders.setdefault(value, []).append(number)
    shared = {value: found for value, found in holders.items() if 2 <= len(found) <= MAX_HOLDERS}
    common: dict[tuple[int, int], int] = {}
    for found in shared.values():
        for first in found:
            for second in found:
                if first != second:
                    common[first, second] = common.get((first, second), 0) + 1
    sizes = [len(set(values)) for values in prints]
    near: dict[int, set[int]] = {}
    for (first, second), count in common.items():
        if near_duplicates(count, sizes[first], sizes[second]):
            near.setdefault(first, set()).add(second)
    found_sources: list[dict[int, str]] = [{} for _ in prints]
    for value, found in shared.items():
        for record, donor in group_sources(found, near):
            found_sources[record][value] = key(donor)
    return found_sources
