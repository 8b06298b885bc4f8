"""Words that follow the numbers: the small pieces of English the chapters generate.

A sentence whose truth depends on a number (a quantifier such as "every" or
"none", a comparison, which parameters were changed) is built here from that
number, never typed into a page. Each function is pure and returns plain text
(Markdown), for ``myst_nb.glue``.
"""

from __future__ import annotations

import math
from typing import Iterable


def join(items: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``; one item as it is; none as ``""``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def how_many(count: int, total: int, noun_plural: str) -> str:
    """A quantifier that says exactly how many of ``total`` things: "all 4 bases", "none of the 4 bases", "3 of the 4 bases".

    ``noun_plural`` is the plural noun ("bases"); the count decides the words, never the caller.
    """
    if not 0 <= count <= total:
        raise ValueError(f"count: {count} must lie between 0 and total ({total})")
    if total == 0:
        return f"no {noun_plural}"
    if count == total:
        return f"both {noun_plural}" if total == 2 else f"all {total} {noun_plural}"
    if count == 0:
        return f"neither of the 2 {noun_plural}" if total == 2 else f"none of the {total} {noun_plural}"
    return f"{count} of the {total} {noun_plural}"


def fall_or_falls(count: int, total: int) -> str:
    """The verb after :func:`how_many`: "none of the 4 ... falls", "3 of the 4 ... fall"."""
    return "falls" if count == 0 and total != 0 or count == 1 and total != 1 else "fall"


def changed_parameters(values: dict, defaults: dict) -> list[str]:
    """Names of the parameters in ``values`` whose value differs from ``defaults`` (in ``values``' order)."""
    changed = []
    for name, value in values.items():
        default = defaults.get(name)
        same = value == default
        if isinstance(value, float) and isinstance(default, float) and math.isnan(value) and math.isnan(default):
            same = True
        if not same:
            changed.append(name)
    return changed


def assumptions_phrase(values: dict, defaults: dict) -> str:
    """Which assumptions a result was computed under: "under the default assumptions" only when none was changed.

    Otherwise names every changed parameter (as code), e.g.
    "under this edition's assumptions (changed from the defaults: `pue`, `batch_size`)".
    """
    changed = changed_parameters(values, defaults)
    if not changed:
        return "under the default assumptions"
    return f"under this edition's assumptions (changed from the defaults: {join(f'`{name}`' for name in changed)})"


def number(x: float, unit: str = "") -> str:
    """A value as the pages print it: thousands separated at 100 and above, three significant figures below."""
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
    return f"{text} {unit}".rstrip() if unit else text


def position(low: float, high: float, claimed_low: float, claimed_high: float) -> str:
    """Where the interval ``low``–``high`` lies against a claimed range: "above", "below", "inside" or "overlapping"."""
    if low > claimed_high:
        return "above"
    if high < claimed_low:
        return "below"
    if claimed_low <= low and high <= claimed_high:
        return "inside"
    return "overlapping"


def range_text(low: float, high: float, unit: str = "") -> str:
    """``10, 100, "J"`` -> ``"10-100 J"``, each end as :func:`number` prints it."""
    return f"{number(low)}-{number(high)}{' ' + unit if unit else ''}"
