"""The built site in a real browser, offline: pages load cleanly, charts draw, sliders recompute.

Uses Debian's Chromium (``apt-get install -y chromium``) driven by Playwright's
Python package; every request that is not to the local server is aborted, so a
CDN script would show up as a blocked request. Screenshots go to
``_build/screenshots/``. Without Chromium the tests skip, except in CI
(``CI=true``), where a missing browser is a failure.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.build import book, execution

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "_build" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require_browser():
    if not Path(CHROMIUM).exists():
        message = "Chromium not found: install it with 'apt-get install -y chromium' (Debian) to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("the playwright package is missing: run 'make test' (it installs requirements.lock)")


@contextlib.contextmanager
def served(folder):
    """A local HTTP server over ``folder`` for the browser: yields its address, stops it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(5)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _require_browser()
    out = book.build({}, out=tmp_path_factory.mktemp("browser") / "html", edition="test-browser")
    with served(out) as address:
        yield out, address


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def open_page(browser, base, path):
    """Open a page offline; return it with the console errors and blocked requests seen."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = {"console": [], "blocked": []}
    page.on("console", lambda m: problems["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems["console"].append(str(e)))

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            problems["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(f"{base}/{path}", wait_until="load")
    return page, problems


def pages(out):
    return sorted(str(p.relative_to(out)) for p in out.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def test_every_page_loads_with_no_errors_and_no_outside_requests(site, browser):
    out, base = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert len(pages(out)) >= 6
    for path in pages(out):
        page, problems = open_page(browser, base, path)
        charts = page.locator("div[id^=altair-viz-]")
        for i in range(charts.count()):
            charts.nth(i).locator("svg.marks, canvas.marks").first.wait_for(timeout=10_000)
        page.wait_for_timeout(200)
        page.screenshot(path=str(SCREENSHOTS / (path.replace("/", "__").removesuffix(".html") + ".png")), full_page=True)
        assert problems == {"console": [], "blocked": []}, path
        page.close()


def test_every_chart_draws_marks(site, browser):
    out, base = site
    total = 0
    for path in pages(out):
        page, _ = open_page(browser, base, path)
        charts = page.locator("div[id^=altair-viz-]")
        for i in range(charts.count()):
            svg = charts.nth(i).locator("svg.marks").first
            svg.wait_for(timeout=10_000)
            assert svg.locator("path, rect, line, circle, text").count() > 0, f"{path}: chart {i} drew nothing"
            total += 1
        page.close()
    assert total >= 10


@pytest.mark.parametrize("path", ["book/training_compute.html", "book/inference_vs_search.html"])
def test_sliders_redraw_their_chart_and_show_the_value(site, browser, path):
    _, base = site
    page, problems = open_page(browser, base, path)
    sliders = page.locator(".vega-bind input[type=range]")
    assert sliders.count() >= 2
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        chart = slider.locator("xpath=ancestor::div[starts-with(@id, 'altair-viz-')][1]")
        shown = slider.locator("xpath=following-sibling::span[1]")
        before_svg, before_value = chart.locator("svg.marks").inner_html(), shown.inner_text()
        slider.focus()
        page.keyboard.press("Home")  # to the slider's minimum, where every input changes the result
        page.wait_for_timeout(300)
        assert shown.inner_text() != before_value, f"{path}: slider {i} shows no new value"
        assert chart.locator("svg.marks").inner_html() != before_svg, f"{path}: slider {i} did not redraw its chart"
    assert problems == {"console": [], "blocked": []}
    page.close()


def test_model_menu_changes_the_energy_chart(site, browser):
    _, base = site
    page, _ = open_page(browser, base, "book/inference_vs_search.html")
    menu = page.locator(".vega-bind select").first
    chart = menu.locator("xpath=ancestor::div[starts-with(@id, 'altair-viz-')][1]")
    label = chart.locator("svg.marks text", has_text="at 500 tokens").first
    before = label.text_content()
    menu.select_option(index=0)  # the smallest model
    page.wait_for_timeout(300)
    assert label.text_content() != before
    page.close()


@pytest.fixture(scope="module")
def run_page(tmp_path_factory):
    _require_browser()
    from analysis.build import runs

    out = runs.run("training_compute", {"price_usd_per_gpu_hour": 4}, out=tmp_path_factory.mktemp("run") / "run")
    return out / "training_compute.html"


def test_a_runs_page_is_the_chapter_with_the_runs_numbers_offline(site, browser, run_page):
    """A run's page opens from disk with nothing else: the book's chapter, its numbers, citations resolved, each chart once."""
    out, base = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = {"console": [], "blocked": []}
    page.on("console", lambda m: problems["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems["console"].append(str(e)))

    def route(r):
        if r.request.url == run_page.as_uri():
            r.continue_()
        else:
            problems["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(run_page.as_uri(), wait_until="load")
    charts = page.locator("div[id^=altair-viz-]")
    for i in range(charts.count()):
        svg = charts.nth(i).locator("svg.marks").first
        svg.wait_for(timeout=10_000)
        assert svg.locator("path, rect, line, circle, text").count() > 0, f"chart {i} drew nothing"
    page.screenshot(path=str(SCREENSHOTS / "run__training_compute.png"), full_page=True)
    title, text = page.title(), page.locator("main").inner_text()
    assert title.startswith("Did DeepSeek-V3 need only 9 % of the training compute?") and "price_usd_per_gpu_hour = 4" in title
    # 2.788M GPU-hours (DeepSeek-V3's counted stages) x $4 per GPU-hour = $11.152M: the run's number, in the prose.
    assert "11.15 million dollars at $4.00 per GPU-hour" in text
    assert "{glue" not in text and "{cite" not in text and "{numref" not in text
    cited = page.locator("a[href^='#cite-']")
    assert cited.count() >= 10
    for i in range(cited.count()):
        target = cited.nth(i).get_attribute("href")[1:]
        assert page.locator(f"[id='{target}']").count() == 1, f"citation {target} does not resolve on the page"
    # Each chart once: as many as the book's own page of this chapter draws, no two alike.
    book_page, _ = open_page(browser, base, "book/training_compute.html")
    assert charts.count() == book_page.locator("div[id^=altair-viz-]").count() >= 5
    specs = page.evaluate("() => [...document.querySelectorAll('div[id^=altair-viz-]')].map(d => d.nextElementSibling ? d.nextElementSibling.textContent : d.id)")
    assert len(set(specs)) == len(specs)
    assert problems == {"console": [], "blocked": []}
    book_page.close()
    page.close()


def test_plain_nbconvert_output_draws_its_charts_offline(tmp_path, browser):
    """``jupyter nbconvert --execute --to html`` outside the book: every chart draws with no network, once."""
    env = {k: v for k, v in os.environ.items() if k != execution.IN_BOOK}
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "html", "--output-dir", str(tmp_path),
                    str(ROOT / "book" / "training_compute.ipynb")], check=True, env=env, capture_output=True)
    html = tmp_path / "training_compute.html"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, blocked = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url == html.as_uri() else (blocked.append(r.request.url), r.abort()))
    page.goto(html.as_uri(), wait_until="load")
    charts = page.locator("div[id^=altair-viz-]")
    assert charts.count() >= 5
    for i in range(charts.count()):
        svg = charts.nth(i).locator("svg.marks").first
        svg.wait_for(timeout=10_000)
        assert svg.locator("path, rect, line, circle, text").count() > 0, f"chart {i} drew nothing"
    assert page.locator("img.chart-static:visible").count() == 0, "each chart once: the static copy stays hidden"
    assert errors == []
    page.close()
