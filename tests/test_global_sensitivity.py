"""Sobol indices of a request's energy (SALib): ``python -m analysis sensitivity``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import data, global_sensitivity as gs, params
from analysis import uncertainty as mc

ROOT = Path(__file__).resolve().parents[1]


def test_an_additive_model_has_first_order_equal_total_and_a_product_interacts(monkeypatch):
    # y = a + 2 b with a, b uniform on [0, 1]: variances 1/12 and 4/12, so S1 = ST = 0.2 and 0.8.
    ranges = {"a": mc.Range(0.0, 0.5, 1.0), "b": mc.Range(0.0, 0.5, 1.0)}
    monkeypatch.setattr(mc, "draw", lambda r, u: np.asarray(u, dtype=float))
    from analysis import inference_analysis as ia

    monkeypatch.setattr(ia, "_request", lambda data, params, model: (lambda a, b: a + 2 * b, ranges))
    rows = {r["name"]: r for r in gs.sobol(None, {}, "x", samples=4096)}
    assert rows["b"]["first_order"] == pytest.approx(0.8, abs=0.03) and rows["b"]["total"] == pytest.approx(0.8, abs=0.03)
    assert rows["a"]["first_order"] == pytest.approx(0.2, abs=0.03)
    assert "act almost additively" in gs.interaction_sentence(list(rows.values()))
    # y = a * b on [0, 1]^2: S1 = 3/7 each, ST = 4/7 each (hand-worked variance decomposition)
    monkeypatch.setattr(ia, "_request", lambda data, params, model: (lambda a, b: a * b, ranges))
    rows = gs.sobol(None, {}, "x", samples=4096)
    assert [r["first_order"] for r in rows] == pytest.approx([3 / 7, 3 / 7], abs=0.03)
    assert [r["total"] for r in rows] == pytest.approx([4 / 7, 4 / 7], abs=0.03)
    assert "interact with the other inputs" in gs.interaction_sentence(rows)


def test_the_same_seed_gives_the_same_indices():
    dataset = data.load()
    a = gs.sobol(dataset, params.defaults(), "frontier", samples=128)
    assert a == gs.sobol(dataset, params.defaults(), "frontier", samples=128)
    assert a[0]["total"] >= a[-1]["total"]


def test_sensitivity_json_from_the_command_line():
    done = subprocess.run([sys.executable, "-m", "analysis", "sensitivity", "inference.llm_request_energy.gpt3", "--samples", "128",
                           "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["claim"] == "inference.llm_request_energy.gpt3" and answer["method"] == "sobol"
    assert set(answer["inputs"][0]) == {"name", "first_order", "total", "first_order_ci", "total_ci"}


@pytest.mark.parametrize("args, message", [
    (["training.cost"], "error: claim training.cost: Sobol indices are computed for a request's energy"),
    (["inference.llm_request_energy.gpt3", "--samples", "100"], "error: --samples 100: not allowed; allowed: a power of two"),
])
def test_bad_sensitivity_input(args, message):
    done = subprocess.run([sys.executable, "-m", "analysis", "sensitivity", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith(message), done.stderr
