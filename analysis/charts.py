"""Every chart of the book, in one consistent look.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies); axis titles carry units; quantities spanning orders of magnitude
use log scales; every mark has a tooltip.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

import altair as alt
import pandas as pd
from altair.vegalite.v6.display import html_renderer

from analysis.training import TRAINING_FLOP_PER_PARAM_PER_TOKEN

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CLAIM_BAND = "#BBBBBB"
# The width a chart is drawn at where a fixed width is needed: the static SVG (print, no JavaScript)
# and the panels of a composed chart. On screen a single or layered chart takes its container's width.
WIDTH = 560
# A panel of a composed chart (which cannot take its container's width): with its axis it fits a 390 px phone.
PANEL_WIDTH = 250
# Axis and legend labels break into lines of at most this many characters (about 160 px at 12 px),
# and titles at TITLE_LINE_CHARS, so nothing is cut with an ellipsis on a phone.
LABEL_LINE_CHARS = 26
# A legend under a chart starts where the plot starts, to the right of the axis labels: its lines are shorter.
LEGEND_LINE_CHARS = 18
TITLE_LINE_CHARS = 34


def wrap_expression(line_chars: int) -> str:
    """A Vega expression: the label broken at spaces into lines of at most ``line_chars`` characters (an array
    of lines, which Vega draws one under the other)."""
    return (f"split(replace(replace(trim(datum.label), regexp('(.{{1,{line_chars}}})(\\\\s+|$)', 'g'), '$1|'), "
            "regexp('\\\\|$'), ''), '|')")


WRAP_LABEL_EXPR = wrap_expression(LABEL_LINE_CHARS)
WRAP_LEGEND_EXPR = wrap_expression(LEGEND_LINE_CHARS)
LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "strokeDash", "size", "opacity")


def _static_svg(spec: dict) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec)


def _wrap_text(text: str, limit: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, limit, break_long_words=False) or [text]


def _wrap_labels(encoding: dict) -> dict:
    """Category labels of axes and legends broken into lines (WRAP_LABEL_EXPR), unless a chart sets its own."""
    out = dict(encoding)
    for channel, definition in encoding.items():
        if not isinstance(definition, dict) or definition.get("type") not in ("nominal", "ordinal"):
            continue
        guide = "axis" if channel in ("x", "y") else "legend" if channel in LEGEND_CHANNELS else None
        if guide is None or definition.get(guide, {}) is None:
            continue
        settings = dict(definition.get(guide) or {})
        settings.setdefault("labelExpr", WRAP_LABEL_EXPR if guide == "axis" else WRAP_LEGEND_EXPR)
        out[channel] = {**definition, guide: settings}
    return out


def wrap_titles(spec):
    """A copy of ``spec`` with every title longer than TITLE_LINE_CHARS as a list of lines, and the category
    labels of every axis and legend broken into lines of LABEL_LINE_CHARS: wrapped, never cut."""
    if isinstance(spec, list):
        return [wrap_titles(item) for item in spec]
    if not isinstance(spec, dict):
        return spec
    out = {}
    for key, value in spec.items():
        if key == "title" and isinstance(value, str) and len(value) > TITLE_LINE_CHARS:
            out[key] = _wrap_text(value, TITLE_LINE_CHARS)
        elif key in ("data", "datasets"):
            out[key] = value
        elif key == "encoding" and isinstance(value, dict):
            out[key] = wrap_titles(_wrap_labels(value))
        else:
            out[key] = wrap_titles(value)
    return out


COMPOSED = ("hconcat", "vconcat", "concat", "facet", "repeat")


def fit_to_container(spec: dict) -> dict:
    """The on-screen form of a chart: a single or layered chart takes its container's width (Vega-Lite's
    ``width: "container"``, redrawn when the window changes), with titles and labels wrapped.

    Composed charts (concat, facet) cannot take a container's width in Vega-Lite; they keep their fixed
    panel widths, which the builders below keep narrow enough for a phone, and the style sheet scales them
    down where they still do not fit.
    """
    spec = wrap_titles(spec)
    if not any(key in spec for key in COMPOSED):
        spec["width"] = "container"
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
        # Room on the right for a last tick label that Vega centres on the plot's edge.
        spec.setdefault("padding", {"left": 5, "top": 5, "bottom": 5, "right": 18})
        height = spec.get("height")
        if isinstance(height, dict) and "step" in height:
            # Vega-Lite drops a fit (with a warning) when a size is a step: the same height, as pixels.
            spec["height"] = height["step"] * max(1, len(_categories(spec, "y")))
    return spec


def _categories(spec: dict, channel: str) -> set:
    """The distinct values a chart's ``channel`` shows, over every layer and inline data set."""
    fields, stack = set(), [spec]
    while stack:
        part = stack.pop()
        definition = part.get("encoding", {}).get(channel)
        if isinstance(definition, dict) and "field" in definition:
            fields.add(definition["field"])
        stack.extend(part.get("layer", []))
    rows = [row for data in spec.get("datasets", {}).values() for row in data]
    return {row[f] for row in rows for f in fields if row.get(f) is not None}


_CHART_IDS: set[str] = set()


def _chart_id(spec: dict) -> str:
    """The chart's element id from its content, not Altair's random one: the same book gives the same bytes.

    A second chart with the same content on a page gets a numbered id.
    """
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]
    chart_id, n = f"altair-viz-{digest}", 1
    while chart_id in _CHART_IDS:
        n += 1
        chart_id = f"altair-viz-{digest}-{n}"
    _CHART_IDS.add(chart_id)
    return chart_id


def book_renderer(spec: dict, **metadata) -> dict:
    """Altair's HTML output, plus a static SVG of the same chart for print and for readers without JavaScript.

    Every chart passes through here, so every chart, including charts added later, is sized the same way:
    :func:`fit_to_container` on screen, the builder's fixed width in the static SVG.
    The chart's ``description`` (set by every builder below) becomes the SVG's
    alternative text; vega-embed also gives it to the interactive chart as its
    ARIA label.
    """
    static_spec = wrap_titles(spec)
    bundle = html_renderer(fit_to_container(dict(spec)), **metadata)
    interactive = bundle["text/html"] if isinstance(bundle, dict) else bundle[0]["text/html"]
    interactive = _vega_once() + re.sub(r"altair-viz-[0-9a-f]{32}", _chart_id(spec), interactive)
    svg = base64.b64encode(_static_svg(static_spec).encode("utf-8")).decode("ascii")
    alt_text = html.escape(spec.get("description", "Chart"), quote=True)
    fallback = (
        f'<img class="chart-static" alt="{alt_text}" src="data:image/svg+xml;base64,{svg}">'
        '<noscript><style>.chart-static{display:block !important}</style></noscript>'
    )
    return {"text/html": f'<div class="chart-interactive">{interactive}</div>{fallback}'}


# Set by the book's build for the kernels it starts: the book's pages load the vendored bundle themselves.
IN_BOOK = "ANALYSIS_IN_BOOK"
_VEGA_SENT: list[bool] = []


def _vega_once() -> str:
    """Outside the book, the vendored Vega bundle inline with the kernel's first chart, so charts draw offline.

    Altair's output otherwise loads Vega from a CDN: in plain Jupyter and in
    ``jupyter nbconvert --execute --to html`` with no network, no chart would
    draw. The bundle (book/_static/vega-bundle.js) defines ``vegaEmbed`` and
    tells Altair's loader its versions are present, so later charts of the
    same page use it. Inside the book every page loads it once, so nothing is added.
    """
    import os
    from pathlib import Path

    if os.environ.get(IN_BOOK) or _VEGA_SENT:
        return ""
    _VEGA_SENT.append(True)
    path = Path(__file__).resolve().parent.parent / "book" / "_static" / "vega-bundle.js"
    code = path.read_text(encoding="utf-8").replace("</script", "<\\/script")
    # The static copy is for print and for readers without JavaScript, as the book's style sheet has it.
    return f"<style>img.chart-static{{display:none !important}}</style><script>{code}</script>"


alt.renderers.register("book", book_renderer)
alt.renderers.enable("book")

# Text takes the page's own text colour (the theme's, light or dark), so it keeps the page's contrast;
# in the static SVG, which has no page around it, currentColor is black.
TEXT = "currentColor"


@alt.theme.register("analysis_book", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "background": "transparent",
            "view": {"continuousWidth": WIDTH, "continuousHeight": 300, "stroke": None},
            "range": {"category": OKABE_ITO},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": TEXT, "titleColor": TEXT, "gridColor": "#8884", "domainColor": TEXT, "tickColor": TEXT,
                     "labelLimit": 220, "titleLimit": 0},
            # An x-axis title ends at the plot's right edge and runs left over the label column, never past the chart.
            # The first and last tick labels stay inside the plot; labels that would collide are left out.
            "axisX": {"titleAnchor": "end", "titleAlign": "right", "labelFlush": True, "labelOverlap": True},
            # One entry a line under the chart: a row of entries would be wider than a phone.
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": TEXT, "titleColor": TEXT, "columns": 1,
                       "labelLimit": 220},
            "title": {"fontSize": 14, "anchor": "start", "color": TEXT},
            "header": {"labelColor": TEXT, "titleColor": TEXT},
            "text": {"color": TEXT},
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
    labels = bars.mark_text(align="left", dx=4, color=TEXT).encode(text=alt.Text("share_percent:Q", format=".2f"))
    description = (
        f"Bar chart: DeepSeek-V3's training compute as a share of Llama 3.1 405B's on {len(frame)} bases, "
        f"from {frame['share_percent'].min():.1f} % to {frame['share_percent'].max():.1f} %, "
        f"against the claimed band of {claimed_low:g} to {claimed_high:g} %."
    )
    return (band + bars + labels).properties(width=WIDTH - 200, height=160, description=description)


def decomposition(factors: pd.DataFrame) -> alt.LayerChart:
    """The GPU-hour ratio as a product of factors, on a log axis (bars grow from 1×).

    ``factors`` is :func:`analysis.training_analysis.decomposition`'s frame: every ratio is
    reference ÷ run, and the axis says so with the frame's own model names.
    """
    frame = factors.copy()
    frame["one"] = 1.0
    reference, run = frame["reference"].iloc[0], frame["run"].iloc[0]
    bars = alt.Chart(frame).mark_bar(height=22).encode(
        x=alt.X("ratio:Q", title=f"Factor ({reference} ÷ {run}, log scale)", scale=alt.Scale(type="log", domain=[0.5, 20])),
        x2="one:Q",
        y=alt.Y("factor:N", title=None, sort=None),
        color=alt.Color("factor:N", legend=None, sort=None),
        tooltip=[alt.Tooltip("factor:N", title="Factor"), alt.Tooltip("ratio:Q", title="Ratio", format=".3f")],
    )
    text = alt.Chart(frame).mark_text(align="left", dx=6, color=TEXT).encode(
        x="ratio:Q", y=alt.Y("factor:N", sort=None), text=alt.Text("ratio:Q", format=".2f")
    )
    rule = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#888").encode(x="x:Q")
    parts = ", ".join(f"{f.lower()} {r:.2f} times" for f, r in zip(frame["factor"], frame["ratio"]))
    description = f"Bar chart on a log scale of the factors, each {reference} ÷ {run}, whose product is the GPU-hour ratio: {parts}."
    return (bars + text + rule).properties(width=WIDTH - 160, height=130, description=description)


def training_runs(table: pd.DataFrame) -> alt.LayerChart:
    """Training FLOP of every run (log scale), estimates with their ranges."""
    frame = table.reset_index(names="run_id")
    frame = frame[frame["flop_best"].notna()].copy()
    frame["low"] = frame["flop_reported_low"].fillna(frame["flop_best"])
    frame["high"] = frame["flop_reported_high"].fillna(frame["flop_best"])
    frame["status"] = frame["flop_status"].map({
        "reported": "reported by the developer", "estimate": "outside estimate", "derived": "derived from reported figures",
        "computed": "6 × active parameters × tokens",
    })
    frame["basis"] = frame["status"]
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
    listed = "; ".join(f"{m} {v:.2g} FLOP" for m, v in zip(frame["model"], frame["flop_best"]))
    description = f"Dot chart on a log scale of the training compute of {len(frame)} runs: {listed}."
    return (ranges + points).properties(width=WIDTH - 140, height=260, description=description)


def energy_emissions(frame: pd.DataFrame) -> alt.Chart:
    """Estimated and reported emissions per run: one bar per model and figure, colour by model."""
    data = frame.copy()
    data["label"] = data["model"] + ": " + data["what"]
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("tco2eq:Q", title="Emissions (tCO2eq)"),
        y=alt.Y("label:N", title=None, sort=None),
        color=alt.Color("model:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("what:N", title="Figure"), alt.Tooltip("tco2eq:Q", title="tCO2eq", format=",.0f")],
    ).properties(width=WIDTH - 220, height=alt.Step(24), description="Bar chart of training emissions in tonnes of CO2 equivalent: "
                 + "; ".join(f"{m}, {w}: {t:,.0f} t" for m, w, t in zip(frame["model"], frame["what"], frame["tco2eq"])) + ".")


def head_to_head(h2h: pd.DataFrame, run: str, reference: str, labels: dict[str, str]) -> alt.Chart:
    """Each benchmark's two scores joined by a line; colour says which model."""
    long = h2h.melt(id_vars=["suite", "benchmark", "metric", "higher_is_better", "winner"], value_vars=[run, reference], var_name="run_id", value_name="score")
    long["model"] = long["run_id"].map(labels)
    # One view, not a facet per suite (a facet cannot take its container's width): the suite names the rows.
    long["label"] = long["suite"] + " models: " + long["benchmark"] + " (" + long["metric"] + ")"
    base = alt.Chart(long).encode(y=alt.Y("label:N", title=None, sort=list(dict.fromkeys(long["label"]))))
    line = base.mark_line(color="#999").encode(x="score:Q", detail="label:N")
    dots = base.mark_point(filled=True, size=70).encode(
        x=alt.X("score:Q", title="Score (metric in the row label; Pile-test BPB: lower is better)"),
        color=alt.Color("model:N", title=None, legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("model:N", title=None),
        tooltip=["suite:N", "benchmark:N", "metric:N", "model:N", alt.Tooltip("score:Q", format=".3~f"), alt.Tooltip("winner:N", title="Better (or tie)")],
    )
    wins, ties = (h2h["winner"] == run).sum(), (h2h["winner"] == "tie").sum()
    description = (f"Dot chart of {len(h2h)} benchmark results for {labels[run]} and {labels[reference]}; "
                   f"{labels[run]} scores better on {wins} of them and level with {labels[reference]} on {ties} "
                   "(a gap within the report's 'same level' margin).")
    return (line + dots).properties(width=WIDTH - 240, height=alt.Step(16), description=description)


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
    description = "Chart on a log scale of each claim against this book's estimate: " + "; ".join(
        f"{r.claim}: claimed {r.claimed_low:g} to {r.claimed_high:g} J, estimated {r.value:,.3g} J (90 % interval {r.low:,.3g} to {r.high:,.3g} J)"
        for r in frame.itertuples()) + "."
    return (claimed + interval + point).properties(width=WIDTH - 220, height=alt.Step(34), description=description)


def published_figures(published: pd.DataFrame, ours: pd.DataFrame) -> alt.LayerChart:
    """Published per-request and per-search energies beside our intervals, on one log axis."""
    pub = published.reset_index(drop=True).copy()
    pub["label"] = pub["subject"] + " (" + pub["year"].astype(str) + ")"
    pub["what"] = pub["service"].map({"llm_request": "published: LLM request", "web_search": "published: web search"})
    mine = ours.copy()
    mine["what"] = "this book: 90 % interval"
    mine["label"] = mine["claim"]
    x_scale = alt.Scale(type="log")
    # One field and one order for both layers: two different sorts on one shared axis conflict, and Vega falls
    # back to A-Z. One colour and shape domain for both, so the legend keeps this book's entry.
    order = pub.sort_values("energy_j", ascending=False)["label"].tolist() + [c for c in mine["label"] if c not in set(pub["label"])]
    whats = list(dict.fromkeys(pub["what"].tolist() + mine["what"].tolist()))
    pts = alt.Chart(pub).mark_point(filled=True, size=80).encode(
        x=alt.X("energy_j:Q", scale=x_scale, title="Energy per request or search (J, log scale)"),
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=340)),
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=whats), legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("what:N", title=None, scale=alt.Scale(domain=whats)),
        tooltip=[alt.Tooltip("label:N", title="Figure"), alt.Tooltip("energy_j:Q", title="J", format=",.0f"),
                 alt.Tooltip("energy_wh:Q", title="Wh", format=".3~g"), alt.Tooltip("boundary:N", title="Boundary"),
                 alt.Tooltip("source:N", title="Source")],
    )
    rules = alt.Chart(mine).mark_rule(strokeWidth=3).encode(
        x=alt.X("low:Q", scale=x_scale), x2="high:Q",
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=340)),
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=whats)),
        tooltip=[alt.Tooltip("label:N", title="Claim"), alt.Tooltip("low:Q", title="From (J)", format=",.3~g"), alt.Tooltip("high:Q", title="To (J)", format=",.3~g")],
    )
    description = "Chart on a log scale of published energy figures: " + "; ".join(
        f"{r.label}: {r.energy_j:,.0f} J" for r in pub.itertuples()) + "; with this book's 90 % intervals: " + "; ".join(
        f"{r.claim}: {r.low:,.3g} to {r.high:,.3g} J" for r in mine.itertuples()) + "."
    return alt.layer(pts, rules).resolve_scale(y="shared").properties(width=WIDTH - 260, height=alt.Step(22), description=description)


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
    ).transform_calculate(order=f"indexof({[c.replace('_', ' ') for c in order]}, datum.component)").properties(
        width=WIDTH - 160, height=alt.Step(40),
        description="Stacked bar chart of energy by component: " + "; ".join(
            f"{req}: " + ", ".join(f"{c} {e:,.1f} J" for c, e in zip(g["component"], g["energy_j"])) for req, g in data.groupby("request", sort=False)) + ".",
    )


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
    description = f"Tornado chart around a central estimate of {central_j:,.0f} J: " + "; ".join(
        f"{r.input} moves it from {r.from_j:,.0f} to {r.to_j:,.0f} J" for r in data.itertuples()) + "."
    return (bars + rule).properties(width=WIDTH - 200, height=alt.Step(24), description=description)


def bound_by_batch(frame: pd.DataFrame) -> alt.Chart:
    """Compute and memory time of one request against batch size: the larger one sets the time."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("batch_size:Q", title="Requests served together (batch size, log scale)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("seconds:Q", title="Accelerator-seconds per request (log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("bound:N", title=None, legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("bound:N", title=None),
        tooltip=[alt.Tooltip("batch_size:Q", title="Batch"), alt.Tooltip("bound:N"), alt.Tooltip("seconds:Q", format=".3~g")],
    ).properties(width=WIDTH - 160, height=260, description="Line chart on log scales of accelerator-seconds per request against batch size: "
                 + "; ".join(f"{b} at batch {int(n)}: {t:.3g} s" for b, n, t in zip(frame["bound"], frame["batch_size"], frame["seconds"]) if n in (1, frame["batch_size"].max())) + ".")


# ---- what-if charts: Vega-Lite parameters bound to inputs, recomputed in the page ----------------
# Each formula is written once, as a Vega expression; the page evaluates it in the browser and
# :func:`evaluate` evaluates the very same text in Python, so a test can hold it to the package.

# The formulas' own constants enter as named parameters, taken from the package, never as literals.
EXPRESSION_CONSTANTS = {
    "training_flop_per_param_per_token": TRAINING_FLOP_PER_PARAM_PER_TOKEN,
}
TRAINING_COST_EXPR = "gpu_hours * datum.price_usd_per_gpu_hour"
COMPUTE_SHARE_EXPR = "100 * training_flop_per_param_per_token * datum.active_params * run_tokens / reference_flop"


def _constant_params() -> list:
    """The formulas' constants as Vega-Lite parameters (the values the browser uses)."""
    return [alt.param(name=k, value=float(v)) for k, v in EXPRESSION_CONSTANTS.items()]


def evaluate(expression: str, datum: dict, **params) -> float:
    """Evaluate a what-if chart's Vega expression in Python (the same text the browser runs)."""
    from types import SimpleNamespace

    namespace = {"max": max, "min": min, "pow": pow, "abs": abs, "datum": SimpleNamespace(**datum), **EXPRESSION_CONSTANTS, **params}
    return float(eval(expression, {"__builtins__": {}}, namespace))  # noqa: S307 - our own constant strings


def whatif_training(gpu_hours: float, run_tokens: float, reference_flop: float, price: float, active_params: float,
                    cost_band: tuple[float, float], share_band: tuple[float, float]) -> alt.HConcatChart:
    """Training cost against price per GPU-hour, and compute share against active parameters, each with a slider."""
    price_param = alt.param(name="price", value=float(price), bind=alt.binding_range(min=0.5, max=10, step=0.1, name="Price per GPU-hour (USD) "))
    params_param = alt.param(name="active_b", value=float(active_params) / 1e9,
                             bind=alt.binding_range(min=5, max=150, step=1, name="DeepSeek-V3 active parameters (billions) "))
    constants = [alt.param(name="gpu_hours", value=float(gpu_hours)), alt.param(name="run_tokens", value=float(run_tokens)),
                 alt.param(name="reference_flop", value=float(reference_flop))]
    prices = pd.DataFrame({"price_usd_per_gpu_hour": [0.5 * i for i in range(1, 21)]})
    cost_line = alt.Chart(prices).transform_calculate(cost_musd=f"({TRAINING_COST_EXPR}) / 1e6").mark_line(color=OKABE_ITO[0]).encode(
        x=alt.X("price_usd_per_gpu_hour:Q", title="Rental price (USD per GPU-hour)"),
        y=alt.Y("cost_musd:Q", title="Training cost (million USD)"),
        tooltip=[alt.Tooltip("price_usd_per_gpu_hour:Q", title="USD/GPU-hour"), alt.Tooltip("cost_musd:Q", title="Million USD", format=",.2f")],
    )
    cost_band_mark = alt.Chart(pd.DataFrame({"low": [cost_band[0] / 1e6], "high": [cost_band[1] / 1e6]})).mark_rect(color=CLAIM_BAND, opacity=0.45).encode(y="low:Q", y2="high:Q")
    cost_point = alt.Chart(pd.DataFrame({"x": [0]})).transform_calculate(
        price_usd_per_gpu_hour="price").transform_calculate(cost_musd=f"({TRAINING_COST_EXPR}) / 1e6").transform_calculate(
        label="'$' + format(datum.cost_musd, ',.2f') + 'M'").encode(x="price_usd_per_gpu_hour:Q", y="cost_musd:Q")
    cost = alt.layer(cost_band_mark, cost_line, cost_point.mark_point(filled=True, size=120, color=OKABE_ITO[5]),
                     cost_point.mark_text(align="left", dx=10, fontWeight="bold", color=TEXT).encode(text="label:N")
                     ).properties(width=PANEL_WIDTH, height=220, title="Cost of the final run")
    sizes = pd.DataFrame({"active_params": [b * 1e9 for b in range(5, 151, 5)]})
    share_line = alt.Chart(sizes).transform_calculate(share=COMPUTE_SHARE_EXPR, active_b="datum.active_params / 1e9").mark_line(color=OKABE_ITO[0]).encode(
        x=alt.X("active_b:Q", title="Active parameters (billions)"),
        y=alt.Y("share:Q", title="Share of Llama 3.1 405B (%, 6·N·D)"),
        tooltip=[alt.Tooltip("active_b:Q", title="Active parameters (B)"), alt.Tooltip("share:Q", title="Share (%)", format=".2f")],
    )
    share_band_mark = alt.Chart(pd.DataFrame({"low": [share_band[0]], "high": [share_band[1]]})).mark_rect(color=CLAIM_BAND, opacity=0.45).encode(y="low:Q", y2="high:Q")
    share_point = alt.Chart(pd.DataFrame({"x": [0]})).transform_calculate(active_params="active_b * 1e9").transform_calculate(
        share=COMPUTE_SHARE_EXPR, active_b="datum.active_params / 1e9").transform_calculate(
        label="format(datum.share, '.2f') + ' %'").encode(x="active_b:Q", y="share:Q")
    share = alt.layer(share_band_mark, share_line, share_point.mark_point(filled=True, size=120, color=OKABE_ITO[5]),
                      share_point.mark_text(align="left", dx=10, fontWeight="bold", color=TEXT).encode(text="label:N")
                      ).properties(width=PANEL_WIDTH, height=220, title="Compute share")
    return alt.vconcat(cost, share, spacing=30).add_params(price_param, params_param, *constants, *_constant_params()).properties(
        description="Interactive charts: DeepSeek-V3's training cost against the rental price per GPU-hour, and its compute as a share of "
                    "Llama 3.1 405B's against its active-parameter count, each with the claim's band and a slider.",
    )


# ---- the serving model (analysis.serving_chapter) -------------------------------------------------


def validation_scatter(table: pd.DataFrame, band: float = 2.0) -> alt.LayerChart:
    """Predicted against measured energy per request, log axes, with the line of equality and a ``band``-times band.

    ``table`` is :func:`analysis.serving_analysis.validation_table`'s frame.
    """
    frame = table.copy()
    lo = float(min(frame["measured_j"].min(), frame["predicted_j"].min())) / 1.5
    hi = float(max(frame["measured_j"].max(), frame["predicted_j"].max())) * 1.5
    scale = alt.Scale(type="log", domain=[lo, hi])
    xs = [lo * (hi / lo) ** (i / 20) for i in range(21)]
    diagonal = pd.DataFrame({"measured_j": xs, "equal": xs, "low": [x / band for x in xs], "high": [x * band for x in xs]})
    band_mark = alt.Chart(diagonal).mark_area(color=CLAIM_BAND, opacity=0.35).encode(
        x=alt.X("measured_j:Q", scale=scale), y=alt.Y("low:Q", scale=scale), y2="high:Q")
    line = alt.Chart(diagonal).mark_line(color="#888", strokeDash=[4, 3]).encode(x=alt.X("measured_j:Q", scale=scale), y=alt.Y("equal:Q", scale=scale))
    points = alt.Chart(frame).mark_point(filled=True, size=60, opacity=0.85).encode(
        x=alt.X("measured_j:Q", title="Measured energy per request (J, log scale)", scale=scale),
        y=alt.Y("predicted_j:Q", title="Predicted energy per request (J, log scale)", scale=scale),
        color=alt.Color("family:N", title=None, legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("family:N", title=None),
        tooltip=[alt.Tooltip("model_id:N", title="Model"), alt.Tooltip("accelerator:N", title="Accelerator"),
                 alt.Tooltip("accelerator_count:Q", title="Accelerators"), alt.Tooltip("batch_size:Q", title="Batch"),
                 alt.Tooltip("output_tokens:Q", title="Output tokens", format=",.0f"),
                 alt.Tooltip("measured_j:Q", title="Measured (J)", format=",.4~g"), alt.Tooltip("predicted_j:Q", title="Predicted (J)", format=",.4~g"),
                 alt.Tooltip("ratio:Q", title="Predicted ÷ measured", format=".2f"), alt.Tooltip("source:N", title="Source")],
    )
    ratio = frame["ratio"]
    inside = int(((ratio >= 1 / band) & (ratio <= band)).sum())
    description = (f"Scatter chart on log scales of predicted against measured energy per request for {len(frame)} measured configurations, "
                   f"with the line of equality and a band from half to {band:g} times: {inside} of {len(frame)} points lie in the band; "
                   f"ratios from {ratio.min():.2f} to {ratio.max():.2f}, median {ratio.median():.2f}.")
    return (band_mark + line + points).properties(width=WIDTH - 160, height=WIDTH - 160, description=description)


def accelerator_comparison(frame: pd.DataFrame) -> alt.LayerChart:
    """One request per model on each accelerator: the central energy (dot) and its 90 % interval (line), log axis."""
    data = frame.copy()
    data["label"] = data["model"] + " · " + data["accelerator_name"]
    kinds = ["power published", "power estimated (range)"]  # squares for the estimated ratings, as the caption says
    data["power"] = data["power_is_estimate"].map({True: kinds[1], False: kinds[0]})
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=360))
    x_scale = alt.Scale(type="log")
    interval = alt.Chart(data).mark_rule(strokeWidth=3, color="#888").encode(x=alt.X("low_j:Q", scale=x_scale), x2="high_j:Q", y=y)
    point = alt.Chart(data).mark_point(filled=True, size=90).encode(
        x=alt.X("energy_j:Q", scale=x_scale, title="Energy of one request at the facility (J, log scale)"), y=y,
        color=alt.Color("power:N", title=None, legend=alt.Legend(orient="bottom"), scale=alt.Scale(domain=kinds, range=OKABE_ITO[:2])),
        shape=alt.Shape("power:N", title=None, scale=alt.Scale(domain=kinds, range=["circle", "square"])),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("accelerator_name:N", title="Accelerator"),
                 alt.Tooltip("accelerators_per_replica:Q", title="Accelerators per replica"), alt.Tooltip("power_w:Q", title="Power (W)", format=",.0f"),
                 alt.Tooltip("energy_j:Q", title="J", format=",.3~g"), alt.Tooltip("low_j:Q", title="90 % from (J)", format=",.3~g"),
                 alt.Tooltip("high_j:Q", title="to (J)", format=",.3~g")],
    )
    description = "Dot chart on a log scale of one request's energy per model and accelerator with 90 % intervals: " + "; ".join(
        f"{r.label}: {r.energy_j:,.3g} J ({r.low_j:,.3g} to {r.high_j:,.3g} J){', power estimated' if r.power_is_estimate else ''}"
        for r in data.itertuples()) + "."
    return (interval + point).properties(width=WIDTH - 260, height=alt.Step(24), description=description)


def energy_vs_batch(frame: pd.DataFrame) -> alt.Chart:
    """Energy of one request against batch size, one line per model, log scales."""
    chart = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("batch_size:Q", title="Requests decoded together (batch size, log scale)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("energy_j:Q", title="Energy per request at the facility (J, log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("model:N", title=None, sort=None, legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("model:N", title=None, sort=None),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("batch_size:Q", title="Batch"),
                 alt.Tooltip("accelerators_per_replica:Q", title="Accelerators per replica"),
                 alt.Tooltip("energy_j:Q", title="J", format=",.3~g"), alt.Tooltip("energy_wh:Q", title="Wh", format=".3~g")],
    )
    ends = frame.groupby("model", sort=False).agg(first=("batch_size", "min"), last=("batch_size", "max"))
    parts = []
    for model, g in frame.groupby("model", sort=False):
        g = g.set_index("batch_size")["energy_j"]
        parts.append(f"{model}: {g.loc[ends.loc[model, 'first']]:,.3g} J at batch {ends.loc[model, 'first']} to {g.loc[ends.loc[model, 'last']]:,.3g} J at batch {ends.loc[model, 'last']}")
    return chart.properties(width=WIDTH - 160, height=280, description="Line chart on log scales of one request's energy against batch size: " + "; ".join(parts) + ".")


def energy_vs_context(frame: pd.DataFrame, epoch: pd.DataFrame) -> alt.LayerChart:
    """Energy of one request against input length, one line per answer length, with Epoch AI's long-input figures as marks."""
    data = frame.copy()
    data["answer"] = data["output_tokens"].map(lambda t: f"{t:,} output tokens")
    order = [f"{t:,} output tokens" for t in sorted(data["output_tokens"].unique())]
    x_scale, y_scale = alt.Scale(type="log"), alt.Scale(type="log")
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("input_tokens:Q", title="Input tokens (log scale)", scale=x_scale),
        y=alt.Y("energy_wh:Q", title="Energy per request at the facility (Wh, log scale)", scale=y_scale),
        color=alt.Color("answer:N", title=None, sort=order, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("input_tokens:Q", title="Input tokens", format=","), alt.Tooltip("output_tokens:Q", title="Output tokens", format=","),
                 alt.Tooltip("energy_wh:Q", title="Wh", format=".3~g"), alt.Tooltip("energy_j:Q", title="J", format=",.3~g")],
    )
    marks = epoch.assign(what="Epoch AI's estimate")
    epoch_points = alt.Chart(marks).mark_point(shape="diamond", size=160, filled=True, color=OKABE_ITO[7]).encode(
        x=alt.X("input_tokens:Q", scale=x_scale), y=alt.Y("epoch_wh:Q", scale=y_scale),
        tooltip=[alt.Tooltip("what:N", title="Figure"), alt.Tooltip("input_tokens:Q", title="Input tokens", format=","),
                 alt.Tooltip("epoch_wh:Q", title="Wh"), alt.Tooltip("ours_wh:Q", title="This model (Wh)", format=".3~g")],
    )
    labels = epoch_points.mark_text(align="right", dx=-10, dy=-8, color=TEXT).encode(text=alt.Text("label:N")).transform_calculate(
        label="'Epoch AI: ' + datum.epoch_wh + ' Wh'")
    description = ("Line chart on log scales of one request's energy against its input length, one line per answer length: " + "; ".join(
        f"{t:,} output tokens from {g['energy_wh'].iloc[0]:.3g} Wh at {g['input_tokens'].iloc[0]:,} input tokens to {g['energy_wh'].iloc[-1]:.3g} Wh at {g['input_tokens'].iloc[-1]:,}"
        for t, g in data.groupby("output_tokens")) + "; with Epoch AI's figures: " + "; ".join(
        f"{r.epoch_wh:g} Wh at {r.input_tokens:,} input tokens" for r in marks.itertuples()) + ".")
    return (lines + epoch_points + labels).properties(width=WIDTH - 160, height=300, description=description)


# The what-if chart's selection: each slider picks the grid rows at its value; the energies come from the grid.
WHATIF_SELECT = ("datum.model == model", "abs(datum.pue - serving_pue) < 0.001", "datum.batch_log2 == batch_log2")


def whatif_serving_energy(grid: pd.DataFrame, start: dict, claimed_low: float, claimed_high: float, marked_tokens: int = 500) -> alt.LayerChart:
    """Energy of one request against answer length, read from the serving model's precomputed grid by sliders and a menu.

    ``grid`` is :func:`analysis.serving_chapter.whatif_grid`'s frame (one row per
    model, PUE, log2 batch size and answer length); ``start`` the sliders' first
    positions (:func:`analysis.serving_chapter.whatif_start`). The browser only
    filters rows (:data:`WHATIF_SELECT`), so it shows the package's numbers.
    """
    models = list(dict.fromkeys(grid["model"]))
    pues = sorted(grid["pue"].unique())
    logs = sorted(grid["batch_log2"].unique())
    model = alt.param(name="model", value=models[-1], bind=alt.binding_select(options=models, name="Model "))
    pue = alt.param(name="serving_pue", value=float(start["pue"]),
                    bind=alt.binding_range(min=float(pues[0]), max=float(pues[-1]), step=round(float(pues[1] - pues[0]), 6), name="PUE "))
    batch = alt.param(name="batch_log2", value=int(start["batch_log2"]),
                      bind=alt.binding_range(min=int(logs[0]), max=int(logs[-1]), step=1, name="Batch size, as a power of 2 (6 is 64 requests) "))
    base = alt.Chart(grid)
    for expression in WHATIF_SELECT:
        base = base.transform_filter(expression)
    band = alt.Chart(pd.DataFrame({"low": [claimed_low], "high": [claimed_high]})).mark_rect(color=CLAIM_BAND, opacity=0.45).encode(
        y=alt.Y("low:Q"), y2="high:Q", tooltip=[alt.Tooltip("low:Q", title="Claimed from (J)"), alt.Tooltip("high:Q", title="Claimed to (J)")],
    )
    y_domain = [float(grid["energy_j"].min()) / 2, float(grid["energy_j"].max()) * 2]
    line = base.mark_line(point=True, color=OKABE_ITO[0]).encode(
        x=alt.X("output_tokens:Q", title="Output tokens (log scale)", scale=alt.Scale(type="log")),
        y=alt.Y("energy_j:Q", title="Energy per request at the facility (J, log scale)", scale=alt.Scale(type="log", domain=y_domain)),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("batch_size:Q", title="Batch"), alt.Tooltip("pue:Q", title="PUE"),
                 alt.Tooltip("output_tokens:Q", title="Output tokens"), alt.Tooltip("energy_j:Q", title="J", format=",.3~g")],
    )
    label = base.transform_filter(f"datum.output_tokens == {int(marked_tokens)}").transform_calculate(
        label=f"format(datum.energy_j, ',.0f') + ' J at {int(marked_tokens)} tokens, batch ' + datum.batch_size"
    ).mark_text(align="right", dx=-8, dy=-10, fontWeight="bold", color=TEXT).encode(x="output_tokens:Q", y="energy_j:Q", text="label:N")
    return alt.layer(band, line, label).add_params(model, pue, batch).properties(
        width=WIDTH - 80, height=300,
        description=(f"Interactive line chart of the energy of one LLM request against answer length, with the claimed band of {claimed_low:g} to {claimed_high:g} J; "
                     f"a menu picks the model ({', '.join(models)}), sliders set the PUE ({pues[0]:g} to {pues[-1]:g}) and the batch size "
                     f"({2 ** int(logs[0])} to {2 ** int(logs[-1])} requests); every value is the serving model's own, computed in advance."),
    )


# ---- verdict maps (python -m analysis map, and one per chapter) ----

# The front page's verdict colours (book/_static/book.css): overstating and understating share the "wrong" colour, told apart by shade.
VERDICT_COLOURS = {"holds": "#009E73", "too_low": "#D55E00", "too_high": "#F4A582", "mixed": "#E69F00", "unverifiable": "#888888"}


def verdict_map(frame: pd.DataFrame, x: str, y: str, x_title: str, y_title: str, description: str, log_x: bool = False) -> alt.Chart:
    """A grid of cells coloured by verdict (``frame``: columns ``x``, ``y``, ``verdict``, ``verdict_word``, ``value``)."""
    from analysis.claims import VERDICT_TEXT

    keys = [k for k in VERDICT_COLOURS if k in set(frame["verdict"])]
    numeric_y = pd.api.types.is_numeric_dtype(frame[y])
    x_enc = alt.X(f"{x}:O", title=x_title, axis=alt.Axis(format=".3~g", labelOverlap=True))
    y_enc = alt.Y(f"{y}:O", title=y_title, sort="descending" if numeric_y else None, axis=alt.Axis(format=".3~g") if numeric_y else alt.Axis())
    # The chart carries the words only: the ledger's machine keys (too_low...) are not for readers.
    return alt.Chart(frame.drop(columns=["verdict"])).mark_rect().encode(
        x=x_enc, y=y_enc,
        color=alt.Color("verdict_word:N", title="Verdict", scale=alt.Scale(domain=[VERDICT_TEXT[k] for k in keys], range=[VERDICT_COLOURS[k] for k in keys])),
        tooltip=[alt.Tooltip(f"{x}:Q", format=",.4~g"), alt.Tooltip(f"{y}:N"), alt.Tooltip("verdict_word:N", title="Verdict"),
                 alt.Tooltip("value:Q", title="Our value", format=",.4~g")],
    ).properties(width=WIDTH - 160, height=alt.Step(22) if not numeric_y else 260, description=description)
