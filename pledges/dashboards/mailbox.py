"""A municipality's shared mailbox: chosen by its own staff, it receives a copy of the municipality's mails.

Beside the municipality's other choice (being named on the public page): its staff make it on a
page of their own, the administrator in the admin. Each change is recorded on the municipality.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pledges.accounts.access import allow, get_visible_or_404, visible_municipalities
from pledges.accounts.models import Role, User, normalise_email
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.reference.models import Municipality


class SharedMailboxForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = ["shared_mailbox"]
        widgets = {"shared_mailbox": forms.EmailInput(attrs={"autocomplete": "email"})}

    def clean_shared_mailbox(self) -> str:
        address = normalise_email(self.cleaned_data["shared_mailbox"])
        # Someone's own login elsewhere would receive this municipality's mail: never another municipality.
        outsider = User.objects.filter(email__iexact=address).exclude(municipality=self.instance).exists()
        if address and outsider:
            raise forms.ValidationError(
                _("This is the address of someone outside %(municipality)s. Choose a mailbox of %(municipality)s."),
                code="outside_municipality",
                params={"municipality": self.instance.name},
            )
        return address


@allow(Role.MUNICIPAL_STAFF)
def municipality_mailbox(request: HttpRequest, code: str) -> HttpResponse:
    """Choose, change or empty the municipality's shared mailbox (only its own staff)."""
    municipality = get_visible_or_404(visible_municipalities(request.user), code=code)
    form = SharedMailboxForm(instance=municipality)
    if request.method == "POST":
        with writing():
            municipality = get_visible_or_404(visible_municipalities(request.user).select_for_update(), code=code)
            before = municipality.shared_mailbox
            form = SharedMailboxForm(request.POST, instance=municipality)
            saved = form.is_valid()
            if saved and municipality.shared_mailbox != before:
                form.save()
                record(
                    Event.Kind.EDITED,
                    municipality,
                    actor=request.user,
                    changes={"shared_mailbox": [before, municipality.shared_mailbox]},
                )
        if saved:
            messages.success(request, _mailbox_now(municipality))
            return redirect("pledges:municipality_mailbox", code=municipality.code)
    events = municipality.events.filter(kind=Event.Kind.EDITED).select_related("actor").order_by("at", "id")
    return render(
        request, "dashboards/mailbox.html", {"municipality": municipality, "form": form, "events": events}
    )


def _mailbox_now(municipality: Municipality) -> str:
    if municipality.shared_mailbox:
        return _("Copies of the mails about %(name)s now go to %(address)s.") % {
            "name": municipality.name,
            "address": municipality.shared_mailbox,
        }
    return _("%(name)s has no shared mailbox: no copies are sent.") % {"name": municipality.name}
