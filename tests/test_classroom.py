"""The lesson: which models the pairs task can succeed with, the editions to pre-build, the teacher's page."""

import json
from pathlib import Path

import pytest

from analysis import charts, classroom, inference_analysis as ia, params as P

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reach(dataset, defaults):
    claim = dataset.claims.loc["inference.llm_request_energy.frontier"]
    return classroom.reachable_request_energy(ia.whatif_constants(dataset, defaults), ia.whatif_models(dataset, defaults),
                                              claim["claimed_low"], claim["claimed_high"], defaults["output_tokens"]).set_index("model")


def test_the_frontier_models_lowest_request_at_500_tokens_is_worked_by_hand(reach):
    frontier = reach.loc[[m for m in reach.index if m.startswith("Frontier")][0]]
    # Utilization 0.6, PUE 1, batch 256 (the sliders' best ends), 100e9 active parameters, H100 (989.4 TFLOP/s, 3.35 TB/s):
    # compute 2 x 100e9 x (37.5 + 500) / (989.4e12 x 0.6) = 0.18110 s; memory 500 x 100e9 x 2 / 3.35e12 / 256 = 0.11660 s;
    # the larger, 0.18110 s, x 700 W x 0.7 x 1.57 x PUE 1.0 = 139.3 J: above 100 J, so the pairs task cannot succeed.
    assert frontier["lowest_j"] == pytest.approx(139.31, rel=1e-3)
    assert frontier["lowest_setting"] == {"utilization": 0.6, "serving_pue": 1.0, "batch_size": 256}
    assert not frontier["reaches"]
    assert frontier["longest_answer_tokens"] == 300  # at 300 tokens: 2e11 x 337.5 / 5.936e14 x 769.3 = 87.5 J


def test_a_gpt2_sized_model_can_reach_the_band_and_the_sentence_says_which_cannot(reach, dataset):
    assert reach.loc[[m for m in reach.index if m.startswith("GPT-2")][0], "reaches"]
    sentence = classroom.pairs_task_sentence(reach.reset_index(), 10, 100)
    assert "for GPT-2-sized" in sentence and "not for Frontier" in sentence and "139 J" in sentence


def test_the_reach_uses_the_charts_own_slider_ranges():
    spec = charts.whatif_request_energy({"utilization": 0.1, "serving_pue": 1.2, "batch_size": 8, "prompt_tokens": 1.0}, 10, 100, {"m": 1e9}).to_dict()
    bound = {p["name"]: p["bind"] for p in spec["params"] if "bind" in p and p["bind"].get("input") == "range"}
    for name, limits in charts.REQUEST_SLIDERS.items():
        assert {k: bound[name][k] for k in limits} == limits


def test_every_classroom_experiment_without_a_slider_is_a_valid_edition():
    sliders = set(charts.REQUEST_SLIDERS) | {"price", "active_b"}
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
    assert "classroom:" in make and "-m analysis.editions" in make


def test_make_classroom_builds_one_student_edition_per_experiment(monkeypatch, capsys):
    from analysis import book

    built = []
    monkeypatch.setattr(book, "build_edition", lambda values, scenario, jobs=0, edition="default": built.append((values, edition)))
    from analysis import editions

    assert editions.main([]) == 0
    assert built == [(v, "student") for v in classroom.experiment_editions()]
    printed = capsys.readouterr().out
    assert printed.count("python -m http.server --directory _build/scenarios/") == len(built)
