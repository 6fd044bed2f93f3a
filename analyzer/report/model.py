"""The report model: one plain dict (valid against `report.schema.json`) that every writer renders.

`build(bundle, engine_result, incidents, meta)` gathers the case (inputs, nodes), the findings,
incidents and the views made from the fact tables (HA picture, timeline, drift, containers,
inventory, clock). A table nobody produced leaves its section with ``collected: false``.
Secrets are removed afterwards, once for every writer, by `analyzer.report.redaction`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import analyzer
from analyzer.bundle import Bundle
from analyzer.report.containers import build_containers
from analyzer.report.drift import build_drift
from analyzer.report.frames import iso_utc, plain, records, text, whole
from analyzer.report.ha import build_ha
from analyzer.report.timeline import build_timeline

SEVERITIES = ("critical", "error", "warning", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
MAX_INVENTORY_ITEMS = 20000


def _evidence(item: dict) -> dict:
    line = plain(item.get("line"))
    out = {"node": text(item.get("node")) or "?", "path": text(item.get("path")) or "?",
           "line": int(line) if isinstance(line, (int, float)) else None,
           "text": "" if item.get("text") is None else str(item.get("text")),
           "timestamp": iso_utc(item.get("timestamp"))}
    match = plain(item.get("match"))
    if isinstance(match, list) and len(match) == 2 and all(isinstance(m, int) for m in match):
        start, end = match
        if 0 <= start < end <= len(out["text"]):
            out["match"] = [start, end]
    return out


def normalize_finding(item: dict) -> dict:
    """One engine finding with ISO UTC times, a count and plain evidence."""
    evidence = [_evidence(e) for e in item.get("evidence") or []]
    omitted = int(plain(item.get("evidence_omitted")) or 0)
    count = plain(item.get("count"))
    finding = {
        "rule_id": str(item["rule_id"]), "severity": str(item["severity"]),
        "component": str(item["component"]), "title": str(item.get("title") or item["rule_id"]),
        "summary": text(item.get("summary")) or "",
        "nodes": sorted({str(n) for n in item.get("nodes") or []}),
        "first_seen": iso_utc(item.get("first_seen")), "last_seen": iso_utc(item.get("last_seen")),
        "count": max(1, int(count) if isinstance(count, (int, float)) else len(evidence) + omitted),
        "evidence": evidence, "evidence_omitted": omitted,
        "remediation": text(item.get("remediation")) or "",
        "references": [str(r) for r in item.get("references") or []],
    }
    return finding


def build_findings(findings: list[dict]) -> list[dict]:
    """Findings by severity, then component, then title; numbered F1, F2 ... for links."""
    out = [normalize_finding(f) for f in findings or []]
    out.sort(key=lambda f: (SEVERITY_RANK.get(f["severity"], 9), f["component"], f["title"], f["rule_id"]))
    for number, finding in enumerate(out, 1):
        finding["id"] = f"F{number}"
    return out


def build_inventory(bundle: Bundle) -> dict:
    """Counts of members parsed/skipped, the errors, and the full list with the reason of each."""
    table = bundle.table("inventory")
    rows = records(table, ["input", "unit", "node", "path", "kind", "status", "bytes", "reason", "parser", "line"])
    items = [{"input": text(r["input"]), "node": text(r["node"]), "path": text(r["path"]) or "?",
              "kind": text(r["kind"]), "status": text(r["status"]) or "?",
              "reason": text(r["reason"]), "parser": text(r["parser"]),
              "line": whole(r["line"]), "bytes": whole(r["bytes"])}
             for r in rows]
    status = Counter(i["status"] for i in items)
    items.sort(key=lambda i: ({"error": 0, "skipped": 1}.get(i["status"], 2), i["node"] or "", i["path"]))
    return {
        "collected": bool(items),
        "parsed": status.get("parsed", 0), "skipped": status.get("skipped", 0),
        "errors": [{"input": i["input"], "node": i["node"], "path": i["path"], "kind": i["kind"],
                    "reason": i["reason"], "parser": i["parser"], "line": i["line"]}
                   for i in items if i["status"] == "error"],
        "by_kind": [{"kind": k, "status": s, "count": c} for (k, s), c in
                    sorted(Counter((i["kind"] or "?", i["status"]) for i in items).items())],
        "items": items[:MAX_INVENTORY_ITEMS],
        "items_omitted": max(0, len(items) - MAX_INVENTORY_ITEMS),
    }


def build_inputs(bundle: Bundle) -> list[dict]:
    return [{"path": r.path, "kind": r.kind, "status": r.status, "nodes": list(r.nodes),
             "errors": list(r.errors), "bytes_read": int(r.bytes_read or 0)} for r in bundle.inputs]


def build_nodes(bundle: Bundle) -> list[dict]:
    out = []
    for name in sorted(bundle.nodes):
        info = bundle.nodes[name].as_dict()
        info["collected_at"] = iso_utc(bundle.nodes[name].collected_at)
        info["kind"] = bundle.nodes[name].kind
        out.append(info)
    return out


def build_clock(bundle: Bundle) -> dict:
    rows = records(bundle.table("clock"), ["node", "offset_s", "evidence"])
    return {"collected": bool(rows),
            "rows": [{"node": text(r["node"]) or "?",
                      "offset_s": float(r["offset_s"]) if isinstance(r["offset_s"], (int, float)) else None,
                      "evidence": text(r["evidence"])} for r in rows]}


def build_case(nodes: list[dict], inputs: list[dict], findings: list[dict]) -> dict:
    """The header: what was analysed and how bad it is."""
    def distinct(key):
        return sorted({n[key] for n in nodes if n.get(key)})
    roles = Counter(role for n in nodes for role in n["roles"] or ["unknown"])
    times = [n["collected_at"] for n in nodes if n.get("collected_at")]
    counts = Counter(f["severity"] for f in findings)
    return {
        "inputs": len(inputs), "nodes": len(nodes),
        "roles": [{"role": r, "count": c} for r, c in sorted(roles.items())],
        "releases": distinct("release"), "runtimes": distinct("runtime"), "timezones": distinct("timezone"),
        "collected_from": min(times) if times else None, "collected_to": max(times) if times else None,
        "severity_counts": {s: counts.get(s, 0) for s in SEVERITIES},
        "components": sorted({f["component"] for f in findings}),
    }


def _meta(meta: dict) -> tuple[dict, str, list[str]]:
    meta = meta or {}
    tool = dict(meta.get("tool") or {})
    tool.setdefault("name", str(meta.get("name") or "sos-analyzer"))
    tool.setdefault("version", str(meta.get("version") or meta.get("tool_version") or analyzer.__version__))
    generated = iso_utc(meta.get("generated_at")) or iso_utc(datetime.now(timezone.utc))
    return ({"name": str(tool["name"]), "version": str(tool["version"])}, generated,
            [str(a) for a in meta.get("argv") or []])


def build(bundle: Bundle, engine_result, incidents: list[dict] | None, meta: dict | None) -> dict:
    """The whole report as a JSON-ready dict (not yet redacted: writers redact it)."""
    tool, generated_at, argv = _meta(meta)
    findings = build_findings(getattr(engine_result, "findings", None) or [])
    not_checked = [{"rule_id": str(n.get("rule_id")), "reason": text(n.get("reason")) or ""}
                   for n in getattr(engine_result, "not_checked", None) or []]
    nodes, inputs = build_nodes(bundle), build_inputs(bundle)
    timeline = build_timeline(bundle, incidents or [])
    return {
        "tool": tool,
        "generated_at": generated_at,
        "argv": argv,
        "case": build_case(nodes, inputs, findings),
        "inputs": inputs,
        "nodes": nodes,
        "findings": findings,
        "incidents": timeline["incidents"],
        "inventory": build_inventory(bundle),
        "not_checked": sorted(not_checked, key=lambda n: n["rule_id"]),
        "ha": build_ha(bundle),
        "timeline": {"heat": timeline["heat"], "nodes": timeline["nodes"]},
        "drift": build_drift(bundle),
        "containers": build_containers(bundle),
        "clock": build_clock(bundle),
    }
