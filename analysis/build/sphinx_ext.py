"""A small Sphinx extension for the book: page metadata, and no JavaScript the book does not use.

Jupyter Book 1 always loads sphinx-thebe's script, which logs an error in the
console on every page; the book has no live kernels, so the script is dropped.
Each page gets a description and Open Graph tags for link previews.
And the bibliography's citations resolve without a scan of every installed
package (see ``_register_pybtex_backend``).
"""

from __future__ import annotations

import html


def _is_thebe(script) -> bool:
    body = getattr(script, "attributes", {}).get("body", "") if hasattr(script, "attributes") else ""
    return "thebe" in str(getattr(script, "filename", script) or "").lower() or "thebe" in str(body).lower()


def _page_context(app, pagename, templatename, context, doctree) -> None:
    # The theme logs a console error on first visit when no colour mode is set: follow the reader's system.
    context["default_mode"] = context.get("default_mode") or "auto"
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]
    config = app.config
    title = html.escape(f"{context.get('title', '')} · {config.html_title}".strip(" ·"), quote=True)
    description = html.escape(config.book_description, quote=True)
    tags = [
        f'<meta name="description" content="{description}">',
        f'<meta property="og:title" content="{title}">',
        f'<meta property="og:description" content="{description}">',
        '<meta property="og:type" content="article">',
    ]
    if config.book_social_image:
        image = context["pathto"](config.book_social_image, 1)
        tags.append(f'<meta property="og:image" content="{html.escape(image, quote=True)}">')
    context["metatags"] = context.get("metatags", "") + "\n".join(tags) + "\n"


def _register_pybtex_backend() -> None:
    """Put pybtex's plain-text backend in pybtex's own registry of plugins.

    sphinxcontrib-bibtex looks it up once per citation, and pybtex answers each
    lookup by reading the entry points of every installed package (about 5 ms,
    35 times in this book); a registered plugin is found at once. Same class,
    so the pages do not change.
    """
    from pybtex.plugin import find_plugin, register_plugin

    register_plugin("pybtex.backends", "plaintext", find_plugin("pybtex.backends", "plaintext"), force=True)


REFUSAL = ("the notebooks under book/ are not executed, so every chapter would lose its numbers and charts: "
           "build the book with 'make book' (papermill executes the notebooks, then Jupyter Book renders them)")


def unexecuted_notebooks(srcdir) -> list[str]:
    """The notebooks under ``srcdir/book`` with code cells none of which ran (as committed: without outputs)."""
    import json
    from pathlib import Path

    found = []
    for path in sorted(Path(srcdir).glob("book/*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue  # Sphinx itself reports a notebook it cannot read
        code = [c for c in cells if c.get("cell_type") == "code"]
        if code and all(c.get("execution_count") is None and not c.get("outputs") for c in code):
            found.append(path.name)
    return found


def _refuse_unexecuted(app, config) -> None:
    """Stop ``jupyter-book build .`` on the repository (execution is off: papermill runs the notebooks) with one line.

    A configuration that turns Jupyter Book's own execution on (as the
    benchmark's plain reference build does) executes them, so it goes ahead.
    """
    if getattr(config, "nb_execution_mode", "off") == "off" and unexecuted_notebooks(app.srcdir):
        # SystemExit, not a Sphinx error: Jupyter Book prints a Sphinx error with two tracebacks and a box.
        raise SystemExit(f"error: {REFUSAL}")


def setup(app):
    _register_pybtex_backend()
    app.connect("config-inited", _refuse_unexecuted)
    app.add_config_value("book_description", "", "html")
    app.add_config_value("book_social_image", "", "html")
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
