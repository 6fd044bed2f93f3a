"""A realistic case built by hand: 3 RHOSP 16.2 controllers (podman) and a compute.

Planted: rabbitmq-bundle replica 2 Stopped (start failed on controller-2), redis promoted on
controller-1, the mysql listen of haproxy missing controller-1's server on controller-2,
`debug=True` in nova.conf on controller-2 only, an unhealthy nova_api container and an older
neutron image on controller-2, an error burst across the three controllers at 04:45 UTC.
`hostile=True` also plants markup and secrets in a log line, a finding title, a node name and a
config value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from analyzer.bundle import Bundle, InputRecord, NodeInfo

CONTROLLERS = ["controller-0", "controller-1", "controller-2"]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_NODE = f"compute-{IMG}"
PCS = "sos_commands/pacemaker/pcs_status_--full"
HAPROXY_CFG = "var/lib/config-data/puppet-generated/haproxy/etc/haproxy/haproxy.cfg"
NOVA_CONF = "var/lib/config-data/puppet-generated/nova/etc/nova/nova.conf"

SECRETS = {
    "ini_password": "Zq9-rabbit-S3cr3t",
    "url_password": "n0va-DB-pw-77",
    "log_password": "hunter2-logged",
    "fernet": "gAAAAABkX3v2Jm1QvLr8T0kQ9Z3x7c1bWl4eHqO2sYpVd6NfUaKjRtGzM0C5iE8oA",
    "pem_body": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
}
PEM = ("-----BEGIN PRIVATE KEY-----\n" + SECRETS["pem_body"] + "\nMkvoIIfnlKzmd1bXkVQpBtCWeTEUMf9\n"
       "-----END PRIVATE KEY-----")


@dataclass
class EngineResult:
    findings: list[dict] = field(default_factory=list)
    not_checked: list[dict] = field(default_factory=list)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _nodes(hostile: bool) -> dict[str, NodeInfo]:
    nodes = {}
    for i, name in enumerate(CONTROLLERS):
        nodes[name] = NodeInfo(
            name=name, hostname=f"{name}.localdomain", roles=["controller"], release="RHOSP 16.2 (Train)",
            runtime="podman", timezone="UTC", collected_at=_utc(f"2024-05-14T06:1{i}:03Z"),
            inputs=[f"sosreport-{name}-01234-2024-05-14-abcde.tar.xz"], sos_version="4.5.3")
    compute = HOSTILE_NODE if hostile else "compute-0"
    nodes[compute] = NodeInfo(
        name=compute, hostname=compute, roles=["compute"], release="RHOSP 16.2 (Train)", runtime="podman",
        timezone="Europe/Madrid", collected_at=_utc("2024-05-14T06:20:41Z"),
        inputs=["sosreport-compute-0-01234-2024-05-14-fghij.tar.xz"], sos_version="4.5.3")
    return nodes


def _bundle_rows(observer: str) -> list[dict]:
    """pcs_resources as `pcs status --full` of one controller shows the bundles."""
    rows, line = [], 30
    image = "cluster.common.tag/rhosp16-openstack-{}:pcmklatest"
    layout = {
        "galera-bundle": ("ocf:heartbeat:galera", ["Promoted", "Promoted", "Promoted"], "mariadb"),
        "rabbitmq-bundle": ("ocf:heartbeat:rabbitmq-cluster", ["Started", "Started", "Stopped"], "rabbitmq"),
        "redis-bundle": ("ocf:heartbeat:redis", ["Unpromoted", "Promoted", "Unpromoted"], "redis"),
        "haproxy-bundle": ("ocf:heartbeat:podman", ["Started", "Started", "Started"], "haproxy"),
    }
    for bundle, (agent, roles, img) in layout.items():
        line += 1
        for replica, role in enumerate(roles):
            line += 1
            stopped = role == "Stopped"
            rows.append({
                "node": observer, "source": PCS, "line": line, "resource": f"{bundle}-{replica}",
                "kind": "bundle", "bundle": bundle, "replica": replica, "agent": agent, "role": role,
                "location": None if stopped else CONTROLLERS[replica], "failed": False, "managed": True,
                "image": image.format(img)})
    for address, where in (("10.0.0.101", 0), ("172.17.1.150", 1), ("172.17.1.151", 1), ("172.17.3.150", 2),
                           ("172.17.4.150", 0), ("192.168.24.15", 2)):
        line += 1
        rows.append({"node": observer, "source": PCS, "line": line, "resource": f"ip-{address}",
                     "kind": "primitive", "bundle": None, "replica": None, "agent": "ocf:heartbeat:IPaddr2",
                     "role": "Started", "location": CONTROLLERS[where], "failed": False, "managed": True,
                     "image": None})
    rows.append({"node": observer, "source": PCS, "line": line + 1, "resource": "stonith-fence_ipmilan-525400efba5c",
                 "kind": "stonith", "bundle": None, "replica": None, "agent": "stonith:fence_ipmilan",
                 "role": "Started", "location": "controller-2", "failed": False, "managed": True, "image": None})
    return rows


def _haproxy(hostile: bool) -> tuple[list[dict], list[dict]]:
    proxies, servers = [], []
    listens = {
        "keystone_public": ("http", ["10.0.0.101:13000", "172.17.1.150:5000"], 5000, "internalapi"),
        "mysql": ("tcp", ["172.17.1.150:3306"], 3306, "internalapi"),
        "redis": ("tcp", ["172.17.1.151:6379"], 6379, "internalapi"),
        "nova_osapi": ("http", ["10.0.0.101:13774", "172.17.1.150:8774"], 8774, "internalapi"),
    }
    for node in CONTROLLERS:
        line = 40
        for name, (mode, binds, port, net) in listens.items():
            line += 10
            proxies.append({"node": node, "source": HAPROXY_CFG, "line": line, "proxy": name, "kind": "listen",
                            "mode": mode, "binds": binds})
            for i, ctl in enumerate(CONTROLLERS):
                if name == "mysql" and node == "controller-2" and ctl == "controller-1":
                    continue  # planted: one server line missing on controller-2
                servers.append({"node": node, "source": HAPROXY_CFG, "line": line + 3 + i, "proxy": name,
                                "server": f"{ctl}.{net}.localdomain", "address": f"172.17.1.{10 + i}",
                                "port": port, "check": True, "backup": name == "mysql" and i > 0,
                                "disabled": False, "fall": 5, "inter": 2000, "rise": 2})
    return proxies, servers


def _events(hostile: bool) -> list[dict]:
    rows = []
    base = pd.Timestamp("2024-05-14T04:45:52.123Z")
    burst = [
        ("controller-0", "rabbitmq", "var/log/containers/rabbitmq/rabbit@controller-0.log",
         "Partial partition detected: * We saw DOWN from rabbit@controller-2"),
        ("controller-1", "nova", "var/log/containers/nova/nova-conductor.log",
         "AMQP server on controller-2.internalapi.localdomain:5672 is unreachable: timed out. Trying again in 1 seconds."),
        ("controller-2", "neutron", "var/log/containers/neutron/server.log",
         "AMQP server on controller-0.internalapi.localdomain:5672 is unreachable: [Errno 111] ECONNREFUSED."),
    ]
    for minute in range(0, 25):
        for k, (node, service, path, message) in enumerate(burst):
            if minute % (k + 1):
                continue
            rows.append({"ts": base + pd.Timedelta(minutes=minute, seconds=k * 7), "node": node,
                         "service": service, "file": path, "line": 1000 + minute * 3 + k, "level": "ERROR",
                         "logger": "oslo.messaging._drivers.impl_rabbit", "pid": 7, "request_id": None,
                         "message": message, "detail": None, "signature": message[:30], "text": message})
    rows.append({"ts": base + pd.Timedelta(hours=1), "node": "controller-1", "service": "keystone",
                 "file": "var/log/containers/keystone/keystone.log", "line": 88, "level": "WARNING",
                 "logger": "keystone.server", "pid": 21, "request_id": None, "message": "deprecated option",
                 "detail": None, "signature": "deprecated option", "text": "deprecated option"})
    if hostile:
        rows.append({"ts": base + pd.Timedelta(minutes=3), "node": "controller-1", "service": "nova",
                     "file": "var/log/containers/nova/nova-api.log", "line": 4242, "level": "ERROR",
                     "logger": "nova.api", "pid": 9, "request_id": "req-1", "message": f"bad name {SCRIPT}",
                     "detail": None, "signature": "bad name", "text": f"bad name {SCRIPT} {IMG}"})
    return rows


def _config(hostile: bool) -> list[dict]:
    rows = []
    for i, node in enumerate(CONTROLLERS):
        options = [
            ("DEFAULT", "debug", "True" if node == "controller-2" else "False"),
            ("DEFAULT", "my_ip", f"172.17.1.{10 + i}"),
            ("DEFAULT", "transport_url",
             "rabbit://guest:[redacted:5a1c0e77]@controller-0.internalapi.localdomain:5672/?ssl=0"),
            ("api_database", "connection",
             f"mysql+pymysql://nova_api:{SECRETS['url_password']}@172.17.1.150/nova_api?read_default_file=/etc/my.cnf.d/tripleo.cnf"),
            ("oslo_messaging_rabbit", "rabbit_password", SECRETS["ini_password"] if node != "controller-1" else "other"),
            ("keystone_authtoken", "www_authenticate_uri", "http://10.0.0.101:5000"),
        ]
        if hostile:
            options.append(("DEFAULT", "instance_name_template", f"{SCRIPT}{IMG}" if node == "controller-0" else "instance-%08x"))
            options.append(("ssl", "key_content", PEM if node == "controller-0" else "none"))
        for line, (section, option, value) in enumerate(options, 10):
            rows.append({"node": node, "source": NOVA_CONF, "line": line, "file": NOVA_CONF, "service": "nova",
                         "section": section, "option": option, "value": value})
    return rows


def _containers(compute: str) -> list[dict]:
    rows = []
    base = "undercloud-0.ctlplane.localdomain:8787/rh-osbs/rhosp16-openstack-{}:16.2_20240502.1"
    for node in CONTROLLERS:
        for name, image in (("nova_api", "nova-api"), ("neutron_api", "neutron-server"),
                            ("keystone", "keystone"), ("rabbitmq-bundle-podman-0", "rabbitmq")):
            state, health, status = "running", "healthy", "Up 3 days ago (healthy)"
            if node == "controller-1" and name == "nova_api":
                health, status = "unhealthy", "Up 3 days ago (unhealthy)"
            img = base.format(image)
            if node == "controller-2" and name == "neutron_api":
                img = img.replace("16.2_20240502.1", "16.2_20231120.2")
            rows.append({"node": node, "source": "sos_commands/podman/podman_ps_-a", "line": 2, "name": name,
                         "image": img, "state": state, "health": health, "status_text": status, "exit_code": None})
    rows.append({"node": compute, "source": "sos_commands/podman/podman_ps_-a", "line": 3,
                 "name": "nova_compute", "image": base.format("nova-compute"), "state": "exited",
                 "health": None, "status_text": "Exited (1) 2 hours ago", "exit_code": 1})
    return rows


def make_bundle(hostile: bool = False) -> Bundle:
    nodes = _nodes(hostile)
    compute = HOSTILE_NODE if hostile else "compute-0"
    pcs_rows = [row for node in CONTROLLERS for row in _bundle_rows(node)]
    pcs_nodes = [{"node": o, "source": PCS, "line": 5, "cluster_node": c, "state": "online", "kind": "member"}
                 for o in CONTROLLERS for c in CONTROLLERS]
    failed = [{"node": o, "source": PCS, "line": 80, "resource": "rabbitmq-bundle-podman-2", "operation": "start",
               "on_node": "controller-2", "status": "error",
               "exitreason": "podman failed to launch container", "last_rc_change": "2024-05-14T04:47:10Z"}
              for o in CONTROLLERS]
    vips = [{"node": "controller-0", "source": PCS, "line": 40, "address": a, "resource": f"ip-{a}", "network": n,
             "location": loc} for a, n, loc in (
        ("10.0.0.101", "external", "controller-0"), ("172.17.1.150", "internal_api", "controller-1"),
        ("172.17.1.151", "redis", "controller-1"), ("172.17.3.150", "storage", "controller-2"),
        ("172.17.4.150", "storage_mgmt", "controller-0"), ("192.168.24.15", "ctlplane", "controller-2"))]
    proxies, servers = _haproxy(hostile)
    inventory = [{"input": f"sosreport-{n}-01234-2024-05-14-abcde.tar.xz", "unit": f"sosreport-{n}", "node": n,
                  "path": p, "kind": k, "status": "parsed", "bytes": b, "reason": None}
                 for n in CONTROLLERS for p, k, b in ((PCS, "pcs_status", 8123), (HAPROXY_CFG, "haproxy_cfg", 20931),
                                                       (NOVA_CONF, "ini_config", 145002))]
    inventory += [
        {"input": "sosreport-controller-2-01234-2024-05-14-abcde.tar.xz", "unit": "sosreport-controller-2",
         "node": "controller-2", "path": "sos_commands/rabbitmq/rabbitmqctl_report", "kind": "rabbitmqctl_report",
         "status": "error", "bytes": 0, "reason": "empty output (command timed out)", "parser": "analyzer.parsers.rabbitmq.parse_rabbitmq_report", "line": 1},
        {"input": "sosreport-controller-0-01234-2024-05-14-abcde.tar.xz", "unit": "sosreport-controller-0",
         "node": "controller-0", "path": "../../etc/shadow", "kind": None, "status": "skipped", "bytes": 1024,
         "reason": "path escapes the archive"},
    ]
    tables = {
        "pcs_resources": Bundle.frame(pcs_rows), "pcs_nodes": Bundle.frame(pcs_nodes),
        "pcs_failed_actions": Bundle.frame(failed), "vips": Bundle.frame(vips),
        "haproxy_proxies": Bundle.frame(proxies), "haproxy_servers": Bundle.frame(servers),
        "events": Bundle.frame(_events(hostile)), "config": Bundle.frame(_config(hostile)),
        "containers": Bundle.frame(_containers(compute)), "inventory": Bundle.frame(inventory),
        "clock": Bundle.frame([{"node": "controller-2", "offset_s": 421.5,
                                "evidence": "corosync membership change seen 7 min later than on controller-0"}]),
    }
    inputs = [InputRecord(path=f"sosreport-{n}-01234-2024-05-14-abcde.tar.xz", kind="sosreport",
                          status="partial" if n == "controller-2" else "ok", nodes=[n],
                          errors=["rabbitmqctl_report: empty output"] if n == "controller-2" else [])
              for n in CONTROLLERS]
    inputs.append(InputRecord(path="sosreport-compute-0-01234-2024-05-14-fghij.tar.xz", kind="sosreport",
                              nodes=[compute]))
    return Bundle(nodes, tables, inputs)


def make_findings(hostile: bool = False) -> EngineResult:
    pcs_line = "  * rabbitmq-bundle-2\t(ocf:heartbeat:rabbitmq-cluster):\t Stopped"
    partition = "=ERROR REPORT==== Partial partition detected: * We saw DOWN from rabbit@controller-2"
    findings = [
        {"rule_id": "pacemaker.bundle-replica-stopped", "severity": "error", "component": "pacemaker",
         "title": "rabbitmq-bundle replica 2 is Stopped", "summary": "1 of 3 replicas of rabbitmq-bundle is not running.",
         "nodes": ["controller-2"], "first_seen": None, "last_seen": None, "count": 1,
         "evidence": [{"node": "controller-0", "path": PCS, "line": 37, "timestamp": None,
                       "text": pcs_line, "match": [pcs_line.index("Stopped"), len(pcs_line)]}],
         "evidence_omitted": 0,
         "remediation": "pcs resource cleanup rabbitmq-bundle\npcs resource show rabbitmq-bundle",
         "references": ["https://access.redhat.com/solutions/3407881"]},
        {"rule_id": "rabbitmq.partition", "severity": "critical", "component": "rabbitmq",
         "title": "RabbitMQ partition on controller-0", "summary": "A network partition split the RabbitMQ cluster.",
         "nodes": ["controller-0"], "first_seen": "2024-05-14T04:45:52.123Z", "last_seen": "2024-05-14T05:09:52.123Z",
         "count": 25,
         "evidence": [{"node": "controller-0", "path": "var/log/containers/rabbitmq/rabbit@controller-0.log",
                       "line": 1000, "timestamp": "2024-05-14T04:45:52.123Z", "text": partition,
                       "match": [partition.index("Partial"), partition.index("Partial") + len("Partial partition detected")]}],
         "evidence_omitted": 24,
         "remediation": "podman exec $(podman ps -q -f name=rabbitmq-bundle) rabbitmqctl cluster_status",
         "references": []},
        {"rule_id": "containers.unhealthy", "severity": "error", "component": "containers",
         "title": "Container nova_api is unhealthy on controller-1", "summary": "",
         "nodes": ["controller-1"], "first_seen": None, "last_seen": None, "count": 1,
         "evidence": [{"node": "controller-1", "path": "sos_commands/podman/podman_ps_-a", "line": 2,
                       "text": "nova_api  Up 3 days ago (unhealthy)", "timestamp": None}],
         "evidence_omitted": 0, "remediation": "podman logs nova_api\npodman restart nova_api", "references": []},
        {"rule_id": "config.debug-enabled", "severity": "warning", "component": "config",
         "title": "debug = True in nova.conf on controller-2", "summary": "Debug logging fills disks.",
         "nodes": ["controller-2"], "count": 1,
         "evidence": [{"node": "controller-2", "path": NOVA_CONF, "line": 10, "text": "debug=True"}],
         "remediation": f"crudini --set /{NOVA_CONF} DEFAULT debug false", "references": []},
        {"rule_id": "time.clock-skew", "severity": "warning", "component": "time",
         "title": "Clock of controller-2 is 7 minutes ahead", "nodes": ["controller-2"], "count": 1,
         "evidence": [], "remediation": "chronyc sources; chronyc tracking", "references": []},
        {"rule_id": "haproxy.vip-all-on-one-node", "severity": "info", "component": "haproxy",
         "title": "Two VIPs run on controller-1", "nodes": ["controller-1"], "count": 1, "evidence": []},
    ]
    if hostile:
        findings.append({
            "rule_id": "logs.traceback", "severity": "error", "component": "nova",
            "title": f"Traceback in nova-api {SCRIPT}", "summary": f"message holds {IMG}",
            "nodes": ["controller-1", HOSTILE_NODE], "first_seen": "2024-05-14T04:48:52Z",
            "last_seen": "2024-05-14T04:48:52Z", "count": 4,
            "evidence": [
                {"node": "controller-1", "path": "var/log/containers/nova/nova-api.log", "line": 4242,
                 "timestamp": "2024-05-14T04:48:52Z", "text": f"ERROR nova.api bad name {SCRIPT} {IMG}", "match": [15, 23]},
                {"node": "controller-1", "path": "var/log/containers/nova/nova-api.log", "line": 4243,
                 "timestamp": "2024-05-14T04:48:52Z",
                 "text": f"DEBUG connecting with password={SECRETS['log_password']} to amqp", "match": [6, 16]},
                {"node": HOSTILE_NODE, "path": "var/log/containers/nova/nova-compute.log", "line": 7,
                 "timestamp": "2024-05-14T04:48:53Z",
                 "text": f"INFO token {SECRETS['fernet']} validated; db mysql://nova:{SECRETS['url_password']}@db/nova"},
                {"node": "controller-0", "path": "var/lib/config-data/puppet-generated/nova/etc/pki/nova.key",
                 "line": 1, "timestamp": None, "text": PEM},
            ],
            "evidence_omitted": 0,
            "remediation": f"grep -F '{SCRIPT}' /var/log/containers/nova/nova-api.log | head```",
            "references": [f"javascript:alert(1)//{IMG}"]})
    return EngineResult(findings=findings, not_checked=[
        {"rule_id": "galera.not-synced", "reason": "no SHOW GLOBAL STATUS LIKE 'wsrep_%' output on any controller"},
        {"rule_id": "ceph.health", "reason": "no ceph status in the inputs"}])


def make_incidents(hostile: bool = False) -> list[dict]:
    return [
        {"start": "2024-05-14T04:45:52.123Z", "end": "2024-05-14T05:09:59.123Z",
         "nodes": CONTROLLERS, "services": ["neutron", "nova", "rabbitmq"], "events": 44,
         "trigger": {"node": "controller-0", "service": "rabbitmq",
                     "file": "var/log/containers/rabbitmq/rabbit@controller-0.log", "line": 1000,
                     "ts": "2024-05-14T04:45:52.123Z",
                     "message": "Partial partition detected: * We saw DOWN from rabbit@controller-2"},
         "findings": ["rabbitmq.partition"]},
        {"start": "2024-05-14T05:45:52Z", "end": "2024-05-14T05:47:10Z", "nodes": ["controller-1"],
         "services": ["keystone"], "events": 3,
         "trigger": {"node": "controller-1", "service": "keystone", "file": "var/log/containers/keystone/keystone.log",
                     "line": 88, "ts": "2024-05-14T05:45:52Z",
                     "message": f"Unauthorized {SCRIPT}" if hostile else "Unauthorized: token expired"},
         "findings": []},
    ]


META = {"name": "sos-analyzer", "version": "0.1.0", "generated_at": "2024-05-14T09:00:00Z",
        "argv": ["sos-analyzer", "analyze", "case-01234/", "-o", "reports/case-01234"]}
