"""Judge public claims against computed values: the claims ledger.

A claim (a row of ``data/claims.csv``) names a *check*: a function registered
here with :func:`check` that computes the quantity the claim is about from
``data/`` and the parameters. Adding a claim of a known kind is a new CSV row;
only a new kind of claim needs code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from analysis.data import Dataset

VERDICTS = ("holds", "too_low", "too_high", "mixed", "unverifiable")
VERDICT_TEXT = {
    "holds": "holds",
    "too_low": "understates",
    "too_high": "overstates",
    "mixed": "mixed",
    "unverifiable": "unverifiable",
}


@dataclass(frozen=True)
class Computed:
    """What a check found: a central value, an interval, and what it rests on."""

    value: float
    low: float
    high: float
    basis: str
    verdict: str | None = None  # set only by checks that judge a claim by their own rule
    details: dict = field(default_factory=dict)


CheckFunction = Callable[[Dataset, dict, dict], Computed]
CHECKS: dict[str, CheckFunction] = {}


def check(name: str):
    """Register a check under ``name`` for use in the ``check`` column of claims.csv."""

    def register(func: CheckFunction) -> CheckFunction:
        CHECKS[name] = func
        return func

    return register


def judge(claimed_low: float, claimed_high: float, computed_low: float, computed_high: float,
          computed_value: float | None = None) -> str:
    """Compare the claim's range with the computed interval (and, when given, the central value).

    ``too_low`` when the whole claim lies below the computed interval (the
    claim understates); ``too_high`` when above it; ``holds`` when they overlap
    and the central value lies inside the claim; ``mixed`` when they overlap
    but the central value lies outside it (the claim is possible, not likely).
    """
    if any(math.isnan(x) for x in (computed_low, computed_high)):
        return "unverifiable"
    if claimed_high < computed_low:
        return "too_low"
    if claimed_low > computed_high:
        return "too_high"
    if computed_value is not None and not math.isnan(computed_value) and not claimed_low <= computed_value <= claimed_high:
        return "mixed"
    return "holds"


def parse_args(text: str | None) -> dict[str, str]:
    """``"run=a;reference=b"`` -> ``{"run": "a", "reference": "b"}``."""
    if not isinstance(text, str) or not text.strip():
        return {}
    pairs = [part.split("=", 1) for part in text.split(";") if part.strip()]
    return {k.strip(): v.strip() for k, v in pairs}


def _load_checks() -> None:
    # Importing the chapter modules registers their checks.
    import analysis.training_analysis  # noqa: F401

    try:
        import analysis.inference_analysis  # noqa: F401
    except ModuleNotFoundError as err:
        if err.name != "analysis.inference_analysis":
            raise


def evaluate(data: Dataset, claim_id: str, params: dict) -> dict:
    """One ledger entry: the claim, what we computed, and the verdict."""
    _load_checks()
    row = data.claims.loc[claim_id]
    name = row["check"]
    if name not in CHECKS:
        raise KeyError(f"data/claims.csv: claim {claim_id}: unknown check {name!r}; known checks: {', '.join(sorted(CHECKS))}")
    computed = CHECKS[name](data, params, parse_args(row["check_args"]))
    verdict = computed.verdict or judge(row["claimed_low"], row["claimed_high"], computed.low, computed.high, computed.value)
    return {
        "id": claim_id,
        "chapter": row["chapter"],
        "quote": row["quote"],
        "claimed": {"low": float(row["claimed_low"]), "high": float(row["claimed_high"])},
        "computed": {"value": float(computed.value), "low": float(computed.low), "high": float(computed.high)},
        "unit": row["unit"],
        "verdict": verdict,
        "basis": computed.basis,
        "reading": row["reading"],
        "source": {"said_by": row["said_by"], "citation": row["source"], "locator": row["locator"]},
    }


def ledger(data: Dataset, params: dict, chapter: str | None = None) -> list[dict]:
    """Every claim (of one chapter, when given), judged under ``params``."""
    ids = [cid for cid, ch in zip(data.claims.index, data.claims["chapter"]) if chapter is None or ch == chapter]
    return [evaluate(data, cid, params) for cid in ids]
