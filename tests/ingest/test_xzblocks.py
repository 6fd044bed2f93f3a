"""Multi-block .xz files (as sos writes them with `xz -2 -T<n>`) decode in parallel, in order,
with every damage still reported; files of any other shape go the sequential way."""

from __future__ import annotations

import io
import lzma
import os
import shutil
import subprocess
import tarfile

import pytest

from analyzer.ingest.collect import read_input
from analyzer.ingest.xzblocks import ParallelXzReader, xz_layout

XZ = shutil.which("xz")
needs_xz = pytest.mark.skipif(XZ is None, reason="the xz command makes the multi-block files")

LINE = b"2020-05-14 10:00:00.000 7 ERROR nova.compute.manager [req-1] Instance failed %d\n"


def _payload(size: int) -> bytes:
    lines, total, i = [], 0, 0
    while total < size:
        line = LINE.replace(b"%d", str(i).encode()) + os.urandom(40).hex().encode() + b"\n"
        lines.append(line)
        total += len(line)
        i += 1
    return b"".join(lines)[:size]


def _multi_block(tmp_path, data: bytes, block_size: str = "256KiB", name: str = "x.xz"):
    path = tmp_path / name
    with open(path, "wb") as out:
        subprocess.run([XZ, "-2", "-T2", f"--block-size={block_size}", "-c"], input=data,
                       stdout=out, check=True)
    return path


def _read_all(path, workers: int = 2, size: int = 65536) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        layout = xz_layout(fd, os.fstat(fd).st_size)
        assert layout is not None
        reader = ParallelXzReader(fd, layout, workers=workers)
        out = bytearray()
        try:
            while block := reader.read(size):
                out += block
        finally:
            reader.close()
        return bytes(out)
    finally:
        os.close(fd)


@needs_xz
@pytest.mark.parametrize("workers, size", [(1, 7), (2, 65536), (2, 1 << 22), (3, 100_003)])
def test_every_byte_in_order(tmp_path, workers, size):
    data = _payload(3_000_000)
    path = _multi_block(tmp_path, data)
    fd = os.open(path, os.O_RDONLY)
    layout = xz_layout(fd, os.fstat(fd).st_size)
    os.close(fd)
    assert len(layout.blocks) == 12 and sum(b[2] for b in layout.blocks) == len(data)
    got = _read_all(path, workers, size) if size != 7 else _read_all(path, workers, 7 * 4096)
    assert got == data


@needs_xz
def test_a_damaged_block_raises_after_the_blocks_before_it(tmp_path):
    data = _payload(2_000_000)
    path = _multi_block(tmp_path, data)
    fd = os.open(path, os.O_RDONLY)
    layout = xz_layout(fd, os.fstat(fd).st_size)
    os.close(fd)
    offset, unpadded, _ = layout.blocks[3]
    raw = bytearray(path.read_bytes())
    raw[offset + unpadded // 2] ^= 0x55
    path.write_bytes(bytes(raw))
    fd = os.open(path, os.O_RDONLY)
    reader = ParallelXzReader(fd, xz_layout(fd, os.fstat(fd).st_size))
    got = bytearray()
    with pytest.raises(lzma.LZMAError):
        while block := reader.read(65536):
            got += block
    reader.close()
    os.close(fd)
    assert len(got) == 3 * 262144 and data.startswith(bytes(got))


@needs_xz
def test_files_of_other_shapes_are_left_to_the_sequential_reader(tmp_path):
    data = _payload(1_000_000)
    shapes = {
        "one block": lzma.compress(data),
        "cut short": _multi_block(tmp_path, data).read_bytes()[:-100],
        "two streams": _multi_block(tmp_path, data[:500_000], name="a").read_bytes()
        + _multi_block(tmp_path, data[500_000:], name="b").read_bytes(),
        "stream padding": _multi_block(tmp_path, data, name="c").read_bytes() + b"\0" * 4,
        "large blocks": _multi_block(tmp_path, b"x" * (70 << 20), "40MiB", name="d").read_bytes(),
        "not xz": b"plain text\n" * 100,
    }
    for shape, content in shapes.items():
        path = tmp_path / "shape.xz"
        path.write_bytes(content)
        fd = os.open(path, os.O_RDONLY)
        try:
            assert xz_layout(fd, len(content)) is None, shape
        finally:
            os.close(fd)
    damaged = bytearray(_multi_block(tmp_path, data, name="e").read_bytes())
    damaged[-20] ^= 0xFF   # inside the index: its CRC no longer matches
    path.write_bytes(bytes(damaged))
    fd = os.open(path, os.O_RDONLY)
    assert xz_layout(fd, len(damaged)) is None
    os.close(fd)


@needs_xz
def test_a_sosreport_compressed_like_sos_reads_as_the_same_archive_in_one_block(tmp_path):
    """Same units, rows, records and inventory from the multi-block and the one-block file."""
    buf = io.BytesIO()
    base = "sosreport-controller-0-2020-05-14-abcdef"
    log = _payload(2_500_000)
    files = {f"{base}/hostname": b"controller-0\n",
             f"{base}/var/log/containers/nova/nova-compute.log": log,
             f"{base}/etc/hostname": b"controller-0.localdomain\n"}
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
    tar = buf.getvalue()
    multi = _multi_block(tmp_path, tar, name=f"{base}.tar.xz")
    single = tmp_path / "single" / f"{base}.tar.xz"
    single.parent.mkdir()
    single.write_bytes(lzma.compress(tar))
    fd = os.open(multi, os.O_RDONLY)
    assert len(xz_layout(fd, os.fstat(fd).st_size).blocks) > 4
    os.close(fd)

    def summary(result):
        unit = result.units[0]
        unit.compact_logs()
        records = sum(len(f) for f in unit.log_frames)
        return (result.status, result.kind, unit.unit, records, sorted(unit.rows),
                [(i["path"], i["status"]) for i in unit.inventory], result.bytes_read)

    got_multi, got_single = summary(read_input(str(multi))), summary(read_input(str(single)))
    assert got_multi[:-1] == got_single[:-1] and got_multi[3] > 1000
    assert got_multi[-1] == multi.stat().st_size   # every compressed byte counted for progress


@needs_xz
def test_a_block_decoding_to_more_than_its_index_says_stops_there(tmp_path):
    """A forged index claiming small blocks: the first block's decoding fails (liblzma, or
    the reader stopping one byte past the claimed size) instead of growing memory."""
    import struct
    import zlib

    data = b"x" * 2_000_000   # 8 blocks of 256 KiB, each compressing to a few hundred bytes
    path = _multi_block(tmp_path, data)
    raw = bytearray(path.read_bytes())
    fd = os.open(path, os.O_RDONLY)
    layout = xz_layout(fd, len(raw))
    os.close(fd)
    assert layout is not None and len(layout.blocks) == 8
    # a new index: the same blocks, each claiming 1000 decoded bytes
    from analyzer.ingest.xzblocks import _encode_vli, _round4

    records = b"\x00" + _encode_vli(8) + b"".join(_encode_vli(u) + _encode_vli(1000) for _, u, _ in layout.blocks)
    records += b"\x00" * (_round4(len(records)) - len(records))
    index = records + struct.pack("<I", zlib.crc32(records))
    blocks_end = layout.blocks[-1][0] + _round4(layout.blocks[-1][1])
    backward = struct.pack("<I", len(index) // 4 - 1) + layout.flags
    footer = struct.pack("<I", zlib.crc32(backward)) + backward + b"YZ"
    forged = bytes(raw[:blocks_end]) + index + footer
    path.write_bytes(forged)
    fd = os.open(path, os.O_RDONLY)
    layout = xz_layout(fd, len(forged))
    assert layout is not None and all(decoded == 1000 for _, _, decoded in layout.blocks)
    reader = ParallelXzReader(fd, layout)
    with pytest.raises(lzma.LZMAError):
        reader.read(65536)
    reader.close()
    os.close(fd)
