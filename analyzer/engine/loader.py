"""Loading rule files: safe YAML, the JSON Schema, file:line errors, ids, overrides.

Shipped rules come from the package (`analyzer/rules`, installed from the top-level `rules/`
folder) or, in a checkout, from `rules/`. Each `--rules DIR` adds a folder whose rules extend
the set or replace a shipped rule with the same id. `disabled: true` keeps a rule known but
off. Tests may sit in the rule itself (`tests:`) or in `<dir>/tests/*.yaml` as
`tests: {rule_id: [cases]}`.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jsonschema

from analyzer.engine.rule import Rule, compile_rule
from analyzer.engine.yamlsafe import line_of, load_located
from analyzer.errors import RuleError

MAX_RULE_FILE_BYTES = 2_000_000


def rule_schema() -> dict:
    """The JSON Schema of rule files (shipped as analyzer/engine/rule.schema.json)."""
    text = resources.files("analyzer.engine").joinpath("rule.schema.json").read_text("utf-8")
    return json.loads(text)


_VALIDATOR = jsonschema.Draft202012Validator(rule_schema())


def shipped_rules_dir() -> Path:
    """Folder of the shipped packs: the installed package data, else the checkout's rules/."""
    packaged = Path(str(resources.files("analyzer"))) / "rules"
    if packaged.is_dir() and any(packaged.glob("*.yaml")):
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


class RuleLoadError(RuleError):
    """Several rule-file mistakes at once; `errors` holds each RuleError (path and line set)."""

    def __init__(self, errors: list[RuleError]):
        self.errors = errors
        lines = "\n".join(str(e) for e in errors)
        super().__init__(f"{len(errors)} error(s) in rule files:\n{lines}")

    def __str__(self) -> str:
        return self.message


@dataclass
class RuleSet:
    """Every rule known (enabled or not), by id, plus where each came from."""

    rules: dict[str, Rule] = field(default_factory=dict)
    overridden: dict[str, str] = field(default_factory=dict)   # id -> location replaced

    def enabled(self) -> list[Rule]:
        return [self.rules[i] for i in sorted(self.rules) if not self.rules[i].disabled]

    def get(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            close = difflib.get_close_matches(rule_id, list(self.rules), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RuleError(f"no rule {rule_id!r}{hint}") from None

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self):
        return iter(self.rules[i] for i in sorted(self.rules))

    def log_patterns(self) -> list[tuple[str, object]]:
        """(pattern_id, compiled regex) of every enabled rule's log patterns, for the log scan."""
        return log_patterns(self)

    def log_pattern_scopes(self) -> dict[str, tuple]:
        """pattern_id -> (service globs, path globs) the pattern's rule selects events from."""
        return {spec.pattern_id: (tuple(spec.services), tuple(spec.paths))
                for rule in self.enabled() if not rule.disabled
                for spec in rule.log_specs() if spec.pattern is not None}


def log_patterns(rules) -> list[tuple[str, object]]:
    """(pattern_id, compiled regex) for the log scanner; `rules` is a RuleSet or rules.

    The scanner keeps every line one of these matches and lists the ids in the events'
    `matched` column. A pattern_id is the rule id (`<id>#first` / `<id>#then` for the sides
    of a correlation). `ignore_case: true` patterns are compiled with re.IGNORECASE, so a
    scanner must keep the pattern's `.flags` along with its `.pattern` text.
    """
    items = rules.enabled() if isinstance(rules, RuleSet) else list(rules)
    out = []
    for rule in items:
        if rule.disabled:
            continue
        for spec in rule.log_specs():
            if spec.pattern is not None:
                out.append((spec.pattern_id, spec.pattern))
    return sorted(out, key=lambda item: item[0])


# --------------------------------------------------------------------------------------------
# Schema errors with lines and suggestions


def _explain(error: jsonschema.ValidationError, lines: dict, path: str) -> list[RuleError]:
    where = tuple(error.absolute_path)
    label = ".".join(str(p) for p in where) or "top level"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for key in error.instance:
            if key in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(allowed)})"
            out.append(RuleError(f"unknown key {key!r} in {label}{hint}", path=path,
                                 line=line_of(lines, where + (key,))))
        return out
    if error.validator == "oneOf":
        message = f"{label}: must be text or a list of text, got {error.instance!r}"
    elif error.validator == "required":
        message = f"{label}: {error.message.replace(' is a required property', '')} is required"
    elif error.validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        close = difflib.get_close_matches(str(error.instance), [str(v) for v in
                                                                error.validator_value], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"{label}: {error.instance!r} is not one of: {options}{hint}"
    elif error.validator == "pattern" and label.endswith("id"):
        message = f"{label}: {error.instance!r} is not a rule id like 'component.what-is-wrong'"
    else:
        message = f"{label}: {error.message}"
    return [RuleError(message, path=path, line=line_of(lines, where))]


# --------------------------------------------------------------------------------------------
# Files


def _read_document(file: Path) -> tuple[object, dict]:
    try:
        size = file.stat().st_size
        if size > MAX_RULE_FILE_BYTES:
            raise RuleError(f"rule file larger than {MAX_RULE_FILE_BYTES} bytes", path=str(file))
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(f"not UTF-8 text: {exc.reason}", path=str(file)) from None
    except OSError as exc:
        raise RuleError(f"cannot read: {exc.strerror}", path=str(file)) from None
    return load_located(text, str(file))


@dataclass
class _FileResult:
    rules: list[Rule]
    tests: dict[str, list[tuple[dict, int | None, str]]]
    errors: list[RuleError]


def load_file(file: Path) -> _FileResult:
    """Load and compile one rule file; errors are collected, not raised."""
    result = _FileResult([], {}, [])
    try:
        doc, lines = _read_document(file)
    except RuleError as exc:
        exc.path = exc.path or str(file)
        result.errors.append(exc)
        return result
    if doc is None:
        return result
    if not isinstance(doc, dict):
        result.errors.append(RuleError("a rule file is a mapping with 'rules:' (and/or "
                                       "'tests:')", path=str(file), line=1))
        return result
    raw_errors = list(_VALIDATOR.iter_errors(doc))
    for error in raw_errors:
        result.errors.extend(_explain(error, lines, str(file)))
    result.errors.sort(key=lambda e: (e.line or 0, e.message))
    paths = [tuple(error.absolute_path) for error in raw_errors]
    if any(len(p) < 2 for p in paths):
        return result                      # the file's shape is wrong: nothing to compile
    # Compile the rules the schema accepted, so their own mistakes are reported too.
    bad_rules = {p[1] for p in paths if p[0] == "rules"}
    bad_tests = any(p[0] == "tests" for p in paths)
    default_component = doc.get("component")
    for index, raw in enumerate(doc.get("rules") or []):
        if index in bad_rules:
            continue
        try:
            rule = compile_rule(raw, ("rules", index), lines, default_component)
        except RuleError as exc:
            exc.path = str(file)
            result.errors.append(exc)
            continue
        rule.source = str(file)
        result.rules.append(rule)
    for rule_id, cases in ({} if bad_tests else doc.get("tests") or {}).items():
        for i, case in enumerate(cases):
            result.tests.setdefault(rule_id, []).append(
                (case, line_of(lines, ("tests", rule_id, i)), str(file)))
    return result


def rule_files(directory: Path) -> list[Path]:
    """Rule files of a folder (sorted), then those of its tests/ subfolder."""
    found = sorted(p for p in directory.glob("*.y*ml") if p.is_file())
    tests = directory / "tests"
    if tests.is_dir():
        found += sorted(p for p in tests.glob("*.y*ml") if p.is_file())
    return found


def _load_dir(directory: Path) -> tuple[dict[str, Rule], list[RuleError]]:
    rules: dict[str, Rule] = {}
    tests: dict[str, list] = {}
    errors: list[RuleError] = []
    if not directory.is_dir():
        return rules, [RuleError("no such rules folder", path=str(directory))]
    for file in rule_files(directory):
        result = load_file(file)
        errors.extend(result.errors)
        for rule in result.rules:
            if rule.id in rules:
                errors.append(RuleError(f"duplicate rule id {rule.id!r} (first defined at "
                                        f"{rules[rule.id].location})", path=rule.source,
                                        line=rule.line))
                continue
            rules[rule.id] = rule
        for rule_id, cases in result.tests.items():
            tests.setdefault(rule_id, []).extend(cases)
    for rule_id, cases in tests.items():
        if rule_id not in rules:
            for _, line, path in cases[:1]:
                close = difflib.get_close_matches(rule_id, list(rules), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                errors.append(RuleError(f"tests for unknown rule {rule_id!r}{hint}",
                                        path=path, line=line))
            continue
        rule = rules[rule_id]
        for case, line, path in cases:
            rule.tests.append(case)
            rule.test_lines.append(f"{path}:{line}" if line else path)
    return rules, errors


def _check_references(ruleset: RuleSet) -> list[RuleError]:
    errors = []
    for rule in ruleset:
        for ref in rule.referenced_rules():
            if ref not in ruleset.rules:
                close = difflib.get_close_matches(ref, list(ruleset.rules), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                errors.append(RuleError(f"rule {rule.id}: correlates unknown rule {ref!r}{hint}",
                                        path=rule.source, line=rule.line))
            elif ruleset.rules[ref].kind == "correlate":
                errors.append(RuleError(f"rule {rule.id}: cannot correlate another "
                                        f"correlation ({ref})", path=rule.source, line=rule.line))
    return errors


def collect_rules(extra_dirs=(), include_shipped: bool = True) -> tuple[RuleSet, list[RuleError]]:
    """Load shipped + extra folders; returns the set and every error found (nothing raised)."""
    ruleset = RuleSet()
    errors: list[RuleError] = []
    dirs = ([shipped_rules_dir()] if include_shipped else []) + [Path(d) for d in extra_dirs]
    for index, directory in enumerate(dirs):
        rules, dir_errors = _load_dir(directory)
        errors.extend(dir_errors)
        for rule_id, rule in rules.items():
            if rule_id in ruleset.rules and index > 0:
                ruleset.overridden[rule_id] = ruleset.rules[rule_id].location
            ruleset.rules[rule_id] = rule
    errors.extend(_check_references(ruleset))
    return ruleset, errors


def load_rules(extra_dirs=()) -> RuleSet:
    """Shipped rules extended/overridden by `extra_dirs`. Raises RuleLoadError listing all
    mistakes with file:line."""
    ruleset, errors = collect_rules(extra_dirs)
    if errors:
        raise RuleLoadError(errors)
    return ruleset
