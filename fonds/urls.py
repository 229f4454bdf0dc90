from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

# A request too large (or unreadable) says so in the user's language (pledges.core.errors).
handler400 = "pledges.core.errors.bad_request"

urlpatterns = [
    path("", include("pledges.urls")),
    # Without a namespace: Django's auth views reverse `login`, `password_reset_done`... by these names.
    path("", include("pledges.accounts.urls")),
    path("language/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
