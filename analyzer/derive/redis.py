"""Redis as Pacemaker sees it, joined to what each Redis says of itself.

The redis bundle's promoted replica (`Promoted`/`Master` in pcs status) is where the master
must run; each node's `redis-cli info` says its role. The `redis` table gains `pcs_master`
(the node pcs promoted, as the latest pcs view reports it) and `pcs_agrees` (the node's own
role matches: master there, slave elsewhere).
"""

from __future__ import annotations

import pandas as pd

PROMOTED = {"promoted", "master"}


def pcs_redis_master(pcs_resources: pd.DataFrame) -> str | None:
    """Node holding the promoted replica of the redis bundle (most observers agree)."""
    if pcs_resources is None or pcs_resources.empty or "bundle" not in pcs_resources:
        return None
    rows = pcs_resources[(pcs_resources["bundle"].astype(str).str.startswith("redis"))
                         & pcs_resources.get("role_normalized", pd.Series(index=pcs_resources.index,
                                                                          dtype=object)).isin(PROMOTED)]
    locations = rows["location"].dropna() if "location" in rows else pd.Series(dtype=object)
    if locations.empty:
        return None
    return str(locations.value_counts().idxmax())


def annotate_redis(redis: pd.DataFrame, pcs_resources: pd.DataFrame | None) -> pd.DataFrame:
    """The redis table with pcs_master and pcs_agrees added."""
    out = redis.copy()
    master = pcs_redis_master(pcs_resources) if pcs_resources is not None else None
    out["pcs_master"] = master
    if master is None or "role" not in out:
        out["pcs_agrees"] = None
        return out
    expected = out["node"].map(lambda n: "master" if n == master else "slave")
    out["pcs_agrees"] = [None if not isinstance(r, str) else r == e for r, e in zip(out["role"], expected)]
    return out
