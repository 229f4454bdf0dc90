"""The pages every public body's site has: privacy statement, accessibility statement, contact, colophon.

Public (no login), linked from the footer of every page. The privacy statement's terms are read
from the settings and constants that enforce them, so the page says what the code does.
"""

import datetime
from importlib import metadata

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from pledges.accounts.access import public
from pledges.accounts.throttle import DEVICE_MAX_AGE

# The day the accessibility statement was last checked against the site; renew it with each review.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 12, 3)
# The languages these pages exist in; `?lang=en` opens them in English from the recipient's
# page (a Ukrainian browser would otherwise get the Dutch default). A language chosen with the
# switch (its cookie) goes first: the switch sends the reader back to the same `?lang=en` address.
LANGUAGES = ("nl", "en")


def _page(request: HttpRequest, template: str, heading: str, context: dict | None = None) -> HttpResponse:
    language = request.GET.get("lang")
    context = {"heading": heading, "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
               "contact_email": settings.CONTACT_EMAIL, **(context or {})}
    if language in LANGUAGES and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        with translation.override(language):
            response = render(request, template, context)
        response.headers["Content-Language"] = language
        return response
    return render(request, template, context)


@require_safe
@public
def privacy(request: HttpRequest) -> HttpResponse:
    return _page(request, "pages/privacy.html", _("Privacy statement"), {
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT,
        "absolute_hours": settings.SESSION_ABSOLUTE_TIMEOUT,
        "failure_minutes": settings.LOGIN_FAILURE_WINDOW_SECONDS // 60,
        "password_link_minutes": settings.PASSWORD_LINK_WINDOW_SECONDS // 60,
        "device_days": DEVICE_MAX_AGE // (24 * 3600),
        "recipient_link_days": settings.RECIPIENT_LINK_MAX_AGE_DAYS,
    })


@require_safe
@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return _page(request, "pages/accessibility.html", _("Accessibility statement"), {"statement_date": ACCESSIBILITY_STATEMENT_DATE})


@require_safe
@public
def contact(request: HttpRequest) -> HttpResponse:
    return _page(request, "pages/contact.html", _("Contact"))


@require_safe
@public
def colophon(request: HttpRequest) -> HttpResponse:
    try:
        version = metadata.version("pledge-ledger")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = None
    return _page(request, "pages/colophon.html", _("Colophon"), {"version": version})
