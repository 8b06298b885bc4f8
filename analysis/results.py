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
    return values
