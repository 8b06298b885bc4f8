"""Every module compiles and imports on the oldest Python the project promises."""

import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "analysis").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))


def oldest_python() -> str:
    """``3.11`` from pyproject's ``requires-python = ">=3.11"``: the version the README promises."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'requires-python\s*=\s*">=(\d+\.\d+)"', text).group(1)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports(path):
    if path.name == "__main__.py":
        pytest.skip("running it is running the command line; it is compiled below")
    if path.parts[-2] == "benchmarks":
        spec = importlib.util.spec_from_file_location(f"benchmarks_{path.stem}", path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    else:
        importlib.import_module(_module_name(path))


def test_every_module_compiles_on_the_oldest_promised_python():
    version = oldest_python()
    if sys.version_info[:2] == tuple(map(int, version.split("."))):
        python = sys.executable
    else:
        python = shutil.which(f"python{version}")
        if python is None:
            pytest.skip(f"python{version} is not installed; the import test above ran on {sys.version.split()[0]}")
    code = "import sys\nfor p in sys.argv[1:]: compile(open(p, encoding='utf-8').read(), p, 'exec')"
    done = subprocess.run([python, "-c", code, *map(str, MODULES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
