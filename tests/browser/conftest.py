"""One Chromium per session, a fresh context per test, against pytest-django's live server.

The browser is Debian's chromium (`playwright install` cannot download here). Without it the
browser tests skip, except on CI (CI=true), where a missing browser must fail the build.

The live server runs in a thread of this process, so it sees what a test writes only when
the test is transactional: pytest-django makes every test that uses `live_server` one. Such
a test ends by emptying the tables, so the function-scoped `reference_data` fixture of
tests/conftest.py writes the municipalities and the appeal back for each test (tests/database.py
makes both cheap). Under pytest-xdist each worker has its own browser, live server and database.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from pytest_django.live_server_helper import LiveServer

from pledges.models import User
from tests.browser.helpers import new_context

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, so `-m "not browser"` leaves them out."""
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Hash test passwords cheaply: each named user and each form login would cost ~0.5 s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Package scope: one browser for all browser tests, stopped before the rest of the suite runs,
# whose ORM calls would otherwise meet Playwright's running event loop.
@pytest.fixture(scope="package")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium'."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} CI=true, so browser tests may not be skipped.", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would
    # otherwise refuse ORM calls from test code as "async unsafe".
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, built while the SSL redirect is off.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread builds its
    handler, so the per-test override in tests/conftest.py comes too late for it.
    """
    address = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(address)
    yield server
    server.stop()


@pytest.fixture
def open_context(browser, live_server) -> Iterator:
    """Open browser contexts with options (no JavaScript, another locale); closed after the test."""
    contexts = []

    def open_context(**options):
        contexts.append(new_context(browser, live_server, **options))
        return contexts[-1]

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def context(open_context):
    return open_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def log_in_as(live_server):
    """Put a logged-in session for `user` into a browser context, skipping the login form.

    Journeys that are about logging in use the form; the rest start logged in.
    """

    def log_in(context, user: User) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )

    return log_in
