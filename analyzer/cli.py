"""The `sos-analyzer` command line.

Exit codes: 0 done; 1 when --fail-on is met; 2 usage error or no input readable at all.
Heavy modules (pandas, the engine, the report) are imported inside the commands so that
``--version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import json
import os
import sys

import click

# pandas keeps text columns in Arrow buffers; Arrow's own allocator keeps freed memory for
# reuse, the system one gives it back (measured: peak RSS 472 -> 424 MB on a 2.3 GB case,
# same time). Set before pandas is imported; an explicit setting of the user wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from analyzer import __version__

SEVERITIES = ["critical", "error", "warning", "info"]
FORMATS = {"html", "json", "md"}

EPILOG = """\b
Examples:
  sos-analyzer analyze case-01234/*.tar.xz -o reports/case-01234
  sos-analyzer analyze sos-collector-case.tar.xz -o out --fail-on error
  sos-analyzer analyze ctl0.tar.xz nova_api-export.tar --node nova_api=nova_api-export.tar -o out
  sos-analyzer facts sosreport-controller-0.tar.xz --table pcs_resources
  sos-analyzer facts fixtures/rhosp16-podman --table containers --format csv
"""


def _parse_node_options(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"expected NAME=PATH, got {value!r}", param_hint="--node")
        mapping[path] = name
    return mapping


def _parse_formats(value: str) -> set[str]:
    formats = {f.strip().lower() for f in value.split(",") if f.strip()}
    unknown = formats - FORMATS
    if unknown or not formats:
        raise click.BadParameter(f"unknown format(s) {', '.join(sorted(unknown)) or '(none)'}; "
                                 f"choose from {', '.join(sorted(FORMATS))}", param_hint="--format")
    return formats


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _check_inputs(inputs: tuple[str, ...], node_map: dict[str, str]) -> list[str]:
    """The inputs to read: INPUT... plus --node paths that no INPUT already holds."""
    paths = list(inputs) + [p for p in node_map if not any(_inside(p, i) for i in inputs)]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise click.UsageError("input not found: " + ", ".join(missing))
    return paths


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sos-analyzer")
def main() -> None:
    """Offline analyzer for OpenStack/TripleO support bundles.

    Reads sosreport tarballs of several nodes, sos-collector bundles, unpacked sosreport
    folders, docker/podman export tars, var/log/containers trees and loose files (haproxy.cfg,
    a pasted pcs status), and writes a findings report (HTML, JSON, Markdown).
    """


@main.command(epilog=EPILOG)
@click.argument("inputs", nargs=-1, type=click.Path())
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Output folder; nothing is written outside it.")
@click.option("--format", "formats", default="html,json,md", show_default=True,
              help="Comma-separated report formats: html, json, md.")
@click.option("--node", "nodes", multiple=True, metavar="NAME=PATH",
              help="Name the node of an input (container exports, loose files, log trees).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Extra rule folder (repeatable); rules override shipped ones by id.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit with 1 when a finding of this severity or worse exists.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Inputs read in parallel processes (default: number of cores).")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no summary on the terminal.")
def analyze(inputs, outdir, formats, nodes, rule_dirs, fail_on, jobs, quiet):
    """Analyze INPUT... and write the report to OUTDIR."""
    from analyzer.pipeline import IngestSettings, analyze as run_analysis, default_jobs
    from analyzer.progress import enabled
    from analyzer.report import write
    from analyzer.report.terminal import summary

    node_map = _parse_node_options(nodes)
    fmt = _parse_formats(formats)
    if not inputs and not node_map:
        raise click.UsageError("give at least one INPUT (sosreport tarball, folder, bundle or file)")
    paths = _check_inputs(inputs, node_map)
    settings = IngestSettings(inputs=paths, node_names=node_map, jobs=jobs or default_jobs(),
                              show_progress=enabled(quiet))
    from analyzer.errors import RuleError

    try:
        result = run_analysis(settings, list(rule_dirs), argv=sys.argv[1:])
    except RuleError as exc:   # a broken rule file given with --rules: a usage error
        click.echo(f"sos-analyzer: {exc}", err=True)
        sys.exit(2)
    for record in result.bundle.inputs:
        for err in record.errors:
            click.echo(f"sos-analyzer: {err}", err=True)
    readable = [r for r in result.bundle.inputs if r.status != "error"]
    os.makedirs(outdir, exist_ok=True)
    written = write(result.report, outdir, fmt)
    if not quiet:
        click.echo(summary(result.report, color=sys.stdout.isatty()))
        for path in written:
            click.echo(f"wrote {path}")
    if not readable:
        click.echo("sos-analyzer: no input could be read", err=True)
        sys.exit(2)
    if fail_on:
        worst = SEVERITIES.index(fail_on)
        if any(SEVERITIES.index(f["severity"]) <= worst for f in result.report["findings"]):
            sys.exit(1)


@main.command(epilog=EPILOG)
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--table", "table_name", default=None, help="Print only this table (default: a list of tables).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--node", "nodes", multiple=True, metavar="NAME=PATH", help="Name the node of an input.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1)
def facts(inputs, table_name, fmt, nodes, jobs):
    """Print the fact tables parsed from INPUT... (what rules see)."""
    import pandas as pd

    from analyzer.pipeline import IngestSettings, build_bundle, ingest

    node_map = _parse_node_options(nodes)
    paths = _check_inputs(inputs, node_map)
    bundle = build_bundle(ingest(IngestSettings(inputs=paths, node_names=node_map, jobs=jobs)))
    if all(r.status == "error" for r in bundle.inputs):
        for r in bundle.inputs:
            for err in r.errors:
                click.echo(f"sos-analyzer: {err}", err=True)
        sys.exit(2)
    if table_name is None:
        rows = [{"table": n, "rows": len(bundle.table(n)),
                 "nodes": int(bundle.table(n)["node"].nunique()) if "node" in bundle.table(n) else 0}
                for n in bundle.table_names]
        df = pd.DataFrame(rows)
    else:
        if table_name not in bundle.table_names:
            raise click.UsageError(f"no table {table_name!r}; tables: {', '.join(bundle.table_names)}")
        df = bundle.table(table_name)
    if fmt == "json":
        click.echo(json.dumps(json.loads(df.to_json(orient="records", date_format="iso", default_handler=str)),
                              indent=2))
    elif fmt == "csv":
        click.echo(df.to_csv(index=False), nl=False)
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250,
                               "display.max_colwidth", 60):
            click.echo(df.to_string(index=False) if not df.empty else "(empty)")


def _register_optional_commands() -> None:
    """Sub-commands defined in analyzer/commands/ (rules, timeline, ...)."""
    import importlib
    import pkgutil

    import analyzer.commands as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"analyzer.commands.{info.name}")
        command = getattr(module, "COMMAND", None)
        if command is not None:
            main.add_command(command)


_register_optional_commands()


if __name__ == "__main__":
    main()
