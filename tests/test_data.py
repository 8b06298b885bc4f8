"""data/ loads cleanly, every value is sourced, and each kind of bad row is caught by name."""

import re

import pandas as pd
import pytest

from analysis import data
from analysis.schema import DataError


def test_all_tables_load(dataset):
    assert {"deepseek-v3", "llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b", "deepseek-v2", "qwen2.5-72b", "nemotron-4-340b", "gpt-4"} <= set(dataset.training_runs.index)
    assert {"h100-sxm", "h800-sxm", "a100-sxm-80gb"} <= set(dataset.hardware.index)


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
    _edit(data_copy / "hardware.csv", "a100-sxm-80gb", "board_power_w", "nan")
    assert "hardware.csv: row 5 (line 6, accelerator=a100-sxm-80gb), column board_power_w: 'nan' is not a finite number" in _problems(data_copy)


def test_value_without_a_source_is_rejected(data_copy):
    path = data_copy / "provenance.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    drop = (frame["row"] == "llama-3.1-405b") & (frame["column"] == "emissions_tco2eq")
    frame[~drop].to_csv(path, index=False)
    assert "training_runs.csv: row 2 (run_id=llama-3.1-405b), column emissions_tco2eq: value 8930.0 has no source" in _problems(data_copy)


def test_unknown_accelerator_is_rejected(data_copy):
    _edit(data_copy / "training_runs.csv", "deepseek-v3", "accelerator", "h900")
    assert "column accelerator: 'h900' is not in data/hardware.csv" in _problems(data_copy)


def _edit_provenance(path, row, column, field, value):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[(frame["row"] == row) & (frame["column"] == column), field] = value
    frame.to_csv(path, index=False)


def _provenance_line(data_copy, row, column):
    frame = pd.read_csv(data_copy / "provenance.csv", dtype=str, keep_default_na=False)
    return int(frame.index[(frame["row"] == row) & (frame["column"] == column)][0]) + 2


def test_estimate_without_range_is_rejected(data_copy):
    _edit_provenance(data_copy / "provenance.csv", "gpt-4", "training_flop", "high", "")
    line = _provenance_line(data_copy, "gpt-4", "training_flop")
    assert (f"data/provenance.csv: row {line - 1} (line {line}, row=gpt-4), column low, high: "
            "an estimate needs its range: both bounds, low < high") in _problems(data_copy)


def test_estimate_range_must_be_ordered_and_hold_its_value(data_copy):
    _edit_provenance(data_copy / "provenance.csv", "gpt-4", "gpu_hours_total", "low", "70e6")
    message = _problems(data_copy)
    assert "row=gpt-4), column low, high: an estimate needs its range: both bounds, low < high" in message
    _edit_provenance(data_copy / "provenance.csv", "gpt-4", "gpu_hours_total", "low", "58e6")
    assert "training_runs.csv's gpu_hours_total 5.7e+07 lies outside its range 5.8e+07-6e+07" in _problems(data_copy)


def test_estimated_input_without_a_range_is_rejected(data_copy):
    path = data_copy / "inference_inputs.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[(frame["input"] == "batch_size") & (frame["bound"] == "high"), "value"] = "8"
    frame.loc[(frame["input"] == "batch_size") & (frame["bound"] == "central"), "value"] = "8"
    frame.to_csv(path, index=False)
    assert "input batch_size (first at row 10, line 11), column value: an estimate needs its range, low < high; got 8 and 8" in _problems(data_copy)


def test_reported_value_cited_to_an_aggregator_is_rejected(data_copy):
    _edit_provenance(data_copy / "provenance.csv", "llama-3.1-405b", "training_flop", "source", "epoch2025models")
    line = _provenance_line(data_copy, "llama-3.1-405b", "training_flop")
    assert (f"data/provenance.csv: row {line - 1} (line {line}, row=llama-3.1-405b), column source: 'epoch2025models' is an aggregator "
            "(marked in data/references.bib); a reported value must cite the party that reported it") in _problems(data_copy)


def test_aggregators_are_marked_once_in_the_bibliography():
    assert data.aggregator_keys(data.DATA_DIR / "references.bib") == {"epoch2025models", "epoch2025largescale"}


def test_no_reported_value_cites_an_aggregator(dataset):
    aggregators = data.aggregator_keys(data.DATA_DIR / "references.bib")
    for name in dataset.table_names:
        frame = getattr(dataset, name)
        if {"kind", "source"} <= set(frame.columns):
            cited = frame[(frame["kind"] == "reported") & frame["source"].isin(aggregators)]
            assert cited.empty, (name, cited.to_dict("records"))


def test_every_numeric_estimate_has_a_range_that_holds_its_value(dataset):
    prov = dataset.provenance
    numeric = {c for c in dataset.training_runs.columns if dataset.training_runs[c].dtype.kind == "f"} | set(dataset.hardware.columns) - {"accelerator", "name", "note"}
    for r in prov[prov["kind"] == "estimate"].itertuples():
        if r.column not in numeric:
            continue
        value = getattr(dataset, r.table).loc[r.row, r.column]
        assert r.low < r.high and r.low <= value <= r.high, (r.table, r.row, r.column)


def test_spend_rows_each_carry_only_their_own_sources_numbers(dataset):
    spend = dataset.spend_estimates.set_index("estimate_id")
    # CNBC: 'well higher than $500M', a floor and nothing above it.
    cnbc = spend.loc["deepseek-hardware-spend"]
    assert cnbc["source"] == "cnbc2025semianalysis" and cnbc["low_usd"] == 500e6 and pd.isna(cnbc["high_usd"])
    # Tom's Hardware: the $1.6B server capex, with no range of its own.
    capex = spend.loc["deepseek-server-capex"]
    assert capex["source"] == "tomshardware2025deepseek" and capex["value_usd"] == 1.6e9
    assert pd.isna(capex["low_usd"]) and pd.isna(capex["high_usd"])
    assert not spend["note"].str.contains("next row|previous row|same firm", regex=True).any()


def test_grid_intensity_is_in_co2_equivalent(dataset):
    assert "g_co2eq_per_kwh" in dataset.grid_intensity.columns
    assert dataset.grid_intensity.set_index("region").loc["world", "g_co2eq_per_kwh"] == 436


def test_de_vries_token_assumption_is_cited_to_epoch(dataset):
    row = dataset.published_energy.loc["devries-2023-chatgpt"]
    assert "token" not in row["boundary"]  # de Vries's text does not give the tokens per request
    assert "you2025chatgpt" in row["note"] and "4000 input tokens and 2000 output tokens" in row["note"]


def test_karpathy_citation_points_to_the_post():
    bib = (data.DATA_DIR / "references.bib").read_text(encoding="utf-8")
    entry = bib[bib.index("@misc{karpathy2024post"):].split("\n}\n", 1)[0]
    assert "url = {https://x.com/karpathy/status/1872362712958906460}" in entry


def test_all_problems_are_reported_at_once(data_copy):
    _edit(data_copy / "training_runs.csv", "deepseek-v3", "params_total", "-1")
    _edit(data_copy / "training_runs.csv", "llama-3.1-8b", "training_tokens", "lots")
    message = _problems(data_copy)
    assert "deepseek-v3), column params_total" in message and "llama-3.1-8b), column training_tokens" in message


def test_problems_in_several_files_and_rules_are_reported_at_once(data_copy):
    _edit(data_copy / "hardware.csv", "a100-sxm-80gb", "board_power_w", "lots")
    _edit_provenance(data_copy / "provenance.csv", "gpt-4", "training_flop", "low", "")
    _edit(data_copy / "arena.csv", "deepseek-v3", "rank", "0")
    message = _problems(data_copy)
    assert "hardware.csv: row 5 (line 6, accelerator=a100-sxm-80gb), column board_power_w: 'lots' is not a finite number" in message
    assert "row=gpt-4), column low, high: an estimate needs its range" in message
    assert "arena.csv: row 1 (line 2, run_id=deepseek-v3), column rank: 0 is out of range; allowed: >= 1" in message


# ---- training rows say what their sources say ----


def _source(dataset, row, column):
    return dataset.source_of("training_runs", row, column)


def test_nemotron_compute_is_six_n_d_from_nvidias_own_report(dataset):
    run = dataset.run("nemotron-4-340b")
    # NVIDIA (arXiv 2406.11704): 340B parameters, 9T tokens, 768 DGX H100 nodes of 8 GPUs.
    assert (run["params_active"], run["training_tokens"], run["accelerator_count"]) == (340e9, 9e12, 768 * 8)
    assert run["training_flop"] == pytest.approx(6 * 340e9 * 9e12)
    assert pd.isna(run["training_flop_low"]) and pd.isna(run["training_flop_high"])  # no invented band
    flop = _source(dataset, "nemotron-4-340b", "training_flop")
    assert (flop["source"], flop["kind"]) == ("nvidia2024nemotron4", "derived")
    sources = dataset.provenance[dataset.provenance["row"] == "nemotron-4-340b"]["source"]
    assert set(sources) == {"nvidia2024nemotron4"}


@pytest.mark.parametrize("run_id", ["llama-3.1-70b", "llama-3.1-8b"])
def test_llama_flop_is_epochs_large_scale_geometric_mean_of_its_bounds(dataset, run_id):
    run = dataset.run(run_id)
    flop = _source(dataset, run_id, "training_flop")
    assert flop["source"] == "epoch2025largescale" and flop["kind"] == "estimate"
    assert "Large-Scale" in data.DATA_DIR.joinpath("references.bib").read_text(encoding="utf-8")
    # The bounds are the two inputs of Epoch's geometric mean, and the note says they are not Epoch's interval.
    assert (run["training_flop_low"] * run["training_flop_high"]) ** 0.5 == pytest.approx(run["training_flop"], rel=1e-3)
    assert "not an interval Epoch states" in flop["note"]


def test_gpt4_hardware_is_the_40gb_a100_and_its_hours_and_gpus_have_ranges(dataset):
    gpt4 = dataset.run("gpt-4")
    assert gpt4["accelerator"] == "a100-sxm-40gb"
    a100 = dataset.accelerator("a100-sxm-40gb")
    assert (a100["memory_bytes"], a100["memory_bandwidth_bytes_per_s"], a100["board_power_w"]) == (40e9, 1.555e12, 400)
    # 25,000 GPUs x 90-100 days x 24 h (SemiAnalysis's conjecture as recorded by Epoch AI).
    assert (gpt4["gpu_hours_total_low"], gpt4["gpu_hours_total_high"]) == (25_000 * 90 * 24, 25_000 * 100 * 24)
    assert gpt4["accelerator_count_low"] < gpt4["accelerator_count"] < gpt4["accelerator_count_high"]
    for column in ("gpu_hours_total", "accelerator_count"):
        assert _source(dataset, "gpt-4", column)["kind"] == "estimate"


def test_every_h800_value_is_an_estimate_with_a_range(dataset):
    h800 = dataset.accelerator("h800-sxm")
    for column in ("peak_bf16_dense_flop_per_s", "peak_fp8_dense_flop_per_s", "board_power_w", "memory_bandwidth_bytes_per_s"):
        prov = dataset.source_of("hardware", "h800-sxm", column)
        assert prov["kind"] == "estimate" and prov["low"] < h800[column] <= prov["high"], column
        assert h800[column] == dataset.accelerator("h100-sxm")[column]  # the central value is still the H100 SXM's


# ---- inference inputs ----


def _bounds(dataset, name):
    rows = dataset.inference_inputs[dataset.inference_inputs["input"] == name]
    return {r.bound: r for r in rows.itertuples()}


def test_each_batch_size_bound_is_found_in_its_locator_or_note(dataset):
    for bound, row in _bounds(dataset, "batch_size").items():
        value = f"{row.value:g}"
        assert row.kind == "estimate", bound
        assert value in row.locator or f"batching {value}" in row.note or f"size of {value}" in row.note, bound


def test_host_overhead_follows_googles_table_1_without_a_pue(dataset):
    b = _bounds(dataset, "host_overhead_factor")
    # Elsworth et al. 2025, Table 1 (Wh per median prompt): accelerators 0.14, host CPU and DRAM 0.06, idle 0.02;
    # accelerators alone in the most efficient data centres 0.10.
    assert b["low"].value == pytest.approx((0.14 + 0.06) / 0.14, abs=0.005)
    assert b["central"].value == pytest.approx((0.14 + 0.06 + 0.02) / 0.14, abs=0.005)
    assert b["high"].value == pytest.approx((0.14 + 0.06 + 0.02) / 0.10, abs=0.005)
    # The default power is a GPU-only rating, so even the low end adds the host.
    assert b["low"].value > 1
    # No PUE enters the derivation: the serving_pue rows are the one place a PUE (and its year) is chosen.
    assert not any("PUE 1.09" in r.note for r in b.values())
    reported_pues = [r for r in _bounds(dataset, "serving_pue").values() if r.kind == "reported"]
    assert reported_pues and all("2023" in r.locator for r in reported_pues)


# ---- constants that duplicate data are tied to it ----


def _data_value(dataset, table, row, column):
    if table == "inference_inputs":
        rows = dataset.inference_inputs
        return float(rows[(rows["input"] == row) & (rows["bound"] == column)]["value"].iloc[0])
    return float(getattr(dataset, table).set_index(getattr(dataset, table).columns[0]).loc[row, column])


# The inference inputs' central values are tied to their parameters in tests/test_inference_claims.py.
DUPLICATED = [
    ("price_usd_per_gpu_hour", "training_runs", "deepseek-v3", "cost_price_usd_per_gpu_hour"),
    ("pue", "inference_inputs", "serving_pue", "low"),  # Google's 2023 fleet average, the same figure in both chapters
    ("grid_intensity_g_per_kwh", "grid_intensity", "world", "g_co2eq_per_kwh"),
    ("power_per_accelerator_w", "hardware", "h100-sxm", "board_power_w"),
]


@pytest.mark.parametrize("name, table, row, column", DUPLICATED, ids=[d[0] for d in DUPLICATED])
def test_parameter_default_equals_the_data_it_repeats(dataset, name, table, row, column):
    from analysis import params

    assert params.PARAMETERS[name].default == pytest.approx(_data_value(dataset, table, row, column))


def test_network_trend_constants_equal_the_aslan_row(dataset):
    from analysis import inference as inf

    trend = dataset.network_intensity.loc["aslan-2015"]
    assert (inf.ASLAN_BASE_YEAR, inf.ASLAN_BASE_KWH_PER_GB, inf.ASLAN_HALVING_YEARS) == (trend["year"], trend["kwh_per_gb"], trend["halving_years"])


def test_chart_expressions_take_flop_per_parameter_from_the_package():
    import re

    from analysis import charts, training as tr

    for expression in (charts.TRAINING_COST_EXPR, charts.COMPUTE_SHARE_EXPR):
        literals = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?:e\d+)?(?![\w.])", expression))
        assert literals <= {"100"}, expression  # 100 turns a fraction into a percentage
    assert charts.EXPRESSION_CONSTANTS == {"training_flop_per_param_per_token": tr.TRAINING_FLOP_PER_PARAM_PER_TOKEN}


def test_bibliography_parses_strictly_and_matches_the_keys_the_loader_reads():
    from pybtex.database import parse_file

    bib = data.DATA_DIR / "references.bib"
    entries = parse_file(str(bib), bib_format="bibtex").entries
    assert set(entries) == data.citation_keys(bib)
    assert {k for k, e in entries.items() if "aggregator" in e.fields.get("keywords", "")} == data.aggregator_keys(bib)
