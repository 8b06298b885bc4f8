"""Named sets of parameter values, stored as YAML in ``data/scenarios/``.

A scenario file has exactly four keys: ``title``, ``description``, ``notebook``
(the page whose parameters it sets) and ``parameters`` (name: value overrides).
Anything else is an error naming the file and the key, and the values are
checked by :func:`analysis.params.validate` for that notebook, so a misspelt or
out-of-range value stops the run before anything is computed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from analysis import params as P

KEYS = ("title", "description", "notebook", "parameters")


class ScenarioError(P.ParameterError):
    """A scenario file is unreadable or malformed; one line per problem.

    A kind of ParameterError, so the command line reports it the same way.
    """


def _typed(notebook: str, values: dict) -> dict:
    # YAML 1.1 reads 100e9 (no dot, no sign) as text; parse such text as the command line does.
    known = P.for_notebook(notebook)
    return {
        name: P.parse_text(known[name], value) if name in known and isinstance(value, str) and known[name].type in (float, int) else value
        for name, value in values.items()
    }


def load_scenario(path: Path | str) -> dict:
    """Read and check one scenario; return its title, description, notebook and parameter overrides.

    ``parameters`` holds only the overrides (typed), ready to merge with other
    overrides and pass to :func:`analysis.params.validate`.
    """
    path = Path(path)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except yaml.YAMLError as err:
        raise ScenarioError([f"{path}: not readable YAML ({err})"]) from None
    if not isinstance(content, dict):
        raise ScenarioError([f"{path}: expected a mapping with keys {', '.join(KEYS)}"])
    problems = [f"{path}: unknown key {key!r}; allowed keys: {', '.join(KEYS)}" for key in content if key not in KEYS]
    problems += [f"{path}: missing key {key!r}" for key in KEYS if key not in content]
    for key in ("title", "description", "notebook"):
        if key in content and not (isinstance(content[key], str) and content[key].strip()):
            problems.append(f"{path}: key {key!r} must be non-empty text")
    overrides = content.get("parameters")
    if "parameters" in content and not isinstance(overrides, dict):
        problems.append(f"{path}: key 'parameters' must be a mapping of parameter names to values")
    notebook = content.get("notebook")
    if isinstance(notebook, str) and notebook.strip() and not P.for_notebook(notebook):
        problems.append(f"{path}: notebook {notebook!r} declares no parameters in analysis/params.py")
    if problems:
        raise ScenarioError(problems)
    typed = _typed(notebook, overrides)
    try:
        P.validate(typed, notebook)
    except P.ParameterError as err:
        raise P.ParameterError([f"{path}: {problem}" for problem in err.problems]) from None
    return {"title": content["title"], "description": content["description"], "notebook": notebook, "parameters": typed}
