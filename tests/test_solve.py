"""Break-even values: where a claim's verdict changes along one parameter (``python -m analysis solve``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import data, params, solve

ROOT = Path(__file__).resolve().parents[1]


def test_flips_of_a_step_are_found_to_the_tolerance():
    verdict = lambda x: "too_high" if x < 3.7 else "holds" if x < 12.5 else "too_low"  # noqa: E731
    flips = solve.verdict_flips(verdict, 1.0, 1000.0)
    assert [(f["from"], f["to"]) for f in flips] == [("too_high", "holds"), ("holds", "too_low")]
    assert flips[0]["at"] == pytest.approx(3.7, rel=solve.REL_TOLERANCE)
    assert flips[1]["at"] == pytest.approx(12.5, rel=solve.REL_TOLERANCE)


def test_whole_number_flips_are_the_first_value_with_the_new_verdict():
    flips = solve.verdict_flips(lambda x: "holds" if x < 37 else "too_low", 1, 4096, whole=True)
    assert flips == [{"at": 37.0, "from": "holds", "to": "too_low"}]


def test_a_narrow_band_between_two_scan_points_is_found_around_the_current_value():
    verdict = lambda x: "holds" if 1.97 <= x <= 2.33 else "other"  # noqa: E731
    assert len(solve.verdict_flips(verdict, 1e-6, 1000.0, scan=16, around=2.0)) == 2


def test_the_6m_claim_holds_between_the_band_over_the_gpu_hours():
    dataset = data.load()
    flips = solve.claim_flips(dataset, "training.cost", "price_usd_per_gpu_hour", params.defaults())
    # $5.5M and $6.5M over 2.788M GPU-hours (all three stages): $1.9727 and $2.3314 per GPU-hour
    assert [f["at"] for f in flips] == pytest.approx([5.5e6 / 2.788e6, 6.5e6 / 2.788e6], rel=1e-5)
    assert [(f["from"], f["to"]) for f in flips] == [("too_high", "holds"), ("holds", "too_low")]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", "solve", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_solve_json_from_the_command_line():
    done = _cli("training.cost", "price_usd_per_gpu_hour", "-p", "deepseek_stages=pre_training", "--format", "json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == {"claim", "parameter", "flips"} and answer["claim"] == "training.cost"
    # pre-training alone: 2.664M GPU-hours
    assert [f["at"] for f in answer["flips"]] == pytest.approx([5.5e6 / 2.664e6, 6.5e6 / 2.664e6], rel=1e-5)


@pytest.mark.parametrize("args, message", [
    (("nosuch", "pue"), "error: claim nosuch: unknown"),
    (("training.cost", "deepseek_stages"), "error: parameter deepseek_stages: has no numeric range to search"),
    (("training.cost", "nosuch"), "error: parameter nosuch: unknown"),
])
def test_bad_solve_input_is_one_error_line(args, message):
    done = _cli(*args)
    assert done.returncode == 2 and done.stderr.startswith(message) and not done.stdout


def test_the_chapter_sentence_gives_the_band_and_says_when_there_is_none():
    dataset = data.load()
    ranges = solve.claim_ranges(dataset, "training.cost", "price_usd_per_gpu_hour", params.defaults())
    # 5.5 / 2.788 = 1.973 and 6.5 / 2.788 = 2.331 dollars per GPU-hour
    assert solve.holds_phrase(ranges, lambda v: f"${v:.2f}", "prices") == "holds for prices between $1.97 and $2.33"
    assert ranges[0][0] > 0 and ranges[-1][1] == 1000.0  # the whole allowed range, its exclusive minimum excluded
    never = [(1.0, 2.0, "too_high"), (2.0, 3.0, "too_low")]
    assert solve.holds_phrase(never, str, "prices") == "holds for no prices in the allowed range"
