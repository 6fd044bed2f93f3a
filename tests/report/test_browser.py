"""report.html in headless Chromium (Debian's /usr/bin/chromium driven by Playwright, never a
downloaded browser): offline load, filters, escaping, a screenshot that is not blank."""

from __future__ import annotations

import statistics
import struct
import zlib
from pathlib import Path

import pytest

from analyzer.report import build, write
from tests.report.sample_case import META, SCRIPT, make_bundle, make_findings, make_incidents

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import sync_playwright
except ImportError:                                  # pragma: no cover - depends on the machine
    sync_playwright = None


@pytest.fixture(scope="module")
def report_url(tmp_path_factory) -> str:
    outdir = tmp_path_factory.mktemp("browser") / "case-01234"
    report = build(make_bundle(hostile=True), make_findings(hostile=True), make_incidents(hostile=True), META)
    write(report, outdir, {"html"})
    return (outdir / "report.html").resolve().as_uri()


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        pytest.skip("playwright for Python is not installed (pip install '.[test]')")
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium is not installed (run .ci/install-browser.sh)")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, report_url):
    """The report opened from file://; any request to something else than file:// is recorded and refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside_requests, page.dialogs, page.errors = [], [], []

    def guard(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            page.outside_requests.append(route.request.url)
            route.abort()
    context.route("**/*", guard)
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(report_url, wait_until="load")
    yield page
    context.close()


def _visible_findings(page) -> list[str]:
    return page.eval_on_selector_all("article.finding", "els => els.filter(e => !e.hidden).map(e => e.id)")


def test_loads_from_file_without_any_network_request(page):
    assert page.title().startswith("sos-analyzer report: 4 nodes")
    assert page.outside_requests == [] and page.errors == []
    # the script ran (filters shown) and every section is there
    assert page.is_visible("form.filters")
    for section in ("case", "findings", "ha", "timeline", "drift", "containers", "clock", "inventory", "not-checked"):
        assert page.is_visible(f"section#{section}")
    assert page.locator("#timeline svg rect.incident").count() == 4       # I1 on 3 nodes, I2 on one


def test_severity_filter_hides_and_shows_rows(page):
    everything = _visible_findings(page)
    assert len(everything) == 7
    page.uncheck("input[name=severity][value=error]")
    remaining = _visible_findings(page)
    assert len(remaining) == 4
    assert page.eval_on_selector_all("article.finding:not([hidden])", "els => els.map(e => e.dataset.severity)") \
        == ["critical", "warning", "warning", "info"]
    assert page.is_hidden("#sev-error")
    assert page.inner_text("form.filters output") == "Showing 4 of 7 findings"
    page.check("input[name=severity][value=error]")
    assert _visible_findings(page) == everything


def test_node_component_and_text_filters(page):
    page.select_option("select[name=node]", "controller-2")
    assert [page.inner_text(f"#{i} h4") for i in _visible_findings(page)] == [
        "rabbitmq-bundle replica 2 is Stopped", "debug = True in nova.conf on controller-2",
        "Clock of controller-2 is 7 minutes ahead"]
    page.select_option("select[name=node]", "")
    page.select_option("select[name=component]", "pacemaker")
    assert len(_visible_findings(page)) == 1
    page.select_option("select[name=component]", "")
    page.fill("input[name=q]", "partition detected")
    assert [page.inner_text(f"#{i} h4") for i in _visible_findings(page)] == ["RabbitMQ partition on controller-0"]
    page.fill("input[name=q]", "no such words anywhere")
    assert _visible_findings(page) == [] and page.is_visible(".none-shown")


def test_markup_from_inputs_shows_as_text_and_runs_nothing(page):
    title = page.locator("article.finding h4", has_text="Traceback in nova-api")
    assert title.inner_text() == f"Traceback in nova-api {SCRIPT}"
    row = page.locator("table.evidence td.logline", has_text="bad name")
    assert "<img src=x onerror=alert(1)>" in row.inner_text()
    assert row.locator("mark").inner_text() == "bad name"
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1
    page.mouse.wheel(0, 20000)                       # bring everything into view: still no dialog
    page.wait_for_timeout(200)
    assert page.dialogs == [] and page.errors == []


def _png_pixels(data: bytes) -> list[int]:
    """Grey levels of an 8-bit RGB/RGBA PNG (what Chromium writes), decoded without Pillow."""
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            raw += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    rows, stride, prev, grey = zlib.decompress(raw), width * channels, bytearray(width * channels), []
    for y in range(height):
        kind, line = rows[y * (stride + 1)], bytearray(rows[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        grey += [sum(line[x:x + 3]) // 3 for x in range(0, stride, channels * 4)]   # every 4th pixel
        prev = line
    return grey


def test_screenshot_is_not_blank(page, tmp_path):
    shot = page.screenshot(full_page=False)
    (tmp_path / "report.png").write_bytes(shot)
    grey = _png_pixels(shot)
    assert statistics.pvariance(grey) > 100          # text, badges and tables, not one flat colour
    assert len(set(grey)) > 20


def test_dark_scheme_and_print_media(browser, report_url):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(report_url)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 23, 29)"
    page.emulate_media(media="print")
    assert page.is_hidden("form.filters") and page.is_hidden("nav.toc")
    context.close()
