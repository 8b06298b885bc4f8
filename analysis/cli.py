"""Command line: ``python -m analysis claims|params|build``.

Bad input (an unknown parameter, a value out of range, a broken data file) ends
with exit status 2 and one line per problem, before anything is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analysis import params as P
from analysis.runs import RunError
from analysis.schema import DataError


class UsageError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_overrides(pairs: list[str], notebook: str | None = None) -> dict[str, object]:
    """``["price_usd_per_gpu_hour=4"]`` -> validated values (types from the declarations)."""
    known = P.PARAMETERS if notebook is None else P.for_notebook(notebook)
    values: dict[str, object] = {}
    problems = []
    for pair in pairs:
        if "=" not in pair:
            problems.append(f"-p {pair}: expected NAME=VALUE")
            continue
        name, text = (s.strip() for s in pair.split("=", 1))
        values[name] = P.parse_text(known[name], text) if name in known else text
    if problems:
        raise UsageError(problems)
    return values


def _scenario_values(path: str | None) -> dict[str, object]:
    if not path:
        return {}
    from analysis.scenarios import load_scenario

    return dict(load_scenario(path)["parameters"])


def _format_number(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "n/a"
    if unit in ("percent", "ratio", "days"):
        return f"{value:,.2f}"
    if abs(value) >= 1e5:
        return f"{value:,.4g}" if abs(value) < 1e9 else f"{value:.3g}"
    return f"{value:,.4g}"


def format_table(entries: list[dict]) -> str:
    lines = []
    for e in entries:
        c, k = e["computed"], e["claimed"]
        lines.append(
            f"{e['id']:<34} {e['verdict'].upper():<12} claimed {_format_number(k['low'], e['unit'])}–{_format_number(k['high'], e['unit'])} {e['unit']}; "
            f"computed {_format_number(c['value'], e['unit'])} ({_format_number(c['low'], e['unit'])}–{_format_number(c['high'], e['unit'])})"
        )
        lines.append(f"{'':<34} “{e['quote']}” ({e['source']['said_by']})")
        lines.append(f"{'':<34} basis: {e['basis']}")
    return "\n".join(lines)


def cmd_claims(args: argparse.Namespace) -> int:
    from analysis import claims, data

    values = {**_scenario_values(args.scenario), **parse_overrides(args.param)}
    params = P.validate(values)
    entries = claims.ledger(data.load(), params, chapter=args.chapter)
    if args.format == "json":
        print(json.dumps(entries, indent=2, ensure_ascii=False))
    else:
        print(format_table(entries))
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from analysis.book import NOTEBOOKS, write_parameters_cells

    if args.write_cells:
        for path in write_parameters_cells():
            print(f"rewrote the parameters cell of {path}")
        return 0
    if args.notebook and args.notebook not in NOTEBOOKS:
        raise UsageError([f"notebook {args.notebook}: unknown; known notebooks: {', '.join(NOTEBOOKS)}"])
    chosen = P.for_notebook(args.notebook) if args.notebook else P.PARAMETERS
    for p in chosen.values():
        print(f"{p.name} = {p.default!r}")
        print(f"    {p.description}")
        print(f"    allowed: {p.allowed()}; default from: {p.source}; used by: {', '.join(p.notebooks)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis import runs

    name = runs.resolve_notebook(args.notebook)
    values = {**_scenario_values(args.scenario), **parse_overrides(args.param, name)}
    P.validate(values, notebook=name)
    out = runs.run(name, values, Path(args.out) if args.out else None)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    if results["claims"]:
        print(format_table(results["claims"]))
    print(f"wrote {out}/: {name}.ipynb, {name}.html, results.json")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis import runs, sweep

    name = runs.resolve_notebook(args.notebook)
    axes = sweep.parse_axes(args.param, name)
    if not axes:
        raise UsageError(["sweep: give at least one -p NAME=VALUE1,VALUE2"])
    out = Path(args.out) if args.out else sweep.book.BUILD / "sweeps" / f"{runs.run_name(name, {k: '+'.join(map(str, v)) for k, v in axes.items()})}.csv"
    frame = sweep.sweep(name, axes, out, jobs=args.jobs)
    failed = frame[frame["status"] != "ok"]
    for _, row in failed.iterrows():
        print(f"failed point: {', '.join(f'{k}={row[k]}' for k in axes)}: {row['error']}", file=sys.stderr)
    print(f"wrote {out} ({len(frame)} points, {len(failed)} failed)")
    return 1 if len(failed) == len(frame) else 0


def cmd_build(args: argparse.Namespace) -> int:
    from analysis import book

    scenario = None
    if args.scenario:
        from analysis.scenarios import load_scenario

        scenario = load_scenario(args.scenario)
        scenario["name"] = Path(args.scenario).stem
    values = {**(scenario["parameters"] if scenario else {}), **parse_overrides(args.param)}
    P.validate(values)  # fail before anything runs
    book.build_edition(values, scenario, jobs=args.jobs)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("claims", help="judge every claim and print the ledger")
    c.add_argument("--format", choices=("table", "json"), default="table")
    c.add_argument("--chapter", help="only the claims of this chapter (notebook name)")
    c.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter")
    c.add_argument("--scenario", metavar="FILE", help="a scenario YAML file under data/scenarios/")
    c.set_defaults(func=cmd_claims)

    p = sub.add_parser("params", help="list the parameters (of one notebook)")
    p.add_argument("notebook", nargs="?")
    p.add_argument("--write-cells", action="store_true", help="rewrite each notebook's parameters cell from the declarations")
    p.set_defaults(func=cmd_params)

    r = sub.add_parser("run", help="re-run one notebook with new parameters")
    r.add_argument("notebook", help="notebook name, e.g. training_compute")
    r.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    r.add_argument("--scenario", metavar="FILE")
    r.add_argument("--out", metavar="DIR", help="folder for the results (default: _build/runs/<run name>)")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("sweep", help="run one notebook over a grid of parameter values into one CSV")
    s.add_argument("notebook")
    s.add_argument("-p", "--param", action="append", default=[], metavar="NAME=V1,V2", help="values to sweep (';' between values of a list parameter)")
    s.add_argument("--out", metavar="FILE", help="CSV to write (default: _build/sweeps/<sweep name>.csv)")
    s.add_argument("--jobs", type=int, default=0, help="points run at once (default: one per CPU)")
    s.set_defaults(func=cmd_sweep)

    b = sub.add_parser("build", help="execute the notebooks with papermill and build the website")
    b.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    b.add_argument("--scenario", metavar="FILE")
    b.add_argument("--jobs", type=int, default=0, help="notebooks executed at once (default: one per CPU)")
    b.set_defaults(func=cmd_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, P.ParameterError, DataError, RunError) as err:
        for line in err.problems:
            print(f"error: {line}", file=sys.stderr)
        return 2
    except Exception as err:
        from analysis.book import BuildError

        if not isinstance(err, BuildError):
            raise
        print(f"error: {err}", file=sys.stderr)
        print("error: nothing was overwritten; the previous build is unchanged", file=sys.stderr)
        return 1
