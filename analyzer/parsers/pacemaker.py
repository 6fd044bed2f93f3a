"""`pcs status [--full]`, `crm_mon -1 ...` and `crm_simulate` text -> Pacemaker fact tables.

Handles the Pacemaker 1.1 layout (RHEL 7 / OSP 13: ``Online: [ ... ]``, ``Docker container set:``,
``Master/Slave Set:``, two-line ``Failed Actions:``), the 2.0 layout (``Container bundle set:``,
``GuestOnline: [ galera-bundle-0@controller-0 ]``) and the 2.0.3+/2.1 ``* `` list layout
(``Cluster Summary:``, ``Node List:``, Promoted/Unpromoted, ``Failed Resource Actions:`` in the
technical and in the 2.1.3+ plain-language form), the ``--full`` detail (``Replica[N]`` blocks,
``Node controller-0 (1): online, feature set ...``) and ``crm_mon -n`` (resources grouped under
their node). For a ``crm_simulate`` summary only the ``Current cluster status:`` part is read:
the transition and the revised status that follow are a simulation, not the cluster's state.

Tables: pcs_cluster (one row), pcs_nodes, pcs_resources (one row per resource instance; a
bundle replica is one row whatever the detail level), pcs_failed_actions. Under ``crm_mon -n``
each implicit member of a bundle (container, remote connection, inner resource) is listed under
the node it runs on: those rows keep that shape and carry ``grouped_by_node`` True.
"""

from __future__ import annotations

import re

from analyzer.errors import ParseError
from analyzer.parsers.base import Tables, parser, partial_error
from analyzer.parsers.pacemaker_lines import (
    normalize_role, parse_clone_list, parse_failed_action, parse_node_line, parse_node_list,
    parse_resource_line, parse_timestamp)

STATUS_TABLES = ("pcs_cluster", "pcs_nodes", "pcs_resources", "pcs_failed_actions")

_SECTION_TITLES = {
    "cluster summary:": "summary", "current cluster status:": "summary", "node list:": "nodes",
    "full list of resources:": "resources", "active resources:": "resources",
    "inactive resources:": "resources", "failed actions:": "failed", "failed resource actions:": "failed",
    "pcsd status:": "pcsd", "daemon status:": "daemons", "warnings:": "warnings", "warning:": "warnings",
    "node attributes:": "skip", "migration summary:": "skip", "operations:": "skip", "tickets:": "skip",
    "fencing history:": "skip", "failed fencing actions:": "skip", "pending fencing actions:": "skip",
    "negative location constraints:": "skip",
}
_SIMULATION_TITLES = ("transition summary:", "executing cluster transition:", "revised cluster status:")

_CLONE = re.compile(r"^(?P<type>Clone Set|Master/Slave Set|Multi-state Resource|Promotable Clone Set): "
                    r"(?P<name>\S+) \[(?P<child>[^\]]+)\](?P<rest>.*?):?$")
_BUNDLE = re.compile(r"^(?:(?P<runtime>\w+) container|Container bundle)(?: set)?: (?P<name>\S+) "
                     r"\[(?P<image>[^\]]*)\](?P<rest>.*?):?$")
_GROUP = re.compile(r"^Resource Group: (?P<name>[^\s:]+(?::\d+)?)(?P<rest>.*?):?$")
_REPLICA = re.compile(r"^Replica\[(?P<n>\d+)\]:?$")
_NO_RESOURCES = re.compile(r"^No (?:inactive |active )?resources$", re.IGNORECASE)
_DC = re.compile(r"^(?P<dc>\S+)(?: \((?!version)(?P<id>[^)]*)\))?(?: \(version ?(?P<version>[^)]*)\))?"
                 r"(?: - (?P<partition>.*))?$")
_CONFIGURED = re.compile(r"^(?P<n>\d+) (?P<what>nodes?|resources?|resource instances?)"
                         r"(?: and (?P<n2>\d+) resources?(?: instances?)?)? configured(?P<rest>.*)$", re.IGNORECASE)
_PAIR = re.compile(r"(?P<name>[^\s:]+):\s+(?P<value>\S.*?)(?=\s{2,}[^\s:]+:\s|\s*$)")
_ERROR_LINE = re.compile(r"(^Error: |crm_mon: Error|Connection to (the )?cluster failed|"
                         r"cluster is not (currently running|available))", re.IGNORECASE)
_RUNTIMES = ("docker", "podman", "rkt")


def _strip_bullet(text: str) -> str:
    text = text.strip()
    return text[2:].strip() if text.startswith("* ") else text


def _indent(raw: str) -> int:
    expanded = raw.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def _paren_flags(rest: str) -> set[str]:
    words: set[str] = set()
    for group in re.findall(r"\(([^)]*)\)", rest or ""):
        words.update(w.strip().lower() for w in group.split(","))
    return words


def simulation_window(lines: list[str]) -> tuple[int, int]:
    """(start, end) indexes of the lines to read: all of them, or a crm_simulate current status."""
    start, end = 0, len(lines)
    for i, raw in enumerate(lines):
        if _strip_bullet(raw).lower() == "current cluster status:":
            start = i
            break
    else:
        return start, end
    for i in range(start + 1, len(lines)):
        if _strip_bullet(lines[i]).lower() in _SIMULATION_TITLES:
            return start, i
    return start, end


class _StatusReader:
    """One pass over the lines; `section` says what the current block is about."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.cluster: dict = {}
        self.cluster_line: int | None = None
        self.nodes: dict[str, dict] = {}
        self.resources: list[dict] = []
        self.failed: list[dict] = []
        self.stack: list[dict] = []
        self.section = "summary"
        self.pending_action: tuple[int, str] | None = None
        self.errors: list[str] = []

    # -- driver ------------------------------------------------------------------------------
    def read(self) -> Tables:
        start, end = simulation_window(self.lines)
        for index in range(start, end):
            raw = self.lines[index].rstrip()
            lineno = index + 1
            try:
                self._line(raw, lineno)
            except ParseError as err:
                raise partial_error(err.message, err.line, self._tables()) from None
        try:
            self._flush_action()
        except ParseError as err:
            raise partial_error(err.message, err.line, self._tables()) from None
        self._close_frames(-1)
        tables = self._tables()
        if not any(tables.values()):
            raise ParseError("no Pacemaker status found (not pcs status / crm_mon output)",
                             line=start + 1 if self.lines else None)
        return tables

    def _line(self, raw: str, lineno: int) -> None:
        text = _strip_bullet(raw)
        if not text:
            self._flush_action()
            self._close_frames_of("node")
            if self.section in ("warnings", "pcsd", "daemons"):
                self.section = "after"
            return
        title = _SECTION_TITLES.get(text.lower())
        if title:
            self._flush_action()
            self._close_frames(-1)
            self.section = title
            return
        if text.lower().startswith("cluster name:"):
            self._set("cluster_name", text.split(":", 1)[1].strip() or None, lineno)
            return
        handler = {"summary": self._summary_or_nodes, "nodes": self._summary_or_nodes,
                   "after": self._summary_or_nodes, "resources": self._resource,
                   "failed": self._failed_action, "pcsd": self._pcsd, "daemons": self._daemon,
                   "warnings": self._warning}.get(self.section)
        if handler:
            handler(raw, text, lineno)

    # -- cluster summary ---------------------------------------------------------------------
    def _set(self, key: str, value, lineno: int) -> None:
        self.cluster[key] = value
        if self.cluster_line is None:
            self.cluster_line = lineno

    def _summary_fact(self, text: str, lineno: int) -> bool:
        if text.startswith("Stack: "):
            self._set("stack", text[7:].split(" (")[0].strip(), lineno)
        elif text.startswith("Current DC: "):
            self._dc(text[12:].strip(), lineno)
        elif text.startswith("Version: "):
            self._set("dc_version", text[9:].strip(), lineno)
        elif text.startswith("Last updated:") or text.startswith("Last change:"):
            self._times(text, lineno)
        elif "Resource management is DISABLED" in text:
            self._set("maintenance", True, lineno)
        elif text.startswith("The cluster will not attempt"):
            pass
        elif _CONFIGURED.match(text):
            self._configured(_CONFIGURED.match(text), lineno)
        elif _ERROR_LINE.search(text):
            self._set("running", False, lineno)
            self.errors.append(text)
        else:
            return False
        return True

    def _dc(self, value: str, lineno: int) -> None:
        m = _DC.match(value)
        if value.upper().startswith("NONE") or not m:
            self._set("dc", None, lineno)
            self.cluster.setdefault("quorum", None)
            return
        partition = m["partition"] or ""
        low = partition.lower()
        quorum = False if "without quorum" in low else (True if "with quorum" in low else None)
        self._set("dc", m["dc"], lineno)
        self.cluster["dc_id"] = m["id"]
        if m["version"]:
            self.cluster["dc_version"] = m["version"].strip()
        self.cluster["quorum"] = quorum
        self.cluster["partition_with_quorum"] = quorum
        self.cluster["mixed_version"] = "MIXED-VERSION" in partition

    def _times(self, text: str, lineno: int) -> None:
        for label, value in re.findall(r"(Last updated|Last change):\s*(.*?)(?=\s+Last change:|$)", text):
            if label == "Last change":
                value, _, by = value.partition(" by ")
                self.cluster["last_change_by"] = by.strip() or None
                stamp, zone = parse_timestamp(value)
                self._set("last_change", stamp, lineno)
            else:
                value = re.sub(r" on \S+$", "", value.strip())
                stamp, zone = parse_timestamp(value)
                self._set("last_updated", stamp, lineno)
            self.cluster["time_zone_known"] = zone

    def _configured(self, m: re.Match, lineno: int) -> None:
        what = m["what"].lower()
        if what.startswith("node"):
            self._set("nodes_configured", int(m["n"]), lineno)
            if m["n2"]:
                self._set("resources_configured", int(m["n2"]), lineno)
        else:
            self._set("resources_configured", int(m["n"]), lineno)
        disabled = re.search(r"\((\d+) DISABLED\)", m["rest"] or "")
        blocked = re.search(r"\((\d+) BLOCKED", m["rest"] or "")
        if disabled or "resources_disabled" not in self.cluster:
            self.cluster["resources_disabled"] = int(disabled[1]) if disabled else 0
        if blocked or "resources_blocked" not in self.cluster:
            self.cluster["resources_blocked"] = int(blocked[1]) if blocked else 0

    # -- nodes ---------------------------------------------------------------------------------
    def _add_node(self, row: dict, lineno: int) -> None:
        known = self.nodes.get(row["cluster_node"])
        if known is None:
            self.nodes[row["cluster_node"]] = {**row, "line": lineno}
            return
        for key, value in row.items():
            if value is not None and known.get(key) is None:
                known[key] = value

    def _summary_or_nodes(self, raw: str, text: str, lineno: int) -> None:
        indent = _indent(raw)
        listed = parse_node_list(text)
        if listed is not None:
            self._close_frames(indent)
            for row in listed:
                self._add_node(row, lineno)
            self.section = "nodes"
            return
        node = parse_node_line(text)
        if node is not None:
            self._close_frames(indent)
            self._add_node(node, lineno)
            self.stack.append({"type": "node", "indent": indent, "name": node["cluster_node"]})
            self.section = "nodes"
            return
        if text.lower() == "resources:":
            return
        if self._summary_fact(text, lineno):
            return
        if self._looks_like_resource(text):
            if not any(f["type"] == "node" for f in self.stack):
                self.section = "resources"
            self._resource(raw, text, lineno)

    @staticmethod
    def _looks_like_resource(text: str) -> bool:
        return bool(_CLONE.match(text) or _BUNDLE.match(text) or _GROUP.match(text)
                    or parse_resource_line(text))

    # -- resources -------------------------------------------------------------------------------
    def _close_frames(self, indent: int) -> None:
        while self.stack and self.stack[-1]["indent"] >= indent:
            frame = self.stack.pop()
            if frame["type"] == "replica":
                self._finish_replica(frame)

    def _close_frames_of(self, kind: str) -> None:
        while any(f["type"] == kind for f in self.stack):
            frame = self.stack.pop()
            if frame["type"] == "replica":
                self._finish_replica(frame)

    def _frame(self, kind: str) -> dict | None:
        return next((f for f in reversed(self.stack) if f["type"] == kind), None)

    def _resource(self, raw: str, text: str, lineno: int) -> None:
        indent = _indent(raw)
        self._close_frames(indent)
        if _NO_RESOURCES.match(text) or text.lower() == "resources:":
            return
        m = _CLONE.match(text)
        if m:
            flags = _paren_flags(m["rest"])
            self.stack.append({"type": "clone", "indent": indent, "name": m["name"], "child": m["child"],
                               "promotable": m["type"] != "Clone Set" or "promotable" in flags,
                               "unique": "unique" in flags, "flags": flags})
            return
        m = _BUNDLE.match(text)
        if m:
            runtime = (m["runtime"] or "").lower()
            self.stack.append({"type": "bundle", "indent": indent, "name": m["name"], "image": m["image"],
                               "runtime": runtime if runtime in _RUNTIMES else None,
                               "flags": _paren_flags(m["rest"])})
            return
        m = _GROUP.match(text)
        if m:
            self.stack.append({"type": "group", "indent": indent, "name": m["name"].split(":")[0],
                               "flags": _paren_flags(m["rest"])})
            return
        m = _REPLICA.match(text)
        if m and self._frame("bundle"):
            row = self._new_row(lineno)
            self.resources.append(row)
            self.stack.append({"type": "replica", "indent": indent, "n": int(m["n"]), "row": row,
                               "bundle": self._frame("bundle"), "members": []})
            return
        listed = parse_clone_list(text)
        if listed is not None and self._frame("clone"):
            self._clone_list(listed, lineno)
            return
        parsed = parse_resource_line(text)
        if parsed is None:
            raise ParseError(f"unrecognised resource line: {text[:120]!r}", line=lineno)
        replica = self._frame("replica")
        if replica is not None:
            replica["members"].append(parsed)
            return
        self.resources.append(self._primitive_row(parsed, lineno))

    def _new_row(self, lineno: int) -> dict:
        bundle, clone, group = self._frame("bundle"), self._frame("clone"), self._frame("group")
        inherited = set()
        for frame in (bundle, clone, group):
            if frame:
                inherited |= frame["flags"]
        return {"resource": None, "kind": "bundle" if bundle else ("clone" if clone else ("group" if group else "primitive")),
                "bundle": bundle["name"] if bundle else None, "replica": None, "container": None,
                "image": bundle["image"] if bundle else None, "agent": None, "agent_class": None,
                "agent_provider": None, "agent_type": None, "role": None, "role_normalized": None,
                "location": None, "active_on": [], "stopped_on": None, "failed": False,
                "managed": not (inherited & {"unmanaged", "maintenance", "blocked"}),
                "disabled": "disabled" in inherited, "blocked": "blocked" in inherited,
                "maintenance": "maintenance" in inherited, "unclean": False, "orphaned": False,
                "target_role": None, "pending": None, "probe_result": None, "description": None, "ip": None,
                "group": group["name"] if group else None, "clone": clone["name"] if clone else None,
                "promotable": clone["promotable"] if clone else None,
                "grouped_by_node": self._frame("node") is not None, "line": lineno}

    def _apply(self, row: dict, parsed: dict) -> None:
        for key in ("agent", "agent_class", "agent_provider", "agent_type", "role", "role_normalized",
                    "location", "active_on", "target_role", "pending", "probe_result", "description"):
            row[key] = parsed[key]
        for key in ("failed", "disabled", "blocked", "maintenance", "unclean", "orphaned"):
            row[key] = row[key] or parsed[key]
        if parsed["unmanaged"] or parsed["blocked"] or parsed["maintenance"]:
            row["managed"] = False
        if parsed["ip"]:
            row["ip"] = parsed["ip"]

    def _primitive_row(self, parsed: dict, lineno: int) -> dict:
        row = self._new_row(lineno)
        row["resource"] = parsed["name"]
        self._apply(row, parsed)
        if parsed["agent_class"] == "stonith":
            row["kind"] = "stonith"
        node = self._frame("node")
        if node and not row["location"] and row["role_normalized"] not in ("stopped", None):
            row["location"], row["active_on"] = node["name"], [node["name"]]
        bundle = self._frame("bundle")
        if bundle:
            self._bundle_identity(row, bundle, parsed["name"], parsed["agent_type"])
        elif node:
            m = re.fullmatch(r"(?P<bundle>.+)-(?P<rt>docker|podman|rkt)-(?P<n>\d+)", parsed["name"])
            if m and parsed["agent_type"] in _RUNTIMES:
                row.update(kind="bundle", bundle=m["bundle"], replica=int(m["n"]), container=parsed["name"])
        return row

    @staticmethod
    def _bundle_identity(row: dict, bundle: dict, name: str, agent_type: str | None) -> None:
        m = re.fullmatch(re.escape(bundle["name"]) + r"-(?:(?P<rt>docker|podman|rkt)-)?(?P<n>\d+)", name)
        if m:
            row["replica"] = int(m["n"])
            if m["rt"]:
                row["container"] = name
                bundle["runtime"] = bundle["runtime"] or m["rt"]
            elif bundle["runtime"]:
                row["container"] = f"{bundle['name']}-{bundle['runtime']}-{m['n']}"
        if agent_type in _RUNTIMES:
            row["container"] = name
            bundle["runtime"] = bundle["runtime"] or agent_type

    def _finish_replica(self, frame: dict) -> None:
        """Fold the members of a ``Replica[N]`` block (ip, container, remote, child) into one row."""
        row, bundle = frame["row"], frame["bundle"]
        row["replica"] = frame["n"]
        members = frame["members"]
        container = next((p for p in members if p["agent_type"] in _RUNTIMES), None)
        remote = next((p for p in members if p["agent_type"] == "remote" and p["agent_provider"] == "pacemaker"), None)
        ip = next((p for p in members if p["agent_type"] in ("IPaddr2", "IPaddr")
                   and p["name"].startswith(f"{row['bundle']}-ip-")), None)
        child = next((p for p in members if all(p is not x for x in (container, remote, ip))), None)
        main = child or container or remote
        if main is None:
            row["resource"] = f"{row['bundle']}-{frame['n']}"
            return
        self._apply(row, main)
        for extra in (container, remote, ip):
            if extra is not None and extra is not main:
                row["failed"] = row["failed"] or extra["failed"]
                row["unclean"] = row["unclean"] or extra["unclean"]
                if extra["unmanaged"]:
                    row["managed"] = False
        if container is not None:
            row["container"] = container["name"]
            row["location"], row["active_on"] = container["location"], container["active_on"]
            bundle["runtime"] = bundle["runtime"] or container["agent_type"]
        row["resource"] = (remote or container or main)["name"]
        if ip is not None:
            row["ip"] = ip["name"][len(f"{row['bundle']}-ip-"):]
        if row["failed"]:
            row["role_normalized"] = "failed"

    def _clone_list(self, listed: dict, lineno: int) -> None:
        clone = self._frame("clone")
        for node in listed["nodes"]:
            row = self._new_row(lineno)
            stopped = listed["role"] == "Stopped"
            row.update(resource=clone["child"], role=listed["role"], role_normalized=normalize_role(listed["role"]),
                       location=None if stopped else node, active_on=[] if stopped else [node],
                       stopped_on=node if stopped else None)
            row["disabled"] = row["disabled"] or listed["disabled"]
            if listed["unmanaged"] or listed["blocked"] or listed["maintenance"]:
                row["managed"] = False
            self.resources.append(row)

    # -- failed actions, pcsd, daemons, warnings ---------------------------------------------
    def _failed_action(self, raw: str, text: str, lineno: int) -> None:
        if raw.lstrip().startswith("* ") or (not raw[:1].isspace() and self.pending_action is None):
            self._flush_action()
            self.pending_action = (lineno, text)
        elif self.pending_action is not None:
            self.pending_action = (self.pending_action[0], f"{self.pending_action[1]} {text}")
        else:
            raise ParseError(f"unrecognised failed action line: {text[:120]!r}", line=lineno)

    def _flush_action(self) -> None:
        if self.pending_action is None:
            return
        lineno, text = self.pending_action
        self.pending_action = None
        parsed = parse_failed_action(text)
        if parsed is None:
            raise ParseError(f"unrecognised failed action: {text[:120]!r}", line=lineno)
        self.failed.append({**parsed, "line": lineno})

    def _pcsd(self, raw: str, text: str, lineno: int) -> None:
        for m in _PAIR.finditer(text):
            self.cluster.setdefault("pcsd", {})[m["name"]] = m["value"].strip()

    def _daemon(self, raw: str, text: str, lineno: int) -> None:
        m = re.match(r"^(?P<name>[\w.-]+): (?P<state>\S.*)$", text)
        if m:
            self.cluster.setdefault("daemons", {})[m["name"]] = m["state"].strip()

    def _warning(self, raw: str, text: str, lineno: int) -> None:
        self.cluster.setdefault("warnings", []).append(text)
        low = text.lower()
        if "stonith-enabled is not false" in low:
            self.cluster["stonith_enabled"] = True
        elif re.search(r"stonith-enabled(=| is |: )false", low):
            self.cluster["stonith_enabled"] = False

    # -- output ----------------------------------------------------------------------------------
    def _runtime(self) -> str | None:
        for row in self.resources:
            if row["container"]:
                m = re.search(r"-(docker|podman|rkt)-\d+$", row["container"])
                if m:
                    return m[1]
        return None

    def _tables(self) -> Tables:
        runtime = self._runtime()
        for row in self.resources:
            if row["kind"] == "bundle" and row["container"] is None and row["replica"] is not None and runtime:
                row["container"] = f"{row['bundle']}-{runtime}-{row['replica']}"
        return {"pcs_cluster": [self._cluster_row(runtime)] if self.cluster else [],
                "pcs_nodes": list(self.nodes.values()),
                "pcs_resources": [r for r in self.resources if r["resource"]],
                "pcs_failed_actions": list(self.failed)}

    def _cluster_row(self, runtime: str | None) -> dict:
        c = self.cluster
        return {"cluster_name": c.get("cluster_name"), "dc": c.get("dc"), "dc_id": c.get("dc_id"),
                "dc_version": c.get("dc_version"), "quorum": c.get("quorum"),
                "partition_with_quorum": c.get("partition_with_quorum"),
                "mixed_version": c.get("mixed_version", False), "maintenance": c.get("maintenance", False),
                "stonith_enabled": c.get("stonith_enabled"), "nodes_configured": c.get("nodes_configured"),
                "resources_configured": c.get("resources_configured"),
                "resources_disabled": c.get("resources_disabled"), "resources_blocked": c.get("resources_blocked"),
                "last_updated": c.get("last_updated"), "last_change": c.get("last_change"),
                "last_change_by": c.get("last_change_by"), "time_zone_known": c.get("time_zone_known", False),
                "daemons": c.get("daemons", {}), "pcsd": c.get("pcsd", {}), "warnings": c.get("warnings", []),
                "stack": c.get("stack"), "container_runtime": runtime, "running": c.get("running", True),
                "error": "; ".join(self.errors) or None, "line": self.cluster_line}


@parser("pcs_status", "crm_mon", tables=STATUS_TABLES)
def parse_pcs_status(text: str, path: str) -> Tables:
    """Parse `pcs status [--full]`, `crm_mon -1 [-A -n -r -t]` or a pasted status. Sample:

        Cluster name: tripleo_cluster
        Stack: corosync
        Current DC: controller-0 (version 1.1.21-4.el7-f14e36fd43) - partition with quorum
        Online: [ controller-0 controller-1 controller-2 ]
        GuestOnline: [ galera-bundle-0@controller-0 galera-bundle-1@controller-1 ]

        Full list of resources:

         Docker container set: galera-bundle [192.168.24.1:8787/rhosp13/openstack-mariadb:pcmklatest]
           galera-bundle-0	(ocf::heartbeat:galera):	Master controller-0
         ip-172.17.1.10	(ocf::heartbeat:IPaddr2):	Started controller-0

        Failed Actions:
        * galera_promote_0 on galera-bundle-1 'unknown error' (1): call=42, status=complete, exitreason='...',
            last-rc-change='Thu May 14 04:45:52 2020', queued=0ms, exec=4352ms
    """
    return _StatusReader(text).read()


def looks_like_status(text: str) -> bool:
    """True when `text` holds resource status lines (used by the `pcs resource show` parser)."""
    return any(parse_resource_line(_strip_bullet(line)) for line in text.splitlines()[:200])

