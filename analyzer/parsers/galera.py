"""Galera: ``SHOW GLOBAL STATUS LIKE 'wsrep_%'``, ``grastate.dat``, ``gvwstate.dat``, galera.cnf.

Each artifact gives its own ``galera`` rows, told apart by ``record`` (``wsrep_status``,
``grastate``, ``gvwstate``, ``config``); :func:`analyzer.derive.galera.galera_summary` merges
them per node. Pasted outputs of several nodes (an ansible or ssh loop, a document indented
as a code block) are read as they are: a common indent is stripped, and each node's block
becomes its own row, named from the ``host | SUCCESS | rc=0 >>`` or ``[root@host ~]#`` line
before it.
"""

from __future__ import annotations

import re

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error
from analyzer.redact import is_secret_option, redact_text, redact_value, secret_marker

ANSIBLE_HOST = re.compile(r"^(?P<host>[\w.\-]+) \| (?:success|SUCCESS|CHANGED|changed|FAILED|failed)"
                          r"(?: \| rc=\d+)? >>")
PROMPT_HOST = re.compile(r"^\[(?P<user>[\w\-]+)@(?P<host>[\w.\-]+)[ \]]")


def _lines(text: str) -> list[str]:
    """Lines without CR and without the indent common to all non-blank lines."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return [line[cut:] for line in lines]


def _host_of(line: str) -> str | None:
    m = ANSIBLE_HOST.match(line.strip()) or PROMPT_HOST.match(line.strip())
    return m.group("host") if m else None


def _number(value: str) -> object:
    """wsrep values: ints and floats become numbers, '' None, everything else stays text."""
    if value == "":
        return None
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


def _base_row(record: str, node_name: str | None, line: int) -> dict:
    return {"record": record, "node_name": node_name, "cluster_address": None, "cluster_members": None,
            "uuid": None, "seqno": None, "safe_to_bootstrap": None, "version": None,
            "gvwstate_my_uuid": None, "gvwstate_view_id": None, "gvwstate_members": None, "line": line}


# --- SHOW GLOBAL STATUS LIKE 'wsrep_%' ------------------------------------------------------

TABLE_ROW = re.compile(r"^\|\s*(?P<name>wsrep_\w+)\s*\|\s?(?P<value>.*?)\s*\|\s*$")
PLAIN_ROW = re.compile(r"^(?P<name>wsrep_\w+)(?:\s+(?P<value>.*?))?\s*$")
VERTICAL_NAME = re.compile(r"^\s*Variable_name:\s*(?P<name>wsrep_\w+)\s*$")
VERTICAL_VALUE = re.compile(r"^\s*Value:\s?(?P<value>.*?)\s*$")


@parser("galera_status", tables=("galera",))
def parse_galera_status(text: str, path: str) -> dict[str, list[dict]]:
    """Parse ``SHOW GLOBAL STATUS LIKE 'wsrep_%'`` in table, tab (``mysql -B``/``-N``) or ``\\G`` form::

        +------------------------------+--------------------------------------+
        | Variable_name                | Value                                |
        +------------------------------+--------------------------------------+
        | wsrep_cluster_size           | 2                                    |
        | wsrep_cluster_status         | non-Primary                          |

    One row per node output (a new row starts when a variable repeats or a host line appears),
    every ``wsrep_*`` variable a column (numbers as int/float).
    """
    rows: list[dict] = []
    current: dict | None = None
    host: str | None = None
    pending_name: tuple[str, int] | None = None

    def put(name: str, value: str, lineno: int) -> None:
        nonlocal current
        if current is None or name in current:
            current = _base_row("wsrep_status", host, lineno)
            rows.append(current)
        current[name] = _number(value)

    for lineno, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        new_host = _host_of(stripped)
        if new_host:
            host, current = new_host, None
            continue
        if pending_name:
            m = VERTICAL_VALUE.match(line)
            if m:
                put(pending_name[0], m.group("value"), pending_name[1])
                pending_name = None
                continue
            pending_name = None
        m = VERTICAL_NAME.match(line)
        if m:
            pending_name = (m.group("name"), lineno)
            continue
        m = TABLE_ROW.match(stripped) or PLAIN_ROW.match(stripped)
        if m:
            put(m.group("name"), m.group("value") or "", lineno)
        elif stripped.startswith("| wsrep_"):
            raise partial_error("cut wsrep table row", lineno, {"galera": rows})
    if not rows:
        raise ParseError("no wsrep_% status variables", line=1)
    for row in rows:
        row["uuid"] = row.get("wsrep_local_state_uuid")
        if row.get("wsrep_provider_options"):
            row["wsrep_provider_options"] = redact_provider_options(str(row["wsrep_provider_options"]))
    return {"galera": rows}


# --- grastate.dat --------------------------------------------------------------------------

GRASTATE_HEADER = re.compile(r"^#\s*GALERA saved state(?:\s+(?P<rest>\S.*))?$")
KEY_VALUE = re.compile(r"^(?P<key>[A-Za-z_]+):\s*(?P<value>.*?)\s*$")


@parser("grastate", tables=("galera",))
def parse_grastate(text: str, path: str) -> dict[str, list[dict]]:
    """Parse ``/var/lib/mysql/grastate.dat`` (one file, or several nodes' copies pasted)::

        # GALERA saved state
        version: 2.1
        uuid:    b2a6ee0e-0a7e-11eb-9d8a-8e2b0bd1d0c2
        seqno:   -1
        safe_to_bootstrap: 0

    seqno -1 means the node did not shut down cleanly (or is running); safe_to_bootstrap is
    None in files older than Galera 3.19, which lack the line.
    """
    rows: list[dict] = []
    current: dict | None = None
    host: str | None = None
    for lineno, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        new_host = _host_of(stripped)
        if new_host:
            host, current = new_host, None
            continue
        header = GRASTATE_HEADER.match(stripped)
        if header:
            current = _base_row("grastate", host, lineno)
            rows.append(current)
            rest = KEY_VALUE.match(header.group("rest") or "")
            if rest and rest.group("key") == "version":
                current["version"] = rest.group("value")
            continue
        m = KEY_VALUE.match(stripped)
        if not m:
            if stripped.startswith("#"):
                continue
            raise partial_error(f"unexpected grastate line: {stripped[:60]!r}", lineno, {"galera": rows})
        key, value = m.group("key"), m.group("value")
        if key not in ("version", "uuid", "seqno", "safe_to_bootstrap", "cert_index"):
            continue
        if current is None:
            current = _base_row("grastate", host, lineno)
            rows.append(current)
        if key == "version":
            current["version"] = value
        elif key == "uuid":
            current["uuid"] = value or None
        elif key in ("seqno", "safe_to_bootstrap"):
            if not re.fullmatch(r"-?\d+", value):
                raise partial_error(f"{key} is not a number: {value!r}", lineno, {"galera": rows})
            current[key] = int(value)
    if not rows:
        raise ParseError("no '# GALERA saved state' block", line=1)
    for row in rows:
        if row["uuid"] is None and row["seqno"] is None:
            raise partial_error("GALERA saved state without uuid and seqno (truncated?)", row["line"],
                                {"galera": [r for r in rows if r is not row]})
    return {"galera": rows}


# --- gvwstate.dat --------------------------------------------------------------------------

@parser("gvwstate", tables=("galera",))
def parse_gvwstate(text: str, path: str) -> dict[str, list[dict]]:
    """Parse ``/var/lib/mysql/gvwstate.dat``, the last primary view a node saw::

        my_uuid: 9acf4d34-acdb-11e6-bcc3-d3e36276629f
        #vwbeg
        view_id: 3 9acf4d34-acdb-11e6-bcc3-d3e36276629f 3
        bootstrap: 0
        member: 9acf4d34-acdb-11e6-bcc3-d3e36276629f 0
        member: 8c21fa8a-acdb-11e6-9b41-5fd8d6a2e8c4 0
        #vwend
    """
    row = _base_row("gvwstate", None, 1)
    members: list[str] = []
    seen_begin = seen_end = False
    for lineno, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "#vwbeg":
            seen_begin = True
            continue
        if stripped == "#vwend":
            seen_end = True
            continue
        m = KEY_VALUE.match(stripped)
        if not m:
            raise partial_error(f"unexpected gvwstate line: {stripped[:60]!r}", lineno,
                                {"galera": [row] if row["gvwstate_my_uuid"] else []})
        key, value = m.group("key"), m.group("value")
        if key == "my_uuid":
            row["gvwstate_my_uuid"], row["line"] = value, lineno
        elif key == "view_id":
            row["gvwstate_view_id"] = value
        elif key == "member":
            members.append(value.split()[0] if value else value)
    row["gvwstate_members"] = members
    if row["gvwstate_my_uuid"] is None:
        raise ParseError("gvwstate without my_uuid", line=1)
    if not (seen_begin and seen_end):
        raise partial_error("gvwstate view not closed by #vwend (truncated?)", None, {"galera": [row]})
    return {"galera": [row]}


# --- galera.cnf ----------------------------------------------------------------------------

CNF_SETTING = re.compile(r"^(?P<key>[A-Za-z][\w\-.]*)\s*(?:=\s*(?P<value>.*?))?\s*$")


def redact_provider_options(options: str) -> str:
    """``wsrep_provider_options`` with the value of every secret-looking key replaced."""
    out = []
    for item in options.split(";"):
        key, sep, value = item.partition("=")
        name = key.strip().rsplit(".", 1)[-1]
        is_path = value.strip().startswith("/")  # socket.ssl_key, socket.ssl_cert name files
        if sep and value.strip() and is_secret_option(name) and not is_path:
            out.append(f"{key}={secret_marker(value.strip())}")
        else:
            out.append(redact_text(item))
    return ";".join(out)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


@parser("galera_cnf", tables=("galera",))
def parse_galera_cnf(text: str, path: str) -> dict[str, list[dict]]:
    """Parse the wsrep settings of ``my.cnf.d/galera.cnf``::

        [mysqld]
        wsrep_cluster_name = "galera_cluster"
        wsrep_cluster_address = "gcomm://controller-0.internalapi.localdomain,controller-1.internalapi.localdomain"
        wsrep_node_name = controller-0.internalapi.localdomain
        wsrep_provider_options = gmcast.listen_addr=tcp://172.16.2.10:4567;

    One ``config`` row; secrets (``wsrep_sst_auth`` password, secret provider options) become
    markers. A file without any wsrep setting gives no row.
    """
    row = _base_row("config", None, 1)
    found = False
    for lineno, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or stripped.startswith("["):
            continue
        m = CNF_SETTING.match(stripped)
        if not m:
            raise partial_error(f"unexpected line in {path.rsplit('/', 1)[-1]}: {stripped[:60]!r}", lineno,
                                {"galera": [row] if found else []})
        key = m.group("key").replace("-", "_")
        if not key.startswith("wsrep_"):
            continue
        value = _unquote(m.group("value") or "")
        if not found:
            row["line"], found = lineno, True
        if key == "wsrep_sst_auth":
            user, _, password = value.partition(":")
            value = f"{user}:{secret_marker(password)}" if password else value
        elif key == "wsrep_provider_options":
            value = redact_provider_options(value)
        else:
            value = redact_value(key, value)
        row[key] = value
        if key == "wsrep_cluster_address":
            row["cluster_address"] = value
            row["line"] = lineno
            members = value.split("://", 1)[-1].split("?", 1)[0]
            row["cluster_members"] = [m for m in (x.strip() for x in members.split(",")) if m]
        elif key == "wsrep_node_name":
            row["node_name"] = value
    return {"galera": [row] if found else []}
