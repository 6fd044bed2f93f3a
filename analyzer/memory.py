"""Hand memory freed by the run back to the system, so the next stage's peak starts low.

Freed memory is not returned by itself: pyarrow's pool keeps what string columns released,
and glibc keeps freed chunks in its arenas, among them the arena of the decompression thread,
whose blocks the main thread frees but can never reuse. On the 4-node bench case the freed
memory of ingest and evaluation added ~100 MB to the resident size of the later stages
(`bench/RESULTS.md`). Called between stages and between inputs: a few ms each.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):   # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Release what pyarrow's pool and the C allocator hold unused (no-op where unknown)."""
    pyarrow = sys.modules.get("pyarrow")   # only when already loaded: never an import here
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)
