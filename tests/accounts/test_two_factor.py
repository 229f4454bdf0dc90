"""Two-step login: a code from an authenticator app (RFC 6238) after the password, required for fund staff."""

import datetime
import hashlib
import html
import re

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from pledges.accounts.twofactor import (
    PENDING_MAX_AGE,
    RECOVERY_CODE_COUNT,
    confirm_enrolment,
    enrolment_authenticator,
    has_authenticator,
    issue_recovery_codes,
    unused_recovery_codes,
    verify,
)
from pledges.models import Authenticator, LoginFailure, RecoveryCode, User
from tests import factories, pages
from tests.conftest import PASSWORD

LOGIN = reverse("login")
CODE = reverse("login_code")
ENROL = reverse("login_enrol")
ACCOUNT = reverse("two_factor")
RECOVERY_CODES = reverse("two_factor_recovery_codes")
LEDGER = reverse("pledges:donation_list")
MOMENT = datetime.datetime(2026, 3, 2, 9, 0, 10, tzinfo=datetime.UTC)
STEP = datetime.timedelta(seconds=30)
GUESSER = "203.0.113.7"
REAL_USER = "198.51.100.20"


@pytest.fixture(autouse=True)
def _fixed_clock(time_machine):
    """One moment for every test, so which 30-second step a code belongs to is certain."""
    time_machine.move_to(MOMENT, tick=False)


def log_in(client, email: str, password: str = PASSWORD, address: str = REAL_USER, next_url: str = ""):
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=address)


def send_code(client, code: str, url: str = CODE, address: str = REAL_USER):
    return client.post(url, {"code": code}, REMOTE_ADDR=address)


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def code_at(user: User, moment: datetime.datetime = MOMENT) -> str:
    return pyotp.TOTP(Authenticator.objects.get(user=user).secret).at(moment)


def secret_on(response) -> str:
    """The key the enrolment page shows as text, for typing into an app by hand."""
    match = re.search(r'id="secret">([A-Z2-7 ]+)<', response.text)
    assert match, "no secret on the page"
    return match.group(1).replace(" ", "")


def recovery_codes_on(response) -> list[str]:
    return re.findall(r"<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</li>", response.text)


@pytest.fixture
def enrolled_coordinator(coordinator) -> User:
    factories.authenticator(coordinator)
    return coordinator


# Who needs a second factor


@pytest.mark.parametrize("role", ["coordinator", "finance", "administrator"])
def test_it_requires_a_second_factor_of_fund_staff(role, request):
    assert request.getfixturevalue(role).requires_two_factor


def test_it_leaves_the_second_factor_to_municipal_staff(client, almere_staff):
    assert not almere_staff.requires_two_factor

    response = log_in(client, almere_staff.email)

    assert response["Location"] == reverse("pledges:home")
    assert is_logged_in(client)


# Enrolment at the first login


def test_it_does_not_log_in_on_the_password_alone(client, coordinator):
    response = log_in(client, coordinator.email)

    assert response["Location"] == ENROL
    assert not is_logged_in(client)
    assert client.get(LEDGER)["Location"].startswith(LOGIN)


def test_it_shows_a_qr_code_and_the_key_to_enrol(client, coordinator):
    log_in(client, coordinator.email)

    page = client.get(ENROL)

    assert page.status_code == 200
    secret = secret_on(page)
    assert not Authenticator.objects.filter(user=coordinator).exists(), "the key waits in the session only"
    qr_code = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', page.text)
    assert qr_code and 'alt="' in page.text
    assert secret_on(client.get(ENROL)) == secret, "a reload must not change the key already scanned"


def test_it_logs_in_after_the_first_code_and_shows_recovery_codes_once(client, coordinator):
    log_in(client, coordinator.email)
    secret = secret_on(client.get(ENROL))
    session_before = client.session.session_key

    response = send_code(client, pyotp.TOTP(secret).at(MOMENT), ENROL)

    assert response["Location"] == RECOVERY_CODES
    assert is_logged_in(client)
    assert client.session.session_key != session_before
    shown = client.get(RECOVERY_CODES)
    codes = recovery_codes_on(shown)
    assert len(codes) == RECOVERY_CODE_COUNT == RecoveryCode.objects.filter(user=coordinator).count()
    stored = set(RecoveryCode.objects.filter(user=coordinator).values_list("code_hash", flat=True))
    assert stored == {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}, "only hashes kept"
    assert client.get(RECOVERY_CODES)["Location"] == ACCOUNT, "recovery codes are shown once"
    assert has_authenticator(coordinator)


def test_it_refuses_a_wrong_first_code(client, coordinator):
    log_in(client, coordinator.email)
    client.get(ENROL)

    response = send_code(client, "000000", ENROL)

    assert response.status_code == 200
    assert pages.errors(response)
    assert not is_logged_in(client)
    assert not has_authenticator(coordinator)


def test_it_gives_a_second_session_a_key_of_its_own(client, coordinator):
    """Someone else who knows the password and opens the set-up page does not see the key being scanned."""
    log_in(client, coordinator.email)
    other = Client()
    log_in(other, coordinator.email, address=GUESSER)

    mine, theirs = secret_on(client.get(ENROL)), secret_on(other.get(ENROL))

    assert mine != theirs
    assert secret_on(client.get(ENROL)) == mine


def test_it_refuses_the_other_sessions_key_once_one_is_confirmed(client, coordinator):
    log_in(client, coordinator.email)
    other = Client()
    log_in(other, coordinator.email, address=GUESSER)
    mine, theirs = secret_on(client.get(ENROL)), secret_on(other.get(ENROL))
    assert send_code(client, pyotp.TOTP(mine).at(MOMENT), ENROL)["Location"] == RECOVERY_CODES

    late = send_code(other, pyotp.TOTP(theirs).at(MOMENT), ENROL, address=GUESSER)

    assert late["Location"] == CODE, "the set-up is done: the other session is asked for a code"
    assert Authenticator.objects.get(user=coordinator).secret == mine
    refused = send_code(other, pyotp.TOTP(theirs).at(MOMENT + STEP), CODE, address=GUESSER)
    assert pages.errors(refused)
    assert not is_logged_in(other)


def test_it_refuses_a_key_confirmed_too_late_even_on_the_set_up_page(client, coordinator):
    """Two sessions that both reached the set-up page: the second confirmation is refused."""
    log_in(client, coordinator.email)
    client.get(ENROL)
    other = Client()
    log_in(other, coordinator.email, address=GUESSER)
    theirs = secret_on(other.get(ENROL))
    factories.authenticator(coordinator)  # the first session confirmed its key meanwhile

    assert not confirm_enrolment_of(other, coordinator, pyotp.TOTP(theirs).at(MOMENT))
    assert Authenticator.objects.get(user=coordinator).secret != theirs


def confirm_enrolment_of(client, user: User, code: str) -> bool:
    """confirm_enrolment() as the set-up page calls it, with that client's session."""
    request = RequestFactory().post(ENROL)
    request.session = client.session
    return confirm_enrolment(request, enrolment_authenticator(request, user), code)


def test_it_shows_a_new_key_after_an_administrator_reset(client, administrator, enrolled_coordinator):
    old = Authenticator.objects.get(user=enrolled_coordinator).secret
    admin = Client()
    admin.force_login(administrator)
    admin.post(
        reverse("admin:pledges_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [enrolled_coordinator.pk]},
    )

    log_in(client, enrolled_coordinator.email)

    assert secret_on(client.get(ENROL)) != old


def mails_to(user: User) -> list[str]:
    return [message.subject for message in mail.outbox if message.to == [user.email]]


def test_it_tells_the_user_by_mail_that_two_step_login_was_set_up(client, coordinator):
    log_in(client, coordinator.email)
    secret = secret_on(client.get(ENROL))
    assert mails_to(coordinator) == []

    send_code(client, pyotp.TOTP(secret).at(MOMENT), ENROL)

    assert mails_to(coordinator) == ["Tweestapsinloggen ingesteld voor uw account - VNG Fonds"]
    assert "Was u dit niet?" in mail.outbox[-1].body


def test_it_tells_the_user_by_mail_that_an_administrator_reset_two_step_login(client, administrator, enrolled_coordinator):
    client.force_login(administrator)

    client.post(
        reverse("admin:pledges_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [enrolled_coordinator.pk]},
    )

    assert mails_to(enrolled_coordinator) == ["Uw tweestapsinloggen is opnieuw ingesteld - VNG Fonds"]


def test_it_tells_the_user_by_mail_that_two_step_login_was_turned_off(client, almere_staff):
    factories.authenticator(almere_staff)
    client.force_login(almere_staff)

    client.post(reverse("two_factor_disable"), {"off-password": PASSWORD})

    assert mails_to(almere_staff) == ["Tweestapsinloggen uitgezet voor uw account - VNG Fonds"]


def test_it_keeps_the_enrolment_page_for_whoever_gave_the_password(client, coordinator):
    assert client.get(ENROL)["Location"] == LOGIN
    assert client.get(CODE)["Location"] == LOGIN


# The code step


def test_it_asks_for_a_code_and_then_returns_to_the_page_asked_for(client, enrolled_coordinator):
    response = log_in(client, enrolled_coordinator.email, next_url=LEDGER)
    assert response["Location"] == CODE
    assert not is_logged_in(client)

    response = send_code(client, code_at(enrolled_coordinator))

    assert response["Location"] == LEDGER
    assert is_logged_in(client)


def test_it_refuses_a_code_used_before(client, enrolled_coordinator):
    code = code_at(enrolled_coordinator)
    log_in(client, enrolled_coordinator.email)
    send_code(client, code)
    client.post(reverse("logout"))

    log_in(client, enrolled_coordinator.email)
    replayed = send_code(client, code)

    assert replayed.status_code == 200
    assert pages.errors(replayed)
    assert not is_logged_in(client)


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_it_allows_one_step_of_clock_drift(client, enrolled_coordinator, steps, accepted):
    log_in(client, enrolled_coordinator.email)

    send_code(client, code_at(enrolled_coordinator, MOMENT + steps * STEP))

    assert is_logged_in(client) is accepted


def test_it_accepts_a_recovery_code_once(client, enrolled_coordinator):
    codes = issue_recovery_codes(enrolled_coordinator)
    log_in(client, enrolled_coordinator.email)
    send_code(client, codes[3].lower().replace("-", " "))
    assert is_logged_in(client)
    client.post(reverse("logout"))

    log_in(client, enrolled_coordinator.email)
    send_code(client, codes[3])

    assert not is_logged_in(client)
    assert unused_recovery_codes(enrolled_coordinator) == RECOVERY_CODE_COUNT - 1


def test_it_forgets_the_password_step_after_ten_minutes(client, enrolled_coordinator, time_machine):
    log_in(client, enrolled_coordinator.email)
    time_machine.shift(PENDING_MAX_AGE + STEP)

    response = send_code(client, code_at(enrolled_coordinator, timezone.now()))

    assert response["Location"] == LOGIN
    assert not is_logged_in(client)


def test_it_lets_nobody_in_who_was_deactivated_between_the_steps(client, enrolled_coordinator):
    log_in(client, enrolled_coordinator.email)
    User.objects.filter(pk=enrolled_coordinator.pk).update(is_active=False)

    send_code(client, code_at(enrolled_coordinator))

    assert not is_logged_in(client)


def test_it_throttles_code_guesses_like_password_guesses(client, enrolled_coordinator, settings):
    log_in(client, enrolled_coordinator.email, address=GUESSER)
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        send_code(client, f"{n:06d}", address=GUESSER)

    refused = send_code(client, code_at(enrolled_coordinator), address=GUESSER)

    assert refused.status_code == 429
    assert not is_logged_in(client)


def test_it_does_not_forget_code_guesses_when_the_password_is_given_again(client, enrolled_coordinator, settings):
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
    log_in(client, enrolled_coordinator.email, address=GUESSER)
    for n in range(limit - 1):
        send_code(client, f"{n:06d}", address=GUESSER)

    log_in(client, enrolled_coordinator.email, address=GUESSER)
    send_code(client, "999999", address=GUESSER)

    assert LoginFailure.objects.filter(address=GUESSER).count() == limit
    assert log_in(client, enrolled_coordinator.email, address=GUESSER).status_code == 429


def test_it_lets_the_real_user_in_while_someone_with_the_password_guesses_codes(client, enrolled_coordinator, settings):
    log_in(client, enrolled_coordinator.email, address=GUESSER)
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS * 2):
        send_code(client, f"{n:06d}", address=GUESSER)
    client.cookies.clear()

    log_in(client, enrolled_coordinator.email, address=REAL_USER)
    send_code(client, code_at(enrolled_coordinator), address=REAL_USER)

    assert is_logged_in(client)


# No other way in on the password alone


def test_it_does_not_log_in_after_a_password_reset(client, coordinator):
    client.post(reverse("password_reset"), {"email": coordinator.email})
    link = re.search(r"https?://testserver(/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    new_password = "zonnepaneel kabelhaspel 42"

    done = client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})

    assert done["Location"] == reverse("password_reset_complete")
    assert not is_logged_in(client)
    assert log_in(client, coordinator.email, new_password)["Location"] == ENROL


def test_it_sends_the_admin_login_to_the_two_step_login(client, administrator):
    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0] == f"{LOGIN}?next=%2Fadmin%2F"
    posted = client.post(
        reverse("admin:login"), {"username": administrator.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert posted.status_code == 302
    assert not is_logged_in(client)


def test_it_takes_an_administrator_into_the_admin_after_both_steps(client, administrator):
    factories.authenticator(administrator)
    log_in(client, administrator.email, next_url="/admin/")

    response = send_code(client, code_at(administrator))

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_it_refuses_the_admin_login_to_a_logged_in_user_without_admin_rights(client, almere_staff):
    client.force_login(almere_staff)

    assert client.get(reverse("admin:login")).status_code == 403


# Managing one's own second factor


def test_it_lets_municipal_staff_turn_it_on_and_then_asks_for_a_code(client, almere_staff):
    client.force_login(almere_staff)
    secret = secret_on(client.get(reverse("two_factor_enable")))

    response = send_code(client, pyotp.TOTP(secret).at(MOMENT), reverse("two_factor_enable"))

    assert response["Location"] == RECOVERY_CODES
    assert len(recovery_codes_on(client.get(RECOVERY_CODES))) == RECOVERY_CODE_COUNT
    client.post(reverse("logout"))
    assert log_in(client, almere_staff.email)["Location"] == CODE
    assert not is_logged_in(client)


def test_it_lets_municipal_staff_turn_it_off_with_their_password(client, almere_staff):
    factories.authenticator(almere_staff)
    client.force_login(almere_staff)

    wrong = client.post(reverse("two_factor_disable"), {"off-password": "not my password"})
    assert wrong.status_code == 400
    assert has_authenticator(almere_staff)

    right = client.post(reverse("two_factor_disable"), {"off-password": PASSWORD})

    assert right["Location"] == ACCOUNT
    assert not has_authenticator(almere_staff)
    client.post(reverse("logout"))
    assert log_in(client, almere_staff.email)["Location"] == reverse("pledges:home")


def test_it_does_not_let_fund_staff_turn_it_off(client, enrolled_coordinator):
    client.force_login(enrolled_coordinator)

    response = client.post(reverse("two_factor_disable"), {"off-password": PASSWORD})

    assert response.status_code == 403
    assert has_authenticator(enrolled_coordinator)
    assert "two_factor_disable" not in client.get(ACCOUNT).text


def test_it_replaces_the_recovery_codes_after_the_password(client, enrolled_coordinator):
    old = issue_recovery_codes(enrolled_coordinator)
    client.force_login(enrolled_coordinator)

    assert client.post(reverse("two_factor_new_codes"), {"codes-password": "wrong"}).status_code == 400
    response = client.post(reverse("two_factor_new_codes"), {"codes-password": PASSWORD})

    assert response["Location"] == RECOVERY_CODES
    new = recovery_codes_on(client.get(RECOVERY_CODES))
    assert set(new).isdisjoint(old)
    assert not verify(enrolled_coordinator, old[0])
    assert verify(enrolled_coordinator, new[0])


def test_it_shows_the_state_of_the_account_in_dutch(client, enrolled_coordinator):
    issue_recovery_codes(enrolled_coordinator)
    client.force_login(enrolled_coordinator)

    page = pages.plain(client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="nl"))

    assert "Tweestapsinloggen" in page
    assert "10 ongebruikte herstelcodes" in page


def test_an_administrator_resets_a_lost_phone_in_the_admin(client, administrator, enrolled_coordinator):
    issue_recovery_codes(enrolled_coordinator)
    client.force_login(administrator)

    client.post(
        reverse("admin:pledges_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [enrolled_coordinator.pk]},
    )

    assert not Authenticator.objects.filter(user=enrolled_coordinator).exists()
    assert not RecoveryCode.objects.filter(user=enrolled_coordinator).exists()
    client.post(reverse("logout"))
    assert log_in(client, enrolled_coordinator.email)["Location"] == ENROL


def test_the_admin_shows_who_has_two_step_login(client, administrator, enrolled_coordinator, finance):
    client.force_login(administrator)

    page = client.get(reverse("admin:pledges_user_changelist"))

    rows = {email: row for email, row in re.findall(r'>([a-z]+@vngfonds\.nl)<.*?(field-has_two_factor.*?)</td>', page.text, re.S)}
    assert 'alt="True"' in rows[enrolled_coordinator.email]
    assert 'alt="False"' in rows[finance.email]
    assert html.unescape(page.text).count("field-has_two_factor") >= 3
