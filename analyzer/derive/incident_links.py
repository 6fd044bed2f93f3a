"""Which findings belong to which incident: log findings whose time span meets the incident's.

A finding joins an incident when its first/last seen overlaps the incident's window (with a
small margin) and it names one of the incident's nodes. Correlation findings, which already
describe a chain of events across nodes, are listed first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MARGIN = timedelta(minutes=1)


def _time(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def link_findings(incidents: list[dict], findings: list[dict]) -> None:
    """Fill each incident's `findings` with the rule ids of the findings inside it (in place)."""
    for incident in incidents:
        start, end = _time(incident.get("start")), _time(incident.get("end"))
        if start is None or end is None:
            continue
        nodes = set(incident.get("nodes") or [])
        linked = []
        for finding in findings:
            first, last = _time(finding.get("first_seen")), _time(finding.get("last_seen") or finding.get("first_seen"))
            if first is None or last is None or not nodes & set(finding.get("nodes") or []):
                continue
            if first <= end + MARGIN and last >= start - MARGIN:
                linked.append(finding)
        linked.sort(key=lambda f: (0 if f.get("correlation") else 1, f["rule_id"]))
        ids = []
        for finding in linked:
            if finding["rule_id"] not in ids:
                ids.append(finding["rule_id"])
        incident["findings"] = ids
