"""VIPs: pcs IPaddr2 resources of three controllers joined with the HAProxy binds."""

from __future__ import annotations

import pandas as pd

from analyzer.derive.vips import address_of, derive_vips, infer_network
from analyzer.parsers.haproxy import parse_haproxy_cfg

HAPROXY_CFG = """\
defaults
  mode  tcp
listen haproxy.stats
  bind 192.168.24.7:1993 transparent
  mode http
  stats enable
  stats auth admin:Vh7kZq3yQ2pXr8Tn
listen keystone_public
  bind 10.0.0.5:13000 transparent ssl crt /etc/pki/tls/private/overcloud_endpoint.pem
  bind 172.16.2.5:5000 transparent
  server controller-0.internalapi.localdomain 172.16.2.10:5000 check fall 5 inter 2000 rise 2
listen mysql
  bind 172.16.2.5:3306 transparent
  server controller-0.internalapi.localdomain 172.16.2.10:3306 backup check inter 1s on-marked-down shutdown-sessions port 9200
listen redis
  bind 172.16.2.6:6379 transparent
  balance first
  server controller-0.internalapi.localdomain 172.16.2.10:6379 check fall 5 inter 2000 rise 2
listen swift_proxy_server
  bind 10.0.0.5:13808 transparent ssl crt /etc/pki/tls/private/overcloud_endpoint.pem
  bind 172.16.1.9:8080 transparent
  server controller-0.storage.localdomain 172.16.1.10:8080 check fall 5 inter 2000 rise 2
listen ovn_nbdb
  bind 172.16.2.8:6641 transparent
  server controller-0.internalapi.localdomain 172.16.2.10:6641 check fall 5 inter 2000 rise 2
"""

# What `pcs status` printed on each controller (controller-2 saw the external VIP failed over).
PCS = [
    # node,          resource,            role,      location
    ("controller-0", "ip-192.168.24.7", "Started", "controller-0"),
    ("controller-0", "ip-10.0.0.5", "Started", "controller-1"),
    ("controller-0", "ip-172.16.2.5", "Started", "controller-2"),
    ("controller-0", "ip-172.16.2.6", "Started", "controller-0"),
    ("controller-0", "ip-172.16.1.9", "Started", "controller-1"),
    ("controller-0", "ip-172.16.3.5", "Stopped", None),
    ("controller-0", "ip-172.16.2.8", "Started", "controller-2"),
    ("controller-1", "ip-10.0.0.5", "Started", "controller-1"),
    ("controller-2", "ip-10.0.0.5", "Started", "controller-2"),
    ("controller-2", "ip-172.16.3.5", "Stopped", None),
]


def pcs_resources() -> pd.DataFrame:
    rows = [{"resource": res, "kind": "primitive", "agent": "ocf::heartbeat:IPaddr2", "role": role,
             "location": loc, "failed": False, "line": 20 + i, "node": node,
             "source": "sos_commands/pacemaker/pcs_status_--full"} for i, (node, res, role, loc) in enumerate(PCS)]
    rows.append({"resource": "haproxy-bundle-podman-0", "kind": "bundle", "agent": "ocf::heartbeat:podman",
                 "role": "Started", "location": "controller-0", "failed": False, "line": 40,
                 "node": "controller-0", "source": "sos_commands/pacemaker/pcs_status_--full"})
    return pd.DataFrame(rows)


def haproxy_proxies() -> pd.DataFrame:
    tables = parse_haproxy_cfg(HAPROXY_CFG, "var/lib/config-data/puppet-generated/haproxy/etc/haproxy/haproxy.cfg")
    return pd.DataFrame(tables["haproxy_proxies"])


def vips_by_address() -> dict[str, dict]:
    df = derive_vips(pcs_resources(), haproxy_proxies(), None)
    return {row["address"]: row for row in df.to_dict("records")}


def test_one_row_per_vip_with_its_network():
    vips = vips_by_address()
    assert {a: v["network"] for a, v in vips.items()} == {
        "192.168.24.7": "ctlplane", "10.0.0.5": "external", "172.16.2.5": "internal_api",
        "172.16.2.6": "redis", "172.16.1.9": "storage", "172.16.3.5": "storage_mgmt",
        "172.16.2.8": "ovn_dbs"}
    assert vips["10.0.0.5"]["network_reason"] == "public TLS bind keystone_public:13000"
    assert vips["172.16.3.5"]["network_reason"].startswith("address in the TripleO default storage_mgmt")


def test_location_listens_and_observers():
    vips = vips_by_address()
    internal = vips["172.16.2.5"]
    assert internal["resource"] == "ip-172.16.2.5" and internal["location"] == "controller-2"
    assert internal["listens"] == ["keystone_public", "mysql"]
    assert internal["started"] and internal["observed_by"] == ["controller-0"]
    external = vips["10.0.0.5"]
    assert external["observed_by"] == ["controller-0", "controller-1", "controller-2"]
    assert external["locations_reported"] == ["controller-1", "controller-2"]
    assert external["location"] == "controller-1" and external["node"] == "controller-0"
    stopped = vips["172.16.3.5"]
    assert not stopped["started"] and stopped["location"] is None and stopped["listens"] == []


def test_without_haproxy_the_subnets_decide():
    df = derive_vips(pcs_resources(), None, None)
    networks = dict(zip(df["address"], df["network"]))
    assert networks["172.16.2.6"] == "internal_api"  # no redis listen to tell it apart
    assert networks["192.168.24.7"] == "ctlplane"


def test_tls_everywhere_certificate_names_the_network():
    binds = [{"proxy": "nova_osapi", "port": 8774, "ssl": True,
              "crt": "/etc/pki/tls/certs/haproxy/overcloud-haproxy-internal_api.pem"}]
    assert infer_network("172.17.1.10", binds)[0] == "internal_api"
    assert infer_network("198.51.100.7", [])[0] == "unknown"


def test_resource_names_to_addresses():
    assert address_of("ip-172.16.2.5") == "172.16.2.5"
    assert address_of("ip-fd00.fd00.fd00.2000..10") == "fd00:fd00:fd00:2000::10"
    assert address_of("ip-not-an-address") is None and address_of("galera-bundle-0") is None


def test_pcs_config_addresses_override_names():
    config = pd.DataFrame([{"resource": "ip-public", "ip": "10.0.0.5"}])
    pcs = pd.DataFrame([{"resource": "ip-public", "kind": "primitive", "agent": "ocf::heartbeat:IPaddr2",
                         "role": "Started", "location": "controller-0", "failed": False, "line": 3,
                         "node": "controller-0", "source": "pcs_status"}])
    [row] = derive_vips(pcs, haproxy_proxies(), config).to_dict("records")
    assert (row["address"], row["resource"], row["network"]) == ("10.0.0.5", "ip-public", "external")


def test_empty_input_gives_empty_table_with_columns():
    df = derive_vips(pd.DataFrame(columns=["resource", "agent", "role", "location", "node", "source", "line"]), None)
    assert df.empty and {"address", "network", "location", "listens", "observed_by"} <= set(df.columns)
