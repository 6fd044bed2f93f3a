"""One merged, UTC-ordered stream of log records across nodes (`sos-analyzer timeline`).

Plain inputs (loose logs, ``var/log/containers`` trees, unpacked sosreport folders) are
streamed: each node's time zone and collection time come first from its small identity files,
then every log file is read in chunks cut at a line boundary (a record whose continuation lines
may cross the cut is held back and scanned with the next chunk, so tracebacks stay whole) and
the per-file record iterators are merged with :func:`heapq.merge` on UTC time. Records without
a time are kept aside and come after the merged stream. Tarballs cannot be read that way
(stream mode cannot seek): they go through :func:`analyzer.pipeline.build_bundle` and their
``events`` table joins the merge, already ordered.

A node whose clock is off by more than :data:`analyzer.logs.clock.SKEW_THRESHOLD_S` has its
times moved back onto the others' clock: the offset comes from cluster events several nodes
logged (corosync/pacemaker logs, scanned before the merge starts), else from its
``date --utc`` against the other nodes' collection times.

Records handed out are dicts with :data:`RECORD_FIELDS`; ``ts`` is an aware UTC datetime
(None when the line has no time).
"""

from __future__ import annotations

import heapq
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator

from analyzer.bundle import NodeInfo
from analyzer.derive.clock import date_offsets
from analyzer.ingest.catalogue import Catalogue, default_catalogue
from analyzer.ingest.collect import UnitResult, is_sosreport_dir
from analyzer.ingest.entries import FILE, SYMLINK, iter_directory
from analyzer.ingest.identity import identify, merge
from analyzer.logs.timeutil import zone_of
from analyzer.ingest.sniff import sniff_kind
from analyzer.ingest.streams import decompressing_reader, is_tar_header, sniff_compression
from analyzer.logs.chunks import scan_chunks
from analyzer.logs.clock import SKEW_THRESHOLD_S
from analyzer.logs.formats import LEVELS
from analyzer.logs.scan import LogScanner, service_from_path
from analyzer.logs.timeutil import resolve_year

RECORD_FIELDS = ("ts", "node", "service", "level", "logger", "pid", "request_id", "file", "line",
                 "message", "detail", "clock_offset_s")
#: levels from the least to the most severe
LEVEL_ORDER = tuple(reversed(LEVELS))
#: the scanner keeps WARNING and worse; below that every line is asked for with this pattern
EVERY_LINE = ("timeline.every_line", r"(?m)^(?=[^\n])")

#: identity kinds that matter for time (name, zone, collection time)
TIME_IDENTITY_KINDS = {"hostname", "hostname_fqdn", "hostnamectl", "date", "date_utc",
                       "timedatectl", "localtime", "timezone_file", "sos_manifest"}
IDENTITY_CAP = 1 << 20
READ_ERRORS = (OSError, EOFError, ValueError)


@dataclass
class LogFile:
    """A log to stream: where it is on disk, its path inside the unit, the catalogue hint."""

    disk_path: str
    rel: str
    hint: str | None = None


@dataclass
class NodeLogs:
    """One node of the plain inputs: identity and the logs to stream."""

    info: NodeInfo
    files: list[LogFile] = field(default_factory=list)


@dataclass
class Plan:
    """What the inputs hold: streamed nodes, tarballs read whole, notes for the user."""

    nodes: dict[str, NodeLogs] = field(default_factory=dict)
    archives: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Planning: identity first, logs listed (not read)


def plan_inputs(inputs: Iterable[str], aliases: dict[str, str] | None = None,
                catalogue: Catalogue | None = None) -> Plan:
    """Classify every input like :func:`analyzer.ingest.collect.read_input` does, reading
    only identity files; logs are listed for streaming, tarballs set aside."""
    plan, cat = Plan(), catalogue or default_catalogue()
    aliases = aliases or {}
    for path in inputs:
        _plan_path(path, aliases.get(path), cat, plan, top=True)
    return plan


def _add_unit(plan: Plan, unit: UnitResult, files: list[LogFile]) -> None:
    info = identify(unit)
    if info.name in plan.nodes:
        node = plan.nodes[info.name]
        merge(node.info, info)
        known = {f.disk_path for f in node.files}
        node.files.extend(f for f in files if f.disk_path not in known)
    else:
        plan.nodes[info.name] = NodeLogs(info=info, files=files)


def _plan_path(path: str, alias: str | None, cat: Catalogue, plan: Plan, top: bool) -> None:
    if os.path.isdir(path):
        _plan_directory(path, alias, cat, plan)
    elif os.path.isfile(path):
        _plan_file(path, alias, plan, top)
    else:
        plan.notes.append(f"{path}: not a file or folder: skipped")


def _plan_directory(path: str, alias: str | None, cat: Catalogue, plan: Plan) -> None:
    from analyzer.ingest.collect import containers_tree_root, node_name_for_log_tree

    root = os.path.abspath(path)
    if is_sosreport_dir(root):
        _plan_tree(root, "", os.path.basename(root), "sosreport", alias, cat, plan)
        return
    prefix = containers_tree_root(root)
    if prefix is not None:
        name = alias or node_name_for_log_tree(root)
        _plan_tree(root, prefix, name, "directory", alias or name, cat, plan)
        return
    if all(os.path.isdir(os.path.join(root, d)) for d in ("etc", "usr")):
        _plan_tree(root, "", os.path.basename(root), "container-export", alias, cat, plan)
        return
    for name in sorted(os.listdir(root)):   # a case folder
        child = os.path.join(path, name)
        if os.path.islink(child):
            plan.notes.append(f"{child}: link in a case folder: not followed")
            continue
        _plan_path(child, None, cat, plan, top=False)


def _plan_tree(root: str, prefix: str, unit_name: str, kind: str, alias: str | None,
               cat: Catalogue, plan: Plan) -> None:
    unit = UnitResult(unit=unit_name, kind=kind, name_hint=alias)
    files: list[LogFile] = []
    seen: set[str] = set()
    real_root = os.path.realpath(root)
    for e in iter_directory(root):
        rel = f"{prefix}/{e.path}" if prefix else e.path
        if rel.startswith("sos_strings/") or e.unsafe:
            continue   # tailed copies are read through the link that names them
        match = cat.match(rel)
        if match is None or (match.kind != "log" and match.kind not in TIME_IDENTITY_KINDS):
            continue
        disk = os.path.join(root, e.path)
        if e.type == SYMLINK:
            if match.kind == "localtime":
                unit.identity.setdefault("localtime", []).append((rel, e.linkname or ""))
                continue
            disk = os.path.realpath(disk)
            if not disk.startswith(real_root + os.sep) or not os.path.isfile(disk):
                continue
        elif e.type != FILE:
            continue
        if match.kind == "log":
            if disk not in seen:
                seen.add(disk)
                files.append(LogFile(disk, rel, match.hint))
            continue
        try:
            with open(disk, "rb") as fh:
                text = fh.read(IDENTITY_CAP).decode("utf-8", "replace")
        except OSError as exc:
            plan.notes.append(f"{disk}: cannot read: {exc.strerror}")
            continue
        unit.identity.setdefault(match.kind, []).append((rel, text))
    if files or unit.identity:
        _add_unit(plan, unit, files)


def _plan_file(path: str, alias: str | None, plan: Plan, top: bool) -> None:
    try:
        with open(path, "rb") as raw:
            compression = sniff_compression(raw.read(6))
            raw.seek(0)
            head = decompressing_reader(raw, compression).read(65536)
    except READ_ERRORS as exc:
        plan.notes.append(f"{path}: cannot read: {exc}")
        return
    if is_tar_header(head[:512]):
        plan.archives.append(path)
        return
    guess = sniff_kind(head)
    if guess is None or guess[0] != "log":
        if top:
            plan.notes.append(f"{path}: not a log nor an archive: skipped")
        return
    from analyzer.ingest.collect import unit_name_from_input

    unit = UnitResult(unit=unit_name_from_input(path), kind="file", name_hint=alias)
    rel = os.path.basename(path)
    _add_unit(plan, unit, [LogFile(os.path.abspath(path), rel[:-3] if rel.endswith(".gz") else rel,
                                   guess[1])])


# ---------------------------------------------------------------------------------------------
# Reading one log in chunks


@dataclass
class NodeClock:
    """How a node's stamps become true UTC: its zone, the reference time for year-less
    stamps (collection time) and the clock offset removed (seconds, + = clock ahead)."""

    zone: object = timezone.utc
    reference_local: datetime | None = None
    offset_s: float = 0.0

    @classmethod
    def of(cls, info: NodeInfo, offset_s: float = 0.0,
           fallback_reference: datetime | None = None) -> "NodeClock":
        zone = zone_of(info.timezone)
        ref = info.collected_at or fallback_reference
        ref_local = ref.astimezone(zone).replace(tzinfo=None) if ref is not None else None
        return cls(zone, ref_local, offset_s)

    def utc(self, ts_local: datetime | None, has_year: bool = True) -> datetime | None:
        """The true UTC time of a scanned stamp (same rules as
        :func:`analyzer.logs.timeutil.to_utc`, then the clock offset removed)."""
        if ts_local is None:
            return None
        if ts_local.tzinfo is None:
            if not has_year and self.reference_local is not None:
                ts_local = resolve_year(ts_local, self.reference_local)
            ts_local = ts_local.replace(tzinfo=self.zone)
        return ts_local.astimezone(timezone.utc) - timedelta(seconds=self.offset_s)


class LogStream:
    """The decompressed content of a log file (plain, gzip, xz, bzip2), read sequentially;
    closing it closes the file too."""

    def __init__(self, disk_path: str):
        self.raw = open(disk_path, "rb")
        try:
            compression = sniff_compression(self.raw.peek(6)[:6])
            self.stream = decompressing_reader(self.raw, compression) if compression else self.raw
        except Exception:
            self.raw.close()
            raise

    def read(self, size: int) -> bytes:
        return self.stream.read(size)

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            self.raw.close()

    def __enter__(self) -> "LogStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Filters and records


def level_rank(level: str | None) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else LEVEL_ORDER.index("INFO")


@dataclass
class Filters:
    """Which records are shown: level and worse, nodes, services, a regex, a time window."""

    min_level: str = "WARNING"
    nodes: frozenset = frozenset()
    services: frozenset = frozenset()
    grep: re.Pattern | None = None
    since: datetime | None = None
    until: datetime | None = None

    def wants_node(self, node: str) -> bool:
        return not self.nodes or node in self.nodes

    def accepts(self, rec: dict) -> bool:
        """All but `until`, which the merge applies (it stops reading there)."""
        if level_rank(rec["level"]) < level_rank(self.min_level):
            return False
        if self.services and rec["service"] not in self.services:
            return False
        ts = rec["ts"]
        if (self.since or self.until) and ts is None:
            return False
        if self.since is not None and ts < self.since:
            return False
        if self.grep is not None and not (self.grep.search(rec["message"])
                                          or self.grep.search(rec["detail"] or "")):
            return False
        return True


def make_record(scanned: dict, node: str, clock: NodeClock) -> dict:
    """A timeline record from a scanner record (see RECORD_FIELDS)."""
    ts = clock.utc(scanned["ts_local"], scanned.get("ts_has_year", True))
    return {"ts": ts, "node": node, "service": scanned["service"], "level": scanned["level"],
            "logger": scanned.get("logger"), "pid": scanned.get("pid"),
            "request_id": scanned.get("request_id"), "file": scanned["file"],
            "line": scanned["line"], "message": scanned["message"],
            "detail": scanned.get("detail") or "",
            "clock_offset_s": clock.offset_s,
            "matched": [m for m in scanned.get("matched") or () if m != EVERY_LINE[0]]}


def wants_every_line(min_level: str) -> bool:
    """The scanner keeps WARNING and worse by itself; below that every line is asked for."""
    return level_rank(min_level) < level_rank("WARNING")


def make_scanner(min_level: str) -> LogScanner:
    """The scanner for a level (see :func:`wants_every_line`)."""
    return LogScanner(extra_patterns=[EVERY_LINE] if wants_every_line(min_level) else [])


# ---------------------------------------------------------------------------------------------
# Clock offsets


@dataclass
class ClockCorrection:
    offset_s: float
    evidence: str


def clock_corrections(nodes: dict[str, NodeInfo], membership_records: list[dict],
                      threshold_s: float = SKEW_THRESHOLD_S) -> dict[str, ClockCorrection]:
    """Offsets worth removing (over `threshold_s`), per node.

    `membership_records` are timeline records (uncorrected ts) carrying the cluster-event ids
    of :data:`analyzer.logs.clock.MEMBERSHIP_PATTERNS` in `matched`; a node they do not cover
    is compared by its collection time (`date --utc`) with the median of the other nodes',
    when those agree within `threshold_s` and the gap is under :data:`analyzer.derive.clock.MAX_DATE_SKEW_S`."""
    found: dict[str, ClockCorrection] = {}
    rows = [r for r in membership_records if r["matched"] and r["ts"] is not None]
    if rows:
        import pandas as pd

        from analyzer.logs.clock import estimate_offsets

        df = pd.DataFrame.from_records(rows, columns=["node", "ts", "message", "detail", "matched"])
        df["ts"] = pd.to_datetime(df["ts"], utc=True)
        for row in estimate_offsets(df).itertuples():
            found[row.node] = ClockCorrection(float(row.offset_s), row.evidence)
    collected = {n: i.collected_at for n, i in nodes.items() if i.collected_at is not None}
    for name, (offset, why) in date_offsets(collected, threshold_s).items():
        if name not in found:
            found[name] = ClockCorrection(offset, why)
    return {n: c for n, c in found.items() if abs(c.offset_s) > threshold_s}


# ---------------------------------------------------------------------------------------------
# The merge


def order_key(rec: dict) -> tuple:
    """Time, then node, file and line: ties come out the same whatever the input kind."""
    return rec["ts"], rec["node"], rec["file"] or "", rec["line"] or 0


def _by_time(records: Iterable[dict], untimed: list[dict]) -> Iterator[dict]:
    for rec in records:
        if rec["ts"] is None:
            untimed.append(rec)
        else:
            yield rec


def merge_streams(streams: list[Iterable[dict]], filters: Filters,
                  untimed: list[dict]) -> Iterator[dict]:
    """Merge time-ordered record iterators on :func:`order_key`; records without a time are appended to
    `untimed` (they follow the merged stream). Stops reading at the first record past
    `filters.until`."""
    merged = heapq.merge(*(_by_time(s, untimed) for s in streams), key=order_key)
    for rec in merged:
        if filters.until is not None and rec["ts"] > filters.until:
            return
        yield rec


@dataclass
class Timeline:
    """The inputs resolved: nodes, clock corrections, and the record streams to merge."""

    nodes: dict[str, NodeInfo]
    corrections: dict[str, ClockCorrection]
    streams: list[Iterable[dict]]
    services: set[str]
    notes: list[str]

    def latest_collection(self) -> datetime | None:
        """The latest collection time on the corrected clock (for relative --since)."""
        times = [info.collected_at - timedelta(seconds=self.corrections[n].offset_s
                                               if n in self.corrections else 0.0)
                 for n, info in self.nodes.items() if info.collected_at is not None]
        return max(times) if times else None

    def records(self, filters: Filters, untimed: list[dict]) -> Iterator[dict]:
        return merge_streams(self.streams, filters, untimed)


def _file_records(log: LogFile, node: str, clock: NodeClock, scanner: LogScanner,
                  filters: Filters, warn: Callable[[str], None],
                  before_read: Callable[[], None] | None) -> Iterator[dict]:
    try:
        stream = LogStream(log.disk_path)
    except READ_ERRORS as exc:
        warn(f"{log.disk_path}: cannot open: {exc}")
        return
    last_line = 0
    try:
        with stream:
            for scanned in scan_chunks(stream, log.rel, scanner, log.hint,
                                       before_read=before_read):
                last_line = scanned["line"]
                rec = make_record(scanned, node, clock)
                if filters.accepts(rec):
                    yield rec
    except READ_ERRORS as exc:
        warn(f"{log.disk_path}: read error after line {last_line}: {exc}; "
             f"the rest of this file is left out")


def _clock_log(log: LogFile) -> bool:
    return log.hint == "pacemaker"


def build_timeline(plan: Plan, filters: Filters, scanner: LogScanner, *,
                   aliases: dict[str, str] | None = None, fix_clocks: bool = True,
                   manual_offsets: dict[str, float] | None = None,
                   warn: Callable[[str], None] = lambda msg: None,
                   before_read: Callable[[], None] | None = None) -> Timeline:
    """Resolve nodes and clocks and prepare the streams (nothing is merged yet).

    Tarballs of the plan are read whole here (through the pipeline); the cluster logs of the
    streamed nodes are scanned here too (their events give the clock offsets). Every other
    log is read only while the merge is consumed."""
    nodes = {name: logs.info for name, logs in plan.nodes.items()}
    bundle_events = _read_archives(plan.archives, aliases or {}, wants_every_line(filters.min_level),
                                   nodes, warn)
    pre_scanned: dict[str, list[dict]] = {}
    membership = [r for r in bundle_events if r["matched"]]
    raw_clocks = {name: NodeClock.of(logs.info, 0.0, _newest_mtime(logs.files))
                  for name, logs in plan.nodes.items()}
    clock_logs = [(name, log) for name, logs in plan.nodes.items() for log in logs.files
                  if _clock_log(log)]
    if fix_clocks and len({name for name, _ in clock_logs}) >= 2:
        everything = Filters(min_level="DEBUG")
        for name, log in clock_logs:
            got = list(_file_records(log, name, raw_clocks[name], scanner, everything, warn, None))
            pre_scanned[log.disk_path] = got
            membership.extend(r for r in got if r["matched"])
    corrections = clock_corrections(nodes, membership) if fix_clocks else {}
    for name, seconds in (manual_offsets or {}).items():
        corrections[name] = ClockCorrection(seconds, "given with --clock-offset")
    notes = [f"{name}: clock {c.offset_s:+.1f} s off ({c.evidence}); its times are moved by "
             f"{-c.offset_s:+.1f} s" for name, c in sorted(corrections.items()) if c.offset_s]
    streams: list[Iterable[dict]] = []
    if bundle_events:
        streams.append(_corrected_sorted(bundle_events, corrections, filters))
    services: set[str] = {r["service"] for r in bundle_events if r["service"]}
    for name in sorted(plan.nodes):
        if not filters.wants_node(name):
            continue
        logs = plan.nodes[name]
        offset = corrections[name].offset_s if name in corrections else 0.0
        clock = NodeClock.of(logs.info, offset, _newest_mtime(logs.files))
        for log in sorted(logs.files, key=lambda f: f.rel):
            services.add(service_from_path(log.rel))
            if log.disk_path in pre_scanned:
                streams.append(_shifted(pre_scanned[log.disk_path], offset, filters))
            else:
                streams.append(_file_records(log, name, clock, scanner, filters, warn, before_read))
    return Timeline(nodes=nodes, corrections=corrections, streams=streams, services=services,
                    notes=notes)


def _newest_mtime(files: list[LogFile]) -> datetime | None:
    """Year reference for a node without a collection time: its newest log's mtime."""
    times = []
    for log in files:
        try:
            times.append(os.path.getmtime(log.disk_path))
        except OSError:
            continue
    return datetime.fromtimestamp(max(times), timezone.utc) if times else None


def _shift(rec: dict, offset_s: float) -> dict:
    if rec["ts"] is None or not offset_s:
        return rec
    return dict(rec, ts=rec["ts"] - timedelta(seconds=offset_s), clock_offset_s=offset_s)


def _shifted(records: list[dict], offset_s: float, filters: Filters) -> Iterator[dict]:
    """Records of a pre-scanned file, clock-corrected and filtered while iterated."""
    for rec in records:
        rec = _shift(rec, offset_s)
        if filters.wants_node(rec["node"]) and filters.accepts(rec):
            yield rec


def _corrected_sorted(records: list[dict], corrections: dict[str, ClockCorrection],
                      filters: Filters) -> Iterator[dict]:
    """Tarball events, clock-corrected, in time order, filtered while iterated (the filters
    are complete only once the collection times are known)."""
    big = datetime.max.replace(tzinfo=timezone.utc)
    shifted = sorted((_shift(rec, corrections[rec["node"]].offset_s if rec["node"] in corrections
                             else 0.0) for rec in records),
                     key=lambda r: order_key(dict(r, ts=r["ts"] or big)))
    for rec in shifted:
        if filters.wants_node(rec["node"]) and filters.accepts(rec):
            yield rec


def _read_archives(paths: list[str], aliases: dict[str, str], every_line: bool,
                   nodes: dict[str, NodeInfo], warn: Callable[[str], None]) -> list[dict]:
    """Events of tarball inputs through the pipeline (uncorrected UTC); their nodes are
    merged into `nodes`."""
    if not paths:
        return []
    from analyzer.pipeline import IngestSettings, build_bundle, ingest

    settings = IngestSettings(inputs=list(paths), node_names={p: aliases[p] for p in paths if p in aliases},
                              log_patterns=[EVERY_LINE] if every_line else [])
    bundle = build_bundle(ingest(settings))
    for record in bundle.inputs:
        for err in record.errors:
            warn(err)
    for name, info in bundle.nodes.items():
        nodes[name] = merge(nodes[name], info) if name in nodes else info
    events = bundle.table("events")
    out: list[dict] = []
    if events.empty:
        return out
    seen: set[tuple] = set()
    for row in events.to_dict("records"):
        key = (row["node"], row.get("file"), row.get("line"), row.get("message"))
        if key in seen:   # one sosreport given twice (alone and in a sos-collector tarball)
            continue
        seen.add(key)
        # the pipeline already moved skewed clocks (`ts`); the timeline corrects on its own
        ts = row.get("ts_logged", row.get("ts"))
        out.append({
            "ts": None if ts is None or ts != ts else ts.to_pydatetime(),
            "node": row["node"], "service": row.get("service"), "level": row.get("level"),
            "logger": _none(row.get("logger")), "pid": _none(row.get("pid")),
            "request_id": _none(row.get("request_id")), "file": row.get("file"),
            "line": int(row["line"]) if _none(row.get("line")) is not None else None,
            "message": row.get("message") or "", "detail": _none(row.get("detail")) or "",
            "clock_offset_s": 0.0,
            "matched": [m for m in (row.get("matched") or ()) if m != EVERY_LINE[0]]})
    return out


def _none(value):
    """NaN/NaT/None -> None; anything else as it is."""
    if value is None:
        return None
    try:
        return None if value != value else value
    except (TypeError, ValueError):
        return value


# ---------------------------------------------------------------------------------------------
# Time arguments

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)([smhdw]))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta | None:
    """`2h`, `90m`, `1h30m`, `2d` -> timedelta; None when `text` is not a duration."""
    text = text.strip().lower()
    if not _DURATION.match(text):
        return None
    return timedelta(seconds=sum(float(n) * _UNIT_S[u] for n, u in _DURATION_PART.findall(text)))


def parse_time(text: str) -> datetime:
    """An ISO-8601 time (`2022-05-14T04:45`, `2022-05-14 04:45:52.3+02:00`, `...Z`) as aware
    UTC; a naive one is UTC. ValueError when it is not one."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    ts = datetime.fromisoformat(value)
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def resolve_time_arg(text: str | None, latest: datetime | None) -> datetime | None:
    """--since/--until value: ISO time, or a duration before `latest` (the latest collection
    time). ValueError with a message for the user when it cannot be used."""
    if text is None:
        return None
    span = parse_duration(text)
    if span is None:
        try:
            return parse_time(text)
        except ValueError:
            raise ValueError(f"{text!r} is neither an ISO time (2022-05-14T04:45:00, naive = UTC) "
                             f"nor a duration (2h, 30m, 1d)") from None
    if latest is None:
        raise ValueError(f"{text!r} is relative to the collection time, which no input gives; "
                         f"use an ISO time")
    return latest - span


# ---------------------------------------------------------------------------------------------
# Output


def iso_ms(ts: datetime | None) -> str:
    """`2022-05-14T04:45:52.310Z`; empty for None."""
    if ts is None:
        return ""
    ts = ts.astimezone(timezone.utc)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class TextFormatter:
    """Fixed columns: time, node, service, level, message; detail lines indented below."""

    TIME_WIDTH = 24

    def __init__(self, node_width: int, service_width: int):
        self.node_width = max(node_width, 4)
        self.service_width = max(min(service_width, 24), 7)

    def __call__(self, rec: dict) -> str:
        ts = iso_ms(rec["ts"]) or "-"
        head = (f"{ts:<{self.TIME_WIDTH}} {rec['node']:<{self.node_width}} "
                f"{rec['service'] or '-':<{self.service_width}} {rec['level']:<8} {rec['message']}")
        if not rec["detail"]:
            return head
        return head + "".join(f"\n    {line}" for line in rec["detail"].split("\n"))


def json_row(rec: dict) -> dict:
    """The record as plain JSON values (RECORD_FIELDS)."""
    out = {k: rec.get(k) for k in RECORD_FIELDS}
    out["ts"] = iso_ms(rec["ts"]) or None
    return out
