"""Memory freed by a stage goes back to the system before the next one."""

from __future__ import annotations

import sys

import pytest

from analyzer.memory import release_freed_memory


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and glibc")
def test_freed_small_blocks_leave_the_resident_size():
    release_freed_memory()
    before = _rss_kb()
    # 200 MB in 2 KB strings: small blocks from the heap, which free() alone keeps resident
    # until the top of the heap is free (here one block in 50 stays alive)
    blocks = [("x" * 2000) + str(i) for i in range(100_000)]
    keep = blocks[::50]
    del blocks
    grown = _rss_kb()
    release_freed_memory()
    after = _rss_kb()
    assert grown - before > 100_000          # the test did grow the heap
    assert after - before < (grown - before) / 2, (before, grown, after)
    assert len(keep) == 2000
