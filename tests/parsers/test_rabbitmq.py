"""rabbitmqctl report / cluster_status: 3.6 Erlang terms and 3.8+ text, plus realdata conformance."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import ParseError
from analyzer.parsers.rabbitmq import Atom, parse_erlang_term, parse_rabbitmq_report
from tests.conftest import read_realdata

OSP13_PATH = "sos_commands/rabbitmq/docker_exec_-t_rabbitmq-bundle-docker-0_rabbitmqctl_report"
OSP16_PATH = "sos_commands/rabbitmq/podman_exec_rabbitmq-bundle-podman-0_rabbitmqctl_report"

# RHOSP 13 controller-0 after a partition: it only sees itself running and has a memory alarm.
REPORT_36 = """\
Reporting server status on {{2021,3,2},{9,41,7}}

 ...
Status of node 'rabbit@controller-0'
[{pid,2371},
 {running_applications,
     [{rabbitmq_management,"RabbitMQ Management Console","3.6.16"},
      {rabbit,"RabbitMQ","3.6.16"},
      {mnesia,"MNESIA  CXC 138 12","4.15.3"},
      {kernel,"ERTS  CXC 138 10","5.4.1"}]},
 {os,{unix,linux}},
 {erlang_version,
     "Erlang/OTP 20 [erts-9.3.3.3] [source] [64-bit] [smp:8:8] [ds:8:8:10] [async-threads:128] [hipe] [kernel-poll:true]\\n"},
 {memory,[{connection_readers,1212464},{total,3289776592}]},
 {alarms,[memory]},
 {listeners,[{clustering,25672,"::"},{amqp,5672,"172.17.1.15"}]},
 {vm_memory_high_watermark,0.4},
 {vm_memory_limit,3289680281},
 {disk_free_limit,50000000},
 {disk_free,38912151552},
 {file_descriptors,[{total_limit,65436},{total_used,521},{sockets_limit,58890},{sockets_used,519}]},
 {processes,[{limit,1048576},{used,7943}]},
 {run_queue,0},
 {uptime,189204},
 {kernel,{net_ticktime,15}}]

Cluster status of node 'rabbit@controller-0'
[{nodes,[{disc,['rabbit@controller-0','rabbit@controller-1',
                'rabbit@controller-2']}]},
 {running_nodes,['rabbit@controller-0']},
 {cluster_name,<<"rabbit@controller-0.localdomain">>},
 {partitions,[{'rabbit@controller-0',['rabbit@controller-1',
                                      'rabbit@controller-2']}]},
 {alarms,[{'rabbit@controller-0',[memory]}]}]

Application environment of node 'rabbit@controller-0'
[{amqp_client,[{prefer_ipv6,false},{ssl_options,[]}]},
 {rabbit,[{cluster_partition_handling,ignore},{default_user,<<"guest">>}]}]

Connections:
pid\tname\tport\thost\tpeer_port\tpeer_host\tssl\tpeer_cert_subject\tpeer_cert_issuer\tpeer_cert_validity\tauth_mechanism\tssl_protocol\tssl_key_exchange\tssl_cipher\tssl_hash\tprotocol\tuser\tvhost\ttimeout\tframe_max\tchannel_max\tclient_properties\tconnected_at\trecv_oct\trecv_cnt\tsend_oct\tsend_cnt\tsend_pend\tstate\tchannels\treductions\tgarbage_collection

Queues on /:
pid\tname\tdurable\tauto_delete\targuments\towner_pid\texclusive\tmessages_ready\tmessages_unacknowledged\tmessages\treductions\tpolicy\texclusive_consumer_pid\texclusive_consumer_tag\tconsumers\tconsumer_utilisation\tmemory\tslave_pids\tsynchronised_slave_pids\trecoverable_slaves\tstate
<rabbit@controller-0.3.1201.0>\tconductor\tfalse\tfalse\t[]\t\tfalse\t0\t0\t0\t27841\tha-all\t\t\t3\t1.0\t55928\t[]\t[]\t\trunning
<rabbit@controller-0.3.1244.0>\tnotifications.info\tfalse\tfalse\t[]\t\tfalse\t18211\t0\t18211\t90313\tha-all\t\t\t0\t\t3392848\t[]\t[]\t\trunning
<rabbit@controller-1.1.977.0>\tq-plugin\tfalse\tfalse\t[]\t\tfalse\t0\t0\t0\t55180\tha-all\t\t\t0\t\t14000\t[]\t[]\t\tdown

Exchanges on /:
name\ttype\tdurable\tauto_delete\tinternal\targuments\tpolicy
amq.direct\tdirect\ttrue\tfalse\tfalse\t[]\t
"""

# RHOSP 16.2 (RabbitMQ 3.8.16) cluster_status section with a partition and a disk alarm.
CLUSTER_STATUS_38 = """\
Cluster status of node rabbit@controller-1 ...
\x1b[1mBasics\x1b[0m

Cluster name: rabbit@controller-1.internalapi.redhat.local

\x1b[1mDisk Nodes\x1b[0m

rabbit@controller-0
rabbit@controller-1
rabbit@controller-2

\x1b[1mRunning Nodes\x1b[0m

rabbit@controller-1
rabbit@controller-2

\x1b[1mVersions\x1b[0m

rabbit@controller-1: RabbitMQ 3.8.16 on Erlang 23.3.4.7
rabbit@controller-2: RabbitMQ 3.8.16 on Erlang 23.3.4.7

\x1b[1mMaintenance status\x1b[0m

Node: rabbit@controller-1, status: not under maintenance
Node: rabbit@controller-2, status: not under maintenance

\x1b[1mAlarms\x1b[0m

Free disk space alarm on node rabbit@controller-2

\x1b[1mNetwork Partitions\x1b[0m

Node rabbit@controller-1 cannot communicate with rabbit@controller-0
Node rabbit@controller-2 cannot communicate with rabbit@controller-0

\x1b[1mListeners\x1b[0m

Node: rabbit@controller-1, interface: 172.17.1.56, port: 25672, protocol: clustering, purpose: inter-node and CLI tool communication
Node: rabbit@controller-1, interface: 172.17.1.56, port: 5672, protocol: amqp, purpose: AMQP 0-9-1 and AMQP 1.0
Node: rabbit@controller-2, interface: 172.17.1.67, port: 25672, protocol: clustering, purpose: inter-node and CLI tool communication
Node: rabbit@controller-2, interface: 172.17.1.67, port: 5672, protocol: amqp, purpose: AMQP 0-9-1 and AMQP 1.0

\x1b[1mFeature flags\x1b[0m

Flag: drop_unroutable_metric, state: enabled
Flag: quorum_queue, state: enabled
"""

NODE_DOWN_36 = """\
Status of node 'rabbit@controller-2'
Error: unable to connect to node 'rabbit@controller-2': nodedown

DIAGNOSTICS
===========

attempted to contact: ['rabbit@controller-2']
"""


def test_36_report_cluster_status_with_partition():
    tables = parse_rabbitmq_report(REPORT_36, OSP13_PATH)
    [row] = tables["rabbitmq"]
    assert row["node_name"] == "rabbit@controller-0" and row["line"] == 27
    assert row["cluster_name"] == "rabbit@controller-0.localdomain"
    assert row["version"] == "3.6.16"
    assert row["disc_nodes"] == ["rabbit@controller-0", "rabbit@controller-1", "rabbit@controller-2"]
    assert row["running_nodes"] == ["rabbit@controller-0"]
    assert row["stopped_nodes"] == ["rabbit@controller-1", "rabbit@controller-2"]
    assert row["partitioned"] is True
    assert row["partitions"] == [{"node": "rabbit@controller-0",
                                  "partitioned_from": ["rabbit@controller-1", "rabbit@controller-2"]}]
    assert row["alarms"] == ["Memory alarm on node rabbit@controller-0"]
    assert row["listeners"] == ["clustering:25672", "amqp:5672"]


def test_36_report_queues():
    queues = parse_rabbitmq_report(REPORT_36, OSP13_PATH)["rabbitmq_queues"]
    assert [(q["queue"], q["messages"], q["consumers"], q["state"]) for q in queues] == [
        ("conductor", 0, 3, "running"), ("notifications.info", 18211, 0, "running"), ("q-plugin", 0, 0, "down")]
    assert queues[1]["vhost"] == "/" and queues[1]["line"] == 46
    assert queues[2]["queue_node"] == "rabbit@controller-1"


def test_38_cluster_status_with_partition_and_alarm():
    [row] = parse_rabbitmq_report(CLUSTER_STATUS_38, OSP16_PATH)["rabbitmq"]
    assert row["format"] == "text" and row["node_name"] == "rabbit@controller-1"
    assert row["cluster_name"] == "rabbit@controller-1.internalapi.redhat.local"
    assert row["version"] == "3.8.16"
    assert row["running_nodes"] == ["rabbit@controller-1", "rabbit@controller-2"]
    assert row["stopped_nodes"] == ["rabbit@controller-0"]
    assert [p["node"] for p in row["partitions"]] == ["rabbit@controller-1", "rabbit@controller-2"]
    assert all(p["partitioned_from"] == ["rabbit@controller-0"] for p in row["partitions"])
    assert row["alarms"] == ["Free disk space alarm on node rabbit@controller-2"]
    assert row["listeners"] == ["clustering:25672", "amqp:5672"]


def test_unreachable_node_gives_an_error_row():
    [row] = parse_rabbitmq_report(NODE_DOWN_36, OSP13_PATH)["rabbitmq"]
    assert row["node_name"] == "rabbit@controller-2"
    assert "nodedown" in row["error"] and row["line"] == 2
    assert row["running_nodes"] == []


def test_erlang_terms():
    term = parse_erlang_term("[{a,'B c',<<\"bin\">>,\"str\",-3,1.5e3,<0.12.0>,#{k => [x|y]}},[]]")
    assert term == [("a", "B c", "bin", "str", -3, 1500.0, "<0.12.0>", {"k": ["x", "y"]}), []]
    assert isinstance(term[0][0], Atom) and not isinstance(term[0][3], Atom)


def test_cut_erlang_term_is_a_parse_error_with_line():
    cut = REPORT_36[:REPORT_36.index("{cluster_name")]
    with pytest.raises(ParseError) as err:
        parse_rabbitmq_report(cut, OSP13_PATH)
    assert err.value.line == 30  # where the cut term stops making sense


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_garbage_only_raises_parse_error(text):
    for candidate in (text, "Cluster status of node 'rabbit@c-0'\n[" + text):
        try:
            parse_rabbitmq_report(candidate, OSP16_PATH)
        except ParseError:
            pass


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(REPORT_36)))
def test_cut_report_only_raises_parse_error(cut):
    try:
        parse_rabbitmq_report(REPORT_36[cut:], OSP13_PATH)
        parse_rabbitmq_report(REPORT_36[:cut] + "[[[" * 400, OSP13_PATH)
    except ParseError:
        pass


# --- conformance over ../shared/realdata -----------------------------------------------------

JUJU36 = ["rabbit@juju-52088b-0-lxd-11", "rabbit@juju-52088b-1-lxd-11", "rabbit@juju-52088b-2-lxd-10"]


def test_realdata_36_cluster_status_section():
    [row] = parse_rabbitmq_report(read_realdata("rabbitmq/hotsos-cluster_status-section-3.6.10.txt"),
                                  "sos_commands/rabbitmq/rabbitmqctl_cluster_status")["rabbitmq"]
    assert row["node_name"] == "rabbit@juju-52088b-2-lxd-10"
    assert row["cluster_name"] == "rabbit@juju-52088b-0-lxd-11"
    assert row["disc_nodes"] == JUJU36 and row["running_nodes"] == JUJU36
    assert row["partitions"] == [] and row["alarms"] == [] and row["stopped_nodes"] == []


def test_realdata_36_full_report_has_three_nodes_and_queues():
    tables = parse_rabbitmq_report(read_realdata("rabbitmq/hotsos-rabbitmqctl_report-3.6.10-bionic.txt"),
                                   "sos_commands/rabbitmq/rabbitmqctl_report")
    rows = tables["rabbitmq"]
    assert [r["node_name"] for r in rows] == [JUJU36[2], JUJU36[1], JUJU36[0]]
    assert [r["line"] for r in rows] == [69, 281, 496]
    assert all(sorted(r["running_nodes"]) == JUJU36 and r["version"] == "3.6.10" for r in rows)
    assert all(r["listeners"] == ["clustering:25672", "amqp:5672", "http:15672"] for r in rows)
    queues = tables["rabbitmq_queues"]
    assert len(queues) == 1320 and {q["vhost"] for q in queues} == {"openstack"}
    stuck = [q for q in queues if q["messages"] and not q["consumers"]]
    assert [(q["queue"], q["messages"]) for q in stuck] == [("notifications.info", 4762)]


def test_realdata_38_report():
    tables = parse_rabbitmq_report(read_realdata("rabbitmq/hotsos-rabbitmqctl_report-3.8.2.txt"),
                                   "sos_commands/rabbitmq/rabbitmqctl_report")
    [row] = tables["rabbitmq"]
    assert row["node_name"] == "rabbit@juju-04f1e3-1-lxd-5" and row["line"] == 93
    assert row["cluster_name"] == "rabbit@juju-04f1e3-1-lxd-5.mylab.home"
    assert row["version"] == "3.8.2"
    assert row["disc_nodes"] == row["running_nodes"] == ["rabbit@juju-04f1e3-1-lxd-5"]
    assert row["partitions"] == [] and row["alarms"] == []
    queues = tables["rabbitmq_queues"]
    assert len(queues) == 194  # the report's own "Queue count: 194"
    assert {q["vhost"] for q in queues} == {"openstack"}
    assert not [q for q in queues if q["messages"] and not q["consumers"]]


def test_realdata_38_cluster_status_section():
    [row] = parse_rabbitmq_report(read_realdata("rabbitmq/hotsos-cluster_status-section-3.8.2.txt"),
                                  "sos_commands/rabbitmq/rabbitmqctl_cluster_status")["rabbitmq"]
    assert row["version"] == "3.8.2" and row["listeners"] == ["clustering:25672", "amqp:5672", "http:15672"]
    assert row["running_nodes"] == ["rabbit@juju-04f1e3-1-lxd-5"]


def test_report_of_a_stopped_rabbit_app_gives_an_error_row_naming_the_node():
    text = ("Reporting server status of node rabbit@controller-2 ...\n\nError:\n"
            "this command requires the 'rabbit' app to be running on the target node. "
            "Start it with 'rabbitmqctl start_app'.\nArguments given:\n\treport\n")
    [row] = parse_rabbitmq_report(text, "sos_commands/rabbitmq/podman_exec_rabbitmq-bundle-podman-2_rabbitmqctl_report")["rabbitmq"]
    assert row["node_name"] == "rabbit@controller-2"
    assert row["format"] == "error" and "'rabbit' app to be running" in row["error"]
    assert row["line"] == 3
