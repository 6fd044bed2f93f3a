"""Regexes from rule files, compiled with a guard against catastrophic backtracking.

Python's `re` has no time limit, so patterns that can backtrack exponentially are refused
before they run: a repeat inside a repeat (`(a+)+`, `(.*)*`, `(\\w+\\s?)*`), alternatives
inside a repeat that can match the same text (`(a|a)+`, `(a|\\w)*`) and back-references. Patterns are also limited in length, and the text they search is capped by
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


_ANY = "any"      # a first-character set that may hold any character
_EMPTY = "empty"  # the alternative can match the empty string


def _first(seq) -> set:
    """Characters (ints) a sequence can start with, plus _ANY / _EMPTY markers."""
    out: set = set()
    for op, av in seq:
        if op is sre_constants.LITERAL:
            return out | {av}
        if op is sre_constants.AT:
            continue                                   # zero-width
        if op is sre_constants.IN:
            chars = {v for o, v in av if o is sre_constants.LITERAL}
            if len(chars) != len(av):                  # ranges, categories, negation
                return out | {_ANY}
            return out | chars
        if op is sre_constants.SUBPATTERN:
            inner = _first(av[-1])
        elif op is sre_constants.BRANCH:
            inner = set().union(*(_first(b) for b in av[1]))
        elif op in _REPEATS:
            inner = _first(av[2]) | ({_EMPTY} if av[0] == 0 else set())
        else:                                          # ANY, NOT_LITERAL, assertions, ...
            return out | {_ANY}
        out |= inner - {_EMPTY}
        if _EMPTY not in inner:
            return out
    return out | {_EMPTY}


def _ambiguous_branch(subpattern) -> bool:
    """A BRANCH whose alternatives can start the same way (`(a|a)`, `(x|\\w)`, `(|)`)."""
    for op, av in _items(subpattern):
        if op is not sre_constants.BRANCH:
            continue
        firsts = [_first(b) for b in av[1]]
        for i, a in enumerate(firsts):
            for b in firsts[i + 1:]:
                if (_EMPTY in a and _EMPTY in b) or ((_ANY in a or _ANY in b) and (a | b) - {_EMPTY} != {_ANY}
                                                    ) or (a & b) - {_EMPTY}:
                    return True
    return False


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
            if _ambiguous_branch(inner):
                raise RuleError(f"regex {pattern!r}: alternatives inside a repeat can match the "
                                "same text, which can backtrack catastrophically; rewrite it")


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
