"""A rule compiled once from its YAML mapping: expressions parsed, regexes compiled.

`compile_rule(raw, where)` raises RuleError whose `line` points into the rule file; the
loader adds the path. Kinds (exactly one per rule):

- table       `table` + optional `where`, `group_by`, `having`, `join`
- cross_node  `table` + `across_nodes` (values that must agree among nodes of a role)
- logs        `logs` (events filtered by service/path globs, level, regex, window, min_count)
- correlate   `correlate` (first A then B within a window, min_nodes)
- expect_rows `expect_rows` (nodes of a role that lack rows of a table)
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field

import pandas as pd

from analyzer.engine.expr import Expression, compile_expression, parse_duration
from analyzer.engine.regexguard import compile_guarded
from analyzer.engine.tables import TABLE_COLUMNS, is_known_column, known_columns
from analyzer.engine.yamlsafe import line_of
from analyzer.errors import RuleError

SEVERITIES = ("critical", "error", "warning", "info")
KINDS = ("table", "cross_node", "logs", "correlate", "expect_rows")
DEFAULT_MAX_EVIDENCE = 10


def as_tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def template_fields(template: str | None) -> list[str]:
    """Plain field names used by a `{field}` template (in order, unique)."""
    if not template:
        return []
    names = []
    try:
        for _, name, _, _ in string.Formatter().parse(template):
            if name and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name not in names:
                names.append(name)
    except ValueError:
        return names
    return names


@dataclass
class LogSpec:
    """Which events a log rule (or one side of a correlation) counts."""

    pattern_id: str
    services: tuple = ()
    paths: tuple = ()
    pattern: re.Pattern | None = None
    levels: frozenset = frozenset()
    where: Expression | None = None
    window: pd.Timedelta | None = None
    min_count: int = 1
    group_by: tuple = ()


@dataclass
class EventSpec:
    """One side of a correlation: another rule's events, or a log selection."""

    rule: str | None = None
    logs: LogSpec | None = None
    min_nodes: int = 1


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    component: str
    kind: str
    source: str = "<string>"
    line: int | None = None
    summary: str = ""
    description: str = ""
    remediation: str = ""
    references: tuple = ()
    disabled: bool = False
    table: str | None = None
    where: Expression | None = None
    group_by: tuple = ()
    having: Expression | None = None
    join: dict | None = None
    requires: tuple = ()
    evidence: str | None = None
    fields: dict = field(default_factory=dict)
    unless_table: str | None = None
    unless_where: Expression | None = None
    max_evidence: int = DEFAULT_MAX_EVIDENCE
    across_group_by: tuple = ()
    among: str = "all"
    differ: tuple = ()
    missing: str = "ignore"
    logs: LogSpec | None = None
    first: EventSpec | None = None
    then: EventSpec | None = None
    within: pd.Timedelta | None = None
    same_node: bool = False
    expect_table: str | None = None
    expect_role: str | None = None
    expect_where: Expression | None = None
    tests: list = field(default_factory=list)
    test_lines: list = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def log_specs(self) -> list[LogSpec]:
        specs = [self.logs] if self.logs else []
        for side in (self.first, self.then):
            if side and side.logs:
                specs.append(side.logs)
        return specs

    def referenced_rules(self) -> list[str]:
        return [s.rule for s in (self.first, self.then) if s and s.rule]


class _Compiler:
    """Builds a Rule, turning every mistake into a RuleError at the right line."""

    def __init__(self, raw: dict, where: tuple, lines: dict):
        self.raw = raw
        self.where = where
        self.lines = lines
        self.rule_id = raw.get("id", "?")

    def fail(self, message: str, *keys) -> RuleError:
        return RuleError(f"rule {self.rule_id}: {message}",
                         line=line_of(self.lines, self.where + tuple(keys)))

    def expression(self, text, *keys) -> Expression:
        try:
            return compile_expression(text)
        except RuleError as exc:
            raise self.fail(exc.message, *keys) from None

    def duration(self, text, *keys) -> pd.Timedelta:
        try:
            return parse_duration(text)
        except RuleError as exc:
            raise self.fail(exc.message, *keys) from None

    def check_columns(self, table: str | None, columns, *keys) -> None:
        if not table or known_columns(table) is None:
            return
        for column in columns:
            if not is_known_column(table, column):
                close = difflib.get_close_matches(column.split(".")[0], known_columns(table),
                                                  n=1, cutoff=0.8)
                if close:
                    raise self.fail(f"table {table!r} has no column {column!r}; "
                                    f"did you mean {close[0]!r}?", *keys)

    def check_table(self, table: str, *keys) -> None:
        if table in TABLE_COLUMNS:
            return
        close = difflib.get_close_matches(table, list(TABLE_COLUMNS), n=1, cutoff=0.75)
        if close:
            raise self.fail(f"unknown table {table!r}; did you mean {close[0]!r}?", *keys)

    def log_spec(self, raw: dict, pattern_id: str, *keys) -> LogSpec:
        spec = LogSpec(pattern_id=pattern_id)
        spec.services = as_tuple(raw.get("service"))
        spec.paths = as_tuple(raw.get("path"))
        if "pattern" in raw:
            try:
                spec.pattern = compile_guarded(raw["pattern"], bool(raw.get("ignore_case")))
            except RuleError as exc:
                raise self.fail(exc.message, *keys, "pattern") from None
        spec.levels = frozenset(str(lv).upper() for lv in as_tuple(raw.get("level")))
        if "where" in raw:
            spec.where = self.expression(raw["where"], *keys, "where")
            self.check_columns("events", spec.where.columns, *keys, "where")
        if "window" in raw:
            spec.window = self.duration(raw["window"], *keys, "window")
        spec.min_count = int(raw.get("min_count", 1))
        spec.group_by = as_tuple(raw.get("group_by"))
        self.check_columns("events", spec.group_by, *keys, "group_by")
        if not (spec.pattern or spec.levels or spec.where or spec.services or spec.paths):
            raise self.fail("a log selection needs at least one of pattern, level, where, "
                            "service, path", *keys)
        return spec

    def event_spec(self, raw: dict, side: str) -> EventSpec:
        has_rule, has_logs = "rule" in raw, "logs" in raw
        if has_rule == has_logs:
            raise self.fail(f"correlate.{side} needs exactly one of 'rule' or 'logs'",
                            "correlate", side)
        spec = EventSpec(rule=raw.get("rule"), min_nodes=int(raw.get("min_nodes", 1)))
        if has_logs:
            spec.logs = self.log_spec(raw["logs"], f"{self.rule_id}#{side}",
                                      "correlate", side, "logs")
        return spec

    def kind(self) -> str:
        raw = self.raw
        present = [k for k in ("logs", "correlate", "expect_rows") if k in raw]
        if "table" in raw:
            present.append("across_nodes" if "across_nodes" in raw else "table")
        elif "across_nodes" in raw:
            raise self.fail("across_nodes needs a 'table'", "across_nodes")
        if len(present) != 1:
            which = ", ".join(present) or "nothing"
            raise self.fail("a rule needs exactly one of table, logs, correlate, expect_rows "
                            f"(found {which})")
        kind = present[0]
        table_only = ("where", "group_by", "having", "join")
        if kind not in ("table", "across_nodes"):
            for key in table_only:
                if key in raw:
                    raise self.fail(f"{key!r} belongs to table rules, not {kind} rules", key)
        if kind == "across_nodes":
            for key in ("having", "join"):
                if key in raw:
                    raise self.fail(f"{key!r} is not used by across_nodes rules", key)
        return "cross_node" if kind == "across_nodes" else kind

    def build(self, default_component: str | None) -> Rule:
        raw = self.raw
        component = raw.get("component") or default_component
        if not component:
            raise self.fail("no component (set it on the rule or at the top of the file)")
        rule = Rule(id=raw["id"], title=raw["title"], severity=raw["severity"],
                    component=component, kind=self.kind(), line=line_of(self.lines, self.where),
                    summary=raw.get("summary", ""), description=raw.get("description", ""),
                    remediation=raw.get("remediation", ""),
                    references=tuple(raw.get("references", ())),
                    disabled=bool(raw.get("disabled", False)), evidence=raw.get("evidence"),
                    max_evidence=int(raw.get("max_evidence", DEFAULT_MAX_EVIDENCE)), raw=raw)
        if rule.kind in ("table", "cross_node"):
            self.table_parts(rule)
        elif rule.kind == "logs":
            rule.logs = self.log_spec(raw["logs"], rule.id, "logs")
            rule.requires = ("events",)
        elif rule.kind == "correlate":
            corr = raw["correlate"]
            rule.first = self.event_spec(corr["first"], "first")
            rule.then = self.event_spec(corr["then"], "then")
            rule.within = self.duration(corr["within"], "correlate", "within")
            rule.same_node = bool(corr.get("same_node", False))
            if rule.id in rule.referenced_rules():
                raise self.fail("a correlation cannot refer to itself", "correlate")
        else:
            spec = raw["expect_rows"]
            rule.expect_table = spec["table"]
            self.check_table(rule.expect_table, "expect_rows", "table")
            rule.expect_role = spec.get("role")
            if "where" in spec:
                rule.expect_where = self.expression(spec["where"], "expect_rows", "where")
                self.check_columns(rule.expect_table, rule.expect_where.columns,
                                   "expect_rows", "where")
        fields_table = rule.table if rule.kind in ("table", "cross_node") else "events"
        for name, text in (raw.get("fields") or {}).items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise self.fail(f"field name {name!r} is not a plain name", "fields", name)
            rule.fields[name] = self.expression(text, "fields", name)
            if not rule.join:
                self.check_columns(fields_table, rule.fields[name].columns, "fields", name)
        if "unless" in raw:
            rule.unless_table = raw["unless"]["table"]
            self.check_table(rule.unless_table, "unless", "table")
            rule.unless_where = self.expression(raw["unless"]["where"], "unless", "where")
            self.check_columns(rule.unless_table, rule.unless_where.columns, "unless", "where")
        if "requires" in raw:
            rule.requires = tuple(raw["requires"])
        rule.tests = list(raw.get("tests", ()))
        rule.test_lines = [line_of(self.lines, self.where + ("tests", i))
                           for i in range(len(rule.tests))]
        return rule

    def table_parts(self, rule: Rule) -> None:
        raw = self.raw
        rule.table = raw["table"]
        self.check_table(rule.table, "table")
        columns_of = [rule.table]
        if "join" in raw:
            join = raw["join"]
            self.check_table(join["table"], "join", "table")
            rule.join = {"table": join["table"], "on": list(as_tuple(join["on"]))}
            self.check_columns(rule.table, rule.join["on"], "join", "on")
            self.check_columns(join["table"], rule.join["on"], "join", "on")
            columns_of.append(join["table"])
        rule.requires = tuple(columns_of)

        def check(columns, *keys):
            if rule.join:
                unknown = [c for c in columns
                           if not any(is_known_column(t, c) for t in columns_of)]
                self.check_columns(rule.table, unknown, *keys)
            else:
                self.check_columns(rule.table, columns, *keys)

        if "where" in raw:
            rule.where = self.expression(raw["where"], "where")
            check(rule.where.columns, "where")
        rule.group_by = as_tuple(raw.get("group_by"))
        check(rule.group_by, "group_by")
        if "having" in raw:
            rule.having = self.expression(raw["having"], "having")
            check(rule.having.columns, "having")
        if rule.kind == "cross_node":
            across = raw["across_nodes"]
            rule.across_group_by = as_tuple(across.get("group_by"))
            rule.differ = as_tuple(across["differ"])
            rule.among = across.get("among", "all")
            rule.missing = across.get("missing", "ignore")
            check(rule.across_group_by, "across_nodes", "group_by")
            check(rule.differ, "across_nodes", "differ")


def compile_rule(raw: dict, where: tuple = (), lines: dict | None = None,
                 default_component: str | None = None) -> Rule:
    """Compile one schema-valid rule mapping. Raises RuleError (line set, path not)."""
    return _Compiler(raw, where, lines or {}).build(default_component)
