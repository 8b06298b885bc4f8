"""The serving-energy model fed by the data: model and accelerator rows in, calibrated estimates, validation and one request's estimate out.

- :func:`model_inputs` and :func:`accelerator_inputs` turn a row of
  ``data/models.csv`` and of ``data/hardware.csv`` into the inputs of
  :func:`analysis.serving.resolve`.
- :func:`measurements` and :func:`predict` re-predict every row of
  ``data/measured_inference.csv`` at its own boundary, :func:`validation_table`
  sets prediction against measurement and :func:`validation_summary` gives the
  median and worst ratio per family.
- The achieved efficiencies (:data:`CALIBRATED`) come from
  ``data/serving_calibration.csv``, which :func:`calibrate` writes from the
  measurements (``python -m analysis calibrate``); a test keeps the file equal to
  a fresh fit, so a change to the measurements or the physics cannot leave it
  stale. :func:`calibration` gives them as uncertainty Ranges (with the sourced
  power share and prefill utilization), :func:`source_efficiencies` per source.
- :func:`estimate` is one request's estimate with its 90 % interval, as the
  ``estimate`` command prints it; :func:`request_ranges` gives its inputs,
  :func:`request_model` any quantity as a function of the uncertain ones (for
  analysis.uncertainty's monte_carlo, central_value, tornado) and
  :func:`central_quantities` every intermediate over arrays of inputs (for
  sweeps and charts). Both take a loaded Dataset or the :class:`ServingInputs`
  that :func:`load_serving_inputs` caches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from analysis import serving as S

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "data" / "serving_calibration.csv"
FAMILIES = ("small dense", "large dense", "MoE")
SMALL_DENSE_PARAMS = 10e9  # below this a dense model counts as small (the families)
TARGET_MEDIAN_RATIO = 1.25  # the validation's targets: median within 1.25x, every point within 2x
TARGET_WORST_RATIO = 2.0


class PrecisionError(ValueError):
    """A precision the accelerator lacks (FP8 on an A100); one line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Calibrated:
    """An achieved efficiency fitted to the measurements: search bounds, unit and meaning."""

    name: str
    lower: float
    upper: float
    start: float
    unit: str
    meaning: str


# The efficiencies fitted to data/measured_inference.csv, in log space, within physical bounds. In a joint fit
# the first five are shared by every measurement; the per-layer overhead belongs to the serving engine's
# release, so it is fitted once per source (each benchmark ran one release). Fitted to each source alone (as
# the calibration does), the two overheads are where the engines differ: vLLM's own v0.6.0 notes put most of
# its older releases' time per step in CPU-side scheduling and output processing (vLLM Team 2024), work that
# grows with the batch's sequences and that later releases overlap with the GPU's work.
SHARED = (
    Calibrated("compute_utilization", 0.05, 0.9, 0.4, "fraction of peak FLOP/s",
               "achieved fraction of peak FLOP/s where compute sets the pace (prefill; decoding at large batches)"),
    # Upper bound 0.9: no kernel streams memory at the full rated speed (refresh, page and bank conflicts);
    # a fit that reaches it says so in the calibration file.
    Calibrated("bandwidth_utilization", 0.2, 0.9, 0.7, "fraction of memory bandwidth",
               "achieved fraction of peak memory bandwidth where memory sets the pace (decoding)"),
    Calibrated("roofline_sharpness", 1.0, 16.0, 2.0, "exponent",
               "p of the softened roofline (compute^p + memory^p)^(1/p): 1 is no overlap of compute and memory, large p their max"),
    Calibrated("moe_token_overhead_s", 1e-9, 1e-5, 5e-7, "s per token per MoE layer",
               "time to route one token through one mixture-of-experts layer (router, top-k, gather and scatter)"),
    Calibrated("sequence_overhead_s", 1e-9, 1e-2, 1e-5, "s per sequence per decoding step",
               "time per sequence of each decoding step beside the rooflines (output processing, detokenising, scheduling)"),
)
OVERHEAD = Calibrated("layer_overhead_s", 1e-7, 2e-3, 1e-4, "s per layer per decoding step",
                      "time per layer of each decoding step beside the rooflines (kernel launches, synchronisation, scheduling)")
CALIBRATED = (*SHARED, OVERHEAD)

# Share of the power above idle an accelerator draws while decoding is memory-bound. Sourced, not fitted: energy
# alone cannot tell a long step at low power from a short one at high power. ML.ENERGY Leaderboard v3.0
# publishes each configuration's mean GPU power; at batch 8 on H100s (decoding memory-bound) nine chat models
# drew 354-538 W per GPU of 700 W (Llama 3.1 8B 486 W, 70B 441 W on 4, 405B FP8 408 W on 8; Qwen3 8B 427 W,
# 32B 538 W, 30B-A3B 399 W, 235B-A22B 354 W on 8), (P − idle) / (rated − idle) = 0.45-0.74 at a 70 W idle.
POWER_SHARE_MEMORY_BOUND = (0.45, 0.6, 0.74)  # low, central, high
# Achieved fraction of peak FLOP/s while prefilling prompts. Not fitted: the measurements publish no prompt
# lengths, and chat prompts cost little next to the answers. High: Pope et al. (2022), abstract, "76% MFU during
# large-batch-size processing of input tokens" (PaLM 540B on TPU v4, a tuned system); low: 0.3, an assumption
# under the decoding compute utilization fitted to the measurements (about 0.4 in vLLM), which the larger prefill
# multiplications should reach; central: an assumption between them.
PREFILL_COMPUTE_UTILIZATION = (0.3, 0.5, 0.76)
# Serving engines (data/measured_inference.csv, ``engine``): their measurements set the estimates' efficiencies and
# ranges. Others (Hugging Face transformers generating one query at a time) are re-predicted with their own fit only.
SERVING_ENGINES = frozenset({"vllm", "sglang", "tgi", "tensorrt-llm"})
# The measurements of the newest engine release: their overhead is the estimate's central value.
NEWEST_ENGINE_SOURCE = "mlenergy2026leaderboardv3"  # ML.ENERGY Leaderboard v3.0, vLLM 0.11.1


# --- rows -> inputs -------------------------------------------------------------------------------------------


def _number(row, column: str, default: float = math.nan) -> float:
    value = row.get(column) if hasattr(row, "get") else row[column]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return float(value)


def model_inputs(row) -> dict[str, float]:
    """Inputs of :func:`analysis.serving.resolve` from one row of data/models.csv (a pandas Series or a dict).

    KV values per token follow the row's ``attention``: ``mla`` from
    ``kv_lora_rank`` and ``qk_rope_head_dim``, ``mha``/``gqa`` from ``kv_heads``
    (the attention heads when empty) and ``head_dim`` (hidden size / heads when
    empty). A dense row has no experts (``experts_total`` 0).
    """
    heads = _number(row, "attention_heads")
    head_dim = _number(row, "head_dim", _number(row, "hidden_size") / heads)
    layers = _number(row, "layers")
    attention = str(row.get("attention") if hasattr(row, "get") else row["attention"]).lower()
    if attention == "mla":
        kv_values = S.kv_values_per_token_mla(layers, _number(row, "kv_lora_rank"), _number(row, "qk_rope_head_dim"))
        kv_cache_heads = 1.0
    else:
        kv_cache_heads = _number(row, "kv_heads", heads)
        kv_values = S.kv_values_per_token_gqa(layers, kv_cache_heads, head_dim)
    total = _number(row, "params_total")
    experts = _number(row, "experts_total", 0.0)
    return {
        "moe_layers": _number(row, "moe_layers", layers) if experts > 0 else 0.0,
        "params_total": total,
        "params_active": _number(row, "params_active", total),
        "experts_total": _number(row, "experts_total", 0.0),
        "experts_per_token": _number(row, "experts_per_token", 0.0),
        "layers": layers,
        "attention_dim": heads * head_dim,
        "kv_values_per_token": float(kv_values),
        "kv_cache_heads": kv_cache_heads,
    }


# The column of data/hardware.csv that gives each precision's peak (fp32 runs without tensor cores: PyTorch's default).
PEAK_COLUMN = {"bf16": "peak_bf16_dense_flop_per_s", "fp8": "peak_fp8_dense_flop_per_s", "fp32": "peak_fp32_flop_per_s"}


def accelerator_inputs(row, precision: str, power_per_accelerator_w: float | None = None) -> dict[str, float]:
    """Inputs of :func:`analysis.serving.resolve` from one row of data/hardware.csv, at a serving precision.

    ``precision`` is ``bf16`` (dense BF16 peak, 2-byte weights) or ``fp8`` (dense
    FP8 peak, 1-byte weights); an accelerator with no FP8 peak refuses fp8 with
    PrecisionError. ``fp32`` (the FP32 peak without tensor cores, 4-byte weights)
    re-predicts measurements of unconverted checkpoints; no estimate offers it. ``power_per_accelerator_w`` replaces the row's rated power
    (board power); the idle power then scales with it. ``power_covers_host`` is 1
    when the row's ``power_scope`` is ``server``.
    """
    name = row.get("accelerator", getattr(row, "name", "accelerator")) if hasattr(row, "get") else "accelerator"
    if precision not in S.BYTES_PER_VALUE:
        raise PrecisionError([f"parameter precision: {precision!r} is not allowed; allowed: {', '.join(S.BYTES_PER_VALUE)}"])
    peak = _number(row, PEAK_COLUMN[precision])
    if math.isnan(peak):
        raise PrecisionError([f"parameter precision: {name} has no {precision.upper()} compute in data/hardware.csv; allowed: "
                              f"bf16, or an accelerator with an FP8 peak"])
    rated = _number(row, "board_power_w")
    idle = _number(row, "idle_power_w", rated * DEFAULT_IDLE_SHARE_OF_RATED)
    if power_per_accelerator_w is not None:
        idle *= power_per_accelerator_w / rated
        rated = float(power_per_accelerator_w)
    scope = row.get("power_scope") if hasattr(row, "get") else None
    return {
        "precision_bytes_per_value": S.BYTES_PER_VALUE[precision],
        "peak_flop_per_s": peak,
        "memory_bandwidth_bytes_per_s": _number(row, "memory_bandwidth_bytes_per_s"),
        "memory_bytes": _number(row, "memory_bytes"),
        "rated_power_w": rated,
        "idle_power_w": idle,
        "power_covers_host": 1.0 if isinstance(scope, str) and scope == "server" else 0.0,
    }


# Idle power where data/hardware.csv gives none (no accelerator in it has a published idle power): a share of
# the rating. An assumption with a range: low 5 %; high 20 %, the least an H200 drew while decoding in Ma et al.
# (2026, abstract: "decode draws only 137-300 W on a 700 W GPU"), which idle cannot exceed.
IDLE_SHARE_OF_RATED = (0.05, 0.1, 0.2)
DEFAULT_IDLE_SHARE_OF_RATED = IDLE_SHARE_OF_RATED[1]


# --- measurements -> predictions ----------------------------------------------------------------------------

BOUNDARIES = ("accelerator", "server", "facility")
_BOUNDARY_QUANTITY = {"accelerator": "accelerator_energy_j", "server": "it_energy_j", "facility": "facility_energy_j"}


def family(model_row) -> str:
    """The model's family for the validation summary: ``MoE``, ``small dense`` (< 10B parameters) or ``large dense``."""
    if _number(model_row, "experts_total", 0.0) > 0:
        return "MoE"
    return "small dense" if _number(model_row, "params_total") < SMALL_DENSE_PARAMS else "large dense"


def measured_energy_j(row) -> float:
    """A measurement's energy per request: ``energy_j``, or ``energy_j_per_output_token`` × output tokens."""
    energy = _number(row, "energy_j")
    return energy if not math.isnan(energy) else _number(row, "energy_j_per_output_token") * _number(row, "output_tokens")


@dataclass(frozen=True)
class Measurements:
    """The rows of data/measured_inference.csv as arrays: the inputs of each, what was measured and where."""

    table: "object"  # the measurement rows (DataFrame) in order
    inputs: dict[str, np.ndarray]
    measured_j: np.ndarray
    boundary: np.ndarray
    sources: np.ndarray
    families: np.ndarray
    left_out: tuple[str, ...] = ()  # measurements that could not be re-predicted, with the reason


# Where a benchmark publishes no prompt length (ML.ENERGY's leaderboards), a chat prompt of this many tokens is
# assumed. An assumption, not a measurement: prefill is a small share of a chat request's energy, and the
# tests show the predictions move little between 50 and 1,000 tokens.
UNPUBLISHED_PROMPT_TOKENS = 200.0
# Serving precisions as data/measured_inference.csv names them -> the model's (fp16 runs at the bf16 rate).
_PRECISION = {"bf16": "bf16", "fp16": "bf16", "fp8": "fp8", "fp32": "fp32"}


def measurements(data, prompt_tokens_if_unpublished: float = UNPUBLISHED_PROMPT_TOKENS) -> Measurements:
    """Every measurement's serving inputs (its model, accelerator, count, precision, batch, tokens) and energy.

    Rows the model cannot re-predict are left out and listed in ``left_out`` (one
    line each, saying why): a model or accelerator missing from data/models.csv or
    data/hardware.csv, or a precision without a path here (int8, int4 weights).
    """
    table = data.measured_inference
    keep, left_out, rows = [], [], []
    for _, m in table.iterrows():
        why = [f"{column} {m[column]!r} is not in data/{name}.csv"
               for column, frame, name in (("model_id", data.models, "models"), ("accelerator", data.hardware, "hardware"))
               if m[column] not in frame.index]
        if m["precision"] not in _PRECISION:
            why.append(f"precision {m['precision']!r} has no path here (allowed: {', '.join(_PRECISION)})")
        if why:
            left_out.append(f"{m['measurement_id']}: {'; '.join(why)}")
            continue
        keep.append(m)
        model = data.models.loc[m["model_id"]]
        hardware = data.hardware.loc[m["accelerator"]]
        inputs = {**model_inputs(model), **accelerator_inputs(hardware, _PRECISION[m["precision"]])}
        prompt = float(m["input_tokens"]) if not math.isnan(float(m["input_tokens"])) else prompt_tokens_if_unpublished
        inputs.update(batch_size=float(m["batch_size"]), input_tokens=prompt,
                      output_tokens=float(m["output_tokens"]), accelerators_per_replica=float(m["accelerator_count"]),
                      kv_bytes_per_value=S.BYTES_PER_VALUE["fp32"] if _PRECISION[m["precision"]] == "fp32" else S.KV_BYTES_PER_VALUE,
                      idle_accelerators_metered=_number(m, "idle_accelerators_metered", 0.0))
        rows.append(inputs)
    kept = table.loc[[m.name for m in keep]] if keep else table.iloc[:0]
    names = rows[0].keys() if rows else ()
    return Measurements(
        table=kept,
        inputs={name: np.array([r[name] for r in rows]) for name in names},
        measured_j=np.array([measured_energy_j(m) for m in keep]),
        boundary=kept["boundary"].to_numpy(dtype=str),
        sources=kept["source"].to_numpy(dtype=str),
        families=np.array([family(data.models.loc[i]) for i in kept["model_id"]], dtype=str),
        left_out=tuple(left_out),
    )


def predict(inputs: Mapping[str, np.ndarray], boundary, efficiencies: Mapping[str, object],
            host_overhead_factor: float, pue: float) -> np.ndarray:
    """Predicted energy per request (J) at each measurement's boundary; efficiencies may carry leading axes (a grid).

    ``power_share_memory_bound`` and ``prefill_compute_utilization`` are the sourced central values unless
    ``efficiencies`` gives them. ``inputs`` may hold ``idle_accelerators_metered``: idle accelerators inside an
    accelerator-boundary measurement (:func:`idle_metered_energy_j`).
    """
    values = {**inputs, "power_share_memory_bound": POWER_SHARE_MEMORY_BOUND[1],
              "prefill_compute_utilization": PREFILL_COMPUTE_UTILIZATION[1], **efficiencies,
              "host_overhead_factor": host_overhead_factor, "pue": pue}
    idle_metered = np.asarray(values.pop("idle_accelerators_metered", 0.0), dtype=float)
    out = S.resolve(values, wanted=("facility_energy_j", "accelerator_seconds"))
    boundary = np.asarray(boundary)
    predicted = out["facility_energy_j"]
    for name, quantity in _BOUNDARY_QUANTITY.items():
        predicted = np.where(boundary == name, out[quantity], predicted)
    return predicted + np.where(boundary == "accelerator", idle_metered_energy_j(
        idle_metered, out["idle_power_w"], out["accelerator_seconds"], out["accelerators_per_replica"]), 0.0)


def idle_metered_energy_j(idle_accelerators_metered, idle_power_w, accelerator_seconds, accelerators_per_replica):
    """Energy per request of idle accelerators that a meter summed with the busy ones: count × idle power × the request's wall share.

    A request holds its replica for accelerator-seconds / accelerators of wall time
    (its share when the batch shares the replica); an idle accelerator on the same
    meter draws its idle power all that time. Luccioni et al. (2024) metered all
    eight GPUs of a node while one ran the model (data/measured_inference.csv,
    ``idle_accelerators_metered``).
    """
    return idle_accelerators_metered * idle_power_w * accelerator_seconds / accelerators_per_replica


# --- calibration ------------------------------------------------------------------------------------------------


def _log_residuals(m: Measurements, log_x: np.ndarray, facility: tuple[float, float], source_index: np.ndarray) -> np.ndarray:
    """log(predicted / measured) for parameter vectors ``log_x`` -> (k, rows).

    ``log_x`` has shape (k, len(SHARED) + sources): the shared efficiencies, then
    one overhead per source; ``source_index`` gives each row's source.
    """
    shared = len(SHARED)
    efficiencies = {c.name: np.exp(log_x[:, i:i + 1]) for i, c in enumerate(SHARED)}
    efficiencies[OVERHEAD.name] = np.exp(log_x[:, shared:][:, source_index])
    return np.log(predict(m.inputs, m.boundary, efficiencies, *facility) / m.measured_j)


def fit(m: Measurements, facility: tuple[float, float], rows=None, iterations: int = 80) -> dict[str, object]:
    """Least squares on log(predicted / measured) over ``rows`` (a boolean mask; default all), within the bounds of :data:`CALIBRATED`.

    Returns the shared efficiencies by name and ``layer_overhead_s`` as
    {source: seconds} for the sources among the rows. A coarse grid (4 values per
    efficiency, log-spaced across its bounds, one overhead for all sources) picks
    the start; Levenberg-Marquardt with a forward-difference Jacobian, on the
    logarithms, refines it, clipped to the bounds. numpy only.
    """
    rows = np.ones(m.measured_j.shape, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    sources = sorted(set(m.sources[rows]))
    index = np.array([sources.index(s) if s in sources else 0 for s in m.sources])
    lower = np.log([c.lower for c in SHARED] + [OVERHEAD.lower] * len(sources))
    upper = np.log([c.upper for c in SHARED] + [OVERHEAD.upper] * len(sources))
    axes = [np.linspace(lo, hi, 4) for lo, hi in zip(lower[:len(SHARED) + 1], upper[:len(SHARED) + 1])]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(SHARED) + 1)
    grid = np.hstack([grid, np.repeat(grid[:, -1:], len(sources) - 1, axis=1)])
    cost = (_log_residuals(m, grid, facility, index)[:, rows] ** 2).sum(axis=1)
    x = grid[int(np.argmin(cost))]
    best = float(cost.min())
    damping, step = 1e-2, 1e-4
    for _ in range(iterations):
        steps = np.where(x + step > upper, -step, step)  # probe inward at an upper bound
        probes = np.vstack([x, x + np.diag(steps)])
        r = _log_residuals(m, probes, facility, index)[:, rows]
        jacobian = ((r[1:] - r[0]) / steps[:, None]).T  # (rows, parameters)
        gradient = jacobian.T @ r[0]
        # A parameter held at a bound that the cost pushes past stays there: it leaves the step (an active set),
        # so the others are not dragged by a step the bound would clip.
        free = ~(((x <= lower) & (gradient > 0)) | ((x >= upper) & (gradient < 0)))
        hessian = jacobian.T @ jacobian
        improved = False
        for _ in range(10):
            delta = np.zeros_like(x)
            h = hessian[np.ix_(free, free)]
            delta[free] = np.linalg.solve(h + damping * np.diag(np.diag(h) + 1e-9), -gradient[free])
            trial = np.clip(x + delta, lower, upper)
            trial_cost = float((_log_residuals(m, trial[None, :], facility, index)[0, rows] ** 2).sum())
            if trial_cost < best - 1e-12:
                x, best, damping, improved = trial, trial_cost, max(damping / 3, 1e-9), True
                break
            damping *= 10
        if not improved:
            break
    fitted: dict[str, object] = {c.name: float(np.exp(v)) for c, v in zip(SHARED, x)}
    fitted[OVERHEAD.name] = {s: float(np.exp(v)) for s, v in zip(sources, x[len(SHARED):])}
    return fitted


def facility_defaults(data) -> tuple[float, float]:
    """The host-and-idle factor and PUE that carry a prediction to a server or facility boundary: their sourced central values."""
    from analysis.inputs import input_ranges

    ranges = input_ranges(data)
    return float(ranges.loc["host_overhead_factor", "central"]), float(ranges.loc["serving_pue", "central"])


def calibrate(data):
    """The calibrated efficiencies: each source's own fit, and the values an estimate uses.

    Each source measured one serving engine release, and the achieved
    efficiencies (bandwidth, FLOP/s, how compute and memory overlap, routing and
    per-layer overheads) belong to the engine as much as to the hardware, so each
    source is fitted alone (its rows ``source`` = the citation key, used to
    re-predict that source's measurements). Only measurements on a serving
    engine (:data:`SERVING_ENGINES`) inform the estimates: a research script
    generating one query at a time is re-predicted with its own fit, but no one
    serves requests that way. An estimate describes serving with a
    current engine: its values (rows with an empty ``source``) are the newest
    release's fit (:data:`NEWEST_ENGINE_SOURCE`), ranging over every source's fit
    and the joint fit to the serving engines' measurements (with one per-layer overhead per source), so the
    Monte Carlo carries the spread between engines and setups. Each efficiency is
    drawn independently, which overstates the spread, since the fits trade one
    efficiency against another.

    Returns a DataFrame: parameter, source, low, central, high, unit, meaning.
    """
    import pandas as pd

    m = measurements(data)
    facility = facility_defaults(data)
    sources = sorted(set(m.sources))
    alone = {source: fit(m, facility, rows=m.sources == source) for source in sources}
    serving = m.table["engine"].isin(SERVING_ENGINES).to_numpy()
    serving_sources = sorted(set(m.sources[serving]))
    joint = fit(m, facility, rows=serving)
    newest = NEWEST_ENGINE_SOURCE if NEWEST_ENGINE_SOURCE in alone else serving_sources[-1]

    def value(fitted: dict, name: str, source: str) -> float:
        v = fitted[name]
        return v[source] if isinstance(v, dict) else v

    def bound(c: Calibrated, v: float) -> str:
        side = at_bound(c.name, v)
        return f"; at the fit's {side} bound ({getattr(c, side):g}): the measurements push past it" if side else ""

    rows = []
    for c in CALIBRATED:
        values = [value(alone[s], c.name, s) for s in serving_sources] + [value(joint, c.name, s) for s in serving_sources]
        rows.append({"parameter": c.name, "source": "", "low": min(values), "central": value(alone[newest], c.name, newest),
                     "high": max(values), "unit": c.unit,
                     "meaning": c.meaning + f"; the newest engine release's ({newest})" + bound(c, value(alone[newest], c.name, newest))})
    for source in sources:
        for c in CALIBRATED:
            v = value(alone[source], c.name, source)
            rows.append({"parameter": c.name, "source": source, "low": v, "central": v, "high": v, "unit": c.unit,
                         "meaning": "fitted to this source's measurements alone (its engine release)" + bound(c, v)})
    return pd.DataFrame(rows)


def at_bound(name: str, value: float, tolerance: float = 1e-3) -> str:
    """"lower" or "upper" when a fitted efficiency sits at that end of its search range (:data:`CALIBRATED`), else ""."""
    c = next(c for c in CALIBRATED if c.name == name)
    if value >= c.upper * (1 - tolerance):
        return "upper"
    if value <= c.lower * (1 + tolerance):
        return "lower"
    return ""


def write_calibration(data, path: Path = CALIBRATION_FILE) -> Path:
    """Fit the efficiencies (:func:`calibrate`) and write them to ``path`` (4 significant digits)."""
    frame = calibrate(data)
    for column in ("low", "central", "high"):
        frame[column] = frame[column].map(lambda v: f"{v:.4g}")
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def _calibration_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def calibration(path: Path = CALIBRATION_FILE) -> dict[str, "object"]:
    """The calibrated efficiencies an estimate uses, as written by ``python -m analysis calibrate``: name -> uncertainty.Range."""
    from analysis.uncertainty import Range

    ranges = {r["parameter"]: Range(float(r["low"]), float(r["central"]), float(r["high"]))
              for r in _calibration_rows(path) if not r["source"]}
    ranges["power_share_memory_bound"] = Range(*POWER_SHARE_MEMORY_BOUND)
    ranges["prefill_compute_utilization"] = Range(*PREFILL_COMPUTE_UTILIZATION)
    return ranges


def source_efficiencies(path: Path = CALIBRATION_FILE) -> dict[str, dict[str, float]]:
    """The efficiencies fitted to each source's measurements alone (its engine release): source -> name -> value."""
    fitted: dict[str, dict[str, float]] = {}
    for r in _calibration_rows(path):
        if r["source"]:
            fitted.setdefault(r["source"], {})[r["parameter"]] = float(r["central"])
    return fitted


# --- validation -----------------------------------------------------------------------------------------------


def validation_table(data, efficiencies: Mapping[str, float] | None = None):
    """Predicted against measured energy per request, one row per measurement.

    Columns: measurement_id, model_id, family, accelerator, accelerator_count,
    precision, batch_size, input_tokens, output_tokens, boundary, source,
    measured_j, predicted_j, ratio (predicted / measured). ``efficiencies``
    default to each source's own fit (:func:`source_efficiencies`): the engine's
    efficiencies are fitted, the physics that carries them across models,
    accelerators, batch sizes and lengths is what the table tests.
    """
    m = measurements(data)
    if efficiencies is None:  # each source with its own engine's efficiencies
        efficiencies = own_efficiencies(m.sources)
    return prediction_table(m, predict(m.inputs, m.boundary, efficiencies, *facility_defaults(data)))


def own_efficiencies(sources) -> dict[str, np.ndarray]:
    """Each row's efficiencies fitted to its own source (:func:`source_efficiencies`; the estimates' central value
    for a source without a fit), as arrays over ``sources``."""
    central = {name: r.central for name, r in calibration().items()}
    by_source = source_efficiencies()
    return {name: np.array([by_source.get(s, {}).get(name, central[name]) for s in sources]) for name in central}


def prediction_table(m: Measurements, predicted: np.ndarray, rows=None):
    """The rows ``rows`` (a boolean mask; default all) of the measurements beside their predictions: the columns of
    :func:`validation_table`. ``predicted`` holds those rows' predictions only."""
    import pandas as pd

    rows = np.ones(m.measured_j.shape, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    t = m.table[rows]
    return pd.DataFrame({
        "measurement_id": t["measurement_id"].to_numpy(), "model_id": t["model_id"].to_numpy(), "family": m.families[rows],
        "accelerator": t["accelerator"].to_numpy(), "accelerator_count": t["accelerator_count"].to_numpy(),
        "precision": t["precision"].to_numpy(), "batch_size": t["batch_size"].to_numpy(),
        "input_tokens": t["input_tokens"].to_numpy(), "output_tokens": t["output_tokens"].to_numpy(),
        "boundary": m.boundary[rows], "source": m.sources[rows], "measured_j": m.measured_j[rows], "predicted_j": predicted,
        "ratio": predicted / m.measured_j[rows],
    })


def held_out_table(data) -> "object":
    """Each measurement predicted by a fit that never saw its model: leave one model out, per source.

    For every source and every model it measured, the efficiencies are fitted to
    that source's other models (:func:`fit`) and predict the held-out model's
    measurements. A model a source measured alone is left out (nothing remains to
    fit). This tests what the estimates do: carry an engine's efficiencies to a
    model it was not fitted on (GPT-3, the frontier model). Columns as
    :func:`validation_table`.
    """
    m = measurements(data)
    facility = facility_defaults(data)
    models = m.table["model_id"].to_numpy(dtype=str)
    predicted = np.full(m.measured_j.shape, np.nan)
    for source in sorted(set(m.sources)):
        for model in sorted(set(models[m.sources == source])):
            held = (m.sources == source) & (models == model)
            train = (m.sources == source) & (models != model)
            if not train.any():
                continue
            fitted = fit(m, facility, rows=train)
            efficiencies = {name: (v[source] if isinstance(v, dict) else v) for name, v in fitted.items()}
            subset = {name: v[held] for name, v in m.inputs.items()}
            predicted[held] = predict(subset, m.boundary[held], efficiencies, *facility)
    keep = ~np.isnan(predicted)
    return prediction_table(m, predicted[keep], keep)


def cross_engine_table(data, fitted_on: str = NEWEST_ENGINE_SOURCE):
    """Every other source's measurements predicted with ``fitted_on``'s efficiencies (what an estimate uses). Columns as :func:`validation_table`."""
    m = measurements(data)
    fits = source_efficiencies()
    other = m.sources != fitted_on
    efficiencies = dict(fits[fitted_on])
    subset = {name: v[other] for name, v in m.inputs.items()}
    return prediction_table(m, predict(subset, m.boundary[other], efficiencies, *facility_defaults(data)), other)


def validation_summary(table):
    """Median and worst ratio (predicted / measured) per family and overall, with the share of points within 2x.

    The worst ratio is the one farthest from 1 on a log scale (0.4 is worse than
    2.4). Columns: family, points, median_ratio, worst_ratio, within_2x.
    """
    import pandas as pd

    rows = []
    for name in (*FAMILIES, "all"):
        part = table if name == "all" else table[table["family"] == name]
        if part.empty:
            continue
        ratio = part["ratio"].to_numpy()
        worst = ratio[int(np.argmax(np.abs(np.log(ratio))))]
        rows.append({"family": name, "points": len(part), "median_ratio": float(np.median(ratio)),
                     "worst_ratio": float(worst), "within_2x": float(np.mean(np.abs(np.log(ratio)) <= math.log(2.0)))})
    return pd.DataFrame(rows)


# --- one request's estimate -----------------------------------------------------------------------------------

# The assumed model whose size the ``frontier_active_params`` parameter sets (data/models.csv id).
FRONTIER_MODEL = "frontier"

# The parameters of analysis/params.py an estimate reads, in the order the output lists them.
ESTIMATE_PARAMETERS = (
    "accelerator", "precision", "batch_size", "prompt_chars", "chars_per_token", "output_tokens", "accelerators_per_replica",
    "power_per_accelerator_w", "power_scope", "host_overhead_factor", "serving_pue", "grid_intensity_g_per_kwh",
    "wue_l_per_kwh", "electricity_water_l_per_kwh", "samples", "seed", "frontier_active_params",
)
# Inputs of data/inference_inputs.csv whose sourced ranges an estimate draws from (input -> name in serving.resolve).
_SOURCED_RANGES = {"chars_per_token": "chars_per_token", "host_overhead_factor": "host_overhead_factor", "serving_pue": "pue",
                   "wue_l_per_kwh": "wue_l_per_kwh", "electricity_water_l_per_kwh": "electricity_water_l_per_kwh"}
# Columns of data/hardware.csv whose estimate ranges (<column>_low/_high) an estimate draws from.
_HARDWARE_RANGES = {"memory_bandwidth_bytes_per_s": "memory_bandwidth_bytes_per_s", "board_power_w": "rated_power_w",
                    "idle_power_w": "idle_power_w"}
_OUTPUTS = {"accelerator_seconds": "accelerator_seconds", "accelerators": "accelerator_energy_j", "it": "it_energy_j",
            "facility": "facility_energy_j", "co2e_g": "co2e_g", "water_ml": "water_ml"}


@dataclass(frozen=True)
class ServingInputs:
    """What an estimate reads from the data, as plain values (no pandas): enough to run without loading the tables.

    ``models`` and ``hardware``: id -> row (numbers as float, empty cells as None,
    estimate ranges as ``<column>_low``/``_high``); ``input_ranges``: input of
    data/inference_inputs.csv -> {low, central, high, parameter, scale, discrete},
    with the scale and discreteness analysis.inputs gives it.
    """

    models: dict
    hardware: dict
    input_ranges: dict


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


def serving_inputs(data) -> ServingInputs:
    """The :class:`ServingInputs` of a loaded, validated Dataset."""
    from analysis.inputs import DISCRETE_INPUTS, RANGE_SCALES, input_ranges

    def rows(frame):
        return {str(key): {column: _plain(value) for column, value in row.items()} for key, row in frame.iterrows()}

    ranges = input_ranges(data)
    return ServingInputs(
        models=rows(data.models),
        hardware=rows(data.hardware),
        input_ranges={name: {"low": float(r["low"]), "central": float(r["central"]), "high": float(r["high"]),
                             "parameter": r["parameter"] or None, "scale": RANGE_SCALES.get(name, "ratio"),
                             "discrete": name in DISCRETE_INPUTS}
                      for name, r in ranges.iterrows()},
    )


# The files a cached ServingInputs depends on: the data, and the code that validates and reads it.
_CACHE_SOURCES = ("analysis/data.py", "analysis/energy_tables.py", "analysis/schema.py", "analysis/inference_analysis.py", "analysis/inputs.py",
                  "analysis/serving_analysis.py")


def load_serving_inputs(root: Path | None = None) -> ServingInputs:
    """The :class:`ServingInputs` of the repository's data, validated, from a cache when nothing changed.

    The cache (``_build/cache/serving_inputs-<hash>.json``) is keyed on every file
    in data/ and the code that validates and reads it: any change, and the first
    run, loads and validates every table (analysis.data.load, which raises
    DataError on a bad file) before anything is estimated. So a bad edit is
    always caught, and an unchanged repository answers without pandas.
    """
    import hashlib
    import json
    import os

    root = Path(__file__).resolve().parent.parent if root is None else Path(root)
    digest = hashlib.sha256()
    for path in sorted((root / "data").rglob("*")) + [root / name for name in _CACHE_SOURCES]:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    cache = root / "_build" / "cache" / f"serving_inputs-{digest.hexdigest()[:20]}.json"
    if cache.exists():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        return ServingInputs(stored["models"], stored["hardware"], stored["input_ranges"])
    from analysis import data as data_module

    inputs = serving_inputs(data_module.load(root / "data"))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({"models": inputs.models, "hardware": inputs.hardware,
                                       "input_ranges": inputs.input_ranges}), encoding="utf-8")
        partial.replace(cache)
    except OSError:  # a read-only checkout still estimates, only without the cache
        pass
    return inputs


def _as_inputs(source) -> ServingInputs:
    return source if isinstance(source, ServingInputs) else serving_inputs(source)


def _lookup(rows: dict, key: str, what: str, parameter: str) -> dict:
    if key not in rows:
        from analysis.params import ParameterError

        raise ParameterError([f"{parameter}: {key!r} is not in data/{what}.csv; allowed: {', '.join(rows)}"])
    return rows[key]


def input_range(inputs: ServingInputs, params: Mapping[str, object], name: str):
    """A sourced input's range, following its parameter as analysis.inputs.input_range does.

    At the parameter's sourced central value the range is the sourced one; a
    pinned input (``pinned_inputs``) is fixed at its parameter's value; otherwise
    both ends move on the input's scale (analysis.inputs._scaled).
    """
    from analysis.uncertainty import Range

    r = inputs.input_ranges[name]
    low, central, high, parameter = r["low"], r["central"], r["high"], r["parameter"]
    if not parameter:
        return Range(low, central, high, r["discrete"])
    value = float(params[parameter])
    if name in params.get("pinned_inputs", ()):
        return Range(value, value, value, r["discrete"])
    if value == central:
        return Range(low, central, high, r["discrete"])
    from analysis.inputs import _scaled  # the one implementation of the scales

    return Range(min(_scaled(low, central, value, r["scale"]), value), value,
                 max(_scaled(high, central, value, r["scale"]), value), r["discrete"])


def request_ranges(data, model_id: str, params: Mapping[str, object], explicit=frozenset()):
    """Everything one request's estimate needs: (fixed inputs, uncertain inputs as Ranges, resolved parameters, notes).

    ``data`` is a loaded Dataset or its :class:`ServingInputs`; ``params`` a
    validated parameter set (analysis.params.validate); ``explicit`` names the
    parameters the reader set (on the command line or in a scenario): an explicit
    ``power_per_accelerator_w`` replaces the accelerator's own rated power,
    otherwise the accelerator's rating from data/hardware.csv is used and the
    resolved parameters say so. ``accelerators_per_replica`` 0 sizes the replica
    from weights + KV cache (:func:`analysis.serving.accelerators_for_memory`).
    An accelerator without a published idle power idles at
    :data:`IDLE_SHARE_OF_RATED` of its rating. Raises ParameterError for an
    unknown model or accelerator and PrecisionError for a precision the
    accelerator lacks.
    """
    from analysis.uncertainty import Range

    from analysis.params import ParameterError

    inputs = _as_inputs(data)
    model = dict(_lookup(inputs.models, model_id, "models", "model"))
    name = str(params["accelerator"])
    hardware = _lookup(inputs.hardware, name, "hardware", "parameter accelerator")
    if math.isnan(_number(hardware, "memory_bytes")):  # no published size
        raise ParameterError([f"parameter accelerator: {name} has no memory size in data/hardware.csv (column memory_bytes), which the "
                              "serving model needs to size replicas and batches; allowed: an accelerator with one"])
    explicit_power = "power_per_accelerator_w" in explicit
    acc = accelerator_inputs({"accelerator": params["accelerator"], **hardware}, str(params["precision"]),
                             float(params["power_per_accelerator_w"]) if explicit_power else None)
    scope = str(params.get("power_scope", "auto"))
    if scope == "server" and not explicit_power and hardware.get("power_scope") != "server":
        raise ParameterError([f"parameter power_scope: server needs power_per_accelerator_w, a whole-server figure per accelerator; "
                              f"data/hardware.csv's {_number(hardware, 'board_power_w'):g} W for {name} covers the accelerator alone"])
    above_rating = explicit_power and acc["rated_power_w"] > _number(hardware, "board_power_w")
    if scope != "auto":
        acc["power_covers_host"] = 1.0 if scope == "server" else 0.0
    elif above_rating:  # more than the accelerator can draw: a whole-server figure per accelerator (Epoch AI's 1,275 W)
        acc["power_covers_host"] = 1.0
    if model_id == FRONTIER_MODEL and "frontier_active_params" in params:
        # The assumed frontier model's size is a parameter (as in the claims ledger): its total keeps the catalogue's proportion.
        active = float(params["frontier_active_params"])
        model["params_total"] = float(model["params_total"]) * active / float(model["params_active"])
        model["params_active"] = active
    fixed = {**model_inputs(model), **acc, "batch_size": float(params["batch_size"]),
             "output_tokens": float(params["output_tokens"]), "grid_intensity_g_per_kwh": float(params["grid_intensity_g_per_kwh"])}
    if int(params["accelerators_per_replica"]) > 0:
        fixed["accelerators_per_replica"] = float(params["accelerators_per_replica"])
    ranges: dict[str, Range] = dict(calibration())
    for name, target in _SOURCED_RANGES.items():
        if name in inputs.input_ranges:
            ranges[target] = input_range(inputs, params, name)
        elif name in params:
            fixed[target] = float(params[name])
    for column, target in _HARDWARE_RANGES.items():
        low, high = _number(hardware, f"{column}_low"), _number(hardware, f"{column}_high")
        if math.isnan(low) or (explicit_power and target in ("rated_power_w", "idle_power_w")):
            continue
        scale = fixed[target] / _number(hardware, column)  # a range follows the value it belongs to
        ranges[target] = Range(low * scale, fixed.pop(target), high * scale)
    if math.isnan(_number(hardware, "idle_power_w")):
        rated = ranges["rated_power_w"].low if "rated_power_w" in ranges else fixed["rated_power_w"]
        low, central, high = (share * rated for share in IDLE_SHARE_OF_RATED)
        ranges["idle_power_w"] = Range(low, fixed.pop("idle_power_w"), high)
    peak = PEAK_COLUMN[params["precision"]]
    if not math.isnan(_number(hardware, f"{peak}_low")):
        ranges["peak_flop_per_s"] = Range(_number(hardware, f"{peak}_low"), fixed.pop("peak_flop_per_s"), _number(hardware, f"{peak}_high"))
    resolved = {name: params[name] for name in ESTIMATE_PARAMETERS if name in params
                and (name != "frontier_active_params" or model_id == FRONTIER_MODEL)}
    resolved["power_per_accelerator_w"] = acc["rated_power_w"]
    resolved["power_scope"] = "server" if acc["power_covers_host"] else "accelerator"
    notes = [
        f"power_per_accelerator_w: {'set explicitly' if explicit_power else 'the rated power of ' + str(params['accelerator']) + ' in data/hardware.csv'}"
        f" ({acc['rated_power_w']:g} W, {resolved['power_scope']} scope)",
    ]
    if acc["power_covers_host"]:
        notes.append("the power figure covers the whole server: no host overhead is added, and the accelerators' own share is not separable")
    if above_rating:
        notes.append(f"power_per_accelerator_w: above {name}'s rated {_number(hardware, 'board_power_w'):g} W, so "
                     + ("read as a whole-server figure (power_scope=auto)" if scope == "auto" else "more than the accelerator alone can draw"))
    context = _number(model, "context_length")
    tokens = float(params["prompt_chars"]) / float(params["chars_per_token"]) + float(params["output_tokens"])
    if tokens > context:  # NaN (no published context) compares False
        notes.append(f"the request ({tokens:,.0f} tokens of prompt and answer) is longer than {model_id}'s context window of "
                     f"{context:,.0f} tokens: the model cannot serve it in one sequence, and the estimate extrapolates")
    return fixed, ranges, resolved, notes


def _with_tokens(values: dict, prompt_chars: float) -> dict:
    values = dict(values)
    values["input_tokens"] = prompt_chars / values.pop("chars_per_token")
    return values


def _number_object(central: float, draws: np.ndarray) -> dict[str, float]:
    from analysis.uncertainty import INTERVAL

    tail = (1.0 - INTERVAL) / 2.0 * 100.0
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    # The point estimate always lies in its own interval (as analysis.inference_analysis.Estimate.extended).
    return {"value": float(f"{central:.6g}"), "low": float(f"{min(low, central):.6g}"), "high": float(f"{max(high, central):.6g}")}


def estimate(data, model_id: str, params: Mapping[str, object], explicit=frozenset()) -> dict:
    """One request's estimate: the ``estimate`` command's JSON, as a dict.

    Keys: model, accelerator, parameters (every resolved value), tokens {input,
    output}, accelerator_seconds, energy_j {accelerators, it, facility}, co2e_g,
    water_ml, quantities (every intermediate at the central values, with its
    unit), notes. Each number is {value, low, high}: the model at the central
    inputs, and the 5th-95th percentile of ``samples`` Monte Carlo draws (seeded by
    ``seed``), stretched to hold the central value. The accelerators' energy is
    null when the power figure covers the whole server.
    """
    from analysis.uncertainty import sample

    fixed, ranges, resolved, notes = request_ranges(data, model_id, params, explicit)
    prompt_chars = float(params["prompt_chars"])
    central = S.resolve(_with_tokens({**fixed, **{k: r.central for k, r in ranges.items()}}, prompt_chars))
    draws = S.resolve(_with_tokens({**fixed, **sample(ranges, int(params["samples"]), int(params["seed"]))}, prompt_chars))
    resolved["accelerators_per_replica"] = int(central["accelerators_per_replica"])
    numbers = {key: _number_object(float(central[q]), np.broadcast_to(draws[q], (int(params["samples"]),))) for key, q in _OUTPUTS.items()}
    if fixed["power_covers_host"]:
        numbers["accelerators"] = {"value": None, "low": None, "high": None}
    tokens_draws = np.broadcast_to(draws["input_tokens"], (int(params["samples"]),))
    return {
        "model": model_id,
        "accelerator": str(params["accelerator"]),
        "parameters": resolved,
        "tokens": {"input": _number_object(float(central["input_tokens"]), tokens_draws),
                   "output": {"value": float(params["output_tokens"]), "low": float(params["output_tokens"]), "high": float(params["output_tokens"])}},
        "accelerator_seconds": numbers["accelerator_seconds"],
        "energy_j": {"accelerators": numbers["accelerators"], "it": numbers["it"], "facility": numbers["facility"]},
        "co2e_g": numbers["co2e_g"],
        "water_ml": numbers["water_ml"],
        "quantities": {name: {"value": float(f"{float(v):.6g}"), "unit": S.unit(name)} for name, v in central.items()
                       if name in S.QUANTITIES or name in S.INPUTS},
        "notes": notes,
    }


def request_model(data, model_id: str, params: Mapping[str, object], explicit=frozenset(),
                  quantity: str = "facility_energy_j"):
    """One request's ``quantity`` as a function of its uncertain inputs, with their ranges: (model, ranges).

    ``model(**draws)`` takes arrays for every name in ``ranges`` and returns the
    quantity (any of :data:`analysis.serving.QUANTITIES`, e.g. ``facility_energy_j``,
    ``co2e_g``, ``water_ml``) broadcast over them, so analysis.uncertainty's
    monte_carlo, central_value and tornado apply as they do to the chapter's models.
    """
    if quantity not in S.QUANTITIES:
        raise ValueError(f"quantity: {quantity!r} is unknown; allowed: {', '.join(S.QUANTITIES)}")
    fixed, ranges, _, _ = request_ranges(data, model_id, params, explicit)
    prompt_chars = float(params["prompt_chars"])

    def model(**draws):
        return S.resolve(_with_tokens({**fixed, **draws}, prompt_chars), wanted=(quantity,))[quantity]

    return model, ranges


def central_quantities(data, model_id: str, params: Mapping[str, object], explicit=frozenset(), **values) -> dict[str, np.ndarray]:
    """Every quantity of :func:`analysis.serving.resolve` at the central inputs, with ``values`` replacing any input or intermediate.

    For sweeps and charts: pass arrays (``batch_size=np.array([1, 8, 64])``,
    ``input_tokens=...``, ``output_tokens=...``, ``accelerators_per_replica=...``) and
    every quantity comes back broadcast over them. ``input_tokens`` replaces the
    prompt's characters / characters per token.
    """
    fixed, ranges, _, _ = request_ranges(data, model_id, params, explicit)
    inputs = {**fixed, **{k: r.central for k, r in ranges.items()}}
    if "input_tokens" not in values:
        inputs = _with_tokens(inputs, float(params["prompt_chars"]))
    else:
        inputs.pop("chars_per_token", None)
    return S.resolve({**inputs, **values})
