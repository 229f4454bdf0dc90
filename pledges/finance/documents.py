"""The finance documents' pages: receipts (and their public check) and the yearly accounts.

Receipts: municipal staff download those of their own pledges, the fund's finance all of them
(pledges/finance/receipts.py). Anyone with a receipt's code checks it at /kwitantie/, without
an account: the page says whether the ledger confirms it and shows no personal data.
Yearly accounts (pledges/finance/annual.py) are written by the task worker; staff ask for their
own municipality's on its contribution page, finance and coordinators for any on
/financien/jaarverantwoording/.
"""

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pledges.accounts.access import EVERYONE, allow, get_visible_or_404, public, visible_municipalities
from pledges.accounts.models import Role, User
from pledges.core.pdf import PDF_CONTENT_TYPE, pdf_response
from pledges.donations.access import RECEIPT_ROLES
from pledges.finance.annual import selectable_years
from pledges.finance.models import AnnualAccount
from pledges.finance.receipts import receipt_number, receipt_pdf, verify, visible_receipts
from pledges.finance.tasks import queue_annual_account

# Finance chooses any municipality and year here; coordinators may too (read-only documents).
ACCOUNT_CHOOSERS = (Role.FINANCE, Role.COORDINATOR)
# The longest code anyone types: 6 + 12 characters, separators and spaces; the rest is not a code.
_LONGEST_CODE = 40


class AnnualAccountForm(forms.Form):
    """A municipality (among those the user may see) and a year."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, to_field_name="code")
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = visible_municipalities(user).order_by("name")
        self.fields["year"].choices = [(year, str(year)) for year in selectable_years()]


# --------------------------------------------------------------------------- receipts


@allow(*RECEIPT_ROLES)
def receipt(request: HttpRequest, payment_pk: int) -> HttpResponse:
    """The receipt of one payment matched to a pledge, as a PDF."""
    payment = get_visible_or_404(
        visible_receipts(request.user).select_related("donation__appeal", "donation__municipality"), pk=payment_pk
    )
    data = receipt_pdf(payment, request.build_absolute_uri(reverse("pledges:receipt_check")))
    return pdf_response(data, f"kwitantie-{receipt_number(payment)}.pdf")


@public
def receipt_check(request: HttpRequest) -> HttpResponse:
    """Anyone with a receipt's code sees whether the ledger confirms it: amount, date, municipality."""
    code = request.GET.get("code", "").strip()
    payment = verify(code) if code and len(code) <= _LONGEST_CODE else None
    return render(
        request, "finance/documents/receipt_check.html", {"code": code[:_LONGEST_CODE], "checked": bool(code),
                                                          "payment": payment},
    )


# --------------------------------------------------------------------------- yearly accounts


@allow(*ACCOUNT_CHOOSERS)
def annual_accounts(request: HttpRequest) -> HttpResponse:
    """Finance chooses a municipality and a year; the worker writes the account."""
    return render(request, "finance/documents/annual_accounts.html", {
        "form": AnnualAccountForm(user=request.user),
        "recent": AnnualAccount.objects.select_related("municipality").order_by("-created_at", "-pk")[:20],
    })


@require_POST
@allow(*EVERYONE)
def annual_account_queue(request: HttpRequest) -> HttpResponse:
    """Queue a yearly account: staff for their own municipality (the contribution page), the fund for any."""
    form = AnnualAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        if request.user.role in ACCOUNT_CHOOSERS:
            return render(request, "finance/documents/annual_accounts.html", {"form": form, "recent": []}, status=400)
        # Staff send only their own municipality and a listed year: anything else is a tampered form.
        messages.error(request, _("Choose your own municipality and one of the listed years."))
        return redirect("pledges:contribution_home")
    job = queue_annual_account(form.cleaned_data["municipality"], form.cleaned_data["year"], request.user)
    return redirect("pledges:annual_account_job", account_pk=job.pk)


def _visible_account(request: HttpRequest, pk: int) -> AnnualAccount:
    return get_visible_or_404(
        AnnualAccount.objects.select_related("municipality").filter(
            municipality__in=visible_municipalities(request.user)
        ),
        pk=pk,
    )


@allow(*EVERYONE)
def annual_account_job(request: HttpRequest, account_pk: int) -> HttpResponse:
    return render(request, "finance/documents/annual_account_job.html", {"job": _visible_account(request, account_pk)})


@allow(*EVERYONE)
def annual_account_download(request: HttpRequest, account_pk: int) -> HttpResponse:
    job = _visible_account(request, account_pk)
    if job.status != AnnualAccount.Status.DONE:
        return redirect("pledges:annual_account_job", account_pk=job.pk)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=PDF_CONTENT_TYPE)
