"""A small declarative schema for the CSV tables in ``data/``.

Each table is described once, as a list of :class:`Column` specs. :func:`validate`
checks a raw table (every cell read as text) against it and raises one
:class:`DataError` listing every problem, each naming the file, the row and the
column, so a bad edit is found in one pass and never becomes a silent NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd


class DataError(ValueError):
    """A data file breaks its schema; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, type and what values it may hold."""

    name: str
    kind: str = "text"  # text | number | integer | date
    required: bool = True  # an empty cell is an error when True
    minimum: float | None = None  # inclusive lower bound for numbers
    exclusive_minimum: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    unique: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A table's schema: its columns and which column names a row."""

    name: str
    columns: tuple[Column, ...]
    key: str | None = None  # column that identifies a row in messages
    unique_together: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _row_label(path: str, i: int, raw: pd.DataFrame, key: str | None) -> str:
    # i is the 0-based data row; line i + 2 in the file because of the header.
    label = f"{path}: row {i + 1} (line {i + 2}"
    if key and key in raw.columns and raw.at[i, key]:
        label += f", {key}={raw.at[i, key]}"
    return label + ")"


def _parse_number(text: str) -> float:
    value = float(text.replace("_", ""))
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


def validate(raw: pd.DataFrame, table: Table, path: str, known_sources: set[str] | None = None) -> pd.DataFrame:
    """Check ``raw`` (all cells as stripped strings, "" for empty) and return typed columns.

    ``known_sources``, when given, is the set of citation keys that a column named
    ``source`` must draw from.
    """
    problems: list[str] = []
    missing = [c for c in table.column_names if c not in raw.columns]
    if missing:
        problems.append(f"{path}: missing column(s) {', '.join(missing)}; expected columns: {', '.join(table.column_names)}")
    unknown = [c for c in raw.columns if c not in table.column_names]
    if unknown:
        problems.append(f"{path}: unknown column(s) {', '.join(unknown)}; expected columns: {', '.join(table.column_names)}")
    if problems:
        raise DataError(problems)

    typed: dict[str, list] = {}
    for col in table.columns:
        values: list = []
        seen: dict[str, int] = {}
        for i, text in enumerate(raw[col.name]):
            where = f"{_row_label(path, i, raw, table.key)}, column {col.name}"
            if text == "":
                if col.required:
                    problems.append(f"{where}: empty, but a value is required")
                values.append(None)
                continue
            value: object = text
            if col.kind in ("number", "integer"):
                try:
                    value = _parse_number(text)
                except ValueError:
                    problems.append(f"{where}: {text!r} is not a finite number")
                    values.append(None)
                    continue
                if col.kind == "integer":
                    if value != int(value):
                        problems.append(f"{where}: {text!r} is not a whole number")
                    value = int(value)
                if col.minimum is not None:
                    too_small = value <= col.minimum if col.exclusive_minimum else value < col.minimum
                    if too_small:
                        bound = ">" if col.exclusive_minimum else ">="
                        problems.append(f"{where}: {text} is out of range; allowed: {bound} {col.minimum:g}")
                if col.maximum is not None and value > col.maximum:
                    problems.append(f"{where}: {text} is out of range; allowed: <= {col.maximum:g}")
            elif col.kind == "date":
                try:
                    value = date.fromisoformat(text)
                except ValueError:
                    problems.append(f"{where}: {text!r} is not a date in YYYY-MM-DD form")
            if col.choices is not None and text not in col.choices:
                problems.append(f"{where}: {text!r} is not allowed; allowed: {', '.join(col.choices)}")
            if col.name == "source" and known_sources is not None and text not in known_sources:
                problems.append(f"{where}: citation key {text!r} is not in data/references.bib")
            if col.unique:
                if text in seen:
                    problems.append(f"{where}: duplicate {text!r} (first at row {seen[text] + 1})")
                else:
                    seen[text] = i
            values.append(value)
        typed[col.name] = values

    if table.unique_together:
        seen_pairs: dict[tuple, int] = {}
        for i in range(len(raw)):
            combo = tuple(raw.at[i, c] for c in table.unique_together)
            if combo in seen_pairs:
                problems.append(
                    f"{_row_label(path, i, raw, table.key)}, columns {'+'.join(table.unique_together)}: "
                    f"duplicate {combo} (first at row {seen_pairs[combo] + 1})"
                )
            else:
                seen_pairs[combo] = i

    if problems:
        raise DataError(problems)
    frame = pd.DataFrame(typed, columns=table.column_names)
    for col in table.columns:
        if col.kind in ("number", "integer"):
            frame[col.name] = pd.to_numeric(frame[col.name]).astype("float64" if col.kind == "number" or not col.required else "int64")
    return frame
