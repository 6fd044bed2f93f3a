"""Every shipped rule passes its own fire and quiet cases; the packs cover the guide."""

import json
from pathlib import Path

import jsonschema
import pytest

from analyzer.engine import evaluate, load_rules, run_rule_tests
from analyzer.engine.testing import bundle_from_case

RULESET = load_rules()
FINDING_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2].parent / "shared" / "report.schema.json").read_text()
)["properties"]["findings"]["items"] if (Path(__file__).resolve().parents[2].parent / "shared"
                                         / "report.schema.json").is_file() else None


@pytest.mark.parametrize("rule_id", sorted(RULESET.rules))
def test_rule_cases(rule_id):
    results = run_rule_tests(RULESET, {rule_id})
    failures = [str(r) for r in results if not r.passed]
    assert not failures, "\n".join(failures)
    assert len(results) >= 2


def test_at_least_forty_rules_in_every_pack():
    assert len(RULESET) >= 40
    packs = {Path(r.source).stem for r in RULESET}
    assert packs == {"containers", "pacemaker", "haproxy", "vips", "galera", "rabbitmq", "redis",
                     "ceph", "openstack", "config", "logs", "time"}


def test_every_kind_is_shipped():
    assert {r.kind for r in RULESET} == {"table", "cross_node", "logs", "correlate",
                                         "expect_rows"}


@pytest.mark.skipif(FINDING_SCHEMA is None, reason="../shared/report.schema.json absent")
def test_findings_of_every_firing_case_match_the_report_schema():
    checked = 0
    for rule in RULESET:
        for case in rule.tests:
            if case["expect"] != "fire":
                continue
            result = evaluate(RULESET, bundle_from_case(case), only=[rule.id])
            for finding in result.findings:
                jsonschema.validate(finding, FINDING_SCHEMA)
                assert "<" not in finding["title"], f"unfilled field in {finding['title']!r}"
                checked += 1
    assert checked >= len(RULESET)


def test_log_patterns_for_the_single_scan():
    patterns = dict(RULESET.log_patterns())
    assert patterns["rabbitmq.partition-logged"].search(
        "mnesia_event got {inconsistent_database, running_partitioned_network, 'rabbit@c-0'}")
    assert patterns["rabbitmq.amqp-outage-after-partition#then"].search(
        "AMQP server on controller-1.internalapi.localdomain:5672 is unreachable: timed out")
    assert "logs.traceback" not in patterns          # kept by the scan anyway (level + traceback)
    assert all(rule_id.split("#")[0] in RULESET.rules for rule_id in patterns)
