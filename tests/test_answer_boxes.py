"""Self-checking answer boxes in the student edition: right, wrong, and a unit slip, one exercise per chapter."""

import pytest

from analysis import data, params as P
from analysis.build import book, handouts
from tests.test_browser import browser, _require_browser, served  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
CASES = [("book/training_compute.html", "ex-training-price"), ("book/inference_vs_search.html", "ex-inference-knob")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _require_browser()
    out = book.build({}, out=tmp_path_factory.mktemp("student") / "html", edition="test-student", student=True)
    with served(out) as address:
        yield out, address


def _expected(label):
    chapter = next(c for c in handouts.CHAPTERS if label.startswith("ex-" + c.split("_")[0]))
    return next(a for a in handouts.ANSWERS[chapter](data.load(), P.validate({})) if a.label == label)


def _check(page, label, typed):
    box = page.locator(f"#{label} form.answer-box")
    field = box.locator("input")
    field.fill("")
    field.focus()
    page.keyboard.type(typed)
    page.keyboard.press("Enter")  # the keyboard submits; no mouse needed
    feedback = box.locator(".answer-feedback")
    page.wait_for_timeout(100)
    return feedback.get_attribute("data-result"), feedback.inner_text()


@pytest.mark.parametrize("path, label", CASES)
def test_an_answer_box_knows_right_wrong_and_a_unit_slip(site, browser, path, label):  # noqa: F811
    _, base = site
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page.goto(f"{base}/{path}", wait_until="load")
    assert page.locator(".solution").count() == 0  # the student edition
    answer = _expected(label)
    box = page.locator(f"#{label} form.answer-box")
    assert box.locator(".answer-feedback").get_attribute("aria-live") == "polite"
    assert answer.unit in box.locator("label").inner_text()
    assert _check(page, label, f"{answer.expected:.4g} {answer.unit}")[0] == "right"
    assert _check(page, label, f"{answer.expected:,.3f}")[0] == "right"
    assert _check(page, label, f"{answer.expected * 1.5:.4g}") == ("wrong", "Not yet: that is too high. Check each step and try again.")
    result, text = _check(page, label, f"{answer.expected * 3600:.6g}")
    assert result == "wrong" and "3,600" in text and "watt-hours" in text
    result, text = _check(page, label, f"{answer.expected / 1000:.6g}")
    assert result == "wrong" and "1,000" in text and "kilowatts" in text
    assert _check(page, label, "about")[0] == "invalid"
    page.close()
