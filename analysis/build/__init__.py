"""The machinery that executes and publishes the notebooks; the science (``analysis``) never imports it.

``book`` is the build, step by step: ``execution`` runs the notebooks (papermill),
``cache`` keys and verifies the executed copies, ``stage`` writes the Sphinx
source folder, ``render`` runs Sphinx as ``jupyter-book build`` does, and
``publish`` swaps the finished site in whole, with its manifest, and packs it;
``project`` names the notebooks and the folders; ``editions`` builds the
default, student, scenario and classroom editions; ``runs`` and
``run_page`` re-run one notebook and render its page; ``sweep`` runs a grid of
values; ``codebook`` describes every output column; ``sphinx_ext`` and
``papermill_ext`` are the plug-ins the two tools load; ``vendor`` refreshes the
vendored chart libraries.
"""

import sys

# jsonschema, which nbformat imports (and so papermill, nbclient, myst-nb and Jupyter Book), imports
# rfc3987-syntax whenever it is installed (JupyterLab's server brings it), only to check the "iri" and
# "iri-reference" formats of JSON Schema draft 7 and later; importing it compiles 38 Lark grammars,
# 0.6 to 2 s of CPU that every build, run and sweep paid before its first kernel started. Nothing the
# machinery runs checks those formats (nbformat validates notebooks against its draft-4 schema without
# a format checker; Vega-Lite's schema has no "iri" format, and charts are validated in the kernels,
# which never import this package), so the machinery's processes go without it. A module imported
# before this package (as under a plain "jupyter-book build") is left as it is.
sys.modules.setdefault("rfc3987_syntax", None)
