"""The training-compute chapter's analysis: data in, tables and claim checks out.

Formulas live in :mod:`analysis.training`; this module applies them to the runs
in ``data/`` under the reader's parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import training as tr
from analysis.claims import Computed, check
from analysis.data import Dataset

STAGES = ("pre_training", "context_extension", "post_training")


def _num(value) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def gpu_hours_counted(run: pd.Series, stages: list[str]) -> float:
    """GPU-hours of the chosen stages where a run publishes stages, else its total."""
    per_stage = {s: _num(run[f"gpu_hours_{s}"]) for s in STAGES}
    if any(not math.isnan(v) for v in per_stage.values()):
        chosen = [per_stage[s] for s in stages if not math.isnan(per_stage[s])]
        return float(sum(chosen)) if chosen else float("nan")
    return _num(run["gpu_hours_total"])


def run_table(data: Dataset, params: dict) -> pd.DataFrame:
    """One row per training run with every derived quantity of the chapter."""
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
    out["flop_capacity_bf16"] = tr.gpu_hours_to_flop_capacity(out["gpu_hours"], peak)
    out["utilization_bf16"] = tr.implied_utilization(out["flop_best"], out["gpu_hours"], peak)
    out["achieved_flop_per_s_per_gpu"] = tr.achieved_flop_per_s_per_gpu(out["flop_best"], out["gpu_hours"])
    out["cost_usd"] = tr.cost_usd(out["gpu_hours"], params["price_usd_per_gpu_hour"])
    out["energy_kwh"] = tr.energy_kwh(out["gpu_hours"], power, params["power_fraction"], params["pue"])
    out["emissions_tco2eq"] = tr.emissions_tco2eq(out["energy_kwh"], params["grid_intensity_g_per_kwh"])
    out["emissions_reported_tco2eq"] = runs["emissions_tco2eq"]
    out["accelerator"] = runs["accelerator"]
    out["accelerator_count"] = runs["accelerator_count"]
    return out


def compute_share_bases(data: Dataset, params: dict, run: str, reference: str) -> pd.DataFrame:
    """The run's training compute as a share of the reference's, on each basis."""
    table = run_table(data, params)
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
    runs, table = data.training_runs, run_table(data, params)
    a, b = runs.loc[reference], runs.loc[run]
    factors = tr.decompose_gpu_hour_ratio(
        a["params_active"], a["training_tokens"], table.loc[reference, "gpu_hours"],
        b["params_active"], b["training_tokens"], table.loc[run, "gpu_hours"],
    )
    labels = {
        "active_params": "Active parameters",
        "tokens": "Training tokens",
        "throughput_per_gpu": "Achieved FLOP/s per GPU",
    }
    frame = pd.DataFrame({"factor": [labels[k] for k in factors], "ratio": [float(v) for v in factors.values()]})
    frame["key"] = list(factors)
    return frame


def head_to_head(data: Dataset, run: str, reference: str) -> pd.DataFrame:
    """Benchmarks both models report in the same table, with the winner of each."""
    b = data.benchmarks
    pivot = b[b["run_id"].isin([run, reference])].pivot_table(
        index=["suite", "benchmark", "metric", "higher_is_better", "locator"], columns="run_id", values="score", aggfunc="first"
    ).dropna().reset_index()
    better = np.where(pivot["higher_is_better"] == "yes", pivot[run] > pivot[reference], pivot[run] < pivot[reference])
    tie = pivot[run] == pivot[reference]
    pivot["winner"] = np.where(tie, "tie", np.where(better, run, reference))
    return pivot


# ---- claim checks (registered for data/claims.csv) ----

@check("compute_share")
def _compute_share(data: Dataset, params: dict, args: dict) -> Computed:
    bases = compute_share_bases(data, params, args["run"], args["reference"])
    shares = bases["share_percent"]
    return Computed(
        value=float(shares["gpu_hours"]), low=float(shares.min()), high=float(shares.max()),
        basis="; ".join(f"{d}: {s:.2f} %" for d, s in zip(bases["description"], shares)),
        details=shares.to_dict(),
    )


@check("compute_ratio")
def _compute_ratio(data: Dataset, params: dict, args: dict) -> Computed:
    bases = compute_share_bases(data, params, args["run"], args["reference"])
    ratios = bases["ratio"]
    return Computed(
        value=float(ratios["gpu_hours"]), low=float(ratios.min()), high=float(ratios.max()),
        basis="; ".join(f"{d}: {r:.2f}×" for d, r in zip(bases["description"], ratios)),
        details=ratios.to_dict(),
    )


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
    cost = float(tr.cost_usd(hours, params["price_usd_per_gpu_hour"]))
    return Computed(
        value=cost, low=cost, high=cost,
        basis=f"{hours / 1e6:.3f}M GPU-hours × ${params['price_usd_per_gpu_hour']:g} per GPU-hour; rental-equivalent cost of the final run only",
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
    shares = {suite: 100 * float((g["winner"] == run).mean()) for suite, g in h2h.groupby("suite")}
    overall = 100 * float((h2h["winner"] == run).mean())
    arena = data.arena
    elo_gap = float(arena.loc[run, "elo"] - arena.loc[reference, "elo"])
    # The gap counts only when it exceeds both models' confidence half-widths together.
    elo_margin = float(arena.loc[run, "ci_minus"] + arena.loc[reference, "ci_plus"])
    signals = [s > 50 for s in shares.values()] + [elo_gap > elo_margin]
    verdict = "holds" if all(signals) else "too_high" if not any(signals) else "mixed"
    basis = (
        "; ".join(f"{suite} models: wins {s:.0f} % of {int((h2h['suite'] == suite).sum())} benchmarks" for suite, s in shares.items())
        + f"; Arena Elo {arena.loc[run, 'elo']:.0f} vs {arena.loc[reference, 'elo']:.0f} ({arena.loc[run, 'snapshot_date']})"
        + "; benchmarks from the DeepSeek-V3 report's own evaluation"
    )
    return Computed(value=overall, low=min(shares.values()), high=max(shares.values()), basis=basis, verdict=verdict, details={"elo_gap": elo_gap, **shares})
