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
