"""Generate a large, realistic case bundle deterministically: N controllers + M computes.

Each node is a sos 4.2 sosreport `.tar.xz` compressed as sos does (`xz -2 -T4`, so in
independent blocks), members in sos order (`version.txt` and
`sos_reports/` first) with identity files (hostname, timedatectl, rhosp-release), a
`podman ps -a`, on controllers a `pcs status --full` of the whole cluster, a few thousand small
uncatalogued members (as a real sosreport has), and a chosen volume of logs:

- oslo.log files of several services (nova, neutron, keystone, cinder, glance, heat on
  controllers; nova-compute and the OVN metadata agent on computes): mostly INFO, about 1 %
  WARNING, 0.3 % ERROR, one ERROR in ten followed by a traceback;
- on controllers RabbitMQ 3.8 (`rabbit@<host>.log`) and MariaDB Galera (`mysqld.log`);
- `var/log/messages` (syslog: systemd, podman healthchecks, pacemaker, kernel).

One incident is planted in every case: for ten minutes RabbitMQ on controller-0 is unreachable,
so every OpenStack service logs AMQP errors and controller-0's RabbitMQ logs a partition.
The same arguments always give byte-identical archives.

    python bench/gen_case.py OUT_DIR --controllers 3 --computes 1 --log-mb 2200 [--jobs 2]
"""

from __future__ import annotations

import argparse
import io
import lzma
import random
import shutil
import subprocess
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

COLLECTED = datetime(2020, 5, 14, 4, 50, 1)
LOG_SPAN = timedelta(hours=36)                       # logs cover the 36 h before collection
INCIDENT = (datetime(2020, 5, 14, 2, 10, 0), datetime(2020, 5, 14, 2, 20, 0))
MTIME = 1589431801
IMAGE = "undercloud-0.ctlplane.localdomain:8787/rh-osbs/rhosp16-openstack-{}:16.2_20200427.1"

# (log path under var/log/containers, logger, share of the node's oslo volume)
OSLO_FILES = {
    "controller": [("nova/nova-api.log", "nova.api.openstack.requestlog", 0.22),
                   ("nova/nova-conductor.log", "nova.conductor.manager", 0.10),
                   ("nova/nova-scheduler.log", "nova.scheduler.host_manager", 0.08),
                   ("neutron/server.log", "neutron.wsgi", 0.22),
                   ("keystone/keystone.log", "keystone.server.flask.request_processing.middleware", 0.18),
                   ("cinder/cinder-api.log", "cinder.api.openstack.wsgi", 0.08),
                   ("glance/api.log", "eventlet.wsgi.server", 0.07),
                   ("heat/heat-engine.log", "heat.engine.service", 0.05)],
    "compute": [("nova/nova-compute.log", "nova.compute.manager", 0.75),
                ("neutron/ovn-metadata-agent.log", "neutron.agent.ovn.metadata.agent", 0.25)],
}
# share of a node's log volume per family
SHARES = {"controller": {"oslo": 0.72, "messages": 0.12, "rabbit": 0.10, "mysql": 0.06},
          "compute": {"oslo": 0.85, "messages": 0.15}}
CONTAINERS = {
    "controller": ["keystone", "nova_api", "nova_conductor", "nova_scheduler", "nova_vnc_proxy",
                   "neutron_api", "cinder_api", "cinder_scheduler", "glance_api", "heat_api",
                   "heat_engine", "horizon", "memcached", "ovn_controller", "logrotate_crond",
                   "galera-bundle-podman-{i}", "rabbitmq-bundle-podman-{i}", "redis-bundle-podman-{i}",
                   "haproxy-bundle-podman-{i}"],
    "compute": ["nova_compute", "nova_libvirt", "nova_virtlogd", "ovn_controller",
                "ovn_metadata_agent", "logrotate_crond", "nova_migration_target"],
}

OSLO_INFO = [
    '172.17.1.{a} "GET /v2.1/servers/detail HTTP/1.1" status: 200 len: {n} microversion: 2.1 time: 0.{t}',
    '172.17.1.{a} "POST /v3/auth/tokens HTTP/1.1" status: 201 len: {n} time: 0.{t}',
    "Lock \"compute_resources\" acquired by \"nova.compute.resource_tracker.ResourceTracker."
    "_update_available_resource\" :: waited 0.000s",
    "[instance: {uuid}] Took {f} seconds to build instance.",
    "[instance: {uuid}] VM Started (Lifecycle Event)",
    "Successfully synced instances from host 'compute-{a}.localdomain'.",
    "Running periodic task ComputeManager._poll_rebooting_instances",
]
OSLO_WARN = [
    "[instance: {uuid}] Received unexpected event network-vif-plugged-{uuid} for instance with "
    "vm_state active and task_state None.",
    "Timed out waiting for nova-conductor.  Is it running? Or did this service start before "
    "nova-conductor?  Reattempting establishment of nova-conductor connection...",
    "Option \"auth_strategy\" from group \"DEFAULT\" is deprecated for removal.  Its value may be "
    "silently ignored in the future.",
]
OSLO_ERROR = [
    "DBConnectionError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server "
    "during query')",
    "[instance: {uuid}] Failed to allocate network(s): nova.exception.VirtualInterfaceCreateException: "
    "Virtual Interface creation failed",
]
AMQP_ERROR = ("[-] [{u8}] AMQP server on controller-0.internalapi.localdomain:5672 is unreachable: "
              "[Errno 111] ECONNREFUSED. Trying again in 1 seconds.: ConnectionRefusedError: "
              "[Errno 111] ECONNREFUSED")
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/usr/lib/python3.6/site-packages/oslo_messaging/rpc/server.py", line 165, in '
    "_process_incoming",
    "    res = self.dispatcher.dispatch(message)",
    '  File "/usr/lib/python3.6/site-packages/nova/conductor/manager.py", line 1459, in '
    "schedule_and_build_instances",
    "    instance_uuids, return_alternates=True)",
    "oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to message ID {u}",
]
RABBIT_INFO = [
    "accepting AMQP connection <0.{n}.0> (172.17.1.{a}:{n} -> 172.17.1.10:5672)",
    "connection <0.{n}.0> (172.17.1.{a}:{n} -> 172.17.1.10:5672): user 'guest' authenticated and "
    "granted access to vhost '/'",
    "Mirrored queue 'q-agent-notifier-port-update_fanout_{u}' in vhost '/': Synchronising: 0 "
    "messages to synchronise",
]
RABBIT_WARN = ["closing AMQP connection <0.{n}.0> (172.17.1.{a}:{n} -> 172.17.1.10:5672, vhost: '/', "
               "user: 'guest'):\nclient unexpectedly closed TCP connection"]
RABBIT_ERROR = ["closing AMQP connection <0.{n}.0> (172.17.1.{a}:{n} -> 172.17.1.10:5672):\nmissed "
                "heartbeats from client, timeout: 60s"]
RABBIT_PARTITION = ("Mnesia(rabbit@{host}): ** ERROR ** mnesia_event got {{inconsistent_database, "
                    "running_partitioned_network, 'rabbit@controller-1'}}")
MYSQL_INFO = ["WSREP: Member {a}.0 (controller-{a}) synced with group.",
              "WSREP: Shifting JOINED -> SYNCED (TO: {n})",
              "WSREP: (c2d1b3a0, 'tcp://172.17.1.{a}:4567') turning message relay requesting off"]
MYSQL_WARN = ["Aborted connection {n} to db: 'nova' user: 'nova' host: '172.17.1.{a}' (Got an error "
              "reading communication packets)"]
SYSLOG_INFO = ["systemd[1]: Started {c} healthcheck.",
               "podman[{n}]: {ts} +0000 UTC m=+0.2{n} container exec {cid} (image={image}, name={c}, "
               "health_status=healthy, config_id=tripleo_step4, managed_by=tripleo_ansible)",
               "systemd[1]: tripleo_{c}_healthcheck.service: Succeeded.",
               "pacemaker-controld[3519]:  notice: Result of monitor operation for {c} on {host}: ok"]
SYSLOG_FAILED_UNIT = "systemd[1]: tripleo_{c}_healthcheck.service: Main process exited, code=exited, status=1/FAILURE"
SYSLOG_INCIDENT = ("pacemaker-controld[3519]:  error: Result of monitor operation for rabbitmq on "
                   "rabbitmq-bundle-0: not running")
SYSLOG_OOM = "kernel: Out of memory: Killed process {n} (qemu-kvm) total-vm:{n}kB, anon-rss:{n}kB, file-rss:0kB"


@dataclass
class Node:
    host: str
    role: str
    index: int          # index within its role
    seed: int


class Lines:
    """Deterministic line factory for one log file (its own clock and random stream)."""

    def __init__(self, rng: random.Random, target_bytes: int):
        self.rng = rng
        self.target = max(target_bytes, 1)
        self.start = COLLECTED - LOG_SPAN
        self.ts = self.start
        self.written = 0

    def tick(self) -> datetime:
        """The time of the next line: the file's share written so far of the span before collection."""
        self.ts = self.start + LOG_SPAN * (self.written / self.target)
        return self.ts

    def in_incident(self) -> bool:
        return INCIDENT[0] <= self.ts < INCIDENT[1]

    def fill(self, template: str, **extra) -> str:
        rng = self.rng
        return template.format(a=rng.randrange(0, 3), n=rng.randrange(100, 60000), t=rng.randrange(1000, 9999),
                               f=f"{rng.random() * 30:.2f}", u=f"{rng.getrandbits(128):032x}",
                               u8=f"{rng.getrandbits(32):08x}", uuid=_uuid(rng), **extra)


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _fill_to(w: Lines, make_line) -> bytes:
    out: list[str] = []
    while w.written < w.target:
        line = make_line()
        out.append(line)
        w.written += len(line)
    return "".join(out).encode()


def oslo_log(rng: random.Random, logger: str, target: int) -> bytes:
    w = Lines(rng, target)
    pid = rng.randrange(7, 40)

    def line() -> str:
        ts = w.tick()
        stamp = ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
        req = f"req-{_uuid(rng)} 5e3a1b7c9d0f4e2a8b6c1d3e5f7a9b0c 8d6e4f2a0b1c3d5e7f9a1b3c5d7e9f0a - default default"
        roll = rng.random()
        if w.in_incident() and roll < 0.3:
            return f"{stamp} {pid} ERROR oslo.messaging._drivers.impl_rabbit {w.fill(AMQP_ERROR)}\n"
        if roll < 0.003:
            text = f"{stamp} {pid} ERROR {logger} [{req}] {w.fill(rng.choice(OSLO_ERROR))}\n"
            if rng.random() < 0.1:
                u = f"{rng.getrandbits(128):032x}"
                text += "".join(f"{stamp} {pid} ERROR {logger} {tb.format(u=u)}\n" for tb in TRACEBACK)
            return text
        if roll < 0.013:
            return f"{stamp} {pid} WARNING {logger} [{req}] {w.fill(rng.choice(OSLO_WARN))}\n"
        return f"{stamp} {pid} INFO {logger} [{req}] {w.fill(rng.choice(OSLO_INFO))}\n"

    return _fill_to(w, line)


def rabbit_log(rng: random.Random, host: str, target: int) -> bytes:
    w = Lines(rng, target)
    partition_logged = False

    def line() -> str:
        nonlocal partition_logged
        ts = w.tick()
        stamp = ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
        if host == "controller-0" and w.in_incident() and not partition_logged:
            partition_logged = True
            return f"{stamp} [error] <0.{rng.randrange(100, 9999)}.0> {RABBIT_PARTITION.format(host=host)}\n"
        roll = rng.random()
        level, pool = (("error", RABBIT_ERROR) if roll < 0.003 else
                       ("warning", RABBIT_WARN) if roll < 0.01 else ("info", RABBIT_INFO))
        return f"{stamp} [{level}] <0.{rng.randrange(100, 9999)}.0> {w.fill(rng.choice(pool))}\n"

    return _fill_to(w, line)


def mysql_log(rng: random.Random, target: int) -> bytes:
    w = Lines(rng, target)

    def line() -> str:
        ts = w.tick()
        stamp = f"{ts:%Y-%m-%d} {ts.hour:2d}:{ts:%M:%S}"
        if rng.random() < 0.01:
            return f"{stamp} {rng.randrange(1, 200)} [Warning] {w.fill(rng.choice(MYSQL_WARN))}\n"
        return f"{stamp} {rng.randrange(1, 200)} [Note] {w.fill(rng.choice(MYSQL_INFO))}\n"

    return _fill_to(w, line)


def syslog(rng: random.Random, node: Node, target: int) -> bytes:
    """systemd/podman/pacemaker chatter; healthcheck failures now and then, pacemaker errors on
    controller-0 during the incident, one OOM kill on compute-0 halfway through."""
    w = Lines(rng, target)
    containers = [c.format(i=node.index) for c in CONTAINERS[node.role]]
    oom_pending = node.host == "compute-0"

    def line() -> str:
        nonlocal oom_pending
        ts = w.tick()
        stamp = f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S}"
        c = rng.choice(containers)
        roll = rng.random()
        if oom_pending and w.written > w.target // 2:
            oom_pending = False
            template = SYSLOG_OOM
        elif node.host == "controller-0" and w.in_incident() and roll < 0.05:
            template = SYSLOG_INCIDENT
        elif roll < 0.001:
            template = SYSLOG_FAILED_UNIT
        else:
            template = rng.choice(SYSLOG_INFO)
        text = w.fill(template, c=c, host=node.host, cid=f"{rng.getrandbits(256):064x}",
                      image=IMAGE.format(c.split("-bundle")[0].replace("_", "-")),
                      ts=f"{ts:%Y-%m-%d %H:%M:%S}.{ts.microsecond:06d}")
        return f"{stamp} {node.host} {text}\n"

    return _fill_to(w, line)


def pcs_status(controllers: int) -> bytes:
    """`pcs status --full` (Pacemaker 2.0.5) of the cluster of `controllers` nodes."""
    names = [f"controller-{i}" for i in range(controllers)]
    online = " ".join(f"{n} ({i + 1})" for i, n in enumerate(names))
    out = ["Cluster name: tripleo_cluster", "Cluster Summary:", "  * Stack: corosync",
           "  * Current DC: controller-0 (1) (version 2.0.5-9.el8_4.5-ba59be7122) - partition with quorum",
           "  * Last updated: Thu May 14 04:50:01 2020",
           "  * Last change:  Wed May 13 18:30:01 2020 by root via crm_resource on controller-0",
           f"  * {controllers * 4 + controllers} nodes configured",
           f"  * {controllers * 10 + 4} resource instances configured", "", "Node List:",
           f"  * Online: [ {online} ]",
           "  * GuestOnline: [ " + " ".join(f"{b}-bundle-{i}@{n}" for b in ("galera", "rabbitmq", "redis")
                                             for i, n in enumerate(names)) + " ]",
           "", "Full List of Resources:"]
    for bundle, agent, role in (("galera", "galera", "Master"), ("rabbitmq", "rabbitmq-cluster", "Started"),
                                ("redis", "redis", None)):
        out.append(f"  * Container bundle set: {bundle}-bundle "
                   f"[cluster.common.tag/rhosp16-openstack-{'mariadb' if bundle == 'galera' else bundle}:pcmklatest]:")
        for i, n in enumerate(names):
            state = role or ("Master" if i == 0 else "Slave")
            out += [f"    * Replica[{i}]",
                    f"      * {bundle}\t(ocf::heartbeat:{agent}):\t {state} {bundle}-bundle-{i}",
                    f"      * {bundle}-bundle-podman-{i}\t(ocf::heartbeat:podman):\t Started {n}",
                    f"      * {bundle}-bundle-{i}\t(ocf::pacemaker:remote):\t Started {n}"]
    for k, vip in enumerate(("192.168.24.8", "10.0.0.105", "172.17.1.150", "172.17.3.120")):
        out.append(f"  * ip-{vip}\t(ocf::heartbeat:IPaddr2):\t Started {names[k % controllers]}")
    out.append("  * Container bundle set: haproxy-bundle "
               "[cluster.common.tag/rhosp16-openstack-haproxy:pcmklatest]:")
    out += [f"    * haproxy-bundle-podman-{i}\t(ocf::heartbeat:podman):\t Started {n}" for i, n in enumerate(names)]
    out += ["", "Failed Resource Actions:",
            "  * rabbitmq_monitor_10000 on rabbitmq-bundle-0 'not running' (7): call=1201, status='complete', "
            "exitreason='', last-rc-change='2020-05-14 02:10:31Z', queued=0ms, exec=0ms",
            "", "Fencing History:", "  * No fencing history", "", "Tickets:", "", "PCSD Status:"]
    out += [f"  {n}: Online" for n in names]
    out += ["", "Daemon Status:", "  corosync: active/enabled", "  pacemaker: active/enabled",
            "  pcsd: active/enabled", ""]
    return "\n".join(out).encode()


def podman_ps(rng: random.Random, node: Node) -> bytes:
    """`podman ps -a` of the node (heat_engine exited 1 on controller-1); like podman, each
    column is as wide as its widest cell plus two spaces."""
    rows = [("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")]
    for c in CONTAINERS[node.role]:
        name = c.format(i=node.index)
        image = IMAGE.format(name.split("-bundle")[0].replace("_", "-"))
        status = ("Exited (1) 2 hours ago" if (name == "heat_engine" and node.host == "controller-1")
                  else "Up 3 days ago (healthy)")
        rows.append((f"{rng.getrandbits(48):012x}", image, "kolla_start", "3 days ago", status, "", name))
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(6)]
    lines = ["".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[6] for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = MTIME
    ti.mode = 0o644
    ti.uname = ti.gname = "root"
    tf.addfile(ti, io.BytesIO(data))


def _log_files(node: Node, rng: random.Random, log_bytes: int, controllers: int):
    """(path, bytes) of every log of the node, generated one at a time."""
    shares = SHARES[node.role]
    oslo_total = int(log_bytes * shares["oslo"])
    for rel, logger, share in OSLO_FILES[node.role]:
        yield f"var/log/containers/{rel}", oslo_log(rng, logger, int(oslo_total * share))
    if "rabbit" in shares:
        yield (f"var/log/containers/rabbitmq/rabbit@{node.host}.log",
               rabbit_log(rng, node.host, int(log_bytes * shares["rabbit"])))
        yield "var/log/containers/mysql/mysqld.log", mysql_log(rng, int(log_bytes * shares["mysql"]))
    yield "var/log/messages", syslog(rng, node, int(log_bytes * shares["messages"]))


def node_archive(out: Path, node: Node, log_bytes: int, controllers: int) -> Path:
    rng = random.Random(node.seed)
    root = f"sosreport-{node.host}-2020-05-14-{''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(7))}"
    path = out / f"{root}.tar.xz"
    tmp = path.with_suffix(".part")
    with _sos_xz(tmp) as xz, tarfile.open(fileobj=xz, mode="w|", format=tarfile.GNU_FORMAT) as tf:
        _add(tf, f"{root}/version.txt", b"sosreport: 4.2\n")
        _add(tf, f"{root}/sos_commands/host/hostname", f"{node.host}\n".encode())
        _add(tf, f"{root}/sos_commands/systemd/timedatectl",
             b"               Local time: Thu 2020-05-14 04:50:01 UTC\n"
             b"           Universal time: Thu 2020-05-14 04:50:01 UTC\n"
             b"                 RTC time: Thu 2020-05-14 04:50:01\n"
             b"                Time zone: UTC (UTC, +0000)\n"
             b"System clock synchronized: yes\n"
             b"              NTP service: active\n"
             b"          RTC in local TZ: no\n")
        _add(tf, f"{root}/etc/rhosp-release", b"Red Hat OpenStack Platform release 16.2.0 (Train)\n")
        _add(tf, f"{root}/sos_commands/podman/podman_ps_-a", podman_ps(rng, node))
        if node.role == "controller":
            _add(tf, f"{root}/sos_commands/pacemaker/pcs_status_--full", pcs_status(controllers))
        for i in range(3000):   # the many small members of a real sosreport, not catalogued
            _add(tf, f"{root}/proc/sys/net/ipv4/conf/item{i}", f"{i}\n".encode())
        for rel, data in _log_files(node, rng, log_bytes, controllers):
            _add(tf, f"{root}/{rel}", data)
    tmp.replace(path)
    return path


@contextmanager
def _sos_xz(path: Path):
    """A file object compressing into `path` as sos does (`xz -2 -T4`: independent blocks of
    6 MiB, listed in the index); Python's lzma (one block) where there is no xz command."""
    if shutil.which("xz") is None:
        with lzma.open(path, "wb", preset=2) as xz:
            yield xz
        return
    with open(path, "wb") as out:
        proc = subprocess.Popen(["xz", "-2", "-T4", "-c"], stdin=subprocess.PIPE, stdout=out)
        try:
            yield proc.stdin
        finally:
            proc.stdin.close()
            if proc.wait() != 0:
                raise RuntimeError(f"xz failed on {path} (exit {proc.returncode})")


def _node_job(args: tuple[Path, Node, int, int]) -> Path:
    return node_archive(*args)


def generate(out: Path, controllers: int, computes: int, log_mb: float, jobs: int = 1) -> list[Path]:
    """Write one archive per node into `out`; `log_mb` is the uncompressed log volume of the case."""
    out.mkdir(parents=True, exist_ok=True)
    nodes = [Node(f"controller-{i}", "controller", i, seed=i) for i in range(controllers)] + \
            [Node(f"compute-{i}", "compute", i, seed=100 + i) for i in range(computes)]
    per_node = int(log_mb * 1e6 / max(len(nodes), 1))
    jobs_args = [(out, node, per_node, controllers) for node in nodes]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(_node_job, jobs_args))
    return [_node_job(a) for a in jobs_args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--controllers", type=int, default=3)
    ap.add_argument("--computes", type=int, default=1)
    ap.add_argument("--log-mb", type=float, default=200, help="uncompressed log volume of the whole case (MB)")
    ap.add_argument("--jobs", type=int, default=1, help="nodes generated in parallel processes")
    args = ap.parse_args()
    t0 = time.perf_counter()
    paths = generate(args.out, args.controllers, args.computes, args.log_mb, args.jobs)
    for p in paths:
        print(f"{p}  {p.stat().st_size / 1e6:.1f} MB")
    print(f"generated in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
