"""Sessions end after a spell of inactivity, and after a working day whatever happens.

Django's SESSION_COOKIE_AGE only bounds the cookie; a stolen or forgotten session
would stay alive as long as someone keeps using it. This middleware ends a logged-in
session SESSION_IDLE_TIMEOUT minutes after its last request, and
SESSION_ABSOLUTE_TIMEOUT hours after its login, whichever comes first (the idle clock is
written now and then, so the idle end may come up to a minute early). A session also
remembers when its user logged in before it (`previous_login`).
"""


import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

STARTED_KEY = "pledges_session_started"
SEEN_KEY = "pledges_session_seen"
# When the user logged in before this session (the start page's news is what changed since).
PREVIOUS_LOGIN_KEY = "pledges_previous_login"


@receiver(user_logged_in)
def _start_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[STARTED_KEY] = request.session[SEEN_KEY] = now
        # Connected in PledgesConfig.ready(), which runs before django.contrib.auth's (pledges
        # comes first in INSTALLED_APPS): auth's update_last_login has not yet overwritten it.
        if user.last_login:
            request.session[PREVIOUS_LOGIN_KEY] = user.last_login.timestamp()


def previous_login(request: HttpRequest) -> datetime.datetime | None:
    """When the user logged in before this session; None at the first login."""
    stamp = request.session.get(PREVIOUS_LOGIN_KEY)
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC) if stamp else None


class SessionTimeoutMiddleware:
    """Log out a session that was idle too long or is older than the absolute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._enforce(request)
        return self.get_response(request)

    def _enforce(self, request: HttpRequest) -> None:
        now = timezone.now().timestamp()
        session = request.session
        started = session.setdefault(STARTED_KEY, now)
        seen = session.setdefault(SEEN_KEY, now)
        idle = now - seen > settings.SESSION_IDLE_TIMEOUT * 60
        too_old = now - started > settings.SESSION_ABSOLUTE_TIMEOUT * 3600
        if idle or too_old:
            # The page asked for then sends the now anonymous visitor to the login page.
            logout(request)
            messages.info(request, _("Your session has ended. Please log in again."))
        elif now - seen >= seen_interval():
            # Every request restarts the idle clock, but its time is written (a session write, on
            # SQLite the database's write lock) only once it is a tenth of the timeout old, at most
            # a minute: a session then ends at most that long before its full idle time. A fixed
            # minute once ended a session used every 45 seconds under a 1-minute timeout.
            session[SEEN_KEY] = now


def seen_interval() -> float:
    """Seconds between two writes of a session's idle clock: a tenth of the idle timeout, at most 60."""
    return min(60.0, settings.SESSION_IDLE_TIMEOUT * 6.0)
