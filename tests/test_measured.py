"""data/measured_inference.csv: published measurements of inference energy, each with what it takes to re-predict it."""

import re

import pandas as pd
import pytest

from analysis import data
from analysis.energy_tables import ENERGY_TABLES, PER_TOKEN_TOLERANCE
from analysis.schema import DataError

COLUMNS = [
    "measurement_id", "model_id", "accelerator", "accelerator_count", "idle_accelerators_metered", "precision", "batch_size", "input_tokens",
    "output_tokens", "engine", "boundary", "energy_j", "energy_j_per_output_token", "kind", "source", "locator", "note",
]


def _problems(data_copy):
    with pytest.raises(DataError) as caught:
        data.load(data_copy)
    return str(caught.value)


def _edit(data_copy, measurement_id, **cells):
    path = data_copy / "measured_inference.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert (frame["measurement_id"] == measurement_id).sum() == 1
    for column, value in cells.items():
        frame.loc[frame["measurement_id"] == measurement_id, column] = value
    frame.to_csv(path, index=False)
    return int(frame.index[frame["measurement_id"] == measurement_id][0])


QWEN_MOE = "mlenergy-v3-qwen3-30b-a3b-lm-arena-chat-h100x1-b64"


def test_columns_are_the_agreed_ones_in_order(dataset):
    assert ENERGY_TABLES["measured_inference"].column_names == COLUMNS
    assert list(pd.read_csv(data.DATA_DIR / "measured_inference.csv", nrows=0).columns) == COLUMNS
    assert list(dataset.measured_inference.columns) == COLUMNS


def test_rows_span_model_families_batches_and_output_lengths(dataset):
    m = dataset.measured_inference
    assert len(m) >= 40
    assert m["batch_size"].min() <= 8 and m["batch_size"].max() >= 512
    assert m["output_tokens"].min() < 500 and m["output_tokens"].max() > 5000
    assert {"gemma-2-2b", "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "qwen3-30b-a3b", "mixtral-8x7b", "deepseek-v3"} <= set(m["model_id"])
    assert set(m["boundary"]) <= {"accelerator", "server", "facility"}


# Hand-checked against the sources. ML.ENERGY v3: public/data/models/*.json, the configuration named in
# the locator (energy_per_request_joules, avg_output_len, energy_per_token_joules, rounded to 4 significant
# figures, hence rel=1e-3). ML.ENERGY v2: the file named in the locator ('Energy/req (J)', 'Avg Output Tokens').
@pytest.mark.parametrize("measurement_id, energy_j, output_tokens, per_token", [
    # Qwen3-30B-A3B-Instruct-2507, 1 H100, max_num_seqs 64: 203.828 J, 918.941 tokens, 0.221808 J/token
    (QWEN_MOE, 203.828, 918.941, 0.221808),
    # Llama-3.1-8B-Instruct, 1 H100, max_num_seqs 64 and 512: 46.9031 J and 27.8441 J
    ("mlenergy-v3-llama-3.1-8b-lm-arena-chat-h100x1-b64", 46.9031, 395.541, 0.118580),
    ("mlenergy-v3-llama-3.1-8b-lm-arena-chat-h100x1-b512", 27.8441, 396.671, 0.0701945),
    # Qwen3-32B, 2 H100, max_num_seqs 64, chat and GPQA (reasoning)
    ("mlenergy-v3-qwen3-32b-lm-arena-chat-h100x2-b64", 233.118, 635.077, 0.367071),
    ("mlenergy-v3-qwen3-32b-gpqa-h100x2-b64", 3783.31, 7058.38, 0.536003),
    # gemma-2-2b-it, A100-SXM4-40GB, bs32+tp1+pp1.json: 72.1521 J, 488.404 tokens; no per-token figure published
    ("mlenergy-v2-gemma-2-2b-chat-a100-sxm-40gbx1-b32", 72.1521, 488.404, None),
])
def test_rows_match_the_source(dataset, measurement_id, energy_j, output_tokens, per_token):
    row = dataset.measured_inference.loc[measurement_id]
    assert row["energy_j"] == pytest.approx(energy_j, rel=1e-3)
    assert row["output_tokens"] == pytest.approx(output_tokens, rel=1e-3)
    if per_token is None:
        assert pd.isna(row["energy_j_per_output_token"])
    else:
        assert row["energy_j_per_output_token"] == pytest.approx(per_token, rel=1e-3)


# Luccioni et al. 2024, sashavor/co2_inference (commit 9ae9895): the 10 runs of each model in
# data/emissions/complete/textgen_<dataset>.csv, each run's data/emissions/base/emissions_base_<run id>.csv,
# task 'query model', gpu_energy in kWh for 1,000 queries. gpt2 on WikiText: 0.013394 + 0.013312 + 0.013385 +
# 0.013469 + 0.013550 + 0.013552 + 0.013632 + 0.013854 + 0.013527 + 0.013561 = 0.135238 kWh over 10 runs,
# so 0.0135238 kWh x 3.6e6 J/kWh / 1,000 queries = 48.69 J. gpt2-xl on OSCAR: 0.522998 kWh / 10 runs -> 188.3 J.
@pytest.mark.parametrize("measurement_id, model_id, energy_j", [
    ("luccioni2024-gpt2-textgen-wikitext-a100-sxm-80gbx1-b1", "gpt2", 0.135238 / 10 * 3.6e6 / 1000),
    ("luccioni2024-gpt2-xl-textgen-oscar-a100-sxm-80gbx1-b1", "gpt2-xl", 0.522998 / 10 * 3.6e6 / 1000),
])
def test_gpt2_class_rows_match_the_source(dataset, measurement_id, model_id, energy_j):
    row = dataset.measured_inference.loc[measurement_id]
    assert row["model_id"] == model_id and row["energy_j"] == pytest.approx(energy_j, rel=1e-3)
    # One query at a time on one A100 SXM4 80 GB, fp32 weights (no torch_dtype), max_new_tokens=10.
    assert (row["accelerator"], row["accelerator_count"], row["batch_size"], row["precision"]) == ("a100-sxm-80gb", 1, 1, "fp32")
    assert (row["output_tokens"], row["boundary"], row["kind"]) == (10, "accelerator", "derived")
    # the prompt is 20 words, in tokens at OpenAI's rule of thumb '1 token ~= ¾ words': 20 / 0.75 = 26.7
    assert pd.isna(row["energy_j_per_output_token"]) and row["input_tokens"] == pytest.approx(20 / 0.75, abs=0.05)
    assert "idle draw of 7 GPUs" in row["note"]  # the meter read all 8 GPUs of the node


def test_more_than_one_measuring_team_and_gpt2_class_models(dataset):
    m = dataset.measured_inference
    assert {"mlenergy2026leaderboardv3", "mlenergy2025leaderboardv2", "luccioni2024powerhungry"} <= set(m["source"])
    small = m[m["model_id"].isin(["distilgpt2", "gpt2", "gpt2-medium", "gpt2-xl"])]
    assert set(small["model_id"]) == {"distilgpt2", "gpt2", "gpt2-medium", "gpt2-xl"} and len(small) == 12
    # Energy per query grows with model size within each prompt set (82M < 124M < 355M < 1.5B parameters).
    for _, rows in small.groupby(small.index.str.extract(r"textgen-(\w+)-", expand=False)):
        order = rows.set_index("model_id").loc[["distilgpt2", "gpt2", "gpt2-medium", "gpt2-xl"], "energy_j"]
        assert order.is_monotonic_increasing


def test_empty_input_tokens_are_explained(dataset):
    m = dataset.measured_inference
    assert m.loc[m["input_tokens"].isna(), "note"].str.contains("not published").all()


def test_fp32_is_a_measured_precision_and_fp64_is_not(data_copy):
    i = _edit(data_copy, "luccioni2024-gpt2-textgen-wikitext-a100-sxm-80gbx1-b1", precision="fp64")
    assert re.search(rf"row {i + 1} .*column precision: .*fp64", _problems(data_copy))


def test_issue_figures_are_in_the_table(dataset):
    """The three measured facts the issue cites, recomputed from the rows."""
    m = dataset.measured_inference
    moe = m.loc[QWEN_MOE]
    assert (moe["accelerator"], moe["accelerator_count"], moe["batch_size"], moe["boundary"]) == ("h100-sxm", 1, 64, "accelerator")
    assert 180 < moe["energy_j"] < 220 and 850 < moe["output_tokens"] < 950  # "about 200 J", "about 900 output tokens"
    b64 = m.loc["mlenergy-v3-llama-3.1-8b-lm-arena-chat-h100x1-b64", "energy_j"]
    b512 = m.loc["mlenergy-v3-llama-3.1-8b-lm-arena-chat-h100x1-b512", "energy_j"]
    assert b64 / b512 == pytest.approx(46.9031 / 27.8441, rel=1e-3)  # "by about 1.7x"
    short = m.loc["mlenergy-v3-qwen3-32b-lm-arena-chat-h100x2-b64", "energy_j_per_output_token"]
    long = m.loc["mlenergy-v3-qwen3-32b-gpqa-h100x2-b64", "energy_j_per_output_token"]
    assert long / short - 1 == pytest.approx(0.536003 / 0.367071 - 1, abs=1e-3)  # "about 46 %"


def test_per_request_and_per_token_figures_agree(dataset):
    m = dataset.measured_inference.dropna(subset=["energy_j_per_output_token"])
    implied = m["energy_j_per_output_token"] * m["output_tokens"]
    assert ((m["energy_j"] - implied).abs() <= PER_TOKEN_TOLERANCE * implied).all()


def test_derived_rows_are_per_token_times_tokens(dataset):
    m = dataset.measured_inference
    derived = m[m["kind"] == "derived"]
    for _, row in derived.iterrows():
        assert row["note"]
        if pd.notna(row["energy_j_per_output_token"]):
            assert row["energy_j"] == pytest.approx(row["energy_j_per_output_token"] * row["output_tokens"], rel=PER_TOKEN_TOLERANCE)


def test_unknown_precision_names_file_row_and_column(data_copy):
    i = _edit(data_copy, QWEN_MOE, precision="bfloat16")
    assert re.search(rf"measured_inference\.csv: row {i + 1} \(line {i + 2}, measurement_id={QWEN_MOE}\), column precision: .*bfloat16", _problems(data_copy))


def test_unknown_boundary_is_rejected(data_copy):
    _edit(data_copy, QWEN_MOE, boundary="gpu")
    assert re.search(r"column boundary: .*'gpu'", _problems(data_copy))


def test_non_positive_energy_is_rejected(data_copy):
    _edit(data_copy, QWEN_MOE, energy_j="0", energy_j_per_output_token="")
    assert re.search(rf"measurement_id={QWEN_MOE}\), column energy_j: 0 is out of range", _problems(data_copy))


def test_energy_disagreeing_with_per_token_times_tokens_is_rejected(data_copy):
    # 0.2218 J/token x 918.9 tokens = 203.8 J; 300 J is off by far more than the tolerance.
    _edit(data_copy, QWEN_MOE, energy_j="300")
    assert re.search(rf"measurement_id={QWEN_MOE}\), column energy_j: 300 J differs from energy_j_per_output_token x output_tokens", _problems(data_copy))


def test_derived_value_without_a_note_is_rejected(data_copy):
    _edit(data_copy, QWEN_MOE, kind="derived", note="")
    assert re.search(rf"measurement_id={QWEN_MOE}\), column note: a derived value needs a note", _problems(data_copy))


def test_estimate_is_not_a_measurement(data_copy):
    _edit(data_copy, QWEN_MOE, kind="estimate")
    assert re.search(rf"measurement_id={QWEN_MOE}\), column kind: .*'estimate'", _problems(data_copy))


def test_model_id_must_be_lowercase_hyphenated(data_copy):
    _edit(data_copy, QWEN_MOE, model_id="Qwen3-30B-A3B")
    assert re.search(rf"measurement_id={QWEN_MOE}\), column model_id: 'Qwen3-30B-A3B' is not a lowercase hyphenated id", _problems(data_copy))


def test_fractional_batch_is_rejected(data_copy):
    _edit(data_copy, QWEN_MOE, batch_size="63.9")
    assert re.search(rf"measurement_id={QWEN_MOE}\), column batch_size: ", _problems(data_copy))


def test_unknown_source_is_rejected(data_copy):
    _edit(data_copy, QWEN_MOE, source="nobody2099")
    assert re.search(rf"measurement_id={QWEN_MOE}\), column source: citation key 'nobody2099' is not in data/references.bib", _problems(data_copy))
