"""Heartbeat age of each OpenStack service/agent row: `Updated At` before the list was taken.

The list was taken when its node was collected (or, for a pasted list, when its `date -u`
says), so `updated_age_s` = that time - `updated_at`, in seconds.
"""

from __future__ import annotations

import pandas as pd

from analyzer.bundle import Bundle


def with_heartbeat_age(services: pd.DataFrame, bundle: Bundle) -> pd.DataFrame:
    """The openstack_services table with `updated_age_s` (None where a time is unknown)."""
    out = services.copy()
    if "updated_at" not in out or out.empty:
        out["updated_age_s"] = None
        return out
    taken = out["node"].map({n: pd.Timestamp(i.collected_at) for n, i in bundle.nodes.items() if i.collected_at})
    updated = pd.to_datetime(out["updated_at"], utc=True, errors="coerce", format="mixed")
    age = (pd.to_datetime(taken, utc=True) - updated).dt.total_seconds()
    out["updated_age_s"] = pd.Series([None if pd.isna(a) else round(float(a), 3) for a in age],
                                     index=out.index, dtype=object)
    return out
