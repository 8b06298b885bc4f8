"""When must a notebook be executed again? A key over everything its results depend on.

The key of an executed notebook hashes: the notebook's source, the parameters it
runs with, the source of every ``analysis`` module it imports (followed through
the package's own imports, including imports inside functions), the data files
those modules read, and the pinned dependency versions. If any of these change,
the key changes and the notebook runs again; otherwise its executed copy is
reused. Jupyter Book's own cache keys on code cells only and would publish stale
numbers after a change in ``data/`` or ``analysis/``.

The executed copies live in ``_build/executed`` (:func:`executed_path`); a copy
is used only if it is whole (:func:`cached_copy`), and old copies are pruned
(:func:`prune_executed`).
"""

from __future__ import annotations

import ast
import hashlib
import json
import time
from functools import lru_cache
from pathlib import Path

from analysis.build.project import BUILD, NOTEBOOKS, ROOT

PACKAGE = ROOT / "analysis"
DATA = ROOT / "data"
# Modules that read data/ when called, and the files they read; a notebook using one depends on all of its files.
DATA_READERS = {
    "analysis.data": (".csv", ".bib"),
    "analysis.scenarios": (".yml", ".yaml"),  # chapters load scenarios (e.g. epoch-2025.yml) for their numbers
}


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {name for name in found if name == "analysis" or name.startswith("analysis.")}


def _module_path(name: str) -> Path | None:
    parts = name.split(".")[1:]
    candidate = PACKAGE.joinpath(*parts)
    if candidate.with_suffix(".py").exists():
        return candidate.with_suffix(".py")
    if (candidate / "__init__.py").exists():
        return candidate / "__init__.py"
    return None  # e.g. "analysis.params" imported as a name from the package


def notebook_code(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def modules_used(notebook: Path) -> list[Path]:
    """Every module file of ``analysis`` the notebook imports, directly or through the package."""
    pending = _imports(ast.parse(notebook_code(notebook)))
    seen: dict[str, Path] = {}
    while pending:
        name = pending.pop()
        path = _module_path(name)
        if path is None or name in seen:
            continue
        seen[name] = path
        pending |= _module_imports(_stamp(path))
        if path.name != "__init__.py":
            pending.add("analysis")  # importing a submodule runs the package's __init__
    return sorted(set(seen.values()))


def data_files(suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """Files under data/ with these endings (default: every kind a module in DATA_READERS reads)."""
    wanted = set(suffixes) if suffixes is not None else {s for kinds in DATA_READERS.values() for s in kinds}
    return sorted(p for p in DATA.rglob("*") if p.is_file() and p.suffix in wanted)


def _stamp(path: Path) -> tuple[str, int, int]:
    """A file's identity for the memos below: path, modification time and size (any edit changes it)."""
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


@lru_cache(maxsize=512)
def _module_imports(stamp: tuple[str, int, int]) -> frozenset[str]:
    return frozenset(_imports(ast.parse(Path(stamp[0]).read_text(encoding="utf-8"))))


@lru_cache(maxsize=2048)
def _digest(stamp: tuple[str, int, int]) -> str:
    return hashlib.sha256(Path(stamp[0]).read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file, remembered while the file is unchanged (a build keys several notebooks on the same files)."""
    return _digest(_stamp(path))


def dependencies(notebook: Path) -> list[Path]:
    modules = modules_used(notebook)
    suffixes = tuple(s for m, kinds in DATA_READERS.items() if _module_path(m) in modules for s in kinds)
    lock = ROOT / "requirements.lock"
    return [notebook, *modules, *(data_files(suffixes) if suffixes else []), *([lock] if lock.exists() else [])]


# How an executed copy is stored (see analysis.build.execution.finish_executed); a new format re-executes old copies.
FORMAT = 2  # 2: no absolute paths, no times


def key(notebook: Path, parameters: dict[str, object]) -> dict[str, object]:
    """The cache key and what went into it (paths relative to the repository)."""
    files = {str(p.relative_to(ROOT)): file_digest(p) for p in dependencies(notebook)}
    blob = json.dumps({"files": files, "parameters": parameters, "format": FORMAT}, sort_keys=True, default=str)
    return {"key": hashlib.sha256(blob.encode()).hexdigest(), "parameters": parameters, "files": files}


def data_hashes() -> dict[str, str]:
    """SHA-256 of every data file (tables, references, scenarios), for the record of a run."""
    return {str(p.relative_to(ROOT)): file_digest(p) for p in data_files()}


def executed_path(name: str, key: str) -> Path:
    """Where the executed copy of notebook ``name`` for cache key ``key`` lives."""
    return BUILD / "executed" / f"{name}.{key[:16]}.ipynb"


def cached_copy(name: str, key: str) -> Path | None:
    """The executed copy of ``name`` for ``key`` if it is whole, else None (and it will be executed again).

    Whole means: its record exists and names the SHA-256 the file has, so a
    copy that is empty, cut short, edited or left without its record (a build
    killed between the two writes) is never rendered.
    """
    executed = executed_path(name, key)
    try:
        meta = json.loads(executed.with_suffix(".json").read_text(encoding="utf-8"))
        whole = meta["sha256"] == hashlib.sha256(executed.read_bytes()).hexdigest()
    except (OSError, ValueError, KeyError, TypeError):
        whole = False
    return executed if whole else None


KEEP_EXECUTED = 20  # executed copies kept per notebook (the most recently used)
KEEP_SECONDS = 3600  # and never one used in the last hour, which another build may be reading


def prune_executed(keep: int = KEEP_EXECUTED, min_age_s: float = KEEP_SECONDS) -> list[Path]:
    """Delete all but the ``keep`` most recently used executed copies of each notebook; return what went.

    Copies used within ``min_age_s`` seconds stay whatever their rank. The cache
    only saves time, so dropping old entries never loses a result: a build that
    needs one again re-executes it.
    """
    removed = []
    folder = BUILD / "executed"
    now = time.time()
    for name in NOTEBOOKS:
        copies = sorted(folder.glob(f"{name}.*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in copies[keep:]:
            if now - old.stat().st_mtime < min_age_s:
                continue
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)
            removed.append(old)
    return removed
