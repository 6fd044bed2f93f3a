"""Generate a large, realistic case bundle deterministically: N controllers + M computes.

Each node is a sos 4.x sosreport `.tar.xz` with identity files, a podman ps, and a chosen
volume of logs under var/log/containers (oslo.log with a realistic mix of INFO, WARNING,
ERROR and tracebacks), var/log/messages, plus a few thousand small uncatalogued members, as a
real sosreport has.

    python bench/gen_case.py OUT_DIR --controllers 3 --computes 1 --log-mb 500
"""

from __future__ import annotations

import argparse
import io
import lzma
import random
import tarfile
import time
from datetime import datetime, timedelta
from pathlib import Path

SERVICES = {
    "controller": [("nova", "nova-api.log", "nova.api.openstack.wsgi"), ("nova", "nova-conductor.log", "nova.conductor.manager"),
                   ("neutron", "server.log", "neutron.wsgi"), ("keystone", "keystone.log", "keystone.server.flask"),
                   ("cinder", "cinder-api.log", "cinder.api.openstack"), ("glance", "api.log", "glance.api")],
    "compute": [("nova", "nova-compute.log", "nova.compute.manager"),
                ("neutron", "ovn-metadata-agent.log", "neutron.agent.ovn.metadata.agent")],
}
MESSAGES_INFO = [
    '172.17.1.{a} "GET /v2.1/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.{t:04d}',
    "Lock \"compute_resources\" acquired by \"nova.compute.resource_tracker.ResourceTracker._update_available_resource\" :: waited 0.000s",
    "Took 0.{t:03d} seconds to build instance.",
    "Successfully synced instances from host 'compute-{a}'.",
]
MESSAGES_WARN = [
    "Unable to find authentication plugin for token, retrying in {a} seconds",
    "Timed out waiting for a reply to message ID {u}",
]
MESSAGES_ERR = [
    "AMQP server on controller-{a}.internalapi.localdomain:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 1 seconds.",
    "DBConnectionError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')",
]
TRACEBACK = """Traceback (most recent call last):
  File "/usr/lib/python3.6/site-packages/oslo_messaging/rpc/server.py", line 165, in _process_incoming
    res = self.dispatcher.dispatch(message)
  File "/usr/lib/python3.6/site-packages/nova/conductor/manager.py", line 1459, in schedule_and_build_instances
    instance_uuids, return_alternates=True)
oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to message ID {u}"""


def oslo_lines(rng: random.Random, logger: str, start: datetime, target_bytes: int) -> bytes:
    out = io.StringIO()
    size = 0
    ts = start
    pid = rng.randint(7, 40)
    while size < target_bytes:
        ts += timedelta(milliseconds=rng.randint(1, 400))
        roll = rng.random()
        req = f"req-{rng.getrandbits(128):032x}"
        u = f"{rng.getrandbits(64):016x}"
        a = rng.randint(0, 2)
        t = rng.randint(0, 9999)
        if roll < 0.93:
            level, msg = "INFO", rng.choice(MESSAGES_INFO)
        elif roll < 0.98:
            level, msg = "WARNING", rng.choice(MESSAGES_WARN)
        else:
            level, msg = "ERROR", rng.choice(MESSAGES_ERR)
        stamp = ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
        line = f"{stamp} {pid} {level} {logger} [{req} 5e3a1b7c9d - default default] {msg.format(a=a, t=t, u=u)}\n"
        if level == "ERROR" and roll > 0.995:
            for tb_line in TRACEBACK.format(u=u).splitlines():
                line += f"{stamp} {pid} ERROR {logger} {tb_line}\n"
        out.write(line)
        size += len(line)
    return out.getvalue().encode()


def _add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = 1589431552
    ti.mode = 0o644
    tf.addfile(ti, io.BytesIO(data))


def node_archive(out: Path, host: str, role: str, log_bytes: int, seed: int) -> Path:
    rng = random.Random(seed)
    root = f"sosreport-{host}-2020-05-14-{''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(7))}"
    path = out / f"{root}.tar.xz"
    start = datetime(2020, 5, 13, 0, 0, 0)
    services = SERVICES[role]
    with lzma.open(path, "wb", preset=3) as xz, tarfile.open(fileobj=xz, mode="w|") as tf:
        _add(tf, f"{root}/version.txt", b"sosreport: 4.2\n")
        _add(tf, f"{root}/sos_commands/host/hostname", f"{host}\n".encode())
        _add(tf, f"{root}/sos_commands/systemd/timedatectl",
             b"               Local time: Thu 2020-05-14 04:50:01 UTC\n"
             b"           Universal time: Thu 2020-05-14 04:50:01 UTC\n"
             b"                Time zone: UTC (UTC, +0000)\n")
        _add(tf, f"{root}/etc/rhosp-release", b"Red Hat OpenStack Platform release 16.2.0 (Train)\n")
        for i in range(3000):   # the many small members of a real sosreport, not catalogued
            _add(tf, f"{root}/proc/sys/net/ipv4/conf/item{i}", f"{i}\n".encode())
        per_file = max(log_bytes // len(services), 1)
        for n, (svc, fname, logger) in enumerate(services):
            _add(tf, f"{root}/var/log/containers/{svc}/{fname}", oslo_lines(rng, logger, start, per_file))
    return path


def generate(out: Path, controllers: int, computes: int, log_mb: float) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    nodes = [(f"controller-{i}", "controller") for i in range(controllers)] + \
            [(f"compute-{i}", "compute") for i in range(computes)]
    per_node = int(log_mb * 1e6 / max(len(nodes), 1))
    return [node_archive(out, host, role, per_node, seed=i) for i, (host, role) in enumerate(nodes)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--controllers", type=int, default=3)
    ap.add_argument("--computes", type=int, default=1)
    ap.add_argument("--log-mb", type=float, default=200, help="uncompressed log volume of the whole case")
    args = ap.parse_args()
    t0 = time.perf_counter()
    paths = generate(args.out, args.controllers, args.computes, args.log_mb)
    for p in paths:
        print(f"{p}  {p.stat().st_size / 1e6:.1f} MB")
    print(f"generated in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
