"""A coordinator's first login: password, set up the authenticator app, recovery codes; later, a lost phone."""

import re

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import t, wait_for_start_page
from tests.conftest import PASSWORD


def assert_accessible(page) -> None:
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("critical", "serious")] == [], page.url


def test_a_coordinator_sets_up_two_step_login_and_later_uses_a_recovery_code(page, coordinator):
    page.goto("/")
    page.get_by_label(t("e-mail address"), exact=False).fill(coordinator.email)
    page.get_by_label(t("Password"), exact=False).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=t("Log in")).click()

    expect(page).to_have_url(re.compile(r"/login/koppelen/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Set up two-step login"))
    qr_code = page.get_by_role("img", name=t("QR code to scan with your authenticator app"))
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0"), "the QR code did not render"
    assert_accessible(page)
    # What a person does with the key shown as text: type it into an app, read the code.
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label(t("Code from the app")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=t("Confirm")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your recovery codes"))
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page)
    page.get_by_role("link", name=t("I have saved them, continue")).click()
    wait_for_start_page(page)
    page.reload()
    expect(page.get_by_role("navigation", name=t("Main menu"))).to_be_visible()

    page.get_by_role("button", name=t("Log out")).click()
    page.get_by_label(t("e-mail address"), exact=False).fill(coordinator.email)
    page.get_by_label(t("Password"), exact=False).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=t("Log in")).click()
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    assert_accessible(page)
    page.get_by_label(t("Code"), exact=False).fill(codes[0])
    page.locator("main").get_by_role("button", name=t("Log in")).click()

    wait_for_start_page(page)
    page.get_by_role("link", name=t("Two-step login")).click()
    expect(page.locator("main")).to_contain_text("9")
    assert_accessible(page)
