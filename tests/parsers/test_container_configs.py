"""container_configs from the TripleO container startup configs (RHOSP 13, 16.0, 16.1+)."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import ParseError
from analyzer.parsers.container_configs import parse_container_startup_config
from analyzer.redact import secret_marker
from tests.conftest import read_realdata

# RHOSP 13: /var/lib/tripleo-config/docker-container-startup-config-step_4.json (to_nice_json).
OSP13_STEP4 = """\
{
    "keystone_bootstrap": {
        "action": "exec",
        "command": [
            "keystone",
            "/usr/bin/bootstrap_host_exec",
            "keystone",
            "keystone-manage",
            "bootstrap",
            "--bootstrap-password",
            "Wq7zKx2Rt9LmVb4N"
        ],
        "start_order": 3,
        "user": "root"
    },
    "nova_api": {
        "environment": [
            "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
            "TRIPLEO_CONFIG_HASH=1b2a0d7f9c8e6a5b4c3d2e1f0a9b8c7d"
        ],
        "image": "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88",
        "net": "host",
        "privileged": true,
        "restart": "always",
        "start_order": 2,
        "user": "root",
        "volumes": [
            "/etc/hosts:/etc/hosts:ro",
            "/etc/localtime:/etc/localtime:ro",
            "/var/lib/kolla/config_files/nova_api.json:/var/lib/kolla/config_files/config.json:ro",
            "/var/lib/config-data/puppet-generated/nova:/var/lib/kolla/config_files/src:ro",
            "/var/log/containers/nova:/var/log/nova",
            "/var/log/containers/httpd/nova-api:/var/log/httpd"
        ]
    },
    "nova_api_db_sync": {
        "command": "/usr/bin/bootstrap_host_exec nova_api su nova -s /bin/bash -c '/usr/bin/nova-manage api_db sync'",
        "detach": false,
        "image": "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88",
        "net": "host",
        "start_order": 0,
        "user": "root",
        "volumes": [
            "/etc/hosts:/etc/hosts:ro",
            "/var/log/containers/nova:/var/log/nova",
            "/var/lib/config-data/nova/etc/nova/:/etc/nova/:ro"
        ]
    },
    "neutron_api": {
        "environment": [
            "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
            "TRIPLEO_CONFIG_HASH=9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
        ],
        "image": "192.168.24.1:8787/rhosp13/openstack-neutron-server:13.0-90",
        "net": "host",
        "privileged": false,
        "restart": "always",
        "start_order": 0,
        "user": "root",
        "volumes": [
            "/var/lib/kolla/config_files/neutron_api.json:/var/lib/kolla/config_files/config.json:ro",
            "/var/log/containers/neutron:/var/log/neutron"
        ]
    }
}
"""

# RHOSP 16.0: /var/lib/tripleo-config/container-startup-config-step_2.json, written on one line.
OSP160_STEP2 = (
    '{"clustercheck": {"environment": {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS", "TRIPLEO_CONFIG_HASH": '
    '"6f0b8d2c4a1e3f5b7d9c0a2e4b6d8f1a"}, "healthcheck": {"test": "/openstack/healthcheck"}, "image": '
    '"undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-mariadb:16.0-96", "net": "host", '
    '"restart": "always", "start_order": 1, "user": "mysql", "volumes": ["/etc/hosts:/etc/hosts:ro", '
    '"/var/lib/kolla/config_files/clustercheck.json:/var/lib/kolla/config_files/config.json", '
    '"/var/lib/config-data/puppet-generated/clustercheck:/var/lib/kolla/config_files/src:ro", '
    '"/var/lib/mysql:/var/lib/mysql"]}, "mysql_restart_bundle": {"command": ["/usr/bin/bootstrap_host_exec", '
    '"mysql", "if /usr/sbin/pcs resource show galera-bundle; then /usr/sbin/pcs resource restart --wait=PCMKTIMEOUT '
    'galera-bundle; echo \\"galera-bundle restart invoked\\"; fi"], "config_volume": "mysql", "detach": false, '
    '"environment": {"TRIPLEO_MINOR_UPDATE": ""}, "image": '
    '"undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-mariadb:16.0-96", "ipc": "host", "net": "host", '
    '"start_order": 0, "user": "root", "volumes": ["/var/lib/config-data/puppet-generated/mysql:/var/lib/config-data/puppet-generated/mysql:ro"]}}'
)

# RHOSP 16.1+: /var/lib/tripleo-config/container-startup-config/step_3/hashed-nova_libvirt.json
OSP161_NOVA_LIBVIRT = """\
{"cpuset_cpus": "all", "environment": {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS", "LIBVIRT_DEFAULT_URI": "qemu:///system", "TRIPLEO_CONFIG_HASH": "0d3b6f9a2c5e8b1d4f7a0c3e6b9d2f5a"}, "healthcheck": {"test": "/openstack/healthcheck libvirtd"}, "image": "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-libvirt:16.2_20230526.1", "net": "host", "pid": "host", "pids_limit": 65536, "privileged": true, "restart": "always", "security_opt": ["label=level:s0", "label=type:spc_t", "label=filetype:container_file_t"], "start_order": 2, "ulimit": ["nofile=131072", "nproc=126960"], "user": "root", "volumes": ["/etc/hosts:/etc/hosts:ro", "/lib/modules:/lib/modules:ro", "/dev:/dev", "/run:/run", "/sys/fs/cgroup:/sys/fs/cgroup", "/var/lib/nova:/var/lib/nova:shared", "/var/lib/libvirt:/var/lib/libvirt:shared", "/var/log/containers/libvirt:/var/log/libvirt:shared,z"]}
"""


def rows_of(text, path):
    return parse_container_startup_config(text, path)["container_configs"]


def test_osp13_step_file():
    rows = rows_of(OSP13_STEP4, "var/lib/tripleo-config/docker-container-startup-config-step_4.json")
    c = {r["name"]: r for r in rows}
    assert sorted(c) == ["keystone_bootstrap", "neutron_api", "nova_api", "nova_api_db_sync"]
    assert {(r["step"], r["source_format"], r["runtime"], r["hashed"]) for r in rows} == \
        {(4, "tripleo13-step-json", "docker", False)}
    nova = c["nova_api"]
    assert nova["image_tag"] == "13.0-88" and nova["restart"] == "always"
    assert (nova["net"], nova["privileged"], nova["user"], nova["start_order"]) == ("host", True, "root", 2)
    assert nova["environment"] == {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS",
                                   "TRIPLEO_CONFIG_HASH": "1b2a0d7f9c8e6a5b4c3d2e1f0a9b8c7d"}
    assert len(nova["volumes"]) == 6 and nova["healthcheck"] is None and nova["detach"] is True
    assert nova["line"] == 16 and c["keystone_bootstrap"]["line"] == 2
    argv = shlex.split(nova["run_command"])
    assert argv[:4] == ["docker", "run", "--name", "nova_api"]
    assert "--privileged=true" in argv and argv[-1] == "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88"
    sync = c["nova_api_db_sync"]
    assert sync["detach"] is False
    sync_argv = shlex.split(sync["run_command"])
    image_at = sync_argv.index("192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88")
    assert sync_argv[image_at + 1:] == ["/usr/bin/bootstrap_host_exec", "nova_api", "su", "nova", "-s",
                                        "/bin/bash", "-c", "/usr/bin/nova-manage api_db sync"]
    boot = c["keystone_bootstrap"]
    assert boot["action"] == "exec" and boot["run_command"] is None and boot["image"] is None
    assert boot["command"].endswith("--bootstrap-password " + shlex.quote(secret_marker("Wq7zKx2Rt9LmVb4N")))
    assert "Wq7zKx2Rt9LmVb4N" not in json.dumps(rows)


def test_osp160_step_file_one_line():
    rows = rows_of(OSP160_STEP2, "var/lib/tripleo-config/container-startup-config-step_2.json")
    c = {r["name"]: r for r in rows}
    assert sorted(c) == ["clustercheck", "mysql_restart_bundle"]
    assert {(r["step"], r["source_format"], r["runtime"]) for r in rows} == {(2, "tripleo16-step-json", "podman")}
    assert c["clustercheck"]["healthcheck"] == "/openstack/healthcheck"
    assert c["clustercheck"]["user"] == "mysql" and c["clustercheck"]["privileged"] is None
    assert c["clustercheck"]["image"].endswith("openstack-mariadb:16.0-96")
    restart = c["mysql_restart_bundle"]
    assert restart["detach"] is False and restart["environment"] == {"TRIPLEO_MINOR_UPDATE": ""}
    assert "pcs resource restart" in restart["command"]


def test_osp161_per_container_hashed_file():
    path = "var/lib/tripleo-config/container-startup-config/step_3/hashed-nova_libvirt.json"
    (row,) = rows_of(OSP161_NOVA_LIBVIRT, path)
    assert (row["name"], row["step"], row["hashed"]) == ("nova_libvirt", 3, True)
    assert row["source_format"] == "tripleo16-per-container"
    assert row["healthcheck"] == "/openstack/healthcheck libvirtd"
    assert row["environment"]["LIBVIRT_DEFAULT_URI"] == "qemu:///system"
    assert row["volumes"][-1] == "/var/log/containers/libvirt:/var/log/libvirt:shared,z"
    assert "-v /var/lib/nova:/var/lib/nova:shared" in row["run_command"]


def test_lone_definition_outside_tripleo_config():
    (row,) = rows_of(OSP161_NOVA_LIBVIRT, "case-01234/nova_libvirt.json")
    assert row["name"] == "nova_libvirt" and row["step"] is None


def test_secrets_in_environment_are_redacted():
    text = json.dumps({"mysql_bootstrap": {
        "image": "undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-mariadb:16.0-96",
        "detach": False, "net": "host",
        "environment": {"DB_ROOT_PASSWORD": "hT5kR9vW2qXz7mLp", "KOLLA_BOOTSTRAP": True},
        "command": ["bash", "-ec", "mysql -uroot -p\"$DB_ROOT_PASSWORD\" -e 'FLUSH PRIVILEGES'"]}})
    (row,) = rows_of(text, "var/lib/tripleo-config/container-startup-config-step_1.json")
    assert row["environment"] == {"DB_ROOT_PASSWORD": secret_marker("hT5kR9vW2qXz7mLp"), "KOLLA_BOOTSTRAP": "True"}
    assert "hT5kR9vW2qXz7mLp" not in json.dumps(row)


def test_truncated_step_file():
    with pytest.raises(ParseError) as err:
        rows_of(OSP13_STEP4[:900], "var/lib/tripleo-config/docker-container-startup-config-step_4.json")
    assert err.value.line is not None and err.value.line > 1


def test_bad_definition_keeps_earlier_rows():
    text = '{\n "nova_api": {"image": "r/nova-api:1"},\n "broken": "not an object"\n}'
    with pytest.raises(ParseError) as err:
        rows_of(text, "var/lib/tripleo-config/container-startup-config-step_4.json")
    assert err.value.line == 3
    assert [r["name"] for r in err.value.partial["container_configs"]] == ["nova_api"]


def _print_cmd_config_data(text: str) -> dict:
    start = text.index("config_data=") + len("config_data=")
    return json.JSONDecoder().raw_decode(text, start)[0]


def test_realdata_paunch_print_cmd_is_reproduced():
    """The definition paunch put in the config_data label gives the same `podman run` pieces."""
    text = read_realdata("paunch/tripleo-docs-paunch-print-cmd-nova_api-osp16.1.txt")
    definition = _print_cmd_config_data(text)
    path = "var/lib/tripleo-config/container-startup-config/step_4/nova_api.json"
    (row,) = rows_of(json.dumps(definition), path)
    assert (row["name"], row["step"], row["start_order"]) == ("nova_api", 4, 2)
    assert row["image"] == "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-api:16.1_20210726.1"
    assert row["healthcheck"] == "/openstack/healthcheck" and len(row["volumes"]) == 13

    printed = shlex.split(text.split("\n")[2].replace(" --label config_data=" + json.dumps(definition), ""))
    ours = shlex.split(row["run_command"])
    printed_env = [a.split("=", 1)[1] for a in printed if a.startswith("--env=")]
    printed_vol = [a.split("=", 1)[1] for a in printed if a.startswith("--volume=")]
    assert [ours[i + 1] for i, a in enumerate(ours) if a == "-e"] == printed_env
    assert [ours[i + 1] for i, a in enumerate(ours) if a == "-v"] == printed_vol
    for flag in ("--net=host", "--privileged=false", "--user=root"):
        assert flag in printed and flag in ours
    assert ours[-1] == printed[-1] == row["image"]
    assert re.match(r"nova_api(-\w+)?$", printed[printed.index("--name") + 1])


def test_realdata_container_puppet_tasks_is_not_a_startup_config():
    text = read_realdata("paunch/tripleo-docs-container-puppet-tasks2.json-example.txt")
    with pytest.raises(ParseError):
        rows_of(text, "var/lib/tripleo-config/container-startup-config-step_2.json")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_only_parse_error(text):
    for path in ("var/lib/tripleo-config/docker-container-startup-config-step_4.json",
                 "var/lib/tripleo-config/container-startup-config/step_1/x.json"):
        try:
            rows_of(text, path)
        except ParseError:
            pass


_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                      max_leaves=12)
_DEFINITION = st.dictionaries(st.sampled_from(["image", "environment", "volumes", "command", "healthcheck",
                                               "net", "user", "privileged", "start_order", "detach", "action"]),
                              _VALUE, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), _DEFINITION | _VALUE, max_size=3))
def test_odd_shapes_only_parse_error(data):
    try:
        rows_of(json.dumps(data), "var/lib/tripleo-config/container-startup-config-step_3.json")
        rows_of(json.dumps(data), "var/lib/tripleo-config/container-startup-config/step_3/x.json")
    except ParseError:
        pass
