"""Find the input that makes a result hit a target: the "what would it take?" questions of the exercises."""

from __future__ import annotations

import math
from typing import Callable


def bisect(f: Callable[[float], float], low: float, high: float, target: float = 0.0, log: bool = False, steps: int = 200) -> float:
    """The x in [low, high] with f(x) == target for a monotonic f; NaN when the target lies outside f's range there.

    With ``log=True`` the search halves the interval in log space, which suits
    inputs spanning orders of magnitude.
    """
    g = lambda x: f(x) - target  # noqa: E731
    a, b = (math.log(low), math.log(high)) if log else (low, high)
    x = (lambda t: math.exp(t)) if log else (lambda t: t)
    ga, gb = g(x(a)), g(x(b))
    if ga == 0:
        return x(a)
    if gb == 0:
        return x(b)
    if ga * gb > 0:
        return float("nan")
    for _ in range(steps):
        m = (a + b) / 2
        gm = g(x(m))
        if gm == 0 or abs(b - a) < 1e-12 * max(1.0, abs(a)):
            return x(m)
        if ga * gm < 0:
            b = m
        else:
            a, ga = m, gm
    return x((a + b) / 2)


# ---- break-even values of a claim: where its verdict changes along one parameter ----

SCAN_POINTS = 64  # first look: evenly spaced (in log where the range spans two orders of magnitude or more)
REL_TOLERANCE = 1e-6  # each flip is located to this fraction of its value (whole-number parameters: to one)


def allowed_interval(name: str) -> tuple[float, float]:
    """The closed interval a numeric parameter may take (an exclusive minimum of 0 starts just above it); ValueError if it is not numeric."""
    from analysis.params import PARAMETERS

    p = PARAMETERS[name]
    if p.type not in (float, int) or p.maximum is None or p.minimum is None:
        raise ValueError(f"parameter {name}: has no numeric range to search; allowed: a number parameter with a minimum and a maximum")
    low, high = float(p.minimum), float(p.maximum)
    if p.exclusive_minimum:
        low = low + 1 if p.type is int else (high * 1e-9 if low == 0 else low * (1 + 1e-9))
    return low, high


def verdict_flips(verdict_at: Callable[[float], str], low: float, high: float, whole: bool = False,
                  scan: int = SCAN_POINTS, rel_tol: float = REL_TOLERANCE, around: float | None = None) -> list[dict[str, object]]:
    """Every value in [low, high] where ``verdict_at`` changes, by bracketing on a scan and bisecting each bracket.

    Returns ``[{"at": x, "from": verdict below x, "to": verdict from x on}]`` in increasing ``x``; ``x`` lies within
    ``rel_tol * |x|`` of the change (whole numbers: ``x`` is the first value with the new verdict). Two changes closer
    together than the scan's spacing may be missed; a finer ``scan`` finds them, and ``around`` (the current value)
    adds 33 scan points between a quarter and four times it, where a claim's narrow band usually lies.
    """
    import numpy as np

    log = low > 0 and high / low >= 100
    xs = np.geomspace(low, high, scan) if log else np.linspace(low, high, scan)
    if around is not None and around > 0:
        near = np.geomspace(around / 4, around * 4, 33)
        xs = np.unique(np.concatenate([xs, near[(near > low) & (near < high)]]))
    if whole:
        xs = np.unique(np.round(xs))
    xs = [float(x) for x in xs]
    verdicts = [verdict_at(x) for x in xs]
    flips = []
    for a, b, va, vb in zip(xs, xs[1:], verdicts, verdicts[1:]):
        if va == vb:
            continue
        while (b - a > 1) if whole else (b - a > rel_tol * max(abs(a), abs(b))):
            m = float(round((a + b) / 2)) if whole else (math.sqrt(a * b) if log and a > 0 else (a + b) / 2)
            if m in (a, b):
                break
            vm = verdict_at(m)
            if vm == va:
                a = m
            else:
                b, vb = m, vm
        flips.append({"at": b if whole else (a + b) / 2, "from": va, "to": vb})
    return flips


def claim_flips(data, claim_id: str, parameter: str, params: dict) -> list[dict[str, object]]:
    """Where claim ``claim_id``'s verdict changes as ``parameter`` runs over its allowed range, the others at ``params``.

    Verdicts are the ledger's keys (``holds``, ``too_low``...). Raises ValueError for an unknown claim or a
    parameter without a numeric range.
    """
    from analysis import claims
    from analysis.params import PARAMETERS

    if claim_id not in data.claims.index:
        raise ValueError(f"claim {claim_id}: unknown; claims: {', '.join(data.claims.index)}")
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter {parameter}: unknown; known parameters: {', '.join(PARAMETERS)}")
    low, high = allowed_interval(parameter)
    whole = PARAMETERS[parameter].type is int
    at = lambda x: claims.evaluate(data, claim_id, {**params, parameter: int(x) if whole else x})["verdict"]  # noqa: E731
    current = params.get(parameter)
    return verdict_flips(at, low, high, whole=whole, around=float(current) if isinstance(current, (int, float)) else None)


def claim_ranges(data, claim_id: str, parameter: str, params: dict) -> list[tuple[float, float, str]]:
    """The allowed range of ``parameter`` cut where ``claim_id``'s verdict changes: ``[(from, to, verdict), ...]`` in order."""
    from analysis import claims

    low, high = allowed_interval(parameter)
    flips = claim_flips(data, claim_id, parameter, params)
    if flips:
        first = flips[0]["from"]
    else:
        first = claims.evaluate(data, claim_id, {**params, parameter: low})["verdict"]
    edges = [low, *(f["at"] for f in flips), high]
    verdicts = [first, *(f["to"] for f in flips)]
    return [(a, b, v) for a, b, v in zip(edges, edges[1:], verdicts)]


def holds_phrase(ranges: list[tuple[float, float, str]], show: Callable[[float], str], what: str) -> str:
    """``"holds for <what> between $1.97 and $2.33"`` from :func:`claim_ranges`; says so when it holds nowhere."""
    holding = [(a, b) for a, b, v in ranges if v == "holds"]
    if not holding:
        return f"holds for no {what} in the allowed range"
    return "holds for " + what + " " + " and ".join(f"between {show(a)} and {show(b)}" for a, b in holding)
