"""Judge public claims against computed values: the claims ledger.

A claim (a row of ``data/claims.csv``) names a *check*: a function registered
here with :func:`check` that computes the quantity the claim is about from
``data/`` and the parameters. Adding a claim of a known kind is a new CSV row;
only a new kind of claim needs code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:  # for annotations only: data imports this module to check claims.csv
    from analysis.data import Dataset

# The verdicts, in the order the rule tries them. ``key`` is the stable machine interface
# (the ledger's JSON); ``word`` is what every page, table and exercise prints; ``meaning``
# is the definition the front page and the Glossary show. judge() applies ``applies``, so
# the definition a reader sees and the rule the code runs are one object. Each test is
# written with numpy's element-wise operations, so it judges one value or an array of them.
@dataclass(frozen=True)
class Verdict:
    """One verdict: its machine key, the word people read, its definition, and its test."""

    key: str
    word: str
    meaning: str
    applies: Callable[..., object]  # (claimed_low, claimed_high, low, high, value) -> bool, element-wise for arrays


def _no_interval(c_low, c_high, low, high, value):
    return np.isnan(low) | np.isnan(high)


def _central_outside(c_low, c_high, low, high, value):
    if value is None:
        return False
    return ~np.isnan(value) & ~((c_low <= value) & (value <= c_high))


RULES: tuple[Verdict, ...] = (
    Verdict("unverifiable", "unverifiable",
            "we could not compute an interval for it, or the evidence is too weak to confirm or refute it",
            _no_interval),
    Verdict("too_low", "understates",
            "the whole claimed range lies below our interval: the claim puts the quantity too low",
            lambda c_low, c_high, low, high, value: c_high < low),
    Verdict("too_high", "overstates",
            "the whole claimed range lies above our interval: the claim puts the quantity too high",
            lambda c_low, c_high, low, high, value: c_low > high),
    Verdict("mixed", "mixed",
            "the claimed range overlaps our interval, but our central value lies outside the claimed range: "
            "the claim is possible, not our best estimate",
            _central_outside),
    Verdict("holds", "holds",
            "the claimed range overlaps our interval and our central value lies inside the claimed range",
            lambda c_low, c_high, low, high, value: np.True_),
)
VERDICTS = ("holds", "too_low", "too_high", "mixed", "unverifiable")  # the machine keys (ledger JSON)
VERDICT_TEXT = {rule.key: rule.word for rule in RULES}  # the one word set for people
VERDICT_MEANING = {rule.key: rule.meaning for rule in RULES}

COMPOSITION_RULE = (
    "A claim judged on several cases at once (a chat answer and a page of search results; benchmarks and a public "
    "ranking) gets a verdict for each case by the rule above, and these combine: if every case gets the same verdict, "
    "that is the claim's; otherwise, if no case holds and the claim is refuted for at least one case, always in the "
    "same direction, it {too_low} or {too_high} accordingly; otherwise, if it is refuted for no case and some case "
    "could not be checked, it is {unverifiable}; anything else (some cases hold and others do not, or it errs both "
    "ways) is {mixed}."
)


def word(key: str) -> str:
    """The word people read for a verdict key: ``"too_low"`` -> ``"understates"``."""
    try:
        return VERDICT_TEXT[key]
    except KeyError:
        raise ValueError(f"verdict {key!r} is unknown; allowed: {', '.join(VERDICTS)}") from None


def compose(verdicts) -> str:
    """Combine per-case verdicts of one claim by :data:`COMPOSITION_RULE` (keys in, one key out).

    Raises ``ValueError`` for no verdicts or an unknown key.
    """
    parts = list(verdicts)
    if not parts:
        raise ValueError("compose: no verdicts to combine")
    for key in parts:
        word(key)
    distinct = set(parts)
    if len(distinct) == 1:
        return parts[0]
    refuted = distinct & {"too_low", "too_high"}
    if "holds" not in distinct and len(refuted) == 1:
        return refuted.pop()
    if not refuted and "unverifiable" in distinct:
        return "unverifiable"
    return "mixed"


def _definitions() -> list[str]:
    # The conditions exclude each other, so the order is the reader's: holds first.
    rules = sorted(RULES, key=lambda rule: VERDICTS.index(rule.key))
    return [f"- **{rule.word}**: {rule.meaning}." for rule in rules]


def _composition() -> str:
    return COMPOSITION_RULE.format(**{key: f"**{text}**" for key, text in VERDICT_TEXT.items()})


def definitions_markdown() -> str:
    """The verdicts' definitions as a Markdown list, then the composition rule: what the front page shows."""
    return "\n".join(_definitions()) + "\n\n" + _composition()


def glossary_entry() -> str:
    """The Glossary's ``verdict`` entry as book/glossary.md must hold it (indented for a MyST glossary block)."""
    lines = ["verdict", "  How a claim compares with our interval and central value; exactly one of these applies:", ""]
    lines += ["  " + item for item in _definitions()]
    return "\n".join(lines + ["", "  " + _composition()])


@dataclass(frozen=True)
class Computed:
    """What a check found: a central value, an interval, and what it rests on."""

    value: float
    low: float
    high: float
    basis: str
    verdict: str | None = None  # set only by checks that combine several cases (compose) or find the evidence too weak
    details: dict = field(default_factory=dict)


CheckFunction = Callable[["Dataset", dict, dict], Computed]
CHECKS: dict[str, CheckFunction] = {}


def check(name: str):
    """Register a check under ``name`` for use in the ``check`` column of claims.csv."""

    def register(func: CheckFunction) -> CheckFunction:
        CHECKS[name] = func
        return func

    return register


def judge(claimed_low, claimed_high, computed_low, computed_high, computed_value=None):
    """The verdict key for a claimed range against a computed interval and (optional) central value.

    The first rule in :data:`RULES` that applies decides: ``unverifiable`` (no
    interval), ``too_low`` (the whole claim lies below the interval), ``too_high``
    (above it), ``mixed`` (they overlap but the central value lies outside the
    claim), else ``holds``. Without a central value, overlap alone decides.
    Plain numbers give one key (a ``str``); numpy arrays (broadcast together, e.g.
    one computed value per grid point) give an array of keys of their shape.
    """
    values = [np.asarray(v, dtype=float) for v in (claimed_low, claimed_high, computed_low, computed_high)]
    value = None if computed_value is None else np.asarray(computed_value, dtype=float)
    shape = np.broadcast_shapes(*(v.shape for v in values), () if value is None else value.shape)
    if not shape:
        for rule in RULES:
            if rule.applies(*values, value):
                return rule.key
        raise AssertionError("the last rule always applies")
    keys = np.empty(shape, dtype=object)
    undecided = np.ones(shape, dtype=bool)
    for rule in RULES:
        applies = undecided & np.broadcast_to(rule.applies(*values, value), shape)
        keys[applies] = rule.key
        undecided &= ~applies
    return keys


def parse_args(text: str | None) -> dict[str, str]:
    """``"run=a;reference=b"`` -> ``{"run": "a", "reference": "b"}``."""
    if not isinstance(text, str) or not text.strip():
        return {}
    pairs = [part.split("=", 1) for part in text.split(";") if part.strip()]
    return {k.strip(): v.strip() for k, v in pairs}


# An ellipsis in a quote marks words left out; it may cut the sentence, never reorder it.
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


def quote_fragments(quote: str) -> list[str]:
    """The runs of a quote's words between its ellipses: ``"a ... b"`` -> ``["a", "b"]``."""
    return [part for part in _ELLIPSIS.split(quote.strip()) if part]


def quote_in_sentence(quote: str, sentence: str) -> bool:
    """True when every fragment of ``quote`` occurs in ``sentence``, in the quote's order, without overlapping."""
    start = 0
    for fragment in quote_fragments(quote):
        found = sentence.find(fragment, start)
        if found < 0:
            return False
        start = found + len(fragment)
    return True


def quote_problems(claims_frame, path: str = "data/claims.csv") -> list[str]:
    """Each claim whose quote is not cut, in order, from its stored sentence, or whose sentence is marked
    complete but does not end like one; messages name the file, row and column."""
    problems = []
    for i, row in enumerate(claims_frame.to_dict("records")):
        where = f"{path}: row {i + 1} (claim_id={row['claim_id']})"
        quote, sentence = row["quote"], row["source_sentence"]
        if not quote_in_sentence(quote, sentence):
            missing = next((f for f in quote_fragments(quote) if f not in sentence), None)
            detail = f"{missing!r} does not occur in it" if missing else "its fragments occur in another order"
            problems.append(f"{where}, column quote: not cut from column source_sentence ({detail}); "
                            "an ellipsis may leave words out, never reorder them")
        if row["sentence_complete"] == "yes" and not sentence.rstrip().endswith((".", "?", "!")):
            problems.append(f"{where}, column sentence_complete: 'yes', but source_sentence does not end a sentence; "
                            "write 'no' where our copy of the source cuts it off")
    return problems


def _computed(data: Dataset, claim_id: str, params: dict):
    row = data.claims.loc[claim_id]
    name = row["check"]
    if name not in CHECKS:
        raise KeyError(f"data/claims.csv: claim {claim_id}: unknown check {name!r}; known checks: {', '.join(sorted(CHECKS))} "
                       "(a chapter's checks are registered when its analysis module is imported; analysis.ledger imports every chapter)")
    computed = CHECKS[name](data, params, parse_args(row["check_args"]))
    verdict = computed.verdict or judge(row["claimed_low"], row["claimed_high"], computed.low, computed.high, computed.value)
    return row, computed, verdict


def verdicts(data: Dataset, claim_id: str, params: dict):
    """The claim's verdict key under ``params``, as :func:`evaluate` gives it; where the claim's check computes with numpy
    (``run_cost_usd`` does) and parameters are arrays (one value per grid point), an array of keys, one per point.

    Raises what the check raises: a check that formats or compares a parameter as one number refuses an array.
    """
    _, _, verdict = _computed(data, claim_id, params)
    if isinstance(verdict, np.ndarray):
        for key in set(verdict.ravel().tolist()):
            word(key)
    else:
        word(verdict)
    return verdict


def evaluate(data: Dataset, claim_id: str, params: dict) -> dict:
    """One ledger entry: the claim, what we computed, and the verdict.

    The check must be registered: each chapter's analysis module registers its
    own when imported, and :mod:`analysis.ledger` imports them all.
    """
    row, computed, verdict = _computed(data, claim_id, params)
    word(verdict)  # a check's own verdict must be one of the keys
    return {
        "id": claim_id,
        "chapter": row["chapter"],
        "quote": row["quote"],
        "claimed": {"low": float(row["claimed_low"]), "high": float(row["claimed_high"])},
        "computed": {"value": float(computed.value), "low": float(computed.low), "high": float(computed.high)},
        "unit": row["unit"],
        "verdict": verdict,
        "basis": computed.basis,
        "reading": row["reading"],
        "source": {
            "said_by": row["said_by"], "citation": row["source"], "locator": row["locator"],
            "sentence": row["source_sentence"], "sentence_complete": row["sentence_complete"] == "yes",
        },
    }


def ledger(data: Dataset, params: dict, chapter: str | None = None) -> list[dict]:
    """Every claim (of one chapter, when given), judged under ``params``."""
    ids = [cid for cid, ch in zip(data.claims.index, data.claims["chapter"]) if chapter is None or ch == chapter]
    return [evaluate(data, cid, params) for cid in ids]
