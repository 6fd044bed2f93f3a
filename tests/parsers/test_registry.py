"""The registry keeps the parser contract for every parser: only ParseError leaves one."""

from __future__ import annotations

import pytest

from analyzer.errors import ParseError
from analyzer.parsers import base


def test_a_parser_bug_leaves_as_a_parse_error_naming_the_parser(monkeypatch):
    monkeypatch.setattr(base, "REGISTRY", {})

    @base.parser("test_kind", tables=("t",))
    def parse_test_kind(text: str, path: str):
        return {"t": [{"value": int(text.split()[3])}]}   # IndexError on short text

    assert parse_test_kind("a b c 42", "p") == {"t": [{"value": 42}]}
    with pytest.raises(ParseError) as err:
        base.REGISTRY["test_kind"].fn("a b", "p")
    assert "parse_test_kind" in err.value.message and "IndexError" in err.value.message
    with pytest.raises(ParseError) as err:   # called directly: the same guard
        parse_test_kind("x y z not-a-number", "p")
    assert "ValueError" in err.value.message


def test_parse_errors_pass_through_with_their_line_and_partial_rows(monkeypatch):
    monkeypatch.setattr(base, "REGISTRY", {})

    @base.parser("test_kind")
    def parse_test_kind(text: str, path: str):
        raise base.partial_error("bad row", 7, {"t": [{"ok": 1}]})

    with pytest.raises(ParseError) as err:
        parse_test_kind("", "p")
    assert err.value.line == 7 and err.value.partial == {"t": [{"ok": 1}]}


def test_two_parsers_for_one_kind_are_refused(monkeypatch):
    monkeypatch.setattr(base, "REGISTRY", {})
    base.parser("dup")(lambda text, path: {})
    with pytest.raises(RuntimeError):
        @base.parser("dup")
        def other(text, path):
            return {}
