"""Ingest time of sosreport archives as a ratio to `xz -dc` of the same archives (same run).

    python bench/bench_ingest.py [ARCHIVE ...]            # default: generate a 4-node case
    python bench/bench_ingest.py --log-mb 400 --repeat 3

Prints, per archive and in total, the best of --repeat runs of: `xz -dc ARCHIVE > /dev/null`
(the floor: decompression alone) and `read_input(ARCHIVE)` as `analyze` calls it (stream,
catalogue, read wanted members, parse, scan logs with the shipped rules' patterns and scopes;
--no-rules without them), with the CPU time of the main thread (parsing and scanning; the
decompression thread takes the rest). Target: ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.ingest.collect import ReadOptions, read_input  # noqa: E402
from bench.gen_case import generate  # noqa: E402


def best(fn, repeat: int) -> tuple[float, float]:
    """(wall, main thread CPU) of the fastest of `repeat` runs."""
    times = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.thread_time()
        fn()
        times.append((time.perf_counter() - t0, time.thread_time() - c0))
    return min(times)


def read_options(rules: bool) -> ReadOptions:
    if not rules:
        return ReadOptions()
    from analyzer.engine import load_rules

    ruleset = load_rules(extra_dirs=[])
    return ReadOptions(log_patterns=list(ruleset.log_patterns()), log_scopes=ruleset.log_pattern_scopes())


def xz_floor(path: Path) -> None:
    subprocess.run(["xz", "-dc", str(path)], stdout=subprocess.DEVNULL, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archives", nargs="*", type=Path)
    ap.add_argument("--log-mb", type=float, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-rules", action="store_true", help="scan without the rules' patterns")
    args = ap.parse_args()
    options = read_options(not args.no_rules)
    tmp = None
    archives = args.archives
    if not archives:
        tmp = tempfile.TemporaryDirectory(prefix="sos-bench-")
        archives = generate(Path(tmp.name), 3, 1, args.log_mb)
    total_floor = total_ingest = total_main = 0.0
    print(f"{'archive':<52} {'MB':>7} {'xz -dc s':>9} {'ingest s':>9} {'main CPU s':>10} {'ratio':>6}")
    for path in archives:
        floor, _ = best(lambda: xz_floor(path), args.repeat)
        ingest, main_cpu = best(lambda: read_input(str(path), options), args.repeat)
        total_floor += floor
        total_ingest += ingest
        total_main += main_cpu
        print(f"{path.name[:52]:<52} {path.stat().st_size / 1e6:7.1f} {floor:9.2f} {ingest:9.2f} "
              f"{main_cpu:10.2f} {ingest / floor:6.2f}")
    print(f"{'total':<52} {'':>7} {total_floor:9.2f} {total_ingest:9.2f} {total_main:10.2f} "
          f"{total_ingest / total_floor:6.2f}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
