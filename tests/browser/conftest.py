"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium; never a downloaded
browser) against pytest-django's live server.

Without Chromium these tests are skipped on a developer machine and FAIL in CI (``CI`` set),
so a missing browser can never turn the suite green by accident.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media import _media_in_tmp  # noqa: F401

# A real Celery worker on the test database (fixtures of the extractions tests).
from tests.worker import live_worker, worker_factory, worker_queue  # noqa: F401

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told it is fine (the tests' own ORM calls are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# The README's screenshots are refreshed with PP_SCREENSHOTS=1; otherwise they are still taken
# (the code path stays tested) but into a temporary folder, so a test run leaves the tree clean.
SCREENSHOTS = (
    Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
    if os.environ.get("PP_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "pp-screenshots"
)
VIEWPORT = {"width": 1440, "height": 900}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + ": browser tests must run in CI", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        viewport=VIEWPORT, base_url=live_server.url, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    # Assertions wait as long as actions: the live server's first engine call (page counting
    # in a forked child) can take several seconds on a busy 2-core CI machine.
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.text else None
        ),
    )
    page.js_errors = errors
    try:
        yield page
    finally:
        context.close()


def csp_violations(page) -> list[str]:
    return [m for m in page.js_errors if "Content Security Policy" in m or "Refused to" in m]


def shoot(page, name: str, *, full_page: bool = False) -> None:
    """A screenshot for the README (docs/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    if not full_page:
        page.screenshot(path=path)
        return
    # A window as tall as the page (rather than Playwright's full_page stitching) so that the
    # sticky sidebar, sized to the window, spans the whole picture.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, 900), 4000)})
    try:
        page.screenshot(path=path)
    finally:
        page.set_viewport_size(VIEWPORT)
