"""Schemas of the CSV tables in ``data/``, written with pandera.

Each table is a :class:`pandera.pandas.DataFrameSchema` over the file read as
text (every cell a stripped string, "" for empty), built from the column
helpers below (:func:`text`, :func:`number`, :func:`integer`, :func:`date`) and
row rules (:func:`row_rule`). :func:`validate` runs it lazily, so every problem
in a file is found in one pass, and turns pandera's failure cases into one
:class:`DataError` whose lines each name the file, the row and the column.
Reading the cells as text first is what lets a bad edit ("seven million", "nan")
be named instead of becoming a silent NaN.

Adding a column to a table is one line: ``"sentence": text()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as _date

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors


class DataError(ValueError):
    """A data file breaks its schema; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ---- cell parsers (shared by the checks and the typed frame) ------------------------


def parse_number(text: str) -> float:
    """A finite float from a cell's text; ValueError otherwise (also for 'nan' and 'inf')."""
    value = float(text.replace("_", ""))
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


def _is_number(text: str) -> bool:
    try:
        parse_number(text)
    except ValueError:
        return False
    return True


def _number_or_none(text: str) -> float | None:
    return parse_number(text) if text != "" and _is_number(text) else None


def numbers(column: pd.Series) -> pd.Series:
    """A text column as floats (NaN where empty or not a number), for row rules."""
    return column.map(lambda t: _number_or_none(t) if isinstance(t, str) else None).astype("float64")


# ---- column helpers ----------------------------------------------------------------
# Each check's ``error`` is the message template the report uses: {text} is the cell.
# A check passes on cells another check reports (an empty cell, text that is not a
# number), so each bad cell gets exactly one message.


def _check(fn: Callable[[str], bool], error: str) -> pa.Check:
    return pa.Check(fn, element_wise=True, error=error)


def _column(kind: str, checks: list[pa.Check], required: bool, description: str) -> pa.Column:
    if required:
        checks = [_check(lambda t: t != "", "empty, but a value is required"), *checks]
    # The kind travels in the column's metadata so validate() knows how to type the cell.
    return pa.Column(str, checks=checks, nullable=False, required=True, description=description or None, metadata={"kind": kind})


def text(required: bool = True, choices: tuple[str, ...] | None = None, unique: bool = False, description: str = "") -> pa.Column:
    """A text column; ``choices`` limits its values, ``unique`` forbids repeats."""
    checks = []
    if choices is not None:
        allowed = ", ".join(choices)
        checks.append(_check(lambda t: t == "" or t in choices, "{text!r} is not allowed; allowed: " + allowed))
    if unique:
        checks.append(pa.Check(lambda s: ~s.duplicated() | (s == ""), error="duplicate {text!r}"))
    return _column("text", checks, required, description)


def number(required: bool = True, minimum: float | None = None, exclusive_minimum: bool = False,
           maximum: float | None = None, integer: bool = False, description: str = "") -> pa.Column:
    """A number column: finite, optionally whole, within [minimum, maximum] (minimum exclusive if asked)."""
    checks = [_check(lambda t: t == "" or _is_number(t), "{text!r} is not a finite number")]
    if integer:
        checks.append(_check(lambda t: _number_or_none(t) is None or float(_number_or_none(t)).is_integer(), "{text!r} is not a whole number"))
    if minimum is not None:
        bound = ">" if exclusive_minimum else ">="
        too_small = (lambda v: v <= minimum) if exclusive_minimum else (lambda v: v < minimum)
        checks.append(_check(lambda t: (v := _number_or_none(t)) is None or not too_small(v), "{text} is out of range; allowed: " + f"{bound} {minimum:g}"))
    if maximum is not None:
        checks.append(_check(lambda t: (v := _number_or_none(t)) is None or v <= maximum, "{text} is out of range; allowed: " + f"<= {maximum:g}"))
    return _column("integer" if integer else "number", checks, required, description)


def integer(required: bool = True, minimum: float | None = None, maximum: float | None = None, description: str = "") -> pa.Column:
    """A whole-number column."""
    return number(required=required, minimum=minimum, maximum=maximum, integer=True, description=description)


def positive(required: bool = True, description: str = "") -> pa.Column:
    """A number column whose values must be > 0."""
    return number(required=required, minimum=0.0, exclusive_minimum=True, description=description)


def date(required: bool = True, description: str = "") -> pa.Column:
    """A date column in YYYY-MM-DD form."""
    def ok(t: str) -> bool:
        try:
            _date.fromisoformat(t)
        except ValueError:
            return t == ""
        return True
    return _column("date", [_check(ok, "{text!r} is not a date in YYYY-MM-DD form")], required, description)


def row_rule(columns: str, message: str, passes: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    """A rule over whole rows: ``passes(frame)`` gives True per row that keeps it.

    ``columns`` and ``message`` make the report line: "<file>: row N (...), column <columns>: <message>".
    ``message`` may use ``{row[<column>]}`` to show a cell of the failing row.
    """
    return pa.Check(passes, error=f"{columns}|{message}")


@dataclass(frozen=True)
class Table:
    """A table's schema and the column whose value names a row in messages."""

    name: str
    schema: pa.DataFrameSchema
    key: str | None = None

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.columns)


def table(name: str, columns: dict[str, pa.Column], key: str | None = None, unique_together: tuple[str, ...] = (),
          rules: tuple[pa.Check, ...] = ()) -> Table:
    """Build a table's schema: its columns in file order, optional unique combination and row rules."""
    checks = list(rules)
    if unique_together:
        joined = "+".join(unique_together)
        checks.append(row_rule(joined, "duplicate combination", lambda f: ~f.duplicated(list(unique_together))))
    schema = pa.DataFrameSchema(columns, checks=checks, strict=True, name=name, coerce=False)
    return Table(name, schema, key)


# ---- validation -------------------------------------------------------------------


def _row_label(path: str, i: int, raw: pd.DataFrame, key: str | None) -> str:
    # i is the 0-based data row; line i + 2 in the file because of the header.
    label = f"{path}: row {i + 1} (line {i + 2}"
    if key and key in raw.columns and raw.at[i, key]:
        label += f", {key}={raw.at[i, key]}"
    return label + ")"


def _with_context(table: Table, known_sources: set[str] | None, aggregators: set[str] | None) -> pa.DataFrameSchema:
    """The table's schema plus the rules that need the bibliography: known keys, no aggregator for a reported value."""
    schema = table.schema
    if "source" not in schema.columns:
        return schema
    if known_sources is not None:
        known = frozenset(known_sources)
        source = schema.columns["source"]
        extra = _check(lambda t: t == "" or t in known, "citation key {text!r} is not in data/references.bib")
        schema = schema.update_column("source", checks=[*source.checks, extra])
    if aggregators and "kind" in schema.columns:
        marked = frozenset(aggregators)
        rule = row_rule(
            "source",
            "{row[source]!r} is an aggregator (marked in data/references.bib); a reported value must cite the party that reported it",
            lambda f: ~((f["kind"] == "reported") & f["source"].isin(marked)),
        )
        schema = pa.DataFrameSchema(schema.columns, checks=[*schema.checks, rule], strict=schema.strict, name=schema.name, coerce=False)
    return schema


def _messages(errors: SchemaErrors, raw: pd.DataFrame, table: Table, path: str) -> list[str]:
    """One line per failure: file, row, column and what is allowed."""
    expected = ", ".join(table.column_names)
    cases = errors.failure_cases
    problems: list[tuple[int, int, str]] = []  # (row, column order, message) for a stable order
    missing = cases[cases["check"] == "column_in_dataframe"]["failure_case"].tolist()
    unknown = cases[cases["check"] == "column_in_schema"]["failure_case"].tolist()
    if missing:
        problems.append((-1, 0, f"{path}: missing column(s) {', '.join(map(str, missing))}; expected columns: {expected}"))
    if unknown:
        problems.append((-1, 1, f"{path}: unknown column(s) {', '.join(map(str, unknown))}; expected columns: {expected}"))
    if missing or unknown:
        return [p for _, _, p in problems]
    order = {c: n for n, c in enumerate(table.column_names)}
    seen_rules: set[tuple[str, int]] = set()
    for case in cases.itertuples():
        if case.index is None or pd.isna(case.index):
            continue
        i = int(case.index)
        where = _row_label(path, i, raw, table.key)
        if case.schema_context == "Column":
            cell = raw.at[i, case.column]
            message = str(case.check).format(text=cell)
            if message.startswith("duplicate "):
                first = int((raw[case.column] == cell).idxmax())
                message += f" (first at row {first + 1})"
            problems.append((i, order.get(case.column, 0), f"{where}, column {case.column}: {message}"))
        elif "|" in str(case.check):
            if (case.check, i) in seen_rules:  # a row rule fails once per column of its row
                continue
            seen_rules.add((case.check, i))
            columns, message = str(case.check).split("|", 1)
            row = raw.loc[i]
            if message == "duplicate combination":
                combo = tuple(raw.at[i, c] for c in columns.split("+"))
                first = int(raw[columns.split("+")].apply(tuple, axis=1).eq(combo).idxmax())
                message = f"duplicate {combo} (first at row {first + 1})"
            label = "columns" if "+" in columns else "column"
            problems.append((i, order.get(columns.split("+")[0].split(",")[0].strip(), 0), f"{where}, {label} {columns}: {message.format(row=row)}"))
    problems.sort(key=lambda p: (p[0], p[1]))
    return [p for _, _, p in problems]


def validate(raw: pd.DataFrame, table: Table, path: str, known_sources: set[str] | None = None,
             aggregators: set[str] | None = None) -> pd.DataFrame:
    """Check ``raw`` (all cells as stripped strings, "" for empty) and return typed columns.

    ``known_sources``, when given, is the set of citation keys a ``source`` column must
    draw from; ``aggregators`` the keys that may not back a ``reported`` value.
    Raises :class:`DataError` listing every problem (pandera's lazy validation).
    """
    schema = _with_context(table, known_sources, aggregators)
    try:
        schema.validate(raw, lazy=True)
    except SchemaErrors as errors:
        raise DataError(_messages(errors, raw, table, path)) from None
    frame = pd.DataFrame(index=raw.index)
    for name, column in table.schema.columns.items():
        kind = column.metadata["kind"]
        cells = raw[name]
        if kind in ("number", "integer"):
            values = pd.to_numeric(cells.map(lambda t: parse_number(t) if t != "" else None), errors="raise").astype("float64")
            all_there = (cells != "").all()
            frame[name] = values.astype("int64") if kind == "integer" and all_there else values
        elif kind == "date":
            frame[name] = cells.map(lambda t: _date.fromisoformat(t) if t else None)
        else:
            frame[name] = cells.map(lambda t: t if t != "" else None)
    return frame.reset_index(drop=True)
