"""Which assumption matters, globally: variance-based (Sobol) sensitivity of a request's energy, computed with SALib.

The one-at-a-time tornado (:func:`analysis.inference_analysis.sensitivity`) moves one input with the others
central; Sobol indices split the output's variance over all inputs moving together, each drawn from the very
distribution the Monte Carlo uses (:func:`analysis.uncertainty.draw` turns SALib's uniform sample into it).
First-order index S1: the share of variance an input explains alone; total index ST: its share with every
interaction it takes part in. ST well above S1 means the input interacts. Estimator: Saltelli's sampling and
Jansen/Saltelli estimators as implemented by SALib (Herman & Usher 2017, JOSS 2(9):97).
"""

from __future__ import annotations

import numpy as np

from analysis import uncertainty as mc

INTERACTION = 0.05  # ST - S1 above this: the input's effect depends on others


def claim_model(data, claim_id: str) -> str:
    """The request model a request-energy claim checks (``gpt2-xl``...); ValueError for other claims."""
    from analysis.claims import parse_args

    if claim_id not in data.claims.index:
        raise ValueError(f"claim {claim_id}: unknown; claims: {', '.join(data.claims.index)}")
    row = data.claims.loc[claim_id]
    if row["check"] != "llm_request_energy":
        allowed = [c for c, k in zip(data.claims.index, data.claims["check"]) if k == "llm_request_energy"]
        raise ValueError(f"claim {claim_id}: Sobol indices are computed for a request's energy; allowed: {', '.join(allowed)}")
    return parse_args(row["check_args"])["model"]


def sobol(data, params: dict, model: str, samples: int = 1024, seed: int = 2025) -> list[dict[str, float]]:
    """First-order and total Sobol indices of the request energy (J) for each uncertain input, largest total first.

    ``samples`` is SALib's base sample N (a power of 2); the model runs N·(k+2) times for k uncertain inputs.
    Each row: name, first_order, total, first_order_ci, total_ci (95 % bootstrap half-widths). Seeded: the same
    arguments give the same numbers.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from analysis import inference_analysis as ia

    fn, ranges = ia._request(data, params, model)
    varying = {name: r for name, r in ranges.items() if not r.fixed}
    fixed = {name: r.central for name, r in ranges.items() if r.fixed}
    problem = {"num_vars": len(varying), "names": list(varying), "bounds": [[0.0, 1.0]] * len(varying)}
    u = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    draws = {name: mc.draw(r, u[:, i]) for i, (name, r) in enumerate(varying.items())}
    y = np.broadcast_to(np.asarray(fn(**draws, **fixed), dtype=float), (u.shape[0],))
    result = sobol_analyze.analyze(problem, np.ascontiguousarray(y), calc_second_order=False, seed=seed)
    rows = [{"name": name, "first_order": float(result["S1"][i]), "total": float(result["ST"][i]),
             "first_order_ci": float(result["S1_conf"][i]), "total_ci": float(result["ST_conf"][i])}
            for i, name in enumerate(varying)]
    return sorted(rows, key=lambda r: -r["total"])


def interaction_sentence(rows: list[dict[str, float]]) -> str:
    """Which inputs interact (total index above first-order by more than :data:`INTERACTION`), in words."""
    interacting = [r for r in rows if r["total"] - r["first_order"] > INTERACTION]
    first_sum = sum(r["first_order"] for r in rows)
    if not interacting:
        return (f"no input's total index exceeds its first-order index by more than {INTERACTION:g}: the inputs act almost "
                f"additively, and the first-order indices sum to {first_sum:.2f}")
    named = ", ".join(f"{r['name']} (first-order {r['first_order']:.2f}, total {r['total']:.2f})" for r in interacting)
    return (f"{named} {'interacts' if len(interacting) == 1 else 'interact'} with the other inputs: "
            f"part of {'its' if len(interacting) == 1 else 'their'} effect shows only when others move too, "
            f"and the first-order indices sum to {first_sum:.2f}, not 1")
