"""Render a staged book with Sphinx, as ``jupyter-book build -W -n --keep-going`` would, in a process of its own.

The build starts the render process early: it imports Sphinx and the
extensions (:func:`import_renderer`) and opens the Sphinx application
(:func:`open_sphinx`) while the notebooks execute, then builds once they are
staged (:func:`build`, called through :func:`jupyter_book`). A change to what
shapes every page (:func:`shape_digest`) re-renders them all.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from analysis.build.project import ROOT, BuildError

# Modules the book's Sphinx build imports, loaded by the render process ahead of time.
RENDER_MODULES = ("jupyter_book.config", "sphinx.application", "myst_nb.sphinx_ext", "sphinx_book_theme", "sphinx_exercise",
                  "sphinxcontrib.bibtex", "sphinx_design", "sphinx_togglebutton", "sphinx_copybutton", "sphinx_external_toc",
                  "sphinx_jupyterbook_latex", "sphinx_multitoc_numbering", "analysis.build.sphinx_ext")


def import_renderer() -> None:
    """Import Jupyter Book, Sphinx and the extensions in the render process (about half a second)."""
    import importlib

    for module in RENDER_MODULES:
        importlib.import_module(module)


# The render process keeps the Sphinx application it opened ahead of the build here.
# Sphinx and its extensions keep state in modules, so a process opens one application, once.
_OPENED: dict = {}


def open_sphinx(source: str, everything: bool, builder: str = "html", strict: bool = True) -> None:
    """Create the Sphinx application for ``source`` as ``jupyter-book build -W -n --keep-going`` does.

    ``builder`` is Sphinx's builder (``singlehtml`` for a run's page); ``strict``
    makes warnings errors and missing references warnings (``-W -n``).

    Runs in the render process while the notebooks execute: importing Sphinx
    and the extensions, reading the configuration, setting up the extensions
    and loading the saved environment take about half a second, which is then
    no longer spent after the notebooks finish. It follows Jupyter Book's own
    ``jupyter_book.sphinx.build_sphinx`` (1.0.4), split in two at ``app.build``;
    a test checks that the pages are byte for byte those of ``jupyter-book build``.
    """
    import io
    import traceback
    from contextlib import ExitStack, redirect_stderr, redirect_stdout

    if _OPENED:
        raise RuntimeError("this render process has opened Sphinx already; each build renders in a fresh process")
    log, stack = io.StringIO(), ExitStack()
    stack.enter_context(redirect_stdout(log))
    stack.enter_context(redirect_stderr(log))
    _OPENED.update(key=(source, everything, builder, strict), log=log, stack=stack, app=None, closed=False)
    try:
        import yaml
        from jupyter_book.config import get_final_config
        from sphinx.application import Sphinx
        from sphinx.util.docutils import docutils_namespace, patch_docutils

        src = Path(source)
        config, _ = get_final_config(
            user_yaml=src / "_config.yml", sourcedir=src, use_external_toc=True,
            cli_config={"external_toc_path": (src / "_toc.yml").as_posix(), "latex_individualpages": False, "nitpicky": strict},
        )
        # Docutils' global registries, patched for this build and restored when it ends.
        stack.enter_context(patch_docutils(None))
        stack.enter_context(docutils_namespace())
        app = Sphinx(
            srcdir=src, confdir=None, outdir=src / "_build" / builder, doctreedir=src / "_build" / ".doctrees",
            buildername=builder, confoverrides=config, status=log, warning=log, freshenv=everything,
            warningiserror=strict, keep_going=True, parallel=1,
        )
        if app.config["use_multitoc_numbering"] and "numbered: true" in yaml.dump(app.config.external_site_map.as_json()):
            app.setup_extension("sphinx_multitoc_numbering")
        _OPENED["app"] = app
    except (Exception, KeyboardInterrupt):
        log.write(traceback.format_exc())


def build(source: str, everything: bool, builder: str = "html", strict: bool = True) -> tuple[int, str]:
    """Build ``source`` with the application opened for it (opening it now if need be); the exit code and log."""
    import traceback

    if not _OPENED:
        open_sphinx(source, everything, builder, strict)
    elif _OPENED["closed"] or _OPENED["key"] != (source, everything, builder, strict):
        raise RuntimeError("this render process has opened Sphinx for another build; each build renders in a fresh process")
    app, log = _OPENED["app"], _OPENED["log"]
    try:
        if app is None:
            return 1, log.getvalue()
        try:
            app.build(False, [])
        except (Exception, KeyboardInterrupt):
            log.write(traceback.format_exc())
            return 1, log.getvalue()
        return app.statuscode, log.getvalue()
    finally:
        _OPENED["stack"].close()
        _OPENED["closed"] = True


def jupyter_book(source: Path, everything: bool = False, renderer: ProcessPoolExecutor | None = None) -> None:
    """Render ``source`` to ``source/_build/html``; warnings are errors; ``everything`` re-renders every page.

    It runs in a process of its own (``renderer``, when one was started and
    opened the application while the notebooks ran), so each build starts from
    a clean Sphinx.
    """
    if renderer is None:
        with ProcessPoolExecutor(max_workers=1) as fresh:
            return jupyter_book(source, everything, fresh)
    code, log = renderer.submit(build, str(source), everything).result()
    if code != 0:
        lines = [line for line in log.strip().splitlines() if line.strip()]
        raise BuildError("jupyter-book build failed:\n" + "\n".join(lines[-40:]))


def _shape_marker(source: Path) -> Path:
    return source / "_build" / ".everything-digest"


def shape_digest(source: Path) -> str:
    """A digest of what shapes every page of the staged book ``source``.

    The configuration, the table of contents and the Sphinx extension shape
    every page: a change to any of them must re-render them all (Sphinx alone
    would keep stale pages). So do the style sheets and scripts: Sphinx copies
    static files only when some page is rebuilt.
    """
    shapers = [ROOT / "analysis" / "build" / "sphinx_ext.py", source / "_config.yml", source / "_toc.yml",
               *sorted((source / "book" / "_static").glob("*.*"))]
    return hashlib.sha256(b"".join(p.read_bytes() for p in shapers)).hexdigest()


def rendered_with(source: Path) -> str | None:
    """The :func:`shape_digest` of the last complete render of ``source``, or None if there was none."""
    marker = _shape_marker(source)
    return marker.read_text() if marker.exists() else None


def record_render(source: Path, digest: str) -> None:
    """Record that ``source`` was rendered completely with the shape ``digest``."""
    marker = _shape_marker(source)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(digest)
