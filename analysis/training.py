"""Formulas for training compute, cost, energy and emissions.

Every function takes plain numbers or numpy arrays (the unit is in the argument
name) and returns the same, so one function serves a single value, a column of a
table and a Monte Carlo sample alike.
"""

from __future__ import annotations

import numpy as np

from analysis.units import G_PER_TONNE, HOURS_PER_DAY, SECONDS_PER_HOUR

# Forward + backward pass ≈ 3 × forward; forward ≈ 2 FLOP per parameter per token.
TRAINING_FLOP_PER_PARAM_PER_TOKEN = 6.0  # Kaplan et al. (2020), §2.1: C ≈ 6N per training token


def dense_training_flop(active_params, tokens):
    """Training FLOP ≈ 6 × active parameters × tokens (Kaplan et al. 2020, §2.1)."""
    return TRAINING_FLOP_PER_PARAM_PER_TOKEN * np.asarray(active_params, dtype=float) * np.asarray(tokens, dtype=float)


def per_token_training_flop(flop_per_token, tokens):
    """Training FLOP from a published per-token count (Zhao et al. 2025, Table 2) × tokens."""
    return np.asarray(flop_per_token, dtype=float) * np.asarray(tokens, dtype=float)


def gpu_hours_to_flop_capacity(gpu_hours, peak_flop_per_s):
    """FLOP the GPUs could have done at peak: GPU-hours × 3600 s/h × peak FLOP/s."""
    return np.asarray(gpu_hours, dtype=float) * SECONDS_PER_HOUR * np.asarray(peak_flop_per_s, dtype=float)


def achieved_flop_per_s_per_gpu(training_flop, gpu_hours):
    """Average useful FLOP/s per GPU over the run: training FLOP / (GPU-hours × 3600)."""
    return np.asarray(training_flop, dtype=float) / (np.asarray(gpu_hours, dtype=float) * SECONDS_PER_HOUR)


def implied_utilization(training_flop, gpu_hours, peak_flop_per_s):
    """Achieved FLOP/s over peak FLOP/s (the model-FLOP utilization implied by the totals)."""
    return np.asarray(training_flop, dtype=float) / gpu_hours_to_flop_capacity(gpu_hours, peak_flop_per_s)


def duration_days(gpu_hours, gpus):
    """Wall-clock days if ``gpus`` GPUs ran the whole time: GPU-hours / GPUs / 24."""
    return np.asarray(gpu_hours, dtype=float) / np.asarray(gpus, dtype=float) / HOURS_PER_DAY


def cost_usd(gpu_hours, price_usd_per_gpu_hour):
    """Rental-equivalent cost: GPU-hours × price per GPU-hour (DeepSeek-AI 2024, Table 1)."""
    return np.asarray(gpu_hours, dtype=float) * np.asarray(price_usd_per_gpu_hour, dtype=float)


def energy_kwh(gpu_hours, board_power_w, power_fraction, pue):
    """Facility energy: GPU-hours × board power × power fraction × PUE, in kWh."""
    return (
        np.asarray(gpu_hours, dtype=float)
        * np.asarray(board_power_w, dtype=float)
        * np.asarray(power_fraction, dtype=float)
        * np.asarray(pue, dtype=float)
        / 1000.0
    )


def emissions_tco2eq(energy_kwh, grid_intensity_g_per_kwh):
    """Location-based emissions: energy × grid carbon intensity, in tonnes CO2eq."""
    return np.asarray(energy_kwh, dtype=float) * np.asarray(grid_intensity_g_per_kwh, dtype=float) / G_PER_TONNE


def implied_grid_intensity_g_per_kwh(emissions_tco2eq, energy_kwh):
    """The grid intensity that turns ``energy_kwh`` into ``emissions_tco2eq``."""
    return np.asarray(emissions_tco2eq, dtype=float) * G_PER_TONNE / np.asarray(energy_kwh, dtype=float)


def ratio(numerator, denominator):
    """numerator / denominator, element-wise."""
    return np.asarray(numerator, dtype=float) / np.asarray(denominator, dtype=float)


def decompose_gpu_hour_ratio(active_params_a, tokens_a, gpu_hours_a, active_params_b, tokens_b, gpu_hours_b):
    """Split GPU-hours(a) / GPU-hours(b) into three factors whose product is that ratio.

    GPU-hours = 6·N·D / (achieved FLOP/s per GPU × 3600), so
    ratio = (N_a / N_b) × (D_a / D_b) × (throughput_b / throughput_a), with
    throughput the achieved 6ND-FLOP/s per GPU of each run.
    """
    throughput_a = achieved_flop_per_s_per_gpu(dense_training_flop(active_params_a, tokens_a), gpu_hours_a)
    throughput_b = achieved_flop_per_s_per_gpu(dense_training_flop(active_params_b, tokens_b), gpu_hours_b)
    return {
        "active_params": ratio(active_params_a, active_params_b),
        "tokens": ratio(tokens_a, tokens_b),
        "throughput_per_gpu": ratio(throughput_b, throughput_a),
    }


def price_usd_per_gpu_hour_for_cost(cost_usd, gpu_hours):
    """The rental price at which ``gpu_hours`` cost ``cost_usd``: the inverse of :func:`cost_usd`."""
    return np.asarray(cost_usd, dtype=float) / np.asarray(gpu_hours, dtype=float)
