"""How well the off-topic stage does on your own articles, without labels: splice them into each other.

The articles of a ``cleaner run`` output folder (their clean text) are spliced into
one another within each language, the way intruders-dev and the training splices
are made (:func:`cleaner.offtopic.data.splice`: a paragraph, a sentence inside or
beside a paragraph, or a cut-off lead sentence of another article), and every
spliced article goes through the whole pipeline as a ``.txt`` file would. A
passage is withheld when flags cover at least half of it; passages the rules cut
at least half of are counted apart, as in ``cleaner eval --offtopic``. The
figures are per language: English documents get the English model (or the
semantic one), the others the non-English model, and each does differently on
each language.

Two limits to keep in mind: a corpus whose articles share one subject makes
harder donors than news of every kind, and original passages include whatever
boilerplate the first run left in the clean text (a flag on it counts as false).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from cleaner.api import read_clean
from cleaner.ingest import RawRecord
from cleaner.model import cut_ranges
from cleaner.offtopic.data import MIN_WORDS, LabelledDoc, removed_share, splice, spliceable
from cleaner.offtopic.train import INTRUDER_KINDS, Scored, scores_at
from cleaner.pipeline import Cleaner, Settings

MIN_ARTICLES = 10  # a language with fewer articles is left out: too few donors for a figure


def articles_by_language(clean_dir: Path) -> dict[str, dict[str, str]]:
    """The clean texts of ``clean_dir`` long enough to splice (:func:`spliceable`), by language."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for record in read_clean(clean_dir):
        text = spliceable(record["text"])
        if text and record.get("lang"):
            found[record["lang"]].setdefault(record["id"], text)
    return dict(found)


def score_spliced(cleaner: Cleaner, docs: list[LabelledDoc]) -> dict[str, float]:
    """Clean each spliced document as a ``.txt`` file and score its flags against the labels."""
    passages: list[Scored] = []
    doc_max: list[tuple[float, bool]] = []
    started = time.process_time()
    for doc in docs:
        cleaned = cleaner.clean(RawRecord(doc.id, "<spliced>", doc.text, False, ""))
        removed = cut_ranges(cleaned.removed, withhold_flagged=False)
        flags = cut_ranges(cleaned.flagged)  # merged: a paragraph and its sentence may both be flagged
        for passage in doc.passages:
            cut = removed_share(passage, removed)
            if 2 * cut >= 1:
                passages.append(Scored(-1.0, passage.intruder, passage.kind, True))
                continue
            covered = sum(max(0, min(end, passage.end) - max(start, passage.start)) for start, end in flags)
            withheld = 2 * covered >= (1 - cut) * (passage.end - passage.start)
            passages.append(Scored(1.0 if withheld else -1.0, passage.intruder, passage.kind))
        doc_max.append((1.0 if flags else -1.0, any(p.intruder for p in doc.passages)))
    figures = scores_at(passages, doc_max, 0.0)
    figures["documents"] = len(docs)
    figures["ms_per_article"] = 1000 * (time.process_time() - started) / max(len(docs), 1)
    return figures


def evaluate_spliced(
    clean_dir: Path,
    copies: int,
    seed: int,
    semantic: bool = False,
    echo: Callable[[str], None] = lambda _: None,
) -> dict[str, dict[str, float]]:
    """Figures of the off-topic stage on ``clean_dir``'s articles spliced into each other, by language
    (``copies`` spliced copies of each article, drawn with ``seed``).

    Languages with fewer than ``MIN_ARTICLES`` long articles are left out (``echo`` says so).
    """
    cleaner = Cleaner(Settings(site_lines=None, semantic_offtopic=semantic))
    cleaner.load_models()
    report = {}
    for lang, articles in sorted(articles_by_language(clean_dir).items()):
        if len(articles) < MIN_ARTICLES:
            echo(
                f"{lang}: {len(articles)} articles of {MIN_WORDS}+ words, fewer than {MIN_ARTICLES}: left out"
            )
            continue
        echo(f"{lang}: {len(articles)} articles, {copies} spliced copies each ...")
        report[lang] = score_spliced(cleaner, splice(articles, articles, copies, seed))
        report[lang]["articles"] = len(articles)
    return report


def format_spliced(report: dict[str, dict[str, float]]) -> str:
    """One line of figures a language.

    P, R, F1 and false flags are over the passages the rules left; ``F1 all`` and ``FF all``
    count a passage the rules removed as withheld too (the whole pipeline's figures).
    """
    head = (
        f"{'lang':4} {'articles':>8} {'docs':>5} {'P':>6} {'R':>6} {'F1':>6} {'false flags':>12} "
        + " ".join(f"{'R ' + kind:>10}" for kind in INTRUDER_KINDS)
        + f" {'untouched, no flag':>19} {'F1 all':>7} {'FF all':>7} {'ms/article':>10}"
    )
    lines = [head]
    for lang, f in report.items():
        lines.append(
            f"{lang:4} {int(f['articles']):8d} {int(f['documents']):5d} {f['precision']:6.3f} "
            f"{f['recall']:6.3f} {f['f1']:6.3f} {100 * f['false_flag_rate']:11.2f}% "
            + " ".join(f"{f[f'recall_{kind}']:10.3f}" for kind in INTRUDER_KINDS)
            + f" {100 * f['untouched_clean']:18.1f}% {f['f1_all']:7.3f} "
            f"{100 * f['false_flag_rate_all']:6.2f}% {f['ms_per_article']:10.1f}"
        )
    return "\n".join(lines)
