"""Generate a realistic, deterministic log set for the scanner benchmark.

    python bench/gen_logs.py 500M [--out DIR] [--seed 1]

Writes an oslo.log (nova-compute, ~60 % of the size), a RabbitMQ 3.8 log (15 %), a MariaDB
Galera mysqld.log (10 %) and a syslog `messages` (15 %) under DIR (a new temp dir by default)
and prints the directory. About 1 % of the lines are WARNING or worse and one ERROR in ten
carries a traceback, like a busy but unhealthy controller.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

SHARES = {"nova-compute.log": 0.60, "rabbit@controller-0.log": 0.15, "mysqld.log": 0.10,
          "messages": 0.15}
START = datetime(2020, 5, 14, 0, 0, 0)

OSLO_INFO = [
    "[instance: {uuid}] Took {f} seconds to spawn the instance on the hypervisor.",
    "Running periodic task ComputeManager._poll_rebooting_instances run_periodic_tasks "
    "/usr/lib/python3.6/site-packages/oslo_service/periodic_task.py:217",
    "[instance: {uuid}] VM Started (Lifecycle Event)",
    "Auditing locally available compute resources for compute-{n}.localdomain (node: "
    "compute-{n}.localdomain)",
    "Final resource view: name=compute-{n}.localdomain phys_ram={n}MB used_ram={n}MB "
    "phys_disk={n}GB used_disk={n}GB total_vcpus=48 used_vcpus={n} pci_stats=[]",
    "Lock \"compute_resources\" acquired by \"nova.compute.resource_tracker._update_available_"
    "resource\" :: waited 0.000s inner /usr/lib/python3.6/site-packages/oslo_concurrency/"
    "lockutils.py:327",
]
OSLO_WARN = [
    "[instance: {uuid}] Received unexpected event network-vif-plugged-{uuid} for instance "
    "with vm_state active and task_state None.",
    "Timed out waiting for nova-conductor.  Is it running? Or did this service start before "
    "nova-conductor?  Reattempting establishment of nova-conductor connection...",
]
OSLO_ERROR = [
    "AMQP server on controller-{n}.internalapi.localdomain:5672 is unreachable: [Errno 111] "
    "ECONNREFUSED. Trying again in 1 seconds.: ConnectionRefusedError: [Errno 111] "
    "ECONNREFUSED",
    "[instance: {uuid}] Failed to allocate network(s): nova.exception.VirtualInterfaceCreate"
    "Exception: Virtual Interface creation failed",
]
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/usr/lib/python3.6/site-packages/nova/compute/manager.py", line 2437, in '
    "_build_and_run_instance",
    "    block_device_info=block_device_info)",
    '  File "/usr/lib/python3.6/site-packages/nova/virt/libvirt/driver.py", line 3541, in spawn',
    "    destroy_disks_on_failure=True)",
    "nova.exception.VirtualInterfaceCreateException: Virtual Interface creation failed",
]
RABBIT_INFO = [
    "accepting AMQP connection <0.{n}.0> (172.17.1.{b}:{n} -> 172.17.1.10:5672)",
    "connection <0.{n}.0> (172.17.1.{b}:{n} -> 172.17.1.10:5672): user 'guest' authenticated "
    "and granted access to vhost '/'",
    "Mirrored queue 'q-agent-notifier-port-update_fanout_{hex}' in vhost '/': Synchronising: "
    "0 messages to synchronise",
]
RABBIT_WARN = ["closing AMQP connection <0.{n}.0> (172.17.1.{b}:{n} -> 172.17.1.10:5672, "
               "vhost: '/', user: 'guest'):\nclient unexpectedly closed TCP connection"]
RABBIT_ERROR = ["closing AMQP connection <0.{n}.0> (172.17.1.{b}:{n} -> 172.17.1.10:5672):\n"
                "missed heartbeats from client, timeout: 60s"]
MYSQL_INFO = ["WSREP: Member {n}.0 (controller-{n}) synced with group.",
              "WSREP: Shifting JOINED -> SYNCED (TO: {n})",
              "InnoDB: Buffer pool(s) load completed at 200514  4:45:52",
              "WSREP: (c2d1b3a0, 'tcp://172.17.1.{b}:4567') turning message relay requesting off"]
MYSQL_WARN = ["Aborted connection {n} to db: 'nova' user: 'nova' host: '172.17.1.{b}' "
              "(Got an error reading communication packets)"]
MYSQL_ERROR = ["WSREP: gcs/src/gcs_group.cpp:group_post_state_exchange():319: Reversing "
               "history: {n} -> {n}, this member has applied 140 more events than the primary "
               "component.Data loss is possible. Aborting."]
SYSLOG_INFO = ["Started Session {n} of user root.", "Created slice User Slice of root.",
               "podman[{n}]: {hex} container exec (image=undercloud-0.ctlplane.localdomain:8787/"
               "rhosp16/openstack-nova-compute:16.1, name=nova_compute)",
               "IPaddr2(ip-172.17.1.{b})[{n}]: INFO: ARPING 172.17.1.{b} from interface vlan20"]
SYSLOG_PROGRAMS = ["systemd[1]", "podman[4242]", "pacemaker-controld[3519]", "corosync[2167]"]
SYSLOG_BAD = ["pacemaker-controld[3519]:  error: Result of start operation for "
              "rabbitmq-bundle-podman-{n} on controller-{n}: Timed Out",
              "systemd[1]: tripleo_nova_compute.service: Failed with result 'exit-code'.",
              "kernel: Out of memory: Killed process {n} (mysqld) total-vm:{n}kB"]


class Writer:
    """Deterministic line factory for one file."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ts = START

    def fill(self, template: str) -> str:
        rng = self.rng
        out = template
        while "{uuid}" in out:
            out = out.replace("{uuid}", str(uuid.UUID(int=rng.getrandbits(128))), 1)
        while "{n}" in out:
            out = out.replace("{n}", str(rng.randrange(1, 60000)), 1)
        while "{b}" in out:
            out = out.replace("{b}", str(rng.randrange(2, 254)), 1)
        while "{f}" in out:
            out = out.replace("{f}", f"{rng.random() * 30:.2f}", 1)
        while "{hex}" in out:
            out = out.replace("{hex}", f"{rng.getrandbits(48):012x}", 1)
        return out

    def tick(self) -> datetime:
        self.ts += timedelta(microseconds=self.rng.randrange(1000, 40000))
        return self.ts


def oslo_lines(w: Writer):
    rng = w.rng
    while True:
        ts = w.tick()
        stamp = ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
        pid = 7 + rng.randrange(3)
        req = f"req-{uuid.UUID(int=rng.getrandbits(128))} - - - - -"
        roll = rng.random()
        if roll < 0.004:
            yield f"{stamp} {pid} ERROR nova.compute.manager [{req}] {w.fill(rng.choice(OSLO_ERROR))}\n"
            if rng.random() < 0.1:
                for tb in TRACEBACK:
                    yield f"{stamp} {pid} ERROR nova.compute.manager {tb}\n"
        elif roll < 0.01:
            yield f"{stamp} {pid} WARNING nova.compute.manager [{req}] {w.fill(rng.choice(OSLO_WARN))}\n"
        else:
            level = "DEBUG" if roll < 0.6 else "INFO"
            yield f"{stamp} {pid} {level} nova.compute.manager [{req}] {w.fill(rng.choice(OSLO_INFO))}\n"


def rabbit_lines(w: Writer):
    rng = w.rng
    while True:
        ts = w.tick()
        stamp = ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
        roll = rng.random()
        level, pool = (("error", RABBIT_ERROR) if roll < 0.003 else
                       ("warning", RABBIT_WARN) if roll < 0.01 else ("info", RABBIT_INFO))
        yield f"{stamp} [{level}] <0.{rng.randrange(100, 9999)}.0> {w.fill(rng.choice(pool))}\n"


def mysql_lines(w: Writer):
    rng = w.rng
    while True:
        ts = w.tick()
        stamp = f"{ts:%Y-%m-%d} {ts.hour:2d}:{ts:%M:%S}"
        roll = rng.random()
        level, pool = (("ERROR", MYSQL_ERROR) if roll < 0.002 else
                       ("Warning", MYSQL_WARN) if roll < 0.01 else ("Note", MYSQL_INFO))
        yield f"{stamp} {rng.randrange(1, 200)} [{level}] {w.fill(rng.choice(pool))}\n"


def syslog_lines(w: Writer):
    rng = w.rng
    while True:
        ts = w.tick()
        stamp = f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S}"
        if rng.random() < 0.005:
            yield f"{stamp} controller-0 {w.fill(rng.choice(SYSLOG_BAD))}\n"
        else:
            yield (f"{stamp} controller-0 {rng.choice(SYSLOG_PROGRAMS)}: "
                   f"{w.fill(rng.choice(SYSLOG_INFO))}\n")


GENERATORS = {"nova-compute.log": oslo_lines, "rabbit@controller-0.log": rabbit_lines,
              "mysqld.log": mysql_lines, "messages": syslog_lines}


def parse_size(text: str) -> int:
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    text = text.strip().upper().rstrip("B")
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def generate(size: int, out: Path, seed: int = 1) -> list[Path]:
    """Write the log set (about `size` bytes in total) into `out`; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (name, share) in enumerate(SHARES.items()):
        target = int(size * share)
        path = out / name
        lines = GENERATORS[name](Writer(random.Random(seed * 100 + index)))
        written = 0
        with path.open("w", encoding="utf-8") as fh:
            while written < target:
                chunk = "".join(next(lines) for _ in range(2000))
                fh.write(chunk)
                written += len(chunk)
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("size", help="total size, e.g. 500M or 2G")
    ap.add_argument("--out", help="output directory (default: a new temp dir)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="sos-logs-"))
    generate(parse_size(args.size), out, args.seed)
    print(out)


if __name__ == "__main__":
    main()
