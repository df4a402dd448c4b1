"""HTML to article text and metadata.

trafilatura runs in its precision mode (tables kept, comments left out), its fast cascade
first and the whole one only where that looks short of the article: on the
dev benchmarks that is both the better extractor and the better start for our rules,
which then cut what it kept of bylines, teasers and prompts, each cut recorded. Its one
weakness there is an article split over several body containers, of which it keeps only
some; :func:`complete` brings back the prose paragraphs that sit beside the kept ones in
containers of the same kind, :func:`with_lead` the lead paragraph it drops with the
article header, and :func:`without_headline` takes out the headline it
keeps on some pages (the headline is the metadata's title, as with trafilatura).
Metadata comes from what the page declares (:func:`page_metadata`). When trafilatura
finds nothing, beautifulsoup4 gives the visible text of the page.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from itertools import islice
from typing import Any

import htmldate
import lxml.html
import trafilatura
from bs4 import BeautifulSoup
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS, is_dubious_html

_DROPPED_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")
_BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "article", "section")
_WORD_RE = re.compile(r"\w+")

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

# Stems of class and id words that mark page furniture (``related-posts``, ``newsletterBox``,
# ``comment-list``); a word matches when it starts with a stem, or equals a short one.
_FURNITURE_STEMS = (
    "related",
    "recommend",
    "readmore",
    "teaser",
    "popular",
    "trending",
    "mostread",
    "latest",
    "outbrain",
    "taboola",
    "suggest",
    "similar",
    "carousel",
    "newsletter",
    "subscri",
    "signup",
    "register",
    "login",
    "paywall",
    "premium",
    "promo",
    "share",
    "sharing",
    "social",
    "follow",
    "comment",
    "disqus",
    "reply",
    "respond",
    "discussion",
    "caption",
    "credit",
    "gallery",
    "author",
    "byline",
    "bio",
    "meta",
    "dateline",
    "tag",
    "topic",
    "categor",
    "breadcrumb",
    "advert",
    "sponsor",
    "banner",
    "affiliate",
    "nav",
    "menu",
    "footer",
    "header",
    "sidebar",
    "aside",
    "widget",
    "pagination",
)
_FURNITURE_WORDS = ("ad", "ads", "more", "next", "prev", "cta")
_FURNITURE_RE = re.compile(
    "|".join([*(f"^{stem}" for stem in _FURNITURE_STEMS), *(f"^{word}$" for word in _FURNITURE_WORDS)])
)
_FURNITURE_TAGS = frozenset(("aside", "nav", "footer", "form", "figure", "figcaption", "header"))
_STATE_CLASS = re.compile(r"(?:^|(?<=-)|(?<=_))(?:no|has|with|without)-[\w-]*")
_TAXONOMY_CLASS = re.compile(r"^(?:tag|category|format|status|author)-")
_CLASS_SPLIT = re.compile(r"[\s_-]+|(?<=[a-z])(?=[A-Z])")
# A left-out paragraph comes back only this close (in ancestor levels) to a kept one.
_MAX_LEVELS = 3
_MIN_PROSE_WORDS = 12
# Matches a text of at least that many words, reading no further.
_PROSE_WORDS = re.compile(rf"\W*(?:\w+\W+){{{_MIN_PROSE_WORDS - 1}}}\w")
_MAX_LINK_SHARE = 0.3
# A lead shares an ancestor this many levels up with the first kept paragraph.
_LEAD_LEVELS = 7
_LEAD_RE = re.compile(r"^(intro|lead$|leadtext|excerpt|chapo|teaser|abstract)")
_LEAD_MARK_LEVELS = 2
_LEAD_HINT = re.compile(r"intro|lead|excerpt|chapo|teaser|abstract", re.IGNORECASE)
_NESTED_BLOCKS = etree.XPath(".//p|.//div|.//ul|.//ol|.//table|.//h1|.//h2|.//h3|.//section|.//article")
# The text nodes of an element that a reader sees.
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]", smart_strings=False
)


# trafilatura's parser, but every element an HtmlElement: lxml.html's parser gives form
# elements classes of their own, which costs a call to Python for every element a search
# or a walk of the tree meets (5% of the extraction), and neither trafilatura nor we use them.
_PARSER = lxml.html.HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def load_html(html: str) -> HtmlElement | None:
    """The page's tree as ``trafilatura.load_html`` makes it from a string (None when it is no HTML)."""
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    try:
        tree = lxml.html.fromstring(html, parser=_PARSER)
    except ValueError:  # a string declaring its encoding: lxml wants the bytes
        tree = _from_bytes(html)
    except Exception:  # as trafilatura: whatever stops lxml, the bytes get their chance
        tree = None
    if tree is None or len(tree) < 1:
        tree = _from_bytes(html)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


# The characters XML forbids, which trafilatura deletes before parsing.
_INVALID_XML_CHARS = [chr(code) for code in (*range(9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF)]


def repair_faulty_html(html: str, beginning: str) -> str:
    """``html`` as trafilatura's ``repair_faulty_html`` makes it palatable to libxml2.

    The same repairs, but a page is searched for the characters XML forbids one character
    at a time, which is three times faster than trafilatura's regular expression over the
    whole page (a third of the time of parsing it), and most pages have none.
    """
    if any(char in html for char in _INVALID_XML_CHARS):
        html = INVALID_XML_CHARS.sub("", html)
    if "doctype" in beginning:
        first_line, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first_line, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", html, count=1)
    return html


def _from_bytes(html: str) -> HtmlElement | None:
    try:
        tree: HtmlElement = lxml.html.fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception:
        return None
    return tree


def html_to_text(html: str, url: str | None = None) -> tuple[str, dict[str, str | None], str]:
    """The text of an HTML page, its metadata (title, author, date, url) and the extractor used."""
    tree = load_html(html)
    if tree is None:
        return _visible_text(html), {}, "beautifulsoup"
    metadata = page_metadata(tree, url)
    text = _trafilatura_text(tree, url)
    if not text:
        return _visible_text(html), metadata, "beautifulsoup"
    lines = complete(tree, [line.strip() for line in text.split("\n") if line.strip()])
    lines = with_lead(tree, lines)
    lines = without_headline(tree, lines, metadata.get("title"))
    if "date" not in metadata:
        # Undeclared: htmldate's quick search of the markup and url (it may prune the tree,
        # which is not needed any more).
        date = htmldate.find_date(tree, url=url, extensive_search=False, original_date=True)
        if date:
            metadata["date"] = date
    if not lines:
        return _visible_text(html), metadata, "beautifulsoup"
    # NFC, as trafilatura.extract returns it: pages mix composed and decomposed forms.
    return unicodedata.normalize("NFC", "\n".join(lines)) + "\n", metadata, "trafilatura"


# A fast extraction is doubtful below trafilatura's own minimum size, or when it keeps less
# than this share of the page's words.
_MIN_FAST_CHARS = 250
_MIN_FAST_WORD_SHARE = 0.25
_HIDDEN_TAGS = ("script", "style", "noscript", "template")


def _trafilatura_text(tree: HtmlElement, url: str | None) -> str:
    """trafilatura's text of the page: its fast cascade, and the whole one when that is doubtful.

    The whole cascade (``fast=False``) also runs readability and jusText and keeps their text when
    its own looks deficient; that costs as much again as the fast one, and changes the text of about
    one page in fifteen, nearly always one where the fast cascade kept little or no prose. So the
    whole cascade runs only where the fast one's text is short, has no paragraph or is mostly tables
    (the cases in which trafilatura prefers readability), or holds less than a quarter of the words of
    the page: 13% of extraction-dev pages, 26% of snippets-dev pages. Of the 27 dev pages whose text
    the whole cascade changes, 24 are among them; the other 3 cost snippets-dev html F1 0.001.
    """
    extracted = _bare_extraction(tree, url, fast=True)
    text = _text_of(extracted)
    if extracted is None or _doubtful(extracted.body, text, tree):
        text = _text_of(_bare_extraction(tree, url, fast=False))
    return text


def _bare_extraction(tree: HtmlElement, url: str | None, fast: bool) -> Any:
    """trafilatura's extraction in precision mode, tables kept, comments left out (on a copy of the tree)."""
    return trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
    )


def _text_of(extracted: Any) -> str:
    body = getattr(extracted, "text", None) if extracted is not None else None
    return body.strip() if isinstance(body, str) else ""


def _doubtful(body: etree._Element | None, text: str, tree: HtmlElement) -> bool:
    """Whether a fast extraction may have missed the article (see :func:`_trafilatura_text`)."""
    if body is None or len(text) < _MIN_FAST_CHARS or not body.xpath(".//p//text()"):
        return True
    if len(body.findall(".//table")) > len(body.findall(".//p")):
        return True
    return holds_few_page_words(text, tree)


def holds_few_page_words(text: str, tree: HtmlElement) -> bool:
    """Whether ``text`` has fewer words than a quarter of the page's visible text (scripts and
    styles left out)."""
    needed = len(text.split()) / _MIN_FAST_WORD_SHARE
    root = tree.find("body")
    if root is None:
        root = tree
    every = len(" ".join(root.itertext()).split())
    if needed >= every:
        return False  # the visible words are fewer still: no need to count them
    hidden = sum(len((element.text or "").split()) for element in root.iter(*_HIDDEN_TAGS))
    return needed < every - hidden


def without_headline(tree: HtmlElement, lines: list[str], title: str | None) -> list[str]:
    """``lines`` without the article's headline, which goes to the metadata as the title.

    The extractor keeps the ``<h1>`` on some pages and not on others; the body text
    never starts with it, so every HTML page gives the same kind of text. A line among
    the first three that is the title, or an ``<h1>`` the title starts with
    (``Headline | Site``), is left out.
    """
    wanted = squash(title or "")
    if len(wanted) < 10:
        return lines
    headings = {squash(" ".join(h.text_content().split())) for h in tree.iter("h1")}
    names = {wanted} | {found for found in headings if len(found) >= 10 and wanted.startswith(found)}
    for position, line in enumerate(lines[:3]):
        if squash(line) in names:
            return lines[:position] + lines[position + 1 :]
    return lines


def page_metadata(tree: HtmlElement, url: str | None = None) -> dict[str, str | None]:
    """Title, author, date (YYYY-MM-DD) and url from the page's meta tags and JSON-LD.

    Only what publishers declare, read in one pass: trafilatura's own metadata search
    costs a third of the extraction time. The author the page does not declare comes from
    the byline rules; a date, from htmldate's quick search (see :func:`html_to_text`).
    """
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if key and content:
            metas.setdefault(key, content)
    linked = _json_ld(tree)
    title_tag = tree.find(".//title")
    heading = tree.find(".//h1")
    title = _first(
        metas.get("og:title"),
        metas.get("twitter:title"),
        _ld_text(linked, "headline"),
        " ".join(title_tag.text_content().split()) if title_tag is not None else None,
        " ".join(heading.text_content().split()) if heading is not None else None,
    )
    author = _first(
        *(metas.get(key) for key in _AUTHOR_KEYS if not _is_url(metas.get(key))),
        _ld_author(linked),
    )
    date = _first(
        *(_iso_date(metas.get(key)) for key in _DATE_KEYS),
        _iso_date(_ld_text(linked, "datePublished")),
        *(_iso_date(node.get("datetime")) for node in tree.iter("time")),
    )
    canonical = next(
        (link.get("href") for link in tree.iter("link") if (link.get("rel") or "").lower() == "canonical"),
        None,
    )
    page_url = _first(*(value for value in (canonical, metas.get("og:url"), url) if _is_url(value)))
    found = {"title": title, "author": author, "date": date, "url": page_url}
    return {key: value for key, value in found.items() if value}


_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date",
    "dc.date.issued",
    "sailthru.date",
    "parsely-pub-date",
)
_ISO_DATE_RE = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})")


def _first(*values: str | None) -> str | None:
    return next((value.strip() for value in values if value and value.strip()), None)


def _is_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("http://", "https://"))


def _iso_date(value: str | None) -> str | None:
    match = _ISO_DATE_RE.search(value or "")
    return "-".join(match.groups()) if match else None


def _json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page (``@graph`` lists opened), unreadable scripts skipped."""
    found: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                found.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return found


def _ld_text(objects: list[dict[str, Any]], key: str) -> str | None:
    return next((str(o[key]) for o in objects if isinstance(o.get(key), (str, int))), None)


def _ld_author(objects: list[dict[str, Any]]) -> str | None:
    for item in objects:
        authors = item.get("author")
        names: list[str] = []
        for author in authors if isinstance(authors, list) else [authors]:
            name = author.get("name") if isinstance(author, dict) else author
            if isinstance(name, str) and name.strip() and not _is_url(name):
                names.append(name.strip())
        if names:
            return ", ".join(names)
    return None


def squash(text: str) -> str:
    """The word characters of ``text``, casefolded, with nothing between them.

    Extractors join drop capitals ("H ong Kong") and respace inline tags; compared this
    way a paragraph and its extracted line still match.
    """
    return "".join(_WORD_RE.findall(text)).casefold()


def complete(tree: HtmlElement, lines: list[str]) -> list[str]:
    """``lines`` with the prose paragraphs the extractor left out beside the ones it kept.

    A left-out ``<p>`` or list item (12+ words, under 30% of it in links) comes back when
    its container (a list item's: its list's) is of the same kind (tag and class) as the
    containers of at least two kept paragraphs, it
    shares an ancestor at most three levels up with a kept one, and neither it nor any
    ancestor is furniture (aside, nav, footer, form, figure; class or id words such as
    related, newsletter, comment, share, caption, byline, tags, ad, menu, sidebar). It
    goes in after the line of the kept paragraph before it.
    """
    joined = squash(" ".join(lines))
    prose = []
    for element, text in _prose_paragraphs(tree):
        head = squash(text)[:50]
        prose.append((element, text, head, head in joined))
    kinds: dict[tuple[str, str], int] = {}
    near_kept: set[HtmlElement] = set()
    for element, _, _, kept in prose:
        if kept:
            kind = _kind(element)
            kinds[kind] = kinds.get(kind, 0) + 1
            near_kept.update(islice(element.iterancestors(), _MAX_LEVELS))
    squashed = [squash(line) for line in lines]
    inserts: dict[int, list[str]] = {}
    after = -1
    for element, text, head, kept in prose:
        if kept:
            after = next((i for i, line in enumerate(squashed) if head[:30] in line), after)
        elif (
            kinds.get(_kind(element), 0) >= 2
            and near_kept.intersection(islice(element.iterancestors(), _MAX_LEVELS + (element.tag == "li")))
            and not _is_furniture(element)
        ):
            inserts.setdefault(after, []).append(text)
    if not inserts:
        return lines
    out = list(inserts.get(-1, []))
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    return out


def with_lead(tree: HtmlElement, lines: list[str]) -> list[str]:
    """``lines`` with the article's lead paragraph in front when the extractor left it out.

    The extractor drops the article's ``<header>``, and with it the lead paragraph that
    opens the story (German "Vorspann", French "chapo"). A lead is a ``<p>``, an ``<h2>``
    or a ``<div>`` holding no blocks, of 12+ words (under 30% of it in links), before the
    first kept paragraph and sharing an ancestor at most seven levels up with it, that
    a class or id word of its own or of an ancestor up to two levels up marks (intro,
    lead, leadtext, excerpt, chapo, teaser, abstract), and that sits in no furniture but
    a header. A one-line summary marked dek, summary or subtitle is not a lead: the
    extraction benchmark leaves it out of the article body.
    """
    joined = squash(" ".join(lines))
    first_kept = None
    for element in tree.iter("p"):
        head = squash(element.text_content())[:50]
        if len(head) >= 20 and head in joined:
            first_kept = element
            break
    if first_kept is None:
        return lines
    near = set(islice(first_kept.iterancestors(), _LEAD_LEVELS))
    leads: list[str] = []
    marks: dict[HtmlElement, bool] = {}
    for element in tree.iter("p", "h2", "div"):
        if element is first_kept:
            break
        if not _lead_marked(element, marks) or (element.tag == "div" and _NESTED_BLOCKS(element)):
            continue
        text = " ".join(element.text_content().split())
        if not _PROSE_WORDS.match(text) or squash(text)[:50] in joined:
            continue
        link_chars = sum(len(" ".join(a.text_content().split())) for a in element.iter("a"))
        if link_chars > _MAX_LINK_SHARE * len(text) or not near.intersection(element.iterancestors()):
            continue
        if _is_lead(element):
            leads.append(text)
    return [*leads[-1:], *lines]


def _lead_marked(element: HtmlElement, marks: dict[HtmlElement, bool]) -> bool:
    """Whether a class or id word of ``element`` or of an ancestor up to two levels up marks a lead.

    ``marks`` keeps what was found of each node (siblings share their ancestors).
    """
    for node in (element, *islice(element.iterancestors(), _LEAD_MARK_LEVELS)):
        mark = marks.get(node)
        if mark is None:
            names = f"{node.get('class') or ''} {node.get('id') or ''}"
            mark = marks[node] = bool(_LEAD_HINT.search(names)) and any(
                _LEAD_RE.search(word) for word in _class_words(node)
            )
        if mark:
            return True
    return False


def _is_lead(element: HtmlElement) -> bool:
    """Whether a lead-marked ``element`` sits in no furniture but a header (its marked nodes aside)."""
    for level, node in enumerate([element, *element.iterancestors()]):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("body", "html"):
            break
        words = _class_words(node)
        if level <= _LEAD_MARK_LEVELS and any(_LEAD_RE.search(word) for word in words):
            continue
        if tag == "header":
            continue
        if tag in _FURNITURE_TAGS or any(_FURNITURE_RE.search(word) and word != "header" for word in words):
            return False
    return True


def _prose_paragraphs(tree: HtmlElement) -> list[tuple[HtmlElement, str]]:
    found = []
    for element in tree.iter("p", "li"):
        # Cheap checks first: menus have many items, nested or short, and no prose.
        if element.tag == "li" and (
            next(element.iter("p", "ul"), None) is not None
            or len(element.text_content().split()) < _MIN_PROSE_WORDS
        ):
            continue
        text = " ".join(" ".join(_VISIBLE_TEXT(element)).split())
        if not _PROSE_WORDS.match(text):
            continue
        link_chars = sum(len(" ".join(a.text_content().split())) for a in element.iter("a"))
        if link_chars <= _MAX_LINK_SHARE * len(text):
            found.append((element, text))
    return found


def _is_furniture(element: HtmlElement) -> bool:
    for node in [element, *element.iterancestors()]:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("body", "html"):
            return False
        if tag in _FURNITURE_TAGS:
            return True
        if any(_FURNITURE_RE.search(word) for word in _class_words(node)):
            return True
    return False


def _class_words(node: HtmlElement) -> list[str]:
    """The lowercased words of a node's class and id (``newsletterBox`` gives newsletter, box).

    State modifiers (``no-sidebar``, ``has-post-thumbnail``) say nothing of the node's
    role and are left out, and so are the taxonomy classes WordPress puts on a post
    (``category-news tag-fest`` beside ``hentry`` or ``type-post``).
    """
    tokens = f"{node.get('class') or ''} {node.get('id') or ''}".split()
    post = any(token == "hentry" or token.startswith("type-") for token in tokens)
    kept = []
    for token in tokens:
        if post and _TAXONOMY_CLASS.match(token):
            continue
        kept.append(_STATE_CLASS.sub(" ", token))
    return [word.lower() for word in _CLASS_SPLIT.split(" ".join(kept)) if word]


def _kind(element: HtmlElement) -> tuple[str, str]:
    """The tag and class of the container a paragraph sits in (for a list item: its list's)."""
    holder = element.getparent() if element.tag == "li" else element
    parent = holder.getparent() if holder is not None else None
    return (str(parent.tag), parent.get("class") or "") if parent is not None else ("", "")


def _visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(list(_DROPPED_TAGS)):
        tag.decompose()
    for tag in soup.find_all(list(_BLOCK_TAGS)):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().split("\n"))
    text = "\n".join(line for line in lines if line)
    return text + "\n" if text else ""
