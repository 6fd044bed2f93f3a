"""Decompress the blocks of a multi-block .xz file in parallel threads, delivered in order.

sos compresses its archive with ``xz -2 -T<threads>``: the multi-threaded encoder cuts the
tar into independent blocks (6 MiB of input each at -2) and lists them in the index at the
end of the file. One xz stream decodes on one core; its blocks do not have to. Each block is
wrapped as a stream of its own (the file's stream header, the block, a one-record index, a
footer), so liblzma still checks its integrity (CRC64 / SHA-256), and decoded in a thread
(liblzma releases the GIL) while the parsing thread reads the blocks decoded before it.

A file this module does not fully understand (one block, several streams, padding, a block
too large to keep a few in memory, any inconsistency of the index, a file cut short) gets
None from :func:`xz_layout` and goes through the sequential reader, which reports damage as
it always did.
"""

from __future__ import annotations

import lzma
import os
import struct
import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from analyzer.ingest.prefetch import QueuedBlockReader

HEADER_MAGIC = b"\xfd7zXZ\x00"
FOOTER_MAGIC = b"YZ"
#: blocks decoded ahead of the reader (at least two): their decoded bytes are what this
#: costs in memory, about what the sequential reader keeps ahead
AHEAD_BYTES = 16 << 20
#: a file whose blocks are larger than this is read sequentially (sos's are 6 MiB; `xz -T`
#: at the default preset makes 24 MiB ones, and a few of those in flight cost too much)
MAX_BLOCK = 12 << 20
MAX_INDEX = 4 << 20
#: 200 000 blocks of 6 MiB: a 1.2 TB archive; an index claiming more is not believed
MAX_BLOCKS = 200_000


@dataclass(frozen=True)
class XzLayout:
    header: bytes                       # the 12-byte stream header
    flags: bytes                        # its 2 flag bytes (the check type)
    blocks: tuple[tuple[int, int, int], ...]   # (offset in the file, unpadded size, decoded size)
    size: int                           # of the file


def _vli(data: bytes, pos: int) -> tuple[int, int]:
    """A variable-length integer of the xz format at `pos`: (value, next position)."""
    value = 0
    for i in range(9):
        if pos + i >= len(data):
            raise ValueError("index ends inside a number")
        byte = data[pos + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i and byte == 0:
                raise ValueError("number not in its shortest form")
            return value, pos + i + 1
    raise ValueError("number longer than 9 bytes")


def _encode_vli(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _round4(n: int) -> int:
    return (n + 3) & ~3


def xz_layout(fd: int, size: int) -> XzLayout | None:
    """The blocks of a single-stream .xz file of `size` bytes (read with pread, the file
    offset untouched), or None when it is not one this module reads in parallel."""
    if not hasattr(os, "pread"):   # Windows: the sequential reader
        return None
    try:
        return _layout(fd, size)
    except (OSError, ValueError, struct.error):
        return None


def _layout(fd: int, size: int) -> XzLayout | None:
    if size < 12 + 12 + 8:
        return None
    header = os.pread(fd, 12, 0)
    footer = os.pread(fd, 12, size - 12)
    if len(header) != 12 or len(footer) != 12 or not header.startswith(HEADER_MAGIC):
        return None
    flags = header[6:8]
    if struct.unpack("<I", header[8:12])[0] != zlib.crc32(flags) or footer[10:12] != FOOTER_MAGIC:
        return None
    if footer[8:10] != flags or struct.unpack("<I", footer[:4])[0] != zlib.crc32(footer[4:10]):
        return None
    index_size = (struct.unpack("<I", footer[4:8])[0] + 1) * 4
    if index_size > MAX_INDEX or index_size > size - 24:
        return None
    index = os.pread(fd, index_size, size - 12 - index_size)
    if len(index) != index_size or index[0] != 0:
        return None
    if struct.unpack("<I", index[-4:])[0] != zlib.crc32(index[:-4]):
        return None
    count, pos = _vli(index, 1)
    if count < 2 or count > MAX_BLOCKS or count > index_size // 2:
        return None
    blocks = []
    offset = 12
    for _ in range(count):
        unpadded, pos = _vli(index, pos)
        decoded, pos = _vli(index, pos)
        if unpadded < 5 or decoded > MAX_BLOCK:
            return None
        blocks.append((offset, unpadded, decoded))
        offset += _round4(unpadded)
    if _round4(pos) != index_size - 4 or any(index[pos:index_size - 4]):
        return None
    if offset != size - 12 - index_size:   # several streams, or stream padding: not handled
        return None
    return XzLayout(header=header, flags=flags, blocks=tuple(blocks), size=size)


def _one_block_stream(layout: XzLayout, block: bytes, unpadded: int, decoded: int) -> bytes:
    """`block` (header, data, padding, check) as a whole .xz stream of one block."""
    records = b"\x00" + _encode_vli(1) + _encode_vli(unpadded) + _encode_vli(decoded)
    records += b"\x00" * (_round4(len(records)) - len(records))
    index = records + struct.pack("<I", zlib.crc32(records))
    backward = struct.pack("<I", len(index) // 4 - 1) + layout.flags
    footer = struct.pack("<I", zlib.crc32(backward)) + backward + FOOTER_MAGIC
    return layout.header + block + index + footer


def _decode(layout: XzLayout, number: int, block: bytes, unpadded: int, decoded: int) -> bytes:
    decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    # never more than the index promises (+1 to tell): a block lying about its size cannot
    # make memory grow
    data = decompressor.decompress(_one_block_stream(layout, block, unpadded, decoded),
                                   max_length=decoded + 1)
    if not decompressor.eof or len(data) != decoded:
        raise lzma.LZMAError(f"xz block {number + 1} of {len(layout.blocks)} is damaged "
                             f"(decoded {len(data)} bytes, the index says {decoded})")
    return data


class ParallelXzReader(QueuedBlockReader):
    """The decoded content of a multi-block .xz file, its blocks decoded by `workers`
    threads, at most ~AHEAD_BYTES ahead of the reader; errors are raised where they occur
    in the content (the blocks before a damaged one are read first)."""

    def __init__(self, fd: int, layout: XzLayout, workers: int = 2,
                 on_read: Callable[[int], None] | None = None, counted: int = 0):
        """`on_read(n)` hears of the file's bytes as they are read, past the first `counted`
        (already read, and told, by whoever sniffed the file)."""
        largest = max(decoded for _, _, decoded in layout.blocks)
        super().__init__(depth=max(2, workers, AHEAD_BYTES // max(largest, 1)))  # workers busy
        self._fd = fd
        self._layout = layout
        self._on_read = on_read
        self._counted_to = counted
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sos-analyzer-xz")
        self._feeder = threading.Thread(target=self._feed, name="sos-analyzer-xz-feed", daemon=True)
        self._feeder.start()

    def _block_of(self, item: Future) -> bytes:
        return item.result()

    def _feed(self) -> None:
        """Read each block (pread: no shared file offset) and queue its decoding in order."""
        try:
            for number, (offset, unpadded, decoded) in enumerate(self._layout.blocks):
                if self._stop.is_set():
                    return
                size = _round4(unpadded)
                block = os.pread(self._fd, size, offset)
                self._count_to(offset + len(block))
                if len(block) != size:
                    raise EOFError(f"xz block {number + 1} is cut short ({len(block)} of {size} bytes)")
                future = self._pool.submit(_decode, self._layout, number, block, unpadded, decoded)
                if not self._put(future):
                    return
            self._count_to(self._layout.size)   # the index and footer, read by xz_layout
            self._put(self.END)
        except BaseException as exc:   # raised in the reading thread, in order
            self._put(exc)

    def _count_to(self, offset: int) -> None:
        if offset > self._counted_to:
            if self._on_read:
                self._on_read(offset - self._counted_to)
            self._counted_to = offset

    def _join(self) -> None:
        self._feeder.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
