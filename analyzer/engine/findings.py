"""Findings: templates filled safely, evidence lines, folding across nodes, stable order.

A finding is a plain dict shaped like `report.schema.json#/properties/findings/items`, plus
`evidence_omitted` (evidence lines not listed) and, for correlations, `correlation`.
"""

from __future__ import annotations

import math
import string
from datetime import datetime

import numpy as np
import pandas as pd

from analyzer.logs.timeutil import iso_utc
from analyzer.redact import redact_text

SEVERITY_RANK = {"critical": 0, "error": 1, "warning": 2, "info": 3}
MAX_TEXT = 500


def render_value(value) -> str:
    """A cell as text for titles and evidence: lists joined, whole floats as ints, times ISO."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, (np.integer,)):
        return str(int(value))
    if isinstance(value, (np.floating,)):
        return render_value(float(value))
    if isinstance(value, (np.bool_, bool)):
        return "true" if value else "false"
    if isinstance(value, (pd.Timestamp, datetime)):
        return iso_utc(value) or "-"
    if isinstance(value, pd.Timedelta):
        return _human_duration(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [render_value(v) for v in value]
        joiner = "; " if any(isinstance(v, dict) for v in value) else ", "
        return joiner.join(items) or "-"
    if isinstance(value, dict):
        if "message" in value and ("code" in value or "name" in value):
            return f"{value.get('code') or value.get('name')}: {render_value(value['message'])}"
        return " ".join(f"{k}={render_value(v)}" for k, v in value.items())
    return str(value)


def _human_duration(delta: pd.Timedelta) -> str:
    """Timedelta -> '2h5m', '3d4h', '45s' (two largest units)."""
    seconds = int(round(delta.total_seconds()))
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return sign + "".join(parts[:2])


class _SafeFormatter(string.Formatter):
    """`{field}` only: no attribute or index access, missing keys shown as `<field>`."""

    def get_field(self, field_name, args, kwargs):
        if not field_name.isidentifier():
            return f"<{field_name}>", field_name
        return self.get_value(field_name, args, kwargs), field_name

    def get_value(self, key, args, kwargs):
        if isinstance(key, str) and key in kwargs:
            return kwargs[key]
        return f"<{key}>"

    def format_field(self, value, format_spec):
        text = render_value(value) if not isinstance(value, str) else value
        try:
            return format(text, format_spec)
        except (ValueError, TypeError):
            return text

    def convert_field(self, value, conversion):
        return value


_FORMATTER = _SafeFormatter()


def fill(template: str | None, context: dict) -> str:
    """Fill a `{field}` template; never raises (a broken template comes back as written)."""
    if not template:
        return ""
    try:
        return _FORMATTER.vformat(template, (), context)
    except (ValueError, IndexError, KeyError, TypeError, AttributeError):
        return template


def evidence_item(node, path, line, text, timestamp=None) -> dict:
    """One evidence line; text is capped and scrubbed of secrets."""
    text = "" if text is None else str(text)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + "…"
    line_number = None
    if line is not None and not (isinstance(line, float) and math.isnan(line)):
        try:
            line_number = int(line)
        except (TypeError, ValueError):
            line_number = None
    return {"node": str(node) if node is not None else "-",
            "path": str(path) if path is not None and path == path else "-",
            "line": line_number, "text": redact_text(text), "timestamp": iso_utc(timestamp)}


def _evidence_key(item: dict):
    return (item["timestamp"] or "", item["node"], item["path"], item["line"] or 0, item["text"])


def make_finding(rule, context: dict, nodes, evidence: list[dict], count: int,
                 extra: dict | None = None) -> dict:
    """Assemble one finding from a rule, its template context and evidence."""
    nodes = sorted({str(n) for n in nodes if n is not None})
    evidence = sorted(evidence, key=_evidence_key)
    stamps = [e["timestamp"] for e in evidence if e["timestamp"]]
    context = dict(context)
    context.setdefault("node", ", ".join(nodes) if nodes else "-")
    context.setdefault("nodes", ", ".join(nodes) if nodes else "-")
    context.setdefault("count", count)
    finding = {
        "rule_id": rule.id, "severity": rule.severity, "component": rule.component,
        "title": fill(rule.title, context), "summary": fill(rule.summary, context),
        "nodes": nodes, "first_seen": min(stamps) if stamps else None,
        "last_seen": max(stamps) if stamps else None, "count": max(int(count), 1),
        "evidence": evidence[:rule.max_evidence],
        "evidence_omitted": max(len(evidence) - rule.max_evidence, 0),
        "remediation": fill(rule.remediation, context).strip(),
        "references": list(rule.references),
    }
    if extra:
        finding.update(extra)
    return finding


def fold(findings: list[dict], max_evidence: dict[str, int]) -> list[dict]:
    """Merge findings of one rule with the same title and summary (several nodes -> one)."""
    merged: dict[tuple, dict] = {}
    for finding in findings:
        key = (finding["rule_id"], finding["title"], finding["summary"])
        if key not in merged:
            merged[key] = {**finding, "evidence": list(finding["evidence"])}
            continue
        into = merged[key]
        into["nodes"] = sorted(set(into["nodes"]) | set(finding["nodes"]))
        into["count"] += finding["count"]
        into["evidence"] += finding["evidence"]
        into["evidence_omitted"] += finding["evidence_omitted"]
        for field, pick in (("first_seen", min), ("last_seen", max)):
            values = [v for v in (into[field], finding[field]) if v]
            into[field] = pick(values) if values else None
    out = []
    for finding in merged.values():
        limit = max_evidence.get(finding["rule_id"], 10)
        evidence = sorted(finding["evidence"], key=_evidence_key)
        finding["evidence_omitted"] += max(len(evidence) - limit, 0)
        finding["evidence"] = evidence[:limit]
        out.append(finding)
    return out


def sort_findings(findings: list[dict]) -> list[dict]:
    """Deterministic order: severity, component, rule, first node, title."""
    return sorted(findings, key=lambda f: (SEVERITY_RANK.get(f["severity"], 9), f["component"],
                                           f["rule_id"], f["nodes"][:1], f["title"]))
