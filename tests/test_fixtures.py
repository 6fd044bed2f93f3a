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
    path = sosreports(case)[node] / rel
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
