"""Property tests of the rule expression language: only `RuleError` may escape.

Two generators: raw text (garbage, near-misses) for the parser, and expressions built from the
grammar's own pieces (columns of every type, operators, functions, literals, nesting) that are
compiled and then evaluated over a frame with mixed, missing and odd values, both row-wise
(`mask`) and over the group (`holds`).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.engine.expr import FUNCTIONS, Env, compile_expression
from analyzer.errors import RuleError

SETTINGS = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", 250)), deadline=None, suppress_health_check=[HealthCheck.too_slow])

COLUMNS = ["name", "state", "exit_code", "restarts", "started_at", "uptime", "flags", "labels",
           "ratio", "missing", "node", "mixed"]
FRAME = pd.DataFrame({
    "node": ["controller-0", "controller-1", "compute-0", None],
    "name": ["nova_api", "galera-bundle-podman-0", None, "ovn_controller"],
    "state": ["running", "exited", "restarting", None],
    "exit_code": [0, 137, None, -1],
    "restarts": [0, 12, 3, None],
    "started_at": pd.to_datetime(["2020-05-14T04:45:52Z", "2020-05-13T00:00:00Z", None,
                                  "2019-12-31T23:59:59Z"], utc=True),
    "uptime": pd.to_timedelta(["3h", "2d", None, "90s"]),
    "flags": [["unhealthy", "paused"], [], None, ["healthy"]],
    "labels": [{"tripleo": {"role": "Controller"}}, {}, None, {"tripleo": None}],
    "ratio": [0.5, float("nan"), 1e308, -0.0],
    "mixed": ["12", 7, None, ["x"]],
})
ENV = Env(FRAME, rule_id="fuzz.rule", controllers=3, controller_names=frozenset({"controller-0"}),
          collected_at={"controller-0": pd.Timestamp("2020-05-14T05:00:00Z")},
          default_now=pd.Timestamp("2020-05-14T06:00:00Z"))

LITERALS = st.sampled_from([
    '"running"', "'exited'", '"(unhealthy|paused)"', '"^nova_.*$"', '"\\\\d+"', '"[a-"', '"(a+)+$"',
    "0", "-1", "137", "3.5", "1e400", "-0", "90s", "1h30m", "5m", "0ms", "2020-05-14",
    "2020-05-14T04:45:52Z", "2020-13-45", "true", "false", "null", "[]", '["a", "b"]', "[1, 2.5, null]",
    "[2020-05-14, 5m]",
])
COMPARE = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in", "~", "!~"])
ARITH = st.sampled_from(["+", "-", "*", "/"])
COLUMN = st.sampled_from(COLUMNS + ["labels.tripleo.role", "labels.nope", "nope", "name.x"])


def _call(args: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.sampled_from(FUNCTIONS + ["eval", "open", "__import__"]),
                     st.lists(args, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})")


ATOMS = st.one_of(LITERALS, COLUMN)
EXPRESSIONS = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, COMPARE, inner).map(" ".join),
        st.tuples(inner, ARITH, inner).map(" ".join),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"({e})"),
        _call(inner),
    ),
    max_leaves=12,
)


def _compile_and_run(text: str) -> None:
    try:
        expression = compile_expression(text)
    except RuleError:
        return
    try:
        if expression.has_aggregate:
            assert isinstance(expression.holds(ENV), bool)
        else:
            mask = expression.mask(ENV)
            assert mask.dtype == bool and list(mask.index) == list(FRAME.index)
    except RuleError:
        pass


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_compiles_or_raises_rule_error(text):
    try:
        compile_expression(text)
    except RuleError:
        pass


@SETTINGS
@given(EXPRESSIONS)
def test_grammar_built_expressions_evaluate_or_raise_rule_error(text):
    _compile_and_run(text)


@SETTINGS
@given(EXPRESSIONS, st.integers(min_value=0, max_value=400), st.sampled_from(["", "(", ")", '"', "[", " and", "~"]))
def test_damaged_expressions_raise_only_rule_error(text, cut, junk):
    _compile_and_run(text[:cut] + junk + text[cut:])


@pytest.mark.parametrize("text", [
    "(" * 41 + "x" + ")" * 41,                     # deeper than MAX_NESTING
    "x == 1 and " * 500 + "x == 1",                # longer than MAX_EXPRESSION_LENGTH
    'name ~ "(a+)+$"',                              # refused by the regex guard
    "name ~ name",                                  # a regex must be a quoted literal
    "1 < 2 < 3",                                    # chained comparison
    "__import__(\"os\")",                           # unknown function
])
def test_known_hostile_expressions_are_refused_with_rule_error(text):
    with pytest.raises(RuleError):
        compile_expression(text)


@pytest.mark.parametrize("text", ["90s / 0ms > 1", "name == []", 'node < ["a", "b"]'])
def test_duration_division_by_zero_and_list_comparison_are_rule_errors(text):
    try:
        expression = compile_expression(text)
        expression.mask(ENV)
    except RuleError:
        pass
