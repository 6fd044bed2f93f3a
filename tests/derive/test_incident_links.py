from analyzer.derive.incident_links import link_findings


def test_findings_join_the_incident_they_overlap_on_a_shared_node():
    incidents = [{"start": "2022-05-14T04:45:52.310Z", "end": "2022-05-14T04:52:39Z",
                  "nodes": ["controller-0", "controller-2"], "findings": []},
                 {"start": "2022-05-14T05:19:55Z", "end": "2022-05-14T05:19:55Z", "nodes": ["controller-1"],
                  "findings": []}]
    findings = [
        {"rule_id": "rabbitmq.partition-logged", "nodes": ["controller-2"],
         "first_seen": "2022-05-14T04:45:52.310Z", "last_seen": "2022-05-14T04:46:31Z"},
        {"rule_id": "rabbitmq.amqp-outage-after-partition", "correlation": {"within": "10m"},
         "nodes": ["controller-0"], "first_seen": "2022-05-14T04:45:52Z", "last_seen": "2022-05-14T04:46:04Z"},
        {"rule_id": "containers.unhealthy", "nodes": ["controller-1"], "first_seen": None, "last_seen": None},
        {"rule_id": "logs.traceback", "nodes": ["compute-0"], "first_seen": "2022-05-14T04:46:00Z",
         "last_seen": "2022-05-14T04:46:00Z"},
    ]
    link_findings(incidents, findings)
    assert incidents[0]["findings"] == ["rabbitmq.amqp-outage-after-partition", "rabbitmq.partition-logged"]
    assert incidents[1]["findings"] == []
