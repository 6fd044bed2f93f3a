"""The container artifact kinds: sos paths of every layout reach the right parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.ingest.catalogue import Catalogue
from analyzer.parsers import load_all

CATALOGUE = Catalogue.from_files([Path(__file__).resolve().parents[2] / "analyzer/ingest/catalogue/containers.yaml"])


@pytest.mark.parametrize("path, kind", [
    ("sos_commands/docker/docker_ps_-a", "container_ps"),
    ("sos_commands/podman/podman_ps_-a", "container_ps"),
    ("sos_commands/docker/docker_inspect_3c1b8e4f2a90", "container_inspect"),                 # sos 3.5
    ("sos_commands/docker/containers/docker_inspect_3c1b8e4f2a90", "container_inspect"),      # sos 3.9
    ("sos_commands/docker/images/docker_inspect_192.168.24.1_8787_rhosp13_openstack-nova-api_13.0-88",
     "container_inspect"),
    ("sos_commands/podman/containers/podman_inspect_nova_api", "container_inspect"),
    ("sos_commands/podman/images/podman_inspect_rhosp15-openstack-rabbitmq", "container_inspect"),
    ("case-01234/controller-0/docker_inspect_nova_api", "container_inspect"),
    ("var/lib/tripleo-config/docker-container-startup-config-step_4.json", "container_startup_config"),
    ("var/lib/tripleo-config/hashed-docker-container-startup-config-step_4.json", "container_startup_config"),
    ("var/lib/tripleo-config/container-startup-config-step_2.json", "container_startup_config"),
    ("var/lib/tripleo-config/container-startup-config/step_4/nova_api.json", "container_startup_config"),
    ("var/lib/tripleo-config/container-startup-config/step_3/hashed-nova_libvirt.json", "container_startup_config"),
    ("sos_commands/docker/docker_images", "container_images"),
    ("sos_commands/podman/podman_images_--digests", "container_images"),
])
def test_paths_to_kinds(path, kind):
    assert CATALOGUE.match(path).kind == kind


@pytest.mark.parametrize("path", [
    "sos_commands/docker/docker_ps",                     # a subset of ps -a: would double the rows
    "sos_commands/podman/networks/podman_network_inspect_podman",
    "sos_commands/podman/volumes/podman_volume_inspect_0b1c",
    "var/lib/tripleo-config/container-puppet-tasks2.json",
])
def test_other_paths_are_not_container_kinds(path):
    assert CATALOGUE.match(path) is None


def test_every_container_kind_has_its_parser():
    registry = load_all()
    for kind in CATALOGUE.kinds:
        assert registry[kind].fn.__module__.startswith("analyzer.parsers.container_")
    assert set(registry["container_inspect"].tables) == {"container_inspect", "container_images"}
    assert registry["container_startup_config"].tables == ("container_configs",)
