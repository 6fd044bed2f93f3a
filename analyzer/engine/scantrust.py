"""When the log scan's tags can stand for a rule pattern's search.

The log scanner searches every rule pattern (as a bytes regex) on every line of the files it
is routed to, and tags the records whose lines match (`matched`). A log rule then needs the
regex on an event's text only when the event's file was not scanned with that pattern, or
when the scanner could have missed a match the text search finds. That is ruled out for
patterns whose every match on a decoded line is also a match of the bytes regex on the
line's UTF-8 bytes: no anchors or lookarounds (the scanner searches from the line start
inside a buffer), no case folding (Unicode folds more than ASCII), no `\\w \\d \\s` (Unicode
classes), and a class or `.` that may match a non-ASCII character (one character, several
bytes) only inside an unbounded repeat, where a run of characters is a run of bytes::

    >>> scan_equivalent(re.compile(r"AMQP server on \\S+ is unreachable"))
    True
    >>> scan_equivalent(re.compile(r"^ERROR"))
    False

Lines longer than the scanner confirms (logs.scan.MAX_CONFIRM_BYTES) are searched anyway.
"""

from __future__ import annotations

import re
from re import _constants as sre
from re import _parser as sre_parse

import numpy as np
import pandas as pd

from analyzer.ingest.logrouter import LogRouter
from analyzer.logs.scan import MAX_CONFIRM_BYTES

#: a text longer than this (characters, up to 4 UTF-8 bytes each) may pass the confirm window
TRUSTED_TEXT_CHARS = MAX_CONFIRM_BYTES // 4

_SINGLE_CHAR = (sre.ANY, sre.NOT_LITERAL, sre.IN)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_SAFE_CATEGORY = {sre.CATEGORY_NOT_SPACE}   # bytes \S matches all str \S does (and more)


def scan_equivalent(pattern: re.Pattern) -> bool:
    """True when every match of `pattern` on a decoded line is one for the scanner too."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return False
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError):
        return False
    try:
        return _safe(tree, unbounded=False)
    except RecursionError:
        return False


def _safe(items, unbounded: bool) -> bool:
    for op, av in items:
        if op is sre.LITERAL:
            continue
        if op in _SINGLE_CHAR:
            if op is sre.IN and _ascii_class(av):
                continue          # one ASCII character is one byte, in or out of a repeat
            if not unbounded or (op is sre.IN and not _class_safe(av)):
                return False
            continue
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags & re.IGNORECASE:
                return False
            if not _safe(sub, unbounded):
                return False
            continue
        if op is sre.BRANCH:
            if not all(_safe(alt, unbounded) for alt in av[1]):
                return False
            continue
        if op in _REPEATS:
            low, high, sub = av
            if not _safe(sub, unbounded=high is sre.MAXREPEAT):
                return False
            continue
        return False              # anchors, lookarounds, backreferences, conditionals
    return True


def _ascii_class(items) -> bool:
    """A positive class of ASCII literals and ranges only."""
    for op, av in items:
        if op is sre.LITERAL and av < 128:
            continue
        if op is sre.RANGE and av[1] < 128:
            continue
        return False
    return True


def _class_safe(items) -> bool:
    """A class whose bytes version matches every byte of a character the str one matches:
    a negated ASCII class, or \\S."""
    if items and items[0][0] is sre.NEGATE:
        return _ascii_class(items[1:])
    return all(op is sre.CATEGORY and av in _SAFE_CATEGORY for op, av in items)


class ScanRecord:
    """Which files each pattern was scanned in: the routing of the ingest, replayed."""

    def __init__(self, patterns: list[tuple[str, object]], scopes: dict[str, tuple]):
        self.router = LogRouter(patterns, scopes)
        self._by_file: dict[str, frozenset] = {}
        self._frame: tuple | None = None

    def scanned(self, pattern_id: str, pattern: re.Pattern) -> bool:
        """Whether the scan searched this very pattern under this id."""
        scanned = self.router.regex.get(pattern_id)
        return (isinstance(scanned, re.Pattern) and scanned.pattern == pattern.pattern
                and scanned.flags == pattern.flags)

    def rows(self, events: pd.DataFrame, pattern_id: str) -> np.ndarray:
        """Per event, whether its file was scanned with `pattern_id` and its text is short
        enough for the scanner's confirm window."""
        if "file" not in events.columns or "text" not in events.columns:
            return np.zeros(len(events), dtype=bool)
        codes, files, short = self._layout(events)
        per_file = np.array([pattern_id in self._ids(str(f)) for f in files] + [False], dtype=bool)
        return per_file[codes] & short   # the code -1 (no file) picks the trailing False

    def _layout(self, events: pd.DataFrame):
        """Per event its file's code, the files, and whether its text is short enough:
        computed once for the events frame (the patterns are many, the frame is one)."""
        if self._frame is None or self._frame[0] is not events:
            codes, files = pd.factorize(events["file"], use_na_sentinel=True)
            lengths = events["text"].str.len().fillna(TRUSTED_TEXT_CHARS + 1).to_numpy()
            self._frame = (events, (codes, files, lengths <= TRUSTED_TEXT_CHARS))
        return self._frame[1]

    def _ids(self, path: str) -> frozenset:
        if path not in self._by_file:
            self._by_file[path] = self.router.ids_for(path)
        return self._by_file[path]
