"""Regexes from rule files, compiled with a guard against catastrophic backtracking.

Python's `re` has no time limit, so patterns that can backtrack exponentially are refused
before they run: a repeat inside a repeat (`(a+)+`, `(.*)*`, `(\\w+\\s?)*`) and
back-references. Patterns are also limited in length, and the text they search is capped by
the callers (a log record, a table cell).
"""

from __future__ import annotations

import re

try:                                   # Python >= 3.11
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants  # type: ignore
    import sre_parse  # type: ignore

from analyzer.errors import RuleError

MAX_PATTERN_LENGTH = 1000

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
if hasattr(sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(sre_constants.POSSESSIVE_REPEAT)


def _unbounded(max_count) -> bool:
    return max_count is sre_constants.MAXREPEAT or max_count > 1


def _items(subpattern):
    """(op, argument) pairs of a parsed pattern, descending into groups and branches."""
    for op, av in subpattern:
        yield op, av
        if op is sre_constants.SUBPATTERN:
            yield from _items(av[-1])
        elif op is sre_constants.BRANCH:
            for branch in av[1]:
                yield from _items(branch)
        elif op in _REPEATS:
            yield from _items(av[2])
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            yield from _items(av[1])


def _has_repeat(subpattern) -> bool:
    return any(op in _REPEATS and _unbounded(av[1]) for op, av in _items(subpattern))


def _check(pattern: str) -> None:
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise RuleError(f"bad regex {pattern!r}: {exc}") from None
    for op, av in _items(parsed):
        if op in (sre_constants.GROUPREF, getattr(sre_constants, "GROUPREF_EXISTS", None)):
            raise RuleError(f"regex {pattern!r}: back-references are not allowed")
        if op in _REPEATS and _unbounded(av[1]):
            inner = av[2]
            if _has_repeat(inner):
                raise RuleError(f"regex {pattern!r}: nested quantifier (a repeat inside a "
                                "repeat) can backtrack catastrophically; rewrite it")


def compile_guarded(pattern: str, ignore_case: bool = False) -> re.Pattern:
    """Compile a rule's regex, refusing patterns that could hang the analysis."""
    if not isinstance(pattern, str):
        raise RuleError(f"regex must be text, got {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RuleError(f"regex longer than {MAX_PATTERN_LENGTH} characters")
    _check(pattern)
    try:
        return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except (re.error, OverflowError, RecursionError) as exc:
        raise RuleError(f"bad regex {pattern!r}: {exc}") from None
