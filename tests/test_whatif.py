"""The what-if charts compute in the browser with the package's own formulas."""

import itertools

import pytest

from analysis import charts, inference as inf, inference_analysis as ia, training as tr, training_analysis as ta


@pytest.fixture(scope="module")
def constants(dataset, defaults):
    return ia.whatif_constants(dataset, defaults)


@pytest.mark.parametrize(
    "output_tokens, utilization, pue, batch, active",
    list(itertools.product([10, 500, 3000], [0.02, 0.1, 0.5], [1.0, 1.5], [1, 64], [1.5e9, 175e9])),
)
def test_request_energy_expression_matches_the_package(dataset, defaults, constants, output_tokens, utilization, pue, batch, active):
    # The chart's formula is Epoch AI's method with a weights-only memory floor, held to analysis.inference's functions.
    c = {**constants, "utilization": utilization, "serving_pue": pue, "batch_size": batch, "active_params": active}
    seconds = inf.request_accelerator_time_s(active, c["prompt_tokens"], output_tokens, c["peak_flop_per_s"], utilization,
                                             inf.model_weight_bytes(active, c["weight_bytes_per_param"]), c["memory_bandwidth_bytes_per_s"], batch)
    expected = inf.server_energy_j(seconds, c["power_per_accelerator_w"], c["power_fraction_serving"], pue, c["host_overhead_factor"])
    page = charts.evaluate(charts.REQUEST_ENERGY_EXPR, {"output_tokens": output_tokens}, **c)
    assert page == pytest.approx(float(expected), rel=1e-12)


def test_request_energy_at_defaults_is_epochs_method(dataset, defaults, constants):
    # At the defaults the frontier request is compute-bound, so the chart's floor is inactive and it is Epoch AI's method.
    page = charts.evaluate(charts.REQUEST_ENERGY_EXPR, {"output_tokens": defaults["output_tokens"]}, **constants)
    assert page == pytest.approx(ia.request_energy(dataset, {**defaults, "serving_method": "epoch"}, "frontier").central)


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
