"""Each exercise's answer, computed under a run's parameters by the functions the chapters' solutions call.

For people: every answer carries its working as arithmetic a student with a calculator can follow
(the answer key, :mod:`analysis.build.handouts`); for the page: the number a student types into an exercise's
answer box, with its unit and tolerance (:func:`answer_box_data`, read by ``book/_static/answers.js``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from analysis import params as P


@dataclass
class Answer:
    """One exercise's answer: the worked steps (each a line of arithmetic or reasoning) and the value."""

    label: str
    value: str
    steps: list[str] = field(default_factory=list)
    # For the page's answer box: the number a student types, its unit as the box shows it, and the relative
    # tolerance (None where the answer is not one number, or no value exists).
    expected: float | None = None
    unit: str = ""
    tolerance: float = 0.02


def _g(x: float, digits: int = 4) -> str:
    """A number as a calculator shows it: 3.29e24 or 2,048."""
    x = float(x)
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{x:,.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def training_answers(dataset, values: dict) -> list[Answer]:
    """The training chapter's answers, from the functions its solutions call."""
    from analysis import claims, training as tr, training_analysis as ta
    from analysis.claims import VERDICT_TEXT

    runs = ta.run_table(dataset, values)
    run, llama = dataset.run("deepseek-v3"), dataset.run("llama-3.1-405b")
    out = []
    flop = float(tr.dense_training_flop(run["params_active"], run["training_tokens"]))
    share = 100 * flop / float(llama["training_flop"])
    out.append(Answer("ex-training-flop", f"{_g(flop)} FLOP, {share:.2f} % of Llama 3.1 405B's", [
        f"6 × {_g(run['params_active'])} × {_g(run['training_tokens'])} = {_g(flop)} FLOP",
        f"{_g(flop)} ÷ {_g(llama['training_flop'])} = {share / 100:.4f} = {share:.2f} %"], expected=share, unit="%"))
    hours, gpus = float(runs.loc["llama-3.1-405b", "gpu_hours"]), float(run["accelerator_count"])
    days = float(tr.duration_days(hours, gpus))
    out.append(Answer("ex-training-days", f"{days:,.0f} days (about {days / 365.25:.1f} years)", [
        f"{_g(hours)} GPU-hours ÷ {gpus:,.0f} GPUs = {hours / gpus:,.0f} hours", f"{hours / gpus:,.0f} ÷ 24 = {days:,.0f} days"], expected=days, unit="days"))
    claim = dataset.claims.loc["training.cost"]
    ds_hours = float(runs.loc["deepseek-v3", "gpu_hours"])
    price = float(tr.price_usd_per_gpu_hour_for_cost(claim["claimed_high"], ds_hours))
    out.append(Answer("ex-training-price", f"${price:.2f} per GPU-hour", [
        f"top of the claim ÷ GPU-hours: ${claim['claimed_high']:,.0f} ÷ {ds_hours:,.0f} = ${price:.3f} per GPU-hour",
        f"above it the cost passes ${claim['claimed_high'] / 1e6:.1f} million and the claim {VERDICT_TEXT['too_low']} it"],
        expected=price, unit="USD per GPU-hour"))
    base = {**P.defaults(), **values}
    before = {e["id"]: e["verdict"] for e in claims.ledger(dataset, base, chapter="training_compute")}
    after = {e["id"]: e["verdict"] for e in claims.ledger(dataset, {**base, "deepseek_stages": ["pre_training"]}, chapter="training_compute")}
    changed = [f"{cid}: {VERDICT_TEXT[before[cid]]} → {VERDICT_TEXT[after[cid]]}" for cid in before if before[cid] != after[cid]]
    out.append(Answer("ex-training-stages", f"{len(changed)} verdict(s) change", changed or ["no verdict changes"]))
    hw, row = dataset.accelerator("h800-sxm"), runs.loc["deepseek-v3"]
    bf16 = float(tr.implied_utilization(row["flop_best"], row["gpu_hours"], hw["peak_bf16_dense_flop_per_s"]))
    fp8 = float(tr.implied_utilization(row["flop_best"], row["gpu_hours"], hw["peak_fp8_dense_flop_per_s"]))
    capacity = float(row["gpu_hours"]) * 3600
    out.append(Answer("ex-training-fp8", f"{bf16:.1%} of the BF16 peak, {fp8:.1%} of the FP8 peak", [
        f"GPU-seconds: {_g(row['gpu_hours'])} × 3,600 = {_g(capacity)}",
        f"BF16: {_g(row['flop_best'])} ÷ ({_g(capacity)} × {_g(hw['peak_bf16_dense_flop_per_s'])}) = {bf16:.3f}",
        f"FP8: {_g(row['flop_best'])} ÷ ({_g(capacity)} × {_g(hw['peak_fp8_dense_flop_per_s'])}) = {fp8:.3f}"],
        expected=100 * bf16, unit="% of the BF16 peak"))
    ll = runs.loc["llama-3.1-405b"]
    intensity = float(tr.implied_grid_intensity_g_per_kwh(ll["emissions_reported_tco2eq"], ll["energy_kwh"]))
    out.append(Answer("ex-training-grid", f"{intensity:.0f} g CO2eq per kWh", [
        f"{_g(ll['emissions_reported_tco2eq'])} t × 1,000,000 g/t ÷ {_g(ll['energy_kwh'])} kWh = {intensity:.1f} g per kWh"], expected=intensity, unit="g CO2eq per kWh"))
    dense_flop = float(tr.dense_training_flop(run["params_total"], run["training_tokens"]))
    per_gpu = float(runs.loc["deepseek-v3", "achieved_flop_per_s_per_gpu"])
    dense_hours = dense_flop / (per_gpu * 3600)
    out.append(Answer("ex-training-dense", f"{dense_hours / 1e6:.1f} million GPU-hours", [
        f"6 × {_g(run['params_total'])} × {_g(run['training_tokens'])} = {_g(dense_flop)} FLOP",
        f"{_g(dense_flop)} ÷ ({_g(per_gpu)} FLOP/s × 3,600 s/h) = {_g(dense_hours)} GPU-hours",
        f"{_g(dense_hours)} ÷ {_g(ll['gpu_hours'])} = {dense_hours / float(ll['gpu_hours']):.2f} times Llama 3.1 405B's"],
        expected=dense_hours, unit="GPU-hours"))
    return out


def inference_answers(dataset, values: dict) -> list[Answer]:
    """The inference chapter's answers, from the functions its solutions call."""
    from analysis import inference as inf, inference_analysis as ia

    out = []
    claim = dataset.claims.loc["inference.llm_request_energy.frontier"]
    low_wh, high_wh = float(inf.joules_to_wh(claim["claimed_low"])), float(inf.joules_to_wh(claim["claimed_high"]))
    gemini_j = float(ia.published_table(dataset).loc["google-2025-gemini-comprehensive", "energy_j"])
    out.append(Answer("ex-inference-units", f"{low_wh:.4f}-{high_wh:.4f} Wh; {gemini_j / claim['claimed_high']:.1f} times", [
        f"{claim['claimed_low']:g} J ÷ 3,600 J/Wh = {low_wh:.4f} Wh; {claim['claimed_high']:g} J ÷ 3,600 = {high_wh:.4f} Wh",
        f"{gemini_j / 3600:.2f} Wh × 3,600 = {gemini_j:,.0f} J; {gemini_j:,.0f} ÷ {claim['claimed_high']:g} = {gemini_j / claim['claimed_high']:.1f}"],
        expected=gemini_j / claim["claimed_high"], unit="times the top of the range"))
    prompt = float(inf.tokens_from_chars(values["prompt_chars"], values["chars_per_token"]))
    tokens = prompt + values["output_tokens"]
    flop = float(inf.inference_flop(1.5e9, tokens))
    peak = float(dataset.accelerator("h100-sxm")["peak_bf16_dense_flop_per_s"])
    seconds = float(inf.compute_time_s(flop, peak, values["utilization"]))
    out.append(Answer("ex-inference-flop", f"{_g(flop)} FLOP; {seconds * 1000:.1f} ms", [
        f"prompt: {values['prompt_chars']:g} characters ÷ {values['chars_per_token']:g} = {prompt:g} tokens; plus {values['output_tokens']:g} out = {tokens:g} tokens",
        f"2 × 1.5e9 × {tokens:g} = {_g(flop)} FLOP",
        f"{_g(flop)} ÷ ({_g(peak)} FLOP/s × {values['utilization']:g}) = {seconds:.4f} s = {seconds * 1000:.1f} ms"],
        expected=flop, unit="FLOP"))
    needed = ia.parameter_for_request_energy(dataset, values, "utilization", 100.0, "gpt3")
    out.append(Answer("ex-inference-utilization", "none: no utilization gets there" if needed != needed else f"a utilization of {needed:.2f}",
                      ["solved from the chapter's request model (re-run with -p utilization= to check)"],
                      expected=None if needed != needed else float(needed), tolerance=0.05))
    most = ia.parameter_for_request_energy(dataset, values, "output_tokens", 100.0, "frontier")
    out.append(Answer("ex-inference-tokens", "none: even the shortest answer passes 100 J" if most != most else f"about {most:.0f} output tokens",
                      ["solved from the chapter's request model (re-run with -p output_tokens= to check)"],
                      expected=None if most != most else float(most), unit="tokens", tolerance=0.1))
    old = {**values, "search_estimates": ["holzle-2009-search"]}
    request_j, old_search_j = ia.central_request_energy(dataset, old), ia.search_range(dataset, old).central
    now_search_j = ia.search_range(dataset, values).central
    out.append(Answer("ex-inference-search", f"{request_j / old_search_j:.2f} times with the 2009 search ({request_j / now_search_j:.2f} with this page's)", [
        f"{request_j:,.0f} J ÷ {old_search_j:,.0f} J = {request_j / old_search_j:.2f}",
        f"{request_j:,.0f} J ÷ {now_search_j:,.0f} J = {request_j / now_search_j:.2f}"],
        expected=request_j / old_search_j, unit="times (with the 2009 search)"))
    year = ia.network_year_for_energy(dataset, values, 500e3, 0.1)
    out.append(Answer("ex-inference-network", f"around {year:.0f}", ["solved from Aslan et al.'s trend (halving every two years) for 500 kB and 0.1 J"],
                      expected=float(year), unit="(year)", tolerance=0.0005))
    sens = ia.sensitivity(dataset, values)
    best = sens[["energy_at_low_j", "energy_at_high_j"]].min(axis=1)
    out.append(Answer("ex-inference-knob", f"{best.min():,.0f} J at best ({sens.loc[best.idxmin(), 'input']})",
                      [ia.single_input_sentence(sens, *ia.claimed_range(dataset, "inference.llm_request_energy.frontier")) + "."],
                      expected=float(best.min()), unit="J"))
    return out


ANSWERS = {"training_compute": training_answers, "inference_vs_search": inference_answers}


def answer_box_data(dataset, values: dict, chapter: str) -> str:
    """The chapter's expected answers as an HTML data block for the page's answer boxes (book/_static/answers.js).

    The numbers are computed under the edition's parameters when the chapter runs, so each box checks
    against the answer of the edition the student is reading.
    """
    boxes = {a.label: {"expected": a.expected, "unit": a.unit, "tolerance": a.tolerance}
             for a in ANSWERS[chapter](dataset, values) if a.expected is not None}
    payload = json.dumps(boxes).replace("</", "<\\/")  # nothing in the data can close the script element
    return f'<script type="application/json" class="answer-data">{payload}</script>'
