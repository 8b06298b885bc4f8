"""Command line: ``python -m analysis claims|params|estimate|calibrate|run|sweep|solve|map|sensitivity|build``.

Bad input (an unknown parameter, a value out of range, a broken data file) ends
with exit status 2 and one line per problem, before anything is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from analysis import params as P
from analysis.build.runs import RunError


class UsageError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one ``error:`` line on stderr and exit status 2, like every other bad input."""

    def error(self, message: str):
        print(f"error: {' '.join(message.split())}; see: {self.prog} --help", file=sys.stderr)
        raise SystemExit(2)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = -1
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed: a whole number >= 0 (0: one per CPU)")
    return jobs


def parse_overrides(pairs: list[str], notebook: str | None = None) -> dict[str, object]:
    """``["price_usd_per_gpu_hour=4"]`` -> values typed from the declarations (validated later, all at once)."""
    known = P.PARAMETERS if notebook is None else P.for_notebook(notebook)
    values: dict[str, object] = {}
    problems = []
    for pair in pairs:
        name, sep, text = (s.strip() for s in pair.partition("="))
        if not sep or not name:
            problems.append(f"-p {pair}: expected NAME=VALUE")
            continue
        if name in values:
            problems.append(f"-p {name}: given more than once; allowed: each parameter once")
            continue
        values[name] = P.parse_text(known[name], text) if name in known else text
    if problems:
        raise UsageError(problems)
    return values


def _scenario(path: str | None) -> dict | None:
    if not path:
        return None
    from analysis.scenarios import load_scenario

    return load_scenario(path)


def _scenario_values(path: str | None) -> dict[str, object]:
    scenario = _scenario(path)
    return dict(scenario["parameters"]) if scenario else {}


def format_table(entries: list[dict]) -> str:
    """The ledger for people: the same number formats as the book's front page."""
    from analysis.claims import word
    from analysis.formatting import format_quantity, format_range

    lines = []
    width = max((len(e["id"]) for e in entries), default=0)
    for e in entries:
        c, k, unit = e["computed"], e["claimed"], e["unit"]
        lines.append(
            f"{e['id']:<{width}} {word(e['verdict']):<12} claimed {format_range(k['low'], k['high'], unit)}; "
            f"computed {format_quantity(c['value'], unit)} ({format_range(c['low'], c['high'], unit)})"
        )
        lines.append(f"{'':<{width}} “{e['quote']}” ({e['source']['said_by']})")
        lines.append(f"{'':<{width}} basis: {e['basis']}")
    return "\n".join(lines)


def changed_parameters(values: dict[str, object]) -> str:
    """The line ``claims`` and ``run`` print first: which parameters differ from the defaults, and how."""
    changed = [f"{name} = {P.PARAMETERS[name].show(value)} (default {P.PARAMETERS[name].show(P.PARAMETERS[name].default)})"
               for name, value in values.items() if name in P.PARAMETERS and value != P.PARAMETERS[name].default]
    return "parameters changed from the defaults: " + "; ".join(changed) if changed else "every parameter at its default"


def cmd_claims(args: argparse.Namespace) -> int:
    values = {**_scenario_values(args.scenario), **parse_overrides(args.param)}
    params = P.validate(values)
    from analysis import data, ledger  # pandas: only once the input is known to be good

    dataset = data.load()
    chapters = list(dict.fromkeys(dataset.claims["chapter"]))
    if args.chapter is not None and args.chapter not in chapters:
        raise UsageError([f"--chapter {args.chapter}: unknown; chapters with claims: {', '.join(chapters)}"])
    try:
        entries = ledger.ledger(dataset, params, chapter=args.chapter)
    except ValueError as err:  # a setting the serving model refuses (FP8 on an A100, weights that do not fit) is bad input
        problems = getattr(err, "problems", None) or [str(err)]
        raise UsageError(problems) from None
    # First, so no reader mistakes a changed ledger for the book's; on stderr for JSON, which programs read from stdout.
    print(changed_parameters(params), file=sys.stderr if args.format == "json" else sys.stdout)
    if args.format == "json":
        print(json.dumps(entries, indent=2, ensure_ascii=False))
    else:
        print(format_table(entries))
    return 0


def format_estimate(result: dict) -> str:
    """One request's estimate for people: each number with its 90 % interval, then the resolved parameters."""
    def show(label: str, number: dict, unit: str) -> str:
        if number["value"] is None:
            return f"{label:<28} not separable (the power figure covers the whole server)"
        return f"{label:<28} {number['value']:.4g} {unit} (90 %: {number['low']:.4g} to {number['high']:.4g})"

    lines = [f"{result['model']} on {result['accelerator']}",
             show("input tokens", result["tokens"]["input"], "tokens"),
             show("output tokens", result["tokens"]["output"], "tokens"),
             show("accelerator-seconds", result["accelerator_seconds"], "s"),
             show("energy, accelerators", result["energy_j"]["accelerators"], "J"),
             show("energy, IT equipment", result["energy_j"]["it"], "J"),
             show("energy, facility", result["energy_j"]["facility"], "J"),
             show("carbon", result["co2e_g"], "g CO2e"),
             show("water", result["water_ml"], "mL"),
             "parameters: " + ", ".join(f"{k}={v}" for k, v in result["parameters"].items())]
    lines += [f"note: {n}" for n in result["notes"]]
    return "\n".join(lines)


def cmd_estimate(args: argparse.Namespace) -> int:
    scenario_values = _scenario_values(args.scenario)
    overrides = parse_overrides(args.param)
    values = {**scenario_values, **overrides}
    params = P.validate(values)
    from analysis import serving_analysis

    # A parameter the serving model does not read is refused when typed, and named when a scenario brings it.
    reads = set(serving_analysis.ESTIMATE_PARAMETERS)
    typed = sorted(set(overrides) - reads)
    if typed:
        raise UsageError([f"parameter {typed[0]}: not read by estimate, which always costs a request on the serving model "
                          f"(it sets the claims ledger: use `claims`); estimate reads: {', '.join(sorted(reads))}"])
    inputs = serving_analysis.load_serving_inputs()  # validates the data whenever it changed
    try:
        result = serving_analysis.estimate(inputs, args.model, params, explicit=frozenset(values))
    except ValueError as err:  # a physical impossibility (weights that do not fit) is bad input too
        problems = getattr(err, "problems", None) or [str(err)]
        raise UsageError(problems) from None
    unread = sorted(set(scenario_values) - reads)
    if unread:
        result["notes"].append(f"not read by estimate (they set the claims ledger): {', '.join(unread)}")
    if args.format == "json":
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_estimate(result))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from analysis import data, serving_analysis

    path = serving_analysis.write_calibration(data.load())
    print(f"wrote {path.name}: the serving model's efficiencies fitted to data/measured_inference.csv")
    print(path.read_text(encoding="utf-8"), end="")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from analysis.build.project import write_parameters_cells

    if args.write_cells:
        for path in write_parameters_cells():
            print(f"rewrote the parameters cell of {path}")
        return 0
    from analysis.build.runs import resolve_notebook

    name = resolve_notebook(args.notebook) if args.notebook else None
    chosen = P.for_notebook(name) if name else P.PARAMETERS
    for p in chosen.values():
        print(f"{p.name} = {p.default!r}")
        print(f"    {p.description}")
        print(f"    allowed: {p.allowed()}; default from: {p.source}; used by: {', '.join(p.notebooks)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.build import runs

    name = runs.resolve_notebook(args.notebook)
    scenario = _scenario(args.scenario)
    if scenario and name not in (scenario["notebook"], P.FRONT_PAGE):
        raise UsageError([
            f"--scenario {args.scenario}: is for notebook {scenario['notebook']}, not {name}; "
            f"allowed: run {scenario['notebook']} (or the front page, {P.FRONT_PAGE}) with it"
        ])
    overrides = parse_overrides(args.param, name)
    values = {**(scenario["parameters"] if scenario else {}), **overrides}
    checked = P.validate(values, notebook=name)
    if args.out:
        out = Path(args.out)
        runs.check_out(out)  # bad input prints nothing but its error
    elif scenario:  # named after the scenario, plus anything changed on top of it
        out = runs.RUNS / runs.run_name(name, {"scenario": Path(args.scenario).stem, **overrides})
    else:
        out = None
    print(changed_parameters(checked))
    out = runs.run(name, values, out, scenario=args.scenario)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    if results["claims"]:
        print(format_table(results["claims"]))
    print(f"wrote {out}/: {name}.ipynb, {name}.html, results.json")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.build import runs, sweep
    from analysis.build.project import BUILD

    name = runs.resolve_notebook(args.notebook)
    axes = sweep.parse_axes(args.param, name)
    if not axes:
        raise UsageError(["sweep: no parameter to sweep; allowed: one or more -p NAME=VALUE1,VALUE2 or NAME=START:STOP:COUNT"])
    if not args.notebooks:
        from analysis.grid import NOTEBOOKS

        if name not in NOTEBOOKS:
            raise UsageError([f"sweep {name}: no in-process evaluation; allowed: {', '.join(NOTEBOOKS)}, or --notebooks"])
    out = Path(args.out) if args.out else BUILD / "sweeps" / f"{runs.run_name(name, {k: f'{len(v)}values' if len(v) > 4 else '+'.join(map(str, v)) for k, v in axes.items()})}.csv"
    if out.is_dir():
        raise UsageError([f"--out {out}: is a folder; allowed: the path of a CSV or .parquet file to write"])
    result = sweep.sweep(name, axes, out, jobs=args.jobs, notebooks=args.notebooks)
    for point, error in result.failures:
        print(f"failed point: {', '.join(f'{k}={v}' for k, v in point.items())}: {error}", file=sys.stderr)
    if result.failed > len(result.failures):
        print(f"... and {result.failed - len(result.failures)} more failed points (status=failed in {out})", file=sys.stderr)
    if result.interrupted:
        print(f"interrupted: kept {result.points} of {result.total} points in {out} ({result.failed} failed)", file=sys.stderr)
        return 130
    print(f"wrote {out} ({result.points} points, {result.failed} failed)")
    return 1 if result.points and result.failed == result.points else 0


def cmd_solve(args: argparse.Namespace) -> int:
    import analysis.ledger  # noqa: F401  (registers every chapter's claim checks)
    values = {**_scenario_values(args.scenario), **parse_overrides(args.param)}
    params = P.validate(values)
    if args.parameter not in P.PARAMETERS:
        raise UsageError([f"parameter {args.parameter}: unknown; known parameters: {', '.join(P.PARAMETERS)}"])
    from analysis import data, solve
    from analysis.claims import word

    try:
        low, high = solve.allowed_interval(args.parameter)
    except ValueError as err:
        raise UsageError([str(err)]) from None
    dataset = data.load()
    if args.claim not in dataset.claims.index:
        raise UsageError([f"claim {args.claim}: unknown; claims: {', '.join(dataset.claims.index)}"])
    try:
        flips = solve.claim_flips(dataset, args.claim, args.parameter, params)
    except ValueError as err:  # a setting the serving model refuses somewhere in the range
        raise UsageError(getattr(err, "problems", None) or [str(err)]) from None
    if args.format == "json":
        print(json.dumps({"claim": args.claim, "parameter": args.parameter, "flips": flips}, indent=2))
        return 0
    p = P.PARAMETERS[args.parameter]
    print(f"{args.claim} as {args.parameter} runs from {low:g} to {high:g} (its allowed range), "
          f"each change located to {solve.REL_TOLERANCE:g} of its value; {changed_parameters(params)}")
    if not flips:
        print(f"  no change: the verdict is {word(solve_verdict(dataset, args.claim, params))} everywhere in the range")
    for flip in flips:
        print(f"  at {args.parameter} = {flip['at']:.6g} {p.unit}".rstrip() + f": {word(flip['from'])} -> {word(flip['to'])}")
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    import analysis.ledger  # noqa: F401  (registers every chapter's claim checks)
    from analysis import data
    from analysis.build import sweep

    dataset = data.load()
    if args.claim not in dataset.claims.index:
        raise UsageError([f"claim {args.claim}: unknown; claims: {', '.join(dataset.claims.index)}"])
    chapter = dataset.claims.loc[args.claim, "chapter"]
    axes = sweep.parse_axes([args.x, args.y], chapter)
    if len(axes) != 2:
        raise UsageError([f"map: X and Y must be two different parameters of {chapter}; got {', '.join(axes)}"])
    params = P.validate({**_scenario_values(args.scenario), **parse_overrides(args.param)})
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet") or out.is_dir():
        raise UsageError([f"--out {out}: allowed: a file ending in .csv or .parquet (the chart is written beside it as .html and .svg)"])
    from analysis import charts, maps

    (x_name, x_values), (y_name, y_values) = axes.items()
    try:
        frame = maps.verdict_grid(dataset, args.claim, x_name, x_values, y_name, y_values, params)
    except ValueError as err:  # a setting the serving model refuses somewhere on the grid
        raise UsageError(getattr(err, "problems", None) or [str(err)]) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False) if out.suffix.lower() == ".parquet" else frame.to_csv(out, index=False)
    description = maps.describe(frame, args.claim, x_name, y_name)
    chart = charts.verdict_map(frame, x_name, y_name, maps.parameter_title(x_name), maps.parameter_title(y_name), description)
    chart.save(out.with_suffix(".html"), inline=True)
    chart.save(out.with_suffix(".svg"))
    print(description)
    print(f"wrote {out}, {out.with_suffix('.html')}, {out.with_suffix('.svg')} ({len(frame)} points)")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    import analysis.ledger  # noqa: F401  (registers every chapter's claim checks)
    samples = args.samples
    if samples < 2 or samples & (samples - 1):
        raise UsageError([f"--samples {samples}: not allowed; allowed: a power of two >= 2 (Saltelli's sampling), e.g. 1024"])
    params = P.validate({**_scenario_values(args.scenario), **parse_overrides(args.param)})
    from analysis import data
    from analysis import global_sensitivity as gs

    dataset = data.load()
    try:
        model = gs.claim_model(dataset, args.claim)
        rows = gs.sobol(dataset, params, model, samples=samples, seed=int(params["seed"]))
    except ValueError as err:
        raise UsageError(getattr(err, "problems", None) or [str(err)]) from None
    if args.format == "json":
        print(json.dumps({"claim": args.claim, "method": "sobol", "inputs": rows}, indent=2))
        return 0
    print(f"{args.claim}: Sobol indices of the request energy ({samples} base samples, seed {params['seed']}; ± 95 % bootstrap); {changed_parameters(params)}")
    width = max(len(r["name"]) for r in rows)
    print(f"{'input':<{width}}  first-order      total")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['first_order']:6.3f} ±{r['first_order_ci']:.3f}  {r['total']:6.3f} ±{r['total_ci']:.3f}")
    print(gs.interaction_sentence(rows) + ".")
    return 0


def solve_verdict(dataset, claim_id: str, params: dict) -> str:
    from analysis import claims

    return claims.evaluate(dataset, claim_id, params)["verdict"]


def _edition_values(args: argparse.Namespace) -> tuple[dict | None, dict[str, object]]:
    """The scenario (named after its file) and the parameter values an edition of the book is built with."""
    scenario = _scenario(args.scenario)
    if scenario:
        scenario["name"] = Path(args.scenario).stem
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", scenario["name"]):
            raise UsageError([f"--scenario {args.scenario}: the file name names the edition's folder; allowed: letters, digits, '_', '.' and '-', starting with a letter or digit"])
    values = {**(scenario["parameters"] if scenario else {}), **parse_overrides(args.param)}
    P.validate(values)  # fail before anything runs
    return scenario, values


def cmd_build(args: argparse.Namespace) -> int:
    from analysis.build import editions

    scenario, values = _edition_values(args)
    editions.build_edition(values, scenario, jobs=args.jobs, edition=args.edition)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from analysis.build import editions, handouts, publish
    from analysis.build.project import BuildError, show

    scenario, values = _edition_values(args)
    site, label = editions.edition_site(values, scenario, args.edition)
    refused = handouts.missing_from_site(publish.read_manifest(site))  # a published edition carries its handouts
    if refused:
        raise BuildError(f"{show(site)}: {refused}", one_line=True)
    target = publish.archive(site, publish.archive_path(label))
    print(f"wrote {show(target)}: unpack it and serve the 'site' folder from any static host")
    return 0


def cmd_handouts(args: argparse.Namespace) -> int:
    from analysis.build import handouts
    from analysis.build.browser import BrowserMissing
    from analysis.build.project import BuildError, show

    scenario, values = _edition_values(args)
    try:
        written = handouts.build(values, scenario)
    except BrowserMissing as err:
        raise BuildError(str(err), one_line=True) from None
    except handouts.HandoutsError as err:
        raise BuildError(str(err), one_line=err.one_line) from None
    for path in written:
        print(f"wrote {show(path)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m analysis", description=__doc__.splitlines()[0])
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

    e = sub.add_parser("estimate", help="one request's energy, carbon and water for a model of data/models.csv")
    e.add_argument("model", help="a model_id of data/models.csv, e.g. llama-3.1-8b")
    e.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter")
    e.add_argument("--scenario", metavar="FILE", help="a scenario YAML file under data/scenarios/")
    e.add_argument("--format", choices=("table", "json"), default="table")
    e.set_defaults(func=cmd_estimate)

    cal = sub.add_parser("calibrate", help="refit the serving model's efficiencies to the measurements (data/serving_calibration.csv)")
    cal.set_defaults(func=cmd_calibrate)

    r = sub.add_parser("run", help="re-run one notebook with new parameters")
    r.add_argument("notebook", help="notebook name, e.g. training_compute")
    r.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    r.add_argument("--scenario", metavar="FILE")
    r.add_argument("--out", metavar="DIR", help="folder for the results (default: _build/runs/<run name>)")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("sweep", help="evaluate one chapter over a grid of parameter values into one CSV or Parquet file")
    s.add_argument("notebook")
    s.add_argument("-p", "--param", action="append", default=[], metavar="NAME=V1,V2",
                   help="values to sweep: V1,V2 (';' between values of a list parameter), START:STOP:COUNT or log:START:STOP:COUNT")
    s.add_argument("--out", metavar="FILE", help="CSV, or .parquet, to write (default: _build/sweeps/<sweep name>.csv)")
    s.add_argument("--notebooks", action="store_true", help="execute the whole notebook per point (slow; the same columns)")
    s.add_argument("--jobs", type=_jobs, default=0, help="worker processes, each evaluating a chunk of points at a time (default: one per CPU)")
    s.set_defaults(func=cmd_sweep)

    so = sub.add_parser("solve", help="the values of one parameter at which a claim's verdict changes (break-even values)")
    so.add_argument("claim", help="a claim id of data/claims.csv, e.g. training.cost")
    so.add_argument("parameter", help="a number parameter, searched over its allowed range, e.g. price_usd_per_gpu_hour")
    so.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="hold another parameter at this value")
    so.add_argument("--scenario", metavar="FILE", help="a scenario YAML file under data/scenarios/")
    so.add_argument("--format", choices=("table", "json"), default="table")
    so.set_defaults(func=cmd_solve)

    m = sub.add_parser("map", help="where a claim holds, understates or overstates over two parameters: a grid and a chart")
    m.add_argument("claim", help="a claim id of data/claims.csv, e.g. training.cost")
    m.add_argument("x", metavar="X=VALUES", help="across: NAME=START:STOP:COUNT, log:START:STOP:COUNT or V1,V2,...")
    m.add_argument("y", metavar="Y=VALUES", help="down: the same forms (list parameters: V1;V2)")
    m.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="hold another parameter at this value")
    m.add_argument("--scenario", metavar="FILE", help="a scenario YAML file under data/scenarios/")
    m.add_argument("--out", required=True, metavar="FILE", help="the grid, .csv or .parquet; the chart goes beside it as .html and .svg")
    m.set_defaults(func=cmd_map)

    se = sub.add_parser("sensitivity", help="Sobol first-order and total indices of a request-energy claim (SALib)")
    se.add_argument("claim", help="a request-energy claim, e.g. inference.llm_request_energy.frontier")
    se.add_argument("--samples", type=int, default=1024, help="SALib's base sample N, a power of two (default 1024)")
    se.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter")
    se.add_argument("--scenario", metavar="FILE", help="a scenario YAML file under data/scenarios/")
    se.add_argument("--format", choices=("table", "json"), default="table")
    se.set_defaults(func=cmd_sensitivity)

    b = sub.add_parser("build", help="execute the notebooks with papermill and build the website")
    b.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    b.add_argument("--scenario", metavar="FILE")
    b.add_argument("--jobs", type=_jobs, default=0, help="notebooks executed at once (default: one per CPU)")
    b.add_argument("--edition", choices=("default", "student"), default="default",
                   help="'student' leaves out the exercises' solutions and builds into its own folder")
    b.set_defaults(func=cmd_build)
    h = sub.add_parser("handouts", help="print the classroom handouts (worksheets, answer keys, the claims ledger) to PDF")
    h.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter")
    h.add_argument("--scenario", metavar="FILE", help="a scenario YAML file under data/scenarios/")
    h.set_defaults(func=cmd_handouts)
    pub = sub.add_parser("publish", help="pack one built edition into _build/site[-EDITION].tar.gz for any static host")
    pub.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="the edition built with these values")
    pub.add_argument("--scenario", metavar="FILE", help="the edition built with this scenario")
    pub.add_argument("--edition", choices=("default", "student"), default="default", help="'student': the edition without solutions")
    pub.set_defaults(func=cmd_publish)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("error: interrupted; the previous outputs are unchanged", file=sys.stderr)
        return 130
    except Exception as err:
        from analysis.build.project import BuildError

        if isinstance(err, _bad_input_errors()):
            for line in err.problems:
                print(f"error: {line}", file=sys.stderr)
            return 2
        if not isinstance(err, BuildError):
            raise
        print(f"error: {err}", file=sys.stderr)
        if not err.one_line:
            print("error: nothing was overwritten; the previous build is unchanged", file=sys.stderr)
        return 1


def _bad_input_errors() -> tuple[type, ...]:
    """The errors that mean bad input (exit status 2).

    A DataError can only come from analysis.schema, which imports pandas; looking
    it up here, not importing it, keeps a mistyped parameter from costing the
    pandas import.
    """
    kinds: list[type] = [UsageError, P.ParameterError, RunError]
    schema = sys.modules.get("analysis.schema")
    if schema is not None:
        kinds.append(schema.DataError)
    return tuple(kinds)
