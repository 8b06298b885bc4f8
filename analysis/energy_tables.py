"""Schemas of the energy tables in ``data/`` (the inference-versus-search chapter).

``inference_inputs`` is long: one row per bound (low, central, high) of each
uncertain input, because the bounds often come from different sources and each
number keeps its own citation, locator and kind. :func:`check_inputs` checks
what a per-cell schema cannot: every input has all three bounds, in order, with
one unit and one parameter.
"""

from __future__ import annotations

import pandas as pd

from analysis.schema import Column, Table

# The same kinds as analysis.data.KINDS (data.py imports this module, so it cannot be imported here).
_KINDS = ("reported", "estimate", "derived")
BOUNDS = ("low", "central", "high")
_positive = dict(kind="number", minimum=0.0, exclusive_minimum=True)

# name -> Table; loaded and validated by analysis.data.load like every other table.
ENERGY_TABLES: dict[str, Table] = {
    "inference_inputs": Table(
        "inference_inputs",
        key="input",
        unique_together=("input", "bound"),
        columns=(
            Column("input", description="Name of the uncertain input (the model's argument name)"),
            Column("bound", choices=BOUNDS),
            Column("value", kind="number", minimum=0.0),
            Column("unit"),
            Column("parameter", required=False, description="Parameter in analysis/params.py that moves the central value"),
            Column("source"),
            Column("locator"),
            Column("kind", choices=_KINDS),
            Column("note", required=False),
        ),
    ),
    "published_energy": Table(
        "published_energy",
        key="estimate_id",
        columns=(
            Column("estimate_id", unique=True),
            Column("service", choices=("llm_request", "web_search")),
            Column("subject", description="What one unit is: whose request or search, and how long"),
            Column("year", kind="integer", minimum=2000, maximum=2100, description="Year the figure describes"),
            Column("boundary", description="What the figure counts and leaves out"),
            Column("reported_value", **_positive),
            Column("reported_unit", choices=("J", "Wh", "kWh")),
            Column("kind", choices=_KINDS),
            Column("source"),
            Column("locator"),
            Column("note", required=False),
        ),
    ),
    "network_intensity": Table(
        "network_intensity",
        key="intensity_id",
        columns=(
            Column("intensity_id", unique=True),
            Column("year", kind="integer", minimum=1990, maximum=2100),
            Column("kwh_per_gb", **_positive),
            Column("network", choices=("fixed", "mobile")),
            Column("scope"),
            Column("halving_years", kind="number", required=False, minimum=0.0, exclusive_minimum=True),
            Column("kind", choices=_KINDS),
            Column("source"),
            Column("locator"),
            Column("note", required=False),
        ),
    ),
}
# name -> key column the loaded frame is indexed by (inference_inputs has no single key).
ENERGY_INDEX: dict[str, str] = {
    "published_energy": "estimate_id",
    "network_intensity": "intensity_id",
}


def check_inputs(frame: pd.DataFrame, path: str = "data/inference_inputs.csv") -> list[str]:
    """Problems with the uncertain inputs as a whole: missing bounds, bounds out of order, mixed units.

    Each problem names the file, the input and the column, like the schema's messages.
    """
    problems: list[str] = []
    frame = frame.reset_index(drop=True)
    for name, rows in frame.groupby("input", sort=False):
        first = int(rows.index[0])
        where = f"{path}: input {name} (first at row {first + 1}, line {first + 2})"
        bounds = list(rows["bound"])
        missing = [b for b in BOUNDS if b not in bounds]
        if missing:
            problems.append(f"{where}, column bound: missing {', '.join(missing)}; each input needs low, central and high")
            continue
        value = dict(zip(rows["bound"], rows["value"]))
        if not value["low"] <= value["central"] <= value["high"]:
            problems.append(
                f"{where}, column value: need low <= central <= high; got {value['low']:g}, {value['central']:g}, {value['high']:g}"
            )
        for column in ("unit", "parameter"):
            seen = {str(v) for v in rows[column].fillna("")}
            if len(seen) > 1:
                problems.append(f"{where}, column {column}: differs between bounds ({', '.join(sorted(seen))})")
    return problems
