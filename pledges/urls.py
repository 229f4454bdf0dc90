"""The app's URLs: each part of the domain lists its own; all are named `pledges:<name>`.

The accounts' pages are not here: they keep Django's bare names (`login`, `password_reset`...)
and are included by fonds/urls.py.
"""

from django.urls import path

from pledges import pages
from pledges.dashboards import urls as dashboards_urls
from pledges.donations import urls as donations_urls
from pledges.equipment import urls as equipment_urls
from pledges.finance import urls as finance_urls
from pledges.logistics import urls as logistics_urls
from pledges.paperwork import urls as paperwork_urls
from pledges.passports import urls as passports_urls
from pledges.recipients import urls as recipients_urls
from pledges.usage import urls as usage_urls

app_name = "pledges"

urlpatterns = [
    *donations_urls.urlpatterns,
    *equipment_urls.urlpatterns,
    *logistics_urls.urlpatterns,
    *recipients_urls.urlpatterns,
    *paperwork_urls.urlpatterns,
    *passports_urls.urlpatterns,
    *usage_urls.urlpatterns,
    *dashboards_urls.urlpatterns,
    *finance_urls.urlpatterns,
    # The footer's pages, public: what a Dutch public body's site must say about itself.
    path("privacy/", pages.privacy, name="privacy"),
    path("toegankelijkheid/", pages.accessibility, name="accessibility"),
    path("contact/", pages.contact, name="contact"),
    path("colofon/", pages.colophon, name="colophon"),
]
