"""Forms that book money do it once: a double click, a resend or a second tab does nothing the second time.

Every rendered form carries a fresh token in a hidden field (`OnceField` in a Django form,
`{% once_field %}` in a template's own form). The view that books claims the token inside
its writing transaction (`claim()`, inside `pledges.history.services.writing()`): the token
is stored in `UsedFormToken` in the same transaction as the booking, so it is used exactly
when the booking committed. A refused or failed booking rolls the claim back, and the same
form may be sent again once corrected. A second submit of a used token raises `AlreadySent`;
the `sent_once` view decorator turns it into a message and leads to where the first one led.

Another form that books money needs three things: the hidden field (or tag), `claim(request,
"purpose")` as the first statement inside its `writing()`, and `@sent_once` on its view.
"""

from __future__ import annotations

import functools
import re
import uuid

from django import forms
from django.contrib import messages
from django.core import signing
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from pledges.core.models import UsedFormToken

FIELD = "once"
_SIGNER = signing.Signer(salt="pledges.core.once")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def new_token() -> str:
    """A token for one rendered form: random, signed so that only the server issues them."""
    return _SIGNER.sign(uuid.uuid4().hex)


class OnceField(forms.CharField):
    """The hidden token of a form that books money; a new one each time the unbound form is rendered."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", new_token)  # a callable: evaluated per rendering
        super().__init__(**kwargs)


class FormOutdated(Exception):
    """The form came without a valid token (a page from before tokens, or a forged one)."""


class AlreadySent(Exception):
    """The form was sent before and booked then; this submit does nothing."""

    def __init__(self, used: UsedFormToken):
        self.used = used
        super().__init__(used.token)


def token_of(request: HttpRequest) -> str:
    try:
        token = _SIGNER.unsign(request.POST.get(FIELD, ""))
    except signing.BadSignature:
        raise FormOutdated from None
    if not _TOKEN.match(token):
        raise FormOutdated
    return token


def claim(request: HttpRequest, purpose: str) -> UsedFormToken:
    """Use the form's token, inside the booking's writing transaction; AlreadySent if it was used.

    Inside `writing()` every writer holds the chain lock, so two submits of one form queue
    and the second finds the first's row; the unique token is the last guard.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("Claim a form's token inside the writing transaction of its booking.")
    token = token_of(request)
    used = UsedFormToken.objects.filter(token=token).first()
    if used is not None:
        raise AlreadySent(used)
    return UsedFormToken.objects.create(token=token, purpose=purpose, user=request.user, used_at=timezone.now())


def led_to(used: UsedFormToken, outcome: str) -> None:
    """Remember where the booking led (e.g. the payment's page), for a second submit; same transaction."""
    UsedFormToken.objects.filter(pk=used.pk).update(outcome=outcome[:300])


def _safe(request: HttpRequest, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _page(name: str, kwargs: dict) -> str:
    """The page `name`, with the view's arguments if it takes them (a line's page) or without (a list)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return reverse(name)


def sent_once(view=None, *, back: str = ""):
    """A booking view whose form is sent once: a second submit (or one without token) books nothing and says so.

    It leads to where the first submit led, else to the page named `back` (a URL name, with the
    view's arguments), else to the page the form was on.
    """
    if view is None:
        return functools.partial(sent_once, back=back)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AlreadySent as sent:
            messages.info(
                request,
                _("This form was already sent (at %(time)s); nothing was done the second time.")
                % {"time": timezone.localtime(sent.used.used_at).strftime("%H:%M:%S")},
            )
            target = sent.used.outcome
        except FormOutdated:
            messages.error(request, _("This form is out of date; nothing was done. Reload the page and send it again."))
            target = ""
        if not _safe(request, target):
            referer = request.META.get("HTTP_REFERER", "")
            target = _page(back, kwargs) if back else referer if _safe(request, referer) else "/"
        return redirect(target)

    return wrapper
