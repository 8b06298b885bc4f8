"""The serving-energy physics (analysis/serving.py): hand-worked numbers, properties and bad inputs.

The model specs are written out here from the models' config.json files, so the
physics is tested independently of data/models.csv.
"""

import numpy as np
import pytest

from analysis import serving as S
from analysis import serving_analysis as A

# meta-llama/Llama-3.1-8B config.json: 32 layers, 32 heads, 8 KV heads, head size 128 (4096 / 32); 8.03B parameters.
LLAMA_8B = {"model_id": "llama-3.1-8b", "params_total": 8.03e9, "params_active": 8.03e9, "layers": 32, "hidden_size": 4096,
            "attention": "gqa", "attention_heads": 32, "kv_heads": 8, "head_dim": 128}
# deepseek-ai/DeepSeek-V3 config.json: 61 layers, 128 heads, kv_lora_rank 512, qk_rope_head_dim 64, v_head_dim 128,
# 256 routed experts, 8 per token, 1 shared; 671B total, 37B active (DeepSeek-V3 report, abstract).
DEEPSEEK_V3 = {"model_id": "deepseek-v3", "params_total": 671e9, "params_active": 37e9, "layers": 61, "hidden_size": 7168,
               "attention": "mla", "attention_heads": 128, "head_dim": 128, "kv_lora_rank": 512, "qk_rope_head_dim": 64,
               "experts_total": 256, "experts_per_token": 8, "experts_shared": 1}
# Qwen/Qwen3-30B-A3B config.json: 48 layers, 32 heads, 4 KV heads, head size 128, 128 experts, 8 per token; 30.5B / 3.3B.
QWEN3_30B = {"model_id": "qwen3-30b-a3b", "params_total": 30.5e9, "params_active": 3.3e9, "layers": 48, "hidden_size": 2048,
             "attention": "gqa", "attention_heads": 32, "kv_heads": 4, "head_dim": 128, "experts_total": 128, "experts_per_token": 8}
# NVIDIA H100 SXM datasheet: 989.4 TFLOP/s dense BF16, 1,978.9 FP8, 3.35 TB/s, 80 GB, 700 W.
H100 = {"accelerator": "h100-sxm", "peak_bf16_dense_flop_per_s": 989.4e12, "peak_fp8_dense_flop_per_s": 1978.9e12,
        "board_power_w": 700.0, "idle_power_w": 70.0, "memory_bandwidth_bytes_per_s": 3.35e12, "memory_bytes": 80e9,
        "power_scope": "accelerator"}
A100 = {"accelerator": "a100-sxm-80gb", "peak_bf16_dense_flop_per_s": 312e12, "peak_fp8_dense_flop_per_s": float("nan"),
        "board_power_w": 400.0, "idle_power_w": 50.0, "memory_bandwidth_bytes_per_s": 2.039e12, "memory_bytes": 80e9,
        "power_scope": "accelerator"}
EFFICIENCIES = {"compute_utilization": 0.5, "prefill_compute_utilization": 0.5, "bandwidth_utilization": 0.8, "power_share_memory_bound": 0.3, "layer_overhead_s": 6e-5,
                "sequence_overhead_s": 3e-5, "moe_token_overhead_s": 1e-6, "roofline_sharpness": 1e6}
FACILITY = {"host_overhead_factor": 1.57, "pue": 1.2, "grid_intensity_g_per_kwh": 400.0, "wue_l_per_kwh": 0.3,
            "electricity_water_l_per_kwh": 3.0}


def request(model=LLAMA_8B, accelerator=H100, precision="bf16", **values):
    inputs = {**A.model_inputs(model), **A.accelerator_inputs(accelerator, precision), **EFFICIENCIES, **FACILITY,
              "batch_size": 64, "input_tokens": 200, "output_tokens": 900, **values}
    return S.resolve(inputs)


# --- hand-worked numbers ---------------------------------------------------------------------------------------


def test_llama_8b_decode_step_at_batch_1_is_memory_bound_at_4_8_ms():
    # 8.03e9 parameters × 2 bytes = 16.06 GB; / 3.35 TB/s = 4.79 ms at full bandwidth. The KV cache of one
    # 1,100-token sequence (131 kB per token) adds 0.04 ms; the compute is 16 GFLOP / 989 TFLOP/s = 0.016 ms.
    out = request(batch_size=1, input_tokens=0, output_tokens=1, bandwidth_utilization=1.0, compute_utilization=1.0,
                  layer_overhead_s=0.0, sequence_overhead_s=0.0)
    assert out["weight_bytes"] == pytest.approx(16.06e9)
    assert out["decode_step_memory_s"] == pytest.approx(16.06e9 / 3.35e12 + 131072 * 1 / 3.35e12, rel=1e-9)
    assert out["decode_step_memory_s"] == pytest.approx(4.8e-3, rel=0.01)
    assert out["decode_step_compute_s"] < out["decode_step_memory_s"] / 100


def test_kv_cache_bytes_per_token_gqa_and_mla():
    # Llama 3.1 8B: 2 (K and V) × 32 layers × 8 KV heads × 128 × 2 bytes = 131,072 bytes per token.
    assert request()["kv_cache_bytes_per_token"] == 131_072
    # DeepSeek-V3 (MLA): 61 layers × (512 latent + 64 RoPE key) × 2 bytes = 70,272 bytes, against 2 × 61 × 128 × 128 × 2
    # = 3,997,696 for the same heads with full keys and values: the 57x saving of the DeepSeek-V2 report's §2.1.
    inputs = A.model_inputs(DEEPSEEK_V3)
    assert S.kv_cache_bytes_per_token(inputs["kv_values_per_token"]) == 70_272


def test_moe_expected_experts_touched_by_hand():
    # 128 experts, 8 per token, 64 tokens: 128 × (1 − (120/128)^64) = 128 × (1 − 0.016074) = 125.94.
    assert S.expected_experts_touched(128, 8, 64) == pytest.approx(125.94, abs=0.01)
    assert S.expected_experts_touched(128, 8, 1) == pytest.approx(8.0)
    assert S.expected_experts_touched(0, 0, 64) == 0.0


def test_moe_per_expert_and_always_active_params_from_totals():
    # DeepSeek-V3: (671 − 37)B / (256 − 8) = 2.556B per routed expert (all 58 MoE layers), 37 − 8 × 2.556 = 16.55B always on.
    per_expert = S.routed_params_per_expert(671e9, 37e9, 256, 8)
    assert per_expert == pytest.approx(634e9 / 248)
    assert S.always_active_params(671e9, 37e9, 256, 8) == pytest.approx(37e9 - 8 * 634e9 / 248)


def test_deepseek_v3_does_not_fit_one_h100_and_is_sized_to_whole_servers():
    out = request(DEEPSEEK_V3, precision="fp8", batch_size=1, output_tokens=100)
    # 671 GB of fp8 weights over 72 GB usable per H100 (80 GB × 0.9): 9.3 accelerators, so two 8-GPU servers.
    assert out["accelerators_per_replica"] == 16


# --- properties ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [LLAMA_8B, QWEN3_30B], ids=["dense", "moe"])
def test_moe_touched_weights_lie_between_active_and_total_and_grow_with_batch(model):
    batches = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
    touched = S.decode_params_touched(model["params_total"], model["params_active"], model.get("experts_total", 0),
                                      model.get("experts_per_token", 0), batches)
    assert np.all(np.diff(touched) >= 0)
    assert np.all(touched >= model["params_active"] * (1 - 1e-12))
    assert np.all(touched <= model["params_total"] * (1 + 1e-12))
    if model.get("experts_total"):
        assert touched[0] == pytest.approx(model["params_active"])
        assert touched[6] > 0.95 * model["params_total"]  # at batch 64 nearly every expert is read


def test_energy_per_request_never_rises_with_batch_size_while_memory_bound():
    batches = np.array([1, 2, 4, 8, 16, 32, 64])
    out = request(batch_size=batches, accelerators_per_replica=1)
    assert np.all(out["decode_step_memory_s"] > out["decode_step_compute_s"])
    assert np.all(np.diff(out["accelerator_energy_j"]) < 0)


def test_batching_from_64_to_512_lowers_energy_per_request():
    out = request(batch_size=np.array([64, 512]), accelerators_per_replica=1)
    assert out["accelerator_energy_j"][1] < out["accelerator_energy_j"][0] / 1.3


def test_more_output_tokens_never_cost_less_and_long_outputs_cost_more_per_token():
    tokens = np.array([1, 10, 100, 600, 1000, 7000, 20000])
    out = request(output_tokens=tokens, accelerators_per_replica=1, batch_size=8)
    assert np.all(np.diff(out["facility_energy_j"]) > 0)
    per_token = out["accelerator_energy_j"] / tokens
    assert per_token[5] > per_token[3]  # the KV cache grows with the context


def test_long_prompts_cost_more_than_linearly():
    prompts = np.array([1_000, 10_000, 100_000])
    out = request(input_tokens=prompts, output_tokens=500, batch_size=1, accelerators_per_replica=1)
    assert out["prefill_flop"][2] / out["prefill_flop"][1] > 10  # attention grows with the square of the prompt


def test_fp8_is_never_slower_than_bf16():
    for batch in (1, 16, 256):
        bf16 = request(batch_size=batch, precision="bf16", accelerators_per_replica=1)
        fp8 = request(batch_size=batch, precision="fp8", accelerators_per_replica=1)
        assert fp8["accelerator_seconds"] <= bf16["accelerator_seconds"]


def test_power_lies_between_idle_and_rated():
    out = request(batch_size=np.array([1, 64, 1024]), accelerators_per_replica=1)
    assert np.all(out["decode_power_w"] >= 70) and np.all(out["decode_power_w"] <= 700)
    assert np.all(np.diff(out["decode_power_w"]) > 0)  # more load, more power: not a fixed fraction of the rating


def test_a_whole_server_power_figure_is_not_multiplied_by_the_host_overhead():
    server = {**H100, "board_power_w": 1275.0, "idle_power_w": 127.5, "power_scope": "server"}
    out = request(accelerator=server)
    assert out["it_energy_j"] == pytest.approx(out["accelerator_energy_j"])
    assert request()["it_energy_j"] == pytest.approx(1.57 * request()["accelerator_energy_j"])


def test_boundaries_carbon_and_water_by_hand():
    out = request()
    facility_kwh = out["facility_energy_j"] / 3.6e6
    it_kwh = out["it_energy_j"] / 3.6e6
    assert out["facility_energy_j"] == pytest.approx(1.2 * out["it_energy_j"])
    assert out["co2e_g"] == pytest.approx(facility_kwh * 400.0)
    assert out["water_ml"] == pytest.approx((0.3 * it_kwh + 3.0 * facility_kwh) * 1000)


def test_a_supplied_intermediate_is_used_and_its_inputs_are_not_needed():
    given = {"accelerator_energy_j": 100.0, "host_overhead_factor": 1.5, "power_covers_host": 0.0, "pue": 1.1}
    out = S.resolve(given, wanted=("facility_energy_j",))
    assert out["facility_energy_j"] == pytest.approx(165.0)
    sized = request(accelerators_per_replica=4)
    assert sized["accelerators_per_replica"] == 4


def test_every_quantity_has_a_unit():
    out = request()
    for name in out:
        assert S.unit(name)


def test_a_replica_too_small_for_its_batch_runs_fewer_sequences_at_once():
    out = request(batch_size=4096, accelerators_per_replica=1, input_tokens=2000, output_tokens=2000)
    assert 1 <= out["decode_batch_size"] < 4096


# --- bad input -------------------------------------------------------------------------------------------------


def test_fp8_on_an_accelerator_without_it_is_refused_in_one_line():
    with pytest.raises(A.PrecisionError) as caught:
        A.accelerator_inputs(A100, "fp8")
    assert len(caught.value.problems) == 1
    assert "a100-sxm-80gb has no FP8 compute" in caught.value.problems[0]


def test_weights_that_do_not_fit_the_chosen_replica_are_refused():
    with pytest.raises(ValueError, match="accelerators_per_replica: too few"):
        request(DEEPSEEK_V3, accelerators_per_replica=1)


@pytest.mark.parametrize("name, value", [("batch_size", 0.5), ("bandwidth_utilization", 1.5), ("output_tokens", 0),
                                         ("pue", 0.9), ("layer_overhead_s", -1.0), ("input_tokens", float("nan"))])
def test_impossible_inputs_raise_naming_the_input(name, value):
    with pytest.raises(ValueError, match=name):
        request(**{name: value})


def test_calibration_recovers_the_efficiencies_that_made_the_data():
    rows = []
    for source in ("a", "b"):
        for model in (LLAMA_8B, QWEN3_30B, {**LLAMA_8B, "params_total": 1.24e9, "params_active": 1.24e9, "layers": 16}):
            for batch in (1, 8, 64, 256):
                for prompt, output in ((200, 900), (4000, 300)):
                    rows.append({**A.model_inputs(model), **A.accelerator_inputs(H100, "bf16"), "batch_size": batch,
                                 "input_tokens": prompt, "output_tokens": output, "accelerators_per_replica": 1, "source": source})
    sources = np.array([r.pop("source") for r in rows])
    inputs = {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}
    truth = {"compute_utilization": 0.45, "bandwidth_utilization": 0.75, "moe_token_overhead_s": 8e-7, "roofline_sharpness": 2.5,
             "sequence_overhead_s": 2e-5}
    overheads = {"a": 1e-4, "b": 4e-4}
    boundary = np.array(["accelerator"] * len(rows))
    measured = A.predict(inputs, boundary, {**truth, "layer_overhead_s": np.array([overheads[s] for s in sources])}, 1.57, 1.2)
    m = A.Measurements(None, inputs, measured, boundary, sources, np.array(["x"] * len(rows)))
    fitted = A.fit(m, (1.57, 1.2))
    for name, value in truth.items():
        assert fitted[name] == pytest.approx(value, rel=1e-3)
    for source, value in overheads.items():
        assert fitted["layer_overhead_s"][source] == pytest.approx(value, rel=1e-3)


# --- with the data: the command, the calibration file, the validation targets --------------------------------

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dataset():
    from analysis import data

    return data.load()


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, capture_output=True, text=True)


def test_calibration_file_is_a_fresh_fit_of_the_measurements(dataset):
    fresh = A.calibrate(dataset).fillna("")
    stored = A._calibration_rows(A.CALIBRATION_FILE)
    assert [(r["parameter"], r["source"]) for r in stored] == list(zip(fresh["parameter"], fresh["source"])), \
        "regenerate with: python -m analysis calibrate"
    for r, (_, f) in zip(stored, fresh.iterrows()):
        for bound in ("low", "central", "high"):
            assert float(r[bound]) == pytest.approx(f[bound], rel=2e-3), \
                f"{r['parameter']} {bound}: regenerate with: python -m analysis calibrate"


def test_calibrated_efficiencies_are_physical():
    for c in A.CALIBRATED:
        r = A.calibration()[c.name]
        assert c.lower <= r.low <= r.central <= r.high <= c.upper
    assert set(A.source_efficiencies()) == {"mlenergy2025leaderboardv2", "mlenergy2026leaderboardv3", "luccioni2024powerhungry"}


def test_estimate_json_has_every_key_and_the_same_bytes_twice():
    first = run_cli("estimate", "llama-3.1-8b", "-p", "samples=2000", "--format", "json")
    second = run_cli("estimate", "llama-3.1-8b", "-p", "samples=2000", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    result = json.loads(first.stdout)
    assert {"model", "accelerator", "parameters", "tokens", "accelerator_seconds", "energy_j", "co2e_g", "water_ml"} <= set(result)
    for name in ("power_per_accelerator_w", "serving_pue", "grid_intensity_g_per_kwh", "accelerators_per_replica", "batch_size", "precision"):
        assert name in result["parameters"]
    numbers = [result["accelerator_seconds"], result["co2e_g"], result["water_ml"], *result["energy_j"].values(),
               *result["tokens"].values()]
    for number in numbers:
        assert set(number) == {"value", "low", "high"}
        assert number["low"] <= number["value"] <= number["high"]
    energy = result["energy_j"]
    assert energy["accelerators"]["value"] < energy["it"]["value"] < energy["facility"]["value"]


def test_choosing_an_accelerator_brings_its_own_power_and_an_explicit_power_wins(dataset):
    from analysis import params as P

    a100 = A.estimate(dataset, "llama-3.1-8b", P.validate({"accelerator": "a100-sxm-80gb", "samples": 200}))
    assert a100["parameters"]["power_per_accelerator_w"] == float(dataset.hardware.loc["a100-sxm-80gb", "board_power_w"])
    assert "rated power of a100-sxm-80gb" in a100["notes"][0]
    values = {"accelerator": "a100-sxm-80gb", "power_per_accelerator_w": 500.0, "samples": 200}
    mine = A.estimate(dataset, "llama-3.1-8b", P.validate(values), explicit=frozenset(values))
    assert mine["parameters"]["power_per_accelerator_w"] == 500.0 and "set explicitly" in mine["notes"][0]


def test_a_whole_server_power_figure_counts_the_host_once(dataset):
    from analysis import params as P

    values = {"power_per_accelerator_w": 1275.0, "power_scope": "server", "samples": 500}
    server = A.estimate(dataset, "frontier", P.validate(values), explicit=frozenset(values))
    assert server["energy_j"]["accelerators"]["value"] is None
    q = server["quantities"]
    assert q["it_energy_j"]["value"] == pytest.approx(q["accelerator_energy_j"]["value"], rel=1e-5)


@pytest.mark.parametrize("args, message", [
    (("estimate", "gpt-9"), "model: 'gpt-9' is not in data/models.csv; allowed: "),
    (("estimate", "llama-3.1-8b", "-p", "accelerator=tpu-v9"), "parameter accelerator: 'tpu-v9' is not allowed; allowed: one of: "),
    (("estimate", "llama-3.1-8b", "-p", "accelerator=a100-sxm-80gb", "-p", "precision=fp8"), "has no FP8 compute"),
    (("estimate", "llama-3.1-8b", "-p", "precision=fp4"), "parameter precision: 'fp4' is not allowed"),
    (("estimate", "deepseek-v3", "-p", "accelerators_per_replica=1"), "accelerators_per_replica: too few"),
])
def test_bad_input_is_one_line_and_exit_status_2(args, message):
    done = run_cli(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr


# The validation as achieved (analysis.serving_analysis.validation_summary): family -> (median ratio, worst ratio),
# predicted over measured. A change that moves either further from 1 by more than 5 % fails.
ACHIEVED = {"small dense": (1.007, 1.303), "large dense": (1.069, 0.684), "MoE": (1.030, 0.645), "all": (1.015, 0.645)}
# Points outside the 2x target, each with the reason the model does not chase it: none since the
# decoding step carries a time per sequence. Without it, Gemma 2 2B on an H100 at batch 512 (vLLM 0.5.4, 48.8 J
# measured, more than the 39.1 J on the slower A100 40 GB) was predicted at 0.49 of its measurement.
KNOWN_OUTSIDE_2X: set[str] = set()
# Measurements without a path here (a model or accelerator missing from the catalogue, an int8 or int4 precision):
# none. The twelve GPT-2-class rows of Luccioni et al. (2024), fp32 under Hugging Face transformers with seven idle
# GPUs on the meter, are re-predicted with those inputs.
LEFT_OUT: set[str] = set()


def test_validation_holds_the_figures_it_achieves(dataset):
    summary = A.validation_summary(A.validation_table(dataset)).set_index("family")
    assert set(ACHIEVED) == set(summary.index)
    for name, (median, worst) in ACHIEVED.items():
        assert abs(np.log(summary.loc[name, "median_ratio"])) <= abs(np.log(median)) + np.log(1.05), name
        assert abs(np.log(summary.loc[name, "worst_ratio"])) <= abs(np.log(worst)) + np.log(1.05), name
        assert 1 / A.TARGET_MEDIAN_RATIO <= summary.loc[name, "median_ratio"] <= A.TARGET_MEDIAN_RATIO, name


def test_every_point_within_2x_but_the_named_exceptions(dataset):
    table = A.validation_table(dataset)
    outside = set(table.loc[np.abs(np.log(table["ratio"])) > np.log(A.TARGET_WORST_RATIO), "measurement_id"])
    assert outside == KNOWN_OUTSIDE_2X


def test_measurements_that_cannot_be_re_predicted_are_named(dataset):
    m = A.measurements(dataset)
    assert {line.split(":")[0] for line in m.left_out} == LEFT_OUT
    assert len(m.measured_j) + len(m.left_out) == len(dataset.measured_inference)


@pytest.mark.parametrize("prompt_tokens", [100.0, 400.0])
def test_the_validation_does_not_rest_on_the_assumed_prompt_length(dataset, prompt_tokens):
    # ML.ENERGY publishes no prompt lengths; 200 tokens are assumed. Refitted under half or twice that, every
    # family's median ratio still meets the 1.25x target.
    m = A.measurements(dataset, prompt_tokens_if_unpublished=prompt_tokens)
    facility = A.facility_defaults(dataset)
    fitted = A.fit(m, facility)
    efficiencies = {**{k: v for k, v in fitted.items() if k != "layer_overhead_s"},  # shared, then one overhead per source
                    "layer_overhead_s": np.array([fitted["layer_overhead_s"][s] for s in m.sources])}
    ratio = A.predict(m.inputs, m.boundary, efficiencies, *facility) / m.measured_j
    for name in A.FAMILIES:
        assert 1 / A.TARGET_MEDIAN_RATIO <= np.median(ratio[m.families == name]) <= A.TARGET_MEDIAN_RATIO, name


def test_step_time_and_power_match_what_ml_energy_measured_not_just_energy(dataset):
    # ML.ENERGY Leaderboard v3.0 (ml-energy/leaderboard, public/data/models/meta-llama__Llama-3.1-8B-Instruct__lm-arena-chat.json):
    # H100, batch 16: median inter-token latency 7.91 ms, mean GPU power 513 W; batch 512: 47.4 ms, 688 W.
    params = __import__("analysis.params", fromlist=["validate"]).validate({})
    out = A.central_quantities(dataset, "llama-3.1-8b", params, batch_size=np.array([16.0, 512.0]),
                               input_tokens=200.0, output_tokens=400.0, accelerators_per_replica=1.0)
    assert out["decode_step_s"] == pytest.approx([7.91e-3, 47.4e-3], rel=0.25)
    assert out["decode_power_w"] == pytest.approx([513.0, 688.0], rel=0.15)


def test_the_cached_inputs_give_the_same_estimate_as_the_loaded_tables(dataset, tmp_path):
    from analysis import params as P

    params = P.validate({"samples": 500, "serving_pue": 1.4, "accelerator": "tpu-v6e"})
    cached = A.load_serving_inputs()
    assert A.estimate(cached, "llama-3.1-70b", params) == A.estimate(dataset, "llama-3.1-70b", params)


@pytest.mark.parametrize("name, value", [("host_overhead_factor", 1.2), ("serving_pue", 1.5), ("chars_per_token", 3.5),
                                         ("wue_l_per_kwh", 0.5), ("electricity_water_l_per_kwh", 2.0)])
def test_sourced_ranges_follow_their_parameters_as_the_chapter_does(dataset, name, value):
    from analysis import inference_analysis as IA
    from analysis import params as P

    params = P.validate({name: value})
    assert A.input_range(A.serving_inputs(dataset), params, name) == IA.input_range(dataset, params, name)
    pinned = P.validate({name: value, "pinned_inputs": [name]}) if name in P.PARAMETERS["pinned_inputs"].choices else None
    if pinned:
        assert A.input_range(A.serving_inputs(dataset), pinned, name) == IA.input_range(dataset, pinned, name)


def test_an_edited_data_file_is_validated_before_any_estimate(tmp_path):
    import shutil

    for folder in ("data", "analysis"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    models = tmp_path / "data" / "models.csv"
    models.write_text(models.read_text().replace("llama-3.1-8b,Llama 3.1 8B,Meta,dense,8.03e9", "llama-3.1-8b,Llama 3.1 8B,Meta,dense,lots"))
    from analysis.schema import DataError

    with pytest.raises(DataError, match="models.csv"):
        A.load_serving_inputs(tmp_path)


def test_a_repeat_estimate_does_not_import_pandas():
    # The estimate command's speed (benchmarks/estimate.py: 10,000 draws well under 1 s) rests on this.
    assert run_cli("estimate", "llama-3.1-8b", "-p", "samples=10").returncode == 0  # fills the cache
    probe = ("import sys; from analysis import cli; cli.main(['estimate', 'llama-3.1-8b', '-p', 'samples=10000']); "
             "print('pandas' in sys.modules, 'pandera' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "False False"


def test_the_estimate_benchmark_refuses_bad_arguments():
    done = subprocess.run([sys.executable, "benchmarks/estimate.py", "--repeats", "0"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "--repeats 0" in done.stderr


def test_the_softened_roofline_lies_between_the_larger_time_and_the_sum():
    compute, memory = np.array([1.0, 3.0, 0.0]), np.array([3.0, 3.0, 2.0])
    assert S.roofline_s(compute, memory, 1.0) == pytest.approx(compute + memory)  # no overlap
    assert S.roofline_s(compute, memory, 200.0) == pytest.approx(np.maximum(compute, memory), rel=0.01)  # the roofline
    # p = 2 by hand: sqrt(1 + 9) = 3.162, sqrt(18) = 4.243, 2
    assert S.roofline_s(compute, memory, 2.0) == pytest.approx([10 ** 0.5, 18 ** 0.5, 2.0])
    for p in (1.0, 1.5, 3.0, 16.0):
        t = S.roofline_s(compute, memory, p)
        assert np.all(t >= np.maximum(compute, memory) - 1e-12) and np.all(t <= compute + memory + 1e-12)


def test_request_model_plugs_into_the_monte_carlo_and_agrees_with_estimate(dataset):
    from analysis import params as P
    from analysis import uncertainty as mc

    params = P.validate({"samples": 2000})
    model, ranges = A.request_model(dataset, "llama-3.1-70b", params, quantity="facility_energy_j")
    result = A.estimate(dataset, "llama-3.1-70b", params)
    assert mc.central_value(model, ranges) == pytest.approx(result["energy_j"]["facility"]["value"], rel=1e-5)
    summary = mc.monte_carlo(model, ranges, 2000, params["seed"])
    assert summary.high == pytest.approx(result["energy_j"]["facility"]["high"], rel=1e-5)
    swings = mc.tornado(model, ranges)
    assert {s.input for s in swings} == set(ranges) and swings[0].swing >= swings[-1].swing
    with pytest.raises(ValueError, match="quantity: 'joules' is unknown"):
        A.request_model(dataset, "llama-3.1-70b", params, quantity="joules")


def test_the_time_per_sequence_by_hand_and_only_it_grows_the_step_with_the_batch_beside_the_rooflines():
    # 512 sequences × 30 µs = 15.36 ms per step, added to the step as it is: the step with it minus the step
    # without it is exactly that.
    with_it, without = request(batch_size=512), request(batch_size=512, sequence_overhead_s=0.0)
    assert with_it["batch_overhead_s"] == pytest.approx(512 * 3e-5)
    assert with_it["decode_step_s"] - without["decode_step_s"] == pytest.approx(512 * 3e-5, rel=1e-9)
    # per request it is the same at every batch: output tokens × 30 µs × the replica's accelerators
    small, large = request(batch_size=8), request(batch_size=512)
    small0, large0 = request(batch_size=8, sequence_overhead_s=0.0), request(batch_size=512, sequence_overhead_s=0.0)
    for a, b in ((small, small0), (large, large0)):
        assert a["decode_accelerator_s"] - b["decode_accelerator_s"] == pytest.approx(900 * 3e-5 * a["accelerators_per_replica"], rel=1e-9)
    assert small["accelerators_per_replica"] == 1 and large["accelerators_per_replica"] == 2  # 512 × 1,100 tokens of KV cache


def test_a_faster_accelerator_can_cost_more_per_request_when_the_time_per_sequence_dominates():
    # What ML.ENERGY v2 measured for Gemma 2 2B at batch 512 (48.8 J on an H100, 39.1 J on an A100 40 GB): time
    # that the faster memory does not shorten is paid at the higher power.
    gemma = {**LLAMA_8B, "params_total": 2.61e9, "params_active": 2.61e9, "layers": 26}
    h100 = request(model=gemma, batch_size=512, sequence_overhead_s=1.3e-4)["accelerator_energy_j"]
    a100 = request(model=gemma, accelerator=A100, batch_size=512, sequence_overhead_s=1.3e-4)["accelerator_energy_j"]
    assert h100 > a100
    assert request(model=gemma, batch_size=512, sequence_overhead_s=0.0)["accelerator_energy_j"] < \
        request(model=gemma, accelerator=A100, batch_size=512, sequence_overhead_s=0.0)["accelerator_energy_j"]


# Leave one model out, per source (analysis.serving_analysis.held_out_table): family -> (median, worst) as achieved.
HELD_OUT_ACHIEVED = {"small dense": (1.002, 0.694), "large dense": (1.097, 0.622), "MoE": (1.048, 0.574), "all": (1.018, 0.574)}


def test_held_out_models_are_predicted_within_the_targets(dataset):
    held = A.held_out_table(dataset)
    summary = A.validation_summary(held).set_index("family")
    for name, (median, worst) in HELD_OUT_ACHIEVED.items():
        assert abs(np.log(summary.loc[name, "median_ratio"])) <= abs(np.log(median)) + np.log(1.05), name
        assert abs(np.log(summary.loc[name, "worst_ratio"])) <= abs(np.log(worst)) + np.log(1.05), name
    assert (np.abs(np.log(held["ratio"])) <= np.log(A.TARGET_WORST_RATIO)).all()


def test_a_held_out_prediction_never_sees_its_own_model(dataset):
    # Change the measured energy of one model's rows tenfold: its held-out predictions must not move, the others' may.
    held = A.held_out_table(dataset).set_index("measurement_id")
    changed = dataset.measured_inference.copy()
    gemma = changed["model_id"] == "gemma-2-2b"
    changed.loc[gemma, "energy_j"] = changed.loc[gemma, "energy_j"] * 10
    from analysis.data import Dataset

    other = A.held_out_table(Dataset({**dataset._tables, "measured_inference": changed}, dataset.citation_keys)).set_index("measurement_id")
    ids = changed.loc[gemma, "measurement_id"]
    assert np.allclose(other.loc[ids, "predicted_j"], held.loc[ids, "predicted_j"], rtol=1e-12)
    same_source = other.index.str.startswith("mlenergy-v2") & ~other.index.isin(ids)
    assert not np.allclose(other.loc[same_source, "predicted_j"], held.loc[same_source, "predicted_j"], rtol=1e-6)


def test_a_request_longer_than_the_context_window_is_named_in_a_note(dataset):
    from analysis import params as P

    # GPT-2 XL's context is 1,024 tokens: 150 characters / 4 = 37.5 tokens of prompt + 2,000 of answer exceed it
    long = A.estimate(dataset, "gpt2-xl", P.validate({"output_tokens": 2000, "samples": 200}))
    assert any("longer than gpt2-xl's context window of 1,024 tokens" in n for n in long["notes"])
    short = A.estimate(dataset, "gpt2-xl", P.validate({"output_tokens": 900, "samples": 200}))  # 937.5 tokens: fits
    assert not any("context window" in n for n in short["notes"])
