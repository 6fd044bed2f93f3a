"""`sos-analyzer batch CASES_DIR -o OUT`: one report per case and an index of all cases.

Exit codes: 0 every case analysed; 1 at least one case failed (its error is in the index);
2 usage error or no case in CASES_DIR.
"""

from __future__ import annotations

import sys

import click

EPILOG = """\b
Examples:
  sos-analyzer batch /srv/cases -o /srv/reports
  sos-analyzer batch /srv/cases -o out --scheduler local --jobs 2
  sos-analyzer batch /nfs/cases -o out --scheduler tcp://dask-scheduler:8786 --format json
"""


def _check_scheduler(value: str | None) -> str | None:
    if value is None:
        return None
    if value != "local" and not value.startswith(("tcp://", "tls://")):
        raise click.BadParameter("expected 'local' or tcp://HOST:PORT", param_hint="--scheduler")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise click.UsageError("--scheduler needs dask.distributed: pip install 'sos-analyzer[dask]'") from None
    return value


def _progress(done: int, total: int, entry: dict) -> None:
    counts = ", ".join(f"{n} {s}" for s, n in entry["severity_counts"].items() if n) or "no findings"
    what = f"failed: {entry['error']}" if entry["status"] == "error" else f"{entry['status']}, {counts}"
    click.echo(f"[{done}/{total}] {entry['name']}: {what} ({entry['seconds']:.1f} s)", err=True)


@click.command("batch", epilog=EPILOG)
@click.argument("cases_dir", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Output folder: OUT/<case>/report.*, OUT/index.html, OUT/index.json.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Cases analysed at once (pool processes or LocalCluster workers; default: number of cores).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT|local",
              help="Run the cases on Dask: 'local' starts a LocalCluster, tcp://HOST:PORT connects to a "
                   "scheduler whose workers see CASES_DIR at the same path. Default: a local process pool.")
@click.option("--format", "formats", default="html,json,md", show_default=True,
              help="Comma-separated report formats: html, json, md.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Extra rule folder (repeatable); rules override shipped ones by id.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line per case and no summary.")
def batch(cases_dir, outdir, jobs, scheduler, formats, rule_dirs, quiet):
    """Analyze every case of CASES_DIR (each sub-folder or archive is a case) into OUT."""
    from analyzer.batch import find_cases, run_batch
    from analyzer.cli import _parse_formats
    from analyzer.pipeline import default_jobs

    fmt = _parse_formats(formats)
    scheduler = _check_scheduler(scheduler)
    if not find_cases(cases_dir, exclude=outdir).cases:
        click.echo(f"sos-analyzer: no case (sub-folder or tar archive) in {cases_dir}", err=True)
        sys.exit(2)
    index = run_batch(cases_dir, outdir, fmt, tuple(rule_dirs), jobs or default_jobs(), scheduler,
                      on_case=None if quiet else _progress)
    totals = index["totals"]
    if not quiet:
        click.echo(f"{totals['cases']} cases, {totals['failed']} failed; "
                   f"wrote {outdir}/index.html and {outdir}/index.json")
    if totals["failed"]:
        sys.exit(1)


COMMAND = batch
