"""The training-compute chapter's analysis: data in, tables and claim checks out.

Formulas live in :mod:`analysis.training`; this module applies them to the runs
in ``data/`` under the reader's parameters.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from analysis import prose
from analysis import training as tr
from analysis.claims import Computed, check, compose
from analysis.data import Dataset

STAGES = ("pre_training", "context_extension", "post_training")


def _remembered(key):
    """Remember a table computed from a dataset and the arguments ``key`` reads (the last 64 per dataset); return a copy.

    A sweep asks for the same run table several times per point and the head-to-head once per point though it
    reads no parameter; remembering them is what lets thousands of points run in seconds.
    """
    def wrap(func):
        @functools.wraps(func)
        def remembered(data, *args):
            memo = data.__dict__.setdefault("_remembered", {})
            k = (func.__name__, key(*args))
            if k not in memo:
                if len(memo) >= 64:
                    memo.clear()
                memo[k] = func(data, *args)
            return memo[k].copy()
        return remembered
    return wrap


def _num(value) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def gpu_hours_counted(run: pd.Series, stages: list[str]) -> float:
    """GPU-hours of the chosen stages where a run publishes stages, else its total."""
    per_stage = {s: _num(run[f"gpu_hours_{s}"]) for s in STAGES}
    if any(not math.isnan(v) for v in per_stage.values()):
        chosen = [per_stage[s] for s in stages if not math.isnan(per_stage[s])]
        return float(sum(chosen)) if chosen else float("nan")
    return _num(run["gpu_hours_total"])


COST_COLUMNS = ("cost_usd", "energy_kwh", "emissions_tco2eq")  # the run table's columns that read price, power fraction, PUE or grid
# The parameters the chapter's numbers may take as numpy arrays (one value per grid point): each enters only arithmetic
# (:func:`priced_quantities`); the counted stages choose rows and columns of tables and stay one value per call.
ARRAY_PARAMETERS = ("price_usd_per_gpu_hour", "pue", "power_fraction", "grid_intensity_g_per_kwh")


def priced_quantities(gpu_hours, board_power_w, params: dict) -> dict[str, object]:
    """Rental-equivalent cost (USD), facility energy (kWh) and location-based emissions (tCO2eq) of ``gpu_hours``.

    Under the reader's price, power fraction, PUE and grid intensity (:data:`ARRAY_PARAMETERS`); formulas of
    :mod:`analysis.training`. Every argument broadcasts: a run table's column against one price, or one run's
    GPU-hours against an array of prices (one per grid point).
    """
    energy = tr.energy_kwh(gpu_hours, board_power_w, params["power_fraction"], params["pue"])
    return {
        "cost_usd": tr.cost_usd(gpu_hours, params["price_usd_per_gpu_hour"]),
        "energy_kwh": energy,
        "emissions_tco2eq": tr.emissions_tco2eq(energy, params["grid_intensity_g_per_kwh"]),
    }


def run_table(data: Dataset, params: dict) -> pd.DataFrame:
    """One row per training run with every derived quantity of the chapter."""
    out = _counted_runs(data, params)
    power = out.pop("board_power_w")
    for column, values in priced_quantities(out["gpu_hours"], power, params).items():
        out[column] = values
    out["emissions_reported_tco2eq"] = data.training_runs["emissions_tco2eq"]
    out["accelerator"] = data.training_runs["accelerator"]
    out["accelerator_count"] = data.training_runs["accelerator_count"]
    return out


@_remembered(lambda params: tuple(params["deepseek_stages"]))
def _counted_runs(data: Dataset, params: dict) -> pd.DataFrame:
    """The run table's columns that depend on the counted stages alone (FLOP, GPU-hours, utilization), and each run's board power."""
    runs = data.training_runs
    stages = params["deepseek_stages"]
    peak = runs["accelerator"].map(lambda a: _num(data.hardware.loc[a, "peak_bf16_dense_flop_per_s"]) if isinstance(a, str) else np.nan)
    power = runs["accelerator"].map(lambda a: _num(data.hardware.loc[a, "board_power_w"]) if isinstance(a, str) else np.nan)
    out = pd.DataFrame(index=runs.index)
    out["model"] = runs["model"]
    out["kind"] = runs["kind"]
    out["gpu_hours"] = [gpu_hours_counted(row, stages) for _, row in runs.iterrows()]
    out["flop_6nd"] = tr.dense_training_flop(runs["params_active"], runs["training_tokens"])
    out["flop_reported"] = runs["training_flop"]
    out["flop_reported_low"] = runs["training_flop_low"]
    out["flop_reported_high"] = runs["training_flop_high"]
    out["flop_per_token_basis"] = tr.per_token_training_flop(runs["flop_per_token"], runs["training_tokens"])
    # The chapter's best single figure: reported where published, else 6·N·D.
    out["flop_best"] = out["flop_reported"].fillna(out["flop_6nd"])
    # Where that figure comes from: the provenance of the training_flop value, or our own 6·N·D.
    prov = data.provenance[(data.provenance["table"] == "training_runs") & (data.provenance["column"] == "training_flop")]
    kinds = dict(zip(prov["row"], prov["kind"]))
    out["flop_status"] = [kinds.get(run_id, "computed") if not pd.isna(v) else "computed" for run_id, v in zip(runs.index, runs["training_flop"])]
    out["flop_capacity_bf16"] = tr.gpu_hours_to_flop_capacity(out["gpu_hours"], peak)
    out["utilization_bf16"] = tr.implied_utilization(out["flop_best"], out["gpu_hours"], peak)
    out["achieved_flop_per_s_per_gpu"] = tr.achieved_flop_per_s_per_gpu(out["flop_best"], out["gpu_hours"])
    out["board_power_w"] = power
    return out


@_remembered(lambda params, run, reference: (tuple(params["deepseek_stages"]), run, reference))
def compute_share_bases(data: Dataset, params: dict, run: str, reference: str) -> pd.DataFrame:
    """The run's training compute as a share of the reference's, on each basis (FLOP and GPU-hours: the counted stages alone matter)."""
    table = _counted_runs(data, params)
    a, b = table.loc[run], table.loc[reference]
    rows = [
        ("gpu_hours", "GPU-hours (as BF16 peak FLOP capacity)", a["flop_capacity_bf16"], b["flop_capacity_bf16"]),
        ("flop_6nd", "6 × active parameters × tokens, both runs", a["flop_6nd"], b["flop_6nd"]),
        ("flop_6nd_vs_reported", "6·N·D for the run vs the reference's reported FLOP", a["flop_6nd"], b["flop_reported"]),
        ("flop_per_token", "published training FLOP per token × tokens", a["flop_per_token_basis"], b["flop_per_token_basis"]),
    ]
    frame = pd.DataFrame(rows, columns=["basis", "description", "run_flop", "reference_flop"]).set_index("basis")
    frame["share_percent"] = 100 * tr.ratio(frame["run_flop"], frame["reference_flop"])
    frame["ratio"] = tr.ratio(frame["reference_flop"], frame["run_flop"])
    return frame.dropna(subset=["share_percent"])


def decomposition(data: Dataset, params: dict, run: str, reference: str) -> pd.DataFrame:
    """GPU-hour ratio reference/run split into active-parameter, token and throughput factors."""
    runs, table = data.training_runs, _counted_runs(data, params)
    a, b = runs.loc[reference], runs.loc[run]
    factors = tr.decompose_gpu_hour_ratio(
        a["params_active"], a["training_tokens"], table.loc[reference, "gpu_hours"],
        b["params_active"], b["training_tokens"], table.loc[run, "gpu_hours"],
    )
    # Every factor is the same way round as the GPU-hour ratio (reference ÷ run): the third is
    # GPU-hours per 6·N·D FLOP, the inverse of the achieved throughput, so that a bar above 1 always
    # means the reference needed more of it.
    labels = {
        "active_params": "Active parameters per token",
        "tokens": "Training tokens",
        "throughput_per_gpu": "GPU-hours per FLOP (1 ÷ throughput)",
    }
    quantities = {
        "active_params": (a["params_active"], b["params_active"]),
        "tokens": (a["training_tokens"], b["training_tokens"]),
        "throughput_per_gpu": tuple(
            table.loc[r, "gpu_hours"] / tr.dense_training_flop(x["params_active"], x["training_tokens"])
            for r, x in ((reference, a), (run, b))
        ),
    }
    frame = pd.DataFrame({"factor": [labels[k] for k in factors], "ratio": [float(v) for v in factors.values()]})
    frame["key"] = list(factors)
    frame["reference_value"] = [float(quantities[k][0]) for k in factors]
    frame["run_value"] = [float(quantities[k][1]) for k in factors]
    frame["reference"] = a["model"]
    frame["run"] = b["model"]
    return frame


@_remembered(lambda run, reference: (run, reference))
def head_to_head(data: Dataset, run: str, reference: str) -> pd.DataFrame:
    """Benchmarks both models report in the same table: each score, the gap and the winner.

    ``gap`` is the run's margin in the benchmark's own units (positive: the run is
    better, whichever way the metric points). A gap no larger than the row's
    ``same_level_gap`` is a ``tie``: the DeepSeek-V3 report's Table 3 caption treats
    "scores with a gap not exceeding 0.3" as the same level (data/benchmarks.csv).
    """
    b = data.benchmarks
    pivot = b[b["run_id"].isin([run, reference])].pivot_table(
        index=["suite", "benchmark", "metric", "higher_is_better", "same_level_gap", "locator"], columns="run_id", values="score", aggfunc="first"
    ).dropna().reset_index()
    direction = np.where(pivot["higher_is_better"] == "yes", 1.0, -1.0)
    pivot["gap"] = direction * (pivot[run] - pivot[reference])
    # Scores carry one decimal: round the difference so 0.3 is not read as 0.30000000000000004.
    tie = pivot["gap"].abs().round(9) <= pivot["same_level_gap"]
    pivot["winner"] = np.where(tie, "tie", np.where(pivot["gap"] > 0, run, reference))
    return pivot


def head_to_head_counts(h2h: pd.DataFrame, run: str, reference: str) -> pd.DataFrame:
    """Wins, ties and losses of ``run`` per suite, with its win share (wins over all benchmarks, in %)."""
    rows = []
    for suite, g in h2h.groupby("suite", sort=True):
        wins, ties, losses = int((g["winner"] == run).sum()), int((g["winner"] == "tie").sum()), int((g["winner"] == reference).sum())
        rows.append({"suite": suite, "benchmarks": len(g), "wins": wins, "ties": ties, "losses": losses, "win_percent": 100 * wins / len(g)})
    return pd.DataFrame(rows).set_index("suite")


# ---- claim checks (registered for data/claims.csv) ----

def _across_bases(data: Dataset, params: dict, args: dict, column: str, shown: str) -> Computed:
    """The GPU-hour basis as the value and the spread of every basis as the interval."""
    bases = compute_share_bases(data, params, args["run"], args["reference"])
    values = bases[column]
    return Computed(
        value=float(values["gpu_hours"]), low=float(values.min()), high=float(values.max()),
        basis="; ".join(f"{d}: {shown.format(v)}" for d, v in zip(bases["description"], values)),
        details=values.to_dict(),
    )


@check("compute_share")
def _compute_share(data: Dataset, params: dict, args: dict) -> Computed:
    return _across_bases(data, params, args, "share_percent", "{:.2f} %")


@check("compute_ratio")
def _compute_ratio(data: Dataset, params: dict, args: dict) -> Computed:
    return _across_bases(data, params, args, "ratio", "{:.2f}×")


@check("run_gpu_hours")
def _run_gpu_hours(data: Dataset, params: dict, args: dict) -> Computed:
    run = data.run(args["run"])
    counted = gpu_hours_counted(run, params["deepseek_stages"])
    same_developer = data.training_runs[data.training_runs["developer"] == run["developer"]]
    family = same_developer[same_developer["model"].str.startswith(run["model"].rsplit(" ", 1)[0])]
    basis = f"{run['model']}: {counted / 1e6:.3f}M GPU-hours"
    published = [s for s in STAGES if not pd.isna(run[f"gpu_hours_{s}"])]
    if published:
        basis += f" counting stages {', '.join(params['deepseek_stages'])} (published: {', '.join(published)})"
    if len(family) > 1:
        basis += f"; the {len(family)} models of its family together used {family['gpu_hours_total'].sum() / 1e6:.2f}M"
    return Computed(value=counted, low=counted, high=counted, basis=basis)


@check("run_duration_days")
def _run_duration_days(data: Dataset, params: dict, args: dict) -> Computed:
    run = data.run(args["run"])
    gpus = run["accelerator_count"]
    counted = tr.duration_days(gpu_hours_counted(run, params["deepseek_stages"]), gpus)
    pre = tr.duration_days(gpu_hours_counted(run, ["pre_training"]), gpus)
    low, high = sorted([float(counted), float(pre)])
    return Computed(
        value=float(counted), low=low, high=high,
        basis=f"GPU-hours / {int(gpus)} GPUs / 24 h: {float(pre):.1f} days for pre-training alone, {float(counted):.1f} days for the counted stages",
    )


@check("run_cost_usd")
def _run_cost_usd(data: Dataset, params: dict, args: dict) -> Computed:
    run = data.run(args["run"])
    hours = gpu_hours_counted(run, params["deepseek_stages"])
    price = params["price_usd_per_gpu_hour"]
    # An array of prices (one per grid point) gives an array of costs, judged element-wise (claims.verdicts).
    cost = tr.cost_usd(hours, price) if np.ndim(price) else float(tr.cost_usd(hours, price))
    shown = f"${price:g}" if not np.ndim(price) else "the price"
    return Computed(
        value=cost, low=cost, high=cost,
        basis=f"{hours / 1e6:.3f}M GPU-hours × {shown} per GPU-hour; rental-equivalent cost of the final run only",
    )


@check("run_accelerator_count")
def _run_accelerator_count(data: Dataset, params: dict, args: dict) -> Computed:
    run = data.run(args["run"])
    gpus = float(run["accelerator_count"])
    return Computed(value=gpus, low=gpus, high=gpus, basis=f"{run['model']} was trained on up to {int(gpus):,} {run['accelerator']} GPUs")


@check("largest_cluster_gpus")
def _largest_cluster(data: Dataset, params: dict, args: dict) -> Computed:
    clusters = data.clusters
    cutoff = pd.Timestamp(args["before"]).date()
    online = clusters[(clusters["scope"] == "cluster") & (clusters["date"] <= cutoff)]
    top = online.loc[online["gpus"].idxmax()]
    gpus = float(top["gpus"])
    return Computed(
        value=gpus, low=gpus, high=gpus,
        basis=f"largest single cluster online by {cutoff}: {top['organisation']} {top['description']}, {int(gpus):,} GPUs ({top['date']})",
    )


@check("head_to_head")
def _head_to_head(data: Dataset, params: dict, args: dict) -> Computed:
    run, reference = args["run"], args["reference"]
    h2h = head_to_head(data, run, reference)
    counts = head_to_head_counts(h2h, run, reference)
    shares = counts["win_percent"].to_dict()
    # A tie is not a win: the run must win more than half of all comparisons, ties included in the count.
    overall = 100 * float((h2h["winner"] == run).mean())
    arena = data.arena
    elo_gap = float(arena.loc[run, "elo"] - arena.loc[reference, "elo"])
    # The gap counts only when it exceeds both models' confidence half-widths together.
    elo_margin = float(arena.loc[run, "ci_minus"] + arena.loc[reference, "ci_plus"])
    signals = [s > 50 for s in shares.values()] + [elo_gap > elo_margin]
    # Each signal is one case of the claim: it holds where DeepSeek-V3 comes out ahead, overstates where not.
    verdict = compose("holds" if signal else "too_high" for signal in signals)
    basis = (
        "; ".join(f"{c.Index} models: wins {c.wins}, ties {c.ties}, loses {c.losses} of {c.benchmarks} benchmarks "
                  f"(wins {c.win_percent:.0f} %)" for c in counts.itertuples())
        + "; a gap within the report's 'same level' margin (0.3 points in Table 3) is a tie"
        + f"; Arena Elo {arena.loc[run, 'elo']:.0f} vs {arena.loc[reference, 'elo']:.0f} ({arena.loc[run, 'snapshot_date']})"
        + "; benchmarks: every row of the DeepSeek-V3 report's Tables 3, 6 and 7 that scores both models"
    )
    details = {"elo_gap": elo_gap, **shares, **{f"{c.Index}_ties": float(c.ties) for c in counts.itertuples()}}
    return Computed(value=overall, low=min(shares.values()), high=max(shares.values()), basis=basis, verdict=verdict, details=details)


# Marks, in _stage_numbers, the numbers chapter_numbers computes from ARRAY_PARAMETERS (the rest depend on the counted stages alone).
_PRICED = object()


@_remembered(lambda params, run, reference: (tuple(params["deepseek_stages"]), run, reference))
def _stage_numbers(data: Dataset, params: dict, run: str, reference: str) -> dict[str, object]:
    """The numbers of :func:`chapter_numbers` that read no parameter but the counted stages (plain floats), in the
    chapter's order, with :data:`_PRICED` where a number reads :data:`ARRAY_PARAMETERS`; and, under ``_``-names, what
    those need: each run's counted GPU-hours and board power, the reference's reported emissions, China's grid."""
    table = _counted_runs(data, params)
    runs = data.training_runs
    a, b = table.loc[run], table.loc[reference]
    bases = compute_share_bases(data, params, run, reference)
    factors = decomposition(data, params, run, reference).set_index("key")["ratio"]
    h2h = head_to_head(data, run, reference)
    wins = {suite: g for suite, g in h2h.groupby("suite")}
    arena = data.arena
    family = runs[runs["model"].str.startswith("Llama 3.1")]
    spend = data.spend_estimates
    china = data.grid_intensity.set_index("region").loc["china"]
    peak_fp8 = float(data.hardware.loc[runs.loc[run, "accelerator"], "peak_fp8_dense_flop_per_s"])
    numbers = {
        "share_gpu_hours": bases.loc["gpu_hours", "share_percent"],
        "share_6nd": bases.loc["flop_6nd", "share_percent"],
        "share_6nd_vs_reported": bases.loc["flop_6nd_vs_reported", "share_percent"],
        "share_per_token": bases.loc["flop_per_token", "share_percent"],
        "share_min": bases["share_percent"].min(),
        "share_max": bases["share_percent"].max(),
        "ratio_gpu_hours": bases.loc["gpu_hours", "ratio"],
        "run_active_params_b": runs.loc[run, "params_active"] / 1e9,
        "run_total_params_b": runs.loc[run, "params_total"] / 1e9,
        "run_reported_price": runs.loc[run, "cost_price_usd_per_gpu_hour"],
        "meta_cluster_gpus": data.clusters.loc["meta-genai-24k", "gpus"],
        "largest_cluster_gpus": data.clusters.loc["xai-colossus", "gpus"],
        "ref_flop_reported_e25": b["flop_reported"] / 1e25,
        "ratio_min": bases["ratio"].min(),
        "ratio_max": bases["ratio"].max(),
        "run_gpu_hours_m": a["gpu_hours"] / 1e6,
        "run_all_stages_gpu_hours_m": gpu_hours_counted(runs.loc[run], list(STAGES)) / 1e6,
        "run_pre_training_gpu_hours_m": runs.loc[run, "gpu_hours_pre_training"] / 1e6,
        "run_context_extension_gpu_hours_k": runs.loc[run, "gpu_hours_context_extension"] / 1e3,
        "run_post_training_gpu_hours_k": runs.loc[run, "gpu_hours_post_training"] / 1e3,
        "ref_gpu_hours_m": b["gpu_hours"] / 1e6,
        "ref_family_gpu_hours_m": family["gpu_hours_total"].sum() / 1e6,
        "share_vs_family": 100 * a["gpu_hours"] / family["gpu_hours_total"].sum(),
        "share_pre_training_only": 100 * runs.loc[run, "gpu_hours_pre_training"] / b["gpu_hours"],
        "run_gpus": runs.loc[run, "accelerator_count"],
        "run_days": tr.duration_days(a["gpu_hours"], runs.loc[run, "accelerator_count"]),
        "run_days_pre_training": tr.duration_days(runs.loc[run, "gpu_hours_pre_training"], runs.loc[run, "accelerator_count"]),
        "price_usd_per_gpu_hour": _PRICED,
        "run_cost_musd": _PRICED,
        "run_reported_cost_musd": runs.loc[run, "cost_usd"] / 1e6,
        "ref_cost_musd": _PRICED,
        "spend_low_musd": spend["value_usd"].min() / 1e6,
        "spend_high_busd": spend["value_usd"].max() / 1e9,
        "ref_gpus": runs.loc[reference, "accelerator_count"],
        "factor_active_params": factors["active_params"],
        "factor_tokens": factors["tokens"],
        "factor_throughput": factors["throughput_per_gpu"],
        "factor_product": float(np.prod(factors.to_numpy())),
        "run_utilization_bf16_pct": 100 * a["utilization_bf16"],
        "run_utilization_fp8_pct": 100 * float(tr.implied_utilization(a["flop_best"], a["gpu_hours"], peak_fp8)),
        "ref_utilization_bf16_pct": 100 * b["utilization_bf16"],
        "run_energy_gwh": _PRICED,
        "ref_energy_gwh": _PRICED,
        "run_emissions_t": _PRICED,
        "ref_emissions_t": _PRICED,
        "ref_emissions_reported_t": runs.loc[reference, "emissions_tco2eq"],
        "ref_emissions_vs_reported_pct": _PRICED,
        "ref_implied_grid_g_per_kwh": _PRICED,
        "grid_intensity_g_per_kwh": _PRICED,
        "china_grid_g_per_kwh": china["g_co2eq_per_kwh"],
        "china_grid_year": china["year"],
        "run_emissions_china_t": _PRICED,
        "pue": _PRICED,
        "power_fraction": _PRICED,
        "base_win_pct": 100 * (wins["base"]["winner"] == run).mean(),
        "chat_win_pct": 100 * (wins["chat"]["winner"] == run).mean(),
        "base_benchmarks": len(wins["base"]),
        "chat_benchmarks": len(wins["chat"]),
        "base_wins": (wins["base"]["winner"] == run).sum(),
        "chat_wins": (wins["chat"]["winner"] == run).sum(),
        "base_ties": (wins["base"]["winner"] == "tie").sum(),
        "chat_ties": (wins["chat"]["winner"] == "tie").sum(),
        "base_losses": (wins["base"]["winner"] == reference).sum(),
        "chat_losses": (wins["chat"]["winner"] == reference).sum(),
        "run_elo": arena.loc[run, "elo"],
        "ref_elo": arena.loc[reference, "elo"],
    }
    numbers = {name: value if value is _PRICED else float(value) for name, value in numbers.items()}
    return numbers | {"_run_gpu_hours": float(a["gpu_hours"]), "_ref_gpu_hours": float(b["gpu_hours"]),
                      "_run_board_power_w": float(a["board_power_w"]), "_ref_board_power_w": float(b["board_power_w"]),
                      "_china_grid_g_per_kwh": float(china["g_co2eq_per_kwh"])}


def chapter_numbers(data: Dataset, params: dict, run: str = "deepseek-v3", reference: str = "llama-3.1-405b") -> dict[str, object]:
    """Every number the training chapter quotes in its prose, by name: plain floats, for glue.

    Each of :data:`ARRAY_PARAMETERS` may instead be a numpy array (one value per grid point; the arrays broadcast
    together): every number is then a float array of that shape, those that read none of them repeated. A sweep
    evaluates thousands of points in one call this way, with the same formulas. The numbers that depend on the
    counted stages alone are computed once per dataset and stages (:func:`_stage_numbers`).
    """
    fixed = _stage_numbers(data, params, run, reference)
    run_hours, ref_hours = fixed.pop("_run_gpu_hours"), fixed.pop("_ref_gpu_hours")
    run_power, ref_power = fixed.pop("_run_board_power_w"), fixed.pop("_ref_board_power_w")
    china_grid = fixed.pop("_china_grid_g_per_kwh")
    a = priced_quantities(run_hours, run_power, params)
    b = priced_quantities(ref_hours, ref_power, params)
    # Meta counts each GPU at its board power (power fraction 1): the grid intensity its reported emissions imply.
    energy_ref_at_meta = tr.energy_kwh(ref_hours, ref_power, 1.0, params["pue"])
    priced = {
        "price_usd_per_gpu_hour": params["price_usd_per_gpu_hour"],
        "run_cost_musd": a["cost_usd"] / 1e6,
        "ref_cost_musd": b["cost_usd"] / 1e6,
        "run_energy_gwh": a["energy_kwh"] / 1e6,
        "ref_energy_gwh": b["energy_kwh"] / 1e6,
        "run_emissions_t": a["emissions_tco2eq"],
        "ref_emissions_t": b["emissions_tco2eq"],
        "ref_emissions_vs_reported_pct": 100 * b["emissions_tco2eq"] / fixed["ref_emissions_reported_t"],
        "ref_implied_grid_g_per_kwh": tr.implied_grid_intensity_g_per_kwh(fixed["ref_emissions_reported_t"], energy_ref_at_meta),
        "grid_intensity_g_per_kwh": params["grid_intensity_g_per_kwh"],
        "run_emissions_china_t": tr.emissions_tco2eq(a["energy_kwh"], china_grid),
        "pue": params["pue"],
        "power_fraction": params["power_fraction"],
    }
    shape = np.broadcast_shapes(*(np.shape(params[name]) for name in ARRAY_PARAMETERS))
    if not shape:
        return {name: float(priced[name] if value is _PRICED else value) for name, value in fixed.items()}
    return {name: np.broadcast_to(np.asarray(priced[name] if value is _PRICED else value, dtype=float), shape)
            for name, value in fixed.items()}


# Short names of the bases of compute_share_bases, for sentences.
BASIS_NAMES = {
    "gpu_hours": "GPU-hours",
    "flop_6nd": "6·N·D for both runs",
    "flop_6nd_vs_reported": "6·N·D against the reported FLOP",
    "flop_per_token": "FLOP per token",
}
STAGE_NAMES = {"pre_training": "pre-training", "context_extension": "context extension", "post_training": "post-training"}
# Two calendar months in days (the Gregorian year's mean length): the report's "less than two months".
TWO_MONTHS_DAYS = 2 * 365.25 / 12
# Utilizations within this relative difference are "about the same".
SAME_UTILIZATION_REL = 0.10


def bases_in_claim(values: pd.Series, claimed_low: float, claimed_high: float, unit: str) -> str:
    """How many bases of :func:`compute_share_bases` give a value inside the claim's range, and which.

    ``values`` is one column of that frame (indexed by basis), in ``unit`` ("%" or "times").
    E.g. "3 of the 4 bases we tried fall inside the 8.5-9.5 % the claim allows: GPU-hours (9.04 %),
    ...; FLOP per token (9.69 %) does not".
    """
    show = lambda v: f"{v:.2f} {unit}"  # noqa: E731
    inside = [b for b, v in values.items() if claimed_low <= v <= claimed_high]
    outside = [b for b in values.index if b not in inside]
    k, n = len(inside), len(values)
    named = lambda bases: prose.join(f"{BASIS_NAMES.get(b, b)} ({show(values[b])})" for b in bases)  # noqa: E731
    text = f"{prose.how_many(k, n, 'bases we tried')} {prose.fall_or_falls(k, n)} inside the {prose.range_text(claimed_low, claimed_high, unit)} the claim allows"
    if k in (0, n):
        return f"{text}: {named(values.index)}"
    return f"{text}: {named(inside)}; {named(outside)} {'does' if len(outside) == 1 else 'do'} not"


def stages_phrase(stages: list[str]) -> str:
    """Which of DeepSeek-V3's stages are counted, in words: "every stage", "pre-training alone", "pre-training and post-training"."""
    if set(stages) == set(STAGES):
        return "every stage"
    names = [STAGE_NAMES.get(s, s) for s in STAGES if s in stages]
    return f"{names[0]} alone" if len(names) == 1 else prose.join(names)


def duration_phrase(counted_days: float, pre_training_days: float) -> str:
    """The counted days and pre-training's days against the report's "less than two months" (:data:`TWO_MONTHS_DAYS`)."""
    limit = f"two months ({TWO_MONTHS_DAYS:.1f} days)"
    if pre_training_days > TWO_MONTHS_DAYS:
        return f"Pre-training alone takes longer than {limit}, although the report says it took less"
    if counted_days > TWO_MONTHS_DAYS:
        return f"Pre-training alone is under {limit}, as the report says; the counted stages together take longer"
    return f"Both are under {limit}, as the report says of pre-training"


def utilization_phrase(reference_pct: float, run_pct: float, reference: str, run: str) -> str:
    """Compare two runs' utilization: "about the same" only within :data:`SAME_UTILIZATION_REL` of each other."""
    if abs(reference_pct - run_pct) <= SAME_UTILIZATION_REL * max(reference_pct, run_pct):
        return "Both runs used about the same fraction of their GPUs' dense BF16 peak"
    higher, lower = (reference, run) if reference_pct > run_pct else (run, reference)
    return f"{higher} used a larger fraction of its GPUs' dense BF16 peak than {lower}"


def main_factor_phrase(factor: float, product: float) -> str:
    """How much of a ratio ``product`` one ``factor`` explains, on a log scale: "almost all of the gap comes from", ...

    Shares: 90-110 % "almost all", above 110 % "more than all" (other factors pull the other way),
    50-90 % "most", below 50 % "part".
    """
    if product <= 0 or factor <= 0 or product == 1:
        return "part of the gap comes from"
    share = math.log(factor) / math.log(product)
    if share > 1.1:
        return "more than all of the gap (the other factors pull the other way) comes from"
    if share >= 0.9:
        return "almost all of the gap comes from"
    if share >= 0.5:
        return "most of the gap comes from"
    return "part of the gap comes from"


def grid_phrase(data: Dataset, grid_intensity_g_per_kwh: float) -> str:
    """Where this page's grid intensity comes from: the world average when it is that value, else it says so."""
    world = data.grid_intensity.set_index("region").loc["world"]
    if math.isclose(grid_intensity_g_per_kwh, float(world["g_co2eq_per_kwh"])):
        return f"the world average for {int(world['year'])}"
    return f"set for this edition; the world average for {int(world['year'])} was {float(world['g_co2eq_per_kwh']):.0f} g"


def chapter_texts(data: Dataset, params: dict, run: str = "deepseek-v3", reference: str = "llama-3.1-405b") -> dict[str, str]:
    """Words the chapter takes from the data and the computed numbers (dates, names, quantifiers, comparisons), as Markdown."""
    h2h = head_to_head(data, run, reference)

    def listed(rows: pd.DataFrame) -> str:
        names = [f"{r.benchmark} ({r.suite})" for r in rows.itertuples()]
        joined = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
        return f"{len(names)} of them: {joined}" if names else "none of them"

    bases = compute_share_bases(data, params, run, reference)
    claims = data.claims
    share_band = claims.loc["training.compute_share", ["claimed_low", "claimed_high"]].astype(float)
    ratio_band = claims.loc["training.compute_ratio", ["claimed_low", "claimed_high"]].astype(float)
    numbers = chapter_numbers(data, params, run, reference)
    runs = data.training_runs
    return {
        "reference_wins_list": listed(h2h[h2h["winner"] == reference]),
        "ties_list": listed(h2h[h2h["winner"] == "tie"]),
        "arena_date": data.arena.loc[run, "snapshot_date"].strftime("%-d %B %Y"),
        "largest_cluster_date": data.clusters.loc["xai-colossus", "date"].strftime("%B %Y"),
        "share_bases_in_claim": bases_in_claim(bases["share_percent"], *share_band, "%"),
        "ratio_bases_in_claim": bases_in_claim(bases["ratio"], *ratio_band, "times"),
        "stages_counted": stages_phrase(params["deepseek_stages"]),
        "duration_vs_two_months": duration_phrase(numbers["run_days"], numbers["run_days_pre_training"]),
        "utilization_comparison": utilization_phrase(
            numbers["ref_utilization_bf16_pct"], numbers["run_utilization_bf16_pct"], runs.loc[reference, "model"], runs.loc[run, "model"]),
        "gap_main_factor": main_factor_phrase(numbers["factor_active_params"], numbers["factor_product"]),
        "grid_intensity_source": grid_phrase(data, params["grid_intensity_g_per_kwh"]),
    }


def whatif_inputs(data: Dataset, params: dict, run: str = "deepseek-v3", reference: str = "llama-3.1-405b") -> dict[str, object]:
    """Arguments of charts.whatif_training: the run's counted GPU-hours and tokens, the reference's 6·N·D, the claims' bands."""
    runs, table = data.training_runs, run_table(data, params)
    claims = data.claims
    return {
        "gpu_hours": float(table.loc[run, "gpu_hours"]),
        "run_tokens": float(runs.loc[run, "training_tokens"]),
        "reference_flop": float(table.loc[reference, "flop_6nd"]),
        "price": float(params["price_usd_per_gpu_hour"]),
        "active_params": float(runs.loc[run, "params_active"]),
        "cost_band": (float(claims.loc["training.cost", "claimed_low"]), float(claims.loc["training.cost", "claimed_high"])),
        "share_band": (float(claims.loc["training.compute_share", "claimed_low"]), float(claims.loc["training.compute_share", "claimed_high"])),
    }

