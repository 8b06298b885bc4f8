"""Papermill plug-in for the book's notebooks: the save-once engine, and parameters that must be declared.

Installed as a ``papermill.engine`` entry point (pyproject.toml), so papermill
loads it whoever calls it: ``papermill`` on the command line, papermill's
Python API, or this project's ``run`` and ``build``. Loading it registers a
parameter translator for Python kernels whose injected cell first checks each
injected name against the notebook's ``parameters`` cell: papermill itself
only warns about an unknown name ("Passed unknown parameter") and runs the
notebook with the typo ignored.
"""

from __future__ import annotations

import sys

ENGINE = "analysis-save-once"


def _engine_class() -> type:
    """The engine class, made from the ``papermill.engines`` module loaded so far."""
    engines = sys.modules["papermill.engines"]

    class SaveOnceEngine(engines.NBClientEngine):
        """papermill's nbclient engine, writing the output notebook once, when execution ends (however it ends).

        The stock engine writes the whole notebook, charts included, before and
        after every cell while the kernel waits: about half a second per notebook.
        A failed or interrupted run still leaves the partly executed notebook.
        """

        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            from papermill.iorw import write_ipynb

            # papermill 2.7.0's Engine.execute_notebook, except that the manager gets no output
            # path (so no write per cell) and the notebook is written once, in ``finally``.
            nb_man = engines.NotebookExecutionManager(nb, output_path=None, progress_bar=progress_bar,
                                              log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
                if output_path:
                    write_ipynb(nb_man.nb, output_path)
            return nb_man.nb

    return SaveOnceEngine


def __getattr__(name: str):
    # papermill loads every engine's entry point at the end of loading papermill.engines. When
    # this module is imported first, that happens while this module is half loaded (it imports
    # papermill below): papermill then asks for the class before the line that defines it has run.
    if name == "SaveOnceEngine":
        globals()["SaveOnceEngine"] = _engine_class()
        return globals()["SaveOnceEngine"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from papermill.translators import PythonTranslator, papermill_translators  # noqa: E402  (loads papermill.engines)

SaveOnceEngine = globals().get("SaveOnceEngine") or _engine_class()  # the class papermill registered, if it did


class DeclaredParametersTranslator(PythonTranslator):
    """Python's translator, with a first line that refuses a name the notebook does not declare.

    The check runs in the kernel, after the ``parameters`` cell, so it sees
    exactly the names that cell declared (see
    :func:`analysis.params.refuse_undeclared`); a notebook that does not use
    ``analysis.params`` is left alone.
    """

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        content = super().codify(parameters, comment)
        check = (
            "try:\n"
            "    from analysis.params import refuse_undeclared as _refuse_undeclared\n"
            "except ImportError:\n"
            "    pass\n"
            "else:\n"
            f"    _refuse_undeclared(globals(), {list(parameters)!r})\n"
        )
        head, _, assignments = content.partition("\n")
        return f"{head}\n{check}{assignments}"


for _kernel in ("python", "python3"):
    papermill_translators.register(_kernel, DeclaredParametersTranslator)
