"""The classroom handouts: printed offline by Chromium, on A4 and US Letter, from the same sources as the book."""

import re

import pytest

from analysis import data, params as P
from analysis.build import handouts
from tests.test_browser import _require_browser

pytestmark = pytest.mark.slow
PAGE_SIZES_PT = {"a4": (595.9, 842.9), "letter": (612.0, 792.0)}


def _text(path):
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return len(reader.pages), [page.extract_text() for page in reader.pages], reader.pages[0].mediabox


def _flat(pages):
    return re.sub(r"\s+", " ", " ".join(pages))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    _require_browser()
    out = tmp_path_factory.mktemp("handouts")
    files = handouts.build({}, out=out, date="2026-01-15")
    return out, files


def test_every_handout_is_printed_on_both_papers(printed):
    out, files = printed
    names = {"claims-ledger"} | {f"{c}-{kind}" for c in handouts.CHAPTERS for kind in ("worksheet", "answer-key")}
    assert {(f.parent.name, f.stem) for f in files} == {(paper, name) for paper in handouts.PAPERS for name in names}
    for f in files:
        pages, _, box = _text(f)
        width, height = sorted((float(box.width), float(box.height)))
        assert (width, height) == pytest.approx(PAGE_SIZES_PT[f.parent.name], abs=1), f
        limit = 1 if f.stem == "claims-ledger" else 8
        assert 1 <= pages <= limit, f"{f}: {pages} pages"


def test_every_page_carries_title_edition_date_and_page_number(printed):
    out, files = printed
    for f in files:
        pages, texts, _ = _text(f)
        for i, text in enumerate(texts, start=1):
            flat = re.sub(r"\s+", " ", text)
            assert f"page {i} of {pages}" in flat and "default edition · 2026-01-15" in flat, f"{f} page {i}"


@pytest.mark.parametrize("chapter", list(handouts.CHAPTERS))
def test_the_worksheet_has_every_exercise_and_no_answer(printed, chapter):
    out, _ = printed
    _, texts, _ = _text(out / "a4" / f"{chapter}-worksheet.pdf")
    sheet = _flat(texts)
    assert "Parameters used" in sheet
    for label, text in handouts.exercises(chapter):
        first_words = " ".join(re.sub(r"[*`\\]", "", text).split()[:4])
        assert first_words in sheet, label
    for answer in handouts.ANSWERS[chapter](data.load(), P.validate({})):
        assert answer.value not in sheet and "Answer:" not in sheet, answer.label


@pytest.mark.parametrize("chapter", list(handouts.CHAPTERS))
def test_the_answer_key_has_every_answer_with_its_working(printed, chapter):
    out, _ = printed
    _, texts, _ = _text(out / "letter" / f"{chapter}-answer-key.pdf")
    key = _flat(texts)
    answers = handouts.ANSWERS[chapter](data.load(), P.validate({}))
    assert [a.label for a in answers] == [label for label, _ in handouts.exercises(chapter)]
    for answer in answers:
        assert f"Answer: {answer.value}" in key, answer.label
        assert answer.steps and all(step in key for step in answer.steps), answer.label


def test_the_first_answer_is_the_arithmetic_a_student_can_follow():
    flop = next(a for a in handouts.training_answers(data.load(), P.validate({})) if a.label == "ex-training-flop")
    # 6 x 37e9 x 14.8e12 = 3.2856e24 FLOP; / 3.8e25 (Meta's reported FLOP) = 8.65 %
    assert flop.steps == ["6 × 3.7e10 × 1.48e13 = 3.286e24 FLOP", "3.286e24 ÷ 3.8e25 = 0.0865 = 8.65 %"]


def test_the_handouts_follow_the_parameters(tmp_path):
    _require_browser()
    changed = {"output_tokens": 1000}
    answers = {a.label: a for a in handouts.inference_answers(data.load(), P.validate(changed))}
    files = handouts.build(changed, out=tmp_path, date="2026-01-15")
    key = _flat(_text(tmp_path / "a4" / "inference_vs_search-answer-key.pdf")[1])
    assert "plus 1000 out = 1037.5 tokens" in key and f"Answer: {answers['ex-inference-flop'].value}" in key
    assert "changed parameters: output_tokens" in key
    assert len(files) == 10


# --- The handouts in the website (make book) ------------------------------------------------------------------

def assert_handouts_linked(site, student=False):
    """The For teachers page of a built site links each handout of its edition, on both papers, and each
    link opens a valid PDF of that paper in the site; the site holds no other handout (the student edition:
    no answer keys); the site's manifest records every one."""
    _require_browser()
    from pypdf import PdfReader

    from analysis.build import book, publish, render

    page = (site / "book" / "teachers.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]+\.pdf)"', page)
    expected = {f"handouts/{paper}/{name}.pdf" for paper in handouts.PAPERS for name, _, _ in handouts.kinds(student)}
    linked = {(site / "book" / href).resolve().relative_to(site.resolve()).as_posix() for href in hrefs}
    assert linked == expected and len(hrefs) == len(expected)
    assert {p.relative_to(site).as_posix() for p in (site / "handouts").rglob("*") if p.is_file()} == expected
    assert expected <= set(publish.read_manifest(site)["files"])
    for rel in sorted(expected):
        reader = PdfReader(str(site / rel))
        box = reader.pages[0].mediabox
        assert sorted((float(box.width), float(box.height))) == pytest.approx(PAGE_SIZES_PT[rel.split("/")[1]], abs=1), rel
        name = rel.rsplit("/", 1)[1][:-4]
        assert handouts._title(name).split(":")[0] in _flat(p.extract_text() for p in reader.pages), rel
    if student:
        assert "The answer keys are not part of the student edition" in re.sub(r"\s+", " ", page)


def test_the_site_handouts_of_each_edition():
    assert [n for n, _, _ in handouts.kinds()] == ["training_compute-worksheet", "inference_vs_search-worksheet",
                                                   "training_compute-answer-key", "inference_vs_search-answer-key", "claims-ledger"]
    assert [n for n, _, _ in handouts.kinds(student=True)] == ["training_compute-worksheet", "inference_vs_search-worksheet",
                                                               "claims-ledger"]


def test_the_print_cache_key_follows_the_inputs_and_nothing_else(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    base = handouts.printed_key(P.validate({}), None, None)
    assert handouts.printed_key(P.validate({}), None, None) == base
    assert handouts.printed_key(P.validate({"output_tokens": 1000}), None, None) != base
    assert handouts.printed_key(P.validate({}), {"title": "A scenario"}, None) != base
    assert handouts.printed_key(P.validate({}), None, "2026-01-15") != base
    names = {p.relative_to(handouts.ROOT).as_posix() for p in handouts.key_files()}
    assert {"analysis/answers.py", "analysis/build/handouts.py", "analysis/ledger.py", "book/training_compute.ipynb",
            "data/claims.csv", "requirements.lock"} <= names
    assert "analysis/build/book.py" not in names and "book/glossary.md" not in names  # the handouts do not depend on them


def test_the_date_follows_source_date_epoch(monkeypatch, capsys):
    import datetime as dt

    from analysis import cli

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1768435200")  # 2026-01-15 00:00 UTC
    assert handouts.handout_date() == "2026-01-15"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(handouts.HandoutsError, match="SOURCE_DATE_EPOCH='yesterday': expected whole seconds"):
        handouts.handout_date()
    for command in (["build"], ["handouts"]):  # refused in one line, before anything runs
        assert cli.main(command) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == ["error: SOURCE_DATE_EPOCH='yesterday': expected whole seconds since 1970-01-01 UTC (e.g. 1767225600)"]
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert handouts.handout_date(dt.date(2026, 3, 4)) == "2026-03-04"


def test_make_handouts_prints_the_edition_it_is_given(monkeypatch, capsys):
    from analysis import cli
    from analysis.build import book, browser

    calls = []
    monkeypatch.setattr(handouts, "build", lambda values, scenario: calls.append((values, scenario)) or [book.BUILD / "x.pdf"])
    assert cli.main(["handouts", "--scenario", "data/scenarios/search-2009.yml", "-p", "output_tokens=1000"]) == 0
    (values, scenario), = calls
    assert scenario["name"] == "search-2009" and values["output_tokens"] == 1000
    assert "wrote _build/x.pdf" in capsys.readouterr().out

    def no_browser(*args):
        raise browser.BrowserMissing("Chromium not found: install it with 'apt-get install -y chromium' (Debian)")

    monkeypatch.setattr(handouts, "build", no_browser)
    assert cli.main(["handouts"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == ["error: Chromium not found: install it with 'apt-get install -y chromium' (Debian)"]


def test_two_prints_of_the_same_handout_are_the_same_bytes(tmp_path):
    _require_browser()
    from pypdf import PdfReader

    document = {"claims-ledger": ("The claims ledger", handouts.ledger_page(data.load(), P.validate({})))}
    first, = handouts.print_pdfs({**document}, tmp_path / "one", "default edition", "2026-01-15")[:1]
    second, = handouts.print_pdfs({**document}, tmp_path / "two", "default edition", "2026-01-15")[:1]
    assert first.read_bytes() == second.read_bytes()  # Chromium writes the second it printed; pinned to the date
    meta = PdfReader(str(first)).metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20260115000000+00'00'"


def _fake_render(renders):
    def fake_jupyter_book(source, everything=False, **kwargs):
        renders.append(everything)
        html = source / "_build" / "html"
        (html / "book").mkdir(parents=True, exist_ok=True)
        (html / "index.html").write_text("rendered")
        (html / "book" / "teachers.html").write_text((source / "book" / "teachers.md").read_text(encoding="utf-8"))
    return fake_jupyter_book


def test_a_deleted_damaged_or_foreign_handout_is_put_back_and_a_warm_build_prints_nothing(tmp_path, monkeypatch, capsys):
    import shutil

    from analysis.build import book, publish, render

    _require_browser()
    renders = []
    monkeypatch.setattr(render, "jupyter_book", _fake_render(renders))
    shutil.rmtree(book.BUILD / "site-src" / "test-handouts", ignore_errors=True)
    out = tmp_path / "html"
    book.build({}, out=out, edition="test-handouts")
    published = publish.site_files(out)
    assert {f"handouts/{paper}/claims-ledger.pdf" for paper in handouts.PAPERS} <= set(published)
    assert published == publish.read_manifest(out)["files"]

    def no_printing(*args, **kwargs):
        raise AssertionError("the handouts were printed again")

    monkeypatch.setattr(handouts, "ProcessPoolExecutor", no_printing)
    capsys.readouterr()
    book.build({}, out=out, edition="test-handouts")
    assert "nothing changed" in capsys.readouterr().out

    (out / "handouts" / "a4" / "claims-ledger.pdf").unlink()
    (out / "handouts" / "letter" / "training_compute-answer-key.pdf").write_bytes(b"%PDF-1.4\n")  # cut short
    (out / "handouts" / "a4" / "stray.pdf").write_bytes(b"not ours")
    book.build({}, out=out, edition="test-handouts")
    assert "restored" in capsys.readouterr().out
    assert publish.site_files(out) == published and renders == [True]


def test_without_chromium_the_site_says_so_and_is_not_published(tmp_path, monkeypatch, capsys):
    import shutil

    from analysis import cli
    from analysis.build import book, editions, publish, render

    renders = []
    monkeypatch.setattr(render, "jupyter_book", _fake_render(renders))
    monkeypatch.setattr(handouts, "chromium_missing", lambda: f"Chromium not found: {handouts.INSTALL}")
    shutil.rmtree(book.BUILD / "site-src" / "test-no-chromium", ignore_errors=True)
    out = tmp_path / "html"
    out.mkdir()
    (out / "handouts").mkdir()
    (out / "handouts" / "old.pdf").write_bytes(b"from an earlier build")
    book.build({}, out=out, edition="test-no-chromium")
    warnings = [line for line in capsys.readouterr().err.splitlines() if "handouts" in line]
    assert warnings == ["warning: the handouts are not in this build: Chromium not found: install it with "
                        "'apt-get install -y chromium' (Debian) and run 'make book' again"]
    page = re.sub(r"\s+", " ", (out / "book" / "teachers.html").read_text(encoding="utf-8"))
    assert "built without its handouts" in page and "apt-get install -y chromium" in page and ".pdf\"" not in page
    assert not (out / "handouts").exists() and publish.read_manifest(out)["signature"]["handouts"] is None
    assert "built without its handouts" in handouts.missing_from_site(publish.read_manifest(out))
    # `make publish` of such a site: one line, and no archive
    monkeypatch.setattr(editions, "edition_site", lambda values, scenario, edition: (out, "default"))
    monkeypatch.setattr(publish, "archive", lambda *args: pytest.fail("a site without its handouts was packed"))
    assert cli.main(["publish"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "was built without its handouts" in err[0], err
