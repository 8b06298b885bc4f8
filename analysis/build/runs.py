"""Re-run one notebook with new parameters: ``python -m analysis run NOTEBOOK``.

Writes, into one folder per run, the executed notebook, its HTML page (the
chapter as the book shows it, with the run's numbers, in one file that needs no
network: see :mod:`analysis.build.run_page`) and ``results.json``: every glued
number, the claims ledger of that run, the parameters, the package version and
the hashes of the data files. The folder appears only once everything is
written; a failed run leaves an earlier folder of the same name untouched.
"""

from __future__ import annotations

import json
import shutil
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from analysis import __version__
from analysis.build import cache, codebook, execution, publish, render, run_page
from analysis import params as P
from analysis.build.editions import MAX_NAME, run_name  # noqa: F401  a run folder's name, as editions name theirs
from analysis.build.project import BUILD, NOTEBOOKS, ROOT, BuildError
from analysis.results import glued_values

RUNS = BUILD / "runs"


class RunError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


RUN_FILES = ("results.json", "codebook.csv", ".ipynb", ".html")  # what a run folder holds, by name or ending


def resolve_notebook(name_or_path: str) -> str:
    """Accept ``training_compute``, ``training_compute.ipynb`` or ``book/training_compute.ipynb``."""
    path = Path(name_or_path)
    stem = path.stem
    known = stem in NOTEBOOKS and path.suffix in ("", ".ipynb") and (
        str(path.parent) in (".", "book") or path.resolve() == (ROOT / NOTEBOOKS[stem]).resolve()
    )
    if not known:
        raise RunError([f"notebook {name_or_path}: unknown; known notebooks: {', '.join(NOTEBOOKS)}"])
    return stem


def check_out(out: Path) -> None:
    """Refuse a folder that is not a run folder: a run replaces its ``--out`` folder whole."""
    if not out.exists():
        return
    if not out.is_dir():
        raise RunError([f"--out {out}: is a file; allowed: a new folder, or the folder of an earlier run"])
    entries = list(out.iterdir())
    is_run = any(e.name == "results.json" for e in entries) and all(e.is_file() and e.name.endswith(RUN_FILES) for e in entries)
    if entries and not is_run:
        raise RunError([f"--out {out}: is a folder that holds other files and would be replaced; allowed: a new or empty folder, or the folder of an earlier run"])


def run(notebook: str, overrides: dict[str, object], out: Path | None = None, scenario: str | None = None) -> Path:
    """Validate, execute (or reuse an identical earlier execution), and write the run's folder.

    ``scenario`` (the scenario file's path, when one set the values) is recorded in results.json.
    """
    from analysis import data, ledger

    name = resolve_notebook(notebook)
    values = P.validate(overrides, notebook=name)
    overrides = {k: values[k] for k in overrides}  # as validated: 5e2 tokens runs as 500
    dataset = data.load()
    out = out or RUNS / run_name(name, overrides)
    check_out(out)
    # The page is rendered by Sphinx in a process of its own, which imports Sphinx and the book's
    # extensions and reads the configuration on the other core while the kernel runs.
    import papermill  # noqa: F401  loaded before the render process is forked, which does not need it

    partial = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex}")
    source = BUILD / "run-src" / uuid.uuid4().hex
    renderer = ProcessPoolExecutor(max_workers=1)
    try:
        changed = {k: v for k, v in values.items() if v != P.PARAMETERS[k].default}
        run_page.stage(source, name, run_page.page_title(name, changed), run_page.banner(values))
        renderer.submit(render.open_sphinx, str(source), True, "singlehtml", False)
        executed, reused = execution.cached_execute(name, overrides)
        run_page.add_notebook(source, name, executed)
        code, log = renderer.submit(render.build, str(source), True, "singlehtml", False).result()
        page = run_page.rendered_page(source, name)
        if code != 0 or not page.exists():
            lines = [line for line in log.strip().splitlines() if line.strip()]
            raise BuildError("rendering the run's page failed:\n" + "\n".join(lines[-40:]))
        partial.mkdir(parents=True)
        shutil.copy2(executed, partial / f"{name}.ipynb")
        (partial / f"{name}.html").write_text(run_page.self_contained(page), encoding="utf-8")
        chapter = None if name == P.FRONT_PAGE else name
        results = {
            "notebook": NOTEBOOKS[name],
            "parameters": values,
            "overrides": overrides,
            "scenario": scenario,
            "package_version": __version__,
            "data_hashes": cache.data_hashes(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "reused_execution": reused,
            "results": glued_values(executed),
            "claims": ledger.ledger(dataset, {**P.defaults(), **values}, chapter=chapter),
        }
        (partial / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
        (partial / "codebook.csv").write_text(codebook.to_csv(codebook.results_codebook(name, results["results"])), encoding="utf-8")
        publish.replace_dir(partial, out)
    finally:
        renderer.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(source, ignore_errors=True)
    return out
