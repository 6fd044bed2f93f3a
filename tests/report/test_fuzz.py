"""Whatever text the inputs hold, the writers render it escaped and never fail."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.report import build, render_json
from analyzer.report.html import render_html
from analyzer.report.markdown import render_markdown
from analyzer.report.redaction import redact_report
from analyzer.report.terminal import summary
from tests.report.sample_case import META, EngineResult, make_bundle

PIECES = st.sampled_from(list("<>&\"'`|*_#[]()\\\n\t\x1b\x00 aZ9=:/@-") +
                        ["password=", "gAAAAA", "<script>", "</mark>", "<img src=x onerror=alert(1)>"])
NASTY = st.lists(PIECES, max_size=25).map("".join)


@st.composite
def findings(draw):
    text = draw(NASTY)
    start = draw(st.integers(0, max(0, len(text))))
    end = draw(st.integers(start, len(text)))
    return {"rule_id": "fuzz.rule", "severity": draw(st.sampled_from(["critical", "error", "warning", "info"])),
            "component": "nova", "title": draw(NASTY), "summary": draw(NASTY), "nodes": [draw(NASTY) or "n"],
            "count": draw(st.integers(1, 10**6)), "remediation": draw(NASTY), "references": [draw(NASTY)],
            "evidence": [{"node": draw(NASTY) or "n", "path": draw(NASTY) or "p", "line": draw(st.integers(1, 10**6)),
                          "text": text, "match": [start, end]}]}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(findings(), min_size=1, max_size=3))
def test_any_text_renders_escaped(items):
    report = build(make_bundle(), EngineResult(findings=items), [], META)
    safe = redact_report(report)
    html = render_html(safe)
    body = html.split("<main>", 1)[1].split("<script nonce", 1)[0]
    assert "<script" not in body.lower()             # only the page's own script, after <main>
    assert not re.search(r"<(img|iframe|object|embed|svg[^>]*onload)\b", body.replace("<svg xmlns", ""))
    json.loads(render_json(safe))
    render_markdown(safe)
    assert "\x1b" not in summary(report, color=False)
