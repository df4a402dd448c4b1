from __future__ import annotations

import re
from pathlib import Path

import pytest

from cleaner.pipeline import DEFAULT_RULES_DIR
from cleaner.rules import Rule, RuleError, apply_rules, load_rule_file, load_rules

RULES = load_rules(DEFAULT_RULES_DIR)


def examples(kind: str) -> list[tuple[Rule, str]]:
    return [(rule, text) for rule in RULES.rules for text in getattr(rule.spec.examples, kind)]


def example_id(case: tuple[Rule, str]) -> str:
    return f"{case[0].id}:{case[1][:30]}"


@pytest.mark.parametrize("case", examples("match"), ids=example_id)
def test_rule_matches_its_examples(case: tuple[Rule, str]) -> None:
    rule, text = case
    assert rule.matches(text)


@pytest.mark.parametrize("case", examples("no_match"), ids=example_id)
def test_rule_spares_its_counter_examples(case: tuple[Rule, str]) -> None:
    rule, text = case
    assert not rule.matches(text)


def test_every_rule_has_examples_both_ways() -> None:
    lacking = [
        rule.id for rule in RULES.rules if not rule.spec.examples.match or not rule.spec.examples.no_match
    ]
    assert lacking == []


def write(tmp_path: Path, body: str, name: str = "test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def rule(tmp_path: Path, body: str) -> Rule:
    (found,) = load_rule_file(write(tmp_path, "category: test\nrules:\n" + body))
    return found


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "category: t\nrules:\n  - id: a\n    kind: paragraph\n    patterns: ['x']\n",
            "rule 'a': field 'kind'",
        ),
        ("category: t\nrules:\n  - id: a\n    kind: line\n    patterns: []\n", "rule 'a': field 'patterns'"),
        (
            "category: t\nrules:\n  - id: b\n    kind: line\n    patterns: ['(']\n",
            "rule 'b': field 'patterns[0]'",
        ),
        (  # a line-anchored pattern (compiled as its line-start twin) that is not valid as written
            "category: t\nrules:\n  - id: c\n    kind: line\n    patterns: ['^x', '^a)(b']\n",
            "rule 'c': field 'patterns[1]'",
        ),
        ("category: t\nrules:\n  - kind: line\n    patterns: ['x']\n", "rule #1: field 'id'"),
        (
            "category: t\nrules:\n  - id: a\n    kind: line\n    patterns: ['x']\n    colour: red\n",
            "rule 'a': field 'colour'",
        ),
        ("rules: []\n", "field 'category'"),
        ("category: [unclosed\n", "can't read YAML"),
    ],
)
def test_a_bad_rule_file_names_file_rule_and_field(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(RuleError, match=r"^test\.yaml|.*test\.yaml") as error:
        load_rule_file(write(tmp_path, body))
    assert message in str(error.value)


def test_duplicate_rule_ids_are_refused(tmp_path: Path) -> None:
    body = "category: t\nrules:\n  - id: same\n    kind: line\n    patterns: ['x']\n"
    write(tmp_path, body, "a.yaml")
    write(tmp_path, body, "b.yaml")
    with pytest.raises(RuleError, match=r"b\.yaml: rule 'same': field 'id': already used in a\.yaml"):
        load_rules(tmp_path)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="can't read YAML"):
        load_rule_file(write(tmp_path, "category: !!python/object/apply:os.system ['echo hacked']\n"))


def test_a_catastrophic_pattern_times_out_with_a_warning_naming_the_rule(tmp_path: Path) -> None:
    slow = rule(tmp_path, "  - id: slow\n    kind: phrase\n    patterns: ['(a|aa)+$']\n")
    fine = rule(tmp_path, "  - id: fine\n    kind: phrase\n    patterns: ['b']\n")
    result = apply_rules("a" * 40 + "!b", [slow, fine])
    assert [span.reason for span in result.spans] == ["fine"]
    assert result.warnings and "rule 'slow'" in result.warnings[0] and "timed out" in result.warnings[0]


def test_line_rule_cuts_the_whole_line(tmp_path: Path) -> None:
    found = rule(tmp_path, "  - id: ad\n    kind: line\n    patterns: ['advert']\n")
    text = "Story.\nAn advert here\nMore story.\n"
    (finding,) = found.find(text)
    assert text[finding.span.start : finding.span.end] == "An advert here"


def test_rules_read_no_break_spaces_as_spaces(tmp_path: Path) -> None:
    found = rule(tmp_path, "  - id: follow\n    kind: line\n    patterns: ['^follow us on twitter$']\n")
    text = "Story.\nFollow us on\u00a0Twitter\nMore story.\n"
    (span,) = apply_rules(text, [found]).spans
    assert text[span.start : span.end] == "Follow us on\u00a0Twitter"


def test_a_rule_that_writes_sharp_s_matches_every_spelling_of_it(tmp_path: Path) -> None:
    sharp = rule(tmp_path, "  - id: close\n    kind: line\n    patterns: ['^schließen$']\n")
    assert all(sharp.matches(text) for text in ("Schließen", "Schliessen", "SCHLIESSEN"))
    # Without a character whose fold is several, case folds one character to one (and runs faster).
    plain = rule(tmp_path, "  - id: street\n    kind: line\n    patterns: ['^strasse$']\n")
    assert plain.matches("STRASSE")
    assert not plain.matches("Straße")


def test_block_rule_takes_teasers_and_stops_at_prose(tmp_path: Path) -> None:
    found = rule(tmp_path, "  - id: rel\n    kind: block\n    patterns: ['^Related$']\n    max_lines: 3\n")
    prose = "This is real article prose that goes on well beyond a teaser headline, and ends in a full stop."
    text = f"Intro.\nRelated\nShip sinks off coast\n\nMayor resigns\n{prose}\n"
    (finding,) = found.find(text)
    assert text[finding.span.start : finding.span.end] == "Related\nShip sinks off coast\n\nMayor resigns"


def test_truncate_after_only_when_the_tail_is_short(tmp_path: Path) -> None:
    found = rule(
        tmp_path, "  - id: tail\n    kind: truncate_after\n    patterns: ['^About us$']\n    max_share: 0.3\n"
    )
    article = "Long article sentence. " * 20
    short_tail = f"{article}\nAbout us\nWe are a blog.\n"
    (finding,) = found.find(short_tail)
    assert short_tail[finding.span.start :].strip() == "About us\nWe are a blog."
    assert list(found.find(f"Short.\nAbout us\n{article}")) == []


def test_phrase_rule_gives_the_author(tmp_path: Path) -> None:
    found = rule(
        tmp_path,
        "  - id: by\n    kind: phrase\n    ignore_case: false\n"
        "    patterns: ['^By (?P<author>[A-Z]\\w+ [A-Z]\\w+)$']\n",
    )
    (finding,) = found.find("Text.\nBy Jane   Doe\n".replace("   ", " "))
    assert finding.author == "Jane Doe"


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("By Marcus Ferrier, Personal Finance Editor", "Marcus Ferrier"),
        ("By Alyssa Crane, WRAL reporter", "Alyssa Crane"),
        ("By Aditi Raghavan, ET Bureau", "Aditi Raghavan"),
        ("By Maria de la Cruz, Reuters", "Maria de la Cruz"),
        ("By Jo Hall, Sam Lee", "Jo Hall, Sam Lee"),
        ("By DANICA KIRKA and JILL LAWLESS", "DANICA KIRKA and JILL LAWLESS"),
    ],
)
def test_a_byline_s_author_leaves_out_the_role_and_outlet_after_the_name(byline: str, author: str) -> None:
    assert apply_rules(f"{byline}\n", RULES.for_document("en", "")).author == author


def test_rules_are_scoped_by_language_and_site(tmp_path: Path) -> None:
    found = rule(
        tmp_path, "  - id: s\n    kind: line\n    lang: [de]\n    sites: [example.com]\n    patterns: ['x']\n"
    )
    assert found.applies_to("de", "news.example.com")
    assert found.applies_to(None, "example.com")
    assert not found.applies_to("en", "example.com")
    assert not found.applies_to("de", "other.org")


@pytest.mark.parametrize(
    ("file_lang", "rule_lang", "error"),
    [
        ("[english]", "[fr]", r"field 'lang.0': unknown language 'english'"),
        ("[en]", "[fr, en-US]", r"rule 'a': field 'lang.1': unknown language 'en-US'"),
    ],
)
def test_a_language_documents_never_get_is_an_error(
    tmp_path: Path, file_lang: str, rule_lang: str, error: str
) -> None:
    """Documents get ISO 639-1 codes: a rule for 'english' or 'en-US' would never run."""
    body = f"category: t\nlang: {file_lang}\nrules:\n  - id: a\n    kind: line\n    lang: {rule_lang}\n"
    with pytest.raises(RuleError, match=": " + error + ": documents get one of af, ar, "):
        load_rule_file(write(tmp_path, body + "    patterns: ['x']\n"))


def test_rules_version_changes_with_the_rules(tmp_path: Path) -> None:
    body = "category: t\nrules:\n  - id: a\n    kind: line\n    patterns: ['x']\n"
    write(tmp_path, body)
    before = load_rules(tmp_path).version
    write(tmp_path, body.replace("'x'", "'y'"))
    assert load_rules(tmp_path).version != before


def test_a_pattern_running_over_a_blank_line_cuts_only_the_line_with_text(tmp_path: Path) -> None:
    found = rule(tmp_path, "  - id: ad\n    kind: line\n    patterns: ['^\\W*advert\\W*$']\n")
    text = "Story.\n\n- ADVERT -\n\nMore story.\n"
    (finding,) = found.find(text)
    assert text[finding.span.start : finding.span.end] == "- ADVERT -"


def test_file_defines_are_sub_patterns_every_rule_can_call(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "category: t\ndefines:\n  month: 'jan(?:uary)?|feb(?:ruary)?'\n  day: '\\d{1,2}'\nrules:\n"
        "  - id: stamp\n    kind: line\n    patterns: ['^Updated (?&day) (?&month)$|^(?&month) (?&day)$']\n",
    )
    (stamp,) = load_rule_file(path)
    assert stamp.matches("Text.\nUpdated 3 January\n") and stamp.matches("Feb 12")
    assert not stamp.matches("Updated 3 March")


def test_a_define_may_not_be_named_author(tmp_path: Path) -> None:
    body = "category: t\ndefines: {author: 'x'}\nrules:\n  - id: a\n    kind: line\n    patterns: ['x']\n"
    with pytest.raises(RuleError, match=r"field 'defines': .*'author' is the group"):
        load_rule_file(write(tmp_path, body))


def test_line_rule_skips_lines_longer_than_max_chars(tmp_path: Path) -> None:
    found = rule(tmp_path, "  - id: lic\n    kind: line\n    max_chars: 40\n    patterns: ['licensing']\n")
    short = "Pier at dawn. REUTERS/Licensing rights"
    long = "The court heard that the licensing rights were sold twice, in 2019 and again in 2021."
    assert [f.span.end - f.span.start for f in found.find(f"{short}\n{long}\n")] == [len(short)]


def test_blank_lines_a_pattern_swallows_are_not_cut(tmp_path: Path) -> None:
    found = rule(tmp_path, "  - id: ad\n    kind: phrase\n    patterns: ['\\s*advertisement\\s*']\n")
    text = "Story.\n\nADVERTISEMENT\n\nMore story.\n"
    (finding,) = found.find(text)
    assert text[finding.span.start : finding.span.end] == "ADVERTISEMENT"


def test_patterns_keep_to_their_line() -> None:
    """``\\s`` and ``\\W`` match a newline, so a pattern using them can swallow the line before;
    rules write ``[^\\S\\n]`` and ``[^\\w\\n]`` (and ``\\n`` where they mean to span lines)."""
    bare = re.compile(r"(?<!\\)\\[sW]")
    crossing = [
        f"{rule.id}: {source}" for rule in RULES.rules for source in rule.sources if bare.search(source)
    ]
    assert crossing == []


def test_a_block_of_list_items_ends_with_the_list(tmp_path: Path) -> None:
    found = rule(tmp_path, "  - id: rel\n    kind: block\n    patterns: ['^More on this$']\n")
    teasers = "More on this\n- Ship sinks off coast\n- Mayor resigns"
    text = f"Intro.\n{teasers}\nThe vote and what comes next\nBody text.\n"
    (finding,) = found.find(text)
    assert text[finding.span.start : finding.span.end] == teasers


def test_rule_files_may_end_in_yml(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "promo.yml").write_text(
        "category: advertisement\nrules:\n  - id: promo-line\n    kind: line\n    patterns: ['^promo$']\n"
    )
    assert [rule.id for rule in load_rules(tmp_path).rules] == ["promo-line"]
