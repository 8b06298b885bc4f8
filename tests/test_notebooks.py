"""Notebooks through papermill: defaults, a changed parameter, and a failing run that loses nothing."""

import json
import math
from pathlib import Path

import pytest

from analysis.build import execution, project
from analysis.results import glued_values

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def training_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    default = out / "default.ipynb"
    dearer = out / "price4.ipynb"
    execution.execute("training_compute", {}, default)
    execution.execute("training_compute", {"price_usd_per_gpu_hour": 4}, dearer)
    return glued_values(default), glued_values(dearer)


def test_defaults_reproduce_the_hand_worked_numbers(training_runs):
    default, _ = training_runs
    assert default["share_gpu_hours"] == pytest.approx(9.04, abs=0.005)
    assert default["run_cost_musd"] == pytest.approx(5.576)
    assert default["run_days_pre_training"] == pytest.approx(54.2, abs=0.05)
    assert "holds" in default["verdict_compute_share"]


def test_doubling_the_price_doubles_the_cost_and_nothing_else(training_runs):
    default, dearer = training_runs
    assert set(default) == set(dearer)
    money = {"price_usd_per_gpu_hour", "run_cost_musd", "ref_cost_musd"}
    for name in money:
        assert dearer[name] == pytest.approx(2 * default[name]), name
    assert "understates" in dearer["verdict_cost"] and "holds" in default["verdict_cost"]
    for name, value in default.items():
        # The cost verdict, and the exercise that counts verdicts changed by another setting, follow the price too.
        if name in money or name in ("verdict_cost", "ex_training_stages_changed"):
            continue
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(dearer[name]), name
        else:
            assert dearer[name] == value, name


def test_no_cell_errors_and_injected_cell_hidden(tmp_path):
    out = tmp_path / "index.ipynb"
    execution.execute("index", {"pue": 1.3}, out)
    nb = json.loads(out.read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "remove-cell" in injected[0]["metadata"]["tags"]
    assert not any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))


def test_a_failing_run_keeps_the_previous_good_output(tmp_path):
    out = tmp_path / "training.ipynb"
    execution.execute("training_compute", {}, out)
    good = out.read_bytes()
    # An empty stage list passes papermill but fails the notebook's own validation cell.
    with pytest.raises(project.BuildError, match="execution failed"):
        execution.execute("training_compute", {"deepseek_stages": []}, out)
    assert out.read_bytes() == good
    assert not list(tmp_path.glob(".*partial*"))


def test_inference_chapter_responds_to_its_parameters(tmp_path):
    base, longer = tmp_path / "base.ipynb", tmp_path / "long.ipynb"
    execution.execute("inference_vs_search", {"samples": 2000}, base)
    execution.execute("inference_vs_search", {"samples": 2000, "output_tokens": 1500}, longer)
    a, b = glued_values(base), glued_values(longer)
    for model in ("gpt2", "gpt3", "frontier"):
        assert b[f"{model}_j"] > a[f"{model}_j"]  # longer answers never cost less
    assert b["search_j"] == a["search_j"]  # a search does not depend on the LLM's answer length
    # Epoch AI's baseline, computed inside the chapter from its scenario file: about 0.30 Wh
    assert a["epoch_scenario_wh"] == pytest.approx(0.30, rel=0.02)
    assert "understates" in a["verdict_llm_request_energy.gpt3"]
