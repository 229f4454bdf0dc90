"""The item passport. Included by pledges/urls.py under the `pledges` namespace."""

from django.urls import path

from pledges.passports.views import passport

urlpatterns = [
    # Public on purpose: the unit's QR label carries a signed link (see pledges.passports.links).
    path("paspoort/<str:token>/", passport, name="unit_passport"),
]
