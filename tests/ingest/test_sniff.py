"""Loose files are recognised by content: real outputs from ../shared/realdata."""

from __future__ import annotations

import pytest

from analyzer.ingest.sniff import sniff_kind

CASES = [
    ("pacemaker/insights-pcs_status-osp-pcmk1.1.12-143res.txt", "pcs_status"),
    ("pacemaker/crm_simulate-bundle-order-fencing-osp12-promoted.txt", "pcs_status"),
    ("pacemaker/hotsos-crm_mon_-1_-A_-n_-r_-t-pcmk2.0.3.txt", "pcs_status"),
    ("pacemaker/hotsos-corosync-quorumtool_-s.txt", "pcs_quorum_status"),
    ("rabbitmq/hotsos-rabbitmqctl_report-3.8.2.txt", "rabbitmq_report"),
    ("rabbitmq/hotsos-rabbitmqctl_report-3.6.10-bionic.txt", "rabbitmq_report"),
    ("rabbitmq/hotsos-cluster_status-section-3.6.10.txt", "rabbitmq_cluster_status"),
    ("haproxy/insights-haproxy.cfg-osp-puppet.txt", "haproxy_cfg"),
    ("ceph/hotsos-ceph_status-octopus.txt", "ceph_status"),
    ("openstack_cli/nova-docs-hypervisor_list-2.53.txt", "openstack_service_list"),
    ("openstack_cli/cinder-docs-volume_service_list-devstack.txt", "openstack_service_list"),
    ("galera/osism-show_global_status_wsrep-mariadb-galera25.3.20.txt", "galera_status"),
    ("containers/insights-podman_ps-a-generic.txt", "container_ps"),
    ("logs/hotsos-neutron-metadata-agent.log.1.txt", "log"),
]


@pytest.mark.parametrize("relpath,kind", CASES)
def test_real_outputs_are_recognised(realdata, relpath, kind):
    path = realdata / relpath
    if not path.is_file():
        pytest.skip(f"{relpath} absent")
    guess = sniff_kind(path.read_bytes())
    assert guess is not None and guess[0] == kind


def test_binary_and_prose_are_not_recognised():
    assert sniff_kind(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR") is None
    assert sniff_kind(b"Dear support, the cloud is down since this morning. Regards\n") is None
