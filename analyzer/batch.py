"""Analyse many cases at once: one report per case and an index of them all.

Every sub-folder of CASES_DIR is a case, analysed like ``sos-analyzer analyze CASE/*``; every
archive directly in CASES_DIR (``.tar.xz``, ``.tar.gz``, ...) is a case of its own (a
sos-collector bundle or a single sosreport). `run_case` is the task: it runs
`analyzer.pipeline.analyze` on one case and returns the report dict (it never raises). The
same task runs in a local process pool or on Dask workers (`--scheduler`); the client writes
``OUT/<case>/report.{json,html,md}`` with `analyzer.report.write` as results arrive, then
``OUT/index.json`` and ``OUT/index.html``.

With a remote Dask scheduler the workers must see CASES_DIR (and --rules folders) at the
same absolute paths (a shared file system); the reports are written by the client only.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import quote

from analyzer import __version__
from analyzer.ingest.streams import TAR_SUFFIXES

SEVERITIES = ("critical", "error", "warning", "info")
RESERVED_NAMES = {"index.html", "index.json"}
TOP_FINDINGS = 5


@dataclass(frozen=True)
class Case:
    """One case: `name` is its folder under OUT; `inputs` are absolute paths given to analyze."""

    name: str
    path: str
    inputs: tuple[str, ...]


@dataclass
class CaseResult:
    """What a task returns: the report (None when the analysis failed) and how it went."""

    name: str
    status: str                       # ok | partial | error
    seconds: float
    report: dict | None = None
    error: str | None = None
    traceback: str | None = None


@dataclass
class Discovery:
    cases: list[Case] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)   # {"name", "reason"}


def _archive_stem(name: str) -> str | None:
    lower = name.lower()
    for suffix in sorted(TAR_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def _unique(name: str, taken: set[str], fallback: str) -> str:
    """A folder name under OUT that no other case and no index file uses."""
    for candidate in (name, fallback):
        if candidate not in taken and candidate.lower() not in RESERVED_NAMES:
            return candidate
    n = 2
    while f"{fallback}-{n}" in taken:
        n += 1
    return f"{fallback}-{n}"


def find_cases(cases_dir: str, exclude: str | None = None) -> Discovery:
    """The cases of `cases_dir` in name order; hidden entries and `exclude` (OUT) are left out."""
    root = os.path.abspath(cases_dir)
    excluded = os.path.realpath(exclude) if exclude else None
    found = Discovery()
    taken: set[str] = set()
    for entry in sorted(os.listdir(root)):
        path = os.path.join(root, entry)
        if entry.startswith("."):
            continue
        if excluded and os.path.realpath(path) == excluded:
            found.skipped.append({"name": entry, "reason": "the output folder"})
            continue
        if os.path.isdir(path):
            inputs = tuple(os.path.join(path, child) for child in sorted(os.listdir(path))
                           if not child.startswith("."))
            name = _unique(entry, taken, entry + "-case")
            found.cases.append(Case(name=name, path=path, inputs=inputs))
        elif os.path.isfile(path) and _archive_stem(entry):
            name = _unique(_archive_stem(entry), taken, entry)
            found.cases.append(Case(name=name, path=path, inputs=(path,)))
        else:
            found.skipped.append({"name": entry, "reason": "neither a folder nor a tar archive"})
            continue
        taken.add(found.cases[-1].name)
    return found


def run_case(case: Case, rule_dirs: tuple[str, ...] = ()) -> CaseResult:
    """The task: analyse one case with `analyzer.pipeline.analyze`. Never raises."""
    started = time.perf_counter()
    if not case.inputs:
        return CaseResult(name=case.name, status="error", seconds=0.0,
                          error="empty case folder: no sosreport, archive or file in it")
    try:
        from analyzer.pipeline import IngestSettings, analyze

        settings = IngestSettings(inputs=list(case.inputs), jobs=1)
        result = analyze(settings, list(rule_dirs), argv=["batch", case.path])
    except Exception as exc:   # a broken case must not stop the batch: report it instead
        return CaseResult(name=case.name, status="error", seconds=time.perf_counter() - started,
                          error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    inputs = result.report.get("inputs") or []
    readable = [i for i in inputs if i.get("status") != "error"]
    errors = [e for i in inputs for e in i.get("errors") or []]
    status = "error" if not readable else "partial" if len(readable) < len(inputs) or errors else "ok"
    return CaseResult(name=case.name, status=status, seconds=time.perf_counter() - started,
                      report=result.report, error="; ".join(errors) if status == "error" else None)


def _crashed(case: Case, what: str) -> CaseResult:
    return CaseResult(name=case.name, status="error", seconds=0.0, error=what)


# -- executors: each yields (case, CaseResult) as results arrive ----------------------------------

def results_from_pool(cases: list[Case], rule_dirs: tuple[str, ...], jobs: int) -> Iterator[tuple[Case, CaseResult]]:
    """Local process pool. A worker that dies (killed, out of memory) breaks the whole pool: the
    cases it took down are rerun one process each, so only the guilty case is marked failed."""
    unfinished: list[Case] = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(cases)))) as pool:
        futures = {pool.submit(run_case, case, rule_dirs): case for case in cases}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except BrokenProcessPool:
                unfinished.append(futures[future])
    for case in sorted(unfinished, key=lambda c: c.name):
        with ProcessPoolExecutor(max_workers=1) as pool:
            try:
                yield case, pool.submit(run_case, case, rule_dirs).result()
            except BrokenProcessPool:
                yield case, _crashed(case, "the worker process died (killed or out of memory)")


def results_from_dask(cases: list[Case], rule_dirs: tuple[str, ...], jobs: int,
                      scheduler: str) -> Iterator[tuple[Case, CaseResult]]:
    """Dask distributed: `scheduler` is "local" (a LocalCluster of `jobs` worker processes, no
    dashboard) or the address of a running scheduler (tcp://HOST:PORT)."""
    from contextlib import ExitStack

    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    with ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(LocalCluster(n_workers=max(1, jobs), threads_per_worker=1,
                                                       processes=True, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        futures = {client.submit(run_case, case, rule_dirs, key=f"sos-analyzer-case-{i}", pure=False): case
                   for i, case in enumerate(cases)}
        for future in dask_completed(list(futures)):
            case = futures[future]
            try:
                yield case, future.result()
            except Exception as exc:   # KilledWorker, lost connection, ...
                yield case, _crashed(case, f"{type(exc).__name__}: {exc}")
            future.release()


# -- index ---------------------------------------------------------------------------------------

def _worst(severity_counts: dict) -> str | None:
    return next((s for s in SEVERITIES if severity_counts.get(s)), None)


def index_entry(case: Case, result: CaseResult, written: list[Path]) -> dict:
    """The index row of one case: status, error, severity counts and its worst findings."""
    report = result.report or {}
    counts = (report.get("case") or {}).get("severity_counts") or {}
    findings = sorted(report.get("findings") or [], key=lambda f: SEVERITIES.index(f["severity"]))
    return {
        "name": case.name,
        "path": case.path,
        "status": result.status,
        "error": result.error,
        "traceback": result.traceback,
        "seconds": round(result.seconds, 2),
        "reports": {p.suffix.lstrip("."): f"{case.name}/{p.name}" for p in written},
        "nodes": [n["name"] for n in report.get("nodes") or []],
        "inputs": len(report.get("inputs") or []),
        "severity_counts": {s: int(counts.get(s, 0)) for s in SEVERITIES},
        "worst_severity": _worst(counts),
        "findings": [{"severity": f["severity"], "rule_id": f["rule_id"], "title": f["title"],
                      "nodes": list(f.get("nodes") or [])} for f in findings[:TOP_FINDINGS]],
    }


def _case_order(entry: dict) -> tuple:
    worst = entry["worst_severity"]
    return (entry["status"] != "error", SEVERITIES.index(worst) if worst else len(SEVERITIES), entry["name"])


def build_index(entries: list[dict], skipped: list[dict], cases_dir: str, scheduler: str) -> dict:
    """index.json: failed cases first, then by worst severity, then by name."""
    entries = sorted(entries, key=_case_order)
    totals = {"cases": len(entries), "failed": sum(e["status"] == "error" for e in entries)}
    totals.update({s: sum(e["severity_counts"][s] for e in entries) for s in SEVERITIES})
    return {"tool": {"name": "sos-analyzer", "version": __version__},
            "generated_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "cases_dir": os.path.abspath(cases_dir), "scheduler": scheduler, "totals": totals,
            "cases": entries, "skipped": skipped}


INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sos-analyzer: {{ index.totals.cases }} cases</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1d2125}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #dde1e5;padding:.4rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f5f7}.n{text-align:right;font-variant-numeric:tabular-nums}
.sev{display:inline-block;min-width:4.5rem;padding:0 .3rem;border-radius:3px;color:#fff;font-size:.85em}
.critical{background:#8b1a1a}.error{background:#c0392b}.warning{background:#b7791f}.info{background:#2b6cb0}
.failed{background:#4a5568}.partial{color:#b7791f}ul{margin:0;padding-left:1.1rem}code{font-size:.9em}
.muted{color:#6b7280}
</style></head><body>
<h1>sos-analyzer batch: {{ index.totals.cases }} cases</h1>
<p class="muted">{{ index.cases_dir }} &middot; generated {{ index.generated_at }} &middot;
sos-analyzer {{ index.tool.version }} &middot; {{ index.totals.failed }} failed &middot;
{% for s in severities %}{{ index.totals[s] }} {{ s }}{% if not loop.last %}, {% endif %}{% endfor %}</p>
<table><thead><tr><th>case</th><th>status</th>{% for s in severities %}<th class="n">{{ s }}</th>{% endfor %}
<th>worst findings</th></tr></thead><tbody>
{% for c in index.cases %}<tr>
<td>{% if c.link %}<a href="{{ c.link }}">{{ c.name }}</a>{% else %}{{ c.name }}{% endif %}
<div class="muted">{{ c.nodes | join(", ") }}</div></td>
<td>{% if c.status == "error" %}<span class="sev failed">failed</span>{% else %}<span class="{{ c.status }}">{{ c.status }}</span>{% endif %}
<div class="muted">{{ "%.1f" | format(c.seconds) }} s</div></td>
{% for s in severities %}<td class="n">{{ c.severity_counts[s] or "" }}</td>{% endfor %}
<td>{% if c.error %}<code>{{ c.error }}</code>{% endif %}
{% if c.findings %}<ul>{% for f in c.findings %}<li><span class="sev {{ f.severity }}">{{ f.severity }}</span>
{{ f.title }} <span class="muted">{{ f.rule_id }}</span></li>{% endfor %}</ul>{% elif not c.error %}<span class="muted">no findings</span>{% endif %}</td>
</tr>{% endfor %}
</tbody></table>
{% if index.skipped %}<h2>Not analysed</h2><ul>{% for s in index.skipped %}<li>{{ s.name }}: {{ s.reason }}</li>{% endfor %}</ul>{% endif %}
</body></html>
"""


def render_index_html(index: dict) -> str:
    """index.html (jinja2 autoescape, inline CSS, no script, no network)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    cases = []
    for entry in index["cases"]:
        reports = entry["reports"]
        target = next((reports[f] for f in ("html", "md", "json") if f in reports), None)
        cases.append({**entry, "link": quote(target) if target else None})
    return env.from_string(INDEX_TEMPLATE).render(index={**index, "cases": cases}, severities=SEVERITIES)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# -- the batch -----------------------------------------------------------------------------------

def run_batch(cases_dir: str, outdir: str, formats: set[str], rule_dirs: tuple[str, ...] = (), jobs: int = 1,
              scheduler: str | None = None,
              on_case: Callable[[int, int, dict], None] | None = None) -> dict:
    """Analyse every case of `cases_dir`, write OUT/<case>/report.* and OUT/index.{json,html}.

    `scheduler`: None (local process pool), "local" (Dask LocalCluster) or "tcp://HOST:PORT".
    `on_case(done, total, entry)` is called as each case finishes. Returns the index dict.
    """
    from analyzer.report import write

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    found = find_cases(cases_dir, exclude=str(out))
    rule_dirs = tuple(os.path.abspath(d) for d in rule_dirs)
    if not found.cases:
        results: Iterator[tuple[Case, CaseResult]] = iter(())
    elif scheduler:
        results = results_from_dask(found.cases, rule_dirs, jobs, scheduler)
    else:
        results = results_from_pool(found.cases, rule_dirs, jobs)
    entries = []
    for case, result in results:
        written: list[Path] = []
        if result.report is not None:
            try:
                written = write(result.report, out / case.name, formats)
            except OSError as exc:
                result.status, result.error = "error", f"cannot write the report: {exc}"
        entry = index_entry(case, result, written)
        entries.append(entry)
        if on_case:
            on_case(len(entries), len(found.cases), entry)
    index = build_index(entries, found.skipped, cases_dir, scheduler or "pool")
    _write_text(out / "index.json", json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    _write_text(out / "index.html", render_index_html(index))
    return index
