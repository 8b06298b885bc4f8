"""The inference chapter's serving sections: numbers held to the serving model and to hand-worked values, sentences to their numbers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from analysis import charts, params as P, serving_analysis as sa, serving_chapter as sc
from analysis.units import J_PER_KWH


@pytest.fixture(scope="module")
def inputs(dataset):
    return sa.serving_inputs(dataset)


@pytest.fixture(scope="module")
def params():
    return P.defaults()


@pytest.fixture(scope="module")
def results(dataset, params):
    return sc.chapter_results(dataset, params)


# ---- 1. validation ------------------------------------------------------------------------------------------------


def test_validation_sentence_gives_the_verdict_the_numbers_give(results):
    table, summary = results["validation"], results["summary"]
    overall = summary.set_index("family").loc["all"]
    assert len(table) >= 60 and set(summary["family"]) == {"small dense", "large dense", "MoE", "all"}
    assert 1 / 1.25 <= overall["median_ratio"] <= 1.25  # the median target
    misses = table[(table["ratio"] < 0.5) | (table["ratio"] > 2.0)]
    text = sc.validation_sentences(table, summary)
    if misses.empty:
        assert "So the model meets both" in text
    else:
        assert f"all but {len(misses)} point" in text
        for _, r in misses.iterrows():  # every point outside 2x is named, with its source
            assert f"{r['model_id']} on {int(r['accelerator_count'])} × {r['accelerator']} at batch {int(r['batch_size'])} ({sc._source_label(r['source'])})" in text


def test_validation_sentence_names_each_point_that_misses_and_why(results):
    table = results["validation"].copy()
    table["ratio"] = 1.0
    table.loc[table.index[0], "ratio"] = 2.5  # one point predicted too high
    summary = sa.validation_summary(table)
    text = sc.validation_sentences(table, summary)
    first = table.iloc[0]
    assert f"{first['model_id']} on {int(first['accelerator_count'])} × {first['accelerator']} at batch {int(first['batch_size'])}" in text
    assert f"{len(table) - 1} of the {len(table)} points lie within 2 times" in text
    assert "predicted 2.5 times higher than measured" in text and "all but 1 point." in text
    assert "no cause has been identified" in text or first["measurement_id"] in sc.MISS_CAUSES
    table["ratio"] = 1.0
    assert "So the model meets both" in sc.validation_sentences(table, sa.validation_summary(table))


def test_a_known_miss_carries_its_evidence_from_the_data(dataset):
    table = sa.validation_table(dataset)
    row = table.set_index("measurement_id").loc["mlenergy-v2-gemma-2-2b-chat-h100-sxmx1-b512"].copy()
    row["measurement_id"] = "mlenergy-v2-gemma-2-2b-chat-h100-sxmx1-b512"
    # ML.ENERGY v2, Gemma 2 2B, batch 512: 48.81 J on the H100, 39.1 J on the A100 40 GB (data/measured_inference.csv)
    assert sc.miss_evidence(table, row) == ("with the same engine, prompts and batch it measured 48.8 J per request on the h100-sxm, "
                                            "more than the 39.1 J on the a100-sxm-40gb")


def test_measurements_off_a_serving_engine_are_re_predicted_and_set_beside_the_served_request(dataset, results, params):
    served = results["served"]
    engines = dataset.measured_inference.set_index("measurement_id")["engine"]
    off_engine = set(engines.index[~engines.isin(sa.SERVING_ENGINES)])
    assert set(served["measurement_id"]) == off_engine and len(served) == 12
    # they stand in the validation with their own fit, within 2x
    table = results["validation"].set_index("measurement_id")
    assert (np.abs(np.log(table.loc[list(off_engine), "ratio"])) < np.log(2)).all()
    # served: the model's own prediction of the same request in bf16 on one accelerator at the page's batch, newest engine
    row = served.iloc[0]
    m = dataset.measured_inference.set_index("measurement_id").loc[row["measurement_id"]]
    values = {**sa.model_inputs(dataset.models.loc[m["model_id"]]), **sa.accelerator_inputs(dataset.hardware.loc[m["accelerator"]], "bf16"),
              "batch_size": float(params["batch_size"]), "input_tokens": float(m["input_tokens"]), "output_tokens": float(m["output_tokens"]),
              "accelerators_per_replica": 1.0}
    expected = sa.predict({k: np.array([v]) for k, v in values.items()}, np.array(["accelerator"]),
                          {k: r.central for k, r in sa.calibration().items()}, *sa.facility_defaults(dataset))
    assert row["served_j"] == pytest.approx(float(expected[0]))
    assert (served["measured_over_served"] > 1).all()
    text = sc.served_sentence(served, float(params["batch_size"]))
    assert f"at batch {float(params['batch_size']):,.0f}" in text and "all 12 measurements" in text


def test_idle_accelerators_on_the_meter_add_their_idle_draw_for_the_request_s_wall_time(dataset):
    # one busy A100 80 GB, 7 idle at 40 W (10 % of 400 W; data/hardware.csv gives no idle power) for the request's
    # wall time (accelerator-seconds / accelerators): the difference is 7 × 40 W × that time
    m = sa.measurements(dataset)
    i = int(np.flatnonzero(m.table["measurement_id"].to_numpy() == "luccioni2024-gpt2-xl-textgen-wikitext-a100-sxm-80gbx1-b1")[0])
    inputs = {k: v[i:i + 1] for k, v in m.inputs.items()}
    eff = {k: np.array([v]) for k, v in sa.source_efficiencies()["luccioni2024powerhungry"].items()}
    with_idle = sa.predict(inputs, np.array(["accelerator"]), eff, *sa.facility_defaults(dataset))
    without = sa.predict({**inputs, "idle_accelerators_metered": np.array([0.0])}, np.array(["accelerator"]), eff, *sa.facility_defaults(dataset))
    values = {**inputs, **eff, "power_share_memory_bound": sa.POWER_SHARE_MEMORY_BOUND[1], "prefill_compute_utilization": sa.PREFILL_COMPUTE_UTILIZATION[1],
              "host_overhead_factor": 1.57, "pue": 1.2}
    values.pop("idle_accelerators_metered")
    seconds = float(__import__("analysis.serving", fromlist=["resolve"]).resolve(values)["accelerator_seconds"][0])
    assert inputs["idle_accelerators_metered"][0] == 7 and inputs["idle_power_w"][0] == pytest.approx(40.0)
    assert with_idle[0] - without[0] == pytest.approx(7 * 40.0 * seconds)
    # fp32: 4-byte weights and KV cache
    assert inputs["precision_bytes_per_value"][0] == 4.0 and inputs["kv_bytes_per_value"][0] == 4.0


@pytest.mark.parametrize("ratio, factor, expected", [(1.0, 1.25, True), (1.25, 1.25, True), (0.8, 1.25, True), (0.79, 1.25, False),
                                                     (2.01, 2.0, False), (0.5, 2.0, True)])
def test_within_is_symmetric_on_a_log_scale(ratio, factor, expected):
    assert sc.within(ratio, factor) is expected


def test_times_reads_a_ratio_below_one_as_its_inverse():
    assert sc.times(2.0) == "2 times higher" and sc.times(0.5) == "2 times lower" and sc.times(1.37) == "1.37 times higher"


def test_unpublished_prompts_are_counted_and_the_assumed_length_named(results):
    table = results["validation"]
    missing = int(table["input_tokens"].isna().sum())
    text = sc.unpublished_inputs_sentence(table)
    assert f"{sa.UNPUBLISHED_PROMPT_TOKENS:,.0f} tokens" in text
    assert (f"none of the {len(table)}" in text) if missing == len(table) else (f"of the {len(table)} measurements, {missing} publish" in text)


def test_engine_gap_by_hand(results):
    gap = sc.engine_gap(results["validation"]).set_index(["model_id", "accelerator", "batch_size"])
    # Llama 3.1 8B, one H100, batch 64: ML.ENERGY v2 82.59 J for 482.8 output tokens, v3 46.9 J for 395.5
    # (data/measured_inference.csv): per output token 0.1711 J against 0.1186 J
    assert gap.loc[("llama-3.1-8b", "h100-sxm", 64), "ratio"] == pytest.approx((82.59 / 482.8) / (46.9 / 395.5), rel=1e-6)


# ---- 2. GPU/TPU ---------------------------------------------------------------------------------------------------


def test_accelerator_comparison_is_the_estimate_and_flags_estimated_tpu_power(inputs, params, results):
    frame = results["accelerators"].set_index(["model_id", "accelerator"])
    assert set(frame.index.get_level_values("accelerator")) == {"h100-sxm", "tpu-v5e", "tpu-v6e"}
    assert frame.loc[("gpt2-xl", "tpu-v6e"), "power_is_estimate"] and not frame.loc[("gpt2-xl", "h100-sxm"), "power_is_estimate"]
    for (model, acc), row in frame.iterrows():
        e = sa.estimate(inputs, model, {**params, "accelerator": acc, "precision": "bf16"})
        assert row["energy_j"] == e["energy_j"]["facility"]["value"]
        assert row["power_w"] == inputs.hardware[acc]["board_power_w"]
    assert "estimate with a range" in sc.tpu_sentences(results["accelerators"])


def test_an_explicit_power_belongs_to_the_pages_accelerator_not_the_tpus(inputs, params):
    whole_server = {**params, "power_per_accelerator_w": 1275.0, "power_scope": "server"}  # Epoch AI's whole-server figure per H100
    frame = sc.accelerator_comparison(inputs, whole_server, {"power_per_accelerator_w", "power_scope"}, models={"gpt2-xl": "GPT-2"}).set_index("accelerator")
    assert frame.loc["h100-sxm", "power_w"] == 1275.0
    assert frame.loc["tpu-v5e", "power_w"] == inputs.hardware["tpu-v5e"]["board_power_w"]
    # ... and a TPU chip's rating is not a whole server's: the host overhead is added to it as usual
    own = sa.estimate(inputs, "gpt2-xl", {**params, "accelerator": "tpu-v5e"})
    assert frame.loc["tpu-v5e", "energy_j"] == own["energy_j"]["facility"]["value"]


@pytest.mark.parametrize("batch, output_tokens", [(8, 500), (64, 2000), (256, 150)])
def test_tpu_sentence_says_higher_or_lower_as_the_numbers_do(inputs, params, batch, output_tokens):
    frame = sc.accelerator_comparison(inputs, {**params, "batch_size": batch, "output_tokens": output_tokens})
    text = sc.tpu_sentences(frame)
    for model_id, g in frame.groupby("model_id"):
        g = g.set_index("accelerator")
        for acc in ("tpu-v5e", "tpu-v6e"):
            word = "higher" if g.loc[acc, "energy_j"] >= g.loc["h100-sxm", "energy_j"] else "lower"
            assert f"{g.loc[acc, 'accelerator_name']} {sc.prose.number(float(g.loc[acc, 'energy_j']), 'J')} (" in text
            assert f"times {word})" in text.split(f"{g.loc[acc, 'accelerator_name']} {sc.prose.number(float(g.loc[acc, 'energy_j']), 'J')} (")[1][:40]


def test_tpu_and_deepseek_replicas_are_sized_for_their_model_whatever_the_page_sets(inputs, params):
    page = {**params, "accelerators_per_replica": 2}  # two H100s: too few for GPT-3, the frontier model or DeepSeek-V3
    frame = sc.accelerator_comparison(inputs, page, {"accelerators_per_replica"}).set_index(["model_id", "accelerator"])
    auto = sc.accelerator_comparison(inputs, params).set_index(["model_id", "accelerator"])
    assert (frame["accelerators_per_replica"] == auto["accelerators_per_replica"]).all()
    assert sc.deepseek_request(inputs, page, {"accelerators_per_replica"})["accelerators_per_replica"] >= 8


# ---- 3. DeepSeek-V3 -----------------------------------------------------------------------------------------------


def test_deepseek_answer_is_fp8_and_its_carbon_and_water_follow_by_hand(inputs, params, results):
    answer = results["deepseek"]
    e = sa.estimate(inputs, "deepseek-v3", {**params, "accelerator": sc.DEEPSEEK_ACCELERATOR, "precision": "fp8"})
    assert answer["facility_j"] == e["energy_j"]["facility"]["value"]
    assert answer["facility_wh"] == pytest.approx(answer["facility_j"] / 3600)
    q = e["quantities"]
    facility_kwh, it_kwh = q["facility_energy_j"]["value"] / J_PER_KWH, q["it_energy_j"]["value"] / J_PER_KWH
    assert answer["co2e_g"] == pytest.approx(facility_kwh * params["grid_intensity_g_per_kwh"], rel=1e-4)
    assert answer["water_ml"] == pytest.approx(1000 * (params["wue_l_per_kwh"] * it_kwh + params["electricity_water_l_per_kwh"] * facility_kwh), rel=1e-4)
    assert answer["facility_j_low"] <= answer["facility_j"] <= answer["facility_j_high"]
    # FP8 halves the weights read per step: the same answer in bf16 costs more
    bf16 = sa.estimate(inputs, "deepseek-v3", {**params, "accelerator": sc.DEEPSEEK_ACCELERATOR, "precision": "bf16"})
    assert bf16["energy_j"]["facility"]["value"] > answer["facility_j"]


def test_training_run_in_answers_by_hand(dataset, results):
    bridge = results["bridge"]
    # DeepSeek-V3: 2.788 million H800 GPU-hours (report, Table 1) at the H800's 700 W rating
    assert bridge["training_mwh"] == pytest.approx(2.788e6 * 700 / 1e6)
    assert bridge["answers"] == pytest.approx(2.788e6 * 3600 * 700 / results["deepseek"]["accelerator_j"])
    text = sc.chapter_texts(results)["serving_deepseek_sentence"]
    assert "37 billion of its 671 billion" in text and ("lower" in text) == (results["deepseek"]["facility_j"] < results["frontier"]["energy_j"]["facility"]["value"])
    # the number format and the model's shape apart: the same answer at the page's precision, and the experts a step reads
    answer = results["deepseek"]
    assert answer["facility_j_page_precision"] > answer["facility_j"]  # FP8 reads half the bytes per weight
    assert f"{sc.prose.number(answer['facility_j_page_precision'], 'J')}" in text
    # 256 routed experts, 8 per token, 64 tokens per step: 1 - (1 - 8/256)^64 = 0.8691 of them read
    assert answer["experts_touched_share"] == pytest.approx(1 - (1 - 8 / 256) ** 64, rel=1e-9)


# ---- 4. batch and context -----------------------------------------------------------------------------------------


def test_batch_sweep_is_the_model_and_batching_lowers_energy_per_request(inputs, params, results):
    frame = results["batch"]
    for model_id, g in frame.groupby("model_id"):
        g = g.sort_values("batch_size")
        energy, replica = g["energy_j"].to_numpy(), g["accelerators_per_replica"].to_numpy()
        rises = np.diff(energy) > 1e-9 * energy[:-1]
        # more requests per step never cost more each on the same replica; they may when their KV cache needs a
        # larger one, whose extra accelerators wait through the same time per sequence
        assert not (rises & (np.diff(replica) == 0)).any(), model_id
        assert energy[0] > 10 * energy[list(g["batch_size"]).index(64)]
    at = frame.set_index(["model_id", "batch_size"]).loc[("frontier", 64), "energy_j"]
    assert at == pytest.approx(float(sa.central_quantities(inputs, "frontier", params, batch_size=64.0)["facility_energy_j"]))
    assert at == pytest.approx(results["frontier"]["energy_j"]["facility"]["value"], rel=1e-5)


def test_context_costs_more_than_linearly_and_longer_answers_cost_more(results):
    frame = results["context"].pivot(index="input_tokens", columns="output_tokens", values="energy_j")
    assert (np.diff(frame.to_numpy(), axis=0) > 0).all() and (np.diff(frame.to_numpy(), axis=1) > 0).all()
    assert frame.loc[100_000, 500] / frame.loc[10_000, 500] > 10
    assert "more than in proportion" in sc.context_sentence(results["context"], results["epoch"])


def test_epochs_long_input_figures_beside_ours(inputs, params, results):
    epoch = results["epoch"].set_index("input_tokens")
    assert epoch.loc[10_000, "epoch_wh"] == 2.5 and epoch.loc[100_000, "epoch_wh"] == 40.0
    ours = float(sa.central_quantities(inputs, "frontier", params, input_tokens=100_000.0)["facility_energy_j"]) / 3600
    assert epoch.loc[100_000, "ours_wh"] == pytest.approx(ours)
    assert epoch.loc[100_000, "ratio"] == pytest.approx(ours / 40.0)


# ---- 5. carbon and water ------------------------------------------------------------------------------------------


def test_footprints_set_ours_beside_the_published_with_their_boundaries(dataset, results):
    frame = results["footprints"].set_index("id")
    for key in sc.FOOTPRINTS_COMPARED:
        assert frame.loc[key, "co2e_g"] == dataset.published_footprints.loc[key, "co2e_g"]
        assert frame.loc[key, "boundary"] == dataset.published_footprints.loc[key, "boundary"]
    assert frame.loc["frontier", "co2e_g"] == results["frontier"]["co2e_g"]["value"]
    text = sc.footprint_sentence(results["footprints"])
    google = frame.loc["google-2025-gemini-comprehensive"]
    word = "higher" if frame.loc["frontier", "co2e_g"] > google["co2e_g"] else "lower"
    assert f"times {word} in carbon" in text.split("than")[0] + text


# ---- 6. the what-if chart -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grid(inputs, params):
    return sc.whatif_grid(inputs, params)


def _page(chart, grid, model: str, pue: float, batch_log2: int) -> pd.DataFrame:
    """The rows the page shows at these slider settings: the chart's own filter expressions, evaluated on its own data."""
    spec = chart.to_dict()
    rows = spec["datasets"][next(iter(spec["datasets"]))] if "datasets" in spec else None
    rows = [r for name, values in spec["datasets"].items() for r in values if "energy_j" in r and "batch_log2" in r]
    keep = [r for r in rows if all(charts.evaluate(e, r, model=model, serving_pue=pue, batch_log2=batch_log2) for e in charts.WHATIF_SELECT)]
    return pd.DataFrame(keep).sort_values("output_tokens")


@pytest.mark.parametrize("model_id, pue, batch_log2", list(itertools.product(["gpt2-xl", "frontier"], [1.0, 1.2, 1.7, 2.0], [0, 6, 9])))
def test_whatif_chart_shows_the_packages_energy_at_each_slider_setting(inputs, params, grid, model_id, pue, batch_log2):
    chart = charts.whatif_serving_energy(grid, sc.whatif_start(params), 10, 100)
    shown = _page(chart, grid, sc.QUESTION_MODELS[model_id], pue, batch_log2)
    assert list(shown["output_tokens"]) == list(sc.OUTPUT_TOKENS_AXIS)  # exactly one point per answer length
    tokens = np.array(sc.OUTPUT_TOKENS_AXIS, dtype=float)
    expected = sa.central_quantities(inputs, model_id, params, pue=pue, batch_size=2.0 ** batch_log2, output_tokens=tokens)["facility_energy_j"]
    assert shown["energy_j"].to_numpy() == pytest.approx(np.broadcast_to(expected, tokens.shape), rel=1e-5)


def test_whatif_starts_at_the_pages_numbers(inputs, params, grid, results):
    start = sc.whatif_start(params)
    assert start == {"pue": params["serving_pue"], "batch_log2": int(math.log2(params["batch_size"]))}
    chart = charts.whatif_serving_energy(grid, start, 10, 100)
    shown = _page(chart, grid, sc.QUESTION_MODELS["frontier"], start["pue"], start["batch_log2"]).set_index("output_tokens")
    assert shown.loc[params["output_tokens"], "energy_j"] == pytest.approx(results["frontier"]["energy_j"]["facility"]["value"], rel=1e-5)
    spec = chart.to_dict()
    bound = {p["name"]: p for p in spec["params"]}
    assert bound["serving_pue"]["bind"]["min"] == min(sc.WHATIF_PUES) and bound["serving_pue"]["bind"]["max"] == max(sc.WHATIF_PUES)
    assert bound["batch_log2"]["bind"]["max"] == max(sc.WHATIF_BATCH_LOG2)
    assert spec["description"].startswith("Interactive line chart")


# ---- every chart carries a description and renders statically ----------------------------------------------------


def test_serving_charts_describe_themselves_and_render(results, grid, params):
    built = [charts.validation_scatter(results["validation"]), charts.accelerator_comparison(results["accelerators"]),
             charts.energy_vs_batch(results["batch"]), charts.energy_vs_context(results["context"], results["epoch"]),
             charts.whatif_serving_energy(grid, sc.whatif_start(params), 10, 100)]
    for chart in built:
        spec = chart.to_dict()
        assert len(spec["description"]) > 60
        assert "<svg" in charts._static_svg(spec)
    assert f"{len(results['validation'])} measured configurations" in built[0].to_dict()["description"]


# ---- sentences agree with their numbers under other parameters ----------------------------------------------------


@pytest.mark.parametrize("changes", [{}, {"batch_size": 8}, {"accelerator": "b200"}, {"output_tokens": 2000, "serving_pue": 1.5},
                                     {"accelerator": "h100-sxm", "power_per_accelerator_w": 1275.0, "power_scope": "server"}])
def test_chapter_texts_follow_their_numbers(dataset, changes):
    values = {**P.defaults(), **changes}
    explicit = sc.explicit_parameters(values, P.defaults())
    results = sc.chapter_results(dataset, values, explicit)
    numbers, texts = sc.chapter_numbers(results), sc.chapter_texts(results)
    assert all(isinstance(v, float) and math.isfinite(v) for v in numbers.values())
    assert all(t[:1].isupper() for t in texts.values())
    b = results["batch"].set_index(["model_id", "batch_size"])["energy_j"]
    assert ("falls" in texts["serving_batch_sentence"]) == (b.loc[("frontier", 64)] > b.loc[("frontier", 512)])
    epoch = results["epoch"].set_index("input_tokens")
    for tokens in (10_000, 100_000):
        word = "higher" if epoch.loc[tokens, "ratio"] >= 1 else "lower"
        assert f"at {tokens:,} input tokens ({sc.times(epoch.loc[tokens, 'ratio'])})" in texts["serving_context_sentence"] and word in sc.times(epoch.loc[tokens, "ratio"])


def test_the_held_out_and_cross_engine_sentences_state_their_numbers(results):
    held, summary = results["held_out"], results["held_out_summary"]
    text = sc.held_out_sentence(held, summary, len(results["validation"]))
    assert f"the median is {summary.set_index('family').loc['all', 'median_ratio']:.2f} times" in text
    cross = results["cross_engine"]
    assert sa.NEWEST_ENGINE_SOURCE not in set(cross["source"]) and len(cross) == len(results["validation"]) - int(
        (results["validation"]["source"] == sa.NEWEST_ENGINE_SOURCE).sum())
    for source, g in cross.groupby("source"):
        assert f"{g['ratio'].median():.2f} of what was measured for {sc._source_label(source)}" in sc.cross_engine_sentence(cross)
