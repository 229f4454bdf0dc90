"""The tokens in password links: an invitation's lasts 7 days, a reset of an existing password 1 hour.

Django's token generator has one lifetime for every link (PASSWORD_RESET_TIMEOUT, here the
invitation's 7 days). A reset link sits in a mailbox that may be read by others long after;
it is needed within the hour. The two kinds are told apart by their salt, so an old reset
link cannot pass for an invitation. Both end as soon as the password changes or the user logs in.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.http import base36_to_int


class _LinkTokens(PasswordResetTokenGenerator):
    def __init__(self, key_salt: str, timeout_setting: str) -> None:
        super().__init__()
        self.key_salt, self.timeout_setting = key_salt, timeout_setting

    def check_token(self, user, token) -> bool:
        # Django checks the signature and PASSWORD_RESET_TIMEOUT (the longest); then this kind's own.
        if not super().check_token(user, token):
            return False
        issued = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - issued <= getattr(settings, self.timeout_setting)


# Django's own salt: a reset link made by Django's default generator is a reset link here too.
reset_tokens = _LinkTokens(PasswordResetTokenGenerator.key_salt, "PASSWORD_LINK_TIMEOUT")
invitation_tokens = _LinkTokens("pledges.accounts.tokens.invitation", "PASSWORD_RESET_TIMEOUT")


class _EitherLink:
    """What the page behind a password link checks: a valid invitation or a valid reset link."""

    def check_token(self, user, token) -> bool:
        return reset_tokens.check_token(user, token) or invitation_tokens.check_token(user, token)

    def make_token(self, user) -> str:
        return reset_tokens.make_token(user)


password_link_tokens = _EitherLink()


def tokens_for(user) -> _LinkTokens:
    """A user who never chose a password gets an invitation's lifetime, whoever asked for the link."""
    return reset_tokens if user.has_usable_password() else invitation_tokens
