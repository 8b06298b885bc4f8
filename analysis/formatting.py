"""Numbers and verdicts as people read them, for the ledger table and the command line."""

from __future__ import annotations

import html
import math

import pandas as pd

from analysis.claims import VERDICT_TEXT

CHAPTER_TITLES = {
    "training_compute": "Training compute",
    "inference_vs_search": "Inference vs search",
}


def format_quantity(value: float, unit: str) -> str:
    """``30_840_000, "GPU-hours"`` -> ``"30.84M GPU-hours"``; ``9.04, "percent"`` -> ``"9.04 %"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "percent":
        return f"{value:.2f} %"
    if unit == "ratio":
        return f"{value:.2f}×"
    if unit == "USD":
        return f"${value / 1e6:,.2f}M" if abs(value) >= 1e6 else f"${value:,.0f}"
    if unit == "days":
        return f"{value:.1f} days"
    if unit in ("J", "W"):
        return f"{value:,.3g} {unit}" if abs(value) < 1000 else f"{value:,.0f} {unit}"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.4g}M {unit}"
    return f"{value:,.0f} {unit}" if float(value).is_integer() else f"{value:,.3g} {unit}"


def format_range(low: float, high: float, unit: str) -> str:
    """``8.5, 9.5, "percent"`` -> ``"8.50–9.50 %"``: the unit once, after the range."""
    if low == high:
        return format_quantity(low, unit)
    a, b = format_quantity(low, unit), format_quantity(high, unit)
    prefix_a, _, suffix_a = a.partition(" ")
    prefix_b, _, suffix_b = b.partition(" ")
    if suffix_a and suffix_a == suffix_b:
        return f"{prefix_a}–{prefix_b} {suffix_a}"
    return f"{a}–{b}"


def ledger_frame(entries: list[dict]) -> pd.DataFrame:
    """The ledger as a table of text, one row per claim."""
    rows = []
    for e in entries:
        c, k = e["computed"], e["claimed"]
        rows.append({
            "claim": e["id"],
            "quote": e["quote"],
            "said_by": e["source"]["said_by"],
            "claimed": format_range(k["low"], k["high"], e["unit"]),
            "computed": format_quantity(c["value"], e["unit"]),
            "interval": format_range(c["low"], c["high"], e["unit"]),
            "verdict": VERDICT_TEXT[e["verdict"]],
            "verdict_key": e["verdict"],
            "chapter": e["chapter"],
            "reading": e.get("reading", ""),
            "sentence_complete": e["source"].get("sentence_complete", True),
        })
    return pd.DataFrame(rows)


def ledger_html(entries: list[dict]) -> str:
    """The ledger as an HTML table: the claim (with who said it and where it is derived), the claimed range,
    our number with its range, and a verdict badge."""
    frame = ledger_frame(entries)
    head = "".join(f"<th>{h}</th>" for h in ("Claim", "Verdict", "Claimed", "Our number (range)"))
    body = []
    for r in frame.itertuples(index=False):
        chapter = CHAPTER_TITLES.get(r.chapter, r.chapter)
        interval = "" if r.interval == r.computed else f"<br><small>({html.escape(r.interval)})</small>"
        cut = "" if r.sentence_complete else "our copy of the source breaks off in this sentence · "
        body.append(
            "<tr>"
            f"<td>“{html.escape(r.quote)}”<br><small>{html.escape(r.said_by)} · {cut}<code>{html.escape(r.claim)}</code> · "
            f"derived in <a href=\"{r.chapter}.html\">{html.escape(chapter)}</a></small></td>"
            f"<td><span class=\"verdict verdict-{r.verdict_key}\">{html.escape(r.verdict)}</span></td>"
            f"<td class=\"num\">{html.escape(r.claimed)}<br><small>{html.escape(r.reading)}</small></td>"
            f"<td class=\"num\">{html.escape(r.computed)}{interval}</td>"
            "</tr>"
        )
    return f"<table class=\"ledger\"><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
