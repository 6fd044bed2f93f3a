"""The scan's tags stand for a pattern's text search only where they cannot differ."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.engine import load_rules
from analyzer.engine.scantrust import scan_equivalent

EQUIVALENT = [r"AMQP server on \S+ is unreachable", r"Server \S+/\S+ is DOWN", r"a.*b",
              r"[0-9]+:[0-9]{2}", r"[^/]+/x", r"Lost connection|gone away", r"café (au)? lait",
              r"(?:ERROR|CRITICAL) \S+ timed out after [0-9]+ s"]
NOT_EQUIVALENT = [r"^ERROR", r"timeout$", r"\bfail", r"(?i)error", r"\w+ failed", r"a.b",
                  r"[^/]x", r"foo(?=bar)", r"(?<=x)y", r"\s+down", r"\d+ ms", r"a.{2}b",
                  r"(a)\1", r"[éa]x", r"[éa]+x", r"a[^/]{1,3}b"]


@pytest.mark.parametrize("source", EQUIVALENT)
def test_patterns_whose_scan_cannot_miss_a_text_match(source):
    assert scan_equivalent(re.compile(source))


@pytest.mark.parametrize("source", NOT_EQUIVALENT)
def test_patterns_the_text_search_keeps(source):
    assert not scan_equivalent(re.compile(source))
    assert not scan_equivalent(re.compile(source, re.IGNORECASE))


def test_every_shipped_log_pattern_is_decided_by_the_scan():
    """The fast path covers the shipped rules (a new pattern outside it would be slow, not wrong)."""
    patterns = load_rules(extra_dirs=[]).log_patterns()
    assert patterns
    assert [pid for pid, regex in patterns if not scan_equivalent(regex)] == []


_ALPHABET = st.sampled_from(list("ab/: xK\u212a\u00a0é0129é\tS") + ["AMQP server on ", " is unreachable",
                                                                    "Server ", " is DOWN", "café",
                                                                    "ERROR ", " timed out after "])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=12).map("".join))
def test_a_text_match_of_an_equivalent_pattern_is_a_match_of_its_bytes_scan(line):
    for source in EQUIVALENT:
        text_hit = re.search(source, line) is not None
        scan_hit = re.search(source.encode("utf-8"), line.encode("utf-8")) is not None
        assert scan_hit or not text_hit, (source, line)


def test_findings_are_the_same_whether_the_scan_or_the_text_search_decides(tmp_path, monkeypatch):
    """The podman case (every log rule fires or stays quiet on planted lines) gives the same
    findings when the scan's tags decide and when every text is searched."""
    import json

    import analyzer.bundle as bundle_module
    from analyzer import pipeline
    from fixtures.pack import pack_case
    from tests.conftest import REPO

    inputs = [str(p) for p in pack_case(REPO / "fixtures" / "rhosp16-podman", tmp_path)]
    trusted = pipeline.analyze(pipeline.IngestSettings(inputs=inputs), [], argv=[])
    assert trusted.bundle.log_scan is not None and trusted.bundle.log_scan[0]

    original_setattr = bundle_module.Bundle.__setattr__

    def no_scan_record(self, name, value):   # as for a bundle built without the scan known
        original_setattr(self, name, None if name == "log_scan" else value)

    monkeypatch.setattr(bundle_module.Bundle, "__setattr__", no_scan_record)
    searched = pipeline.analyze(pipeline.IngestSettings(inputs=inputs), [], argv=[])
    assert searched.bundle.log_scan is None

    def comparable(report):
        return json.dumps([report["findings"], report.get("not_checked"), report.get("incidents")],
                          sort_keys=True, default=str)

    assert len(trusted.report["findings"]) > 20
    assert comparable(trusted.report) == comparable(searched.report)
