"""System checks about logging in: a proxy in front of the app that the throttle does not know of."""

import datetime

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from pledges.accounts.models import ForwardedForNotice

# A notice older than this is from an earlier set-up; the current one has had time to show it again.
RECENT = datetime.timedelta(days=7)


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Requests came with X-Forwarded-For while TRUSTED_PROXY_COUNT is 0 (noted by pledges.accounts.throttle)."""
    if settings.TRUSTED_PROXY_COUNT > 0:
        return []
    try:
        notice = ForwardedForNotice.objects.filter(seen_at__gte=timezone.now() - RECENT).first()
    except DatabaseError:
        # Before the first migrate there is no table, and nothing to tell.
        return []
    if notice is None:
        return []
    return [
        checks.Warning(
            f"Requests arrive with X-Forwarded-For (last on {notice.seen_at:%Y-%m-%d %H:%M} UTC, from "
            f"{notice.remote_address}), but TRUSTED_PROXY_COUNT is 0: login throttling sees the proxy's "
            "address for everyone, so one guesser slows every user down.",
            hint="Set TRUSTED_PROXY_COUNT to the number of reverse proxies in front of the app (1 for one nginx).",
            id="pledges.W011",
        )
    ]
