"""Literals a regex can't match without, so most rule patterns are never run on a text.

A pattern like ``^[^\\w\\n]*(?:our )?newsletters?[^\\w\\n]*$`` can only match a text
that contains ``newsletter``. :func:`requirements` derives such facts from the
pattern itself, as a conjunction of clauses, each a set of literals of which the
text must contain one (``{"newsletter"}``; ``{" is a ", " was a "}``). One pass
of an Aho-Corasick automaton over the folded text (:class:`LiteralScan`) tells
which literals occur, and a pattern whose requirements fail is known not to
match: running it would find nothing. A pattern that can't match a line break
(nor look past one) matches within a line, and that line holds its literals:
it only needs to be searched in those lines (:meth:`ScannedText.lines`). A
pattern anchored at a line start, past any non-word characters (``^[^\\w\\n]*``),
is known by how its match begins (:class:`Heads`): a whole-line label list like
``^[^\\w\\n]*(?:home|menu|...)[^\\w\\n]*$`` only runs on the lines whose first
word starts with one of its labels, found with a look-up per line.

The requirements are derived from the regex package's own parse tree, so they
follow its syntax exactly (``(?&name)`` calls, sets, flags). Anything the
analysis doesn't know, it treats as "any text" (no requirement): a pattern is
never skipped on a guess. Case is handled by folding both the literals and the
text with the regex package's own full case folding, and by treating the
dotted and dotless i of Turkish as "i", as the regex package does when it
ignores case; a requirement is therefore also met by a text where a
case-sensitive pattern would not match, which only means the pattern runs.
Decimal digits all fold to ``0``, so ``\\d{4}`` needs the literal ``0000``.
"""

from __future__ import annotations

import bisect
import functools
import importlib
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import ahocorasick_rs
import regex

# The regex package parses patterns in Python; its parser and case folding are the
# reference for what a pattern can match. They are internal modules, so they are
# reached here only, and a parse that fails for any reason means "no requirement".
_core: Any = importlib.import_module("regex._regex_core")
_engine: Any = importlib.import_module("regex._regex")

MAX_EXACT = 64  # largest set of alternative strings tracked for one part of a pattern
MAX_EDGE = 1024  # largest set of strings tracked as those one of which starts (ends) a part
_TURKIC_I = {"I": "i", "İ": "i", "ı": "i"}  # the regex package equates these when ignoring case

Clause = frozenset[str]
# Zero-width assertions that mean the same in a line searched alone as in the whole text:
# the character beyond either end of a line is a line break, and they treat the ends of
# a searched stretch as they treat a line break.
_LINE_SAFE_ASSERTIONS = tuple(
    getattr(_core, name)
    for name in (
        "Boundary",
        "DefaultBoundary",
        "DefaultEndOfWord",
        "DefaultStartOfWord",
        "EndOfLine",
        "EndOfLineU",
        "EndOfWord",
        "StartOfLine",
        "StartOfLineU",
        "StartOfWord",
        "Keep",
        "Failure",
    )
)


def fold(text: str) -> str:
    """``text`` with case folded the way the regex package compares case-insensitively, and digits as 0.

    Every decimal digit (``\\d``) becomes ``0``, so that ``\\d`` in a pattern is the
    literal ``0`` to the prefilter.
    """
    folded: str = _engine.fold_case(_core.FULL_CASE_FOLDING, text)
    for char, plain in _TURKIC_I.items():
        if char in folded:
            folded = folded.replace(char, plain)
    return _DIGIT.sub("0", folded)


class Heads:
    """Folded strings one of which starts the first word of a line, indexed by their first two
    characters (``singles``: those of one character)."""

    def __init__(self, strings: Iterable[str]) -> None:
        self.strings = tuple(sorted(strings))
        self.singles = frozenset(string for string in self.strings if len(string) == 1)
        by_two: dict[str, list[str]] = {}
        for string in self.strings:
            if len(string) > 1:
                by_two.setdefault(string[:2], []).append(string)
        self.by_two = {two: tuple(strings) for two, strings in by_two.items()}

    def __repr__(self) -> str:
        return f"Heads({list(self.strings)!r})"


@dataclass(frozen=True)
class Requirement:
    """What a text must hold for a pattern to match in it.

    ``clauses``: sets of folded literals; the folded text holds one of each
    (none: any text may do). ``one_line``: every match, and all that its
    lookarounds look at, lies within one line, so the line that holds a match
    also holds one literal of each clause. ``heads``: every match starts a
    line, and the line's first word starts with one of these folded strings
    (``^[^\\w\\n]*(?:home|menu)`` matches on lines whose words begin with
    "home" or "menu"); None when not known.
    """

    clauses: tuple[Clause, ...]  # the one that narrows things down most first
    one_line: bool
    heads: Heads | None = None


@dataclass(frozen=True)
class _Facts:
    """What the strings a part of a pattern matches have in common.

    ``exact``: every string it can match, folded (None: too many or unknown);
    ``clauses``: sets of literals, one of each of which the text must contain;
    ``lines``: whether it may match a newline, or depend on more than its line;
    ``head`` and ``tail``: strings one of which starts (ends) every match, when
    ``exact`` is unknown (``\\d+`` starts and ends with ``0``).
    """

    exact: frozenset[str] | None
    clauses: tuple[Clause, ...] = ()
    lines: bool = True
    head: frozenset[str] | None = None
    tail: frozenset[str] | None = None

    def all_clauses(self) -> tuple[Clause, ...]:
        own = (self.exact,) if self.exact and "" not in self.exact else ()
        return self.clauses + own

    @property
    def starts(self) -> frozenset[str] | None:
        return self.exact if self.exact is not None else self.head

    @property
    def ends(self) -> frozenset[str] | None:
        return self.exact if self.exact is not None else self.tail


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    """Every string of ``left`` followed by every one of ``right``, or None when too many."""
    if len(left) * len(right) > MAX_EXACT:
        return None
    return frozenset(a + b for a in left for b in right)


def _known(strings: frozenset[str] | None) -> frozenset[str] | None:
    """``strings``, unless one of them is empty (then they say nothing)."""
    return strings if strings and "" not in strings else None


_DIGIT = regex.compile(r"\d", regex.VERSION1)
_ANY = _Facts(None)
_EMPTY = _Facts(frozenset({""}), lines=False)


def requirements(pattern: str, flags: int, defines: str = "") -> Requirement:
    """What a text in which ``pattern + defines`` (compiled with ``flags``) matches must hold.

    ``defines`` is a ``(?(DEFINE)...)`` suffix that many patterns share; its
    sub-patterns are analysed once for all of them (:class:`_Library`).
    """
    try:
        library = _Library.of(defines, flags) if defines else None
        if library is not None and not any(f"<{name}>" in pattern for name in library.names):
            # The sub-patterns stand in as empty groups, so that calls to them parse.
            stubs = "".join(f"(?P<{name}>)" for name in library.names)
            parsed, info = _parse(f"{pattern}(?(DEFINE){stubs})", flags)
            calls = {info.group_index[name]: name for name in library.names}
            analysis = _Analysis(info, calls, library)
        else:
            parsed, info = _parse(pattern + defines, flags)
            analysis = _Analysis(info)
        items = list(parsed.items) if type(parsed) is _core.Sequence else [parsed]
        parts = [analysis.facts(item) for item in items]
        facts = _in_sequence(parts)
        heads = _line_heads(items, parts)
    except Exception:  # an analysis we can't do leaves the pattern to run on every text
        return Requirement((), one_line=False)
    clauses = {_minimal(clause) for clause in facts.all_clauses() if _useful(clause)}
    # A clause that another one implies (each of its literals holds one of ours) adds nothing.
    clauses = {
        clause
        for clause in clauses
        if not any(other != clause and _implies(other, clause) for other in clauses)
    }
    ordered = sorted(clauses, key=lambda clause: (clause_strength(clause), sorted(clause)), reverse=True)
    return Requirement(tuple(ordered), one_line=not facts.lines, heads=heads)


def _line_heads(items: list[Any], parts: list[_Facts]) -> Heads | None:
    """The strings one of which starts the first word of the line of every match, when the
    pattern (``items``, and the ``parts`` they match) reads ``^``, lookarounds, a run of
    characters that are neither word characters nor line breaks (``[^\\w\\n]*``,
    ``[ \\t]*``), then something that starts with a word character; else None."""
    if not items or type(items[0]) is not _core.StartOfLine:
        return None
    rest = [
        (item, facts)
        for item, facts in zip(items[1:], parts[1:], strict=True)
        if type(item) is not _core.LookAround
    ]
    lead: Any = rest[0][0] if rest else None  # (lookarounds match no text)
    if type(lead) in _REPEATS and lead.min_count == 0 and _no_word_characters(lead.subpattern):
        rest = rest[1:]
    starts = _in_sequence([facts for _, facts in rest]).starts if rest else None
    if not starts or not all(_WORD.match(head) for head in starts):
        return None
    return Heads(starts)


def _no_word_characters(node: Any) -> bool:
    """Whether the set ``node`` matches no word character and no line break: a set of such
    characters, or one that excludes ``\\w`` (or every non-space) and the line break."""
    kind = type(node)
    if kind is _core.Character:
        plain = node.positive and not node.zerowidth and node.value != _NEWLINE
        return plain and not _WORD.match(chr(node.value))
    if kind is not _core.SetUnion or node.zerowidth:
        return False
    if node.positive:
        return all(_no_word_characters(item) for item in node.items)
    excluded = {(type(item), getattr(item, "value", None), item.positive) for item in node.items}
    return (_core.Character, _NEWLINE, True) in excluded and bool(
        excluded & {(_core.Property, _WORD_PROPERTY, True), (_core.Property, _SPACE_PROPERTY, False)}
    )


def _parse(pattern: str, flags: int) -> tuple[Any, Any]:
    """The regex package's parse tree of ``pattern``, as its compiler builds it."""
    global_flags = flags
    while True:
        source = _core.Source(pattern)
        info = _core.Info(global_flags, source.char_type, {})
        info.guess_encoding = _core.UNICODE
        source.ignore_space = bool(info.flags & _core.VERBOSE)
        try:
            parsed = _core._parse_pattern(source, info)
        except _core._UnscopedFlagSet:  # a flag set mid-pattern applies to all of it: parse again
            global_flags = info.global_flags
            continue
        if not source.at_end():
            raise ValueError("unbalanced parenthesis")
        parsed.fix_groups(pattern, False, False)
        return parsed, info


# How the parser writes \d (the same with or without IGNORECASE: digits have no case).
_DIGIT_PROPERTY = _parse(r"\d", regex.VERSION1)[0].items[0].value
# How it writes \w and \s, to recognise sets that exclude them.
_WORD_PROPERTY, _SPACE_PROPERTY = (_parse(rf"\{name}", regex.VERSION1)[0].items[0].value for name in "ws")
_WORD = regex.compile(r"\w", regex.VERSION1)
_REPEATS = (_core.GreedyRepeat, _core.LazyRepeat, _core.PossessiveRepeat)


def _useful(clause: Clause) -> bool:
    """Whether a clause narrows things down: no literal of it is a space or a line break
    (a tab or a run of spaces is: few texts hold one)."""
    return bool(clause) and all(literal.strip() or literal in _RARE_SPACES for literal in clause)


_RARE_SPACES = ("\t", "  ")


def _implies(clause: Clause, other: Clause) -> bool:
    """Whether a text that holds a literal of ``clause`` holds one of ``other`` too."""
    return all(any(literal in mine for literal in other) for mine in clause)


def _minimal(clause: Clause) -> Clause:
    """``clause`` without literals that hold another of its literals (that one occurs too)."""
    return frozenset(a for a in clause if not any(b != a and b in a for b in clause))


_NEWLINE = ord("\n")


class _Analysis:
    """Walks a parse tree; follows ``(?&name)`` calls into the groups they call.

    ``calls`` names the groups (by number) that stand in for the sub-patterns of
    ``library``: a call to one of them is a call into the library.
    """

    def __init__(
        self, info: Any, calls: dict[int, str] | None = None, library: _Library | None = None
    ) -> None:
        self.info = info
        self.calls = calls or {}
        self.library = library
        self.calling: set[int] = set()
        self.called: dict[int, _Facts] = {}

    def facts(self, node: Any) -> _Facts:
        kind = type(node)
        core = _core
        if kind is core.Sequence:
            return self.sequence(node.items)
        if kind is core.Conditional and node.group == 0:
            return _EMPTY  # (?(DEFINE)...): sub-patterns to call, never matched here
        if kind in (core.Branch, core.Conditional, core.LookAroundConditional):
            branches = node.branches if kind is core.Branch else [node.yes_item, node.no_item]
            facts = self.branch([self.facts(branch) for branch in branches])
            if kind is core.LookAroundConditional and self.facts(node.subpattern).lines:
                return _Facts(facts.exact, facts.clauses)
            return facts
        if kind in (core.Group, core.Atomic):
            return self.facts(node.subpattern)
        if kind in (core.GreedyRepeat, core.LazyRepeat, core.PossessiveRepeat):
            return self.repeat(self.facts(node.subpattern), node.min_count, node.max_count)
        if kind is core.LookAround:
            # A lookaround matches no text, but what it sees is in the text all the same.
            seen = self.facts(node.subpattern)
            return _Facts(frozenset({""}), seen.all_clauses() if node.positive else (), seen.lines)
        if kind is core.CallGroup:
            return self.call(node.group)
        if kind in (
            core.Character,
            core.Property,
            core.Range,
            core.SetUnion,
            core.SetDiff,
            core.SetInter,
            core.SetSymDiff,
        ):
            return self.character(node)
        if kind in (core.String, core.Literal):
            text = "".join(map(chr, node.characters))
            return _Facts(frozenset({fold(text)}), lines="\n" in text)
        if kind in (core.Any, core.AnyU):
            return _Facts(None, lines=False)  # any character but a line break
        if kind in _LINE_SAFE_ASSERTIONS:
            return _EMPTY
        if issubclass(kind, core.ZeroWidthBase):
            return _Facts(frozenset({""}))  # \A, \Z, \G: where a line is searched alone, they differ
        return _ANY  # a back-reference, fuzzy matching, a named list, \X...

    def sequence(self, items: Sequence[Any]) -> _Facts:
        return _in_sequence([self.facts(item) for item in items])

    def branch(self, branches: list[_Facts]) -> _Facts:
        lines = any(facts.lines for facts in branches)
        exact: set[str] = set()
        for facts in branches:
            if facts.exact is None or len(exact) + len(facts.exact) > MAX_EXACT:
                break
            exact |= facts.exact
        else:
            return _Facts(frozenset(exact), lines=lines)
        head, tail = _union(facts.starts for facts in branches), _union(facts.ends for facts in branches)
        # Some branch matches too many strings: each branch's best clause, any of them.
        union: set[str] = set()
        for facts in branches:
            options = facts.all_clauses()
            if not options:
                return _Facts(None, lines=lines, head=head, tail=tail)
            union |= max(options, key=clause_strength)
        return _Facts(None, (frozenset(union),), lines, head, tail)

    def repeat(self, facts: _Facts, least: int, most: int | None) -> _Facts:
        if least == 0:
            if most == 1 and facts.exact is not None:
                return _Facts(facts.exact | {""}, lines=facts.lines)
            return _Facts(None, lines=facts.lines)
        if least == most == 1:
            return facts
        # At least ``least`` times: the first ``least`` of them start it, the last ones end it.
        power = facts.exact
        for _ in range(least - 1):
            power = _product(power, facts.exact) if power is not None and facts.exact is not None else None
        if power is not None and least == most:
            return _Facts(power, facts.clauses, facts.lines)
        known = _known(power)
        clauses = facts.all_clauses() + ((known,) if known else ())
        return _Facts(None, clauses, facts.lines, power or facts.head, power or facts.tail)

    def call(self, group: int) -> _Facts:
        name = self.calls.get(group)
        if name is not None and self.library is not None:
            return self.library.facts(name)
        if group in self.called:
            return self.called[group]
        if group in self.calling:
            return _ANY  # a recursive call: its strings are unknown, and may hold anything
        self.calling.add(group)
        try:
            facts = self.called[group] = self.facts(self.info.defined_groups[group][0].subpattern)
        finally:
            self.calling.discard(group)
        return facts

    def character(self, node: Any) -> _Facts:
        """A character, a property or a set: the characters it matches if a few, else unknown."""
        if node.zerowidth:
            return _EMPTY
        return _Facts(_one_of(node), lines=bool(node.matches(_NEWLINE)))


def _one_of(node: Any) -> frozenset[str] | None:
    """The folded characters a one-character node matches, when they are few (digits are all 0)."""
    kind = type(node)
    if not node.positive or node.zerowidth:
        return None
    if kind is _core.Character:
        return frozenset({fold(chr(node.value))})
    if kind is _core.Property:
        return frozenset({"0"}) if node.value == _DIGIT_PROPERTY else None
    if kind is _core.Range:
        if node.upper - node.lower >= MAX_EXACT:
            return None
        return frozenset(fold(chr(code)) for code in range(node.lower, node.upper + 1))
    if kind is _core.SetUnion and len(node.items) <= MAX_EXACT:
        members: set[str] = set()
        for item in node.items:
            found = _one_of(item)
            if found is None:
                return None
            members |= found
        return frozenset(members)
    return None


def _in_sequence(parts: list[_Facts]) -> _Facts:
    """What ``parts`` matched one after another have in common."""
    clauses = [clause for facts in parts for clause in facts.clauses]
    lines = any(facts.lines for facts in parts)
    current = frozenset({""})  # strings one of which ends what is matched so far (since an unknown)
    complete = True
    for facts in parts:
        if facts.exact is not None:
            longer = _product(current, facts.exact)
            if longer is not None:
                current = longer
                continue
        # Not all of it is known: what is known so far runs on into its start, and
        # what follows starts from its end.
        complete = False
        starts = facts.starts
        joined = (_product(current, starts) if starts is not None else None) or current
        if _known(joined):
            clauses.append(joined)
        current = facts.ends or frozenset({""})
    if complete:
        return _Facts(current, tuple(clauses), lines)
    if _known(current):
        clauses.append(current)
    return _Facts(None, tuple(clauses), lines, _edge(parts, "starts"), _edge(parts[::-1], "ends"))


def _edge(parts: list[_Facts], side: str) -> frozenset[str] | None:
    """The strings one of which starts (``side="starts"``) or ends (``"ends"``, the parts
    given from the last) what ``parts`` match one after another."""
    edge = frozenset({""})
    for facts in parts:
        strings = getattr(facts, side)
        if strings is None:
            break
        if edge == {""}:
            longer = strings  # (however many: no product to bound)
        else:
            longer = _product(edge, strings) if side == "starts" else _product(strings, edge)
        if longer is None:
            break
        edge = longer
        if facts.exact is None:
            break
    return _known(edge)


def _union(sets: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    """All the strings of ``sets`` (the starts or ends of branches), or None when one is
    unknown or they are too many."""
    found: set[str] = set()
    for strings in sets:
        if strings is None or len(found) + len(strings) > MAX_EDGE:
            return None
        found |= strings
    return _known(frozenset(found))


class _Library:
    """The sub-patterns of a ``(?(DEFINE)...)`` suffix, parsed once and analysed as they are called."""

    def __init__(self, defines: str, flags: int) -> None:
        _, info = _parse(defines, flags)
        self.names: dict[str, int] = dict(info.group_index)
        self._analysis = _Analysis(info)

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def of(defines: str, flags: int) -> _Library:
        """The library of a suffix (one per rule file and flags)."""
        return _Library(defines, flags)

    def facts(self, name: str) -> _Facts:
        return self._analysis.call(self.names[name])


def clause_strength(clause: AbstractSet[str]) -> tuple[int, int]:
    """How much a clause narrows things down: its shortest literal first, then fewer literals."""
    return (min(map(len, clause)), -len(clause))


class LiteralScan:
    """Which of many literals occur in a folded text, found in one pass over the text.

    Single characters (``:``, ``|``, ``©``) and runs of spaces are looked up with
    ``in``: they occur often, and one pass of the automaton would report every occurrence.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        distinct = set(literals)
        self._chars = sorted(literal for literal in distinct if len(literal) == 1 or literal.isspace())
        longer = sorted(literal for literal in distinct if len(literal) > 1 and not literal.isspace())
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                longer, store_patterns=True, implementation=ahocorasick_rs.Implementation.ContiguousNFA
            )
            if longer
            else None
        )

    def present(self, folded: str) -> set[str]:
        """The literals that occur in ``folded`` (a text passed through :func:`fold`)."""
        found = {char for char in self._chars if char in folded}
        if self._automaton is not None:
            found.update(self._automaton.find_matches_as_strings(folded, overlapping=True))
        return found


_Openings = dict[str, list[tuple[int, int]]]  # lines (number, first word's start) by how they open


class ScannedText:
    """A text as the prefilter sees it: folded, the literals it holds, the lines that hold them."""

    def __init__(self, text: str, scan: LiteralScan | None = None) -> None:
        self.text = text
        self.folded = fold(text)
        # The literals of ``scan`` found in the text; without a scan, literals are looked up as asked.
        self.present = scan.present(self.folded) if scan is not None else None
        self._line_ends: tuple[list[int], list[int]] | None = None
        self._lines_holding: dict[str, set[int]] = {}
        self._by_opening: tuple[_Openings, _Openings] | None = None
        self._lines_headed: dict[Heads, set[int]] = {}
        self._lines_folded: list[str] | None = None
        self._line_bounds: list[tuple[int, int]] | None = None

    def holds(self, clause: Clause) -> bool:
        """Whether the text holds one of the literals of ``clause``."""
        if self.present is not None:
            return not clause.isdisjoint(self.present)
        return any(literal in self.folded for literal in clause)

    def meets(self, requirement: Requirement) -> bool:
        """Whether a pattern with ``requirement`` may match in the text."""
        return all(self.holds(clause) for clause in requirement.clauses)

    def headed(self, heads: Heads) -> set[int]:
        """The numbers of the lines whose first word starts with one of ``heads``."""
        lines = self._lines_headed.get(heads)
        if lines is None:
            by_one, by_two = self._openings()
            lines = set()
            for single in heads.singles & by_one.keys():
                lines.update(line for line, _ in by_one[single])
            folded = self.folded
            for two in heads.by_two.keys() & by_two.keys():
                strings = heads.by_two[two]
                lines.update(line for line, start in by_two[two] if folded.startswith(strings, start))
            self._lines_headed[heads] = lines
        return lines

    def _openings(self) -> tuple[_Openings, _Openings]:
        """The lines (number, where the first word starts) by their first character, and by
        their first two, in the folded text."""
        if self._by_opening is None:
            folded_ends, _ = self._ends()
            by_one: _Openings = {}
            by_two: _Openings = {}
            for line, line_start in enumerate([0, *(end + 1 for end in folded_ends)]):
                start = _first_word(self.folded, line_start)
                opening = self.folded[start : start + 2]
                if opening:
                    by_one.setdefault(opening[0], []).append((line, start))
                    by_two.setdefault(opening, []).append((line, start))
            self._by_opening = by_one, by_two
        return self._by_opening

    def lines(self, clauses: Sequence[Clause], heads: Heads | None = None) -> list[tuple[int, int]]:
        """Start and end (before the line break) of each line holding a literal of every clause
        (and headed by one of ``heads``, when given), in order.

        The lines that hold the first clause's literals (or the headed lines) are
        found in the whole text; the other clauses are then looked for in those lines only.
        """
        present = self.present
        found: set[int]
        if heads is not None:
            found = self.headed(heads)  # (not changed below: each clause makes a new set)
        else:
            found = set()
            for literal in clauses[0] if present is None else clauses[0] & present:
                found |= self._lines_with(literal)
            clauses = clauses[1:]
        if clauses and found:
            folded_lines = self._folded_lines()
            for clause in clauses:
                literals = clause if present is None else clause & present
                found = {line for line in found if any(literal in folded_lines[line] for literal in literals)}
                if not found:
                    break
        bounds = self._bounds()
        return [bounds[line] for line in sorted(found)]

    def _folded_lines(self) -> list[str]:
        """The lines of the folded text."""
        if self._lines_folded is None:
            self._lines_folded = self.folded.split("\n")
        return self._lines_folded

    def _bounds(self) -> list[tuple[int, int]]:
        """Start and end (before the line break) of each line of the text."""
        if self._line_bounds is None:
            _, ends = self._ends()
            starts = [0, *(end + 1 for end in ends)]
            self._line_bounds = list(zip(starts, [*ends, len(self.text)], strict=True))
        return self._line_bounds

    def _lines_with(self, literal: str) -> set[int]:
        """The numbers of the lines that hold ``literal``."""
        lines = self._lines_holding.get(literal)
        if lines is None:
            lines = self._lines_holding[literal] = set()
            folded_ends, _ = self._ends()
            last = len(folded_ends)
            position = self.folded.find(literal)
            while position >= 0:
                line = bisect.bisect_left(folded_ends, position)
                lines.add(line)
                position = self.folded.find(literal, folded_ends[line] + 1) if line < last else -1
        return lines

    def _ends(self) -> tuple[list[int], list[int]]:
        """Where the line breaks are in the folded text and in the text (the same if folding kept lengths)."""
        if self._line_ends is None:
            ends = _newlines(self.text)
            self._line_ends = (ends if len(self.folded) == len(self.text) else _newlines(self.folded), ends)
        return self._line_ends


_NON_WORDS = regex.compile(r"[^\w\n]+", regex.VERSION1)


def _first_word(text: str, line_start: int) -> int:
    """Where the first word of the line at ``line_start`` starts (or the line ends)."""
    skipped = _NON_WORDS.match(text, line_start)
    return skipped.end() if skipped else line_start


def _newlines(text: str) -> list[int]:
    found = []
    position = text.find("\n")
    while position >= 0:
        found.append(position)
        position = text.find("\n", position + 1)
    return found
