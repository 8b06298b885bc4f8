"""The machinery that executes and publishes the notebooks; the science (``analysis``) never imports it.

``book`` executes (papermill), stages, renders (Sphinx) and publishes the site and
its editions; ``cache`` keys and verifies executed notebooks; ``runs`` and
``run_page`` re-run one notebook and render its page; ``sweep`` runs a grid of
values; ``codebook`` describes every output column; ``sphinx_ext`` and
``papermill_ext`` are the plug-ins the two tools load; ``vendor`` refreshes the
vendored chart libraries.
"""
