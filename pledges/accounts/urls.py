"""The accounts' pages: login in two steps, the second factor, password reset and change.

Included by fonds/urls.py without a namespace (Django's auth views reverse `login`,
`password_reset_done` and the like by their bare names). Every template is named here:
they live in templates/accounts/, not in Django's default registration/.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from pledges.accounts.forms import PasswordLinkForm
from pledges.accounts.views import (
    PasswordLinkConfirmView,
    PasswordLinkView,
    ThrottledLoginView,
    admin_login,
    login_code,
    login_enrol,
    two_factor,
    two_factor_disable,
    two_factor_enable,
    two_factor_new_codes,
    two_factor_recovery_codes,
)

urlpatterns = [
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("login/code/", login_code, name="login_code"),
    path("login/koppelen/", login_enrol, name="login_enrol"),
    path("account/tweestaps/", two_factor, name="two_factor"),
    path("account/tweestaps/aanzetten/", two_factor_enable, name="two_factor_enable"),
    path("account/tweestaps/herstelcodes/", two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("account/tweestaps/nieuwe-herstelcodes/", two_factor_new_codes, name="two_factor_new_codes"),
    path("account/tweestaps/uitzetten/", two_factor_disable, name="two_factor_disable"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        # The form queues the mail (pledges/accounts/mails.py), which names its own templates.
        PasswordLinkView.as_view(form_class=PasswordLinkForm, template_name="accounts/password_reset_form.html"),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        PasswordLinkConfirmView.as_view(template_name="accounts/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "password-change/",
        auth_views.PasswordChangeView.as_view(template_name="accounts/password_change_form.html"),
        name="password_change",
    ),
    path(
        "password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    # Before the admin's own URLs: the admin has no login page of its own (see accounts.views.admin_login).
    path("admin/login/", admin_login),
]
