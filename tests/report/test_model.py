"""The report model built from a hand-made 3-controller case: what each section says."""

from __future__ import annotations

import copy

import jsonschema
import pandas as pd
import pytest

from analyzer.bundle import Bundle, NodeInfo
from analyzer.report import build
from analyzer.report.ha import normalize_role
from analyzer.report.redaction import redact_report
from tests.report.conftest import SCHEMA, SHARED_SCHEMA, load_schema
from tests.report.sample_case import CONTROLLERS, META, EngineResult, make_bundle, make_findings, make_incidents


def _validator(path):
    return jsonschema.Draft202012Validator(load_schema(path), format_checker=jsonschema.FormatChecker())


def _bundle_row(report, name):
    return next(b for b in report["ha"]["bundles"] if b["bundle"] == name)


def _roles(bundle_row):
    return {c["node"]: [r["role"] for r in c["replicas"]] for c in bundle_row["cells"]}


def test_project_schema_is_valid_and_report_validates(report, hostile_report):
    jsonschema.Draft202012Validator.check_schema(load_schema(SCHEMA))
    for item in (report, hostile_report, redact_report(hostile_report)):
        errors = [e.message for e in _validator(SCHEMA).iter_errors(item)]
        assert errors == []


def test_report_validates_against_shared_contract(report, hostile_report):
    if not SHARED_SCHEMA.is_file():
        pytest.skip("../shared/report.schema.json is not present")
    for item in (report, hostile_report):
        assert [e.message for e in _validator(SHARED_SCHEMA).iter_errors(item)] == []


def test_project_schema_accepts_a_minimal_contract_report():
    minimal = {"tool": {"name": "sos-analyzer", "version": "0.1.0"}, "generated_at": "2024-05-14T09:00:00Z",
               "inputs": [{"path": "a.tar.xz", "kind": "sosreport", "status": "ok"}],
               "nodes": [{"name": "controller-0", "roles": []}],
               "findings": [{"rule_id": "x", "severity": "info", "component": "system", "title": "t",
                             "nodes": [], "evidence": [{"node": "controller-0", "path": "p"}]}],
               "inventory": {"parsed": 0, "skipped": 0, "errors": [{"anything": 1}]},
               "incidents": [{"start": "2024-05-14T09:00:00Z", "end": "2024-05-14T09:00:00Z", "nodes": [],
                              "services": [], "trigger": {"custom": True}}]}
    assert list(_validator(SCHEMA).iter_errors(minimal)) == []
    if SHARED_SCHEMA.is_file():
        assert list(_validator(SHARED_SCHEMA).iter_errors(minimal)) == []


def test_case_header_counts_and_nodes(report):
    case = report["case"]
    assert case["nodes"] == 4 and case["inputs"] == 4
    assert case["severity_counts"] == {"critical": 1, "error": 2, "warning": 2, "info": 1}
    assert case["roles"] == [{"role": "compute", "count": 1}, {"role": "controller", "count": 3}]
    assert case["releases"] == ["RHOSP 16.2 (Train)"] and case["runtimes"] == ["podman"]
    assert case["timezones"] == ["Europe/Madrid", "UTC"]
    assert (case["collected_from"], case["collected_to"]) == ("2024-05-14T06:10:03Z", "2024-05-14T06:20:41Z")
    assert [n["name"] for n in report["nodes"]] == ["compute-0", *CONTROLLERS]


def test_findings_ordered_by_severity_then_component(report):
    order = [(f["id"], f["severity"], f["component"]) for f in report["findings"]]
    assert order == [("F1", "critical", "rabbitmq"), ("F2", "error", "containers"), ("F3", "error", "pacemaker"),
                     ("F4", "warning", "config"), ("F5", "warning", "time"), ("F6", "info", "haproxy")]
    partition = report["findings"][0]
    assert partition["count"] == 25 and partition["evidence_omitted"] == 24
    ev = partition["evidence"][0]
    assert ev["text"][ev["match"][0]:ev["match"][1]] == "Partial partition detected"
    assert ev["timestamp"] == "2024-05-14T04:45:52.123000Z"


def test_ha_bundles_by_node_with_the_stopped_replica(report):
    ha = report["ha"]
    assert ha["collected"] and ha["observed_on"] == "controller-2"   # the latest collected sosreport
    assert ha["nodes"] == CONTROLLERS
    assert [b["bundle"] for b in ha["bundles"]] == ["galera-bundle", "haproxy-bundle", "rabbitmq-bundle",
                                                    "redis-bundle"]
    rabbit = _bundle_row(report, "rabbitmq-bundle")
    assert _roles(rabbit) == {"controller-0": ["Started"], "controller-1": ["Started"], "controller-2": []}
    assert rabbit["unplaced"] == [{"replica": 2, "role": "Stopped", "unmanaged": False}]
    assert (rabbit["running"], rabbit["replicas"]) == (2, 3)
    redis = _bundle_row(report, "redis-bundle")
    assert redis["promoted_on"] == ["controller-1"]
    assert _roles(redis)["controller-0"] == ["Unpromoted"]
    assert _roles(_bundle_row(report, "galera-bundle")) == {n: ["Promoted"] for n in CONTROLLERS}
    assert ha["failed_actions"][0]["resource"] == "rabbitmq-bundle-podman-2"
    assert [r["resource"] for r in ha["resources"]] == ["stonith-fence_ipmilan-525400efba5c"]


@pytest.mark.parametrize("role, failed, expected", [
    ("Master", False, "Promoted"), ("Slave", False, "Unpromoted"), ("FAILED Promoted", True, "FAILED"),
    ("Stopped (disabled)", False, "Stopped"), (None, False, "Stopped"), ("Started", "true", "FAILED")])
def test_role_vocabulary_of_pacemaker_versions(role, failed, expected):
    assert normalize_role(role, failed) == expected


def test_failed_replica_and_guest_location_from_pacemaker_1_1_wording():
    rows = [{"node": "controller-0", "resource": "galera-bundle-docker-0", "bundle": "galera-bundle", "replica": 0,
             "role": "Started", "location": "controller-0", "failed": False},
            {"node": "controller-0", "resource": "galera-bundle-0", "bundle": "galera-bundle", "replica": 0,
             "role": "Master", "location": "galera-bundle-0", "failed": True},
            {"node": "controller-0", "resource": "galera-bundle-1", "bundle": "galera-bundle", "replica": 1,
             "role": "Master", "location": "controller-1", "failed": False}]
    bundle = Bundle({}, {"pcs_resources": Bundle.frame(rows)}, [])
    report = build(bundle, EngineResult(), [], META)
    row = report["ha"]["bundles"][0]
    assert _roles(row) == {"controller-0": ["FAILED"], "controller-1": ["Promoted"]}
    assert row["running"] == 1


def test_vip_map_and_haproxy_listens(report):
    vips = {v["address"]: v for v in report["ha"]["vips"]}
    assert len(vips) == 6
    assert vips["172.17.1.150"]["network"] == "internal_api"
    assert vips["172.17.1.150"]["location"] == "controller-1"
    assert vips["172.17.1.150"]["listens"] == ["keystone_public", "mysql", "nova_osapi"]
    assert vips["10.0.0.101"]["listens"] == ["keystone_public", "nova_osapi"]
    assert vips["172.17.3.150"]["listens"] == []
    listens = {item["name"]: item for item in report["ha"]["haproxy"]}
    assert sorted(listens) == ["keystone_public", "mysql", "nova_osapi", "redis"]
    mysql = {s["server"]: s for s in listens["mysql"]["servers"]}
    assert mysql["controller-1.internalapi.localdomain"]["missing_on"] == ["controller-2"]
    assert mysql["controller-1.internalapi.localdomain"]["backup"] is True
    assert all(not s["missing_on"] for s in listens["keystone_public"]["servers"])


def test_vips_fall_back_to_ipaddr2_resources_when_the_vips_table_is_missing():
    bundle = make_bundle()
    bundle.set_table("vips", pd.DataFrame())
    report = build(bundle, EngineResult(), [], META)
    vips = {v["address"]: v for v in report["ha"]["vips"]}
    assert vips["192.168.24.15"]["resource"] == "ip-192.168.24.15" and vips["192.168.24.15"]["network"] is None
    assert vips["172.17.1.151"]["listens"] == ["redis"]


def test_timeline_heat_counts_errors_per_node_service_and_5_minutes(report):
    heat = report["timeline"]["heat"]
    assert heat["bucket_minutes"] == 5 and heat["collected"]
    rows = {(r["node"], r["service"]): r for r in heat["rows"]}
    assert set(rows) == {("controller-0", "rabbitmq"), ("controller-1", "nova"), ("controller-2", "neutron")}
    rabbit = rows[("controller-0", "rabbitmq")]
    assert rabbit["total"] == 25                     # one error a minute for 25 minutes
    assert [c["count"] for c in rabbit["cells"]] == [5, 5, 5, 5, 5]      # 04:45:52 .. 05:09:52
    assert rabbit["cells"][0]["start"] == "2024-05-14T04:45:00Z"
    assert heat["errors"] == 25 + 13 + 9             # the WARNING is not counted
    assert [i["id"] for i in report["incidents"]] == ["I1", "I2"]
    assert report["incidents"][0]["trigger"]["service"] == "rabbitmq"


def test_drift_names_the_odd_node_and_masks_secrets(report):
    rows = {(r["section"], r["option"]): r for r in report["drift"]["rows"]}
    debug = rows[("DEFAULT", "debug")]
    assert debug["odd_nodes"] == ["controller-2"] and not debug["per_node"]
    assert {v["node"]: v["value"] for v in debug["values"]} == {"controller-0": "False", "controller-1": "False",
                                                                "controller-2": "True"}
    password = rows[("oslo_messaging_rabbit", "rabbit_password")]
    assert password["odd_nodes"] == ["controller-1"]
    values = [v["value"] for v in password["values"]]
    assert all(v.startswith("[redacted:") for v in values) and values[0] == values[2] != values[1]
    assert rows[("DEFAULT", "my_ip")]["per_node"] is True
    assert ("DEFAULT", "transport_url") not in rows       # same marker everywhere: no drift


def test_containers_per_node_and_image_tags_that_differ(report):
    nodes = {n["node"]: n for n in report["containers"]["nodes"]}
    assert nodes["controller-1"]["unhealthy"] == 1 and nodes["controller-1"]["containers"][0]["name"] == "nova_api"
    compute = nodes["compute-0"]["containers"][0]
    assert (compute["state"], compute["exit_code"], compute["problem"]) == ("exited", 1, "exited (1)")
    diffs = report["containers"]["image_differences"]
    assert [d["name"] for d in diffs] == ["neutron_api"]
    assert {i["node"]: i["tag"] for i in diffs[0]["images"]}["controller-2"] == "16.2_20231120.2"


def test_inventory_counts_and_reasons(report):
    inv = report["inventory"]
    assert (inv["parsed"], inv["skipped"], len(inv["errors"])) == (9, 1, 1)
    assert inv["errors"][0]["path"] == "sos_commands/rabbitmq/rabbitmqctl_report"
    assert inv["errors"][0]["reason"] == "empty output (command timed out)"
    assert inv["errors"][0]["parser"].endswith("parse_rabbitmq_report") and inv["errors"][0]["line"] == 1
    assert inv["items"][0]["status"] == "error" and inv["items"][1]["reason"] == "path escapes the archive"
    assert report["not_checked"][0]["rule_id"] == "ceph.health"


def test_missing_tables_leave_sections_not_collected():
    nodes = {"controller-0": NodeInfo(name="controller-0", roles=["controller"])}
    report = build(Bundle(nodes, {}, []), EngineResult(), None, {})
    assert not report["ha"]["collected"] and report["ha"]["bundles"] == [] and report["ha"]["vips"] == []
    assert not report["drift"]["collected"] and not report["containers"]["collected"]
    assert not report["inventory"]["collected"] and report["inventory"]["parsed"] == 0
    assert not report["timeline"]["heat"]["collected"] and not report["clock"]["collected"]
    assert report["tool"]["name"] == "sos-analyzer"
    assert list(_validator(SCHEMA).iter_errors(report)) == []


def test_tables_with_unexpected_shapes_do_not_break_the_model():
    tables = {"pcs_resources": pd.DataFrame({"node": ["controller-0"], "name": ["galera-bundle-0"],
                                             "bundle": ["galera-bundle"], "role": ["Master"]}),
              "events": pd.DataFrame({"ts": ["not a time", "2024-05-14T04:45:52Z"], "level": ["ERROR", "ERROR"]}),
              "config": pd.DataFrame({"node": ["a"], "option": ["debug"]}),
              "containers": pd.DataFrame({"node": ["a"]})}
    report = build(Bundle({}, tables, []), EngineResult(), [], META)
    assert _roles(report["ha"]["bundles"][0]) == {}
    assert report["ha"]["bundles"][0]["unplaced"][0]["role"] == "Promoted"
    assert report["timeline"]["heat"]["errors"] == 1
    assert list(_validator(SCHEMA).iter_errors(report)) == []


def test_redaction_keeps_the_match_on_the_same_words(hostile_report):
    safe = redact_report(hostile_report)
    finding = next(f for f in safe["findings"] if f["rule_id"] == "logs.traceback")
    ev = finding["evidence"][1]
    assert "hunter2" not in ev["text"] and "password=[redacted:" in ev["text"]
    assert ev["text"][ev["match"][0]:ev["match"][1]] == "connecting"
    assert hostile_report == build(make_bundle(hostile=True), make_findings(hostile=True),
                                   make_incidents(hostile=True), META)   # the model itself is not changed
    assert copy.deepcopy(safe) == redact_report(safe)                     # one pass is enough


def test_drift_counts_an_option_missing_on_one_node_and_joins_repeated_options():
    nodes = {n: NodeInfo(name=n, roles=["controller"]) for n in CONTROLLERS}
    conf = "var/lib/config-data/puppet-generated/neutron/etc/neutron/plugins/ml2/ml2_conf.ini"
    rows = [{"node": n, "file": conf, "section": "ml2", "option": "mechanism_drivers", "value": "ovn"}
            for n in CONTROLLERS]
    rows += [{"node": n, "file": conf, "section": "ml2", "option": "extension_drivers", "value": "port_security"}
             for n in CONTROLLERS[:2]]
    rows += [{"node": n, "file": conf, "section": "ml2_type_vlan", "option": "network_vlan_ranges", "value": v}
             for n in CONTROLLERS for v in (["datacentre:1:1000", "tenant:1001:2000"] if n != "controller-0"
                                            else ["datacentre:1:1000"])]
    report = build(Bundle(nodes, {"config": Bundle.frame(rows)}, []), EngineResult(), [], META)
    rows = {r["option"]: r for r in report["drift"]["rows"]}
    assert sorted(rows) == ["extension_drivers", "network_vlan_ranges"]
    assert rows["extension_drivers"]["values"][2] == {"node": "controller-2", "value": None}
    assert rows["extension_drivers"]["odd_nodes"] == ["controller-2"]
    assert rows["network_vlan_ranges"]["values"][1]["value"] == "datacentre:1:1000\ntenant:1001:2000"
    assert rows["network_vlan_ranges"]["odd_nodes"] == ["controller-0"]
