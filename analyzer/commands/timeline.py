"""`sos-analyzer timeline INPUT...`: log records of all nodes on one UTC timeline."""

from __future__ import annotations

import csv
import json
import os
import re
import sys

import click

LEVEL_NAMES = ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]

EPILOG = """\b
Examples:
  sos-analyzer timeline case-01234/ --since 2h
  sos-analyzer timeline sosreport-*/ --level ERROR --grep 'AMQP|Traceback'
  sos-analyzer timeline ctl0/var/log/containers --node-alias controller-0=ctl0/var/log/containers
  sos-analyzer timeline case/ --since 2022-05-14T04:40 --until 2022-05-14T05:00 --format json

\b
Times are UTC. Plain files and folders are streamed (the first lines appear while the rest is
read); tarballs are read whole first. A node whose clock is off by more than 60 s (cluster
events seen by several nodes, else `date --utc`) has its times moved onto the others' clock;
--raw-clocks keeps them as logged.
"""


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    out = []
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint=option)
        out.append((name, rest))
    return out


def _offsets(values: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for node, seconds in _pairs(values, "--clock-offset"):
        try:
            out[node] = float(seconds)
        except ValueError:
            raise click.BadParameter(f"{seconds!r} is not a number of seconds",
                                     param_hint="--clock-offset") from None
    return out


def _check_time_syntax(value: str | None, option: str) -> None:
    from analyzer.timeline import parse_duration, parse_time

    if value is None or parse_duration(value) is not None:
        return
    try:
        parse_time(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither an ISO time (2022-05-14T04:45:00, naive "
                                 f"= UTC) nor a duration (2h, 30m, 1d)", param_hint=option) from None


class _Output:
    """Writes records as text, csv or json lines; flushes when the reader is about to block."""

    def __init__(self, fmt: str, formatter):
        self.fmt, self.formatter = fmt, formatter
        self.out = sys.stdout
        self.count = 0
        self.writer = None
        if fmt == "csv":
            from analyzer.timeline import RECORD_FIELDS

            self.writer = csv.DictWriter(self.out, fieldnames=list(RECORD_FIELDS), extrasaction="ignore",
                                         lineterminator="\n")
            self.writer.writeheader()

    def write(self, rec: dict) -> None:
        from analyzer.timeline import json_row

        self.count += 1
        if self.fmt == "text":
            self.out.write(self.formatter(rec) + "\n")
        elif self.fmt == "csv":
            self.writer.writerow(json_row(rec))
        else:
            self.out.write(json.dumps(json_row(rec), ensure_ascii=False) + "\n")
        if self.count == 1:
            self.out.flush()

    def flush(self) -> None:
        self.out.flush()


@click.command("timeline", epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--since", default=None, metavar="T",
              help="From this time: ISO (naive = UTC) or a duration before the latest collection (2h).")
@click.option("--until", default=None, metavar="T", help="Up to this time (same forms as --since).")
@click.option("--level", type=click.Choice(LEVEL_NAMES, case_sensitive=False), default="WARNING",
              show_default=True, help="Show records of this level and worse.")
@click.option("--node", "nodes", multiple=True, metavar="N", help="Only this node (repeatable).")
@click.option("--service", "services", multiple=True, metavar="S",
              help="Only this service (repeatable): the folder under var/log/containers, the container "
                   "of a stdout, the syslog program.")
@click.option("--grep", "pattern", default=None, metavar="RE",
              help="Only records whose message or traceback matches this regex.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True,
              help="json: one object per line.")
@click.option("--node-alias", "aliases", multiple=True, metavar="NAME=PATH",
              help="Name the node of an input (log trees, loose files, container exports).")
@click.option("--clock-offset", "offsets", multiple=True, metavar="NODE=SECONDS",
              help="This node's clock is SECONDS ahead (negative: behind); overrides the estimate.")
@click.option("--raw-clocks", is_flag=True, help="Do not correct clock offsets between nodes.")
def COMMAND(inputs, since, until, level, nodes, services, pattern, fmt, aliases, offsets, raw_clocks):
    """Print the log records of INPUT... merged on one UTC timeline."""
    alias_map = {path: name for name, path in _pairs(aliases, "--node-alias")}
    manual = _offsets(offsets)
    _check_time_syntax(since, "--since")
    _check_time_syntax(until, "--until")
    try:
        grep = re.compile(pattern) if pattern is not None else None
    except re.error as exc:
        raise click.BadParameter(f"{pattern!r}: {exc}", param_hint="--grep") from None
    paths = list(inputs) + [p for p in alias_map if p not in inputs]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise click.UsageError("input not found: " + ", ".join(missing))

    from analyzer.timeline import (Filters, TextFormatter, build_timeline, make_scanner, plan_inputs,
                                   resolve_time_arg)

    def warn(message: str) -> None:
        click.echo(f"sos-analyzer: {message}", err=True)

    level = level.upper()
    plan = plan_inputs(paths, alias_map)
    for note in plan.notes:
        warn(note)
    filters = Filters(min_level=level, nodes=frozenset(nodes), services=frozenset(services), grep=grep)
    output = None
    try:
        timeline = build_timeline(plan, filters, make_scanner(level), aliases=alias_map,
                                  fix_clocks=not raw_clocks, manual_offsets=manual, warn=warn,
                                  before_read=lambda: output and output.flush())
        if not timeline.nodes:
            warn("no log or sosreport could be read from the inputs")
            sys.exit(2)
        unknown = sorted(set(nodes) - set(timeline.nodes))
        if unknown:
            raise click.UsageError(f"no node {', '.join(unknown)}; nodes: {', '.join(sorted(timeline.nodes))}")
        latest = timeline.latest_collection()
        try:
            filters.since = resolve_time_arg(since, latest)
            filters.until = resolve_time_arg(until, latest)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        for note in timeline.notes:
            warn(note)
        widths = [len(n) for n in timeline.nodes if filters.wants_node(n)] or [4]
        formatter = TextFormatter(max(widths), max((len(s) for s in timeline.services), default=8))
        output = _Output(fmt, formatter)
        untimed: list[dict] = []
        for rec in timeline.records(filters, untimed):
            output.write(rec)
        if untimed:
            warn(f"{len(untimed)} record(s) without a time follow, in file order")
            for rec in untimed:
                output.write(rec)
        output.flush()
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
