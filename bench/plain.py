"""A plain django-tables2 page per table: the reference the ledger pages are measured against.

What a tables2 page costs without the ledger's work: the same filter (so the same
indexes answer it), the same joins and columns, 25 rows a page; django-tables2's own
paginator (COUNT(*) and OFFSET), no totals, and tables2's stock template without the
site's layout. Mounted under /bench/plain/ by install(); the bench only.
"""

from __future__ import annotations

import django_tables2 as tables
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django_tables2 import RequestConfig

# Imported once Django is set up (bench/ledger.py imports this module after django.setup()).
from pledges.donations.access import visible_donations
from pledges.donations.filters import DonationFilter
from pledges.equipment.access import visible_offers
from pledges.equipment.filters import OfferFilter
from pledges.models import Donation, EquipmentOffer

PER_PAGE = 25
PAGE = engines["django"].from_string(
    "{% load django_tables2 %}<!doctype html><html lang=\"nl\"><title>plain</title>"
    "<main>{% render_table table 'django_tables2/table.html' %}</main></html>"
)


class PlainDonationTable(tables.Table):
    class Meta:
        model = Donation
        fields = ("id", "created_at", "municipality", "municipality__province", "appeal",
                  "amount_cents", "received_cents", "status", "expected_date")
        order_by = ("-created_at",)


class PlainOfferTable(tables.Table):
    class Meta:
        model = EquipmentOffer
        fields = ("id", "created_at", "municipality", "description", "quantity", "power_kva",
                  "value_cents", "destination", "status", "available_from", "pickup_date")
        order_by = ("-created_at",)


def donations(request: HttpRequest) -> HttpResponse:
    rows = DonationFilter(request.GET or None, queryset=visible_donations(request.user).for_table(),
                          user=request.user).qs
    return _page(request, PlainDonationTable(rows))


def offers(request: HttpRequest) -> HttpResponse:
    rows = OfferFilter(request.GET or None, queryset=visible_offers(request.user).for_table(), user=request.user).qs
    return _page(request, PlainOfferTable(rows))


def _page(request: HttpRequest, table: tables.Table) -> HttpResponse:
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return HttpResponse(PAGE.render({"table": table}, request))


def install() -> None:
    """Add /bench/plain/donations/ and /bench/plain/offers/ to the site's URLs (before the first request)."""
    from django.conf import settings
    from django.urls import clear_url_caches
    from django.utils.module_loading import import_string

    patterns = import_string(f"{settings.ROOT_URLCONF}.urlpatterns")
    patterns.insert(0, path("bench/plain/offers/", offers))
    patterns.insert(0, path("bench/plain/donations/", donations))
    clear_url_caches()
