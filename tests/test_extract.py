"""HTML extraction: completion of split article bodies and the page metadata."""

from __future__ import annotations

import lxml.html
import pytest
import trafilatura
from lxml import etree
from trafilatura import utils as trafilatura_utils

from cleaner.extract import (
    _INVALID_XML_CHARS,
    _doubtful,
    _text_of,
    complete,
    holds_few_page_words,
    html_to_text,
    load_html,
    page_metadata,
    repair_faulty_html,
    squash,
    with_lead,
    without_headline,
)

PROSE = [
    "The new dam on the river opened on Monday after six years of work and many delays in the valley.",
    "Engineers said that the reservoir behind it would take a full year to fill with the spring rains.",
    "Farmers downstream welcomed the news, saying the summer droughts had cost them half of their crops.",
    "The regional government paid for most of the work, with the rest coming from a loan by the bank.",
    "A second dam further up the valley is planned, but the money for it has not been found so far.",
    "Officials will present the plan for the second dam to the public at a meeting later this month.",
]
TEASER = (
    "Read our other stories about the valley, the river and the dams that were built there over the years."
)


def page(chunks: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><body><article>{chunks}</article></body></html>")


def chunk(paragraphs: list[str], css: str = "body-chunk") -> str:
    return (
        f'<div class="grid"><div class="{css}">' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></div>"
    )


def test_complete_brings_back_paragraphs_from_sibling_body_chunks() -> None:
    tree = page(chunk(PROSE[:3]) + chunk(PROSE[3:]) + f'<aside class="related">{chunk([TEASER])}</aside>')
    assert complete(tree, PROSE[:3]) == PROSE


def test_complete_inserts_after_the_kept_paragraph_before() -> None:
    tree = page(chunk(PROSE[:2]) + chunk(PROSE[2:4]) + chunk(PROSE[4:]))
    kept = [PROSE[0], PROSE[1], PROSE[4], PROSE[5]]
    assert complete(tree, ["Dam opens", *kept]) == ["Dam opens", *PROSE]


def test_complete_leaves_furniture_and_other_containers_out() -> None:
    # Same kind of container and close by, but marked as a teaser box: stays out.
    teaser = '<div class="grid teaser"><div class="body-chunk">' + "".join(f"<p>{p}</p>" for p in PROSE[3:5])
    tree = page(chunk(PROSE[:3]) + teaser + "</div></div>" + chunk(PROSE[5:], css="other-box"))
    assert complete(tree, PROSE[:3]) == PROSE[:3]
    plain = page(chunk(PROSE[:3]) + teaser.replace(" teaser", "") + "</div></div>")
    assert complete(plain, PROSE[:3]) == PROSE[:5]


def test_complete_brings_back_prose_list_items_beside_kept_paragraphs() -> None:
    tips = '<div class="grid"><div class="body-chunk"><ul>' + "".join(f"<li>{p}</li>" for p in PROSE[3:5])
    tree = page(chunk(PROSE[:3]) + tips + "</ul></div></div>")
    assert complete(tree, PROSE[:3]) == PROSE[:5]
    links = tips.replace("<li>", '<li><a href="/x">').replace("</li>", "</a></li>")
    assert complete(page(chunk(PROSE[:3]) + links + "</ul></div></div>"), PROSE[:3]) == PROSE[:3]


def test_complete_needs_two_kept_paragraphs_of_the_same_kind() -> None:
    tree = page(chunk(PROSE[:1]) + chunk(PROSE[1:]))
    assert complete(tree, PROSE[:1]) == PROSE[:1]


def test_complete_matches_lines_despite_drop_capitals() -> None:
    dropped = "<p><span class='dropcap'>T</span>he " + PROSE[0][4:] + "</p>"
    tree = page('<div class="grid"><div class="body-chunk">' + dropped + f"<p>{PROSE[1]}</p></div></div>")
    assert squash("T he new dam") == squash("The new dam")
    assert complete(tree, PROSE[:2]) == PROSE[:2]


LEAD = "Six years late and far over budget, the valley's new dam is open, and the farmers are glad of it."


def test_with_lead_puts_a_marked_lead_before_the_body() -> None:
    for marked in (f'<p class="article__lead">{LEAD}</p>', f'<div class="intro"><p>{LEAD}</p></div>'):
        tree = page(f"<header><h1>Dam opens</h1>{marked}</header>" + chunk(PROSE))
        assert with_lead(tree, PROSE) == [LEAD, *PROSE]


def test_with_lead_reads_past_wordpress_taxonomy_and_state_classes() -> None:
    lead = f'<div class="article-intro">{LEAD}</div>'
    post = '<div class="post-7 post type-post hentry category-news tag-dams has-post-thumbnail">'
    tree = page(f'<div class="main main--no-sidebar">{post}{lead}{chunk(PROSE)}</div></div>')
    assert with_lead(tree, PROSE) == [LEAD, *PROSE]
    tags = page(f'<div class="tag-list">{lead}{chunk(PROSE)}</div>')
    assert with_lead(tags, PROSE) == PROSE


def test_with_lead_leaves_unmarked_decks_related_boxes_and_kept_leads_alone() -> None:
    deck = page(f'<header><p class="dek">{LEAD}</p></header>' + chunk(PROSE))
    assert with_lead(deck, PROSE) == PROSE
    teaser = page(f'<div class="related-box"><p class="lead">{LEAD}</p></div>' + chunk(PROSE))
    assert with_lead(teaser, PROSE) == PROSE
    kept = page(f'<p class="lead">{LEAD}</p>' + chunk(PROSE))
    assert with_lead(kept, [LEAD, *PROSE]) == [LEAD, *PROSE]
    after = page(chunk(PROSE) + f'<p class="lead">{LEAD}</p>')
    assert with_lead(after, PROSE) == PROSE


def test_html_to_text_puts_the_headline_in_the_metadata_only() -> None:
    html = (
        "<html><head><title>Dam opens after six years | Valley News</title></head><body><nav>Home</nav>"
        "<article><h1>Dam opens after six years</h1>" + "".join(f"<p>{p}</p>" for p in PROSE) + "</article>"
        "<footer>Contact us</footer></body></html>"
    )
    text, metadata, extractor = html_to_text(html, "https://valley.example/dam")
    assert extractor == "trafilatura"
    assert metadata["title"] == "Dam opens after six years | Valley News"
    assert text.splitlines() == PROSE


def test_without_headline_takes_the_headline_out_of_the_first_lines() -> None:
    tree = page("<h1>Dam opens after six years</h1>" + chunk(PROSE[:2]))
    headline = "Dam opens after six years"
    assert without_headline(tree, [headline, *PROSE[:2]], f"{headline} | Valley News") == PROSE[:2]
    assert without_headline(tree, [PROSE[0], headline, PROSE[1]], headline) == PROSE[:2]
    assert without_headline(tree, PROSE[:2], headline) == PROSE[:2]
    assert without_headline(tree, [headline, *PROSE[:2]], "Something else entirely") == [headline, *PROSE[:2]]
    assert without_headline(tree, [headline, *PROSE[:2]], None) == [headline, *PROSE[:2]]


def test_page_metadata_reads_meta_tags_and_json_ld() -> None:
    tree = lxml.html.fromstring(
        "<html><head><title>Dam opens | Valley News</title>"
        "<meta property='og:title' content='Dam opens after six years'>"
        "<link rel='canonical' href='https://valley.example/dam'>"
        '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
        '"author": [{"@type": "Person", "name": "Ana Ruiz"}, {"name": "https://valley.example/staff"}], '
        '"datePublished": "2026-03-02T08:00:00+01:00"}]}</script>'
        "</head><body><p>Text.</p></body></html>"
    )
    assert page_metadata(tree, "https://valley.example/dam?utm=x") == {
        "title": "Dam opens after six years",
        "author": "Ana Ruiz",
        "date": "2026-03-02",
        "url": "https://valley.example/dam",
    }
    bare = lxml.html.fromstring("<html><head><title>Only a title</title></head><body><p>x</p></body></html>")
    assert page_metadata(bare, None) == {"title": "Only a title"}
    tagged = lxml.html.fromstring(
        "<html><head><meta name='author' content='https://valley.example/ana'>"
        "<meta name='dc.creator' content='Ana Ruiz'></head>"
        "<body><time datetime='2025-12-24'>Dec 24</time></body></html>"
    )
    assert page_metadata(tagged, "https://valley.example/x") == {
        "author": "Ana Ruiz",
        "date": "2025-12-24",
        "url": "https://valley.example/x",
    }


def test_html_to_text_returns_composed_unicode_as_trafilatura_does() -> None:
    decomposed = [p.replace("e", "e\u0301", 1) for p in PROSE]
    html = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in decomposed) + "</article></body></html>"
    text, _, _ = html_to_text(html)
    assert "e\u0301" not in text
    assert "\u00e9" in text


@pytest.mark.parametrize(
    "html",
    [
        "<!DOCTYPE html>\n<html><head><title>T</title></head><body><form><input name='q'>"
        "<select><option>a</option></select><label>L</label></form><p>Text &amp; more.</p></body></html>",
        "<?xml version='1.0' encoding='utf-8'?>"
        "<html><body><p>Declared, read as bytes: \u00e9t\u00e9.</p></body></html>",
        "<html/>\n<body><p>A self-closing html tag.</p></body>",
        "<div><p>A fragment, no html tag: one block.</p><p>Two blocks.</p></div>",
        "<p>A lone paragraph is not a page.</p>",
        "just text",
    ],
)
def test_load_html_makes_the_tree_trafilatura_makes(html: str) -> None:
    ours, theirs = load_html(html), trafilatura.load_html(html)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)
        # Every element an HtmlElement: no per-tag classes (FormElement, InputElement ...).
        assert {type(element) for element in ours.iter()} == {lxml.html.HtmlElement}


def test_prose_is_twelve_words_counted_as_word_runs() -> None:
    # A dash is no word and "don't" is two: 11 words, then 12.
    short = "The dam - it opened on Monday after six years of work."
    long = "The dam don't open on Monday after six years of work."
    tree = page(chunk(PROSE[:2]) + chunk([short, long]))
    assert complete(tree, PROSE[:2]) == [*PROSE[:2], long]


@pytest.mark.parametrize(
    "html",
    [
        "<!DOCTYPE html>\n<html><body><p>Nothing to repair but the doctype.</p></body></html>",
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/x.dtd">'
        "<html><body><p>One line.</p></body></html>",
        "<html/>\n<head/>\n<body><p>Self-closing html.</p></body>",
        "<html><body><p>Forbidden \x00 char\x0bacters \ufffe and \uffff, allowed \t\r\n.</p></body></html>",
        "<html><body><p>A lone surrogate \ud800 stays.</p></body></html>",
    ],
)
def test_repair_faulty_html_repairs_as_trafilatura_does(html: str) -> None:
    beginning = html[:50].lower()
    assert repair_faulty_html(html, beginning) == trafilatura_utils.repair_faulty_html(html, beginning)


def test_the_forbidden_characters_are_those_trafilatura_deletes() -> None:
    pattern = trafilatura_utils.INVALID_XML_CHARS
    forbidden = [chr(code) for code in range(0x110000) if pattern.match(chr(code))]
    assert forbidden == _INVALID_XML_CHARS


ARTICLE = "".join(f"<p>{paragraph}</p>" for paragraph in PROSE)


def fast_extraction(html: str) -> tuple[etree._Element | None, str, lxml.html.HtmlElement]:
    tree = load_html(html)
    assert tree is not None
    extracted = trafilatura.bare_extraction(tree, fast=True, favor_precision=True, include_tables=True)
    return getattr(extracted, "body", None), _text_of(extracted), tree


def test_the_share_of_page_words_counts_the_visible_words_only() -> None:
    script = " ".join(["word"] * 20)
    tree = load_html(
        "<html><head><title>Four words of title</title></head><body><p>one two three</p><script>"
        f"{script}</script><style>p {{ color: red }}</style><div>four <b>five</b></div></body></html>"
    )
    assert tree is not None
    # 5 visible words (25 with the script's): one word is under a quarter of them, two are not.
    assert holds_few_page_words("one", tree)
    assert not holds_few_page_words("one two", tree)


def test_a_fast_extraction_of_most_of_the_page_is_sure() -> None:
    html = f"<html><body><nav><a href='/'>Home</a></nav><article>{ARTICLE}</article></body></html>"
    body, text, tree = fast_extraction(html)
    assert text.startswith(PROSE[0])
    assert not _doubtful(body, text, tree)


def test_a_fast_extraction_is_doubtful_when_short_tabular_or_a_small_part_of_the_page() -> None:
    short = f"<html><body><article><p>{PROSE[0]}</p></article></body></html>"
    rows = "".join(f"<tr><td>{p}</td></tr>" for p in PROSE)
    other_rows = "".join(f"<tr><td>{p.upper()}</td></tr>" for p in PROSE)
    tables = f"<table>{rows}</table><table>{other_rows}</table>"
    tabular = f"<html><body><article><p>{PROSE[0]}</p>{tables}</article></body></html>"
    # The article is under a quarter of the page's words, the rest being text the fast cascade leaves.
    aside = "".join(f"<div class='sidebar-box'>{TEASER} {p}</div>" for p in PROSE * 4)
    small_part = f"<html><body><article>{ARTICLE}</article><aside>{aside}</aside></body></html>"
    for html in (short, tabular, small_part):
        body, text, tree = fast_extraction(html)
        assert text, html
        assert _doubtful(body, text, tree), html
