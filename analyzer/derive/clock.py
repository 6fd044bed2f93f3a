"""The `clock` table: each node's clock offset, from shared cluster events and `date --utc`."""

from __future__ import annotations

import pandas as pd

from analyzer.bundle import Bundle


def clock_table(bundle: Bundle) -> pd.DataFrame | None:
    """Offsets per node (node, offset_s, evidence, method); None when nothing can be compared."""
    if len(bundle.nodes) < 2:
        return None
    from analyzer.logs.clock import estimate_offsets

    date_utc = {name: (info.collected_at, None) for name, info in bundle.nodes.items() if info.collected_at}
    events = bundle.table("events")
    df = estimate_offsets(events, date_utc)
    if df is None or df.empty:
        return None
    return df
