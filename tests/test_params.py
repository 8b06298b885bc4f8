"""Parameter declarations, validation, and the notebooks' parameters cells."""

import json
from pathlib import Path

import pytest

from analysis import params as P
from analysis.build.project import NOTEBOOKS

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_are_valid():
    assert P.validate({}) == P.defaults()


@pytest.mark.parametrize("name", list(P.PARAMETERS))
def test_each_declaration_is_complete(name):
    p = P.PARAMETERS[name]
    assert p.description and p.source and p.notebooks
    assert P._check(p, p.default) is None


def test_every_problem_is_listed_at_once():
    with pytest.raises(P.ParameterError) as caught:
        P.validate({"pue": 0.5, "price_usd_per_gpu_hour": "cheap", "nonsense": 1})
    assert len(caught.value.problems) == 3


def test_parameters_of_one_notebook_only():
    with pytest.raises(P.ParameterError, match="unknown; known parameters of training_compute"):
        P.validate({"nonsense": 1}, notebook="training_compute")


def test_integers_are_accepted_as_floats():
    assert P.validate({"pue": 1})["pue"] == 1.0


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_parameters_cell_matches_the_declarations(name):
    nb = json.loads((ROOT / NOTEBOOKS[name]).read_text())
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not P.for_notebook(name):
        assert not cells, "a notebook without declared parameters has no parameters cell"
        return
    assert len(cells) == 1, "exactly one parameters cell"
    source = "".join(cells[0]["source"])
    assert source == P.parameters_cell(name), f"regenerate with: python -m analysis params --write-cells"


def test_prune_keeps_the_most_recently_used_copies(tmp_path, monkeypatch):
    import os

    from analysis.build import cache

    monkeypatch.setattr(cache, "BUILD", tmp_path)  # where prune_executed looks for it
    folder = tmp_path / "executed"
    folder.mkdir()
    for i in range(5):
        nb = folder / f"training_compute.{i:016x}.ipynb"
        nb.write_text("{}")
        nb.with_suffix(".json").write_text("{}")
        os.utime(nb, (1000 + i, 1000 + i))
    (folder / "index.0000000000000000.ipynb").write_text("{}")
    recent = folder / f"training_compute.{9:016x}.ipynb"
    recent.write_text("{}")
    os.utime(recent, (999, 999))
    recent.touch()  # used just now: kept whatever its rank
    removed = cache.prune_executed(keep=2)
    left = sorted(p.name for p in folder.glob("training_compute.*.ipynb"))
    assert left == [f"training_compute.{i:016x}.ipynb" for i in (4, 9)]
    assert len(removed) == 4 and not (folder / f"training_compute.{0:016x}.json").exists()
    assert (folder / "index.0000000000000000.ipynb").exists()
