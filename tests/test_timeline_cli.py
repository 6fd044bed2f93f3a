"""`sos-analyzer timeline`: merged UTC order across nodes, filters, formats, streaming."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.bundle import NodeInfo
from analyzer.cli import main
from analyzer.logs.scan import LogScanner
from analyzer.logs.chunks import ChunkTotals, scan_chunks
from analyzer.timeline import RECORD_FIELDS, clock_corrections, plan_inputs

REPO = Path(__file__).resolve().parents[1]
CASE16 = REPO / "fixtures" / "rhosp16-podman"
INCIDENT = ["--since", "2022-05-14T04:45", "--until", "2022-05-14T04:47", "--level", "ERROR"]


def run(*args: str):
    result = CliRunner().invoke(main, ["timeline", *map(str, args)])
    return result


def records(stdout: str) -> list[tuple[str, str, str, str, str]]:
    """(ts, node, service, level, message) of each record line of the text output."""
    out = []
    for line in stdout.splitlines():
        if line.startswith(" "):
            continue
        ts, node, service, level, *message = line.split(None, 4)
        out.append((ts, node, service, level, message[0] if message else ""))
    return out


def detail_of(stdout: str, first_line_part: str) -> list[str]:
    """The indented lines printed under the record whose line contains `first_line_part`."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if first_line_part in line and not line.startswith(" "))
    detail = []
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        detail.append(line[4:])
    return detail


# --- the rhosp16-podman fixture -------------------------------------------------------------

def test_incident_in_true_order_across_zones_and_skewed_clock():
    result = run(CASE16, *INCIDENT)
    assert result.exit_code == 0, result.output
    recs = records(result.stdout)
    # controller-2 logs the partition at 04:52:52.310 on a clock 420 s ahead
    assert recs[0][:4] == ("2022-05-14T04:45:52.310Z", "controller-2", "rabbitmq", "ERROR")
    assert recs[0][4] == "Partial partition detected:"
    assert detail_of(result.stdout, "Partial partition detected")[0] == " * We saw DOWN from rabbit@controller-0"
    amqp = [(ts, node) for ts, node, _, _, msg in recs if "AMQP server on controller-2" in msg]
    first_per_node = [(ts, node) for i, (ts, node) in enumerate(amqp) if node not in {n for _, n in amqp[:i]}]
    # compute-0 writes 00:46:03.545 (America/New_York, EDT)
    assert first_per_node == [("2022-05-14T04:46:01.227Z", "controller-0"),
                              ("2022-05-14T04:46:02.719Z", "controller-1"),
                              ("2022-05-14T04:46:03.545Z", "compute-0")]
    stamps = [r[0] for r in recs]
    assert stamps == sorted(stamps)
    assert "controller-2: clock +420.0 s off" in result.stderr


def test_raw_clocks_keep_controller2_as_logged():
    result = run(CASE16, "--raw-clocks", "--level", "ERROR", "--since", "2022-05-14T04:45",
                 "--until", "2022-05-14T04:53")
    recs = records(result.stdout)
    partition = next(i for i, r in enumerate(recs) if r[4] == "Partial partition detected:")
    first_amqp = next(i for i, r in enumerate(recs) if "AMQP server" in r[4])
    assert recs[partition][0] == "2022-05-14T04:52:52.310Z"
    assert first_amqp < partition
    assert "clock" not in result.stderr


def test_manual_clock_offset_overrides_the_estimate():
    result = run(CASE16, *INCIDENT, "--clock-offset", "controller-2=400")
    partition = next(r for r in records(result.stdout) if r[4] == "Partial partition detected:")
    assert partition[0] == "2022-05-14T04:46:12.310Z"   # 04:52:52.310 - 400 s


def test_node_and_grep_filters():
    result = run(CASE16, "--level", "ERROR", "--grep", r"AMQP server on \S+ is unreachable")
    recs = records(result.stdout)
    assert {r[1] for r in recs} == {"controller-0", "controller-1", "compute-0"}
    assert all("is unreachable" in r[4] for r in recs)
    only = records(run(CASE16, "--level", "ERROR", "--grep", "AMQP server", "--node", "compute-0").stdout)
    assert {r[1] for r in only} == {"compute-0"}
    assert len(only) == sum(1 for r in recs if r[1] == "compute-0") > 0


def test_grep_searches_the_traceback_too():
    # the exception class appears only in the traceback of heat_engine's container output
    result = run(CASE16, "--level", "ERROR", "--service", "heat_engine", "--grep", "in __getattr__")
    recs = records(result.stdout)
    assert [(r[1], r[4]) for r in recs] == [("controller-1", "Traceback (most recent call last):")]
    detail = detail_of(result.stdout, "Traceback (most recent call last)")
    assert detail[-1].startswith("oslo_config.cfg.ConfigFileValueError: Value for option max_resources_per_stack")
    assert len(detail) == 7


def test_since_relative_to_the_latest_collection():
    everything = records(run(CASE16, "--level", "ERROR").stdout)
    assert any(r[:2] == ("2022-05-12T09:14:27.518Z", "controller-1") for r in everything)  # heat died
    recent = records(run(CASE16, "--level", "ERROR", "--since", "1h").stdout)
    # latest collection on the corrected clock: compute-0 at 05:20:19 -> since 04:20:19
    assert recent and all(r[0] >= "2022-05-14T04:20:19" for r in recent)
    assert recent[0][4] == "Partial partition detected:"
    assert len(recent) < len(everything)


def test_level_warning_by_default_and_info_on_request():
    warn = records(run(CASE16, "--node", "controller-0", "--service", "keystone").stdout)
    info = records(run(CASE16, "--node", "controller-0", "--service", "keystone", "--level", "INFO").stdout)
    assert {r[3] for r in warn} <= {"WARNING", "ERROR", "CRITICAL"}
    log = (CASE16 / "sosreport-controller-0-2022-05-14-qhtrjvb/var/log/containers/keystone/keystone.log").read_text()
    info_lines = sum(1 for line in log.splitlines() if " INFO " in line)
    assert info_lines > 0
    assert sum(1 for r in info if r[3] == "INFO") >= info_lines
    assert "DEBUG" not in {r[3] for r in info}
    debug = records(run(CASE16, "--node", "controller-0", "--service", "keystone", "--level", "debug").stdout)
    assert sum(1 for r in debug if r[3] == "DEBUG") == sum(1 for line in log.splitlines() if " DEBUG " in line)


def test_json_and_csv_carry_the_same_records_with_tracebacks():
    json_out = run(CASE16, "--format", "json", "--level", "ERROR").stdout
    rows = [json.loads(line) for line in json_out.splitlines()]
    assert all(list(row) == list(RECORD_FIELDS) for row in rows)
    heat = [r for r in rows if r["service"] == "heat_engine"]
    assert heat[0]["message"] == "Traceback (most recent call last):"
    assert heat[0]["detail"].count("\n") == 6 and "ConfigFileValueError" in heat[0]["detail"]
    partition = next(r for r in rows if r["message"] == "Partial partition detected:")
    assert partition["clock_offset_s"] == 420.0 and partition["ts"] == "2022-05-14T04:45:52.310Z"
    assert partition["file"] == "var/log/containers/rabbitmq/rabbit@controller-2.log"
    csv_rows = list(csv.DictReader(io.StringIO(run(CASE16, "--format", "csv", "--level", "ERROR").stdout)))
    assert [(r["ts"], r["node"], r["message"], r["detail"]) for r in csv_rows] == \
        [(r["ts"], r["node"], r["message"], r["detail"]) for r in rows]


def test_tarballs_give_the_same_stream_as_folders(tmp_path):
    tarballs = []
    for sosreport in sorted(CASE16.iterdir()):
        target = tmp_path / f"{sosreport.name}.tar.xz"
        with tarfile.open(target, "w:xz") as tar:
            tar.add(sosreport, arcname=sosreport.name)
        tarballs.append(target)
    from_dirs = run(CASE16, *INCIDENT, "--format", "csv").stdout
    from_tars = run(*tarballs, *INCIDENT, "--format", "csv").stdout
    assert from_tars == from_dirs and from_dirs.count("\n") > 10
    # the same sosreport given twice is not printed twice
    assert run(*tarballs, tarballs[0], *INCIDENT, "--format", "csv").stdout == from_dirs


# --- written cases ---------------------------------------------------------------------------

def _sosreport(root: Path, host: str, date_utc: str, zone: str, logs: dict[str, bytes]) -> Path:
    """A minimal sos 4.x folder: version, host name, date --utc, timedatectl, logs."""
    folder = root / f"sosreport-{host}-2022-01-02-abcdefg"
    files = {
        "version.txt": b"sosreport: 4.2\n",
        "sos_commands/host/hostname": f"{host}.localdomain\n".encode(),
        "sos_commands/date/date_--utc": f"{date_utc}\n".encode(),
        "sos_commands/systemd/timedatectl": (
            f"               Local time: Sun 2022-01-02 10:00:00\n"
            f"           Universal time: Sun 2022-01-02 10:00:00 UTC\n"
            f"                Time zone: {zone} (XXX, +0000)\n"
            f"System clock synchronized: yes\n").encode(),
        **logs,
    }
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def test_syslog_days_across_the_year_turn_merge_with_a_zoned_oslo_log(tmp_path):
    messages = (b"Dec 31 23:59:58 ctl-a pacemaker-controld[3519]:  error: Result of monitor operation for "
                b"galera on galera-bundle-0: Timed Out\n"
                b"Jan  1 00:00:02 ctl-a systemd[1]: tripleo_nova_api.service: Failed with result 'exit-code'.\n"
                b"Jan  1 00:00:03 ctl-a systemd[1]: Started Session 42 of user root.\n")
    # Europe/Madrid is UTC+1 in winter: 00:59:59.500 local is 23:59:59.500 UTC the year before
    oslo = (b"2022-01-01 00:59:59.500 22 ERROR oslo.messaging._drivers.impl_rabbit [-] "
            b"AMQP server on ctl-a.internalapi.localdomain:5672 is unreachable\n")
    _sosreport(tmp_path, "ctl-a", "Sun Jan  2 10:00:00 UTC 2022", "UTC", {"var/log/messages": messages})
    _sosreport(tmp_path, "ctl-b", "Sun Jan  2 10:00:03 UTC 2022", "Europe/Madrid",
               {"var/log/containers/nova/nova-conductor.log": oslo})
    result = run(tmp_path)
    assert result.exit_code == 0, result.output
    assert [r[:4] for r in records(result.stdout)] == [
        ("2021-12-31T23:59:58.000Z", "ctl-a", "pacemaker-controld", "ERROR"),
        ("2021-12-31T23:59:59.500Z", "ctl-b", "nova", "ERROR"),
        ("2022-01-01T00:00:02.000Z", "ctl-a", "systemd", "ERROR"),
    ]


def _oslo_lines(start_hour: int, count: int, pid: int = 8) -> bytes:
    out = []
    for i in range(count):
        stamp = f"2022-05-14 {start_hour:02d}:{i // 60:02d}:{i % 60:02d}.{i % 1000:03d}"
        level = "ERROR" if i % 10 == 3 else "INFO"
        out.append(f"{stamp} {pid} {level} nova.compute.manager [req-0f1e2d3c-4b5a-4697-8877-{i:012d} - - - - -] "
                   f"event {start_hour}-{i}\n")
    return "".join(out).encode()


def test_gzip_rotated_logs_are_read_and_merged(tmp_path):
    tree = tmp_path / "compute-7" / "var" / "log" / "containers"
    (tree / "nova").mkdir(parents=True)
    (tree / "nova" / "nova-compute.log.1.gz").write_bytes(gzip.compress(_oslo_lines(1, 40)))
    (tree / "nova" / "nova-compute.log").write_bytes(_oslo_lines(2, 40))
    result = run(tree, "--node-alias", f"cmp7={tree}")
    recs = records(result.stdout)
    assert [r[4] for r in recs] == [f"event {h}-{i}" for h in (1, 2) for i in range(3, 40, 10)]
    assert {r[1] for r in recs} == {"cmp7"}
    lines = [json.loads(x) for x in run(tree, "--format", "json").stdout.splitlines()]
    assert lines[0]["file"] == "var/log/containers/nova/nova-compute.log.1.gz" and lines[0]["line"] == 4
    # a loose gzip log
    loose = tmp_path / "nova-compute.log.2.gz"
    loose.write_bytes(gzip.compress(_oslo_lines(5, 20)))
    assert [r[4] for r in records(run(loose).stdout)] == ["event 5-3", "event 5-13"]


def test_records_without_time_come_last_with_a_note(tmp_path):
    tree = tmp_path / "var" / "log" / "containers"
    (tree / "stdouts").mkdir(parents=True)
    (tree / "nova").mkdir()
    (tree / "stdouts" / "nova_compute.log").write_text(
        "+ sudo -E kolla_set_configs\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/bin/nova-compute", line 10, in <module>\n'
        "    sys.exit(main())\n"
        "oslo_config.cfg.ConfigFileParseError: Failed to parse /etc/nova/nova.conf: at line 12\n")
    (tree / "nova" / "nova-compute.log").write_bytes(_oslo_lines(3, 20))
    result = run(tree, "--node-alias", f"compute-1={tree}")
    recs = records(result.stdout)
    assert [r[0] for r in recs] == ["2022-05-14T03:00:03.003Z", "2022-05-14T03:00:13.013Z", "-"]
    assert recs[-1][1:] == ("compute-1", "nova_compute", "ERROR", "Traceback (most recent call last):")
    assert detail_of(result.stdout, "Traceback")[-1].startswith("oslo_config.cfg.ConfigFileParseError")
    assert "1 record(s) without a time follow" in result.stderr
    # a time window leaves them out: they cannot be placed in it
    assert "-" not in [r[0] for r in records(run(tree, "--since", "2022-05-14T03:00").stdout)]


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "neither an ISO time"),
    (["--until", "2022-13-01"], "neither an ISO time"),
    (["--grep", "("], "--grep"),
    (["--node", "controller-9"], "no node controller-9"),
    (["--node-alias", "controller-0"], "NAME=VALUE"),
    (["--clock-offset", "controller-2=ahead"], "not a number"),
    (["--level", "NOTICE"], "NOTICE"),
])
def test_usage_errors_exit_2(args, message):
    result = run(CASE16, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_input_and_nothing_readable_exit_2(tmp_path):
    assert run(tmp_path / "nope").exit_code == 2
    (tmp_path / "notes.txt").write_text("call the customer back\n")
    result = run(tmp_path / "notes.txt")
    assert result.exit_code == 2 and "not a log" in result.stderr


# --- chunked reading --------------------------------------------------------------------------

def _oslo_with_tracebacks(records_count: int) -> bytes:
    out = []
    for i in range(records_count):
        stamp = f"2022-05-14 04:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}"
        if i % 7 == 0:
            out.append(f"{stamp} 22 ERROR nova.compute.manager [req-aa{i:06d}-0000-4000-8000-000000000000 - - - - -] "
                       f"Build of instance {i} aborted\n")
            out.append(f"{stamp} 22 ERROR nova.compute.manager Traceback (most recent call last):\n")
            for depth in range(i % 5 + 2):
                out.append(f'{stamp} 22 ERROR nova.compute.manager   File "/usr/lib/python3.6/site-packages/'
                           f'nova/compute/manager.py", line {100 + depth}, in f{depth}\n')
            out.append(f"{stamp} 22 ERROR nova.compute.manager nova.exception.BuildAbortException: {i}\n")
        else:
            out.append(f"{stamp} 22 INFO nova.compute.manager [-] periodic task {i}\n")
    return "".join(out).encode()


@pytest.mark.parametrize("chunk", [997, 4096, 65536])
def test_chunks_keep_tracebacks_that_cross_the_cut(chunk):
    data = _oslo_with_tracebacks(600)
    scanner = LogScanner()
    whole = scanner.scan(data, "var/log/containers/nova/nova-compute.log", "oslo").records
    chunked = list(scan_chunks(io.BytesIO(data), "var/log/containers/nova/nova-compute.log", scanner, "oslo",
                               first_chunk=chunk, chunk=chunk))
    assert [(r["line"], r["message"], r["detail"]) for r in chunked] == \
        [(r["line"], r["message"], r["detail"]) for r in whole]
    assert len(chunked) == 86
    assert all(r["detail"].endswith(f"BuildAbortException: {r['message'].split()[3]}") for r in chunked)


def test_chunks_cut_on_line_ends_or_inside_a_line_longer_than_a_chunk():
    """Chunks that end exactly on a newline (no copy), and one line longer than three chunks,
    give the records, line numbers and totals of a whole scan."""
    line = b"2022-05-14 04:00:00.000 22 ERROR nova.compute.manager [-] boom\n"
    long_line = b"2022-05-14 04:00:01.000 22 WARNING nova.compute.manager [-] " + b"x" * 3000 + b"\n"
    data = line * 40 + long_line + line * 40
    scanner = LogScanner()
    whole = scanner.scan(data, "nova-compute.log", "oslo")
    for chunk in (len(line), 4 * len(line), 1000):
        totals = ChunkTotals()
        chunked = list(scan_chunks(io.BytesIO(data), "nova-compute.log", scanner, "oslo",
                                   first_chunk=chunk, chunk=chunk, totals=totals))
        assert [(r["line"], r["level"], len(r["message"])) for r in chunked] == \
            [(r["line"], r["level"], len(r["message"])) for r in whole.records], chunk
        assert totals.lines == whole.lines == 81 and totals.bytes == len(data)
        assert totals.counts == whole.counts


def test_chunks_match_whole_scans_on_realdata(realdata):
    scanner = LogScanner()
    checked = 0
    for path in sorted((realdata / "logs").iterdir()):
        data = path.read_bytes()
        whole = scanner.scan(data, path.name).records
        chunked = list(scan_chunks(io.BytesIO(data), path.name, scanner, first_chunk=8192, chunk=8192))
        assert [(r["line"], r["level"], r["detail"]) for r in chunked] == \
            [(r["line"], r["level"], r["detail"]) for r in whole], path.name
        checked += bool(whole)
    assert checked >= 10


# --- clock offsets ------------------------------------------------------------------------------

def _node(name: str, collected: str) -> NodeInfo:
    return NodeInfo(name=name, collected_at=datetime.fromisoformat(collected).replace(tzinfo=timezone.utc))


def test_date_offset_needs_agreeing_other_nodes():
    nodes = {n.name: n for n in (_node("a", "2022-05-14T05:20:11"), _node("b", "2022-05-14T05:20:14"),
                                 _node("c", "2022-05-14T05:20:19"), _node("d", "2022-05-14T05:27:16"))}
    got = clock_corrections(nodes, [])
    assert list(got) == ["d"] and got["d"].offset_s == 422.0
    # two nodes only: which one is wrong cannot be told
    assert clock_corrections({k: nodes[k] for k in ("a", "d")}, []) == {}
    # collected a day apart: a later collection, not a clock error
    nodes["d"] = _node("d", "2022-05-15T05:20:16")
    assert clock_corrections(nodes, []) == {}


def test_plan_reads_identity_and_lists_logs_without_reading_them():
    plan = plan_inputs([str(CASE16)])
    assert sorted(plan.nodes) == ["compute-0", "controller-0", "controller-1", "controller-2"]
    compute = plan.nodes["compute-0"]
    assert compute.info.timezone == "America/New_York"
    assert compute.info.collected_at == datetime(2022, 5, 14, 5, 20, 19, tzinfo=timezone.utc)
    rels = {f.rel for f in plan.nodes["controller-0"].files}
    assert "var/log/messages" in rels   # through the link to the tailed copy
    assert not any(r.startswith("sos_strings/") for r in rels)


# --- streaming ------------------------------------------------------------------------------------

def _big_log(path: Path, target_bytes: int) -> tuple[int, int]:
    """An oslo log of about `target_bytes`, mostly INFO, 4 ERROR lines per hour block."""
    lines = []
    for i in range(20000):
        level = "ERROR" if i % 5000 == 7 else "INFO"
        lines.append(f"2022-05-DD HH:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} 7 {level} nova.compute.manager "
                     f"[req-1b2c3d4e-0000-4000-8000-{i:012d} - - - - -] Running periodic task "
                     f"ComputeManager._poll_unconfirmed_resizes run_periodic_tasks "
                     f"/usr/lib/python3.6/site-packages/oslo_service/periodic_task.py:217\n")
    block = "".join(lines)
    written = blocks = 0
    with open(path, "w") as out:
        while written < target_bytes:
            text = block.replace("DD", f"{1 + blocks // 24:02d}").replace("HH", f"{blocks % 24:02d}")
            out.write(text)
            written += len(text)
            blocks += 1
    return written, blocks * 4


def _read_position(pid: int, path: Path) -> int | None:
    """Offset the process has read `path` up to (Linux /proc), None when it has it not open."""
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            if os.readlink(fd) == str(path):
                text = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                return int(next(line.split()[1] for line in text.splitlines() if line.startswith("pos:")))
        except OSError:
            continue
    return None


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux /proc")
def test_first_lines_arrive_before_a_large_log_is_read(tmp_path):
    log = tmp_path / "nova-compute.log"
    size, errors = _big_log(log, 200 * 1024 * 1024)
    proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "timeline", str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    try:
        first = proc.stdout.readline().decode()
        position = _read_position(proc.pid, log)
        assert proc.poll() is None, "the process ended before its first line was read"
        assert position is not None and position < size // 4, (position, size)
        rest = proc.stdout.read().decode()
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert first.startswith("2022-05-01T00:00:07.007Z nova-compute.log nova-compute ERROR")
    assert proc.returncode == 0
    assert 1 + rest.count("\n") == errors
