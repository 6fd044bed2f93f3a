"""Galera artifacts: wsrep status, grastate.dat, gvwstate.dat, galera.cnf; realdata conformance."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import ParseError
from analyzer.parsers.galera import parse_galera_cnf, parse_galera_status, parse_grastate, parse_gvwstate
from analyzer.redact import MARKER_PREFIX
from tests.conftest import read_realdata

# controller-2 cut off from the other two: non-Primary, not Synced, not ready.
NON_PRIMARY_TABLE = """\
[root@controller-2 ~]# podman exec -it galera-bundle-podman-2 mysql -e "SHOW GLOBAL STATUS LIKE 'wsrep_%';"
+------------------------------+--------------------------------------+
| Variable_name                | Value                                |
+------------------------------+--------------------------------------+
| wsrep_local_state_uuid       | 6c4d2b6e-3f1a-11ec-8a2e-b7d3c0e5a9f1 |
| wsrep_protocol_version       | 9                                    |
| wsrep_last_committed         | 482913                               |
| wsrep_local_recv_queue_avg   | 0.013514                             |
| wsrep_local_state            | 0                                    |
| wsrep_local_state_comment    | Initialized                          |
| wsrep_incoming_addresses     | 172.16.2.12:3306                     |
| wsrep_evs_state              | OPERATIONAL                          |
| wsrep_cluster_conf_id        | 18446744073709551615                 |
| wsrep_cluster_size           | 1                                    |
| wsrep_cluster_state_uuid     | 6c4d2b6e-3f1a-11ec-8a2e-b7d3c0e5a9f1 |
| wsrep_cluster_status         | non-Primary                          |
| wsrep_connected              | ON                                   |
| wsrep_local_index            | 0                                    |
| wsrep_provider_name          | Galera                               |
| wsrep_provider_vendor        | Codership Oy <info@codership.com>    |
| wsrep_provider_version       | 26.4.8(r4a3a5a8)                     |
| wsrep_ready                  | OFF                                  |
+------------------------------+--------------------------------------+
"""

# `mysql -B` of two nodes pasted one after the other.
TAB_TWO_NODES = """\
[root@controller-0 ~]# podman exec galera-bundle-podman-0 mysql -B -e "SHOW GLOBAL STATUS LIKE 'wsrep_%'" | egrep 'size|status|comment|ready|committed'
Variable_name\tValue
wsrep_last_committed\t482977
wsrep_local_state_comment\tSynced
wsrep_cluster_size\t2
wsrep_cluster_status\tPrimary
wsrep_ready\tON
[root@controller-1 ~]# podman exec galera-bundle-podman-1 mysql -B -e "SHOW GLOBAL STATUS LIKE 'wsrep_%'" | egrep 'size|status|comment|ready|committed'
Variable_name\tValue
wsrep_last_committed\t482977
wsrep_local_state_comment\tDonor/Desynced
wsrep_cluster_size\t2
wsrep_cluster_status\tPrimary
wsrep_ready\tON
"""

VERTICAL = """\
*************************** 1. row ***************************
Variable_name: wsrep_cluster_size
        Value: 3
*************************** 2. row ***************************
Variable_name: wsrep_cluster_status
        Value: Primary
"""

GRASTATE_CRASHED = """\
# GALERA saved state
version: 2.1
uuid:    6c4d2b6e-3f1a-11ec-8a2e-b7d3c0e5a9f1
seqno:   -1
safe_to_bootstrap: 0
"""

GVWSTATE = """\
my_uuid: 9acf4d34-acdb-11e6-bcc3-d3e36276629f
#vwbeg
view_id: 3 9acf4d34-acdb-11e6-bcc3-d3e36276629f 7
bootstrap: 0
member: 9acf4d34-acdb-11e6-bcc3-d3e36276629f 0
member: 8c21fa8a-acdb-11e6-9b41-5fd8d6a2e8c4 0
member: 73e8a9d8-acdb-11e6-9d34-8bb2fb0e5bf9 0
#vwend
"""

GALERA_CNF = """\
# This file is managed by Puppet
[client]
port = 3306
socket = /var/lib/mysql/mysql.sock

[isamchk]
key_buffer_size = 16M

[mysqld]
basedir = /usr
bind-address = controller-0.internalapi.localdomain
binlog_format = ROW
datadir = /var/lib/mysql
default-storage-engine = innodb
innodb_autoinc_lock_mode = 2
innodb_locks_unsafe_for_binlog = 1
max_connections = 4096
wsrep_auto_increment_control = 1
wsrep_causal_reads = 0
wsrep_certify_nonPK = 1
wsrep_cluster_address = gcomm://controller-0.internalapi.localdomain,controller-1.internalapi.localdomain,controller-2.internalapi.localdomain
wsrep_cluster_name = galera_cluster
wsrep_node_address = controller-0.internalapi.localdomain
wsrep_node_name = controller-0.internalapi.localdomain
wsrep_on = ON
wsrep_provider = /usr/lib64/galera/libgalera_smm.so
wsrep_provider_options = gmcast.listen_addr=tcp://172.16.2.10:4567;socket.ssl_key=/etc/pki/tls/private/mysql.key;socket.ssl_password=Rt5uXk2pQ9
wsrep_slave_threads = 1
wsrep_sst_auth = "root:Zq8hN4bWfE"
wsrep_sst_method = rsync

[mysqld_safe]
log-error = /var/log/mysql/mysqld.log
"""


def test_non_primary_table():
    [row] = parse_galera_status(NON_PRIMARY_TABLE, "sos_commands/mysql/galera_wsrep_status")["galera"]
    assert row["record"] == "wsrep_status" and row["node_name"] == "controller-2"
    assert row["wsrep_cluster_status"] == "non-Primary" and row["wsrep_cluster_size"] == 1
    assert row["wsrep_local_state_comment"] == "Initialized" and row["wsrep_ready"] == "OFF"
    assert row["wsrep_last_committed"] == 482913 and row["wsrep_local_recv_queue_avg"] == 0.013514
    assert row["wsrep_provider_vendor"] == "Codership Oy <info@codership.com>"
    assert row["uuid"] == "6c4d2b6e-3f1a-11ec-8a2e-b7d3c0e5a9f1"
    assert row["line"] == 5


def test_tab_form_of_two_nodes():
    rows = parse_galera_status(TAB_TWO_NODES, "wsrep.txt")["galera"]
    assert [(r["node_name"], r["wsrep_local_state_comment"], r["wsrep_cluster_size"]) for r in rows] == [
        ("controller-0", "Synced", 2), ("controller-1", "Donor/Desynced", 2)]
    assert [r["line"] for r in rows] == [3, 10]


def test_vertical_form():
    [row] = parse_galera_status(VERTICAL, "wsrep.txt")["galera"]
    assert (row["wsrep_cluster_size"], row["wsrep_cluster_status"]) == (3, "Primary")


def test_cut_table_row_keeps_previous_rows():
    cut = NON_PRIMARY_TABLE[:NON_PRIMARY_TABLE.index("| wsrep_ready") + 20]
    with pytest.raises(ParseError) as err:
        parse_galera_status(cut, "wsrep.txt")
    assert err.value.line == 22
    assert err.value.partial["galera"][0]["wsrep_cluster_status"] == "non-Primary"


def test_grastate_after_crash():
    [row] = parse_grastate(GRASTATE_CRASHED, "var/lib/mysql/grastate.dat")["galera"]
    assert (row["uuid"], row["seqno"], row["safe_to_bootstrap"], row["version"]) == (
        "6c4d2b6e-3f1a-11ec-8a2e-b7d3c0e5a9f1", -1, 0, "2.1")


def test_grastate_bad_seqno_is_a_parse_error():
    with pytest.raises(ParseError) as err:
        parse_grastate(GRASTATE_CRASHED.replace("-1", "minus one"), "grastate.dat")
    assert err.value.line == 4


def test_gvwstate():
    [row] = parse_gvwstate(GVWSTATE, "var/lib/mysql/gvwstate.dat")["galera"]
    assert row["gvwstate_my_uuid"] == "9acf4d34-acdb-11e6-bcc3-d3e36276629f"
    assert row["gvwstate_view_id"] == "3 9acf4d34-acdb-11e6-bcc3-d3e36276629f 7"
    assert len(row["gvwstate_members"]) == 3 and row["gvwstate_members"][1].startswith("8c21fa8a")
    with pytest.raises(ParseError) as err:
        parse_gvwstate(GVWSTATE[:GVWSTATE.index("#vwend")], "gvwstate.dat")
    assert err.value.partial["galera"][0]["gvwstate_my_uuid"] == row["gvwstate_my_uuid"]


def test_galera_cnf_with_secrets_redacted():
    path = "var/lib/config-data/puppet-generated/mysql/etc/my.cnf.d/galera.cnf"
    [row] = parse_galera_cnf(GALERA_CNF, path)["galera"]
    assert row["node_name"] == "controller-0.internalapi.localdomain"
    assert row["cluster_members"] == ["controller-0.internalapi.localdomain",
                                      "controller-1.internalapi.localdomain",
                                      "controller-2.internalapi.localdomain"]
    assert row["cluster_address"].startswith("gcomm://controller-0") and row["line"] == 21
    assert row["wsrep_cluster_name"] == "galera_cluster" and row["wsrep_sst_method"] == "rsync"
    assert row["wsrep_sst_auth"].startswith("root:" + MARKER_PREFIX)
    assert "socket.ssl_key=/etc/pki/tls/private/mysql.key" in row["wsrep_provider_options"]
    assert "gmcast.listen_addr=tcp://172.16.2.10:4567" in row["wsrep_provider_options"]
    assert "Rt5uXk2pQ9" not in repr(row) and "Zq8hN4bWfE" not in repr(row)


def test_cnf_without_wsrep_gives_no_row():
    assert parse_galera_cnf("[mysqld]\nmax_connections = 4096\n", "etc/my.cnf.d/galera.cnf") == {"galera": []}


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_garbage_only_raises_parse_error(text):
    for fn in (parse_galera_status, parse_grastate, parse_gvwstate, parse_galera_cnf):
        try:
            fn(text, "x")
        except ParseError:
            pass


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=0, max_value=len(GALERA_CNF)))
def test_cut_inputs_only_raise_parse_error(cut):
    for fn, text in ((parse_galera_cnf, GALERA_CNF), (parse_galera_status, NON_PRIMARY_TABLE),
                     (parse_grastate, GRASTATE_CRASHED), (parse_gvwstate, GVWSTATE)):
        for piece in (text[:cut], text[cut:]):
            try:
                fn(piece, "x")
            except ParseError:
                pass


# --- conformance over ../shared/realdata -----------------------------------------------------
# The OSA documents show `cat grastate.dat` run by ansible on three nodes and rst-indented; the
# parser strips the common indent and gives one row per node, named by the ansible host line.

def test_realdata_grastate_three_nodes_seqno_31():
    rows = parse_grastate(read_realdata("galera/osa-docs-grastate.dat-seqno31-x3.txt"), "grastate.dat")["galera"]
    assert [r["node_name"] for r in rows] == [
        "node2_galera_container-49a47d25", "node3_galera_container-3ea2cbd3", "node4_galera_container-76275635"]
    assert [r["seqno"] for r in rows] == [31, 31, 31]
    assert {r["uuid"] for r in rows} == {"338b06b0-2948-11e4-9d06-bef42f6c52f1"}
    assert all(r["safe_to_bootstrap"] is None and r["version"] == "2.1" for r in rows)


def test_realdata_grastate_all_minus_one():
    rows = parse_grastate(read_realdata("galera/osa-docs-grastate.dat-seqno-minus1.txt"), "grastate.dat")["galera"]
    assert [r["node_name"] for r in rows] == [
        "node3_galera_container-3ea2cbd3", "node2_galera_container-49a47d25", "node4_galera_container-76275635"]
    assert [r["seqno"] for r in rows] == [-1, -1, -1]
    assert [r["line"] for r in rows] == [3, 10, 17]


def test_realdata_show_global_status_58_variables():
    [row] = parse_galera_status(read_realdata("galera/osism-show_global_status_wsrep-mariadb-galera25.3.20.txt"),
                                "wsrep.txt")["galera"]
    assert len([k for k in row if k.startswith("wsrep_")]) == 58
    assert row["wsrep_cluster_size"] == 3 and row["wsrep_cluster_status"] == "Primary"
    assert row["wsrep_local_state_comment"] == "Synced" and row["wsrep_ready"] == "ON"
    assert row["wsrep_last_committed"] == 1206
    assert row["wsrep_provider_version"] == "25.3.20(r3703)"
    assert row["wsrep_incoming_addresses"] == "10.49.20.11:3306,10.49.20.10:3306,10.49.20.12:3306"
    assert row["wsrep_evs_evict_list"] is None
    assert row["line"] == 5
