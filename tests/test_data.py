"""data/ loads cleanly, every value is sourced, and each kind of bad row is caught by name."""

import re

import pandas as pd
import pytest

from analysis import data
from analysis.schema import DataError


def test_all_tables_load(dataset):
    assert {"deepseek-v3", "llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b", "deepseek-v2", "qwen2.5-72b", "nemotron-4-340b", "gpt-4"} <= set(dataset.training_runs.index)
    assert {"h100-sxm", "h800-sxm", "a100-sxm"} <= set(dataset.hardware.index)


def test_deepseek_stages_add_up_to_the_total(dataset):
    run = dataset.run("deepseek-v3")
    stages = run[["gpu_hours_pre_training", "gpu_hours_context_extension", "gpu_hours_post_training"]].sum()
    assert stages == run["gpu_hours_total"] == 2_788_000


def test_gpt4_is_flagged_as_an_estimate_with_a_range(dataset):
    gpt4 = dataset.run("gpt-4")
    assert gpt4["kind"] == "estimate"
    assert gpt4["training_flop_low"] < gpt4["training_flop"] < gpt4["training_flop_high"]


def test_every_source_key_is_in_the_bibliography(dataset):
    for name in dataset.table_names:
        frame = getattr(dataset, name)
        if "source" in frame.columns:
            assert set(frame["source"]) <= dataset.citation_keys, name


def _edit(path, row_match, column, value):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    first = frame.columns[0]
    frame.loc[frame[first] == row_match, column] = value
    frame.to_csv(path, index=False)


def _problems(data_copy):
    with pytest.raises(DataError) as caught:
        data.load(data_copy)
    return str(caught.value)


def test_missing_column_is_named(data_copy):
    path = data_copy / "training_runs.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["training_tokens"]).to_csv(path, index=False)
    assert "training_runs.csv: missing column(s) training_tokens" in _problems(data_copy)


def test_non_numeric_value_names_file_row_and_column(data_copy):
    _edit(data_copy / "training_runs.csv", "llama-3.1-70b", "gpu_hours_total", "seven million")
    message = _problems(data_copy)
    assert re.search(r"training_runs\.csv: row 3 \(line 4, run_id=llama-3\.1-70b\), column gpu_hours_total: 'seven million' is not a finite number", message)


def test_negative_count_is_rejected(data_copy):
    _edit(data_copy / "training_runs.csv", "deepseek-v3", "accelerator_count", "-2048")
    message = _problems(data_copy)
    assert "row 1 (line 2, run_id=deepseek-v3), column accelerator_count: -2048 is out of range; allowed: >= 1" in message


def test_duplicate_run_is_rejected(data_copy):
    path = data_copy / "training_runs.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.concat([frame, frame.iloc[[0]]]).to_csv(path, index=False)
    assert "column run_id: duplicate 'deepseek-v3' (first at row 1)" in _problems(data_copy)


def test_unknown_citation_key_is_rejected(data_copy):
    _edit(data_copy / "clusters.csv", "xai-colossus", "source", "musk2099")
    assert "clusters.csv: row 4 (line 5, cluster_id=xai-colossus), column source: citation key 'musk2099' is not in data/references.bib" in _problems(data_copy)


def test_empty_required_value_is_not_a_silent_nan(data_copy):
    _edit(data_copy / "arena.csv", "deepseek-v3", "elo", "")
    assert "arena.csv: row 1 (line 2, run_id=deepseek-v3), column elo: empty, but a value is required" in _problems(data_copy)


def test_nan_text_is_not_a_number(data_copy):
    _edit(data_copy / "hardware.csv", "a100-sxm", "board_power_w", "nan")
    assert "hardware.csv: row 3 (line 4, accelerator=a100-sxm), column board_power_w: 'nan' is not a finite number" in _problems(data_copy)


def test_value_without_a_source_is_rejected(data_copy):
    path = data_copy / "provenance.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    drop = (frame["row"] == "llama-3.1-405b") & (frame["column"] == "emissions_tco2eq")
    frame[~drop].to_csv(path, index=False)
    assert "training_runs.csv: row 2 (run_id=llama-3.1-405b), column emissions_tco2eq: value 8930.0 has no source" in _problems(data_copy)


def test_unknown_accelerator_is_rejected(data_copy):
    _edit(data_copy / "training_runs.csv", "deepseek-v3", "accelerator", "h900")
    assert "column accelerator: 'h900' is not in data/hardware.csv" in _problems(data_copy)


def test_estimate_without_range_is_rejected(data_copy):
    _edit(data_copy / "training_runs.csv", "gpt-4", "training_flop_high", "")
    assert "run_id=gpt-4), column training_flop_low/high: an estimate needs its range" in _problems(data_copy)


def test_all_problems_are_reported_at_once(data_copy):
    _edit(data_copy / "training_runs.csv", "deepseek-v3", "params_total", "-1")
    _edit(data_copy / "training_runs.csv", "llama-3.1-8b", "training_tokens", "lots")
    message = _problems(data_copy)
    assert "deepseek-v3), column params_total" in message and "llama-3.1-8b), column training_tokens" in message
