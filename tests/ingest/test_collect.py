"""Ingest: every input shape, node identity, and broken or hostile members."""

from __future__ import annotations

import lzma
import os
from pathlib import Path

import pytest

from analyzer.ingest.catalogue import Catalogue, Entry
from analyzer.ingest.collect import ReadOptions, read_input
from analyzer.ingest.identity import identify, name_from_unit
from analyzer.pipeline import IngestSettings, build_bundle, ingest

from tests.ingest.tarbuild import build, sosreport_members

ROOT = "sosreport-controller-0-2020-05-14-abcdefg"


def inventory(result):
    rows = list(result.inventory)
    for unit in result.units:
        rows.extend(unit.inventory)
    return {r["path"]: r for r in rows}


@pytest.mark.parametrize("compression", ["xz", "gzip", "zstd", "none"])
def test_sosreport_tarball_any_compression_names_the_node(tmp_path, compression):
    archive = build(tmp_path / f"{ROOT}.tar.whatever", sosreport_members(ROOT), compression)
    result = read_input(str(archive))
    assert result.status == "ok", result.errors
    assert result.kind == "sosreport"
    [unit] = result.units
    node = identify(unit)
    assert node.name == "controller-0"
    assert node.release == "RHOSP 16.2 (Train)"
    assert node.sos_version == "4.2"
    assert node.collected_at.isoformat() == "2020-05-14T04:50:01+00:00"
    inv = inventory(result)
    assert inv["hostname"]["status"] == "skipped" and "sos_commands/host/hostname" in inv["hostname"]["reason"]
    assert inv["sos_commands/host/hostname"]["status"] == "parsed"


def test_fqdn_hostname_is_shortened_and_archive_name_is_the_fallback(tmp_path):
    members = sosreport_members(ROOT, hostname="controller-1.localdomain")
    node = identify(read_input(str(build(tmp_path / "a.tar.xz", members))).units[0])
    assert node.name == "controller-1" and node.hostname == "controller-1.localdomain"
    no_host = [m for m in sosreport_members(ROOT) if "hostname" not in m[1]]
    node = identify(read_input(str(build(tmp_path / "b.tar.xz", no_host))).units[0])
    assert node.name == "controller-0"
    assert name_from_unit("sosreport-overcloud-compute-1-01234567-2021-03-02-qwertyu") == "overcloud-compute-1-01234567"
    assert name_from_unit("sosreport-ctl1.01234567-20180514044552") == "ctl1"


def test_case_bundle_of_tarballs_streams_each_nested_sosreport(tmp_path):
    inner = [build(tmp_path / f"sosreport-{h}-2020-05-14-abcdefg.tar.xz",
                   sosreport_members(f"sosreport-{h}-2020-05-14-abcdefg", hostname=h)) for h in
             ("controller-0", "controller-1", "compute-0")]
    members = [("file", f"sos-collector-case-2020-05-14-abcde/{p.name}", p.read_bytes()) for p in inner]
    members.append(("file", "sos-collector-case-2020-05-14-abcde/sos_logs/sos.log", "collected\n"))
    bundle_path = build(tmp_path / "sos-collector-case.tar.xz", members)
    result = read_input(str(bundle_path))
    assert result.kind == "bundle"
    assert sorted(identify(u).name for u in result.units) == ["compute-0", "controller-0", "controller-1"]


def test_directory_of_sosreport_folders_and_loose_files(tmp_path):
    case = tmp_path / "case"
    for h in ("controller-0", "controller-1"):
        root = case / f"sosreport-{h}-2020-05-14-abcdefg"
        for m in sosreport_members(root.name, hostname=h):
            target = case / m[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            if m[0] == "file":
                target.write_text(m[2])
            else:
                os.symlink(m[2], target)
    (case / "haproxy.cfg").write_text("global\n  daemon\n\nlisten mysql\n  bind 172.16.2.5:3306 transparent\n"
                                      "  server controller-0.internalapi.localdomain 172.16.2.10:3306 backup check\n")
    bundle = build_bundle(ingest(IngestSettings(inputs=[str(case)], node_names={})))
    assert sorted(bundle.nodes) == ["controller-0", "controller-1", "haproxy.cfg"]  # a loose file without --node is named after itself
    inv = bundle.table("inventory")
    row = inv[inv.path == "haproxy.cfg"].iloc[0]
    assert row.kind == "haproxy_cfg"


def test_several_inputs_of_one_host_merge_into_one_node(tmp_path):
    a = build(tmp_path / "a.tar.xz", sosreport_members(ROOT))
    b = build(tmp_path / "b.tar.gz", sosreport_members("sosreport-controller-0-2020-05-15-zzzzzzz",
                                                         utc="Fri 2020-05-15 04:50:01 UTC"), "gzip")
    bundle = build_bundle(ingest(IngestSettings(inputs=[str(a), str(b)])))
    assert list(bundle.nodes) == ["controller-0"]
    node = bundle.nodes["controller-0"]
    assert node.collected_at.isoformat() == "2020-05-15T04:50:01+00:00"
    assert node.inputs == sorted([str(a), str(b)])


def test_container_export_is_recognised_and_named_from_the_file_or_node_option(tmp_path):
    members = [("file", ".dockerenv", ""), ("file", "etc/hostname", "7f3a2b1c9d0e\n"),
               ("file", "var/log/nova/nova-api.log",
                "2020-05-14 04:45:52.123 7 ERROR nova.api.openstack [req-1 - - - - -] boom\n"),
               ("file", "usr/bin/python3", "\x7fELF")]
    export = build(tmp_path / "nova_api.tar", members, "none")
    result = read_input(str(export))
    assert result.kind == "container-export"
    assert identify(result.units[0]).name == "nova_api"
    named = read_input(str(export), ReadOptions(node_names={str(export): "controller-1"}))
    assert identify(named.units[0]).name == "controller-1"


def test_var_log_containers_tree(tmp_path):
    tree = tmp_path / "controller-2" / "var" / "log" / "containers"
    (tree / "nova").mkdir(parents=True)
    (tree / "nova" / "nova-api.log").write_text(
        "2020-05-14 04:45:52.123 7 ERROR nova.api.openstack [req-1 - - - - -] boom\n")
    result = read_input(str(tree))
    assert result.kind == "directory"
    [unit] = result.units
    assert identify(unit).name == "controller-2"
    assert inventory(result)["var/log/containers/nova/nova-api.log"]["kind"] == "log"


def test_loose_pcs_status_recognised_by_content_not_name(tmp_path):
    pasted = tmp_path / "paste-from-customer.txt"
    pasted.write_text("Cluster name: tripleo_cluster\nCluster Summary:\n  * Stack: corosync\n"
                      "  * Current DC: controller-0 (version 2.0.5-9.el8_4.1-ba59be7122) - partition with quorum\n")
    result = read_input(str(pasted), ReadOptions(node_names={str(pasted): "controller-0"}))
    assert result.kind == "file"
    [unit] = result.units
    assert unit.inventory[0]["kind"] == "pcs_status"
    assert identify(unit).name == "controller-0"


# --- hostile and broken input -----------------------------------------------------------------

def test_unsafe_paths_links_and_special_members_are_recorded_not_followed(tmp_path):
    members = sosreport_members(ROOT) + [
        ("file", f"{ROOT}/../../etc/cron.d/evil", "* * * * * root rm -rf /\n"),
        ("file", "/etc/passwd", "root:x:0:0::/root:/bin/bash\n"),
        ("link", f"{ROOT}/etc/haproxy/haproxy.cfg", "/etc/shadow"),
        ("link", f"{ROOT}/var/log/messages", "../../../../../../etc/shadow"),
        ("hardlink", f"{ROOT}/etc/rhosp-release2", "/etc/shadow"),
        ("fifo", f"{ROOT}/var/run/fifo"),
        ("chr", f"{ROOT}/dev/null"),
    ]
    result = read_input(str(build(tmp_path / "evil.tar.xz", members)))
    assert result.units and identify(result.units[0]).name == "controller-0"
    inv = inventory(result)
    assert "'..'" in inv[f"{ROOT}/../../etc/cron.d/evil"]["reason"]
    assert "absolute" in inv["/etc/passwd"]["reason"]
    assert "outside" in inv["etc/haproxy/haproxy.cfg"]["reason"]
    assert "outside" in inv["var/log/messages"]["reason"]
    assert "special" in inv["var/run/fifo"]["reason"] and "special" in inv["dev/null"]["reason"]


def test_truncated_xz_reads_what_it_can_and_marks_partial(tmp_path):
    big_log = "".join(f"2020-05-14 04:{i // 60 % 60:02d}:{i % 60:02d}.123 7 ERROR nova.api [req-{i} - - - - -] "
                      f"failure {i}\n" for i in range(20000))
    members = sosreport_members(ROOT) + [("file", f"{ROOT}/var/log/containers/nova/nova-api.log", big_log)]
    full = build(tmp_path / "full.tar.xz", members).read_bytes()
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(full[: len(full) * 2 // 3])
    result = read_input(str(cut))
    assert result.status == "partial"
    assert any("truncated" in e or "damaged" in e for e in result.errors)
    assert identify(result.units[0]).name == "controller-0"


def test_truncated_gzip_marks_partial(tmp_path):
    full = build(tmp_path / "full.tar.gz", sosreport_members(ROOT) + [
        ("file", f"{ROOT}/var/log/containers/nova/nova-api.log", "x" * 200000)], "gzip").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(full[:-300])
    result = read_input(str(cut))
    assert result.status == "partial"


def test_not_a_tar_and_empty_archive_are_errors_with_a_reason(tmp_path):
    junk = tmp_path / "photo.tar.xz"
    junk.write_bytes(lzma.compress(os.urandom(4096)))
    result = read_input(str(junk))
    assert result.status == "error" and "not" in result.errors[0]
    empty = build(tmp_path / "empty.tar.xz", [])
    bundle = build_bundle(ingest(IngestSettings(inputs=[str(empty)])))
    assert bundle.inputs[0].status == "error"
    inv = bundle.table("inventory")
    assert (inv.status == "error").any() and "empty" in inv.reason.iloc[0]


def test_invalid_utf8_is_decoded_with_replacement_and_noted(tmp_path):
    members = sosreport_members(ROOT)
    members[1] = ("file", f"{ROOT}/sos_commands/host/hostname", b"controller-0\xff\xfe\n")
    result = read_input(str(build(tmp_path / "bad.tar.xz", members)))
    node = identify(result.units[0])
    assert node.name.startswith("controller-0")


def test_member_over_the_cap_is_read_from_its_tail(tmp_path):
    cat = Catalogue([Entry("hostnamectl", "sos_commands/host/hostnamectl_status", None, 4096, 0, "test")])
    text = "".join(f"   Static hostname: controller-{i}\n" for i in range(2000))
    members = [("file", f"{ROOT}/sos_commands/host/hostnamectl_status", text)]
    result = read_input(str(build(tmp_path / "cap.tar.xz", members)), ReadOptions(catalogue=cat))
    row = inventory(result)["sos_commands/host/hostnamectl_status"]
    assert "only the last" in row["reason"] and row["bytes"] == len(text)


def test_a_log_over_any_cap_is_scanned_whole_with_line_numbers_of_the_file(tmp_path):
    cat = Catalogue([Entry("log", "var/log/containers/*/*.log", "oslo", 4096, 0, "test")])
    lines = [f"2020-05-14 04:45:{i % 60:02d}.123 7 {'ERROR' if i % 100 == 0 else 'INFO'} nova.api [-] line {i}\n"
             for i in range(200000)]
    members = [("file", f"{ROOT}/var/log/containers/nova/nova-api.log", "".join(lines))]
    result = read_input(str(build(tmp_path / "big.tar.xz", members)), ReadOptions(catalogue=cat))
    [unit] = result.units
    assert unit.log_counts["ERROR"] == 2000 and unit.log_counts["INFO"] == 198000
    events = unit.take_log_frame()
    errors = events[events["level"] == "ERROR"]
    assert len(errors) == 2000 and errors["line"].iloc[-1] == 199901 and errors["message"].iloc[-1] == "line 199900"


def test_a_pasted_list_with_date_u_is_dated_by_it(tmp_path):
    pasted = tmp_path / "lists.txt"
    pasted.write_text(
        "[stack@undercloud-0 ~]$ date -u\nTue Mar  2 06:47:12 UTC 2021\n"
        "[stack@undercloud-0 ~]$ openstack compute service list\n"
        "+----+----------------+--------------------------+----------+---------+-------+----------------------------+\n"
        "| ID | Binary         | Host                     | Zone     | Status  | State | Updated At                 |\n"
        "+----+----------------+--------------------------+----------+---------+-------+----------------------------+\n"
        "|  7 | nova-compute   | compute-0.localdomain    | nova     | enabled | down  | 2021-03-02T06:31:40.000000 |\n"
        "+----+----------------+--------------------------+----------+---------+-------+----------------------------+\n")
    [unit] = read_input(str(pasted)).units
    assert identify(unit).collected_at.isoformat() == "2021-03-02T06:47:12+00:00"


def test_collection_time_from_a_real_sos_4_2_manifest(realdata, tmp_path):
    manifest = (realdata / "sos" / "hotsos-sos4.2-manifest.json.txt").read_text()
    root = "sosreport-juju-04f1e3-0-lxd-5-2022-02-10-bvdigoo"
    members = [("file", f"{root}/sos_reports/manifest.json", manifest),
               ("file", f"{root}/sos_commands/host/hostname", "juju-04f1e3-0-lxd-5\n"),
               ("file", f"{root}/sos_commands/systemd/timedatectl", "                Time zone: Europe/Paris (CET, +0100)\n"),
               ("file", f"{root}/version.txt", "sosreport: 4.2\n")]
    node = identify(read_input(str(build(tmp_path / "m.tar.xz", members))).units[0])
    # start_time "2022-02-10 16:19:05.924719" is the node's local time (here Paris, +01:00 in February)
    assert node.collected_at.isoformat() == "2022-02-10T15:19:05.924719+00:00"
    assert node.name == "juju-04f1e3-0-lxd-5" and node.sos_version == "4.2"


def test_a_file_reached_through_a_link_in_a_folder_is_read_once(tmp_path):
    root = tmp_path / ROOT
    (root / "sos_commands" / "host").mkdir(parents=True)
    (root / "version.txt").write_text("sosreport: 4.2\n")
    (root / "sos_commands" / "host" / "hostname").write_text("controller-0\n")
    (root / "etc").mkdir()
    os.symlink("../sos_commands/host/hostname", root / "etc" / "hostname")   # both catalogued
    result = read_input(str(root))
    rows = [r for r in result.units[0].inventory if r["kind"] == "hostname"]
    assert sorted(r["status"] for r in rows) == ["parsed", "skipped"]
    assert len(result.units[0].identity["hostname"]) == 1
