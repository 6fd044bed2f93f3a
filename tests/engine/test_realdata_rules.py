"""The shipped rules over real command outputs (../shared/realdata), parsed by the parsers."""

from datetime import datetime, timezone

import pytest

from analyzer.bundle import Bundle, NodeInfo
from analyzer.engine import evaluate, load_rules
from analyzer.parsers import load_all
from analyzer.parsers.base import REGISTRY
from tests.conftest import read_realdata

RULESET = load_rules()


def findings_for(relpath: str, kind: str):
    load_all()
    text = read_realdata(relpath)
    tables = REGISTRY[kind].fn(text, relpath)
    frames = {name: Bundle.frame([dict(row, node="controller-0", source=relpath) for row in rows])
              for name, rows in tables.items()}
    node = NodeInfo("controller-0", roles=["controller"], runtime="podman",
                    collected_at=datetime(2024, 5, 1, tzinfo=timezone.utc))
    result = evaluate(RULESET, Bundle({"controller-0": node}, frames, []))
    assert result.errors == []
    return result


def titles(result, rule_id):
    return sorted(f["title"] for f in result.findings if f["rule_id"] == rule_id)


def test_pcs_status_with_failed_fencing_actions(realdata):
    result = findings_for("pacemaker/insights-pcs_status-pcmk1.1.23-failed-resource-actions.txt",
                          "pcs_status")
    failed = [f for f in result.findings if f["rule_id"] == "pacemaker.failed-actions"]
    assert sorted(f["title"] for f in failed) == [
        "Failed action: start_0 of clusterfence on test-host1 (unknown error)",
        "Failed action: start_0 of clusterfence on test-host2 (unknown error)"]
    assert all("pcs resource cleanup clusterfence" in f["remediation"] for f in failed)
    assert all(f["evidence"][0]["line"] for f in failed)
    assert titles(result, "pacemaker.replica-stopped") == ["Resource clusterfence is stopped"]
    assert titles(result, "pacemaker.no-quorum") == []


def test_crm_mon_with_an_offline_bundle_replica(realdata):
    result = findings_for("pacemaker/pcmk-crm_mon-complete-detail-bundle-promoted.txt", "pcs_status")
    assert titles(result, "pacemaker.node-offline") == ["Cluster node httpd-bundle-2 is offline"]
    assert "Resource httpd-bundle-2 is stopped" in titles(result, "pacemaker.replica-stopped")
    assert not any(f["severity"] == "critical" for f in result.findings)


def test_synced_galera_and_single_node_rabbitmq_are_quiet(realdata):
    galera = findings_for("galera/osism-show_global_status_wsrep-mariadb-galera25.3.20.txt",
                          "galera_status")
    assert not any(f["component"] == "galera" for f in galera.findings)
    rabbit = findings_for("rabbitmq/hotsos-cluster_status-section-3.8.2.txt",
                          "rabbitmq_cluster_status")
    assert not any(f["component"] == "rabbitmq" for f in rabbit.findings)
    # the Pacemaker rules were not run on these nodes: said so, not passed
    assert "pacemaker.no-quorum" in {n["rule_id"] for n in rabbit.not_checked}
    assert titles(rabbit, "pacemaker.no-pcs-status") == ["No pcs status from controller controller-0"]
