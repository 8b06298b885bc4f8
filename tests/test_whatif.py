"""The training what-if chart computes in the browser with the package's own formulas (the serving what-if: tests/test_serving_chapter.py)."""

import pytest

from analysis import charts, training as tr, training_analysis as ta


@pytest.mark.parametrize("price", [0.5, 2.0, 4.0, 9.5])
def test_cost_expression_matches_the_package(dataset, defaults, price):
    inputs = ta.whatif_inputs(dataset, defaults)
    page = charts.evaluate(charts.TRAINING_COST_EXPR, {"price_usd_per_gpu_hour": price}, gpu_hours=inputs["gpu_hours"])
    assert page == pytest.approx(float(tr.cost_usd(2.788e6, price)))


@pytest.mark.parametrize("active", [5e9, 37e9, 150e9])
def test_share_expression_matches_the_package(dataset, defaults, active):
    inputs = ta.whatif_inputs(dataset, defaults)
    page = charts.evaluate(charts.COMPUTE_SHARE_EXPR, {"active_params": active}, run_tokens=inputs["run_tokens"], reference_flop=inputs["reference_flop"])
    expected = 100 * tr.ratio(tr.dense_training_flop(active, 14.8e12), tr.dense_training_flop(405e9, 15.6e12))
    assert page == pytest.approx(float(expected))
