"""Browser tests: Playwright driving Debian's Chromium against the live test server.

The tests skip, saying why, when Chromium or Playwright is missing; `.ci/run` installs both.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
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
def browser(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """One headless Chromium per test module.

    Not per session: while Playwright's sync API is alive its event loop counts as running in
    this thread, and Django would then refuse ORM calls in every later, unrelated test. For the
    same reason the test database is created before Chromium starts (``django_db_setup``):
    otherwise a run of these tests alone fails while creating it.
    """
    path = _chromium()
    if not path:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    # While Playwright is alive Django sees a running event loop in this thread; the database
    # flush that ends each transactional test runs after function-scoped patches are undone, so
    # the allowance has to last as long as the browser does.
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as pw:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open pages in separate browser contexts, one per person, like two people on two machines.

    ``new_page(javascript=False)`` gives a page with JavaScript turned off.
    """
    contexts: list[Any] = []

    def open_page(*, javascript: bool = True) -> Any:
        context = browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@functools.cache
def _site_guard() -> Any:
    from pitchless.guard import Guard
    from tests.network.fakes import keyword_guard

    model_dir = os.environ.get("PITCHLESS_GUARD_MODEL_DIR") or None
    return Guard(model_dir=model_dir) if model_dir else keyword_guard()


@pytest.fixture
def site_guard(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The guard the live server files messages with: the keyword stand-in by default.

    These tests check the pages, not the model, so they do not follow whichever model is bundled
    (the guard's own tests measure that); ``PITCHLESS_GUARD_MODEL_DIR`` names a model to run the
    pages against instead.
    """
    from django.core.cache import cache

    from pitchless.network import guard_adapter

    cache.clear()
    instance = _site_guard()
    # the live server runs in a thread of this process, so the patch reaches its requests
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: instance)
    return instance
