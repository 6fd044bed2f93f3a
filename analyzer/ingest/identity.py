"""Who a unit is: host name, roles, release, container runtime, time zone, collection time.

Read from the artifacts sos writes (``hostname``, ``timedatectl``, ``date``, ``date --utc``,
``etc/localtime``, ``version.txt``, ``sos_reports/manifest.json``, ``etc/rhosp-release``,
installed packages) and from what runs on the node (containers, pacemaker). Falls back to the
sosreport folder name (``sosreport-controller-0-2020-05-14-abcdefg``) and to ``--node``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from analyzer.bundle import NodeInfo
from analyzer.ingest.collect import UnitResult
from analyzer.logs.timeutil import zone_of

_FRIENDLY = re.compile(r"^(?:secured-)?sosreport-(?P<name>.+?)(?:-\d{4}-\d\d-\d\d-[a-z]{7}|-\d{14}|\.\d+-\d{14})$")
_COLLECTOR = re.compile(r"^sos-collector-")
_TZ_LINE = re.compile(r"^\s*Time zone:\s*(?P<tz>[A-Za-z0-9_+\-/]+)", re.M)
_UNIVERSAL = re.compile(r"^\s*Universal time:\s*\w{3} (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", re.M)
_DATE_UTC = re.compile(r"^\w{3} (?P<mon>\w{3}) +(?P<day>\d+) (?P<time>\d\d:\d\d:\d\d) (?:UTC|GMT) (?P<year>\d{4})", re.M)
_RHOSP = re.compile(r"Red Hat OpenStack Platform release (?P<ver>\d+(?:\.\d+)?)(?:\.\d+)*(?: Beta)?\s*\((?P<name>[^)]+)\)")
_RPM_RHOSP = re.compile(r"^rhosp-release-(?P<ver>\d+(?:\.\d+)?)", re.M)
_RPM_NOVA = re.compile(r"^openstack-nova-common-(?P<major>\d+)\.", re.M)
_RPM_NAME = re.compile(r"^(?P<name>[A-Za-z0-9_.+\-]+?)-\d", re.M)
# nova major version -> (OpenStack release, RHOSP version)
NOVA_RELEASES = {17: ("Queens", "13"), 18: ("Rocky", "14"), 19: ("Stein", "15"), 20: ("Train", "16"),
                 21: ("Ussuri", None), 22: ("Victoria", None), 23: ("Wallaby", "17"), 24: ("Xena", None),
                 25: ("Yoga", None), 26: ("Zed", None), 27: ("Antelope", None)}
RHOSP_CODENAMES = {"13": "Queens", "14": "Rocky", "15": "Stein", "16": "Train", "17": "Wallaby", "18": "Antelope"}
MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                      "Oct", "Nov", "Dec"], 1)}

# container or service name fragments -> role
ROLE_MARKERS = [
    ("controller", re.compile(r"^(haproxy|galera|rabbitmq|redis|ovn-dbs)-bundle|^(keystone|nova_api|neutron_api|"
                              r"glance_api|cinder_api|heat_api|horizon|clustercheck|nova_scheduler|nova_conductor)$")),
    ("compute", re.compile(r"^(nova_compute|nova_libvirt|nova_virtqemud|nova_virtlogd(_wrapper)?)$")),
    ("ceph", re.compile(r"^ceph-osd(-|$)")),   # mon/mgr run on TripleO controllers
    ("networker", re.compile(r"^(neutron_l3_agent|neutron_dhcp|ovn_metadata_agent_networker)$")),
]


def _first(unit: UnitResult, kind: str) -> str | None:
    items = unit.identity.get(kind) or []
    for _, text in items:
        if text and text.strip():
            return text
    return None


def _hostname(unit: UnitResult) -> str | None:
    for kind in ("hostname", "hostname_fqdn"):
        text = _first(unit, kind)
        if text:
            line = text.strip().splitlines()[0].strip()
            if line and " " not in line:
                return line
    text = _first(unit, "hostnamectl")
    if text:
        m = re.search(r"Static hostname:\s*(\S+)", text)
        if m:
            return m.group(1)
    return None


def name_from_unit(unit: str) -> str:
    """Host name from a sosreport folder name, e.g. sosreport-controller-0-2020-05-14-abcdefg."""
    base = unit.rstrip("/").split("/")[-1]
    m = _FRIENDLY.match(base)
    if m:
        return m.group("name")
    return base


def _timezone(unit: UnitResult) -> str | None:
    text = _first(unit, "timedatectl")
    if text:
        m = _TZ_LINE.search(text)
        if m and m.group("tz") != "n/a":
            return m.group("tz")
    link = _first(unit, "localtime")
    if link and "zoneinfo/" in link:
        return link.split("zoneinfo/", 1)[1].strip()
    text = _first(unit, "timezone_file")
    if text:
        return text.strip().splitlines()[0].strip() or None
    return None


def _collected_at(unit: UnitResult, tz_name: str | None) -> datetime | None:
    text = _first(unit, "date_utc")
    if text:
        m = _DATE_UTC.search(text)
        if m and m.group("mon") in MONTHS:
            h, mi, s = (int(x) for x in m.group("time").split(":"))
            return datetime(int(m.group("year")), MONTHS[m.group("mon")], int(m.group("day")), h, mi, s,
                            tzinfo=timezone.utc)
    text = _first(unit, "timedatectl")
    if text:
        m = _UNIVERSAL.search(text)
        if m:
            return datetime.strptime(m.group("ts"), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    text = _first(unit, "sos_manifest")
    if text:
        try:
            start = json.loads(text).get("start_time")
            local = datetime.strptime(start, "%Y-%m-%d %H:%M:%S.%f")
            return local.replace(tzinfo=zone_of(tz_name)).astimezone(timezone.utc)
        except (ValueError, TypeError, AttributeError):
            pass
    text = _first(unit, "date")
    if text:
        m = re.search(r"^\w{3} (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\S+) (\d{4})", text, re.M)
        if m and m.group(1) in MONTHS:
            local = datetime(int(m.group(7)), MONTHS[m.group(1)], int(m.group(2)), int(m.group(3)),
                             int(m.group(4)), int(m.group(5)))
            zone = timezone.utc if m.group(6) in ("UTC", "GMT") else zone_of(tz_name)
            return local.replace(tzinfo=zone).astimezone(timezone.utc)
    m = re.search(r"-(\d{4})-(\d\d)-(\d\d)-[a-z]{7}$", unit.unit)
    if m:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=timezone.utc)
    return None


def _release(unit: UnitResult) -> str | None:
    text = _first(unit, "rhosp_release")
    if text:
        m = _RHOSP.search(text)
        if m:
            return f"RHOSP {m.group('ver')} ({m.group('name')})"
    rpms = _first(unit, "installed_rpms") or ""
    m = _RPM_RHOSP.search(rpms)
    if m:
        ver = m.group("ver")
        return f"RHOSP {ver} ({RHOSP_CODENAMES.get(ver.split('.')[0], '?')})"
    m = _RPM_NOVA.search(rpms)
    if m and int(m.group("major")) in NOVA_RELEASES:
        name, rhosp = NOVA_RELEASES[int(m.group("major"))]
        return f"RHOSP {rhosp} ({name})" if rhosp and "el" in rpms else f"OpenStack {name}"
    for row in unit.rows.get("containers", []):
        m = re.search(r"rhosp(\d+)", str(row.get("image") or ""))
        if m:
            return f"RHOSP {m.group(1)} ({RHOSP_CODENAMES.get(m.group(1), '?')})"
    return None


def _runtime(unit: UnitResult, release: str | None) -> str | None:
    if unit.runtime_hint:
        return unit.runtime_hint
    rpms = _first(unit, "installed_rpms") or ""
    names = set(_RPM_NAME.findall(rpms))
    if "podman" in names:
        return "podman"
    if "docker" in names or "docker-ce" in names:
        return "docker"
    if release and release.startswith("RHOSP 13"):
        return "docker"
    return None


def _roles(unit: UnitResult, hostname: str) -> list[str]:
    roles: set[str] = set()
    names = [str(r.get("name") or "") for r in unit.rows.get("containers", [])]
    for name in names:
        for role, rx in ROLE_MARKERS:
            if rx.search(name):
                roles.add(role)
    if unit.rows.get("pcs_cluster") or unit.rows.get("pcs_resources"):
        if "compute" not in roles or len(roles) > 1:
            roles.add("controller")
    if not roles:
        low = hostname.lower()
        for role, words in (("controller", ("controller", "ctrl")), ("compute", ("compute", "cmp")),
                            ("ceph", ("ceph", "storage")), ("networker", ("networker",))):
            if any(w in low for w in words):
                roles.add(role)
    return sorted(roles)


def _sos_version(unit: UnitResult) -> str | None:
    text = _first(unit, "sos_version")
    if text:
        m = re.search(r"^sos(?:report| report):\s*(\S+)", text, re.M)
        if m:
            return m.group(1)
    return None


def identify(unit: UnitResult) -> NodeInfo:
    """NodeInfo of a unit; the name is the short host name (domain stripped)."""
    fqdn = _hostname(unit)
    if unit.kind == "container-export":
        fqdn = None   # etc/hostname of a container is its id, not a host
    if unit.name_hint:
        name = unit.name_hint
    elif fqdn:
        name = fqdn.split(".")[0]
    else:
        name = name_from_unit(unit.unit)
    tz = _timezone(unit)
    release = _release(unit)
    kind = {"sosreport": "sosreport", "container-export": "container-export", "directory": "directory",
            "file": "file"}.get(unit.kind, "sosreport")
    return NodeInfo(name=name, hostname=fqdn, roles=_roles(unit, fqdn or name), release=release,
                    runtime=_runtime(unit, release), timezone=tz, collected_at=_collected_at(unit, tz),
                    sos_version=_sos_version(unit), kind=kind)


def merge(into: NodeInfo, other: NodeInfo) -> NodeInfo:
    """Merge a second view of the same host (another input) into `into`."""
    for attr in ("hostname", "release", "runtime", "timezone", "sos_version"):
        if getattr(into, attr) is None and getattr(other, attr) is not None:
            setattr(into, attr, getattr(other, attr))
    if other.collected_at and (into.collected_at is None or other.collected_at > into.collected_at):
        into.collected_at = other.collected_at
    into.roles = sorted(set(into.roles) | set(other.roles))
    into.inputs = sorted(set(into.inputs) | set(other.inputs))
    if into.kind != "sosreport" and other.kind == "sosreport":
        into.kind = "sosreport"
    return into
