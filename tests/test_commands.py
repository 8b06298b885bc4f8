"""Commands behave as a user expects: papermill, the project's own commands, and what they print."""

import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest

from analysis import params

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
