"""The candidate-line scanner: records worth keeping from a log's bytes, counts for the rest.

Nothing parses every line. One search over the buffer (:mod:`analyzer.logs.literals`: the
literals every candidate contains, each found through its rarest byte) finds the lines that
may matter (the format's WARNING-or-worse markers, Python traceback starts, the extra patterns
rules ask for); a pattern without a literal of 3 bytes or more is searched with its regex.
Only those lines and the continuation lines after them are parsed. Levels of the other lines
are counted from the occurrences of the format's level tokens found in the same search, and
line numbers by counting newlines between the kept lines only. Memory grows with the records
kept: no list of lines is ever built.

    scanner = LogScanner([("rabbitmq.partition", r"running_partitioned_network")])
    result = scanner.scan(member.data, member.path, member.hint, None)
    result.records   # list of dicts, see RECORD_COLUMNS
    result.counts    # {"ERROR": 12, "WARNING": 3, "INFO": 20411, "DEBUG": 0, "CRITICAL": 0}
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from analyzer.logs import clock
from analyzer.logs.literals import (LiteralSearch, count_newlines,
                                    count_non_overlapping, required_literals)
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
#: a gzip member decompresses to at most this many bytes (the tail is kept, like ingest does)
MAX_DECOMPRESSED = 64 * 1024 ** 2
_GZIP_INPUT_CHUNK = 1 << 20


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


#: a rule pattern is confirmed on the first 64 KiB of a line: `.*` patterns over a 1 MiB line
#: holding their literal thousands of times would otherwise cost quadratic time
MAX_CONFIRM_BYTES = 64 * 1024


def _line_end(data: bytes, start: int) -> int:
    end = data.find(b"\n", start)
    return len(data) if end < 0 else end


def _text_of(m: re.Match, group: str) -> str | None:
    value = m.group(group)
    return value.decode("utf-8", "replace") if value is not None else None


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def gunzip(data: bytes, cap: int = MAX_DECOMPRESSED) -> tuple[bytes, list[tuple[int, str]]]:
    """Decompress gzip `data` (concatenated members included) keeping at most the last `cap`
    bytes, cut at a line start; memory stays within about twice the cap whatever the ratio.
    A truncated or corrupt stream yields what decompressed before the damage and a problem."""
    parts: list[bytes] = []
    kept = total = 0
    problems: list[tuple[int, str]] = []
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    pending = memoryview(data)
    while True:
        try:
            if d.unconsumed_tail:
                out = d.decompress(d.unconsumed_tail, _GZIP_INPUT_CHUNK)
            elif len(pending):
                out = d.decompress(pending[:_GZIP_INPUT_CHUNK], _GZIP_INPUT_CHUNK)
                pending = pending[_GZIP_INPUT_CHUNK:]
            else:
                out = b""
        except zlib.error as exc:
            problems.append((0, f"corrupt gzip data: {exc}"))
            break
        if out:
            parts.append(out)
            kept += len(out)
            total += len(out)
            while parts and kept - len(parts[0]) >= cap:
                kept -= len(parts.pop(0))
        if d.eof:
            rest = d.unused_data + bytes(pending)
            pending = memoryview(b"")
            if not rest.lstrip(b"\0"):
                break
            d = zlib.decompressobj(zlib.MAX_WBITS | 16)  # the next member
            pending = memoryview(rest)
            continue
        if not out and not d.unconsumed_tail and not len(pending):
            problems.append((0, "truncated gzip data: kept what decompressed"))
            break
    result = b"".join(parts)
    if total > cap:
        result = result[-cap:]
        cut = result.find(b"\n")
        result = result[cut + 1:] if 0 <= cut < len(result) - 1 else result
        problems.append((0, f"gzip member decompresses to {total} bytes: only the last "
                            f"{len(result)} were scanned (line numbers count from there)"))
    return result, problems


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


class LogScanner:
    """Scans log bytes into records. `extra_patterns` are ``(pattern_id, regex)`` pairs:
    lines matching them are kept whatever their level, with the ids in the `matched` column
    (a pattern is matched within one line). The cluster membership patterns of
    :mod:`analyzer.logs.clock` are always added (clock skew is measured from them) unless
    `membership=False`."""

    def __init__(self, extra_patterns=(), membership: bool = True):
        patterns = list(extra_patterns) + (list(clock.MEMBERSHIP_PATTERNS) if membership else [])
        self.patterns = []
        for pattern_id, regex in patterns:
            flags = regex.flags & ~re.U if isinstance(regex, re.Pattern) else 0
            source = regex.pattern if isinstance(regex, re.Pattern) else regex
            if isinstance(source, str):
                source = source.encode("utf-8")
            re.compile(source, flags)  # a bad pattern fails here, whole
            self.patterns.append((pattern_id, source, flags, clock.formats_of(pattern_id)))
        self._plans: dict[str, _SearchPlan] = {}

    def plan(self, fmt: LogFormat) -> _SearchPlan:
        """The search for `fmt`'s candidates and this scanner's patterns (built once)."""
        if fmt.name not in self._plans:
            patterns = [(pattern_id, source, flags) for pattern_id, source, flags, formats
                        in self.patterns if formats is None or fmt.name in formats]
            self._plans[fmt.name] = _SearchPlan(fmt, patterns)
        return self._plans[fmt.name]

    # -- entry point -----------------------------------------------------------------------

    def scan(self, data: bytes, path: str, hint: str | None = None,
             service: str | None = None) -> ScanResult:
        problems: list[tuple[int, str]] = []
        if data[:2] == b"\x1f\x8b":
            data, problems = gunzip(data)
        fmt = sniff(data, hint)
        run = _Run(self, fmt, data, path, service or service_from_path(path), problems)
        return run.execute()


class _SearchPlan:
    """What to look for in a log of one format: literals (found together by a
    :class:`~analyzer.logs.literals.LiteralSearch`), each owned by the format's candidates
    (tag -1), the traceback start, or a pattern (tag = its index in `tags`), with the regex
    that confirms a hit on its line when the literal alone does not prove a match; the regexes
    that have no usable literal; the level tokens to count."""

    CANDIDATE = -1

    def __init__(self, fmt: LogFormat, patterns: list[tuple[str, bytes, int]]):
        self.literals: list[tuple[bytes, bool]] = []
        self.owners: list[list[tuple[int, re.Pattern | None]]] = []
        self.regexes: list[tuple[int, re.Pattern]] = []
        self.counted: list[tuple[str, int, int]] = []
        self.tags = [pattern_id for pattern_id, _, _ in patterns]
        self._index: dict[tuple[bytes, bool], int] = {}
        for branch in split_alternatives(fmt.candidates.pattern):
            self.add(self.CANDIDATE, branch, 0)
        self.add(self.CANDIDATE, re.escape(TRACEBACK), 0)
        for tag, (_, source, flags) in enumerate(patterns):
            for branch in split_alternatives(source):
                self.add(tag, branch, flags)
        for level, tokens in fmt.counted.items():
            for token in tokens:
                self.counted.append((level, self.literal(token, False), len(token)))
        self.search = LiteralSearch(self.literals)
        #: level tokens that nothing else needs the offsets of: only counted
        self.count_only = frozenset(index for _, index, _ in self.counted
                                    if not self.owners[index])

    def literal(self, lit: bytes, icase: bool) -> int:
        key = (lit, icase)
        if key not in self._index:
            self._index[key] = len(self.literals)
            self.literals.append(key)
            self.owners.append([])
        return self._index[key]

    def add(self, tag: int, branch: bytes, flags: int) -> None:
        regex = re.compile(branch, flags)
        need = required_literals(branch, flags)
        if need is None:
            self.regexes.append((tag, regex))
            return
        for lit in need.literals:
            self.owners[self.literal(lit, need.icase)].append(
                (tag, None if need.exact else regex))


class _Run:
    """One scan of one buffer (keeps the cursor state out of LogScanner)."""

    def __init__(self, scanner: LogScanner, fmt: LogFormat, data: bytes, path: str,
                 service: str, problems: list):
        self.scanner, self.fmt, self.data, self.path = scanner, fmt, data, path
        self.view = np.frombuffer(data, np.uint8)
        self.service = service
        self.problems = problems
        self.records: list[dict] = []
        self.exact = dict.fromkeys(LEVELS, 0)  # lines of levels found by the candidate search
        self.program_service = isinstance(fmt, SyslogFormat) and fmt.name != "haproxy"
        self.plan = scanner.plan(fmt)
        self.hits: list[np.ndarray] = []

    def candidates(self) -> dict[int, list[str]]:
        """Line start offset -> ids of the extra patterns matched on that line."""
        data, plan = self.data, self.plan
        self.hits = plan.search.find(data, count_only=plan.count_only)
        found: dict[int, set] = {}
        candidate = plan.CANDIDATE
        rejected: set[tuple[int, int]] = set()   # (line start, tag) whose confirm failed
        for owners, positions in zip(plan.owners, self.hits):
            if not owners or isinstance(positions, int) or not len(positions):
                continue
            start = end = -1
            for pos in positions.tolist():
                if pos >= end:   # hits are sorted: a long line is located and checked once
                    start = data.rfind(b"\n", 0, pos) + 1
                    end = _line_end(data, start)
                else:
                    continue
                tags = found.get(start)
                for tag, confirm in owners:
                    if tag == candidate:
                        if tags is not None:
                            continue
                    elif tags is not None and tag in tags:
                        continue
                    if confirm is not None:
                        if (start, tag) in rejected:
                            continue
                        if confirm.search(data, start, min(end, start + MAX_CONFIRM_BYTES)) is None:
                            rejected.add((start, tag))
                            continue
                    if tags is None:
                        tags = found[start] = set()
                    if tag != candidate:
                        tags.add(tag)
        for tag, regex in plan.regexes:
            for m in regex.finditer(data):
                tags = found.setdefault(_line_start(data, m.start()), set())
                if tag != candidate:
                    tags.add(tag)
        names = plan.tags
        return {start: [names[t] for t in sorted(tags)] for start, tags in found.items()}

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
            line_no += (data.count(b"\n", counted_to, start) if start - counted_to < 8192
                        else count_newlines(self.view, counted_to, start))
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
        total = line_no - 1 + count_newlines(self.view, counted_to) + (
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
            rec["service"] = parsed["logger"].split("(", 1)[0]   # per record: no regex
        if parsed.get("inner") is not None:
            rec["_inner"], rec["_inner_ts"] = parsed["inner"], parsed["inner_ts"]
        if self.fmt.repeats_prefix and "msg_start" in parsed:
            rec["_prefix"], rec["_plevel"] = raw[:parsed["msg_start"]], parsed["level"]
        self.records.append(rec)
        return rec

    def consume(self, rec: dict, end: int) -> int:
        """Fold the lines after a kept record's first line while they continue it; returns the
        offset where the record ends."""
        data, fmt = self.data, self.fmt
        simple = fmt.continues_unless_start
        prefix, level = rec.get("_prefix"), rec.get("_plevel")
        pos = end + 1
        while pos < len(data):
            nxt = _line_end(data, pos)
            raw = data[pos:nxt].rstrip(b"\r")
            if simple:  # only whether the line starts a record matters
                if fmt.match(raw) is not None:
                    break
                message = raw
            elif prefix and raw.startswith(prefix) and raw[len(prefix):len(prefix) + 1] != b"[":
                # the record line's time, pid, level and logger again, no [context]: the
                # fields `continues` compares are equal, the message is the rest
                message = raw[len(prefix):]
                if level in KEPT_LEVELS:
                    self.exact[level] += 1
            else:
                if prefix:  # another pid or logger never continues: no need to parse the line
                    m = fmt.match(raw)
                    if m is not None and (_text_of(m, "pid") != rec["pid"]
                                          or _text_of(m, "logger") != rec["logger"]):
                        break
                parsed = fmt.parse(raw)
                if not fmt.continues(rec, parsed, raw):
                    break
                if parsed is not None and parsed["level"] in KEPT_LEVELS:
                    self.exact[parsed["level"]] += 1
                message = parsed["message"] if parsed is not None and fmt.name != "plain" else raw
            if len(rec["_detail"]) >= MAX_DETAIL_LINES or rec["_chars"] > MAX_DETAIL_CHARS:
                rec["_truncated"] = True
            else:
                text = _decode(message)
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
            for key in ("_chars", "_inner", "_inner_ts", "_tb", "_prefix", "_plevel"):
                rec.pop(key, None)
            rec["signature"] = signature(rec["message"])
        return self.records

    def counts(self, total_lines: int) -> dict[str, int]:
        counts = dict(self.exact)
        if self.fmt.counted:
            for level, index, length in self.plan.counted:
                hits = self.hits[index]
                counts[level] += (hits if isinstance(hits, int)
                                  else count_non_overlapping(hits, length))
        else:
            counts["INFO"] = max(0, total_lines - sum(counts.values()))
        return counts
