"""The usage pages. Included by pledges/urls.py under the `pledges` namespace."""

from django.urls import path

from pledges.usage.views import usage_list, usage_report, usage_report_file

urlpatterns = [
    path("transporten/gebruik/", usage_list, name="usage_list"),
    path("transporten/<int:pk>/gebruiksrapport/", usage_report_file, name="usage_report_file"),
    # Public on purpose: a signed, expiring link for the recipient organisation (see pledges.usage.links).
    path("gebruik/<str:token>/", usage_report, name="usage_report"),
]
