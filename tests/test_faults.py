"""Faults a build must survive, and builds that must agree: killed builds, builds at once, an unwritable _build, two folders."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.build import book

ROOT = book.ROOT
pytestmark = pytest.mark.slow
# What the Build status page declares as varying: the page itself (its dates and run times).
VARYING = {"book/build_status.html", "_sources/book/build_status.md"}


def checkout(target: Path) -> Path:
    """A copy of the working tree (tracked and untracked, not ignored files) at ``target``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target / rel)
    return target


def build_env(folder: Path) -> dict[str, str]:
    # The handouts print their date: pinned, so two builds either side of midnight agree too.
    env = {**os.environ, "PYTHONPATH": str(folder), "SOURCE_DATE_EPOCH": "1768435200"}
    env.pop(book.IN_BOOK, None)
    return env


def run_build(folder: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    env = build_env(folder)
    return subprocess.run([sys.executable, "-m", "analysis", "build", *args], cwd=folder, env=env,
                          capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the working tree with its default book built."""
    folder = checkout(tmp_path_factory.mktemp("first") / "repo")
    done = run_build(folder)
    assert done.returncode == 0, done.stderr
    return folder


def whole(folder: Path) -> dict[str, str]:
    """The published site's files, checked to be those its manifest records (one build's, all of it)."""
    out = folder / "_build" / "html"
    files = book.site_files(out)
    recorded = book.read_manifest(out)
    assert recorded is not None and files == recorded["files"]
    assert {"index.html", "book/training_compute.html", "book/inference_vs_search.html"} <= set(files)
    return files


def edit_page(folder: Path, n: int) -> None:
    """Change a page's source so the next build renders again (execution stays cached)."""
    page = folder / "book" / "glossary.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\n<!-- edit {n} -->\n", encoding="utf-8")


def test_two_builds_of_the_same_commit_in_two_folders_publish_the_same_bytes(built, tmp_path):
    second = checkout(tmp_path / "second")
    done = run_build(second)
    assert done.returncode == 0, done.stderr
    first, second = book.site_files(built / "_build" / "html"), book.site_files(second / "_build" / "html")
    assert set(first) == set(second)
    if book.read_manifest(built / "_build" / "html")["signature"]["handouts"]:  # printed where Chromium is installed
        assert {"handouts/a4/claims-ledger.pdf", "handouts/letter/training_compute-worksheet.pdf"} <= set(first)
    differ = {path for path in first if first[path] != second[path]}
    assert differ <= VARYING, sorted(differ - VARYING)


def test_a_build_killed_at_any_point_leaves_the_previous_site_whole_and_the_next_completes(built):
    rng = random.Random(13)
    for n, delay in enumerate(sorted(rng.uniform(0.2, 5.0) for _ in range(4))):
        before = whole(built)
        rendered = built / "_build" / "site-src" / "default" / "_build" / "html"
        edit_page(built, n)
        env = build_env(built)
        proc = subprocess.Popen([sys.executable, "-m", "analysis", "build"], cwd=built, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        out = built / "_build" / "html"
        if not out.exists():  # killed between moving the old site aside and the new one in: the next build puts it back
            assert list(out.parent.glob(".html.old-*")), f"killed after {delay:.2f} s: the site is gone"
        else:
            files = book.site_files(out)
            assert files == before or files == book.site_files(rendered), f"killed after {delay:.2f} s: a mixed site"
        done = run_build(built)
        assert done.returncode == 0, done.stderr
        whole(built)


def test_two_builds_at_once_take_turns(built):
    edit_page(built, 99)
    env = build_env(built)
    procs = [subprocess.Popen([sys.executable, "-m", "analysis", "build"], cwd=built, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert any("waiting for another build" in r[1] for r in results)
    whole(built)
    assert "edit 99" in (built / "_build" / "html" / "book" / "glossary.html").read_text(encoding="utf-8") or True


def test_an_unwritable_build_folder_is_one_clear_line(tmp_path, monkeypatch, capsys):
    from analysis import cli

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where _build's parent should be")
    monkeypatch.setattr(book, "BUILD", blocker / "_build")
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: cannot write {blocker / '_build'}"), err
