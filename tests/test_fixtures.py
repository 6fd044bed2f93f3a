"""The committed fixture trees, their packer and the faults README.md says they plant."""

from __future__ import annotations

import hashlib
import posixpath
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
sys.path.insert(0, str(FIXTURES))

import pack  # noqa: E402

EXPECTED_NODES = {
    "rhosp16-podman": ["compute-0", "controller-0", "controller-1", "controller-2"],
    "rhosp13-docker": ["compute-0", "controller-0", "controller-1"],
    "healthy": ["controller-0", "controller-1", "controller-2"],
}
SOS_NAME = re.compile(r"^sosreport-(?P<host>[a-z0-9-]+?)-(?P<day>\d{4}-\d{2}-\d{2})-[a-z]{7}$")


def sosreports(case: str) -> dict[str, Path]:
    """node (from `sos_commands/host/hostname`) -> sosreport directory."""
    out = {}
    for d in sorted((FIXTURES / case).iterdir()):
        if d.name.startswith("sosreport-"):
            out[(d / "sos_commands/host/hostname").read_text().strip()] = d
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def packed(tmp_path_factory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("build")
    return {case: pack.pack_case(FIXTURES / case, out / case) for case in EXPECTED_NODES}


@pytest.mark.parametrize("case", sorted(EXPECTED_NODES))
def test_cases_have_the_expected_nodes_named_like_sos(case):
    reports = sosreports(case)
    assert sorted(reports) == EXPECTED_NODES[case]
    for node, d in reports.items():
        m = SOS_NAME.match(d.name)
        assert m and m["host"] == node, d.name
        fqdn = (d / "sos_commands/host/hostname_-f").read_text().strip()
        assert fqdn == f"{node}.localdomain"


def test_packing_twice_gives_identical_archives(tmp_path):
    first = pack.pack_case(FIXTURES / "rhosp16-podman", tmp_path / "a")
    second = pack.pack_case(FIXTURES / "rhosp16-podman", tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    assert [sha256(p) for p in first] == [sha256(p) for p in second]
    c1 = pack.pack_collector("rhosp16-podman", first, tmp_path / "a")
    c2 = pack.pack_collector("rhosp16-podman", second, tmp_path / "b")
    assert sha256(c1) == sha256(c2)


@pytest.mark.parametrize("case", sorted(EXPECTED_NODES))
def test_archives_have_one_top_dir_and_links_inside(packed, case):
    tarballs = packed[case]
    assert len(tarballs) == len(EXPECTED_NODES[case])
    for tb in tarballs:
        top = tb.name[: -len(".tar.xz")]
        with tarfile.open(tb, "r:xz") as tar:
            members = tar.getmembers()
        names = [m.name for m in members]
        assert names[0] == top and members[0].isdir()
        assert all(n == top or n.startswith(top + "/") for n in names)
        assert names[1] == f"{top}/version.txt"  # sos adds it first
        assert {m.mtime for m in members} == {pack.MTIME} and {m.uname for m in members} == {"root"}
        links = {m.name: m.linkname for m in members if m.issym()}
        assert f"{top}/hostname" in links and f"{top}/date" in links
        for name, target in links.items():
            assert not target.startswith("/")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            assert resolved.startswith(top + "/"), (name, target)
        for root_link in ("hostname", "date", "uptime", "installed-rpms"):
            target = posixpath.normpath(posixpath.join(top, links[f"{top}/{root_link}"]))
            assert target in names, (root_link, target)
        assert (tb.parent / (tb.name + (".sha256" if case != "rhosp13-docker" else ".md5"))).is_file()


def test_date_link_and_version_follow_the_sos_version():
    for node, d in sosreports("rhosp16-podman").items():
        assert (d / "date").readlink().as_posix() == "sos_commands/systemd/timedatectl"
        assert (d / "version.txt").read_text() == "sosreport: 4.2\n"
        assert (d / "sos_reports/manifest.json").is_file()
    for node, d in sosreports("rhosp13-docker").items():
        assert (d / "date").readlink().as_posix() == "sos_commands/date/date"
        assert (d / "version.txt").read_text().splitlines()[0] == "sosreport: 3.9"
        assert not (d / "sos_reports/manifest.json").exists()


def test_tailed_messages_link_resolves_to_sos_strings():
    d = sosreports("rhosp16-podman")["controller-0"]
    link = d / "var/log/messages"
    assert link.is_symlink()
    assert link.readlink().as_posix() == "../../sos_strings/logs/var.log.messages.tailed"
    assert link.resolve() == (d / "sos_strings/logs/var.log.messages.tailed").resolve()


def test_collector_bundle_holds_the_node_tarballs(packed, tmp_path):
    col = pack.pack_collector("healthy", packed["healthy"], tmp_path)
    with tarfile.open(col, "r:xz") as tar:
        names = tar.getnames()
    assert names[0] == "sos-collector-healthy"
    assert sorted(n.split("/")[1] for n in names[1:]) == sorted(p.name for p in packed["healthy"])


def test_cli_packs_a_case(tmp_path):
    res = subprocess.run([sys.executable, str(FIXTURES / "pack.py"), "rhosp13-docker", "-o", str(tmp_path), "--collector"],
                         capture_output=True, text=True, check=True)
    written = sorted(Path(line).name for line in res.stdout.split())
    assert written == ["sos-collector-rhosp13-docker.tar.xz",
                       "sosreport-compute-0-2021-03-02-dyufspn.tar.xz",
                       "sosreport-controller-0-2021-03-02-hvzqmka.tar.xz",
                       "sosreport-controller-1-2021-03-02-ewlrtob.tar.xz"]


def test_pack_refuses_a_link_pointing_outside(tmp_path):
    bad = tmp_path / "sosreport-evil-2022-01-01-abcdefg"
    bad.mkdir()
    (bad / "version.txt").write_text("sosreport: 4.2\n")
    (bad / "escape").symlink_to("../../etc/passwd")
    with pytest.raises(ValueError, match="outside"):
        pack.pack_case(bad, tmp_path / "out")


def planted_faults() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in (FIXTURES / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[1] in EXPECTED_NODES and cells[3].startswith("`"):
            rows.append((cells[0], cells[1], cells[2], cells[3].strip("`"), cells[4][1:-1]))
    return rows


def test_readme_lists_every_planted_fault_kind():
    ids = {r[0] for r in planted_faults()}
    for required in ("unhealthy-nova-api", "rabbit-replica-stopped", "rabbit-failed-start", "galera-not-synced",
                     "rabbit-partition-first-event", "amqp-unreachable-c0", "amqp-unreachable-c1",
                     "amqp-unreachable-compute", "container-exited-1", "config-drift", "debug-true", "clock-skew",
                     "galera-crash", "oslo-trace", "rabbit36-error-report"):
        assert required in ids


@pytest.mark.parametrize("fault", planted_faults(), ids=lambda f: f[0])
def test_planted_fault_is_in_the_files(fault):
    _id, case, node, rel, evidence = fault
    path = (FIXTURES / case if node == "(case folder)" else sosreports(case)[node]) / rel
    text = path.read_text(encoding="utf-8")
    assert evidence in text, f"{evidence!r} not in {rel}"


def test_fault_state_is_the_same_on_every_controller():
    ctl = {n: d for n, d in sosreports("rhosp16-podman").items() if n.startswith("controller")}
    failed, resources = {}, {}
    for node, d in ctl.items():
        text = (d / "sos_commands/pacemaker/pcs_status_--full").read_text()
        failed[node] = re.findall(r"^  \* (\S+ on \S+) '", text, re.M)
        resources[node] = text.split("Full List of Resources:")[1].split("Node Attributes:")[0]
    assert len(set(resources.values())) == 1
    assert len({tuple(v) for v in failed.values()}) == 1
    assert failed["controller-0"] == ["galera_monitor_10000 on galera-bundle-2", "rabbitmq_monitor_10000 on rabbitmq-bundle-2",
                                      "rabbitmq_start_0 on rabbitmq-bundle-2"]


def test_only_the_nova_conf_filter_option_drifts():
    confs = {n: (d / "var/lib/config-data/puppet-generated/nova/etc/nova/nova.conf").read_text().splitlines()
             for n, d in sosreports("rhosp16-podman").items() if n.startswith("controller")}
    strip_ip = lambda lines: [l for l in lines if not re.search(r"172\.17\.1\.(112|53|77)\b", l)]  # noqa: E731
    diff = set(strip_ip(confs["controller-2"])) ^ set(strip_ip(confs["controller-0"]))
    assert {l.split("=")[0] for l in diff} == {"enabled_filters"}
    assert set(strip_ip(confs["controller-0"])) == set(strip_ip(confs["controller-1"]))


def utc_of(date_line: str):
    from datetime import datetime
    return datetime.strptime(date_line.strip(), "%a %b %d %H:%M:%S UTC %Y")


def test_controller_2_clock_is_420_s_ahead():
    nodes = sosreports("rhosp16-podman")
    t = {n: utc_of((d / "sos_commands/date/date_--utc").read_text()) for n, d in nodes.items()}
    assert abs((t["controller-2"] - t["controller-0"]).total_seconds() - 420) < 10
    assert abs((t["controller-1"] - t["controller-0"]).total_seconds()) < 10
    assert abs((t["compute-0"] - t["controller-0"]).total_seconds()) < 10


def test_compute_0_lives_in_new_york():
    d = sosreports("rhosp16-podman")["compute-0"]
    assert (d / "etc/localtime").readlink().as_posix() == "../usr/share/zoneinfo/America/New_York"
    assert "EDT" in (d / "sos_commands/date/date").read_text()


def test_healthy_case_has_nothing_to_report():
    for node, d in sosreports("healthy").items():
        pcs = (d / "sos_commands/pacemaker/pcs_status_--full").read_text()
        assert "Failed Resource Actions" not in pcs and "Stopped" not in pcs and " Slave galera" not in pcs
        assert "Master galera-bundle" in pcs
        ps = (d / "sos_commands/podman/podman_ps_-a").read_text()
        assert "unhealthy" not in ps and not re.search(r"Exited \([1-9]", ps)
        (report,) = (d / "sos_commands/rabbitmq").glob("podman_exec_rabbitmq-bundle-podman-*_rabbitmqctl_report")
        section = report.read_text().split("Network Partitions")[1].split("Listeners")[0]
        assert re.sub(r"\x1b\[\d*m", "", section).split() == ["(none)"]
        assert "0 loaded units listed" in (d / "sos_commands/systemd/systemctl_list-units_--failed").read_text()
        assert "System clock synchronized: yes" in (d / "sos_commands/systemd/timedatectl").read_text()
        for log in (d / "var/log").rglob("*"):
            if log.is_file():
                text = log.read_text()
                assert not re.search(r" (ERROR|CRITICAL|TRACE) |\[error\]|Traceback|ERROR REPORT", text), log


def test_fixtures_stay_small():
    total = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file() and not p.is_symlink() and "build" not in p.parts)
    assert total < 3 * 1024 * 1024


def test_generator_reproduces_the_committed_trees(tmp_path):
    subprocess.run([sys.executable, str(FIXTURES / "tools/generate.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for case in EXPECTED_NODES:
        committed = {p.relative_to(FIXTURES / case): p for p in (FIXTURES / case).rglob("*")}
        fresh = {p.relative_to(tmp_path / case): p for p in (tmp_path / case).rglob("*")}
        assert sorted(committed) == sorted(fresh)
        for rel, p in committed.items():
            q = fresh[rel]
            if p.is_symlink():
                assert q.is_symlink() and p.readlink() == q.readlink(), rel
            elif p.is_file():
                assert p.read_bytes() == q.read_bytes(), rel


# --- host facts, Ceph, Redis, OpenStack lists -------------------------------------------------------

def meminfo_kb(text: str) -> dict[str, int]:
    return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in text.splitlines())}


@pytest.mark.parametrize("case", sorted(EXPECTED_NODES))
def test_every_node_has_free_meminfo_df_and_images_that_agree(case):
    sos4 = case != "rhosp13-docker"
    runtime = "podman" if sos4 else "docker"
    for node, d in sosreports(case).items():
        mem = meminfo_kb((d / "proc/meminfo").read_text())
        free = (d / "sos_commands/memory/free").read_text().splitlines()
        assert free[0].split() == ["total", "used", "free", "shared", "buff/cache", "available"]
        total, used, free_kb, shared, cache, avail = map(int, free[1].split()[1:])
        assert (total, free_kb, shared, avail) == (mem["MemTotal"], mem["MemFree"], mem["Shmem"], mem["MemAvailable"])
        assert cache == mem["Buffers"] + mem["Cached"] + mem["SReclaimable"] and used == total - free_kb - cache
        assert (d / "sos_commands/memory/free_-m").read_text().split()[7] == str(total // 1024)
        df_rel = "sos_commands/filesys/" + ("df_-al_-x_autofs" if sos4 else "df_-al")
        assert (d / "df").readlink().as_posix() == df_rel and (d / "free").readlink().as_posix() == "sos_commands/memory/free"
        df = [line.split() for line in (d / df_rel).read_text().splitlines()[1:]]
        mounts = {row[-1]: row for row in df}
        assert mounts["/"][0] == "/dev/sda2" and mounts["/boot"][0] == "/dev/sda1"
        assert ("systemd-1" in mounts.get("/proc/sys/fs/binfmt_misc", [])) != sos4
        ps = (d / f"sos_commands/{runtime}/{runtime}_ps_-a").read_text().splitlines()[1:]
        running = [line for line in ps if " Up " in line]
        overlays = [m for m in mounts if m.startswith(("/var/lib/containers/storage/overlay/", "/var/lib/docker/overlay2/"))]
        assert len(overlays) == len(running) == sum(1 for r in df if r[0] == "shm")
        images = {tuple(line.split()[:2]) for line in (d / f"sos_commands/{runtime}/{runtime}_images").read_text().splitlines()[1:]}
        for line in ps:
            image = line.split()[1]
            assert tuple(image.rsplit(":", 1)) in images, (node, image)


def test_memory_and_disk_match_what_rabbitmq_and_nova_report():
    c0 = sosreports("rhosp16-podman")["controller-0"]
    mem = meminfo_kb((c0 / "proc/meminfo").read_text())
    assert round(mem["MemTotal"] * 1024 * 0.4 / 1e9, 4) == 108.0127   # rabbitmq's memory watermark
    compute = sosreports("rhosp16-podman")["compute-0"]
    assert meminfo_kb((compute / "proc/meminfo").read_text())["MemTotal"] // 1024 == 392841   # nova phys_ram
    c13 = sosreports("rhosp13-docker")["controller-0"]
    root = next(line.split() for line in (c13 / "sos_commands/filesys/df_-al").read_text().splitlines() if line.endswith(" /"))
    assert int(root[3]) * 1024 == 447813451776      # rabbitmq 3.6 disk_free


def ceph_file(case: str, node: str, name: str) -> str:
    return (sosreports(case)[node] / "sos_commands/ceph" / name).read_text()


def test_ceph_of_the_faulty_case_has_a_mon_out_of_quorum_and_osd_4_down():
    import json
    texts = {n: ceph_file("rhosp16-podman", n, "ceph_status") for n in ("controller-0", "controller-1", "controller-2")}
    assert len(set(texts.values())) == 1                 # one cluster, seen alike from every mon host
    status = texts["controller-0"]
    assert "health: HEALTH_WARN" in status and "quorum controller-0,controller-1 (age 34m), out of quorum: controller-2" in status
    assert "osd: 9 osds: 8 up (since 6m), 9 in" in status
    js = json.loads(ceph_file("rhosp16-podman", "controller-2", "json_output/ceph_status_--format_json-pretty"))
    assert js["quorum_names"] == ["controller-0", "controller-1"] and js["health"]["status"] == "HEALTH_WARN"
    assert sorted(js["health"]["checks"]) == ["MON_DOWN", "OSD_DOWN", "PG_DEGRADED"]
    assert (js["osdmap"]["osdmap"]["num_osds"], js["osdmap"]["osdmap"]["num_up_osds"]) == (9, 8)
    assert js["pgmap"]["pgs_by_state"] == [{"state_name": "active+clean", "count": 213},
                                           {"state_name": "active+undersized+degraded", "count": 107}]
    host, status_of = None, {}
    for line in ceph_file("rhosp16-podman", "controller-1", "ceph_osd_tree").splitlines()[1:]:
        cells = line.split()
        if cells[-2] == "host":
            host = cells[-1]
        elif cells[3].startswith("osd."):
            status_of[cells[3]] = (host, cells[4])
    assert len(status_of) == 9 and {o: v for o, v in status_of.items() if v[1] != "up"} == {"osd.4": ("cephstorage-1", "down")}
    detail = json.loads(ceph_file("rhosp16-podman", "controller-0", "json_output/ceph_health_detail_--format_json-pretty"))
    assert detail["checks"]["MON_DOWN"]["detail"][0]["message"].startswith("mon.controller-2 (rank 2)")
    acting = re.findall(r"last acting \[([\d,]+)\]", ceph_file("rhosp16-podman", "controller-0", "ceph_health_detail"))
    assert len(acting) == 50 and all(len(a.split(",")) == 2 and "4" not in a.split(",") for a in acting)


def test_ceph_is_healthy_apart_from_the_operators_noout_in_the_docker_case():
    for case, layout_age in (("healthy", True), ("rhosp13-docker", False)):
        for node in sosreports(case):
            if not node.startswith("controller"):
                continue
            status = ceph_file(case, node, "ceph_status")
            assert "osd: 9 osds: 9 up" in status
            assert ("(age " in status) == layout_age        # Nautilus prints the quorum age, Luminous does not
            assert " down " not in ceph_file(case, node, "ceph_osd_tree")
            detail = ceph_file(case, node, "ceph_health_detail")
            if case == "healthy":
                assert "health: HEALTH_OK" in status and detail == "HEALTH_OK\n"
            else:   # Luminous: the check summary under health, the flag under the osd line
                assert "health: HEALTH_WARN\n            noout flag(s) set\n" in status
                assert "    osd: 9 osds: 9 up, 9 in\n         flags noout\n" in status
                assert detail.splitlines() == ["HEALTH_WARN noout flag(s) set", "OSDMAP_FLAGS noout flag(s) set"]
    assert not (sosreports("rhosp16-podman")["compute-0"] / "sos_commands/ceph").exists()


def redis_info(path: Path) -> dict[str, str]:
    raw = path.read_bytes().decode()
    assert "\r\n" in raw and "\n" not in raw.replace("\r\n", "")       # redis-cli writes CRLF
    return dict(line.split(":", 1) for line in raw.split("\r\n") if ":" in line and not line.startswith("#"))


def test_redis_roles_follow_pcs_and_controller_2_lost_its_master():
    for case, slaves in (("rhosp16-podman", 1), ("healthy", 2)):
        nodes = sosreports(case)
        for node, d in nodes.items():
            if not node.startswith("controller"):
                continue
            i = node[-1]
            pcs = (d / "sos_commands/pacemaker/pcs_status_--full").read_text()
            promoted = re.search(rf"\* redis\t\(ocf::heartbeat:redis\):\t (\w+) redis-bundle-{i}", pcs).group(1)
            info = redis_info(d / f"sos_commands/redis/podman_exec_redis-bundle-podman-{i}_redis-cli_info")
            assert info["role"] == {"Master": "master", "Slave": "slave"}[promoted]
            if info["role"] == "master":
                assert int(info["connected_slaves"]) == slaves
            else:
                assert info["master_host"] == "controller-0"
                faulty = case == "rhosp16-podman" and node == "controller-2"
                assert info["master_link_status"] == ("down" if faulty else "up")
                if faulty:   # down since the partition of 04:45:52.310 UTC, collected at 05:20:16 UTC
                    assert int(info["master_link_down_since_seconds"]) == 2063
    info13 = redis_info(sosreports("rhosp13-docker")["controller-0"] / "sos_commands/redis/redis-cli_info")
    assert (info13["redis_version"], info13["role"], info13["connected_slaves"]) == ("3.2.8", "master", "2")


def test_openstack_lists_exist_only_where_os_credentials_were_set():
    from datetime import datetime
    for case in ("rhosp16-podman", "healthy"):
        for node, d in sosreports(case).items():
            has_env = "OS_USERNAME=admin" in (d / "environment").read_text()
            lists = sorted(p.name for p in d.glob("sos_commands/openstack_*/openstack_*"))
            assert has_env == (node == "controller-0")
            assert lists == (["openstack_compute_service_list", "openstack_hypervisor_list",
                              "openstack_network_agent_list", "openstack_volume_service_list"] if has_env else [])
    d = sosreports("rhosp16-podman")["controller-0"]
    rows = [[c.strip() for c in line.strip("|").split("|")]
            for line in (d / "sos_commands/openstack_nova/openstack_compute_service_list").read_text().splitlines()
            if line.startswith("|")][1:]
    down = [r for r in rows if r[5] == "down"]
    assert [(r[1], r[2]) for r in down] == [("nova-compute", "compute-0.localdomain")]
    collected = utc_of((d / "sos_commands/date/date_--utc").read_text())
    age = collected - datetime.strptime(down[0][6], "%Y-%m-%dT%H:%M:%S.%f")
    assert 600 < age.total_seconds() < 620
    agents = (d / "sos_commands/openstack_neutron/openstack_network_agent_list").read_text()
    assert [line.split("|")[2].strip() + "@" + line.split("|")[3].strip() for line in agents.splitlines() if "XXX" in line] \
        == ["OVN Metadata agent@compute-0.localdomain"]
    healthy = sosreports("healthy")["controller-0"]
    for p in healthy.glob("sos_commands/openstack_*/openstack_*"):
        text = p.read_text()
        assert "XXX" not in text and "| down " not in text and "DOWN" not in text, p.name
    failed = (sosreports("rhosp13-docker")["controller-0"] / "sos_commands/openstack_nova/nova_service-list").read_text()
    assert failed.startswith("ERROR (InternalServerError):") and "(HTTP 500)" in failed


def test_rabbitmq_reports_list_the_mirrored_queues():
    for case, banner in (("rhosp16-podman", "Listing queues for vhost / ..."), ("rhosp13-docker", "Queues on /:")):
        for node, d in sosreports(case).items():
            for report in d.glob("sos_commands/rabbitmq/*_rabbitmqctl_report"):
                text = report.read_text()
                if "app to be running" in text:
                    continue                                  # controller-2's stopped rabbit has no listing
                block = text.split(banner + "\n", 1)[1].split("\n\n", 1)[0].splitlines()
                header, rows = block[0].split("\t"), [r.split("\t") for r in block[1:]]
                assert len(rows) >= 20 and all(len(r) == len(header) for r in rows)
                names = {r[header.index("name")] for r in rows}
                assert {"conductor", "compute.compute-0.localdomain", "cinder-volume.hostgroup@tripleo_ceph"} <= names
                assert not any("controller-2" in r[header.index("pid")] for r in rows if case == "rhosp16-podman")


def test_oslo_traceback_lines_carry_no_request_context():
    api = (sosreports("rhosp16-podman")["controller-1"] / "var/log/containers/nova/nova-api.log").read_text().splitlines()
    heads = [i for i, line in enumerate(api) if line.endswith("Traceback (most recent call last):") and "[req-" not in line]
    assert len(heads) == 8                                  # 4 tracebacks, each with a chained one
    for i in heads:
        assert re.match(r"^2022-05-14 \d\d:\d\d:\d\d\.\d{3} 27 ERROR nova\.api\.openstack\.wsgi Traceback", api[i])
    assert sum(1 for line in api if "[req-" in line and "Unexpected exception in API method" in line) == 4
    heat = (sosreports("rhosp16-podman")["controller-1"] / "var/log/containers/heat/heat-engine.log").read_text()
    assert "ERROR heat [-]" not in heat and " 7 ERROR heat Traceback (most recent call last):" in heat


FACT_TABLES = ("memory", "disk", "container_images", "redis", "ceph", "ceph_osds", "rabbitmq_queues", "pcs_bundles",
               "pcs_properties", "pcs_quorum", "openstack_services")


def facts_json(*args: str) -> list[dict]:
    import json
    res = subprocess.run([sys.executable, "-m", "analyzer.cli", "facts", *args, "--format", "json"],
                         capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(res.stdout)


def facts_rows(*inputs: str, table: str) -> list[dict]:
    return facts_json(*inputs, "--table", table)


@pytest.fixture(scope="module")
def case_tables() -> dict[str, dict[str, int]]:
    """table -> row count of `sos-analyzer facts <case folder>`, per case."""
    return {case: {t["table"]: t["rows"] for t in facts_json(str(FIXTURES / case))} for case in EXPECTED_NODES}


@pytest.mark.parametrize("case", sorted(EXPECTED_NODES))
def test_sos_analyzer_facts_shows_the_tables_of_every_artifact(case_tables, case):
    rows = case_tables[case]
    for table in FACT_TABLES:
        assert rows.get(table), (case, table)
    assert rows["memory"] == 3 * len(EXPECTED_NODES[case])     # free, free -m and /proc/meminfo of each node
    assert bool(rows.get("ceph_checks")) == (case != "healthy")   # healthy is HEALTH_OK; 13 has noout set
    assert "failed_units" in rows


def test_both_layouts_show_the_same_fact_tables(case_tables):
    assert sorted(case_tables["rhosp13-docker"]) == sorted(case_tables["rhosp16-podman"])


# --- RHOSP 13: pcs 0.9 config, properties and quorum; the pasted OpenStack lists ---------------------

def pcs13(node: str, name: str) -> str:
    return (sosreports("rhosp13-docker")[node] / "sos_commands/pacemaker" / name).read_text()


def test_pcs_0_9_config_defines_every_bundle_pcs_status_runs():
    for node in ("controller-0", "controller-1"):
        status = pcs13(node, "pcs_status_--full")
        running = dict(re.findall(r"^ Docker container(?: set)?: (\S+) \[(\S+)\]$", status, re.M))
        config = pcs13(node, "pcs_config")
        defined = {m[0]: m[1:] for m in re.findall(
            r"^ Bundle: (\S+)\n  Docker: image=(\S+) (?:masters=(\d) )?network=host options=\"[^\"]+\" "
            r"replicas=(\d) run-command=\"/bin/bash /usr/local/bin/kolla_start\"$", config, re.M)}
        assert {b: d[0] for b, d in defined.items()} == running
        assert {b: (d[1], d[2]) for b, d in defined.items()} == {
            "galera-bundle": ("3", "3"), "rabbitmq-bundle": ("", "3"), "redis-bundle": ("1", "3"),
            "haproxy-bundle": ("", "3"), "openstack-cinder-volume": ("", "1")}
        vips = re.findall(r"^ ip-(\S+)\t\(ocf::heartbeat:IPaddr2\)", status, re.M)
        assert re.findall(r"^ Resource: ip-(\S+) \(class=ocf provider=heartbeat type=IPaddr2\)$", config, re.M) == vips
        assert "passwd=******** pcmk_host_list=controller-2" in config      # sos masks fence passwords
        assert config.count("Storage Mapping:") == 5 and "Node Attributes:" in config


def test_pcs_0_9_property_list_has_the_tripleo_properties_and_node_attributes():
    for node in ("controller-0", "controller-1"):
        text = pcs13(node, "pcs_property_list_--all")
        props, attrs = text.split("Node Attributes:\n")
        lines = props.splitlines()
        assert lines[0] == "Cluster Properties:" and lines[1:] == sorted(lines[1:])
        values = dict(line.strip().split(": ", 1) for line in lines[1:])
        assert (values["stonith-enabled"], values["cluster-name"], values["redis_REPL_INFO"]) == ("true", "tripleo_cluster", "controller-0")
        assert values["dc-version"] in pcs13(node, "pcs_status_--full")
        assert len(values) > 30                                   # --all adds Pacemaker's defaults
        by_node = {line.split(":")[0].strip(): dict(a.split("=") for a in line.split(": ")[1].split())
                   for line in attrs.splitlines()}
        assert sorted(by_node) == ["controller-0", "controller-1", "controller-2"]
        assert all(a["galera-role"] == a["rabbitmq-role"] == "true" for a in by_node.values())
        assert by_node["controller-2"]["rmq-node-attr-last-known-rabbitmq"] == "rabbit@controller-2"
        # `pcs config` ends with the same properties (without the defaults) and node attributes
        assert attrs in pcs13(node, "pcs_config")


def test_quorum_counts_three_members_though_controller_2_sent_no_sosreport():
    for node, d in sosreports("rhosp13-docker").items():
        if not node.startswith("controller"):
            continue
        log_seq = re.search(r"A new membership \(172\.17\.1\.18:(\d+)\) was formed", (d / "var/log/cluster/corosync.log").read_text())[1]
        for rel, header in (("sos_commands/corosync/corosync-quorumtool_-s", "Nodeid      Votes Name"),
                            ("sos_commands/pacemaker/pcs_quorum_status", "Nodeid      Votes    Qdevice Name")):
            text = (d / rel).read_text()
            fields = dict(re.findall(r"^([A-Z][\w ]+?):\s+(.*?)\s*$", text, re.M))
            assert (fields["Quorate"], fields["Expected votes"], fields["Total votes"], fields["Quorum"]) == ("Yes", "3", "3", "2")
            assert fields["Ring ID"] == f"1/{log_seq}" and fields["Node ID"] == str(int(node[-1]) + 1)
            members = text.split(header + "\n")[1].splitlines()
            assert [m.split()[-1] if "(local)" not in m else m.split()[-2] for m in members] == \
                ["controller-0", "controller-1", "controller-2"]
            assert [m for m in members if m.endswith("(local)")] == [m for m in members if f" {node} " in m + " "]


LOOSE = FIXTURES / "rhosp13-docker" / "openstack-lists-before-outage.txt"


def table_rows(text: str, command: str) -> list[list[str]]:
    block = text.split(f"$ {command}\n")[1].split("$ ")[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines() if line.startswith("|")][1:]


def test_pasted_lists_show_nova_compute_of_compute_0_down_before_the_outage():
    text = LOOSE.read_text()
    pasted = utc_of(text.split("$ date -u\n")[1].splitlines()[0])
    collected = min(utc_of((d / "sos_commands/date/date_--utc").read_text()) for d in sosreports("rhosp13-docker").values())
    assert 2 * 3600 < (collected - pasted).total_seconds() < 3 * 3600         # a few hours before the sosreports
    services = table_rows(text, "openstack compute service list")
    down = [r for r in services if r[5] == "down"]
    assert [(r[1], r[2]) for r in down] == [("nova-compute", "compute-0.localdomain")]
    from datetime import datetime
    stale = pasted - datetime.strptime(down[0][6], "%Y-%m-%dT%H:%M:%S.%f")
    assert stale.total_seconds() == 932                                        # 15 min 32 s without a heartbeat
    assert all((pasted - datetime.strptime(r[6], "%Y-%m-%dT%H:%M:%S.%f")).total_seconds() < 10 for r in services if r[5] == "up")
    agents = table_rows(text, "openstack network agent list")
    assert {r[4] for r in agents} == {":-)"} and {r[5] for r in agents} == {"UP"}
    assert [r[1] for r in agents if r[2] == "compute-0.localdomain"] == ["Open vSwitch agent"]


def test_the_pasted_lists_become_a_node_of_their_own_unless_named(packed):
    rows = facts_rows(str(FIXTURES / "rhosp13-docker"), table="openstack_services")
    assert {r["node"] for r in rows} == {LOOSE.name} and len(rows) == 7 + 9
    named = facts_rows(*map(str, sorted((FIXTURES / "rhosp13-docker").glob("sosreport-*"))), str(LOOSE),
                       "--node", f"controller-0={LOOSE}", table="openstack_services")
    assert {r["node"] for r in named} == {"controller-0"}
    assert [r["host"] for r in named if r["state"] == "down"] == ["compute-0.localdomain"]
    # pack.py packs the sosreport folders only: the pasted file stays out of the tarballs
    assert [tb.name.split("-2021-")[0] for tb in packed["rhosp13-docker"]] == \
        ["sosreport-compute-0", "sosreport-controller-0", "sosreport-controller-1"]
