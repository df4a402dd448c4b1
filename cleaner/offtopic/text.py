"""Passage units of an article: paragraphs (lines) and the sentences inside them.

Offsets always index the document text as given; ranges removed by earlier
stages are blanked (replaced by spaces, newlines kept) so that offsets stay
valid and the removed text takes no part in any unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from cleaner.model import line_ranges
from cleaner.offtopic.lexicon import FUNCTION_WORDS

# A candidate sentence end: . ! ? or an ellipsis, any closing quotes or brackets, then space.
_BOUNDARY = re.compile(r"""[.!?…]['"’”»)\]]*\s+""")
_NOT_NEWLINE = re.compile(r"[^\n]")
_OPENERS = frozenset("'\"‘“«([")
# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "gov",
        "sen",
        "rep",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "rev",
        "fr",
        "pres",
        "supt",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "inc",
        "corp",
        "co",
        "ltd",
        "bros",
        "dept",
        "univ",
        "no",
        "nos",
        "vol",
        "pp",
        "fig",
        "figs",
        "approx",
        "est",
        "vs",
        "etc",
        "ca",
        "cf",
        "al",
        "ft",
        "mt",
        "ave",
        "blvd",
        "hon",
        "messrs",
        "mme",
        "mlle",
        "dott",
        "sra",
        "srta",
        "nr",
        "bzw",
        "bzgl",
        "ggf",
        "vgl",
        "usw",
        "evtl",
        "dh",
        "zb",
    ]
)


# Abbreviations that end sentences as often as not ("... bought by Acme Inc. The deal ..."), as
# initials of two letters or more do (U.S., a.m.): they do when the next word is a capitalised
# function word (The, She, But).
_SENTENCE_ENDING = frozenset(["inc", "corp", "co", "ltd", "bros", "etc", "jr", "sr", "al"])
_OPENING_WORDS = FUNCTION_WORDS["en"]


class Unit(NamedTuple):
    """A passage: a whole paragraph, or a sentence of a paragraph with several."""

    start: int
    end: int
    paragraph: int  # index of the paragraph it belongs to
    is_sentence: bool  # a sentence inside a multi-sentence paragraph


_QUOTE_MARKS = re.compile('["“”„«»]')
_LIST_ITEM = re.compile(r"(?:[-–—•*·▪►]|\d{1,2}[.)])[ \t]")


def introduced_list_items(text: str) -> list[tuple[int, int]]:
    """The lines of ``text`` that are items of a list a line ending in a colon opens ("The
    budget includes:" and the bullet lines under it): the article's own words, however much
    an item looks like a teaser headline. Blank lines may stand between them."""
    items: list[tuple[int, int]] = []
    introduced = False
    for start, end in line_ranges(text):
        line = text[start:end]
        is_item = _LIST_ITEM.match(line) is not None
        if is_item and introduced:
            items.append((start, end))
        introduced = line.endswith(":") or (is_item and introduced)
    return items


def quote_pairs(text: str, units: Sequence[Unit]) -> list[tuple[int, int]]:
    """The (opening, closing) sentence units, by index, of each quotation that runs over several
    sentences of a paragraph. (A quotation still open at the end of its paragraph has no pair: a
    sentence spliced in from another story may open one.)"""
    pairs: list[tuple[int, int]] = []
    opened_in: int | None = None  # the sentence that opened the quotation the text is within
    for index, unit in enumerate(units):
        if not unit.is_sentence:
            opened_in = None  # a paragraph's sentences follow it
            continue
        for char in _QUOTE_MARKS.findall(text, unit.start, unit.end):
            # " turns a quotation on and off; “ opens it, or closes one „ opened (German).
            opens = opened_in is None if char in '"“' else char in "„«"
            if opens and opened_in is None:
                opened_in = index
            elif not opens and opened_in is not None:
                if opened_in != index:
                    pairs.append((opened_in, index))
                opened_in = None
    return pairs


def blank_removed(text: str, removed: Sequence[tuple[int, int]]) -> str:
    """``text`` with every removed range replaced by spaces (newlines kept)."""
    if not removed:
        return text
    pieces: list[str] = []
    done = 0  # where the text is copied up to
    for start, end in sorted(removed):
        start, end = max(start, done), min(end, len(text))
        if end > start:
            piece = text[start:end]
            pieces += (text[done:start], _NOT_NEWLINE.sub(" ", piece) if "\n" in piece else " " * len(piece))
            done = end
    pieces.append(text[done:])
    return "".join(pieces)


def article_view(text: str, removed: Sequence[tuple[int, int]], title: str | None) -> str:
    """What the classifier reads of ``text``: ``removed`` ranges blanked, and the title's own line.

    A text that starts with its headline (a ``.txt`` file, whose first line the
    pipeline takes as title) would otherwise hold the title twice: once as the
    title, and once as the first paragraph, standing in for the lead that the
    other passages are compared with.
    """
    blanked = blank_removed(text, removed)
    if title:
        wanted = " ".join(title.split()).casefold()
        for start, end in line_ranges(blanked):
            if " ".join(blanked[start:end].split()).casefold() == wanted:
                return blank_removed(blanked, [(start, end)])
    return blanked


def _abbreviation_before(text: str, stop: int, after: int) -> bool:
    """Whether the full stop at ``stop`` ends an abbreviation (Mr., Jan.) or initials (J., U.S.)
    rather than a sentence. One that often ends a sentence too (U.S., a.m., Inc.) ends it when
    the next word (at ``after``) is a capitalised function word (The, She, But)."""
    if text[stop] != ".":
        return False
    start = stop
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"“‘'":
        start -= 1
    word = text[start:stop].lower()
    # Initials: single letters each followed by a stop (J., U.S., e.g.).
    initials = bool(word) and all(len(part) == 1 and part.isalpha() for part in word.split("."))
    if not initials and word not in _ABBREVIATIONS:
        return False
    if not (word in _SENTENCE_ENDING or (initials and len(word) > 1)):
        return True
    following = text[after : after + 12].split(" ", 1)[0]
    return not (following[:1].isupper() and following.lower() in _OPENING_WORDS)


def _opens_sentence(char: str, following: str) -> bool:
    if char in _OPENERS:
        return following[:1].isupper() or following[:1].isdigit()
    return char.isupper() or char.isdigit()


def _breaks(text: str, start: int, end: int, in_lines: bool = False) -> list[tuple[int, int]]:
    """Sentence breaks in ``text[start:end]``: (end of a sentence, start of the next);
    with ``in_lines``, only those inside a line."""
    out: list[tuple[int, int]] = []
    for match in _BOUNDARY.finditer(text, start, end):
        after = match.end()
        if after >= end or (in_lines and "\n" in match.group()):
            continue
        if not _opens_sentence(text[after], text[after + 1 : after + 2]):
            continue
        if _abbreviation_before(text, match.start(), after):
            continue
        out.append((match.start() + len(match.group().rstrip()), after))
    return out


def _pieces(start: int, end: int, breaks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``start``-``end`` cut at ``breaks``, empty pieces left out."""
    out: list[tuple[int, int]] = []
    piece_start = start
    for stop, after in breaks:
        out.append((piece_start, stop))
        piece_start = after
    out.append((piece_start, end))
    return [(s, e) for s, e in out if e > s]


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` as absolute (start, end) offsets.

    Splits after . ! ? or … (with any closing quotes) and whitespace, before a
    capital letter, a digit or an opening quote, but not after a known
    abbreviation (Mr., Gov., Jan.) or initials (J., U.S.). Decimals and times
    never split since the stop is not followed by whitespace.
    """
    return _pieces(start, end, _breaks(text, start, end))


def paragraph_sentences(text: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Each paragraph of ``text`` as (start, end, its sentences), the same as :func:`paragraphs`
    and :func:`sentences` give, with the breaks found in one pass over the whole text.

    A break across a line end belongs to no paragraph: it ends one line with no
    whitespace after it inside the line, where a paragraph has no break.
    """
    breaks = _breaks(text, 0, len(text), in_lines=True)
    out: list[tuple[int, int, list[tuple[int, int]]]] = []
    k = 0  # the first break not yet given to a paragraph
    for start, end in line_ranges(text):
        inside: list[tuple[int, int]] = []
        while k < len(breaks) and breaks[k][1] < end:
            if breaks[k][0] > start:
                inside.append(breaks[k])
            k += 1
        out.append((start, end, _pieces(start, end, inside) if inside else [(start, end)]))
    return out


def units(text: str) -> tuple[list[tuple[int, int]], list[Unit], list[tuple[int, int]], list[int]]:
    """The paragraphs of ``text``, its units (every paragraph, plus the sentences of each
    paragraph that has more than one), its atoms (the sentences of a paragraph with
    several, else the paragraph) and the number of atoms of each paragraph."""
    paras: list[tuple[int, int]] = []
    out: list[Unit] = []
    atoms: list[tuple[int, int]] = []
    sizes: list[int] = []
    for index, (start, end, sents) in enumerate(paragraph_sentences(text)):
        paras.append((start, end))
        out.append(Unit(start, end, index, False))
        if len(sents) > 1:
            out.extend(Unit(s, e, index, True) for s, e in sents)
        atoms.extend(sents if len(sents) > 1 else [(start, end)])
        sizes.append(max(len(sents), 1))
    return paras, out, atoms, sizes
