

import re

import django_filters
from django.utils.translation import gettext_lazy as _

from pledges.logistics.models import Shipment

# A shipment's number as people type it: "TR-00012", "tr12".
SHIPMENT_NUMBER = re.compile(r"^\s*TR-?0*(\d{1,12})\s*$", re.IGNORECASE)


class ShipmentFilter(django_filters.FilterSet):
    """The shipments page's one filter; its export uses the same."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Shipment.Status.choices, empty_label=_("All")
    )

    class Meta:
        model = Shipment
        fields: list[str] = []
