"""Every chart of the book, in one consistent look.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies); axis titles carry units; quantities spanning orders of magnitude
use log scales; every mark has a tooltip.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CLAIM_BAND = "#BBBBBB"
WIDTH = 560


@alt.theme.register("analysis_book", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "background": "transparent",
            "view": {"continuousWidth": WIDTH, "continuousHeight": 300, "stroke": None},
            "range": {"category": OKABE_ITO},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": "#555", "titleColor": "#555", "gridColor": "#8884", "domainColor": "#888", "tickColor": "#888"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#555", "titleColor": "#555"},
            "title": {"fontSize": 14, "anchor": "start", "color": "#555"},
            "header": {"labelColor": "#555", "titleColor": "#555"},
            "text": {"color": "#555"},
        }
    }


def share_bases(bases: pd.DataFrame, claimed_low: float, claimed_high: float) -> alt.LayerChart:
    """DeepSeek-V3's compute as a share of Llama 3.1 405B's, one bar per basis, with the claim's band."""
    frame = bases.reset_index()[["description", "share_percent"]]
    band = alt.Chart(pd.DataFrame({"low": [claimed_low], "high": [claimed_high], "label": ["claimed '9%'"]})).mark_rect(
        color=CLAIM_BAND, opacity=0.45
    ).encode(x="low:Q", x2="high:Q", tooltip=[alt.Tooltip("label:N", title="Claim"), "low:Q", "high:Q"])
    bars = alt.Chart(frame).mark_bar(color=OKABE_ITO[0], height=18).encode(
        x=alt.X("share_percent:Q", title="DeepSeek-V3 compute as a share of Llama 3.1 405B's (%)", scale=alt.Scale(domain=[0, 12])),
        y=alt.Y("description:N", title=None, sort=None, axis=alt.Axis(labelLimit=360)),
        tooltip=[alt.Tooltip("description:N", title="Basis"), alt.Tooltip("share_percent:Q", title="Share (%)", format=".2f")],
    )
    labels = bars.mark_text(align="left", dx=4, color="#555").encode(text=alt.Text("share_percent:Q", format=".2f"))
    return (band + bars + labels).properties(width=WIDTH - 200, height=160)


def decomposition(factors: pd.DataFrame) -> alt.LayerChart:
    """The GPU-hour ratio as a product of factors, on a log axis (bars grow from 1×)."""
    frame = factors.copy()
    frame["one"] = 1.0
    bars = alt.Chart(frame).mark_bar(height=22).encode(
        x=alt.X("ratio:Q", title="Factor (Llama 3.1 405B ÷ DeepSeek-V3, log scale)", scale=alt.Scale(type="log", domain=[0.5, 20])),
        x2="one:Q",
        y=alt.Y("factor:N", title=None, sort=None),
        color=alt.Color("factor:N", legend=None, sort=None),
        tooltip=[alt.Tooltip("factor:N", title="Factor"), alt.Tooltip("ratio:Q", title="Ratio", format=".3f")],
    )
    text = alt.Chart(frame).mark_text(align="left", dx=6, color="#555").encode(
        x="ratio:Q", y=alt.Y("factor:N", sort=None), text=alt.Text("ratio:Q", format=".2f")
    )
    rule = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#888").encode(x="x:Q")
    return (bars + text + rule).properties(width=WIDTH - 160, height=130)


def training_runs(table: pd.DataFrame) -> alt.LayerChart:
    """Training FLOP of every run (log scale), estimates with their ranges."""
    frame = table.reset_index(names="run_id")
    frame = frame[frame["flop_best"].notna()].copy()
    frame["low"] = frame["flop_reported_low"].fillna(frame["flop_best"])
    frame["high"] = frame["flop_reported_high"].fillna(frame["flop_best"])
    frame["status"] = frame["kind"].map({"reported": "developer-reported run", "estimate": "third-party estimate"})
    frame["basis"] = frame["flop_reported"].notna().map({True: "reported or estimated FLOP", False: "6 × active parameters × tokens"})
    order = frame.sort_values("flop_best", ascending=False)["model"].tolist()
    y = alt.Y("model:N", title=None, sort=order)
    x_scale = alt.Scale(type="log", domain=[3e23, 6e25])
    ranges = alt.Chart(frame).mark_rule(strokeWidth=2, color="#888").encode(x=alt.X("low:Q", scale=x_scale), x2="high:Q", y=y)
    points = alt.Chart(frame).mark_point(filled=True, size=90).encode(
        x=alt.X("flop_best:Q", title="Training compute (FLOP, log scale)", scale=x_scale),
        y=y,
        color=alt.Color("status:N", title=None, legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("status:N", title=None),
        tooltip=[
            alt.Tooltip("model:N", title="Model"),
            alt.Tooltip("flop_best:Q", title="FLOP", format=".3~e"),
            alt.Tooltip("low:Q", title="Low", format=".2~e"),
            alt.Tooltip("high:Q", title="High", format=".2~e"),
            alt.Tooltip("basis:N", title="Basis"),
            alt.Tooltip("gpu_hours:Q", title="GPU-hours", format=",.0f"),
            alt.Tooltip("accelerator:N", title="Accelerator"),
        ],
    )
    return (ranges + points).properties(width=WIDTH - 140, height=260)


def energy_emissions(frame: pd.DataFrame) -> alt.Chart:
    """Estimated and reported emissions per run, grouped bars."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("tco2eq:Q", title="Emissions (tCO2eq)"),
        y=alt.Y("what:N", title=None, sort=None),
        color=alt.Color("model:N", title=None, legend=alt.Legend(orient="bottom")),
        row=alt.Row("model:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("what:N", title="Figure"), alt.Tooltip("tco2eq:Q", title="tCO2eq", format=",.0f")],
    ).properties(width=WIDTH - 220, height=60)


def head_to_head(h2h: pd.DataFrame, run: str, reference: str, labels: dict[str, str]) -> alt.Chart:
    """Each benchmark's two scores joined by a line; colour says which model."""
    long = h2h.melt(id_vars=["suite", "benchmark", "metric", "higher_is_better", "winner"], value_vars=[run, reference], var_name="run_id", value_name="score")
    long["model"] = long["run_id"].map(labels)
    long["label"] = long["benchmark"] + " (" + long["metric"] + ")"
    base = alt.Chart(long).encode(y=alt.Y("label:N", title=None, sort=None))
    line = base.mark_line(color="#999").encode(x="score:Q", detail="label:N")
    dots = base.mark_point(filled=True, size=70).encode(
        x=alt.X("score:Q", title="Score (metric in the row label; Pile-test BPB: lower is better)"),
        color=alt.Color("model:N", title=None, legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("model:N", title=None),
        tooltip=["suite:N", "benchmark:N", "metric:N", "model:N", alt.Tooltip("score:Q", format=".3~f"), alt.Tooltip("winner:N", title="Better")],
    )
    return (line + dots).properties(width=WIDTH - 240, height=alt.Step(16)).facet(
        row=alt.Row("suite:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelExpr="datum.value + ' models'"))
    ).resolve_scale(y="independent")


def claims_vs_intervals(frame: pd.DataFrame) -> alt.LayerChart:
    """For each claim: the claimed range (grey bar) and our 90 % interval (line) with the point estimate (dot)."""
    y = alt.Y("claim:N", title=None, sort=None, axis=alt.Axis(labelLimit=300))
    x_scale = alt.Scale(type="log")
    claimed = alt.Chart(frame).mark_bar(color=CLAIM_BAND, opacity=0.6, height=14).encode(
        x=alt.X("claimed_low:Q", scale=x_scale, title="Energy (J, log scale)"), x2="claimed_high:Q", y=y,
        tooltip=[alt.Tooltip("claim:N"), alt.Tooltip("claimed_low:Q", title="Claimed from (J)"), alt.Tooltip("claimed_high:Q", title="Claimed to (J)")],
    )
    interval = alt.Chart(frame).mark_rule(strokeWidth=3, color=OKABE_ITO[0]).encode(x=alt.X("low:Q", scale=x_scale), x2="high:Q", y=y)
    point = alt.Chart(frame).mark_point(filled=True, size=90, color=OKABE_ITO[5]).encode(
        x=alt.X("value:Q", scale=x_scale), y=y,
        tooltip=[
            alt.Tooltip("claim:N"), alt.Tooltip("value:Q", title="Our estimate (J)", format=",.3~g"),
            alt.Tooltip("low:Q", title="90 % interval from (J)", format=",.3~g"), alt.Tooltip("high:Q", title="to (J)", format=",.3~g"),
            alt.Tooltip("verdict:N", title="Verdict"),
        ],
    )
    return (claimed + interval + point).properties(width=WIDTH - 220, height=alt.Step(34))


def published_figures(published: pd.DataFrame, ours: pd.DataFrame) -> alt.LayerChart:
    """Published per-request and per-search energies beside our intervals, on one log axis."""
    pub = published.reset_index(drop=True).copy()
    pub["label"] = pub["subject"] + " (" + pub["year"].astype(str) + ")"
    pub["what"] = pub["service"].map({"llm_request": "published: LLM request", "web_search": "published: web search"})
    mine = ours.copy()
    mine["what"] = "this book: 90 % interval"
    x_scale = alt.Scale(type="log")
    pts = alt.Chart(pub).mark_point(filled=True, size=80).encode(
        x=alt.X("energy_j:Q", scale=x_scale, title="Energy per request or search (J, log scale)"),
        y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("energy_j", order="descending"), axis=alt.Axis(labelLimit=340)),
        color=alt.Color("what:N", title=None, legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("what:N", title=None),
        tooltip=[alt.Tooltip("label:N", title="Figure"), alt.Tooltip("energy_j:Q", title="J", format=",.0f"),
                 alt.Tooltip("energy_wh:Q", title="Wh", format=".3~g"), alt.Tooltip("boundary:N", title="Boundary"),
                 alt.Tooltip("source:N", title="Source")],
    )
    rules = alt.Chart(mine).mark_rule(strokeWidth=3).encode(
        x=alt.X("low:Q", scale=x_scale), x2="high:Q",
        y=alt.Y("claim:N", title=None, axis=alt.Axis(labelLimit=340)),
        color=alt.Color("what:N", title=None),
        tooltip=[alt.Tooltip("claim:N"), alt.Tooltip("low:Q", title="From (J)", format=",.3~g"), alt.Tooltip("high:Q", title="To (J)", format=",.3~g")],
    )
    return alt.layer(pts, rules).resolve_scale(y="shared").properties(width=WIDTH - 260, height=alt.Step(22))


def energy_breakdown(frame: pd.DataFrame) -> alt.Chart:
    """Where one request's energy goes: stacked components per request type."""
    order = ["accelerator", "host", "idle", "facility_overhead", "servers", "network", "client"]
    data = frame.copy()
    data["component"] = data["component"].str.replace("_", " ")
    return alt.Chart(data).mark_bar(height=26).encode(
        x=alt.X("energy_j:Q", title="Energy (J)", stack="zero"),
        y=alt.Y("request:N", title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("component:N", title=None, sort=[c.replace("_", " ") for c in order], legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("request:N"), alt.Tooltip("component:N"), alt.Tooltip("energy_j:Q", title="J", format=",.1f")],
    ).transform_calculate(order=f"indexof({[c.replace('_', ' ') for c in order]}, datum.component)").properties(width=WIDTH - 160, height=alt.Step(40))


def tornado(frame: pd.DataFrame, central_j: float) -> alt.LayerChart:
    """One-at-a-time sensitivity: the request energy with each input at its low and high."""
    data = frame.copy()
    data["from_j"] = data[["energy_at_low_j", "energy_at_high_j"]].min(axis=1)
    data["to_j"] = data[["energy_at_low_j", "energy_at_high_j"]].max(axis=1)
    data = data[data["swing_j"] > 0]
    y = alt.Y("input:N", title=None, sort=alt.EncodingSortField("swing_j", order="descending"))
    bars = alt.Chart(data).mark_bar(height=16, color=OKABE_ITO[0]).encode(
        x=alt.X("from_j:Q", title="Energy of one frontier-model request (J, log scale)", scale=alt.Scale(type="log")), x2="to_j:Q", y=y,
        tooltip=[alt.Tooltip("input:N"), alt.Tooltip("input_low:Q", title="Input low", format=",.3~g"), alt.Tooltip("input_high:Q", title="Input high", format=",.3~g"),
                 alt.Tooltip("unit:N"), alt.Tooltip("energy_at_low_j:Q", title="J at low", format=",.0f"), alt.Tooltip("energy_at_high_j:Q", title="J at high", format=",.0f")],
    )
    rule = alt.Chart(pd.DataFrame({"x": [central_j]})).mark_rule(color="#888", strokeDash=[4, 3]).encode(x="x:Q")
    return (bars + rule).properties(width=WIDTH - 200, height=alt.Step(24))


def bound_by_batch(frame: pd.DataFrame) -> alt.Chart:
    """Compute and memory time of one request against batch size: the larger one sets the time."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("batch_size:Q", title="Requests served together (batch size, log scale)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("seconds:Q", title="Accelerator-seconds per request (log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("bound:N", title=None, legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("bound:N", title=None),
        tooltip=[alt.Tooltip("batch_size:Q", title="Batch"), alt.Tooltip("bound:N"), alt.Tooltip("seconds:Q", format=".3~g")],
    ).properties(width=WIDTH - 160, height=260)
