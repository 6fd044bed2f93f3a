"""Case analysis benchmark: `sos-analyzer analyze` against `xz -dc` of the same archives, one run.

    python bench/bench_case.py --case /tmp/case4 --log-mb 2300   # generate once, reuse afterwards
    python bench/bench_case.py ARCHIVE ...                       # archives you already have
    python bench/bench_case.py --case /tmp/case4 --profile /tmp/analyze.prof

Measures, in this order and in the same run: `xz -dc ARCHIVE > /dev/null` of every archive one
after the other (the single-stream floor); `sos-analyzer analyze --jobs 1` and `--jobs N`
(N = cores) as child processes, each with its wall time, its peak RSS (ru_maxrss of the child,
which covers its largest descendant) and the peak RSS of the whole process tree (sampled from
/proc every 0.1 s); and `sos-analyzer --version` (best of 5). Prints the ratios and the targets:
analyze --jobs 1 <= 1.3x floor, --jobs N (N >= 2, >= 2 archives) <= 0.8x floor, peak RSS <= 400
MB, --version < 0.5 s. With --stages, the stages of `pipeline.analyze` are run once more in
this process (--jobs 1) with the wall time and peak RSS after each; with --profile, a last run
of analyze --jobs 1 under cProfile writes the profile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen_case import generate  # noqa: E402

TARGETS = {"jobs1": 1.3, "jobsN": 0.8, "rss_mb": 400, "version_s": 0.5}


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """RSS of `root` and all its descendants, in kB (Linux /proc)."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(children.get(pid, []))
    return total


class Measured:
    def __init__(self, seconds: float, maxrss_mb: float, tree_peak_mb: float, returncode: int):
        self.seconds, self.maxrss_mb, self.tree_peak_mb, self.returncode = seconds, maxrss_mb, tree_peak_mb, returncode


def run_measured(cmd: list[str], sample_tree: bool = False) -> Measured:
    """Run `cmd`; wall time, ru_maxrss of the child (its largest process) and sampled tree RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sampler() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))

    thread = threading.Thread(target=sampler, daemon=True) if sample_tree and os.path.isdir("/proc") else None
    if thread:
        thread.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    done.set()
    if thread:
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.stderr.write(stderr.decode(errors="replace")[-2000:])
    return Measured(seconds, usage.ru_maxrss / 1024, peak[0] / 1024, proc.returncode)


def uncompressed_bytes(path: Path) -> int:
    out = subprocess.run(["xz", "--robot", "--list", str(path)], capture_output=True, text=True, check=True).stdout
    totals = [line.split("\t") for line in out.splitlines() if line.startswith("totals")]
    return int(totals[0][4])


REPO = Path(__file__).resolve().parent.parent
# the checkout this script belongs to, not whatever `sos-analyzer` an earlier install left on PATH
CLI = [sys.executable, "-m", "analyzer.cli"]
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))


def analyze_cmd(archives: list[Path], out: Path, jobs: int) -> list[str]:
    return CLI + ["analyze", *map(str, archives), "-o", str(out), "--jobs", str(jobs), "-q"]


def version_seconds() -> float:
    cmd = CLI + ["--version"]
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def profile(archives: list[Path], out: Path, prof: Path, top: int) -> None:
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "analyzer.cli", "analyze",
           *map(str, archives), "-o", str(out), "--jobs", "1", "-q"]
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
    print(f"\nprofile of analyze --jobs 1 ({time.perf_counter() - t0:.1f} s under cProfile) -> {prof}")
    stats = pstats.Stats(str(prof))
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def stages(archives: list[Path], out: Path) -> None:
    """The steps of `analyzer.pipeline.analyze`, timed one by one in this process (jobs 1)."""
    import resource

    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")   # as the CLI does
    import analyzer.pipeline as pipeline
    from analyzer.memory import release_freed_memory
    from analyzer.engine import evaluate, load_rules
    from analyzer.logs.incidents import find_incidents
    from analyzer.report import write
    from analyzer.report.model import build

    marks: list[tuple[str, float, float]] = []
    last = [time.perf_counter()]

    def mark(name: str) -> None:
        now = time.perf_counter()
        marks.append((name, now - last[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
        last[0] = now

    ruleset = load_rules(extra_dirs=[])
    mark("load rules")
    settings = pipeline.IngestSettings(inputs=[str(a) for a in archives], jobs=1,
                                       log_patterns=list(ruleset.log_patterns()),
                                       log_scopes=ruleset.log_pattern_scopes())
    results = pipeline.ingest(settings)
    mark("ingest: read, parse, scan logs")
    derive = pipeline.derive

    def timed_derive(bundle) -> None:
        mark("build bundle (tables, events frame)")
        derive(bundle)
        mark("derive (clock, vips, ...)")

    pipeline.derive = timed_derive
    try:
        bundle = pipeline.build_bundle(results)
    finally:
        pipeline.derive = derive
    bundle.log_scan = (settings.log_patterns, settings.log_scopes)   # as pipeline.analyze does
    del results
    release_freed_memory()
    engine_result = evaluate(ruleset, bundle)
    release_freed_memory()
    mark("evaluate rules")
    events = bundle.table("events")
    incidents = find_incidents(events) if not events.empty else []
    mark("incidents")
    report = build(bundle, engine_result, incidents, {"name": "sos-analyzer", "version": "bench",
                                                      "generated_at": "2020-05-14T00:00:00Z", "argv": []})
    mark("report model")
    write(report, out / "stages", {"json", "html", "md"})
    mark("write json, html, md")
    print(f"\nstages of analyze --jobs 1 in this process ({len(events)} events, "
          f"{len(report['findings'])} findings):")
    print(f"{'stage':<40} {'seconds':>8} {'peak RSS MB':>12}")
    for name, seconds, rss in marks:
        print(f"{name:<40} {seconds:8.2f} {rss:12.0f}")
    print(f"{'total':<40} {sum(m[1] for m in marks):8.2f}")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archives", nargs="*", type=Path)
    ap.add_argument("--case", type=Path, help="folder of the case's .tar.xz; generated there when empty")
    ap.add_argument("--controllers", type=int, default=3)
    ap.add_argument("--computes", type=int, default=1)
    ap.add_argument("--log-mb", type=float, default=2300, help="uncompressed log volume when generating")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="N of the parallel run")
    ap.add_argument("--stages", action="store_true", help="also time the stages of analyze in-process")
    ap.add_argument("--profile", type=Path, help="also profile analyze --jobs 1 into this .prof file")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()

    archives = list(args.archives)
    if not archives:
        case = args.case or Path(tempfile.mkdtemp(prefix="sos-bench-case-"))
        archives = sorted(case.glob("*.tar.xz"))
        if not archives:
            t0 = time.perf_counter()
            archives = generate(case, args.controllers, args.computes, args.log_mb, jobs=os.cpu_count() or 1)
            print(f"generated {len(archives)} archives into {case} in {time.perf_counter() - t0:.0f} s")
    out = Path(tempfile.mkdtemp(prefix="sos-bench-out-"))

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start")
    compressed = sum(p.stat().st_size for p in archives)
    raw = sum(uncompressed_bytes(p) for p in archives)
    print(f"case: {len(archives)} archives, {compressed / 1e6:.0f} MB compressed, {raw / 1e6:.0f} MB uncompressed")

    print(f"\n{'archive':<50} {'MB xz':>7} {'MB raw':>8} {'xz -dc s':>9}")
    floor = 0.0
    for path in archives:
        m = run_measured(["xz", "-dc", str(path)])
        floor += m.seconds
        print(f"{path.name[:50]:<50} {path.stat().st_size / 1e6:7.1f} {uncompressed_bytes(path) / 1e6:8.1f} "
              f"{m.seconds:9.2f}")
    print(f"{'floor (single stream, sum)':<50} {compressed / 1e6:7.1f} {raw / 1e6:8.1f} {floor:9.2f}")

    one = run_measured(analyze_cmd(archives, out / "j1", 1), sample_tree=True)
    many = run_measured(analyze_cmd(archives, out / f"j{args.jobs}", args.jobs), sample_tree=True)
    version = version_seconds()
    rss = max(one.maxrss_mb, many.maxrss_mb)

    print(f"\n{'run':<28} {'seconds':>8} {'x floor':>8} {'maxrss MB':>10} {'tree peak MB':>13} {'exit':>5}")
    print(f"{'xz -dc (floor)':<28} {floor:8.2f} {1.0:8.2f}")
    for label, m in ((f"analyze --jobs 1", one), (f"analyze --jobs {args.jobs}", many)):
        print(f"{label:<28} {m.seconds:8.2f} {m.seconds / floor:8.2f} {m.maxrss_mb:10.0f} {m.tree_peak_mb:13.0f} "
              f"{m.returncode:5d}")
    print(f"{'sos-analyzer --version':<28} {version:8.3f}")
    print(f"analyze throughput --jobs 1: {raw / 1e6 / one.seconds:.0f} MB/s uncompressed; "
          f"xz -dc: {raw / 1e6 / floor:.0f} MB/s")

    print("\ntargets:")
    print(f"  analyze --jobs 1 <= {TARGETS['jobs1']}x floor: {one.seconds / floor:.2f}x "
          f"{verdict(one.seconds / floor <= TARGETS['jobs1'])}")
    if args.jobs >= 2 and len(archives) >= 2:
        print(f"  analyze --jobs {args.jobs} <= {TARGETS['jobsN']}x floor: {many.seconds / floor:.2f}x "
              f"{verdict(many.seconds / floor <= TARGETS['jobsN'])}")
    print(f"  peak RSS <= {TARGETS['rss_mb']} MB (largest process): {rss:.0f} MB {verdict(rss <= TARGETS['rss_mb'])}")
    print(f"  sos-analyzer --version < {TARGETS['version_s']} s: {version:.3f} s "
          f"{verdict(version < TARGETS['version_s'])}")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f}")

    if args.stages:
        stages(archives, out)
    if args.profile:
        profile(archives, out / "prof", args.profile, args.top)
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
