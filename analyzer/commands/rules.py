"""`sos-analyzer rules list | validate [DIR...] | test [ID...] | explain ID`."""

from __future__ import annotations

import json
import sys

import click

RULES_OPTION = click.option(
    "--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
    help="Extra rule folder (repeatable); its rules extend or override shipped ones by id.")


def _load(rule_dirs):
    """The rule set, or exit 2 listing every mistake as file:line: message."""
    from analyzer.engine import collect_rules

    ruleset, errors = collect_rules(rule_dirs)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(errors)} error(s) in rule files", err=True)
        sys.exit(2)
    return ruleset


def _condition(rule) -> str:
    if rule.kind == "table":
        parts = [f"table {rule.table}"]
        if rule.join:
            parts.append(f"joined with {rule.join['table']} on {', '.join(rule.join['on'])}")
        if rule.where:
            parts.append(f"where {rule.where.text.strip()}")
        if rule.group_by:
            parts.append(f"grouped by {', '.join(rule.group_by)}")
        if rule.having:
            parts.append(f"having {rule.having.text.strip()}")
        return "; ".join(parts)
    if rule.kind == "cross_node":
        text = f"table {rule.table}"
        if rule.where:
            text += f" where {rule.where.text.strip()}"
        by = f" per {', '.join(rule.across_group_by)}" if rule.across_group_by else ""
        return (f"{text}: {', '.join(rule.differ)} must agree among {rule.among} nodes{by}"
                f" (missing rows: {rule.missing})")
    if rule.kind == "logs":
        return _log_condition(rule.logs)
    if rule.kind == "correlate":
        def side(spec):
            what = f"rule {spec.rule}" if spec.rule else _log_condition(spec.logs)
            return what + (f" on >= {spec.min_nodes} nodes" if spec.min_nodes > 1 else "")
        scope = " on the same node" if rule.same_node else ""
        return (f"first {side(rule.first)}, then {side(rule.then)} within "
                f"{rule.raw['correlate']['within']}{scope}")
    where = f" where {rule.expect_where.text}" if rule.expect_where else ""
    return f"every {rule.expect_role or ''} node has rows in {rule.expect_table}{where}"


def _log_condition(spec) -> str:
    parts = ["log records"]
    if spec.services:
        parts.append(f"of service {'|'.join(spec.services)}")
    if spec.paths:
        parts.append(f"in {'|'.join(spec.paths)}")
    if spec.levels:
        parts.append(f"at level {'|'.join(sorted(spec.levels))}")
    if spec.pattern is not None:
        parts.append(f"matching /{spec.pattern.pattern}/")
    if spec.where is not None:
        parts.append(f"where {spec.where.text.strip()}")
    if spec.window is not None:
        parts.append(f"in the last {spec.window} before collection")
    if spec.min_count > 1:
        parts.append(f"at least {spec.min_count} per node")
    if spec.group_by:
        parts.append(f"one finding per {', '.join(spec.group_by)}")
    return " ".join(parts)


@click.group("rules")
def rules_group() -> None:
    """List, validate, test and explain the YAML rules."""


@rules_group.command("list")
@RULES_OPTION
@click.option("--component", help="Only rules of this component.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--all", "show_all", is_flag=True, help="Include disabled rules.")
def list_rules(rule_dirs, component, fmt, show_all):
    """One line per rule: id, severity, component, kind, title."""
    ruleset = _load(rule_dirs)
    rules = [r for r in ruleset if (show_all or not r.disabled)
             and (component is None or r.component == component)]
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "severity": r.severity, "component": r.component,
                                "kind": r.kind, "title": r.title, "disabled": r.disabled,
                                "source": r.location} for r in rules], indent=2))
        return
    for rule in rules:
        flag = " (disabled)" if rule.disabled else ""
        click.echo(f"{rule.id:<45} {rule.severity:<8} {rule.component:<11} {rule.kind:<11} "
                   f"{rule.title}{flag}")
    click.echo(f"{len(rules)} rule(s)", err=True)


@rules_group.command("validate")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
def validate(dirs):
    """Check rule files: schema, expressions, regexes, ids (shipped rules plus DIRS)."""
    from analyzer.engine import collect_rules

    ruleset, errors = collect_rules(dirs)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        click.echo(f"{len(errors)} error(s)", err=True)
        sys.exit(1)
    overridden = ", ".join(sorted(ruleset.overridden)) or "none"
    click.echo(f"ok: {len(ruleset)} rules ({len(ruleset.enabled())} enabled); "
               f"overridden: {overridden}")


@rules_group.command("test")
@RULES_OPTION
@click.argument("rule_ids", nargs=-1)
@click.option("-v", "--verbose", is_flag=True, help="Print passing cases too.")
def test(rule_dirs, rule_ids, verbose):
    """Run every rule's fire/quiet cases (or those of RULE_IDS)."""
    from analyzer.engine import run_rule_tests

    ruleset = _load(rule_dirs)
    for rule_id in rule_ids:
        ruleset.get(rule_id)   # unknown id -> error with a suggestion
    results = run_rule_tests(ruleset, set(rule_ids) if rule_ids else None)
    failed = [r for r in results if not r.passed]
    for result in results:
        if verbose or not result.passed:
            click.echo(str(result))
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


@rules_group.command("explain")
@RULES_OPTION
@click.argument("rule_id")
def explain(rule_dirs, rule_id):
    """What a rule checks, why, and what to do."""
    from analyzer.errors import RuleError

    ruleset = _load(rule_dirs)
    try:
        rule = ruleset.get(rule_id)
    except RuleError as exc:
        raise click.ClickException(exc.message) from None
    lines = [f"{rule.id}  [{rule.severity}, {rule.component}]" +
             ("  (disabled)" if rule.disabled else ""),
             f"  title:     {rule.title}",
             f"  defined:   {rule.location}" +
             (f" (overrides {ruleset.overridden[rule.id]})" if rule.id in ruleset.overridden
              else ""),
             f"  kind:      {rule.kind}",
             f"  checks:    {_condition(rule)}"]
    if rule.description:
        lines.append(f"  why:       {rule.description.strip()}")
    if rule.remediation:
        lines.append("  what to do:")
        lines += [f"    {line}" for line in rule.remediation.strip().splitlines()]
    if rule.references:
        lines.append("  references:")
        lines += [f"    {ref}" for ref in rule.references]
    fire = sum(1 for c in rule.tests if c.get("expect") == "fire")
    lines.append(f"  tests:     {len(rule.tests)} ({fire} fire, {len(rule.tests) - fire} other)")
    click.echo("\n".join(lines))


COMMAND = rules_group
