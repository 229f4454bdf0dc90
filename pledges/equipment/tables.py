

import django_tables2 as tables
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pledges.core.money import format_euro
from pledges.core.tables import NOWRAP, NUM, EuroColumn, LedgerTable, LocalDateColumn, SelectColumn
from pledges.equipment.models import EquipmentOffer


class OfferTable(LedgerTable):
    """The equipment table, narrow enough for a 1280 px screen.

    Province sits under the municipality, category and appeal under the description: the
    filters beside the table select on them, and fifteen columns did not fit. The export
    (pledges.equipment.exports.offer_export) keeps every field in its own column.
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

    def __init__(
        self, *args, show_municipality: bool = True, selectable: bool = False, show_appeal: bool = True, **kwargs
    ):
        exclude = [] if show_municipality else ["municipality"]
        if not selectable:
            exclude.append("select")
        self.show_appeal = show_appeal  # the appeal under each description, only where there are several
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
        under = (
            format_html("{} · {}", record.get_category_display(), record.appeal.title)
            if self.show_appeal
            else record.get_category_display()
        )
        return format_html('{}{}<br><span class="help">{}</span>', record.description, badge, under)

    def render_power_kva(self, record: EquipmentOffer) -> str:
        return formats.number_format(record.power_kva, decimal_pos=1)

    def render_value(self, record: EquipmentOffer) -> str:
        return format_euro(record.quantity * record.value_cents)
