"""Rebuild book/_static/vega-bundle.js from the npm registry (``make vendor``; needs npm).

The bundle holds vega, vega-lite and vega-embed at the versions the installed
Altair expects, and presets ``VEGA_DEBUG`` so Altair's chart template uses them
instead of fetching the libraries from a CDN. Run it after upgrading Altair.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

import altair as alt

BUNDLE = Path(__file__).resolve().parent.parent.parent / "book" / "_static" / "vega-bundle.js"
PACKAGES = (("vega", alt.VEGA_VERSION, "build/vega.min.js"), ("vega-lite", alt.VEGALITE_VERSION, "build/vega-lite.min.js"), ("vega-embed", alt.VEGAEMBED_VERSION, "build/vega-embed.min.js"))


def main() -> None:
    parts, versions = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec, member in PACKAGES:
            tarball = subprocess.run(["npm", "pack", f"{name}@{spec}", "--silent"], cwd=tmp, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            version = re.search(r"-(\d[^-]*)\.tgz$", tarball).group(1)
            versions.append(f"{name} {version}")
            with tarfile.open(Path(tmp) / tarball) as tar:
                source = tar.extractfile(f"package/{member}").read().decode("utf-8")
            parts.append(re.sub(r"//# sourceMappingURL=\S*", "", source))
    header = (
        f"/* Vendored so charts render offline: {', '.join(versions)} (BSD-3-Clause, from the npm registry).\n"
        "   VEGA_DEBUG tells Altair's chart template that these versions are already loaded. Rebuild with 'make vendor'. */\n"
        f'window.VEGA_DEBUG = {{"vega_version": "{alt.VEGA_VERSION}", "vegalite_version": "{alt.VEGALITE_VERSION}", "vegaembed_version": "{alt.VEGAEMBED_VERSION}"}};\n'
    )
    BUNDLE.write_text(header + "\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote {BUNDLE} ({', '.join(versions)})")


if __name__ == "__main__":
    main()
