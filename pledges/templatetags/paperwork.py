"""The shipment page's papers: `{% load paperwork %}{% shipment_documents shipment %}` (fund staff only)."""

from django import template
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from pledges.paperwork import terms
from pledges.paperwork.documents import ACT, CMR, DANGEROUS_GOODS, GIFT_LETTER, LABELS, missing

register = template.Library()

TITLES = {
    GIFT_LETTER: _("Gift letter (for the AHARS declaration)"),
    ACT: _("Act of acceptance-transfer (for the recipient to sign)"),
    CMR: _("CMR consignment note data (for the carrier)"),
    DANGEROUS_GOODS: _("Dangerous goods summary"),
    LABELS: _("Labels with QR code, one per unit"),
}
# The papers the fund also files in Dutch (with English): the ones it signs.
DUTCH_COPIES = (GIFT_LETTER, ACT)


@register.inclusion_tag("paperwork/shipment_documents.html", takes_context=True)
def shipment_documents(context, shipment) -> dict:
    request = context["request"]
    if not request.user.is_fund_staff:
        return {"documents": None}
    # The shipment page lists what is on board (all of it, to fund staff): no query to ask again.
    on_board = context.get("on_board")
    has_offers = bool(on_board) if on_board is not None else shipment.offers.exists()
    documents = []
    for document, title in TITLES.items():
        url = reverse("pledges:shipment_document", args=[shipment.pk, document])
        documents.append({
            "code": document,
            "title": title,
            "url": url,
            "dutch_url": f"{url}?language=nl" if document in DUTCH_COPIES else "",
            "missing": missing(shipment, document, has_offers=has_offers),
        })
    return {"documents": documents, "shipment": shipment}


# --------------------------------------------------------------------------- inside the documents


def _language() -> str:
    return (translation.get_language() or "en")[:2]


@register.simple_tag
def term(key: str) -> str:
    """The document's word for `key` in the language of the surrounding {% language %} block."""
    return terms.term(key, _language())


@register.simple_tag(takes_context=True)
def both(context, key: str) -> str:
    """The document's word for `key` in each of its languages, side by side."""
    return " / ".join(dict.fromkeys(terms.term(key, language) for language in context["languages"]))


def _currency(amount, code: str) -> str:
    if amount is None:
        return ""
    number = number_format(amount, decimal_pos=2, force_grouping=True)
    language = _language()
    return f"{number} {terms.CURRENCIES[code]['uk']}" if language == "uk" else f"{terms.CURRENCIES[code][language]} {number}"


@register.filter
def uah(amount) -> str:
    """Hryvnia in the active language's numbers: "48 123,40 грн", "UAH 48,123.40"."""
    return _currency(amount, "UAH")


@register.filter
def eur(amount) -> str:
    """Euro in the active language's numbers: "1 234,50 EUR", "EUR 1,234.50"."""
    return _currency(amount, "EUR")


@register.filter
def amount(value) -> str:
    """An amount as a number in the active language, "1 234,50" (the column names the currency)."""
    return "" if value is None else number_format(value, decimal_pos=2, force_grouping=True)


@register.filter
def rate(value) -> str:
    """An exchange rate with its four decimals in the active language's numbers: "48,1234"."""
    return number_format(value, decimal_pos=4)


@register.filter
def in_language(words: dict, language: str) -> str:
    """`{"uk": ..., "en": ..., "nl": ...}` in one language (English when it has no word in it)."""
    return words.get(language) or words.get("en", "")
