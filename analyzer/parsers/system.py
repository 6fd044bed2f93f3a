"""Small system facts of a node: packages, failed units, uptime, memory, disks, time, release.

Tables (every row also has ``line``):

- ``packages``: name, version, release, arch, installtime (as rpm wrote it), installtime_utc
  (ISO, when the output carries the epoch or says UTC), vendor, buildhost.
- ``failed_units``: unit, load, active, sub, description.
- ``uptime``: time, uptime_seconds, users, load1, load5, load15, text.
- ``memory`` (bytes): method (free/meminfo), total, used, free, available, shared, buff_cache,
  swap_total, swap_used, hugepages_total, hugepages_free, hugepage_size.
- ``disk`` (bytes): filesystem, size, used, avail, use_pct, mount.
- ``time_settings``: method (timedatectl/date/date_utc), local_time (naive ISO, the node's wall
  clock), universal_time (ISO UTC), rtc_time (naive ISO), timezone (IANA name), tz_abbreviation,
  utc_offset (``-0400``), ntp_synchronized, ntp_enabled, ntp_service, rtc_in_local_tz, text.
- ``os``: method (rhosp_release/redhat_release/os_release), rhosp_version (``16.2``),
  rhosp_full_version (``16.2.4``), codename, os_name, os_version, os_id, text.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error

_BINARY = {"": 1, "B": 1, "K": 1024, "KI": 1024, "KB": 1024, "M": 1024 ** 2, "MI": 1024 ** 2,
           "MB": 1024 ** 2, "G": 1024 ** 3, "GI": 1024 ** 3, "GB": 1024 ** 3, "T": 1024 ** 4,
           "TI": 1024 ** 4, "TB": 1024 ** 4, "P": 1024 ** 5, "PI": 1024 ** 5, "PB": 1024 ** 5}
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"), 1)}


def _lines(text: str):
    """(line number, stripped line) of the non-blank lines."""
    for n, raw in enumerate(text.splitlines(), 1):
        if raw.strip():
            yield n, raw.strip()


def _first_line(text: str) -> tuple[int, str] | None:
    return next(_lines(text), None)


def _size(token: str, unit: int) -> int:
    """`16266300` in units of `unit` bytes, or a human size `15Gi`/`1.5G` -> bytes."""
    m = re.fullmatch(r"(\d+(?:[.,]\d+)?)([KMGTP]?i?B?)", token, re.IGNORECASE)
    if not m:
        raise ValueError(token)
    number = float(m.group(1).replace(",", "."))
    return int(round(number * (_BINARY[m.group(2).upper()] if m.group(2) else unit)))


# --------------------------------------------------------------------------- packages

_ARCHES = {"x86_64", "noarch", "i686", "i386", "aarch64", "ppc64le", "ppc64", "s390x", "src", "(none)"}


def split_nvra(nvra: str) -> tuple[str, str | None, str | None, str | None]:
    """`openstack-nova-common-20.6.2-2.20210923154816.el8ost.noarch` -> name, version, release, arch."""
    base, arch = nvra, None
    head, dot, tail = nvra.rpartition(".")
    if dot and tail in _ARCHES:
        base, arch = head, (None if tail == "(none)" else tail)
    parts = base.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise ValueError(nvra)
    return parts[0], parts[1], parts[2], arch


def _rpm_time_utc(text: str) -> str | None:
    """ISO UTC of an rpm date that says it is UTC/GMT (`Tue 15 Jun 2021 10:12:12 AM UTC`)."""
    for fmt in ("%a %d %b %Y %I:%M:%S %p %Z", "%a %d %b %Y %H:%M:%S %Z", "%a %b %d %H:%M:%S %Z %Y"):
        try:
            stamp = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if text.split()[-1 if fmt.endswith("%Z") else -2] in ("UTC", "GMT"):
            return stamp.replace(tzinfo=timezone.utc).isoformat()
    return None


@parser("installed_rpms", tables=("packages",))
def parse_installed_rpms(text: str, path: str) -> dict[str, list[dict]]:
    """Parse installed-rpms (`%-59{NVRA} %{INSTALLTIME:date}`, sos 4.2+, and the older awk
    layout, which may carry tab-separated epoch/vendor/buildhost/signature) or `package-data`::

        openstack-nova-common-20.6.2-2.20210923154816.el8ost.noarch Tue 15 Jun 2021 10:12:12 AM UTC
        pacemaker-2.0.5-9.el8_4.3.x86_64                            Tue 15 Jun 2021 10:09:41 AM UTC
    """
    rows: list[dict] = []
    for n, line in _lines(text):
        if line.startswith("warning:"):           # rpm warnings go to the same output
            continue
        if line.startswith("error:"):
            raise partial_error(f"rpm failed: {line[:80]!r}", n, {"packages": rows})
        fields = line.split("\t")
        first = fields[0].split(None, 1)
        nvra = first[0]
        installtime = first[1].strip() if len(first) > 1 else (fields[1].strip() if len(fields) > 1 else None)
        extra = fields[1:] if len(first) > 1 else fields[2:]
        try:
            name, version, release, arch = split_nvra(nvra)
        except ValueError:
            raise partial_error(f"not a package line: {line[:60]!r}", n, {"packages": rows}) from None
        epoch = extra[0].strip() if extra and extra[0].strip().isdigit() else None
        utc = (datetime.fromtimestamp(int(epoch), timezone.utc).isoformat() if epoch
               else _rpm_time_utc(installtime) if installtime else None)
        rows.append({"name": name, "version": version, "release": release, "arch": arch,
                     "installtime": installtime or None, "installtime_utc": utc,
                     "vendor": extra[1].strip() or None if epoch and len(extra) > 1 else None,
                     "buildhost": extra[2].strip() or None if epoch and len(extra) > 2 else None,
                     "line": n})
    return {"packages": rows}


# --------------------------------------------------------------------------- failed units

_UNITS_LISTED = re.compile(r"^(\d+) loaded units? listed")
_LEGEND = re.compile(r"^(LOAD|ACTIVE|SUB|JOB)\s+=")


@parser("failed_units", tables=("failed_units",))
def parse_failed_units(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `systemctl list-units --failed` (`0 loaded units listed.` = no rows)::

          UNIT                           LOAD   ACTIVE SUB    DESCRIPTION
        ● tripleo_nova_compute.service   loaded failed failed nova_compute container

        LOAD   = Reflects whether the unit definition was properly loaded.
        ...
        1 loaded units listed. Pass --all to see loaded but inactive units, too.
    """
    rows: list[dict] = []
    header = False
    listed = None
    for n, line in _lines(text):
        if line.split()[:2] == ["UNIT", "LOAD"]:
            header = True
            continue
        m = _UNITS_LISTED.match(line)
        if m:
            listed = int(m.group(1))
            break
        if _LEGEND.match(line):
            continue
        if not header:
            raise ParseError(f"not a `systemctl list-units` output: {line[:60]!r}", line=n)
        tokens = line.lstrip("●*").split(None, 4)
        if len(tokens) < 4:
            raise partial_error(f"not a unit line: {line[:60]!r}", n, {"failed_units": rows})
        rows.append({"unit": tokens[0], "load": tokens[1], "active": tokens[2], "sub": tokens[3],
                     "description": tokens[4] if len(tokens) > 4 else None, "line": n})
    if text.strip() and listed is None:
        last = max((n for n, _ in _lines(text)), default=1)
        raise partial_error("no `N loaded units listed` line (truncated output?)", last, {"failed_units": rows})
    if listed is not None and listed != len(rows):
        raise partial_error(f"{listed} units announced, {len(rows)} listed", None, {"failed_units": rows})
    return {"failed_units": rows}


# --------------------------------------------------------------------------- uptime

_UPTIME = re.compile(
    r"^(?P<time>\d\d:\d\d:\d\d)\s+up\s+(?:(?P<days>\d+)\s+days?,\s*)?"
    r"(?:(?P<hours>\d+):(?P<minutes>\d\d)|(?P<mins>\d+)\s+min(?:utes?)?|(?P<only_hours>\d+)\s+hours?)?,?\s*"
    r"(?:(?P<users>\d+)\s+users?,\s*)?load averages?:\s*(?P<l1>\d+[.,]\d+),?\s+(?P<l5>\d+[.,]\d+),?\s+(?P<l15>\d+[.,]\d+)")


@parser("uptime", tables=("uptime",))
def parse_uptime(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `uptime`::

         10:12:01 up 35 days,  3:04,  1 user,  load average: 0.52, 0.61, 0.70
    """
    first = _first_line(text)
    if first is None:
        return {"uptime": []}
    n, line = first
    m = _UPTIME.match(line)
    if not m:
        raise ParseError(f"not an `uptime` line: {line[:80]!r}", line=n)
    minutes = (int(m.group("days") or 0) * 1440 + int(m.group("hours") or m.group("only_hours") or 0) * 60
               + int(m.group("minutes") or m.group("mins") or 0))
    load = [float(m.group(g).replace(",", ".")) for g in ("l1", "l5", "l15")]
    return {"uptime": [{"time": m.group("time"), "uptime_seconds": minutes * 60,
                        "users": int(m.group("users")) if m.group("users") else None,
                        "load1": load[0], "load5": load[1], "load15": load[2], "text": line, "line": n}]}


# --------------------------------------------------------------------------- memory

def _memory_row(method: str, line: int) -> dict:
    return {"method": method, "total": None, "used": None, "free": None, "available": None,
            "shared": None, "buff_cache": None, "swap_total": None, "swap_used": None,
            "hugepages_total": None, "hugepages_free": None, "hugepage_size": None, "line": line}


@parser("free", tables=("memory",))
def parse_free(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `free` (KiB) or `free -m` (MiB, from the file name), procps 3.3+ and older layout::

                      total        used        free      shared  buff/cache   available
        Mem:      131748372    61347896    45223032     4116752    25177444    65027620
        Swap:             0           0           0
    """
    unit = 1024 ** 2 if re.search(r"free_-m\b|_-m$", path) else 1024 ** 3 if path.endswith("_-g") else 1024
    lines = list(_lines(text))
    if not lines:
        return {"memory": []}
    header_n, header = lines[0]
    columns = header.replace("buff/cache", "buff_cache").split()
    if not columns or columns[0] != "total":
        raise ParseError(f"not a `free` header: {header[:60]!r}", line=header_n)
    row = _memory_row("free", header_n)
    try:
        for n, line in lines[1:]:
            label, _, values = line.partition(":")
            numbers = [_size(v, unit) for v in values.split()]
            if label == "Mem":
                row["line"] = n
                cells = dict(zip(columns, numbers))
                row.update(total=cells.get("total"), used=cells.get("used"), free=cells.get("free"),
                           shared=cells.get("shared"), available=cells.get("available"),
                           buff_cache=cells.get("buff_cache",
                                                (cells.get("buffers") or 0) + (cells.get("cached") or 0)
                                                if "buffers" in cells else None))
            elif label == "-/+ buffers/cache":      # procps 3.2: used without buffers and cache
                row["used"] = numbers[0]
            elif label == "Swap":
                row["swap_total"], row["swap_used"] = numbers[0], numbers[1]
            elif label not in ("Total", "Low", "High"):
                raise ParseError(f"unexpected `free` line: {line[:60]!r}", line=n)
    except (ValueError, IndexError):
        raise ParseError(f"unreadable `free` numbers: {line[:60]!r}", line=n) from None
    if row["total"] is None:
        raise ParseError("`free` has no Mem: line", line=lines[-1][0])
    return {"memory": [row]}


@parser("meminfo", tables=("memory",))
def parse_meminfo(text: str, path: str) -> dict[str, list[dict]]:
    """Parse /proc/meminfo (used computed as free(1) does: total - free - buffers - cache)::

        MemTotal:       131748372 kB
        MemFree:        45223032 kB
        MemAvailable:   65027620 kB
    """
    values: dict[str, int] = {}
    first = None
    for n, line in _lines(text):
        m = re.fullmatch(r"([\w()]+):\s+(\d+)(?:\s+(kB))?", line)
        if not m:
            raise partial_error(f"not a meminfo line: {line[:60]!r}", n, {"memory": []})
        values[m.group(1)] = int(m.group(2)) * (1024 if m.group(3) else 1)
        first = first or n
    if not values:
        return {"memory": []}
    if "MemTotal" not in values:
        raise ParseError("no MemTotal in meminfo", line=first)
    row = _memory_row("meminfo", first)
    cache = values.get("Buffers", 0) + values.get("Cached", 0) + values.get("SReclaimable", 0)
    row.update(total=values["MemTotal"], free=values.get("MemFree"), available=values.get("MemAvailable"),
               shared=values.get("Shmem"), buff_cache=cache,
               used=values["MemTotal"] - values.get("MemFree", 0) - cache,
               swap_total=values.get("SwapTotal"),
               swap_used=(values["SwapTotal"] - values.get("SwapFree", 0)) if "SwapTotal" in values else None,
               hugepages_total=values.get("HugePages_Total"), hugepages_free=values.get("HugePages_Free"),
               hugepage_size=values.get("Hugepagesize"))
    return {"memory": [row]}


# --------------------------------------------------------------------------- df

@parser("df", tables=("disk",))
def parse_df(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `df -al` (1K-blocks, 1M-blocks or -h sizes; a long device name alone on its line)::

        Filesystem                  1K-blocks     Used Available Use% Mounted on
        /dev/vda2                    41931756 12145312  29786444  29% /
        overlay                      41931756 12145312  29786444  29% /var/lib/containers/storage/overlay/...
    """
    rows: list[dict] = []
    lines = list(_lines(text))
    if not lines:
        return {"disk": []}
    header_n, header = lines[0]
    m = re.match(r"^Filesystem\s+(?:(\d+)([KMG])-blocks|Size)\s+Used\s+Avail(?:able)?\s+(?:Use|Capacity)%\s+Mounted on",
                 header)
    if not m:
        raise ParseError(f"not a `df` header: {header[:60]!r}", line=header_n)
    unit = int(m.group(1)) * _BINARY[m.group(2)] if m.group(1) else 1
    pending_fs = None
    for n, line in lines[1:]:
        tokens = line.split()
        if len(tokens) == 1 and pending_fs is None:         # device name wrapped onto its own line
            pending_fs = (n, tokens[0])
            continue
        fs_n, fs = pending_fs if pending_fs else (n, None)
        cells = tokens if fs else tokens[1:]
        fs = fs or tokens[0]
        pending_fs = None
        if len(cells) < 5:
            raise partial_error(f"truncated `df` line: {line[:60]!r}", n, {"disk": rows})
        try:
            size, used, avail = (_size(c, unit) if c != "-" else None for c in cells[:3])
        except ValueError:
            raise partial_error(f"unreadable `df` sizes: {line[:60]!r}", n, {"disk": rows}) from None
        pct = cells[3].rstrip("%")
        rows.append({"filesystem": fs, "size": size, "used": used, "avail": avail,
                     "use_pct": int(pct) if pct.isdigit() else None, "mount": " ".join(cells[4:]),
                     "line": fs_n})
    if pending_fs:
        raise partial_error("`df` ends inside a line", pending_fs[0], {"disk": rows})
    return {"disk": rows}


# --------------------------------------------------------------------------- time

def _time_row(method: str, line: int | None, text: str) -> dict:
    return {"method": method, "local_time": None, "universal_time": None, "rtc_time": None,
            "timezone": None, "tz_abbreviation": None, "utc_offset": None, "ntp_synchronized": None,
            "ntp_enabled": None, "ntp_service": None, "rtc_in_local_tz": None, "text": text, "line": line}


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False, "active": True, "inactive": False}.get(value.strip().lower())


_TIMEDATECTL_STAMP = re.compile(r"^\w{3} (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?: (\S+))?$")


@parser("timedatectl", tables=("time_settings",))
def parse_timedatectl(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `timedatectl` (RHEL 7 `NTP synchronized:`, RHEL 8+ `System clock synchronized:`)::

                       Local time: Tue 2021-06-15 10:12:01 EDT
                   Universal time: Tue 2021-06-15 14:12:01 UTC
                         RTC time: Tue 2021-06-15 14:12:01
                        Time zone: America/New_York (EDT, -0400)
        System clock synchronized: yes
                      NTP service: active
                  RTC in local TZ: no
    """
    fields: dict[str, tuple[int, str]] = {}
    for n, line in _lines(text):
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            if line.startswith(("Warning:", "Failed to")):
                continue
            raise ParseError(f"not a `timedatectl` field: {line[:60]!r}", line=n)
        fields.setdefault(key.strip(), (n, value.strip()))
    if not fields:
        return {"time_settings": []}
    if "Local time" not in fields and "Time zone" not in fields:
        raise ParseError("no `Local time` nor `Time zone` in `timedatectl`", line=min(n for n, _ in fields.values()))
    first = min(n for n, _ in fields.values())
    row = _time_row("timedatectl", first, text.strip())
    for key, column in (("Local time", "local_time"), ("Universal time", "universal_time"),
                        ("RTC time", "rtc_time")):
        value = fields.get(key, (None, ""))[1]
        m = _TIMEDATECTL_STAMP.match(value)
        if m:
            row[column] = f"{m.group(1)}T{m.group(2)}"
            if column == "local_time":
                row["tz_abbreviation"] = m.group(3)
    if row["universal_time"]:
        row["universal_time"] += "+00:00"
    zone = re.match(r"^(\S+)(?: \((\S+), ([+-]\d{4})\))?", fields.get("Time zone", (None, ""))[1])
    if zone:
        row["timezone"] = zone.group(1) if zone.group(1) != "n/a" else None
        row["tz_abbreviation"] = zone.group(2) or row["tz_abbreviation"]
        row["utc_offset"] = zone.group(3)
    synced = fields.get("System clock synchronized") or fields.get("NTP synchronized")
    row["ntp_synchronized"] = _yes_no(synced[1]) if synced else None
    if "NTP service" in fields:
        row["ntp_service"] = fields["NTP service"][1]
        row["ntp_enabled"] = _yes_no(row["ntp_service"])
    elif "NTP enabled" in fields:
        row["ntp_enabled"] = _yes_no(fields["NTP enabled"][1])
    if "RTC in local TZ" in fields:
        row["rtc_in_local_tz"] = _yes_no(fields["RTC in local TZ"][1])
    return {"time_settings": [row]}


_DATE = re.compile(r"^\w{3},? +(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d\d:\d\d:\d\d)"
                   r"(?: (?P<zone>[A-Za-z][\w+\-]*|[+-]\d{4}))? (?P<year>\d{4})$")


def _parse_date(text: str, method: str) -> dict[str, list[dict]]:
    first = _first_line(text)
    if first is None:
        return {"time_settings": []}
    n, line = first
    m = _DATE.match(line)
    if not m or m.group("mon") not in _MONTHS:
        raise ParseError(f"not a `date` output: {line[:60]!r}", line=n)
    stamp = datetime(int(m.group("year")), _MONTHS[m.group("mon")], int(m.group("day")),
                     *(int(x) for x in m.group("time").split(":")))
    row = _time_row(method, n, line)
    row["local_time"] = stamp.isoformat()
    row["tz_abbreviation"] = m.group("zone")
    if m.group("zone") in ("UTC", "GMT", "+0000") or (method == "date_utc" and m.group("zone") is None):
        row["universal_time"] = stamp.replace(tzinfo=timezone.utc).isoformat()
    elif method == "date_utc":
        raise ParseError(f"`date --utc` printed a non-UTC zone {m.group('zone')!r}", line=n)
    return {"time_settings": [row]}


@parser("date", tables=("time_settings",))
def parse_date(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `date` (C locale): the wall clock and its zone abbreviation::

        Tue Jun 15 10:12:01 EDT 2021
    """
    return _parse_date(text, "date")


@parser("date_utc", tables=("time_settings",))
def parse_date_utc(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `date --utc`::

        Tue Jun 15 14:12:01 UTC 2021
    """
    return _parse_date(text, "date_utc")


# --------------------------------------------------------------------------- release

_RHOSP = re.compile(r"^Red Hat OpenStack Platform release (?P<ver>\d+(?:\.\d+)*)(?: Beta)?\s*\((?P<name>[^)]+)\)")
_RHEL = re.compile(r"^(?P<name>.+?) release (?P<ver>[\d.]+)(?:\s*\((?P<code>[^)]+)\))?")


def _os_row(method: str, line: int, text: str) -> dict:
    return {"method": method, "rhosp_version": None, "rhosp_full_version": None, "codename": None,
            "os_name": None, "os_version": None, "os_id": None, "text": text, "line": line}


@parser("rhosp_release", tables=("os",))
def parse_rhosp_release(text: str, path: str) -> dict[str, list[dict]]:
    """Parse /etc/rhosp-release::

        Red Hat OpenStack Platform release 16.2.4 (Train)
    """
    first = _first_line(text)
    if first is None:
        return {"os": []}
    n, line = first
    m = _RHOSP.match(line)
    if not m:
        raise ParseError(f"not an rhosp-release line: {line[:60]!r}", line=n)
    parts = m.group("ver").split(".")
    row = _os_row("rhosp_release", n, line)
    row.update(rhosp_version=".".join(parts[:2]) if len(parts) > 1 else f"{parts[0]}.0",
               rhosp_full_version=m.group("ver"), codename=m.group("name").strip())
    return {"os": [row]}


@parser("os_release", tables=("os",))
def parse_os_release(text: str, path: str) -> dict[str, list[dict]]:
    """Parse /etc/redhat-release, /etc/centos-release (one line) or /etc/os-release (KEY="v")::

        Red Hat Enterprise Linux release 8.4 (Ootpa)

        NAME="Red Hat Enterprise Linux"
        VERSION_ID="8.4"
    """
    first = _first_line(text)
    if first is None:
        return {"os": []}
    n, line = first
    if path.endswith("os-release") or re.match(r"^[A-Z_]+=", line):
        values = {}
        for ln, item in _lines(text):
            if item.startswith("#"):
                continue
            key, sep, value = item.partition("=")
            if not sep or not re.fullmatch(r"[A-Z0-9_]+", key):
                raise ParseError(f"not an os-release assignment: {item[:60]!r}", line=ln)
            values[key] = value.strip().strip("\"'")
        row = _os_row("os_release", n, values.get("PRETTY_NAME") or line)
        row.update(os_name=values.get("NAME"), os_version=values.get("VERSION_ID"), os_id=values.get("ID"))
        code = re.search(r"\(([^)]+)\)", values.get("VERSION", ""))
        row["codename"] = code.group(1) if code else None
        return {"os": [row]}
    m = _RHEL.match(line)
    if not m:
        raise ParseError(f"not a release line: {line[:60]!r}", line=n)
    row = _os_row("redhat_release", n, line)
    row.update(os_name=m.group("name"), os_version=m.group("ver"), codename=m.group("code"))
    return {"os": [row]}
