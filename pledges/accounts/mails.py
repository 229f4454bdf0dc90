"""The accounts' e-mails, as tasks: the invitation, the password link, changes to two-step login.

The link's token is made by the worker, when the mail is written: no secret waits in the queue.
"""

import datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pledges.accounts.models import User, normalise_email
from pledges.accounts.tokens import invitation_tokens, tokens_for
from pledges.core.mails import compose, ledger_link
from pledges.core.tasks import mail_task


def _password_path(user: User, tokens: PasswordResetTokenGenerator) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", args=[uid, tokens.make_token(user)])


@mail_task
def send_invitation(user_pk: int, base_url: str) -> None:
    """Invite a new user: a link, valid 7 days, that lets them choose a first password."""
    user = User.objects.get(pk=user_pk)
    link = base_url.rstrip("/") + _password_path(user, invitation_tokens)
    compose("accounts/emails/invitation", {"user": user, "link": link}, [user.email]).send()


@mail_task
def send_password_link(email: str | int, domain: str, protocol: str, language: str) -> None:
    """The link to choose a new password, in the language the person asked in, to each active account of `email`.

    Queued for every request, known address or not, so that the request takes the same time
    either way; only here, in the worker, is the account looked up (none: no mail).
    A reset of an existing password is valid 1 hour; for someone who never chose one, 7 days.
    """
    # Tasks queued before this took the address carried the user's pk.
    users = User.objects.filter(pk=email) if isinstance(email, int) else User.objects.filter(
        email__iexact=normalise_email(email)
    )
    for user in users.filter(is_active=True):
        tokens = tokens_for(user)
        context = {
            "user": user,
            "link": f"{protocol}://{domain}{_password_path(user, tokens)}",
            "site_name": domain,
            "invitation": tokens is invitation_tokens,
        }
        compose("accounts/emails/password_reset", context, [user.email], language=language, html=True).send()


# What happened to a user's two-step login, for the mail that tells them.
TWO_FACTOR_SET_UP, TWO_FACTOR_RESET, TWO_FACTOR_OFF = "set_up", "reset", "off"


@mail_task
def send_two_factor_changed(user_pk: int, change: str, at: str) -> None:
    """Tell the user that two-step login was set up, reset by an administrator or turned off.

    Whoever did not do it themselves learns so, and can have the account looked at.
    """
    user = User.objects.get(pk=user_pk)
    context = {
        "user": user,
        "change": change,
        "at": datetime.datetime.fromisoformat(at),
        "url": ledger_link(reverse("two_factor")),
    }
    compose("accounts/emails/two_factor_changed", context, [user.email]).send()
