"""pcs config / pcs resource show (bundle definitions, cluster properties) and quorum status."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.errors import ParseError
from analyzer.parsers import load_all
from analyzer.parsers.pacemaker_config import parse_pcs_config, parse_pcs_resource_show
from analyzer.parsers.pacemaker_quorum import parse_quorum_status
from analyzer.redact import MARKER_PREFIX

# sos_commands/pacemaker/pcs_config of an OSP 13 controller (pcs 0.9.168, Pacemaker 1.1.21), shortened.
OSP13_PCS_CONFIG = """\
Cluster Name: tripleo_cluster
Corosync Nodes:
 controller-0 controller-1 controller-2
Pacemaker Nodes:
 controller-0 controller-1 controller-2

Resources:
 Bundle: galera-bundle
  Docker: image=192.168.24.1:8787/rhosp13/openstack-mariadb:pcmklatest masters=3 network=host options="--user=root --log-driver=journald -e KOLLA_CONFIG_STRATEGY=COPY_ALWAYS" replicas=3 run-command="/bin/bash /usr/local/bin/kolla_start"
  Network: control-port=3123
  Storage Mapping:
   options=ro source-dir=/var/lib/kolla/config_files/mysql.json target-dir=/var/lib/kolla/config_files/config.json (mysql-cfg-files)
   options=ro source-dir=/var/lib/config-data/puppet-generated/mysql/ target-dir=/var/lib/kolla/config_files/src (mysql-cfg-data)
   options=ro source-dir=/etc/hosts target-dir=/etc/hosts (mysql-hosts)
   options=rw source-dir=/var/lib/mysql target-dir=/var/lib/mysql (mysql-lib)
   options=rw source-dir=/var/log/containers/mysql target-dir=/var/log/mysql (mysql-log-mariadb)
  Resource: galera (class=ocf provider=heartbeat type=galera)
   Attributes: additional_parameters=--open-files-limit=16384 cluster_host_map=controller-0:controller-0.internalapi.localdomain;controller-1:controller-1.internalapi.localdomain;controller-2:controller-2.internalapi.localdomain enable_creation=true wsrep_cluster_address=gcomm://controller-0.internalapi.localdomain,controller-1.internalapi.localdomain,controller-2.internalapi.localdomain
   Meta Attrs: container-attribute-target=host master-max=3 ordered=true
   Operations: demote interval=0s timeout=120 (galera-demote-interval-0s)
               monitor interval=20 timeout=30 (galera-monitor-interval-20)
               monitor interval=10 role=Master timeout=30 (galera-monitor-interval-10)
               promote interval=0s on-fail=block timeout=300s (galera-promote-interval-0s)
               start interval=0s timeout=120 (galera-start-interval-0s)
               stop interval=0s timeout=120 (galera-stop-interval-0s)
 Bundle: haproxy-bundle
  Docker: image=192.168.24.1:8787/rhosp13/openstack-haproxy:pcmklatest network=host options="--user=root --log-driver=journald -e KOLLA_CONFIG_STRATEGY=COPY_ALWAYS" replicas=3 run-command="/bin/bash /usr/local/bin/kolla_start"
  Storage Mapping:
   options=ro source-dir=/var/lib/kolla/config_files/haproxy.json target-dir=/var/lib/kolla/config_files/config.json (haproxy-cfg-files)
   options=ro source-dir=/var/lib/config-data/puppet-generated/haproxy/ target-dir=/var/lib/kolla/config_files/src (haproxy-cfg-data)
   options=rw source-dir=/dev/log target-dir=/dev/log (haproxy-dev-log)
 Resource: ip-172.17.1.12 (class=ocf provider=heartbeat type=IPaddr2)
  Attributes: cidr_netmask=32 ip=172.17.1.12
  Operations: monitor interval=10s timeout=20s (ip-172.17.1.12-monitor-interval-10s)

Stonith Devices:
 Resource: stonith-fence_ipmilan-525400aa1b2c (class=stonith type=fence_ipmilan)
  Attributes: ipaddr=172.16.0.1 ipport=6230 lanplus=true login=admin passwd=Sup3rS3cret! pcmk_host_list=controller-0
  Operations: monitor interval=60s (stonith-fence_ipmilan-525400aa1b2c-monitor-interval-60s)
Fencing Levels:

Location Constraints:
  Resource: galera-bundle
    Constraint (resource-discovery=exclusive): location-galera-bundle
      Rule: score=0
        Expression: galera-role eq true
Ordering Constraints:
Colocation Constraints:
Ticket Constraints:

Alerts:
 No alerts defined

Resources Defaults:
 resource-stickiness: INFINITY
Operations Defaults:
 timeout: 120s

Cluster Properties:
 cluster-infrastructure: corosync
 cluster-name: tripleo_cluster
 dc-version: 1.1.21-4.el7-f14e36fd43
 have-watchdog: false
 maintenance-mode: false
 redis_REPL_INFO: controller-0
 stonith-enabled: false

Quorum:
  Options:
"""

# `pcs resource config galera-bundle` on an OSP 17.1 controller (pcs 0.11.5).
OSP17_RESOURCE_CONFIG = """\
Bundle: galera-bundle
  Podman: image=cluster.common.tag/openstack-mariadb:pcmklatest replicas=3 promoted-max=3 run-command="/bin/bash /usr/local/bin/kolla_start" network=host options="--user=root --log-driver=k8s-file --log-opt path=/var/log/containers/stdouts/galera-bundle.log -e KOLLA_CONFIG_STRATEGY=COPY_ALWAYS"
  Network: control-port=3123
  Storage Mapping:
    source-dir=/var/lib/kolla/config_files/mysql.json target-dir=/var/lib/kolla/config_files/config.json options=ro (mysql-cfg-files)
    source-dir=/var/lib/config-data/puppet-generated/mysql target-dir=/var/lib/kolla/config_files/src options=ro (mysql-cfg-data)
    source-dir=/var/lib/mysql target-dir=/var/lib/mysql options=rw,z (mysql-lib)
  Meta Attributes: galera-bundle-meta_attributes
    container-attribute-target=host
    target-role=Started
  Resource: galera (class=ocf provider=heartbeat type=galera)
    Attributes: galera-instance_attributes
      additional_parameters=--open-files-limit=16384
      enable_creation=true
    Operations:
      monitor: galera-monitor-interval-10s
        interval=10s timeout=30s role=Promoted
"""

# sos_commands/pacemaker/pcs_quorum_status of an OSP 16 controller (pcs 0.10, corosync 3).
PCS_QUORUM_STATUS = """\
Quorum information
------------------
Date:             Tue Mar  2 10:20:44 2021
Quorum provider:  corosync_votequorum
Nodes:            2
Node ID:          1
Ring ID:          1.5c
Quorate:          No

Votequorum information
----------------------
Expected votes:   3
Highest expected: 3
Total votes:      1
Quorum:           2 Activity blocked
Flags:            WaitForAll

Membership information
----------------------
    Nodeid      Votes    Qdevice Name
         1          1         NR controller-0 (local)
         2          0         NR controller-1
"""


def test_registry_kinds():
    registry = load_all()
    assert registry["pcs_config"].fn is parse_pcs_config
    assert registry["pcs_resource_show"].fn is parse_pcs_resource_show
    assert registry["pcs_quorum_status"].fn is parse_quorum_status


def test_osp13_bundles_from_pcs_config():
    tables = parse_pcs_config(OSP13_PCS_CONFIG, "sos_commands/pacemaker/pcs_config")
    galera, haproxy = tables["pcs_bundles"]
    assert (galera["bundle"], galera["container_type"], galera["replicas"], galera["promoted_max"]) == (
        "galera-bundle", "docker", 3, 3)
    assert galera["image"] == "192.168.24.1:8787/rhosp13/openstack-mariadb:pcmklatest"
    assert galera["network"] == "host" and galera["control_port"] == 3123
    assert galera["run_command"] == "/bin/bash /usr/local/bin/kolla_start"
    assert galera["options"] == "--user=root --log-driver=journald -e KOLLA_CONFIG_STRATEGY=COPY_ALWAYS"
    assert len(galera["storage_maps"]) == 5
    assert galera["storage_maps"][3] == {"source": "/var/lib/mysql", "target": "/var/lib/mysql",
                                         "options": "rw", "id": "mysql-lib"}
    assert (galera["primitive"], galera["agent"]) == ("galera", "ocf:heartbeat:galera")
    assert galera["line"] == 8
    assert haproxy["promoted_max"] is None and haproxy["primitive"] is None
    assert [m["id"] for m in haproxy["storage_maps"]] == ["haproxy-cfg-files", "haproxy-cfg-data", "haproxy-dev-log"]


def test_cluster_properties_and_no_fence_password():
    tables = parse_pcs_config(OSP13_PCS_CONFIG, "pcs_config")
    props = {p["property"]: p["value"] for p in tables["pcs_properties"]}
    assert props["stonith-enabled"] == "false" and props["maintenance-mode"] == "false"
    assert props["redis_REPL_INFO"] == "controller-0"
    assert len(props) == 7
    assert "Sup3rS3cret!" not in repr(tables)


def test_osp17_resource_config_new_layout():
    tables = parse_pcs_resource_show(OSP17_RESOURCE_CONFIG, "sos_commands/pacemaker/pcs_resource_config")
    (galera,) = tables["pcs_bundles"]
    assert (galera["container_type"], galera["replicas"], galera["promoted_max"]) == ("podman", 3, 3)
    assert galera["storage_maps"][2] == {"source": "/var/lib/mysql", "target": "/var/lib/mysql",
                                         "options": "rw,z", "id": "mysql-lib"}
    assert galera["meta"] == {"container-attribute-target": "host", "target-role": "Started"}
    assert galera["options"].startswith("--user=root --log-driver=k8s-file")
    assert tables["pcs_resources"] == []


def test_secret_in_container_options_is_redacted():
    text = OSP17_RESOURCE_CONFIG.replace("-e KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
                                         "-e KOLLA_CONFIG_STRATEGY=COPY_ALWAYS -e DB_PASSWORD=hunter2pw")
    (galera,) = parse_pcs_resource_show(text, "pcs_resource_config")["pcs_bundles"]
    assert "hunter2pw" not in galera["options"] and MARKER_PREFIX in galera["options"]


def test_old_pcs_resource_show_status_form():
    text = (" ip-172.17.1.12\t(ocf::heartbeat:IPaddr2):\tStarted controller-0\n"
            " Docker container set: haproxy-bundle [192.168.24.1:8787/rhosp13/openstack-haproxy:pcmklatest]\n"
            "   haproxy-bundle-docker-0\t(ocf::heartbeat:docker):\tStarted controller-0\n")
    tables = parse_pcs_resource_show(text, "pcs_resource_show")
    assert [(r["resource"], r["location"]) for r in tables["pcs_resources"]] == [
        ("ip-172.17.1.12", "controller-0"), ("haproxy-bundle-docker-0", "controller-0")]


def test_unbalanced_quote_and_truncated_bundle_raise():
    with pytest.raises(ParseError) as info:
        parse_pcs_resource_show(OSP17_RESOURCE_CONFIG.replace('kolla_start"', "kolla_start"), "x")
    assert info.value.line == 2
    with pytest.raises(ParseError) as info:
        parse_pcs_config("Resources:\n Bundle: galera-bundle\n", "x")
    assert info.value.line == 2
    with pytest.raises(ParseError):
        parse_pcs_config("random text\n", "x")


def test_pcs_property_list_and_config_layouts():
    old = ("Cluster Properties:\n batch-limit: 0\n maintenance-mode: true\n stonith-enabled: false\n"
           "Node Attributes:\n controller-0: galera-role=true\n")
    new = ("Cluster Properties: cib-bootstrap-options\n  batch-limit=0 (default)\n"
           "  maintenance-mode=true\n  stonith-enabled=false\n")
    for text in (old, new):
        props = {p["property"]: (p["value"], p["default"]) for p in parse_pcs_config(text, "pcs_property")["pcs_properties"]}
        assert props["maintenance-mode"] == ("true", False) and props["stonith-enabled"] == ("false", False)
        assert len(props) == 3
    assert parse_pcs_config(new, "x")["pcs_properties"][0] == {"property": "batch-limit", "value": "0",
                                                               "default": True, "line": 2}


def test_catalogue_maps_pacemaker_files_to_these_parsers():
    from analyzer.ingest.catalogue import default_catalogue

    catalogue, registry = default_catalogue(), load_all()
    for path, fn in [("sos_commands/pacemaker/pcs_config", parse_pcs_config),
                     ("sos_commands/pacemaker/pcs_property_list_--all", parse_pcs_config),
                     ("sos_commands/pacemaker/pcs_property_config_--all", parse_pcs_config),
                     ("sos_commands/pacemaker/pcs_resource_config", parse_pcs_resource_show),
                     ("sos_commands/pacemaker/pcs_quorum_status", parse_quorum_status),
                     ("sos_commands/corosync/corosync-quorumtool_-s", parse_quorum_status)]:
        assert registry[catalogue.match(path).kind].fn is fn, path


def test_quorum_status_without_quorum():
    (row,) = parse_quorum_status(PCS_QUORUM_STATUS, "sos_commands/pacemaker/pcs_quorum_status")["pcs_quorum"]
    assert row["quorate"] is False
    assert (row["expected_votes"], row["total_votes"], row["quorum"], row["nodes_count"]) == (3, 1, 2, 2)
    assert row["nodes"] == ["controller-0", "controller-1"] and row["local_node"] == "controller-0"
    assert row["members"][1] == {"nodeid": 2, "votes": 0, "qdevice": "NR", "name": "controller-1", "local": False}
    assert row["flags"] == ["WaitForAll"]


def test_quorum_service_down():
    (row,) = parse_quorum_status("Cannot initialize QUORUM service\n", "corosync-quorumtool_-s")["pcs_quorum"]
    assert row["quorate"] is None and row["error"] == "Cannot initialize QUORUM service"
    with pytest.raises(ParseError):
        parse_quorum_status("Membership information\n----------------------\n  garbage here\n", "x")


_CONFIG_LINES = OSP13_PCS_CONFIG.splitlines() + OSP17_RESOURCE_CONFIG.splitlines() + PCS_QUORUM_STATUS.splitlines()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_CONFIG_LINES), st.text(max_size=60)), max_size=40))
def test_garbled_config_and_quorum_only_raise_parse_error(lines):
    text = "\n".join(lines)
    for fn in (parse_pcs_config, parse_pcs_resource_show, parse_quorum_status):
        try:
            fn(text, "garbled")
        except ParseError:
            pass
