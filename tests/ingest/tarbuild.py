"""Build small tar archives in memory for ingest tests (sos layout, hostile members)."""

from __future__ import annotations

import io
import lzma
import gzip
import tarfile
from pathlib import Path


def add_file(tf: tarfile.TarFile, name: str, data: bytes | str, mode: int = 0o644) -> None:
    if isinstance(data, str):
        data = data.encode()
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    ti.mtime = 1589431552
    tf.addfile(ti, io.BytesIO(data))


def add_link(tf: tarfile.TarFile, name: str, target: str, hard: bool = False) -> None:
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    ti.linkname = target
    tf.addfile(ti)


def add_special(tf: tarfile.TarFile, name: str, kind: bytes) -> None:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    tf.addfile(ti)


def build(path: Path, members: list[tuple], compression: str = "xz") -> Path:
    """members: ("file", name, data) | ("link", name, target) | ("hardlink", name, target) | ("fifo"|"chr", name)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for m in members:
            if m[0] == "file":
                add_file(tf, m[1], m[2])
            elif m[0] == "link":
                add_link(tf, m[1], m[2])
            elif m[0] == "hardlink":
                add_link(tf, m[1], m[2], hard=True)
            elif m[0] == "fifo":
                add_special(tf, m[1], tarfile.FIFOTYPE)
            elif m[0] == "chr":
                add_special(tf, m[1], tarfile.CHRTYPE)
    raw = buf.getvalue()
    if compression == "xz":
        raw = lzma.compress(raw, preset=1)
    elif compression == "gzip":
        raw = gzip.compress(raw, mtime=0)
    elif compression == "zstd":
        import zstandard
        raw = zstandard.ZstdCompressor().compress(raw)
    path.write_bytes(raw)
    return path


def sosreport_members(root: str, hostname: str = "controller-0", tz: str = "UTC",
                      utc: str = "Thu 2020-05-14 04:50:01 UTC") -> list[tuple]:
    """A minimal but real-shaped sos 4.2 tree: identity files, a podman ps, a pcs status."""
    return [
        ("file", f"{root}/version.txt", "sosreport: 4.2\n"),
        ("file", f"{root}/sos_commands/host/hostname", hostname + "\n"),
        ("link", f"{root}/hostname", "sos_commands/host/hostname"),
        ("file", f"{root}/sos_commands/systemd/timedatectl",
         f"               Local time: {utc}\n           Universal time: {utc}\n"
         f"                 RTC time: {utc[4:-4]}\n                Time zone: {tz} (UTC, +0000)\n"
         "System clock synchronized: yes\n              NTP service: active\n"),
        ("link", f"{root}/date", "sos_commands/systemd/timedatectl"),
        ("file", f"{root}/etc/rhosp-release", "Red Hat OpenStack Platform release 16.2.0 (Train)\n"),
    ]
