"""Pre-build the student edition once per classroom experiment that has no control on the page (make classroom)."""

from __future__ import annotations

from analysis.classroom import experiment_editions


def build_editions(edition: str = "student", jobs: int = 0) -> list:
    """Build the student edition of the book once per classroom experiment; return the sites' folders."""
    from analysis import params
    from analysis.build import book

    sites = []
    for values in experiment_editions():
        params.validate(values)
        book.build_edition(values, None, jobs=jobs, edition=edition)
        sites.append(book.edition_site(values, None, edition)[0])
    return sites


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m analysis.build.editions",
                                     description="pre-build one edition of the book per classroom experiment without a slider")
    parser.add_argument("--edition", default="student", choices=("default", "student"))
    args = parser.parse_args(argv)
    from analysis.build.book import ROOT

    for site in build_editions(args.edition):
        print(f"serve it with: python -m http.server --directory {site.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
