"""The Chromium the project drives offline: the browser tests and the handouts' printing share it.

Debian's package (``apt-get install -y chromium``), driven by Playwright's Python package; nothing is
downloaded at build or test time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BrowserMissing(RuntimeError):
    """Chromium or Playwright is not installed."""


def require_chromium() -> None:
    """Raise :class:`BrowserMissing`, saying how to install it, when Chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists():
        raise BrowserMissing("Chromium not found: install it with 'apt-get install -y chromium' (Debian)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as err:
        raise BrowserMissing("the playwright package is missing: run 'make venv' (it installs requirements.lock)") from err
