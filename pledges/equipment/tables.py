

from collections.abc import Collection

import django_tables2 as tables
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pledges.core.money import format_euro
from pledges.core.tables import (
    EMPTY,
    NOWRAP,
    NUM,
    EuroColumn,
    LedgerTable,
    LocalDateColumn,
    SelectColumn,
    choice_label,
    short_date,
)
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
        self, *args, show_municipality: bool = True, selectable: bool = False, show_appeal: bool = True,
        selected: Collection[str] = (), **kwargs
    ):
        exclude = [] if show_municipality else ["municipality"]
        if not selectable:
            exclude.append("select")
        self.show_appeal = show_appeal  # the appeal under each description, only where there are several
        self.selected = selected  # the offers (pks as text) whose boxes are ticked, as a refused bulk move left them
        super().__init__(*args, exclude=exclude, **kwargs)

    def rows_html(self) -> SafeString:
        """The page's rows, the boxes of the offers in `selected` ticked.

        Written here rather than by a template: the twelve cells of a row through the
        template engine cost about a quarter of a millisecond, 25 rows 6 ms of the page;
        this way about 1 ms. Empty values show "—", as django-tables2's default.
        """
        columns = {column.name for column in self.columns}
        rows = "".join(self._row(row.record, columns) for row in self.paginated_rows)
        return mark_safe(rows or format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text))

    def _row(self, offer: EquipmentOffer, columns: set[str]) -> str:
        cells = []
        if "select" in columns:
            cells.append(format_html(
                '<td><input type="checkbox" name="offers" value="{}"{} aria-label="{}" /></td>',
                offer.pk, mark_safe(" checked") if str(offer.pk) in self.selected else "",
                gettext("Select %(number)s") % {"number": offer.number},
            ))
        cells.append(format_html('<td class="nowrap"><a href="{}">{}</a></td><td class="nowrap">{}</td>',
                                 offer.get_absolute_url(), offer.number, short_date(offer.created_at)))
        if "municipality" in columns:
            cells.append(format_html('<td>{}<br><span class="help">{}</span></td>',
                                     offer.municipality.name, choice_label(offer.municipality, "province")))
        badge = (format_html(' <strong class="badge badge-dangerous">{}</strong>', gettext("dangerous goods"))
                 if offer.is_dangerous_goods else "")
        under = choice_label(offer, "category")
        if self.show_appeal:
            under = format_html("{} · {}", under, offer.appeal.title)
        cells.append(format_html(
            '<td class="text-wide">{}{}<br><span class="help">{}</span></td><td class="num">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td><td>{}</td><td>{}</td>'
            '<td class="nowrap">{}</td><td class="nowrap">{}</td>',
            offer.description, badge, under, formats.localize(offer.quantity),
            EMPTY if offer.power_kva is None else formats.localize(offer.power_kva), format_euro(offer.total_value),
            offer.destination.name_nl if offer.destination else EMPTY, choice_label(offer, "status"),
            short_date(offer.available_from), short_date(offer.pickup_date) if offer.pickup_date else EMPTY,
        ))
        return f"<tr>{''.join(cells)}</tr>"
