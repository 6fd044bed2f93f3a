"""Geometry of the timeline drawn as inline SVG: a UTC axis, incidents per node, the heat strip.

Returns plain numbers and strings; the HTML template turns them into SVG elements (so every
label goes through autoescape). No charting library.
"""

from __future__ import annotations

import math

import pandas as pd

from analyzer.logs.timeutil import utc_timestamp

WIDTH = 1000
LABEL_WIDTH = 190
ROW_HEIGHT = 18
HEAT_ROW_HEIGHT = 12
AXIS_HEIGHT = 34
_STEPS = [pd.Timedelta(s) for s in ("1min", "5min", "10min", "15min", "30min", "1h", "2h", "3h",
                                      "6h", "12h", "1D", "2D", "7D", "14D", "30D")]


def _tick_step(span: pd.Timedelta) -> pd.Timedelta:
    for step in _STEPS:
        if span / step <= 8:
            return step
    return _STEPS[-1]


def _label(ts: pd.Timestamp, step: pd.Timedelta, previous: pd.Timestamp | None) -> tuple[str, str]:
    clock = ts.strftime("%H:%M") if step < pd.Timedelta("1D") else ""
    day = ts.strftime("%b %d") if previous is None or previous.date() != ts.date() else ""
    return (clock or day, day if clock else "")


def timeline_geometry(incidents: list[dict], heat: dict) -> dict | None:
    """Positions of everything drawn in the timeline; None when there is nothing to draw."""
    times = []
    for item in incidents:
        times += [utc_timestamp(item["start"]), utc_timestamp(item["end"])]
    for row in heat.get("rows", []):
        for cell in row["cells"]:
            start = utc_timestamp(cell["start"])
            times += [start, start + pd.Timedelta(minutes=heat["bucket_minutes"])]
    times = [t for t in times if t is not None]
    if not times:
        return None
    t0, t1 = min(times), max(times)
    if t1 - t0 < pd.Timedelta("10min"):
        pad = (pd.Timedelta("10min") - (t1 - t0)) / 2
        t0, t1 = t0 - pad, t1 + pad
    plot = WIDTH - LABEL_WIDTH - 10
    span = (t1 - t0).total_seconds()

    def x(ts) -> float:
        return round(LABEL_WIDTH + (utc_timestamp(ts) - t0).total_seconds() / span * plot, 1)

    step = _tick_step(t1 - t0)
    ticks, tick, previous = [], t0.floor(step) if step <= pd.Timedelta("1D") else t0.floor("1D"), None
    while tick <= t1:
        if tick >= t0:
            label, sub = _label(tick, step, previous)
            ticks.append({"x": x(tick), "label": label, "sub": sub})
            previous = tick
        tick += step

    y = AXIS_HEIGHT
    node_rows = []
    nodes = sorted({n for i in incidents for n in i["nodes"]})
    for node in nodes:
        bars = []
        for item in incidents:
            if node not in item["nodes"]:
                continue
            x0, x1 = x(item["start"]), x(item["end"])
            trigger = item.get("trigger") or {}
            marker = None
            if trigger.get("node") == node and trigger.get("ts"):
                marker = {"x": x(trigger["ts"]), "title": " ".join(str(p) for p in (
                    "Trigger of", item["id"], trigger.get("service") or "", trigger.get("message") or "") if p)}
            bars.append({"x": x0, "w": max(4.0, round(x1 - x0, 1)), "id": item["id"],
                         "title": f"{item['id']}: {item['start']} to {item['end']}, {item['events']} error events, "
                                  f"services {', '.join(item['services'])}", "trigger": marker})
        node_rows.append({"y": y, "label": node, "bars": bars})
        y += ROW_HEIGHT
    heat_top = y + (10 if node_rows else 0)
    y = heat_top + (16 if heat.get("rows") else 0)
    heat_rows = []
    peak = max((c["count"] for r in heat.get("rows", []) for c in r["cells"]), default=1)
    cell_w = max(2.0, round(heat["bucket_minutes"] * 60 / span * plot, 1)) if heat.get("rows") else 0
    for row in heat.get("rows", []):
        cells = [{"x": x(c["start"]), "w": cell_w,
                  "opacity": round(0.18 + 0.82 * math.log1p(c["count"]) / math.log1p(peak), 2),
                  "title": f"{row['node']} {row['service']}: {c['count']} errors from {c['start']}"}
                 for c in row["cells"]]
        heat_rows.append({"y": y, "label": f"{row['node']} · {row['service']}", "total": row["total"], "cells": cells})
        y += HEAT_ROW_HEIGHT + 2
    return {"width": WIDTH, "height": y + 6, "label_width": LABEL_WIDTH, "plot_right": LABEL_WIDTH + plot,
            "axis_y": AXIS_HEIGHT - 6, "ticks": ticks, "node_rows": node_rows, "row_height": ROW_HEIGHT,
            "heat_top": heat_top, "heat_rows": heat_rows, "heat_row_height": HEAT_ROW_HEIGHT,
            "start": t0.strftime("%Y-%m-%d %H:%M UTC"), "end": t1.strftime("%Y-%m-%d %H:%M UTC")}
