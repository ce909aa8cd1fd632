"""A real browser on the real server: headless Chromium driven by Playwright.

The browser is the machine's Chromium (Debian's ``chromium``; ``ANNOLEDGER_CHROMIUM`` names
another). Without one the browser tests skip with the reason, except in CI
(``CI=true``), where ``.ci/run`` installs it and a missing browser fails the run.

Every page opened here records console errors, uncaught exceptions and any request that
would leave the machine; :meth:`Watched.check` fails the test on any of them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

LOCAL = ("http://127.0.0.1", "blob:", "data:", "about:")
WIDTHS = (1400, 800)


def chromium_path() -> str | None:
    named = os.environ.get("ANNOLEDGER_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = ("no Chromium on this machine (install Debian's 'chromium' or set "
                  "ANNOLEDGER_CHROMIUM): the browser tests need one")
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@dataclass
class Watched:
    """A page and what went wrong on it."""

    page: Any
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect_error(self, fragment: str) -> None:
        """A console error the flow provokes on purpose (a refused request's status)."""
        self.expected.append(fragment)

    def check(self) -> None:
        unexpected = [e for e in self.errors if not any(x in e for x in self.expected)]
        assert not unexpected, f"console errors: {unexpected}"
        assert not self.outside, f"requests leaving the machine: {self.outside}"

    def page_width(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth"))


@contextmanager
def browser(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@contextmanager
def watched_page(b: Any, width: int) -> Iterator[Watched]:
    context = b.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    watched = Watched(page)
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(LOCAL)
            else watched.outside.append(r.url))
    try:
        yield watched
    finally:
        context.close()


def screenshots_dir(tmp_path: Path) -> Path:
    """``ANNOLEDGER_SCREENSHOTS`` when set (to look at them), else the test's own folder."""
    folder = Path(os.environ.get("ANNOLEDGER_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
