"""Logging in (password, then the second step), confirming a password, the password link."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pledges.accounts.mails import send_password_link
from pledges.accounts.models import User, normalise_email


class EmailLoginForm(AuthenticationForm):
    """Log in with the work e-mail address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and password do not match. Both are case-sensitive for the "
            "password only. Forgot your password? Request a new one below."
        ),
        "throttled": _(
            "Too many failed attempts from this address. Wait 15 minutes, or reset your password."
        ),
    }


class SecondFactorForm(forms.Form):
    """The code step of the login: six digits from the app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
    )

    error_messages = {
        "wrong_code": _("This code is not right, or it was already used. Type the code your app shows now."),
    }


class FirstCodeForm(SecondFactorForm):
    """Confirm a newly scanned authenticator app with the first code it shows."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        help_text=_("The six digits the app shows after you scanned the code or typed in the key."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordConfirmForm(forms.Form):
    """Ask for the password again before a change to the second factor."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not right."), code="wrong_password")
        return password


class PasswordLinkForm(PasswordResetForm):
    """Send the password link also to invited users who never chose a password.

    Django skips accounts with an unusable password; here the reset page doubles
    as "first time here?", so an invited user who lost the invitation can ask again.
    """

    def get_users(self, email: str):
        return User.objects.filter(email__iexact=normalise_email(email), is_active=True)

    def save(self, domain_override=None, use_https=False, request=None, **kwargs) -> None:
        """Queue one password link per account; the worker makes its token and writes the mail.

        Replaces Django's save(), which would make a token and render the mail in the request.
        """
        domain = domain_override or get_current_site(request).domain
        protocol = "https" if use_https else "http"
        for user in self.get_users(self.cleaned_data["email"]):
            send_password_link.enqueue(user.pk, domain, protocol, translation.get_language())
