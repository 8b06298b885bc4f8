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
    "inference_vs_search": "book/inference_vs_search.ipynb",
    "parameters": "book/parameters.ipynb",
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


def _sync_file(src_bytes: bytes, dst: Path) -> bool:
    """Write ``dst`` only if its content differs (Sphinx then re-reads only what changed)."""
    if dst.exists() and dst.read_bytes() == src_bytes:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src_bytes)
    return True


def stage(target: Path, executed: dict[str, Path], config_extra: dict | None = None) -> bool:
    """Bring the staging folder ``target`` up to date; return whether anything changed.

    The folder persists between builds, so Sphinx's incremental build re-renders
    only pages whose sources changed.
    """
    import yaml

    wanted: dict[Path, bytes] = {}
    for rel in SOURCES:
        src = ROOT / rel
        files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
        for f in files:
            if f.suffix == ".ipynb" or ".ipynb_checkpoints" in f.parts or "__pycache__" in f.parts:
                continue
            wanted[target / f.relative_to(ROOT)] = f.read_bytes()
    if config_extra:
        config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
        for section, values in config_extra.items():
            config.setdefault(section, {}).update(values)
        wanted[target / "_config.yml"] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode()
    for name, path in executed.items():
        wanted[target / NOTEBOOKS[name]] = path.read_bytes()
    changed = False
    for dst, content in wanted.items():
        changed |= _sync_file(content, dst)
    for old in [p for p in target.rglob("*") if p.is_file() and "_build" not in p.relative_to(target).parts]:
        if old not in wanted:
            old.unlink()
            changed = True
    return changed


def jupyter_book(source: Path, everything: bool = False) -> None:
    """Render ``source`` to ``source/_build/html``; warnings are errors; ``everything`` re-renders every page."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(source), "--builder", "html", "-W", "-n", "--keep-going", *(["--all"] if everything else [])]
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


def publish(html: Path, out: Path) -> None:
    """Copy a finished site to ``out`` in one step: readers never see half of it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.with_name(f".{out.name}.new-{uuid.uuid4().hex}")
    shutil.copytree(html, fresh)
    replace_dir(fresh, out)


def cached_execute(name: str, parameters: dict[str, object]) -> tuple[Path, bool]:
    """Path of the executed notebook for these inputs, and whether it was reused."""
    from analysis import cache

    record = cache.key(ROOT / NOTEBOOKS[name], parameters)
    executed = BUILD / "executed" / f"{name}.{record['key'][:16]}.ipynb"
    if executed.exists():
        return executed, True
    seconds = execute(name, parameters, executed)
    meta = {**record, "notebook": NOTEBOOKS[name], "seconds": round(seconds, 2)}
    executed.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return executed, False


def build(
    values: dict[str, object] | None = None,
    jobs: int = 0,
    out: Path | None = None,
    edition: str = "default",
    config_extra: dict | None = None,
) -> Path:
    """Execute what changed, render, and publish the site to ``out`` (default ``_build/html``).

    A notebook runs only if its cache key (see :mod:`analysis.cache`) changed;
    Sphinx re-renders only the pages whose staged sources changed; if nothing
    changed and ``out`` is current, nothing runs at all.
    """
    from analysis import data

    per_notebook = split_by_notebook(values or {})
    data.load()  # a broken data file stops the build before any kernel starts
    out = out or BUILD / "html"
    BUILD.mkdir(exist_ok=True)
    workers = jobs or min(len(NOTEBOOKS), os.cpu_count() or 1)
    executed: dict[str, Path] = {}
    errors = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(cached_execute, name, per_notebook[name]) for name in NOTEBOOKS}
        for name, future in futures.items():
            try:
                executed[name], reused = future.result()
                print(f"{'up to date' if reused else 'executed'}: {NOTEBOOKS[name]}")
            except BuildError as err:
                errors.append(str(err))
    if errors:
        raise BuildError("\n".join(errors))
    source = BUILD / "site-src" / edition
    changed = stage(source, executed, config_extra)
    # The Sphinx extension shapes every page, so a change to it re-renders them all.
    extension = ROOT / "analysis" / "sphinx_ext.py"
    marker = source / "_build" / ".sphinx-ext-digest"
    digest = hashlib.sha256(extension.read_bytes()).hexdigest()
    extension_changed = not marker.exists() or marker.read_text() != digest
    stamp = out / ".build-stamp"
    signature = json.dumps({n: p.name for n, p in sorted(executed.items())} | {"_source": str(source)})
    if not changed and not extension_changed and stamp.exists() and stamp.read_text() == signature:
        print(f"nothing changed: {_show(out)} is up to date")
        return out
    jupyter_book(source, everything=extension_changed)
    marker.write_text(digest)
    (source / "_build" / "html" / ".build-stamp").write_text(signature)
    publish(source / "_build" / "html", out)
    print(f"built the book: open {_show(out)}/index.html")
    return out


def _show(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def edition_banner(values: dict[str, object], scenario: dict | None) -> str:
    """The line every page of a non-default edition shows: which scenario, and what differs."""
    changed = []
    for name, value in values.items():
        p = P.PARAMETERS[name]
        if value != p.default:
            shown = ", ".join(value) if isinstance(value, list) else f"{value:g}" if isinstance(value, float) else str(value)
            default = ", ".join(p.default) if isinstance(p.default, list) else f"{p.default:g}" if isinstance(p.default, float) else str(p.default)
            changed.append(f"<code>{name}</code> = {shown} (default {default})")
    title = f"Scenario edition: <b>{scenario['title']}</b>." if scenario else "Edition with changed parameters."
    what = "Parameters changed from the defaults: " + "; ".join(changed) + "." if changed else "No parameter differs from the defaults."
    return f"{title} {what}"


def edition_name(values: dict[str, object], scenario: dict | None) -> str | None:
    """Folder name of a non-default edition, or None for the default book."""
    if scenario:
        return scenario["name"]
    if not values:
        return None
    from analysis.runs import run_name

    return run_name("custom", values)


def build_edition(values: dict[str, object], scenario: dict | None = None, jobs: int = 0) -> Path:
    """Build the default book into _build/html, or a scenario's into _build/scenarios/<name>/html."""
    name = edition_name(values, scenario)
    if name is None:
        return build({}, jobs=jobs)
    banner = edition_banner(values, scenario)
    return build(values, jobs=jobs, out=BUILD / "scenarios" / name / "html", edition=f"scenario-{name}",
                 config_extra={"html": {"announcement": banner}})
