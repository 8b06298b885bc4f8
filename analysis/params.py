"""Every parameter a reader can change, declared once.

The notebooks' ``parameters`` cells, the command line's ``-p NAME=VALUE`` checks
and the book's list of parameters all come from :data:`PARAMETERS`; a test keeps
each notebook's ``parameters`` cell equal to these declarations.
"""

from __future__ import annotations

import math
import re
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
    allow_empty: bool = False  # for list parameters: whether an empty list is allowed

    def show(self, value: object) -> str:
        """A value of this parameter as people read it: ``2``, ``1.1``, ``pre_training, post_training``, ``none``."""
        if isinstance(value, list):
            return ", ".join(value) or "none"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def allowed(self) -> str:
        """The allowed values, in words, for error messages and help."""
        if self.type is list:
            which = "subset (possibly empty)" if self.allow_empty else "non-empty subset"
            return f"a comma-separated, {which} of: {', '.join(self.choices or ())}"
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
        Parameter(
            "prompt_chars", 150, "characters",
            "Length of the prompt whose request is costed, in characters.",
            "nextbigfuture2024deepseek, reader comment ('~150-character prompt')", ("inference_vs_search",),
            type=int, minimum=0, maximum=1_000_000,
        ),
        Parameter(
            "output_tokens", 500, "tokens",
            "Tokens the model generates in its answer.",
            "you2025chatgpt, assumptions spreadsheet (Baseline GPT-4o: 500 output tokens)", ("inference_vs_search",),
            type=int, minimum=1, maximum=1_000_000,
        ),
        Parameter(
            "chars_per_token", 4.0, "characters per token",
            "Characters of English text per token, to turn the prompt's length into tokens.",
            "openaitokens, rules of thumb ('1 token ≈ 4 characters')", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=20.0,
        ),
        Parameter(
            "serving_method", "roofline", "",
            "How a request is costed: roofline (the serving model: prefill and decode rooflines, efficiencies calibrated to measured energy) "
            "or epoch (Epoch AI's method: FLOP at `utilization` of peak, × power × `power_fraction_serving` × host overhead × PUE).",
            "roofline: this book's serving model (kaplan2020scaling; pope2022efficiently; data/measured_inference.csv); epoch: you2025chatgpt",
            ("inference_vs_search",), type=str, choices=("roofline", "epoch"),
        ),
        Parameter(
            "utilization", 0.1, "fraction of peak FLOP/s",
            "Share of the accelerator's peak FLOP/s that serving achieves (Epoch AI's method only; the serving model calibrates its own).",
            "you2025chatgpt, assumptions spreadsheet (GPU FLOP utilization 0.1)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=1.0,
        ),
        Parameter(
            "frontier_active_params", 100e9, "parameters",
            "Active parameters per token of a present-day frontier chat model.",
            "you2025chatgpt, assumptions spreadsheet (GPT-4o: 100B active of 400B total)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=1e13,
        ),
        Parameter(
            "batch_size", 64, "requests",
            "Requests decoded together, sharing each read of the weights.",
            "mlenergy2025longitudinal (batch size 64 on H100; an assumption, as production batch sizes are not published)", ("inference_vs_search",),
            type=int, minimum=1, maximum=4096,
        ),
        Parameter(
            "accelerator", "h100-sxm", "",
            "Accelerator that serves the model; its peak FLOP/s and memory bandwidth come from data/hardware.csv.",
            "you2025chatgpt (Epoch AI costs GPT-4o on H100s)", ("inference_vs_search",),
            type=str, choices=("h100-sxm", "h800-sxm", "h200", "b200", "a100-sxm-80gb", "a100-sxm-40gb", "mi300x",
                              "tpu-v5e", "tpu-v5p", "tpu-v6e", "rtx-4090"),
        ),
        Parameter(
            "power_per_accelerator_w", 700.0, "W",
            "Rated power per accelerator; left at its default, the chosen accelerator's own rating is used (1,275 W is Epoch AI's whole-server figure per H100: set power_scope=server with it).",
            "nvidia2023h100, spec table (H100 SXM max TDP 700 W)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=20_000.0,
        ),
        Parameter(
            "power_fraction_serving", 0.7, "fraction of rated power",
            "Average draw while serving, as a fraction of the rated power per accelerator (Epoch AI's method only; the serving model draws idle + a load-dependent share).",
            "you2025chatgpt, assumptions spreadsheet (power adjustment for partial utilization 0.7)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=1.0,
        ),
        Parameter(
            "host_overhead_factor", 1.57, "IT energy over accelerator energy",
            "Host CPU, memory and idle capacity on top of the accelerators (1 when the power figure is already per server).",
            "elsworth2025gemini, Table 1 ((0.14 + 0.06 + 0.02) / 0.14 Wh per median prompt)", ("inference_vs_search",),
            minimum=1.0, maximum=5.0,
        ),
        Parameter(
            "serving_pue", 1.2, "dimensionless",
            "Power usage effectiveness of the data centre that serves the model.",
            "you2025chatgpt, assumptions spreadsheet (PUE 1.2; 'ranges from 1.1 to 1.3 for AI data centers')", ("inference_vs_search",),
            minimum=1.0, maximum=3.0,
        ),
        Parameter(
            "precision", "bf16", "",
            "Number format the model is served in: bf16 (2-byte weights, the accelerator's BF16 peak) or fp8 (1-byte weights, its FP8 peak).",
            "you2025chatgpt, assumptions spreadsheet (bf16 peak FLOP/s); FP8 where the accelerator has it (nvidia2023h100)", ("inference_vs_search",),
            type=str, choices=("bf16", "fp8"),
        ),
        Parameter(
            "accelerators_per_replica", 0, "accelerators",
            "Accelerators that serve one copy of the model together; 0 sizes the replica from its weights and KV cache.",
            "Sized automatically (0): the fewest of 1, 2, 4, 8 or whole 8-GPU servers that hold weights and cache (pope2022efficiently, §3.2)", ("inference_vs_search",),
            type=int, minimum=0, maximum=4096,
        ),
        Parameter(
            "power_scope", "auto", "",
            "What the power figure covers: the accelerator alone (host overhead added) or the whole server (nothing added); auto: as data/hardware.csv says for the accelerator.",
            "Each accelerator's power_scope in data/hardware.csv", ("inference_vs_search",),
            type=str, choices=("auto", "accelerator", "server"),
        ),
        Parameter(
            "wue_l_per_kwh", 1.08, "L per kWh of IT energy",
            "On-site water usage effectiveness: cooling water evaporated per kWh of IT energy.",
            "elsworth2025gemini, Abstract (0.26 mL / 0.24 Wh per median Gemini Apps text prompt)", ("inference_vs_search",),
            minimum=0.0, maximum=20.0,
        ),
        Parameter(
            "electricity_water_l_per_kwh", 3.14, "L per kWh of electricity",
            "Water consumed off site to generate each kWh of electricity (the grid's water intensity).",
            "li2023thirsty, §2 (U.S. average electricity water intensity; an estimate, not checked against the paper's text)",
            ("inference_vs_search",),
            minimum=0.0, maximum=100.0,
        ),
        Parameter(
            "search_estimates", ["holzle-2009-search", "vanderbauwhede-2024-search"], "",
            "Published per-search figures (data/published_energy.csv) whose span is the search energy's range; the newest is central.",
            "holzle2009search (0.0003 kWh, 2009) and vanderbauwhede2024search (0.00004 kWh, 2024)", ("inference_vs_search",),
            type=list, choices=("holzle-2009-search", "vanderbauwhede-2024-search"),
        ),
        Parameter(
            "bytes_per_response", 20_000.0, "bytes",
            "Bytes sent over the network for one chat answer.",
            "Assumption: the answer's text (about 2 kB) × 10 for protocol overhead; no measurement found", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=1e9,
        ),
        Parameter(
            "bytes_per_search_page", 500_000.0, "bytes",
            "Bytes sent over the network for one page of search results.",
            "Assumption: about a fifth of the median mobile page (httparchive2024pageweight); no measurement found", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=1e9,
        ),
        Parameter(
            "network_year", 2025, "year",
            "Year at which the network's energy per GB is read off the halving trend.",
            "aslan2018electricity, Abstract (0.06 kWh/GB in 2015, halving about every 2 years)", ("inference_vs_search",),
            type=int, minimum=2000, maximum=2040,
        ),
        Parameter(
            "phone_power_w", 3.0, "W",
            "Power a phone draws while browsing.",
            "expertbeaconphone ('Web browsing 2-4 W', midpoint; no primary measurement found)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=50.0,
        ),
        Parameter(
            "laptop_power_w", 15.0, "W",
            "Power a laptop draws at the desktop, as when reading an answer.",
            "atwood2006laptop ('idle at Windows desktop 15w', a 2003 laptop)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=500.0,
        ),
        Parameter(
            "client_device", "phone", "",
            "Device the reader asks from, for the client share of the energy breakdown.",
            "Assumption: a phone, the most common device", ("inference_vs_search",),
            type=str, choices=("phone", "laptop"),
        ),
        Parameter(
            "client_seconds", 10.0, "s",
            "Seconds the client device spends on one request or search, for the energy breakdown.",
            "Assumption: no source measures it", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=3600.0,
        ),
        Parameter(
            "local_gpu_power_w", 450.0, "W",
            "Power of a consumer GPU generating text locally.",
            "engadget2022rtx4090 (RTX 4090: 450 W TDP)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=5000.0,
        ),
        Parameter(
            "local_gpu_tokens_per_s", 152.56, "tokens per second",
            "Decoding speed of a 7B model on that consumer GPU.",
            "mlcai2023perfbench (RTX 4090, ExLlama, Llama-2 7B, 4-bit)", ("inference_vs_search",),
            minimum=0.0, exclusive_minimum=True, maximum=100_000.0,
        ),
        Parameter(
            "samples", 10_000, "draws",
            "Monte Carlo draws for the uncertainty intervals.",
            "At 10,000 draws the 5th and 95th percentiles move about 2 % from seed to seed", ("inference_vs_search",),
            type=int, minimum=1, maximum=10_000_000,
        ),
        Parameter(
            "pinned_inputs", [], "",
            "Inputs whose range collapses to their central value in the Monte Carlo, for a scenario that fixes them "
            "(e.g. a host overhead already included in a whole-server power figure).",
            "No input is pinned: every range is as sourced", ("inference_vs_search",),
            type=list, allow_empty=True,
            choices=("batch_size", "bytes_per_response", "bytes_per_search_page", "chars_per_token", "frontier_active_params",
                     "host_overhead_factor", "laptop_power_w", "local_gpu_power_w", "local_gpu_tokens_per_s", "output_tokens",
                     "phone_power_w", "power_fraction_serving", "serving_pue", "utilization"),
        ),
        Parameter(
            "seed", 2025, "",
            "Seed of the Monte Carlo random numbers; the same seed gives the same numbers.",
            "Any fixed number", ("inference_vs_search",),
            type=int, minimum=0, maximum=2**32 - 1,
        ),
    ]
}


FRONT_PAGE = "index"  # the front page judges every claim, so it takes every parameter


def for_notebook(notebook: str) -> dict[str, Parameter]:
    """The parameters a notebook declares, in declaration order."""
    if notebook == FRONT_PAGE:
        return dict(PARAMETERS)
    return {name: p for name, p in PARAMETERS.items() if notebook in p.notebooks}


def defaults(notebook: str | None = None) -> dict[str, object]:
    params = PARAMETERS if notebook is None else for_notebook(notebook)
    return {name: (list(p.default) if isinstance(p.default, list) else p.default) for name, p in params.items()}


# "1,3": a number written with a decimal comma (or a thousands separator, "1,000"); numbers take a decimal point.
DECIMAL_COMMA = re.compile(r"[+-]?\d+(,\d+)+")


def _check(p: Parameter, value: object) -> str | None:
    """Return a problem with ``value`` for ``p``, or None when it is allowed."""
    where = f"parameter {p.name}"
    if p.type is list:
        items = value.split(",") if isinstance(value, str) else value
        if isinstance(items, str) and not items.strip():
            items = []
        if not isinstance(items, (list, tuple)) or (not items and not p.allow_empty) or not all(isinstance(i, str) for i in items):
            return f"{where}: {value!r} is not allowed; allowed: {p.allowed()}"
        bad = [i for i in items if i.strip() not in (p.choices or ())]
        if bad:
            return f"{where}: {', '.join(map(repr, bad))} not allowed; allowed: {p.allowed()}"
        twice = sorted({i.strip() for i in items if [j.strip() for j in items].count(i.strip()) > 1})
        if twice:  # a stage counted twice would double its GPU-hours
            return f"{where}: {', '.join(map(repr, twice))} given more than once; allowed: {p.allowed()}, each at most once"
        return None
    if p.type in (float, int):
        if isinstance(value, str) and DECIMAL_COMMA.fullmatch(value.strip()):
            point = value.strip().replace(",", ".")
            return f"{where}: {value!r} is not a number; write a decimal point, not a comma ({point}); allowed: {p.allowed()}"
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
            elif p.type is list:
                merged[name] = [v.strip() for v in (value.split(",") if isinstance(value, str) else value)]
            else:
                # 500.0 from YAML or "5e2" from the command line reach the notebook as the whole number 500
                merged[name] = int(value) if p.type is int else value
    if problems:
        raise ParameterError(problems)
    return merged


def refuse_undeclared(namespace: dict[str, object], injected: list[str]) -> None:
    """Raise ParameterError if an injected name is not a parameter the notebook's ``parameters`` cell declared.

    Called by the cell papermill injects (see :mod:`analysis.build.papermill_ext`),
    before its assignments, so ``namespace`` holds what the ``parameters`` cell
    defined. Only notebooks that import this module are checked. One line per
    unknown name, naming the nearest declared ones.
    """
    import difflib
    import sys

    if not any(value is sys.modules[__name__] for value in list(namespace.values())):
        return
    declared = [name for name in PARAMETERS if name in namespace]
    problems = []
    for name in injected:
        if name not in declared:
            near = difflib.get_close_matches(name, declared, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            problems.append(f"parameter {name}: not declared by this notebook; {hint}declared: {', '.join(declared)}")
    if problems:
        raise ParameterError(problems)


def parameters_cell(notebook: str) -> str:
    """The source of a notebook's ``parameters`` cell, generated from the declarations."""
    lines = ["# Parameters: papermill replaces these defaults (declared in analysis/params.py)."]
    for p in for_notebook(notebook).values():
        unit = f" [{p.unit}]" if p.unit else ""
        lines.append(f"{p.name} = {p.default!r}  # {p.description}{unit}")
    return "\n".join(lines)


def table(values: dict[str, object], notebook: str):
    """The parameters a page ran with, as a small table (changed ones marked)."""
    import pandas as pd

    rows = []
    for name, p in for_notebook(notebook).items():
        value = values.get(name, p.default)
        shown = p.show(value)
        rows.append({
            "parameter": name,
            "value": shown + ("" if value == p.default else " (changed)"),
            "unit": p.unit,
            "default comes from": p.source,
        })
    return pd.DataFrame(rows)


def reference_table(notebook: str | None = None):
    """Every declared parameter with its default, unit, allowed values, meaning and source (the Parameters page)."""
    import pandas as pd

    rows = []
    for p in (PARAMETERS if notebook is None else for_notebook(notebook)).values():
        default = p.show(p.default)
        rows.append({
            "parameter": p.name, "default": default, "unit": p.unit, "allowed": p.allowed(),
            "what it sets": p.description, "default comes from": p.source, "used by": ", ".join(p.notebooks),
        })
    return pd.DataFrame(rows)
