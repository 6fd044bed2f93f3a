"""Every hostile or broken input of the corpus, through the real CLI, next to a good sosreport.

Each case runs once (cached); one test per guarantee and case says which guarantee broke:
the run ends within its bound, memory stays bounded, nothing is written outside OUTDIR, the
planted secret is never read, the exit code is the documented one, the good input keeps its
finding, and the report names each problem (input, path, reason).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.hostile.corpus import CASES, CASES_BY_NAME, MANY, SANDBOX_SECRET, Case, Expect, good_sosreport
from tests.hostile.sandbox import Run, make_root, run_cli

NAMES = [builder.__name__ for builder in CASES]


@pytest.fixture(scope="module")
def hostile(request, tmp_path_factory):
    """case name -> (Case, Run); the cases this session selected run two at a time up front."""
    cache: dict[str, tuple[Case, Run]] = {}

    def execute(name: str) -> tuple[Case, Run]:
        root = make_root(tmp_path_factory.mktemp(name), SANDBOX_SECRET)
        case = CASES_BY_NAME[name](root / "inputs", root)
        good = good_sosreport(root / "inputs")
        return case, run_cli(root, [*map(str, case.inputs), str(good), "--quiet", *case.args], timeout=case.seconds)

    wanted = sorted({item.callspec.params["name"] for item in request.session.items
                     if item.module is request.module and hasattr(item, "callspec")
                     and "name" in item.callspec.params})
    with ThreadPoolExecutor(max_workers=2) as pool:
        cache.update(zip(wanted, pool.map(execute, wanted)))

    def run(name: str) -> tuple[Case, Run]:
        if name not in cache:
            cache[name] = execute(name)
        return cache[name]
    return run


@pytest.mark.parametrize("name", NAMES)
def test_run_ends_within_its_time_bound(hostile, name):
    case, run = hostile(name)
    assert run.returncode is not None, f"killed after {case.seconds} s"
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


@pytest.mark.parametrize("name", NAMES)
def test_memory_stays_bounded(hostile, name):
    case, run = hostile(name)
    assert run.peak_rss_mb < case.rss_mb, f"peak RSS {run.peak_rss_mb:.0f} MB"


@pytest.mark.parametrize("name", NAMES)
def test_nothing_is_written_outside_outdir(hostile, name):
    _, run = hostile(name)
    assert run.changed_outside == []


@pytest.mark.parametrize("name", NAMES)
def test_nothing_outside_the_inputs_is_read(hostile, name):
    _, run = hostile(name)
    outputs = run.outputs()
    assert set(outputs) >= {"report.json", "report.md", "report.html"}
    for fname, text in outputs.items():
        assert SANDBOX_SECRET not in text, fname


@pytest.mark.parametrize("name", NAMES)
def test_exit_code_is_0_when_another_input_is_readable(hostile, name):
    _, run = hostile(name)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.parametrize("name", NAMES)
def test_the_good_input_keeps_its_finding(hostile, name):
    _, run = hostile(name)
    unhealthy = [f for f in run.report()["findings"] if f["rule_id"] == "containers.unhealthy"]
    assert len(unhealthy) == 1 and "controller-1" in unhealthy[0]["nodes"]
    assert unhealthy[0]["severity"] == "error" and "nova_api" in unhealthy[0]["title"]


def _named(report: dict, expect: Expect, with_reason: bool) -> str | None:
    """None when the report names the problem, else what it says instead."""
    if expect.path is None:
        found = [i for i in report["inputs"] if i["path"].endswith("/" + expect.input)]
        if not found:
            return f"no input {expect.input} in {[i['path'] for i in report['inputs']]}"
        record = found[0]
        errors = " | ".join(record["errors"])
        if record["status"] != expect.status or expect.reason.lower() not in errors.lower():
            return f"input {expect.input}: status {record['status']}, errors {errors!r}"
        listed = [e for e in report["inventory"]["errors"] if (e["input"] or "").endswith("/" + expect.input)]
        if not listed:
            return f"input {expect.input}: its error is not in the inventory"
        if with_reason and not any(expect.reason.lower() in (e["reason"] or "").lower() for e in listed):
            return f"input {expect.input}: inventory reasons {[e['reason'] for e in listed]}"
        return None
    items = [i for i in report["inventory"]["items"]
             if i["path"] == expect.path and (i["input"] or "").endswith("/" + expect.input)]
    if not items:
        return f"no inventory row for {expect.path!r}"
    item = items[0]
    if expect.status == "any":
        if item["status"] not in ("parsed", "error"):
            return f"{expect.path}: status {item['status']}"
        if with_reason and item["status"] == "error" and not item["reason"]:
            return f"{expect.path}: error without a reason"
        return None
    if item["status"] != expect.status:
        return f"{expect.path}: status {item['status']}"
    if with_reason and expect.reason.lower() not in (item["reason"] or "").lower():
        return f"{expect.path}: reason {item['reason']!r}"
    return None


@pytest.mark.parametrize("name", NAMES)
def test_the_report_names_each_problem_input_and_path(hostile, name):
    case, run = hostile(name)
    report = run.report()
    problems = [p for p in (_named(report, e, with_reason=False) for e in case.expect) if p]
    assert problems == []


@pytest.mark.parametrize("name", NAMES)
def test_the_report_gives_the_reason_of_each_problem(hostile, name):
    case, run = hostile(name)
    if not any(e.reason for e in case.expect):
        pytest.skip("this case expects no particular reason")
    report = run.report()
    problems = [p for p in (_named(report, e, with_reason=True) for e in case.expect) if p]
    assert problems == []


def test_many_members_are_all_accounted_for(hostile):
    _, run = hostile("many_members")
    inventory = run.report()["inventory"]
    assert inventory["skipped"] >= MANY
    assert inventory["items_omitted"] == inventory["parsed"] + inventory["skipped"] + len(
        inventory["errors"]) - len(inventory["items"])


def test_an_input_that_is_unreadable_alone_exits_2(tmp_path):
    root = make_root(tmp_path / "root", SANDBOX_SECRET)
    case = CASES_BY_NAME["not_an_archive"](root / "inputs", root)
    run = run_cli(root, [*map(str, case.inputs), "--quiet"], timeout=30)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "no input could be read" in run.stderr
    assert run.changed_outside == []
    statuses = {i["path"].rsplit("/", 1)[-1]: i["status"] for i in run.report()["inputs"]}
    assert statuses == {"sosreport-junk.tar.xz": "error", "photo.tar.xz": "error"}


def test_fail_on_is_still_honoured_next_to_a_broken_input(tmp_path):
    root = make_root(tmp_path / "root", SANDBOX_SECRET)
    case = CASES_BY_NAME["corrupt_header"](root / "inputs", root)
    good = good_sosreport(root / "inputs")
    run = run_cli(root, [*map(str, case.inputs), str(good), "--quiet", "--fail-on", "error"], timeout=30)
    assert run.returncode == 1, run.stderr[-2000:]
    quiet = run_cli(root, [*map(str, case.inputs), str(good), "--quiet", "--fail-on", "critical"], timeout=30)
    assert quiet.returncode == 0, quiet.stderr[-2000:]
