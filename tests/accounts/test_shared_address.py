"""Many people behind one address (a municipal office, or every user behind a proxy the app does
not trust): guessers there are slowed down, the real user with the right password and code is not
locked out."""

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.core import checks, mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pledges.accounts import throttle
from pledges.accounts.forms import EmailLoginForm
from pledges.models import Authenticator, LoginFailure
from tests import factories, pages
from tests.accounts.test_accounts import NEW_PASSWORD, choose_password, link_in
from tests.conftest import PASSWORD

LOGIN = reverse("login")
CODE = reverse("login_code")
OFFICE = "198.51.100.30"
PROXY = "10.0.0.2"


def log_in(client, email: str, password: str = PASSWORD, address: str = OFFICE, **headers):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address, **headers)


def throttled() -> str:
    with translation.override("nl"):
        return str(EmailLoginForm.error_messages["throttled"])


@pytest.fixture
def busy_office(settings) -> None:
    """Someone at the office has guessed across many accounts, up to the per-address limit."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    guesser = Client()
    for n in range(8):
        log_in(guesser, f"medewerker{n}@almere.nl", "wrong password")
    assert throttle.login_limit("nobody@almere.nl", OFFICE) == throttle.ADDRESS


def current_code(user) -> str:
    return pyotp.TOTP(Authenticator.objects.get(user=user).secret).now()


def test_it_lets_a_user_with_two_step_login_in_from_an_office_over_its_limit(client, coordinator, busy_office):
    factories.authenticator(coordinator)

    assert log_in(client, coordinator.email)["Location"] == CODE
    client.post(CODE, {"code": current_code(coordinator)}, REMOTE_ADDR=OFFICE)

    assert SESSION_KEY in client.session


def test_it_tells_a_guesser_over_the_address_limit_nothing_about_a_password(client, almere_staff, busy_office):
    """An account without two-step login gets in there only from a known browser: right and wrong look alike."""
    right, wrong = log_in(client, almere_staff.email), log_in(client, almere_staff.email, "wrong password")

    assert right.status_code == wrong.status_code == 429
    assert pages.alerts(right) == pages.alerts(wrong) == [throttled()]
    assert SESSION_KEY not in client.session


def test_it_lets_a_browser_that_logged_in_before_in_while_others_at_its_address_guess(client, almere_staff, settings):
    log_in(client, almere_staff.email)
    client.post(reverse("logout"))
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    guesser = Client()
    for n in range(8):
        log_in(guesser, f"medewerker{n}@almere.nl", "wrong password")
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        log_in(guesser, almere_staff.email, "wrong password")
    assert log_in(guesser, almere_staff.email).status_code == 429

    assert log_in(client, almere_staff.email).status_code == 302
    assert SESSION_KEY in client.session


def test_it_still_counts_the_failures_of_a_known_browser(client, almere_staff, settings):
    log_in(client, almere_staff.email)
    client.post(reverse("logout"))
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        log_in(client, almere_staff.email, "wrong password")

    assert log_in(client, almere_staff.email).status_code == 429


def test_it_does_not_accept_a_forged_known_browser_cookie(client, almere_staff, settings):
    guesser = Client()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        log_in(guesser, almere_staff.email, "wrong password")
    guesser.cookies[throttle.DEVICE_COOKIE] = '["anouk@almere.nl"]'

    assert log_in(guesser, almere_staff.email).status_code == 429


def test_a_password_reset_lets_the_real_user_in_again_on_a_new_browser(client, almere_staff, settings):
    """The way out the throttled message names: whoever has the mailbox is let in."""
    guesser = Client()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        log_in(guesser, almere_staff.email, "wrong password")
    assert log_in(client, almere_staff.email).status_code == 429

    client.post(reverse("password_reset"), {"email": almere_staff.email}, REMOTE_ADDR=OFFICE)
    choose_password(client, link_in(mail.outbox[0]))

    assert log_in(client, almere_staff.email, NEW_PASSWORD).status_code == 302
    assert log_in(guesser, almere_staff.email, NEW_PASSWORD).status_code == 429


def test_it_refuses_an_address_outright_past_its_ceiling(client, coordinator, settings):
    """Past ten times the per-address limit nothing is checked there any more (no table to fill, no hashing)."""
    factories.authenticator(coordinator)
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    guesser = Client()
    for n in range(2 * throttle.ADDRESS_CEILING):
        log_in(guesser, f"medewerker{n}@almere.nl", "wrong password")
    checked = []
    user_login_failed.connect(lambda **kwargs: checked.append(kwargs), weak=False, dispatch_uid="count-checks")
    try:
        response = log_in(client, coordinator.email)
    finally:
        user_login_failed.disconnect(dispatch_uid="count-checks")

    assert response.status_code == 429
    assert LoginFailure.objects.count() == 2 * throttle.ADDRESS_CEILING


# The proxy in front of the app


@pytest.mark.parametrize("forwarded", ["unknown", "198.51.100.20:52341", "<script>", "", " , "])
def test_it_ignores_a_forwarded_value_that_is_no_address(client, almere_staff, settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1

    response = log_in(client, almere_staff.email, "wrong password", PROXY, HTTP_X_FORWARDED_FOR=forwarded)

    assert response.status_code == 200
    assert list(LoginFailure.objects.values_list("address", flat=True)) == [PROXY]


@pytest.fixture
def fresh_notice(monkeypatch):
    """Each test sees its process's first X-Forwarded-For (the notice is written once an hour)."""
    monkeypatch.setattr(throttle, "_last_notice", None)


def warnings_now() -> list[str]:
    return [message.id for message in checks.run_checks(tags=[checks.Tags.security])]


def test_it_warns_when_requests_come_through_a_proxy_nobody_trusts(client, almere_staff, settings, fresh_notice):
    settings.TRUSTED_PROXY_COUNT = 0
    assert "pledges.W011" not in warnings_now()

    log_in(client, almere_staff.email, address=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")

    assert "pledges.W011" in warnings_now()
    settings.TRUSTED_PROXY_COUNT = 1
    assert "pledges.W011" not in warnings_now()


def test_it_does_not_warn_about_requests_without_forwarded_for(client, almere_staff, settings, fresh_notice):
    settings.TRUSTED_PROXY_COUNT = 0

    log_in(client, almere_staff.email)

    assert "pledges.W011" not in warnings_now()
