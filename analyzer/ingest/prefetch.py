"""Decompress ahead in a thread while the main thread parses: the run costs max(), not sum().

liblzma, zlib, bzip2 and zstd release the GIL while they work, so a reader thread that pulls
decompressed blocks into a small bounded queue runs truly in parallel with tar parsing, member
parsing and log scanning on the main thread. Memory stays within `depth` x `block` bytes.
Blocks are large (8 MiB) so the thread needs the GIL rarely: each time it does, it waits for
the parsing thread to let go of it, up to the interpreter's switch interval, which is lowered
from 5 to 0.5 ms while a reader is open.
"""

from __future__ import annotations

import io
import queue
import sys
import threading
from typing import BinaryIO

_EOF = object()
SWITCH_INTERVAL = 0.0005

_open_readers = 0
_saved_interval = None
_interval_lock = threading.Lock()


def reader_opened() -> None:
    """A thread that needs the GIL now and then starts: lower the switch interval."""
    global _open_readers, _saved_interval
    with _interval_lock:
        if _open_readers == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_saved_interval, SWITCH_INTERVAL))
        _open_readers += 1


def reader_closed() -> None:
    """Such a thread stopped: the last one restores the interval."""
    global _open_readers
    with _interval_lock:
        _open_readers -= 1
        if _open_readers == 0 and _saved_interval is not None:
            sys.setswitchinterval(_saved_interval)


class PrefetchReader(io.RawIOBase):
    """Sequential reader of `source`, filled by a background thread."""

    def __init__(self, source: BinaryIO, block: int = 8 << 20, depth: int = 4):
        self._source = source
        self._block = block
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._buffer = memoryview(b"")
        self._done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, name="sos-analyzer-prefetch", daemon=True)
        reader_opened()
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _fill(self) -> None:
        # read1 hands over what one step decompressed, so data before a damaged spot still
        # reaches the reader before the error does (read(n) would drop it with the error)
        read = getattr(self._source, "read1", self._source.read)
        pieces: list[bytes] = []
        size = 0
        try:
            while not self._stop.is_set():
                data = read(self._block)
                if data:
                    pieces.append(bytes(data))
                    size += len(data)
                if size and (size >= self._block // 4 or not data):
                    # big blocks keep up to `depth` x `block` bytes ahead (some read1 give
                    # small pieces: joined; a large piece goes as it is, without a copy)
                    if not self._put(b"".join(pieces)):
                        return
                    pieces, size = [], 0
                if not data:
                    break
            self._put(_EOF)
        except BaseException as exc:  # handed to the reading thread, raised there
            if pieces:
                self._put(b"".join(pieces))   # what was readable before the error comes first
            self._put(exc)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes (all that is left when n < 0), one copy from the queued block (the
        default read of RawIOBase fills a bytearray and copies it again into bytes)."""
        if n is None or n < 0:
            parts = []
            while block := self.read(8 << 20):
                parts.append(block)
            return b"".join(parts)
        while not self._buffer:
            if self._done or not n:
                return b""
            item = self._queue.get()
            if item is _EOF:
                self._done = True
                return b""
            if isinstance(item, BaseException):
                self._done = True
                raise item
            self._buffer = memoryview(item)
        if n >= len(self._buffer) and self._buffer.obj is not None and \
                len(self._buffer) == len(self._buffer.obj):
            data = self._buffer.obj   # a whole block asked for: handed over, no copy
        else:
            data = bytes(self._buffer[:n])
        self._buffer = self._buffer[len(data):]
        return data

    def readinto(self, b) -> int:
        while not self._buffer:
            if self._done:
                return 0
            item = self._queue.get()
            if item is _EOF:
                self._done = True
                return 0
            if isinstance(item, BaseException):
                self._done = True
                raise item
            self._buffer = memoryview(item)
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            while True:   # unblock a producer waiting on a full queue
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._thread.join(timeout=5)
            reader_closed()
        super().close()
