"""What ingest hands to the rest of the pipeline: one catalogued member with its bytes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Member:
    """One file of an input that the catalogue wants.

    `unit` identifies the sosreport (or container export, or loose file) the member belongs to
    inside its input; node identity is resolved per unit once all its members are seen.
    `path` is relative to that unit's root (e.g. ``sos_commands/pacemaker/pcs_status_--full``).
    `data` is at most the size cap; `truncated` says only the tail was kept.
    """

    input: str
    unit: str
    path: str
    kind: str
    data: bytes
    size: int
    hint: str | None = None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Decode as UTF-8, replacing invalid bytes (noted in `notes`)."""
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            self.notes.append("invalid UTF-8 decoded with replacement characters")
            return self.data.decode("utf-8", errors="replace")
