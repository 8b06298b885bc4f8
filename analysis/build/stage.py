"""Stage the book for Sphinx: a source folder per edition, ``_build/site-src/EDITION``, kept between builds.

:func:`sources` writes what does not depend on execution (configuration, table
of contents, pages, data) before the notebooks run; :func:`complete` adds the
executed notebooks (without solutions in the student edition:
:func:`strip_solutions`) and the Build status page, and deletes anything else.
A file is written only when its content differs, so Sphinx's incremental build
re-renders only the pages whose sources changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from analysis.build.project import NOTEBOOKS, ROOT

# Copied into the staging folder as they are (executed notebooks are added separately).
SOURCES = ("_config.yml", "_toc.yml", "book", "data")
STATUS_PAGE = "book/build_status.md"
STATUS_MARKER = "BUILD-STATUS"
STATUS_PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "papermill", "pandas", "numpy", "altair", "vl-convert-python")


def _sync_file(src_bytes: bytes, dst: Path) -> bool:
    """Write ``dst`` only if its content differs (Sphinx then re-reads only what changed)."""
    if dst.exists() and dst.read_bytes() == src_bytes:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src_bytes)
    return True


SOLUTION_START = re.compile(r"```\{solution-start\}")
SOLUTION_END = re.compile(r"```\{solution-end\}\s*```\s*")


def strip_solutions(notebook: bytes) -> bytes:
    """The notebook without its exercises' solutions: everything from each solution-start to its solution-end.

    sphinx-exercise's own ``hide_solutions`` fails on gated solutions (those
    with code cells inside), so the student edition removes them before Sphinx
    sees them. A Markdown cell may end one solution and start the next.
    """
    nb = json.loads(notebook)
    cells, inside = [], False
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            if not inside:
                cells.append(cell)
            continue
        text, kept = "".join(cell["source"]), []
        while text:
            if inside:
                end = SOLUTION_END.search(text)
                if not end:
                    text = ""
                    break
                text, inside = text[end.end():], False
            else:
                start = SOLUTION_START.search(text)
                if not start:
                    kept.append(text)
                    break
                kept.append(text[:start.start()])
                text, inside = text[start.end():], True
        kept_text = "".join(kept).strip()
        if kept_text:
            cells.append({**cell, "source": kept_text})
    nb["cells"] = cells
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def deep_update(base: dict, extra: dict) -> dict:
    """Merge ``extra`` into ``base`` key by key, recursing into nested mappings."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_update(base[key], value)
        else:
            base[key] = value
    return base


def _wanted(target: Path, config_extra: dict | None) -> dict[Path, bytes]:
    """The staged files that do not depend on execution: configuration, table of contents, pages, data.

    Not the notebooks, and not the Build status page (a template filled in by :func:`complete`).
    """
    import yaml

    wanted: dict[Path, bytes] = {}
    for rel in SOURCES:
        src = ROOT / rel
        files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
        for f in files:
            if f.suffix == ".ipynb" or ".ipynb_checkpoints" in f.parts or "__pycache__" in f.parts or f == ROOT / STATUS_PAGE:
                continue
            wanted[target / f.relative_to(ROOT)] = f.read_bytes()
    if config_extra:
        config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
        deep_update(config, config_extra)
        wanted[target / "_config.yml"] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode()
    return wanted


def _sync_files(wanted: dict[Path, bytes]) -> bool:
    """Write each file whose content differs; return whether any did."""
    changed = False
    for dst, content in wanted.items():
        changed |= _sync_file(content, dst)
    return changed


def sources(target: Path, config_extra: dict | None = None,
            pages: dict[str, bytes] | None = None) -> tuple[dict[Path, bytes], bool]:
    """Bring the staged sources that do not depend on execution up to date; return them, and whether any changed.

    ``pages``: pages staged with other content than their source's (by path relative to the repository).
    Done before the notebooks run, so the renderer can load the configuration
    and extensions meanwhile. Nothing is deleted here; :func:`complete` does that.
    """
    wanted = _wanted(target, config_extra)
    wanted.update({target / rel: content for rel, content in (pages or {}).items()})
    return wanted, _sync_files(wanted)


def complete(target: Path, sources: dict[Path, bytes], executed: dict[str, Path], config_extra: dict | None = None,
             student: bool = False) -> tuple[bool, str]:
    """Complete the staging folder ``target``; return whether anything changed, and a digest of all it holds.

    ``sources`` are the files :func:`sources` already put there; this adds
    the executed notebooks and the Build status page, and deletes anything else.
    The folder persists between builds, so Sphinx's incremental build re-renders
    only pages whose sources changed. The digest (SHA-256 over every staged
    file's path and content) names what a render of the folder shows, whether
    or not this call changed it: a build killed after staging but before
    publishing leaves nothing to change, yet its pages are not published.
    """
    added = {target / NOTEBOOKS[name]: strip_solutions(path.read_bytes()) if student else path.read_bytes()
             for name, path in executed.items()}
    status = target / STATUS_PAGE
    added[status] = status_page(executed, config_extra, status).encode("utf-8")
    changed = _sync_files(added)
    for old in [p for p in target.rglob("*") if p.is_file() and "_build" not in p.relative_to(target).parts]:
        if old not in sources and old not in added:
            old.unlink()
            changed = True
    digest = hashlib.sha256()
    for path, content in sorted({**sources, **added}.items()):
        digest.update(f"{path.relative_to(target).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    return changed, digest.hexdigest()


def status_page(executed: dict[str, Path], config_extra: dict | None, previous: Path) -> str:
    """The Build status page: notebooks, run times, software versions and data fingerprints of this edition.

    The build date changes only when something else on the page changed, so an
    unchanged book stays unchanged (and is not rebuilt).
    """
    from datetime import datetime, timezone
    from importlib.metadata import version

    from analysis import __version__
    from analysis.build import cache

    rows = ["| Notebook | Executed | Seconds |", "|---|---|---|"]
    for name, path in executed.items():
        meta_path = path.with_suffix(".json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        rows.append(f"| `{NOTEBOOKS[name]}` | {meta.get('executed', 'n/a')} | {meta.get('seconds', 'n/a')} |")
    packages = ["| Package | Version |", "|---|---|", f"| analysis (this book) | {__version__} |"]
    packages += [f"| {p} | {version(p)} |" for p in STATUS_PACKAGES]
    hashes = ["| File | SHA-256 |", "|---|---|"] + [f"| `{f}` | `{h[:16]}…` |" for f, h in cache.data_hashes().items()]
    edition = (config_extra or {}).get("html", {}).get("announcement", "The default edition: every parameter at its default.")
    body = "\n".join([
        "## This edition", "", re.sub(r"<[^>]+>", "", edition), "",
        "## Notebooks", "", "Each was executed by papermill; a notebook whose inputs did not change since its last run was reused.", "", *rows, "",
        "## Software", "", *packages, "",
        "## Data files", "", *hashes, "",
    ])
    template = (ROOT / STATUS_PAGE).read_text(encoding="utf-8")
    old = previous.read_text(encoding="utf-8") if previous.exists() else ""
    if body in old:
        return old
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return template.replace(STATUS_MARKER, f"Built on {stamp}.\n\n{body}")


