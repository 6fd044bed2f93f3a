"""The prefetching reader returns exactly the source's bytes and re-raises its errors."""

from __future__ import annotations

import io
import lzma

import pytest

from analyzer.ingest.prefetch import PrefetchReader


def test_reads_exactly_the_source_in_any_chunking():
    data = bytes(range(256)) * 50000
    reader = PrefetchReader(io.BytesIO(data), block=4096, depth=2)
    out = bytearray()
    size = 1
    while True:
        chunk = reader.read(size)
        if not chunk:
            break
        out += chunk
        size = size * 3 % 70001 + 1
    reader.close()
    assert bytes(out) == data


def test_errors_of_the_decompressor_reach_the_reader():
    packed = lzma.compress(b"x" * 2_000_000)
    reader = PrefetchReader(lzma.LZMAFile(io.BytesIO(packed[: len(packed) // 2])), block=65536)
    with pytest.raises(EOFError):
        while reader.read(10240):
            pass
    reader.close()


def test_closing_early_stops_the_thread():
    reader = PrefetchReader(io.BytesIO(b"y" * 50_000_000), block=1 << 16, depth=2)
    assert reader.read(10) == b"y" * 10
    reader.close()
    assert not reader._thread.is_alive()


def test_switch_interval_is_lowered_while_a_reader_is_open_and_restored_after():
    import sys

    before = sys.getswitchinterval()
    first = PrefetchReader(io.BytesIO(b"a" * 1000))
    second = PrefetchReader(io.BytesIO(b"b" * 1000))
    assert sys.getswitchinterval() <= 0.0005
    first.close()
    assert sys.getswitchinterval() <= 0.0005   # the other reader is still open
    second.close()
    assert sys.getswitchinterval() == before
