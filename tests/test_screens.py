"""The book on every screen: a phone (390 px) and a desktop (1280 px), light and dark.

The fast tests hold the chart sizing to its one rule (:func:`analysis.charts.fit_to_container`); the
browser tests open every page of the built site in Chromium, offline, and measure what a reader sees:
nothing wider than its column, no label cut with an ellipsis, no warning from Vega, every text at least
4.5:1 against its background (WCAG 2's contrast ratio, measured on the computed colours), the claims
ledger as one card per claim on a phone, and a visible focus ring on everything the keyboard reaches.
"""

from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from analysis import charts
from tests.test_browser import SCREENSHOTS, browser, open_page, pages, site  # noqa: F401  (fixtures)

CHECKS = (Path(__file__).parent / "screen_checks.js").read_text(encoding="utf-8")
WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")


def _layer_chart(labels, x_title="value"):
    frame = pd.DataFrame({"label": labels, "value": range(1, len(labels) + 1)})
    bars = alt.Chart(frame).mark_bar().encode(x=alt.X("value:Q", title=x_title), y=alt.Y("label:N", title=None), color=alt.Color("label:N"))
    return (bars + bars.mark_text()).properties(width=500, height=alt.Step(20))


def test_a_single_or_layered_chart_takes_its_containers_width_and_keeps_its_height():
    spec = charts.fit_to_container(_layer_chart(["a", "b", "c"]).to_dict())
    assert spec["width"] == "container"
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["height"] == 60  # three rows of 20 px: a step height would make Vega-Lite drop the fit, with a warning


def test_every_chart_on_screen_is_sized_by_the_one_rule():
    html = charts.book_renderer(_layer_chart(["a", "b"]).to_dict())["text/html"]
    assert '"width": "container"' in html


def test_a_composed_chart_keeps_panels_a_phone_can_hold():
    spec = charts.fit_to_container(alt.vconcat(_layer_chart(["a"]), _layer_chart(["b"])).to_dict())
    assert "width" not in spec  # Vega-Lite cannot size a composed chart by its container
    assert charts.PANEL_WIDTH + 80 <= 390 - 2 * 24


def test_long_titles_and_category_labels_wrap_instead_of_being_cut():
    long_label = "compute (FLOP at the set utilization of the peak rate)"
    chart = _layer_chart([long_label, "b"], x_title="DeepSeek-V3 compute as a share of Llama 3.1 405B's (%)")
    spec = charts.fit_to_container(chart.to_dict())
    x = spec["layer"][0]["encoding"]["x"]
    assert x["title"][-1].endswith("(%)") and all(len(line) <= charts.TITLE_LINE_CHARS for line in x["title"])
    assert spec["layer"][0]["encoding"]["y"]["axis"]["labelExpr"] == charts.WRAP_LABEL_EXPR
    assert spec["layer"][0]["encoding"]["color"]["legend"]["labelExpr"] == charts.WRAP_LEGEND_EXPR
    svg = charts._static_svg(charts.wrap_titles(chart.to_dict()))
    assert "…" not in svg and "compute (FLOP at the set" in svg and "(%)" in svg


def test_published_figures_share_one_field_and_one_order_so_vega_sees_no_sort_conflict():
    published = pd.DataFrame({"subject": ["Search", "Request"], "year": [2009, 2025], "service": ["web_search", "llm_request"],
                              "energy_j": [1080.0, 864.0], "energy_wh": [0.3, 0.24], "boundary": ["x", "y"], "source": ["a", "b"]})
    ours = pd.DataFrame({"claim": ["ours"], "low": [100.0], "high": [3000.0]})
    spec = charts.published_figures(published, ours).to_dict()
    ys = [layer["encoding"]["y"] for layer in spec["layer"]]
    assert len({y["field"] for y in ys}) == 1 and len({str(y["sort"]) for y in ys}) == 1
    assert ys[0]["sort"] == ["Search (2009)", "Request (2025)", "ours"]
    assert spec["layer"][0]["encoding"]["shape"]["scale"]["domain"][-1] == "this book: 90 % interval"


def _open(browser, base, path, width, scheme):
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    warnings = []
    page.on("console", lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
    page.on("pageerror", lambda e: warnings.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page.goto(f"{base}/{path}", wait_until="load")
    charts_ = page.locator("div[id^=altair-viz-]")
    for i in range(charts_.count()):
        charts_.nth(i).locator("svg.marks").first.wait_for(timeout=10_000)
    page.wait_for_timeout(1000)  # a container-sized chart redraws once its width is known; the theme fades its colours in
    return page, warnings


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_reads_and_warns_of_nothing(site, browser, width, scheme):  # noqa: F811
    out, base = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in pages(out):
        page, warnings = _open(browser, base, path, width, scheme)
        measured = page.evaluate(CHECKS)
        page.screenshot(path=str(SCREENSHOTS / f"{width}-{scheme}-{path.replace('/', '__').removesuffix('.html')}.png"), full_page=True)
        assert measured["wide"] == [], f"{path} at {width} px ({scheme}): wider than the column"
        assert measured["scroll"] <= 0, f"{path} at {width} px ({scheme}): the page scrolls sideways"
        assert measured["cut"] == [], f"{path} at {width} px ({scheme}): labels cut"
        assert measured["contrast"] == [], f"{path} at {width} px ({scheme}): text under 4.5:1"
        assert warnings == [], f"{path} at {width} px ({scheme}): console warnings"
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("width, card", [(390, True), (1280, False)])
def test_the_ledger_is_one_card_per_claim_on_a_phone(site, browser, width, card):  # noqa: F811
    _, base = site
    page, _ = _open(browser, base, "index.html", width, "light")
    rows = page.locator("table.ledger tbody tr")
    assert rows.count() >= 5
    display = rows.first.evaluate("r => getComputedStyle(r).display")
    assert (display == "block") is card
    if card:
        assert page.locator("table.ledger thead").evaluate("h => getComputedStyle(h).display") == "none"
        labels = rows.first.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
        assert labels == ['"Claim"', '"Verdict"', '"Claimed"', '"Our number (range)"']
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("path", ["book/training_compute.html", "book/inference_vs_search.html"])
def test_the_what_if_controls_stay_on_a_phone_screen(site, browser, path):  # noqa: F811
    _, base = site
    page, _ = _open(browser, base, path, 390, "light")
    controls = page.locator(".vega-bind input, .vega-bind select, .vega-bind-name, .vega-bind span")
    assert controls.count() >= 6
    for i in range(controls.count()):
        box = controls.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 - 16, f"{path}: control {i} is cut"
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEMES)
def test_everything_the_keyboard_reaches_shows_a_focus_ring(site, browser, scheme):  # noqa: F811
    _, base = site
    page, _ = _open(browser, base, "book/training_compute.html", 1280, scheme)
    seen, missing = set(), []
    for _ in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e);
            const again = e.dataset.focusSeen === '1';
            e.dataset.focusSeen = '1';
            const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
            return {id: e.tagName + '|' + (e.id || e.className || '') + '|' + (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 30)
                        , ring, again, body: e === document.body};
        }""")
        if focused["body"] or focused["again"]:
            break
        seen.add(focused["id"])
        if not focused["ring"]:
            missing.append(focused["id"])
    kinds = " ".join(seen)
    assert "INPUT" in kinds and "BUTTON" in kinds and len(seen) > 20
    assert missing == []
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ["training_compute", "inference_vs_search"])
def test_an_exercise_whose_answer_the_page_states_is_marked_check_your_reading(site, chapter):  # noqa: F811
    import re

    from bs4 import BeautifulSoup

    from analysis import data, params
    from analysis.build import handouts

    out, _ = site
    soup = BeautifulSoup((out / "book" / f"{chapter}.html").read_text(encoding="utf-8"), "html.parser")
    marked = {ex["id"]: "Check your reading" in ex.get_text() for ex in soup.select(".exercise")}
    for element in soup.select(".exercise, .solution, script, style"):
        element.decompose()
    text = re.sub(r"\s+", " ", soup.select_one("article").get_text(" "))
    for answer in handouts.ANSWERS[chapter](data.load(), params.validate({})):
        if answer.expected is None:
            continue
        x = answer.expected
        # The value as a page prints it, to at least three significant figures, not inside a longer number.
        numbers = {f"{x:,.0f}"} if abs(x) >= 100 else {f"{x:.2f}", f"{x:.1f}"} if abs(x) >= 10 else {f"{x:.2f}"}
        numbers |= {f"{x:.3g}"} if "e" in f"{x:.3g}" else set()
        found = [m for n in numbers for m in re.finditer(r"(?<![\d.,])" + re.escape(n) + r"(?![\d])", text)]
        stated = bool(found)
        where = [text[max(0, m.start() - 80):m.end() + 20] for m in found]
        assert marked[answer.label] == stated, f"{answer.label}: answer stated in the text: {where}; marked: {marked[answer.label]}"


@pytest.mark.slow
def test_printing_a_chapter_shows_static_charts_wrapped_code_and_no_buttons_or_solutions(site, browser):  # noqa: F811
    _, base = site
    page, _ = _open(browser, base, "book/training_compute.html", 1280, "light")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 1000})  # about an A4 page's printable width
    shown = page.evaluate("""() => {
        const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none';
        const article = document.querySelector('.bd-article').getBoundingClientRect();
        return {
            buttons: [...document.querySelectorAll('button')].filter(visible).length,
            solutions: [...document.querySelectorAll('.solution')].filter(visible).length,
            interactive: [...document.querySelectorAll('.chart-interactive')].filter(visible).length,
            static: [...document.querySelectorAll('img.chart-static')].filter(visible).map(i => i.getBoundingClientRect().right <= article.right + 1),
            pre: [...document.querySelectorAll('pre')].map(p => getComputedStyle(p).whiteSpace),
            note: getComputedStyle(document.querySelector('.exercise > section'), '::after').content,
            sidebar: [...document.querySelectorAll('.bd-sidebar-primary, .bd-header')].filter(visible).length,
        };
    }""")
    assert shown["buttons"] == 0 and shown["solutions"] == 0 and shown["interactive"] == 0 and shown["sidebar"] == 0
    assert len(shown["static"]) >= 5 and all(shown["static"])
    assert set(shown["pre"]) <= {"pre-wrap"}
    assert "answer key" in shown["note"]
    page.close()
