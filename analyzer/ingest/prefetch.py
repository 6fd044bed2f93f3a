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


class QueuedBlockReader(io.RawIOBase):
    """A reader of the blocks a producer thread puts in a bounded queue, in order.

    Subclasses start the producer and say how a queued item becomes a block
    (:meth:`_block_of`); an item `END` ends the stream, an exception is raised where it
    occurred in the content. A block asked for whole is handed over without a copy.
    """

    END = object()

    def __init__(self, depth: int):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._buffer = memoryview(b"")
        self._done = False
        self._stop = threading.Event()
        reader_opened()

    def _block_of(self, item) -> bytes:
        return item

    def _put(self, item) -> bool:
        """Queue `item`, waiting for room; False when the reader was closed meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _fill_buffer(self) -> bool:
        """Make the buffer hold the next block; False at the end of the stream."""
        while not self._buffer:
            if self._done:
                return False
            item = self._queue.get()
            if item is self.END:
                self._done = True
                return False
            try:
                if isinstance(item, BaseException):
                    raise item
                self._buffer = memoryview(self._block_of(item))
            except BaseException:
                self._done = True
                raise
        return True

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes (all that is left when n < 0), one copy from the queued block at
        most (the default read of RawIOBase fills a bytearray and copies it again)."""
        if n is None or n < 0:
            parts = []
            while block := self.read(8 << 20):
                parts.append(block)
            return b"".join(parts)
        if not n or not self._fill_buffer():
            return b""
        whole = self._buffer.obj
        if n >= len(self._buffer) and whole is not None and len(self._buffer) == len(whole):
            data = whole   # a whole block asked for: handed over, no copy
        else:
            data = bytes(self._buffer[:n])
        self._buffer = self._buffer[len(data):]
        return data

    read1 = read

    def readinto(self, b) -> int:
        if not self._fill_buffer():
            return 0
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def _stop_producer(self) -> None:
        """Ask the producer to stop and unblock it if it waits on a full queue."""
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break

    def close(self) -> None:
        if not self.closed:
            self._stop_producer()
            self._join()
            reader_closed()
        super().close()

    def _join(self) -> None:
        raise NotImplementedError


class PrefetchReader(QueuedBlockReader):
    """Sequential reader of `source`, filled by a background thread."""

    def __init__(self, source: BinaryIO, block: int = 8 << 20, depth: int = 4):
        super().__init__(depth)
        self._source = source
        self._block = block
        self._thread = threading.Thread(target=self._fill, name="sos-analyzer-prefetch", daemon=True)
        self._thread.start()

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
            self._put(self.END)
        except BaseException as exc:  # handed to the reading thread, raised there
            if pieces:
                self._put(b"".join(pieces))   # what was readable before the error comes first
            self._put(exc)

    def _join(self) -> None:
        self._thread.join(timeout=5)
