"""The scanner on samples of each format (written for these tests, shaped like real files)."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.logs.scan import LogScanner, service_from_path, split_alternatives

SCANNER = LogScanner()


def scan(text: str, path: str, hint: str | None = None, scanner: LogScanner = SCANNER):
    return scanner.scan(text.encode(), path, hint, None)


NOVA = """\
2020-05-14 04:45:50.101 7 INFO nova.compute.manager [req-6a2f1c3e-5b4d-4e1f-9a8b-7c6d5e4f3a21 - - - - -] [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f] VM Started (Lifecycle Event)
2020-05-14 04:45:51.200 7 DEBUG oslo_concurrency.lockutils [req-6a2f1c3e-5b4d-4e1f-9a8b-7c6d5e4f3a21 - - - - -] Lock "compute_resources" released by "nova.compute.resource_tracker._update_available_resource" :: held 0.051s inner /usr/lib/python3.6/site-packages/oslo_concurrency/lockutils.py:339
2020-05-14 04:45:52.123 7 ERROR nova.compute.manager [req-6a2f1c3e-5b4d-4e1f-9a8b-7c6d5e4f3a21 admin admin - default default] [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f] Instance failed to spawn: libvirt.libvirtError: internal error: process exited while connecting to monitor
2020-05-14 04:45:52.123 7 ERROR nova.compute.manager [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f] Traceback (most recent call last):
2020-05-14 04:45:52.123 7 ERROR nova.compute.manager [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f]   File "/usr/lib/python3.6/site-packages/nova/compute/manager.py", line 2633, in _build_resources
2020-05-14 04:45:52.123 7 ERROR nova.compute.manager [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f]     yield resources
2020-05-14 04:45:52.123 7 ERROR nova.compute.manager [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f] libvirt.libvirtError: internal error: process exited while connecting to monitor
2020-05-14 04:45:52.123 7 ERROR nova.compute.manager [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f] 
2020-05-14 04:45:53.456 7 WARNING nova.compute.manager [req-6a2f1c3e-5b4d-4e1f-9a8b-7c6d5e4f3a21 admin admin - default default] [instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f] Setting instance vm_state to ERROR
2020-05-14 04:45:54.000 7 INFO nova.compute.manager [-] Took 0.05 seconds to deallocate network for instance.
"""


def test_oslo_traceback_folds_into_the_error_record():
    result = scan(NOVA, "var/log/containers/nova/nova-compute.log", "oslo")
    assert result.format == "oslo"
    assert [(r["line"], r["level"]) for r in result.records] == [(3, "ERROR"), (9, "WARNING")]
    err = result.records[0]
    assert err["service"] == "nova"
    assert err["logger"] == "nova.compute.manager" and err["pid"] == "7"
    assert err["request_id"] == "req-6a2f1c3e-5b4d-4e1f-9a8b-7c6d5e4f3a21"
    assert err["message"].startswith("[instance: 0c5d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f] Instance failed")
    assert err["ts_local"] == datetime(2020, 5, 14, 4, 45, 52, 123000)
    assert err["ts_is_utc"] is False
    assert err["detail"].splitlines()[0].endswith("Traceback (most recent call last):")
    assert len(err["detail"].splitlines()) == 4
    assert err["text"].startswith("2020-05-14 04:45:52.123 7 ERROR")
    assert err["signature"].startswith("[instance: <uuid>] Instance failed to spawn")
    assert result.tracebacks == 1
    # ERROR counts lines: the record line and its 5 traceback lines
    assert result.counts == {"CRITICAL": 0, "ERROR": 6, "WARNING": 1, "INFO": 2, "DEBUG": 1}
    assert result.lines == 10


OLD_TRACE = """\
2016-03-02 11:02:17.304 2712 ERROR neutron.agent.dhcp.agent [req-0b9e3f4a-8c1d-4e2f-a3b4-c5d6e7f80912 - - - - -] Unable to sync network state.
2016-03-02 11:02:17.304 2712 TRACE neutron.agent.dhcp.agent Traceback (most recent call last):
2016-03-02 11:02:17.304 2712 TRACE neutron.agent.dhcp.agent   File "/usr/lib/python2.7/site-packages/neutron/agent/dhcp/agent.py", line 171, in sync_state
2016-03-02 11:02:17.304 2712 TRACE neutron.agent.dhcp.agent     enable_dhcp_ids = set(self.plugin_rpc.get_active_networks_info())
2016-03-02 11:02:17.304 2712 TRACE neutron.agent.dhcp.agent MessagingTimeout: Timed out waiting for a reply to message ID 5f0d1a9b2c3e4d5f8a7b6c5d4e3f2a1b
2016-03-02 11:02:17.304 2712 TRACE neutron.agent.dhcp.agent 
2016-03-02 11:02:18.001 2712 INFO neutron.agent.dhcp.agent [-] Synchronizing state
"""


def test_old_trace_lines_fold_into_the_error():
    result = scan(OLD_TRACE, "var/log/neutron/dhcp-agent.log", "oslo")
    assert len(result.records) == 1
    rec = result.records[0]
    assert rec["service"] == "dhcp-agent"
    assert rec["detail"].splitlines()[-1].startswith("MessagingTimeout: Timed out")
    assert result.tracebacks == 1


STDOUT = """\
2020-05-14T04:45:50.000000001+00:00 stdout F ++ cat /run_command
2020-05-14T04:45:52.123456789+00:00 stderr F Traceback (most recent call last):
2020-05-14T04:45:52.123498125+00:00 stderr F   File "/usr/bin/nova-compute", line 10, in <module>
2020-05-14T04:45:52.123512934+00:00 stderr F     sys.exit(main())
2020-05-14T04:45:52.123530011+00:00 stderr F oslo_config.cfg.ConfigFileValueError: Value for option my_ip is not valid: 'x' does not appear to be an IPv4 or IPv6 address
2020-05-14T04:45:53.000000000+00:00 stdout F Running command: '/usr/bin/nova-compute'
2020-05-14T04:45:54.500000000+00:00 stdout F 2020-05-14 04:45:54.499 7 WARNING oslo_config.cfg [-] Deprecated: Option "dhcp_domain" from group "DEFAULT" is deprecated for removal
"""


def test_container_stdout_traceback_and_inner_oslo_line():
    result = scan(STDOUT, "var/log/containers/stdouts/nova_compute.log", "stdout")
    assert result.format == "stdout"
    tb, warn = result.records
    assert tb["service"] == "nova_compute"
    assert tb["level"] == "ERROR" and tb["line"] == 2
    assert tb["ts_local"] == datetime(2020, 5, 14, 4, 45, 52, 123456, tzinfo=timezone.utc)
    assert tb["ts_is_utc"] is True
    assert tb["detail"].splitlines()[-1].startswith("oslo_config.cfg.ConfigFileValueError")
    assert len(tb["detail"].splitlines()) == 3
    assert warn["level"] == "WARNING" and warn["logger"] == "oslo_config.cfg"
    assert warn["message"].startswith("Deprecated: Option")


def test_podman_logs_t_names_the_container():
    text = ("2020-05-14T04:45:52.000000000Z 2020-05-14 04:45:52.000 [error] <0.4711.0> "
            "Mnesia('rabbit@controller-0'): ** ERROR ** mnesia_event got {inconsistent_database,"
            " running_partitioned_network, 'rabbit@controller-1'}\n"
            "2020-05-14T04:45:53.000000000Z 2020-05-14 04:45:53.000 [info] <0.4711.0> ok\n")
    result = scan(text, "sos_commands/podman/containers/podman_logs_-t_rabbitmq-bundle-podman-0",
                  "container_logs")
    assert result.format == "container_logs"
    (rec,) = result.records
    assert rec["service"] == "rabbitmq-bundle-podman-0"
    assert rec["level"] == "ERROR" and rec["pid"] == "<0.4711.0>"
    assert rec["ts_is_utc"] is True


RABBIT_36 = """\
=INFO REPORT==== 14-May-2020::04:45:50 ===
accepting AMQP connection <0.1234.0> (172.17.1.21:50122 -> 172.17.1.10:5672)

=ERROR REPORT==== 14-May-2020::04:45:52 ===
Mnesia('rabbit@controller-0'): ** ERROR ** mnesia_event got {inconsistent_database, running_partitioned_network, 'rabbit@controller-1'}

=WARNING REPORT==== 14-May-2020::04:45:53 ===
closing AMQP connection <0.1234.0> (172.17.1.21:50122 -> 172.17.1.10:5672):
client unexpectedly closed TCP connection
"""


def test_rabbitmq_36_reports_and_an_extra_pattern():
    scanner = LogScanner([("rabbitmq.partition", r"running_partitioned_network")])
    result = scan(RABBIT_36, "var/log/containers/rabbitmq/rabbit@controller-0.log", "rabbitmq",
                  scanner)
    assert result.format == "rabbitmq_report"
    err, warn = result.records
    assert (err["line"], err["level"], err["matched"]) == (4, "ERROR", ["rabbitmq.partition"])
    assert err["message"].startswith("Mnesia('rabbit@controller-0')")
    assert err["ts_local"] == datetime(2020, 5, 14, 4, 45, 52)
    assert warn["detail"] == "client unexpectedly closed TCP connection"
    assert result.counts["INFO"] == 1 and result.counts["ERROR"] == 1
    assert err["service"] == "rabbitmq"


RABBIT_38 = """\
2020-05-14 04:45:50.001 [info] <0.8.0> Log file opened with Lager
2020-05-14 04:45:52.123 [error] <0.1234.0> closing AMQP connection <0.1234.0> (172.17.1.21:50122 -> 172.17.1.10:5672):
missed heartbeats from client, timeout: 60s
2020-05-14 04:45:53.000 [info] <0.1235.0> Mirrored queue 'notifications.info' in vhost '/': Adding mirror on node 'rabbit@controller-1': <28402.1234.0>
2020-05-14 04:45:54.000 [info] <0.1236.0> rabbit on node 'rabbit@controller-2' down
"""


def test_rabbitmq_38_continuation_and_info_pattern():
    scanner = LogScanner([("rabbitmq.node-down", r"rabbit on node \S+ down")])
    result = scan(RABBIT_38, "var/log/containers/rabbitmq/rabbit@controller-0.log", "rabbitmq",
                  scanner)
    assert result.format == "rabbitmq"
    err, down = result.records
    assert err["detail"] == "missed heartbeats from client, timeout: 60s"
    assert err["pid"] == "<0.1234.0>"
    assert (down["level"], down["matched"], down["line"]) == ("INFO", ["rabbitmq.node-down"], 5)
    assert result.counts["INFO"] == 3


MYSQLD = """\
2020-05-14  4:45:50 0 [Note] WSREP: Read nil XID from storage engines, skipping position init
2020-05-14  4:45:52 0 [ERROR] WSREP: failed to open gcomm backend connection: 110: failed to reach primary view: 110 (Connection timed out)
\t at gcomm/src/pc.cpp:connect():158
2020-05-14  4:45:53 0 [Warning] WSREP: Gap in state sequence. Need state transfer.
200514  4:45:54 [ERROR] Aborting
200514 04:45:55 mysqld_safe mysqld from pid file /var/run/mariadb/mariadb.pid ended
"""


def test_mysqld_new_and_old_stamps():
    result = scan(MYSQLD, "var/log/containers/mysql/mysqld.log", "mysqld")
    assert result.format == "mysqld"
    assert [(r["line"], r["level"]) for r in result.records] == [
        (2, "ERROR"), (4, "WARNING"), (5, "ERROR")]
    assert result.records[0]["detail"] == "\t at gcomm/src/pc.cpp:connect():158"
    assert result.records[0]["ts_local"] == datetime(2020, 5, 14, 4, 45, 52)
    assert result.records[2]["ts_local"] == datetime(2020, 5, 14, 4, 45, 54)
    assert result.records[0]["service"] == "mysql"


PCMK2 = """\
May 14 04:45:50 controller-0 pacemaker-controld  [3519] (update_dc) \tinfo: Set DC to controller-0 (3.2.1)
May 14 04:45:52 controller-0 pacemaker-controld  [3519] (process_lrm_event) \terror: Result of start operation for rabbitmq-bundle-podman-1 on controller-0: Timed Out | call=112 key=rabbitmq-bundle-podman-1_start_0 timeout=120000ms
May 14 04:45:53 controller-0 pacemaker-schedulerd[3518] (pe_get_failcount) \twarning: Forcing rabbitmq-bundle-podman-1 away from controller-0 after 1000000 failures (max=1000000)
"""
PCMK11 = """\
May 14 04:45:52 [3519] controller-0.localdomain       crmd:    error: process_lrm_event: \tResult of start operation for galera on controller-0: 1 (unknown error) | call=55 key=galera_start_0
May 14 04:45:53 [3519] controller-0.localdomain       crmd:   notice: do_state_transition: \tState transition S_IDLE -> S_POLICY_ENGINE
"""
COROSYNC = """\
May 14 04:45:52 [2167] controller-0 corosync notice  [TOTEM ] A new membership (172.17.1.10:1260) was formed. Members left: 3
May 14 04:45:52 [2167] controller-0 corosync warning [MAIN  ] Totem is unable to form a cluster because of an operating system or network fault.
"""


@pytest.mark.parametrize("text,levels", [
    (PCMK2, [("INFO", ["cluster.pacemaker_dc"]), ("ERROR", []), ("WARNING", [])]),
    (PCMK11, [("ERROR", [])]),
    (COROSYNC, [("INFO", ["cluster.corosync_membership"]), ("WARNING", [])]),
])
def test_pacemaker_and_corosync_logs(text, levels):
    result = scan(text, "var/log/pacemaker/pacemaker.log", "pacemaker")
    assert result.format == "pacemaker"
    assert [(r["level"], r["matched"]) for r in result.records] == levels
    assert all(r["ts_has_year"] is False for r in result.records)
    assert result.records[0]["ts_local"].strftime("%m-%d %H:%M") in ("05-14 04:45",)


SYSLOG = """\
May  4 23:59:58 controller-0 systemd[1]: Started Session 41 of user root.
May  4 23:59:59 controller-0 kernel: Out of memory: Killed process 4242 (mysqld) total-vm:8123456kB, anon-rss:6123456kB
May  5 00:00:01 controller-0 systemd[1]: tripleo_nova_compute.service: Failed with result 'exit-code'.
May  5 00:00:02 controller-0 pacemaker-controld[3519]:  warning: Unexpected result (error) was recorded for start of galera:0 on controller-0
May  5 00:00:03 controller-0 dbus-daemon[888]: [system] Successfully activated service 'org.freedesktop.hostname1'
"""


def test_syslog_levels_from_messages_and_space_padded_days():
    result = scan(SYSLOG, "var/log/messages", "syslog")
    assert result.format == "syslog"
    assert [(r["service"], r["level"], r["line"]) for r in result.records] == [
        ("kernel", "CRITICAL", 2), ("systemd", "ERROR", 3), ("pacemaker-controld", "WARNING", 4)]
    assert result.records[0]["ts_local"].replace(year=2020) == datetime(2020, 5, 4, 23, 59, 59)
    assert result.records[2]["message"].startswith("warning: Unexpected result")
    assert result.counts["INFO"] == 2


def test_journal_short_iso():
    text = ("-- Logs begin at Thu 2020-05-14 00:00:01 UTC, end at Thu 2020-05-14 05:00:00 UTC. --\n"
            "2020-05-14T04:45:52+0000 controller-0 podman[4242]: Error: no container with name or "
            "ID nova_compute found: no such container\n")
    result = scan(text, "sos_commands/logs/journalctl_--no-pager", "journal")
    assert result.format == "journal"
    (rec,) = result.records
    assert rec["level"] == "ERROR" and rec["ts_is_utc"] and rec["ts_has_year"]
    assert rec["ts_local"] == datetime(2020, 5, 14, 4, 45, 52, tzinfo=timezone.utc)


def test_ovs_vlog_is_utc():
    text = ("2020-05-14T04:45:50.001Z|00011|vlog|INFO|opened log file /var/log/openvswitch/ovs-vswitchd.log\n"
            "2020-05-14T04:45:52.123Z|00012|reconnect|WARN|tcp:172.17.1.10:6642: connection dropped (Broken pipe)\n"
            "2020-05-14T04:45:53.000Z|00013|ovsdb_idl|ERR|tcp:172.17.1.10:6642: error parsing update\n")
    result = scan(text, "var/log/openvswitch/ovs-vswitchd.log", "ovs")
    assert [(r["level"], r["logger"]) for r in result.records] == [
        ("WARNING", "reconnect"), ("ERROR", "ovsdb_idl")]
    assert result.records[0]["ts_local"].utcoffset() == timedelta(0)
    assert result.counts["INFO"] == 1


def test_haproxy_server_down():
    text = ("May 14 04:45:50 controller-0 haproxy[17]: Proxy mysql started.\n"
            "May 14 04:45:52 controller-0 haproxy[17]: Server mysql/controller-1.internalapi.localdomain is DOWN, "
            "reason: Layer4 timeout, check duration: 2001ms. 1 active and 1 backup servers left.\n"
            "May 14 04:45:53 controller-0 haproxy[17]: backend mysql has no server available!\n")
    result = scan(text, "var/log/containers/haproxy/haproxy.log", "haproxy")
    assert result.format == "haproxy"
    assert [r["level"] for r in result.records] == ["WARNING", "CRITICAL"]
    assert result.records[0]["service"] == "haproxy"


def test_httpd_error_log():
    text = ("[Thu May 14 04:45:50.000001 2020] [mpm_prefork:notice] [pid 12] AH00163: Apache/2.4.37 configured\n"
            "[Thu May 14 04:45:52.123456 2020] [wsgi:error] [pid 42] [remote 172.17.1.21:51234] mod_wsgi (pid=42): "
            "Exception occurred processing WSGI script '/var/www/cgi-bin/keystone/main'.\n")
    result = scan(text, "var/log/containers/httpd/keystone/keystone_wsgi_error.log", "httpd")
    (rec,) = result.records
    assert (rec["level"], rec["logger"], rec["pid"]) == ("ERROR", "wsgi", "42")
    assert rec["ts_local"] == datetime(2020, 5, 14, 4, 45, 52, 123456)
    assert rec["service"] == "httpd"


def test_ceph_cluster_and_daemon_logs():
    text = ("2020-05-14 04:45:52.123456 mon.controller-0 mon.0 172.17.3.10:6789/0 4711 : cluster [WRN] "
            "Health check failed: 1 osds down (OSD_DOWN)\n"
            "2020-05-14 04:45:53.000000 mon.controller-0 mon.0 172.17.3.10:6789/0 4712 : cluster [INF] pgmap v1\n")
    result = scan(text, "var/log/ceph/ceph.log", "ceph")
    assert [r["level"] for r in result.records] == ["WARNING"]
    daemon = "2020-05-14T04:45:52.123+0000 7f3a2b7fe700 -1 osd.3 1234 heartbeat_check: no reply from 172.17.3.11:6804\n"
    (rec,) = scan(daemon, "var/log/ceph/ceph-osd.3.log", "ceph").records
    assert rec["level"] == "ERROR" and rec["ts_is_utc"]


def test_gzip_member_is_read():
    data = gzip.compress(NOVA.encode())
    result = SCANNER.scan(data, "var/log/containers/nova/nova-compute.log.1.gz", "oslo", None)
    assert len(result.records) == 2 and result.records[0]["service"] == "nova"
    truncated = SCANNER.scan(data[: len(data) // 2], "var/log/nova/nova-compute.log.2.gz", "oslo", None)
    assert truncated.problems and truncated.problems[0][1].startswith(("truncated", "corrupt"))


def test_impossible_timestamp_is_a_problem_not_an_exception():
    text = NOVA + "2020-13-45 04:45:52.123 7 ERROR nova.compute.manager [-] broken clock\n"
    result = scan(text, "var/log/nova/nova-compute.log", "oslo")
    assert result.problems == [(11, "unparsable timestamp: month must be in 1..12")]
    assert [(r["line"], r["ts_local"], r["level"]) for r in result.records[2:]] == [
        (11, None, "ERROR")]


@pytest.mark.parametrize("path,service", [
    ("var/log/containers/nova/nova-compute.log", "nova"),
    ("var/log/containers/stdouts/nova_compute.log.1", "nova_compute"),
    ("var/log/containers/stdouts/rabbitmq-bundle.log", "rabbitmq-bundle"),
    ("sos_commands/podman/containers/podman_logs_-t_galera-bundle-podman-0", "galera-bundle-podman-0"),
    ("sos_commands/rabbitmq/docker_logs_rabbitmq-bundle-docker-0", "rabbitmq-bundle-docker-0"),
    ("var/log/nova/nova-api.log.1.gz", "nova-api"),
    ("var/log/messages-20200514", "messages"),
])
def test_service_from_path(path, service):
    assert service_from_path(path) == service


def test_split_alternatives_keeps_groups_whole():
    assert split_alternatives(rb"running_partitioned_network|Partial partition") == [
        rb"running_partitioned_network", rb"Partial partition"]
    assert split_alternatives(rb"a(b|c)|[|]d") == [rb"a(b|c)", rb"[|]d"]
    assert split_alternatives(rb"(?i)error|fail") == [rb"(?i)error|fail"]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "oslo", "syslog", "rabbitmq", "stdout",
                                                   "mysqld", "pacemaker", "ceph"]))
def test_garbage_never_raises(data, hint):
    result = SCANNER.scan(data + b"\n2020-05-14 04:45:52.123 7 ERROR x [-] Traceback", "x.log",
                          hint, None)
    # data starting with the gzip magic is taken as gzip: when corrupt, a problem says so
    assert result.lines >= 1 or any("gzip" in problem for _, problem in result.problems)
