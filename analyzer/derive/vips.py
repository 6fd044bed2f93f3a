"""Virtual IPs: pacemaker IPaddr2 resources joined with the HAProxy binds that use them.

TripleO names a VIP resource after its address (``ip-172.16.2.5``; IPv6 with ``.`` for ``:``).
The network of each VIP is inferred in this order, and ``network_reason`` says which rule won:

1. the ``redis`` listen binds it -> ``redis``; an OVN DB listen (``ovn_dbs``, ``ovn_nbdb``...) -> ``ovn_dbs``
2. a TLS-everywhere bind certificate names the network (``overcloud-haproxy-<network>.pem``)
3. a public TLS port (13000-13999) or the public endpoint certificate -> ``external``
4. the ``haproxy.stats`` listen binds it -> ``ctlplane``
5. ``mysql``/``rabbitmq``/``amqp`` listens bind it -> ``internal_api``; only storage services -> ``storage``
6. the address lies in a TripleO default subnet (both the tripleo-heat-templates defaults
   and the 172.17.x.0/24 ones of the RHOSP 13 documentation)
7. else ``unknown``
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

import pandas as pd

COLUMNS = ["address", "resource", "network", "network_reason", "location", "started", "failed",
           "listens", "observed_by", "locations_reported", "node", "source", "line"]

DEFAULT_SUBNETS = [
    ("192.168.24.0/24", "ctlplane"),
    ("10.0.0.0/24", "external"),
    ("172.16.2.0/24", "internal_api"),
    ("172.16.1.0/24", "storage"),
    ("172.16.3.0/24", "storage_mgmt"),
    ("172.17.1.0/24", "internal_api"),
    ("172.17.3.0/24", "storage"),
    ("172.17.4.0/24", "storage_mgmt"),
    ("2001:db8:fd00:1000::/64", "external"),
    ("fd00:fd00:fd00:2000::/64", "internal_api"),
    ("fd00:fd00:fd00:3000::/64", "storage"),
    ("fd00:fd00:fd00:4000::/64", "storage_mgmt"),
]
INTERNAL_API_LISTENS = {"mysql", "galera", "rabbitmq", "amqp"}
STORAGE_LISTENS = {"swift_proxy_server", "swift-proxy", "ceph_rgw", "ceph-rgw", "swift"}
OVN_DB_LISTEN = re.compile(r"^ovn[_-]?(dbs?|nbdb|sbdb|northd)", re.IGNORECASE)
CERT_NETWORK = re.compile(r"overcloud-haproxy-(?P<network>[a-z_]+)\.pem$")
STARTED_ROLES = {"started", "master", "promoted", "slave", "unpromoted"}


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value):
    """None for missing values, Python scalars for numpy ones."""
    if _missing(value):
        return None
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def address_of(resource: str) -> str | None:
    """``ip-172.16.2.5`` -> ``172.16.2.5``; ``ip-fd00.fd00.fd00.2000..10`` -> ``fd00:fd00:fd00:2000::10``."""
    if not isinstance(resource, str) or not resource.startswith("ip-"):
        return None
    body = resource[3:]
    for candidate in (body, body.replace(".", ":")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def _binds_by_address(proxies: pd.DataFrame | None) -> dict[str, list[dict]]:
    """address -> [{proxy, port, ssl, crt}] over every haproxy_proxies row (all nodes)."""
    out: dict[str, list[dict]] = {}
    if proxies is None or proxies.empty or "proxy" not in proxies:
        return out
    for _, row in proxies.iterrows():
        details = row.get("bind_details")
        if not isinstance(details, list):
            addresses = row.get("bind_addresses") if isinstance(row.get("bind_addresses"), list) else []
            ports = row.get("bind_ports") if isinstance(row.get("bind_ports"), list) else []
            details = [{"address": a, "port": p, "ssl": bool(row.get("ssl")), "crt": None}
                       for a, p in zip(addresses, ports + [None] * (len(addresses) - len(ports)))]
        for bind in details:
            address = _normal_address(bind.get("address"))
            if address:
                out.setdefault(address, []).append({"proxy": row["proxy"], "port": bind.get("port"),
                                                    "ssl": bool(bind.get("ssl")), "crt": bind.get("crt")})
    return out


def _normal_address(address) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except (TypeError, ValueError):
        return None


def infer_network(address: str, binds: list[dict]) -> tuple[str, str]:
    """(network, reason) for one VIP from the HAProxy binds on it and its address."""
    names = sorted({b["proxy"] for b in binds})
    if any(n == "redis" for n in names):
        return "redis", "bound by listen redis"
    ovn = [n for n in names if OVN_DB_LISTEN.match(n)]
    if ovn:
        return "ovn_dbs", f"bound by listen {ovn[0]}"
    for bind in binds:
        m = CERT_NETWORK.search(bind.get("crt") or "")
        if m:
            return m.group("network"), f"certificate {bind['crt']} of listen {bind['proxy']}"
    public = [b for b in binds if (isinstance(b.get("port"), int) and 13000 <= b["port"] <= 13999)
              or "overcloud_endpoint" in (b.get("crt") or "")]
    if public:
        return "external", f"public TLS bind {public[0]['proxy']}:{public[0]['port']}"
    if "haproxy.stats" in names:
        return "ctlplane", "bound by listen haproxy.stats"
    internal = [n for n in names if n in INTERNAL_API_LISTENS]
    if internal:
        return "internal_api", f"bound by listen {internal[0]}"
    if names and all(n in STORAGE_LISTENS for n in names):
        return "storage", f"bound only by storage listens ({', '.join(names)})"
    ip = ipaddress.ip_address(address)
    for subnet, network in DEFAULT_SUBNETS:
        net = ipaddress.ip_network(subnet)
        if ip.version == net.version and ip in net:
            return network, f"address in the TripleO default {network} subnet {subnet}"
    return "unknown", "no listen or default subnet tells the network"


def _config_addresses(pcs_config: pd.DataFrame | None) -> dict[str, str]:
    """resource -> ip from a pcs config table that has per-resource ``ip`` values, when given."""
    if pcs_config is None or pcs_config.empty or not {"resource", "ip"} <= set(pcs_config.columns):
        return {}
    out = {}
    for resource, ip in zip(pcs_config["resource"], pcs_config["ip"]):
        address = _normal_address(ip)
        if isinstance(resource, str) and address:
            out[resource] = address
    return out


def _is_ipaddr(agent) -> bool:
    return isinstance(agent, str) and re.search(r"(^|:)IPaddr2?$", agent) is not None


def _started(row) -> bool:
    role = row.get("role_normalized") if not _missing(row.get("role_normalized")) else row.get("role")
    return isinstance(role, str) and role.lower() in STARTED_ROLES


def derive_vips(pcs_resources: pd.DataFrame, haproxy_proxies: pd.DataFrame | None,
                pcs_config: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per VIP address seen in any node's pcs status (see the module doc for `network`)."""
    if pcs_resources is None or pcs_resources.empty or "resource" not in pcs_resources:
        return pd.DataFrame(columns=COLUMNS)
    configured = _config_addresses(pcs_config)
    binds = _binds_by_address(haproxy_proxies)
    groups: dict[str, list] = {}
    for _, row in pcs_resources.iterrows():
        agent = row.get("agent") if not _missing(row.get("agent")) else row.get("agent_type")
        if not _is_ipaddr(agent) or (not _missing(row.get("bundle")) and row.get("bundle")):
            continue
        address = configured.get(row["resource"]) or address_of(row["resource"])
        if address:
            groups.setdefault(address, []).append(row)
    out = []
    for address, rows in groups.items():
        started_rows = [r for r in rows if _started(r)]
        locations = Counter(r.get("location") for r in started_rows if isinstance(r.get("location"), str))
        location = locations.most_common(1)[0][0] if locations else None
        chosen = next((r for r in started_rows if r.get("location") == location), rows[0])
        on_address = binds.get(address, [])
        network, reason = infer_network(address, on_address)
        out.append({
            "address": address,
            "resource": chosen["resource"],
            "network": network,
            "network_reason": reason,
            "location": location,
            "started": bool(started_rows),
            "failed": any(bool(r.get("failed")) and not _missing(r.get("failed")) for r in rows),
            "listens": sorted({b["proxy"] for b in on_address}),
            "observed_by": sorted({r.get("node") for r in rows if isinstance(r.get("node"), str)}),
            "locations_reported": sorted(locations),
            "node": _plain(chosen.get("node")),
            "source": _plain(chosen.get("source")),
            "line": _plain(chosen.get("line")),
        })
    return _frame(out)


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame whose object columns keep None (pandas would turn it into NaN)."""
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in COLUMNS}, columns=COLUMNS)
