"""The benchmark script's arithmetic and its checks of its own arguments (the timings themselves run in `make bench`)."""

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _samples(ours, ref):
    return {"ours_wall": ours, "ref_wall": ref, "ours_cpu": [2 * x for x in ours], "ref_cpu": ref}


def test_cold_build_ratio_is_reference_over_ours_from_medians():
    # Medians 7 s and 11 s: 11 / 7 = 1.571x faster, which meets "at least 1.5x".
    result = bench.summarise({"a": _samples([8.0, 6.0, 7.0], [10.0, 12.0, 11.0])})["cold_build"]
    assert result["ours"]["median_s"] == 7.0 and result["reference"]["median_s"] == 11.0
    assert result["ratio"] == 1.571 and result["passed"] is True
    assert result["ours"]["median_cpu_s"] == 14.0


def test_slowdown_ratios_are_ours_over_reference():
    # 5 s against 4 s: 1.25x the reference, over the 1.2x allowed; 4.4 against 4: 1.1x, within it.
    over = bench.summarise({"c": _samples([5.0, 5.0, 5.0], [4.0, 4.0, 4.0])})["run_one_parameter"]
    within = bench.summarise({"b": _samples([4.4], [4.0])})["warm_noop_build"]
    assert (over["ratio"], over["passed"]) == (1.25, False)
    assert (within["ratio"], within["passed"]) == (1.1, True)


@pytest.mark.parametrize("argv, message", [
    (["--only", "x"], "--only 'x': allowed: one or more of the letters a, b, c"),
    (["--only", ""], "--only '': allowed"),
    (["--repeats", "0"], "--repeats 0: allowed: a whole number >= 1"),
])
def test_bad_arguments_stop_before_anything_runs(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        bench.main(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_plain_build_executes_the_notebooks_itself(tmp_path):
    bench.plain_source(ROOT, ["_config.yml", "_toc.yml", "book"], tmp_path / "plain")
    config = yaml.safe_load((tmp_path / "plain" / "_config.yml").read_text())
    assert config["execute"] == {"execute_notebooks": "force", "timeout": 3600}
    assert (tmp_path / "plain" / "book" / "training_compute.ipynb").read_bytes() == (ROOT / "book" / "training_compute.ipynb").read_bytes()
