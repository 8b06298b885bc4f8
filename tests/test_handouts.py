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
