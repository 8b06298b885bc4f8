"""Evaluate one chapter over a grid of parameter values: ``python -m analysis sweep``.

Each point is evaluated in-process, across CPU cores, with a progress bar;
``notebooks=True`` (``--notebooks``) executes the whole notebook per point
instead. Where a chapter has a vectorised path (:func:`analysis.grid.array_parameters`:
the training chapter), a worker evaluates a chunk of up to
:data:`VECTOR_CHUNK_POINTS` points in one call of
:func:`analysis.grid.chapter_columns` (numpy arrays through the functions the
notebook's glue cells call); elsewhere, and for the points of a chunk that the
vectorised path cannot take, :func:`analysis.grid.chapter_row` evaluates point
by point. Every mode writes one tidy table, a row per point: its parameters,
``status`` and ``error``, then every glued number and verdict (the same columns
and the same values). Rows stream to the file as chunks finish (CSV, or Parquet
for ``.parquet``), so memory stays flat however large the grid; a point that
fails is a row with ``status=failed``; an interruption keeps the rows written so far.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import signal
import uuid
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from analysis.build import codebook, execution
from analysis import params as P
from analysis.results import glued_values

CHUNK_POINTS = 200  # points a worker evaluates per task: large enough to amortise the hand-over, small enough for a smooth bar
VECTOR_CHUNK_POINTS = 20_000  # points per task of the vectorised path: arrays of this length cost a few MB and a few tens of ms
RANGE = re.compile(r"(?:(?P<log>log):)?(?P<start>[^:]+):(?P<stop>[^:]+):(?P<count>[^:]+)")


def grid(axes: dict[str, list[object]]) -> list[dict[str, object]]:
    """Every combination of the axes' values, in a stable order (the first axis varies slowest)."""
    return list(iter_grid(axes))


def iter_grid(axes: dict[str, list[object]]) -> Iterator[dict[str, object]]:
    """:func:`grid`, one point at a time: a million-point grid is never held in memory."""
    names = list(axes)
    for combo in itertools.product(*(axes[n] for n in names)):
        yield dict(zip(names, combo))


def grid_size(axes: dict[str, list[object]]) -> int:
    return math.prod(len(v) for v in axes.values())


def range_values(p: P.Parameter, text: str) -> tuple[list[object] | None, str | None]:
    """``START:STOP:COUNT`` (evenly spaced) or ``log:START:STOP:COUNT`` (evenly spaced in log) -> (values, None) or (None, problem).

    Whole-number parameters round each value; a range whose rounding repeats a value is refused.
    """
    match = RANGE.fullmatch(text.strip())
    shape = "START:STOP:COUNT or log:START:STOP:COUNT (COUNT a whole number >= 2; log needs START, STOP > 0)"
    if p.type not in (float, int):
        return None, f"parameter {p.name}: a range {text.strip()!r} is not allowed for {p.allowed()}; list the values separated by '{';' if p.type is list else ','}'"
    if not match:
        return None, f"parameter {p.name}: {text.strip()!r} is not a range; allowed: {shape}"
    try:
        start, stop = float(match["start"]), float(match["stop"])
        count = float(match["count"])
    except ValueError:
        return None, f"parameter {p.name}: {text.strip()!r} is not a range of numbers; allowed: {shape}"
    if not (math.isfinite(start) and math.isfinite(stop)):
        return None, f"parameter {p.name}: {text.strip()!r}: START and STOP must be finite numbers; allowed: {shape}"
    if not count.is_integer() or count < 2:
        return None, f"parameter {p.name}: {text.strip()!r}: COUNT {match['count']} is not a whole number >= 2; allowed: {shape}"
    if start == stop:
        return None, f"parameter {p.name}: {text.strip()!r}: START equals STOP; allowed: {shape} with START != STOP"
    import numpy as np

    if match["log"]:
        if start <= 0 or stop <= 0:
            return None, f"parameter {p.name}: {text.strip()!r}: a log range needs START and STOP > 0; allowed: {shape}"
        raw = np.geomspace(start, stop, int(count))
    else:
        raw = np.linspace(start, stop, int(count))
    values: list[object] = [float(v) for v in raw]
    if p.type is int:
        values = [int(round(v)) for v in values]
        if len(set(values)) != len(values):
            return None, f"parameter {p.name}: {text.strip()!r} repeats whole numbers once rounded; allowed: a COUNT of at most {int(abs(stop - start)) + 1} between {start:g} and {stop:g}"
    return values, None


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
    """``["pue=1.1,1.3"]`` -> ``{"pue": [1.1, 1.3]}``; list parameters separate values with ``;``.

    ``pue=1.1:1.5:5`` is five evenly spaced values, ``output_tokens=log:10:10000:4`` four evenly spaced in log.
    Every problem (unknown name, bad range, value out of the allowed range) is collected and raised at once
    as :class:`analysis.params.ParameterError`, each naming its parameter, before any point runs.
    """
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
        if ":" in text:
            values, problem = range_values(known[name], text)
            if problem:
                problems.append(problem)
                continue
            for value in values:
                try:  # the ends and every value between are checked against the parameter's allowed range
                    P.validate({name: value}, notebook=notebook)
                except P.ParameterError as err:
                    problems += [f"{line} (from the range {text!r})" for line in err.problems]
                    break
            axes[name] = values
            continue
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


def _notebook_point(notebook: str, point: dict[str, object]) -> dict[str, object]:
    """One point by executing the notebook (``--notebooks``): its glued values that are sweep columns."""
    from analysis.grid import is_column

    try:
        executed, _ = execution.cached_execute(notebook, point)
    except Exception as err:  # a failed point is a row of the table, not the end of the sweep
        return _failed(err)
    values = {k: (v.strip("*") if isinstance(v, str) else v) for k, v in glued_values(executed).items()}
    return {"status": "ok", "error": "", **{k: v for k, v in values.items() if is_column(k, v)}}


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


_DATASET = None


def _worker_start() -> None:
    """Load the data once per worker; leave Ctrl-C to the main process, which keeps the rows written so far."""
    global _DATASET
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from analysis import data

    _DATASET = data.load()


def _in_process_point(notebook: str, point: dict[str, object]) -> dict[str, object]:
    from analysis import grid as G

    try:
        return {"status": "ok", "error": "", **G.chapter_row(_DATASET, notebook, point)}
    except Exception as err:  # a failed point is a row of the table, not the end of the sweep
        return _failed(err)


def _chunk(notebook: str, points: list[dict[str, object]], notebooks: bool) -> tuple:
    """Points one by one: ``("rows", points, rows)``."""
    if notebooks:
        return "rows", points, [_notebook_point(notebook, p) for p in points]
    if _DATASET is None:
        _worker_start()
    return "rows", points, [_in_process_point(notebook, p) for p in points]


def _shown_value(value: object) -> object:
    return ";".join(value) if isinstance(value, list) else value


def _shown(point: dict[str, object]) -> dict[str, object]:
    return {k: _shown_value(v) for k, v in point.items()}


def allowed_values(notebook: str, axes: dict[str, list[object]]) -> dict[str, list[bool]]:
    """Whether the parameter allows each value of each axis (parameters are checked one by one, so a point is good
    when each of its values is)."""
    allowed = {}
    for name, values in axes.items():
        allowed[name] = []
        for value in values:
            try:
                P.validate({name: value}, notebook=notebook)
                allowed[name].append(True)
            except P.ParameterError:
                allowed[name].append(False)
    return allowed


def _vector_chunk(notebook: str, axes: dict[str, list[object]], allowed: dict[str, list[bool]], start: int, stop: int) -> tuple:
    """Points ``start`` to ``stop`` of the grid (in :func:`iter_grid`'s order) evaluated at once by
    :func:`analysis.grid.chapter_columns`: ``("columns", count, columns, failed, failures)``.

    Points with a value the parameter does not allow are evaluated one by one (each fails as it would alone) and
    their cells are empty; if the vectorised call itself fails, the whole chunk falls back to one point at a time:
    ``("rows", points, rows)``.
    """
    import numpy as np

    from analysis import grid as G

    if _DATASET is None:
        _worker_start()
    names = list(axes)
    index = dict(zip(names, np.unravel_index(np.arange(start, stop), [len(axes[n]) for n in names])))
    count = stop - start
    ok = np.ones(count, dtype=bool)
    for name in names:
        ok &= np.asarray(allowed[name], dtype=bool)[index[name]]

    def point(i: int) -> dict[str, object]:
        return {name: axes[name][index[name][i]] for name in names}

    vectorised = None
    if ok.any():
        good = np.flatnonzero(ok)
        values = {}
        for name in names:
            column = np.empty(len(axes[name]), dtype=object)
            for i, value in enumerate(axes[name]):  # one by one: numpy would read a list of lists as a 2-D array
                column[i] = value
            values[name] = column[index[name][good]]
        try:
            vectorised = G.chapter_columns(_DATASET, notebook, values)
        except Exception:  # the chunk goes point by point, each failing (or not) as it would alone
            vectorised = None
    if vectorised is None:
        points = [point(i) for i in range(count)]
        return "rows", points, [_in_process_point(notebook, p) for p in points]
    columns: dict[str, object] = {}
    for name in names:
        shown = np.empty(len(axes[name]), dtype=object)
        for i, value in enumerate(axes[name]):
            shown[i] = _shown_value(value)
        columns[name] = shown[index[name]]
    status, error = np.full(count, "ok", dtype=object), np.full(count, "", dtype=object)
    failures = []
    if ok.all():
        columns |= {"status": status, "error": error, **vectorised}
        return "columns", count, columns, 0, failures
    for i in np.flatnonzero(~ok).tolist():
        row = _in_process_point(notebook, point(i))
        status[i], error[i] = row["status"], row["error"]
        if row["status"] != "ok" and len(failures) < 20:
            failures.append((point(i), row["error"]))
    columns |= {"status": status, "error": error}
    for name, values in vectorised.items():
        # A failed point's row keeps its parameters (a number the chapter echoes, like pue, is the parameter) and nothing else.
        column = columns[name].copy() if name in names else np.full(count, None, dtype=object)
        column[ok] = values
        columns[name] = column
    return "columns", count, columns, int((status != "ok").sum()), failures


@dataclass
class SweepResult:
    """What a sweep wrote: ``points`` rows (of ``total``), ``failed`` of them failed; ``interrupted`` when stopped early."""

    out: Path
    total: int
    points: int = 0
    failed: int = 0
    interrupted: bool = False
    failures: list[tuple[dict[str, object], str]] = field(default_factory=list)  # the first few, for the message


class _Writer:
    """Rows to CSV or Parquet as they come, into a hidden file moved into place at the end (kept on interruption)."""

    def __init__(self, out: Path, columns: list[str], kinds: dict[str, type]):
        self.out, self.columns, self.kinds = out, columns, kinds
        out.parent.mkdir(parents=True, exist_ok=True)
        self.partial = out.with_name(f".{out.name}.{uuid.uuid4().hex}.partial")
        self.parquet = out.suffix.lower() == ".parquet"
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = {float: pa.float64(), int: pa.int64(), str: pa.string()}
            self.schema = pa.schema([(c, arrow[kinds[c]]) for c in columns])
            self.writer = pq.ParquetWriter(self.partial, self.schema)
            self.buffer: list = []  # Arrow tables not yet written
            self.buffered = 0
        else:
            import csv

            self.file = open(self.partial, "w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.file)
            self.writer.writerow(columns)

    @staticmethod
    def _cell(value: object) -> object:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return repr(value) if isinstance(value, float) else value  # repr: every digit, so a CSV reads back to the same float

    ROW_GROUP = 20_000  # rows per Parquet row group: few enough groups that the file's footer stays small for a million rows

    def write(self, rows: list[dict[str, object]]) -> None:
        if self.parquet:
            import pyarrow as pa

            self._append(pa.Table.from_pylist([{c: row.get(c) for c in self.columns} for row in rows], schema=self.schema))
        else:
            self.writer.writerows([[self._cell(row.get(c)) for c in self.columns] for row in rows])

    def write_columns(self, columns: dict[str, object], count: int) -> None:
        """``count`` rows given column by column (numpy arrays; a missing column is empty), as :meth:`write` writes them."""
        if self.parquet:
            import pyarrow as pa

            arrays = [pa.array(columns[c], type=self.schema.field(c).type) if c in columns else pa.nulls(count, self.schema.field(c).type)
                      for c in self.columns]
            self._append(pa.Table.from_arrays(arrays, schema=self.schema))
            return
        cells = []
        for c in self.columns:
            values = columns[c].tolist() if c in columns else [None] * count
            if getattr(columns.get(c), "dtype", None) == float:  # the float column's cells as _cell writes them, without a call each
                cells.append(["" if v != v else repr(v) for v in values])
            else:
                cells.append([self._cell(v) for v in values])
        self.writer.writerows(zip(*cells))

    def _append(self, table) -> None:
        self.buffer.append(table)
        self.buffered += table.num_rows
        if self.buffered >= self.ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.buffer:
            self.writer.write_table(pa.concat_tables(self.buffer))
            self.buffer, self.buffered = [], 0

    def close(self) -> None:
        try:
            if self.parquet:
                self._flush()
            self.writer.close() if self.parquet else self.file.close()
            os.replace(self.partial, self.out)
        finally:
            self.partial.unlink(missing_ok=True)


def columns(notebook: str, axes: dict[str, list[object]], notebooks: bool = False) -> tuple[list[str], dict[str, type]]:
    """The table's columns (parameters, status, error, then the chapter's) and each one's type, from the default point."""
    from analysis import data
    from analysis import grid as G

    if notebooks:
        row = _notebook_point(notebook, {})
        if row["status"] != "ok":
            raise RuntimeError(f"sweep {notebook}: the notebook fails at its defaults: {row['error']}")
        row = {k: v for k, v in row.items() if k not in ("status", "error")}
    else:
        row = G.chapter_row(data.load(), notebook, {})
    kinds: dict[str, type] = {}
    for name, values in axes.items():
        p = P.PARAMETERS[name]
        kinds[name] = str if p.type in (list, str) else int if all(isinstance(v, int) for v in values) else float
    kinds |= {"status": str, "error": str}
    for name, value in row.items():
        if name not in kinds:
            kinds[name] = str if isinstance(value, str) else int if isinstance(value, int) else float
    return list(kinds), kinds


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def sweep(notebook: str, axes: dict[str, list[object]], out: Path, jobs: int = 0, notebooks: bool = False,
          progress: bool = True, vectorise: bool = True) -> SweepResult:
    """Evaluate every point of ``axes`` into ``out`` (CSV, or Parquet when it ends in ``.parquet``); see the module's docstring.

    ``vectorise=False`` evaluates in-process point by point even where the chapter has a vectorised path (the two
    give the same table; tests and benchmarks compare them).
    Ctrl-C stops the sweep: the rows written so far stay in ``out`` and the result says ``interrupted``.
    """
    from tqdm import tqdm

    from analysis import grid as G

    total = grid_size(axes)
    names, kinds = columns(notebook, axes, notebooks)
    result = SweepResult(out=out, total=total)
    # What each column is, known before the first point runs (the same declarations that produce the columns).
    text = codebook.to_csv(codebook.sweep_codebook(notebook, {c: "" if kinds[c] is str else 0.0 for c in names}))
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(codebook_path(out), lambda path: path.write_text(text, encoding="utf-8"))
    writer = _Writer(out, names, kinds)
    workers = jobs or os.cpu_count() or 1
    pool = ProcessPoolExecutor(max_workers=workers, initializer=None if notebooks else _worker_start)
    if not notebooks and vectorise and G.array_parameters(notebook):
        allowed = allowed_values(notebook, axes)
        size = max(1, min(VECTOR_CHUNK_POINTS, -(-total // (4 * workers))))
        tasks = (((start, min(start + size, total)), pool.submit(_vector_chunk, notebook, axes, allowed, start, min(start + size, total)))
                 for start in range(0, total, size))
    else:
        size = 1 if notebooks else max(1, min(CHUNK_POINTS, total // (4 * workers) or 1))
        points = iter_grid(axes)
        batches = iter(lambda: list(itertools.islice(points, size)), [])
        tasks = ((batch, pool.submit(_chunk, notebook, batch, notebooks)) for batch in batches)
    bar = tqdm(total=total, desc=f"sweep {notebook}", unit="point", disable=not progress, smoothing=0.1)
    pending: deque = deque()
    stop: list[int] = []
    # Ctrl-C sets a flag, checked between chunks: a chunk's rows are written whole, never cut mid-line.
    previous = signal.signal(signal.SIGINT, lambda *_: stop.append(1)) if _main_thread() else None
    try:
        while not stop:
            pending.extend(itertools.islice(tasks, 2 * workers - len(pending)))  # a bounded number of chunks in flight: memory stays flat
            if not pending:
                break
            task, future = pending.popleft()
            try:
                piece = future.result()
            except Exception as err:  # the worker itself died (e.g. out of memory): the chunk's points are failed rows
                batch = task if isinstance(task, list) else list(itertools.islice(iter_grid(axes), *task))
                piece = "rows", batch, [_failed(err)] * len(batch)
            if piece[0] == "columns":
                _, count, cells, failed, failures = piece
                writer.write_columns(cells, count)
            else:
                _, batch, rows = piece
                writer.write([{**_shown(point), **row} for point, row in zip(batch, rows)])
                count = len(rows)
                failures = [(point, row["error"]) for point, row in zip(batch, rows) if row["status"] != "ok"]
                failed = len(failures)
            result.points += count
            result.failed += failed
            result.failures += failures[:max(0, 20 - len(result.failures))]
            bar.update(count)
    except KeyboardInterrupt:
        stop.append(1)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        result.interrupted = bool(stop)
        bar.close()
        pool.shutdown(wait=not result.interrupted, cancel_futures=True)
        writer.close()
    return result
