from __future__ import annotations

import pytest

from cleaner.model import Document, Span, cut_ranges, render


def removed(start: int, end: int, **changes: object) -> Span:
    return Span(start, end, "removed", "rule-x", "test").with_changes(**changes)


def test_render_drops_a_line_emptied_by_a_cut_and_keeps_paragraphs() -> None:
    text = "First paragraph.\n\nADVERTISEMENT\n\nSecond paragraph.\n"
    start = text.index("ADVERTISEMENT")
    assert (
        render(text, [removed(start, start + len("ADVERTISEMENT"))])
        == "First paragraph.\n\nSecond paragraph.\n"
    )


def test_render_collapses_spaces_around_a_phrase_cut() -> None:
    text = "Updated 1:23 p.m. The council met on Tuesday.\n"
    assert render(text, [removed(0, len("Updated 1:23 p.m."))]) == "The council met on Tuesday.\n"


def test_flagged_spans_are_withheld_unless_kept_or_asked_to_keep() -> None:
    text = "Alpha. Beta. Gamma.\n"
    flag = Span(7, 12, "flagged", "offtopic", "offtopic", 0.9)
    assert render(text, [flag]) == "Alpha. Gamma.\n"
    assert render(text, [flag], withhold_flagged=False) == text
    assert render(text, [flag.with_changes(status="kept")]) == text


def test_spans_not_applied_cut_nothing() -> None:
    text = "Keep me.\n"
    assert render(text, [removed(0, 8, applied=False)]) == text


def test_cut_ranges_merge_overlaps_and_sort() -> None:
    spans = [removed(10, 20), removed(0, 5), removed(15, 25), removed(5, 7)]
    assert cut_ranges(spans) == [(0, 7), (10, 25)]


def test_span_rejects_bad_offsets() -> None:
    with pytest.raises(ValueError):
        Span(5, 2, "removed", "r", "c")


def test_document_lists_spans_by_action_in_order() -> None:
    doc = Document(
        "d", "s", "x" * 30, spans=[removed(20, 25), Span(1, 3, "flagged", "m", "c"), removed(0, 4)]
    )
    assert [(s.start, s.end) for s in doc.removed] == [(0, 4), (20, 25)]
    assert [(s.start, s.end) for s in doc.flagged] == [(1, 3)]
    assert doc.covered(1, 3) and not doc.covered(3, 6)
