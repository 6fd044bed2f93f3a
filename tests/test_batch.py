"""`sos-analyzer batch`: one report per case, the index, the pool and Dask giving the same reports."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import batch
from analyzer.batch import Case, find_cases, run_batch, run_case
from analyzer.cli import main

REPO = Path(__file__).resolve().parents[1]
FIXTURE_CASES = ("rhosp16-podman", "rhosp13-docker", "healthy")
HOSTILE = "<img src=x onerror=alert(1)>"
FORMATS = {"json", "html", "md"}


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory) -> Path:
    """The three fixture cases, a case folder named like an HTML tag holding only a note (no
    sosreport in it) and a damaged archive."""
    root = tmp_path_factory.mktemp("cases")
    for name in FIXTURE_CASES:
        shutil.copytree(REPO / "fixtures" / name, root / name, symlinks=True)
    (root / HOSTILE).mkdir()
    (root / HOSTILE / "notes.txt").write_text("customer says: galera down after reboot of controller-1\n")
    (root / "case-0042.tar.xz").write_bytes(b"\xfd7zXZ\x00\x00" + b"\x11" * 300)
    (root / "README.txt").write_text("cases of the week\n")
    return root


@pytest.fixture(scope="module")
def pool_out(cases_dir, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("pool")
    return out, run_batch(str(cases_dir), str(out), FORMATS, jobs=2)


def _report(out: Path, case: str) -> dict:
    report = json.loads((out / case / "report.json").read_text())
    report.pop("generated_at")
    return report


def _entry(index: dict, name: str) -> dict:
    return next(e for e in index["cases"] if e["name"] == name)


def test_every_case_gets_its_report_folder(pool_out):
    out, index = pool_out
    for case in FIXTURE_CASES:
        assert sorted(p.name for p in (out / case).iterdir()) == ["report.html", "report.json", "report.md"]
    assert _entry(index, "rhosp16-podman")["nodes"] == ["compute-0", "controller-0", "controller-1", "controller-2"]
    # the pasted `openstack ... list` outputs beside the sosreports are a node of their own, as with analyze
    assert _entry(index, "rhosp13-docker")["nodes"] == ["compute-0", "controller-0", "controller-1",
                                                        "openstack-lists-before-outage.txt"]
    assert _entry(index, "healthy")["nodes"] == ["controller-0", "controller-1", "controller-2"]
    assert index["skipped"] == [{"name": "README.txt", "reason": "neither a folder nor a tar archive"}]
    assert json.loads((out / "index.json").read_text())["cases"] == index["cases"]


def test_failing_cases_are_listed_with_their_error_and_do_not_stop_the_others(pool_out):
    out, index = pool_out
    assert index["totals"]["cases"] == 5 and index["totals"]["failed"] == 2
    damaged = _entry(index, "case-0042")
    assert damaged["status"] == "error" and "case-0042.tar.xz" in damaged["error"]
    hostile = _entry(index, HOSTILE)
    assert hostile["status"] == "error" and "notes.txt" in hostile["error"]
    # failed cases first, then the worst severity
    assert [e["name"] for e in index["cases"]][:2] == sorted(["case-0042", HOSTILE])
    assert index["cases"][-1]["name"] == "healthy"
    # rhosp13-docker is partial: its nova_service-list holds the API's HTTP 500 (Galera is down)
    assert {c: _entry(index, c)["status"] for c in FIXTURE_CASES} == {
        c: "partial" if c == "rhosp13-docker" else "ok" for c in FIXTURE_CASES}


def test_index_lists_the_worst_findings_of_each_case(pool_out):
    out, index = pool_out
    for case in ("rhosp16-podman", "rhosp13-docker"):
        entry = _entry(index, case)
        report = _report(out, case)
        ranked = sorted(report["findings"], key=lambda f: batch.SEVERITIES.index(f["severity"]))
        assert entry["worst_severity"] == "critical"
        assert [f["rule_id"] for f in entry["findings"]] == [f["rule_id"] for f in ranked[:batch.TOP_FINDINGS]]
        assert entry["severity_counts"] == report["case"]["severity_counts"]
    assert any(f["rule_id"].startswith("rabbitmq.") for f in _entry(index, "rhosp16-podman")["findings"])
    healthy = _entry(index, "healthy")
    assert healthy["severity_counts"]["critical"] == healthy["severity_counts"]["error"] == 0


def test_case_report_is_what_analyze_gives(pool_out):
    """The same code path as `analyze CASE/*`: pipeline.analyze, then the report writer's redaction."""
    from analyzer.pipeline import IngestSettings, analyze
    from analyzer.report.redaction import redact_report

    out, index = pool_out
    case_dir = Path(_entry(index, "rhosp13-docker")["path"])
    inputs = sorted(str(p) for p in case_dir.iterdir())
    result = analyze(IngestSettings(inputs=inputs), [], argv=["batch", str(case_dir)])
    expected = json.loads(json.dumps(redact_report(result.report)))
    expected.pop("generated_at")
    assert _report(out, "rhosp13-docker") == expected


def test_index_html_shows_hostile_case_names_as_text(pool_out):
    out, _ = pool_out
    html = (out / "index.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert 'href="%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/report.html"' in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert (out / HOSTILE / "report.html").is_file()
    assert 'href="rhosp16-podman/report.html"' in html


def test_dask_local_cluster_gives_identical_reports(cases_dir, pool_out, tmp_path):
    pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'sos-analyzer[dask]')")
    pool_dir, pool_index = pool_out
    index = run_batch(str(cases_dir), str(tmp_path), FORMATS, jobs=2, scheduler="local")
    assert index["scheduler"] == "local"
    for case in FIXTURE_CASES + (HOSTILE, "case-0042"):
        assert _report(tmp_path, case) == _report(pool_dir, case), case

    def comparable(ix):
        return [{k: v for k, v in e.items() if k != "seconds"} for e in ix["cases"]]

    assert comparable(index) == comparable(pool_index)


def test_find_cases_names_and_exclusions(tmp_path):
    (tmp_path / "case-1").mkdir()
    (tmp_path / "case-1" / "sosreport-controller-0.tar.xz").write_bytes(b"")
    (tmp_path / "case-1.tar.xz").write_bytes(b"")
    (tmp_path / "index.html").mkdir()
    (tmp_path / ".snapshot").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "sos-collector-case-2.tar.gz").write_bytes(b"")
    found = find_cases(str(tmp_path), exclude=str(tmp_path / "out"))
    assert [(c.name, os.path.basename(c.path)) for c in found.cases] == [
        ("case-1", "case-1"), ("case-1.tar.xz", "case-1.tar.xz"), ("index.html-case", "index.html"),
        ("sos-collector-case-2", "sos-collector-case-2.tar.gz")]
    assert found.cases[0].inputs == (str(tmp_path / "case-1" / "sosreport-controller-0.tar.xz"),)
    assert found.skipped == [{"name": "out", "reason": "the output folder"}]


def test_run_case_reports_an_exception_instead_of_raising(monkeypatch, tmp_path):
    import analyzer.pipeline

    def explode(*args, **kwargs):
        raise RuntimeError("parser blew up on pcs_status")

    monkeypatch.setattr(analyzer.pipeline, "analyze", explode)
    result = run_case(Case(name="c", path=str(tmp_path), inputs=(str(tmp_path / "x"),)))
    assert result.status == "error" and result.report is None
    assert result.error == "RuntimeError: parser blew up on pcs_status"
    assert "explode" in result.traceback


@pytest.mark.skipif(multiprocessing.get_start_method(allow_none=False) != "fork",
                    reason="the patched task reaches the pool workers only through fork")
def test_a_worker_that_dies_fails_only_its_case(monkeypatch, tmp_path):
    import analyzer.pipeline

    real = analyzer.pipeline.analyze

    def die_on_crash_case(settings, *args, **kwargs):
        if "crash" in settings.inputs[0]:
            os._exit(9)
        return real(settings, *args, **kwargs)

    monkeypatch.setattr(analyzer.pipeline, "analyze", die_on_crash_case)
    cases = tmp_path / "cases"
    for name in ("a-crash", "b-notes", "c-notes"):
        (cases / name).mkdir(parents=True)
        (cases / name / "notes.txt").write_text("nothing to see\n")
    index = run_batch(str(cases), str(tmp_path / "out"), {"json"}, jobs=2)
    assert _entry(index, "a-crash")["error"] == "the worker process died (killed or out of memory)"
    for name in ("b-notes", "c-notes"):   # analysed (a loose note is no sosreport: an input error)
        assert (tmp_path / "out" / name / "report.json").is_file()
        assert "notes.txt" in _entry(index, name)["error"]


def test_cli_batch_exit_codes_and_progress(tmp_path):
    runner = CliRunner()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(main, ["batch", str(empty), "-o", str(tmp_path / "o1")])
    assert result.exit_code == 2 and "no case" in result.output
    result = runner.invoke(main, ["batch", str(empty), "-o", str(tmp_path / "o1"), "--scheduler", "udp://x"])
    assert result.exit_code == 2 and "tcp://HOST:PORT" in result.output
    (tmp_path / "cases" / "case-7").mkdir(parents=True)
    (tmp_path / "cases" / "case-7" / "notes.txt").write_text("nothing\n")
    result = runner.invoke(main, ["batch", str(tmp_path / "cases"), "-o", str(tmp_path / "o2"),
                                  "--format", "json", "--jobs", "1"])
    assert result.exit_code == 1
    assert "[1/1] case-7: failed:" in result.output
    assert sorted(p.name for p in (tmp_path / "o2").iterdir()) == ["case-7", "index.html", "index.json"]
    assert json.loads((tmp_path / "o2" / "index.json").read_text())["cases"][0]["reports"] == {
        "json": "case-7/report.json"}
