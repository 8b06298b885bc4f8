"""The package's layers: the science never imports the machinery, and no module imports back up (no import circle).

Imports are read from the source with ``ast``, at any depth (a function's own
``from analysis import x`` counts), so a circle cannot hide inside a function.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analysis"
# The machinery that executes and publishes the notebooks; everything else in analysis/ is the science.
MACHINERY = {"book", "cache", "runs", "run_page", "sweep", "sphinx_ext", "papermill_ext", "vendor", "cli", "__main__", "codebook"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts) or "__init__"


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
            if node.module == "analysis":
                found |= {a.name for a in node.names if (PACKAGE / f"{a.name}.py").exists() or (PACKAGE / a.name).is_dir()}
            else:
                found.add(node.module.removeprefix("analysis."))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_science_never_imports_the_machinery():
    wrong = {name: sorted(deps & MACHINERY) for name, deps in graph().items()
             if name.split(".")[0] not in MACHINERY and name.split(".")[0] != "build" and deps & MACHINERY}
    assert wrong == {}


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
