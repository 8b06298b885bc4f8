"""Schemas of the energy tables in ``data/`` (the inference-versus-search chapter).

``inference_inputs`` is long: one row per bound (low, central, high) of each
uncertain input, because the bounds often come from different sources and each
number keeps its own citation, locator and kind. :func:`check_inputs` checks
what a per-cell schema cannot: every input has all three bounds, in order, with
one unit and one parameter, and an input with any estimated bound has a range
(low < high).
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.schema import Table, integer, number, numbers, positive, row_rule, table, text

# The same kinds as analysis.data.KINDS (data.py imports this module, so it cannot be imported here).
_KINDS = ("reported", "estimate", "derived")
BOUNDS = ("low", "central", "high")

# Published measurements of inference energy (data/measured_inference.csv).
MEASURED_PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
MEASURED_BOUNDARIES = ("accelerator", "server", "facility")
MEASURED_KINDS = ("reported", "derived")
# energy_j and energy_j_per_output_token x output_tokens may differ by this much (relative) where both
# are given: the sources round, and a mean of per-request energies is not exactly the ratio of the means.
PER_TOKEN_TOLERANCE = 0.02
_MODEL_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


def _per_token_mismatch(f: pd.DataFrame) -> pd.Series:
    """True where energy_j disagrees with energy_j_per_output_token x output_tokens beyond the tolerance."""
    energy, per_token, tokens = numbers(f["energy_j"]), numbers(f["energy_j_per_output_token"]), numbers(f["output_tokens"])
    both = energy.notna() & per_token.notna() & tokens.notna()
    implied = per_token * tokens
    return both & ((energy - implied).abs() > PER_TOKEN_TOLERANCE * implied)


# name -> Table; loaded and validated by analysis.data.load like every other table.
ENERGY_TABLES: dict[str, Table] = {
    "inference_inputs": table(
        "inference_inputs",
        key="input",
        unique_together=("input", "bound"),
        columns={
            "input": text(description="Name of the uncertain input (the model's argument name)"),
            "bound": text(choices=BOUNDS),
            "value": number(minimum=0.0),
            "unit": text(),
            "parameter": text(required=False, description="Parameter in analysis/params.py that moves the central value"),
            "source": text(),
            "locator": text(),
            "kind": text(choices=_KINDS),
            "note": text(required=False),
        },
    ),
    "published_energy": table(
        "published_energy",
        key="estimate_id",
        columns={
            "estimate_id": text(unique=True),
            "service": text(choices=("llm_request", "web_search")),
            "subject": text(description="What one unit is: whose request or search, and how long"),
            "year": integer(minimum=2000, maximum=2100, description="Year the figure describes"),
            "boundary": text(description="What the figure counts and leaves out"),
            "reported_value": positive(),
            "reported_unit": text(choices=("J", "Wh", "kWh")),
            "kind": text(choices=_KINDS, description="reported: the publisher measured it; estimate: the publisher estimated it"),
            "source": text(),
            "locator": text(),
            "note": text(required=False),
        },
    ),
    "published_footprints": table(
        "published_footprints",
        key="estimate_id",
        columns={
            "estimate_id": text(unique=True),
            "service": text(description="The service whose requests the figure describes"),
            "subject": text(description="What one unit is: whose request, and how long"),
            "year": integer(minimum=2000, maximum=2100, description="Year the figure describes"),
            "boundary": text(description="What the figure counts and leaves out (energy, manufacturing, on-site or off-site water)"),
            "co2e_g": number(required=False, minimum=0.0, description="Grams of CO2-equivalent per unit"),
            "water_ml": number(required=False, minimum=0.0, description="Millilitres of water consumed per unit"),
            "kind": text(choices=_KINDS, description="reported: the publisher measured it; estimate: the publisher estimated or modelled it"),
            "source": text(),
            "locator": text(),
            "note": text(required=False),
        },
        rules=(row_rule("co2e_g, water_ml", "a footprint needs at least one of co2e_g and water_ml",
                        lambda f: (f["co2e_g"] != "") | (f["water_ml"] != "")),),
    ),
    "network_intensity": table(
        "network_intensity",
        key="intensity_id",
        columns={
            "intensity_id": text(unique=True),
            "year": integer(minimum=1990, maximum=2100),
            "kwh_per_gb": positive(),
            "network": text(choices=("fixed", "mobile")),
            "scope": text(),
            "halving_years": number(required=False, minimum=0.0, exclusive_minimum=True),
            "kind": text(choices=_KINDS),
            "source": text(),
            "locator": text(),
            "note": text(required=False),
        },
    ),
    "measured_inference": table(
        "measured_inference",
        key="measurement_id",
        columns={
            "measurement_id": text(unique=True),
            "model_id": text(description="Model, a lowercase hyphenated id (the catalogue's ids where they apply)"),
            "accelerator": text(description="Accelerator id, as in hardware.csv"),
            "accelerator_count": integer(minimum=1, description="Accelerators serving one replica"),
            "idle_accelerators_metered": integer(minimum=0, description="Idle accelerators whose draw the meter summed with the busy ones (0: none)"),
            "precision": text(choices=MEASURED_PRECISIONS, description="Weight precision as served"),
            "batch_size": integer(minimum=1, description="Concurrent requests the measurement ran at"),
            "input_tokens": number(required=False, minimum=0.0, exclusive_minimum=True,
                                   description="Input tokens per request (a mean where the source gives one); empty where the source does not publish it"),
            "output_tokens": positive(description="Output tokens per request (a mean where the source gives one)"),
            "engine": text(description="Serving software, e.g. vllm, tgi, hf-transformers, tensorrt-llm"),
            "boundary": text(choices=MEASURED_BOUNDARIES, description="What the meter saw: accelerator (NVML/Zeus GPU counters), server (whole node) or facility"),
            "energy_j": positive(description="Energy per request, J"),
            "energy_j_per_output_token": positive(required=False, description="Energy per output token as the source reports it, J; empty if not reported"),
            "kind": text(choices=MEASURED_KINDS, description="reported: energy_j as published; derived: arithmetic on published values, explained in note"),
            "source": text(),
            "locator": text(),
            "note": text(required=False),
        },
        rules=(
            row_rule("model_id", "{row[model_id]!r} is not a lowercase hyphenated id (e.g. llama-3.1-8b)",
                     lambda f: f["model_id"].map(lambda t: t == "" or bool(_MODEL_ID.match(t)))),
            row_rule("note", "a derived value needs a note saying how it was derived",
                     lambda f: ~((f["kind"] == "derived") & (f["note"] == ""))),
            row_rule("energy_j", f"{{row[energy_j]}} J differs from energy_j_per_output_token x output_tokens "
                     f"({{row[energy_j_per_output_token]}} x {{row[output_tokens]}}) by more than {PER_TOKEN_TOLERANCE:.0%}",
                     lambda f: ~_per_token_mismatch(f)),
        ),
    ),
}
# name -> key column the loaded frame is indexed by (inference_inputs has no single key).
ENERGY_INDEX: dict[str, str] = {
    "published_energy": "estimate_id",
    "published_footprints": "estimate_id",
    "network_intensity": "intensity_id",
    "measured_inference": "measurement_id",
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
        if "estimate" in set(rows["kind"]) and not value["low"] < value["high"]:
            problems.append(
                f"{where}, column value: an estimate needs its range, low < high; got {value['low']:g} and {value['high']:g}"
            )
        for column in ("unit", "parameter"):
            seen = {str(v) for v in rows[column].fillna("")}
            if len(seen) > 1:
                problems.append(f"{where}, column {column}: differs between bounds ({', '.join(sorted(seen))})")
    return problems
