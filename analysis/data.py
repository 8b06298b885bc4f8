"""Load the sourced tables in ``data/`` and validate them against their schemas.

Everything the analysis knows comes through :func:`load`. A table that breaks
its schema stops the run with a :class:`~analysis.schema.DataError` naming the
file, the row and the column; nothing is filled in silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.energy_tables import ENERGY_INDEX, ENERGY_TABLES, check_inputs
from analysis.schema import DataError, Table, date, integer, number, numbers, positive, row_rule, table, text, validate

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

KINDS = ("reported", "estimate", "derived")


ARCHITECTURES = ("dense", "moe")
ATTENTIONS = ("mha", "gqa", "mla")
PRECISIONS = ("fp32", "fp16", "bf16", "fp8")
POWER_SCOPES = ("accelerator",)  # a whole-server figure never enters hardware.csv
_MOE_COLUMNS = ("experts_total", "experts_per_token", "experts_shared", "moe_layers")
_MLA_COLUMNS = ("kv_lora_rank", "qk_rope_head_dim")


def _all_present(f: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    return pd.concat([f[c] != "" for c in columns], axis=1).all(axis=1)


def _none_present(f: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    return pd.concat([f[c] == "" for c in columns], axis=1).all(axis=1)


def _optional_positive(description: str = ""):
    return positive(required=False, description=description)


def _optional_count(description: str = ""):
    return number(required=False, minimum=0.0, description=description)


def _is_numeric(table_name: str, column: str) -> bool:
    """Whether ``column`` of a table in TABLES holds numbers (a category such as an accelerator id has no range)."""
    schema = TABLES[table_name].schema if table_name in TABLES else None
    return bool(schema is not None and column in schema.columns and schema.columns[column].metadata["kind"] in ("number", "integer"))


def _estimate_has_range(low: str, high: str) -> pa.Check:
    """Row rule: a provenance row of kind ``estimate`` for a number states its range, low < high."""
    def passes(f: pd.DataFrame) -> pd.Series:
        lo, hi = numbers(f[low]), numbers(f[high])
        numeric = pd.Series([_is_numeric(t, c) for t, c in zip(f["table"], f["column"])], index=f.index)
        return (f["kind"] != "estimate") | ~numeric | (lo.notna() & hi.notna() & (lo < hi))
    return row_rule(f"{low}, {high}", "an estimate needs its range: both bounds, low < high", passes)


TABLES: dict[str, Table] = {
    "training_runs": table(
        "training_runs",
        key="run_id",
        columns={
            "run_id": text(unique=True, description="Identifier of the training run"),
            "model": text(description="Model name as published"),
            "developer": text(),
            "architecture": text(required=False, choices=("dense", "moe")),
            "params_total": _optional_positive("Total parameters"),
            "params_active": _optional_positive("Parameters active per token"),
            "training_tokens": _optional_positive("Pre-training tokens"),
            "accelerator": text(required=False, description="Accelerator id in hardware.csv"),
            "accelerator_count": integer(required=False, minimum=1),
            "gpu_hours_pre_training": _optional_count(),
            "gpu_hours_context_extension": _optional_count(),
            "gpu_hours_post_training": _optional_count(),
            "gpu_hours_total": _optional_count(),
            "training_flop": _optional_positive("Training FLOP as reported, derived or estimated; an estimate's range is in provenance.csv"),
            "flop_per_token": _optional_positive("Training FLOP per token (DeepSeek's count)"),
            "cost_usd": _optional_count(),
            "cost_price_usd_per_gpu_hour": _optional_positive(),
            "emissions_tco2eq": _optional_count("Location-based emissions, tCO2eq"),
            "kind": text(choices=("reported", "estimate"), description="estimate: the run is known only from outside estimates"),
            "note": text(required=False),
        },
    ),
    "hardware": table(
        "hardware",
        key="accelerator",
        columns={
            "accelerator": text(unique=True),
            "name": text(),
            "vendor": text(),
            "peak_bf16_dense_flop_per_s": positive("Dense BF16 peak (half of NVIDIA's 'with sparsity' headline)"),
            "peak_fp8_dense_flop_per_s": _optional_positive("Dense FP8 peak; empty where the chip has no FP8 path"),
            "peak_int8_dense_op_per_s": _optional_positive("Dense INT8 peak, where the low-precision path is INT8 rather than FP8"),
            "peak_fp32_flop_per_s": _optional_positive("FP32 peak without tensor cores (how PyTorch multiplies fp32 weights by default)"),
            "board_power_w": positive("Rated power of the chip or board (TDP)"),
            "idle_power_w": _optional_positive("Power drawn with nothing to run"),
            "power_scope": text(choices=POWER_SCOPES, description="What the power figures cover: the accelerator (chip or board), never a whole server"),
            "memory_bandwidth_bytes_per_s": positive(),
            "memory_bytes": _optional_positive(),
            "note": text(required=False),
        },
    ),
    "models": table(
        "models",
        key="model_id",
        columns={
            "model_id": text(unique=True, description="Identifier used by the serving model and the measurements"),
            "name": text(description="Model name as published"),
            "developer": text(),
            "architecture": text(choices=ARCHITECTURES),
            "params_total": positive("Total parameters (weights held in memory)"),
            "params_active": positive("Parameters used per token: all of them for a dense model"),
            "layers": integer(minimum=1, description="Transformer blocks"),
            "hidden_size": integer(minimum=1, description="Model (residual stream) width"),
            "attention": text(choices=ATTENTIONS, description="mha: one key/value head per query head; gqa: grouped; mla: latent (DeepSeek)"),
            "attention_heads": integer(minimum=1, description="Query heads per layer"),
            "kv_heads": integer(minimum=1, description="Key/value heads per layer"),
            "head_dim": integer(minimum=1, description="Size of one head"),
            "kv_lora_rank": integer(required=False, minimum=1, description="MLA: size of the compressed key/value latent cached per token and layer"),
            "qk_rope_head_dim": integer(required=False, minimum=1, description="MLA: size of the decoupled RoPE key cached beside the latent"),
            "experts_total": integer(required=False, minimum=1, description="Routed experts per MoE layer"),
            "experts_per_token": integer(required=False, minimum=1, description="Routed experts each token uses"),
            "experts_shared": integer(required=False, minimum=0, description="Experts every token uses"),
            "moe_layers": integer(required=False, minimum=1, description="Layers whose feed-forward block holds experts"),
            "context_length": integer(required=False, minimum=1, description="Longest context the released model supports, tokens"),
            "release_precision": text(required=False, choices=PRECISIONS, description="Number format of the released weights"),
            "vocab_size": integer(required=False, minimum=1),
            "kind": text(choices=KINDS, description="estimate: an assumed model (ranges in provenance.csv)"),
            "source": text(),
            "locator": text(),
            "note": text(required=False),
        },
        rules=(
            row_rule("experts_total, experts_per_token, experts_shared, moe_layers",
                     "a moe model needs all four expert columns and a dense model none; architecture is {row[architecture]}",
                     lambda f: _all_present(f, _MOE_COLUMNS).where(f["architecture"] == "moe", _none_present(f, _MOE_COLUMNS))),
            row_rule("experts_per_token", "more routed experts per token than experts_total",
                     lambda f: ~(numbers(f["experts_per_token"]) > numbers(f["experts_total"]))),
            row_rule("moe_layers", "more MoE layers than layers",
                     lambda f: ~(numbers(f["moe_layers"]) > numbers(f["layers"]))),
            row_rule("params_active", "more active parameters than params_total",
                     lambda f: ~(numbers(f["params_active"]) > numbers(f["params_total"]))),
            row_rule("params_active", "a dense model uses every parameter: params_active must equal params_total",
                     lambda f: (f["architecture"] != "dense") | (numbers(f["params_active"]) == numbers(f["params_total"]))
                     | numbers(f["params_active"]).isna() | numbers(f["params_total"]).isna()),
            row_rule("kv_heads", "mha needs kv_heads equal to attention_heads",
                     lambda f: (f["attention"] != "mha") | (numbers(f["kv_heads"]) == numbers(f["attention_heads"]))
                     | numbers(f["kv_heads"]).isna() | numbers(f["attention_heads"]).isna()),
            row_rule("kv_heads", "gqa needs fewer kv_heads than attention_heads, dividing them evenly",
                     lambda f: (f["attention"] != "gqa") | numbers(f["kv_heads"]).isna() | numbers(f["attention_heads"]).isna()
                     | ((numbers(f["kv_heads"]) < numbers(f["attention_heads"]))
                        & (numbers(f["attention_heads"]) % numbers(f["kv_heads"]) == 0))),
            row_rule("kv_lora_rank, qk_rope_head_dim",
                     "an mla model needs both and any other attention neither; attention is {row[attention]}",
                     lambda f: _all_present(f, _MLA_COLUMNS).where(f["attention"] == "mla", _none_present(f, _MLA_COLUMNS))),
        ),
    ),
    "provenance": table(
        "provenance",
        key="row",
        unique_together=("table", "row", "column"),
        columns={
            "table": text(choices=("training_runs", "hardware", "models")),
            "row": text(),
            "column": text(),
            "source": text(),
            "locator": text(),
            "kind": text(choices=KINDS),
            "low": number(required=False, description="Lower end of an estimate's range, in the value's unit"),
            "high": number(required=False, description="Upper end of an estimate's range"),
            "note": text(required=False),
        },
        rules=(_estimate_has_range("low", "high"),),
    ),
    "clusters": table(
        "clusters",
        key="cluster_id",
        columns={
            "cluster_id": text(unique=True),
            "organisation": text(),
            "description": text(),
            "gpus": integer(minimum=1),
            "accelerator": text(),
            "date": date(),
            "scope": text(choices=("training_run", "cluster")),
            "source": text(),
            "locator": text(),
            "note": text(required=False),
        },
    ),
    "benchmarks": table(
        "benchmarks",
        key="benchmark",
        unique_together=("suite", "benchmark", "metric", "run_id"),
        columns={
            "suite": text(choices=("base", "chat")),
            "benchmark": text(),
            "metric": text(),
            "shots": text(required=False),
            "run_id": text(),
            "score": number(minimum=0.0),
            "higher_is_better": text(choices=("yes", "no")),
            "same_level_gap": number(minimum=0.0, description="Largest gap the source treats as the same level (a tie)"),
            "source": text(),
            "locator": text(),
        },
    ),
    "arena": table(
        "arena",
        key="run_id",
        columns={
            "run_id": text(unique=True),
            "name_on_leaderboard": text(),
            "elo": number(),
            "ci_plus": number(minimum=0.0),
            "ci_minus": number(minimum=0.0),
            "rank": integer(minimum=1),
            "snapshot_date": date(),
            "source": text(),
            "locator": text(),
        },
    ),
    "spend_estimates": table(
        "spend_estimates",
        key="estimate_id",
        columns={
            "estimate_id": text(unique=True),
            "organisation": text(),
            "quantity": text(),
            "value_usd": number(minimum=0.0),
            "low_usd": number(required=False, minimum=0.0, description="Floor the source states, if any"),
            "high_usd": number(required=False, minimum=0.0, description="Ceiling the source states, if any"),
            "kind": text(choices=KINDS),
            "source": text(),
            "locator": text(),
            "note": text(required=False),
        },
        rules=(
            # A third party's estimate says how far it reaches: a floor, a ceiling or both, each from the row's own source.
            row_rule("low_usd, high_usd", "an estimate needs the bound its source states (a floor, a ceiling or both)",
                     lambda f: (f["kind"] != "estimate") | numbers(f["low_usd"]).notna() | numbers(f["high_usd"]).notna()),
            row_rule("value_usd", "outside low_usd-high_usd",
                     lambda f: ~((numbers(f["value_usd"]) < numbers(f["low_usd"])) | (numbers(f["value_usd"]) > numbers(f["high_usd"])))),
        ),
    ),
    "grid_intensity": table(
        "grid_intensity",
        key="region",
        columns={
            "region": text(unique=True),
            "year": integer(minimum=1990),
            "g_co2eq_per_kwh": number(minimum=0.0, description="Grams of CO2-equivalent per kWh generated"),
            "source": text(),
            "locator": text(),
        },
    ),
    "claims": table(
        "claims",
        key="claim_id",
        columns={
            "claim_id": text(unique=True),
            "chapter": text(),
            "quote": text(description="The claim in the source's words; ' ... ' marks words left out, never a reordering"),
            "source_sentence": text(description="The one sentence the quote is cut from, verbatim (as far as our copy of the source goes)"),
            "sentence_complete": text(choices=("yes", "no"), description="'no' where our copy of the source cuts the sentence off"),
            "claimed_low": number(),
            "claimed_high": number(),
            "unit": text(),
            "reading": text(description="How the claim's wording was turned into a range"),
            "check": text(description="Name of the computation that tests the claim"),
            "check_args": text(required=False),
            "said_by": text(),
            "source": text(),
            "locator": text(),
        },
        rules=(row_rule("claimed_low", "greater than claimed_high",
                        lambda f: ~(numbers(f["claimed_low"]) > numbers(f["claimed_high"]))),),
    ),
}


TABLES.update(ENERGY_TABLES)


def citation_keys(bib_path: Path) -> set[str]:
    """The entry keys of a BibTeX file."""
    return set(re.findall(r"^@\w+\{([^,\s]+),", bib_path.read_text(encoding="utf-8"), flags=re.MULTILINE))


AGGREGATOR_KEYWORD = "aggregator"


def aggregator_keys(bib_path: Path) -> set[str]:
    """Keys of the entries marked ``keywords = {aggregator}``: datasets that compile other parties' figures.

    The mark lives in one place, the bibliography; a ``reported`` value may not cite such a source.
    """
    keys = set()
    for entry in re.split(r"\n(?=@)", bib_path.read_text(encoding="utf-8")):
        head = re.match(r"\s*@\w+\{([^,\s]+),", entry)
        words = re.search(r"^\s*keywords\s*=\s*\{([^}]*)\}", entry, flags=re.MULTILINE)
        if head and words and AGGREGATOR_KEYWORD in [w.strip() for w in words.group(1).split(",")]:
            keys.add(head.group(1))
    return keys


def read_table(path: Path, table: Table, known_sources: set[str], aggregators: set[str] | None = None) -> pd.DataFrame:
    """Read one CSV as text and validate it; see :func:`analysis.schema.validate`."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError([f"{path}: file not found (expected the {table.name} table)"]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError([f"{path}: not a readable CSV table ({err})"]) from None
    raw = raw.apply(lambda col: col.str.strip())
    return validate(raw, table, _display(path), known_sources, aggregators)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


# Key column of each table: the loaded frame is indexed by it (the column is kept).
INDEX = {
    "training_runs": "run_id",
    "hardware": "accelerator",
    "models": "model_id",
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

    def model(self, model_id: str) -> pd.Series:
        """One row of data/models.csv; KeyError naming the known models otherwise."""
        if model_id not in self.models.index:
            raise KeyError(f"unknown model {model_id!r}; known models: {', '.join(self.models.index)}")
        return self.models.loc[model_id]

    def source_of(self, table: str, row: str, column: str) -> pd.Series:
        """The provenance row (source, locator, kind, note) of one value."""
        p = self.provenance
        hit = p[(p["table"] == table) & (p["row"] == row) & (p["column"] == column)]
        if hit.empty:
            raise KeyError(f"no provenance for {table}.{row}.{column}")
        return hit.iloc[0]


# The wide tables whose every value has a provenance row, with the column that names a row.
_WIDE = {"training_runs": "run_id", "hardware": "accelerator"}

# Columns that name or describe a row rather than state a sourced fact.
_DESCRIPTIVE = {
    "training_runs": {"run_id", "model", "developer", "architecture", "kind", "note"},
    "hardware": {"accelerator", "name", "vendor", "power_scope", "note"},
}

# Tables whose rows carry their own source and kind; provenance.csv sources only the values that need another
# source (a parameter count from the model card, an estimate's range).
_PARTIAL = {"models": "model_id"}
_KEYED = {**_WIDE, **_PARTIAL}


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
    for name, key in _WIDE.items():
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
        match = frame[frame[_KEYED[r["table"]]] == r["row"]]
        where = f"data/provenance.csv: row {i + 1} (line {i + 2})"
        if match.empty:
            problems.append(f"{where}, column row: {r['row']!r} is not a row of data/{r['table']}.csv")
        elif r["column"] not in frame.columns:
            problems.append(f"{where}, column column: {r['column']!r} is not a column of data/{r['table']}.csv")
        elif pd.isna(match.iloc[0][r["column"]]):
            problems.append(f"{where}: data/{r['table']}.csv has no value at {r['row']}.{r['column']} to source")
    # An estimate's value lies inside the range its provenance row gives.
    for i, r in prov.iterrows():
        if pd.isna(r["low"]) or pd.isna(r["high"]) or r["table"] not in _KEYED:
            continue
        frame = frames[r["table"]]
        match = frame[frame[_KEYED[r["table"]]] == r["row"]]
        if match.empty or r["column"] not in frame.columns or pd.isna(match.iloc[0][r["column"]]):
            continue
        value = float(match.iloc[0][r["column"]])
        if not r["low"] <= value <= r["high"]:
            problems.append(
                f"data/provenance.csv: row {i + 1} (line {i + 2}, row={r['row']}), column low, high: "
                f"data/{r['table']}.csv's {r['column']} {value:g} lies outside its range {r['low']:g}-{r['high']:g}"
            )
    problems += _model_estimates_have_ranges(frames["models"], prov)
    problems += check_inputs(frames["inference_inputs"])
    from analysis.claims import quote_problems  # claims imports this module

    problems += quote_problems(frames["claims"])
    return problems


def _model_estimates_have_ranges(models: pd.DataFrame, prov: pd.DataFrame) -> list[str]:
    """A model of kind ``estimate`` (an assumed architecture) gives every number a range in provenance.csv."""
    ranged = {(r.row, r.column) for r in prov.itertuples() if r.table == "models" and not pd.isna(r.low) and not pd.isna(r.high)}
    numeric = [c for c, col in TABLES["models"].schema.columns.items() if col.metadata["kind"] in ("number", "integer")]
    problems = []
    for i, row in models.iterrows():
        if row["kind"] != "estimate":
            continue
        for column in numeric:
            if not pd.isna(row[column]) and (row["model_id"], column) not in ranged:
                problems.append(
                    f"data/models.csv: row {i + 1} (line {i + 2}, model_id={row['model_id']}), column {column}: "
                    f"an estimated model needs a range for {row[column]:g}; add a row with low and high to data/provenance.csv"
                )
    return problems


def load(data_dir: Path | str = DATA_DIR) -> Dataset:
    """Read and validate every table; raise DataError listing all problems found."""
    data_dir = Path(data_dir)
    bib = data_dir / "references.bib"
    if not bib.exists():
        raise DataError([f"{bib}: file not found (the citation keys live there)"])
    keys = citation_keys(bib)
    aggregators = aggregator_keys(bib)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for name, table in TABLES.items():
        try:
            frames[name] = read_table(data_dir / f"{name}.csv", table, keys, aggregators)
        except DataError as err:
            problems.extend(err.problems)
    if problems:
        raise DataError(problems)
    problems = _cross_check(frames, data_dir)
    if problems:
        raise DataError(problems)
    _attach_ranges(frames)
    for name, key in INDEX.items():
        frames[name] = frames[name].set_index(key, drop=False).rename_axis(None)
    return Dataset(frames, frozenset(keys))


def _attach_ranges(frames: dict[str, pd.DataFrame]) -> None:
    """Give each wide table ``<column>_low`` and ``<column>_high`` for every column with an estimate's range.

    The ranges live beside the value's source in provenance.csv; this puts them where
    the calculations read values (e.g. ``training_runs.training_flop_low``), NaN elsewhere.
    """
    prov = frames["provenance"]
    ranged = prov[prov["low"].notna()]
    for name, key in _KEYED.items():
        frame = frames[name]
        for column in sorted(set(ranged.loc[ranged["table"] == name, "column"])):
            rows = ranged[(ranged["table"] == name) & (ranged["column"] == column)].set_index("row")
            frame[f"{column}_low"] = frame[key].map(rows["low"]).astype("float64")
            frame[f"{column}_high"] = frame[key].map(rows["high"]).astype("float64")
