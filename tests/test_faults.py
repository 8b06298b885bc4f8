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

from analysis.build import book, execution, project, publish

ROOT = project.ROOT
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
    env.pop(execution.IN_BOOK, None)
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
    files = publish.site_files(out)
    recorded = publish.read_manifest(out)
    assert recorded is not None and files == recorded["files"]
    assert {"index.html", "book/training_compute.html", "book/inference_vs_search.html"} <= set(files)
    return files


def edit_page(folder: Path, n: int) -> str:
    """Change a page's source so the next build renders again (execution stays cached); return the text added."""
    page = folder / "book" / "glossary.md"
    mark = f"Fault test edit {n}."
    page.write_text(page.read_text(encoding="utf-8") + f"\n{mark}\n", encoding="utf-8")
    return mark


def published(folder: Path, mark: str) -> bool:
    """Whether the published Glossary shows the text :func:`edit_page` added."""
    return mark in (folder / "_build" / "html" / "book" / "glossary.html").read_text(encoding="utf-8")


def test_two_builds_of_the_same_commit_in_two_folders_publish_the_same_bytes(built, tmp_path):
    second = checkout(tmp_path / "second")
    done = run_build(second)
    assert done.returncode == 0, done.stderr
    first, second = publish.site_files(built / "_build" / "html"), publish.site_files(second / "_build" / "html")
    assert set(first) == set(second)
    if publish.read_manifest(built / "_build" / "html")["signature"]["handouts"]:  # printed where Chromium is installed
        assert {"handouts/a4/claims-ledger.pdf", "handouts/letter/training_compute-worksheet.pdf"} <= set(first)
    differ = {path for path in first if first[path] != second[path]}
    assert differ <= VARYING, sorted(differ - VARYING)


def test_a_build_killed_at_any_point_leaves_the_previous_site_whole_and_the_next_completes(built):
    rng = random.Random(13)
    for n, delay in enumerate(sorted(rng.uniform(0.2, 5.0) for _ in range(4))):
        before = whole(built)
        rendered = built / "_build" / "site-src" / "default" / "_build" / "html"
        mark = edit_page(built, n)
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
            files = publish.site_files(out)
            assert files == before or files == publish.site_files(rendered), f"killed after {delay:.2f} s: a mixed site"
        done = run_build(built)
        assert done.returncode == 0, done.stderr
        whole(built)
        assert published(built, mark), f"killed after {delay:.2f} s, the next build did not publish the change"


# Run in the build's own process: SIGKILL it at one exact step of publishing. The steps are found by
# what they do to the files (the render copied out, a folder or the manifest renamed into place),
# not by the names of the functions that do them, so the test holds whatever the code is called.
KILL_AT = r"""
import os, shutil, signal, sys
from pathlib import Path

point, rendered = sys.argv[1], Path(sys.argv[2]).resolve()


def die():
    os.kill(os.getpid(), signal.SIGKILL)


copytree, replace = shutil.copytree, os.replace


def killing_copytree(src, dst, *args, **kwargs):
    if point != "copying" or Path(src).resolve() != rendered:
        return copytree(src, dst, *args, **kwargs)
    copied = []

    def copy(a, b, **kw):
        shutil.copy2(a, b, **kw)
        copied.append(b)
        if len(copied) == 20:  # the new site partly written
            die()

    return copytree(src, dst, *args, copy_function=copy, **kwargs)


def killing_replace(src, dst, *args, **kwargs):
    if point == "swapping" and Path(dst).name == "html" and Path(src).name != "html":
        die()  # the old site moved aside (or never there), the new one not yet in
    result = replace(src, dst, *args, **kwargs)
    if point == "recording" and Path(dst).name == "html":
        die()  # the new site in place, its manifest not yet written
    return result


shutil.copytree, os.replace = killing_copytree, killing_replace
from analysis import cli

sys.exit(cli.main(["build"]))
"""


@pytest.mark.parametrize("point", ["copying", "swapping", "recording"])
def test_a_build_killed_while_publishing_leaves_a_whole_site_and_the_next_publishes_the_change(built, point):
    before = whole(built)
    out = built / "_build" / "html"
    rendered = built / "_build" / "site-src" / "default" / "_build" / "html"
    mark = edit_page(built, f"{point}")
    env = {**os.environ, "PYTHONPATH": str(built)}
    env.pop(execution.IN_BOOK, None)
    killed = subprocess.run([sys.executable, "-c", KILL_AT, point, str(rendered)], cwd=built, env=env,
                            capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, f"the build was not killed {point}: {killed.stderr[-2000:]}"
    if point == "copying":
        assert publish.site_files(out) == before, "killed while copying the new site: the previous one must be untouched"
    elif point == "swapping":
        assert not out.exists() and list(out.parent.glob(".html.old-*")), "killed mid-swap: the previous site waits beside"
    else:
        assert publish.site_files(out) == publish.site_files(rendered) != before, "killed after the swap: the new site is whole"
    done = run_build(built)
    assert done.returncode == 0, done.stderr
    whole(built)
    assert published(built, mark), f"killed {point}, the next build said: {done.stdout.strip().splitlines()[-1:]}"
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith((".html.old-", ".html.new-"))]


def test_two_builds_at_once_take_turns(built):
    mark = edit_page(built, 99)
    env = build_env(built)
    procs = [subprocess.Popen([sys.executable, "-m", "analysis", "build"], cwd=built, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert any("waiting for another build" in r[1] for r in results)
    whole(built)
    assert published(built, mark)


def test_an_unwritable_build_folder_is_one_clear_line(tmp_path, monkeypatch, capsys):
    from analysis import cli

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where _build's parent should be")
    monkeypatch.setattr(book, "BUILD", blocker / "_build")  # where build_lock looks for it
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: cannot write {blocker / '_build'}"), err
