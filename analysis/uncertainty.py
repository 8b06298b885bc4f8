"""Seeded Monte Carlo and one-at-a-time sensitivity for models built from analysis functions.

An uncertain input is a :class:`Range` (low, central, high). :func:`sample` draws
it log-uniformly when high / low > 3 (the range spans orders of magnitude, so
each factor of two is as likely as the next), uniformly otherwise, and not at
all when low == high. The model is any function of those inputs as keyword
arrays, such as the broadcastable formulas in :mod:`analysis.inference`.
The same seed gives the same numbers, bit for bit.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

LOG_UNIFORM_RATIO = 3.0  # above this high / low, sample in log space
INTERVAL = 0.90  # the reported interval: 5th to 95th percentile
MEDIAN_CONFIDENCE_Z = 1.96  # ~95 % distribution-free interval for the median estimate


@dataclass(frozen=True)
class Range:
    """An uncertain input: its lowest plausible, central and highest plausible value."""

    low: float
    central: float
    high: float

    def __post_init__(self):
        if not self.low <= self.central <= self.high:
            raise ValueError(f"range: need low <= central <= high; got {self.low:g}, {self.central:g}, {self.high:g}")

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    @property
    def log_uniform(self) -> bool:
        return self.low > 0 and self.high / self.low > LOG_UNIFORM_RATIO


@dataclass(frozen=True)
class Summary:
    """Median and 90 % interval of a Monte Carlo output, with the precision of the median itself."""

    median: float
    low: float  # 5th percentile
    high: float  # 95th percentile
    samples: int
    median_low: float  # ~95 % interval of the median estimate (order statistics)
    median_high: float


@dataclass(frozen=True)
class Swing:
    """One row of a tornado chart: the output with one input at its low and at its high."""

    input: str
    output_at_low: float
    output_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.output_at_high - self.output_at_low)


def check_samples(samples) -> int:
    """The sample count as an int, or ValueError naming ``samples``."""
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ValueError(f"samples: got {samples!r}; allowed: a whole number >= 1")
    return int(samples)


def check_seed(seed) -> int:
    """The seed as an int, or ValueError naming ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: got {seed!r}; allowed: a whole number >= 0")
    return int(seed)


def input_rng(seed: int, name: str) -> np.random.Generator:
    """numpy's default_rng seeded by (seed, input name): each input has its own stream.

    So an input's draws do not change when another input is added, removed, fixed or freed.
    """
    return np.random.default_rng([check_seed(seed), zlib.crc32(name.encode("utf-8"))])


def sample(ranges: Mapping[str, Range], samples: int, seed: int) -> dict[str, np.ndarray]:
    """Draw ``samples`` values of every input, independently, each from its own seeded stream."""
    n = check_samples(samples)
    draws: dict[str, np.ndarray] = {}
    for name, r in ranges.items():
        if r.fixed:
            draws[name] = np.full(n, float(r.low))
            continue
        u = input_rng(seed, name).random(n)
        if r.log_uniform:
            draws[name] = np.exp(math.log(r.low) + u * (math.log(r.high) - math.log(r.low)))
        else:
            draws[name] = r.low + u * (r.high - r.low)
    return draws


def median_interval(values, z: float = MEDIAN_CONFIDENCE_Z) -> tuple[float, float]:
    """Distribution-free interval for the median: the order statistics n/2 ± z·√n/2 (binomial approximation)."""
    ordered = np.sort(np.asarray(values, dtype=float).ravel())
    n = ordered.size
    half_width = z * math.sqrt(n) / 2.0
    lo = max(int(math.floor(n / 2.0 - half_width)), 0)
    hi = min(int(math.ceil(n / 2.0 + half_width)), n - 1)
    return float(ordered[lo]), float(ordered[hi])


def summarise(values, interval: float = INTERVAL) -> Summary:
    """Median, central ``interval`` (5th–95th percentile by default) and the median's own interval."""
    values = np.asarray(values, dtype=float).ravel()
    tail = (1.0 - interval) / 2.0 * 100.0
    low, median, high = np.percentile(values, [tail, 50.0, 100.0 - tail])
    median_low, median_high = median_interval(values)
    return Summary(float(median), float(low), float(high), int(values.size), median_low, median_high)


def monte_carlo(model: Callable[..., np.ndarray], ranges: Mapping[str, Range], samples: int, seed: int) -> Summary:
    """Evaluate ``model(**draws)`` on all draws at once and summarise it."""
    draws = sample(ranges, samples, seed)
    values = np.broadcast_to(np.asarray(model(**draws), dtype=float), (check_samples(samples),))
    return summarise(values)


def central_value(model: Callable[..., np.ndarray], ranges: Mapping[str, Range]) -> float:
    """The model with every input at its central value (the point estimate)."""
    return float(model(**{name: r.central for name, r in ranges.items()}))


def tornado(model: Callable[..., np.ndarray], ranges: Mapping[str, Range]) -> list[Swing]:
    """One-at-a-time sensitivity: each input at its low and high, the others central; largest swing first."""
    central = {name: r.central for name, r in ranges.items()}
    rows = []
    for name, r in ranges.items():
        at_low = float(model(**{**central, name: r.low}))
        at_high = float(model(**{**central, name: r.high}))
        rows.append(Swing(name, at_low, at_high))
    return sorted(rows, key=lambda row: row.swing, reverse=True)
