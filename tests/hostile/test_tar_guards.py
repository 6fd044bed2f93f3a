"""Ingest's own guards on crafted tar headers, checked directly on `read_input` (fast)."""

from __future__ import annotations

import tarfile

from analyzer.ingest.collect import read_input
from analyzer.ingest.entries import MAX_HEADER_BYTES, displayable
from analyzer.ingest.identity import identify

from tests.hostile.corpus import PODMAN_PS, ROOT, _header, _pad, compress, tar_bytes, tar_head
from tests.ingest.tarbuild import sosreport_members


def rows(result) -> dict[str, dict]:
    out = {r["path"]: r for r in result.inventory}
    for unit in result.units:
        out.update({r["path"]: r for r in unit.inventory})
    return out


def test_bad_checksum_mid_archive_is_partial_not_silently_complete(tmp_path):
    members = sosreport_members(ROOT) + [("file", f"{ROOT}/sos_commands/podman/podman_ps_-a", PODMAN_PS)]
    raw = bytearray(tar_bytes(members))
    raw[512 * 2 + 20] ^= 0x01                  # 2nd member's name: version.txt is 1 block of data
    path = tmp_path / "bad.tar"
    path.write_bytes(bytes(raw))
    result = read_input(str(path))
    assert result.status == "partial"
    assert "damaged tar header at byte 1024: bad checksum" in result.errors[0]
    assert "the members after it are not read" in result.errors[0]
    assert list(rows(result)) == ["version.txt"]


def test_archive_without_end_marker_is_reported_as_maybe_truncated(tmp_path):
    path = tmp_path / "cut.tar"
    path.write_bytes(tar_head(sosreport_members(ROOT)))
    result = read_input(str(path))
    assert result.status == "partial"
    assert "without its end-of-archive marker" in result.errors[0]
    assert identify(result.units[0]).name == "controller-0"


def test_oversized_pax_header_is_refused_before_it_is_read(tmp_path):
    size = 3 * MAX_HEADER_BYTES
    record = b"%d comment=" % 1024 + b"x" * (1024 - 14) + b"\n"
    assert len(record) == 1024
    raw = (tar_head(sosreport_members(ROOT)) + _header("././@PaxHeader", size, tarfile.XHDTYPE)
           + record * (size // 1024) + _header(f"{ROOT}/etc/hostname", 4) + b"ctl\n" + _pad(4) + b"\0" * 1024)
    path = tmp_path / "pax.tar.zst"
    path.write_bytes(compress(raw, "zst"))
    result = read_input(str(path))
    assert result.status == "partial"
    assert f"extended tar header of {size} bytes" in result.errors[0]
    assert "etc/hostname" not in rows(result)
    assert identify(result.units[0]).name == "controller-0"


def test_small_pax_header_and_long_gnu_name_still_work(tmp_path):
    long_dir = "d" * 300
    buf = tar_bytes([("file", f"{ROOT}/var/log/containers/{long_dir}/nova-api.log",
                      "2020-05-14 04:45:52.123 7 ERROR nova.api [-] boom\n")], fmt=tarfile.PAX_FORMAT)
    path = tmp_path / "pax.tar"
    path.write_bytes(buf)
    result = read_input(str(path))
    assert result.status == "ok", result.errors
    assert rows(result)[f"var/log/containers/{long_dir}/nova-api.log"]["status"] == "parsed"


def test_latin1_member_names_become_replacement_characters(tmp_path):
    raw = bytearray(tar_bytes([("file", f"{ROOT}/etc/hostname", "controller-0\n")]))
    raw[len(ROOT) + 5] = 0xE9                  # etc/h -> etc/\xe9 ... in the name field
    raw[148:156] = b"        "
    raw[148:156] = b"%06o\0 " % sum(raw[:512])
    path = tmp_path / "latin1.tar"
    path.write_bytes(bytes(raw))
    result = read_input(str(path))
    [name] = rows(result)
    assert name == "etc/\ufffdostname"
    assert name.encode("utf-8")                # printable and encodable, unlike a lone surrogate
    assert displayable("caf\udce9") == "caf\ufffd"


def test_gnu_sparse_header_cut_short_is_a_read_error_not_a_crash(tmp_path):
    ti = tarfile.TarInfo(f"{ROOT}/var/log/messages")
    ti.type = tarfile.GNUTYPE_SPARSE
    block = bytearray(ti.tobuf(tarfile.GNU_FORMAT))
    block[482] = 1                             # "isextended": more sparse headers follow ... but none do
    block[148:156] = b"        "
    block[148:156] = b"%06o\0 " % sum(block)
    path = tmp_path / "sparse.tar"
    path.write_bytes(tar_head(sosreport_members(ROOT)) + bytes(block))
    result = read_input(str(path))
    assert result.status == "partial"
    assert identify(result.units[0]).name == "controller-0"
