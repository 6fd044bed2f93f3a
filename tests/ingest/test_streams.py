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
