"""The literal search under the scanner: required literals of regexes, and the many-literal
search checked against a plain `bytes.find` loop; the bounded gunzip."""

from __future__ import annotations

import gzip
import re
from unittest import mock

import numpy as np
from hypothesis import given, settings, strategies as st

from analyzer.logs import literals as literals_module
from analyzer.logs.literals import (REFINE_MIN_BYTES, Frequencies, LiteralSearch, Requirement,
                                    count_newlines, count_non_overlapping, required_literals)
from analyzer.logs.scan import LogScanner, gunzip


def occurrences(data: bytes, lit: bytes, icase: bool = False) -> list[int]:
    hay = data.lower() if icase else data
    out, pos = [], hay.find(lit)
    while pos >= 0:
        out.append(pos)
        pos = hay.find(lit, pos + 1)
    return out


def test_required_literals_of_level_markers_and_rule_patterns():
    assert required_literals(rb" (?:ERROR|WARNING|CRITICAL|TRACE) ") == Requirement(
        (b" CRITICAL ", b" ERROR ", b" TRACE ", b" WARNING "), exact=True)
    # `.*` between literals: the longest literal is searched, the regex confirms the line
    assert required_literals(r"AMQP server on .* is unreachable") == Requirement(
        (b"AMQP server on ",), exact=False)
    # an optional group and an alternation expand into every spelling
    need = required_literals(r"WSREP: (SST failed|.*SST (script )?(aborted|failed))")
    assert need.literals == (b"SST aborted", b"SST failed", b"SST script aborted",
                             b"SST script failed")
    # `[Ee]rror` is two literals; a literal holding another one is dropped
    assert required_literals(rb"[Ee]rror|Errors").literals == (b"Error", b"error")
    assert required_literals(r"(?i)Out of memory").icase
    assert required_literals(r"(?i)Out of memory").literals == (b"out of memory",)


def test_patterns_without_a_usable_literal():
    for pattern in (rb"\d+ms", rb".*", rb" 5\d\d ", rb"a|bcd", rb"(?i:x)yz"):
        assert required_literals(pattern) is None, pattern


def test_search_finds_what_find_finds_on_a_log():
    line = (b"2020-05-14 04:45:52.123 7 INFO nova.compute.manager [req-1 - - - - -] "
            b"Took 0.05 seconds to spawn\n")
    bad = b"2020-05-14 04:45:53.000 7 ERROR nova.compute.manager [-] AMQP server on x is down\n"
    data = line * 30000 + bad + line * 30000 + b"Traceback (most recent call last):\nERR"
    literals = [(b" ERROR ", False), (b"Traceback (most recent call last)", False),
                (b" INFO ", False), (b"amqp server", True), (b"ERR", False), (b"n", False)]
    found = LiteralSearch(literals).find(data)
    for (lit, icase), positions in zip(literals, found):
        assert positions.tolist() == occurrences(data, lit, icase), lit
    assert len(found[2]) == 60000 and found[4].tolist()[-1] == len(data) - 3


RABBIT = (b"2020-05-14 04:45:52.123 [info] <0.2514.0> accepting AMQP connection <0.2514.0> "
          b"(172.17.1.40:47286 -> 172.17.1.10:5672)\n"
          b"2020-05-14 04:45:52.130 [info] <0.2514.0> connection <0.2514.0> (172.17.1.40:47286 -> "
          b"172.17.1.10:5672): user 'guest' authenticated and granted access to vhost '/'\n"
          b"2020-05-14 04:45:52.998 [debug] <0.318.0> Mirrored queue 'q-agent-notifier' in vhost "
          b"'/': Synchronising: 0 messages to synchronise\n")
RABBIT_BAD = (b"2020-05-14 04:46:01.412 [warning] <0.2514.0> closing AMQP connection <0.2514.0> "
              b"(172.17.1.40:47286 -> 172.17.1.10:5672, vhost: '/', user: 'guest'):\n"
              b"client unexpectedly closed TCP connection\n"
              b"2020-05-14 04:46:02.001 [error] <0.890.0> Partial partition detected:\n")
LEVEL_MARKERS = [(b"[warning]", False), (b"[error]", False), (b"[critical]", False),
                 (b"[alert]", False), (b"[emergency]", False), (b"[info]", False),
                 (b"[notice]", False), (b"[debug]", False)]


def test_level_markers_share_one_anchor_on_a_large_log():
    """RabbitMQ's level markers are found from one `[` pass, not a pass each (the rare ones
    may ride on a rare byte another literal needs), and a buffer above the refinement size
    still finds every occurrence."""
    data = (RABBIT * 200 + RABBIT_BAD) * (REFINE_MIN_BYTES // (len(RABBIT) * 200) + 1)
    assert len(data) >= REFINE_MIN_BYTES
    literals = LEVEL_MARKERS + [(b"Traceback (most recent call last)", False),
                                (b"Partial partition", False), (b"AMQP server on ", False)]
    search = LiteralSearch(literals)
    plan = search.plan(Frequencies(data))
    bracket = [index for index, _ in plan[((ord("["),),)]]
    assert len(bracket) >= 6 and all(index < len(LEVEL_MARKERS) for index in bracket)
    assert len(plan) <= 3   # `[`, and rare bytes shared by the other literals
    found = search.find(data, count_only=frozenset({5}))
    assert found[5] == data.count(b"[info]")
    for index, (lit, _) in enumerate(literals):
        if index != 5:
            assert found[index].tolist() == occurrences(data, lit), lit


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.lists(st.binary(min_size=1, max_size=12), min_size=1,
                                          max_size=6), st.booleans())
def test_search_matches_find_on_random_bytes(data, literals, icase):
    data = data + b"".join(literals) + data[:50]
    entries = [(lit.lower() if icase else lit, icase) for lit in literals]
    for direct_below in (literals_module.DIRECT_MAX_BYTES, 0):  # find loops, then anchors
        with mock.patch.object(literals_module, "DIRECT_MAX_BYTES", direct_below):
            for (lit, case), positions in zip(entries, LiteralSearch(entries).find(data)):
                assert positions.tolist() == occurrences(data, lit, case)


def test_counts_like_bytes_count():
    data = b"aaaa aaa a INFO INFO INFO "
    for lit in (b"aa", b" INFO ", b"INFO"):
        (positions,) = LiteralSearch([(lit, False)]).find(data)
        assert count_non_overlapping(positions, len(lit)) == data.count(lit)
        # counted without keeping offsets, across numpy chunks too
        big = data * 20000
        assert LiteralSearch([(lit, False)]).find(big, count_only=frozenset({0})) == [
            big.count(lit)]
    view = np.frombuffer(b"a\nb\n\nc" * 100000, np.uint8)
    assert count_newlines(view) == 300000 and count_newlines(view, 1, 5) == 3


def test_scanner_confirms_literal_hits_with_the_regex():
    scanner = LogScanner([("amqp", r"AMQP server on \S+ is unreachable"),
                          ("slow", r"took \d{4,}ms")])
    text = (b"2020-05-14 04:45:50.000 7 INFO x [-] AMQP server on a:5672 is unreachable\n"
            b"2020-05-14 04:45:51.000 7 INFO x [-] AMQP server on is reachable again\n"
            b"2020-05-14 04:45:52.000 7 INFO x [-] request took 12345ms\n"
            b"2020-05-14 04:45:53.000 7 INFO x [-] request took 12ms\n")
    result = scanner.scan(text, "var/log/nova/nova-api.log", "oslo")
    assert [(r["line"], r["matched"]) for r in result.records] == [(1, ["amqp"]), (3, ["slow"])]


def test_gunzip_keeps_the_tail_of_a_large_member():
    body = b"".join(b"2020-05-14 04:45:52.123 7 INFO x [-] line %d\n" % i for i in range(200000))
    data, problems = gunzip(gzip.compress(body) + gzip.compress(b"last line\n"), cap=1 << 20)
    assert len(data) <= 1 << 20 and data.endswith(b"line 199999\nlast line\n")
    assert data.startswith(b"2020-05-14")  # cut at a line start
    assert "only the last" in problems[0][1]
    bomb = gzip.compress(b"\n" * (50 << 20))
    data, problems = gunzip(bomb, cap=1 << 20)
    assert len(data) < 1 << 20 and problems


def test_gunzip_of_damaged_data_keeps_what_decompressed():
    body = b"".join(b"line %d\n" % i for i in range(50000))
    data, problems = gunzip(gzip.compress(body)[:-2000])
    assert data and body.startswith(data) and problems[0][1].startswith("truncated")
    packed = bytearray(gzip.compress(body))
    packed[200:220] = b"\xff" * 20
    data, problems = gunzip(bytes(packed))
    assert problems and problems[0][1].startswith(("corrupt", "truncated"))
    assert gunzip(gzip.compress(body)) == (body, [])
    assert re.match(rb"line 0\n", gunzip(gzip.compress(body) + b"\0\0")[0])
