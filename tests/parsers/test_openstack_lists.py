"""OpenStack service/agent/hypervisor tables -> openstack_services."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.errors import ParseError
from analyzer.parsers import load_all
from analyzer.parsers.openstack_lists import COLUMNS, parse_openstack_service_list
from tests.conftest import read_realdata

# RHOSP 13 `nova service-list` (legacy client), a compute down and disabled by the
# servicegroup, its host name and reason wrapped by the terminal width.
NOVA_SERVICE_LIST_WRAPPED = """\
+----+------------------+--------------------------+----------+----------+-------+----------------------------+-----------------+-------------+
| Id | Binary           | Host                     | Zone     | Status   | State | Updated_at                 | Disabled Reason | Forced down |
+----+------------------+--------------------------+----------+----------+-------+----------------------------+-----------------+-------------+
| 2  | nova-scheduler   | overcloud-controller-0.l | internal | enabled  | up    | 2019-05-02T10:14:20.000000 | -               | False       |
|    |                  | ocaldomain               |          |          |       |                            |                 |             |
| 11 | nova-conductor   | overcloud-controller-0.l | internal | enabled  | up    | 2019-05-02T10:14:25.000000 | -               | False       |
|    |                  | ocaldomain               |          |          |       |                            |                 |             |
| 17 | nova-compute     | overcloud-compute-1.loca | nova     | disabled | down  | 2019-05-02T08:51:02.000000 | AUTO: Failed to | False       |
|    |                  | ldomain                  |          |          |       |                            | connect to      |             |
|    |                  |                          |          |          |       |                            | libvirt         |             |
| 20 | nova-compute     | overcloud-compute-0.loca | nova     | enabled  | up    | 2019-05-02T10:14:21.000000 | -               | False       |
|    |                  | ldomain                  |          |          |       |                            |                 |             |
+----+------------------+--------------------------+----------+----------+-------+----------------------------+-----------------+-------------+
"""

# RHOSP 13 `neutron agent-list`: an L3 agent dead (xxx) and a DHCP agent administratively down.
NEUTRON_AGENT_LIST = """\
[heat-admin@overcloud-controller-0 ~]$ neutron agent-list
neutron CLI is deprecated and will be removed in the future. Use openstack CLI instead.
+--------------------------------------+--------------------+------------------------------------+-------------------+-------+----------------+---------------------------+
| id                                   | agent_type         | host                               | availability_zone | alive | admin_state_up | binary                    |
+--------------------------------------+--------------------+------------------------------------+-------------------+-------+----------------+---------------------------+
| 0d3f5c4e-6a1b-4f7e-9d2c-3b8a7e6f5d41 | L3 agent           | overcloud-controller-0.localdomain | nova              | :-)   | True           | neutron-l3-agent          |
| 5a8e2b17-c9d4-4e3f-8a61-7f2b0c9d4e13 | L3 agent           | overcloud-controller-1.localdomain | nova              | xxx   | True           | neutron-l3-agent          |
| 9c1d7e3a-2b5f-4a8c-b6d0-e4f3a2b1c0d9 | DHCP agent         | overcloud-controller-0.localdomain | nova              | :-)   | False          | neutron-dhcp-agent        |
| e7b4a2c1-8d3f-4b6e-a9c5-1f0e2d3c4b5a | Open vSwitch agent | overcloud-compute-0.localdomain    |                   | :-)   | True           | neutron-openvswitch-agent |
+--------------------------------------+--------------------+------------------------------------+-------------------+-------+----------------+---------------------------+
"""

# A case note with two pasted outputs: volume services (one backend down) then hypervisors.
PASTED_TWO_TABLES = """\
    (overcloud) [stack@undercloud-0 ~]$ openstack volume service list
    +------------------+------------------------+------+---------+-------+----------------------------+
    | Binary           | Host                   | Zone | Status  | State | Updated At                 |
    +------------------+------------------------+------+---------+-------+----------------------------+
    | cinder-scheduler | hostgroup              | nova | enabled | up    | 2021-11-08T14:02:31.000000 |
    | cinder-volume    | hostgroup@tripleo_ceph | nova | enabled | down  | 2021-11-08T13:31:12.000000 |
    +------------------+------------------------+------+---------+-------+----------------------------+

    (overcloud) [stack@undercloud-0 ~]$ openstack hypervisor list
    +----+-------------------------------+-----------------+-------------+-------+
    | ID | Hypervisor Hostname           | Hypervisor Type | Host IP     | State |
    +----+-------------------------------+-----------------+-------------+-------+
    |  1 | overcloud-novacompute-0.local | QEMU            | 172.17.1.21 | up    |
    |  2 | overcloud-novacompute-1.local | QEMU            | 172.17.1.22 | down  |
    +----+-------------------------------+-----------------+-------------+-------+
"""


def _rows(text):
    return parse_openstack_service_list(text, "sos_commands/openstack_nova/nova_service-list")["openstack_services"]


def test_wrapped_cells_are_joined():
    rows = _rows(NOVA_SERVICE_LIST_WRAPPED)
    assert [r["host"] for r in rows] == [
        "overcloud-controller-0.localdomain", "overcloud-controller-0.localdomain",
        "overcloud-compute-1.localdomain", "overcloud-compute-0.localdomain"]
    down = [r for r in rows if r["state"] == "down"]
    assert [(r["id"], r["status"], r["disabled_reason"]) for r in down] == [
        ("17", "disabled", "AUTO: Failed to connect to libvirt")]
    assert {r["kind"] for r in rows} == {"compute_service"}
    assert rows[2]["line"] == 8 and rows[2]["updated_at"] == "2019-05-02T08:51:02+00:00"
    assert rows[0]["disabled_reason"] is None and rows[0]["forced_down"] is False
    assert all(tuple(r) == COLUMNS for r in rows)


def test_legacy_neutron_agent_list():
    rows = _rows(NEUTRON_AGENT_LIST)
    assert len(rows) == 4 and {r["kind"] for r in rows} == {"network_agent"}
    dead = [r for r in rows if r["alive"] is False]
    assert [(r["host"], r["binary"], r["state"]) for r in dead] == [
        ("overcloud-controller-1.localdomain", "neutron-l3-agent", "down")]
    admin_down = [r["binary"] for r in rows if r["admin_state_up"] is False]
    assert admin_down == ["neutron-dhcp-agent"]
    assert rows[3]["zone"] is None


def test_pasted_tables_of_two_kinds():
    rows = _rows(PASTED_TWO_TABLES)
    assert [r["kind"] for r in rows] == ["volume_service"] * 2 + ["hypervisor"] * 2
    assert [r["host"] for r in rows if r["state"] == "down"] == [
        "hostgroup@tripleo_ceph", "overcloud-novacompute-1.local"]
    assert rows[2]["host_ip"] == "172.17.1.21" and rows[2]["hypervisor_type"] == "QEMU"
    assert rows[3]["line"] == 14


def test_truncated_table_keeps_rows():
    text = "\n".join(PASTED_TWO_TABLES.splitlines()[:6])
    with pytest.raises(ParseError) as err:
        _rows(text)
    assert err.value.line == 6
    assert [r["binary"] for r in err.value.partial["openstack_services"]] == ["cinder-scheduler", "cinder-volume"]


def test_row_with_missing_cell():
    lines = NEUTRON_AGENT_LIST.splitlines()
    lines[6] = lines[6].rsplit("|", 2)[0] + "|"
    with pytest.raises(ParseError) as err:
        _rows("\n".join(lines))
    assert err.value.line == 7


def test_failed_command_output_is_an_error():
    with pytest.raises(ParseError) as err:
        _rows("Missing value auth-url required for auth plugin password\n")
    assert err.value.line == 1


def test_table_of_another_command_is_not_a_service_list():
    text = ("+----+------+\n| ID | Name |\n+----+------+\n| 1  | vm1  |\n+----+------+\n")
    with pytest.raises(ParseError):
        _rows(text)


def test_empty_output_has_no_rows():
    assert _rows("") == []


# ---------------------------------------------------------------- realdata

def test_realdata_compute_service_list_disabled_column_overflow():
    rows = _rows(read_realdata("openstack_cli/nova-docs-compute_service_list-disabled.txt"))
    assert len(rows) == 3
    assert [(r["binary"], r["status"], r["state"]) for r in rows if r["status"] == "disabled"] == [
        ("nova-compute", "disabled", "up")]
    assert [r["state"] for r in rows].count("down") == 0


def test_realdata_down_cell_unknown_row_is_its_own_row():
    rows = _rows(read_realdata("openstack_cli/nova-docs-compute_service_list-down-cell-UNKNOWN.txt"))
    assert len(rows) == 4
    last = rows[-1]
    assert (last["binary"], last["host"], last["status"], last["state"], last["id"]) == (
        "nova-compute", "train", "unknown", None, None)


def test_realdata_volume_service_lists_old_and_new_header():
    for name, volume_host in (("cinder-docs-volume_service_list-devstack.txt", "tower@lvmdriver-1"),
                              ("cinder-docs-volume_service_list-install.txt", "block@lvm")):
        rows = _rows(read_realdata(f"openstack_cli/{name}"))
        assert [r["binary"] for r in rows] == ["cinder-scheduler", "cinder-volume", "cinder-backup"]
        assert {r["kind"] for r in rows} == {"volume_service"}
        assert rows[1]["host"] == volume_host
        assert all(r["updated_at"].endswith("+00:00") for r in rows)


def test_realdata_network_agents_true_and_smiley():
    rows = _rows(read_realdata("openstack_cli/neutron-docs-network_agent_list-ovs-ha-vrrp.txt"))
    assert len(rows) == 10 and all(r["alive"] is True and r["admin_state_up"] for r in rows)
    assert sorted({r["host"] for r in rows if r["binary"] == "neutron-l3-agent"}) == ["network1", "network2"]
    ovn = _rows(read_realdata("openstack_cli/tripleo-docs-network_agent_list-ovn-vdpa.txt"))
    assert [(r["agent_type"], r["alive"], r["zone"]) for r in ovn] == [
        ("OVN Controller agent", True, None), ("OVN Metadata agent", True, None)]


def test_realdata_hypervisor_and_tripleo_lists():
    (hv,) = _rows(read_realdata("openstack_cli/nova-docs-hypervisor_list-2.53.txt"))
    assert (hv["kind"], hv["hypervisor_hostname"], hv["state"]) == ("hypervisor", "node1", "up")
    rows = _rows(read_realdata("openstack_cli/tripleo-docs-compute_service_list-ironic-ha.txt"))
    assert [r["id"] for r in rows] == ["21", "30", "33", "54"]
    assert sum(r["host"].startswith("overcloud-controller-") for r in rows) == 3
    standalone = _rows(read_realdata("openstack_cli/zed-openstack_compute_service_list-standalone.txt"))
    assert [r["binary"] for r in standalone] == ["nova-conductor", "nova-scheduler", "nova-compute"]
    assert {r["state"] for r in standalone} == {"up"}


def test_registered_kind():
    assert load_all()["openstack_service_list"].fn is parse_openstack_service_list


@settings(max_examples=200, deadline=None)
@given(sample=st.sampled_from([NOVA_SERVICE_LIST_WRAPPED, NEUTRON_AGENT_LIST, PASTED_TWO_TABLES]),
       cut=st.integers(0, 3000), junk=st.text(max_size=30))
def test_only_parse_error_escapes(sample, cut, junk):
    try:
        _rows(sample[:cut] + junk + sample[cut + len(junk):])
    except ParseError:
        pass
