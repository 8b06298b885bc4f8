"""Formulas for the energy of one LLM request, one web search, the network and the client.

Every function takes plain numbers or numpy arrays (the unit is in the argument
name) and returns the same, so one function serves a single value and a Monte
Carlo sample alike. Inputs that make no physical sense (no tokens, a PUE below 1,
a utilization above 1) raise ValueError with one line naming the argument and
what is allowed; they never turn into a silent inf or NaN.

The request formulas here are Epoch AI's method (You 2025, linked spreadsheet):
FLOP = 2 × active parameters × tokens, run at a fraction of peak FLOP/s, times
power, a partial-power factor and PUE, with a host and idle overhead factor
(Google's 2025 measurement: 0.10 Wh per prompt counting accelerators only,
0.24 Wh with host, idle capacity and data-centre overhead), and a weights-only
memory floor for decoding that the what-if chart uses. The book's default
request model is the serving model of :mod:`analysis.serving`; these formulas
serve ``serving_method=epoch`` (analysis.inference_analysis), which keeps
Epoch AI's published figures reproducible.
"""

from __future__ import annotations

import numpy as np

from analysis.units import J_PER_KWH, J_PER_WH

# Forward pass ≈ 2 FLOP (one multiply-accumulate) per parameter per token.
INFERENCE_FLOP_PER_PARAM_PER_TOKEN = 2.0  # Kaplan et al. (2020), §2.1, Eq. 2.2; Epoch AI spreadsheet "2 * active params * tokens"
BYTES_PER_GB = 1e9  # decimal gigabyte, as in Aslan et al. (2018)

# Aslan et al. (2018), abstract: 0.06 kWh/GB in 2015, halving about every 2 years since 2000.
ASLAN_BASE_YEAR = 2015
ASLAN_BASE_KWH_PER_GB = 0.06
ASLAN_HALVING_YEARS = 2.0


def _as_float(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if np.isnan(array).any():
        raise ValueError(f"{name}: got NaN; allowed: a finite number")
    return array


def _require(name: str, value, ok, allowed: str) -> None:
    """Raise one line naming the argument when any element breaks its allowed range."""
    if not np.all(ok):
        bad = np.asarray(value)[~np.asarray(ok, dtype=bool)] if np.ndim(value) else value
        shown = f"{float(np.ravel(bad)[0]):g}" if np.size(bad) else repr(value)
        raise ValueError(f"{name}: got {shown}; allowed: {allowed}")


def _positive(name: str, value) -> np.ndarray:
    array = _as_float(name, value)
    _require(name, array, array > 0, "a number > 0")
    return array


def _non_negative(name: str, value) -> np.ndarray:
    array = _as_float(name, value)
    _require(name, array, array >= 0, "a number >= 0")
    return array


def _fraction(name: str, value) -> np.ndarray:
    array = _as_float(name, value)
    _require(name, array, (array > 0) & (array <= 1), "a fraction in (0, 1]")
    return array


def _share(name: str, value) -> np.ndarray:
    array = _as_float(name, value)
    _require(name, array, (array >= 0) & (array <= 1), "a fraction in [0, 1]")
    return array


def _at_least_one(name: str, value) -> np.ndarray:
    array = _as_float(name, value)
    _require(name, array, array >= 1, "a number >= 1")
    return array


# --- tokens and FLOP ---------------------------------------------------------------


def tokens_from_chars(chars, chars_per_token):
    """Tokens in a text: characters / characters per token (OpenAI Help Center: 1 token ≈ 4 English characters)."""
    return _non_negative("chars", chars) / _positive("chars_per_token", chars_per_token)


def inference_flop(active_params, tokens):
    """Forward-pass FLOP = 2 × active parameters × tokens (Kaplan et al. 2020, §2.1; Epoch AI's spreadsheet)."""
    return INFERENCE_FLOP_PER_PARAM_PER_TOKEN * _positive("active_params", active_params) * _positive("tokens", tokens)


def model_weight_bytes(active_params, bytes_per_param):
    """Bytes of weights read per decoding step: active parameters × bytes per parameter (2 for bf16)."""
    return _positive("active_params", active_params) * _positive("bytes_per_param", bytes_per_param)


# --- accelerator time ----------------------------------------------------------------


def compute_time_s(flop, peak_flop_per_s, utilization):
    """Accelerator-seconds to do the FLOP: FLOP / (peak FLOP/s × utilization) (Epoch AI's spreadsheet)."""
    return (
        _positive("flop", flop)
        / _positive("peak_flop_per_s", peak_flop_per_s)
        / _fraction("utilization", utilization)
    )


def decode_memory_time_s(weight_bytes, output_tokens, memory_bandwidth_bytes_per_s, batch_size):
    """Accelerator-seconds per request to stream the weights: output tokens × weight bytes / bandwidth / batch size.

    Each decoding step reads every weight once and serves the whole batch, so a
    request's share of that read falls as 1 / batch size. The formula counts
    accelerator-seconds, so it holds however many accelerators share the model.
    KV-cache reads are left out, which makes this a floor.
    """
    return (
        _positive("output_tokens", output_tokens)
        * _positive("weight_bytes", weight_bytes)
        / _positive("memory_bandwidth_bytes_per_s", memory_bandwidth_bytes_per_s)
        / _at_least_one("batch_size", batch_size)
    )


def _both_times_s(active_params, prompt_tokens, output_tokens, peak_flop_per_s, utilization,
                  weight_bytes, memory_bandwidth_bytes_per_s, batch_size):
    tokens = _non_negative("prompt_tokens", prompt_tokens) + _positive("output_tokens", output_tokens)
    compute = compute_time_s(inference_flop(active_params, tokens), peak_flop_per_s, utilization)
    memory = decode_memory_time_s(weight_bytes, output_tokens, memory_bandwidth_bytes_per_s, batch_size)
    return compute, memory


def request_accelerator_time_s(active_params, prompt_tokens, output_tokens, peak_flop_per_s, utilization,
                               weight_bytes, memory_bandwidth_bytes_per_s, batch_size):
    """Accelerator-seconds per request: the larger of compute time (prompt + output tokens) and decode memory time.

    Compute follows Epoch AI's spreadsheet (2 × N × tokens at a utilization of
    peak); the memory floor is :func:`decode_memory_time_s`.
    """
    compute, memory = _both_times_s(active_params, prompt_tokens, output_tokens, peak_flop_per_s, utilization,
                                    weight_bytes, memory_bandwidth_bytes_per_s, batch_size)
    return np.maximum(compute, memory)


def limiting_bound(active_params, prompt_tokens, output_tokens, peak_flop_per_s, utilization,
                   weight_bytes, memory_bandwidth_bytes_per_s, batch_size):
    """Which time sets a request's accelerator time: an array of "compute" or "memory" (ties count as compute)."""
    compute, memory = _both_times_s(active_params, prompt_tokens, output_tokens, peak_flop_per_s, utilization,
                                    weight_bytes, memory_bandwidth_bytes_per_s, batch_size)
    return np.where(compute >= memory, "compute", "memory")


# --- server energy -------------------------------------------------------------------


def accelerator_energy_j(accelerator_time_s, power_per_accelerator_w, power_fraction):
    """Accelerator energy: accelerator-seconds × power × average fraction of that power drawn (Epoch AI's spreadsheet)."""
    return (
        _non_negative("accelerator_time_s", accelerator_time_s)
        * _positive("power_per_accelerator_w", power_per_accelerator_w)
        * _fraction("power_fraction", power_fraction)
    )


def server_energy_j(accelerator_time_s, power_per_accelerator_w, power_fraction, pue, host_overhead_factor):
    """Facility energy per request: accelerator energy × host-and-idle overhead factor × PUE.

    The overhead factor is IT energy over accelerator energy. Google (Elsworth et
    al. 2025, Table 1) reports 0.10 Wh per median prompt counting accelerators only
    and 0.24 Wh counting host CPU and DRAM, idle capacity and data-centre overhead;
    use 1.0 when the power figure already covers the whole server (Epoch's 1,275 W
    per GPU is a DGX H100's rating divided by its 8 GPUs).
    """
    pue = _as_float("pue", pue)
    _require("pue", pue, pue >= 1, "a number >= 1 (facility energy over IT energy)")
    return (
        accelerator_energy_j(accelerator_time_s, power_per_accelerator_w, power_fraction)
        * _at_least_one("host_overhead_factor", host_overhead_factor)
        * pue
    )


def energy_breakdown_j(accelerator_time_s, power_per_accelerator_w, power_fraction, pue, host_overhead_factor,
                       idle_share_of_host_overhead, network_j, client_j):
    """Where a request's energy goes, in J: accelerator, host, idle, facility overhead, network and client.

    The host-and-idle overhead (accelerator energy × (factor − 1)) is split by
    ``idle_share_of_host_overhead`` (Google, Elsworth et al. 2025, Table 1: 0.06 Wh
    host CPU and DRAM, 0.02 Wh idle, so 0.25); facility overhead is IT energy ×
    (PUE − 1). The first four parts sum to :func:`server_energy_j`.
    """
    accelerator = accelerator_energy_j(accelerator_time_s, power_per_accelerator_w, power_fraction)
    overhead = accelerator * (_at_least_one("host_overhead_factor", host_overhead_factor) - 1.0)
    share = _as_float("idle_share_of_host_overhead", idle_share_of_host_overhead)
    _require("idle_share_of_host_overhead", share, (share >= 0) & (share <= 1), "a fraction in [0, 1]")
    pue = _as_float("pue", pue)
    _require("pue", pue, pue >= 1, "a number >= 1 (facility energy over IT energy)")
    idle = overhead * share
    host = overhead - idle
    return {
        "accelerator": accelerator,
        "host": host,
        "idle": idle,
        "facility_overhead": (accelerator + host + idle) * (pue - 1.0),
        "network": _non_negative("network_j", network_j),
        "client": _non_negative("client_j", client_j),
    }


# --- web search ----------------------------------------------------------------------


def search_energy_j(kwh_per_search):
    """Energy per web search in J from a published kWh figure (Google 2009: 0.0003 kWh; Vanderbauwhede 2024: 0.00004 kWh)."""
    return _positive("kwh_per_search", kwh_per_search) * J_PER_KWH


# --- network -------------------------------------------------------------------------


def network_intensity_kwh_per_gb(year, base_year=ASLAN_BASE_YEAR, base_kwh_per_gb=ASLAN_BASE_KWH_PER_GB,
                                 halving_years=ASLAN_HALVING_YEARS):
    """Network electricity intensity: base × 0.5^((year − base year) / halving time) (Aslan et al. 2018 trend)."""
    year = _as_float("year", year)
    return _positive("base_kwh_per_gb", base_kwh_per_gb) * 0.5 ** (
        (year - _as_float("base_year", base_year)) / _positive("halving_years", halving_years)
    )


def network_energy_j(data_bytes, kwh_per_gb):
    """Transmission energy: bytes / 1e9 × kWh per GB × 3.6e6 J per kWh (an average, not marginal, figure; Mytton et al. 2024)."""
    return _non_negative("data_bytes", data_bytes) / BYTES_PER_GB * _positive("kwh_per_gb", kwh_per_gb) * J_PER_KWH


# --- client --------------------------------------------------------------------------


def client_energy_j(power_w, seconds):
    """Client device energy: power × time."""
    return _non_negative("power_w", power_w) * _non_negative("seconds", seconds)


def local_gpu_energy_j(power_w, output_tokens, tokens_per_s):
    """Local generation energy: power × output tokens / decode speed (speeds: MLC llm-perf-bench, RTX 4090)."""
    return _non_negative("power_w", power_w) * _positive("output_tokens", output_tokens) / _positive("tokens_per_s", tokens_per_s)


# --- units ---------------------------------------------------------------------------


def joules_to_wh(energy_j):
    """J → Wh (1 Wh = 3,600 J)."""
    return np.asarray(energy_j, dtype=float) / J_PER_WH


def wh_to_joules(energy_wh):
    """Wh → J (1 Wh = 3,600 J)."""
    return np.asarray(energy_wh, dtype=float) * J_PER_WH
