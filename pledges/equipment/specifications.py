"""What a recipient reads of an item beside the donor's Dutch description, in their own language.

Shared by the receipt page (logistics) and the item passport (passports), which sit above.
"""

from __future__ import annotations

from pledges.core.measures import format_measure
from pledges.equipment.models import EquipmentOffer, Fuel

SPECIFICATIONS = ("power_kva", "fuel", "phases", "condition", "year", "weight_kg")


def specifications(offer: EquipmentOffer) -> list[tuple[str, str]]:
    """The category and the known specifications of `offer`, labelled and worded in the active language."""
    rows = [(EquipmentOffer._meta.get_field("category").verbose_name, offer.get_category_display())]
    for name in SPECIFICATIONS:
        value = getattr(offer, name)
        if value in (None, "") or (name == "fuel" and value == Fuel.NONE):
            continue
        model_field = EquipmentOffer._meta.get_field(name)
        if model_field.choices:
            value = getattr(offer, f"get_{name}_display")()
        elif name == "power_kva":
            value = format_measure(value, "kVA")
        elif name == "weight_kg":
            value = format_measure(value, "kg")
        rows.append((model_field.verbose_name, value))
    return [(str(label), str(value)) for label, value in rows]
