"""Ceph parsers: `ceph -s`, `ceph health detail`, `ceph osd tree`, text and JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.errors import ParseError
from analyzer.parsers import load_all
from analyzer.parsers.ceph import (parse_ceph_health_detail, parse_ceph_health_detail_json,
                                   parse_ceph_osd_tree, parse_ceph_osd_tree_json, parse_ceph_status,
                                   parse_ceph_status_json)
from tests.conftest import read_realdata

# RHOSP 13 / RHCS 3 (Luminous 12.2) on three controllers, one OSD of ceph-1 down.
LUMINOUS_WARN = """\
  cluster:
    id:     5b2a0d9e-8c4e-11e8-9f3a-5254006b7d5c
    health: HEALTH_WARN
            1 osds down
            Degraded data redundancy: 156/1836 objects degraded (8.497%), 42 pgs degraded, 42 pgs undersized

  services:
    mon: 3 daemons, quorum overcloud-controller-0,overcloud-controller-1,overcloud-controller-2
    mgr: overcloud-controller-0(active), standbys: overcloud-controller-1, overcloud-controller-2
    osd: 9 osds: 8 up, 9 in

  data:
    pools:   5 pools, 320 pgs
    objects: 612 objects, 2.31GiB
    usage:   7.02GiB used, 440GiB / 447GiB avail
    pgs:     156/1836 objects degraded (8.497%)
             278 active+clean
             42  active+undersized+degraded

  io:
    client:   1.19KiB/s rd, 2 op/s rd, 0op/s wr
"""

# Jewel (RHCS 2, RHOSP 10/11): one-column layout, one mon out of quorum.
JEWEL_ERR = """\
    cluster 2c6f0e4f-1d1a-4b4d-9d40-2c6d3b7a9a1e
     health HEALTH_ERR
            12 pgs are stuck inactive for more than 300 seconds
            12 pgs peering
            1 mons down, quorum 0,1 ctrl-0,ctrl-1
     monmap e1: 3 mons at {ctrl-0=172.18.0.15:6789/0,ctrl-1=172.18.0.16:6789/0,ctrl-2=172.18.0.17:6789/0}
            election epoch 12, quorum 0,1 ctrl-0,ctrl-1
     osdmap e87: 6 osds: 6 up, 6 in
            flags sortbitwise,require_jewel_osds
      pgmap v20581: 224 pgs, 6 pools, 1130 MB data, 364 objects
            3481 MB used, 296 GB / 299 GB avail
                 212 active+clean
                  12 peering
"""

# Quincy (RHOSP 17 with cephadm): one mon out of quorum, ages, remapped pgs.
QUINCY = """\
  cluster:
    id:     8a3c0f6e-5d7b-11ed-8e1f-525400a1b2c3
    health: HEALTH_WARN
            1/3 mons down, quorum controller-0,controller-1

  services:
    mon: 3 daemons, quorum controller-0,controller-1 (age 4m), out of quorum: controller-2
    mgr: controller-0.xyzabc(active, since 2d), standbys: controller-1.defghi
    osd: 12 osds: 12 up (since 2d), 12 in (since 2d); 3 remapped pgs

  data:
    pools:   6 pools, 193 pgs
    objects: 1.23k objects, 4.6 GiB
    usage:   14 GiB used, 586 GiB / 600 GiB avail
    pgs:     190 active+clean
             3   active+clean+remapped
"""


def test_luminous_warn_one_osd_down():
    out = parse_ceph_status(LUMINOUS_WARN, "sos_commands/ceph/ceph_status")
    (row,) = out["ceph"]
    assert row["health"] == "HEALTH_WARN"
    assert row["fsid"] == "5b2a0d9e-8c4e-11e8-9f3a-5254006b7d5c"
    assert (row["osds_total"], row["osds_up"], row["osds_in"], row["osds_down"]) == (9, 8, 9, 1)
    assert row["mons"] == 3 and row["out_of_quorum"] == []
    assert row["quorum"] == ["overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2"]
    assert row["pg_states"] == {"active+clean": 278, "active+undersized+degraded": 42}
    assert row["pgs_total"] == 320 and row["pools"] == 5 and row["objects"] == 612
    assert row["usage_total_bytes"] == 447 * 1024 ** 3
    assert row["mgr_active"] == "overcloud-controller-0"
    assert row["version_layout"] == "luminous+"
    codes = [(c["code"], c["line"]) for c in out["ceph_checks"]]
    assert codes == [("OSD_DOWN", 4), ("PG_DEGRADED", 5)]
    assert all(c["severity"] == "HEALTH_WARN" for c in out["ceph_checks"])


def test_jewel_layout_mon_out_of_quorum():
    (row,) = parse_ceph_status(JEWEL_ERR, "sos_commands/ceph/ceph_status")["ceph"]
    assert row["version_layout"] == "jewel"
    assert row["health"] == "HEALTH_ERR"
    assert row["quorum"] == ["ctrl-0", "ctrl-1"] and row["out_of_quorum"] == ["ctrl-2"]
    assert (row["osds_total"], row["osds_up"], row["osds_in"]) == (6, 6, 6)
    assert row["osd_flags"] == ["sortbitwise", "require_jewel_osds"]
    assert row["pg_states"] == {"active+clean": 212, "peering": 12}
    assert row["pgs_total"] == 224 and row["objects"] == 364
    assert row["usage_used_bytes"] == 3481 * 1024 ** 2
    messages = [c["message"] for c in row["checks"]]
    assert messages[1] == "12 pgs peering" and len(messages) == 3
    # Jewel prints no codes, and under HEALTH_ERR a check's own severity is unknown
    assert {c["code"] for c in row["checks"]} == {None}
    assert {c["severity"] for c in row["checks"]} == {None}


def test_pre_jewel_one_line_layout():
    text = ("health HEALTH_WARN 1 pgs degraded; 1/3 in osds are down\n"
            "monmap e1: 3 mons at {0=172.17.1.4:6789/0,1=172.17.1.5:6789/0,2=172.17.1.7:6789/0}, "
            "election epoch 44, quorum 0,1 0,1\n"
            "osdmap e455: 3 osds: 2 up, 3 in\n"
            "pgmap v498444: 592 pgs: 591 active+clean, 1 active+degraded; 33513 MB data, "
            "54010 MB used, 136 GB / 199 GB avail\n"
            "mdsmap e39: 0/0/1 up\n")
    (row,) = parse_ceph_status(text, "ceph_-s")["ceph"]
    assert [c["message"] for c in row["checks"]] == ["1 pgs degraded", "1/3 in osds are down"]
    assert row["out_of_quorum"] == ["2"] and row["osds_down"] == 1
    assert row["pg_states"] == {"active+clean": 591, "active+degraded": 1}


def test_quincy_out_of_quorum_and_ages():
    out = parse_ceph_status(QUINCY, "sos_commands/ceph_mon/ceph_status")
    (row,) = out["ceph"]
    assert row["out_of_quorum"] == ["controller-2"]
    assert row["quorum"] == ["controller-0", "controller-1"]
    assert (row["osds_total"], row["osds_up"], row["osds_in"]) == (12, 12, 12)
    assert row["objects"] == 1230
    assert row["mgr_active"] == "controller-0.xyzabc"
    assert out["ceph_checks"][0]["code"] == "MON_DOWN"


def test_leading_cli_warning_is_skipped():
    text = "2023-01-10T10:00:00.000+0000 7f2 -1 auth: unable to find a keyring\n" + LUMINOUS_WARN
    assert parse_ceph_status(text, "ceph_status")["ceph"][0]["osds_up"] == 8


def test_status_truncated_before_health_is_an_error():
    with pytest.raises(ParseError) as err:
        parse_ceph_status("  cluster:\n    id:     5b2a0d9e-8c4e\n", "ceph_status")
    assert err.value.line == 2


def test_status_garbage_is_an_error():
    with pytest.raises(ParseError):
        parse_ceph_status("Error initializing cluster client: ObjectNotFound('RADOS object not found')\n",
                          "ceph_status")


# ---------------------------------------------------------------- JSON status, Jewel nesting

JEWEL_JSON = {
    "health": {"overall_status": "HEALTH_WARN",
               "summary": [{"severity": "HEALTH_WARN", "summary": "1/6 in osds are down"}],
               "detail": []},
    "fsid": "2c6f0e4f-1d1a-4b4d-9d40-2c6d3b7a9a1e",
    "quorum_names": ["ctrl-0", "ctrl-1", "ctrl-2"],
    "monmap": {"epoch": 1, "mons": [{"rank": 0, "name": "ctrl-0"}, {"rank": 1, "name": "ctrl-1"},
                                    {"rank": 2, "name": "ctrl-2"}]},
    "osdmap": {"osdmap": {"epoch": 90, "num_osds": 6, "num_up_osds": 5, "num_in_osds": 6}},
    "pgmap": {"pgs_by_state": [{"state_name": "active+clean", "count": 200},
                               {"state_name": "active+undersized+degraded", "count": 24}],
              "num_pgs": 224, "bytes_total": 321057251328},
}


def test_status_json_jewel_nesting():
    out = parse_ceph_status_json(json.dumps(JEWEL_JSON, indent=4), "json_output/ceph_status")
    (row,) = out["ceph"]
    assert row["version_layout"] == "jewel" and row["health"] == "HEALTH_WARN"
    assert (row["mons"], row["osds_up"], row["osds_down"]) == (3, 5, 1)
    assert row["pg_states"]["active+undersized+degraded"] == 24
    assert out["ceph_checks"][0]["message"] == "1/6 in osds are down"


def test_status_json_truncated():
    text = json.dumps(JEWEL_JSON, indent=4)
    with pytest.raises(ParseError) as err:
        parse_ceph_status_json(text[: len(text) // 2], "ceph_status_--format_json-pretty")
    assert err.value.line and err.value.line > 1


# ---------------------------------------------------------------- health detail

DETAIL_OCTOPUS = """\
HEALTH_ERR 1 osds down; 1 scrub errors; Possible data damage: 1 pg inconsistent
[WRN] OSD_DOWN: 1 osds down
    osd.7 (root=default,host=overcloud-cephstorage-1) is down
[ERR] OSD_SCRUB_ERRORS: 1 scrub errors
[ERR] PG_DAMAGED: Possible data damage: 1 pg inconsistent
    pg 3.1f is active+clean+inconsistent, acting [7,2,4]
"""

DETAIL_LUMINOUS = """\
HEALTH_WARN 1 osds down; Degraded data redundancy: 156/1836 objects degraded (8.497%), 42 pgs degraded
OSD_DOWN 1 osds down
    osd.4 (root=default,host=overcloud-cephstorage-1) is down
PG_DEGRADED Degraded data redundancy: 156/1836 objects degraded (8.497%), 42 pgs degraded
    pg 1.0 is active+undersized+degraded, acting [2,0]
    pg 1.5 is active+undersized+degraded, acting [0,8]
"""

DETAIL_JEWEL = """\
HEALTH_WARN 24 pgs degraded; 1/6 in osds are down
pg 2.3 is active+undersized+degraded, acting [1,4]
pg 2.7 is active+undersized+degraded, acting [5,2]
osd.3 is down since epoch 88, last address 172.18.0.20:6804/4221
"""


def test_health_detail_octopus_tags():
    rows = parse_ceph_health_detail(DETAIL_OCTOPUS, "ceph_health_detail")["ceph_checks"]
    assert [(r["code"], r["severity"]) for r in rows] == [
        ("OSD_DOWN", "HEALTH_WARN"), ("OSD_SCRUB_ERRORS", "HEALTH_ERR"), ("PG_DAMAGED", "HEALTH_ERR")]
    assert rows[0]["detail"] == ["osd.7 (root=default,host=overcloud-cephstorage-1) is down"]
    assert rows[2]["message"] == "Possible data damage: 1 pg inconsistent" and rows[2]["line"] == 5


def test_health_detail_luminous_codes():
    rows = parse_ceph_health_detail(DETAIL_LUMINOUS, "ceph_health_detail")["ceph_checks"]
    assert [r["code"] for r in rows] == ["OSD_DOWN", "PG_DEGRADED"]
    assert len(rows[1]["detail"]) == 2 and rows[0]["severity"] == "HEALTH_WARN"


def test_health_detail_jewel_detail_goes_to_its_summary():
    rows = parse_ceph_health_detail(DETAIL_JEWEL, "ceph_health_detail")["ceph_checks"]
    assert [r["message"] for r in rows] == ["24 pgs degraded", "1/6 in osds are down"]
    assert len(rows[0]["detail"]) == 2
    assert rows[1]["detail"] == ["osd.3 is down since epoch 88, last address 172.18.0.20:6804/4221"]


def test_health_detail_without_status_line_is_an_error():
    with pytest.raises(ParseError) as err:
        parse_ceph_health_detail("\n[WRN] OSD_DOWN: 1 osds down\n", "ceph_health_detail")
    assert err.value.line == 2


def test_health_detail_json_luminous():
    data = {"status": "HEALTH_WARN", "checks": {
        "OSD_DOWN": {"severity": "HEALTH_WARN", "summary": {"message": "1 osds down", "count": 1},
                     "detail": [{"message": "osd.4 (root=default,host=ceph-1) is down"}], "muted": False},
        "MON_CLOCK_SKEW": {"severity": "HEALTH_WARN",
                           "summary": {"message": "clock skew detected on mon.ctrl-2"},
                           "detail": [{"message": "mon.ctrl-2 clock skew 0.31s > max 0.05s"}]}},
        "mutes": []}
    rows = parse_ceph_health_detail_json(json.dumps(data, indent=4), "x")["ceph_checks"]
    assert [r["code"] for r in rows] == ["OSD_DOWN", "MON_CLOCK_SKEW"]
    assert rows[0]["detail"] == ["osd.4 (root=default,host=ceph-1) is down"]
    assert rows[0]["line"] == 4 and rows[0]["count"] == 1


# ---------------------------------------------------------------- osd tree

TREE_DOWN = """\
ID  CLASS WEIGHT  TYPE NAME                          STATUS REWEIGHT PRI-AFF
 -1       0.26367 root default
 -3       0.08789     host overcloud-cephstorage-0
  0   hdd 0.02930         osd.0                          up  1.00000 1.00000
  3   hdd 0.02930         osd.3                          up  1.00000 1.00000
 -5       0.08789     host overcloud-cephstorage-1
  1   hdd 0.02930         osd.1                        down        0 1.00000
  4   hdd 0.02930         osd.4                        down  1.00000 1.00000
"""

TREE_JEWEL = """\
ID WEIGHT  TYPE NAME             UP/DOWN REWEIGHT PRIMARY-AFFINITY
-1 0.17578 root default
-2 0.05859     host ceph-node-0
 0 0.02930         osd.0              up  1.00000          1.00000
 3 0.02930         osd.3            down        0          1.00000
"""


def test_osd_tree_down_and_out():
    rows = parse_ceph_osd_tree(TREE_DOWN, "ceph_osd_tree")["ceph_osds"]
    by = {r["osd"]: r for r in rows}
    assert len(rows) == 4
    assert by["osd.1"]["status"] == "down" and by["osd.1"]["in"] is False
    assert by["osd.4"]["status"] == "down" and by["osd.4"]["in"] is True
    assert by["osd.4"]["host"] == "overcloud-cephstorage-1" and by["osd.0"]["class"] == "hdd"
    assert by["osd.3"]["line"] == 5


def test_osd_tree_jewel_has_no_class():
    rows = parse_ceph_osd_tree(TREE_JEWEL, "ceph_osd_tree")["ceph_osds"]
    assert [(r["osd"], r["status"], r["class"], r["host"]) for r in rows] == [
        ("osd.0", "up", None, "ceph-node-0"), ("osd.3", "down", None, "ceph-node-0")]


def test_osd_tree_truncated_row_keeps_rows_before():
    with pytest.raises(ParseError) as err:
        parse_ceph_osd_tree(TREE_DOWN + "  5   hdd 0.02930         osd.5\n", "ceph_osd_tree")
    assert err.value.line == 9
    assert len(err.value.partial["ceph_osds"]) == 4


def test_osd_tree_json_hosts_from_children():
    data = {"nodes": [
        {"id": -1, "name": "default", "type": "root", "children": [-3]},
        {"id": -3, "name": "overcloud-cephstorage-0", "type": "host", "children": [2, 0]},
        {"id": 0, "name": "osd.0", "type": "osd", "status": "up", "reweight": 1.0, "device_class": "ssd"},
        {"id": 2, "name": "osd.2", "type": "osd", "status": "down", "reweight": 0.0, "device_class": "ssd"}],
        "stray": [{"id": 5, "name": "osd.5", "type": "osd", "status": "down", "reweight": 0.0}]}
    rows = parse_ceph_osd_tree_json(json.dumps(data, indent=2), "x")["ceph_osds"]
    assert [(r["osd"], r["host"], r["status"], r["in"]) for r in rows] == [
        ("osd.0", "overcloud-cephstorage-0", "up", True), ("osd.2", "overcloud-cephstorage-0", "down", False),
        ("osd.5", None, "down", False)]


# ---------------------------------------------------------------- realdata

def test_realdata_octopus_status_text_and_json_agree():
    (text_row,) = parse_ceph_status(read_realdata("ceph/hotsos-ceph_status-octopus.txt"), "ceph_status")["ceph"]
    out = parse_ceph_status_json(read_realdata("ceph/hotsos-ceph_status-octopus-json.txt"), "json")
    (json_row,) = out["ceph"]
    for row in (text_row, json_row):
        assert row["health"] == "HEALTH_WARN"
        assert row["fsid"] == "eccf3d48-859f-11ec-9de2-d72b3e8a3058"
        assert (row["mons"], row["osds_total"], row["osds_up"], row["osds_in"]) == (3, 3, 3, 3)
        assert row["pg_states"] == {"active+clean": 69} and row["pgs_total"] == 69
        assert [c["code"] for c in row["checks"]] == ["AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED"]
        assert len(row["quorum"]) == 3 and row["out_of_quorum"] == []
    assert text_row["checks"][0]["inferred"] is True and json_row["checks"][0]["inferred"] is False
    assert out["ceph_checks"][0]["count"] == 3


def test_realdata_osd_tree_octopus():
    rows = parse_ceph_osd_tree(read_realdata("ceph/hotsos-ceph_osd_tree-octopus.txt"), "x")["ceph_osds"]
    assert {r["osd"]: r["host"] for r in rows} == {"osd.1": "compute1", "osd.2": "compute2", "osd.0": "compute4"}
    assert all(r["status"] == "up" and r["in"] and r["class"] == "ssd" for r in rows)


def test_realdata_osd_tree_rhcs3_empty_host_bucket():
    rows = parse_ceph_osd_tree(read_realdata("ceph/insights-ceph_osd_tree-text-v3.txt"), "x")["ceph_osds"]
    assert len(rows) == 6
    assert sorted(r["osd"] for r in rows if r["host"] == "ceph2") == ["osd.1", "osd.4"]


def test_realdata_nautilus_insights_health_and_tree():
    """The `health.current` and `osd_tree` members of `ceph insights` are the JSON of
    `ceph health detail` and `ceph osd tree`."""
    data = json.loads(read_realdata("ceph/insights-ceph_insights-json-nautilus.txt"))
    rows = parse_ceph_health_detail_json(json.dumps(data["health"]["current"]), "x")["ceph_checks"]
    assert [(r["code"], r["severity"], r["health"]) for r in rows] == [
        ("PG_AVAILABILITY", "HEALTH_WARN", "HEALTH_WARN")]
    assert rows[0]["message"] == "Reduced data availability: 16 pgs peering"
    assert len(rows[0]["detail"]) == 16
    osds = parse_ceph_osd_tree_json(json.dumps(data["osd_tree"]), "x")["ceph_osds"]
    assert sorted(r["osd"] for r in osds) == ["osd.0", "osd.1", "osd.2"]
    assert {r["host"] for r in osds} == {"daq"}


def test_registered_kinds():
    registry = load_all()
    for kind in ("ceph_status", "ceph_status_json", "ceph_health_detail", "ceph_health_detail_json",
                 "ceph_osd_tree", "ceph_osd_tree_json"):
        assert registry[kind].fn.__module__ == "analyzer.parsers.ceph"


PARSERS = [parse_ceph_status, parse_ceph_status_json, parse_ceph_health_detail,
           parse_ceph_health_detail_json, parse_ceph_osd_tree, parse_ceph_osd_tree_json]
SAMPLES = [LUMINOUS_WARN, JEWEL_ERR, QUINCY, DETAIL_OCTOPUS, DETAIL_JEWEL, TREE_DOWN,
           json.dumps(JEWEL_JSON, indent=2)]


@settings(max_examples=150, deadline=None)
@given(sample=st.sampled_from(SAMPLES), cut=st.integers(0, 2000), junk=st.text(max_size=40),
       index=st.integers(0, len(PARSERS) - 1))
def test_only_parse_error_escapes(sample, cut, junk, index):
    text = sample[:cut] + junk + sample[cut + len(junk):]
    try:
        PARSERS[index](text, "sos_commands/ceph/x")
    except ParseError:
        pass


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["health", "checks", "status", "summary", "detail", "osdmap", "num_osds",
                         "monmap", "mons", "pgmap", "pgs_by_state", "nodes", "stray", "children",
                         "type", "id", "name", "severity", "message", "quorum_names", "mgrmap"]),
        children, max_size=5),
    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["health", "nodes", "osdmap", "pgmap", "monmap", "checks",
                                              "status", "summary", "stray", "quorum_names"]),
                            _json_values, max_size=6),
       index=st.sampled_from([1, 3, 5]))
def test_odd_json_structures_give_parse_error_only(data, index):
    try:
        PARSERS[index](json.dumps(data), "json_output/x")
    except ParseError:
        pass
