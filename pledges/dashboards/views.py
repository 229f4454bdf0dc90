"""Dashboards: the state of an appeal at a glance, a municipality's own, and the public page.

Every figure comes from a named QuerySet method (pledges/models) and links to the filtered
table behind it; the charts are server-side SVG with a data table beside them
(pledges/dashboards/charts.py). Each page costs a fixed number of queries, whatever the data.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pledges.accounts.access import (
    EVERYONE,
    FUND_STAFF,
    allow,
    get_visible_or_404,
    public,
    visible_municipalities,
)
from pledges.accounts.models import Role
from pledges.core.middleware import may_be_cached
from pledges.core.money import format_euro
from pledges.dashboards.charts import Chart, Row, bar_chart, line_chart
from pledges.donations import summary
from pledges.donations.access import visible, visible_donations
from pledges.donations.appeals import account_events
from pledges.donations.models import (
    Donation,
    DonationSummary,
    DonationSummaryByMonth,
    DonationSummaryByMunicipality,
    ReceivedSummary,
    ReceivedSummaryByMonth,
)
from pledges.equipment import summary as equipment_summary
from pledges.equipment.models import (
    EquipmentOffer,
    Need,
    OfferSummaryByCategory,
    OfferSummaryByDestination,
    OfferSummaryByMunicipality,
    OfferSummaryByMunicipalityAndDestination,
)
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.passports.services import steps_of_appeal
from pledges.reference.models import Appeal, Municipality

RECENT_EVENTS = 10


def filtered_url(name: str, *args, **query) -> str:
    """A page's address with its filters as a querystring (the ledger filters read them)."""
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse(name, args=args) + ("?" + urlencode(query) if query else "")


def _whole_euro(amount: Decimal) -> str:
    return format_euro(amount).removesuffix(",00").removesuffix(".00")


def _over_time_chart(series: list[dict], description: str) -> Chart:
    return line_chart(
        "over-time",
        _("Pledged and received over time"),
        description,
        _("Up to and including"),
        [_("Pledged"), _("Received")],
        [(row["end"], (row["pledged"], row["received"])) for row in series],
        fmt=format_euro,
        axis_fmt=_whole_euro,
    )


def _pipeline_chart(pipeline: list[dict], link) -> Chart:
    stages = [stage for stage in pipeline if not stage["ended"]]
    return bar_chart(
        "pipeline",
        _("Equipment by status"),
        _("Units of equipment at each stage from offered to receipt confirmed: %(stages)s.")
        % {"stages": "; ".join(f"{stage['label']} {stage['units']}" for stage in stages)},
        _("Status"),
        [_("Units")],
        [Row(str(stage["label"]).capitalize(), [stage["units"]], link(stage["status"])) for stage in stages],
    )


def _delivered_chart(delivered: list[dict], link=None) -> Chart:
    return bar_chart(
        "delivered",
        _("Equipment delivered per city"),
        _("Units delivered, receipt confirmed or not, per city: %(cities)s.")
        % {"cities": "; ".join(f"{row['name']} {row['units']}" for row in delivered) or _("none yet")},
        _("City"),
        [_("Units delivered")],
        [Row(row["name"], [row["units"]], link(row["destination_id"]) if link else "") for row in delivered],
        empty=_("Nothing has been delivered yet. Each city appears here as soon as equipment reaches it."),
    )


@allow(*FUND_STAFF)
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The first open appeal's dashboard (appeals are ordered open first)."""
    appeal = Appeal.objects.first()
    if appeal is None:
        raise Http404
    return redirect("pledges:appeal_dashboard", pk=appeal.pk)


@allow(*FUND_STAFF)
def appeal_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """An appeal for coordinators and finance: money, participation, equipment, needs, activity."""
    appeals = list(Appeal.objects.all())
    appeal = next((candidate for candidate in appeals if candidate.pk == pk), None)
    if appeal is None:
        raise Http404
    donations = Donation.objects.filter(appeal=appeal)
    # Every figure from running sums: the pledges', the matched lines', the offers'.
    provinces = summary.by_province(appeal, equipment_summary.offering(appeal))
    money = Donation.objects.add_up(provinces, summary.overdue(appeal))
    pipeline = equipment_summary.pipeline(OfferSummaryByCategory.objects.filter(appeal=appeal))
    cities = equipment_summary.coverage_per_city(Need.objects.filter(appeal=appeal).open())
    recent = (
        Event.objects.filter(Q(donation__appeal=appeal) | Q(offer__appeal=appeal))
        .select_related("donation__municipality", "offer__municipality", "actor")
        .order_by("-at", "-id")[:RECENT_EVENTS]
    )
    participating = sum(row["participating"] for row in provinces)
    municipalities = sum(row["municipalities"] for row in provinces)

    def ledger(**query) -> str:
        return filtered_url("pledges:donation_list", appeal=appeal.pk, **query)

    def equipment(**query) -> str:
        return filtered_url("pledges:offer_list", appeal=appeal.pk, **query)

    province_chart = bar_chart(
        "provinces",
        _("Participating municipalities per province"),
        _("Of %(total)s municipalities, %(participating)s take part with money or equipment.")
        % {"total": municipalities, "participating": participating},
        _("Province"),
        [_("Participating"), _("Municipalities")],
        [
            Row(row["province"], [row["participating"], row["municipalities"]], ledger(province=row["province"]))
            for row in provinces
        ],
    )
    needs_chart = bar_chart(
        "needs",
        _("Needs coverage per city"),
        _("Units needed, pledged and delivered for the open needs of each city: %(cities)s.")
        % {
            "cities": "; ".join(
                _("%(city)s %(percent)s%% covered") % {"city": city["destination"], "percent": city["percent"]}
                for city in cities
            )
            or _("no open needs")
        },
        _("City"),
        [_("Needed"), _("Pledged"), _("Delivered")],
        [
            Row(
                str(city["destination"]),
                [city["needed"], city["pledged"], city["delivered"]],
                reverse("pledges:need_city", args=[city["destination"].pk]),
            )
            for city in cities
        ],
    )
    target = appeal.target
    return render(
        request,
        "dashboards/appeal.html",
        {
            "appeal": appeal,
            "appeals": appeals,
            "account_events": list(account_events(appeal)),
            "money": money,
            "in_kind": EquipmentOffer.objects.add_up(pipeline),
            "target": target,
            "target_percent": round(100 * money["pledged"] / target) if target else None,
            "participating": participating,
            "withdrawn": summary.totals(
                DonationSummaryByMonth.objects.filter(appeal=appeal, status=Donation.Status.WITHDRAWN), donations
            ).rows,
            "municipalities": municipalities,
            "provinces": provinces,
            "recent": recent,
            "links": {
                "pledged": ledger(),
                "received": ledger(),
                "partly_received": ledger(status=Donation.Status.PARTLY_RECEIVED),
                "outstanding": filtered_url("pledges:finance_outstanding", appeal=appeal.pk),
                "overdue": ledger(overdue="on"),
                "offers": equipment(),
                "withdrawn": ledger(status=Donation.Status.WITHDRAWN),
                "participating": filtered_url("pledges:contribution_home", appeal=appeal.pk),
            },
            "charts": [
                _over_time_chart(
                    summary.over_time(donations, DonationSummaryByMonth.objects.filter(appeal=appeal),
                                      ReceivedSummaryByMonth.objects.filter(appeal=appeal)),
                    _("Cumulative euro pledged (by the day of the pledge) and received (by the booking "
                      "date of matched bank lines): now %(pledged)s pledged and %(received)s received.")
                    % {"pledged": format_euro(money["pledged"]), "received": format_euro(money["received"])},
                ),
                _pipeline_chart(pipeline, lambda status: equipment(status=status)),
                province_chart,
                needs_chart,
            ],
            "ended": [stage for stage in pipeline if stage["ended"]],
            "equipment_link": equipment,
        },
    )


@allow(*EVERYONE)
def my_dashboard(request: HttpRequest) -> HttpResponse:
    """Staff go to their municipality's dashboard; fund staff to the appeal dashboard."""
    user = request.user
    if user.is_municipal_staff and user.municipality_id:
        return redirect("pledges:municipality_dashboard", code=user.municipality.code)
    return redirect("pledges:dashboard_home")


@allow(*EVERYONE)
def municipality_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """One municipality's pledges, what arrived, and what was delivered where; only its own for staff."""
    user = request.user
    municipality = get_visible_or_404(visible_municipalities(user), code=code)
    donations = visible_donations(user).filter(municipality=municipality)
    # Its money from the municipality level; its overdue needs the months due of the finest.
    money = summary.totals(
        visible(user, DonationSummaryByMunicipality.objects.filter(municipality=municipality)), donations
    )
    buckets = visible(user, DonationSummary.objects.filter(municipality=municipality))
    pipeline = equipment_summary.pipeline(
        visible(user, OfferSummaryByMunicipality.objects.filter(municipality=municipality))
    )
    delivered = equipment_summary.delivered_per_destination(
        visible(user, OfferSummaryByMunicipalityAndDestination.objects.filter(municipality=municipality))
    )
    # Fund staff filter the ledgers by municipality; staff see only their own anyway.
    scope = {} if user.is_municipal_staff else {"municipality": municipality.pk}
    return render(
        request,
        "dashboards/municipality.html",
        {
            "municipality": municipality,
            "money": money,
            "overdue": summary.totals(buckets, donations.overdue(), overdue=True),
            "in_kind": EquipmentOffer.objects.add_up(pipeline),
            "delivered_units": sum(row["units"] for row in delivered),
            "links": {
                "pledged": filtered_url("pledges:donation_list", **scope),
                "received": filtered_url("pledges:donation_list", **scope),
                "overdue": filtered_url("pledges:donation_list", overdue="on", **scope),
                "offers": filtered_url("pledges:offer_list", **scope),
                "contribution": reverse("pledges:contribution", args=[municipality.code]),
            },
            "charts": [
                _over_time_chart(
                    summary.over_time(donations, buckets,
                                      visible(user, ReceivedSummary.objects.filter(municipality=municipality))),
                    _("Cumulative euro pledged by %(name)s and received by the fund: now %(pledged)s "
                      "pledged and %(received)s received.")
                    % {"name": municipality.name, "pledged": format_euro(money.pledged),
                       "received": format_euro(money.received)},
                ),
                _pipeline_chart(pipeline, lambda status: filtered_url("pledges:offer_list", status=status, **scope)),
                _delivered_chart(delivered, lambda pk: filtered_url("pledges:offer_list", destination=pk, **scope)),
            ],
            "can_switch_naming": user.is_municipal_staff and user.municipality_id == municipality.pk,
            "naming_events": municipality.events.filter(kind=Event.Kind.NAMED_PUBLICLY)
            .select_related("actor")
            .order_by("at", "id"),
            "public_appeals": Appeal.objects.filter(is_open=True) if settings.PUBLIC_DASHBOARDS else [],
        },
    )


@allow(Role.MUNICIPAL_STAFF)
@require_POST
def municipality_naming(request: HttpRequest, code: str) -> HttpResponse:
    """The municipality's own choice to be named, with its figures, on the public page."""
    user = request.user
    named = request.POST.get("named_publicly") == "on"
    with writing():
        municipality = get_visible_or_404(visible_municipalities(user).select_for_update(), code=code)
        if municipality.named_publicly != named:
            municipality.named_publicly = named
            municipality.save(update_fields=["named_publicly"])
            record(
                Event.Kind.NAMED_PUBLICLY,
                municipality,
                actor=user,
                data={"named": named},
            )
    if named:
        messages.success(request, _("%(name)s is now named on the public page.") % {"name": municipality.name})
    else:
        messages.success(request, _("%(name)s is no longer named on the public page.") % {"name": municipality.name})
    return redirect("pledges:municipality_dashboard", code=municipality.code)


@public
@may_be_cached
def public_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """An appeal for everyone, when the fund publishes it: totals, participation, deliveries.

    Municipalities are counted, never named, unless they chose to be; no person, IBAN or
    other municipality's amount appears here.
    """
    if not settings.PUBLIC_DASHBOARDS:
        raise Http404
    appeal = get_object_or_404(Appeal, pk=pk)
    donations = Donation.objects.filter(appeal=appeal)
    delivered = equipment_summary.delivered_per_destination(OfferSummaryByDestination.objects.filter(appeal=appeal))
    named = Municipality.objects.participating(appeal).named_publicly()
    # From the rows: the few named municipalities' pledges are fewer than the appeal's summary rows.
    money_of_named = {row["id"]: row for row in donations.filter(municipality__in=named).by_municipality()}
    return render(
        request,
        "dashboards/public.html",
        {
            "appeal": appeal,
            "money": summary.totals(DonationSummaryByMonth.objects.filter(appeal=appeal), donations),
            "participating": Municipality.objects.participating(appeal).count(),
            "delivered_units": sum(row["units"] for row in delivered),
            "chart": _delivered_chart(delivered),
            "unit_steps": steps_of_appeal(appeal),
            "named": [
                {"name": municipality.name, "province": municipality.province, "money": money_of_named.get(municipality.pk)}
                for municipality in named
            ],
        },
    )
