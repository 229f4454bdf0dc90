"""Login throttling that slows guessing without letting anyone lock a user out.

Failures are counted per (account, address) and per address. A guesser at
another address therefore never blocks the real user's own address, and a
guesser who rotates accounts is stopped by the per-address limit. The client
address comes from REMOTE_ADDR, or from X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT proxies vouch for it, so a forged header changes nothing.

Many people may share one address (a municipal office; the whole site, behind a
proxy nobody told the app about). So neither limit may lock out the real user:

- a browser the account logged in with before carries a signed cookie
  (`known_device`); its failures are counted apart, and guessers at its address
  do not count against it;
- over the per-address limit only (ADDRESS), the password is still checked for an
  account with two-step login: it gets in with the password and a code, which a
  guesser does not have;
- a completed password reset marks the browser as known, so whoever has the
  mailbox is let in again (the way out the throttled message names).
"""


import datetime
import ipaddress
import logging

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from pledges.accounts.models import ForwardedForNotice, LoginFailure, PasswordLinkRequest, normalise_email

logger = logging.getLogger(__name__)

# What login_limit() says: the account is over its limit here (refused without checking
# anything), or only the address as a whole is (both factors let the real user in).
ACCOUNT, ADDRESS = "account", "address"

DEVICE_COOKIE = "pledges_known_device"
DEVICE_SALT = "pledges.accounts.throttle.known_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
# Failures from one address (unknown browsers) past which even two-step accounts are refused there.
ADDRESS_CEILING = 10
# Accounts remembered per browser: a shared office computer has a few users.
DEVICE_ACCOUNTS = 10
# Write the X-Forwarded-For notice at most this often per process.
NOTICE_INTERVAL = datetime.timedelta(hours=1)
_last_notice: datetime.datetime | None = None


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the one the trusted proxies saw; never a value that is no address."""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
    forwarded_header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        if forwarded_header:
            _notice_forwarded_for(remote)
        return remote
    forwarded = [part.strip() for part in forwarded_header.split(",") if part.strip()]
    if len(forwarded) >= hops:
        # A proxy passes on whatever it got: "unknown", a port, garbage. Such a value names nobody.
        return _address(forwarded[-hops]) or remote
    return remote


def _notice_forwarded_for(remote: str) -> None:
    """Requests come through a proxy the app does not trust: everyone may share one address (check W011)."""
    global _last_notice
    now = timezone.now()
    if _last_notice is not None and now - _last_notice < NOTICE_INTERVAL:
        return
    _last_notice = now
    logger.warning(
        "A request from %s came with X-Forwarded-For, but TRUSTED_PROXY_COUNT is 0: login throttling "
        "counts the proxy's address for every user. Set TRUSTED_PROXY_COUNT.",
        remote,
    )
    ForwardedForNotice.objects.update_or_create(pk=1, defaults={"seen_at": now, "remote_address": remote})


def _window_start(seconds: int | None = None) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds or settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_limit(account: str, address: str, *, known_device: bool = False) -> str | None:
    """None if an attempt may go ahead; ACCOUNT or ADDRESS for the limit it is over."""
    account = normalise_email(account)
    per_account = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
    window = LoginFailure.objects.filter(at__gte=_window_start())
    if known_device:
        # Only this account's failures from known browsers: guessers elsewhere have no such cookie.
        return ACCOUNT if window.filter(account=account, known_device=True).count() >= per_account else None
    recent = window.filter(address=address)
    if recent.filter(account=account, known_device=False).count() >= per_account:
        return ACCOUNT
    from_address = recent.count()
    if from_address >= settings.LOGIN_FAILURES_PER_ADDRESS * ADDRESS_CEILING:
        # Over the ADDRESS limit failures are still counted (per account); past this many the
        # address is refused outright, so a guesser cannot fill the table or keep the server hashing.
        return ACCOUNT
    if from_address >= settings.LOGIN_FAILURES_PER_ADDRESS:
        return ADDRESS
    return None


def record_failure(account: str, address: str, *, known_device: bool = False) -> None:
    LoginFailure.objects.create(account=normalise_email(account)[:254], address=address, known_device=known_device)
    # Keep the table small: failures outside the window no longer count.
    LoginFailure.objects.filter(at__lt=_window_start()).delete()


def forget_failures(account: str, address: str, *, known_device: bool = False) -> None:
    """A successful login clears that account's failures: from known browsers, or from that address.

    A login from a known browser leaves the others' failures at its address alone: they may be a guesser's.
    """
    failures = LoginFailure.objects.filter(account=normalise_email(account), known_device=known_device)
    (failures if known_device else failures.filter(address=address)).delete()


# The browsers an account logged in with


def known_accounts(request: HttpRequest) -> list[str]:
    try:
        accounts = signing.loads(request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [account for account in accounts if isinstance(account, str)] if isinstance(accounts, list) else []


def is_known_device(request: HttpRequest, account: str) -> bool:
    return normalise_email(account) in known_accounts(request)


def remember_device(request: HttpRequest, response: HttpResponse, account: str) -> HttpResponse:
    """Mark this browser as one `account` logged in with (or reset its password on)."""
    account = normalise_email(account)
    accounts = [account, *(known for known in known_accounts(request) if known != account)][:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(accounts, salt=DEVICE_SALT, compress=True),
        max_age=DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


# Password links


def password_link_allowed(account: str, address: str) -> bool:
    """At most so many password links per address and per account (as typed) within the window."""
    window = PasswordLinkRequest.objects.filter(at__gte=_window_start(settings.PASSWORD_LINK_WINDOW_SECONDS))
    return (
        window.filter(address=address).count() < settings.PASSWORD_LINKS_PER_ADDRESS
        and window.filter(account=normalise_email(account)).count() < settings.PASSWORD_LINKS_PER_ACCOUNT
    )


def record_password_link(account: str, address: str) -> None:
    PasswordLinkRequest.objects.create(account=normalise_email(account)[:254], address=address)
    PasswordLinkRequest.objects.filter(at__lt=_window_start(settings.PASSWORD_LINK_WINDOW_SECONDS)).delete()
