"""The Bundle: the nodes of a case and its named fact tables (pandas DataFrames).

Every table row carries ``node``, ``source`` (path inside the input) and ``line`` where it has
one. Tables a parser did not produce are still available, empty, so rules can ask for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

BASE_COLUMNS = ["node", "source", "line"]


@dataclass
class NodeInfo:
    """One host of the case, merged from every input that belongs to it."""

    name: str
    hostname: str | None = None
    roles: list[str] = field(default_factory=list)
    release: str | None = None
    runtime: str | None = None          # "docker" | "podman" | None
    timezone: str | None = None         # IANA name, e.g. "Europe/Madrid"; None = unknown (UTC)
    collected_at: datetime | None = None  # aware, UTC
    inputs: list[str] = field(default_factory=list)
    sos_version: str | None = None
    kind: str = "sosreport"             # sosreport | container-export | directory | file

    def as_dict(self) -> dict:
        return {
            "name": self.name, "hostname": self.hostname, "roles": list(self.roles),
            "release": self.release, "runtime": self.runtime, "timezone": self.timezone,
            "collected_at": self.collected_at.isoformat().replace("+00:00", "Z")
            if self.collected_at else None,
            "sos_version": self.sos_version, "inputs": list(self.inputs),
        }


@dataclass
class InputRecord:
    """One INPUT given on the command line and how reading it went."""

    path: str
    kind: str                            # sosreport | bundle | container-export | directory | file
    status: str = "ok"                   # ok | partial | error
    nodes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bytes_read: int = 0


class Bundle:
    """Nodes + fact tables + inventory of one analysis run."""

    def __init__(self, nodes: dict[str, NodeInfo], tables: dict[str, pd.DataFrame],
                 inputs: list[InputRecord]):
        self.nodes = nodes
        self._tables = tables
        self.inputs = inputs
        #: (patterns, scopes) the logs were scanned with, when known (see engine.scantrust)
        self.log_scan: tuple[list, dict] | None = None

    def table(self, name: str) -> pd.DataFrame:
        """The named table; an empty frame with the base columns when nothing produced it."""
        df = self._tables.get(name)
        if df is None:
            return pd.DataFrame(columns=BASE_COLUMNS)
        return df

    def has_table(self, name: str) -> bool:
        df = self._tables.get(name)
        return df is not None and not df.empty

    def set_table(self, name: str, df: pd.DataFrame) -> None:
        self._tables[name] = df

    @property
    def table_names(self) -> list[str]:
        return sorted(self._tables)

    @property
    def collected_at(self) -> datetime | None:
        """Latest collection time among nodes: 'now' for windows and ages in rules."""
        times = [n.collected_at for n in self.nodes.values() if n.collected_at]
        return max(times) if times else None

    def node_runtime(self, node: str) -> str | None:
        info = self.nodes.get(node)
        return info.runtime if info else None

    @staticmethod
    def frame(rows: list[dict]) -> pd.DataFrame:
        """Rows -> DataFrame with the base columns first."""
        df = pd.DataFrame.from_records(rows)
        front = [c for c in BASE_COLUMNS if c in df.columns]
        return df[front + [c for c in df.columns if c not in front]]
