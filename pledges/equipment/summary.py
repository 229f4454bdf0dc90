"""Totals of the equipment offers that do not scan them: read from the offers' summaries, kept by triggers.

Two levels (migration 0026_equipment_summary): per appeal, status and category for fund
staff's totals without a municipality or province, per appeal, municipality and status
for those with one (and a municipality's own staff). `totals(filterset)` answers the
equipment table's filters from them where it can (appeal, status, category, province,
municipality, as far as the level holds them); any other filter (the search box, a
destination, dates) sums the rows, exactly, as before.

`differences()` and `rebuild()` check and restore them from the rows (verify_ledger).
"""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from pledges.core.money import cents_to_euro, format_euro
from pledges.donations import search
from pledges.donations.access import visible
from pledges.donations.summary import Key, findings, key_of, narrowed, rebuild_levels, set_filters, stored
from pledges.equipment.models import (
    DELIVERED_STATUSES,
    ENDED_STATUSES,
    IN_TRANSIT_STATUSES,
    PLEDGED_STATUSES,
    EquipmentOffer,
    NeedQuerySet,
    OfferSummaryByCategory,
    OfferSummaryByDestination,
    OfferSummaryByMunicipality,
    OfferSummaryByMunicipalityAndDestination,
    coverage_of,
    delivered_rows,
    stages,
    units_counted,
)
from pledges.equipment.filters import OFFER_NUMBER, described
from pledges.reference.models import Destination

Level = type[OfferSummaryByCategory | OfferSummaryByMunicipality]
LEVELS: dict[Level, str] = {
    OfferSummaryByCategory: "Equipment totals per category",
    OfferSummaryByMunicipality: "Equipment totals per municipality",
}
SUMS = ("offers", "units", "value_cents")
DESTINATION_SUMS = ("offers", "units")
_COUNTED = ~Q(status__in=ENDED_STATUSES)


def _level(user, data: dict) -> Level | None:
    """The level that answers the filters in `data` for `user`, or None (the rows must be summed)."""
    if data.keys() - {"appeal", "status", "category", "province", "municipality"}:
        return None
    if user.is_fund_staff and not data.keys() & {"province", "municipality"}:
        return OfferSummaryByCategory
    return None if "category" in data else OfferSummaryByMunicipality


def totals(filterset) -> dict:
    """Rows, units and value (euro) of the offers `filterset` (an OfferFilter) selects: `OfferQuerySet.totals()`.

    A text search besides filters the municipality level answers: the offers of the
    municipalities it names from that level, only its other matches (descriptions) from the rows.
    """
    data = set_filters(filterset)
    searched = data.pop("q", "").strip()
    # (The municipality level answers the other filters when it would answer them with a municipality.)
    if searched and not OFFER_NUMBER.match(searched) and _level(filterset.user, data | {"municipality": True}):
        named = search.municipalities_named(searched)
        buckets = narrowed(visible(filterset.user, OfferSummaryByMunicipality.objects.all()), data)
        elsewhere = filterset.qs.filter(described(searched)).exclude(municipality__in=named).totals()
        return _add(_summed(buckets.filter(municipality__in=named)), elsewhere)
    level = None if searched else _level(filterset.user, data)
    if level is None:
        return filterset.qs.totals()
    return _summed(narrowed(visible(filterset.user, level.objects.all()), data))


def _summed(buckets: QuerySet) -> dict:
    sums = buckets.aggregate(
        rows=Sum("offers", default=0),
        units=Sum("units", filter=_COUNTED, default=0),
        value=Sum("value_cents", filter=_COUNTED, default=0),
    )
    return {"rows": sums["rows"], "units": sums["units"], "value": cents_to_euro(sums["value"])}


def _add(*parts: dict) -> dict:
    return {key: sum(part[key] for part in parts) for key in ("rows", "units", "value")}


def pipeline(buckets: QuerySet) -> list[dict]:
    """`OfferQuerySet.pipeline()` of the offers `buckets` (rows of one level) sum up."""
    return stages(
        buckets.order_by().values("status").annotate(offers=Sum("offers"), units=Sum("units"), value=Sum("value_cents"))
    )


def offering(appeal) -> QuerySet[OfferSummaryByMunicipality]:
    """The municipality level's rows of offers to `appeal` that count: who takes part with equipment."""
    return OfferSummaryByMunicipality.objects.filter(_COUNTED, appeal=appeal, offers__gt=0)


def coverage_per_city(needs: NeedQuerySet) -> list[dict]:
    """`needs.coverage_per_city()`, each need's units read from OfferSummaryByDestination: one query.

    Per need and stage a range of the summary's (need, status) index, however many offers answer it.
    """

    def units(statuses) -> Coalesce:
        of_need = OfferSummaryByDestination.objects.filter(need_pk=OuterRef("pk"), status__in=statuses).order_by()
        return Coalesce(Subquery(of_need.values("need_pk").annotate(units=Sum("units")).values("units")), 0)

    return coverage_of(
        needs.annotate(
            pledged_units=units(PLEDGED_STATUSES),
            in_transit_units=units(IN_TRANSIT_STATUSES),
            delivered_units=units(DELIVERED_STATUSES),
        ).select_related("destination").order_by()
    )


def delivered_per_destination(
    buckets: QuerySet[OfferSummaryByDestination | OfferSummaryByMunicipalityAndDestination],
) -> list[dict]:
    """`OfferQuerySet.delivered_per_destination()` of the offers `buckets` (rows of a summary per destination) hold."""
    rows = (
        buckets.filter(status__in=DELIVERED_STATUSES)
        .order_by()
        .values("destination_pk")
        .annotate(offers=Sum("offers"), units=Sum("units"))
        .filter(offers__gt=0)
    )
    names = Destination.objects.filter(pk=OuterRef("destination_pk")).values("name_nl")
    # As the rows' query: by name (no destination has none, sorted where the database puts NULL).
    rows = rows.annotate(destination__name_nl=Subquery(names)).order_by("destination__name_nl", "destination_pk")
    return delivered_rows(
        {**row, "destination_id": row["destination_pk"] or None} for row in rows
    )


# Checking and restoring the summaries from the rows.


def recomputed(level: Level) -> dict[Key, tuple[int, int, int]]:
    """The level as the offer rows make it."""
    key = key_of(level)
    rows = (
        EquipmentOffer.objects.order_by()
        .values(*key)
        .annotate(offers=Count("*"), units=Sum("quantity"), value=Sum(F("quantity") * F("value_cents")))
    )
    return {tuple(row[column] for column in key): (row["offers"], row["units"], row["value"]) for row in rows}


# The summaries per destination, each with its key as the offers' columns (no destination or need: 0).
PER_DESTINATION = {
    OfferSummaryByDestination: ("Equipment totals per destination", ("appeal_id", "destination_id", "need_id", "status")),
    OfferSummaryByMunicipalityAndDestination: (
        "Equipment totals per municipality and destination", ("municipality_id", "appeal_id", "destination_id", "status")
    ),
}


def destination_recomputed(level: type[OfferSummaryByDestination | OfferSummaryByMunicipalityAndDestination]
                           = OfferSummaryByDestination) -> dict[Key, tuple]:
    """A summary per destination as the offer rows (and their receipts) make it."""
    _, columns = PER_DESTINATION[level]
    rows = (
        EquipmentOffer.objects.order_by()
        .values(*columns)
        .annotate(offers=Count("*"), units=Sum(units_counted()))
    )
    return {tuple(row[column] or 0 for column in columns):
            (row["offers"], row["units"]) for row in rows}


def differences() -> list[str]:
    """Every bucket where a level and the offers disagree, in English for the operator."""
    return [
        *(finding
          for level, name in LEVELS.items()
          for finding in findings(name, key_of(level), recomputed(level), stored(level, SUMS), _describe, "offers")),
        *(finding
          for level, (name, _) in PER_DESTINATION.items()
          for finding in findings(name, key_of(level), destination_recomputed(level), stored(level, DESTINATION_SUMS),
                                  lambda sums: f"{sums[0]} offers, {sums[1]} units", "offers and receipts")),
    ]


def _describe(sums: tuple[int, int, int]) -> str:
    offers, units, value = sums
    return f"{offers} offers, {units} units, {format_euro(value, 'en')} estimated"


def rebuild() -> int:
    """Replace every level with the one the rows make; return how many rows they have together."""
    return (rebuild_levels(LEVELS, recomputed, SUMS)
            + rebuild_levels(PER_DESTINATION, destination_recomputed, DESTINATION_SUMS))
