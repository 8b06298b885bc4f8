"""Commands behave as a user expects: papermill, the project's own commands, and what they print."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest

from analysis import params, sphinx_ext

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "book" / "training_compute.ipynb"


# ---- undeclared parameters, whoever injects them -------------------------------------------------


def test_papermill_command_line_refuses_an_undeclared_parameter(tmp_path):
    papermill = Path(sys.executable).with_name("papermill")
    done = subprocess.run([str(papermill), str(TRAINING), str(tmp_path / "out.ipynb"), "-p", "no_such_parameter", "1"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode != 0
    assert "parameter no_such_parameter: not declared by this notebook; declared: price_usd_per_gpu_hour, pue" in done.stderr + done.stdout


def test_papermill_api_refuses_a_misspelt_parameter_naming_the_nearest(tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match=r"parameter prue: not declared by this notebook; did you mean pue\?"):
        pm.execute_notebook(str(TRAINING), str(tmp_path / "out.ipynb"), parameters={"prue": 1.2}, cwd=str(TRAINING.parent),
                            progress_bar=False, kernel_name="python3")


def test_declared_parameters_pass_the_check():
    namespace = {"P": params, "pue": 1.1, "price_usd_per_gpu_hour": 2.0}
    params.refuse_undeclared(namespace, ["pue"])
    with pytest.raises(params.ParameterError, match="parameter seed: not declared by this notebook"):
        params.refuse_undeclared(namespace, ["seed"])  # a parameter of another notebook
    params.refuse_undeclared({"x": 1}, ["y"])  # a notebook that does not use analysis.params is left alone


# ---- plain `jupyter-book build .` ----------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_checkout(tmp_path_factory):
    """The book's sources as a fresh clone has them (notebooks without outputs)."""
    target = tmp_path_factory.mktemp("checkout")
    for part in ("_config.yml", "_toc.yml", "book", "data", "analysis"):
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, target / part, ignore=shutil.ignore_patterns("__pycache__", "_build"))
        else:
            shutil.copy(src, target / part)
    return target


@pytest.mark.parametrize("builder", ["html", "latex"])
def test_plain_jupyter_book_build_stops_with_one_line_saying_make_book(plain_checkout, builder):
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "PYTHONPATH": str(plain_checkout)}
    done = subprocess.run([str(jupyter_book), "build", ".", "--builder", builder], cwd=plain_checkout, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"error: {sphinx_ext.REFUSAL}"]
    assert "make book" in sphinx_ext.REFUSAL
    assert not list((plain_checkout / "_build").rglob("*.html")), "no page without its numbers is written"
