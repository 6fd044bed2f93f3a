"""Evaluation over a Bundle: not checked vs passed, folding, evidence, order, errors, logs."""

from pathlib import Path

import pandas as pd

from analyzer.engine import evaluate, load_rules
from analyzer.engine.loader import collect_rules
from analyzer.engine.testing import bundle_from_case

RULESET = load_rules()

HEALTHY = {
    "nodes": {f"controller-{i}": {"roles": ["controller"], "runtime": "podman"} for i in range(3)},
    "facts": {
        "containers": [
            {"node": f"controller-{i}", "name": name, "image": f"rhosp16/openstack-{name}:16.2.3",
             "state": "running", "health": "healthy", "status_text": "Up 3 days (healthy)"}
            for i in range(3) for name in ("keystone", "nova_api", f"haproxy-bundle-podman-{i}")],
        "pcs_cluster": [{"node": f"controller-{i}", "cluster_name": "tripleo_cluster",
                         "dc": "controller-1", "quorum": True, "maintenance": False,
                         "stonith_enabled": True} for i in range(3)],
        "pcs_nodes": [{"node": f"controller-{i}", "cluster_node": f"controller-{j}",
                       "state": "online", "kind": "member"} for i in range(3) for j in range(3)],
        "pcs_failed_actions": [],
        "galera": [{"node": f"controller-{i}", "record": "wsrep_status",
                    "wsrep_local_state_comment": "Synced", "wsrep_cluster_status": "Primary",
                    "wsrep_cluster_size": 3} for i in range(3)],
        "rabbitmq": [{"node": f"controller-{i}",
                      "running_nodes": [f"rabbit@controller-{j}" for j in (2, 1, 0)],
                      "disc_nodes": [f"rabbit@controller-{j}" for j in range(3)],
                      "partitions": [], "alarms": []} for i in range(3)],
        "events": [],
    },
}


def faulty_case() -> dict:
    case = {"nodes": HEALTHY["nodes"], "facts": {k: [dict(r) for r in v]
                                                  for k, v in HEALTHY["facts"].items()}}
    facts = case["facts"]
    facts["containers"][3].update(health="unhealthy", status_text="Up 3 days (unhealthy)")  # c1 keystone
    facts["containers"][6].update(health="unhealthy", status_text="Up 3 days (unhealthy)")  # c2 keystone
    facts["galera"][2].update(wsrep_local_state_comment="Initialized",
                              wsrep_cluster_status="non-Primary", wsrep_cluster_size=1)
    facts["rabbitmq"][2]["running_nodes"] = ["rabbit@controller-2"]
    return case


def run(case, ruleset=RULESET):
    return evaluate(ruleset, bundle_from_case(case))


def test_healthy_case_has_no_error_or_critical_finding():
    result = run(HEALTHY)
    assert result.errors == []
    assert [f for f in result.findings if f["severity"] in ("error", "critical")] == []


def test_faulty_case_findings_with_nodes_and_components():
    result = run(faulty_case())
    found = {(f["rule_id"], tuple(f["nodes"])) for f in result.findings}
    assert ("containers.unhealthy", ("controller-1", "controller-2")) in found
    assert ("galera.not-synced", ("controller-2",)) in found
    assert ("galera.cluster-size-below-controllers", ("controller-2",)) in found
    assert ("rabbitmq.running-nodes-differ", ("controller-0", "controller-1", "controller-2")) in found
    unhealthy = next(f for f in result.findings if f["rule_id"] == "containers.unhealthy")
    assert unhealthy["title"] == "Container keystone is unhealthy on controller-1, controller-2"
    assert unhealthy["component"] == "containers" and unhealthy["count"] == 2
    assert [e["node"] for e in unhealthy["evidence"]] == ["controller-1", "controller-2"]
    assert "podman restart keystone" in unhealthy["remediation"]


def test_order_is_deterministic_and_by_severity():
    first = run(faulty_case()).findings
    second = run(faulty_case()).findings
    assert first == second
    ranks = [["critical", "error", "warning", "info"].index(f["severity"]) for f in first]
    assert ranks == sorted(ranks)


def test_absent_table_is_not_checked_never_passed():
    result = run({"facts": {"containers": [{"node": "controller-0", "name": "x",
                                            "state": "running"}]}})
    reasons = {n["rule_id"]: n["reason"] for n in result.not_checked}
    assert "no galera data" in reasons["galera.not-synced"]
    assert "no events data" in reasons["logs.oom-killer"]
    assert "containers.unhealthy" not in reasons
    assert not any(f["rule_id"].startswith("galera.") for f in result.findings)


def test_empty_but_present_table_is_checked():
    result = run(HEALTHY)
    not_checked = {n["rule_id"] for n in result.not_checked}
    assert "pacemaker.failed-actions" not in not_checked
    assert "logs.oom-killer" not in not_checked          # events present, nothing matched


def test_evidence_is_capped_and_the_rest_counted():
    case = {"facts": {"containers": [
        {"node": f"controller-{i % 3}", "name": "nova_api", "state": "running",
         "health": "unhealthy", "line": i + 1} for i in range(25)]}}
    finding = next(f for f in run(case).findings if f["rule_id"] == "containers.unhealthy")
    assert finding["count"] == 25
    assert len(finding["evidence"]) == 10 and finding["evidence_omitted"] == 15
    # the evidence shown covers every node
    assert {e["node"] for e in finding["evidence"]} == {"controller-0", "controller-1",
                                                         "controller-2"}


def test_a_failing_rule_is_an_error_and_others_still_run(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "rules:\n  - id: site.bad-compare\n    title: t\n    component: containers\n"
        "    severity: error\n    table: containers\n    where: name > 5\n")
    ruleset = load_rules([tmp_path])
    result = run(faulty_case(), ruleset)
    errors = {e["rule_id"]: e["message"] for e in result.errors}
    assert "site.bad-compare" in errors and "column 'name'" in errors["site.bad-compare"]
    assert any(f["rule_id"] == "containers.unhealthy" for f in result.findings)


def test_log_rule_uses_matched_tags_and_window(tmp_path):
    (tmp_path / "w.yaml").write_text(
        "rules:\n  - id: site.recent-fencing\n    title: Fencing on {node}\n    component: pacemaker\n"
        "    severity: error\n    logs: {pattern: 'will be fenced', window: 1h}\n")
    ruleset = load_rules([tmp_path])
    assert ("site.recent-fencing", "will be fenced") in [(i, p.pattern)
                                                          for i, p in ruleset.log_patterns()]
    case = {"collected_at": "2024-05-01T12:00:00Z", "facts": {"events": [
        # tagged by the scanner, text truncated: the tag is enough
        {"node": "controller-0", "ts": "2024-05-01T11:30:00Z", "service": "pacemaker",
         "file": "var/log/pacemaker/pacemaker.log", "line": 10, "level": "WARNING",
         "text": "pacemaker-schedulerd[4242]: warning: Cluster node controller-2 wi",
         "matched": ["site.recent-fencing"]},
        # too old for the window
        {"node": "controller-1", "ts": "2024-05-01T09:00:00Z", "service": "pacemaker",
         "file": "var/log/pacemaker/pacemaker.log", "line": 3, "level": "WARNING",
         "text": "warning: Cluster node controller-2 will be fenced: peer is no longer part of the cluster",
         "matched": []},
    ]}}
    result = evaluate(ruleset, bundle_from_case(case), only=["site.recent-fencing"])
    [finding] = result.findings
    assert finding["nodes"] == ["controller-0"]
    assert finding["first_seen"] == "2024-05-01T11:30:00Z"
    assert finding["evidence"][0]["path"] == "var/log/pacemaker/pacemaker.log"


def test_secrets_in_log_evidence_are_redacted(tmp_path):
    case = {"facts": {"events": [{
        "node": "controller-0", "ts": "2024-05-01T11:00:00Z", "service": "nova",
        "file": "var/log/containers/nova/nova-conductor.log", "line": 7, "level": "ERROR",
        "text": "AMQP server on rabbit://guest:s3cretPass@controller-1:5672 is unreachable"}]}}
    result = evaluate(RULESET, bundle_from_case(case), only=["rabbitmq.amqp-unreachable"])
    assert result.findings == []          # min_count 2 per node: one line is not enough
    case["facts"]["events"].append(dict(case["facts"]["events"][0], line=9))
    result = evaluate(RULESET, bundle_from_case(case), only=["rabbitmq.amqp-unreachable"])
    texts = " ".join(e["text"] for f in result.findings for e in f["evidence"])
    assert "s3cretPass" not in texts and "guest:" in texts


def test_correlation_finding_names_trigger_and_window():
    rule = RULESET.get("rabbitmq.amqp-outage-after-partition")
    case = rule.tests[0]
    result = evaluate(RULESET, bundle_from_case(case), only=[rule.id])
    [finding] = [f for f in result.findings if f["rule_id"] == rule.id]
    assert finding["correlation"]["first"] == {"rule": "rabbitmq.partition-logged",
                                               "nodes": ["controller-1"],
                                               "at": "2024-05-01T09:58:01Z"}
    assert finding["correlation"]["then"]["nodes"] == ["controller-0", "controller-2"]
    assert finding["first_seen"] == "2024-05-01T09:58:01Z"
    assert finding["last_seen"] == "2024-05-01T10:01:10Z"


def test_templates_never_raise_on_missing_fields(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "rules:\n  - id: site.t\n    title: '{name} {missing} {0} {name.__class__}'\n"
        "    summary: 'broken {'\n"
        "    component: containers\n    severity: info\n    table: containers\n")
    ruleset = load_rules([tmp_path])
    result = evaluate(ruleset, bundle_from_case(
        {"facts": {"containers": [{"node": "c", "name": "nova_api"}]}}), only=["site.t"])
    assert result.errors == []
    [finding] = result.findings
    assert finding["title"] == "nova_api <missing> <0> <name.__class__>"
    assert finding["summary"] == "broken {"


def test_rule_files_are_read_once_per_load(monkeypatch):
    opened = []
    original = Path.read_text

    def spy(self, *args, **kwargs):
        opened.append(self.name)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(Path, "read_text", spy)
    collect_rules()
    yaml_reads = [n for n in opened if n.endswith(".yaml")]
    assert len(yaml_reads) == len(set(yaml_reads)) == 12


def test_table_frame_with_timestamp_dtype_and_missing_columns():
    bundle = bundle_from_case({"facts": {"containers": [{"node": "controller-0", "name": "a"}]}})
    frame = bundle.table("containers").assign(created=pd.Timestamp("2024-05-01T00:00:00Z"))
    bundle.set_table("containers", frame)
    result = evaluate(RULESET, bundle, only=["containers.unhealthy", "containers.exited-nonzero"])
    assert result.findings == [] and result.errors == []


def test_pattern_search_gives_the_regex_verdict_whatever_the_prefilter():
    """Tagged rows count without a search; the others get the regex's verdict whether the
    texts are Arrow strings, objects with gaps and numbers, or need case folding."""
    import re

    import numpy as np

    from analyzer.engine.evaluate import _pattern_hits, _pattern_mask, tag_rows

    texts = ["AMQP server on 10.0.0.5:5672 is unreachable", "amqp SERVER on x is unreachable",
             "all good", "", "AMQP server on  is unreachable", "Timed out waiting for a reply"]
    for pattern in (re.compile(r"AMQP server on \S+ is unreachable"),
                    re.compile(r"amqp server on \S+ is unreachable", re.IGNORECASE),
                    re.compile(r"MessagingTimeout|Timed out waiting for a reply"),
                    re.compile(r"\d+:\d+")):
        expected = [pattern.search(t) is not None for t in texts]
        for column in (pd.Series(texts, dtype="str"), pd.Series(texts, dtype=object)):
            got = _pattern_hits(pd.DataFrame({"text": column}), pattern).tolist()
            assert got == expected, pattern.pattern
    mixed = pd.DataFrame({"text": pd.Series([None, 42, "AMQP server on h is unreachable"],
                                            dtype=object)})
    assert _pattern_hits(mixed, re.compile(r"AMQP server on \S+ is unreachable")).tolist() == \
        [False, False, True]

    events = pd.DataFrame({"text": ["x", "AMQP server on h is unreachable", "y", "z"],
                           "matched": [["rmq.unreachable"], [], "other,rmq.unreachable", None]})

    class Spec:
        pattern_id = "rmq.unreachable"
        pattern = re.compile(r"AMQP server on \S+ is unreachable")

    tags = tag_rows(events)
    assert tags["rmq.unreachable"].tolist() == [0, 2]
    assert _pattern_mask(events, np.array([0, 1, 2, 3]), Spec, tags).tolist() == \
        [True, True, True, False]
    # only the rows asked for are answered, tagged or not
    assert _pattern_mask(events, np.array([1, 3]), Spec, tags).tolist() == [False, True, False, False]
