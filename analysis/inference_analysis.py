"""The inference-versus-search chapter's analysis: data in, estimates, tables and claim checks out.

A request's energy comes from one of two methods, chosen by the
``serving_method`` parameter: ``roofline`` (the default), the serving model of
:mod:`analysis.serving` fed by :mod:`analysis.serving_analysis` (prefill and
decode rooflines on the chosen accelerator, efficiencies calibrated to measured
energy, idle + load-dependent power, host overhead and PUE, never counted twice),
or ``epoch``, Epoch AI's method (You 2025: 2 × active parameters × tokens FLOP at
a fixed utilization of peak, × power × power fraction × PUE), kept so that
Epoch's published figures stay reproducible (data/scenarios/epoch-2025.yml).
Both give the facility energy: what the claims read as a request's server energy.
The search, network and client formulas live in :mod:`analysis.inference`, the
Monte Carlo in :mod:`analysis.uncertainty`; this module feeds them the sourced
ranges in ``data/inference_inputs.csv`` under the reader's parameters.

How a parameter and a sourced range combine: the parameter sets the central
value and the range moves with it, keeping its sourced width on the scale
:data:`analysis.inputs.RANGE_SCALES` names for the input (by default relative to the central
value). The scales never carry a range past a physical limit, so nothing is
clipped, and a parameter set to its limit (no host overhead, PUE 1, one request
per batch, full utilization) means exactly that, with no range left. At the
defaults the ranges are exactly the sourced ones. How each range is drawn is
:mod:`analysis.uncertainty`'s rule (log-triangular, mode at the central value),
with the inputs in :data:`analysis.inputs.DISCRETE_INPUTS` drawn as one of their three values.

Every estimate reports ``central`` (the model with every input at its central
value: the point estimate, which reproduces Epoch AI's arithmetic under its
scenario; under the roofline method the calibrated efficiencies' central values
are the newest engine's, the most efficient measured, so the point estimate
often sits low among the draws), the Monte Carlo ``median`` and the interval ``low``–``high``: the
5th to 95th percentile of the draws, stretched to reach the point estimate when
that falls outside them (``Estimate.extended``), so the point estimate always
lies in its own interval.
"""

from __future__ import annotations

import math
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
from analysis.inputs import DISCRETE_INPUTS, RANGE_SCALES, _scaled, input_range, input_ranges  # noqa: F401  (re-exported)
from analysis.params import PARAMETERS
from analysis.schema import DataError
from analysis.units import J_PER_KWH, J_PER_WH

NOTEBOOK = "inference_vs_search"
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
# The chapter's short model names -> rows of data/models.csv (claims.csv's check_args name the rows themselves).
MODEL_ALIASES = {"gpt2": "gpt2-xl", "gpt3": "gpt3-175b", "frontier": "frontier"}
MODELS = tuple(MODEL_ALIASES)  # the chapter's three requests
# The assumed model whose active parameters are the ``frontier_active_params`` parameter (with its sourced range).
FRONTIER = "frontier"
# How a request is costed (parameter serving_method): the serving model of analysis.serving (prefill and decode
# rooflines, calibrated to measurements) or Epoch AI's method (FLOP at a fixed utilization of peak, You 2025).
SERVING_METHODS = ("roofline", "epoch")
PAYLOADS = {"response": "bytes_per_response", "search_page": "bytes_per_search_page"}
CLIENTS = {"phone": "phone_power_w", "laptop": "laptop_power_w", "local_gpu": "local_gpu_power_w"}
_UNIT_TO_J = {"J": 1.0, "Wh": J_PER_WH, "kWh": J_PER_KWH}

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


# ---- inputs: analysis.inputs (the sourced ranges and how they follow parameters) ----


def accelerator(data: Dataset, params: dict) -> pd.Series:
    """The row of data/hardware.csv named by the ``accelerator`` parameter."""
    name = params["accelerator"]
    try:
        return data.accelerator(name)
    except KeyError:
        raise ValueError(f"parameter accelerator: {name!r} is not in data/hardware.csv; allowed: {', '.join(data.hardware.index)}") from None


def model_id(data: Dataset, model: str) -> str:
    """The data/models.csv id of a model named in claims.csv's check_args or by the chapter ("gpt2" -> "gpt2-xl")."""
    model = MODEL_ALIASES.get(model, model)
    if model not in data.models.index:
        raise ValueError(f"model: {model!r} is unknown; allowed: {', '.join(MODEL_ALIASES)} or a model of data/models.csv: "
                         f"{', '.join(data.models.index)}")
    return model


def explicit_parameters(params: dict) -> frozenset[str]:
    """The parameters that override the chosen accelerator's own figures: ``power_per_accelerator_w`` when it differs
    from its declared default (the H100 SXM's rating, data/hardware.csv); otherwise the accelerator's rating is used,
    so ``accelerator=a100-sxm-80gb`` brings the A100's power, not the H100's."""
    default = PARAMETERS["power_per_accelerator_w"].default
    return frozenset({"power_per_accelerator_w"}) if float(params["power_per_accelerator_w"]) != float(default) else frozenset()


def rated_power_w(data: Dataset, params: dict) -> float:
    """Power per accelerator the request is costed at: the ``power_per_accelerator_w`` parameter where it was changed
    (:func:`explicit_parameters`), otherwise the accelerator's rated (board) power in data/hardware.csv."""
    if "power_per_accelerator_w" in explicit_parameters(params):
        return float(params["power_per_accelerator_w"])
    return float(accelerator(data, params)["board_power_w"])


def _method(params: dict) -> str:
    method = params.get("serving_method", "roofline")
    if method not in SERVING_METHODS:
        raise ValueError(f"parameter serving_method: {method!r} is not allowed; allowed: {', '.join(SERVING_METHODS)}")
    return method


def _check_memory(data: Dataset, params: dict) -> None:
    """The serving model sizes replicas and batches from the accelerator's memory: refuse one without a published size."""
    if pd.isna(accelerator(data, params)["memory_bytes"]):
        raise ValueError(f"parameter accelerator: {params['accelerator']} has no memory size in data/hardware.csv (column memory_bytes), "
                         f"which the serving model needs; allowed: an accelerator with one, or serving_method=epoch")


def _frontier_range(data: Dataset, params: dict, model: str):
    """The active-parameter range of an assumed model (the frontier one), or None for a published architecture."""
    return input_range(data, params, "frontier_active_params") if model == FRONTIER else None


def _roofline_request(data: Dataset, params: dict, model: str, quantity: str = "facility_energy_j"):
    """(model function, ranges) of the serving model (analysis.serving) for one request of ``model`` (a models.csv id).

    The serving model's own uncertain inputs (calibrated efficiencies, power, host overhead, PUE, characters per
    token; analysis.serving_analysis.request_ranges) plus those that make "a request" uncertain: the answer's
    length and the batch it shares (their sourced ranges in data/inference_inputs.csv), and, for the assumed
    frontier model, its active parameters, with the total in the catalogue's proportion (400B of 100B).
    """
    from analysis import serving as S, serving_analysis as sa

    _check_memory(data, params)
    fixed, ranges, _, _ = sa.request_ranges(data, model, params, explicit_parameters(params))
    ranges = dict(ranges)
    for name in ("output_tokens", "batch_size"):
        fixed.pop(name)
        ranges[name] = input_range(data, params, name)
    frontier = _frontier_range(data, params, model)
    total_per_active = None
    if frontier is not None:
        total_per_active = fixed.pop("params_total") / fixed.pop("params_active")
        ranges["params_active"] = frontier
    prompt_chars = float(params["prompt_chars"])

    def model_fn(**draws):
        values = {**fixed, **draws}
        if total_per_active is not None:
            values["params_total"] = np.asarray(values["params_active"]) * total_per_active
        values["input_tokens"] = prompt_chars / values.pop("chars_per_token")
        return S.resolve(values, wanted=(quantity,))[quantity]

    return model_fn, ranges


EPOCH_INPUTS = ("chars_per_token", "output_tokens", "utilization", "power_fraction_serving", "host_overhead_factor", "serving_pue")


def _epoch_request(data: Dataset, params: dict, model: str):
    """(model function, ranges) of Epoch AI's method (You 2025, assumptions spreadsheet): 2 × active parameters ×
    tokens FLOP at a utilization of the accelerator's peak, × power × power fraction × host overhead × PUE (J).

    No memory term, no idle power, no batch: the method's own simplifications, kept so its published figures
    reproduce. Peak FLOP/s at the ``precision`` parameter (Epoch uses the H100's dense BF16 peak).
    """
    from analysis import serving_analysis as sa

    hw = accelerator(data, params)
    peak = float(sa.accelerator_inputs(hw.to_dict() | {"accelerator": params["accelerator"]}, str(params["precision"]))["peak_flop_per_s"])
    ranges = {name: input_range(data, params, name) for name in EPOCH_INPUTS}
    if params.get("power_scope") == "server":  # a whole-server power figure already holds the host: never counted twice
        ranges["host_overhead_factor"] = mc.Range(1.0, 1.0, 1.0)
    frontier = _frontier_range(data, params, model)
    if frontier is None:
        n = float(data.models.loc[model, "params_active"])
        frontier = mc.Range(n, n, n)
    ranges["active_params"] = frontier
    power_w = rated_power_w(data, params)
    prompt_chars = params["prompt_chars"]

    def energy_j(active_params, chars_per_token, output_tokens, utilization, power_fraction_serving, host_overhead_factor, serving_pue):
        tokens = inf.tokens_from_chars(prompt_chars, chars_per_token) + output_tokens
        seconds = inf.compute_time_s(inf.inference_flop(active_params, tokens), peak, utilization)
        return inf.server_energy_j(seconds, power_w, power_fraction_serving, serving_pue, host_overhead_factor)

    return energy_j, ranges


def _complete(params: dict) -> dict:
    """The parameters with every declared one present: a chapter's own set lacks the other chapters' (e.g. the grid
    intensity, which the serving model reads for carbon), and those keep their defaults."""
    from analysis.params import defaults

    return {**defaults(), **params}


def _request(data: Dataset, params: dict, model: str = "frontier"):
    params = _complete(params)
    mid = model_id(data, model)
    return _epoch_request(data, params, mid) if _method(params) == "epoch" else _roofline_request(data, params, mid)


def request_ranges(data: Dataset, params: dict, model: str = "frontier") -> dict[str, mc.Range]:
    """Ranges of every uncertain input of :func:`request_model` for ``model`` (a chapter name or a models.csv id)."""
    return _request(data, params, model)[1]


def request_model(data: Dataset, params: dict, model: str = "frontier") -> Callable[..., np.ndarray]:
    """Facility energy of one LLM request in J (server energy with host and PUE), as a function of the inputs in
    :func:`request_ranges`, under the ``serving_method`` parameter: ``roofline`` (the serving model,
    analysis.serving) or ``epoch`` (Epoch AI's method)."""
    return _request(data, params, model)[0]


def _estimate(model, ranges: dict[str, mc.Range], params: dict) -> Estimate:
    """Point estimate, Monte Carlo median and interval (stretched to the point estimate; see :class:`Estimate`)."""
    central = mc.central_value(model, ranges)
    values = mc.simulate(model, ranges, params["samples"], params["seed"])
    s = mc.summarise(values)
    low, high = min(s.low, central), max(s.high, central)
    return Estimate(central, s.median, low, high, s.samples, params["seed"], mc.percentile_of(values, central),
                    extended=(low, high) != (s.low, s.high))


def request_energy(data: Dataset, params: dict, model: str = "frontier") -> Estimate:
    """Facility energy of one LLM request, J: point estimate, Monte Carlo median and 90 % interval.

    ``model`` is "gpt2", "gpt3", "frontier" or any id of data/models.csv.
    """
    fn, ranges = _request(data, params, model)
    return _estimate(fn, ranges, params)


def request_quantities(data: Dataset, params: dict, model: str = "frontier", **values) -> dict[str, np.ndarray]:
    """Every intermediate of the serving model (analysis.serving.resolve) for one request at the central inputs;
    ``values`` replace any input (e.g. ``batch_size=np.array([1, 64])``)."""
    from analysis import serving_analysis as sa

    params = _complete(params)
    _check_memory(data, params)
    mid = model_id(data, model)
    overrides = dict(values)
    frontier = _frontier_range(data, params, mid)
    if frontier is not None and "params_active" not in overrides:
        row = data.models.loc[mid]
        overrides["params_active"] = frontier.central
        overrides["params_total"] = frontier.central * float(row["params_total"]) / float(row["params_active"])
    return sa.central_quantities(data, mid, params, explicit_parameters(params), **overrides)


def request_bound(data: Dataset, params: dict, model: str = "frontier", batch_size=None) -> str:
    """Which limit sets a decoding step's time in the serving model at the central inputs: "compute" or "memory"."""
    q = request_quantities(data, params, model, **({} if batch_size is None else {"batch_size": float(batch_size)}))
    return "compute" if float(q["decode_step_compute_s"]) > float(q["decode_step_memory_s"]) else "memory"


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


def llm_to_search_ratio(data: Dataset, params: dict, model: str = "frontier") -> Estimate:
    """Facility energy of an LLM request over the server energy of a web search, sampled jointly."""
    energy_j, request = _request(data, params, model)
    ranges = {**request, "search_j": search_range(data, params)}

    def ratio(search_j, **request_inputs):
        return energy_j(**request_inputs) / search_j

    return _estimate(ratio, ranges, params)


# ---- tables for the chapter ---------------------------------------------------------------------


def _request_parts_j(data: Dataset, params: dict, model: str) -> dict[str, float]:
    """A request's accelerator, IT and facility energy at the central inputs, J, under ``serving_method``."""
    if _method(params) == "epoch":
        fn, ranges = _request(data, params, model)
        c = {name: r.central for name, r in ranges.items()}
        facility = float(fn(**c))
        it = facility / c["serving_pue"]
        return {"accelerators": it / c["host_overhead_factor"], "it": it, "facility": facility}
    q = request_quantities(data, params, model)
    return {"accelerators": float(q["accelerator_energy_j"]), "it": float(q["it_energy_j"]), "facility": float(q["facility_energy_j"])}


def breakdown(data: Dataset, params: dict, model: str = "frontier") -> pd.DataFrame:
    """Where the energy of one LLM request and of one web search goes, J, at the central inputs.

    Tidy: one row per (request, component). The request's accelerators, host
    (split into host and idle capacity by Google's shares), facility overhead
    (PUE), network and client; the search's server energy is a single published
    figure, so it is one component ("servers") rather than split. A power figure
    that covers the whole server leaves host and idle at 0.
    """
    parts = _request_parts_j(data, params, model)
    kwh_per_gb = network_intensity_range(data, params).central
    client_j = float(inf.client_energy_j(params[CLIENTS[params["client_device"]]], params["client_seconds"]))
    idle_share = input_range(data, params, "idle_share_of_host_overhead").central
    host_and_idle = parts["it"] - parts["accelerators"]
    llm = {
        "accelerator": parts["accelerators"], "host": host_and_idle * (1 - idle_share), "idle": host_and_idle * idle_share,
        "facility_overhead": parts["facility"] - parts["it"],
        "network": float(inf.network_energy_j(params["bytes_per_response"], kwh_per_gb)), "client": client_j,
    }
    rows = [(f"LLM request ({model})", part, float(value)) for part, value in llm.items()]
    rows += [
        ("web search", "servers", search_range(data, params).central),
        ("web search", "network", float(inf.network_energy_j(params["bytes_per_search_page"], kwh_per_gb))),
        ("web search", "client", client_j),
    ]
    return pd.DataFrame(rows, columns=["request", "component", "energy_j"])


def _unit(data: Dataset, name: str) -> str:
    units = input_ranges(data)["unit"]
    if name in units.index:
        return str(units[name])
    if name == "active_params":
        return "parameters"
    from analysis import serving as S

    try:
        return S.unit(name)
    except (KeyError, ValueError):
        return ""


def sensitivity(data: Dataset, params: dict, model: str = "frontier") -> pd.DataFrame:
    """One-at-a-time sensitivity of the request energy: each input at its low and high, largest swing first."""
    fn, ranges = _request(data, params, model)
    rows = []
    for s in mc.tornado(fn, ranges):
        r = ranges[s.input]
        rows.append({
            "input": s.input, "unit": _unit(data, s.input), "input_low": r.low, "input_central": r.central, "input_high": r.high,
            "energy_at_low_j": s.output_at_low, "energy_at_high_j": s.output_at_high, "swing_j": s.swing,
        })
    return pd.DataFrame(rows)


# ---- claim checks (registered for data/claims.csv) ----------------------------------------------


def _j(x: float) -> str:
    return f"{x:,.0f} J" if abs(x) >= 100 else f"{x:.3g} J"


def _interval(e: Estimate, fmt=_j) -> str:
    stretched = ", stretched to the point estimate, which lies outside the 5th–95th percentile" if e.extended else ""
    return f"median {fmt(e.median)}, 90 % interval {fmt(e.low)}–{fmt(e.high)} ({e.samples:,} draws, seed {e.seed}{stretched})"


def request_basis(data: Dataset, params: dict, model: str) -> str:
    """What a request's estimate assumes, in words: method, model, accelerator, precision, batch, power figure and scope, boundaries."""
    mid = model_id(data, model)
    row = data.models.loc[mid]
    hw = accelerator(data, params)
    frontier = _frontier_range(data, params, mid)
    active = frontier.central if frontier is not None else float(row["params_active"])
    tokens = f"{params['prompt_chars']} prompt characters + {params['output_tokens']} output tokens"
    explicit = "power_per_accelerator_w" in explicit_parameters(params)
    power_source = "as set" if explicit else f"the {hw['name']}'s rating in data/hardware.csv"
    if _method(params) == "epoch":
        power = rated_power_w(data, params)
        server = params.get("power_scope") == "server"
        return (
            f"{mid} ({active / 1e9:g}B active parameters), {tokens}, by Epoch AI's method (serving_method=epoch): "
            f"2 × active parameters × tokens FLOP at {params['utilization']:g} of the {hw['name']}'s {str(params['precision']).upper()} peak, "
            f"× {power:,.0f} W per accelerator ({power_source}, {'whole-server' if server else 'accelerator-only'} figure) "
            f"× {params['power_fraction_serving']:g} of it × "
            f"{'no host factor (the figure covers the server)' if server else 'host overhead ' + format(params['host_overhead_factor'], 'g')} "
            f"× PUE {params['serving_pue']:g} (facility boundary); no memory term, batch or idle power"
        )
    q = request_quantities(data, params, mid)
    covers = bool(float(q["power_covers_host"]))
    scope = "whole-server" if covers else "accelerator-only"
    host = ("no host factor (the figure covers the server)" if covers
            else f"× host and idle overhead {params['host_overhead_factor']:g} (IT boundary)")
    return (
        f"{mid} ({active / 1e9:g}B active of {float(q['params_total']) / 1e9:g}B parameters), {tokens}, by the serving model "
        f"(serving_method=roofline: prefill and decode rooflines, efficiencies calibrated to measured energy): "
        f"{int(q['accelerators_per_replica'])} × {hw['name']} per replica at {params['precision']}, batch {params['batch_size']} "
        f"({request_bound(data, params, mid)}-bound decoding); {float(q['rated_power_w']):,.0f} W per accelerator ({power_source}, "
        f"{scope} figure; idle {float(q['idle_power_w']):,.0f} W plus a load-dependent share) {host} × PUE {params['serving_pue']:g} "
        f"(facility boundary)"
    )


@check("llm_request_energy")
def _llm_request_energy(data: Dataset, params: dict, args: dict) -> Computed:
    model = args.get("model", "frontier")
    e = request_energy(data, params, model)
    basis = f"{_j(e.central)} ({e.central / J_PER_WH:.3g} Wh) at the parameters; {_interval(e)}. {request_basis(data, params, model)}"
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
        f"{model} request (facility energy) over one web search (the published server figure), sampled together: "
        f"{fmt(e.central)} at the central values; {_interval(e, fmt)}. Request: {request_basis(data, params, model)}"
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


def bound_by_batch(data: Dataset, params: dict, model: str = "gpt3", batch_sizes=(1, 2, 4, 8, 16, 32, 64, 128, 256)) -> pd.DataFrame:
    """Compute time and memory time of one request (accelerator-seconds, prefill + decode) against batch size,
    in the serving model at the central inputs (tidy): the larger sets the pace of each decoding step."""
    q = request_quantities(data, params, model, batch_size=np.asarray(batch_sizes, dtype=float))
    per_request = np.asarray(q["output_tokens"]) * np.asarray(q["accelerators_per_replica"]) / np.asarray(q["decode_batch_size"])
    compute = np.broadcast_to(q["prefill_compute_s"] + q["decode_step_compute_s"] * per_request, (len(batch_sizes),))
    memory = np.broadcast_to(q["prefill_memory_s"] + q["decode_step_memory_s"] * per_request, (len(batch_sizes),))
    rows = []
    for b, c, m in zip(batch_sizes, compute, memory):
        rows += [(b, "compute (FLOP at the calibrated share of peak)", float(c)), (b, "memory (weights and KV cache read)", float(m))]
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
    for model in MODELS:
        mid = model_id(data, model)
        frontier = _frontier_range(data, params, mid)
        numbers[f"{model}_params_b"] = (frontier.central if frontier is not None else float(data.models.loc[mid, "params_active"])) / 1e9
    numbers["prompt_tokens"] = float(inf.tokens_from_chars(params["prompt_chars"], params["chars_per_token"]))
    for key in ("prompt_chars", "output_tokens", "chars_per_token", "utilization", "batch_size", "serving_pue",
                "host_overhead_factor", "power_fraction_serving", "power_per_accelerator_w", "network_year", "samples", "seed"):
        numbers[key] = params[key]
    # The share of peak FLOP/s the chosen method runs the arithmetic at: the calibrated decoding share (roofline)
    # or the utilization parameter (Epoch AI's method).
    from analysis import serving_analysis as sa

    numbers["compute_utilization_pct"] = 100 * sa.calibration()["compute_utilization"].central
    numbers["gpt3_flop"] = float(inf.inference_flop(numbers["gpt3_params_b"] * 1e9, numbers["prompt_tokens"] + params["output_tokens"]))
    times = bound_by_batch(data, params, "gpt3", batch_sizes=tuple(sorted({1, params["batch_size"]})))
    memory = times[times["bound"].str.startswith("memory")].set_index("batch_size")["seconds"]
    compute = times[times["bound"].str.startswith("compute")].set_index("batch_size")["seconds"]
    numbers["gpt3_memory_s_batch1"] = float(memory.loc[1])
    # Accelerator-seconds of arithmetic for the GPT-3-sized request under the chosen method (the serving model's also
    # counts attention, at its calibrated shares of peak), and the share of peak at which 2·N FLOP per token take that long.
    peak = float(accelerator(data, params)[f"peak_{params['precision']}_dense_flop_per_s"])
    if _method(params) == "epoch":
        numbers["gpt3_compute_s"] = float(inf.compute_time_s(numbers["gpt3_flop"], peak, params["utilization"]))
    else:
        numbers["gpt3_compute_s"] = float(compute.loc[1])
    numbers["utilization_pct"] = 100 * numbers["gpt3_flop"] / (peak * numbers["gpt3_compute_s"])
    q = request_quantities(data, params, "gpt3")
    numbers["gpt3_accelerators_per_replica"] = float(q["accelerators_per_replica"])
    numbers["rated_power_w"] = float(q["rated_power_w"])
    numbers["idle_power_w"] = float(q["idle_power_w"])
    numbers["gpt3_mean_power_w"] = float(q["accelerator_energy_j"] / q["accelerator_seconds"])
    numbers["power_covers_host"] = float(_covers_host(data, params))
    numbers |= method_comparison(data)
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
    llm_total = parts.xs("LLM request (frontier)", level="request")
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
    "params_active": "how large the model is",
    "utilization": "how much of its peak the accelerator achieves",
    "compute_utilization": "how much of its peak FLOP/s the accelerator achieves while decoding",
    "prefill_compute_utilization": "how much of its peak FLOP/s the accelerator achieves on the prompt",
    "bandwidth_utilization": "how much of its memory bandwidth the accelerator achieves",
    "roofline_sharpness": "how far compute and memory reads overlap",
    "layer_overhead_s": "the fixed time per layer of each decoding step",
    "sequence_overhead_s": "the time per sequence of each decoding step (output processing, scheduling)",
    "moe_token_overhead_s": "the time to route each token to its experts",
    "power_share_memory_bound": "how much power the accelerator draws while memory-bound",
    "memory_bandwidth_bytes_per_s": "the accelerator's memory bandwidth",
    "peak_flop_per_s": "the accelerator's peak FLOP/s",
    "rated_power_w": "the accelerator's rated power",
    "idle_power_w": "the accelerator's idle power",
    "power_per_accelerator_w": "the accelerator's rated power",
    "power_fraction_serving": "how much of that power it draws",
    "host_overhead_factor": "the host's overhead",
    "serving_pue": "the data centre's PUE",
    "pue": "the data centre's PUE",
    "chars_per_token": "how many characters make a token",
}


def epoch_scenario_params() -> dict:
    """Epoch AI's baseline (data/scenarios/epoch-2025.yml) laid over the parameters' defaults."""
    from analysis.params import defaults
    from analysis.scenarios import load_scenario

    return {**defaults(), **load_scenario(SCENARIO_DIR / "epoch-2025.yml")["parameters"]}


# Epoch AI's power assumptions, which the serving model replaces with its own (the accelerator's rating, idle
# plus a load-dependent share, the host overhead): left at their defaults for "our method on Epoch's request".
EPOCH_ONLY_PARAMETERS = ("serving_method", "utilization", "power_per_accelerator_w", "power_scope", "power_fraction_serving",
                         "host_overhead_factor", "pinned_inputs")


def roofline_on_epoch_request_params() -> dict:
    """Epoch AI's baseline request (model, tokens, prompt, accelerator, PUE) under the serving model, with the
    serving model's own power chain: the Epoch scenario laid over the defaults, less :data:`EPOCH_ONLY_PARAMETERS`."""
    from analysis.params import defaults

    base = defaults()
    return {**epoch_scenario_params(), **{name: base[name] for name in EPOCH_ONLY_PARAMETERS}}


def method_comparison(data: Dataset) -> dict[str, float]:
    """Epoch AI's method and the serving model on the same request (Epoch's baseline), central values.

    ``*_j``/``*_wh``: facility energy; ``*_accelerator_s``: accelerator-seconds;
    ``*_w_per_accelerator``: facility energy per accelerator-second (W, host and
    PUE included), so energy = seconds × that power in both; ``roofline_over_epoch``
    and its two factors (time and power). Independent of this page's parameters,
    like ``epoch_scenario_j``.
    """
    epoch = epoch_scenario_params()
    ours = roofline_on_epoch_request_params()
    epoch_j = central_request_energy(data, epoch, "frontier")
    fn, ranges = _epoch_request(data, epoch, "frontier")
    c = {name: r.central for name, r in ranges.items()}
    tokens = inf.tokens_from_chars(epoch["prompt_chars"], c["chars_per_token"]) + c["output_tokens"]
    hw = accelerator(data, epoch)
    peak = float(hw[f"peak_{epoch['precision']}_dense_flop_per_s"])
    epoch_s = float(inf.compute_time_s(inf.inference_flop(c["active_params"], tokens), peak, c["utilization"]))
    q = request_quantities(data, ours, "frontier")
    ours_j = float(q["facility_energy_j"])
    ours_s = float(q["accelerator_seconds"])
    return {
        "epoch_method_j": epoch_j, "epoch_method_wh": epoch_j / J_PER_WH, "epoch_method_accelerator_s": epoch_s,
        "epoch_method_w_per_accelerator": epoch_j / epoch_s, "epoch_method_utilization_pct": 100 * c["utilization"],
        "roofline_method_j": ours_j, "roofline_method_wh": ours_j / J_PER_WH, "roofline_method_accelerator_s": ours_s,
        "roofline_method_w_per_accelerator": ours_j / ours_s,
        "roofline_method_accelerators_per_replica": float(q["accelerators_per_replica"]),
        "roofline_over_epoch": ours_j / epoch_j, "roofline_over_epoch_time": ours_s / epoch_s,
        "roofline_over_epoch_power": (ours_j / ours_s) / (epoch_j / epoch_s),
    }


def method_difference_sentence(numbers: dict[str, float], bound: str) -> str:
    """Why the two methods differ on the same request, from :func:`method_comparison`'s numbers: time and power, each as a factor.

    ``bound``: what sets the serving model's decoding step on that request ("compute" or "memory").
    """
    ratio, time, power = numbers["roofline_over_epoch"], numbers["roofline_over_epoch_time"], numbers["roofline_over_epoch_power"]
    larger = "time" if abs(math.log(time)) >= abs(math.log(power)) else "power"
    time_words = f"{time:.2g} times as many accelerator-seconds ({prose.number(numbers['roofline_method_accelerator_s'], 's')} against "
    time_words += f"{prose.number(numbers['epoch_method_accelerator_s'], 's')}"
    time_words += (", since the serving model's decoding is memory-bound and reads the weights the batch touches at each step, "
                   "where Epoch AI's method counts only FLOP" if bound == "memory" else
                   ", both counting the arithmetic, at different shares of peak FLOP/s")
    power_words = (f"{power:.2g} times the power per accelerator-second ({prose.number(numbers['roofline_method_w_per_accelerator'], 'W')} "
                   f"against {prose.number(numbers['epoch_method_w_per_accelerator'], 'W')}, host and PUE included)")
    main = "the accelerator time" if larger == "time" else "the power"
    return (f"On the same request the serving model gives {ratio:.2g} times the energy of Epoch AI's method: "
            f"{time_words}), at {power_words}; most of the difference is {main}")


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


def _covers_host(data: Dataset, params: dict) -> bool:
    """Whether the request's power figure covers the whole server, so no host factor applies."""
    if _method(params) == "epoch":
        return params.get("power_scope") == "server"
    return bool(float(request_quantities(data, params, "frontier")["power_covers_host"]))


def host_overhead_phrase(host_overhead_factor: float, power_covers_host: bool = False) -> str:
    """The host's share of the energy in words: a factor, or none when the power figure already holds it."""
    if host_overhead_factor == 1 or power_covers_host:
        return "with no factor for the host's processors and memory, which this page's power figure is taken to include"
    return f"times a factor of {host_overhead_factor:.2f} for the host's processors, memory and idle capacity kept for traffic peaks"


def method_used_sentence(method: str) -> str:
    """Which method this page's requests are costed by, and how to switch."""
    if method == "epoch":
        return ("This edition costs every request by Epoch AI's method (`serving_method=epoch`): FLOP at a fixed share of peak, "
                "with no memory term, instead of the serving model of the default edition")
    return "This page costs every request by the serving model; `-p serving_method=epoch` costs them by Epoch AI's method instead"


def power_sentence(numbers: dict[str, float], method: str) -> str:
    """How accelerator time becomes energy under ``method``, with this page's numbers (from :func:`chapter_numbers`)."""
    if method == "epoch":
        return (f"at its power ({prose.number(numbers['power_per_accelerator_w'], 'W')}, Epoch AI's method) times the fraction it draws "
                f"on average ({numbers['power_fraction_serving']:.2f})")
    return (f"at its power: {prose.number(numbers['idle_power_w'], 'W')} idle plus a share of the rest, up to its rated "
            f"{prose.number(numbers['rated_power_w'], 'W')}, that rises as arithmetic takes over from memory reads "
            f"({prose.number(numbers['gpt3_mean_power_w'], 'W')} on average for the GPT-3-sized request)")


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
    numbers = chapter_numbers(data, params)
    return {
        "gpt3_bound_batch1": request_bound(data, params, "gpt3", 1),
        "gpt3_bound": request_bound(data, params, "gpt3"),
        "gpt3_batch_sentence": batch_sentence(request_bound(data, params, "gpt3"), int(params["batch_size"])),
        "accelerator_name": str(accelerator(data, params)["name"]),
        "output_tokens_vs_epoch": output_tokens_phrase(params["output_tokens"], epoch["output_tokens"]),
        "host_overhead_phrase": host_overhead_phrase(params["host_overhead_factor"], _covers_host(data, params)),
        "power_sentence": power_sentence(numbers, _method(params)),
        "method_used": method_used_sentence(_method(params)),
        "method_difference": method_difference_sentence(numbers, request_bound(data, roofline_on_epoch_request_params(), "frontier")),
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


def central_request_energy(data: Dataset, params: dict, model: str = "frontier") -> float:
    """Facility energy of one request with every input at its central value, J (no Monte Carlo)."""
    fn, ranges = _request(data, params, model)
    return mc.central_value(fn, ranges)


def parameter_for_request_energy(data: Dataset, params: dict, name: str, target_j: float, model: str = "frontier") -> float:
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
    return bisect(lambda v: central_request_energy(data, {**params, name: v}, model), low, high, target_j, log=True)


def network_year_for_energy(data: Dataset, params: dict, payload_bytes: float, target_j: float) -> float:
    """The year on Aslan et al.'s halving trend when sending ``payload_bytes`` costs ``target_j`` (J)."""
    from analysis.solve import bisect

    trend = data.network_intensity[data.network_intensity["halving_years"].notna()].iloc[0]
    energy = lambda year: float(inf.network_energy_j(payload_bytes, inf.network_intensity_kwh_per_gb(year, trend["year"], trend["kwh_per_gb"], trend["halving_years"])))  # noqa: E731
    return bisect(energy, float(trend["year"]), float(trend["year"]) + 200.0, target_j)
