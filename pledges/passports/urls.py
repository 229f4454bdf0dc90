"""The item passport. Included by pledges/urls.py under the `pledges` namespace."""

from django.urls import path

from pledges.passports.views import passport, passport_photo, unit_replace_label, units_not_moving

urlpatterns = [
    # Public on purpose: the unit's QR label carries a signed link (see pledges.passports.links).
    path("paspoort/<str:token>/", passport, name="unit_passport"),
    path("paspoort/<str:token>/foto/<int:pk>/", passport_photo, name="unit_passport_photo"),
    path("eenheden/stil/", units_not_moving, name="units_not_moving"),
    path("eenheden/<int:pk>/nieuw-label/", unit_replace_label, name="unit_replace_label"),
]
