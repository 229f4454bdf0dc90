"""The start page, the header's search, the dashboards (per appeal, per municipality, public) and
"what happened with our contribution".

Included by pledges/urls.py under the `pledges` namespace.
"""

from django.urls import path

from pledges.dashboards.contribution import contribution, contribution_home, receipt_photo
from pledges.dashboards.mailbox import municipality_mailbox
from pledges.dashboards.search import search
from pledges.dashboards.start import start
from pledges.dashboards.views import (
    appeal_dashboard,
    dashboard_home,
    municipality_dashboard,
    municipality_naming,
    my_dashboard,
    public_appeal,
)

urlpatterns = [
    # Where login lands: what needs the person today (pledges/dashboards/start.py).
    path("", start, name="home"),
    path("zoeken/", search, name="search"),
    path("bijdrage/", contribution_home, name="contribution_home"),
    path("bijdrage/<str:code>/", contribution, name="contribution"),
    path(
        "bijdrage/<str:code>/ontvangstfoto/<int:offer_pk>/",
        receipt_photo,
        name="contribution_receipt_photo",
    ),
    path("overzicht/", my_dashboard, name="my_dashboard"),
    path("overzicht/oproepen/", dashboard_home, name="dashboard_home"),
    path("overzicht/oproepen/<int:pk>/", appeal_dashboard, name="appeal_dashboard"),
    path("overzicht/gemeenten/<str:code>/", municipality_dashboard, name="municipality_dashboard"),
    path(
        "overzicht/gemeenten/<str:code>/openbaar-vermelden/",
        municipality_naming,
        name="municipality_naming",
    ),
    path("overzicht/gemeenten/<str:code>/gedeelde-mailbox/", municipality_mailbox, name="municipality_mailbox"),
    # Public on purpose, and only when PUBLIC_DASHBOARDS is on: no personal data, see the view.
    path("openbaar/<int:pk>/", public_appeal, name="public_appeal"),
]
