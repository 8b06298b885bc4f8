"""Paper for the classroom: per chapter a student worksheet and a teacher's answer key, and a one-page claims ledger.

Everything is built from the same sources as the book: the exercises' text from the chapter notebooks,
the parameters and figures from :mod:`analysis.params` and the data, each answer from the same package
functions as the chapter's solutions, written out as arithmetic a student with a calculator can follow.
The PDFs are printed by the Chromium the browser tests drive (Playwright's ``page.pdf``), offline, on A4
and US Letter, with the title, edition and date at the top of every page and the page number at the foot.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

from analysis import params as P
from analysis.answers import ANSWERS, Answer, inference_answers, training_answers  # noqa: F401  (the key's answers)

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "_build" / "handouts"
CHAPTERS = {"training_compute": "book/training_compute.ipynb", "inference_vs_search": "book/inference_vs_search.ipynb"}
PAPERS = {"a4": "A4", "letter": "Letter"}
EXERCISE = re.compile(r"```\{exercise\}\n:label: (?P<label>\S+)\n(?::[^\n]*\n)*\n(?P<text>.*?)```", re.S)
ROLE = re.compile(r"\{[a-z:]+\}`([^`<]*?)(?:\s*<[^>]*>)?`")


def chapter_title(chapter: str) -> str:
    """The chapter's H1, as its notebook states it."""
    cells = json.loads((ROOT / CHAPTERS[chapter]).read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"])
    return first.splitlines()[0].lstrip("# ").strip()


def exercises(chapter: str) -> list[tuple[str, str]]:
    """(label, Markdown text) of every exercise in the chapter, in order; cross-references reduced to their text."""
    cells = json.loads((ROOT / CHAPTERS[chapter]).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [(m["label"], ROLE.sub(r"\1", m["text"]).strip()) for m in EXERCISE.finditer(text)]


STYLE = """
@page { margin: 22mm 16mm 18mm; }
body { font: 11pt/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #000; }
h1 { font-size: 16pt; margin: 0 0 4mm; } h2 { font-size: 13pt; margin: 6mm 0 2mm; break-after: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; } td, th { border: 1px solid #999; padding: 1mm 2mm; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.exercise { break-inside: avoid; margin: 0 0 3mm; } .exercise p { margin: 0 0 1mm; }
.work { border: 1px solid #999; height: 38mm; margin-bottom: 4mm; }
.answer { break-inside: avoid; margin: 0 0 4mm; } .answer .value { font-weight: 600; }
.answer ol { margin: 1mm 0; } code { font-size: 9pt; overflow-wrap: anywhere; }
table.ledger { font-size: 7.5pt; } table.ledger td, table.ledger th { padding: 0.6mm 1.2mm; } table.ledger small { font-size: 6.5pt; }
.verdict { font-weight: 700; white-space: nowrap; }
.note { font-size: 9pt; color: #333; }
"""


def _markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)


def _document(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def _parameters_html(values: dict, chapter: str) -> str:
    table = P.table(values, chapter)[["parameter", "value", "unit"]]
    return table.to_html(index=False, escape=True, border=0)


def _claims_html(dataset, values: dict, chapter: str) -> str:
    from analysis.formatting import format_range
    from analysis.ledger import ledger

    rows = "".join(f"<tr><td>“{html.escape(e['quote'])}”<br><small>{html.escape(e['source']['said_by'])}</small></td>"
                   f"<td>{html.escape(format_range(e['claimed']['low'], e['claimed']['high'], e['unit']))}</td></tr>"
                   for e in ledger(dataset, {**P.defaults(), **values}, chapter=chapter))
    return f"<table><thead><tr><th>Claim</th><th>Claimed (as read)</th></tr></thead><tbody>{rows}</tbody></table>"


def worksheet(dataset, values: dict, chapter: str) -> str:
    """The student worksheet of one chapter (HTML): question, parameters used, the claims, exercises with room to work."""
    title = chapter_title(chapter)
    items = "".join(f"<div class='exercise' id='{label}'><h2>Exercise {i}</h2>{_markdown(text)}<div class='work'></div></div>"
                    for i, (label, text) in enumerate(exercises(chapter), start=1))
    body = (f"<h1>{html.escape(title)}</h1><p class='note'>Worksheet. Name: ______________________  Date: __________</p>"
            f"<h2>Parameters used</h2>{_parameters_html(values, chapter)}<h2>The claims</h2>{_claims_html(dataset, values, chapter)}"
            f"{items}")
    return _document(f"Worksheet: {title}", body)


def answer_key(dataset, values: dict, chapter: str) -> str:
    """The teacher's answer key of one chapter (HTML): each exercise, its worked arithmetic and the computed value."""
    title = chapter_title(chapter)
    answers = {a.label: a for a in ANSWERS[chapter](dataset, values)}
    parts = []
    for i, (label, text) in enumerate(exercises(chapter), start=1):
        a = answers[label]
        steps = "".join(f"<li>{html.escape(s)}</li>" for s in a.steps)
        parts.append(f"<div class='answer' id='{label}'><h2>Exercise {i}</h2>{_markdown(text)}"
                     f"<ol>{steps}</ol><p class='value'>Answer: {html.escape(a.value)}</p></div>")
    return _document(f"Answer key: {title}", f"<h1>Answer key: {html.escape(title)}</h1>{''.join(parts)}")


def ledger_page(dataset, values: dict) -> str:
    """The claims ledger on one page (HTML): each claim, who said it, the claimed range, our number and the verdict."""
    from analysis.formatting import ledger_frame
    from analysis.ledger import ledger

    frame = ledger_frame(ledger(dataset, {**P.defaults(), **values}))
    rows = "".join(
        f"<tr><td>“{html.escape(r.quote)}”<br><small>{html.escape(r.said_by)}</small></td><td>{html.escape(r.claimed)}</td>"
        f"<td>{html.escape(r.computed)}" + ("" if r.interval == r.computed else f"<br><small>({html.escape(r.interval)})</small>")
        + f"</td><td class='verdict'>{html.escape(r.verdict)}</td></tr>"
        for r in frame.itertuples(index=False))
    table = (f"<table class='ledger'><thead><tr><th>Claim</th><th>Claimed</th><th>Our number (range)</th><th>Verdict</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    return _document("The claims ledger", f"<h1>The claims ledger</h1>{table}")


def _header(title: str, edition: str, date: str) -> str:
    return (f"<div style='font-size:8pt;width:100%;padding:0 16mm;display:flex;justify-content:space-between'>"
            f"<span>{html.escape(title)}</span><span>{html.escape(edition)} · {date}</span></div>")


FOOTER = ("<div style='font-size:8pt;width:100%;text-align:center'>"
          "page <span class='pageNumber'></span> of <span class='totalPages'></span></div>")


# The ledger is one page for the start of the lesson: across the page, slightly reduced.
LANDSCAPE = {"claims-ledger"}


def print_pdfs(documents: dict[str, tuple[str, str]], out: Path, edition: str, date: str) -> list[Path]:
    """Print each ``name -> (title, html)`` to ``out/<paper>/<name>.pdf`` with Chromium, offline; return the files.

    Raises :class:`analysis.build.browser.BrowserMissing` when Chromium or Playwright is not installed.
    """
    from playwright.sync_api import sync_playwright

    from analysis.build.browser import CHROMIUM, FLAGS, require_chromium

    require_chromium()
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.route("**/*", lambda r: r.abort() if not r.request.url.startswith(("data:", "about:")) else r.continue_())
        for name, (title, document) in documents.items():
            page.set_content(document, wait_until="load")
            for paper, fmt in PAPERS.items():
                target = out / paper / f"{name}.pdf"
                target.parent.mkdir(parents=True, exist_ok=True)
                page.pdf(path=str(target), format=fmt, display_header_footer=True, print_background=True,
                         landscape=name in LANDSCAPE, scale=0.85 if name in LANDSCAPE else 1,
                         header_template=_header(title, edition, date), footer_template=FOOTER,
                         margin={"top": "22mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
                written.append(target)
        browser.close()
    return written


def build(values: dict | None = None, scenario: dict | None = None, out: Path | None = None, date: str | None = None) -> list[Path]:
    """Every handout, on A4 and US Letter, into ``out`` (default ``_build/handouts``, or ``_build/scenarios/<name>/handouts``)."""
    from analysis import data

    values = P.validate(values or {})
    changed = {k: v for k, v in values.items() if v != P.PARAMETERS[k].default}
    edition = f"scenario: {scenario['title']}" if scenario else ("changed parameters: " + ", ".join(sorted(changed)) if changed else "default edition")
    out = out or ((ROOT / "_build" / "scenarios" / scenario["name"] / "handouts") if scenario else OUT)
    date = date or dt.date.today().isoformat()
    dataset = data.load()
    documents = {"claims-ledger": ("The claims ledger", ledger_page(dataset, values))}
    for chapter in CHAPTERS:
        title = chapter_title(chapter)
        documents[f"{chapter}-worksheet"] = (f"Worksheet: {title}", worksheet(dataset, values, chapter))
        documents[f"{chapter}-answer-key"] = (f"Answer key: {title}", answer_key(dataset, values, chapter))
    return print_pdfs(documents, out, edition, date)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from analysis.cli import parse_overrides
    from analysis.scenarios import load_scenario

    parser = argparse.ArgumentParser(prog="python -m analysis.build.handouts", description="print the classroom handouts to PDF")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--scenario", metavar="FILE")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario) if args.scenario else None
    if scenario:
        scenario["name"] = Path(args.scenario).stem
    values = {**(scenario["parameters"] if scenario else {}), **parse_overrides(args.param)}
    for path in build(values, scenario):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
