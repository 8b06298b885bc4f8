"""The website builds with warnings as errors, offline, and a failed build overwrites nothing."""

import re
import subprocess
import sys
from pathlib import Path

import altair as alt
import pytest

from analysis import book

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return book.build({}, out=tmp_path_factory.mktemp("site") / "html", edition="test-site")


def test_pages_exist(site):
    for page in ("index.html", "book/index.html", "book/training_compute.html", "book/references.html"):
        assert (site / page).exists(), page


def test_charts_load_vega_from_the_book_not_a_cdn(site):
    page = (site / "book/training_compute.html").read_text()
    assert page.count('id="altair-viz-') >= 4
    assert "_static/vega-bundle.js" in page
    # The only external addresses allowed are inside Altair's fallback template, never loaded
    # because the bundle presets VEGA_DEBUG with matching versions.
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))], scripts


def test_vendored_versions_match_altair():
    bundle = (ROOT / "book/_static/vega-bundle.js").read_text()
    preset = re.search(r"window\.VEGA_DEBUG = (\{.*?\});", bundle).group(1)
    assert f'"vega_version": "{alt.VEGA_VERSION}"' in preset
    assert f'"vegalite_version": "{alt.VEGALITE_VERSION}"' in preset
    assert f'"vegaembed_version": "{alt.VEGAEMBED_VERSION}"' in preset
    assert f"vega-lite {alt.VEGALITE_VERSION}" in bundle.splitlines()[0]


def test_prose_has_glued_numbers_not_placeholders(site):
    text = re.sub(r"<[^>]+>", "", (site / "book/training_compute.html").read_text())
    assert "2.788 million H800 GPU-hours, 9.0 % of the 30.84 million" in text
    assert "np.float64" not in text and "{glue" not in text


def test_front_page_is_the_ledger(site):
    page = (site / "book/index.html").read_text()
    assert page.count('<span class="verdict verdict-') >= 9
    assert "training.compute_share" in page


def test_bad_parameter_builds_nothing(tmp_path):
    out = tmp_path / "html"
    out.mkdir()
    (out / "marker").write_text("previous good build")
    done = subprocess.run([sys.executable, "-m", "analysis", "build", "-p", "pue=0.5"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "parameter pue: 0.5 is out of range" in done.stderr
    assert (out / "marker").read_text() == "previous good build"


def test_failed_execution_leaves_the_previous_site(tmp_path, monkeypatch):
    out = tmp_path / "html"
    out.mkdir()
    (out / "marker").write_text("previous good build")
    monkeypatch.setattr(book, "split_by_notebook", lambda values: {nb: ({"deepseek_stages": []} if nb == "training_compute" else {}) for nb in book.NOTEBOOKS})
    with pytest.raises(book.BuildError):
        book.build({}, out=out, edition="test-failed")
    assert (out / "marker").read_text() == "previous good build"
