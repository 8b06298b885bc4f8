"""The inference-versus-search chapter's analysis: data in, estimates, tables and claim checks out.

Formulas live in :mod:`analysis.inference` and the Monte Carlo in
:mod:`analysis.uncertainty`; this module feeds them the sourced ranges in
``data/inference_inputs.csv`` under the reader's parameters.

How a parameter and a sourced range combine: the parameter sets the central
value and the range moves with it, keeping its sourced width on the scale
:data:`RANGE_SCALES` names for the input (by default relative to the central
value). The scales never carry a range past a physical limit, so nothing is
clipped, and a parameter set to its limit (no host overhead, PUE 1, one request
per batch, full utilization) means exactly that, with no range left. At the
defaults the ranges are exactly the sourced ones. How each range is drawn is
:mod:`analysis.uncertainty`'s rule (log-triangular, mode at the central value),
with the inputs in :data:`DISCRETE_INPUTS` drawn as one of their three values.

Every estimate reports ``central`` (the model with every input at its central
value: the point estimate, which reproduces Epoch AI's arithmetic under its
scenario), the Monte Carlo ``median`` and the interval ``low``–``high``: the
5th to 95th percentile of the draws, stretched to reach the point estimate when
that falls outside them (``Estimate.extended``), so the point estimate always
lies in its own interval.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from analysis import inference as inf
from analysis import prose
from analysis import uncertainty as mc
from analysis.claims import Computed, check, compose, judge, word
from analysis.data import Dataset
from analysis.energy_tables import check_inputs
from analysis.params import PARAMETERS
from analysis.schema import DataError
from analysis.units import J_PER_KWH, J_PER_WH

NOTEBOOK = "inference_vs_search"
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
# Model name in claims.csv's check_args -> the input that holds its active parameters.
MODELS = {"gpt2": "gpt2_active_params", "gpt3": "gpt3_active_params", "frontier": "frontier_active_params"}
# The server-side request model's uncertain inputs besides the model size.
REQUEST_INPUTS = (
    "chars_per_token", "output_tokens", "utilization", "batch_size", "weight_bytes_per_param",
    "power_per_accelerator_w", "power_fraction_serving", "host_overhead_factor", "serving_pue",
)
PAYLOADS = {"response": "bytes_per_response", "search_page": "bytes_per_search_page"}
CLIENTS = {"phone": "phone_power_w", "laptop": "laptop_power_w", "local_gpu": "local_gpu_power_w"}
_UNIT_TO_J = {"J": 1.0, "Wh": J_PER_WH, "kWh": J_PER_KWH}

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
# Inputs that take one of their three values and nothing between: a weight is stored as fp8 (1 byte) or bf16
# (2 bytes), not 1.37 bytes. Batch size stays continuous: under continuous batching the number of requests
# sharing a decoding step changes from step to step, and the model needs its average, which need not be whole.
DISCRETE_INPUTS = {"weight_bytes_per_param"}


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its Monte Carlo median and interval, in the quantity's unit.

    ``low``–``high`` is the 5th to 95th percentile of the draws, stretched to the point
    estimate when that lies outside them (then ``extended`` is True and the interval holds
    more than 90 % of the draws); so ``low <= central <= high`` always.
    ``central_percentile`` is where the point estimate falls among the draws (0–100).
    """

    central: float
    median: float
    low: float
    high: float
    samples: int
    seed: int
    central_percentile: float = 50.0
    extended: bool = False


# ---- inputs ----------------------------------------------------------------------------------


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


def accelerator(data: Dataset, params: dict) -> pd.Series:
    """The row of data/hardware.csv named by the ``accelerator`` parameter."""
    name = params["accelerator"]
    try:
        return data.accelerator(name)
    except KeyError:
        raise ValueError(f"parameter accelerator: {name!r} is not in data/hardware.csv; allowed: {', '.join(data.hardware.index)}") from None


def _active_params_range(data: Dataset, params: dict, active_params) -> mc.Range:
    if isinstance(active_params, str):
        if active_params not in MODELS:
            raise ValueError(f"model: {active_params!r} is unknown; allowed: {', '.join(MODELS)} or a number of active parameters")
        return input_range(data, params, MODELS[active_params])
    value = float(active_params)
    return mc.Range(value, value, value)


def request_ranges(data: Dataset, params: dict, active_params="frontier") -> dict[str, mc.Range]:
    """Ranges of every input of :func:`request_model`; ``active_params`` is a model name or a number."""
    ranges = {name: input_range(data, params, name) for name in REQUEST_INPUTS}
    ranges["active_params"] = _active_params_range(data, params, active_params)
    return ranges


# ---- models (functions of array inputs, for the Monte Carlo) -----------------------------------


def _time_args(hw: pd.Series, prompt_chars, active_params, chars_per_token, output_tokens, utilization, batch_size,
               weight_bytes_per_param) -> tuple:
    """The arguments of inf.request_accelerator_time_s and inf.limiting_bound, in order."""
    return (
        active_params, inf.tokens_from_chars(prompt_chars, chars_per_token), output_tokens,
        float(hw["peak_bf16_dense_flop_per_s"]), utilization, inf.model_weight_bytes(active_params, weight_bytes_per_param),
        float(hw["memory_bandwidth_bytes_per_s"]), batch_size,
    )


def request_model(data: Dataset, params: dict) -> Callable[..., np.ndarray]:
    """Server-side energy of one LLM request in J, as a function of the inputs in :func:`request_ranges`."""
    hw = accelerator(data, params)
    prompt_chars = params["prompt_chars"]

    def energy_j(active_params, chars_per_token, output_tokens, utilization, batch_size, weight_bytes_per_param,
                 power_per_accelerator_w, power_fraction_serving, host_overhead_factor, serving_pue):
        seconds = inf.request_accelerator_time_s(*_time_args(
            hw, prompt_chars, active_params, chars_per_token, output_tokens, utilization, batch_size, weight_bytes_per_param,
        ))
        return inf.server_energy_j(seconds, power_per_accelerator_w, power_fraction_serving, serving_pue, host_overhead_factor)

    return energy_j


def _central_time_args(data: Dataset, params: dict, active_params, batch_size=None) -> tuple:
    c = {name: r.central for name, r in request_ranges(data, params, active_params).items()}
    return _time_args(
        accelerator(data, params), params["prompt_chars"], c["active_params"], c["chars_per_token"], c["output_tokens"],
        c["utilization"], c["batch_size"] if batch_size is None else batch_size, c["weight_bytes_per_param"],
    )


def _estimate(model, ranges: dict[str, mc.Range], params: dict) -> Estimate:
    """Point estimate, Monte Carlo median and interval (stretched to the point estimate; see :class:`Estimate`)."""
    central = mc.central_value(model, ranges)
    values = mc.simulate(model, ranges, params["samples"], params["seed"])
    s = mc.summarise(values)
    low, high = min(s.low, central), max(s.high, central)
    return Estimate(central, s.median, low, high, s.samples, params["seed"], mc.percentile_of(values, central),
                    extended=(low, high) != (s.low, s.high))


def request_energy(data: Dataset, params: dict, active_params="frontier") -> Estimate:
    """Server-side energy of one LLM request, J: point estimate, Monte Carlo median and 90 % interval.

    ``active_params`` is a model name ("gpt2", "gpt3", "frontier": sourced ranges)
    or a number of active parameters, held fixed.
    """
    return _estimate(request_model(data, params), request_ranges(data, params, active_params), params)


def request_bound(data: Dataset, params: dict, active_params="frontier", batch_size=None) -> str:
    """Which limit sets the request's accelerator time at the central inputs: "compute" or "memory"."""
    return str(inf.limiting_bound(*_central_time_args(data, params, active_params, batch_size)))


# ---- search, network, client -------------------------------------------------------------------


def published_table(data: Dataset) -> pd.DataFrame:
    """Published per-request and per-search figures side by side, in Wh and J, each with its year and boundary."""
    pub = data.published_energy
    energy_j = pub["reported_value"] * pub["reported_unit"].map(_UNIT_TO_J)
    out = pub[["service", "subject", "year", "boundary"]].copy()
    out["energy_wh"] = energy_j / J_PER_WH
    out["energy_j"] = energy_j
    out[["kind", "source", "locator"]] = pub[["kind", "source", "locator"]]
    return out


def search_figures(data: Dataset, params: dict, service: str = "web_search") -> pd.DataFrame:
    """The published figures chosen by ``search_estimates``, newest first, with J per search."""
    table = published_table(data)
    unknown = [i for i in params["search_estimates"] if i not in table.index]
    if unknown:
        raise ValueError(f"parameter search_estimates: {', '.join(unknown)} not in data/published_energy.csv")
    chosen = table.loc[list(params["search_estimates"])]
    wrong = chosen[chosen["service"] != service]
    if not wrong.empty:
        raise ValueError(f"parameter search_estimates: {', '.join(wrong.index)} are not {service} figures")
    return chosen.sort_values("year", ascending=False)


def search_range(data: Dataset, params: dict) -> mc.Range:
    """Energy per search, J: the span of the chosen published figures, the newest as central."""
    figures = search_figures(data, params)
    energy = figures["energy_j"].astype(float)
    return mc.Range(float(energy.min()), float(energy.iloc[0]), float(energy.max()))


def search_energy(data: Dataset, params: dict) -> Estimate:
    """Energy per web search, J: newest published figure, and the Monte Carlo over the published span."""
    return _estimate(lambda search_j: search_j, {"search_j": search_range(data, params)}, params)


def network_intensity_range(data: Dataset, params: dict) -> mc.Range:
    """Network kWh per GB in ``network_year``: low and central on Aslan et al.'s halving trend,
    high the largest fixed-network figure measured outright (EU 2020) when it lies above the trend.

    One-sided: no sourced figure lies below the trend, so the trend is both the most likely
    and the lowest value, and a network estimate's point estimate can fall below the 5th
    percentile of its draws; its interval is then stretched down to it (see :class:`Estimate`)."""
    table = data.network_intensity
    trend_rows = table[table["halving_years"].notna()]
    if len(trend_rows) != 1:
        raise DataError([f"data/network_intensity.csv: column halving_years: expected exactly one trend row, found {len(trend_rows)}"])
    trend = trend_rows.iloc[0]
    central = float(inf.network_intensity_kwh_per_gb(params["network_year"], trend["year"], trend["kwh_per_gb"], trend["halving_years"]))
    measured = table[table["halving_years"].isna() & (table["network"] == trend["network"])]["kwh_per_gb"]
    high = max(central, float(measured.max())) if not measured.empty else central
    return mc.Range(central, central, high)


def network_energy(data: Dataset, params: dict, payload: str) -> Estimate:
    """Energy to send one chat answer (``payload="response"``) or one results page (``"search_page"``), J."""
    if payload not in PAYLOADS:
        raise ValueError(f"payload: {payload!r} is unknown; allowed: {', '.join(PAYLOADS)}")
    ranges = {"data_bytes": input_range(data, params, PAYLOADS[payload]), "kwh_per_gb": network_intensity_range(data, params)}
    return _estimate(inf.network_energy_j, ranges, params)


def client_power(data: Dataset, params: dict, device: str) -> Estimate:
    """Power of a client device ("phone", "laptop" or "local_gpu"), W."""
    if device not in CLIENTS:
        raise ValueError(f"device: {device!r} is unknown; allowed: {', '.join(CLIENTS)}")
    return _estimate(lambda power_w: power_w, {"power_w": input_range(data, params, CLIENTS[device])}, params)


def local_gpu_response_energy(data: Dataset, params: dict) -> Estimate:
    """Energy to generate one answer of ``output_tokens`` on a local consumer GPU, J."""
    ranges = {
        "power_w": input_range(data, params, "local_gpu_power_w"),
        "output_tokens": input_range(data, params, "output_tokens"),
        "tokens_per_s": input_range(data, params, "local_gpu_tokens_per_s"),
    }
    return _estimate(inf.local_gpu_energy_j, ranges, params)


def llm_to_search_ratio(data: Dataset, params: dict, active_params="frontier") -> Estimate:
    """Server energy of an LLM request over that of a web search, sampled jointly."""
    energy_j = request_model(data, params)
    ranges = {**request_ranges(data, params, active_params), "search_j": search_range(data, params)}

    def ratio(search_j, **request_inputs):
        return energy_j(**request_inputs) / search_j

    return _estimate(ratio, ranges, params)


# ---- tables for the chapter ---------------------------------------------------------------------


def breakdown(data: Dataset, params: dict, active_params="frontier") -> pd.DataFrame:
    """Where the energy of one LLM request and of one web search goes, J, at the central inputs.

    Tidy: one row per (request, component). The search's server energy is a
    single published figure, so it is one component ("servers") rather than split.
    """
    c = {name: r.central for name, r in request_ranges(data, params, active_params).items()}
    seconds = inf.request_accelerator_time_s(*_central_time_args(data, params, active_params))
    kwh_per_gb = network_intensity_range(data, params).central
    client_j = float(inf.client_energy_j(params[CLIENTS[params["client_device"]]], params["client_seconds"]))
    llm = inf.energy_breakdown_j(
        seconds, c["power_per_accelerator_w"], c["power_fraction_serving"], c["serving_pue"], c["host_overhead_factor"],
        input_range(data, params, "idle_share_of_host_overhead").central,
        inf.network_energy_j(params["bytes_per_response"], kwh_per_gb), client_j,
    )
    label = active_params if isinstance(active_params, str) else f"{float(active_params):g} parameters"
    rows = [(f"LLM request ({label})", part, float(value)) for part, value in llm.items()]
    rows += [
        ("web search", "servers", search_range(data, params).central),
        ("web search", "network", float(inf.network_energy_j(params["bytes_per_search_page"], kwh_per_gb))),
        ("web search", "client", client_j),
    ]
    return pd.DataFrame(rows, columns=["request", "component", "energy_j"])


def sensitivity(data: Dataset, params: dict, active_params="frontier") -> pd.DataFrame:
    """One-at-a-time sensitivity of the request energy: each input at its low and high, largest swing first."""
    ranges = request_ranges(data, params, active_params)
    units = input_ranges(data)["unit"]
    rows = []
    for s in mc.tornado(request_model(data, params), ranges):
        r = ranges[s.input]
        unit = "parameters" if s.input == "active_params" else units.get(s.input, "")
        rows.append({
            "input": s.input, "unit": unit, "input_low": r.low, "input_central": r.central, "input_high": r.high,
            "energy_at_low_j": s.output_at_low, "energy_at_high_j": s.output_at_high, "swing_j": s.swing,
        })
    return pd.DataFrame(rows)


# ---- claim checks (registered for data/claims.csv) ----------------------------------------------


def _j(x: float) -> str:
    return f"{x:,.0f} J" if abs(x) >= 100 else f"{x:.3g} J"


def _interval(e: Estimate, fmt=_j) -> str:
    stretched = ", stretched to the point estimate, which lies outside the 5th–95th percentile" if e.extended else ""
    return f"median {fmt(e.median)}, 90 % interval {fmt(e.low)}–{fmt(e.high)} ({e.samples:,} draws, seed {e.seed}{stretched})"


@check("llm_request_energy")
def _llm_request_energy(data: Dataset, params: dict, args: dict) -> Computed:
    model = args.get("model", "frontier")
    e = request_energy(data, params, model)
    n = request_ranges(data, params, model)["active_params"].central
    hw = accelerator(data, params)
    basis = (
        f"{model}, {n / 1e9:g}B active parameters, {params['prompt_chars']} prompt characters + {params['output_tokens']} output tokens "
        f"on {hw['name']}: {_j(e.central)} ({e.central / J_PER_WH:.3g} Wh) at the parameters; {_interval(e)}. "
        f"Server side (accelerator × power fraction × host overhead × PUE); {request_bound(data, params, model)}-bound at batch {params['batch_size']}"
    )
    return Computed(e.central, e.low, e.high, basis, details={"median": e.median})


@check("search_energy")
def _search_energy(data: Dataset, params: dict, args: dict) -> Computed:
    figures = search_figures(data, params, args.get("service", "web_search"))
    r = search_range(data, params)
    listed = "; ".join(f"{row.subject} {row.year}: {_j(row.energy_j)}" for row in figures.itertuples())
    basis = f"published figures, newest as central and their span as the interval: {listed}. No newer figure from Google was found"
    return Computed(r.central, r.low, r.high, basis, details={"figures": figures["energy_j"].to_dict()})


@check("network_energy")
def _network_energy(data: Dataset, params: dict, args: dict) -> Computed:
    """Both payloads: the claim is read as covering either, so each is judged and the two verdicts are
    combined by :func:`analysis.claims.compose` (it holds only if it holds for each).

    ``check_args`` repeats the claimed range (``claimed_low``, ``claimed_high``)
    because a check is not handed its claim row; a test keeps the two equal.
    """
    payloads = [p.strip() for p in args.get("payloads", ",".join(PAYLOADS)).split(",")]
    estimates = {payload: network_energy(data, params, payload) for payload in payloads}
    kwh = network_intensity_range(data, params)
    parts = [
        f"{payload.replace('_', ' ')} ({params[PAYLOADS[payload]]:,.0f} bytes): {_j(e.central)} at the parameters, {_interval(e)}"
        for payload, e in estimates.items()
    ]
    basis = (
        "; ".join(parts)
        + f"; {kwh.low:.3g}–{kwh.high:.3g} kWh/GB ({params['network_year']} on the 2-year halving trend, up to the EU 2020 fixed-network figure)."
        " Per-GB averages overstate the marginal energy of small transfers (Mytton et al. 2024)"
    )
    verdict = None
    if "claimed_low" in args and "claimed_high" in args:
        each = {p: judge(float(args["claimed_low"]), float(args["claimed_high"]), e.low, e.high, e.central) for p, e in estimates.items()}
        verdict = compose(each.values())
        basis += "; verdict per payload: " + ", ".join(f"{p.replace('_', ' ')} {word(v)}" for p, v in each.items())
    first = estimates[payloads[0]]
    return Computed(
        first.central, min(e.low for e in estimates.values()), max(e.high for e in estimates.values()), basis,
        verdict=verdict, details={p: e.central for p, e in estimates.items()},
    )


@check("llm_vs_search")
def _llm_vs_search(data: Dataset, params: dict, args: dict) -> Computed:
    model = args.get("model", "frontier")
    e = llm_to_search_ratio(data, params, model)
    fmt = lambda x: f"{x:.3g}×"  # noqa: E731
    basis = (
        f"{model} request over one web search, both server side, sampled together: {fmt(e.central)} at the central values; "
        f"{_interval(e, fmt)}"
    )
    return Computed(e.central, e.low, e.high, basis, details={"median": e.median})


@check("client_power")
def _client_power(data: Dataset, params: dict, args: dict) -> Computed:
    device = args["device"]
    e = client_power(data, params, device)
    fmt = lambda x: f"{x:,.3g} W"  # noqa: E731
    basis = f"{device}: {fmt(e.central)} at the parameters; {_interval(e, fmt)}"
    verdict = None
    if device == "local_gpu":
        energy = local_gpu_response_energy(data, params)
        basis += f"; one {params['output_tokens']}-token answer takes {_j(energy.central)} (90 % interval {_j(energy.low)}–{_j(energy.high)})"
    if args.get("evidence") == "weak":
        # claims.csv marks the evidence as too weak to confirm anything, even agreement.
        verdict = "unverifiable"
        notes = data.inference_inputs[data.inference_inputs["input"] == CLIENTS[device]]["note"].dropna()
        basis += f"; evidence too weak to judge: {notes.iloc[0]}" if not notes.empty else "; evidence too weak to judge"
    return Computed(e.central, e.low, e.high, basis, verdict=verdict, details={"median": e.median})


# ---- tables for the chapter's charts --------------------------------------------------------------

MODEL_LABELS = {"gpt2": "GPT-2-sized (1.5B)", "gpt3": "GPT-3-sized (175B)", "frontier": "Frontier (active parameters as set)"}


def bound_by_batch(data: Dataset, params: dict, active_params="gpt3", batch_sizes=(1, 2, 4, 8, 16, 32, 64, 128, 256)) -> pd.DataFrame:
    """Compute time and decode memory time of one request against batch size, at the central inputs (tidy)."""
    rows = []
    for b in batch_sizes:
        compute, memory = inf._both_times_s(*_central_time_args(data, params, active_params, batch_size=b))
        rows += [(b, "compute (FLOP at the set utilization)", float(compute)), (b, "memory (weights read per token)", float(memory))]
    return pd.DataFrame(rows, columns=["batch_size", "bound", "seconds"])


def claim_intervals(data: Dataset, params: dict) -> pd.DataFrame:
    """Each joule-valued inference claim next to our point estimate and 90 % interval (one row per claim)."""
    from analysis.claims import ledger

    rows = []
    for e in ledger(data, params, chapter=NOTEBOOK):
        if e["unit"] != "J":
            continue
        label = {
            "inference.llm_request_energy.gpt2": MODEL_LABELS["gpt2"] + " request",
            "inference.llm_request_energy.gpt3": MODEL_LABELS["gpt3"] + " request",
            "inference.llm_request_energy.frontier": "Frontier-model request",
            "inference.search_energy": "Web search",
            "inference.network_energy": "Network (chat answer to results page)",
        }.get(e["id"], e["id"])
        rows.append({
            "claim": label, "id": e["id"], "verdict": word(e["verdict"]),
            "claimed_low": e["claimed"]["low"], "claimed_high": e["claimed"]["high"],
            "value": e["computed"]["value"], "low": e["computed"]["low"], "high": e["computed"]["high"],
        })
    return pd.DataFrame(rows)


def chapter_numbers(data: Dataset, params: dict) -> dict[str, float]:
    """Every number the inference chapter quotes in its prose, by name (plain floats, for glue)."""
    numbers: dict[str, float] = {}
    for model in MODELS:
        e = request_energy(data, params, model)
        numbers |= {f"{model}_j": e.central, f"{model}_median_j": e.median, f"{model}_low_j": e.low, f"{model}_high_j": e.high,
                    f"{model}_wh": e.central / J_PER_WH, f"{model}_high_wh": e.high / J_PER_WH}
    numbers["gpt2_params_b"] = input_range(data, params, MODELS["gpt2"]).central / 1e9
    numbers["gpt3_params_b"] = input_range(data, params, MODELS["gpt3"]).central / 1e9
    numbers["frontier_params_b"] = params["frontier_active_params"] / 1e9
    numbers["prompt_tokens"] = float(inf.tokens_from_chars(params["prompt_chars"], params["chars_per_token"]))
    for key in ("prompt_chars", "output_tokens", "chars_per_token", "utilization", "batch_size", "serving_pue",
                "host_overhead_factor", "power_fraction_serving", "power_per_accelerator_w", "network_year", "samples", "seed"):
        numbers[key] = params[key]
    numbers["utilization_pct"] = 100 * params["utilization"]
    numbers["gpt3_flop"] = float(inf.inference_flop(numbers["gpt3_params_b"] * 1e9, numbers["prompt_tokens"] + params["output_tokens"]))
    times = bound_by_batch(data, params, "gpt3", batch_sizes=tuple(sorted({1, params["batch_size"]})))
    memory = times[times["bound"].str.startswith("memory")].set_index("batch_size")["seconds"]
    compute = times[times["bound"].str.startswith("compute")].set_index("batch_size")["seconds"]
    numbers["gpt3_memory_s_batch1"] = float(memory.loc[1])
    numbers["gpt3_compute_s"] = float(compute.loc[1])
    search = search_range(data, params)  # the span of the published figures, as the claim check uses
    numbers |= {"search_j": search.central, "search_low_j": search.low, "search_high_j": search.high}
    figures = search_figures(data, params)
    numbers["search_newest_year"] = float(figures["year"].iloc[0])
    numbers["search_oldest_j"] = float(figures.sort_values("year")["energy_j"].iloc[0])
    numbers["search_oldest_year"] = float(figures["year"].min())
    numbers["search_oldest_kwh"] = numbers["search_oldest_j"] / J_PER_KWH
    for payload in PAYLOADS:
        e = network_energy(data, params, payload)
        numbers |= {f"network_{payload}_j": e.central, f"network_{payload}_low_j": e.low, f"network_{payload}_high_j": e.high}
    numbers["bytes_per_response_kb"] = params["bytes_per_response"] / 1e3
    numbers["bytes_per_search_page_kb"] = params["bytes_per_search_page"] / 1e3
    numbers["network_kwh_per_gb"] = network_intensity_range(data, params).central
    trend = data.network_intensity[data.network_intensity["halving_years"].notna()].iloc[0]
    numbers |= {"aslan_kwh_per_gb": trend["kwh_per_gb"], "aslan_year": trend["year"], "aslan_halving_years": trend["halving_years"]}
    ratio = llm_to_search_ratio(data, params)
    numbers |= {"ratio": ratio.central, "ratio_low": ratio.low, "ratio_high": ratio.high}
    for device in ("phone", "local_gpu"):
        e = client_power(data, params, device)
        numbers |= {f"{device}_w": e.central, f"{device}_low_w": e.low, f"{device}_high_w": e.high}
    local = local_gpu_response_energy(data, params)
    numbers |= {"local_answer_j": local.central, "local_answer_low_j": local.low, "local_answer_high_j": local.high}
    numbers["local_tokens_per_s"] = input_range(data, params, "local_gpu_tokens_per_s").central
    parts = breakdown(data, params).set_index(["request", "component"])["energy_j"]
    llm_total = parts.xs(f"LLM request (frontier)", level="request")
    numbers["frontier_accelerator_share_pct"] = 100 * float(llm_total["accelerator"] / llm_total[["accelerator", "host", "idle", "facility_overhead"]].sum())
    numbers["client_j"] = float(llm_total["client"])
    numbers["client_seconds"] = params["client_seconds"]
    published = published_table(data)
    for key in ("google-2025-gemini-comprehensive", "google-2025-gemini-accelerator", "epoch-2025-gpt4o", "altman-2025-chatgpt", "devries-2023-chatgpt",
                "mlenergy-2023-llama2-7b"):
        numbers[key.replace("-", "_") + "_j"] = float(published.loc[key, "energy_j"])
        numbers[key.replace("-", "_") + "_wh"] = float(published.loc[key, "energy_wh"])
    # Epoch AI's assumptions laid over the defaults, not over this page's values: the sentence
    # says what Epoch's own setting gives, whatever this edition changed.
    epoch_j = central_request_energy(data, epoch_scenario_params(), "frontier")
    numbers["epoch_scenario_j"] = epoch_j
    numbers["epoch_scenario_wh"] = epoch_j / J_PER_WH
    for key in SEARCH_FIGURES:
        numbers[key.replace("-", "_") + "_j"] = float(published.loc[key, "energy_j"])
        numbers[key.replace("-", "_") + "_kwh"] = float(published.loc[key, "energy_j"]) / J_PER_KWH
        numbers[key.replace("-", "_") + "_year"] = float(published.loc[key, "year"])
    sens = sensitivity(data, params)
    numbers["lowest_single_input_j"] = float(sens[["energy_at_low_j", "energy_at_high_j"]].min(axis=1).min())
    numbers["top_swing_low_j"] = float(sens.iloc[0][["energy_at_low_j", "energy_at_high_j"]].min())
    numbers["top_swing_high_j"] = float(sens.iloc[0][["energy_at_low_j", "energy_at_high_j"]].max())
    return {k: float(v) for k, v in numbers.items()}


# The published search figures the chapter names on their own, whatever ``search_estimates`` chooses.
SEARCH_FIGURES = ("holzle-2009-search", "vanderbauwhede-2024-search")
# A computed value "reproduces" a published one when it lies within this relative distance of it.
REPRODUCES_REL = 0.05
# A part of an energy total below this share of it is "a rounding error"; below SMALL_SHARE "small".
ROUNDING_SHARE = 0.01
SMALL_SHARE = 0.10
# What each input of the request model stands for, in words, for the sensitivity sentence.
INPUT_MEANINGS = {
    "batch_size": "how many requests share the hardware",
    "output_tokens": "how long the answer is",
    "active_params": "how large the model is",
    "utilization": "how much of its peak the accelerator achieves",
    "weight_bytes_per_param": "how many bytes each weight takes",
    "power_per_accelerator_w": "the accelerator's rated power",
    "power_fraction_serving": "how much of that power it draws",
    "host_overhead_factor": "the host's overhead",
    "serving_pue": "the data centre's PUE",
    "chars_per_token": "how many characters make a token",
}


def epoch_scenario_params() -> dict:
    """Epoch AI's baseline (data/scenarios/epoch-2025.yml) laid over the parameters' defaults."""
    from analysis.params import defaults
    from analysis.scenarios import load_scenario

    return {**defaults(), **load_scenario(SCENARIO_DIR / "epoch-2025.yml")["parameters"]}


def claimed_range(data: Dataset, claim_id: str) -> tuple[float, float]:
    """A claim's range from data/claims.csv, (low, high) in the claim's unit."""
    row = data.claims.loc[claim_id]
    return float(row["claimed_low"]), float(row["claimed_high"])


def reproduces_phrase(ours: float, theirs: float, unit: str = "Wh") -> str:
    """Whether ``ours`` reproduces a published ``theirs``: within :data:`REPRODUCES_REL` of it, or not."""
    if abs(ours - theirs) <= REPRODUCES_REL * abs(theirs):
        return f"reproducing their {theirs:g} {unit}"
    return f"{'above' if ours > theirs else 'below'} their {theirs:g} {unit}: this page's model no longer reproduces it"


def intervals_vs_claim_sentence(estimates: dict[str, Estimate], claimed_low: float, claimed_high: float) -> str:
    """Where each request's 90 % interval lies against the claimed range, model by model (J).

    ``estimates`` maps a label ("GPT-3-sized") to its :class:`Estimate`.
    """
    words = {
        "above": "entirely above it", "below": "entirely below it",
        "inside": "inside it", "overlapping": "overlapping it",
    }
    parts = [
        f"the {label} request's interval runs from {prose.number(e.low, 'J')} to {prose.number(e.high, 'J')}, "
        f"{words[prose.position(e.low, e.high, claimed_low, claimed_high)]}"
        for label, e in estimates.items()
    ]
    return f"Against the claim's {prose.range_text(claimed_low, claimed_high, 'J')}, " + "; ".join(parts)


def batch_sentence(bound_at_batch: str, batch_size: int) -> str:
    """What bounds the request at this page's batch size, in words (batch size 1 is "alone")."""
    if batch_size == 1:
        return f"this page serves it alone, so it stays {bound_at_batch}-bound"
    return f"with {batch_size:,} requests sharing each read it is {bound_at_batch}-bound"


def host_overhead_phrase(host_overhead_factor: float) -> str:
    """The host's share of the energy in words: a factor, or none when the power figure already holds it."""
    if host_overhead_factor == 1:
        return "with no factor for the host's processors and memory, which this page's power figure is taken to include"
    return f"times a factor of {host_overhead_factor:.2f} for the host's processors, memory and idle capacity kept for traffic peaks"


def output_tokens_phrase(output_tokens: float, epoch_output_tokens: float) -> str:
    """Whether this page's answer length is Epoch AI's."""
    if output_tokens == epoch_output_tokens:
        return "as Epoch AI does"
    return f"where Epoch AI assumes {epoch_output_tokens:,.0f}"


def search_choice_sentence(figures: pd.DataFrame) -> str:
    """How the search range is built from the chosen published figures (newest first, as :func:`search_figures` gives them)."""
    named = [f"{row.subject} ({int(row.year)}, {prose.number(row.energy_j, 'J')})" for row in figures.itertuples()]
    if len(named) == 1:
        return f"This page uses one figure alone, {named[0]}, with no range around it"
    energy = figures["energy_j"]
    return (
        f"This page takes the span of the {len(named)} figures it uses ({prose.join(named)}) as the range, "
        f"{prose.range_text(energy.min(), energy.max(), 'J')}, with the newest as the central value"
    )


def search_short_sentence(figures: pd.DataFrame) -> str:
    """The short answer's sentence on search energy: each chosen figure by name and year, newest first.

    ``figures`` as :func:`search_figures` gives them (newest first). E.g. "A web search is put at 144 J by
    Conventional Google search (2024, the newest figure used) and at 1,080 J by Google web search (2009)".
    """
    rows = list(figures.itertuples())
    first = f"A web search is put at {prose.number(rows[0].energy_j, 'J')} by {rows[0].subject} ({int(rows[0].year)}"
    if len(rows) == 1:
        return first + ", the only figure this page uses)"
    rest = [f"at {prose.number(r.energy_j, 'J')} by {r.subject} ({int(r.year)})" for r in rows[1:]]
    return first + ", the newest figure used) and " + prose.join(rest)


def search_limitation(figures: pd.DataFrame) -> str:
    """What the chosen search figures are, by year and kind, for the limitations."""
    kinds = {"reported": "figure reported by the operator", "estimate": "outside estimate", "derived": "figure derived from reported ones"}
    items = [f"a {int(row.year)} {kinds.get(row.kind, row.kind)}" for row in figures.sort_values("year").itertuples()]
    return f"The search figure{'s' if len(items) > 1 else ''} this page uses {'are' if len(items) > 1 else 'is'} {prose.join(items)}"


def local_gpu_phrase(local_gpu_power_w: float, sourced_w: float) -> str:
    """Whether this page's local-GPU power is the RTX 4090's rating it is sourced from."""
    if local_gpu_power_w == sourced_w:
        return f"is rated at {local_gpu_power_w:,.0f} W"
    return f"is taken to draw {local_gpu_power_w:,.0f} W in this edition (its rating is {sourced_w:,.0f} W)"


def breakdown_sentences(parts: pd.DataFrame, client_device: str, client_seconds: float) -> str:
    """Where the energy goes, from :func:`breakdown`'s frame: the accelerators' share, the network and the client, compared."""
    e = parts.set_index(["request", "component"])["energy_j"]
    requests = list(dict.fromkeys(parts["request"]))
    llm, search = requests[0], requests[-1]
    server_parts = ["accelerator", "host", "idle", "facility_overhead"]
    llm_server = float(e[llm][server_parts].sum())
    search_server = float(e[search]["servers"])
    accelerator_pct = 100 * float(e[llm]["accelerator"]) / llm_server
    rest = [name for part, name in (("host", "host"), ("idle", "idle capacity"), ("facility_overhead", "facility overhead")) if e[llm][part] > 0]
    first = f"The accelerators are {accelerator_pct:.0f} % of the LLM request's data-centre energy"
    first += f"; the rest is {prose.join(rest)}" if rest else ", with nothing on top"
    totals = {llm: float(e[llm].sum()), search: float(e[search].sum())}
    network = {r: float(e[r]["network"]) / totals[r] for r in (llm, search)}
    worst = max(network.values())
    shares = f"{100 * network[llm]:.2g} % of the LLM request's total and {100 * network[search]:.2g} % of the search's"
    if worst < ROUNDING_SHARE:
        second = f"The network is a rounding error ({shares})"
    elif worst < SMALL_SHARE:
        second = f"The network is small ({shares})"
    else:
        second = f"The network is not negligible: {shares}"
    client_j = float(e[llm]["client"])
    against = {llm: client_j / llm_server, search: client_j / search_server}
    biggest = max(against.values())
    held = f"The {client_device.replace('_', ' ')} in the reader's hand ({client_seconds:,.0f} seconds, {prose.number(client_j, 'J')})"
    ratio = f"{100 * against[llm]:.2g} % of the LLM request's server energy and {100 * against[search]:.2g} % of the search's"
    if biggest < SMALL_SHARE:
        third = f"{held} is small next to the servers: {ratio}"
    elif biggest < 1:
        third = f"{held} is not small next to the servers: {ratio}"
    else:
        third = f"{held} uses more than the servers: {ratio}"
    return f"{first}. {second}. {third}."


def top_inputs_phrase(sens: pd.DataFrame, count: int = 3) -> str:
    """The inputs that move the request's energy most, each with what it stands for, largest swing first."""
    return prose.join(f"`{name}` ({INPUT_MEANINGS.get(name, name)})" for name in sens["input"].head(count))


def single_input_sentence(sens: pd.DataFrame, claimed_low: float, claimed_high: float) -> str:
    """Whether any one input, moved alone to its favourable end, brings the request into the claimed range (J)."""
    best = sens[["energy_at_low_j", "energy_at_high_j"]].min(axis=1)
    best.index = sens["input"]
    reach = best[best <= claimed_high]
    start = "Moved one at a time to the favourable end of its range"
    if reach.empty:
        return f"{start}, no input brings a frontier request below {prose.number(best.min(), 'J')}, above the claim's top of {prose.number(claimed_high, 'J')}"
    named = prose.join(f"`{name}` ({prose.number(value, 'J')})" for name, value in reach.sort_values().items())
    return (
        f"{start}, {prose.how_many(len(reach), len(best), 'inputs')} {'brings' if len(reach) == 1 else 'bring'} a frontier request "
        f"to the claim's top of {prose.number(claimed_high, 'J')} or below: {named}"
    )


def chapter_texts(data: Dataset, params: dict) -> dict[str, str]:
    """Words the chapter takes from the computation (bounds, names, comparisons, quantifiers), as Markdown."""
    sens = sensitivity(data, params)
    request_claim = claimed_range(data, "inference.llm_request_energy.frontier")
    figures = search_figures(data, params)
    epoch = epoch_scenario_params()
    epoch_j = central_request_energy(data, epoch, "frontier")
    local_sourced = float(input_ranges(data).loc["local_gpu_power_w", "central"])
    ratio_claim = claimed_range(data, "inference.llm_vs_search")
    return {
        "gpt3_bound_batch1": request_bound(data, params, "gpt3", 1),
        "gpt3_bound": request_bound(data, params, "gpt3"),
        "gpt3_batch_sentence": batch_sentence(request_bound(data, params, "gpt3"), int(params["batch_size"])),
        "accelerator_name": str(accelerator(data, params)["name"]),
        "output_tokens_vs_epoch": output_tokens_phrase(params["output_tokens"], epoch["output_tokens"]),
        "host_overhead_phrase": host_overhead_phrase(params["host_overhead_factor"]),
        "request_intervals_vs_claim": intervals_vs_claim_sentence(
            {"GPT-3-sized": request_energy(data, params, "gpt3"), "frontier": request_energy(data, params, "frontier")}, *request_claim),
        "epoch_reproduces": reproduces_phrase(epoch_j / J_PER_WH, float(published_table(data).loc["epoch-2025-gpt4o", "energy_wh"])),
        "search_choice": search_choice_sentence(figures),
        "search_short": search_short_sentence(figures),
        "search_limitation": search_limitation(figures),
        "llm_vs_search_claimed": prose.range_text(*ratio_claim, "times"),
        "local_gpu_power": local_gpu_phrase(params["local_gpu_power_w"], local_sourced),
        "breakdown_sentences": breakdown_sentences(breakdown(data, params), params["client_device"], params["client_seconds"]),
        "top_inputs": ", ".join(f"`{name}`" for name in sens["input"].head(3)),
        "top_inputs_described": top_inputs_phrase(sens),
        "single_input": single_input_sentence(sens, *request_claim),
    }


def whatif_constants(data: Dataset, params: dict) -> dict[str, float]:
    """The central inputs of a frontier request, named as the what-if chart's expression names them."""
    hw = accelerator(data, params)
    c = {name: r.central for name, r in request_ranges(data, params, "frontier").items()}
    return {
        "prompt_tokens": float(inf.tokens_from_chars(params["prompt_chars"], c["chars_per_token"])),
        "peak_flop_per_s": float(hw["peak_bf16_dense_flop_per_s"]),
        "memory_bandwidth_bytes_per_s": float(hw["memory_bandwidth_bytes_per_s"]),
        **{k: float(c[k]) for k in ("weight_bytes_per_param", "power_per_accelerator_w", "power_fraction_serving",
                                     "host_overhead_factor", "utilization", "serving_pue", "batch_size", "active_params")},
    }


def whatif_models(data: Dataset, params: dict) -> dict[str, float]:
    """The model sizes the what-if chart offers, label -> active parameters."""
    return {
        f"GPT-2-sized ({input_range(data, params, MODELS['gpt2']).central / 1e9:g}B)": input_range(data, params, MODELS["gpt2"]).central,
        f"GPT-3-sized ({input_range(data, params, MODELS['gpt3']).central / 1e9:g}B)": input_range(data, params, MODELS["gpt3"]).central,
        f"Frontier ({params['frontier_active_params'] / 1e9:g}B active)": float(params["frontier_active_params"]),
    }


def central_request_energy(data: Dataset, params: dict, active_params="frontier") -> float:
    """Server energy of one request with every input at its central value, J (no Monte Carlo)."""
    return mc.central_value(request_model(data, params), request_ranges(data, params, active_params))


def parameter_for_request_energy(data: Dataset, params: dict, name: str, target_j: float, active_params="frontier") -> float:
    """The value of parameter ``name`` (within its allowed range) at which a request's central energy is ``target_j``.

    NaN when no allowed value reaches the target: the answer to "could any
    setting of this one knob get there?" is then no.
    """
    from analysis.solve import bisect

    p = PARAMETERS[name]
    low = p.minimum if p.minimum is not None else 0.0
    if p.exclusive_minimum:
        low = low + 1e-9 if low == 0 else low * (1 + 1e-9)
    high = p.maximum
    if low <= 0:
        low = 1e-6
    return bisect(lambda v: central_request_energy(data, {**params, name: v}, active_params), low, high, target_j, log=True)


def network_year_for_energy(data: Dataset, params: dict, payload_bytes: float, target_j: float) -> float:
    """The year on Aslan et al.'s halving trend when sending ``payload_bytes`` costs ``target_j`` (J)."""
    from analysis.solve import bisect

    trend = data.network_intensity[data.network_intensity["halving_years"].notna()].iloc[0]
    energy = lambda year: float(inf.network_energy_j(payload_bytes, inf.network_intensity_kwh_per_gb(year, trend["year"], trend["kwh_per_gb"], trend["halving_years"])))  # noqa: E731
    return bisect(energy, float(trend["year"]), float(trend["year"]) + 200.0, target_j)
