"""Build the website: execute every notebook with papermill, then render with Jupyter Book.

Papermill is the only executor; Jupyter Book renders the executed copies with
execution off. Everything happens in a staging folder, and the finished site
replaces ``_build/html`` only when every step succeeded, so a failed run never
overwrites a good build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from analysis import params as P

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = ROOT / "_build"

# Notebook name -> source path, in reading order. "index" is the front page (the claims ledger).
NOTEBOOKS: dict[str, str] = {
    "index": "book/index.ipynb",
    "training_compute": "book/training_compute.ipynb",
    "inference_vs_search": "book/inference_vs_search.ipynb",
    "parameters": "book/parameters.ipynb",
}

# Copied into the staging folder as they are (executed notebooks are added separately).
SOURCES = ("_config.yml", "_toc.yml", "book", "data")
STATUS_PAGE = "book/build_status.md"
STATUS_MARKER = "BUILD-STATUS"
STATUS_PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "papermill", "pandas", "numpy", "altair", "vl-convert-python")


IN_BOOK = "ANALYSIS_IN_BOOK"  # analysis.charts.IN_BOOK: set for the kernels that execute the book's notebooks


class BuildError(RuntimeError):
    """A step of the build failed; the previous site is untouched.

    ``one_line``: the message says all there is (nothing was started, so there is nothing to reassure about).
    """

    def __init__(self, message: str, one_line: bool = False):
        super().__init__(message)
        self.one_line = one_line


def split_by_notebook(values: dict[str, object]) -> dict[str, dict[str, object]]:
    """Validate overrides and hand each notebook only the parameters it declares (as validated: 5e2 runs as 500)."""
    checked = P.validate(values)
    return {nb: {k: checked[k] for k in values if k in P.for_notebook(nb)} for nb in NOTEBOOKS}


# What papermill and the kernel record that says when or where a notebook ran, not what it computed.
VOLATILE_METADATA = ("start_time", "end_time", "duration")


def finish_executed(path: Path, source: str) -> None:
    """Make an executed notebook fit to publish: papermill's injected cell hidden, nothing of the machine that ran it.

    papermill records the absolute input and output paths (the builder's
    checkout and cache folders) and the times of each cell; the published
    notebook (a download on every page) keeps the repository path of its
    source, and no times, so the same inputs give the same bytes anywhere.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    record = nb.get("metadata", {}).get("papermill", {})
    if record:
        record["input_path"], record["output_path"] = source, None
        for key in VOLATILE_METADATA:
            record.pop(key, None)
    for i, cell in enumerate(nb["cells"]):
        if "outputs" in cell:
            cell["outputs"] = merged_streams(cell["outputs"])
        for j, output in enumerate(cell.get("outputs", [])):
            for mime, text in output.get("data", {}).items():
                if "html" in mime:
                    output["data"][mime] = _pinned_table_ids(text, f"{source}:{i}:{j}")
                elif mime.endswith("text/plain"):  # "<pandas...Styler at 0x7f...>": a memory address
                    output["data"][mime] = _no_addresses(text)
        meta = cell.get("metadata", {})
        meta.pop("execution", None)  # the kernel's timestamps
        for key in VOLATILE_METADATA:
            meta.get("papermill", {}).pop(key, None)
        tags = meta.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def merged_streams(outputs: list[dict]) -> list[dict]:
    """``outputs`` with each run of consecutive stdout (or stderr) messages joined into one, its text as lines.

    How a kernel splits printed text into messages depends on when it flushes, which varies from run
    to run ("...32.70x\\n" in one message, or "...32.70x" and "\\n" in two); the text is the same.
    """
    def text(output: dict) -> str:
        return "".join(output["text"]) if isinstance(output["text"], list) else output["text"]

    merged: list[dict] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if output.get("output_type") != "stream":
            merged.append(output)
        elif previous is not None and previous.get("output_type") == "stream" and previous.get("name") == output.get("name"):
            previous["text"] = (text(previous) + text(output)).splitlines(keepends=True)
        else:
            merged.append({**output, "text": text(output).splitlines(keepends=True)})
    return merged


_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def _no_addresses(text: str | list[str]) -> str | list[str]:
    """An object's text form without the memory address Python prints in it (different on every run)."""
    return [_ADDRESS.sub(">", t) for t in text] if isinstance(text, list) else _ADDRESS.sub(">", text)


_TABLE_ID = re.compile(r"(?<=T_)[0-9a-f]{5}(?![0-9a-f])")


def _pinned_table_ids(text: str | list[str], where: str) -> str | list[str]:
    """A styled table's HTML with pandas' random element ids (``T_8753d``) replaced by ids from where it is.

    pandas' Styler names each table with a random ``uuid``; the same table in
    the same place now gets the same id in every build.
    """
    whole = "".join(text) if isinstance(text, list) else text
    found = list(dict.fromkeys(_TABLE_ID.findall(whole)))
    if not found:
        return text
    pinned = {old: hashlib.sha256(f"{where}:{k}".encode()).hexdigest()[:5] for k, old in enumerate(found)}
    whole = _TABLE_ID.sub(lambda m: pinned[m.group(0)], whole)
    return whole.splitlines(keepends=True) if isinstance(text, list) else whole


def execute(name: str, parameters: dict[str, object], output: Path) -> float:
    """Run one notebook with papermill into ``output``; return seconds taken.

    The executed notebook is written beside ``output`` first and moved into
    place only if every cell ran, so ``output`` is either the old or the new
    good result, even when the run is interrupted (Ctrl-C): the partial file
    is always removed.
    """
    import papermill as pm

    from analysis.build.papermill_ext import ENGINE  # registers the engine and the parameter check

    source = ROOT / NOTEBOOKS[name]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.{uuid.uuid4().hex}.partial.ipynb")
    start = time.perf_counter()
    sockets = tempfile.TemporaryDirectory(prefix="kernel-")
    os.environ[IN_BOOK] = "1"  # inherited by the kernel: the book's pages bring Vega, so charts do not (analysis.charts)
    try:
        pm.execute_notebook(
            str(source), str(partial), parameters=parameters, cwd=str(source.parent),
            kernel_name="python3", progress_bar=False, log_output=False, engine_name=ENGINE,
            config=kernel_config(Path(sockets.name)),
            # Every output is in hand when the last cell ends; a graceful shutdown then waits
            # for the kernel to exit (0.1 s, at times 3 s) for nothing the notebook needs.
            shutdown_kernel="immediate",
        )
        finish_executed(partial, NOTEBOOKS[name])
        os.replace(partial, output)
    except Exception as err:
        failed = BUILD / "failed" / source.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        if partial.exists():
            os.replace(partial, failed)
        raise BuildError(f"{NOTEBOOKS[name]}: execution failed ({type(err).__name__}); the partly executed notebook is in {failed.relative_to(ROOT)}\n{err}") from None
    finally:
        partial.unlink(missing_ok=True)
        sockets.cleanup()
        os.environ.pop(IN_BOOK, None)
    return time.perf_counter() - start


def kernel_config(folder: Path):
    """Kernels talk to this process over Unix sockets in ``folder``, not TCP.

    Only this user can reach them (TCP ports are open to every local user, and
    the kernel warns so on every start), and no two kernels started at once
    can pick the same port.
    """
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}})


def write_parameters_cells() -> list[str]:
    """Regenerate each notebook's ``parameters`` cell from analysis/params.py; return changed paths."""
    changed = []
    for name, rel in NOTEBOOKS.items():
        path = ROOT / rel
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                new = P.parameters_cell(name)
                if "".join(cell["source"]) != new:
                    cell["source"] = new
                    changed.append(rel)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


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


def _deep_update(base: dict, extra: dict) -> dict:
    """Merge ``extra`` into ``base`` key by key, recursing into nested mappings."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


def _sources(target: Path, config_extra: dict | None) -> dict[Path, bytes]:
    """The staged files that do not depend on execution: configuration, table of contents, pages, data.

    Not the notebooks, and not the Build status page (a template filled in by :func:`stage`).
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
        _deep_update(config, config_extra)
        wanted[target / "_config.yml"] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode()
    return wanted


def _sync_files(wanted: dict[Path, bytes]) -> bool:
    """Write each file whose content differs; return whether any did."""
    changed = False
    for dst, content in wanted.items():
        changed |= _sync_file(content, dst)
    return changed


def stage_sources(target: Path, config_extra: dict | None = None,
                  pages: dict[str, bytes] | None = None) -> tuple[dict[Path, bytes], bool]:
    """Bring the staged sources that do not depend on execution up to date; return them, and whether any changed.

    ``pages``: pages staged with other content than their source's (by path relative to the repository).
    Done before the notebooks run, so the renderer can load the configuration
    and extensions meanwhile. Nothing is deleted here; :func:`stage` does that.
    """
    sources = _sources(target, config_extra)
    sources.update({target / rel: content for rel, content in (pages or {}).items()})
    return sources, _sync_files(sources)


def stage(target: Path, sources: dict[Path, bytes], executed: dict[str, Path], config_extra: dict | None = None,
          student: bool = False) -> bool:
    """Complete the staging folder ``target``; return whether anything changed.

    ``sources`` are the files :func:`stage_sources` already put there; this adds
    the executed notebooks and the Build status page, and deletes anything else.
    The folder persists between builds, so Sphinx's incremental build re-renders
    only pages whose sources changed.
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
    return changed


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


# Modules the book's Sphinx build imports, loaded by the render process ahead of time.
RENDER_MODULES = ("jupyter_book.config", "sphinx.application", "myst_nb.sphinx_ext", "sphinx_book_theme", "sphinx_exercise",
                  "sphinxcontrib.bibtex", "sphinx_design", "sphinx_togglebutton", "sphinx_copybutton", "sphinx_external_toc",
                  "sphinx_jupyterbook_latex", "sphinx_multitoc_numbering", "analysis.build.sphinx_ext")


def _import_renderer() -> None:
    """Import Jupyter Book, Sphinx and the extensions in the render process (about half a second)."""
    import importlib

    for module in RENDER_MODULES:
        importlib.import_module(module)


# The render process keeps the Sphinx application it opened ahead of the build here.
# Sphinx and its extensions keep state in modules, so a process opens one application, once.
_OPENED: dict = {}


def _open_sphinx(source: str, everything: bool, builder: str = "html", strict: bool = True) -> None:
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


def _render(source: str, everything: bool, builder: str = "html", strict: bool = True) -> tuple[int, str]:
    """Build ``source`` with the application opened for it (opening it now if need be); the exit code and log."""
    import traceback

    if not _OPENED:
        _open_sphinx(source, everything, builder, strict)
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
    code, log = renderer.submit(_render, str(source), everything).result()
    if code != 0:
        lines = [line for line in log.strip().splitlines() if line.strip()]
        raise BuildError("jupyter-book build failed:\n" + "\n".join(lines[-40:]))


def replace_dir(new: Path, old: Path) -> None:
    """Put ``new`` where ``old`` is, keeping ``old`` until ``new`` is in place."""
    trash = old.with_name(f".{old.name}.old-{uuid.uuid4().hex}")
    if old.exists():
        os.replace(old, trash)
    os.replace(new, old)
    shutil.rmtree(trash, ignore_errors=True)


def publish(html: Path, out: Path) -> None:
    """Copy a finished site to ``out`` in one step: readers never see half of it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.with_name(f".{out.name}.new-{uuid.uuid4().hex}")
    try:
        shutil.copytree(html, fresh)
        replace_dir(fresh, out)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)  # only left when copying stopped part-way


KEEP_EXECUTED = 20  # executed copies kept per notebook (the most recently used)
KEEP_SECONDS = 3600  # and never one used in the last hour, which another build may be reading


def prune_executed(keep: int = KEEP_EXECUTED, min_age_s: float = KEEP_SECONDS) -> list[Path]:
    """Delete all but the ``keep`` most recently used executed copies of each notebook; return what went.

    Copies used within ``min_age_s`` seconds stay whatever their rank. The cache
    only saves time, so dropping old entries never loses a result: a build that
    needs one again re-executes it.
    """
    removed = []
    folder = BUILD / "executed"
    now = time.time()
    for name in NOTEBOOKS:
        copies = sorted(folder.glob(f"{name}.*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in copies[keep:]:
            if now - old.stat().st_mtime < min_age_s:
                continue
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)
            removed.append(old)
    return removed


def executed_path(name: str, key: str) -> Path:
    """Where the executed copy of notebook ``name`` for cache key ``key`` lives."""
    return BUILD / "executed" / f"{name}.{key[:16]}.ipynb"


def cached_execute(name: str, parameters: dict[str, object]) -> tuple[Path, bool]:
    """Path of the executed notebook for these inputs, and whether it was reused."""
    from analysis.build import cache

    record = cache.key(ROOT / NOTEBOOKS[name], parameters)
    executed = executed_path(name, record["key"])
    if cached_copy(name, record["key"]) is not None:
        executed.touch()  # most recently used: kept by prune_executed
        return executed, True
    seconds = execute(name, parameters, executed)
    from datetime import datetime, timezone

    meta = {**record, "notebook": NOTEBOOKS[name], "seconds": round(seconds, 2),
            "executed": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "sha256": hashlib.sha256(executed.read_bytes()).hexdigest()}
    partial = executed.with_name(f".{executed.stem}.{uuid.uuid4().hex}.partial.json")
    partial.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(partial, executed.with_suffix(".json"))
    return executed, False


def cached_copy(name: str, key: str) -> Path | None:
    """The executed copy of ``name`` for ``key`` if it is whole, else None (and it will be executed again).

    Whole means: its record exists and names the SHA-256 the file has, so a
    copy that is empty, cut short, edited or left without its record (a build
    killed between the two writes) is never rendered.
    """
    executed = executed_path(name, key)
    try:
        meta = json.loads(executed.with_suffix(".json").read_text(encoding="utf-8"))
        whole = meta["sha256"] == hashlib.sha256(executed.read_bytes()).hexdigest()
    except (OSError, ValueError, KeyError, TypeError):
        whole = False
    return executed if whole else None


DURATIONS = BUILD / "durations.json"  # seconds each notebook took when it last ran, written by every build that ran one


def expected_seconds(name: str) -> float:
    """How long ``name`` took when it last ran (``_build/durations.json``); 0 if it never ran here."""
    try:
        return float(json.loads(DURATIONS.read_text(encoding="utf-8"))[name])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def record_durations(seconds: dict[str, float]) -> None:
    """Add this build's measured execution times to ``_build/durations.json`` (written whole)."""
    try:
        known = json.loads(DURATIONS.read_text(encoding="utf-8"))
        known = known if isinstance(known, dict) else {}
    except (OSError, ValueError):
        known = {}
    known.update({name: round(s, 2) for name, s in seconds.items()})
    partial = DURATIONS.with_name(f".{DURATIONS.name}.{uuid.uuid4().hex}.partial")
    partial.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, DURATIONS)


def build(
    values: dict[str, object] | None = None,
    jobs: int = 0,
    out: Path | None = None,
    edition: str = "default",
    config_extra: dict | None = None,
    student: bool = False,
    scenario: dict | None = None,
) -> Path:
    """Execute what changed, render, and publish the site to ``out`` (default ``_build/html``).

    ``student`` leaves the exercises' solutions out of the pages (and the answer keys out of the handouts).
    ``scenario``: the scenario the ``values`` come from, named on the handouts.

    A notebook runs only if its cache key (see :mod:`analysis.build.cache`) changed;
    Sphinx re-renders only the pages whose staged sources changed; if nothing
    changed and ``out`` is current, nothing runs at all.
    """
    from analysis.build.handouts import HandoutsError, SiteHandouts

    per_notebook = split_by_notebook(values or {})  # bad input is refused before anything is touched
    out = out or BUILD / "html"
    try:
        handouts = SiteHandouts(values, scenario, student)
        with build_lock(edition):
            recover(out)
            return _build(per_notebook, jobs, out, edition, config_extra, student, handouts)
    except HandoutsError as err:
        raise BuildError(str(err), one_line=err.one_line) from None


def writable_build_folder() -> None:
    """Refuse, with one line, a ``_build`` this user cannot create or write."""
    probe = BUILD / f".write-test-{uuid.uuid4().hex}"
    try:
        BUILD.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise BuildError(f"cannot write {_show(BUILD)} ({err.strerror or type(err).__name__}): "
                         "make it a folder this user can write, or remove it, and build again", one_line=True) from None


@contextmanager
def build_lock(edition: str):
    """Hold ``_build/.lock-EDITION`` while building: a second build of the edition started meanwhile waits for the first.

    Two builds of one edition at once would write the same staging folder and
    site (builds of different editions share only the cache, whose every file
    is written whole, and run side by side); the lock
    (an advisory ``flock``, released by the system when a process dies, even
    by SIGKILL) makes them take turns.
    """
    import fcntl

    writable_build_folder()
    with open(BUILD / f".lock-{edition}", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another build in {_show(BUILD)} to finish", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(out: Path) -> None:
    """Undo what a build killed while publishing left: put the previous site back, drop half-made copies.

    :func:`replace_dir` moves the old site aside before moving the new one in;
    a build killed between the two leaves the old one beside ``out``.
    """
    if not out.exists():
        aside = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if aside:
            os.replace(aside[-1], out)
    for leftover in [*out.parent.glob(f".{out.name}.old-*"), *out.parent.glob(f".{out.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def _build(per_notebook: dict[str, dict], jobs: int, out: Path, edition: str, config_extra: dict | None, student: bool,
           handouts) -> Path:
    """:func:`build`, once the inputs are checked and the lock is held; ``handouts``: the edition's
    :class:`analysis.build.handouts.SiteHandouts`, printed beside the notebooks and placed in the site."""
    from analysis import data
    from analysis.build import cache

    keys = {name: cache.key(ROOT / NOTEBOOKS[name], per_notebook[name])["key"] for name in NOTEBOOKS}
    to_run = [name for name in NOTEBOOKS if cached_copy(name, keys[name]) is None]
    # Rendering runs in a process of its own. When notebooks are to run, it starts now and
    # prepares Sphinx on the other core while this process checks the data and the kernels work.
    renderer = ProcessPoolExecutor(max_workers=1)
    try:
        if to_run:
            renderer.submit(_import_renderer)
        dataset = data.load()  # a broken data file stops the build before anything is written or any kernel starts
        printing = handouts.start(dataset)
        source = BUILD / "site-src" / edition
        sources, sources_changed = stage_sources(source, config_extra, handouts.staged_pages())
        # The configuration, the table of contents and the Sphinx extension shape every page:
        # a change to any of them re-renders them all (Sphinx alone would keep stale pages).
        marker = source / "_build" / ".everything-digest"
        # So do the style sheets and scripts: Sphinx copies static files only when some page is rebuilt.
        shapers = [ROOT / "analysis" / "build" / "sphinx_ext.py", source / "_config.yml", source / "_toc.yml",
                   *sorted((source / "book" / "_static").glob("*.*"))]
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in shapers)).hexdigest()
        everything = not marker.exists() or marker.read_text() != digest
        if to_run:
            renderer.submit(_open_sphinx, str(source), everything)
            import papermill  # noqa: F401  imported once here; the workers are forked from this process

            # Twice the cores: a kernel spends part of its start waiting, which another can fill.
            executed = _execute_all(per_notebook, jobs or min(len(NOTEBOOKS), 2 * (os.cpu_count() or 1)))
        else:
            executed = {name: executed_path(name, keys[name]) for name in NOTEBOOKS}
            for name in NOTEBOOKS:
                executed[name].touch()  # most recently used: kept by prune_executed
                print(f"up to date: {NOTEBOOKS[name]}")
        changed = stage(source, sources, executed, config_extra, student=student) or sources_changed
        rendered = source / "_build" / "html"
        signature = {"edition": edition, "executed": {n: p.name for n, p in sorted(executed.items())}, "handouts": handouts.key}
        if not changed and not everything:
            handouts.place(rendered, handouts.folder(printing))
            recorded = read_manifest(out)
            if recorded is not None and recorded["signature"] == signature:
                if site_files(out) == recorded["files"]:
                    print(f"nothing changed: {_show(out)} is up to date")
                    return out
                if site_files(rendered) == recorded["files"]:
                    # The site was damaged (a page deleted, truncated, or written by another tool); the render is whole.
                    publish(rendered, out)
                    write_manifest(out, signature, recorded["files"])
                    print(f"restored {_show(out)} from the last render: open {_show(out)}/index.html")
                    return out
                everything = True  # the render itself is damaged: Sphinx would not rewrite a page whose source is unchanged
        jupyter_book(source, everything=everything, renderer=renderer)
    finally:
        renderer.shutdown(wait=True, cancel_futures=True)
    prune_executed()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(digest)
    handouts.place(rendered, handouts.folder(printing))
    files = site_files(rendered)
    publish(rendered, out)
    write_manifest(out, signature, files)
    print(f"built the book: open {_show(out)}/index.html")
    return out


def site_files(folder: Path) -> dict[str, str]:
    """Every file of a site, by path relative to it, with its SHA-256: what the site is, not what a record says."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def manifest_path(out: Path) -> Path:
    """The manifest of the site published to ``out``: beside it, so it is never published itself."""
    return out.with_name(f".{out.name}.manifest.json")


def read_manifest(out: Path) -> dict | None:
    """The manifest written when ``out`` was last published, or None if there is none (or it is unreadable)."""
    try:
        recorded = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) and {"signature", "files"} <= set(recorded) else None


def write_manifest(out: Path, signature: dict, files: dict[str, str]) -> None:
    """Record what was published to ``out``: the inputs (``signature``) and every file with its hash."""
    path = manifest_path(out)
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")
    partial.write_text(json.dumps({"signature": signature, "files": files}, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def _execute_all(per_notebook: dict[str, dict], workers: int) -> dict[str, Path]:
    """Execute (or reuse) every notebook in parallel, longest first; raise one BuildError for all failures."""
    executed: dict[str, Path] = {}
    errors = []
    # Longest first (as measured at the last build that ran each): on few cores the slowest
    # notebook must not start last and run alone. Never run here: reading order.
    order = sorted(NOTEBOOKS, key=expected_seconds, reverse=True)
    measured = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        submitted = {name: pool.submit(cached_execute, name, per_notebook[name]) for name in order}
        for name in NOTEBOOKS:  # reported in reading order
            try:
                executed[name], reused = submitted[name].result()
                print(f"{'up to date' if reused else 'executed'}: {NOTEBOOKS[name]}")
                if not reused:
                    measured[name] = json.loads(executed[name].with_suffix(".json").read_text(encoding="utf-8"))["seconds"]
            except BuildError as err:
                errors.append(str(err))
    if measured:
        record_durations(measured)
    if errors:
        raise BuildError("\n".join(errors))
    return executed


def _show(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def edition_banner(values: dict[str, object], scenario: dict | None) -> str:
    """The line every page of a non-default edition shows: which scenario, and what differs."""
    changed = []
    for name, value in values.items():
        p = P.PARAMETERS[name]
        if value != p.default:
            changed.append(f"<code>{name}</code> = {p.show(value)} (default {p.show(p.default)})")
    title = f"Scenario edition: <b>{scenario['title']}</b>." if scenario else "Edition with changed parameters."
    what = "Parameters changed from the defaults: " + "; ".join(changed) + "." if changed else "No parameter differs from the defaults."
    return f"{title} {what}"


MAX_NAME = 150


def run_name(notebook: str, overrides: dict[str, object]) -> str:
    """A folder name that says what was run: ``training_compute__price_usd_per_gpu_hour=4``.

    A name too long for a folder is cut and ends with a hash of the whole, so
    two different runs never share a folder.
    """
    parts = [notebook] + [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in sorted(overrides.items())]
    name = re.sub(r"[^A-Za-z0-9_.=,+-]", "_", "__".join(parts))
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return f"{name[:MAX_NAME - 14]}__{digest}"



def edition_name(values: dict[str, object], scenario: dict | None) -> str | None:
    """Folder name of a non-default edition, or None for the default book."""
    if scenario:
        return scenario["name"]
    if not values:
        return None
    return run_name("custom", values)


EDITIONS = ("default", "student")
STUDENT_BANNER = "Student edition: the exercises are here, their solutions are not."


def build_edition(values: dict[str, object], scenario: dict | None = None, jobs: int = 0, edition: str = "default") -> Path:
    """Build one edition of the book into its own folder.

    The default book goes to ``_build/html``; a scenario (or other changed
    parameters) to ``_build/scenarios/<name>/html``; the student edition, which
    leaves out the solutions, to ``_build/student/html`` (or
    ``_build/scenarios/<name>/student/html``). Every page of a non-default
    edition carries a banner saying what it is.
    """
    name = edition_name(values, scenario)
    student = edition == "student"
    banners, extra = [], {}
    if name is not None:
        banners.append(edition_banner(values, scenario))
    if student:
        banners.append(STUDENT_BANNER)
    if banners:
        extra = _deep_update(extra, {"html": {"announcement": " ".join(banners)}})
    if name is None and not student:
        return build({}, jobs=jobs)
    out, label = edition_site(values, scenario, edition)
    return build(values, jobs=jobs, out=out, edition=label, config_extra=extra, student=student, scenario=scenario)


def edition_site(values: dict[str, object], scenario: dict | None = None, edition: str = "default") -> tuple[Path, str]:
    """Where an edition's site is published, and its label (``default``, ``student``, ``scenario-search-2009-student``).

    The default book is ``_build/html``; a scenario (or other changed parameters)
    ``_build/scenarios/<name>/html``; the student edition ``_build/student/html``
    (or ``_build/scenarios/<name>/student/html``).
    """
    if edition not in EDITIONS:
        raise BuildError(f"edition {edition!r} is unknown; allowed: {', '.join(EDITIONS)}")
    name = edition_name(values, scenario)
    student = edition == "student"
    folder = (BUILD / "scenarios" / name) if name else BUILD
    out = folder / "student" / "html" if student else folder / "html"
    label = "-".join(filter(None, ["scenario" if name else "", name or "", "student" if student else ""]))
    return out, label or "default"


def archive_path(label: str) -> Path:
    """``_build/site.tar.gz`` for the default edition, ``_build/site-<label>.tar.gz`` for any other."""
    return BUILD / ("site.tar.gz" if label == "default" else f"site-{label}.tar.gz")


def archive(site: Path | None = None, target: Path | None = None) -> Path:
    """Pack a built site into one ``.tar.gz`` that any static host can serve as it is.

    ``.nojekyll`` tells GitHub Pages to serve folders whose names start with an
    underscore (``_static``), which Jekyll would otherwise drop.
    """
    import tarfile

    site = site or BUILD / "html"
    target = target or BUILD / "site.tar.gz"
    if not (site / "index.html").exists():
        raise BuildError(f"{_show(site)} holds no built site: run 'make book' first")
    partial = target.with_name(f".{target.name}.partial")
    with tarfile.open(partial, "w:gz") as tar:
        tar.add(site, arcname="site")
        if not (site / ".nojekyll").exists():  # added to the archive, not the site: the site stays as its manifest says
            tar.addfile(tarfile.TarInfo("site/.nojekyll"))
    os.replace(partial, target)
    return target
