"""Decompressed streams: the large-step decompressor reads like lzma.LZMAFile / bz2.BZ2File."""

from __future__ import annotations

import bz2
import io
import lzma

import pytest

from analyzer.ingest.streams import BlockDecompressor, decompressing_reader

TEXT = b"".join(b"2020-05-14 10:%02d:00.000 7 ERROR nova.compute.manager [req-%d] line %d\n"
                % (i % 60, i, i) for i in range(60000))


def _read_all(reader, size: int) -> bytes:
    out = bytearray()
    while True:
        block = reader.read(size)
        if not block:
            return bytes(out)
        assert len(block) <= size
        out += block


@pytest.mark.parametrize("compression, compress", [("xz", lzma.compress), ("bzip2", bz2.compress)])
@pytest.mark.parametrize("size", [1, 4096, 1 << 20, 8 << 20])
def test_every_byte_in_order_whatever_the_read_size(compression, compress, size):
    packed = compress(TEXT[:200_000] if size == 1 else TEXT)
    reader = decompressing_reader(io.BytesIO(packed), compression)
    assert isinstance(reader, BlockDecompressor)
    expected = TEXT[:200_000] if size == 1 else TEXT
    assert _read_all(reader, size) == expected


def test_concatenated_streams_and_trailing_garbage_read_as_lzmafile_does():
    packed = lzma.compress(TEXT[:1000]) + lzma.compress(TEXT[1000:5000]) + b"\0garbage"
    ours = decompressing_reader(io.BytesIO(packed), "xz").read()
    assert ours == lzma.LZMAFile(io.BytesIO(packed)).read() == TEXT[:5000]


@pytest.mark.parametrize("compression, compress", [("xz", lzma.compress), ("bzip2", bz2.compress)])
def test_data_that_stops_inside_a_stream_raises_eoferror_after_what_was_readable(compression, compress):
    packed = compress(TEXT)
    reader = decompressing_reader(io.BytesIO(packed[: len(packed) // 2]), compression)
    got = bytearray()
    with pytest.raises(EOFError):
        while block := reader.read(65536):
            got += block
    assert got and TEXT.startswith(bytes(got))


def test_damaged_xz_data_raises_the_lzma_error():
    packed = bytearray(lzma.compress(TEXT))
    packed[len(packed) // 2] ^= 0xFF
    with pytest.raises(lzma.LZMAError):
        decompressing_reader(io.BytesIO(bytes(packed)), "xz").read()


def test_readinto_fills_the_buffer_given():
    reader = decompressing_reader(io.BytesIO(lzma.compress(TEXT)), "xz")
    buffered = io.BufferedReader(reader, buffer_size=1 << 16)
    assert buffered.read() == TEXT


class _Blocks(io.RawIOBase):
    """A decompressor handing out at most `block` bytes per read (a block boundary)."""

    def __init__(self, data: bytes, block: int):
        self.data, self.block, self.pos = data, block, 0

    def read(self, n=-1):
        n = self.block if n is None or n < 0 else min(n, self.block)
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out


def test_forward_reader_reads_whole_requests_and_seeks_only_forward():
    from analyzer.ingest.entries import ForwardReader

    reader = ForwardReader(_Blocks(bytes(range(100)), 7))
    assert reader.read(20) == bytes(range(20)) and reader.tell() == 20
    assert reader.seek(50) == 50 and reader.read(5) == bytes(range(50, 55))
    assert reader.seek(2, io.SEEK_CUR) == 57 and reader.read(1) == bytes([57])
    with pytest.raises(io.UnsupportedOperation):
        reader.seek(10)
    assert reader.seek(500) == 500 and reader.read(10) == b""   # past the end, as a file


def test_tar_members_and_the_damage_after_them_read_through_the_forward_reader(tmp_path):
    """A tar cut inside its third member: the first two whole, then the truncation named."""
    import tarfile

    from analyzer.ingest.entries import iter_tar

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for i, size in enumerate((10, 700_000, 300_000)):
            info = tarfile.TarInfo(f"sosreport-x/file{i}")
            info.size = size
            info.pax_headers["RHT.security.selinux"] = "system_u:object_r:var_log_t:s0"
            tf.addfile(info, io.BytesIO(bytes([65 + i]) * size))
    cut = buf.getvalue()[:-200_000 - 10240]
    got = []
    with pytest.raises(tarfile.ReadError):
        for entry in iter_tar(io.BytesIO(cut)):
            got.append((entry.path, len(entry.opener().read())))
    assert got[:2] == [("sosreport-x/file0", 10), ("sosreport-x/file1", 700_000)]


def test_member_reader_hands_out_blocks_and_whole_reads_and_names_a_cut_member():
    import tarfile

    from analyzer.ingest.entries import iter_tar

    buf = io.BytesIO()
    payload = bytes(range(256)) * 4000   # 1 024 000 bytes
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name in ("a", "b"):
            info = tarfile.TarInfo(f"sosreport-x/{name}")
            info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload))

    entries = iter_tar(_Blocks(buf.getvalue(), 300_000))
    first = next(entries).opener()
    pieces = []
    while piece := first.read_block(1 << 20):
        assert len(piece) <= 300_000
        pieces.append(piece)
    assert b"".join(pieces) == payload and len(pieces) >= 4
    second = next(entries).opener()
    assert second.read(10) == payload[:10] and second.read() == payload[10:]

    cut = buf.getvalue()[:512 + 500_000]
    member = next(iter_tar(_Blocks(cut, 300_000))).opener()
    with pytest.raises(tarfile.ReadError):
        member.read()
