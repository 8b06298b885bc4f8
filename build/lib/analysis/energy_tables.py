"""Schemas of the energy tables in ``data/`` (the inference-versus-search chapter)."""

from __future__ import annotations

from analysis.schema import Table

# name -> Table; loaded and validated by analysis.data.load like every other table.
ENERGY_TABLES: dict[str, Table] = {}
# name -> key column the loaded frame is indexed by.
ENERGY_INDEX: dict[str, str] = {}
