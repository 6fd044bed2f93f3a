"""Scan a log of any size in chunks: bounded memory, line numbers of the whole file.

Each chunk is cut after its last newline; the last record of a chunk, when it starts in the
chunk's last :data:`HOLD_LINES` lines, is scanned again with the next chunk, so that
continuation lines (tracebacks) crossing the cut stay in it (a record filling a whole chunk is
read on up to :data:`MAX_RECORD_BYTES`). The format sniffed on the first chunk is passed on as
the hint of the next ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator

from analyzer.logs.formats import HINTS
from analyzer.logs.scan import LogScanner

FIRST_CHUNK = 1 << 20          # small first read: the first lines appear early
CHUNK = 8 << 20
#: a record starting this close (lines) to a chunk's end is held back for the next chunk
HOLD_LINES = 1000
#: a record filling a whole chunk is read on up to this size before it is taken as it is
MAX_RECORD_BYTES = 64 << 20


@dataclass
class ChunkTotals:
    """What the chunks of one file add up to (records are yielded, not kept here)."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0
    bytes: int = 0
    format: str | None = None

    def add(self, result, line_base: int, lines: int, size: int, held_counts: dict | None = None) -> None:
        for level, n in result.counts.items():
            self.counts[level] = self.counts.get(level, 0) + n - (held_counts or {}).get(level, 0)
        self.problems.extend((line + line_base, msg) for line, msg in result.problems if line <= lines)
        self.lines += lines
        self.bytes += size
        self.format = self.format or result.format


def _line_offset(piece: bytes, line: int, total: int) -> int | None:
    """Byte offset where 1-based `line` starts in `piece` (which ends with a newline), found
    from the end; None when it is more than HOLD_LINES lines back."""
    back = total - line + 1
    if back > HOLD_LINES or line <= 1:
        return None
    pos = len(piece)
    for _ in range(back):
        pos = piece.rfind(b"\n", 0, pos - 1) + 1
    return pos


def scan_chunks(stream: BinaryIO, rel: str, scanner: LogScanner, hint: str | None = None,
                first_chunk: int = FIRST_CHUNK, chunk: int = CHUNK,
                before_read: Callable[[], None] | None = None,
                totals: ChunkTotals | None = None) -> Iterator[dict]:
    """Scanner records of a log read in chunks, with line numbers of the whole file.

    `totals`, when given, receives the level counts, problems, lines and format; lines of a
    record held back for the next chunk are counted in the chunk where they end up.
    """
    pending, eof, line_base, size = b"", False, 0, first_chunk
    # an archive member hands out the decompressor's blocks as they are (no join, no copy)
    read = getattr(stream, "read_block", stream.read)
    while not eof or pending:
        piece = None
        if not eof:
            if before_read is not None:
                before_read()
            block = read(size)
            size = chunk
            eof = not block
            end = block.rfind(b"\n") + 1
            if end:   # the piece ends at the block's last newline: one copy at most
                if not pending and end == len(block):
                    piece = block
                else:
                    piece = b"".join((pending, memoryview(block)[:end]))
                pending = block[end:]
            elif not eof:
                pending += block
                cut = pending.rfind(b"\n") + 1
                if cut == 0:
                    continue   # one line longer than a chunk: read on
                piece, pending = pending[:cut], pending[cut:]
        if piece is None:   # the end of the stream: what is left
            piece, pending = pending, b""
        result = scanner.scan(piece, rel, hint, None)
        if result.format in HINTS:
            hint = result.format
        records, lines = result.records, result.lines
        held, held_counts = 0, None
        if not eof and records:
            last = max(records, key=lambda r: r["line"])
            if last["line"] == 1 and len(piece) < MAX_RECORD_BYTES:
                pending = piece + pending
                continue   # one record fills the chunk: scan it again with more data
            hold = _line_offset(piece, last["line"], lines)
            if hold is not None:
                records = [r for r in records if r["line"] < last["line"]]
                pending = piece[hold:] + pending
                held = len(piece) - hold
                lines = last["line"] - 1
                if totals is not None:   # the held lines are counted with the next chunk
                    held_counts = scanner.scan(piece[hold:], rel, hint, None).counts
        if totals is not None:
            totals.add(result, line_base, lines, len(piece) - held, held_counts)
        for rec in records:
            rec["line"] += line_base
            yield rec
        line_base += lines
