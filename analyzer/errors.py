"""Typed errors. Each carries where it happened: input, path inside it, and line."""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class: an error with a location a user can look up."""

    def __init__(self, message: str, *, input: str | None = None, path: str | None = None,
                 line: int | None = None):
        super().__init__(message)
        self.message = message
        self.input = input
        self.path = path
        self.line = line

    def where(self) -> str:
        parts = [p for p in (self.input, self.path) if p]
        loc = ":".join(parts)
        if self.line is not None:
            loc = f"{loc}:{self.line}" if loc else f"line {self.line}"
        return loc

    def __str__(self) -> str:
        loc = self.where()
        return f"{loc}: {self.message}" if loc else self.message


class InputError(AnalyzerError):
    """An input (archive, directory, file) could not be read, wholly or partly."""


class ParseError(AnalyzerError):
    """A parser met text it cannot understand. `line` is 1-based in the parsed text."""


class RuleError(AnalyzerError):
    """A rule file or rule expression is wrong (path = rule file, line = YAML line)."""
