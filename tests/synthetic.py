"""Synthetic articles for tests: one frame of sentences, each article filled with its subject's words."""

from __future__ import annotations

from collections.abc import Sequence


def synthetic_article(topic: Sequence[str], templates: Sequence[str], number: int, heading: str) -> str:
    """A four-paragraph article: ``templates`` filled with the words of ``topic`` (a place, then the
    six words ``{b}`` to ``{g}``), started at sentence ``number``, under ``heading`` (filled likewise,
    ``{a}`` the place)."""
    place, *words = topic
    fields = dict(zip("bcdefg", words, strict=True))
    sentences = [template.format(**fields) for template in templates]
    sentences = [sentence[0].upper() + sentence[1:] for sentence in sentences]
    turned = sentences[number:] + sentences[:number]
    paragraphs = [" ".join(turned[k : k + 3]) for k in range(0, len(turned), 3)]
    return heading.format(a=place, **fields) + "\n\n" + "\n\n".join(paragraphs) + "\n"
