"""The lesson around the book: what the pairs task can reach, and the editions a class needs pre-built.

The pairs task ("find a setting where one request falls inside the claimed 10-100 J") is played on the
request what-if chart; :func:`reachable_request_energy` works out, for each model the chart offers, the
lowest and highest energy its controls can produce, so the teacher knows before the lesson which models
can succeed.
"""

from __future__ import annotations

import itertools

import pandas as pd

from analysis import charts
from analysis.formatting import format_quantity

# Classroom experiments on parameters with no control in the book: one pre-built edition per value
# (book/teachers.md, "Parameters that make good classroom experiments").
EXPERIMENTS: dict[str, list] = {
    "deepseek_stages": [["pre_training"]],
    "grid_intensity_g_per_kwh": [50.0, 800.0],
    "network_year": [2009],
}


def _extremes(constants: dict[str, float], active_params: float, output_tokens: float) -> tuple[tuple, tuple]:
    """The lowest and highest request energy (J, with the slider setting) over the sliders' ranges, at one answer length.

    The expression is monotone in each control (a maximum of two terms, each monotone in the same
    direction), so its extremes over the sliders' box lie at the box's corners.
    """
    names = list(charts.REQUEST_SLIDERS)
    corners = itertools.product(*[(charts.REQUEST_SLIDERS[n]["min"], charts.REQUEST_SLIDERS[n]["max"]) for n in names])
    points = []
    for corner in corners:
        params = {**constants, **dict(zip(names, corner)), "active_params": active_params}
        points.append((charts.evaluate(charts.REQUEST_ENERGY_EXPR, {"output_tokens": output_tokens}, **params), dict(zip(names, corner))))
    return min(points, key=lambda p: p[0]), max(points, key=lambda p: p[0])


def reachable_request_energy(constants: dict[str, float], models: dict[str, float], low_j: float, high_j: float,
                             output_tokens: float) -> pd.DataFrame:
    """For each model of the request what-if chart: whether its controls can put one request inside [low_j, high_j].

    ``constants`` are :func:`analysis.inference_analysis.whatif_constants`; ``models`` maps the chart's
    labels to active parameters; ``output_tokens`` is the page's answer length. The energy is the chart's
    own expression (``charts.REQUEST_ENERGY_EXPR``) over the sliders' ranges (``charts.REQUEST_SLIDERS``).
    Returns one row per model: ``lowest_j`` and ``highest_j`` at ``output_tokens`` (J), ``lowest_setting``,
    ``reaches`` (that range overlaps the band), and ``longest_answer_tokens``, the longest answer the chart
    draws (``charts.REQUEST_OUTPUT_TOKENS``) at which some setting is inside the band (None if none is).
    """
    rows = []
    for label, active_params in models.items():
        lowest, highest = _extremes(constants, active_params, output_tokens)
        inside = [t for t in charts.REQUEST_OUTPUT_TOKENS
                  if (lambda lo, hi: lo[0] <= high_j and hi[0] >= low_j)(*_extremes(constants, active_params, t))]
        rows.append({
            "model": label, "active_params": active_params, "output_tokens": output_tokens,
            "lowest_j": lowest[0], "highest_j": highest[0], "lowest_setting": lowest[1],
            "reaches": lowest[0] <= high_j and highest[0] >= low_j,
            "longest_answer_tokens": max(inside) if inside else None,
        })
    return pd.DataFrame(rows)


def pairs_task_sentence(reach: pd.DataFrame, low_j: float, high_j: float) -> str:
    """Which models the pairs task can succeed with at the page's answer length, and how far the others miss."""
    tokens = reach["output_tokens"].iloc[0]
    can = reach[reach["reaches"]]["model"].tolist()
    band = f"{low_j:g}-{high_j:g} J"
    first = (f"At the inference chapter's answer length of {tokens:,.0f} tokens, the what-if chart's controls can put one request inside {band} "
             f"for {_join(can)}" if can else f"At the inference chapter's answer length of {tokens:,.0f} tokens, no model the chart offers can reach {band}")
    parts = [first]
    for r in reach[~reach["reaches"]].itertuples():
        s = r.lowest_setting
        if r.lowest_j > high_j:
            miss = (f"not for {r.model}: its lowest is {format_quantity(r.lowest_j, 'J')} (utilization {s['utilization']:g}, "
                    f"PUE {s['serving_pue']:g}, batch {s['batch_size']:g})")
        else:
            miss = f"not for {r.model}: its highest is {format_quantity(r.highest_j, 'J')}"
        if r.longest_answer_tokens is not None:
            miss += f", and it gets inside only with answers of at most {r.longest_answer_tokens:,.0f} tokens"
        parts.append(miss)
    return "; ".join(parts) + "."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Sentence(str):
    """A sentence that prints as itself (no quotes), so a page can glue it as text from another page."""

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def experiment_editions() -> list[dict[str, object]]:
    """The parameter sets of the classroom experiments that have no control on the page, one per edition."""
    return [{name: value} for name, values in EXPERIMENTS.items() for value in values]
