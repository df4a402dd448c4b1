"""The line-start twins of rule patterns find exactly what the patterns themselves find."""

from __future__ import annotations

import functools

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.pipeline import DEFAULT_RULES_DIR
from cleaner.rules import PATTERN_TIMEOUT_SECONDS, _has_top_level_bar, _matches, line_start_twin, load_rules

FLAGS = regex.MULTILINE | regex.VERSION1 | regex.IGNORECASE
EDGE_PATTERNS = [
    r"^(?:|abc)",  # an empty match, then a longer one at the same place
    r"^\W*foo\W*$",  # a match that swallows the newlines after it
    r"^\s*$",
    r"^[\W_]*bar[^\n]*",
    r"^(?:x|foo)(?P<author> \w+)?",
]


def reference(pattern: regex.Pattern[str], text: str) -> list[tuple[int, int, dict[str, str | None]]]:
    found = pattern.finditer(text, timeout=PATTERN_TIMEOUT_SECONDS)
    return [(m.start(), m.end(), m.groupdict()) for m in found if m.end() > m.start()]


def same_matches(pattern: regex.Pattern[str], form: regex.Pattern[str] | None, text: str) -> bool:
    try:
        expected = reference(pattern, text)
    except TimeoutError:
        return True  # a runaway pattern is the rules engine's business (a warning), not the twin's
    return list(_matches(lambda: pattern, form, text)) == expected


RULES = load_rules(DEFAULT_RULES_DIR).rules
PATTERNS = [(rule.pattern(n), rule.line_form(n)) for rule in RULES for n in range(len(rule.sources))]


def twin(pattern: str) -> regex.Pattern[str] | None:
    source = line_start_twin(pattern)
    return regex.compile(source, FLAGS) if source else None


EDGES = [(regex.compile(p, FLAGS), twin(p)) for p in EDGE_PATTERNS]
EXAMPLES = [line for rule in RULES for line in rule.spec.examples.match]
PIECES = [*EXAMPLES, "\n", "\n\n", " ", "-", "Text of the article."]
EDGE_PIECES = ["\n", "\n\n", " ", "-", "foo", "abc", "bar", "x", " Ann"]


def test_most_rule_patterns_get_a_twin_and_alternations_do_not() -> None:
    assert sum(form is not None for _, form in PATTERNS) >= len(PATTERNS) // 2
    assert all(form is not None for _, form in EDGES)
    assert line_start_twin("^a|b") is None and line_start_twin("^.{0,9}a") is None
    assert line_start_twin(r"^(?<=x)a") is None and line_start_twin("a") is None
    assert line_start_twin("^a)|(b") is None and line_start_twin(r"^a\)|\(b") is None
    for pattern, expected in [("a|b", True), ("(a|b)", False), ("[|]", False), ("[]|]", False)]:
        assert _has_top_level_bar(pattern) is expected
    for pattern, expected in [(r"\|x", False), ("[^]]|x", True), ("[[a-z]--[q]]|x", True), ("(?:a)|b", True)]:
        assert _has_top_level_bar(pattern) is expected


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_twins_of_the_rules_find_the_same_matches(pieces: list[str]) -> None:
    text = "".join(pieces)
    for pattern, form in PATTERNS:
        assert same_matches(pattern, form, text), pattern.pattern


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(EDGE_PIECES), max_size=12))
@example(["foo", "\n\n", "foo"])
def test_twins_find_the_same_matches_in_edge_cases(pieces: list[str]) -> None:
    text = "".join(pieces)
    for pattern, form in EDGES:
        assert same_matches(pattern, form, text), pattern.pattern


def test_the_company_profile_pattern_is_linear_on_a_long_line_of_run_together_names() -> None:
    """A car site's brand menu (one word of hundreds of letters) once ran past the time limit."""
    rule = next(rule for rule in RULES if rule.spec.id == "about-company-tail")
    names = ["Northwind", "Baxter", "Crane", "Dunmore", "Elk-Horn", "Fairway", "GLX", "Harlow", "KTM"]
    menu = "".join(names * 30)  # 1,500 letters: the earlier pattern needed minutes
    profile = "Acme Systems is a global software provider.\nAcme employs 300 people.\n"
    text = f"{menu}\n{menu} {menu}\n{profile}"
    # raises TimeoutError past 1 s
    found = list(_matches(functools.partial(rule.pattern, 3), rule.line_form(3), text))
    assert [text[start:end] for start, end, _ in found] == ["Acme Systems is a global software provider"]


def test_the_newsletter_name_pattern_is_linear_on_a_long_line_of_sharp_s() -> None:
    """With full case folding, a word run the engine backtracks over is quadratic in ß: a
    2,000-letter line ran past the time limit. The name before "Newsletter" is now matched as
    whole word runs and hyphens, never given back a letter at a time."""
    rule = next(rule for rule in RULES if rule.spec.id == "de-newsletter-prompt")
    number = next(n for n, source in enumerate(rule.spec.patterns) if "newsletteranmeldung" in source)
    words = ["Straße", "Großstraße", "weiß", "Fußball", "Maß"]
    lines = ["ß" * 2000, "".join(words * 100), "-".join(words * 70), "Der Straßen-Fußball-Newsletter"]
    text = "\n".join(lines) + "\n"
    # raises TimeoutError past 1 s
    found = list(_matches(functools.partial(rule.pattern, number), rule.line_form(number), text))
    assert [text[start:end] for start, end, _ in found] == ["Der Straßen-Fußball-Newsletter"]
