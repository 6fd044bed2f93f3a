"""pcs status / crm_mon parser on realistic outputs of RHOSP 13 (Pacemaker 1.1, docker),
RHOSP 16 (Pacemaker 2.0.3, podman, --full) and RHOSP 17.1 (Pacemaker 2.1.5, Promoted wording)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.errors import ParseError
from analyzer.parsers import load_all
from analyzer.parsers.pacemaker import parse_pcs_status

# sos_commands/pacemaker/pcs_status of an OSP 13 controller (sos 3.5, RHEL 7.8, pcs 0.9.168).
OSP13_PCS_STATUS = """\
Cluster name: tripleo_cluster
Stack: corosync
Current DC: controller-1 (version 1.1.21-4.el7-f14e36fd43) - partition with quorum
Last updated: Thu May 14 05:12:01 2020
Last change: Thu May 14 04:44:26 2020 by root via crm_resource on controller-0

12 nodes configured
38 resources configured (1 DISABLED)

Online: [ controller-0 controller-1 controller-2 ]
GuestOnline: [ galera-bundle-0@controller-0 galera-bundle-1@controller-1 rabbitmq-bundle-0@controller-0 \
rabbitmq-bundle-1@controller-1 rabbitmq-bundle-2@controller-2 redis-bundle-0@controller-0 redis-bundle-1@controller-1 \
redis-bundle-2@controller-2 ]

Full list of resources:

 Docker container set: rabbitmq-bundle [192.168.24.1:8787/rhosp13/openstack-rabbitmq:pcmklatest]
   rabbitmq-bundle-0\t(ocf::heartbeat:rabbitmq-cluster):\tStarted controller-0
   rabbitmq-bundle-1\t(ocf::heartbeat:rabbitmq-cluster):\tStarted controller-1
   rabbitmq-bundle-2\t(ocf::heartbeat:rabbitmq-cluster):\tFAILED controller-2
 Docker container set: galera-bundle [192.168.24.1:8787/rhosp13/openstack-mariadb:pcmklatest]
   galera-bundle-0\t(ocf::heartbeat:galera):\tMaster controller-0
   galera-bundle-1\t(ocf::heartbeat:galera):\tMaster controller-1
   galera-bundle-2\t(ocf::heartbeat:galera):\tStopped
 Docker container set: redis-bundle [192.168.24.1:8787/rhosp13/openstack-redis:pcmklatest]
   redis-bundle-0\t(ocf::heartbeat:redis):\tMaster controller-0
   redis-bundle-1\t(ocf::heartbeat:redis):\tSlave controller-1
   redis-bundle-2\t(ocf::heartbeat:redis):\tSlave controller-2
 ip-192.168.24.15\t(ocf::heartbeat:IPaddr2):\tStarted controller-0
 ip-10.0.0.110\t(ocf::heartbeat:IPaddr2):\tStarted controller-1
 ip-172.17.1.12\t(ocf::heartbeat:IPaddr2):\tStarted controller-0
 ip-172.17.1.19\t(ocf::heartbeat:IPaddr2):\tStarted controller-1
 ip-172.17.3.15\t(ocf::heartbeat:IPaddr2):\tStarted controller-0
 ip-172.17.4.18\t(ocf::heartbeat:IPaddr2):\tStarted controller-1
 Docker container set: haproxy-bundle [192.168.24.1:8787/rhosp13/openstack-haproxy:pcmklatest]
   haproxy-bundle-docker-0\t(ocf::heartbeat:docker):\tStarted controller-0
   haproxy-bundle-docker-1\t(ocf::heartbeat:docker):\tStarted controller-1
   haproxy-bundle-docker-2\t(ocf::heartbeat:docker):\tStarted controller-2
 Docker container: openstack-cinder-volume [192.168.24.1:8787/rhosp13/openstack-cinder-volume:pcmklatest]
   openstack-cinder-volume-docker-0\t(ocf::heartbeat:docker):\tStarted controller-0
 stonith-fence_ipmilan-525400aa1b2c\t(stonith:fence_ipmilan):\tStarted controller-1
 stonith-fence_ipmilan-525400dd3e4f\t(stonith:fence_ipmilan):\tStarted controller-2
 stonith-fence_ipmilan-5254007a8b9c\t(stonith:fence_ipmilan):\tStopped (disabled)

Failed Actions:
* rabbitmq_start_0 on rabbitmq-bundle-2 'unknown error' (1): call=24, status=complete, exitreason='',
    last-rc-change='Thu May 14 04:45:52 2020', queued=0ms, exec=4352ms
* galera-bundle-docker-2_start_0 on controller-2 'unknown error' (1): call=96, status=complete, \
exitreason='Newly created docker container exited after start',
    last-rc-change='Thu May 14 04:47:10 2020', queued=0ms, exec=5812ms


Daemon Status:
  corosync: active/enabled
  pacemaker: active/enabled
  pcsd: active/enabled
"""

# sos_commands/pacemaker/pcs_status_--full of an OSP 16.1 controller (sos 3.9, RHEL 8.2).
OSP16_PCS_STATUS_FULL = """\
Cluster name: tripleo_cluster
Cluster Summary:
  * Stack: corosync
  * Current DC: controller-0 (1) (version 2.0.3-5.el8_2.1-4b1f869f0f) - partition with quorum
  * Last updated: Tue Mar  2 10:20:41 2021
  * Last change:  Tue Mar  2 10:02:15 2021 by root via crm_resource on controller-0
  * 15 nodes configured
  * 41 resource instances configured (1 DISABLED)

Node List:
  * Node controller-0 (1): online, feature set 3.2.0
  * Node controller-1 (2): online, feature set 3.2.0
  * Node controller-2 (3): standby, feature set 3.2.0
  * GuestNode galera-bundle-0@controller-0: online
  * GuestNode galera-bundle-1@controller-1: online
  * GuestNode galera-bundle-2@: OFFLINE
  * GuestNode rabbitmq-bundle-0@controller-0: online
  * GuestNode rabbitmq-bundle-1@controller-1: online
  * GuestNode redis-bundle-0@controller-0: online
  * GuestNode redis-bundle-1@controller-1: online

Full List of Resources:
  * ip-192.168.24.12\t(ocf::heartbeat:IPaddr2):\t Started controller-0
  * ip-10.0.0.105\t(ocf::heartbeat:IPaddr2):\t Started controller-1
  * ip-172.17.1.50\t(ocf::heartbeat:IPaddr2):\t Started controller-0
  * ip-172.17.3.62\t(ocf::heartbeat:IPaddr2):\t Stopped (disabled)
  * Container bundle set: haproxy-bundle [cluster.common.tag/rhosp16-openstack-haproxy:pcmklatest]:
    * Replica[0]
      * haproxy-bundle-podman-0\t(ocf::heartbeat:podman):\t Started controller-0
    * Replica[1]
      * haproxy-bundle-podman-1\t(ocf::heartbeat:podman):\t Started controller-1
    * Replica[2]
      * haproxy-bundle-podman-2\t(ocf::heartbeat:podman):\t Stopped
  * Container bundle set: galera-bundle [cluster.common.tag/rhosp16-openstack-mariadb:pcmklatest]:
    * Replica[0]
      * galera\t(ocf::heartbeat:galera):\t Master galera-bundle-0
      * galera-bundle-podman-0\t(ocf::heartbeat:podman):\t Started controller-0
      * galera-bundle-0\t(ocf::pacemaker:remote):\t Started controller-0
    * Replica[1]
      * galera\t(ocf::heartbeat:galera):\t Master galera-bundle-1
      * galera-bundle-podman-1\t(ocf::heartbeat:podman):\t Started controller-1
      * galera-bundle-1\t(ocf::pacemaker:remote):\t Started controller-1
    * Replica[2]
      * galera\t(ocf::heartbeat:galera):\t Stopped
      * galera-bundle-podman-2\t(ocf::heartbeat:podman):\t Stopped
      * galera-bundle-2\t(ocf::pacemaker:remote):\t Stopped
  * Container bundle set: rabbitmq-bundle [cluster.common.tag/rhosp16-openstack-rabbitmq:pcmklatest]:
    * Replica[0]
      * rabbitmq\t(ocf::heartbeat:rabbitmq-cluster):\t Started rabbitmq-bundle-0
      * rabbitmq-bundle-podman-0\t(ocf::heartbeat:podman):\t Started controller-0
      * rabbitmq-bundle-0\t(ocf::pacemaker:remote):\t Started controller-0
    * Replica[1]
      * rabbitmq\t(ocf::heartbeat:rabbitmq-cluster):\t FAILED rabbitmq-bundle-1
      * rabbitmq-bundle-podman-1\t(ocf::heartbeat:podman):\t Started controller-1
      * rabbitmq-bundle-1\t(ocf::pacemaker:remote):\t Started controller-1
    * Replica[2]
      * rabbitmq\t(ocf::heartbeat:rabbitmq-cluster):\t Stopped
      * rabbitmq-bundle-podman-2\t(ocf::heartbeat:podman):\t Stopped
      * rabbitmq-bundle-2\t(ocf::pacemaker:remote):\t Stopped
  * Container bundle set: redis-bundle [cluster.common.tag/rhosp16-openstack-redis:pcmklatest]:
    * Replica[0]
      * redis\t(ocf::heartbeat:redis):\t Master redis-bundle-0
      * redis-bundle-podman-0\t(ocf::heartbeat:podman):\t Started controller-0
      * redis-bundle-0\t(ocf::pacemaker:remote):\t Started controller-0
    * Replica[1]
      * redis\t(ocf::heartbeat:redis):\t Slave redis-bundle-1
      * redis-bundle-podman-1\t(ocf::heartbeat:podman):\t Started controller-1
      * redis-bundle-1\t(ocf::pacemaker:remote):\t Started controller-1
    * Replica[2]
      * redis\t(ocf::heartbeat:redis):\t Stopped
      * redis-bundle-podman-2\t(ocf::heartbeat:podman):\t Stopped
      * redis-bundle-2\t(ocf::pacemaker:remote):\t Stopped
  * ip-172.17.1.87\t(ocf::heartbeat:IPaddr2):\t Started controller-1
  * Container bundle: openstack-cinder-volume [cluster.common.tag/rhosp16-openstack-cinder-volume:pcmklatest]:
    * openstack-cinder-volume-podman-0\t(ocf::heartbeat:podman):\t Started controller-1 (unmanaged)
  * stonith-fence_ipmilan-525400b1c2d3\t(stonith:fence_ipmilan):\t Started controller-1
  * stonith-fence_ipmilan-525400e4f5a6\t(stonith:fence_ipmilan):\t Started controller-0

Node Attributes:
  * Node: controller-0 (1):
    * galera-role                     \t: true      
    * rmq-node-attr-last-known-rabbitmq\t: rabbit@controller-0
  * Node: controller-1 (2):
    * galera-role                     \t: true      

Migration Summary:
  * Node: controller-1 (2):
    * rabbitmq-bundle-1: migration-threshold=1000000 fail-count=1 last-failure='Tue Mar  2 10:14:33 2021'
  * Node: controller-2 (3):
    * galera-bundle-podman-2: migration-threshold=1000000 fail-count=1000000 last-failure='Tue Mar  2 09:58:07 2021'

Failed Resource Actions:
  * rabbitmq_monitor_10000 on rabbitmq-bundle-1 'not running' (7): call=1024, status='complete', \
last-rc-change='2021-03-02 10:14:33Z', queued=0ms, exec=0ms
  * galera-bundle-podman-2_start_0 on controller-2 'error' (1): call=129, status='complete', \
exitreason='podman failed to launch container', last-rc-change='2021-03-02 09:58:07Z', queued=0ms, exec=2134ms

Tickets:

PCSD Status:
  controller-0: Online
  controller-1: Online
  controller-2: Online

Daemon Status:
  corosync: active/enabled
  pacemaker: active/enabled
  pcsd: active/enabled
"""

# `pcs status` pasted from an OSP 17.1 controller (RHEL 9.2, Pacemaker 2.1.5) in maintenance mode.
OSP17_PCS_STATUS = """\
Cluster name: tripleo_cluster

WARNINGS:
No stonith devices and stonith-enabled is not false

Cluster Summary:
  * Stack: corosync (Pacemaker is running)
  * Current DC: controller-1 (version 2.1.5-9.el9_2-a3f44794f94) - partition with quorum
  * Last updated: Wed Aug 16 09:12:44 2023 on controller-0
  * Last change:  Wed Aug 16 09:01:19 2023 by root via cibadmin on controller-0
  * 12 nodes configured
  * 37 resource instances configured

              *** Resource management is DISABLED ***
  The cluster will not attempt to start, stop or recover services

Node List:
  * Online: [ controller-0 controller-1 controller-2 ]
  * GuestOnline: [ galera-bundle-0 galera-bundle-1 galera-bundle-2 rabbitmq-bundle-0 rabbitmq-bundle-1 \
rabbitmq-bundle-2 redis-bundle-0 redis-bundle-1 redis-bundle-2 ]

Full List of Resources:
  * ip-192.168.24.8\t(ocf:heartbeat:IPaddr2):\t Started controller-0 (unmanaged)
  * ip-10.0.0.143\t(ocf:heartbeat:IPaddr2):\t Started controller-1 (unmanaged)
  * ip-172.17.1.21\t(ocf:heartbeat:IPaddr2):\t Started controller-2 (unmanaged)
  * Container bundle set: haproxy-bundle [cluster.common.tag/openstack-haproxy:pcmklatest] (unmanaged):
    * haproxy-bundle-podman-0\t(ocf:heartbeat:podman):\t Started controller-0 (unmanaged)
    * haproxy-bundle-podman-1\t(ocf:heartbeat:podman):\t Started controller-1 (unmanaged)
    * haproxy-bundle-podman-2\t(ocf:heartbeat:podman):\t Started controller-2 (unmanaged)
  * Container bundle set: galera-bundle [cluster.common.tag/openstack-mariadb:pcmklatest] (unmanaged):
    * galera-bundle-0\t(ocf:heartbeat:galera):\t Promoted controller-0 (unmanaged)
    * galera-bundle-1\t(ocf:heartbeat:galera):\t Promoted controller-1 (unmanaged)
    * galera-bundle-2\t(ocf:heartbeat:galera):\t Promoted controller-2 (unmanaged)
  * Container bundle set: rabbitmq-bundle [cluster.common.tag/openstack-rabbitmq:pcmklatest] (unmanaged):
    * rabbitmq-bundle-0\t(ocf:heartbeat:rabbitmq-cluster):\t Started controller-0 (unmanaged)
    * rabbitmq-bundle-1\t(ocf:heartbeat:rabbitmq-cluster):\t Started controller-1 (unmanaged)
    * rabbitmq-bundle-2\t(ocf:heartbeat:rabbitmq-cluster):\t Started controller-2 (unmanaged)
  * Container bundle set: redis-bundle [cluster.common.tag/openstack-redis:pcmklatest] (unmanaged):
    * redis-bundle-0\t(ocf:heartbeat:redis):\t Unpromoted controller-0 (unmanaged)
    * redis-bundle-1\t(ocf:heartbeat:redis):\t Promoted controller-1 (unmanaged)
    * redis-bundle-2\t(ocf:heartbeat:redis):\t Unpromoted controller-2 (unmanaged)
  * Container bundle: openstack-cinder-volume [cluster.common.tag/openstack-cinder-volume:pcmklatest] (unmanaged):
    * openstack-cinder-volume-podman-0\t(ocf:heartbeat:podman):\t Started controller-2 (unmanaged)

Failed Resource Actions:
  * rabbitmq 10s-interval monitor on rabbitmq-bundle-2 returned 'not running' at Wed Aug 16 08:57:03 2023 after 1.103s
  * openstack-cinder-volume-podman-0 start on controller-0 could not be executed (Timed Out: Process did \
not exit within specified timeout) at Wed Aug 16 08:40:12 2023 after 2m

Daemon Status:
  corosync: active/enabled
  pacemaker: active/enabled
  pcsd: active/enabled
"""


def _by(rows, key, value):
    return [r for r in rows if r[key] == value]


def test_registered_for_both_status_kinds():
    registry = load_all()
    assert registry["pcs_status"].fn is parse_pcs_status
    assert registry["crm_mon"].fn is parse_pcs_status
    assert set(registry["pcs_status"].tables) == {"pcs_cluster", "pcs_nodes", "pcs_resources", "pcs_failed_actions"}


class TestOsp13Pacemaker11:
    tables = parse_pcs_status(OSP13_PCS_STATUS, "sos_commands/pacemaker/pcs_status")

    def test_cluster_summary(self):
        (cluster,) = self.tables["pcs_cluster"]
        assert cluster["cluster_name"] == "tripleo_cluster"
        assert cluster["dc"] == "controller-1"
        assert cluster["dc_version"] == "1.1.21-4.el7-f14e36fd43"
        assert cluster["quorum"] is True and cluster["partition_with_quorum"] is True
        assert cluster["maintenance"] is False
        assert cluster["stonith_enabled"] is None
        assert (cluster["nodes_configured"], cluster["resources_configured"], cluster["resources_disabled"]) == (12, 38, 1)
        assert cluster["last_updated"] == "2020-05-14T05:12:01" and cluster["time_zone_known"] is False
        assert cluster["last_change"] == "2020-05-14T04:44:26"
        assert cluster["last_change_by"] == "root via crm_resource on controller-0"
        assert cluster["daemons"] == {"corosync": "active/enabled", "pacemaker": "active/enabled",
                                      "pcsd": "active/enabled"}
        assert cluster["stack"] == "corosync"
        assert cluster["container_runtime"] == "docker"
        assert cluster["line"] == 1

    def test_nodes_members_and_guests(self):
        nodes = self.tables["pcs_nodes"]
        assert [n["cluster_node"] for n in _by(nodes, "kind", "member")] == ["controller-0", "controller-1", "controller-2"]
        guests = _by(nodes, "kind", "guest")
        assert len(guests) == 8
        assert {g["cluster_node"]: g["host"] for g in guests}["rabbitmq-bundle-2"] == "controller-2"
        assert all(n["state"] == "online" for n in nodes)
        assert nodes[0]["line"] == 10

    def test_bundle_replicas(self):
        res = self.tables["pcs_resources"]
        galera = _by(res, "bundle", "galera-bundle")
        assert [(r["resource"], r["replica"], r["container"], r["role"], r["location"]) for r in galera] == [
            ("galera-bundle-0", 0, "galera-bundle-docker-0", "Master", "controller-0"),
            ("galera-bundle-1", 1, "galera-bundle-docker-1", "Master", "controller-1"),
            ("galera-bundle-2", 2, "galera-bundle-docker-2", "Stopped", None)]
        assert {r["image"] for r in galera} == {"192.168.24.1:8787/rhosp13/openstack-mariadb:pcmklatest"}
        assert all(r["kind"] == "bundle" and r["agent"] == "ocf::heartbeat:galera" for r in galera)
        redis_roles = [r["role_normalized"] for r in _by(res, "bundle", "redis-bundle")]
        assert redis_roles == ["promoted", "unpromoted", "unpromoted"]
        rabbit2 = _by(res, "resource", "rabbitmq-bundle-2")[0]
        assert rabbit2["failed"] is True and rabbit2["role"] == "FAILED" and rabbit2["location"] == "controller-2"
        haproxy = _by(res, "bundle", "haproxy-bundle")
        assert [r["container"] for r in haproxy] == [f"haproxy-bundle-docker-{i}" for i in range(3)]
        (cinder,) = _by(res, "bundle", "openstack-cinder-volume")
        assert (cinder["replica"], cinder["container"], cinder["location"]) == (0, "openstack-cinder-volume-docker-0", "controller-0")

    def test_vips_and_stonith(self):
        res = self.tables["pcs_resources"]
        vips = [r for r in res if r["agent_type"] == "IPaddr2"]
        assert len(vips) == 6
        assert _by(res, "resource", "ip-172.17.1.12")[0]["location"] == "controller-0"
        stonith = _by(res, "kind", "stonith")
        assert len(stonith) == 3
        disabled = [r["resource"] for r in stonith if r["disabled"]]
        assert disabled == ["stonith-fence_ipmilan-5254007a8b9c"]
        assert len(res) == 22

    def test_failed_actions_two_line_format(self):
        failed = self.tables["pcs_failed_actions"]
        assert [(f["resource"], f["operation"], f["on_node"]) for f in failed] == [
            ("rabbitmq", "start_0", "rabbitmq-bundle-2"),
            ("galera-bundle-docker-2", "start_0", "controller-2")]
        first, second = failed
        assert (first["rc"], first["rc_text"], first["status"], first["call_id"]) == (1, "unknown error", "complete", 24)
        assert first["exitreason"] is None
        assert first["last_rc_change"] == "2020-05-14T04:45:52" and first["time_zone_known"] is False
        assert (first["queued"], first["exec"], first["interval"]) == (0, 4352, 0)
        assert second["exitreason"] == "Newly created docker container exited after start"
        assert (first["line"], second["line"]) == (44, 46)


class TestOsp16Pacemaker20Full:
    tables = parse_pcs_status(OSP16_PCS_STATUS_FULL, "sos_commands/pacemaker/pcs_status_--full")

    def test_summary(self):
        (cluster,) = self.tables["pcs_cluster"]
        assert (cluster["dc"], cluster["dc_id"]) == ("controller-0", "1")
        assert cluster["dc_version"] == "2.0.3-5.el8_2.1-4b1f869f0f"
        assert (cluster["resources_configured"], cluster["resources_disabled"]) == (41, 1)
        assert cluster["pcsd"] == {"controller-0": "Online", "controller-1": "Online", "controller-2": "Online"}
        assert cluster["container_runtime"] == "podman"

    def test_node_states_from_full_list(self):
        nodes = {n["cluster_node"]: n for n in self.tables["pcs_nodes"]}
        assert nodes["controller-2"]["state"] == "standby"
        assert nodes["controller-2"]["online"] is True
        assert nodes["controller-0"]["feature_set"] == "3.2.0" and nodes["controller-0"]["node_id"] == "1"
        assert nodes["galera-bundle-2"]["state"] == "offline" and nodes["galera-bundle-2"]["host"] is None
        assert nodes["redis-bundle-1"]["host"] == "controller-1"
        assert len(nodes) == 10

    def test_replica_blocks_fold_into_one_row(self):
        res = self.tables["pcs_resources"]
        galera = _by(res, "bundle", "galera-bundle")
        assert [(r["resource"], r["replica"], r["container"], r["role"], r["location"]) for r in galera] == [
            ("galera-bundle-0", 0, "galera-bundle-podman-0", "Master", "controller-0"),
            ("galera-bundle-1", 1, "galera-bundle-podman-1", "Master", "controller-1"),
            ("galera-bundle-2", 2, "galera-bundle-podman-2", "Stopped", None)]
        assert {r["agent"] for r in galera} == {"ocf::heartbeat:galera"}
        rabbit = _by(res, "bundle", "rabbitmq-bundle")
        assert [r["role_normalized"] for r in rabbit] == ["started", "failed", "stopped"]
        assert rabbit[1]["location"] == "controller-1"
        haproxy = _by(res, "bundle", "haproxy-bundle")
        assert [(r["resource"], r["role"]) for r in haproxy] == [
            ("haproxy-bundle-podman-0", "Started"), ("haproxy-bundle-podman-1", "Started"),
            ("haproxy-bundle-podman-2", "Stopped")]

    def test_markers(self):
        res = self.tables["pcs_resources"]
        (cinder,) = _by(res, "bundle", "openstack-cinder-volume")
        assert cinder["managed"] is False and cinder["container"] == "openstack-cinder-volume-podman-0"
        vip = _by(res, "resource", "ip-172.17.3.62")[0]
        assert vip["disabled"] is True and vip["role"] == "Stopped" and vip["location"] is None
        assert sum(1 for r in res if r["managed"]) == len(res) - 1
        assert len(res) == 20

    def test_failed_actions_utc(self):
        failed = self.tables["pcs_failed_actions"]
        assert [(f["resource"], f["operation"], f["interval"], f["rc"], f["rc_text"]) for f in failed] == [
            ("rabbitmq", "monitor_10000", 10000, 7, "not running"),
            ("galera-bundle-podman-2", "start_0", 0, 1, "error")]
        assert failed[0]["last_rc_change"] == "2021-03-02T10:14:33+00:00" and failed[0]["time_zone_known"] is True
        assert failed[1]["exitreason"] == "podman failed to launch container"
        assert failed[1]["status"] == "complete"


class TestOsp17Pacemaker21:
    tables = parse_pcs_status(OSP17_PCS_STATUS, "pasted/pcs-status.txt")

    def test_maintenance_and_stonith_warning(self):
        (cluster,) = self.tables["pcs_cluster"]
        assert cluster["maintenance"] is True
        assert cluster["stonith_enabled"] is True
        assert cluster["warnings"] == ["No stonith devices and stonith-enabled is not false"]
        assert cluster["stack"] == "corosync"
        assert cluster["last_updated"] == "2023-08-16T09:12:44"
        assert cluster["resources_disabled"] == 0

    def test_promoted_wording(self):
        res = self.tables["pcs_resources"]
        redis = {r["resource"]: r["role"] for r in _by(res, "bundle", "redis-bundle")}
        assert redis == {"redis-bundle-0": "Unpromoted", "redis-bundle-1": "Promoted", "redis-bundle-2": "Unpromoted"}
        promoted = [r["location"] for r in res if r["role_normalized"] == "promoted"]
        assert promoted == ["controller-0", "controller-1", "controller-2", "controller-1"]
        assert all(r["managed"] is False for r in res)
        assert _by(res, "resource", "galera-bundle-1")[0]["container"] == "galera-bundle-podman-1"
        assert len(res) == 16

    def test_guest_nodes_without_host(self):
        guests = _by(self.tables["pcs_nodes"], "kind", "guest")
        assert len(guests) == 9 and {g["host"] for g in guests} == {None}

    def test_plain_language_failed_actions(self):
        monitor, start = self.tables["pcs_failed_actions"]
        assert (monitor["resource"], monitor["operation"], monitor["on_node"]) == ("rabbitmq", "monitor_10000", "rabbitmq-bundle-2")
        assert (monitor["rc"], monitor["rc_text"], monitor["exec"]) == (7, "not running", 1103)
        assert monitor["last_rc_change"] == "2023-08-16T08:57:03"
        assert (start["operation"], start["status"], start["exec"]) == ("start_0", "Timed Out", 120000)
        assert start["exitreason"] == "Process did not exit within specified timeout"


def test_node_states_of_pacemaker11_node_lines():
    text = """\
Stack: corosync
Current DC: controller-0 (version 1.1.19-8.el7_6.4-c3c624ea3d) - partition WITHOUT quorum
3 nodes configured
0 resources configured

Node controller-1: UNCLEAN (offline)
Node controller-2: pending
Node controller-3 (4): maintenance
Online: [ controller-0 ]
OFFLINE: [ controller-4 ]
RemoteOnline: [ overcloud-novacomputeiha-0 ]
RemoteOFFLINE: [ overcloud-novacomputeiha-1 ]

No resources
"""
    tables = parse_pcs_status(text, "crm_mon")
    states = {n["cluster_node"]: (n["state"], n["kind"]) for n in tables["pcs_nodes"]}
    assert states == {"controller-1": ("unclean", "member"), "controller-2": ("pending", "member"),
                      "controller-3": ("maintenance", "member"), "controller-0": ("online", "member"),
                      "controller-4": ("offline", "member"),
                      "overcloud-novacomputeiha-0": ("online", "remote"),
                      "overcloud-novacomputeiha-1": ("offline", "remote")}
    (cluster,) = tables["pcs_cluster"]
    assert cluster["quorum"] is False
    assert tables["pcs_resources"] == []


def test_clone_sets_groups_and_markers_pacemaker11():
    text = """\
Full list of resources:

 Clone Set: haproxy-clone [haproxy] (unmanaged)
     Started: [ controller-0 controller-1 ]
     Stopped: [ controller-2 ]
 Master/Slave Set: galera-master [galera]
     Masters: [ controller-0 controller-1 ]
     Stopped (disabled): [ controller-2 ]
 Resource Group: heat
     openstack-heat-engine\t(systemd:openstack-heat-engine):\tStarted controller-1
     ip-172.16.2.5\t(ocf::heartbeat:IPaddr2):\tStopped (target-role:Stopped)
"""
    res = parse_pcs_status(text, "pcs_status")["pcs_resources"]
    haproxy = _by(res, "clone", "haproxy-clone")
    assert [(r["resource"], r["role"], r["location"], r["stopped_on"], r["managed"]) for r in haproxy] == [
        ("haproxy", "Started", "controller-0", None, False), ("haproxy", "Started", "controller-1", None, False),
        ("haproxy", "Stopped", None, "controller-2", False)]
    galera = _by(res, "clone", "galera-master")
    assert [r["role_normalized"] for r in galera] == ["promoted", "promoted", "stopped"]
    assert galera[2]["disabled"] is True and all(r["promotable"] for r in galera)
    heat = _by(res, "group", "heat")
    assert [(r["resource"], r["kind"]) for r in heat] == [("openstack-heat-engine", "group"), ("ip-172.16.2.5", "group")]
    assert heat[1]["disabled"] is True and heat[1]["target_role"] == "Stopped"


# sos_commands/pacemaker/crm_mon_-1_-A_-n_-r_-t of an OSP 13 controller (Pacemaker 1.1.21), shortened.
OSP13_CRM_MON_BY_NODE = """\
Stack: corosync
Current DC: controller-0 (version 1.1.21-4.el7-f14e36fd43) - partition with quorum
Last updated: Thu May 14 05:12:03 2020
Last change: Thu May 14 04:44:26 2020 by root via crm_resource on controller-0

12 nodes configured
38 resources configured (1 DISABLED)

Node controller-0 (1): online
\tip-172.17.1.12\t(ocf::heartbeat:IPaddr2):\tStarted
\thaproxy-bundle-docker-0\t(ocf::heartbeat:docker):\tStarted
\tgalera-bundle-docker-0\t(ocf::heartbeat:docker):\tStarted
\tgalera-bundle-0\t(ocf::pacemaker:remote):\tStarted
Node controller-1 (2): online
\tip-10.0.0.110\t(ocf::heartbeat:IPaddr2):\tStarted
\thaproxy-bundle-docker-1\t(ocf::heartbeat:docker):\tStarted
GuestNode galera-bundle-0@controller-0: online
\tgalera\t(ocf::heartbeat:galera):\tMaster

Inactive resources:

 stonith-fence_ipmilan-5254007a8b9c\t(stonith:fence_ipmilan):\tStopped (disabled)

Node Attributes:
* Node controller-0 (1):
    + galera-role                     \t: true
* Node controller-1 (2):
    + galera-role                     \t: true

Operations:
* Node controller-0 (1):
   ip-172.17.1.12: migration-threshold=1000000
    + (7) start: last-rc-change='Thu May 14 04:40:16 2020' last-run='Thu May 14 04:40:16 2020' exec-time=101ms queue-time=0ms rc=0 (ok)
"""


def test_crm_mon_grouped_by_node():
    tables = parse_pcs_status(OSP13_CRM_MON_BY_NODE, "sos_commands/pacemaker/crm_mon_-1_-A_-n_-r_-t")
    nodes = {n["cluster_node"]: (n["kind"], n["host"], n["node_id"]) for n in tables["pcs_nodes"]}
    assert nodes == {"controller-0": ("member", None, "1"), "controller-1": ("member", None, "2"),
                     "galera-bundle-0": ("guest", "controller-0", None)}
    res = tables["pcs_resources"]
    placed = [(r["resource"], r["location"], r["grouped_by_node"]) for r in res]
    assert placed == [("ip-172.17.1.12", "controller-0", True), ("haproxy-bundle-docker-0", "controller-0", True),
                      ("galera-bundle-docker-0", "controller-0", True), ("galera-bundle-0", "controller-0", True),
                      ("ip-10.0.0.110", "controller-1", True), ("haproxy-bundle-docker-1", "controller-1", True),
                      ("galera", "galera-bundle-0", True),
                      ("stonith-fence_ipmilan-5254007a8b9c", None, False)]
    docker0 = res[2]
    assert (docker0["kind"], docker0["bundle"], docker0["replica"], docker0["container"]) == (
        "bundle", "galera-bundle", 0, "galera-bundle-docker-0")
    assert res[6]["role_normalized"] == "promoted"
    assert res[7]["disabled"] is True and res[7]["kind"] == "stonith"


def test_lowercase_podman_container_set_of_pacemaker_2_0_1():
    text = """\
Full list of resources:

 podman container set: galera-bundle [192.168.24.1:8787/rhosp15/openstack-mariadb:pcmklatest]
   galera-bundle-0\t(ocf::heartbeat:galera):\tMaster controller-0
   galera-bundle-1\t(ocf::heartbeat:galera):\tSlave controller-1
 podman container: openstack-cinder-volume [192.168.24.1:8787/rhosp15/openstack-cinder-volume:pcmklatest]
   openstack-cinder-volume-podman-0\t(ocf::heartbeat:podman):\tStarted controller-0
"""
    res = parse_pcs_status(text, "pcs_status")["pcs_resources"]
    assert [(r["bundle"], r["replica"], r["container"], r["role_normalized"]) for r in res] == [
        ("galera-bundle", 0, "galera-bundle-podman-0", "promoted"),
        ("galera-bundle", 1, "galera-bundle-podman-1", "unpromoted"),
        ("openstack-cinder-volume", 0, "openstack-cinder-volume-podman-0", "started")]


def test_cluster_not_running_is_a_fact_not_an_error():
    text = "Error: error running crm_mon, is pacemaker running?\n  crm_mon: Error: cluster is not available on this node\n"
    (cluster,) = parse_pcs_status(text, "pcs_status")["pcs_cluster"]
    assert cluster["running"] is False
    assert "cluster is not available" in cluster["error"]


def test_crm_simulate_reads_only_current_status():
    text = """\
Current cluster status:
  * Node List:
    * Online: [ controller-0 controller-1 ]

  * Full List of Resources:
    * ip-10.0.0.5\t(ocf:heartbeat:IPaddr2):\t Started controller-0

Transition Summary:
  * Move       ip-10.0.0.5     ( controller-0 -> controller-1 )

Revised Cluster Status:
  * Node List:
    * Online: [ controller-0 controller-1 ]

  * Full List of Resources:
    * ip-10.0.0.5\t(ocf:heartbeat:IPaddr2):\t Started controller-1
"""
    res = parse_pcs_status(text, "crm_simulate")["pcs_resources"]
    assert [(r["resource"], r["location"]) for r in res] == [("ip-10.0.0.5", "controller-0")]


def test_garbage_raises_parse_error():
    with pytest.raises(ParseError):
        parse_pcs_status("hello world\nthis is not pacemaker\n", "x")
    with pytest.raises(ParseError):
        parse_pcs_status("", "x")


def test_truncated_resource_line_keeps_rows_parsed_so_far():
    cut = OSP13_PCS_STATUS.index("(ocf::heartbeat:redis):\tSlave controller-2")
    with pytest.raises(ParseError) as info:
        parse_pcs_status(OSP13_PCS_STATUS[:cut + 12] + "\n\nDaemon Status:\n", "pcs_status")
    assert info.value.line == 26
    partial = info.value.partial
    assert len(partial["pcs_resources"]) == 8
    assert len(partial["pcs_nodes"]) == 11


def test_broken_failed_action_is_reported_with_its_line():
    text = OSP13_PCS_STATUS.replace("* rabbitmq_start_0 on rabbitmq-bundle-2 'unknown error' (1): call=24",
                                    "* rabbitmq_start_0 on rabbitmq-bundle-2 'unknown error (1): call=24")
    with pytest.raises(ParseError) as info:
        parse_pcs_status(text, "pcs_status")
    assert info.value.line == 44
    assert len(info.value.partial["pcs_resources"]) == 22


_PIECES = OSP16_PCS_STATUS_FULL.splitlines() + OSP13_PCS_STATUS.splitlines()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=60)), max_size=40), st.randoms())
def test_garbled_input_only_raises_parse_error(lines, rnd):
    text = "\n".join(lines)
    if text and rnd.random() < 0.5:
        cut = rnd.randrange(len(text))
        text = text[:cut] + rnd.choice(["", "(", "'", "*", "[", "\t", ":"]) + text[cut + 1:]
    try:
        tables = parse_pcs_status(text, "garbled")
    except ParseError:
        return
    assert set(tables) == {"pcs_cluster", "pcs_nodes", "pcs_resources", "pcs_failed_actions"}
