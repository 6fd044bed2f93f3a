"""Grammar of single Pacemaker status lines, shared by the pcs status / crm_mon parsers.

The line shapes (Pacemaker 1.1, 2.0 and 2.1+, with or without the ``* `` list bullet) are:

    galera-bundle-0	(ocf::heartbeat:galera):	Master controller-0
    galera-bundle-0	(ocf:heartbeat:galera):	 FAILED Promoted controller-0 (UNCLEAN)
    httpd-bundle-0 (192.168.122.131)	(ocf:heartbeat:apache):	Started cluster01
    ip-172.16.2.5	(ocf::heartbeat:IPaddr2):	Stopped (disabled)
    Started: [ controller-0 controller-1 ]           (clone summary)
    Online: [ controller-0 controller-1 ]            (node summary)
    Node controller-0 (1): UNCLEAN (offline)         (one node)
    rabbitmq_start_0 on rabbitmq-bundle-2 'error' (1): call=24, status='complete', ...
    rabbitmq start on rabbitmq-bundle-2 returned 'error' (reason) at <date> after 4.352s

Functions return plain dicts, or None when the line is not of their shape.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pyparsing as pp

# -- roles -----------------------------------------------------------------------------------

ROLE_WORDS = ("Started", "Stopped", "Master", "Slave", "Promoted", "Unpromoted", "Starting",
              "Stopping", "Migrating", "Promoting", "Demoting", "Monitoring", "Unknown")
_ROLE_NORMALIZED = {"master": "promoted", "promoted": "promoted", "slave": "unpromoted",
                    "unpromoted": "unpromoted", "started": "started", "stopped": "stopped",
                    "failed": "failed"}
_LIST_ROLES = {"Masters": "Master", "Slaves": "Slave"}


def normalize_role(role: str | None, failed: bool = False) -> str | None:
    """promoted / unpromoted / started / stopped / failed (pending states lower-cased)."""
    if failed:
        return "failed"
    if not role:
        return None
    return _ROLE_NORMALIZED.get(role.lower(), role.lower())


# -- flags in parentheses after a resource's state ---------------------------------------------

_PENDING_FLAGS = {"starting", "stopping", "monitoring", "migrating", "promoting", "demoting",
                  "notifying", "reloading"}
_PROBE_RESULTS = {"error", "unknown error", "not running", "not installed", "not configured",
                  "invalid parameter", "insufficient privileges", "unimplemented feature",
                  "promoted (failed)", "master (failed)", "degraded", "degraded promoted"}


def classify_flags(groups: list[str]) -> dict:
    """Sort the ``(...)`` groups of a resource line into markers, probe result and description."""
    out = {"disabled": False, "unmanaged": False, "blocked": False, "maintenance": False,
           "unclean": False, "locked": False, "failure_ignored": False, "target_role": None,
           "pending": None, "probe_result": None, "description": None}
    extra = []
    for group in groups:
        inner = group[1:-1].strip()
        if inner.lower() in _PROBE_RESULTS:
            out["probe_result"] = inner
            continue
        known = True
        parts = [p.strip() for p in inner.split(",") if p.strip()]
        for part in parts:
            low = part.lower()
            if low in ("disabled", "unmanaged", "blocked", "maintenance"):
                out[low] = True
            elif low == "unclean":
                out["unclean"] = True
            elif low == "locked":
                out["locked"] = True
            elif low == "failure ignored":
                out["failure_ignored"] = True
            elif low.startswith("target-role:"):
                out["target_role"] = part.split(":", 1)[1].strip()
                if out["target_role"].lower() == "stopped":
                    out["disabled"] = True
            elif low in _PENDING_FLAGS:
                out["pending"] = part
            else:
                known = False
        if not parts or not known:
            extra.append(inner)
    if extra:
        out["description"] = " ".join(extra)
    return out


# -- resource line -----------------------------------------------------------------------------

_NAME = pp.Regex(r"[^\s()\[\]]+")
_IP = pp.Suppress("(") + pp.Regex(r"[0-9A-Fa-f.:]+")("ip") + pp.Suppress(")") + pp.FollowedBy("(")
_AGENT = pp.Suppress("(") + pp.Regex(r"[^()\s]+")("agent") + pp.Suppress("):")
_ROLE = pp.Regex(r"(%s)(?![\w-])" % "|".join(ROLE_WORDS))
_STATE = (pp.Optional(pp.Keyword("ORPHANED"))("orphaned")
          + (pp.Keyword("FAILED")("failed") + pp.Optional(_ROLE("role")) | _ROLE("role")))
_NODE_LIST = pp.Suppress("[") + pp.Group(pp.ZeroOrMore(pp.Regex(r"[^\s\]]+")))("nodes") + pp.Suppress("]")
_NODE = ~pp.Literal("(") + _NAME("location")
_PAREN = pp.Regex(r"\([^()]*\)")
_DESCRIPTION = pp.Regex(r"[^\[\s][^\[]*?(?=\s*(\[|$))")
RESOURCE_LINE = (_NAME("name") + pp.Optional(_IP) + _AGENT + _STATE
                 + pp.Optional(_NODE_LIST | _NODE)
                 + pp.Group(pp.ZeroOrMore(_PAREN))("parens")
                 + pp.Optional(_DESCRIPTION("text"))
                 + pp.Optional(_NODE_LIST)
                 + pp.StringEnd())


def split_agent(agent: str) -> tuple[str | None, str | None, str | None]:
    """``ocf::heartbeat:galera`` / ``ocf:heartbeat:galera`` / ``stonith:fence_ipmilan`` -> parts."""
    parts = [p for p in agent.split(":")]
    if len(parts) >= 3:
        return parts[0], next((p for p in parts[1:-1] if p), None), parts[-1]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return None, None, agent


def parse_resource_line(text: str) -> dict | None:
    """A primitive's status line -> dict, or None when `text` is not one."""
    if "(" not in text or "):" not in text:
        return None
    try:
        res = RESOURCE_LINE.parse_string(text, parse_all=True)
    except pp.ParseException:
        return None
    flags = classify_flags(list(res.get("parens", [])))
    if res.get("text"):
        desc = res["text"].strip()
        flags["description"] = f"{flags['description']} {desc}".strip() if flags["description"] else desc
    failed = "failed" in res
    role = res.get("role")
    if failed:
        role = f"FAILED {role}" if role else "FAILED"
    nodes = list(res["nodes"]) if "nodes" in res else []
    location = res.get("location")
    agent = res["agent"]
    klass, provider, rtype = split_agent(agent)
    return {"name": res["name"], "ip": res.get("ip"), "agent": agent, "agent_class": klass,
            "agent_provider": provider, "agent_type": rtype, "role": role,
            "role_normalized": normalize_role(res.get("role"), failed), "failed": failed,
            "orphaned": "orphaned" in res, "location": location if not nodes else None,
            "active_on": nodes if nodes else ([location] if location else []), **flags}


# -- clone summary and node summary lists --------------------------------------------------------

_CLONE_LIST = re.compile(r"^(?P<role>[A-Z][A-Za-z]+)(?: \((?P<flags>[^)]*)\))?: \[(?P<nodes>[^\]]*)\]$")
_NODE_LIST_LINE = re.compile(
    r"^(?P<kind>Remote|Guest)?(?P<state>Online|OFFLINE|Offline|Standby|Maintenance): \[(?P<nodes>[^\]]*)\]$")
_NODE_LINE = re.compile(
    r"^(?P<kind>Node|RemoteNode|GuestNode) (?P<name>[^\s:]+(?::[^\s:]+)?|[^\s]+?)(?: \((?P<id>[^)]+)\))?: "
    r"(?P<status>.*?)(?:, feature set (?P<fs>\S+))?:?$")


def parse_clone_list(text: str) -> dict | None:
    """``Started: [ a b ]`` / ``Masters: [ a ]`` / ``Stopped (disabled): [ c ]`` -> role and nodes."""
    m = _CLONE_LIST.match(text)
    if not m:
        return None
    role = _LIST_ROLES.get(m["role"], m["role"])
    if role not in ROLE_WORDS:
        return None
    flags = classify_flags([f"({m['flags']})"] if m["flags"] else [])
    return {"role": role, "nodes": m["nodes"].split(), **flags}


def _node_state(status: str) -> tuple[str, bool]:
    """A node's status text (``UNCLEAN (offline)``, ``standby``, ...) -> (state, online)."""
    low = status.lower()
    online = not low.startswith("offline") and "(offline)" not in low and "(pending)" not in low
    if low.startswith("unclean"):
        return "unclean", "(online)" in low
    if low.startswith("pending"):
        return "pending", False
    if "standby" in low:
        return "standby", online
    if "maintenance" in low:
        return "maintenance", online
    if low.startswith("offline"):
        return "offline", False
    if low.startswith("online"):
        return "online", True
    return low.split(" ")[0] if low else "unknown", online


def _node_name_parts(token: str, kind: str) -> dict:
    """``galera-bundle-0@controller-0`` (host) / ``galera-bundle-0:galera-bundle-docker-0``."""
    host = container = None
    name = token
    if kind == "guest" and "@" in token:
        name, host = token.split("@", 1)
    elif kind == "guest" and ":" in token:
        name, container = token.split(":", 1)
    return {"cluster_node": name, "host": host or None, "container": container}


_KINDS = {None: "member", "": "member", "Remote": "remote", "Guest": "guest", "Node": "member",
          "RemoteNode": "remote", "GuestNode": "guest"}


def parse_node_list(text: str) -> list[dict] | None:
    """``GuestOnline: [ galera-bundle-0@controller-0 ]`` -> one dict per node, or None."""
    m = _NODE_LIST_LINE.match(text)
    if not m:
        return None
    kind = _KINDS[m["kind"]]
    state, online = _node_state(m["state"])
    rows: list[dict] = []
    for token in m["nodes"].split():
        if re.fullmatch(r"\(\d+\)", token) and rows:
            rows[-1]["node_id"] = token[1:-1]
            continue
        rows.append({**_node_name_parts(token, kind), "state": state, "online": online,
                     "status": m["state"], "kind": kind, "node_id": None, "feature_set": None})
    return rows


def parse_node_line(text: str) -> dict | None:
    """``Node controller-0 (1): online, feature set 3.16.2`` -> dict, or None."""
    m = _NODE_LINE.match(text)
    if not m or not m["status"]:
        return None
    kind = _KINDS[m["kind"]]
    status = m["status"].strip()
    state, online = _node_state(status)
    return {**_node_name_parts(m["name"], kind), "state": state, "online": online, "status": status,
            "kind": kind, "node_id": m["id"], "feature_set": m["fs"]}


# -- failed actions ----------------------------------------------------------------------------

_KNOWN_TASKS = ("migrate_to", "migrate_from", "reload-agent", "meta-data", "validate-all",
                "start", "stop", "monitor", "promote", "demote", "notify", "reload", "cancel")
_OP_KEY = re.compile(r"^(?P<rsc>.+)_(?P<task>%s)_(?P<interval>\d+)$" % "|".join(map(re.escape, _KNOWN_TASKS)))
_OP_KEY_ANY = re.compile(r"^(?P<rsc>.+)_(?P<task>[a-z][a-z-]*)_(?P<interval>\d+)$")


def split_op_key(op_key: str) -> tuple[str, str | None, int | None]:
    """``galera_monitor_10000`` -> (``galera``, ``monitor``, 10000)."""
    m = _OP_KEY.match(op_key) or _OP_KEY_ANY.match(op_key)
    if not m:
        return op_key, None, None
    return m["rsc"], m["task"], int(m["interval"])


_QUOTED_VALUE = pp.Regex(r"'(?P<v>.*?)'(?=\s*,\s*[A-Za-z_-]+=|\s*,?\s*$)").set_parse_action(lambda t: t[0][1:-1])
_PLAIN_VALUE = pp.Regex(r"[^,]*").set_parse_action(lambda t: t[0].strip())
_KEY_VALUE = pp.Group(pp.Regex(r"[A-Za-z_-]+")("key") + pp.Suppress("=") + (_QUOTED_VALUE | _PLAIN_VALUE)("value"))
TECHNICAL_FAILED_ACTION = (pp.Regex(r"\S+")("op_key") + pp.Suppress(pp.Keyword("on")) + pp.Regex(r"\S+")("on_node")
                           + pp.QuotedString("'")("rc_text") + pp.Suppress("(") + pp.Regex(r"-?\d+")("rc")
                           + pp.Suppress("):")
                           + pp.Group(pp.DelimitedList(_KEY_VALUE, ","))("fields") + pp.Optional(pp.Suppress(","))
                           + pp.StringEnd())

_FRIENDLY = re.compile(
    r"^(?P<rsc>\S+) (?:(?P<interval>\S+)-interval )?(?P<action>[a-z][a-z_ -]*?) on (?P<node>\S+) "
    r"(?:returned '(?P<rc_text>[^']*)'(?: \((?P<reason>.*?)\))?"
    r"|could not be executed \((?P<status>[^:)]*)(?::\s*(?P<reason2>.*?))?\))"
    r"(?: at (?P<when>.+?))?(?: after (?P<after>[\d.]+\s*[a-z]+(?:\s*[\d.]+\s*[a-z]+)*))?$")
_DURATION_PART = re.compile(r"([\d.]+)\s*(ms|s|m|min|h|d)\b")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60000, "min": 60000, "h": 3600000, "d": 86400000}
_OCF_RC = {"ok": 0, "error": 1, "unknown error": 1, "invalid parameter": 2, "unimplemented feature": 3,
           "insufficient privileges": 4, "not installed": 5, "not configured": 6, "not running": 7,
           "promoted": 8, "master": 8, "promoted (failed)": 9, "master (failed)": 9,
           "degraded": 190, "degraded promoted": 191}


def duration_ms(text: str | None) -> int | None:
    """``4352ms`` / ``4.352s`` / ``1m 30s`` -> milliseconds."""
    if not text:
        return None
    parts = _DURATION_PART.findall(text)
    if not parts:
        return None
    return int(round(sum(float(n) * _UNIT_MS[u] for n, u in parts)))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def parse_failed_action(text: str) -> dict | None:
    """One failed action (continuation lines already joined) -> dict, or None."""
    try:
        res = TECHNICAL_FAILED_ACTION.parse_string(text, parse_all=True)
    except pp.ParseException:
        return _parse_friendly_failed_action(text)
    fields = {f["key"].lower(): f["value"] for f in res["fields"]}
    rsc, task, interval = split_op_key(res["op_key"])
    stamp, zone_known = parse_timestamp(fields.get("last-rc-change"))
    return {"resource": rsc, "operation": f"{task}_{interval}" if task else res["op_key"], "task": task,
            "interval": interval, "on_node": res["on_node"], "status": fields.get("status"),
            "rc": int(res["rc"]), "rc_text": res["rc_text"], "exitreason": fields.get("exitreason") or None,
            "last_rc_change": stamp, "last_rc_change_raw": fields.get("last-rc-change"),
            "time_zone_known": zone_known, "call_id": _int(fields.get("call")),
            "queued": duration_ms(fields.get("queued")), "exec": duration_ms(fields.get("exec"))}


_FRIENDLY_TASKS = {"probe": ("monitor", 0)}


def _parse_friendly_failed_action(text: str) -> dict | None:
    """Pacemaker 2.1.3+ wording: ``galera 10s-interval monitor on galera-bundle-0 returned 'error' ...``."""
    m = _FRIENDLY.match(text)
    if not m:
        return None
    action = m["action"].strip().replace(" ", "_")
    interval = duration_ms(m["interval"]) if m["interval"] else 0
    task, interval = _FRIENDLY_TASKS.get(action, (action, interval))
    stamp, zone_known = parse_timestamp(m["when"])
    rc_text = m["rc_text"]
    return {"resource": m["rsc"], "operation": f"{task}_{interval}", "task": task, "interval": interval,
            "on_node": m["node"], "status": "complete" if rc_text is not None else m["status"],
            "rc": _OCF_RC.get((rc_text or "").lower()), "rc_text": rc_text,
            "exitreason": m["reason"] or m["reason2"] or None, "last_rc_change": stamp,
            "last_rc_change_raw": m["when"], "time_zone_known": zone_known, "call_id": None,
            "queued": None, "exec": duration_ms(m["after"])}


# -- timestamps --------------------------------------------------------------------------------

_CTIME_FORMATS = ("%a %b %d %H:%M:%S %Y", "%a %d %b %Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


def parse_timestamp(raw: str | None) -> tuple[str | None, bool]:
    """Pacemaker time -> (ISO-8601, zone known).

    ``2020-05-14 04:45:52Z`` is UTC and comes back as ``2020-05-14T04:45:52+00:00``; the ctime
    form (``Thu May 14 04:45:52 2020``) is the node's local time and comes back naive
    (``2020-05-14T04:45:52``) with zone_known False. Unknown shapes come back as written.
    """
    if raw is None:
        return None, False
    text = " ".join(raw.split())
    if not text:
        return None, False
    utc = text.endswith("Z") or text.endswith(" UTC")
    bare = text[:-1] if text.endswith("Z") else (text[:-4] if text.endswith(" UTC") else text)
    for fmt in _CTIME_FORMATS:
        try:
            stamp = datetime.strptime(bare, fmt)
        except ValueError:
            continue
        if utc:
            return stamp.replace(tzinfo=timezone.utc).isoformat(), True
        return stamp.isoformat(), False
    return text, False
