from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format


def format_measure(value: Decimal | int, unit: str) -> str:
    """A power or weight with its unit in the active language: "1.450,0 kg", "1,450.0 kg".

    Plain `str(Decimal)` would print "20.0 kVA" on a Dutch page; this groups thousands too.
    """
    return f"{number_format(value, decimal_pos=1, force_grouping=True)} {unit}"
