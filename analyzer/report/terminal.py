"""The few lines printed at the end of `analyze`: counts and the top findings.

Input text is stripped of control characters (no escape sequence from a log reaches the
terminal); colours only when asked (a TTY).
"""

from __future__ import annotations

import re

from analyzer.report.redaction import redact_report

TOP = 10
_COLORS = {"critical": "\033[1;37;41m", "error": "\033[1;31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET, _DIM, _BOLD = "\033[0m", "\033[2m", "\033[1m"
_LABELS = {"critical": "CRIT", "error": "ERROR", "warning": "WARN", "info": "INFO"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(value, width: int | None = None) -> str:
    flat = _CONTROL.sub(" ", str(value or ""))
    flat = " ".join(flat.split())
    if width and len(flat) > width:
        flat = flat[: width - 1] + "…"
    return flat


def summary(report: dict, color: bool) -> str:
    """Counts by severity and the first findings (most severe first), one line each."""
    report = redact_report(report)

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    counts = report["case"]["severity_counts"]
    head = ", ".join(paint(_COLORS[s], f"{counts[s]} {s}") if counts[s] else f"0 {s}" for s in _LABELS)
    nodes = len(report.get("nodes") or [])
    lines = [paint(_BOLD, f"{len(report['findings'])} findings on {nodes} node{'s' if nodes != 1 else ''}") + f": {head}"]
    for finding in report["findings"][:TOP]:
        label = paint(_COLORS[finding["severity"]], f"{_LABELS[finding['severity']]:<5}")
        where = _clean(", ".join(finding["nodes"]), 40)
        lines.append(f"  {label} {_clean(finding['component']):<10} {_clean(finding['title'], 90)}"
                     + (paint(_DIM, f"  [{where}]") if where else ""))
    rest = len(report["findings"]) - TOP
    if rest > 0:
        lines.append(paint(_DIM, f"  ... and {rest} more in the report"))
    if report.get("not_checked"):
        lines.append(paint(_DIM, f"  {len(report['not_checked'])} rules not checked (inputs missing)"))
    errors = len((report.get("inventory") or {}).get("errors") or [])
    if errors:
        lines.append(paint(_DIM, f"  {errors} inventory members could not be read"))
    return "\n".join(lines)
