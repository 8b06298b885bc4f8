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
