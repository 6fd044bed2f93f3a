"""Config drift: options of one file whose value differs among nodes of the same role.

Read from the `config` table (file, section, option, value; secrets already markers). An option
missing on a node that has the file counts as a different value. When most nodes agree, the
others are the odd ones; when every node has its own value (a bind address, a host name) the
row is marked `per_node`, usually expected.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from analyzer.bundle import Bundle
from analyzer.redact import MARKER_PREFIX, redact_value
from analyzer.report.frames import column

MAX_ROWS = 500
ABSENT = None


def _masked(option: str, value: str) -> str:
    return value if value.startswith(MARKER_PREFIX) else redact_value(option, value)


def _primary_role(bundle: Bundle, node: str) -> str:
    info = bundle.nodes.get(node)
    return info.roles[0] if info and info.roles else "unknown"


def _one_value_per_node(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """An option written on several lines of one file (multi-valued) becomes one value, in file order."""
    repeated = frame.duplicated(keys, keep=False)
    single = frame.loc[~repeated, keys + ["value"]]
    if not repeated.any():
        return single
    joined = frame[repeated].groupby(keys, sort=False)["value"].agg("\n".join).reset_index()
    return pd.concat([single, joined], ignore_index=True)


def build_drift(bundle: Bundle) -> dict:
    """The `drift` section: rows of (role, file, section, option) with the value on each node."""
    config = bundle.table("config")
    if config.empty or "option" not in config.columns:
        return {"collected": False, "rows": [], "rows_omitted": 0, "roles": []}
    frame = pd.DataFrame({
        "node": column(config, "node").astype("object"),
        "file": column(config, "file").astype("object"),
        "section": column(config, "section").astype("object").fillna(""),
        "option": column(config, "option").astype("object"),
        "value": column(config, "value").astype("object").where(column(config, "value").notna(), ""),
    }).dropna(subset=["node", "file", "option"])
    # parsers already put markers for secrets; a value that escaped them is masked here
    frame["value"] = [_masked(o, v) for o, v in zip(frame["option"].astype(str), frame["value"].astype(str))]
    frame["role"] = frame["node"].map({n: _primary_role(bundle, n) for n in frame["node"].unique()})
    keys = ["role", "file", "section", "option"]
    values = _one_value_per_node(frame, keys + ["node"])
    holders = frame.groupby(["role", "file"])["node"].agg(lambda s: sorted(set(s)))
    stats = values.groupby(keys).agg(found=("node", "size"), distinct=("value", "nunique")).reset_index()
    stats["holders"] = [len(holders[(r, f)]) for r, f in zip(stats["role"], stats["file"])]
    roles = sorted(stats.loc[stats["holders"] >= 2, "role"].unique().tolist())
    differing = stats[(stats["holders"] >= 2) & ((stats["found"] < stats["holders"]) | (stats["distinct"] > 1))]
    candidates = values.merge(differing[keys], on=keys)
    rows = []
    for (role, file, section, option), group in candidates.groupby(keys, sort=True):
        found = dict(zip(group["node"], group["value"]))
        by_node = [{"node": n, "value": found.get(n, ABSENT)} for n in holders[(role, file)]]
        tally = Counter(v["value"] for v in by_node)
        common, count = tally.most_common(1)[0]
        majority = count * 2 > len(by_node)
        rows.append({"role": role, "file": file, "section": section, "option": option, "values": by_node,
                     "odd_nodes": [v["node"] for v in by_node if majority and v["value"] != common],
                     "per_node": not majority})
    rows.sort(key=lambda r: (r["per_node"], r["role"], r["file"], r["section"], r["option"]))
    return {"collected": True, "rows": rows[:MAX_ROWS], "rows_omitted": max(0, len(rows) - MAX_ROWS),
            "roles": roles}
