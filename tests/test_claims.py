"""The claims ledger: the nine training claims, their numbers, and verdicts that respond to parameters."""

import json
import subprocess
import sys

import pytest

from analysis import claims, params
from analysis import ledger as composed
from analysis.claims import judge

TRAINING_IDS = {
    "training.compute_share", "training.compute_ratio", "training.deepseek_gpu_hours", "training.llama_gpu_hours",
    "training.duration", "training.cost", "training.frontier_cluster", "training.largest_cluster", "training.stronger_model",
}


def by_id(entries):
    return {e["id"]: e for e in entries}


@pytest.fixture(scope="module")
def ledger(dataset):
    return by_id(composed.ledger(dataset, params.validate({}), chapter="training_compute"))


def test_all_nine_training_claims_are_judged(ledger):
    assert set(ledger) == TRAINING_IDS
    for entry in ledger.values():
        assert entry["verdict"] in claims.VERDICTS
        assert entry["computed"]["low"] <= entry["computed"]["value"] <= entry["computed"]["high"]


def test_share_and_ratio_numbers(ledger):
    share = ledger["training.compute_share"]["computed"]
    assert share["value"] == pytest.approx(100 * 2.788 / 30.84)  # 9.04 %
    assert share["low"] == pytest.approx(100 * 3.2856e24 / 3.8e25)  # 6ND vs reported: 8.65 %
    assert share["high"] == pytest.approx(100 * 250 * 14.8 / (2448 * 15.6))  # per-token: 9.69 %
    assert ledger["training.compute_ratio"]["computed"]["value"] == pytest.approx(30.84 / 2.788)


def test_other_training_numbers(ledger):
    assert ledger["training.deepseek_gpu_hours"]["computed"]["value"] == 2_788_000
    assert ledger["training.llama_gpu_hours"]["computed"]["value"] == 30_840_000
    assert "39.30M" in ledger["training.llama_gpu_hours"]["basis"]  # the family total is named
    assert ledger["training.duration"]["computed"]["low"] == pytest.approx(2_664_000 / 2048 / 24)
    assert ledger["training.cost"]["computed"]["value"] == pytest.approx(5_576_000)
    assert ledger["training.frontier_cluster"]["computed"]["value"] == 16_384
    assert ledger["training.largest_cluster"]["computed"]["value"] == 100_000


def test_default_verdicts(ledger):
    assert {k: e["verdict"] for k, e in ledger.items()} == {k: "holds" for k in TRAINING_IDS}


def test_a_higher_price_makes_the_cost_claim_understate(dataset):
    entry = composed.evaluate(dataset, "training.cost", params.validate({"price_usd_per_gpu_hour": 4.0}))
    assert entry["computed"]["value"] == pytest.approx(11_152_000)
    assert entry["verdict"] == "too_low"


def test_pre_training_alone_makes_the_gpu_hour_claim_overstate(dataset):
    entry = composed.evaluate(dataset, "training.deepseek_gpu_hours", params.validate({"deepseek_stages": ["pre_training"]}))
    assert entry["computed"]["value"] == 2_664_000
    assert entry["verdict"] == "too_high"


@pytest.mark.parametrize(
    "claimed, computed, verdict",
    [
        ((8.5, 9.5), (8.6, 9.7, 9.04), "holds"),
        ((5, 6), (8, 9, 8.5), "too_low"),
        ((10, 12), (8, 9, 8.5), "too_high"),
        ((50, 400), (240, 797, 450), "mixed"),  # the ranges overlap but the central value lies outside the claim
        ((8.5, 9.5), (8.6, 9.7), "holds"),  # without a central value, overlap alone decides
        ((1, 2), (float("nan"),) * 2, "unverifiable"),
    ],
)
def test_judge(claimed, computed, verdict):
    assert judge(*claimed, *computed) == verdict


def test_head_to_head_is_mixed_when_signals_disagree(dataset, monkeypatch):
    arena = dataset.arena.copy()
    arena.loc["deepseek-v3", "elo"] = 1200  # Arena now favours Llama; benchmarks still favour DeepSeek
    monkeypatch.setattr(dataset, "_tables", {**dataset._tables, "arena": arena})
    assert composed.evaluate(dataset, "training.stronger_model", params.validate({}))["verdict"] == "mixed"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True)


def test_cli_json_has_every_field():
    done = run_cli("claims", "--format", "json", "--chapter", "training_compute")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert {e["id"] for e in entries} == TRAINING_IDS
    for e in entries:
        assert set(e) >= {"id", "quote", "claimed", "computed", "unit", "verdict", "basis", "source"}
        assert set(e["claimed"]) == {"low", "high"} and set(e["computed"]) == {"value", "low", "high"}


def test_cli_override_and_table():
    done = run_cli("claims", "-p", "price_usd_per_gpu_hour=4", "--chapter", "training_compute")
    assert done.returncode == 0
    line = next(line for line in done.stdout.splitlines() if line.startswith("training.cost "))
    assert line.split()[1] == "understates"  # the word people read; JSON keeps the key too_low
    assert "TOO_LOW" not in done.stdout and "too_low" not in done.stdout


@pytest.mark.parametrize(
    "arg, message",
    [
        ("price_usd_per_gpu_hour=-1", "parameter price_usd_per_gpu_hour: -1.0 is out of range; allowed: a number > 0"),
        ("pue=0.9", "parameter pue: 0.9 is out of range; allowed: a number >= 1"),
        ("pue=abc", "parameter pue: 'abc' is not a number"),
        ("power_fraction=nan", "parameter power_fraction: nan is not a finite number"),
        ("grid_intensity_g_per_kwh=inf", "parameter grid_intensity_g_per_kwh: inf is not a finite number"),
        ("deepseek_stages=pre_training,lunch", "parameter deepseek_stages: 'lunch' not allowed"),
        ("price=2", "parameter price: unknown; known parameters:"),
        ("price_usd_per_gpu_hour=__import__('os')", "parameter price_usd_per_gpu_hour: \"__import__('os')\" is not a number"),
        ("price_usd_per_gpu_hour", "-p price_usd_per_gpu_hour: expected NAME=VALUE"),
    ],
)
def test_cli_bad_parameters_exit_2_with_one_line(arg, message):
    done = run_cli("claims", "-p", arg)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
