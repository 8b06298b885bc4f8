"""Load the sourced tables in ``data/`` and validate them against their schemas.

Everything the analysis knows comes through :func:`load`. A table that breaks
its schema stops the run with a :class:`~analysis.schema.DataError` naming the
file, the row and the column; nothing is filled in silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.energy_tables import ENERGY_INDEX, ENERGY_TABLES, check_inputs
from analysis.schema import Column, DataError, Table, validate

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

KINDS = ("reported", "estimate", "derived")
_positive = dict(kind="number", minimum=0.0, exclusive_minimum=True)
_optional_positive = dict(kind="number", required=False, minimum=0.0, exclusive_minimum=True)
_optional_count = dict(kind="number", required=False, minimum=0.0)

TABLES: dict[str, Table] = {
    "training_runs": Table(
        "training_runs",
        key="run_id",
        columns=(
            Column("run_id", unique=True, description="Identifier of the training run"),
            Column("model", description="Model name as published"),
            Column("developer"),
            Column("architecture", required=False, choices=("dense", "moe")),
            Column("params_total", **_optional_positive, description="Total parameters"),
            Column("params_active", **_optional_positive, description="Parameters active per token"),
            Column("training_tokens", **_optional_positive, description="Pre-training tokens"),
            Column("accelerator", required=False, description="Accelerator id in hardware.csv"),
            Column("accelerator_count", kind="integer", required=False, minimum=1),
            Column("gpu_hours_pre_training", **_optional_count),
            Column("gpu_hours_context_extension", **_optional_count),
            Column("gpu_hours_post_training", **_optional_count),
            Column("gpu_hours_total", **_optional_count),
            Column("training_flop", **_optional_positive, description="Training FLOP as reported or estimated"),
            Column("training_flop_low", **_optional_positive),
            Column("training_flop_high", **_optional_positive),
            Column("flop_per_token", **_optional_positive, description="Training FLOP per token (DeepSeek's count)"),
            Column("cost_usd", **_optional_count),
            Column("cost_price_usd_per_gpu_hour", **_optional_positive),
            Column("emissions_tco2eq", **_optional_count, description="Location-based emissions, tCO2eq"),
            Column("kind", choices=("reported", "estimate")),
            Column("note", required=False),
        ),
    ),
    "hardware": Table(
        "hardware",
        key="accelerator",
        columns=(
            Column("accelerator", unique=True),
            Column("name"),
            Column("peak_bf16_dense_flop_per_s", **_positive),
            Column("peak_fp8_dense_flop_per_s", **_optional_positive),
            Column("board_power_w", **_positive),
            Column("memory_bandwidth_bytes_per_s", **_positive),
            Column("memory_bytes", **_positive),
            Column("note", required=False),
        ),
    ),
    "provenance": Table(
        "provenance",
        key="row",
        unique_together=("table", "row", "column"),
        columns=(
            Column("table", choices=("training_runs", "hardware")),
            Column("row"),
            Column("column"),
            Column("source"),
            Column("locator"),
            Column("kind", choices=KINDS),
            Column("note", required=False),
        ),
    ),
    "clusters": Table(
        "clusters",
        key="cluster_id",
        columns=(
            Column("cluster_id", unique=True),
            Column("organisation"),
            Column("description"),
            Column("gpus", kind="integer", minimum=1),
            Column("accelerator"),
            Column("date", kind="date"),
            Column("scope", choices=("training_run", "cluster")),
            Column("source"),
            Column("locator"),
            Column("note", required=False),
        ),
    ),
    "benchmarks": Table(
        "benchmarks",
        key="benchmark",
        unique_together=("suite", "benchmark", "run_id"),
        columns=(
            Column("suite", choices=("base", "chat")),
            Column("benchmark"),
            Column("metric"),
            Column("shots", required=False),
            Column("run_id"),
            Column("score", kind="number", minimum=0.0),
            Column("higher_is_better", choices=("yes", "no")),
            Column("source"),
            Column("locator"),
        ),
    ),
    "arena": Table(
        "arena",
        key="run_id",
        columns=(
            Column("run_id", unique=True),
            Column("name_on_leaderboard"),
            Column("elo", kind="number"),
            Column("ci_plus", kind="number", minimum=0.0),
            Column("ci_minus", kind="number", minimum=0.0),
            Column("rank", kind="integer", minimum=1),
            Column("snapshot_date", kind="date"),
            Column("source"),
            Column("locator"),
        ),
    ),
    "spend_estimates": Table(
        "spend_estimates",
        key="estimate_id",
        columns=(
            Column("estimate_id", unique=True),
            Column("organisation"),
            Column("quantity"),
            Column("value_usd", kind="number", minimum=0.0),
            Column("low_usd", kind="number", minimum=0.0),
            Column("high_usd", kind="number", minimum=0.0),
            Column("kind", choices=KINDS),
            Column("source"),
            Column("locator"),
            Column("note", required=False),
        ),
    ),
    "grid_intensity": Table(
        "grid_intensity",
        key="region",
        columns=(
            Column("region", unique=True),
            Column("year", kind="integer", minimum=1990),
            Column("g_co2_per_kwh", kind="number", minimum=0.0),
            Column("source"),
            Column("locator"),
        ),
    ),
    "claims": Table(
        "claims",
        key="claim_id",
        columns=(
            Column("claim_id", unique=True),
            Column("chapter"),
            Column("quote", description="The claim in the source's words; ' ... ' marks words left out, never a reordering"),
            Column("source_sentence", description="The one sentence the quote is cut from, verbatim (as far as our copy of the source goes)"),
            Column("sentence_complete", choices=("yes", "no"), description="'no' where our copy of the source cuts the sentence off"),
            Column("claimed_low", kind="number"),
            Column("claimed_high", kind="number"),
            Column("unit"),
            Column("reading", description="How the claim's wording was turned into a range"),
            Column("check", description="Name of the computation that tests the claim"),
            Column("check_args", required=False),
            Column("said_by"),
            Column("source"),
            Column("locator"),
        ),
    ),
}


TABLES.update(ENERGY_TABLES)


def citation_keys(bib_path: Path) -> set[str]:
    """The entry keys of a BibTeX file."""
    return set(re.findall(r"^@\w+\{([^,\s]+),", bib_path.read_text(encoding="utf-8"), flags=re.MULTILINE))


def read_table(path: Path, table: Table, known_sources: set[str]) -> pd.DataFrame:
    """Read one CSV as text and validate it; see :func:`analysis.schema.validate`."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError([f"{path}: file not found (expected the {table.name} table)"]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError([f"{path}: not a readable CSV table ({err})"]) from None
    raw = raw.apply(lambda col: col.str.strip())
    return validate(raw, table, _display(path), known_sources)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


# Key column of each table: the loaded frame is indexed by it (the column is kept).
INDEX = {
    "training_runs": "run_id",
    "hardware": "accelerator",
    "clusters": "cluster_id",
    "arena": "run_id",
    "claims": "claim_id",
    **ENERGY_INDEX,
}


class Dataset:
    """All validated tables, as ``dataset.<table name>`` (a DataFrame each)."""

    def __init__(self, tables: dict[str, pd.DataFrame], citation_keys: frozenset[str]):
        self._tables = tables
        self.citation_keys = citation_keys

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.__dict__["_tables"][name]
        except KeyError:
            raise AttributeError(f"no table named {name!r}; tables: {', '.join(self.__dict__['_tables'])}") from None

    @property
    def table_names(self) -> list[str]:
        return list(self._tables)

    def run(self, run_id: str) -> pd.Series:
        if run_id not in self.training_runs.index:
            raise KeyError(f"unknown training run {run_id!r}; known runs: {', '.join(self.training_runs.index)}")
        return self.training_runs.loc[run_id]

    def accelerator(self, accelerator_id: str) -> pd.Series:
        if accelerator_id not in self.hardware.index:
            raise KeyError(f"unknown accelerator {accelerator_id!r}; known: {', '.join(self.hardware.index)}")
        return self.hardware.loc[accelerator_id]

    def source_of(self, table: str, row: str, column: str) -> pd.Series:
        """The provenance row (source, locator, kind, note) of one value."""
        p = self.provenance
        hit = p[(p["table"] == table) & (p["row"] == row) & (p["column"] == column)]
        if hit.empty:
            raise KeyError(f"no provenance for {table}.{row}.{column}")
        return hit.iloc[0]


# Columns that name or describe a row rather than state a sourced fact.
_DESCRIPTIVE = {
    "training_runs": {"run_id", "model", "developer", "architecture", "kind", "note"},
    "hardware": {"accelerator", "name", "note"},
}


def _cross_check(frames: dict[str, pd.DataFrame], data_dir: Path) -> list[str]:
    """Checks that span tables: references between them and provenance coverage."""
    problems: list[str] = []
    runs, hardware = frames["training_runs"], frames["hardware"]
    known_acc = set(hardware["accelerator"])
    known_runs = set(runs["run_id"])
    for name, frame, key in (("training_runs", runs, "run_id"), ("clusters", frames["clusters"], "cluster_id")):
        for i, row in frame.iterrows():
            acc = row["accelerator"]
            if not pd.isna(acc) and acc not in known_acc:
                problems.append(
                    f"data/{name}.csv: row {i + 1} ({key}={row[key]}), column accelerator: "
                    f"{acc!r} is not in data/hardware.csv; allowed: {', '.join(sorted(known_acc))}"
                )
    for name in ("benchmarks", "arena"):
        for i, row in frames[name].iterrows():
            if row["run_id"] not in known_runs:
                problems.append(
                    f"data/{name}.csv: row {i + 1}, column run_id: {row['run_id']!r} is not in data/training_runs.csv"
                )
    # Every value of a wide table has exactly one provenance row, and every provenance row a value.
    prov = frames["provenance"]
    covered = {(r.table, r.row, r.column) for r in prov.itertuples()}
    for name, key in (("training_runs", "run_id"), ("hardware", "accelerator")):
        frame = frames[name]
        for i, row in frame.iterrows():
            for column in frame.columns:
                if column in _DESCRIPTIVE[name] or pd.isna(row[column]):
                    continue
                if (name, row[key], column) not in covered:
                    problems.append(
                        f"data/{name}.csv: row {i + 1} ({key}={row[key]}), column {column}: "
                        f"value {row[column]!r} has no source; add a row to data/provenance.csv"
                    )
    for i, r in prov.iterrows():
        frame = frames[r["table"]]
        key = "run_id" if r["table"] == "training_runs" else "accelerator"
        match = frame[frame[key] == r["row"]]
        where = f"data/provenance.csv: row {i + 1} (line {i + 2})"
        if match.empty:
            problems.append(f"{where}, column row: {r['row']!r} is not a row of data/{r['table']}.csv")
        elif r["column"] not in frame.columns:
            problems.append(f"{where}, column column: {r['column']!r} is not a column of data/{r['table']}.csv")
        elif pd.isna(match.iloc[0][r["column"]]):
            problems.append(f"{where}: data/{r['table']}.csv has no value at {r['row']}.{r['column']} to source")
    # An estimate carries its range.
    for i, row in runs.iterrows():
        has_flop = not pd.isna(row["training_flop"])
        kind = next((p.kind for p in prov.itertuples() if (p.table, p.row, p.column) == ("training_runs", row["run_id"], "training_flop")), None)
        if has_flop and kind == "estimate":
            low, high = row["training_flop_low"], row["training_flop_high"]
            if pd.isna(low) or pd.isna(high):
                problems.append(
                    f"data/training_runs.csv: row {i + 1} (run_id={row['run_id']}), column training_flop_low/high: "
                    "an estimate needs its range (low and high)"
                )
            elif not low <= row["training_flop"] <= high:
                problems.append(
                    f"data/training_runs.csv: row {i + 1} (run_id={row['run_id']}), column training_flop: "
                    f"{row['training_flop']:g} lies outside its range {low:g}-{high:g}"
                )
    problems += check_inputs(frames["inference_inputs"])
    from analysis.claims import quote_problems  # claims imports this module

    problems += quote_problems(frames["claims"])
    for i, row in frames["claims"].iterrows():
        if row["claimed_low"] > row["claimed_high"]:
            problems.append(f"data/claims.csv: row {i + 1} (claim_id={row['claim_id']}), column claimed_low: greater than claimed_high")
    for i, row in frames["spend_estimates"].iterrows():
        if not row["low_usd"] <= row["value_usd"] <= row["high_usd"]:
            problems.append(f"data/spend_estimates.csv: row {i + 1} (estimate_id={row['estimate_id']}), column value_usd: outside low_usd-high_usd")
    return problems


def load(data_dir: Path | str = DATA_DIR) -> Dataset:
    """Read and validate every table; raise DataError listing all problems found."""
    data_dir = Path(data_dir)
    bib = data_dir / "references.bib"
    if not bib.exists():
        raise DataError([f"{bib}: file not found (the citation keys live there)"])
    keys = citation_keys(bib)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for name, table in TABLES.items():
        try:
            frames[name] = read_table(data_dir / f"{name}.csv", table, keys)
        except DataError as err:
            problems.extend(err.problems)
    if problems:
        raise DataError(problems)
    problems = _cross_check(frames, data_dir)
    if problems:
        raise DataError(problems)
    for name, key in INDEX.items():
        frames[name] = frames[name].set_index(key, drop=False).rename_axis(None)
    return Dataset(frames, frozenset(keys))
