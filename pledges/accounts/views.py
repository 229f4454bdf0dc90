"""Login in two steps (password, then a code), the second factor's own pages, and throttling.

Only `twofactor.complete_login` (or Django's login for a user without a second
factor) logs anyone in; the admin sends its login here too.
"""


from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from pledges.accounts import twofactor as accounts_twofactor
from pledges.accounts.access import EVERYONE, allow
from pledges.accounts.forms import (
    EmailLoginForm,
    FirstCodeForm,
    PasswordConfirmForm,
    PasswordLinkForm,
    SecondFactorForm,
)
from pledges.accounts.mails import TWO_FACTOR_OFF
from pledges.accounts.models import User
from pledges.accounts.throttle import (
    ACCOUNT,
    ADDRESS,
    client_address,
    forget_failures,
    is_known_device,
    login_limit,
    password_link_allowed,
    record_failure,
    record_password_link,
    remember_device,
)
from pledges.accounts.tokens import password_link_tokens
from pledges.accounts.twofactor import (
    begin_pending_login,
    complete_login,
    confirm_enrolment,
    enrolment_authenticator,
    grouped_secret,
    issue_recovery_codes,
    pending_next_url,
    pending_user,
    qr_code_data_uri,
    remove_second_factor,
    show_recovery_codes_once,
    take_recovery_codes_to_show,
    unused_recovery_codes,
    verify,
)


class ThrottledLoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        account = request.POST.get("username", "")
        address = client_address(request)
        known_device = is_known_device(request, account)
        limit = login_limit(account, address, known_device=known_device)
        if limit == ACCOUNT:
            # Refuse before checking the password, so guesses stop teaching anything.
            return self._throttled()
        form = self.get_form()
        if form.is_valid():
            if limit == ADDRESS and not accounts_twofactor.has_authenticator(form.get_user()):
                # Over the address's limit a password alone lets nobody in: the same answer as a
                # wrong one, so a guesser learns nothing. Two-step login or a known browser does.
                return self._throttled()
            return self.form_valid(form)
        record_failure(account, address, known_device=known_device)
        return self._throttled() if limit == ADDRESS else self.form_invalid(form)

    def _throttled(self) -> HttpResponse:
        # Mark the form as cleaned without validating it: validation would
        # call authenticate() and hash the guess.
        form = self.get_form()
        form._errors, form.cleaned_data = ErrorDict(), {}
        form.add_error(None, form.error_messages["throttled"])
        return self.render_to_response(self.get_context_data(form=form), status=429)

    def form_valid(self, form: EmailLoginForm) -> HttpResponse:
        user = form.get_user()
        has_authenticator = accounts_twofactor.has_authenticator(user)
        if has_authenticator or user.requires_two_factor:
            # Failures are forgotten only once the code is right too: otherwise
            # someone who knows the password could reset the count between guesses.
            begin_pending_login(self.request, user, self.get_success_url())
            return redirect("login_code" if has_authenticator else "login_enrol")
        forget_failures(
            user.email, client_address(self.request), known_device=is_known_device(self.request, user.email)
        )
        return remember_device(self.request, super().form_valid(form), user.email)


def _code_accepted(request: HttpRequest, user: User, form: Form, check: Callable[[str], bool]) -> tuple[bool, int]:
    """Check a posted code under the login throttle; on refusal the form carries the reason.

    Only the account's own limit refuses a code: whoever reached this step gave the right
    password, so a busy address (ADDRESS) does not stop them.
    """
    address = client_address(request)
    known_device = is_known_device(request, user.email)
    valid = form.is_valid()
    if login_limit(user.email, address, known_device=known_device) == ACCOUNT:
        form.add_error(None, EmailLoginForm.error_messages["throttled"])
        return False, 429
    if valid and check(form.cleaned_data["code"]):
        forget_failures(user.email, address, known_device=known_device)
        return True, 200
    record_failure(user.email, address, known_device=known_device)
    if valid:
        form.add_error("code", SecondFactorForm.error_messages["wrong_code"])
    return False, 200


def _enrol(request: HttpRequest, user: User, *, during_login: bool) -> HttpResponse:
    """Show the secret to scan; a first right code confirms it, makes recovery codes and shows them once."""
    authenticator = enrolment_authenticator(request, user)
    form = FirstCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        accepted, status = _code_accepted(
            request, user, form, lambda code: confirm_enrolment(request, authenticator, code)
        )
        if accepted:
            if during_login:
                complete_login(request, user)
            show_recovery_codes_once(request, issue_recovery_codes(user))
            return remember_device(request, redirect("two_factor_recovery_codes"), user.email)
    context = {
        "form": form,
        "during_login": during_login,
        "qr_code": qr_code_data_uri(authenticator),
        "secret": grouped_secret(authenticator),
    }
    return render(request, "accounts/two_factor_enrol.html", context, status=status)


@login_not_required
@never_cache
@sensitive_post_parameters("code")
def login_code(request: HttpRequest) -> HttpResponse:
    """The second login step: a code from the app, or a recovery code."""
    user = pending_user(request)
    if user is None:
        return redirect("login")
    if not accounts_twofactor.has_authenticator(user):
        return redirect("login_enrol")
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        accepted, status = _code_accepted(request, user, form, lambda code: verify(user, code))
        if accepted:
            next_url = pending_next_url(request)
            complete_login(request, user)
            if unused_recovery_codes(user) <= 2:
                messages.warning(request, _("You have few recovery codes left. Make new ones under Two-step login."))
            return remember_device(request, redirect(next_url or settings.LOGIN_REDIRECT_URL), user.email)
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@login_not_required
@never_cache
@sensitive_post_parameters("code")
def login_enrol(request: HttpRequest) -> HttpResponse:
    """For a role that needs a second factor and has none yet: scan, confirm, then log in."""
    user = pending_user(request)
    if user is None:
        return redirect("login")
    if accounts_twofactor.has_authenticator(user):
        return redirect("login_code")
    return _enrol(request, user, during_login=True)


class PasswordLinkView(auth_views.PasswordResetView):
    """Ask for a password link: limited per address and per account (as typed, known or not)."""

    def form_valid(self, form: PasswordLinkForm) -> HttpResponse:
        account, address = form.cleaned_data["email"], client_address(self.request)
        if not password_link_allowed(account, address):
            form.add_error(None, form.error_messages["throttled"])
            return self.render_to_response(self.get_context_data(form=form), status=429)
        record_password_link(account, address)
        return super().form_valid(form)


class PasswordLinkConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a password with a link: an invitation's (7 days) or a reset's (1 hour)."""

    token_generator = password_link_tokens

    def form_valid(self, form) -> HttpResponse:
        # Whoever has the mailbox is the user: this browser is known from now on, so
        # guessers at the same address no longer keep them out (pledges.accounts.throttle).
        return remember_device(self.request, super().form_valid(form), self.user.email)


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin logs in through the same two-step login as every other page."""
    if request.user.is_authenticated and not request.user.is_staff:
        # Logged in, but not for the admin: sending them to the login page would loop.
        raise PermissionDenied
    return redirect(f"{reverse('login')}?{urlencode({'next': request.GET.get('next', reverse('admin:index'))})}")


# The user's own second factor


@allow(*EVERYONE)
@never_cache
def two_factor(request: HttpRequest) -> HttpResponse:
    """What protects this account, and the ways to change it."""
    return _two_factor_page(request)


def _two_factor_page(request: HttpRequest, refused: PasswordConfirmForm | None = None) -> HttpResponse:
    """The account's second-factor page; `refused` is a password form to show again with its error."""
    user = request.user
    forms = {prefix: PasswordConfirmForm(user, prefix=prefix) for prefix in ("codes", "off")}
    if refused is not None:
        forms[refused.prefix] = refused
    context = {
        "enabled": accounts_twofactor.has_authenticator(user),
        "required": user.requires_two_factor,
        "unused_codes": unused_recovery_codes(user),
        "codes_form": forms["codes"],
        "off_form": forms["off"],
    }
    return render(request, "accounts/two_factor.html", context, status=400 if refused else 200)


@allow(*EVERYONE)
@never_cache
@sensitive_post_parameters("code")
def two_factor_enable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor on from the account page (municipal staff may choose to)."""
    user = request.user
    if accounts_twofactor.has_authenticator(user):
        return redirect("two_factor")
    return _enrol(request, user, during_login=False)


@allow(*EVERYONE)
@never_cache
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Show newly made recovery codes, once: a reload shows them no more."""
    codes = take_recovery_codes_to_show(request)
    if not codes:
        return redirect("two_factor")
    return render(request, "accounts/two_factor_recovery_codes.html", {"codes": codes})


def _wrong_password(request: HttpRequest, prefix: str) -> PasswordConfirmForm | None:
    """The posted password form if the password is wrong (to show again with its error), else None."""
    form = PasswordConfirmForm(request.user, request.POST, prefix=prefix)
    return None if form.is_valid() else form


@allow(*EVERYONE)
@require_POST
@sensitive_post_parameters("codes-password", "off-password")
def two_factor_new_codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes (the old ones stop working), after the password."""
    if not accounts_twofactor.has_authenticator(request.user):
        return redirect("two_factor")
    if wrong := _wrong_password(request, "codes"):
        return _two_factor_page(request, wrong)
    show_recovery_codes_once(request, issue_recovery_codes(request.user))
    return redirect("two_factor_recovery_codes")


@allow(*EVERYONE)
@require_POST
@sensitive_post_parameters("codes-password", "off-password")
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off: only where the role does not require it, and with the password."""
    if request.user.requires_two_factor:
        raise PermissionDenied
    if wrong := _wrong_password(request, "off"):
        return _two_factor_page(request, wrong)
    remove_second_factor(request.user, TWO_FACTOR_OFF)
    messages.success(request, _("Two-step login is off. You log in with your password only."))
    return redirect("two_factor")
