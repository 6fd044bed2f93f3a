"""Ceph: `ceph status`, `ceph health detail` and `ceph osd tree`, as text and as JSON.

Tables:

- ``ceph`` (one row per `ceph -s`): fsid, health, checks, mons, quorum, out_of_quorum,
  osds_total, osds_up, osds_in, osds_down, osd_flags, pools, pgs_total, pg_states, objects,
  usage_used_bytes, usage_avail_bytes, usage_total_bytes, mgr_active, version_layout, line.
- ``ceph_checks`` (one row per health check): code, severity, message, detail, count, muted,
  health (the overall status of the output it came from), line.
- ``ceph_osds`` (one row per OSD of `ceph osd tree`): osd, id, host, status, reweight, in,
  class, crush_weight, primary_affinity, line.

Layouts: ``jewel`` is the one-column layout of Ceph up to Jewel (``cluster <fsid>``,
``monmap e1: 3 mons at {...}``, ``osdmap e42: 6 osds: 5 up, 6 in``, ``pgmap v..``) and the
JSON with ``overall_status``/``summary``; ``luminous+`` is the sectioned layout
(``cluster:``/``services:``/``data:``) and the JSON with ``checks``.

`ceph -s` text names no check codes: the codes of well-known messages are inferred (and
marked ``inferred: True`` in `checks`); a check's severity is known when the overall status is
HEALTH_WARN (no check can be worse) and is None otherwise.
"""

from __future__ import annotations

import json
import re

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error

HEALTH = re.compile(r"\bHEALTH_(OK|WARN|ERR)\b")
_SEVERITY_TAG = {"WRN": "HEALTH_WARN", "ERR": "HEALTH_ERR", "INF": "HEALTH_OK"}

# Messages of `ceph -s` (Luminous+) -> the health check code that prints them.
_KNOWN_CHECKS = [
    (re.compile(r"^\d+ osds? down\b"), "OSD_DOWN"),
    (re.compile(r"^\d+ hosts? \(\d+ osds\) down\b"), "OSD_HOST_DOWN"),
    (re.compile(r"^\d+ root \(\d+ osds\) down\b"), "OSD_ROOT_DOWN"),
    (re.compile(r"^\d+/\d+ mons down\b"), "MON_DOWN"),
    (re.compile(r"^clock skew detected\b"), "MON_CLOCK_SKEW"),
    (re.compile(r"^mons? .* low on available space\b"), "MON_DISK_LOW"),
    (re.compile(r"^mons are allowing insecure global_id reclaim"),
     "AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED"),
    (re.compile(r"^Degraded data redundancy\b"), "PG_DEGRADED"),
    (re.compile(r"^Reduced data availability\b"), "PG_AVAILABILITY"),
    (re.compile(r"^Possible data damage\b"), "PG_DAMAGED"),
    (re.compile(r"^\d+ scrub errors\b"), "OSD_SCRUB_ERRORS"),
    (re.compile(r"^\d+ nearfull osd"), "OSD_NEARFULL"),
    (re.compile(r"^\d+ full osd"), "OSD_FULL"),
    (re.compile(r"^\d+ backfillfull osd"), "OSD_BACKFILLFULL"),
    (re.compile(r"\bflag\(s\) set\b"), "OSDMAP_FLAGS"),
    (re.compile(r"^application not enabled on \d+ pool"), "POOL_APP_NOT_ENABLED"),
    (re.compile(r"^too few PGs per OSD\b"), "TOO_FEW_PGS"),
    (re.compile(r"^too many PGs per OSD\b"), "TOO_MANY_PGS"),
    (re.compile(r"^\d+ slow ops\b"), "SLOW_OPS"),
    (re.compile(r"^\d+ slow requests are blocked\b"), "REQUEST_SLOW"),
    (re.compile(r"^\d+ pool\(s\) have no replicas configured"), "POOL_NO_REDUNDANCY"),
    (re.compile(r"^\d+ daemons? ha(s|ve) recently crashed"), "RECENT_CRASH"),
    (re.compile(r"^no active mgr\b"), "MGR_DOWN"),
    (re.compile(r"^\d+ filesystems? (is|are) degraded"), "FS_DEGRADED"),
]

_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024, "M": 1024 ** 2, "MB": 1024 ** 2,
          "MIB": 1024 ** 2, "G": 1024 ** 3, "GB": 1024 ** 3, "GIB": 1024 ** 3,
          "T": 1024 ** 4, "TB": 1024 ** 4, "TIB": 1024 ** 4, "P": 1024 ** 5, "PB": 1024 ** 5,
          "PIB": 1024 ** 5, "E": 1024 ** 6, "EB": 1024 ** 6, "EIB": 1024 ** 6}
_SIZE = r"(?P<{0}>\d+(?:\.\d+)?)\s*(?P<{0}_unit>[kKMGTPE]?i?B?)"
_USAGE = re.compile(_SIZE.format("used") + r" used,\s*" + _SIZE.format("avail") + r"\s*/\s*"
                    + _SIZE.format("total") + r" avail")
_OSDS = re.compile(r"(?P<total>\d+) osds: (?P<up>\d+) up(?: \([^)]*\))?, (?P<in>\d+) in\b")
_PG_STATE = re.compile(r"^(?P<count>\d+)\s+(?P<state>[a-z_]+(?:\+[a-z_]+)*)$")
_SECTION = re.compile(r"^\s*(cluster|services|data|io|progress|recovery|task status):\s*$")
_OLD_KEYS = ("cluster", "health", "monmap", "mdsmap", "fsmap", "osdmap", "pgmap", "mgr")


def _bytes(number: str, unit: str) -> int:
    factor = _UNITS.get(unit.upper())
    if factor is None:
        raise ValueError(unit)
    return int(round(float(number) * factor))


def _count(text: str) -> int:
    """`1.23k` -> 1230 (object counts of recent Ceph)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kMGT]?)", text.strip())
    if not m:
        raise ValueError(text)
    return int(round(float(m.group(1)) * {"": 1, "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9,
                                            "T": 10 ** 12}[m.group(2)]))


def _infer_code(message: str) -> str | None:
    for pattern, code in _KNOWN_CHECKS:
        if pattern.search(message):
            return code
    return None


def _implied_severity(health: str | None) -> str | None:
    """Every check is HEALTH_WARN when the overall status is HEALTH_WARN; else unknown."""
    return "HEALTH_WARN" if health == "HEALTH_WARN" else None


def _empty_status(layout: str, line: int | None) -> dict:
    return {"fsid": None, "health": None, "checks": [], "mons": None, "quorum": [],
            "out_of_quorum": [], "osds_total": None, "osds_up": None, "osds_in": None,
            "osds_down": None, "osd_flags": [], "pools": None, "pgs_total": None,
            "pg_states": {}, "objects": None, "usage_used_bytes": None,
            "usage_avail_bytes": None, "usage_total_bytes": None, "mgr_active": None,
            "version_layout": layout, "line": line}


# --------------------------------------------------------------------------- ceph -s text


def _entries(lines: list[tuple[int, str]], is_key) -> list[tuple[int, str, str, list[tuple[int, str]]]]:
    """Group lines into (line, key, value, [(line, continuation)]); `is_key(raw)` -> (key, value)."""
    out: list[tuple[int, str, str, list[tuple[int, str]]]] = []
    for n, raw in lines:
        hit = is_key(raw)
        if hit:
            out.append((n, hit[0], hit[1], []))
        elif out:
            out[-1][3].append((n, raw.strip()))
    return out


def _old_key(raw: str):
    m = re.match(r"^\s*(\w+)(?::)?\s*(.*)$", raw)
    if m and m.group(1) in _OLD_KEYS and re.match(r"^\s{0,8}\S", raw):
        return m.group(1), m.group(2)
    return None


def _apply_health(row: dict, value: str, more: list[tuple[int, str]], line: int):
    m = HEALTH.search(value)
    if not m:
        raise ParseError(f"no HEALTH_OK/WARN/ERR in health field: {value[:60]!r}", line=line)
    row["health"] = m.group(0)
    rest = value[m.end():].strip()      # pre-Jewel: `HEALTH_WARN a; b` on one line
    messages = [(line, p.strip()) for p in rest.split(";") if p.strip()] + list(more)
    severity = _implied_severity(row["health"])
    for n, msg in messages:
        code = _infer_code(msg) if row["version_layout"] == "luminous+" else None
        row["checks"].append({"code": code, "severity": severity, "message": msg,
                              "inferred": code is not None, "line": n})


def _apply_pg_lines(row: dict, lines: list[str]):
    for text in lines:
        text = text[1] if isinstance(text, tuple) else text
        m = _PG_STATE.match(text.strip())
        if m:
            row["pg_states"][m.group("state")] = row["pg_states"].get(m.group("state"), 0) + int(m.group("count"))


def _apply_usage(row: dict, text: str):
    m = _USAGE.search(text)
    if m:
        row["usage_used_bytes"] = _bytes(m.group("used"), m.group("used_unit"))
        row["usage_avail_bytes"] = _bytes(m.group("avail"), m.group("avail_unit"))
        row["usage_total_bytes"] = _bytes(m.group("total"), m.group("total_unit"))


def _apply_osds(row: dict, text: str, line: int):
    m = _OSDS.search(text)
    if not m:
        raise ParseError(f"cannot read the OSD counts: {text[:80]!r}", line=line)
    row["osds_total"], row["osds_up"], row["osds_in"] = (int(m.group(g)) for g in ("total", "up", "in"))
    row["osds_down"] = row["osds_total"] - row["osds_up"]


def _apply_flags(row: dict, more: list[tuple[int, str]]):
    for _, text in more:
        if text.startswith("flags "):
            row["osd_flags"] = [f for f in text[6:].strip().split(",") if f]


def _status_old(lines: list[tuple[int, str]]) -> dict:
    row = _empty_status("jewel", lines[0][0])
    for n, key, value, more in _entries(lines, _old_key):
        if key == "cluster":
            row["fsid"] = value.split()[0] if value.split() else None
        elif key == "health":
            _apply_health(row, value, more, n)
        elif key == "monmap":
            m = re.search(r"(\d+) mons at \{([^}]*)\}", value)
            if not m:
                raise ParseError(f"cannot read the monitor map: {value[:80]!r}", line=n)
            row["mons"] = int(m.group(1))
            names = [p.split("=", 1)[0] for p in m.group(2).split(",") if "=" in p]
            q = re.search(r"quorum [\d,]+ (\S+)", " ".join([value, *(t for _, t in more)]))
            row["quorum"] = q.group(1).split(",") if q else []
            row["out_of_quorum"] = [x for x in names if x not in row["quorum"]]
        elif key == "osdmap":
            _apply_osds(row, value, n)
            _apply_flags(row, more)
        elif key == "pgmap":
            m = re.search(r"(\d+) pgs[,:]", value)
            row["pgs_total"] = int(m.group(1)) if m else None
            pools = re.search(r"(\d+) pools", value)
            row["pools"] = int(pools.group(1)) if pools else None
            objects = re.search(r"(\d+) objects", value)
            row["objects"] = int(objects.group(1)) if objects else None
            inline = re.search(r"\d+ pgs: ([^;]*);", value)   # pre-Jewel: `592 pgs: 592 active+clean; ...`
            _apply_pg_lines(row, inline.group(1).split(",") if inline else [])
            _apply_pg_lines(row, more)
            _apply_usage(row, " ".join([value, *(t for _, t in more)]))
    return row


def _status_sections(lines: list[tuple[int, str]]) -> dict:
    row = _empty_status("luminous+", lines[0][0])
    key_indent: int | None = None

    def is_key(raw: str):
        nonlocal key_indent
        if _SECTION.match(raw):
            key_indent = None
            return ("[section]", raw.strip().rstrip(":"))
        m = re.match(r"^(\s*)([a-z][\w\- ]*?):\s*(.*)$", raw)
        if not m:
            return None
        indent = len(m.group(1))
        if key_indent is None:
            key_indent = indent
        return (m.group(2), m.group(3)) if indent <= key_indent else None

    for n, key, value, more in _entries(lines, is_key):
        if key == "id":
            row["fsid"] = value.strip() or None
        elif key == "health":
            _apply_health(row, value, more, n)
        elif key == "mon":
            m = re.match(r"(\d+) daemons?, quorum (\S+)", value)
            if not m:
                raise ParseError(f"cannot read the monitor line: {value[:80]!r}", line=n)
            row["mons"] = int(m.group(1))
            row["quorum"] = m.group(2).split(",")
            out = re.search(r"out of quorum: (.*)$", value)
            row["out_of_quorum"] = [x.strip() for x in out.group(1).split(",")] if out else []
        elif key == "mgr":
            m = re.match(r"([^\s(,]+)\(active", value)
            row["mgr_active"] = m.group(1) if m else None
        elif key == "osd":
            _apply_osds(row, value, n)
            _apply_flags(row, more)
        elif key == "pools":
            m = re.match(r"(\d+) pools?, (\d+) pgs", value)
            if m:
                row["pools"], row["pgs_total"] = int(m.group(1)), int(m.group(2))
        elif key == "objects":
            m = re.match(r"(\S+) objects", value)
            if m:
                try:
                    row["objects"] = _count(m.group(1))
                except ValueError:
                    raise ParseError(f"cannot read the object count: {value[:60]!r}", line=n)
        elif key == "usage":
            _apply_usage(row, value)
        elif key == "pgs":
            _apply_pg_lines(row, [value, *more])
    if row["pgs_total"] is None and row["pg_states"]:
        row["pgs_total"] = sum(row["pg_states"].values())
    return row


def _check_rows(row: dict) -> list[dict]:
    rows = [{"code": c["code"], "severity": c["severity"], "message": c["message"], "detail": [],
             "count": None, "muted": None, "health": row["health"], "line": c.pop("line")}
            for c in row["checks"]]
    return rows


@parser("ceph_status", tables=("ceph", "ceph_checks"))
def parse_ceph_status(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `ceph status` / `ceph -s` text, Jewel to Quincy. Luminous+ sample:

          cluster:
            id:     eccf3d48-859f-11ec-9de2-d72b3e8a3058
            health: HEALTH_WARN
                    1 osds down
          services:
            mon: 3 daemons, quorum ctl-0,ctl-1,ctl-2 (age 10h)
            osd: 6 osds: 5 up (since 15m), 6 in (since 3d)
          data:
            pools:   4 pools, 128 pgs
            usage:   3.0 GiB used, 297 GiB / 300 GiB avail
            pgs:     120 active+clean
                     8   active+undersized+degraded

    Jewel sample::

            cluster 2c6f0e4f-...
             health HEALTH_OK
             monmap e1: 3 mons at {a=172.17.3.10:6789/0,...}
                    election epoch 10, quorum 0,1,2 a,b,c
             osdmap e42: 6 osds: 6 up, 6 in
              pgmap v1234: 192 pgs, 3 pools, 1024 MB data, 300 objects
                    3081 MB used, 56 GB / 59 GB avail
                         192 active+clean
    """
    lines = [(n, raw.rstrip()) for n, raw in enumerate(text.splitlines(), 1) if raw.strip()]
    if not lines:
        return {"ceph": [], "ceph_checks": []}
    # the ceph CLI may print warnings (keyring, config) before the status itself
    start = next((i for i, (_, raw) in enumerate(lines) if _SECTION.match(raw) or _old_key(raw)), None)
    if start is None:
        raise ParseError(f"not a `ceph status` output: {lines[0][1].strip()[:60]!r}", line=lines[0][0])
    lines = lines[start:]
    try:
        row = _status_sections(lines) if _SECTION.match(lines[0][1]) else _status_old(lines)
    except (ValueError, IndexError) as exc:
        raise ParseError(f"unreadable `ceph status`: {exc}", line=lines[0][0]) from None
    if row["health"] is None:
        raise ParseError("`ceph status` has no health field (truncated?)", line=lines[-1][0])
    return {"ceph": [row], "ceph_checks": _check_rows(row)}


# --------------------------------------------------------------------------- JSON


def _load_json(text: str) -> tuple[dict, int]:
    """The JSON object of `text` and the line where it starts (sos may prepend blank lines)."""
    start = text.find("{")
    if start < 0:
        raise ParseError("no JSON object", line=1)
    first_line = text.count("\n", 0, start) + 1
    try:
        data = json.loads(text[start:])
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", line=first_line + exc.lineno - 1) from None
    if not isinstance(data, dict):
        raise ParseError("the JSON is not an object", line=first_line)
    return data, first_line


def _key_lines(text: str, pattern: str) -> dict[str, int]:
    """Line of the first match of `pattern` (one group: the key) in a JSON text, by key."""
    lines: dict[str, int] = {}
    for m in re.finditer(pattern, text):
        lines.setdefault(m.group(1), text.count("\n", 0, m.start()) + 1)
    return lines


def _json_checks(health: dict, line: int, text: str = "") -> tuple[str | None, list[dict], str]:
    """(overall status, ceph_checks rows, layout) of a `health` JSON object, any release."""
    if not isinstance(health, dict):
        raise ParseError("`health` is not an object", line=line)
    status = health.get("status") or health.get("overall_status")
    rows: list[dict] = []
    checks = health.get("checks")
    if isinstance(checks, dict):
        code_lines = _key_lines(text, r'"([A-Z][A-Z0-9_]+)"\s*:\s*\{')
        for code, check in checks.items():
            check = check if isinstance(check, dict) else {}
            summary = check.get("summary")
            message = summary.get("message") if isinstance(summary, dict) else check.get("message")
            detail = [d.get("message") if isinstance(d, dict) else str(d)
                      for d in (check.get("detail") or [])]
            count = summary.get("count") if isinstance(summary, dict) else None
            rows.append({"code": str(code), "severity": check.get("severity"), "message": message,
                         "detail": detail, "count": count, "muted": check.get("muted"),
                         "health": status, "line": code_lines.get(str(code), line)})
        return status, rows, "luminous+"
    detail = [str(d) for d in (health.get("detail") or []) if not isinstance(d, dict)]
    for item in health.get("summary") or []:
        if isinstance(item, dict):
            rows.append({"code": None, "severity": item.get("severity"), "message": item.get("summary"),
                         "detail": [], "count": None, "muted": None, "health": status, "line": line})
    _attach_jewel_detail(rows, detail)
    return status, rows, "jewel"


def _attach_jewel_detail(rows: list[dict], detail: list[str]):
    """Jewel lists detail lines apart from the summaries: give each to the summary about it."""
    subjects = (("pg ", "pgs"), ("osd.", "osd"), ("mon.", "mon"))
    for text in detail:
        target = None
        for prefix, word in subjects:
            if text.startswith(prefix):
                target = next((r for r in rows if word in (r["message"] or "")), None)
                break
        target = target or (rows[-1] if rows else None)
        if target is not None:
            target["detail"].append(text)


@parser("ceph_status_json", tables=("ceph", "ceph_checks"))
def parse_ceph_status_json(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `ceph status --format json-pretty` (Jewel nested maps and Octopus+ flat ones)::

        {"fsid": "eccf3d48-...", "health": {"status": "HEALTH_WARN", "checks": {...}},
         "quorum_names": ["ctl-0", "ctl-1"], "monmap": {"num_mons": 3},
         "osdmap": {"num_osds": 6, "num_up_osds": 5, "num_in_osds": 6},
         "pgmap": {"pgs_by_state": [{"state_name": "active+clean", "count": 69}], ...}}
    """
    if not text.strip():
        return {"ceph": [], "ceph_checks": []}
    data, line = _load_json(text)
    if "health" not in data:
        raise ParseError("not a `ceph status` JSON: no `health`", line=line)
    try:
        status, checks, layout = _json_checks(data["health"], line, text)
        row = _empty_status(layout, line)
        row["fsid"] = data.get("fsid")
        row["health"] = status
        row["checks"] = [{"code": c["code"], "severity": c["severity"], "message": c["message"],
                          "inferred": False} for c in checks]
        row["quorum"] = [str(q) for q in data.get("quorum_names") or []]
        monmap = data.get("monmap") or {}
        mon_names = [m.get("name") for m in monmap.get("mons") or [] if isinstance(m, dict)]
        row["mons"] = monmap.get("num_mons", len(mon_names) if mon_names else None)
        row["out_of_quorum"] = [m for m in mon_names if m not in row["quorum"]]
        osdmap = data.get("osdmap") or {}
        osdmap = osdmap.get("osdmap", osdmap)      # nested up to Nautilus
        if "num_osds" in osdmap:
            row["osds_total"] = int(osdmap["num_osds"])
            row["osds_up"] = int(osdmap.get("num_up_osds", 0))
            row["osds_in"] = int(osdmap.get("num_in_osds", 0))
            row["osds_down"] = row["osds_total"] - row["osds_up"]
        pgmap = data.get("pgmap") or {}
        row["pg_states"] = {s["state_name"]: int(s["count"]) for s in pgmap.get("pgs_by_state") or []}
        row["pgs_total"] = pgmap.get("num_pgs")
        row["pools"] = pgmap.get("num_pools")
        row["objects"] = pgmap.get("num_objects")
        row["usage_used_bytes"] = pgmap.get("bytes_used")
        row["usage_avail_bytes"] = pgmap.get("bytes_avail")
        row["usage_total_bytes"] = pgmap.get("bytes_total")
        mgrmap = data.get("mgrmap") or {}
        row["mgr_active"] = mgrmap.get("active_name") or None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ParseError(f"unexpected `ceph status` JSON structure: {exc}", line=line) from None
    return {"ceph": [row], "ceph_checks": checks}


# --------------------------------------------------------------------------- health detail


_DETAIL_CHECK = re.compile(r"^(?:\[(?P<tag>WRN|ERR|INF)\]\s+)?(?P<code>[A-Z][A-Z0-9]*_[A-Z0-9_]+)(?::\s*|\s+)(?P<message>.*)$")


@parser("ceph_health_detail", tables=("ceph_checks",))
def parse_ceph_health_detail(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `ceph health detail` text. Octopus+ (Luminous/Nautilus print `OSD_DOWN 1 osds down`
    without the `[WRN]` tag; Jewel prints detail lines after the summary, without codes)::

        HEALTH_WARN 1 osds down; Degraded data redundancy: 42/126 objects degraded
        [WRN] OSD_DOWN: 1 osds down
            osd.3 (root=default,host=ceph-1) is down
        [WRN] PG_DEGRADED: Degraded data redundancy: 42/126 objects degraded
            pg 1.0 is active+undersized+degraded, acting [2,0]
    """
    lines = [(n, raw.rstrip()) for n, raw in enumerate(text.splitlines(), 1) if raw.strip()]
    if not lines:
        return {"ceph_checks": []}
    first_n, first = lines[0]
    m = HEALTH.match(first.strip())
    if not m:
        raise ParseError(f"`ceph health detail` must start with the health status: {first.strip()[:60]!r}",
                         line=first_n)
    status = m.group(0)
    summaries = [s.strip() for s in first.strip()[m.end():].split(";") if s.strip()]
    rows: list[dict] = []
    if any(not raw[:1].isspace() and _DETAIL_CHECK.match(raw) for _, raw in lines[1:]):
        for n, raw in lines[1:]:     # Luminous+: one line per check, its detail indented below
            if raw[:1].isspace():
                if not rows:
                    raise ParseError("detail line before any health check", line=n)
                rows[-1]["detail"].append(raw.strip())
                continue
            c = _DETAIL_CHECK.match(raw)
            if not c:
                raise partial_error(f"not a health check line: {raw[:60]!r}", n, {"ceph_checks": rows})
            severity = _SEVERITY_TAG.get(c.group("tag") or "") or _implied_severity(status)
            rows.append({"code": c.group("code"), "severity": severity, "message": c.group("message").strip(),
                         "detail": [], "count": None, "muted": None, "health": status, "line": n})
    else:   # Jewel and older: the summary line, then detail lines without codes
        rows = [{"code": None, "severity": _implied_severity(status), "message": s,
                 "detail": [], "count": None, "muted": None, "health": status, "line": first_n}
                for s in summaries]
        _attach_jewel_detail(rows, [raw.strip() for _, raw in lines[1:]])
    return {"ceph_checks": rows}


@parser("ceph_health_detail_json", tables=("ceph_checks",))
def parse_ceph_health_detail_json(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `ceph health detail --format json-pretty` (Luminous+ `checks`, Jewel `summary`)::

        {"status": "HEALTH_WARN",
         "checks": {"OSD_DOWN": {"severity": "HEALTH_WARN",
                                 "summary": {"message": "1 osds down", "count": 1},
                                 "detail": [{"message": "osd.3 (root=default,host=ceph-1) is down"}],
                                 "muted": false}},
         "mutes": []}
    """
    if not text.strip():
        return {"ceph_checks": []}
    data, line = _load_json(text)
    if not any(k in data for k in ("status", "overall_status", "checks", "summary")):
        raise ParseError("not a `ceph health detail` JSON", line=line)
    try:
        _, rows, _ = _json_checks(data, line, text)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ParseError(f"unexpected `ceph health detail` JSON structure: {exc}", line=line) from None
    return {"ceph_checks": rows}


# --------------------------------------------------------------------------- osd tree


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _osd_row(osd_id: int, name: str, host, status, reweight, device_class, crush_weight,
             primary_affinity, line) -> dict:
    reweight = _float(reweight) if not isinstance(reweight, (int, float)) else float(reweight)
    return {"osd": name, "id": osd_id, "host": host, "status": status, "reweight": reweight,
            "in": None if reweight is None else reweight > 0, "class": device_class or None,
            "crush_weight": _float(crush_weight) if isinstance(crush_weight, str) else crush_weight,
            "primary_affinity": (_float(primary_affinity) if isinstance(primary_affinity, str)
                                 else primary_affinity),
            "line": line}


@parser("ceph_osd_tree", tables=("ceph_osds",))
def parse_ceph_osd_tree(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `ceph osd tree` text (Jewel `UP/DOWN` and Luminous+ `CLASS ... STATUS` headers)::

        ID CLASS WEIGHT  TYPE NAME       STATUS REWEIGHT PRI-AFF
        -1       0.08752 root default
        -3       0.02917     host ceph-0
         0   hdd 0.01459         osd.0       up  1.00000 1.00000
         3   hdd 0.01459         osd.3     down        0 1.00000
    """
    rows: list[dict] = []
    header_seen = False
    host = None
    for n, raw in enumerate(text.splitlines(), 1):
        tokens = raw.split()
        if not tokens:
            continue
        if tokens[0] == "ID":
            header_seen = True
            continue
        if not header_seen:
            raise ParseError(f"`ceph osd tree` must start with its ID header: {raw.strip()[:60]!r}", line=n)
        if not re.fullmatch(r"-?\d+", tokens[0]):
            raise partial_error(f"not an osd tree row: {raw.strip()[:60]!r}", n, {"ceph_osds": rows})
        osd_id = int(tokens[0])
        name_at = next((i for i, t in enumerate(tokens) if re.fullmatch(r"osd\.\d+", t)), None)
        if osd_id < 0 or name_at is None:
            if len(tokens) >= 4 and tokens[-2] == "host":
                host = tokens[-1]
            elif len(tokens) >= 4 and tokens[-2] in ("root", "datacenter", "room", "row", "rack",
                                                     "chassis", "region", "zone", "pod", "pdu"):
                host = None
            continue
        before, after = tokens[:name_at], tokens[name_at + 1:]
        if len(after) < 2 or len(before) not in (2, 3):
            raise partial_error(f"truncated osd row: {raw.strip()[:60]!r}", n, {"ceph_osds": rows})
        device_class = before[1] if len(before) == 3 else None
        rows.append(_osd_row(osd_id, tokens[name_at], host, after[0], after[1], device_class,
                             before[-1], after[2] if len(after) > 2 else None, n))
    if not header_seen and text.strip():
        raise ParseError("no `ceph osd tree` header", line=1)
    return {"ceph_osds": rows}


@parser("ceph_osd_tree_json", tables=("ceph_osds",))
def parse_ceph_osd_tree_json(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `ceph osd tree --format json-pretty`: buckets list their children by id::

        {"nodes": [{"id": -3, "name": "ceph-0", "type": "host", "children": [3, 0]},
                   {"id": 0, "name": "osd.0", "type": "osd", "status": "up", "reweight": 1.0,
                    "device_class": "hdd", "crush_weight": 0.0146, "primary_affinity": 1.0}],
         "stray": []}
    """
    if not text.strip():
        return {"ceph_osds": []}
    data, line = _load_json(text)
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        raise ParseError("not a `ceph osd tree` JSON: no `nodes` list", line=line)
    try:
        host_of = {}
        for node in nodes:
            if node.get("type") == "host":
                for child in node.get("children") or []:
                    host_of[child] = node.get("name")
        name_lines = _key_lines(text, r'"name"\s*:\s*"(osd\.\d+)"')
        rows = []
        for node in [*nodes, *(data.get("stray") or [])]:
            if node.get("type", "osd") != "osd":
                continue
            osd_id = int(node["id"])
            rows.append(_osd_row(osd_id, node.get("name") or f"osd.{osd_id}", host_of.get(osd_id),
                                 node.get("status"), node.get("reweight"), node.get("device_class"),
                                 node.get("crush_weight"), node.get("primary_affinity"),
                                 name_lines.get(f"osd.{osd_id}", line)))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ParseError(f"unexpected `ceph osd tree` JSON structure: {exc}", line=line) from None
    return {"ceph_osds": rows}
