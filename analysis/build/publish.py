"""Publish a rendered site: in one step, with a manifest of its files, and as an archive for a static host.

:func:`site` copies a finished render to its place (``_build/html``, or an
edition's folder) so that readers see the old site or the new one, never half
of either; :func:`recover` undoes what a build killed in that step left.
:func:`write_manifest` records every published file with its hash, and
:func:`site_files` says what is there, so a build can tell a whole site from a
damaged one. :func:`archive` packs a site into one ``.tar.gz``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

from analysis.build.project import BUILD, BuildError, show


def replace_dir(new: Path, old: Path) -> None:
    """Put ``new`` where ``old`` is, keeping ``old`` until ``new`` is in place."""
    trash = old.with_name(f".{old.name}.old-{uuid.uuid4().hex}")
    if old.exists():
        os.replace(old, trash)
    os.replace(new, old)
    shutil.rmtree(trash, ignore_errors=True)


def site(html: Path, out: Path) -> None:
    """Copy a finished site to ``out`` in one step: readers never see half of it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.with_name(f".{out.name}.new-{uuid.uuid4().hex}")
    try:
        shutil.copytree(html, fresh)
        replace_dir(fresh, out)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)  # only left when copying stopped part-way


def recover(out: Path) -> None:
    """Undo what a build killed while publishing left: put the previous site back, drop half-made copies.

    :func:`replace_dir` moves the old site aside before moving the new one in;
    a build killed between the two leaves the old one beside ``out``.
    """
    if not out.exists():
        aside = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if aside:
            os.replace(aside[-1], out)
    for leftover in [*out.parent.glob(f".{out.name}.old-*"), *out.parent.glob(f".{out.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def site_files(folder: Path) -> dict[str, str]:
    """Every file of a site, by path relative to it, with its SHA-256: what the site is, not what a record says."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def manifest_path(out: Path) -> Path:
    """The manifest of the site published to ``out``: beside it, so it is never published itself."""
    return out.with_name(f".{out.name}.manifest.json")


def read_manifest(out: Path) -> dict | None:
    """The manifest written when ``out`` was last published, or None if there is none (or it is unreadable)."""
    try:
        recorded = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) and {"signature", "files"} <= set(recorded) else None


def write_manifest(out: Path, signature: dict, files: dict[str, str]) -> None:
    """Record what was published to ``out``: the inputs (``signature``) and every file with its hash."""
    path = manifest_path(out)
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")
    partial.write_text(json.dumps({"signature": signature, "files": files}, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def archive_path(label: str) -> Path:
    """``_build/site.tar.gz`` for the default edition, ``_build/site-<label>.tar.gz`` for any other."""
    return BUILD / ("site.tar.gz" if label == "default" else f"site-{label}.tar.gz")


def archive(site: Path | None = None, target: Path | None = None) -> Path:
    """Pack a built site into one ``.tar.gz`` that any static host can serve as it is.

    ``.nojekyll`` tells GitHub Pages to serve folders whose names start with an
    underscore (``_static``), which Jekyll would otherwise drop.
    """
    import tarfile

    site = site or BUILD / "html"
    target = target or BUILD / "site.tar.gz"
    if not (site / "index.html").exists():
        raise BuildError(f"{show(site)} holds no built site: run 'make book' first")
    partial = target.with_name(f".{target.name}.partial")
    with tarfile.open(partial, "w:gz") as tar:
        tar.add(site, arcname="site")
        if not (site / ".nojekyll").exists():  # added to the archive, not the site: the site stays as its manifest says
            tar.addfile(tarfile.TarInfo("site/.nojekyll"))
    os.replace(partial, target)
    return target
