"""Execute the book's notebooks with papermill, or reuse an earlier execution of the same inputs.

:func:`execute` runs one notebook and makes the executed copy fit to publish
(:func:`finish_executed`); :func:`cached_execute` first asks the execution
cache (:mod:`analysis.build.cache`); :func:`execute_all` runs every notebook of
the book in parallel, longest first, as measured at the last build
(:func:`expected_seconds`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from analysis.build import cache
from analysis.build.project import BUILD, NOTEBOOKS, ROOT, BuildError

IN_BOOK = "ANALYSIS_IN_BOOK"  # analysis.charts.IN_BOOK: set for the kernels that execute the book's notebooks

# What papermill and the kernel record that says when or where a notebook ran, not what it computed.
VOLATILE_METADATA = ("start_time", "end_time", "duration")


def finish_executed(path: Path, source: str) -> None:
    """Make an executed notebook fit to publish: papermill's injected cell hidden, nothing of the machine that ran it.

    papermill records the absolute input and output paths (the builder's
    checkout and cache folders) and the times of each cell; the published
    notebook (a download on every page) keeps the repository path of its
    source, and no times, so the same inputs give the same bytes anywhere.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    record = nb.get("metadata", {}).get("papermill", {})
    if record:
        record["input_path"], record["output_path"] = source, None
        for key in VOLATILE_METADATA:
            record.pop(key, None)
    for i, cell in enumerate(nb["cells"]):
        if "outputs" in cell:
            cell["outputs"] = merged_streams(cell["outputs"])
        for j, output in enumerate(cell.get("outputs", [])):
            for mime, text in output.get("data", {}).items():
                if "html" in mime:
                    output["data"][mime] = _pinned_table_ids(text, f"{source}:{i}:{j}")
                elif mime.endswith("text/plain"):  # "<pandas...Styler at 0x7f...>": a memory address
                    output["data"][mime] = _no_addresses(text)
        meta = cell.get("metadata", {})
        meta.pop("execution", None)  # the kernel's timestamps
        for key in VOLATILE_METADATA:
            meta.get("papermill", {}).pop(key, None)
        tags = meta.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def merged_streams(outputs: list[dict]) -> list[dict]:
    """``outputs`` with each run of consecutive stdout (or stderr) messages joined into one, its text as lines.

    How a kernel splits printed text into messages depends on when it flushes, which varies from run
    to run ("...32.70x\\n" in one message, or "...32.70x" and "\\n" in two); the text is the same.
    """
    def text(output: dict) -> str:
        return "".join(output["text"]) if isinstance(output["text"], list) else output["text"]

    merged: list[dict] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if output.get("output_type") != "stream":
            merged.append(output)
        elif previous is not None and previous.get("output_type") == "stream" and previous.get("name") == output.get("name"):
            previous["text"] = (text(previous) + text(output)).splitlines(keepends=True)
        else:
            merged.append({**output, "text": text(output).splitlines(keepends=True)})
    return merged


_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def _no_addresses(text: str | list[str]) -> str | list[str]:
    """An object's text form without the memory address Python prints in it (different on every run)."""
    return [_ADDRESS.sub(">", t) for t in text] if isinstance(text, list) else _ADDRESS.sub(">", text)


_TABLE_ID = re.compile(r"(?<=T_)[0-9a-f]{5}(?![0-9a-f])")


def _pinned_table_ids(text: str | list[str], where: str) -> str | list[str]:
    """A styled table's HTML with pandas' random element ids (``T_8753d``) replaced by ids from where it is.

    pandas' Styler names each table with a random ``uuid``; the same table in
    the same place now gets the same id in every build.
    """
    whole = "".join(text) if isinstance(text, list) else text
    found = list(dict.fromkeys(_TABLE_ID.findall(whole)))
    if not found:
        return text
    pinned = {old: hashlib.sha256(f"{where}:{k}".encode()).hexdigest()[:5] for k, old in enumerate(found)}
    whole = _TABLE_ID.sub(lambda m: pinned[m.group(0)], whole)
    return whole.splitlines(keepends=True) if isinstance(text, list) else whole


def execute(name: str, parameters: dict[str, object], output: Path) -> float:
    """Run one notebook with papermill into ``output``; return seconds taken.

    The executed notebook is written beside ``output`` first and moved into
    place only if every cell ran, so ``output`` is either the old or the new
    good result, even when the run is interrupted (Ctrl-C): the partial file
    is always removed.
    """
    import papermill as pm

    from analysis.build.papermill_ext import ENGINE  # registers the engine and the parameter check

    source = ROOT / NOTEBOOKS[name]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.{uuid.uuid4().hex}.partial.ipynb")
    start = time.perf_counter()
    sockets = tempfile.TemporaryDirectory(prefix="kernel-")
    os.environ[IN_BOOK] = "1"  # inherited by the kernel: the book's pages bring Vega, so charts do not (analysis.charts)
    try:
        pm.execute_notebook(
            str(source), str(partial), parameters=parameters, cwd=str(source.parent),
            kernel_name="python3", progress_bar=False, log_output=False, engine_name=ENGINE,
            config=kernel_config(Path(sockets.name)),
            # Every output is in hand when the last cell ends; a graceful shutdown then waits
            # for the kernel to exit (0.1 s, at times 3 s) for nothing the notebook needs.
            shutdown_kernel="immediate",
        )
        finish_executed(partial, NOTEBOOKS[name])
        os.replace(partial, output)
    except Exception as err:
        failed = BUILD / "failed" / source.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        if partial.exists():
            os.replace(partial, failed)
        raise BuildError(f"{NOTEBOOKS[name]}: execution failed ({type(err).__name__}); the partly executed notebook is in {failed.relative_to(ROOT)}\n{err}") from None
    finally:
        partial.unlink(missing_ok=True)
        sockets.cleanup()
        os.environ.pop(IN_BOOK, None)
    return time.perf_counter() - start


def kernel_config(folder: Path):
    """Kernels talk to this process over Unix sockets in ``folder``, not TCP.

    Only this user can reach them (TCP ports are open to every local user, and
    the kernel warns so on every start), and no two kernels started at once
    can pick the same port.
    """
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}})


def cached_execute(name: str, parameters: dict[str, object]) -> tuple[Path, bool]:
    """Path of the executed notebook for these inputs, and whether it was reused."""
    record = cache.key(ROOT / NOTEBOOKS[name], parameters)
    executed = cache.executed_path(name, record["key"])
    if cache.cached_copy(name, record["key"]) is not None:
        executed.touch()  # most recently used: kept by cache.prune_executed
        return executed, True
    seconds = execute(name, parameters, executed)
    from datetime import datetime, timezone

    meta = {**record, "notebook": NOTEBOOKS[name], "seconds": round(seconds, 2),
            "executed": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "sha256": hashlib.sha256(executed.read_bytes()).hexdigest()}
    partial = executed.with_name(f".{executed.stem}.{uuid.uuid4().hex}.partial.json")
    partial.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(partial, executed.with_suffix(".json"))
    return executed, False


def execute_all(per_notebook: dict[str, dict], workers: int) -> dict[str, Path]:
    """Execute (or reuse) every notebook in parallel, longest first; raise one BuildError for all failures."""
    executed: dict[str, Path] = {}
    errors = []
    # Longest first (as measured at the last build that ran each): on few cores the slowest
    # notebook must not start last and run alone. Never run here: reading order.
    order = sorted(NOTEBOOKS, key=expected_seconds, reverse=True)
    measured = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        submitted = {name: pool.submit(cached_execute, name, per_notebook[name]) for name in order}
        for name in NOTEBOOKS:  # reported in reading order
            try:
                executed[name], reused = submitted[name].result()
                print(f"{'up to date' if reused else 'executed'}: {NOTEBOOKS[name]}")
                if not reused:
                    measured[name] = json.loads(executed[name].with_suffix(".json").read_text(encoding="utf-8"))["seconds"]
            except BuildError as err:
                errors.append(str(err))
    if measured:
        record_durations(measured)
    if errors:
        raise BuildError("\n".join(errors))
    return executed


DURATIONS = BUILD / "durations.json"  # seconds each notebook took when it last ran, written by every build that ran one


def expected_seconds(name: str) -> float:
    """How long ``name`` took when it last ran (``_build/durations.json``); 0 if it never ran here."""
    try:
        return float(json.loads(DURATIONS.read_text(encoding="utf-8"))[name])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def record_durations(seconds: dict[str, float]) -> None:
    """Add this build's measured execution times to ``_build/durations.json`` (written whole)."""
    try:
        known = json.loads(DURATIONS.read_text(encoding="utf-8"))
        known = known if isinstance(known, dict) else {}
    except (OSError, ValueError):
        known = {}
    known.update({name: round(s, 2) for name, s in seconds.items()})
    partial = DURATIONS.with_name(f".{DURATIONS.name}.{uuid.uuid4().hex}.partial")
    partial.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, DURATIONS)
