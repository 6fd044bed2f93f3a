"""Mutated sosreport tarballs through ingest: a completed result every time, never an exception.

Seeds are small but real-shaped sosreports (identity files, links, podman ps, pcs status, an
oslo log, a gzip-rotated log, a nested tarball). Mutations: bit flips in the compressed or the
plain bytes, truncation, and edits of one tar header field, with the checksum recomputed so
`tarfile` accepts the header and the odd value reaches ingest. Each result must be complete:
a status, errors as text, inventory rows whose paths are safe, printable text, and units whose
node identity resolves.
"""

from __future__ import annotations

import gzip
import os
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.ingest.collect import read_input
from analyzer.ingest.identity import identify
from tests.hostile.corpus import OSLO_LINE, PODMAN_PS, compress, good_members, tar_bytes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 150))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ROOT = "sosreport-controller-2-2020-05-14-fuzzing"
PCS = """Cluster name: tripleo_cluster
Cluster Summary:
  * Stack: corosync
  * Current DC: controller-2 (version 2.0.5-9.el8_4.1-ba59be7122) - partition with quorum
  * 3 nodes configured
Node List:
  * Online: [ controller-0 controller-1 controller-2 ]
Full List of Resources:
  * ip-172.17.1.150	(ocf::heartbeat:IPaddr2):	 Started controller-2
"""


def _seed_members() -> list[tuple]:
    inner = tar_bytes(good_members("sosreport-compute-0-2020-05-14-innerxx", hostname="compute-0"))
    return good_members(ROOT, hostname="controller-2") + [
        ("file", f"{ROOT}/sos_commands/pacemaker/pcs_status_--full", PCS),
        ("link", f"{ROOT}/sos_commands/pacemaker/crm_mon_-1_-A_-n_-r_-t", "pcs_status_--full"),
        ("file", f"{ROOT}/var/log/containers/nova/nova-api.log", OSLO_LINE * 20),
        ("file", f"{ROOT}/var/log/containers/nova/nova-api.log.1.gz", gzip.compress(OSLO_LINE.encode() * 50, mtime=0)),
        ("hardlink", f"{ROOT}/var/log/containers/nova/nova-api.log.2", f"{ROOT}/var/log/containers/nova/nova-api.log"),
        ("file", f"{ROOT}/sos_commands/podman/podman_ps", PODMAN_PS),
    ]


SEED_TAR = tar_bytes(_seed_members())
BUNDLE_TAR = tar_bytes([("file", "sos-collector-case-fuzz/sosreport-compute-0.tar",
                         tar_bytes(good_members("sosreport-compute-0-2020-05-14-innerxx", hostname="compute-0")))])
HEADERS = [off for off in range(0, len(SEED_TAR), 512)
           if SEED_TAR[off + 257:off + 262] == b"ustar"]
FIELDS = {"name": (0, 100), "mode": (100, 8), "uid": (108, 8), "size": (124, 12), "mtime": (136, 12),
          "type": (156, 1), "linkname": (157, 100), "magic": (257, 8), "uname": (265, 32),
          "devmajor": (329, 8), "prefix": (345, 155)}
FIELD_VALUES = st.one_of(
    st.binary(max_size=16),
    st.sampled_from([b"../../../../etc/passwd", b"/etc/shadow", b"77777777777", b"\x80\x00\x00\x00\x00\x00\x00\x01",
                     b"\xff" * 12, b"-1", b"0", b"K", b"L", b"x", b"g", b"S", b"7", b"3", b"6", b"1", b"2",
                     b"sos_commands/pacemaker/pcs_status_--full", b"caf\xe9/\xff\xfe", b"\0" * 12]),
)
COMPRESSIONS = st.sampled_from(["none", "gz", "xz", "zst", "bz2"])


def _with_checksum(raw: bytearray, offset: int) -> None:
    raw[offset + 148:offset + 156] = b"        "
    raw[offset + 148:offset + 156] = b"%06o\0 " % sum(raw[offset:offset + 512])


def _check(path) -> None:
    result = read_input(str(path))
    assert result.status in ("ok", "partial", "error")
    assert all(isinstance(e, str) and e for e in result.errors)
    if result.status == "error":
        assert result.errors
    rows = list(result.inventory) + [r for u in result.units for r in u.inventory]
    for row in rows:
        assert row["status"] in ("parsed", "skipped", "error"), row
        row["path"].encode("utf-8")                          # no lone surrogates
        if row["status"] != "error":
            parts = row["path"].split("/")
            assert not row["path"].startswith("/") and ".." not in parts, row
        if row["status"] == "error":
            assert row["reason"], row
    for unit in result.units:
        node = identify(unit)
        assert node.name and isinstance(node.name, str)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("mutations")


@SETTINGS
@given(st.sampled_from(["seed", "bundle"]), COMPRESSIONS,
       st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=7)), min_size=1, max_size=8),
       st.booleans())
def test_bit_flips(workdir, which, how, flips, after_compression):
    plain = bytearray(SEED_TAR if which == "seed" else BUNDLE_TAR)
    if not after_compression:
        for pos, bit in flips:
            plain[pos % len(plain)] ^= 1 << bit
    data = bytearray(compress(bytes(plain), how))
    if after_compression:
        for pos, bit in flips:
            data[pos % len(data)] ^= 1 << bit
    path = workdir / f"flip.tar.{how}"
    path.write_bytes(bytes(data))
    _check(path)


@SETTINGS
@given(COMPRESSIONS, st.floats(min_value=0, max_value=1), st.sampled_from(["seed", "bundle"]))
def test_truncations(workdir, how, fraction, which):
    data = compress(SEED_TAR if which == "seed" else BUNDLE_TAR, how)
    path = workdir / f"cut.tar.{how}"
    path.write_bytes(data[:int(len(data) * fraction)])
    _check(path)


@SETTINGS
@given(st.sampled_from(HEADERS), st.sampled_from(sorted(FIELDS)), FIELD_VALUES, st.booleans(), COMPRESSIONS)
def test_header_edits(workdir, header, field, value, fix_checksum, how):
    raw = bytearray(SEED_TAR)
    start, length = FIELDS[field]
    raw[header + start:header + start + length] = value[:length].ljust(length, b"\0")
    if fix_checksum:
        _with_checksum(raw, header)
    path = workdir / f"edit.tar.{how}"
    path.write_bytes(compress(bytes(raw), how))
    _check(path)


@SETTINGS
@given(st.binary(max_size=4096), st.sampled_from(["paste.txt", "haproxy.cfg", "x.tar", "x.tar.gz", "x.log"]))
def test_random_loose_files(workdir, data, name):
    path = workdir / name
    path.write_bytes(data)
    _check(path)


def test_seed_is_read_whole_before_mutation(workdir):
    """The seeds themselves are healthy: what the mutations damage is really there."""
    path = workdir / "seed.tar"
    path.write_bytes(SEED_TAR)
    result = read_input(str(path))
    assert result.status == "ok", result.errors
    [unit] = result.units
    assert identify(unit).name == "controller-2"
    assert {r["name"] for r in unit.rows["containers"]} == {"nova_api", "iscsid"}
    assert len(HEADERS) >= 10
    bundle = workdir / "bundle.tar"
    bundle.write_bytes(BUNDLE_TAR)
    assert [identify(u).name for u in read_input(str(bundle)).units] == ["compute-0"]
    assert tarfile.is_tarfile(str(bundle))
