"""Every parameter a reader can change, declared once.

The notebooks' ``parameters`` cells, the command line's ``-p NAME=VALUE`` checks
and the book's list of parameters all come from :data:`PARAMETERS`; a test keeps
each notebook's ``parameters`` cell equal to these declarations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class ParameterError(ValueError):
    """One or more parameter values are not allowed; one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Parameter:
    name: str
    default: object
    unit: str
    description: str
    source: str  # where the default comes from (citation key and locator, or a reason)
    notebooks: tuple[str, ...]
    type: type = float  # float | int | str | list (a list of strings from ``choices``)
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        """The allowed values, in words, for error messages and help."""
        if self.type is list:
            return f"a comma-separated, non-empty subset of: {', '.join(self.choices or ())}"
        if self.choices:
            return f"one of: {', '.join(self.choices)}"
        parts = []
        if self.minimum is not None:
            parts.append(f"{'>' if self.exclusive_minimum else '>='} {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum:g}")
        kind = "a whole number" if self.type is int else "a number" if self.type is float else "text"
        return kind + (" " + " and ".join(parts) if parts else "") + (f" ({self.unit})" if self.unit else "")


TRAINING = ("training_compute",)

PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter(
            "price_usd_per_gpu_hour", 2.0, "USD per GPU-hour",
            "Rental price of one GPU for one hour, applied to every run's GPU-hours.",
            "deepseekai2024v3, Table 1 caption (assumed H800 rental price)", TRAINING,
            minimum=0.0, exclusive_minimum=True, maximum=1000.0,
        ),
        Parameter(
            "pue", 1.1, "dimensionless",
            "Power usage effectiveness of the data centre: facility energy over IT energy.",
            "google2024environmental (fleet-average PUE 1.10 in 2023)", TRAINING,
            minimum=1.0, maximum=3.0,
        ),
        Parameter(
            "power_fraction", 1.0, "fraction of board power",
            "Average draw of a GPU over the run, as a fraction of its board power (TDP).",
            "meta2024llama31card (Meta counts each GPU at its peak power capacity)", TRAINING,
            minimum=0.0, exclusive_minimum=True, maximum=1.0,
        ),
        Parameter(
            "grid_intensity_g_per_kwh", 436.0, "gCO2eq per kWh",
            "Carbon intensity of the electricity used for training.",
            "ember2023review (world average, 2022)", TRAINING,
            minimum=0.0, maximum=2000.0,
        ),
        Parameter(
            "deepseek_stages", ["pre_training", "context_extension", "post_training"], "",
            "Which of DeepSeek-V3's published training stages count towards its GPU-hours.",
            "deepseekai2024v3, Table 1 (all three stages)", TRAINING,
            type=list, choices=("pre_training", "context_extension", "post_training"),
        ),
    ]
}


def for_notebook(notebook: str) -> dict[str, Parameter]:
    """The parameters a notebook declares, in declaration order."""
    return {name: p for name, p in PARAMETERS.items() if notebook in p.notebooks}


def defaults(notebook: str | None = None) -> dict[str, object]:
    params = PARAMETERS if notebook is None else for_notebook(notebook)
    return {name: (list(p.default) if isinstance(p.default, list) else p.default) for name, p in params.items()}


def _check(p: Parameter, value: object) -> str | None:
    """Return a problem with ``value`` for ``p``, or None when it is allowed."""
    where = f"parameter {p.name}"
    if p.type is list:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items or not all(isinstance(i, str) for i in items):
            return f"{where}: {value!r} is not allowed; allowed: {p.allowed()}"
        bad = [i for i in items if i.strip() not in (p.choices or ())]
        if bad:
            return f"{where}: {', '.join(map(repr, bad))} not allowed; allowed: {p.allowed()}"
        return None
    if p.type in (float, int):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{where}: {value!r} is not a number; allowed: {p.allowed()}"
        if math.isnan(value) or math.isinf(value):
            return f"{where}: {value!r} is not a finite number; allowed: {p.allowed()}"
        if p.type is int and value != int(value):
            return f"{where}: {value!r} is not a whole number; allowed: {p.allowed()}"
        low_bad = p.minimum is not None and (value <= p.minimum if p.exclusive_minimum else value < p.minimum)
        high_bad = p.maximum is not None and value > p.maximum
        if low_bad or high_bad:
            return f"{where}: {value!r} is out of range; allowed: {p.allowed()}"
        return None
    if not isinstance(value, str) or (p.choices and value not in p.choices):
        return f"{where}: {value!r} is not allowed; allowed: {p.allowed()}"
    return None


def parse_text(p: Parameter, text: str) -> object:
    """Turn command-line text into a value of the parameter's type (no code is evaluated)."""
    text = text.strip()
    if p.type is list:
        return [item.strip() for item in text.split(",") if item.strip()]
    if p.type in (float, int):
        try:
            number = float(text)
        except ValueError:
            return text  # validation reports it as not a number
        return int(number) if p.type is int and number.is_integer() else number
    return text


def validate(values: dict[str, object], notebook: str | None = None) -> dict[str, object]:
    """Return the full parameter set (defaults overlaid with ``values``), or raise ParameterError.

    Unknown names are errors, not warnings: a misspelt parameter must never be
    silently ignored.
    """
    known = PARAMETERS if notebook is None else for_notebook(notebook)
    problems = []
    for name in values:
        if name not in known:
            scope = f" of {notebook}" if notebook else ""
            problems.append(f"parameter {name}: unknown; known parameters{scope}: {', '.join(known)}")
    merged = defaults(notebook)
    for name, value in values.items():
        if name in known:
            p = known[name]
            if p.type is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            problem = _check(p, value)
            if problem:
                problems.append(problem)
            else:
                merged[name] = [v.strip() for v in value.split(",")] if p.type is list and isinstance(value, str) else value
    if problems:
        raise ParameterError(problems)
    return merged
