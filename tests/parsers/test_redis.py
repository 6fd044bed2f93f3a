"""redis-cli info: master with replicas, slave with the link down, refused connections."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import ParseError
from analyzer.parsers.redis import parse_redis_info

PATH = "sos_commands/redis/podman_exec_redis-bundle-podman-0_redis-cli_info"

MASTER = (
    "# Server\r\n"
    "redis_version:5.0.3\r\n"
    "redis_git_sha1:00000000\r\n"
    "redis_mode:standalone\r\n"
    "os:Linux 4.18.0-305.el8.x86_64 x86_64\r\n"
    "process_id:34\r\n"
    "tcp_port:6379\r\n"
    "uptime_in_seconds:1209773\r\n"
    "uptime_in_days:14\r\n"
    "\r\n"
    "# Clients\r\n"
    "connected_clients:191\r\n"
    "\r\n"
    "# Replication\r\n"
    "role:master\r\n"
    "connected_slaves:2\r\n"
    "slave0:ip=172.16.2.11,port=6379,state=online,offset=53412208,lag=1\r\n"
    "slave1:ip=172.16.2.12,port=6379,state=online,offset=53412208,lag=0\r\n"
    "master_replid:2f0b6c1dbb43cfa0dc8e2d0f3de0c8adbd5b7bd1\r\n"
    "master_repl_offset:53412208\r\n"
    "repl_backlog_active:1\r\n"
    "\r\n"
    "# Keyspace\r\n"
    "db0:keys=1403,expires=1403,avg_ttl=3421\r\n"
)

SLAVE_LINK_DOWN = """\
# Server
redis_version:3.2.8
redis_mode:standalone
uptime_in_seconds:351

# Replication
role:slave
master_host:controller-0.internalapi.localdomain
master_port:6379
master_link_status:down
master_last_io_seconds_ago:-1
master_sync_in_progress:0
slave_repl_offset:1
master_link_down_since_seconds:351
slave_priority:100
slave_read_only:1
connected_slaves:0
master_repl_offset:0
"""


def test_master_with_two_slaves():
    [row] = parse_redis_info(MASTER, PATH)["redis"]
    assert row["role"] == "master" and row["connected_slaves"] == 2
    assert row["redis_version"] == "5.0.3" and row["uptime_in_seconds"] == 1209773
    assert [(s["ip"], s["state"], s["lag"]) for s in row["slaves"]] == [
        ("172.16.2.11", "online", 1), ("172.16.2.12", "online", 0)]
    assert row["master_host"] is None and row["line"] == 14 and row["error"] is None


def test_slave_with_link_down():
    [row] = parse_redis_info(SLAVE_LINK_DOWN, PATH)["redis"]
    assert row["role"] == "slave"
    assert (row["master_host"], row["master_port"]) == ("controller-0.internalapi.localdomain", 6379)
    assert row["master_link_status"] == "down" and row["master_link_down_since_seconds"] == 351
    assert row["master_last_io_seconds_ago"] == -1 and row["connected_slaves"] == 0
    assert row["line"] == 6


@pytest.mark.parametrize("refusal", ["NOAUTH Authentication required.",
                                     "Could not connect to Redis at 127.0.0.1:6379: Connection refused"])
def test_refused_redis_cli_gives_an_error_row(refusal):
    [row] = parse_redis_info(refusal + "\n", PATH)["redis"]
    assert row["error"] == refusal and row["role"] is None and row["line"] == 1


def test_info_without_replication_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_redis_info("# Server\nredis_version:5.0.3\n", PATH)


def test_garbled_line_keeps_what_was_read():
    with pytest.raises(ParseError) as err:
        parse_redis_info(SLAVE_LINK_DOWN.replace("master_link_status:down", "<<binary junk>>"), PATH)
    assert err.value.line == 10
    assert err.value.partial["redis"][0]["master_host"] == "controller-0.internalapi.localdomain"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_garbage_only_raises_parse_error(text):
    try:
        parse_redis_info(text, PATH)
    except ParseError:
        pass
