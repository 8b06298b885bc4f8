"""The website builds with warnings as errors, offline, and a failed build overwrites nothing."""

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import altair as alt
import pytest

from analysis.build import book, project, publish, render

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
    monkeypatch.setattr(book, "split_by_notebook", lambda values: {nb: ({"deepseek_stages": []} if nb == "training_compute" else {}) for nb in project.NOTEBOOKS})
    with pytest.raises(project.BuildError):
        book.build({}, out=out, edition="test-failed")
    assert (out / "marker").read_text() == "previous good build"


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_render_makes_exactly_what_jupyter_book_makes(site, tmp_path):
    # The build opens Sphinx while the notebooks run and builds once they are staged
    # (render.open_sphinx, then render.build): Jupyter Book's build_sphinx split in two.
    # Its pages must be those `jupyter-book build -W -n --keep-going` makes of the same sources.
    staged = ROOT / "_build" / "site-src" / "test-site"
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for copy in (ours, theirs):
        shutil.copytree(staged, copy, ignore=shutil.ignore_patterns("_build"))
    with ProcessPoolExecutor(max_workers=1) as renderer:
        renderer.submit(render.open_sphinx, str(ours), True).result()
        render.jupyter_book(ours, everything=True, renderer=renderer)
        # Sphinx keeps state in modules: a render process serves one build only.
        with pytest.raises(RuntimeError, match="fresh process"):
            renderer.submit(render.build, str(theirs), True).result()
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jupyter_book), "build", str(theirs), "-W", "-n", "--keep-going"], check=True, capture_output=True)
    mine, reference = _files(ours / "_build" / "html"), _files(theirs / "_build" / "html")
    assert sorted(mine) == sorted(reference)
    assert [name for name in mine if mine[name] != reference[name]] == []


def test_render_failure_names_the_problem(site, tmp_path):
    source = tmp_path / "broken"
    shutil.copytree(ROOT / "_build" / "site-src" / "test-site", source, ignore=shutil.ignore_patterns("_build"))
    config = source / "_config.yml"
    config.write_text(config.read_text().replace("extra_extensions:", "extra_extensions:\n    - no_such_sphinx_extension", 1))
    with pytest.raises(project.BuildError, match="no_such_sphinx_extension"):
        render.jupyter_book(source, everything=True)
    assert not (source / "_build" / "html" / "index.html").exists()


def _html_pages(site):
    return [p for p in site.rglob("*.html") if "_static" not in p.parts]


def test_every_internal_link_resolves(site):
    """Offline link check: every local href points at a file of the site, and every anchor exists."""
    ids_cache: dict[Path, set] = {}
    broken = []
    for page in _html_pages(site):
        text = page.read_text()
        for href in re.findall(r'href="([^"]+)"', text):
            if href.startswith(("http:", "https:", "mailto:", "javascript:", "data:")) or href == "#":
                continue
            path, _, anchor = href.partition("#")
            path = path.split("?", 1)[0]
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
                continue
            if anchor and target.suffix == ".html":
                ids = ids_cache.setdefault(target, set(re.findall(r'id="([^"]+)"', target.read_text())))
                if anchor not in ids:
                    broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, broken[:10]


def test_no_page_loads_anything_from_outside(site):
    for page in _html_pages(site):
        text = page.read_text()
        outside = re.findall(r'<(?:script|img|link)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', text)
        outside = [u for u in outside if "rel=\"canonical\"" not in u]
        assert not outside, (page.relative_to(site), outside)


def test_tables_link_their_sources(site):
    page = (site / "book/training_compute.html").read_text()
    assert 'href="references.html#cite-llamateam2024herd"' in page
    assert 'id="cite-llamateam2024herd"' in (site / "book/references.html").read_text()
    assert 'href="references.html#cite-elsworth2025gemini"' in (site / "book/inference_vs_search.html").read_text()


def test_data_files_can_be_downloaded(site):
    downloads = {p.name for p in (site / "_downloads").rglob("*")}
    assert {"training_runs.csv", "provenance.csv", "claims.csv", "inference_inputs.csv", "references.bib"} <= downloads
    for nb in ("training_compute", "inference_vs_search"):
        assert (site / "_sources" / "book" / f"{nb}.ipynb").exists()


def test_build_status_names_versions_and_data_hashes(site):
    text = re.sub(r"<[^>]+>", " ", (site / "book/build_status.html").read_text())
    assert "papermill" in text and "jupyter-book" in text and "1.0.4.post1" in text
    assert "data/training_runs.csv" in text and "Built on" in text
    assert "Creative Commons Attribution 4.0" in text


def test_pages_carry_metadata(site):
    page = (site / "book/training_compute.html").read_text()
    assert '<meta name="description"' in page and '<meta property="og:title"' in page
    assert '<meta property="og:image" content="../_static/social-preview.png">' in page
    assert (site / "_static/social-preview.png").exists()
    assert "sphinx-thebe.js" not in page


def test_the_teachers_page_links_the_handouts_in_the_site(site):
    from tests.test_handouts import assert_handouts_linked

    assert_handouts_linked(site)


def test_archive_holds_the_site(site, tmp_path):
    import tarfile

    target = publish.archive(site, tmp_path / "site.tar.gz")
    with tarfile.open(target) as tar:
        names = tar.getnames()
    assert "site/index.html" in names and "site/.nojekyll" in names and "site/book/training_compute.html" in names


def test_citations_resolve_without_scanning_every_installed_package(monkeypatch):
    # sphinxcontrib-bibtex asks pybtex for its plain-text backend once per citation.
    import pybtex.plugin
    from pybtex.backends.plaintext import Backend

    from analysis.build import sphinx_ext

    sphinx_ext._register_pybtex_backend()
    monkeypatch.setattr(pybtex.plugin, "entry_points", lambda **kwargs: pytest.fail("pybtex scanned the entry points"))
    assert pybtex.plugin.find_plugin("pybtex.backends", "plaintext") is Backend


def test_published_files_name_nothing_of_the_machine_that_built_them(site):
    import getpass
    import socket

    machine = {str(ROOT), str(site.parent), str(project.BUILD), str(Path.home()) + "/", socket.gethostname(), getpass.getuser() + "/"}
    machine = {m for m in machine if len(m) > 4}  # a two-letter host name would match by chance
    leaks = {}
    for path in site.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            found = [m for m in machine if m in text]
            if found:
                leaks[str(path.relative_to(site))] = found
    assert not leaks
    notebook = json.loads((site / "_sources" / "book" / "training_compute.ipynb").read_text())
    assert notebook["metadata"]["papermill"]["input_path"] == "book/training_compute.ipynb"
    assert "start_time" not in json.dumps(notebook)


def test_printed_text_is_published_the_same_however_the_kernel_split_it():
    # A kernel may send "...32.70x\n" as one message or as "...32.70x" and "\n": the published notebook must not differ.
    from analysis.build.execution import merged_streams

    one = [{"name": "stdout", "output_type": "stream", "text": ["With the 2009 search: 4.36x; with this page's figures: 32.70x\n"]}]
    two = [{"name": "stdout", "output_type": "stream", "text": ["With the 2009 search: 4.36x; with this page's figures: 32.70x"]},
           {"name": "stdout", "output_type": "stream", "text": ["\n"]}]
    assert merged_streams(one) == merged_streams(two) == one
    mixed = [{"name": "stdout", "output_type": "stream", "text": "a\n"}, {"name": "stderr", "output_type": "stream", "text": "e\n"},
             {"output_type": "display_data", "data": {}, "metadata": {}}, {"name": "stdout", "output_type": "stream", "text": "b\nc"}]
    assert [o.get("text") for o in merged_streams(mixed)] == [["a\n"], ["e\n"], None, ["b\n", "c"]]
