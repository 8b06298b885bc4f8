import shutil
from pathlib import Path

import pytest

from analysis import data, params

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def dataset():
    return data.load()


@pytest.fixture(scope="session")
def defaults():
    return params.validate({})


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of data/ for tests that break it on purpose."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target
