"""report.html: one self-contained page (inline CSS and JS, no network), jinja2 with autoescape.

Input text is never marked safe: the template prints it through autoescape, the matched part of
an evidence line is cut by offsets and each part escaped on its own. Only the project's own CSS
and JS files are inserted raw. A Content-Security-Policy forbids any load from outside the page
and lets only the page's own script (by nonce) run.
"""

from __future__ import annotations

import secrets
from importlib import resources

import jinja2
from markupsafe import Markup

from analyzer.logs.timeutil import utc_timestamp
from analyzer.report.frames import display_time
from analyzer.report.svg import timeline_geometry

SEVERITY_LABELS = {"critical": "Critical", "error": "Error", "warning": "Warning", "info": "Info"}


def _duration(start, end) -> str:
    a, b = utc_timestamp(start), utc_timestamp(end)
    if a is None or b is None:
        return ""
    seconds = int((b - a).total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _size(value) -> str:
    if not isinstance(value, int):
        return ""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def _is_web_link(value: str) -> bool:
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


def _static(name: str) -> Markup:
    """The project's own CSS/JS file, inserted as is (it holds no input text)."""
    return Markup(resources.files("analyzer.report").joinpath("templates", name).read_text("utf-8"))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("analyzer.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        finalize=lambda value: "" if value is None else value)
    env.filters.update(when=display_time, size=_size)
    env.globals.update(duration=_duration, is_web_link=_is_web_link, static=_static,
                       severity_labels=SEVERITY_LABELS)
    return env


def render_html(report: dict) -> str:
    """The page for an already redacted report."""
    incidents = report.get("incidents") or []
    heat = (report.get("timeline") or {}).get("heat") or {"rows": [], "bucket_minutes": 5}
    findings = report.get("findings") or []
    groups = []
    for severity in SEVERITY_LABELS:
        items = [f for f in findings if f["severity"] == severity]
        if items:
            groups.append({"severity": severity, "findings": items})
    nodes = [n["name"] for n in report.get("nodes") or []]
    finding_nodes = sorted({n for f in findings for n in f["nodes"]} | set(nodes))
    return environment().get_template("report.html.j2").render(
        r=report, groups=groups, finding_nodes=finding_nodes,
        components=sorted({f["component"] for f in findings}),
        geometry=timeline_geometry(incidents, heat), nonce=secrets.token_urlsafe(16))
