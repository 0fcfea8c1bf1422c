"""Browser tests: Playwright driving Debian's Chromium against the live test server.

The tests skip, saying why, when Chromium or Playwright is missing; `.ci/run` installs both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _chromium() -> str | None:
    return os.environ.get("PITCHLESS_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module.

    Not per session: while Playwright's sync API is alive its event loop counts as running in
    this thread, and Django would then refuse ORM calls in every later, unrelated test.
    """
    path = _chromium()
    if not path:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def _allow_sync_orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM
    # calls from a thread with a running loop. Only for these tests, and undone after each.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page with JavaScript enabled."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page_without_js(browser: Any) -> Iterator[Any]:
    """A fresh browser page with JavaScript turned off, as a no-JS visitor sees the site."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
