"""Verdict maps: ``python -m analysis map`` and the maps in the chapters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import charts, data, maps, params

ROOT = Path(__file__).resolve().parents[1]


def test_the_cost_map_holds_where_the_price_times_gpu_hours_is_in_the_band():
    frame = maps.verdict_grid(data.load(), "training.cost", "price_usd_per_gpu_hour", [1.9, 2.0, 2.3, 2.4],
                              "deepseek_stages", [["pre_training"], ["pre_training", "context_extension", "post_training"]], params.defaults())
    verdict = frame.set_index(["deepseek_stages", "price_usd_per_gpu_hour"])["verdict"]
    # all stages, 2.788M GPU-hours: $1.9 -> 5.30M (below 5.5M), $2.0 -> 5.58M, $2.3 -> 6.41M, $2.4 -> 6.69M (above 6.5M)
    every = "pre_training;context_extension;post_training"
    assert [verdict[(every, p)] for p in (1.9, 2.0, 2.3, 2.4)] == ["too_high", "holds", "holds", "too_low"]
    # pre-training alone, 2.664M: $2.0 -> 5.33M overstates, $2.4 -> 6.39M holds
    assert verdict[("pre_training", 2.0)] == "too_high" and verdict[("pre_training", 2.4)] == "holds"
    text = maps.describe(frame, "training.cost", "price_usd_per_gpu_hour", "deepseek_stages")
    assert f"at deepseek_stages = {every}: holds for price_usd_per_gpu_hour from 2 to 2.3" in text


def test_the_map_colours_are_the_front_page_s():
    css = (ROOT / "book" / "_static" / "book.css").read_text(encoding="utf-8")
    for key in ("holds", "too_low", "mixed"):
        assert f".verdict-{key}" in css and charts.VERDICT_COLOURS[key] in css


def test_map_from_the_command_line_writes_grid_html_and_svg(tmp_path):
    out = tmp_path / "cost.parquet"
    done = subprocess.run([sys.executable, "-m", "analysis", "map", "training.cost", "price_usd_per_gpu_hour=1.5:3:7",
                           "pue=1.1,1.5", "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    grid = pd.read_parquet(out)
    assert len(grid) == 14 and set(grid.columns) >= {"price_usd_per_gpu_hour", "pue", "verdict", "verdict_word", "value"}
    assert "<svg" in out.with_suffix(".svg").read_text(encoding="utf-8")
    assert "vega" in out.with_suffix(".html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["nosuch", "pue=1:2:3", "price_usd_per_gpu_hour=1.0,2.0"], "error: claim nosuch: unknown"),
    (["training.cost", "pue=1:2", "price_usd_per_gpu_hour=1.0,2.0"], "error: parameter pue: '1:2' is not a range"),
    (["training.cost", "pue=1:2:3", "price_usd_per_gpu_hour=1.0,2.0", "--out", "{tmp}/m.txt"], "error: --out {tmp}/m.txt: allowed: a file ending in .csv or .parquet"),
])
def test_bad_map_input_is_an_error_line(tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args] + ([] if "--out" in args else ["--out", str(tmp_path / "m.csv")])
    done = subprocess.run([sys.executable, "-m", "analysis", "map", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith(message.format(tmp=tmp_path)), done.stderr
    assert not list(tmp_path.iterdir())
