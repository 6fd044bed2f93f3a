"""container_inspect (and container_images) from `docker inspect` / `podman inspect`."""

from __future__ import annotations

import json
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import ParseError
from analyzer.parsers.container_inspect import iso_utc, parse_container_inspect
from analyzer.redact import MARKER_PREFIX, secret_marker
from tests.conftest import read_realdata

# RHOSP 13, docker 1.13: sos 3.5 sos_commands/docker/docker_inspect_<id> of a paunch container.
DOCKER_INSPECT_NOVA_API_OSP13 = r"""[
    {
        "Id": "3c1b8e4f2a90d5c6b7a8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0",
        "Created": "2023-03-02T09:14:51.231950826Z",
        "Path": "kolla_start",
        "Args": [],
        "State": {
            "Status": "running",
            "Running": true,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": 41230,
            "ExitCode": 0,
            "Error": "",
            "StartedAt": "2023-03-02T09:14:52.018347611Z",
            "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": {
                "Status": "healthy",
                "FailingStreak": 0,
                "Log": [
                    {
                        "Start": "2023-03-05T11:02:13.512093318Z",
                        "End": "2023-03-05T11:02:14.171264012Z",
                        "ExitCode": 0,
                        "Output": "\n200 192.168.24.8:8774 0.004711 seconds\n"
                    }
                ]
            }
        },
        "Image": "sha256:8c3b4a5d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b",
        "Name": "/nova_api",
        "RestartCount": 0,
        "Driver": "overlay2",
        "HostConfig": {
            "Binds": [
                "/etc/hosts:/etc/hosts:ro",
                "/var/lib/kolla/config_files/nova_api.json:/var/lib/kolla/config_files/config.json:ro",
                "/var/lib/config-data/puppet-generated/nova:/var/lib/kolla/config_files/src:ro",
                "/var/log/containers/nova:/var/log/nova:z"
            ],
            "NetworkMode": "host",
            "RestartPolicy": {
                "Name": "always",
                "MaximumRetryCount": 0
            },
            "Privileged": true
        },
        "Mounts": [
            {
                "Type": "bind",
                "Source": "/etc/hosts",
                "Destination": "/etc/hosts",
                "Mode": "ro",
                "RW": false,
                "Propagation": "rprivate"
            },
            {
                "Type": "bind",
                "Source": "/var/lib/kolla/config_files/nova_api.json",
                "Destination": "/var/lib/kolla/config_files/config.json",
                "Mode": "ro",
                "RW": false,
                "Propagation": "rprivate"
            },
            {
                "Type": "bind",
                "Source": "/var/lib/config-data/puppet-generated/nova",
                "Destination": "/var/lib/kolla/config_files/src",
                "Mode": "ro",
                "RW": false,
                "Propagation": "rprivate"
            },
            {
                "Type": "bind",
                "Source": "/var/log/containers/nova",
                "Destination": "/var/log/nova",
                "Mode": "z",
                "RW": true,
                "Propagation": "rprivate"
            }
        ],
        "Config": {
            "Hostname": "controller-0",
            "User": "root",
            "Env": [
                "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
                "TRIPLEO_CONFIG_HASH=1b2a0d7f9c8e6a5b4c3d2e1f0a9b8c7d",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "container=oci",
                "KOLLA_BASE_DISTRO=rhel",
                "KOLLA_INSTALL_TYPE=binary",
                "KOLLA_INSTALL_METATYPE=rhos"
            ],
            "Cmd": [
                "kolla_start"
            ],
            "Healthcheck": {
                "Test": [
                    "CMD-SHELL",
                    "/openstack/healthcheck"
                ]
            },
            "Image": "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88",
            "Entrypoint": null,
            "Labels": {
                "architecture": "x86_64",
                "com.redhat.component": "openstack-nova-api-container",
                "config_data": "{\"start_order\": 2, \"image\": \"192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88\", \"environment\": [\"KOLLA_CONFIG_STRATEGY=COPY_ALWAYS\", \"TRIPLEO_CONFIG_HASH=1b2a0d7f9c8e6a5b4c3d2e1f0a9b8c7d\"], \"volumes\": [\"/etc/hosts:/etc/hosts:ro\", \"/var/lib/kolla/config_files/nova_api.json:/var/lib/kolla/config_files/config.json:ro\", \"/var/lib/config-data/puppet-generated/nova:/var/lib/kolla/config_files/src:ro\", \"/var/log/containers/nova:/var/log/nova:z\"], \"net\": \"host\", \"privileged\": true, \"restart\": \"always\", \"user\": \"root\"}",
                "config_id": "tripleo_step4",
                "container_name": "nova_api",
                "managed_by": "paunch",
                "name": "rhosp13/openstack-nova-api",
                "release": "88",
                "version": "13.0"
            }
        }
    }
]
"""

# RHOSP 16.2, podman 3.0: two containers in one `podman inspect` list; mysql_bootstrap has passwords.
PODMAN_INSPECT_OSP162 = r"""[
    {
        "Id": "b7e2d9c4a1f05e3b8d6c2a9f1e0d4b7c3a5e8f2d1c6b9a0e4f7d3c2b1a5e9f8d",
        "Created": "2023-06-14T08:02:11.428611962Z",
        "Path": "dumb-init",
        "Args": [
            "--single-child",
            "--",
            "kolla_start"
        ],
        "State": {
            "OciVersion": "1.0.2-dev",
            "Status": "running",
            "Running": true,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": 88213,
            "ConmonPid": 88201,
            "ExitCode": 0,
            "Error": "",
            "StartedAt": "2023-06-14T10:02:12.051347255+02:00",
            "FinishedAt": "0001-01-01T00:00:00Z",
            "Healthcheck": {
                "Status": "unhealthy",
                "FailingStreak": 3,
                "Log": [
                    {
                        "Start": "2023-07-20T13:40:02.123450221Z",
                        "End": "2023-07-20T13:40:32.130927442Z",
                        "ExitCode": 1,
                        "Output": "curl: (28) Operation timed out after 10001 milliseconds"
                    }
                ]
            }
        },
        "Image": "7a1d3f5b9c2e4a6d8f0b1c3e5a7d9f2b4c6e8a0d1f3b5c7e9a2d4f6b8c0e1a3d",
        "ImageName": "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-api:16.2_20230526.1",
        "Name": "nova_api",
        "RestartCount": 0,
        "Driver": "overlay",
        "Mounts": [
            {
                "Type": "bind",
                "Name": "",
                "Source": "/var/lib/kolla/config_files/nova_api.json",
                "Destination": "/var/lib/kolla/config_files/config.json",
                "Driver": "",
                "Mode": "",
                "Options": [
                    "rbind"
                ],
                "RW": false,
                "Propagation": "rprivate"
            },
            {
                "Type": "bind",
                "Name": "",
                "Source": "/var/log/containers/nova",
                "Destination": "/var/log/nova",
                "Driver": "",
                "Mode": "",
                "Options": [
                    "rbind"
                ],
                "RW": true,
                "Propagation": "rprivate"
            },
            {
                "Type": "bind",
                "Name": "",
                "Source": "/var/lib/config-data/puppet-generated/nova",
                "Destination": "/var/lib/kolla/config_files/src",
                "Driver": "",
                "Mode": "",
                "Options": [
                    "rbind"
                ],
                "RW": false,
                "Propagation": "rprivate"
            }
        ],
        "ExitCommand": [
            "/usr/bin/podman",
            "container",
            "cleanup",
            "b7e2d9c4a1f05e3b8d6c2a9f1e0d4b7c3a5e8f2d1c6b9a0e4f7d3c2b1a5e9f8d"
        ],
        "IsInfra": false,
        "Config": {
            "Hostname": "controller-1",
            "User": "root",
            "Env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
                "container=oci",
                "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
                "TRIPLEO_CONFIG_HASH=5cbcd2d39667626874f547214d3980ec",
                "HOSTNAME=controller-1"
            ],
            "Cmd": [
                "kolla_start"
            ],
            "Image": "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-api:16.2_20230526.1",
            "Entrypoint": "dumb-init --single-child --",
            "Labels": {
                "config_data": "{\"environment\": {\"KOLLA_CONFIG_STRATEGY\": \"COPY_ALWAYS\", \"TRIPLEO_CONFIG_HASH\": \"5cbcd2d39667626874f547214d3980ec\"}, \"healthcheck\": {\"test\": \"/openstack/healthcheck\"}, \"image\": \"undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-api:16.2_20230526.1\", \"net\": \"host\", \"privileged\": false, \"restart\": \"always\", \"start_order\": 2, \"user\": \"root\", \"volumes\": [\"/var/lib/kolla/config_files/nova_api.json:/var/lib/kolla/config_files/config.json:ro\", \"/var/log/containers/nova:/var/log/nova:z\", \"/var/lib/config-data/puppet-generated/nova:/var/lib/kolla/config_files/src:ro\"]}",
                "config_id": "tripleo_step4",
                "container_name": "nova_api",
                "managed_by": "tripleo-Controller",
                "name": "rhosp16/openstack-nova-api",
                "release": "84",
                "version": "16.2"
            },
            "StopSignal": 15,
            "Healthcheck": {
                "Test": [
                    "CMD-SHELL",
                    "/openstack/healthcheck"
                ],
                "Interval": 30000000000,
                "Timeout": 30000000000,
                "Retries": 3
            },
            "CreateCommand": [
                "podman",
                "run",
                "--name",
                "nova_api",
                "--conmon-pidfile",
                "/run/nova_api.pid",
                "--detach=true",
                "--env=KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
                "--healthcheck-command",
                "/openstack/healthcheck",
                "--net=host",
                "--privileged=false",
                "--user=root",
                "--volume=/var/lib/kolla/config_files/nova_api.json:/var/lib/kolla/config_files/config.json:ro",
                "--volume=/var/log/containers/nova:/var/log/nova:z",
                "--volume=/var/lib/config-data/puppet-generated/nova:/var/lib/kolla/config_files/src:ro",
                "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-api:16.2_20230526.1"
            ]
        },
        "HostConfig": {
            "NetworkMode": "host",
            "Privileged": false,
            "RestartPolicy": {
                "Name": "",
                "MaximumRetryCount": 0
            }
        }
    },
    {
        "Id": "e4c1a7d3b9f2e6c0a8d5b1f7e3c9a2d6b0f4e8c2a7d1b5f9e3c6a0d4b8f2e7c1",
        "Created": "2023-06-14T07:41:03.902215870Z",
        "Path": "dumb-init",
        "Args": [
            "--",
            "bash",
            "-ec",
            "kolla_set_configs; kolla_extend_start; echo -e \"\\n[mysqld]\\nwsrep_provider=none\" >> /etc/my.cnf"
        ],
        "State": {
            "OciVersion": "1.0.2-dev",
            "Status": "exited",
            "Running": false,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": 0,
            "ExitCode": 0,
            "Error": "",
            "StartedAt": "2023-06-14T07:41:04.361021377Z",
            "FinishedAt": "2023-06-14T07:42:37.885190512Z"
        },
        "Image": "3e5a7c9b1d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c",
        "ImageName": "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-mariadb:16.2_20230526.1",
        "Name": "mysql_bootstrap",
        "RestartCount": 0,
        "Mounts": [
            {
                "Type": "bind",
                "Source": "/var/lib/mysql",
                "Destination": "/var/lib/mysql",
                "Mode": "",
                "Options": [
                    "rbind"
                ],
                "RW": true,
                "Propagation": "rprivate"
            }
        ],
        "ExitCommand": [
            "/usr/bin/podman",
            "container",
            "cleanup"
        ],
        "Config": {
            "User": "root",
            "Env": [
                "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
                "KOLLA_BOOTSTRAP=True",
                "DB_MAX_TIMEOUT=60",
                "DB_CLUSTERCHECK_PASSWORD=Zq8tPv2XkLmN4rWs",
                "DB_ROOT_PASSWORD=hT5kR9vW2qXz7mLp"
            ],
            "Cmd": [
                "bash",
                "-ec",
                "kolla_set_configs; kolla_extend_start; echo -e \"\\n[mysqld]\\nwsrep_provider=none\" >> /etc/my.cnf"
            ],
            "Image": "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-mariadb:16.2_20230526.1",
            "Entrypoint": "dumb-init --",
            "Labels": {
                "config_data": "{\"command\": [\"bash\", \"-ec\", \"kolla_set_configs\"], \"detach\": false, \"environment\": {\"DB_CLUSTERCHECK_PASSWORD\": \"Zq8tPv2XkLmN4rWs\", \"DB_MAX_TIMEOUT\": 60, \"DB_ROOT_PASSWORD\": \"hT5kR9vW2qXz7mLp\", \"KOLLA_BOOTSTRAP\": true, \"KOLLA_CONFIG_STRATEGY\": \"COPY_ALWAYS\"}, \"image\": \"undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-mariadb:16.2_20230526.1\", \"net\": \"host\", \"start_order\": 1, \"user\": \"root\", \"volumes\": [\"/var/lib/mysql:/var/lib/mysql:rw,z\"]}",
                "config_id": "tripleo_step1",
                "container_name": "mysql_bootstrap",
                "managed_by": "tripleo-Controller"
            },
            "CreateCommand": [
                "podman",
                "run",
                "--name",
                "mysql_bootstrap",
                "--env=DB_ROOT_PASSWORD=hT5kR9vW2qXz7mLp",
                "--net=host",
                "undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-mariadb:16.2_20230526.1"
            ]
        },
        "HostConfig": {
            "NetworkMode": "host",
            "Privileged": false
        }
    }
]
"""

SECRETS = ("hT5kR9vW2qXz7mLp", "Zq8tPv2XkLmN4rWs")


def parse(text, path):
    return parse_container_inspect(text, path)


def test_docker_inspect_osp13_tripleo_container():
    tables = parse(DOCKER_INSPECT_NOVA_API_OSP13, "sos_commands/docker/docker_inspect_3c1b8e4f2a90")
    assert tables["container_images"] == []
    (row,) = tables["container_inspect"]
    assert row["name"] == "nova_api" and row["runtime"] == "docker"
    assert row["image"] == "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88"
    assert row["image_tag"] == "13.0-88"
    assert row["image_id"].startswith("8c3b4a5d2e1f")
    assert (row["state"], row["running"], row["health"]) == ("running", True, "healthy")
    assert row["started_at"] == "2023-03-02T09:14:52.018347Z" and row["finished_at"] is None
    assert row["healthcheck"] == "/openstack/healthcheck"
    assert (row["network_mode"], row["privileged"], row["user"]) == ("host", True, "root")
    assert row["restart_policy"] == "always"
    assert (row["config_id"], row["managed_by"], row["tripleo_container_name"]) == \
        ("tripleo_step4", "paunch", "nova_api")
    assert row["config_data"]["start_order"] == 2
    assert row["config_data"]["environment"]["KOLLA_CONFIG_STRATEGY"] == "COPY_ALWAYS"
    assert len(row["env"]) == 7
    assert [m["mode"] for m in row["mounts"]] == ["ro", "ro", "ro", "z"]
    assert [m["rw"] for m in row["mounts"]] == [False, False, False, True]
    argv = shlex.split(row["run_command"])
    assert argv[:4] == ["docker", "run", "--name", "nova_api"]
    assert "--net=host" in argv and "--privileged=true" in argv and "--restart=always" in argv
    volumes = [argv[i + 1] for i, a in enumerate(argv) if a == "-v"]
    # the volumes paunch configured, in the same order and modes
    assert volumes == row["config_data"]["volumes"]
    assert argv[-2:] == ["192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88", "kolla_start"]
    assert "container=oci" not in argv


def test_podman_inspect_osp162_two_containers_and_secrets():
    tables = parse(PODMAN_INSPECT_OSP162, "sos_commands/podman/containers/podman_inspect_nova_api")
    rows = {r["name"]: r for r in tables["container_inspect"]}
    assert sorted(rows) == ["mysql_bootstrap", "nova_api"]
    nova = rows["nova_api"]
    assert nova["runtime"] == "podman" and nova["health"] == "unhealthy"
    assert nova["line"] == 2 and rows["mysql_bootstrap"]["line"] > nova["line"]
    assert nova["started_at"] == "2023-06-14T08:02:12.051347Z"   # +02:00 converted to UTC
    assert nova["managed_by"] == "tripleo-Controller"
    assert nova["mounts"][0] == {"source": "/var/lib/kolla/config_files/nova_api.json",
                                 "destination": "/var/lib/kolla/config_files/config.json",
                                 "mode": None, "rw": False, "type": "bind"}
    assert nova["entrypoint"] == "dumb-init --single-child --"
    assert nova["command"] == "kolla_start"
    assert nova["create_command"].startswith("podman run --name nova_api")
    argv = shlex.split(nova["run_command"])
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-v"] == [
        "/var/lib/kolla/config_files/nova_api.json:/var/lib/kolla/config_files/config.json:ro",
        "/var/log/containers/nova:/var/log/nova",
        "/var/lib/config-data/puppet-generated/nova:/var/lib/kolla/config_files/src:ro"]
    assert "HOSTNAME=controller-1" not in argv and "--restart" not in " ".join(argv)

    boot = rows["mysql_bootstrap"]
    assert (boot["state"], boot["exit_code"], boot["running"]) == ("exited", 0, False)
    assert boot["finished_at"] == "2023-06-14T07:42:37.885190Z"
    assert boot["command"].startswith("bash -ec 'kolla_set_configs;")
    env = dict(e.split("=", 1) for e in boot["env"])
    assert env["DB_ROOT_PASSWORD"] == secret_marker("hT5kR9vW2qXz7mLp")
    assert env["DB_MAX_TIMEOUT"] == "60"
    assert boot["config_data"]["environment"]["DB_CLUSTERCHECK_PASSWORD"].startswith(MARKER_PREFIX)
    assert boot["config_data"]["detach"] is False
    dumped = json.dumps(tables)
    assert not any(secret in dumped for secret in SECRETS)


def test_sos35_layout_mixes_images_and_containers():
    image = read_realdata("containers/insights-podman_image_inspect-osp15-rabbitmq.txt")
    tables = parse(image, "sos_commands/docker/docker_inspect_013125b8a088")
    assert tables["container_inspect"] == []
    assert [r["tag"] for r in tables["container_images"]] == ["20190819.1", "pcmklatest"]


def test_single_object_and_empty_list():
    obj = json.loads(DOCKER_INSPECT_NOVA_API_OSP13)[0]
    rows = parse(json.dumps(obj), "case-01234/nova_api.inspect.json")["container_inspect"]
    assert rows[0]["name"] == "nova_api" and rows[0]["runtime"] == "docker"
    assert parse("[]\n", "sos_commands/podman/containers/podman_inspect_x") == \
        {"container_inspect": [], "container_images": []}


def test_runtime_from_content_when_path_is_silent():
    rows = parse(PODMAN_INSPECT_OSP162, "case-01234/inspect-output.json")["container_inspect"]
    assert {r["runtime"] for r in rows} == {"podman"}


def test_truncated_inspect_keeps_first_container():
    cut = PODMAN_INSPECT_OSP162[: PODMAN_INSPECT_OSP162.index('"Name": "mysql_bootstrap"')]
    with pytest.raises(ParseError) as err:
        parse(cut, "sos_commands/podman/containers/podman_inspect_nova_api")
    assert [r["name"] for r in err.value.partial["container_inspect"]] == ["nova_api"]
    assert err.value.line is not None and err.value.line > 150


def test_error_text_not_inspect():
    with pytest.raises(ParseError) as err:
        parse("\nError: error inspecting object: no such container nova_api\n",
              "sos_commands/podman/containers/podman_inspect_nova_api")
    assert err.value.line == 2


@pytest.mark.parametrize("raw, expected", [
    ("2023-06-14T10:02:12.051347255+02:00", "2023-06-14T08:02:12.051347Z"),
    ("2016-06-23T05:37:56.925378831Z", "2016-06-23T05:37:56.925378Z"),
    ("0001-01-01T00:00:00Z", None),
    ("", None),
])
def test_iso_utc(raw, expected):
    assert iso_utc(raw) == expected


def test_realdata_docker_inspect():
    text = read_realdata("containers/insights-docker_inspect-container.txt")
    (row,) = parse(text, "sos_commands/docker/docker_inspect_97d7cd1a5d8f")["container_inspect"]
    assert row["name"] == "hehe2"
    assert row["container_id"] == "97d7cd1a5d8fd7730e83bb61ecbc993742438e966ac5c11910776b5d53f4ae07"
    assert row["image"] == "rhel7_imagemagick" and row["image_tag"] is None
    assert (row["state"], row["running"], row["exit_code"], row["restart_count"]) == ("running", True, 0, 0)
    assert row["started_at"] == "2016-06-23T05:37:56.925378Z"
    assert len(row["env"]) == 3 and row["mounts"] == []
    assert (row["network_mode"], row["privileged"], row["user"]) == ("default", False, "root")
    assert row["labels"]["Name"] == "rhel7/rhel" and row["config_id"] is None
    assert row["run_command"] == ("docker run --name hehe2 --net=default --privileged=false --user=root "
                                  "-e PKGM=yum -e PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin "
                                  "rhel7_imagemagick /bin/bash")


def test_realdata_podman_inspect_tripleo_gnocchi_metricd():
    text = read_realdata("containers/insights-podman_inspect-osp15-gnocchi_metricd.txt")
    (row,) = parse(text, "sos_commands/podman/containers/podman_inspect_66db151828e9")["container_inspect"]
    assert row["name"] == "gnocchi_metricd" and row["runtime"] == "podman"
    assert row["image"] == "192.168.24.1:8787/rhosp15/openstack-gnocchi-metricd:20190819.1"
    assert row["image_tag"] == "20190819.1"
    assert row["state"] == "running" and row["finished_at"] is None
    assert len(row["env"]) == 11
    assert "TRIPLEO_CONFIG_HASH=3faca5d7029273bb994631cb4a075e0f" in row["env"]
    assert [(m["source"], m["destination"], m["rw"]) for m in row["mounts"] if m["type"] == "bind"] == [
        ("/etc/pki/ca-trust/source/anchors", "/etc/pki/ca-trust/source/anchors", False),
        ("/etc/ceph", "/var/lib/kolla/config_files/src-ceph", False)]
    assert len(row["mounts"]) == 4
    assert (row["config_id"], row["managed_by"], row["tripleo_container_name"]) == \
        ("tripleo_step5", "paunch", "gnocchi_metricd")
    assert row["user"] == "0:0" and row["network_mode"] == "host"
    # podman 1.x repeats the entrypoint in Cmd; the run line keeps only the command
    assert row["command"] == "kolla_start"
    argv = shlex.split(row["run_command"])
    assert argv[:4] == ["podman", "run", "--name", "gnocchi_metricd"]
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-v"] == [
        "/etc/pki/ca-trust/source/anchors:/etc/pki/ca-trust/source/anchors:ro",
        "/etc/ceph:/var/lib/kolla/config_files/src-ceph:ro"]
    assert argv[-2:] == ["192.168.24.1:8787/rhosp15/openstack-gnocchi-metricd:20190819.1", "kolla_start"]
    assert len([a for a in argv if a == "-e"]) == 9     # HOSTNAME and container= are the runtime's


def test_realdata_podman_image_inspect():
    text = read_realdata("containers/insights-podman_image_inspect-osp15-rabbitmq.txt")
    rows = parse(text, "sos_commands/podman/images/podman_inspect_rhosp15-openstack-rabbitmq")["container_images"]
    assert [r["image"] for r in rows] == ["192.168.24.1:8787/rhosp15/openstack-rabbitmq:20190819.1",
                                          "192.168.24.1:8787/rhosp15/openstack-rabbitmq:pcmklatest"]
    assert {r["image_id"] for r in rows} == {"013125b8a088f45be8f85f88b5504f05c02463b10a6eea2b66809a262bb911ca"}
    assert rows[0]["size_bytes"] == 542316943
    assert (rows[0]["version"], rows[0]["release"]) == ("15.0", "64")
    assert rows[0]["digest"] == "sha256:f9662cdd45e3db182372a4fa6bfff10e1c601cc785bac09ccae3b18f0bc429df"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_only_parse_error(text):
    try:
        parse(text, "sos_commands/podman/containers/podman_inspect_x")
    except ParseError:
        pass


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(["State", "Config", "Mounts", "Env", "Labels", "Name",
                                                        "Options", "Status", "Health", "User", "Cmd",
                                                        "Entrypoint", "RepoTags", "HostConfig", "Created"]),
                                       inner, max_size=5), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["State", "Config", "Mounts", "Name", "RepoTags", "Id",
                                                 "HostConfig", "Created", "RestartCount"]), _JSON,
                                max_size=6), max_size=3))
def test_odd_shapes_only_parse_error(objects):
    try:
        parse(json.dumps(objects), "sos_commands/docker/containers/docker_inspect_x")
    except ParseError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(DOCKER_INSPECT_NOVA_API_OSP13)))
def test_cut_anywhere_only_parse_error(cut):
    try:
        parse(DOCKER_INSPECT_NOVA_API_OSP13[:cut], "sos_commands/docker/docker_inspect_3c1b8e4f2a90")
    except ParseError:
        pass
