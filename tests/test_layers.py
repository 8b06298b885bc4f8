"""The package's layers: the science never imports the machinery, and no module imports back up (no import circle).

Imports are read from the source with ``ast``, at any depth (a function's own
``from analysis import x`` counts), so a circle cannot hide inside a function.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analysis"
# The machinery that executes and publishes the notebooks (analysis/build/) and the command line;
# everything else in analysis/ is the science.
COMMANDS = {"cli", "__main__"}


def is_machinery(name: str) -> bool:
    return name == "build" or name.startswith("build.") or name in COMMANDS


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts) or "__init__"  # analysis/build/__init__.py is "build"


def _runtime_nodes(tree: ast.AST):
    """Every node, except those under ``if TYPE_CHECKING:`` (imports for annotations, never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def imports(path: Path) -> set[str]:
    """The analysis modules ``path`` imports, by name relative to the package."""
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.removeprefix("analysis.") for a in node.names if a.name.startswith("analysis.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "analysis":
            base = node.module.removeprefix("analysis").lstrip(".")
            folder = PACKAGE.joinpath(*base.split(".")) if base else PACKAGE
            for a in node.names:
                if (folder / f"{a.name}.py").exists() or (folder / a.name).is_dir():
                    found.add(f"{base}.{a.name}" if base else a.name)  # a module imported by name
                elif base:
                    found.add(base)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_science_never_imports_the_machinery():
    wrong = {name: sorted(d for d in deps if is_machinery(d)) for name, deps in graph().items()
             if not is_machinery(name) and any(is_machinery(d) for d in deps)}
    assert wrong == {}
    assert {name for name in graph() if not is_machinery(name)} >= {"data", "claims", "ledger", "training_analysis"}
    assert {name for name in graph() if is_machinery(name)} >= {"build.book", "build.cache", "build.execution", "build.stage", "build.render",
                                                               "build.publish", "build.editions", "build.runs", "build.sweep"}


def test_no_import_circles():
    edges = graph()
    circles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == "open":
                circles.append(trail[trail.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, trail + [dep])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert circles == []
