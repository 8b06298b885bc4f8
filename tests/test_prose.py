"""Words that follow the numbers: every generated sentence agrees with the numbers it describes.

The checks below re-derive each sentence's quantifier or comparison on their own
(from the chapter's numbers and the data, not from the sentence functions) and
compare. They run in-process over many parameter sets, and on the executed
notebooks under every shipped scenario and a few extreme parameter sets.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from analysis import prose
from analysis.build import editions, execution
from analysis import inference_analysis as ia
from analysis import params as P
from analysis import training_analysis as ta
from analysis.results import glued_values
from analysis.scenarios import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "data" / "scenarios").glob("*.yml"))
TWO_MONTHS_DAYS = 2 * 365.25 / 12


# ---- the small helpers ------------------------------------------------------------------------


@pytest.mark.parametrize("count, total, expected", [
    (4, 4, "all 4 bases"), (0, 4, "none of the 4 bases"), (3, 4, "3 of the 4 bases"), (1, 4, "1 of the 4 bases"),
    (2, 2, "both bases"), (0, 2, "neither of the 2 bases"), (1, 1, "all 1 bases"),
])
def test_how_many_says_exactly_how_many(count, total, expected):
    assert prose.how_many(count, total, "bases") == expected


def test_how_many_refuses_a_count_outside_the_total():
    with pytest.raises(ValueError, match="count: 5 must lie between 0 and total"):
        prose.how_many(5, 4, "bases")


def test_assumptions_phrase_says_default_only_when_nothing_changed():
    defaults = P.defaults()
    assert prose.assumptions_phrase(dict(defaults), defaults) == "under the default assumptions"
    changed = prose.assumptions_phrase({**defaults, "pue": 1.3, "batch_size": 8}, defaults)
    assert "default assumptions" not in changed and "`pue`" in changed and "`batch_size`" in changed
    # the same value written differently (an int for a float) is not a change
    assert prose.assumptions_phrase({**defaults, "pue": 1.1, "batch_size": 64.0}, defaults) == "under the default assumptions"


def test_position_of_an_interval_against_a_claim():
    assert prose.position(200, 900, 10, 100) == "above"
    assert prose.position(1, 5, 10, 100) == "below"
    assert prose.position(20, 90, 10, 100) == "inside"
    assert prose.position(50, 500, 10, 100) == "overlapping"


# ---- independent checks of each chapter's generated words -------------------------------------


def _claim(dataset, claim_id):
    row = dataset.claims.loc[claim_id]
    return float(row["claimed_low"]), float(row["claimed_high"])


def _quantifier(count: int, total: int) -> str:
    return "all" if count == total else "none of the" if count == 0 else f"{count} of the"


def check_training_words(texts: dict, numbers: dict, params: dict, dataset) -> None:
    """Every generated sentence of the training chapter against the chapter's own numbers."""
    shares = [numbers[k] for k in ("share_gpu_hours", "share_6nd", "share_6nd_vs_reported", "share_per_token")]
    low, high = _claim(dataset, "training.compute_share")
    inside = sum(low <= s <= high for s in shares)
    assert texts["share_bases_in_claim"].startswith(_quantifier(inside, len(shares))), texts["share_bases_in_claim"]
    ratios = ta.compute_share_bases(dataset, params, "deepseek-v3", "llama-3.1-405b")["ratio"]
    assert ratios["gpu_hours"] == pytest.approx(numbers["ratio_gpu_hours"])
    low, high = _claim(dataset, "training.compute_ratio")
    inside = int(((ratios >= low) & (ratios <= high)).sum())
    assert texts["ratio_bases_in_claim"].startswith(_quantifier(inside, len(ratios))), texts["ratio_bases_in_claim"]
    for key in ("share_bases_in_claim", "ratio_bases_in_claim"):
        assert "every" not in texts[key]
    every_stage = set(params["deepseek_stages"]) == {"pre_training", "context_extension", "post_training"}
    assert (texts["stages_counted"] == "every stage") == every_stage
    both_under = numbers["run_days"] <= TWO_MONTHS_DAYS and numbers["run_days_pre_training"] <= TWO_MONTHS_DAYS
    assert texts["duration_vs_two_months"].startswith("Both are under") == both_under
    a, b = numbers["ref_utilization_bf16_pct"], numbers["run_utilization_bf16_pct"]
    assert ("about the same" in texts["utilization_comparison"]) == (abs(a - b) <= 0.1 * max(a, b))
    share = math.log(numbers["factor_active_params"]) / math.log(numbers["factor_product"])
    assert texts["gap_main_factor"].startswith("almost all") == (0.9 <= share <= 1.1)
    world = dataset.grid_intensity.set_index("region").loc["world"]
    is_world = numbers["grid_intensity_g_per_kwh"] == float(world["g_co2eq_per_kwh"])
    assert texts["grid_intensity_source"].startswith("the world average") == is_world


def check_inference_words(texts: dict, numbers: dict, params: dict, dataset) -> None:
    """Every generated sentence of the inference chapter against the chapter's own numbers."""
    low, high = _claim(dataset, "inference.llm_request_energy.frontier")
    hw = dataset.accelerator(params["accelerator"])
    assert texts["accelerator_name"] == hw["name"]
    epoch = load_scenario(ROOT / "data" / "scenarios" / "epoch-2025.yml")["parameters"]
    assert (texts["output_tokens_vs_epoch"] == "as Epoch AI does") == (numbers["output_tokens"] == epoch["output_tokens"])
    batch = int(numbers["batch_size"])
    assert (("alone" in texts["gpt3_batch_sentence"]) == (batch == 1))
    assert texts["gpt3_batch_sentence"].endswith(f"{texts['gpt3_bound']}-bound")
    assert ("no factor" in texts["host_overhead_phrase"]) == (numbers["host_overhead_factor"] == 1 or numbers["power_covers_host"] == 1)
    # how accelerator time becomes energy: the serving model's idle + load share, or Epoch AI's power fraction
    roofline = params.get("serving_method", "roofline") == "roofline"
    assert ("idle" in texts["power_sentence"]) == roofline and ("Epoch AI's method" in texts["power_sentence"]) == (not roofline)
    assert texts["method_used"].startswith("This page costs every request by the serving model") == roofline
    assert ("This edition costs every request by Epoch AI's method" in texts["method_used"]) == (not roofline)
    if roofline:
        assert prose.number(numbers["rated_power_w"], "W") in texts["power_sentence"]
        assert numbers["idle_power_w"] < numbers["gpt3_mean_power_w"] <= numbers["rated_power_w"]
    # the two methods on the same request: the ratio is time × power, and the larger factor is named
    assert numbers["roofline_over_epoch"] == pytest.approx(numbers["roofline_over_epoch_time"] * numbers["roofline_over_epoch_power"])
    assert numbers["roofline_method_j"] / numbers["epoch_method_j"] == pytest.approx(numbers["roofline_over_epoch"])
    assert f"{numbers['roofline_over_epoch']:.2g} times the energy" in texts["method_difference"]
    time_larger = abs(math.log(numbers["roofline_over_epoch_time"])) >= abs(math.log(numbers["roofline_over_epoch_power"]))
    assert texts["method_difference"].endswith("the accelerator time" if time_larger else "the power")
    for model, label in (("gpt3", "GPT-3-sized"), ("frontier", "frontier")):
        part = texts["request_intervals_vs_claim"].split(f"the {label} request's interval")[1].split(";")[0]
        assert ("entirely above" in part) == (numbers[f"{model}_low_j"] > high), part
        assert ("entirely below" in part) == (numbers[f"{model}_high_j"] < low), part
    published_wh = float(ia.published_table(dataset).loc["epoch-2025-gpt4o", "energy_wh"])
    reproduces = abs(numbers["epoch_scenario_wh"] - published_wh) <= 0.05 * published_wh
    assert texts["epoch_reproduces"].startswith("reproducing") == reproduces
    chosen = ia.published_table(dataset).loc[list(params["search_estimates"])]
    for year in chosen["year"]:
        assert str(int(year)) in texts["search_choice"] and str(int(year)) in texts["search_limitation"]
    assert ("one figure alone" in texts["search_choice"]) == (len(chosen) == 1)
    newest = chosen.sort_values("year").iloc[-1]
    assert texts["search_short"].startswith(f"A web search is put at {prose.number(newest['energy_j'], 'J')} by {newest['subject']}")
    assert ("the only figure" in texts["search_short"]) == (len(chosen) == 1)
    for row in chosen.itertuples():
        assert f"{row.subject} ({int(row.year)}" in texts["search_short"]
    for year in ia.published_table(dataset).query("service == 'web_search'").drop(chosen.index)["year"]:
        assert str(int(year)) not in texts["search_choice"] + texts["search_limitation"] + texts["search_short"]
    assert texts["llm_vs_search_claimed"] == prose.range_text(*_claim(dataset, "inference.llm_vs_search"), "times")
    sourced = float(dataset.inference_inputs.query("input == 'local_gpu_power_w' and bound == 'central'")["value"].iloc[0])
    assert ("rated at" in texts["local_gpu_power"] and "taken" not in texts["local_gpu_power"]) == (numbers["local_gpu_w"] == sourced)
    # the breakdown: the device named is this page's, and the words follow the shares
    parts = ia.breakdown(dataset, params).set_index(["request", "component"])["energy_j"]
    llm, search = parts.xs("LLM request (frontier)", level="request"), parts.xs("web search", level="request")
    device = params["client_device"].replace("_", " ")
    assert f"The {device} in the reader's hand" in texts["breakdown_sentences"]
    assert all(f"The {d} in" not in texts["breakdown_sentences"] for d in ("phone", "laptop") if d != device)
    network_share = max(llm["network"] / llm.sum(), search["network"] / search.sum())
    assert ("rounding error" in texts["breakdown_sentences"]) == (network_share < 0.01)
    llm_server = llm[["accelerator", "host", "idle", "facility_overhead"]].sum()
    client_share = max(llm["client"] / llm_server, search["client"] / search["servers"])
    assert ("is small next to the servers" in texts["breakdown_sentences"]) == (client_share < 0.1)
    assert numbers["client_j"] == pytest.approx(llm["client"])
    # the sensitivity sentences
    sens = ia.sensitivity(dataset, params)
    named = re.findall(r"`([a-z_]+)`", texts["top_inputs_described"])
    assert named == list(sens["input"].head(3))
    reachers = int((sens[["energy_at_low_j", "energy_at_high_j"]].min(axis=1) <= high).sum())
    assert numbers["lowest_single_input_j"] == pytest.approx(sens[["energy_at_low_j", "energy_at_high_j"]].min(axis=1).min())
    assert ("no input" in texts["single_input"]) == (numbers["lowest_single_input_j"] > high) == (reachers == 0)
    if reachers:
        assert f"{_quantifier(reachers, len(sens)).replace('none of the', '')}" in texts["single_input"]


def check_front_page_words(texts: dict, params: dict) -> None:
    changed = [name for name, value in params.items() if value != P.PARAMETERS[name].default]
    assert ("the default assumptions" in texts["ledger_assumptions"]) == (not changed)
    for name in changed:
        assert f"`{name}`" in texts["ledger_assumptions"]


# Parameter sets chosen to flip the sentences: every shipped scenario, then the ends of the ranges.
def _scenario_sets(notebook: str) -> list[tuple[str, dict]]:
    sets = []
    for path in SCENARIOS:
        scenario = load_scenario(path)
        if scenario["notebook"] == notebook:
            sets.append((path.stem, scenario["parameters"]))
    return sets


INFERENCE_EXTREMES = [
    ("defaults", {}),
    ("batch-1", {"batch_size": 1}),
    ("network-2040", {"network_year": 2040}),
    ("network-2000-laptop", {"network_year": 2000, "client_device": "laptop"}),
    ("pue-limits", {"serving_pue": 1.0, "host_overhead_factor": 1.0}),
    ("pue-top", {"serving_pue": 3.0, "batch_size": 8}),
    ("newest-search-only", {"search_estimates": ["vanderbauwhede-2024-search"], "output_tokens": 1500}),
    ("a100-short", {"accelerator": "a100-sxm-80gb", "output_tokens": 1, "local_gpu_power_w": 300.0}),
    ("huge-batch", {"batch_size": 4096, "utilization": 1.0, "precision": "fp8"}),
    ("epoch-method-huge-batch", {"serving_method": "epoch", "batch_size": 4096, "utilization": 1.0}),
    ("whole-server-power", {"power_per_accelerator_w": 1275.0, "power_scope": "server"}),
]
TRAINING_EXTREMES = [
    ("defaults", {}),
    ("pre-training-cheap", {"deepseek_stages": ["pre_training"], "price_usd_per_gpu_hour": 0.01}),
    ("post-training-dirty", {"deepseek_stages": ["post_training"], "grid_intensity_g_per_kwh": 2000.0, "pue": 3.0}),
    ("clean-pue-1", {"pue": 1.0, "power_fraction": 0.5, "grid_intensity_g_per_kwh": 0.0}),
]


def _inference_sets():
    return INFERENCE_EXTREMES + _scenario_sets("inference_vs_search")


@pytest.mark.parametrize("name, overrides", _inference_sets(), ids=[n for n, _ in _inference_sets()])
def test_inference_words_follow_the_numbers(dataset, name, overrides):
    params = {**P.defaults(), "samples": 2000, **overrides}
    check_inference_words(ia.chapter_texts(dataset, params), ia.chapter_numbers(dataset, params), params, dataset)


@pytest.mark.parametrize("name, overrides", TRAINING_EXTREMES, ids=[n for n, _ in TRAINING_EXTREMES])
def test_training_words_follow_the_numbers(dataset, name, overrides):
    params = {**P.defaults(), **overrides}
    check_training_words(ta.chapter_texts(dataset, params), ta.chapter_numbers(dataset, params), params, dataset)


def test_inference_words_follow_the_numbers_over_random_parameters(dataset):
    """Many random parameter sets, each drawn within the parameters' allowed ranges."""
    rng = np.random.default_rng(11)
    for _ in range(40):
        params = {**P.defaults(), "samples": 500}
        params["batch_size"] = int(rng.choice([1, 2, 8, 64, 512, 4096]))
        params["output_tokens"] = int(rng.choice([1, 50, 269, 500, 1500, 20000]))
        params["utilization"] = float(rng.choice([0.01, 0.1, 0.5, 1.0]))
        params["serving_pue"] = float(rng.choice([1.0, 1.2, 3.0]))
        params["host_overhead_factor"] = float(rng.choice([1.0, 1.57, 5.0]))
        params["network_year"] = int(rng.integers(2000, 2041))
        params["client_device"] = str(rng.choice(["phone", "laptop"]))
        params["client_seconds"] = float(rng.choice([0.1, 10.0, 600.0]))
        params["accelerator"] = str(rng.choice(["h100-sxm", "h200", "a100-sxm-80gb"]))
        params["serving_method"] = str(rng.choice(["roofline", "epoch"]))
        params["frontier_active_params"] = float(rng.choice([1e9, 1e11, 2e12]))
        params["search_estimates"] = [list(s) for s in (["holzle-2009-search"], ["vanderbauwhede-2024-search"],
                                                         ["holzle-2009-search", "vanderbauwhede-2024-search"])][int(rng.integers(3))]
        P.validate({k: v for k, v in params.items() if k in P.for_notebook("inference_vs_search")}, "inference_vs_search")
        check_inference_words(ia.chapter_texts(dataset, params), ia.chapter_numbers(dataset, params), params, dataset)


def test_the_epoch_sentence_lays_the_scenario_over_the_defaults(dataset):
    """Epoch AI's assumptions give Epoch AI's result whatever this page changed (batch_size=8 once made it 1.110 Wh)."""
    default = ia.chapter_numbers(dataset, {**P.defaults(), "samples": 500})["epoch_scenario_wh"]
    for change in ({"batch_size": 8}, {"serving_pue": 3.0}, {"precision": "fp8"}, {"serving_method": "epoch"}):
        assert ia.chapter_numbers(dataset, {**P.defaults(), "samples": 500, **change})["epoch_scenario_wh"] == default
    texts = ia.chapter_texts(dataset, {**P.defaults(), "samples": 500, "batch_size": 8})
    assert texts["epoch_reproduces"].startswith("reproducing")


def test_the_2024_search_figure_is_named_only_as_itself(dataset):
    """Under search-2009 the page once said 'A 2024 re-estimate ... gives 1,080 J' (Google's 2009 figure)."""
    params = {**P.defaults(), **load_scenario(ROOT / "data" / "scenarios" / "search-2009.yml")["parameters"]}
    numbers = ia.chapter_numbers(dataset, params)
    published = ia.published_table(dataset)
    assert numbers["vanderbauwhede_2024_search_j"] == pytest.approx(published.loc["vanderbauwhede-2024-search", "energy_j"])
    assert numbers["holzle_2009_search_j"] == pytest.approx(published.loc["holzle-2009-search", "energy_j"])
    texts = ia.chapter_texts(dataset, params)
    assert "2024" not in texts["search_choice"] and "one figure alone" in texts["search_choice"]
    assert "laptop" in texts["breakdown_sentences"] and "phone" not in texts["breakdown_sentences"]
    assert "rounding error" not in texts["breakdown_sentences"]


def test_no_single_knob_only_when_none_gets_there(dataset):
    """Under efficient-batched-h100 one input alone reaches 92 J; the page once said no single knob gets to 100 J."""
    params = {**P.defaults(), **load_scenario(ROOT / "data" / "scenarios" / "efficient-batched-h100.yml")["parameters"]}
    numbers = ia.chapter_numbers(dataset, params)
    high = _claim(dataset, "inference.llm_request_energy.frontier")[1]
    text = ia.chapter_texts(dataset, params)["single_input"]
    assert ("no input" in text) == (numbers["lowest_single_input_j"] > high)
    if numbers["lowest_single_input_j"] <= high:
        assert prose.number(numbers["lowest_single_input_j"], "J") in text


# ---- the decomposition chart: every bar is the same way round as its axis ----------------------


def test_every_decomposition_factor_is_reference_over_run(dataset):
    params = P.defaults()
    frame = ta.decomposition(dataset, params, "deepseek-v3", "llama-3.1-405b")
    for row in frame.itertuples():
        assert row.ratio == pytest.approx(row.reference_value / row.run_value), row.factor
    table = ta.run_table(dataset, params)
    gpu_hour_ratio = table.loc["llama-3.1-405b", "gpu_hours"] / table.loc["deepseek-v3", "gpu_hours"]
    assert np.prod(frame["ratio"]) == pytest.approx(gpu_hour_ratio)
    from analysis import charts

    spec = charts.decomposition(frame).to_dict()
    titles = [layer["encoding"]["x"].get("title") for layer in spec["layer"] if "title" in layer.get("encoding", {}).get("x", {})]
    assert titles == ["Factor (Llama 3.1 405B ÷ DeepSeek-V3, log scale)"]


# ---- typed sentences that must not come back -----------------------------------------------------

# Phrases whose truth depends on a number: a page may carry them only through a generated glue.
TYPED = {
    "training_compute": ["on every basis", "and so does", "Why about eleven", "hundreds of millions", "the world average for 2022",
                         "when every stage is counted", "full training took", "That is under two months", "almost all of the gap",
                         "about the same fraction"],
    "inference_vs_search": ["an H100 running", "as Epoch AI does", "A 2024 re-estimate", "span of the two", "reproducing their",
                            "rounding error", "a phone", "no input brings", "no single knob", "even the low ends",
                            "how many requests share the hardware", "is rated at", "a sentence or two", "2009 measurement"],
    "index": ["under the default assumptions"],
}
# The cells other parts of the book own and that this check leaves alone: the inference chapter's opening.
NOT_CHECKED: set[tuple[str, int]] = set()


@pytest.mark.parametrize("notebook", sorted(TYPED))
def test_no_number_dependent_phrase_is_typed_into_a_page(notebook):
    cells = json.loads((ROOT / "book" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if (notebook, index) in NOT_CHECKED or cell["cell_type"] != "markdown" and "print(" not in cell["source"]:
            continue
        for phrase in TYPED[notebook]:
            assert phrase not in cell["source"], f"book/{notebook}.ipynb cell {index}: typed {phrase!r}"


# ---- scenario descriptions: a number they type is a sourced figure or what the scenario computes ---

# An energy per request, search or GB (a rate per token, such as ML.ENERGY's J per token, is another quantity).
_NUMBER_WITH_UNIT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(Wh|J|kWh/GB|kWh)\b(?! per token)")


def _tied_values(dataset, scenario: dict) -> dict[str, list[float]]:
    """Every value a scenario's description may quote, by unit: published figures, and the scenario's own results."""
    published = ia.published_table(dataset)
    params = {**P.defaults(), **scenario["parameters"]}
    values: dict[str, list[float]] = {"Wh": list(published["energy_wh"]), "J": list(published["energy_j"]),
                                      "kWh": list(published["energy_j"] / 3.6e6), "kWh/GB": list(dataset.network_intensity["kwh_per_gb"])}
    if scenario["notebook"] == "inference_vs_search":
        for tokens in sorted({params["output_tokens"], *ia.input_ranges(dataset).loc["output_tokens", ["low", "central", "high"]]}):
            energy_j = ia.central_request_energy(dataset, {**params, "output_tokens": tokens})
            values["J"].append(energy_j)
            values["Wh"].append(energy_j / 3600)
        values["kWh/GB"].append(ia.network_intensity_range(dataset, params).central)
    return values


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_descriptions_quote_only_tied_numbers(dataset, path):
    """A number with an energy unit in a description is a published figure or this scenario's own result (to 1 %)."""
    scenario = load_scenario(path)
    tied = _tied_values(dataset, scenario)
    for text, unit in _NUMBER_WITH_UNIT.findall(scenario["description"]):
        value = float(text.replace(",", ""))
        decimals = len(text.split(".")[1]) if "." in text else 0
        # as precise as it is written: 0.3 Wh stands for 0.25-0.35, 1.304 Wh for 1.3035-1.3045 (at least 1 %)
        tolerance = max(0.5 * 10 ** -decimals if decimals else 0.0, 0.01 * value)
        assert any(abs(value - v) <= tolerance for v in tied[unit]), f"{path.name}: {text} {unit} is neither sourced nor computed"


def test_scenario_descriptions_that_say_reproduces_do(dataset):
    for path in SCENARIOS:
        scenario = load_scenario(path)
        if "reproduces" not in scenario["description"]:
            continue
        params = {**P.defaults(), **scenario["parameters"]}
        ours_wh = ia.central_request_energy(dataset, params) / 3600
        quoted = [float(t) for t, unit in _NUMBER_WITH_UNIT.findall(scenario["description"]) if unit == "Wh"]
        assert any(abs(ours_wh - q) <= 0.05 * q for q in quoted), f"{path.name}: {ours_wh:.3f} Wh reproduces none of {quoted}"


# ---- the pages themselves, executed: the glued words against the glued numbers --------------------

def _texts_and_numbers(glued: dict) -> tuple[dict, dict]:
    numbers = {k: v for k, v in glued.items() if isinstance(v, float | int) and not isinstance(v, bool)}
    texts = {k: v for k, v in glued.items() if isinstance(v, str)}
    return texts, numbers


@pytest.mark.slow
def test_executed_pages_say_what_their_numbers_say(dataset, tmp_path):
    """Each chapter executed through papermill under every shipped scenario and the extreme sets above."""
    for name, overrides in _inference_sets():
        params = {**P.defaults(), "samples": 500, **overrides}
        run = {k: v for k, v in {"samples": 500, **overrides}.items()}
        out = tmp_path / f"inference-{name}.ipynb"
        execution.execute("inference_vs_search", run, out)
        texts, numbers = _texts_and_numbers(glued_values(out))
        check_inference_words(texts, numbers, params, dataset)
    for name, overrides in TRAINING_EXTREMES[1:]:
        params = {**P.defaults(), **overrides}
        out = tmp_path / f"training-{name}.ipynb"
        execution.execute("training_compute", overrides, out)
        texts, numbers = _texts_and_numbers(glued_values(out))
        check_training_words(texts, numbers, params, dataset)
    scenario = load_scenario(ROOT / "data" / "scenarios" / "search-2009.yml")["parameters"]
    out = tmp_path / "index.ipynb"
    execution.execute("index", scenario, out)
    texts, _ = _texts_and_numbers(glued_values(out))
    check_front_page_words(texts, {**P.defaults(), **scenario})


# ---- sentences typed from the data (not the parameters): tied here, so a changed row fails a test ----


def test_sentences_typed_from_the_data_still_hold(dataset):
    runs, hw, clusters, claims = dataset.training_runs, dataset.hardware, dataset.clusters, dataset.claims
    ds, llama = runs.loc["deepseek-v3"], runs.loc["llama-3.1-405b"]
    # "Both have the same dense BF16 peak" (H800 and H100); "FP8, whose peak is twice BF16's"
    assert hw.loc["h800-sxm", "peak_bf16_dense_flop_per_s"] == hw.loc["h100-sxm", "peak_bf16_dense_flop_per_s"]
    assert hw.loc["h800-sxm", "peak_fp8_dense_flop_per_s"] == pytest.approx(2 * hw.loc["h800-sxm", "peak_bf16_dense_flop_per_s"], rel=1e-3)
    # '"2.8M" is the total of all three stages rounded'; '"30.8M" is the 405B figure'; the family total is larger
    stages = ["pre_training", "context_extension", "post_training"]
    assert round(ta.gpu_hours_counted(ds, stages) / 1e6, 1) == 2.8
    assert round(llama["gpu_hours_total"] / 1e6, 1) == 30.8
    family = runs[runs["model"].str.startswith("Llama 3.1")]["gpu_hours_total"].sum()
    assert family > llama["gpu_hours_total"]
    # exercise: "with pre-training alone the count falls below the range the claim's rounding allows"
    assert ds["gpu_hours_pre_training"] < claims.loc["training.deepseek_gpu_hours", "claimed_low"]
    # limitations: the per-token basis "gives a higher share" than 6·N·D
    numbers = ta.chapter_numbers(dataset, P.defaults())
    assert numbers["share_per_token"] > numbers["share_6nd"]
    # "The largest clusters being brought up in 2024 were larger still"
    for cluster in ("meta-genai-24k", "xai-colossus"):
        assert clusters.loc[cluster, "gpus"] > llama["accelerator_count"]
        assert clusters.loc[cluster, "date"].year == 2024
    # numbers typed into the exercises' questions
    assert (ds["params_active"], ds["params_total"], ds["training_tokens"]) == (37e9, 671e9, 14.8e12)
    assert round(llama["training_flop"] / 1e25, 1) == 3.8
    assert ds["accelerator_count"] == 2048
    assert llama["emissions_tco2eq"] == 8930
    assert (claims.loc["training.cost", "claimed_low"], claims.loc["training.cost", "claimed_high"]) == (5.5e6, 6.5e6)
    published = ia.published_table(dataset)
    assert round(published.loc["google-2025-gemini-comprehensive", "energy_wh"], 2) == 0.24
    assert dataset.models.loc["gpt2-xl", "params_active"] == 1.5e9
    assert dataset.network_intensity["halving_years"].dropna().tolist() == [2]
    assert claims.loc["inference.network_energy", "claimed_high"] == 0.1


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_front_page_and_the_banner_name_the_same_changes(path):
    """A scenario edition's banner and its front page's sentence list the same changed parameters, and never 'default'."""
    scenario = load_scenario(path)
    banner = editions.edition_banner(scenario["parameters"], {**scenario, "name": path.stem})
    values = P.validate(scenario["parameters"], "index")
    phrase = prose.assumptions_phrase(values, P.defaults())
    in_banner = re.findall(r"<code>([a-z_0-9]+)</code>", banner)
    assert sorted(re.findall(r"`([a-z_0-9]+)`", phrase)) == sorted(in_banner)
    assert bool(in_banner) == ("default assumptions" not in phrase)


# ---- verdict words sit where a noun reads: "the verdict is mixed", never "the claim mixed" -------

_VERDICT_GLUE = re.compile(r"(.{0,40})\{glue:md\}`verdict_[a-z0-9_.]+`")


@pytest.mark.parametrize("notebook", ["index", "training_compute", "inference_vs_search"])
def test_verdicts_are_named_as_verdicts_in_prose(notebook):
    """A glued verdict may be any of the words (holds, understates, overstates, mixed, unverifiable), so the
    sentence around it must read with each of them: it follows "verdict is", "verdict:" or "the verdict"."""
    cells = json.loads((ROOT / "book" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        for before in _VERDICT_GLUE.findall("".join(cell["source"])):
            assert re.search(r"(verdict( on .+)?( is|:)|the verdict)\s*$", before), f"book/{notebook}.ipynb cell {index}: ...{before!r}"
