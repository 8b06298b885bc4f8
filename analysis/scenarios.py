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
BOOK = Path(__file__).resolve().parent.parent / "book"


def notebooks() -> list[str]:
    """The book's notebooks by name (read from book/, not analysis.build.book, so the chapters that load
    scenarios do not depend on the build code in the cache key)."""
    return sorted(p.stem for p in BOOK.glob("*.ipynb"))


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


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} given more than once", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line for a YAML error: what is wrong and where (PyYAML's own message spans several lines)."""
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{' '.join(str(problem).split())}"


def load_scenario(path: Path | str) -> dict:
    """Read and check one scenario; return its title, description, notebook and parameter overrides.

    ``parameters`` holds only the overrides (typed), ready to merge with other
    overrides and pass to :func:`analysis.params.validate`.
    """
    path = Path(path)
    try:
        content = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found; allowed: a scenario YAML file such as data/scenarios/epoch-2025.yml"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{path}: is a folder; allowed: a scenario YAML file such as data/scenarios/epoch-2025.yml"]) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not UTF-8 text; allowed: a scenario YAML file"]) from None
    except OSError as err:
        raise ScenarioError([f"{path}: cannot be read ({err.strerror})"]) from None
    except yaml.YAMLError as err:
        raise ScenarioError([f"{path}: not valid YAML ({_yaml_problem(err)}); allowed: a mapping with keys {', '.join(KEYS)}"]) from None
    if not isinstance(content, dict):
        raise ScenarioError([f"{path}: not a mapping; allowed: a mapping with keys {', '.join(KEYS)}"])
    problems = [f"{path}: unknown key {key!r}; allowed keys: {', '.join(KEYS)}" for key in content if key not in KEYS]
    problems += [f"{path}: missing key {key!r}; required keys: {', '.join(KEYS)}" for key in KEYS if key not in content]
    for key in ("title", "description", "notebook"):
        if key in content and not (isinstance(content[key], str) and content[key].strip()):
            problems.append(f"{path}: key {key!r} must be non-empty text")
    overrides = content.get("parameters")
    if "parameters" in content and not isinstance(overrides, dict):
        problems.append(f"{path}: key 'parameters' must be a mapping of parameter names to values")
    notebook = content.get("notebook")
    if isinstance(notebook, str) and notebook.strip():
        if notebook not in notebooks():
            problems.append(f"{path}: notebook {notebook!r} does not exist; known notebooks: {', '.join(notebooks())}")
        elif not P.for_notebook(notebook):
            takes = ", ".join(n for n in notebooks() if P.for_notebook(n))
            problems.append(f"{path}: notebook {notebook!r} takes no parameters; notebooks with parameters: {takes}")
    if problems:
        raise ScenarioError(problems)
    typed = _typed(notebook, overrides)
    try:
        checked = P.validate(typed, notebook)
    except P.ParameterError as err:
        raise ScenarioError([f"{path}: {problem}" for problem in err.problems]) from None
    typed = {name: checked[name] for name in typed}  # as validated: 500.0 tokens runs as 500
    return {"title": content["title"], "description": content["description"], "notebook": notebook, "parameters": typed}
