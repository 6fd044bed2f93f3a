"""Run the real CLI in a sandbox root and measure what the guarantees are about.

The root holds `cwd/` (the working directory), `tmp/` (TMPDIR), `home/` (HOME), `inputs/`
and `out/` (OUTDIR) plus a planted `secret.txt`. The whole root but `out/` is snapshotted
before and after the run: any file created, changed or removed there is a write outside
OUTDIR. The run's peak memory comes from `wait4` of the CLI process (Linux reports the largest
of the process and its waited-for workers).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECRET_NAME = "secret.txt"


@dataclass
class Run:
    argv: list[str]
    returncode: int | None          # None: killed at the time bound
    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    outdir: Path
    changed_outside: list[str] = field(default_factory=list)

    def report(self) -> dict:
        return json.loads((self.outdir / "report.json").read_text(encoding="utf-8"))

    def outputs(self) -> dict[str, str]:
        """Every file of OUTDIR by name, as text."""
        return {p.name: p.read_text(encoding="utf-8", errors="replace")
                for p in sorted(self.outdir.rglob("*")) if p.is_file()}


def make_root(root: Path, secret: str) -> Path:
    for sub in ("cwd", "tmp", "home", "inputs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / SECRET_NAME).write_text(secret + "\n")
    return root


def snapshot(root: Path, exclude: Path) -> dict[str, tuple]:
    """Relative path -> (kind, size, mtime_ns, link target) of everything under root but `exclude`."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == exclude or exclude in here.parents:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            path = here / name
            if path == exclude:
                continue
            st = path.lstat()
            link = os.readlink(path) if path.is_symlink() else None
            kind = "dir" if path.is_dir() and not link else "file"
            found[str(path.relative_to(root))] = (kind, 0 if kind == "dir" else st.st_size,
                                                  0 if kind == "dir" else st.st_mtime_ns, link)
    return found


def run_cli(root: Path, args: list[str], timeout: float) -> Run:
    """`python -m analyzer.cli analyze ... -o root/out` with cwd, TMPDIR and HOME inside root."""
    outdir = root / "out"
    argv = [sys.executable, "-m", "analyzer.cli", "analyze", *args, "-o", str(outdir)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(TMPDIR=str(root / "tmp"), HOME=str(root / "home"), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=str(REPO), NO_COLOR="1")
    before = snapshot(root, outdir)
    out_path, err_path = root.parent / f"{root.name}.stdout", root.parent / f"{root.name}.stderr"
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        pid = _spawn(argv, root / "cwd", env, out, err)
        status, usage = _wait(pid, timeout)
    seconds = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status) if status is not None else None
    after = snapshot(root, outdir)
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    return Run(argv=argv, returncode=code, seconds=seconds, peak_rss_mb=usage / 1024,
               stdout=out_path.read_text(errors="replace"), stderr=err_path.read_text(errors="replace"),
               outdir=outdir, changed_outside=changed)


def _spawn(argv: list[str], cwd: Path, env: dict, out, err) -> int:
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                            start_new_session=True)
    proc.returncode = 0   # reaped by _wait (wait4 gives the rusage); keeps Popen from waiting again
    return proc.pid


def _wait(pid: int, timeout: float) -> tuple[int | None, int]:
    """(wait status or None when killed at the bound, peak RSS in KiB)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage.ru_maxrss
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return None, usage.ru_maxrss
        time.sleep(0.05)
