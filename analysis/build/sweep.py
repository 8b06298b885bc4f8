"""Run one notebook over a grid of parameter values: ``python -m analysis sweep``.

Points run in parallel across CPU cores with a progress bar; the result is one
tidy CSV, a row per point: its parameters, then every number the notebook glued.
A point that fails is recorded (``status`` and ``error`` columns) and does not
stop the others.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.build import book, codebook
from analysis import params as P
from analysis.results import glued_values

if TYPE_CHECKING:
    import pandas as pd


def grid(axes: dict[str, list[object]]) -> list[dict[str, object]]:
    """Every combination of the axes' values, in a stable order."""
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*(axes[n] for n in names))]


def _ambiguous(p: P.Parameter, text: str, items: list[str]) -> str | None:
    """A problem if ``text`` might be one number written with a decimal comma or thousands separators, not a list.

    ``pue=1,3`` could be 1.3 (as ``claims`` and ``run`` would have to read it)
    or the two values 1 and 3; ``output_tokens=1,000`` could be 1000. Such
    text is refused with how to write each reading; ``1.1,1.3``, ``2.0,4.0``
    and whole-number parameters' ``250,500`` are lists without doubt.
    """
    if p.type not in (float, int):
        return None
    bare = [item.strip() for item in items]
    digits = all(re.fullmatch(r"[+-]?\d+", item) for item in bare)
    if digits and any(len(item) > 1 and item.startswith("0") for item in bare[1:]):
        return (f"parameter {p.name}: {text!r} is ambiguous (thousands separators or a list?); write a number without separators "
                f"({''.join(bare)}), and several values as {', '.join(bare[:1])},... without leading zeros")
    if p.type is float and digits and len(bare) == 2:
        return (f"parameter {p.name}: {text!r} is ambiguous (a decimal comma or two values?); write {bare[0]}.{bare[1]} for one value "
                f"(a decimal point), or {bare[0]}.0,{bare[1]}.0 for two")
    return None


def parse_axes(pairs: list[str], notebook: str) -> dict[str, list[object]]:
    """``["pue=1.1,1.3"]`` -> ``{"pue": [1.1, 1.3]}``; list parameters separate values with ``;``."""
    known = P.for_notebook(notebook)
    axes: dict[str, list[object]] = {}
    problems = []
    for pair in pairs:
        name, sep, text = (s.strip() for s in pair.partition("="))
        if not sep or not name:
            problems.append(f"-p {pair}: expected NAME=VALUE[,VALUE...]")
            continue
        if name not in known:
            problems.append(f"parameter {name}: unknown; known parameters of {notebook}: {', '.join(known)}")
            continue
        if name in axes:
            problems.append(f"-p {name}: given more than once; allowed: each parameter once, its values separated by '{';' if known[name].type is list else ','}'")
            continue
        separator = ";" if known[name].type is list else ","
        items = [item for item in text.split(separator) if item.strip()]
        ambiguous = _ambiguous(known[name], text, items)
        if ambiguous:
            problems.append(ambiguous)
            continue
        if not items:
            problems.append(f"parameter {name}: no value given; allowed: {known[name].allowed()}, values separated by '{separator}'")
            continue
        values = []
        for item in items:
            value = P.parse_text(known[name], item)
            try:  # every value is checked before any point runs; parameters are checked one by one, so a grid of good values is good
                checked = P.validate({name: value}, notebook=notebook)[name]
            except P.ParameterError as err:
                problems += err.problems
                continue
            if checked in values:
                problems.append(f"parameter {name}: {item.strip()!r} given more than once; allowed: each value once")
                continue
            values.append(checked)
        axes[name] = values
    if problems:
        raise P.ParameterError(problems)
    return axes


def _failed(err: BaseException) -> dict[str, object]:
    first = str(err).splitlines()[0] if str(err).strip() else ""
    return {"status": "failed", "error": first or type(err).__name__}


def _run_point(notebook: str, point: dict[str, object]) -> dict[str, object]:
    try:
        executed, _ = book.cached_execute(notebook, point)
    except Exception as err:  # a failed point is a row of the CSV, not the end of the sweep
        return _failed(err)
    values = {k: (v.strip("*") if isinstance(v, str) else v) for k, v in glued_values(executed).items() if isinstance(v, (int, float, str))}
    return {"status": "ok", "error": "", **values}


def _write(path: Path, write) -> None:
    """Write ``path`` whole or not at all: ``write`` fills a partial file that then replaces it."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def codebook_path(out: Path) -> Path:
    """The codebook written beside a sweep's CSV: ``sweep.csv`` -> ``sweep.codebook.csv``."""
    return out.with_name(f"{out.stem}.codebook.csv")


def sweep(notebook: str, axes: dict[str, list[object]], out: Path, jobs: int = 0) -> pd.DataFrame:
    import pandas as pd  # here, not at the top, so a mistyped sweep fails fast
    from tqdm import tqdm

    points = grid(axes)
    rows: dict[int, dict] = {}
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = {pool.submit(_run_point, notebook, point): i for i, point in enumerate(points)}
        for future in tqdm(as_completed(futures), total=len(points), desc=f"sweep {notebook}", unit="run"):
            i = futures[future]
            shown = {k: (";".join(v) if isinstance(v, list) else v) for k, v in points[i].items()}
            try:
                result = future.result()
            except Exception as err:  # the worker itself died (e.g. out of memory)
                result = _failed(err)
            rows[i] = {**shown, **result}
    frame = pd.DataFrame([rows[i] for i in range(len(points))])
    for name, p in P.PARAMETERS.items():  # whole numbers stay whole, even in a column with a failed point's gap
        if p.type is int and name in frame and pd.api.types.is_numeric_dtype(frame[name]):
            frame[name] = frame[name].astype("Int64")
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(out, lambda path: frame.to_csv(path, index=False))
    ok = [rows[i] for i in range(len(points)) if rows[i]["status"] == "ok"]
    if ok:  # the columns of an ok point, in the CSV's order: what each one is
        row = {c: ok[0].get(c) for c in frame.columns}
        text = codebook.to_csv(codebook.sweep_codebook(notebook, row))
        _write(codebook_path(out), lambda path: path.write_text(text, encoding="utf-8"))
    return frame
