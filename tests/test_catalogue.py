"""The model catalogue (data/models.csv), the accelerators, the water defaults and the published footprints.

Values are checked against the sources by hand: Llama 3.1 8B from Meta's llama-models sku_list.py, DeepSeek-V3 from its
repository's inference/configs/config_671B.json and README, Gemma 2 2B from Google DeepMind's gemma code (_gemma.py), Qwen3 from
its report's Tables 1 and 2, accelerators from their datasheets or Google's TPU pages (dense = half the 'with sparsity' figure).
"""

import pandas as pd
import pytest

from analysis import data, params
from analysis.schema import DataError

REQUIRED_MODELS = {
    "gpt2-xl", "gpt3-175b", "llama-3.2-1b", "llama-3.2-3b", "gemma-2-2b", "llama-3.1-8b", "llama-3.1-70b",
    "llama-3.1-405b", "mixtral-8x7b", "mixtral-8x22b", "qwen3-30b-a3b", "qwen3-235b-a22b", "deepseek-v3", "frontier",
    "phi-3-mini-4k",
}
REQUIRED_ACCELERATORS = {
    "h100-sxm", "h800-sxm", "h200", "b200", "a100-sxm-40gb", "a100-sxm-80gb", "mi300x", "tpu-v5e", "tpu-v5p", "tpu-v6e", "rtx-4090",
}
MODEL_COLUMNS = [
    "model_id", "name", "developer", "architecture", "params_total", "params_active", "layers", "hidden_size", "attention",
    "attention_heads", "kv_heads", "head_dim", "kv_lora_rank", "qk_rope_head_dim", "experts_total", "experts_per_token",
    "experts_shared", "moe_layers", "context_length", "release_precision", "vocab_size", "kind", "source", "locator", "note",
]


def _edit(path, key, column, value):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame[frame.columns[0]] == key, column] = value
    frame.to_csv(path, index=False)


def _problems(data_copy):
    with pytest.raises(DataError) as caught:
        data.load(data_copy)
    return str(caught.value)


# ---- models ---------------------------------------------------------------------------------------------------


def test_catalogue_has_the_models_and_columns_others_rely_on(dataset):
    assert REQUIRED_MODELS <= set(dataset.models.index)
    assert list(dataset.models.columns[: len(MODEL_COLUMNS)]) == MODEL_COLUMNS


def test_llama_31_8b_as_in_table_3_of_the_llama_3_paper(dataset):
    m = dataset.model("llama-3.1-8b")
    assert (m["layers"], m["hidden_size"], m["attention_heads"], m["kv_heads"], m["head_dim"]) == (32, 4096, 32, 8, 128)
    assert (m["architecture"], m["attention"]) == ("dense", "gqa")
    assert m["params_total"] == m["params_active"] == pytest.approx(8.03e9)
    assert m["hidden_size"] == m["attention_heads"] * m["head_dim"]


def test_deepseek_v3_as_in_its_report(dataset):
    m = dataset.model("deepseek-v3")
    assert (m["layers"], m["hidden_size"], m["attention"]) == (61, 7168, "mla")
    assert (m["kv_lora_rank"], m["qk_rope_head_dim"]) == (512, 64)
    assert (m["experts_total"], m["experts_per_token"], m["experts_shared"], m["moe_layers"]) == (256, 8, 1, 58)
    assert (m["params_total"], m["params_active"]) == (671e9, 37e9)
    assert m["release_precision"] == "fp8"
    # the first three of 61 layers are dense (§4.2), so 58 hold experts
    assert m["layers"] - m["moe_layers"] == 3


def test_gemma_2_2b_as_in_google_deepminds_code(dataset):
    # gemma/gm/nn/_gemma.py, Gemma2_2B: num_embed=256128, embed_dim=2304, num_heads=8, head_dim=256, num_kv_heads=4, 26 layers
    m = dataset.model("gemma-2-2b")
    assert (m["layers"], m["hidden_size"], m["attention_heads"], m["kv_heads"], m["head_dim"]) == (26, 2304, 8, 4, 256)
    assert m["vocab_size"] == 256128
    # tied embedding 256128 x 2304 + 26 x (attention 14,155,776 + gated MLP 3 x 2304 x 9216 + four norms) + final norm
    per_layer = 2 * 2304 * 8 * 256 + 2 * 2304 * 4 * 256 + 3 * 2304 * 9216 + 4 * 2304  # q, o; k, v; MLP; norms
    assert 256128 * 2304 + 26 * per_layer + 2304 == 2_614_636_800
    assert m["params_total"] == pytest.approx(2_614_636_800, rel=2e-3)
    assert dataset.source_of("models", "gemma-2-2b", "params_total")["kind"] == "derived"


def test_phi_3_mini_4k_as_in_its_card_and_config(dataset):
    # card: 'Phi-3 Mini has 3.8B parameters', 'Context length: 4K tokens'; config.json: 32 layers, 3072 wide, 32 heads and
    # 32 key/value heads (no GQA), max_position_embeddings 4096, vocab_size 32064, bfloat16
    m = dataset.model("phi-3-mini-4k")
    assert (m["architecture"], m["attention"]) == ("dense", "mha")
    assert (m["layers"], m["hidden_size"], m["attention_heads"], m["kv_heads"], m["head_dim"]) == (32, 3072, 32, 32, 96)
    assert (m["context_length"], m["vocab_size"], m["release_precision"]) == (4096, 32064, "bf16")
    assert m["params_total"] == m["params_active"] == 3.8e9
    # every model the measurements name is in the catalogue
    assert set(dataset.measured_inference["model_id"]) <= set(dataset.models.index)


def test_values_that_were_not_read_are_left_empty(dataset):
    m = dataset.models
    unread = {
        "distilgpt2": ("release_precision",),
        "gpt3-175b": ("vocab_size", "release_precision"),
        "gemma-2-2b": ("release_precision",),
        "deepseek-r1-distill-qwen-32b": ("release_precision",),
    }
    for model_id, columns in unread.items():
        for column in columns:
            assert pd.isna(m.loc[model_id, column]), (model_id, column)


def test_gpt2_parameter_count_follows_from_its_shape(dataset):
    # openai/gpt-2 src/model.py: wte, wpe, per block ln_1, c_attn (d x 3d + 3d), c_proj (d x d + d), ln_2, c_fc (d x 4d + 4d),
    # mlp c_proj (4d x d + d), final ln_f; the output layer reuses wte
    for model_id, expected in (("gpt2", 124_439_808), ("gpt2-medium", 354_823_168)):
        m = dataset.model(model_id)
        d, layers, vocab, ctx = m["hidden_size"], m["layers"], m["vocab_size"], m["context_length"]
        per_block = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d)
        assert vocab * d + ctx * d + layers * per_block + 2 * d == expected == m["params_total"], model_id


def test_moe_models_as_published(dataset):
    mixtral = dataset.model("mixtral-8x7b")
    assert (mixtral["experts_total"], mixtral["experts_per_token"], mixtral["experts_shared"]) == (8, 2, 0)
    assert (mixtral["params_total"], mixtral["params_active"]) == (46.7e9, 12.9e9)
    qwen = dataset.model("qwen3-30b-a3b")
    assert (qwen["layers"], qwen["attention_heads"], qwen["kv_heads"], qwen["experts_total"], qwen["experts_per_token"]) == (48, 32, 4, 128, 8)
    assert (qwen["params_total"], qwen["params_active"]) == (30.5e9, 3.3e9)
    big = dataset.model("qwen3-235b-a22b")
    assert (big["layers"], big["attention_heads"], big["kv_heads"], big["moe_layers"]) == (94, 64, 4, 94)


def test_catalogue_is_consistent(dataset):
    m = dataset.models
    moe = m["architecture"] == "moe"
    expert_columns = ["experts_total", "experts_per_token", "experts_shared", "moe_layers"]
    assert m.loc[moe, expert_columns].notna().all().all()
    assert m.loc[~moe, expert_columns].isna().all().all()
    assert (m["params_active"] <= m["params_total"]).all()
    assert (m.loc[moe, "params_active"] < m.loc[moe, "params_total"]).all()
    assert (m.loc[moe, "experts_per_token"] <= m.loc[moe, "experts_total"]).all()
    gqa = m[m["attention"] == "gqa"]
    assert (gqa["attention_heads"] % gqa["kv_heads"] == 0).all()
    assert (m.loc[m["attention"] == "mha", "kv_heads"] == m.loc[m["attention"] == "mha", "attention_heads"]).all()
    assert set(m.loc[m["attention"] == "mla"].index) == {"deepseek-v3"}


def test_frontier_is_epochs_assumption_flagged_with_ranges(dataset):
    f = dataset.model("frontier")
    assert f["kind"] == "estimate" and f["source"] == "you2025chatgpt"
    assert (f["params_active"], f["params_total"]) == (100e9, 400e9)
    for column in ("params_total", "params_active", "layers", "hidden_size", "experts_total", "experts_per_token"):
        assert f[f"{column}_low"] <= f[column] <= f[f"{column}_high"], column
        assert f[f"{column}_low"] < f[f"{column}_high"], column
    # the same active-parameter range the per-request inputs carry
    inputs = dataset.inference_inputs.set_index(["input", "bound"])["value"]
    assert (f["params_active_low"], f["params_active_high"]) == (inputs["frontier_active_params", "low"], inputs["frontier_active_params", "high"])


def test_unknown_model_names_the_known_ones(dataset):
    with pytest.raises(KeyError, match="unknown model 'gpt-5'; known models: .*deepseek-v3"):
        dataset.model("gpt-5")


@pytest.mark.parametrize("model_id, column, value, message", [
    ("qwen3-30b-a3b", "experts_total", "",
     "column experts_total, experts_per_token, experts_shared, moe_layers: a moe model needs all four expert columns and a dense model none; architecture is moe"),
    ("llama-3.1-8b", "experts_total", "8",
     "column experts_total, experts_per_token, experts_shared, moe_layers: a moe model needs all four expert columns and a dense model none; architecture is dense"),
    ("mixtral-8x7b", "experts_per_token", "9", "column experts_per_token: more routed experts per token than experts_total"),
    ("mixtral-8x7b", "params_active", "50e9", "column params_active: more active parameters than params_total"),
    ("llama-3.1-8b", "params_active", "4e9", "column params_active: a dense model uses every parameter"),
    ("llama-3.1-8b", "kv_heads", "6", "column kv_heads: gqa needs fewer kv_heads than attention_heads, dividing them evenly"),
    ("gpt2-xl", "kv_heads", "5", "column kv_heads: mha needs kv_heads equal to attention_heads"),
    ("deepseek-v3", "kv_lora_rank", "", "column kv_lora_rank, qk_rope_head_dim: an mla model needs both and any other attention neither"),
    ("deepseek-v3", "moe_layers", "62", "column moe_layers: more MoE layers than layers"),
    ("llama-3.1-8b", "attention", "sliding", "column attention: 'sliding' is not allowed; allowed: mha, gqa, mla"),
    ("llama-3.1-8b", "release_precision", "int4", "column release_precision: 'int4' is not allowed; allowed: fp32, fp16, bf16, fp8"),
    ("llama-3.1-8b", "layers", "32.5", "column layers: '32.5' is not a whole number"),
])
def test_bad_model_row_names_file_row_and_column(data_copy, model_id, column, value, message):
    _edit(data_copy / "models.csv", model_id, column, value)
    frame = pd.read_csv(data_copy / "models.csv", dtype=str, keep_default_na=False)
    row = int(frame.index[frame["model_id"] == model_id][0]) + 1
    assert f"data/models.csv: row {row} (line {row + 1}, model_id={model_id}), {message}" in _problems(data_copy)


def test_estimated_model_without_a_range_is_refused(data_copy):
    path = data_copy / "provenance.csv"
    prov = pd.read_csv(path, dtype=str, keep_default_na=False)
    prov = prov[~((prov["table"] == "models") & (prov["row"] == "frontier") & (prov["column"] == "layers"))]
    prov.to_csv(path, index=False)
    assert "model_id=frontier), column layers: an estimated model needs a range for 126" in _problems(data_copy)


def test_model_provenance_must_point_at_a_value(data_copy):
    path = data_copy / "provenance.csv"
    with path.open("a") as f:
        f.write("models,llama-3.1-8b,kv_lora_rank,llamateam2024herd,Table 3,reported,,,\n")
    assert "data/models.csv has no value at llama-3.1-8b.kv_lora_rank to source" in _problems(data_copy)


# ---- accelerators ------------------------------------------------------------------------------------------------


def test_accelerators_present_and_all_at_accelerator_scope(dataset):
    hw = dataset.hardware
    assert REQUIRED_ACCELERATORS <= set(hw.index)
    assert "a100-sxm" not in hw.index  # renamed: the 80 GB part is a100-sxm-80gb
    assert set(hw["power_scope"]) == {"accelerator"}
    assert set(params.PARAMETERS["accelerator"].choices) == set(hw.index)


def test_accelerators_as_in_their_datasheets(dataset):
    acc = dataset.accelerator
    assert (acc("h200")["memory_bytes"], acc("h200")["memory_bandwidth_bytes_per_s"], acc("h200")["board_power_w"]) == (141e9, 4.8e12, 700)
    assert acc("h200")["peak_fp8_dense_flop_per_s"] == pytest.approx(3958e12 / 2, rel=1e-3)
    assert acc("b200")["peak_bf16_dense_flop_per_s"] == 4.5e15 / 2 and acc("b200")["peak_fp8_dense_flop_per_s"] == 9e15 / 2
    assert acc("mi300x")["peak_fp8_dense_flop_per_s"] == 2614.9e12 and acc("mi300x")["memory_bytes"] == 192e9
    assert (acc("tpu-v5e")["peak_bf16_dense_flop_per_s"], acc("tpu-v5e")["peak_int8_dense_op_per_s"]) == (197e12, 393e12)
    assert pd.isna(acc("tpu-v5e")["peak_fp8_dense_flop_per_s"])
    assert acc("tpu-v6e")["memory_bandwidth_bytes_per_s"] == 1638e9
    assert acc("a100-sxm-80gb")["memory_bytes"] == 80e9 and acc("a100-sxm-40gb")["memory_bytes"] == 40e9
    assert acc("a100-sxm-80gb")["peak_int8_dense_op_per_s"] == 1248e12 / 2
    assert acc("rtx-4090")["peak_bf16_dense_flop_per_s"] == 165.2e12
    assert (acc("tpu-v5p")["peak_bf16_dense_flop_per_s"], acc("tpu-v5p")["memory_bandwidth_bytes_per_s"]) == (459e12, 2765e9)


def test_tpu_v5p_int8_peak_is_an_estimate_google_does_not_publish(dataset):
    # Google's v5p table gives only 'Peak compute per chip (bf16) 459 TFLOPs'
    row = dataset.accelerator("tpu-v5p")
    assert dataset.source_of("hardware", "tpu-v5p", "peak_int8_dense_op_per_s")["kind"] == "estimate"
    assert row["peak_int8_dense_op_per_s_low"] == row["peak_bf16_dense_flop_per_s"]
    assert row["peak_int8_dense_op_per_s_low"] < row["peak_int8_dense_op_per_s"] <= row["peak_int8_dense_op_per_s_high"]


def test_tpu_power_is_an_estimate_with_a_range(dataset):
    for name in ("tpu-v5e", "tpu-v5p", "tpu-v6e"):
        row = dataset.accelerator(name)
        assert row["board_power_w_low"] < row["board_power_w"] < row["board_power_w_high"], name
        assert dataset.source_of("hardware", name, "board_power_w")["kind"] == "estimate"


def test_a_whole_server_power_scope_is_refused(data_copy):
    _edit(data_copy / "hardware.csv", "h100-sxm", "power_scope", "server")
    assert ("data/hardware.csv: row 1 (line 2, accelerator=h100-sxm), column power_scope: 'server' is not allowed; "
            "allowed: accelerator") in _problems(data_copy)


# ---- water and published footprints --------------------------------------------------------------------------------


def test_water_defaults_are_the_sourced_central_values(dataset):
    inputs = dataset.inference_inputs.set_index(["input", "bound"])
    # Google's on-site water per unit of energy: 0.26 mL / 0.24 Wh
    assert inputs.loc[("wue_l_per_kwh", "central"), "value"] == pytest.approx(0.26 / 0.24, abs=0.005)
    assert params.PARAMETERS["wue_l_per_kwh"].default == inputs.loc[("wue_l_per_kwh", "central"), "value"]
    assert params.PARAMETERS["electricity_water_l_per_kwh"].default == inputs.loc[("electricity_water_l_per_kwh", "central"), "value"]
    for name in ("wue_l_per_kwh", "electricity_water_l_per_kwh"):
        assert inputs.loc[(name, "low"), "value"] < inputs.loc[(name, "central"), "value"] < inputs.loc[(name, "high"), "value"]


def test_published_footprints_as_published(dataset):
    fp = dataset.published_footprints
    google = fp.loc["google-2025-gemini-comprehensive"]
    assert (google["co2e_g"], google["water_ml"], google["kind"]) == (0.03, 0.26, "reported")
    mistral = fp.loc["mistral-2025-le-chat"]
    assert (mistral["co2e_g"], mistral["water_ml"]) == (1.14, 45)
    assert "manufacturing" in mistral["boundary"] and "400-token" in mistral["subject"]


def test_footprint_without_a_figure_is_refused(data_copy):
    _edit(data_copy / "published_footprints.csv", "mistral-2025-le-chat", "co2e_g", "")
    _edit(data_copy / "published_footprints.csv", "mistral-2025-le-chat", "water_ml", "")
    assert ("data/published_footprints.csv: row 3 (line 4, estimate_id=mistral-2025-le-chat), column co2e_g, water_ml: "
            "a footprint needs at least one of co2e_g and water_ml") in _problems(data_copy)


def test_tpu_v6e_power_follows_googles_efficiency_claim_over_v5e(dataset):
    # 67 % more efficient than v5e, read as peak BF16 FLOP/s per watt: v5e's estimate × (918 / 197) / 1.67
    v5e, v6e = dataset.accelerator("tpu-v5e"), dataset.accelerator("tpu-v6e")
    factor = v6e["peak_bf16_dense_flop_per_s"] / v5e["peak_bf16_dense_flop_per_s"] / 1.67
    for column in ("board_power_w", "board_power_w_low", "board_power_w_high"):
        assert v6e[column] == pytest.approx(v5e[column] * factor, abs=0.5), column
    assert dataset.source_of("hardware", "tpu-v6e", "board_power_w")["source"] == "google2024trillium"
