"""Ledger tables (django-tables2). Columns select_related what they show."""

import datetime

import django_tables2 as tables
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pledges.models import Donation, EquipmentOffer
from pledges.money import format_euro


class EuroColumn(tables.Column):
    """Integer cents shown as euro in the reader's language."""

    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value) -> str:
        return format_euro(value)


class LocalDateColumn(tables.Column):
    """A date (or a timestamp, as a local date) in the reader's short date format.

    django-tables2's DateColumn compiles a template for every cell; this formats directly.
    """

    def render(self, value) -> str:
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date()
        return formats.date_format(value, "SHORT_DATE_FORMAT")


class LedgerTable(tables.Table):
    """A table whose rows that sort alike are ordered by primary key too.

    Sorted by amount or status alone, equal rows come in whatever order the database
    returns them, which may differ between one page's query and the next: a row could
    show on two pages or on none, and the export differ from the screen. The tie is
    broken in the direction of the first sort key, so "newest first" stays so.
    """

    @property
    def order_by(self):
        return tables.Table.order_by.fget(self)

    @order_by.setter
    def order_by(self, value) -> None:
        tables.Table.order_by.fset(self, value)
        queryset = getattr(self.data, "data", None)
        if not isinstance(queryset, QuerySet):
            return
        order = list(queryset.query.order_by)
        if order and not (isinstance(order[-1], str) and order[-1].lstrip("-") in ("pk", "id")):
            descending = isinstance(order[0], str) and order[0].startswith("-")
            self.data.data = queryset.order_by(*order, "-pk" if descending else "pk")


class DonationTable(LedgerTable):
    number = tables.Column(
        verbose_name=_("Pledge"), accessor="pk", linkify=True, order_by=("id",)
    )
    created_at = LocalDateColumn(verbose_name=_("Pledged on"), order_by=("created_at", "id"))
    municipality = tables.Column(verbose_name=_("Municipality"), order_by=("municipality__name",))
    province = tables.Column(
        verbose_name=_("Province"), accessor="municipality__province"
    )
    appeal = tables.Column(verbose_name=_("Appeal"), order_by=("appeal__title",))
    amount_cents = EuroColumn(verbose_name=_("Amount"))
    received_cents = EuroColumn(verbose_name=_("Received"))
    outstanding = EuroColumn(verbose_name=_("Outstanding"), accessor="outstanding", orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    expected_date = LocalDateColumn(verbose_name=_("Expected"))

    class Meta:
        model = Donation
        fields = ()
        sequence = (
            "number", "created_at", "municipality", "province", "appeal",
            "amount_cents", "received_cents", "outstanding", "status", "expected_date",
        )
        order_by = ("-created_at",)  # served by the donation_newest index
        empty_text = _("No pledges match these filters.")
        attrs = {"class": "ledger"}

    def __init__(self, *args, show_municipality: bool = True, **kwargs):
        exclude = () if show_municipality else ("municipality", "province")
        super().__init__(*args, exclude=exclude, **kwargs)

    def render_number(self, record: Donation) -> str:
        return record.number

    def render_status(self, record: Donation) -> str:
        if record.is_overdue:
            return format_html(
                '{} <strong class="badge badge-overdue">{}</strong>',
                record.get_status_display(),
                _("overdue"),
            )
        return record.get_status_display()


class SelectColumn(tables.CheckBoxColumn):
    """A checkbox per row for bulk actions; each box is labelled with the row it selects."""

    def __init__(self, *, field_name: str, **kwargs):
        attrs = {
            "td__input": {
                "name": field_name,
                "aria-label": lambda record: gettext("Select %(number)s") % {"number": record.number},
            }
        }
        super().__init__(attrs=attrs, exclude_from_export=True, **kwargs)

    @property
    def header(self):
        return format_html('<span class="visually-hidden">{}</span>', gettext("Select"))


NOWRAP = {"td": {"class": "nowrap"}}
NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


class OfferTable(LedgerTable):
    """The equipment table, narrow enough for a 1280 px screen.

    Province sits under the municipality, category and appeal under the description: the
    filters beside the table select on them, and fifteen columns did not fit. The export
    (pledges.views.offers.offer_export) keeps every field in its own column.
    """

    select = SelectColumn(field_name="offers", accessor="pk")
    number = tables.Column(
        verbose_name=_("Offer"), accessor="pk", linkify=True, order_by=("id",), attrs=NOWRAP
    )
    created_at = LocalDateColumn(verbose_name=_("Offered on"), order_by=("created_at", "id"), attrs=NOWRAP)
    municipality = tables.Column(verbose_name=_("Municipality"), order_by=("municipality__name",))
    description = tables.Column(verbose_name=_("Description"), attrs={"td": {"class": "text-wide"}})
    quantity = tables.Column(verbose_name=_("Units"), attrs=NUM)
    power_kva = tables.Column(verbose_name=_("kVA"), attrs=NUM)
    value = EuroColumn(verbose_name=_("Estimated value"), accessor="value_cents", orderable=False)
    destination = tables.Column(verbose_name=_("Destination"), order_by=("destination__name_nl",))
    status = tables.Column(verbose_name=_("Status"))
    available_from = LocalDateColumn(verbose_name=_("Available from"), attrs=NOWRAP)
    pickup_date = LocalDateColumn(verbose_name=_("Pickup"), attrs=NOWRAP)

    class Meta:
        model = EquipmentOffer
        fields = ()
        sequence = (
            "select", "number", "created_at", "municipality", "description", "quantity",
            "power_kva", "value", "destination", "status", "available_from", "pickup_date",
        )
        order_by = ("-created_at",)  # served by the offer_newest index
        empty_text = _("No offers match these filters.")
        attrs = {"class": "ledger ledger-wrapping-headers"}

    def __init__(self, *args, show_municipality: bool = True, selectable: bool = False, **kwargs):
        exclude = [] if show_municipality else ["municipality"]
        if not selectable:
            exclude.append("select")
        super().__init__(*args, exclude=exclude, **kwargs)

    def render_number(self, record: EquipmentOffer) -> str:
        return record.number

    def render_municipality(self, record: EquipmentOffer) -> str:
        return format_html(
            '{}<br><span class="help">{}</span>',
            record.municipality.name,
            record.municipality.get_province_display(),
        )

    def render_description(self, record: EquipmentOffer) -> str:
        badge = (
            format_html(' <strong class="badge badge-dangerous">{}</strong>', gettext("dangerous goods"))
            if record.is_dangerous_goods
            else ""
        )
        return format_html(
            '{}{}<br><span class="help">{} · {}</span>',
            record.description,
            badge,
            record.get_category_display(),
            record.appeal.title,
        )

    def render_power_kva(self, record: EquipmentOffer) -> str:
        return formats.number_format(record.power_kva, decimal_pos=1)

    def render_value(self, record: EquipmentOffer) -> str:
        return format_euro(record.quantity * record.value_cents)
