"""Conformance of the scanner over the real logs of ../shared/realdata/logs.

Expected counts were checked independently (grep/awk over the files): e.g. the neutron
metadata agent log has 1104 lines at level ERROR (1116 lines contain " ERROR ", 12 of them
in other levels' text), 112 of them start a record ("[context]" after the logger), and 62
"Traceback (most recent call last)" lines.
"""

from __future__ import annotations

from collections import Counter

import pytest

from analyzer.logs.scan import LogScanner

SCANNER = LogScanner()


def scan_real(realdata, name, path, hint):
    return SCANNER.scan((realdata / "logs" / name).read_bytes(), path, hint, None)


def levels(result):
    return dict(Counter(r["level"] for r in result.records))


def test_neutron_metadata_agent(realdata):
    result = scan_real(realdata, "hotsos-neutron-metadata-agent.log.1.txt",
                       "var/log/neutron/neutron-metadata-agent.log.1", "oslo")
    assert result.format == "oslo"
    assert result.lines == 4051
    assert result.counts == {"CRITICAL": 0, "ERROR": 1104, "WARNING": 31, "INFO": 102,
                             "DEBUG": 2814}
    assert levels(result) == {"ERROR": 112, "WARNING": 31}
    assert result.tracebacks == 62
    with_traceback = [r for r in result.records if "Traceback" in r["detail"]]
    assert len(with_traceback) == 31
    first = with_traceback[0]
    assert first["line"] == 1520
    assert first["message"].startswith("Failed reporting state!: oslo_messaging.exceptions."
                                       "MessagingTimeout")
    assert "During handling of the above exception" in first["detail"]
    assert first["service"] == "neutron-metadata-agent"
    # the repeated connection failures fold into few signatures
    sigs = Counter(r["signature"] for r in result.records if r["level"] == "ERROR")
    assert sigs.most_common(1)[0][1] >= 20


def test_oslo_small_samples(realdata):
    old = scan_real(realdata, "insights-neutron-metadata-agent-TRACE-oldstyle.txt",
                    "var/log/neutron/metadata-agent.log", "oslo")
    assert [(r["line"], r["level"]) for r in old.records] == [(2, "WARNING"), (3, "ERROR")]
    assert old.records[1]["detail"].splitlines()[-1].startswith("Unauthorized:")
    assert old.tracebacks == 1
    mistral = scan_real(realdata, "insights-mistral-executor-traceback-tripleo-undercloud.txt",
                        "var/log/mistral/executor.log", "oslo")
    assert len(mistral.records) == 1 and mistral.records[0]["line"] == 6
    assert mistral.counts["ERROR"] == 7 and mistral.counts["DEBUG"] == 4
    cinder = scan_real(realdata, "insights-cinder-api-log-tripleo.txt",
                       "var/log/containers/cinder/cinder-api.log", "oslo")
    assert cinder.records == [] and cinder.counts["INFO"] == 3 and cinder.counts["DEBUG"] == 2


def test_rabbitmq_38_log(realdata):
    result = scan_real(realdata, "hotsos-rabbit@juju-04f1e3-1-lxd-5.log.txt",
                       "var/log/rabbitmq/rabbit@juju-04f1e3-1-lxd-5.log", "rabbitmq")
    assert result.format == "rabbitmq"
    assert result.counts["WARNING"] == 1256 and result.counts["INFO"] == 4644
    assert levels(result) == {"WARNING": 1256}
    closed = [r for r in result.records
              if r["detail"] == "client unexpectedly closed TCP connection"]
    assert len(closed) == 1246
    assert result.records[0]["line"] == 149 and result.records[0]["service"] == "rabbitmq"


def test_rabbitmq_36_reports(realdata):
    result = scan_real(realdata, "insights-rabbitmq-3.x-erlang-report-log.txt",
                       "var/log/rabbitmq/rabbit@controller-0.log", "rabbitmq")
    assert result.format == "rabbitmq_report"
    assert [(r["line"], r["level"]) for r in result.records] == [(5, "ERROR"), (11, "ERROR")]
    assert "frame_too_large" in result.records[0]["detail"]
    assert result.records[1]["detail"] == "fatal_frame_error"


def test_pacemaker_2_log(realdata):
    result = scan_real(realdata, "hotsos-pacemaker.log-pcmk2.0.3-head3000.txt",
                       "var/log/pacemaker/pacemaker.log", "pacemaker")
    assert result.format == "pacemaker"
    assert result.counts["ERROR"] == 18 and result.counts["WARNING"] == 20
    assert result.counts["INFO"] == 2957  # 2324 info + 633 notice
    matched = Counter(m for r in result.records for m in r["matched"])
    assert matched == {"cluster.pacemaker_quorum": 10, "cluster.pacemaker_dc": 3}
    errors = [r for r in result.records if r["level"] == "ERROR"]
    assert errors[0]["logger"] == "pacemaker-schedulerd"
    assert errors[0]["message"].startswith("Resource start-up disabled since no STONITH")


def test_pacemaker_11_log(realdata):
    result = scan_real(realdata, "insights-pacemaker.log-pcmk1.1.txt",
                       "var/log/cluster/pacemaker.log", "pacemaker")
    assert result.format == "pacemaker" and result.records == []
    assert result.counts["INFO"] == 10


def test_journal_with_corosync3_and_pacemaker2(realdata):
    result = scan_real(realdata, "hotsos-journal-corosync3-pacemaker2-startup-excerpt.txt",
                       "sos_commands/pacemaker/crm_report/node1/journal.log", "journal")
    assert result.format == "journal"
    assert levels(result) == {"ERROR": 13, "WARNING": 7, "INFO": 2}
    membership = [r for r in result.records if r["matched"]]
    assert [r["service"] for r in membership] == ["corosync", "corosync"]
    assert membership[0]["message"] == "[TOTEM ] A new membership (3e8.1b) was formed. Members joined: 1000"
    assert all(not r["ts_has_year"] for r in result.records)


def test_mysqld_pxc8(realdata):
    result = scan_real(realdata, "percona-pxc8-galera-node1-upgrade.log.txt",
                       "var/log/mysqld.log", "mysqld")
    assert result.format == "mysqld"
    assert result.counts["ERROR"] == 18 and result.counts["WARNING"] == 142
    assert result.counts["INFO"] == 330
    views = [r for r in result.records if "cluster.galera_view" in r["matched"]]
    assert [r["line"] for r in views] == [58, 161, 260, 547]
    assert views[0]["detail"].startswith("view (view_id(PRIM,0509936f-8cc2,9)")
    assert all(r["ts_is_utc"] for r in result.records)


def test_mysqld_mariadb_2016(realdata):
    result = scan_real(realdata, "insights-mariadb-galera-log-2016.txt", "var/log/mariadb/mariadb.log",
                       "mysqld")
    assert [(r["line"], r["level"]) for r in result.records] == [(2, "WARNING")]
    assert result.records[0]["ts_local"].isoformat() == "2016-11-09T09:25:42"


@pytest.mark.parametrize("name,hint,counts,kept", [
    ("hotsos-ovsdb-server-sb.log.txt", "ovs", {"ERROR": 2, "WARNING": 23, "INFO": 14}, 25),
    ("hotsos-ovn-northd.log.txt", "ovs", {"ERROR": 1, "WARNING": 1, "INFO": 24}, 2),
    ("insights-ceph.log-jewel-slow-requests.txt", "ceph", {"WARNING": 3, "INFO": 6}, 3),
    ("hotsos-haproxy.log.txt", "haproxy", {"INFO": 1}, 0),
])
def test_small_real_logs(realdata, name, hint, counts, kept):
    result = scan_real(realdata, name, f"var/log/{name}", hint)
    assert result.format == hint
    assert {k: v for k, v in result.counts.items() if v} == counts
    assert len(result.records) == kept


def test_rabbitmq_startup_err_is_plain_text(realdata):
    result = scan_real(realdata, "insights-rabbitmq-startup_err.txt",
                       "var/log/rabbitmq/startup_err", "rabbitmq")
    assert result.format == "plain"
    assert [r["message"] for r in result.records] == ["Error: {node_start_failed,normal}"]
