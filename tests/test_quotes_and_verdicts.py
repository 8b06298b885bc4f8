"""Quotes are the source's own words, cut (never reordered) from one stored sentence; verdicts follow one
stated rule, are defined where readers meet them, and are printed for people in one word set."""

import html
import json
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import claims, data, formatting, ledger, params
from analysis import inference_analysis as ia
from analysis.claims import compose, judge, quote_fragments, quote_in_sentence
from analysis.schema import DataError

ROOT = Path(__file__).resolve().parent.parent
MACHINE_ONLY = ("too_low", "too_high")  # JSON keys that are not also a word people read
WORDS = set(claims.VERDICT_TEXT.values())

# The comment's sentence about a request, as our stored copy of the page gives it.
REQUEST_SENTENCE = "A single inference request (depending on the model size) could consume 10-100 joules, with larger models requiring more energy."


@pytest.fixture(scope="module")
def rows(dataset):
    return dataset.claims


@pytest.fixture(scope="module")
def entries(dataset):
    return ledger.ledger(dataset, params.validate({}))


# ---- 1. quotes are cut from one stored sentence, in order ----


def test_every_quote_is_cut_in_order_from_its_stored_sentence(rows):
    for row in rows.itertuples():
        start = 0
        for fragment in quote_fragments(row.quote):
            found = row.source_sentence.find(fragment, start)
            assert found >= 0, f"{row.claim_id}: {fragment!r} is not in its sentence after position {start}"
            start = found + len(fragment)


def test_an_ellipsis_may_cut_but_not_reorder():
    assert quote_fragments("a b ... c d … e") == ["a b", "c d", "e"]
    assert quote_in_sentence("A single inference request ... could consume 10-100 joules", REQUEST_SENTENCE)
    # The quote the ledger used to print: its second fragment comes before its first in the sentence.
    assert not quote_in_sentence("could consume 10-100 joules ... depending on the model size", REQUEST_SENTENCE)
    assert not quote_in_sentence("10-100 joules ... 10-100 joules", REQUEST_SENTENCE)  # fragments may not overlap


def test_request_claims_quote_the_sentence_in_its_own_order(rows):
    for model in ("gpt2", "gpt3", "frontier"):
        row = rows.loc[f"inference.llm_request_energy.{model}"]
        assert row["source_sentence"] == REQUEST_SENTENCE
        assert REQUEST_SENTENCE.startswith(row["quote"])


def test_client_claims_are_the_comments_words(rows):
    # The comment's words as the referee read them; "1-5 W (phones)" and "50-400 W (local LLM machines)" are not in it.
    assert rows.loc["inference.client_energy.phone", "quote"] == "(phones) ~1-5W"
    assert rows.loc["inference.client_energy.local_gpu", "quote"] == "local LLM models processing ~50-400W"
    # The question's "local 10-400W client side prompt processing" is no claim of its own; the row says why.
    assert "local 10-400W client side prompt processing" in rows.loc["inference.client_energy.local_gpu", "reading"]
    assert not rows["quote"].str.contains("10-400W").any()


def test_sentences_cut_off_in_our_copy_are_marked(rows):
    complete = rows[rows["sentence_complete"] == "yes"]
    assert complete["source_sentence"].str.endswith((".", "?", "!")).all()
    for row in complete.itertuples():  # one sentence, nothing more ("E.g." is an abbreviation, not a full stop)
        inner = re.sub(r"\bE\.g\.", "Eg", row.source_sentence[:-1])
        assert not re.search(r"[.?!]\s+[A-Z]", inner), row.claim_id
    cut = set(rows.index[rows["sentence_complete"] == "no"])
    assert cut == {"inference.search_energy", "inference.network_energy", "inference.client_energy.phone",
                   "inference.client_energy.local_gpu"}
    assert rows.loc["inference.search_energy", "source_sentence"].endswith("per request, because search")


def _claims_csv(data_copy):
    path = data_copy / "claims.csv"
    return path, pd.read_csv(path, dtype=str, keep_default_na=False)


def test_a_reordered_quote_is_a_data_error_naming_row_and_column(data_copy):
    path, frame = _claims_csv(data_copy)
    i = frame.index[frame["claim_id"] == "inference.llm_request_energy.gpt2"][0]
    frame.loc[i, "quote"] = "could consume 10-100 joules ... depending on the model size"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        data.load(data_copy)
    assert (f"data/claims.csv: row {i + 1} (claim_id=inference.llm_request_energy.gpt2), column quote: "
            "not cut from column source_sentence (its fragments occur in another order)") in str(caught.value)


def test_a_quote_with_words_not_in_its_sentence_and_a_false_complete_mark_are_both_named(data_copy):
    path, frame = _claims_csv(data_copy)
    i = frame.index[frame["claim_id"] == "inference.client_energy.phone"][0]
    frame.loc[i, "quote"] = "1-5 W (phones)"
    frame.loc[i, "sentence_complete"] = "yes"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        data.load(data_copy)
    problems = caught.value.problems
    assert any("column quote: not cut from column source_sentence ('1-5 W (phones)' does not occur in it)" in p for p in problems)
    assert any("column sentence_complete: 'yes', but source_sentence does not end a sentence" in p for p in problems)


# ---- 2. "typically higher per request" ----


def test_llm_vs_search_reads_typically_higher_as_at_least_one(rows):
    row = rows.loc["inference.llm_vs_search"]
    assert "is typically higher per request" in row["quote"]
    assert row["claimed_low"] >= 1  # an LLM request costing less than a search contradicts "higher"
    assert row["claimed_high"] == pytest.approx(100 / 10)  # the comment's own figures at their widest


# ---- 3. every output prints the stored quote ----


def test_cli_table_and_json_print_the_stored_quotes(rows):
    table = subprocess.run([sys.executable, "-m", "analysis", "claims"], capture_output=True, text=True, cwd=ROOT)
    as_json = subprocess.run([sys.executable, "-m", "analysis", "claims", "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert table.returncode == 0 and as_json.returncode == 0, table.stderr + as_json.stderr
    printed = re.findall(r"“(.*?)” \(", table.stdout)
    assert sorted(printed) == sorted(rows["quote"])
    for entry in json.loads(as_json.stdout):
        row = rows.loc[entry["id"]]
        assert entry["quote"] == row["quote"]
        assert entry["source"]["sentence"] == row["source_sentence"]
        assert entry["source"]["sentence_complete"] is (row["sentence_complete"] == "yes")


def test_front_page_ledger_prints_the_stored_quotes(rows, entries):
    page = formatting.ledger_html(entries)
    printed = [html.unescape(q) for q in re.findall(r"<td>“(.*?)”<br>", page)]
    assert sorted(printed) == sorted(rows["quote"])
    assert page.count("our copy of the source breaks off in this sentence") == (rows["sentence_complete"] == "no").sum()


def _markdown(name):
    nb = json.loads((ROOT / "book" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [c["source"] for c in nb["cells"] if c["cell_type"] == "markdown"]


# Words the chapters quote from sources other than a claim's sentence, by source.
OTHER_SOURCES = {
    "include[s] only the official training of DeepSeek-V3, excluding the costs associated with prior research and ablation experiments": "DeepSeek-V3 report",
    "well higher than $500M": "SemiAnalysis",
    "on up to 16K H100 GPUs": "Llama 3 report",
    "queries with long input lengths or with longer outputs (e.g. using reasoning models) may be substantially more energy-intensive than 0.3 watt-hours":
        "Epoch AI, How much energy does ChatGPT use?",
}


@pytest.mark.parametrize("name", ["index", "training_compute", "inference_vs_search"])
def test_chapters_quote_the_sources_words(rows, name):
    sentences = list(rows["source_sentence"])
    for cell in _markdown(name):
        for span in re.findall(r'"([^"\n]+)"', cell):
            span = span.replace("\\$", "$")
            if span in OTHER_SOURCES:
                continue
            # A quote may open a sentence of ours, so its first letter may change case.
            variants = {span, span[0].lower() + span[1:], span[0].upper() + span[1:]}
            assert any(v in s for v in variants for s in sentences), f"{name}: {span!r} is not the source's words"


def test_inference_intro_quotes_each_claim_as_stored(rows):
    intro = _markdown("inference_vs_search")[0].split("\n\n")[1]  # the paragraph after the title
    for row in rows[rows["chapter"] == "inference_vs_search"].itertuples():
        assert f'"{row.quote}"' in intro, row.claim_id


# ---- 4. verdicts: one rule, defined where readers meet them ----

# The definitions, written out by hand from the words the front page and the Glossary show.
DEFINED = {
    "holds": lambda c_low, c_high, low, high, v: not (c_high < low or c_low > high) and c_low <= v <= c_high,
    "too_low": lambda c_low, c_high, low, high, v: c_high < low,
    "too_high": lambda c_low, c_high, low, high, v: c_low > high,
    "mixed": lambda c_low, c_high, low, high, v: not (c_high < low or c_low > high) and not c_low <= v <= c_high,
    "unverifiable": lambda c_low, c_high, low, high, v: math.isnan(low) or math.isnan(high),
}


def test_exactly_one_definition_applies_and_judge_returns_it():
    rng = random.Random(11)
    for _ in range(5000):
        c_low, c_high = sorted(rng.choice([0, 1, 2, 3, 4, 5]) + rng.random() for _ in range(2))
        if rng.random() < 0.05:
            low = high = v = float("nan")
        else:
            low, v, high = sorted(rng.choice([0, 1, 2, 3, 4, 5]) + rng.random() for _ in range(3))
        applies = [k for k, test in DEFINED.items() if test(c_low, c_high, low, high, v)]
        if "unverifiable" in applies:
            applies = ["unverifiable"]  # comparisons with NaN are all false
        assert len(applies) == 1, (c_low, c_high, low, high, v, applies)
        assert judge(c_low, c_high, low, high, v) == applies[0]


def test_holds_needs_the_central_value_inside_not_just_overlap():
    assert judge(50, 400, 240, 797, 450) == "mixed"
    assert "central value lies inside" in claims.VERDICT_MEANING["holds"]
    assert "central value lies outside" in claims.VERDICT_MEANING["mixed"]


def test_glossary_defines_every_verdict_as_the_rule_does():
    glossary = (ROOT / "book/glossary.md").read_text(encoding="utf-8")
    assert claims.glossary_entry() in glossary
    for key in claims.VERDICTS:
        assert f"**{claims.VERDICT_TEXT[key]}**: {claims.VERDICT_MEANING[key]}." in glossary


def test_front_page_shows_the_generated_definitions_not_its_own():
    cells = json.loads((ROOT / "book/index.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = [c["source"] for c in cells]
    assert any("claims.definitions_markdown()" in s for s in sources if "Markdown(" in s)
    markdown = "\n".join(s for s, c in zip(sources, cells) if c["cell_type"] == "markdown")
    for text in claims.VERDICT_TEXT.values():  # no verdict is defined by hand on the page
        assert f"**{text}** (" not in markdown


def test_definitions_list_every_verdict_and_the_composition_rule():
    text = claims.definitions_markdown()
    for key in claims.VERDICTS:
        assert f"- **{claims.VERDICT_TEXT[key]}**: {claims.VERDICT_MEANING[key]}." in text
    assert "several cases" in text and "**understates** or **overstates** accordingly" in text


# ---- 5. composing per-case verdicts ----


@pytest.mark.parametrize(
    "parts, verdict",
    [
        (["holds", "holds"], "holds"),
        (["too_low", "too_low"], "too_low"),
        (["mixed", "too_low"], "too_low"),  # refuted for one case, possible but unlikely for the other
        (["mixed", "too_high", "too_high"], "too_high"),
        (["too_low", "unverifiable"], "too_low"),
        (["holds", "too_low"], "mixed"),  # right for one case, wrong for the other
        (["holds", "mixed"], "mixed"),
        (["too_low", "too_high"], "mixed"),  # errs both ways
        (["holds", "unverifiable"], "unverifiable"),
        (["mixed", "unverifiable"], "unverifiable"),
        (["holds", "too_low", "unverifiable"], "mixed"),
    ],
)
def test_compose(parts, verdict):
    assert compose(parts) == verdict
    assert compose(reversed(parts)) == verdict  # the order of the cases does not matter


def test_compose_refuses_nothing_and_unknown_keys():
    with pytest.raises(ValueError, match="no verdicts"):
        compose([])
    with pytest.raises(ValueError, match=r"verdict 'TOO_LOW' is unknown; allowed: holds, too_low, too_high, mixed, unverifiable"):
        compose(["holds", "TOO_LOW"])


def test_network_claim_understates_because_the_search_page_lies_above_it(entries):
    network = next(e for e in entries if e["id"] == "inference.network_energy")
    assert network["verdict"] == "too_low"
    assert network["basis"].endswith("verdict per payload: response mixed, search page understates")


# ---- 6. one word set for people, the keys for programs ----


def test_every_human_output_uses_the_words(entries, dataset):
    done = subprocess.run([sys.executable, "-m", "analysis", "claims"], capture_output=True, text=True, cwd=ROOT)
    page = re.sub(r'class="verdict verdict-\w+"', "", formatting.ledger_html(entries))
    chart = ia.claim_intervals(dataset, params.validate({}))
    for text in (done.stdout, page, " ".join(e["basis"] for e in entries), " ".join(chart["verdict"])):
        for key in MACHINE_ONLY:
            assert key not in text.lower()
    assert set(chart["verdict"]) <= WORDS
    assert {claims.VERDICT_TEXT[e["verdict"]] for e in entries} <= set(re.findall(r"^\S+\s+(\S+)", done.stdout, re.M))


def test_json_keeps_the_machine_keys(entries):
    assert {e["verdict"] for e in entries} <= set(claims.VERDICTS)
    assert claims.VERDICTS == ("holds", "too_low", "too_high", "mixed", "unverifiable")
    assert set(claims.VERDICT_TEXT) == set(claims.VERDICTS) and len(WORDS) == len(claims.VERDICTS)


def test_word_names_an_unknown_key():
    assert claims.word("too_low") == "understates"
    with pytest.raises(ValueError, match="verdict 'understates' is unknown"):
        claims.word("understates")
