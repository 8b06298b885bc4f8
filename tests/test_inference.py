"""The per-request energy formulas, against numbers worked out by hand from the sources."""

import numpy as np
import pytest

from analysis import inference as inf

H100_PEAK = 9.89e14  # Epoch AI's spreadsheet: H100 bf16 dense peak FLOP/s
H100_BANDWIDTH = 3.35e12  # bytes/s, NVIDIA H100 SXM


# ---- Epoch AI's GPT-4o baseline, step by step ----


def test_epoch_flop_per_query():
    # 2 × 100e9 active parameters × 500 output tokens = 1e14 ("FLOP per query 1.00E+14")
    assert inf.inference_flop(100e9, 500) == pytest.approx(1e14)


def test_epoch_gpu_seconds_per_query():
    # 1e14 / (9.89e14 × 0.1) = 1.011 s ("GPU time in seconds required to process a query 1.01")
    assert inf.compute_time_s(1e14, H100_PEAK, 0.1) == pytest.approx(1.0111, abs=1e-4)


def test_epoch_energy_per_query_is_0_30_wh():
    # 1.0111 s × 1,275 W × 0.7 × PUE 1.2 = 1,083 J = 0.301 Wh ("Energy per query (Watt-hours) 0.301")
    seconds = inf.compute_time_s(1e14, H100_PEAK, 0.1)
    energy = inf.server_energy_j(seconds, 1275, 0.7, 1.2, 1.0)
    assert energy == pytest.approx(1083.0, abs=0.5)
    assert inf.joules_to_wh(energy) == pytest.approx(0.301, abs=5e-4)


def test_epoch_long_output_scenario_is_0_90_wh():
    # 1,500 output tokens: three times the baseline ("0.902")
    energy = inf.server_energy_j(inf.compute_time_s(inf.inference_flop(100e9, 1500), H100_PEAK, 0.1), 1275, 0.7, 1.2, 1.0)
    assert inf.joules_to_wh(energy) == pytest.approx(0.902, abs=1e-3)


def test_epoch_pessimistic_scenario_is_1_30_wh():
    # 200B active, 5 % utilization, PUE 1.3 ("1.304")
    energy = inf.server_energy_j(inf.compute_time_s(inf.inference_flop(200e9, 500), H100_PEAK, 0.05), 1275, 0.7, 1.3, 1.0)
    assert inf.joules_to_wh(energy) == pytest.approx(1.304, abs=2e-3)


# ---- tokens, memory and the two bounds ----


def test_a_150_character_prompt_is_37_5_tokens():
    assert inf.tokens_from_chars(150, 4) == pytest.approx(37.5)


def test_prefill_flop_for_gpt3_and_gpt2():
    # Fact sheet: 37.5 prompt tokens -> GPT-3 ≈ 1.3e13 FLOP, GPT-2 ≈ 1.1e11 FLOP
    assert inf.inference_flop(175e9, 37.5) == pytest.approx(1.3125e13)
    assert inf.inference_flop(1.5e9, 37.5) == pytest.approx(1.125e11)


def test_decode_memory_time_for_gpt3_in_bf16():
    # 500 tokens × 350 GB / 3.35 TB/s = 52.24 s at batch 1, shared by 64 at batch 64
    weights = inf.model_weight_bytes(175e9, 2)
    assert weights == pytest.approx(3.5e11)
    assert inf.decode_memory_time_s(weights, 500, H100_BANDWIDTH, 1) == pytest.approx(52.239, abs=1e-3)
    assert inf.decode_memory_time_s(weights, 500, H100_BANDWIDTH, 64) == pytest.approx(52.239 / 64, abs=1e-4)


def _gpt3_args(batch_size):
    return (175e9, 37.5, 500, H100_PEAK, 0.1, inf.model_weight_bytes(175e9, 2), H100_BANDWIDTH, batch_size)


def test_request_time_is_the_larger_bound():
    # compute: 2 × 175e9 × 537.5 / (9.89e14 × 0.1) = 1.902 s; memory at batch 1: 52.24 s
    assert inf.request_accelerator_time_s(*_gpt3_args(1)) == pytest.approx(52.239, abs=1e-3)
    assert inf.request_accelerator_time_s(*_gpt3_args(256)) == pytest.approx(1.9022, abs=1e-4)


def test_memory_bound_at_batch_1_compute_bound_at_large_batch_for_175b():
    # The bounds cross at batch 52.24 / 1.902 = 27.5
    bounds = inf.limiting_bound(*_gpt3_args(np.array([1, 27, 28, 256])))
    assert list(bounds) == ["memory", "memory", "compute", "compute"]


# ---- overhead, breakdown, search, network, client ----


def test_google_boundary_factors_rebuild_0_24_wh():
    # Elsworth et al. 2025, Table 1: 0.14 Wh accelerators, 0.06 host, 0.02 idle, 0.02 overhead = 0.24 Wh.
    # Modelled as 1 s at 504 W (0.14 Wh), host factor 0.22 / 0.14, PUE 0.24 / 0.22.
    energy = inf.server_energy_j(1.0, 504.0, 1.0, 0.24 / 0.22, 0.22 / 0.14)
    assert inf.joules_to_wh(energy) == pytest.approx(0.24)


def test_breakdown_splits_google_0_24_wh_into_its_table_1_parts():
    parts = inf.energy_breakdown_j(1.0, 504.0, 1.0, 0.24 / 0.22, 0.22 / 0.14, 0.25, 0.0, 0.0)
    wh = {k: float(inf.joules_to_wh(v)) for k, v in parts.items()}
    assert wh == pytest.approx({"accelerator": 0.14, "host": 0.06, "idle": 0.02, "facility_overhead": 0.02, "network": 0.0, "client": 0.0})


def test_breakdown_server_parts_sum_to_server_energy():
    args = (1.0111, 1275.0, 0.7, 1.2, 1.57)
    parts = inf.energy_breakdown_j(*args, 0.25, 0.135, 30.0)
    server = sum(parts[k] for k in ("accelerator", "host", "idle", "facility_overhead"))
    assert server == pytest.approx(inf.server_energy_j(*args))
    assert parts["network"] == 0.135 and parts["client"] == 30.0


def test_search_figures_in_joules():
    assert inf.search_energy_j(0.0003) == pytest.approx(1080)  # Google 2009: "0.0003 kWh ... or 1 kJ"
    assert inf.search_energy_j(0.00004) == pytest.approx(144)  # Vanderbauwhede 2024


def test_network_intensity_halves_every_two_years():
    assert inf.network_intensity_kwh_per_gb(2015) == pytest.approx(0.06)
    assert inf.network_intensity_kwh_per_gb(2017) == pytest.approx(0.03)
    assert inf.network_intensity_kwh_per_gb(2025) == pytest.approx(0.001875)


def test_network_energy_of_a_page_and_a_gigabyte():
    assert inf.network_energy_j(1e9, 0.06) == pytest.approx(216_000)  # 0.06 kWh
    # Fact sheet: a 2.3 MB page ≈ 15 J at the 2025 extrapolation
    assert inf.network_energy_j(2.3e6, inf.network_intensity_kwh_per_gb(2025)) == pytest.approx(15.525)


def test_client_and_local_gpu_energy():
    assert inf.client_energy_j(3.0, 10.0) == 30.0
    # 450 W / 191 tok/s ≈ 2.36 J per token (fact sheet: ≈ 2.4 J/token)
    assert inf.local_gpu_energy_j(450, 1, 191) == pytest.approx(2.356, abs=1e-3)
    assert inf.local_gpu_energy_j(450, 500, 152.56) == pytest.approx(1474.83, abs=0.01)


def test_unit_conversions_round_trip():
    assert inf.wh_to_joules(0.3) == pytest.approx(1080)
    assert inf.joules_to_wh(inf.wh_to_joules(0.24)) == pytest.approx(0.24)


# ---- properties ----

BATCHES = np.array([1, 4, 16, 64, 256])[:, None]


def _energy(output_tokens=500, utilization=0.1, batch_size=64, active_params=175e9):
    seconds = inf.request_accelerator_time_s(
        active_params, 37.5, output_tokens, H100_PEAK, utilization, inf.model_weight_bytes(active_params, 2), H100_BANDWIDTH, batch_size
    )
    return inf.server_energy_j(seconds, 700, 0.7, 1.2, 1.57)


def test_more_output_tokens_never_cost_less():
    tokens = np.geomspace(1, 100_000, 200)[None, :]
    energy = _energy(output_tokens=tokens, batch_size=BATCHES)
    assert energy.shape == (5, 200)
    assert (np.diff(energy, axis=1) >= 0).all()


def test_higher_utilization_never_costs_more():
    utilization = np.linspace(0.01, 1.0, 200)[None, :]
    energy = _energy(utilization=utilization, batch_size=BATCHES)
    assert (np.diff(energy, axis=1) <= 0).all()


def test_bigger_batches_never_cost_more_and_bigger_models_never_cost_less():
    assert (np.diff(_energy(batch_size=np.arange(1, 513))) <= 0).all()
    assert (np.diff(_energy(active_params=np.geomspace(1e8, 2e12, 100))) >= 0).all()


def test_scalars_in_scalars_out_arrays_in_arrays_out():
    assert np.ndim(inf.inference_flop(1e9, 10)) == 0
    assert inf.inference_flop(np.array([1e9, 2e9]), 10).shape == (2,)


# ---- bad inputs fail loudly, naming the argument ----


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: inf.inference_flop(1e9, 0), "tokens"),
        (lambda: inf.inference_flop(1e9, np.array([10, -1])), "tokens"),
        (lambda: inf.inference_flop(0, 10), "active_params"),
        (lambda: inf.tokens_from_chars(150, 0), "chars_per_token"),
        (lambda: inf.tokens_from_chars(-1, 4), "chars"),
        (lambda: inf.compute_time_s(1e14, H100_PEAK, 0), "utilization"),
        (lambda: inf.compute_time_s(1e14, H100_PEAK, 1.5), "utilization"),
        (lambda: inf.decode_memory_time_s(1e9, 0, H100_BANDWIDTH, 1), "output_tokens"),
        (lambda: inf.decode_memory_time_s(1e9, 10, H100_BANDWIDTH, 0.5), "batch_size"),
        (lambda: inf.request_accelerator_time_s(1e9, -1, 10, H100_PEAK, 0.1, 2e9, H100_BANDWIDTH, 1), "prompt_tokens"),
        (lambda: inf.server_energy_j(1.0, 700, 0.7, 0.9, 1.0), "pue"),
        (lambda: inf.server_energy_j(1.0, 700, 1.2, 1.2, 1.0), "power_fraction"),
        (lambda: inf.server_energy_j(1.0, 700, 0.7, 1.2, 0.5), "host_overhead_factor"),
        (lambda: inf.energy_breakdown_j(1.0, 700, 0.7, 1.2, 1.5, 1.5, 0, 0), "idle_share_of_host_overhead"),
        (lambda: inf.network_energy_j(1e6, 0), "kwh_per_gb"),
        (lambda: inf.local_gpu_energy_j(450, 0, 100), "output_tokens"),
        (lambda: inf.inference_flop(1e9, float("nan")), "tokens"),
    ],
)
def test_bad_input_names_the_argument_in_one_line(call, name):
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    assert message.startswith(f"{name}: got ") and "allowed:" in message
    assert "\n" not in message
