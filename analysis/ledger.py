"""The claims ledger: every chapter's checks, composed.

The top of the science: it imports each chapter's analysis, whose checks
register themselves with :mod:`analysis.claims` (``@check("name")``), and judges
every claim of ``data/claims.csv``. Nothing below imports it, so the layers run
one way: data -> formulas -> chapter analyses -> this ledger.
"""

from __future__ import annotations

from analysis import inference_analysis, training_analysis  # noqa: F401  each registers its chapter's checks
from analysis.claims import evaluate, ledger

CHAPTERS = (training_analysis, inference_analysis)

__all__ = ["CHAPTERS", "evaluate", "ledger"]
