"""Open an input file as a decompressed byte stream, recognised by its magic bytes.

Compression is told from content, not from the name: xz, gzip, bzip2, zstd, or none. Every
decompressor raises `EOFError` when its data stops early (zstd through `ZstdReader`).
A `CountingReader` wraps the raw file so progress can report compressed bytes read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections import deque
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
            self.add(n)
        return n or 0

    def add(self, n: int) -> None:
        """Count `n` bytes read from the file by other means (positioned reads)."""
        self.count += n
        if self._on_read:
            self._on_read(n)

    def close(self) -> None:
        self._raw.close()
        super().close()


def decompressing_reader(raw: BinaryIO, compression: str | None) -> BinaryIO:
    """A sequential reader of the decompressed content of `raw`."""
    if compression is None:
        return raw
    if compression == "xz":
        return BlockDecompressor(raw, lzma.LZMADecompressor, lzma.LZMAError)
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)
    if compression == "bzip2":
        return BlockDecompressor(raw, bz2.BZ2Decompressor, OSError)
    if compression == "zstd":
        return ZstdReader(raw)
    raise ValueError(f"unknown compression {compression}")


class BlockDecompressor(io.RawIOBase):
    """xz or bzip2 decompressed in large steps: a sequence of concatenated streams, as
    `lzma.LZMAFile` / `bz2.BZ2File` read them (trailing garbage after a complete stream is
    ignored, data that stops inside a stream raises `EOFError`).

    The stdlib file classes feed the decompressor 8 KiB of compressed data per call, so a
    decompression thread needs the GIL back every ~60 KiB of output and waits for it behind
    the parsing thread. Here one call takes `raw_block` compressed bytes and returns up to
    the size asked (the prefetch thread asks for megabytes), releasing the GIL for all of it.
    """

    def __init__(self, raw: BinaryIO, factory: Callable, trailing_error: type[Exception],
                 raw_block: int = 1 << 20):
        self._raw = raw
        self._factory = factory
        self._trailing_error = trailing_error
        self._raw_block = raw_block
        self._decompressor = factory()
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while block := self.read(1 << 24):
                parts.append(block)
            return b"".join(parts)
        while n and not self._done:
            decompressor = self._decompressor
            if decompressor.eof:
                rawblock = decompressor.unused_data or self._raw.read(self._raw_block)
                if not rawblock:
                    self._done = True
                    break
                self._decompressor = self._factory()   # the next concatenated stream
                try:
                    data = self._decompressor.decompress(rawblock, n)
                except self._trailing_error:
                    self._done = True                  # trailing bytes are not a stream: ignored
                    break
            else:
                if decompressor.needs_input:
                    rawblock = self._raw.read(self._raw_block)
                    if not rawblock:
                        raise EOFError("Compressed file ended before the end-of-stream marker "
                                       "was reached")
                else:
                    rawblock = b""
                data = decompressor.decompress(rawblock, n)
            if data:
                return data
        return b""

    read1 = read

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


class _ZstdFrames:
    """Follows the zstd frame layout over the compressed bytes (headers only, nothing is
    decompressed) to tell whether the data stops inside a frame. RFC 8878, section 3.1."""

    MAGIC = 0xFD2FB528

    def __init__(self):
        self._head = b""         # bytes of a header not complete yet
        self._skip = 0           # content bytes still to pass over
        self._state = "magic"    # magic | skippable | descriptor | block | broken
        self._need = 4
        self._checksum = False

    @property
    def inside_frame(self) -> bool:
        if self._state == "broken":
            return False
        return self._state != "magic" or self._skip > 0 or bool(self._head)

    def feed(self, data: bytes) -> None:
        pos = 0
        while pos < len(data) and self._state != "broken":
            if self._skip:
                step = min(self._skip, len(data) - pos)
                self._skip -= step
                pos += step
                continue
            take = min(self._need - len(self._head), len(data) - pos)
            self._head += data[pos:pos + take]
            pos += take
            if len(self._head) == self._need:
                head, self._head = self._head, b""
                self._header(head)

    def _header(self, head: bytes) -> None:
        if self._state == "magic":
            magic = int.from_bytes(head, "little")
            if magic == self.MAGIC:
                self._state, self._need = "descriptor", 1
            elif magic & 0xFFFFFFF0 == 0x184D2A50:
                self._state, self._need = "skippable", 4
            else:
                self._state = "broken"          # the decompressor reports it
        elif self._state == "skippable":
            self._skip = int.from_bytes(head, "little")
            self._state, self._need = "magic", 4
        elif self._state == "descriptor":
            fhd = head[0]
            single = (fhd >> 5) & 1
            self._checksum = bool((fhd >> 2) & 1)
            fcs = (1 if single else 0, 2, 4, 8)[fhd >> 6]
            self._skip = (0 if single else 1) + (0, 1, 2, 4)[fhd & 3] + fcs
            self._state, self._need = "block", 3
        elif self._state == "block":
            header = int.from_bytes(head, "little")
            last, kind, size = header & 1, (header >> 1) & 3, header >> 3
            self._skip = 1 if kind == 1 else size
            if kind == 3:
                self._state = "broken"
            elif last:
                self._skip += 4 if self._checksum else 0
                self._state, self._need = "magic", 4


class _Tee(io.RawIOBase):
    def __init__(self, raw: BinaryIO, frames: _ZstdFrames):
        self._raw, self._frames = raw, frames

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self._raw.read(len(b))
        if data:
            self._frames.feed(data)
            b[:len(data)] = data
        return len(data or b"")


class ZstdReader(io.RawIOBase):
    """zstd frames decompressed by `zstandard.stream_reader` (output bounded by each read),
    raising `EOFError` when the data stops inside a frame, as lzma, gzip and bz2 do:
    `stream_reader` alone ends quietly there."""

    def __init__(self, raw: BinaryIO):
        import zstandard  # only needed for .tar.zst inputs

        self._frames = _ZstdFrames()
        self._reader = zstandard.ZstdDecompressor().stream_reader(_Tee(raw, self._frames),
                                                                  read_across_frames=True)
        self._error = zstandard.ZstdError

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._reader.read(n)
        except self._error as exc:
            raise ValueError(f"zstd data damaged: {exc}") from None
        if not data and n != 0 and self._frames.inside_frame:
            raise EOFError("zstd data ends inside a frame (truncated)")
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def read_bounded_tail(stream: BinaryIO, cap: int, chunk: int = 1 << 20) -> tuple[bytes, int, bool]:
    """Read `stream` to its end keeping at most the last `cap` bytes.

    Returns (data, total_size, truncated). Memory stays within cap + chunk.
    """
    parts: deque[bytes] = deque()
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
            kept -= len(parts.popleft())
            truncated = True
    if kept > cap:   # trim the oldest block before joining: one copy of the kept bytes
        parts[0] = parts[0][kept - cap:]
        truncated = True
    data = b"".join(parts)
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
