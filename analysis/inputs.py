"""The sourced uncertain inputs of the inference chapter (data/inference_inputs.csv) and how their ranges follow parameters.

A parameter sets an input's central value and the range moves with it, keeping its sourced width on the
scale :data:`RANGE_SCALES` names for the input (by default relative to the central value). The scales never
carry a range past a physical limit, so nothing is clipped, and a parameter set to its limit (no host
overhead, PUE 1, one request per batch, full utilization) means exactly that, with no range left. At the
defaults the ranges are exactly the sourced ones. Both request methods (analysis.inference_analysis and
analysis.serving_analysis) read their inputs here, so neither imports the other for them.
"""

from __future__ import annotations

import weakref

import pandas as pd

from analysis import uncertainty as mc
from analysis.data import Dataset
from analysis.energy_tables import check_inputs
from analysis.schema import DataError

# How each input's range follows its parameter: the one place these choices are made (see input_range).
# An input not named here keeps low / central and high / central as sourced, which never crosses 0.
RANGE_SCALES = {
    # Factors >= 1 whose part above 1 is the uncertain quantity: host-and-idle overhead, facility overhead
    # (PUE), and the other requests sharing each read of the weights (batch size). The part above 1 scales,
    # so a factor set to 1 means none of it, exactly: (1, 1, 1).
    "host_overhead_factor": "excess_over_one",
    "serving_pue": "excess_over_one",
    "batch_size": "excess_over_one",
    # Fractions in (0, 1]: the odds x / (1 − x) scale, so the range stays inside (0, 1] and a fraction set to 1
    # (all of peak FLOP/s, all of rated power) means exactly 1.
    "utilization": "odds",
    "power_fraction_serving": "odds",
}
# Inputs that take one of their three values and nothing between (none at present: the bytes per weight follow
# the ``precision`` parameter). Batch size stays continuous: under continuous batching the number of requests
# sharing a decoding step changes from step to step, and the model needs its average, which need not be whole.
DISCRETE_INPUTS: frozenset[str] = frozenset()



_INPUT_RANGES: "weakref.WeakKeyDictionary[Dataset, pd.DataFrame]" = weakref.WeakKeyDictionary()


def input_ranges(data: Dataset) -> pd.DataFrame:
    """The sourced uncertain inputs, one row each: low, central, high, unit and linked parameter.

    Built once per loaded dataset: the Monte Carlo and the exercises' searches ask for it thousands of times.
    """
    if data not in _INPUT_RANGES:
        _INPUT_RANGES[data] = _input_ranges(data)
    return _INPUT_RANGES[data]


def _input_ranges(data: Dataset) -> pd.DataFrame:
    frame = data.inference_inputs
    problems = check_inputs(frame)
    if problems:
        raise DataError(problems)
    wide = frame.pivot(index="input", columns="bound", values="value")[["low", "central", "high"]]
    first = frame.drop_duplicates("input").set_index("input")
    wide["unit"] = first["unit"]
    wide["parameter"] = first["parameter"].fillna("")
    return wide.loc[first.index].rename_axis(None)


def _scaled(bound: float, central: float, value: float, scale: str) -> float:
    """Move one end of a sourced range (``bound``, around ``central``) to a parameter's ``value`` on ``scale``.

    "ratio": bound × value / central. "excess_over_one": 1 + (bound − 1) × (value − 1) / (central − 1).
    "odds": the bound's odds b / (1 − b) times value's odds over central's, back to a fraction (1 stays 1).
    Each maps central to value, keeps the bounds' order and never crosses the scale's limit.
    """
    if value == central:
        return bound
    if scale == "excess_over_one":
        return 1.0 + (bound - 1.0) * (value - 1.0) / (central - 1.0)
    if scale == "odds":
        if bound == 1.0 or value == 1.0:
            return 1.0
        odds = bound / (1.0 - bound) * (value / (1.0 - value)) / (central / (1.0 - central))
        return odds / (1.0 + odds)
    return bound * value / central


def input_range(data: Dataset, params: dict, name: str) -> mc.Range:
    """One input's range, centred on its parameter's value when it has one (see the module note).

    A pinned input (``pinned_inputs``) is fixed at its parameter's value. Raises DataError when a
    scaled input's sourced central value sits at its scale's limit (nothing left to scale).
    """
    ranges = input_ranges(data)
    if name not in ranges.index:
        raise KeyError(f"data/inference_inputs.csv: no input named {name!r}; inputs: {', '.join(ranges.index)}")
    row = ranges.loc[name]
    low, central, high = float(row["low"]), float(row["central"]), float(row["high"])
    discrete = name in DISCRETE_INPUTS
    parameter = row["parameter"]
    if not parameter:
        return mc.Range(low, central, high, discrete)
    value = float(params[parameter])
    if name in params.get("pinned_inputs", ()):  # a scenario fixed this input: no uncertainty left in it
        return mc.Range(value, value, value, discrete)
    scale = RANGE_SCALES.get(name, "ratio")
    limit = {"ratio": 0.0, "excess_over_one": 1.0, "odds": 1.0}[scale]
    if central == limit:
        raise DataError([f"data/inference_inputs.csv: input {name}, column value: central {central:g} is at the limit {limit:g} "
                         f"of its {scale} scale, so its range cannot follow parameter {parameter}; allowed: a central value "
                         f"{'above' if scale != 'odds' else 'below'} {limit:g}"])
    # min/max only absorb rounding: the scales keep low <= central <= high
    return mc.Range(min(_scaled(low, central, value, scale), value), value, max(_scaled(high, central, value, scale), value), discrete)


