"""report.json / report.md / report.html / terminal summary: escaping, redaction, files written."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from analyzer.report import write
from analyzer.report.markdown import fence, inline
from analyzer.report.terminal import summary
from tests.report.sample_case import HOSTILE_NODE, SECRETS, make_bundle, make_findings

OUTPUTS = ("report.json", "report.md", "report.html")


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def _elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def test_write_creates_the_chosen_formats_only_inside_outdir(tmp_path, report):
    out = tmp_path / "reports" / "case-01234"
    written = write(report, out, {"json", "html"})
    assert [p.name for p in written] == ["report.json", "report.html"]
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["report.html", "report.json"]
    assert json.loads((out / "report.json").read_text())["case"]["nodes"] == 4
    with pytest.raises(ValueError, match="pdf"):
        write(report, out, {"pdf"})


def test_write_replaces_a_planted_symlink_instead_of_following_it(tmp_path, report):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep me")
    (out / "report.md").symlink_to(victim)
    write(report, out, {"md"})
    assert victim.read_text() == "keep me"
    assert not (out / "report.md").is_symlink() and "# Support bundle analysis" in (out / "report.md").read_text()


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_planted_secrets_appear_in_no_output(hostile_outdir, hostile_report, secret):
    value = SECRETS[secret]
    planted = make_bundle(hostile=True).table("config").to_json() + json.dumps(make_findings(hostile=True).findings)
    assert value in planted                           # really planted in the inputs of the report
    for name in OUTPUTS:
        assert value not in (hostile_outdir / name).read_text(encoding="utf-8"), f"{secret} leaked in {name}"
    assert value not in summary(hostile_report, color=False)


def test_outputs_hold_markers_where_secrets_were(hostile_outdir):
    data = json.loads((hostile_outdir / "report.json").read_text())
    traceback = next(f for f in data["findings"] if f["rule_id"] == "logs.traceback")
    texts = [e["text"] for e in traceback["evidence"]]
    assert re.search(r"password=\[redacted:[0-9a-f]{8}\] to amqp", texts[1])
    assert re.search(r"token \[redacted:[0-9a-f]{8}\] validated; db mysql://nova:\[redacted:[0-9a-f]{8}\]@db", texts[2])
    assert re.fullmatch(r"\[redacted:[0-9a-f]{8}\]", texts[3])               # the whole PEM block
    assert "BEGIN PRIVATE KEY" not in (hostile_outdir / "report.html").read_text()


def test_html_shows_markup_from_inputs_as_text(hostile_outdir):
    html = (hostile_outdir / "report.html").read_text(encoding="utf-8")
    parsed = _elements(html)
    assert [t for t, a in parsed.tags if t == "script"] == ["script"]                  # the page's own only
    assert not [t for t, a in parsed.tags if t == "img"]
    assert not [a for t, a in parsed.tags if any(k.startswith("on") for k in a)]
    assert "alert(1)" not in "".join(parsed.scripts)
    assert not [a for t, a in parsed.tags if t == "a" and a.get("href", "").lower().startswith("javascript")]
    escaped_script, escaped_img = "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;"
    assert html.count(escaped_script) >= 4          # finding title, evidence, config value, incident trigger
    assert html.count(escaped_img) >= 3             # evidence, node name, config value
    assert "compute-&lt;img src=x onerror=alert(1)&gt;" in html


def test_html_marks_the_matched_part_by_escaping_each_piece(hostile_outdir):
    html = (hostile_outdir / "report.html").read_text(encoding="utf-8")
    assert "ERROR nova.api <mark>bad name</mark> &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=ERROR REPORT==== <mark>Partial partition detected</mark>: * We saw DOWN" in html


def test_html_is_self_contained(hostile_outdir):
    html = (hostile_outdir / "report.html").read_text(encoding="utf-8")
    parsed = _elements(html)
    assert not [a for t, a in parsed.tags if t in ("link", "iframe", "object", "embed")]
    assert not [a for t, a in parsed.tags if t == "script" and "src" in a]
    assert not re.search(r"@import|url\(\s*['\"]?https?:|fonts\.googleapis", html)
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_html_sections_without_tables_say_not_collected(tmp_path):
    from analyzer.bundle import Bundle
    from analyzer.report import build
    from tests.report.sample_case import META, EngineResult
    write(build(Bundle({}, {}, []), EngineResult(), [], META), tmp_path, {"html"})
    html = (tmp_path / "report.html").read_text()
    for text in ("No finding", "Not collected: no <code>pcs status</code>", "Not collected: no log records",
                 "Not collected: no configuration files", "Not collected: no <code>docker ps -a</code>",
                 "Not collected: the run recorded no inventory", "Every rule could run"):
        assert text in html


def test_markdown_escapes_for_a_ticket(hostile_outdir):
    md = (hostile_outdir / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md.replace("```", "").split("Evidence:")[0]     # not in prose before evidence
    assert "### F3 [Error] Traceback in nova-api \\<script\\>alert\\(1\\)\\</script\\>" in md
    table_row = next(line for line in md.splitlines() if line.startswith("| F3 |"))
    assert table_row.count(" | ") == 5                                       # no pipe from inputs splits it
    # the remediation holds three backticks: its fence is longer
    assert "````sh\ngrep -F '<script>alert(1)</script>' /var/log/containers/nova/nova-api.log | head```\n````" in md


def test_markdown_helpers():
    assert inline("a|b `c` *d*\nnext") == "a\\|b \\`c\\` \\*d\\* next"
    assert fence("x ``` y").startswith("````\n") and fence("plain").startswith("```\n")


def test_terminal_summary_top_findings_and_colour(report, hostile_report):
    plain = summary(report, color=False)
    lines = plain.splitlines()
    assert lines[0] == "6 findings on 4 nodes: 1 critical, 2 error, 2 warning, 1 info"
    assert lines[1].split() [:3] == ["CRIT", "rabbitmq", "RabbitMQ"]
    assert "\033[" not in plain and "\033[1;31m" in summary(report, color=True)
    assert "2 rules not checked" in plain


def test_terminal_summary_strips_control_characters(hostile_report):
    hostile_report = json.loads(json.dumps(hostile_report))
    hostile_report["findings"][0]["title"] = "evil \033]0;pwned\007 title\r\nsecond line"
    text = summary(hostile_report, color=False)
    assert "\033" not in text and "\007" not in text and "\r" not in text
    assert "evil ]0;pwned title second line" in text
    assert HOSTILE_NODE[:12] in text
