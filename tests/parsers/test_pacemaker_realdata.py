"""Conformance of the Pacemaker parsers over ../shared/realdata/pacemaker (skipped when absent).

The crm_simulate summaries are parsed up to ``Transition Summary:``: only the
``Current cluster status:`` part describes the cluster (see analyzer.parsers.pacemaker)."""

from __future__ import annotations

from collections import Counter

import pytest

from analyzer.parsers.pacemaker import parse_pcs_status
from analyzer.parsers.pacemaker_quorum import parse_quorum_status
from tests.conftest import read_realdata

D = "pacemaker/"


def _status(name: str):
    return parse_pcs_status(read_realdata(D + name), name)


def _roles(rows):
    return Counter(r["role"] for r in rows)


@pytest.mark.parametrize("name", ["hotsos-crm_mon_-1_-A_-n_-r_-t-pcmk2.0.3.txt", "hotsos-crm_status-pcmk2.0.3.txt"])
def test_hotsos_pacemaker_2_0_3(name):
    tables = _status(name)
    (cluster,) = tables["pcs_cluster"]
    assert (cluster["dc"], cluster["dc_version"], cluster["quorum"]) == ("juju-04f1e3-0-lxd-5", "2.0.3-4b1f869f0f", True)
    assert (cluster["nodes_configured"], cluster["resources_configured"]) == (4, 1)
    assert cluster["last_change"] == "2022-02-04T10:11:31"
    states = {n["cluster_node"]: n["state"] for n in tables["pcs_nodes"]}
    assert states == {"juju-04f1e3-0-lxd-5": "online", "juju-04f1e3-1-lxd-6": "online",
                      "juju-04f1e3-2-lxd-6": "online", "node1": "offline"}
    (vip,) = tables["pcs_resources"]
    assert (vip["resource"], vip["agent"], vip["role"], vip["location"]) == (
        "res_vault-ext_f2687f5_vip", "ocf::heartbeat:IPaddr2", "Started", "juju-04f1e3-0-lxd-5")
    assert tables["pcs_failed_actions"] == []


def test_crm_status_group_membership():
    (vip,) = _status("hotsos-crm_status-pcmk2.0.3.txt")["pcs_resources"]
    assert (vip["kind"], vip["group"]) == ("group", "grp_vault-ext_vips")


def test_insights_osp_pacemaker_1_1_12_all_143_resources():
    tables = _status("insights-pcs_status-osp-pcmk1.1.12-143res.txt")
    (cluster,) = tables["pcs_cluster"]
    assert (cluster["cluster_name"], cluster["dc"], cluster["dc_version"]) == ("openstack", "myhost15", "1.1.12-a14efad")
    assert (cluster["nodes_configured"], cluster["resources_configured"]) == (3, 143)
    assert cluster["pcsd"] == {"myhost15": "Online", "myhost16": "Online", "myhost17": "Online"}
    assert cluster["daemons"]["pacemaker"] == "active/enabled"
    res = tables["pcs_resources"]
    assert len(res) == 143
    assert Counter(r["kind"] for r in res) == {"clone": 102, "primitive": 37, "stonith": 3, "group": 1}
    assert _roles(res) == {"Started": 140, "Master": 3}
    assert sorted(r["location"] for r in res if r["clone"] == "galera-master") == ["myhost15", "myhost16", "myhost17"]
    scale = [(r["resource"], r["location"]) for r in res if r["clone"] == "neutron-scale-clone"]
    assert scale == [("neutron-scale:0", "myhost17"), ("neutron-scale:1", "myhost16"), ("neutron-scale:2", "myhost15")]
    assert [r["resource"] for r in res if r["group"] == "heat"] == ["openstack-heat-engine"]
    assert len(tables["pcs_nodes"]) == 3 and tables["pcs_failed_actions"] == []


def test_insights_pacemaker_1_1_23_failed_resource_actions():
    tables = _status("insights-pcs_status-pcmk1.1.23-failed-resource-actions.txt")
    (cluster,) = tables["pcs_cluster"]
    assert (cluster["cluster_name"], cluster["dc"], cluster["dc_id"]) == ("test0304", "test-host1", "1")
    assert cluster["pcsd"] == {"test-host2": "Online", "test-host1": "Online"}
    assert cluster["daemons"] == {"corosync": "active/disabled", "pacemaker": "active/disabled", "pcsd": "active/enabled"}
    nodes = {n["cluster_node"]: n["node_id"] for n in tables["pcs_nodes"]}
    assert nodes == {"test-host1": "1", "test-host2": "2"}
    (fence,) = tables["pcs_resources"]
    assert (fence["kind"], fence["agent"], fence["role"]) == ("stonith", "stonith:fence_aws", "Stopped")
    failed = tables["pcs_failed_actions"]
    assert [(f["resource"], f["operation"], f["on_node"], f["status"], f["exec"]) for f in failed] == [
        ("clusterfence", "start_0", "test-host1", "Timed Out", 240006),
        ("clusterfence", "start_0", "test-host2", "Timed Out", 240005)]
    assert [f["call_id"] for f in failed] == [78, 24]
    assert {f["rc_text"] for f in failed} == {"unknown error"} and {f["exitreason"] for f in failed} == {None}


def test_insights_tripleo_pacemaker_1_1_13_master_slave():
    tables = _status("insights-pcs_status-tripleo-pcmk1.1.13-clones.txt")
    (cluster,) = tables["pcs_cluster"]
    assert (cluster["dc"], cluster["dc_version"]) == ("overcloud-controller-0", "1.1.13-10.el7_2.2-44eb2dd")
    assert (cluster["nodes_configured"], cluster["resources_configured"]) == (3, 112)
    assert (cluster["last_updated"], cluster["last_change"]) == ("2017-05-02T03:08:03", "2017-05-02T01:54:35")
    res = tables["pcs_resources"]
    redis = {r["location"]: r["role"] for r in res if r["clone"] == "redis-master"}
    assert redis == {"overcloud-controller-0": "Master", "overcloud-controller-1": "Slave",
                     "overcloud-controller-2": "Slave"}
    assert [r["role"] for r in res if r["clone"] == "galera-master"] == ["Master"] * 3
    assert len([r for r in res if r["agent_type"] == "IPaddr2"]) == 6
    assert len(res) == 30  # the sample is trimmed: 6 VIPs and 8 clone sets of 3


def test_pacemaker_crm_mon_full_detail_bundle_and_promotable():
    tables = _status("pcmk-crm_mon-complete-detail-bundle-promoted.txt")
    (cluster,) = tables["pcs_cluster"]
    assert (cluster["dc"], cluster["resources_configured"], cluster["resources_disabled"]) == ("cluster02", 32, 4)
    assert cluster["last_updated"] is None
    nodes = {n["cluster_node"]: (n["kind"], n["state"], n["host"]) for n in tables["pcs_nodes"]}
    assert nodes == {"cluster01": ("member", "online", None), "cluster02": ("member", "online", None),
                     "httpd-bundle-0": ("guest", "online", "cluster01"), "httpd-bundle-1": ("guest", "online", "cluster02"),
                     "httpd-bundle-2": ("guest", "offline", None)}
    res = tables["pcs_resources"]
    httpd = [(r["resource"], r["container"], r["ip"], r["role"], r["location"]) for r in res if r["bundle"] == "httpd-bundle"]
    assert httpd == [("httpd-bundle-0", "httpd-bundle-docker-0", "192.168.122.131", "Started", "cluster01"),
                     ("httpd-bundle-1", "httpd-bundle-docker-1", "192.168.122.132", "Started", "cluster02"),
                     ("httpd-bundle-2", "httpd-bundle-docker-2", "192.168.122.133", "Stopped", None)]
    promotable = [r for r in res if r["clone"] == "promotable-clone"]
    assert [r["role_normalized"] for r in promotable] == ["promoted", "unpromoted", "stopped", "stopped", "stopped"]
    assert {r["description"] for r in promotable} == {"test_description"}
    assert [r["location"] for r in res if r["group"] == "mysql-group"] == ["cluster02", "cluster01"]
    assert [r["resource"] for r in res if r["kind"] == "stonith"] == ["Fencing"]
    assert len(res) == 16


SIMULATIONS = {
    "crm_simulate-bundle-order-fencing-osp12-master-slave.txt": ("Master", "Slave", "container"),
    "crm_simulate-bundle-order-fencing-osp12-listformat-master.txt": ("Master", "Slave", "host"),
    "crm_simulate-bundle-order-fencing-osp12-promoted.txt": ("Promoted", "Unpromoted", None),
}


@pytest.mark.parametrize("name", sorted(SIMULATIONS))
def test_crm_simulate_current_status_of_osp12_controllers(name):
    promoted, unpromoted, guest_detail = SIMULATIONS[name]
    tables = _status(name)
    assert tables["pcs_cluster"] == [] and tables["pcs_failed_actions"] == []
    nodes = tables["pcs_nodes"]
    assert {n["cluster_node"]: n["state"] for n in nodes if n["kind"] == "member"} == {
        "controller-0": "unclean", "controller-1": "online", "controller-2": "online"}
    guests = [n for n in nodes if n["kind"] == "guest"]
    assert len(guests) == 6
    if guest_detail == "host":
        assert {g["cluster_node"]: g["host"] for g in guests}["redis-bundle-2"] == "controller-2"
    elif guest_detail == "container":
        assert {g["cluster_node"]: g["container"] for g in guests}["galera-bundle-1"] == "galera-bundle-docker-1"
    res = tables["pcs_resources"]
    assert len(res) == 22
    failed = [(r["resource"], r["location"], r["unclean"]) for r in res if r["failed"]]
    assert failed == [("rabbitmq-bundle-0", "controller-0", True), ("galera-bundle-0", "controller-0", True),
                      ("redis-bundle-0", "controller-0", True)]
    assert [r["role"] for r in res if r["bundle"] == "redis-bundle"] == [f"FAILED {promoted}", unpromoted, unpromoted]
    assert [r["role"] for r in res if r["bundle"] == "galera-bundle"] == [f"FAILED {promoted}", promoted, promoted]
    assert [r["container"] for r in res if r["bundle"] == "galera-bundle"] == [
        "galera-bundle-docker-0", "galera-bundle-docker-1", "galera-bundle-docker-2"]
    assert Counter(r["kind"] for r in res) == {"bundle": 12, "primitive": 7, "stonith": 3}
    vips_on_c0 = sorted(r["resource"] for r in res if r["agent_type"] == "IPaddr2" and r["location"] == "controller-0")
    assert vips_on_c0 == ["ip-10.0.0.109", "ip-172.17.4.11", "ip-192.168.24.7"]
    # the revised status after the simulated transition moves these VIPs: it must not be read
    assert max(r["line"] for r in res) < read_realdata(D + name).splitlines().index("Transition Summary:") + 1


def test_corosync_quorumtool():
    (row,) = parse_quorum_status(read_realdata(D + "hotsos-corosync-quorumtool_-s.txt"), "corosync-quorumtool_-s")["pcs_quorum"]
    assert row["quorate"] is True
    assert (row["expected_votes"], row["total_votes"], row["quorum"], row["nodes_count"]) == (3, 3, 2, 3)
    assert row["nodes"] == ["juju-04f1e3-0-lxd-5.mylab.home", "juju-04f1e3-2-lxd-6.mylab.home",
                            "juju-04f1e3-1-lxd-6.mylab.home"]
    assert row["local_node"] == "juju-04f1e3-0-lxd-5.mylab.home"
    assert (row["node_id"], row["ring_id"], row["provider"]) == ("1000", "3e8.2b", "corosync_votequorum")
