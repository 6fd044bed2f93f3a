"""Log timestamps: parse the forms the log formats write, and convert records to UTC.

Parsing is per candidate line only (the scanner never parses a timestamp it does not keep).
A parsed timestamp is either aware (the format is UTC or carries an offset) or naive local time
of the node; syslog-style stamps carry no year (`has_year` False, a leap placeholder year is
used until :func:`to_utc` fills it from the node's collection date).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

#: Year used for stamps written without one until :func:`to_utc` resolves it (a leap year,
#: so that `Feb 29` parses).
PLACEHOLDER_YEAR = 2000

MONTHS = {name: i for i, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def _micro(frac: bytes | str | None) -> int:
    """Fraction digits (any precision, nanoseconds included) -> microseconds."""
    if not frac:
        return 0
    digits = frac[:6]
    return int(digits) * 10 ** (6 - len(digits))


def _offset(raw: bytes | str | None) -> timezone | None:
    """`Z`, `+00:00`, `+0000`, `-05` -> a fixed timezone; None when absent."""
    if not raw:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("ascii")
    if raw in ("Z", "z"):
        return timezone.utc
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) >= 4 else 0
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def iso_time(year, month, day, hour, minute, second, frac=None, offset=None) -> datetime:
    """Build a datetime from the groups of an ISO-like stamp (bytes or str groups)."""
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                    _micro(frac), tzinfo=_offset(offset))


def month_number(name: bytes | str) -> int:
    """`May` (any case) -> 5; KeyError for anything else."""
    if isinstance(name, bytes):
        name = name.decode("ascii", "replace")
    return MONTHS[name[:3].capitalize()]


def zone_of(name: str | None):
    """The tzinfo of an IANA zone name; UTC when unknown or absent."""
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def utc_timestamp(value) -> pd.Timestamp | None:
    """Any timestamp-like value (ISO string, datetime, Timestamp) as an aware UTC Timestamp
    (naive taken as UTC); None for missing or unreadable."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if ts is pd.NaT or pd.isna(ts):
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def iso_utc(value) -> str | None:
    """RFC 3339 UTC string (`2024-05-14T04:45:52Z`, fractions only when present)."""
    ts = utc_timestamp(value)
    if ts is None:
        return None
    py = ts.to_pydatetime().astimezone(timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if py.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return py.strftime(fmt)


def resolve_year(ts: datetime, reference_local: datetime) -> datetime:
    """Give a year-less local stamp the year of `reference_local` (the node's collection time),
    stepping back a year when the stamp would fall after the collection (a `Dec 31` line in a
    report collected on `Jan 2`)."""
    year = reference_local.year
    try:
        candidate = ts.replace(year=year)
    except ValueError:  # Feb 29 in a non-leap year: the previous leap year is the likely one
        candidate = ts.replace(year=year - 1 if year % 4 else year)
    if candidate - reference_local > timedelta(days=1):
        try:
            candidate = candidate.replace(year=candidate.year - 1)
        except ValueError:
            candidate = candidate.replace(year=candidate.year - 1, day=28)
    return candidate


def to_utc(records_df: pd.DataFrame, tz_name: str | None,
           reference: datetime | None) -> pd.DataFrame:
    """Return a copy of the records with a `ts` column: an aware UTC pandas Timestamp.

    `ts_local` naive values are the node's local time in `tz_name` (IANA name; None -> UTC);
    aware values are converted as they are. Rows whose stamp had no year (`ts_has_year` False)
    get the year of `reference` (the node's collection time, aware or naive UTC), with the
    December/January turn. Rows without a stamp get NaT.
    """
    out = records_df.copy()
    if out.empty:
        out["ts"] = pd.Series([], dtype="datetime64[ns, UTC]")
        return out
    zone = zone_of(tz_name)
    ref_local = None
    if reference is not None:
        ref = reference if reference.tzinfo else reference.replace(tzinfo=timezone.utc)
        ref_local = ref.astimezone(zone).replace(tzinfo=None)
    has_year = out["ts_has_year"] if "ts_has_year" in out else pd.Series(True, index=out.index)
    local_ts = out["ts_local"]
    if local_ts.dtype.kind == "M" and getattr(local_ts.dtype, "tz", None) is None:
        out["ts"] = _naive_to_utc(local_ts, has_year.to_numpy(dtype=bool), zone, ref_local)
        return out
    out["ts"] = _loop_to_utc(local_ts, has_year, zone, ref_local)
    return out


def _naive_to_utc(local_ts: pd.Series, has_year, zone, ref_local) -> pd.Series:
    """Naive local datetime64 values -> UTC, localized as one array. Stamps without a year,
    and times a DST change makes ambiguous or skipped, go through :func:`_loop_to_utc`
    (Python's `fold=0` reading of those) so the result is the same value for value."""
    localized = local_ts.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    result = localized.dt.tz_convert("UTC")
    redo = local_ts.notna().to_numpy() & (result.isna().to_numpy()
                                          | (~has_year if ref_local is not None else False))
    if redo.any():
        fixed = _loop_to_utc(local_ts[redo], pd.Series(has_year[redo], index=local_ts.index[redo]),
                             zone, ref_local)
        result = result.copy()
        result[redo] = fixed
    return result


def _loop_to_utc(local_ts: pd.Series, has_year: pd.Series, zone, ref_local) -> pd.Series:
    converted = []
    for local, with_year in zip(local_ts, has_year):
        if local is None or local is pd.NaT or (isinstance(local, float)):
            converted.append(pd.NaT)
            continue
        if isinstance(local, pd.Timestamp):
            local = local.to_pydatetime()
        if local.tzinfo is None:
            if not with_year and ref_local is not None:
                local = resolve_year(local, ref_local)
            local = local.replace(tzinfo=zone)
        converted.append(local.astimezone(timezone.utc))
    return pd.to_datetime(pd.Series(converted, index=local_ts.index, dtype=object), utc=True)
