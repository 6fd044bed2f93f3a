"""Plain values out of pandas: what the report model is made of (JSON-ready, no numpy)."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

from analyzer.logs.timeutil import iso_utc, utc_timestamp  # noqa: F401 - iso_utc: for the report modules


def plain(value):
    """A pandas/numpy cell as a plain Python value: NaN/NaT -> None, Timestamp -> ISO UTC."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return iso_utc(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return plain(value.tolist())          # numpy scalars and arrays
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def whole(value) -> int | None:
    """A cell as an int (line numbers, byte counts stored as float next to NaN), else None."""
    value = plain(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def text(value) -> str | None:
    """A cell as a string, or None when empty."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    value = str(value)
    return value if value != "" else None


def display_time(value) -> str:
    """`2024-05-14T04:45:52.123Z` -> `2024-05-14 04:45:52` (UTC); empty for None."""
    ts = utc_timestamp(value)
    return ts.strftime("%Y-%m-%d %H:%M:%S") if ts is not None else ""


def column(df: pd.DataFrame, name: str) -> pd.Series:
    """Column `name`, or a column of None when the table lacks it."""
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows of `df` as plain dicts holding exactly `columns` (missing ones as None)."""
    if df is None or df.empty:
        return []
    out = []
    cols = {c: column(df, c).tolist() for c in columns}
    for i in range(len(df)):
        out.append({c: plain(cols[c][i]) for c in columns})
    return out


def truthy(value) -> bool:
    """Booleans written as bool, 'true'/'yes'/'1' or numbers."""
    value = plain(value)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "y")
    return bool(value)
