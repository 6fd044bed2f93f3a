"""OpenStack service lists: the table output of the `openstack` and legacy clients.

`openstack compute service list`, `volume service list`, `network agent list`,
`hypervisor list`, and the older `nova service-list`, `cinder service-list`,
`neutron agent-list`, `nova hypervisor-list`, as sos saves them or pasted in a file (with the
prompt and command line before the table, indented as in a document). Each table found is
read; its kind comes from its header columns.

Table ``openstack_services``, one row per listed service/agent/hypervisor: kind
(compute_service/volume_service/network_agent/hypervisor), id, binary, host, zone, status
(enabled/disabled/unknown), state (up/down; for agents, from Alive), alive (agents: `:-)`/`XXX`,
True/False), admin_state_up (agents: the OSC `State` column UP/DOWN, or neutron's
admin_state_up), agent_type, hypervisor_hostname, hypervisor_type, host_ip, updated_at (ISO-8601
UTC: the APIs report UTC), disabled_reason, forced_down, line.

A cell too long for its column continues on the next physical lines of the table, whose key
cells (ID, Binary, Agent Type, Hypervisor Hostname) are empty; those pieces are joined (with a
space, or with none after a piece that fills its column without a space: a cut host name).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error

COLUMNS = ("kind", "id", "binary", "host", "zone", "status", "state", "alive", "admin_state_up",
           "agent_type", "hypervisor_hostname", "hypervisor_type", "host_ip", "updated_at",
           "disabled_reason", "forced_down", "line")

_HEADER_NAMES = {
    "availability zone": "zone", "availability_zone": "zone", "updated at": "updated_at",
    "disabled reason": "disabled_reason", "forced down": "forced_down", "agent type": "agent_type",
    "hypervisor hostname": "hypervisor_hostname", "hypervisor type": "hypervisor_type",
    "host ip": "host_ip", "backend state": "backend_state",
}
_KEY_COLUMNS = ("id", "binary", "agent_type", "hypervisor_hostname")
_BORDER = re.compile(r"^\+(?:-+\+)+$")
_EMPTY = ("", "-", "None", "none")


def _column_name(header: str) -> str:
    name = header.strip().lower()
    return _HEADER_NAMES.get(name, re.sub(r"\W+", "_", name).strip("_"))


def _kind(columns: list[str], binaries: list[str]) -> str | None:
    if "agent_type" in columns:
        return "network_agent"
    if "hypervisor_hostname" in columns:
        return "hypervisor"
    if "binary" not in columns:
        return None
    if any(b.startswith("cinder-") for b in binaries):
        return "volume_service"
    if any(b.startswith("nova-") for b in binaries):
        return "compute_service"
    return "compute_service" if "id" in columns else "volume_service"


def _bool(text: str | None, true: tuple[str, ...], false: tuple[str, ...]) -> bool | None:
    if text is None:
        return None
    if text.lower() in true:
        return True
    if text.lower() in false:
        return False
    return None


def _iso_utc(text: str | None) -> str | None:
    """`2016-12-20T00:44:48.000000` (UTC by API contract) -> `2016-12-20T00:44:48+00:00`."""
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.strip().replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        return text
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _cells(line: str) -> list[str]:
    """The cells between the pipes of a table line (without the outer pipes)."""
    return line.strip()[1:-1].split("|")


def _row(kind: str, record: dict, line: int) -> dict:
    def cell(name):
        value = record.get(name)
        return None if value is None or value.strip() in _EMPTY else value.strip()

    row = dict.fromkeys(COLUMNS)
    row.update(kind=kind, line=line, id=cell("id"), binary=cell("binary"), host=cell("host"),
               zone=cell("zone"), agent_type=cell("agent_type"),
               hypervisor_hostname=cell("hypervisor_hostname"), hypervisor_type=cell("hypervisor_type"),
               host_ip=cell("host_ip"), updated_at=_iso_utc(cell("updated_at")),
               disabled_reason=cell("disabled_reason"),
               forced_down=_bool(cell("forced_down"), ("true",), ("false",)))
    status = cell("status")
    row["status"] = status.lower() if status else None
    if kind == "network_agent":
        row["alive"] = _bool(cell("alive"), (":-)", "true"), ("xxx", "false"))
        row["state"] = None if row["alive"] is None else ("up" if row["alive"] else "down")
        admin = cell("admin_state_up") if "admin_state_up" in record else cell("state")
        row["admin_state_up"] = _bool(admin, ("up", "true"), ("down", "false"))
    else:
        state = cell("state")
        row["state"] = state.lower() if state else None
    if kind == "hypervisor" and row["host"] is None:
        row["host"] = row["hypervisor_hostname"]
    return row


class _Table:
    """One table being read: its column names and widths, and the logical rows so far."""

    def __init__(self, border: str):
        self.widths = [len(seg) for seg in border.strip()[1:-1].split("+")]
        self.headers: list[str] = []
        self.columns: list[str] = []
        self.records: list[tuple[int, dict, dict]] = []   # (line, cells, cell-was-full)
        self.borders = 1

    def add_header(self, line: str, n: int):
        pieces = [c.strip() for c in _cells(line)]
        if len(pieces) != len(self.widths):
            raise ParseError("table header does not match its border", line=n)
        self.headers = [f"{a} {b}".strip() for a, b in zip(self.headers or [""] * len(pieces), pieces)]
        self.columns = [_column_name(h) for h in self.headers]   # a header may wrap onto 2 lines

    def add_row(self, line: str, n: int):
        raw = _cells(line)
        if len(raw) != len(self.columns):
            raise ParseError(f"row has {len(raw)} cells, the header {len(self.columns)}", line=n)
        values = {c: v.strip() for c, v in zip(self.columns, raw)}
        # a piece that fills its column and has no space was cut inside a word (a host name)
        full = {c: len(v.strip()) >= w - 2 and " " not in v.strip()
                for c, v, w in zip(self.columns, raw, self.widths)}
        keys = [c for c in _KEY_COLUMNS if c in self.columns]
        if self.records and keys and not any(values[c] for c in keys):
            _, previous, was_full = self.records[-1]
            for c, v in values.items():
                if v:
                    joiner = "" if was_full.get(c) or not previous[c] else " "
                    previous[c] = previous[c] + joiner + v
                    was_full[c] = full[c]
            return
        if any(values.values()):
            self.records.append((n, values, full))

    def rows(self) -> list[dict]:
        kind = _kind(self.columns, [r.get("binary", "") for _, r, _ in self.records])
        if kind is None:
            return []
        return [_row(kind, record, n) for n, record, _ in self.records]


@parser("openstack_service_list", tables=("openstack_services",))
def parse_openstack_service_list(text: str, path: str) -> dict[str, list[dict]]:
    """Parse service/agent/hypervisor tables, e.g. `openstack compute service list`::

        (overcloud) [stack@undercloud-0 ~]$ openstack compute service list
        +----+----------------+--------------------------+----------+----------+-------+----------------------------+
        | ID | Binary         | Host                     | Zone     | Status   | State | Updated At                 |
        +----+----------------+--------------------------+----------+----------+-------+----------------------------+
        |  1 | nova-scheduler | controller-0.localdomain | internal | enabled  | up    | 2023-03-14T09:12:01.000000 |
        |  8 | nova-compute   | compute-1.localdomain    | nova     | disabled | down  | 2023-03-13T22:40:17.000000 |
        +----+----------------+--------------------------+----------+----------+-------+----------------------------+
    """
    rows: list[dict] = []
    table: _Table | None = None
    tables_seen = 0
    recognised = 0

    def close():
        nonlocal recognised
        found = table.rows()
        recognised += bool(found) or _kind(table.columns, []) is not None
        rows.extend(found)

    last = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        last = n
        try:
            if _BORDER.match(line):
                if table is None:
                    table = _Table(line)
                    tables_seen += 1
                elif table.borders == 2:
                    close()
                    table = None
                else:
                    table.borders += 1
            elif table is not None and line.startswith("|") and line.endswith("|"):
                if table.borders == 1:
                    table.add_header(line, n)
                else:
                    table.add_row(line, n)
            elif table is not None:
                raise ParseError(f"text inside a table: {line[:60]!r}", line=n)
        except ParseError as err:
            if table is not None and table.columns and table.borders == 2:
                close()
            raise partial_error(err.message, err.line, {"openstack_services": rows}) from None
    if table is not None:
        if table.borders == 2:
            close()
        raise partial_error("table is not closed (truncated output?)", last, {"openstack_services": rows})
    if not tables_seen and text.strip():
        first = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.strip())
        raise ParseError("no table in the output (the command failed?)", line=first)
    if tables_seen and not recognised:
        raise ParseError("no service, agent or hypervisor table in the output", line=1)
    return {"openstack_services": rows}
