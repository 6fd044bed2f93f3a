"""Incidents: bursts of ERROR/CRITICAL events of all nodes, close together on the UTC timeline.

A burst ends where the next error is more than `gap` away. Bursts are ranked by
nodes x services x events (the widest, busiest first); the first event of each is named as the
likely trigger. Items are shaped like `report.schema.json#/properties/incidents/items`.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

INCIDENT_LEVELS = ("CRITICAL", "ERROR")


def _iso(ts: pd.Timestamp) -> str:
    return ts.tz_convert("UTC").isoformat().replace("+00:00", "Z")


def _value(value):
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def find_incidents(events_df: pd.DataFrame, gap: timedelta = timedelta(minutes=5),
                   levels=INCIDENT_LEVELS, min_events: int = 1,
                   limit: int | None = None) -> list[dict]:
    """Group the events of `levels` into bursts separated by more than `gap`.

    `events_df` needs ts (aware UTC), node, service, file, line, level, message. Returns dicts
    with start, end (ISO-8601 UTC), nodes, services, events (count), trigger (node, service,
    file, line, ts, message of the first event), findings ([]), score; best first.
    """
    if events_df.empty:
        return []
    errors = events_df[events_df["level"].isin(levels) & events_df["ts"].notna()]
    if errors.empty:
        return []
    errors = errors.sort_values(["ts", "node", "file", "line"], kind="stable")
    ts = pd.to_datetime(errors["ts"], utc=True)
    burst_id = (ts.diff() > pd.Timedelta(gap)).cumsum()
    incidents = []
    for _, burst in errors.groupby(burst_id.values, sort=True):
        if len(burst) < min_events:
            continue
        first = burst.iloc[0]
        nodes = sorted({str(n) for n in burst["node"].dropna()})
        services = sorted({str(s) for s in burst["service"].dropna()})
        start, end = pd.Timestamp(first["ts"]), pd.Timestamp(burst["ts"].iloc[-1])
        incidents.append({
            "start": _iso(start), "end": _iso(end), "nodes": nodes, "services": services,
            "events": len(burst),
            "trigger": {"node": _value(first["node"]), "service": _value(first["service"]),
                        "file": _value(first["file"]), "line": _value(first["line"]),
                        "ts": _iso(start), "message": _value(first["message"])},
            "findings": [],
            "score": max(len(nodes), 1) * max(len(services), 1) * len(burst),
        })
    incidents.sort(key=lambda inc: (-inc["score"], inc["start"]))
    return incidents[:limit] if limit else incidents
