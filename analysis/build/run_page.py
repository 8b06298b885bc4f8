"""A run's HTML page: the chapter as the book shows it, with the run's numbers, in one file.

The executed notebook is rendered through the book's own Sphinx set-up
(Jupyter Book's configuration, the same extensions, ``singlehtml``), with the
glossary and the references it cites on the same page, so glued numbers,
citations and cross-references resolve as in the book and each chart is drawn
once. The page's style sheets, scripts and images are then written into the
page itself, so it opens from disk with no network and no other file.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

from analysis.build.editions import edition_banner
from analysis.build.project import NOTEBOOKS, ROOT

# The book's pages a chapter refers to (glossary terms, citations), rendered after it on its page.
COMPANIONS = ("book/glossary.md",)
# Until the executed notebook is added (see add_notebook, which lists the works it cites).
REFERENCES = "# References\n\n```{bibliography}\n:all:\n```\n"


def chapter_title(notebook: Path) -> str:
    """The first level-1 heading of a notebook's Markdown, or its file name."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            found = re.search(r"^#\s+(.+?)\s*$", "".join(cell["source"]), re.M)
            if found:
                return found.group(1)
    return notebook.stem


def page_title(name: str, changed: dict[str, object]) -> str:
    """``<chapter title> · run with price_usd_per_gpu_hour = 4``: the chapter and what differs from the defaults."""
    from analysis import params as P

    title = chapter_title(ROOT / NOTEBOOKS[name])
    shown = [f"{k} = {P.PARAMETERS[k].show(v)}" for k, v in changed.items() if k in P.PARAMETERS]
    return f"{title} · run with {', '.join(shown)}" if shown else f"{title} · run with the default parameters"


def banner(values: dict[str, object]) -> str:
    """The line at the top of a run's page: what differs from the book's defaults."""
    text = edition_banner(values, None).replace("Edition with changed parameters.", "A re-run of this chapter.", 1)
    return text.replace("No parameter differs from the defaults.", "Every parameter at its default, as in the book.")


def stage(target: Path, name: str, title: str, banner: str) -> None:
    """Write the Sphinx source of a run's page into ``target``, all but the executed notebook (see :func:`add_notebook`)."""
    import yaml

    target.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = title
    html = config.setdefault("html", {})
    html.update(use_issues_button=False, use_repository_button=False, use_edit_page_button=False, announcement=banner)
    (target / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    toc = {"format": "jb-book", "root": NOTEBOOKS[name].removesuffix(".ipynb"),
           "chapters": [{"file": c.removesuffix(".md")} for c in (*COMPANIONS, "book/references.md")]}
    (target / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    shutil.copytree(ROOT / "book" / "_static", target / "book" / "_static", dirs_exist_ok=True)
    (target / "data").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "data" / "references.bib", target / "data" / "references.bib")
    for page in COMPANIONS:
        shutil.copy2(ROOT / page, target / page)
    (target / "book" / "references.md").write_text(REFERENCES, encoding="utf-8")


_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
_CITE_LINK = re.compile(r"#cite-([A-Za-z0-9_.:-]+)")  # a link a table's HTML makes to the References page


def cited_keys(notebook: Path) -> list[str]:
    """Every citation key the executed notebook cites: in its Markdown, the text it glued, and its tables' links."""
    text = notebook.read_text(encoding="utf-8").replace("\\n", "\n")
    keys = {key.strip() for keys in _CITE.findall(text) for key in keys.split(",") if key.strip()}
    return sorted(keys | set(_CITE_LINK.findall(text)))


def add_notebook(target: Path, name: str, executed: Path) -> None:
    """Put the executed notebook where the staged table of contents expects it, and list the works it cites.

    The References section lists those works only (sphinxcontrib-bibtex's own
    "cited" filter misses citations inside glued text, which it sees too late).
    """
    shutil.copy2(executed, target / NOTEBOOKS[name])
    keys = cited_keys(executed)
    if keys:
        condition = " or ".join(f'key == "{key}"' for key in keys)
        (target / "book" / "references.md").write_text(f"# References\n\n```{{bibliography}}\n:filter: {condition}\n```\n", encoding="utf-8")


def rendered_page(target: Path, name: str) -> Path:
    """Where ``singlehtml`` wrote the page of ``target`` (its root document)."""
    return target / "_build" / "singlehtml" / (NOTEBOOKS[name].removesuffix(".ipynb") + ".html")


# Scripts the page does without: the site's search, and the icon font (1.5 MB of script for a few buttons' icons).
LEFT_OUT = ("searchindex.js", "searchtools.js", "language_data.js", "fontawesome.js")
_CDN = re.compile(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>\s*')
_SCRIPT = re.compile(r'<script([^>]*?)\ssrc="([^"]+)"([^>]*)>\s*</script>')
_STYLE = re.compile(r'<link[^>]*rel="stylesheet"[^>]*>')
_DROPPED = re.compile(r'<link[^>]*rel="(?:preload|index|search|next|prev)"[^>]*>\s*')
_SAME_PAGE = re.compile(r'href="(?![a-z]+:)[^"#]*\.html#')
_IMG = re.compile(r'(<img[^>]*\ssrc=")([^":]+)(")')
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}


def _local(page: Path, href: str) -> Path | None:
    """The file a relative link of the page points to (query and fragment dropped), if it exists.

    ``singlehtml`` writes a root document that sits in a folder (``book/``) with
    links relative to the output's top, so both places are tried.
    """
    rel = href.split("?")[0].split("#")[0]
    for base in (page.parent, *page.parents):
        if (base / rel).is_file():
            return base / rel
        if base.name == "singlehtml":
            break
    return None


_IMPORT = re.compile(r'@import\s+(?:url\()?(["\']?)([^)"\';]+)\1\)?\s*;')
_FONT_SOURCE = re.compile(r'(,\s*)?url\((["\']?)([^)"\']+)\2\)\s*format\((["\'])([a-z0-9-]+)\4\)')
_URL = re.compile(r'url\((["\']?)(?!data:|#)([^)"\']+)\1\)')


def _css(path: Path) -> str:
    """A style sheet with what it imports inside it, and its fonts and images as ``data:`` URLs.

    A font offered in several formats keeps only WOFF2, which every current browser reads.
    """
    text = path.read_text(encoding="utf-8")
    text = _IMPORT.sub(lambda m: _css(path.parent / m.group(2)) if (path.parent / m.group(2)).is_file() else "", text)

    def source(m: re.Match) -> str:
        return m.group(0) if m.group(5) == "woff2" else ""

    def url(m: re.Match) -> str:
        found = path.parent / m.group(2).split("?")[0].split("#")[0]
        if not found.is_file():
            return "none"
        mime = _MIME.get(found.suffix.lower(), "font/woff2" if found.suffix == ".woff2" else "application/octet-stream")
        return f"url(data:{mime};base64,{base64.b64encode(found.read_bytes()).decode()})"

    text = _FONT_SOURCE.sub(source, text)
    text = re.sub(r"src:\s*,\s*", "src: ", text)  # a WOFF2 source that was not first
    return _URL.sub(url, text)


def self_contained(page: Path) -> str:
    """The rendered page with its local style sheets, scripts and images inside it; scripts from the network left out.

    A page opened from disk loads no other file: style sheets become ``<style>``,
    scripts inline ``<script>`` (the search index, which only the site's search
    uses, is dropped), images ``data:`` URLs. MathJax, which the theme loads from
    a CDN, is left out, as the book's offline rule asks. Links to a part of the
    page (a citation, a glossary term, a figure) point into the page itself.
    """
    text = page.read_text(encoding="utf-8")
    text = _CDN.sub("", text)
    text = _DROPPED.sub("", text)

    def script(m: re.Match) -> str:
        found = _local(page, m.group(2))
        if found is None or found.name in LEFT_OUT:
            return ""
        attrs = re.sub(r"\s(?:defer|async)(?:=\"[^\"]*\")?", "", m.group(1) + m.group(3))
        body = found.read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script{attrs}>{body}</script>"

    def style(m: re.Match) -> str:
        href = re.search(r'href="([^"]+)"', m.group(0))
        found = _local(page, href.group(1)) if href else None
        return f"<style>{_css(found)}</style>" if found else ""

    def image(m: re.Match) -> str:
        found = _local(page, m.group(2))
        if found is None:
            return m.group(0)
        data = base64.b64encode(found.read_bytes()).decode()
        return f"{m.group(1)}data:{_MIME.get(found.suffix.lower(), 'application/octet-stream')};base64,{data}{m.group(3)}"

    text = _SAME_PAGE.sub('href="#', text)  # the chapter, glossary and references are all on this page
    text = _SCRIPT.sub(script, text)
    text = _STYLE.sub(style, text)
    return _IMG.sub(image, text)
