"""Run one notebook over a grid of parameter values: ``python -m analysis sweep``.

Points run in parallel across CPU cores with a progress bar; the result is one
tidy CSV, a row per point: its parameters, then every number the notebook glued.
A point that fails is recorded (``status`` and ``error`` columns) and does not
stop the others.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import pandas as pd

from analysis import book
from analysis import params as P
from analysis.results import glued_values


def grid(axes: dict[str, list[object]]) -> list[dict[str, object]]:
    """Every combination of the axes' values, in a stable order."""
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*(axes[n] for n in names))]


def parse_axes(pairs: list[str], notebook: str) -> dict[str, list[object]]:
    """``["pue=1.1,1.3"]`` -> ``{"pue": [1.1, 1.3]}``; list parameters separate values with ``;``."""
    known = P.for_notebook(notebook)
    axes: dict[str, list[object]] = {}
    problems = []
    for pair in pairs:
        if "=" not in pair:
            problems.append(f"-p {pair}: expected NAME=VALUE[,VALUE...]")
            continue
        name, text = (s.strip() for s in pair.split("=", 1))
        if name not in known:
            problems.append(f"parameter {name}: unknown; known parameters of {notebook}: {', '.join(known)}")
            continue
        separator = ";" if known[name].type is list else ","
        axes[name] = [P.parse_text(known[name], item) for item in text.split(separator) if item.strip()]
    if problems:
        raise P.ParameterError(problems)
    for point in grid(axes):
        P.validate(point, notebook=notebook)  # every value is checked before any point runs
    return axes


def _run_point(notebook: str, point: dict[str, object]) -> dict[str, object]:
    try:
        executed, _ = book.cached_execute(notebook, point)
    except book.BuildError as err:
        return {"status": "failed", "error": str(err).splitlines()[0]}
    values = {k: (v.strip("*") if isinstance(v, str) else v) for k, v in glued_values(executed).items() if isinstance(v, (int, float, str))}
    return {"status": "ok", "error": "", **values}


def sweep(notebook: str, axes: dict[str, list[object]], out: Path, jobs: int = 0) -> pd.DataFrame:
    from tqdm import tqdm

    points = grid(axes)
    rows: dict[int, dict] = {}
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = {pool.submit(_run_point, notebook, point): i for i, point in enumerate(points)}
        for future in tqdm(as_completed(futures), total=len(points), desc=f"sweep {notebook}", unit="run"):
            i = futures[future]
            shown = {k: (";".join(v) if isinstance(v, list) else v) for k, v in points[i].items()}
            rows[i] = {**shown, **future.result()}
    frame = pd.DataFrame([rows[i] for i in range(len(points))])
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    frame.to_csv(partial, index=False)
    os.replace(partial, out)
    return frame
