"""The candidate-line scanner: records worth keeping from a log's bytes, counts for the rest.

Nothing parses every line. Whole-buffer regex searches find the lines that may matter (the
format's WARNING-or-worse markers, Python traceback starts, the extra patterns rules ask for);
only those lines and the continuation lines after them are parsed. Levels of the other lines
are counted with ``bytes.count`` on the format's level tokens.

    scanner = LogScanner([("rabbitmq.partition", r"running_partitioned_network")])
    result = scanner.scan(member.data, member.path, member.hint, None)
    result.records   # list of dicts, see RECORD_COLUMNS
    result.counts    # {"ERROR": 12, "WARNING": 3, "INFO": 20411, "DEBUG": 0, "CRITICAL": 0}
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from analyzer.logs import clock
from analyzer.logs.formats import (KEPT_LEVELS, LEVELS, RABBITMQ_REPORT, TRACEBACK, LogFormat,
                                   SyslogFormat, sniff)
from analyzer.logs.signature import signature

RECORD_COLUMNS = ("ts_local", "ts_is_utc", "ts_has_year", "service", "file", "line", "level",
                  "logger", "pid", "request_id", "message", "detail", "text", "signature",
                  "matched")

#: at most this many continuation lines / characters are kept in a record's `detail`
MAX_DETAIL_LINES = 400
MAX_DETAIL_CHARS = 64 * 1024
#: how far back (lines) a kept continuation line looks for the record it belongs to
OWNER_LOOKBACK = 200
MAX_DECOMPRESSED = 8 * 1024 ** 3


@dataclass
class ScanResult:
    """What one log file yields."""

    records: list[dict]
    counts: dict[str, int]
    format: str
    problems: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0
    tracebacks: int = 0


def _line_start(data: bytes, pos: int) -> int:
    return data.rfind(b"\n", 0, pos) + 1


def _line_end(data: bytes, start: int) -> int:
    end = data.find(b"\n", start)
    return len(data) if end < 0 else end


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def gunzip(data: bytes) -> tuple[bytes, list[tuple[int, str]]]:
    """Decompress a gzip member (concatenated members included); a truncated or corrupt
    stream yields what decompressed before the damage and a problem."""
    try:
        return gzip.decompress(data), []
    except (OSError, EOFError, zlib.error):
        pass
    out, problems = [], []
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out.append(d.decompress(data, MAX_DECOMPRESSED))
    except zlib.error as exc:
        problems.append((0, f"corrupt gzip data: {exc}"))
    problems = problems or [(0, "truncated gzip data: kept what decompressed")]
    return b"".join(out), problems


_ROTATION = re.compile(r"(\.\d+|-\d{8}|\.gz|\.xz|\.bz2|\.old)+$")


def service_from_path(path: str) -> str:
    """The service a log belongs to, from its path.

    ``var/log/containers/nova/nova-compute.log`` -> ``nova``;
    ``var/log/containers/stdouts/nova_compute.log.1`` -> ``nova_compute`` (the container);
    ``sos_commands/podman/containers/podman_logs_-t_rabbitmq-bundle-podman-0`` ->
    ``rabbitmq-bundle-podman-0``; otherwise the file name without rotation suffixes and
    ``.log`` (``var/log/nova/nova-api.log.1.gz`` -> ``nova-api``).
    """
    parts = PurePosixPath(path).parts
    name = _ROTATION.sub("", parts[-1] if parts else path)
    if "containers" in parts:
        i = parts.index("containers")
        if i + 2 < len(parts) and parts[i - 1:i] == ("log",):
            if parts[i + 1] == "stdouts":
                return re.sub(r"\.log$", "", name)
            return parts[i + 1]
    for prefix in ("podman_logs_-t_", "docker_logs_-t_", "podman_logs_", "docker_logs_"):
        if name.startswith(prefix):
            return name[len(prefix):]
    name = re.sub(r"\.log$", "", name)
    if name.startswith("rabbit@"):
        return "rabbitmq"
    return name or path


def split_alternatives(pattern: bytes) -> list[bytes]:
    """The top-level branches of `A|B|C` (each searched alone keeps the regex engine's
    literal-prefix fast path, many times faster than the alternation); `[pattern]` when it
    has global inline flags or no top-level `|`."""
    if pattern.startswith(b"(?") and pattern[2:3].isalpha():
        return [pattern]
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        c = pattern[i:i + 1]
        if c == b"\\":
            i += 2
            continue
        if in_class:
            in_class = c != b"]"
        elif c == b"[":
            in_class = True
        elif c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
        elif c == b"|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts if len(parts) > 1 and all(parts) else [pattern]


def compile_branches(pattern: bytes, flags: int = 0) -> list[re.Pattern]:
    return [re.compile(branch, flags) for branch in split_alternatives(pattern)]


class LogScanner:
    """Scans log bytes into records. `extra_patterns` are ``(pattern_id, regex)`` pairs:
    lines matching them are kept whatever their level, with the ids in the `matched` column.
    The cluster membership patterns of :mod:`analyzer.logs.clock` are always added (clock skew
    is measured from them) unless `membership=False`."""

    def __init__(self, extra_patterns=(), membership: bool = True):
        patterns = list(extra_patterns) + (list(clock.MEMBERSHIP_PATTERNS) if membership else [])
        self.patterns = []
        for pattern_id, regex in patterns:
            flags = regex.flags & ~re.U if isinstance(regex, re.Pattern) else 0
            source = regex.pattern if isinstance(regex, re.Pattern) else regex
            if isinstance(source, str):
                source = source.encode("utf-8")
            re.compile(source, flags)  # a bad pattern fails here, whole
            self.patterns.append((pattern_id, compile_branches(source, flags),
                                  clock.formats_of(pattern_id)))

    # -- entry point -----------------------------------------------------------------------

    def scan(self, data: bytes, path: str, hint: str | None = None,
             service: str | None = None) -> ScanResult:
        problems: list[tuple[int, str]] = []
        if data[:2] == b"\x1f\x8b":
            data, problems = gunzip(data)
        fmt = sniff(data, hint)
        run = _Run(self, fmt, data, path, service or service_from_path(path), problems)
        return run.execute()


_BRANCHES: dict[str, list[re.Pattern]] = {}


def _format_branches(fmt: LogFormat) -> list[re.Pattern]:
    if fmt.name not in _BRANCHES:
        _BRANCHES[fmt.name] = compile_branches(fmt.candidates.pattern)
    return _BRANCHES[fmt.name]


class _Run:
    """One scan of one buffer (keeps the cursor state out of LogScanner)."""

    def __init__(self, scanner: LogScanner, fmt: LogFormat, data: bytes, path: str,
                 service: str, problems: list):
        self.scanner, self.fmt, self.data, self.path = scanner, fmt, data, path
        self.service = service
        self.problems = problems
        self.records: list[dict] = []
        self.exact = dict.fromkeys(LEVELS, 0)  # lines of levels found by the candidate search
        self.program_service = isinstance(fmt, SyslogFormat) and fmt.name != "haproxy"

    def candidates(self) -> dict[int, list[str]]:
        """Line start offset -> ids of the extra patterns matched on that line."""
        data, found = self.data, {}
        for branch in _format_branches(self.fmt):
            for m in branch.finditer(data):
                found.setdefault(_line_start(data, m.start()), [])
        pos = data.find(TRACEBACK)
        while pos >= 0:
            found.setdefault(_line_start(data, pos), [])
            pos = data.find(TRACEBACK, pos + len(TRACEBACK))
        for pattern_id, branches, formats in self.scanner.patterns:
            if formats is not None and self.fmt.name not in formats:
                continue
            for branch in branches:
                for m in branch.finditer(data):
                    ids = found.setdefault(_line_start(data, m.start()), [])
                    if pattern_id not in ids:
                        ids.append(pattern_id)
        return found

    def execute(self) -> ScanResult:
        data = self.data
        found = self.candidates()
        line_no, counted_to = 1, 0
        consumed_to = 0
        current: dict | None = None
        for start in sorted(found):
            tags = found[start]
            if start < consumed_to:
                if current is not None:
                    for tag in tags:
                        if tag not in current["matched"]:
                            current["matched"].append(tag)
                continue
            line_no += data.count(b"\n", counted_to, start)
            counted_to = start
            end = _line_end(data, start)
            parsed = self.parse(data[start:end], line_no)
            if parsed is None:
                current, consumed_to = self.orphan(start, end, line_no, tags)
                continue
            if not self.keep(parsed, tags, data[start:end]):
                continue
            current = self.record(parsed, data[start:end], line_no, tags)
            consumed_to = self.consume(current, end)
        total = line_no - 1 + data.count(b"\n", counted_to) + (
            1 if data and not data.endswith(b"\n") else 0)
        return ScanResult(self.finish(), self.counts(total), self.fmt.name, self.problems, total,
                          sum(r["message"].count("Traceback (most recent call last)")
                              + r["detail"].count("Traceback (most recent call last)")
                              for r in self.records))

    # -- lines -----------------------------------------------------------------------------

    def parse(self, raw: bytes, line_no: int) -> dict | None:
        parsed = self.fmt.parse(raw.rstrip(b"\r"))
        if parsed is not None and parsed["ts_error"]:
            self.problems.append((line_no, f"unparsable timestamp: {parsed['ts_error']}"))
        if parsed is not None and parsed["level"] in KEPT_LEVELS:
            self.exact[parsed["level"]] += 1
        return parsed

    def keep(self, parsed: dict, tags: list, raw: bytes) -> bool:
        return bool(parsed["level"] in KEPT_LEVELS or tags or TRACEBACK in raw)

    def record(self, parsed: dict, raw: bytes, line_no: int, tags: list) -> dict:
        message = _decode(parsed["message"]).rstrip("\r")
        ts = parsed["ts"]
        level = parsed["level"] or ("ERROR" if message.startswith("Traceback") else "INFO")
        rec = {
            "ts_local": ts, "ts_is_utc": ts is not None and ts.tzinfo is not None,
            "ts_has_year": parsed["has_year"],
            "service": self.service, "file": self.path, "line": line_no, "level": level,
            "logger": parsed["logger"], "pid": parsed["pid"],
            "request_id": parsed["request_id"], "message": message, "detail": "",
            "text": _decode(raw).rstrip("\r"), "signature": "", "matched": list(tags),
            "_detail": [], "_chars": 0,
        }
        if isinstance(self.fmt, SyslogFormat):
            rec["message"] = message.strip()
        if self.program_service and parsed["logger"]:
            rec["service"] = re.sub(r"\(.*$", "", parsed["logger"])
        if parsed.get("inner") is not None:
            rec["_inner"], rec["_inner_ts"] = parsed["inner"], parsed["inner_ts"]
        self.records.append(rec)
        return rec

    def consume(self, rec: dict, end: int) -> int:
        """Fold the lines after a kept record's first line while they continue it; returns the
        offset where the record ends."""
        data, fmt = self.data, self.fmt
        pos = end + 1
        while pos < len(data):
            nxt = _line_end(data, pos)
            raw = data[pos:nxt].rstrip(b"\r")
            parsed = fmt.parse(raw)
            if not fmt.continues(rec, parsed, raw):
                break
            if parsed is not None and parsed["level"] in KEPT_LEVELS:
                self.exact[parsed["level"]] += 1
            if len(rec["_detail"]) >= MAX_DETAIL_LINES or rec["_chars"] > MAX_DETAIL_CHARS:
                rec["_truncated"] = True
            else:
                text = _decode(parsed["message"] if parsed is not None
                               and fmt.name != "plain" else raw)
                rec["_detail"].append(text)
                rec["_chars"] += len(text)
            pos = nxt + 1
        return pos

    def orphan(self, start: int, end: int, line_no: int, tags: list):
        """A wanted line (traceback start, extra pattern) that does not start a record: keep
        the record it continues, looking back a few lines for its first line."""
        data, fmt = self.data, self.fmt
        pos, back = start, 0
        while pos > 0 and back < OWNER_LOOKBACK:
            prev = _line_start(data, pos - 1)
            back += 1
            raw = data[prev:pos - 1].rstrip(b"\r")
            parsed = fmt.parse(raw)
            if parsed is not None:
                rec = self.record(parsed, raw, line_no - back, tags)
                return rec, self.consume(rec, pos - 1)
            pos = prev
        raw = data[start:end].rstrip(b"\r")
        if TRACEBACK not in raw and not tags:
            return None, start
        parsed = {"ts": None, "has_year": True, "level": None, "logger": None, "pid": None,
                  "request_id": None, "message": raw}
        rec = self.record(parsed, raw, line_no, tags)
        self.problems.append((line_no, "kept line has no timestamp"))
        return rec, self.consume(rec, end)

    # -- results ---------------------------------------------------------------------------

    def finish(self) -> list[dict]:
        for rec in self.records:
            detail = rec.pop("_detail")
            if self.fmt is RABBITMQ_REPORT and not rec["message"].strip() and detail:
                rec["message"], detail = detail[0], detail[1:]
            while detail and not detail[-1].strip():
                detail.pop()
            rec["detail"] = "\n".join(detail)
            if rec.pop("_truncated", False):
                rec["detail"] += "\n[...]"
            for key in ("_chars", "_inner", "_inner_ts", "_tb"):
                rec.pop(key, None)
            rec["signature"] = signature(rec["message"])
        return self.records

    def counts(self, total_lines: int) -> dict[str, int]:
        counts = dict(self.exact)
        if self.fmt.counted:
            for level, tokens in self.fmt.counted.items():
                counts[level] += sum(self.data.count(tok) for tok in tokens)
        else:
            counts["INFO"] = max(0, total_lines - sum(counts.values()))
        return counts
