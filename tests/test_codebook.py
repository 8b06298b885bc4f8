"""Every column of a run's results.json and of a sweep's CSV is described (name, unit, meaning), and every description is used."""

import csv
import io
import json

import pytest

from analysis.build import codebook, execution, runs, sweep
from analysis import params as P
from analysis.results import glued_values

CHAPTERS = ("training_compute", "inference_vs_search", "index")


@pytest.fixture(scope="module")
def glued():
    """What each notebook glues at the defaults: name -> value."""
    return {name: glued_values(execution.cached_execute(name, {})[0]) for name in CHAPTERS}


def _read(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("notebook", CHAPTERS)
def test_every_glued_value_has_a_unit_and_a_meaning(glued, notebook):
    rows = codebook.entries(notebook, glued[notebook])
    assert [r["name"] for r in rows] == list(glued[notebook])
    assert all(r["unit"] and r["meaning"] for r in rows)


def test_the_declarations_name_only_what_is_emitted(glued):
    emitted = set().union(*(set(v) for v in glued.values()))
    assert set(codebook.UNITS_BY_NAME) - emitted == set()
    assert set(codebook.MEANINGS) - emitted == set()


def test_units_follow_the_names_and_the_parameters(glued):
    rows = {r["name"]: r for r in codebook.entries("training_compute", glued["training_compute"])}
    assert rows["run_cost_musd"]["unit"] == "million US dollars"
    assert rows["run_energy_gwh"]["unit"] == "GWh" and rows["run_emissions_t"]["unit"] == "t CO2eq"
    assert rows["price_usd_per_gpu_hour"]["unit"] == P.PARAMETERS["price_usd_per_gpu_hour"].unit
    assert "[run_cost_musd] million dollars" in rows["run_cost_musd"]["meaning"]  # the chapter's own sentence


def test_an_undescribed_column_is_named():
    with pytest.raises(KeyError, match="no_such_number"):
        codebook.entries("training_compute", {"no_such_number": 1.0})


def test_a_runs_codebook_describes_every_key_of_its_results(tmp_path):
    out = runs.run("training_compute", {"price_usd_per_gpu_hour": 2.5}, tmp_path / "run")
    results = json.loads((out / "results.json").read_text())
    names = [r["name"] for r in _read((out / "codebook.csv").read_text())]
    expected = list(results) + [f"results.{k}" for k in results["results"]] + [f"claims[].{k}" for k in results["claims"][0]]
    assert sorted(names) == sorted(expected)


def test_a_sweeps_codebook_describes_every_column_in_order(tmp_path):
    out = tmp_path / "sweep.csv"
    sweep.sweep("training_compute", {"price_usd_per_gpu_hour": [2.0, 3.0]}, out, jobs=1)
    header = next(csv.reader(out.open()))
    rows = _read(sweep.codebook_path(out).read_text())
    assert [r["name"] for r in rows] == header
    assert {r["name"]: r["unit"] for r in rows}["run_cost_musd"] == "million US dollars"
