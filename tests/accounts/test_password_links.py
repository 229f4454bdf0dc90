"""Password links: limited per address and per account, the same work for known and unknown
addresses, valid 1 hour for a reset and 7 days for an invitation."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from pledges.accounts.forms import PasswordLinkForm
from pledges.models import Role, User
from tests import pages
from tests.accounts.test_accounts import NEW_PASSWORD, choose_password, link_in, log_in
from tests.tasks import queued, run_tasks

RESET = reverse("password_reset")
OFFICE = "198.51.100.30"
ELSEWHERE = "192.0.2.44"
MORNING = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _morning(time_machine):
    time_machine.move_to(MORNING, tick=False)


def ask_link(client, email: str, address: str = OFFICE):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def throttled_message() -> str:
    with translation.override("nl"):
        return str(PasswordLinkForm.error_messages["throttled"])


@pytest.fixture
def invited(almere) -> User:
    return User.objects.create_user("nieuw@almere.nl", None, role=Role.MUNICIPAL_STAFF, municipality=almere)


def opens_password_form(client, link: str) -> bool:
    return "new_password1" in client.get(link, follow=True).text


# How long a link lasts


def test_it_keeps_a_reset_link_valid_for_an_hour_and_says_so(client, almere_staff, time_machine):
    ask_link(client, almere_staff.email)
    link = link_in(mail.outbox[0])
    assert "(1 uur geldig)" in mail.outbox[0].body

    time_machine.shift(datetime.timedelta(minutes=59))
    assert opens_password_form(client, link)
    time_machine.shift(datetime.timedelta(minutes=2))
    client.cookies.clear()

    assert not opens_password_form(client, link)


def test_it_keeps_an_invitation_valid_for_seven_days(client, administrator, invited, time_machine):
    admin = client
    admin.force_login(administrator)
    admin.post(reverse("admin:pledges_user_changelist"), {"action": "invite", "_selected_action": [invited.pk]})
    admin.post(reverse("logout"))
    link = link_in(mail.outbox[0])

    time_machine.shift(datetime.timedelta(days=6, hours=23))
    assert opens_password_form(client, link)
    client.cookies.clear()
    time_machine.shift(datetime.timedelta(hours=2))

    assert not opens_password_form(client, link)


def test_it_gives_someone_who_never_chose_a_password_a_seven_day_link_on_request(client, invited, time_machine):
    ask_link(client, invited.email)
    assert "(7 dagen geldig)" in mail.outbox[0].body

    time_machine.shift(datetime.timedelta(days=6))

    assert choose_password(client, link_in(mail.outbox[0])).status_code == 302
    assert log_in(client, invited.email, NEW_PASSWORD).status_code == 302


def test_it_does_not_take_an_old_reset_link_for_an_invitation(client, almere_staff, time_machine):
    """The two kinds differ by their salt: a reset link cannot be stretched to 7 days."""
    ask_link(client, almere_staff.email)
    time_machine.shift(datetime.timedelta(hours=2))

    assert not opens_password_form(client, link_in(mail.outbox[0]))


# Known and unknown addresses alike


def test_it_does_the_same_work_for_known_and_unknown_addresses(client, almere_staff, paused_worker):
    """The request only counts and queues; the account is looked up by the worker."""
    with CaptureQueriesContext(connection) as known_queries:
        known = ask_link(client, "anouk@almere.nl")
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = ask_link(client, "niemand@almere.nl")

    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(known_queries) == len(unknown_queries)
    assert not any("pledges_user" in query["sql"] for query in known_queries.captured_queries)
    assert [task for task, *_ in queued()] == ["send_password_link", "send_password_link"]
    run_tasks()
    assert [message.to for message in mail.outbox] == [["anouk@almere.nl"]]


# Limits


def test_it_limits_the_links_for_one_account(client, almere_staff, settings):
    for _ in range(settings.PASSWORD_LINKS_PER_ACCOUNT):
        assert ask_link(client, "anouk@almere.nl").status_code == 302

    refused = ask_link(client, "Anouk@Almere.nl", address=ELSEWHERE)

    assert refused.status_code == 429
    assert pages.alerts(refused) == [throttled_message()]
    assert len(mail.outbox) == settings.PASSWORD_LINKS_PER_ACCOUNT


def test_it_limits_an_unknown_address_exactly_as_a_known_one(client, almere_staff, settings):
    """Counting only real accounts would tell which addresses have one."""
    for _ in range(settings.PASSWORD_LINKS_PER_ACCOUNT):
        ask_link(client, "niemand@almere.nl")

    assert ask_link(client, "niemand@almere.nl", address=ELSEWHERE).status_code == 429


def test_it_limits_the_links_asked_from_one_address(client, almere_staff, settings):
    settings.PASSWORD_LINKS_PER_ADDRESS = 4
    for n in range(4):
        ask_link(client, f"medewerker{n}@almere.nl")

    refused = ask_link(client, "anouk@almere.nl")
    admitted = ask_link(client, "anouk@almere.nl", address=ELSEWHERE)

    assert refused.status_code == 429
    assert admitted.status_code == 302
    assert [message.to for message in mail.outbox] == [["anouk@almere.nl"]]


def test_it_allows_links_again_after_the_window(client, almere_staff, settings, time_machine):
    for _ in range(settings.PASSWORD_LINKS_PER_ACCOUNT):
        ask_link(client, "anouk@almere.nl")

    time_machine.shift(datetime.timedelta(seconds=settings.PASSWORD_LINK_WINDOW_SECONDS + 1))

    assert ask_link(client, "anouk@almere.nl").status_code == 302
