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
