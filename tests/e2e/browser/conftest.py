"""The site in headless Chromium, against the stack the e2e tier starts (``stack``).

Debian's ``chromium`` (``make browser`` installs it) driven by Playwright through
pytest-playwright's fixtures: Playwright's own browser download does not work here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.helpers import CHROMIUM, DESKTOP, LAUNCH_ARGS, PHONE
from tests.e2e.conftest import RunningStack

expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def base_url(stack: RunningStack) -> str:
    return stack.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {**browser_context_args, **DESKTOP, "base_url": base_url}


def _watched(page: Page) -> list[str]:
    """Uncaught errors of the page's scripts: a test fails on any."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(15_000)
    return errors


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    """A phone: 390 × 844, mobile, touch."""
    context = browser.new_context(**PHONE, base_url=base_url)
    page = context.new_page()
    errors = _watched(page)
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    errors = _watched(page)
    yield page
    assert errors == []
