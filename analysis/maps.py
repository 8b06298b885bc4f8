"""Verdict maps: where a claim holds, understates or overstates over two parameters (``python -m analysis map``)."""

from __future__ import annotations

import pandas as pd

from analysis import params as P


def verdict_grid(data, claim_id: str, x_name: str, x_values: list, y_name: str, y_values: list, params: dict) -> pd.DataFrame:
    """One row per (x, y): the claim's verdict key and word and our central value there, the other parameters at ``params``.

    ``x_values`` and ``y_values`` are checked values of the named parameters (list parameters: lists of choices;
    they are shown joined by ``;``). Raises ValueError for an unknown claim, or what the claim's check raises.
    """
    from analysis import claims

    if claim_id not in data.claims.index:
        raise ValueError(f"claim {claim_id}: unknown; claims: {', '.join(data.claims.index)}")
    rows = []
    for y in y_values:
        for x in x_values:
            entry = claims.evaluate(data, claim_id, {**params, x_name: x, y_name: y})
            rows.append({x_name: _shown(x), y_name: _shown(y), "verdict": entry["verdict"],
                         "verdict_word": claims.VERDICT_TEXT[entry["verdict"]], "value": entry["computed"]["value"]})
    return pd.DataFrame(rows)


def _shown(value):
    return ";".join(value) or "none" if isinstance(value, list) else value


def describe(frame: pd.DataFrame, claim_id: str, x_name: str, y_name: str) -> str:
    """The map in words: how much of the grid each verdict covers, and for each y the x values where the claim holds."""
    from analysis.claims import VERDICT_TEXT

    total = len(frame)
    shares = "; ".join(f"{VERDICT_TEXT[v]} in {n} of {total} points" for v, n in frame["verdict"].value_counts().items())
    lines = []
    for y, part in frame.groupby(y_name, sort=False):
        holding = part.loc[part["verdict"] == "holds", x_name]
        where = f"holds for {x_name} from {holding.min():g} to {holding.max():g}" if len(holding) else "holds nowhere on the grid"
        lines.append(f"at {y_name} = {y}: {where}")
    return f"Map of the verdict on {claim_id} over {x_name} (across) and {y_name} (down): {shares}. " + "; ".join(lines) + "."


def parameter_title(name: str) -> str:
    p = P.PARAMETERS[name]
    return f"{name} ({p.unit})" if p.unit else name
