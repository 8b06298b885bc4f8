"""Build the website (``make book``): execute what changed, stage, render, publish.

Papermill is the only executor (:mod:`analysis.build.execution`, which reuses
what :mod:`analysis.build.cache` holds); the executed copies are staged beside
the other sources (:mod:`analysis.build.stage`) and Jupyter Book's Sphinx
renders them with execution off (:mod:`analysis.build.render`). Everything
happens in a staging folder, and the finished site replaces ``_build/html``
only when every step succeeded (:mod:`analysis.build.publish`), so a failed
run never overwrites a good build. Editions: :mod:`analysis.build.editions`.
"""

from __future__ import annotations

import os
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from analysis import params as P
from analysis.build import cache, execution, publish, render, stage
from analysis.build.project import BUILD, NOTEBOOKS, ROOT, BuildError, show


def split_by_notebook(values: dict[str, object]) -> dict[str, dict[str, object]]:
    """Validate overrides and hand each notebook only the parameters it declares (as validated: 5e2 runs as 500)."""
    checked = P.validate(values)
    return {nb: {k: checked[k] for k in values if k in P.for_notebook(nb)} for nb in NOTEBOOKS}


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
            publish.recover(out)
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
        raise BuildError(f"cannot write {show(BUILD)} ({err.strerror or type(err).__name__}): "
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
            print(f"waiting for another build in {show(BUILD)} to finish", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(per_notebook: dict[str, dict], jobs: int, out: Path, edition: str, config_extra: dict | None, student: bool,
           handouts) -> Path:
    """:func:`build`, once the inputs are checked and the lock is held; ``handouts``: the edition's
    :class:`analysis.build.handouts.SiteHandouts`, printed beside the notebooks and placed in the site."""
    from analysis import data

    keys = {name: cache.key(ROOT / NOTEBOOKS[name], per_notebook[name])["key"] for name in NOTEBOOKS}
    to_run = [name for name in NOTEBOOKS if cache.cached_copy(name, keys[name]) is None]
    # Rendering runs in a process of its own. When notebooks are to run, it starts now and
    # prepares Sphinx on the other core while this process checks the data and the kernels work.
    renderer = ProcessPoolExecutor(max_workers=1)
    try:
        if to_run:
            renderer.submit(render.import_renderer)
        dataset = data.load()  # a broken data file stops the build before anything is written or any kernel starts
        printing = handouts.start(dataset)
        source = BUILD / "site-src" / edition
        sources, sources_changed = stage.sources(source, config_extra, handouts.staged_pages())
        digest = render.shape_digest(source)
        everything = render.rendered_with(source) != digest  # what shapes every page changed: re-render them all
        if to_run:
            renderer.submit(render.open_sphinx, str(source), everything)
            import papermill  # noqa: F401  imported once here; the workers are forked from this process

            # Twice the cores: a kernel spends part of its start waiting, which another can fill.
            executed = execution.execute_all(per_notebook, jobs or min(len(NOTEBOOKS), 2 * (os.cpu_count() or 1)))
        else:
            executed = {name: cache.executed_path(name, keys[name]) for name in NOTEBOOKS}
            for name in NOTEBOOKS:
                executed[name].touch()  # most recently used: kept by cache.prune_executed
                print(f"up to date: {NOTEBOOKS[name]}")
        changed, staged = stage.complete(source, sources, executed, config_extra, student=student)
        changed |= sources_changed
        rendered = source / "_build" / "html"
        # What the published site must show: the staged sources (executed notebooks included) as rendered
        # with these shapers. A build killed after staging and before publishing changes none of it.
        signature = {"edition": edition, "executed": {n: p.name for n, p in sorted(executed.items())},
                     "staged": staged, "shape": digest, "handouts": handouts.key}
        if not changed and not everything:
            handouts.place(rendered, handouts.folder(printing))
            recorded = publish.read_manifest(out)
            if recorded is not None and recorded["signature"] == signature:
                if publish.site_files(out) == recorded["files"]:
                    print(f"nothing changed: {show(out)} is up to date")
                    return out
                if publish.site_files(rendered) == recorded["files"]:
                    # The site was damaged (a page deleted, truncated, or written by another tool); the render is whole.
                    publish.site(rendered, out)
                    publish.write_manifest(out, signature, recorded["files"])
                    print(f"restored {show(out)} from the last render: open {show(out)}/index.html")
                    return out
                everything = True  # the render itself is damaged: Sphinx would not rewrite a page whose source is unchanged
        render.jupyter_book(source, everything=everything, renderer=renderer)
    finally:
        renderer.shutdown(wait=True, cancel_futures=True)
    cache.prune_executed()
    render.record_render(source, digest)
    handouts.place(rendered, handouts.folder(printing))
    files = publish.site_files(rendered)
    publish.site(rendered, out)
    publish.write_manifest(out, signature, files)
    print(f"built the book: open {show(out)}/index.html")
    return out
