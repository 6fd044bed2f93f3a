"""Recognise a loose file (pasted command output, a config) by its content, not its name."""

from __future__ import annotations

import re

# (kind, hint, regex over the first 64 KiB); first match wins, most specific first.
SIGNATURES: list[tuple[str, str | None, re.Pattern]] = [
    ("rabbitmq_report", None, re.compile(r"^(Reporting server status|Status of node \S+ \.\.\.)", re.M)),
    ("rabbitmq_cluster_status", None, re.compile(r"^Cluster status of node ", re.M)),
    ("pcs_config", None, re.compile(r"^Cluster Name: \S+\s*\n(?:.*\n){0,40}?\s*(Resources:|Corosync Nodes:)", re.M)),
    ("pcs_status", None, re.compile(r"^\s*(Cluster name:|Cluster Summary:|Stack: (corosync|classic)|Current DC:|"
                                    r"Current cluster status:)", re.M)),
    ("pcs_quorum_status", None, re.compile(r"^Quorum information\s*\n-+", re.M)),
    ("crm_mon", None, re.compile(r"^\s*(Last updated:|Full List of Resources:|\d+ nodes? configured)", re.M)),
    ("galera_status", None, re.compile(r"\bwsrep_(cluster_size|local_state_comment|cluster_status)\b")),
    ("grastate", None, re.compile(r"^# GALERA saved state", re.M)),
    ("haproxy_cfg", None, re.compile(r"^\s*(listen|frontend|backend)\s+\S+", re.M)),
    ("ceph_status", None, re.compile(r"^\s*(cluster:\s*$|cluster [0-9a-f-]{36}|health: HEALTH_)", re.M)),
    ("openstack_service_list", None, re.compile(
        r"^\s*\|\s*(ID\s*\|\s*Binary|Binary\s*\|\s*Host|ID\s*\|\s*Agent Type|ID\s*\|\s*Hypervisor Hostname|Id\s*\|\s*Binary)", re.M)),
    ("container_ps", None, re.compile(r"^CONTAINER ID\s+IMAGE\s+COMMAND", re.M)),
    ("redis_info", None, re.compile(r"^# Replication\s*$", re.M)),
    ("log", "oslo", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL|TRACE) ", re.M)),
    ("log", "syslog", re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ \S+?(\[\d+\])?: ", re.M)),
    ("log", None, re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d", re.M)),
]

HEAD_BYTES = 64 * 1024


def sniff_kind(head: bytes) -> tuple[str, str | None] | None:
    """(kind, hint) of a loose file from its first bytes, or None when not recognised."""
    if b"\0" in head[:8192]:
        return None
    text = head[:HEAD_BYTES].decode("utf-8", errors="replace")
    for kind, hint, rx in SIGNATURES:
        if rx.search(text):
            return kind, hint
    return None
