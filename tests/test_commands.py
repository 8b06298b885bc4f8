"""Commands behave as a user expects: papermill, the project's own commands, and what they print."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest

from analysis import cli, params, results, scenarios
from analysis.build import sphinx_ext, sweep

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


# ---- one value syntax ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("pue=1,3", r"parameter pue: '1,3' is ambiguous \(a decimal comma or two values\?\); write 1.3 for one value \(a decimal point\), or 1.0,3.0 for two"),
    ("price_usd_per_gpu_hour=2,4", r"write 2.4 for one value"),
])
def test_sweep_refuses_a_decimal_comma(text, message):
    with pytest.raises(params.ParameterError, match=message):
        sweep.parse_axes([text], "training_compute")


def test_sweep_refuses_thousands_separators():
    with pytest.raises(params.ParameterError, match=r"'1,000' is ambiguous \(thousands separators or a list\?\); write a number without separators \(1000\)"):
        sweep.parse_axes(["output_tokens=1,000"], "inference_vs_search")


def test_sweep_lists_without_doubt_pass():
    assert sweep.parse_axes(["pue=1.1,1.3", "price_usd_per_gpu_hour=2.0,4.0"], "training_compute") == {"pue": [1.1, 1.3], "price_usd_per_gpu_hour": [2.0, 4.0]}
    assert sweep.parse_axes(["output_tokens=250,500"], "inference_vs_search") == {"output_tokens": [250, 500]}


@pytest.mark.parametrize("command", [["claims"], ["run", "training_compute"], ["build"]])
def test_a_decimal_comma_is_refused_the_same_way_everywhere(command, capsys):
    assert cli.main([*command, "-p", "pue=1,3"]) == 2
    assert "parameter pue: '1,3' is not a number; write a decimal point, not a comma (1.3)" in capsys.readouterr().err


def test_a_decimal_comma_in_a_scenario_file_is_refused(tmp_path):
    path = tmp_path / "comma.yml"
    path.write_text("title: t\ndescription: d\nnotebook: training_compute\nparameters:\n  pue: 1,3\n")
    with pytest.raises(params.ParameterError, match=r"write a decimal point, not a comma \(1.3\)"):
        scenarios.load_scenario(path)


# ---- commands on the site work as written --------------------------------------------------------


def test_the_site_shows_commands_that_work_after_the_readme():
    """The README creates .venv and installs there: a bare ``python -m analysis`` fails outside it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/python -m analysis" in readme
    pages = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "book").glob("*.ipynb"))
    bare = {}
    for page in pages:
        text = page.read_text(encoding="utf-8").replace("\\n", "\n")
        found = re.findall(r"(?<![/\w.])python3? -m analysis[^\n`]*", text)
        if found:
            bare[page.name] = found
    assert not bare


# ---- what claims and run print first; whole numbers stay whole -----------------------------------


def test_claims_prints_first_the_parameters_that_differ(capsys):
    assert cli.main(["claims", "-p", "pue=1.3", "-p", "output_tokens=250", "-p", "seed=2025"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "parameters changed from the defaults: pue = 1.3 (default 1.1); output_tokens = 250 (default 500)"
    assert cli.main(["claims", "--format", "json"]) == 0
    printed = capsys.readouterr()
    assert printed.err.splitlines()[0] == "every parameter at its default"
    assert json.loads(printed.out)  # stdout stays pure JSON for programs


def test_glued_whole_number_parameters_stay_whole():
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "metadata": {"scrapbook": {"name": name, "mime_prefix": ""}}, "data": {"text/plain": text}}
        for name, text in (("output_tokens", "250.0"), ("pue", "1.0"), ("run_gpus", "2048.0"))
    ]}]}
    values = results.glued_values(nb)
    assert values == {"output_tokens": 250, "pue": 1.0, "run_gpus": 2048.0}
    assert type(values["output_tokens"]) is int and type(values["pue"]) is float


# ---- quiet success -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_run_prints_no_warning(tmp_path):
    done = subprocess.run([sys.executable, "-m", "analysis", "run", "training_compute", "-p", "price_usd_per_gpu_hour=4.75",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the kernels talk over Unix sockets: no warning about TCP without encryption
    assert done.stdout.startswith("parameters changed from the defaults: price_usd_per_gpu_hour = 4.75 (default 2)")


# ---- JupyterLab ----------------------------------------------------------------------------------


def test_jupyterlab_is_installed_pinned_and_has_a_make_target():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("jupyterlab==") for line in lock)
    lab = Path(sys.executable).with_name("jupyter-lab")
    done = subprocess.run([str(lab), "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().startswith("4.")
    assert re.search(r"^lab: .*\n\t\$\(VENV\)/bin/jupyter lab ", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert "## Working in JupyterLab" in (ROOT / "README.md").read_text(encoding="utf-8")
