"""A progress bar per input on stderr, only on a terminal and unless --quiet."""

from __future__ import annotations

import os
import sys
import time


def input_size(path: str) -> int:
    """Bytes to read for `path`: the file size, or the sum of file sizes under a folder."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            full = os.path.join(dirpath, f)
            if not os.path.islink(full):
                try:
                    total += os.path.getsize(full)
                except OSError:
                    pass
    return total


class Progress:
    """Bytes read of total for one input, redrawn at most 10 times a second."""

    def __init__(self, label: str, total: int, enabled: bool, stream=None):
        self.label = label if len(label) <= 40 else "…" + label[-39:]
        self.total = max(total, 1)
        self.done = 0
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._last = 0.0

    def __call__(self, n: int) -> None:
        self.done += n
        if self.enabled:
            now = time.monotonic()
            if now - self._last >= 0.1:
                self._last = now
                self._draw()

    def _draw(self) -> None:
        frac = min(self.done / self.total, 1.0)
        width = 30
        bar = "#" * int(frac * width)
        self.stream.write(f"\r{self.label:<40} [{bar:<{width}}] {frac * 100:5.1f}% "
                          f"{self.done / 1e6:8.1f}/{self.total / 1e6:.1f} MB")
        self.stream.flush()

    def close(self, status: str = "done") -> None:
        if self.enabled:
            self.done = self.total
            self._draw()
            self.stream.write(f" {status}\n")
            self.stream.flush()


def enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()
