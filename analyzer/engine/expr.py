"""The rule expression language: a small pyparsing grammar, evaluated vectorised with pandas.

No `eval`, no Python: an expression is parsed once into a tree of the classes below, then
evaluated over a DataFrame (one boolean per row) or over a group of rows (one value).

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum [ ("=="|"!="|"<"|"<="|">"|">=") sum
                      | ["not"] "in" (list | column)
                      | ("~"|"!~") string ]
    sum        := product (("+"|"-") product)*
    product    := atom (("*"|"/") atom)*
    atom       := timestamp | duration | number | string | true | false | null
                | list | function "(" [expr ("," expr)*] ")" | column | "(" expr ")"
    column     := name ("." name)*          (dots reach into dict values)
    string     := '"' ... '"' | "'" ... "'"  (raw: backslashes kept as written, \" is a quote)
    duration   := (number ("ms"|"s"|"m"|"h"|"d"|"w"))+       e.g. 90s, 5m, 1h30m
    timestamp  := YYYY-MM-DD[THH:MM[:SS[.f]][Z|+HH:MM]]     (UTC when no zone is given)

Null semantics: a comparison with a null value is false (`x != "a"` is false where x is null),
except `x == null` / `x != null`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
import pyparsing as pp

from analyzer.errors import RuleError
from analyzer.engine.regexguard import compile_guarded

pp.ParserElement.enable_packrat()

MAX_EXPRESSION_LENGTH = 4000
MAX_NESTING = 40

ROW_FUNCTIONS = {"lower": 1, "len": 1, "age": 1, "is_controller": 1, "last_line": 1,
                 "extract": 2, "coalesce": 2}
AGGREGATE_FUNCTIONS = {"count": (0, 1), "nunique": 1, "min": 1, "max": 1, "sum": 1,
                       "any": 1, "all": 1}
CONSTANT_FUNCTIONS = {"controllers": 0}
FUNCTIONS = sorted({*ROW_FUNCTIONS, *AGGREGATE_FUNCTIONS, *CONSTANT_FUNCTIONS})
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}

_DURATION_UNITS = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours",
                   "d": "days", "w": "weeks"}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(text: str) -> pd.Timedelta:
    """'90s', '5m', '1h30m' -> Timedelta. Raises RuleError on anything else."""
    text = str(text).strip()
    if not re.fullmatch(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+", text):
        raise RuleError(f"bad duration {text!r} (use e.g. 90s, 5m, 2h, 1d)")
    total = pd.Timedelta(0)
    for number, unit in _DURATION_PART.findall(text):
        total += pd.Timedelta(**{_DURATION_UNITS[unit]: float(number)})
    return total


# --------------------------------------------------------------------------------------------
# Evaluation environment


@dataclass
class Env:
    """What an expression sees: the rows, the rule (for error messages) and case constants."""

    frame: pd.DataFrame
    rule_id: str = "?"
    collected_at: dict = field(default_factory=dict)   # node -> aware Timestamp
    default_now: pd.Timestamp | None = None
    controllers: int = 0
    controller_names: frozenset = frozenset()          # short host names, lower case

    def sub(self, frame: pd.DataFrame) -> "Env":
        return Env(frame, self.rule_id, self.collected_at, self.default_now, self.controllers,
                   self.controller_names)

    def now(self):
        """Collection time per row (node's own when known), or the case's latest."""
        if "node" in self.frame.columns and self.collected_at:
            mapped = self.frame["node"].map(self.collected_at)
            if self.default_now is not None:
                mapped = mapped.where(mapped.notna(), self.default_now)
            return pd.to_datetime(mapped, utc=True)
        return self.default_now

    def type_error(self, what: str) -> RuleError:
        return RuleError(f"rule {self.rule_id}: {what}")


def _is_series(value) -> bool:
    return isinstance(value, pd.Series)


def _kind(value) -> str:
    """Readable type of a scalar or of a column's non-null values."""
    if _is_series(value):
        kinds = sorted({type(v).__name__ for v in value.dropna().head(50)})
        return "/".join(kinds) or "empty"
    return type(value).__name__


def _as_numeric(series: pd.Series, env: Env, node: "Node", strict: bool) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series
    if pd.api.types.is_timedelta64_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return series
    converted = pd.to_numeric(series.map(lambda v: v if not isinstance(v, (list, dict)) else None),
                              errors="coerce")
    if strict:
        bad = series.notna() & converted.isna()
        if bad.any():
            example = series[bad].iloc[0]
            raise env.type_error(f"{node.describe()} holds {type(example).__name__} "
                                 f"{example!r}, not a number")
    return converted


def _as_datetime(series: pd.Series, env: Env, node: "Node") -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series if series.dt.tz is not None else series.dt.tz_localize("UTC")
    converted = pd.to_datetime(series, utc=True, errors="coerce", format="mixed")
    bad = series.notna() & converted.isna()
    if bad.any():
        raise env.type_error(f"{node.describe()} holds {series[bad].iloc[0]!r}, not a timestamp")
    return converted


def truth(value, env: Env, node: "Node"):
    """A value used as a condition -> boolean Series or bool; nulls are false."""
    if _is_series(value):
        if pd.api.types.is_bool_dtype(value):
            return value.fillna(False).astype(bool)
        if pd.api.types.is_numeric_dtype(value):
            return value.fillna(0) != 0
        bad = value.map(lambda v: v is not None and not isinstance(v, (bool, np.bool_, int, float))
                        and not (isinstance(v, float) and np.isnan(v)))
        if bad.any():
            example = value[bad].iloc[0]
            raise env.type_error(f"{node.describe()} holds {type(example).__name__} "
                                 f"{example!r}, not a boolean")
        return value.map(lambda v: bool(v) if v is not None and v == v else False).astype(bool)
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_, int, float)):
        return bool(value)
    raise env.type_error(f"{node.describe()} is {type(value).__name__} {value!r}, not a boolean")


# --------------------------------------------------------------------------------------------
# Tree


class Node:
    """An expression tree node."""

    def eval(self, env: Env):  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__

    def children(self) -> list["Node"]:
        """The nodes among its fields (and in its list fields), in field order."""
        out: list[Node] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                out.append(value)
            elif isinstance(value, (list, tuple)):
                out.extend(v for v in value if isinstance(v, Node))
        return out

    def walk(self):
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass
class Literal(Node):
    value: object

    def eval(self, env):
        return self.value

    def describe(self):
        return repr(self.value)


@dataclass
class ListLiteral(Node):
    items: tuple

    def eval(self, env):
        return self.items

    def describe(self):
        return repr(list(self.items))


@dataclass
class Column(Node):
    name: str

    def eval(self, env):
        frame = env.frame
        if self.name in frame.columns:
            return frame[self.name]
        head, *rest = self.name.split(".")
        if head not in frame.columns:
            return pd.Series([None] * len(frame), index=frame.index, dtype=object)
        series = frame[head]
        for key in rest:
            series = series.map(lambda v, k=key: v.get(k) if isinstance(v, dict) else None)
        return series

    def describe(self):
        return f"column {self.name!r}"


def _null_mask(value):
    if _is_series(value):
        return value.isna()
    return value is None


def _broadcast(value, env: Env) -> pd.Series:
    if _is_series(value):
        return value
    return pd.Series([value] * len(env.frame), index=env.frame.index, dtype=object)


@dataclass
class Compare(Node):
    op: str
    left: Node
    right: Node

    def describe(self):
        return f"{self.left.describe()} {self.op} {self.right.describe()}"

    def eval(self, env):
        left, right = self.left.eval(env), self.right.eval(env)
        if isinstance(self.right, Literal) and self.right.value is None:
            isnull = _null_mask(left)
            return isnull if self.op == "==" else ~isnull if _is_series(isnull) else not isnull
        if isinstance(self.left, Literal) and self.left.value is None:
            isnull = _null_mask(right)
            return isnull if self.op == "==" else ~isnull if _is_series(isnull) else not isnull
        left, right = self._coerce(left, right, env)
        notnull = True
        for side in (left, right):
            mask = _null_mask(side)
            notnull = notnull & (~mask if _is_series(mask) else (not mask))
        try:
            with np.errstate(all="ignore"):
                result = _COMPARE[self.op](left, right)
        except (TypeError, NotImplementedError):
            raise env.type_error(f"cannot compare {self.left.describe()} ({_kind(left)}) "
                                 f"{self.op} {self.right.describe()} ({_kind(right)})") from None
        if _is_series(result):
            return result.fillna(False).astype(bool) & notnull
        return bool(result) and bool(notnull)

    def _coerce(self, left, right, env):
        ordering = self.op not in ("==", "!=")
        sides = [(left, self.left), (right, self.right)]
        scalars = [v for v, _ in sides if not _is_series(v)]
        kinds = {type(v) for v in scalars if v is not None}
        out = []
        for value, node in sides:
            if _is_series(value):
                if any(issubclass(k, pd.Timestamp) for k in kinds):
                    value = _as_datetime(value, env, node)
                elif any(issubclass(k, pd.Timedelta) for k in kinds):
                    if not pd.api.types.is_timedelta64_dtype(value):
                        value = pd.to_timedelta(_as_numeric(value, env, node, True), unit="s")
                elif any(issubclass(k, (int, float)) and not issubclass(k, bool) for k in kinds):
                    value = _as_numeric(value, env, node, strict=ordering)
                elif ordering and not scalars:
                    if pd.api.types.is_object_dtype(value):
                        numeric = _as_numeric(value, env, node, strict=False)
                        if numeric.notna().sum() == value.notna().sum():
                            value = numeric
            elif isinstance(value, str) and ordering and any(
                    _is_series(v) and pd.api.types.is_numeric_dtype(v) for v, _ in sides):
                raise env.type_error(f"cannot compare {self.left.describe()} {self.op} "
                                     f"{self.right.describe()}: text against numbers")
            out.append(value)
        return out


_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


@dataclass
class Membership(Node):
    left: Node
    right: Node
    negate: bool

    def describe(self):
        return f"{self.left.describe()} {'not in' if self.negate else 'in'} {self.right.describe()}"

    def eval(self, env):
        left, right = self.left.eval(env), self.right.eval(env)
        if isinstance(right, tuple):
            items = list(right)
            if _is_series(left):
                values = [i for i in items if i is not None]
                if values and all(isinstance(i, (int, float)) and not isinstance(i, bool)
                                  for i in values):
                    left = _as_numeric(left, env, self.left, strict=False)
                hit = left.isin(values)
                isnull = left.isna()
                if None in items:
                    hit = hit | isnull
                result = ~hit if self.negate else hit
                return result if None in items else result & ~isnull
            hit = left in items
            if left is None and None not in items:
                return False
            return (not hit) if self.negate else hit
        if _is_series(right):
            left_values = _broadcast(left, env)
            pairs = zip(left_values.tolist(), right.tolist())
            values = []
            for item, container in pairs:
                if item is None or container is None or (isinstance(container, float)
                                                         and np.isnan(container)):
                    values.append(None)
                    continue
                if isinstance(container, str):
                    if not isinstance(item, str):
                        raise env.type_error(f"{self.describe()}: {item!r} is not text")
                    hit = item in container
                elif isinstance(container, (list, tuple, set, frozenset, dict)):
                    hit = item in container
                else:
                    raise env.type_error(f"{self.right.describe()} holds "
                                         f"{type(container).__name__}, not a list")
                values.append(hit != self.negate)
            return pd.Series([bool(v) for v in values], index=env.frame.index, dtype=bool) \
                & pd.Series([v is not None for v in values], index=env.frame.index)
        raise env.type_error(f"right side of 'in' must be a list or a column: {self.describe()}")


def _text_values(series: pd.Series) -> pd.Series:
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (list, tuple)):
            return "\n".join(str(i) for i in v)
        return str(v)
    return series.map(one)


@dataclass
class Match(Node):
    left: Node
    pattern: re.Pattern
    negate: bool

    def describe(self):
        return f"{self.left.describe()} {'!~' if self.negate else '~'} {self.pattern.pattern!r}"

    def eval(self, env):
        left = self.left.eval(env)
        if _is_series(left):
            text = _text_values(left)
            notnull = text.notna()
            hit = text.map(lambda v: v is not None and self.pattern.search(v) is not None)
            hit = hit.astype(bool)
            return (~hit & notnull) if self.negate else hit
        if left is None:
            return False
        hit = self.pattern.search(str(left)) is not None
        return hit != self.negate


@dataclass
class _Regex(Node):
    """A compiled regex argument (of extract)."""

    pattern: re.Pattern

    def eval(self, env):
        return self.pattern.pattern

    def describe(self):
        return repr(self.pattern.pattern)


@dataclass
class Arithmetic(Node):
    op: str
    left: Node
    right: Node

    def describe(self):
        return f"({self.left.describe()} {self.op} {self.right.describe()})"

    def eval(self, env):
        values = []
        for node in (self.left, self.right):
            value = node.eval(env)
            if _is_series(value) and pd.api.types.is_object_dtype(value):
                sample = value.dropna()
                if len(sample) and all(isinstance(v, (pd.Timestamp,)) or
                                       (isinstance(v, str) and re.match(r"\d{4}-\d\d-\d\d", v))
                                       for v in sample.head(5)):
                    value = _as_datetime(value, env, node)
                else:
                    value = _as_numeric(value, env, node, strict=True)
            elif isinstance(value, str):
                raise env.type_error(f"{node.describe()} is text: cannot use {self.op!r} on it")
            values.append(value)
        try:
            with np.errstate(all="ignore"):
                left, right = values
                if self.op == "+":
                    return left + right
                if self.op == "-":
                    return left - right
                if self.op == "*":
                    return left * right
                if _is_series(right):
                    right = right.where(right != 0)
                elif right == 0 or (isinstance(right, pd.Timedelta) and right.value == 0):
                    return None
                return left / right
        except ZeroDivisionError:
            return None
        except (TypeError, ValueError, NotImplementedError):
            raise env.type_error(f"cannot compute {self.describe()} "
                                 f"({_kind(values[0])} {self.op} {_kind(values[1])})") from None


@dataclass
class BoolOp(Node):
    op: str                 # and | or
    operands: list

    def describe(self):
        return f" {self.op} ".join(o.describe() for o in self.operands)

    def eval(self, env):
        result = None
        for node in self.operands:
            value = truth(node.eval(env), env, node)
            if result is None:
                result = value
            elif self.op == "and":
                result = result & value
            else:
                result = result | value
        return result


@dataclass
class Not(Node):
    operand: Node

    def describe(self):
        return f"not {self.operand.describe()}"

    def eval(self, env):
        value = truth(self.operand.eval(env), env, self.operand)
        return ~value if _is_series(value) else not value


@dataclass
class Call(Node):
    name: str
    args: list

    def describe(self):
        return f"{self.name}({', '.join(a.describe() for a in self.args)})"

    @property
    def is_aggregate(self) -> bool:
        return self.name in AGGREGATE_FUNCTIONS

    def eval(self, env):
        name = self.name
        if name == "controllers":
            return env.controllers
        if name == "count" and not self.args:
            return int(len(env.frame))
        arg_node = self.args[0]
        value = arg_node.eval(env)
        if name == "lower":
            if _is_series(value):
                return value.map(lambda v: v.lower() if isinstance(v, str) else v)
            return value.lower() if isinstance(value, str) else value
        if name == "len":
            def length(v):
                if isinstance(v, (str, list, tuple, dict, set)):
                    return len(v)
                if v is None or (isinstance(v, float) and np.isnan(v)):
                    return None
                raise env.type_error(f"len() of {arg_node.describe()}: "
                                     f"{type(v).__name__} has no length")
            if _is_series(value):
                return pd.to_numeric(value.map(length), errors="coerce")
            return length(value)
        if name == "coalesce":
            other = self.args[1].eval(env)
            if _is_series(value):
                return value.where(value.notna(), _broadcast(other, env))
            return other if value is None else value
        if name == "extract":
            pattern = self.args[1].pattern

            def grab(v):
                match = pattern.search(v) if isinstance(v, str) else None
                if match is None:
                    return None
                return match.group(1) if pattern.groups else match.group(0)
            return value.map(grab) if _is_series(value) else grab(value)
        if name == "last_line":
            def last(v):
                if not isinstance(v, str):
                    return None
                lines = [line.strip() for line in v.splitlines() if line.strip()]
                return lines[-1] if lines else None
            return value.map(last) if _is_series(value) else last(value)
        if name == "is_controller":
            def known(v):
                return isinstance(v, str) and v.split(".")[0].lower() in env.controller_names
            if _is_series(value):
                return value.map(known).astype(bool)
            return known(value)
        if name == "age":
            now = env.now()
            if now is None:
                return None
            if _is_series(value):
                return now - _as_datetime(value, env, arg_node)
            if value is None:
                return None
            stamp = pd.Timestamp(value)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
            return now - stamp
        if name in ("count", "any", "all"):
            flags = truth(value, env, arg_node)
            flags = _broadcast(flags, env).astype(bool) if not _is_series(flags) else flags
            if name == "count":
                return int(flags.sum())
            return bool(flags.any()) if name == "any" else bool(flags.all())
        series = _broadcast(value, env)
        if name == "nunique":
            return int(_text_values(series).nunique())
        numeric = series
        if not (pd.api.types.is_timedelta64_dtype(series)
                or pd.api.types.is_datetime64_any_dtype(series)):
            if pd.api.types.is_object_dtype(series) and len(series.dropna()) and all(
                    isinstance(v, str) for v in series.dropna()) and name != "sum":
                numeric = pd.to_numeric(series, errors="coerce")
                if numeric.notna().sum() != series.notna().sum():
                    values = sorted(series.dropna())
                    return values[0] if name == "min" else values[-1]
            else:
                numeric = _as_numeric(series, env, arg_node, strict=True)
        clean = numeric.dropna()
        if clean.empty:
            return 0 if name == "sum" else None
        result = {"min": clean.min, "max": clean.max, "sum": clean.sum}[name]()
        return result.item() if hasattr(result, "item") else result


# --------------------------------------------------------------------------------------------
# Grammar


def _build_grammar():
    kw = {k: pp.Keyword(k) for k in KEYWORDS}
    any_keyword = pp.MatchFirst(kw.values())
    lpar, rpar = pp.Suppress("("), pp.Suppress(")")
    lbr, rbr = pp.Suppress("["), pp.Suppress("]")

    string = (pp.QuotedString('"', esc_char="\\", unquote_results=False)
              | pp.QuotedString("'", esc_char="\\", unquote_results=False))
    string.set_parse_action(lambda t: Literal(_raw_string(t[0])))
    timestamp = pp.Regex(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                         r"(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w.:-])")
    timestamp.set_parse_action(lambda t: Literal(_timestamp(t[0])))
    duration = pp.Regex(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+(?![\w.])")
    duration.set_parse_action(lambda t: Literal(parse_duration(t[0])))
    number = pp.Regex(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
    number.set_parse_action(lambda t: Literal(float(t[0]) if re.search(r"[.eE]", t[0])
                                              else int(t[0])))
    constant = (kw["true"].copy().set_parse_action(lambda: Literal(True))
                | kw["false"].copy().set_parse_action(lambda: Literal(False))
                | kw["null"].copy().set_parse_action(lambda: Literal(None)))
    name = pp.Regex(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
    column = (~any_keyword + name).set_parse_action(lambda t: Column(t[0]))

    expr = pp.Forward()
    literal = timestamp | duration | number | string | constant
    list_literal = (lbr + pp.Optional(pp.DelimitedList(literal)) + rbr)
    list_literal.set_parse_action(lambda t: ListLiteral(tuple(n.value for n in t)))
    call = (pp.Regex(r"[A-Za-z_][A-Za-z0-9_]*") + lpar
            + pp.Group(pp.Optional(pp.DelimitedList(expr))) + rpar)
    call.set_parse_action(_make_call)
    atom = literal | list_literal | call | column

    # `not in` is one token: a Group here is flattened by some pyparsing releases (3.3.3)
    not_in = pp.Regex(r"not\s+in(?![\w.])").set_parse_action(lambda t: "not in")
    cmp_op = pp.Regex(r"==|!=|<=|>=|<|>|!~|~") | not_in | kw["in"]
    grammar = pp.infix_notation(atom, [
        (pp.one_of("* /"), 2, pp.OpAssoc.LEFT, _make_arith),
        (pp.one_of("+ -"), 2, pp.OpAssoc.LEFT, _make_arith),
        (cmp_op, 2, pp.OpAssoc.LEFT, _make_compare),
        (kw["not"], 1, pp.OpAssoc.RIGHT, lambda t: Not(t[0][1])),
        (kw["and"], 2, pp.OpAssoc.LEFT, lambda t: BoolOp("and", list(t[0][0::2]))),
        (kw["or"], 2, pp.OpAssoc.LEFT, lambda t: BoolOp("or", list(t[0][0::2]))),
    ])
    expr <<= grammar
    return expr


def _raw_string(quoted: str) -> str:
    """Strings are raw (backslashes kept, regex-friendly); only \\" (or \\') is a quote."""
    quote, body = quoted[0], quoted[1:-1]
    return body.replace("\\" + quote, quote)


def _timestamp(text: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        raise pp.ParseFatalException(text, 0, f"bad timestamp {text!r}") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _make_call(s, loc, tokens):
    name, args = tokens[0], list(tokens[1])
    if name not in FUNCTIONS:
        raise pp.ParseFatalException(s, loc, f"unknown function {name!r} "
                                     f"(known: {', '.join(FUNCTIONS)})")
    arity = {**ROW_FUNCTIONS, **AGGREGATE_FUNCTIONS, **CONSTANT_FUNCTIONS}[name]
    allowed = arity if isinstance(arity, tuple) else (arity,)
    if len(args) not in allowed:
        raise pp.ParseFatalException(s, loc, f"{name}() takes {' or '.join(map(str, allowed))} "
                                     f"argument(s), got {len(args)}")
    if name == "extract":
        regex = args[1]
        if not (isinstance(regex, Literal) and isinstance(regex.value, str)):
            raise pp.ParseFatalException(s, loc, "extract(text, \"regex\") needs a quoted regex")
        try:
            args[1] = _Regex(compile_guarded(regex.value))
        except RuleError as exc:
            raise pp.ParseFatalException(s, loc, exc.message) from None
    return Call(name, args)


def _make_arith(s, loc, tokens):
    items = list(tokens[0])
    node = items[0]
    for op, right in zip(items[1::2], items[2::2]):
        node = Arithmetic(op, node, right)
    return node


def _make_compare(s, loc, tokens):
    items = list(tokens[0])
    if len(items) != 3:
        raise pp.ParseFatalException(s, loc, "comparisons cannot be chained; use 'and'")
    left, op, right = items
    if op == "not in":
        return Membership(left, right, negate=True)
    if op != "in" and (isinstance(left, ListLiteral) or isinstance(right, ListLiteral)):
        raise pp.ParseFatalException(s, loc, f"a list can only follow 'in' or 'not in', not {op!r}")
    if op == "in":
        return Membership(left, right, negate=False)
    if op in ("~", "!~"):
        if not (isinstance(right, Literal) and isinstance(right.value, str)):
            raise pp.ParseFatalException(s, loc, f"right side of {op} must be a quoted regex")
        try:
            pattern = compile_guarded(right.value)
        except RuleError as exc:
            raise pp.ParseFatalException(s, loc, exc.message) from None
        return Match(left, pattern, negate=(op == "!~"))
    return Compare(op, left, right)


_GRAMMAR = _build_grammar()


@dataclass
class Expression:
    """A compiled expression: its text, tree and the columns it reads."""

    text: str
    tree: Node

    @property
    def columns(self) -> list[str]:
        return sorted({n.name for n in self.tree.walk() if isinstance(n, Column)})

    @property
    def has_aggregate(self) -> bool:
        return any(isinstance(n, Call) and n.is_aggregate for n in self.tree.walk())

    def evaluate(self, env: Env):
        """Raw value: Series aligned with env.frame, or a scalar."""
        try:
            return self.tree.eval(env)
        except RuleError:
            raise
        except (TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise env.type_error(f"{self.text!r}: {exc}") from None

    def mask(self, env: Env) -> pd.Series:
        """Boolean Series: which rows of env.frame satisfy the expression."""
        value = truth(self.evaluate(env), env, self.tree)
        if _is_series(value):
            return value.astype(bool)
        return pd.Series(bool(value), index=env.frame.index, dtype=bool)

    def holds(self, env: Env) -> bool:
        """One boolean for a whole group of rows (aggregate conditions)."""
        value = truth(self.evaluate(env), env, self.tree)
        if _is_series(value):
            return bool(value.any())
        return bool(value)


def compile_expression(text: str) -> Expression:
    """Parse `text` once. Raises RuleError naming the column of the mistake."""
    if not isinstance(text, str):
        raise RuleError(f"expression must be text, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise RuleError(f"expression longer than {MAX_EXPRESSION_LENGTH} characters")
    depth = 0
    for char in text:
        depth += char in "(["
        if depth > MAX_NESTING:
            raise RuleError(f"expression nests deeper than {MAX_NESTING} levels")
        depth -= char in ")]" and depth > 0
    try:
        tree = _GRAMMAR.parse_string(text, parse_all=True)[0]
    except (pp.ParseException, pp.ParseFatalException) as exc:
        raise RuleError(f"bad expression {text!r} at column {exc.column}: {exc.msg}") from None
    except RecursionError:
        raise RuleError(f"expression too complex: {text[:60]!r}") from None
    except RuleError:
        raise
    if not isinstance(tree, Node):
        raise RuleError(f"bad expression {text!r}")
    return Expression(text, tree)
