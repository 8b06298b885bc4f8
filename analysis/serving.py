"""The physics of serving one LLM request: tokens -> FLOP and bytes -> seconds per phase -> energy -> carbon and water.

Every function takes plain numbers or numpy arrays, with the unit in the argument
name, and broadcasts, so the same code gives one estimate or a Monte Carlo
sample. Nothing here reads a file: :mod:`analysis.serving_analysis` turns rows of
``data/models.csv`` and ``data/hardware.csv`` into these inputs and fits the
achieved efficiencies to ``data/measured_inference.csv``.

The request, per replica of ``accelerators_per_replica`` accelerators serving
``batch_size`` requests at once:

- **Prefill** (the prompt): 2 × active parameters FLOP per token (Kaplan et al.
  2020, §2.1) plus attention over the tokens before it; compute-bound at the
  achieved fraction of peak FLOP/s, unless reading the weights once for the
  batch's prompts takes longer (Pope et al. 2022, §2 and §3.3).
- **Decode** (each output token): one step serves every sequence of the batch.
  Its weight multiplications and its attention each take the larger of their
  compute time and memory time (the roofline; Pope et al. 2022, §2; Williams et
  al. 2009), softened near the ridge point by a fitted exponent
  (:func:`roofline_s`), one after the other, plus a fixed time per layer
  (launches, synchronisation, scheduling) that small models' measurements show,
  and, in a mixture-of-experts model, a routing time per token and MoE layer.
  A batch larger than the memory left beside the weights holds runs with fewer
  sequences at a time (:func:`decode_batch_size`).
  Memory traffic per step is the weights the batch's tokens touch (a
  mixture-of-experts layer only the experts its tokens are routed to) plus every
  sequence's KV cache, which grows with its context (Pope et al. 2022, §2.1, §3.3).
- **Power**: idle power plus a load-dependent share of (rated − idle): the share
  drawn while the accelerator streams memory, rising to all of it as compute
  takes over the step.
- **Boundaries**: accelerators -> IT equipment (host CPU and memory, networking,
  idle reserve: a factor, skipped when the power figure already covers the whole
  server) -> facility (PUE). Carbon and water follow from the facility and IT
  energy.

:func:`resolve` wires these functions by the names of their arguments, so a
caller may supply any intermediate (a measured whole-server power, a known number
of accelerators) and gets every intermediate back; :data:`QUANTITIES` lists each
with its unit. Bad values raise ValueError naming the input and what is allowed.
"""

from __future__ import annotations

import graphlib
import inspect
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

# Argument checks shared with the other formulas: one line naming the argument and what is allowed.
from analysis.inference import _at_least_one, _fraction, _non_negative, _positive, _share
from analysis.units import J_PER_KWH

FLOP_PER_PARAM_PER_TOKEN = 2.0  # forward pass, one multiply-accumulate per weight: Kaplan et al. (2020), §2.1, Eq. 2.2
# Attention per token per layer and per unit of context: 2 FLOP for the score q·k and 2 for the weighted sum of
# values, per query dimension (Kaplan et al. 2020, Table 1, counts the score term 2·n_layer·n_ctx·d_attn;
# Hoffmann et al. 2022, Appendix F, counts both terms).
ATTENTION_FLOP_PER_LAYER_PER_CONTEXT_TOKEN_PER_DIM = 4.0
BYTES_PER_VALUE = {"bf16": 2.0, "fp8": 1.0, "fp32": 4.0}  # storage of one weight under each precision (fp32: unconverted checkpoints)
KV_BYTES_PER_VALUE = 2.0  # vLLM keeps the KV cache in the model's activation type (bf16) unless told otherwise
# Share of an accelerator's memory that holds weights and KV cache: vLLM's default gpu_memory_utilization (0.9);
# the rest is activations, the CUDA context and fragmentation.
USABLE_MEMORY_FRACTION = 0.9
# Tensor-parallel degrees that serving engines use within one server (the heads must divide evenly): 1, 2, 4, 8;
# beyond one 8-accelerator server, whole servers.
ACCELERATORS_PER_SERVER = 8


# --- the model's weights -------------------------------------------------------------------------------


def routed_params_per_expert(params_total, params_active, experts_total, experts_per_token):
    """Parameters of one routed expert, summed over the MoE layers: (total − active) / (E − k); 0 for a dense model.

    A mixture-of-experts model with E routed experts per layer, k of them per
    token, has total = always-active + E·p and active = always-active + k·p, where
    the always-active part is attention, embeddings, dense layers and shared
    experts (Fedus et al. 2022, §2; DeepSeek-AI 2024, §2.1.2). A dense model
    (E = 0) has none.
    """
    total = _positive("params_total", params_total)
    active = _positive("params_active", params_active)
    experts = _non_negative("experts_total", experts_total)
    k = _non_negative("experts_per_token", experts_per_token)
    moe = experts > 0
    if np.any(moe & ((k < 1) | (k >= experts))):
        raise ValueError("experts_per_token: need 1 <= experts_per_token < experts_total for a mixture-of-experts model")
    if np.any(active > total):
        raise ValueError("params_active: got more than params_total; allowed: params_active <= params_total")
    return np.where(moe, (total - active) / np.where(moe, experts - k, 1.0), 0.0)


def always_active_params(params_total, params_active, experts_total, experts_per_token):
    """Parameters every token uses (attention, embeddings, dense layers, shared experts): active − k·p; all of a dense model."""
    per_expert = routed_params_per_expert(params_total, params_active, experts_total, experts_per_token)
    return np.asarray(params_active, dtype=float) - np.asarray(experts_per_token, dtype=float) * per_expert


def expected_experts_touched(experts_total, experts_per_token, tokens_per_step):
    """Expected distinct routed experts per MoE layer that ``tokens_per_step`` tokens hit: E·(1 − (1 − k/E)^B).

    Each token picks k of E experts; under uniform, independent routing an expert
    is missed by one token with probability 1 − k/E and by all B with (1 − k/E)^B.
    Real routers are less even (some experts are popular), which touches fewer
    experts than this; the formula is the standard upper estimate for a balanced
    router. Returns 0 for a dense model (E = 0).
    """
    experts = _non_negative("experts_total", experts_total)
    k = _non_negative("experts_per_token", experts_per_token)
    tokens = _positive("tokens_per_step", tokens_per_step)
    moe = experts > 0
    safe = np.where(moe, experts, 1.0)
    return np.where(moe, safe * (1.0 - (1.0 - np.minimum(k / safe, 1.0)) ** tokens), 0.0)


def params_touched(params_total, params_active, experts_total, experts_per_token, tokens_per_step):
    """Parameters read from memory in one forward step over ``tokens_per_step`` tokens.

    Dense: all of them. MoE: the always-active parameters plus one routed expert's
    parameters for each expert the tokens hit (:func:`expected_experts_touched`), so
    between the active count (one token) and the total (many tokens).
    """
    per_expert = routed_params_per_expert(params_total, params_active, experts_total, experts_per_token)
    always = always_active_params(params_total, params_active, experts_total, experts_per_token)
    touched = expected_experts_touched(experts_total, experts_per_token, tokens_per_step)
    dense = np.asarray(experts_total, dtype=float) == 0
    return np.where(dense, np.asarray(params_total, dtype=float), always + per_expert * touched)


def kv_values_per_token_gqa(layers, kv_heads, head_dim):
    """Values cached per token with multi-head or grouped-query attention: 2 (key and value) × layers × KV heads × head size.

    Pope et al. (2022), §3.1 (multi-query attention shrinks the KV cache by the
    number of heads); Ainslie et al. (2023) for grouped-query attention.
    """
    return 2.0 * _positive("layers", layers) * _positive("kv_heads", kv_heads) * _positive("head_dim", head_dim)


def kv_values_per_token_mla(layers, kv_lora_rank, qk_rope_head_dim):
    """Values cached per token with multi-head latent attention: layers × (latent size + decoupled RoPE key size).

    DeepSeek-AI (2024), DeepSeek-V2 report §2.1.2-2.1.3: the cache holds the
    compressed latent c_KV (d_c) and the shared RoPE key (d_h^R) per layer.
    """
    return _positive("layers", layers) * (_positive("kv_lora_rank", kv_lora_rank) + _positive("qk_rope_head_dim", qk_rope_head_dim))


# --- the quantities of one request, each a function of the names it needs --------------------------------


def weight_bytes_per_param(precision_bytes_per_value):
    """Bytes per stored weight: 2 under bf16, 1 under fp8 (:data:`BYTES_PER_VALUE`)."""
    return _positive("precision_bytes_per_value", precision_bytes_per_value)


def kv_cache_bytes_per_token(kv_values_per_token, kv_bytes_per_value=KV_BYTES_PER_VALUE):
    """KV-cache bytes per token of context: values per token × bytes per value (Pope et al. 2022, §2.1)."""
    return _positive("kv_values_per_token", kv_values_per_token) * _positive("kv_bytes_per_value", kv_bytes_per_value)


def weight_bytes(params_total, weight_bytes_per_param):
    """Bytes of all the weights a replica holds: total parameters × bytes per parameter."""
    return _positive("params_total", params_total) * weight_bytes_per_param


def kv_cache_bytes(kv_cache_bytes_per_token, batch_size, input_tokens, output_tokens):
    """KV cache of a full batch at its longest: batch × (input + output tokens) × bytes per token."""
    return kv_cache_bytes_per_token * _at_least_one("batch_size", batch_size) * (
        _non_negative("input_tokens", input_tokens) + _positive("output_tokens", output_tokens))


def accelerators_for_memory(weight_bytes, kv_cache_bytes, memory_bytes, usable_memory_fraction=USABLE_MEMORY_FRACTION):
    """Accelerators a replica needs to hold its weights and KV cache: the smallest of 1, 2, 4, 8, then whole 8-accelerator servers.

    Tensor parallelism splits weights and cache evenly (Pope et al. 2022, §3.2;
    Shoeybi et al. 2019); engines use power-of-two degrees within a server.
    """
    need = (weight_bytes + kv_cache_bytes) / (_positive("memory_bytes", memory_bytes) * _fraction("usable_memory_fraction", usable_memory_fraction))
    need = np.maximum(need, 1.0)
    within = 2.0 ** np.ceil(np.log2(np.minimum(need, ACCELERATORS_PER_SERVER)))
    return np.where(need <= ACCELERATORS_PER_SERVER, within, ACCELERATORS_PER_SERVER * np.ceil(need / ACCELERATORS_PER_SERVER))


def kv_replication(accelerators_per_replica, kv_cache_heads):
    """Copies of each sequence's KV cache across a tensor-parallel replica: max(1, accelerators / KV heads), tensor parallelism capped at one server.

    Tensor parallelism splits attention by heads; with fewer KV heads than
    accelerators each head's cache is held, and read, on several of them (Pope et
    al. 2022, §3.3: multi-query attention sharded over heads replicates the KV
    cache). Multi-head latent attention caches one latent per token, shared by
    all heads (``kv_cache_heads`` = 1), so every accelerator holds all of it.
    """
    tensor_parallel = np.minimum(_at_least_one("accelerators_per_replica", accelerators_per_replica), ACCELERATORS_PER_SERVER)
    return np.maximum(1.0, tensor_parallel / _positive("kv_cache_heads", kv_cache_heads))


def decode_batch_size(batch_size, accelerators_per_replica, memory_bytes, weight_bytes, kv_cache_bytes_per_token,
                      kv_replication, decode_mean_context_tokens, usable_memory_fraction):
    """Sequences decoded together: the batch size, or as many as the KV cache left beside the weights can hold.

    Engines admit a sequence only while its KV cache fits (vLLM's PagedAttention
    scheduler; Kwon et al. 2023, §4.2), so a batch asked of an accelerator too
    small for it runs with fewer sequences at a time. Sequences join and leave
    continuously, so each holds on average its mean context; a replicated cache
    (:func:`kv_replication`) takes its copies' room. Raises ValueError
    when the weights alone do not fit on ``accelerators_per_replica`` accelerators.
    """
    space = (_at_least_one("accelerators_per_replica", accelerators_per_replica) * _positive("memory_bytes", memory_bytes)
             * _fraction("usable_memory_fraction", usable_memory_fraction) - weight_bytes)
    if np.any(space <= 0):
        raise ValueError("accelerators_per_replica: too few to hold the weights in memory; allowed: more accelerators, "
                         "fp8 weights, or 0 to size the replica automatically")
    fits = np.maximum(np.floor(space / (kv_cache_bytes_per_token * kv_replication * decode_mean_context_tokens)), 1.0)
    return np.minimum(_at_least_one("batch_size", batch_size), fits)


def decode_mean_context_tokens(input_tokens, output_tokens):
    """Mean context over a request's decoding steps: the prompt plus half the output, input + (output + 1) / 2.

    Step j (1..T) attends to input + j tokens; memory traffic and attention FLOP are
    linear in it, so the mean gives their sum exactly.
    """
    return _non_negative("input_tokens", input_tokens) + (_positive("output_tokens", output_tokens) + 1.0) / 2.0


def prefill_flop(params_active, layers, attention_dim, input_tokens):
    """FLOP to process the prompt: 2·N_active·P + 4·layers·d_attn·P(P + 1)/2.

    The first term is Kaplan et al. (2020), §2.1; the second is causal attention,
    token i attending to i tokens (Kaplan et al. 2020, Table 1; Hoffmann et al.
    2022, Appendix F), with d_attn = heads × head size.
    """
    p = _non_negative("input_tokens", input_tokens)
    return (FLOP_PER_PARAM_PER_TOKEN * _positive("params_active", params_active) * p
            + ATTENTION_FLOP_PER_LAYER_PER_CONTEXT_TOKEN_PER_DIM * _positive("layers", layers)
            * _positive("attention_dim", attention_dim) * p * (p + 1.0) / 2.0)


def prefill_params_touched(params_total, params_active, experts_total, experts_per_token, batch_size, input_tokens):
    """Parameters read while prefilling the batch's prompts together (:func:`params_touched` over batch × input tokens)."""
    tokens = np.maximum(_at_least_one("batch_size", batch_size) * _non_negative("input_tokens", input_tokens), 1.0)
    return params_touched(params_total, params_active, experts_total, experts_per_token, tokens)


def prefill_compute_s(prefill_flop, peak_flop_per_s, prefill_compute_utilization):
    """Accelerator-seconds of prefill compute: FLOP / (peak FLOP/s × achieved fraction of peak) (Epoch AI; Pope et al. 2022).

    Prompts are processed many tokens at a time in large matrix multiplications,
    which reach a larger share of peak than decoding does (Pope et al. 2022,
    abstract: 76 % MFU processing input tokens at large batch).
    """
    return prefill_flop / (_positive("peak_flop_per_s", peak_flop_per_s)
                           * _fraction("prefill_compute_utilization", prefill_compute_utilization))


def prefill_memory_s(prefill_params_touched, weight_bytes_per_param, memory_bandwidth_bytes_per_s, bandwidth_utilization, decode_batch_size):
    """Accelerator-seconds per request to read the weights once for a batch of prompts: bytes / (bandwidth × achieved fraction) / batch."""
    return (prefill_params_touched * weight_bytes_per_param
            / (_positive("memory_bandwidth_bytes_per_s", memory_bandwidth_bytes_per_s) * _fraction("bandwidth_utilization", bandwidth_utilization))
            / decode_batch_size)


def prefill_accelerator_s(prefill_compute_s, prefill_memory_s):
    """Accelerator-seconds of prefill per request: the larger of its compute and memory times (roofline; Pope et al. 2022, §2)."""
    return np.maximum(prefill_compute_s, prefill_memory_s)


def decode_params_touched(params_total, params_active, experts_total, experts_per_token, decode_batch_size):
    """Parameters read per decoding step: one token per sequence, so :func:`params_touched` over decode_batch_size tokens."""
    return params_touched(params_total, params_active, experts_total, experts_per_token, decode_batch_size)


def decode_expert_params_touched(params_total, params_active, experts_total, experts_per_token, decode_batch_size):
    """Routed-expert parameters read per decoding step: one expert's parameters × the experts the batch hits (0 for a dense model)."""
    return (routed_params_per_expert(params_total, params_active, experts_total, experts_per_token)
            * expected_experts_touched(experts_total, experts_per_token, decode_batch_size))


def decode_step_flop(params_active, layers, attention_dim, decode_batch_size, decode_mean_context_tokens):
    """FLOP of one decoding step for the whole batch: batch × (2·N_active + 4·layers·d_attn·context) (Kaplan et al. 2020, Table 1)."""
    return decode_batch_size * (FLOP_PER_PARAM_PER_TOKEN * params_active
                                + ATTENTION_FLOP_PER_LAYER_PER_CONTEXT_TOKEN_PER_DIM * layers * attention_dim * decode_mean_context_tokens)


def decode_step_kv_bytes(decode_batch_size, decode_mean_context_tokens, kv_cache_bytes_per_token, kv_replication):
    """KV-cache bytes read per decoding step: every sequence's context, on every accelerator holding a copy (Pope et al. 2022, §2.1, §3.3)."""
    return decode_batch_size * decode_mean_context_tokens * kv_cache_bytes_per_token * kv_replication


def decode_step_bytes(decode_params_touched, weight_bytes_per_param, decode_step_kv_bytes):
    """Bytes read per decoding step: the weights touched + the KV cache (Pope et al. 2022, §2.1 and §3.3)."""
    return decode_params_touched * weight_bytes_per_param + decode_step_kv_bytes


def decode_linear_flop(params_active, decode_batch_size):
    """FLOP of a step's weight multiplications: 2 × active parameters × batch (Kaplan et al. 2020, §2.1)."""
    return FLOP_PER_PARAM_PER_TOKEN * params_active * decode_batch_size


def moe_routing_s(moe_layers, decode_batch_size, moe_token_overhead_s):
    """Wall seconds per step spent routing tokens to experts: MoE layers × batch × a fixed time per token and layer.

    Each token of each mixture-of-experts layer is scored by the router, its
    top-k chosen, and it is gathered to and scattered back from its experts
    (Fedus et al. 2022, §2.1; Gale et al. 2023, §3: permutation and padding around
    the expert multiplications). These are small memory-bound kernels whose time
    grows with the tokens, not with the weights; every accelerator of a
    tensor-parallel replica routes every token, so the time is not split. The
    time per token and layer is fitted to the MoE measurements; 0 for a dense model.
    """
    return _non_negative("moe_layers", moe_layers) * decode_batch_size * _non_negative("moe_token_overhead_s", moe_token_overhead_s)


def decode_linear_bytes(decode_params_touched, weight_bytes_per_param):
    """Weight bytes read per step: the weights the batch touches (Pope et al. 2022, §2.1)."""
    return decode_params_touched * weight_bytes_per_param


def decode_attention_flop(layers, attention_dim, decode_batch_size, decode_mean_context_tokens):
    """FLOP of a step's attention: batch × 4 × layers × d_attn × context (Kaplan et al. 2020, Table 1; Hoffmann et al. 2022, App. F)."""
    return decode_batch_size * ATTENTION_FLOP_PER_LAYER_PER_CONTEXT_TOKEN_PER_DIM * layers * attention_dim * decode_mean_context_tokens


def _compute_s(flop, accelerators_per_replica, peak_flop_per_s, compute_utilization):
    return flop / (_at_least_one("accelerators_per_replica", accelerators_per_replica) * _positive("peak_flop_per_s", peak_flop_per_s)
                   * _fraction("compute_utilization", compute_utilization))


def _memory_s(nbytes, accelerators_per_replica, memory_bandwidth_bytes_per_s, bandwidth_utilization):
    return nbytes / (_at_least_one("accelerators_per_replica", accelerators_per_replica)
                     * _positive("memory_bandwidth_bytes_per_s", memory_bandwidth_bytes_per_s)
                     * _fraction("bandwidth_utilization", bandwidth_utilization))


def decode_linear_compute_s(decode_linear_flop, accelerators_per_replica, peak_flop_per_s, compute_utilization):
    """Wall seconds of a step's weight multiplications at the achieved FLOP/s, split over the replica."""
    return _compute_s(decode_linear_flop, accelerators_per_replica, peak_flop_per_s, compute_utilization)


def decode_linear_memory_s(decode_linear_bytes, accelerators_per_replica, memory_bandwidth_bytes_per_s, bandwidth_utilization):
    """Wall seconds to stream a step's weights at the achieved bandwidth, split over the replica."""
    return _memory_s(decode_linear_bytes, accelerators_per_replica, memory_bandwidth_bytes_per_s, bandwidth_utilization)


def decode_attention_compute_s(decode_attention_flop, accelerators_per_replica, peak_flop_per_s, compute_utilization):
    """Wall seconds of a step's attention arithmetic, split over the replica."""
    return _compute_s(decode_attention_flop, accelerators_per_replica, peak_flop_per_s, compute_utilization)


def decode_attention_memory_s(decode_step_kv_bytes, accelerators_per_replica, memory_bandwidth_bytes_per_s, bandwidth_utilization):
    """Wall seconds to read a step's KV cache, split over the replica."""
    return _memory_s(decode_step_kv_bytes, accelerators_per_replica, memory_bandwidth_bytes_per_s, bandwidth_utilization)


def decode_step_compute_s(decode_linear_compute_s, decode_attention_compute_s):
    """Wall seconds of a step's arithmetic (weights and attention)."""
    return decode_linear_compute_s + decode_attention_compute_s


def decode_step_memory_s(decode_linear_memory_s, decode_attention_memory_s):
    """Wall seconds of a step's memory reads (weights and KV cache)."""
    return decode_linear_memory_s + decode_attention_memory_s


def step_overhead_s(layers, layer_overhead_s):
    """Time per decoding step beside the rooflines: layers × a fixed time per layer.

    Each layer launches its kernels (norms, projections, attention, routing,
    all-reduce across a tensor-parallel replica) and waits on their ends whatever
    the batch; at small batches this, not the roofline, sets the pace of small
    models and of deep ones (Kwon et al. 2023, §6; vLLM's CUDA graphs exist to
    cut it). Fitted per engine release to the measurements.
    """
    return _positive("layers", layers) * _non_negative("layer_overhead_s", layer_overhead_s)


def batch_overhead_s(decode_batch_size, sequence_overhead_s):
    """Time per decoding step that grows with the batch: sequences × a fixed time per sequence.

    Each step the engine gathers every sequence's new token, checks it for a stop,
    detokenises it, streams it to its client and schedules the sequence's next
    step (block tables, sampling parameters). In older engines this ran on the CPU
    between GPU steps: vLLM's team measured, for Llama 3 8B on one H100 (vLLM
    0.5.3), "The HTTP API server takes 33% of the total execution time" and "29% of
    the total execution time is spent on scheduling, including gathering the LLM
    results from the last step" (vLLM Team 2024); later releases overlap it with
    the GPU's work. It is why small models at large batches cost more per token
    than their rooflines say. Fitted per engine release to the measurements
    (each source alone). The time is charged at the memory-bound power, like the
    per-layer overhead (:func:`load_share`): energy alone cannot tell a GPU
    waiting with its clocks up from one idling, so the fitted time is an
    effective one; ML.ENERGY's published step times and powers check it apart
    from energy (tests/test_serving.py).
    """
    return _non_negative("decode_batch_size", decode_batch_size) * _non_negative("sequence_overhead_s", sequence_overhead_s)


def roofline_s(compute_s, memory_s, roofline_sharpness):
    """Time of a kernel that must do both: the larger of compute time and memory time, softened near the ridge.

    (compute^p + memory^p)^(1/p): p → ∞ is the roofline's max(compute, memory)
    (Williams et al. 2009), which real kernels reach only far from the ridge
    point, where one of the two dominates; p = 1 is no overlap at all. p is
    fitted to the measurements; far from the ridge every p gives the larger time.
    """
    p = _at_least_one("roofline_sharpness", roofline_sharpness)
    larger = np.maximum(compute_s, memory_s)
    safe = np.where(larger > 0, larger, 1.0)
    return larger * ((compute_s / safe) ** p + (memory_s / safe) ** p) ** (1.0 / p)


def decode_step_s(decode_linear_compute_s, decode_linear_memory_s, decode_attention_compute_s, decode_attention_memory_s, moe_routing_s,
                  step_overhead_s, batch_overhead_s, roofline_sharpness):
    """Wall seconds of one decoding step: a roofline per kernel class, one after the other, plus overheads.

    max(weight FLOP time, weight read time) + max(attention FLOP time, KV read
    time) + MoE routing + a fixed overhead per step + one per sequence: the weight multiplications and attention run
    as separate kernels, each bound by compute or by memory (Williams et al. 2009;
    Pope et al. 2022, §2 and §3.3 treat the feed-forward and attention layers apart).
    """
    return (roofline_s(decode_linear_compute_s, decode_linear_memory_s, roofline_sharpness)
            + roofline_s(decode_attention_compute_s, decode_attention_memory_s, roofline_sharpness)
            + moe_routing_s + _non_negative("step_overhead_s", step_overhead_s)
            + _non_negative("batch_overhead_s", batch_overhead_s))


def decode_accelerator_s(decode_step_s, output_tokens, accelerators_per_replica, decode_batch_size):
    """Accelerator-seconds of decoding per request: steps × step time × accelerators / requests sharing each step."""
    return _positive("output_tokens", output_tokens) * decode_step_s * accelerators_per_replica / decode_batch_size


def accelerator_seconds(prefill_accelerator_s, decode_accelerator_s):
    """Accelerator-seconds per request, prefill and decode."""
    return prefill_accelerator_s + decode_accelerator_s


def load_share(compute_share, power_share_memory_bound):
    """Share of (rated − idle) power drawn: the memory-bound share, rising to all of it as compute takes over the step.

    share = s_mem + (1 − s_mem) × (compute time / step time). An accelerator
    streaming memory, its arithmetic units mostly waiting, draws well below its
    rating (ML.ENERGY Leaderboard v3.0: 354-538 W of 700 W per H100 at batch 8);
    one bound by compute draws about all of it (the same data: 688 W at batch 512).
    The per-step overhead is mostly small kernels and the gaps between them, with
    clocks up, so it is charged like memory-bound time, not at idle.
    """
    memory = _share("power_share_memory_bound", power_share_memory_bound)
    return memory + (1.0 - memory) * _share("compute_share", compute_share)


def power_w(idle_power_w, rated_power_w, load_share):
    """Power per accelerator: idle + (rated − idle) × load share (the linear power model of Fan et al. 2007, §4.1)."""
    idle = _non_negative("idle_power_w", idle_power_w)
    rated = _positive("rated_power_w", rated_power_w)
    if np.any(idle > rated):
        raise ValueError("idle_power_w: above rated_power_w; allowed: idle power <= rated power")
    return idle + (rated - idle) * load_share


def decode_power_w(idle_power_w, rated_power_w, decode_linear_compute_s, decode_attention_compute_s, decode_attention_memory_s,
                   decode_step_s, roofline_sharpness, power_share_memory_bound):
    """Mean power per accelerator while decoding: :func:`power_w` at the share of the step that runs near full power.

    That share is the weight multiplications' arithmetic and all of the attention:
    decoding attention reads the KV cache but computes softmax and dot products
    per cached token on the general-purpose cores, and draws about the rating.
    ML.ENERGY Leaderboard v3.0 measured it: Qwen3 8B at batch 64 on an H100 drew
    514 W answering chat prompts (about 650 tokens) and 670 W answering GPQA
    (about 8,400 tokens, so long contexts), where weight streaming alone would draw less.
    """
    attention = roofline_s(decode_attention_compute_s, decode_attention_memory_s, roofline_sharpness)
    share = load_share(np.minimum((decode_linear_compute_s + attention) / decode_step_s, 1.0), power_share_memory_bound)
    return power_w(idle_power_w, rated_power_w, share)


def prefill_power_w(idle_power_w, rated_power_w, prefill_compute_s, prefill_accelerator_s, power_share_memory_bound):
    """Mean power per accelerator while prefilling (compute-bound prompts draw about the rating)."""
    share = load_share(prefill_compute_s / prefill_accelerator_s, power_share_memory_bound)
    return power_w(idle_power_w, rated_power_w, share)


def accelerator_energy_j(prefill_accelerator_s, prefill_power_w, decode_accelerator_s, decode_power_w):
    """Energy of the accelerators per request: accelerator-seconds × mean power, per phase."""
    return prefill_accelerator_s * prefill_power_w + decode_accelerator_s * decode_power_w


def it_energy_j(accelerator_energy_j, host_overhead_factor, power_covers_host):
    """IT-equipment energy: accelerators × host-and-idle factor, or the accelerators' figure itself when it already covers the server.

    The factor is Google's comprehensive over accelerator-only energy (Elsworth et
    al. 2025, Table 1: (0.14 + 0.06 + 0.02) / 0.14 Wh per median prompt). A power
    figure for a whole server (``power_covers_host`` = 1, e.g. Epoch AI's 1,275 W
    per H100: a DGX H100 over its 8 GPUs) already holds the host, so the factor is
    not applied again.
    """
    covers = _share("power_covers_host", power_covers_host)
    return accelerator_energy_j * np.where(covers > 0.5, 1.0, _at_least_one("host_overhead_factor", host_overhead_factor))


def facility_energy_j(it_energy_j, pue):
    """Facility energy: IT energy × PUE (PUE's definition: The Green Grid 2012)."""
    return it_energy_j * _at_least_one("pue", pue)


def co2e_g(facility_energy_j, grid_intensity_g_per_kwh):
    """Operational carbon: facility kWh × the grid's g CO2e per kWh (as Elsworth et al. 2025 compute emissions per prompt)."""
    return facility_energy_j / J_PER_KWH * _non_negative("grid_intensity_g_per_kwh", grid_intensity_g_per_kwh)


def water_ml(it_energy_j, facility_energy_j, wue_l_per_kwh, electricity_water_l_per_kwh):
    """Water consumed: on-site WUE × IT kWh + the electricity's water intensity × facility kWh, in mL (Li et al. 2023, §3.1)."""
    litres = (it_energy_j / J_PER_KWH * _non_negative("wue_l_per_kwh", wue_l_per_kwh)
              + facility_energy_j / J_PER_KWH * _non_negative("electricity_water_l_per_kwh", electricity_water_l_per_kwh))
    return litres * 1000.0


# --- the resolver ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    name: str
    unit: str
    function: Callable[..., np.ndarray]
    needs: tuple[str, ...]  # names of the quantities or inputs it is computed from (its function's arguments)


_UNITS = {
    "weight_bytes_per_param": "bytes per parameter",
    "kv_cache_bytes_per_token": "bytes per token",
    "weight_bytes": "bytes",
    "kv_cache_bytes": "bytes",
    "accelerators_per_replica": "accelerators",
    "decode_mean_context_tokens": "tokens",
    "decode_batch_size": "sequences per decoding step",
    "prefill_flop": "FLOP",
    "prefill_params_touched": "parameters",
    "prefill_compute_s": "accelerator-seconds",
    "prefill_memory_s": "accelerator-seconds",
    "prefill_accelerator_s": "accelerator-seconds",
    "decode_params_touched": "parameters",
    "decode_expert_params_touched": "parameters",
    "decode_step_kv_bytes": "bytes",
    "decode_linear_flop": "FLOP",
    "moe_routing_s": "s per decoding step",
    "decode_linear_bytes": "bytes",
    "decode_attention_flop": "FLOP",
    "decode_linear_compute_s": "s",
    "decode_linear_memory_s": "s",
    "decode_attention_compute_s": "s",
    "decode_attention_memory_s": "s",
    "kv_replication": "copies of the KV cache",
    "decode_step_flop": "FLOP",
    "decode_step_bytes": "bytes",
    "decode_step_compute_s": "s",
    "decode_step_memory_s": "s",
    "decode_step_s": "s",
    "step_overhead_s": "s per decoding step",
    "batch_overhead_s": "s per decoding step",
    "decode_accelerator_s": "accelerator-seconds",
    "accelerator_seconds": "accelerator-seconds",
    "decode_power_w": "W",
    "prefill_power_w": "W",
    "accelerator_energy_j": "J",
    "it_energy_j": "J",
    "facility_energy_j": "J",
    "co2e_g": "g CO2e",
    "water_ml": "mL",
}
_FUNCTIONS = {
    "weight_bytes_per_param": weight_bytes_per_param,
    "kv_cache_bytes_per_token": kv_cache_bytes_per_token,
    "weight_bytes": weight_bytes,
    "kv_cache_bytes": kv_cache_bytes,
    "accelerators_per_replica": accelerators_for_memory,
    "decode_mean_context_tokens": decode_mean_context_tokens,
    "decode_batch_size": decode_batch_size,
    "prefill_flop": prefill_flop,
    "prefill_params_touched": prefill_params_touched,
    "prefill_compute_s": prefill_compute_s,
    "prefill_memory_s": prefill_memory_s,
    "prefill_accelerator_s": prefill_accelerator_s,
    "decode_params_touched": decode_params_touched,
    "decode_expert_params_touched": decode_expert_params_touched,
    "decode_step_kv_bytes": decode_step_kv_bytes,
    "decode_linear_flop": decode_linear_flop,
    "moe_routing_s": moe_routing_s,
    "decode_linear_bytes": decode_linear_bytes,
    "decode_attention_flop": decode_attention_flop,
    "decode_linear_compute_s": decode_linear_compute_s,
    "decode_linear_memory_s": decode_linear_memory_s,
    "decode_attention_compute_s": decode_attention_compute_s,
    "decode_attention_memory_s": decode_attention_memory_s,
    "kv_replication": kv_replication,
    "decode_step_flop": decode_step_flop,
    "decode_step_bytes": decode_step_bytes,
    "decode_step_compute_s": decode_step_compute_s,
    "decode_step_memory_s": decode_step_memory_s,
    "decode_step_s": decode_step_s,
    "step_overhead_s": step_overhead_s,
    "batch_overhead_s": batch_overhead_s,
    "decode_accelerator_s": decode_accelerator_s,
    "accelerator_seconds": accelerator_seconds,
    "decode_power_w": decode_power_w,
    "prefill_power_w": prefill_power_w,
    "accelerator_energy_j": accelerator_energy_j,
    "it_energy_j": it_energy_j,
    "facility_energy_j": facility_energy_j,
    "co2e_g": co2e_g,
    "water_ml": water_ml,
}


def _needs(function: Callable) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


# Every computed quantity of a request, in dependency order.
QUANTITIES: dict[str, Quantity] = {}
_sorter = graphlib.TopologicalSorter({name: set(_needs(f)) & set(_FUNCTIONS) for name, f in _FUNCTIONS.items()})
for _name in _sorter.static_order():
    QUANTITIES[_name] = Quantity(_name, _UNITS[_name], _FUNCTIONS[_name], _needs(_FUNCTIONS[_name]))

# The inputs a request needs when no intermediate is supplied, with their units.
INPUTS = {
    "params_total": "parameters",
    "params_active": "parameters",
    "experts_total": "routed experts per MoE layer (0: dense)",
    "experts_per_token": "routed experts per token",
    "moe_layers": "layers with routed experts (0: dense)",
    "layers": "layers",
    "attention_dim": "query heads × head size",
    "kv_values_per_token": "values cached per token",
    "kv_cache_heads": "KV heads (1 for multi-head latent attention)",
    "precision_bytes_per_value": "bytes per weight",
    "peak_flop_per_s": "FLOP/s at the serving precision",
    "memory_bandwidth_bytes_per_s": "bytes/s",
    "memory_bytes": "bytes per accelerator",
    "rated_power_w": "W per accelerator",
    "idle_power_w": "W per accelerator",
    "power_covers_host": "1 if the power figure covers the whole server, else 0",
    "batch_size": "requests per decoding step",
    "input_tokens": "tokens",
    "output_tokens": "tokens",
    "compute_utilization": "fraction of peak FLOP/s achieved while decoding",
    "prefill_compute_utilization": "fraction of peak FLOP/s achieved while prefilling",
    "bandwidth_utilization": "fraction of memory bandwidth achieved",
    "power_share_memory_bound": "share of (rated − idle) power drawn while memory-bound",
    "layer_overhead_s": "s per layer per decoding step",
    "moe_token_overhead_s": "s per token per MoE layer",
    "sequence_overhead_s": "s per sequence per decoding step",
    "roofline_sharpness": "p of the softened max (compute^p + memory^p)^(1/p)",
    "host_overhead_factor": "IT energy over accelerator energy",
    "pue": "facility energy over IT energy",
    "grid_intensity_g_per_kwh": "g CO2e per kWh",
    "wue_l_per_kwh": "L per IT kWh",
    "electricity_water_l_per_kwh": "L per facility kWh",
    "kv_bytes_per_value": "bytes per cached value",
    "usable_memory_fraction": "share of accelerator memory for weights and KV cache",
}
# Inputs with a standard value, used unless a caller supplies another.
DEFAULTS = {"kv_bytes_per_value": KV_BYTES_PER_VALUE, "usable_memory_fraction": USABLE_MEMORY_FRACTION}


def unit(name: str) -> str:
    """The unit of a quantity or input by name."""
    return _UNITS.get(name) or INPUTS[name]


def resolve(values: Mapping[str, object], wanted: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Every quantity of one request (or of arrays of them), computed from ``values`` by name.

    ``values`` holds inputs (:data:`INPUTS`) and, optionally, any intermediate of
    :data:`QUANTITIES`: a supplied intermediate is used as given and the inputs
    only it needed are not required (e.g. ``accelerators_per_replica`` replaces
    the memory sizing; ``accelerator_energy_j`` measured at the wall replaces the
    whole chain before it). ``wanted`` limits the work to what those quantities
    need (default: everything computable). Returns inputs and quantities alike,
    as numpy arrays broadcast as their inputs are. Raises ValueError naming the
    first missing input.
    """
    known: dict[str, np.ndarray] = {name: np.asarray(v, dtype=float) for name, v in {**DEFAULTS, **values}.items()}
    needed: set[str] | None = None
    if wanted is not None:
        needed = set()
        stack = list(wanted)
        while stack:
            name = stack.pop()
            if name in needed:
                continue
            needed.add(name)
            if name in QUANTITIES and name not in known:
                stack.extend(QUANTITIES[name].needs)
    for name, q in QUANTITIES.items():
        if name in known or (needed is not None and name not in needed):
            continue
        missing = [n for n in q.needs if n not in known]
        if missing:
            if needed is None:  # not computable from what was given: left out
                continue
            raise ValueError(f"{name}: needs {', '.join(missing)}; allowed: supply them or {name} itself")
        known[name] = np.asarray(q.function(**{n: known[n] for n in q.needs}), dtype=float)
    return known
