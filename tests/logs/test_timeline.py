"""UTC conversion, syslog years, signatures, incidents and clock offsets across nodes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from analyzer.logs.clock import estimate_offsets, skewed
from analyzer.logs.incidents import find_incidents
from analyzer.logs.scan import LogScanner
from analyzer.logs.signature import fold, signature
from analyzer.logs.timeutil import to_utc

SCANNER = LogScanner()


def node_events(node: str, text: str, path: str, hint: str, tz: str | None,
                collected: datetime) -> pd.DataFrame:
    result = SCANNER.scan(text.encode(), path, hint, None)
    df = to_utc(pd.DataFrame(result.records), tz, collected)
    df["node"] = node
    return df


# controller-0 runs in Europe/Paris (UTC+2 in May), controller-1 in America/New_York (UTC-4).
# True order of the errors: ctl-1 04:45:50Z, ctl-0 04:45:51Z, ctl-1 04:45:52Z.
PARIS = ("2020-05-14  6:45:51 0 [ERROR] WSREP: Member 1.0 (controller-1) requested state "
         "transfer, but it is not available\n")
NEW_YORK = ("2020-05-14  0:45:50 0 [ERROR] WSREP: gcs/src/gcs_core.cpp:core_handle_last_msg():"
            "715: Failed to send state UUID: -107\n"
            "2020-05-14  0:45:52 0 [ERROR] WSREP: Aborting\n")
COLLECTED = datetime(2020, 5, 14, 6, 0, tzinfo=timezone.utc)


def test_two_nodes_in_different_zones_merge_in_true_order():
    merged = pd.concat([
        node_events("controller-0", PARIS, "var/log/containers/mysql/mysqld.log", "mysqld",
                    "Europe/Paris", COLLECTED),
        node_events("controller-1", NEW_YORK, "var/log/containers/mysql/mysqld.log", "mysqld",
                    "America/New_York", COLLECTED),
    ]).sort_values("ts", ignore_index=True)
    assert list(merged["node"]) == ["controller-1", "controller-0", "controller-1"]
    assert [t.isoformat() for t in merged["ts"]] == [
        "2020-05-14T04:45:50+00:00", "2020-05-14T04:45:51+00:00", "2020-05-14T04:45:52+00:00"]


def test_utc_formats_are_not_shifted_by_the_node_zone():
    text = "2020-05-14T04:45:52.123Z|00012|reconnect|WARN|tcp:172.17.1.10:6642: connection dropped\n"
    df = node_events("controller-0", text, "var/log/openvswitch/ovsdb-server.log", "ovs",
                     "Asia/Tokyo", COLLECTED)
    assert df["ts"][0].isoformat() == "2020-05-14T04:45:52.123000+00:00"


def test_syslog_year_turn_from_collection_date():
    text = ("Dec 31 23:59:58 controller-0 kernel: Out of memory: Killed process 4242 (mysqld)\n"
            "Jan  1 00:00:03 controller-0 systemd[1]: tripleo_galera.service: Failed with result 'exit-code'.\n")
    collected = datetime(2021, 1, 2, 9, 30, tzinfo=timezone.utc)
    df = node_events("controller-0", text, "var/log/messages", "syslog", "UTC", collected)
    assert [t.isoformat() for t in df["ts"]] == ["2020-12-31T23:59:58+00:00",
                                                  "2021-01-01T00:00:03+00:00"]
    # collected mid-year in Paris: Jan 1 is that year's, 00:00:03 CET is 23:00:03Z the day before
    df = node_events("controller-0", text.splitlines()[1] + "\n", "var/log/messages", "syslog",
                     "Europe/Paris", datetime(2021, 6, 1, tzinfo=timezone.utc))
    assert df["ts"][0].isoformat() == "2020-12-31T23:00:03+00:00"


def test_signature_masks_variable_parts():
    assert signature("Failed to connect to 172.17.1.10:5672 after 3 tries (req-4f1d2a3c-1111-"
                     "2222-3333-444455556666)") == "Failed to connect to <ip> after <n> tries (<req>)"
    assert signature("Instance 5f0e1c2d-aaaa-bbbb-cccc-0123456789ab on controller-0.internalapi."
                     "localdomain: disk /var/lib/nova/instances/x/disk at 0x7f44fe7ee1d0") == \
        "Instance <uuid> on <host>: disk <path> at <hex>"
    assert signature("a  b\tc") == "a b c"


def test_fold_counts_per_node_with_first_and_last_seen():
    ts = pd.Timestamp("2020-05-14T04:45:00Z")
    events = pd.DataFrame([
        {"node": n, "service": "nova", "level": "ERROR", "ts": ts + pd.Timedelta(seconds=s),
         "message": f"AMQP server on controller-{i}.internalapi.localdomain:5672 is unreachable",
         "signature": signature(f"AMQP server on 172.17.1.{i}:5672 is unreachable")}
        for i, (n, s) in enumerate([("compute-0", 5), ("compute-1", 1), ("compute-0", 9)])])
    folded = fold(events)
    assert len(folded) == 1
    row = folded.iloc[0]
    assert row["count"] == 3 and row["count_by_node"] == {"compute-0": 2, "compute-1": 1}
    assert row["first_seen"] == ts + pd.Timedelta(seconds=1)
    assert row["last_seen"] == ts + pd.Timedelta(seconds=9)


def synthetic_events() -> pd.DataFrame:
    """Three nodes: a quiet early error, then a burst started by galera on controller-1."""
    base = pd.Timestamp("2020-05-14T04:45:00Z")
    rows = [
        ("controller-2", "haproxy", -3600, "Server horizon/controller-2 is DOWN"),
        ("controller-1", "mysql", 0, "WSREP: Member 0.0 (controller-0) leaves the group"),
        ("controller-0", "rabbitmq", 20, "closing AMQP connection: missed heartbeats"),
        ("controller-2", "nova", 45, "AMQP server on controller-0:5672 is unreachable"),
        ("controller-0", "nova", 70, "DBConnectionError: Lost connection to MySQL server"),
        ("controller-2", "cinder", 200, "Failed to update service status"),
        ("controller-1", "neutron", 350, "Connection to database failed"),  # gap 150 s < 5 min
    ]
    return pd.DataFrame([{"node": n, "service": s, "ts": base + pd.Timedelta(seconds=d),
                          "file": f"var/log/containers/{s}/{s}.log", "line": 10 + i,
                          "level": "ERROR", "message": m}
                         for i, (n, s, d, m) in enumerate(rows)])


def test_incidents_name_the_planted_first_event():
    incidents = find_incidents(synthetic_events(), gap=timedelta(minutes=5))
    assert len(incidents) == 2
    top = incidents[0]
    assert top["trigger"] == {"node": "controller-1", "service": "mysql",
                              "file": "var/log/containers/mysql/mysql.log", "line": 11,
                              "ts": "2020-05-14T04:45:00Z",
                              "message": "WSREP: Member 0.0 (controller-0) leaves the group"}
    assert top["nodes"] == ["controller-0", "controller-1", "controller-2"]
    assert top["events"] == 6 and top["start"] == "2020-05-14T04:45:00Z"
    assert top["end"] == "2020-05-14T04:50:50Z" and top["findings"] == []
    assert incidents[1]["events"] == 1 and incidents[1]["services"] == ["haproxy"]
    # a 2-minute gap splits the burst where errors are 130 s and 150 s apart
    assert [i["events"] for i in find_incidents(synthetic_events(), gap=timedelta(minutes=2))] \
        == [4, 1, 1, 1]


def test_incidents_ignore_warnings():
    df = synthetic_events().assign(level="WARNING")
    assert find_incidents(df) == []


COROSYNC = "{ts} {host} corosync[2167]:   [TOTEM ] A new membership ({ring}) was formed. Members joined: 2 3\n"
DC = "{ts} {host} pacemaker-controld[3519]:  notice: Quorum acquired | membership={ring} members=3\n"


def test_clock_offset_from_shared_membership_events():
    """controller-2's clock runs 7 minutes ahead: every membership change it logs 420 s late."""
    frames = []
    base = datetime(2020, 5, 14, 4, 0, 0)
    ahead = {"controller-0": 0.0, "controller-1": 0.8, "controller-2": 420.0}
    for node, skew in ahead.items():
        lines = []
        for k, ring in enumerate(["1.2a", "1.2e", "1.32"]):
            ts = base + timedelta(minutes=17 * k, seconds=skew + 0.3 * k)
            stamp = f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S}"
            lines.append(COROSYNC.format(ts=stamp, host=node, ring=ring))
            lines.append(DC.format(ts=stamp, host=node, ring=40 + k))
        frames.append(node_events(node, "".join(lines), "var/log/messages", "syslog", "UTC",
                                  datetime(2020, 5, 14, 6, tzinfo=timezone.utc)))
    events = pd.concat(frames, ignore_index=True)
    date_checks = {"controller-2": (datetime(2020, 5, 14, 6, 7, 1, tzinfo=timezone.utc),
                                    datetime(2020, 5, 14, 6, 0, 0, tzinfo=timezone.utc))}
    clock = estimate_offsets(events, date_checks)
    cluster = clock[clock["method"] == "cluster-events"].set_index("node")
    assert abs(cluster.loc["controller-2", "offset_s"] - 420) <= 5
    assert abs(cluster.loc["controller-0", "offset_s"]) <= 5
    assert "corosync membership 1.2a" in cluster.loc["controller-2", "evidence"]
    dated = clock[clock["method"] == "date"].iloc[0]
    assert (dated["node"], dated["offset_s"]) == ("controller-2", 421.0)
    flagged = skewed(clock)
    assert set(flagged["node"]) == {"controller-2"}
