"""Open an input file as a decompressed byte stream, recognised by its magic bytes.

Compression is told from content, not from the name: xz, gzip, bzip2, zstd, or none.
A `CountingReader` wraps the raw file so progress can report compressed bytes read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from typing import BinaryIO, Callable

MAGIC = [
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
]

TAR_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.zst",
                ".tar.zstd", ".tzst")


def sniff_compression(head: bytes) -> str | None:
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    return None


def looks_like_tar_name(name: str) -> bool:
    return name.lower().endswith(TAR_SUFFIXES)


def is_tar_header(block: bytes) -> bool:
    """True when `block` (>= 512 bytes of decompressed data) starts with a tar header."""
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar":
        return True
    # old v7 tar: verify the header checksum
    try:
        stored = int(block[148:156].split(b"\0", 1)[0].strip() or b"-1", 8)
    except ValueError:
        return False
    computed = sum(block[:148]) + 8 * 32 + sum(block[156:512])
    return stored == computed and block[0] != 0


class CountingReader(io.RawIOBase):
    """Read-through wrapper counting bytes read from the underlying file."""

    def __init__(self, raw: BinaryIO, on_read: Callable[[int], None] | None = None):
        self._raw = raw
        self._on_read = on_read
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._raw.readinto(b)
        if n:
            self.count += n
            if self._on_read:
                self._on_read(n)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def decompressing_reader(raw: BinaryIO, compression: str | None) -> BinaryIO:
    """A sequential reader of the decompressed content of `raw`."""
    if compression is None:
        return raw
    if compression == "xz":
        return lzma.LZMAFile(raw)
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)
    if compression == "bzip2":
        return bz2.BZ2File(raw)
    if compression == "zstd":
        import zstandard  # only needed for .tar.zst inputs

        return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    raise ValueError(f"unknown compression {compression}")


def read_bounded_tail(stream: BinaryIO, cap: int, chunk: int = 1 << 20) -> tuple[bytes, int, bool]:
    """Read `stream` to its end keeping at most the last `cap` bytes.

    Returns (data, total_size, truncated). Memory stays within cap + chunk.
    """
    parts: list[bytes] = []
    kept = 0
    total = 0
    truncated = False
    while True:
        block = stream.read(chunk)
        if not block:
            break
        total += len(block)
        parts.append(block)
        kept += len(block)
        while kept - len(parts[0]) >= cap:
            kept -= len(parts.pop(0))
            truncated = True
    data = b"".join(parts)
    if len(data) > cap:
        data = data[-cap:]
        truncated = True
    if truncated:
        nl = data.find(b"\n")
        if 0 <= nl < len(data) - 1:
            data = data[nl + 1:]
    return data, total, truncated


class Prepended(io.RawIOBase):
    """A stream that yields `head` first, then the rest of `stream` (peek without buffering ahead)."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            return data
        return self._stream.read(n)

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def read_head(stream: BinaryIO, n: int) -> bytes:
    """Read up to `n` bytes (fewer only at the end of the stream)."""
    parts = []
    got = 0
    while got < n:
        block = stream.read(n - got)
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts)
