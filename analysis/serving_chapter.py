"""The inference chapter's serving-model sections: validation, TPUs, DeepSeek-V3, batch and context sweeps, carbon and water, the what-if grid.

Every function takes the loaded Dataset (or its
:class:`analysis.serving_analysis.ServingInputs`) and the chapter's validated
parameters, calls :mod:`analysis.serving_analysis`, and returns a plain
DataFrame, dict or sentence for the notebook to show or glue. Sentences whose
truth depends on a number are built here from that number.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from analysis import prose
from analysis import serving as S
from analysis import serving_analysis as sa
from analysis.units import J_PER_KWH

J_PER_WH = J_PER_KWH / 1000.0

# The requests of the reader's question (GPT-2-sized, GPT-3-sized) and of today's chat models (Epoch AI's
# GPT-4o-like assumption), as data/models.csv names them.
QUESTION_MODELS = {"gpt2-xl": "GPT-2-sized (GPT-2 XL)", "gpt3-175b": "GPT-3-sized (GPT-3 175B)", "frontier": "Frontier (GPT-4o-like)"}
# "GPU/TPU": Google's serving TPUs beside the H100 that Epoch AI costs GPT-4o on.
TPU_COMPARISON = ("h100-sxm", "tpu-v5e", "tpu-v6e")
# DeepSeek-V3 as DeepSeek serves it: FP8 weights (DeepSeek-AI 2024, §3.3 "FP8 training" and §3.4 deployment),
# on the H800 its report names; data/hardware.csv gives the H800 no memory size, so an H100 SXM, its
# unrestricted twin (same Hopper compute and memory bandwidth per data/hardware.csv), stands in.
DEEPSEEK_MODEL = "deepseek-v3"
DEEPSEEK_PRECISION = "fp8"
DEEPSEEK_ACCELERATOR = "h100-sxm"

# Epoch AI's long-input figures for a GPT-4o-like model (you2025chatgpt, the article's section on input length):
# about 2.5 Wh at 10,000 input tokens and about 40 Wh at 100,000, at Epoch's own boundary (server power per GPU
# × PUE). Checked against a summary of the article ("Longer inputs at 10,000 tokens (a short paper) consumes
# roughly 2.5Wh while even longer inputs at 100,000 tokens (200 pages of text) consumes about 40Wh",
# eurekascoop.com/?p=430); the article's own sentence was not available to compare word for word.
EPOCH_LONG_INPUT_WH = {10_000: 2.5, 100_000: 40.0}
EPOCH_SOURCE = "you2025chatgpt"

BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
INPUT_TOKENS = (100, 300, 1_000, 3_000, 10_000, 30_000, 100_000)
OUTPUT_TOKENS_LINES = (500, 2_000, 8_000)
# The published footprints the page compares with: Google's comprehensive-boundary figure and Mistral AI's life cycle.
FOOTPRINTS_COMPARED = ("google-2025-gemini-comprehensive", "mistral-2025-le-chat")
OUTPUT_TOKENS_AXIS = (10, 30, 100, 300, 500, 1_000, 2_000, 4_000, 8_000)
WHATIF_PUES = tuple(round(1.0 + 0.1 * i, 1) for i in range(11))  # 1.0 to 2.0, the slider's steps
WHATIF_BATCH_LOG2 = tuple(range(10))  # batch 1 to 512


def explicit_parameters(values: Mapping[str, object], defaults: Mapping[str, object]) -> frozenset[str]:
    """The parameters a run set away from their defaults: an explicit power replaces the accelerator's own rating."""
    return frozenset(prose.changed_parameters(dict(values), dict(defaults)))


def _inputs(data):
    return data if isinstance(data, sa.ServingInputs) else sa.serving_inputs(data)


def _request(params: Mapping[str, object], explicit: Iterable[str], **changes) -> tuple[dict, frozenset[str]]:
    """Parameters with ``changes``; a different accelerator brings its own power, scope and replica size (those set on the page are for the page's)."""
    out = {**params, **changes}
    explicit = frozenset(explicit)
    if "accelerator" in changes and changes["accelerator"] != params.get("accelerator"):
        explicit = explicit - {"power_per_accelerator_w", "accelerators_per_replica"}
        out["power_scope"] = changes.get("power_scope", "auto")
        out["accelerators_per_replica"] = changes.get("accelerators_per_replica", 0)
    return out, explicit


# --- 1. does the model match measurements? ---------------------------------------------------------------------


_FROM_DATA: dict[tuple, dict[str, object]] = {}


def _content_key(data) -> tuple:
    """A key for what the measured checks read: the measurement, model, hardware and inference-input tables, and the calibration file."""
    frames = (data.measured_inference, data.models, data.hardware, data.inference_inputs)
    return (tuple(int(pd.util.hash_pandas_object(f.astype(str), index=True).sum()) for f in frames), sa.CALIBRATION_FILE.read_bytes())


def measured_checks(data) -> dict[str, object]:
    """Everything the page sets against measurements that does not depend on the page's parameters.

    Keys: measurements (:func:`analysis.serving_analysis.measurements`), validation
    and summary (:func:`validation`), held_out and held_out_summary
    (:func:`analysis.serving_analysis.held_out_table`), cross_engine
    (``cross_engine_table``). Computed once per content of the data (a sweep re-uses
    them at every point); each call gets its own copies of the tables.
    """
    key = _content_key(data)
    if key not in _FROM_DATA:
        table, summary = validation(data)
        held = sa.held_out_table(data)
        _FROM_DATA.clear()
        _FROM_DATA[key] = {"measurements": sa.measurements(data), "validation": table, "summary": summary, "held_out": held,
                           "held_out_summary": sa.validation_summary(held), "cross_engine": sa.cross_engine_table(data)}
    return {name: value.copy() if isinstance(value, pd.DataFrame) else value for name, value in _FROM_DATA[key].items()}


def held_out_sentence(held: pd.DataFrame, summary: pd.DataFrame, n_measured: int) -> str:
    """What the leave-one-model-out check shows, from its numbers."""
    overall = summary.set_index("family").loc["all"]
    n = int(overall["points"])
    worst = held.loc[np.abs(np.log(held["ratio"])).idxmax()]
    inside = int((np.abs(np.log(held["ratio"])) <= math.log(sa.TARGET_WORST_RATIO)).sum())
    skipped = n_measured - n
    return ("These ratios come from efficiencies fitted to the same measurements. Held out instead, each model's measurements "
            "predicted by its source's fit to the other models (as an estimate for a model never measured is made), "
            f"the median is {overall['median_ratio']:.2f} times the measurement and the farthest {_point_name(worst)}, "
            f"predicted {times(float(worst['ratio']))} than measured; {prose.how_many(inside, n, 'points')} stay within "
            f"{sa.TARGET_WORST_RATIO:g} times" + (f" ({skipped} measured alone by their source cannot be held out)" if skipped else ""))


def cross_engine_sentence(cross: pd.DataFrame) -> str:
    """How the other engines' measurements come out under the newest engine's efficiencies (what the estimates use)."""
    if cross.empty:
        return "Only one engine release was measured, so the engines' share of the uncertainty cannot be read from the data"
    parts = [f"{g['ratio'].median():.2f} of what was measured for {_source_label(source)}"
             for source, g in cross.groupby("source", sort=True)]
    return ("Predicted with the newest engine's efficiencies, which the estimates use, the other sources' measurements come out at a median "
            f"{prose.join(parts)}: the engine, more than the hardware, is what an estimate is least sure of, and its range spans the engines' fits")


def validation(data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every measured point with its prediction and ratio, the median and worst ratio per family and overall).

    The table is :func:`analysis.serving_analysis.validation_table` (predicted /
    measured at each measurement's own boundary); the summary is
    :func:`analysis.serving_analysis.validation_summary` with ``meets_targets``:
    median within :data:`~analysis.serving_analysis.TARGET_MEDIAN_RATIO` and every
    point within :data:`~analysis.serving_analysis.TARGET_WORST_RATIO` times.
    """
    table = sa.validation_table(data)
    summary = sa.validation_summary(table)
    summary["meets_targets"] = summary.apply(
        lambda r: within(r["median_ratio"], sa.TARGET_MEDIAN_RATIO) and within(r["worst_ratio"], sa.TARGET_WORST_RATIO), axis=1)
    return table, summary


def within(ratio: float, factor: float) -> bool:
    """True when ``ratio`` lies within ``factor`` times of 1 either way (1/factor ≤ ratio ≤ factor)."""
    return abs(math.log(ratio)) <= math.log(factor) + 1e-12


def times(ratio: float) -> str:
    """A ratio as "1.3 times higher" / "1.3 times lower" (a ratio below 1 read as its inverse)."""
    if ratio >= 1:
        return f"{ratio:.3g} times higher"
    return f"{1 / ratio:.3g} times lower"


# Why a measured point lies outside 2x, where the cause is known: measurement id -> cause. The evidence (the
# same engine and prompts on other hardware) is read from the data by :func:`miss_evidence`; this is the cause
# the evidence points to. Empty while every point lies within 2x.
MISS_CAUSES: dict[str, str] = {}


def miss_evidence(table: pd.DataFrame, row) -> str:
    """What the data say about a missed point: the same model, source and batch on another accelerator that used less energy.

    Empty when no such measurement exists. "Slower" is by memory bandwidth is not
    judged here: the sentence gives both energies and the reader the hardware.
    """
    same = table[(table["model_id"] == row["model_id"]) & (table["source"] == row["source"]) & (table["batch_size"] == row["batch_size"])
                 & (table["accelerator"] != row["accelerator"]) & (table["measured_j"] < row["measured_j"])]
    if same.empty:
        return ""
    other = same.iloc[0]
    return (f"with the same engine, prompts and batch it measured {prose.number(float(row['measured_j']), 'J')} per request on the "
            f"{row['accelerator']}, more than the {prose.number(float(other['measured_j']), 'J')} on the {other['accelerator']}")


def validation_sentences(table: pd.DataFrame, summary: pd.DataFrame) -> str:
    """What the validation shows, from the numbers: the targets met or not, and each point that misses, by name, with what is known of why."""
    overall = summary.set_index("family").loc["all"]
    n = int(overall["points"])
    median_ok = within(overall["median_ratio"], sa.TARGET_MEDIAN_RATIO)
    misses = table[~table["ratio"].map(lambda r: within(r, sa.TARGET_WORST_RATIO))]
    sources = sorted(set(table["source"]))
    text = (f"Across {n} measured configurations from {len(sources)} published {'source' if len(sources) == 1 else 'sources'}, "
            f"the median prediction is {overall['median_ratio']:.2f} times the measurement, "
            f"{'within' if median_ok else 'outside'} the target of {sa.TARGET_MEDIAN_RATIO:g} times")
    if misses.empty:
        text += (f"; {prose.how_many(n, n, 'points')} lie within {sa.TARGET_WORST_RATIO:g} times of their measurement, "
                 f"the farthest being {_point_name(table.loc[(np.abs(np.log(table['ratio']))).idxmax()])}, "
                 f"predicted {times(float(overall['worst_ratio']))} than measured.")
    else:
        text += f"; {prose.how_many(n - len(misses), n, 'points')} lie within {sa.TARGET_WORST_RATIO:g} times."
        for _, r in misses.iterrows():
            why = [w for w in (miss_evidence(table, r), MISS_CAUSES.get(r["measurement_id"], "")) if w]
            text += (f" Outside it: {_point_name(r)} ({_source_label(r['source'])}), predicted {times(float(r['ratio']))} than measured"
                     + (f"; {'; '.join(why)}." if why else "; no cause has been identified."))
    worst_family = summary[summary["family"] != "all"].set_index("family")
    worst_name = worst_family["median_ratio"].map(lambda r: abs(math.log(r))).idxmax()
    text += f" The family farthest off at its median is {worst_name} models ({worst_family.loc[worst_name, 'median_ratio']:.2f} times)."
    every = misses.empty
    if median_ok and every:
        verdict = "So the model meets both targets on every point collected."
    elif median_ok:
        verdict = (f"So the model meets the median target, and the every-point target on all but {len(misses)} "
                   f"{'point' if len(misses) == 1 else 'points'}.")
    elif every:
        verdict = "So every point lies within the 2x target, but the median misses its target."
    else:
        verdict = "So the model meets neither target."
    return text + " " + verdict


def _source_label(key: str) -> str:
    """A citation key as the text cites it ("Chung et al. 2025"); the key itself when the bibliography lacks it."""
    from analysis import sources

    return sources.labels().get(key, key)


def _point_name(row) -> str:
    get = row.get if hasattr(row, "get") else lambda k: getattr(row, k)
    return f"{get('model_id')} on {int(get('accelerator_count'))} × {get('accelerator')} at batch {int(get('batch_size'))}"


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The validation table as the page shows it: one row per measured point, with the units in the headers."""
    out = pd.DataFrame({
        "model": table["model_id"], "family": table["family"],
        "accelerator": [f"{int(c)} × {a}" for c, a in zip(table["accelerator_count"], table["accelerator"])],
        "precision": table["precision"], "batch": table["batch_size"].astype(int),
        "input tokens": table["input_tokens"], "output tokens": table["output_tokens"],
        "measured (J)": table["measured_j"], "predicted (J)": table["predicted_j"], "ratio": table["ratio"], "source": table["source"],
    })
    return out


def unpublished_inputs_sentence(table: pd.DataFrame) -> str:
    """How measurements without published prompt lengths are re-predicted, with how many there are."""
    missing = int(table["input_tokens"].isna().sum())
    n = len(table)
    if missing == 0:
        return f"Every one of the {n} measurements publishes its prompt length"
    which = f"none of the {n} measurements publishes its prompt length" if missing == n else f"of the {n} measurements, {missing} publish no prompt length"
    return (f"{which} (their sources give output lengths only); "
            f"for {'it' if missing == 1 else 'them'} the model assumes a chat prompt of {sa.UNPUBLISHED_PROMPT_TOKENS:,.0f} tokens, "
            f"which matters little: prefill is a small share of a chat request's energy")


def boundary_sentence(table: pd.DataFrame) -> str:
    """Which boundary each measurement is predicted at, counted: the GPU counters, the whole server or the facility."""
    counts = table["boundary"].value_counts()
    words = {"accelerator": "at the accelerators (GPU energy counters, as the meters read it)",
             "server": "at the whole server (host overhead and idle accelerators included)",
             "facility": "at the facility (PUE included)"}
    parts = [f"{prose.how_many(int(counts[b]), len(table), 'measurements')} {'is' if counts[b] == 1 and len(table) != 1 else 'are'} "
             f"predicted {words[b]}" for b in sa.BOUNDARIES if b in counts]
    return "; ".join(parts)


# How a research script's request would be served today: bf16 weights on one accelerator of the same kind.
SERVED_PRECISION = "bf16"


def served_comparison(data, table: pd.DataFrame, batch_size: float, m: "sa.Measurements | None" = None) -> pd.DataFrame:
    """Each measurement taken outside a serving engine, beside the same request served by the newest engine.

    Luccioni et al. (2024) ran GPT-2-class models under the transformers pipeline,
    fp32, one query at a time, with the node's idle GPUs summed in by the meter;
    ``table`` (:func:`validation`) re-predicts them as they ran, with their own
    fit. ``served_j`` is the model's energy at the accelerators for the same
    request served in :data:`SERVED_PRECISION` on one accelerator of the same
    kind, at ``batch_size``, with the newest engine's efficiencies and no idle
    accelerators on the meter. Columns: measurement_id, model_id, engine,
    accelerator, precision, batch_size, output_tokens, measured_j, predicted_j,
    ratio, served_j, measured_over_served, idle_share (the share of the prediction
    as run that is idle accelerators on the meter), busy_over_served (the busy
    accelerator alone over the served request), source. ``m``: the measurements
    of ``table``, in its order (default: read from ``data``).
    """
    m = m if m is not None else sa.measurements(data)
    off = ~m.table["engine"].isin(sa.SERVING_ENGINES).to_numpy()
    rows = table[off].copy()
    columns = ["measurement_id", "model_id", "engine", "accelerator", "precision", "batch_size", "output_tokens", "measured_j",
               "predicted_j", "ratio", "served_j", "measured_over_served", "idle_share", "busy_over_served", "source"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows["engine"] = m.table["engine"].to_numpy()[off]
    inputs = []
    for _, r in rows.iterrows():
        values = {**sa.model_inputs(data.models.loc[r["model_id"]]),
                  **sa.accelerator_inputs(data.hardware.loc[r["accelerator"]], SERVED_PRECISION)}
        prompt = float(r["input_tokens"]) if not math.isnan(float(r["input_tokens"])) else sa.UNPUBLISHED_PROMPT_TOKENS
        values.update(batch_size=float(batch_size), input_tokens=prompt, output_tokens=float(r["output_tokens"]), accelerators_per_replica=1.0)
        inputs.append(values)
    arrays = {name: np.array([v[name] for v in inputs]) for name in inputs[0]}
    efficiencies = {name: r.central for name, r in sa.calibration().items()}
    rows["served_j"] = sa.predict(arrays, np.full(len(rows), "accelerator"), efficiencies, *sa.facility_defaults(data))
    rows["measured_over_served"] = rows["measured_j"] / rows["served_j"]
    # The busy accelerator alone, as it ran: the same prediction without the idle ones on the meter.
    busy_inputs = {name: v[off] for name, v in m.inputs.items()} | {"idle_accelerators_metered": np.zeros(int(off.sum()))}
    busy = sa.predict(busy_inputs, m.boundary[off], sa.own_efficiencies(m.sources[off]), *sa.facility_defaults(data))
    rows["idle_share"] = 1.0 - busy / rows["predicted_j"].to_numpy()
    rows["busy_over_served"] = busy / rows["served_j"].to_numpy()
    return rows[columns].reset_index(drop=True)


def _span(values, form: str) -> str:
    """A range as text, "a to b", or "about a" when both ends print the same."""
    low, high = form.format(min(values)), form.format(max(values))
    return f"about {low}" if low == high else f"{low} to {high}"


def served_sentence(frame: pd.DataFrame, batch_size: float) -> str:
    """What the research script's requests cost as measured, as re-predicted, and as a serving engine would serve them."""
    if frame.empty:
        return "Every measurement here was taken on a serving engine"
    fits = sa.source_efficiencies()
    newest = fits[sa.NEWEST_ENGINE_SOURCE]
    parts = []
    for source, g in frame.groupby("source", sort=True):
        overhead = fits[source]["layer_overhead_s"]
        parts.append(f"Re-predicted as they ran, {prose.how_many(len(g), len(g), 'measurements')} of {prose.join(dict.fromkeys(g['model_id']))} "
                     f"lie within {max(g['ratio'].max(), 1 / g['ratio'].min()):.2f} times of their measurement; their engine spends "
                     f"{prose.number(overhead * 1e6, 'µs')} per layer of each decoding step beside the rooflines, "
                     f"{overhead / newest['layer_overhead_s']:.1f} times the newest serving engine's")
    return ("; ".join(parts) + f". Served in {SERVED_PRECISION} by that engine at batch {batch_size:,.0f} on one accelerator, the same requests would "
            f"cost {prose.number(frame['served_j'].min(), 'J')} to {prose.number(frame['served_j'].max(), 'J')} at the accelerator, "
            f"{frame['measured_over_served'].min():.0f} to {frame['measured_over_served'].max():.0f} times less than measured. "
            f"Part of that gap is the meter: the model puts {_span(frame['idle_share'], '{:.0%}')} of each "
            f"measurement on the idle GPUs, so the busy GPU alone used {frame['busy_over_served'].min():.0f} to "
            f"{frame['busy_over_served'].max():.0f} times the served request's energy")


def left_out_sentence(data) -> str:
    """The measurements that could not be re-predicted, each with its reason (from serving_analysis.measurements)."""
    left = sa.measurements(data).left_out
    if not left:
        return "Every row of data/measured_inference.csv is re-predicted"
    return f"{len(left)} {'row' if len(left) == 1 else 'rows'} of data/measured_inference.csv cannot be re-predicted and {'is' if len(left) == 1 else 'are'} left out: " + "; ".join(left)


# --- 2. GPU/TPU --------------------------------------------------------------------------------------------------


def accelerator_comparison(data, params: Mapping[str, object], explicit=frozenset(), models: Mapping[str, str] = QUESTION_MODELS,
                           accelerators: Iterable[str] = TPU_COMPARISON) -> pd.DataFrame:
    """One request of each model on each accelerator (bf16): facility energy with its 90 % interval.

    Columns: model_id, model, accelerator, accelerator_name, accelerators_per_replica,
    power_w (the rating used), power_is_estimate (the rating has an estimate range
    in data/hardware.csv, as for every TPU: Google publishes no chip power),
    energy_j, low_j, high_j, energy_wh.
    """
    inputs = _inputs(data)
    rows = []
    for model_id, label in models.items():
        for acc in accelerators:
            # each replica sized for the model on that accelerator, as the text says, whatever the page sets
            p, ex = _request(params, explicit, accelerator=acc, precision="bf16", accelerators_per_replica=0)
            ex = ex - {"accelerators_per_replica"}
            e = sa.estimate(inputs, model_id, p, ex)
            hw = inputs.hardware[acc]
            rows.append({
                "model_id": model_id, "model": label, "accelerator": acc, "accelerator_name": hw.get("name") or acc,
                "accelerators_per_replica": e["parameters"]["accelerators_per_replica"],
                "power_w": e["parameters"]["power_per_accelerator_w"],
                "power_is_estimate": hw.get("board_power_w_low") is not None and "power_per_accelerator_w" not in ex,
                "energy_j": e["energy_j"]["facility"]["value"], "low_j": e["energy_j"]["facility"]["low"],
                "high_j": e["energy_j"]["facility"]["high"],
            })
    frame = pd.DataFrame(rows)
    frame["energy_wh"] = frame["energy_j"] / J_PER_WH
    return frame


def tpu_sentences(frame: pd.DataFrame, reference: str = "h100-sxm") -> str:
    """Each model's cheapest accelerator and each TPU's energy against the reference GPU, from the numbers; the estimated powers named."""
    parts = []
    for model_id, group in frame.groupby("model_id", sort=False):
        g = group.set_index("accelerator")
        ref = float(g.loc[reference, "energy_j"])
        others = [f"{g.loc[a, 'accelerator_name']} {prose.number(float(g.loc[a, 'energy_j']), 'J')} ({times(float(g.loc[a, 'energy_j']) / ref)})"
                  for a in g.index if a != reference]
        parts.append(f"a {group['model'].iloc[0]} request takes {prose.number(ref, 'J')} on the {g.loc[reference, 'accelerator_name']}, "
                     f"against {prose.join(others)}")
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + "."
    estimated = sorted(set(frame.loc[frame["power_is_estimate"], "accelerator_name"]))
    if estimated:
        text += (f" The power of the {prose.join(estimated)} is this book's estimate with a range (Google publishes no chip power), "
                 "so these energies carry that uncertainty in their intervals.")
    return text


# --- 3. DeepSeek-V3 -------------------------------------------------------------------------------------------------


def deepseek_request(data, params: Mapping[str, object], explicit=frozenset()) -> dict[str, float]:
    """One DeepSeek-V3 answer at the page's prompt, answer length and batch, FP8 on :data:`DEEPSEEK_ACCELERATOR`.

    Keys (each the central value, with ``_low``/``_high`` its 90 % interval where
    it has one): facility_j, facility_wh, co2e_g, water_ml, accelerators_per_replica,
    output_tokens, batch_size.
    """
    # A replica sized for DeepSeek-V3's own weights and cache, whatever the page sets for its models.
    p, ex = _request(params, explicit, accelerator=DEEPSEEK_ACCELERATOR, precision=DEEPSEEK_PRECISION, accelerators_per_replica=0)
    e = sa.estimate(_inputs(data), DEEPSEEK_MODEL, p, ex)
    out = {"accelerators_per_replica": float(e["parameters"]["accelerators_per_replica"]),
           "output_tokens": float(p["output_tokens"]), "batch_size": float(p["batch_size"])}
    for name, number in (("facility_j", e["energy_j"]["facility"]), ("co2e_g", e["co2e_g"]), ("water_ml", e["water_ml"])):
        out[name], out[name + "_low"], out[name + "_high"] = number["value"], number["low"], number["high"]
    for end in ("", "_low", "_high"):
        out["facility_wh" + end] = out["facility_j" + end] / J_PER_WH
    # The same answer at the page's precision: what FP8 itself saves, apart from the model's shape.
    same, same_ex = _request(params, explicit, accelerator=DEEPSEEK_ACCELERATOR, accelerators_per_replica=0)
    out["page_precision"] = str(same["precision"])
    out["facility_j_page_precision"] = float(sa.central_quantities(_inputs(data), DEEPSEEK_MODEL, same, same_ex)["facility_energy_j"])
    model = _inputs(data).models[DEEPSEEK_MODEL]
    out["experts_touched_share"] = float(S.expected_experts_touched(model["experts_total"], model["experts_per_token"], float(p["batch_size"]))
                                         / model["experts_total"])
    return out


# --- 4. batch and context ---------------------------------------------------------------------------------------------


def batch_sweep(data, params: Mapping[str, object], explicit=frozenset(), models: Mapping[str, str] = QUESTION_MODELS,
                batch_sizes: Iterable[int] = BATCH_SIZES) -> pd.DataFrame:
    """Facility energy of one request against batch size, per model, at the page's accelerator and central inputs.

    Columns: model_id, model, batch_size, energy_j, energy_wh, accelerators_per_replica.
    """
    inputs = _inputs(data)
    batches = np.array(list(batch_sizes), dtype=float)
    rows = []
    for model_id, label in models.items():
        q = sa.central_quantities(inputs, model_id, params, explicit, batch_size=batches)
        energy = np.broadcast_to(q["facility_energy_j"], batches.shape)
        replicas = np.broadcast_to(q["accelerators_per_replica"], batches.shape)
        rows += [{"model_id": model_id, "model": label, "batch_size": int(b), "energy_j": float(e), "accelerators_per_replica": int(r)}
                 for b, e, r in zip(batches, energy, replicas)]
    frame = pd.DataFrame(rows)
    frame["energy_wh"] = frame["energy_j"] / J_PER_WH
    return frame


def context_sweep(data, params: Mapping[str, object], explicit=frozenset(), model_id: str = "frontier",
                  input_tokens: Iterable[int] = INPUT_TOKENS, output_tokens: Iterable[int] = OUTPUT_TOKENS_LINES) -> pd.DataFrame:
    """Facility energy of one request against its input length, one line per answer length, at the page's batch and accelerator.

    Columns: input_tokens, output_tokens, energy_j, energy_wh.
    """
    inputs = _inputs(data)
    tokens_in = np.array(list(input_tokens), dtype=float)[:, None]
    tokens_out = np.array(list(output_tokens), dtype=float)[None, :]
    q = sa.central_quantities(inputs, model_id, params, explicit, input_tokens=tokens_in, output_tokens=tokens_out)
    energy = np.broadcast_to(q["facility_energy_j"], (tokens_in.size, tokens_out.size))
    frame = pd.DataFrame([{"input_tokens": int(i), "output_tokens": int(o), "energy_j": float(energy[a, b])}
                          for a, i in enumerate(tokens_in[:, 0]) for b, o in enumerate(tokens_out[0])])
    frame["energy_wh"] = frame["energy_j"] / J_PER_WH
    return frame


def epoch_long_inputs(data, params: Mapping[str, object], explicit=frozenset(), model_id: str = "frontier") -> pd.DataFrame:
    """Epoch AI's long-input figures beside this model's, same model, page's answer length, batch and accelerator.

    Columns: input_tokens, epoch_wh, ours_wh, ratio (ours / Epoch's).
    """
    tokens = np.array(sorted(EPOCH_LONG_INPUT_WH), dtype=float)
    q = sa.central_quantities(_inputs(data), model_id, params, explicit, input_tokens=tokens)
    ours = np.broadcast_to(q["facility_energy_j"], tokens.shape) / J_PER_WH
    frame = pd.DataFrame({"input_tokens": tokens.astype(int), "epoch_wh": [EPOCH_LONG_INPUT_WH[int(t)] for t in tokens], "ours_wh": ours})
    frame["ratio"] = frame["ours_wh"] / frame["epoch_wh"]
    return frame


def batch_sentence(frame: pd.DataFrame, model_id: str = "frontier", low: int = 64, high: int = 512) -> str:
    """How much a model's request energy falls from batch ``low`` to ``high``, and from batch 1, from the sweep."""
    g = frame[frame["model_id"] == model_id].set_index("batch_size")["energy_j"]
    fall = g.loc[low] / g.loc[high]
    one = g.loc[1] / g.loc[low]
    change = "falls" if fall > 1 else "rises"
    return (f"For the {frame.loc[frame['model_id'] == model_id, 'model'].iloc[0]} model, a request at batch 1 costs "
            f"{one:.1f} times what it costs at batch {low}, and from batch {low} to {high} the energy per request "
            f"{change} by a further {max(fall, 1 / fall):.2f} times"
            + (": the weights read at each step are shared by more requests, until compute and the growing KV cache set the pace" if fall > 1 else ""))


def context_sentence(frame: pd.DataFrame, epoch: pd.DataFrame) -> str:
    """How energy grows with input length (more or less than linearly) and how far ours lies from Epoch's long-input figures."""
    short_out = int(frame["output_tokens"].min())
    g = frame[frame["output_tokens"] == short_out].set_index("input_tokens")["energy_j"]
    lo_in, hi_in = 10_000, 100_000
    growth = g.loc[hi_in] / g.loc[lo_in]
    linear = hi_in / lo_in
    shape = "more than" if growth > linear * 1.02 else ("less than" if growth < linear / 1.02 else "about")
    compare = prose.join(f"{r.ours_wh:.2g} Wh against Epoch's {r.epoch_wh:g} Wh at {r.input_tokens:,} input tokens ({times(r.ratio)})"
                         for r in epoch.itertuples())
    why = ", because attention over a longer context costs more per token" if shape == "more than" else ""
    return (f"With an answer of {short_out:,} tokens, {linear:g} times the input (from {lo_in:,} to {hi_in:,} tokens) costs {growth:.1f} times the energy, "
            f"{shape} in proportion{why}; this model gives {compare}")


# --- 5. carbon and water ------------------------------------------------------------------------------------------------


def footprints(data, params: Mapping[str, object], explicit=frozenset(), models: Mapping[str, str] = QUESTION_MODELS) -> pd.DataFrame:
    """Carbon and water of one request per model (this book) beside the published footprints, each with its boundary.

    Columns: id (model or estimate id), what, co2e_g, co2e_low_g, co2e_high_g, water_ml, water_low_ml,
    water_high_ml, boundary, kind, source. Ours: g CO2e = facility energy × grid
    intensity; water = WUE × IT energy + electricity water intensity × facility
    energy (analysis.serving.co2e_g, water_ml).
    """
    inputs = _inputs(data)
    rows = []
    for model_id, label in models.items():
        e = sa.estimate(inputs, model_id, params, explicit)
        rows.append({"id": model_id, "what": f"This book: {label}, {int(params['output_tokens'])}-token answer", "co2e_g": e["co2e_g"]["value"],
                     "co2e_low_g": e["co2e_g"]["low"], "co2e_high_g": e["co2e_g"]["high"], "water_ml": e["water_ml"]["value"],
                     "water_low_ml": e["water_ml"]["low"], "water_high_ml": e["water_ml"]["high"],
                     "boundary": (f"Facility energy × {params['grid_intensity_g_per_kwh']:g} g CO2e per kWh; on-site water "
                                  f"({params['wue_l_per_kwh']:g} L per kWh of IT energy) and the water of generating the electricity "
                                  f"({params['electricity_water_l_per_kwh']:g} L per kWh)"),
                     "kind": "estimate", "source": ""})
    published = data.published_footprints if hasattr(data, "published_footprints") else None
    if published is not None:
        for key, r in published.iterrows():
            rows.append({"id": key, "what": f"{r['service']}: {r['subject']} ({int(r['year'])})", "co2e_g": float(r["co2e_g"]), "co2e_low_g": math.nan,
                         "co2e_high_g": math.nan, "water_ml": float(r["water_ml"]), "water_low_ml": math.nan, "water_high_ml": math.nan,
                         "boundary": r["boundary"], "kind": r["kind"], "source": r["source"]})
    return pd.DataFrame(rows)


def footprint_sentence(frame: pd.DataFrame, model_id: str = "frontier", compared: Iterable[str] = FOOTPRINTS_COMPARED) -> str:
    """One request's carbon and water (this book) against published footprints, as ratios; each named with its subject."""
    rows = frame.set_index("id")
    ours = rows.loc[model_id]
    model_label = QUESTION_MODELS.get(model_id, model_id)
    parts = [f"Our {model_label} request emits {ours['co2e_g']:.2g} g CO2e (90 % interval {ours['co2e_low_g']:.2g}-{ours['co2e_high_g']:.2g} g) "
             f"and uses {ours['water_ml']:.2g} mL of water"]
    for key in compared:
        if key in rows.index:
            r = rows.loc[key]
            parts.append(f"{times(ours['co2e_g'] / r['co2e_g'])} in carbon and {times(ours['water_ml'] / r['water_ml'])} in water than {r['what']}")
    return parts[0] + ": " + "; ".join(parts[1:])


# --- 6. the what-if grid -------------------------------------------------------------------------------------------------


def whatif_grid(data, params: Mapping[str, object], explicit=frozenset(), models: Mapping[str, str] = QUESTION_MODELS,
                pues: Iterable[float] = WHATIF_PUES, batch_log2: Iterable[int] = WHATIF_BATCH_LOG2,
                output_tokens: Iterable[int] = OUTPUT_TOKENS_AXIS) -> pd.DataFrame:
    """The facility energy of one request at every slider position of the what-if chart, from the serving model itself.

    One row per (model, PUE, log2 batch size, output tokens): columns model,
    pue, batch_log2, batch_size, output_tokens, energy_j. The chart only selects
    rows, so the page and :func:`analysis.serving_analysis.central_quantities`
    cannot disagree. Every other input is at the page's central value.
    """
    inputs = _inputs(data)
    pue = np.array(list(pues), dtype=float)[:, None, None]
    log2 = np.array(list(batch_log2), dtype=int)
    batch = (2.0 ** log2)[None, :, None]
    tokens = np.array(list(output_tokens), dtype=float)[None, None, :]
    shape = (pue.shape[0], batch.shape[1], tokens.shape[2])
    frames = []
    for model_id, label in models.items():
        q = sa.central_quantities(inputs, model_id, params, explicit, pue=pue, batch_size=batch, output_tokens=tokens)
        energy = np.broadcast_to(q["facility_energy_j"], shape)
        p, b, t = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), np.arange(shape[2]), indexing="ij")
        frames.append(pd.DataFrame({"model": label, "pue": pue[p.ravel(), 0, 0], "batch_log2": log2[b.ravel()],
                                    "batch_size": batch[0, b.ravel(), 0].astype(int), "output_tokens": tokens[0, 0, t.ravel()].astype(int),
                                    "energy_j": energy.ravel()}))
    grid = pd.concat(frames, ignore_index=True)
    grid["energy_j"] = grid["energy_j"].map(lambda v: float(f"{v:.6g}"))  # 6 significant figures keep the page small
    return grid


def whatif_start(params: Mapping[str, object], pues: Iterable[float] = WHATIF_PUES, batch_log2: Iterable[int] = WHATIF_BATCH_LOG2) -> dict:
    """The sliders' starting positions: the grid values nearest the page's PUE and batch size."""
    pues, logs = list(pues), list(batch_log2)
    pue = min(pues, key=lambda v: abs(v - float(params["serving_pue"])))
    log2 = min(logs, key=lambda v: abs(v - math.log2(float(params["batch_size"]))))
    return {"pue": pue, "batch_log2": log2}


# --- the bridge to the training chapter ------------------------------------------------------------------------------


def training_equivalent_answers(data, answer: Mapping[str, float], run_id: str = DEEPSEEK_MODEL) -> dict[str, float]:
    """How many answers use the GPU energy of the model's final training run, both at the accelerators' boundary.

    Training energy = reported GPU-hours × the training accelerator's rated power
    (data/training_runs.csv, data/hardware.csv): an upper bound, since GPUs seldom
    draw their full rating. ``answer`` needs ``accelerator_j`` (one answer's
    accelerator energy). Keys: gpu_hours, power_w, training_mwh, answers.
    """
    run = data.training_runs.loc[run_id]
    power = float(data.hardware.loc[run["accelerator"], "board_power_w"])
    energy_j = float(run["gpu_hours_total"]) * 3600.0 * power
    return {"gpu_hours": float(run["gpu_hours_total"]), "power_w": power, "training_mwh": energy_j / J_PER_KWH / 1000.0,
            "answers": energy_j / float(answer["accelerator_j"])}


def deepseek_sentence(answer: Mapping[str, float], frontier_j: float, bridge: Mapping[str, float], models: Mapping[str, Mapping]) -> str:
    """One DeepSeek-V3 answer against the frontier request, and against its own training run, from the numbers.

    The answer is served in FP8 (as DeepSeek serves it); the frontier request in
    the page's precision. The sentence separates the two causes: the same answer at
    the page's precision (``facility_j_page_precision``) shows what the model's
    shape alone does. ``models``: data/models.csv rows by id.
    """
    ratio = answer["facility_j"] / frontier_j
    shape = answer["facility_j_page_precision"] / frontier_j
    ds, fr = models[DEEPSEEK_MODEL], models["frontier"]
    precision = answer["page_precision"]
    return (f"That is {times(ratio)} than a frontier-model request on the same serving model at the page's settings "
            f"({frontier_j / J_PER_WH:.2g} Wh, {precision}). {'Most of' if abs(math.log(shape)) < abs(math.log(ratio)) / 2 else 'Part of'} the difference is the number format: served in {precision} like the "
            f"frontier request, the same answer would cost {prose.number(answer['facility_j_page_precision'], 'J')}, {times(shape)}. "
            f"DeepSeek-V3 activates {ds['params_active'] / 1e9:.0f} billion of its {ds['params_total'] / 1e9:.0f} billion parameters per token, "
            f"the frontier model (Epoch AI's assumption) {fr['params_active'] / 1e9:.0f} billion of {fr['params_total'] / 1e9:.0f} billion, "
            f"but a decoding step of {answer['batch_size']:,.0f} requests reads about {answer['experts_touched_share']:.0%} of DeepSeek-V3's experts, "
            f"so its total, not its active, parameters set the weights read. "
            f"DeepSeek-V3's final training run took {bridge['gpu_hours'] / 1e6:.3g} million GPU-hours, "
            f"at most {bridge['training_mwh']:,.0f} MWh at {bridge['power_w']:,.0f} W per GPU (the H800's power, assumed equal to the H100's rating): "
            f"the accelerator energy of about {_large(bridge['answers'])} such answers")


def _large(count: float) -> str:
    """A large count in words: 5.08e9 -> "5.1 billion", 3.2e6 -> "3.2 million"."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if count >= size:
            return f"{count / size:.2g} {word}"
    return f"{count:,.0f}"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def engine_gap(table: pd.DataFrame) -> pd.DataFrame:
    """The same model, accelerator, count and batch measured by two sources or more (engine releases): energy per output token side by side.

    Per output token, because the sources' prompts give answers of different
    lengths. Columns: model_id, accelerator, accelerator_count, batch_size, then
    one column per source (J per output token; empty where that source did not
    measure the configuration), and ``ratio`` (largest over smallest).
    """
    keys = ["model_id", "accelerator", "accelerator_count", "batch_size"]
    per_token = table.assign(j_per_output_token=table["measured_j"] / table["output_tokens"])
    wide = per_token.pivot_table(index=keys, columns="source", values="j_per_output_token", aggfunc="first")
    wide = wide[wide.notna().sum(axis=1) >= 2]
    if wide.empty:
        return wide.reset_index()
    wide["ratio"] = wide.max(axis=1) / wide.min(axis=1)
    return wide.reset_index()


def serving_sources(table: pd.DataFrame, served: pd.DataFrame) -> set[str]:
    """The sources of the validation table whose measurements ran on a serving engine (not in ``served``)."""
    return set(table["source"]) - set(served["source"])


def engine_fits_sentence(fits: dict[str, dict[str, float]], serving_sources=None) -> str:
    """What each source's own fit says: the accelerators' achieved efficiencies, and the engine's overheads per step.

    ``fits`` is :func:`analysis.serving_analysis.source_efficiencies` (source ->
    efficiency -> value). Sources are named by their citation label; the newest
    engine release (the estimates' central values) is marked. The achieved
    efficiencies are given for ``serving_sources`` only (default: all): a source
    whose steps are nearly all overhead does not pin them down.
    """
    from analysis.sources import labels

    names = labels()

    def who(source: str) -> str:
        label = names.get(source, source)
        return f"{label} (the newest engine release)" if source == sa.NEWEST_ENGINE_SOURCE else label

    ordered = sorted(fits)
    serving = [s for s in ordered if s in serving_sources] if serving_sources is not None else ordered
    def share(s: str, name: str) -> str:
        side = sa.at_bound(name, fits[s][name])
        return f"{fits[s][name]:.0%}" + (f" (the fit's {side} bound)" if side else "")

    hardware = "; ".join(f"{share(s, 'compute_utilization')} of peak FLOP/s and {share(s, 'bandwidth_utilization')} of memory "
                         f"bandwidth in {who(s)}" for s in serving)
    overheads = "; ".join(f"{prose.number(fits[s]['sequence_overhead_s'] * 1e6, 'µs')} per sequence and "
                          f"{prose.number(fits[s]['layer_overhead_s'] * 1e6, 'µs')} per layer of each decoding step in {who(s)}"
                          for s in ordered)
    return (f"Fitted to each source alone, the accelerators' achieved efficiencies are {hardware}; "
            f"the engines' overheads beside the rooflines are {overheads}")


def engine_sentence(table: pd.DataFrame) -> str:
    """How much two engine releases differ on the same configuration, from the measurements that overlap."""
    gap = engine_gap(table)
    if gap.empty:
        return "No configuration was measured by two sources, so the engines' share of the spread cannot be read from the data"
    worst = gap.loc[gap["ratio"].idxmax()]
    return (f"{prose.how_many(len(gap), len(gap), 'configurations')} measured by two sources differ by up to {worst['ratio']:.2f} times in energy per output token "
            f"({worst['model_id']} on {int(worst['accelerator_count'])} × {worst['accelerator']} at batch {int(worst['batch_size'])}), "
            "with nothing changed but the engine release and the prompts (so the answers' lengths)")


# --- everything the chapter glues ---------------------------------------------------------------------------------------


def chapter_results(data, params: Mapping[str, object], explicit=frozenset()) -> dict:
    """Every table the serving sections show, computed once: name -> DataFrame or dict."""
    inputs = sa.serving_inputs(data)
    checks = measured_checks(data)
    m, table = checks.pop("measurements"), checks["validation"]
    answer = deepseek_request(inputs, params, explicit)
    # The bridge compares GPU energy with GPU energy: the answer at the accelerator's own rating and scope, as the training run is costed.
    p, ex = _request(params, explicit, accelerator=DEEPSEEK_ACCELERATOR, precision=DEEPSEEK_PRECISION, power_scope="auto",
                     accelerators_per_replica=0)
    answer["accelerator_j"] = sa.estimate(inputs, DEEPSEEK_MODEL, p, ex - {"power_per_accelerator_w"})["energy_j"]["accelerators"]["value"]
    context = context_sweep(inputs, params, explicit)
    return {
        **checks, "served": served_comparison(data, table, float(params["batch_size"]), m), "served_batch_size": float(params["batch_size"]),
        "accelerators": accelerator_comparison(inputs, params, explicit),
        "deepseek": answer, "bridge": training_equivalent_answers(data, answer),
        "frontier": sa.estimate(inputs, "frontier", params, explicit),
        "batch": batch_sweep(inputs, params, explicit), "context": context, "epoch": epoch_long_inputs(inputs, params, explicit),
        "footprints": footprints(data, params, explicit), "models": inputs.models,
        "factors": {name: float(params[name]) for name in ("grid_intensity_g_per_kwh", "wue_l_per_kwh", "electricity_water_l_per_kwh")},
    }


def chapter_numbers(results: Mapping[str, object]) -> dict[str, float]:
    """The numbers the serving sections glue, by name (prefixed ``serving_``)."""
    overall = results["summary"].set_index("family").loc["all"]
    answer, bridge, epoch = results["deepseek"], results["bridge"], results["epoch"].set_index("input_tokens")
    frontier = results["frontier"]
    numbers = {
        "serving_points": float(overall["points"]), "serving_median_ratio": float(overall["median_ratio"]),
        "serving_worst_ratio": float(overall["worst_ratio"]),
        "serving_target_median": sa.TARGET_MEDIAN_RATIO, "serving_target_worst": sa.TARGET_WORST_RATIO,
        "serving_unpublished_prompt_tokens": sa.UNPUBLISHED_PROMPT_TOKENS,
        "serving_frontier_wh": frontier["energy_j"]["facility"]["value"] / J_PER_WH,
        "serving_frontier_co2e_g": frontier["co2e_g"]["value"], "serving_frontier_water_ml": frontier["water_ml"]["value"],
        "serving_deepseek_accelerators": answer["accelerators_per_replica"], "serving_deepseek_batch": answer["batch_size"],
        "serving_deepseek_output_tokens": answer["output_tokens"],
        "serving_deepseek_training_mwh": bridge["training_mwh"],
        **{f"serving_{name}": value for name, value in results["factors"].items()},
    }
    for key in ("facility_j", "facility_wh", "co2e_g", "water_ml"):
        for end in ("", "_low", "_high"):
            numbers[f"serving_deepseek_{key}{end}"] = float(answer[key + end])
    for tokens, label in ((10_000, "10k"), (100_000, "100k")):
        numbers[f"serving_epoch_{label}_wh"] = float(epoch.loc[tokens, "epoch_wh"])
        numbers[f"serving_ours_{label}_wh"] = float(epoch.loc[tokens, "ours_wh"])
    return numbers


def chapter_texts(results: Mapping[str, object]) -> dict[str, str]:
    """The generated sentences of the serving sections, by name (prefixed ``serving_``)."""
    table = results["validation"]
    texts = {
        "serving_validation_sentences": validation_sentences(table, results["summary"]),
        "serving_unpublished_inputs": unpublished_inputs_sentence(table),
        "serving_boundaries": boundary_sentence(table),
        "serving_engine_gap": engine_sentence(table),
        "serving_held_out_sentence": held_out_sentence(results["held_out"], results["held_out_summary"], len(table)),
        "serving_cross_engine_sentence": cross_engine_sentence(results["cross_engine"]),
        "serving_engine_fits": engine_fits_sentence(sa.source_efficiencies(), serving_sources(results["validation"], results["served"])),
        "serving_served_sentence": served_sentence(results["served"], float(results["served_batch_size"])),
        "serving_tpu_sentences": tpu_sentences(results["accelerators"]),
        "serving_deepseek_sentence": deepseek_sentence(results["deepseek"], results["frontier"]["energy_j"]["facility"]["value"], results["bridge"],
                                                       results["models"]),
        "serving_batch_sentence": batch_sentence(results["batch"]),
        "serving_context_sentence": context_sentence(results["context"], results["epoch"]),
        "serving_footprint_sentence": footprint_sentence(results["footprints"]),
    }
    return {name: _capitalized(text) for name, text in texts.items()}
