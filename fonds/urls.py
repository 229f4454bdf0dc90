from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from pledges.accounts.forms import PasswordLinkForm
from pledges.accounts.views import (
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
    path("", include("pledges.urls")),
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
        # The form queues the mail (pledges/accounts/mails.py); the templates are its own.
        auth_views.PasswordResetView.as_view(form_class=PasswordLinkForm),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("language/", login_not_required(set_language), name="set_language"),
    # Before the admin's own URLs: the admin has no login page of its own (see accounts.admin_login).
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
]
