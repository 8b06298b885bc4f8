"""What the book is and where it lives: its notebooks, the repository and ``_build``, and the error every build step raises.

Every module of :mod:`analysis.build` takes these from here, so none has to
import another only for a path or a name.
"""

from __future__ import annotations

import json
from pathlib import Path

from analysis import params as P

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = ROOT / "_build"

# Notebook name -> source path, in reading order. "index" is the front page (the claims ledger).
NOTEBOOKS: dict[str, str] = {
    "index": "book/index.ipynb",
    "training_compute": "book/training_compute.ipynb",
    "inference_vs_search": "book/inference_vs_search.ipynb",
    "parameters": "book/parameters.ipynb",
}


class BuildError(RuntimeError):
    """A step of the build failed; the previous site is untouched.

    ``one_line``: the message says all there is (nothing was started, so there is nothing to reassure about).
    """

    def __init__(self, message: str, one_line: bool = False):
        super().__init__(message)
        self.one_line = one_line


def show(path: Path) -> Path:
    """``path`` as a reader of this repository writes it: relative to the repository when it lies inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def write_parameters_cells() -> list[str]:
    """Regenerate each notebook's ``parameters`` cell from analysis/params.py; return changed paths."""
    changed = []
    for name, rel in NOTEBOOKS.items():
        path = ROOT / rel
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                new = P.parameters_cell(name)
                if "".join(cell["source"]) != new:
                    cell["source"] = new
                    changed.append(rel)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed
