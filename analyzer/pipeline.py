"""Run the stages in order: ingest -> parse/scan -> Bundle -> derive -> engine -> report.

Used by the `analyze`, `facts` and `timeline` commands. Library code: it never prints; the
progress bar writes to stderr only when asked to.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone

import pandas as pd

from analyzer import __version__
from analyzer.bundle import BASE_COLUMNS, Bundle, InputRecord, NodeInfo
from analyzer.ingest.collect import InputResult, ReadOptions, read_input
from analyzer.ingest.identity import identify, merge
from analyzer.memory import release_freed_memory
from analyzer.progress import Progress, input_size

INVENTORY_COLUMNS = ["input", "unit", "node", "path", "kind", "status", "bytes", "reason", "parser", "line"]


@dataclass
class IngestSettings:
    inputs: list[str]
    node_names: dict[str, str] = field(default_factory=dict)
    log_patterns: list[tuple[str, object]] = field(default_factory=list)  # (id, regex or compiled)
    log_scopes: dict[str, tuple] = field(default_factory=dict)   # id -> (service globs, path globs)
    jobs: int = 1
    show_progress: bool = False


def _read_one(args: tuple[str, ReadOptions]) -> InputResult:
    path, options = args
    result = read_input(path, options)
    release_freed_memory()
    return result


def ingest(settings: IngestSettings) -> list[InputResult]:
    """Read every input (in parallel processes when jobs > 1 and there are several inputs)."""
    base = ReadOptions(node_names=dict(settings.node_names), log_patterns=list(settings.log_patterns),
                       log_scopes=dict(settings.log_scopes))
    if settings.jobs > 1 and len(settings.inputs) > 1:
        with ProcessPoolExecutor(max_workers=min(settings.jobs, len(settings.inputs))) as pool:
            results = []
            for path, result in zip(settings.inputs,
                                    pool.map(_read_one, [(p, base) for p in settings.inputs])):
                if settings.show_progress:
                    Progress(path, 1, True).close(result.status)
                results.append(result)
            return results
    results = []
    for path in settings.inputs:
        bar = Progress(path, input_size(path), settings.show_progress)
        options = ReadOptions(node_names=base.node_names, log_patterns=base.log_patterns,
                              log_scopes=base.log_scopes, progress=bar)
        result = read_input(path, options)
        release_freed_memory()
        bar.close(result.status)
        results.append(result)
    return results


def _events_for_unit(unit, node: NodeInfo) -> list[pd.DataFrame]:
    """The unit's log records as event frames (UTC `ts`, `node` first), one per compacted
    chunk: the chunks are not concatenated here, :func:`merge_events` gathers all at once.
    The unit lets go of them."""
    from analyzer.logs.timeutil import to_utc

    unit.compact_logs()
    chunks, unit.log_frames = unit.log_frames, []
    frames = []
    while chunks:
        df = to_utc(chunks.pop(0), node.timezone, node.collected_at)
        df.insert(0, "node", node.name)
        frames.append(df)
    return frames


EVENT_ORDER = ["ts", "node", "file", "line"]


def merge_events(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The units' event frames as one, sorted by time, node, file and line (stable).

    The order comes from the key columns alone; then each column is gathered in that order
    while the unit frames let go of it, so memory holds the frames plus one column instead of
    the frames, their concatenation and its sorted copy. `frames` is emptied."""
    columns = list(frames[0].columns)
    if any(list(f.columns) != columns for f in frames) or not set(EVENT_ORDER) <= set(columns):
        events = pd.concat(frames, ignore_index=True)
        frames.clear()
        if "ts" in events.columns:
            events = events.sort_values(EVENT_ORDER, kind="stable", na_position="last")
        return events.reset_index(drop=True)
    keys = pd.concat([f[EVENT_ORDER] for f in frames], ignore_index=True)
    order = keys.sort_values(EVENT_ORDER, kind="stable", na_position="last").index.to_numpy()
    del keys
    gathered = {}
    for column in columns:
        merged = pd.concat([f[column] for f in frames], ignore_index=True)
        gathered[column] = merged.take(order).reset_index(drop=True)
        del merged
        for f in frames:
            del f[column]
        release_freed_memory()
    frames.clear()
    return pd.DataFrame(gathered, copy=False)


# The same cluster state is printed by `pcs status --full`, `pcs status` and `crm_mon`; a node
# keeps the rows of the most complete one so resources are not counted twice.
STATUS_TABLES = ("pcs_cluster", "pcs_nodes", "pcs_resources", "pcs_failed_actions")
STATUS_SOURCE_RANK = (("pcs_status_--full", 0), ("pcs_status", 1), ("crm_mon", 2))


def _source_rank(source: str) -> int:
    name = source.rsplit("/", 1)[-1]
    for marker, rank in STATUS_SOURCE_RANK:
        if name.startswith(marker):
            return rank
    return 3


def prefer_one_source(rows: list[dict]) -> list[dict]:
    """Per node, keep only the rows of the best-ranked status source."""
    best: dict[str, int] = {}
    for row in rows:
        rank = _source_rank(str(row.get("source", "")))
        best[row["node"]] = min(rank, best.get(row["node"], rank))
    return [r for r in rows if _source_rank(str(r.get("source", ""))) == best[r["node"]]]


def build_bundle(results: list[InputResult]) -> Bundle:
    """Resolve node identities, attach node names to rows and make the fact tables."""
    nodes: dict[str, NodeInfo] = {}
    rows: dict[str, list[dict]] = {}
    inventory: list[dict] = []
    event_frames: list[pd.DataFrame] = []
    level_counts: list[dict] = []
    inputs: list[InputRecord] = []
    for result in results:
        record = InputRecord(path=result.path, kind=result.kind, status=result.status,
                             errors=list(result.errors), bytes_read=result.bytes_read)
        for inv in result.inventory:
            inventory.append({**inv, "node": None})
        for unit in result.units:
            info = identify(unit)
            info.inputs = [result.path]
            node = nodes[info.name] = merge(nodes[info.name], info) if info.name in nodes else info
            if node.name not in record.nodes:
                record.nodes.append(node.name)
            for table, table_rows in unit.rows.items():
                bucket = rows.setdefault(table, [])
                for row in table_rows:
                    row["node"] = node.name
                    bucket.append(row)
            for inv in unit.inventory:
                inventory.append({**inv, "node": node.name})
            event_frames.extend(_events_for_unit(unit, node))
            for level, n in unit.log_counts.items():
                level_counts.append({"node": node.name, "level": level, "count": n})
        if not result.units and record.status == "ok":
            record.status = "error"
            record.errors.append(f"{result.path}: nothing readable found (empty archive or folder, "
                                 f"or no member the catalogue knows)")
        for err in record.errors:   # errors of the input itself (its members have their own rows)
            inventory.append({"input": result.path, "unit": None, "node": None, "path": "", "kind": None,
                              "status": "error", "bytes": 0, "reason": err, "parser": None, "line": None})
        member_errors = sum(i["status"] == "error" for i in result.inventory) + sum(
            i["status"] == "error" for u in result.units for i in u.inventory)
        if record.status == "ok" and member_errors:
            record.status = "partial"
            record.errors.append(f"{result.path}: {member_errors} member(s) could not be read or parsed "
                                 f"(see the inventory for each path, line and reason)")
        inputs.append(record)
    for table in STATUS_TABLES:
        if table in rows:
            rows[table] = prefer_one_source(rows[table])
    tables = {name: Bundle.frame(r) for name, r in rows.items()}
    for name in _tables_of_parsers_that_ran(inventory):
        # present but empty means "looked and found nothing", unlike an absent table
        tables.setdefault(name, pd.DataFrame(columns=BASE_COLUMNS))
    inv = pd.DataFrame.from_records(inventory, columns=INVENTORY_COLUMNS)
    tables["inventory"] = inv.astype({"bytes": "Int64", "line": "Int64"})
    if event_frames:
        tables["events"] = merge_events(event_frames)
        del event_frames
    if level_counts:
        tables["log_levels"] = (pd.DataFrame.from_records(level_counts)
                                .groupby(["node", "level"], as_index=False)["count"].sum())
    tables["nodes"] = pd.DataFrame.from_records([nodes[name].as_dict() for name in sorted(nodes)])
    bundle = Bundle(nodes=dict(sorted(nodes.items())), tables=tables, inputs=inputs)
    derive(bundle)
    return bundle


def _tables_of_parsers_that_ran(inventory: list[dict]) -> set[str]:
    from analyzer.parsers import load_all

    ran = {row["parser"] for row in inventory if row.get("parser") and row["status"] == "parsed"}
    return {table for spec in load_all().values() if spec.name in ran for table in spec.tables}


def derive(bundle: Bundle) -> None:
    """Derived tables (VIPs, Galera bootstrap candidate, expected containers, clock), then
    event times corrected for the clock offsets found."""
    from analyzer.derive import run_all
    from analyzer.derive.clock import correct_event_times

    run_all(bundle)
    correct_event_times(bundle)


@dataclass
class AnalysisResult:
    bundle: Bundle
    engine_result: object
    incidents: list[dict]
    report: dict


def analyze(settings: IngestSettings, rule_dirs: list[str], argv: list[str] | None = None) -> AnalysisResult:
    """Everything `sos-analyzer analyze` does before writing: returns the report dict too."""
    from analyzer.engine import evaluate
    from analyzer.logs.incidents import find_incidents
    from analyzer.derive.incident_links import link_findings
    from analyzer.report.model import build

    ruleset = _ruleset(tuple(rule_dirs))
    settings.log_patterns = list(ruleset.log_patterns())
    settings.log_scopes = ruleset.log_pattern_scopes()
    bundle = build_bundle(ingest(settings))
    bundle.log_scan = (settings.log_patterns, settings.log_scopes)
    release_freed_memory()
    engine_result = evaluate(ruleset, bundle)
    release_freed_memory()
    events = bundle.table("events")
    incidents = find_incidents(events) if not events.empty else []
    link_findings(incidents, engine_result.findings)
    meta = {"name": "sos-analyzer", "version": __version__,
            "generated_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "argv": list(argv or []), "cwd_free": True}
    report = build(bundle, engine_result, incidents, meta)
    return AnalysisResult(bundle=bundle, engine_result=engine_result, incidents=incidents, report=report)


@lru_cache(maxsize=8)
def _ruleset(rule_dirs: tuple[str, ...]):
    """Rules compile once per process (batch analyses many cases with the same rules)."""
    from analyzer.engine import load_rules

    return load_rules(extra_dirs=list(rule_dirs))


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)
