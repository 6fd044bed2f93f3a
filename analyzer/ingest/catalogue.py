"""The catalogue: which member paths of a sosreport are which artifact kind.

The catalogue is data (``catalogue/*.yaml``, one file per component). Each entry::

    - kind: pcs_status                 # artifact kind; a parser is registered for it
      paths:                           # globs relative to the sosreport root
        - sos_commands/pacemaker/pcs_status_--full
        - sos_commands/pacemaker/crm_mon_-1_-A_-n_-r_-t
      hint: pcmk                       # optional, passed to the parser / log reader
      max_bytes: 67108864              # optional per-kind size cap
      priority: 10                     # optional; higher wins when several entries match

Globs: ``*`` matches within one path segment, ``**`` across segments, ``?`` one character.
When several entries match one path, the highest priority wins, then the pattern with the
most literal characters (the most specific one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    kind: str
    pattern: str
    hint: str | None
    max_bytes: int
    priority: int
    source: str


@dataclass(frozen=True)
class Match:
    kind: str
    hint: str | None
    max_bytes: int
    pattern: str


def glob_to_regex(pattern: str) -> str:
    """Translate a catalogue glob into a regex body (no anchors)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                out.append(pattern[i:end + 1])
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _literal_prefix(pattern: str) -> str:
    for i, c in enumerate(pattern):
        if c in "*?[":
            return pattern[:i]
    return pattern


def _literal_length(pattern: str) -> int:
    return sum(1 for c in pattern if c not in "*?[]")


class Catalogue:
    """Compiled catalogue: ``match(path)`` returns the artifact kind of a member path."""

    def __init__(self, entries: list[Entry]):
        self.entries = sorted(entries, key=lambda e: (-e.priority, -_literal_length(e.pattern)))
        body = "|".join(f"(?P<e{i}>{glob_to_regex(e.pattern)})" for i, e in enumerate(self.entries))
        self._regex = re.compile(body) if body else None
        self.kinds = sorted({e.kind for e in self.entries})
        # literal prefixes of every pattern: a path starting with none of them cannot match
        self._prefixes = tuple(sorted({_literal_prefix(e.pattern) for e in self.entries}))

    def match(self, path: str) -> Match | None:
        if self._regex is None or not path.startswith(self._prefixes):
            return None
        m = self._regex.fullmatch(path)
        if m is None:
            return None
        e = self.entries[int(m.lastgroup[1:])]
        return Match(e.kind, e.hint, e.max_bytes, e.pattern)

    @classmethod
    def from_files(cls, files: list[Path]) -> "Catalogue":
        entries: list[Entry] = []
        for f in files:
            data = yaml.safe_load(Path(f).read_text(encoding="utf-8")) or []
            if not isinstance(data, list):
                raise ValueError(f"{f}: catalogue file must be a list of entries")
            for n, item in enumerate(data, 1):
                if not isinstance(item, dict) or "kind" not in item or "paths" not in item:
                    raise ValueError(f"{f}: entry {n} needs 'kind' and 'paths'")
                unknown = set(item) - {"kind", "paths", "hint", "max_bytes", "priority", "note"}
                if unknown:
                    raise ValueError(f"{f}: entry {n} ({item['kind']}): unknown keys {sorted(unknown)}")
                for p in item["paths"]:
                    entries.append(Entry(
                        kind=str(item["kind"]), pattern=str(p), hint=item.get("hint"),
                        max_bytes=int(item.get("max_bytes", DEFAULT_MAX_BYTES)),
                        priority=int(item.get("priority", 0)), source=Path(f).name))
        return cls(entries)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The shipped catalogue (every ``analyzer/ingest/catalogue/*.yaml``)."""
    folder = resources.files("analyzer.ingest") / "catalogue"
    files = sorted(Path(str(folder)).glob("*.yaml"))
    return Catalogue.from_files(files)
