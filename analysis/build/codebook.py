"""The codebook of a run's ``results.json`` and a sweep's CSV: every column's name, unit and meaning.

Generated from the declarations that produce the columns, in one place:

- a parameter's unit and meaning are its declaration in :mod:`analysis.params`;
- a glued number's unit follows from its name (the book names quantities with
  their unit: ``run_energy_gwh``, ``share_6nd_pct``), by :data:`UNITS` below,
  or from :data:`UNITS_BY_NAME` where the name carries none;
- its meaning is the chapter's own sentence that quotes it (the notebook's
  Markdown, with the other numbers shown as ``[name]``), or, for a number the
  prose does not quote, :data:`MEANINGS`;
- verdicts, the claims' quoted values, generated sentences and exercise answers
  by their kind (``verdict_``, ``claimed_``, :func:`chapter_texts`, ``ex_``).

``python -m analysis codebook NOTEBOOK`` prints it as CSV; every run folder holds
``codebook.csv`` and every sweep a ``<name>.codebook.csv`` beside its CSV. A
test checks that every emitted column has an entry and every entry is emitted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from analysis import params as P

# Unit by the end of a name, longest first: the house rule "units in names".
UNITS: tuple[tuple[str, str], ...] = (
    ("_g_per_kwh", "g CO2eq per kWh"),
    ("_kwh_per_gb", "kWh per GB"),
    ("_gpu_hours_m", "million GPU-hours"),
    ("_gpu_hours_k", "thousand GPU-hours"),
    ("_params_b", "billion parameters"),
    ("_musd", "million US dollars"),
    ("_busd", "billion US dollars"),
    ("_halving_years", "years"),
    ("_tokens_per_s", "tokens per second"),
    ("_pct", "percent"),
    ("_e25", "10^25 FLOP"),
    ("_gwh", "GWh"),
    ("_mwh", "MWh"),
    ("_kwh", "kWh"),
    ("_co2e_g", "g CO2eq"),
    ("_ml", "mL"),
    ("_wh", "Wh"),
    ("_j", "J"),
    ("_w", "W"),
    ("_kb", "kB"),
    ("_t", "t CO2eq"),
    ("_days", "days"),
    ("_year", "calendar year"),
    ("_gpus", "GPUs"),
    ("_seconds", "s"),
    ("_s", "s"),
    ("_flop", "FLOP"),
    ("_tokens", "tokens"),
    ("_chars", "characters"),
    ("_times", "times (a ratio)"),
    ("_price", "US dollars per GPU-hour"),
)

# Names that carry no unit suffix.
UNITS_BY_NAME: dict[str, str] = {
    "share_gpu_hours": "percent", "share_6nd": "percent", "share_6nd_vs_reported": "percent", "share_per_token": "percent",
    "share_min": "percent", "share_max": "percent", "share_vs_family": "percent", "share_pre_training_only": "percent",
    "ratio_gpu_hours": "times (a ratio)", "ratio_min": "times (a ratio)", "ratio_max": "times (a ratio)",
    "ratio": "times (a ratio)", "ratio_low": "times (a ratio)", "ratio_high": "times (a ratio)",
    "factor_active_params": "times (a ratio)", "factor_tokens": "times (a ratio)", "factor_throughput": "times (a ratio)",
    "factor_product": "times (a ratio)",
    "run_elo": "Elo points", "ref_elo": "Elo points",
    "base_benchmarks": "count", "chat_benchmarks": "count", "base_wins": "count", "chat_wins": "count",
    "base_ties": "count", "chat_ties": "count", "base_losses": "count", "chat_losses": "count",
    "claims_total": "count", "claims_holding": "count", "ex_training_stages_changed": "count",
    "gpt3_bound_batch1": "text", "gpt3_bound": "text", "epoch_reproduces": "text",
    "ex_training_flop": "FLOP", "ex_training_flop_share": "percent", "ex_training_days": "days",
    "ex_training_price": "US dollars per GPU-hour", "ex_training_fp8": "fraction (0-1)", "ex_training_grid": "g CO2eq per kWh",
    "ex_training_dense_hours": "GPU-hours",
    "base_win_pct": "percent", "chat_win_pct": "percent",
    "gpt3_accelerators_per_replica": "accelerators", "power_covers_host": "flag (1: the power figure covers the whole server)",
    "roofline_over_epoch": "times (a ratio)", "roofline_over_epoch_time": "times (a ratio)", "roofline_over_epoch_power": "times (a ratio)",
    "serving_points": "count", "serving_median_ratio": "times (predicted over measured)", "serving_worst_ratio": "times (predicted over measured)",
    "serving_target_median": "times (predicted over measured)", "serving_target_worst": "times (predicted over measured)",
    "serving_deepseek_facility_j_low": "J", "serving_deepseek_facility_j_high": "J", "pairs_task_text": "text",
    "ex_inference_utilization": "fraction (0-1)", "ex_inference_search_ratio": "times (a ratio)",
    "ex_inference_knob_best": "times (a ratio)",
}

# Meanings of numbers the prose does not quote (they feed its tables and charts).
_PUBLISHED = "a published per-request energy figure (data/published_footprints.csv, row {})"
MEANINGS: dict[str, str] = {
    "base_win_pct": "the share of the base-model benchmarks of DeepSeek's report on which DeepSeek-V3 scores better than Llama 3.1 405B",
    "chat_win_pct": "the share of the chat-model benchmarks of DeepSeek's report on which DeepSeek-V3 scores better than Llama 3.1 405B",
    "gpt2_params_b": "active parameters of the GPT-2-class model of the estimate (central value)",
    "gpt3_params_b": "active parameters of the GPT-3-class model of the estimate (central value)",
    "search_j": "energy of one web search, the central value of its range",
    "search_newest_year": "the year of the newest published energy-per-search figure",
    "search_oldest_j": "energy per search of the oldest published figure",
    "search_oldest_year": "the year of the oldest published energy-per-search figure",
    "frontier_accelerator_share_pct": "the accelerators' share of a frontier-class request's energy (accelerator, host, idle and facility overhead)",
    "client_j": "energy the reader's device spends on one request (the client part of the frontier-class breakdown)",
    "google_2025_gemini_accelerator_j": _PUBLISHED.format("google-2025-gemini-accelerator"),
    "epoch_2025_gpt4o_j": _PUBLISHED.format("epoch-2025-gpt4o"),
    "altman_2025_chatgpt_j": _PUBLISHED.format("altman-2025-chatgpt"),
    "devries_2023_chatgpt_j": _PUBLISHED.format("devries-2023-chatgpt"),
    "lowest_single_input_j": "the lowest request energy any one input reaches at an end of its range, the others at their central values",
    "top_swing_low_j": "request energy with the input that moves it most at the end of its range that lowers it",
    "top_swing_high_j": "request energy with the input that moves it most at the end of its range that raises it",
    "gpt3_bound": "what limits a GPT-3-class request at this page's batch size: compute or memory",
    "llm_vs_search_claimed": "the claimed ratio of a chatbot request's energy to a web search's, as the chapter quotes it",
    "top_inputs": "the three inputs that move the request energy most, in order",
    "ledger_assumptions": "the sentence saying under which parameters the ledger's verdicts hold",
    "share_min": "the smallest of the four bases' shares of DeepSeek-V3's training compute in Llama 3.1 405B's",
    "share_max": "the largest of the four bases' shares of DeepSeek-V3's training compute in Llama 3.1 405B's",
    "compute_utilization_pct": "the share of peak FLOP/s the serving model's decoding reaches, as calibrated on the newest engine's measurements",
    "gpt3_accelerators_per_replica": "accelerators in one serving replica of the GPT-3-sized model (weights and KV cache against memory)",
    "rated_power_w": "the rated power per accelerator the page uses (the accelerator's own unless set)",
    "idle_power_w": "the idle power per accelerator the serving model assumes",
    "gpt3_mean_power_w": "the mean power per accelerator while serving a GPT-3-sized request (idle plus the load share)",
    "power_covers_host": "whether the power figure covers the whole server, in which case no host overhead is added",
    "epoch_method_j": "energy of Epoch AI's baseline request by Epoch AI's method (facility)",
    "roofline_method_j": "energy of Epoch AI's baseline request by the serving model (facility)",
    "roofline_over_epoch": "the serving model's energy over Epoch AI's method's on the same request",
    "roofline_over_epoch_time": "the serving model's accelerator-seconds over Epoch AI's method's on the same request",
    "roofline_over_epoch_power": "the serving model's power per accelerator-second over Epoch AI's method's on the same request",
    "serving_points": "measured points the serving model re-predicts (data/measured_inference.csv)",
    "serving_median_ratio": "median of predicted over measured energy across the measured points",
    "serving_worst_ratio": "the ratio of predicted to measured energy farthest from 1 across the measured points",
    "serving_target_median": "the validation target for the median ratio (within this factor of 1)",
    "serving_target_worst": "the validation target for every point (within this factor of 1)",
    "serving_unpublished_prompt_tokens": "the prompt length assumed where a measurement publishes none",
    "serving_frontier_wh": "facility energy of one frontier-model request by the serving model",
    "serving_frontier_co2e_g": "carbon of one frontier-model request (facility energy times grid intensity)",
    "serving_frontier_water_ml": "water of one frontier-model request (on-site WUE times IT energy plus the electricity's water)",
    "serving_deepseek_training_mwh": "DeepSeek-V3's training run at its GPUs' rated power, the bridge to the training chapter",
    "serving_deepseek_facility_j": "facility energy of one DeepSeek-V3 answer by the serving model",
    "serving_deepseek_facility_j_low": "the low end of the 90 % interval of serving_deepseek_facility_j",
    "serving_deepseek_facility_j_high": "the high end of the 90 % interval of serving_deepseek_facility_j",
    "serving_ours_10k_wh": "facility energy of a frontier-model request with 10,000 input tokens by the serving model",
    "serving_ours_100k_wh": "facility energy of a frontier-model request with 100,000 input tokens by the serving model",
    "pairs_task_text": "the sentence saying which models the pairs task can succeed with (glued onto the teachers' page)",
}

# The columns that are not glued numbers.
SWEEP_COLUMNS = {
    "status": ("text", "ok, or failed: whether this point of the sweep ran to the end"),
    "error": ("text", "the first line of the error of a failed point; empty when it ran"),
}
RESULTS_KEYS = {
    "notebook": ("path", "the notebook that ran, relative to the repository"),
    "parameters": ("mapping", "every parameter the notebook declares, with the value it ran with (units: the parameters' rows)"),
    "overrides": ("mapping", "the parameters given on the command line or in the scenario file, as validated"),
    "scenario": ("path", "the scenario file that set the values, or null"),
    "package_version": ("text", "the version of the analysis package"),
    "data_hashes": ("mapping", "SHA-256 of each data file the run read"),
    "created": ("ISO 8601 time, UTC", "when the run folder was written"),
    "reused_execution": ("true/false", "whether an identical earlier execution was reused"),
    "results": ("mapping", "every number and text the notebook glued: the rows named results.NAME"),
    "claims": ("list", "the claims ledger of this run: one entry per claim, fields claims[].FIELD"),
}
CLAIM_FIELDS = {
    "id": ("text", "the claim's identifier, chapter.name (data/claims.csv)"),
    "chapter": ("text", "the chapter that checks the claim"),
    "quote": ("text", "the claim in its author's exact words"),
    "claimed": ("text", "the value the claim states, with its tolerance, in the claim's unit"),
    "computed": ("text", "the value this run computed, with its range, in the claim's unit"),
    "unit": ("text", "the unit of claimed and computed"),
    "verdict": ("text", "the verdict, one of analysis.claims.VERDICT_TEXT's keys"),
    "basis": ("text", "how the computed value was obtained"),
    "reading": ("text", "how the claim was read"),
    "source": ("text", "who made the claim, and where"),
}

_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`:]+)(?::[^`]*)?`")
_GLUE_CALL = re.compile(r"""glue\(\s*["']([A-Za-z0-9_.]+)["']""")


def unit_of(name: str) -> str | None:
    """The unit of a glued name: its parameter's, :data:`UNITS_BY_NAME`, or the unit its ending names."""
    if name in P.PARAMETERS:
        return P.PARAMETERS[name].unit or "none"
    if name in UNITS_BY_NAME:
        return UNITS_BY_NAME[name]
    if name.startswith(("verdict_", "claimed_")):
        return "text"
    base = name.split(".", 1)[0]
    for suffix, unit in UNITS:
        if base.endswith(suffix):
            return unit
    return None


def _plain(sentence: str) -> str:
    """A Markdown sentence of the book as plain text: numbers as ``[name]``, roles as their text."""
    text = _ROLE.sub(lambda m: f"[{m.group(1)}]", sentence)
    text = re.sub(r"\s*\{cite:[a-z]+\}`[^`]*`", "", text)
    text = re.sub(r"\{term\}`([^`<]+?)(?:\s*<[^>]+>)?`", r"\1", text)
    text = re.sub(r"\{numref\}`([^`]+)`", r"the figure \1", text)
    text = re.sub(r"\{[a-z:]+\}`([^`]*)`", r"\1", text)
    return re.sub(r"\s+", " ", text.replace("\\$", "$").replace("**", "")).strip()


def _sentences(notebook: Path) -> tuple[dict[str, str], set[str]]:
    """The first Markdown sentence that quotes each glued name, and the names glued by name in code."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    quoted: dict[str, str] = {}
    called: set[str] = set()
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            called.update(_GLUE_CALL.findall(source))
            continue
        for sentence in re.split(r"(?<=[.!?:])\s+(?=[A-Z{(\"“])|\n\n|\n(?=[-#*|])", source):
            for name in _ROLE.findall(sentence):
                quoted.setdefault(name, _plain(sentence))
    return quoted, called


_VARIANT = re.compile(r"^(?P<base>.+?)_(?P<kind>low|high|median)_(?P<unit>[a-z]+)$")
_VARIANT_TEXT = {"low": "the low end of the range of", "high": "the high end of the range of", "median": "the Monte Carlo median of"}


def _derived(name: str, glued: list[str], quoted: dict[str, str]) -> str | None:
    """The meaning of a variant of a described number: its range's ends, its median, or it in another unit."""
    found = _VARIANT.match(name)
    if found:
        base = f"{found['base']}_{found['unit']}"
        if base in glued:
            return f"{_VARIANT_TEXT[found['kind']]} {base}" + (f" ({quoted[base]})" if base in quoted else "")
    for unit, other in (("_wh", "_j"), ("_kwh", "_j"), ("_high_wh", "_high_j")):
        if name.endswith(unit) and name.removesuffix(unit) + other in glued:
            return f"{name.removesuffix(unit) + other}, in {unit_of(name)}"
    return None


def entries(notebook: str, glued: dict[str, object]) -> list[dict[str, str]]:
    """The codebook rows of ``glued``, what a run of ``notebook`` glued (name -> value): name, unit, meaning.

    Raises ``KeyError`` naming every column it cannot describe (a new glued
    number needs a unit in its name or in :data:`UNITS_BY_NAME`, and a sentence
    that quotes it or an entry in :data:`MEANINGS`).
    """
    from analysis.build.project import NOTEBOOKS, ROOT

    quoted, called = _sentences(ROOT / NOTEBOOKS[notebook])
    rows, missing = [], []
    for name in glued:
        unit = unit_of(name)
        if name in P.PARAMETERS:
            meaning = P.PARAMETERS[name].description
        elif name.startswith("verdict_"):
            meaning = f"the verdict on claim {notebook}.{name.removeprefix('verdict_')} under this run's parameters (the claims ledger)"
        elif name.startswith("claimed_"):
            meaning = f"the value claim {notebook}.{name.removeprefix('claimed_')} states, as the chapter quotes it"
        elif name.startswith("ex_"):
            meaning = "the answer to an exercise, as its solution computes it" + (f": {quoted[name]}" if name in quoted else "")
        elif name in MEANINGS:
            meaning = MEANINGS[name]
        elif name in quoted:
            meaning = quoted[name]
        else:
            meaning = _derived(name, glued, quoted)
        if unit is None and (isinstance(glued[name], str) or name in quoted and name not in called):
            unit = "text"  # a generated sentence or phrase of the prose (chapter_texts)
        if unit is None or not meaning:
            missing.append(name)
            continue
        rows.append({"name": name, "unit": unit, "meaning": meaning})
    if missing:
        raise KeyError(f"codebook: no unit or meaning for {', '.join(missing)}: name the unit in the name "
                       "(analysis.build.codebook.UNITS) or declare it, and quote the number in the chapter or in MEANINGS")
    return rows


def results_codebook(notebook: str, glued: dict[str, object]) -> list[dict[str, str]]:
    """Rows for a run's results.json: its keys, results.NAME for each glued name, claims[].FIELD."""
    rows = [{"name": k, "unit": u, "meaning": m} for k, (u, m) in RESULTS_KEYS.items()]
    rows += [{**r, "name": f"results.{r['name']}"} for r in entries(notebook, glued)]
    rows += [{"name": f"claims[].{k}", "unit": u, "meaning": m} for k, (u, m) in CLAIM_FIELDS.items()]
    return rows


def sweep_codebook(notebook: str, row: dict[str, object]) -> list[dict[str, str]]:
    """Rows for a sweep CSV's columns (``row``: one point's values, by column), in the CSV's order."""
    columns = list(row)
    fixed = {k: {"name": k, "unit": u, "meaning": m} for k, (u, m) in SWEEP_COLUMNS.items()}
    described = {r["name"]: r for r in entries(notebook, {c: v for c, v in row.items() if c not in fixed})}
    return [fixed.get(c) or described[c] for c in columns]


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["name", "unit", "meaning"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
