"""The timeline section: incidents across nodes and the 5-minute heat strip of errors.

Incidents come from the log stage (bursts of ERROR/CRITICAL events across nodes, the first event
named as trigger). The heat strip counts ERROR and CRITICAL records of the `events` table per
node and service per 5 minutes, kept sparse (only buckets with errors).
"""

from __future__ import annotations

import pandas as pd

from analyzer.bundle import Bundle
from analyzer.report.frames import column, iso_utc, plain

BUCKET_MINUTES = 5
ERROR_LEVELS = ("ERROR", "CRITICAL", "FATAL", "EMERG", "ALERT", "CRIT")
MAX_HEAT_ROWS = 40


def normalize_incidents(incidents: list[dict]) -> list[dict]:
    """Incidents with ISO UTC times, sorted by start and numbered I1, I2 ..."""
    out = []
    for item in incidents or []:
        trigger = dict(item.get("trigger") or {})
        if "ts" in trigger:
            trigger["ts"] = iso_utc(trigger["ts"])
        trigger = {k: plain(v) for k, v in trigger.items()}
        start, end = iso_utc(item.get("start")), iso_utc(item.get("end"))
        if not start:
            continue
        out.append({
            "start": start, "end": end or start,
            "nodes": sorted({str(n) for n in item.get("nodes") or []}),
            "services": sorted({str(s) for s in item.get("services") or []}),
            "events": int(item.get("events") or 0),
            "trigger": trigger,
            "findings": [str(f) for f in item.get("findings") or []],
        })
    out.sort(key=lambda i: (i["start"], i["end"]))
    for number, item in enumerate(out, 1):
        item["id"] = f"I{number}"
    return out


def error_heat(events: pd.DataFrame) -> dict:
    """Errors per (node, service) per 5 minutes, the busiest rows first within each node."""
    if events is None or events.empty or "ts" not in events.columns:
        return {"collected": events is not None and "ts" in getattr(events, "columns", []),
                "bucket_minutes": BUCKET_MINUTES, "rows": [], "rows_omitted": 0, "errors": 0}
    levels = column(events, "level").astype("object").fillna("").astype(str).str.upper()
    errors = events[levels.isin(ERROR_LEVELS)]
    frame = pd.DataFrame({
        "ts": pd.to_datetime(column(errors, "ts"), utc=True, errors="coerce", format="mixed"),
        "node": column(errors, "node").astype("object").fillna("?").astype(str),
        "service": column(errors, "service").astype("object").fillna("?").astype(str),
    }).dropna(subset=["ts"])
    if frame.empty:
        return {"collected": True, "bucket_minutes": BUCKET_MINUTES, "rows": [], "rows_omitted": 0, "errors": 0}
    frame["bucket"] = frame["ts"].dt.floor(f"{BUCKET_MINUTES}min")
    counts = frame.groupby(["node", "service", "bucket"]).size().rename("count").reset_index()
    totals = counts.groupby(["node", "service"])["count"].sum().sort_values(ascending=False)
    keep = list(totals.index[:MAX_HEAT_ROWS])
    rows = []
    for node, service in sorted(keep, key=lambda k: (k[0], -int(totals[k]), k[1])):
        cells = counts[(counts["node"] == node) & (counts["service"] == service)]
        rows.append({"node": node, "service": service, "total": int(totals[(node, service)]),
                     "cells": [{"start": iso_utc(b), "count": int(c)}
                               for b, c in zip(cells["bucket"], cells["count"])]})
    return {"collected": True, "bucket_minutes": BUCKET_MINUTES, "rows": rows,
            "rows_omitted": max(0, len(totals) - len(keep)), "errors": int(len(frame)),
            "start": iso_utc(frame["bucket"].min()),
            "end": iso_utc(frame["bucket"].max() + pd.Timedelta(minutes=BUCKET_MINUTES))}


def build_timeline(bundle: Bundle, incidents: list[dict]) -> dict:
    """The `timeline` section."""
    items = normalize_incidents(incidents)
    events = bundle.table("events")
    heat = error_heat(events if "ts" in events.columns else None)
    return {"incidents": items, "heat": heat,
            "nodes": sorted({n for i in items for n in i["nodes"]} | {r["node"] for r in heat["rows"]})}

