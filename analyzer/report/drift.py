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
    frame["role"] = [_primary_role(bundle, n) for n in frame["node"]]
    # several lines for one option (multi-valued): one value joined in file order
    values = frame.groupby(["role", "file", "section", "option", "node"], sort=False)["value"].agg("\n".join)
    files = frame.groupby(["role", "file"])["node"].agg(lambda s: sorted(set(s)))
    rows = []
    roles = []
    for (role, file, section, option), per_node in values.groupby(level=[0, 1, 2, 3], sort=True):
        holders = files[(role, file)]
        if len(holders) < 2:
            continue
        if role not in roles:
            roles.append(role)
        found = {key[-1]: value for key, value in per_node.items()}
        if len(found) == len(holders) and len(set(found.values())) == 1:
            continue
        by_node = [{"node": n, "value": found.get(n, ABSENT)} for n in holders]
        tally = Counter(v["value"] for v in by_node)
        common, count = tally.most_common(1)[0]
        majority = count * 2 > len(holders)
        rows.append({"role": role, "file": file, "section": section, "option": option, "values": by_node,
                     "odd_nodes": [v["node"] for v in by_node if majority and v["value"] != common],
                     "per_node": not majority})
    rows.sort(key=lambda r: (r["per_node"], r["role"], r["file"], r["section"], r["option"]))
    return {"collected": True, "rows": rows[:MAX_ROWS], "rows_omitted": max(0, len(rows) - MAX_ROWS),
            "roles": sorted(roles)}
