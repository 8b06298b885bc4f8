"""Re-running: run folders, sweeps, the execution cache, and interrupted runs that lose nothing."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import papermill
import pytest

from analysis import __version__
from analysis.build import book, cache, execution, project, render, runs, sweep

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "book" / "training_compute.ipynb"
INFERENCE = ROOT / "book" / "inference_vs_search.ipynb"


def _forbid_execution(*args, **kwargs):
    raise AssertionError("a notebook was executed although nothing it depends on changed")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def training_run(tmp_path_factory):
    return runs.run("training_compute", {"price_usd_per_gpu_hour": 3.5}, tmp_path_factory.mktemp("run") / "dearer")


# ---- run -----------------------------------------------------------------------------------------


def test_run_writes_the_notebook_its_page_and_the_results(training_run):
    assert sorted(p.name for p in training_run.iterdir()) == ["codebook.csv", "results.json", "training_compute.html", "training_compute.ipynb"]
    results = json.loads((training_run / "results.json").read_text())
    assert results["parameters"]["price_usd_per_gpu_hour"] == 3.5
    assert results["parameters"]["pue"] == 1.1  # the defaults of everything not given
    assert results["package_version"] == __version__
    assert "data/training_runs.csv" in results["data_hashes"]
    assert results["data_hashes"]["data/training_runs.csv"] == cache.file_digest(ROOT / "data" / "training_runs.csv")
    assert results["results"]["price_usd_per_gpu_hour"] == 3.5  # every glued number
    assert results["results"]["run_cost_musd"] == pytest.approx(2.788 * 3.5, rel=1e-3)
    assert {c["id"] for c in results["claims"]} >= {"training.cost", "training.compute_share"}
    assert all(c["chapter"] == "training_compute" for c in results["claims"])
    page = (training_run / "training_compute.html").read_text()
    assert "<html" in page and 'id="altair-viz-' in page
    assert not re.findall(r'<script[^>]+src="https?:', page), "the page loads no script from outside"
    # The chapter as the book renders it: roles resolved, titled with the chapter and the changed parameter.
    assert not re.findall(r"\{(?:glue|cite|numref)[:}]", page)
    assert "<title>Did DeepSeek-V3 need only 9 % of the training compute? · run with price_usd_per_gpu_hour = 3.5</title>" in page
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.findall(r'(?:src|href)="(?![a-z]+:|#)[^"]+"', markup), "the page refers to no other file"


def test_a_second_identical_run_reuses_the_execution(training_run, tmp_path, monkeypatch):
    monkeypatch.setattr(execution, "execute", _forbid_execution)
    again = runs.run("training_compute", {"price_usd_per_gpu_hour": 3.5}, tmp_path / "again")
    results = json.loads((again / "results.json").read_text())
    assert results["reused_execution"] is True
    assert results["results"] == json.loads((training_run / "results.json").read_text())["results"]


def test_a_failing_run_leaves_the_previous_run_folder(tmp_path, monkeypatch):
    out = tmp_path / "run"
    runs.run("training_compute", {"price_usd_per_gpu_hour": 3.5}, out)
    before = _files(out)

    def cell_fails(*args, **kwargs):
        raise RuntimeError("a cell raised")

    monkeypatch.setattr(papermill, "execute_notebook", cell_fails)
    # A price no other test uses, so the execution cannot come from the cache.
    with pytest.raises(project.BuildError, match="execution failed"):
        runs.run("training_compute", {"price_usd_per_gpu_hour": 3.0625}, out)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "no partial folder is left behind"


def test_ctrl_c_during_a_run_leaves_the_previous_run_folder(tmp_path, monkeypatch):
    out = tmp_path / "run"
    runs.run("training_compute", {"price_usd_per_gpu_hour": 3.5}, out)
    before = _files(out)

    def interrupted(source, output, **kwargs):
        Path(output).write_text("{half a notebook")
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runs.run("training_compute", {"price_usd_per_gpu_hour": 3.03125}, out)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_ctrl_c_during_execute_keeps_the_previous_output_and_no_partial_file(tmp_path, monkeypatch):
    output = tmp_path / "training.ipynb"
    output.write_text('{"previous": "good output"}')

    def interrupted(source, partial, **kwargs):
        Path(partial).write_text("{half a notebook")
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        execution.execute("training_compute", {}, output)
    assert output.read_text() == '{"previous": "good output"}'
    assert [p.name for p in tmp_path.iterdir()] == ["training.ipynb"]


def test_run_from_the_command_line(training_run, tmp_path):
    out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "run", "training_compute", "-p", "price_usd_per_gpu_hour=3.5", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "training.cost" in done.stdout and f"wrote {out}/" in done.stdout
    assert json.loads((out / "results.json").read_text())["results"] == json.loads((training_run / "results.json").read_text())["results"]


def test_the_machinery_loads_papermill_without_the_iri_grammars_and_still_validates_notebooks():
    # jsonschema compiles rfc3987-syntax's grammars on import (0.6 to 2 s) only to check "iri" formats,
    # which nothing here checks; every run paid for them before its kernel started.
    probe = """
import sys
import analysis.build.runs
import nbformat, papermill
nb = nbformat.read("book/training_compute.ipynb", as_version=4)
nbformat.validate(nb)
nb.cells[0]["cell_type"] = "no such cell type"
try:
    nbformat.validate(nb)
    print("invalid notebook accepted")
except nbformat.ValidationError:
    print("invalid notebook refused")
print("rfc3987_syntax loaded:", sys.modules.get("rfc3987_syntax") is not None)
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=project.ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["invalid notebook refused", "rfc3987_syntax loaded: False"], done.stdout + done.stderr


def test_run_names_say_what_ran_and_never_collide():
    assert runs.run_name("training_compute", {"pue": 1.2, "deepseek_stages": ["pre_training"]}) == \
        "training_compute__deepseek_stages=pre_training__pue=1.2"
    long_a = runs.run_name("inference_vs_search", {f"p{i}": 1.0 for i in range(40)})
    long_b = runs.run_name("inference_vs_search", {**{f"p{i}": 1.0 for i in range(40)}, "p39": 2.0})
    assert len(long_a) <= runs.MAX_NAME and len(long_b) <= runs.MAX_NAME
    assert long_a != long_b


# ---- sweep ---------------------------------------------------------------------------------------


def test_sweep_writes_one_tidy_row_per_point_and_reports_a_failed_point(tmp_path):
    out = tmp_path / "grid.csv"
    # An empty stage list gets past papermill but fails the notebook's own check (the command
    # line refuses it before any point runs; sweep() is given it directly to make a point fail).
    axes = {"pue": [1.1, 1.3], "deepseek_stages": [["pre_training"], []]}
    result = sweep.sweep("training_compute", axes, out, jobs=2, notebooks=True)
    table = pd.read_csv(out)
    assert len(table) == result.points == 4 and result.failed == 2
    assert list(table.columns[:4]) == ["pue", "deepseek_stages", "status", "error"]
    ok, failed = table[table["status"] == "ok"], table[table["status"] == "failed"]
    assert sorted(ok["pue"]) == [1.1, 1.3] and set(ok["deepseek_stages"]) == {"pre_training"}
    assert len(failed) == 2 and all("execution failed" in e for e in failed["error"])
    energy = ok.set_index("pue")["run_energy_gwh"]
    assert energy[1.3] == pytest.approx(energy[1.1] * 1.3 / 1.1)  # energy scales with PUE
    assert not [p for p in tmp_path.iterdir() if p.name not in ("grid.csv", "grid.codebook.csv")], "no partial CSV is left behind"


def test_sweep_from_the_command_line(tmp_path):
    out = tmp_path / "grid.csv"
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "sweep", "training_compute", "-p", "pue=1.1,1.3",
         "-p", "price_usd_per_gpu_hour=2,3.5", "--out", str(out), "--jobs", "2", "--notebooks"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {out} (4 points, 0 failed)" in done.stdout
    assert "sweep training_compute" in done.stderr  # the progress bar
    table = pd.read_csv(out)
    assert len(table) == 4 and set(table["status"]) == {"ok"}
    cost = table.set_index(["pue", "price_usd_per_gpu_hour"])["run_cost_musd"]
    assert cost[(1.1, 3.5)] == pytest.approx(cost[(1.1, 2.0)] * 1.75)
    assert cost[(1.3, 2.0)] == pytest.approx(cost[(1.1, 2.0)])  # the price, not the PUE, sets the cost


# ---- the cache key -------------------------------------------------------------------------------


@pytest.fixture
def repo_copy(tmp_path, monkeypatch):
    """A copy of what cache keys read (notebooks, package, data), with the cache pointed at it."""
    for part in ("analysis", "data", "book"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "_build", "*.png"))
    if (ROOT / "requirements.lock").exists():
        shutil.copy(ROOT / "requirements.lock", tmp_path)
    monkeypatch.setattr(cache, "ROOT", tmp_path)
    monkeypatch.setattr(cache, "PACKAGE", tmp_path / "analysis")
    monkeypatch.setattr(cache, "DATA", tmp_path / "data")
    return tmp_path


def _touch(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


def test_modules_used_follow_the_package_imports():
    used = {p.name for p in cache.modules_used(TRAINING)}
    assert {"training_analysis.py", "training.py", "data.py", "params.py", "__init__.py"} <= used
    assert "vendor.py" not in used and "book.py" not in used and "cli.py" not in used


def test_same_inputs_same_key(repo_copy):
    notebook = repo_copy / "book" / "training_compute.ipynb"
    assert cache.key(notebook, {"pue": 1.2})["key"] == cache.key(notebook, {"pue": 1.2})["key"]


@pytest.mark.parametrize("changed", ["data/training_runs.csv", "data/references.bib", "analysis/training_analysis.py", "analysis/training.py",
                                     "analysis/data.py", "book/training_compute.ipynb"])
def test_key_changes_with_what_the_notebook_uses(repo_copy, changed):
    notebook = repo_copy / "book" / "training_compute.ipynb"
    before = cache.key(notebook, {})["key"]
    if changed.endswith(".ipynb"):
        nb = json.loads(notebook.read_text())
        code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        code["source"] = "".join(code["source"]) + "\n# changed"
        notebook.write_text(json.dumps(nb))
    else:
        _touch(repo_copy / changed)
    assert cache.key(notebook, {})["key"] != before


@pytest.mark.parametrize("unused", ["analysis/build/vendor.py", "analysis/build/book.py", "analysis/cli.py", "data/README.md"])
def test_key_ignores_what_the_notebook_does_not_use(repo_copy, unused):
    notebook = repo_copy / "book" / "training_compute.ipynb"
    before = cache.key(notebook, {})["key"]
    _touch(repo_copy / unused)
    assert cache.key(notebook, {})["key"] == before


def test_key_changes_with_the_parameters(repo_copy):
    notebook = repo_copy / "book" / "training_compute.ipynb"
    assert cache.key(notebook, {})["key"] != cache.key(notebook, {"pue": 1.2})["key"]
    assert cache.key(notebook, {"pue": 1.2})["key"] != cache.key(notebook, {"pue": 1.3})["key"]


def test_key_of_the_inference_chapter_follows_the_scenario_it_reads(repo_copy):
    # The chapter reproduces Epoch AI's estimate from data/scenarios/epoch-2025.yml.
    notebook = repo_copy / "book" / "inference_vs_search.ipynb"
    before = cache.key(notebook, {})["key"]
    _touch(repo_copy / "data" / "scenarios" / "epoch-2025.yml")
    assert cache.key(notebook, {})["key"] != before


def test_cache_record_lists_what_went_into_the_key():
    record = cache.key(TRAINING, {"pue": 1.2})
    assert record["parameters"] == {"pue": 1.2}
    assert "analysis/training_analysis.py" in record["files"] and "data/training_runs.csv" in record["files"]
    assert "book/training_compute.ipynb" in record["files"]


# ---- the whole book ------------------------------------------------------------------------------


def test_a_second_build_with_nothing_changed_executes_and_renders_nothing(tmp_path, monkeypatch, capsys):
    renders = []

    def fake_jupyter_book(source, *args, **kwargs):
        # Rendering is tested in test_book.py; here only whether it is asked for.
        renders.append(source)
        html = source / "_build" / "html"
        html.mkdir(parents=True, exist_ok=True)
        (html / "index.html").write_text("rendered")

    monkeypatch.setattr(render, "jupyter_book", fake_jupyter_book)
    out = tmp_path / "html"
    book.build({}, out=out, edition="test-rerun")
    first = capsys.readouterr().out
    assert "built the book" in first and len(renders) == 1

    monkeypatch.setattr(execution, "execute", _forbid_execution)  # inherited by the forked workers
    book.build({}, out=out, edition="test-rerun")
    second = capsys.readouterr().out
    assert "nothing changed" in second
    assert second.count("up to date: ") == len(project.NOTEBOOKS) and "executed: " not in second
    assert len(renders) == 1


def test_a_deleted_or_damaged_page_is_put_back(tmp_path, monkeypatch, capsys):
    renders = []

    def fake_jupyter_book(source, everything=False, **kwargs):
        renders.append(everything)
        html = source / "_build" / "html"
        (html / "book").mkdir(parents=True, exist_ok=True)
        (html / "index.html").write_text("rendered")
        (html / "book" / "training_compute.html").write_text("the chapter")

    monkeypatch.setattr(render, "jupyter_book", fake_jupyter_book)
    shutil.rmtree(project.BUILD / "site-src" / "test-damaged", ignore_errors=True)
    out = tmp_path / "html"
    book.build({}, out=out, edition="test-damaged")
    assert renders == [True]  # a first build renders everything
    monkeypatch.setattr(execution, "execute", _forbid_execution)
    capsys.readouterr()

    (out / "book" / "training_compute.html").unlink()
    book.build({}, out=out, edition="test-damaged")
    assert "nothing changed" not in capsys.readouterr().out
    assert (out / "book" / "training_compute.html").read_text() == "the chapter"
    assert renders == [True], "the last render was whole: it is published again, not rendered again"

    (out / "index.html").write_text("")  # truncated, or written by another tool
    (out / "stray.html").write_text("not ours")
    book.build({}, out=out, edition="test-damaged")
    assert (out / "index.html").read_text() == "rendered" and not (out / "stray.html").exists()

    # The staging folder's own render damaged too: everything is rendered again.
    staged = project.BUILD / "site-src" / "test-damaged" / "_build" / "html" / "index.html"
    staged.write_text("")
    (out / "index.html").unlink()
    book.build({}, out=out, edition="test-damaged")
    assert renders == [True, True] and (out / "index.html").read_text() == "rendered"
    book.build({}, out=out, edition="test-damaged")
    assert "nothing changed" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize("damage", ["empty", "cut short", "no record"])
def test_a_damaged_cache_entry_is_executed_again_never_used(damage):
    executed, _ = execution.cached_execute("parameters", {})
    content = executed.read_bytes()
    if damage == "empty":
        executed.write_bytes(b"")
    elif damage == "cut short":
        executed.write_bytes(content[: len(content) // 2])
    else:
        executed.with_suffix(".json").unlink()
    again, reused = execution.cached_execute("parameters", {})
    assert again == executed and not reused
    assert json.loads(again.read_text())["cells"]
    assert execution.cached_execute("parameters", {})[1] is True  # whole again, so reused


def test_notebook_order_follows_the_durations_measured_at_the_last_build(tmp_path, monkeypatch):
    monkeypatch.setattr(execution, "DURATIONS", tmp_path / "durations.json")
    assert not [m for m in (book, execution) if hasattr(m, "EXPECTED_SECONDS")], "no hard-coded durations"
    assert execution.expected_seconds("training_compute") == 0.0  # never ran here: reading order
    execution.record_durations({"training_compute": 3.25, "index": 1.5})
    execution.record_durations({"index": 7.0})  # a later build that ran only the front page
    assert execution.expected_seconds("training_compute") == 3.25 and execution.expected_seconds("index") == 7.0
    assert sorted(project.NOTEBOOKS, key=execution.expected_seconds, reverse=True)[:2] == ["index", "training_compute"]
