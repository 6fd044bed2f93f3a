"""Galera per node, and which node to bootstrap the cluster from.

The ``galera`` table holds one row per artifact (``record``: wsrep_status, grastate, gvwstate,
config). :func:`galera_summary` merges them per node and applies the Galera recovery rule:
a node whose grastate.dat says ``safe_to_bootstrap: 1`` wins; else the highest ``seqno`` wins
(a running node's ``wsrep_last_committed`` stands in for its ``-1``); when every position is
``-1`` or missing, no candidate is known and the reason says how to find the positions.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["node", "uuid", "seqno", "seqno_source", "safe_to_bootstrap", "wsrep_cluster_status",
           "bootstrap_candidate", "reason", "source", "line"]
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
RECOVER_HINT = ("recover each node's position with `mysqld_safe --wsrep-recover` (or read the "
                "galera-last-committed node attribute in `pcs status --full`) before bootstrapping")


def _value(value):
    """None for pandas' missing markers, plain Python ints for integral floats."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar -> Python
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _node_keys(df: pd.DataFrame) -> list:
    """The node each row belongs to: the bundle node, or node_name for multi-node pastes."""
    record = df["record"] if "record" in df else pd.Series([None] * len(df), index=df.index)
    source = df["source"] if "source" in df else pd.Series([None] * len(df), index=df.index)
    counts = pd.DataFrame({"record": record.fillna(""), "source": source.fillna("")}).value_counts()
    keys = []
    for idx in df.index:
        row = df.loc[idx]
        node, name = _value(row.get("node")), _value(row.get("node_name"))
        pasted = counts.get((record.fillna("")[idx], source.fillna("")[idx]), 0) > 1
        keys.append(name if (pasted and name) or not node else node)
    return keys


def galera_summary(galera: pd.DataFrame) -> pd.DataFrame:
    """node, uuid, seqno, seqno_source, safe_to_bootstrap, wsrep_cluster_status, bootstrap_candidate, reason."""
    if galera is None or galera.empty:
        return pd.DataFrame(columns=COLUMNS)
    df = galera.copy()
    df["_key"] = _node_keys(df)
    nodes = []
    for key, rows in df.groupby("_key", sort=True, dropna=False):
        state = rows[rows["record"] == "grastate"] if "record" in rows else rows.iloc[0:0]
        status = rows[rows["record"] == "wsrep_status"] if "record" in rows else rows.iloc[0:0]
        grastate = state.iloc[-1] if len(state) else None
        wsrep = status.iloc[-1] if len(status) else None
        seqno = _value(grastate.get("seqno")) if grastate is not None else None
        seqno_source = "grastate" if seqno is not None else None
        last_committed = _value(wsrep.get("wsrep_last_committed")) if wsrep is not None else None
        if (seqno is None or seqno < 0) and isinstance(last_committed, int):
            seqno, seqno_source = last_committed, "wsrep_last_committed"
        uuid = _value(grastate.get("uuid")) if grastate is not None else None
        if uuid is None and wsrep is not None:
            uuid = _value(wsrep.get("wsrep_local_state_uuid"))
        evidence = grastate if grastate is not None else (wsrep if wsrep is not None else rows.iloc[0])
        nodes.append({
            "node": key, "uuid": uuid, "seqno": seqno, "seqno_source": seqno_source,
            "safe_to_bootstrap": _value(grastate.get("safe_to_bootstrap")) if grastate is not None else None,
            "wsrep_cluster_status": _value(wsrep.get("wsrep_cluster_status")) if wsrep is not None else None,
            "bootstrap_candidate": False, "reason": "",
            "source": _value(evidence.get("source")), "line": _value(evidence.get("line")),
        })
    _choose_candidate(nodes)
    return _frame(nodes)


def _choose_candidate(nodes: list[dict]) -> None:
    usable = [n for n in nodes if n["uuid"] != ZERO_UUID]
    for n in nodes:
        if n["uuid"] == ZERO_UUID:
            n["reason"] = "no saved state (uuid 00000000-...): this node cannot seed the cluster"
    safe = [n for n in usable if n["safe_to_bootstrap"] == 1]
    if safe:
        top = max((n["seqno"] for n in safe if n["seqno"] is not None), default=None)
        for n in safe:
            n["bootstrap_candidate"] = len(safe) == 1 or n["seqno"] == top
        for n in usable:
            n["reason"] = ("safe_to_bootstrap: 1 in grastate.dat (it left the cluster last)"
                           if n["bootstrap_candidate"] else
                           f"another node has safe_to_bootstrap: 1 ({', '.join(str(s['node']) for s in safe)})")
        return
    known = [n for n in usable if isinstance(n["seqno"], int) and n["seqno"] >= 0]
    if not known:
        why = ("no node has safe_to_bootstrap: 1 and every seqno is -1 or missing "
               "(unclean shutdown): no candidate is known; " + RECOVER_HINT)
        for n in usable:
            n["reason"] = why
        return
    top = max(n["seqno"] for n in known)
    unknown = [str(n["node"]) for n in usable if n not in known]
    uuids = {n["uuid"] for n in known if n["uuid"]}
    for n in usable:
        if n in known and n["seqno"] == top:
            n["bootstrap_candidate"] = True
            ties = [str(o["node"]) for o in known if o["seqno"] == top and o is not n]
            reason = f"highest seqno {top} (from {n['seqno_source']})"
            if ties:
                reason += f", equal to {', '.join(ties)}: any of them will do"
        elif n in known:
            reason = f"seqno {n['seqno']} is lower than {top}"
        else:
            reason = "seqno unknown (-1 or missing)"
        if unknown and n["bootstrap_candidate"]:
            reason += f"; position unknown on {', '.join(unknown)}, " + RECOVER_HINT
        if len(uuids) > 1:
            reason += f"; the nodes disagree on the cluster uuid ({', '.join(sorted(uuids))})"
        n["reason"] = reason


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame whose object columns keep None (pandas would turn it into NaN)."""
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in COLUMNS}, columns=COLUMNS)
