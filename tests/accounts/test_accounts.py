"""Logging in and out, throttled guessing without lock-outs, password reset and invitations."""

import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.urls import reverse
from django.utils import translation

from pledges.accounts.forms import EmailLoginForm
from pledges.models import LoginFailure, Role, User
from tests import pages
from tests.conftest import PASSWORD

LOGIN = reverse("login")
LEDGER = reverse("pledges:donation_list")
GUESSER = "203.0.113.7"
REAL_USER = "198.51.100.20"
NEW_PASSWORD = "zonnepaneel kabelhaspel 42"


def log_in(client, email: str, password: str = PASSWORD, address: str = REAL_USER, **headers):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address, **headers)


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def message(key: str) -> str:
    with translation.override("nl"):
        return str(EmailLoginForm.error_messages[key])


def guess(client, email: str, times: int, address: str = GUESSER, **headers) -> None:
    for _ in range(times):
        response = log_in(client, email, "wrong password", address, **headers)
        assert response.status_code in (200, 429)
        assert SESSION_KEY not in client.session


@pytest.fixture
def per_account(settings) -> int:
    return settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS


# Logging in and out


def test_it_logs_in_with_email_and_password(client, almere_staff):
    response = log_in(client, "anouk@almere.nl")

    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:home")
    assert is_logged_in(client)
    assert client.get(LEDGER).status_code == 200


def test_it_refuses_a_wrong_password_and_says_so(client, almere_staff):
    response = log_in(client, "anouk@almere.nl", "wrong password")

    assert response.status_code == 200
    assert pages.alerts(response) == [message("invalid_login")]
    assert not is_logged_in(client)


def test_it_refuses_an_unknown_address_with_the_same_message(client, almere_staff):
    response = log_in(client, "niemand@almere.nl")

    assert pages.alerts(response) == [message("invalid_login")]


def test_it_logs_in_whatever_the_case_of_the_email_address(client, almere_staff):
    log_in(client, "Anouk@Almere.nl")

    assert is_logged_in(client)


def test_it_logs_in_when_the_email_has_stray_spaces(client, almere_staff):
    log_in(client, "  anouk@almere.nl ")

    assert is_logged_in(client)


def test_it_refuses_an_inactive_user(client, almere_staff):
    almere_staff.is_active = False
    almere_staff.save()

    log_in(client, "anouk@almere.nl")

    assert not is_logged_in(client)


def test_it_returns_to_the_page_asked_for_after_login(client, almere_staff):
    asked = client.get(LEDGER)
    next_url = asked["Location"]

    response = client.post(next_url, {"username": "anouk@almere.nl", "password": PASSWORD})

    assert response["Location"] == LEDGER


def test_it_never_sends_a_user_to_another_site_after_login(client, almere_staff):
    response = client.post(
        f"{LOGIN}?next=https://phishing.example/", {"username": "anouk@almere.nl", "password": PASSWORD}
    )

    assert response["Location"] == reverse("pledges:home")


def test_it_logs_out_only_by_post(client, almere_staff):
    client.force_login(almere_staff)

    assert client.get(reverse("logout")).status_code == 405
    assert is_logged_in(client)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert not is_logged_in(client)
    assert client.get(LEDGER)["Location"].startswith(LOGIN)


def test_it_lets_a_logged_in_user_change_the_password(client, almere_staff):
    client.force_login(almere_staff)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("password_change_done")
    almere_staff.refresh_from_db()
    assert almere_staff.check_password(NEW_PASSWORD)


# Throttling


def test_it_does_not_even_check_the_password_while_an_address_is_throttled(client, almere_staff, per_account):
    guess(client, "anouk@almere.nl", per_account)
    checked = []
    user_login_failed.connect(lambda **kwargs: checked.append(kwargs), weak=False, dispatch_uid="count-checks")
    try:
        response = log_in(client, "anouk@almere.nl", "another guess", GUESSER)
    finally:
        user_login_failed.disconnect(dispatch_uid="count-checks")

    assert response.status_code == 429
    assert checked == []


def test_it_refuses_a_guessing_address_even_the_right_password(client, almere_staff, per_account):
    guess(client, "anouk@almere.nl", per_account)

    response = log_in(client, "anouk@almere.nl", address=GUESSER)

    assert response.status_code == 429
    assert pages.alerts(response) == [message("throttled")]
    assert not is_logged_in(client)


def test_it_lets_the_real_user_in_from_their_own_address_while_someone_guesses(client, almere_staff, per_account):
    guess(client, "anouk@almere.nl", per_account * 3)

    log_in(client, "anouk@almere.nl", address=REAL_USER)

    assert is_logged_in(client)


def test_it_counts_failures_whatever_the_case_of_the_guessed_address(client, almere_staff, per_account):
    for attempt in range(per_account):
        log_in(client, "anouk@almere.nl".upper() if attempt % 2 else " Anouk@almere.NL", "wrong", GUESSER)

    assert log_in(client, "anouk@almere.nl", address=GUESSER).status_code == 429


# "Anouk@Almere.nl" in full-width letters, as a phone keyboard or a pasted address may give it.
FULL_WIDTH = "\uff21\uff4e\uff4f\uff55\uff4b@\uff21\uff4c\uff4d\uff45\uff52\uff45.\uff4e\uff4c"


def test_it_counts_the_full_width_spelling_of_an_address_as_the_same_account(client, almere_staff, per_account):
    for attempt in range(per_account):
        log_in(client, FULL_WIDTH if attempt % 2 else "Anouk@Almere.nl", "wrong", GUESSER)

    assert log_in(client, "anouk@almere.nl", address=GUESSER).status_code == 429
    assert set(LoginFailure.objects.values_list("account", flat=True)) == {"anouk@almere.nl"}


def test_it_logs_in_with_the_full_width_spelling_of_the_address(client, almere_staff):
    assert log_in(client, FULL_WIDTH).status_code == 302
    assert is_logged_in(client)


def test_it_stores_an_address_added_in_the_admin_in_the_one_spelling(client, administrator, almere):
    client.force_login(administrator)

    client.post(
        reverse("admin:pledges_user_add"),
        {"email": " Nina@Almere.NL", "role": Role.MUNICIPAL_STAFF, "municipality": almere.pk},
    )

    assert list(User.objects.filter(role=Role.MUNICIPAL_STAFF).values_list("email", flat=True)) == ["nina@almere.nl"]


def test_it_stops_counting_once_throttled(client, almere_staff, per_account):
    guess(client, "anouk@almere.nl", per_account)

    for _ in range(3):
        log_in(client, "anouk@almere.nl", "wrong", GUESSER)

    assert LoginFailure.objects.count() == per_account


def test_it_ignores_a_forged_forwarded_for_header_without_a_trusted_proxy(client, almere_staff, per_account, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(per_account):
        log_in(client, "anouk@almere.nl", "wrong", GUESSER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = log_in(client, "anouk@almere.nl", address=GUESSER, HTTP_X_FORWARDED_FOR=REAL_USER)

    assert response.status_code == 429
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {GUESSER}


def test_it_uses_the_address_the_trusted_proxy_saw(client, almere_staff, per_account, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    # The guesser forges the start of the header; the proxy appends the address it saw.
    guess(client, "anouk@almere.nl", per_account, address=proxy, HTTP_X_FORWARDED_FOR=f"{REAL_USER}, {GUESSER}")

    refused = log_in(client, "anouk@almere.nl", address=proxy, HTTP_X_FORWARDED_FOR=f"{REAL_USER}, {GUESSER}")
    admitted = log_in(client, "anouk@almere.nl", address=proxy, HTTP_X_FORWARDED_FOR=REAL_USER)

    assert refused.status_code == 429
    assert admitted.status_code == 302


def test_it_stops_an_address_that_guesses_across_many_accounts(client, almere_staff, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    for n in range(8):
        guess(client, f"medewerker{n}@almere.nl", 1)

    refused = log_in(client, "anouk@almere.nl", address=GUESSER)
    admitted = log_in(client, "anouk@almere.nl", address=REAL_USER)

    assert refused.status_code == 429
    assert admitted.status_code == 302


@pytest.mark.parametrize("proxies", [0, 1])
def test_it_keeps_the_per_address_limit_whatever_forwarded_for_header_a_guesser_sends(client, almere_staff, settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    # Without a proxy the guesser connects directly; with one, the proxy appends the guesser's address.
    connect = "10.0.0.2" if proxies else GUESSER
    for n in range(8):
        forged = f"192.0.2.{n}" + (f", {GUESSER}" if proxies else "")
        guess(client, f"medewerker{n}@almere.nl", 1, address=connect, HTTP_X_FORWARDED_FOR=forged)

    forged = f"{REAL_USER}, {GUESSER}" if proxies else REAL_USER
    refused = log_in(client, "anouk@almere.nl", address=connect, HTTP_X_FORWARDED_FOR=forged)

    assert refused.status_code == 429
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {GUESSER}


@pytest.mark.parametrize("proxies", [0, 1])
def test_it_cannot_be_used_to_lock_a_user_out_of_their_own_address(client, almere_staff, settings, proxies):
    """A guesser who fails on the real user's account, up to every limit, blocks only the guesser."""
    settings.TRUSTED_PROXY_COUNT = proxies
    connect = "10.0.0.2" if proxies else GUESSER
    seen_as = {"HTTP_X_FORWARDED_FOR": f"{REAL_USER}, {GUESSER}"} if proxies else {"HTTP_X_FORWARDED_FOR": REAL_USER}
    guess(client, "anouk@almere.nl", settings.LOGIN_FAILURES_PER_ADDRESS + 5, address=connect, **seen_as)
    assert log_in(client, "anouk@almere.nl", address=connect, **seen_as).status_code == 429

    real = {"HTTP_X_FORWARDED_FOR": REAL_USER} if proxies else {}
    admitted = log_in(client, "anouk@almere.nl", address="10.0.0.2" if proxies else REAL_USER, **real)

    assert admitted.status_code == 302
    assert is_logged_in(client)


def test_it_forgets_the_failures_after_a_successful_login(client, almere_staff, per_account):
    guess(client, "anouk@almere.nl", per_account - 1, address=REAL_USER)
    log_in(client, "anouk@almere.nl")
    client.post(reverse("logout"))

    guess(client, "anouk@almere.nl", per_account - 1, address=REAL_USER)
    response = log_in(client, "anouk@almere.nl")

    assert response.status_code == 302


def test_it_forgets_failures_once_the_window_has_passed(client, almere_staff, per_account, settings, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    guess(client, "anouk@almere.nl", per_account)
    assert log_in(client, "anouk@almere.nl", address=GUESSER).status_code == 429

    time_machine.shift(datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))

    assert log_in(client, "anouk@almere.nl", address=GUESSER).status_code == 302


# Password reset, which doubles as the invitation


def link_in(email: mail.EmailMessage) -> str:
    """The path of the one link in an e-mail."""
    match = re.search(r"https?://testserver(/\S+)", email.body)
    assert match, email.body
    return match.group(1)


def choose_password(client, link: str, password: str = NEW_PASSWORD):
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert "new_password1" in form.text, "the link did not open the password form"
    set_password_url = form.redirect_chain[-1][0]
    return client.post(set_password_url, {"new_password1": password, "new_password2": password})


def test_it_mails_a_working_password_reset_link(client, almere_staff):
    response = client.post(reverse("password_reset"), {"email": "anouk@almere.nl"})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anouk@almere.nl"]
    done = choose_password(client, link_in(mail.outbox[0]))
    assert done["Location"] == reverse("password_reset_complete")
    assert log_in(client, "anouk@almere.nl", NEW_PASSWORD).status_code == 302


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def test_it_shows_the_password_pages_from_templates_accounts(client, almere_staff):
    assert "accounts/password_reset_form.html" in template_names(client.get(reverse("password_reset")))
    sent = client.post(reverse("password_reset"), {"email": "anouk@almere.nl"})
    # The mail itself is written by the worker, from templates/accounts/emails/password_reset.*.
    assert "accounts/password_reset_done.html" in template_names(client.get(sent["Location"]))
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    assert "accounts/password_reset_confirm.html" in template_names(form)
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "accounts/password_reset_complete.html" in template_names(done)
    almere_staff.refresh_from_db()
    client.force_login(almere_staff)
    assert "accounts/password_change_form.html" in template_names(client.get(reverse("password_change")))
    assert "accounts/password_change_done.html" in template_names(client.get(reverse("password_change_done")))


def test_it_names_the_password_reset_mail_in_dutch(client, almere_staff):
    client.post(reverse("password_reset"), {"email": "anouk@almere.nl"})

    assert mail.outbox[0].subject == "Wachtwoord opnieuw instellen op testserver"


def test_it_shows_the_admin_password_change_as_the_ledger_does(client, administrator):
    client.force_login(administrator)

    response = client.get(reverse("admin:password_change"))

    assert "accounts/password_change_form.html" in template_names(response)


def test_it_refuses_the_old_password_after_a_reset(client, almere_staff):
    client.post(reverse("password_reset"), {"email": "anouk@almere.nl"})
    choose_password(client, link_in(mail.outbox[0]))

    log_in(client, "anouk@almere.nl", PASSWORD)

    assert not is_logged_in(client)


def test_it_uses_a_reset_link_only_once(client, almere_staff):
    client.post(reverse("password_reset"), {"email": "anouk@almere.nl"})
    link = link_in(mail.outbox[0])
    choose_password(client, link)

    again = client.get(link, follow=True)

    assert "new_password1" not in again.text


def test_it_does_not_reveal_whether_an_address_has_an_account(client, almere_staff):
    known = client.post(reverse("password_reset"), {"email": "anouk@almere.nl"})
    unknown = client.post(reverse("password_reset"), {"email": "niemand@almere.nl"})

    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


@pytest.fixture
def invited(almere) -> User:
    """A new user as the administrator adds one: no password yet."""
    user = User.objects.create_user("nieuw@almere.nl", None, role=Role.MUNICIPAL_STAFF, municipality=almere)
    assert not user.has_usable_password()
    return user


def test_it_lets_a_new_user_without_password_ask_for_the_link_again(client, invited):
    client.post(reverse("password_reset"), {"email": "nieuw@almere.nl"})

    assert len(mail.outbox) == 1


def test_it_adds_a_user_without_a_password(client, administrator, almere):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:pledges_user_add"),
        {"email": "nieuw@almere.nl", "first_name": "Nina", "last_name": "de Wit", "role": Role.MUNICIPAL_STAFF, "municipality": almere.pk},
    )

    assert response.status_code == 302
    user = User.objects.get(email="nieuw@almere.nl")
    assert user.municipality == almere
    assert not user.has_usable_password()


def test_it_invites_a_user_with_a_link_to_choose_a_password(client, administrator, invited):
    admin = client
    admin.force_login(administrator)

    response = admin.post(
        reverse("admin:pledges_user_changelist"), {"action": "invite", "_selected_action": [invited.pk]}, follow=True
    )

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == ["nieuw@almere.nl"]
    assert "nieuw@almere.nl" in invitation.body
    admin.post(reverse("logout"))
    choose_password(client, link_in(invitation))
    assert log_in(client, "nieuw@almere.nl", NEW_PASSWORD).status_code == 302
    assert client.get(LEDGER).status_code == 200


def test_it_invites_no_inactive_user(client, administrator, invited):
    invited.is_active = False
    invited.save()
    client.force_login(administrator)

    client.post(reverse("admin:pledges_user_changelist"), {"action": "invite", "_selected_action": [invited.pk]})

    assert mail.outbox == []


def test_it_refuses_a_weak_first_password(client, administrator, invited):
    client.force_login(administrator)
    client.post(reverse("admin:pledges_user_changelist"), {"action": "invite", "_selected_action": [invited.pk]})
    client.post(reverse("logout"))

    response = choose_password(client, link_in(mail.outbox[0]), "kort")

    assert response.status_code == 200
    invited.refresh_from_db()
    assert not invited.has_usable_password()

