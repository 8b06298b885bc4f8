"""One point of a parameter grid, evaluated in-process: a chapter's glued numbers and verdicts for one set of values.

A sweep (``python -m analysis sweep``) used to execute a whole notebook per
point. Every number a chapter glues comes from pure functions of this package,
so :func:`chapter_row` calls those same functions, in the order the chapter's
first cells call them, and returns the same names with the same values. The
notebooks remain the book's executor; this module is how a grid of thousands of
points is evaluated in seconds. For the training chapter,
:func:`chapter_columns` evaluates many points in one call (numpy arrays through
the same functions), which is how a million points take seconds.

What a row holds (both sweep modes, so their CSVs have the same columns): every
number a chapter glues in its analysis cells, every claim's verdict word
(``verdict_<claim>``) and, for the inference chapter, every claim's claimed
range (``claimed_<claim>``). Generated sentences (Markdown prose) are not
columns: they are not numbers, and each is composed from the numbers that are.
The exercises' answers (``ex_*``) are not columns either: they answer fixed
questions, not the reader's parameters.
"""

from __future__ import annotations

from typing import Mapping

from analysis import params as P

NOTEBOOKS = ("training_compute", "inference_vs_search", "index")


def is_column(name: str, value: object) -> bool:
    """Whether a glued value is a sweep column: a number, a verdict word or a claimed range; not prose, not an exercise."""
    if name.startswith("ex_"):
        return False
    if name.startswith(("verdict_", "claimed_")):
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def notebook_values(notebook: str, point: Mapping[str, object]) -> dict[str, object]:
    """The values a notebook's parameters cell holds for ``point``: papermill's injection over the declared defaults, validated.

    Raises :class:`analysis.params.ParameterError` (as the notebook's own check does) for a bad value.
    """
    declared = P.for_notebook(notebook)
    return P.validate({name: point.get(name, p.default) for name, p in declared.items()}, notebook=notebook)


class _Reading(dict):
    """The parameters, noting which names a computation reads (every name, when it copies or iterates them)."""

    def __init__(self, values: Mapping[str, object]):
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)

    def __contains__(self, name):
        self.read.add(name)
        return super().__contains__(name)

    def __iter__(self):
        self.read.update(super().keys())
        return super().__iter__()

    def keys(self):
        self.read.update(super().keys())
        return super().keys()

    def items(self):
        self.read.update(super().keys())
        return super().items()

    def values(self):
        self.read.update(super().keys())
        return super().values()


class ClaimMemo:
    """Claim checks remembered by the parameters each one reads: a sweep over price re-judges only the claims that read the price.

    A check is a pure function of the data and the parameters. Evaluated once with the parameters wrapped in
    :class:`_Reading`, it records the names it read; a later point whose values agree on those names would take
    the same branches and read the same values, so it gets the same entry. (A check that copies or iterates the
    parameters records every name, and is then remembered only for identical points.)
    """

    def __init__(self, dataset, limit: int = 4096):
        self.dataset, self.limit = dataset, limit
        self.entries: dict[str, dict[tuple[str, ...], dict[tuple, dict]]] = {}

    @staticmethod
    def _frozen(value):
        return tuple(value) if isinstance(value, list) else value

    def evaluate(self, claim_id: str, params: Mapping[str, object]) -> dict:
        return self.evaluate_reading(claim_id, params)[0]

    def evaluate_reading(self, claim_id: str, params: Mapping[str, object]) -> tuple[dict, tuple[str, ...]]:
        """:meth:`evaluate`, and the names of the parameters the check read: every point that agrees on them gets this entry."""
        from analysis import claims

        by_names = self.entries.setdefault(claim_id, {})
        for names, results in by_names.items():
            hit = results.get(tuple(self._frozen(params.get(n)) for n in names))
            if hit is not None:
                return hit, names
        reading = _Reading(params)
        entry = claims.evaluate(self.dataset, claim_id, reading)
        names = tuple(sorted(reading.read))
        results = by_names.setdefault(names, {})
        if len(results) >= self.limit:
            results.clear()
        results[tuple(self._frozen(params.get(n)) for n in names)] = entry
        return entry, names

    def ledger(self, params: Mapping[str, object], chapter: str | None = None) -> list[dict]:
        """:func:`analysis.claims.ledger`, remembered."""
        data = self.dataset
        ids = [cid for cid, ch in zip(data.claims.index, data.claims["chapter"]) if chapter is None or ch == chapter]
        return [self.evaluate(cid, params) for cid in ids]


_MEMOS: dict[int, ClaimMemo] = {}


def _memo(dataset) -> ClaimMemo:
    memo = _MEMOS.get(id(dataset))
    if memo is None or memo.dataset is not dataset:
        _MEMOS.clear()
        memo = _MEMOS[id(dataset)] = ClaimMemo(dataset)
    return memo


def _ledger(dataset, params: Mapping[str, object], chapter: str | None = None) -> list[dict]:
    return _memo(dataset).ledger(params, chapter)


def _verdicts(entries: list[dict], claimed: bool) -> dict[str, str]:
    from analysis.claims import VERDICT_TEXT

    row: dict[str, str] = {}
    for entry in entries:
        short = entry["id"].split(".", 1)[1]
        row["verdict_" + short] = VERDICT_TEXT[entry["verdict"]]
        if claimed:
            row["claimed_" + short] = f"{entry['claimed']['low']:g}-{entry['claimed']['high']:g}"
    return row


def chapter_row(dataset, notebook: str, point: Mapping[str, object]) -> dict[str, object]:
    """Name -> value of every sweep column of ``notebook`` at ``point`` (parameter name -> value; missing ones at their defaults).

    The same calls as the chapter's glue cells: ``training_analysis.chapter_numbers`` and the chapter's claims ledger;
    ``inference_analysis.chapter_numbers``, the ledger and ``serving_chapter.chapter_numbers``; the front page's counts.
    Raises what those raise (a bad value, a setting the serving model refuses); a sweep records it as a failed point.
    """
    from analysis.results import _declared_types

    values = notebook_values(notebook, point)
    if notebook == "training_compute":
        from analysis import training_analysis as ta

        row: dict[str, object] = dict(ta.chapter_numbers(dataset, values))
        row |= _verdicts(_ledger(dataset, {**P.defaults(), **values}, chapter=notebook), claimed=False)
    elif notebook == "inference_vs_search":
        from analysis import inference_analysis as ia
        from analysis import serving_chapter as sc

        row = dict(ia.chapter_numbers(dataset, values))
        row |= _verdicts(_ledger(dataset, {**P.defaults(), **values}, chapter=notebook), claimed=True)
        serving_params = {**P.defaults(), **values}
        serving = sc.chapter_results(dataset, serving_params, sc.explicit_parameters(values, P.defaults()))
        row |= sc.chapter_numbers(serving)
    elif notebook == "index":
        entries = _ledger(dataset, values)
        row = {"claims_total": len(entries), "claims_holding": sum(e["verdict"] == "holds" for e in entries)}
    else:
        raise ValueError(f"notebook {notebook}: has no in-process evaluation; allowed: {', '.join(NOTEBOOKS)}")
    return {name: value for name, value in _declared_types(row).items() if is_column(name, value)}


# ---- many points at once ----

def array_parameters(notebook: str) -> tuple[str, ...]:
    """The parameters :func:`chapter_columns` evaluates as numpy arrays for ``notebook``; empty where it has no vectorised path.

    The training chapter's numbers are arithmetic on the price, power fraction, PUE and grid intensity
    (:data:`analysis.training_analysis.ARRAY_PARAMETERS`); the inference chapter runs a Monte Carlo and a serving
    model per point, and the front page judges every claim, so those are evaluated point by point (:func:`chapter_row`).
    """
    if notebook == "training_compute":
        from analysis import training_analysis as ta

        return ta.ARRAY_PARAMETERS
    return ()


def _checked(notebook: str, name: str, values: list) -> None:
    """Raise :class:`analysis.params.ParameterError` for the values of ``name`` the parameter does not allow (each checked once)."""
    problems = []
    for value in dict.fromkeys(values):
        try:
            P.validate({name: value}, notebook=notebook)
        except P.ParameterError as err:
            problems += err.problems
    if problems:
        raise P.ParameterError(problems)


def chapter_columns(dataset, notebook: str, points: Mapping[str, object]) -> dict[str, object]:
    """Every sweep column of ``notebook`` at many points at once: name -> numpy array, one element per point.

    ``points`` maps a parameter name to its values, one per point (sequences or arrays of one length; missing
    parameters at their defaults). The result has :func:`chapter_row`'s names in its order, and element ``i`` equals
    ``chapter_row(dataset, notebook, point_i)[name]`` to the last digit: the same functions compute both. Points are
    grouped by the values of the parameters that are not :func:`array_parameters` (for the training chapter, the
    counted stages); per group:

    - every number is one call of ``training_analysis.chapter_numbers`` with the array parameters as arrays;
    - a verdict whose check reads no array parameter (remembered by :class:`ClaimMemo`) is judged once for the group;
      one whose check reads one (the cost claim reads the price) is judged element-wise (:func:`analysis.claims.verdicts`),
      or point by point where its check takes only plain numbers.

    Numbers are float arrays, verdict words object arrays of ``str``. Raises ``ValueError`` for a notebook without a
    vectorised path (:func:`array_parameters` empty) or points of unequal length, and
    :class:`analysis.params.ParameterError` for a value the parameter does not allow (as :func:`chapter_row` would).
    """
    import numpy as np

    from analysis import claims
    from analysis import training_analysis as ta
    from analysis.claims import VERDICT_TEXT
    from analysis.results import _declared_types

    arrays = array_parameters(notebook)
    if not arrays:
        raise ValueError(f"notebook {notebook}: has no vectorised evaluation; allowed: training_compute (others: chapter_row per point)")
    lengths = {len(values) for values in points.values()}
    if len(lengths) > 1:
        raise ValueError(f"points: the parameters' value lists differ in length ({sorted(lengths)}); allowed: one value per point for each")
    n = lengths.pop() if lengths else 1
    declared = P.for_notebook(notebook)
    for name in points:
        if name not in declared:
            raise P.ParameterError([f"parameter {name}: unknown; known parameters of {notebook}: {', '.join(declared)}"])
    # Each array parameter's values are checked as the per-point path checks them (the objects as given), then made floats.
    numeric = {}
    for name in arrays:
        if name in points:
            given = points[name].tolist() if isinstance(points[name], np.ndarray) else list(points[name])
            _checked(notebook, name, given)
            numeric[name] = np.asarray([float(v) for v in given], dtype=float)
    others = [name for name in points if name not in arrays]
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(*(map(ClaimMemo._frozen, points[name]) for name in others)) if others else ((),) * n):
        groups.setdefault(key, []).append(i)
    memo = _memo(dataset)
    chapter_claims = [cid for cid, ch in zip(dataset.claims.index, dataset.claims["chapter"]) if ch == notebook]
    columns: dict[str, object] = {}
    for positions in groups.values():
        where = np.asarray(positions)
        values = notebook_values(notebook, {name: points[name][positions[0]] for name in others})
        at_points = {**values, **{name: column[where] for name, column in numeric.items()}}
        part: dict[str, object] = dict(ta.chapter_numbers(dataset, at_points))
        ledger_values = {**P.defaults(), **values}
        for cid in chapter_claims:
            entry, read = memo.evaluate_reading(cid, ledger_values)
            if not set(read) & set(numeric):
                words = np.full(len(where), VERDICT_TEXT[entry["verdict"]], dtype=object)
            else:
                try:
                    keys = np.broadcast_to(claims.verdicts(dataset, cid, {**ledger_values, **at_points}), (len(where),))
                except (TypeError, ValueError):  # a check that takes only plain numbers: judged point by point
                    keys = [memo.evaluate(cid, {**ledger_values, **{name: float(column[i]) for name, column in numeric.items()}})["verdict"]
                            for i in where]
                words = np.array([VERDICT_TEXT[k] for k in keys], dtype=object)
            part["verdict_" + cid.split(".", 1)[1]] = words
        for name, column in part.items():
            if name not in columns:
                columns[name] = np.empty(n, dtype=object if column.dtype == object else float)
            columns[name][where] = column
    typed = {}
    for name, column in columns.items():
        if not (name.startswith(("verdict_", "claimed_")) or (column.dtype == float and not name.startswith("ex_"))):
            continue
        p = P.PARAMETERS.get(name)
        if p is not None and p.type is int and column.dtype == float:  # as _declared_types types a glued parameter
            column = np.array([_declared_types({name: v})[name] for v in column.tolist()], dtype=object)
        typed[name] = column
    return typed
