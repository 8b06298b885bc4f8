"""Teaching material: objectives, exercises whose solutions match the package, the glossary, the student edition."""

import html
import json
import math
import re
import tarfile
from pathlib import Path

import pytest

from analysis import claims, cli, data, inference_analysis as ia, params, training as tr
from analysis.build import book, execution, project, publish, stage
from analysis.results import glued_values

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ("training_compute", "inference_vs_search")


def markdown_of(name):
    nb = json.loads((ROOT / project.NOTEBOOKS[name]).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


@pytest.mark.parametrize("name", CHAPTERS)
def test_each_chapter_has_objectives_and_at_least_six_exercises(name):
    text = markdown_of(name)
    objectives = re.search(r"```\{admonition\} Learning objectives(.*?)```", text, re.S)
    assert objectives, "no learning objectives"
    assert 3 <= len(re.findall(r"^\d+\. ", objectives.group(1), re.M)) <= 5
    exercises = re.findall(r"```\{exercise\}\n:label: (\S+)", text)
    assert len(exercises) >= 6
    for label in exercises:  # each exercise has a solution
        assert f"```{{solution-start}} {label}" in text
    # "**Re-run.**", or "**Check your reading, then re-run.**" where the page states the answer first
    assert len(re.findall(r"\*\*(?:[^*]*, then )?[Rr]e-run\.\*\*", text)) >= 2, "some exercises ask for a re-run with a changed parameter"


def glossary_terms():
    text = (ROOT / "book/glossary.md").read_text()
    block = re.search(r"```\{glossary\}\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith(" ")]


def test_glossary_covers_the_terms_teachers_asked_for():
    terms = set(glossary_terms())
    assert {"FLOP", "FLOP/s", "GPU-hour", "utilization", "dense model", "mixture of experts", "active parameters", "token",
            "prefill", "decode", "joule", "watt-hour", "kilowatt-hour", "PUE", "grid carbon intensity", "kWh/GB",
            "Monte Carlo interval"} <= terms


@pytest.mark.parametrize("term", glossary_terms())
def test_every_glossary_term_is_used_in_the_text(term):
    sources = [markdown_of(n) for n in (*CHAPTERS, "index")] + [(ROOT / "book/teachers.md").read_text()]
    pattern = re.compile(r"\{term\}`(?:" + re.escape(term) + r"|[^`<]*<" + re.escape(term) + r">)`")
    assert any(pattern.search(s) for s in sources), f"glossary term {term!r} is never linked from the text"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The chapters and the front page executed with default parameters (solutions included)."""
    out = tmp_path_factory.mktemp("solutions")
    for name in (*CHAPTERS, "index"):
        execution.execute(name, {}, out / f"{name}.ipynb")
    return {name: json.loads((out / f"{name}.ipynb").read_text()) for name in (*CHAPTERS, "index")}


@pytest.fixture(scope="module")
def glued(executed):
    """Every value the chapters glued."""
    values = {}
    for name in CHAPTERS:
        values.update(glued_values(executed[name]))
    return values


def output_texts(nb):
    """Every output of an executed notebook as text: printed lines, glued Markdown, HTML, chart data."""
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if "text" in output:
                yield "".join(output["text"])
            for value in output.get("data", {}).values():
                yield value if isinstance(value, str) else "".join(value) if isinstance(value, list) else json.dumps(value)


@pytest.mark.slow
class TestSolutions:
    def test_training_solutions_match_the_package(self, glued):
        assert glued["ex_training_flop"] == pytest.approx(6 * 37e9 * 14.8e12)
        assert glued["ex_training_flop_share"] == pytest.approx(100 * 6 * 37e9 * 14.8e12 / 3.8e25)
        assert glued["ex_training_days"] == pytest.approx(30.84e6 / 2048 / 24)
        assert glued["ex_training_price"] == pytest.approx(6.5e6 / 2.788e6)
        assert glued["ex_training_stages_changed"] >= 1
        kwh = tr.energy_kwh(30.84e6, 700, 1.0, 1.1)
        assert glued["ex_training_grid"] == pytest.approx(8930e6 / kwh)
        assert glued["ex_training_dense_hours"] == pytest.approx(2.788e6 * 671 / 37)

    def test_inference_solutions_match_the_package(self, glued):
        d, p = data.load(), params.validate({})
        assert glued["ex_inference_units_times"] == pytest.approx(864 / 100)
        assert glued["ex_inference_flop"] == pytest.approx(2 * 1.5e9 * (150 / 4 + 500))
        assert math.isnan(glued["ex_inference_utilization"])  # no utilization gets a GPT-3-sized request to 100 J
        tokens = glued["ex_inference_tokens"]
        assert ia.central_request_energy(d, {**p, "output_tokens": tokens}, "frontier") == pytest.approx(100, rel=1e-6)
        assert glued["ex_inference_network_year"] == pytest.approx(2015 + 2 * math.log2(0.06 * 500e3 / 1e9 * 3.6e6 / 0.1), abs=1e-6)
        assert glued["ex_inference_knob_best"] > 100


@pytest.mark.slow
class TestVerdictWords:
    """Pages and exercises print the words people read; the JSON keys too_low and too_high stay in the JSON."""

    def test_no_page_or_exercise_prints_a_machine_key(self, executed):
        for name, nb in executed.items():
            for text in output_texts(nb):
                text = re.sub(r'class=\\?"verdict verdict-\w+\\?"', "", text)  # CSS classes may name the key
                assert "too_low" not in text.lower() and "too_high" not in text.lower(), (name, text[:300])

    def test_front_page_shows_the_definitions_the_rule_generates(self, executed):
        texts = list(output_texts(executed["index"]))
        assert claims.definitions_markdown() in texts

    def test_front_page_prints_each_stored_quote(self, executed):
        page = "".join(t for t in output_texts(executed["index"]) if "<table" in t)
        quotes = [html.unescape(q) for q in re.findall(r"<td>“(.*?)”<br>", page)]
        assert sorted(quotes) == sorted(data.load().claims["quote"])

    def test_exercise_verdicts_use_the_words(self, executed):
        stages = next(c for c in executed["training_compute"]["cells"] if "pre_only" in "".join(c["source"]))
        printed = "".join("".join(o.get("text", "")) for o in stages["outputs"])
        assert printed, "the exercise printed nothing"
        for line in printed.splitlines():
            before, after = line.split(": ", 1)[1].split(" -> ")
            assert {before, after} <= set(claims.VERDICT_TEXT.values()), line


@pytest.mark.slow
def test_student_edition_has_exercises_but_no_solutions(tmp_path):
    out = book.build({}, out=tmp_path / "student", edition="test-student", student=True)
    for name in CHAPTERS:
        page = (out / "book" / f"{name}.html").read_text()
        assert 'class="exercise' in page
        assert 'class="solution' not in page and "Solution to" not in page
        assert "ex_training_days" not in page and "days, about" not in page
    # What a teacher hosts: the packed archive holds the same pages, no solution among them.
    with tarfile.open(publish.archive(out, tmp_path / "site-student.tar.gz")) as tar:
        pages = {m.name: tar.extractfile(m).read().decode("utf-8", "replace") for m in tar.getmembers() if m.name.endswith(".html")}
    assert "site/book/training_compute.html" in pages
    assert not [name for name, page in pages.items() if 'class="solution' in page or "Solution to" in page]
    # Its handouts: the worksheets and the claims ledger, linked from For teachers; no answer key, in the site or the archive.
    from tests.test_handouts import assert_handouts_linked

    assert_handouts_linked(out, student=True)
    with tarfile.open(tmp_path / "site-student.tar.gz") as tar:
        pdfs = {m.name for m in tar.getmembers() if m.name.endswith(".pdf")}
    assert "site/handouts/a4/training_compute-worksheet.pdf" in pdfs and "site/handouts/letter/claims-ledger.pdf" in pdfs
    assert not [name for name in pdfs if "answer-key" in name]


def test_publish_packs_the_edition_it_is_given(monkeypatch, capsys):
    from analysis.build import handouts

    packed = []
    monkeypatch.setattr(publish, "archive", lambda site, target: packed.append((site, target)) or target)
    monkeypatch.setattr(handouts, "missing_from_site", lambda recorded: None)  # tested in tests/test_handouts.py
    assert cli.main(["publish", "--edition", "student"]) == 0
    assert cli.main(["publish"]) == 0
    assert cli.main(["publish", "--edition", "student", "--scenario", "data/scenarios/search-2009.yml"]) == 0
    assert packed == [
        (project.BUILD / "student" / "html", project.BUILD / "site-student.tar.gz"),
        (project.BUILD / "html", project.BUILD / "site.tar.gz"),
        (project.BUILD / "scenarios" / "search-2009" / "student" / "html", project.BUILD / "site-scenario-search-2009-student.tar.gz"),
    ]


def test_strip_solutions_handles_a_cell_that_ends_one_solution_and_starts_the_next():
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "```{exercise}\n:label: a\nQ1\n```\n\n```{solution-start} a\n:class: dropdown\n```"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "print('answer one')"},
        {"cell_type": "markdown", "metadata": {}, "source": "```{solution-end}\n```\n\n```{exercise}\n:label: b\nQ2\n```\n\n```{solution-start} b\n```"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "print('answer two')"},
        {"cell_type": "markdown", "metadata": {}, "source": "Because.\n\n```{solution-end}\n```\n\nAfter."},
    ]}
    stripped = json.loads(stage.strip_solutions(json.dumps(nb).encode()))
    text = "\n".join(c["source"] for c in stripped["cells"])
    assert "Q1" in text and "Q2" in text and "After." in text
    assert "answer" not in text and "Because" not in text and "solution" not in text
