"""The lesson: which models the pairs task can succeed with, the editions to pre-build, the teacher's page."""

import json
from pathlib import Path

import pytest

from analysis import charts, classroom, params as P

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def grid(dataset, defaults):
    from analysis import serving_chapter as sc

    return sc.whatif_grid(dataset, defaults)


@pytest.fixture(scope="module")
def reach(dataset, defaults, grid):
    claim = dataset.claims.loc["inference.llm_request_energy.frontier"]
    return classroom.reachable_request_energy(grid, claim["claimed_low"], claim["claimed_high"], defaults["output_tokens"]).set_index("model")


def test_each_models_reach_is_read_from_the_charts_own_grid(reach, grid):
    # The lowest and highest request the chart can show at 500 output tokens, for each model, straight from its data.
    at = grid[grid["output_tokens"] == 500]
    for model, row in reach.iterrows():
        mine = at[at["model"] == model]["energy_j"]
        assert (row["lowest_j"], row["highest_j"]) == (mine.min(), mine.max())
        assert row["reaches"] == bool(((mine >= 10) & (mine <= 100)).any())
        # More facility overhead never costs less: the cheapest setting is at the slider's lowest PUE.
        assert row["lowest_setting"]["pue"] == grid["pue"].min()
        inside = grid[(grid["model"] == model) & grid["energy_j"].between(10, 100)]["output_tokens"]
        assert row["longest_answer_tokens"] == (int(inside.max()) if len(inside) else None)


def test_the_frontier_model_cannot_reach_the_band_and_the_sentence_says_so(reach):
    frontier = reach.loc[[m for m in reach.index if m.startswith("Frontier")][0]]
    assert frontier["lowest_j"] > 100 and not frontier["reaches"]
    sentence = classroom.pairs_task_sentence(reach.reset_index(), 10, 100)
    assert "not for Frontier" in sentence
    assert f"its lowest is {classroom.format_quantity(frontier['lowest_j'], 'J')}" in sentence
    for model, row in reach.iterrows():
        assert (f"not for {model}" in sentence) == (not row["reaches"])


def test_the_reach_uses_the_charts_own_data(grid):
    spec = charts.whatif_serving_energy(grid, {"pue": 1.2, "batch_log2": 6}, 10, 100).to_dict()
    rows = [r for values in spec["datasets"].values() for r in values if "energy_j" in r and "model" in r]
    assert len(rows) == len(grid)
    assert sorted(r["energy_j"] for r in rows) == sorted(grid["energy_j"])


def test_every_classroom_experiment_without_a_slider_is_a_valid_edition():
    sliders = {"serving_pue", "batch_log2", "model", "pue", "batch_size", "output_tokens", "price", "active_b"}
    for values in classroom.experiment_editions():
        P.validate(values)
        assert not set(values) & sliders
    assert {name for v in classroom.experiment_editions() for name in v} == {"deepseek_stages", "grid_intensity_g_per_kwh", "network_year"}


def test_the_teachers_page_prepares_the_lesson():
    page = (ROOT / "book" / "teachers.md").read_text(encoding="utf-8")
    section = page.split("## Preparing the lesson", 1)[1].split("\n## ", 1)[0]
    for heading in ("What to print", "Which devices students need", "Parameters without a slider", "The pairs task",
                    "Notes and model answers for the discussion questions", "Exit ticket"):
        assert f"### {heading}" in section
    assert "make classroom" in section and "**Re-run**" in section and "make handouts" in section
    for name in ("claims-ledger.pdf", "training_compute-worksheet.pdf", "inference_vs_search-answer-key.pdf"):
        assert name in section
    assert "{glue:text}`inference_vs_search.ipynb::pairs_task_text:s`" in section
    cells = json.loads((ROOT / "book" / "inference_vs_search.ipynb").read_text(encoding="utf-8"))["cells"]
    assert any('glue("pairs_task_text"' in "".join(c["source"]) for c in cells)
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "classroom:" in make and "-m analysis.build.editions" in make


def test_make_classroom_builds_one_student_edition_per_experiment(monkeypatch, capsys):
    from analysis.build import editions

    built = []
    monkeypatch.setattr(editions, "build_edition", lambda values, scenario, jobs=0, edition="default": built.append((values, edition)))
    assert editions.main([]) == 0
    assert built == [(v, "student") for v in classroom.experiment_editions()]
    printed = capsys.readouterr().out
    assert printed.count("python -m http.server --directory _build/scenarios/") == len(built)
