"""The money pledges' pages: the ledger, a pledge, its changes and withdrawal.

Included by pledges/urls.py under the `pledges` namespace.
"""

from django.urls import path

from pledges.donations.views import (
    donation_create,
    donation_detail,
    donation_edit,
    donation_instructions_pdf,
    donation_list,
    donation_withdraw,
)

urlpatterns = [
    path("donaties/", donation_list, name="donation_list"),
    path("donaties/nieuw/", donation_create, name="donation_create"),
    path("donaties/<int:pk>/", donation_detail, name="donation_detail"),
    path("donaties/<int:pk>/wijzigen/", donation_edit, name="donation_edit"),
    path("donaties/<int:pk>/intrekken/", donation_withdraw, name="donation_withdraw"),
    path("donaties/<int:pk>/betaalinstructie.pdf", donation_instructions_pdf, name="donation_instructions_pdf"),
]
