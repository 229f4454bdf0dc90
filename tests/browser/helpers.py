"""What the browser tests share: contexts, the app's words, logging in, reading euro amounts."""

from urllib.parse import urlsplit

import pyotp
from django.utils import translation

from pledges.core.money import parse_euro


def new_context(browser, live_server, **options):
    """A browser context on the live server, Dutch like our users unless told otherwise."""
    options = {"locale": "nl-NL", "timezone_id": "Europe/Amsterdam", **options}
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    return context


def t(text: str, language: str = "nl") -> str:
    """`text` as the app shows it in `language`, so tests follow the translations."""
    with translation.override(language):
        return translation.gettext(text)


def log_in_through_form(page, email: str, password: str, totp_secret: str = "") -> None:
    """Log in the way a person does: open the start page, get sent to the form, fill it in.

    With `totp_secret`, type the code an authenticator app with that secret shows now.
    """
    page.goto("/")
    page.get_by_label(t("e-mail address"), exact=False).fill(email)
    page.get_by_label(t("Password", "nl"), exact=False).fill(password)
    page.locator("main").get_by_role("button", name=t("Log in")).click()
    if totp_secret:
        page.get_by_label(t("Code"), exact=False).fill(pyotp.TOTP(totp_secret).now())
        page.locator("main").get_by_role("button", name=t("Log in")).click()
    wait_for_start_page(page)


def wait_for_start_page(page) -> None:
    """Login lands on the start page: what needs the person today."""
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def cents(text: str) -> int:
    """Integer cents from an amount as shown on a page ("€ 1.250,50" or "€1,250.50")."""
    return parse_euro(text)
