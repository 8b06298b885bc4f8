"""One point of a parameter grid, evaluated in-process: a chapter's glued numbers and verdicts for one set of values.

A sweep (``python -m analysis sweep``) used to execute a whole notebook per
point. Every number a chapter glues comes from pure functions of this package,
so :func:`chapter_row` calls those same functions, in the order the chapter's
first cells call them, and returns the same names with the same values. The
notebooks remain the book's executor; this module is how a grid of thousands of
points is evaluated in seconds.

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
        from analysis import claims

        by_names = self.entries.setdefault(claim_id, {})
        for names, results in by_names.items():
            hit = results.get(tuple(self._frozen(params.get(n)) for n in names))
            if hit is not None:
                return hit
        reading = _Reading(params)
        entry = claims.evaluate(self.dataset, claim_id, reading)
        names = tuple(sorted(reading.read))
        results = by_names.setdefault(names, {})
        if len(results) >= self.limit:
            results.clear()
        results[tuple(self._frozen(params.get(n)) for n in names)] = entry
        return entry

    def ledger(self, params: Mapping[str, object], chapter: str | None = None) -> list[dict]:
        """:func:`analysis.claims.ledger`, remembered."""
        data = self.dataset
        ids = [cid for cid, ch in zip(data.claims.index, data.claims["chapter"]) if chapter is None or ch == chapter]
        return [self.evaluate(cid, params) for cid in ids]


_MEMOS: dict[int, ClaimMemo] = {}


def _ledger(dataset, params: Mapping[str, object], chapter: str | None = None) -> list[dict]:
    memo = _MEMOS.get(id(dataset))
    if memo is None or memo.dataset is not dataset:
        _MEMOS.clear()
        memo = _MEMOS[id(dataset)] = ClaimMemo(dataset)
    return memo.ledger(params, chapter)


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
