"""Log line formats: how a record starts, which lines are worth parsing, how levels are named.

Each :class:`LogFormat` knows

- `starts`: regexes (bytes) that match the first line of a record, with named groups for the
  timestamp parts, `level`, `logger`, `pid` and `msg`;
- `candidates`: one regex searched over the whole buffer for lines that may be WARNING or worse
  (the scanner parses only those lines and what follows them);
- `counted`: literal tokens counted with ``bytes.count`` for the levels that are not parsed;
- `continues(record, parsed)`: whether a following line belongs to the record (tracebacks,
  Erlang terms, Galera views).

Samples of each format are in the docstrings of the definitions below.
"""

from __future__ import annotations

import re
from datetime import datetime

from analyzer.logs.timeutil import PLACEHOLDER_YEAR, iso_time, month_number

LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
KEPT_LEVELS = frozenset(("CRITICAL", "ERROR", "WARNING"))
TRACEBACK = b"Traceback (most recent call last)"

_ISO = (rb"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[ T](?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)"
        rb"(?:[.,](?P<f>\d+))?(?P<tz>Z|[+-]\d\d(?::?\d\d)?)?")
_BSD = (rb"(?P<mon>[A-Z][a-z]{2}) (?P<d>[ \d]?\d) (?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)"
        rb"(?:\.(?P<f>\d+))?")

_LEVEL_WORDS = {
    "emerg": "CRITICAL", "emergency": "CRITICAL", "alert": "CRITICAL", "crit": "CRITICAL",
    "critical": "CRITICAL", "fatal": "CRITICAL", "emer": "CRITICAL",
    "error": "ERROR", "err": "ERROR", "eror": "ERROR", "trace": "ERROR",
    "warning": "WARNING", "warn": "WARNING",
    "notice": "INFO", "info": "INFO", "note": "INFO", "system": "INFO", "audit": "INFO",
    "debug": "DEBUG", "dbg": "DEBUG",
    "inf": "INFO", "wrn": "WARNING", "sec": "WARNING",
}


def normalise_level(raw: str | None) -> str | None:
    """`WARN`, `warning`, `Warning`, `[WRN]`... -> `WARNING`; unknown names -> None."""
    if not raw:
        return None
    return _LEVEL_WORDS.get(raw.lower())


def _text(value: bytes | None) -> str | None:
    return value.decode("utf-8", "replace") if value is not None else None


class TimestampError(ValueError):
    """A record-start line whose timestamp fields are out of range."""


def _timestamp(g: dict) -> tuple[datetime | None, bool]:
    """(datetime, has_year) from the named groups of a start regex."""
    if g.get("H") is None:
        return None, True
    try:
        if g.get("Y") is not None or g.get("y2") is not None:
            year = g["Y"] if g.get("Y") is not None else b"20" + g["y2"]
            month = g["m"] if g.get("m") is not None else month_number(g["mon"])
            return iso_time(year, month, g["d"], g["H"], g["M"], g["S"], g.get("f"),
                            g.get("tz")), True
        return iso_time(PLACEHOLDER_YEAR, month_number(g["mon"]), g["d"].strip(), g["H"],
                        g["M"], g["S"], g.get("f")), False
    except (ValueError, KeyError) as exc:
        raise TimestampError(str(exc)) from exc


class LogFormat:
    """A line-oriented log format; see the module docstring."""

    #: a line continues a record exactly when it starts none (`continues` looks at no field),
    #: so the scanner only needs to match the start regexes of the lines that follow a record
    continues_unless_start = True
    #: continuation lines repeat the record line's prefix up to the message (oslo tracebacks)
    repeats_prefix = False

    def __init__(self, name: str, starts: list[bytes], candidates: bytes,
                 counted: dict[str, tuple[bytes, ...]] | None = None,
                 levels: dict[str, str] | None = None, sample: str = ""):
        self.name = name
        self.starts = [re.compile(p) for p in starts]
        self.candidates = re.compile(candidates)
        self.counted = counted or {}
        self.levels = levels or {}
        self.sample = sample

    def match(self, line: bytes):
        for start in self.starts:
            m = start.match(line)
            if m:
                return m
        return None

    def parse(self, line: bytes) -> dict | None:
        """The fields of a record-start line, or None when `line` does not start a record.
        A line that looks right but whose time is impossible has `ts` None and `ts_error`."""
        m = self.match(line)
        if m is None:
            return None
        g = m.groupdict()
        ts_error = None
        try:
            ts, has_year = _timestamp(g)
        except TimestampError as exc:
            ts, has_year, ts_error = None, True, str(exc)
        raw_level = _text(g.get("level"))
        msg = g.get("msg") or b""
        parsed = {
            "ts": ts, "has_year": has_year, "raw_level": raw_level,
            "level": self.level_of(raw_level, msg, g),
            "logger": _text(g.get("logger")), "pid": _text(g.get("pid")),
            "request_id": None, "context": False, "message": msg, "ts_error": ts_error,
            "msg_start": m.start("msg") if g.get("msg") is not None else len(line),
        }
        self.refine(parsed, g)
        return parsed

    def level_of(self, raw: str | None, msg: bytes, groups: dict) -> str | None:
        if raw is None:
            return None
        return self.levels.get(raw) or normalise_level(raw)

    def refine(self, parsed: dict, groups: dict) -> None:
        """Format-specific fixes of the parsed fields (request ids, message split)."""

    def continues(self, record: dict, parsed: dict | None, line: bytes) -> bool:
        """Whether `line` (parsed as a start or None) belongs to `record`."""
        return parsed is None


# --- oslo.log -----------------------------------------------------------------------------

_CONTEXT = re.compile(rb"\[([^\]]*)\] ?")
_REQ = re.compile(rb"req-[0-9a-fA-F-]{8,}")


class OsloFormat(LogFormat):
    """oslo.log files of the OpenStack services::

        2020-05-14 04:45:52.123 7 ERROR nova.compute.manager [req-2b1c... admin admin - - -] [instance: 5f0e...] Failed to build
        2020-05-14 04:45:52.123 7 ERROR nova.compute.manager Traceback (most recent call last):
        2020-05-14 04:45:52.123 7 ERROR nova.compute.manager   File "/usr/lib/python3.6/...", line 2, in f

    Traceback lines repeat the prefix (same time, pid and logger, no `[context]`); pre-Newton
    logs write them with the level `TRACE`. Both fold into the record's `detail`.
    """

    def refine(self, parsed, groups):
        msg = parsed["message"]
        m = _CONTEXT.match(msg)
        if m and not m.group(1).startswith(b"instance:"):  # `[instance: x]` is no context
            parsed["context"] = True
            reqs = _REQ.findall(m.group(1)[:200])
            if reqs:  # `[req-global req-local user ...]`: the local id is the second
                parsed["request_id"] = reqs[1 if len(reqs) > 1 and
                                           m.group(1).startswith(reqs[0]) else 0].decode()
            parsed["message"] = msg[m.end():]
        elif m:  # a traceback line of an instance-bound record repeats `[instance: x]`
            parsed["message"] = msg[m.end():]

    continues_unless_start = False
    repeats_prefix = True

    def continues(self, record, parsed, line):
        if parsed is None:
            return True
        if parsed["context"] or parsed["pid"] != record["pid"] \
                or parsed["logger"] != record["logger"]:
            return False
        return parsed["raw_level"] == "TRACE" or parsed["ts"] == record["ts_local"]


OSLO = OsloFormat(
    "oslo",
    [rb"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d) (?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:\.(?P<f>\d+))?"
     rb" (?P<pid>\d+) (?P<level>[A-Z]+) (?P<logger>\S+) ?(?P<msg>.*)"],
    rb" (?:ERROR|WARNING|CRITICAL|TRACE) ",
    {"INFO": (b" INFO ",), "DEBUG": (b" DEBUG ",)},
)


# --- RabbitMQ -------------------------------------------------------------------------------

RABBITMQ = LogFormat(
    "rabbitmq",
    [_ISO + rb" \[(?P<level>[a-z]+)\] (?:(?P<pid><[\d.]+>) ?)?(?P<msg>.*)"],
    rb"\[(?:warning|error|critical|alert|emergency)\]",
    {"INFO": (b"[info]", b"[notice]"), "DEBUG": (b"[debug]",)},
)
RABBITMQ.sample = """RabbitMQ 3.8+ (lager) and 3.9+ server logs; continuation lines are indented:

    2020-05-14 04:45:52.123 [error] <0.1234.0> closing AMQP connection <0.1234.0> (10.0.0.1:5672):
    missed heartbeats from client, timeout: 60s
"""


class RabbitReportFormat(LogFormat):
    """RabbitMQ <= 3.6 reports: a header and an Erlang body up to the next header::

        =ERROR REPORT==== 14-May-2020::04:45:52 ===
        closing AMQP connection <0.13548.17> (192.168.100.40:59815 -> 192.168.100.41:5672):
        fatal_frame_error
    """

    def continues(self, record, parsed, line):
        return parsed is None


RABBITMQ_REPORT = RabbitReportFormat(
    "rabbitmq_report",
    [rb"=(?P<level>[A-Z]+) REPORT==== (?P<d>\d{1,2})-(?P<mon>[A-Za-z]{3})-(?P<Y>\d{4})::"
     rb"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:\.(?P<f>\d+))? ===(?P<msg>.*)"],
    rb"=(?:ERROR|WARNING|CRASH|SUPERVISOR) REPORT",
    {"INFO": (b"=INFO REPORT", b"=PROGRESS REPORT")},
    {"CRASH": "ERROR", "SUPERVISOR": "ERROR", "PROGRESS": "INFO"},
)


# --- MariaDB / MySQL / Galera ---------------------------------------------------------------

MYSQLD = LogFormat(
    "mysqld",
    [rb"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[ T] ?(?P<H>\d{1,2}):(?P<M>\d\d):(?P<S>\d\d)"
     rb"(?:\.(?P<f>\d+))?(?P<tz>Z|[+-]\d\d:?\d\d)? +(?:(?P<pid>\d+) +)?"
     rb"(?:\[(?P<level>[A-Za-z]+)\] )?(?P<msg>.*)",
     rb"(?P<y2>\d\d)(?P<m>\d\d)(?P<d>\d\d) +(?P<H>\d{1,2}):(?P<M>\d\d):(?P<S>\d\d)"
     rb" +(?:(?P<pid>\d+) +)?(?:\[(?P<level>[A-Za-z]+)\] )?(?P<msg>.*)"],
    rb"\[(?:ERROR|Warning|WARNING|Warn|CRITICAL)\]",
    {"INFO": (b"[Note]", b"[System]")},
)
MYSQLD.sample = """MariaDB/Galera (10.x, 5.5 `YYMMDD`) and MySQL 8/PXC error logs:

    2020-05-14  4:45:52 0 [ERROR] WSREP: failed to open gcomm backend connection: 110
    200514  4:45:52 [Note] WSREP: Service disconnected.
    2023-03-12T19:35:05.838493Z 0 [Warning] [MY-011068] [Server] The syntax ... is deprecated

Lines without a `[Level]` (InnoDB, mysqld_safe) count as INFO; view dumps fold into the record.
"""


# --- Open vSwitch / OVN ---------------------------------------------------------------------

OVS = LogFormat(
    "ovs",
    [_ISO + rb"\|(?P<seq>\d+)\|(?P<logger>[^|]*)\|(?P<level>[A-Z]+)\|(?P<msg>.*)"],
    rb"\|(?:EMER|ERR|WARN)\|",
    {"INFO": (b"|INFO|",), "DEBUG": (b"|DBG|",)},
)
OVS.sample = "2020-05-14T04:45:52.123Z|00012|reconnect|WARN|tcp:10.0.0.1:6642: connection dropped"


# --- Pacemaker / corosync -------------------------------------------------------------------

PACEMAKER = LogFormat(
    "pacemaker",
    [_BSD + rb" (?P<host>\S+) (?P<logger>[\w.-]+) *\[(?P<pid>\d+)\] \((?P<func>[^)]*)\)\s+"
     rb"(?P<level>[a-z]+): (?P<msg>.*)",
     _BSD + rb" \[(?P<pid>\d+)\] (?P<host>\S+)\s+(?P<logger>[\w.-]+):\s+(?P<level>[a-z]+): "
     rb"(?P<msg>.*)",
     _BSD + rb" \[(?P<pid>\d+)\] (?P<host>\S+) (?P<logger>corosync) (?P<level>[a-z]+)\s+"
     rb"(?P<msg>\[.*)"],
    rb"(?:error|crit|warning|emerg|alert)(?::| +\[)",
    {"INFO": (b"info: ", b"notice: "), "DEBUG": (b"debug: ", b"trace: ")},
    {"trace": "DEBUG"},
)
PACEMAKER.sample = """Pacemaker 2.x, Pacemaker 1.1 and corosync 2 log files:

    Feb 04 09:57:58 ctl-0 pacemaker-schedulerd[12762] (unpack_resources) \terror: Resource start-up disabled
    Aug 21 12:58:32 [11661] ctl-0.example.com       crmd:   notice: do_state_transition: \tState transition
    Aug 21 12:58:32 [2167] ctl-0 corosync notice  [TOTEM ] A new membership (10.0.0.1:1260) was formed.
"""


# --- syslog, journal, haproxy ---------------------------------------------------------------

_PROGRAM = rb" (?P<host>\S+) (?P<logger>[A-Za-z_(][^\s\[:]*)(?:\[(?P<pid>\d+)\])?: ?(?P<msg>.*)"

_SYSLOG_LEVELS = [
    (re.compile(rb"\s*(emerg|alert|crit|critical|error|err|warning|warn)\s*:"), None),
    (re.compile(rb"\b(?:lvl|level)=\"?(crit|critical|fatal|error|eror|err|warn|warning)\b"), None),
    (re.compile(rb"\d (CRITICAL|ERROR|WARNING) [\w.]+ "), None),
    (re.compile(rb"Out of memory|invoked oom-killer|Kernel panic"), "CRITICAL"),
    (re.compile(rb"segfault at|Call Trace|Traceback \(most recent|Failed to start|"
                rb"[Ff]ailed with result|I/O error|^(?:ERROR|Error|FATAL|Fatal)\b"), "ERROR"),
    (re.compile(rb"blocked for more than|\b(?:[Ee]rror|ERROR|[Ff]ailed|FAILED|[Ff]ailure|"
                rb"[Ww]arning|WARNING)\b"), "WARNING"),
]
_HAPROXY_LEVELS = [
    (re.compile(rb"has no server available|backend .* is DOWN"), "CRITICAL"),
    (re.compile(rb" is DOWN|\[ALERT\]|[Ee]rror"), "WARNING"),
    (re.compile(rb"\] \S+ \S+ [-\d/+]+ 5\d\d "), "ERROR"),
]


class SyslogFormat(LogFormat):
    """syslog files and journalctl output (short, short-precise, short-iso); there is no level
    field, so the level comes from the message (`error:` prefixes of pacemaker, `lvl=`,
    an oslo line forwarded to syslog, then keywords such as `segfault`, `Failed to start`)::

        May  4 04:45:52 ctl-0 pacemaker-controld[3519]:  error: Result of start operation ...
        2020-05-14T04:45:52+0000 ctl-0 kernel: Out of memory: Killed process 4242 (mysqld)
    """

    def __init__(self, name, rules, candidates, sample=""):
        super().__init__(name, [_BSD + _PROGRAM, _ISO + _PROGRAM], candidates, sample=sample)
        self.rules = rules

    def level_of(self, raw, msg, groups):
        msg = msg[:2000]
        for regex, level in self.rules:
            m = regex.search(msg)
            if m:
                return level or normalise_level(m.group(1).decode())
        return "INFO"


SYSLOG = SyslogFormat(
    "syslog", _SYSLOG_LEVELS,
    rb"rror|ERROR|Fail|fail|crit|warn|Warn|WARN|segfault|Out of memory|Call Trace|Traceback|"
    rb"lvl=")
JOURNAL = SyslogFormat("journal", SYSLOG.rules, SYSLOG.candidates.pattern)
HAPROXY = SyslogFormat(
    "haproxy", _HAPROXY_LEVELS, rb" is DOWN|no server available|ALERT|[Ee]rror| 5\d\d ",
    sample="May  4 04:45:52 ctl-0 haproxy[17]: Server mysql/ctl-1 is DOWN, reason: Layer4 ...")


# --- httpd ----------------------------------------------------------------------------------

HTTPD = LogFormat(
    "httpd",
    [rb"\[(?P<wd>[A-Z][a-z]{2}) (?P<mon>[A-Z][a-z]{2}) (?P<d>[ \d]\d) (?P<H>\d\d):(?P<M>\d\d):"
     rb"(?P<S>\d\d)(?:\.(?P<f>\d+))? (?P<Y>\d{4})\] \[(?:(?P<logger>[\w-]+):)?"
     rb"(?P<level>[a-z]+)\d?\] (?:\[pid (?P<pid>\d+)(?::tid \d+)?\] )?"
     rb"(?:\[(?:client|remote) [^\]]*\] )?(?P<msg>.*)"],
    rb"(?:error|warn|crit|alert|emerg)\]",
    {"INFO": (b"notice] ", b"info] "), "DEBUG": (b"debug] ",)},
    sample="[Thu May 14 04:45:52.123456 2020] [wsgi:error] [pid 42] [remote 10.0.0.1:512] msg",
)


class HttpdAccessFormat(LogFormat):
    """httpd access logs (combined): status 5xx is an ERROR, anything else INFO::

        10.0.0.1 - - [14/May/2020:04:45:52 +0000] "GET /v3 HTTP/1.1" 503 170 "-" "curl"
    """

    def level_of(self, raw, msg, groups):
        status = groups.get("status") or b""
        return "ERROR" if status.startswith(b"5") else "INFO"


HTTPD_ACCESS = HttpdAccessFormat(
    "httpd_access",
    [rb"(?P<client>\S+) \S+ \S+ \[(?P<d>\d\d)/(?P<mon>[A-Z][a-z]{2})/(?P<Y>\d{4}):(?P<H>\d\d):"
     rb"(?P<M>\d\d):(?P<S>\d\d) (?P<tz>[+-]\d{4})\] \"(?P<msg>[^\"]*)\" (?P<status>\d{3}) .*"],
    rb"\" 5\d\d ",
)


# --- Ceph -----------------------------------------------------------------------------------

class CephFormat(LogFormat):
    """Ceph cluster log (`[WRN]` channels) and daemon logs (numeric level, -1 = error)::

        2017-05-31 13:01:46.933829 osd.22 192.0.2.4:6814/42154 172581 : cluster [WRN] 44 slow requests
        2020-05-14T04:45:52.123+0000 7f3a2b7fe700 -1 osd.3 1234 heartbeat_check: no reply
    """

    def level_of(self, raw, msg, groups):
        if raw is None:
            return None
        if raw.lstrip("-").isdigit():
            number = int(raw)
            return "ERROR" if number < 0 else ("INFO" if number == 0 else "DEBUG")
        return normalise_level(raw)


CEPH = CephFormat(
    "ceph",
    [_ISO + rb" (?P<logger>\S+) (?:\S+ )?\S+ (?P<seq>\d+) : (?P<chan>\S+) "
     rb"\[(?P<level>[A-Z]{3})\] (?P<msg>.*)",
     _ISO + rb" (?P<pid>[0-9a-f]{6,16}) +(?P<level>-?\d+) (?P<msg>.*)"],
    rb"\[(?:WRN|ERR|SEC)\]| -1 ",
    {"INFO": (b"[INF]",), "DEBUG": (b"[DBG]",)},
)


# --- container outputs ----------------------------------------------------------------------

_GENERIC_LEVEL = re.compile(
    rb"\b(CRITICAL|FATAL|ERROR|WARNING|WARN)\b|\[(error|warning|critical)\]|"
    rb"\b(?:lvl|level)=\"?(crit|critical|fatal|error|eror|err|warn|warning)\b|"
    rb"^(Error|Fatal)\b")
_INNER_FORMATS = (OSLO, RABBITMQ, MYSQLD)


class ContainerOutputFormat(LogFormat):
    """Container outputs: conmon `k8s-file` stdouts and `podman logs -t` / `docker logs -t`.
    The message is itself an oslo/RabbitMQ/mysqld line or free text; Python tracebacks
    printed line by line fold into the record::

        2020-05-14T04:45:52.123456789+00:00 stdout F Traceback (most recent call last):
        2020-05-14T04:45:52.123498125+00:00 stdout F   File "/usr/bin/nova-compute", line 10, in <module>
        2020-05-14T04:45:52.123512934+00:00 stdout F oslo_config.cfg.ConfigFileValueError: ...
    """

    continues_unless_start = False

    def refine(self, parsed, groups):
        inner = parsed["message"]
        for fmt in _INNER_FORMATS:
            sub = fmt.parse(inner)
            if sub is not None and sub["level"] is not None:
                parsed.update(level=sub["level"], raw_level=sub["raw_level"],
                              logger=sub["logger"], request_id=sub["request_id"],
                              context=sub["context"], message=sub["message"],
                              inner=fmt, inner_ts=sub["ts"])
                parsed["pid"] = sub["pid"]
                return
        parsed["inner"] = None
        if groups.get("stream") == b"stderr" and parsed["level"] is None:
            parsed["logger"] = "stderr"

    def level_of(self, raw, msg, groups):
        if msg.startswith(TRACEBACK):
            return "ERROR"
        m = _GENERIC_LEVEL.search(msg[:300])
        if m:
            return normalise_level(next(g for g in m.groups() if g).decode())
        return "INFO"

    def continues(self, record, parsed, line):
        if parsed is None:
            return True
        rec_inner, inner = record.get("_inner"), parsed.get("inner")
        if rec_inner is None:
            return inner is None and python_traceback_continues(record, parsed["message"])
        if inner is rec_inner:
            return rec_inner.continues(dict(record, ts_local=record.get("_inner_ts")),
                                       dict(parsed, ts=parsed["inner_ts"]), line)
        if inner is None:  # free text after an inner record: an Erlang term, a view dump
            return rec_inner is not OSLO or python_traceback_continues(record, parsed["message"])
        return False


def python_traceback_continues(record: dict, message: bytes) -> bool:
    """Follow a Python traceback printed one line per log line (state in `record['_tb']`)."""
    state = record.get("_tb")
    if state is None:
        if record["message"].startswith("Traceback (most recent call last)"):
            state = "body"
        elif message.startswith(TRACEBACK):
            record["_tb"] = "body"
            return True
        else:
            return False
    if state == "body":
        record["_tb"] = "body" if message[:1] in (b" ", b"\t") else "exception"
        return True
    if state in ("exception", "chain"):
        if message.strip() == b"" or message.startswith((b"During handling of the above",
                                                         b"The above exception was")):
            record["_tb"] = "chain"
            return True
        if state == "chain" and message.startswith(TRACEBACK):
            record["_tb"] = "body"
            return True
    return False


_CANDIDATES_FREE_TEXT = rb"Error|Fatal|ERROR|CRITICAL|WARN|FATAL|Traceback|\[(?:error|warning|critical)\]|level=|lvl="

STDOUT = ContainerOutputFormat(
    "stdout",
    [_ISO + rb" (?P<stream>stdout|stderr) (?P<flag>[FP]) ?(?P<msg>.*)"],
    _CANDIDATES_FREE_TEXT,
)
CONTAINER_LOGS = ContainerOutputFormat(
    "container_logs",
    [rb"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)T(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:\.(?P<f>\d+))?"
     rb"(?P<tz>Z|[+-]\d\d:?\d\d) (?P<msg>.*)"],
    _CANDIDATES_FREE_TEXT,
)
PLAIN = ContainerOutputFormat("plain", [rb"(?P<msg>.*)"], _CANDIDATES_FREE_TEXT)
PLAIN.sample = "Free text without timestamps (startup_err, docker logs without -t)."

ALL_FORMATS = (OSLO, STDOUT, RABBITMQ, RABBITMQ_REPORT, OVS, CEPH, MYSQLD, PACEMAKER, HTTPD,
               CONTAINER_LOGS, HTTPD_ACCESS, SYSLOG, JOURNAL, HAPROXY)
BY_NAME = {fmt.name: fmt for fmt in ALL_FORMATS + (PLAIN,)}

#: catalogue hint -> formats tried first (in order)
HINTS = {
    "oslo": (OSLO,), "stdout": (STDOUT,), "mysqld": (MYSQLD,),
    "rabbitmq": (RABBITMQ, RABBITMQ_REPORT), "haproxy": (HAPROXY,),
    "httpd": (HTTPD, HTTPD_ACCESS), "ovs": (OVS,), "pacemaker": (PACEMAKER,),
    "syslog": (SYSLOG,), "journal": (JOURNAL,), "ceph": (CEPH,),
    "container_logs": (CONTAINER_LOGS,),
}

SNIFF_LINES = 40


def sniff(data: bytes, hint: str | None) -> LogFormat:
    """The format of a log from its first lines: the one that parses most of them, the
    catalogue `hint` winning ties; `plain` when none parses any."""
    head = data[:65536].split(b"\n")
    if len(data) > 65536:
        head = head[:-1]
    lines = [ln.rstrip(b"\r") for ln in head if ln.strip()][:SNIFF_LINES]
    order = list(HINTS.get(hint or "", ())) + [f for f in ALL_FORMATS
                                               if f not in HINTS.get(hint or "", ())]
    if any(ln.startswith(b"-- Logs begin at") or ln.startswith(b"-- Journal begins")
           for ln in lines[:2]):
        return JOURNAL
    best, best_score = PLAIN, 0.0
    for fmt in order:
        score = sum(1 for ln in lines if _sniff_parses(fmt, ln))
        if fmt is CONTAINER_LOGS and score:  # its prefix also matches other ISO formats
            score -= 0.5
        if score > best_score:
            best, best_score = fmt, score
            if best_score >= len(lines):   # every line parsed: no later format can do better
                break
    return best


def _sniff_parses(fmt: LogFormat, line: bytes) -> bool:
    """A line counts for a format when it parses with a known level (or a valid time for
    formats whose level comes from the message)."""
    parsed = fmt.parse(line)
    return parsed is not None and parsed["level"] is not None and not parsed["ts_error"]
