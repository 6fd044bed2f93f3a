"""containers / container_images from `docker ps -a`, `podman ps -a`, `docker images`, `podman images`."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import ParseError
from analyzer.parsers.container_ps import parse_container_images, parse_container_ps, parse_status
from tests.conftest import read_realdata

# RHOSP 13 controller, docker 1.13 (sos 3.5: sos_commands/docker/docker_ps_-a).
DOCKER_PS_OSP13 = """\
CONTAINER ID        IMAGE                                                            COMMAND                  CREATED             STATUS                             PORTS                  NAMES
3c1b8e4f2a90        192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88             "kolla_start"            3 days ago          Up 3 days (healthy)                                       nova_api
a7d2c9b1e0f3        192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88             "kolla_start"            3 days ago          Up 3 days (healthy)                                       nova_metadata
5e0f7a3c6d21        192.168.24.1:8787/rhosp13/openstack-neutron-server:13.0-90       "kolla_start"            3 days ago          Up 3 days (unhealthy)                                     neutron_api
91b4d8e2f7c5        192.168.24.1:8787/rhosp13/openstack-keystone:13.0-86             "/bin/bash -c '/usr…"    3 days ago          Up 40 seconds (health: starting)                          keystone
c2a9e1d7b834        192.168.24.1:8787/rhosp13/openstack-heat-api-cfn:13.0-87         "kolla_start"            3 days ago          Restarting (1) 5 seconds ago                              heat_api_cfn
0f6e2b9d4a17        192.168.24.1:8787/rhosp13/openstack-nova-placement-api:13.0-88   "kolla_start"            3 days ago          Up 3 days (Paused)                                        nova_placement
d41e8a0c5b62        192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88             "/usr/bin/bootstrap_…"   3 days ago          Exited (0) 3 days ago                                     nova_api_db_sync
7b3f0c9e1a58        192.168.24.1:8787/rhosp13/openstack-ceilometer-central:13.0-85   "/usr/bin/bootstrap_…"   3 days ago          Exited (1) 3 days ago                                     ceilometer_gnocchi_upgrade
e8c5a2f1d093        192.168.24.1:8787/rhosp13/openstack-haproxy:pcmklatest           "/bin/bash /usr/loca…"   3 days ago          Up 3 days                                                 haproxy-bundle-docker-0
4a0d6b7e2c1f        192.168.24.1:8787/rhosp13/openstack-redis:pcmklatest             "/bin/bash /usr/loca…"   3 days ago          Up 3 days                                                 redis-bundle-docker-0
b9e7c3a5f208        192.168.24.1:8787/rhosp13/openstack-mariadb:pcmklatest           "/bin/bash /usr/loca…"   3 days ago          Up 3 days                                                 galera-bundle-docker-0
62f1d0a8c7e4        192.168.24.1:8787/rhosp13/openstack-rabbitmq:pcmklatest          "/bin/bash /usr/loca…"   3 days ago          Exited (137) 2 hours ago                                  rabbitmq-bundle-docker-0
f3a8b2c6e951        192.168.24.1:8787/rhosp13/openstack-memcached:13.0-84            "/bin/bash -c 'sourc…"   3 days ago          Up 3 days (healthy)                                       memcached
1d9c4e7f0b36        docker-registry.example.com/tools/debug:latest                   "sleep infinity"         2 hours ago         Created                            0.0.0.0:8080->80/tcp   debug shell
8e2a5c0d9f74        192.168.24.1:8787/rhosp13/openstack-cinder-scheduler:13.0-87     "kolla_start"            3 days ago          Dead                                                      cinder_scheduler
"""

# RHOSP 16.0 controller, podman 1.6 ("Up 2 days ago", commands cut with "...").
PODMAN16_PS_OSP16 = """\
CONTAINER ID  IMAGE                                                                                    COMMAND               CREATED     STATUS                    PORTS  NAMES
5b6e2f9a1c03  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-nova-api:16.0-96            kolla_start           2 days ago  Up 2 days ago                    nova_api
9c0d3a7e8b14  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-neutron-server:16.0-102     kolla_start           2 days ago  Up 2 days ago                    neutron_api
2e8f1b4c6a25  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-rabbitmq:pcmklatest         dumb-init --singl...  2 days ago  Up 2 days ago                    rabbitmq-bundle-podman-0
6a4c9e0f3d36  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-mariadb:pcmklatest          dumb-init -- /bin...  2 days ago  Up 2 days ago                    galera-bundle-podman-0
0d7b5c1e9f47  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-haproxy:pcmklatest          dumb-init --singl...  2 days ago  Up 2 days ago                    haproxy-bundle-podman-0
f1e3a8d2c058  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-nova-api:16.0-96            /usr/bin/bootstra...  2 days ago  Exited (0) 2 days ago            nova_api_db_sync
3a9d7f6b2e69  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-nova-scheduler:16.0-96      kolla_start           2 days ago  Exited (143) 3 hours ago         nova_scheduler
7c2e0b8a4f7a  undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-swift-proxy-server:16.0-95  kolla_start           2 days ago  Created                          swift_proxy
"""

# RHOSP 16.2 controller, podman 3.x (health in the status, an empty COMMAND cell).
PODMAN3_PS_OSP162 = """\
CONTAINER ID  IMAGE                                                                                          COMMAND               CREATED             STATUS                            PORTS  NAMES
4f1a0c9b7d2e  undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-api:16.2_20230526.1     kolla_start           5 weeks ago         Up 5 weeks ago (healthy)                 nova_api
8b2c7e1d0a3f  undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-nova-api:16.2_20230526.1     kolla_start           5 weeks ago         Up 5 weeks ago (unhealthy)               nova_api_cron
c5d8a2f9e140  undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-keystone:16.2_20230526.1     kolla_start           About a minute ago  Up About a minute ago (starting)         keystone
1e0b6d3c8f51  undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-rabbitmq:pcmklatest          /bin/bash /usr/lo...  5 weeks ago         Up 5 weeks ago                           rabbitmq-bundle-podman-0
9a7f4b0e2c62  undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-ovn-northd:pcmklatest        /bin/bash /usr/lo...  5 weeks ago         Up 5 weeks ago                           ovn-dbs-bundle-podman-0
d3e9c1a7b573  undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-cinder-volume:pcmklatest                           5 weeks ago         Exited (1) 12 minutes ago                openstack-cinder-volume-podman-0
5f2a8e0d6b84  undercloud-0.ctlplane.redhat.local:8787/rh-osbs/rhosp16-openstack-heat-engine:16.2_20230526.1  kolla_start           5 weeks ago         Restarting (1) 30 seconds ago            heat_engine
"""

DOCKER_IMAGES_OSP13 = """\
REPOSITORY                                                TAG                 IMAGE ID            CREATED             SIZE
192.168.24.1:8787/rhosp13/openstack-nova-api              13.0-88             8c3b4a5d2e1f        5 weeks ago         1.18 GB
192.168.24.1:8787/rhosp13/openstack-rabbitmq              pcmklatest          2f9e0d7c6b5a        5 weeks ago         605 MB
192.168.24.1:8787/rhosp13/openstack-rabbitmq              13.0-83             2f9e0d7c6b5a        5 weeks ago         605 MB
<none>                                                    <none>              71a3c8e9d0b2        3 months ago        1.16 GB
"""

PODMAN_IMAGES_DIGESTS = """\
REPOSITORY                                                                       TAG              DIGEST                                                                   IMAGE ID      CREATED      SIZE
undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-nova-api            16.0-96          sha256:5a1e0b8d3c7f9e2a4b6d8c0e1f3a5b7d9c2e4f6a8b0d1c3e5f7a9b2d4c6e8f0a  9d2f4b6a8c0e  6 weeks ago  1.27 GB
undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-mariadb             pcmklatest       sha256:0b2d4f6a8c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d  3e5a7c9b1d2f  6 weeks ago  778 MB
"""


def by_name(rows):
    return {r["name"]: r for r in rows}


def test_docker_ps_osp13_states_and_health():
    rows = parse_container_ps(DOCKER_PS_OSP13, "sos_commands/docker/docker_ps_-a")["containers"]
    assert len(rows) == 15
    c = by_name(rows)
    assert {r["runtime"] for r in rows} == {"docker"}
    assert c["nova_api"]["state"] == "running" and c["nova_api"]["health"] == "healthy"
    assert c["nova_api"]["uptime_text"] == "3 days"
    assert c["nova_api"]["image"] == "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88"
    assert c["nova_api"]["image_tag"] == "13.0-88"
    assert c["nova_api"]["command"] == "kolla_start" and not c["nova_api"]["command_truncated"]
    assert c["neutron_api"]["health"] == "unhealthy"
    assert c["keystone"]["health"] == "starting" and c["keystone"]["uptime_text"] == "40 seconds"
    assert c["keystone"]["command"] == "/bin/bash -c '/usr…" and c["keystone"]["command_truncated"]
    assert (c["heat_api_cfn"]["state"], c["heat_api_cfn"]["exit_code"]) == ("restarting", 1)
    assert c["nova_placement"]["state"] == "paused"
    assert (c["nova_api_db_sync"]["state"], c["nova_api_db_sync"]["exit_code"]) == ("exited", 0)
    assert c["ceilometer_gnocchi_upgrade"]["exit_code"] == 1
    rabbit = c["rabbitmq-bundle-docker-0"]
    assert (rabbit["state"], rabbit["exit_code"], rabbit["exited_ago_text"]) == ("exited", 137, "2 hours ago")
    assert rabbit["image_tag"] == "pcmklatest"
    assert c["cinder_scheduler"]["state"] == "dead"
    assert c["galera-bundle-docker-0"]["status_text"] == "Up 3 days"
    assert c["haproxy-bundle-docker-0"]["health"] is None
    # a name with a space, the only row with PORTS
    assert c["debug shell"]["state"] == "created"
    assert c["debug shell"]["ports"] == "0.0.0.0:8080->80/tcp"
    assert [r["ports"] for r in rows].count(None) == 14
    assert c["nova_api"]["line"] == 2 and c["cinder_scheduler"]["line"] == 16
    unhealthy = sorted(r["name"] for r in rows if r["health"] == "unhealthy")
    assert unhealthy == ["neutron_api"]


def test_podman16_ps_ago_statuses():
    rows = parse_container_ps(PODMAN16_PS_OSP16, "sos_commands/podman/podman_ps_-a")["containers"]
    c = by_name(rows)
    assert len(rows) == 8 and {r["runtime"] for r in rows} == {"podman"}
    assert c["nova_api"]["status_text"] == "Up 2 days ago"
    assert c["nova_api"]["uptime_text"] == "2 days" and c["nova_api"]["health"] is None
    assert c["galera-bundle-podman-0"]["command"] == "dumb-init -- /bin..."
    assert c["galera-bundle-podman-0"]["command_truncated"]
    assert (c["nova_scheduler"]["state"], c["nova_scheduler"]["exit_code"]) == ("exited", 143)
    assert c["swift_proxy"]["state"] == "created"
    assert c["neutron_api"]["image_tag"] == "16.0-102"
    running = sorted(r["name"] for r in rows if r["state"] == "running")
    assert running == ["galera-bundle-podman-0", "haproxy-bundle-podman-0", "neutron_api", "nova_api",
                       "rabbitmq-bundle-podman-0"]


def test_podman3_ps_health_and_empty_command():
    rows = parse_container_ps(PODMAN3_PS_OSP162, "sos_commands/podman/podman_ps_-a")["containers"]
    c = by_name(rows)
    assert len(rows) == 7
    assert (c["nova_api"]["health"], c["nova_api_cron"]["health"]) == ("healthy", "unhealthy")
    assert c["keystone"]["health"] == "starting"
    assert c["keystone"]["uptime_text"] == "About a minute"
    assert c["keystone"]["created"] == "About a minute ago"
    cinder = c["openstack-cinder-volume-podman-0"]
    assert cinder["command"] is None and cinder["exit_code"] == 1 and cinder["state"] == "exited"
    assert c["heat_engine"]["state"] == "restarting"
    assert c["nova_api"]["image_tag"] == "16.2_20230526.1"


@pytest.mark.parametrize("text, state, health, exit_code", [
    ("Up 2 hours (healthy)", "running", "healthy", None),
    ("Up 3 days ago (unhealthy)", "running", "unhealthy", None),
    ("Up 5 minutes (health: starting)", "running", "starting", None),
    ("Exited (1) 2 hours ago", "exited", None, 1),
    ("Exited (0) 3 days ago", "exited", None, 0),
    ("Restarting (1) 5 seconds ago", "restarting", None, 1),
    ("Created", "created", None, None),
    ("Configured", "created", None, None),
    ("Paused", "paused", None, None),
    ("Up 2 hours (Paused)", "paused", None, None),
    ("Dead", "dead", None, None),
    ("Removal In Progress", "unknown", None, None),
    ("Sleeping with the fishes", "unknown", None, None),
])
def test_status_grammar(text, state, health, exit_code):
    got = parse_status(text)
    assert (got["state"], got["health"], got["exit_code"]) == (state, health, exit_code)


def test_ps_truncated_last_row_keeps_earlier_rows():
    text = DOCKER_PS_OSP13[: DOCKER_PS_OSP13.index("cinder_scheduler") - 40]
    with pytest.raises(ParseError) as err:
        parse_container_ps(text, "sos_commands/docker/docker_ps_-a")
    assert err.value.line == 16
    assert len(err.value.partial["containers"]) == 14


def test_ps_without_header_is_an_error():
    with pytest.raises(ParseError) as err:
        parse_container_ps("\nCannot connect to the Docker daemon. Is the docker daemon running?\n",
                           "sos_commands/docker/docker_ps_-a")
    assert err.value.line == 2


def test_ps_header_only_and_empty():
    header = DOCKER_PS_OSP13.splitlines()[0] + "\n"
    assert parse_container_ps(header, "sos_commands/docker/docker_ps_-a") == {"containers": []}
    assert parse_container_ps("", "sos_commands/podman/podman_ps_-a") == {"containers": []}


def test_docker_images():
    rows = parse_container_images(DOCKER_IMAGES_OSP13, "sos_commands/docker/docker_images")["container_images"]
    assert [r["tag"] for r in rows] == ["13.0-88", "pcmklatest", "13.0-83", None]
    assert rows[1]["image"] == "192.168.24.1:8787/rhosp13/openstack-rabbitmq:pcmklatest"
    assert rows[1]["image_id"] == rows[2]["image_id"] == "2f9e0d7c6b5a"
    assert rows[3]["repository"] is None and rows[3]["size"] == "1.16 GB"
    assert {r["runtime"] for r in rows} == {"docker"}


def test_podman_images_with_digests():
    rows = parse_container_images(PODMAN_IMAGES_DIGESTS,
                                  "sos_commands/podman/podman_images_--digests")["container_images"]
    assert [r["tag"] for r in rows] == ["16.0-96", "pcmklatest"]
    assert rows[1]["digest"].startswith("sha256:0b2d4f6a") and rows[1]["size"] == "778 MB"
    assert rows[0]["image_id"] == "9d2f4b6a8c0e"


def test_realdata_podman_ps_generic():
    text = read_realdata("containers/insights-podman_ps-a-generic.txt")
    rows = parse_container_ps(text, "sos_commands/podman/podman_ps_-a")["containers"]
    c = by_name(rows)
    assert sorted(c) == ["angry_saha", "tender_rosalind"]
    assert c["angry_saha"]["ports"] == "0.0.0.0:8080->80/tcp"
    assert c["angry_saha"]["command"] == "/usr/sbin/httpd -DFOREGROUND"
    assert c["angry_saha"]["state"] == "running" and c["angry_saha"]["uptime_text"] == "37 seconds"
    assert c["angry_saha"]["size"] == "796 B (virtual 669.2 MB)"
    assert (c["tender_rosalind"]["state"], c["tender_rosalind"]["exit_code"]) == ("exited", 137)
    assert c["tender_rosalind"]["ports"] is None
    assert c["tender_rosalind"]["command"] == "/bin/sh -c 'yum install -y vsftpd-2.2.2-6.el6'"
    assert len(c["tender_rosalind"]["container_id"]) == 64


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_ps_random_text_only_parse_error(text):
    for body in (text, DOCKER_PS_OSP13.splitlines()[0] + "\n" + text):
        try:
            parse_container_ps(body, "sos_commands/docker/docker_ps_-a")
            parse_container_images(body, "sos_commands/docker/docker_images")
        except ParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(PODMAN3_PS_OSP162)), st.text(max_size=30))
def test_ps_cut_or_garbled_only_parse_error(cut, noise):
    try:
        parse_container_ps(PODMAN3_PS_OSP162[:cut] + noise, "sos_commands/podman/podman_ps_-a")
    except ParseError:
        pass
