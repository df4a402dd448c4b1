"""The pure core: one raw record in, one :class:`Document` with all its spans out.

Stages only find spans (rules, then the lines learned as site boilerplate, then
the line model on page dumps, then the off-topic classifier); the guard may mark
cuts not applied; reviewers' decisions set statuses; ``render`` makes the clean
text. Nothing here touches the disk except loading rules, models, decisions and
the learned site lines once per process.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

import regex
import trafilatura
from htmldate.extractors import try_date_expr
from langdetect import detector_factory

from cleaner import __version__
from cleaner.extract import html_to_text
from cleaner.ingest import RawRecord
from cleaner.lang import detect_language
from cleaner.linemodel import MODEL_NAME as LINE_MODEL_NAME
from cleaner.linemodel import LineModel, Mode, detect_mode, find_boilerplate
from cleaner.linemodel import load_model as load_line_model
from cleaner.linemodel import model_version as boilerplate_version
from cleaner.model import Document, Span, cut_ranges, line_ranges, render, touches_any
from cleaner.offtopic import find_offtopic
from cleaner.offtopic import model_version as offtopic_version
from cleaner.offtopic.model import OfftopicModel, model_for, non_english_model, semantic_model
from cleaner.offtopic.model import default_model as default_offtopic_model
from cleaner.offtopic.provenance import Source, text_prints
from cleaner.offtopic.semantic import default_encoder
from cleaner.offtopic.vectors import default_vectors
from cleaner.review.decisions import Decisions
from cleaner.rules import RuleSet, apply_rules, load_rules
from cleaner.sitelines import (
    ALLOW_NAME,
    SiteLineParams,
    SiteLines,
    Surveyed,
    content_digest,
    document_lines,
)

DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
TextMode = Literal["auto", "page", "article"]
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Settings:
    """Everything that decides the output besides the input itself."""

    rules_dir: Path = DEFAULT_RULES_DIR
    # Reviewers' decisions to apply: none unless named (``cleaner run`` names reviews/decisions.jsonl),
    # so that a library call never depends on the working directory.
    decisions_path: Path | None = None
    withhold_flagged: bool = True
    # The off-topic stage; off when preparing the classifier's own training data, which
    # must see the document as that stage receives it (cleaner/offtopic/data.py).
    offtopic: bool = True
    # The opt-in semantic off-topic model (a sentence encoder besides; the [semantic] extra).
    semantic_offtopic: bool = False
    # The guard: rules and the line model may not remove more than this share of a
    # document's text; a whole-page dump (menus, teasers, footers) is mostly boilerplate.
    max_removed_share: float = 0.6
    max_removed_share_page: float = 0.95
    # How plain text is read: a whole-page dump (the line model cuts its menus and teasers),
    # extracted article text (rules only), or read off the text (``detect_mode``). HTML is
    # always extracted first, so its text is article text.
    text_mode: TextMode = "auto"
    # Site-repeated lines (cleaner/sitelines): when a line is boilerplate for its site; None
    # turns the stage off. ``site_table`` is the learned table to apply (the runner learns it).
    site_lines: SiteLineParams | None = field(default_factory=SiteLineParams)
    site_table: Path | None = None

    def __post_init__(self) -> None:
        # Paths may be given as strings; a text mode must be one the pipeline knows.
        for name in ("rules_dir", "decisions_path", "site_table"):
            if isinstance(getattr(self, name), str):
                object.__setattr__(self, name, Path(getattr(self, name)))
        if self.text_mode not in get_args(TextMode):
            modes = ", ".join(get_args(TextMode))
            raise ValueError(f"text_mode must be one of {modes}, not {self.text_mode!r}")

    @property
    def site_lines_allow(self) -> Path | None:
        """The site-lines allowlist: the file named, else the rules folder's (read when it exists)."""
        if self.site_lines is None:
            return None
        return self.site_lines.allow or self.rules_dir / ALLOW_NAME


@dataclass
class Cleaner:
    """Loads rules once and cleans records; one instance per worker process."""

    settings: Settings = field(default_factory=Settings)
    # The learned site lines; loaded from ``settings.site_table`` when not given.
    site_lines: SiteLines | None = None
    # The line model; the stored one when not given (training scores its fold models so).
    line_model: LineModel | None = None

    def __post_init__(self) -> None:
        self.rules: RuleSet = load_rules(self.settings.rules_dir)
        if self.settings.site_lines is None:
            self.site_lines = None
        elif self.site_lines is None and self.settings.site_table is not None:
            self.site_lines = SiteLines.load(self.settings.site_table)
        path = self.settings.decisions_path
        self.decisions = Decisions.load(path) if path else Decisions()
        self.decisions.log_warnings()

    @property
    def versions(self) -> dict[str, object]:
        """What the output depends on besides the input; a change re-cleans every file (the site
        lines and the reviewers' decisions are each document's own: :meth:`document_versions`)."""
        versions: dict[str, object] = {
            "cleaner": CLEANER_VERSION,
            "rules": self.rules.version,
            # A model whose stage is off takes no part in the output.
            "model": {"boilerplate": self.line_model.version if self.line_model else boilerplate_version()}
            | (
                {
                    "offtopic": offtopic_version(self.offtopic_model),
                    "offtopic_non_english": offtopic_version(non_english_model()),
                }
                if self.settings.offtopic
                else {}
            ),
            "site_lines": self.site_lines.version if self.site_lines else None,
        }
        if self.settings.text_mode != "auto":  # a mode named, not read off each text
            versions["text_mode"] = self.settings.text_mode
        if not self.settings.withhold_flagged:  # the clean text holds the flagged passages
            versions["flagged"] = "keep"
        return versions

    def load_models(self) -> None:
        """Load now what cleaning loads on first use (the line model, the language profiles, the
        off-topic model and its word vectors), so that timings of cleaning leave it out."""
        load_line_model()
        detector_factory.init_factory()
        if self.settings.offtopic:
            default_vectors()
            non_english_model()
            if self.offtopic_model.semantic:
                default_encoder()

    @property
    def offtopic_model(self) -> OfftopicModel:
        """The off-topic model the settings choose (loaded once per process)."""
        return semantic_model() if self.settings.semantic_offtopic else default_offtopic_model()

    def with_site_lines(self, table: SiteLines, path: Path | None = None) -> Cleaner:
        """This cleaner, rules and models already loaded, applying ``table`` (written at ``path``)."""
        clone = copy.copy(self)
        clone.settings = replace(self.settings, site_table=path)
        clone.site_lines = table if self.settings.site_lines else None
        return clone

    def with_line_model(self, model: LineModel) -> Cleaner:
        """This cleaner, rules already loaded, cutting lines with ``model``."""
        clone = copy.copy(self)
        clone.line_model = model
        return clone

    def document_versions(self, document: Document) -> dict[str, object]:
        """The versions a document's sidecar records: the site lines are those of its own site,
        the decisions its own."""
        site_lines = self.site_lines.site_version(document.site) if self.site_lines else None
        return {**self.versions, "decisions": self.decisions.version([document.id]), "site_lines": site_lines}

    def clean(
        self,
        record: RawRecord,
        site_hint: str = "",
        extracted: Extracted | None = None,
        sources: Mapping[int, Source] | None = None,
    ) -> Document:
        """Extract (for HTML), detect the language, find and guard the cuts, flag, apply decisions.

        ``extracted``: the record's :func:`extract`, when an earlier pass already made it.
        ``sources``: its passages that other articles of the run hold more, by fingerprint, with
        where they came from (a run's survey finds them: cleaner/offtopic/provenance.py).
        """
        document = prepare(record, site_hint, extracted)
        text, metadata = document.text, document.metadata
        document.lang = detect_language(text)
        found = apply_rules(text, self.rules.for_document(document.lang, document.site))
        document.spans.extend(found.spans)
        document.warnings.extend(found.warnings)
        # Rules win: a line a rule touched is not the site lines' to cut.
        repeated: list[Span] = []
        if self.site_lines:
            repeated = self.site_lines.find(text, document.site, found_ranges(found.spans))
        document.spans.extend(repeated)
        if found.author and not metadata.get("author"):
            metadata["author"] = found.author
        # Extracted HTML is article text, however short its lines: never a page dump.
        mode = "article" if record.is_html else self._text_mode(text)
        headline = find_headline(text, metadata.get("title"), found.spans, mode, found_ranges(repeated))
        if headline and not metadata.get("title"):
            metadata["title"] = text[headline[0] : headline[1]].strip()
        date = None if metadata.get("date") else find_date(text, found.spans, headline, mode)
        if date:
            metadata["date"] = date
        writers = find_writers(text, found.spans + repeated, headline, mode)
        document.spans.extend(writers)
        if writers and not metadata.get("author"):
            metadata["author"] = writer_names(text, writers)
        if mode == "article":
            document.spans.extend(find_header_labels(text, found.spans + repeated, headline))
        if mode == "page":
            # Only whole-page dumps go through the line model: on extracted text it costs recall
            # and buys no precision (cleaner/models/boilerplate.md). A rule always wins, and the
            # headline is spared.
            protected = found_ranges(found.spans + repeated + writers) + ([headline] if headline else [])
            document.spans.extend(
                find_boilerplate(text, document.lang, protected=protected, mode=mode, model=self.line_model)
            )
        self._guard(document, self.settings.max_removed_share_page if mode == "page" else None)
        if self.settings.offtopic:
            cut = cut_ranges(document.removed, withhold_flagged=False)
            document.spans.extend(
                find_offtopic(
                    text,
                    cut,
                    metadata.get("title"),
                    document.lang,
                    model_for(document.lang, self.offtopic_model),
                    sources,
                )
            )
        document.spans = self.decisions.apply(document.id, text, document.spans)
        return document

    def _text_mode(self, text: str) -> Mode:
        """The mode the settings name for plain text, or the one read off it."""
        return detect_mode(text) if self.settings.text_mode == "auto" else self.settings.text_mode

    def _guard(self, document: Document, limit: float | None = None) -> None:
        """Keep the text of a document that would be gutted, and say so.

        The line model's cuts go back first; when the rules' and site lines' cuts
        alone still exceed the limit, every cut goes back.
        """
        # What the guard protects is the article: at the default limit (not on a page dump, where
        # it is the last resort against the line model), a comment section cut whole at the end
        # of the text counts on neither side, when the text before it is an article's worth.
        article_end = len(document.text) if limit else comment_section_start(document.text, document.removed)
        limit = limit or self.settings.max_removed_share
        size = len(document.text[:article_end].strip())
        if not size:
            return

        def share(spans: list[Span]) -> float:
            cut = cut_ranges(spans, withhold_flagged=False)
            return sum(min(end, article_end) - start for start, end in cut if start < article_end) / size

        removed = document.removed
        everything = share(removed)
        if everything <= limit:
            return
        firm = [span for span in removed if span.reason != LINE_MODEL_NAME]
        if len(firm) < len(removed) and share(firm) <= limit:
            withdrawn = LINE_MODEL_NAME
            document.guard = (
                f"rules, site lines and the line model would remove {everything:.0%} of the text "
                f"(limit {limit:.0%}); the line model's cuts withdrawn, the rules' kept, review it"
            )
        else:
            withdrawn = None
            document.guard = (
                f"rules, site lines and the line model would remove {everything:.0%} of the text "
                f"(limit {limit:.0%}); nothing removed, review it"
            )
        document.spans = [
            span.with_changes(applied=False)
            if span.action == "removed" and withdrawn in (None, span.reason)
            else span
            for span in document.spans
        ]

    def clean_text(self, document: Document) -> str:
        """The clean text of a cleaned document, following the flagged-passage setting."""
        return render(document.text, document.spans, self.settings.withhold_flagged)


@dataclass(frozen=True)
class Extracted:
    """What extraction makes of an HTML record: its text and the metadata the page declares."""

    text: str
    metadata: dict[str, str | None]


def extract(record: RawRecord) -> Extracted:
    """The text and page metadata of an HTML record (a function of its content and url alone)."""
    text, metadata, _ = html_to_text(record.content, record.metadata.get("url"))
    return Extracted(text, metadata)


def prepare(record: RawRecord, site_hint: str = "", extracted: Extracted | None = None) -> Document:
    """The document of a record before any stage: its text (extracted from HTML), metadata and site.

    ``extracted``: the record's :func:`extract`, when already made (else it is made here).
    """
    metadata = dict(record.metadata)
    text = record.content
    if record.is_html:
        if extracted is None:
            extracted = extract(record)
        text = extracted.text
        for key, value in extracted.metadata.items():
            metadata.setdefault(key, value)
    warnings = list(record.warnings)
    if record.is_html and not text.strip():
        warnings.append("no article text found in the page")
    return Document(
        id=record.id,
        source=record.source,
        text=text,
        sha256=record.sha256,
        metadata=metadata,
        site=site_of(metadata.get("url"), site_hint),
        warnings=warnings,
    )


# The code that cleans, besides rules and models: the release, a digest of the package's source
# (so that a change of the code, not only of its version number, re-cleans every file) and the
# extractor HTML goes through.
_PACKAGE = Path(__file__).resolve().parent
_CODE_DIGEST = hashlib.sha256(
    b"".join(
        path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes()
        for path in sorted(_PACKAGE.rglob("*.py"))
    )
).hexdigest()[:12]
CLEANER_VERSION = f"{__version__}+{_CODE_DIGEST}/trafilatura-{trafilatura.__version__}"

# How ``survey`` turns records into lines: a change of it, or of the extractor (our code, read
# from its source, or trafilatura), makes the stored statistics and the extractions kept for a
# run stale (cleaner/sitelines/store.py empties a store made otherwise; cleaner/extraction_cache.py
# keys its entries on it).
_EXTRACTOR_DIGEST = hashlib.sha256(Path(inspect.getfile(html_to_text)).read_bytes()).hexdigest()[:12]
SURVEY_VERSION = (
    f"survey-2/cleaner-{__version__}/extract-{_EXTRACTOR_DIGEST}/trafilatura-{trafilatura.__version__}"
)


def survey(record: RawRecord, site_hint: str = "", extracted: Extracted | None = None) -> Surveyed:
    """What learning site-repeated lines needs of a record, its site and its distinct short lines;
    and what provenance needs, its id and its passages' fingerprints.

    ``extracted`` as for :func:`prepare`.
    """
    document = prepare(record, site_hint, extracted)
    prints = text_prints(document.text)
    if not document.site:
        return Surveyed("", "", (), document.id, prints)
    lines = tuple((line.hash, line.text) for line in document_lines(document.text))
    return Surveyed(document.site, content_digest(document.text), lines, document.id, prints)


def find_headline(
    text: str, title: str | None, spans: list[Span], mode: str, skip: list[tuple[int, int]] | None = None
) -> tuple[int, int] | None:
    """Where the article's headline line is, so the line model doesn't take it for a teaser.

    With a known title, the longest line that holds it or is held by it; otherwise one of
    the few lines above the first byline or date line the rules cut (in a page dump, the
    first byline; :func:`_headline_above`), or, in extracted text without either, the first
    line if it has 15 to 200 characters and no final full stop. Lines a rule cut (a
    breadcrumb, a stamp) or inside ``skip`` (a site's masthead, learned as site boilerplate)
    are never the headline.
    """
    cut = found_ranges(spans)
    lines = [
        (m.start(), m.end(), m.group().strip())
        for m in _LINE.finditer(text)
        if m.group().strip() and not touches_any(m.start(), m.end(), [*cut, *(skip or ())])
    ]
    if title:
        wanted = _squash(title)
        squashed = [(_squash(line), start, end) for start, end, line in lines]
        matches = [
            (len(form), start, end)
            for form, start, end in squashed
            if len(form) >= 15 and (form in wanted or wanted in form)
        ]
        return max(matches)[1:] if matches else None
    stamp = _first_stamp(spans, mode)
    if stamp is not None:
        above = [line for line in lines if line[1] < stamp][-HEADER_LINES:][::-1]
        return _headline_above(above, mode)
    if mode == "article" and lines and _headline_shaped(lines[0][2]):
        return lines[0][0], lines[0][1]
    return None


# The categories of the rule cuts under which a headline stands: in a page dump dates stand in
# menus and teaser lists above the article too, so there only a byline anchors it.
_ANCHORS = {"article": ("byline", "date"), "page": ("byline",)}


def _first_stamp(spans: list[Span], mode: str, after: int = 0) -> int | None:
    """Where the first byline or date line the rules cut from ``after`` on starts (in a page
    dump, the first byline), or None."""
    return min(
        (span.start for span in spans if span.category in _ANCHORS[mode] and span.start >= after),
        default=None,
    )


# How many lines above the first byline or date line may hold the headline (nearest first: a
# role, a writer's name, a standfirst, the headline).
HEADER_LINES = 4


def _headline_above(lines: list[tuple[int, int, str]], mode: str) -> tuple[int, int] | None:
    """The headline among ``lines``, the lines above the first byline or date line, nearest
    first. Lines a byline leaves are passed over: a writer's name, "Recipe by ...", a role of
    fewer than four words under a name, and in extracted text any line of fewer than four
    words (an outlet, "Staff report"; in a page dump such a line is as often a button). So is
    one standfirst written as sentences. The first headline-shaped line left is the headline,
    unless the line above it reads as one too: then the lower line is the standfirst
    ("Headline", "Standfirst", "Jane Doe", then a stamp)."""
    passed_standfirst = False
    for index, (start, end, line) in enumerate(lines):
        higher = lines[index + 1][2] if index + 1 < len(lines) else ""
        if _writer(line) or (len(line.split()) < 4 and (mode == "article" or _writer(higher))):
            continue
        if not _headline_shaped(line):
            if passed_standfirst or not _standfirst_sentence(line):
                return None
            passed_standfirst = True
            continue
        if not passed_standfirst and _headline_over_standfirst(higher):
            return lines[index + 1][0], lines[index + 1][1]
        return start, end
    return None


WRITER_LINE = "writer-line"


def find_writers(text: str, spans: list[Span], headline: tuple[int, int] | None, mode: str) -> list[Span]:
    """Writers' names that no rule cut, each on its own line between the headline and the first
    byline or date line under it ("Jane Doe", "Recipe by Jane Doe", "and Sam Lee"): bylines."""
    if headline is None:
        return []
    stamp = _first_stamp(spans, mode, after=headline[1])
    if stamp is None:
        return []
    cut = found_ranges(spans)
    header = text[headline[1] : stamp]
    return [
        Span(
            headline[1] + start,
            headline[1] + end,
            "removed",
            WRITER_LINE,
            "byline",
            detail="a writer's name between the headline and the byline or date",
        )
        for start, end in line_ranges(header)
        if _writer(header[start:end]) and not touches_any(headline[1] + start, headline[1] + end, cut)
    ]


HEADER_LABEL = "header-label"
# How far down the headline may stand for the short lines above it to be labels: a scrape's
# top holds a menu's remains, a section, a kicker; lower, a short line is the article's own.
LABELS_ABOVE = 8
_LABEL_WORDS = 3


def find_header_labels(text: str, spans: list[Span], headline: tuple[int, int] | None) -> list[Span]:
    """Short lines no rule cut above the headline of extracted text: a section name, a kicker,
    a breadcrumb's last step ("Local News", "WATER CRISIS", "Mobilité"), when the headline is
    among the first :data:`LABELS_ABOVE` lines left. A line of at most three words that ends
    with no full stop, question mark or colon is a label there."""
    if headline is None:
        return []
    cut = found_ranges(spans)
    above = [
        (start, end) for start, end in line_ranges(text[: headline[0]]) if not touches_any(start, end, cut)
    ]
    if len(above) >= LABELS_ABOVE:
        return []
    return [
        Span(start, end, "removed", HEADER_LABEL, "navigation", detail="a short label above the headline")
        for start, end in above
        if len(text[start:end].split()) <= _LABEL_WORDS and not text[start:end].endswith((".", "?", "!", ":"))
    ]


def writer_names(text: str, writers: list[Span]) -> str:
    """The names on the lines of ``writers``, without their credits ("Recipe by"), comma-separated."""
    return ", ".join(_CREDIT_START.sub("", text[span.start : span.end], count=1) for span in writers)


def _writer(line: str) -> bool:
    """Whether ``line`` is a writer's name or credit that no rule cut ("Jane Doe", "Recipe by
    Jane Doe", "and Sam Lee")."""
    return _NAME_LINE.fullmatch(line) is not None or _CREDIT_LINE.fullmatch(line) is not None


def _headline_shaped(line: str) -> bool:
    return 15 <= len(line) <= 200 and not line.endswith((".", ":", ";"))


def _standfirst_sentence(line: str) -> bool:
    return 60 <= len(line) <= 300 and line.endswith(".")


def _headline_over_standfirst(higher: str) -> bool:
    """Whether ``higher`` reads as a headline over the line under it, its standfirst: four
    words or more, no breadcrumb, no writer (a headline over a standfirst may end with a full
    stop)."""
    return (
        15 <= len(higher) <= 200
        and len(higher.split()) >= 4
        and not higher.endswith((":", ";"))
        and _BREADCRUMB.search(higher) is None
        and not _writer(higher)
    )


# Stamps further than this below the headline (or the start of extracted text) are taken for
# another story's: a teaser's, a comment's.
DATE_REACH = 1500
# Dates outside these years are taken for misreadings (fixed, so that the output never depends
# on the day of the run).
_DATE_BOUNDS = (datetime(1990, 1, 1), datetime(2099, 12, 31))


def find_date(text: str, spans: list[Span], headline: tuple[int, int] | None, mode: str) -> str | None:
    """The date (YYYY-MM-DD) of the first byline or date line the rules cut under the headline
    ("Published 6:42 a.m. ET March 4, 2025", "14. März 2025, 17:42 Uhr"), read by htmldate;
    in a page dump without a headline, none (the first stamp may be a teaser's)."""
    if headline is None and mode == "page":
        return None
    start = headline[1] if headline else 0
    stamps = sorted(
        (span.start, span.end)
        for span in spans
        if span.category in ("byline", "date") and start <= span.start < start + DATE_REACH
    )
    for stamp_start, stamp_end in stamps:
        stamp = text[stamp_start:stamp_end]
        if not any(char.isdigit() for char in stamp):
            continue
        # The stamp as a whole, else each date in it: htmldate reads neither "6:13 PM CST
        # January 14, 2025" nor two stamps on one line.
        for expression in chain([stamp], (found.group() for found in _DATE_LIKE.finditer(stamp))):
            for extensive in (False, True):  # the extensive search parses other languages, slower
                date = try_date_expr(expression, "%Y-%m-%d", extensive, *_DATE_BOUNDS)
                if date:
                    return date
    return None


# A date in a stamp: numeric (18/02/2025, 2025-02-18) or with the month's name, in either order
# ("Mar. 5, 2025", "14. März 2025", "22 de outubro de 2010").
_DATE_LIKE = regex.compile(
    r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2}\b)|\d{4}-\d{2}-\d{2}"
    r"|\p{L}{3,}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th|\.)?[ \t]+(?:de[ \t]+)?\p{L}{3,}\.?,?[ \t]+(?:de[ \t]+)?\d{4}"
)


# A line that is only a name, two to four words in title case ("Jack Power", "Dr Nuala O'Connor";
# not "GET IT" or "Ihre E-Mail"): a byline no rule cut.
_NAME_WORD = r"\p{Lu}(?:\p{Ll}|['’]\p{Lu})[\p{L}.'’-]*"
_NAME_LINE = regex.compile(rf"(?:{_NAME_WORD}[ \t]+){{1,3}}{_NAME_WORD}")
# A credit line a rule missed: "Recipe by Anjali Mehra-Stone", "Words by Jo Hall and Sam Lee",
# "and Sam Lee" (the second line of a byline).
_CREDIT = r"(?:(?:\S+[ \t]+){0,2}(?i:by)|and|&)[ \t]+"
_CREDIT_LINE = regex.compile(rf"{_CREDIT}{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|and|&))*")
_CREDIT_START = regex.compile(f"^{_CREDIT}")
# Separators of a breadcrumb or a section trail ("Houston › Politics", "News | Local").
_BREADCRUMB = re.compile(r"\s[›>|/»·•]\s")


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


# The guard leaves a closing comment section out of its count only after this much text.
MIN_ARTICLE_CHARS = 400


def comment_section_start(text: str, removed: list[Span]) -> int:
    """Where a comment section cut whole at the end of ``text`` starts, else the end of ``text``.

    The section is a cut of the comments category that runs to the end of the text and
    leaves at least :data:`MIN_ARTICLE_CHARS` of text before it.
    """
    end = len(text.rstrip())
    starts = [
        span.start
        for span in removed
        if span.applied
        and span.category == "comments"
        and span.end >= end
        and len(text[: span.start].strip()) >= MIN_ARTICLE_CHARS
    ]
    return min(starts, default=len(text))


def found_ranges(spans: list[Span]) -> list[tuple[int, int]]:
    """The ranges of ``spans``, for stages that must leave them alone."""
    return [(span.start, span.end) for span in spans]


_ARCHIVED = re.compile(r"^/web/\d+[a-z_]*/(?:[a-z][a-z0-9+.-]*:/+)?(.+)$", re.IGNORECASE)


def site_of(url: str | None, fallback: str) -> str:
    """The site a document belongs to: the url's host without www., else the fallback.

    A Wayback Machine url (web.archive.org/web/<time>/<url>) belongs to the archived url's site.
    """
    if url:
        parts = urlsplit(url)
        host = parts.hostname or ""
        archived = _ARCHIVED.match(parts.path) if host == "web.archive.org" else None
        if archived:
            return site_of(f"http://{archived.group(1)}", host)
        if host:
            return host.removeprefix("www.")
    return fallback
