"""Column splitting of the aligned tables `docker`/`podman` print (`ps -a`, `images`).

Both runtimes print through Go's tabwriter: every column starts where its title starts in the
header, titles are separated by at least two spaces, and a title may hold one space
(`CONTAINER ID`, `IMAGE ID`). Values are cut at the title positions, so names with spaces
and empty cells (an empty PORTS) are kept in their column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TITLE = re.compile(r"\S+(?: \S+)*")


@dataclass(frozen=True)
class Column:
    title: str
    start: int


def header_columns(header: str) -> list[Column]:
    """Titles of a header line with their start offsets."""
    return [Column(m.group(0), m.start()) for m in _TITLE.finditer(header.rstrip())]


def find_header(lines: list[str], required: tuple[str, ...]) -> int | None:
    """Index of the first line holding every title of `required`, else None."""
    for i, line in enumerate(lines):
        titles = {c.title for c in header_columns(line)}
        if all(t in titles for t in required):
            return i
    return None


def cut_row(line: str, columns: list[Column]) -> dict[str, str] | None:
    """Cells of `line` keyed by title, or None when a value straddles a column start.

    A cell whose text runs over the next title's position (a hand-edited or re-wrapped table)
    makes the row ambiguous; the caller reports it instead of guessing.
    """
    cells: dict[str, str] = {}
    for i, col in enumerate(columns):
        end = columns[i + 1].start if i + 1 < len(columns) else None
        if end is not None and 0 < end < len(line) and line[end - 1] != " " and line[end] != " ":
            return None
        if i > 0 and col.start < len(line) and col.start > 0 and line[col.start - 1] != " ":
            return None
        cells[col.title] = line[col.start:end].strip() if col.start < len(line) else ""
    return cells
