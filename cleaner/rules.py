"""Boilerplate rules: YAML data, validated on load, run by a few rule kinds.

A rule file is ``rules/**/<category>.yaml``::

    category: advertisement          # default category of its rules
    lang: [en]                       # optional: only for documents in these languages
    defines: {month: 'jan(?:uary)?|feb(?:ruary)?'}   # optional: sub-patterns, used as (?&month)
    rules:
      - id: ad-continue-reading
        kind: line                   # line | block | phrase | truncate_after
        patterns: ['^\\W*advertisement\\W*$']
        examples: {match: ["- ADVERTISEMENT -"], no_match: ["The advertisement ran twice."]}

Kinds: ``line`` cuts every line a pattern matches (up to ``max_chars`` long, so a
pattern can look for a phrase anywhere in a short line); ``phrase`` cuts only the
match (a named group ``author`` goes to metadata); ``block`` cuts a heading line
and the teaser lines under it; ``truncate_after`` cuts from a marker line to the
end when what follows is short. Patterns run with MULTILINE (``^``/``$`` are
line bounds) and a time-out, so one bad pattern can't hang a run. A file's
``defines`` are named sub-patterns its rules call with ``(?&name)``, so a date
or a name is spelled once per file, not once per pattern.

Most patterns can't match a given text: each pattern runs only when the text
holds the literals it needs, and, when its matches lie within a line, only on
the lines that hold them (:mod:`cleaner.prefilter`). What loading works out of a
file (patterns compiled and analysed) is cached by its bytes (:mod:`cleaner.rulecache`).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, ClassVar, Literal

import regex
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from cleaner.lang import detectable_languages
from cleaner.model import Span
from cleaner.prefilter import Clause, LiteralScan, ScannedText, requirements
from cleaner.rulecache import Prepared, cache_folder, entry_key, read_entry, write_entry

RuleKind = Literal["line", "block", "phrase", "truncate_after"]
# Order in which kinds run: wide cuts first, so narrower ones inside them are skipped.
KIND_ORDER: dict[str, int] = {"truncate_after": 0, "block": 1, "line": 2, "phrase": 3}
PATTERN_TIMEOUT_SECONDS = 1.0
# libyaml's safe loader when PyYAML was built with it (ten times faster), else the pure one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ELLIPSIS = ("...", "…")
_LIST_ITEM = regex.compile(r"(?:[-–—•*·▪►]|\d{1,2}[.)])\s")
# Spaces a pattern's plain space should match: no-break (French typography, "auf&nbsp;Twitter"),
# narrow no-break and figure space. Each becomes one space, so offsets stay those of the text.
_SPACE_LIKE = ("\u00a0", "\u202f", "\u2007")


class RuleError(ValueError):
    """A rule file that can't be used; the message names the file, the rule and the field."""


def _detectable(code: str) -> str:
    """``code`` when documents can be in that language (else no rule of it would ever run)."""
    if code not in detectable_languages():
        known = ", ".join(sorted(detectable_languages()))
        raise ValueError(f"unknown language {code!r}: documents get one of {known}")
    return code


Language = Annotated[str, AfterValidator(_detectable)]


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid")
    match: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)


class RuleSpec(BaseModel):
    """One rule as written in YAML."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: RuleKind
    patterns: list[str] = Field(min_length=1)
    category: str | None = None
    description: str = ""
    lang: list[Language] | None = None
    sites: list[str] | None = None
    ignore_case: bool = True
    max_lines: int = Field(default=8, ge=0, le=100)
    max_line_chars: int = Field(default=160, ge=10)
    max_chars: int = Field(default=1500, ge=0)
    max_share: float = Field(default=0.5, gt=0, le=1)
    examples: Examples = Field(default_factory=Examples)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    lang: list[Language] | None = None
    defines: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], str] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(min_length=1)

    @field_validator("defines")
    @classmethod
    def _author_is_reserved(cls, defines: dict[str, str]) -> dict[str, str]:
        if "author" in defines:
            raise ValueError("'author' is the group a byline fills; name the sub-pattern otherwise")
        return defines


@dataclass(frozen=True)
class Finding:
    """What a rule found: a span, and the author when the pattern names one."""

    span: Span
    author: str | None = None


class Rule:
    """A validated rule with compiled patterns."""

    def __init__(
        self,
        spec: RuleSpec,
        category: str,
        lang: list[str] | None,
        origin: str,
        defines: dict[str, str] | None = None,
        prepared: Sequence[Prepared] | None = None,
    ) -> None:
        """``prepared``: its patterns as an earlier load of the same file worked them out
        (:mod:`cleaner.rulecache`); they are then compiled when first needed."""
        self.spec = spec
        self.id = spec.id
        self.kind = spec.kind
        self.category = spec.category or category
        self.lang = spec.lang if spec.lang is not None else lang
        self.origin = origin
        flags = regex.MULTILINE | regex.VERSION1 | (regex.IGNORECASE if spec.ignore_case else 0)
        # Named sub-patterns ride along in a DEFINE group, callable as (?&name); the engine
        # runs a pattern faster with them written out in it (see SubPatterns.expand).
        self.subpatterns = subpatterns = SubPatterns.of(tuple((defines or {}).items()), flags)
        self.flags = flags
        self.folding = case_folding([*spec.patterns, subpatterns.suffix], flags)
        self._compiled: dict[int, regex.Pattern[str]] = {}
        self._compiled_twins: dict[int, regex.Pattern[str]] = {}
        self.prepared = list(prepared) if prepared is not None else self._prepare(origin)
        # The patterns as the engine runs them (sub-patterns written out).
        self.sources = [pattern.source for pattern in self.prepared]
        # Literals a text must hold for each pattern to match there (see cleaner.prefilter).
        self.requirements = [pattern.needs for pattern in self.prepared]

    def _prepare(self, origin: str) -> list[Prepared]:
        """Each pattern expanded, compiled (a bad one raises RuleError) and analysed.

        A pattern anchored at line starts runs as its faster twin (see line_start_twin),
        compiled here in its place; the pattern itself is compiled only if a search needs
        it (after an empty match).
        """
        spec, flags, subpatterns, folding = self.spec, self.flags, self.subpatterns, self.folding
        prepared = []
        for number, pattern in enumerate(spec.patterns):
            source = subpatterns.expand(pattern)
            twin = line_start_twin(source)
            if twin is not None:
                try:
                    self._compiled_twins[number] = regex.compile(folding + twin, flags)
                except regex.error:  # the pattern itself says what is wrong, below
                    twin = None
            source = folding + source
            if twin is None:
                try:
                    self._compiled[number] = regex.compile(source, flags)
                except regex.error:
                    written = pattern + subpatterns.suffix
                    try:  # as written (the error names its place in the pattern as written)
                        regex.compile(written, flags)
                    except regex.error as error:
                        raise RuleError(
                            f"{origin}: rule {spec.id!r}: field 'patterns[{number}]': {error}"
                        ) from None
                    source = folding + written
                    self._compiled[number] = regex.compile(source, flags)
            needs = requirements(pattern, flags, subpatterns.suffix)
            prepared.append(Prepared(source, folding + twin if twin is not None else None, needs))
        return prepared

    def pattern(self, number: int) -> regex.Pattern[str]:
        """Pattern ``number`` compiled (on first use, when it runs as its twin or came from the cache)."""
        compiled = self._compiled.get(number)
        if compiled is None:
            compiled = self._compiled[number] = regex.compile(self.sources[number], self.flags)
        return compiled

    def line_form(self, number: int) -> regex.Pattern[str] | None:
        """The faster twin of pattern ``number`` (compiled on first use), or None when it has none."""
        twin = self.prepared[number].twin
        if twin is None:
            return None
        compiled = self._compiled_twins.get(number)
        if compiled is None:
            compiled = self._compiled_twins[number] = regex.compile(twin, self.flags)
        return compiled

    def applies_to(self, lang: str | None, site: str) -> bool:
        """Whether the rule is in scope for a document's language and site."""
        if self.lang is not None and lang is not None and lang not in self.lang:
            return False
        if self.spec.sites is not None:
            return any(site == s or site.endswith("." + s) for s in self.spec.sites)
        return True

    def find(
        self, text: str, scanned: ScannedText | None = None, numbers: list[int] | None = None
    ) -> Iterator[Finding]:
        """The spans this rule cuts from ``text``; raises TimeoutError from a runaway pattern.

        ``scanned``: the text as the prefilter sees it, when the caller has it;
        ``numbers``: the patterns that may match (by default, those whose
        literals ``text`` holds). A pattern that only matches lines headed by
        certain words runs only if a line is; a pattern whose matches lie within
        a line runs on the lines that hold its literals (and heads) only.
        """
        scanned = scanned or ScannedText(text)
        if numbers is None:
            numbers = [n for n, needs in enumerate(self.requirements) if scanned.meets(needs)]
        for number in numbers:
            pattern, needs = functools.partial(self.pattern, number), self.requirements[number]
            if needs.one_line and (needs.clauses or needs.heads is not None):
                lines = scanned.lines(needs.clauses, needs.heads)
                found = _matches_in_lines(pattern, self.line_form(number), text, lines)
            elif needs.heads is not None and not scanned.headed(needs.heads):
                continue
            else:
                found = _matches(pattern, self.line_form(number), text)
            for start, end, groups in found:
                finding = self._finding(text, start, end, groups)
                if finding is not None:
                    yield finding

    def _finding(self, text: str, start: int, end: int, groups: dict[str, str | None]) -> Finding | None:
        author = groups.get("author")
        author = " ".join(author.split()) if author else None
        matched = text[start:end]
        if not matched.strip():
            return None
        # A pattern like ^\W* can run over line breaks: the cut starts at the first line with text.
        first = start + len(matched) - len(matched.lstrip())
        last = start + len(matched.rstrip())
        if self.kind == "phrase":
            return Finding(self._span(first, last), author)
        start = text.rfind("\n", 0, first) + 1
        end = _line_end(text, last - 1)
        if self.kind == "line":
            if end - start > self.spec.max_chars:
                return None
            return Finding(self._span(start, end), author)
        if self.kind == "block":
            return Finding(self._span(start, self._block_end(text, end)), author)
        remainder = len(text[start:].strip())
        if remainder > self.spec.max_chars or remainder > self.spec.max_share * len(text.strip()):
            return None
        return Finding(self._span(start, len(text.rstrip())), author)

    def _block_end(self, text: str, end: int) -> int:
        """End of the teaser lines under a block heading that ends at ``end``.

        When the first teaser is a list item, the block ends with the list: a
        short line after it is more likely the article's next subheading.
        """
        taken = 0
        position = end
        listed: bool | None = None
        while taken < self.spec.max_lines and position < len(text):
            line_start = position + 1
            while line_start < len(text) and text[line_start] == "\n":
                line_start += 1
            line_end = _line_end(text, line_start)
            line = text[line_start:line_end].strip()
            if not line or not self._is_teaser(line):
                break
            is_item = _LIST_ITEM.match(line) is not None
            if listed is None:
                listed = is_item
            elif listed and not is_item:
                break
            end = position = line_end
            taken += 1
        return end

    def _is_teaser(self, line: str) -> bool:
        if line.endswith(_ELLIPSIS):
            return len(line) <= 3 * self.spec.max_line_chars
        return len(line) <= self.spec.max_line_chars and not line.endswith((".", "!", ":", ";"))

    def _span(self, start: int, end: int) -> Span:
        return Span(start, end, "removed", reason=self.id, category=self.category)

    def matches(self, text: str) -> bool:
        """Whether the rule finds anything in ``text`` (used by the examples check)."""
        return any(True for _ in self.find(text))


class SubPatterns:
    """A rule file's named sub-patterns, as a DEFINE suffix and written out in the patterns that call them.

    The regex engine runs a call ``(?&name)`` much slower than the same sub-pattern
    written in place (a date stamp: ten times slower), so :meth:`expand` writes each
    call out as ``(?flags:body)``, with the flags the sub-pattern has where it is
    defined. Calls are not atomic, so the expanded pattern finds the same matches.
    A sub-pattern is left as a call when it can't be written out the same: when it
    calls itself, directly or not, or captures groups (they would renumber the
    pattern's own). A pattern that sets flags other than i, m, s and x, or sets
    them for all of it, or names a group as a sub-pattern is left as written.
    """

    _FLAG_LETTERS: ClassVar[dict[str, int]] = {
        "i": regex.IGNORECASE,
        "m": regex.MULTILINE,
        "s": regex.DOTALL,
        "x": regex.VERBOSE,
    }

    def __init__(self, defines: tuple[tuple[str, str], ...], flags: int) -> None:
        self.defines = dict(defines)
        body = "".join(f"(?P<{name}>{body})" for name, body in defines)
        self.suffix = f"(?(DEFINE){body})" if body else ""
        on = "".join(letter for letter, flag in self._FLAG_LETTERS.items() if flags & flag)
        off = "".join(letter for letter, flag in self._FLAG_LETTERS.items() if not flags & flag)
        self._scope = f"(?{on}-{off}:"
        self._flags = flags
        self._written: dict[str, str | None] = {}

    @classmethod
    @functools.lru_cache(maxsize=64)
    def of(cls, defines: tuple[tuple[str, str], ...], flags: int) -> SubPatterns:
        """The sub-patterns of one file for rules with ``flags`` (made once, shared by its rules)."""
        return cls(defines, flags)

    def expand(self, pattern: str) -> str:
        """``pattern`` with the calls to sub-patterns written out, and the suffix if a call remains."""
        if (
            not self.defines
            or _SETS_FLAGS.search(pattern)
            or any(f"<{name}>" in pattern for name in self.defines)
        ):
            return pattern + self.suffix
        expanded = self._write_out(pattern, ())
        if expanded is None or _CALL.search(expanded):
            return pattern + self.suffix
        return expanded

    def _write_out(self, pattern: str, calling: tuple[str, ...]) -> str | None:
        """``pattern`` with every call written out, or None when one can't be."""
        pieces = []
        position = 0
        for start, end, name in _calls(pattern):
            body = self._body(name, calling) if name in self.defines else None
            if body is None:
                return None
            pieces += [pattern[position:start], self._scope, body, ")"]
            position = end
        return "".join(pieces) + pattern[position:]

    def _body(self, name: str, calling: tuple[str, ...]) -> str | None:
        if name in calling:
            return None  # a recursive sub-pattern
        if name not in self._written:
            body = self.defines[name]
            written = self._write_out(body, (*calling, name))
            stubs = "".join(f"(?P<{other}>)" for other in self.defines)  # the names it may call
            if written is not None and regex.compile(
                f"(?:{body})(?(DEFINE){stubs})", self._flags
            ).groups > len(self.defines):
                written = None  # it captures groups
            self._written[name] = written
        return self._written[name]


# An inline flag group that sets flags for the whole pattern, or scopes flags other than i, m, s, x.
_SETS_FLAGS = regex.compile(r"\(\?[a-zA-Z-]*\)|\(\?[imsx-]*[^imsx:)\-<>=!P&'#(|]")
# Any call of a group: (?&name), (?P>name), (?R), (?1), (?+1), (?-1).
_CALL = regex.compile(r"\(\?(?:&|P>|R\)|[+-]?[0-9])")


def _calls(pattern: str) -> Iterator[tuple[int, int, str]]:
    """Start, end and name of each ``(?&name)`` in ``pattern`` outside sets and escapes."""
    for position, char in _top_level_chars(pattern):
        if char == "(" and pattern.startswith("(?&", position):
            end = pattern.find(")", position)
            if end > 0:
                yield position, end + 1, pattern[position + 3 : end]


# Characters whose case fold is several characters (ß and ẞ fold to ss, the ligature ﬁ to fi).
_MULTIPLE_FOLDS = frozenset("ßẞﬀﬁﬂﬃﬄﬅﬆ")
_SIMPLE_FOLDING = "(?-f)"


def case_folding(sources: Sequence[str], flags: int) -> str:
    """The inline flag a rule's patterns run with: simple case folding (each character folds to
    one: "Ü" to "ü"), or none, for the engine's full case folding.

    Full folding is needed only by a rule that ignores case and writes a character whose fold is
    several, so that "schließen" also matches "Schliessen" and "SCHLIESSEN"; a pattern written
    with "ss" does not match "ß" in the other rules. Simple folding halves the time to compile the
    rules and searches 15% faster, with the same findings on every dev text.
    """
    if not flags & regex.IGNORECASE or any(_MULTIPLE_FOLDS.intersection(source) for source in sources):
        return ""
    return _SIMPLE_FOLDING


def line_start_twin(pattern: str) -> str | None:
    """The source of a faster twin of a pattern anchored at line starts, or None when it has none.

    ``^X`` is tried by the engine at every position of the text; ``\\n(?:X)`` over the
    text with a newline in front is found by a fast scan for newlines and finds the
    same matches (see :func:`_matches`). Patterns that start with ``^.`` keep their
    form: the engine already skips ahead to the literal text they contain.
    """
    body = pattern[1:]
    if not pattern.startswith("^") or body.startswith(".") or _has_top_level_bar(body):
        return None
    if not _balanced(body):
        return None  # the group around it would pair its brackets otherwise: leave it to fail
    if any(token in body for token in ("\\A", "\\G", "(?<", "(?r", "(?f")):
        return None  # the extra newline would be visible to these
    return "\\n(?:" + body + ")"


def _has_top_level_bar(pattern: str) -> bool:
    """Whether ``pattern`` is an alternation at its top level (outside groups and sets)."""
    depth = 0
    for _, char in _top_level_chars(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def _balanced(pattern: str) -> bool:
    """Whether the groups of ``pattern`` open and close in pairs (outside sets and escapes)."""
    depth = 0
    for _, char in _top_level_chars(pattern):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def _top_level_chars(pattern: str) -> Iterator[tuple[int, str]]:
    """Position and character of each character of ``pattern`` outside sets, that isn't escaped."""
    sets = position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 1
        elif char == "[":
            sets += 1  # sets nest in the regex package's VERSION1 ([[a-z]--[q]], [[:alpha:]])
            position += pattern[position + 1 : position + 2] == "^"
            position += pattern[position + 1 : position + 2] == "]"  # a literal ] opening a set
        elif char == "]" and sets:
            sets -= 1
        elif not sets:
            yield position, char
        position += 1


def _matches(
    pattern: Callable[[], regex.Pattern[str]], line_form: regex.Pattern[str] | None, text: str
) -> Iterator[tuple[int, int, dict[str, str | None]]]:
    """Start, end and named groups of the non-empty matches of ``pattern()`` in ``text``.

    With a line-start twin, each search resumes on the newline that ended the last
    match, so a match may begin where the last one ended, as with ``finditer``; at
    an empty match (after which ``finditer`` may find a longer one at the same place)
    the rest is left to ``finditer`` itself, and only then is ``pattern()`` asked for.
    """
    deadline = time.monotonic() + PATTERN_TIMEOUT_SECONDS
    if line_form is not None:
        padded = "\n" + text
        position = 0
        while True:
            found = line_form.search(padded, position, timeout=max(deadline - time.monotonic(), 0.0))
            if found is None:
                return
            start, end = found.start(), found.end() - 1
            if start == end:
                break
            yield start, end, found.groupdict()
            position = end
        remaining = pattern().finditer(text, start, timeout=max(deadline - time.monotonic(), 0.0))
    else:
        remaining = pattern().finditer(text, timeout=PATTERN_TIMEOUT_SECONDS)
    for match in remaining:
        if match.end() > match.start():
            yield match.start(), match.end(), match.groupdict()


def _matches_in_lines(
    pattern: Callable[[], regex.Pattern[str]],
    line_form: regex.Pattern[str] | None,
    text: str,
    lines: list[tuple[int, int]],
) -> Iterator[tuple[int, int, dict[str, str | None]]]:
    """What :func:`_matches` finds in ``text``, for a pattern whose matches lie within one line,
    searched in ``lines`` (start and end offsets) only.

    The lines are joined with line breaks and searched at once: each is seen
    between line breaks, as in ``text``, so the matches are those of a search of
    the whole text, moved back to their places.
    """
    if not lines:
        return
    starts = []
    position = 0
    for start, end in lines:
        starts.append(position)
        position += end - start + 1
    joined = "\n".join(text[start:end] for start, end in lines)
    for start, end, groups in _matches(pattern, line_form, joined):
        line = bisect.bisect_right(starts, start) - 1
        shift = lines[line][0] - starts[line]
        yield start + shift, end + shift, groups


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


@dataclass(frozen=True)
class RuleSet:
    """All rules loaded from a folder, in a deterministic order, with a content version."""

    rules: tuple[Rule, ...]
    version: str

    _by_language: dict[str | None, tuple[Rule, ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def for_document(self, lang: str | None, site: str) -> tuple[Rule, ...]:
        """The rules for a document in ``lang`` from ``site``, in order (made once per language)."""
        if self._site_scoped:
            return tuple(rule for rule in self.rules if rule.applies_to(lang, site))
        if lang not in self._by_language:
            self._by_language[lang] = tuple(rule for rule in self.rules if rule.applies_to(lang, site))
        return self._by_language[lang]

    @functools.cached_property
    def _site_scoped(self) -> bool:
        return any(rule.spec.sites is not None for rule in self.rules)


def load_rule_file(path: Path, origin: str | None = None, content: bytes | None = None) -> list[Rule]:
    """Rules of one YAML file (``content``: its bytes, when already read); a bad file raises
    :class:`RuleError` naming file, rule and field."""
    origin = origin or str(path)
    try:
        content = path.read_bytes() if content is None else content
        data = yaml.load(content.decode("utf-8"), Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RuleError(f"{origin}: can't read YAML: {error}") from None
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as error:
        raise RuleError(_describe(origin, data, error)) from None
    shape = [len(spec.patterns) for spec in parsed.rules]
    folder = cache_folder()
    key = entry_key(content)
    cached = read_entry(folder, key, shape)
    if cached is not None:
        return [
            Rule(spec, parsed.category, parsed.lang, origin, parsed.defines, prepared)
            for spec, prepared in zip(parsed.rules, cached, strict=True)
        ]
    rules = [Rule(spec, parsed.category, parsed.lang, origin, parsed.defines) for spec in parsed.rules]
    write_entry(folder, key, [rule.prepared for rule in rules])
    return rules


def _describe(origin: str, data: object, error: ValidationError) -> str:
    first = error.errors()[0]
    location = list(first["loc"])
    where = ""
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        rules = data.get("rules") if isinstance(data, dict) else None
        rule = rules[location[1]] if isinstance(rules, list) and len(rules) > location[1] else None
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        where = f"rule {rule_id!r}: " if rule_id else f"rule #{location[1] + 1}: "
        location = location[2:]
    field = ".".join(str(part) for part in location) or "(file)"
    message = first["msg"].removeprefix("Value error, ")  # pydantic's words before our own
    return f"{origin}: {where}field {field!r}: {message}"


_RULE_SUFFIXES = frozenset({".yaml", ".yml"})


def load_rules(folder: Path) -> RuleSet:
    """Every ``*.yaml`` (or ``*.yml``) rule file under ``folder``; rule ids must be unique."""
    files = sorted(
        path for path in folder.rglob("*") if path.suffix.lower() in _RULE_SUFFIXES and path.is_file()
    )
    if not files:
        raise RuleError(f"{folder}: no rule files (*.yaml)")
    digest = hashlib.sha256()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        origin = path.relative_to(folder).as_posix()
        content = path.read_bytes()
        digest.update(origin.encode() + b"\0" + content + b"\0")
        for rule in load_rule_file(path, origin, content):
            if rule.id in seen:
                raise RuleError(f"{origin}: rule {rule.id!r}: field 'id': already used in {seen[rule.id]}")
            seen[rule.id] = origin
            rules.append(rule)
    ordered = sorted(rules, key=lambda r: KIND_ORDER[r.kind])  # stable: file order within a kind
    return RuleSet(tuple(ordered), "rules-" + digest.hexdigest()[:12])


class _Plan:
    """What the prefilter needs for one list of rules, made once: an automaton for their literals,
    and an index from each literal to the patterns whose first (strongest) clause holds it."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        # A pattern's entry: its rule's position, its number and its clauses after the first.
        self.entries: list[tuple[int, int, tuple[Clause, ...]]] = []
        self.index: dict[str, list[int]] = {}
        self.always: list[int] = []  # the entries of patterns that need no literal
        for position, rule in enumerate(rules):
            for number, needs in enumerate(rule.requirements):
                entry = len(self.entries)
                self.entries.append((position, number, needs.clauses[1:]))
                if not needs.clauses:
                    self.always.append(entry)
                for literal in needs.clauses[0] if needs.clauses else ():
                    self.index.setdefault(literal, []).append(entry)
        self.indexed = frozenset(self.index)
        literals = {
            literal
            for rule in rules
            for needs in rule.requirements
            for clause in needs.clauses
            for literal in clause
        }
        self.scan = LiteralScan(literals)

    @staticmethod
    @functools.lru_cache(maxsize=32)
    def of(rules: tuple[Rule, ...]) -> _Plan:
        """The plan for ``rules`` (the same few lists, one per language, come back for every document)."""
        return _Plan(rules)

    def patterns(self, scanned: ScannedText) -> dict[int, list[int]]:
        """The numbers of the patterns that may match in ``scanned``, by the position of their rule."""
        present = scanned.present or set()
        chosen = set(self.always)
        for literal in self.indexed & present:
            chosen.update(self.index[literal])
        found: dict[int, list[int]] = {}
        for entry in sorted(chosen):
            position, number, others = self.entries[entry]
            if not others or not any(map(present.isdisjoint, others)):
                found.setdefault(position, []).append(number)
        return found


@dataclass
class RuleResult:
    """The spans all rules found in a text, the author they named, and rules that failed."""

    spans: list[Span]
    author: str | None
    warnings: list[str]


def apply_rules(text: str, rules: Sequence[Rule]) -> RuleResult:
    """Run ``rules`` in order; a span inside an earlier one is dropped, a time-out is a warning.

    The rules read no-break spaces as plain ones; the spans index ``text`` as given.
    """
    if not text.isascii():  # (str.replace is many times faster than str.translate)
        for space in _SPACE_LIKE:
            text = text.replace(space, " ")
    spans: list[Span] = []
    author: str | None = None
    warnings: list[str] = []
    plan = _Plan.of(tuple(rules))
    scanned = ScannedText(text, plan.scan)
    chosen = plan.patterns(scanned)
    for position, rule in enumerate(rules):
        numbers = chosen.get(position)
        if numbers is None:
            continue  # none of its patterns can match
        try:
            findings = list(rule.find(text, scanned, numbers))
        except TimeoutError:
            warnings.append(f"rule {rule.id!r} ({rule.origin}) timed out after {PATTERN_TIMEOUT_SECONDS}s")
            continue
        for finding in findings:
            author = author or finding.author
            span = finding.span
            if any(s.start <= span.start and span.end <= s.end for s in spans):
                continue
            spans.append(span)
    return RuleResult(sorted(spans, key=lambda s: (s.start, s.end, s.reason)), author, warnings)
