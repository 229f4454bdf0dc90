"""The page that asks to confirm a withdrawal (of a pledge, of an offer), shared by every part of the domain."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def withdrawal_confirmed(request: HttpRequest) -> bool:
    """A withdrawal cannot be undone: it happens only from its confirmation page, which sends this."""
    return request.method == "POST" and request.POST.get("confirmed") == "yes"


def confirm_withdrawal(
    request: HttpRequest,
    *,
    heading: str,
    summary: str,
    consequence: str,
    form,
    action: str,
    cancel: str,
    hidden: dict | None = None,
) -> HttpResponse:
    """The page that asks to confirm a withdrawal, saying it cannot be undone (no JavaScript needed)."""
    return render(
        request,
        "confirm_withdrawal.html",
        {
            "heading": heading,
            "summary": summary,
            "consequence": consequence,
            "form": form,
            "action": action,
            "cancel": cancel,
            "hidden": (hidden or {}) | {"confirmed": "yes"},
        },
    )
