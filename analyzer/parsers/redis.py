"""Redis: ``redis-cli info`` (sos runs it inside the ``redis`` container when there is one)."""

from __future__ import annotations

import re

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error

INT_FIELDS = ("master_port", "connected_slaves", "uptime_in_seconds", "master_last_io_seconds_ago",
              "master_sync_in_progress", "master_link_down_since_seconds", "master_repl_offset",
              "slave_repl_offset", "slave_priority", "connected_clients")
FIELDS = ("role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
          "master_sync_in_progress", "master_link_down_since_seconds", "connected_slaves",
          "master_repl_offset", "slave_repl_offset", "redis_version", "redis_mode",
          "uptime_in_seconds", "connected_clients")
SLAVE_LINE = re.compile(r"^slave\d+$")
REFUSED = re.compile(r"^(NOAUTH|ERR|Could not connect|WRONGPASS|LOADING|MASTERDOWN)\b")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _slave(value: str) -> dict:
    """``ip=172.16.2.11,port=6379,state=online,offset=2119,lag=0`` (old form: ``ip,port,state``)."""
    if "=" not in value:
        parts = value.split(",")
        return {"ip": parts[0], "port": _int(parts[1]) if len(parts) > 1 else None,
                "state": parts[2] if len(parts) > 2 else None, "offset": None, "lag": None}
    fields = dict(item.partition("=")[::2] for item in value.split(","))
    return {"ip": fields.get("ip"), "port": _int(fields.get("port")), "state": fields.get("state"),
            "offset": _int(fields.get("offset")), "lag": _int(fields.get("lag"))}


@parser("redis_info", tables=("redis",))
def parse_redis_info(text: str, path: str) -> dict[str, list[dict]]:
    """Parse ``redis-cli info`` (CRLF ``key:value`` lines in ``# Section`` blocks). Sample::

        # Server
        redis_version:5.0.3
        uptime_in_seconds:351

        # Replication
        role:slave
        master_host:controller-0.internalapi.localdomain
        master_port:6379
        master_link_status:down
        master_link_down_since_seconds:340
        connected_slaves:0

    One ``redis`` row; ``slaves`` lists the replicas a master reports. When redis-cli was
    refused (``NOAUTH Authentication required.``, ``Could not connect ...``) the row carries
    only ``error``.
    """
    values: dict[str, str] = {}
    slaves: list[dict] = []
    replication_line: int | None = None
    first_line: int | None = None
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if REFUSED.match(line) and not values:
            row = {name: None for name in FIELDS}
            row.update({"slaves": [], "error": line, "line": lineno})
            return {"redis": [row]}
        if line.startswith("#"):
            if line[1:].strip().lower() == "replication":
                replication_line = lineno
            continue
        key, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            tables = {"redis": [_row(values, slaves, replication_line or first_line)]} if values else {"redis": []}
            raise partial_error(f"not an INFO 'key:value' line: {line[:60]!r}", lineno, tables)
        first_line = first_line or lineno
        if SLAVE_LINE.match(key):
            slaves.append(_slave(value))
        else:
            values[key] = value
    if "role" not in values:
        raise ParseError("INFO output without a 'role' (no # Replication section)", line=first_line or 1)
    return {"redis": [_row(values, slaves, replication_line or first_line)]}


def _row(values: dict[str, str], slaves: list[dict], line: int | None) -> dict:
    row: dict = {name: (_int(values.get(name)) if name in INT_FIELDS else values.get(name)) for name in FIELDS}
    row["slaves"] = slaves
    row["error"] = None
    row["line"] = line
    return row
