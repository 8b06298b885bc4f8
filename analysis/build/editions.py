"""Editions of the book: the default, the student edition (no solutions), a scenario's, and one per classroom experiment.

Each edition is built by :func:`analysis.build.book.build` into a folder of its
own (:func:`edition_site`), and every page of a non-default edition carries a
banner saying what it is (:func:`edition_banner`). ``python -m
analysis.build.editions`` (``make classroom``) pre-builds the student edition
once per classroom experiment that has no control on the page.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from analysis import params as P
from analysis.build import book
from analysis.build.project import BUILD, ROOT, BuildError
from analysis.build.stage import deep_update


def edition_banner(values: dict[str, object], scenario: dict | None) -> str:
    """The line every page of a non-default edition shows: which scenario, and what differs."""
    changed = []
    for name, value in values.items():
        p = P.PARAMETERS[name]
        if value != p.default:
            changed.append(f"<code>{name}</code> = {p.show(value)} (default {p.show(p.default)})")
    title = f"Scenario edition: <b>{scenario['title']}</b>." if scenario else "Edition with changed parameters."
    what = "Parameters changed from the defaults: " + "; ".join(changed) + "." if changed else "No parameter differs from the defaults."
    return f"{title} {what}"


MAX_NAME = 150


def run_name(notebook: str, overrides: dict[str, object]) -> str:
    """A folder name that says what was run: ``training_compute__price_usd_per_gpu_hour=4``.

    A name too long for a folder is cut and ends with a hash of the whole, so
    two different runs never share a folder.
    """
    parts = [notebook] + [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in sorted(overrides.items())]
    name = re.sub(r"[^A-Za-z0-9_.=,+-]", "_", "__".join(parts))
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return f"{name[:MAX_NAME - 14]}__{digest}"


def edition_name(values: dict[str, object], scenario: dict | None) -> str | None:
    """Folder name of a non-default edition, or None for the default book."""
    if scenario:
        return scenario["name"]
    if not values:
        return None
    return run_name("custom", values)


EDITIONS = ("default", "student")
STUDENT_BANNER = "Student edition: the exercises are here, their solutions are not."


def build_edition(values: dict[str, object], scenario: dict | None = None, jobs: int = 0, edition: str = "default") -> Path:
    """Build one edition of the book into its own folder.

    The default book goes to ``_build/html``; a scenario (or other changed
    parameters) to ``_build/scenarios/<name>/html``; the student edition, which
    leaves out the solutions, to ``_build/student/html`` (or
    ``_build/scenarios/<name>/student/html``). Every page of a non-default
    edition carries a banner saying what it is.
    """
    name = edition_name(values, scenario)
    student = edition == "student"
    banners, extra = [], {}
    if name is not None:
        banners.append(edition_banner(values, scenario))
    if student:
        banners.append(STUDENT_BANNER)
    if banners:
        extra = deep_update(extra, {"html": {"announcement": " ".join(banners)}})
    if name is None and not student:
        return book.build({}, jobs=jobs)
    out, label = edition_site(values, scenario, edition)
    return book.build(values, jobs=jobs, out=out, edition=label, config_extra=extra, student=student, scenario=scenario)


def edition_site(values: dict[str, object], scenario: dict | None = None, edition: str = "default") -> tuple[Path, str]:
    """Where an edition's site is published, and its label (``default``, ``student``, ``scenario-search-2009-student``).

    The default book is ``_build/html``; a scenario (or other changed parameters)
    ``_build/scenarios/<name>/html``; the student edition ``_build/student/html``
    (or ``_build/scenarios/<name>/student/html``).
    """
    if edition not in EDITIONS:
        raise BuildError(f"edition {edition!r} is unknown; allowed: {', '.join(EDITIONS)}")
    name = edition_name(values, scenario)
    student = edition == "student"
    folder = (BUILD / "scenarios" / name) if name else BUILD
    out = folder / "student" / "html" if student else folder / "html"
    label = "-".join(filter(None, ["scenario" if name else "", name or "", "student" if student else ""]))
    return out, label or "default"


def build_editions(edition: str = "student", jobs: int = 0) -> list:
    """Build the student edition of the book once per classroom experiment; return the sites' folders."""
    from analysis.classroom import experiment_editions

    sites = []
    for values in experiment_editions():
        P.validate(values)
        build_edition(values, None, jobs=jobs, edition=edition)
        sites.append(edition_site(values, None, edition)[0])
    return sites


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m analysis.build.editions",
                                     description="pre-build one edition of the book per classroom experiment without a slider")
    parser.add_argument("--edition", default="student", choices=("default", "student"))
    args = parser.parse_args(argv)
    for site in build_editions(args.edition):
        print(f"serve it with: python -m http.server --directory {site.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
