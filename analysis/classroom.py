"""The lesson around the book: what the pairs task can reach, and the editions a class needs pre-built.

The pairs task ("find a setting where one request falls inside the claimed 10-100 J") is played on the
serving what-if chart; :func:`reachable_request_energy` reads, for each model the chart offers, the
lowest and highest energy its controls can produce from the very grid the chart draws
(:func:`analysis.serving_chapter.whatif_grid`), so the teacher knows before the lesson which models can succeed.
"""

from __future__ import annotations

import pandas as pd

from analysis.formatting import format_quantity

# Classroom experiments on parameters with no control in the book: one pre-built edition per value
# (book/teachers.md, "Parameters that make good classroom experiments").
EXPERIMENTS: dict[str, list] = {
    "deepseek_stages": [["pre_training"]],
    "grid_intensity_g_per_kwh": [50.0, 800.0],
    "network_year": [2009],
}


def reachable_request_energy(grid: pd.DataFrame, low_j: float, high_j: float, output_tokens: float) -> pd.DataFrame:
    """For each model of the serving what-if chart: whether its controls can put one request inside [low_j, high_j].

    ``grid`` is the chart's own data (:func:`analysis.serving_chapter.whatif_grid`: one row per model, PUE,
    batch size and answer length, with ``energy_j``); ``output_tokens`` is the page's answer length (the
    chart's nearest length is used). Returns one row per model: ``output_tokens`` used, ``lowest_j`` and
    ``highest_j`` there (J), ``lowest_setting`` ({"pue", "batch_size"}), ``reaches`` (that range overlaps the
    band), and ``longest_answer_tokens``, the longest answer the chart offers at which some setting is inside
    the band (None if none is).
    """
    lengths = sorted(grid["output_tokens"].unique())
    tokens = min(lengths, key=lambda t: abs(t - float(output_tokens)))
    rows = []
    for model, g in grid.groupby("model", sort=False):
        at = g[g["output_tokens"] == tokens]
        lowest = at.loc[at["energy_j"].idxmin()]
        inside = g[(g["energy_j"] >= low_j) & (g["energy_j"] <= high_j)]["output_tokens"]
        rows.append({
            "model": model, "output_tokens": tokens,
            "lowest_j": float(lowest["energy_j"]), "highest_j": float(at["energy_j"].max()),
            "lowest_setting": {"pue": float(lowest["pue"]), "batch_size": int(lowest["batch_size"])},
            "reaches": bool(((at["energy_j"] >= low_j) & (at["energy_j"] <= high_j)).any()),
            "longest_answer_tokens": int(inside.max()) if not inside.empty else None,
        })
    return pd.DataFrame(rows)


def pairs_task_sentence(reach: pd.DataFrame, low_j: float, high_j: float) -> str:
    """Which models the pairs task can succeed with at the page's answer length, and how far the others miss."""
    tokens = reach["output_tokens"].iloc[0]
    can = reach[reach["reaches"]]["model"].tolist()
    band = f"{low_j:g}-{high_j:g} J"
    first = (f"At {tokens:,.0f} output tokens, the what-if chart's controls can put one request inside {band} "
             f"for {_join(can)}" if can else f"At {tokens:,.0f} output tokens, no model the chart offers can reach {band}")
    parts = [first]
    for r in reach[~reach["reaches"]].itertuples():
        s = r.lowest_setting
        if r.lowest_j > high_j:
            miss = f"not for {r.model}: its lowest is {format_quantity(r.lowest_j, 'J')} (PUE {s['pue']:g}, batch {s['batch_size']:g})"
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
