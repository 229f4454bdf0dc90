"""Logging in (password, then the second step), confirming a password, the password link."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pledges.accounts.mails import send_password_link
from pledges.accounts.models import normalise_email


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

    error_messages = {
        "throttled": _(
            "Many links were asked for from this address or for this e-mail address. Wait an hour and "
            "try again; a link you already received keeps working."
        ),
    }

    def save(self, domain_override=None, use_https=False, request=None, **kwargs) -> None:
        """Queue the link for the address as typed; the worker finds the account, makes the token, writes the mail.

        Replaces Django's save(), which would look the account up, make a token and render the
        mail in the request: a known address took longer than an unknown one, which told
        anyone timing the page which addresses have an account.
        """
        domain = domain_override or get_current_site(request).domain
        protocol = "https" if use_https else "http"
        send_password_link.enqueue(
            normalise_email(self.cleaned_data["email"]), domain, protocol, translation.get_language()
        )
