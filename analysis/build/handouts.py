"""Paper for the classroom: per chapter a student worksheet and a teacher's answer key, and a one-page claims ledger.

Everything is built from the same sources as the book: the exercises' text from the chapter notebooks,
the parameters and figures from :mod:`analysis.params` and the data, each answer from the same package
functions as the chapter's solutions, written out as arithmetic a student with a calculator can follow.
The PDFs are printed by the Chromium the browser tests drive (Playwright's ``page.pdf``), offline, on A4
and US Letter, with the title, edition and date at the top of every page and the page number at the foot.

``make book`` puts each edition's handouts in its website (``handouts/a4/``, ``handouts/letter/``; the student
edition without the answer keys), linked from the For teachers page: see :class:`SiteHandouts`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import sys
import time
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
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


def _ledger(dataset, values: dict, entries: list[dict] | None) -> list[dict]:
    """The claims ledger under ``values``: ``entries`` when given (computed once for a whole set of handouts)."""
    from analysis.ledger import ledger

    return entries if entries is not None else ledger(dataset, {**P.defaults(), **values})


def _claims_html(dataset, values: dict, chapter: str, entries: list[dict] | None = None) -> str:
    from analysis.formatting import format_range

    rows = "".join(f"<tr><td>“{html.escape(e['quote'])}”<br><small>{html.escape(e['source']['said_by'])}</small></td>"
                   f"<td>{html.escape(format_range(e['claimed']['low'], e['claimed']['high'], e['unit']))}</td></tr>"
                   for e in _ledger(dataset, values, entries) if e["chapter"] == chapter)
    return f"<table><thead><tr><th>Claim</th><th>Claimed (as read)</th></tr></thead><tbody>{rows}</tbody></table>"


def worksheet(dataset, values: dict, chapter: str, entries: list[dict] | None = None) -> str:
    """The student worksheet of one chapter (HTML): question, parameters used, the claims, exercises with room to work.

    ``entries``: the claims ledger under ``values``, if already computed.
    """
    title = chapter_title(chapter)
    items = "".join(f"<div class='exercise' id='{label}'><h2>Exercise {i}</h2>{_markdown(text)}<div class='work'></div></div>"
                    for i, (label, text) in enumerate(exercises(chapter), start=1))
    body = (f"<h1>{html.escape(title)}</h1><p class='note'>Worksheet. Name: ______________________  Date: __________</p>"
            f"<h2>Parameters used</h2>{_parameters_html(values, chapter)}<h2>The claims</h2>{_claims_html(dataset, values, chapter, entries)}"
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


def ledger_page(dataset, values: dict, entries: list[dict] | None = None) -> str:
    """The claims ledger on one page (HTML): each claim, who said it, the claimed range, our number and the verdict.

    ``entries``: the claims ledger under ``values``, if already computed.
    """
    from analysis.formatting import ledger_frame

    frame = ledger_frame(_ledger(dataset, values, entries))
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
                pin_pdf_dates(target, date)
                written.append(target)
        browser.close()
    return written


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[+-]\d{2}'\d{2}'\)")


def pin_pdf_dates(path: Path, date: str) -> None:
    """Set the PDF's creation and modification dates (Chromium writes the second it printed) to ``date`` (ISO), 00:00 UTC.

    Those two fields are all that differs between two prints of the same page, so the same inputs and
    date give the same bytes. The new text has the old one's length (``D:YYYYMMDDHHmmSS+HH'mm'``): the
    file's cross-reference offsets stay right.
    """
    stamp = f"D:{date.replace('-', '')}000000+00'00'".encode()
    content = path.read_bytes()
    pinned = _PDF_DATE.sub(lambda m: b"/" + m[1] + b" (" + stamp + b")", content)
    if len(pinned) != len(content):
        raise ValueError(f"{path}: the date {date!r} is not of the form YYYY-MM-DD")
    path.write_bytes(pinned)


class HandoutsError(RuntimeError):
    """The handouts cannot be dated or printed; ``one_line``: the message says all there is (nothing was started)."""

    def __init__(self, message: str, one_line: bool = False):
        super().__init__(message)
        self.one_line = one_line


def handout_date(today: dt.date | None = None) -> str:
    """The date printed on the handouts (ISO): that of ``SOURCE_DATE_EPOCH`` (UTC) when it is set, else today's.

    ``SOURCE_DATE_EPOCH`` (seconds since 1970, https://reproducible-builds.org/specs/source-date-epoch/) pins
    it, so builds of the same sources on different days print the same handouts.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not epoch.isdigit():
            raise HandoutsError(f"SOURCE_DATE_EPOCH={epoch!r}: expected whole seconds since 1970-01-01 UTC (e.g. 1767225600)",
                                one_line=True)
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    return (today or dt.date.today()).isoformat()


def edition_text(values: dict, scenario: dict | None = None) -> str:
    """What the header of every page names as the edition: the scenario, the changed parameters, or the default."""
    changed = {k: v for k, v in values.items() if v != P.PARAMETERS[k].default}
    if scenario:
        return f"scenario: {scenario['title']}"
    return "changed parameters: " + ", ".join(sorted(changed)) if changed else "default edition"


def documents(dataset, values: dict) -> dict[str, tuple[str, str]]:
    """Every handout as ``name -> (title, html)``: the claims ledger, then per chapter its worksheet and answer key."""
    entries = _ledger(dataset, values, None)  # once for all: judging every claim is most of the work
    docs = {"claims-ledger": ("The claims ledger", ledger_page(dataset, values, entries))}
    for chapter in CHAPTERS:
        title = chapter_title(chapter)
        docs[f"{chapter}-worksheet"] = (f"Worksheet: {title}", worksheet(dataset, values, chapter, entries))
        docs[f"{chapter}-answer-key"] = (f"Answer key: {title}", answer_key(dataset, values, chapter))
    return docs


def build(values: dict | None = None, scenario: dict | None = None, out: Path | None = None, date: str | None = None,
          dataset=None) -> list[Path]:
    """Every handout, on A4 and US Letter, into ``out`` (default ``_build/handouts``, or ``_build/scenarios/<name>/handouts``).

    ``date`` (ISO) is printed on every page and set as the PDFs' date; default :func:`handout_date`.
    ``dataset``: the data as :func:`analysis.data.load` gives it, if already loaded.
    """
    from analysis import data

    values = P.validate(values or {})
    out = out or ((ROOT / "_build" / "scenarios" / scenario["name"] / "handouts") if scenario else OUT)
    dataset = dataset if dataset is not None else data.load()
    return print_pdfs(documents(dataset, values), out, edition_text(values, scenario), date or handout_date())


# ---------------------------------------------------------------------------------------------------------------
# The handouts in the website: printed by `make book`, cached by their inputs, placed in the site, linked.

SITE_FOLDER = "handouts"  # in the site: handouts/a4/<name>.pdf and handouts/letter/<name>.pdf
CACHE = ROOT / "_build" / "handouts-cache"
TEACHERS_PAGE = "book/teachers.md"
# The line of the For teachers page that the links replace: a comment, so the page's source reads well where it is shown as it is.
LINKS_MARKER = "<!-- HANDOUT-LINKS: the build puts the links to this edition's handouts here -->"
FORMAT = 1  # how the printed set is stored; a new format prints again
KEEP_PRINTED = 10  # printed sets kept (the most recently used)
KEEP_SECONDS = 3600  # and never one used in the last hour, which another build may be reading
INSTALL = "install it with 'apt-get install -y chromium' (Debian) and run 'make book' again"
PAPER_NAMES = {"a4": "A4", "letter": "US Letter"}


def kinds(student: bool = False) -> list[tuple[str, str, str]]:
    """(name, who it is for, what it holds) of each handout an edition of the site carries, in the page's order.

    The student edition carries no answer keys, as it carries no solutions.
    """
    found = [(f"{c}-worksheet", "each student", "the chapter's question, the parameters used, the claims, "
                                                 "and every exercise with room to work; no answers") for c in CHAPTERS]
    if not student:
        found += [(f"{c}-answer-key", "you", "each answer as arithmetic a student with a calculator can follow, "
                                              "and the computed value") for c in CHAPTERS]
    found.append(("claims-ledger", "the class", "the claims and their verdicts on one page, to hand out or project at the end "
                                                "(or fold the verdicts under at the start)"))
    return found


def _title(name: str) -> str:
    """A handout's title, as its header prints it."""
    if name == "claims-ledger":
        return "The claims ledger"
    for suffix, kind in (("-worksheet", "Worksheet"), ("-answer-key", "Answer key")):
        if name.endswith(suffix):
            return f"{kind}: {chapter_title(name[:-len(suffix)])}"
    raise ValueError(f"no handout is called {name!r}")


def key_files() -> list[Path]:
    """The files the handouts are made from: the science (every module outside ``analysis/build`` and the
    two that print), the chapters' notebooks (exercises, titles), the data, and the pinned dependencies."""
    from analysis.build import cache

    package = ROOT / "analysis"
    modules = [p for p in sorted(package.rglob("*.py"))
               if "build" not in p.relative_to(package).parts[:-1] or p.name in ("handouts.py", "browser.py")]
    lock = ROOT / "requirements.lock"
    return [*modules, *(ROOT / nb for nb in CHAPTERS.values()), *cache.data_files(), *([lock] if lock.exists() else [])]


def printed_key(values: dict, scenario: dict | None, date: str | None) -> str:
    """The cache key of a printed set: its files, parameters, edition and (when pinned) date."""
    from analysis.build import cache

    files = {p.relative_to(ROOT).as_posix(): cache.file_digest(p) for p in key_files()}
    blob = json.dumps({"files": files, "values": values, "edition": edition_text(values, scenario), "date": date,
                       "format": FORMAT}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _record(folder: Path) -> dict | None:
    """The record of a printed set if every file is there with the hash it names, else None (it is printed again)."""
    try:
        record = json.loads((folder / "printed.json").read_text(encoding="utf-8"))
        whole = all(hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest for rel, digest in record["files"].items())
        return record if whole and record["files"] else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def print_to_cache(values: dict, scenario: dict | None, key: str, date: str | None, dataset=None) -> Path:
    """Print every handout into ``_build/handouts-cache/<key>``, written whole (beside it first, then moved in).

    ``date`` None: today, or the date of an earlier, damaged print of the same inputs (the same handouts keep
    their date). Runs in a process of its own during a build, at lower priority than the notebooks.
    """
    folder = CACHE / key[:16]
    if date is None:
        try:
            date = json.loads((folder / "printed.json").read_text(encoding="utf-8"))["date"]
        except (OSError, ValueError, KeyError, TypeError):
            date = handout_date()
    partial = CACHE / f".{key[:16]}.{uuid.uuid4().hex}.partial"
    try:
        files = build(values, scenario, out=partial, date=date, dataset=dataset)
        record = {"key": key, "date": date,
                  "files": {f.relative_to(partial).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}}
        (partial / "printed.json").write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        if folder.exists() and _record(folder) is None:
            shutil.rmtree(folder, ignore_errors=True)  # damaged: replaced
        try:
            os.replace(partial, folder)
        except OSError:  # another build printed the same set meanwhile
            if _record(folder) is None:
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder


_INHERITED: dict = {}  # what the printing process received from the build that forked it


def _inherit(dataset) -> None:
    """Runs first in the printing process: keep the build's loaded data (handed over by fork, not pickled)."""
    _INHERITED["dataset"] = dataset
    os.nice(10)  # the notebooks and Sphinx are the build's critical path; printing fills the gaps


def _print_in_background(values: dict, scenario: dict | None, key: str, date: str | None) -> Path:
    return print_to_cache(values, scenario, key, date, _INHERITED.get("dataset"))


def prune_printed(keep: int = KEEP_PRINTED, min_age_s: float = KEEP_SECONDS) -> None:
    """Delete all but the ``keep`` most recently used printed sets, and partial prints left by killed builds."""
    if not CACHE.is_dir():
        return
    now = time.time()
    sets = sorted((p for p in CACHE.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    partials = [p for p in CACHE.iterdir() if p.name.startswith(".") and p.name.endswith(".partial")]
    for old in [*sets[keep:], *partials]:
        if now - old.stat().st_mtime >= min_age_s:
            shutil.rmtree(old, ignore_errors=True)


def chromium_missing() -> str | None:
    """Why the handouts cannot be printed here (Chromium or Playwright missing), or None.

    Looks, without importing Playwright (a tenth of a second a build would pay for nothing when the
    handouts are already printed); :func:`print_pdfs` imports it.
    """
    from importlib.util import find_spec

    from analysis.build.browser import CHROMIUM

    if not Path(CHROMIUM).exists():
        return f"Chromium not found: {INSTALL}"
    if find_spec("playwright") is None:
        return "the playwright package is missing: run 'make venv' (it installs requirements.lock) and 'make book' again"
    return None


class SiteHandouts:
    """The handouts of one edition of the website: printed once per set of inputs, placed in the site, linked.

    ``make book`` prints them (A4 and US Letter) with the Chromium the browser tests drive, into a cache
    keyed by everything they are made from (:func:`printed_key`), in a process of its own while the notebooks
    run; a build whose inputs did not change prints nothing. The site gets ``handouts/<paper>/<name>.pdf``,
    the For teachers page links each one. The student edition carries the worksheets and the claims ledger,
    not the answer keys.

    Without Chromium (or Playwright) the site is built without them, its For teachers page says so and how to
    get them, the build warns in one line, and ``python -m analysis publish`` refuses to pack that site
    (:func:`missing_from_site`).
    """

    def __init__(self, values: dict | None = None, scenario: dict | None = None, student: bool = False):
        self.values = P.validate(values or {})
        self.scenario = scenario
        self.names = [name for name, _, _ in kinds(student)]
        self.student = student
        self.missing = chromium_missing()
        pinned = handout_date() if os.environ.get("SOURCE_DATE_EPOCH") else None
        self.date = pinned
        self.key = None if self.missing else printed_key(self.values, scenario, pinned)

    def start(self, dataset=None) -> Future:
        """Print the handouts unless a whole printed set exists; the Future gives its folder (None without Chromium).

        ``dataset``: the data the build loaded, handed to the printing process as it forks (not loaded again).
        """
        done: Future = Future()
        if self.missing:
            print(f"warning: the handouts are not in this build: {self.missing}", file=sys.stderr, flush=True)
            done.set_result(None)
            return done
        folder = CACHE / self.key[:16]
        if _record(folder) is not None:
            os.utime(folder)  # most recently used: kept by prune_printed
            done.set_result(folder)
            return done
        CACHE.mkdir(parents=True, exist_ok=True)
        import multiprocessing

        printer = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                      initializer=_inherit, initargs=(dataset,))
        future = printer.submit(_print_in_background, self.values, self.scenario, self.key, self.date)
        printer.shutdown(wait=False)
        return future

    def folder(self, printing: Future) -> Path | None:
        """The printed set, once printing ended; a failure to print stops the build with what went wrong."""
        try:
            folder = printing.result()
        except Exception as err:
            raise HandoutsError(f"printing the handouts failed ({type(err).__name__}): {err}") from None
        prune_printed()
        return folder

    def place(self, site: Path, folder: Path | None) -> None:
        """Make ``site/handouts`` hold exactly this edition's PDFs from ``folder`` (nothing when ``folder`` is None)."""
        target = site / SITE_FOLDER
        wanted = {} if folder is None else {
            target / paper / f"{name}.pdf": folder / paper / f"{name}.pdf" for paper in PAPERS for name in self.names}
        for old in sorted(target.rglob("*"), reverse=True) if target.is_dir() else []:  # a folder after its contents
            if old.is_dir() and not old.is_symlink():
                if not any(old.iterdir()):
                    old.rmdir()
            elif old not in wanted:
                old.unlink()
        for dst, src in wanted.items():
            content = src.read_bytes()
            if not dst.exists() or dst.read_bytes() != content:
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(content)
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()

    def links_markdown(self) -> str:
        """What the For teachers page shows in place of :data:`LINKS_MARKER`: the links, or why there are none."""
        if self.missing:
            return ("```{important}\nThis copy of the book was built without its handouts, which are printed with Chromium: "
                    f"{self.missing}.\n```")
        up = "../" * (len(Path(TEACHERS_PAGE).parts) - 1)
        lines = []
        for name, audience, what in kinds(self.student):
            title = html.escape(_title(name))
            links = ", ".join(f'<a href="{up}{SITE_FOLDER}/{paper}/{name}.pdf" aria-label="{title}, {label} (PDF)">{label}</a>'
                              for paper, label in PAPER_NAMES.items())
            lines.append(f"- **{title}** (for {audience}): {what}. PDF: {links}.")
        if self.student:
            lines += ["", "The answer keys are not part of the student edition, as the solutions are not: "
                          "they are in the default edition of the site, and `make handouts` prints them."]
        return "\n".join(lines)

    def staged_pages(self) -> dict[str, bytes]:
        """The pages this edition stages with other content than their source's: For teachers, with the links in place."""
        text = (ROOT / TEACHERS_PAGE).read_text(encoding="utf-8")
        if LINKS_MARKER not in text:
            raise ValueError(f"{TEACHERS_PAGE}: the line {LINKS_MARKER} (where the handouts' links go) is missing")
        return {TEACHERS_PAGE: text.replace(LINKS_MARKER, self.links_markdown()).encode("utf-8")}


def missing_from_site(recorded: dict | None) -> str | None:
    """Why a site whose manifest is ``recorded`` may not be published without being built again, or None.

    A published edition carries its handouts: a site built without Chromium does not.
    """
    if recorded is None or not recorded["signature"].get("handouts"):
        return f"it was built without its handouts (Chromium was not found): {INSTALL}, then publish"
    return None
