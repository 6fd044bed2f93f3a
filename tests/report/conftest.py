"""Fixtures of the report tests: the hand-built case, its report dict and written files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.report import build, write
from tests.report.sample_case import META, make_bundle, make_findings, make_incidents

SCHEMA = Path(__file__).resolve().parents[2] / "analyzer" / "report" / "report.schema.json"
SHARED_SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "report.schema.json"


@pytest.fixture
def report() -> dict:
    return build(make_bundle(), make_findings(), make_incidents(), META)


@pytest.fixture
def hostile_report() -> dict:
    return build(make_bundle(hostile=True), make_findings(hostile=True), make_incidents(hostile=True), META)


@pytest.fixture
def hostile_outdir(tmp_path, hostile_report) -> Path:
    write(hostile_report, tmp_path / "out", {"json", "md", "html"})
    return tmp_path / "out"


def load_schema(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
