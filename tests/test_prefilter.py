"""The prefilter and the written-out sub-patterns never change what a rule finds, only how fast."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.model import Span
from cleaner.pipeline import DEFAULT_RULES_DIR
from cleaner.prefilter import LiteralScan, ScannedText, fold, requirements
from cleaner.rules import Finding, Rule, RuleSpec, SubPatterns, apply_rules, load_rule_file, load_rules

FLAGS = regex.MULTILINE | regex.VERSION1 | regex.IGNORECASE
RULE_SET = load_rules(DEFAULT_RULES_DIR)
RULES = RULE_SET.rules
EXAMPLES = [
    text for rule in RULES for kind in ("match", "no_match") for text in getattr(rule.spec.examples, kind)
]
PIECES = [*EXAMPLES, "\n", "\n\n", " ", "Text of the article, 12 lines.", "İSTANBUL 2024", "Straße"]


def reference(rule: Rule, text: str) -> list[Finding]:
    """What the rule finds with each pattern as written, searched over the whole text."""
    found = []
    for source in rule.spec.patterns:
        pattern = regex.compile(rule.folding + source + rule.subpatterns.suffix, rule.flags)
        for match in pattern.finditer(text):
            if match.end() > match.start():
                finding = rule._finding(text, match.start(), match.end(), match.groupdict())
                if finding is not None:
                    found.append(finding)
    return found


def test_every_example_finds_what_the_patterns_as_written_find() -> None:
    everything = "\n".join(EXAMPLES)
    for rule in RULES:
        own = [*rule.spec.examples.match, *rule.spec.examples.no_match]
        for text in [everything, *own]:
            assert list(rule.find(text)) == reference(rule, text), (rule.id, text)


def reference_apply(text: str, rules: tuple[Rule, ...]) -> tuple[list[tuple[int, int, str]], str | None]:
    """What ``apply_rules`` gives with the patterns as written, searched over the whole text."""
    spans: list[Span] = []
    author = None
    for rule in rules:
        for finding in reference(rule, text):
            author = author or finding.author
            if not any(s.start <= finding.span.start and finding.span.end <= s.end for s in spans):
                spans.append(finding.span)
    return sorted((s.start, s.end, s.reason) for s in spans), author


EDGES = [  # matches that start empty, or run over lines, or look past the line
    Rule(RuleSpec(id=f"edge-{n}", kind="phrase", patterns=[pattern]), "test", None, "test")
    for n, pattern in enumerate(
        [
            r"^(?=[^\n]*foo)(?:|foo)",
            r"^(?=[^\n]*?\d)\W*foo\W*$",
            r"foo\s+bar",
            r"(?<=\bfoo )bar\b",
            r"^[^\w\n]*(?:foo|bar)[^\w\n]*$",
            r"(?<![\p{Lu}])Foo(?P<author> [A-Z]\w+)?",
            r"^[^\w\n]*(?:foo|bar)\s+bar",  # headed, and runs over lines
            r"^(?=[^\n]*7)[ \t]*foo[^\n]*$",  # headed, after a lookahead
        ]
    )
]
EDGE_PIECES = ["\n", "\n\n", " ", "\t", "-", "foo", "Foo", "bar", "7", " Ann", "FOO BAR", "_foo"]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=25))
@example(["By Jane Doe", "\n", "Published June 18, 2024 at 6:05 p.m."])
def test_texts_made_of_examples_give_the_same_spans_with_the_prefilter(pieces: list[str]) -> None:
    text = "".join(pieces)
    for lang in ("en", "de", None):
        rules = RULE_SET.for_document(lang, "")
        result = apply_rules(text, rules)
        assert (sorted((s.start, s.end, s.reason) for s in result.spans), result.author) == reference_apply(
            text, rules
        )


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(EDGE_PIECES), max_size=12))
@example(["foo"])
@example(["7", "foo", "\n", "foo bar"])
def test_edge_patterns_find_the_same_with_the_prefilter(pieces: list[str]) -> None:
    text = "".join(pieces)
    for rule in EDGES:
        assert list(rule.find(text)) == reference(rule, text), rule.spec.patterns[0]
    result = apply_rules(text, EDGES)
    assert (sorted((s.start, s.end, s.reason) for s in result.spans), result.author) == reference_apply(
        text, tuple(EDGES)
    )


def test_most_patterns_need_literals_and_most_stay_within_a_line() -> None:
    needs = [need for rule in RULES for need in rule.requirements]
    assert sum(bool(need.clauses) for need in needs) >= 0.95 * len(needs)
    assert sum(need.one_line for need in needs) >= 0.8 * len(needs)
    assert sum(need.heads is not None for need in needs) >= 0.5 * len(needs)
    assert all(clause for need in needs for clause in need.clauses)


@pytest.mark.parametrize(
    ("pattern", "clauses", "one_line"),
    [
        (r"^[^\w\n]*(?:our )?newsletters?[^\w\n]*$", [{"newsletter"}], True),
        (r"(?:is|was) (?:a|an)\b", [{"is a", "was a"}], True),  # "is an" holds "is a"
        (r"\d+ min read", [{"0 min read"}], True),
        (r"seite \d+ von \d{2}", [{"seite 0"}, {"0 von 00"}], True),
        (r"[a-c]\d", [{"a0", "b0", "c0"}], True),
        (r"(?=[^\n]*?(?:\d|ago))x", [{"x"}, {"0", "ago"}], True),
        (r"foo\s+bar", [{"foo"}, {"bar"}], False),  # \s matches a line break
        (r"\Afoo", [{"foo"}], False),  # \A means something else in a line searched alone
        (r"(?<!x)foo|bar", [{"foo", "bar"}], True),
        (r"a*|b", [], True),
        (r"(?i:STRASSE)", [{"strasse"}], True),
        (r"^(?:\w+(?:\t|[ ]{2,})){3}\w+$", [{"\t", "  "}], True),  # a tab or two spaces: rare enough
        (r"^\w+ \w+$", [], True),  # a space is not
    ],
)
def test_requirements_of_small_patterns(pattern: str, clauses: list[set[str]], one_line: bool) -> None:
    found = requirements(pattern, FLAGS)
    assert sorted(map(sorted, found.clauses)) == sorted(map(sorted, clauses))
    assert found.one_line is one_line


MANY = [f"label {a}{b}" for a in "abcd" for b in "abcdefghijklmnopqrstuvwxy"]  # more than it keeps exact


@pytest.mark.parametrize(
    ("pattern", "heads"),
    [
        (r"^[^\w\n]*(?:home|menu)[^\w\n]*$", ["home", "menu"]),
        (r"^(?=[^\n]*\d)[ \t]*(?:Home|ab\d)", ["ab0", "home"]),  # after a lookahead; folded
        (r"^[^\S\n]*(?:top )?stories", ["stories", "top stories"]),
        (r"^home", ["home"]),
        (rf"^[^\w\n]*(?:{'|'.join(MANY)})$", MANY),
        (r"^-home", None),  # the line's first word is not where the match starts
        (r"^[\w ]*home", None),  # words may come before it
        (r"^[^\w]*home", None),  # the run may cross lines
        (r"^[^\w\n]*(?:home|\W)", None),  # a branch starts with no word
        (r"home", None),  # not at a line start
        (r"^[^\w\n]*\w+", None),  # starts unknown
    ],
)
def test_line_heads_of_small_patterns(pattern: str, heads: list[str] | None) -> None:
    found = requirements(pattern, FLAGS).heads
    assert (found.strings if found else None) == (tuple(sorted(heads)) if heads else None)


def test_headed_lines_are_those_whose_first_word_starts_with_a_head() -> None:
    text = "Intro\n  — Home\nhomeless shelters\n\n- - \nThe home page\n_home\nMENU"
    heads = requirements(r"^[^\w\n]*(?:home|menu)", FLAGS).heads
    assert heads is not None
    scanned = ScannedText(text)
    assert sorted(scanned.headed(heads)) == [1, 2, 7]
    lines = scanned.lines((), heads)
    assert [text[start:end] for start, end in lines] == ["  — Home", "homeless shelters", "MENU"]


def test_a_pattern_the_analysis_cannot_read_runs_on_every_text() -> None:
    assert requirements("(", FLAGS).clauses == ()
    assert requirements(r"(?:foo){e<=1}", FLAGS).clauses == ()  # fuzzy matching needs no literal


def test_fold_matches_case_insensitive_matching_for_every_character_the_rules_need() -> None:
    """Whatever a rule's literal character matches, ignoring case, folds to the same text."""
    alphabet = {
        char for rule in RULES for need in rule.requirements for c in need.clauses for w in c for char in w
    }
    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)
    for char in sorted(alphabet):
        pattern = regex.compile(r"\d" if char == "0" else regex.escape(char), FLAGS)
        for match in pattern.finditer(every):
            assert fold(match.group()) == char, (char, match.group(), unicodedata.name(match.group(), "?"))


def test_fold_keeps_offsets_for_common_text_and_folds_special_cases() -> None:
    assert fold("Straße İSTANBUL ıI ﬁ K ٣4") == "strasse istanbul ii fi k 00"
    assert len(fold("Plain news text, 2024.")) == len("Plain news text, 2024.")


def test_the_scan_finds_single_characters_and_longer_literals() -> None:
    scan = LiteralScan(["©", "all rights reserved", "0", "  ", "\t"])
    assert scan.present(fold("© 2024 Metro. All Rights Reserved")) == {"©", "all rights reserved", "0"}
    assert scan.present("Home   News\tSport") == {"  ", "\t"}
    assert scan.present(fold("Nothing here")) == set()


def test_lines_holding_every_clause_are_found_with_their_offsets() -> None:
    text = "Intro line\nPhoto: Jane Doe\nStraße, Photo\nphoto credit"
    scanned = ScannedText(text)
    lines = scanned.lines((frozenset({"photo"}), frozenset({":", ","})))
    assert [text[start:end] for start, end in lines] == ["Photo: Jane Doe", "Straße, Photo"]


def write(tmp_path: Path, body: str) -> Rule:
    path = tmp_path / "rules.yaml"
    path.write_text(body, encoding="utf-8")
    (found,) = load_rule_file(path)
    return found


def test_sub_patterns_are_written_out_with_the_flags_they_are_defined_with(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        "category: t\ndefines: {word: 'ab', upper: '(?-i:CD)'}\nrules:\n"
        "  - id: r\n    kind: phrase\n    patterns: ['(?-i:x(?&word))(?&upper)']\n"
        "    examples: {match: [xABCD], no_match: [xabcd]}\n",
    )
    assert "(?&" not in found.sources[0]
    assert [f.span.end for f in found.find("xABCD xabcd")] == [5]


def test_sub_patterns_that_recurse_or_capture_stay_calls() -> None:
    recursive = SubPatterns.of((("nest", r"\((?&nest)?\)"),), FLAGS)
    assert recursive.expand("^(?&nest)$").endswith(recursive.suffix)
    capturing = SubPatterns.of((("pair", r"(a)(b)"),), FLAGS)
    assert "(?&pair)" in capturing.expand("(?&pair)x")
    plain = SubPatterns.of((("word", "ab|cd"), ("two", "(?&word) (?&word)")), FLAGS)
    assert plain.expand("^(?&two)$") == "^(?im-sx:(?im-sx:ab|cd) (?im-sx:ab|cd))$"
