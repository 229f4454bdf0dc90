"""Login throttling that slows guessing without letting anyone lock a user out.

Failures are counted per (account, address) and per address. A guesser at
another address therefore never blocks the real user's own address, and a
guesser who rotates accounts is stopped by the per-address limit. The client
address comes from REMOTE_ADDR, or from X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT proxies vouch for it, so a forged header changes nothing.
"""


import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from pledges.accounts.models import LoginFailure, normalise_email


def client_address(request: HttpRequest) -> str:
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "0.0.0.0")


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def is_throttled(account: str, address: str) -> bool:
    recent = LoginFailure.objects.filter(address=address, at__gte=_window_start())
    if recent.count() >= settings.LOGIN_FAILURES_PER_ADDRESS:
        return True
    pair = recent.filter(account=normalise_email(account))
    return pair.count() >= settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS


def record_failure(account: str, address: str) -> None:
    LoginFailure.objects.create(account=normalise_email(account)[:254], address=address)
    # Keep the table small: failures outside the window no longer count.
    LoginFailure.objects.filter(at__lt=_window_start()).delete()


def forget_failures(account: str, address: str) -> None:
    """A successful login clears that account's failures from that address."""
    LoginFailure.objects.filter(account=normalise_email(account), address=address).delete()
