"""Build the website: execute every notebook with papermill, then render with Jupyter Book.

Papermill is the only executor; Jupyter Book renders the executed copies with
execution off. Everything happens in a staging folder, and the finished site
replaces ``_build/html`` only when every step succeeded, so a failed run never
overwrites a good build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from analysis import params as P

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"

# Notebook name -> source path, in reading order. "index" is the front page (the claims ledger).
NOTEBOOKS: dict[str, str] = {
    "index": "book/index.ipynb",
    "training_compute": "book/training_compute.ipynb",
}

# Copied into the staging folder as they are (executed notebooks are added separately).
SOURCES = ("_config.yml", "_toc.yml", "book", "data/references.bib")


class BuildError(RuntimeError):
    """A step of the build failed; the previous site is untouched."""


def split_by_notebook(values: dict[str, object]) -> dict[str, dict[str, object]]:
    """Validate overrides and hand each notebook only the parameters it declares."""
    P.validate(values)
    return {nb: {k: v for k, v in values.items() if k in P.for_notebook(nb)} for nb in NOTEBOOKS}


def hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected cell so the page does not show it."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def execute(name: str, parameters: dict[str, object], output: Path) -> float:
    """Run one notebook with papermill into ``output``; return seconds taken.

    The executed notebook is written beside ``output`` first and moved into
    place only if every cell ran, so ``output`` is either the old or the new
    good result.
    """
    import papermill as pm

    source = ROOT / NOTEBOOKS[name]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.{uuid.uuid4().hex}.partial.ipynb")
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(source), str(partial), parameters=parameters, cwd=str(source.parent),
            kernel_name="python3", progress_bar=False, log_output=False,
        )
        hide_injected_parameters(partial)
        os.replace(partial, output)
    except Exception as err:
        failed = BUILD / "failed" / source.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        if partial.exists():
            os.replace(partial, failed)
        raise BuildError(f"{NOTEBOOKS[name]}: execution failed ({type(err).__name__}); the partly executed notebook is in {failed.relative_to(ROOT)}\n{err}") from None
    return time.perf_counter() - start


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


def stage(target: Path) -> None:
    """Copy the book's sources into ``target``."""
    for rel in SOURCES:
        src, dst = ROOT / rel, target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"))
        else:
            shutil.copy2(src, dst)


def jupyter_book(source: Path) -> None:
    """Render ``source`` to ``source/_build/html``; warnings are errors."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(source), "--builder", "html", "-W", "-n", "--keep-going"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        log = (done.stdout + done.stderr).strip().splitlines()
        raise BuildError("jupyter-book build failed:\n" + "\n".join(log[-40:]))


def replace_dir(new: Path, old: Path) -> None:
    """Put ``new`` where ``old`` is, keeping ``old`` until ``new`` is in place."""
    trash = old.with_name(f".{old.name}.old-{uuid.uuid4().hex}")
    if old.exists():
        os.replace(old, trash)
    os.replace(new, old)
    shutil.rmtree(trash, ignore_errors=True)


def build(values: dict[str, object] | None = None, jobs: int = 0, out: Path | None = None) -> Path:
    """Execute every notebook and build the site into ``out`` (default ``_build/html``)."""
    from analysis import data

    per_notebook = split_by_notebook(values or {})
    data.load()  # a broken data file stops the build before any kernel starts
    out = out or BUILD / "html"
    BUILD.mkdir(exist_ok=True)
    staging = BUILD / f".stage-{uuid.uuid4().hex}"
    try:
        stage(staging)
        workers = jobs or min(len(NOTEBOOKS), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                name: pool.submit(execute, name, per_notebook[name], staging / NOTEBOOKS[name])
                for name in NOTEBOOKS
            }
            errors = []
            for name, future in futures.items():
                try:
                    seconds = future.result()
                    print(f"executed {NOTEBOOKS[name]} in {seconds:.1f} s")
                except BuildError as err:
                    errors.append(str(err))
            if errors:
                raise BuildError("\n".join(errors))
        jupyter_book(staging)
        out.parent.mkdir(parents=True, exist_ok=True)
        replace_dir(staging / "_build" / "html", out)
        print(f"built the book: open {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/index.html")
        return out
    finally:
        shutil.rmtree(staging, ignore_errors=True)
