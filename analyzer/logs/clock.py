"""Clock skew between nodes.

Two sources of evidence:

- `cluster-events`: the same cluster event logged by several nodes (a corosync membership
  ring id, a pacemaker quorum membership number, a Galera view id, a DC change). Each event's
  times are compared with their median; a node's offset is the median of its deviations,
  relative to the median node.
- `date`: a sosreport's ``date --utc`` output against the time it was collected.

The scanner keeps the lines of :data:`MEMBERSHIP_PATTERNS` (column `matched`) so that these
events exist even at INFO level.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

#: offsets larger than this (seconds) are worth a finding
SKEW_THRESHOLD_S = 60.0
OFFSET_COLUMNS = ("node", "offset_s", "evidence", "method")


@dataclass(frozen=True)
class MembershipPattern:
    """A cluster event every member logs; `key` (named group) identifies one occurrence
    across nodes. `unique` keys name one event; other keys repeat (matched by rank)."""

    id: str
    regex: str
    label: str
    formats: frozenset
    unique: bool = True


_CLUSTER_LOGS = frozenset(("pacemaker", "syslog", "journal"))
_GALERA_LOGS = frozenset(("mysqld", "stdout", "container_logs"))

MEMBERSHIPS = (
    MembershipPattern("cluster.corosync_membership",
                      r"A new membership \((?P<key>[^)\s]+)\) was formed", "corosync membership",
                      _CLUSTER_LOGS),
    MembershipPattern("cluster.pacemaker_quorum",
                      r"Quorum (?:retained|acquired|lost) \| membership=(?P<key>\d+)",
                      "pacemaker membership", _CLUSTER_LOGS),
    MembershipPattern("cluster.pacemaker_dc", r"Set DC to (?P<key>[\w.-]+)", "DC election",
                      _CLUSTER_LOGS, unique=False),
    MembershipPattern("cluster.galera_view",
                      r"view ?\(view_id\((?P<key>[A-Z_]+,[0-9a-f-]+,\d+)\)", "Galera view",
                      _GALERA_LOGS),
    MembershipPattern("cluster.galera_new_view",
                      r"New cluster view: global state: (?P<key>[0-9a-f-]+:-?\d+, view# \d+)",
                      "Galera view", _GALERA_LOGS),
)
#: (pattern_id, regex) pairs the scanner always searches (see LogScanner)
MEMBERSHIP_PATTERNS = tuple((p.id, p.regex) for p in MEMBERSHIPS)
_BY_ID = {p.id: p for p in MEMBERSHIPS}


def formats_of(pattern_id: str) -> frozenset | None:
    """The log formats a membership pattern is searched in (None: every format)."""
    pattern = _BY_ID.get(pattern_id)
    return pattern.formats if pattern else None


def _occurrences(events_df: pd.DataFrame) -> dict:
    """(pattern id, key) -> {node: sorted UTC times}."""
    found: dict = {}
    if events_df.empty or "matched" not in events_df:
        return found
    compiled = {p.id: re.compile(p.regex) for p in MEMBERSHIPS}
    ids = set(compiled)
    # only rows tagged with a membership pattern, read column-wise (not cell by cell)
    tagged = events_df["matched"].map(lambda m: isinstance(m, (list, tuple)) and not ids.isdisjoint(m))
    rows = events_df[tagged & events_df["ts"].notna()]
    if rows.empty:
        return found
    details = rows["detail"] if "detail" in rows else pd.Series("", index=rows.index)
    for node, ts, message, detail, matched in zip(rows["node"], rows["ts"], rows["message"], details,
                                                  rows["matched"]):
        text = f"{message}\n{detail or ''}"
        for pattern_id in matched:
            regex = compiled.get(pattern_id)
            m = regex.search(text) if regex else None
            if m:
                found.setdefault((pattern_id, m.group("key")), {}).setdefault(node, []).append(
                    pd.Timestamp(ts))
    return found


def _instances(found: dict) -> list[tuple[str, dict]]:
    """Cluster events seen on two nodes or more: (label, {node: time})."""
    out = []
    for (pattern_id, key), per_node in found.items():
        if len(per_node) < 2:
            continue
        pattern = _BY_ID[pattern_id]
        if pattern.unique:
            out.append((f"{pattern.label} {key}", {n: min(t) for n, t in per_node.items()}))
            continue
        lengths = {len(t) for t in per_node.values()}
        if len(lengths) == 1:  # a repeating key: pair the k-th occurrence on each node
            for k in range(lengths.pop()):
                out.append((f"{pattern.label} {key} #{k + 1}",
                            {n: sorted(t)[k] for n, t in per_node.items()}))
    return out


def estimate_offsets(events_df: pd.DataFrame,
                     date_utc_by_node: dict[str, tuple[datetime, datetime]] | None = None
                     ) -> pd.DataFrame:
    """The clock table: node, offset_s (positive = the node's clock is ahead), evidence,
    method (`cluster-events` or `date`).

    `events_df` needs node, ts (UTC), message, detail and matched (ids of
    :data:`MEMBERSHIP_PATTERNS`); `date_utc_by_node` maps a node to (its `date --utc`,
    the collection time it is compared with).
    """
    rows = []
    deviations: dict[str, list[float]] = {}
    labels: dict[str, list[str]] = {}
    for label, times in _instances(_occurrences(events_df)):
        median = pd.Timestamp(statistics.median(t.value for t in times.values()), tz="UTC")
        for node, ts in times.items():
            deviations.setdefault(node, []).append((ts - median).total_seconds())
            labels.setdefault(node, []).append(label)
    if deviations:
        offsets = {node: statistics.median(devs) for node, devs in deviations.items()}
        centre = statistics.median(offsets.values())
        for node in sorted(offsets):
            offset = round(offsets[node] - centre, 3)
            shown = ", ".join(labels[node][:3]) + (" ..." if len(labels[node]) > 3 else "")
            rows.append({"node": node, "offset_s": offset, "method": "cluster-events",
                         "evidence": f"{len(deviations[node])} cluster events shared with other "
                                     f"nodes ({shown}): {offset:+.1f} s against the median node"})
    for node, (reported, collected) in sorted((date_utc_by_node or {}).items()):
        if reported is None or collected is None:
            continue
        offset = round((_utc(reported) - _utc(collected)).total_seconds(), 3)
        rows.append({"node": node, "offset_s": offset, "method": "date",
                     "evidence": f"date --utc {_utc(reported).isoformat()} at collection "
                                 f"{_utc(collected).isoformat()}: {offset:+.1f} s"})
    return pd.DataFrame(rows, columns=list(OFFSET_COLUMNS))


def _utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def skewed(offsets_df: pd.DataFrame, threshold_s: float = SKEW_THRESHOLD_S) -> pd.DataFrame:
    """The rows of the clock table whose offset exceeds `threshold_s` either way."""
    return offsets_df[offsets_df["offset_s"].abs() > threshold_s].reset_index(drop=True)
