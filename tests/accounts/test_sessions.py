"""Sessions: a new key at login, nothing left after logout, and an end after idling or a working day."""

import datetime

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from pledges.accounts.sessions import seen_interval
from tests import factories, pages
from tests.conftest import PASSWORD

LOGIN = reverse("login")
LEDGER = reverse("pledges:donation_list")
MORNING = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def planted_session(client) -> str:
    """A session an attacker made and slipped into the victim's browser (session fixation)."""
    session = SessionStore()
    session["planted"] = True
    session.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def opens_the_ledger(client) -> bool:
    response = client.get(LEDGER)
    assert response.status_code in (200, 302)
    return response.status_code == 200


# Rotation on login


def test_it_gives_a_new_session_key_at_login(client, almere_staff):
    planted = planted_session(client)

    client.post(LOGIN, {"username": almere_staff.email, "password": PASSWORD})

    assert is_logged_in(client)
    assert client.session.session_key != planted
    assert not Session.objects.filter(session_key=planted).exists()
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert not opens_the_ledger(attacker)


def test_it_gives_a_new_session_key_at_each_step_of_a_two_step_login(client, finance):
    authenticator = factories.authenticator(finance)
    planted = planted_session(client)

    client.post(LOGIN, {"username": finance.email, "password": PASSWORD})
    between = client.session.session_key
    client.post(reverse("login_code"), {"code": pyotp.TOTP(authenticator.secret).now()})

    assert is_logged_in(client)
    assert len({planted, between, client.session.session_key}) == 3


# Logout


def test_it_makes_the_old_session_cookie_worthless_at_logout(client, almere_staff):
    client.force_login(almere_staff)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert opens_the_ledger(client)

    client.post(reverse("logout"))

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert not opens_the_ledger(replay)
    assert not Session.objects.filter(session_key=old_cookie).exists()


def test_it_puts_a_deactivated_user_out_on_the_next_request(client, coordinator):
    client.force_login(coordinator)
    assert opens_the_ledger(client)

    coordinator.is_active = False
    coordinator.save()

    assert not opens_the_ledger(client)
    assert client.get(LEDGER)["Location"].startswith(LOGIN)


# Idle and absolute timeouts


@pytest.fixture
def morning_login(client, almere_staff, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client.force_login(almere_staff)
    return time_machine


def at(time_machine, minutes: float) -> None:
    time_machine.move_to(MORNING + datetime.timedelta(minutes=minutes), tick=False)


def test_it_keeps_a_session_that_is_used(client, morning_login, settings):
    idle = settings.SESSION_IDLE_TIMEOUT
    for minutes in (idle - 1, 2 * idle - 2, 3 * idle - 3):
        at(morning_login, minutes)
        assert opens_the_ledger(client), minutes


def test_it_ends_a_session_left_idle(client, morning_login, settings):
    at(morning_login, 10)
    assert opens_the_ledger(client)

    at(morning_login, 10 + settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(LEDGER, follow=True)

    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert not is_logged_in(client)
    with translation.override("nl"):
        assert translation.gettext("Your session has ended. Please log in again.") in pages.messages(response)


def test_it_ends_a_session_after_the_absolute_limit_even_while_in_use(client, morning_login, settings):
    # Shorter than the cookie's age, so it is this limit that ends the session.
    settings.SESSION_ABSOLUTE_TIMEOUT = 2
    step = settings.SESSION_IDLE_TIMEOUT - 1
    limit = settings.SESSION_ABSOLUTE_TIMEOUT * 60
    minutes = 0
    while minutes + step < limit:
        minutes += step
        at(morning_login, minutes)
        assert opens_the_ledger(client), minutes

    at(morning_login, limit + 1)

    assert not opens_the_ledger(client)


def test_it_reads_the_timeouts_from_the_settings(client, morning_login, settings):
    settings.SESSION_IDLE_TIMEOUT = 5
    at(morning_login, 4)
    assert opens_the_ledger(client)

    at(morning_login, 10)

    assert not opens_the_ledger(client)


def test_it_restarts_the_idle_clock_at_every_request(client, morning_login, settings):
    """At the shortest timeout (1 minute), someone busy every 45 to 50 seconds stays logged in."""
    settings.SESSION_IDLE_TIMEOUT = 1
    seconds = 0
    for gap in (45, 50, 45, 50, 48, 50):
        seconds += gap
        at(morning_login, seconds / 60)
        assert opens_the_ledger(client), seconds

    at(morning_login, (seconds + 61) / 60)

    assert not opens_the_ledger(client)


def test_the_idle_clock_is_written_now_and_then_not_at_every_request(client, morning_login, settings):
    """A page view in a busy session writes no session row; one a tenth of the timeout later does."""
    interval = seen_interval()
    at(morning_login, 1)
    assert opens_the_ledger(client)

    at(morning_login, 1 + (interval - 1) / 60)
    with CaptureQueriesContext(connection) as soon:
        assert opens_the_ledger(client)
    at(morning_login, 1 + (interval + 1) / 60)
    with CaptureQueriesContext(connection) as later:
        assert opens_the_ledger(client)

    assert not [query for query in soon.captured_queries if query["sql"].startswith("UPDATE \"django_session\"")]
    assert [query for query in later.captured_queries if query["sql"].startswith("UPDATE \"django_session\"")]
