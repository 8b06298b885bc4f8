"""Seeded Monte Carlo and one-at-a-time sensitivity for models built from analysis functions.

An uncertain input is a :class:`Range` (low, central, high). :func:`sample` draws
it so that the central value is the most likely one and no draw leaves
[low, high]:

- a continuous input with low > 0 from a triangular distribution on the
  logarithm (log-triangular): the mode of log x is log(central), so each
  factor away from the central value is less likely than the last, whether the
  range spans 25 % or two orders of magnitude. One rule for every positive
  range, so nothing switches when a range widens or narrows a little;
- a continuous input with low <= 0 from a triangular distribution on the value
  itself (mode = central; none of the book's inputs needs it);
- a discrete input (``Range(..., discrete=True)``, e.g. 1 or 2 bytes per
  weight) as one of its low, central and high values with probabilities
  1/4, 1/2, 1/4 (values that coincide add up: (1, 2, 2) is 1 with 1/4, 2 with 3/4);
- a fixed input (low == high) not at all.

A triangular distribution needs nothing beyond a lowest, a most likely and a
highest value, which is all the sources give; taking it on the logarithm suits
quantities that multiply.
The model is any function of those inputs as keyword arrays, such as the
broadcastable formulas in :mod:`analysis.inference`.
Each input has its own seeded random stream and its draws are an inverse-CDF
transform of one uniform number each, so the same seed gives the same numbers,
bit for bit.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

DISCRETE_WEIGHTS = (0.25, 0.5, 0.25)  # probability of a discrete input's low, central and high value
INTERVAL = 0.90  # the reported interval: 5th to 95th percentile
MEDIAN_CONFIDENCE_Z = 1.96  # ~95 % distribution-free interval for the median estimate


@dataclass(frozen=True)
class Range:
    """An uncertain input: its lowest plausible, central and highest plausible value."""

    low: float
    central: float
    high: float
    discrete: bool = False  # the value is one of low, central, high and nothing between

    def __post_init__(self):
        values = (self.low, self.central, self.high)
        if any(math.isnan(v) or math.isinf(v) for v in values):
            raise ValueError(f"range: need finite numbers; got {self.low:g}, {self.central:g}, {self.high:g}")
        if not self.low <= self.central <= self.high:
            raise ValueError(f"range: need low <= central <= high; got {self.low:g}, {self.central:g}, {self.high:g}")

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    @property
    def log_scale(self) -> bool:
        """Whether a continuous draw is triangular on the logarithm (every range with low > 0)."""
        return self.low > 0


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


def triangular_quantile(u, low: float, mode: float, high: float) -> np.ndarray:
    """The triangular distribution's inverse CDF at ``u`` (array in [0, 1)), for low <= mode < high or low < mode <= high.

    F(mode) = (mode − low) / (high − low); below it x = low + √(u (high − low)(mode − low)),
    above it x = high − √((1 − u)(high − low)(high − mode)): the inverse of the CDF that the
    density 2(x − low) / ((high − low)(mode − low)), rising to the mode and falling after it, integrates to.
    """
    u = np.asarray(u, dtype=float)
    width = high - low
    if width <= 0:  # e.g. the logarithms of two ends a rounding error apart
        return np.full(u.shape, float(mode))
    at_mode = (mode - low) / width
    below = low + np.sqrt(u * width * (mode - low))
    above = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.where(u < at_mode, below, above)


def draw(r: Range, u) -> np.ndarray:
    """The values of input ``r`` at the uniform numbers ``u`` (see the module note for the distributions)."""
    u = np.asarray(u, dtype=float)
    if r.fixed:
        return np.full(u.shape, float(r.low))
    if r.discrete:
        first, second, _ = np.cumsum(DISCRETE_WEIGHTS)
        return np.where(u < first, float(r.low), np.where(u < second, float(r.central), float(r.high)))
    if r.log_scale:
        values = np.exp(triangular_quantile(u, math.log(r.low), math.log(r.central), math.log(r.high)))
    else:
        values = triangular_quantile(u, float(r.low), float(r.central), float(r.high))
    return np.clip(values, r.low, r.high)  # exp(log(x)) may miss an end by a rounding error


def sample(ranges: Mapping[str, Range], samples: int, seed: int) -> dict[str, np.ndarray]:
    """Draw ``samples`` values of every input, independently, each from its own seeded stream."""
    n = check_samples(samples)
    return {name: draw(r, input_rng(seed, name).random(n)) for name, r in ranges.items()}


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


def percentile_of(values, x: float) -> float:
    """Where ``x`` falls among ``values``, in percent: the share of values below it plus half the share equal to it."""
    values = np.asarray(values, dtype=float).ravel()
    return float(100.0 * (np.mean(values < x) + 0.5 * np.mean(values == x)))


def simulate(model: Callable[..., np.ndarray], ranges: Mapping[str, Range], samples: int, seed: int) -> np.ndarray:
    """``model(**draws)`` evaluated on all draws at once: an array of ``samples`` outputs."""
    draws = sample(ranges, samples, seed)
    return np.broadcast_to(np.asarray(model(**draws), dtype=float), (check_samples(samples),))


def monte_carlo(model: Callable[..., np.ndarray], ranges: Mapping[str, Range], samples: int, seed: int) -> Summary:
    """Evaluate ``model(**draws)`` on all draws at once and summarise it."""
    return summarise(simulate(model, ranges, samples, seed))


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
