"""Read one INPUT into units: catalogue, read wanted members once, parse, scan logs, inventory.

`read_input(path, options)` is a pure function of the input (it runs in a worker process for
``--jobs N``) and returns an :class:`InputResult`: one :class:`UnitResult` per sosreport,
container export or loose file found, each with parsed rows, log records and its inventory.
Node identity is resolved later from each unit's identity artifacts.
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import posixpath
import re
import stat
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from analyzer.errors import ParseError
from analyzer.ingest.catalogue import Catalogue, Match, default_catalogue
from analyzer.ingest.entries import (DIR, FILE, HARDLINK, SPECIAL, SYMLINK, RawEntry, iter_directory,
                                     iter_tar, resolve_link)
from analyzer.ingest.member import Member
from analyzer.logs.chunks import ChunkTotals, scan_chunks
from analyzer.ingest.prefetch import PrefetchReader
from analyzer.ingest.xzblocks import ParallelXzReader, xz_layout
from analyzer.ingest.sniff import sniff_kind
from analyzer.ingest.streams import (CountingReader, Prepended, decompressing_reader, is_tar_header,
                                     looks_like_tar_name, read_bounded_tail, read_head, sniff_compression)

# Kinds kept as text for node identity (they may also have a parser).
IDENTITY_KINDS = {"hostname", "hostname_fqdn", "hostnamectl", "date", "date_utc", "timedatectl",
                  "localtime", "timezone_file", "sos_version", "sos_manifest", "rhosp_release",
                  "os_release", "installed_rpms"}
FHS_ROOT = {"bin", "boot", "dev", "etc", "home", "lib", "lib64", "media", "mnt", "opt", "proc",
            "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var"}
MAX_NESTING = 3
COMPACT_RECORDS = 5000   # log records kept as dicts before they are packed into a DataFrame
PASTED_DATE = re.compile(rb"^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d (?:UTC|GMT) \d{4}$", re.M)
PENDING_CAP = 256 * 1024 * 1024   # sos_strings tails held until their links are seen
READ_ERRORS = (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error, ValueError)


@dataclass
class ReadOptions:
    catalogue: Catalogue | None = None
    node_names: dict[str, str] = field(default_factory=dict)   # input path -> --node NAME
    log_patterns: list[tuple[str, object]] = field(default_factory=list)   # (id, regex) of rules
    log_scopes: dict[str, tuple] = field(default_factory=dict)   # id -> (service globs, path globs)
    progress: Callable[[int], None] | None = None             # called with compressed bytes read

    def cat(self) -> Catalogue:
        return self.catalogue or default_catalogue()

    def node_name(self, path: str) -> str | None:
        """The --node NAME given for `path` (matched on the real path, so a file inside a case
        folder given as input is named too)."""
        if not self.node_names:
            return None
        real = os.path.realpath(path)
        for given, name in self.node_names.items():
            if os.path.realpath(given) == real:
                return name
        return None


@dataclass
class UnitResult:
    """Everything read from one sosreport / export / loose file."""

    unit: str
    kind: str                                  # sosreport | container-export | directory | file
    name_hint: str | None = None               # --node NAME, else None
    identity: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # kind -> [(path, text)]
    rows: dict[str, list[dict]] = field(default_factory=dict)
    log_records: list[dict] = field(default_factory=list)     # not yet compacted
    log_frames: list = field(default_factory=list)             # compacted records (DataFrames)
    log_counts: dict[str, int] = field(default_factory=dict)
    inventory: list[dict] = field(default_factory=list)
    runtime_hint: str | None = None

    def add_log_records(self, records) -> None:
        """Keep scanner records; every COMPACT_RECORDS they become a DataFrame (a dict per
        record costs about twice the memory of a row)."""
        self.log_records.extend(records)
        if len(self.log_records) >= COMPACT_RECORDS:
            self.compact_logs()

    def compact_logs(self) -> None:
        if self.log_records:
            import pandas as pd

            self.log_frames.append(pd.DataFrame.from_records(self.log_records))
            self.log_records = []

    def take_log_frame(self):
        """All log records of the unit as one DataFrame (None when there are none); the unit
        lets go of them."""
        self.compact_logs()
        frames, self.log_frames = self.log_frames, []
        if not frames:
            return None
        import pandas as pd

        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    @property
    def has_logs(self) -> bool:
        return bool(self.log_records or self.log_frames)

    @property
    def catalogued(self) -> int:
        return sum(1 for r in self.inventory if r["status"] == "parsed")


@dataclass
class InputResult:
    path: str
    kind: str                                   # sosreport | bundle | container-export | directory | file
    status: str = "ok"
    errors: list[str] = field(default_factory=list)
    units: list[UnitResult] = field(default_factory=list)
    inventory: list[dict] = field(default_factory=list)  # entries not attributed to a unit
    bytes_read: int = 0


class _UnitReader:
    """Consumes the raw entries of one unit and dispatches the wanted ones."""

    def __init__(self, result: UnitResult, input_path: str, options: ReadOptions, scanner):
        self.result = result
        self.input = input_path
        self.options = options
        self.catalogue = options.cat()
        self.scanner = scanner
        self.link_aliases: dict[str, list[tuple[str, Match]]] = {}   # target -> [(link path, match)]
        self.pending: dict[str, tuple[bytes, int, bool]] = {}          # sos_strings data by path
        self.pending_bytes = 0
        self.seen: set[str] = set()

    # -- inventory -------------------------------------------------------------------------
    def note(self, path: str, kind: str | None, status: str, size: int = 0, reason: str | None = None,
             parser: str | None = None, line: int | None = None) -> None:
        self.result.inventory.append({
            "input": self.input, "unit": self.result.unit, "path": path, "kind": kind,
            "status": status, "bytes": size, "reason": reason, "parser": parser, "line": line})

    # -- entries ---------------------------------------------------------------------------
    def entry(self, e: RawEntry, rel: str) -> None:
        if e.type == DIR:
            return
        if e.unsafe:
            self.note(e.raw_name, None, "error", e.size, f"unsafe member skipped: {e.unsafe}")
            return
        if e.type == SPECIAL:
            self.note(rel, None, "skipped", 0, "device, fifo or other special file: not read")
            return
        match = self.catalogue.match(rel)
        if e.type in (SYMLINK, HARDLINK):
            self._link(e, rel, match)
            return
        if rel.startswith("sos_strings/"):
            self._pending_or_alias(e, rel)
            return
        aliases = self.link_aliases.pop(rel, [])
        if match is None and not aliases:
            self.note(rel, None, "skipped", e.size, "not in the catalogue")
            return
        if rel in self.seen:   # a folder's link inside it was followed to this file already
            self.note(rel, match.kind if match else None, "skipped", e.size, "already read through a link to it")
            return
        if match is not None and match.kind == "log" and not aliases and self.scanner is not None:
            self._scan_log(e, rel, match)
            return
        data, size, truncated = e.read(self._cap(match or aliases[0][1]))
        if match is not None:
            self._dispatch(rel, match, data, size, truncated)
        for link_path, link_match in aliases:
            self._dispatch(link_path, link_match, data, size, truncated, via=rel)

    def _cap(self, match: Match) -> int:
        return match.max_bytes

    def _scan_log(self, e: RawEntry, rel: str, match: Match) -> None:
        """Scan a log member whole, in chunks (memory bounded by the chunk, not the log)."""
        self.seen.add(rel)
        source = _GuardedSource(e.opener())
        stream: BinaryIO = source
        totals = ChunkTotals()
        problem = None
        try:
            if rel.endswith(".gz"):
                magic = read_head(source, 2)
                stream = Prepended(magic, source)
                if magic == b"\x1f\x8b":
                    stream = gzip.GzipFile(fileobj=stream)
            batch: list[dict] = []
            scanner = self.scanner.scanner_for(rel)
            for record in scan_chunks(stream, rel, scanner, match.hint, totals=totals):
                batch.append(self.scanner.expand(record))
                if len(batch) >= COMPACT_RECORDS:
                    self.result.add_log_records(batch)
                    batch = []
            self.result.add_log_records(batch)
        except _ArchiveReadError as exc:
            self._log_noted(rel, totals, e.size, f"archive damaged while reading this log: {exc.error}")
            raise exc.error from None
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            problem = f"compressed log damaged ({exc}); the readable part was scanned"
        finally:
            source.close()
        self._log_noted(rel, totals, e.size, problem)

    def _log_noted(self, rel: str, totals: "ChunkTotals", size: int, problem: str | None) -> None:
        for level, n in totals.counts.items():
            self.result.log_counts[level] = self.result.log_counts.get(level, 0) + n
        parser = f"logs:{totals.format or 'unknown'}"
        for line, message in totals.problems[:20]:
            self.note(rel, "log", "error", 0, message, parser=parser, line=line)
        if len(totals.problems) > 20:
            self.note(rel, "log", "error", 0, f"{len(totals.problems) - 20} more problems of the same file "
                                              "not listed", parser=parser)
        if problem:
            self.note(rel, "log", "error", size, problem, parser=parser)
        else:
            self.note(rel, "log", "parsed", size, None, parser=parser)

    def _link(self, e: RawEntry, rel: str, match: Match | None) -> None:
        if match is not None and match.kind == "localtime":
            # the target names the zone; it is never followed
            self._dispatch(rel, match, (e.linkname or "").encode(), 0, False)
            return
        if e.type == HARDLINK:
            target, _ = _hardlink_target(e.linkname or "", self.result.unit)
        else:
            target = resolve_link(rel, e.linkname or "")
        if target is None:
            self.note(rel, match.kind if match else None, "skipped", 0,
                      f"link to {e.linkname!r} points outside the archive: not followed")
            return
        if match is None:
            self.note(rel, None, "skipped", 0, f"link to {target} (read at its target when wanted)")
            return
        if target in self.pending:
            data, size, truncated = self.pending.pop(target)
            self.pending_bytes -= len(data)
            self._dispatch(rel, match, data, size, truncated, via=target)
        elif target in self.seen:
            self.note(rel, match.kind, "skipped", 0, f"link to {target}, already read there")
        else:
            self.link_aliases.setdefault(target, []).append((rel, match))

    def _pending_or_alias(self, e: RawEntry, rel: str) -> None:
        aliases = self.link_aliases.pop(rel, [])
        if aliases:
            data, size, truncated = e.read(self._cap(aliases[0][1]))
            for link_path, link_match in aliases:
                self._dispatch(link_path, link_match, data, size, truncated, via=rel)
            return
        cap = min(64 * 1024 * 1024, PENDING_CAP - self.pending_bytes)
        if cap <= 0:
            self.note(rel, None, "skipped", e.size, "tailed file held back over the memory cap")
            return
        data, size, truncated = e.read(cap)
        self.pending[rel] = (data, size, truncated)
        self.pending_bytes += len(data)

    def _dispatch(self, path: str, match: Match, data: bytes, size: int, truncated: bool,
                  via: str | None = None) -> None:
        self.seen.add(via or path)
        if path.endswith(".gz") and data[:2] == b"\x1f\x8b":
            from analyzer.logs.scan import gunzip

            data, problems = gunzip(data, match.max_bytes)
            for _, problem in problems:
                if "only the last" in problem:
                    truncated = True
                else:
                    self.note(path, match.kind, "error", size, f"{problem}; read what was readable")
        member = Member(input=self.input, unit=self.result.unit, path=path, kind=match.kind,
                        data=data, size=size, hint=match.hint, truncated=truncated)
        process_member(member, self.result, self.scanner, self.note, via=via)

    def finish(self) -> None:
        for target, aliases in self.link_aliases.items():
            for link_path, match in aliases:
                self.note(link_path, match.kind, "skipped", 0, f"link target {target} not in the archive")
        for rel, (data, size, _) in self.pending.items():
            self.note(rel, None, "skipped", size, "tailed copy with no link to it in the catalogue")
        self.link_aliases.clear()
        self.pending.clear()


class _ArchiveReadError(Exception):
    """A read error of the archive itself (not of a compressed log inside it)."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


class _GuardedSource(io.RawIOBase):
    """A member's stream whose read errors are told apart from the log's own decompression."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        try:
            return self._stream.read(n)
        except READ_ERRORS as exc:
            raise _ArchiveReadError(exc) from exc

    @property
    def read_block(self):
        """The member's read_block (up to n bytes as they come), guarded the same way."""
        inner = getattr(self._stream, "read_block", None)
        if inner is None:
            raise AttributeError("read_block")

        def read_block(n: int) -> bytes:
            try:
                return inner(n)
            except READ_ERRORS as exc:
                raise _ArchiveReadError(exc) from exc
        return read_block

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def process_member(member: Member, result: UnitResult, scanner, note, via: str | None = None) -> None:
    """Parse one member into the unit's rows / log records / identity; record it."""
    from analyzer.parsers import load_all

    registry = load_all()
    text = None
    extra = []
    if member.truncated:
        extra.append(f"only the last {len(member.data)} of {member.size} bytes read (size cap)")
    if via:
        extra.append(f"read through link to {via}")
    if member.kind in IDENTITY_KINDS:
        text = member.text()
        result.identity.setdefault(member.kind, []).append((member.path, text))
    if member.kind == "container_ps":
        result.runtime_hint = "podman" if "podman" in member.path else "docker"
    if member.kind == "log":
        if scanner is None:
            note(member.path, "log", "skipped", member.size, "log scanner not available")
            return
        try:
            scan = scanner.scanner_for(member.path).scan(member.data, member.path, member.hint, None)
            for record in scan.records:
                scanner.expand(record)
        except Exception as exc:  # a scanner bug must not end the run
            note(member.path, "log", "error", member.size, f"log scanner failed: {exc!r}")
            return
        result.add_log_records(scan.records)
        for level, n in scan.counts.items():
            result.log_counts[level] = result.log_counts.get(level, 0) + n
        for line, problem in scan.problems[:20]:
            note(member.path, "log", "error", 0, problem, parser=f"logs:{scan.format}", line=line)
        notes = extra + member.notes
        note(member.path, "log", "parsed", member.size, "; ".join(notes) or None, parser=f"logs:{scan.format}")
        return
    spec = registry.get(member.kind)
    if spec is None:
        status = "parsed" if member.kind in IDENTITY_KINDS else "skipped"
        reason = None if status == "parsed" else f"no parser for artifact kind {member.kind}"
        note(member.path, member.kind, status, member.size, "; ".join(extra + ([reason] if reason else [])) or None)
        return
    if text is None:
        text = member.text()
    try:
        tables = spec.fn(text, member.path)
        error = None
    except ParseError as exc:   # a parser bug arrives as one too (parsers.base.parser)
        tables = getattr(exc, "partial", None) or {}
        error = exc
    for table, rows in tables.items():
        bucket = result.rows.setdefault(table, [])
        for row in rows:
            row["source"] = member.path
            bucket.append(row)
    notes = extra + member.notes
    if error is not None:
        note(member.path, member.kind, "error", member.size, error.message, parser=spec.name, line=error.line)
    else:
        note(member.path, member.kind, "parsed", member.size, "; ".join(notes) or None, parser=spec.name)


def _hardlink_target(linkname: str, unit: str) -> tuple[str | None, str | None]:
    from analyzer.ingest.entries import normalise

    path, unsafe = normalise(linkname)
    if unsafe:
        return None, unsafe
    if unit and path.startswith(unit + "/"):
        return path[len(unit) + 1:], None
    return (path, None) if not unit else (None, "outside the unit")


def _make_scanner(options: ReadOptions):
    from analyzer.ingest.logrouter import LogRouter

    return LogRouter(options.log_patterns, options.log_scopes)


# ---------------------------------------------------------------------------------------------
# Inputs


def read_input(path: str, options: ReadOptions | None = None) -> InputResult:
    """Read one INPUT (archive, directory or loose file) into units."""
    options = options or ReadOptions()
    scanner = _make_scanner(options)
    if os.path.isdir(path):
        return _read_directory_input(path, options, scanner)
    if not os.path.exists(path):
        return InputResult(path=path, kind="file", status="error", errors=[f"{path}: no such file or directory"])
    try:
        raw = open(path, "rb")
    except OSError as exc:
        return InputResult(path=path, kind="file", status="error", errors=[f"{path}: cannot open: {exc.strerror}"])
    with raw:
        return _read_file_input(path, raw, options, scanner)


def _read_file_input(path: str, raw: BinaryIO, options: ReadOptions, scanner) -> InputResult:
    """A file input: an archive (any compression), or a loose file recognised by content."""
    prefetch = None
    try:
        counting = CountingReader(raw, options.progress)
        buffered = io.BufferedReader(counting, buffer_size=1 << 20)
        head = buffered.peek(6)[:6]
        compression = sniff_compression(head)
        try:
            layout = _xz_blocks(raw) if compression == "xz" else None
            if layout is not None:   # sos's `xz -T` archives: blocks decoded in parallel
                stream = prefetch = ParallelXzReader(raw.fileno(), layout, workers=_xz_workers(),
                                                     on_read=counting.add, counted=counting.count)
            else:
                stream = decompressing_reader(buffered, compression)
                if compression:
                    stream = prefetch = PrefetchReader(stream)   # decompress in a thread while we parse
            first = read_head(stream, 512)
        except READ_ERRORS as exc:
            return InputResult(path=path, kind="file", status="error",
                               errors=[f"{path}: damaged {compression} data: {exc}"])
        stream = Prepended(first, stream)
        if is_tar_header(first) or (first == b"\0" * 512 and (compression or looks_like_tar_name(path))):
            result = InputResult(path=path, kind="sosreport")
            _read_tar_stream(stream, path, result, options, scanner, depth=0, prefix="")
            _drain(stream, path, result)
            result.bytes_read = counting.count
            return result
        return _read_loose(path, stream, options, scanner, compression, counting)
    finally:
        if prefetch is not None:
            prefetch.close()


def _xz_blocks(raw: BinaryIO):
    """The block layout of a regular .xz file (see ingest.xzblocks), else None."""
    try:
        fd = raw.fileno()
        info = os.fstat(fd)
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return xz_layout(fd, info.st_size)


def _xz_workers() -> int:
    """Decoding threads: one core is left to the parsing thread, two at least, four at most."""
    cores = os.cpu_count() or 1
    return 1 if cores < 2 else max(2, min(4, cores - 1))


def _drain(stream: BinaryIO, path: str, result: InputResult) -> None:
    """Read past the tar end marker so damage in the compressed tail is still reported."""
    if result.status != "ok":
        return
    try:
        while stream.read(1 << 20):
            pass
    except READ_ERRORS as exc:
        result.status = "partial"
        result.errors.append(f"{path}: archive damaged or truncated after its last member: {exc}")


def unit_name_from_input(path: str) -> str:
    base = os.path.basename(path.rstrip("/"))
    for suffix in sorted((".tar.xz", ".tar.gz", ".tar.bz2", ".tar.zst", ".tar.zstd", ".tar", ".txz",
                          ".tgz", ".tbz2", ".tzst", ".xz", ".gz", ".bz2", ".zst"), key=len, reverse=True):
        if base.lower().endswith(suffix):
            return base[: -len(suffix)]
    return base


def _read_tar_stream(stream: BinaryIO, input_path: str, result: InputResult, options: ReadOptions,
                     scanner, depth: int, prefix: str) -> None:
    """Walk a tar stream; units are the top folders (sosreports) or the whole archive (exports)."""
    readers: dict[str, _UnitReader] = {}
    layout: str | None = None
    flat_unit = prefix + unit_name_from_input(input_path if not prefix else prefix.rstrip("/"))
    node_hint = options.node_name(input_path)

    def unit_reader(unit: str, kind: str) -> _UnitReader:
        if unit not in readers:
            ur = UnitResult(unit=unit, kind=kind, name_hint=node_hint)
            result.units.append(ur)
            readers[unit] = _UnitReader(ur, input_path, options, scanner)
        return readers[unit]

    try:
        for e in iter_tar(stream):
            if e.unsafe:
                result.inventory.append(_inv(input_path, prefix + e.raw_name, None, "error", e.size,
                                             f"unsafe member skipped: {e.unsafe}"))
                continue
            if e.type == FILE and looks_like_tar_name(e.path) and (layout != "flat" or depth == 0) \
                    and e.path.count("/") <= 2 and not _inside_sosreport(e.path):
                _read_nested(e, input_path, result, options, scanner, depth, prefix)
                continue
            if layout is None and e.path:
                top = e.path.split("/", 1)[0]
                layout = "flat" if (top in FHS_ROOT or top.startswith(".")) else "rooted"
                if layout == "flat" and not prefix:
                    result.kind = "container-export"
            if layout == "rooted":
                top, _, rel = e.path.partition("/")
                if not rel:
                    continue
                reader = unit_reader(prefix + top, "sosreport")
                reader.entry(e, rel)
            else:
                reader = unit_reader(flat_unit, "container-export")
                reader.entry(e, e.path)
    except READ_ERRORS as exc:
        result.status = "partial" if result.units or result.inventory else "error"
        msg = f"{input_path}{(':' + prefix) if prefix else ''}: archive damaged or truncated: {exc}; " \
              f"what was readable before it is used"
        if isinstance(exc, tarfile.ReadError) and not result.units and not result.inventory:
            msg = f"{input_path}: not a readable tar archive: {exc}"
        result.errors.append(msg)
    finally:
        for reader in readers.values():
            reader.finish()
    # units that held nothing catalogued (e.g. a sos-collector top folder with only its logs)
    kept = []
    for unit in result.units:
        if unit.identity or unit.rows or unit.has_logs or unit.catalogued:
            kept.append(unit)
        else:
            result.inventory.extend(unit.inventory)
    result.units = kept


def _inside_sosreport(path: str) -> bool:
    parts = path.split("/")
    return any(p in ("sos_commands", "sos_strings", "var", "etc") for p in parts[:-1])


def _read_nested(e: RawEntry, input_path: str, result: InputResult, options: ReadOptions, scanner,
                 depth: int, prefix: str) -> None:
    name = prefix + e.path
    if depth + 1 > MAX_NESTING:
        result.inventory.append(_inv(input_path, name, None, "skipped", e.size,
                                     f"archive nested deeper than {MAX_NESTING} levels: not opened"))
        return
    result.kind = "bundle"
    inner = e.opener()
    try:
        magic = read_head(inner, 6)
        compression = sniff_compression(magic)
        stream = decompressing_reader(Prepended(magic, inner), compression)
        first = read_head(stream, 512)
        if not is_tar_header(first):
            result.inventory.append(_inv(input_path, name, None, "skipped", e.size, "not a tar archive"))
            return
        stream = Prepended(first, stream)
        before = len(result.errors)
        _read_tar_stream(stream, input_path, result, options, scanner, depth + 1, name + "/")
        if len(result.errors) > before and result.status == "ok":
            result.status = "partial"
    except READ_ERRORS as exc:
        result.errors.append(f"{input_path}:{name}: nested archive damaged: {exc}")
        result.status = "partial"
    finally:
        inner.close()


def _inv(input_path, path, kind, status, size, reason, unit=None):
    return {"input": input_path, "unit": unit, "path": path, "kind": kind, "status": status,
            "bytes": size, "reason": reason, "parser": None, "line": None}


def _read_loose(path: str, stream: BinaryIO, options: ReadOptions, scanner, compression: str | None,
                counting: CountingReader) -> InputResult:
    """A loose file: recognise it by content and treat it as a one-member unit."""
    result = InputResult(path=path, kind="file")
    try:
        head = read_head(stream, 65536)
        stream = Prepended(head, stream)
        guess = sniff_kind(head)
        if guess is None:
            # a catalogued name (e.g. haproxy.cfg) still counts
            match = options.cat().match(os.path.basename(path)) or options.cat().match(
                "etc/haproxy/" + os.path.basename(path))
            if match is None:
                result.status = "error"
                result.errors.append(f"{path}: not a tar archive, a sosreport directory, nor a recognised "
                                     f"command output, config or log")
                result.inventory.append(_inv(path, os.path.basename(path), None, "error", 0,
                                             "content not recognised"))
                return result
            guess = (match.kind, match.hint)
        kind, hint = guess
        cap = options.cat().match("var/log/messages").max_bytes if kind == "log" else 64 * 1024 * 1024
        data, size, truncated = read_bounded_tail(stream, cap)
    except READ_ERRORS as exc:
        result.status = "error"
        result.errors.append(f"{path}: damaged {compression or ''} data: {exc}")
        return result
    unit = UnitResult(unit=unit_name_from_input(path), kind="file", name_hint=options.node_name(path))
    reader = _UnitReader(unit, path, options, scanner)
    rel = os.path.basename(path)
    if compression and rel.endswith(".gz"):
        rel = rel[:-3]
    member = Member(input=path, unit=unit.unit, path=rel, kind=kind, data=data, size=size, hint=hint,
                    truncated=truncated)
    member.notes.append(f"recognised by content as {kind}")
    pasted_date = PASTED_DATE.search(data, 0, 65536) if kind != "log" else None
    if pasted_date:   # a paste that holds `date -u` says when it was taken: its collection time
        unit.identity.setdefault("date_utc", []).append((rel, pasted_date.group(0).decode("ascii", "replace")))
    process_member(member, unit, scanner, reader.note)
    result.units.append(unit)
    result.bytes_read = counting.count
    return result


# ---------------------------------------------------------------------------------------------
# Directories

def is_sosreport_dir(path: str) -> bool:
    return any(os.path.exists(os.path.join(path, marker)) for marker in ("sos_commands", "sos_reports", "version.txt")) \
        and not os.path.islink(path)


def _read_directory_input(path: str, options: ReadOptions, scanner) -> InputResult:
    result = InputResult(path=path, kind="directory")
    root = os.path.abspath(path)
    if is_sosreport_dir(root):
        result.kind = "sosreport"
        _read_tree(root, "", os.path.basename(root), "sosreport", path, result, options, scanner)
        return result
    containers_root = containers_tree_root(root)
    if containers_root is not None:
        result.kind = "directory"
        name = options.node_name(path) or node_name_for_log_tree(root)
        _read_tree(root, containers_root, name, "directory", path, result, options, scanner)
        return result
    if all(os.path.isdir(os.path.join(root, d)) for d in ("etc", "usr")):
        result.kind = "container-export"
        _read_tree(root, "", os.path.basename(root), "container-export", path, result, options, scanner)
        return result
    # a case folder: sosreport folders, archives and loose files side by side
    result.kind = "bundle"
    for name in sorted(os.listdir(root)):
        child = os.path.join(root, name)
        if os.path.islink(child):
            result.inventory.append(_inv(path, name, None, "skipped", 0, "link in a case folder: not followed"))
            continue
        sub = read_input(child, options) if (os.path.isdir(child) or os.path.isfile(child)) else None
        if sub is None:
            result.inventory.append(_inv(path, name, None, "skipped", 0, "special file: not read"))
            continue
        result.units.extend(sub.units)
        result.inventory.extend(sub.inventory)
        result.errors.extend(sub.errors)
        result.bytes_read += sub.bytes_read
        if sub.status != "ok":
            result.status = "partial"
    if not result.units:
        result.status = "error"
        result.errors.append(f"{path}: no sosreport, archive or recognised file in this folder")
    return result


def containers_tree_root(root: str) -> str | None:
    """Prefix that maps this folder onto ``var/log/containers`` when it is such a tree."""
    norm = root.replace(os.sep, "/").rstrip("/")
    if norm.endswith("/var/log/containers"):
        return "var/log/containers"
    if os.path.isdir(os.path.join(root, "var", "log", "containers")) and not os.path.isdir(os.path.join(root, "sos_commands")):
        return ""
    if os.path.basename(norm) == "containers" and any(
            os.path.isdir(os.path.join(root, d)) for d in ("stdouts", "nova", "neutron", "keystone", "mysql", "rabbitmq")):
        return "var/log/containers"
    return None


def node_name_for_log_tree(root: str) -> str:
    parts = root.replace(os.sep, "/").rstrip("/").split("/")
    if len(parts) >= 4 and parts[-3:] == ["var", "log", "containers"]:
        return parts[-4]
    return parts[-1]


def _read_tree(root: str, prefix: str, unit_name: str, kind: str, input_path: str, result: InputResult,
               options: ReadOptions, scanner) -> None:
    unit = UnitResult(unit=unit_name, kind=kind, name_hint=options.node_name(input_path))
    reader = _UnitReader(unit, input_path, options, scanner)
    real_root = os.path.realpath(root)
    for e in iter_directory(root):
        rel = posixpath.join(prefix, e.path) if prefix else e.path
        if e.type == SYMLINK:
            match = reader.catalogue.match(rel)
            if match is not None and match.kind == "localtime":
                reader.entry(e, rel)   # the link target names the zone; never followed
                continue
            target_abs = os.path.realpath(os.path.join(root, e.path))
            if not (target_abs == real_root or target_abs.startswith(real_root + os.sep)):
                reader.note(rel, match.kind if match else None, "skipped", 0,
                            f"link to {e.linkname!r} points outside the input: not followed")
                continue
            if match is None or not os.path.isfile(target_abs):
                reader.note(rel, match.kind if match else None, "skipped", 0,
                            f"link to {e.linkname} (read at its target when wanted)")
                continue
            e = RawEntry(path=e.path, raw_name=e.raw_name, type=FILE, size=os.path.getsize(target_abs),
                         opener=lambda t=target_abs: open(t, "rb"))
            reader.seen.add(os.path.relpath(target_abs, real_root).replace(os.sep, "/"))
        elif e.type == FILE and rel.startswith("sos_strings/"):
            reader.note(rel, None, "skipped", e.size, "tailed copy: read through the link that points at it")
            continue
        if e.type == FILE and options.progress:
            options.progress(e.size)
        reader.entry(e, rel)
    reader.finish()
    result.units.append(unit)
