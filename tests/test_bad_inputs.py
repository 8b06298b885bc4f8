"""Bad input through the real command line: exit status 2, one `error:` line per problem, nothing written.

Each case runs ``python -m analysis ...`` as a reader would. It must end with
exit status 2, print nothing on stdout, print exactly the expected problems on
stderr (each naming the parameter or file and what is allowed), and leave every
output folder (``--out``, ``_build/runs``, ``_build/sweeps``, ``_build/scenarios``,
``_build/html``) as it was.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WATCHED = [ROOT / "_build" / name for name in ("runs", "sweeps", "scenarios", "html")]

TRAINING_PARAMS = "price_usd_per_gpu_hour, pue, power_fraction, grid_intensity_g_per_kwh, deepseek_stages"
PUE = "allowed: a number >= 1 and <= 3 (dimensionless)"
STAGES = "allowed: a comma-separated, non-empty subset of: pre_training, context_extension, post_training"
TOKENS = "allowed: a whole number >= 1 and <= 1e+06 (tokens)"
NOTEBOOKS = "known notebooks: index, training_compute, inference_vs_search, parameters"
KEYS = "title, description, notebook, parameters"

GOOD_SCENARIO = """\
title: A test scenario
description: Used by tests/test_bad_inputs.py.
notebook: inference_vs_search
parameters:
  utilization: 0.2
"""


def scenario_text(**replace: str) -> str:
    """The good scenario with some lines replaced (key -> new line, or '' to drop it)."""
    lines = []
    for line in GOOD_SCENARIO.splitlines():
        key = line.split(":")[0].strip()
        lines.append(replace.get(key, line) if key in replace else line)
    return "\n".join(line for line in lines if line) + "\n"


# (id, command-line arguments, scenario YAML or None, the expected stderr lines)
# {out} is a fresh folder in tmp_path, {csv} a CSV path there, {scenario} the written scenario file.
CASES = [
    # parameters given with -p
    ("unknown-name", ["run", "training_compute", "-p", "nosuch=1"], None,
     [f"parameter nosuch: unknown; known parameters of training_compute: {TRAINING_PARAMS}"]),
    ("wrong-type", ["run", "training_compute", "-p", "pue=cheap"], None,
     [f"parameter pue: 'cheap' is not a number; {PUE}"]),
    ("nan", ["run", "training_compute", "-p", "pue=nan"], None,
     [f"parameter pue: nan is not a finite number; {PUE}"]),
    ("inf", ["run", "training_compute", "-p", "pue=inf"], None,
     [f"parameter pue: inf is not a finite number; {PUE}"]),
    ("minus-inf", ["run", "training_compute", "-p", "pue=-inf"], None,
     [f"parameter pue: -inf is not a finite number; {PUE}"]),
    ("overflow-to-inf", ["run", "training_compute", "-p", "pue=1e400"], None,
     [f"parameter pue: inf is not a finite number; {PUE}"]),
    ("out-of-range", ["run", "training_compute", "-p", "pue=0.5"], None,
     [f"parameter pue: 0.5 is out of range; {PUE}"]),
    ("exclusive-minimum", ["run", "training_compute", "-p", "price_usd_per_gpu_hour=0"], None,
     ["parameter price_usd_per_gpu_hour: 0.0 is out of range; allowed: a number > 0 and <= 1000 (USD per GPU-hour)"]),
    ("python-code-number", ["run", "training_compute", "-p", "pue=__import__('os').system('touch {tmp}/pwned')"], None,
     ["parameter pue: \"__import__('os').system('touch {tmp}/pwned')\" is not a number; " + PUE]),
    ("python-code-choice", ["run", "inference_vs_search", "-p", "accelerator=__import__('os').system('touch {tmp}/pwned')"], None,
     ["parameter accelerator: \"__import__('os').system('touch {tmp}/pwned')\" is not allowed; allowed: one of: h100-sxm, h800-sxm, h200, b200, a100-sxm-80gb, a100-sxm-40gb, mi300x, tpu-v5e, tpu-v5p, tpu-v6e, rtx-4090"]),
    ("list-bad-item", ["run", "training_compute", "-p", "deepseek_stages=pre_training,bogus"], None,
     [f"parameter deepseek_stages: 'bogus' not allowed; {STAGES}"]),
    ("list-item-twice", ["run", "training_compute", "-p", "deepseek_stages=pre_training,pre_training"], None,
     [f"parameter deepseek_stages: 'pre_training' given more than once; {STAGES}, each at most once"]),
    ("list-empty", ["run", "training_compute", "-p", "deepseek_stages="], None,
     [f"parameter deepseek_stages: [] is not allowed; {STAGES}"]),
    ("int-given-float", ["run", "inference_vs_search", "-p", "output_tokens=1.5"], None,
     [f"parameter output_tokens: 1.5 is not a whole number; {TOKENS}"]),
    ("boolean", ["run", "inference_vs_search", "-p", "output_tokens=true"], None,
     [f"parameter output_tokens: 'true' is not a number; {TOKENS}"]),
    ("empty-value", ["run", "training_compute", "-p", "pue="], None,
     [f"parameter pue: '' is not a number; {PUE}"]),
    ("empty-choice", ["run", "inference_vs_search", "-p", "accelerator="], None,
     ["parameter accelerator: '' is not allowed; allowed: one of: h100-sxm, h800-sxm, h200, b200, a100-sxm-80gb, a100-sxm-40gb, mi300x, tpu-v5e, tpu-v5p, tpu-v6e, rtx-4090"]),
    ("no-equals-sign", ["run", "training_compute", "-p", "pue"], None,
     ["-p pue: expected NAME=VALUE"]),
    ("no-name", ["run", "training_compute", "-p", "=1.2"], None,
     ["-p =1.2: expected NAME=VALUE"]),
    ("name-twice", ["run", "training_compute", "-p", "pue=1.1", "-p", "pue=1.2"], None,
     ["-p pue: given more than once; allowed: each parameter once"]),
    ("every-problem-at-once", ["run", "training_compute", "-p", "pue=nan", "-p", "power_fraction=2", "-p", "nosuch=1"], None,
     [f"parameter nosuch: unknown; known parameters of training_compute: {TRAINING_PARAMS}",
      f"parameter pue: nan is not a finite number; {PUE}",
      "parameter power_fraction: 2.0 is out of range; allowed: a number > 0 and <= 1 (fraction of board power)"]),
    ("param-of-another-notebook", ["run", "training_compute", "-p", "output_tokens=100"], None,
     [f"parameter output_tokens: unknown; known parameters of training_compute: {TRAINING_PARAMS}"]),
    # notebooks
    ("run-unknown-notebook", ["run", "nosuch"], None, [f"notebook nosuch: unknown; {NOTEBOOKS}"]),
    ("run-notebook-outside-book", ["run", "data/training_compute.ipynb"], None,
     [f"notebook data/training_compute.ipynb: unknown; {NOTEBOOKS}"]),
    ("sweep-unknown-notebook", ["sweep", "nosuch", "-p", "pue=1.1,1.2", "--out", "{csv}"], None,
     [f"notebook nosuch: unknown; {NOTEBOOKS}"]),
    ("params-unknown-notebook", ["params", "nosuch"], None, [f"notebook nosuch: unknown; {NOTEBOOKS}"]),
    ("claims-unknown-chapter", ["claims", "--chapter", "nosuch"], None,
     ["--chapter nosuch: unknown; chapters with claims: training_compute, inference_vs_search"]),
    # settings the serving model refuses, named in one line before anything is printed
    ("claims-accelerator-without-memory-size", ["claims", "-p", "accelerator=h800-sxm"], None,
     ["parameter accelerator: h800-sxm has no memory size in data/hardware.csv (column memory_bytes), which the serving model needs"]),
    ("claims-fp8-on-an-a100", ["claims", "-p", "accelerator=a100-sxm-80gb", "-p", "precision=fp8"], None,
     ["parameter precision: a100-sxm-80gb has no FP8 compute in data/hardware.csv"]),
    ("claims-replica-too-small", ["claims", "-p", "accelerators_per_replica=1"], None,
     ["accelerators_per_replica: too few to hold the weights in memory"]),
    # sweeps: every value is checked before any point runs
    ("sweep-unknown-name", ["sweep", "training_compute", "-p", "nosuch=1,2", "--out", "{csv}"], None,
     [f"parameter nosuch: unknown; known parameters of training_compute: {TRAINING_PARAMS}"]),
    ("sweep-bad-value-in-list", ["sweep", "training_compute", "-p", "pue=1.1,nan,1.2", "--out", "{csv}"], None,
     [f"parameter pue: nan is not a finite number; {PUE}"]),
    ("sweep-bad-values-on-two-axes", ["sweep", "training_compute", "-p", "pue=1.1,9", "-p", "deepseek_stages=pre_training;bogus", "--out", "{csv}"], None,
     [f"parameter pue: 9.0 is out of range; {PUE}", f"parameter deepseek_stages: 'bogus' not allowed; {STAGES}"]),
    ("sweep-value-twice", ["sweep", "training_compute", "-p", "pue=1.1,1.10", "--out", "{csv}"], None,
     ["parameter pue: '1.10' given more than once; allowed: each value once"]),
    ("sweep-no-values", ["sweep", "training_compute", "-p", "pue=", "--out", "{csv}"], None,
     [f"parameter pue: no value given; {PUE}, values separated by ','"]),
    ("sweep-nothing-to-sweep", ["sweep", "training_compute", "--out", "{csv}"], None,
     ["sweep: no parameter to sweep; allowed: one or more -p NAME=VALUE1,VALUE2"]),
    ("sweep-negative-jobs", ["sweep", "training_compute", "-p", "pue=1.1", "--jobs", "-1", "--out", "{csv}"], None,
     ["argument --jobs: '-1' is not allowed; allowed: a whole number >= 0 (0: one per CPU); see: python -m analysis sweep --help"]),
    ("sweep-out-is-a-folder", ["sweep", "training_compute", "-p", "pue=1.1", "--out", "{tmp}"], None,
     ["--out {tmp}: is a folder; allowed: the path of a CSV or .parquet file to write"]),
    # scenario files
    ("scenario-missing-file", ["run", "inference_vs_search", "--scenario", "{tmp}/missing.yml"], None,
     ["{tmp}/missing.yml: file not found; allowed: a scenario YAML file such as data/scenarios/epoch-2025.yml"]),
    ("claims-scenario-missing-file", ["claims", "--scenario", "{tmp}/missing.yml"], None,
     ["{tmp}/missing.yml: file not found; allowed: a scenario YAML file such as data/scenarios/epoch-2025.yml"]),
    ("scenario-is-a-folder", ["run", "inference_vs_search", "--scenario", "{tmp}"], None,
     ["{tmp}: is a folder; allowed: a scenario YAML file such as data/scenarios/epoch-2025.yml"]),
    ("scenario-malformed-yaml", ["run", "inference_vs_search", "--scenario", "{scenario}"],
     "title: [unclosed\ndescription: x\n",
     ["{scenario}: not valid YAML (line 2, column 12: expected ',' or ']', but got ':'); allowed: a mapping with keys " + KEYS]),
    ("scenario-python-tag", ["run", "inference_vs_search", "--scenario", "{scenario}"],
     "title: !!python/object/apply:os.system ['touch {tmp}/pwned']\n",
     ["{scenario}: not valid YAML (line 1, column 8: could not determine a constructor for the tag "
      "'tag:yaml.org,2002:python/object/apply:os.system'); allowed: a mapping with keys " + KEYS]),
    ("scenario-not-a-mapping", ["run", "inference_vs_search", "--scenario", "{scenario}"], "- utilization: 0.2\n",
     [f"{{scenario}}: not a mapping; allowed: a mapping with keys {KEYS}"]),
    ("scenario-unknown-key", ["run", "inference_vs_search", "--scenario", "{scenario}"], GOOD_SCENARIO + "colour: blue\n",
     [f"{{scenario}}: unknown key 'colour'; allowed keys: {KEYS}"]),
    ("scenario-missing-key", ["run", "inference_vs_search", "--scenario", "{scenario}"], scenario_text(description=""),
     [f"{{scenario}}: missing key 'description'; required keys: {KEYS}"]),
    ("scenario-key-twice", ["run", "inference_vs_search", "--scenario", "{scenario}"], GOOD_SCENARIO + "title: again\n",
     ["{scenario}: not valid YAML (line 6, column 1: key 'title' given more than once); allowed: a mapping with keys " + KEYS]),
    ("scenario-nonexistent-notebook", ["run", "inference_vs_search", "--scenario", "{scenario}"],
     scenario_text(notebook="notebook: nosuch"),
     ["{scenario}: notebook 'nosuch' does not exist; known notebooks: index, inference_vs_search, parameters, training_compute"]),
    ("scenario-notebook-without-parameters", ["claims", "--scenario", "{scenario}"],
     scenario_text(notebook="notebook: parameters"),
     ["{scenario}: notebook 'parameters' takes no parameters; notebooks with parameters: index, inference_vs_search, training_compute"]),
    ("scenario-for-another-notebook", ["run", "training_compute", "--scenario", "{scenario}"], GOOD_SCENARIO,
     ["--scenario {scenario}: is for notebook inference_vs_search, not training_compute; "
      "allowed: run inference_vs_search (or the front page, index) with it"]),
    ("scenario-unknown-parameter", ["run", "inference_vs_search", "--scenario", "{scenario}"], GOOD_SCENARIO + "  pue: 1.2\n",
     ["{scenario}: parameter pue: unknown; known parameters of inference_vs_search: "]),
    ("scenario-out-of-range", ["run", "inference_vs_search", "--scenario", "{scenario}"],
     scenario_text(utilization="  utilization: 1.5"),
     ["{scenario}: parameter utilization: 1.5 is out of range; allowed: a number > 0 and <= 1 (fraction of peak FLOP/s)"]),
    ("scenario-nan", ["run", "inference_vs_search", "--scenario", "{scenario}"], scenario_text(utilization="  utilization: .nan"),
     ["{scenario}: parameter utilization: nan is not a finite number; allowed: a number > 0 and <= 1 (fraction of peak FLOP/s)"]),
    ("scenario-boolean", ["run", "inference_vs_search", "--scenario", "{scenario}"], scenario_text(utilization="  output_tokens: yes"),
     [f"{{scenario}}: parameter output_tokens: True is not a number; {TOKENS}"]),
    ("scenario-int-given-float", ["run", "inference_vs_search", "--scenario", "{scenario}"], scenario_text(utilization="  output_tokens: 500.5"),
     [f"{{scenario}}: parameter output_tokens: 500.5 is not a whole number; {TOKENS}"]),
    ("scenario-list-bad-items", ["run", "inference_vs_search", "--scenario", "{scenario}"],
     scenario_text(utilization="  search_estimates: [holzle-2009-search, 3]"),
     ["{scenario}: parameter search_estimates: ['holzle-2009-search', 3] is not allowed; allowed: a comma-separated, non-empty subset of: "
      "holzle-2009-search, vanderbauwhede-2024-search"]),
    ("scenario-empty-title", ["claims", "--scenario", "{scenario}"], scenario_text(title="title: ''"),
     ["{scenario}: key 'title' must be non-empty text"]),
    ("build-bad-scenario", ["build", "--scenario", "{scenario}"], scenario_text(utilization="  utilization: -1"),
     ["{scenario}: parameter utilization: -1.0 is out of range; allowed: a number > 0 and <= 1 (fraction of peak FLOP/s)"]),
    ("build-bad-parameter", ["build", "-p", "pue=0.5"], None, [f"parameter pue: 0.5 is out of range; {PUE}"]),
    ("build-negative-jobs", ["build", "--jobs", "-2"], None,
     ["argument --jobs: '-2' is not allowed; allowed: a whole number >= 0 (0: one per CPU); see: python -m analysis build --help"]),
    # where a run would write
    ("run-out-is-a-file", ["run", "training_compute", "--out", "{tmp}/file.txt"], None,
     ["--out {tmp}/file.txt: is a file; allowed: a new folder, or the folder of an earlier run"]),
    ("run-out-holds-other-files", ["run", "training_compute", "--out", "{tmp}/precious"], None,
     ["--out {tmp}/precious: is a folder that holds other files and would be replaced; "
      "allowed: a new or empty folder, or the folder of an earlier run"]),
    ("unknown-option", ["run", "training_compute", "--bogus"], None,
     ["unrecognized arguments: --bogus; see: python -m analysis --help"]),
]


def _snapshot(paths: list[Path]) -> dict[Path, tuple[int, int]]:
    files = {}
    for base in paths:
        if base.is_file():
            files[base] = (base.stat().st_size, base.stat().st_mtime_ns)
        elif base.exists():
            for f in base.rglob("*"):
                st = f.lstat()
                files[f] = (st.st_size, st.st_mtime_ns)
    return files


@pytest.mark.parametrize("args, scenario, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_one_line_per_problem_and_writes_nothing(tmp_path, args, scenario, expected):
    (tmp_path / "file.txt").write_text("not a run folder")
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.tex").write_text("keep me")
    scenario_path = tmp_path / "scenario.yml"
    fill = {"tmp": str(tmp_path), "out": str(tmp_path / "out"), "csv": str(tmp_path / "sweep.csv"), "scenario": str(scenario_path)}
    if scenario is not None:
        scenario_path.write_text(scenario.replace("{tmp}", fill["tmp"]))
    args = [a.format(**fill) for a in args]
    if args[0] == "run" and "--out" not in args:
        args += ["--out", fill["out"]]
    before_tmp = _snapshot([tmp_path])
    before_build = _snapshot(WATCHED)

    done = subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)

    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    wanted = [f"error: {line.format(**fill)}" for line in expected]
    assert len(lines) == len(wanted), done.stderr
    for line, want in zip(lines, wanted):
        assert line.startswith(want), f"\n got: {line}\nwant: {want}"
    assert _snapshot([tmp_path]) == before_tmp, "a bad input wrote or changed a file"
    assert _snapshot(WATCHED) == before_build, "a bad input wrote or changed a file under _build/"
    assert not (tmp_path / "pwned").exists()


def test_there_are_many_bad_inputs():
    assert len(CASES) >= 20
