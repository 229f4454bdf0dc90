"""Take the README screenshots from the demo data.

Run from the project root:  .venv/bin/python docs/screenshots/take.py

Builds a throw-away SQLite database (/tmp/screens.sqlite3) with the reference and demo data,
serves it with runserver on a free port, and drives Debian's chromium through Playwright: the login,
two-step set-up, the start page of the coordinator, finance and staff, the ledger at 1280 and 360 px,
the dashboard, a shipment before departure, a new pledge's payment instructions, and the recipient's page
and an item passport on a 360 px phone.
Long pages are cut to their top; every PNG is saved with a 256-colour palette to stay small.
"""

import datetime
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
from PIL import Image
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DATABASE = Path("/tmp/screens.sqlite3")
DEMO_FOLDER = Path("/tmp/screens-demo")  # the demo files: the receipt link the city received
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "demo-vngfonds"
DESKTOP = {"width": 1280, "height": 800}
ENV = {**os.environ, "DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{DATABASE}"}


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def log_in(page, email: str) -> None:
    """Log in; fund staff set up two-step login on the way, as at their first login."""
    page.goto("/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/koppelen/"):
        secret = page.locator("#secret").inner_text().replace(" ", "")
        if email.startswith("coordinator@"):
            page.screenshot(path=OUT / "two-step.png", full_page=True)
        page.locator("main input[name=code]").fill(pyotp.TOTP(secret).now())
        page.locator("main button[type=submit]").click()
        page.locator("main a.button").click()
    page.wait_for_url(lambda url: urllib.parse.urlsplit(url).path == "/")  # the start page


PHONE = {"width": 360, "height": 740}


def take(browser, base_url: str, recipient_path: str) -> None:
    page = browser.new_context(base_url=base_url, locale="nl-NL", viewport=DESKTOP).new_page()
    page.goto("/login/")
    page.screenshot(path=OUT / "login.png")

    log_in(page, "coordinator@demo.vngfonds.nl")
    page.screenshot(path=OUT / "start-coordinator.png")
    page.goto("/donaties/")
    filters = page.locator("main").get_by_role("search")
    filters.locator("#id_province").select_option("Flevoland")
    filters.locator("#id_status").select_option("pledged")
    filters.locator("button[type=submit]").click()
    expect(page.locator("table.ledger tbody tr").first).to_be_visible()
    page.screenshot(path=OUT / "ledger.png")
    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=OUT / "ledger-phone.png")
    page.set_viewport_size(DESKTOP)
    # A planned shipment: its recipient, rate, what is missing before departure and its papers.
    page.goto("/transporten/")
    page.locator("main tbody tr", has_text="gepland").first.locator("a").first.click()
    expect(page.get_by_role("heading", name="Transportpapieren")).to_be_visible()
    top(page, "shipment.png", 1500)
    # A delivered one: its units, each with the link its QR label carries.
    page.goto("/transporten/")
    page.locator("main tbody tr", has_text="afgeleverd").first.locator("a").first.click()
    passport_path = page.locator("main a[href*='/paspoort/']").first.get_attribute("href")
    page.goto("/overzicht/oproepen/1/")
    expect(page.locator("main svg").first).to_be_visible()
    top(page, "dashboard.png", 1400)
    page.context.clear_cookies()

    log_in(page, "finance@demo.vngfonds.nl")
    page.screenshot(path=OUT / "start-finance.png")
    page.context.clear_cookies()

    log_in(page, "almere@demo.vngfonds.nl")
    page.screenshot(path=OUT / "start-staff.png")
    page.goto("/donaties/nieuw/")
    page.fill("#id_amount", "1.250,50")
    page.fill("#id_iban", "NL91 ABNA 0417 1643 00")
    page.fill("#id_decision_reference", "Raadsbesluit 2026/118")
    page.fill("#id_expected_date", (datetime.date.today() + datetime.timedelta(days=30)).isoformat())
    page.locator("main button[type=submit]").click()
    expect(page.locator("[data-field=description]")).to_be_visible()
    top(page, "pledge.png", 1120)  # the message and the payment instructions

    # The city's contact opens the receipt link on a phone, in Ukrainian.
    phone = browser.new_context(base_url=base_url, locale="uk-UA", viewport=PHONE).new_page()
    phone.goto(recipient_path)
    expect(phone.locator("html")).to_have_attribute("lang", "uk")
    top(phone, "recipient-phone.png", 1300)  # the common case and the first item
    # Whoever holds a unit scans its label: the item passport, in Ukrainian.
    phone.goto(passport_path)
    expect(phone.locator("html")).to_have_attribute("lang", "uk")
    top(phone, "passport-phone.png", 1500)


def top(page, name: str, height: int) -> None:
    """The top of a long page: what it shows first, without a picture as long as the page."""
    width = page.viewport_size["width"]
    page.screenshot(path=OUT / name, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})


def shrink(path: Path) -> None:
    """A palette of 256 colours: screens of text and flat colour lose nothing a reader sees."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def main() -> None:
    for leftover in DATABASE.parent.glob(DATABASE.name + "*"):
        leftover.unlink()
    manage("migrate", "--no-input")
    manage("load_reference_data")
    manage("load_demo_data", "--folder", str(DEMO_FOLDER))
    recipient_link = (DEMO_FOLDER / "ontvangstlink.txt").read_text().split()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(base_url + "/login/")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            take(browser, base_url, urllib.parse.urlsplit(recipient_link).path)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    for path in OUT.glob("*.png"):
        shrink(path)
    print(f"Screenshots in {OUT.relative_to(ROOT)}: " + ", ".join(sorted(path.name for path in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
