"""The findings report: model (`build`) and writers for report.json, report.md and report.html.

    report = build(bundle, engine_result, incidents, meta)
    paths = write(report, outdir, {"html", "json", "md"})

Every writer gets the report after one shared redaction pass (`redaction.redact_report`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from analyzer.report.html import render_html
from analyzer.report.markdown import render_markdown
from analyzer.report.model import build
from analyzer.report.redaction import redact_report

FORMATS = {"json": ("report.json", None), "md": ("report.md", render_markdown), "html": ("report.html", render_html)}

__all__ = ["FORMATS", "build", "render_json", "write"]


def render_json(report: dict) -> str:
    return "".join(_json_chunks(report))


def _json_chunks(report: dict) -> Iterator[str]:
    """report.json in pieces: the file is written as it is encoded, never held whole."""
    yield from json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(report)
    yield "\n"


def _write_inside(outdir: Path, name: str, text: str | Iterable[str]) -> Path:
    """Write `outdir/name` (a text or its pieces) through a temporary file renamed over it
    (never follows a link there)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=outdir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            if isinstance(text, str):
                handle.write(text)
            else:
                for piece in text:
                    handle.write(piece)
        os.replace(tmp, outdir / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return outdir / name


def write(report: dict, outdir: Path, formats: set[str]) -> list[Path]:
    """Write the chosen formats (json, md, html) into `outdir`; returns the paths written."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s): {', '.join(sorted(unknown))} (choose from json, md, html)")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    safe = redact_report(report)
    written = []
    for fmt in ("json", "md", "html"):
        if fmt in formats:
            name, render = FORMATS[fmt]
            written.append(_write_inside(outdir, name, render(safe) if render else _json_chunks(safe)))
    return written
