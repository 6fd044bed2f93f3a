"""Running the `tests:` cases of rules: small fact snippets in, fire / quiet expected out.

A case:

    - name: an unhealthy nova_api fires
      expect: fire                # fire | quiet | not_checked
      facts:                      # table -> rows (node defaults to the first node)
        containers:
          - {node: controller-0, name: nova_api, state: running, health: unhealthy}
      nodes: {controller-0: {roles: [controller], runtime: podman}}   # optional
      collected_at: "2024-05-01T12:00:00Z"                             # optional
      findings: 1                 # optional: exact number of findings of this rule
      on_nodes: [controller-0]    # optional: the nodes the findings name
      title: nova_api             # optional: text expected in a title
      remediation: "podman restart nova_api"   # optional

Node roles not given are guessed from the node name (controller, compute, ceph/storage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd

from analyzer.bundle import BASE_COLUMNS, Bundle, NodeInfo
from analyzer.engine.evaluate import evaluate

DEFAULT_COLLECTED_AT = "2024-05-01T12:00:00Z"
DEFAULT_NODE = "controller-0"


@dataclass
class CaseResult:
    rule_id: str
    name: str
    where: str
    passed: bool
    message: str = ""

    def __str__(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        text = f"{mark} {self.rule_id}: {self.name}"
        return text if self.passed else f"{text}\n     {self.where}: {self.message}"


def _guess_roles(node: str) -> list[str]:
    name = node.lower()
    for hint, role in (("controller", "controller"), ("ctrl", "controller"),
                       ("compute", "compute"), ("ceph", "ceph"), ("storage", "ceph"),
                       ("networker", "networker")):
        if hint in name:
            return [role]
    return []


def _time(text) -> datetime:
    stamp = pd.Timestamp(text)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime().astimezone(timezone.utc)


def bundle_from_case(case: dict) -> Bundle:
    """A Bundle holding exactly the case's facts and nodes."""
    facts = case.get("facts") or {}
    declared = case.get("nodes") or {}
    names = list(declared)
    for rows in facts.values():
        for row in rows:
            node = row.get("node")
            if node and node not in names:
                names.append(node)
    if not names:
        names = [DEFAULT_NODE]
    default_time = _time(case.get("collected_at", DEFAULT_COLLECTED_AT))
    nodes = {}
    for name in names:
        spec = declared.get(name, {})
        nodes[name] = NodeInfo(
            name=name, hostname=name, roles=list(spec.get("roles", _guess_roles(name))),
            runtime=spec.get("runtime", "podman"), release=spec.get("release"),
            timezone=spec.get("timezone"),
            collected_at=_time(spec["collected_at"]) if spec.get("collected_at")
            else default_time, inputs=[f"sosreport-{name}.tar.xz"])
    tables = {}
    for table, rows in facts.items():
        filled = []
        for index, row in enumerate(rows, start=1):
            row = dict(row)
            row.setdefault("node", names[0])
            row.setdefault("source", f"rule-test/{table}")
            row.setdefault("line", index)
            filled.append(row)
        frame = Bundle.frame(filled) if filled else pd.DataFrame(columns=BASE_COLUMNS)
        if table == "events" and "ts" in frame.columns:
            frame["ts"] = pd.to_datetime(frame["ts"], utc=True, errors="coerce", format="mixed")
        tables[table] = frame
    return Bundle(nodes, tables, [])


def run_case(ruleset, rule, case: dict, where: str = "") -> CaseResult:
    """Evaluate the rule (and the rules it correlates) on one case; compare to `expect`."""
    name = case.get("name") or f"expect {case['expect']}"
    try:
        result = evaluate(ruleset, bundle_from_case(case), only=[rule.id])
    except Exception as exc:  # noqa: BLE001 - a test must report, not crash the run
        return CaseResult(rule.id, name, where, False, f"{type(exc).__name__}: {exc}")
    mine = [f for f in result.findings if f["rule_id"] == rule.id]
    errors = [e["message"] for e in result.errors if e["rule_id"] == rule.id]
    not_checked = [n["reason"] for n in result.not_checked if n["rule_id"] == rule.id]
    expect = case["expect"]

    def fail(message):
        return CaseResult(rule.id, name, where, False, message)

    if errors:
        return fail(f"rule failed: {errors[0]}")
    if expect == "not_checked":
        if not not_checked:
            return fail(f"expected 'not checked', got {len(mine)} finding(s)")
        return CaseResult(rule.id, name, where, True)
    if not_checked:
        return fail(f"rule was not checked: {not_checked[0]}")
    if expect == "quiet":
        if mine:
            return fail(f"expected no finding, got: {mine[0]['title']!r}")
        return CaseResult(rule.id, name, where, True)
    if not mine:
        return fail("expected the rule to fire, it stayed quiet")
    if "findings" in case and len(mine) != case["findings"]:
        titles = "; ".join(f["title"] for f in mine)
        return fail(f"expected {case['findings']} finding(s), got {len(mine)}: {titles}")
    if "on_nodes" in case:
        got = sorted({n for f in mine for n in f["nodes"]})
        if got != sorted(case["on_nodes"]):
            return fail(f"expected nodes {sorted(case['on_nodes'])}, got {got}")
    if "title" in case and not any(case["title"] in f["title"] for f in mine):
        return fail(f"no title contains {case['title']!r}: {[f['title'] for f in mine]}")
    if "remediation" in case and not any(case["remediation"] in f["remediation"] for f in mine):
        return fail(f"no remediation contains {case['remediation']!r}: "
                    f"{[f['remediation'] for f in mine]}")
    return CaseResult(rule.id, name, where, True)


def run_rule_tests(ruleset, rule_ids=None) -> list[CaseResult]:
    """Every case of the chosen rules (all rules by default), plus a failure for a rule that
    lacks a firing or a quiet case."""
    results = []
    for rule in ruleset:
        if rule_ids is not None and rule.id not in rule_ids:
            continue
        expects = {c.get("expect") for c in rule.tests}
        for missing in ("fire", "quiet"):
            if missing not in expects:
                results.append(CaseResult(rule.id, f"has a '{missing}' case", rule.location,
                                          False, f"rule {rule.id} has no test case where it "
                                          f"should {'fire' if missing == 'fire' else 'stay quiet'}"))
        for index, case in enumerate(rule.tests):
            where = rule.test_lines[index] if index < len(rule.test_lines) else None
            if isinstance(where, int):
                where = f"{rule.source}:{where}"
            results.append(run_case(ruleset, rule, case, where or rule.location))
    return results
