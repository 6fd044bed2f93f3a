"""The HA picture: Pacemaker bundles x nodes, the VIP map, HAProxy listens and their servers.

Read from the fact tables `pcs_nodes`, `pcs_resources`, `pcs_failed_actions`, `vips`,
`haproxy_proxies` and `haproxy_servers`. Every controller saves its own `pcs status`; the
picture is the one seen by the node whose sosreport was collected last (named in
`observed_on`), the freshest view of the cluster.
"""

from __future__ import annotations

import re

import pandas as pd

from analyzer.bundle import Bundle
from analyzer.report.frames import column, plain, records, text, truthy

RUNNING_ROLES = ("Promoted", "Unpromoted", "Started")
_ROLE_NAMES = {"master": "Promoted", "promoted": "Promoted", "slave": "Unpromoted",
               "unpromoted": "Unpromoted", "started": "Started", "stopped": "Stopped",
               "failed": "FAILED"}
# when one replica shows several rows (container + inner resource), the worst state wins
_ROLE_WEIGHT = {"FAILED": 5, "Stopped": 4, "Promoted": 3, "Unpromoted": 2, "Started": 1}
_ADDRESS_IN_NAME = re.compile(r"^ip-(?P<address>[0-9a-fA-F.:]+)$")


def normalize_role(role, failed=False) -> str:
    """Pacemaker 1.1/2.0 and 2.1 wording in one vocabulary (Master -> Promoted ...)."""
    if truthy(failed):
        return "FAILED"
    word = (text(role) or "Stopped").split()[0]
    return _ROLE_NAMES.get(word.lower(), word)


def _observer(df: pd.DataFrame, bundle: Bundle) -> str | None:
    """The node whose view of the cluster to show: latest collection among those with rows."""
    seen = [n for n in column(df, "node").dropna().unique().tolist()]
    if not seen:
        return None

    def freshness(name):
        info = bundle.nodes.get(name)
        stamp = info.collected_at.timestamp() if info and info.collected_at else float("-inf")
        return (stamp, name)
    return max(seen, key=freshness)


def _view(df: pd.DataFrame, observer: str | None) -> pd.DataFrame:
    """The rows of `observer`, from one output only (`pcs status --full` and `crm_mon` say the same)."""
    if df.empty or observer is None or "node" not in df.columns:
        return df
    rows = df[df["node"] == observer]
    if "source" not in rows.columns or rows["source"].nunique(dropna=True) < 2:
        return rows
    sizes = rows["source"].value_counts()
    best = max(sizes.index, key=lambda src: (sizes[src], "pcs_status" in str(src), str(src)))
    return rows[rows["source"] == best]


def _resource_rows(resources: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows with `resource` (or the parser's `name`) and `unmanaged` (or `managed` false)."""
    rows = records(resources, columns + ["resource", "name", "managed", "unmanaged"])
    for row in rows:
        row["resource"] = row["resource"] if row["resource"] is not None else row["name"]
        row["unmanaged"] = truthy(row["unmanaged"]) or (row["managed"] is not None and not truthy(row["managed"]))
    return rows


def _replica_index(row: dict) -> int | None:
    replica = plain(row.get("replica"))
    if replica is not None:
        try:
            return int(replica)
        except (TypeError, ValueError):
            pass
    match = re.search(r"-(\d+)$", text(row.get("resource")) or "")
    return int(match.group(1)) if match else None


def _is_guest(location: str, bundle_name: str) -> bool:
    return bool(re.fullmatch(re.escape(bundle_name) + r"-\d+", location))


def bundles_grid(resources: pd.DataFrame, cluster_nodes: list[str]) -> tuple[list[dict], list[str]]:
    """One row per bundle: the role of its replica on each cluster node, plus unplaced replicas."""
    rows = _resource_rows(resources, ["kind", "bundle", "replica", "agent", "role", "location",
                                      "failed", "image"])
    per_bundle: dict[str, dict[int, dict]] = {}
    images: dict[str, str] = {}
    for row in rows:
        name = text(row["bundle"])
        if not name:
            continue
        if row.get("image"):
            images.setdefault(name, text(row["image"]))
        index = _replica_index(row)
        replica = per_bundle.setdefault(name, {}).setdefault(
            index if index is not None else -1 - len(per_bundle[name]),
            {"replica": index, "role": None, "location": None, "unmanaged": False})
        role = normalize_role(row["role"], row["failed"])
        if replica["role"] is None or _ROLE_WEIGHT.get(role, 0) > _ROLE_WEIGHT.get(replica["role"], 0):
            replica["role"] = role
        location = text(row["location"])
        if location and not _is_guest(location, name):
            replica["location"] = location
        if row["unmanaged"]:
            replica["unmanaged"] = True
    nodes = list(cluster_nodes)
    for replicas in per_bundle.values():
        for rep in replicas.values():
            if rep["location"] and rep["location"] not in nodes:
                nodes.append(rep["location"])
    grid = []
    for name in sorted(per_bundle):
        replicas = sorted(per_bundle[name].values(), key=lambda r: (r["replica"] is None, r["replica"] or 0))
        cells = []
        for node in nodes:
            here = [r for r in replicas if r["location"] == node]
            cells.append({"node": node, "replicas": [
                {"replica": r["replica"], "role": r["role"], "unmanaged": r["unmanaged"]} for r in here]})
        unplaced = [{"replica": r["replica"], "role": r["role"], "unmanaged": r["unmanaged"]}
                    for r in replicas if not r["location"]]
        running = sum(1 for r in replicas if r["role"] in RUNNING_ROLES)
        grid.append({"bundle": name, "image": images.get(name), "replicas": len(replicas),
                     "running": running, "cells": cells, "unplaced": unplaced,
                     "promoted_on": [r["location"] for r in replicas if r["role"] == "Promoted" and r["location"]]})
    return grid, nodes


def _other_resources(resources: pd.DataFrame) -> list[dict]:
    rows = _resource_rows(resources, ["kind", "bundle", "agent", "role", "location", "failed"])
    out = []
    for row in rows:
        if text(row["bundle"]) or "IPaddr2" in (text(row["agent"]) or ""):
            continue
        out.append({"resource": text(row["resource"]), "kind": text(row["kind"]),
                    "agent": text(row["agent"]), "role": normalize_role(row["role"], row["failed"]),
                    "location": text(row["location"]),
                    "unmanaged": row["unmanaged"]})
    return out


def _binds_of(value) -> list[str]:
    value = plain(value)
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in re.split(r"[\s,]+", str(value)) if part]


def _bind_address(bind: str) -> str:
    bind = bind.strip()
    if bind.startswith("["):
        return bind[1:bind.find("]")] if "]" in bind else bind
    return bind.rsplit(":", 1)[0] if bind.count(":") == 1 else bind


def haproxy_listens(proxies: pd.DataFrame, servers: pd.DataFrame) -> list[dict]:
    """Each listen/backend with its binds and servers; a server line missing on some nodes is flagged."""
    proxy_rows = records(proxies, ["node", "proxy", "name", "kind", "mode", "binds"])
    server_rows = records(servers, ["node", "proxy", "server", "address", "port", "check",
                                    "backup", "disabled", "status"])
    by_name: dict[str, dict] = {}
    for row in proxy_rows:
        name = text(row["proxy"]) or text(row["name"])
        if not name or (text(row["kind"]) or "") in ("global", "defaults"):
            continue
        item = by_name.setdefault(name, {"name": name, "kind": text(row["kind"]), "mode": text(row["mode"]),
                                         "binds": [], "nodes": [], "servers": []})
        for bind in _binds_of(row["binds"]):
            if bind not in item["binds"]:
                item["binds"].append(bind)
        if row["node"] and row["node"] not in item["nodes"]:
            item["nodes"].append(row["node"])
    lines: dict[tuple, dict] = {}
    for row in server_rows:
        proxy = text(row["proxy"])
        if not proxy:
            continue
        item = by_name.setdefault(proxy, {"name": proxy, "kind": None, "mode": None, "binds": [],
                                          "nodes": [], "servers": []})
        if row["node"] and row["node"] not in item["nodes"]:
            item["nodes"].append(row["node"])
        port = plain(row["port"])
        key = (proxy, text(row["server"]), text(row["address"]), None if port is None else str(port))
        line = lines.setdefault(key, {"server": key[1], "address": key[2], "port": key[3],
                                      "check": truthy(row["check"]), "backup": truthy(row["backup"]),
                                      "disabled": truthy(row["disabled"]), "status": {}, "nodes": []})
        if row["node"] and row["node"] not in line["nodes"]:
            line["nodes"].append(row["node"])
        if text(row["status"]) and row["node"]:
            line["status"][row["node"]] = text(row["status"])
    for (proxy, *_), line in lines.items():
        line["status"] = [{"node": n, "status": s} for n, s in sorted(line["status"].items())]
        by_name[proxy]["servers"].append(line)
    out = []
    for name in sorted(by_name):
        item = by_name[name]
        item["nodes"].sort()
        for line in item["servers"]:
            line["nodes"].sort()
            line["missing_on"] = [n for n in item["nodes"] if n not in line["nodes"]]
        item["servers"].sort(key=lambda s: (s["server"] or "", s["address"] or ""))
        out.append(item)
    return out


def vip_map(vips: pd.DataFrame, resources: pd.DataFrame, listens: list[dict]) -> list[dict]:
    """Address, network, holder and the listens bound to it; from `vips`, else IPaddr2 resources."""
    rows = records(vips, ["address", "resource", "network", "location", "role", "listens"])
    if not rows:
        for row in _resource_rows(resources, ["agent", "role", "location", "failed"]):
            match = _ADDRESS_IN_NAME.match(text(row["resource"]) or "")
            if match and "IPaddr2" in (text(row["agent"]) or "IPaddr2"):
                rows.append({"address": match.group("address"), "resource": text(row["resource"]),
                             "network": None, "location": text(row["location"]),
                             "role": normalize_role(row["role"], row["failed"]), "listens": None})
    seen, out = set(), []
    for row in rows:
        address = text(row["address"])
        if not address or address in seen:
            continue
        seen.add(address)
        using = _binds_of(row.get("listens")) or [
            item["name"] for item in listens if any(_bind_address(b) == address for b in item["binds"])]
        out.append({"address": address, "resource": text(row["resource"]), "network": text(row["network"]),
                    "location": text(row["location"]), "role": text(row.get("role")), "listens": using})
    return sorted(out, key=lambda v: (v["network"] or "~", v["address"]))


def _cluster_nodes(pcs_nodes: pd.DataFrame) -> list[dict]:
    """Each cluster node once (members, then remote and guest nodes)."""
    seen, out = set(), []
    for row in records(pcs_nodes, ["cluster_node", "state", "kind"]):
        name = text(row["cluster_node"])
        if name and name not in seen:
            seen.add(name)
            out.append({"name": name, "state": text(row["state"]), "kind": text(row["kind"])})
    return sorted(out, key=lambda n: (n["kind"] not in (None, "member"), n["name"]))


def build_ha(bundle: Bundle) -> dict:
    """The `ha` section of the report."""
    resources_all = bundle.table("pcs_resources")
    observer = _observer(resources_all, bundle)
    resources = _view(resources_all, observer)
    pcs_nodes = _view(bundle.table("pcs_nodes"), observer)
    members = []
    for row in records(pcs_nodes, ["cluster_node", "state", "kind"]):
        if text(row["kind"]) in (None, "member") and text(row["cluster_node"]) not in members:
            members.append(text(row["cluster_node"]))
    if not members:
        members = sorted(n for n, info in bundle.nodes.items() if "controller" in info.roles)
    grid, columns = bundles_grid(resources, members)
    proxies, servers = bundle.table("haproxy_proxies"), bundle.table("haproxy_servers")
    listens = haproxy_listens(proxies, servers)
    failed = records(_view(bundle.table("pcs_failed_actions"), observer),
                     ["resource", "operation", "on_node", "status", "rc_text", "exitreason", "last_rc_change"])
    return {
        "collected": bool(not resources_all.empty),
        "observed_on": observer,
        "cluster_nodes": _cluster_nodes(pcs_nodes),
        "nodes": columns,
        "bundles": grid,
        "resources": _other_resources(resources),
        "failed_actions": [{k: text(v) for k, v in row.items() if k != "rc_text"}
                           | {"status": text(row["rc_text"]) or text(row["status"])} for row in failed],
        "vips_collected": bool(not bundle.table("vips").empty or not resources.empty),
        "vips": vip_map(bundle.table("vips"), resources, listens),
        "haproxy_collected": bool(not proxies.empty or not servers.empty),
        "haproxy": listens,
    }
