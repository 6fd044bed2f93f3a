"""Rule patterns are searched only in the logs they can select events from, once per regex."""

import re

from analyzer.ingest.logrouter import LogRouter

AMQP = re.compile(r"AMQP server on \S+ is unreachable")
PARTITION = re.compile(r"Partial partition detected")
PATTERNS = [("rabbitmq.amqp-unreachable", AMQP), ("rabbitmq.amqp-outage#then", AMQP),
            ("rabbitmq.partition-logged", PARTITION)]
SCOPES = {"rabbitmq.partition-logged": (("rabbitmq*",), ())}


def test_a_service_scoped_pattern_is_left_out_of_other_services_logs():
    router = LogRouter(PATTERNS, SCOPES)
    nova = b"2022-05-14 04:46:01.227 22 ERROR oslo.messaging._drivers.impl_rabbit [-] " \
           b"AMQP server on controller-2.internalapi.localdomain:5672 is unreachable: reset\n" \
           b"2022-05-14 04:46:02.227 22 ERROR nova.x [-] Partial partition detected (not a rabbit log)\n"
    scan = router.scanner_for("var/log/containers/nova/nova-conductor.log").scan(
        nova, "var/log/containers/nova/nova-conductor.log", "oslo", None)
    tags = [router.expand(r)["matched"] for r in scan.records]
    assert tags == [["rabbitmq.amqp-outage#then", "rabbitmq.amqp-unreachable"], []]


def test_rabbit_logs_and_syslog_get_the_scoped_pattern():
    router = LogRouter(PATTERNS, SCOPES)
    rabbit = b"2022-05-14 04:52:52.310 [error] <0.1345.0> Partial partition detected:\n"
    path = "var/log/containers/rabbitmq/rabbit@controller-2.log"
    [rec] = router.scanner_for(path).scan(rabbit, path, "rabbitmq", None).records
    assert router.expand(rec)["matched"] == ["rabbitmq.partition-logged"]
    syslog = b"May 14 04:52:52 controller-2 rabbitmq-server[7]: Partial partition detected\n"
    [rec] = router.scanner_for("var/log/messages").scan(syslog, "var/log/messages", "syslog", None).records
    assert "rabbitmq.partition-logged" in router.expand(rec)["matched"]
