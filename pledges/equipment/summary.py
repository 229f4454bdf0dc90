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

from django.db.models import Count, F, Q, QuerySet, Sum

from pledges.core.money import cents_to_euro, format_euro
from pledges.donations.access import visible
from pledges.donations.summary import Key, _key, cleaned
from pledges.equipment.models import (
    ENDED_STATUSES,
    EquipmentOffer,
    OfferSummaryByCategory,
    OfferSummaryByMunicipality,
    stages,
)
from pledges.history.services import writing

Level = type[OfferSummaryByCategory | OfferSummaryByMunicipality]
LEVELS: dict[Level, str] = {
    OfferSummaryByCategory: "Equipment totals per category",
    OfferSummaryByMunicipality: "Equipment totals per municipality",
}
SUMS = ("offers", "units", "value_cents")
_COUNTED = ~Q(status__in=ENDED_STATUSES)


def _level(user, data: dict) -> Level | None:
    """The level that answers the filters in `data` for `user`, or None (the rows must be summed)."""
    if data.keys() - {"appeal", "status", "category", "province", "municipality"}:
        return None
    if user.is_fund_staff and not data.keys() & {"province", "municipality"}:
        return OfferSummaryByCategory
    return None if "category" in data else OfferSummaryByMunicipality


def totals(filterset) -> dict:
    """Rows, units and value (euro) of the offers `filterset` (an OfferFilter) selects: `OfferQuerySet.totals()`."""
    data = {name: value for name, value in cleaned(filterset).items() if value not in (None, "", False)}
    level = _level(filterset.user, data)
    if level is None:
        return filterset.qs.totals()
    buckets = visible(filterset.user, level.objects.all())
    if "appeal" in data:
        buckets = buckets.filter(appeal=data["appeal"])
    if "status" in data:
        buckets = buckets.filter(status=data["status"])
    if "category" in data:
        buckets = buckets.filter(category=data["category"])
    if "municipality" in data:
        buckets = buckets.filter(municipality_id=data["municipality"])
    if "province" in data:
        buckets = buckets.filter(municipality__province=data["province"])
    sums = buckets.aggregate(
        rows=Sum("offers", default=0),
        units=Sum("units", filter=_COUNTED, default=0),
        value=Sum("value_cents", filter=_COUNTED, default=0),
    )
    return {"rows": sums["rows"], "units": sums["units"], "value": cents_to_euro(sums["value"])}


def pipeline(buckets: QuerySet) -> list[dict]:
    """`OfferQuerySet.pipeline()` of the offers `buckets` (rows of one level) sum up."""
    return stages(
        buckets.order_by().values("status").annotate(offers=Sum("offers"), units=Sum("units"), value=Sum("value_cents"))
    )


# Checking and restoring the summaries from the rows.


def recomputed(level: Level) -> dict[Key, tuple[int, int, int]]:
    """The level as the offer rows make it."""
    key = _key(level)
    rows = (
        EquipmentOffer.objects.order_by()
        .values(*key)
        .annotate(offers=Count("*"), units=Sum("quantity"), value=Sum(F("quantity") * F("value_cents")))
    )
    return {tuple(row[column] for column in key): (row["offers"], row["units"], row["value"]) for row in rows}


def stored(level: Level) -> dict[Key, tuple[int, int, int]]:
    """The level's rows that hold anything."""
    key = _key(level)
    rows = level.objects.exclude(offers=0, units=0, value_cents=0)
    return {tuple(row[column] for column in key): tuple(row[column] for column in SUMS)
            for row in rows.values(*key, *SUMS)}


def differences() -> list[str]:
    """Every bucket where a level and the offers disagree, in English for the operator."""
    findings = []
    for level, name in LEVELS.items():
        truth, kept, key = recomputed(level), stored(level), _key(level)
        for bucket in sorted(truth.keys() | kept.keys(), key=lambda bucket: tuple(map(str, bucket))):
            want, have = truth.get(bucket, (0, 0, 0)), kept.get(bucket, (0, 0, 0))
            if want != have:
                where = ", ".join(f"{column.removesuffix('_id')} {value}" for column, value in zip(key, bucket, strict=True))
                findings.append(f"{name} of {where}: the summary holds {_describe(have)}, "
                                f"the offers add up to {_describe(want)}")
    return findings


def _describe(sums: tuple[int, int, int]) -> str:
    offers, units, value = sums
    return f"{offers} offers, {units} units, {format_euro(value, 'en')} estimated"


def rebuild() -> int:
    """Replace every level with the one the rows make; return how many rows they have together."""
    created = 0
    with writing():
        for level in LEVELS:
            key = _key(level)
            level.objects.all().delete()
            created += len(level.objects.bulk_create(
                [level(**dict(zip(key, bucket, strict=True)), **dict(zip(SUMS, sums, strict=True)))
                 for bucket, sums in recomputed(level).items()],
                batch_size=1000,
            ))
    return created
