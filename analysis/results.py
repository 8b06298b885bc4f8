"""Read what an executed notebook glued: the numbers behind its prose."""

from __future__ import annotations

import ast
import json
from pathlib import Path


def glued_values(notebook: Path | str | dict) -> dict[str, object]:
    """Name -> value of every ``myst_nb.glue`` in an executed notebook.

    Numbers and strings come back as Python values; rich outputs (charts,
    Markdown) as their plain-text form.
    """
    nb = notebook if isinstance(notebook, dict) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    values: dict[str, object] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            prefix = meta.get("mime_prefix", "")
            data = {key.removeprefix(prefix): value for key, value in output.get("data", {}).items()}
            text = data.get("text/markdown") or data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            try:
                values[meta["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                # float('nan') and float('inf') print as bare words, which literal_eval refuses
                values[meta["name"]] = float(text) if text.strip() in ("nan", "inf", "-inf") else text
    return _declared_types(values)


def _declared_types(values: dict[str, object]) -> dict[str, object]:
    """A glued parameter as its declaration types it: ``output_tokens`` 500, not 500.0."""
    from analysis.params import PARAMETERS

    typed = dict(values)
    for name, value in values.items():
        p = PARAMETERS.get(name)
        if p is not None and p.type is int and isinstance(value, float) and value.is_integer():
            typed[name] = int(value)
    return typed
