"""The second login factor: codes from an authenticator app (RFC 6238), and recovery codes.

The login view asks for the password, then for a code; only then does it call
django.contrib.auth.login(), so a session is never authenticated on a password
alone. Between the two steps the session holds a *pending* login (who, and since
when), not a logged-in user.

Why pyotp and not django-otp: django-otp 1.7.5 runs on Django 6.1 (its checks pass,
its migrations apply, a replayed code is refused), but it logs the user in first
and marks the session "verified" later, so every view would need a second guard;
it keeps recovery (static) codes in plain text; and it throttles per device, beside
the login throttle we already have. pyotp computes the codes; the rest is here.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

import pyotp
import segno
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from pledges.accounts.mails import TWO_FACTOR_SET_UP, send_two_factor_changed
from pledges.accounts.models import Authenticator, RecoveryCode, User

ISSUER = "VNG Fonds"
STEP_SECONDS = 30
# Accept the code of the previous and next step too: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# How long the code (or enrolment) step waits after a correct password: time to install an app.
PENDING_MAX_AGE = datetime.timedelta(minutes=10)
PENDING_KEY = "pledges_pending_login"
NEW_RECOVERY_CODES_KEY = "pledges_new_recovery_codes"
ENROLMENT_KEY = "pledges_enrolment"
# Unambiguous characters for recovery codes: no 0/O, 1/I/L.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


# The authenticator app


def has_authenticator(user: User) -> bool:
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


def enrolment_authenticator(request: HttpRequest, user: User) -> Authenticator:
    """The key this session is setting up (unsaved): made per attempt and kept only in this session.

    A key kept in the database until confirmed would be shown to every session that reaches
    the set-up page: someone else who knows the password could scan it too and keep a working
    second factor unnoticed. Here a second session gets a key of its own, and the first one
    confirmed (confirm_enrolment) wins; the others can no longer be confirmed.
    """
    enrolment = request.session.get(ENROLMENT_KEY)
    if not enrolment or enrolment.get("user") != user.pk:
        enrolment = {"user": user.pk, "secret": pyotp.random_base32()}
        request.session[ENROLMENT_KEY] = enrolment
    return Authenticator(user=user, secret=enrolment["secret"])


def provisioning_uri(authenticator: Authenticator) -> str:
    return pyotp.TOTP(authenticator.secret).provisioning_uri(name=authenticator.user.email, issuer_name=ISSUER)


def qr_code_data_uri(authenticator: Authenticator) -> str:
    """The otpauth:// address as an SVG QR code, drawn here (no external service sees the secret)."""
    return segno.make(provisioning_uri(authenticator), error="m").svg_data_uri(scale=5, border=4)


def grouped_secret(authenticator: Authenticator) -> str:
    """The secret in groups of four, for typing it in by hand."""
    return " ".join(authenticator.secret[i : i + 4] for i in range(0, len(authenticator.secret), 4))


def _matching_step(secret: str, code: str, now: datetime.datetime) -> int | None:
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_authenticator_code(authenticator: Authenticator, code: str) -> bool:
    """Accept a code once: a conditional UPDATE, so two requests with one code cannot both pass."""
    step = _matching_step(authenticator.secret, code, timezone.now())
    if step is None:
        return False
    fresh = Q(last_used_step__isnull=True) | Q(last_used_step__lt=step)
    return bool(Authenticator.objects.filter(fresh, pk=authenticator.pk).update(last_used_step=step))


def confirm_enrolment(request: HttpRequest, authenticator: Authenticator, code: str) -> bool:
    """Confirm this session's key with its first code: it becomes the user's authenticator.

    Refused when the user has a confirmed authenticator meanwhile (another session was first);
    the user is told by e-mail that two-step login was set up.
    """
    step = _matching_step(authenticator.secret, code, timezone.now())
    if step is None:
        return False
    user = authenticator.user
    with transaction.atomic():
        if has_authenticator(user):
            return False
        # Keys of the earlier design waited here unconfirmed; they are never asked for.
        Authenticator.objects.filter(user=user, confirmed_at__isnull=True).delete()
        try:
            with transaction.atomic():
                Authenticator.objects.create(
                    user=user, secret=authenticator.secret, confirmed_at=timezone.now(), last_used_step=step
                )
        except IntegrityError:
            # Another session confirmed its key at the same moment (one authenticator per user).
            return False
        send_two_factor_changed.enqueue(user.pk, TWO_FACTOR_SET_UP, timezone.now().isoformat())
    request.session.pop(ENROLMENT_KEY, None)
    return True


def remove_second_factor(user: User, change: str) -> None:
    """Forget the user's authenticator and recovery codes (the user, or an administrator, resets them).

    `change` says who, for the e-mail that tells the user (TWO_FACTOR_RESET or TWO_FACTOR_OFF).
    """
    with transaction.atomic():
        Authenticator.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        send_two_factor_changed.enqueue(user.pk, change, timezone.now().isoformat())


# Recovery codes


def _normalise(code: str) -> str:
    return "".join(character for character in code.upper() if character.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def issue_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; the codes are shown once, only their hash is kept."""
    codes = [
        "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4)) for _ in range(4))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(code)) for code in codes)
    return codes


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _use_recovery_code(user: User, code: str) -> bool:
    unused = RecoveryCode.objects.filter(user=user, code_hash=_hash(code), used_at__isnull=True)
    return bool(unused.update(used_at=timezone.now()))


def verify(user: User, code: str) -> bool:
    """Check a second factor: a six-digit code from the app, or an unused recovery code."""
    code = code.strip().replace(" ", "")
    if code.isdigit() and len(code) == 6:
        authenticator = Authenticator.objects.filter(user=user, confirmed_at__isnull=False).first()
        return authenticator is not None and _use_authenticator_code(authenticator, code)
    return len(_normalise(code)) == 16 and _use_recovery_code(user, code)


# The pending login between the password and the code


def begin_pending_login(request: HttpRequest, user: User, next_url: str) -> None:
    """Remember who gave the right password; nobody is logged in yet."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "password": user.get_session_auth_hash(),
        "since": timezone.now().timestamp(),
        "next": next_url,
    }


def pending_user(request: HttpRequest) -> User | None:
    """The user whose password was right a moment ago, if they are still allowed in."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    since = datetime.datetime.fromtimestamp(pending["since"], tz=datetime.UTC)
    if timezone.now() - since > PENDING_MAX_AGE:
        del request.session[PENDING_KEY]
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    # A password changed meanwhile ends the pending login, as it ends sessions.
    if user is None or not hmac.compare_digest(user.get_session_auth_hash(), pending["password"]):
        del request.session[PENDING_KEY]
        return None
    user.backend = pending["backend"]
    return user


def pending_next_url(request: HttpRequest) -> str:
    return request.session.get(PENDING_KEY, {}).get("next", "")


def complete_login(request: HttpRequest, user: User) -> None:
    """Both factors are in: log the user in (django.contrib.auth.login rotates the session key)."""
    request.session.pop(PENDING_KEY, None)
    login(request, user)


def show_recovery_codes_once(request: HttpRequest, codes: list[str]) -> None:
    request.session[NEW_RECOVERY_CODES_KEY] = codes


def take_recovery_codes_to_show(request: HttpRequest) -> list[str]:
    return request.session.pop(NEW_RECOVERY_CODES_KEY, [])
