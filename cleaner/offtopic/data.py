"""Labelled documents for the off-topic model: the intruders set, spliced articles, reviews.

A labelled document is a text with passages marked ``original`` or
``intruder``; ``group`` names the host article, so that every copy of one host
falls in the same cross-validation fold.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cleaner.benchmarks import BenchmarkError
from cleaner.ingest import InputError, RawRecord, RecordStream, discover
from cleaner.lang import detect_language
from cleaner.model import cut_ranges, line_ranges
from cleaner.offtopic.text import sentences

if TYPE_CHECKING:
    from cleaner.pipeline import Cleaner


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    intruder: bool
    kind: str = ""  # headline | para | sent for intruders, "" for originals


@dataclass
class LabelledDoc:
    id: str
    group: str
    text: str
    passages: list[Passage]
    title: str | None = None
    lang: str | None = None
    removed: list[tuple[int, int]] = field(default_factory=list)
    # Only these passages carry labels (reviews); the rest of the text is context.
    partial: bool = False


@cache
def _cleaner() -> Cleaner:
    from cleaner.pipeline import Cleaner, Settings  # the pipeline imports this package

    return Cleaner(Settings(offtopic=False))


def as_the_pipeline_sees(doc: LabelledDoc) -> LabelledDoc:
    """``doc`` with what ``cleaner run`` hands the off-topic stage for its text as a ``.txt`` file.

    The pipeline cleans the text (rules, headline, line model on page dumps, the
    guard) before it looks for off-topic passages; this takes the document's
    language, title and the ranges cut by then from a real run, so training and
    evaluation see what the classifier sees in the product.
    """
    record = RawRecord(id=doc.id, source=doc.id, content=doc.text, is_html=False, sha256="")
    cleaned = _cleaner().clean(record)
    removed = cut_ranges(cleaned.removed, withhold_flagged=False)
    return replace(doc, lang=cleaned.lang, title=cleaned.metadata.get("title"), removed=removed)


def removed_share(passage: Passage, removed: Sequence[tuple[int, int]]) -> float:
    """The share of ``passage``'s characters that the (merged) ``removed`` ranges cut."""
    cut = sum(max(0, min(passage.end, e) - max(passage.start, s)) for s, e in removed)
    return cut / max(1, passage.end - passage.start)


def load_intruders(path: Path) -> list[LabelledDoc]:
    """Documents of an intruders JSONL file (see the intruders-dev README); a line that is not
    such a document raises :class:`~cleaner.benchmarks.BenchmarkError` naming it."""
    docs = []
    try:
        with path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    docs.append(_intruders_doc(line, f"{path}:{number}"))
    except OSError as error:
        raise BenchmarkError(f"{path}: can't read it: {error}") from None
    if not docs:
        raise BenchmarkError(f"{path}: no documents")
    return docs


def _intruders_doc(line: bytes, where: str) -> LabelledDoc:
    try:
        record = json.loads(line)
        text, doc_id = record["text"], record["id"]
        passages = [
            Passage(p["start"], p["end"], p["label"] == "intruder", p.get("kind", ""))
            for p in record["passages"]
        ]
    except ValueError as error:  # bad JSON, or bytes that are not UTF-8
        raise BenchmarkError(f"{where}: not a JSON document: {error}") from None
    except KeyError as error:
        raise BenchmarkError(f"{where}: no {error} (a document has id, text and passages)") from None
    except TypeError:
        expected = "expected an object of id, text and passages (start, end, label)"
        raise BenchmarkError(f"{where}: {expected}") from None
    if not (isinstance(text, str) and isinstance(doc_id, str)) or not all(
        isinstance(p.start, int) and isinstance(p.end, int) and 0 <= p.start <= p.end <= len(text)
        for p in passages
    ):
        raise BenchmarkError(f"{where}: id and text must be strings, passages offsets into the text")
    host = doc_id.rsplit("-s", 1)[0]
    return LabelledDoc(doc_id, host, text, passages, lang=detect_language(text))


def load_bodies(path: Path) -> dict[str, str]:
    """Article bodies of a ground-truth JSON file: ``{key: {"articleBody": ...}}``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: value["articleBody"] for key, value in sorted(data.items()) if value.get("articleBody")}


def _body_paragraphs(body: str) -> list[str]:
    return [body[s:e] for s, e in line_ranges(body)]


def _body_sentences(paras: Sequence[str]) -> list[str]:
    out: list[str] = []
    for para in paras:
        out.extend(para[s:e] for s, e in sentences(para, 0, len(para)))
    return [s for s in out if len(s.split()) >= 6]


MIN_WORDS = 150  # a spliced host or donor article: shorter ones make too few units to compare with
MIN_PARAGRAPHS = 3
_RELATED_DRAWS = 8
_WORD = re.compile(r"[a-z]{5,}")


def _vocabulary(body: str) -> set[str]:
    """Lower-cased longer words of an article, to find donors on related subjects."""
    return set(_WORD.findall(body.lower()))


_NAME = re.compile(r"(?<=[\w,;:] )[A-Z][\w-]+")


def _names(sentence: str) -> set[str]:
    """Capitalised words of a sentence past its first word."""
    return set(_NAME.findall(sentence))


def spliceable(text: str) -> str | None:
    """A clean text as a host or donor: a paragraph a line, joined by blank lines (HTML outputs
    keep a paragraph a line, text outputs a blank line between), or None when too short."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    joined = "\n\n".join(lines)
    return joined if len(lines) >= MIN_PARAGRAPHS and len(joined.split()) >= MIN_WORDS else None


def clean_articles(inputs: list[Path]) -> dict[str, dict[str, str]]:
    """The articles of ``inputs`` (what ``cleaner run`` reads) cleaned without the off-topic stage,
    those long enough to splice, by language; unreadable files and records are left out."""
    cleaner = _cleaner()
    found: dict[str, dict[str, str]] = defaultdict(dict)
    files, _ = discover(inputs)
    for item in files:
        try:
            for record in RecordStream(item):  # one at a time: a big JSONL or WARC stays on disk
                if isinstance(record, InputError):
                    continue
                document = cleaner.clean(record)
                text = spliceable(cleaner.clean_text(document))
                if text and document.lang:
                    # A line's number names a JSONL record (ids may repeat across files); a file or
                    # WARC record is named by its id.
                    key = record.id if record.line is None else f"{item.rel}#{record.line}"
                    found[document.lang].setdefault(key, text)
        except InputError:
            continue  # an unreadable file
    return dict(found)


def splice(
    hosts: dict[str, str],
    donors: dict[str, str],
    copies: int,
    seed: int,
    untouched_share: float = 0.2,
    title_case_share: float = 0.0,
) -> list[LabelledDoc]:
    """Articles of ``hosts`` with passages of ``donors`` spliced in, ``copies`` times each.

    Mirrors the intruders set: 1-3 intruders a document, of kind ``para`` (a
    donor paragraph on its own line), ``sent`` (a donor sentence after one of
    the sentences of a host paragraph, its last one too, or on its own line) or
    ``headline`` (a donor's first sentence cut to at most 15 words, on its own
    line; ``title_case_share`` of them a shorter cut in headline title case, as
    English sites write their teasers: "Council Backs Plan to Close Two Schools");
    never before the first host paragraph (the intruders set never puts
    a sentence last in a paragraph either; spun pages do, as in seed 002). Some
    documents stay untouched. Half the donors are the closest in vocabulary of a
    few drawn at random (related news makes the hard cases); an inline ``sent``
    sometimes brings a second sentence of the same donor into the same
    paragraph, mostly one that shares a name with the first.
    """
    rng = random.Random(seed)
    donor_keys = sorted(donors)
    donor_paras = {k: _body_paragraphs(v) for k, v in donors.items()}
    vocab = {k: _vocabulary(v) for k, v in {**donors, **hosts}.items()}
    docs = []
    for key in sorted(hosts):
        host_paras = _body_paragraphs(hosts[key])
        if len(host_paras) < 3:
            continue
        for copy in range(1, copies + 1):
            count = 0 if rng.random() < untouched_share else rng.randint(1, 3)
            # Each host paragraph gets a list of (piece, intruder kind or "") to join.
            inserts: dict[int, tuple[str, str]] = {}
            inline: dict[int, list[str]] = {}
            for _ in range(count):
                candidates = rng.sample(
                    [k for k in donor_keys if k != key], min(_RELATED_DRAWS, len(donor_keys) - 1)
                )
                donor = candidates[0]
                if rng.random() < 0.5:
                    donor = max(candidates, key=lambda k: len(vocab[k] & vocab[key]))
                paras = [p for p in donor_paras[donor] if len(p.split()) >= 8]
                if not paras:
                    continue
                # Sentences spliced into a paragraph are the rarest units and the
                # hardest: draw them twice as often.
                kind = rng.choice(("headline", "para", "sent", "sent"))
                slot = rng.randint(1, len(host_paras))
                if kind == "para":
                    inserts[slot] = (rng.choice(paras), "para")
                elif kind == "headline":
                    words = (_body_sentences(paras[:1]) or paras[:1])[0].split()
                    if title_case_share and rng.random() < title_case_share:
                        inserts[slot] = (_title_case(_headline_cut(words, rng.randint(6, 14))), "headline")
                    else:
                        inserts[slot] = (" ".join(words[:15]), "headline")
                else:
                    pool = _body_sentences(paras)
                    if not pool:
                        continue
                    sentence = rng.choice(pool)
                    target = rng.randint(1, len(host_paras) - 1)
                    if (
                        rng.random() < 0.75
                        and len(sentences(host_paras[target], 0, len(host_paras[target]))) > 1
                    ):
                        # Two sentences of one donor that share a name (the BRICS pair of seed 002)
                        # each make the other look seen: splice such pairs often.
                        sharing = [s for s in pool if s != sentence and _names(s) & _names(sentence)]
                        second = rng.choice(sharing or pool)
                        inline[target] = (
                            [sentence]
                            if second == sentence or rng.random() < (0.2 if sharing else 0.7)
                            else [sentence, second]
                        )
                    else:
                        inserts[slot] = (sentence, "sent")
            docs.append(_assemble(f"{key}-x{seed}-{copy}", key, host_paras, inserts, inline, rng))
    return docs


# Words a headline in title case leaves in lower case (unless first), and words it never ends on.
_MINOR = "a an and as at but by for from in into nor of on or over per the to up via vs with"
_MINOR_WORDS = frozenset(_MINOR.split())


def _headline_cut(words: list[str], most: int) -> list[str]:
    """The first ``most`` words at most, without a trailing minor word or punctuation."""
    cut = words[:most]
    while len(cut) > 1 and cut[-1].lower().strip(",;:") in _MINOR_WORDS:
        cut.pop()
    cut[-1] = cut[-1].rstrip(".,;:")
    return cut


def _title_case(words: list[str]) -> str:
    """``words`` as a headline in title case: each capitalised but minor words after the first."""
    return " ".join(
        word if index and word.lower() in _MINOR_WORDS else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    )


def _assemble(
    doc_id: str,
    group: str,
    host_paras: list[str],
    inserts: dict[int, tuple[str, str]],
    inline: dict[int, list[str]],
    rng: random.Random,
) -> LabelledDoc:
    text = ""
    passages: list[Passage] = []

    def put(piece: str, kind: str, sep: str) -> None:
        nonlocal text
        if text:
            text += sep
        passages.append(Passage(len(text), len(text) + len(piece), bool(kind), kind))
        text += piece

    for index, para in enumerate(host_paras):
        if index in inserts:
            piece, kind = inserts[index]
            put(piece, kind, "\n\n")
        if index in inline:
            bounds = sentences(para, 0, len(para))
            # After any sentence but never before the first: the end of the paragraph too.
            spliced = inline[index][: len(bounds)]
            cuts = sorted(rng.sample(range(1, len(bounds) + 1), len(spliced)))
            sep, begin = "\n\n", 0
            for cut, sentence in zip(cuts, spliced, strict=True):
                put(para[bounds[begin][0] : bounds[cut - 1][1]], "", sep)
                put(sentence, "sent", " ")
                sep, begin = " ", cut
            if begin < len(bounds):
                put(para[bounds[begin][0] :], "", " ")
        else:
            put(para, "", "\n\n")
    if len(host_paras) in inserts:
        piece, kind = inserts[len(host_paras)]
        put(piece, kind, "\n\n")
    return LabelledDoc(doc_id, group, text, passages, lang=detect_language(text))


def load_reviews(path: Path, clean_dir: Path = Path("clean")) -> list[LabelledDoc]:
    """Reviewer decisions as labelled passages: a dropped flag is off-topic, a kept one is not.

    ``path`` is the decisions file (``reviews/decisions.jsonl``); each decision names
    its document by id, found among the sidecars of ``clean_dir`` (``text_before``,
    ``lang``, ``metadata.title``, ``removed``). A kept rule cut is article text, so a
    negative too; a confirmed rule cut says nothing about topic and is left out.
    Decisions whose document or text is gone are skipped.
    """
    from cleaner.review.decisions import Decisions
    from cleaner.review.sidecars import iter_sidecars

    decisions = Decisions.load(path)
    decisions.log_warnings()
    entries = [entry for entry in decisions.entries if entry.action == "flagged" or entry.decision == "keep"]
    if not entries or not clean_dir.is_dir():
        return []
    wanted = {entry.document for entry in entries}
    sidecars = {side["id"]: side for side in iter_sidecars(clean_dir) if side["id"] in wanted}
    docs = []
    for document in sorted(wanted & sidecars.keys()):
        side = sidecars[document]
        text = side["text_before"]
        passages = [
            Passage(entry.start, entry.end, entry.decision == "drop", "review")
            for entry in entries
            if entry.document == document and text[entry.start : entry.end] == entry.text
        ]
        if not passages:
            continue
        removed = [
            (int(x["start"]), int(x["end"])) for x in side.get("removed", []) if x.get("status") == "applied"
        ]
        title = (side.get("metadata") or {}).get("title")
        docs.append(
            LabelledDoc(
                f"review:{document}",
                f"review:{document}",
                text,
                passages,
                title,
                side.get("lang"),
                removed,
                True,
            )
        )
    return docs
