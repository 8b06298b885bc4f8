"""Re-run one notebook with new parameters: ``python -m analysis run NOTEBOOK``.

Writes, into one folder per run, the executed notebook, a standalone HTML page
of it (charts included, no network needed) and ``results.json``: every glued
number, the claims ledger of that run, the parameters, the package version and
the hashes of the data files. The folder appears only once everything is
written; a failed run leaves an earlier folder of the same name untouched.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

from analysis import __version__, book, cache
from analysis import params as P
from analysis.results import glued_values

RUNS = book.BUILD / "runs"


class RunError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def resolve_notebook(name_or_path: str) -> str:
    """Accept ``training_compute``, ``training_compute.ipynb`` or ``book/training_compute.ipynb``."""
    stem = Path(name_or_path).stem
    if stem not in book.NOTEBOOKS:
        raise RunError([f"notebook {name_or_path}: unknown; known notebooks: {', '.join(book.NOTEBOOKS)}"])
    return stem


def run_name(notebook: str, overrides: dict[str, object]) -> str:
    """A folder name that says what was run: ``training_compute__price_usd_per_gpu_hour=4``."""
    parts = [notebook] + [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in sorted(overrides.items())]
    return re.sub(r"[^A-Za-z0-9_.=,+-]", "_", "__".join(parts))[:150]


def standalone_html(executed: Path) -> str:
    """The executed notebook as one HTML page whose charts load from the page itself."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:  # glue records are for the book; they have no display form
        cell.outputs = [o for o in cell.get("outputs", []) if "scrapbook" not in o.get("metadata", {})]
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    # Offline: no require.js (it would send Altair's charts to a CDN) and no MathJax from a CDN.
    body = re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', "", body)
    bundle = (book.ROOT / "book" / "_static" / "vega-bundle.js").read_text(encoding="utf-8")
    return body.replace("</head>", f"<script>{bundle}</script>\n</head>", 1)


def run(notebook: str, overrides: dict[str, object], out: Path | None = None) -> Path:
    """Validate, execute (or reuse an identical earlier execution), and write the run's folder."""
    from analysis import claims, data

    name = resolve_notebook(notebook)
    values = P.validate(overrides, notebook=name)
    dataset = data.load()
    out = out or RUNS / run_name(name, overrides)
    executed, reused = book.cached_execute(name, overrides)
    partial = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex}")
    partial.mkdir(parents=True)
    try:
        shutil.copy2(executed, partial / f"{name}.ipynb")
        (partial / f"{name}.html").write_text(standalone_html(executed), encoding="utf-8")
        chapter = None if name == P.FRONT_PAGE else name
        results = {
            "notebook": book.NOTEBOOKS[name],
            "parameters": values,
            "overrides": overrides,
            "package_version": __version__,
            "data_hashes": cache.data_hashes(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "reused_execution": reused,
            "results": glued_values(executed),
            "claims": claims.ledger(dataset, {**P.defaults(), **values}, chapter=chapter),
        }
        (partial / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
        book.replace_dir(partial, out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return out
