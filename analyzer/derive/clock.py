"""The `clock` table: each node's clock offset, and the correction of event times.

Two kinds of evidence: the same cluster event (corosync membership, DC election, Galera view)
logged by several nodes (:func:`analyzer.logs.clock.estimate_offsets`), and, for nodes no
such event covers, the node's own `date --utc` against the median of the other nodes'
collection times when those were collected together (a `sos collect` run).
"""

from __future__ import annotations

import statistics
from datetime import datetime, timezone

import pandas as pd

from analyzer.bundle import Bundle
from analyzer.logs.clock import SKEW_THRESHOLD_S

#: `date --utc` differences beyond this are more likely a later collection than a wrong clock
MAX_DATE_SKEW_S = 6 * 3600.0
COLUMNS = ["node", "offset_s", "evidence", "method"]


def date_offsets(collected: dict[str, datetime], threshold_s: float = SKEW_THRESHOLD_S
                 ) -> dict[str, tuple[float, str]]:
    """Offset of each node's `date --utc` against the median of the others' (node -> (s, why)).

    Only when at least two other nodes agree within `threshold_s` (they were collected
    together) and the gap is under :data:`MAX_DATE_SKEW_S`.
    """
    found = {}
    for name, at in sorted(collected.items()):
        others = [t for n, t in collected.items() if n != name]
        if len(others) < 2 or (max(others) - min(others)).total_seconds() > threshold_s:
            continue
        median = datetime.fromtimestamp(statistics.median(t.timestamp() for t in others), timezone.utc)
        offset = round((at - median).total_seconds(), 3)
        if abs(offset) <= MAX_DATE_SKEW_S:
            found[name] = (offset, f"date --utc {at:%Y-%m-%d %H:%M:%S} against {median:%H:%M:%S} on the "
                                   f"{len(others)} other nodes: {offset:+.1f} s")
    return found


def clock_table(bundle: Bundle) -> pd.DataFrame | None:
    """node, offset_s (positive = ahead), evidence, method; None when nothing can be compared."""
    if len(bundle.nodes) < 2:
        return None
    from analyzer.logs.clock import estimate_offsets

    events = bundle.table("events")
    frames = []
    if not events.empty and "matched" in events.columns:
        frames.append(estimate_offsets(events))
    covered = set(frames[0]["node"]) if frames else set()
    collected = {n: i.collected_at for n, i in bundle.nodes.items() if i.collected_at is not None}
    by_date = [{"node": n, "offset_s": o, "evidence": why, "method": "date"}
               for n, (o, why) in date_offsets(collected).items() if n not in covered]
    if by_date:
        frames.append(pd.DataFrame(by_date, columns=COLUMNS))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def correct_event_times(bundle: Bundle, threshold_s: float = SKEW_THRESHOLD_S) -> dict[str, float]:
    """Move the events of nodes whose clock is off by more than `threshold_s` onto the others'.

    `ts` becomes the corrected UTC time (what correlation and incidents use); `ts_logged` keeps
    the time as the node wrote it and `clock_offset_s` the correction. Returns node -> offset.
    """
    clock = bundle.table("clock")
    events = bundle.table("events")
    if clock.empty or events.empty or "ts" not in events.columns:
        return {}
    offsets = {row.node: float(row.offset_s) for row in clock.itertuples()
               if abs(float(row.offset_s)) > threshold_s}
    if not offsets:
        return {}
    events = events.copy()
    events["ts_logged"] = events["ts"]
    shift = events["node"].map(offsets).fillna(0.0)
    events["clock_offset_s"] = shift
    events["ts"] = events["ts"] - pd.to_timedelta(shift, unit="s")
    events = events.sort_values(["ts", "node", "file", "line"], kind="stable", na_position="last")
    bundle.set_table("events", events.reset_index(drop=True))
    return offsets
