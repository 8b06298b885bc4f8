"""Citation labels and links for tables: each source key becomes "Author Year", linked to the References page."""

from __future__ import annotations

import codecs
import html
from functools import lru_cache
from pathlib import Path

BIB = Path(__file__).resolve().parent.parent / "data" / "references.bib"
REFERENCES_PAGE = "references.html"  # the References page, beside the chapters in book/


@lru_cache(maxsize=4)
def labels(bib: Path = BIB) -> dict[str, str]:
    """Citation key -> "First author [et al.] Year", as the text cites them."""
    import latexcodec  # noqa: F401 - registers the "ulatex" codec that turns H\"olzle into Hölzle
    from pybtex.database import parse_file

    out = {}
    for key, entry in parse_file(str(bib)).entries.items():
        people = entry.persons.get("author", [])
        others = any(" ".join(p.last_names) == "others" for p in people)
        people = [p for p in people if " ".join(p.last_names) != "others"]
        names = [" ".join(p.prelast_names + p.last_names) or " ".join(p.first_names) for p in people]
        names = [codecs.decode(n, "ulatex").replace("{", "").replace("}", "") for n in names]
        many = len(names) > 2 or (others and names)
        who = names[0] + (" et al." if many else f" and {names[1]}" if len(names) == 2 else "") if names else key
        out[key] = f"{who} {entry.fields.get('year', '')}".strip()
    return out


def link(key: str) -> str:
    """An HTML link from a table cell to the source's entry on the References page."""
    label = labels().get(key)
    if label is None:
        raise KeyError(f"citation key {key!r} is not in data/references.bib")
    return f'<a href="{REFERENCES_PAGE}#cite-{html.escape(key, quote=True)}">{html.escape(label)}</a>'


def linkify(text: str) -> str:
    """Escape ``text`` as HTML and turn every citation key in it into a link to the References page."""
    import re

    known = labels()
    pattern = "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True))
    parts = re.split(rf"(?<![\w.-])({pattern})(?![\w-])", str(text))
    return "".join(link(p) if p in known else html.escape(p) for p in parts)


def links(keys) -> str:
    """Links to each distinct key, in order of first appearance, separated by semicolons."""
    return "; ".join(link(k) for k in dict.fromkeys(str(k) for k in keys))
