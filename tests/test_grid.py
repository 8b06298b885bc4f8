"""Sweeps in-process: the same rows as executing the notebooks, grid ranges, failed points, Parquet, Ctrl-C."""

from __future__ import annotations

import itertools
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import data, grid, params
from analysis.build import sweep

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dataset():
    return data.load()


def test_in_process_and_notebooks_agree_to_the_last_digit(tmp_path):
    axes = {"pue": [1.2], "price_usd_per_gpu_hour": [1.5, 3.25], "deepseek_stages": [["pre_training", "post_training"]]}
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    sweep.sweep("training_compute", axes, fast, jobs=2, progress=False)
    sweep.sweep("training_compute", axes, slow, jobs=2, notebooks=True, progress=False)
    a, b = pd.read_csv(fast, dtype=str, keep_default_na=False), pd.read_csv(slow, dtype=str, keep_default_na=False)
    assert list(a.columns) == list(b.columns)
    assert {"run_cost_musd", "verdict_cost", "status", "error"} <= set(a.columns)
    assert not [c for c in a.columns if c.startswith("ex_")]
    pd.testing.assert_frame_equal(a, b)  # as text: every digit the same
    assert set(a["status"]) == {"ok"}


def test_a_row_holds_the_chapter_numbers_and_verdicts(dataset):
    row = grid.chapter_row(dataset, "training_compute", {"price_usd_per_gpu_hour": 4.0})
    # 2.788M GPU-hours (all three stages) at $4: 11.152 $M; the claim's band is 5.5-6.5 $M
    assert row["run_cost_musd"] == pytest.approx(2.788 * 4.0)
    assert row["verdict_cost"] == "understates"


@pytest.mark.parametrize("text, values", [
    ("pue=1.1:1.5:5", [1.1, 1.2, 1.3, 1.4, 1.5]),
    ("price_usd_per_gpu_hour=log:1:100:3", [1.0, 10.0, 100.0]),
])
def test_ranges(text, values):
    (got,) = sweep.parse_axes([text], "training_compute").values()
    assert got == pytest.approx(values)


def test_whole_number_ranges_round(dataset):
    assert sweep.parse_axes(["output_tokens=log:10:1000:3"], "inference_vs_search") == {"output_tokens": [10, 100, 1000]}


@pytest.mark.parametrize("text, fragment", [
    ("pue=1.1:1.5", "parameter pue: '1.1:1.5' is not a range"),
    ("pue=1.1:1.5:2.5", "parameter pue: '1.1:1.5:2.5': COUNT 2.5 is not a whole number >= 2"),
    ("pue=1.1:1.5:1", "COUNT 1 is not a whole number >= 2"),
    ("pue=1.6:1.05:0", "parameter pue: '1.6:1.05:0': COUNT 0 is not a whole number >= 2"),
    ("pue=inf:2:3", "parameter pue: 'inf:2:3': START and STOP must be finite numbers"),
    ("pue=1.5:1.5:3", "parameter pue: '1.5:1.5:3': START equals STOP"),
    ("pue=log:0:2:3", "parameter pue: 'log:0:2:3': a log range needs START and STOP > 0"),
    ("pue=0.5:1.5:3", "parameter pue:"),  # 0.5 is below the allowed minimum of 1
    ("pue=a:b:3", "parameter pue: 'a:b:3' is not a range of numbers"),
    ("deepseek_stages=1:2:3", "parameter deepseek_stages: a range '1:2:3' is not allowed"),
])
def test_bad_ranges_are_refused_naming_the_parameter(text, fragment):
    with pytest.raises(params.ParameterError) as err:
        sweep.parse_axes([text], "training_compute")
    assert any(fragment in line for line in err.value.problems), err.value.problems


def test_whole_number_range_that_repeats_is_refused():
    with pytest.raises(params.ParameterError, match="parameter output_tokens: .* repeats whole numbers"):
        sweep.parse_axes(["output_tokens=10:12:5"], "inference_vs_search")


def test_failed_points_stay_rows(tmp_path):
    out = tmp_path / "grid.csv"
    result = sweep.sweep("training_compute", {"pue": [1.1, 1.3], "deepseek_stages": [["pre_training"], []]}, out, jobs=1, progress=False)
    table = pd.read_csv(out)
    assert result.points == len(table) == 4 and result.failed == 2
    failed = table[table["status"] == "failed"]
    assert len(failed) == 2 and all("deepseek_stages" in e for e in failed["error"])
    assert failed["run_cost_musd"].isna().all()
    assert not [p for p in tmp_path.iterdir() if p.name not in ("grid.csv", "grid.codebook.csv")], "no partial file is left behind"


def test_parquet_has_the_csv_rows(tmp_path):
    axes = {"pue": [1.1, 1.4], "price_usd_per_gpu_hour": [2.0, 3.0]}
    sweep.sweep("training_compute", axes, tmp_path / "g.csv", jobs=1, progress=False)
    sweep.sweep("training_compute", axes, tmp_path / "g.parquet", jobs=1, progress=False)
    a, b = pd.read_csv(tmp_path / "g.csv"), pd.read_parquet(tmp_path / "g.parquet")
    assert list(a.columns) == list(b.columns)
    def cells(frame):
        return {c: ["" if v is None or v != v or v == "" else v for v in frame[c].tolist()] for c in frame.columns}

    assert cells(a) == cells(b)


def test_ctrl_c_keeps_the_rows_written(tmp_path):
    # A million points (the vectorised path takes thousands a second), so the sweep is still running when Ctrl-C comes.
    axes, total = ["-p", "pue=1.0:3.0:1000", "-p", "price_usd_per_gpu_hour=1:4:1000"], 1_000_000
    out = tmp_path / "big.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "sweep", "training_compute", *axes,
         "--out", str(out), "--jobs", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until some rows are written
        partial = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
        if partial and partial[0].stat().st_size > 20000:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    table = pd.read_csv(out)
    assert 0 < len(table) < total
    assert f"interrupted: kept {len(table)} of {total} points in {out}" in stderr


def test_remembered_claim_checks_equal_fresh_ones(dataset):
    from analysis import claims

    memo = grid.ClaimMemo(dataset)
    points = [{"price_usd_per_gpu_hour": p, "pue": u, "deepseek_stages": s} for p in (1.0, 2.2, 3.0) for u in (1.1, 1.4)
              for s in (["pre_training"], ["pre_training", "context_extension", "post_training"])]
    for point in points + points[::-1]:
        values = {**params.defaults(), **point}
        assert memo.ledger(values, "training_compute") == claims.ledger(dataset, values, chapter="training_compute")
    # the cost claim reads the price and the stages, the head-to-head nothing: each remembered by what it reads
    assert list(memo.entries["training.cost"]) == [("deepseek_stages", "price_usd_per_gpu_hour")]
    assert list(memo.entries["training.stronger_model"]) == [()]


# ---- many points at once: the vectorised path ----

STAGE_SETS = [list(c) for r in (1, 2, 3) for c in itertools.combinations(("pre_training", "context_extension", "post_training"), r)]


def _random_points(seed: int, count: int) -> dict[str, list]:
    """Random training-chapter points over each parameter's allowed range, with prices near the cost claim's band
    (about $2 to $2.35 for the counted stages) so that every verdict of the cost claim occurs."""
    rng = random.Random(seed)
    price = [rng.choice([rng.uniform(0.01, 1000.0), rng.uniform(1.9, 2.5), 2.0, 1000.0]) for _ in range(count)]
    return {
        "price_usd_per_gpu_hour": price,
        "pue": [rng.choice([rng.uniform(1.0, 3.0), 1.0, 3.0]) for _ in range(count)],
        "power_fraction": [rng.choice([rng.uniform(1e-6, 1.0), 1.0]) for _ in range(count)],
        "grid_intensity_g_per_kwh": [rng.choice([rng.uniform(0.0, 2000.0), 0.0, 436]) for _ in range(count)],
        "deepseek_stages": [rng.choice(STAGE_SETS) for _ in range(count)],
    }


def _same(a, b) -> bool:
    """Equal to the last digit and of the same type (a NaN equals a NaN)."""
    return type(a) is type(b) and repr(a) == repr(b)


def test_vectorised_columns_equal_the_per_point_rows_on_random_points(dataset):
    points = _random_points(14, 300)
    got = grid.chapter_columns(dataset, "training_compute", points)
    words = set()
    for i in range(300):
        row = grid.chapter_row(dataset, "training_compute", {name: values[i] for name, values in points.items()})
        assert list(got) == list(row)  # the same columns, in the same order
        for name, value in row.items():
            assert _same(got[name][i].item() if got[name].dtype == float else got[name][i], value), (i, name)
        words.add(row["verdict_cost"])
    assert words == {"holds", "understates", "overstates"}  # the random points reach every side of the cost claim's band


def test_vectorised_columns_judge_the_cost_claim_element_wise(dataset, monkeypatch):
    from analysis import claims

    shapes = []
    verdicts = claims.verdicts
    monkeypatch.setattr(claims, "verdicts", lambda *a: shapes.append(__import__("numpy").shape(v := verdicts(*a))) or v)
    grid.chapter_columns(dataset, "training_compute", {"price_usd_per_gpu_hour": [1.5, 2.0, 2.2, 3.0]})
    assert shapes == [(4,)]  # one call for the four prices, not one per point


def test_vectorised_columns_refuse_a_bad_value_as_a_point_would(dataset):
    with pytest.raises(params.ParameterError, match="parameter pue"):
        grid.chapter_columns(dataset, "training_compute", {"pue": [1.2, 0.5]})
    with pytest.raises(ValueError, match="inference_vs_search: has no vectorised evaluation"):
        grid.chapter_columns(dataset, "inference_vs_search", {"output_tokens": [10, 20]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_vectorised_sweep_writes_the_per_point_sweeps_file(tmp_path, suffix):
    # An empty stage list is refused: its points are failed rows in both modes, among good ones in the same chunk.
    axes = {"deepseek_stages": [["pre_training"], [], ["pre_training", "post_training"]],
            "price_usd_per_gpu_hour": [1.0, 2.0, 2.25, 7.5], "pue": [1.0, 1.37, 3.0]}
    fast, slow = tmp_path / f"fast{suffix}", tmp_path / f"slow{suffix}"
    a = sweep.sweep("training_compute", axes, fast, jobs=2, progress=False)
    b = sweep.sweep("training_compute", axes, slow, jobs=2, progress=False, vectorise=False)
    assert (a.points, a.failed, a.failures) == (b.points, b.failed, b.failures) == (36, 12, b.failures)
    assert len(a.failures) == 12 and all("deepseek_stages" in error for _, error in a.failures)
    if suffix == ".csv":
        assert fast.read_bytes() == slow.read_bytes()
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(fast).equals(pq.read_table(slow))  # same schema, same values, same nulls


def test_a_vectorised_chunk_is_evaluated_at_once(dataset, monkeypatch):
    monkeypatch.setattr(sweep, "_DATASET", dataset)
    axes = {"price_usd_per_gpu_hour": [1.0, 2.0, 3.0], "deepseek_stages": [["pre_training"], []]}
    piece = sweep._vector_chunk("training_compute", axes, sweep.allowed_values("training_compute", axes), 0, 6)
    kind, count, columns, failed, failures = piece
    assert (kind, count, failed) == ("columns", 6, 3)
    assert list(columns["status"]) == ["ok", "failed"] * 3
    assert columns["deepseek_stages"].tolist() == ["pre_training", ""] * 3
    assert [p["price_usd_per_gpu_hour"] for p, _ in failures] == [1.0, 2.0, 3.0]


def test_ten_thousand_training_points_take_seconds(tmp_path):
    # The per-point path needed about 113 s for this grid on 2 cores; the vectorised one a few seconds. A generous bound.
    start = time.perf_counter()
    result = sweep.sweep("training_compute", {"price_usd_per_gpu_hour": [1 + i / 100 for i in range(100)],
                                              "pue": [1 + i / 100 for i in range(100)]}, tmp_path / "g.parquet", jobs=2, progress=False)
    assert (result.points, result.failed) == (10_000, 0)
    assert time.perf_counter() - start < 60


def test_the_verdict_rule_judges_arrays_as_it_judges_each_value():
    import numpy as np

    from analysis.claims import judge

    nan = float("nan")
    cases = [(lo, hi, v) for lo, hi in [(1.0, 3.0), (4.5, 6.0), (0.0, 0.5), (nan, 2.0), (2.0, nan), (2.5, 2.5)] for v in (2.0, 5.0, nan)]
    low, high, value = (np.array(column) for column in zip(*cases))
    got = judge(2.0, 4.0, low, high, value)
    assert got.tolist() == [judge(2.0, 4.0, lo, hi, v) for lo, hi, v in cases]
    assert set(got.tolist()) == {"holds", "too_low", "too_high", "mixed", "unverifiable"}
    assert judge(2.0, 4.0, low, high).tolist() == [judge(2.0, 4.0, lo, hi) for lo, hi, _ in cases]  # no central value
    assert isinstance(judge(2.0, 4.0, 1.0, 3.0, 2.5), str)
