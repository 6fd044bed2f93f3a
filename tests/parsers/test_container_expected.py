"""expected_vs_running: TripleO container definitions joined with `ps -a` on (node, name)."""

from __future__ import annotations

import json

import pandas as pd

from analyzer.derive.containers import COLUMNS, expected_vs_running
from analyzer.parsers.container_configs import parse_container_startup_config
from analyzer.parsers.container_ps import parse_container_ps
from tests.parsers.test_container_configs import OSP13_STEP4
from tests.parsers.test_container_ps import DOCKER_PS_OSP13, PODMAN16_PS_OSP16

REG13 = "192.168.24.1:8787/rhosp13/openstack-"
REG16 = "undercloud-0.ctlplane.localdomain:8787/rhosp-rhel8/openstack-"

# controller-0 step 3 (RHOSP 13): heat_api_cfn configured, cinder_scheduler configured,
# and a container whose definition the node never started.
OSP13_STEP3 = json.dumps({
    "heat_api_cfn": {"image": REG13 + "heat-api-cfn:13.0-87", "net": "host", "restart": "always"},
    "cinder_scheduler": {"image": REG13 + "cinder-scheduler:13.0-87", "net": "host", "restart": "always"},
    "aodh_evaluator": {"image": REG13 + "aodh-evaluator:13.0-85", "net": "host", "restart": "always"},
    "memcached": {"image": REG13 + "memcached:13.0-84", "net": "host", "restart": "always"},
})


def frame(rows, node, source):
    return pd.DataFrame([{**r, "node": node, "source": source} for r in rows])


def osp13_frames():
    ps = frame(parse_container_ps(DOCKER_PS_OSP13, "sos_commands/docker/docker_ps_-a")["containers"],
               "controller-0", "sos_commands/docker/docker_ps_-a")
    cfg_rows = []
    for text, step in ((OSP13_STEP4, 4), (OSP13_STEP3, 3)):
        path = f"var/lib/tripleo-config/docker-container-startup-config-step_{step}.json"
        cfg_rows += [{**r, "node": "controller-0", "source": path}
                     for r in parse_container_startup_config(text, path)["container_configs"]]
    # controller-1 has configs but its sosreport has no `docker ps -a`: no verdicts for it
    cfg_rows += [{**r, "node": "controller-1"} for r in cfg_rows]
    return pd.DataFrame(cfg_rows), ps


def test_expected_vs_running_osp13():
    configs, ps = osp13_frames()
    out = expected_vs_running(configs, ps)
    assert list(out.columns) == COLUMNS
    assert set(out["node"]) == {"controller-0"}
    got = {r["name"]: r for r in out.to_dict("records")}
    # exec entries and one-shot (detach: false) containers are not expected to run
    assert sorted(got) == ["aodh_evaluator", "cinder_scheduler", "heat_api_cfn", "memcached", "neutron_api",
                           "nova_api"]
    assert got["aodh_evaluator"]["problem"] == "not_present" and got["aodh_evaluator"]["state"] is None
    assert (got["heat_api_cfn"]["problem"], got["heat_api_cfn"]["state"]) == ("not_running", "restarting")
    assert (got["cinder_scheduler"]["problem"], got["cinder_scheduler"]["state"]) == ("not_running", "dead")
    assert got["nova_api"]["problem"] is None and got["memcached"]["problem"] is None
    assert got["neutron_api"]["problem"] is None
    assert got["nova_api"]["running_image"] == got["nova_api"]["configured_image"] == REG13 + "nova-api:13.0-88"


def test_image_differs_prefers_hashed_definition():
    ps = frame(parse_container_ps(PODMAN16_PS_OSP16, "sos_commands/podman/podman_ps_-a")["containers"],
               "controller-2", "sos_commands/podman/podman_ps_-a")
    plain = {"nova_api": {"image": REG16 + "nova-api:16.0-96", "net": "host"},
             "neutron_api": {"image": REG16 + "neutron-server:16.0-102", "net": "host"}}
    hashed = {"nova_api": {"image": REG16 + "nova-api:16.0-104", "net": "host"},
              "neutron_api": {"image": REG16 + "neutron-server:16.0-102", "net": "host"}}
    rows = []
    for prefix, data in (("", plain), ("hashed-", hashed)):
        path = f"var/lib/tripleo-config/{prefix}container-startup-config-step_4.json"
        rows += parse_container_startup_config(json.dumps(data), path)["container_configs"]
    out = expected_vs_running(frame(rows, "controller-2", "x"), ps)
    got = {r["name"]: r for r in out.to_dict("records")}
    assert len(out) == 2
    assert got["nova_api"]["problem"] == "image_differs"
    assert got["nova_api"]["configured_image"] == REG16 + "nova-api:16.0-104"
    assert got["nova_api"]["running_image"] == REG16 + "nova-api:16.0-96"
    assert got["neutron_api"]["problem"] is None


def test_empty_inputs():
    assert expected_vs_running(pd.DataFrame(), pd.DataFrame()).empty
    configs, _ = osp13_frames()
    assert list(expected_vs_running(configs, pd.DataFrame()).columns) == COLUMNS
