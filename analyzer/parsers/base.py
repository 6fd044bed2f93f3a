"""The parser contract and registry.

A parser is a pure function ``(text, path) -> {table_name: [row, ...]}`` registered for one
or more artifact kinds of the catalogue. Rows are plain dicts; each carries ``line`` (1-based,
in `text`) where it has one. The pipeline adds ``node`` and ``source`` to every row, so parsers
never set them. A parser that meets text it cannot understand raises :class:`ParseError` with
the line, and may attach the rows it did parse as ``partial``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

from analyzer.errors import ParseError

Tables = dict[str, list[dict]]
ParserFn = Callable[[str, str], Tables]


@dataclass(frozen=True)
class ParserSpec:
    kind: str
    fn: ParserFn
    tables: tuple[str, ...]
    name: str


REGISTRY: dict[str, ParserSpec] = {}


def parser(*kinds: str, tables: tuple[str, ...] | list[str] = ()):
    """Register `fn` as the parser of each artifact kind in `kinds`. The function returned
    keeps the contract for every parser: an exception other than ParseError (a parser bug
    on text it did not expect) leaves it as a ParseError naming the parser."""

    def wrap(fn: ParserFn) -> ParserFn:
        name = f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def guarded(text: str, path: str) -> Tables:
            try:
                return fn(text, path)
            except ParseError:
                raise
            except Exception as exc:  # noqa: BLE001 - the contract: only ParseError leaves
                raise ParseError(f"parser {fn.__name__} failed: {exc!r}") from exc

        for kind in kinds:
            if kind in REGISTRY and REGISTRY[kind].name != name:
                raise RuntimeError(f"two parsers for artifact kind {kind!r}: "
                                   f"{REGISTRY[kind].name} and {name}")
            REGISTRY[kind] = ParserSpec(kind, guarded, tuple(tables), name)
        return guarded

    return wrap


def partial_error(message: str, line: int | None, tables: Tables) -> ParseError:
    """A ParseError that keeps what was parsed before `line`."""
    err = ParseError(message, line=line)
    err.partial = tables  # type: ignore[attr-defined]
    return err
